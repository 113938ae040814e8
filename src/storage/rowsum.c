/*
 * storage/rowsum.c - promote's checksum of a table, computed the same way
 * from both databases (definition in promote.h): the canonical text of
 * each value, each row's sha256, and their sum modulo 2^256.  It reads no
 * database; promote.c hands it the values.
 */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "jsoncanon.h"
#include "tstamp.h"

/*
 * A row's text goes into sha256 as it is made: short pieces are gathered
 * in `row`, long values go to the digest straight from where they are, so
 * a row of any size costs no copy of its values.  One digest context per
 * run, fetched once (OpenSSL 3 would otherwise look the algorithm up again
 * for every row).
 */
struct rowsum {
	unsigned char acc[32];   /* running sum of row digests, big-endian */
	struct strbuf row;       /* the current row's text not yet digested */
	struct strbuf cval;      /* one canonical value */
	struct jsoncanon cx;
	int bad;                 /* a digest call or an allocation failed */
	EVP_MD_CTX *ctx;
	EVP_MD *fetched;         /* NULL before OpenSSL 3 */
	const EVP_MD *md;
};

/* Values longer than this are digested where they lie. */
#define ROW_DIRECT 4096

struct rowsum *rowsum_new(void)
{
	struct rowsum *rs = calloc(1, sizeof(*rs));

	if (!rs)
		return NULL;
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
	rs->fetched = EVP_MD_fetch(NULL, "SHA256", NULL);
	rs->md = rs->fetched;
#else
	rs->md = EVP_sha256();
#endif
	rs->ctx = EVP_MD_CTX_new();
	if (!rs->md || !rs->ctx) {
		rowsum_free(rs);
		return NULL;
	}
	return rs;
}

void rowsum_free(struct rowsum *rs)
{
	if (!rs)
		return;
	EVP_MD_CTX_free(rs->ctx);
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
	EVP_MD_free(rs->fetched);
#endif
	strbuf_release(&rs->row);
	strbuf_release(&rs->cval);
	jsoncanon_release(&rs->cx);
	free(rs);
}

static void row_flush(struct rowsum *rs)
{
	if (rs->row.failed ||
	    (rs->row.len && !EVP_DigestUpdate(rs->ctx, rs->row.buf, rs->row.len)))
		rs->bad = 1;
	strbuf_reset(&rs->row);
}

void rowsum_begin(struct rowsum *rs)
{
	strbuf_reset(&rs->row);
	if (!EVP_DigestInit_ex(rs->ctx, rs->md, NULL))
		rs->bad = 1;
}

void rowsum_null(struct rowsum *rs, const char *prefix, size_t plen)
{
	strbuf_add(&rs->row, prefix, plen);
	strbuf_add(&rs->row, "N;", 2);
}

