/*
 * fuzz_glob.c - glob_check(), glob_match() and glob_match_flags()
 * (include/glob.h).
 *
 * Input: PATTERN NUL PATH (without a NUL, the pattern alone).
 * Invariants:
 *   - glob_check() refuses with a reason, or accepts; glob_match() answers
 *     0 or 1 for any pattern, checked or not, in bounded time (libFuzzer's
 *     -timeout catches a blow-up);
 *   - for an accepted pattern and a well-formed relative path (no leading,
 *     trailing or doubled '/'), glob_match() and glob_match_flags(...,
 *     GLOB_ICASE) agree with a plain dynamic-programming matcher written
 *     from glob.h's description (segments and '**' first, then '*', '?',
 *     classes and escapes within a segment; "(?i)" or GLOB_ICASE: ASCII
 *     letters match either case, in literals and classes);
 *   - "**" matches every path, and the path with '*', '?', '[' and '\'
 *     escaped is an accepted pattern that matches the path.
 * The reference decodes UTF-8 as glob.c does: a byte that does not start a
 * well-formed sequence is a character of its own that only matches itself.
 */
#include "fuzz.h"

#include "glob.h"

#define REF_MAX 160   /* longer inputs skip the reference (cost is cubic) */

/* ------------------------------------------------------- the reference */

static size_t ref_dec(const char *s, const char *end, uint32_t *cp)
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

enum el_kind { EL_STAR, EL_ANY, EL_LIT, EL_CLASS };

struct el {
	enum el_kind kind;
	uint32_t c;               /* EL_LIT */
	int neg;                  /* EL_CLASS */
	size_t n_ranges;
	uint32_t lo[REF_MAX], hi[REF_MAX];
};

static struct el els[REF_MAX];

/* Parse pattern segment [p, pe) into els; returns the number of elements. */
static size_t parse_seg(const char *p, const char *pe)
{
	size_t n = 0;

	while (p < pe) {
		struct el *e = &els[n++];

		if (*p == '*') {
			e->kind = EL_STAR;
			while (p < pe && *p == '*')
				p++;
			continue;
		}
		if (*p == '?') {
			e->kind = EL_ANY;
			p++;
			continue;
		}
		if (*p == '[') {
			const char *q = p + 1;
			int first = 1;

			e->kind = EL_CLASS;
			e->neg = 0;
			e->n_ranges = 0;
			if (q < pe && (*q == '!' || *q == '^')) {
				e->neg = 1;
				q++;
			}
			for (;;) {
				uint32_t lo, hi;

				if (q >= pe)
					fuzz_fail("reference: unterminated class in a checked pattern");
				if (*q == ']' && !first)
					break;
				first = 0;
				if (*q == '\\' && q + 1 < pe)
					q++;
				q += ref_dec(q, pe, &lo);
				hi = lo;
				if (q + 1 < pe && *q == '-' && q[1] != ']') {
					q++;
					if (*q == '\\' && q + 1 < pe)
						q++;
					q += ref_dec(q, pe, &hi);
				}
				e->lo[e->n_ranges] = lo;
				e->hi[e->n_ranges++] = hi;
			}
			p = q + 1;
			continue;
		}
		if (*p == '\\' && p + 1 < pe)
			p++;
		e->kind = EL_LIT;
		p += ref_dec(p, pe, &e->c);
	}
	return n;
}

static int ref_icase;

/* The other case of an ASCII letter, else c itself. */
static uint32_t other_case(uint32_t c)
{
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 'A';
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 'a';
	return c;
}

static int el_matches(const struct el *e, uint32_t c)
{
	size_t i;
	int hit = 0;

	switch (e->kind) {
	case EL_ANY: return 1;
	case EL_LIT: return e->c == c || (ref_icase && other_case(e->c) == c);
	case EL_CLASS:
		for (i = 0; i < e->n_ranges; i++)
			if ((c >= e->lo[i] && c <= e->hi[i]) ||
			    (ref_icase && other_case(c) >= e->lo[i] && other_case(c) <= e->hi[i]))
				hit = 1;
		return hit != e->neg;
	case EL_STAR: break;
	}
	return 0;
}

/* Does pattern segment [p, pe) match path segment [s, se)?  DP, no backtracking. */
static int ref_seg(const char *p, const char *pe, const char *s, const char *se)
{
	static uint32_t cs[REF_MAX];
	static unsigned char ok[REF_MAX + 1][REF_MAX + 1];
	size_t ne = parse_seg(p, pe), nc = 0, i, j;

	while (s < se)
		s += ref_dec(s, se, &cs[nc++]);
	/* ok[i][j]: elements i.. match chars j.. */
	for (i = ne + 1; i-- > 0;) {
		for (j = nc + 1; j-- > 0;) {
			if (i == ne)
				ok[i][j] = j == nc;
			else if (els[i].kind == EL_STAR)
				ok[i][j] = ok[i + 1][j] || (j < nc && ok[i][j + 1]);
			else
				ok[i][j] = j < nc && el_matches(&els[i], cs[j]) && ok[i + 1][j + 1];
		}
	}
	return ok[0][0];
}

