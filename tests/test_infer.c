/*
 * test_infer.c - the pure parts of `wsmigrate init` (infer.h): name
 * shapes and identifiers, path grouping (varying segments, id and date
 * names, families, tiny groups, glob order), schema inference (type
 * unions, required, formats, categories, maps, depth) checked by validating
 * every input against the inferred schema, table inference (column types,
 * share threshold, key choice, child tables) and determinism, plus one
 * infer_run() on a small tree written to a temporary folder.
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

#include "../src/infer/internal.h"
#include "jsonread.h"
#include "jsonschema.h"

/* ------------------------------------------------------------ helpers */

static enum infer_name_kind shape(const char *name, char *out)
{
	return infer_name_shape(name, strlen(name), out, 128);
}

/* Segment-wise order, the walker's (sorted names, depth first). */
static int cmp_walk(const void *pa, const void *pb)
{
	const char *a = *(const char *const *)pa, *b = *(const char *const *)pb;

	while (*a && *b) {
		size_t na = strcspn(a, "/"), nb = strcspn(b, "/");
		int c = strncmp(a, b, na < nb ? na : nb);

		if (c)
			return c;
		if (na != nb)
			return na < nb ? -1 : 1;
		a += na;
		b += nb;
		if (*a == '/')
			a++;
		if (*b == '/')
			b++;
	}
	return *a ? 1 : *b ? -1 : 0;
}

struct grouping {
	struct infer_group *g;
	size_t n;
};

static void group_paths(const char **paths, size_t n, struct grouping *out)
{
	struct infer_paths *p = infer_paths_new();
	struct error err;
	size_t i;

	assert_non_null(p);
	qsort(paths, n, sizeof(*paths), cmp_walk);
	for (i = 0; i < n; i++)
		assert_int_equal(infer_paths_add(p, paths[i], &err), 0);
	assert_int_equal(infer_paths_finish(p, &out->g, &out->n, &err), 0);
	infer_paths_free(p);
}

static const struct infer_group *find_group(const struct grouping *gr, const char *glob)
{
	size_t i;

	for (i = 0; i < gr->n; i++)
		if (!strcmp(gr->g[i].glob, glob))
			return &gr->g[i];
	return NULL;
}

static void print_groups(const struct grouping *gr)
{
	size_t i;

	for (i = 0; i < gr->n; i++)
		fprintf(stderr, "  %s (%lu%s)\n", gr->g[i].glob, gr->g[i].files,
			gr->g[i].tiny ? ", tiny" : "");
}

static const struct infer_group *must_group(const struct grouping *gr, const char *glob)
{
	const struct infer_group *g = find_group(gr, glob);

	if (!g) {
		fprintf(stderr, "no group %s among:\n", glob);
		print_groups(gr);
		fail();
	}
	return g;
}

/* Statistics from documents given as JSON texts. */
static struct infer_stats *stats_of(const char *const *docs, size_t n)
{
	struct infer_stats *s = infer_stats_new();
	struct error err;
	size_t i;

	assert_non_null(s);
	for (i = 0; i < n; i++) {
		cJSON *d = jsonread_parse(docs[i], strlen(docs[i]), NULL, &err);

		if (!d)
			fail_msg("test document %zu is not JSON: %s", i, err.msg);
		assert_int_equal(infer_stats_add(s, d, docs[i], strlen(docs[i]), &err), 0);
		cJSON_Delete(d);
	}
	return s;
}

/* Every document must validate against the schema; returns the schema's text. */
static char *schema_checked(struct infer_stats *s, const char *const *docs, size_t n)
{
	struct jsonschema_registry *reg = jsonschema_registry_new(NULL);
	const struct jsonschema *js;
	struct error err;
	cJSON *schema = infer_stats_schema(s, "t", NULL);
	char *text;
	size_t i;

	assert_non_null(schema);
	text = infer_json_print(schema);
	js = jsonschema_compile_json(reg, schema, NULL, &err);
	if (!js)
		fail_msg("inferred schema does not compile: %s\n%s", err.msg, text);
	for (i = 0; i < n; i++) {
		cJSON *d = jsonread_parse(docs[i], strlen(docs[i]), NULL, &err);

		if (jsonschema_validate(js, d, NULL) != 0)
			fail_msg("document %zu does not validate against\n%s", i, text);
		cJSON_Delete(d);
	}
	jsonschema_registry_free(reg);
	cJSON_Delete(schema);
	return text;
}

static int validates(const char *schema_text, const char *doc)
{
	struct jsonschema_registry *reg = jsonschema_registry_new(NULL);
	struct error err;
	cJSON *schema = cJSON_Parse(schema_text), *d = cJSON_Parse(doc);
	const struct jsonschema *js = jsonschema_compile_json(reg, schema, NULL, &err);
	int ok;

	assert_non_null(js);
	assert_non_null(d);
	ok = jsonschema_validate(js, d, NULL) == 0;
	cJSON_Delete(d);
	cJSON_Delete(schema);
	jsonschema_registry_free(reg);
	return ok;
}

