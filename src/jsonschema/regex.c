/*
 * jsonschema/regex.c - ECMA-262 patterns ("pattern", "patternProperties",
 * the "regex" format) translated to PCRE2 and compiled.  Matching is the
 * validator's; what PCRE2 cannot express (variable-width lookbehind) stays
 * refused.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>

/*
 * Write the PCRE2 spelling of the ECMA-262 property `name` (n bytes):
 * long General_Category names become their short aliases, "gc=" / "sc="
 * prefixes are dropped (PCRE2 looks scripts up by name).
 */
static void unicode_property(struct strbuf *o, const char *name, size_t n)
{
	static const char *const alias[][2] = {
		{ "Letter", "L" }, { "Cased_Letter", "LC" }, { "Uppercase_Letter", "Lu" },
		{ "Lowercase_Letter", "Ll" }, { "Titlecase_Letter", "Lt" },
		{ "Modifier_Letter", "Lm" }, { "Other_Letter", "Lo" }, { "Mark", "M" },
		{ "Combining_Mark", "M" }, { "Nonspacing_Mark", "Mn" }, { "Spacing_Mark", "Mc" },
		{ "Enclosing_Mark", "Me" }, { "Number", "N" }, { "Decimal_Number", "Nd" },
		{ "digit", "Nd" }, { "Letter_Number", "Nl" }, { "Other_Number", "No" },
		{ "Punctuation", "P" }, { "punct", "P" }, { "Connector_Punctuation", "Pc" },
		{ "Dash_Punctuation", "Pd" }, { "Open_Punctuation", "Ps" },
		{ "Close_Punctuation", "Pe" }, { "Initial_Punctuation", "Pi" },
		{ "Final_Punctuation", "Pf" }, { "Other_Punctuation", "Po" }, { "Symbol", "S" },
		{ "Math_Symbol", "Sm" }, { "Currency_Symbol", "Sc" }, { "Modifier_Symbol", "Sk" },
		{ "Other_Symbol", "So" }, { "Separator", "Z" }, { "Space_Separator", "Zs" },
		{ "Line_Separator", "Zl" }, { "Paragraph_Separator", "Zp" }, { "Other", "C" },
		{ "Control", "Cc" }, { "cntrl", "Cc" }, { "Format", "Cf" }, { "Surrogate", "Cs" },
		{ "Private_Use", "Co" }, { "Unassigned", "Cn" },
	};
	static const char *const prefixes[] = { "General_Category=", "gc=", "Script=", "sc=",
						"Script_Extensions=", "scx=" };
	size_t i;

	for (i = 0; i < NELEM(prefixes); i++) {
		size_t k = strlen(prefixes[i]);

		if (n > k && !strncmp(name, prefixes[i], k)) {
			name += k;
			n -= k;
			break;
		}
	}
	for (i = 0; i < NELEM(alias); i++) {
		if (strlen(alias[i][0]) == n && !strncmp(name, alias[i][0], n)) {
			strbuf_addstr(o, alias[i][1]);
			return;
		}
	}
	strbuf_add(o, name, n);
}

/*
 * Translate the ECMA-262 constructs PCRE2 reads differently.  PCRE2 runs in
 * UTF mode without PCRE2_UCP, so \d, \w and \b stay ASCII as in ECMA-262,
 * while \s is widened to ECMA's Unicode white space here and \uXXXX /
 * \u{X...} become \x{...}.  \p{...} works unchanged in UTF mode.
 */
static char *ecma_to_pcre(const char *src)
{
	struct strbuf o = STRBUF_INIT;
	int in_class = 0;
	const char *p = src;

	while (*p) {
		if (*p == '\\' && p[1]) {
			char n = p[1];

			if (n == 's') {
				strbuf_addstr(&o, in_class ? "\\p{Xsp}\\x{feff}" : "[\\p{Xsp}\\x{feff}]");
				p += 2;
			} else if (n == 'S') {
				strbuf_addstr(&o, in_class ? "\\P{Xsp}" : "[^\\p{Xsp}\\x{feff}]");
				p += 2;
			} else if ((n == 'p' || n == 'P') && p[2] == '{' && strchr(p + 3, '}')) {
				const char *q = strchr(p + 3, '}');

				strbuf_add(&o, p, 3);
				unicode_property(&o, p + 3, (size_t)(q - p - 3));
				strbuf_addch(&o, '}');
				p = q + 1;
			} else if (n == 'u' && p[2] == '{') {
				const char *q = p + 3;

				while (util_hex_digit(*q) >= 0)
					q++;
				if (*q == '}') {
					strbuf_addstr(&o, "\\x{");
					strbuf_add(&o, p + 3, (size_t)(q - p - 3));
					strbuf_addch(&o, '}');
					p = q + 1;
				} else {
					strbuf_add(&o, p, 2);
					p += 2;
				}
			} else if (n == 'u' && util_hex_digit(p[2]) >= 0 && util_hex_digit(p[3]) >= 0 &&
				   util_hex_digit(p[4]) >= 0 && util_hex_digit(p[5]) >= 0) {
				unsigned cp = (unsigned)(util_hex_digit(p[2]) << 12 | util_hex_digit(p[3]) << 8 |
							 util_hex_digit(p[4]) << 4 | util_hex_digit(p[5]));
				char tmp[32];

				p += 6;
				if (cp >= 0xd800 && cp < 0xdc00 && p[0] == '\\' && p[1] == 'u' &&
				    util_hex_digit(p[2]) >= 0 && util_hex_digit(p[3]) >= 0 && util_hex_digit(p[4]) >= 0 &&
				    util_hex_digit(p[5]) >= 0) {
					unsigned lo = (unsigned)(util_hex_digit(p[2]) << 12 | util_hex_digit(p[3]) << 8 |
								 util_hex_digit(p[4]) << 4 | util_hex_digit(p[5]));

					if (lo >= 0xdc00 && lo < 0xe000) {
						cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
						p += 6;
					}
				}
				snprintf(tmp, sizeof(tmp), "\\x{%x}", cp);
				strbuf_addstr(&o, tmp);
			} else {
				strbuf_add(&o, p, 2);
				p += 2;
			}
			continue;
		}
		if (!in_class && !strncmp(p, "[]", 2)) {
			strbuf_addstr(&o, "(?!)");
			p += 2;
			continue;
		}
		if (!in_class && !strncmp(p, "[^]", 3)) {
			strbuf_addstr(&o, "(?s:.)");
			p += 3;
			continue;
		}
		if (*p == '[' && !in_class) {
			in_class = 1;
			strbuf_addch(&o, *p++);
			if (*p == '^')
				strbuf_addch(&o, *p++);
			continue;
		}
		if (*p == ']' && in_class)
			in_class = 0;
		strbuf_addch(&o, *p++);
	}
	return strbuf_detach(&o);
}

pcre2_code *regex_compile(const char *src, char *msg, size_t msgsz)
{
	char *pat = ecma_to_pcre(src);
	pcre2_code *re;
	int ec;
	PCRE2_SIZE off;

	if (!pat) {
		snprintf(msg, msgsz, "out of memory");
		return NULL;
	}
	re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
			   PCRE2_UTF | PCRE2_DOLLAR_ENDONLY,
			   &ec, &off, NULL);
	free(pat);
	if (!re) {
		PCRE2_UCHAR buf[256];

		pcre2_get_error_message(ec, buf, sizeof(buf));
		snprintf(msg, msgsz, "%s", (const char *)buf);
		return NULL;
	}
	pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	return re;
}
