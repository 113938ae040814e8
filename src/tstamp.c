/*
 * tstamp.c - the one RFC 3339 parser (dates, times, date-times, with the
 * relaxations the caller asks for) and the fixed-width UTC text wsmigrate
 * stores.  It knows nothing of time zones by name and never consults the
 * local time zone.
 */
#include "tstamp.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define SHOW_MAX 40
#define US_PER_DAY 86400000000LL
/* days from 1970-01-01 to 2000-01-01, the epoch of tstamp_to_us */
#define Y2K_DAYS 10957

/* Fail with `reason`, quoting (a sanitised, shortened copy of) the input. */
static int bad(const char *s, size_t len, struct error *err,
	       const char *reason, ...)
	__attribute__((format(printf, 4, 5)));

static int bad(const char *s, size_t len, struct error *err,
	       const char *reason, ...)
{
	char why[256], shown[SHOW_MAX + 4];
	size_t k, n = len < SHOW_MAX ? len : SHOW_MAX;
	va_list ap;

	if (!err)
		return ERR_DATA;
	for (k = 0; k < n; k++) {
		unsigned char c = (unsigned char)s[k];

		shown[k] = (c < 0x20 || c == 0x7F) ? '?' : (char)c;
	}
	if (n < len) {
		memcpy(shown + n, "...", 3);
		n += 3;
	}
	shown[n] = '\0';
	va_start(ap, reason);
	vsnprintf(why, sizeof(why), reason, ap);
	va_end(ap);
	return error_set(err, ERR_DATA, "%s (got '%s')", why, shown);
}

/* The shape a refusal names, from what the flags accept. */
static const char *shape(unsigned flags)
{
	if (flags & TSTAMP_STORED)
		return "'YYYY-MM-DDTHH:MM:SS.ffffffZ'";
	if (!(flags & TSTAMP_DATE))
		return "RFC 3339 'HH:MM:SS[.frac]' and an offset";
	if (!(flags & TSTAMP_TIME))
		return "RFC 3339 'YYYY-MM-DD'";
	if (flags & TSTAMP_SPACE)
		return "'YYYY-MM-DD HH:MM:SS' or RFC 3339";
	return "RFC 3339 'YYYY-MM-DDTHH:MM:SS[.frac]' and an offset";
}

