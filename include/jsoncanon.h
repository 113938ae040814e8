/*
 * jsoncanon.h - a canonical text of a JSON value, equal for two texts
 * exactly when PostgreSQL's jsonb holds them as the same value.
 *
 * jsonb keeps the value of a document but not its bytes: not the
 * whitespace, the key order, the spelling of strings and numbers, nor the
 * earlier of two equal keys.  The canonical text drops the same things:
 *   - no whitespace;
 *   - object keys sorted bytewise (by their decoded bytes), and of equal
 *     keys only the last one, as jsonb keeps it;
 *   - strings decoded, then escaped again with only \", \\ and \u00xx for
 *     bytes below 0x20 (other bytes as they are);
 *   - numbers as exact normalised decimals, [-]DIGITSeEXP without leading
 *     or trailing zeros, or "0" ("1.50" = "1.5" = "15e-1" -> "15e-1").
 * Promote compares a source and its copy with it (storage/promote.c).
 *
 * Calling sequence:
 *     struct jsoncanon c = JSONCANON_INIT;      -- scratch, reused
 *     jsoncanon_append(&c, text, len, &out)      -- any number of times
 *     jsoncanon_trim(&c, bytes)                  -- now and then, optional
 *     jsoncanon_release(&c)                      -- always
 *
 * Ownership: the text is borrowed; the output goes into the caller's
 * strbuf; struct jsoncanon owns only its scratch.  One pass, nothing
 * allocated per value once the scratch has grown.
 */
#ifndef WSM_JSONCANON_H
#define WSM_JSONCANON_H

#include <stddef.h>

#include "util.h"

/* An object member being written (offsets into the output). */
struct jsoncanon_member {
	size_t koff, klen;     /* key, escaped as canonical, without quotes */
	size_t voff, vlen;     /* canonical value */
	int kesc;              /* the key's text holds an escape */
};

/* Scratch of the canonicaliser; its fields are private. */
struct jsoncanon {
	struct jsoncanon_member *m;   /* stack of the open objects' members */
	size_t n, alloc;
	size_t *ix, *ix_tmp;          /* sort scratch */
	size_t ix_alloc, tmp_alloc;
	struct strbuf aside;          /* an object's text while it is re-sorted */
	struct strbuf ka, kb;         /* decoded keys, to compare escaped ones */
	const char *base;             /* the text the members' offsets refer to */
};
#define JSONCANON_INIT { NULL, 0, 0, NULL, NULL, 0, 0, STRBUF_INIT, STRBUF_INIT, \
			 STRBUF_INIT, NULL }

/*
 * Append the canonical text of the one JSON value in s[0..n) (whitespace
 * around it allowed; nesting up to 2000 deep) to out.  Returns 0, or -1
 * when s is not one JSON value or memory ran out: out->failed tells which,
 * and out is as it was otherwise.
 */
int jsoncanon_append(struct jsoncanon *c, const char *s, size_t n,
		     struct strbuf *out);

/*
 * Give back scratch buffers that grew past `bytes` (after a very large
 * value), so that peak memory is one large value's worth, not a sum.
 */
void jsoncanon_trim(struct jsoncanon *c, size_t bytes);

/* Free the scratch and leave c as JSONCANON_INIT.  Accepts a zeroed c. */
void jsoncanon_release(struct jsoncanon *c);

#endif
