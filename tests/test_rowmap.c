/*
 * test_map.c - rowmap_document: lenient columns (NULL plus a warning, first
 * ROWMAP_MAX_WARNINGS kept and all counted), strict columns still reject the
 * file, child columns "from": "parent", from_path "kind" and stems of
 * ".JSON" names.  Manifests are loaded from a temporary file, documents
 * parsed with jsonread, as the pipeline does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "jsonread.h"
#include "manifest.h"
#include "rowmap.h"

static char dir[256];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/wsm-map.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct manifest *manifest_from(const char *text)
{
	char path[300];
	struct manifest *m = NULL;
	struct error err;
	FILE *f;

	snprintf(path, sizeof(path), "%s/migration.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	error_clear(&err);
	if (manifest_load(path, &m, &err))
		print_error("manifest: %s: %s\n", err.pointer, err.msg);
	assert_non_null(m);
	return m;
}

/* Map `doc` with rule 0; returns rowmap_document's status. */
static int map(const struct manifest *m, const char *path, const char *doc,
	       struct rowmap_out *out, struct rowmap_result *res, struct error *err)
{
	cJSON *root;
	int rc;

	error_clear(err);
	root = jsonread_parse(doc, strlen(doc), NULL, err);
	assert_non_null(root);
	rc = rowmap_document(&m->rules[0], path, doc, strlen(doc), root, out, res, err);
	cJSON_Delete(root);
	return rc;
}

/* The value of column `name` in row `row`. */
static const struct value *val(const struct rowmap_out *out, size_t row, const char *name)
{
	const struct rowmap_row *r = &out->rows[row];
	size_t k;

	for (k = 0; k < r->table->n_columns; k++)
		if (strcmp(r->table->columns[k].name, name) == 0)
			return &out->values[r->value_off + k];
	fail_msg("no column %s", name);
	return NULL;
}

static void expect_text(const struct value *v, const char *want)
{
	assert_false(v->is_null);
	assert_int_equal(v->len, strlen(want));
	assert_memory_equal(v->s, want, v->len);
}

static const char lenient_manifest[] =
	"{\"version\": 1, \"rules\": [{\"name\": \"r\", \"match\": \"**\", \"table\": \"t\","
	" \"columns\": ["
	"  {\"name\": \"id\", \"type\": \"text\", \"pointer\": \"/id\", \"required\": true},"
	"  {\"name\": \"at\", \"type\": \"timestamp\", \"pointer\": [\"/at\", \"/when\"], \"on_error\": \"null\"},"
	"  {\"name\": \"n\", \"type\": \"integer\", \"pointer\": \"/n\", \"on_error\": \"null\"},"
	"  {\"name\": \"ok\", \"type\": \"boolean\", \"pointer\": \"/ok\", \"on_error\": \"null\"},"
	"  {\"name\": \"strict\", \"type\": \"integer\", \"pointer\": \"/strict\"},"
	"  {\"name\": \"num\", \"type\": \"integer\", \"from_path\": \"stem\", \"on_error\": \"null\"}]}]}";

static void lenient_columns_become_null_with_a_warning(void **state)
{
	struct manifest *m = manifest_from(lenient_manifest);
	struct rowmap_out out;
	struct rowmap_result res;
	struct error err;
	const struct rowmap_warning *w;

	(void)state;
	rowmap_out_init(&out);
	assert_int_equal(map(m, "d/x.json",
			     "{\"id\": \"a\", \"at\": \"${NOW}\", \"n\": 12345678901234567890,"
			     " \"ok\": \"yes\", \"strict\": 3}", &out, &res, &err), 0);
	assert_int_equal(res.n_rows, 1);
	assert_int_equal(res.warning_total, 4);
	assert_int_equal(res.n_warnings, 4);
	assert_int_equal(res.warn_off, 0);
	expect_text(val(&out, 0, "id"), "a");
	assert_true(val(&out, 0, "at")->is_null);
	assert_true(val(&out, 0, "n")->is_null);
	assert_true(val(&out, 0, "ok")->is_null);
	assert_true(val(&out, 0, "num")->is_null);
	assert_int_equal(val(&out, 0, "strict")->i, 3);
	w = &out.warnings[0];
	assert_string_equal(w->table, "t");
	assert_string_equal(w->column, "at");
	assert_string_equal(w->pointer, "/at");
	assert_non_null(strstr(w->message, "${NOW}"));
	assert_string_equal(out.warnings[1].column, "n");
	assert_string_equal(out.warnings[1].pointer, "/n");
	assert_non_null(strstr(out.warnings[1].message, "beyond 2^53"));
	assert_string_equal(out.warnings[2].pointer, "/ok");
	assert_non_null(strstr(out.warnings[2].message, "expected true or false, got string"));
	/* a value from the path that does not fit: no pointer */
	assert_string_equal(out.warnings[3].column, "num");
	assert_string_equal(out.warnings[3].pointer, "");
	assert_string_equal(err.msg, "");
	/* a good document after it adds no warning */
	assert_int_equal(map(m, "d/7.json",
			     "{\"id\": \"b\", \"when\": \"2024-01-02 03:04:05\", \"n\": 7}",
			     &out, &res, &err), 0);
	assert_int_equal(res.warning_total, 0);
	assert_int_equal(res.warn_off, 4);
	assert_int_equal(out.n_warnings, 4);
	expect_text(val(&out, 1, "at"), "2024-01-02T03:04:05.000000Z");
	assert_int_equal(val(&out, 1, "num")->i, 7);
	rowmap_out_release(&out);
	manifest_free(m);
}

