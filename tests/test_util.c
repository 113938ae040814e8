/*
 * test_util.c - file times (issue 12, defect 2): any struct timespec
 * round-trips through the index's decimal nanoseconds, int64 nanoseconds
 * are clamped with a result that says so, and malformed text is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "util.h"

static void round_trip(time_t sec, long nsec, const char *want)
{
	struct timespec ts = { sec, nsec }, back = { 0, 0 };
	char buf[32];

	util_ts_text(&ts, buf);
	if (want)
		assert_string_equal(buf, want);
	assert_int_equal(util_ts_parse(buf, strlen(buf), &back), 0);
	if (back.tv_sec != sec || back.tv_nsec != nsec)
		fail_msg("%s: got %lld.%09ld, want %lld.%09ld", buf,
			 (long long)back.tv_sec, back.tv_nsec, (long long)sec, nsec);
}

static void any_timespec_round_trips_through_decimal_nanoseconds(void **state)
{
	(void)state;
	round_trip(0, 0, "0");
	round_trip(0, 1, "1");
	round_trip(1, 0, "1000000000");
	round_trip(-1, 0, "-1000000000");
	round_trip(-1, 999999999, "-1");
	round_trip(-1, 500000000, "-500000000");
	round_trip(-2, 1, "-1999999999");
	/* 2300-01-01T00:00:00.123456789Z, beyond int64 nanoseconds */
	round_trip(10413792000, 123456789, "10413792000123456789");
	round_trip(-10413792000, 5, NULL);
	round_trip((time_t)INT64_MAX, 999999999, "9223372036854775807999999999");
	round_trip((time_t)INT64_MIN, 0, "-9223372036854775808000000000");
	round_trip((time_t)INT64_MIN, 1, NULL);
}

static void int64_nanoseconds_are_clamped_and_say_so(void **state)
{
	struct timespec ts = { 10413792000, 0 }, back;
	int64_t ns;

	(void)state;
	assert_int_equal(util_ts_to_ns(&ts, &ns), -1);
	assert_true(ns == INT64_MAX);
	ts.tv_sec = -10413792000;
	assert_int_equal(util_ts_to_ns(&ts, &ns), -1);
	assert_true(ns == INT64_MIN);
	/* the last representable instants fit exactly */
	ts.tv_sec = 9223372036;
	ts.tv_nsec = 854775807;
	assert_int_equal(util_ts_to_ns(&ts, &ns), 0);
	assert_true(ns == INT64_MAX);
	ts.tv_nsec = 854775808;
	assert_int_equal(util_ts_to_ns(&ts, &ns), -1);
	ts.tv_sec = -9223372037;
	ts.tv_nsec = 145224192;
	assert_int_equal(util_ts_to_ns(&ts, &ns), 0);
	assert_true(ns == INT64_MIN);
	util_ns_to_ts(INT64_MIN, &back);
	assert_true(back.tv_sec == -9223372037 && back.tv_nsec == 145224192);
	util_ns_to_ts(-1, &back);
	assert_true(back.tv_sec == -1 && back.tv_nsec == 999999999);
}

static void malformed_or_too_large_text_is_refused(void **state)
{
	static const char *const bad[] = {
		"", "-", "01", "-01", "1.5", "1e9", " 1", "+1", "0x10",
		"9223372036854775808000000000",         /* seconds beyond INT64_MAX */
		"-9223372036854775808000000001",        /* seconds below INT64_MIN */
		"99999999999999999999999999999999",
	};
	struct timespec ts;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (util_ts_parse(bad[i], strlen(bad[i]), &ts) == 0)
			fail_msg("accepted '%s'", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(any_timespec_round_trips_through_decimal_nanoseconds),
		cmocka_unit_test(int64_nanoseconds_are_clamped_and_say_so),
		cmocka_unit_test(malformed_or_too_large_text_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
