/*
 * tstamp.h - normalise timestamps to one canonical, sortable UTC form.
 *
 * A value declared as a timestamp is stored as the text
 *     YYYY-MM-DDTHH:MM:SS.ffffffZ        (27 characters, always UTC)
 * so that sorting the text sorts by time, in SQLite as in PostgreSQL.
 *
 * Accepted input (policies; the README repeats them):
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

#include "error.h"

/* Size of the output buffer; the canonical text is 27 bytes plus NUL. */
#define TSTAMP_MAX 32
#define TSTAMP_LEN 27

/*
 * Parse s[0..len) (need not be NUL-terminated) and write the canonical UTC
 * instant, NUL-terminated, into `out`.  Returns 0, or ERR_DATA with a
 * reason in `err` (for example "month 13 out of range (got '2025-13-01
 * 00:00:00')"); `out` is then the empty string.
 */
int tstamp_canonical(const char *s, size_t len, char out[TSTAMP_MAX],
		     struct error *err);

#endif
