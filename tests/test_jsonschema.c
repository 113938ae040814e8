/*
 * test_jsonschema.c - unit tests of the JSON Schema validator: error
 * locations and messages, invalid schemas, reference resolution from files
 * and URI maps, compile-once behaviour and thread safety.
 * The official suite runs separately (test_conformance.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cJSON.h"
#include "error.h"
#include "jsonschema.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                              */
/* ------------------------------------------------------------------ */

struct fixture {
	struct jsonschema_registry *reg;
	char dir[64];               /* temporary folder, "" when unused */
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	fx->reg = jsonschema_registry_new(NULL);
	*state = fx;
	return fx->reg ? 0 : -1;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	jsonschema_registry_free(fx->reg);
	if (fx->dir[0] && nftw(fx->dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS) != 0)
		fprintf(stderr, "cannot remove %s\n", fx->dir);
	free(fx);
	return 0;
}

static const char *make_dir(struct fixture *fx)
{
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_jsonschema.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	return fx->dir;
}

/* Write `text` to dir/name; returns the path in a static buffer. */
static const char *write_file(const char *dir, const char *name, const char *text)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static const struct jsonschema *compile_text(struct jsonschema_registry *r, const char *text,
					     struct error *err)
{
	cJSON *doc = cJSON_Parse(text);
	const struct jsonschema *s;

	assert_non_null(doc);
	error_clear(err);
	s = jsonschema_compile_json(r, doc, NULL, err);
	cJSON_Delete(doc);
	return s;
}

static const struct jsonschema *compile_ok(struct jsonschema_registry *r, const char *text)
{
	struct error err;
	const struct jsonschema *s = compile_text(r, text, &err);

	if (!s)
		fail_msg("compile failed: %s (at %s)", err.msg, err.pointer);
	return s;
}

