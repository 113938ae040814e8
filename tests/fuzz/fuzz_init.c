/*
 * fuzz_init.c - manifest inference (`wsmigrate init`, include/infer.h) end
 * to end on a small scratch tree made from the input.
 *
 * Input: up to 8 files separated by NUL bytes; each is a relative path on
 * its first line and the file's bytes after it (a path is cleaned into
 * safe segments and given ".json" when it has no such ending).  The tree
 * is inferred twice; the texts are written as init writes them
 * (migration.json and one schema per rule in a folder of their own), and
 * the inferred manifest is loaded back.
 * Invariants:
 *   - inference is deterministic: the same tree gives the same manifest
 *     and schema texts;
 *   - the inferred manifest loads (manifest_load) and every file of the
 *     tree that the default ignore list does not drop is classified by it;
 *   - every file that parses strictly validates against the schema of the
 *     rule that takes it (the documents a schema was inferred from must
 *     pass it);
 *   - infer_fuzz_one() (the library's own single-document check) holds on
 *     every file's bytes.
 */
#include "fuzz.h"

#include <cJSON.h>

#include "error.h"
#include "infer.h"
#include "jsonread.h"
#include "jsonschema.h"
#include "manifest.h"

#define MAX_TREE_FILES 8

static char tree[300], out[300];

struct tfile {
	char rel[256];
	const uint8_t *data;
	size_t len;
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(tree, sizeof(tree), "%s/tree", fuzz_scratch());
	snprintf(out, sizeof(out), "%s/out", fuzz_scratch());
	return 0;
}

/*
 * Clean `raw` into a relative path of at most 3 segments of [A-Za-z0-9_.-]
 * (other bytes become '_', "." and ".." segments are dropped), ending in
 * ".json" unless it ends in ".json" in any case.  Returns 0, or -1 when
 * nothing is left.
 */
