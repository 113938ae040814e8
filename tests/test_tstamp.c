/*
 * test_tstamp.c - timestamp normalisation: accepted forms, the canonical
 * UTC output, and every refusal with its reason; then the parser's flags,
 * instants and the formatter on their own.
 */
#include <setjmp.h>
#include <stdio.h>
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

/* ------------------------------------------------------------ tstamp_parse */

struct pcase {
	const char *in;
	unsigned flags;
	int ok;
};

#define SP (TSTAMP_DATE_TIME | TSTAMP_SPACE | TSTAMP_SHORT_OFFSET)
#define TL (TSTAMP_TIME | TSTAMP_LEAP_SECOND)

static void expect_parses(const struct pcase *c, size_t n)
{
	struct tstamp t;
	size_t k;

	for (k = 0; k < n; k++) {
		int rc = tstamp_parse(c[k].in, strlen(c[k].in), c[k].flags, &t, NULL);

		if ((rc == 0) != c[k].ok)
			print_error("<%s> flags %#x: want %s\n", c[k].in, c[k].flags,
				    c[k].ok ? "accepted" : "refused");
		assert_int_equal(rc == 0, c[k].ok);
	}
}

static void parse_refuses(const char *in, unsigned flags, const char *reason)
{
	struct tstamp t;
	struct error err;

	error_clear(&err);
	assert_int_equal(tstamp_parse(in, strlen(in), flags, &t, &err), ERR_DATA);
	if (!strstr(err.msg, reason))
		print_error("<%s>: message <%s> lacks <%s>\n", in, err.msg, reason);
	assert_non_null(strstr(err.msg, reason));
}

/* The fields of what `in` parses to, as one line to compare. */
static const char *fields(const char *in, unsigned flags, char *buf, size_t size)
{
	struct tstamp t;

	assert_int_equal(tstamp_parse(in, strlen(in), flags, &t, NULL), 0);
	snprintf(buf, size, "%04d-%02d-%02d %02d:%02d:%02d.%06ld nfrac=%d offset=%d/%d",
		 t.year, t.month, t.day, t.hour, t.min, t.sec, t.usec, t.nfrac,
		 t.offset_min, t.has_offset);
	return buf;
}

static void parse_gives_the_fields_as_written(void **state)
{
	char b[128];

	(void)state;
	assert_string_equal(fields("2025-08-12T14:45:09.1234567+02:30", TSTAMP_RFC3339, b, sizeof(b)),
			    "2025-08-12 14:45:09.123456 nfrac=7 offset=150/1");
	assert_string_equal(fields("2025-08-12 14:45:09", TSTAMP_POLICY, b, sizeof(b)),
			    "2025-08-12 14:45:09.000000 nfrac=0 offset=0/0");
	assert_string_equal(fields("23:59:59.5-01:00", TSTAMP_TIME, b, sizeof(b)),
			    "0000-00-00 23:59:59.500000 nfrac=1 offset=-60/1");
	assert_string_equal(fields("2025-08-12 12:45:00.5+00", SP, b, sizeof(b)),
			    "2025-08-12 12:45:00.500000 nfrac=1 offset=0/1");
	assert_string_equal(fields("2025-08-12 12:45:00-03", SP, b, sizeof(b)),
			    "2025-08-12 12:45:00.000000 nfrac=0 offset=-180/1");
	assert_string_equal(fields("2025-08-12 12:45:00+05:30", SP, b, sizeof(b)),
			    "2025-08-12 12:45:00.000000 nfrac=0 offset=330/1");
}

