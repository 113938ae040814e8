/*
 * storage/promote.c - copy a wsmigrate SQLite database into PostgreSQL with COPY,
 * in one transaction, and verify each table by count and checksum (see
 * promote.h for the checksum's definition).  The target's tables are made
 * by the PostgreSQL backend (storage_ensure_tables); this module only moves
 * and compares rows, and sets plain indexes aside while a table loads.
 * It never prints.
 */
#include "promote.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage.h"
#include "testhook.h"
#include "util.h"

const char *promote_stage_name(enum promote_stage s)
{
	static const char *const names[PROMOTE_N_STAGES] = {
		[PROMOTE_STAGE_PREPARE] = "prepare",
		[PROMOTE_STAGE_READ] = "read",
		[PROMOTE_STAGE_VERIFY_SOURCE] = "verify_source",
		[PROMOTE_STAGE_COPY] = "copy",
		[PROMOTE_STAGE_INDEX] = "index",
		[PROMOTE_STAGE_VERIFY_TARGET] = "verify_target",
		[PROMOTE_STAGE_COMMIT] = "commit",
	};

	return (unsigned)s < PROMOTE_N_STAGES ? names[s] : "?";
}

#ifdef WSM_NO_PG

int promote_run(const char *from, const char *to,
		const struct promote_opts *opts, struct promote_report *rep,
		struct error *err)
{
	(void)from;
	(void)to;
	(void)opts;
	memset(rep, 0, sizeof(*rep));
	return error_set(err, ERR_USAGE,
			 "this build has no PostgreSQL support (built with WITH_PG=0)");
}

void promote_report_release(struct promote_report *rep)
{
	(void)rep;
}

#else

#include <cjson/cJSON.h>
#include <libpq-fe.h>
#include <openssl/evp.h>
#include <sqlite3.h>

#define TS_FMT "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'"

/* COPY data is handed to libpq in pieces of about this size. */
#define COPY_CHUNK (128 * 1024)

/* How a value is mapped and compared, from the target column's type. */
enum cat { CAT_TEXT, CAT_INT, CAT_REAL, CAT_BOOL, CAT_TS, CAT_JSON };

/*
 * How a column travels in binary COPY, from its PostgreSQL type.  The
 * types the backend creates are encoded and decoded here; anything else
 * goes in by text COPY and is read back as text (::text, or to_char for
 * other timestamps) and canonicalised as such.
 */
enum wire { WIRE_TEXT, WIRE_INT8, WIRE_INT4, WIRE_INT2, WIRE_FLOAT8, WIRE_BOOL,
	    WIRE_TSTZ, WIRE_JSONB, WIRE_TEXT_CAST, WIRE_TS_CHAR };

static enum cat cat_of(const char *pg_type)
{
	if (!strcmp(pg_type, "bigint") || !strcmp(pg_type, "integer") ||
	    !strcmp(pg_type, "smallint"))
		return CAT_INT;
	if (!strcmp(pg_type, "double precision") || !strcmp(pg_type, "real") ||
	    !strcmp(pg_type, "numeric"))
		return CAT_REAL;
	if (!strcmp(pg_type, "boolean"))
		return CAT_BOOL;
	if (!strncmp(pg_type, "timestamp", 9))
		return CAT_TS;
	if (!strcmp(pg_type, "jsonb") || !strcmp(pg_type, "json"))
		return CAT_JSON;
	return CAT_TEXT;
}

static enum wire wire_of(const char *pg_type)
{
	static const struct { const char *type; enum wire w; } native[] = {
		{ "text", WIRE_TEXT }, { "bigint", WIRE_INT8 }, { "integer", WIRE_INT4 },
		{ "smallint", WIRE_INT2 }, { "double precision", WIRE_FLOAT8 },
		{ "boolean", WIRE_BOOL }, { "timestamp with time zone", WIRE_TSTZ },
		{ "jsonb", WIRE_JSONB },
	};
	size_t i;

	for (i = 0; i < sizeof(native) / sizeof(native[0]); i++)
		if (!strcmp(pg_type, native[i].type))
			return native[i].w;
	return cat_of(pg_type) == CAT_TS ? WIRE_TS_CHAR : WIRE_TEXT_CAST;
}

/* ------------------------------------------------------------ output */

/*
 * The canonical forms are written straight into a struct strbuf: room()
 * makes space for n more bytes (then written through the pointer and
 * counted by the caller), so the hot loops do one check per token instead
 * of one call per byte.  Out of memory leaves sb->failed set, which the
 * callers check once per row.
 */
static char *room(struct strbuf *sb, size_t n)
{
	if (sb->cap - sb->len <= n && strbuf_grow(sb, n))
		return NULL;
	return sb->buf + sb->len;
}

static void put(struct strbuf *sb, const void *s, size_t n)
{
	char *p = room(sb, n);

	if (p) {
		memcpy(p, s, n);
		sb->len += n;
	}
}

