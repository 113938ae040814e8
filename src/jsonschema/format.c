/*
 * jsonschema/format.c - the "format" checkers of draft 2020-12: dates and
 * times (through tstamp_parse), durations, IP addresses, host names and
 * e-mail addresses with IDNA, URIs and IRIs, URI templates, UUIDs, JSON
 * Pointers, regexes.  Each answers valid or not; none explains why.
 */
#include "internal.h"
#include "jsonpointer.h"
#include "tstamp.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

static int fmt_duration(const char *s)
{
	static const char date_units[] = "YMD", time_units[] = "HMS";
	const char *p = s;
	int in_time = 0, any = 0, last = -1;

	if (*p++ != 'P' || !*p)
		return 0;
	while (*p) {
		const char *q = p;
		const char *units;
		const char *u;

		if (*p == 'T') {
			if (in_time || !p[1])
				return 0;
			in_time = 1;
			last = -1;
			p++;
			continue;
		}
		while (*q >= '0' && *q <= '9')
			q++;
		if (q == p || !*q)
			return 0;
		if (*q == 'W') {
			if (any || in_time || q[1] || p != s + 1)
				return 0;
			return 1;
		}
		units = in_time ? time_units : date_units;
		u = strchr(units, *q);
		if (!u || (last >= 0 && (int)(u - units) != last + 1))
			return 0;
		last = (int)(u - units);
		any = 1;
		p = q + 1;
	}
	if (!any)
		return 0;
	return p[-1] != 'T';
}

static int fmt_ipv4(const char *s)
{
	int parts = 0;

	while (parts < 4) {
		int v = 0, n = 0;

		while (s[n] >= '0' && s[n] <= '9' && n < 4)
			v = v * 10 + (s[n++] - '0');
		if (n == 0 || n > 3 || v > 255 || (n > 1 && s[0] == '0'))
			return 0;
		s += n;
		parts++;
		if (parts < 4) {
			if (*s != '.')
				return 0;
			s++;
		}
	}
	return *s == '\0';
}

static int fmt_ipv6(const char *s)
{
	const char *p = s;
	int groups = 0, dbl = 0;

	if (!*p)
		return 0;
	if (p[0] == ':' && p[1] == ':') {
		dbl = 1;
		p += 2;
		if (!*p)
			return 1;
	} else if (p[0] == ':') {
		return 0;
	}
	for (;;) {
		const char *q = p;
		int n = 0;

		while (util_hex_digit(*q) >= 0 && n < 5)
			q++, n++;
		if (*q == '.') {
			/* trailing dotted IPv4 counts as two groups */
			if (!fmt_ipv4(p))
				return 0;
			groups += 2;
			break;
		}
		if (n == 0 || n > 4)
			return 0;
		groups++;
		p = q;
		if (!*p)
			break;
		if (*p != ':')
			return 0;
		p++;
		if (*p == ':') {
			if (dbl)
				return 0;
			dbl = 1;
			p++;
			if (!*p)
				break;
		} else if (!*p) {
			return 0;
		}
	}
	return dbl ? groups < 8 : groups == 8;
}

/*
 * Host names (RFC 1123) and internationalized host names (RFC 5890-5893,
 * IDNA2008).  Unicode properties come from PCRE2; the IDNA tables are
 * approximated by General_Category classes plus the exceptions of RFC 5892.
 */
#define PUNY_BASE 36
#define PUNY_TMIN 1
#define PUNY_TMAX 26
#define LABEL_CPS 256

static uint32_t puny_adapt(uint32_t delta, uint32_t npoints, int first)
{
	uint32_t k = 0;

	delta = first ? delta / 700 : delta / 2;
	delta += delta / npoints;
	while (delta > ((PUNY_BASE - PUNY_TMIN) * PUNY_TMAX) / 2) {
		delta /= PUNY_BASE - PUNY_TMIN;
		k += PUNY_BASE;
	}
	return k + (PUNY_BASE - PUNY_TMIN + 1) * delta / (delta + 38);
}

static uint32_t puny_t(uint32_t k, uint32_t bias)
{
	return k <= bias ? PUNY_TMIN : k >= bias + PUNY_TMAX ? PUNY_TMAX : k - bias;
}