static void strict_columns_still_reject_and_leave_nothing(void **state)
{
	struct manifest *m = manifest_from(lenient_manifest);
	struct rowmap_out out;
	struct rowmap_result res;
	struct error err;

	(void)state;
	rowmap_out_init(&out);
	/* a lenient warning first, then the strict column fails: neither the
	 * row nor the warning stays */
	assert_int_equal(map(m, "x.json", "{\"id\": \"a\", \"at\": 5, \"strict\": 1.5}",
			     &out, &res, &err), ERR_DATA);
	assert_string_equal(err.pointer, "/strict");
	assert_non_null(strstr(err.msg, "not a whole number"));
	assert_int_equal(out.n_rows, 0);
	assert_int_equal(out.n_values, 0);
	assert_int_equal(out.n_warnings, 0);
	/* a missing required value is always an error */
	assert_int_equal(map(m, "x.json", "{\"at\": 5}", &out, &res, &err), ERR_DATA);
	assert_non_null(strstr(err.msg, "required column \"id\""));
	rowmap_out_release(&out);
	manifest_free(m);
}

static void only_the_first_warnings_are_kept_all_are_counted(void **state)
{
	struct strbuf man = STRBUF_INIT, doc = STRBUF_INIT;
	struct manifest *m;
	struct rowmap_out out;
	struct rowmap_result res;
	struct error err;
	int i;

	(void)state;
	strbuf_addstr(&man, "{\"version\": 1, \"rules\": [{\"name\": \"r\", \"match\": \"**\","
		      " \"table\": \"t\", \"columns\": [");
	strbuf_addstr(&doc, "{");
	for (i = 0; i < 30; i++) {
		strbuf_addf(&man, "%s{\"name\": \"c%d\", \"type\": \"integer\", \"pointer\": \"/c%d\","
			    " \"on_error\": \"null\"}", i ? "," : "", i, i);
		strbuf_addf(&doc, "%s\"c%d\": \"x\"", i ? "," : "", i);
	}
	strbuf_addstr(&man, "]}]}");
	strbuf_addstr(&doc, "}");
	m = manifest_from(man.buf);
	rowmap_out_init(&out);
	assert_int_equal(map(m, "a.json", doc.buf, &out, &res, &err), 0);
	assert_int_equal(res.warning_total, 30);
	assert_int_equal(res.n_warnings, ROWMAP_MAX_WARNINGS);
	assert_string_equal(out.warnings[ROWMAP_MAX_WARNINGS - 1].column, "c19");
	rowmap_out_reset(&out);
	assert_int_equal(out.n_warnings, 0);
	rowmap_out_release(&out);
	manifest_free(m);
	strbuf_release(&man);
	strbuf_release(&doc);
}