static void putc1(struct strbuf *sb, char c)
{
	char *p = room(sb, 1);

	if (p) {
		*p = c;
		sb->len++;
	}
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

static void put_i64(struct strbuf *sb, long long v)
{
	char b[24];

	put(sb, b, fmt_i64(b, v));
}

/* ------------------------------------------------------------ canonical JSON */

/*
 * The canonical JSON of promote.h, in one pass: the value is written to
 * `out` as it is parsed.  An object's members are recorded on a stack
 * (offsets into out); only when its keys are not already in strictly
 * increasing bytewise order is the object's text copied aside and
 * written again in sorted order (duplicates: the last one wins, as in
 * jsonb).  Nothing is allocated per value once the buffers have grown.
 */
struct member {
	size_t koff, klen;     /* key in out, escaped as canonical, no quotes */
	size_t voff, vlen;     /* canonical value in out */
	int kesc;              /* the key's text holds an escape */
};

struct canon_ctx {
	struct member *m;      /* stack of the open objects' members */
	size_t n, cap;
	size_t *ix, *ix_tmp;   /* sort scratch */
	size_t ix_cap;
	struct strbuf aside;   /* an object's text while it is re-sorted */
	struct strbuf ka, kb;  /* decoded keys, to compare escaped ones */
	const char *base;      /* the text the members' offsets refer to */
};

static void canon_ctx_release(struct canon_ctx *c)
{
	free(c->m);
	free(c->ix);
	free(c->ix_tmp);
	strbuf_release(&c->aside);
	strbuf_release(&c->ka);
	strbuf_release(&c->kb);
	memset(c, 0, sizeof(*c));
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void skip_ws(const char **p, const char *end)
{
	while (*p < end && is_ws(**p))
		(*p)++;
}

static int hex4(const char *p, const char *end, unsigned *out)
{
	int i, v;

	*out = 0;
	if (end - p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		v = util_hex_digit(p[i]);
		if (v < 0)
			return -1;
		*out = *out * 16 + (unsigned)v;
	}
	return 0;
}

/* A byte below 0x20 as the canonical escape \u00xx. */
static void put_ctl(struct strbuf *sb, unsigned c)
{
	static const char hx[] = "0123456789abcdef";
	char b[6] = { '\\', 'u', '0', '0', hx[(c >> 4) & 0xF], hx[c & 0xF] };

	put(sb, b, 6);
}

/* Code point cp as it appears in a canonical string; returns 1 if escaped. */
static int put_cp(struct strbuf *sb, unsigned cp)
{
	char b[4];
	size_t n;

	if (cp < 0x20) {
		put_ctl(sb, cp);
		return 1;
	}
	if (cp == '"' || cp == '\\') {
		b[0] = '\\';
		b[1] = (char)cp;
		put(sb, b, 2);
		return 1;
	}
	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		b[0] = (char)(0xF0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	put(sb, b, n);
	return 0;
}

/*
 * The end of the run of bytes at q that a JSON string keeps as they are
 * (not '"', '\\' or below 0x20): eight bytes at a time while none is
 * special, then one by one.
 */
static const char *plain_run(const char *q, const char *end)
{
	const uint64_t lo = 0x0101010101010101ULL, hi = 0x8080808080808080ULL;

	while (end - q >= 8) {
		uint64_t x, a, b;

		memcpy(&x, q, 8);
		a = x ^ (lo * '"');
		b = x ^ (lo * '\\');
		if ((((a - lo) & ~a) | ((b - lo) & ~b) | ((x - lo * 0x20) & ~x)) & hi)
			break;
		q += 8;
	}
	while (q < end && (unsigned char)*q >= 0x20 && *q != '"' && *q != '\\')
		q++;
	return q;
}

/*
 * The JSON string at *p (on the opening quote) in canonical form, without
 * the quotes: decoded, then escaped again with only `\"`, `\\` and `\u00xx`
 * for bytes below 0x20.  Other bytes pass as they are.  Returns -1 on bad
 * input, else 1 when an escape was written, 0 when none.
 */
static int cj_string(const char **p, const char *end, struct strbuf *out)
{
	const char *q = *p + 1;
	int esc = 0;

	for (;;) {
		const char *r = q;
		unsigned cp, lo;

		q = plain_run(q, end);
		if (q > r)
			put(out, r, (size_t)(q - r));
		if (q >= end)
			return -1;
		if (*q == '"')
			break;
		esc = 1;
		if ((unsigned char)*q < 0x20) {
			put_ctl(out, (unsigned char)*q++);
			continue;
		}
		if (++q >= end)
			return -1;
		switch (*q) {
		case '"': put(out, "\\\"", 2); break;
		case '\\': put(out, "\\\\", 2); break;
		case '/': putc1(out, '/'); break;
		case 'b': put_ctl(out, '\b'); break;
		case 'f': put_ctl(out, '\f'); break;
		case 'n': put_ctl(out, '\n'); break;
		case 'r': put_ctl(out, '\r'); break;
		case 't': put_ctl(out, '\t'); break;
		case 'u':
			if (hex4(q + 1, end, &cp))
				return -1;
			q += 4;
			if (cp >= 0xD800 && cp <= 0xDBFF && end - q > 6 && q[1] == '\\' &&
			    q[2] == 'u' && !hex4(q + 3, end, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				q += 6;
			}
			put_cp(out, cp);
			break;
		default:
			return -1;
		}
		q++;
	}
	*p = q + 1;
	return esc;
}

/* A JSON number as an exact normalised decimal: [-]DIGITSeEXP or "0". */
static int cj_number(const char **p, const char *end, struct strbuf *out)
{
	const char *q = *p, *i0, *i1, *f0, *f1;
	long long exp, e = 0;
	size_t ni, nd, s, t;
	int neg = 0, eneg = 0;

	if (q < end && *q == '-') {
		neg = 1;
		q++;
	}
	i0 = q;
	while (q < end && *q >= '0' && *q <= '9')
		q++;
	i1 = f0 = f1 = q;
	if (q < end && *q == '.') {
		f0 = ++q;
		while (q < end && *q >= '0' && *q <= '9')
			q++;
		f1 = q;
	}
	if (q < end && (*q == 'e' || *q == 'E')) {
		q++;
		if (q < end && (*q == '+' || *q == '-'))
			eneg = *q++ == '-';
		while (q < end && *q >= '0' && *q <= '9') {
			if (e < 1000000000LL)
				e = e * 10 + (*q - '0');
			q++;
		}
	}
	ni = (size_t)(i1 - i0);
	nd = ni + (size_t)(f1 - f0);
	if (!nd)
		return -1;
	*p = q;
	/* the digits are i0..i1 then f0..f1; s, t: first and last non-zero */
#define DIGIT(k) ((k) < ni ? i0[k] : f0[(k) - ni])
	for (s = 0; s < nd && DIGIT(s) == '0'; s++)
		;
	if (s == nd) {
		putc1(out, '0');
		return 0;
	}
	for (t = nd - 1; DIGIT(t) == '0'; t--)
		;
#undef DIGIT
	exp = (eneg ? -e : e) - (long long)(f1 - f0) + (long long)(nd - 1 - t);
	if (neg)
		putc1(out, '-');
	if (s < ni) {
		put(out, i0 + s, (t < ni ? t + 1 : ni) - s);
		if (t >= ni)
			put(out, f0, t + 1 - ni);
	} else {
		put(out, f0 + (s - ni), t + 1 - s);
	}
	putc1(out, 'e');
	put_i64(out, exp);
	return 0;
}

/* A canonical key's bytes, decoded (\" \\ \u00xx) into sb. */
static void key_decode(const char *k, size_t n, struct strbuf *sb)
{
	size_t i;

	sb->len = 0;
	for (i = 0; i < n; i++) {
		if (k[i] != '\\') {
			putc1(sb, k[i]);
		} else if (k[i + 1] == 'u') {
			putc1(sb, (char)(util_hex_digit(k[i + 4]) << 4 | util_hex_digit(k[i + 5])));
			i += 5;
		} else {
			putc1(sb, k[++i]);
		}
	}
}

/* Bytewise order of two members' decoded keys. */
static int key_cmp(struct canon_ctx *c, const struct member *a, const struct member *b)
{
	const char *x = c->base + a->koff, *y = c->base + b->koff;
	size_t nx = a->klen, ny = b->klen;
	int r;

	if (a->kesc || b->kesc) {
		key_decode(x, nx, &c->ka);
		key_decode(y, ny, &c->kb);
		x = c->ka.buf ? c->ka.buf : "";
		nx = c->ka.len;
		y = c->kb.buf ? c->kb.buf : "";
		ny = c->kb.len;
	}
	r = memcmp(x, y, nx < ny ? nx : ny);
	if (r)
		return r;
	return nx < ny ? -1 : nx > ny;
}

/* Stable merge sort of c->ix[0..n) (indexes into m) by key. */
static void sort_members(struct canon_ctx *c, const struct member *m, size_t n)
{
	size_t w, i, *a = c->ix, *b = c->ix_tmp, *t;

	for (w = 1; w < n; w *= 2) {
		for (i = 0; i < n; i += 2 * w) {
			size_t l = i, mid = i + w < n ? i + w : n, r = mid;
			size_t hi = i + 2 * w < n ? i + 2 * w : n, k = i;

			while (l < mid && r < hi)
				b[k++] = key_cmp(c, &m[a[r]], &m[a[l]]) < 0 ? a[r++] : a[l++];
			while (l < mid)
				b[k++] = a[l++];
			while (r < hi)
				b[k++] = a[r++];
		}
		t = a;
		a = b;
		b = t;
	}
	if (a != c->ix)
		memcpy(c->ix, a, n * sizeof(*a));
}

/*
 * Write the members m[0..n) of the object whose text starts at out[body]
 * again, in key order, the last of equal keys only.  Returns -1 on OOM.
 */
static int resort_object(struct canon_ctx *c, struct strbuf *out, size_t body,
			 const struct member *m, size_t n)
{
	size_t i, first = 1;

	if (n > c->ix_cap) {
		size_t cap = n * 2, *a = realloc(c->ix, cap * sizeof(*a)), *b;

		if (!a)
			return -1;
		c->ix = a;
		b = realloc(c->ix_tmp, cap * sizeof(*b));
		if (!b)
			return -1;
		c->ix_tmp = b;
		c->ix_cap = cap;
	}
	for (i = 0; i < n; i++)
		c->ix[i] = i;
	c->base = out->buf;
	sort_members(c, m, n);
	/* ix_tmp[i]: 1 when the next member has the same key (this one loses) */
	for (i = 0; i < n; i++)
		c->ix_tmp[i] = i + 1 < n && key_cmp(c, &m[c->ix[i]], &m[c->ix[i + 1]]) == 0;
	c->aside.len = 0;
	put(&c->aside, out->buf + body, out->len - body);
	if (c->aside.failed)
		return -1;
	out->len = body;
	for (i = 0; i < n; i++) {
		const struct member *x = &m[c->ix[i]];

		if (c->ix_tmp[i])
			continue;
		if (!first)
			putc1(out, ',');
		first = 0;
		putc1(out, '"');
		put(out, c->aside.buf + (x->koff - body), x->klen);
		put(out, "\":", 2);
		put(out, c->aside.buf + (x->voff - body), x->vlen);
	}
	return 0;
}

static int cj_value(struct canon_ctx *c, const char **p, const char *end,
		    struct strbuf *out, int depth);

static int cj_object(struct canon_ctx *c, const char **p, const char *end,
		     struct strbuf *out, int depth)
{
	size_t base = c->n, body, i;
	int sorted = 1, rc = -1;

	(*p)++;
	skip_ws(p, end);
	if (*p < end && **p == '}') {
		(*p)++;
		put(out, "{}", 2);
		return 0;
	}
	putc1(out, '{');
	body = out->len;
	for (;;) {
		struct member mb;
		int e;

		skip_ws(p, end);
		if (*p >= end || **p != '"')
			goto out;
		if (c->n > base)
			putc1(out, ',');
		putc1(out, '"');
		mb.koff = out->len;
		if ((e = cj_string(p, end, out)) < 0)
			goto out;
		mb.kesc = e;
		mb.klen = out->len - mb.koff;
		put(out, "\":", 2);
		skip_ws(p, end);
		if (*p >= end || **p != ':')
			goto out;
		(*p)++;
		mb.voff = out->len;
		if (cj_value(c, p, end, out, depth + 1))
			goto out;
		mb.vlen = out->len - mb.voff;
		if (c->n == c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 64;
			struct member *nm = realloc(c->m, cap * sizeof(*nm));

			if (!nm)
				goto out;
			c->m = nm;
			c->cap = cap;
		}
		c->m[c->n++] = mb;
		skip_ws(p, end);
		if (*p < end && **p == ',') {
			(*p)++;
			continue;
		}
		if (*p < end && **p == '}') {
			(*p)++;
			break;
		}
		goto out;
	}
	if (out->failed)
		goto out;
	c->base = out->buf;
	for (i = base + 1; i < c->n && sorted; i++)
		sorted = key_cmp(c, &c->m[i - 1], &c->m[i]) < 0;
	if (!sorted && resort_object(c, out, body, c->m + base, c->n - base))
		goto out;
	putc1(out, '}');
	rc = 0;
out:
	c->n = base;
	return rc;
}

static int cj_value(struct canon_ctx *c, const char **p, const char *end,
		    struct strbuf *out, int depth)
{
	if (depth > 2000)
		return -1;
	skip_ws(p, end);
	if (*p >= end)
		return -1;
	switch (**p) {
	case '{':
		return cj_object(c, p, end, out, depth);
	case '[':
		(*p)++;
		putc1(out, '[');
		skip_ws(p, end);
		if (*p < end && **p == ']') {
			(*p)++;
			putc1(out, ']');
			return 0;
		}
		for (;;) {
			if (cj_value(c, p, end, out, depth + 1))
				return -1;
			skip_ws(p, end);
			if (*p < end && **p == ',') {
				(*p)++;
				putc1(out, ',');
				continue;
			}
			if (*p < end && **p == ']') {
				(*p)++;
				putc1(out, ']');
				return 0;
			}
			return -1;
		}
	case '"':
		putc1(out, '"');
		if (cj_string(p, end, out) < 0)
			return -1;
		putc1(out, '"');
		return 0;
	case 't':
		if (end - *p >= 4 && !memcmp(*p, "true", 4)) {
			*p += 4;
			put(out, "true", 4);
			return 0;
		}
		return -1;
	case 'f':
		if (end - *p >= 5 && !memcmp(*p, "false", 5)) {
			*p += 5;
			put(out, "false", 5);
			return 0;
		}
		return -1;
	case 'n':
		if (end - *p >= 4 && !memcmp(*p, "null", 4)) {
			*p += 4;
			put(out, "null", 4);
			return 0;
		}
		return -1;
	default:
		return cj_number(p, end, out);
	}
}

/* ------------------------------------------------------------ canonical values */

/* "YYYY-MM-DD[T ]HH:MM:SS[.f+](Z|+00[:00])" -> "...SS.ffffffZ", else as is. */
static void canon_ts(const char *s, size_t n, struct strbuf *out)
{
	char b[27];
	size_t i = 19, k = 0;

	if (n < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
	    s[13] != ':' || s[16] != ':')
		goto raw;
	memcpy(b, s, 10);
	b[10] = 'T';
	memcpy(b + 11, s + 11, 8);
	b[19] = '.';
	memcpy(b + 20, "000000Z", 7);
	if (s[i] == '.') {
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			if (k < 6)
				b[20 + k++] = s[i];
	}
	if (!(n - i == 1 && s[i] == 'Z') &&
	    !(n - i == 3 && !memcmp(s + i, "+00", 3)) &&
	    !(n - i == 6 && !memcmp(s + i, "+00:00", 6)))
		goto raw;
	put(out, b, sizeof(b));
	return;
raw:
	put(out, s, n);
}

static void canon_double(double d, struct strbuf *out)
{
	char b[40];
	int n;

	if (isnan(d)) {
		put(out, "NaN", 3);
	} else if (isinf(d)) {
		if (d > 0)
			put(out, "Infinity", 8);
		else
			put(out, "-Infinity", 9);
	} else {
		n = snprintf(b, sizeof(b), "%.17g", d);
		put(out, b, (size_t)n);
	}
}

/*
 * Append the canonical form of a value given as PostgreSQL input text.
 * `c` holds the JSON scratch (only CAT_JSON uses it).
 */
static void canon(struct canon_ctx *cx, enum cat c, const char *s, size_t n,
		  struct strbuf *out)
{
	switch (c) {
	case CAT_REAL: {
		char b[64];

		/* strtod wants a terminated string; reals are short */
		if (n >= sizeof(b)) {
			char *t = malloc(n + 1);

			if (!t) {
				out->failed = 1;
				return;
			}
			memcpy(t, s, n);
			t[n] = '\0';
			canon_double(strtod(t, NULL), out);
			free(t);
			return;
		}
		memcpy(b, s, n);
		b[n] = '\0';
		canon_double(strtod(b, NULL), out);
		return;
	}
	case CAT_TS:
		canon_ts(s, n, out);
		return;
	case CAT_BOOL:
		putc1(out, (n && (s[0] == 't' || s[0] == '1' || s[0] == 'T')) ? 't' : 'f');
		return;
	case CAT_JSON: {
		const char *p = s, *end = s + n;
		size_t mark = out->len;

		if (cj_value(cx, &p, end, out, 0) == 0) {
			skip_ws(&p, end);
			if (p == end)
				return;
		}
		if (out->failed)
			return;
		out->len = mark;
		putc1(out, '!');
		put(out, s, n);
		return;
	}
	case CAT_INT:
	case CAT_TEXT:
		put(out, s, n);
		return;
	}
}

/* ------------------------------------------------------------ columns */

struct col {
	char *name;
	char *prefix;          /* "<name>=" as the row text has it */
	size_t plen;
	enum cat cat;
	enum wire wire;
};

struct cols {
	struct col *c;
	size_t n;
};

static void cols_release(struct cols *cs)
{
	size_t i;

	for (i = 0; i < cs->n; i++) {
		free(cs->c[i].name);
		free(cs->c[i].prefix);
	}
	free(cs->c);
	cs->c = NULL;
	cs->n = 0;
}

/* ------------------------------------------------------------ checksums */

/*
 * The running checksum of one table: the sum of its rows' sha256 digests
 * modulo 2^256.  A row's text goes into sha256 as it is made: short pieces
 * are gathered in `row`, long values go to the digest straight from where
 * they are, so a row of any size costs no copy of its values.  One digest
 * context per run, fetched once (OpenSSL 3 would otherwise look the
 * algorithm up again for every row).
 */
struct digests {
	unsigned char acc[32];   /* running sum of row digests, big-endian */
	struct strbuf row;       /* the current row's text not yet digested */
	int bad;                 /* a digest call or an allocation failed */
	EVP_MD_CTX *ctx;
	EVP_MD *fetched;         /* NULL before OpenSSL 3 */
	const EVP_MD *md;
};

/* Values longer than this are digested where they lie. */
#define ROW_DIRECT 4096

static int digests_init(struct digests *ds)
{
	memset(ds, 0, sizeof(*ds));
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
	ds->fetched = EVP_MD_fetch(NULL, "SHA256", NULL);
	ds->md = ds->fetched;
#else
	ds->md = EVP_sha256();
#endif
	ds->ctx = EVP_MD_CTX_new();
	return ds->md && ds->ctx ? 0 : -1;
}

static void digests_release(struct digests *ds)
{
	EVP_MD_CTX_free(ds->ctx);
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
	EVP_MD_free(ds->fetched);
#endif
	strbuf_release(&ds->row);
	memset(ds, 0, sizeof(*ds));
}

static void row_flush(struct digests *ds)
{
	if (ds->row.failed ||
	    (ds->row.len && !EVP_DigestUpdate(ds->ctx, ds->row.buf, ds->row.len)))
		ds->bad = 1;
	ds->row.len = 0;
}

static void row_begin(struct digests *ds)
{
	ds->row.len = 0;
	if (!EVP_DigestInit_ex(ds->ctx, ds->md, NULL))
		ds->bad = 1;
}

/* Append one column to the row's text: "<name>=N;" ... */
static void row_null(struct digests *ds, const struct col *c)
{
	put(&ds->row, c->prefix, c->plen);
	put(&ds->row, "N;", 2);
}

/* ... or "<name>=<len>:<val>;". */
static void row_val(struct digests *ds, const struct col *c, const char *v, size_t n)
{
	char b[24];
	size_t k = fmt_i64(b, (long long)n);

	b[k++] = ':';
	put(&ds->row, c->prefix, c->plen);
	put(&ds->row, b, k);
	if (n > ROW_DIRECT) {
		row_flush(ds);
		if (!EVP_DigestUpdate(ds->ctx, v, n))
			ds->bad = 1;
	} else {
		put(&ds->row, v, n);
	}
	putc1(&ds->row, ';');
}

/* Digest the row and add it to the table's sum; -1 when anything failed. */
static int row_end(struct digests *ds)
{
	unsigned char md[32];
	unsigned int mdlen = 0, carry = 0;
	int i;

	row_flush(ds);
	if (ds->bad || !EVP_DigestFinal_ex(ds->ctx, md, &mdlen) || mdlen != 32)
		return -1;
	for (i = 31; i >= 0; i--) {
		unsigned sum = ds->acc[i] + md[i] + carry;

		ds->acc[i] = (unsigned char)sum;
		carry = sum >> 8;
	}
	return 0;
}

/* The checksum as hex, and the sum cleared for the next table. */
static void digests_finish(struct digests *ds, char out[65])
{
	util_hex_encode(ds->acc, sizeof(ds->acc), out);
	memset(ds->acc, 0, sizeof(ds->acc));
}

/*
 * Append column c's canonical value s[0..n) (PostgreSQL input text) to
 * the row; cval is scratch.
 */
static void row_canon(struct digests *ds, struct canon_ctx *cx, const struct col *c,
		      const char *s, size_t n, struct strbuf *cval)
{
	if (c->cat == CAT_TEXT || c->cat == CAT_INT) {
		row_val(ds, c, s, n);
		return;
	}
	cval->len = 0;
	canon(cx, c->cat, s, n, cval);
	if (cval->failed)
		ds->bad = 1;
	else
		row_val(ds, c, cval->buf, cval->len);
}

/* ------------------------------------------------------------ helpers */

static int pg_err(PGconn *conn, const PGresult *res, struct error *err,
		  const char *what)
{
	const char *m = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	char buf[512];
	size_t n;

	snprintf(buf, sizeof(buf), "%s", m ? m : PQerrorMessage(conn));
	n = strcspn(buf, "\n");
	buf[n] = '\0';
	return error_set(err, ERR_IO, "%s: %s", what, buf);
}

static int pg_ok(PGconn *conn, PGresult *res, struct error *err, const char *what)
{
	ExecStatusType s = PQresultStatus(res);

	if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK)
		return 0;
	pg_err(conn, res, err, what);
	PQclear(res);
	return ERR_IO;
}

/* Run one statement that returns no rows we need. */
static int pg_run(PGconn *conn, const char *sql, struct error *err, const char *what)
{
	PGresult *res = PQexec(conn, sql);

	if (pg_ok(conn, res, err, what))
		return ERR_IO;
	PQclear(res);
	return 0;
}

static int sq_err(sqlite3 *db, struct error *err, const char *what)
{
	return error_set(err, ERR_IO, "%s: %s", what, sqlite3_errmsg(db));
}

static int sqlite_has_table(sqlite3 *db, const char *name)
{
	sqlite3_stmt *q = NULL;
	int found = 0;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
			       -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
		found = sqlite3_step(q) == SQLITE_ROW;
	}
	sqlite3_finalize(q);
	return found;
}

/* ------------------------------------------------------------ table defs */

/* The data tables of the source, from its wsm_tables (all memory owned). */
struct defs {
	struct table_def *d;
	size_t n;
	cJSON **trees;     /* the parsed JSON the strings point into */
	size_t n_trees;
	void **blocks;     /* arrays to free */
	size_t n_blocks;
	char **names;
};

static void defs_release(struct defs *ds)
{
	size_t i;

	for (i = 0; i < ds->n_trees; i++)
		cJSON_Delete(ds->trees[i]);
	for (i = 0; i < ds->n_blocks; i++)
		free(ds->blocks[i]);
	for (i = 0; i < ds->n; i++)
		free(ds->names[i]);
	free(ds->names);
	free(ds->trees);
	free(ds->blocks);
	free(ds->d);
	memset(ds, 0, sizeof(*ds));
}

static void *defs_keep(struct defs *ds, void *block)
{
	void **nb;

	if (!block)
		return NULL;
	nb = realloc(ds->blocks, (ds->n_blocks + 1) * sizeof(*nb));
	if (!nb) {
		free(block);
		return NULL;
	}
	ds->blocks = nb;
	ds->blocks[ds->n_blocks++] = block;
	return block;
}

/* A JSON array of strings as a const char * array (NULL on bad input). */
static const char *const *str_list(struct defs *ds, cJSON *a, size_t *n, int *bad)
{
	const char **l;
	cJSON *it;
	size_t i = 0;

	*n = 0;
	if (!a || !cJSON_IsArray(a)) {
		*bad = 1;
		return NULL;
	}
	l = defs_keep(ds, calloc((size_t)cJSON_GetArraySize(a) + 1, sizeof(*l)));
	if (!l) {
		*bad = 1;
		return NULL;
	}
	cJSON_ArrayForEach(it, a) {
		if (!cJSON_IsString(it)) {
			*bad = 1;
			return NULL;
		}
		l[i++] = it->valuestring;
	}
	*n = i;
	return l;
}

static int read_defs(sqlite3 *db, struct defs *ds, struct error *err)
{
	sqlite3_stmt *q = NULL;
	size_t cap = 0;
	int rc, step;

	if (sqlite3_prepare_v2(db, "SELECT name, is_child, columns, key, indexes FROM wsm_tables"
			       " ORDER BY name", -1, &q, NULL) != SQLITE_OK)
		return sq_err(db, err, "read wsm_tables");
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(q, 0);
		cJSON *cols = cJSON_Parse((const char *)sqlite3_column_text(q, 2));
		cJSON *key = cJSON_Parse((const char *)sqlite3_column_text(q, 3));
		cJSON *idx = cJSON_Parse((const char *)sqlite3_column_text(q, 4));
		struct table_def *d;
		struct column_def *cd;
		cJSON *it;
		size_t i = 0;
		int bad = 0;

		if (ds->n == cap) {
			cap = cap ? cap * 2 : 16;
			ds->d = realloc(ds->d, cap * sizeof(*ds->d));
			ds->names = realloc(ds->names, cap * sizeof(*ds->names));
			ds->trees = realloc(ds->trees, 3 * cap * sizeof(*ds->trees));
			if (!ds->d || !ds->names || !ds->trees) {
				cJSON_Delete(cols);
				cJSON_Delete(key);
				cJSON_Delete(idx);
				rc = error_set(err, ERR_IO, "out of memory");
				goto out;
			}
		}
		ds->trees[ds->n_trees++] = cols;
		ds->trees[ds->n_trees++] = key;
		ds->trees[ds->n_trees++] = idx;
		d = &ds->d[ds->n];
		memset(d, 0, sizeof(*d));
		ds->names[ds->n] = strdup(name ? name : "");
		ds->n++;
		d->name = ds->names[ds->n - 1];
		d->is_child = sqlite3_column_int(q, 1) != 0;
		if (!cols || !cJSON_IsArray(cols)) {
			bad = 1;
		} else {
			cd = defs_keep(ds, calloc((size_t)cJSON_GetArraySize(cols) + 1, sizeof(*cd)));
			if (!cd) {
				rc = error_set(err, ERR_IO, "out of memory");
				goto out;
			}
			cJSON_ArrayForEach(it, cols) {
				cJSON *cn = cJSON_GetObjectItemCaseSensitive(it, "name");
				cJSON *ct = cJSON_GetObjectItemCaseSensitive(it, "type");

				if (!cJSON_IsString(cn) || !cJSON_IsString(ct) ||
				    col_type_parse(ct->valuestring, &cd[i].type)) {
					bad = 1;
					break;
				}
				cd[i++].name = cn->valuestring;
			}
			d->columns = cd;
			d->n_columns = i;
		}
		d->key = str_list(ds, key, &d->n_key, &bad);
		d->indexes = str_list(ds, idx, &d->n_indexes, &bad);
		if (bad) {
			rc = error_set(err, ERR_USAGE, "wsm_tables: the definition of table '%s' is malformed",
				       d->name);
			goto out;
		}
	}
	rc = step == SQLITE_DONE ? 0 : sq_err(db, err, "read wsm_tables");
out:
	sqlite3_finalize(q);
	return rc;
}

/* ------------------------------------------------------------ per-run scratch, source values */

/* Scratch reused by every table of a run, so a run allocates it once. */
struct work {
	struct canon_ctx cx;
	struct digests dg;
	struct strbuf data;    /* COPY data waiting to be sent */
	struct strbuf cval;    /* one canonical value */
	struct strbuf pend;    /* an incomplete binary COPY message */
	double *stages;        /* the report's seconds per stage */
	double mark;           /* when the current stage began */
};

static void work_release(struct work *w)
{
	canon_ctx_release(&w->cx);
	digests_release(&w->dg);
	strbuf_release(&w->data);
	strbuf_release(&w->cval);
	strbuf_release(&w->pend);
}

/*
 * Buffers grow to the largest value seen; after a very large one (a
 * report of several MB), give the memory back rather than keep it for
 * the rest of the run, so peak memory is one large value's worth, not a
 * sum over phases.
 */
#define TRIM_ABOVE (1024 * 1024)

static void trim(struct strbuf *sb)
{
	if (sb->cap > TRIM_ABOVE)
		strbuf_release(sb);
}

static void work_trim(struct work *w)
{
	trim(&w->cval);
	trim(&w->dg.row);
	trim(&w->cx.aside);
	trim(&w->cx.ka);
	trim(&w->cx.kb);
	if (w->cx.cap > TRIM_ABOVE / sizeof(*w->cx.m)) {
		free(w->cx.m);
		w->cx.m = NULL;
		w->cx.cap = 0;
	}
	if (w->cx.ix_cap > TRIM_ABOVE / sizeof(*w->cx.ix)) {
		free(w->cx.ix);
		free(w->cx.ix_tmp);
		w->cx.ix = w->cx.ix_tmp = NULL;
		w->cx.ix_cap = 0;
	}
}

/* Charge the time since the last lap to stage s. */
static void lap(struct work *w, enum promote_stage s)
{
	double now = util_monotonic();

	w->stages[s] += now - w->mark;
	w->mark = now;
}

/* Columns of PostgreSQL table `t` present in the SQLite table too, by name. */
static int common_cols(sqlite3 *db, PGconn *conn, const char *t, struct cols *cs,
		       struct error *err)
{
	const char *params[1] = { t };
	sqlite3_stmt *q = NULL;
	PGresult *res;
	int i, rc = 0;

	memset(cs, 0, sizeof(*cs));
	res = PQexecParams(conn,
			   "SELECT a.attname, format_type(a.atttypid, a.atttypmod)"
			   " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
			   " WHERE c.relname = $1 AND c.relnamespace ="
			   " (SELECT oid FROM pg_namespace WHERE nspname = current_schema())"
			   " AND a.attnum > 0 AND NOT a.attisdropped"
			   " ORDER BY a.attname COLLATE \"C\"",
			   1, NULL, params, NULL, NULL, 0);
	if (pg_ok(conn, res, err, "read the target's columns"))
		return ERR_IO;
	if (sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info(?)", -1, &q, NULL) != SQLITE_OK) {
		PQclear(res);
		return sq_err(db, err, "read the source's columns");
	}
	sqlite3_bind_text(q, 1, t, -1, SQLITE_STATIC);
	while (sqlite3_step(q) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(q, 0);

		for (i = 0; i < PQntuples(res); i++)
			if (!strcmp(PQgetvalue(res, i, 0), name))
				break;
		if (i == PQntuples(res)) {
			rc = error_set(err, ERR_IO,
				       "column '%s' of table '%s' has no counterpart in PostgreSQL",
				       name, t);
			goto out;
		}
	}
	cs->c = calloc((size_t)PQntuples(res) + 1, sizeof(*cs->c));
	if (!cs->c) {
		rc = error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	for (i = 0; i < PQntuples(res); i++) {
		const char *name = PQgetvalue(res, i, 0);
		struct col *c = &cs->c[cs->n];
		int found = 0;

		sqlite3_reset(q);
		while (sqlite3_step(q) == SQLITE_ROW)
			if (!strcmp((const char *)sqlite3_column_text(q, 0), name))
				found = 1;
		if (!found)
			continue;   /* PostgreSQL only, e.g. tenant_id: its default */
		c->name = strdup(name);
		c->plen = strlen(name) + 1;
		c->prefix = malloc(c->plen + 1);
		if (!c->name || !c->prefix) {
			free(c->name);
			free(c->prefix);
			rc = error_set(err, ERR_IO, "out of memory");
			goto out;
		}
		snprintf(c->prefix, c->plen + 1, "%s=", name);
		c->cat = cat_of(PQgetvalue(res, i, 1));
		c->wire = wire_of(PQgetvalue(res, i, 1));
		cs->n++;
	}
out:
	sqlite3_finalize(q);
	PQclear(res);
	return rc;
}

/* One SQLite value as PostgreSQL input text; s points into SQLite or tmp. */
struct sval {
	const char *s;
	size_t n;
	int null;
	int64_t ts;            /* a timestamp's binary form, set by bin_ok */
	char tmp[40];
};

/*
 * The value of column i of an SQLite row as PostgreSQL input text for a
 * target of category c.  Returns -1 when the text holds a NUL byte, which
 * PostgreSQL text cannot store.  v->s stays valid until the next step.
 */
static int sqlite_value(sqlite3_stmt *q, int i, enum cat c, struct sval *v)
{
	int type = sqlite3_column_type(q, i);
	int n;

	v->null = type == SQLITE_NULL;
	v->s = "";
	v->n = 0;
	if (v->null)
		return 0;
	if (c == CAT_BOOL && type == SQLITE_INTEGER) {
		v->s = sqlite3_column_int64(q, i) ? "t" : "f";
		v->n = 1;
		return 0;
	}
	if ((c == CAT_REAL || c == CAT_TEXT || c == CAT_INT) && type == SQLITE_FLOAT) {
		double d = sqlite3_column_double(q, i);

		if (c == CAT_INT && d == floor(d) && fabs(d) < 9.2e18)
			n = snprintf(v->tmp, sizeof(v->tmp), "%lld", (long long)d);
		else if (isinf(d))
			n = snprintf(v->tmp, sizeof(v->tmp), "%s", d > 0 ? "Infinity" : "-Infinity");
		else
			n = snprintf(v->tmp, sizeof(v->tmp), "%.17g", d);
		v->s = v->tmp;
		v->n = (size_t)n;
		return 0;
	}
	v->s = (const char *)sqlite3_column_text(q, i);
	n = sqlite3_column_bytes(q, i);
	if (!v->s) {
		v->s = "";
		n = 0;
	}
	v->n = (size_t)n;
	if (memchr(v->s, '\0', v->n))
		return -1;
	if (n == 0 && c != CAT_TEXT)
		v->null = 1;   /* "" is no timestamp, number or JSON: "unknown" */
	return 0;
}

static int copy_end(PGconn *conn, const char *t, int failed, struct error *err)
{
	PGresult *res;
	char what[200];
	int rc = failed;

	snprintf(what, sizeof(what), "copy into '%s'", t);
	if (PQputCopyEnd(conn, failed ? "promote: client error" : NULL) != 1 && !rc)
		rc = pg_err(conn, NULL, err, what);
	while ((res = PQgetResult(conn)) != NULL) {
		if (!rc && PQresultStatus(res) != PGRES_COMMAND_OK)
			rc = pg_err(conn, res, err, what);
		PQclear(res);
	}
	return rc;
}

/*
 * Append n bytes as a COPY text field: like strbuf_add_copy_field, but
 * one pass with a table, since every byte of the data goes through here.
 */
static void put_copy_field(struct strbuf *sb, const char *s, size_t n)
{
	static const char esc[256] = { ['\\'] = '\\', ['\t'] = 't', ['\n'] = 'n', ['\r'] = 'r' };
	char *o = room(sb, 2 * n), *o0 = o;
	size_t i;

	if (!o)
		return;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		*o++ = (char)c;
		if (esc[c]) {
			o[-1] = '\\';
			*o++ = esc[c];
		}
	}
	sb->len += (size_t)(o - o0);
}


/* ------------------------------------------------------------ binary COPY */

/*
 * Rows go to PostgreSQL in COPY's binary format where that is exact and
 * cheaper for the server (no text to scan, unescape and parse): text and
 * jsonb as their bytes, integers, reals and booleans from SQLite's own
 * values, timestamps in the canonical form SQLite holds them in.  A value
 * that has no such form here (say an integer column holding text) ends
 * the binary COPY before its row, and the table goes on with a text COPY,
 * so PostgreSQL parses it (and accepts or rejects it) just as before.
 */
static int wire_binary(enum wire wr)
{
	return wr == WIRE_TEXT || wr == WIRE_JSONB || wr == WIRE_INT8 ||
	       wr == WIRE_FLOAT8 || wr == WIRE_BOOL || wr == WIRE_TSTZ;
}

static void put_be32(struct strbuf *sb, uint32_t x)
{
	char b[4] = { (char)(x >> 24), (char)(x >> 16), (char)(x >> 8), (char)x };

	put(sb, b, 4);
}

static void put_be64(struct strbuf *sb, uint64_t x)
{
	put_be32(sb, (uint32_t)(x >> 32));
	put_be32(sb, (uint32_t)x);
}

static int two_digits(const char *s, int *v)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	*v = (s[0] - '0') * 10 + (s[1] - '0');
	return 0;
}