static const struct infer_column *column(const struct infer_table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->n_columns; i++)
		if (!strcmp(t->columns[i].name, name))
			return &t->columns[i];
	return NULL;
}

/* ------------------------------------------------------------ names */

static void shapes_replace_ids_and_digit_runs(void **state)
{
	char out[128];

	(void)state;
	assert_int_equal(shape("TASK_AGENT3_0007", out), INFER_NAME_NUMBERED);
	assert_string_equal(out, "task_agent#_#");
	assert_int_equal(shape("Agent-3", out), INFER_NAME_NUMBERED);
	assert_string_equal(out, "agent-#");
	assert_int_equal(shape("2025-08-13", out), INFER_NAME_ID);
	assert_string_equal(out, "#");
	assert_int_equal(shape("20250301-0900", out), INFER_NAME_ID);
	assert_int_equal(shape("2025-08-13T14:15:30", out), INFER_NAME_ID);
	assert_int_equal(shape("4711", out), INFER_NAME_ID);
	assert_int_equal(shape("7a3ca711-b461-4dbe-b31f-23150ed55a42", out), INFER_NAME_ID);
	assert_string_equal(out, "#");
	assert_int_equal(shape("a1b2c3d4e5f6", out), INFER_NAME_ID);
	assert_int_equal(shape("7a3ca711-b461-4dbe-b31f-23150ed55a42_Agent-1_1", out),
			 INFER_NAME_NUMBERED);
	assert_string_equal(out, "#_agent-#_#");
	assert_int_equal(shape("msg_20250811_103101_Agent-1_to_Agent-5", out), INFER_NAME_NUMBERED);
	assert_string_equal(out, "msg_#_agent-#_to_agent-#");
}

static void shapes_keep_plain_names(void **state)
{
	char out[128];

	(void)state;
	assert_int_equal(shape("status", out), INFER_NAME_PLAIN);
	assert_string_equal(out, "status");
	assert_int_equal(shape("PERF_RESULTS", out), INFER_NAME_PLAIN);
	assert_string_equal(out, "perf_results");
	assert_int_equal(shape("deadbeef", out), INFER_NAME_PLAIN);
	assert_int_equal(shape("node_modules", out), INFER_NAME_PLAIN);
}

static void identifiers_are_sql_safe(void **state)
{
	char out[64];

	(void)state;
	infer_ident("taskId", "c", out, sizeof(out));
	assert_string_equal(out, "task_id");
	infer_ident("Task ID", "c", out, sizeof(out));
	assert_string_equal(out, "task_id");
	infer_ident("last-updated.at", "c", out, sizeof(out));
	assert_string_equal(out, "last_updated_at");
	infer_ident("2fa", "c", out, sizeof(out));
	assert_string_equal(out, "c_2fa");
	infer_ident("$$$", "col", out, sizeof(out));
	assert_string_equal(out, "col");
	infer_ident("wsm_runs", "t", out, sizeof(out));
	assert_string_equal(out, "x_wsm_runs");
	infer_ident("_private", "c", out, sizeof(out));
	assert_string_equal(out, "private");
	infer_ident("a_very_long_property_name_that_goes_on_and_on_and_on_forever", "c",
		    out, sizeof(out));
	assert_true(strlen(out) <= 48);
	assert_true(out[strlen(out) - 1] != '_');
}

static void id_names_are_recognised(void **state)
{
	(void)state;
	assert_true(infer_is_id_name("id"));
	assert_true(infer_is_id_name("ID"));
	assert_true(infer_is_id_name("task_id"));
	assert_true(infer_is_id_name("messageId"));
	assert_true(infer_is_id_name("run-id"));
	assert_true(infer_is_id_name("uuid"));
	assert_true(infer_is_id_name("order_uuid"));
	assert_false(infer_is_id_name("valid"));
	assert_false(infer_is_id_name("paid"));
	assert_false(infer_is_id_name("identity"));
	assert_false(infer_is_id_name(""));
}

static void globs_order_specific_first(void **state)
{
	(void)state;
	assert_true(infer_glob_cmp("a/queue/x/*.json", "a/*/x/*.json") < 0);
	assert_true(infer_glob_cmp("a/*/status.json", "a/*/*.json") < 0);
	assert_true(infer_glob_cmp("a/msg_*.json", "a/*.json") < 0);
	assert_true(infer_glob_cmp("a/*/x.json", "a/*/x.json") == 0);
	assert_true(infer_glob_cmp("b/*.json", "a/*.json") > 0);
	assert_true(infer_glob_cmp("a/*.json", "a/**") < 0);
}

/* ------------------------------------------------------------ grouping */

