/*
 * test_tstamp.c - timestamp normalisation: accepted forms, the canonical
 * UTC output, and every refusal with its reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tstamp.h"

static void expect_canon(const char *in, const char *want)
{
	char out[TSTAMP_MAX];
	struct error err;
	int rc;

	error_clear(&err);
	rc = tstamp_canonical(in, strlen(in), out, &err);
	if (rc)
		print_error("<%s> refused: %s\n", in, err.msg);
	assert_int_equal(rc, 0);
	assert_string_equal(out, want);
	assert_int_equal(strlen(out), TSTAMP_LEN);
}

static void expect_refused(const char *in, const char *reason)
{
	char out[TSTAMP_MAX] = "junk";
	struct error err;

	error_clear(&err);
	assert_int_equal(tstamp_canonical(in, strlen(in), out, &err), ERR_DATA);
	assert_int_equal(err.code, ERR_DATA);
	assert_string_equal(out, "");
	if (!strstr(err.msg, reason))
		print_error("<%s>: message <%s> lacks <%s>\n", in, err.msg, reason);
	assert_non_null(strstr(err.msg, reason));
}

static void accepts_rfc3339_with_z_and_offsets(void **state)
{
	(void)state;
	expect_canon("2025-08-12T12:45:00Z", "2025-08-12T12:45:00.000000Z");
	expect_canon("2025-08-12t12:45:00z", "2025-08-12T12:45:00.000000Z");
	expect_canon("2025-08-12T14:45:00+02:00", "2025-08-12T12:45:00.000000Z");
	expect_canon("2025-08-12T07:15:00-05:30", "2025-08-12T12:45:00.000000Z");
	expect_canon("2025-08-12T12:45:00+00:00", "2025-08-12T12:45:00.000000Z");
	expect_canon("2025-08-12T12:45:00-00:00", "2025-08-12T12:45:00.000000Z");
}

static void reads_a_time_without_offset_as_utc(void **state)
{
	(void)state;
	expect_canon("2025-08-12 12:45:00", "2025-08-12T12:45:00.000000Z");
	expect_canon("2025-08-12T12:45:00.123456", "2025-08-12T12:45:00.123456Z");
	expect_canon("2025-08-12 12:45:00.5", "2025-08-12T12:45:00.500000Z");
}

static void keeps_microseconds_and_truncates_extra_digits(void **state)
{
	(void)state;
	expect_canon("2025-08-12T12:45:00.1234567Z", "2025-08-12T12:45:00.123456Z");
	expect_canon("2025-12-31T23:59:59.9999999Z", "2025-12-31T23:59:59.999999Z");
	expect_canon("2025-08-12T12:45:00.000000000001+01:00", "2025-08-12T11:45:00.000000Z");
	expect_canon("2025-08-12T12:45:00.0Z", "2025-08-12T12:45:00.000000Z");
}

static void applies_offsets_across_day_month_and_year(void **state)
{
	(void)state;
	expect_canon("2025-12-31T23:30:00-01:00", "2026-01-01T00:30:00.000000Z");
	expect_canon("2026-01-01T00:30:00+01:00", "2025-12-31T23:30:00.000000Z");
	expect_canon("2024-03-01T00:00:00+00:01", "2024-02-29T23:59:00.000000Z");
	expect_canon("2023-03-01T00:00:00+23:59", "2023-02-28T00:01:00.000000Z");
	expect_canon("2024-02-28T23:00:00-01:00", "2024-02-29T00:00:00.000000Z");
	expect_canon("0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000000Z");
	expect_canon("9999-12-31T23:59:59.999999Z", "9999-12-31T23:59:59.999999Z");
	expect_canon("1969-12-31T23:59:59-00:01", "1970-01-01T00:00:59.000000Z");
}

static void output_sorts_in_time_order(void **state)
{
	char a[TSTAMP_MAX], b[TSTAMP_MAX];
	struct error err;

	(void)state;
	/* 10:00+02:00 is 08:00Z, before 09:00Z, though "10" > "09" as text */
	assert_int_equal(tstamp_canonical("2025-01-01T10:00:00+02:00", 25, a, &err), 0);
	assert_int_equal(tstamp_canonical("2025-01-01 09:00:00", 19, b, &err), 0);
	assert_true(strcmp(a, b) < 0);
}

static void accepts_leap_days_only_in_leap_years(void **state)
{
	(void)state;
	expect_canon("2024-02-29 00:00:00", "2024-02-29T00:00:00.000000Z");
	expect_canon("2000-02-29 00:00:00", "2000-02-29T00:00:00.000000Z");
	expect_refused("2023-02-29 00:00:00", "February 29 does not exist in 2023 (not a leap year)");
	expect_refused("1900-02-29 00:00:00", "February 29 does not exist in 1900");
	expect_refused("2024-02-30 00:00:00", "February 30 does not exist");
	expect_refused("2025-04-31 00:00:00", "April 31 does not exist");
}

