/*
 * infer/schema.c - pass 2 of `wsmigrate init`: statistics of the documents
 * of one group, and from them a JSON Schema and a typed table.
 *
 * Statistics live in a tree with one node per property path (object
 * members by name, array elements merged into one "items" node, members
 * keyed by ids merged into one "extra" node), capped in count and depth, so
 * memory does not grow with the number of documents.  The only per-document
 * memory is one 64-bit hash per document for each surviving key candidate.
 * Nothing here reads files or prints.
 */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jsonpointer.h"
#include "jsonread.h"
#include "jsonschema.h"
#include "tstamp.h"
#include "util.h"

#define MAX_NODES 4096          /* statistics nodes per group */
#define MAX_PROPS 128           /* distinct member names per object node */
#define CAT_MAX_LEN 40          /* longest categorical string */
#define CAT_MIN_EACH 3          /* every categorical value seen at least this often */
#define MAP_MIN_KEYS 3          /* keys of one varying shape that make a map */
#define MAX_CANDS 4             /* key candidates tracked per group */
#define CHILD_OBJECT_SHARE 90   /* percent of elements that must be objects */
#define SHAPE_MAX 256

enum { T_NULL, T_BOOL, T_INT, T_BIG, T_FRAC, T_STR, T_OBJ, T_ARR, T_N };

struct snode {
	char *key;                  /* member name; NULL for root, items, extra */
	unsigned depth;
	unsigned long n;            /* values seen here, null included */
	unsigned long t[T_N];
	unsigned long n_dt;         /* strings in the date-time format */
	unsigned long n_ts;         /* strings tstamp_canonical accepts */
	char *cat[INFER_CAT_MAX_DISTINCT];
	unsigned long cat_n[INFER_CAT_MAX_DISTINCT];
	int n_cat;
	int cat_over;               /* too many distinct or unsuitable strings */
	struct snode **props;       /* first-seen order */
	size_t n_props, cap_props;
	struct snode *extra;        /* members keyed by ids, merged */
	struct snode *items;        /* array elements, merged */
};

struct keycand {
	char *name;
	int kind;                   /* T_STR or T_INT */
	unsigned long present;
	int dead;
	uint64_t *slots;            /* open addressing; 0 = empty */
	size_t cap, used;
};

struct infer_stats {
	struct snode *root;
	unsigned long docs;
	size_t nodes;
	struct keycand cand[MAX_CANDS];
	size_t n_cand;
	int cand_init;
	int prepared;               /* map detection done */
	int oom;
	char hint[64];              /* the group's word: a property so named may be the key */
};

/* ------------------------------------------------------------ nodes */

static struct snode *node_new(struct infer_stats *s, const char *key, unsigned depth)
{
	struct snode *n;

	if (s->nodes >= MAX_NODES)
		return NULL;
	n = calloc(1, sizeof(*n));
	if (!n) {
		s->oom = 1;
		return NULL;
	}
	if (key && !(n->key = strdup(key))) {
		free(n);
		s->oom = 1;
		return NULL;
	}
	n->depth = depth;
	s->nodes++;
	return n;
}

static void node_free(struct snode *n)
{
	size_t i;
	int k;

	if (!n)
		return;
	free(n->key);
	for (k = 0; k < n->n_cat; k++)
		free(n->cat[k]);
	for (i = 0; i < n->n_props; i++)
		node_free(n->props[i]);
	free(n->props);
	node_free(n->extra);
	node_free(n->items);
	free(n);
}

static struct snode *prop_find(struct snode *n, const char *key)
{
	size_t i;

	for (i = 0; i < n->n_props; i++)
		if (!strcmp(n->props[i]->key, key))
			return n->props[i];
	return NULL;
}

static int prop_push(struct snode *n, struct snode *c)
{
	if (ALLOC_GROW(n->props, n->n_props + 1, n->cap_props))
		return -1;
	n->props[n->n_props++] = c;
	return 0;
}

/*
 * A value that may be a category: a short word of ASCII letters, '_', '-',
 * '.' or ' ', without digits (those are names and ids: "agent-03", dates).
 */
static int cat_text_ok(const char *v)
{
	size_t i, n = strlen(v);

	if (n == 0 || n > CAT_MAX_LEN)
		return 0;
	for (i = 0; i < n; i++) {
		char c = v[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      c == '_' || c == '-' || c == '.' || c == ' '))
			return 0;
	}
	return 1;
}