static void varying_folders_become_wildcards(void **state)
{
	const char *paths[] = {
		"agent_workspaces/Agent-1/status.json",
		"agent_workspaces/Agent-2/status.json",
		"agent_workspaces/Agent-3/status.json",
		"agent_workspaces/Agent-3/tasks/TASK_AGENT3_0007.json",
		"agent_workspaces/Agent-3/tasks/TASK_AGENT3_0008.json",
		"agent_workspaces/Agent-1/tasks/TASK_AGENT1_0001.json",
		"agent_workspaces/Agent-2/tasks/TASK_AGENT2_0003.json",
		"agent_workspaces/queue/q1.json",
	};
	struct grouping gr;
	const struct infer_group *g;

	(void)state;
	group_paths(paths, sizeof(paths) / sizeof(paths[0]), &gr);
	g = must_group(&gr, "agent_workspaces/*/tasks/*.json");
	assert_int_equal(g->files, 4);
	assert_non_null(strstr(g->why, "segment 2"));
	g = must_group(&gr, "agent_workspaces/*/status.json");
	assert_int_equal(g->files, 3);
	assert_int_equal(g->tiny, 0);
	/* a lone file with a fixed folder name is tiny: the catch-all's */
	g = must_group(&gr, "agent_workspaces/queue/q1.json");
	assert_int_equal(g->tiny, 1);
	infer_groups_free(gr.g, gr.n);
}

static void dated_and_uuid_folders_vary_even_alone(void **state)
{
	const char *paths[] = {
		"runs/2025-03-01/summary.json",
		"jobs/7a3ca711-b461-4dbe-b31f-23150ed55a42/job.json",
		"jobs/0b14db1b-af9b-4a56-b1a2-59d53df881da/job.json",
	};
	struct grouping gr;

	(void)state;
	group_paths(paths, 3, &gr);
	must_group(&gr, "jobs/*/job.json");
	assert_int_equal(must_group(&gr, "runs/*/summary.json")->tiny, 1);
	infer_groups_free(gr.g, gr.n);
}

static void alike_plain_folders_merge(void **state)
{
	const char *paths[] = {
		"crew/alice/profile.json", "crew/alice/jobs/JOB-1.json", "crew/alice/jobs/JOB-2.json",
		"crew/bob/profile.json", "crew/bob/jobs/JOB-3.json",
		"crew/carol/profile.json",
		/* different sub-trees with plain names stay apart */
		"config/agents/roles.json", "config/agents/coords.json",
		"config/templates/prd.json", "config/templates/contract.json",
	};
	struct grouping gr;

	(void)state;
	group_paths(paths, sizeof(paths) / sizeof(paths[0]), &gr);
	assert_int_equal(must_group(&gr, "crew/*/profile.json")->files, 3);
	must_group(&gr, "crew/*/jobs/*.json");
	assert_null(find_group(&gr, "config/*/roles.json"));
	assert_null(find_group(&gr, "config/*/*.json"));
	infer_groups_free(gr.g, gr.n);
}

static void series_folders_merge_when_several(void **state)
{
	const char *paths[] = {
		"snapshots/alice/20250301-0900.json", "snapshots/alice/20250301-1200.json",
		"snapshots/bob/20250301-0900.json", "snapshots/bob/20250301-1200.json",
		"snapshots/carol/20250301-0900.json", "snapshots/carol/20250301-1200.json",
	};
	struct grouping gr;

	(void)state;
	group_paths(paths, 6, &gr);
	assert_int_equal(must_group(&gr, "snapshots/*/*.json")->files, 6);
	infer_groups_free(gr.g, gr.n);
}

static void top_level_areas_never_merge_on_series_alone(void **state)
{
	const char *paths[] = {
		"logs/0001.json", "logs/0002.json", "logs/0003.json",
		"metrics/0001.json", "metrics/0002.json", "metrics/0003.json",
		"exports/0001.json", "exports/0002.json", "exports/0003.json",
	};
	struct grouping gr;

	(void)state;
	group_paths(paths, 9, &gr);
	must_group(&gr, "logs/*.json");
	must_group(&gr, "metrics/*.json");
	must_group(&gr, "exports/*.json");
	infer_groups_free(gr.g, gr.n);
}

static void file_families_split_a_folder(void **state)
{
	const char *paths[] = {
		"inbox/response_1755248908737_Agent-1.json", "inbox/response_1755254008649_Agent-4.json",
		"inbox/response_1755255056370_Agent-2.json",
		"inbox/contract_1755303000_Agent-1.json", "inbox/contract_1755305000_Agent-2.json",
		"inbox/contract_1755306000_Agent-3.json",
		"inbox/welcome.json",
	};
	struct grouping gr;

	(void)state;
	group_paths(paths, 7, &gr);
	assert_int_equal(must_group(&gr, "inbox/response_*.json")->files, 3);
	assert_int_equal(must_group(&gr, "inbox/contract_*.json")->files, 3);
	/* the lone fixed name is tiny */
	assert_int_equal(must_group(&gr, "inbox/welcome.json")->tiny, 1);
	/* the more specific globs come first */
	assert_true(infer_glob_cmp("inbox/welcome.json", "inbox/response_*.json") < 0);
	infer_groups_free(gr.g, gr.n);
}

static void report_names_group_by_shared_word(void **state)
{
	const char *paths[] = {
		"LOAD_RESULTS.json", "PERF_RESULTS.json", "scan_results.json", "settings.json",
	};
	struct grouping gr;
	const struct infer_group *g;

	(void)state;
	group_paths(paths, 4, &gr);
	g = must_group(&gr, "*_RESULTS.json");
	assert_int_equal(g->files, 3);
	assert_int_equal(g->ignore_case, 1);
	assert_int_equal(must_group(&gr, "settings.json")->tiny, 1);
	infer_groups_free(gr.g, gr.n);
}

