/*
 * test_conformance.c - run the official JSON-Schema-Test-Suite (draft 2020-12)
 * against the jsonschema module, in-process and without network access:
 * http://localhost:1234/ is served from the suite's remotes/ folder.
 *
 * Required cases are the .json files of tests/draft2020-12; the run fails when
 * fewer than CONFORMANCE_FLOOR of them pass.  optional/ and optional/format/ (the latter
 * with format assertion on) are reported for information only.
 *
 * Environment: WSM_JSONSCHEMA_SUITE overrides the suite location (default
 * ../shared/conformance/JSON-Schema-Test-Suite, relative to the repo root).
 * Set WSM_CONFORMANCE_QUIET=1 to list only failing files.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cJSON.h"
#include "error.h"
#include "jsonschema.h"
#include "util.h"

/* Passing required cases needed for success; only ever raised. */
#define CONFORMANCE_FLOOR 1299

#define DEFAULT_SUITE "../shared/conformance/JSON-Schema-Test-Suite"

struct tally {
	long passed, failed;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted list of the *.json files directly in `dir`; NULL-terminated. */
static char **list_json(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL;
	size_t n = 0, cap = 0;

	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (len < 6 || strcmp(e->d_name + len - 5, ".json"))
			continue;
		if (ALLOC_GROW(v, n + 2, cap))
			break;
		v[n++] = strdup(e->d_name);
		v[n] = NULL;
	}
	closedir(d);
	if (v)
		qsort(v, n, sizeof(*v), cmp_str);
	return v;
}

static void free_list(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/*
 * Run one suite file.  Every test is validated twice, once for a yes/no answer
 * and once with error details: both must agree with the expected result.
 */
static void run_file(const char *dir, const char *sub, const char *name, const char *remotes,
		     int assert_formats, int verbose, struct tally *total)
{
	char *path, failures[16384];
	size_t flen = 0;
	struct tally t = { 0, 0 };
	cJSON *groups, *g;
	struct error rerr;
	char *text;
	size_t len;

	failures[0] = '\0';
	path = malloc(strlen(dir) + strlen(name) + 2);
	if (!path)
		return;
	sprintf(path, "%s/%s", dir, name);
	if (util_read_file(path, 1 << 26, &text, &len, &rerr))
		text = NULL;
	free(path);
	groups = text ? cJSON_Parse(text) : NULL;
	free(text);
	if (!groups) {
		printf("FAIL %s%s: cannot read or parse\n", sub, name);
		total->failed++;
		return;
	}
	cJSON_ArrayForEach(g, groups) {
		struct jsonschema_opts opts = { assert_formats, 0 };
		struct jsonschema_registry *r = jsonschema_registry_new(&opts);
		const struct jsonschema *s = NULL;
		const char *gdesc = cJSON_GetStringValue(cJSON_GetObjectItem(g, "description"));
		cJSON *tc, *tests = cJSON_GetObjectItem(g, "tests");
		struct error err;

		error_clear(&err);
		if (r && !jsonschema_registry_map_uri(r, "http://localhost:1234/", remotes, &err))
			s = jsonschema_compile_json(r, cJSON_GetObjectItem(g, "schema"), NULL, &err);
		cJSON_ArrayForEach(tc, tests) {
			const char *tdesc = cJSON_GetStringValue(cJSON_GetObjectItem(tc, "description"));
			int want = cJSON_IsTrue(cJSON_GetObjectItem(tc, "valid"));
			const cJSON *data = cJSON_GetObjectItem(tc, "data");
			int ok = 0;
			char why[2300];

			why[0] = '\0';
			if (s) {
				struct jsonschema_result res;
				int fast = jsonschema_validate(s, data, NULL) == 0;
				int full = jsonschema_validate(s, data, &res) == 0;

				ok = fast == want && full == want;
				if (!ok && fast != full)
					snprintf(why, sizeof(why), " (fast path says %s)",
						 fast ? "valid" : "invalid");
				else if (!ok && res.n_stored)
					snprintf(why, sizeof(why), " (%s: %s)",
						 res.errors[0].keyword_location,
						 res.errors[0].message);
				jsonschema_result_release(&res);
			} else {
				char buf[4096];

				snprintf(why, sizeof(why), " (compile: %.2200s)",
					 error_format(&err, buf, sizeof(buf)));
			}
			if (ok) {
				t.passed++;
			} else {
				int n;

				t.failed++;
				n = snprintf(failures + flen, sizeof(failures) - flen,
					     "    %s / %s: expected %s%s\n", gdesc ? gdesc : "?",
					     tdesc ? tdesc : "?", want ? "valid" : "invalid", why);
				if (n > 0 && (size_t)n < sizeof(failures) - flen)
					flen += (size_t)n;
			}
		}
		jsonschema_registry_free(r);
	}
	cJSON_Delete(groups);
	if (t.failed || verbose)
		printf("%s %s%s %ld/%ld\n%s", t.failed ? "FAIL" : "PASS", sub, name, t.passed,
		       t.passed + t.failed, failures);
	total->passed += t.passed;
	total->failed += t.failed;
}

static void run_dir(const char *suite, const char *sub, int assert_formats, int verbose,
		    struct tally *total)
{
	char dir[4096], remotes[4096], prefix[64];
	char **files;
	size_t i;

	snprintf(dir, sizeof(dir), "%s/tests/draft2020-12%s", suite, sub);
	snprintf(prefix, sizeof(prefix), "%s%s", *sub ? sub + 1 : "", *sub ? "/" : "");
	snprintf(remotes, sizeof(remotes), "%s/remotes", suite);
	files = list_json(dir);
	for (i = 0; files && files[i]; i++)
		run_file(dir, prefix, files[i], remotes, assert_formats, verbose, total);
	free_list(files);
}

int main(void)
{
	const char *suite = getenv("WSM_JSONSCHEMA_SUITE");
	const char *q = getenv("WSM_CONFORMANCE_QUIET");
	int verbose = !(q && *q && strcmp(q, "0"));
	struct tally req = { 0, 0 }, opt = { 0, 0 }, fmt = { 0, 0 };
	struct stat st;
	char dir[4096];

	if (!suite || !*suite)
		suite = DEFAULT_SUITE;
	snprintf(dir, sizeof(dir), "%s/tests/draft2020-12", suite);
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		printf("SKIP: conformance suite not found at %s (../shared absent)\n", suite);
		return 0;
	}
	run_dir(suite, "", 0, verbose, &req);
	printf("%ld passed, %ld failed\n", req.passed, req.failed);
	run_dir(suite, "/optional", 0, verbose, &opt);
	printf("optional: %ld passed, %ld failed\n", opt.passed, opt.failed);
	run_dir(suite, "/optional/format", 1, verbose, &fmt);
	printf("optional/format: %ld passed, %ld failed\n", fmt.passed, fmt.failed);
	if (req.passed < CONFORMANCE_FLOOR) {
		printf("conformance below floor: %ld < %d required cases pass\n", req.passed,
		       CONFORMANCE_FLOOR);
		return 1;
	}
	return 0;
}