static void child_rows_carry_the_parents_value(void **state)
{
	struct manifest *m = manifest_from(
		"{\"version\": 1, \"rules\": [{\"name\": \"q\", \"match\": \"**\", \"table\": \"queues\","
		" \"key\": [\"qid\"], \"columns\": ["
		"  {\"name\": \"qid\", \"type\": \"text\", \"pointer\": \"/queue_id\", \"from_path\": \"stem\"},"
		"  {\"name\": \"owner\", \"type\": \"text\", \"pointer\": \"/owner\"}],"
		" \"children\": [{\"table\": \"queue_items\", \"each\": \"/items\", \"columns\": ["
		"  {\"name\": \"qid\", \"from\": \"parent\", \"column\": \"qid\"},"
		"  {\"name\": \"owner\", \"from\": \"parent\", \"column\": \"owner\", \"default\": \"nobody\"},"
		"  {\"name\": \"msg\", \"type\": \"text\", \"pointer\": \"/m\"}]}]}]}");
	struct rowmap_out out;
	struct rowmap_result res;
	struct error err;

	(void)state;
	rowmap_out_init(&out);
	/* the key came from the path (the pointer is absent) */
	assert_int_equal(map(m, "mq/Queue-7.JSON",
			     "{\"items\": [{\"m\": \"a\"}, {\"m\": \"b\"}, {\"m\": \"c\"}]}",
			     &out, &res, &err), 0);
	assert_int_equal(res.n_rows, 4);
	expect_text(val(&out, 0, "qid"), "Queue-7");
	assert_true(val(&out, 0, "owner")->is_null);
	expect_text(val(&out, 1, "qid"), "Queue-7");
	expect_text(val(&out, 3, "qid"), "Queue-7");
	expect_text(val(&out, 3, "msg"), "c");
	/* the parent's value was NULL: the child's default applies */
	expect_text(val(&out, 2, "owner"), "nobody");
	assert_string_equal(out.rows[1].table->name, "queue_items");
	/* many children: the values array grows, the parent's value stays */
	rowmap_out_reset(&out);
	{
		struct strbuf doc = STRBUF_INIT;
		int i;

		strbuf_addstr(&doc, "{\"queue_id\": \"Q1\", \"owner\": \"me\", \"items\": [");
		for (i = 0; i < 3000; i++)
			strbuf_addf(&doc, "%s{\"m\": \"%d\"}", i ? "," : "", i);
		strbuf_addstr(&doc, "]}");
		assert_int_equal(map(m, "q.json", doc.buf, &out, &res, &err), 0);
		assert_int_equal(res.n_rows, 3001);
		expect_text(val(&out, 3000, "qid"), "Q1");
		expect_text(val(&out, 3000, "owner"), "me");
		strbuf_release(&doc);
	}
	rowmap_out_release(&out);
	manifest_free(m);
}

static void path_kind_folds_case_and_digits(void **state)
{
	char buf[128];

	(void)state;
	rowmap_path_kind("agent_workspaces/Agent-3/tasks/TASK_AGENT3_0007.json", buf, sizeof(buf));
	assert_string_equal(buf, "tasks/task_agent#_#");
	rowmap_path_kind("STATUS.JSON", buf, sizeof(buf));
	assert_string_equal(buf, "status");
	rowmap_path_kind("analysis_chunks/chunk_12.json", buf, sizeof(buf));
	assert_string_equal(buf, "analysis_chunks/chunk_#");
	rowmap_path_kind("a/b/2024-01-02/x1y22z.json", buf, sizeof(buf));
	assert_string_equal(buf, "#-#-#/x#y#z");
	rowmap_path_kind("d/noext", buf, sizeof(buf));
	assert_string_equal(buf, "d/noext");
	assert_int_equal(rowmap_path_kind("abcdef/ghijkl.json", buf, 5), 4);
	assert_string_equal(buf, "abcd");
}

static void kind_and_stem_columns_come_from_the_path(void **state)
{
	struct manifest *m = manifest_from(
		"{\"version\": 1, \"rules\": [{\"name\": \"d\", \"catch_all\": true, \"table\": \"documents\","
		" \"columns\": [{\"name\": \"kind\", \"type\": \"text\", \"from_path\": \"kind\"},"
		"  {\"name\": \"folder\", \"type\": \"text\", \"from_path\": \"dir\"},"
		"  {\"name\": \"stem\", \"type\": \"text\", \"from_path\": \"stem\"}]}]}");
	struct rowmap_out out;
	struct rowmap_result res;
	struct error err;

	(void)state;
	rowmap_out_init(&out);
	assert_int_equal(map(m, "runs/Run_42/RESULTS_7.JSON", "[1, 2]", &out, &res, &err), 0);
	expect_text(val(&out, 0, "kind"), "run_#/results_#");
	expect_text(val(&out, 0, "folder"), "runs/Run_42");
	expect_text(val(&out, 0, "stem"), "RESULTS_7");
	rowmap_out_release(&out);
	manifest_free(m);
}