/* Read exactly `n` digits at s[*i]; -1 if they are not all there. */
static long digits(const char *s, size_t len, size_t *i, int n)
{
	long v = 0;
	int k;

	if (len - *i < (size_t)n)
		return -1;
	for (k = 0; k < n; k++) {
		char c = s[*i + (size_t)k];

		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	*i += (size_t)n;
	return v;
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static const char *const month_names[12] = {
	"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"
};

/* YYYY-MM-DD at s[*i]; 0, or -1 when the shape is wrong. */
static int scan_date(const char *s, size_t len, size_t *i, struct tstamp *t)
{
	if ((t->year = (int)digits(s, len, i, 4)) < 0 || *i >= len ||
	    s[(*i)++] != '-' || (t->month = (int)digits(s, len, i, 2)) < 0 ||
	    *i >= len || s[(*i)++] != '-' ||
	    (t->day = (int)digits(s, len, i, 2)) < 0)
		return -1;
	return 0;
}

/* The offset at s[*i], if any, into t; 0, or the refusal. */
static int scan_offset(const char *s, size_t len, size_t *i, unsigned flags,
		       struct tstamp *t, struct error *err)
{
	int sign;
	long oh, om = 0;

	if (*i < len && (s[*i] == 'Z' || s[*i] == 'z') &&
	    (!(flags & TSTAMP_STORED) || s[*i] == 'Z')) {
		(*i)++;
		t->has_offset = 1;
		return 0;
	}
	if (flags & TSTAMP_STORED)
		return bad(s, len, err, "not the stored form: expected %s",
			   shape(flags));
	if (*i >= len || (s[*i] != '+' && s[*i] != '-')) {
		if (flags & TSTAMP_NO_OFFSET)
			return 0;   /* the caller refuses what follows */
		return bad(s, len, err, "offset missing: expected Z or "
			   "+HH:MM / -HH:MM");
	}
	sign = s[(*i)++] == '-' ? -1 : 1;
	if ((oh = digits(s, len, i, 2)) < 0)
		return bad(s, len, err, "offset must be Z or +HH:MM / -HH:MM");
	if (!(flags & TSTAMP_SHORT_OFFSET) || (*i < len && s[*i] == ':')) {
		if (*i >= len || s[(*i)++] != ':' ||
		    (om = digits(s, len, i, 2)) < 0)
			return bad(s, len, err, "offset must be Z or "
				   "+HH:MM / -HH:MM");
	}
	if (oh > 23)
		return bad(s, len, err, "offset hour %02ld out of range", oh);
	if (om > 59)
		return bad(s, len, err, "offset minute %02ld out of range", om);
	t->offset_min = sign * (int)(oh * 60 + om);
	t->has_offset = 1;
	return 0;
}

/* HH:MM:SS[.frac][offset] at s[*i]; 0, or the refusal. */
static int scan_time(const char *s, size_t len, size_t *i, unsigned flags,
		     struct tstamp *t, struct error *err)
{
	if ((t->hour = (int)digits(s, len, i, 2)) < 0 || *i >= len ||
	    s[(*i)++] != ':' || (t->min = (int)digits(s, len, i, 2)) < 0)
		return bad(s, len, err, "not a %s: expected %s",
			   flags & TSTAMP_DATE ? "timestamp" : "time",
			   shape(flags));
	if (*i >= len || s[*i] != ':')
		return bad(s, len, err, "seconds missing: expected %s",
			   shape(flags));
	(*i)++;
	if ((t->sec = (int)digits(s, len, i, 2)) < 0)
		return bad(s, len, err, "not a %s: expected %s",
			   flags & TSTAMP_DATE ? "timestamp" : "time",
			   shape(flags));
	if (*i < len && s[*i] == '.') {
		static const long scale[7] = { 1000000, 100000, 10000, 1000, 100, 10, 1 };

		for ((*i)++; *i < len && s[*i] >= '0' && s[*i] <= '9'; (*i)++)
			if (t->nfrac++ < 6)   /* microseconds: truncate, do not round */
				t->usec = t->usec * 10 + (s[*i] - '0');
		if (!t->nfrac)
			return bad(s, len, err, "digit expected after '.'");
		t->usec *= scale[t->nfrac < 6 ? t->nfrac : 6];
	}
	if ((flags & TSTAMP_STORED) && t->nfrac != 6)
		return bad(s, len, err, "not the stored form: expected %s",
			   shape(flags));
	return scan_offset(s, len, i, flags, t, err);
}

/* The range checks, in the order a reader expects the first problem. */
static int check_ranges(const char *s, size_t len, unsigned flags,
			const struct tstamp *t, struct error *err)
{
	if (flags & TSTAMP_DATE) {
		if (t->year < 1 && !(flags & TSTAMP_YEAR_ZERO))
			return bad(s, len, err, "year 0000 out of range "
				   "(0001-9999)");
		if (t->month < 1 || t->month > 12)
			return bad(s, len, err, "month %02d out of range",
				   t->month);
		if (t->day < 1 || t->day > 31)
			return bad(s, len, err, "day %02d out of range", t->day);
		if (t->day > days_in_month(t->year, t->month)) {
			if (t->month == 2 && t->day == 29)
				return bad(s, len, err, "February 29 does not "
					   "exist in %04d (not a leap year)",
					   t->year);
			return bad(s, len, err, "%s %d does not exist",
				   month_names[t->month - 1], t->day);
		}
	}
	if (!(flags & TSTAMP_TIME))
		return 0;
	if (t->hour > 23)
		return bad(s, len, err, "hour %02d out of range", t->hour);
	if (t->min > 59)
		return bad(s, len, err, "minute %02d out of range", t->min);
	if (t->sec == 60) {
		int utc = ((t->hour * 60 + t->min - t->offset_min) % 1440 +
			   1440) % 1440;

		if (!(flags & TSTAMP_LEAP_SECOND))
			return bad(s, len, err, "leap second :60 is not "
				   "supported");
		if (utc != 23 * 60 + 59)
			return bad(s, len, err, "leap second :60 is only "
				   "possible at 23:59 UTC");
	}
	if (t->sec > 60)
		return bad(s, len, err, "second %02d out of range", t->sec);
	return 0;
}

int tstamp_parse(const char *s, size_t len, unsigned flags, struct tstamp *t,
		 struct error *err)
{
	size_t i = 0;
	int rc;

	memset(t, 0, sizeof(*t));
	if (flags & TSTAMP_STORED)
		flags = (flags & ~(unsigned)(TSTAMP_SPACE | TSTAMP_NO_OFFSET |
					     TSTAMP_SHORT_OFFSET)) |
			TSTAMP_DATE_TIME;
	if (flags & TSTAMP_DATE) {
		if (scan_date(s, len, &i, t))
			return bad(s, len, err, "not a %s: expected %s",
				   flags & TSTAMP_TIME ? "timestamp" : "date",
				   shape(flags));
		if (flags & TSTAMP_TIME) {
			char sep;

			if (i == len)
				return bad(s, len, err, "date without a time: "
					   "a timestamp needs one (%s)",
					   flags & TSTAMP_SPACE ?
					   "'YYYY-MM-DD HH:MM:SS'" : shape(flags));
			sep = s[i++];
			if (sep != 'T' && (sep != 't' || (flags & TSTAMP_STORED)) &&
			    (sep != ' ' || !(flags & TSTAMP_SPACE)))
				return bad(s, len, err, "not a timestamp: "
					   "expected %s", shape(flags));
		}
	}
	if ((flags & TSTAMP_TIME) && (rc = scan_time(s, len, &i, flags, t, err)))
		return rc;
	if (i != len)
		return bad(s, len, err, "unexpected text after the %s",
			   !(flags & TSTAMP_TIME) ? "date" :
			   !(flags & TSTAMP_DATE) ? "time" : "timestamp");
	return check_ranges(s, len, flags, t, err);
}

int64_t tstamp_to_us(const struct tstamp *t)
{
	int64_t days = 0, secs;

	if (t->month)
		days = days_from_civil(t->year, t->month, t->day) - Y2K_DAYS;
	secs = ((days * 24 + t->hour) * 60 + t->min) * 60 + t->sec -
	       (int64_t)t->offset_min * 60;
	return secs * 1000000 + t->usec;
}

void tstamp_from_us(int64_t us, struct tstamp *t)
{
	int64_t days = us / US_PER_DAY, rem = us % US_PER_DAY, sec;

	if (rem < 0) {
		rem += US_PER_DAY;
		days--;
	}
	memset(t, 0, sizeof(*t));
	civil_from_days(days + Y2K_DAYS, &t->year, &t->month, &t->day);
	sec = rem / 1000000;
	t->hour = (int)(sec / 3600);
	t->min = (int)(sec / 60 % 60);
	t->sec = (int)(sec % 60);
	t->usec = (long)(rem % 1000000);
	t->nfrac = 6;
	t->has_offset = 1;
}

static char *put(char *o, long v, int width)
{
	int k;

	for (k = width - 1; k >= 0; k--) {
		o[k] = (char)('0' + v % 10);
		v /= 10;
	}
	return o + width;
}

size_t tstamp_format(const struct tstamp *t, char out[TSTAMP_MAX])
{
	char *o = out;

	if (t->year < 1 || t->year > 9999) {
		int n = snprintf(out, TSTAMP_MAX, "%04d", t->year);

		o = out + (n > 0 && n < 12 ? n : 0);
	} else {
		o = put(o, t->year, 4);
	}
	*o++ = '-';
	o = put(o, t->month, 2);
	*o++ = '-';
	o = put(o, t->day, 2);
	*o++ = 'T';
	o = put(o, t->hour, 2);
	*o++ = ':';
	o = put(o, t->min, 2);
	*o++ = ':';
	o = put(o, t->sec, 2);
	*o++ = '.';
	o = put(o, t->usec, 6);
	*o++ = 'Z';
	*o = '\0';
	return (size_t)(o - out);
}

int tstamp_canonical(const char *s, size_t len, char out[TSTAMP_MAX],
		     struct error *err)
{
	struct tstamp t;
	int rc;

	out[0] = '\0';
	if ((rc = tstamp_parse(s, len, TSTAMP_POLICY, &t, err)))
		return rc;
	if (t.offset_min) {
		/* the fields as written are UTC already unless an offset moves them */
		tstamp_from_us(tstamp_to_us(&t), &t);
		if (t.year < 1 || t.year > 9999)
			return bad(s, len, err, "out of range after conversion "
				   "to UTC (years 0001-9999)");
	}
	tstamp_format(&t, out);
	return 0;
}
