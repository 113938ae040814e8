/*
 * jsonschema/jsonschema.c - compile JSON Schema draft 2020-12 documents and validate
 * cJSON instances against them.
 * It never fetches anything over the network, never prints and never
 * exits.  Layout: metaschemas and containers, URIs, the registry (loading
 * and scanning documents), ECMA-262 regexes, compiling, validating, and
 * the "format" checkers at the end.
 */
#include "jsonschema.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/*
 * Validation recursion limit (nested schema evaluations along one path).
 * Reference cycles are detected separately; this bounds the stack (about
 * 0.5 KB per level at -O2) for very deep instances.
 */
#define MAX_DEPTH 1000

/* ------------------------------------------------------------------ */
/* Vocabularies                                                         */
/* ------------------------------------------------------------------ */

#define VOC_CORE          0x01u
#define VOC_APPLICATOR    0x02u
#define VOC_UNEVALUATED   0x04u
#define VOC_VALIDATION    0x08u
#define VOC_METADATA      0x10u
#define VOC_FORMAT_ANN    0x20u
#define VOC_FORMAT_ASSERT 0x40u
#define VOC_CONTENT       0x80u
#define VOC_LEGACY        0x100u  /* a pre-2020-12 dialect: array "items" */
#define VOC_DEFAULT (VOC_CORE | VOC_APPLICATOR | VOC_UNEVALUATED | VOC_VALIDATION | \
		     VOC_METADATA | VOC_FORMAT_ANN | VOC_CONTENT)

static const struct {
	const char *uri;
	unsigned bit;
} vocab_names[] = {
	{ "https://json-schema.org/draft/2020-12/vocab/core", VOC_CORE },
	{ "https://json-schema.org/draft/2020-12/vocab/applicator", VOC_APPLICATOR },
	{ "https://json-schema.org/draft/2020-12/vocab/unevaluated", VOC_UNEVALUATED },
	{ "https://json-schema.org/draft/2020-12/vocab/validation", VOC_VALIDATION },
	{ "https://json-schema.org/draft/2020-12/vocab/meta-data", VOC_METADATA },
	{ "https://json-schema.org/draft/2020-12/vocab/format-annotation", VOC_FORMAT_ANN },
	{ "https://json-schema.org/draft/2020-12/vocab/format-assertion", VOC_FORMAT_ASSERT },
	{ "https://json-schema.org/draft/2020-12/vocab/content", VOC_CONTENT },
};

#define META_2020_12 "https://json-schema.org/draft/2020-12/schema"

/*
 * The draft 2020-12 metaschemas, bundled so that "$schema" and "$ref" to them
 * never need the network.  Written from the published specification.
 */
#define MS_HEAD(id, vocab) \
	"{\"$schema\":\"" META_2020_12 "\"," \
	"\"$id\":\"https://json-schema.org/draft/2020-12/meta/" id "\"," \
	"\"$vocabulary\":{\"https://json-schema.org/draft/2020-12/vocab/" vocab "\":true}," \
	"\"$dynamicAnchor\":\"meta\",\"type\":[\"object\",\"boolean\"],"

static const struct {
	const char *uri;
	const char *text;
} builtin_schemas[] = {
	{ META_2020_12,
	  "{\"$schema\":\"" META_2020_12 "\",\"$id\":\"" META_2020_12 "\","
	  "\"$vocabulary\":{"
	  "\"https://json-schema.org/draft/2020-12/vocab/core\":true,"
	  "\"https://json-schema.org/draft/2020-12/vocab/applicator\":true,"
	  "\"https://json-schema.org/draft/2020-12/vocab/unevaluated\":true,"
	  "\"https://json-schema.org/draft/2020-12/vocab/validation\":true,"
	  "\"https://json-schema.org/draft/2020-12/vocab/meta-data\":true,"
	  "\"https://json-schema.org/draft/2020-12/vocab/format-annotation\":true,"
	  "\"https://json-schema.org/draft/2020-12/vocab/content\":true},"
	  "\"$dynamicAnchor\":\"meta\","
	  "\"title\":\"Core and Validation specifications meta-schema\","
	  "\"allOf\":[{\"$ref\":\"meta/core\"},{\"$ref\":\"meta/applicator\"},"
	  "{\"$ref\":\"meta/unevaluated\"},{\"$ref\":\"meta/validation\"},"
	  "{\"$ref\":\"meta/meta-data\"},{\"$ref\":\"meta/format-annotation\"},"
	  "{\"$ref\":\"meta/content\"}],"
	  "\"type\":[\"object\",\"boolean\"],"
	  "\"properties\":{"
	  "\"definitions\":{\"type\":\"object\",\"additionalProperties\":{\"$dynamicRef\":\"#meta\"},"
	  "\"deprecated\":true,\"default\":{}},"
	  "\"dependencies\":{\"type\":\"object\",\"additionalProperties\":{\"anyOf\":["
	  "{\"$dynamicRef\":\"#meta\"},{\"$ref\":\"meta/validation#/$defs/stringArray\"}]},"
	  "\"deprecated\":true,\"default\":{}},"
	  "\"$recursiveAnchor\":{\"$ref\":\"meta/core#/$defs/anchorString\",\"deprecated\":true},"
	  "\"$recursiveRef\":{\"$ref\":\"meta/core#/$defs/uriReferenceString\",\"deprecated\":true}}}" },
	{ "https://json-schema.org/draft/2020-12/meta/core",
	  MS_HEAD("core", "core")
	  "\"title\":\"Core vocabulary meta-schema\","
	  "\"properties\":{"
	  "\"$id\":{\"$ref\":\"#/$defs/uriReferenceString\",\"pattern\":\"^[^#]*#?$\"},"
	  "\"$schema\":{\"$ref\":\"#/$defs/uriString\"},"
	  "\"$ref\":{\"$ref\":\"#/$defs/uriReferenceString\"},"
	  "\"$anchor\":{\"$ref\":\"#/$defs/anchorString\"},"
	  "\"$dynamicRef\":{\"$ref\":\"#/$defs/uriReferenceString\"},"
	  "\"$dynamicAnchor\":{\"$ref\":\"#/$defs/anchorString\"},"
	  "\"$vocabulary\":{\"type\":\"object\",\"propertyNames\":{\"$ref\":\"#/$defs/uriString\"},"
	  "\"additionalProperties\":{\"type\":\"boolean\"}},"
	  "\"$comment\":{\"type\":\"string\"},"
	  "\"$defs\":{\"type\":\"object\",\"additionalProperties\":{\"$dynamicRef\":\"#meta\"}}},"
	  "\"$defs\":{"
	  "\"anchorString\":{\"type\":\"string\",\"pattern\":\"^[A-Za-z_][-A-Za-z0-9._]*$\"},"
	  "\"uriString\":{\"type\":\"string\",\"format\":\"uri\"},"
	  "\"uriReferenceString\":{\"type\":\"string\",\"format\":\"uri-reference\"}}}" },
	{ "https://json-schema.org/draft/2020-12/meta/applicator",
	  MS_HEAD("applicator", "applicator")
	  "\"title\":\"Applicator vocabulary meta-schema\","
	  "\"properties\":{"
	  "\"prefixItems\":{\"$ref\":\"#/$defs/schemaArray\"},"
	  "\"items\":{\"$dynamicRef\":\"#meta\"},"
	  "\"contains\":{\"$dynamicRef\":\"#meta\"},"
	  "\"additionalProperties\":{\"$dynamicRef\":\"#meta\"},"
	  "\"properties\":{\"type\":\"object\",\"additionalProperties\":{\"$dynamicRef\":\"#meta\"},\"default\":{}},"
	  "\"patternProperties\":{\"type\":\"object\",\"additionalProperties\":{\"$dynamicRef\":\"#meta\"},"
	  "\"propertyNames\":{\"format\":\"regex\"},\"default\":{}},"
	  "\"dependentSchemas\":{\"type\":\"object\",\"additionalProperties\":{\"$dynamicRef\":\"#meta\"},\"default\":{}},"
	  "\"propertyNames\":{\"$dynamicRef\":\"#meta\"},"
	  "\"if\":{\"$dynamicRef\":\"#meta\"},"
	  "\"then\":{\"$dynamicRef\":\"#meta\"},"
	  "\"else\":{\"$dynamicRef\":\"#meta\"},"
	  "\"allOf\":{\"$ref\":\"#/$defs/schemaArray\"},"
	  "\"anyOf\":{\"$ref\":\"#/$defs/schemaArray\"},"
	  "\"oneOf\":{\"$ref\":\"#/$defs/schemaArray\"},"
	  "\"not\":{\"$dynamicRef\":\"#meta\"}},"
	  "\"$defs\":{\"schemaArray\":{\"type\":\"array\",\"minItems\":1,\"items\":{\"$dynamicRef\":\"#meta\"}}}}" },
	{ "https://json-schema.org/draft/2020-12/meta/unevaluated",
	  MS_HEAD("unevaluated", "unevaluated")
	  "\"title\":\"Unevaluated applicator vocabulary meta-schema\","
	  "\"properties\":{"
	  "\"unevaluatedItems\":{\"$dynamicRef\":\"#meta\"},"
	  "\"unevaluatedProperties\":{\"$dynamicRef\":\"#meta\"}}}" },
	{ "https://json-schema.org/draft/2020-12/meta/validation",
	  MS_HEAD("validation", "validation")
	  "\"title\":\"Validation vocabulary meta-schema\","
	  "\"properties\":{"
	  "\"type\":{\"anyOf\":[{\"$ref\":\"#/$defs/simpleTypes\"},{\"type\":\"array\","
	  "\"items\":{\"$ref\":\"#/$defs/simpleTypes\"},\"minItems\":1,\"uniqueItems\":true}]},"
	  "\"const\":true,"
	  "\"enum\":{\"type\":\"array\",\"items\":true},"
	  "\"multipleOf\":{\"type\":\"number\",\"exclusiveMinimum\":0},"
	  "\"maximum\":{\"type\":\"number\"},"
	  "\"exclusiveMaximum\":{\"type\":\"number\"},"
	  "\"minimum\":{\"type\":\"number\"},"
	  "\"exclusiveMinimum\":{\"type\":\"number\"},"
	  "\"maxLength\":{\"$ref\":\"#/$defs/nonNegativeInteger\"},"
	  "\"minLength\":{\"$ref\":\"#/$defs/nonNegativeIntegerDefault0\"},"
	  "\"pattern\":{\"type\":\"string\",\"format\":\"regex\"},"
	  "\"maxItems\":{\"$ref\":\"#/$defs/nonNegativeInteger\"},"
	  "\"minItems\":{\"$ref\":\"#/$defs/nonNegativeIntegerDefault0\"},"
	  "\"uniqueItems\":{\"type\":\"boolean\",\"default\":false},"
	  "\"maxContains\":{\"$ref\":\"#/$defs/nonNegativeInteger\"},"
	  "\"minContains\":{\"$ref\":\"#/$defs/nonNegativeInteger\",\"default\":1},"
	  "\"maxProperties\":{\"$ref\":\"#/$defs/nonNegativeInteger\"},"
	  "\"minProperties\":{\"$ref\":\"#/$defs/nonNegativeIntegerDefault0\"},"
	  "\"required\":{\"$ref\":\"#/$defs/stringArray\"},"
	  "\"dependentRequired\":{\"type\":\"object\",\"additionalProperties\":{\"$ref\":\"#/$defs/stringArray\"}}},"
	  "\"$defs\":{"
	  "\"nonNegativeInteger\":{\"type\":\"integer\",\"minimum\":0},"
	  "\"nonNegativeIntegerDefault0\":{\"$ref\":\"#/$defs/nonNegativeInteger\",\"default\":0},"
	  "\"simpleTypes\":{\"enum\":[\"array\",\"boolean\",\"integer\",\"null\",\"number\",\"object\",\"string\"]},"
	  "\"stringArray\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"uniqueItems\":true,\"default\":[]}}}" },
	{ "https://json-schema.org/draft/2020-12/meta/meta-data",
	  MS_HEAD("meta-data", "meta-data")
	  "\"title\":\"Meta-data vocabulary meta-schema\","
	  "\"properties\":{"
	  "\"title\":{\"type\":\"string\"},"
	  "\"description\":{\"type\":\"string\"},"
	  "\"default\":true,"
	  "\"deprecated\":{\"type\":\"boolean\",\"default\":false},"
	  "\"readOnly\":{\"type\":\"boolean\",\"default\":false},"
	  "\"writeOnly\":{\"type\":\"boolean\",\"default\":false},"
	  "\"examples\":{\"type\":\"array\",\"items\":true}}}" },
	{ "https://json-schema.org/draft/2020-12/meta/format-annotation",
	  MS_HEAD("format-annotation", "format-annotation")
	  "\"title\":\"Format vocabulary meta-schema for annotation results\","
	  "\"properties\":{\"format\":{\"type\":\"string\"}}}" },
	{ "https://json-schema.org/draft/2020-12/meta/format-assertion",
	  MS_HEAD("format-assertion", "format-assertion")
	  "\"title\":\"Format vocabulary meta-schema for assertion results\","
	  "\"properties\":{\"format\":{\"type\":\"string\"}}}" },
	{ "https://json-schema.org/draft/2020-12/meta/content",
	  MS_HEAD("content", "content")
	  "\"title\":\"Content vocabulary meta-schema\","
	  "\"properties\":{"
	  "\"contentEncoding\":{\"type\":\"string\"},"
	  "\"contentMediaType\":{\"type\":\"string\"},"
	  "\"contentSchema\":{\"$dynamicRef\":\"#meta\"}}}" },
};

/* ------------------------------------------------------------------ */
/* Small containers                                                     */
/* ------------------------------------------------------------------ */

/* Strings for URIs and pointers at compile time: util's strbuf, plus: */
static void sb_addc(struct strbuf *b, char c)
{
	strbuf_add(b, &c, 1);
}

/* Append a JSON Pointer segment ("/" + escaped token). */
static void sb_add_token(struct strbuf *b, const char *tok)
{
	sb_addc(b, '/');
	for (; *tok; tok++) {
		if (*tok == '~')
			strbuf_addstr(b, "~0");
		else if (*tok == '/')
			strbuf_addstr(b, "~1");
		else
			sb_addc(b, *tok);
	}
}