/* End of the pattern segment at p: the next unescaped '/' or NUL. */
static const char *ref_seg_end(const char *p)
{
	while (*p && *p != '/') {
		if (*p == '\\' && p[1])
			p++;
		p++;
	}
	return p;
}

static int ref_match(const char *pattern, const char *path, int icase)
{
	const char *ps[REF_MAX], *pe[REF_MAX], *ss[REF_MAX], *se[REF_MAX];
	static unsigned char ok[REF_MAX + 1][REF_MAX + 1];
	size_t np = 0, ns = 0, i, j, k;
	const char *p;

	ref_icase = icase;
	if (strncmp(pattern, "(?i)", 4) == 0) {
		ref_icase = 1;
		pattern += 4;
	}
	p = pattern;

	for (;;) {
		ps[np] = p;
		pe[np] = ref_seg_end(p);
		p = pe[np++];
		if (!*p)
			break;
		p++;
	}
	for (p = path;;) {
		const char *e = strchr(p, '/');

		ss[ns] = p;
		se[ns++] = e ? e : p + strlen(p);
		if (!e)
			break;
		p = e + 1;
	}
	if (strcmp(pattern, "**") == 0)
		return 1;
	/* ok[i][j]: pattern segments i.. match path segments j.. */
	for (i = np + 1; i-- > 0;) {
		int dstar = i < np && pe[i] - ps[i] == 2 && ps[i][0] == '*' && ps[i][1] == '*';

		for (j = ns + 1; j-- > 0;) {
			if (i == np) {
				ok[i][j] = j == ns;
			} else if (dstar && i == np - 1) {
				ok[i][j] = j < ns;        /* trailing "**": one segment or more */
			} else if (dstar) {
				ok[i][j] = 0;
				for (k = j; k <= ns && !ok[i][j]; k++)
					ok[i][j] = ok[i + 1][k];
			} else {
				ok[i][j] = j < ns && ok[i + 1][j + 1] &&
					   ref_seg(ps[i], pe[i], ss[j], se[j]);
			}
		}
	}
	return ok[0][0];
}

/* ------------------------------------------------------------- target */

static int path_ok(const char *s)
{
	size_t n = strlen(s);

	return n && s[0] != '/' && s[n - 1] != '/' && !strstr(s, "//");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t plen = nul ? (size_t)(nul - data) : size;
	char *pat = fuzz_strndup(data, plen);
	char *path = nul ? fuzz_strndup(nul + 1, size - plen - 1) : NULL;
	char why[256];
	int checked, m, mi;

	why[0] = 'x';
	checked = glob_check(pat, why, sizeof(why)) == 0;
	FUZZ_CHECK(checked ? why[0] == '\0' : why[0] != '\0',
		   "glob_check(\"%s\") = %d with reason \"%s\"", pat, checked ? 0 : -1, why);
	m = glob_match(pat, path ? path : pat);
	FUZZ_CHECK(m == 0 || m == 1, "glob_match returned %d", m);
	mi = glob_match_flags(pat, path ? path : pat, GLOB_ICASE);
	FUZZ_CHECK(mi == 0 || mi == 1, "glob_match_flags returned %d", mi);

	if (path && path_ok(path)) {
		char *esc = malloc(2 * strlen(path) + 1), *o = esc;
		const char *s;

		FUZZ_CHECK(glob_match("**", path) == 1, "\"**\" does not match \"%s\"", path);
		for (s = path; *s; s++) {
			if (strchr("*?[\\", *s))
				*o++ = '\\';
			*o++ = *s;
		}
		*o = '\0';
		FUZZ_CHECK(glob_check(esc, NULL, 0) == 0, "escaped path \"%s\" refused", esc);
		FUZZ_CHECK(glob_match(esc, path) == 1, "escaped path \"%s\" does not match \"%s\"",
			   esc, path);
		free(esc);
		if (checked && plen < REF_MAX && strlen(path) < REF_MAX) {
			int want = ref_match(pat, path, 0);
			int want_i = ref_match(pat, path, 1);

			FUZZ_CHECK(m == want, "glob_match(\"%s\", \"%s\") = %d, reference says %d",
				   pat, path, m, want);
			FUZZ_CHECK(mi == want_i,
				   "glob_match_flags(\"%s\", \"%s\", GLOB_ICASE) = %d, reference says %d",
				   pat, path, mi, want_i);
		}
	}
	free(pat);
	free(path);
	return 0;
}
