/*
 * fuzz_manifest.c - the manifest loader and classifier (include/manifest.h).
 *
 * Input: a manifest text, optionally followed by a line "----" and relative
 * paths, one per line (the separator cannot occur in JSON, so a seed is a
 * real manifest with paths appended).  The manifest is written to a scratch
 * folder beside empty schema files of the names the project's manifests
 * use and a small base manifest (base.json, for "extends"), and loaded
 * from the file or, for inputs of odd length, from the folder.
 * "extends": "default" reaches the project's schema/migration.json
 * ($WSMIGRATE_DEFAULT_SCHEMA).
 *
 * Invariants on a loaded manifest:
 *   - every glob (match and ignore) passes glob_check();
 *   - at most one rule is the catch-all, and it is the last one
 *     (m->catch_all);
 *   - every target's table name is [a-z_][a-z0-9_]* and not wsm_*; its
 *     merged definition has that name, and each column maps (def_col) to a
 *     column of the same name and type; merged table names are unique;
 *   - manifest_classify() returns the first rule one of whose globs
 *     matches the path (glob_match_flags, GLOB_ICASE for an ignore_case
 *     rule), or NULL when none does;
 *   - manifest_ignored() is 1 exactly when an ignore glob matches.
 * A refused manifest carries ERR_USAGE (or ERR_IO) and a message.
 */
#include "fuzz.h"

#include "error.h"
#include "glob.h"
#include "manifest.h"

static const char *const schema_names[] = {
	"agent_status.schema.json", "box_message.schema.json", "common.schema.json",
	"config.schema.json", "document.schema.json", "message.schema.json",
	"project.schema.json", "registry.schema.json", "report.schema.json",
	"task.schema.json", "task_list.schema.json", "status.schema.json",
	"a.schema.json", "s.json",
};

static char dir[512], file[600];

static const char base_manifest[] =
	"{\"version\": 1, \"ignore\": [\"tmp/**\"], \"rules\": [\n"
	" {\"name\": \"status\", \"match\": \"*/status.json\", \"table\": \"status\",\n"
	"  \"key\": [\"agent\"], \"schema\": \"status.schema.json\",\n"
	"  \"columns\": [{\"name\": \"agent\", \"type\": \"text\", \"from_path\": \"segment:0\"}]},\n"
	" {\"name\": \"reports\", \"match\": \"reports/*.json\", \"ignore_case\": true,\n"
	"  \"table\": \"reports\", \"columns\": [{\"name\": \"kind\", \"type\": \"text\", \"from_path\": \"kind\"}]},\n"
	" {\"name\": \"documents\", \"catch_all\": true, \"table\": \"documents\"}]}\n";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char p[700];
	size_t i;

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "%s/m", fuzz_scratch());
	if (mkdir(dir, 0700) < 0) {
		perror("fuzz_manifest: mkdir");
		exit(2);
	}
	for (i = 0; i < sizeof(schema_names) / sizeof(schema_names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, schema_names[i]);
		if (fuzz_write_file(p, "true\n", 5) < 0) {
			perror("fuzz_manifest: write");
			exit(2);
		}
	}
	snprintf(p, sizeof(p), "%s/base.json", dir);
	if (fuzz_write_file(p, base_manifest, sizeof(base_manifest) - 1) < 0) {
		perror("fuzz_manifest: write");
		exit(2);
	}
	if (fuzz_repo_root()) {
		snprintf(p, sizeof(p), "%s/schema", fuzz_repo_root());
		setenv("WSMIGRATE_DEFAULT_SCHEMA", p, 1);
	}
	snprintf(file, sizeof(file), "%s/migration.json", dir);
	return 0;
}

static int valid_table_name(const char *s)
{
	const char *p;

	if (!s || !*s || strncmp(s, "wsm_", 4) == 0)
		return 0;
	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || *p == '_' || (p > s && *p >= '0' && *p <= '9')))
			return 0;
	return 1;
}

