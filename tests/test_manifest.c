/*
 * test_manifest.c - loading and merging manifests: the rule and column
 * keys of issue 10 (catch_all, ignore_case, "(?i)" globs, on_error,
 * from parent, from_path kind), overlays (extends, drop, replace in place,
 * insert before the catch-all), the chain's sha256, and errors that name
 * the file of the chain and the JSON Pointer of the bad entry.
 * Each test writes its manifests into a fresh temporary folder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "manifest.h"
#include "util.h"

static char dir[256];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/wsm-manifest.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	unsetenv("WSMIGRATE_DEFAULT_SCHEMA");
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Write dir/name (creating one level of sub-folder when name has one). */
static void put(const char *name, const char *text)
{
	char path[512], sub[512], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(sub, sizeof(sub), "%s", path);
	slash = strrchr(sub, '/');
	*slash = '\0';
	mkdir(sub, 0755);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static struct manifest *load_ok(const char *name)
{
	char path[512];
	struct manifest *m = NULL;
	struct error err;

	error_clear(&err);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (manifest_load(path, &m, &err) != 0)
		print_error("unexpected error: %s: %s: %s\n", err.path, err.pointer, err.msg);
	assert_non_null(m);
	return m;
}

/* Load, expect ERR_USAGE naming file `in` (a suffix) at `ptr`, msg has `why`. */
static void load_bad(const char *name, const char *in, const char *ptr, const char *why)
{
	char path[512];
	struct manifest *m = NULL;
	struct error err;
	size_t n, k;

	error_clear(&err);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(manifest_load(path, &m, &err), ERR_USAGE);
	assert_null(m);
	n = strlen(err.path);
	k = strlen(in);
	if (n < k || strcmp(err.path + n - k, in) != 0 || strcmp(err.pointer, ptr) != 0 ||
	    !strstr(err.msg, why))
		print_error("got %s: %s: %s\nwant %s: %s: ...%s...\n", err.path, err.pointer,
			    err.msg, in, ptr, why);
	assert_true(n >= k && strcmp(err.path + n - k, in) == 0);
	assert_string_equal(err.pointer, ptr);
	assert_non_null(strstr(err.msg, why));
}

static const char *rule_at(const struct manifest *m, size_t i)
{
	assert_true(i < m->n_rules);
	return m->rules[i].name;
}

static const char *classify(const struct manifest *m, const char *path)
{
	const struct manifest_rule *r = manifest_classify(m, path);

	return r ? r->name : "(none)";
}

/* A base manifest: two typed rules, then a catch-all without "match". */
static const char base_text[] =
	"{\"version\": 1, \"ignore\": [\"**/node_modules/**\"], \"rules\": ["
	" {\"name\": \"tasks\", \"match\": \"tasks/*.json\", \"table\": \"tasks\","
	"  \"columns\": [{\"name\": \"id\", \"type\": \"text\", \"pointer\": \"/id\"}]},"
	" {\"name\": \"status\", \"match\": \"*/status.json\", \"table\": \"status\"},"
	" {\"name\": \"documents\", \"catch_all\": true, \"table\": \"documents\","
	"  \"columns\": [{\"name\": \"kind\", \"type\": \"text\", \"from_path\": \"kind\"}]}]}";

static void catch_all_without_match_takes_every_path_and_is_last(void **state)
{
	struct manifest *m;

	(void)state;
	put("base/migration.json", base_text);
	m = load_ok("base");
	assert_int_equal(m->n_rules, 3);
	assert_non_null(m->catch_all);
	assert_ptr_equal(m->catch_all, &m->rules[2]);
	assert_int_equal(m->rules[2].n_globs, 1);
	assert_string_equal(m->rules[2].globs[0], "**");
	assert_string_equal(classify(m, "tasks/a.json"), "tasks");
	assert_string_equal(classify(m, "x/y/z.json"), "documents");
	assert_string_equal(classify(m, "top.json"), "documents");
	assert_int_equal(m->n_files, 1);
	manifest_free(m);
}

static void ignore_case_and_icase_globs_classify_either_case(void **state)
{
	struct manifest *m;

	(void)state;
	put("m.json",
	    "{\"version\": 1, \"ignore\": [\"(?i)**/*cookie*.json\"], \"rules\": ["
	    " {\"name\": \"reports\", \"match\": [\"(?i)*_results.json\"], \"table\": \"reports\"},"
	    " {\"name\": \"tasks\", \"ignore_case\": true, \"match\": \"agents/*/tasks/*.json\","
	    "  \"table\": \"tasks\"},"
	    " {\"name\": \"exact\", \"match\": \"agents/*/State.json\", \"table\": \"st\"}]}");
	m = load_ok("m.json");
	assert_string_equal(classify(m, "RUN_RESULTS.json"), "reports");
	assert_string_equal(classify(m, "run_results.JSON"), "reports");
	assert_string_equal(classify(m, "Agents/A-1/TASKS/t1.json"), "tasks");
	assert_string_equal(classify(m, "agents/A-1/state.json"), "(none)");
	assert_string_equal(classify(m, "agents/A-1/State.json"), "exact");
	assert_int_equal(m->rules[0].glob_prefix[0], 0);
	assert_int_equal(m->rules[1].glob_prefix[0], 0);
	assert_int_equal(m->rules[2].glob_prefix[0], strlen("agents/"));
	assert_int_equal(manifest_ignored(m, "profile/Cookies_Store.JSON"), 1);
	assert_int_equal(manifest_ignored(m, "profile/store.json"), 0);
	assert_null(m->catch_all);
	manifest_free(m);
}

static void overlay_replaces_in_place_inserts_before_catch_all_and_drops(void **state)
{
	struct manifest *m;
	char want[512];

	(void)state;
	put("base/migration.json", base_text);
	put("base/x.schema.json", "{\"type\": \"object\"}");
	put("over/migration.json",
	    "{\"extends\": \"../base\", \"drop\": [\"status\"],"
	    " \"ignore\": [\"**/node_modules/**\", \"**/.cache/**\"], \"rules\": ["
	    " {\"name\": \"queue\", \"match\": \"queue.json\", \"table\": \"queue\"},"
	    " {\"name\": \"tasks\", \"match\": \"work/*.json\", \"table\": \"tasks\","
	    "  \"schema\": \"t.schema.json\","
	    "  \"columns\": [{\"name\": \"id\", \"type\": \"text\", \"pointer\": \"/task_id\"}]},"
	    " {\"name\": \"notes\", \"match\": \"notes/*.json\", \"table\": \"notes\"}]}");
	put("over/t.schema.json", "{\"type\": \"object\"}");
	m = load_ok("over");
	assert_int_equal(m->n_rules, 4);
	/* tasks replaced at its position, status dropped, new rules in their
	 * order before the catch-all */
	assert_string_equal(rule_at(m, 0), "tasks");
	assert_string_equal(rule_at(m, 1), "queue");
	assert_string_equal(rule_at(m, 2), "notes");
	assert_string_equal(rule_at(m, 3), "documents");
	assert_ptr_equal(m->catch_all, &m->rules[3]);
	assert_string_equal(classify(m, "tasks/a.json"), "documents");
	assert_string_equal(classify(m, "work/a.json"), "tasks");
	assert_string_equal(classify(m, "a/status.json"), "documents");
	assert_string_equal(m->rules[0].main.columns[0].pointers[0], "/task_id");
	/* a rule's schema resolves against the folder of its own file */
	snprintf(want, sizeof(want), "%s/over/t.schema.json", dir);
	assert_string_equal(m->rules[0].schema_path, want);
	/* ignore: union in order, no duplicates */
	assert_int_equal(m->n_ignore, 2);
	assert_string_equal(m->ignore[0], "**/node_modules/**");
	assert_string_equal(m->ignore[1], "**/.cache/**");
	/* the chain, bases first; each rule knows its file */
	assert_int_equal(m->n_files, 2);
	assert_non_null(strstr(m->files[0], "/base/migration.json"));
	assert_non_null(strstr(m->files[1], "/over/migration.json"));
	assert_ptr_equal(m->rules[3].file, m->files[0]);
	assert_ptr_equal(m->rules[0].file, m->files[1]);
	assert_non_null(strstr(m->path, "/over/migration.json"));
	manifest_free(m);
}

static void extends_default_uses_the_env_folder_and_a_list_applies_in_order(void **state)
{
	struct manifest *m;
	char env[300];

	(void)state;
	put("def/migration.json", base_text);
	put("b2.json",
	    "{\"version\": 1, \"rules\": ["
	    " {\"name\": \"status\", \"match\": \"agents/*/status.json\", \"table\": \"status\"},"
	    " {\"name\": \"extra\", \"match\": \"extra/*.json\", \"table\": \"extra\"}]}");
	put("m.json", "{\"extends\": [\"default\", \"b2.json\"]}");
	snprintf(env, sizeof(env), "%s/def", dir);
	setenv("WSMIGRATE_DEFAULT_SCHEMA", env, 1);
	m = load_ok("m.json");
	assert_int_equal(m->n_rules, 4);
	assert_string_equal(rule_at(m, 0), "tasks");
	assert_string_equal(rule_at(m, 1), "status");
	assert_string_equal(m->rules[1].globs[0], "agents/*/status.json");
	assert_string_equal(rule_at(m, 2), "extra");
	assert_string_equal(rule_at(m, 3), "documents");
	assert_int_equal(m->n_files, 3);
	manifest_free(m);
}

static void a_catch_all_of_the_overlay_replaces_the_bases_by_name(void **state)
{
	struct manifest *m;

	(void)state;
	put("base/migration.json", base_text);
	put("m.json",
	    "{\"extends\": \"base\", \"rules\": ["
	    " {\"name\": \"documents\", \"catch_all\": true, \"match\": \"**/*.json\","
	    "  \"table\": \"other_docs\"}]}");
	m = load_ok("m.json");
	assert_int_equal(m->n_rules, 3);
	assert_string_equal(rule_at(m, 2), "documents");
	assert_string_equal(m->rules[2].main.table, "other_docs");
	assert_ptr_equal(m->catch_all, &m->rules[2]);
	manifest_free(m);
	/* dropping the catch-all leaves none */
	put("m.json", "{\"extends\": \"base\", \"drop\": [\"documents\"]}");
	m = load_ok("m.json");
	assert_int_equal(m->n_rules, 2);
	assert_null(m->catch_all);
	assert_string_equal(classify(m, "x.json"), "(none)");
	manifest_free(m);
}

static void sha256_is_the_files_own_or_covers_the_whole_chain(void **state)
{
	struct manifest *m;
	char sha[65], chain1[65], chain2[65];

	(void)state;
	put("base/migration.json", base_text);
	util_sha256_hex(base_text, strlen(base_text), sha);
	m = load_ok("base");
	assert_string_equal(m->sha256, sha);
	manifest_free(m);
	put("m.json", "{\"extends\": \"base\"}");
	m = load_ok("m.json");
	memcpy(chain1, m->sha256, 65);
	assert_string_not_equal(chain1, sha);
	manifest_free(m);
	/* a change in the base changes the sha256 of the overlay */
	put("base/migration.json",
	    "{\"version\": 1, \"rules\": [{\"name\": \"a\", \"match\": \"**\", \"table\": \"a\"}]}");
	m = load_ok("m.json");
	memcpy(chain2, m->sha256, 65);
	assert_string_not_equal(chain1, chain2);
	manifest_free(m);
}

static void lenient_parent_and_kind_columns_load(void **state)
{
	struct manifest *m;
	const struct manifest_rule *r;

	(void)state;
	put("m.json",
	    "{\"version\": 1, \"rules\": [{\"name\": \"q\", \"match\": \"q.json\","
	    " \"table\": \"queues\", \"key\": [\"qid\"], \"columns\": ["
	    "  {\"name\": \"qid\", \"type\": \"integer\", \"pointer\": \"/id\", \"required\": true},"
	    "  {\"name\": \"kind\", \"type\": \"text\", \"from_path\": \"kind\"},"
	    "  {\"name\": \"at\", \"type\": \"timestamp\", \"pointer\": \"/at\", \"on_error\": \"null\"},"
	    "  {\"name\": \"n\", \"type\": \"integer\", \"pointer\": \"/n\", \"on_error\": \"reject\"}],"
	    " \"children\": [{\"table\": \"queue_items\", \"each\": \"/items\", \"columns\": ["
	    "  {\"name\": \"qid\", \"from\": \"parent\", \"column\": \"qid\"},"
	    "  {\"name\": \"qkind\", \"type\": \"text\", \"from\": \"parent\", \"column\": \"kind\"},"
	    "  {\"name\": \"pos\", \"type\": \"integer\", \"from\": \"index\"}]}]}]}");
	m = load_ok("m.json");
	r = &m->rules[0];
	assert_int_equal(r->main.columns[1].from_path, PATH_KIND);
	assert_int_equal(r->main.columns[2].on_error_null, 1);
	assert_int_equal(r->main.columns[3].on_error_null, 0);
	assert_int_equal(r->children[0].columns[0].from, ELEM_PARENT);
	assert_int_equal(r->children[0].columns[0].parent_col, 0);
	assert_int_equal(r->children[0].columns[0].type, COL_INTEGER);   /* inherited */
	assert_int_equal(r->children[0].columns[1].parent_col, 1);
	assert_int_equal(r->children[0].def->columns[0].type, COL_INTEGER);
	manifest_free(m);
}

static void column_errors_name_the_pointer(void **state)
{
	(void)state;
	put("m.json",
	    "{\"version\": 1, \"rules\": [{\"name\": \"a\", \"match\": \"a.json\", \"table\": \"a\","
	    " \"columns\": [{\"name\": \"x\", \"type\": \"text\", \"pointer\": \"/x\","
	    " \"required\": true, \"on_error\": \"null\"}]}]}");
	load_bad("m.json", "m.json", "/rules/0/columns/0/on_error", "not allowed on a required column");
	put("m.json",
	    "{\"version\": 1, \"rules\": [{\"name\": \"a\", \"match\": \"a.json\", \"table\": \"a\","
	    " \"key\": [\"y\"], \"columns\": [{\"name\": \"x\", \"type\": \"text\", \"pointer\": \"/x\"},"
	    " {\"name\": \"y\", \"type\": \"text\", \"pointer\": \"/y\", \"on_error\": \"null\"}]}]}");
	load_bad("m.json", "m.json", "/rules/0/columns/1/on_error", "not allowed on a key column");
	put("m.json",
	    "{\"version\": 1, \"rules\": [{\"name\": \"a\", \"match\": \"a.json\", \"table\": \"a\","
	    " \"columns\": [{\"name\": \"x\", \"type\": \"text\", \"pointer\": \"/x\", \"on_error\": \"skip\"}]}]}");
	load_bad("m.json", "m.json", "/rules/0/columns/0/on_error", "must be \"reject\"");
	put("m.json",
	    "{\"version\": 1, \"rules\": [{\"name\": \"a\", \"match\": \"a.json\", \"table\": \"a\","
	    " \"columns\": [{\"name\": \"x\", \"type\": \"text\", \"pointer\": \"/x\"}],"
	    " \"children\": [{\"table\": \"c\", \"each\": \"/l\", \"key\": [\"p\"], \"columns\": ["
	    "  {\"name\": \"p\", \"type\": \"text\", \"pointer\": \"/p\", \"on_error\": \"null\"}]}]}]}");
	load_bad("m.json", "m.json", "/rules/0/children/0/columns/0/on_error", "key column");
	put("m.json",
	    "{\"version\": 1, \"rules\": [{\"name\": \"a\", \"match\": \"a.json\", \"table\": \"a\","
	    " \"columns\": [{\"name\": \"x\", \"type\": \"text\", \"pointer\": \"/x\"}],"
	    " \"children\": [{\"table\": \"c\", \"each\": \"/l\", \"columns\": ["
	    "  {\"name\": \"p\", \"from\": \"parent\", \"column\": \"nope\"}]}]}]}");
	load_bad("m.json", "m.json", "/rules/0/children/0/columns/0/column", "not a column of the rule's main table");
	put("m.json",
	    "{\"version\": 1, \"rules\": [{\"name\": \"a\", \"match\": \"a.json\", \"table\": \"a\","
	    " \"columns\": [{\"name\": \"x\", \"type\": \"text\", \"pointer\": \"/x\"}],"
	    " \"children\": [{\"table\": \"c\", \"each\": \"/l\", \"columns\": ["
	    "  {\"name\": \"p\", \"type\": \"integer\", \"from\": \"parent\", \"column\": \"x\"}]}]}]}");
	load_bad("m.json", "m.json", "/rules/0/children/0/columns/0/type", "parent's column \"x\" is text");
	put("m.json",
	    "{\"version\": 1, \"rules\": [{\"name\": \"a\", \"match\": \"a.json\", \"table\": \"a\","
	    " \"columns\": [{\"name\": \"x\", \"type\": \"text\", \"pointer\": \"/x\"}],"
	    " \"children\": [{\"table\": \"c\", \"each\": \"/l\", \"columns\": ["
	    "  {\"name\": \"p\", \"from\": \"parent\"}]}]}]}");
	load_bad("m.json", "m.json", "/rules/0/children/0/columns/0", "needs \"column\"");
	put("m.json",
	    "{\"version\": 1, \"rules\": [{\"name\": \"a\", \"match\": \"a.json\", \"table\": \"a\","
	    " \"columns\": [{\"name\": \"x\", \"type\": \"text\", \"pointer\": \"/x\", \"column\": \"y\"}]}]}");
	load_bad("m.json", "m.json", "/rules/0/columns/0/column", "goes with \"from\": \"parent\"");
	put("m.json",
	    "{\"version\": 1, \"rules\": [{\"name\": \"a\", \"match\": \"a.json\", \"table\": \"a\","
	    " \"columns\": [{\"name\": \"x\", \"type\": \"text\", \"from\": \"parent\", \"column\": \"x\"}]}]}");
	load_bad("m.json", "m.json", "/rules/0/columns/0/from", "only for child tables");
	put("m.json",
	    "{\"version\": 1, \"rules\": [{\"name\": \"a\", \"match\": \"a.json\", \"table\": \"a\","
	    " \"columns\": [{\"name\": \"x\", \"type\": \"text\", \"from_path\": \"kinds\"}]}]}");
	load_bad("m.json", "m.json", "/rules/0/columns/0/from_path", "\"kind\"");
}

static void a_key_naming_no_column_is_an_error_without_a_leak(void **state)
{
	(void)state;
	/* run under ASan, this also proves the key list is freed */
	put("m.json",
	    "{\"version\": 1, \"rules\": [{\"name\": \"a\", \"match\": \"a.json\", \"table\": \"a\","
	    " \"key\": [\"x\", \"nope\"], \"columns\": [{\"name\": \"x\", \"type\": \"text\", \"pointer\": \"/x\"}]}]}");
	load_bad("m.json", "m.json", "/rules/0/key/1", "\"nope\" is not a column of table \"a\"");
	put("m.json",
	    "{\"version\": 1, \"rules\": [{\"name\": \"a\", \"match\": \"a.json\", \"table\": \"a\","
	    " \"key\": [\"x\"], \"indexes\": [\"x\", 3], \"columns\": [{\"name\": \"x\", \"type\": \"text\", \"pointer\": \"/x\"}]}]}");
	load_bad("m.json", "m.json", "/rules/0/indexes/1", "expected a string");
}

static void catch_all_errors(void **state)
{
	(void)state;
	put("m.json",
	    "{\"version\": 1, \"rules\": ["
	    " {\"name\": \"docs\", \"catch_all\": true, \"table\": \"docs\"},"
	    " {\"name\": \"a\", \"match\": \"a.json\", \"table\": \"a\"}]}");
	load_bad("m.json", "m.json", "/rules/0/catch_all", "must be the last rule");
	put("m.json",
	    "{\"version\": 1, \"rules\": [{\"name\": \"docs\", \"catch_all\": \"yes\", \"table\": \"docs\"}]}");
	load_bad("m.json", "m.json", "/rules/0/catch_all", "true or false");
	put("m.json",
	    "{\"version\": 1, \"rules\": [{\"name\": \"docs\", \"table\": \"docs\"}]}");
	load_bad("m.json", "m.json", "/rules/0", "needs \"match\"");
	put("base/migration.json", base_text);
	put("m.json",
	    "{\"extends\": \"base\", \"rules\": [{\"name\": \"more\", \"catch_all\": true, \"table\": \"more\"}]}");
	load_bad("m.json", "m.json", "/rules/0", "second catch-all");
}

static void overlay_errors_name_the_file_of_the_chain(void **state)
{
	(void)state;
	put("base/migration.json", base_text);
	put("m.json", "{\"extends\": \"base\", \"drop\": [\"status\", \"nope\"]}");
	load_bad("m.json", "m.json", "/drop/1", "no rule \"nope\" to drop");
	put("m.json", "{\"version\": 1, \"drop\": [\"x\"], \"rules\": [{\"name\": \"a\", \"match\": \"a\", \"table\": \"a\"}]}");
	load_bad("m.json", "m.json", "/drop", "add \"extends\"");
	put("m.json", "{\"extends\": [\"base\", \"missing.json\"]}");
	load_bad("m.json", "m.json", "/extends/1", "cannot load the base manifest");
	put("m.json", "{\"extends\": 3}");
	load_bad("m.json", "m.json", "/extends", "must be a string or an array");
	put("m.json", "{\"extends\": \"base\", \"version\": 2}");
	load_bad("m.json", "m.json", "/version", "\"version\" must be 1");
	/* a bad entry in a base is reported in the base's file */
	put("bad/migration.json",
	    "{\"version\": 1, \"rules\": [{\"name\": \"a\", \"match\": \"a//b\", \"table\": \"a\"}]}");
	put("m.json", "{\"extends\": \"bad\"}");
	load_bad("m.json", "bad/migration.json", "/rules/0/match", "bad glob");
	/* a type clash between a base rule and an overlay rule on a shared
	 * table is reported at the overlay's rule */
	put("m.json",
	    "{\"extends\": \"base\", \"rules\": [{\"name\": \"more\", \"match\": \"m/*.json\","
	    " \"table\": \"tasks\", \"columns\": [{\"name\": \"id\", \"type\": \"integer\", \"pointer\": \"/id\"}]}]}");
	load_bad("m.json", "m.json", "/rules/0", "column \"id\" of table \"tasks\" is integer here");
	/* cycles and depth */
	put("c1.json", "{\"extends\": \"c2.json\"}");
	put("c2.json", "{\"extends\": \"c1.json\"}");
	load_bad("c1.json", "c2.json", "/extends", "makes a cycle");
	put("d0.json", "{\"extends\": \"d1.json\"}");
	put("d1.json", "{\"extends\": \"d2.json\"}");
	put("d2.json", "{\"extends\": \"d3.json\"}");
	put("d3.json", "{\"extends\": \"d4.json\"}");
	put("d4.json", "{\"extends\": \"d5.json\"}");
	put("d5.json", "{\"extends\": \"d6.json\"}");
	put("d6.json", "{\"extends\": \"d7.json\"}");
	put("d7.json", "{\"extends\": \"d8.json\"}");
	put("d8.json", "{\"extends\": \"d9.json\"}");
	put("d9.json", "{\"extends\": \"base\"}");
	load_bad("d0.json", "d8.json", "/extends", "more than 8 levels");
	/* an overlay that leaves no rule */
	put("m.json", "{\"extends\": \"base\", \"drop\": [\"tasks\", \"status\", \"documents\"]}");
	load_bad("m.json", "m.json", "/rules", "no rules are left");
	/* "default" with nothing to find */
	setenv("WSMIGRATE_DEFAULT_SCHEMA", "/nonexistent-wsm-default", 1);
	put("m.json", "{\"extends\": \"default\"}");
	load_bad("m.json", "m.json", "/extends", "cannot load the base manifest");
	put("m.json", "{\"extends\": \"base\", \"rules\": [{\"name\": \"x\", \"match\": \"a\", \"table\": \"x\"},"
	    " {\"name\": \"x\", \"match\": \"b\", \"table\": \"x\"}]}");
	load_bad("m.json", "m.json", "/rules/1/name", "duplicate rule name");
}

static void default_dir_prefers_the_variable(void **state)
{
	char buf[512];
	struct error err;

	(void)state;
	setenv("WSMIGRATE_DEFAULT_SCHEMA", "/some/where", 1);
	error_clear(&err);
	assert_non_null(manifest_default_dir(buf, sizeof(buf), &err));
	assert_string_equal(buf, "/some/where");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(catch_all_without_match_takes_every_path_and_is_last, setup, teardown),
		cmocka_unit_test_setup_teardown(ignore_case_and_icase_globs_classify_either_case, setup, teardown),
		cmocka_unit_test_setup_teardown(overlay_replaces_in_place_inserts_before_catch_all_and_drops, setup, teardown),
		cmocka_unit_test_setup_teardown(extends_default_uses_the_env_folder_and_a_list_applies_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(a_catch_all_of_the_overlay_replaces_the_bases_by_name, setup, teardown),
		cmocka_unit_test_setup_teardown(sha256_is_the_files_own_or_covers_the_whole_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(lenient_parent_and_kind_columns_load, setup, teardown),
		cmocka_unit_test_setup_teardown(column_errors_name_the_pointer, setup, teardown),
		cmocka_unit_test_setup_teardown(a_key_naming_no_column_is_an_error_without_a_leak, setup, teardown),
		cmocka_unit_test_setup_teardown(catch_all_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(overlay_errors_name_the_file_of_the_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(default_dir_prefers_the_variable, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
