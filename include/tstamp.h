/*
 * tstamp.h - the one RFC 3339 parser, and the canonical, sortable UTC form
 * that wsmigrate stores timestamps in.
 *
 * A value declared as a timestamp is stored as the text
 *     YYYY-MM-DDTHH:MM:SS.ffffffZ        (27 characters, always UTC)
 * so that sorting the text sorts by time, in SQLite as in PostgreSQL.
 *
 * Calling sequence: tstamp_parse() reads a date, a time or both into a
 * struct tstamp, with flags choosing which relaxations of RFC 3339 are
 * allowed; tstamp_to_us() and tstamp_from_us() convert to and from an
 * instant; tstamp_format() prints the canonical text.  tstamp_canonical()
 * is the three in one, with the policy of a stored timestamp:
 *   - RFC 3339: YYYY-MM-DDTHH:MM:SS[.frac](Z|z|+HH:MM|-HH:MM); the date/time
 *     separator may be 'T', 't' or one space.
 *   - The same without an offset (YYYY-MM-DD HH:MM:SS, or Python's
 *     isoformat() YYYY-MM-DDTHH:MM:SS.ffffff): the time is read as UTC.
 *   - Any number of fraction digits; microseconds are kept and further
 *     digits are truncated (not rounded), so .9999999 stays in its second.
 *   - Years 0001-9999, before and after applying the offset.
 *   - Ranges are strict: month 1-12, day within the month (leap years
 *     per the Gregorian calendar), hour 0-23, minute 0-59, second 0-59
 *     (a leap second :60 is refused), offset hours 0-23, minutes 0-59.
 *   - Refused: a date alone (a timestamp needs a time), a time without
 *     seconds, offsets other than Z or ±HH:MM (e.g. +0100 or +01), and any
 *     surrounding whitespace or trailing text.
 *
 * Ownership: pure functions, nothing allocated, nothing kept.
 */
#ifndef WSM_TSTAMP_H
#define WSM_TSTAMP_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Size of the output buffer; the canonical text is 27 bytes plus NUL. */
#define TSTAMP_MAX 32
#define TSTAMP_LEN 27

/*
 * What tstamp_parse() reads.  Without relaxations it is RFC 3339 section
 * 5.6 as JSON Schema's "date", "time" and "date-time" formats read it:
 * separator 'T' or 't', offset Z, z or ±HH:MM required, any number of
 * fraction digits, year 0001-9999, no leap second.
 */
enum tstamp_flags {
	TSTAMP_DATE = 1 << 0,          /* a full-date: YYYY-MM-DD */
	TSTAMP_TIME = 1 << 1,          /* a full-time: HH:MM:SS[.frac]offset */
	TSTAMP_DATE_TIME = TSTAMP_DATE | TSTAMP_TIME,   /* date 'T' time */
	/* relaxations */
	TSTAMP_SPACE = 1 << 2,         /* ' ' may separate date and time */
	TSTAMP_NO_OFFSET = 1 << 3,     /* the offset may be absent: UTC */
	TSTAMP_SHORT_OFFSET = 1 << 4,  /* ±HH too, as PostgreSQL prints +00 */
	TSTAMP_LEAP_SECOND = 1 << 5,   /* :60 when the UTC time is 23:59 */
	TSTAMP_YEAR_ZERO = 1 << 6,     /* year 0000 (RFC 3339 allows it) */
	/*
	 * restriction: exactly YYYY-MM-DDTHH:MM:SS.ffffffZ, the 27 characters
	 * tstamp_canonical writes; implies TSTAMP_DATE_TIME and overrides
	 * TSTAMP_SPACE, TSTAMP_NO_OFFSET and TSTAMP_SHORT_OFFSET
	 */
	TSTAMP_STORED = 1 << 7,

	/* the presets */
	TSTAMP_RFC3339 = TSTAMP_DATE_TIME | TSTAMP_LEAP_SECOND | TSTAMP_YEAR_ZERO,
	TSTAMP_POLICY = TSTAMP_DATE_TIME | TSTAMP_SPACE | TSTAMP_NO_OFFSET
};

/* The fields as written (not yet moved to UTC). */
struct tstamp {
	int year, month, day;          /* 0 when only a time was read */
	int hour, min, sec;            /* sec is 60 only for a leap second */
	long usec;                     /* fraction, truncated to microseconds */
	int nfrac;                     /* fraction digits written (0 if none) */
	int offset_min;                /* minutes east of UTC */
	int has_offset;                /* 0: none was written (read as UTC) */
};

/*
 * Parse s[0..len) (need not be NUL-terminated) as `flags` say (at least one
 * of TSTAMP_DATE and TSTAMP_TIME).  Returns 0 with *t filled, or ERR_DATA
 * with the reason in `err` ("month 13 out of range (got '...')"); `err`
 * may be NULL when the reason is not wanted (then nothing is formatted).
 * Checks every range, the days of the month, and the leap-second rule.
 */
int tstamp_parse(const char *s, size_t len, unsigned flags, struct tstamp *t,
		 struct error *err);

/*
 * The instant *t names, offset applied, in microseconds since
 * 2000-01-01T00:00:00Z (PostgreSQL's binary timestamptz); a leap second
 * counts as the first second of the next minute.  For a time without a
 * date, the date is 2000-01-01.
 */
int64_t tstamp_to_us(const struct tstamp *t);

/* The UTC fields of an instant in microseconds since 2000-01-01T00:00:00Z. */
void tstamp_from_us(int64_t us, struct tstamp *t);

/*
 * Print the fields of *t (year, month, day, hour, min, sec, usec; the
 * offset is ignored: call on UTC fields) as YYYY-MM-DDTHH:MM:SS.ffffffZ,
 * NUL-terminated.  A year outside 0001-9999 prints with more digits or a
 * '-' sign.  Returns the length: TSTAMP_LEN for years 0001-9999.
 */
size_t tstamp_format(const struct tstamp *t, char out[TSTAMP_MAX]);

/*
 * Parse s[0..len) with the TSTAMP_POLICY above and write the canonical UTC
 * instant, NUL-terminated, into `out`.  Returns 0, or ERR_DATA with a
 * reason in `err` (for example "month 13 out of range (got '2025-13-01
 * 00:00:00')"); `out` is then the empty string.
 */
int tstamp_canonical(const char *s, size_t len, char out[TSTAMP_MAX],
		     struct error *err);

#endif
