/*
 * json/read.c - strict RFC 8259 scanner (iterative, one pass, positions and
 * plain reasons in errors), cJSON behind it, and a tree-less locator of the
 * raw text of a sub-value.  Numbers are checked for syntax only; turning
 * them into values is cJSON's job (or jsonread_number_kind's, exactly).
 */
#include "jsonread.h"
#include "jsonpointer.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LOCAL_FRAMES 64
#define LOCAL_KEYS 32
#define LOCAL_BUCKETS 64       /* power of two, >= LOCAL_KEYS */
#define KEY_SHOW_MAX 80        /* bytes of a key quoted in a message */
#define REASON_MAX 256

enum { K_ARR = 0, K_OBJ = 1 };

/* One open array or object. */
struct frame {
	unsigned char kind;
	unsigned char member;  /* 1 while a member (element / key's value) is read */
	size_t index;          /* array: index of the current element */
	size_t key_start;      /* object: current key's text, quotes excluded */
	size_t key_end;
	size_t key_base;       /* object: its first entry in scan.keys */
};

/*
 * A key of an open object.  Keys of all open objects live in one stack
 * (scan.keys): an object owns the range from its key_base to the top, and
 * drops it when it closes, so memory is bounded by the keys of the objects
 * currently open.  Chains in scan.buckets are therefore LIFO too: the most
 * recent key is always the head of its chain, which makes removal O(1).
 */
struct keyent {
	size_t start, end;     /* key text, quotes excluded */
	uint32_t hash;         /* of the unescaped UTF-8 bytes */
	uint32_t next;         /* index + 1 of the next entry in the chain */
	int escaped;           /* the text contains a backslash */
};

struct scan {
	const unsigned char *p;
	size_t len;
	size_t max_depth;
	const char *path;
	struct error *err;
	int *nul_seen;         /* \u0000 accepted and noted here, or NULL */

	struct frame *stack;
	size_t depth, cap;

	struct keyent *keys;
	size_t nkeys, keycap;
	uint32_t *buckets;
	size_t nbuckets;       /* 0 until the first key */

	struct frame local_frames[LOCAL_FRAMES];
	struct keyent local_keys[LOCAL_KEYS];
	uint32_t local_buckets[LOCAL_BUCKETS];
};

#define FNV_OFFSET 2166136261u
#define FNV_PRIME 16777619u