static void cat_add(struct infer_stats *s, struct snode *n, const char *v, unsigned long times)
{
	int k;

	if (n->cat_over)
		return;
	if (!cat_text_ok(v)) {
		n->cat_over = 1;
		return;
	}
	for (k = 0; k < n->n_cat; k++)
		if (!strcmp(n->cat[k], v)) {
			n->cat_n[k] += times;
			return;
		}
	if (n->n_cat == INFER_CAT_MAX_DISTINCT) {
		n->cat_over = 1;
		return;
	}
	if (!(n->cat[n->n_cat] = strdup(v))) {
		s->oom = 1;
		return;
	}
	n->cat_n[n->n_cat++] = times;
}

static int number_type(double d)
{
	const double lim = 9007199254740992.0;   /* 2^53 */

	if (!isfinite(d))
		return T_BIG;
	if (d != floor(d))
		return T_FRAC;
	return fabs(d) < lim ? T_INT : T_BIG;
}

static int is_member_id(const char *key)
{
	char shape[SHAPE_MAX];

	return infer_name_shape(key, strlen(key), shape, sizeof(shape)) == INFER_NAME_ID;
}

static void add_value(struct infer_stats *s, struct snode *n, const cJSON *v)
{
	const cJSON *it;

	n->n++;
	if (cJSON_IsNull(v)) {
		n->t[T_NULL]++;
	} else if (cJSON_IsBool(v)) {
		n->t[T_BOOL]++;
	} else if (cJSON_IsNumber(v)) {
		n->t[number_type(v->valuedouble)]++;
	} else if (cJSON_IsString(v)) {
		const char *str = v->valuestring;
		size_t len = strlen(str);
		char ts[TSTAMP_MAX];
		struct error e;

		n->t[T_STR]++;
		if (len >= 19 && len <= 64 && str[0] >= '0' && str[0] <= '9') {
			if (jsonschema_check_format("date-time", str) == 1)
				n->n_dt++;
			if (tstamp_canonical(str, len, ts, &e) == 0)
				n->n_ts++;
			n->cat_over = 1;
		} else {
			cat_add(s, n, str, 1);
		}
	} else if (cJSON_IsObject(v)) {
		n->t[T_OBJ]++;
		if (n->depth >= INFER_MAX_DEPTH)
			return;
		for (it = v->child; it; it = it->next) {
			struct snode *c = NULL;

			if (!is_member_id(it->string))
				c = prop_find(n, it->string);
			if (!c && !is_member_id(it->string) && n->n_props < MAX_PROPS) {
				if ((c = node_new(s, it->string, n->depth + 1)) && prop_push(n, c)) {
					node_free(c);
					s->oom = 1;
					c = NULL;
				}
			}
			if (!c) {
				if (!n->extra)
					n->extra = node_new(s, NULL, n->depth + 1);
				c = n->extra;
			}
			if (c)
				add_value(s, c, it);
		}
	} else if (cJSON_IsArray(v)) {
		n->t[T_ARR]++;
		if (n->depth >= INFER_MAX_DEPTH)
			return;
		for (it = v->child; it; it = it->next) {
			if (!n->items)
				n->items = node_new(s, NULL, n->depth + 1);
			if (!n->items)
				break;
			add_value(s, n->items, it);
		}
	}
}

/* Fold b into a (b is left empty and may be freed). */
static int node_merge(struct infer_stats *s, struct snode *a, struct snode *b)
{
	size_t i;
	int k;

	a->n += b->n;
	for (k = 0; k < T_N; k++)
		a->t[k] += b->t[k];
	a->n_dt += b->n_dt;
	a->n_ts += b->n_ts;
	if (b->cat_over)
		a->cat_over = 1;
	for (k = 0; k < b->n_cat; k++)
		cat_add(s, a, b->cat[k], b->cat_n[k]);
	for (i = 0; i < b->n_props; i++) {
		struct snode *c = prop_find(a, b->props[i]->key);

		if (c) {
			if (node_merge(s, c, b->props[i]))
				return -1;
			node_free(b->props[i]);
		} else if (prop_push(a, b->props[i])) {
			return -1;
		}
		b->props[i] = NULL;
	}
	b->n_props = 0;
	if (b->extra) {
		if (!a->extra) {
			a->extra = b->extra;
		} else {
			if (node_merge(s, a->extra, b->extra))
				return -1;
			node_free(b->extra);
		}
		b->extra = NULL;
	}
	if (b->items) {
		if (!a->items) {
			a->items = b->items;
		} else {
			if (node_merge(s, a->items, b->items))
				return -1;
			node_free(b->items);
		}
		b->items = NULL;
	}
	return 0;
}

