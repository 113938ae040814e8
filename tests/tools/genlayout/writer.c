/*
 * writer.c - genlayout's random streams, its output buffer B and the JSON
 * writer that fills B in one of the output styles (genlayout.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genlayout.h"

/* ================================================================ random */

uint64_t mix64(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t strhash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

uint64_t rnext(struct rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return mix64(r->s);
}

/* the three streams: seeded by main(), see genlayout.h */
struct rng C;
struct rng K;
uint64_t shape_seed;

/* content: integer in [0, n) */
unsigned cr(unsigned n)
{
	return n ? (unsigned)(rnext(&C) % n) : 0;
}

double cf(void)
{
	return (double)(rnext(&C) >> 11) / 9007199254740992.0;
}

/* shape: a stable choice in [0, n) named by tag */
unsigned shp(const char *tag, unsigned n)
{
	return (unsigned)(mix64(shape_seed ^ strhash(tag)) % n);
}

/* ================================================================ buffer */

/* the document being built: see genlayout.h */
struct buffer B;

void die(const char *what)
{
	fprintf(stderr, "genlayout: %s: %s\n", what, strerror(errno));
	exit(3);
}

static void breserve(size_t extra)
{
	if (B.len + extra + 1 <= B.cap)
		return;
	while (B.len + extra + 1 > B.cap)
		B.cap = B.cap ? B.cap * 2 : 1 << 16;
	B.p = realloc(B.p, B.cap);
	if (!B.p)
		die("realloc");
}

void bput(const void *s, size_t n)
{
	breserve(n);
	memcpy(B.p + B.len, s, n);
	B.len += n;
}

void bs(const char *s)
{
	bput(s, strlen(s));
}

void bf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	breserve((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(B.p + B.len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	B.len += (size_t)n;
}

/* insert n bytes at pos */
void binsert(size_t pos, const char *s, size_t n)
{
	breserve(n);
	memmove(B.p + pos + n, B.p + pos, B.len - pos);
	memcpy(B.p + pos, s, n);
	B.len += n;
}

/* ================================================================ JSON writer */

/* the output styles (struct style in genlayout.h) */
static const struct style ST_PY2 = { "py2", 2, 0, 1, 0, 0, 0 };
static const struct style ST_PY4 = { "py4", 4, 0, 1, 0, 0, 0 };
static const struct style ST_JS2 = { "js2", 2, 0, 0, 0, 1, 0 };
static const struct style ST_TAB = { "tab", 0, 1, 0, 0, 1, 0 };
static const struct style ST_CRLF = { "crlf", 2, 0, 0, 1, 1, 0 };
static const struct style ST_DUMPS = { "dumps", 0, 0, 1, 0, 0, 0 };
static const struct style ST_MIN = { "min", 0, 0, 0, 0, 0, 1 };
const struct style *const STYLES[N_STYLES] = {
	&ST_PY2, &ST_PY4, &ST_JS2, &ST_TAB, &ST_CRLF, &ST_DUMPS, &ST_MIN,
};

/* the writer's state: see genlayout.h */
struct writer W;

static int pretty(void)
{
	return W.st->indent > 0 || W.st->tab;
}

static void w_nl(void)
{
	int i;

	bs(W.st->crlf ? "\r\n" : "\n");
	for (i = 0; i < W.depth; i++) {
		if (W.st->tab)
			bput("\t", 1);
		else
			bf("%*s", W.st->indent, "");
	}
}

/* one JSON string; non-ASCII escaped in ASCII styles (UTF-16 surrogates) */
static void w_str(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	bput("\"", 1);
	while (*p) {
		unsigned c = *p;

		if (c == '"') {
			bs("\\\"");
		} else if (c == '\\') {
			bs("\\\\");
		} else if (c == '\n') {
			bs("\\n");
		} else if (c == '\r') {
			bs("\\r");
		} else if (c == '\t') {
			bs("\\t");
		} else if (c < 0x20) {
			bf("\\u%04x", c);
		} else if (c >= 0x80 && W.st->ascii) {
			unsigned cp, len;

			if (c >= 0xf0) { cp = c & 0x07; len = 4; }
			else if (c >= 0xe0) { cp = c & 0x0f; len = 3; }
			else { cp = c & 0x1f; len = 2; }
			for (unsigned i = 1; i < len; i++)
				cp = (cp << 6) | (p[i] & 0x3f);
			if (cp >= 0x10000) {
				cp -= 0x10000;
				bf("\\u%04x\\u%04x", 0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
			} else {
				bf("\\u%04x", cp);
			}
			p += len;
			continue;
		} else {
			bput(p, 1);
		}
		p++;
	}
	bput("\"", 1);
}

/* separator and key before a value; 0 when the member must be left out */
static int w_key(const char *k)
{
	if (W.depth == 1 && k && W.drop && strcmp(k, W.drop) == 0)
		return 0;
	if (W.depth > 0) {
		if (W.n[W.depth]++) {
			bput(",", 1);
			if (!pretty() && !W.st->minified)
				bput(" ", 1);
		}
		if (pretty())
			w_nl();
		if (k) {
			w_str(k);
			bs(W.st->minified ? ":" : ": ");
		}
	}
	return 1;
}

static void w_open(const char *k, char c)
{
	if (!w_key(k)) {
		fprintf(stderr, "genlayout: internal error: container '%s' dropped\n", k);
		exit(3);
	}
	if (W.depth + 1 >= MAXDEPTH) {
		fprintf(stderr, "genlayout: internal error: too deep\n");
		exit(3);
	}
	bput(&c, 1);
	W.depth++;
	W.n[W.depth] = 0;
	W.close[W.depth] = c == '{' ? '}' : ']';
}

void jo(const char *k) { w_open(k, '{'); }
void ja(const char *k) { w_open(k, '['); }

void je(void)
{
	int had = W.n[W.depth];
	char c = W.close[W.depth];

	W.depth--;
	if (had && pretty())
		w_nl();
	bput(&c, 1);
}

void js(const char *k, const char *v)
{
	if (w_key(k))
		w_str(v);
}

void jsf(const char *k, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	js(k, tmp);
}

void jraw(const char *k, const char *v)
{
	if (w_key(k))
		bs(v);
}

void ji(const char *k, long long v)
{
	if (w_key(k))
		bf("%lld", v);
}

/* a number that is never integral: the last printed digit is made non-zero */
void jf(const char *k, double v, int prec)
{
	char tmp[64];
	size_t n;

	snprintf(tmp, sizeof(tmp), "%.*f", prec < 1 ? 1 : prec, v);
	n = strlen(tmp);
	if (tmp[n - 1] == '0')
		tmp[n - 1] = (char)('1' + (int)(mix64((uint64_t)n + (uint64_t)(int64_t)(v * 1000)) % 9));
	jraw(k, tmp);
}

void jb(const char *k, int v) { jraw(k, v ? "true" : "false"); }
void jnull(const char *k) { jraw(k, "null"); }

void w_begin(const struct style *st)
{
	B.len = 0;
	W.st = st;
	W.depth = 0;
	W.drop = NULL;
}

void w_finish(void)
{
	if (W.st->final_nl)
		bs(W.st->crlf ? "\r\n" : "\n");
}