/* Decode RFC 3492 Punycode; returns the number of code points or -1. */
static int puny_decode(const char *in, size_t len, uint32_t *out, size_t max)
{
	uint32_t n = 128, i = 0, bias = 72;
	size_t outlen = 0, b = 0, j, pos;

	for (j = 0; j < len; j++)
		if (in[j] == '-')
			b = j;
	if (b > 0 || (len && in[0] == '-')) {
		for (j = 0; j < b; j++) {
			if ((unsigned char)in[j] >= 0x80 || outlen >= max)
				return -1;
			out[outlen++] = (unsigned char)in[j];
		}
		pos = b + 1;
	} else {
		pos = 0;
	}
	while (pos < len) {
		uint32_t oldi = i, w = 1, k;

		for (k = PUNY_BASE;; k += PUNY_BASE) {
			uint32_t digit, t;
			char ch;

			if (pos >= len)
				return -1;
			ch = in[pos++];
			if (ch >= 'a' && ch <= 'z')
				digit = (uint32_t)(ch - 'a');
			else if (ch >= 'A' && ch <= 'Z')
				digit = (uint32_t)(ch - 'A');
			else if (ch >= '0' && ch <= '9')
				digit = (uint32_t)(ch - '0' + 26);
			else
				return -1;
			if (digit > (UINT32_MAX - i) / w)
				return -1;
			i += digit * w;
			t = puny_t(k, bias);
			if (digit < t)
				break;
			if (w > UINT32_MAX / (PUNY_BASE - t))
				return -1;
			w *= PUNY_BASE - t;
		}
		bias = puny_adapt(i - oldi, (uint32_t)outlen + 1, oldi == 0);
		if (i / (outlen + 1) > UINT32_MAX - n)
			return -1;
		n += i / (uint32_t)(outlen + 1);
		i %= (uint32_t)(outlen + 1);
		if (outlen >= max || n > 0x10ffff || (n >= 0xd800 && n < 0xe000))
			return -1;
		memmove(out + i + 1, out + i, (outlen - i) * sizeof(*out));
		out[i++] = n;
		outlen++;
	}
	return (int)outlen;
}

static char puny_digit(uint32_t d)
{
	return (char)(d < 26 ? 'a' + d : '0' + (d - 26));
}

/* Encode code points as Punycode into out; returns its length or -1. */
static int puny_encode(const uint32_t *cp, size_t ncp, char *out, size_t max)
{
	uint32_t n = 128, delta = 0, bias = 72;
	size_t h, b = 0, olen = 0, j;

	for (j = 0; j < ncp; j++) {
		if (cp[j] < 0x80) {
			if (olen + 1 >= max)
				return -1;
			out[olen++] = (char)cp[j];
			b++;
		}
	}
	h = b;
	if (b > 0) {
		if (olen + 1 >= max)
			return -1;
		out[olen++] = '-';
	}
	while (h < ncp) {
		uint32_t m = UINT32_MAX;

		for (j = 0; j < ncp; j++)
			if (cp[j] >= n && cp[j] < m)
				m = cp[j];
		if ((uint64_t)(m - n) * (h + 1) > UINT32_MAX - delta)
			return -1;
		delta += (m - n) * (uint32_t)(h + 1);
		n = m;
		for (j = 0; j < ncp; j++) {
			if (cp[j] < n)
				delta++;
			if (cp[j] == n) {
				uint32_t q = delta, k;

				for (k = PUNY_BASE;; k += PUNY_BASE) {
					uint32_t t = puny_t(k, bias);

					if (q < t)
						break;
					if (olen + 1 >= max)
						return -1;
					out[olen++] = puny_digit(t + (q - t) % (PUNY_BASE - t));
					q = (q - t) / (PUNY_BASE - t);
				}
				if (olen + 1 >= max)
					return -1;
				out[olen++] = puny_digit(q);
				bias = puny_adapt(delta, (uint32_t)h + 1, h == b);
				delta = 0;
				h++;
			}
		}
		delta++;
		n++;
	}
	out[olen] = '\0';
	return (int)olen;
}

