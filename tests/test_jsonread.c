/*
 * test_jsonread.c - strict JSON check, parse, locate and number helpers,
 * plus the JSONTestSuite conformance run (skipped when ../shared is absent;
 * override the folder with WSM_JSONTESTSUITE).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>

#include <cmocka.h>

#include "jsonread.h"

#define SUITE_DEFAULT "../shared/conformance/JSONTestSuite/test_parsing"

/* Check s (a C string) and return the error code; err is filled. */
static int check_str(const char *s, struct error *err)
{
	error_clear(err);
	return jsonread_check(s, strlen(s), NULL, err);
}

static void expect_ok(const char *s)
{
	struct error err;
	int rc = check_str(s, &err);

	if (rc)
		print_error("unexpected failure for <%s>: %s\n", s, err.msg);
	assert_int_equal(rc, 0);
}

/* Expect rejection with `reason` in the message. */
static void expect_fail(const char *s, size_t len, const char *reason,
			struct error *err)
{
	error_clear(err);
	assert_int_equal(jsonread_check(s, len, NULL, err), ERR_DATA);
	assert_int_equal(err->code, ERR_DATA);
	if (!strstr(err->msg, reason))
		print_error("message <%s> lacks <%s>\n", err->msg, reason);
	assert_non_null(strstr(err->msg, reason));
}

static void expect_fail_str(const char *s, const char *reason)
{
	struct error err;

	expect_fail(s, strlen(s), reason, &err);
}

static void accepts_any_top_level_value(void **state)
{
	(void)state;
	expect_ok("0");
	expect_ok("-12.5e+3");
	expect_ok("\"x\"");
	expect_ok(" true ");
	expect_ok("null");
	expect_ok("{}");
	expect_ok("[ ]");
	expect_ok("\t\r\n[1,{\"a\":[false,null,\"\\ud83d\\ude00\"]}]\n");
}

static void accepts_and_skips_a_leading_utf8_bom(void **state)
{
	const char doc[] = "\xEF\xBB\xBF{\"a\":1}";
	const char *plain = "{}";
	struct error err;
	size_t skipped = 99;
	const char *body;
	cJSON *tree;

	(void)state;
	expect_ok(doc);
	body = jsonread_skip_bom(doc, strlen(doc), &skipped);
	assert_int_equal(skipped, 3);
	assert_ptr_equal(body, doc + 3);
	assert_ptr_equal(jsonread_skip_bom(plain, 2, &skipped), plain);
	assert_int_equal(skipped, 0);
	tree = jsonread_parse(doc, strlen(doc), NULL, &err);
	assert_non_null(tree);
	assert_int_equal(cJSON_GetObjectItem(tree, "a")->valueint, 1);
	cJSON_Delete(tree);
}

static void refuses_a_bom_that_is_not_at_the_start(void **state)
{
	(void)state;
	expect_fail_str(" \xEF\xBB\xBF{}", "unexpected character U+FEFF (byte order mark)");
	expect_fail_str("\xEF\xBB\xBF\xEF\xBB\xBF{}", "U+FEFF");
}

static void reports_invalid_utf8_with_byte_offset(void **state)
{
	struct error err;
	const char *doc = "{\"a\":\"x\xC0\x80\"}";

	(void)state;
	expect_fail(doc, strlen(doc), "invalid UTF-8 byte 0xC0", &err);
	assert_non_null(strstr(err.msg, "at offset 7"));
	assert_int_equal(err.line, 1);
	assert_int_equal(err.column, 8);
	assert_string_equal(err.pointer, "/a");
	expect_fail_str("\"\xED\xA0\x80\"", "invalid UTF-8 byte 0xED (UTF-8 encoded surrogate) at offset 1");
	expect_fail_str("\"\xF4\x90\x80\x80\"", "beyond U+10FFFF");
	expect_fail_str("\"\xE0\x80\xAF\"", "overlong");
	expect_fail_str("\"\x80\"", "invalid UTF-8 byte 0x80");
	expect_fail_str("\"\xE2\x82\"", "invalid UTF-8 byte 0xE2 (incomplete sequence) at offset 1");
	expect_fail_str("\"\xE2\x82", "invalid UTF-8 byte 0xE2 (incomplete sequence at end of data)");
	expect_fail("\xFF\xFE[\0]\0", 6, "UTF-16 byte order mark", &err);
	expect_fail("[\0]\0", 4, "unexpected NUL byte (UTF-16 or UTF-32 input?", &err);
	/* found by fuzzing: a lone 0xFF as the last byte, 1 byte in */
	expect_fail(" \xFF", 2, "invalid UTF-8 byte 0xFF", &err);
	expect_fail("\xFE", 1, "invalid UTF-8 byte 0xFE", &err);
	expect_fail_str("\"\xFF\"", "invalid UTF-8 byte 0xFF");
	expect_fail_str("[\xC3]", "invalid UTF-8 byte");
	expect_ok("\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\"");
}