/* Take the string out of the buffer (NULL when out of memory). */
static char *sb_take(struct strbuf *b)
{
	char *s;

	if (b->failed) {
		free(b->buf);
		return NULL;
	}
	if (!b->buf)
		return strdup("");
	s = b->buf;
	b->buf = NULL;
	b->len = b->cap = 0;
	return s;
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static uint64_t hash_ptr(const void *p)
{
	uint64_t h = (uint64_t)(uintptr_t)p;

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

/*
 * Open-addressing hash map.  Keys are either owned strings (strmap) or
 * pointers (ptrmap); values are borrowed pointers.
 */
struct hent {
	const void *key;
	void *val;
};

struct hmap {
	struct hent *e;
	size_t cap, n;
	int strkeys;
};

static uint64_t hm_hash(const struct hmap *m, const void *k)
{
	return m->strkeys ? hash_str(k) : hash_ptr(k);
}

static int hm_eq(const struct hmap *m, const void *a, const void *b)
{
	return m->strkeys ? strcmp(a, b) == 0 : a == b;
}

static struct hent *hm_find(const struct hmap *m, const void *k)
{
	size_t i;

	if (!m->cap)
		return NULL;
	i = (size_t)hm_hash(m, k) & (m->cap - 1);
	while (m->e[i].key) {
		if (hm_eq(m, m->e[i].key, k))
			return &m->e[i];
		i = (i + 1) & (m->cap - 1);
	}
	return NULL;
}

static void *hm_get(const struct hmap *m, const void *k)
{
	struct hent *e = hm_find(m, k);

	return e ? e->val : NULL;
}

/* Insert (key must be absent).  String keys are copied.  Returns 0 or -1. */
static int hm_put(struct hmap *m, const void *k, void *v)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 16, j;
		struct hent *ne = calloc(ncap, sizeof(*ne));

		if (!ne)
			return -1;
		for (j = 0; j < m->cap; j++) {
			if (!m->e[j].key)
				continue;
			i = (size_t)hm_hash(m, m->e[j].key) & (ncap - 1);
			while (ne[i].key)
				i = (i + 1) & (ncap - 1);
			ne[i] = m->e[j];
		}
		free(m->e);
		m->e = ne;
		m->cap = ncap;
	}
	if (m->strkeys) {
		k = strdup(k);
		if (!k)
			return -1;
	}
	i = (size_t)hm_hash(m, k) & (m->cap - 1);
	while (m->e[i].key)
		i = (i + 1) & (m->cap - 1);
	m->e[i].key = k;
	m->e[i].val = v;
	m->n++;
	return 0;
}

/* Insert or replace. */
static int hm_set(struct hmap *m, const void *k, void *v)
{
	struct hent *e = hm_find(m, k);

	if (e) {
		e->val = v;
		return 0;
	}
	return hm_put(m, k, v);
}

static void hm_release(struct hmap *m)
{
	size_t i;

	if (m->strkeys)
		for (i = 0; i < m->cap; i++)
			free((void *)(uintptr_t)m->e[i].key);
	free(m->e);
	m->e = NULL;
	m->cap = m->n = 0;
}

/* ------------------------------------------------------------------ */
/* URIs (RFC 3986 reference resolution)                                 */
/* ------------------------------------------------------------------ */

struct uri {
	const char *scheme, *auth, *path, *query, *frag;
	size_t scheme_n, auth_n, path_n, query_n, frag_n;
	int has_scheme, has_auth, has_query, has_frag;
};