/*
 * Objects keyed by ids: members whose names share one varying shape
 * ("Agent-1", "Agent-2", "Agent-3") are merged into the node's "extra"
 * node, like the bare ids add_value() put there already.  Recursive.
 */
static int prepare(struct infer_stats *s, struct snode *n)
{
	size_t i, j, k;

	for (i = 0; i < n->n_props; i++) {
		char a[SHAPE_MAX], b[SHAPE_MAX];
		size_t same = 0;

		if (!n->props[i] ||
		    infer_name_shape(n->props[i]->key, strlen(n->props[i]->key), a, sizeof(a)) ==
		    INFER_NAME_PLAIN)
			continue;
		for (j = i; j < n->n_props; j++) {
			infer_name_shape(n->props[j]->key, strlen(n->props[j]->key), b, sizeof(b));
			if (!strcmp(a, b))
				same++;
		}
		if (same < MAP_MIN_KEYS)
			continue;
		for (j = i; j < n->n_props; j++) {
			infer_name_shape(n->props[j]->key, strlen(n->props[j]->key), b, sizeof(b));
			if (strcmp(a, b))
				continue;
			if (!n->extra) {
				n->extra = n->props[j];
				free(n->extra->key);
				n->extra->key = NULL;
			} else {
				if (node_merge(s, n->extra, n->props[j]))
					return -1;
				node_free(n->props[j]);
			}
			n->props[j] = NULL;
		}
		/* compact, keeping the order */
		for (j = k = 0; j < n->n_props; j++)
			if (n->props[j])
				n->props[k++] = n->props[j];
		n->n_props = k;
		i = (size_t)-1;   /* start again: indexes moved */
	}
	for (i = 0; i < n->n_props; i++)
		if (prepare(s, n->props[i]))
			return -1;
	if (n->extra && prepare(s, n->extra))
		return -1;
	if (n->items && prepare(s, n->items))
		return -1;
	return 0;
}

/* ------------------------------------------------------------ key candidates */

static uint64_t hash_bytes(int tag, const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)tag;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ULL;
	}
	/* finaliser (splitmix64) so that similar ids spread over the table */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h ? h : 1;
}

static void cand_kill(struct keycand *c)
{
	c->dead = 1;
	free(c->slots);
	c->slots = NULL;
	c->cap = c->used = 0;
}

/* Insert h; returns 1 when it was there already, 0 when added, -1 on OOM. */
static int cand_insert(struct keycand *c, uint64_t h)
{
	size_t i, mask;

	if ((c->used + 1) * 10 > c->cap * 7) {
		size_t nc = c->cap ? c->cap * 2 : 64, k;
		uint64_t *ns = calloc(nc, sizeof(*ns));

		if (!ns)
			return -1;
		for (k = 0; k < c->cap; k++) {
			if (!c->slots[k])
				continue;
			for (i = (size_t)(c->slots[k] & (nc - 1)); ns[i]; i = (i + 1) & (nc - 1))
				;
			ns[i] = c->slots[k];
		}
		free(c->slots);
		c->slots = ns;
		c->cap = nc;
	}
	mask = c->cap - 1;
	for (i = (size_t)(h & mask); c->slots[i]; i = (i + 1) & mask)
		if (c->slots[i] == h)
			return 1;
	c->slots[i] = h;
	c->used++;
	return 0;
}

/* The exact integer at "/key" of raw, via its text; -1 when not one within 2^53. */
static int exact_int_at(const char *raw, size_t len, const char *key, int64_t *out)
{
	struct strbuf ptr = STRBUF_INIT;
	size_t a, b;
	int rc = -1;

	jsonpointer_append(&ptr, key, strlen(key));
	if (!ptr.failed && jsonread_locate(raw, len, ptr.buf, &a, &b) == 0 &&
	    jsonread_number_kind(raw + a, b - a, out) == JSONREAD_NUM_INT &&
	    *out <= ((int64_t)1 << 53) && *out >= -((int64_t)1 << 53))
		rc = 0;
	strbuf_release(&ptr);
	return rc;
}

/* "ticket" for the group "tickets" (or "ticket"): named after the group. */
static int hint_name(const struct infer_stats *s, const char *key)
{
	char id[64];
	size_t n, h = strlen(s->hint);

	if (!h)
		return 0;
	infer_ident(key, "k", id, sizeof(id));
	n = strlen(id);
	return !strcmp(id, s->hint) ||
	       (h == n + 1 && s->hint[n] == 's' && !strncmp(id, s->hint, n));
}

