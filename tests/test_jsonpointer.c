/*
 * test_jsonpointer.c - RFC 6901 pointers: validity, resolution against a
 * cJSON tree (escapes, array indexes, absent members) and token escaping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "jsonpointer.h"

static void pointers_are_empty_or_start_with_a_slash_and_escape_tilde(void **state)
{
	(void)state;
	assert_true(jsonpointer_valid(""));
	assert_true(jsonpointer_valid("/a~0b/~1/0"));
	assert_false(jsonpointer_valid("a"));
	assert_false(jsonpointer_valid("/a~2"));
	assert_false(jsonpointer_valid("/a~"));
	assert_false(jsonpointer_valid(NULL));
}

static void get_follows_escaped_members_and_array_indexes(void **state)
{
	cJSON *root = cJSON_Parse("{\"a/b\": {\"m~n\": [10, 20, {\"\": 3}]}, \"x\": null}");
	const cJSON *v;

	(void)state;
	assert_non_null(root);
	assert_ptr_equal(jsonpointer_get(root, ""), root);
	v = jsonpointer_get(root, "/a~1b/m~0n/1");
	assert_non_null(v);
	assert_int_equal(v->valueint, 20);
	v = jsonpointer_get(root, "/a~1b/m~0n/2/");
	assert_non_null(v);
	assert_int_equal(v->valueint, 3);
	assert_true(cJSON_IsNull(jsonpointer_get(root, "/x")));
	assert_null(jsonpointer_get(root, "/a~1b/m~0n/3"));
	assert_null(jsonpointer_get(root, "/a~1b/m~0n/01"));
	assert_null(jsonpointer_get(root, "/a~1b/m~0n/-"));
	assert_null(jsonpointer_get(root, "/ab"));
	assert_null(jsonpointer_get(root, "/x/y"));
	cJSON_Delete(root);
}

static void append_escapes_tilde_then_slash_and_keeps_other_bytes(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	assert_int_equal(jsonpointer_append(&sb, "a/b~c", 5), 0);
	assert_int_equal(jsonpointer_append(&sb, "", 0), 0);
	assert_int_equal(jsonpointer_append(&sb, "\xc3\xa9~1", 4), 0);
	assert_int_equal(jsonpointer_append(&sb, "x\0y", 3), 0);
	assert_int_equal(sb.len, strlen("/a~1b~0c//\xc3\xa9~01/x") + 2);
	assert_memory_equal(sb.buf, "/a~1b~0c//\xc3\xa9~01/x\0y", sb.len);
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pointers_are_empty_or_start_with_a_slash_and_escape_tilde),
		cmocka_unit_test(get_follows_escaped_members_and_array_indexes),
		cmocka_unit_test(append_escapes_tilde_then_slash_and_keeps_other_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