static void uri_parse(const char *s, struct uri *u)
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
			if (!out->failed) {
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

/* Resolve `ref` against the absolute URI `base`.  Returns a malloc'd string. */
static char *uri_resolve(const char *base, const char *ref)
{
	struct uri b, r;
	struct strbuf o = { 0 };

	uri_parse(ref, &r);
	uri_parse(base ? base : "", &b);
	if (r.has_scheme) {
		strbuf_add(&o, r.scheme, r.scheme_n);
		sb_addc(&o, ':');
		if (r.has_auth) {
			strbuf_addstr(&o, "//");
			strbuf_add(&o, r.auth, r.auth_n);
		}
		remove_dots(r.path, r.path_n, &o);
		if (r.has_query) {
			sb_addc(&o, '?');
			strbuf_add(&o, r.query, r.query_n);
		}
	} else {
		if (b.has_scheme) {
			strbuf_add(&o, b.scheme, b.scheme_n);
			sb_addc(&o, ':');
		}
		if (r.has_auth) {
			strbuf_addstr(&o, "//");
			strbuf_add(&o, r.auth, r.auth_n);
			remove_dots(r.path, r.path_n, &o);
			if (r.has_query) {
				sb_addc(&o, '?');
				strbuf_add(&o, r.query, r.query_n);
			}
		} else {
			if (b.has_auth) {
				strbuf_addstr(&o, "//");
				strbuf_add(&o, b.auth, b.auth_n);
			}
			if (!r.path_n) {
				strbuf_add(&o, b.path, b.path_n);
				if (r.has_query) {
					sb_addc(&o, '?');
					strbuf_add(&o, r.query, r.query_n);
				} else if (b.has_query) {
					sb_addc(&o, '?');
					strbuf_add(&o, b.query, b.query_n);
				}
			} else {
				if (r.path[0] == '/') {
					remove_dots(r.path, r.path_n, &o);
				} else {
					struct strbuf m = { 0 };
					size_t k = b.path_n;

					if (b.has_auth && !b.path_n) {
						sb_addc(&m, '/');
					} else {
						while (k && b.path[k - 1] != '/')
							k--;
						strbuf_add(&m, b.path, k);
					}
					strbuf_add(&m, r.path, r.path_n);
					if (m.buf)
						remove_dots(m.buf, m.len, &o);
					o.failed |= m.failed;
					free(m.buf);
				}
				if (r.has_query) {
					sb_addc(&o, '?');
					strbuf_add(&o, r.query, r.query_n);
				}
			}
		}
	}
	if (r.has_frag) {
		sb_addc(&o, '#');
		strbuf_add(&o, r.frag, r.frag_n);
	}
	return sb_take(&o);
}

/* Split "uri#frag" in place: returns the fragment (or "") and cuts uri. */
static char *uri_cut_fragment(char *uri)
{
	char *h = strchr(uri, '#');

	if (!h)
		return uri + strlen(uri);
	*h = '\0';
	return h + 1;
}

/* Percent-decode in place. */
static void percent_decode(char *s)
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

/* ------------------------------------------------------------------ */
/* Registry data                                                        */
/* ------------------------------------------------------------------ */

struct doc {
	cJSON *root;        /* owned */
	char *uri;          /* URI it was loaded as (no fragment) */
	char *path;         /* file it came from, or NULL */
	struct doc *next;
};

struct snode;

struct dynanchor {
	const char *name;        /* borrowed from the document */
	const cJSON *node;
	struct snode *s;         /* filled when the resource is compiled */
};

/* A schema resource: a document root or a subschema with "$id". */
struct resource {
	char *uri;
	const cJSON *root;
	struct doc *doc;
	unsigned vocab;
	struct dynanchor *dyn;
	size_t n_dyn, cap_dyn;
	int dyn_compiled;
	struct resource *next;
};

/* Where a schema node sits: found by scanning or while compiling. */
struct sinfo {
	struct resource *res;
	char *docptr;       /* JSON Pointer from the document root */
	char *absloc;       /* resource URI + "#" + pointer inside the resource */
	unsigned vocab;
	struct sinfo *next;
};

struct urimap {
	char *prefix, *dir;
};

struct prop {
	const char *name;
	struct snode *s;
	int req_slot;        /* bit in the "required seen" mask, or -1 */
	uint64_t hash;       /* hash_str(name): props are sorted by (hash, name) */
};

struct patprop {
	pcre2_code *re;
	struct snode *s;
};

struct depreq {
	const char *name;
	const char **req;
	size_t n;
};

/* Keyword presence flags of a compiled node. */
#define K_MIN       0x0001u
#define K_MAX       0x0002u
#define K_XMIN      0x0004u
#define K_XMAX      0x0008u
#define K_MULT      0x0010u
#define K_UNIQUE    0x0020u

/* Keyword groups present in a node. */
#define KIND_NUMBER  0x01u
#define KIND_STRING  0x02u
#define KIND_OBJECT  0x04u
#define KIND_ARRAY   0x08u
#define KIND_INPLACE 0x10u

/* Instance type bits. */
#define T_NULL    0x01u
#define T_BOOL    0x02u
#define T_OBJECT  0x04u
#define T_ARRAY   0x08u
#define T_NUMBER  0x10u
#define T_STRING  0x20u
#define T_INTEGER 0x40u

struct snode {
	int boolean;                 /* -1 object schema, else 0/1 */
	const struct resource *res;
	const char *absloc;
	unsigned types;              /* 0: no "type" */
	unsigned flags;
	const cJSON *enum_, *const_;
	double minimum, maximum, xmin, xmax, multiple;
	long long min_len, max_len, min_items, max_items, min_contains, max_contains;
	long long min_props, max_props;   /* -1 when absent */
	pcre2_code *pattern;
	const char *pattern_src;
	const char *format;          /* non-NULL when asserted */
	const char **required;
	size_t n_required;
	size_t n_req_fast;           /* required names found while scanning members */
	const char **req_slow;       /* the others, looked up one by one */
	size_t n_req_slow;
	unsigned kinds;              /* KIND_* summary, to skip whole groups */
	struct depreq *depreq;
	size_t n_depreq;
	struct prop *props;          /* sorted by name */
	size_t n_props;
	struct patprop *patprops;
	size_t n_patprops;
	struct prop *depschemas;
	size_t n_depschemas;
	struct snode **prefix, **allof, **anyof, **oneof;
	size_t n_prefix, n_allof, n_anyof, n_oneof;
	struct snode *additional, *propnames, *items, *contains;
	struct snode *uneval_items, *uneval_props;
	struct snode *not_, *if_, *then_, *else_;
	struct snode *ref, *dynref;
	const char *dynref_anchor;   /* dynamic lookup name, or NULL */
	const cJSON *src;            /* the schema JSON it was compiled from */
	int forgotten;               /* built by a failed compilation, unused */
	struct snode *next_alloc;
};

struct jsonschema {
	const struct jsonschema_registry *reg;
	struct snode *root;
	char *key;                   /* file path or base URI */
	struct jsonschema *next;
};

struct jsonschema_registry {
	struct jsonschema_opts opts;
	struct doc *docs;
	struct resource *resources;
	struct hmap res_by_uri;      /* uri -> struct resource * */
	struct hmap anchors;         /* "uri#name" -> const cJSON * */
	struct hmap info;            /* const cJSON * -> struct sinfo * */
	struct hmap compiled;        /* const cJSON * -> struct snode * */
	struct sinfo *infos;
	struct snode *nodes;
	struct jsonschema *schemas;
	struct urimap *maps;
	size_t n_maps;
	unsigned long anon;
	int loading_depth;
};

static int load_uri(struct jsonschema_registry *r, const char *uri,
		    struct resource **out, struct error *err);

/* ------------------------------------------------------------------ */
/* Registry lifecycle                                                   */
/* ------------------------------------------------------------------ */

struct jsonschema_registry *jsonschema_registry_new(const struct jsonschema_opts *opts)
{
	struct jsonschema_registry *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	if (opts)
		r->opts = *opts;
	if (!r->opts.max_errors)
		r->opts.max_errors = JSONSCHEMA_MAX_ERRORS_DEFAULT;
	r->res_by_uri.strkeys = 1;
	r->anchors.strkeys = 1;
	return r;
}

static void snode_free(struct snode *n)
{
	size_t i;

	pcre2_code_free(n->pattern);
	for (i = 0; i < n->n_patprops; i++)
		pcre2_code_free(n->patprops[i].re);
	for (i = 0; i < n->n_depreq; i++)
		free(n->depreq[i].req);
	free(n->patprops);
	free(n->depreq);
	free(n->required);
	free(n->req_slow);
	free(n->props);
	free(n->depschemas);
	free(n->prefix);
	free(n->allof);
	free(n->anyof);
	free(n->oneof);
	free(n);
}

void jsonschema_registry_free(struct jsonschema_registry *r)
{
	size_t i;

	if (!r)
		return;
	while (r->nodes) {
		struct snode *n = r->nodes;

		r->nodes = n->next_alloc;
		snode_free(n);
	}
	while (r->schemas) {
		struct jsonschema *s = r->schemas;

		r->schemas = s->next;
		free(s->key);
		free(s);
	}
	while (r->infos) {
		struct sinfo *f = r->infos;

		r->infos = f->next;
		free(f->docptr);
		free(f->absloc);
		free(f);
	}
	while (r->resources) {
		struct resource *x = r->resources;

		r->resources = x->next;
		free(x->uri);
		free(x->dyn);
		free(x);
	}
	while (r->docs) {
		struct doc *d = r->docs;

		r->docs = d->next;
		cJSON_Delete(d->root);
		free(d->uri);
		free(d->path);
		free(d);
	}
	for (i = 0; i < r->n_maps; i++) {
		free(r->maps[i].prefix);
		free(r->maps[i].dir);
	}
	free(r->maps);
	hm_release(&r->res_by_uri);
	hm_release(&r->anchors);
	hm_release(&r->info);
	hm_release(&r->compiled);
	free(r);
}

int jsonschema_registry_map_uri(struct jsonschema_registry *r, const char *prefix,
				const char *dir, struct error *err)
{
	struct urimap *m;

	if (!prefix || !*prefix || !dir || !*dir)
		return error_set(err, ERR_USAGE, "invalid URI map '%s=%s': empty prefix or folder",
				 prefix ? prefix : "", dir ? dir : "");
	m = realloc(r->maps, (r->n_maps + 1) * sizeof(*m));
	if (!m)
		return error_set(err, ERR_IO, "out of memory");
	r->maps = m;
	m[r->n_maps].prefix = strdup(prefix);
	m[r->n_maps].dir = strdup(dir);
	if (!m[r->n_maps].prefix || !m[r->n_maps].dir) {
		free(m[r->n_maps].prefix);
		free(m[r->n_maps].dir);
		return error_set(err, ERR_IO, "out of memory");
	}
	r->n_maps++;
	return 0;
}

int jsonschema_registry_map_uri_spec(struct jsonschema_registry *r,
				     const char *spec, struct error *err)
{
	const char *eq = strchr(spec, '=');
	char *prefix;
	int rc;

	if (!eq)
		return error_set(err, ERR_USAGE, "a URI map wants PREFIX=DIR, got '%s'", spec);
	prefix = strndup(spec, (size_t)(eq - spec));
	if (!prefix)
		return error_set(err, ERR_IO, "out of memory");
	rc = jsonschema_registry_map_uri(r, prefix, eq + 1, err);
	free(prefix);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Loading documents                                                    */
/* ------------------------------------------------------------------ */

static int oom(struct error *err)
{
	return error_set(err, ERR_IO, "out of memory");
}

/* Read a whole file into a malloc'd NUL-terminated buffer. */
static char *slurp(const char *path, size_t *len, struct error *err)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f) {
		error_set_at(err, ERR_IO, path, 0, 0, NULL, "cannot open '%s': %s", path,
			     strerror(errno));
		return NULL;
	}
	for (;;) {
		size_t got;

		if (n + 4096 + 1 > cap) {
			char *nb;

			cap = cap ? cap * 2 : 8192;
			nb = realloc(buf, cap);
			if (!nb) {
				oom(err);
				free(buf);
				buf = NULL;
				goto out;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		error_set_at(err, ERR_IO, path, 0, 0, NULL, "cannot read '%s': %s", path,
			     strerror(errno));
		free(buf);
		buf = NULL;
		goto out;
	}
	buf[n] = '\0';
	*len = n;
out:
	fclose(f);
	return buf;
}

/* Parse JSON text, reporting the line and column of a syntax error. */
static cJSON *parse_json(const char *text, size_t len, const char *where, struct error *err)
{
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithLengthOpts(text, len, &end, 0);

	if (!j) {
		long line = 1, col = 1;
		const char *p;

		if (!end || end < text || end > text + len)
			end = text;
		for (p = text; p < end; p++) {
			if (*p == '\n')
				line++, col = 1;
			else
				col++;
		}
		error_set_at(err, ERR_USAGE, where, line, col, NULL, "invalid JSON in schema");
	}
	return j;
}

static struct sinfo *new_info(struct jsonschema_registry *r, const cJSON *node,
			      struct resource *res, const char *docptr,
			      const char *relptr, unsigned vocab)
{
	struct sinfo *f = calloc(1, sizeof(*f));
	struct strbuf b = { 0 };

	if (!f)
		return NULL;
	f->res = res;
	f->vocab = vocab;
	f->docptr = strdup(docptr);
	strbuf_addstr(&b, res->uri);
	sb_addc(&b, '#');
	strbuf_addstr(&b, relptr);
	f->absloc = sb_take(&b);
	f->next = r->infos;
	r->infos = f;
	if (!f->docptr || !f->absloc || hm_put(&r->info, node, f))
		return NULL;
	return f;
}

static struct resource *new_resource(struct jsonschema_registry *r, const char *uri,
				     const cJSON *root, struct doc *d, unsigned vocab)
{
	struct resource *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	x->uri = strdup(uri);
	x->root = root;
	x->doc = d;
	x->vocab = vocab;
	x->next = r->resources;
	r->resources = x;
	if (!x->uri)
		return NULL;
	if (!hm_get(&r->res_by_uri, uri) && hm_put(&r->res_by_uri, uri, x))
		return NULL;
	return x;
}

static int is_known_meta(const char *uri)
{
	static const char *const known[] = {
		META_2020_12, "https://json-schema.org/draft/2020-12/schema#",
		"https://json-schema.org/draft/2019-09/schema",
		"https://json-schema.org/draft/2019-09/schema#",
		"http://json-schema.org/draft-07/schema", "http://json-schema.org/draft-07/schema#",
		"http://json-schema.org/draft-06/schema", "http://json-schema.org/draft-06/schema#",
		"http://json-schema.org/draft-04/schema", "http://json-schema.org/draft-04/schema#",
	};
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(uri, known[i]))
			return 1;
	return 0;
}

/*
 * The vocabularies a schema gets from its "$schema": the metaschema's
 * "$vocabulary", or the default set for the standard metaschema.
 */
static int vocab_of_meta(struct jsonschema_registry *r, const char *doc_where,
			 const char *docptr, const char *base, const char *meta,
			 unsigned *out, struct error *err)
{
	struct resource *mres = NULL;
	const cJSON *voc, *v;
	char *uri;
	unsigned set = 0;
	int rc = 0;

	uri = uri_resolve(base, meta);
	if (!uri)
		return oom(err);
	uri_cut_fragment(uri);
	if (is_known_meta(uri) || is_known_meta(meta)) {
		*out = VOC_DEFAULT;
		if (strcmp(uri, META_2020_12))
			*out |= VOC_LEGACY;
		goto out;
	}
	mres = hm_get(&r->res_by_uri, uri);
	if (!mres && load_uri(r, uri, &mres, err)) {
		error_set_at(err, ERR_USAGE, doc_where, 0, 0, docptr,
			     "invalid schema: cannot resolve metaschema '%s'", meta);
		rc = ERR_USAGE;
		goto out;
	}
	voc = cJSON_IsObject(mres->root) ? cJSON_GetObjectItemCaseSensitive(mres->root, "$vocabulary") : NULL;
	if (!cJSON_IsObject(voc)) {
		*out = mres->vocab ? mres->vocab : VOC_DEFAULT;
		goto out;
	}
	cJSON_ArrayForEach(v, voc) {
		size_t i;
		int known = 0;

		for (i = 0; i < sizeof(vocab_names) / sizeof(vocab_names[0]); i++) {
			if (!strcmp(v->string, vocab_names[i].uri)) {
				set |= vocab_names[i].bit;
				known = 1;
			}
		}
		if (!known && cJSON_IsTrue(v)) {
			rc = error_set_at(err, ERR_USAGE, doc_where, 0, 0, docptr,
					  "invalid schema: metaschema '%s' requires unknown vocabulary '%s'",
					  meta, v->string);
			goto out;
		}
	}
	*out = set | VOC_CORE;
out:
	free(uri);
	return rc;
}

/* Keywords whose value is one subschema, an array of them, or a map of them. */
static const char *const kw_single[] = {
	"additionalProperties", "propertyNames", "items", "contains", "not", "if",
	"then", "else", "unevaluatedItems", "unevaluatedProperties", "contentSchema",
	"additionalItems",
};
static const char *const kw_array[] = { "allOf", "anyOf", "oneOf", "prefixItems" };
static const char *const kw_map[] = { "properties", "patternProperties", "$defs",
				      "dependentSchemas", "definitions", "dependencies" };

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Walk the schema `node` of document `d`: register every resource ("$id"),
 * anchor and dynamic anchor, and remember where each subschema sits.
 */
static int scan(struct jsonschema_registry *r, struct doc *d, const cJSON *node,
		struct resource *res, const char *docptr, const char *relptr,
		unsigned vocab, struct error *err)
{
	const cJSON *id, *kw, *sub;
	struct strbuf dp = { 0 }, rp = { 0 };
	const char *where = d->path ? d->path : d->uri;
	size_t i;
	int rc = 0;

	if (!cJSON_IsObject(node)) {
		if (!hm_get(&r->info, node) && !new_info(r, node, res, docptr, relptr, vocab))
			return oom(err);
		return 0;
	}
	if (hm_get(&r->info, node))
		return 0;
	kw = cJSON_GetObjectItemCaseSensitive(node, "$schema");
	if (kw) {
		dp.len = 0;
		strbuf_addstr(&dp, docptr);
		strbuf_addstr(&dp, "/$schema");
		if (dp.failed) {
			rc = oom(err);
			goto out;
		}
		if (!cJSON_IsString(kw)) {
			rc = error_set_at(err, ERR_USAGE, where, 0, 0, dp.buf,
					  "invalid schema: \"$schema\" must be a string");
			goto out;
		}
		if (vocab_of_meta(r, where, dp.buf, res->uri, kw->valuestring, &vocab, err)) {
			rc = err ? (int)err->code : ERR_USAGE;
			goto out;
		}
	}
	id = cJSON_GetObjectItemCaseSensitive(node, "$id");
	if (id) {
		char *u;

		if (!cJSON_IsString(id)) {
			dp.len = 0;
			strbuf_addstr(&dp, docptr);
			strbuf_addstr(&dp, "/$id");
			rc = error_set_at(err, ERR_USAGE, where, 0, 0, dp.buf ? dp.buf : docptr,
					  "invalid schema: \"$id\" must be a string");
			goto out;
		}
		u = uri_resolve(res->uri, id->valuestring);
		if (!u) {
			rc = oom(err);
			goto out;
		}
		uri_cut_fragment(u);
		if (res->root == node) {
			if (strcmp(u, res->uri)) {
				/* the document root names itself: make that its URI */
				char *old = res->uri;

				res->uri = u;
				u = old;
				if (!hm_get(&r->res_by_uri, res->uri) &&
				    hm_put(&r->res_by_uri, res->uri, res)) {
					free(u);
					rc = oom(err);
					goto out;
				}
			}
		} else {
			struct resource *nr = new_resource(r, u, node, d, vocab);

			if (!nr) {
				free(u);
				rc = oom(err);
				goto out;
			}
			res = nr;
			relptr = "";
		}
		free(u);
	}
	res->vocab = res->root == node ? vocab : res->vocab;
	if (!new_info(r, node, res, docptr, relptr, vocab)) {
		rc = oom(err);
		goto out;
	}
	kw = cJSON_GetObjectItemCaseSensitive(node, "$anchor");
	if (cJSON_IsString(kw) || cJSON_IsString(cJSON_GetObjectItemCaseSensitive(node, "$dynamicAnchor"))) {
		const cJSON *da = cJSON_GetObjectItemCaseSensitive(node, "$dynamicAnchor");
		int k;

		for (k = 0; k < 2; k++) {
			const cJSON *a = k ? da : kw;
			struct strbuf key = { 0 };
			char *ks;

			if (!cJSON_IsString(a))
				continue;
			strbuf_addstr(&key, res->uri);
			sb_addc(&key, '#');
			strbuf_addstr(&key, a->valuestring);
			ks = sb_take(&key);
			if (!ks) {
				rc = oom(err);
				goto out;
			}
			if (!hm_get(&r->anchors, ks) && hm_put(&r->anchors, ks, (void *)(uintptr_t)node)) {
				free(ks);
				rc = oom(err);
				goto out;
			}
			free(ks);
			if (k) {
				if (res->n_dyn == res->cap_dyn) {
					size_t nc = res->cap_dyn ? res->cap_dyn * 2 : 4;
					struct dynanchor *nd = realloc(res->dyn, nc * sizeof(*nd));

					if (!nd) {
						rc = oom(err);
						goto out;
					}
					res->dyn = nd;
					res->cap_dyn = nc;
				}
				res->dyn[res->n_dyn].name = a->valuestring;
				res->dyn[res->n_dyn].node = node;
				res->dyn[res->n_dyn].s = NULL;
				res->n_dyn++;
			}
		}
	}
	cJSON_ArrayForEach(kw, node) {
		int single = 0, array = 0, map = 0;

		for (i = 0; i < NELEM(kw_single); i++)
			single |= !strcmp(kw->string, kw_single[i]);
		for (i = 0; i < NELEM(kw_array); i++)
			array |= !strcmp(kw->string, kw_array[i]);
		for (i = 0; i < NELEM(kw_map); i++)
			map |= !strcmp(kw->string, kw_map[i]);
		if (!single && !array && !map)
			continue;
		if (single && cJSON_IsArray(kw)) {
			/* array "items" of older dialects */
			single = 0;
			array = 1;
		}
		if (single) {
			dp.len = rp.len = 0;
			strbuf_addstr(&dp, docptr);
			sb_add_token(&dp, kw->string);
			strbuf_addstr(&rp, relptr);
			sb_add_token(&rp, kw->string);
			if (dp.failed || rp.failed) {
				rc = oom(err);
				goto out;
			}
			rc = scan(r, d, kw, res, dp.buf, rp.buf, vocab, err);
			if (rc)
				goto out;
			continue;
		}
		if ((array && !cJSON_IsArray(kw)) || (map && !cJSON_IsObject(kw)))
			continue;   /* reported by the compiler */
		i = 0;
		cJSON_ArrayForEach(sub, kw) {
			char idx[32];

			dp.len = rp.len = 0;
			strbuf_addstr(&dp, docptr);
			sb_add_token(&dp, kw->string);
			strbuf_addstr(&rp, relptr);
			sb_add_token(&rp, kw->string);
			if (array)
				snprintf(idx, sizeof(idx), "%zu", i++);
			sb_add_token(&dp, array ? idx : sub->string);
			sb_add_token(&rp, array ? idx : sub->string);
			if (dp.failed || rp.failed) {
				rc = oom(err);
				goto out;
			}
			rc = scan(r, d, sub, res, dp.buf, rp.buf, vocab, err);
			if (rc)
				goto out;
		}
	}
out:
	free(dp.buf);
	free(rp.buf);
	return rc;
}

/*
 * Take ownership of `root` as a new document known as `uri`, register its
 * resources and anchors.  On failure `root` is still freed by the registry.
 */
static int add_doc(struct jsonschema_registry *r, cJSON *root, const char *uri,
		   const char *path, struct doc **out, struct error *err)
{
	struct doc *d = calloc(1, sizeof(*d));
	struct resource *res;

	if (!d) {
		cJSON_Delete(root);
		return oom(err);
	}
	d->root = root;
	d->next = r->docs;
	r->docs = d;
	d->uri = strdup(uri);
	d->path = path ? strdup(path) : NULL;
	if (!d->uri || (path && !d->path))
		return oom(err);
	res = hm_get(&r->res_by_uri, uri);
	if (!res || res->root != root) {
		res = new_resource(r, uri, root, d, VOC_DEFAULT);
		if (!res)
			return oom(err);
	}
	if (scan(r, d, root, res, "", "", VOC_DEFAULT, err))
		return err ? (int)err->code : ERR_USAGE;
	*out = d;
	return 0;
}

/*
 * Find the document for the absolute URI `uri` (no fragment) when it is not
 * yet registered: bundled metaschemas, URI maps, file:// URIs.
 */
static int load_uri(struct jsonschema_registry *r, const char *uri,
		    struct resource **out, struct error *err)
{
	struct doc *d;
	cJSON *root = NULL;
	char *path = NULL, *text = NULL;
	size_t i, best = 0, len = 0;
	const struct urimap *bm = NULL;
	int rc = 0;

	*out = NULL;
	if (r->loading_depth > 64)
		return error_set(err, ERR_USAGE, "schema references nest too deeply at '%s'", uri);
	for (i = 0; i < NELEM(builtin_schemas); i++) {
		if (!strcmp(uri, builtin_schemas[i].uri)) {
			root = cJSON_Parse(builtin_schemas[i].text);
			if (!root)
				return oom(err);
			break;
		}
	}
	if (!root) {
		for (i = 0; i < r->n_maps; i++) {
			size_t n = strlen(r->maps[i].prefix);

			if (n > best && !strncmp(uri, r->maps[i].prefix, n)) {
				best = n;
				bm = &r->maps[i];
			}
		}
		if (bm) {
			struct strbuf b = { 0 };
			const char *rest = uri + best;

			strbuf_addstr(&b, bm->dir);
			if (b.len && b.buf[b.len - 1] != '/' && *rest != '/')
				sb_addc(&b, '/');
			strbuf_addstr(&b, rest);
			path = sb_take(&b);
			if (!path)
				return oom(err);
			percent_decode(path);
			if (strstr(path + strlen(bm->dir), "/../")) {
				free(path);
				return error_set(err, ERR_USAGE, "cannot resolve '%s': path leaves '%s'",
						 uri, bm->dir);
			}
		} else if (!strncmp(uri, "file://", 7)) {
			const char *p = uri + 7;

			if (strncmp(p, "localhost/", 10) == 0)
				p += 9;
			if (*p != '/')
				return error_set(err, ERR_USAGE, "cannot resolve '%s'", uri);
			path = strdup(p);
			if (!path)
				return oom(err);
			percent_decode(path);
		} else {
			return error_set(err, ERR_USAGE, "cannot resolve '%s' (no network access)", uri);
		}
		text = slurp(path, &len, err);
		if (!text) {
			rc = err ? (int)err->code : ERR_IO;
			goto out;
		}
		root = parse_json(text, len, path, err);
		if (!root) {
			rc = ERR_USAGE;
			goto out;
		}
	}
	r->loading_depth++;
	rc = add_doc(r, root, uri, path, &d, err);
	r->loading_depth--;
	if (rc)
		goto out;
	*out = hm_get(&r->res_by_uri, uri);
	if (!*out)
		rc = error_set(err, ERR_USAGE, "cannot resolve '%s'", uri);
out:
	free(text);
	free(path);
	return rc;
}

/* ------------------------------------------------------------------ */
/* ECMA-262 regular expressions on PCRE2                                */
/* ------------------------------------------------------------------ */

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
	struct strbuf o = { 0 };
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
				sb_addc(&o, '}');
				p = q + 1;
			} else if (n == 'u' && p[2] == '{') {
				const char *q = p + 3;

				while (util_hex_digit(*q) >= 0)
					q++;
				if (*q == '}') {
					strbuf_addstr(&o, "\\x{");
					strbuf_add(&o, p + 3, (size_t)(q - p - 3));
					sb_addc(&o, '}');
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
			sb_addc(&o, *p++);
			if (*p == '^')
				sb_addc(&o, *p++);
			continue;
		}
		if (*p == ']' && in_class)
			in_class = 0;
		sb_addc(&o, *p++);
	}
	return sb_take(&o);
}