static void cand_update(struct infer_stats *s, const cJSON *root, const char *raw, size_t len)
{
	size_t i;

	if (!s->cand_init) {
		const cJSON *it;

		s->cand_init = 1;
		if (!cJSON_IsObject(root))
			return;
		for (it = root->child; it && s->n_cand < MAX_CANDS; it = it->next) {
			struct keycand *c;

			if (!(infer_is_id_name(it->string) || hint_name(s, it->string)) ||
			    !(cJSON_IsString(it) ||
			      (cJSON_IsNumber(it) && number_type(it->valuedouble) == T_INT)))
				continue;
			c = &s->cand[s->n_cand];
			memset(c, 0, sizeof(*c));
			if (!(c->name = strdup(it->string))) {
				s->oom = 1;
				return;
			}
			c->kind = cJSON_IsString(it) ? T_STR : T_INT;
			s->n_cand++;
		}
	}
	for (i = 0; i < s->n_cand; i++) {
		struct keycand *c = &s->cand[i];
		const cJSON *v;
		uint64_t h;
		int r;

		if (c->dead)
			continue;
		v = cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, c->name) : NULL;
		if (!v || s->docs > INFER_KEY_MAX_DOCS) {
			cand_kill(c);
			continue;
		}
		if (c->kind == T_STR) {
			if (!cJSON_IsString(v)) {
				cand_kill(c);
				continue;
			}
			h = hash_bytes('s', v->valuestring, strlen(v->valuestring));
		} else {
			int64_t iv;
			char num[32];

			if (!cJSON_IsNumber(v) || number_type(v->valuedouble) != T_INT ||
			    (raw && exact_int_at(raw, len, c->name, &iv))) {
				cand_kill(c);
				continue;
			}
			snprintf(num, sizeof(num), "%.0f", v->valuedouble);
			h = hash_bytes('i', num, strlen(num));
		}
		r = cand_insert(c, h);
		if (r < 0) {
			s->oom = 1;
			cand_kill(c);
		} else if (r > 0) {
			cand_kill(c);      /* a duplicate: not a key */
		} else {
			c->present++;
		}
	}
}

/* ------------------------------------------------------------ public: stats */

struct infer_stats *infer_stats_new(void)
{
	struct infer_stats *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->root = node_new(s, NULL, 0);
	if (!s->root) {
		free(s);
		return NULL;
	}
	return s;
}

void infer_stats_free(struct infer_stats *s)
{
	size_t i;

	if (!s)
		return;
	node_free(s->root);
	for (i = 0; i < s->n_cand; i++) {
		free(s->cand[i].name);
		free(s->cand[i].slots);
	}
	free(s);
}

int infer_stats_add(struct infer_stats *s, const cJSON *root,
		    const char *raw, size_t raw_len, struct error *err)
{
	if (s->prepared)
		return error_set(err, ERR_USAGE, "infer_stats_add after the schema or table was built");
	s->docs++;
	cand_update(s, root, raw, raw_len);
	add_value(s, s->root, root);
	if (s->oom)
		return error_set(err, ERR_IO, "out of memory");
	return 0;
}

void infer_stats_key_hint(struct infer_stats *s, const char *word)
{
	if (word)
		infer_ident(word, "", s->hint, sizeof(s->hint));
	else
		s->hint[0] = '\0';
}

unsigned long infer_stats_docs(const struct infer_stats *s)
{
	return s->docs;
}

static int ensure_prepared(struct infer_stats *s)
{
	if (s->prepared)
		return 0;
	s->prepared = 1;
	return prepare(s, s->root) || s->oom ? -1 : 0;
}

/* ------------------------------------------------------------ schema */