/*
 * "YYYY-MM-DDTHH:MM:SS.ffffffZ" (what wsmigrate stores) as microseconds
 * since 2000-01-01 UTC, PostgreSQL's binary timestamptz; -1 for anything
 * else, which then goes as text.
 */
static int tstz_parse(const char *s, size_t n, int64_t *out)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int c1, c2, mo, d, h, mi, se, f1, f2, f3, leap;
	int64_t y, m, era, yoe, doy, doe, days;

	if (n != 27 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':' || s[19] != '.' || s[26] != 'Z' || two_digits(s, &c1) ||
	    two_digits(s + 2, &c2) || two_digits(s + 5, &mo) || two_digits(s + 8, &d) ||
	    two_digits(s + 11, &h) || two_digits(s + 14, &mi) || two_digits(s + 17, &se) ||
	    two_digits(s + 20, &f1) || two_digits(s + 22, &f2) || two_digits(s + 24, &f3))
		return -1;
	y = c1 * 100 + c2;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap) ||
	    h > 23 || mi > 59 || se > 59)
		return -1;
	/* days from civil (H. Hinnant's algorithm), then from 2000-01-01 */
	m = mo;
	y -= m <= 2;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	days = era * 146097 + doe - 719468 - 10957;
	*out = ((days * 24 + h) * 60 + mi) * 60 + se;
	*out = *out * 1000000 + f1 * 10000 + f2 * 100 + f3;
	return 0;
}

