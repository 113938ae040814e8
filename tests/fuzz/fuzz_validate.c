/*
 * fuzz_validate.c - an instance (the input, read by the strict JSON reader)
 * validated against a fixed set of schemas compiled once: the schemas of
 * tests/fuzz/schemas/ (a selection from the JSON Schema Test Suite, copied
 * so that the target needs nothing outside the repository, and a few
 * written for the fuzzer: every format, deep recursion, ECMA regexes,
 * numbers, objects) and the project's schema/NAME.schema.json.  Each schema
 * is compiled twice: formats as annotations, and formats as assertions.
 *
 * jsonschema.h has two modes: a detailed validation (a result collects
 * every error, counted, and the first max_errors in detail) and a fast one
 * (no result: stop at the first failure).  Invariants, per schema:
 *   - fast and detailed give the same answer;
 *   - the answer is "valid" exactly when the detailed result has no error;
 *   - n_stored = min(n_errors, max_errors);
 *   - every stored error has a message, and its instance location (when
 *     not cut) is a JSON Pointer to a value that exists in the instance.
 */
#include "fuzz.h"

#include <cJSON.h>

#include "error.h"
#include "jsonread.h"
#include "jsonschema.h"

#define MAX_ERRORS 4
#define MAX_SCHEMAS 64

static struct jsonschema_registry *reg[2];
static const struct jsonschema *schemas[2][MAX_SCHEMAS];
static char *names[MAX_SCHEMAS];
static size_t n_schemas;

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Compile every file of `dir` ending in `suffix`, in name order. */
static void load_dir(const char *dir, const char *suffix)
{
	char *files[MAX_SCHEMAS];
	size_t n = 0, i, sl = strlen(suffix);
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d) {
		fprintf(stderr, "fuzz_validate: cannot open '%s': %s (set WSM_ROOT)\n", dir,
			strerror(errno));
		exit(2);
	}
	while ((de = readdir(d)) && n < MAX_SCHEMAS) {
		size_t l = strlen(de->d_name);

		if (l > sl && strcmp(de->d_name + l - sl, suffix) == 0)
			files[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(files, n, sizeof(files[0]), by_name);
	for (i = 0; i < n; i++) {
		char path[4096];
		int k;

		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (n_schemas == MAX_SCHEMAS) {
			fprintf(stderr, "fuzz_validate: more than %d schemas\n", MAX_SCHEMAS);
			exit(2);
		}
		for (k = 0; k < 2; k++) {
			struct error err;

			error_clear(&err);
			schemas[k][n_schemas] = jsonschema_compile_file(reg[k], path, &err);
			if (!schemas[k][n_schemas]) {
				fprintf(stderr, "fuzz_validate: %s: %s\n", path, err.msg);
				exit(2);
			}
		}
		names[n_schemas++] = strdup(path);
		free(files[i]);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct jsonschema_opts opts = { 0, MAX_ERRORS };
	const char *root = fuzz_repo_root();
	char dir[4096];

	(void)argc;
	(void)argv;
	if (!root) {
		fprintf(stderr, "fuzz_validate: cannot find the repository (set WSM_ROOT)\n");
		exit(2);
	}
	reg[0] = jsonschema_registry_new(&opts);
	opts.assert_formats = 1;
	reg[1] = jsonschema_registry_new(&opts);
	if (!reg[0] || !reg[1])
		exit(2);
	snprintf(dir, sizeof(dir), "%s/tests/fuzz/schemas", root);
	load_dir(dir, ".json");
	snprintf(dir, sizeof(dir), "%s/schema", root);
	load_dir(dir, ".schema.json");
	if (n_schemas < 12) {
		fprintf(stderr, "fuzz_validate: only %zu schemas found under %s\n", n_schemas, root);
		exit(2);
	}
	return 0;
}

/* The value at RFC 6901 pointer `p` in `doc`, or NULL. */
static const cJSON *resolve(const cJSON *doc, const char *p)
{
	char tok[512];

	while (*p) {
		size_t n = 0;

		if (*p++ != '/')
			return NULL;
		while (*p && *p != '/' && n + 1 < sizeof(tok)) {
			if (p[0] == '~' && (p[1] == '0' || p[1] == '1')) {
				tok[n++] = p[1] == '0' ? '~' : '/';
				p += 2;
			} else {
				tok[n++] = *p++;
			}
		}
		tok[n] = '\0';
		if (cJSON_IsObject(doc)) {
			doc = cJSON_GetObjectItemCaseSensitive(doc, tok);
		} else if (cJSON_IsArray(doc)) {
			char *end;
			long i = strtol(tok, &end, 10);

			if (!n || *end || i < 0 || (n > 1 && tok[0] == '0'))
				return NULL;
			doc = cJSON_GetArrayItem(doc, (int)i);
		} else {
			return NULL;
		}
		if (!doc)
			return NULL;
	}
	return doc;
}

static void check_one(size_t i, int k, const cJSON *inst)
{
	struct jsonschema_result res;
	int fast = jsonschema_validate(schemas[k][i], inst, NULL);
	int full = jsonschema_validate(schemas[k][i], inst, &res);
	size_t e, want;

	FUZZ_CHECK(fast == full, "%s (formats %s): fast says %d, detailed says %d",
		   names[i], k ? "asserted" : "annotated", fast, full);
	FUZZ_CHECK((full == 0) == (res.n_errors == 0), "%s: result %d with %zu errors",
		   names[i], full, res.n_errors);
	want = res.n_errors < MAX_ERRORS ? res.n_errors : MAX_ERRORS;
	FUZZ_CHECK(res.n_stored == want && (want == 0 || res.errors),
		   "%s: %zu errors stored of %zu (max %d)", names[i], res.n_stored,
		   res.n_errors, MAX_ERRORS);
	for (e = 0; e < res.n_stored; e++) {
		const struct jsonschema_error *je = &res.errors[e];
		size_t l = strnlen(je->instance_location, sizeof(je->instance_location));

		FUZZ_CHECK(l < sizeof(je->instance_location), "%s: location not terminated",
			   names[i]);
		FUZZ_CHECK(je->message[0], "%s: error %zu at '%s' without a message", names[i],
			   e, je->instance_location);
		if (l + 1 < sizeof(je->instance_location))
			FUZZ_CHECK(resolve(inst, je->instance_location) != NULL,
				   "%s: error \"%s\" at '%s', which is not in the instance",
				   names[i], je->message, je->instance_location);
	}
	jsonschema_result_release(&res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct error err;
	cJSON *inst;
	size_t i;

	error_clear(&err);
	inst = jsonread_parse((const char *)data, size, NULL, &err);
	if (!inst)
		return 0;
	for (i = 0; i < n_schemas; i++) {
		check_one(i, 0, inst);
		check_one(i, 1, inst);
	}
	cJSON_Delete(inst);
	return 0;
}