/* Compile an ECMA-262 regex; on failure returns NULL with a message in msg. */
static pcre2_code *regex_compile(const char *src, char *msg, size_t msgsz)
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

/* ------------------------------------------------------------------ */
/* Compiling                                                            */
/* ------------------------------------------------------------------ */

struct cctx {
	struct jsonschema_registry *r;
	struct error *err;
};

static const char *info_where(const struct sinfo *f)
{
	return f->res->doc->path ? f->res->doc->path : f->res->doc->uri;
}

/* Report a problem at `docptr`/`suffix` (suffix is an unescaped key or NULL). */
static int cerr(struct cctx *cc, const struct sinfo *f, const char *kw,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int cerr(struct cctx *cc, const struct sinfo *f, const char *kw, const char *fmt, ...)
{
	struct strbuf b = { 0 };
	char msg[ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	strbuf_addstr(&b, f->docptr);
	if (kw)
		sb_add_token(&b, kw);
	error_set_at(cc->err, ERR_USAGE, info_where(f), 0, 0, b.buf ? b.buf : "",
		     "invalid schema: %s", msg);
	free(b.buf);
	return ERR_USAGE;
}

/* The info of `child`, a subschema of `parent` at parent/seg1[/seg2]. */
static struct sinfo *child_info(struct cctx *cc, const struct sinfo *parent,
				const cJSON *child, const char *seg1, const char *seg2)
{
	struct sinfo *f = hm_get(&cc->r->info, child);
	struct strbuf dp = { 0 }, rp = { 0 };
	const char *rel;

	if (f)
		return f;
	strbuf_addstr(&dp, parent->docptr);
	sb_add_token(&dp, seg1);
	if (seg2)
		sb_add_token(&dp, seg2);
	rel = strchr(parent->absloc, '#');
	strbuf_addstr(&rp, rel ? rel + 1 : "");
	sb_add_token(&rp, seg1);
	if (seg2)
		sb_add_token(&rp, seg2);
	if (!dp.failed && !rp.failed)
		f = new_info(cc->r, child, parent->res, dp.buf, rp.buf, parent->vocab);
	free(dp.buf);
	free(rp.buf);
	if (!f)
		oom(cc->err);
	return f;
}

/*
 * Resolve the reference `ref` found in the node described by `f`.  Sets the
 * target JSON node and its info.
 */
static int resolve_ref(struct cctx *cc, const struct sinfo *f, const char *kw,
		       const char *ref, const cJSON **target, struct sinfo **tinfo,
		       char **frag_out)
{
	struct jsonschema_registry *r = cc->r;
	struct resource *res;
	const cJSON *t = NULL;
	char *abs, *frag;
	int rc = 0;

	*target = NULL;
	abs = uri_resolve(f->res->uri, ref);
	if (!abs)
		return oom(cc->err);
	frag = uri_cut_fragment(abs);
	res = hm_get(&r->res_by_uri, abs);
	if (!res) {
		struct error e2;

		error_clear(&e2);
		if (load_uri(r, abs, &res, &e2)) {
			/* a schema read from a file also finds its neighbours by file name */
			struct doc *d = f->res->doc;

			if (d->path && strcmp(d->uri, f->res->uri)) {
				char *alt = uri_resolve(d->uri, ref);
				char *afrag;

				if (!alt) {
					rc = oom(cc->err);
					goto out;
				}
				afrag = uri_cut_fragment(alt);
				res = hm_get(&r->res_by_uri, alt);
				if (res || !load_uri(r, alt, &res, NULL)) {
					size_t n = strlen(afrag);

					memmove(abs, afrag, n + 1);
					frag = abs;
				}
				free(alt);
			}
			if (!res) {
				if (e2.code == ERR_USAGE && e2.path[0] && e2.line)
					*cc->err = e2;    /* the referenced file is broken */
				else
					cerr(cc, f, kw, "cannot resolve reference '%s': %s", ref, e2.msg);
				rc = ERR_USAGE;
				goto out;
			}
		}
	}
	percent_decode(frag);
	if (!*frag) {
		t = res->root;
	} else if (*frag == '/') {
		const struct sinfo *rf = hm_get(&r->info, res->root);
		struct strbuf dp = { 0 };
		char *p = frag;

		t = res->root;
		strbuf_addstr(&dp, rf ? rf->docptr : "");
		while (t && *p == '/') {
			char *e = strchr(p + 1, '/'), *o, *q;
			size_t n = e ? (size_t)(e - p - 1) : strlen(p + 1);
			char *tok = malloc(n + 1);

			if (!tok) {
				free(dp.buf);
				rc = oom(cc->err);
				goto out;
			}
			for (q = p + 1, o = tok; q < p + 1 + n; q++) {
				if (*q == '~' && q[1] == '1')
					*o++ = '/', q++;
				else if (*q == '~' && q[1] == '0')
					*o++ = '~', q++;
				else
					*o++ = *q;
			}
			*o = '\0';
			if (cJSON_IsArray(t)) {
				char *end;
				long idx = strtol(tok, &end, 10);

				t = (*tok && !*end && idx >= 0) ? cJSON_GetArrayItem(t, (int)idx) : NULL;
			} else if (cJSON_IsObject(t)) {
				t = cJSON_GetObjectItemCaseSensitive(t, tok);
			} else {
				t = NULL;
			}
			sb_add_token(&dp, tok);
			free(tok);
			p += n + 1;
		}
		if (t && !hm_get(&r->info, t)) {
			if (dp.failed || !new_info(r, t, res, dp.buf, frag, res->vocab)) {
				free(dp.buf);
				rc = oom(cc->err);
				goto out;
			}
		}
		free(dp.buf);
	} else {
		struct strbuf k = { 0 };

		strbuf_addstr(&k, res->uri);
		sb_addc(&k, '#');
		strbuf_addstr(&k, frag);
		t = k.buf ? hm_get(&r->anchors, k.buf) : NULL;
		free(k.buf);
	}
	if (!t) {
		rc = cerr(cc, f, kw, "cannot resolve reference '%s'", ref);
		goto out;
	}
	*target = t;
	*tinfo = hm_get(&r->info, t);
	if (frag_out) {
		*frag_out = strdup(frag);
		if (!*frag_out)
			rc = oom(cc->err);
	}
out:
	free(abs);
	return rc;
}

static struct snode *compile_node(struct cctx *cc, const cJSON *node, struct sinfo *f);

static struct snode *compile_sub(struct cctx *cc, const struct sinfo *parent,
				 const cJSON *child, const char *seg1, const char *seg2)
{
	struct sinfo *f = child_info(cc, parent, child, seg1, seg2);

	return f ? compile_node(cc, child, f) : NULL;
}

static int get_nonneg(struct cctx *cc, const struct sinfo *f, const cJSON *node,
		      const char *kw, long long *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(node, kw);

	if (!v)
		return 0;
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble != floor(v->valuedouble) ||
	    v->valuedouble > 9e18)
		return cerr(cc, f, kw, "\"%s\" must be a non-negative integer", kw);
	*out = (long long)v->valuedouble;
	return 0;
}

static int get_number(struct cctx *cc, const struct sinfo *f, const cJSON *node,
		      const char *kw, double *out, unsigned flag, unsigned *flags)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(node, kw);

	if (!v)
		return 0;
	if (!cJSON_IsNumber(v))
		return cerr(cc, f, kw, "\"%s\" must be a number", kw);
	*out = v->valuedouble;
	*flags |= flag;
	return 0;
}

static int type_bit(const char *s, unsigned *bit)
{
	static const struct {
		const char *name;
		unsigned bit;
	} t[] = {
		{ "null", T_NULL }, { "boolean", T_BOOL }, { "object", T_OBJECT },
		{ "array", T_ARRAY }, { "number", T_NUMBER }, { "string", T_STRING },
		{ "integer", T_INTEGER },
	};
	size_t i;

	for (i = 0; i < NELEM(t); i++) {
		if (!strcmp(s, t[i].name)) {
			*bit = t[i].bit;
			return 0;
		}
	}
	return -1;
}

static int cmp_prop(const void *a, const void *b)
{
	const struct prop *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Binary search in props sorted by cmp_prop; `h` is hash_str(name). */
static struct prop *prop_find(struct prop *props, size_t n, const char *name, uint64_t h)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int d = h != props[mid].hash ? (h < props[mid].hash ? -1 : 1) :
						 strcmp(name, props[mid].name);

		if (!d)
			return &props[mid];
		if (d < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* Compile a keyword holding one subschema. */
static int kw_single_schema(struct cctx *cc, const struct sinfo *f, const cJSON *node,
			    const char *kw, struct snode **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(node, kw);

	if (!v)
		return 0;
	if (!cJSON_IsObject(v) && !cJSON_IsBool(v))
		return cerr(cc, f, kw, "\"%s\" must be a schema (object or boolean)", kw);
	*out = compile_sub(cc, f, v, kw, NULL);
	return *out ? 0 : ERR_USAGE;
}

/* Compile a keyword holding a non-empty array of subschemas. */
static int kw_schema_array(struct cctx *cc, const struct sinfo *f, const cJSON *node,
			   const char *kw, struct snode ***out, size_t *n)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(node, kw), *e;
	size_t i = 0;

	if (!v)
		return 0;
	if (!cJSON_IsArray(v) || !cJSON_GetArraySize(v))
		return cerr(cc, f, kw, "\"%s\" must be a non-empty array of schemas", kw);
	*n = (size_t)cJSON_GetArraySize(v);
	*out = calloc(*n, sizeof(**out));
	if (!*out)
		return oom(cc->err);
	cJSON_ArrayForEach(e, v) {
		char idx[32];

		snprintf(idx, sizeof(idx), "%zu", i);
		if (!cJSON_IsObject(e) && !cJSON_IsBool(e)) {
			struct strbuf b = { 0 };

			strbuf_addstr(&b, kw);
			sb_add_token(&b, idx);
			cerr(cc, f, NULL, "\"%s/%s\" must be a schema (object or boolean)", kw, idx);
			snprintf(cc->err->pointer + strlen(cc->err->pointer),
				 sizeof(cc->err->pointer) - strlen(cc->err->pointer), "/%s", b.buf ? b.buf : "");
			free(b.buf);
			return ERR_USAGE;
		}
		(*out)[i] = compile_sub(cc, f, e, kw, idx);
		if (!(*out)[i])
			return ERR_USAGE;
		i++;
	}
	return 0;
}

/* Compile a keyword holding an object of subschemas. */
static int kw_schema_map(struct cctx *cc, const struct sinfo *f, const cJSON *node,
			 const char *kw, struct prop **out, size_t *n)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(node, kw), *e;
	size_t i = 0;

	if (!v)
		return 0;
	if (!cJSON_IsObject(v))
		return cerr(cc, f, kw, "\"%s\" must be an object of schemas", kw);
	*n = (size_t)cJSON_GetArraySize(v);
	if (!*n)
		return 0;
	*out = calloc(*n, sizeof(**out));
	if (!*out)
		return oom(cc->err);
	cJSON_ArrayForEach(e, v) {
		if (!cJSON_IsObject(e) && !cJSON_IsBool(e)) {
			cerr(cc, f, kw, "\"%s\" of \"%s\" must be a schema (object or boolean)",
			     kw, e->string);
			{
				size_t l = strlen(cc->err->pointer);
				struct strbuf b = { 0 };

				sb_add_token(&b, e->string);
				snprintf(cc->err->pointer + l, sizeof(cc->err->pointer) - l, "%s",
					 b.buf ? b.buf : "");
				free(b.buf);
			}
			return ERR_USAGE;
		}
		(*out)[i].name = e->string;
		(*out)[i].hash = hash_str(e->string);
		(*out)[i].s = compile_sub(cc, f, e, kw, e->string);
		if (!(*out)[i].s)
			return ERR_USAGE;
		i++;
	}
	return 0;
}

static int get_string_array(struct cctx *cc, const struct sinfo *f, const cJSON *v,
			    const char *kw, const char ***out, size_t *n)
{
	const cJSON *e;
	size_t i = 0;

	if (!cJSON_IsArray(v))
		return cerr(cc, f, kw, "\"%s\" must be an array of strings", kw);
	*n = (size_t)cJSON_GetArraySize(v);
	*out = calloc(*n ? *n : 1, sizeof(**out));
	if (!*out)
		return oom(cc->err);
	cJSON_ArrayForEach(e, v) {
		if (!cJSON_IsString(e))
			return cerr(cc, f, kw, "\"%s\" must be an array of strings", kw);
		(*out)[i++] = e->valuestring;
	}
	return 0;
}

static void compile_dyn_anchors(struct cctx *cc, struct resource *res, int *rc)
{
	size_t i;

	if (res->dyn_compiled)
		return;
	res->dyn_compiled = 1;
	for (i = 0; i < res->n_dyn && !*rc; i++) {
		struct sinfo *f = hm_get(&cc->r->info, res->dyn[i].node);

		res->dyn[i].s = f ? compile_node(cc, res->dyn[i].node, f) : NULL;
		if (!res->dyn[i].s)
			*rc = ERR_USAGE;
	}
}

/*
 * Precompute what validation needs to be quick: which required names can be
 * ticked off while walking the members against "properties", and which
 * keyword groups the node has at all.
 */
