/*
 * test_glob.c - glob_match semantics (segments, '**', classes, escapes),
 * glob_check reasons, linear time on pathological patterns, and a
 * comparison against a naive recursive matcher on random inputs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "glob.h"

#define YES(pat, path) assert_int_equal(glob_match((pat), (path)), 1)
#define NO(pat, path) assert_int_equal(glob_match((pat), (path)), 0)

static void star_matches_within_one_segment(void **state)
{
	(void)state;
	YES("*.json", "x.json");
	YES("*.json", ".json");
	YES("*", "anything");
	YES("a*b*c", "abc");
	YES("a*b*c", "aXXbYYc");
	YES("data/*/x.json", "data/d1/x.json");
	NO("*.json", "d/x.json");
	NO("data/*/x.json", "data/d1/d2/x.json");
	NO("data/*", "data/d1/x.json");
	NO("*.json", "x.jsonl");
	NO("a*b*c", "aXXbYY");
}

static void question_mark_matches_one_character_not_slash(void **state)
{
	(void)state;
	YES("?.json", "a.json");
	YES("a?c", "a.c");
	NO("a?c", "a/c");
	NO("?.json", "ab.json");
	NO("?.json", ".json");
	/* one character is one UTF-8 code point */
	YES("caf?", "caf\xC3\xA9");
	NO("caf??", "caf\xC3\xA9");
}

static void wildcards_match_a_leading_dot(void **state)
{
	(void)state;
	YES("*", ".hidden");
	YES("?hidden", ".hidden");
	YES("d/*.json", "d/.x.json");
	YES("**" "/x.json", ".git/x.json");
}

static void double_star_matches_whole_segments(void **state)
{
	(void)state;
	YES("a/**" "/b", "a/b");
	YES("a/**" "/b", "a/x/b");
	YES("a/**" "/b", "a/x/y/b");
	NO("a/**" "/b", "a/x/y/c");
	NO("a/**" "/b", "a/xb");
	NO("a/**" "/b", "ab");
	YES("**" "/x.json", "x.json");
	YES("**" "/x.json", "d/x.json");
	YES("**" "/x.json", "d/e/f/x.json");
	NO("**" "/x.json", "d/ax.json");
	YES("**" "/*.json", "a/b/c.json");
	YES("**", "a");
	YES("**", "a/b/c");
	YES("a/**" "/**" "/b", "a/b");
	YES("a/**" "/b/**" "/c", "a/x/b/y/z/c");
	YES("a/**" "/b/**" "/c", "a/b/c");
	NO("a/**" "/b/**" "/c", "a/x/c");
	YES("**" "/b/*/d", "a/b/c/d");
	YES("**" "/b/*/d", "b/b/c/d");
	YES("**" "/a/b", "a/a/a/b");
}

static void trailing_double_star_matches_everything_under_a_directory(void **state)
{
	(void)state;
	YES("a/**", "a/f");
	YES("a/**", "a/d/e/f.json");
	NO("a/**", "a");
	NO("a/**", "ab/f");
	NO("a/**", "b/a/f");
}

static void classes_support_ranges_negation_and_literal_bracket(void **state)
{
	(void)state;
	YES("[abc].json", "b.json");
	NO("[abc].json", "d.json");
	YES("f[0-9][0-9]", "f42");
	NO("f[0-9]", "fa");
	YES("[!0-9]x", "ax");
	NO("[!0-9]x", "5x");
	YES("[^0-9]x", "ax");
	NO("[^a]", "a");
	YES("[]]", "]");
	YES("[]a]", "a");
	NO("[]a]", "b");
	YES("[!]]", "a");
	NO("[!]]", "]");
	YES("[a-]", "-");
	YES("[-a]", "-");
	YES("[\\]]", "]");
	YES("[\xC3\xA0-\xC3\xBF]", "\xC3\xA9");
	NO("[!a-z]", "/");
	NO("a[/]b", "a/b");
	/* an unterminated '[' is a literal character */
	YES("a[b", "a[b");
}

static void backslash_escapes_the_next_character(void **state)
{
	(void)state;
	YES("\\*.json", "*.json");
	NO("\\*.json", "x.json");
	YES("a\\?", "a?");
	NO("a\\?", "ab");
	YES("\\[x]", "[x]");
	YES("\\\\", "\\");
	YES("a\\", "a\\");
}

static void literal_segments_must_match_exactly(void **state)
{
	(void)state;
	YES("data/x.json", "data/x.json");
	NO("data/x.json", "data/x.jsonx");
	NO("data/x.json", "data");
	NO("data", "data/x.json");
	NO("Data/x.json", "data/x.json");
	YES("", "");
	NO("", "a");
}

