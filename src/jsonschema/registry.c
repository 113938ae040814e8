/*
 * jsonschema/registry.c - the registry: its lifecycle, URI-prefix maps, and
 * loading documents (bundled metaschemas, mapped folders, file:// URIs),
 * scanning each for resources ("$id"), anchors and the place of every
 * subschema.  Compiling what it holds is compile.c's; it never touches the
 * network.
 */
#include "internal.h"
#include "jsonpointer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

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
	hmap_release(&r->res_by_uri);
	hmap_release(&r->anchors);
	hmap_release(&r->info);
	hmap_release(&r->compiled);
	free(r);
}

int jsonschema_registry_map_uri(struct jsonschema_registry *r, const char *prefix,
				const char *dir, struct error *err)
{
	struct urimap *m;

	if (!prefix || !*prefix || !dir || !*dir)
		return error_set(err, ERR_USAGE, "invalid URI map '%s=%s': empty prefix or folder",
				 prefix ? prefix : "", dir ? dir : "");
	if (ALLOC_GROW(r->maps, r->n_maps + 1, r->cap_maps))
		return error_set(err, ERR_IO, "out of memory");
	m = r->maps;
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

/*
 * util_read_file on the real path: a schema may well be reached through a
 * symbolic link, which util_read_file (guarding the tree) refuses.  There
 * is no size limit.
 */
cJSON *registry_read_schema(const char *path, struct error *err)
{
	char *real = realpath(path, NULL), *text = NULL;
	const char *end = NULL;
	cJSON *root;
	size_t len;

	if (!real) {
		error_set_at(err, ERR_IO, path, 0, 0, NULL, "cannot open '%s': %s", path,
			     strerror(errno));
		return NULL;
	}
	if (util_read_file(real, SIZE_MAX, &text, &len, err)) {
		free(real);
		if (err) {
			/* say it of the name the user gave; any failure here is I/O */
			err->code = ERR_IO;
			snprintf(err->path, sizeof(err->path), "%s", path);
		}
		return NULL;
	}
	free(real);
	root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (!root) {
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
		error_set_at(err, ERR_USAGE, path, line, col, NULL, "invalid JSON in schema");
	}
	free(text);
	return root;
}

struct sinfo *registry_new_info(struct jsonschema_registry *r, const cJSON *node,
			      struct resource *res, const char *docptr,
			      const char *relptr, unsigned vocab)
{
	struct sinfo *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->res = res;
	f->vocab = vocab;
	f->docptr = strdup(docptr);
	f->absloc = uri_with_fragment(res->uri, relptr);
	f->next = r->infos;
	r->infos = f;
	if (!f->docptr || !f->absloc || hmap_put(&r->info, node, f))
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
	if (!hmap_get(&r->res_by_uri, uri) && hmap_put(&r->res_by_uri, uri, x))
		return NULL;
	return x;
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
	if (metaschema_is_standard(uri) || metaschema_is_standard(meta)) {
		*out = VOC_DEFAULT;
		if (strcmp(uri, META_2020_12))
			*out |= VOC_LEGACY;
		goto out;
	}
	mres = hmap_get(&r->res_by_uri, uri);
	if (!mres && registry_load_uri(r, uri, &mres, err)) {
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
		unsigned bit = metaschema_vocab_bit(v->string);

		set |= bit;
		if (!bit && cJSON_IsTrue(v)) {
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

int subschema_ptrs(struct strbuf *dp, struct strbuf *rp, const char *docptr,
		   const char *relptr, const char *seg1, const char *seg2)
{
	strbuf_reset(dp);
	strbuf_reset(rp);
	strbuf_addstr(dp, docptr);
	jsonpointer_append(dp, seg1, strlen(seg1));
	strbuf_addstr(rp, relptr);
	jsonpointer_append(rp, seg1, strlen(seg1));
	if (seg2) {
		jsonpointer_append(dp, seg2, strlen(seg2));
		jsonpointer_append(rp, seg2, strlen(seg2));
	}
	return dp->failed || rp->failed ? -1 : 0;
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

/*
 * Walk the schema `node` of document `d`: register every resource ("$id"),
 * anchor and dynamic anchor, and remember where each subschema sits.
 */
static int scan(struct jsonschema_registry *r, struct doc *d, const cJSON *node,
		struct resource *res, const char *docptr, const char *relptr,
		unsigned vocab, struct error *err)
{
	const cJSON *id, *kw, *sub;
	struct strbuf dp = STRBUF_INIT, rp = STRBUF_INIT;
	const char *where = d->path ? d->path : d->uri;
	size_t i;
	int rc = 0;

	if (!cJSON_IsObject(node)) {
		if (!hmap_get(&r->info, node) && !registry_new_info(r, node, res, docptr, relptr, vocab))
			return oom(err);
		return 0;
	}
	if (hmap_get(&r->info, node))
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
				if (!hmap_get(&r->res_by_uri, res->uri) &&
				    hmap_put(&r->res_by_uri, res->uri, res)) {
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
	if (!registry_new_info(r, node, res, docptr, relptr, vocab)) {
		rc = oom(err);
		goto out;
	}
	kw = cJSON_GetObjectItemCaseSensitive(node, "$anchor");
	if (cJSON_IsString(kw) || cJSON_IsString(cJSON_GetObjectItemCaseSensitive(node, "$dynamicAnchor"))) {
		const cJSON *da = cJSON_GetObjectItemCaseSensitive(node, "$dynamicAnchor");
		int k;

		for (k = 0; k < 2; k++) {
			const cJSON *a = k ? da : kw;
			char *ks;

			if (!cJSON_IsString(a))
				continue;
			ks = uri_with_fragment(res->uri, a->valuestring);
			if (!ks) {
				rc = oom(err);
				goto out;
			}
			if (!hmap_get(&r->anchors, ks) && hmap_put(&r->anchors, ks, (void *)(uintptr_t)node)) {
				free(ks);
				rc = oom(err);
				goto out;
			}
			free(ks);
			if (k) {
				if (ALLOC_GROW(res->dyn, res->n_dyn + 1, res->cap_dyn)) {
					rc = oom(err);
					goto out;
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
			if (subschema_ptrs(&dp, &rp, docptr, relptr, kw->string, NULL)) {
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

			if (array)
				snprintf(idx, sizeof(idx), "%zu", i++);
			if (subschema_ptrs(&dp, &rp, docptr, relptr, kw->string,
					   array ? idx : sub->string)) {
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
int registry_add_doc(struct jsonschema_registry *r, cJSON *root, const char *uri,
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
	res = hmap_get(&r->res_by_uri, uri);
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
int registry_load_uri(struct jsonschema_registry *r, const char *uri,
		    struct resource **out, struct error *err)
{
	const char *bundled = metaschema_text(uri);
	struct doc *d;
	cJSON *root = NULL;
	char *path = NULL;
	size_t i, best = 0;
	const struct urimap *bm = NULL;
	int rc = 0;

	*out = NULL;
	if (r->loading_depth > 64)
		return error_set(err, ERR_USAGE, "schema references nest too deeply at '%s'", uri);
	if (bundled) {
		root = cJSON_Parse(bundled);
		if (!root)
			return oom(err);
	} else {
		for (i = 0; i < r->n_maps; i++) {
			size_t n = strlen(r->maps[i].prefix);

			if (n > best && !strncmp(uri, r->maps[i].prefix, n)) {
				best = n;
				bm = &r->maps[i];
			}
		}
		if (bm) {
			struct strbuf b = STRBUF_INIT;
			const char *rest = uri + best;

			strbuf_addstr(&b, bm->dir);
			if (b.len && b.buf[b.len - 1] != '/' && *rest != '/')
				strbuf_addch(&b, '/');
			strbuf_addstr(&b, rest);
			path = strbuf_detach(&b);
			if (!path)
				return oom(err);
			uri_percent_decode(path);
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
			uri_percent_decode(path);
		} else {
			return error_set(err, ERR_USAGE, "cannot resolve '%s' (no network access)", uri);
		}
		root = registry_read_schema(path, err);
		if (!root) {
			rc = err ? (int)err->code : ERR_IO;
			goto out;
		}
	}
	r->loading_depth++;
	rc = registry_add_doc(r, root, uri, path, &d, err);
	r->loading_depth--;
	if (rc)
		goto out;
	*out = hmap_get(&r->res_by_uri, uri);
	if (!*out)
		rc = error_set(err, ERR_USAGE, "cannot resolve '%s'", uri);
out:
	free(path);
	return rc;
}