static void unrelated_names_in_a_folder_make_one_group(void **state)
{
	const char *paths[] = {
		"config/alpha.json", "config/beta.json", "config/gamma.json", "config/delta.json",
	};
	struct grouping gr;

	(void)state;
	group_paths(paths, 4, &gr);
	assert_int_equal(must_group(&gr, "config/*.json")->files, 4);
	assert_int_equal(gr.n, 1);
	infer_groups_free(gr.g, gr.n);
}

static void paths_out_of_walk_order_are_refused(void **state)
{
	struct infer_paths *p = infer_paths_new();
	struct error err;

	(void)state;
	assert_int_equal(infer_paths_add(p, "b/x.json", &err), 0);
	assert_int_equal(infer_paths_add(p, "a/x.json", &err), ERR_USAGE);
	infer_paths_free(p);
}

static void glob_metacharacters_in_names_are_escaped(void **state)
{
	const char *paths[] = { "we*rd/[x].json", "we*rd/a.json", "we*rd/b.json" };
	struct grouping gr;

	(void)state;
	group_paths(paths, 3, &gr);
	must_group(&gr, "we\\*rd/*.json");
	infer_groups_free(gr.g, gr.n);
}

/* ------------------------------------------------------------ schemas */

static void types_are_unioned_and_required_is_common(void **state)
{
	const char *docs[] = {
		"{\"id\": \"a\", \"meta\": 5, \"note\": null, \"tags\": [\"x\", 1]}",
		"{\"id\": \"b\", \"meta\": {\"k\": true}, \"tags\": []}",
		"{\"id\": \"c\", \"meta\": 1.5, \"tags\": [{\"z\": 1}]}",
	};
	struct infer_stats *s = stats_of(docs, 3);
	char *text = schema_checked(s, docs, 3);
	cJSON *sc = cJSON_Parse(text), *meta, *req;

	(void)state;
	meta = cJSON_GetObjectItem(cJSON_GetObjectItem(sc, "properties"), "meta");
	{
		char *types = cJSON_PrintUnformatted(cJSON_GetObjectItem(meta, "type"));

		assert_string_equal(types, "[\"object\",\"number\"]");
		free(types);
	}
	req = cJSON_GetObjectItem(sc, "required");
	assert_int_equal(cJSON_GetArraySize(req), 3);   /* id, meta, tags; not note */
	/* a number where an object was seen once is normal variation */
	assert_true(validates(text, "{\"id\": \"d\", \"meta\": 7, \"tags\": []}"));
	/* missing required, or the wrong root type, is rejected */
	assert_false(validates(text, "{\"meta\": 7, \"tags\": []}"));
	assert_false(validates(text, "[1, 2]"));
	assert_false(validates(text, "{\"id\": 3, \"meta\": 7, \"tags\": []}"));
	cJSON_Delete(sc);
	free(text);
	infer_stats_free(s);
}

static void date_time_format_only_when_every_value_has_it(void **state)
{
	const char *all[] = {
		"{\"at\": \"2025-08-13T14:15:30Z\"}", "{\"at\": \"2025-08-13T14:15:30.5+02:00\"}",
	};
	const char *mixed[] = {
		"{\"at\": \"2025-08-13T14:15:30Z\"}", "{\"at\": \"2025-08-13 14:15:30\"}",
	};
	struct infer_stats *s;
	char *text;

	(void)state;
	s = stats_of(all, 2);
	text = schema_checked(s, all, 2);
	assert_non_null(strstr(text, "\"format\": \"date-time\""));
	free(text);
	infer_stats_free(s);
	s = stats_of(mixed, 2);
	text = schema_checked(s, mixed, 2);
	assert_null(strstr(text, "date-time"));
	free(text);
	infer_stats_free(s);
}

static void categories_are_examples_never_enums(void **state)
{
	char *docs[60];
	const char *states[] = { "open", "done", "blocked" };
	const char *agents[] = { "agent-03", "agent-04", "agent-07" };
	struct infer_stats *s;
	char *text;
	int i;

	(void)state;
	for (i = 0; i < 60; i++) {
		docs[i] = malloc(160);
		snprintf(docs[i], 160, "{\"state\": \"%s\", \"title\": \"task %d\", "
			 "\"agent\": \"%s\", \"day\": \"2025-01-1%d\"}",
			 states[i % 3], i, agents[i % 3], i % 3);
	}
	/* 10 documents: too few to call it categorical */
	s = stats_of((const char *const *)docs, 10);
	text = schema_checked(s, (const char *const *)docs, 10);
	assert_null(strstr(text, "examples"));
	free(text);
	infer_stats_free(s);
	/* 60 documents, 3 words each seen 20 times: examples, and no enum */
	s = stats_of((const char *const *)docs, 60);
	text = schema_checked(s, (const char *const *)docs, 60);
	assert_non_null(strstr(text, "\"examples\": [\"blocked\", \"done\", \"open\"]"));
	assert_null(strstr(text, "enum"));
	/* names with digits, dates and free text are not categories */
	assert_null(strstr(strstr(text, "\"title\": {"), "examples"));
	assert_null(strstr(text, "agent-03\""));
	assert_null(strstr(text, "2025-01-10\""));
	/* a new state in the next tree is accepted */
	assert_true(validates(text, "{\"state\": \"cancelled\", \"title\": \"x\", "
			      "\"agent\": \"agent-99\", \"day\": \"2026-01-01\"}"));
	free(text);
	infer_stats_free(s);
	for (i = 0; i < 60; i++)
		free(docs[i]);
}