/* Decode UTF-8; returns the number of code points or -1 when malformed. */
static int utf8_decode(const char *s, size_t len, uint32_t *out, size_t max)
{
	size_t i = 0, n = 0;

	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp;
		int extra, k;

		if (c < 0x80)
			cp = c, extra = 0;
		else if ((c & 0xe0) == 0xc0)
			cp = c & 0x1f, extra = 1;
		else if ((c & 0xf0) == 0xe0)
			cp = c & 0x0f, extra = 2;
		else if ((c & 0xf8) == 0xf0)
			cp = c & 0x07, extra = 3;
		else
			return -1;
		for (k = 1; k <= extra; k++) {
			if (i + (size_t)k >= len || ((unsigned char)s[i + k] & 0xc0) != 0x80)
				return -1;
			cp = (cp << 6) | ((unsigned char)s[i + k] & 0x3f);
		}
		if (n >= max)
			return -1;
		out[n++] = cp;
		i += (size_t)extra + 1;
	}
	return (int)n;
}

static size_t utf8_encode(const uint32_t *cp, size_t n, char *out, size_t max)
{
	size_t o = 0, i;

	for (i = 0; i < n; i++) {
		uint32_t c = cp[i];

		if (o + 5 >= max)
			break;
		if (c < 0x80) {
			out[o++] = (char)c;
		} else if (c < 0x800) {
			out[o++] = (char)(0xc0 | (c >> 6));
			out[o++] = (char)(0x80 | (c & 0x3f));
		} else if (c < 0x10000) {
			out[o++] = (char)(0xe0 | (c >> 12));
			out[o++] = (char)(0x80 | ((c >> 6) & 0x3f));
			out[o++] = (char)(0x80 | (c & 0x3f));
		} else {
			out[o++] = (char)(0xf0 | (c >> 18));
			out[o++] = (char)(0x80 | ((c >> 12) & 0x3f));
			out[o++] = (char)(0x80 | ((c >> 6) & 0x3f));
			out[o++] = (char)(0x80 | (c & 0x3f));
		}
	}
	out[o] = '\0';
	return o;
}

#define VIRAMA "\\x{94d}\\x{9cd}\\x{a4d}\\x{acd}\\x{b4d}\\x{bcd}\\x{c4d}\\x{ccd}\\x{d3b}" \
	"\\x{d3c}\\x{d4d}\\x{dca}\\x{e3a}\\x{eba}\\x{f84}\\x{1039}\\x{103a}\\x{1714}\\x{1734}" \
	"\\x{17d2}\\x{1a60}\\x{1b44}\\x{1baa}\\x{1bab}\\x{1bf2}\\x{1bf3}\\x{2d7f}\\x{a806}" \
	"\\x{a8c4}\\x{a953}\\x{a9c0}\\x{aaf6}\\x{abed}"
#define BIDI_RTL_OK "\\p{bc=R}\\p{bc=AL}\\p{bc=AN}\\p{bc=EN}\\p{bc=ES}\\p{bc=CS}" \
	"\\p{bc=ET}\\p{bc=ON}\\p{bc=BN}\\p{bc=NSM}"
#define BIDI_LTR_OK "\\p{bc=L}\\p{bc=EN}\\p{bc=ES}\\p{bc=CS}\\p{bc=ET}\\p{bc=ON}" \
	"\\p{bc=BN}\\p{bc=NSM}"

/* The IDNA rules as regular expressions over one U-label. */
enum {
	IDN_ALLOWED,     /* every code point is PVALID or CONTEXT (approximation) */
	IDN_DISALLOWED,  /* RFC 5892 exceptions that are DISALLOWED */
	IDN_MARK_START,  /* a label must not begin with a combining mark */
	IDN_CONTEXT_BAD, /* CONTEXTJ / CONTEXTO rules broken */
	IDN_KATAKANA_DOT,
	IDN_KANA_HAN,
	IDN_AR_DIGIT,
	IDN_EXT_AR_DIGIT,
	IDN_RTL_CHAR,    /* label makes the name a Bidi domain name */
	IDN_RTL_LABEL,   /* RFC 5893 rules 1-4 */
	IDN_LTR_LABEL,   /* RFC 5893 rules 1, 5, 6 */
	IDN_EN,
	IDN_AN,
	IDN_NRULES
};

