/*
 * jsonschema/validate.c - walk a cJSON instance against a compiled schema:
 * the keyword groups, annotations for "unevaluated*", dynamic scope, and
 * error reports with instance and keyword locations.  It only reads the
 * compiled graph (so it is thread-safe) and never looks at schema JSON.
 */
#include "internal.h"
#include "jsonpointer.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/*
 * Validation recursion limit (nested schema evaluations along one path).
 * Reference cycles are detected separately; this bounds the stack (about
 * 0.5 KB per level at -O2) for very deep instances.
 */
#define MAX_DEPTH 1000

/*
 * A location as a chain of segments on the C stack, innermost first: the
 * instance location (object keys and array indexes, `ip` below) or the
 * keyword location (keywords, names and indexes, `kp`).
 */
struct loc {
	const struct loc *up;
	const char *name;   /* NULL: use idx */
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
	struct strbuf loc;               /* report's scratch, kept between reports */
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

/* Bounded string appends for the fixed-size message buffers. */
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

/* Append one segment: "/" and the escaped name, or "/" and the index. */
static void loc_seg(struct strbuf *sb, const char *name, size_t idx)
{
	if (name)
		jsonpointer_append(sb, name, strlen(name));
	else
		strbuf_addf(sb, "/%zu", idx);
}

/* Append the chain (its outermost `max` segments at most) as a JSON Pointer. */
static void loc_add(struct strbuf *sb, const struct loc *l, size_t max)
{
	const struct loc *stack[512];
	size_t n = 0;

	for (; l && n < max && n < NELEM(stack); l = l->up)
		stack[n++] = l;
	while (n--)
		loc_seg(sb, stack[n]->name, stack[n]->idx);
}

/* Copy the text built in sb into a fixed field, cut to fit; empty sb. */
static void loc_put(struct vctx *c, struct strbuf *sb, char *field, size_t size)
{
	if (sb->failed)
		c->oom = 1;
	snprintf(field, size, "%s", strbuf_str(sb));
	strbuf_reset(sb);
}

/*
 * Record one error.  `kw` is the failing keyword (appended to both keyword
 * locations), `extra` an optional further segment (e.g. a property name).
 */
static void report(struct vctx *c, const struct snode *n, const struct loc *ip,
		   const struct loc *kp, const char *kw, const char *fmt, ...)
	__attribute__((format(printf, 6, 7), noinline));

static void report(struct vctx *c, const struct snode *n, const struct loc *ip,
		   const struct loc *kp, const char *kw, const char *fmt, ...)
{
	struct jsonschema_result *res = c->res;
	struct jsonschema_error *e;
	struct strbuf *sb = &c->loc;
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
	loc_add(sb, ip, 256);
	loc_put(c, sb, e->instance_location, sizeof(e->instance_location));
	loc_add(sb, kp, 512);
	if (kw)
		loc_seg(sb, kw, 0);
	loc_put(c, sb, e->keyword_location, sizeof(e->keyword_location));
	strbuf_addstr(sb, n->absloc);
	if (kw)
		loc_seg(sb, kw, 0);
	loc_put(c, sb, e->absolute_keyword_location, sizeof(e->absolute_keyword_location));
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
		 const struct loc *ip, const struct loc *kp,
		 const struct scope *sc, struct annot *an);

/* Evaluate a subschema reached through keyword `seg` (and index `idx` if seg NULL). */
static int vsub(struct vctx *c, const struct snode *n, const cJSON *inst,
		const struct loc *ip, const struct loc *kp, const char *seg,
		size_t idx, const struct scope *sc, struct annot *an)
{
	struct loc k = { kp, seg, idx };

	return vnode(c, n, inst, ip, &k, sc, an);
}

/* Evaluate a subschema at keyword kw/idx (two segments, e.g. allOf/1). */
static int vsub2(struct vctx *c, const struct snode *n, const cJSON *inst,
		 const struct loc *ip, const struct loc *kp, const char *kw,
		 const char *seg2, size_t idx, const struct scope *sc, struct annot *an)
{
	struct loc k1 = { kp, kw, 0 };
	struct loc k2 = { &k1, seg2, idx };

	return vnode(c, n, inst, ip, &k2, sc, an);
}

/*
 * Follow a reference.  Reaching the same schema again at the same instance
 * location through references alone is an endless loop: report it.
 */
static int follow_ref(struct vctx *c, const struct snode *n, const struct snode *target,
		      const char *kw, const cJSON *inst, const struct loc *ip,
		      const struct loc *kp, const struct scope *sc, struct annot *an)
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
		    const struct loc *ip, const struct loc *kp,
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
			struct loc cip = { ip, m->string, 0 };
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
		   const struct loc *ip, const struct loc *kp,
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
		struct loc cip = { ip, NULL, i };

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
			struct loc cip = { ip, NULL, i };

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
		    const struct loc *ip, const struct loc *kp)
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
						    const struct loc *ip,
						    const struct loc *kp, const char *kw,
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
		    const struct loc *ip, const struct loc *kp)
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
						       const struct loc *ip,
						       const struct loc *kp,
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
		     const struct loc *ip, const struct loc *kp,
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
						    const struct loc *ip,
						    const struct loc *kp, const char *kw,
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
						  const struct loc *ip,
						  const struct loc *kp, const cJSON *inst)
{
	char want[128];

	if (!detailed(c))
		return;
	type_list(n->types, want, sizeof(want));
	report(c, n, ip, kp, "type", "expected %s, got %s", want, inst_type_name(inst));
}

static int vnode(struct vctx *c, const struct snode *n, const cJSON *inst,
		 const struct loc *ip, const struct loc *kp,
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
			struct loc cip = { ip, m->string, 0 };

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
			struct loc cip = { ip, NULL, i };

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
	memset(&c.loc, 0, sizeof(c.loc));
	ok = vnode(&c, s->root, instance, NULL, NULL, NULL, NULL);
	if (res && !ok && !res->n_errors)
		res->n_errors = 1;   /* cannot happen, but never say "invalid" with 0 errors */
	pcre2_match_data_free(c.md);
	strbuf_release(&c.loc);
	return ok ? 0 : 1;
}

void jsonschema_result_release(struct jsonschema_result *res)
{
	if (!res)
		return;
	free(res->errors);
	memset(res, 0, sizeof(*res));
}