static void objects_keyed_by_ids_become_maps(void **state)
{
	const char *docs[] = {
		"{\"tasks\": {\"7a3ca711-b461-4dbe-b31f-23150ed55a42\": {\"state\": \"open\"},"
		" \"0b14db1b-af9b-4a56-b1a2-59d53df881da\": {\"state\": \"done\"}}}",
		"{\"tasks\": {\"Agent-1\": {\"state\": \"x\"}, \"Agent-2\": {\"state\": \"y\"},"
		" \"Agent-3\": {\"state\": \"z\", \"extra\": 1}}}",
	};
	struct infer_stats *s = stats_of(docs, 2);
	char *text = schema_checked(s, docs, 2);

	(void)state;
	assert_non_null(strstr(text, "additionalProperties"));
	assert_null(strstr(text, "Agent-1"));
	assert_null(strstr(text, "7a3ca711"));
	/* another id, same value shape: accepted; a broken value: rejected */
	assert_true(validates(text, "{\"tasks\": {\"Agent-9\": {\"state\": \"q\"}}}"));
	assert_false(validates(text, "{\"tasks\": {\"Agent-9\": 5}}"));
	free(text);
	infer_stats_free(s);
}

static void nesting_is_described_to_a_bounded_depth(void **state)
{
	char doc[1024];
	const char *docs[1] = { doc };
	struct infer_stats *s;
	char *text;
	int i, n = 0;

	(void)state;
	for (i = 0; i < 20; i++)
		n += snprintf(doc + n, sizeof(doc) - (size_t)n, "{\"a\": ");
	n += snprintf(doc + n, sizeof(doc) - (size_t)n, "1");
	for (i = 0; i < 20; i++)
		n += snprintf(doc + n, sizeof(doc) - (size_t)n, "}");
	s = stats_of(docs, 1);
	text = schema_checked(s, docs, 1);
	/* INFER_MAX_DEPTH levels of "properties", then open */
	for (i = 0, n = 0; strstr(text + n, "properties"); i++)
		n = (int)(strstr(text + n, "properties") - text) + 1;
	assert_int_equal(i, INFER_MAX_DEPTH);
	free(text);
	infer_stats_free(s);
}

static void every_document_validates_against_its_own_schema(void **state)
{
	static const char *const docs[] = {
		"{}", "[]", "null", "1", "\"s\"", "true", "[[[]]]", "{\"a\": [1, \"x\", null, {}]}",
		"{\"\": 1, \"a/b\": {\"~\": 2}}", "[{\"x\": 1}, {\"y\": 2}, 3]",
		"{\"big\": 123456789012345678901234567890, \"f\": 1e400, \"neg\": -0.0}",
		"\xEF\xBB\xBF{\"bom\": true}",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
		assert_int_equal(infer_fuzz_one((const uint8_t *)docs[i], strlen(docs[i])), 0);
	/* and all at once */
	{
		struct infer_stats *s = stats_of(docs, 11);
		char *text = schema_checked(s, docs, 11);

		free(text);
		infer_stats_free(s);
	}
	/* not JSON: nothing to check */
	assert_int_equal(infer_fuzz_one((const uint8_t *)"{", 1), 0);
}

static void groups_match_their_own_examples_on_random_paths(void **state)
{
	static const char *const seg[] = {
		"Agent-1", "Agent-2", "agent_workspaces", "inbox", "tasks", "2025-01-02", "x",
		"7a3ca711-b461-4dbe-b31f-23150ed55a42", "we*rd", "[br]", "(?i)x", "Ünï", "a b",
		"status.json", "TASK_0001.json", "msg_17_Agent-2.json", "LOAD_RESULTS.json",
		"q.JSON", "chunk_007.json", "\\x.json", "*.json", "a.b.json",
	};
	char buf[8192];
	unsigned seed = 12345;
	int round;

	(void)state;
	for (round = 0; round < 200; round++) {
		size_t len = 0;
		int lines = 1 + (int)((seed = seed * 1103515245 + 12345) >> 16) % 60, l;

		for (l = 0; l < lines && len < sizeof(buf) - 512; l++) {
			int depth = 1 + (int)((seed = seed * 1103515245 + 12345) >> 16) % 5, d;
			const char *sgm = "";

			for (d = 0; d < depth; d++) {
				sgm = seg[((seed = seed * 1103515245 + 12345) >> 16) %
					  (sizeof(seg) / sizeof(seg[0]))];
				len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s",
							d ? "/" : "", sgm);
			}
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s\n",
						strcasestr(sgm, ".json") ? "" : "/f.json");
		}
		if (infer_fuzz_paths((const uint8_t *)buf, len) != 0)
			fail_msg("round %d:\n%.*s", round, (int)len, buf);
	}
}

