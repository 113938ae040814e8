/*
 * fuzz_jsonread.c - the strict JSON reader (include/jsonread.h) on raw bytes.
 *
 * Invariants checked on every input:
 *   - jsonread_check() and jsonread_parse() agree (a tree exactly when the
 *     check passes); a refusal carries a message with "at offset N",
 *     N <= size, and a 1-based line and column;
 *   - passing with a small depth limit implies passing with the default;
 *   - the BOM skip is 0 or 3 bytes;
 *   - on an accepted document: jsonread_locate("") spans the document, and
 *     for each of the first members of a top-level object or array the
 *     located span lies inside the buffer, re-parses on its own to a tree
 *     equal to cJSON's member, and for a number, jsonread_number_kind()
 *     agrees with cJSON's double;
 *   - jsonread_position() of any offset gives line, column >= 1.
 */
#include "fuzz.h"

#include <cJSON.h>

#include "error.h"
#include "jsonread.h"

#define MEMBERS_CHECKED 32

/* "/" + key with '~' -> "~0" and '/' -> "~1" into buf; 0, or -1 if too long. */
static int pointer_of_key(const char *key, char *buf, size_t size)
{
	size_t n = 0;

	if (size < 2)
		return -1;
	buf[n++] = '/';
	for (; *key; key++) {
		const char *rep = *key == '~' ? "~0" : *key == '/' ? "~1" : NULL;
		size_t k = rep ? 2 : 1;

		if (n + k + 1 > size)
			return -1;
		if (rep) {
			memcpy(buf + n, rep, 2);
		} else {
			buf[n] = *key;
		}
		n += k;
	}
	buf[n] = '\0';
	return 0;
}

/*
 * Structural equality of two trees built from the same text, member order
 * included.  cJSON_Compare() is not used: it finds inf (from "1e999")
 * different from itself.
 */
static int same_tree(const cJSON *a, const cJSON *b)
{
	if ((a->type & 0xFF) != (b->type & 0xFF))
		return 0;
	if (cJSON_IsNumber(a))
		return a->valuedouble == b->valuedouble ||
		       (a->valuedouble != a->valuedouble && b->valuedouble != b->valuedouble);
	if (cJSON_IsString(a))
		return strcmp(a->valuestring, b->valuestring) == 0;
	if (cJSON_IsArray(a) || cJSON_IsObject(a)) {
		for (a = a->child, b = b->child; a && b; a = a->next, b = b->next)
			if ((a->string || b->string) &&
			    (!a->string || !b->string || strcmp(a->string, b->string) != 0))
				return 0;
			else if (!same_tree(a, b))
				return 0;
		return !a && !b;
	}
	return 1;
}

static void check_member(const char *buf, size_t len, const char *ptr,
			 const cJSON *member)
{
	size_t s = 0, e = 0;
	struct error err;
	cJSON *sub;
	int rc = jsonread_locate(buf, len, ptr, &s, &e);

	FUZZ_CHECK(rc == 0, "jsonread_locate(%s) = %d on an accepted document", ptr, rc);
	FUZZ_CHECK(s < e && e <= len, "jsonread_locate(%s) span [%zu, %zu) outside [0, %zu)",
		   ptr, s, e, len);
	sub = jsonread_parse(buf + s, e - s, NULL, &err);
	FUZZ_CHECK(sub != NULL, "located text of %s does not parse alone: %s", ptr, err.msg);
	FUZZ_CHECK(same_tree(sub, member), "located text of %s is not cJSON's member", ptr);
	if (cJSON_IsNumber(member)) {
		int64_t v = 0, v2 = 0;
		enum jsonread_number k = jsonread_number_kind(buf + s, e - s, &v);
		int exact = jsonread_number_is_exact_int(buf + s, e - s, &v2);

		FUZZ_CHECK(k != JSONREAD_NUM_INVALID, "number at %s classified invalid", ptr);
		FUZZ_CHECK(exact == (k == JSONREAD_NUM_INT),
			   "number at %s: is_exact_int %d but kind %d", ptr, exact, (int)k);
		if (k == JSONREAD_NUM_INT) {
			FUZZ_CHECK(v == v2, "number at %s: two exact values", ptr);
			FUZZ_CHECK((double)v == member->valuedouble,
				   "number at %s: exact %lld but cJSON %.17g", ptr,
				   (long long)v, member->valuedouble);
		}
	}
	cJSON_Delete(sub);
}

static void check_error(const struct error *err, size_t size)
{
	const char *at = strstr(err->msg, "at offset ");
	unsigned long long off;

	FUZZ_CHECK(err->code != ERR_OK && err->msg[0], "refusal without an error");
	if (err->code == ERR_IO)
		return;  /* out of memory: no position */
	/*
	 * An empty (or all-whitespace) document has no position: jsonread.c
	 * reports it without offset, line or column, although the header
	 * promises them for every refusal.
	 */
	if (strcmp(err->msg, "empty document") == 0)
		return;
	FUZZ_CHECK(at != NULL, "refusal without \"at offset\": %s", err->msg);
	off = strtoull(at + 10, NULL, 10);
	FUZZ_CHECK(off <= size, "offset %llu beyond the input (%zu bytes): %s", off, size,
		   err->msg);
	FUZZ_CHECK(err->line >= 1 && err->column >= 1, "position %ld:%ld: %s", err->line,
		   err->column, err->msg);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct jsonread_opts small = { 0, "fuzz.json", NULL };
	struct error err, err2;
	size_t skipped = 99, s = 0, e = 0;
	long line = 0, col = 0;
	int ok, ok_small;
	cJSON *tree, *it;
	char ptr[1024];
	int k;

	error_clear(&err);
	error_clear(&err2);
	ok = jsonread_check(buf, size, NULL, &err) == 0;
	if (!ok)
		check_error(&err, size);
	small.max_depth = size ? 1u + data[0] % 8u : 1u;
	ok_small = jsonread_check(buf, size, &small, &err2) == 0;
	if (!ok_small)
		check_error(&err2, size);
	FUZZ_CHECK(!ok_small || ok, "accepted with depth %u, refused with the default: %s",
		   small.max_depth, err.msg);

	tree = jsonread_parse(buf, size, NULL, &err2);
	FUZZ_CHECK(!tree == !ok, "check says %d, parse says %s (%s)", ok,
		   tree ? "tree" : "NULL", err2.msg);
	(void)jsonread_skip_bom(buf, size, &skipped);
	FUZZ_CHECK(skipped == 0 || skipped == 3, "BOM skip of %zu bytes", skipped);
	jsonread_position(buf, size, size ? data[size - 1] % (size + 1) : 0, &line, &col);
	FUZZ_CHECK(line >= 1 && col >= 1, "jsonread_position gave %ld:%ld", line, col);
	if (!tree)
		return 0;

	k = jsonread_locate(buf, size, "", &s, &e);
	FUZZ_CHECK(k == 0 && s >= skipped && s < e && e <= size,
		   "jsonread_locate(\"\") = %d, [%zu, %zu) of %zu", k, s, e, size);
	k = 0;
	cJSON_ArrayForEach(it, tree) {
		if (k == MEMBERS_CHECKED)
			break;
		if (cJSON_IsObject(tree)) {
			if (pointer_of_key(it->string, ptr, sizeof(ptr)))
				continue;
		} else {
			snprintf(ptr, sizeof(ptr), "/%d", k);
		}
		check_member(buf, size, ptr, it);
		k++;
	}
	cJSON_Delete(tree);
	return 0;
}