static const char *const idn_rules[IDN_NRULES] = {
	"^[a-zA-Z0-9\\-\\p{Ll}\\p{Lo}\\p{Lm}\\p{Mn}\\p{Mc}\\p{Nd}\\x{b7}\\x{375}\\x{5f3}"
	"\\x{5f4}\\x{30fb}\\x{200c}\\x{200d}\\x{6fd}\\x{6fe}\\x{f0b}\\x{3007}]+$",
	"[\\x{640}\\x{7fa}\\x{302e}\\x{302f}\\x{3031}-\\x{3035}\\x{303b}]",
	"^\\p{M}",
	"(?<!l)\\x{b7}|\\x{b7}(?!l)|\\x{375}(?!\\p{Greek})|(?<!\\p{Hebrew})[\\x{5f3}\\x{5f4}]"
	"|(?<![" VIRAMA "])\\x{200d}|(?<![" VIRAMA "])(?<!\\p{Arabic})\\x{200c}"
	"|(?<![" VIRAMA "])\\x{200c}(?!\\p{Arabic})",
	"\\x{30fb}",
	"[\\p{Hiragana}\\p{Katakana}\\p{Han}](?<!\\x{30fb})",
	"[\\x{660}-\\x{669}]",
	"[\\x{6f0}-\\x{6f9}]",
	"[\\p{bc=R}\\p{bc=AL}\\p{bc=AN}]",
	"^[\\p{bc=R}\\p{bc=AL}](?:[" BIDI_RTL_OK "]*[\\p{bc=R}\\p{bc=AL}\\p{bc=EN}\\p{bc=AN}])?"
	"\\p{bc=NSM}*$",
	"^\\p{bc=L}(?:[" BIDI_LTR_OK "]*[\\p{bc=L}\\p{bc=EN}])?\\p{bc=NSM}*$",
	"\\p{bc=EN}",
	"\\p{bc=AN}",
};

static pcre2_code *idn_re[IDN_NRULES];
static pthread_once_t idn_once = PTHREAD_ONCE_INIT;

static void idn_init(void)
{
	size_t i;

	for (i = 0; i < IDN_NRULES; i++) {
		int ec;
		PCRE2_SIZE off;

		idn_re[i] = pcre2_compile((PCRE2_SPTR)idn_rules[i], PCRE2_ZERO_TERMINATED,
					  PCRE2_UTF | PCRE2_DOLLAR_ENDONLY, &ec, &off, NULL);
	}
}

/* Does rule `r` match the UTF-8 label?  Unavailable rules never match. */
static int idn_has(int r, const char *s, size_t len)
{
	pcre2_match_data *md;
	int rc;

	if (!idn_re[r])
		return 0;
	md = pcre2_match_data_create(1, NULL);
	if (!md)
		return 0;
	rc = pcre2_match(idn_re[r], (PCRE2_SPTR)s, len, 0, 0, md, NULL);
	pcre2_match_data_free(md);
	return rc >= 0;
}

/* RFC 5891 5.4 / RFC 5892 checks of one U-label (UTF-8). */
static int ulabel_ok(const char *u, size_t len)
{
	if (!idn_has(IDN_ALLOWED, u, len) || idn_has(IDN_DISALLOWED, u, len) ||
	    idn_has(IDN_MARK_START, u, len) || idn_has(IDN_CONTEXT_BAD, u, len))
		return 0;
	if (idn_has(IDN_KATAKANA_DOT, u, len) && !idn_has(IDN_KANA_HAN, u, len))
		return 0;
	if (idn_has(IDN_AR_DIGIT, u, len) && idn_has(IDN_EXT_AR_DIGIT, u, len))
		return 0;
	return 1;
}

