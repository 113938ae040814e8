/*
 * tstamp.c - parse RFC 3339 and "YYYY-MM-DD HH:MM:SS" timestamps strictly
 * and print them as fixed-width UTC text.  It knows nothing of time zones
 * by name and never consults the local time zone.
 */
#include "tstamp.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define SHOW_MAX 40
#define GENERIC "not a timestamp: expected 'YYYY-MM-DD HH:MM:SS' or RFC 3339"

struct tparts {
	int year, month, day, hour, min, sec;
	long usec;
	int offset_min;    /* east of UTC */
};

/* Fail with `reason`, quoting (a sanitised, shortened copy of) the input. */
static int bad(const char *s, size_t len, char *out, struct error *err,
	       const char *reason, ...)
	__attribute__((format(printf, 5, 6)));

static int bad(const char *s, size_t len, char *out, struct error *err,
	       const char *reason, ...)
{
	char why[256], shown[SHOW_MAX + 4];
	size_t k, n = len < SHOW_MAX ? len : SHOW_MAX;
	va_list ap;

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
	out[0] = '\0';
	return error_set(err, ERR_DATA, "%s (got '%s')", why, shown);
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

static char *put(char *o, long v, int width)
{
	int k;

	for (k = width - 1; k >= 0; k--) {
		o[k] = (char)('0' + v % 10);
		v /= 10;
	}
	return o + width;
}

static const char *const month_names[12] = {
	"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"
};

int tstamp_canonical(const char *s, size_t len, char out[TSTAMP_MAX],
		     struct error *err)
{
	struct tparts t = { 0, 0, 0, 0, 0, 0, 0, 0 };
	size_t i = 0;
	int64_t days, secs;
	long v;
	int nfrac = 0;
	char *o;

	out[0] = '\0';
	if ((t.year = (int)digits(s, len, &i, 4)) < 0 || i >= len ||
	    s[i++] != '-' || (t.month = (int)digits(s, len, &i, 2)) < 0 ||
	    i >= len || s[i++] != '-' ||
	    (t.day = (int)digits(s, len, &i, 2)) < 0)
		return bad(s, len, out, err, GENERIC);
	if (i == len)
		return bad(s, len, out, err, "date without a time: a timestamp "
			   "needs one ('YYYY-MM-DD HH:MM:SS')");
	if (s[i] != 'T' && s[i] != 't' && s[i] != ' ')
		return bad(s, len, out, err, GENERIC);
	i++;
	if ((t.hour = (int)digits(s, len, &i, 2)) < 0 || i >= len ||
	    s[i++] != ':' || (t.min = (int)digits(s, len, &i, 2)) < 0)
		return bad(s, len, out, err, GENERIC);
	if (i >= len || s[i] != ':')
		return bad(s, len, out, err, "seconds missing: expected "
			   "'YYYY-MM-DD HH:MM:SS' or RFC 3339");
	i++;
	if ((t.sec = (int)digits(s, len, &i, 2)) < 0)
		return bad(s, len, out, err, GENERIC);
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			if (nfrac < 6)
				t.usec = t.usec * 10 + (s[i] - '0');
			nfrac++;
			i++;
		}
		if (!nfrac)
			return bad(s, len, out, err, "digit expected after '.'");
		for (; nfrac < 6; nfrac++)
			t.usec *= 10;
	}
	if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
		i++;
	} else if (i < len && (s[i] == '+' || s[i] == '-')) {
		int sign = s[i] == '-' ? -1 : 1;
		long oh, om;

		i++;
		if ((oh = digits(s, len, &i, 2)) < 0 || i >= len ||
		    s[i++] != ':' || (om = digits(s, len, &i, 2)) < 0)
			return bad(s, len, out, err, "offset must be Z or "
				   "+HH:MM / -HH:MM");
		if (oh > 23)
			return bad(s, len, out, err, "offset hour %02ld out of "
				   "range", oh);
		if (om > 59)
			return bad(s, len, out, err, "offset minute %02ld out "
				   "of range", om);
		t.offset_min = sign * (int)(oh * 60 + om);
	}
	if (i != len)
		return bad(s, len, out, err, "unexpected text after the "
			   "timestamp");

	if (t.year < 1)
		return bad(s, len, out, err, "year 0000 out of range "
			   "(0001-9999)");
	if (t.month < 1 || t.month > 12)
		return bad(s, len, out, err, "month %02d out of range", t.month);
	if (t.day < 1 || t.day > 31)
		return bad(s, len, out, err, "day %02d out of range", t.day);
	if (t.day > days_in_month(t.year, t.month)) {
		if (t.month == 2 && t.day == 29)
			return bad(s, len, out, err, "February 29 does not "
				   "exist in %04d (not a leap year)", t.year);
		return bad(s, len, out, err, "%s %d does not exist",
			   month_names[t.month - 1], t.day);
	}
	if (t.hour > 23)
		return bad(s, len, out, err, "hour %02d out of range", t.hour);
	if (t.min > 59)
		return bad(s, len, out, err, "minute %02d out of range", t.min);
	if (t.sec == 60)
		return bad(s, len, out, err, "leap second :60 is not supported");
	if (t.sec > 59)
		return bad(s, len, out, err, "second %02d out of range", t.sec);

	secs = days_from_civil(t.year, t.month, t.day) * 86400 +
	       t.hour * 3600 + t.min * 60 + t.sec - (int64_t)t.offset_min * 60;
	days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
	secs -= days * 86400;
	civil_from_days(days, &t.year, &t.month, &t.day);
	if (t.year < 1 || t.year > 9999)
		return bad(s, len, out, err, "out of range after conversion to "
			   "UTC (years 0001-9999)");
	v = (long)secs;
	o = out;
	o = put(o, t.year, 4);
	*o++ = '-';
	o = put(o, t.month, 2);
	*o++ = '-';
	o = put(o, t.day, 2);
	*o++ = 'T';
	o = put(o, v / 3600, 2);
	*o++ = ':';
	o = put(o, v / 60 % 60, 2);
	*o++ = ':';
	o = put(o, v % 60, 2);
	*o++ = '.';
	o = put(o, t.usec, 6);
	*o++ = 'Z';
	*o = '\0';
	return 0;
}