static inline int is_ws(unsigned char c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

static inline size_t skip_ws(const unsigned char *p, size_t len, size_t i)
{
	while (i < len && is_ws(p[i]))
		i++;
	return i;
}

static inline int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* The 4 hex digits at p[0..4) (caller checked bounds), or -1. */
static long hex4(const unsigned char *p)
{
	long v = 0;
	int k, h;

	for (k = 0; k < 4; k++) {
		h = util_hex_digit(p[k]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/*
 * Check one UTF-8 sequence at p (p[0] >= 0x80, avail >= 1 bytes).
 * Returns its length (2..4), or 0 with *bad = index of the offending byte
 * and *why = a hint ("" when none).
 */
static size_t utf8_seq(const unsigned char *p, size_t avail, size_t *bad,
		       const char **why)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xBF;
	size_t n, k;

	*why = "";
	if (c < 0xC2) {
		*bad = 0;
		*why = c < 0xC0 ? " (continuation byte without a lead byte)"
				: " (overlong encoding)";
		return 0;
	}
	if (c <= 0xDF) {
		n = 2;
	} else if (c <= 0xEF) {
		n = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c <= 0xF4) {
		n = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else {
		*bad = 0;
		*why = " (not a UTF-8 lead byte)";
		return 0;
	}
	for (k = 1; k < n; k++) {
		if (k >= avail) {
			*bad = 0;
			*why = " (incomplete sequence at end of data)";
			return 0;
		}
		if (k == 1 ? (p[k] < lo || p[k] > hi) : (p[k] & 0xC0) != 0x80) {
			*bad = 0;
			if (k == 1 && (p[k] & 0xC0) == 0x80) {
				if (c == 0xED)
					*why = " (UTF-8 encoded surrogate)";
				else if (c == 0xF4)
					*why = " (beyond U+10FFFF)";
				else
					*why = " (overlong encoding)";
			} else {
				*why = " (incomplete sequence)";
			}
			return 0;
		}
	}
	return n;
}

/* Decode a UTF-8 sequence known to be valid and n bytes long. */
static uint32_t utf8_decode(const unsigned char *p, size_t n)
{
	switch (n) {
	case 2:
		return ((uint32_t)(p[0] & 0x1F) << 6) | (p[1] & 0x3F);
	case 3:
		return ((uint32_t)(p[0] & 0x0F) << 12) |
		       ((uint32_t)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
	default:
		return ((uint32_t)(p[0] & 0x07) << 18) |
		       ((uint32_t)(p[1] & 0x3F) << 12) |
		       ((uint32_t)(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
	}
}

static size_t utf8_encode(uint32_t cp, unsigned char out[4])
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xC0 | (cp >> 6));
		out[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xE0 | (cp >> 12));
		out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (unsigned char)(0xF0 | (cp >> 18));
	out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

/*
 * Next code point of a string body at *i (< end), escapes decoded.  Meant
 * for checked text but never reads at or past `end`: malformed input gives
 * U+FFFD and moves on.
 */
static uint32_t next_cp(const unsigned char *p, size_t end, size_t *i)
{
	size_t k = *i, n, bad;
	const char *why;
	unsigned char c = p[k];
	long hi, lo;

	if (c == '\\') {
		if (k + 1 >= end) {
			*i = end;
			return 0xFFFD;
		}
		*i = k + 2;
		switch (p[k + 1]) {
		case 'b': return '\b';
		case 'f': return '\f';
		case 'n': return '\n';
		case 'r': return '\r';
		case 't': return '\t';
		case 'u':
			if (k + 6 > end || (hi = hex4(p + k + 2)) < 0)
				return 0xFFFD;
			*i = k + 6;
			if (hi >= 0xD800 && hi <= 0xDBFF && k + 12 <= end &&
			    p[k + 6] == '\\' && p[k + 7] == 'u' &&
			    (lo = hex4(p + k + 8)) >= 0xDC00 && lo <= 0xDFFF) {
				*i = k + 12;
				return 0x10000 + (((uint32_t)hi - 0xD800) << 10) +
				       ((uint32_t)lo - 0xDC00);
			}
			return (uint32_t)hi;
		default:
			return p[k + 1];
		}
	}
	if (c < 0x80) {
		*i = k + 1;
		return c;
	}
	n = utf8_seq(p + k, end - k, &bad, &why);
	if (!n) {
		*i = k + 1;
		return 0xFFFD;
	}
	*i = k + n;
	return utf8_decode(p + k, n);
}

void jsonread_position(const char *buf, size_t len, size_t offset,
		       long *line, long *column)
{
	const unsigned char *p = (const unsigned char *)buf;
	size_t i = 0;
	long ln = 1, col = 1;

	if (offset > len)
		offset = len;
	if (offset >= 3)
		jsonread_skip_bom(buf, len, &i);
	for (; i < offset; i++) {
		unsigned char c = p[i];

		if (c == '\n' || (c == '\r' && (i + 1 >= len || p[i + 1] != '\n'))) {
			ln++;
			col = 1;
		} else if ((c & 0xC0) != 0x80) {
			col++;
		}
	}
	if (line)
		*line = ln;
	if (column)
		*column = col;
}

const char *jsonread_skip_bom(const char *buf, size_t len, size_t *skipped)
{
	size_t n = 0;

	if (len >= 3 && (unsigned char)buf[0] == 0xEF &&
	    (unsigned char)buf[1] == 0xBB && (unsigned char)buf[2] == 0xBF)
		n = 3;
	if (skipped)
		*skipped = n;
	return buf + n;
}

/* ------------------------------------------------------------ errors */

/* Append the JSON Pointer token for the key text p[start..end). */
static size_t ptr_add_key(char *out, size_t size, size_t n,
			  const unsigned char *p, size_t start, size_t end)
{
	size_t i = start, k, m;
	unsigned char u[4];

	if (n + 1 < size)
		out[n++] = '/';
	while (i < end) {
		uint32_t cp = next_cp(p, end, &i);

		if (cp == '~' || cp == '/') {
			u[0] = '~';
			u[1] = cp == '~' ? '0' : '1';
			m = 2;
		} else {
			m = utf8_encode(cp, u);
		}
		if (n + m >= size)
			break;
		for (k = 0; k < m; k++)
			out[n++] = (char)u[k];
	}
	out[n < size ? n : size - 1] = '\0';
	return n;
}

static void build_pointer(const struct scan *s, char *out, size_t size)
{
	size_t d, n = 0;
	int w;

	out[0] = '\0';
	for (d = 0; d < s->depth; d++) {
		const struct frame *f = &s->stack[d];

		if (!f->member)
			break;
		if (f->kind == K_ARR) {
			w = snprintf(out + n, size - n, "/%zu", f->index);
			if (w < 0 || (size_t)w >= size - n)
				break;
			n += (size_t)w;
		} else {
			n = ptr_add_key(out, size, n, s->p, f->key_start, f->key_end);
		}
		if (n + 1 >= size)
			break;
	}
}

/* Record an ERR_DATA error at byte `off`; returns ERR_DATA. */
static int fail(struct scan *s, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct scan *s, size_t off, const char *fmt, ...)
{
	char reason[REASON_MAX + KEY_SHOW_MAX];
	char ptr[ERROR_PTR_MAX];
	long line, col;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	jsonread_position((const char *)s->p, s->len, off, &line, &col);
	build_pointer(s, ptr, sizeof(ptr));
	return error_set_at(s->err, ERR_DATA, s->path, line, col, ptr,
			    "%s at offset %zu", reason, off);
}

static int fail_oom(struct scan *s)
{
	return error_set_at(s->err, ERR_IO, s->path, 0, 0, NULL,
			    "out of memory while checking JSON");
}

/*
 * Report the byte at `off` as unexpected; `expected` says what would have
 * been valid there.  Bytes that are not valid UTF-8 are reported as such.
 */
static int fail_unexpected(struct scan *s, size_t off, const char *expected)
{
	const unsigned char *q = s->p + off;
	unsigned char c = *q;
	size_t n, bad;
	const char *why;

	if (off < 2 && s->len - off >= 2 &&
	    ((q[0] == 0xFF && q[1] == 0xFE) || (q[0] == 0xFE && q[1] == 0xFF)))
		return fail(s, off, "UTF-16 byte order mark (only UTF-8 is "
			    "accepted)");
	if (c == 0 && off < 4)
		return fail(s, off, "unexpected NUL byte (UTF-16 or UTF-32 "
			    "input? only UTF-8 is accepted)");
	if (c >= 0x80) {
		n = utf8_seq(q, s->len - off, &bad, &why);
		if (!n)
			return fail(s, off + bad, "invalid UTF-8 byte 0x%02X%s",
				    q[bad], why);
		return fail(s, off, "unexpected character U+%04lX%s (expected %s)",
			    (unsigned long)utf8_decode(q, n),
			    utf8_decode(q, n) == 0xFEFF ? " (byte order mark)" : "",
			    expected);
	}
	if (c < 0x20 || c == 0x7F)
		return fail(s, off, "unexpected character U+%04X (expected %s%s)",
			    c, expected, c < 0x20 ? "; only space, tab, LF and "
			    "CR may separate tokens" : "");
	return fail(s, off, "unexpected character '%c' (expected %s)", c,
		    expected);
}

/* ------------------------------------------------------------ scanner */

/* 1 if none of the 8 bytes is < 0x20, '"', '\\' or >= 0x80. */
static inline int chunk_plain(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t highs = 0x8080808080808080ULL;
	uint64_t q = x ^ (ones * '"');
	uint64_t b = x ^ (ones * '\\');
	uint64_t hit = ((x - ones * 0x20) & ~x) | ((q - ones) & ~q) |
		       ((b - ones) & ~b) | x;

	return (hit & highs) == 0;
}

/*
 * Scan the string whose opening quote is at *pi; on success *pi is just past
 * the closing quote.  For keys (hash != NULL) also computes the hash of the
 * unescaped bytes and whether the text has escapes.
 */
static int scan_string(struct scan *s, size_t *pi, uint32_t *hash,
		       int *escaped)
{
	const unsigned char *p = s->p;
	size_t len = s->len, q = *pi, i = q + 1, n, bad, k;
	uint32_t h = FNV_OFFSET;
	const char *why;
	unsigned char u[4];
	long cp, lo;

	for (;;) {
		if (!hash) {
			while (len - i >= 8) {
				uint64_t x;

				memcpy(&x, p + i, 8);
				if (!chunk_plain(x))
					break;
				i += 8;
			}
			while (i < len && p[i] >= 0x20 && p[i] != '"' &&
			       p[i] != '\\' && p[i] < 0x80)
				i++;
		} else {
			while (i < len) {
				unsigned char c = p[i];

				if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80)
					break;
				h = (h ^ c) * FNV_PRIME;
				i++;
			}
		}
		if (i >= len)
			return fail(s, q, "unterminated string");
		switch (p[i]) {
		case '"':
			if (hash)
				*hash = h;
			*pi = i + 1;
			return 0;
		case '\\':
			if (escaped)
				*escaped = 1;
			if (i + 1 >= len)
				return fail(s, q, "unterminated string");
			switch (p[i + 1]) {
			case '"': case '\\': case '/':
				cp = p[i + 1];
				i += 2;
				break;
			case 'b': cp = '\b'; i += 2; break;
			case 'f': cp = '\f'; i += 2; break;
			case 'n': cp = '\n'; i += 2; break;
			case 'r': cp = '\r'; i += 2; break;
			case 't': cp = '\t'; i += 2; break;
			case 'u':
				if (len - i < 6 || (cp = hex4(p + i + 2)) < 0)
					return fail(s, i, "invalid \\u escape "
						    "(4 hex digits expected)");
				if (cp == 0 && !s->nul_seen)
					return fail(s, i, "string contains "
						    "\\u0000 (refused: see README)");
				if (cp == 0)
					*s->nul_seen = 1;
				if (cp >= 0xDC00 && cp <= 0xDFFF)
					return fail(s, i, "lone surrogate "
						    "\\u%04lX", cp);
				if (cp >= 0xD800 && cp <= 0xDBFF) {
					if (len - i < 12 || p[i + 6] != '\\' ||
					    p[i + 7] != 'u' ||
					    (lo = hex4(p + i + 8)) < 0xDC00 ||
					    lo > 0xDFFF)
						return fail(s, i, "lone surrogate "
							    "\\u%04lX", cp);
					cp = 0x10000 + ((cp - 0xD800) << 10) +
					     (lo - 0xDC00);
					i += 12;
				} else {
					i += 6;
				}
				break;
			default:
				if (p[i + 1] >= 0x20 && p[i + 1] < 0x7F)
					return fail(s, i, "invalid escape '\\%c'",
						    p[i + 1]);
				return fail(s, i, "invalid escape: byte 0x%02X "
					    "after '\\'", p[i + 1]);
			}
			if (hash) {
				n = utf8_encode((uint32_t)cp, u);
				for (k = 0; k < n; k++)
					h = (h ^ u[k]) * FNV_PRIME;
			}
			break;
		default:
			if (p[i] < 0x20)
				return fail(s, i, "raw control character U+%04X "
					    "in string (must be escaped)", p[i]);
			n = utf8_seq(p + i, len - i, &bad, &why);
			if (!n)
				return fail(s, i + bad, "invalid UTF-8 byte "
					    "0x%02X%s", p[i + bad], why);
			for (k = 0; k < n; k++)
				h = (h ^ p[i + k]) * FNV_PRIME;
			i += n;
			break;
		}
	}
}

static int scan_number(struct scan *s, size_t *pi)
{
	const unsigned char *p = s->p;
	size_t len = s->len, i = *pi;

	if (p[i] == '-') {
		i++;
		if (i >= len || !is_digit(p[i]))
			return i >= len ? fail(s, i, "digit expected after '-'")
					: fail_unexpected(s, i, "a digit after '-'");
	}
	if (p[i] == '0') {
		i++;
		if (i < len && is_digit(p[i]))
			return fail(s, i - 1, "leading zero in number");
	} else {
		while (i < len && is_digit(p[i]))
			i++;
	}
	if (i < len && p[i] == '.') {
		i++;
		if (i >= len || !is_digit(p[i]))
			return fail(s, i, "digit expected after '.'");
		while (i < len && is_digit(p[i]))
			i++;
	}
	if (i < len && (p[i] == 'e' || p[i] == 'E')) {
		i++;
		if (i < len && (p[i] == '+' || p[i] == '-'))
			i++;
		if (i >= len || !is_digit(p[i]))
			return fail(s, i, "digit expected in exponent");
		while (i < len && is_digit(p[i]))
			i++;
	}
	*pi = i;
	return 0;
}

static int scan_literal(struct scan *s, size_t *pi)
{
	const char *lit;
	size_t i = *pi, k, n;

	lit = s->p[i] == 't' ? "true" : s->p[i] == 'f' ? "false" : "null";
	n = strlen(lit);
	for (k = 0; k < n; k++) {
		if (i + k >= s->len)
			return fail(s, s->len, "unexpected end of data in '%s'",
				    lit);
		if (s->p[i + k] != (unsigned char)lit[k]) {
			char what[16];

			snprintf(what, sizeof(what), "'%s'", lit);
			return fail_unexpected(s, i + k, what);
		}
	}
	*pi = i + n;
	return 0;
}

/*
 * Double an array that starts in a local buffer of the scan (`local`) and
 * moves to the heap when it outgrows it.  Returns the array, or NULL when
 * out of memory (the old one is then unchanged).
 */
static void *grow_local(void *p, const void *local, size_t elem, size_t n,
			size_t *cap)
{
	size_t ncap = *cap * 2;
	void *q;

	if (p == local) {
		q = malloc(ncap * elem);
		if (q)
			memcpy(q, p, n * elem);
	} else {
		q = realloc(p, ncap * elem);
	}
	if (q)
		*cap = ncap;
	return q;
}

static int push(struct scan *s, unsigned char kind, size_t off)
{
	struct frame *f;

	if (s->depth >= s->max_depth)
		return fail(s, off, "nesting deeper than %zu", s->max_depth);
	if (s->depth == s->cap) {
		f = grow_local(s->stack, s->local_frames, sizeof(*f), s->depth, &s->cap);
		if (!f)
			return fail_oom(s);
		s->stack = f;
	}
	f = &s->stack[s->depth++];
	f->kind = kind;
	f->member = 0;
	f->index = 0;
	f->key_start = f->key_end = 0;
	f->key_base = s->nkeys;
	return 0;
}

static void pop(struct scan *s)
{
	struct frame *f = &s->stack[--s->depth];

	if (f->kind == K_OBJ && s->nbuckets) {
		size_t mask = s->nbuckets - 1;

		while (s->nkeys > f->key_base) {
			struct keyent *e = &s->keys[--s->nkeys];

			s->buckets[e->hash & mask] = e->next;
		}
	}
}

static int same_key(const unsigned char *p, const struct keyent *a,
		    const struct keyent *b)
{
	size_t i = a->start, j = b->start;

	if (!a->escaped && !b->escaped)
		return a->end - a->start == b->end - b->start &&
		       memcmp(p + a->start, p + b->start, a->end - a->start) == 0;
	while (i < a->end && j < b->end)
		if (next_cp(p, a->end, &i) != next_cp(p, b->end, &j))
			return 0;
	return i == a->end && j == b->end;
}

/* Rebuild the chains with `n` buckets (a power of two). */
static int rehash(struct scan *s, size_t n)
{
	uint32_t *b;
	size_t k;

	if (n <= LOCAL_BUCKETS) {
		b = s->local_buckets;
		n = LOCAL_BUCKETS;
	} else {
		b = malloc(n * sizeof(*b));
		if (!b)
			return fail_oom(s);
	}
	memset(b, 0, n * sizeof(*b));
	for (k = 0; k < s->nkeys; k++) {
		struct keyent *e = &s->keys[k];

		e->next = b[e->hash & (n - 1)];
		b[e->hash & (n - 1)] = (uint32_t)(k + 1);
	}
	if (s->buckets != s->local_buckets)
		free(s->buckets);
	s->buckets = b;
	s->nbuckets = n;
	return 0;
}

/* Add the key text p[start..end) to the current object, refusing duplicates. */
static int add_key(struct scan *s, size_t start, size_t end, uint32_t hash,
		   int escaped)
{
	struct frame *f = &s->stack[s->depth - 1];
	struct keyent *e, key = { start, end, hash, 0, escaped };
	uint32_t j;

	if (s->nkeys >= UINT32_MAX - 1)
		return fail(s, start - 1, "too many keys in open objects");
	if (s->nkeys == s->keycap) {
		e = grow_local(s->keys, s->local_keys, sizeof(*e), s->nkeys, &s->keycap);
		if (!e)
			return fail_oom(s);
		s->keys = e;
	}
	if (!s->nbuckets || s->nkeys >= s->nbuckets) {
		if (rehash(s, s->nbuckets ? s->nbuckets * 2 : LOCAL_BUCKETS))
			return ERR_IO;
	}
	for (j = s->buckets[hash & (s->nbuckets - 1)]; j; j = e->next) {
		e = &s->keys[j - 1];
		if (j - 1 < f->key_base)
			break;
		if (e->hash == hash && same_key(s->p, e, &key)) {
			long line, col;
			size_t show = end - start;

			if (show > KEY_SHOW_MAX) {
				show = KEY_SHOW_MAX;
				while (show && (s->p[start + show] & 0xC0) == 0x80)
					show--;
			}
			jsonread_position((const char *)s->p, s->len,
					  e->start - 1, &line, &col);
			f->member = 0;
			return fail(s, start - 1,
				    "duplicate key \"%.*s%s\" (first at %ld:%ld)",
				    (int)show, (const char *)s->p + start,
				    show < end - start ? "..." : "", line, col);
		}
	}
	key.next = s->buckets[hash & (s->nbuckets - 1)];
	s->keys[s->nkeys++] = key;
	s->buckets[hash & (s->nbuckets - 1)] = (uint32_t)s->nkeys;
	return 0;
}

#define TOP (&s->stack[s->depth - 1])

static int scan_doc(struct scan *s, size_t i)
{
	const unsigned char *p = s->p;
	size_t len = s->len, ks;
	uint32_t h;
	int esc;

	i = skip_ws(p, len, i);
	if (i >= len)
		return error_set_at(s->err, ERR_DATA, s->path, 0, 0, NULL,
				    "empty document");
value:
	if (i >= len)
		return fail(s, len, "unexpected end of data (expected a value)");
	switch (p[i]) {
	case '{':
		if (push(s, K_OBJ, i))
			return s->err ? (int)s->err->code : ERR_DATA;
		i = skip_ws(p, len, i + 1);
		if (i < len && p[i] == '}') {
			i++;
			pop(s);
			goto after;
		}
		goto key;
	case '[':
		if (push(s, K_ARR, i))
			return s->err ? (int)s->err->code : ERR_DATA;
		i = skip_ws(p, len, i + 1);
		if (i < len && p[i] == ']') {
			i++;
			pop(s);
			goto after;
		}
		TOP->member = 1;
		goto value;
	case '"':
		if (scan_string(s, &i, NULL, NULL))
			return ERR_DATA;
		goto after;
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		if (scan_number(s, &i))
			return ERR_DATA;
		goto after;
	case 't': case 'f': case 'n':
		if (scan_literal(s, &i))
			return ERR_DATA;
		goto after;
	default:
		return fail_unexpected(s, i, "a value");
	}
key:
	if (i >= len)
		return fail(s, len, "unexpected end of data (expected a key)");
	if (p[i] != '"')
		return fail_unexpected(s, i, "a string key");
	ks = i;
	esc = 0;
	if (scan_string(s, &i, &h, &esc))
		return ERR_DATA;
	if (add_key(s, ks + 1, i - 1, h, esc))
		return s->err ? (int)s->err->code : ERR_DATA;
	TOP->key_start = ks + 1;
	TOP->key_end = i - 1;
	TOP->member = 1;
	i = skip_ws(p, len, i);
	if (i >= len)
		return fail(s, len, "unexpected end of data (expected ':')");
	if (p[i] != ':')
		return fail_unexpected(s, i, "':' after the key");
	i = skip_ws(p, len, i + 1);
	goto value;
after:
	i = skip_ws(p, len, i);
	if (s->depth == 0) {
		if (i < len)
			return fail(s, i, "trailing data after the JSON value");
		return 0;
	}
	TOP->member = 0;
	if (i >= len)
		return fail(s, len, "unexpected end of data (expected ',' or '%c')",
			    TOP->kind == K_ARR ? ']' : '}');
	if (p[i] == ',') {
		i = skip_ws(p, len, i + 1);
		if (TOP->kind == K_ARR) {
			if (i < len && p[i] == ']')
				return fail(s, i, "trailing comma before ']'");
			TOP->index++;
			TOP->member = 1;
			goto value;
		}
		if (i < len && p[i] == '}')
			return fail(s, i, "trailing comma before '}'");
		goto key;
	}
	if (p[i] == (TOP->kind == K_ARR ? ']' : '}')) {
		i++;
		pop(s);
		goto after;
	}
	return fail_unexpected(s, i, TOP->kind == K_ARR ? "',' or ']'"
							: "',' or '}'");
}

int jsonread_check(const char *buf, size_t len,
		   const struct jsonread_opts *opts, struct error *err)
{
	struct scan s;
	size_t bom;
	int rc;

	s.p = (const unsigned char *)(buf ? buf : "");
	s.len = buf ? len : 0;
	s.max_depth = opts && opts->max_depth ? opts->max_depth
					      : JSONREAD_DEFAULT_DEPTH;
	s.path = opts ? opts->path : NULL;
	s.nul_seen = opts ? opts->nul_seen : NULL;
	s.err = err;
	s.stack = s.local_frames;
	s.depth = 0;
	s.cap = LOCAL_FRAMES;
	s.keys = s.local_keys;
	s.nkeys = 0;
	s.keycap = LOCAL_KEYS;
	s.buckets = s.local_buckets;
	s.nbuckets = 0;

	jsonread_skip_bom((const char *)s.p, s.len, &bom);
	rc = scan_doc(&s, bom);
	if (s.stack != s.local_frames)
		free(s.stack);
	if (s.keys != s.local_keys)
		free(s.keys);
	if (s.buckets != s.local_buckets)
		free(s.buckets);
	return rc;
}

int jsonread_has_nul_escape(const char *s, size_t n)
{
	size_t i;
	int in_str = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '"')
			in_str = !in_str;
		else if (in_str && s[i] == '\\' && i + 1 < n) {
			if (s[i + 1] == 'u' && i + 5 < n && !memcmp(s + i + 2, "0000", 4))
				return 1;
			i++;
		}
	}
	return 0;
}

/*
 * A copy of a checked document with every \u0000 escape made \uffff (the
 * same length, so offsets hold), or NULL with err: when the document holds
 * U+FFFF itself (raw or escaped), the stand-in could not be told apart.
 */
static char *nul_stand_in(const char *buf, size_t len, const char *path,
			  struct error *err)
{
	char *c;
	size_t i;
	int in_str = 0;

	for (i = 0; i + 2 < len; i++)
		if ((unsigned char)buf[i] == 0xEF && (unsigned char)buf[i + 1] == 0xBF &&
		    (unsigned char)buf[i + 2] == 0xBF)
			goto both;
	if (!(c = malloc(len + 1))) {
		error_set_at(err, ERR_IO, path, 0, 0, NULL, "out of memory");
		return NULL;
	}
	memcpy(c, buf, len);
	c[len] = '\0';
	for (i = 0; i < len; i++) {
		if (c[i] == '"') {
			in_str = !in_str;
		} else if (in_str && c[i] == '\\' && i + 1 < len) {
			if (c[i + 1] == 'u' && i + 5 < len) {
				if (!memcmp(c + i + 2, "0000", 4)) {
					memcpy(c + i + 2, "ffff", 4);
				} else if (strncasecmp(c + i + 2, "ffff", 4) == 0) {
					free(c);
					goto both;
				}
				i += 5;
			} else {
				i++;
			}
		}
	}
	return c;
both:
	error_set_at(err, ERR_DATA, path, 0, 0, NULL,
		     "the document holds both \\u0000 and U+FFFF, which wsmigrate "
		     "cannot tell apart (refused: see README)");
	return NULL;
}

cJSON *jsonread_parse(const char *buf, size_t len,
		      const struct jsonread_opts *opts, struct error *err)
{
	struct jsonread_opts o = { 0, NULL, NULL };
	const char *doc, *end = NULL;
	char *copy = NULL;
	size_t bom;
	cJSON *tree;

	if (opts)
		o = *opts;
	if (!o.max_depth)
		o.max_depth = JSONREAD_DEFAULT_DEPTH;
	if (o.max_depth > JSONREAD_PARSE_MAX_DEPTH)
		o.max_depth = JSONREAD_PARSE_MAX_DEPTH;
	if (o.nul_seen)
		*o.nul_seen = 0;
	if (jsonread_check(buf, len, &o, err))
		return NULL;
	doc = jsonread_skip_bom(buf, len, &bom);
	if (o.nul_seen && *o.nul_seen) {
		/* cJSON ends C strings at a NUL: parse a copy with U+FFFF instead */
		if (!(copy = nul_stand_in(buf, len, o.path, err)))
			return NULL;
		buf = copy;
		doc = copy + bom;
	}
	/*
	 * require_null_terminated=1 would make cJSON read one byte past `len`
	 * looking for the NUL; the strict check already refused trailing data,
	 * so parse exactly len bytes and only verify where cJSON stopped.
	 */
	tree = cJSON_ParseWithLengthOpts(doc, len - bom, &end, 0);
	if (!tree) {
		free(copy);
		error_set_at(err, ERR_IO, o.path, 0, 0, NULL,
			     "cJSON could not build the document (out of memory?)");
		return NULL;
	}
	if (skip_ws((const unsigned char *)buf, len,
		    (size_t)(end - buf)) != len) {
		free(copy);
		cJSON_Delete(tree);
		error_set_at(err, ERR_DATA, o.path, 0, 0, NULL,
			     "cJSON stopped early at offset %zu",
			     (size_t)(end - buf));
		return NULL;
	}
	free(copy);
	return tree;
}

/* ------------------------------------------------------------ locate */

/* Offset of the closing quote of the string opening at i, or len. */
static size_t string_close(const unsigned char *p, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		if (p[i] == '\\')
			i++;
		else if (p[i] == '"')
			return i;
	}
	return len;
}

/* Offset just past the value starting at i (no leading whitespace). */
static size_t value_end(const unsigned char *p, size_t len, size_t i)
{
	size_t depth = 0;

	if (i >= len)
		return len;
	if (p[i] == '"') {
		size_t c = string_close(p, len, i);

		return c >= len ? len : c + 1;
	}
	if (p[i] != '{' && p[i] != '[') {
		while (i < len && !is_ws(p[i]) && p[i] != ',' && p[i] != ']' &&
		       p[i] != '}')
			i++;
		return i;
	}
	for (; i < len; i++) {
		switch (p[i]) {
		case '"':
			i = string_close(p, len, i);
			break;
		case '{': case '[':
			depth++;
			break;
		case '}': case ']':
			if (--depth == 0)
				return i + 1;
			break;
		}
	}
	return len;
}

/* Byte k of pointer token t[0..n) with ~0 and ~1 decoded; *k advances. */
static unsigned char token_byte(const char *t, size_t n, size_t *k)
{
	unsigned char c = (unsigned char)t[*k];

	(*k)++;
	if (c == '~' && *k < n) {
		c = t[*k] == '0' ? '~' : '/';
		(*k)++;
	}
	return c;
}

/* 1 if the key text p[start..end) equals the pointer token t[0..n). */
static int key_is_token(const unsigned char *p, size_t start, size_t end,
			const char *t, size_t n)
{
	size_t i = start, k = 0, m, j;
	unsigned char u[4];

	while (i < end) {
		m = utf8_encode(next_cp(p, end, &i), u);
		for (j = 0; j < m; j++)
			if (k >= n || token_byte(t, n, &k) != u[j])
				return 0;
	}
	return k == n;
}

int jsonread_locate(const char *buf, size_t len, const char *pointer,
		    size_t *start, size_t *end)
{
	const unsigned char *p = (const unsigned char *)buf;
	const char *tok = pointer;
	size_t i, n, k, idx;

	if (!jsonpointer_valid(pointer))
		return -1;
	jsonread_skip_bom(buf, len, &i);
	i = skip_ws(p, len, i);
	if (i >= len)
		return 1;
	while (*tok) {
		tok++;
		n = strcspn(tok, "/");
		if (p[i] == '{') {
			int found = 0;

			i = skip_ws(p, len, i + 1);
			while (i < len && p[i] == '"') {
				size_t ke = string_close(p, len, i);

				if (ke >= len)
					return 1;
				found = key_is_token(p, i + 1, ke, tok, n);
				i = skip_ws(p, len, ke + 1);
				if (i >= len || p[i] != ':')
					return 1;
				i = skip_ws(p, len, i + 1);
				if (found)
					break;
				i = skip_ws(p, len, value_end(p, len, i));
				if (i >= len || p[i] != ',')
					break;
				i = skip_ws(p, len, i + 1);
			}
			if (!found)
				return 1;
		} else if (p[i] == '[') {
			if (n == 0 || n > 19 || (tok[0] == '0' && n > 1))
				return 1;
			for (idx = 0, k = 0; k < n; k++) {
				if (!is_digit((unsigned char)tok[k]))
					return 1;
				idx = idx * 10 + (size_t)(tok[k] - '0');
			}
			i = skip_ws(p, len, i + 1);
			if (i >= len || p[i] == ']')
				return 1;
			for (k = 0; k < idx; k++) {
				i = skip_ws(p, len, value_end(p, len, i));
				if (i >= len || p[i] != ',')
					return 1;
				i = skip_ws(p, len, i + 1);
			}
		} else {
			return 1;
		}
		if (i >= len)
			return 1;
		tok += n;
	}
	*start = i;
	*end = value_end(p, len, i);
	return 0;
}

int jsonread_iter_init(struct jsonread_iter *it, const char *buf, size_t len,
		       size_t start)
{
	const unsigned char *p = (const unsigned char *)buf;

	memset(it, 0, sizeof(*it));
	it->buf = buf;
	it->len = len;
	if (start >= len || (p[start] != '{' && p[start] != '[')) {
		it->pos = len;
		return -1;
	}
	it->is_object = p[start] == '{';
	it->pos = skip_ws(p, len, start + 1);
	if (it->pos < len && (p[it->pos] == '}' || p[it->pos] == ']'))
		it->pos = len;
	return 0;
}

int jsonread_iter_next(struct jsonread_iter *it, size_t *vstart, size_t *vend)
{
	const unsigned char *p = (const unsigned char *)it->buf;
	size_t len = it->len, i = it->pos;

	if (i >= len)
		return 0;
	if (it->is_object) {
		if (p[i] != '"')
			goto done;
		i = string_close(p, len, i);
		if (i >= len)
			goto done;
		i = skip_ws(p, len, i + 1);
		if (i >= len || p[i] != ':')
			goto done;
		i = skip_ws(p, len, i + 1);
	}
	if (i >= len)
		goto done;
	*vstart = i;
	*vend = value_end(p, len, i);
	i = skip_ws(p, len, *vend);
	it->pos = i < len && p[i] == ',' ? skip_ws(p, len, i + 1) : len;
	return 1;
done:
	it->pos = len;
	return 0;
}

/* ------------------------------------------------------------ numbers */

enum jsonread_number jsonread_number_kind(const char *raw, size_t n,
					  int64_t *out)
{
	const unsigned char *p = (const unsigned char *)raw;
	size_t i = 0, a0, a1, b0 = 0, b1 = 0, total, first, last, k;
	long long exp = 0, dexp;
	int neg = 0, eneg = 0;
	uint64_t v = 0, limit;

	if (i < n && p[i] == '-') {
		neg = 1;
		i++;
	}
	a0 = i;
	if (i >= n || !is_digit(p[i]))
		return JSONREAD_NUM_INVALID;
	if (p[i] == '0')
		i++;
	else
		while (i < n && is_digit(p[i]))
			i++;
	a1 = i;
	if (i < n && p[i] == '.') {
		b0 = ++i;
		while (i < n && is_digit(p[i]))
			i++;
		b1 = i;
		if (b1 == b0)
			return JSONREAD_NUM_INVALID;
	}
	if (i < n && (p[i] == 'e' || p[i] == 'E')) {
		i++;
		if (i < n && (p[i] == '+' || p[i] == '-'))
			eneg = p[i++] == '-';
		if (i >= n || !is_digit(p[i]))
			return JSONREAD_NUM_INVALID;
		for (; i < n && is_digit(p[i]); i++)
			if (exp < 1000000000LL)
				exp = exp * 10 + (p[i] - '0');
		if (eneg)
			exp = -exp;
	}
	if (i != n)
		return JSONREAD_NUM_INVALID;

	/* digits of int part then fraction part, as one string of `total` */
#define DIGIT(j) ((j) < a1 - a0 ? p[a0 + (j)] : p[b0 + (j) - (a1 - a0)])
	total = (a1 - a0) + (b1 - b0);
	for (first = 0; first < total && DIGIT(first) == '0'; first++)
		;
	if (first == total) {
		if (out)
			*out = 0;
		return JSONREAD_NUM_INT;
	}
	for (last = total - 1; DIGIT(last) == '0'; last--)
		;
	/* value = digits[first..last] * 10^dexp */
	dexp = exp - (long long)(b1 - b0) + (long long)(total - 1 - last);
	if (dexp < 0)
		return JSONREAD_NUM_FRACTION;
	if ((long long)(last - first + 1) + dexp > 19)
		return JSONREAD_NUM_BIGINT;
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (k = first; k <= last; k++)
		v = v * 10 + (uint64_t)(DIGIT(k) - '0');
	for (; dexp > 0; dexp--)
		v *= 10;
#undef DIGIT
	/* at most 19 digits: v < 10^19 < 2^64, so no wrap-around above */
	if (v > limit)
		return JSONREAD_NUM_BIGINT;
	if (out)
		*out = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN
							 : -(int64_t)v)
			   : (int64_t)v;
	return JSONREAD_NUM_INT;
}

int jsonread_number_is_exact_int(const char *raw, size_t n, int64_t *out)
{
	return jsonread_number_kind(raw, n, out) == JSONREAD_NUM_INT;
}