static void refuses_the_escaped_nul_character(void **state)
{
	struct error err;

	(void)state;
	expect_fail_str("\"a\\u0000b\"", "string contains \\u0000 (refused: see README) at offset 2");
	expect_fail("{\"k\\u0000\":1}", 13, "\\u0000", &err);
	/* a raw NUL byte is a raw control character */
	expect_fail("\"a\0b\"", 5, "raw control character U+0000", &err);
}

static void refuses_lone_surrogate_escapes(void **state)
{
	(void)state;
	expect_fail_str("\"\\uD800\"", "lone surrogate \\uD800");
	expect_fail_str("\"\\ud800x\"", "lone surrogate \\uD800");
	expect_fail_str("\"\\uD800\\u0041\"", "lone surrogate \\uD800");
	expect_fail_str("\"\\uDC00\\uD800\"", "lone surrogate \\uDC00");
	expect_fail_str("\"\\uD800\\n\"", "lone surrogate");
	expect_ok("\"\\uD834\\uDD1E\"");
}

static void refuses_duplicate_keys_compared_after_unescaping(void **state)
{
	struct error err;
	const char *doc = "{\"a\":1,\n \"\\u0061\":2}";

	(void)state;
	expect_fail(doc, strlen(doc), "duplicate key \"\\u0061\" (first at 1:2) at offset 9", &err);
	assert_int_equal(err.line, 2);
	assert_int_equal(err.column, 2);
	assert_string_equal(err.pointer, "");
	doc = "{\"x\":[0,{\"k\":1,\"k\":2}]}";
	expect_fail(doc, strlen(doc), "duplicate key \"k\"", &err);
	assert_string_equal(err.pointer, "/x/1");
	expect_fail_str("{\"\xC3\xA9\":1,\"\\u00e9\":2}", "duplicate key");
	expect_fail_str("{\"\xF0\x9F\x98\x80\":1,\"\\ud83d\\ude00\":2}", "duplicate key");
	expect_fail_str("{\"a/b\":1,\"a\\/b\":2}", "duplicate key");
}

static void accepts_same_key_in_different_objects(void **state)
{
	(void)state;
	expect_ok("[{\"a\":1},{\"a\":1}]");
	expect_ok("{\"a\":{\"a\":{\"a\":1}},\"b\":{\"a\":2}}");
	expect_ok("{\"a\":1,\"ab\":2,\"b\":3,\"\":4}");
	expect_ok("{\"x\":{\"a\":1,\"b\":2},\"a\":{\"x\":1},\"b\":0}");
}

/* Build {"k0":0,"k1":1,...} with n keys, optionally repeating key `dup`. */
static char *many_keys(size_t n, long dup, size_t *len)
{
	size_t cap = n * 24 + 64, off = 0, k;
	char *b = malloc(cap);

	assert_non_null(b);
	b[off++] = '{';
	for (k = 0; k < n; k++)
		off += (size_t)snprintf(b + off, cap - off, "%s\"k%zu\":%zu",
					k ? "," : "", k, k);
	if (dup >= 0)
		off += (size_t)snprintf(b + off, cap - off, ",\"k%ld\":0", dup);
	b[off++] = '}';
	*len = off;
	return b;
}

static void detects_duplicates_among_many_keys(void **state)
{
	struct error err;
	size_t len;
	char *b;

	(void)state;
	b = many_keys(200000, -1, &len);
	error_clear(&err);
	assert_int_equal(jsonread_check(b, len, NULL, &err), 0);
	free(b);
	b = many_keys(200000, 12345, &len);
	expect_fail(b, len, "duplicate key \"k12345\" (first at 1:", &err);
	free(b);
}