/* ------------------------------------------------------------ tables */

static void column_types_follow_every_value(void **state)
{
	const char *docs[] = {
		"{\"n\": 1, \"r\": 1, \"ts\": \"2025-01-01T00:00:00Z\", \"b\": true, \"s\": \"x\", \"mix\": 1, \"big\": 1, \"obj\": {}}",
		"{\"n\": 2, \"r\": 2.5, \"ts\": \"2025-01-01 00:00:00\", \"b\": false, \"s\": \"2025-01-01T00:00:00Z\", \"mix\": {\"a\": 1}, \"big\": 12345678901234567890}",
		"{\"n\": -3, \"r\": 3, \"ts\": \"2025-01-01T00:00:00.123456\", \"b\": null, \"s\": \"y\", \"mix\": \"t\", \"big\": 2}",
	};
	struct infer_stats *s = stats_of(docs, 3);
	struct infer_table t;
	struct error err;

	(void)state;
	assert_int_equal(infer_stats_table(s, "things", &t, &err), 0);
	assert_int_equal(column(&t, "n")->type, COL_INTEGER);
	assert_int_equal(column(&t, "r")->type, COL_REAL);
	assert_int_equal(column(&t, "ts")->type, COL_TIMESTAMP);
	assert_int_equal(column(&t, "b")->type, COL_BOOLEAN);
	assert_int_equal(column(&t, "s")->type, COL_TEXT);
	assert_int_equal(column(&t, "mix")->type, COL_JSON);
	assert_int_equal(column(&t, "big")->type, COL_JSON);
	assert_null(column(&t, "obj"));          /* never a scalar */
	assert_string_equal(column(&t, "ts")->pointer, "/ts");
	assert_int_equal(t.key, -1);
	infer_table_release(&t);
	infer_stats_free(s);
}

static void columns_need_the_share_threshold(void **state)
{
	const char *docs[] = {
		"{\"common\": 1, \"rare\": 1, \"half\": 1}", "{\"common\": 2, \"half\": 2}",
		"{\"common\": 3, \"half\": null}", "{\"common\": 4}",
	};
	struct infer_stats *s = stats_of(docs, 4);
	struct infer_table t;
	struct error err;

	(void)state;
	assert_int_equal(infer_stats_table(s, "x", &t, &err), 0);
	assert_non_null(column(&t, "common"));
	assert_non_null(column(&t, "half"));    /* 2 of 4 non-null: 50% */
	assert_null(column(&t, "rare"));        /* 1 of 4 */
	infer_table_release(&t);
	infer_stats_free(s);
}

static void key_is_a_unique_id_present_everywhere(void **state)
{
	const char *unique[] = {
		"{\"task_id\": \"t1\", \"owner_id\": \"o1\", \"id\": 7}",
		"{\"task_id\": \"t2\", \"owner_id\": \"o1\", \"id\": 8}",
		"{\"task_id\": \"t3\", \"owner_id\": \"o2\", \"id\": 9}",
	};
	const char *noid[] = { "{\"task_id\": \"t1\"}", "{\"task_id\": \"t1\"}" };
	const char *missing[] = { "{\"task_id\": \"t1\"}", "{\"name\": \"t2\"}" };
	const char *fraction[] = { "{\"id\": 1.5}", "{\"id\": 2}" };
	struct infer_stats *s;
	struct infer_table t;
	struct error err;

	(void)state;
	/* "id" beats "task_id"; an integer id gives an integer key */
	s = stats_of(unique, 3);
	assert_int_equal(infer_stats_table(s, "tasks", &t, &err), 0);
	assert_int_equal(t.key, 0);
	assert_string_equal(t.columns[0].name, "id");
	assert_int_equal(t.columns[0].type, COL_INTEGER);
	assert_int_equal(t.columns[0].key, 1);
	infer_table_release(&t);
	infer_stats_free(s);
	/* duplicates, a missing id, a fraction: no key (the path) */
	s = stats_of(noid, 2);
	assert_int_equal(infer_stats_table(s, "tasks", &t, &err), 0);
	assert_int_equal(t.key, -1);
	infer_table_release(&t);
	infer_stats_free(s);
	s = stats_of(missing, 2);
	assert_int_equal(infer_stats_table(s, "tasks", &t, &err), 0);
	assert_int_equal(t.key, -1);
	infer_table_release(&t);
	infer_stats_free(s);
	s = stats_of(fraction, 2);
	assert_int_equal(infer_stats_table(s, "tasks", &t, &err), 0);
	assert_int_equal(t.key, -1);
	infer_table_release(&t);
	infer_stats_free(s);
}