/* 1 when value v of column c (SQLite column i) has an exact binary form. */
static int bin_ok(sqlite3_stmt *q, int i, const struct col *c, struct sval *v)
{
	int type;

	if (v->null)
		return 1;
	type = sqlite3_column_type(q, i);
	switch (c->wire) {
	case WIRE_TEXT:
	case WIRE_JSONB:
		return 1;
	case WIRE_INT8:
	case WIRE_BOOL:
		return type == SQLITE_INTEGER;
	case WIRE_FLOAT8:
		return type == SQLITE_INTEGER || type == SQLITE_FLOAT;
	case WIRE_TSTZ:
		return type == SQLITE_TEXT && tstz_parse(v->s, v->n, &v->ts) == 0;
	default:
		return 0;
	}
}

/* ------------------------------------------------------------ the copy */

/* Hand the COPY data gathered so far to libpq. */
static int send_data(PGconn *conn, struct work *w, struct promote_table *pt,
		     struct error *err)
{
	if (!w->data.len)
		return 0;
	if (w->data.failed)
		return error_set(err, ERR_IO, "out of memory");
	pt->bytes += (int64_t)w->data.len;
	if (PQputCopyData(conn, w->data.buf, (int)w->data.len) != 1)
		return pg_err(conn, NULL, err, "copy");
	w->data.len = 0;
	return 0;
}