static void icase_prefix_matches_ascii_letters_in_either_case(void **state)
{
	(void)state;
	YES("(?i)*_results.json", "RUN_RESULTS.json");
	YES("(?i)*_results.json", "run_Results.JSON");
	NO("*_results.json", "RUN_RESULTS.json");
	YES("(?i)Data/**" "/X.json", "data/a/B/x.JSON");
	NO("(?i)data/*.json", "data/a/x.json");
	/* classes: either case of a letter in the range */
	YES("(?i)[a-c]x", "Bx");
	YES("(?i)[A-C]x", "bx");
	NO("(?i)[a-c]x", "Dx");
	YES("(?i)[!a-c]x", "Dx");
	NO("(?i)[!a-c]x", "Bx");
	/* only ASCII letters fold: digits, punctuation and other code points
	 * match only themselves */
	NO("(?i)caf\xC3\xA9", "CAF\xC3\x89");
	YES("(?i)caf\xC3\xA9", "CAF\xC3\xA9");
	NO("(?i)a_b", "a-b");
	/* "(?i)" only counts at the very start */
	NO("x(?i)", "X(?I)");
	YES("x(?i)", "x(?i)");
	/* an escaped prefix is literal text */
	YES("\\(?i)", "(?i)");
}

static void icase_flag_does_what_the_prefix_does(void **state)
{
	(void)state;
	assert_int_equal(glob_match_flags("agent_workspaces/*/tasks/*.json",
					  "Agent_Workspaces/A1/TASKS/t.Json", GLOB_ICASE), 1);
	assert_int_equal(glob_match_flags("agent_workspaces/*/tasks/*.json",
					  "Agent_Workspaces/A1/TASKS/t.Json", 0), 0);
	assert_int_equal(glob_match_flags("(?i)A/**", "a/b", 0), 1);
	assert_int_equal(glob_match_flags("(?i)**", "X/Y", 0), 1);
	assert_int_equal(glob_icase_prefix("(?i)x"), 4);
	assert_int_equal(glob_icase_prefix("(?I)x"), 0);
	assert_int_equal(glob_icase_prefix("x"), 0);
}

static void pathological_patterns_run_in_linear_time(void **state)
{
	char pat[512], path[4096], deep[4096];
	size_t k, n = 0;
	clock_t t0;

	(void)state;
	memset(path, 'a', 3000);
	path[3000] = '\0';
	for (k = 0; k < 60; k++) {
		pat[n++] = 'a';
		pat[n++] = '*';
	}
	pat[n++] = 'b';
	pat[n] = '\0';
	n = 0;
	for (k = 0; k < 600; k++) {
		deep[n++] = 'a';
		deep[n++] = '/';
	}
	deep[n++] = 'c';
	deep[n] = '\0';
	t0 = clock();
	for (k = 0; k < 20; k++) {
		NO(pat, path);
		NO("**" "/a/**" "/a/**" "/a/**" "/a/**" "/a/**" "/a/**" "/b", deep);
		NO("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", path);
	}
	/* exponential backtracking would take far longer than this */
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 2.0);
}

static void expect_bad(const char *pat, const char *reason)
{
	char why[128];

	assert_int_equal(glob_check(pat, why, sizeof(why)), -1);
	if (!strstr(why, reason))
		print_error("<%s>: <%s> lacks <%s>\n", pat, why, reason);
	assert_non_null(strstr(why, reason));
}

static void check_accepts_well_formed_patterns(void **state)
{
	char why[64] = "x";

	(void)state;
	assert_int_equal(glob_check("data/**" "/*.json", why, sizeof(why)), 0);
	assert_string_equal(why, "");
	assert_int_equal(glob_check("**", NULL, 0), 0);
	assert_int_equal(glob_check("a/[]x]/b", NULL, 0), 0);
	assert_int_equal(glob_check("a/[!]]", NULL, 0), 0);
	assert_int_equal(glob_check("\\*\\*x", NULL, 0), 0);
	assert_int_equal(glob_check("a*/b?", NULL, 0), 0);
	assert_int_equal(glob_check("(?i)**" "/*cookie*.json", NULL, 0), 0);
	assert_int_equal(glob_check("(?i)x", why, sizeof(why)), 0);
}

static void check_explains_malformed_patterns(void **state)
{
	char tiny[8];

	(void)state;
	expect_bad("", "empty pattern");
	expect_bad("/data/*.json", "pattern must be relative (leading '/')");
	expect_bad("data/", "trailing '/'");
	expect_bad("a//b", "empty segment ('//') at position 1");
	expect_bad("a**", "'**' must be a whole path segment (at position 1)");
	expect_bad("**a", "'**' must be a whole path segment (at position 0)");
	expect_bad("a/**.json", "'**' must be a whole path segment");
	expect_bad("a/***", "'**' must be a whole path segment");
	expect_bad("a/[bc", "unterminated '[' at position 2");
	expect_bad("a/[]", "unterminated '['");
	expect_bad("a/[b/c]", "'/' inside '[...]'");
	expect_bad("a\\", "trailing backslash");
	expect_bad("[a\\", "trailing backslash");
	expect_bad("(?i)", "empty pattern after '(?i)'");
	expect_bad("(?i)/a", "leading '/'");
	expect_bad("(?i)a**", "'**' must be a whole path segment (at position 1)");
	assert_int_equal(glob_check("a**", NULL, 0), -1);
	assert_int_equal(glob_check("a**", tiny, sizeof(tiny)), -1);
	assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
}