static int finish_node(struct cctx *cc, struct snode *n)
{
	size_t i;
	int slots = 0;

	for (i = 0; i < n->n_props; i++)
		n->props[i].req_slot = -1;
	if (n->n_required) {
		n->req_slow = calloc(n->n_required, sizeof(*n->req_slow));
		if (!n->req_slow)
			return oom(cc->err);
	}
	for (i = 0; i < n->n_required; i++) {
		struct prop *p = prop_find(n->props, n->n_props, n->required[i],
					   hash_str(n->required[i]));

		if (p && p->req_slot < 0 && slots < 64) {
			p->req_slot = slots++;
			n->n_req_fast++;
		} else {
			n->req_slow[n->n_req_slow++] = n->required[i];
		}
	}
	if (n->flags & (K_MIN | K_MAX | K_XMIN | K_XMAX | K_MULT))
		n->kinds |= KIND_NUMBER;
	if (n->min_len >= 0 || n->max_len >= 0 || n->pattern || n->format)
		n->kinds |= KIND_STRING;
	if (n->min_props >= 0 || n->max_props >= 0 || n->n_required || n->n_depreq ||
	    n->n_props || n->n_patprops || n->additional || n->propnames || n->n_depschemas)
		n->kinds |= KIND_OBJECT;
	if (n->min_items >= 0 || n->max_items >= 0 || (n->flags & K_UNIQUE) || n->n_prefix ||
	    n->items || n->contains)
		n->kinds |= KIND_ARRAY;
	if (n->n_allof || n->n_anyof || n->n_oneof || n->not_ || n->if_)
		n->kinds |= KIND_INPLACE;
	return 0;
}

/*
 * "prefixItems" and "items"; in older dialects (VOC_LEGACY) an array "items"
 * plays the part of prefixItems and "additionalItems" that of items.
 */
static int compile_items(struct cctx *cc, struct snode *n, const cJSON *node,
			 const struct sinfo *f)
{
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(node, "items");
	int rc;

	if (!(f->vocab & VOC_LEGACY)) {
		if ((rc = kw_schema_array(cc, f, node, "prefixItems", &n->prefix, &n->n_prefix)))
			return rc;
		return kw_single_schema(cc, f, node, "items", &n->items);
	}
	if (cJSON_IsArray(items)) {
		if ((rc = kw_schema_array(cc, f, node, "items", &n->prefix, &n->n_prefix)))
			return rc;
		return kw_single_schema(cc, f, node, "additionalItems", &n->items);
	}
	return kw_single_schema(cc, f, node, "items", &n->items);
}

/*
 * The pre-2019 "dependencies", accepted for compatibility with older
 * schemas: an array value acts as dependentRequired, a schema as
 * dependentSchemas.
 */
static int compile_dependencies(struct cctx *cc, struct snode *n, const struct sinfo *f,
				const cJSON *v)
{
	size_t total = (size_t)cJSON_GetArraySize(v);
	struct depreq *dr;
	struct prop *ds;
	const cJSON *e;
	int rc;

	dr = realloc(n->depreq, (n->n_depreq + total + 1) * sizeof(*dr));
	if (!dr)
		return oom(cc->err);
	n->depreq = dr;
	ds = realloc(n->depschemas, (n->n_depschemas + total + 1) * sizeof(*ds));
	if (!ds)
		return oom(cc->err);
	n->depschemas = ds;
	cJSON_ArrayForEach(e, v) {
		if (cJSON_IsArray(e)) {
			struct depreq *d = &n->depreq[n->n_depreq++];

			memset(d, 0, sizeof(*d));
			d->name = e->string;
			if ((rc = get_string_array(cc, f, e, "dependencies", &d->req, &d->n)))
				return rc;
		} else {
			struct prop *p = &n->depschemas[n->n_depschemas];

			if (!cJSON_IsObject(e) && !cJSON_IsBool(e))
				return cerr(cc, f, "dependencies",
					    "\"dependencies\" of \"%s\" must be an array or a schema",
					    e->string);
			p->name = e->string;
			p->hash = hash_str(e->string);
			p->req_slot = -1;
			p->s = compile_sub(cc, f, e, "dependencies", e->string);
			if (!p->s)
				return ERR_USAGE;
			n->n_depschemas++;
		}
	}
	return 0;
}

static int compile_keywords(struct cctx *cc, struct snode *n, const cJSON *node,
			    struct sinfo *f)
{
	const cJSON *v;
	unsigned voc = f->vocab;
	int rc = 0;

	/* core */
	v = cJSON_GetObjectItemCaseSensitive(node, "$ref");
	if (v) {
		const cJSON *t;
		struct sinfo *tf;

		if (!cJSON_IsString(v))
			return cerr(cc, f, "$ref", "\"$ref\" must be a string");
		if ((rc = resolve_ref(cc, f, "$ref", v->valuestring, &t, &tf, NULL)))
			return rc;
		n->ref = compile_node(cc, t, tf);
		if (!n->ref)
			return ERR_USAGE;
	}
	v = cJSON_GetObjectItemCaseSensitive(node, "$dynamicRef");
	if (v) {
		const cJSON *t, *da;
		struct sinfo *tf;
		char *frag = NULL;

		if (!cJSON_IsString(v))
			return cerr(cc, f, "$dynamicRef", "\"$dynamicRef\" must be a string");
		if ((rc = resolve_ref(cc, f, "$dynamicRef", v->valuestring, &t, &tf, &frag)))
			return rc;
		n->dynref = compile_node(cc, t, tf);
		da = cJSON_IsObject(t) ? cJSON_GetObjectItemCaseSensitive(t, "$dynamicAnchor") : NULL;
		if (frag && *frag && *frag != '/' && cJSON_IsString(da) && !strcmp(da->valuestring, frag))
			n->dynref_anchor = da->valuestring;
		free(frag);
		if (!n->dynref)
			return ERR_USAGE;
	}
	v = cJSON_GetObjectItemCaseSensitive(node, "$defs");
	if (v) {
		struct prop *defs = NULL;
		size_t nd = 0;

		rc = kw_schema_map(cc, f, node, "$defs", &defs, &nd);
		free(defs);
		if (rc)
			return rc;
	}

	if (voc & VOC_APPLICATOR) {
		if ((rc = kw_schema_array(cc, f, node, "allOf", &n->allof, &n->n_allof)) ||
		    (rc = kw_schema_array(cc, f, node, "anyOf", &n->anyof, &n->n_anyof)) ||
		    (rc = kw_schema_array(cc, f, node, "oneOf", &n->oneof, &n->n_oneof)) ||
		    (rc = compile_items(cc, n, node, f)) ||
		    (rc = kw_single_schema(cc, f, node, "not", &n->not_)) ||
		    (rc = kw_single_schema(cc, f, node, "if", &n->if_)) ||
		    (rc = kw_single_schema(cc, f, node, "then", &n->then_)) ||
		    (rc = kw_single_schema(cc, f, node, "else", &n->else_)) ||
		    (rc = kw_single_schema(cc, f, node, "contains", &n->contains)) ||
		    (rc = kw_single_schema(cc, f, node, "additionalProperties", &n->additional)) ||
		    (rc = kw_single_schema(cc, f, node, "propertyNames", &n->propnames)) ||
		    (rc = kw_schema_map(cc, f, node, "properties", &n->props, &n->n_props)) ||
		    (rc = kw_schema_map(cc, f, node, "dependentSchemas", &n->depschemas,
					&n->n_depschemas)))
			return rc;
		if (n->n_props)
			qsort(n->props, n->n_props, sizeof(*n->props), cmp_prop);
		v = cJSON_GetObjectItemCaseSensitive(node, "patternProperties");
		if (v) {
			struct prop *pp = NULL;
			size_t i, np = 0;

			rc = kw_schema_map(cc, f, node, "patternProperties", &pp, &np);
			if (!rc && np) {
				n->patprops = calloc(np, sizeof(*n->patprops));
				if (!n->patprops)
					rc = oom(cc->err);
			}
			for (i = 0; !rc && i < np; i++) {
				char msg[256];

				n->patprops[i].s = pp[i].s;
				n->patprops[i].re = regex_compile(pp[i].name, msg, sizeof(msg));
				if (!n->patprops[i].re) {
					rc = cerr(cc, f, "patternProperties",
						  "bad regular expression '%s': %s", pp[i].name, msg);
					break;
				}
				n->n_patprops++;
			}
			free(pp);
			if (rc)
				return rc;
		}
	}
	if (voc & VOC_UNEVALUATED) {
		if ((rc = kw_single_schema(cc, f, node, "unevaluatedItems", &n->uneval_items)) ||
		    (rc = kw_single_schema(cc, f, node, "unevaluatedProperties", &n->uneval_props)))
			return rc;
	}
	if (voc & VOC_VALIDATION) {
		v = cJSON_GetObjectItemCaseSensitive(node, "type");
		if (v) {
			unsigned bit;

			if (cJSON_IsString(v)) {
				if (type_bit(v->valuestring, &bit))
					return cerr(cc, f, "type", "unknown type \"%s\"", v->valuestring);
				n->types = bit;
			} else if (cJSON_IsArray(v)) {
				const cJSON *e;

				cJSON_ArrayForEach(e, v) {
					if (!cJSON_IsString(e) || type_bit(e->valuestring, &bit))
						return cerr(cc, f, "type",
							    "\"type\" must be a type name or an array of them");
					n->types |= bit;
				}
				if (!n->types)
					n->types = 0x80u;   /* empty list: nothing matches */
			} else {
				return cerr(cc, f, "type", "\"type\" must be a string or an array of strings");
			}
		}
		v = cJSON_GetObjectItemCaseSensitive(node, "enum");
		if (v) {
			if (!cJSON_IsArray(v))
				return cerr(cc, f, "enum", "\"enum\" must be an array");
			n->enum_ = v;
		}
		n->const_ = cJSON_GetObjectItemCaseSensitive(node, "const");
		if ((rc = get_number(cc, f, node, "minimum", &n->minimum, K_MIN, &n->flags)) ||
		    (rc = get_number(cc, f, node, "maximum", &n->maximum, K_MAX, &n->flags)) ||
		    (rc = get_number(cc, f, node, "exclusiveMinimum", &n->xmin, K_XMIN, &n->flags)) ||
		    (rc = get_number(cc, f, node, "exclusiveMaximum", &n->xmax, K_XMAX, &n->flags)) ||
		    (rc = get_number(cc, f, node, "multipleOf", &n->multiple, K_MULT, &n->flags)))
			return rc;
		if ((n->flags & K_MULT) && !(n->multiple > 0))
			return cerr(cc, f, "multipleOf", "\"multipleOf\" must be greater than 0");
		if ((rc = get_nonneg(cc, f, node, "minLength", &n->min_len)) ||
		    (rc = get_nonneg(cc, f, node, "maxLength", &n->max_len)) ||
		    (rc = get_nonneg(cc, f, node, "minItems", &n->min_items)) ||
		    (rc = get_nonneg(cc, f, node, "maxItems", &n->max_items)) ||
		    (rc = get_nonneg(cc, f, node, "minContains", &n->min_contains)) ||
		    (rc = get_nonneg(cc, f, node, "maxContains", &n->max_contains)) ||
		    (rc = get_nonneg(cc, f, node, "minProperties", &n->min_props)) ||
		    (rc = get_nonneg(cc, f, node, "maxProperties", &n->max_props)))
			return rc;
		v = cJSON_GetObjectItemCaseSensitive(node, "uniqueItems");
		if (v) {
			if (!cJSON_IsBool(v))
				return cerr(cc, f, "uniqueItems", "\"uniqueItems\" must be a boolean");
			if (cJSON_IsTrue(v))
				n->flags |= K_UNIQUE;
		}
		v = cJSON_GetObjectItemCaseSensitive(node, "pattern");
		if (v) {
			char msg[256];

			if (!cJSON_IsString(v))
				return cerr(cc, f, "pattern", "\"pattern\" must be a string");
			n->pattern = regex_compile(v->valuestring, msg, sizeof(msg));
			if (!n->pattern)
				return cerr(cc, f, "pattern", "bad regular expression '%s': %s",
					    v->valuestring, msg);
			n->pattern_src = v->valuestring;
		}
		v = cJSON_GetObjectItemCaseSensitive(node, "required");
		if (v && (rc = get_string_array(cc, f, v, "required", &n->required, &n->n_required)))
			return rc;
		v = cJSON_GetObjectItemCaseSensitive(node, "dependentRequired");
		if (v) {
			const cJSON *e;
			size_t i = 0;

			if (!cJSON_IsObject(v))
				return cerr(cc, f, "dependentRequired",
					    "\"dependentRequired\" must be an object");
			n->n_depreq = (size_t)cJSON_GetArraySize(v);
			n->depreq = calloc(n->n_depreq ? n->n_depreq : 1, sizeof(*n->depreq));
			if (!n->depreq)
				return oom(cc->err);
			cJSON_ArrayForEach(e, v) {
				n->depreq[i].name = e->string;
				rc = get_string_array(cc, f, e, "dependentRequired", &n->depreq[i].req,
						      &n->depreq[i].n);
				if (rc)
					return rc;
				i++;
			}
		}
	}
	v = cJSON_GetObjectItemCaseSensitive(node, "dependencies");
	if (v && cJSON_IsObject(v) && (voc & VOC_VALIDATION) && (voc & VOC_APPLICATOR) &&
	    (rc = compile_dependencies(cc, n, f, v)))
		return rc;
	v = cJSON_GetObjectItemCaseSensitive(node, "format");
	if (v && (voc & (VOC_FORMAT_ANN | VOC_FORMAT_ASSERT))) {
		if (!cJSON_IsString(v))
			return cerr(cc, f, "format", "\"format\" must be a string");
		if (cc->r->opts.assert_formats || (voc & VOC_FORMAT_ASSERT))
			n->format = v->valuestring;
	}
	return finish_node(cc, n);
}

static struct snode *compile_node(struct cctx *cc, const cJSON *node, struct sinfo *f)
{
	struct snode *n = hm_get(&cc->r->compiled, node);
	int rc = 0;

	if (n)
		return n;
	if (!cJSON_IsObject(node) && !cJSON_IsBool(node)) {
		cerr(cc, f, NULL, "a schema must be an object or a boolean");
		return NULL;
	}
	n = calloc(1, sizeof(*n));
	if (!n) {
		oom(cc->err);
		return NULL;
	}
	n->next_alloc = cc->r->nodes;
	cc->r->nodes = n;
	n->res = f->res;
	n->absloc = f->absloc;
	n->min_len = n->max_len = n->min_items = n->max_items = -1;
	n->max_contains = n->min_props = n->max_props = -1;
	n->min_contains = -1;
	n->src = node;
	if (hm_set(&cc->r->compiled, node, n)) {
		oom(cc->err);
		return NULL;
	}
	if (cJSON_IsBool(node)) {
		n->boolean = cJSON_IsTrue(node);
		return n;
	}
	n->boolean = -1;
	compile_dyn_anchors(cc, f->res, &rc);
	if (rc || compile_keywords(cc, n, node, f))
		return NULL;
	return n;
}

