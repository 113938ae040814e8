/*
 * glob.c - path glob matching for manifest rules: '*', '?', classes and
 * whole-segment '**'.  Two levels of the classic greedy wildcard match
 * (segments, then characters within a segment), each with a single
 * backtrack point, so the cost is bounded by pattern x path length.
 * It does not touch the file system.
 */
#include "glob.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/*
 * Decode one UTF-8 character at s[0..end); returns its length.  Bytes that
 * do not start a well-formed sequence count as one character each, with a
 * code point outside Unicode so that they only match themselves.
 */
static size_t dec(const char *s, const char *end, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n, k, avail = (size_t)(end - s);
	uint32_t v;

	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	if (u[0] >= 0xC2 && u[0] <= 0xDF) {
		n = 2;
		v = u[0] & 0x1F;
	} else if (u[0] >= 0xE0 && u[0] <= 0xEF) {
		n = 3;
		v = u[0] & 0x0F;
	} else if (u[0] >= 0xF0 && u[0] <= 0xF4) {
		n = 4;
		v = u[0] & 0x07;
	} else {
		goto raw;
	}
	if (avail < n)
		goto raw;
	for (k = 1; k < n; k++) {
		if ((u[k] & 0xC0) != 0x80)
			goto raw;
		v = (v << 6) | (u[k] & 0x3F);
	}
	*cp = v;
	return n;
raw:
	*cp = 0x110000u + u[0];
	return 1;
}

/* End of the pattern segment starting at p: the next unescaped '/' or NUL. */
static const char *seg_end(const char *p)
{
	while (*p && *p != '/') {
		if (*p == '\\' && p[1])
			p++;
		p++;
	}
	return p;
}