static int ldh_label(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

/*
 * Check one label and give its U-label form (UTF-8) in `u`.  Returns the
 * length of its A-label form, or -1 when invalid.
 */
static int check_label(const char *s, size_t len, int idn, char *u, size_t usize)
{
	uint32_t cps[LABEL_CPS];
	char enc[LABEL_CPS * 2];
	int n, ascii = 1;
	size_t i;

	u[0] = '\0';
	if (!len)
		return -1;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			ascii = 0;
	if (ascii) {
		if (len > 63 || !ldh_label(s, len) || s[0] == '-' || s[len - 1] == '-')
			return -1;
		if (len >= 4 && s[2] == '-' && s[3] == '-') {
			if ((s[0] != 'x' && s[0] != 'X') || (s[1] != 'n' && s[1] != 'N'))
				return -1;
			n = puny_decode(s + 4, len - 4, cps, LABEL_CPS);
			if (n <= 0 || puny_encode(cps, (size_t)n, enc, sizeof(enc)) < 0 ||
			    strlen(enc) != len - 4 || strncasecmp(enc, s + 4, len - 4))
				return -1;
			for (i = 0; i < (size_t)n && cps[i] < 0x80; i++)
				;
			if (i == (size_t)n)
				return -1;   /* decodes to plain ASCII */
			utf8_encode(cps, (size_t)n, u, usize);
			if (u[0] == '-' || (n >= 4 && cps[2] == '-' && cps[3] == '-') ||
			    !ulabel_ok(u, strlen(u)))
				return -1;
		} else {
			if (len >= usize)
				return -1;
			memcpy(u, s, len);
			u[len] = '\0';
		}
		return (int)len;
	}
	if (!idn)
		return -1;
	n = utf8_decode(s, len, cps, LABEL_CPS);
	if (n <= 0 || len >= usize)
		return -1;
	memcpy(u, s, len);
	u[len] = '\0';
	if (s[0] == '-' || s[len - 1] == '-' || (n >= 4 && cps[2] == '-' && cps[3] == '-') ||
	    !ulabel_ok(u, len))
		return -1;
	n = puny_encode(cps, (size_t)n, enc, sizeof(enc));
	if (n < 0 || n + 4 > 63)
		return -1;
	return n + 4;
}

/* Length of the label separator at s (0 when none); IDNA allows three more. */
static size_t label_sep(const char *s, int idn)
{
	if (*s == '.')
		return 1;
	if (idn && (!strncmp(s, "\xe3\x80\x82", 3) || !strncmp(s, "\xef\xbc\x8e", 3) ||
		    !strncmp(s, "\xef\xbd\xa1", 3)))
		return 3;
	return 0;
}

static int fmt_hostname_ex(const char *s, int idn)
{
	char u[LABEL_CPS * 4];
	size_t total = 0, nlabels = 0, pass;
	int bidi = 0;

	if (!*s)
		return 0;
	pthread_once(&idn_once, idn_init);
	/* pass 0 checks every label, pass 1 applies the Bidi rule if needed */
	for (pass = 0; pass < 2; pass++) {
		const char *p = s;

		if (pass == 1 && !bidi)
			break;
		for (;;) {
			const char *start = p;
			size_t sep = 0;
			int alen;

			while (*p && !(sep = label_sep(p, idn)))
				p++;
			alen = check_label(start, (size_t)(p - start), idn, u, sizeof(u));
			if (alen < 0)
				return 0;
			if (pass == 0) {
				total += (size_t)alen + (nlabels ? 1 : 0);
				nlabels++;
				if (!ldh_label(u, strlen(u)) && idn_has(IDN_RTL_CHAR, u, strlen(u)))
					bidi = 1;
			} else {
				size_t l = strlen(u);

				if (!idn_has(IDN_RTL_LABEL, u, l) && !idn_has(IDN_LTR_LABEL, u, l))
					return 0;
				if (idn_has(IDN_EN, u, l) && idn_has(IDN_AN, u, l) &&
				    idn_has(IDN_RTL_LABEL, u, l))
					return 0;
			}
			if (!*p)
				break;
			p += sep;
			if (!*p)
				return 0;   /* trailing separator */
		}
	}
	return total <= 253;
}

static int fmt_email_ex(const char *s, int idn)
{
	const char *at = strrchr(s, '@'), *p;

	if (!at || at == s)
		return 0;
	if (s[0] == '"') {
		for (p = s + 1; p < at - 1 && *p != '"'; p++)
			if (*p == '\\')
				p++;
		if (p != at - 1 || *p != '"')
			return 0;
	} else {
		if (s[0] == '.' || at[-1] == '.')
			return 0;
		for (p = s; p < at; p++) {
			if (*p == '.' && p[1] == '.')
				return 0;
			if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			      (*p >= '0' && *p <= '9') || strchr("!#$%&'*+-/=?^_`{|}~.", *p) ||
			      (idn && (unsigned char)*p >= 0x80)))
				return 0;
		}
	}
	p = at + 1;
	if (*p == '[') {
		size_t n = strlen(p);
		char buf[64];

		if (n < 3 || p[n - 1] != ']' || n - 2 >= sizeof(buf))
			return 0;
		memcpy(buf, p + 1, n - 2);
		buf[n - 2] = '\0';
		if (!strncmp(buf, "IPv6:", 5))
			return fmt_ipv6(buf + 5);
		return fmt_ipv4(buf);
	}
	return fmt_hostname_ex(p, idn);
}