static void refuses_trailing_data(void **state)
{
	(void)state;
	expect_fail_str("{} x", "trailing data after the JSON value at offset 3");
	expect_fail_str("1 2", "trailing data");
	expect_fail_str("[1]]", "trailing data");
	expect_fail_str("nullx", "trailing data");
	expect_fail("{}\0", 3, "trailing data", &(struct error){ 0 });
}

static void refuses_deep_nesting_without_crashing(void **state)
{
	size_t n = 100000;
	char *b = malloc(n);
	struct error err;

	(void)state;
	assert_non_null(b);
	memset(b, '[', n);
	expect_fail(b, n, "nesting deeper than 512 at offset 512", &err);
	free(b);
}

static void accepts_nesting_up_to_the_limit(void **state)
{
	char b[2 * 1001];
	struct jsonread_opts opts = { 0, NULL, NULL };
	struct error err;
	size_t d;

	(void)state;
	for (d = 0; d < 512; d++) {
		b[d] = '[';
		b[512 + d] = ']';
	}
	assert_int_equal(jsonread_check(b, 1024, NULL, &err), 0);
	opts.max_depth = 511;
	assert_int_equal(jsonread_check(b, 1024, &opts, &err), ERR_DATA);
	assert_non_null(strstr(err.msg, "nesting deeper than 511"));
	/* jsonread_parse caps the limit at what cJSON can build */
	for (d = 0; d < 1000; d++) {
		b[d] = '[';
		b[1000 + d] = ']';
	}
	opts.max_depth = 5000;
	assert_int_equal(jsonread_check(b, 2000, &opts, &err), 0);
	{
		cJSON *t = jsonread_parse(b, 2000, &opts, &err);

		if (!t)
			print_error("%s\n", err.msg);
		assert_non_null(t);
		cJSON_Delete(t);
	}
	b[0] = '{';
	expect_fail(b, 2000, "unexpected character '['", &err);
}

static void refuses_an_empty_document(void **state)
{
	struct error err;

	(void)state;
	expect_fail("", 0, "empty document", &err);
	assert_int_equal(err.line, 0);
	expect_fail_str(" \n\t", "empty document");
	expect_fail_str("\xEF\xBB\xBF", "empty document");
	error_clear(&err);
	assert_int_equal(jsonread_check(NULL, 0, NULL, &err), ERR_DATA);
}

static void reports_line_and_column_in_characters(void **state)
{
	struct error err;
	struct jsonread_opts opts = { 0, "data/x.json", NULL };
	const char *doc = "{\r\n  \"\xC3\xA9t\xC3\xA9\": tru }";
	char line[ERROR_MSG_MAX + 64];

	(void)state;
	error_clear(&err);
	assert_int_equal(jsonread_check(doc, strlen(doc), &opts, &err), ERR_DATA);
	assert_int_equal(err.line, 2);
	assert_int_equal(err.column, 13);
	assert_string_equal(err.path, "data/x.json");
	assert_string_equal(err.pointer, "/\xC3\xA9t\xC3\xA9");
	assert_string_equal(err.msg, "unexpected character ' ' (expected 'true') at offset 17");
	assert_string_equal(error_format(&err, line, sizeof(line)),
			    "data/x.json:2:13: /\xC3\xA9t\xC3\xA9: unexpected character ' ' (expected 'true') at offset 17");
	/* BOM does not count as a column; lone CR ends a line */
	expect_fail("\xEF\xBB\xBFx", 4, "unexpected character 'x'", &err);
	assert_int_equal(err.column, 1);
	expect_fail("[1,\r\r2,\n\t3 4]", 13, "unexpected character '4'", &err);
	assert_int_equal(err.line, 4);
	assert_int_equal(err.column, 4);
	assert_non_null(strstr(err.msg, "at offset 11"));
}

static void position_handles_line_endings_and_multibyte(void **state)
{
	const char *b = "a\nb\r\nc\rd\xE2\x82\xAC" "e";
	long l, c;

	(void)state;
	jsonread_position(b, strlen(b), 0, &l, &c);
	assert_int_equal(l, 1);
	assert_int_equal(c, 1);
	jsonread_position(b, strlen(b), 2, &l, &c);
	assert_int_equal(l, 2);
	assert_int_equal(c, 1);
	jsonread_position(b, strlen(b), 5, &l, &c);
	assert_int_equal(l, 3);
	jsonread_position(b, strlen(b), 7, &l, &c);
	assert_int_equal(l, 4);
	assert_int_equal(c, 1);
	jsonread_position(b, strlen(b), 11, &l, &c);
	assert_int_equal(l, 4);
	assert_int_equal(c, 3);
	jsonread_position(b, strlen(b), 1000, &l, &c);
	assert_int_equal(c, 4);
}