static void check_target(const struct manifest *m, const struct manifest_target *t)
{
	size_t i;

	FUZZ_CHECK(valid_table_name(t->table), "table name \"%s\" accepted", t->table);
	FUZZ_CHECK(t->def && t->def >= m->tables && t->def < m->tables + m->n_tables,
		   "table \"%s\": definition not in m->tables", t->table);
	FUZZ_CHECK(strcmp(t->def->name, t->table) == 0, "table \"%s\" linked to \"%s\"",
		   t->table, t->def->name);
	for (i = 0; i < t->n_columns; i++) {
		size_t k = t->def_col[i];

		FUZZ_CHECK(k < t->def->n_columns, "table \"%s\" column %zu maps to %zu of %zu",
			   t->table, i, k, t->def->n_columns);
		FUZZ_CHECK(strcmp(t->def->columns[k].name, t->columns[i].name) == 0 &&
			   t->def->columns[k].type == t->columns[i].type,
			   "table \"%s\" column \"%s\" maps to \"%s\"", t->table,
			   t->columns[i].name, t->def->columns[k].name);
	}
}

static void check_manifest(const struct manifest *m)
{
	char why[256];
	size_t r, g, k;

	for (g = 0; g < m->n_ignore; g++)
		FUZZ_CHECK(glob_check(m->ignore[g], why, sizeof(why)) == 0,
			   "ignore glob \"%s\" accepted: %s", m->ignore[g], why);
	for (r = 0; r < m->n_rules; r++) {
		const struct manifest_rule *rule = &m->rules[r];

		FUZZ_CHECK(!rule->catch_all || (r + 1 == m->n_rules && m->catch_all == rule),
			   "catch-all rule \"%s\" is rule %zu of %zu", rule->name, r, m->n_rules);
		for (g = 0; g < rule->n_globs; g++)
			FUZZ_CHECK(glob_check(rule->globs[g], why, sizeof(why)) == 0,
				   "rule %zu glob \"%s\" accepted: %s", r, rule->globs[g], why);
		check_target(m, &rule->main);
		for (k = 0; k < rule->n_children; k++)
			check_target(m, &rule->children[k]);
	}
	FUZZ_CHECK(!m->catch_all || (m->n_rules && m->catch_all == &m->rules[m->n_rules - 1] &&
				     m->catch_all->catch_all),
		   "m->catch_all is not the last rule");
	for (r = 0; r < m->n_tables; r++)
		for (k = r + 1; k < m->n_tables; k++)
			FUZZ_CHECK(strcmp(m->tables[r].name, m->tables[k].name) != 0,
				   "table \"%s\" merged twice", m->tables[r].name);
}

static void check_path(const struct manifest *m, const char *path)
{
	const struct manifest_rule *want = NULL, *got;
	int ign = 0;
	size_t r, g;

	for (r = 0; r < m->n_rules && !want; r++)
		for (g = 0; g < m->rules[r].n_globs; g++)
			if (glob_match_flags(m->rules[r].globs[g], path,
					     m->rules[r].ignore_case ? GLOB_ICASE : 0)) {
				want = &m->rules[r];
				break;
			}
	got = manifest_classify(m, path);
	FUZZ_CHECK(got == want, "classify(\"%s\") gave rule %s, first match is %s", path,
		   got ? got->name : "(none)", want ? want->name : "(none)");
	for (g = 0; g < m->n_ignore; g++)
		if (glob_match(m->ignore[g], path))
			ign = 1;
	FUZZ_CHECK(manifest_ignored(m, path) == ign, "ignored(\"%s\") is not %d", path, ign);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *sep = NULL;
	struct manifest *m = NULL;
	struct error err;
	size_t mlen = size, i;
	char *paths = NULL, *line, *save = NULL;

	for (i = 0; i + 6 <= size; i++)
		if (memcmp(data + i, "\n----\n", 6) == 0) {
			sep = data + i;
			break;
		}
	if (sep) {
		mlen = (size_t)(sep - data);
		paths = fuzz_strndup(sep + 6, size - mlen - 6);
	}
	if (fuzz_write_file(file, data, mlen) < 0) {
		perror("fuzz_manifest: write");
		exit(2);
	}
	error_clear(&err);
	if (manifest_load(size & 1 ? dir : file, &m, &err)) {
		FUZZ_CHECK((err.code == ERR_USAGE || err.code == ERR_IO) && err.msg[0],
			   "refused manifest with code %d and message \"%s\"", (int)err.code,
			   err.msg);
		FUZZ_CHECK(m == NULL, "refused manifest, but *out set");
		free(paths);
		return 0;
	}
	FUZZ_CHECK(m != NULL, "manifest_load returned 0 without a manifest");
	check_manifest(m);
	for (line = paths ? strtok_r(paths, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save))
		check_path(m, line);
	manifest_free(m);
	free(paths);
	return 0;
}