/* Characters allowed in URIs besides %HH escapes. */
static int uri_char(unsigned char ch, int iri)
{
	if (ch >= 0x80)
		return iri;
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       (ch && strchr("-._~:/?#[]@!$&'()*+,;=", ch));
}

static int fmt_uri_ex(const char *s, int iri, int ref)
{
	struct uri u;
	const char *p;
	size_t i;

	for (p = s; *p; p++) {
		if (*p == '%') {
			if (util_hex_digit(p[1]) < 0 || util_hex_digit(p[2]) < 0)
				return 0;
			p += 2;
		} else if (!uri_char((unsigned char)*p, iri)) {
			return 0;
		}
	}
	uri_parse(s, &u);
	if (!ref && !u.has_scheme)
		return 0;
	if (u.has_scheme) {
		if (!((u.scheme[0] >= 'a' && u.scheme[0] <= 'z') || (u.scheme[0] >= 'A' && u.scheme[0] <= 'Z')))
			return 0;
		for (i = 0; i < u.scheme_n; i++)
			if (!uri_char((unsigned char)u.scheme[i], 0) || strchr("/?#[]@!$&'()*,;=:_~", u.scheme[i]))
				return 0;
	} else if (u.path_n) {
		/* a relative path's first segment must not contain ':' */
		for (i = 0; i < u.path_n && u.path[i] != '/'; i++)
			if (u.path[i] == ':')
				return 0;
	}
	if (u.has_auth) {
		const char *a = u.auth, *end = u.auth + u.auth_n, *host, *colon = NULL;

		for (p = a; p < end; p++) {
			if (*p == '@') {
				const char *q;

				if (a != u.auth)
					return 0;
				for (q = u.auth; q < p; q++)
					if (*q == '[' || *q == ']')
						return 0;
				a = p + 1;
			}
		}
		host = a;
		if (*host == '[') {
			const char *rb = memchr(host, ']', (size_t)(end - host));
			char buf[64];

			if (!rb || (size_t)(rb - host - 1) >= sizeof(buf))
				return 0;
			memcpy(buf, host + 1, (size_t)(rb - host - 1));
			buf[rb - host - 1] = '\0';
			if (!fmt_ipv6(buf) && buf[0] != 'v' && buf[0] != 'V')
				return 0;
			p = rb + 1;
			if (p < end && *p != ':')
				return 0;
			colon = p < end ? p : NULL;
		} else {
			for (p = host; p < end; p++) {
				if (*p == '[' || *p == ']')
					return 0;
				if (*p == ':') {
					if (colon)
						return 0;
					colon = p;
				}
			}
		}
		if (colon)
			for (p = colon + 1; p < end; p++)
				if (*p < '0' || *p > '9')
					return 0;
	}
	for (i = 0; i < u.path_n; i++)
		if (u.path[i] == '[' || u.path[i] == ']')
			return 0;
	if (u.has_query)
		for (i = 0; i < u.query_n; i++)
			if (u.query[i] == '[' || u.query[i] == ']' || u.query[i] == '#')
				return 0;
	if (u.has_frag)
		for (i = 0; i < u.frag_n; i++)
			if (u.frag[i] == '#' || u.frag[i] == '[' || u.frag[i] == ']')
				return 0;
	return 1;
}

static int fmt_uuid(const char *s)
{
	int i;

	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (util_hex_digit(s[i]) < 0) {
			return 0;
		}
	}
	return s[36] == '\0';
}

static int fmt_rel_json_pointer(const char *s)
{
	const char *p = s;

	while (*p >= '0' && *p <= '9')
		p++;
	if (p == s || (s[0] == '0' && p - s > 1))
		return 0;
	if (*p == '+' || *p == '-') {
		const char *q = ++p;

		while (*p >= '0' && *p <= '9')
			p++;
		if (p == q || (q[0] == '0' && p - q > 1) || (q[0] == '0' && p[-2] == '-'))
			return 0;
	}
	if (*p == '#')
		return p[1] == '\0';
	return jsonpointer_valid(p);
}