static void reports_pointer_of_the_failing_value(void **state)
{
	struct error err;
	const char *doc = "{\"a\":[1,2,{\"b~/\":01}]}";

	(void)state;
	expect_fail(doc, strlen(doc), "leading zero in number", &err);
	assert_string_equal(err.pointer, "/a/2/b~0~1");
	expect_fail("[1,2", 4, "unexpected end of data (expected ',' or ']')", &err);
	assert_string_equal(err.pointer, "");
	expect_fail("[[1],[2,x]]", 11, "unexpected character 'x' (expected a value)", &err);
	assert_string_equal(err.pointer, "/1/1");
}

static void refuses_bad_numbers_with_a_reason(void **state)
{
	(void)state;
	expect_fail_str("01", "leading zero in number at offset 0");
	expect_fail_str("-01", "leading zero in number at offset 1");
	expect_fail_str("[1.]", "digit expected after '.' at offset 3");
	expect_fail_str("1.e3", "digit expected after '.'");
	expect_fail_str("-", "digit expected after '-'");
	expect_fail_str("-a", "unexpected character 'a' (expected a digit after '-')");
	expect_fail_str("1e", "digit expected in exponent");
	expect_fail_str("1e+", "digit expected in exponent");
	expect_fail_str(".5", "unexpected character '.'");
	expect_fail_str("+1", "unexpected character '+'");
	expect_fail_str("[0x1]", "unexpected character 'x' (expected ',' or ']')");
	expect_fail_str("NaN", "unexpected character 'N'");
	expect_ok("[0, -0, 0.0, 1e5, 1E-5, -1.5e+300, 1e999, 123456789012345678901234567890]");
}

static void refuses_bad_strings_with_a_reason(void **state)
{
	(void)state;
	expect_fail_str("\"a\tb\"", "raw control character U+0009 in string (must be escaped) at offset 2");
	expect_fail_str("\"a\nb\"", "raw control character U+000A");
	expect_fail_str("\"\\q\"", "invalid escape '\\q' at offset 1");
	expect_fail_str("\"\\x41\"", "invalid escape '\\x'");
	expect_fail_str("\"\\u12\"", "invalid \\u escape");
	expect_fail_str("\"\\uqqqq\"", "invalid \\u escape");
	expect_fail_str("\"abc", "unterminated string at offset 0");
	expect_fail_str("[\"a\\", "unterminated string at offset 1");
	expect_fail_str("'a'", "unexpected character '''");
	expect_ok("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\uFFFF\"");
	expect_ok("\"\x7F\"");
}

static void refuses_non_json_whitespace_and_structure_errors(void **state)
{
	struct error err;

	(void)state;
	expect_fail_str("[1,\f2]", "unexpected character U+000C (expected a value; only space, tab, LF and CR may separate tokens)");
	expect_fail("[1, \0 2]", 7, "unexpected character U+0000", &err);
	expect_fail_str("[1,]", "trailing comma before ']'");
	expect_fail_str("{\"a\":1,}", "trailing comma before '}'");
	expect_fail_str("{\"a\" 1}", "unexpected character '1' (expected ':' after the key)");
	expect_fail_str("{a:1}", "unexpected character 'a' (expected a string key)");
	expect_fail_str("[1}", "unexpected character '}' (expected ',' or ']')");
	expect_fail_str("{\"a\":1]", "(expected ',' or '}')");
	expect_fail_str("[", "unexpected end of data (expected a value)");
	expect_fail_str("{", "unexpected end of data (expected a key)");
	expect_fail_str("{\"a\"", "unexpected end of data (expected ':')");
	expect_fail_str("tru", "unexpected end of data in 'true'");
	expect_fail_str("[truE]", "unexpected character 'E' (expected 'true')");
	expect_fail_str("[\xC2\xA0]", "unexpected character U+00A0");
}

