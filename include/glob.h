/*
 * glob.h - match relative '/'-separated paths against manifest patterns.
 *
 * Syntax:
 *   *        any run of characters except '/' (possibly empty)
 *   ?        exactly one character except '/'
 *   [...]    one character from a class: ranges "a-z", negation with '!'
 *            or '^' first, ']' taken literally when first ("[]x]", "[!]]"),
 *            '\' escapes inside too
 *   **       as a whole path segment: zero or more whole segments.
 *            Examples (written as C string pieces: a star followed by
 *            a slash would end this comment):
 *              "a/" "**" "/b"     matches a/b, a/x/b, a/x/y/b
 *              "**" "/x.json"     matches x.json, d/x.json, d/e/x.json
 *              "a/" "**"          matches a/f and a/d/f, but not a itself
 *                                 (a trailing "**" needs at least one
 *                                 segment, as in gitignore)
 *              "**"               matches every path
 *   \c       the character c literally
 * There is no special rule for dotfiles: '*' and '?' match a leading '.'.
 * Characters are UTF-8 code points: '?' matches one, classes compare code
 * points.  Matching is case-sensitive, unless the pattern starts with
 * "(?i)" (not part of the pattern itself) or the caller passes GLOB_ICASE:
 * then ASCII letters match either case, in literals and in classes alike
 * ("(?i)*_results.json" matches "RUN_RESULTS.json", "[a-c]" matches 'B');
 * other code points still match only themselves.  Matching is linear in
 * practice (greedy matching with one backtrack point per level, never
 * exponential).
 *
 * Calling sequence: glob_check() each pattern once when the manifest is
 * loaded (it explains what is wrong), then glob_match() per path.
 * Ownership: pure functions; strings are borrowed.
 */
#ifndef WSM_GLOB_H
#define WSM_GLOB_H

#include <stddef.h>

/*
 * Return 1 if `path` matches `pattern`, else 0.  A pattern that
 * glob_check() refuses still gives an answer (an unterminated '[' is a
 * literal '[', "x**" acts as "x*"), but callers should check first.
 */
int glob_match(const char *pattern, const char *path);

#define GLOB_ICASE 1    /* ASCII letters match either case */

/* glob_match with flags (GLOB_ICASE); a "(?i)" prefix still applies. */
int glob_match_flags(const char *pattern, const char *path, int flags);

/* 4 when the pattern starts with "(?i)", else 0. */
size_t glob_icase_prefix(const char *pattern);

/*
 * Return 0 if `pattern` is well-formed, else -1 with a reason written to
 * why[0..why_size) (when why is not NULL): empty pattern, leading '/',
 * trailing '/', empty segment ("//"), '**' not a whole segment,
 * unterminated '[' or a '/' inside '[...]', trailing backslash.  A
 * leading "(?i)" is accepted and the rest is checked (positions in the
 * reasons count from after it).
 */
int glob_check(const char *pattern, char *why, size_t why_size);

#endif