/*
 * After a failed compilation, forget the nodes it created so that a later
 * attempt compiles (and reports) them again instead of finding half-built
 * nodes.  They stay on the allocation list and are freed with the registry.
 */
static void forget_since(struct jsonschema_registry *r, const struct snode *mark)
{
	struct snode *n;
	struct resource *x;

	for (n = r->nodes; n && n != mark; n = n->next_alloc) {
		struct hent *e = hm_find(&r->compiled, n->src);

		n->forgotten = 1;
		if (e && e->val == n)
			e->val = NULL;
	}
	/* resources whose dynamic anchors were (partly) compiled by this attempt */
	for (x = r->resources; x; x = x->next) {
		size_t i;
		int stale = 0;

		for (i = 0; i < x->n_dyn && x->dyn_compiled; i++)
			if (!x->dyn[i].s || x->dyn[i].s->forgotten)
				stale = 1;
		if (!stale)
			continue;
		x->dyn_compiled = 0;
		for (i = 0; i < x->n_dyn; i++)
			x->dyn[i].s = NULL;
	}
}

/* Compile the root of a freshly added document. */
static const struct jsonschema *compile_doc(struct jsonschema_registry *r, struct doc *d,
					    const char *key, struct error *err)
{
	struct cctx cc = { r, err };
	struct sinfo *f = hm_get(&r->info, d->root);
	struct snode *mark = r->nodes;
	struct jsonschema *s;
	struct snode *root;

	if (!f) {
		oom(err);
		return NULL;
	}
	root = compile_node(&cc, d->root, f);
	if (!root) {
		forget_since(r, mark);
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s || !(s->key = strdup(key))) {
		free(s);
		oom(err);
		return NULL;
	}
	s->reg = r;
	s->root = root;
	s->next = r->schemas;
	r->schemas = s;
	return s;
}

const struct jsonschema *jsonschema_compile_file(struct jsonschema_registry *r,
						 const char *path, struct error *err)
{
	const struct jsonschema *s;
	struct jsonschema *it;
	struct doc *d = NULL;
	char *abspath = NULL, *text = NULL, *uri = NULL;
	struct strbuf b = { 0 };
	struct error dummy;
	cJSON *root;
	size_t len = 0;

	if (!err)
		err = &dummy;
	for (it = r->schemas; it; it = it->next)
		if (!strcmp(it->key, path))
			return it;
	abspath = realpath(path, NULL);
	if (!abspath) {
		error_set_at(err, ERR_IO, path, 0, 0, NULL, "cannot open '%s': %s", path,
			     strerror(errno));
		return NULL;
	}
	strbuf_addstr(&b, "file://");
	strbuf_addstr(&b, abspath);
	uri = sb_take(&b);
	s = NULL;
	if (!uri) {
		oom(err);
		goto out;
	}
	for (d = r->docs; d; d = d->next)
		if (!strcmp(d->uri, uri))
			break;
	if (!d) {
		text = slurp(path, &len, err);
		if (!text)
			goto out;
		root = parse_json(text, len, path, err);
		if (!root)
			goto out;
		if (add_doc(r, root, uri, path, &d, err))
			goto out;
	}
	s = compile_doc(r, d, path, err);
out:
	free(abspath);
	free(text);
	free(uri);
	return s;
}

const struct jsonschema *jsonschema_compile_json(struct jsonschema_registry *r,
						 const cJSON *doc, const char *base_uri,
						 struct error *err)
{
	struct doc *d;
	char anon[64];
	cJSON *copy;

	const struct jsonschema *s = NULL;
	struct error dummy;
	char *base = NULL;

	if (!err)
		err = &dummy;
	if (!doc) {
		error_set(err, ERR_USAGE, "invalid schema: no schema given");
		return NULL;
	}
	if (!base_uri) {
		snprintf(anon, sizeof(anon), "urn:wsmigrate:schema:%lu", ++r->anon);
		base_uri = anon;
	}
	base = strdup(base_uri);
	copy = cJSON_Duplicate(doc, 1);
	if (!copy || !base) {
		cJSON_Delete(copy);
		oom(err);
		goto out;
	}
	uri_cut_fragment(base);
	if (add_doc(r, copy, base, NULL, &d, err))
		goto out;
	s = compile_doc(r, d, base_uri, err);
out:
	free(base);
	return s;
}

/* ------------------------------------------------------------------ */
/* Validation                                                           */
/* ------------------------------------------------------------------ */

/* Instance location: a chain of object keys / array indexes on the C stack. */
struct ipath {
	const struct ipath *up;
	const char *key;    /* NULL: use idx */
	size_t idx;
};

/* Keyword location: a chain of keyword segments on the C stack. */
struct kpath {
	const struct kpath *up;
	const char *seg;    /* NULL: use idx */
	size_t idx;
};

/* Dynamic scope: the schema resources entered so far, innermost first. */
struct scope {
	const struct scope *up;
	const struct resource *res;
};

/*
 * Evaluated-items/properties annotations of one instance location, as a
 * bitmap over array indexes or object members (in document order).
 */
#define ANNOT_SMALL 32
struct annot {
	size_t n;
	unsigned char *bits;
	unsigned char small[ANNOT_SMALL];
};

/* References followed at the current instance location (cycle detection). */
struct rframe {
	const struct rframe *up;
	const struct snode *target;
	const cJSON *inst;
};

struct vctx {
	const struct rframe *refs;
	struct jsonschema_result *res;   /* NULL: yes/no answer */
	size_t max_errors;
	int quiet;                       /* >0: inside a branch, errors not reported */
	int explaining;                  /* >0: counting a failed branch's errors */
	unsigned depth;
	pcre2_match_data *md;
	int oom;
	/*
	 * The match data is carved out of this buffer (see md_malloc) so that a
	 * validation normally makes no heap allocation at all.
	 */
	size_t md_used;
	_Alignas(16) unsigned char md_buf[512];
};

static void *md_malloc(size_t size, void *data)
{
	struct vctx *c = data;
	size_t need = (size + 15) & ~(size_t)15;

	if (need <= sizeof(c->md_buf) - c->md_used) {
		void *p = c->md_buf + c->md_used;

		c->md_used += need;
		return p;
	}
	return malloc(size);
}

static void md_free(void *p, void *data)
{
	struct vctx *c = data;
	unsigned char *q = p;

	if (q >= c->md_buf && q < c->md_buf + sizeof(c->md_buf))
		return;
	free(p);
}

static int annot_init(struct annot *a, size_t n)
{
	size_t bytes = (n + 7) / 8;

	a->n = n;
	if (bytes <= ANNOT_SMALL) {
		a->bits = a->small;
	} else {
		a->bits = malloc(bytes);
		if (!a->bits)
			return -1;
	}
	memset(a->bits, 0, bytes ? bytes : 1);
	return 0;
}

static void annot_release(struct annot *a)
{
	if (a->bits && a->bits != a->small)
		free(a->bits);
	a->bits = NULL;
}

static void annot_set(struct annot *a, size_t i)
{
	if (a && i < a->n)
		a->bits[i / 8] |= (unsigned char)(1u << (i % 8));
}

static int annot_get(const struct annot *a, size_t i)
{
	return (a->bits[i / 8] >> (i % 8)) & 1;
}

static void annot_merge(struct annot *into, const struct annot *from)
{
	size_t i;

	if (!into)
		return;
	for (i = 0; i < (from->n + 7) / 8; i++)
		into->bits[i] |= from->bits[i];
}

static size_t child_count(const cJSON *v)
{
	size_t n = 0;
	const cJSON *c;

	for (c = v->child; c; c = c->next)
		n++;
	return n;
}

/* Is anybody going to read the error details? */
static int detailed(const struct vctx *c)
{
	return c->res && !c->quiet;
}

/* Bounded string appends for the fixed-size error fields. */
static void bput(char *buf, size_t size, size_t *len, const char *s, size_t n)
{
	if (*len + 1 >= size)
		return;
	if (n > size - 1 - *len)
		n = size - 1 - *len;
	memcpy(buf + *len, s, n);
	*len += n;
	buf[*len] = '\0';
}

static void bput_token(char *buf, size_t size, size_t *len, const char *tok)
{
	bput(buf, size, len, "/", 1);
	for (; *tok; tok++) {
		if (*tok == '~')
			bput(buf, size, len, "~0", 2);
		else if (*tok == '/')
			bput(buf, size, len, "~1", 2);
		else
			bput(buf, size, len, tok, 1);
	}
}

static void bput_index(char *buf, size_t size, size_t *len, size_t idx)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "/%zu", idx);

	bput(buf, size, len, tmp, (size_t)n);
}

static void ipath_str(const struct ipath *ip, char *buf, size_t size)
{
	const struct ipath *stack[256];
	size_t n = 0, len = 0;

	buf[0] = '\0';
	for (; ip && n < 256; ip = ip->up)
		stack[n++] = ip;
	while (n--) {
		if (stack[n]->key)
			bput_token(buf, size, &len, stack[n]->key);
		else
			bput_index(buf, size, &len, stack[n]->idx);
	}
}

static void kpath_str(const struct kpath *kp, char *buf, size_t size, size_t *len)
{
	const struct kpath *stack[512];
	size_t n = 0;

	buf[0] = '\0';
	*len = 0;
	for (; kp && n < 512; kp = kp->up)
		stack[n++] = kp;
	while (n--) {
		if (stack[n]->seg)
			bput_token(buf, size, len, stack[n]->seg);
		else
			bput_index(buf, size, len, stack[n]->idx);
	}
}

/*
 * Record one error.  `kw` is the failing keyword (appended to both keyword
 * locations), `extra` an optional further segment (e.g. a property name).
 */
static void report(struct vctx *c, const struct snode *n, const struct ipath *ip,
		   const struct kpath *kp, const char *kw, const char *fmt, ...)
	__attribute__((format(printf, 6, 7), noinline));

static void report(struct vctx *c, const struct snode *n, const struct ipath *ip,
		   const struct kpath *kp, const char *kw, const char *fmt, ...)
{
	struct jsonschema_result *res = c->res;
	struct jsonschema_error *e;
	size_t len;
	va_list ap;

	if (!detailed(c))
		return;
	res->n_errors++;
	if (res->n_stored >= c->max_errors)
		return;
	if (!res->errors) {
		res->errors = calloc(c->max_errors, sizeof(*res->errors));
		if (!res->errors) {
			c->oom = 1;
			return;
		}
	}
	e = &res->errors[res->n_stored++];
	ipath_str(ip, e->instance_location, sizeof(e->instance_location));
	kpath_str(kp, e->keyword_location, sizeof(e->keyword_location), &len);
	if (kw)
		bput_token(e->keyword_location, sizeof(e->keyword_location), &len, kw);
	len = 0;
	e->absolute_keyword_location[0] = '\0';
	bput(e->absolute_keyword_location, sizeof(e->absolute_keyword_location), &len,
	     n->absloc, strlen(n->absloc));
	if (kw)
		bput_token(e->absolute_keyword_location, sizeof(e->absolute_keyword_location),
			   &len, kw);
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
}

static inline unsigned type_of(const cJSON *v)
{
	switch (v->type & 0xff) {
	case cJSON_NULL:
		return T_NULL;
	case cJSON_True:
	case cJSON_False:
		return T_BOOL;
	case cJSON_Object:
		return T_OBJECT;
	case cJSON_Array:
		return T_ARRAY;
	case cJSON_String:
		return T_STRING;
	case cJSON_Number:
		if (isfinite(v->valuedouble) && v->valuedouble == floor(v->valuedouble))
			return T_NUMBER | T_INTEGER;
		return T_NUMBER;
	default:
		return 0;
	}
}

static const char *type_name(unsigned t)
{
	if (t & T_INTEGER)
		return "integer";
	switch (t) {
	case T_NULL:
		return "null";
	case T_BOOL:
		return "boolean";
	case T_OBJECT:
		return "object";
	case T_ARRAY:
		return "array";
	case T_NUMBER:
		return "number";
	case T_STRING:
		return "string";
	default:
		return "unknown";
	}
}

/* "integer", "string or null", ... */
static void type_list(unsigned types, char *buf, size_t size)
{
	static const unsigned order[] = { T_OBJECT, T_ARRAY, T_STRING, T_NUMBER, T_INTEGER,
					   T_BOOL, T_NULL };
	size_t i, len = 0;
	int first = 1;

	buf[0] = '\0';
	for (i = 0; i < NELEM(order); i++) {
		const char *name;

		if (!(types & order[i]))
			continue;
		if (order[i] == T_INTEGER && (types & T_NUMBER))
			continue;
		name = type_name(order[i]);
		if (!first)
			bput(buf, size, &len, " or ", 4);
		bput(buf, size, &len, name, strlen(name));
		first = 0;
	}
	if (first)
		bput(buf, size, &len, "nothing", 7);
}

/* The type name of an instance value for messages: integers say "integer". */
static const char *inst_type_name(const cJSON *v)
{
	unsigned t = type_of(v);

	return t & T_INTEGER ? "integer" : type_name(t);
}

/* JSON equality: 1 == 1.0, member order irrelevant. */
static int json_equal(const cJSON *a, const cJSON *b)
{
	int ta = a->type & 0xff, tb = b->type & 0xff;
	const cJSON *x, *y;

	if (ta != tb)
		return 0;
	switch (ta) {
	case cJSON_Number:
		return a->valuedouble == b->valuedouble;
	case cJSON_String:
		return strcmp(a->valuestring, b->valuestring) == 0;
	case cJSON_Array:
		for (x = a->child, y = b->child; x && y; x = x->next, y = y->next)
			if (!json_equal(x, y))
				return 0;
		return !x && !y;
	case cJSON_Object:
		if (child_count(a) != child_count(b))
			return 0;
		for (x = a->child; x; x = x->next) {
			for (y = b->child; y; y = y->next)
				if (!strcmp(x->string, y->string))
					break;
			if (!y || !json_equal(x, y))
				return 0;
		}
		return 1;
	default:
		return 1;
	}
}

/* Print a value compactly for a message, cut to `size`. */
static void json_brief(const cJSON *v, char *buf, size_t size)
{
	char *s = cJSON_PrintUnformatted(v);
	size_t len = 0;

	buf[0] = '\0';
	if (!s)
		return;
	if (strlen(s) >= size && size > 4) {
		bput(buf, size - 3, &len, s, strlen(s));
		bput(buf, size, &len, "...", 3);
	} else {
		bput(buf, size, &len, s, strlen(s));
	}
	cJSON_free(s);
}

static void fmt_num(double d, char *buf, size_t size)
{
	if (d == floor(d) && fabs(d) < 1e15)
		snprintf(buf, size, "%.0f", d);
	else
		snprintf(buf, size, "%.17g", d);
}