static void rfc3339_needs_t_and_an_offset(void **state)
{
	static const struct pcase c[] = {
		{ "2025-08-12T12:45:00Z", TSTAMP_RFC3339, 1 },
		{ "2025-08-12t12:45:00z", TSTAMP_RFC3339, 1 },
		{ "2025-08-12T12:45:00.5-05:30", TSTAMP_RFC3339, 1 },
		{ "2025-08-12 12:45:00Z", TSTAMP_RFC3339, 0 },
		{ "2025-08-12 12:45:00Z", TSTAMP_RFC3339 | TSTAMP_SPACE, 1 },
		/* short offsets only as PostgreSQL prints them */
		{ "2025-08-12T12:45:00+0530", SP, 0 },
		{ "2025-08-12T12:45:00+1", SP, 0 },
		{ "2025-08-12T12:45:00+24", SP, 0 },
	};

	(void)state;
	expect_parses(c, sizeof(c) / sizeof(c[0]));
	parse_refuses("2025-08-12T12:45:00", TSTAMP_RFC3339, "offset missing");
	parse_refuses("2025-08-12T12:45:00+01", TSTAMP_RFC3339, "offset must be Z");
	parse_refuses("2025-08-12T12:45:00+0100", TSTAMP_RFC3339, "offset must be Z");
	parse_refuses("2025-08-12 12:45:00Z", TSTAMP_RFC3339,
		      "not a timestamp: expected RFC 3339");
}

static void leap_second_only_at_2359_utc_and_only_when_asked(void **state)
{
	static const struct pcase c[] = {
		{ "1998-12-31T23:59:60Z", TSTAMP_RFC3339, 1 },
		{ "1998-12-31T15:59:60.123-08:00", TSTAMP_RFC3339, 1 },
		{ "1999-01-01T00:29:60+00:30", TSTAMP_RFC3339, 1 },
		{ "23:59:60Z", TL, 1 },
		{ "01:29:60+01:30", TL, 1 },
	};

	(void)state;
	expect_parses(c, sizeof(c) / sizeof(c[0]));
	parse_refuses("1998-12-31T22:59:60Z", TSTAMP_RFC3339,
		      "leap second :60 is only possible at 23:59 UTC");
	parse_refuses("1998-12-31T23:59:60+01:00", TSTAMP_RFC3339, "only possible");
	parse_refuses("23:59:61Z", TL, "second 61 out of range");
	parse_refuses("1998-12-31T23:59:60Z", TSTAMP_DATE_TIME, "leap second :60 is not supported");
}

static void date_and_time_parse_alone(void **state)
{
	static const struct pcase c[] = {
		{ "2024-02-29", TSTAMP_DATE, 1 },
		{ "2023-02-29", TSTAMP_DATE, 0 },
		{ "2024-02-29T00:00:00Z", TSTAMP_DATE, 0 },
		{ "2024-2-29", TSTAMP_DATE, 0 },
		{ "0000-02-29", TSTAMP_DATE | TSTAMP_YEAR_ZERO, 1 },
		{ "08:30:06.283185Z", TSTAMP_TIME, 1 },
		{ "08:30:06+23:59", TSTAMP_TIME, 1 },
		{ "08:30:06", TSTAMP_TIME, 0 },
		{ "08:30:06", TSTAMP_TIME | TSTAMP_NO_OFFSET, 1 },
		{ "8:30:06Z", TSTAMP_TIME, 0 },
		{ "08:30:06+24:00", TSTAMP_TIME, 0 },
		{ "24:00:00Z", TSTAMP_TIME, 0 },
	};

	(void)state;
	expect_parses(c, sizeof(c) / sizeof(c[0]));
	parse_refuses("0000-01-01", TSTAMP_DATE, "year 0000 out of range");
	parse_refuses("2024-02-29x", TSTAMP_DATE, "unexpected text after the date");
	parse_refuses("08:30", TSTAMP_TIME, "seconds missing");
	parse_refuses("08:30:06Zx", TSTAMP_TIME, "unexpected text after the time");
}

static void stored_form_is_exactly_27_characters(void **state)
{
	static const struct pcase c[] = {
		{ "2025-08-12T12:45:00.000000Z", TSTAMP_STORED, 1 },
		{ "0001-01-01T00:00:00.000000Z", TSTAMP_STORED, 1 },
		{ "2025-08-12T12:45:00Z", TSTAMP_STORED, 0 },
		{ "2025-08-12T12:45:00.00000Z", TSTAMP_STORED, 0 },
		{ "2025-08-12T12:45:00.0000000Z", TSTAMP_STORED, 0 },
		{ "2025-08-12 12:45:00.000000Z", TSTAMP_STORED | TSTAMP_SPACE, 0 },
		{ "2025-08-12t12:45:00.000000Z", TSTAMP_STORED, 0 },
		{ "2025-08-12T12:45:00.000000z", TSTAMP_STORED, 0 },
		{ "2025-08-12T12:45:00.000000", TSTAMP_STORED | TSTAMP_NO_OFFSET, 0 },
		{ "2025-08-12T12:45:00.000000+00", TSTAMP_STORED | TSTAMP_SHORT_OFFSET, 0 },
		{ "2025-08-12T12:45:00.000000+00:00", TSTAMP_STORED, 0 },
		{ "0000-01-01T00:00:00.000000Z", TSTAMP_STORED, 0 },
		{ "2025-02-29T00:00:00.000000Z", TSTAMP_STORED, 0 },
		{ "2025-08-12T12:45:60.000000Z", TSTAMP_STORED, 0 },
	};

	(void)state;
	expect_parses(c, sizeof(c) / sizeof(c[0]));
}

