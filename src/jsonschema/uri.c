/*
 * jsonschema/uri.c - RFC 3986 reference resolution for "$id" and "$ref":
 * split, resolve, remove dot segments, percent-decode.  It does not
 * validate URIs (format.c does, for the "uri" formats) or normalise case.
 */
#include "internal.h"

#include <stdlib.h>

void uri_parse(const char *s, struct uri *u)
{
	const char *p = s, *q;

	memset(u, 0, sizeof(*u));
	for (q = p; *q && *q != ':' && *q != '/' && *q != '?' && *q != '#'; q++)
		;
	if (*q == ':' && q > p) {
		u->has_scheme = 1;
		u->scheme = p;
		u->scheme_n = (size_t)(q - p);
		p = q + 1;
	}
	if (p[0] == '/' && p[1] == '/') {
		p += 2;
		for (q = p; *q && *q != '/' && *q != '?' && *q != '#'; q++)
			;
		u->has_auth = 1;
		u->auth = p;
		u->auth_n = (size_t)(q - p);
		p = q;
	}
	for (q = p; *q && *q != '?' && *q != '#'; q++)
		;
	u->path = p;
	u->path_n = (size_t)(q - p);
	p = q;
	if (*p == '?') {
		p++;
		for (q = p; *q && *q != '#'; q++)
			;
		u->has_query = 1;
		u->query = p;
		u->query_n = (size_t)(q - p);
		p = q;
	}
	if (*p == '#') {
		u->has_frag = 1;
		u->frag = p + 1;
		u->frag_n = strlen(p + 1);
	}
}

/* RFC 3986 5.2.4: remove "." and ".." segments of `in` (n bytes) into out. */
static void remove_dots(const char *in, size_t n, struct strbuf *out)
{
	size_t start = out->len;

	while (n) {
		if (n >= 3 && !strncmp(in, "../", 3)) {
			in += 3, n -= 3;
		} else if (n >= 2 && !strncmp(in, "./", 2)) {
			in += 2, n -= 2;
		} else if (n >= 3 && !strncmp(in, "/./", 3)) {
			in += 2, n -= 2;
		} else if (n == 2 && !strncmp(in, "/.", 2)) {
			in = "/", n = 1;
		} else if ((n >= 4 && !strncmp(in, "/../", 4)) ||
			   (n == 3 && !strncmp(in, "/..", 3))) {
			if (n == 3)
				in = "/", n = 1;
			else
				in += 3, n -= 3;
			if (out->buf && !out->failed) {   /* buf is NULL before any output */
				while (out->len > start && out->buf[out->len - 1] != '/')
					out->len--;
				if (out->len > start)
					out->len--;
				out->buf[out->len] = '\0';
			}
		} else if ((n == 1 && in[0] == '.') || (n == 2 && !strncmp(in, "..", 2))) {
			n = 0;
		} else {
			size_t k = 1;

			while (k < n && in[k] != '/')
				k++;
			if (in[0] != '/')
				while (k < n && in[k] != '/')
					k++;
			strbuf_add(out, in, k);
			in += k, n -= k;
		}
	}
}

/* Append sep and s[0..n) when the part is present. */
static void add_part(struct strbuf *o, const char *sep, const char *s, size_t n, int present)
{
	if (!present)
		return;
	strbuf_addstr(o, sep);
	strbuf_add(o, s, n);
}

/* RFC 3986 5.2.3: the base path up to its last '/', then the reference's. */
static void merge_paths(const struct uri *b, const struct uri *r, struct strbuf *o)
{
	struct strbuf m = STRBUF_INIT;
	size_t k = b->path_n;

	if (b->has_auth && !b->path_n) {
		strbuf_addch(&m, '/');
	} else {
		while (k && b->path[k - 1] != '/')
			k--;
		strbuf_add(&m, b->path, k);
	}
	strbuf_add(&m, r->path, r->path_n);
	if (m.buf)
		remove_dots(m.buf, m.len, o);
	o->failed |= m.failed;
	strbuf_release(&m);
}

/* RFC 3986 5.2.2 (strict), composed as 5.3 says. */
char *uri_resolve(const char *base, const char *ref)
{
	struct uri b, r;
	const struct uri *from, *query = &r;
	struct strbuf o = STRBUF_INIT;

	uri_parse(ref, &r);
	uri_parse(base ? base : "", &b);
	from = r.has_scheme ? &r : &b;
	add_part(&o, "", from->scheme, from->scheme_n, from->has_scheme);
	if (from->has_scheme)
		strbuf_addch(&o, ':');
	from = r.has_scheme || r.has_auth ? &r : &b;
	add_part(&o, "//", from->auth, from->auth_n, from->has_auth);
	if (r.has_scheme || r.has_auth || (r.path_n && r.path[0] == '/')) {
		remove_dots(r.path, r.path_n, &o);
	} else if (!r.path_n) {
		strbuf_add(&o, b.path, b.path_n);
		if (!r.has_query)
			query = &b;
	} else {
		merge_paths(&b, &r, &o);
	}
	add_part(&o, "?", query->query, query->query_n, query->has_query);
	add_part(&o, "#", r.frag, r.frag_n, r.has_frag);
	return strbuf_detach(&o);
}

char *uri_cut_fragment(char *uri)
{
	char *h = strchr(uri, '#');

	if (!h)
		return uri + strlen(uri);
	*h = '\0';
	return h + 1;
}

void uri_percent_decode(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (*s == '%' && util_hex_digit(s[1]) >= 0 && util_hex_digit(s[2]) >= 0) {
			*o++ = (char)(util_hex_digit(s[1]) * 16 + util_hex_digit(s[2]));
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

char *uri_with_fragment(const char *uri, const char *frag)
{
	struct strbuf b = STRBUF_INIT;

	strbuf_addstr(&b, uri);
	strbuf_addch(&b, '#');
	strbuf_addstr(&b, frag);
	return strbuf_detach(&b);
}