/* Decimal of v into b (at least 21 bytes); returns the length. */
static size_t fmt_i64(char *b, long long v)
{
	char t[24];
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	size_t n = 0, k = 0;

	do {
		t[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		b[k++] = '-';
	while (n)
		b[k++] = t[--n];
	return k;
}

void rowsum_value(struct rowsum *rs, const char *prefix, size_t plen,
		  const char *v, size_t n)
{
	size_t here = n > ROW_DIRECT ? 0 : n;   /* bytes of v that go into row */
	char *o;

	/* every row of a table passes here once per column: one reservation */
	if (strbuf_grow(&rs->row, plen + 22 + here))
		return;   /* row.failed: rowsum_end fails */
	o = rs->row.buf + rs->row.len;
	memcpy(o, prefix, plen);
	o += plen;
	o += fmt_i64(o, (long long)n);
	*o++ = ':';
	memcpy(o, v, here);
	o += here;
	rs->row.len = (size_t)(o - rs->row.buf);
	if (n > ROW_DIRECT) {
		row_flush(rs);
		if (!EVP_DigestUpdate(rs->ctx, v, n))
			rs->bad = 1;
	}
	strbuf_addch(&rs->row, ';');
}

void rowsum_int(struct rowsum *rs, const char *prefix, size_t plen, int64_t v)
{
	char b[24];

	rowsum_value(rs, prefix, plen, b, fmt_i64(b, (long long)v));
}

/* "%.17g", or NaN, Infinity, -Infinity as PostgreSQL spells them. */
static void canon_double(double d, struct strbuf *out)
{
	if (isnan(d))
		strbuf_add(out, "NaN", 3);
	else if (isinf(d))
		strbuf_addstr(out, d > 0 ? "Infinity" : "-Infinity");
	else
		strbuf_addf(out, "%.17g", d);
}

void rowsum_double(struct rowsum *rs, const char *prefix, size_t plen, double d)
{
	strbuf_reset(&rs->cval);
	canon_double(d, &rs->cval);
	rowsum_value(rs, prefix, plen, rs->cval.buf, rs->cval.len);
}

/* The canonical text of an instant, or "infinity" / "-infinity". */
static void canon_us(int64_t us, struct strbuf *out)
{
	struct tstamp t;
	char b[TSTAMP_MAX];

	if (us == INT64_MAX || us == INT64_MIN) {
		strbuf_addstr(out, us > 0 ? "infinity" : "-infinity");
		return;
	}
	tstamp_from_us(us, &t);
	strbuf_add(out, b, tstamp_format(&t, b));
}

void rowsum_tstz(struct rowsum *rs, const char *prefix, size_t plen, int64_t us)
{
	strbuf_reset(&rs->cval);
	canon_us(us, &rs->cval);
	rowsum_value(rs, prefix, plen, rs->cval.buf, rs->cval.len);
}

/*
 * A timestamp given as text, as PostgreSQL reads it into timestamptz in a
 * UTC session (' ' or 'T', any offset, +00 included, none meaning UTC), in
 * the canonical form; anything else as it is.
 */
static void canon_ts(const char *s, size_t n, struct strbuf *out)
{
	struct tstamp t;

	if (tstamp_parse(s, n, TSTAMP_DATE_TIME | TSTAMP_SPACE | TSTAMP_NO_OFFSET |
			 TSTAMP_SHORT_OFFSET, &t, NULL) == 0)
		canon_us(tstamp_to_us(&t), out);
	else
		strbuf_add(out, s, n);
}

/* Append the canonical form of s[0..n), PostgreSQL input text of type t. */
static void canon_text(struct rowsum *rs, enum col_type t, const char *s, size_t n,
		       struct strbuf *out)
{
	char b[64], *tmp;

	switch (t) {
	case COL_REAL:
		/* strtod wants a terminated string; reals are short */
		if (n < sizeof(b)) {
			memcpy(b, s, n);
			b[n] = '\0';
			canon_double(strtod(b, NULL), out);
		} else if ((tmp = malloc(n + 1))) {
			memcpy(tmp, s, n);
			tmp[n] = '\0';
			canon_double(strtod(tmp, NULL), out);
			free(tmp);
		} else {
			out->failed = 1;
		}
		return;
	case COL_TIMESTAMP:
		canon_ts(s, n, out);
		return;
	case COL_BOOLEAN:
		strbuf_addch(out, (n && (s[0] == 't' || s[0] == '1' || s[0] == 'T')) ? 't' : 'f');
		return;
	case COL_JSON:
		/* not JSON: the text itself, marked, so that it equals no JSON */
		if (jsoncanon_append(&rs->cx, s, n, out) && !out->failed) {
			strbuf_addch(out, '!');
			strbuf_add(out, s, n);
		}
		return;
	case COL_INTEGER:
	case COL_TEXT:
		strbuf_add(out, s, n);
		return;
	}
}

void rowsum_text(struct rowsum *rs, const char *prefix, size_t plen,
		 enum col_type t, const char *s, size_t n)
{
	if (t == COL_TEXT || t == COL_INTEGER) {
		rowsum_value(rs, prefix, plen, s, n);
		return;
	}
	strbuf_reset(&rs->cval);
	canon_text(rs, t, s, n, &rs->cval);
	if (rs->cval.failed)
		rs->bad = 1;
	else
		rowsum_value(rs, prefix, plen, rs->cval.buf, rs->cval.len);
}

int rowsum_end(struct rowsum *rs)
{
	unsigned char md[32];
	unsigned int mdlen = 0, carry = 0;
	int i;

	row_flush(rs);
	if (rs->bad || !EVP_DigestFinal_ex(rs->ctx, md, &mdlen) || mdlen != 32)
		return -1;
	for (i = 31; i >= 0; i--) {
		unsigned sum = rs->acc[i] + md[i] + carry;

		rs->acc[i] = (unsigned char)sum;
		carry = sum >> 8;
	}
	return 0;
}

void rowsum_finish(struct rowsum *rs, char out[65])
{
	if (out)
		util_hex_encode(rs->acc, sizeof(rs->acc), out);
	memset(rs->acc, 0, sizeof(rs->acc));
	rs->bad = 0;
}

void rowsum_trim(struct rowsum *rs, size_t bytes)
{
	strbuf_trim_cap(&rs->row, bytes);
	strbuf_trim_cap(&rs->cval, bytes);
	jsoncanon_trim(&rs->cx, bytes);
}
