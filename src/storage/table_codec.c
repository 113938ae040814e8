/*
 * storage/table_codec.c - the one codec of table definitions to and from
 * the JSON both backends keep in wsm_tables (see internal.h).  It knows
 * neither SQL nor a backend: they store and read the texts it makes.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "util.h"

static void names_json(struct strbuf *sb, const char *const *names, size_t n)
{
	size_t i;

	strbuf_addch(sb, '[');
	for (i = 0; i < n; i++) {
		if (i)
			strbuf_addch(sb, ',');
		strbuf_add_json_string(sb, names[i], strlen(names[i]));
	}
	strbuf_addch(sb, ']');
}

static void columns_json(struct strbuf *sb, const struct table_def *d)
{
	size_t i;

	strbuf_addch(sb, '[');
	for (i = 0; i < d->n_columns; i++) {
		strbuf_addstr(sb, i ? ",{\"name\":" : "{\"name\":");
		strbuf_add_json_string(sb, d->columns[i].name, strlen(d->columns[i].name));
		strbuf_addf(sb, ",\"type\":\"%s\"}", col_type_name(d->columns[i].type));
	}
	strbuf_addch(sb, ']');
}

int table_def_json(const struct table_def *d, struct table_json *out)
{
	columns_json(&out->columns, d);
	names_json(&out->key, d->key, d->n_key);
	names_json(&out->indexes, d->indexes, d->n_indexes);
	return out->columns.failed || out->key.failed || out->indexes.failed ? -1 : 0;
}

void table_json_release(struct table_json *tj)
{
	strbuf_release(&tj->columns);
	strbuf_release(&tj->key);
	strbuf_release(&tj->indexes);
}

static const char *keep(struct arena *mem, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = arena_alloc(mem, n, 1);

	if (p)
		memcpy(p, s, n);
	return p;
}

/*
 * The strings of JSON array `a` as a list in `mem`: 0, -1 when `a` is not
 * an array of strings (*bad), -2 when out of memory.
 */
static int names_decode(struct arena *mem, const cJSON *a, const char *const **out,
			size_t *n)
{
	const char **l;
	const cJSON *it;
	size_t i = 0;

	*out = NULL;
	*n = 0;
	if (!cJSON_IsArray(a))
		return -1;
	l = arena_alloc(mem, ((size_t)cJSON_GetArraySize(a) + 1) * sizeof(*l), sizeof(void *));
	if (!l)
		return -2;
	cJSON_ArrayForEach(it, a) {
		if (!cJSON_IsString(it))
			return -1;
		if (!(l[i++] = keep(mem, it->valuestring)))
			return -2;
	}
	*out = l;
	*n = i;
	return 0;
}

/* The column list of JSON `a` into d, in `mem`; returns as names_decode. */
static int columns_decode(struct arena *mem, const cJSON *a, struct table_def *d)
{
	struct column_def *cd;
	const cJSON *it;
	size_t i = 0;

	if (!cJSON_IsArray(a))
		return -1;
	cd = arena_alloc(mem, ((size_t)cJSON_GetArraySize(a) + 1) * sizeof(*cd),
			 sizeof(void *));
	if (!cd)
		return -2;
	cJSON_ArrayForEach(it, a) {
		const cJSON *cn = cJSON_GetObjectItemCaseSensitive(it, "name");
		const cJSON *ct = cJSON_GetObjectItemCaseSensitive(it, "type");

		if (!cJSON_IsString(cn) || !cJSON_IsString(ct) ||
		    col_type_parse(ct->valuestring, &cd[i].type))
			return -1;
		if (!(cd[i++].name = keep(mem, cn->valuestring)))
			return -2;
	}
	d->columns = cd;
	d->n_columns = i;
	return 0;
}

int table_defs_add(struct table_defs *ds, const char *name, int is_child,
		   const char *columns, const char *key, const char *indexes,
		   struct error *err)
{
	cJSON *cols = columns ? cJSON_Parse(columns) : NULL;
	cJSON *k = key ? cJSON_Parse(key) : NULL;
	cJSON *idx = indexes ? cJSON_Parse(indexes) : NULL;
	struct table_def *d;
	int rc;

	if (ALLOC_GROW(ds->d, ds->n + 1, ds->alloc)) {
		rc = -2;
		goto out;
	}
	d = &ds->d[ds->n];
	memset(d, 0, sizeof(*d));
	d->is_child = is_child;
	if (!(d->name = keep(&ds->mem, name ? name : ""))) {
		rc = -2;
		goto out;
	}
	if (!(rc = columns_decode(&ds->mem, cols, d)) &&
	    !(rc = names_decode(&ds->mem, k, &d->key, &d->n_key)))
		rc = names_decode(&ds->mem, idx, &d->indexes, &d->n_indexes);
	if (!rc)
		ds->n++;
out:
	cJSON_Delete(cols);
	cJSON_Delete(k);
	cJSON_Delete(idx);
	if (rc == -2)
		return error_set(err, ERR_IO, "out of memory");
	if (rc)
		return error_set(err, ERR_USAGE,
				 "wsm_tables: the definition of table '%s' is malformed",
				 name ? name : "");
	return 0;
}

void table_defs_release(struct table_defs *ds)
{
	free(ds->d);
	arena_release(&ds->mem);
	ds->d = NULL;
	ds->n = ds->alloc = 0;
}