static void parse_reads_only_len_bytes_of_an_unterminated_buffer(void **state)
{
	const char src[] = "\xEF\xBB\xBF {\"a\": [1, 2.5, \"x\"]} \n";
	size_t n = sizeof(src) - 1;
	char *b = malloc(n);     /* no NUL: ASan catches any over-read */
	struct error err;
	cJSON *t;

	(void)state;
	assert_non_null(b);
	memcpy(b, src, n);
	t = jsonread_parse(b, n, NULL, &err);
	assert_non_null(t);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(t, "a")), 3);
	cJSON_Delete(t);
	memcpy(b, "12", 2);
	t = jsonread_parse(b, 2, NULL, &err);
	assert_non_null(t);
	assert_true(cJSON_IsNumber(t));
	assert_int_equal(t->valueint, 12);
	cJSON_Delete(t);
	free(b);
}

static void parse_returns_null_with_error_on_invalid_input(void **state)
{
	struct error err;
	struct jsonread_opts opts = { 0, "f.json", NULL };

	(void)state;
	assert_null(jsonread_parse("{\"a\":\"x\\u0000y\"}", 16, &opts, &err));
	assert_int_equal(err.code, ERR_DATA);
	assert_string_equal(err.path, "f.json");
	assert_string_equal(err.pointer, "/a");
	assert_non_null(strstr(err.msg, "\\u0000"));
}

static void expect_span(const char *doc, const char *ptr, const char *want)
{
	size_t s = 0, e = 0;
	int rc = jsonread_locate(doc, strlen(doc), ptr, &s, &e);

	if (rc != 0)
		print_error("locate <%s> failed: %d\n", ptr, rc);
	assert_int_equal(rc, 0);
	assert_int_equal(e - s, strlen(want));
	assert_memory_equal(doc + s, want, strlen(want));
}

static void locate_finds_raw_text_through_escaped_keys_and_arrays(void **state)
{
	const char *doc = "\xEF\xBB\xBF { \"a/b\" : { \"m~n\" : [ 10 , {\"x\":\"y\\\"}\"} ,"
			  " 12345678901234567890 , [[1.50],[]] ] } , \"\\u00e9\":true,"
			  " \"\":{\"\":-0.0e1}, \"s\":\"[{\" }\n";
	size_t s, e;

	(void)state;
	expect_ok(doc);
	expect_span(doc, "/a~1b/m~0n/0", "10");
	expect_span(doc, "/a~1b/m~0n/1", "{\"x\":\"y\\\"}\"}");
	expect_span(doc, "/a~1b/m~0n/1/x", "\"y\\\"}\"");
	expect_span(doc, "/a~1b/m~0n/2", "12345678901234567890");
	expect_span(doc, "/a~1b/m~0n/3/0/0", "1.50");
	expect_span(doc, "/a~1b/m~0n/3/1", "[]");
	expect_span(doc, "/\xC3\xA9", "true");
	expect_span(doc, "//", "-0.0e1");
	expect_span(doc, "/", "{\"\":-0.0e1}");
	expect_span(doc, "/s", "\"[{\"");
	expect_span("[1]", "", "[1]");
	assert_int_equal(jsonread_locate(doc, strlen(doc), "", &s, &e), 0);
	assert_int_equal(s, 4);
	assert_int_equal(e, strlen(doc) - 1);
	assert_int_equal(jsonread_locate(doc, strlen(doc), "/a~1b/m~0n/4", &s, &e), 1);
	assert_int_equal(jsonread_locate(doc, strlen(doc), "/a~1b/m~0n/01", &s, &e), 1);
	assert_int_equal(jsonread_locate(doc, strlen(doc), "/a~1b/m~0n/-", &s, &e), 1);
	assert_int_equal(jsonread_locate(doc, strlen(doc), "/a/b", &s, &e), 1);
	assert_int_equal(jsonread_locate(doc, strlen(doc), "/s/0", &s, &e), 1);
	assert_int_equal(jsonread_locate(doc, strlen(doc), "/nope", &s, &e), 1);
	assert_int_equal(jsonread_locate("[]", 2, "/0", &s, &e), 1);
	assert_int_equal(jsonread_locate("{}", 2, "/a", &s, &e), 1);
	assert_int_equal(jsonread_locate(doc, strlen(doc), "a", &s, &e), -1);
	assert_int_equal(jsonread_locate(doc, strlen(doc), "/a~2", &s, &e), -1);
	/* garbage never makes it read out of bounds */
	assert_int_equal(jsonread_locate("{\"a", 3, "/a", &s, &e), 1);
	assert_int_equal(jsonread_locate("[[[", 3, "/0/0/0", &s, &e), 1);
}

