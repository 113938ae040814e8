/*
 * test_jsoncanon.c - the canonical text of a JSON value: the same for two
 * texts exactly when jsonb holds the same value (key order, duplicate
 * keys, string escapes, number spelling), and a refusal for anything that
 * is not one JSON value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "jsoncanon.h"

static struct jsoncanon cx = JSONCANON_INIT;

/* The canonical text of `json` (NULL when refused), in a static buffer. */
static const char *canon(const char *json)
{
	static struct strbuf out = STRBUF_INIT;

	strbuf_reset(&out);
	if (jsoncanon_append(&cx, json, strlen(json), &out)) {
		assert_false(out.failed);
		assert_int_equal(out.len, 0);
		return NULL;
	}
	return strbuf_str(&out);
}

static void keys_are_sorted_and_the_last_of_equal_keys_wins(void **state)
{
	(void)state;
	assert_string_equal(canon(" { \"b\" : 1 , \"a\" : [ true , null ] } "),
			    "{\"a\":[true,null],\"b\":1e0}");
	assert_string_equal(canon("{\"k\": 1, \"j\": {\"z\": 0, \"y\": 0}, \"k\": 2}"),
			    "{\"j\":{\"y\":0,\"z\":0},\"k\":2e0}");
	/* keys compare by their decoded bytes: "\u0041" is "A", before "a" */
	assert_string_equal(canon("{\"a\": 1, \"\\u0041\": 2}"), "{\"A\":2e0,\"a\":1e0}");
	assert_string_equal(canon("{}"), "{}");
}

static void strings_keep_only_the_escapes_they_need(void **state)
{
	(void)state;
	assert_string_equal(canon("\"\\u00e9\\/\\n\\\"\\\\\""), "\"\xc3\xa9/\\u000a\\\"\\\\\"");
	assert_string_equal(canon("\"\\ud83d\\ude00\""), "\"\xf0\x9f\x98\x80\"");
	assert_string_equal(canon("\"plain text, long enough to be scanned in words\""),
			    "\"plain text, long enough to be scanned in words\"");
}

static void numbers_are_exact_decimals_whatever_their_spelling(void **state)
{
	(void)state;
	assert_string_equal(canon("1.50"), "15e-1");
	assert_string_equal(canon("15e-1"), "15e-1");
	assert_string_equal(canon("0.150E1"), "15e-1");
	assert_string_equal(canon("-0.0"), "0");
	assert_string_equal(canon("1200"), "12e2");
	assert_string_equal(canon("-12345678901234567890123"), "-12345678901234567890123e0");
}

static void anything_but_one_json_value_is_refused(void **state)
{
	(void)state;
	assert_null(canon(""));
	assert_null(canon("{\"a\" 1}"));
	assert_null(canon("[1, 2"));
	assert_null(canon("1 2"));
	assert_null(canon("tru"));
	assert_null(canon("\"open"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(keys_are_sorted_and_the_last_of_equal_keys_wins),
		cmocka_unit_test(strings_keep_only_the_escapes_they_need),
		cmocka_unit_test(numbers_are_exact_decimals_whatever_their_spelling),
		cmocka_unit_test(anything_but_one_json_value_is_refused),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	jsoncanon_release(&cx);
	return rc;
}