/* Send s[0..n) as it is, in pieces, after what is gathered. */
static int send_raw(PGconn *conn, struct work *w, const char *s, size_t n,
		    struct promote_table *pt, struct error *err)
{
	size_t off, k;
	int rc;

	if ((rc = send_data(conn, w, pt, err)))
		return rc;
	for (off = 0; off < n; off += k) {
		k = n - off < COPY_CHUNK ? n - off : COPY_CHUNK;
		if (PQputCopyData(conn, s + off, (int)k) != 1)
			return pg_err(conn, NULL, err, "copy");
		pt->bytes += (int64_t)k;
	}
	return 0;
}

/* Start "COPY t (cols) FROM STDIN", in binary when `binary`. */
static int copy_start(PGconn *conn, const char *t, const struct cols *cs,
		      int binary, struct work *w, struct error *err)
{
	struct strbuf cp = STRBUF_INIT;
	PGresult *res;
	size_t i;
	int rc = 0;

	strbuf_addstr(&cp, "COPY ");
	strbuf_add_ident(&cp, t);
	strbuf_addstr(&cp, " (");
	for (i = 0; i < cs->n; i++) {
		if (i)
			strbuf_addstr(&cp, ", ");
		strbuf_add_ident(&cp, cs->c[i].name);
	}
	strbuf_addstr(&cp, binary ? ") FROM STDIN (FORMAT binary)" : ") FROM STDIN");
	if (cp.failed) {
		strbuf_release(&cp);
		return error_set(err, ERR_IO, "out of memory");
	}
	res = PQexec(conn, cp.buf);
	if (PQresultStatus(res) != PGRES_COPY_IN)
		rc = pg_err(conn, res, err, "copy");
	PQclear(res);
	strbuf_release(&cp);
	w->data.len = 0;
	if (!rc && binary)
		put(&w->data, "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0", 19);
	return rc;
}

/* One row as binary COPY fields; every value passed bin_ok. */
static int put_bin_row(PGconn *conn, sqlite3_stmt *q, const struct cols *cs,
		       const struct sval *v, struct work *w,
		       struct promote_table *pt, struct error *err)
{
	uint64_t u;
	size_t i;
	double d;
	int rc;

	put(&w->data, (char[]){ (char)(cs->n >> 8), (char)cs->n }, 2);
	for (i = 0; i < cs->n; i++) {
		if (v[i].null) {
			put_be32(&w->data, 0xFFFFFFFFu);
			continue;
		}
		switch (cs->c[i].wire) {
		case WIRE_JSONB:
		case WIRE_TEXT:
			put_be32(&w->data, (uint32_t)(v[i].n + (cs->c[i].wire == WIRE_JSONB)));
			if (cs->c[i].wire == WIRE_JSONB)
				putc1(&w->data, 1);   /* jsonb's binary format version */
			if (v[i].n <= COPY_CHUNK)
				put(&w->data, v[i].s, v[i].n);
			else if ((rc = send_raw(conn, w, v[i].s, v[i].n, pt, err)))
				return rc;
			break;
		case WIRE_INT8:
			put_be32(&w->data, 8);
			put_be64(&w->data, (uint64_t)sqlite3_column_int64(q, (int)i));
			break;
		case WIRE_BOOL:
			put_be32(&w->data, 1);
			putc1(&w->data, sqlite3_column_int64(q, (int)i) != 0);
			break;
		case WIRE_FLOAT8:
			d = sqlite3_column_type(q, (int)i) == SQLITE_INTEGER ?
			    (double)sqlite3_column_int64(q, (int)i) : sqlite3_column_double(q, (int)i);
			memcpy(&u, &d, sizeof(u));
			put_be32(&w->data, 8);
			put_be64(&w->data, u);
			break;
		case WIRE_TSTZ:
			put_be32(&w->data, 8);
			put_be64(&w->data, (uint64_t)v[i].ts);
			break;
		default:
			return error_set(err, ERR_IO, "internal error: no binary form for column '%s'",
					 cs->c[i].name);
		}
	}
	return 0;
}

/* One row as COPY text. */
static int put_text_row(PGconn *conn, const struct cols *cs, const struct sval *v,
			struct work *w, struct promote_table *pt, struct error *err)
{
	size_t i, off;
	int rc;

	for (i = 0; i < cs->n; i++) {
		if (i)
			putc1(&w->data, '\t');
		if (v[i].null) {
			put(&w->data, "\\N", 2);
			continue;
		}
		/* a large value goes out in pieces: libpq's buffer stays small */
		for (off = 0; v[i].n - off > COPY_CHUNK; off += COPY_CHUNK) {
			put_copy_field(&w->data, v[i].s + off, COPY_CHUNK);
			if ((rc = send_data(conn, w, pt, err)))
				return rc;
		}
		put_copy_field(&w->data, v[i].s + off, v[i].n - off);
	}
	putc1(&w->data, '\n');
	return 0;
}

/*
 * Copy table t from SQLite into PostgreSQL, one scan: each row becomes
 * COPY data and, from the same values, its canonical text for the source
 * checksum.  The time goes to the read, verify_source and copy stages.
 */