static int clean_path(const uint8_t *raw, size_t n, char *rel, size_t size)
{
	size_t o = 0, seg = 0, segs = 0, i;

	for (i = 0; i <= n && o + 8 < size; i++) {
		char c = i < n ? (char)raw[i] : '/';

		if (c == '/') {
			if ((o - seg == 1 && rel[seg] == '.') ||
			    (o - seg == 2 && rel[seg] == '.' && rel[seg + 1] == '.'))
				o = seg;        /* drop "." and ".." */
			if (o > seg) {
				if (++segs == 3 || i == n)
					break;
				rel[o++] = '/';
				seg = o;
			}
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
			c = '_';
		rel[o++] = c;
	}
	if (o && rel[o - 1] == '/')
		o--;
	if (!o)
		return -1;
	rel[o] = '\0';
	if (o < 5 || strcasecmp(rel + o - 5, ".json") != 0)
		strcat(rel, ".json");
	return 0;
}

/* mkdir -p for the parent folders of SCRATCH/tree/rel; 0 or -1. */
static int make_parents(const char *rel)
{
	char p[600];
	char *s;

	snprintf(p, sizeof(p), "%s/%s", tree, rel);
	for (s = p + strlen(tree) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return 0;
}

static int ignored(const char *rel)
{
	return infer_ignored(infer_default_ignore, rel);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tfile files[MAX_TREE_FILES];
	struct infer_opts o = { tree, NULL, 0, 0 };
	struct infer_result r1, r2;
	struct manifest *m = NULL;
	struct error err;
	size_t nf = 0, i, k;
	const uint8_t *p = data, *end = data + size;

	/* the tree */
	if (fuzz_rm_rf(tree) < 0 || fuzz_rm_rf(out) < 0 || mkdir(tree, 0700) < 0 ||
	    mkdir(out, 0700) < 0) {
		perror("fuzz_init: scratch");
		exit(2);
	}
	while (p < end && nf < MAX_TREE_FILES) {
		const uint8_t *nul = memchr(p, 0, (size_t)(end - p));
		const uint8_t *stop = nul ? nul : end;
		const uint8_t *nl = memchr(p, '\n', (size_t)(stop - p));
		const uint8_t *body = nl ? nl + 1 : stop;
		struct tfile *f = &files[nf];
		char path[600];

		if (clean_path(p, (size_t)((nl ? nl : stop) - p), f->rel, sizeof(f->rel)) == 0) {
			for (k = 0; k < nf && strcmp(files[k].rel, f->rel); k++)
				;
			snprintf(path, sizeof(path), "%s/%s", tree, f->rel);
			if (k == nf && make_parents(f->rel) == 0 &&
			    fuzz_write_file(path, body, (size_t)(stop - body)) == 0) {
				f->data = body;
				f->len = (size_t)(stop - body);
				nf++;
			}
		}
		p = nul ? nul + 1 : end;
	}
	for (i = 0; i < nf; i++)
		FUZZ_CHECK(infer_fuzz_one(files[i].data, files[i].len) == 0,
			   "infer_fuzz_one fails on the bytes of '%s'", files[i].rel);

	/* infer twice: the same texts */
	error_clear(&err);
	if (infer_run(&o, &r1, &err)) {
		FUZZ_CHECK(err.code != ERR_OK && err.msg[0], "infer_run failed without a message");
		infer_result_release(&r1);
		return 0;
	}
	FUZZ_CHECK(infer_run(&o, &r2, &err) == 0, "infer_run failed the second time: %s", err.msg);
	FUZZ_CHECK(r1.manifest_text && r2.manifest_text &&
		   strcmp(r1.manifest_text, r2.manifest_text) == 0 && r1.n_rules == r2.n_rules,
		   "two inferences of one tree differ");
	for (i = 0; i < r1.n_rules; i++) {
		char path[600];

		FUZZ_CHECK(!r1.rules[i].schema_text || !r2.rules[i].schema_text ||
			   strcmp(r1.rules[i].schema_text, r2.rules[i].schema_text) == 0,
			   "two inferences give rule \"%s\" different schemas", r1.rules[i].name);
		if (r1.rules[i].schema_file && r1.rules[i].schema_text) {
			snprintf(path, sizeof(path), "%s/%s", out, r1.rules[i].schema_file);
			if (fuzz_write_file(path, r1.rules[i].schema_text,
					    strlen(r1.rules[i].schema_text)) < 0)
				exit(2);
		}
	}
	{
		char path[600];

		snprintf(path, sizeof(path), "%s/migration.json", out);
		if (fuzz_write_file(path, r1.manifest_text, strlen(r1.manifest_text)) < 0)
			exit(2);
	}
	infer_result_release(&r2);

	/* the inferred manifest takes back every file it was inferred from */
	FUZZ_CHECK(manifest_load(out, &m, &err) == 0, "the inferred manifest does not load: %s: %s\n%s",
		   err.pointer, err.msg, r1.manifest_text);
	for (i = 0; i < nf; i++) {
		const struct manifest_rule *rule;
		struct jsonschema_registry *reg;
		const struct jsonschema *js;
		cJSON *doc;

		if (ignored(files[i].rel) || manifest_ignored(m, files[i].rel))
			continue;
		rule = manifest_classify(m, files[i].rel);
		FUZZ_CHECK(rule != NULL, "no inferred rule takes '%s'\n%s", files[i].rel,
			   r1.manifest_text);
		doc = jsonread_parse((const char *)files[i].data, files[i].len, NULL, &err);
		if (!doc || !rule->schema_path) {
			cJSON_Delete(doc);
			continue;
		}
		reg = jsonschema_registry_new(NULL);
		js = reg ? jsonschema_compile_file(reg, rule->schema_path, &err) : NULL;
		FUZZ_CHECK(js != NULL, "inferred schema '%s' does not compile: %s", rule->schema_path,
			   err.msg);
		FUZZ_CHECK(jsonschema_validate(js, doc, NULL) == 0,
			   "'%s' does not validate against the schema inferred for rule \"%s\"",
			   files[i].rel, rule->name);
		jsonschema_registry_free(reg);
		cJSON_Delete(doc);
	}
	manifest_free(m);
	infer_result_release(&r1);
	return 0;
}