/* ------------------------------------------------------------ instants */

static void instants_count_microseconds_from_2000(void **state)
{
	struct tstamp t;

	(void)state;
	assert_int_equal(tstamp_parse("2000-01-01T00:00:00.000000Z", 27, TSTAMP_STORED, &t, NULL), 0);
	assert_int_equal(tstamp_to_us(&t), 0);
	assert_int_equal(tstamp_parse("1970-01-01T00:00:00Z", 20, TSTAMP_RFC3339, &t, NULL), 0);
	assert_int_equal(tstamp_to_us(&t), -946684800000000LL);
	assert_int_equal(tstamp_parse("2000-01-01T01:00:00.000001+01:00", 32, TSTAMP_RFC3339, &t, NULL), 0);
	assert_int_equal(tstamp_to_us(&t), 1);
	/* a leap second is the first second of the next minute */
	assert_int_equal(tstamp_parse("1999-12-31T23:59:60Z", 20, TSTAMP_RFC3339, &t, NULL), 0);
	assert_int_equal(tstamp_to_us(&t), 0);
	/* a time alone is on 2000-01-01 */
	assert_int_equal(tstamp_parse("00:00:01-00:01", 14, TSTAMP_TIME, &t, NULL), 0);
	assert_int_equal(tstamp_to_us(&t), 61000000);
}

static void format_prints_utc_fields_of_any_instant(void **state)
{
	static const int64_t us[] = { 0, -1, 1, 86399999999LL, -946684800000000LL,
				      252455615999999999LL, -63082281600000000LL };
	static const char *const want[] = {
		"2000-01-01T00:00:00.000000Z", "1999-12-31T23:59:59.999999Z",
		"2000-01-01T00:00:00.000001Z", "2000-01-01T23:59:59.999999Z",
		"1970-01-01T00:00:00.000000Z", "9999-12-31T23:59:59.999999Z",
		"0001-01-01T00:00:00.000000Z",
	};
	char out[TSTAMP_MAX];
	struct tstamp t;
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(us) / sizeof(us[0]); k++) {
		tstamp_from_us(us[k], &t);
		assert_int_equal(tstamp_format(&t, out), TSTAMP_LEN);
		assert_string_equal(out, want[k]);
		/* and back */
		assert_int_equal(tstamp_parse(out, TSTAMP_LEN, TSTAMP_STORED, &t, NULL), 0);
		assert_int_equal(tstamp_to_us(&t), us[k]);
	}
	/* beyond 0001-9999 the year takes more room, as PostgreSQL allows */
	tstamp_from_us(-63082281600000000LL - 86400000000LL, &t);
	assert_int_equal(tstamp_format(&t, out), 27);
	assert_string_equal(out, "0000-12-31T00:00:00.000000Z");
	tstamp_from_us(252455616000000000LL, &t);
	assert_int_equal(tstamp_format(&t, out), 28);
	assert_string_equal(out, "10000-01-01T00:00:00.000000Z");
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
		cmocka_unit_test(parse_gives_the_fields_as_written),
		cmocka_unit_test(rfc3339_needs_t_and_an_offset),
		cmocka_unit_test(leap_second_only_at_2359_utc_and_only_when_asked),
		cmocka_unit_test(date_and_time_parse_alone),
		cmocka_unit_test(stored_form_is_exactly_27_characters),
		cmocka_unit_test(instants_count_microseconds_from_2000),
		cmocka_unit_test(format_prints_utc_fields_of_any_instant),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