/* RFC 6570 level 4 syntax. */
static int fmt_uri_template(const char *s)
{
	while (*s) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '%') {
			if (util_hex_digit(s[1]) < 0 || util_hex_digit(s[2]) < 0)
				return 0;
			s += 3;
			continue;
		}
		if (ch != '{') {
			if (ch <= 0x20 || ch == 0x7f || strchr("\"<>\\^`|}", ch))
				return 0;
			s++;
			continue;
		}
		s++;
		if (*s && strchr("+#./;?&", *s))
			s++;
		for (;;) {
			/* varspec: varname [ ":" max-length / "*" ] */
			int nchars = 0;

			for (;;) {
				if (*s == '%' && util_hex_digit(s[1]) >= 0 && util_hex_digit(s[2]) >= 0) {
					s += 3;
				} else if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
					   (*s >= '0' && *s <= '9') || *s == '_') {
					s++;
				} else {
					break;
				}
				nchars++;
				if (*s == '.' && s[1] != '.' && s[1] != '}' && s[1] != ',' && s[1] != ':' &&
				    s[1] != '*')
					s++;
			}
			if (!nchars)
				return 0;
			if (*s == ':') {
				int d = 0;

				s++;
				if (*s < '1' || *s > '9')
					return 0;
				while (*s >= '0' && *s <= '9' && d < 5)
					s++, d++;
				if (d > 4)
					return 0;
			} else if (*s == '*') {
				s++;
			}
			if (*s == ',') {
				s++;
				continue;
			}
			if (*s != '}')
				return 0;
			s++;
			break;
		}
	}
	return 1;
}

static int fmt_regex(const char *s)
{
	char msg[256];
	pcre2_code *re;
	const char *p;

	/* escapes and groups that PCRE2 knows but ECMA-262 does not */
	for (p = s; *p; p++) {
		if (p[0] == '(' && p[1] == '?') {
			const char *q = p + 2;

			if (*q == 'P' || *q == '#')
				return 0;
			while (*q && strchr("imsx-", *q))
				q++;
			if (q > p + 2 && *q == ')')
				return 0;
		}
		if (*p == '\\') {
			if (p[1] == 'a' || p[1] == 'Z' || p[1] == 'z' || p[1] == 'A')
				return 0;
			if (p[1])
				p++;
		}
	}
	re = regex_compile(s, msg, sizeof(msg));
	if (!re)
		return 0;
	pcre2_code_free(re);
	return 1;
}

int jsonschema_check_format(const char *format, const char *v)
{
	size_t len = strlen(v);
	struct tstamp t;

	if (!strcmp(format, "date-time"))
		return tstamp_parse(v, len, TSTAMP_RFC3339, &t, NULL) == 0;
	if (!strcmp(format, "date"))
		return tstamp_parse(v, len, TSTAMP_DATE | TSTAMP_YEAR_ZERO, &t,
				    NULL) == 0;
	if (!strcmp(format, "time"))
		return tstamp_parse(v, len, TSTAMP_TIME | TSTAMP_LEAP_SECOND, &t,
				    NULL) == 0;
	if (!strcmp(format, "duration"))
		return fmt_duration(v);
	if (!strcmp(format, "email"))
		return fmt_email_ex(v, 0);
	if (!strcmp(format, "idn-email"))
		return fmt_email_ex(v, 1);
	if (!strcmp(format, "hostname"))
		return fmt_hostname_ex(v, 0);
	if (!strcmp(format, "idn-hostname"))
		return fmt_hostname_ex(v, 1);
	if (!strcmp(format, "ipv4"))
		return fmt_ipv4(v);
	if (!strcmp(format, "ipv6"))
		return fmt_ipv6(v);
	if (!strcmp(format, "uri"))
		return fmt_uri_ex(v, 0, 0);
	if (!strcmp(format, "uri-reference"))
		return fmt_uri_ex(v, 0, 1);
	if (!strcmp(format, "iri"))
		return fmt_uri_ex(v, 1, 0);
	if (!strcmp(format, "iri-reference"))
		return fmt_uri_ex(v, 1, 1);
	if (!strcmp(format, "uri-template"))
		return fmt_uri_template(v);
	if (!strcmp(format, "uuid"))
		return fmt_uuid(v);
	if (!strcmp(format, "json-pointer"))
		return jsonpointer_valid(v);
	if (!strcmp(format, "relative-json-pointer"))
		return fmt_rel_json_pointer(v);
	if (!strcmp(format, "regex"))
		return fmt_regex(v);
	return -1;
}