static size_t utf8_length(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static int multiple_of(double v, double m)
{
	double q, r;

	if (v == 0)
		return 1;
	q = v / m;
	if (isinf(q) || isnan(q))
		return fmod(v, m) == 0;
	r = nearbyint(q);
	if (q == r)
		return 1;
	return fabs(q - r) <= 1e-9 * fabs(q);
}

static int regex_search(struct vctx *c, const pcre2_code *re, const char *s, size_t len)
{
	int rc;

	if (!c->md) {
		pcre2_general_context *gc = pcre2_general_context_create(md_malloc, md_free, c);

		c->md = gc ? pcre2_match_data_create(1, gc) : NULL;
		pcre2_general_context_free(gc);
		if (!c->md) {
			c->oom = 1;
			return 0;
		}
	}
	rc = pcre2_match(re, (PCRE2_SPTR)s, len, 0, 0, c->md, NULL);
	return rc >= 0;
}

static int vnode(struct vctx *c, const struct snode *n, const cJSON *inst,
		 const struct ipath *ip, const struct kpath *kp,
		 const struct scope *sc, struct annot *an);

/* Evaluate a subschema reached through keyword `seg` (and index `idx` if seg NULL). */
static int vsub(struct vctx *c, const struct snode *n, const cJSON *inst,
		const struct ipath *ip, const struct kpath *kp, const char *seg,
		size_t idx, const struct scope *sc, struct annot *an)
{
	struct kpath k = { kp, seg, idx };

	return vnode(c, n, inst, ip, &k, sc, an);
}

/* Evaluate a subschema at keyword kw/idx (two segments, e.g. allOf/1). */
static int vsub2(struct vctx *c, const struct snode *n, const cJSON *inst,
		 const struct ipath *ip, const struct kpath *kp, const char *kw,
		 const char *seg2, size_t idx, const struct scope *sc, struct annot *an)
{
	struct kpath k1 = { kp, kw, 0 };
	struct kpath k2 = { &k1, seg2, idx };

	return vnode(c, n, inst, ip, &k2, sc, an);
}

/*
 * Follow a reference.  Reaching the same schema again at the same instance
 * location through references alone is an endless loop: report it.
 */
static int follow_ref(struct vctx *c, const struct snode *n, const struct snode *target,
		      const char *kw, const cJSON *inst, const struct ipath *ip,
		      const struct kpath *kp, const struct scope *sc, struct annot *an)
{
	const struct rframe *f;
	struct rframe me;
	int ok;

	for (f = c->refs; f && f->inst == inst; f = f->up) {
		if (f->target == target) {
			report(c, n, ip, kp, kw, "schema recursion too deep (reference cycle)");
			return 0;
		}
	}
	me.up = c->refs;
	me.target = target;
	me.inst = inst;
	c->refs = &me;
	ok = vsub(c, target, inst, ip, kp, kw, 0, sc, an);
	c->refs = me.up;
	return ok;
}

#define FAIL() do { ok = 0; if (!detailed(c)) goto out; } while (0)

static int v_object(struct vctx *c, const struct snode *n, const cJSON *inst,
		    const struct ipath *ip, const struct kpath *kp,
		    const struct scope *sc, struct annot *an)
{
	const cJSON *m;
	size_t i, count = 0;
	uint64_t seen = 0;
	int ok = 1;

	if (n->min_props >= 0 || n->max_props >= 0) {
		count = child_count(inst);
		if (n->min_props >= 0 && count < (size_t)n->min_props) {
			report(c, n, ip, kp, "minProperties", "object has fewer than %lld properties",
			       n->min_props);
			FAIL();
		}
		if (n->max_props >= 0 && count > (size_t)n->max_props) {
			report(c, n, ip, kp, "maxProperties", "object has more than %lld properties",
			       n->max_props);
			FAIL();
		}
	}
	for (i = 0; i < n->n_depreq; i++) {
		size_t j;

		if (!cJSON_GetObjectItemCaseSensitive(inst, n->depreq[i].name))
			continue;
		for (j = 0; j < n->depreq[i].n; j++) {
			if (!cJSON_GetObjectItemCaseSensitive(inst, n->depreq[i].req[j])) {
				report(c, n, ip, kp, "dependentRequired",
				       "property \"%s\" requires property \"%s\"",
				       n->depreq[i].name, n->depreq[i].req[j]);
				FAIL();
			}
		}
	}
	if (n->n_props || n->n_patprops || n->additional || n->propnames) {
		i = 0;
		for (m = inst->child; m; m = m->next, i++) {
			struct ipath cip = { ip, m->string, 0 };
			int matched = 0;

			if (n->propnames) {
				cJSON key;

				memset(&key, 0, sizeof(key));
				key.type = cJSON_String;
				key.valuestring = m->string;
				if (!vsub(c, n->propnames, &key, &cip, kp, "propertyNames", 0, sc, NULL))
					FAIL();
			}
			if (n->n_props) {
				const struct prop *p = prop_find(n->props, n->n_props, m->string,
								 hash_str(m->string));

				if (p) {
					matched = 1;
					if (p->req_slot >= 0)
						seen |= 1ull << p->req_slot;
					annot_set(an, i);
					if (!vsub2(c, p->s, m, &cip, kp, "properties", m->string, 0, sc,
						   NULL))
						FAIL();
				}
			}
			if (n->n_patprops) {
				size_t j, klen = strlen(m->string);

				for (j = 0; j < n->n_patprops; j++) {
					if (!regex_search(c, n->patprops[j].re, m->string, klen))
						continue;
					matched = 1;
					annot_set(an, i);
					if (!vsub(c, n->patprops[j].s, m, &cip, kp, "patternProperties", 0,
						  sc, NULL))
						FAIL();
				}
			}
			if (!matched && n->additional) {
				annot_set(an, i);
				if (n->additional->boolean == 0) {
					report(c, n, &cip, kp, "additionalProperties",
					       "property \"%s\" is not allowed", m->string);
					FAIL();
				} else if (!vsub(c, n->additional, m, &cip, kp, "additionalProperties", 0,
						 sc, NULL)) {
					FAIL();
				}
			}
		}
	}
	if (n->n_req_fast && (size_t)__builtin_popcountll(seen) != n->n_req_fast) {
		/* slow path, only when something is missing: report in schema order */
		for (i = 0; i < n->n_required; i++) {
			if (!cJSON_GetObjectItemCaseSensitive(inst, n->required[i])) {
				report(c, n, ip, kp, "required", "missing required property \"%s\"",
				       n->required[i]);
				FAIL();
			}
		}
	} else {
		for (i = 0; i < n->n_req_slow; i++) {
			if (!cJSON_GetObjectItemCaseSensitive(inst, n->req_slow[i])) {
				report(c, n, ip, kp, "required", "missing required property \"%s\"",
				       n->req_slow[i]);
				FAIL();
			}
		}
	}
	for (i = 0; i < n->n_depschemas; i++) {
		if (!cJSON_GetObjectItemCaseSensitive(inst, n->depschemas[i].name))
			continue;
		if (!vsub2(c, n->depschemas[i].s, inst, ip, kp, "dependentSchemas",
			   n->depschemas[i].name, 0, sc, an))
			FAIL();
	}
out:
	return ok;
}

static int cmp_scalar(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	int tx = x->type & 0xff, ty = y->type & 0xff;

	if (tx != ty)
		return tx < ty ? -1 : 1;
	if (tx == cJSON_Number)
		return x->valuedouble < y->valuedouble ? -1 : x->valuedouble > y->valuedouble;
	if (tx == cJSON_String)
		return strcmp(x->valuestring, y->valuestring);
	return 0;
}

/*
 * uniqueItems for long arrays of scalars in O(n log n): 1 when unique, 0 when
 * not, -1 when the array holds objects or arrays (or memory is short) and
 * the pairwise comparison must be used.
 */
static int unique_scalars(const cJSON *inst, size_t count)
{
	const cJSON **v, *e;
	size_t i = 0;
	int r = 1;

	for (e = inst->child; e; e = e->next)
		if (cJSON_IsArray(e) || cJSON_IsObject(e))
			return -1;
	v = malloc(count * sizeof(*v));
	if (!v)
		return -1;
	for (e = inst->child; e && i < count; e = e->next)
		v[i++] = e;
	qsort(v, i, sizeof(*v), cmp_scalar);
	for (count = 1; count < i && r; count++)
		if (json_equal(v[count - 1], v[count]))
			r = 0;
	free(v);
	return r;
}

static int v_array(struct vctx *c, const struct snode *n, const cJSON *inst,
		   const struct ipath *ip, const struct kpath *kp,
		   const struct scope *sc, struct annot *an)
{
	size_t count = child_count(inst), i;
	const cJSON *e;
	int ok = 1;

	if (n->min_items >= 0 && count < (size_t)n->min_items) {
		report(c, n, ip, kp, "minItems", "array has fewer than %lld items", n->min_items);
		FAIL();
	}
	if (n->max_items >= 0 && count > (size_t)n->max_items) {
		report(c, n, ip, kp, "maxItems", "array has more than %lld items", n->max_items);
		FAIL();
	}
	if ((n->flags & K_UNIQUE) && count > 16) {
		int r = unique_scalars(inst, count);

		if (r == 0) {
			report(c, n, ip, kp, "uniqueItems", "array items are not unique");
			FAIL();
		}
		if (r >= 0)
			goto unique_done;
	}
	if (n->flags & K_UNIQUE) {
		const cJSON *x, *y;
		size_t ix = 0, iy;

		for (x = inst->child; x; x = x->next, ix++) {
			for (y = x->next, iy = ix + 1; y; y = y->next, iy++) {
				if (json_equal(x, y)) {
					report(c, n, ip, kp, "uniqueItems",
					       "array items %zu and %zu are equal", ix, iy);
					FAIL();
					goto unique_done;
				}
			}
		}
	}
unique_done:
	i = 0;
	for (e = inst->child; e; e = e->next, i++) {
		struct ipath cip = { ip, NULL, i };

		if (i < n->n_prefix) {
			annot_set(an, i);
			if (!vsub2(c, n->prefix[i], e, &cip, kp, "prefixItems", NULL, i, sc, NULL))
				FAIL();
		} else if (n->items) {
			annot_set(an, i);
			if (n->items->boolean == 0) {
				report(c, n, &cip, kp, "items", "array has more than %zu items",
				       n->n_prefix);
				FAIL();
			} else if (!vsub(c, n->items, e, &cip, kp, "items", 0, sc, NULL)) {
				FAIL();
			}
		}
	}
	if (n->contains) {
		size_t matches = 0;
		long long minc = n->min_contains >= 0 ? n->min_contains : 1;

		c->quiet++;
		i = 0;
		for (e = inst->child; e; e = e->next, i++) {
			struct ipath cip = { ip, NULL, i };

			if (vsub(c, n->contains, e, &cip, kp, "contains", 0, sc, NULL)) {
				matches++;
				annot_set(an, i);
			}
		}
		c->quiet--;
		if ((long long)matches < minc) {
			if (n->min_contains >= 0)
				report(c, n, ip, kp, "minContains",
				       "array contains fewer than %lld matching items", minc);
			else
				report(c, n, ip, kp, "contains", "array does not contain a matching item");
			FAIL();
		}
		if (n->max_contains >= 0 && (long long)matches > n->max_contains) {
			report(c, n, ip, kp, "maxContains",
			       "array contains more than %lld matching items", n->max_contains);
			FAIL();
		}
	}
out:
	return ok;
}

static int v_string(struct vctx *c, const struct snode *n, const cJSON *inst,
		    const struct ipath *ip, const struct kpath *kp)
{
	const char *s = inst->valuestring;
	int ok = 1;

	if (n->min_len >= 0 || n->max_len >= 0) {
		size_t len = utf8_length(s);

		if (n->min_len >= 0 && len < (size_t)n->min_len) {
			report(c, n, ip, kp, "minLength", "string is shorter than %lld characters",
			       n->min_len);
			FAIL();
		}
		if (n->max_len >= 0 && len > (size_t)n->max_len) {
			report(c, n, ip, kp, "maxLength", "string is longer than %lld characters",
			       n->max_len);
			FAIL();
		}
	}
	if (n->pattern && !regex_search(c, n->pattern, s, strlen(s))) {
		/* show the value; a long pattern is cut so the reason stays readable */
		size_t plen = strlen(n->pattern_src), slen = strlen(s);

		report(c, n, ip, kp, "pattern", "\"%.*s%s\" does not match pattern \"%.*s%s\"",
		       slen > 60 ? 57 : (int)slen, s, slen > 60 ? "..." : "",
		       plen > 80 ? 77 : (int)plen, n->pattern_src, plen > 80 ? "..." : "");
		FAIL();
	}
	if (n->format && jsonschema_check_format(n->format, s) == 0) {
		report(c, n, ip, kp, "format", "string is not a valid %s", n->format);
		FAIL();
	}
out:
	return ok;
}

static __attribute__((noinline)) void report_number(struct vctx *c, const struct snode *n,
						    const struct ipath *ip,
						    const struct kpath *kp, const char *kw,
						    const char *fmt, double d, double limit)
{
	char a[64], b[64], msg[200];

	if (!detailed(c))
		return;
	fmt_num(d, a, sizeof(a));
	fmt_num(limit, b, sizeof(b));
	snprintf(msg, sizeof(msg), "%s %s %s", a, fmt, b);
	report(c, n, ip, kp, kw, "%s", msg);
}

static int v_number(struct vctx *c, const struct snode *n, const cJSON *inst,
		    const struct ipath *ip, const struct kpath *kp)
{
	double d = inst->valuedouble;
	int ok = 1;

	if ((n->flags & K_MIN) && !(d >= n->minimum)) {
		report_number(c, n, ip, kp, "minimum", "is less than the minimum of", d, n->minimum);
		FAIL();
	}
	if ((n->flags & K_MAX) && !(d <= n->maximum)) {
		report_number(c, n, ip, kp, "maximum", "is greater than the maximum of", d,
			      n->maximum);
		FAIL();
	}
	if ((n->flags & K_XMIN) && !(d > n->xmin)) {
		report_number(c, n, ip, kp, "exclusiveMinimum", "is not greater than", d, n->xmin);
		FAIL();
	}
	if ((n->flags & K_XMAX) && !(d < n->xmax)) {
		report_number(c, n, ip, kp, "exclusiveMaximum", "is not less than", d, n->xmax);
		FAIL();
	}
	if ((n->flags & K_MULT) && !multiple_of(d, n->multiple)) {
		report_number(c, n, ip, kp, "multipleOf", "is not a multiple of", d, n->multiple);
		FAIL();
	}
out:
	return ok;
}

/*
 * Does the branch reject the instance's type outright (directly or through a
 * chain of $ref)?  Such branches explain a failure badly.
 */
static int branch_wrong_type(const struct snode *b, const cJSON *inst)
{
	int hops = 0;

	while (b->boolean < 0 && !b->types && b->ref && hops++ < 8)
		b = b->ref;
	return b->boolean == 0 || (b->types && !(b->types & type_of(inst)));
}

/*
 * All branches of anyOf/oneOf failed: report the errors of the branch that
 * came closest (the fewest errors, preferring branches of the right type) so
 * that the user sees why, not only that, the value was rejected.
 */
static __attribute__((noinline)) void explain_branches(struct vctx *c, struct snode **br,
						       size_t nbr, const char *kw,
						       const cJSON *inst,
						       const struct ipath *ip,
						       const struct kpath *kp,
						       const struct scope *sc)
{
	struct jsonschema_result scratch, *saved = c->res;
	size_t saved_max = c->max_errors, best = 0, best_score = SIZE_MAX, i;

	if (!detailed(c) || c->explaining)
		return;
	c->explaining++;
	c->max_errors = 0;
	for (i = 0; i < nbr; i++) {
		size_t score;

		memset(&scratch, 0, sizeof(scratch));
		c->res = &scratch;
		vsub2(c, br[i], inst, ip, kp, kw, NULL, i, sc, NULL);
		score = scratch.n_errors;
		if (score && branch_wrong_type(br[i], inst))
			score += SIZE_MAX / 2;
		if (score && score < best_score) {
			best_score = score;
			best = i;
		}
	}
	c->res = saved;
	c->max_errors = saved_max;
	c->explaining--;
	if (best_score != SIZE_MAX)
		vsub2(c, br[best], inst, ip, kp, kw, NULL, best, sc, NULL);
}

/* Applicators that stay at the same instance location. */
static int v_inplace(struct vctx *c, const struct snode *n, const cJSON *inst,
		     const struct ipath *ip, const struct kpath *kp,
		     const struct scope *sc, struct annot *an)
{
	size_t i, nvalid;
	int ok = 1;

	for (i = 0; i < n->n_allof; i++)
		if (!vsub2(c, n->allof[i], inst, ip, kp, "allOf", NULL, i, sc, an))
			FAIL();
	if (n->n_anyof) {
		int any = 0;

		c->quiet++;
		for (i = 0; i < n->n_anyof; i++) {
			struct annot tmp;

			if (an && annot_init(&tmp, an->n)) {
				c->oom = 1;
				break;
			}
			if (vsub2(c, n->anyof[i], inst, ip, kp, "anyOf", NULL, i, sc, an ? &tmp : NULL)) {
				any = 1;
				if (an)
					annot_merge(an, &tmp);
			}
			if (an)
				annot_release(&tmp);
			if (any && !an)
				break;
		}
		c->quiet--;
		if (!any) {
			report(c, n, ip, kp, "anyOf", "value does not match any schema in anyOf");
			explain_branches(c, n->anyof, n->n_anyof, "anyOf", inst, ip, kp, sc);
			FAIL();
		}
	}
	if (n->n_oneof) {
		size_t first = 0;

		nvalid = 0;
		c->quiet++;
		for (i = 0; i < n->n_oneof; i++) {
			struct annot tmp;

			if (an && annot_init(&tmp, an->n)) {
				c->oom = 1;
				break;
			}
			if (vsub2(c, n->oneof[i], inst, ip, kp, "oneOf", NULL, i, sc, an ? &tmp : NULL)) {
				if (!nvalid++)
					first = i;
				if (an && nvalid == 1)
					annot_merge(an, &tmp);
			}
			if (an)
				annot_release(&tmp);
			if (nvalid > 1)
				break;
		}
		c->quiet--;
		if (nvalid == 0) {
			report(c, n, ip, kp, "oneOf", "value does not match any schema in oneOf");
			explain_branches(c, n->oneof, n->n_oneof, "oneOf", inst, ip, kp, sc);
			FAIL();
		} else if (nvalid > 1) {
			report(c, n, ip, kp, "oneOf",
			       "value matches more than one schema in oneOf (%zu and %zu)", first, i);
			FAIL();
		}
	}
	if (n->not_) {
		int r;

		c->quiet++;
		r = vsub(c, n->not_, inst, ip, kp, "not", 0, sc, NULL);
		c->quiet--;
		if (r) {
			report(c, n, ip, kp, "not", "value must not match the schema in \"not\"");
			FAIL();
		}
	}
	if (n->if_ && (n->then_ || n->else_ || an)) {
		struct annot tmp;
		int r;

		if (an && annot_init(&tmp, an->n)) {
			c->oom = 1;
			FAIL();
		} else {
			c->quiet++;
			r = vsub(c, n->if_, inst, ip, kp, "if", 0, sc, an ? &tmp : NULL);
			c->quiet--;
			if (r && an)
				annot_merge(an, &tmp);
			if (an)
				annot_release(&tmp);
			if (r && n->then_) {
				if (!vsub(c, n->then_, inst, ip, kp, "then", 0, sc, an))
					FAIL();
			} else if (!r && n->else_) {
				if (!vsub(c, n->else_, inst, ip, kp, "else", 0, sc, an))
					FAIL();
			}
		}
	}
out:
	return ok;
}

/*
 * The message builders below are kept out of line so that their buffers do
 * not sit in the frame of the recursive vnode().
 */
static __attribute__((noinline)) void report_values(struct vctx *c, const struct snode *n,
						    const struct ipath *ip,
						    const struct kpath *kp, const char *kw,
						    const cJSON *inst, const cJSON *allowed)
{
	char a[160], b[320];

	if (!detailed(c))
		return;
	json_brief(inst, a, sizeof(a));
	json_brief(allowed, b, sizeof(b));
	if (!strcmp(kw, "enum"))
		report(c, n, ip, kp, kw, "%s is not one of %s", a, b);
	else
		report(c, n, ip, kp, kw, "%s is not equal to %s", a, b);
}

static __attribute__((noinline)) void report_type(struct vctx *c, const struct snode *n,
						  const struct ipath *ip,
						  const struct kpath *kp, const cJSON *inst)
{
	char want[128];

	if (!detailed(c))
		return;
	type_list(n->types, want, sizeof(want));
	report(c, n, ip, kp, "type", "expected %s, got %s", want, inst_type_name(inst));
}

static int vnode(struct vctx *c, const struct snode *n, const cJSON *inst,
		 const struct ipath *ip, const struct kpath *kp,
		 const struct scope *sc, struct annot *an)
{
	struct scope s2;
	struct annot local, *mine = an;
	unsigned t;
	int ok = 1, have_local = 0;

	if (n->boolean >= 0) {
		if (!n->boolean) {
			report(c, n, ip, kp, NULL, "no value is allowed here (schema is false)");
			return 0;
		}
		return 1;
	}
	if (c->depth >= MAX_DEPTH) {
		report(c, n, ip, kp, NULL, "schema recursion too deep");
		return 0;
	}
	c->depth++;
	if (!sc || sc->res != n->res) {
		s2.up = sc;
		s2.res = n->res;
		sc = &s2;
	}
	t = type_of(inst);
	if ((n->uneval_props && (t & T_OBJECT)) || (n->uneval_items && (t & T_ARRAY))) {
		if (annot_init(&local, child_count(inst))) {
			c->oom = 1;
			ok = 0;
			goto out;
		}
		have_local = 1;
		mine = &local;
	}
	if (n->ref && !follow_ref(c, n, n->ref, "$ref", inst, ip, kp, sc, mine))
		FAIL();
	if (n->dynref) {
		const struct snode *target = n->dynref;

		if (n->dynref_anchor) {
			const struct scope *s;

			for (s = sc; s; s = s->up) {
				size_t i;

				for (i = 0; i < s->res->n_dyn; i++)
					if (!strcmp(s->res->dyn[i].name, n->dynref_anchor) &&
					    s->res->dyn[i].s)
						target = s->res->dyn[i].s;
			}
		}
		if (!follow_ref(c, n, target, "$dynamicRef", inst, ip, kp, sc, mine))
			FAIL();
	}
	if (n->types && !(n->types & t)) {
		report_type(c, n, ip, kp, inst);
		FAIL();
	}
	if (n->enum_) {
		const cJSON *e;
		int found = 0;

		cJSON_ArrayForEach(e, n->enum_)
			if (json_equal(e, inst)) {
				found = 1;
				break;
			}
		if (!found) {
			report_values(c, n, ip, kp, "enum", inst, n->enum_);
			FAIL();
		}
	}
	if (n->const_ && !json_equal(n->const_, inst)) {
		report_values(c, n, ip, kp, "const", inst, n->const_);
		FAIL();
	}
	if (t & T_NUMBER) {
		if ((n->kinds & KIND_NUMBER) && !v_number(c, n, inst, ip, kp))
			FAIL();
	} else if (t & T_STRING) {
		if ((n->kinds & KIND_STRING) && !v_string(c, n, inst, ip, kp))
			FAIL();
	} else if (t & T_OBJECT) {
		if ((n->kinds & KIND_OBJECT) && !v_object(c, n, inst, ip, kp, sc, mine))
			FAIL();
	} else if (t & T_ARRAY) {
		if ((n->kinds & KIND_ARRAY) && !v_array(c, n, inst, ip, kp, sc, mine))
			FAIL();
	}
	if ((n->kinds & KIND_INPLACE) && !v_inplace(c, n, inst, ip, kp, sc, mine))
		FAIL();
	if (have_local && (t & T_OBJECT)) {
		const cJSON *m;
		size_t i = 0;

		for (m = inst->child; m; m = m->next, i++) {
			struct ipath cip = { ip, m->string, 0 };

			if (annot_get(&local, i))
				continue;
			annot_set(&local, i);
			if (n->uneval_props->boolean == 0) {
				report(c, n, &cip, kp, "unevaluatedProperties",
				       "property \"%s\" is not allowed (unevaluated)", m->string);
				FAIL();
			} else if (!vsub(c, n->uneval_props, m, &cip, kp, "unevaluatedProperties", 0,
					 sc, NULL)) {
				FAIL();
			}
		}
	} else if (have_local && (t & T_ARRAY)) {
		const cJSON *e;
		size_t i = 0;

		for (e = inst->child; e; e = e->next, i++) {
			struct ipath cip = { ip, NULL, i };

			if (annot_get(&local, i))
				continue;
			annot_set(&local, i);
			if (n->uneval_items->boolean == 0) {
				report(c, n, &cip, kp, "unevaluatedItems",
				       "item %zu is not allowed (unevaluated)", i);
				FAIL();
			} else if (!vsub(c, n->uneval_items, e, &cip, kp, "unevaluatedItems", 0, sc,
					 NULL)) {
				FAIL();
			}
		}
	}
out:
	if (have_local) {
		if (ok && an)
			annot_merge(an, &local);
		annot_release(&local);
	}
	c->depth--;
	return ok;
}

int jsonschema_validate(const struct jsonschema *s, const cJSON *instance,
			struct jsonschema_result *res)
{
	struct vctx c;
	int ok;

	if (res)
		memset(res, 0, sizeof(*res));
	if (!s || !instance) {
		if (res)
			res->n_errors = 1;
		return 1;
	}
	/* md_buf is left uninitialised: it is only handed out by md_malloc */
	c.refs = NULL;
	c.res = res;
	c.max_errors = s->reg->opts.max_errors;
	c.quiet = 0;
	c.explaining = 0;
	c.depth = 0;
	c.md = NULL;
	c.oom = 0;
	c.md_used = 0;
	ok = vnode(&c, s->root, instance, NULL, NULL, NULL, NULL);
	if (res && !ok && !res->n_errors)
		res->n_errors = 1;   /* cannot happen, but never say "invalid" with 0 errors */
	pcre2_match_data_free(c.md);
	return ok ? 0 : 1;
}

void jsonschema_result_release(struct jsonschema_result *res)
{
	if (!res)
		return;
	free(res->errors);
	memset(res, 0, sizeof(*res));
}

/* ------------------------------------------------------------------ */
/* Formats                                                              */
/* ------------------------------------------------------------------ */

static int ndigits(const char *s, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int num(const char *s, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

static int fmt_full_date(const char *s, size_t len)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d;

	if (len != 10 || !ndigits(s, 4) || s[4] != '-' || !ndigits(s + 5, 2) || s[7] != '-' ||
	    !ndigits(s + 8, 2))
		return 0;
	y = num(s, 4);
	m = num(s + 5, 2);
	d = num(s + 8, 2);
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return 0;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 0;
	return 1;
}

static int fmt_full_time(const char *s, size_t len)
{
	int h, m, sec, oh = 0, om = 0, sign = 0;
	size_t i = 8;

	if (len < 9 || !ndigits(s, 2) || s[2] != ':' || !ndigits(s + 3, 2) || s[5] != ':' ||
	    !ndigits(s + 6, 2))
		return 0;
	h = num(s, 2);
	m = num(s + 3, 2);
	sec = num(s + 6, 2);
	if (h > 23 || m > 59 || sec > 60)
		return 0;
	if (s[i] == '.') {
		i++;
		if (i >= len || s[i] < '0' || s[i] > '9')
			return 0;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i >= len)
		return 0;
	if (s[i] == 'Z' || s[i] == 'z') {
		if (i + 1 != len)
			return 0;
	} else if (s[i] == '+' || s[i] == '-') {
		sign = s[i] == '+' ? 1 : -1;
		if (len - i != 6 || !ndigits(s + i + 1, 2) || s[i + 3] != ':' || !ndigits(s + i + 4, 2))
			return 0;
		oh = num(s + i + 1, 2);
		om = num(s + i + 4, 2);
		if (oh > 23 || om > 59)
			return 0;
	} else {
		return 0;
	}
	if (sec == 60) {
		/* a leap second is only possible at 23:59:60 UTC */
		int mins = h * 60 + m - sign * (oh * 60 + om);

		mins = ((mins % 1440) + 1440) % 1440;
		if (mins != 23 * 60 + 59)
			return 0;
	}
	return 1;
}

static int fmt_date_time(const char *s, size_t len)
{
	if (len < 20 || (s[10] != 'T' && s[10] != 't'))
		return 0;
	return fmt_full_date(s, 10) && fmt_full_time(s + 11, len - 11);
}

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

static int fmt_json_pointer(const char *s)
{
	if (*s && *s != '/')
		return 0;
	for (; *s; s++)
		if (*s == '~' && s[1] != '0' && s[1] != '1')
			return 0;
	return 1;
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
	return fmt_json_pointer(p);
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

	if (!strcmp(format, "date-time"))
		return fmt_date_time(v, len);
	if (!strcmp(format, "date"))
		return fmt_full_date(v, len);
	if (!strcmp(format, "time"))
		return fmt_full_time(v, len);
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
		return fmt_json_pointer(v);
	if (!strcmp(format, "relative-json-pointer"))
		return fmt_rel_json_pointer(v);
	if (!strcmp(format, "regex"))
		return fmt_regex(v);
	return -1;
}