static int copy_table(sqlite3 *db, PGconn *conn, const char *t,
		      const struct cols *cs, struct work *w,
		      struct promote_table *pt, struct error *err)
{
	struct strbuf sel = STRBUF_INIT;
	struct sval *v = NULL;
	sqlite3_stmt *q = NULL;
	size_t i;
	int step, rc = 0, copying = 0, binary = 1, ok;

	strbuf_addstr(&sel, "SELECT ");
	for (i = 0; i < cs->n; i++) {
		if (i)
			strbuf_addstr(&sel, ", ");
		strbuf_add_ident(&sel, cs->c[i].name);
		binary &= wire_binary(cs->c[i].wire);
	}
	strbuf_addstr(&sel, " FROM ");
	strbuf_add_ident(&sel, t);
	v = calloc(cs->n + 1, sizeof(*v));
	if (sel.failed || !v) {
		rc = error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	if (sqlite3_prepare_v2(db, sel.buf, -1, &q, NULL) != SQLITE_OK) {
		rc = sq_err(db, err, "read the source");
		goto out;
	}
	if ((rc = copy_start(conn, t, cs, binary, w, err)))
		goto out;
	copying = 1;
	lap(w, PROMOTE_STAGE_COPY);
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		ok = 1;
		for (i = 0; i < cs->n; i++) {
			if (sqlite_value(q, (int)i, cs->c[i].cat, &v[i])) {
				rc = error_set(err, ERR_IO,
					       "table '%s', column '%s': a value holds a NUL byte",
					       t, cs->c[i].name);
				goto out;
			}
			if (binary && ok)
				ok = bin_ok(q, (int)i, &cs->c[i], &v[i]);
		}
		if (binary && !ok) {
			/* end the binary COPY here; the rest of the table goes as text */
			put(&w->data, "\377\377", 2);
			copying = 0;
			if ((rc = send_data(conn, w, pt, err)) || (rc = copy_end(conn, t, 0, err)) ||
			    (rc = copy_start(conn, t, cs, 0, w, err)))
				goto out;
			copying = 1;
			binary = 0;
		}
		rc = binary ? put_bin_row(conn, q, cs, v, w, pt, err) :
			      put_text_row(conn, cs, v, w, pt, err);
		if (rc)
			goto out;
		lap(w, PROMOTE_STAGE_READ);
		row_begin(&w->dg);
		for (i = 0; i < cs->n; i++) {
			if (v[i].null)
				row_null(&w->dg, &cs->c[i]);
			else
				row_canon(&w->dg, &w->cx, &cs->c[i], v[i].s, v[i].n, &w->cval);
		}
		if (w->data.failed || row_end(&w->dg)) {
			rc = error_set(err, ERR_IO, "out of memory");
			goto out;
		}
		work_trim(w);
		pt->rows++;
		lap(w, PROMOTE_STAGE_VERIFY_SOURCE);
		if (w->data.len >= COPY_CHUNK) {
			if ((rc = send_data(conn, w, pt, err)))
				goto out;
			lap(w, PROMOTE_STAGE_COPY);
		}
	}
	lap(w, PROMOTE_STAGE_READ);
	if (step != SQLITE_DONE) {
		rc = sq_err(db, err, "read the source");
		goto out;
	}
	if (binary)
		put(&w->data, "\377\377", 2);
	rc = send_data(conn, w, pt, err);
out:
	if (copying)
		rc = copy_end(conn, t, rc, err);
	if (!rc)
		digests_finish(&w->dg, pt->source_sum);
	else
		memset(w->dg.acc, 0, sizeof(w->dg.acc));
	lap(w, PROMOTE_STAGE_COPY);
	sqlite3_finalize(q);
	free(v);
	strbuf_release(&sel);
	return rc;
}

#ifdef WSM_TEST_HOOKS
/*
 * Test hook (testhook.h): "promote-alter:TABLE" changes one value of one
 * copied row of TABLE before verification, as a fault in transit would, so
 * a test can prove that the checksum catches it.
 */
static int fault_alter(PGconn *conn, const char *t, struct error *err)
{
	const char *f = TESTHOOK_ARG("promote-alter");
	struct strbuf sql = STRBUF_INIT;
	int rc;

	if (!f || strcmp(f, t) != 0)
		return 0;
	strbuf_addstr(&sql, "UPDATE ");
	strbuf_add_ident(&sql, t);
	strbuf_addstr(&sql, " SET \"_sha256\" = 'altered' WHERE ctid = (SELECT ctid FROM ");
	strbuf_add_ident(&sql, t);
	strbuf_addstr(&sql, " LIMIT 1)");
	rc = pg_run(conn, sql.buf, err, "fault injection");
	strbuf_release(&sql);
	return rc;
}
#else
#define fault_alter(conn, t, err) 0
#endif

/* ------------------------------------------------------------ verification */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const unsigned char *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/*
 * A timestamptz (microseconds since 2000-01-01 UTC) as to_char(... AT TIME
 * ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') writes it.
 */
static void put_tstz(struct strbuf *out, int64_t us)
{
	const int64_t day = 86400000000LL;
	int64_t days, rem, z, era, doe, yoe, doy, mp, y, m, d, sec;
	char b[48];
	int n;

	if (us == INT64_MAX || us == INT64_MIN) {
		put(out, us > 0 ? "infinity" : "-infinity", us > 0 ? 8 : 9);
		return;
	}
	days = us / day;
	rem = us % day;
	if (rem < 0) {
		rem += day;
		days--;
	}
	/* civil date of a day count (H. Hinnant's algorithm), from 1970-01-01 */
	z = days + 10957 + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y = yoe + era * 400 + (m <= 2);
	sec = rem / 1000000;
	n = snprintf(b, sizeof(b), "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%06lldZ",
		     (long long)y, (long long)m, (long long)d, (long long)(sec / 3600),
		     (long long)(sec / 60 % 60), (long long)(sec % 60),
		     (long long)(rem % 1000000));
	put(out, b, (size_t)n);
}

/* Append column c's canonical value from its binary COPY field p[0..n). */
static int field_canon(struct work *w, const struct col *c, const unsigned char *p,
		       size_t n)
{
	const char *s = (const char *)p;
	char b[24];
	uint64_t u;
	double d;

	switch (c->wire) {
	case WIRE_TEXT:
	case WIRE_TEXT_CAST:
	case WIRE_TS_CHAR:
		row_canon(&w->dg, &w->cx, c, s, n, &w->cval);
		return 0;
	case WIRE_JSONB:
		if (n < 1 || p[0] != 1)
			return -1;
		row_canon(&w->dg, &w->cx, c, s + 1, n - 1, &w->cval);
		return 0;
	case WIRE_INT8:
		if (n != 8)
			return -1;
		row_val(&w->dg, c, b, fmt_i64(b, (long long)(int64_t)be64(p)));
		return 0;
	case WIRE_INT4:
		if (n != 4)
			return -1;
		row_val(&w->dg, c, b, fmt_i64(b, (long long)(int32_t)be32(p)));
		return 0;
	case WIRE_INT2:
		if (n != 2)
			return -1;
		row_val(&w->dg, c, b, fmt_i64(b, (long long)(int16_t)(p[0] << 8 | p[1])));
		return 0;
	case WIRE_BOOL:
		if (n != 1)
			return -1;
		row_val(&w->dg, c, p[0] ? "t" : "f", 1);
		return 0;
	case WIRE_FLOAT8:
		if (n != 8)
			return -1;
		u = be64(p);
		memcpy(&d, &u, sizeof(d));
		w->cval.len = 0;
		canon_double(d, &w->cval);
		row_val(&w->dg, c, w->cval.buf, w->cval.len);
		return 0;
	case WIRE_TSTZ:
		if (n != 8)
			return -1;
		w->cval.len = 0;
		put_tstz(&w->cval, (int64_t)be64(p));
		row_val(&w->dg, c, w->cval.buf, w->cval.len);
		return 0;
	}
	return -1;
}

/* Where a binary COPY stream is: before its header, in rows, past the end. */
enum bin_state { BIN_HEADER, BIN_ROWS, BIN_END };

/*
 * Digest the complete rows of binary COPY data p[0..n); returns the bytes
 * used (a partial row is left for the next message) or -1 on bad data.
 */
static long bin_rows(struct work *w, const struct cols *cs, enum bin_state *st,
		     const unsigned char *p, size_t n, struct promote_table *pt)
{
	static const unsigned char sig[11] = "PGCOPY\n\377\r\n";
	size_t off = 0, o, i;

	if (*st == BIN_HEADER) {
		if (n < 19)
			return 0;
		if (memcmp(p, sig, 11) || n < 19 + (size_t)be32(p + 15))
			return memcmp(p, sig, 11) ? -1 : 0;
		off = 19 + be32(p + 15);
		*st = BIN_ROWS;
	}
	while (*st == BIN_ROWS && off + 2 <= n) {
		int nf = (int16_t)(p[off] << 8 | p[off + 1]);

		if (nf == -1) {
			*st = BIN_END;
			return (long)(off + 2);
		}
		if (nf != (int)cs->n)
			return -1;
		o = off + 2;
		row_begin(&w->dg);
		for (i = 0; i < cs->n; i++) {
			int32_t len;

			if (o + 4 > n)
				return (long)off;
			len = (int32_t)be32(p + o);
			o += 4;
			if (len == -1) {
				row_null(&w->dg, &cs->c[i]);
				continue;
			}
			if (len < 0)
				return -1;
			if (o + (size_t)len > n)
				return (long)off;
			if (field_canon(w, &cs->c[i], p + o, (size_t)len))
				return -1;
			o += (size_t)len;
		}
		if (row_end(&w->dg))
			return -1;
		work_trim(w);
		pt->target_rows++;
		off = o;
	}
	return (long)off;
}

/* Feed one CopyData message to bin_rows, keeping a partial row in w->pend. */
static int bin_feed(struct work *w, const struct cols *cs, enum bin_state *st,
		    const char *buf, size_t n, struct promote_table *pt)
{
	long used;

	if (!w->pend.len) {
		used = bin_rows(w, cs, st, (const unsigned char *)buf, n, pt);
		if (used < 0)
			return -1;
		if ((size_t)used < n)
			put(&w->pend, buf + used, n - (size_t)used);
		return w->pend.failed ? -1 : 0;
	}
	put(&w->pend, buf, n);
	if (w->pend.failed)
		return -1;
	used = bin_rows(w, cs, st, (const unsigned char *)w->pend.buf, w->pend.len, pt);
	if (used < 0)
		return -1;
	memmove(w->pend.buf, w->pend.buf + used, w->pend.len - (size_t)used);
	w->pend.len -= (size_t)used;
	if (!w->pend.len)
		trim(&w->pend);
	return 0;
}

