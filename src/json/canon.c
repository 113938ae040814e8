/*
 * json/canon.c - the canonical text of a JSON value as jsonb keeps it (see
 * jsoncanon.h), written in one pass as the value is scanned.  It checks
 * only what it needs to: it is no validator (jsonread.h is).
 */
#include "jsoncanon.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * How it works: the value is written to `out` as it is parsed.  An
 * object's members are recorded on a stack (offsets into out); only when
 * its keys are not already in strictly increasing bytewise order is the
 * object's text copied aside and written again in sorted order.
 */

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

	strbuf_add(sb, b, 6);
}

/* Code point cp as it appears in a canonical string. */
static void put_cp(struct strbuf *sb, unsigned cp)
{
	char b[4];
	size_t n;

	if (cp < 0x20) {
		put_ctl(sb, cp);
		return;
	}
	if (cp == '"' || cp == '\\') {
		b[0] = '\\';
		b[1] = (char)cp;
		strbuf_add(sb, b, 2);
		return;
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
	strbuf_add(sb, b, n);
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
 * the quotes.  Returns -1 on bad input, else 1 when an escape was written,
 * 0 when none.
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
			strbuf_add(out, r, (size_t)(q - r));
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
		case '"': strbuf_add(out, "\\\"", 2); break;
		case '\\': strbuf_add(out, "\\\\", 2); break;
		case '/': strbuf_addch(out, '/'); break;
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

/* "e" and the exponent in decimal (numbers are frequent: no printf). */
static void put_exponent(struct strbuf *out, long long exp)
{
	unsigned long long u = exp < 0 ? 0ULL - (unsigned long long)exp : (unsigned long long)exp;
	char b[24];
	size_t k = sizeof(b);

	do {
		b[--k] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (exp < 0)
		b[--k] = '-';
	b[--k] = 'e';
	strbuf_add(out, b + k, sizeof(b) - k);
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
		strbuf_addch(out, '0');
		return 0;
	}
	for (t = nd - 1; DIGIT(t) == '0'; t--)
		;
#undef DIGIT
	exp = (eneg ? -e : e) - (long long)(f1 - f0) + (long long)(nd - 1 - t);
	if (neg)
		strbuf_addch(out, '-');
	if (s < ni) {
		strbuf_add(out, i0 + s, (t < ni ? t + 1 : ni) - s);
		if (t >= ni)
			strbuf_add(out, f0, t + 1 - ni);
	} else {
		strbuf_add(out, f0 + (s - ni), t + 1 - s);
	}
	put_exponent(out, exp);
	return 0;
}

/* A canonical key's bytes, decoded (\" \\ \u00xx) into sb. */
static void key_decode(const char *k, size_t n, struct strbuf *sb)
{
	size_t i;

	strbuf_reset(sb);
	for (i = 0; i < n; i++) {
		if (k[i] != '\\') {
			strbuf_addch(sb, k[i]);
		} else if (k[i + 1] == 'u') {
			strbuf_addch(sb, util_hex_digit(k[i + 4]) << 4 | util_hex_digit(k[i + 5]));
			i += 5;
		} else {
			strbuf_addch(sb, k[++i]);
		}
	}
}

/* Bytewise order of two members' decoded keys. */
static int key_cmp(struct jsoncanon *c, const struct jsoncanon_member *a,
		   const struct jsoncanon_member *b)
{
	const char *x = c->base + a->koff, *y = c->base + b->koff;
	size_t nx = a->klen, ny = b->klen;
	int r;

	if (a->kesc || b->kesc) {
		key_decode(x, nx, &c->ka);
		key_decode(y, ny, &c->kb);
		x = strbuf_str(&c->ka);
		nx = c->ka.len;
		y = strbuf_str(&c->kb);
		ny = c->kb.len;
	}
	r = memcmp(x, y, nx < ny ? nx : ny);
	if (r)
		return r;
	return nx < ny ? -1 : nx > ny;
}

/* Stable merge sort of c->ix[0..n) (indexes into m) by key. */
static void sort_members(struct jsoncanon *c, const struct jsoncanon_member *m, size_t n)
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
static int resort_object(struct jsoncanon *c, struct strbuf *out, size_t body,
			 const struct jsoncanon_member *m, size_t n)
{
	size_t i, first = 1;
	char *o;

	if (ALLOC_GROW(c->ix, n, c->ix_alloc) || ALLOC_GROW(c->ix_tmp, n, c->tmp_alloc))
		return -1;
	for (i = 0; i < n; i++)
		c->ix[i] = i;
	c->base = out->buf;
	sort_members(c, m, n);
	/* ix_tmp[i]: 1 when the next member has the same key (this one loses) */
	for (i = 0; i < n; i++)
		c->ix_tmp[i] = i + 1 < n && key_cmp(c, &m[c->ix[i]], &m[c->ix[i + 1]]) == 0;
	strbuf_reset(&c->aside);
	if (strbuf_add(&c->aside, out->buf + body, out->len - body))
		return -1;
	/* the members again, fewer if keys repeat: they fit where they were */
	o = out->buf + body;
	for (i = 0; i < n; i++) {
		const struct jsoncanon_member *x = &m[c->ix[i]];

		if (c->ix_tmp[i])
			continue;
		if (!first)
			*o++ = ',';
		first = 0;
		*o++ = '"';
		memcpy(o, c->aside.buf + (x->koff - body), x->klen);
		o += x->klen;
		*o++ = '"';
		*o++ = ':';
		memcpy(o, c->aside.buf + (x->voff - body), x->vlen);
		o += x->vlen;
	}
	out->len = (size_t)(o - out->buf);
	out->buf[out->len] = '\0';
	return 0;
}

static int cj_value(struct jsoncanon *c, const char **p, const char *end,
		    struct strbuf *out, int depth);

static int cj_object(struct jsoncanon *c, const char **p, const char *end,
		     struct strbuf *out, int depth)
{
	size_t base = c->n, body, i;
	int sorted = 1, rc = -1;

	(*p)++;
	skip_ws(p, end);
	if (*p < end && **p == '}') {
		(*p)++;
		strbuf_add(out, "{}", 2);
		return 0;
	}
	strbuf_addch(out, '{');
	body = out->len;
	for (;;) {
		struct jsoncanon_member mb;
		int e;

		skip_ws(p, end);
		if (*p >= end || **p != '"')
			goto out;
		if (c->n > base)
			strbuf_add(out, ",\"", 2);
		else
			strbuf_addch(out, '"');
		mb.koff = out->len;
		if ((e = cj_string(p, end, out)) < 0)
			goto out;
		mb.kesc = e;
		mb.klen = out->len - mb.koff;
		strbuf_add(out, "\":", 2);
		skip_ws(p, end);
		if (*p >= end || **p != ':')
			goto out;
		(*p)++;
		mb.voff = out->len;
		if (cj_value(c, p, end, out, depth + 1))
			goto out;
		mb.vlen = out->len - mb.voff;
		if (ALLOC_GROW(c->m, c->n + 1, c->alloc)) {
			out->failed = 1;
			goto out;
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
	if (!sorted && resort_object(c, out, body, c->m + base, c->n - base)) {
		out->failed = 1;
		goto out;
	}
	strbuf_addch(out, '}');
	rc = 0;
out:
	c->n = base;
	return rc;
}

static int cj_array(struct jsoncanon *c, const char **p, const char *end,
		    struct strbuf *out, int depth)
{
	(*p)++;
	strbuf_addch(out, '[');
	skip_ws(p, end);
	if (*p < end && **p == ']') {
		(*p)++;
		strbuf_addch(out, ']');
		return 0;
	}
	for (;;) {
		if (cj_value(c, p, end, out, depth + 1))
			return -1;
		skip_ws(p, end);
		if (*p < end && **p == ',') {
			(*p)++;
			strbuf_addch(out, ',');
			continue;
		}
		if (*p < end && **p == ']') {
			(*p)++;
			strbuf_addch(out, ']');
			return 0;
		}
		return -1;
	}
}

/* The literal `word` (true, false, null) at *p. */
static int cj_word(const char **p, const char *end, const char *word, size_t n,
		   struct strbuf *out)
{
	if ((size_t)(end - *p) < n || memcmp(*p, word, n) != 0)
		return -1;
	*p += n;
	strbuf_add(out, word, n);
	return 0;
}

static int cj_value(struct jsoncanon *c, const char **p, const char *end,
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
		return cj_array(c, p, end, out, depth);
	case '"':
		strbuf_addch(out, '"');
		if (cj_string(p, end, out) < 0)
			return -1;
		strbuf_addch(out, '"');
		return 0;
	case 't':
		return cj_word(p, end, "true", 4, out);
	case 'f':
		return cj_word(p, end, "false", 5, out);
	case 'n':
		return cj_word(p, end, "null", 4, out);
	default:
		return cj_number(p, end, out);
	}
}

int jsoncanon_append(struct jsoncanon *c, const char *s, size_t n,
		     struct strbuf *out)
{
	const char *p = s, *end = s + n;
	size_t mark = out->len;

	if (cj_value(c, &p, end, out, 0) == 0) {
		skip_ws(&p, end);
		if (p == end)
			return 0;
	}
	if (!out->failed)
		out->len = mark;
	return -1;
}

void jsoncanon_trim(struct jsoncanon *c, size_t bytes)
{
	strbuf_trim_cap(&c->aside, bytes);
	strbuf_trim_cap(&c->ka, bytes);
	strbuf_trim_cap(&c->kb, bytes);
	if (c->alloc > bytes / sizeof(*c->m)) {
		free(c->m);
		c->m = NULL;
		c->alloc = 0;
	}
	if (c->ix_alloc > bytes / sizeof(*c->ix) || c->tmp_alloc > bytes / sizeof(*c->ix)) {
		free(c->ix);
		free(c->ix_tmp);
		c->ix = c->ix_tmp = NULL;
		c->ix_alloc = c->tmp_alloc = 0;
	}
}

void jsoncanon_release(struct jsoncanon *c)
{
	free(c->m);
	free(c->ix);
	free(c->ix_tmp);
	strbuf_release(&c->aside);
	strbuf_release(&c->ka);
	strbuf_release(&c->kb);
	memset(c, 0, sizeof(*c));
}