static void key_prefers_the_tables_own_id(void **state)
{
	const char *docs[] = {
		"{\"agent_id\": \"a1\", \"task_id\": \"t1\"}", "{\"agent_id\": \"a2\", \"task_id\": \"t2\"}",
	};
	struct infer_stats *s = stats_of(docs, 2);
	struct infer_table t;
	struct error err;

	(void)state;
	assert_int_equal(infer_stats_table(s, "tasks", &t, &err), 0);
	assert_string_equal(t.columns[t.key].name, "task_id");
	infer_table_release(&t);
	infer_stats_free(s);
}

static void key_may_be_named_after_the_group(void **state)
{
	const char *docs[] = {
		"{\"ticket\": \"ATLAS-1\", \"title\": \"a\"}", "{\"ticket\": \"ATLAS-2\", \"title\": \"b\"}",
	};
	struct infer_stats *s;
	struct infer_table t;
	struct error err;

	(void)state;
	/* without the hint, "ticket" is not an id name: no key */
	s = stats_of(docs, 2);
	assert_int_equal(infer_stats_table(s, "tickets", &t, &err), 0);
	assert_int_equal(t.key, -1);
	infer_table_release(&t);
	infer_stats_free(s);
	/* the group's word "tickets" makes "ticket" a candidate */
	s = infer_stats_new();
	infer_stats_key_hint(s, "tickets");
	{
		size_t i;

		for (i = 0; i < 2; i++) {
			cJSON *d = jsonread_parse(docs[i], strlen(docs[i]), NULL, &err);

			assert_int_equal(infer_stats_add(s, d, docs[i], strlen(docs[i]), &err), 0);
			cJSON_Delete(d);
		}
	}
	assert_int_equal(infer_stats_table(s, "tickets", &t, &err), 0);
	assert_int_equal(t.key, 0);
	assert_string_equal(t.columns[0].name, "ticket");
	assert_int_equal(t.columns[0].key, 1);
	infer_table_release(&t);
	infer_stats_free(s);
}

static void arrays_of_objects_become_child_tables(void **state)
{
	const char *queue[] = {
		"[{\"msg_id\": \"m1\", \"sent\": \"2025-01-01T00:00:00Z\"}, {\"msg_id\": \"m2\", \"sent\": \"2025-01-01T00:00:01Z\"}]",
	};
	const char *lists[] = {
		"{\"list_id\": \"L1\", \"tasks\": [{\"title\": \"a\", \"n\": 1}, {\"title\": \"b\", \"n\": 2}], \"tags\": [\"x\"]}",
		"{\"list_id\": \"L2\", \"tasks\": [{\"title\": \"c\", \"n\": 3}]}",
	};
	struct infer_stats *s;
	struct infer_table t;
	struct error err;
	const struct infer_child *c;

	(void)state;
	s = stats_of(queue, 1);
	assert_int_equal(infer_stats_table(s, "queue", &t, &err), 0);
	assert_int_equal(t.n_children, 1);
	c = &t.children[0];
	assert_string_equal(c->table, "queue_items");
	assert_string_equal(c->each, "");
	assert_int_equal(c->rows, 2);
	assert_int_equal(c->n_columns, 2);
	assert_int_equal(c->columns[1].type, COL_TIMESTAMP);
	infer_table_release(&t);
	infer_stats_free(s);

	s = stats_of(lists, 2);
	assert_int_equal(infer_stats_table(s, "lists", &t, &err), 0);
	assert_int_equal(t.n_children, 1);          /* tags hold strings: no child */
	c = &t.children[0];
	assert_string_equal(c->table, "lists_tasks");
	assert_string_equal(c->each, "/tasks");
	assert_int_equal(c->rows, 3);
	/* the parent's key first, then the elements' columns */
	assert_string_equal(c->columns[0].name, "list_id");
	assert_int_equal(c->columns[0].from_parent, 1);
	assert_string_equal(c->columns[1].name, "title");
	assert_int_equal(c->columns[2].type, COL_INTEGER);
	infer_table_release(&t);
	infer_stats_free(s);
}

static void array_rows_are_counted_for_lone_files(void **state)
{
	cJSON *a = cJSON_Parse("[{}, {}, 1, {}]");
	cJSON *o = cJSON_Parse("{\"x\": [{}, {}], \"y\": [{}, {}, {}], \"z\": 5}");

	(void)state;
	assert_int_equal(infer_doc_array_rows(a), 3);
	assert_int_equal(infer_doc_array_rows(o), 3);
	cJSON_Delete(a);
	cJSON_Delete(o);
}

static void output_is_deterministic_and_readable(void **state)
{
	const char *docs[] = {
		"{\"id\": \"a\", \"tags\": [\"x\"], \"at\": \"2025-01-01T00:00:00Z\"}",
		"{\"id\": \"b\", \"tags\": [], \"at\": \"2025-01-02T00:00:00Z\", \"extra\": {\"k\": 1}}",
	};
	struct infer_stats *s1 = stats_of(docs, 2), *s2 = stats_of(docs, 2);
	cJSON *a = infer_stats_schema(s1, "t", "d"), *b = infer_stats_schema(s2, "t", "d");
	char *ta = infer_json_print(a), *tb = infer_json_print(b);

	(void)state;
	assert_string_equal(ta, tb);
	/* 2-space indentation, a final newline, keys in a stable order */
	assert_non_null(strstr(ta, "\n  \"$schema\""));
	assert_true(strstr(ta, "\"$schema\"") < strstr(ta, "\"title\""));
	assert_true(strstr(ta, "\"title\"") < strstr(ta, "\"properties\""));
	assert_int_equal(ta[strlen(ta) - 1], '\n');
	assert_null(strchr(ta, '\t'));
	free(ta);
	free(tb);
	cJSON_Delete(a);
	cJSON_Delete(b);
	infer_stats_free(s1);
	infer_stats_free(s2);
}