/* ASCII letters folded to lower case; every other code point as is. */
static uint32_t fold(uint32_t c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static uint32_t unfold(uint32_t c)
{
	return c >= 'a' && c <= 'z' ? c - ('a' - 'A') : c;
}

/* Whether c lies in [lo, hi], either case of an ASCII letter with icase. */
static int in_range(uint32_t c, uint32_t lo, uint32_t hi, int icase)
{
	if (c >= lo && c <= hi)
		return 1;
	if (!icase)
		return 0;
	c = fold(c) == c ? unfold(c) : fold(c);
	return c >= lo && c <= hi;
}

/*
 * Try to match one pattern element at *pp (not '*') against one character
 * at *sp.  On a match advance both and return 1; else return 0 and leave
 * them alone.
 */
static int match_one(const char **pp, const char *pe, const char **sp,
		     const char *se, int icase)
{
	const char *p = *pp, *q;
	uint32_t c, lo, hi;
	size_t sn = dec(*sp, se, &c);
	int neg = 0, hit = 0, first = 1;

	if (*p == '?') {
		p++;
		goto yes;
	}
	if (*p == '[') {
		q = p + 1;
		if (q < pe && (*q == '!' || *q == '^')) {
			neg = 1;
			q++;
		}
		for (;;) {
			if (q >= pe)
				goto literal;  /* unterminated: '[' is literal */
			if (*q == ']' && !first)
				break;
			first = 0;
			if (*q == '\\' && q + 1 < pe)
				q++;
			q += dec(q, pe, &lo);
			hi = lo;
			if (q + 1 < pe && *q == '-' && q[1] != ']') {
				q++;
				if (*q == '\\' && q + 1 < pe)
					q++;
				q += dec(q, pe, &hi);
			}
			if (in_range(c, lo, hi, icase))
				hit = 1;
		}
		if (hit == neg)
			return 0;
		p = q + 1;
		goto yes;
	}
literal:
	if (*p == '\\' && p + 1 < pe)
		p++;
	p += dec(p, pe, &lo);
	if (lo != c && !(icase && fold(lo) == fold(c)))
		return 0;
yes:
	*pp = p;
	*sp += sn;
	return 1;
}

/* Match pattern segment [p, pe) against path segment [s, se). */
static int seg_match(const char *p, const char *pe, const char *s,
		     const char *se, int icase)
{
	const char *star = NULL, *back = NULL;
	uint32_t c;

	while (s < se) {
		if (p < pe && *p == '*') {
			while (p < pe && *p == '*')
				p++;
			star = p;
			back = s;
			continue;
		}
		if (p < pe && match_one(&p, pe, &s, se, icase))
			continue;
		if (!star)
			return 0;
		back += dec(back, se, &c);
		p = star;
		s = back;
	}
	while (p < pe && *p == '*')
		p++;
	return p == pe;
}

size_t glob_icase_prefix(const char *pattern)
{
	return strncmp(pattern, "(?i)", 4) == 0 ? 4 : 0;
}

int glob_match(const char *pattern, const char *path)
{
	return glob_match_flags(pattern, path, 0);
}

int glob_match_flags(const char *pattern, const char *path, int flags)
{
	const char *p, *s = path;
	const char *star_p = NULL, *star_s = NULL;
	int s_done = 0, star_done = 0, icase = (flags & GLOB_ICASE) != 0;
	size_t skip = glob_icase_prefix(pattern);

	if (skip)
		icase = 1;
	pattern += skip;
	p = pattern;

	for (;;) {
		const char *pe, *pnext, *se;
		int p_last;

		pe = seg_end(p);
		p_last = !*pe;
		pnext = p_last ? pe : pe + 1;
		if (pe - p == 2 && p[0] == '*' && p[1] == '*') {
			if (p_last)
				/* trailing "**": one or more segments, or all */
				return !s_done || p == pattern;
			star_p = pnext;
			star_s = s;
			star_done = s_done;
			p = pnext;
			continue;
		}
		if (s_done)
			goto backtrack;
		se = strchr(s, '/');
		if (!se)
			se = s + strlen(s);
		if (seg_match(p, pe, s, se, icase)) {
			p = pnext;
			if (*se) {
				s = se + 1;
			} else {
				s = se;
				s_done = 1;
			}
			if (p_last) {
				if (s_done)
					return 1;
				goto backtrack;
			}
			continue;
		}
backtrack:
		if (!star_p || star_done)
			return 0;
		se = strchr(star_s, '/');
		if (!se)
			return 0;  /* "**" already spans the last segment */
		star_s = se + 1;
		s = star_s;
		s_done = 0;
		p = star_p;
	}
}

static int why_set(char *why, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int why_set(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (why && size) {
		va_start(ap, fmt);
		vsnprintf(why, size, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int glob_check(const char *pattern, char *why, size_t why_size)
{
	const char *p, *seg;

	if (why && why_size)
		why[0] = '\0';
	if (!pattern || !*pattern)
		return why_set(why, why_size, "empty pattern");
	if (glob_icase_prefix(pattern)) {
		pattern += 4;
		if (!*pattern)
			return why_set(why, why_size, "empty pattern after '(?i)'");
	}
	p = pattern;
	if (*p == '/')
		return why_set(why, why_size, "pattern must be relative "
			       "(leading '/')");
	for (seg = p; ; p++) {
		if (*p == '/' || !*p) {
			if (p == seg)
				return why_set(why, why_size, *p ?
					       "empty segment ('//') at position %zu" :
					       "trailing '/': use 'dir/**' to match "
					       "everything under a directory",
					       (size_t)(p - pattern) - 1);
			if (!*p)
				return 0;
			seg = p + 1;
			continue;
		}
		if (*p == '\\') {
			if (!p[1])
				return why_set(why, why_size, "trailing backslash");
			p++;
			continue;
		}
		if (*p == '*' && p[1] == '*' &&
		    (p != seg || (p[2] && p[2] != '/')))
			return why_set(why, why_size, "'**' must be a whole path "
				       "segment (at position %zu): use '*' within "
				       "a segment", (size_t)(p - pattern));
		if (*p == '*' && p[1] == '*') {
			p++;
			continue;
		}
		if (*p == '[') {
			const char *q = p + 1;
			int first = 1;

			if (*q == '!' || *q == '^')
				q++;
			for (;; q++) {
				if (!*q)
					return why_set(why, why_size,
						       "unterminated '[' at position %zu",
						       (size_t)(p - pattern));
				if (*q == '/')
					return why_set(why, why_size,
						       "'/' inside '[...]' at position "
						       "%zu (a class never matches '/')",
						       (size_t)(q - pattern));
				if (*q == ']' && !first)
					break;
				first = 0;
				if (*q == '\\') {
					if (!q[1])
						return why_set(why, why_size,
							       "trailing backslash");
					q++;
				}
			}
			p = q;
		}
	}
}