/*
 * Count and checksum table t as PostgreSQL has it now: one binary COPY
 * TO STDOUT read as it streams, so memory stays at one row while the
 * server produces rows and the client digests them at the same time.
 */
static int verify_table(PGconn *conn, const char *t, const struct cols *cs,
			struct work *w, struct promote_table *pt, struct error *err)
{
	struct strbuf sql = STRBUF_INIT;
	enum bin_state st = BIN_HEADER;
	PGresult *res;
	size_t i;
	int rc = 0, bad = 0;

	strbuf_addstr(&sql, "COPY (SELECT ");
	for (i = 0; i < cs->n; i++) {
		if (i)
			strbuf_addstr(&sql, ", ");
		if (cs->c[i].wire == WIRE_TS_CHAR) {
			strbuf_addstr(&sql, "to_char(");
			strbuf_add_ident(&sql, cs->c[i].name);
			strbuf_addstr(&sql, " AT TIME ZONE 'UTC', " TS_FMT ")");
		} else {
			strbuf_add_ident(&sql, cs->c[i].name);
			if (cs->c[i].wire == WIRE_TEXT_CAST)
				strbuf_addstr(&sql, "::text");
		}
	}
	strbuf_addstr(&sql, " FROM ");
	strbuf_add_ident(&sql, t);
	strbuf_addstr(&sql, ") TO STDOUT (FORMAT binary)");
	if (!sql.buf)
		return error_set(err, ERR_IO, "out of memory");
	res = PQexec(conn, sql.buf);
	strbuf_release(&sql);
	if (PQresultStatus(res) != PGRES_COPY_OUT) {
		rc = pg_err(conn, res, err, "verify");
		PQclear(res);
		return rc;
	}
	PQclear(res);
	w->pend.len = 0;
	for (;;) {
		char *buf = NULL;
		int n = PQgetCopyData(conn, &buf, 0);

		if (n == -1)
			break;
		if (n == -2) {
			rc = pg_err(conn, NULL, err, "verify");
			break;
		}
		/* after bad data, drain the stream so the connection stays usable */
		if (!bad && bin_feed(w, cs, &st, buf, (size_t)n, pt))
			bad = 1;
		PQfreemem(buf);
	}
	while ((res = PQgetResult(conn)) != NULL) {
		if (!rc && PQresultStatus(res) != PGRES_COMMAND_OK)
			rc = pg_err(conn, res, err, "verify");
		PQclear(res);
	}
	if (!rc && (w->dg.bad || w->pend.failed))
		rc = error_set(err, ERR_IO, "verify: out of memory");
	else if (!rc && (bad || st != BIN_END || w->pend.len))
		rc = error_set(err, ERR_IO, "verify: unexpected data in the copy of table '%s'", t);
	if (!rc)
		digests_finish(&w->dg, pt->target_sum);
	else
		memset(w->dg.acc, 0, sizeof(w->dg.acc));
	return rc;
}
/* ------------------------------------------------------------ the run */

static const char *const ledger[] = {
	"wsm_runs", "wsm_files", "wsm_sources", "wsm_hist_wsm_sources", "wsm_tables",
};
#define N_LEDGER (sizeof(ledger) / sizeof(ledger[0]))

/* Ledger tables that databases made by older versions lack. */
#define LEDGER_WARNINGS "wsm_warnings"

/*
 * The tables to copy, in order: the ledger (wsm_warnings when the source
 * has it), then each table and its history.
 */
static char **copy_list(const struct defs *ds, int warnings, size_t *n)
{
	char **l = calloc(N_LEDGER + 1 + 2 * ds->n + 1, sizeof(*l));
	size_t i, k = 0;

	if (!l)
		return NULL;
	for (i = 0; i < N_LEDGER; i++)
		l[k++] = strdup(ledger[i]);
	if (warnings)
		l[k++] = strdup(LEDGER_WARNINGS);
	for (i = 0; i < ds->n; i++) {
		size_t len = strlen(ds->d[i].name) + 10;

		l[k] = strdup(ds->d[i].name);
		l[k + 1] = malloc(len);
		if (l[k + 1])
			snprintf(l[k + 1], len, "wsm_hist_%s", ds->d[i].name);
		k += 2;
	}
	*n = k;
	for (i = 0; i < k; i++)
		if (!l[i]) {
			for (i = 0; i < k; i++)
				free(l[i]);
			free(l);
			return NULL;
		}
	return l;
}

/* Refuse (ERR_USAGE) when one of `names`, or a target table, holds rows. */
static int check_empty(PGconn *conn, char **names, size_t n, const char *shown,
		       struct error *err)
{
	struct strbuf sql = STRBUF_INIT;
	PGresult *res;
	size_t i;
	int rc = 0;

	for (i = 0; i < n && !rc; i++) {
		const char *params[1] = { names[i] };

		res = PQexecParams(conn,
				   "SELECT 1 FROM pg_class WHERE relkind = 'r' AND relname = $1"
				   " AND relnamespace = (SELECT oid FROM pg_namespace"
				   " WHERE nspname = current_schema())",
				   1, NULL, params, NULL, NULL, 0);
		if (pg_ok(conn, res, err, "inspect the target"))
			return ERR_IO;
		if (PQntuples(res) == 1) {
			PQclear(res);
			sql.len = 0;
			strbuf_addstr(&sql, "SELECT EXISTS (SELECT 1 FROM ");
			strbuf_add_ident(&sql, names[i]);
			strbuf_addstr(&sql, ")");
			res = PQexec(conn, sql.buf);
			if (pg_ok(conn, res, err, "inspect the target")) {
				rc = ERR_IO;
				break;
			}
			if (!strcmp(PQgetvalue(res, 0, 0), "t"))
				rc = error_set(err, ERR_USAGE,
					       "%s is not empty (table '%s' has rows): use --force to replace its contents",
					       shown, names[i]);
		}
		PQclear(res);
	}
	strbuf_release(&sql);
	return rc;
}

/*
 * Tables the target records in its wsm_tables (and their history tables)
 * that the source does not have: they count for "not empty", and --force
 * empties them too, since the ledger that explains them is replaced.
 * Only tables that exist are listed.  *out is malloc'ed, names too.
 */
static int target_extra(PGconn *conn, char **names, size_t n, char ***out,
			size_t *n_out, struct error *err)
{
	PGresult *res;
	size_t cap = 0, i;
	int r, k;

	*out = NULL;
	*n_out = 0;
	res = PQexec(conn, "SELECT to_regclass('wsm_tables') IS NOT NULL");
	if (pg_ok(conn, res, err, "inspect the target"))
		return ERR_IO;
	r = !strcmp(PQgetvalue(res, 0, 0), "t");
	PQclear(res);
	if (!r)
		return 0;
	res = PQexec(conn,
		     "SELECT c.relname FROM wsm_tables w, LATERAL (VALUES (w.name),"
		     " ('wsm_hist_' || w.name)) AS v(t)"
		     " JOIN pg_class c ON c.relname = v.t AND c.relkind = 'r'"
		     " AND c.relnamespace = (SELECT oid FROM pg_namespace"
		     " WHERE nspname = current_schema())");
	if (pg_ok(conn, res, err, "inspect the target"))
		return ERR_IO;
	for (k = 0; k < PQntuples(res); k++) {
		const char *t = PQgetvalue(res, k, 0);

		for (i = 0; i < n; i++)
			if (!strcmp(names[i], t))
				break;
		if (i < n)
			continue;
		if (*n_out == cap) {
			char **nl;

			cap = cap ? cap * 2 : 8;
			nl = realloc(*out, cap * sizeof(*nl));
			if (!nl) {
				PQclear(res);
				return error_set(err, ERR_IO, "out of memory");
			}
			*out = nl;
		}
		(*out)[*n_out] = strdup(t);
		if (!(*out)[*n_out]) {
			PQclear(res);
			return error_set(err, ERR_IO, "out of memory");
		}
		(*n_out)++;
	}
	PQclear(res);
	return 0;
}

static int truncate_all(PGconn *conn, char **names, size_t n, struct error *err)
{
	struct strbuf sql = STRBUF_INIT;
	PGresult *res;
	size_t i;

	strbuf_addstr(&sql, "TRUNCATE ");
	for (i = 0; i < n; i++) {
		if (i)
			strbuf_addstr(&sql, ", ");
		strbuf_add_ident(&sql, names[i]);
	}
	res = PQexec(conn, sql.buf);
	strbuf_release(&sql);
	if (pg_ok(conn, res, err, "empty the target"))
		return ERR_IO;
	PQclear(res);
	return 0;
}

/* Move identity sequences (_hist_seq) past the copied values. */
static int bump_sequences(PGconn *conn, char **names, size_t n, struct error *err)
{
	struct strbuf sql = STRBUF_INIT;
	PGresult *res;
	size_t i;
	int rc = 0;

	for (i = 0; i < n && !rc; i++) {
		const char *col = strncmp(names[i], "wsm_hist_", 9) == 0 ? "_hist_seq" :
				  strcmp(names[i], LEDGER_WARNINGS) == 0 ? "seq" : NULL;

		if (!col)
			continue;
		sql.len = 0;
		strbuf_addf(&sql, "SELECT setval(pg_get_serial_sequence(quote_ident($1), '%s'),"
			    " coalesce(max(\"%s\"), 0) + 1, false) FROM ", col, col);
		strbuf_add_ident(&sql, names[i]);
		{
			const char *params[1] = { names[i] };

			res = PQexecParams(conn, sql.buf, 1, NULL, params, NULL, NULL, 0);
		}
		if (pg_ok(conn, res, err, "set the history sequences"))
			rc = ERR_IO;
		else
			PQclear(res);
	}
	strbuf_release(&sql);
	return rc;
}

/* ------------------------------------------------------------ deferred indexes */

/* Tables with fewer source rows keep their indexes while they load. */
#define DEFER_MIN_ROWS 1000