/* Validate JSON text; returns 0 valid, 1 invalid and fills res when given. */
static int check(const struct jsonschema *s, const char *json, struct jsonschema_result *res)
{
	cJSON *inst = cJSON_Parse(json);
	int rc, fast;

	assert_non_null(inst);
	fast = jsonschema_validate(s, inst, NULL);
	rc = jsonschema_validate(s, inst, res);
	assert_int_equal(fast, rc);
	cJSON_Delete(inst);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Error reports                                                        */
/* ------------------------------------------------------------------ */

static void reports_json_pointer_of_bad_value(void **state)
{
	struct fixture *fx = *state;
	struct jsonschema_result res;
	const struct jsonschema *s = compile_ok(fx->reg,
		"{\"properties\":{\"items\":{\"type\":\"array\",\"items\":"
		"{\"properties\":{\"id\":{\"type\":\"integer\"}}}}}}");

	assert_int_equal(check(s, "{\"items\":[{\"id\":1},{\"id\":\"x\"}]}", &res), 1);
	assert_int_equal(res.n_errors, 1);
	assert_int_equal(res.n_stored, 1);
	assert_string_equal(res.errors[0].instance_location, "/items/1/id");
	assert_string_equal(res.errors[0].keyword_location,
			    "/properties/items/items/properties/id/type");
	assert_string_equal(res.errors[0].message, "expected integer, got string");
	jsonschema_result_release(&res);
}

static void escapes_pointer_tokens_in_locations(void **state)
{
	struct fixture *fx = *state;
	struct jsonschema_result res;
	const struct jsonschema *s = compile_ok(fx->reg,
		"{\"properties\":{\"a/b~c\":{\"type\":\"string\"}}}");

	assert_int_equal(check(s, "{\"a/b~c\":1}", &res), 1);
	assert_string_equal(res.errors[0].instance_location, "/a~1b~0c");
	assert_string_equal(res.errors[0].keyword_location, "/properties/a~1b~0c/type");
	jsonschema_result_release(&res);
}

static void keyword_location_goes_through_ref(void **state)
{
	struct fixture *fx = *state;
	struct jsonschema_result res;
	const struct jsonschema *s = compile_ok(fx->reg,
		"{\"$id\":\"https://example.com/root.json\","
		"\"properties\":{\"a\":{\"$ref\":\"#/$defs/str\"}},"
		"\"$defs\":{\"str\":{\"type\":\"string\"}}}");

	assert_int_equal(check(s, "{\"a\":5}", &res), 1);
	assert_string_equal(res.errors[0].keyword_location, "/properties/a/$ref/type");
	assert_string_equal(res.errors[0].absolute_keyword_location,
			    "https://example.com/root.json#/$defs/str/type");
	assert_string_equal(res.errors[0].instance_location, "/a");
	jsonschema_result_release(&res);
}

static void enum_message_lists_allowed_values(void **state)
{
	struct fixture *fx = *state;
	struct jsonschema_result res;
	const struct jsonschema *s = compile_ok(fx->reg,
		"{\"enum\":[\"LOW\",\"MEDIUM\",\"HIGH\",\"CRITICAL\"]}");

	assert_int_equal(check(s, "\"URGENT\"", &res), 1);
	assert_string_equal(res.errors[0].message,
			    "\"URGENT\" is not one of [\"LOW\",\"MEDIUM\",\"HIGH\",\"CRITICAL\"]");
	assert_string_equal(res.errors[0].keyword_location, "/enum");
	jsonschema_result_release(&res);
	assert_int_equal(check(s, "\"HIGH\"", &res), 0);
	assert_int_equal(res.n_errors, 0);
	jsonschema_result_release(&res);
}

static void required_message_names_missing_property(void **state)
{
	struct fixture *fx = *state;
	struct jsonschema_result res;
	const struct jsonschema *s = compile_ok(fx->reg, "{\"required\":[\"id\",\"name\"]}");

	assert_int_equal(check(s, "{\"name\":\"x\"}", &res), 1);
	assert_int_equal(res.n_errors, 1);
	assert_string_equal(res.errors[0].message, "missing required property \"id\"");
	assert_string_equal(res.errors[0].instance_location, "");
	assert_string_equal(res.errors[0].keyword_location, "/required");
	jsonschema_result_release(&res);
}

static void min_length_message_counts_characters(void **state)
{
	struct fixture *fx = *state;
	struct jsonschema_result res;
	const struct jsonschema *s = compile_ok(fx->reg, "{\"minLength\":3}");

	assert_int_equal(check(s, "\"ab\"", &res), 1);
	assert_string_equal(res.errors[0].message, "string is shorter than 3 characters");
	jsonschema_result_release(&res);
}

static void stops_after_max_errors_but_counts_all(void **state)
{
	struct fixture *fx = *state;
	struct jsonschema_opts opts = { 0, 2 };
	struct jsonschema_registry *r = jsonschema_registry_new(&opts);
	struct jsonschema_result res;
	const struct jsonschema *s;

	(void)fx;
	s = compile_ok(r, "{\"items\":{\"type\":\"string\"}}");
	assert_int_equal(check(s, "[1,2,3,4,5]", &res), 1);
	assert_int_equal(res.n_errors, 5);
	assert_int_equal(res.n_stored, 2);
	assert_string_equal(res.errors[0].instance_location, "/0");
	assert_string_equal(res.errors[1].instance_location, "/1");
	jsonschema_result_release(&res);
	jsonschema_registry_free(r);
}

static void default_keeps_twenty_errors(void **state)
{
	struct fixture *fx = *state;
	struct jsonschema_result res;
	const struct jsonschema *s = compile_ok(fx->reg, "{\"items\":{\"type\":\"string\"}}");
	char json[256];
	size_t len = 0;
	int i;

	len += (size_t)snprintf(json + len, sizeof(json) - len, "[0");
	for (i = 1; i < 30; i++)
		len += (size_t)snprintf(json + len, sizeof(json) - len, ",%d", i);
	snprintf(json + len, sizeof(json) - len, "]");
	assert_int_equal(check(s, json, &res), 1);
	assert_int_equal(res.n_errors, 30);
	assert_int_equal(res.n_stored, JSONSCHEMA_MAX_ERRORS_DEFAULT);
	jsonschema_result_release(&res);
}

static void failed_branches_are_not_reported_in_detail(void **state)
{
	struct fixture *fx = *state;
	struct jsonschema_result res;
	const struct jsonschema *s = compile_ok(fx->reg,
		"{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"integer\"}],"
		"\"oneOf\":[{\"minimum\":5},{\"maximum\":0},{\"type\":\"string\"}]}");

	assert_int_equal(check(s, "7", &res), 0);
	assert_int_equal(res.n_errors, 0);
	jsonschema_result_release(&res);
}

static void failed_anyof_explains_closest_branch(void **state)
{
	struct fixture *fx = *state;
	struct jsonschema_result res;
	const struct jsonschema *s = compile_ok(fx->reg,
		"{\"anyOf\":[{\"type\":\"null\"},{\"$ref\":\"#/$defs/person\"},"
		"{\"type\":\"string\"}],\"$defs\":{\"person\":{\"type\":\"object\","
		"\"required\":[\"name\"],\"properties\":{\"age\":{\"type\":\"integer\"}}}}}");

	assert_int_equal(check(s, "{\"name\":\"x\",\"age\":\"old\"}", &res), 1);
	assert_int_equal(res.n_errors, 2);
	assert_string_equal(res.errors[0].keyword_location, "/anyOf");
	assert_string_equal(res.errors[0].message, "value does not match any schema in anyOf");
	assert_string_equal(res.errors[1].instance_location, "/age");
	assert_string_equal(res.errors[1].keyword_location, "/anyOf/1/$ref/properties/age/type");
	jsonschema_result_release(&res);
}

/* ------------------------------------------------------------------ */
/* Invalid schemas                                                      */
/* ------------------------------------------------------------------ */

static void expect_bad_schema(struct jsonschema_registry *r, const char *text, const char *ptr)
{
	struct error err;

	assert_null(compile_text(r, text, &err));
	assert_int_equal(err.code, ERR_USAGE);
	assert_string_equal(err.pointer, ptr);
	assert_non_null(strstr(err.msg, "invalid schema"));
}

static void invalid_schema_names_pointer_of_problem(void **state)
{
	struct fixture *fx = *state;
	struct error err;
	const char *path;

	expect_bad_schema(fx->reg, "{\"properties\":{\"a\":{\"type\":12}}}", "/properties/a/type");
	expect_bad_schema(fx->reg, "{\"minLength\":-1}", "/minLength");
	expect_bad_schema(fx->reg, "{\"maxItems\":1.5}", "/maxItems");
	expect_bad_schema(fx->reg, "{\"items\":{\"pattern\":\"(\"}}", "/items/pattern");
	expect_bad_schema(fx->reg, "{\"allOf\":[true,{\"$ref\":\"#/$defs/nope\"}]}", "/allOf/1/$ref");
	expect_bad_schema(fx->reg, "{\"type\":\"strin\"}", "/type");
	expect_bad_schema(fx->reg, "{\"required\":[1]}", "/required");
	expect_bad_schema(fx->reg, "{\"properties\":{\"x\":3}}", "/properties/x");
	expect_bad_schema(fx->reg, "{\"anyOf\":[]}", "/anyOf");
	expect_bad_schema(fx->reg, "{\"multipleOf\":0}", "/multipleOf");
	expect_bad_schema(fx->reg, "{\"$ref\":\"http://example.com/elsewhere.json\"}", "/$ref");
	expect_bad_schema(fx->reg, "{\"$defs\":{\"a\":{\"enum\":3}}}", "/$defs/a/enum");

	path = write_file(make_dir(fx), "bad.json", "{\"properties\":{\"n\":{\"minLength\":-1}}}");
	assert_null(jsonschema_compile_file(fx->reg, path, &err));
	assert_int_equal(err.code, ERR_USAGE);
	assert_string_equal(err.path, path);
	assert_string_equal(err.pointer, "/properties/n/minLength");
}

static void recompiling_a_bad_schema_fails_again(void **state)
{
	struct fixture *fx = *state;
	struct error err;
	const char *path = write_file(make_dir(fx), "bad.json",
				      "{\"properties\":{\"a\":{\"type\":\"string\"},"
				      "\"b\":{\"minimum\":\"x\"}}}");
	char copy[512];

	snprintf(copy, sizeof(copy), "%s", path);
	assert_null(jsonschema_compile_file(fx->reg, copy, &err));
	assert_null(jsonschema_compile_file(fx->reg, copy, &err));
	assert_string_equal(err.pointer, "/properties/b/minimum");
}

static void schema_file_with_bad_json_reports_line_and_column(void **state)
{
	struct fixture *fx = *state;
	struct error err;
	const char *path = write_file(make_dir(fx), "broken.json", "{\n  \"type\": \"string\",\n  oops\n}\n");

	assert_null(jsonschema_compile_file(fx->reg, path, &err));
	assert_int_equal(err.code, ERR_USAGE);
	assert_int_equal(err.line, 3);
	assert_true(err.column >= 3);
}

static void missing_schema_file_is_an_io_error(void **state)
{
	struct fixture *fx = *state;
	struct error err;

	assert_null(jsonschema_compile_file(fx->reg, "/nonexistent/dir/x.json", &err));
	assert_int_equal(err.code, ERR_IO);
}

static void ref_cycle_is_an_error_not_a_crash(void **state)
{
	struct fixture *fx = *state;
	struct jsonschema_result res;
	const struct jsonschema *s = compile_ok(fx->reg,
		"{\"$ref\":\"#/$defs/a\",\"$defs\":{\"a\":{\"$ref\":\"#/$defs/b\"},"
		"\"b\":{\"$ref\":\"#/$defs/a\"}}}");

	assert_int_equal(check(s, "1", &res), 1);
	assert_non_null(strstr(res.errors[0].message, "recursion"));
	jsonschema_result_release(&res);
}

static void deep_recursive_instance_is_bounded(void **state)
{
	struct fixture *fx = *state;
	const struct jsonschema *s = compile_ok(fx->reg,
		"{\"type\":\"array\",\"items\":{\"$ref\":\"#\"}}");
	char *json = malloc(2 * 5000 + 1);
	cJSON *inst;
	int i;

	assert_non_null(json);
	for (i = 0; i < 900; i++)
		json[i] = '[';
	for (i = 0; i < 900; i++)
		json[900 + i] = ']';
	json[1800] = '\0';
	inst = cJSON_Parse(json);
	assert_non_null(inst);
	/* either answer is fine; it must simply not overflow the stack */
	(void)jsonschema_validate(s, inst, NULL);
	cJSON_Delete(inst);
	free(json);
}

/* ------------------------------------------------------------------ */
/* References and registry                                              */
/* ------------------------------------------------------------------ */

static void compiles_once_and_validates_many(void **state)
{
	struct fixture *fx = *state;
	const char *dir = make_dir(fx);
	const struct jsonschema *a, *b;
	struct error err;
	char path[512];
	int i, invalid = 0;

	snprintf(path, sizeof(path), "%s",
		 write_file(dir, "s.json", "{\"type\":\"object\",\"required\":[\"id\"],"
			    "\"properties\":{\"id\":{\"type\":\"integer\",\"minimum\":0}}}"));
	a = jsonschema_compile_file(fx->reg, path, &err);
	b = jsonschema_compile_file(fx->reg, path, &err);
	assert_non_null(a);
	assert_ptr_equal(a, b);
	for (i = 0; i < 1000; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddNumberToObject(o, "id", i % 10 == 0 ? -i : i);
		invalid += jsonschema_validate(a, o, NULL);
		cJSON_Delete(o);
	}
	assert_int_equal(invalid, 99);   /* i = 10, 20, ..., 990 */
}

static void resolves_ref_relative_to_schema_dir(void **state)
{
	struct fixture *fx = *state;
	const char *dir = make_dir(fx);
	const struct jsonschema *s;
	struct jsonschema_result res;
	struct error err;
	char path[512];

	write_file(dir, "other.schema.json",
		   "{\"$defs\":{\"code\":{\"type\":\"string\",\"pattern\":\"^[A-Z]{3}$\"}}}");
	snprintf(path, sizeof(path), "%s",
		 write_file(dir, "main.json",
			    "{\"properties\":{\"code\":{\"$ref\":\"other.schema.json#/$defs/code\"}}}"));
	s = jsonschema_compile_file(fx->reg, path, &err);
	if (!s)
		fail_msg("%s", err.msg);
	assert_int_equal(check(s, "{\"code\":\"ABC\"}", NULL), 0);
	assert_int_equal(check(s, "{\"code\":\"abc\"}", &res), 1);
	assert_string_equal(res.errors[0].keyword_location, "/properties/code/$ref/pattern");
	jsonschema_result_release(&res);
}

static void file_with_foreign_id_still_finds_neighbours(void **state)
{
	struct fixture *fx = *state;
	const char *dir = make_dir(fx);
	const struct jsonschema *s;
	struct error err;
	char path[512];

	write_file(dir, "item.json", "{\"type\":\"integer\"}");
	snprintf(path, sizeof(path), "%s",
		 write_file(dir, "list.json",
			    "{\"$id\":\"https://schemas.example.org/list.json\","
			    "\"items\":{\"$ref\":\"item.json\"}}"));
	s = jsonschema_compile_file(fx->reg, path, &err);
	if (!s)
		fail_msg("%s", err.msg);
	assert_int_equal(check(s, "[1,2]", NULL), 0);
	assert_int_equal(check(s, "[1,\"x\"]", NULL), 1);
}

static void map_uri_serves_prefix_from_folder(void **state)
{
	struct fixture *fx = *state;
	const char *dir = make_dir(fx);
	const struct jsonschema *s;
	struct error err;

	write_file(dir, "positive.json", "{\"type\":\"number\",\"exclusiveMinimum\":0}");
	assert_int_equal(jsonschema_registry_map_uri(fx->reg, "https://example.com/schemas/", dir,
						     &err), 0);
	s = compile_ok(fx->reg, "{\"$ref\":\"https://example.com/schemas/positive.json\"}");
	assert_int_equal(check(s, "3", NULL), 0);
	assert_int_equal(check(s, "-3", NULL), 1);
	assert_int_not_equal(jsonschema_registry_map_uri(fx->reg, "", dir, &err), 0);
}

static void resolves_ids_across_loaded_schemas(void **state)
{
	struct fixture *fx = *state;
	const struct jsonschema *s;

	compile_ok(fx->reg, "{\"$id\":\"urn:example:name\",\"type\":\"string\",\"minLength\":1}");
	s = compile_ok(fx->reg, "{\"properties\":{\"n\":{\"$ref\":\"urn:example:name\"}}}");
	assert_int_equal(check(s, "{\"n\":\"x\"}", NULL), 0);
	assert_int_equal(check(s, "{\"n\":\"\"}", NULL), 1);
}

static void ref_pointer_is_percent_and_tilde_decoded(void **state)
{
	struct fixture *fx = *state;
	const struct jsonschema *s = compile_ok(fx->reg,
		"{\"$defs\":{\"a/b\":{\"type\":\"integer\"},\"c%d\":{\"type\":\"string\"}},"
		"\"properties\":{\"x\":{\"$ref\":\"#/$defs/a~1b\"},\"y\":{\"$ref\":\"#/$defs/c%25d\"}}}");

	assert_int_equal(check(s, "{\"x\":1,\"y\":\"s\"}", NULL), 0);
	assert_int_equal(check(s, "{\"x\":\"1\"}", NULL), 1);
	assert_int_equal(check(s, "{\"y\":1}", NULL), 1);
}

static void dynamic_ref_follows_dynamic_scope(void **state)
{
	struct fixture *fx = *state;
	const struct jsonschema *s;

	compile_ok(fx->reg,
		   "{\"$id\":\"https://example.com/tree\",\"$dynamicAnchor\":\"node\","
		   "\"type\":\"object\",\"properties\":{\"children\":{\"type\":\"array\","
		   "\"items\":{\"$dynamicRef\":\"#node\"}}}}");
	s = compile_ok(fx->reg,
		       "{\"$id\":\"https://example.com/strict-tree\",\"$dynamicAnchor\":\"node\","
		       "\"$ref\":\"tree\",\"unevaluatedProperties\":false}");
	assert_int_equal(check(s, "{\"children\":[{\"children\":[]}]}", NULL), 0);
	assert_int_equal(check(s, "{\"children\":[{\"daat\":1}]}", NULL), 1);
	/* a later failed compilation must not disturb schemas already compiled */
	expect_bad_schema(fx->reg, "{\"$dynamicAnchor\":\"node\",\"minLength\":-1}", "/minLength");
	assert_int_equal(check(s, "{\"children\":[{\"daat\":1}]}", NULL), 1);
}

static void compile_json_copies_the_document(void **state)
{
	struct fixture *fx = *state;
	cJSON *doc = cJSON_Parse("{\"type\":\"string\"}");
	const struct jsonschema *s;
	struct error err;

	assert_non_null(doc);
	s = jsonschema_compile_json(fx->reg, doc, "https://example.com/s.json", &err);
	cJSON_Delete(doc);
	assert_non_null(s);
	assert_int_equal(check(s, "\"x\"", NULL), 0);
	assert_int_equal(check(s, "1", NULL), 1);
}

static void registry_free_accepts_null(void **state)
{
	(void)state;
	jsonschema_registry_free(NULL);
	jsonschema_result_release(NULL);
}

/* ------------------------------------------------------------------ */
/* Keyword semantics                                                    */
/* ------------------------------------------------------------------ */

static void unique_items_uses_json_equality(void **state)
{
	struct fixture *fx = *state;
	const struct jsonschema *s = compile_ok(fx->reg, "{\"uniqueItems\":true}");

	assert_int_equal(check(s, "[1,1.0]", NULL), 1);
	assert_int_equal(check(s, "[{\"a\":1,\"b\":[1,2]},{\"b\":[1,2.0],\"a\":1}]", NULL), 1);
	assert_int_equal(check(s, "[1,true]", NULL), 0);
	assert_int_equal(check(s, "[0,false,null,\"0\",[],{}]", NULL), 0);
	assert_int_equal(check(s, "[[1],[2]]", NULL), 0);
}

static void unique_items_checks_long_arrays(void **state)
{
	struct fixture *fx = *state;
	const struct jsonschema *s = compile_ok(fx->reg, "{\"uniqueItems\":true}");
	char json[2048];
	size_t len = 0;
	int i;

	len += (size_t)snprintf(json + len, sizeof(json) - len, "[\"a\"");
	for (i = 0; i < 200; i++)
		len += (size_t)snprintf(json + len, sizeof(json) - len, ",%d", i);
	snprintf(json + len, sizeof(json) - len, "]");
	assert_int_equal(check(s, json, NULL), 0);
	snprintf(json + len, sizeof(json) - len, ",17.0]");
	assert_int_equal(check(s, json, NULL), 1);
	snprintf(json + len, sizeof(json) - len, ",\"a\"]");
	assert_int_equal(check(s, json, NULL), 1);
	snprintf(json + len, sizeof(json) - len, ",{\"x\":[1]},{\"x\":[1.0]}]");
	assert_int_equal(check(s, json, NULL), 1);
}

static void dependencies_keyword_is_understood_for_old_schemas(void **state)
{
	struct fixture *fx = *state;
	const struct jsonschema *s = compile_ok(fx->reg,
		"{\"dependencies\":{\"card\":[\"billing\"],\"vip\":{\"required\":[\"tier\"]}}}");

	assert_int_equal(check(s, "{\"card\":1,\"billing\":2}", NULL), 0);
	assert_int_equal(check(s, "{\"card\":1}", NULL), 1);
	assert_int_equal(check(s, "{\"vip\":true}", NULL), 1);
	assert_int_equal(check(s, "{\"vip\":true,\"tier\":1}", NULL), 0);
}

static void metaschema_vocabulary_can_assert_formats(void **state)
{
	struct fixture *fx = *state;
	const char *dir = make_dir(fx);
	const struct jsonschema *s;
	struct error err;

	write_file(dir, "strict.json",
		   "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\","
		   "\"$id\":\"https://example.com/meta/strict.json\","
		   "\"$vocabulary\":{\"https://json-schema.org/draft/2020-12/vocab/core\":true,"
		   "\"https://json-schema.org/draft/2020-12/vocab/validation\":true,"
		   "\"https://json-schema.org/draft/2020-12/vocab/format-assertion\":true}}");
	write_file(dir, "odd.json",
		   "{\"$vocabulary\":{\"https://example.com/vocab/odd\":true}}");
	assert_int_equal(jsonschema_registry_map_uri(fx->reg, "https://example.com/meta/", dir,
						     &err), 0);
	s = compile_ok(fx->reg, "{\"$schema\":\"https://example.com/meta/strict.json\","
			       "\"format\":\"ipv4\"}");
	assert_int_equal(check(s, "\"10.1.2.3\"", NULL), 0);
	assert_int_equal(check(s, "\"10.1.2\"", NULL), 1);
	expect_bad_schema(fx->reg, "{\"$schema\":\"https://example.com/meta/odd.json\"}",
			  "/$schema");
}

static void min_length_counts_code_points(void **state)
{
	struct fixture *fx = *state;
	const struct jsonschema *s = compile_ok(fx->reg, "{\"minLength\":3,\"maxLength\":3}");

	assert_int_equal(check(s, "\"h\xc3\xa9\xc3\xa9\"", NULL), 0);        /* héé */
	assert_int_equal(check(s, "\"\xf0\x9f\x92\xa9\xf0\x9f\x92\xa9\"", NULL), 1); /* 2 emoji */
	assert_int_equal(check(s, "\"abcd\"", NULL), 1);
}

static void pattern_uses_unicode_properties(void **state)
{
	struct fixture *fx = *state;
	const struct jsonschema *s = compile_ok(fx->reg, "{\"pattern\":\"^\\\\p{L}+$\"}");
	const struct jsonschema *d = compile_ok(fx->reg, "{\"pattern\":\"^\\\\d+$\"}");
	const struct jsonschema *l = compile_ok(fx->reg, "{\"pattern\":\"^\\\\p{Letter}+$\"}");

	assert_int_equal(check(s, "\"h\xc3\xa9llo\"", NULL), 0);
	assert_int_equal(check(s, "\"h3llo\"", NULL), 1);
	assert_int_equal(check(l, "\"\xce\xb1\xce\xb2\"", NULL), 0);   /* Greek letters */
	assert_int_equal(check(d, "\"123\"", NULL), 0);
	assert_int_equal(check(d, "\"\xd9\xa3\"", NULL), 1);   /* ARABIC-INDIC DIGIT THREE */
}

static void pattern_is_not_anchored(void **state)
{
	struct fixture *fx = *state;
	const struct jsonschema *s = compile_ok(fx->reg, "{\"pattern\":\"b+\"}");

	assert_int_equal(check(s, "\"abbc\"", NULL), 0);
	assert_int_equal(check(s, "\"ac\"", NULL), 1);
}

static void multiple_of_handles_decimal_fractions(void **state)
{
	struct fixture *fx = *state;
	const struct jsonschema *s = compile_ok(fx->reg, "{\"multipleOf\":0.0001}");
	const struct jsonschema *c = compile_ok(fx->reg, "{\"multipleOf\":0.01}");

	assert_int_equal(check(s, "0.0075", NULL), 0);
	assert_int_equal(check(s, "0.00751", NULL), 1);
	assert_int_equal(check(c, "19.99", NULL), 0);
	assert_int_equal(check(c, "4.35", NULL), 0);
	assert_int_equal(check(c, "4.351", NULL), 1);
}

static void integer_type_accepts_integral_floats(void **state)
{
	struct fixture *fx = *state;
	const struct jsonschema *s = compile_ok(fx->reg, "{\"type\":\"integer\"}");

	assert_int_equal(check(s, "1.0", NULL), 0);
	assert_int_equal(check(s, "1.5", NULL), 1);
	assert_int_equal(check(s, "\"1\"", NULL), 1);
}

static void unevaluated_properties_ignores_failed_branches(void **state)
{
	struct fixture *fx = *state;
	const struct jsonschema *s = compile_ok(fx->reg,
		"{\"anyOf\":[{\"properties\":{\"a\":{\"type\":\"string\"}},\"required\":[\"a\"]},"
		"{\"properties\":{\"b\":true},\"required\":[\"b\"]}],"
		"\"unevaluatedProperties\":false}");
	struct jsonschema_result res;

	assert_int_equal(check(s, "{\"a\":\"x\"}", NULL), 0);
	assert_int_equal(check(s, "{\"b\":1}", NULL), 0);
	/* "a" only matched in the failed first branch: unevaluated */
	assert_int_equal(check(s, "{\"a\":1,\"b\":1}", &res), 1);
	assert_string_equal(res.errors[0].instance_location, "/a");
	assert_string_equal(res.errors[0].keyword_location, "/unevaluatedProperties");
	jsonschema_result_release(&res);
}

static void formats_are_annotations_unless_asserted(void **state)
{
	struct fixture *fx = *state;
	struct jsonschema_opts opts = { 1, 0 };
	struct jsonschema_registry *r = jsonschema_registry_new(&opts);
	const char *schema = "{\"properties\":{\"at\":{\"format\":\"date-time\"},"
			     "\"mail\":{\"format\":\"email\"},\"ip\":{\"format\":\"ipv4\"}}}";
	const struct jsonschema *ann = compile_ok(fx->reg, schema);
	const struct jsonschema *as = compile_ok(r, schema);
	struct jsonschema_result res;

	assert_int_equal(check(ann, "{\"at\":\"yesterday\"}", NULL), 0);
	assert_int_equal(check(as, "{\"at\":\"2024-02-29T12:00:00Z\",\"mail\":\"a@b.example\","
			       "\"ip\":\"10.0.0.1\"}", NULL), 0);
	assert_int_equal(check(as, "{\"at\":\"2023-02-29T12:00:00Z\",\"mail\":\"a@@b\","
			       "\"ip\":\"10.0.0.256\"}", &res), 1);
	assert_int_equal(res.n_errors, 3);
	assert_string_equal(res.errors[0].message, "string is not a valid date-time");
	jsonschema_result_release(&res);
	jsonschema_registry_free(r);
}

static void check_format_knows_common_formats(void **state)
{
	(void)state;
	assert_int_equal(jsonschema_check_format("date", "2024-12-31"), 1);
	assert_int_equal(jsonschema_check_format("date", "2024-13-01"), 0);
	assert_int_equal(jsonschema_check_format("uuid", "123e4567-e89b-12d3-a456-426614174000"), 1);
	assert_int_equal(jsonschema_check_format("ipv6", "::1"), 1);
	assert_int_equal(jsonschema_check_format("ipv6", "1::2::3"), 0);
	assert_int_equal(jsonschema_check_format("hostname", "-bad.example"), 0);
	assert_int_equal(jsonschema_check_format("uri", "https://example.com/a?b#c"), 1);
	assert_int_equal(jsonschema_check_format("uri", "not a uri"), 0);
	assert_int_equal(jsonschema_check_format("duration", "P1Y2M3DT4H"), 1);
	assert_int_equal(jsonschema_check_format("json-pointer", "/a~2"), 0);
	assert_int_equal(jsonschema_check_format("no-such-format", "x"), -1);
}

/* ------------------------------------------------------------------ */
/* Concurrency                                                          */
/* ------------------------------------------------------------------ */

struct worker {
	const struct jsonschema *s;
	const cJSON *good, *bad;
	int wrong;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct jsonschema_result res;
	int i;

	for (i = 0; i < 2000; i++) {
		if (jsonschema_validate(w->s, w->good, NULL) != 0)
			w->wrong++;
		if (jsonschema_validate(w->s, w->bad, &res) != 1 || res.n_errors != 2)
			w->wrong++;
		jsonschema_result_release(&res);
	}
	return NULL;
}

static void validates_concurrently_from_threads(void **state)
{
	struct fixture *fx = *state;
	const struct jsonschema *s = compile_ok(fx->reg,
		"{\"type\":\"object\",\"properties\":{\"code\":{\"pattern\":\"^[a-z]+$\"},"
		"\"n\":{\"maximum\":3}},\"unevaluatedProperties\":false}");
	cJSON *good = cJSON_Parse("{\"code\":\"abc\",\"n\":1}");
	cJSON *bad = cJSON_Parse("{\"code\":\"ABC\",\"n\":1,\"x\":0}");
	struct worker w[4];
	pthread_t t[4];
	int i;

	for (i = 0; i < 4; i++) {
		w[i].s = s;
		w[i].good = good;
		w[i].bad = bad;
		w[i].wrong = 0;
		assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].wrong, 0);
	}
	cJSON_Delete(good);
	cJSON_Delete(bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(reports_json_pointer_of_bad_value, setup, teardown),
		cmocka_unit_test_setup_teardown(escapes_pointer_tokens_in_locations, setup, teardown),
		cmocka_unit_test_setup_teardown(keyword_location_goes_through_ref, setup, teardown),
		cmocka_unit_test_setup_teardown(enum_message_lists_allowed_values, setup, teardown),
		cmocka_unit_test_setup_teardown(required_message_names_missing_property, setup, teardown),
		cmocka_unit_test_setup_teardown(min_length_message_counts_characters, setup, teardown),
		cmocka_unit_test_setup_teardown(stops_after_max_errors_but_counts_all, setup, teardown),
		cmocka_unit_test_setup_teardown(default_keeps_twenty_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(failed_branches_are_not_reported_in_detail, setup, teardown),
		cmocka_unit_test_setup_teardown(failed_anyof_explains_closest_branch, setup, teardown),
		cmocka_unit_test_setup_teardown(invalid_schema_names_pointer_of_problem, setup, teardown),
		cmocka_unit_test_setup_teardown(recompiling_a_bad_schema_fails_again, setup, teardown),
		cmocka_unit_test_setup_teardown(schema_file_with_bad_json_reports_line_and_column, setup, teardown),
		cmocka_unit_test_setup_teardown(missing_schema_file_is_an_io_error, setup, teardown),
		cmocka_unit_test_setup_teardown(ref_cycle_is_an_error_not_a_crash, setup, teardown),
		cmocka_unit_test_setup_teardown(deep_recursive_instance_is_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(compiles_once_and_validates_many, setup, teardown),
		cmocka_unit_test_setup_teardown(resolves_ref_relative_to_schema_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(file_with_foreign_id_still_finds_neighbours, setup, teardown),
		cmocka_unit_test_setup_teardown(map_uri_serves_prefix_from_folder, setup, teardown),
		cmocka_unit_test_setup_teardown(resolves_ids_across_loaded_schemas, setup, teardown),
		cmocka_unit_test_setup_teardown(ref_pointer_is_percent_and_tilde_decoded, setup, teardown),
		cmocka_unit_test_setup_teardown(dynamic_ref_follows_dynamic_scope, setup, teardown),
		cmocka_unit_test_setup_teardown(compile_json_copies_the_document, setup, teardown),
		cmocka_unit_test(registry_free_accepts_null),
		cmocka_unit_test_setup_teardown(unique_items_uses_json_equality, setup, teardown),
		cmocka_unit_test_setup_teardown(unique_items_checks_long_arrays, setup, teardown),
		cmocka_unit_test_setup_teardown(dependencies_keyword_is_understood_for_old_schemas, setup, teardown),
		cmocka_unit_test_setup_teardown(metaschema_vocabulary_can_assert_formats, setup, teardown),
		cmocka_unit_test_setup_teardown(min_length_counts_code_points, setup, teardown),
		cmocka_unit_test_setup_teardown(pattern_uses_unicode_properties, setup, teardown),
		cmocka_unit_test_setup_teardown(pattern_is_not_anchored, setup, teardown),
		cmocka_unit_test_setup_teardown(multiple_of_handles_decimal_fractions, setup, teardown),
		cmocka_unit_test_setup_teardown(integer_type_accepts_integral_floats, setup, teardown),
		cmocka_unit_test_setup_teardown(unevaluated_properties_ignores_failed_branches, setup, teardown),
		cmocka_unit_test_setup_teardown(formats_are_annotations_unless_asserted, setup, teardown),
		cmocka_unit_test(check_format_knows_common_formats),
		cmocka_unit_test_setup_teardown(validates_concurrently_from_threads, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