/*
 * Child rows locate their values inside their own element: the raw text of
 * json and integer columns is each element's, byte for byte, for arrays,
 * objects and "**" leaves (odd spacing, escaped keys, big integers).
 */
static const char child_text_manifest[] =
	"{\"version\": 1, \"rules\": [{\"name\": \"r\", \"match\": \"**\", \"table\": \"t\","
	" \"columns\": [{\"name\": \"n\", \"type\": \"integer\", \"pointer\": \"/n\"}],"
	" \"children\": ["
	"  {\"table\": \"items\", \"each\": [\"/items\", \"/byid\"], \"columns\": ["
	"    {\"name\": \"k\", \"type\": \"text\", \"from\": \"key\"},"
	"    {\"name\": \"n\", \"type\": \"integer\", \"pointer\": \"/n\"},"
	"    {\"name\": \"j\", \"type\": \"json\", \"pointer\": \"/j\"},"
	"    {\"name\": \"all\", \"type\": \"json\", \"pointer\": \"\"}]},"
	"  {\"table\": \"leaves\", \"each\": \"**\", \"columns\": ["
	"    {\"name\": \"at\", \"type\": \"text\", \"from\": \"key\"},"
	"    {\"name\": \"v\", \"type\": \"json\", \"pointer\": \"\"}]}]}]}";

static void child_values_are_the_raw_text_of_their_own_element(void **state)
{
	struct manifest *m = manifest_from(child_text_manifest);
	struct rowmap_out out;
	struct rowmap_result res;
	struct error err;
	const char *doc =
		"{\"n\": 7, \"items\" : [ {\"n\":1 , \"j\": {\"a\" :  1e2}},\n"
		"  {\"j\" : [1, \"x]\"], \"n\": 9007199254740992 },\n"
		"  {\"a/b\": {\"j\": 0}, \"j\":\"\\u00e9\", \"n\": -0}  ],"
		" \"z\": 12345678901234567890123}";

	(void)state;
	rowmap_out_init(&out);
	assert_int_equal(map(m, "q.json", doc, &out, &res, &err), 0);
	/* 1 main row, 3 items, 10 leaves: n, 2+3+3 in items, z */
	assert_int_equal(res.n_rows, 1 + 3 + 1 + 2 + 3 + 3 + 1);
	assert_int_equal(val(&out, 0, "n")->i, 7);
	expect_text(val(&out, 1, "j"), "{\"a\" :  1e2}");
	expect_text(val(&out, 1, "all"), "{\"n\":1 , \"j\": {\"a\" :  1e2}}");
	assert_int_equal(val(&out, 1, "n")->i, 1);
	expect_text(val(&out, 2, "j"), "[1, \"x]\"]");
	assert_int_equal(val(&out, 2, "n")->i, 9007199254740992LL);
	expect_text(val(&out, 3, "j"), "\"\\u00e9\"");
	assert_int_equal(val(&out, 3, "n")->i, 0);
	expect_text(val(&out, 3, "k"), "2");
	/* leaves, depth first: /n, /items/0/n, /items/0/j/a, ... */
	expect_text(val(&out, 4, "at"), "/n");
	expect_text(val(&out, 4, "v"), "7");
	expect_text(val(&out, 6, "at"), "/items/0/j/a");
	expect_text(val(&out, 6, "v"), "1e2");
	expect_text(val(&out, 8, "v"), "\"x]\"");
	expect_text(val(&out, 10, "at"), "/items/2/a~1b/j");
	expect_text(val(&out, 10, "v"), "0");
	expect_text(val(&out, 13, "at"), "/z");
	expect_text(val(&out, 13, "v"), "12345678901234567890123");
	rowmap_out_release(&out);
	manifest_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(lenient_columns_become_null_with_a_warning, setup, teardown),
		cmocka_unit_test_setup_teardown(strict_columns_still_reject_and_leave_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(only_the_first_warnings_are_kept_all_are_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(child_rows_carry_the_parents_value, setup, teardown),
		cmocka_unit_test_setup_teardown(path_kind_folds_case_and_digits, setup, teardown),
		cmocka_unit_test_setup_teardown(kind_and_stem_columns_come_from_the_path, setup, teardown),
		cmocka_unit_test_setup_teardown(child_values_are_the_raw_text_of_their_own_element, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