static void refuses_out_of_range_fields(void **state)
{
	(void)state;
	expect_refused("2025-13-01 00:00:00", "month 13 out of range (got '2025-13-01 00:00:00')");
	expect_refused("2025-00-01 00:00:00", "month 00 out of range");
	expect_refused("2025-01-00 00:00:00", "day 00 out of range");
	expect_refused("2025-01-32 00:00:00", "day 32 out of range");
	expect_refused("2025-01-01 24:00:00", "hour 24 out of range");
	expect_refused("2025-01-01 23:60:00", "minute 60 out of range");
	expect_refused("2025-01-01 23:59:61", "second 61 out of range");
	expect_refused("2016-12-31T23:59:60Z", "leap second :60 is not supported");
	expect_refused("0000-01-01 00:00:00", "year 0000 out of range (0001-9999)");
	expect_refused("2025-01-01T00:00:00+24:00", "offset hour 24 out of range");
	expect_refused("2025-01-01T00:00:00+01:60", "offset minute 60 out of range");
	expect_refused("0001-01-01T00:00:00+00:01", "out of range after conversion to UTC");
	expect_refused("9999-12-31T23:59:59-00:01", "out of range after conversion to UTC");
}

static void refuses_a_date_without_a_time(void **state)
{
	(void)state;
	expect_refused("2025-08-12", "date without a time");
}

static void refuses_other_shapes_with_a_reason(void **state)
{
	char out[TSTAMP_MAX];
	struct error err;

	(void)state;
	expect_refused("", "not a timestamp: expected 'YYYY-MM-DD HH:MM:SS' or RFC 3339");
	expect_refused("hello", "not a timestamp");
	expect_refused("2025-8-12 12:45:00", "not a timestamp");
	expect_refused("2025/08/12 12:45:00", "not a timestamp");
	expect_refused("25-08-12 12:45:00", "not a timestamp");
	expect_refused("2025-08-12  12:45:00", "not a timestamp");
	expect_refused("2025-08-12_12:45:00", "not a timestamp");
	expect_refused("2025-08-12T1:45:00", "not a timestamp");
	expect_refused("2025-08-12T12:45", "seconds missing");
	expect_refused("2025-08-12T12:45Z", "seconds missing");
	expect_refused("2025-08-12T12:45:00.", "digit expected after '.'");
	expect_refused("2025-08-12T12:45:00.Z", "digit expected after '.'");
	expect_refused("2025-08-12T12:45:00+0100", "offset must be Z or +HH:MM / -HH:MM");
	expect_refused("2025-08-12T12:45:00+01", "offset must be Z");
	expect_refused("2025-08-12T12:45:00 +01:00", "unexpected text after the timestamp");
	expect_refused("2025-08-12T12:45:00Z ", "unexpected text after the timestamp");
	expect_refused(" 2025-08-12T12:45:00Z", "not a timestamp");
	expect_refused("2025-08-12T12:45:00ZZ", "unexpected text");
	expect_refused("2025-08-12T12:45:00,5Z", "unexpected text");
	/* the value is quoted, sanitised and shortened */
	expect_refused("2025-08-12\n12:45:00", "(got '2025-08-12?12:45:00')");
	expect_refused("2025-08-12T12:45:00Z and a very long tail of text",
		       "(got '2025-08-12T12:45:00Z and a very long tai...')");
	/* only len bytes are read */
	assert_int_equal(tstamp_canonical("2025-08-12 12:45:00 trailing", 19, out, &err), 0);
	assert_string_equal(out, "2025-08-12T12:45:00.000000Z");
	assert_int_equal(tstamp_canonical("2025-08-12 12:45:00", 18, out, &err), ERR_DATA);
	expect_refused("2025-08-12 12:45:0\0", "not a timestamp");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepts_rfc3339_with_z_and_offsets),
		cmocka_unit_test(reads_a_time_without_offset_as_utc),
		cmocka_unit_test(keeps_microseconds_and_truncates_extra_digits),
		cmocka_unit_test(applies_offsets_across_day_month_and_year),
		cmocka_unit_test(output_sorts_in_time_order),
		cmocka_unit_test(accepts_leap_days_only_in_leap_years),
		cmocka_unit_test(refuses_out_of_range_fields),
		cmocka_unit_test(refuses_a_date_without_a_time),
		cmocka_unit_test(refuses_other_shapes_with_a_reason),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
