/*
 * jsonschema/internal.h - what the files of the JSON Schema family share,
 * and only they include (as git's refs/ files share refs-internal.h).
 *
 * The family, in the order data flows through it:
 *   metaschema.c  the bundled draft 2020-12 metaschemas and vocabularies
 *   hmap.c        the open-addressing hash map the registry indexes with
 *   uri.c         RFC 3986 reference resolution
 *   registry.c    the registry: loading documents, scanning "$id"/anchors
 *   regex.c       ECMA-262 patterns translated to PCRE2
 *   compile.c     schema JSON -> struct snode graph (refs resolved)
 *   validate.c    walking an instance against the snode graph
 *   format.c      the "format" checkers (dates and times via tstamp.h)
 *
 * Ownership: the registry owns every struct below; the compiled graph
 * borrows strings and cJSON nodes from the documents it keeps.
 */
#ifndef WSM_JSONSCHEMA_INTERNAL_H
#define WSM_JSONSCHEMA_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "jsonschema.h"
#include "util.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------ */
/* Vocabularies and metaschemas (metaschema.c)                          */
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

#define META_2020_12 "https://json-schema.org/draft/2020-12/schema"

/* The text of the bundled metaschema with absolute URI `uri`, or NULL. */
const char *metaschema_text(const char *uri);

/* The VOC_* bit of a vocabulary URI, or 0 when it is not one we know. */
unsigned metaschema_vocab_bit(const char *uri);

/* 1 when `uri` names a standard metaschema (2020-12 back to draft-04). */
int metaschema_is_standard(const char *uri);

/* ------------------------------------------------------------------ */
/* Hash map (hmap.c)                                                    */
/* ------------------------------------------------------------------ */

/*
 * Open-addressing hash map.  Keys are either owned strings (strkeys = 1:
 * copied on insert, freed by hmap_release) or pointers; values are
 * borrowed.  A zeroed struct is an empty map.
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

/* FNV-1a of a string; inline because validation hashes member names. */
static inline uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* The entry of key `k`, or NULL. */
struct hent *hmap_find(const struct hmap *m, const void *k);
/* The value of key `k`, or NULL. */
void *hmap_get(const struct hmap *m, const void *k);
/* Insert `k` (which must be absent).  Returns 0, or -1 when out of memory. */
int hmap_put(struct hmap *m, const void *k, void *v);
/* Insert or replace.  Returns 0, or -1 when out of memory. */
int hmap_set(struct hmap *m, const void *k, void *v);
/* Free the table (and string keys); the map is empty again. */
void hmap_release(struct hmap *m);

/* ------------------------------------------------------------------ */
/* URIs (uri.c)                                                         */
/* ------------------------------------------------------------------ */

/* The parts of a URI reference, pointing into the parsed string. */
struct uri {
	const char *scheme, *auth, *path, *query, *frag;
	size_t scheme_n, auth_n, path_n, query_n, frag_n;
	int has_scheme, has_auth, has_query, has_frag;
};

/* Split `s` into its RFC 3986 parts (any string splits; nothing is checked). */
void uri_parse(const char *s, struct uri *u);

/*
 * Resolve `ref` against the absolute URI `base` (NULL: none) as RFC 3986
 * section 5.2 says.  Returns a malloc'd string, or NULL when out of memory.
 */
char *uri_resolve(const char *base, const char *ref);

/* Split "uri#frag" in place: cuts `uri` and returns the fragment (or ""). */
char *uri_cut_fragment(char *uri);

/* Percent-decode `s` in place (malformed escapes are kept as they are). */
void uri_percent_decode(char *s);

/* "uri#frag", malloc'd, or NULL when out of memory. */
char *uri_with_fragment(const char *uri, const char *frag);

/* ------------------------------------------------------------------ */
/* ECMA-262 regular expressions (regex.c)                               */
/* ------------------------------------------------------------------ */

/*
 * Compile an ECMA-262 pattern with PCRE2 (UTF mode, JIT when available).
 * Returns the code (free with pcre2_code_free), or NULL with the reason in
 * msg[msgsz].
 */
pcre2_code *regex_compile(const char *src, char *msg, size_t msgsz);

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
	size_t n_maps, cap_maps;
	unsigned long anon;
	int loading_depth;
};

/* ------------------------------------------------------------------ */
/* Between the files                                                    */
/* ------------------------------------------------------------------ */

static inline int oom(struct error *err)
{
	return error_set(err, ERR_IO, "out of memory");
}

/*
 * Record where `node` sits: in resource `res`, at `docptr` from the
 * document root and `relptr` inside the resource.  Returns the new info
 * (owned by the registry), or NULL when out of memory.
 */
struct sinfo *registry_new_info(struct jsonschema_registry *r, const cJSON *node,
				struct resource *res, const char *docptr,
				const char *relptr, unsigned vocab);

/*
 * Find and load the document for the absolute URI `uri` (no fragment) when
 * it is not yet registered: bundled metaschemas, URI maps, file:// URIs.
 * Returns 0 with *out set, or an error code with `err` filled.
 */
int registry_load_uri(struct jsonschema_registry *r, const char *uri,
		      struct resource **out, struct error *err);

/*
 * Take ownership of `root` as a new document known as `uri` (read from
 * `path`, or NULL), and register its resources and anchors.  On failure
 * `root` is still freed with the registry.
 */
int registry_add_doc(struct jsonschema_registry *r, cJSON *root, const char *uri,
		     const char *path, struct doc **out, struct error *err);

/*
 * Read and parse the schema file `path`.  Returns the document (the caller
 * owns it), or NULL with `err` filled: ERR_IO naming `path` when it cannot
 * be read, ERR_USAGE with line and column when it is not JSON.
 */
cJSON *registry_read_schema(const char *path, struct error *err);

/*
 * The pointers of a subschema at seg1[/seg2] below a node at `docptr` from
 * its document root and `relptr` inside its resource: into dp and rp
 * (emptied first).  Returns 0, or -1 when out of memory.
 */
int subschema_ptrs(struct strbuf *dp, struct strbuf *rp, const char *docptr,
		   const char *relptr, const char *seg1, const char *seg2);

/* Free one compiled node (compile.c); the registry frees them all. */
void snode_free(struct snode *n);

/* Binary search in props sorted by (hash, name); `h` is hash_str(name). */
static inline struct prop *prop_find(struct prop *props, size_t n, const char *name,
				     uint64_t h)
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

#endif
