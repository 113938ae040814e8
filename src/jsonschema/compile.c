/*
 * jsonschema/compile.c - turn schema JSON into the graph of struct snode
 * that validate.c walks: keyword arguments checked, references resolved to
 * pointers, regexes compiled, required names given bit slots.  It reads
 * documents through the registry and never validates an instance.
 */
#include "internal.h"
#include "jsonpointer.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

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
	struct strbuf b = STRBUF_INIT;
	char msg[ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	strbuf_addstr(&b, f->docptr);
	if (kw)
		jsonpointer_append(&b, kw, strlen(kw));
	error_set_at(cc->err, ERR_USAGE, info_where(f), 0, 0, strbuf_str(&b),
		     "invalid schema: %s", msg);
	strbuf_release(&b);
	return ERR_USAGE;
}

/* Add "/seg" (escaped) to the pointer of the error cerr just reported. */
static void cerr_pointer_add(struct cctx *cc, const char *seg)
{
	struct strbuf b = STRBUF_INIT;
	size_t l = strlen(cc->err->pointer);

	jsonpointer_append(&b, seg, strlen(seg));
	snprintf(cc->err->pointer + l, sizeof(cc->err->pointer) - l, "%s", strbuf_str(&b));
	strbuf_release(&b);
}

/* The info of `child`, a subschema of `parent` at parent/seg1[/seg2]. */
static struct sinfo *child_info(struct cctx *cc, const struct sinfo *parent,
				const cJSON *child, const char *seg1, const char *seg2)
{
	struct sinfo *f = hmap_get(&cc->r->info, child);
	struct strbuf dp = STRBUF_INIT, rp = STRBUF_INIT;
	const char *rel;

	if (f)
		return f;
	rel = strchr(parent->absloc, '#');
	if (!subschema_ptrs(&dp, &rp, parent->docptr, rel ? rel + 1 : "", seg1, seg2))
		f = registry_new_info(cc->r, child, parent->res, dp.buf, rp.buf,
				      parent->vocab);
	strbuf_release(&dp);
	strbuf_release(&rp);
	if (!f)
		oom(cc->err);
	return f;
}

/*
 * The node at the JSON Pointer `frag` inside resource `res` (*out NULL when
 * there is none), registered with its place.  Deliberately more lenient
 * than jsonpointer_get, as schemas have been written: a '~' not followed
 * by 0 or 1 stays itself, and an array index may have leading zeros.
 * Returns 0, or ERR_IO when out of memory.
 */
static int resolve_pointer(struct jsonschema_registry *r, struct resource *res,
			   const char *frag, const cJSON **out, struct error *err)
{
	const struct sinfo *rf = hmap_get(&r->info, res->root);
	struct strbuf dp = STRBUF_INIT, tok = STRBUF_INIT;
	const cJSON *t = res->root;
	const char *p = frag;
	int rc = 0;

	strbuf_addstr(&dp, rf ? rf->docptr : "");
	while (t && *p == '/') {
		size_t n = strcspn(p + 1, "/");
		const char *q;

		strbuf_reset(&tok);
		for (q = p + 1; q < p + 1 + n; q++) {
			if (*q == '~' && (q[1] == '0' || q[1] == '1'))
				strbuf_addch(&tok, *++q == '1' ? '/' : '~');
			else
				strbuf_addch(&tok, *q);
		}
		if (cJSON_IsArray(t)) {
			char *end;
			long idx = strtol(strbuf_str(&tok), &end, 10);

			t = (tok.len && !*end && idx >= 0) ? cJSON_GetArrayItem(t, (int)idx) : NULL;
		} else if (cJSON_IsObject(t)) {
			t = cJSON_GetObjectItemCaseSensitive(t, strbuf_str(&tok));
		} else {
			t = NULL;
		}
		jsonpointer_append(&dp, strbuf_str(&tok), tok.len);
		p += n + 1;
	}
	if (dp.failed || tok.failed)
		rc = oom(err);
	else if (t && !hmap_get(&r->info, t) &&
		 !registry_new_info(r, t, res, dp.buf, frag, res->vocab))
		rc = oom(err);
	strbuf_release(&dp);
	strbuf_release(&tok);
	*out = rc ? NULL : t;
	return rc;
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
	res = hmap_get(&r->res_by_uri, abs);
	if (!res) {
		struct error e2;

		error_clear(&e2);
		if (registry_load_uri(r, abs, &res, &e2)) {
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
				res = hmap_get(&r->res_by_uri, alt);
				if (res || !registry_load_uri(r, alt, &res, NULL)) {
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
	uri_percent_decode(frag);
	if (!*frag) {
		t = res->root;
	} else if (*frag == '/') {
		if ((rc = resolve_pointer(r, res, frag, &t, cc->err)))
			goto out;
	} else {
		char *key = uri_with_fragment(res->uri, frag);

		t = key ? hmap_get(&r->anchors, key) : NULL;
		free(key);
	}
	if (!t) {
		rc = cerr(cc, f, kw, "cannot resolve reference '%s'", ref);
		goto out;
	}
	*target = t;
	*tinfo = hmap_get(&r->info, t);
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
			cerr(cc, f, kw, "\"%s/%s\" must be a schema (object or boolean)", kw, idx);
			cerr_pointer_add(cc, idx);
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
			cerr_pointer_add(cc, e->string);
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
		struct sinfo *f = hmap_get(&cc->r->info, res->dyn[i].node);

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

void snode_free(struct snode *n)
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

static struct snode *compile_node(struct cctx *cc, const cJSON *node, struct sinfo *f)
{
	struct snode *n = hmap_get(&cc->r->compiled, node);
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
	if (hmap_set(&cc->r->compiled, node, n)) {
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
		struct hent *e = hmap_find(&r->compiled, n->src);

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
	struct sinfo *f = hmap_get(&r->info, d->root);
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
	char *abspath = NULL, *uri = NULL;
	struct strbuf b = STRBUF_INIT;
	struct error dummy;
	cJSON *root;

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
	uri = strbuf_detach(&b);
	s = NULL;
	if (!uri) {
		oom(err);
		goto out;
	}
	for (d = r->docs; d; d = d->next)
		if (!strcmp(d->uri, uri))
			break;
	if (!d) {
		root = registry_read_schema(path, err);
		if (!root)
			goto out;
		if (registry_add_doc(r, root, uri, path, &d, err))
			goto out;
	}
	s = compile_doc(r, d, path, err);
out:
	free(abspath);
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
	if (registry_add_doc(r, copy, base, NULL, &d, err))
		goto out;
	s = compile_doc(r, d, base_uri, err);
out:
	free(base);
	return s;
}