static int add_type_names(cJSON *o, const struct snode *n)
{
	static const char *const names[] = { "object", "array", "string", "number", "boolean", "null" };
	int have[6], k, count = 0;
	cJSON *arr;

	have[0] = n->t[T_OBJ] > 0;
	have[1] = n->t[T_ARR] > 0;
	have[2] = n->t[T_STR] > 0;
	have[3] = n->t[T_INT] + n->t[T_BIG] + n->t[T_FRAC] > 0;
	have[4] = n->t[T_BOOL] > 0;
	have[5] = n->t[T_NULL] > 0;
	for (k = 0; k < 6; k++)
		count += have[k];
	if (count == 0)
		return 0;
	if (count == 1) {
		for (k = 0; k < 6; k++)
			if (have[k])
				return cJSON_AddStringToObject(o, "type", names[k]) ? 0 : -1;
	}
	arr = cJSON_AddArrayToObject(o, "type");
	if (!arr)
		return -1;
	for (k = 0; k < 6; k++)
		if (have[k] && !cJSON_AddItemToArray(arr, cJSON_CreateString(names[k])))
			return -1;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Strings that look categorical: few distinct words, each seen often.  They
 * are described with "examples", never "enum": within one tree a closed set
 * of states cannot be told from the names of the agents, teams or days that
 * happen to be there, and an enum would reject the next tree's new names.
 */
static int categorical(const struct snode *n)
{
	int k;

	if (n->cat_over || n->n_cat < 2 || n->t[T_STR] != n->n ||
	    n->t[T_STR] < INFER_CAT_MIN_VALUES)
		return 0;
	for (k = 0; k < n->n_cat; k++)
		if (n->cat_n[k] < CAT_MIN_EACH)
			return 0;
	return 1;
}

static cJSON *node_schema(const struct snode *n)
{
	cJSON *o = cJSON_CreateObject();
	size_t i;

	if (!o || add_type_names(o, n))
		goto oom;
	if (n->t[T_STR] > 0 && n->n_dt == n->t[T_STR] &&
	    !cJSON_AddStringToObject(o, "format", "date-time"))
		goto oom;
	if (categorical(n)) {
		char *vals[INFER_CAT_MAX_DISTINCT];
		cJSON *e = cJSON_AddArrayToObject(o, "examples");
		int k;

		if (!e)
			goto oom;
		for (k = 0; k < n->n_cat; k++)
			vals[k] = n->cat[k];
		qsort(vals, (size_t)n->n_cat, sizeof(vals[0]), cmp_str);
		for (k = 0; k < n->n_cat; k++)
			if (!cJSON_AddItemToArray(e, cJSON_CreateString(vals[k])))
				goto oom;
	}
	if (n->t[T_OBJ] > 0 && n->n_props > 0) {
		cJSON *props = cJSON_AddObjectToObject(o, "properties"), *req = NULL;

		if (!props)
			goto oom;
		for (i = 0; i < n->n_props; i++) {
			cJSON *c = node_schema(n->props[i]);

			if (!c)
				goto oom;
			cJSON_AddItemToObject(props, n->props[i]->key, c);
		}
		for (i = 0; i < n->n_props; i++) {
			if (n->props[i]->n != n->t[T_OBJ])
				continue;
			if (!req && !(req = cJSON_AddArrayToObject(o, "required")))
				goto oom;
			if (!cJSON_AddItemToArray(req, cJSON_CreateString(n->props[i]->key)))
				goto oom;
		}
	}
	if (n->t[T_OBJ] > 0 && n->n_props == 0 && n->extra && n->extra->n > 0) {
		cJSON *c = node_schema(n->extra);

		if (!c)
			goto oom;
		cJSON_AddItemToObject(o, "additionalProperties", c);
	}
	if (n->t[T_ARR] > 0 && n->items && n->items->n > 0) {
		cJSON *c = node_schema(n->items);

		if (!c)
			goto oom;
		cJSON_AddItemToObject(o, "items", c);
	}
	return o;
oom:
	cJSON_Delete(o);
	return NULL;
}

cJSON *infer_stats_schema(struct infer_stats *s, const char *title, const char *description)
{
	cJSON *body, *o;
	cJSON *it;

	if (ensure_prepared(s))
		return NULL;
	body = node_schema(s->root);
	o = cJSON_CreateObject();
	if (!body || !o ||
	    !cJSON_AddStringToObject(o, "$schema", "https://json-schema.org/draft/2020-12/schema") ||
	    (title && !cJSON_AddStringToObject(o, "title", title)) ||
	    (description && !cJSON_AddStringToObject(o, "description", description))) {
		cJSON_Delete(body);
		cJSON_Delete(o);
		return NULL;
	}
	/* the root's keywords after $schema, title and description */
	while ((it = body->child) != NULL) {
		cJSON_DetachItemViaPointer(body, it);
		cJSON_AddItemToObject(o, it->string, it);
	}
	cJSON_Delete(body);
	return o;
}

/* ------------------------------------------------------------ table */

/*
 * The column type for the values at n, or -1 when n holds no scalar.
 * Containers mixed with scalars, or several scalar kinds: json.
 */
static int column_type(const struct snode *n)
{
	unsigned long num = n->t[T_INT] + n->t[T_BIG] + n->t[T_FRAC];
	unsigned long scalar = n->t[T_BOOL] + num + n->t[T_STR];
	int kinds = (n->t[T_BOOL] > 0) + (num > 0) + (n->t[T_STR] > 0);

	if (scalar == 0)
		return -1;
	if (n->t[T_OBJ] + n->t[T_ARR] > 0 || kinds > 1)
		return COL_JSON;
	if (n->t[T_BOOL])
		return COL_BOOLEAN;
	if (num) {
		if (n->t[T_BIG])
			return COL_JSON;
		return n->t[T_FRAC] ? COL_REAL : COL_INTEGER;
	}
	return n->n_ts == n->t[T_STR] ? COL_TIMESTAMP : COL_TEXT;
}

static int name_taken(const struct infer_column *cols, size_t n, const char *name)
{
	size_t i;

	if (!strcmp(name, "tenant_id"))
		return 1;
	for (i = 0; i < n; i++)
		if (!strcmp(cols[i].name, name))
			return 1;
	return 0;
}

/* A unique column name for `key` among cols[0..n). */
static char *column_name(const struct infer_column *cols, size_t n, const char *key)
{
	char base[64], name[80];
	int k = 2;

	infer_ident(key, "c", base, sizeof(base));
	snprintf(name, sizeof(name), "%s", base);
	while (name_taken(cols, n, name))
		snprintf(name, sizeof(name), "%s_%d", base, k++);
	return strdup(name);
}

static char *pointer_of(const char *key)
{
	struct strbuf sb = STRBUF_INIT;

	jsonpointer_append(&sb, key, strlen(key));
	return strbuf_detach(&sb);
}

static void column_release(struct infer_column *c)
{
	free(c->name);
	free(c->json_key);
	free(c->pointer);
	free(c->from_path);
}

struct colvec {
	struct infer_column *c;
	size_t n, cap;
};

static struct infer_column *colvec_push(struct colvec *v)
{
	if (ALLOC_GROW(v->c, v->n + 1, v->cap))
		return NULL;
	memset(&v->c[v->n], 0, sizeof(v->c[0]));
	return &v->c[v->n++];
}

struct pick {
	size_t idx;
	unsigned long present;
};

static int cmp_pick_present(const void *a, const void *b)
{
	const struct pick *x = a, *y = b;

	if (x->present != y->present)
		return x->present > y->present ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int cmp_pick_idx(const void *a, const void *b)
{
	const struct pick *x = a, *y = b;

	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * Columns for the scalar members of object node n (base: how many objects
 * there were), at most `room` of them, skipping the member `skip` (the key,
 * added by the caller).  Appends to v.
 */
static int add_member_columns(struct colvec *v, const struct snode *n, unsigned long base,
			      size_t room, const char *skip)
{
	struct pick *p;
	size_t i, k = 0;

	if (n->n_props == 0 || base == 0)
		return 0;
	p = calloc(n->n_props, sizeof(*p));
	if (!p)
		return -1;
	for (i = 0; i < n->n_props; i++) {
		const struct snode *c = n->props[i];
		unsigned long nonnull = c->n - c->t[T_NULL];

		if ((skip && !strcmp(c->key, skip)) || column_type(c) < 0 || nonnull == 0 ||
		    nonnull * 100 < (unsigned long)INFER_COLUMN_SHARE * base)
			continue;
		p[k].idx = i;
		p[k].present = nonnull;
		k++;
	}
	if (k > room) {
		qsort(p, k, sizeof(*p), cmp_pick_present);
		k = room;
		qsort(p, k, sizeof(*p), cmp_pick_idx);
	}
	for (i = 0; i < k; i++) {
		const struct snode *c = n->props[p[i].idx];
		struct infer_column *col = colvec_push(v);

		if (!col)
			goto oom;
		col->type = (enum col_type)column_type(c);
		col->present = p[i].present;
		col->name = column_name(v->c, v->n - 1, c->key);
		col->json_key = strdup(c->key);
		col->pointer = pointer_of(c->key);
		if (!col->name || !col->json_key || !col->pointer)
			goto oom;
	}
	free(p);
	return 0;
oom:
	free(p);
	return -1;
}

/* The stem of an id name: "task_id" -> "task", "messageId" -> "message". */
static void id_stem(const char *key, char *out, size_t size)
{
	char ident[64];
	size_t n;

	infer_ident(key, "k", ident, sizeof(ident));
	n = strlen(ident);
	if (n > 3 && !strcmp(ident + n - 3, "_id"))
		n -= 3;
	else if (n > 5 && !strcmp(ident + n - 5, "_uuid"))
		n -= 5;
	else if (n > 4 && !strcmp(ident + n - 4, "_key"))
		n -= 4;
	snprintf(out, size, "%.*s", (int)n, ident);
}

/*
 * The upsert key among the surviving candidates: present and unique in
 * every document.  A bare "id"/"uuid" first, then a name whose stem starts
 * the table's name ("task_id" for "tasks"), then the first seen.
 */
static const struct keycand *pick_key(const struct infer_stats *s, const char *table)
{
	const struct keycand *best = NULL;
	int best_rank = 99;
	size_t i;

	if (s->docs == 0 || (s->root->t[T_OBJ] != s->docs))
		return NULL;
	for (i = 0; i < s->n_cand; i++) {
		const struct keycand *c = &s->cand[i];
		char stem[64];
		int rank;

		if (c->dead || c->present != s->docs)
			continue;
		id_stem(c->name, stem, sizeof(stem));
		if (!strcasecmp(c->name, "id") || !strcasecmp(c->name, "uuid") ||
		    !strcasecmp(c->name, "guid"))
			rank = 0;
		else if ((stem[0] && !strncmp(table, stem, strlen(stem))) || hint_name(s, c->name))
			rank = 1;
		else
			rank = 2;
		if (rank < best_rank) {
			best = c;
			best_rank = rank;
		}
	}
	return best;
}

static int child_of(const struct snode *n, unsigned long docs)
{
	const struct snode *it = n->items;

	(void)docs;
	if (!it || n->t[T_ARR] == 0 || it->n < 2 || it->t[T_OBJ] * 100 < CHILD_OBJECT_SHARE * it->n)
		return 0;
	return 1;
}

static int map_child_of(const struct snode *n)
{
	const struct snode *x = n->extra;

	if (!x || n->t[T_OBJ] == 0 || n->n_props > 0 || x->n < 2 ||
	    x->t[T_OBJ] * 100 < CHILD_OBJECT_SHARE * x->n)
		return 0;
	return 1;
}

struct child_pick {
	const struct snode *node;    /* the array (or map) node */
	const struct snode *elems;   /* its items (or extra) */
	const char *key;             /* member name, NULL for the root */
	int members;
	size_t order;
};

static int cmp_child(const void *a, const void *b)
{
	const struct child_pick *x = a, *y = b;

	if (x->elems->n != y->elems->n)
		return x->elems->n > y->elems->n ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int cmp_child_order(const void *a, const void *b)
{
	const struct child_pick *x = a, *y = b;

	return x->order < y->order ? -1 : x->order > y->order;
}

void infer_table_release(struct infer_table *t)
{
	size_t i, j;

	if (!t)
		return;
	free(t->table);
	for (i = 0; i < t->n_columns; i++)
		column_release(&t->columns[i]);
	free(t->columns);
	for (i = 0; i < t->n_children; i++) {
		struct infer_child *c = &t->children[i];

		free(c->table);
		free(c->each);
		for (j = 0; j < c->n_columns; j++)
			column_release(&c->columns[j]);
		free(c->columns);
	}
	free(t->children);
	memset(t, 0, sizeof(*t));
	t->key = -1;
}

static int build_child(const struct child_pick *cp, const struct infer_table *t,
		       struct infer_child *ch)
{
	struct colvec v = { NULL, 0, 0 };
	char base[64], name[128];
	size_t i;

	if (cp->key) {
		infer_ident(cp->key, "items", base, sizeof(base));
		snprintf(name, sizeof(name), "%s_%s", t->table, base);
	} else {
		snprintf(name, sizeof(name), "%s_items", t->table);
	}
	ch->table = strdup(name);
	ch->each = cp->key ? pointer_of(cp->key) : strdup("");
	ch->members = cp->members;
	ch->rows = cp->elems->n;
	if (!ch->table || !ch->each)
		return -1;
	if (t->key >= 0) {
		struct infer_column *pc = colvec_push(&v), *mk = &t->columns[t->key];

		if (!pc || !(pc->name = strdup(mk->name)))
			goto oom;
		pc->type = mk->type;
		pc->from_parent = 1;
		pc->present = ch->rows;
	}
	if (cp->members) {
		struct infer_column *kc = colvec_push(&v);

		if (!kc || !(kc->name = column_name(v.c, v.n - 1, "key")))
			goto oom;
		kc->type = COL_TEXT;
		kc->from_key = 1;
		kc->present = ch->rows;
	}
	if (add_member_columns(&v, cp->elems, cp->elems->t[T_OBJ],
			       INFER_MAX_COLUMNS > v.n ? INFER_MAX_COLUMNS - v.n : 0, NULL))
		goto oom;
	ch->columns = v.c;
	ch->n_columns = v.n;
	return 0;
oom:
	for (i = 0; i < v.n; i++)
		column_release(&v.c[i]);
	free(v.c);
	return -1;
}

int infer_stats_table(struct infer_stats *s, const char *table,
		      struct infer_table *out, struct error *err)
{
	struct colvec v = { NULL, 0, 0 };
	const struct keycand *key;
	struct child_pick picks[MAX_PROPS + 1];
	size_t n_picks = 0, i;
	const struct snode *root;

	memset(out, 0, sizeof(*out));
	out->key = -1;
	if (ensure_prepared(s))
		return error_set(err, ERR_IO, "out of memory");
	root = s->root;
	if (!(out->table = strdup(table)))
		goto oom;
	key = pick_key(s, table);
	if (key) {
		const struct snode *kn = prop_find((struct snode *)root, key->name);
		struct infer_column *kc = colvec_push(&v);

		if (!kc || !(kc->name = column_name(v.c, 0, key->name)) ||
		    !(kc->json_key = strdup(key->name)) || !(kc->pointer = pointer_of(key->name)))
			goto oom;
		kc->type = key->kind == T_STR ? COL_TEXT : COL_INTEGER;
		kc->key = 1;
		kc->present = kn ? kn->n : s->docs;
		out->key = 0;
	}
	if (root->t[T_OBJ] > 0 &&
	    add_member_columns(&v, root, s->docs, INFER_MAX_COLUMNS - v.n, key ? key->name : NULL))
		goto oom;
	out->columns = v.c;
	out->n_columns = v.n;
	v.c = NULL;
	v.n = 0;
	/* child tables: the root array, arrays of objects one level down, maps of objects */
	if (child_of(root, s->docs)) {
		picks[n_picks].node = root;
		picks[n_picks].elems = root->items;
		picks[n_picks].key = NULL;
		picks[n_picks].members = 0;
		picks[n_picks].order = 0;
		n_picks++;
	}
	for (i = 0; i < root->n_props; i++) {
		const struct snode *c = root->props[i];

		if (child_of(c, s->docs) || map_child_of(c)) {
			picks[n_picks].node = c;
			picks[n_picks].elems = child_of(c, s->docs) ? c->items : c->extra;
			picks[n_picks].key = c->key;
			picks[n_picks].members = !child_of(c, s->docs);
			picks[n_picks].order = i + 1;
			n_picks++;
		}
	}
	if (n_picks > INFER_MAX_CHILDREN) {
		qsort(picks, n_picks, sizeof(picks[0]), cmp_child);
		n_picks = INFER_MAX_CHILDREN;
		qsort(picks, n_picks, sizeof(picks[0]), cmp_child_order);
	}
	if (n_picks) {
		out->children = calloc(n_picks, sizeof(*out->children));
		if (!out->children)
			goto oom;
		for (i = 0; i < n_picks; i++) {
			if (build_child(&picks[i], out, &out->children[i]))
				goto oom;
			out->n_children++;
		}
	}
	return 0;
oom:
	for (i = 0; i < v.n; i++)
		column_release(&v.c[i]);
	free(v.c);
	infer_table_release(out);
	return error_set(err, ERR_IO, "out of memory");
}

unsigned long infer_doc_array_rows(const cJSON *root)
{
	unsigned long best = 0, k;
	const cJSON *it, *e;

	if (cJSON_IsArray(root)) {
		k = 0;
		for (e = root->child; e; e = e->next)
			k += cJSON_IsObject(e);
		best = k;
	} else if (cJSON_IsObject(root)) {
		for (it = root->child; it; it = it->next) {
			if (!cJSON_IsArray(it))
				continue;
			k = 0;
			for (e = it->child; e; e = e->next)
				k += cJSON_IsObject(e);
			if (k > best)
				best = k;
		}
	}
	return best;
}