static void number_kind_detects_integers_exactly(void **state)
{
	int64_t v = 0;

	(void)state;
	assert_int_equal(jsonread_number_kind("12", 2, &v), JSONREAD_NUM_INT);
	assert_int_equal(v, 12);
	assert_int_equal(jsonread_number_kind("-0", 2, &v), JSONREAD_NUM_INT);
	assert_int_equal(v, 0);
	assert_int_equal(jsonread_number_kind("1.50e2", 6, &v), JSONREAD_NUM_INT);
	assert_int_equal(v, 150);
	assert_int_equal(jsonread_number_kind("1e3", 3, &v), JSONREAD_NUM_INT);
	assert_int_equal(v, 1000);
	assert_int_equal(jsonread_number_kind("0.000e-5", 8, &v), JSONREAD_NUM_INT);
	assert_int_equal(v, 0);
	assert_int_equal(jsonread_number_kind("9223372036854775807", 19, &v), JSONREAD_NUM_INT);
	assert_true(v == INT64_MAX);
	assert_int_equal(jsonread_number_kind("-9223372036854775808", 20, &v), JSONREAD_NUM_INT);
	assert_true(v == INT64_MIN);
	assert_int_equal(jsonread_number_kind("9223372036854775808", 19, &v), JSONREAD_NUM_BIGINT);
	assert_int_equal(jsonread_number_kind("-9223372036854775809", 20, &v), JSONREAD_NUM_BIGINT);
	assert_int_equal(jsonread_number_kind("12345678901234567890", 20, &v), JSONREAD_NUM_BIGINT);
	assert_int_equal(jsonread_number_kind("1e400", 5, &v), JSONREAD_NUM_BIGINT);
	assert_int_equal(jsonread_number_kind("1e99999999999999999999", 22, &v), JSONREAD_NUM_BIGINT);
	assert_int_equal(jsonread_number_kind("0.5", 3, &v), JSONREAD_NUM_FRACTION);
	assert_int_equal(jsonread_number_kind("1e-400", 6, &v), JSONREAD_NUM_FRACTION);
	assert_int_equal(jsonread_number_kind("123.4e-1", 8, &v), JSONREAD_NUM_FRACTION);
	assert_int_equal(jsonread_number_kind("01", 2, &v), JSONREAD_NUM_INVALID);
	assert_int_equal(jsonread_number_kind("1.", 2, &v), JSONREAD_NUM_INVALID);
	assert_int_equal(jsonread_number_kind("", 0, &v), JSONREAD_NUM_INVALID);
	assert_int_equal(jsonread_number_kind("1 ", 2, &v), JSONREAD_NUM_INVALID);
	assert_int_equal(jsonread_number_is_exact_int("42", 2, &v), 1);
	assert_int_equal(v, 42);
	assert_int_equal(jsonread_number_is_exact_int("18446744073709551616", 20, &v), 0);
	assert_int_equal(jsonread_number_is_exact_int("4.2", 3, NULL), 0);
}

/* ------------------------------------------------------------ JSONTestSuite */

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		b = malloc((size_t)n + 1);
		if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
			free(b);
			b = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return b;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * y_ files our documented policies refuse (duplicate keys, \u0000): they
 * must be rejected, and for the stated reason.
 */
static int policy_refuses(const char *name, const struct error *err)
{
	static const struct {
		const char *file, *reason;
	} policy[] = {
		{ "y_object_duplicated_key.json", "duplicate key" },
		{ "y_object_duplicated_key_and_value.json", "duplicate key" },
		{ "y_object_escaped_null_in_key.json", "\\u0000" },
		{ "y_string_null_escape.json", "\\u0000" },
	};
	size_t k;

	for (k = 0; k < sizeof(policy) / sizeof(policy[0]); k++)
		if (!strcmp(name, policy[k].file))
			return err->code == ERR_OK ||
			       strstr(err->msg, policy[k].reason) != NULL;
	return 0;
}