/*
 * Set aside the plain indexes of table t for its load: their definitions
 * (pg_get_indexdef, so name, columns, method and options are kept) go to
 * `defs` as "CREATE ...;" statements, then the indexes are dropped, to be
 * built in one pass each by running `defs` after the COPY, in the same
 * transaction.  Only indexes that nothing else refers to are set aside:
 * not one backing or used by a constraint, clustered, the replica
 * identity, in a tablespace of its own, or commented.
 */
static int defer_indexes(PGconn *conn, const char *t, struct strbuf *defs,
			 struct error *err)
{
	const char *params[1] = { t };
	struct strbuf drop = STRBUF_INIT;
	PGresult *res;
	int i, rc = 0;

	res = PQexecParams(conn,
			   "SELECT format('%I.%I', n.nspname, ci.relname), pg_get_indexdef(i.indexrelid)"
			   " FROM pg_index i JOIN pg_class ci ON ci.oid = i.indexrelid"
			   " JOIN pg_class ct ON ct.oid = i.indrelid"
			   " JOIN pg_namespace n ON n.oid = ci.relnamespace"
			   " WHERE ct.relname = $1 AND ct.relnamespace ="
			   " (SELECT oid FROM pg_namespace WHERE nspname = current_schema())"
			   " AND i.indisvalid AND i.indisready AND NOT i.indisclustered"
			   " AND NOT i.indisreplident AND ci.reltablespace = 0"
			   " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)"
			   " AND obj_description(i.indexrelid, 'pg_class') IS NULL"
			   " ORDER BY ci.relname",
			   1, NULL, params, NULL, NULL, 0);
	if (pg_ok(conn, res, err, "inspect the target's indexes"))
		return ERR_IO;
	for (i = 0; i < PQntuples(res); i++) {
		strbuf_addstr(&drop, i ? ", " : "DROP INDEX ");
		strbuf_addstr(&drop, PQgetvalue(res, i, 0));
		strbuf_addstr(defs, PQgetvalue(res, i, 1));
		strbuf_addstr(defs, ";\n");
	}
	PQclear(res);
	if (drop.failed || defs->failed)
		rc = error_set(err, ERR_IO, "out of memory");
	else if (drop.len)
		rc = pg_run(conn, drop.buf, err, "set the indexes aside");
	strbuf_release(&drop);
	return rc;
}

/* Rows in source table t, to decide whether its indexes wait (-1: unknown). */
static int64_t source_rows(sqlite3 *db, const char *t)
{
	struct strbuf sql = STRBUF_INIT;
	sqlite3_stmt *q = NULL;
	int64_t n = -1;

	strbuf_addstr(&sql, "SELECT count(*) FROM ");
	strbuf_add_ident(&sql, t);
	if (sql.buf && sqlite3_prepare_v2(db, sql.buf, -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	strbuf_release(&sql);
	return n;
}

/*
 * TOAST compression for the load: lz4 when the server has it and nobody
 * chose otherwise (its built-in default, pglz, costs the server several
 * times more per byte).  SET LOCAL ends with the transaction and changes
 * no column's definition; the values read back the same either way.
 */
static int fast_toast(PGconn *conn, struct error *err)
{
	PGresult *res = PQexec(conn, "SELECT 'lz4' = ANY(enumvals) AND setting = 'pglz'"
				     " AND source = 'default' FROM pg_settings"
				     " WHERE name = 'default_toast_compression'");
	int lz4;

	if (pg_ok(conn, res, err, "inspect the target"))
		return ERR_IO;
	lz4 = PQntuples(res) == 1 && !strcmp(PQgetvalue(res, 0, 0), "t");
	PQclear(res);
	return lz4 ? pg_run(conn, "SET LOCAL default_toast_compression = lz4", err,
			    "set the compression") : 0;
}

/* Copy, index and verify one table; its row in rep was named by the caller. */
static int promote_table(sqlite3 *db, PGconn *conn, const char *t,
			 struct work *w, struct promote_table *pt,
			 struct error *err)
{
	struct strbuf idx = STRBUF_INIT;
	struct cols cs;
	double t1 = util_monotonic();
	int64_t src;
	int rc;

	if ((rc = common_cols(db, conn, t, &cs, err)))
		return rc;
	src = source_rows(db, t);
	if ((src < 0 || src >= DEFER_MIN_ROWS) && (rc = defer_indexes(conn, t, &idx, err)))
		goto out;
	lap(w, PROMOTE_STAGE_PREPARE);
	if ((rc = copy_table(db, conn, t, &cs, w, pt, err)))
		goto out;
	if (idx.len) {
		rc = pg_run(conn, idx.buf, err, "build the indexes");
		lap(w, PROMOTE_STAGE_INDEX);
		if (rc)
			goto out;
	}
	if ((rc = fault_alter(conn, t, err)))
		goto out;
	rc = verify_table(conn, t, &cs, w, pt, err);
	lap(w, PROMOTE_STAGE_VERIFY_TARGET);
out:
	cols_release(&cs);
	strbuf_release(&idx);
	pt->seconds = util_monotonic() - t1;
	pt->ok = !rc && pt->rows == pt->target_rows &&
		 !strcmp(pt->source_sum, pt->target_sum);
	return rc;
}

int promote_run(const char *from, const char *to,
		const struct promote_opts *opts, struct promote_report *rep,
		struct error *err)
{
	struct storage_opts so = { 0 };
	struct storage *st = NULL;
	struct defs ds = { 0 };
	struct work w;
	sqlite3 *db = NULL;
	PGconn *conn;
	char **names = NULL, **extra = NULL;
	size_t n_extra = 0;
	const char *path = from;
	size_t n = 0, i;
	double t0 = util_monotonic();
	int rc, all_ok = 1;

	memset(rep, 0, sizeof(*rep));
	memset(&w, 0, sizeof(w));
	w.stages = rep->stages;
	w.mark = t0;
	storage_mask_url(from, rep->from, sizeof(rep->from));
	storage_mask_url(to, rep->to, sizeof(rep->to));
	if (digests_init(&w.dg)) {
		rc = error_set(err, ERR_IO, "cannot set up sha256 (OpenSSL)");
		goto out;
	}
	if (!strncmp(path, "sqlite:", 7))
		path += 7;
	if (!*path) {
		rc = error_set(err, ERR_USAGE, "--from: no SQLite database given");
		goto out;
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		rc = error_set(err, ERR_USAGE, "cannot open SQLite database '%s': %s", path,
			       db ? sqlite3_errmsg(db) : "out of memory");
		goto out;
	}
	sqlite3_busy_timeout(db, 60000);
	/* one read transaction: every table comes from the same snapshot */
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		rc = sq_err(db, err, "read the source");
		goto out;
	}
	for (i = 0; i < N_LEDGER; i++)
		if (!sqlite_has_table(db, ledger[i])) {
			rc = error_set(err, ERR_USAGE,
				       "'%s' is not a database made by wsmigrate (no table '%s')",
				       path, ledger[i]);
			goto out;
		}
	if ((rc = read_defs(db, &ds, err)))
		goto out;
	names = copy_list(&ds, sqlite_has_table(db, LEDGER_WARNINGS), &n);
	if (!names) {
		rc = error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		if (!sqlite_has_table(db, names[i])) {
			rc = error_set(err, ERR_USAGE,
				       "'%s': table '%s' is recorded in wsm_tables but missing",
				       path, names[i]);
			goto out;
		}

	/* refuse before storage_open, which would create an SQLite file */
	if (strncmp(to, "postgres", 8) != 0 && (!strchr(to, '=') || !strncmp(to, "sqlite:", 7))) {
		rc = error_set(err, ERR_USAGE,
			       "--to must be a PostgreSQL database (postgresql://... or \"host=... dbname=...\"), not '%s'",
			       rep->to);
		goto out;
	}
	if ((rc = storage_open(to, &so, &st, err)))
		goto out;
	conn = (PGconn *)storage_pg_conn(st);
	if ((rc = storage_begin(st, err)))
		goto out;
	if ((rc = target_extra(conn, names, n, &extra, &n_extra, err)))
		goto out;
	if (!opts->force && ((rc = check_empty(conn, names, n, rep->to, err)) ||
			     (rc = check_empty(conn, extra, n_extra, rep->to, err))))
		goto out;
	if (n_extra && (rc = truncate_all(conn, extra, n_extra, err)))
		goto out;
	if ((rc = storage_ensure_tables(st, ds.d, ds.n, err)) ||
	    (rc = truncate_all(conn, names, n, err)) ||
	    (rc = fast_toast(conn, err)))
		goto out;
	/* a source from an older version has no warnings: none may remain */
	if (!sqlite_has_table(db, LEDGER_WARNINGS)) {
		char *wt[1] = { (char *)LEDGER_WARNINGS };

		if ((rc = truncate_all(conn, wt, 1, err)))
			goto out;
	}

	rep->tables = calloc(n, sizeof(*rep->tables));
	if (!rep->tables) {
		rc = error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	lap(&w, PROMOTE_STAGE_PREPARE);
	for (i = 0; i < n; i++) {
		struct promote_table *pt = &rep->tables[i];

		snprintf(pt->name, sizeof(pt->name), "%s", names[i]);
		rep->n = i + 1;
		if ((rc = promote_table(db, conn, names[i], &w, pt, err))) {
			error_prefix(err, "table '%s'", names[i]);
			goto out;
		}
		all_ok &= pt->ok;
	}
	if ((rc = bump_sequences(conn, names, n, err)))
		goto out;
	if (!all_ok) {
		rc = error_set(err, ERR_DATA, "verification failed: the target was left unchanged");
		goto out;
	}
	if ((rc = storage_commit(st, err)))
		goto out;
	rep->committed = 1;
out:
	if (st && !rep->committed)
		storage_rollback(st, NULL);
	storage_close(st);
	if (db) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_close(db);
	}
	lap(&w, rep->n ? PROMOTE_STAGE_COMMIT : PROMOTE_STAGE_PREPARE);
	rep->seconds = util_monotonic() - t0;
	for (i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
	for (i = 0; i < n_extra; i++)
		free(extra[i]);
	free(extra);
	defs_release(&ds);
	work_release(&w);
	return rc;
}

void promote_report_release(struct promote_report *rep)
{
	free(rep->tables);
	rep->tables = NULL;
	rep->n = 0;
}

#endif
