/*
 * storage/pg_path.c - file names as PostgreSQL text (issue 12, defect 5).
 *
 * A file name is bytes; PostgreSQL text must be valid UTF-8.  The mapping
 * is exact both ways and leaves almost every name as it is:
 *   - a valid UTF-8 name with no character in U+F780..U+F7FF (a corner of
 *     the Private Use Area) is itself;
 *   - every other byte b >= 0x80 (a byte of an invalid sequence, or of a
 *     U+F780..U+F7FF character) becomes the character U+F700 + b.
 * Decoding turns every U+F780..U+F7FF back into its byte.  A ledger made
 * before holds only valid UTF-8 (PostgreSQL refused the rest); only a name
 * that held one of those 128 private characters would read back otherwise.
 */
#include "internal.h"

#include <string.h>

/* Length of the valid UTF-8 sequence at s (strict: no overlong forms,
 * surrogates or code points above U+10FFFF), or 0; *cp gets the code point. */
static size_t utf8_seq(const unsigned char *s, unsigned *cp)
{
	unsigned c = s[0];

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF && (s[1] & 0xC0) == 0x80) {
		*cp = ((c & 0x1Fu) << 6) | (s[1] & 0x3Fu);
		return 2;
	}
	if (c >= 0xE0 && c <= 0xEF && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80) {
		*cp = ((c & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
		if (*cp < 0x800 || (*cp >= 0xD800 && *cp <= 0xDFFF))
			return 0;
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80 &&
	    (s[3] & 0xC0) == 0x80) {
		*cp = ((c & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) |
		      (s[3] & 0x3Fu);
		if (*cp < 0x10000 || *cp > 0x10FFFF)
			return 0;
		return 4;
	}
	return 0;
}

static int is_escape(unsigned cp)
{
	return cp >= 0xF780 && cp <= 0xF7FF;
}

const char *pg_path_enc(struct strbuf *sb, const char *path)
{
	const unsigned char *s = (const unsigned char *)path;
	size_t i = 0, n;
	unsigned cp;

	if (!path)
		return NULL;
	for (;;) {                      /* the common case: nothing to do */
		if (!s[i])
			return path;
		n = utf8_seq(s + i, &cp);
		if (!n || is_escape(cp))
			break;
		i += n;
	}
	strbuf_reset(sb);
	strbuf_add(sb, path, i);
	while (s[i]) {
		n = utf8_seq(s + i, &cp);
		if (n && !is_escape(cp)) {
			strbuf_add(sb, s + i, n);
			i += n;
			continue;
		}
		n = n ? n : 1;
		for (; n > 0; n--, i++) {
			unsigned e = 0xF700u + s[i];

			strbuf_addch(sb, (int)(0xE0u | (e >> 12)));
			strbuf_addch(sb, (int)(0x80u | ((e >> 6) & 0x3Fu)));
			strbuf_addch(sb, (int)(0x80u | (e & 0x3Fu)));
		}
	}
	return strbuf_str(sb);
}

const char *pg_path_dec(struct strbuf *sb, const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i;

	if (!text)
		return NULL;
	/* U+F780..U+F7FF is EF 9E 80..EF 9F BF */
	for (i = 0; s[i]; i++)
		if (s[i] == 0xEF && (s[i + 1] == 0x9E || s[i + 1] == 0x9F))
			break;
	if (!s[i])
		return text;
	strbuf_reset(sb);
	strbuf_add(sb, text, i);
	while (s[i]) {
		if (s[i] == 0xEF && (s[i + 1] == 0x9E || s[i + 1] == 0x9F) &&
		    (s[i + 2] & 0xC0) == 0x80) {
			unsigned cp = ((s[i] & 0x0Fu) << 12) | ((s[i + 1] & 0x3Fu) << 6) |
				      (s[i + 2] & 0x3Fu);

			strbuf_addch(sb, (int)(cp - 0xF700u));
			i += 3;
		} else {
			strbuf_addch(sb, s[i]);
			i++;
		}
	}
	return strbuf_str(sb);
}