/* ------------------------------------------------------------ infer_run */

static void put(const char *root, const char *rel, const char *text)
{
	char path[4096], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (slash = strchr(path + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void run_infers_a_manifest_deterministically(void **state)
{
	char root[] = "/tmp/wsm-infer-XXXXXX";
	struct infer_opts o;
	struct infer_result r1, r2;
	struct error err;
	char cmd[256];
	int i;

	(void)state;
	assert_non_null(mkdtemp(root));
	for (i = 1; i <= 4; i++) {
		char rel[128], doc[256];

		snprintf(rel, sizeof(rel), "agents/Agent-%d/status.json", i);
		snprintf(doc, sizeof(doc), "{\"agent_id\": \"Agent-%d\", \"state\": \"idle\"}", i);
		put(root, rel, doc);
		snprintf(rel, sizeof(rel), "agents/Agent-%d/tasks/T%04d.json", i, i * 7);
		snprintf(doc, sizeof(doc), "{\"task_id\": \"T%d\", \"done\": %s}", i, i % 2 ? "true" : "false");
		put(root, rel, doc);
	}
	put(root, "agents/Agent-2/tasks/T9999.json", "{\"task_id\": ");
	put(root, "node_modules/x/package.json", "{}");
	put(root, "README.json", "{\"readme\": 1}");
	memset(&o, 0, sizeof(o));
	o.tree = root;
	assert_int_equal(infer_run(&o, &r1, &err), 0);
	assert_int_equal(infer_run(&o, &r2, &err), 0);
	assert_string_equal(r1.manifest_text, r2.manifest_text);
	assert_int_equal(r1.files, 10);
	assert_int_equal(r1.ignored, 1);
	assert_int_equal(r1.broken, 1);
	assert_int_equal(r1.parseable, 9);
	assert_int_equal(r1.typed_docs, 8);
	assert_int_equal(r1.ungrouped, 1);
	assert_string_equal(r1.ungrouped_list[0].path, "README.json");
	assert_int_equal(r1.n_rules, 2);
	assert_non_null(strstr(r1.manifest_text, "\"match\": [\"agents/*/tasks/*.json\"]"));
	assert_non_null(strstr(r1.manifest_text, "\"key\": [\"task_id\"]"));
	assert_non_null(strstr(r1.manifest_text, "\"catch_all\": true"));
	assert_non_null(strstr(r1.manifest_text, "(?i)**/*cookie*.json"));
	infer_result_release(&r1);
	infer_result_release(&r2);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shapes_replace_ids_and_digit_runs),
		cmocka_unit_test(shapes_keep_plain_names),
		cmocka_unit_test(identifiers_are_sql_safe),
		cmocka_unit_test(id_names_are_recognised),
		cmocka_unit_test(globs_order_specific_first),
		cmocka_unit_test(varying_folders_become_wildcards),
		cmocka_unit_test(dated_and_uuid_folders_vary_even_alone),
		cmocka_unit_test(alike_plain_folders_merge),
		cmocka_unit_test(series_folders_merge_when_several),
		cmocka_unit_test(top_level_areas_never_merge_on_series_alone),
		cmocka_unit_test(file_families_split_a_folder),
		cmocka_unit_test(report_names_group_by_shared_word),
		cmocka_unit_test(unrelated_names_in_a_folder_make_one_group),
		cmocka_unit_test(paths_out_of_walk_order_are_refused),
		cmocka_unit_test(glob_metacharacters_in_names_are_escaped),
		cmocka_unit_test(groups_match_their_own_examples_on_random_paths),
		cmocka_unit_test(types_are_unioned_and_required_is_common),
		cmocka_unit_test(date_time_format_only_when_every_value_has_it),
		cmocka_unit_test(categories_are_examples_never_enums),
		cmocka_unit_test(objects_keyed_by_ids_become_maps),
		cmocka_unit_test(nesting_is_described_to_a_bounded_depth),
		cmocka_unit_test(every_document_validates_against_its_own_schema),
		cmocka_unit_test(column_types_follow_every_value),
		cmocka_unit_test(columns_need_the_share_threshold),
		cmocka_unit_test(key_is_a_unique_id_present_everywhere),
		cmocka_unit_test(key_prefers_the_tables_own_id),
		cmocka_unit_test(key_may_be_named_after_the_group),
		cmocka_unit_test(arrays_of_objects_become_child_tables),
		cmocka_unit_test(array_rows_are_counted_for_lone_files),
		cmocka_unit_test(output_is_deterministic_and_readable),
		cmocka_unit_test(run_infers_a_manifest_deterministically),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