/* ---- naive reference matcher (exponential, fine for tiny inputs) ---- */

static int ref_char(const char **pp, char c)
{
	const char *p = *pp;
	int neg = 0, hit = 0, first = 1;

	if (*p == '?') {
		*pp = p + 1;
		return 1;
	}
	if (*p == '[' && strchr(p + 1 + (p[1] == '!'), ']')) {
		p++;
		if (*p == '!') {
			neg = 1;
			p++;
		}
		while (*p != ']' || first) {
			char lo = *p++, hi = lo;

			first = 0;
			if (*p == '-' && p[1] != ']') {
				hi = p[1];
				p += 2;
			}
			if (c >= lo && c <= hi)
				hit = 1;
		}
		*pp = p + 1;
		return hit != neg;
	}
	*pp = p + 1;
	return *p == c;
}

static int ref_seg(const char *p, const char *pe, const char *s, const char *se)
{
	const char *q = p;

	if (p == pe)
		return s == se;
	if (*p == '*')
		return ref_seg(p + 1, pe, s, se) || (s < se && ref_seg(p, pe, s + 1, se));
	if (s == se)
		return 0;
	if (!ref_char(&q, *s))
		return 0;
	return ref_seg(q, pe, s + 1, se);
}

static int ref_match(const char *p, const char *s, int first)
{
	const char *pe = strchr(p, '/'), *se = strchr(s, '/');

	if (!pe)
		pe = p + strlen(p);
	if (!se)
		se = s + strlen(s);
	if (pe - p == 2 && p[0] == '*' && p[1] == '*') {
		if (!*pe)
			return first || *s;   /* trailing: one or more */
		/* zero segments, or swallow one and retry */
		if (ref_match(pe + 1, s, 0))
			return 1;
		return *se ? ref_match(p, se + 1, 0) : 0;
	}
	if (!*s && first == 0 && s[-1] != '/')
		return 0;
	if (!ref_seg(p, pe, s, se))
		return 0;
	if (!*pe)
		return !*se;
	if (!*se)
		return 0;
	return ref_match(pe + 1, se + 1, 0);
}

static void agrees_with_a_naive_matcher_on_random_inputs(void **state)
{
	static const char *const ppieces[] = {
		"a", "b", "*", "?", "[ab]", "[!a]", "a*", "*b", "**", "ab",
	};
	static const char *const spieces[] = { "a", "b", "ab", "ba", "aa", "abb", "" };
	char pat[128], path[128];
	unsigned seed = 12345;
	int k, j, n, agree = 0;

	(void)state;
	srand(seed);
	for (k = 0; k < 100000; k++) {
		pat[0] = path[0] = '\0';
		n = 1 + rand() % 4;
		for (j = 0; j < n; j++) {
			const char *piece = ppieces[rand() % 10];

			if (j)
				strcat(pat, "/");
			strcat(pat, piece);
			if (strcmp(piece, "**") && rand() % 3 == 0)
				strcat(pat, ppieces[rand() % 8]);
		}
		if (glob_check(pat, NULL, 0))
			continue;
		n = 1 + rand() % 5;
		for (j = 0; j < n; j++) {
			const char *piece = spieces[rand() % 6];

			if (j)
				strcat(path, "/");
			strcat(path, piece);
		}
		if (glob_match(pat, path) != ref_match(pat, path, 1)) {
			print_error("disagree: pattern <%s> path <%s>: glob %d ref %d\n",
				    pat, path, glob_match(pat, path),
				    ref_match(pat, path, 1));
			fail();
		}
		agree++;
	}
	assert_true(agree > 50000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(star_matches_within_one_segment),
		cmocka_unit_test(question_mark_matches_one_character_not_slash),
		cmocka_unit_test(wildcards_match_a_leading_dot),
		cmocka_unit_test(double_star_matches_whole_segments),
		cmocka_unit_test(trailing_double_star_matches_everything_under_a_directory),
		cmocka_unit_test(classes_support_ranges_negation_and_literal_bracket),
		cmocka_unit_test(backslash_escapes_the_next_character),
		cmocka_unit_test(literal_segments_must_match_exactly),
		cmocka_unit_test(icase_prefix_matches_ascii_letters_in_either_case),
		cmocka_unit_test(icase_flag_does_what_the_prefix_does),
		cmocka_unit_test(pathological_patterns_run_in_linear_time),
		cmocka_unit_test(check_accepts_well_formed_patterns),
		cmocka_unit_test(check_explains_malformed_patterns),
		cmocka_unit_test(agrees_with_a_naive_matcher_on_random_inputs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