static void jsontestsuite_y_accepted_n_rejected_i_reported(void **state)
{
	const char *dir = getenv("WSM_JSONTESTSUITE");
	char *names[1024];
	size_t nn = 0, k, ny = 0, npol = 0, nno = 0, ni = 0, bad = 0;
	struct dirent *de;
	DIR *d;

	(void)state;
	if (!dir || !*dir)
		dir = SUITE_DEFAULT;
	d = opendir(dir);
	if (!d) {
		printf("SKIP: JSONTestSuite not found at %s (../shared absent)\n",
		       dir);
		skip();
	}
	while ((de = readdir(d)) && nn < 1024)
		if (strlen(de->d_name) > 5 && de->d_name[1] == '_' &&
		    strchr("yni", de->d_name[0]))
			names[nn++] = strdup(de->d_name);
	closedir(d);
	qsort(names, nn, sizeof(names[0]), cmp_names);
	printf("JSONTestSuite y_ refused by policy, and i_ files "
	       "(implementation-defined):\n");
	for (k = 0; k < nn; k++) {
		char path[4096];
		struct error err;
		size_t len = 0;
		char *b;
		int rc;

		snprintf(path, sizeof(path), "%s/%s", dir, names[k]);
		b = read_file(path, &len);
		assert_non_null(b);
		error_clear(&err);
		rc = jsonread_check(b, len, NULL, &err);
		if (names[k][0] == 'y' && policy_refuses(names[k], &err)) {
			npol++;
			if (rc != ERR_DATA) {
				printf("FAIL %s accepted (policy says refuse)\n",
				       names[k]);
				bad++;
			} else {
				printf("  %-55s rejected by policy: %s\n",
				       names[k], err.msg);
			}
		} else if (names[k][0] == 'y') {
			cJSON *t = jsonread_parse(b, len, NULL, &err);
			size_t s, e;

			ny++;
			if (rc || !t) {
				printf("FAIL %s rejected: %s\n", names[k], err.msg);
				bad++;
			}
			if (!t || jsonread_locate(b, len, "", &s, &e) != 0)
				bad++;
			cJSON_Delete(t);
		} else if (names[k][0] == 'n') {
			nno++;
			if (rc != ERR_DATA || !err.msg[0]) {
				printf("FAIL %s accepted\n", names[k]);
				bad++;
			} else if (getenv("WSM_VERBOSE")) {
				printf("  %-55s rejected: %s\n", names[k], err.msg);
			}
		} else {
			ni++;
			if (rc)
				printf("  %-55s rejected: %s\n", names[k], err.msg);
			else
				printf("  %-55s accepted\n", names[k]);
		}
		free(b);
		free(names[k]);
	}
	printf("JSONTestSuite: %zu y_ accepted, %zu y_ refused by policy, "
	       "%zu n_ rejected, %zu i_ listed, %zu failures\n", ny, npol, nno,
	       ni, bad);
	assert_true(ny > 0 && nno > 0);
	assert_int_equal(npol, 4);
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepts_any_top_level_value),
		cmocka_unit_test(accepts_and_skips_a_leading_utf8_bom),
		cmocka_unit_test(refuses_a_bom_that_is_not_at_the_start),
		cmocka_unit_test(reports_invalid_utf8_with_byte_offset),
		cmocka_unit_test(refuses_the_escaped_nul_character),
		cmocka_unit_test(refuses_lone_surrogate_escapes),
		cmocka_unit_test(refuses_duplicate_keys_compared_after_unescaping),
		cmocka_unit_test(accepts_same_key_in_different_objects),
		cmocka_unit_test(detects_duplicates_among_many_keys),
		cmocka_unit_test(refuses_trailing_data),
		cmocka_unit_test(refuses_deep_nesting_without_crashing),
		cmocka_unit_test(accepts_nesting_up_to_the_limit),
		cmocka_unit_test(refuses_an_empty_document),
		cmocka_unit_test(reports_line_and_column_in_characters),
		cmocka_unit_test(position_handles_line_endings_and_multibyte),
		cmocka_unit_test(reports_pointer_of_the_failing_value),
		cmocka_unit_test(refuses_bad_numbers_with_a_reason),
		cmocka_unit_test(refuses_bad_strings_with_a_reason),
		cmocka_unit_test(refuses_non_json_whitespace_and_structure_errors),
		cmocka_unit_test(parse_reads_only_len_bytes_of_an_unterminated_buffer),
		cmocka_unit_test(parse_returns_null_with_error_on_invalid_input),
		cmocka_unit_test(locate_finds_raw_text_through_escaped_keys_and_arrays),
		cmocka_unit_test(number_kind_detects_integers_exactly),
		cmocka_unit_test(jsontestsuite_y_accepted_n_rejected_i_reported),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
