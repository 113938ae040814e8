/*
 * manifest.c - loads schema/migration.json and the manifests it extends,
 * merges their rules (replace by name, insert before the catch-all, drop),
 * checks every entry (reporting the file and JSON Pointer of a bad one),
 * and merges the tables that rules share.  It does not validate documents
 * or map them: see src/jsonschema/ and rowmap.c.
 */
#include "manifest.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "glob.h"
#include "jsonpointer.h"
#include "jsonread.h"
#include "util.h"

#define MANIFEST_MAX_BYTES (16u << 20)
#define MANIFEST_MAX_DEPTH 8

/* Everything the checker needs to report "file: /pointer: reason". */
struct mctx {
	const char *file;
	struct error *err;
};

static int bad(struct mctx *c, const char *ptr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(struct mctx *c, const char *ptr, const char *fmt, ...)
{
	char msg[ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return error_set_at(c->err, ERR_USAGE, c->file, 0, 0, ptr,
			    "invalid manifest: %s", msg);
}

static int valid_ident(const char *s)
{
	const char *p;

	if (!s || !((*s >= 'a' && *s <= 'z') || *s == '_'))
		return 0;
	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '_'))
			return 0;
	return p - s <= 63;
}

static int is_system_column(const char *name)
{
	return name[0] == '_' || strcmp(name, "tenant_id") == 0;
}

/* Read a string or an array of strings into a fresh NULL-free array. */
static int string_list(struct mctx *c, const cJSON *v, const char *ptr,
		       int allow_empty, char ***out, size_t *n)
{
	const cJSON *it;
	size_t k = 0, cnt;
	char p[ERROR_PTR_MAX];

	*out = NULL;
	*n = 0;
	if (cJSON_IsString(v)) {
		*out = calloc(1, sizeof(char *));
		if (!*out || !((*out)[0] = strdup(v->valuestring)))
			return bad(c, ptr, "out of memory");
		*n = 1;
		return 0;
	}
	if (!cJSON_IsArray(v))
		return bad(c, ptr, "expected a string or an array of strings");
	cnt = (size_t)cJSON_GetArraySize(v);
	if (!cnt && !allow_empty)
		return bad(c, ptr, "must not be empty");
	*out = calloc(cnt ? cnt : 1, sizeof(char *));
	if (!*out)
		return bad(c, ptr, "out of memory");
	cJSON_ArrayForEach(it, v) {
		snprintf(p, sizeof(p), "%s/%zu", ptr, k);
		if (!cJSON_IsString(it))
			return bad(c, p, "expected a string");
		(*out)[k] = strdup(it->valuestring);
		if (!(*out)[k])
			return bad(c, p, "out of memory");
		*n = ++k;
	}
	return 0;
}

static void free_list(char **l, size_t n)
{
	size_t i;

	for (i = 0; l && i < n; i++)
		free(l[i]);
	free(l);
}

static int check_keys(struct mctx *c, const cJSON *obj, const char *ptr,
		      const char *const *allowed)
{
	const cJSON *it;
	char p[ERROR_PTR_MAX];

	cJSON_ArrayForEach(it, obj) {
		const char *const *a;

		for (a = allowed; *a; a++)
			if (strcmp(*a, it->string) == 0)
				break;
		if (!*a) {
			snprintf(p, sizeof(p), "%s/%s", ptr, it->string);
			return bad(c, p, "unknown member \"%s\"", it->string);
		}
	}
	return 0;
}

static int parse_from_path(const char *s, struct manifest_column *col)
{
	if (strcmp(s, "stem") == 0)
		col->from_path = PATH_STEM;
	else if (strcmp(s, "name") == 0)
		col->from_path = PATH_NAME;
	else if (strcmp(s, "path") == 0)
		col->from_path = PATH_PATH;
	else if (strcmp(s, "dir") == 0)
		col->from_path = PATH_DIR;
	else if (strcmp(s, "kind") == 0)
		col->from_path = PATH_KIND;
	else if (strncmp(s, "segment:", 8) == 0) {
		char *end;
		long v;

		errno = 0;
		v = strtol(s + 8, &end, 10);
		if (end == s + 8 || *end || errno || v < -64 || v > 64)
			return -1;
		col->from_path = PATH_SEGMENT;
		col->segment = (int)v;
	} else {
		return -1;
	}
	return 0;
}

/*
 * One column.  `parent` is the rule's main target when this is a child
 * table's column (NULL for the main table): "from": "parent" names one of
 * its columns.
 */
static int parse_column(struct mctx *c, const cJSON *v, const char *ptr,
			const struct manifest_target *parent,
			struct manifest_column *col)
{
	static const char *const allowed[] = {
		"name", "type", "pointer", "from_path", "from", "column", "required",
		"default", "on_error", "description", NULL
	};
	const cJSON *name, *type, *ptrs, *fp, *from, *req, *def, *onerr, *pcol;
	char p[ERROR_PTR_MAX];
	size_t i;

	if (!cJSON_IsObject(v))
		return bad(c, ptr, "a column must be an object");
	if (check_keys(c, v, ptr, allowed))
		return ERR_USAGE;
	name = cJSON_GetObjectItemCaseSensitive(v, "name");
	snprintf(p, sizeof(p), "%s/name", ptr);
	if (!cJSON_IsString(name))
		return bad(c, p, "a column needs a \"name\" string");
	if (!valid_ident(name->valuestring) || is_system_column(name->valuestring))
		return bad(c, p, "column name \"%s\" must match [a-z][a-z0-9_]* and not be reserved (_*, tenant_id)",
			   name->valuestring);
	col->name = strdup(name->valuestring);
	from = cJSON_GetObjectItemCaseSensitive(v, "from");
	if (from) {
		snprintf(p, sizeof(p), "%s/from", ptr);
		if (!parent)
			return bad(c, p, "\"from\" is only for child tables");
		if (cJSON_IsString(from) && strcmp(from->valuestring, "key") == 0)
			col->from = ELEM_KEY;
		else if (cJSON_IsString(from) && strcmp(from->valuestring, "index") == 0)
			col->from = ELEM_INDEX;
		else if (cJSON_IsString(from) && strcmp(from->valuestring, "parent") == 0)
			col->from = ELEM_PARENT;
		else
			return bad(c, p, "\"from\" must be \"key\", \"index\" or \"parent\"");
	}
	pcol = cJSON_GetObjectItemCaseSensitive(v, "column");
	snprintf(p, sizeof(p), "%s/column", ptr);
	if (pcol && col->from != ELEM_PARENT)
		return bad(c, p, "\"column\" goes with \"from\": \"parent\" only");
	if (col->from == ELEM_PARENT) {
		if (!cJSON_IsString(pcol))
			return bad(c, pcol ? p : ptr, "\"from\": \"parent\" needs \"column\": the name of a column of the rule's main table");
		for (i = 0; i < parent->n_columns; i++)
			if (strcmp(parent->columns[i].name, pcol->valuestring) == 0)
				break;
		if (i == parent->n_columns)
			return bad(c, p, "\"%s\" is not a column of the rule's main table \"%s\"",
				   pcol->valuestring, parent->table);
		col->parent_col = i;
	}
	type = cJSON_GetObjectItemCaseSensitive(v, "type");
	snprintf(p, sizeof(p), "%s/type", ptr);
	if (!type && col->from == ELEM_PARENT) {
		col->type = parent->columns[col->parent_col].type;
	} else {
		if (!cJSON_IsString(type) || col_type_parse(type->valuestring, &col->type))
			return bad(c, p, "\"type\" must be one of text, integer, real, boolean, timestamp, json");
		if (col->from == ELEM_PARENT &&
		    col->type != parent->columns[col->parent_col].type)
			return bad(c, p, "column \"%s\" is %s but the parent's column \"%s\" is %s (leave \"type\" out to inherit it)",
				   col->name, col_type_name(col->type),
				   parent->columns[col->parent_col].name,
				   col_type_name(parent->columns[col->parent_col].type));
	}
	ptrs = cJSON_GetObjectItemCaseSensitive(v, "pointer");
	if (ptrs) {
		snprintf(p, sizeof(p), "%s/pointer", ptr);
		if (string_list(c, ptrs, p, 0, &col->pointers, &col->n_pointers))
			return ERR_USAGE;
		for (i = 0; i < col->n_pointers; i++) {
			if (!jsonpointer_valid(col->pointers[i])) {
				snprintf(p, sizeof(p), "%s/pointer%s%zu", ptr,
					 cJSON_IsArray(ptrs) ? "/" : "", i);
				if (!cJSON_IsArray(ptrs))
					snprintf(p, sizeof(p), "%s/pointer", ptr);
				return bad(c, p, "\"%s\" is not a JSON Pointer (it must be \"\" or start with '/')",
					   col->pointers[i]);
			}
		}
	}
	fp = cJSON_GetObjectItemCaseSensitive(v, "from_path");
	if (fp) {
		snprintf(p, sizeof(p), "%s/from_path", ptr);
		if (!cJSON_IsString(fp) || parse_from_path(fp->valuestring, col))
			return bad(c, p, "\"from_path\" must be \"segment:N\", \"stem\", \"name\", \"path\", \"dir\" or \"kind\"");
	}
	req = cJSON_GetObjectItemCaseSensitive(v, "required");
	if (req) {
		snprintf(p, sizeof(p), "%s/required", ptr);
		if (!cJSON_IsBool(req))
			return bad(c, p, "\"required\" must be true or false");
		col->required = cJSON_IsTrue(req);
	}
	onerr = cJSON_GetObjectItemCaseSensitive(v, "on_error");
	if (onerr) {
		snprintf(p, sizeof(p), "%s/on_error", ptr);
		if (cJSON_IsString(onerr) && strcmp(onerr->valuestring, "null") == 0)
			col->on_error_null = 1;
		else if (!cJSON_IsString(onerr) || strcmp(onerr->valuestring, "reject") != 0)
			return bad(c, p, "\"on_error\" must be \"reject\" (the default) or \"null\"");
		if (col->on_error_null && col->required)
			return bad(c, p, "\"on_error\": \"null\" is not allowed on a required column (\"%s\"): drop \"required\" or use \"reject\"",
				   col->name);
	}
	def = cJSON_GetObjectItemCaseSensitive(v, "default");
	if (def && !cJSON_IsNull(def))
		col->default_value = cJSON_Duplicate(def, 1);
	if (!ptrs && !fp && !from && !def)
		return bad(c, ptr, "column \"%s\" has no source: give \"pointer\", \"from_path\", \"from\" or \"default\"",
			   col->name);
	return 0;
}

static int parse_target(struct mctx *c, const cJSON *tv, const char *table_ptr,
			const cJSON *cols, const char *cols_ptr,
			const struct manifest_target *parent,
			struct manifest_target *t)
{
	const cJSON *it;
	char p[ERROR_PTR_MAX];
	size_t k = 0, i;

	if (!cJSON_IsString(tv))
		return bad(c, table_ptr, "\"table\" must be a string");
	if (!valid_ident(tv->valuestring) || strncmp(tv->valuestring, "wsm_", 4) == 0)
		return bad(c, table_ptr, "table name \"%s\" must match [a-z][a-z0-9_]* and not start with wsm_",
			   tv->valuestring);
	t->table = strdup(tv->valuestring);
	if (!cols)
		return 0;
	if (!cJSON_IsArray(cols))
		return bad(c, cols_ptr, "\"columns\" must be an array");
	t->columns = calloc((size_t)cJSON_GetArraySize(cols) + 1, sizeof(*t->columns));
	if (!t->columns)
		return bad(c, cols_ptr, "out of memory");
	cJSON_ArrayForEach(it, cols) {
		snprintf(p, sizeof(p), "%s/%zu", cols_ptr, k);
		t->n_columns = k + 1;
		if (parse_column(c, it, p, parent, &t->columns[k]))
			return ERR_USAGE;
		for (i = 0; i < k; i++)
			if (strcmp(t->columns[i].name, t->columns[k].name) == 0)
				return bad(c, p, "duplicate column \"%s\"", t->columns[k].name);
		k++;
	}
	return 0;
}

/* Find or add the merged definition of table `name`. */
static struct table_def *merged_table(struct manifest *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->n_tables; i++)
		if (strcmp(m->tables[i].name, name) == 0)
			return &m->tables[i];
	return NULL;
}

static int key_list(struct mctx *c, const cJSON *v, const char *ptr,
		    const struct manifest_target *t, char ***out, size_t *n)
{
	size_t i, j;
	char p[ERROR_PTR_MAX];

	if (!v)
		return 0;
	if (string_list(c, v, ptr, 1, out, n))
		goto fail;
	for (i = 0; i < *n; i++) {
		for (j = 0; j < t->n_columns; j++)
			if (strcmp(t->columns[j].name, (*out)[i]) == 0)
				break;
		if (j == t->n_columns) {
			snprintf(p, sizeof(p), "%s/%zu", ptr, i);
			if (cJSON_IsString(v))
				snprintf(p, sizeof(p), "%s", ptr);
			bad(c, p, "\"%s\" is not a column of table \"%s\"",
			    (*out)[i], t->table);
			goto fail;
		}
	}
	return 0;
fail:
	/* the list is the caller's only on success */
	free_list(*out, *n);
	*out = NULL;
	*n = 0;
	return ERR_USAGE;
}

/*
 * "on_error": "null" is for optional values only: a key or required
 * column that could silently become NULL would lose the row's identity.
 */
static int check_key_strict(struct mctx *c, const struct manifest_target *t,
			    char **key, size_t n_key, const char *cols_ptr)
{
	size_t i, j;
	char p[ERROR_PTR_MAX];

	for (i = 0; i < n_key; i++)
		for (j = 0; j < t->n_columns; j++)
			if (strcmp(t->columns[j].name, key[i]) == 0 &&
			    t->columns[j].on_error_null) {
				snprintf(p, sizeof(p), "%s/%zu/on_error", cols_ptr, j);
				return bad(c, p, "\"on_error\": \"null\" is not allowed on a key column (\"%s\"): a key must not become NULL",
					   key[i]);
			}
	return 0;
}

static int same_list(char **a, size_t na, const char *const *b, size_t nb)
{
	size_t i;

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return 0;
	return 1;
}

/*
 * Merge a rule's target into m->tables.  Shared tables must agree on the
 * type of every column they both declare, on being child tables or not,
 * and on the key; the merged table has the union of the columns.
 */
static int merge_target(struct mctx *c, struct manifest *m,
			struct manifest_target *t, int is_child,
			char **key, size_t n_key, char **idx, size_t n_idx,
			const char *ptr)
{
	struct table_def *d = merged_table(m, t->table);
	struct column_def *cols;
	size_t i, j;

	if (!d) {
		struct table_def *nt = realloc(m->tables, (m->n_tables + 1) * sizeof(*nt));

		if (!nt)
			return bad(c, ptr, "out of memory");
		m->tables = nt;
		d = &m->tables[m->n_tables++];
		memset(d, 0, sizeof(*d));
		d->name = strdup(t->table);
		d->is_child = is_child;
		d->key = (const char *const *)key;
		d->n_key = n_key;
		d->indexes = (const char *const *)idx;
		d->n_indexes = n_idx;
	} else {
		if (d->is_child != is_child)
			return bad(c, ptr, "table \"%s\" is used both as a main and as a child table",
				   t->table);
		if (!same_list(key, n_key, d->key, d->n_key))
			return bad(c, ptr, "table \"%s\" is declared with a different \"key\" by an earlier rule",
				   t->table);
		free_list(key, n_key);
		free_list(idx, n_idx);
	}
	t->def_col = calloc(t->n_columns + 1, sizeof(size_t));
	if (!t->def_col)
		return bad(c, ptr, "out of memory");
	for (i = 0; i < t->n_columns; i++) {
		for (j = 0; j < d->n_columns; j++) {
			if (strcmp(d->columns[j].name, t->columns[i].name) == 0) {
				if (d->columns[j].type != t->columns[i].type)
					return bad(c, ptr, "column \"%s\" of table \"%s\" is %s here but %s in an earlier rule",
						   t->columns[i].name, t->table,
						   col_type_name(t->columns[i].type),
						   col_type_name(d->columns[j].type));
				break;
			}
		}
		if (j == d->n_columns) {
			cols = realloc((void *)d->columns, (d->n_columns + 1) * sizeof(*cols));
			if (!cols)
				return bad(c, ptr, "out of memory");
			cols[d->n_columns].name = strdup(t->columns[i].name);
			cols[d->n_columns].type = t->columns[i].type;
			d->columns = cols;
			d->n_columns++;
		}
		t->def_col[i] = j;
	}
	return 0;
}

/* After all rules are merged, point targets at their (now stable) defs. */
static void link_targets(struct manifest *m)
{
	size_t r, k;

	for (r = 0; r < m->n_rules; r++) {
		struct manifest_rule *rule = &m->rules[r];

		rule->main.def = merged_table(m, rule->main.table);
		rule->tables[0] = rule->main.def;
		for (k = 0; k < rule->n_children; k++) {
			rule->children[k].def = merged_table(m, rule->children[k].table);
			rule->tables[k + 1] = rule->children[k].def;
		}
	}
}

static int resolve_schema(struct mctx *c, const char *dir, const char *rel,
			  const char *ptr, char **out)
{
	char buf[PATH_MAX];
	struct stat st;

	if (rel[0] == '/')
		snprintf(buf, sizeof(buf), "%s", rel);
	else
		snprintf(buf, sizeof(buf), "%s/%s", dir, rel);
	if (stat(buf, &st) < 0 || !S_ISREG(st.st_mode))
		return bad(c, ptr, "schema file '%s' not found", buf);
	*out = strdup(buf);
	return 0;
}

static int parse_child(struct mctx *c, struct manifest *m, const cJSON *v,
		       const char *ptr, const struct manifest_target *parent,
		       struct manifest_target *t)
{
	static const char *const allowed[] = {
		"table", "each", "key", "indexes", "columns", "description", NULL
	};
	char p[ERROR_PTR_MAX], p2[ERROR_PTR_MAX];
	const cJSON *each;
	char **key = NULL, **idx = NULL;
	size_t n_key = 0, n_idx = 0, i;

	if (!cJSON_IsObject(v))
		return bad(c, ptr, "a child table must be an object");
	if (check_keys(c, v, ptr, allowed))
		return ERR_USAGE;
	snprintf(p, sizeof(p), "%s/table", ptr);
	snprintf(p2, sizeof(p2), "%s/columns", ptr);
	if (parse_target(c, cJSON_GetObjectItemCaseSensitive(v, "table"), p,
			 cJSON_GetObjectItemCaseSensitive(v, "columns"), p2, parent, t))
		return ERR_USAGE;
	each = cJSON_GetObjectItemCaseSensitive(v, "each");
	snprintf(p, sizeof(p), "%s/each", ptr);
	if (!each)
		return bad(c, ptr, "a child table needs \"each\"");
	if (cJSON_IsString(each) && strcmp(each->valuestring, "**") == 0) {
		t->each_leaves = 1;
	} else {
		if (string_list(c, each, p, 0, &t->each, &t->n_each))
			return ERR_USAGE;
		for (i = 0; i < t->n_each; i++)
			if (!jsonpointer_valid(t->each[i]))
				return bad(c, p, "\"%s\" is not a JSON Pointer", t->each[i]);
	}
	snprintf(p, sizeof(p), "%s/key", ptr);
	if (key_list(c, cJSON_GetObjectItemCaseSensitive(v, "key"), p, t, &key, &n_key))
		return ERR_USAGE;
	snprintf(p2, sizeof(p2), "%s/columns", ptr);
	if (check_key_strict(c, t, key, n_key, p2)) {
		free_list(key, n_key);
		return ERR_USAGE;
	}
	snprintf(p, sizeof(p), "%s/indexes", ptr);
	if (key_list(c, cJSON_GetObjectItemCaseSensitive(v, "indexes"), p, t, &idx, &n_idx)) {
		free_list(key, n_key);
		return ERR_USAGE;
	}
	return merge_target(c, m, t, 1, key, n_key, idx, n_idx, ptr);
}

static int parse_rule(struct mctx *c, struct manifest *m, const cJSON *v,
		      const char *ptr, const char *dir, struct manifest_rule *r)
{
	static const char *const allowed[] = {
		"name", "description", "match", "schema", "table", "key",
		"indexes", "columns", "children", "catch_all", "ignore_case", NULL
	};
	const cJSON *name, *match, *schema, *children, *it, *flag;
	static const char *const everything[] = { "**" };
	char p[ERROR_PTR_MAX], p2[ERROR_PTR_MAX], why[256];
	char **key = NULL, **idx = NULL;
	size_t n_key = 0, n_idx = 0, i, k = 0;

	if (!cJSON_IsObject(v))
		return bad(c, ptr, "a rule must be an object");
	if (check_keys(c, v, ptr, allowed))
		return ERR_USAGE;
	name = cJSON_GetObjectItemCaseSensitive(v, "name");
	snprintf(p, sizeof(p), "%s/name", ptr);
	if (!cJSON_IsString(name) || !valid_ident(name->valuestring))
		return bad(c, p, "a rule needs a \"name\" matching [a-z][a-z0-9_]*");
	for (i = 0; i < (size_t)(r - m->rules); i++)
		if (strcmp(m->rules[i].name, name->valuestring) == 0)
			return bad(c, p, "duplicate rule name \"%s\"", name->valuestring);
	r->name = strdup(name->valuestring);
	flag = cJSON_GetObjectItemCaseSensitive(v, "catch_all");
	snprintf(p, sizeof(p), "%s/catch_all", ptr);
	if (flag && !cJSON_IsBool(flag))
		return bad(c, p, "\"catch_all\" must be true or false");
	r->catch_all = cJSON_IsTrue(flag);
	flag = cJSON_GetObjectItemCaseSensitive(v, "ignore_case");
	snprintf(p, sizeof(p), "%s/ignore_case", ptr);
	if (flag && !cJSON_IsBool(flag))
		return bad(c, p, "\"ignore_case\" must be true or false");
	r->ignore_case = cJSON_IsTrue(flag);
	match = cJSON_GetObjectItemCaseSensitive(v, "match");
	snprintf(p, sizeof(p), "%s/match", ptr);
	if (!match && !r->catch_all)
		return bad(c, ptr, "rule \"%s\" needs \"match\"", r->name);
	if (!match) {
		/* a catch-all without "match" takes every path */
		r->globs = calloc(1, sizeof(char *));
		if (!r->globs || !(r->globs[0] = strdup(everything[0])))
			return bad(c, ptr, "out of memory");
		r->n_globs = 1;
	} else if (string_list(c, match, p, 0, &r->globs, &r->n_globs)) {
		return ERR_USAGE;
	}
	r->glob_prefix = calloc(r->n_globs, sizeof(size_t));
	if (!r->glob_prefix)
		return bad(c, p, "out of memory");
	for (i = 0; i < r->n_globs; i++) {
		if (glob_check(r->globs[i], why, sizeof(why))) {
			if (cJSON_IsArray(match))
				snprintf(p, sizeof(p), "%s/match/%zu", ptr, i);
			return bad(c, p, "bad glob \"%s\": %s", r->globs[i], why);
		}
		/* the literal head lets classify skip most globs with one
		 * compare; a case-insensitive glob has none */
		r->glob_prefix[i] = r->ignore_case || glob_icase_prefix(r->globs[i]) ? 0 :
				    strcspn(r->globs[i], "*?[\\");
	}
	schema = cJSON_GetObjectItemCaseSensitive(v, "schema");
	if (schema) {
		snprintf(p, sizeof(p), "%s/schema", ptr);
		if (!cJSON_IsString(schema))
			return bad(c, p, "\"schema\" must be a file name");
		if (resolve_schema(c, dir, schema->valuestring, p, &r->schema_path))
			return ERR_USAGE;
	}
	snprintf(p, sizeof(p), "%s/table", ptr);
	snprintf(p2, sizeof(p2), "%s/columns", ptr);
	if (!cJSON_GetObjectItemCaseSensitive(v, "table"))
		return bad(c, ptr, "rule \"%s\" needs \"table\"", r->name);
	if (parse_target(c, cJSON_GetObjectItemCaseSensitive(v, "table"), p,
			 cJSON_GetObjectItemCaseSensitive(v, "columns"), p2, NULL, &r->main))
		return ERR_USAGE;
	snprintf(p, sizeof(p), "%s/key", ptr);
	if (key_list(c, cJSON_GetObjectItemCaseSensitive(v, "key"), p, &r->main, &key, &n_key))
		return ERR_USAGE;
	if (check_key_strict(c, &r->main, key, n_key, p2)) {
		free_list(key, n_key);
		return ERR_USAGE;
	}
	snprintf(p, sizeof(p), "%s/indexes", ptr);
	if (key_list(c, cJSON_GetObjectItemCaseSensitive(v, "indexes"), p, &r->main, &idx, &n_idx)) {
		free_list(key, n_key);
		return ERR_USAGE;
	}
	if (merge_target(c, m, &r->main, 0, key, n_key, idx, n_idx, ptr))
		return ERR_USAGE;
	children = cJSON_GetObjectItemCaseSensitive(v, "children");
	if (children) {
		snprintf(p, sizeof(p), "%s/children", ptr);
		if (!cJSON_IsArray(children))
			return bad(c, p, "\"children\" must be an array");
		r->children = calloc((size_t)cJSON_GetArraySize(children) + 1,
				     sizeof(*r->children));
		if (!r->children)
			return bad(c, p, "out of memory");
		cJSON_ArrayForEach(it, children) {
			snprintf(p, sizeof(p), "%s/children/%zu", ptr, k);
			r->n_children = k + 1;
			if (parse_child(c, m, it, p, &r->main, &r->children[k]))
				return ERR_USAGE;
			if (strcmp(r->children[k].table, r->main.table) == 0)
				return bad(c, p, "a child table cannot be the rule's main table");
			k++;
		}
	}
	r->n_tables = 1 + r->n_children;
	r->tables = calloc(r->n_tables, sizeof(*r->tables));
	if (!r->tables)
		return bad(c, ptr, "out of memory");
	return 0;
}

/* ------------------------------------------------------------ the chain */

/* One manifest file of the chain, parsed; kept until the rules are parsed. */
struct mfile {
	char *path;
	char *dir;
	char *real;               /* canonical path, for the cycle check */
	cJSON *root;
	char sha256[65];
	size_t index;             /* in manifest->files (set when complete) */
};

/* A rule of the merged list: its JSON and where it was declared. */
struct rsrc {
	const cJSON *v;
	const struct mfile *f;
	char ptr[48];             /* "/rules/K" in f */
	const char *name;
	int catch_all;
};

struct rlist {
	struct rsrc *r;
	size_t n, cap;
};

struct loader {
	struct manifest *m;
	struct error *err;
	struct mfile **files;     /* every file read, in reading order (owned) */
	size_t n_files;
	const char *stack[MANIFEST_MAX_DEPTH + 2];   /* real paths being loaded */
	size_t depth;
};

static void mfile_free(struct mfile *f)
{
	if (!f)
		return;
	free(f->path);
	free(f->dir);
	free(f->real);
	cJSON_Delete(f->root);
	free(f);
}

static int rlist_insert(struct rlist *l, size_t at, const struct rsrc *r)
{
	if (ALLOC_GROW(l->r, l->n + 1, l->cap))
		return -1;
	memmove(&l->r[at + 1], &l->r[at], (l->n - at) * sizeof(*r));
	l->r[at] = *r;
	l->n++;
	return 0;
}

static void rlist_remove(struct rlist *l, size_t at)
{
	memmove(&l->r[at], &l->r[at + 1], (l->n - at - 1) * sizeof(*l->r));
	l->n--;
}

static long rlist_find(const struct rlist *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->r[i].name, name) == 0)
			return (long)i;
	return -1;
}

/*
 * Merge one rule into the list: it replaces the rule of the same name in
 * place, or goes before the catch-all (the last rule, if any), or, being
 * a catch-all itself, at the end.  At most one catch-all remains.
 */
static int merge_rule(struct loader *L, struct rlist *l, const struct rsrc *r)
{
	struct mctx c = { r->f->path, L->err };
	long at = rlist_find(l, r->name);
	int has_ca = l->n && l->r[l->n - 1].catch_all;

	if (r->catch_all && has_ca && (at < 0 || (size_t)at != l->n - 1))
		return bad(&c, r->ptr, "rule \"%s\" is a second catch-all: \"%s\" (%s) is one already; give it that name to replace it, or \"drop\" it",
			   r->name, l->r[l->n - 1].name, l->r[l->n - 1].f->path);
	if (at >= 0) {
		if (r->catch_all) {
			rlist_remove(l, (size_t)at);
			return rlist_insert(l, l->n, r) ? bad(&c, r->ptr, "out of memory") : 0;
		}
		l->r[at] = *r;
		return 0;
	}
	if (rlist_insert(l, r->catch_all || !has_ca ? l->n : l->n - 1, r))
		return bad(&c, r->ptr, "out of memory");
	return 0;
}

static int load_chain(struct loader *L, const char *path, const struct mctx *from,
		      const char *from_ptr, struct rlist *out);

/* Where an "extends" entry points: "default", or a path relative to `dir`. */
static int resolve_base(struct loader *L, const struct mctx *c, const char *ptr,
			const char *dir, const char *name, char *buf, size_t size)
{
	struct error e;

	if (strcmp(name, "default") == 0) {
		error_clear(&e);
		if (!manifest_default_dir(buf, size, &e))
			return bad((struct mctx *)c, ptr, "%s", e.msg);
		return 0;
	}
	if (!*name)
		return bad((struct mctx *)c, ptr, "an \"extends\" entry must not be empty");
	if (name[0] == '/')
		snprintf(buf, size, "%s", name);
	else
		snprintf(buf, size, "%s/%s", dir, name);
	(void)L;
	return 0;
}

/* Read and parse one file of the chain (a file, or a folder's migration.json). */
static int read_mfile(struct loader *L, const char *path, const struct mctx *from,
		      const char *from_ptr, struct mfile **out)
{
	struct error *err = L->err;
	struct mfile *f = NULL;
	struct stat st;
	char file[PATH_MAX], real[PATH_MAX], *slash, *buf = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		snprintf(file, sizeof(file), "%s/migration.json", path);
	else
		snprintf(file, sizeof(file), "%s", path);
	rc = util_read_file(file, MANIFEST_MAX_BYTES, &buf, &len, err);
	if (rc) {
		if (from) {
			char why[ERROR_MSG_MAX];

			snprintf(why, sizeof(why), "%s", err->msg);
			return bad((struct mctx *)from, from_ptr, "cannot load the base manifest '%s': %s",
				   file, why);
		}
		err->code = ERR_USAGE;
		error_prefix(err, "cannot load the manifest");
		return ERR_USAGE;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		free(buf);
		return error_set(err, ERR_IO, "out of memory");
	}
	f->path = strdup(file);
	f->dir = strdup(file);
	f->real = strdup(realpath(file, real) ? real : file);
	if (!f->path || !f->dir || !f->real) {
		free(buf);
		mfile_free(f);
		return error_set(err, ERR_IO, "out of memory");
	}
	slash = strrchr(f->dir, '/');
	if (slash)
		*slash = '\0';
	else
		strcpy(f->dir, ".");
	util_sha256_hex(buf, len, f->sha256);
	f->root = jsonread_parse(buf, len, NULL, err);
	free(buf);
	if (!f->root) {
		err->code = ERR_USAGE;
		snprintf(err->path, sizeof(err->path), "%s", file);
		error_prefix(err, "manifest is not valid JSON");
		mfile_free(f);
		return ERR_USAGE;
	}
	*out = f;
	return 0;
}

/* A file's own "drop", "ignore" and "rules", merged onto `out`. */
static int merge_own(struct loader *L, struct mctx *c, struct mfile *f,
		     int has_bases, struct rlist *out)
{
	const cJSON *root = f->root, *drop, *ign, *rules, *it;
	char p[ERROR_PTR_MAX], why[256];
	size_t k = 0, i, n;

	drop = cJSON_GetObjectItemCaseSensitive(root, "drop");
	if (drop) {
		if (!has_bases)
			return bad(c, "/drop", "\"drop\" removes rules of the manifests this one extends: add \"extends\"");
		if (!cJSON_IsArray(drop))
			return bad(c, "/drop", "\"drop\" must be an array of rule names");
		cJSON_ArrayForEach(it, drop) {
			long at;

			snprintf(p, sizeof(p), "/drop/%zu", k++);
			if (!cJSON_IsString(it))
				return bad(c, p, "expected a rule name");
			at = rlist_find(out, it->valuestring);
			if (at < 0)
				return bad(c, p, "no rule \"%s\" to drop in the manifests this one extends",
					   it->valuestring);
			rlist_remove(out, (size_t)at);
		}
	}
	ign = cJSON_GetObjectItemCaseSensitive(root, "ignore");
	if (ign) {
		char **list = NULL;
		struct manifest *m = L->m;

		if (string_list(c, ign, "/ignore", 1, &list, &n)) {
			free_list(list, n);
			return ERR_USAGE;
		}
		for (i = 0; i < n; i++) {
			size_t j;

			snprintf(p, sizeof(p), cJSON_IsArray(ign) ? "/ignore/%zu" : "/ignore", i);
			if (glob_check(list[i], why, sizeof(why))) {
				bad(c, p, "bad glob \"%s\": %s", list[i], why);
				free_list(list, n);
				return ERR_USAGE;
			}
			for (j = 0; j < m->n_ignore; j++)
				if (strcmp(m->ignore[j], list[i]) == 0)
					break;
			if (j < m->n_ignore)
				continue;
			{
				char **ni = realloc(m->ignore, (m->n_ignore + 1) * sizeof(*ni));

				if (!ni) {
					free_list(list, n);
					return bad(c, p, "out of memory");
				}
				m->ignore = ni;
				m->ignore[m->n_ignore++] = list[i];
				list[i] = NULL;
			}
		}
		free_list(list, n);
	}
	rules = cJSON_GetObjectItemCaseSensitive(root, "rules");
	if (!has_bases && (!cJSON_IsArray(rules) || cJSON_GetArraySize(rules) == 0))
		return bad(c, "/rules", "\"rules\" must be a non-empty array");
	if (rules && !cJSON_IsArray(rules))
		return bad(c, "/rules", "\"rules\" must be an array");
	n = (size_t)cJSON_GetArraySize(rules);
	k = 0;
	cJSON_ArrayForEach(it, rules) {
		struct rsrc r;
		const cJSON *name, *ca;
		const cJSON *prev;
		size_t j = 0;

		memset(&r, 0, sizeof(r));
		snprintf(r.ptr, sizeof(r.ptr), "/rules/%zu", k);
		if (!cJSON_IsObject(it))
			return bad(c, r.ptr, "a rule must be an object");
		name = cJSON_GetObjectItemCaseSensitive(it, "name");
		snprintf(p, sizeof(p), "%s/name", r.ptr);
		if (!cJSON_IsString(name) || !valid_ident(name->valuestring))
			return bad(c, p, "a rule needs a \"name\" matching [a-z][a-z0-9_]*");
		cJSON_ArrayForEach(prev, rules) {
			const cJSON *pn;

			if (j++ == k)
				break;
			pn = cJSON_GetObjectItemCaseSensitive(prev, "name");
			if (cJSON_IsString(pn) && strcmp(pn->valuestring, name->valuestring) == 0)
				return bad(c, p, "duplicate rule name \"%s\"", name->valuestring);
		}
		ca = cJSON_GetObjectItemCaseSensitive(it, "catch_all");
		snprintf(p, sizeof(p), "%s/catch_all", r.ptr);
		if (ca && !cJSON_IsBool(ca))
			return bad(c, p, "\"catch_all\" must be true or false");
		r.catch_all = cJSON_IsTrue(ca);
		if (r.catch_all && k + 1 != n)
			return bad(c, p, "the catch_all rule \"%s\" takes every file no earlier rule matched: it must be the last rule",
				   name->valuestring);
		r.v = it;
		r.f = f;
		r.name = name->valuestring;
		if (merge_rule(L, out, &r))
			return ERR_USAGE;
		k++;
	}
	return 0;
}

/*
 * Load the manifest at `path` and, first, the ones it extends, merging
 * their rules into `out` (bases in order, then this file's own).  `from`
 * and `from_ptr` name the "extends" entry that led here (NULL at the top).
 */
static int load_chain(struct loader *L, const char *path, const struct mctx *from,
		      const char *from_ptr, struct rlist *out)
{
	static const char *const allowed[] = {
		"$schema", "$comment", "version", "description", "extends", "drop",
		"ignore", "rules", NULL
	};
	struct mfile *f = NULL;
	struct mctx c;
	const cJSON *ver, *ext, *it;
	char p[ERROR_PTR_MAX], base[PATH_MAX];
	size_t i, k = 0;
	int rc;

	if ((rc = read_mfile(L, path, from, from_ptr, &f)))
		return rc;
	{
		struct mfile **nf = realloc(L->files, (L->n_files + 1) * sizeof(*nf));

		if (!nf) {
			mfile_free(f);
			return error_set(L->err, ERR_IO, "out of memory");
		}
		L->files = nf;
		L->files[L->n_files++] = f;
	}
	c.file = f->path;
	c.err = L->err;
	for (i = 0; i < L->depth; i++) {
		if (strcmp(L->stack[i], f->real) == 0) {
			struct strbuf sb = STRBUF_INIT;
			size_t j;

			for (j = i; j < L->depth; j++) {
				strbuf_addstr(&sb, L->stack[j]);
				strbuf_addstr(&sb, " -> ");
			}
			strbuf_addstr(&sb, f->real);
			rc = bad((struct mctx *)from, from_ptr, "\"extends\" makes a cycle: %s",
				 strbuf_str(&sb));
			strbuf_release(&sb);
			return rc;
		}
	}
	if (L->depth > MANIFEST_MAX_DEPTH)
		return bad((struct mctx *)from, from_ptr, "\"extends\" nests more than %d levels deep",
			   MANIFEST_MAX_DEPTH);
	L->stack[L->depth++] = f->real;

	if (!cJSON_IsObject(f->root))
		return bad(&c, "", "the manifest must be a JSON object");
	if (check_keys(&c, f->root, "", allowed))
		return ERR_USAGE;
	ext = cJSON_GetObjectItemCaseSensitive(f->root, "extends");
	ver = cJSON_GetObjectItemCaseSensitive(f->root, "version");
	if ((ver || !ext) && (!cJSON_IsNumber(ver) || ver->valuedouble != 1))
		return bad(&c, "/version", "\"version\" must be 1");
	if (ext) {
		if (!cJSON_IsString(ext) && !cJSON_IsArray(ext))
			return bad(&c, "/extends", "\"extends\" must be a string or an array of strings (\"default\", or a manifest path relative to this file)");
		if (cJSON_IsArray(ext) && cJSON_GetArraySize(ext) == 0)
			return bad(&c, "/extends", "\"extends\" must not be empty");
	}
	for (it = cJSON_IsArray(ext) ? ext->child : ext; it; it = cJSON_IsArray(ext) ? it->next : NULL) {
		struct rlist bl = { 0 };

		if (cJSON_IsArray(ext))
			snprintf(p, sizeof(p), "/extends/%zu", k);
		else
			snprintf(p, sizeof(p), "/extends");
		k++;
		if (!cJSON_IsString(it))
			return bad(&c, p, "expected a string");
		if ((rc = resolve_base(L, &c, p, f->dir, it->valuestring, base, sizeof(base))))
			return rc;
		rc = load_chain(L, base, &c, p, &bl);
		for (i = 0; !rc && i < bl.n; i++)
			rc = merge_rule(L, out, &bl.r[i]);
		free(bl.r);
		if (rc)
			return rc;
	}
	if ((rc = merge_own(L, &c, f, ext != NULL, out)))
		return rc;
	L->depth--;
	/* complete: bases come first in manifest->files */
	{
		struct manifest *m = L->m;
		char **nf = realloc(m->files, (m->n_files + 1) * sizeof(*nf));

		if (!nf)
			return error_set(L->err, ERR_IO, "out of memory");
		m->files = nf;
		f->index = m->n_files;
		m->files[m->n_files] = strdup(f->path);
		if (!m->files[m->n_files])
			return error_set(L->err, ERR_IO, "out of memory");
		m->n_files++;
	}
	return 0;
}

/* The manifest's sha256: the file's own, or that of every file's sha256. */
static void chain_sha256(struct loader *L, struct manifest *m)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i, j;

	if (L->n_files == 1) {
		memcpy(m->sha256, L->files[0]->sha256, 65);
		return;
	}
	for (j = 0; j < m->n_files; j++)
		for (i = 0; i < L->n_files; i++)
			if (L->files[i]->index == j && strcmp(L->files[i]->path, m->files[j]) == 0) {
				strbuf_addstr(&sb, L->files[i]->sha256);
				strbuf_addstr(&sb, "\n");
				break;
			}
	util_sha256_hex(strbuf_str(&sb), sb.len, m->sha256);
	strbuf_release(&sb);
}

int manifest_load(const char *path, struct manifest **out, struct error *err)
{
	struct loader L;
	struct rlist rl = { 0 };
	struct manifest *m = NULL;
	struct mctx c;
	size_t k;
	int rc;

	*out = NULL;
	memset(&L, 0, sizeof(L));
	m = calloc(1, sizeof(*m));
	if (!m)
		return error_set(err, ERR_IO, "out of memory");
	L.m = m;
	L.err = err;
	if ((rc = load_chain(&L, path, NULL, NULL, &rl)))
		goto out;
	m->path = strdup(m->files[m->n_files - 1]);
	m->dir = strdup(m->path);
	if (!m->path || !m->dir) {
		rc = error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	{
		char *slash = strrchr(m->dir, '/');

		if (slash)
			*slash = '\0';
		else
			strcpy(m->dir, ".");
	}
	chain_sha256(&L, m);
	c.file = m->path;
	c.err = err;
	if (!rl.n) {
		rc = bad(&c, "/rules", "no rules are left after merging the manifests it extends");
		goto out;
	}
	m->rules = calloc(rl.n, sizeof(*m->rules));
	if (!m->rules) {
		rc = error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	for (k = 0; k < rl.n; k++) {
		struct mctx rc_ctx = { rl.r[k].f->path, err };

		m->n_rules = k + 1;
		if ((rc = parse_rule(&rc_ctx, m, rl.r[k].v, rl.r[k].ptr, rl.r[k].f->dir,
				     &m->rules[k])))
			goto out;
		m->rules[k].file = m->files[rl.r[k].f->index];
	}
	if (m->rules[m->n_rules - 1].catch_all)
		m->catch_all = &m->rules[m->n_rules - 1];
	link_targets(m);
	*out = m;
	m = NULL;
	rc = 0;
out:
	for (k = 0; k < L.n_files; k++)
		mfile_free(L.files[k]);
	free(L.files);
	free(rl.r);
	manifest_free(m);
	return rc;
}

static void target_release(struct manifest_target *t)
{
	size_t i;

	free(t->table);
	for (i = 0; i < t->n_columns; i++) {
		free(t->columns[i].name);
		free_list(t->columns[i].pointers, t->columns[i].n_pointers);
		cJSON_Delete(t->columns[i].default_value);
	}
	free(t->columns);
	free_list(t->each, t->n_each);
	free(t->def_col);
}

void manifest_free(struct manifest *m)
{
	size_t i, k;

	if (!m)
		return;
	for (i = 0; i < m->n_rules; i++) {
		struct manifest_rule *r = &m->rules[i];

		free(r->name);
		free_list(r->globs, r->n_globs);
		free(r->glob_prefix);
		free(r->schema_path);
		target_release(&r->main);
		for (k = 0; k < r->n_children; k++)
			target_release(&r->children[k]);
		free(r->children);
		free(r->tables);
	}
	free(m->rules);
	for (i = 0; i < m->n_tables; i++) {
		struct table_def *d = &m->tables[i];

		free((void *)d->name);
		for (k = 0; k < d->n_columns; k++)
			free((void *)d->columns[k].name);
		free((void *)d->columns);
		free_list((char **)d->key, d->n_key);
		free_list((char **)d->indexes, d->n_indexes);
	}
	free(m->tables);
	free_list(m->ignore, m->n_ignore);
	free_list(m->files, m->n_files);
	free(m->path);
	free(m->dir);
	free(m);
}

const struct manifest_rule *manifest_classify(const struct manifest *m,
					      const char *relpath)
{
	size_t i, g;

	for (i = 0; i < m->n_rules; i++) {
		const struct manifest_rule *r = &m->rules[i];

		for (g = 0; g < r->n_globs; g++)
			if (strncmp(relpath, r->globs[g], r->glob_prefix[g]) == 0 &&
			    glob_match_flags(r->globs[g], relpath,
					     r->ignore_case ? GLOB_ICASE : 0))
				return r;
	}
	return NULL;
}

int manifest_ignored(const struct manifest *m, const char *relpath)
{
	size_t i;

	for (i = 0; i < m->n_ignore; i++)
		if (glob_match(m->ignore[i], relpath))
			return 1;
	return 0;
}

static int has_manifest(const char *dir)
{
	char f[PATH_MAX];
	struct stat st;

	snprintf(f, sizeof(f), "%s/migration.json", dir);
	return stat(f, &st) == 0 && S_ISREG(st.st_mode);
}

const char *manifest_default_dir(char *buf, size_t size, struct error *err)
{
	const char *env = getenv("WSMIGRATE_DEFAULT_SCHEMA");
	char exe[PATH_MAX], *slash;
	ssize_t n;

	if (env && *env) {
		snprintf(buf, size, "%s", env);
		return buf;
	}
	if (has_manifest(WSM_SHAREDIR "/schema")) {
		snprintf(buf, size, "%s", WSM_SHAREDIR "/schema");
		return buf;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			/* a checkout (./wsmigrate beside schema/), then an
			 * installation under another PREFIX than compiled for */
			snprintf(buf, size, "%s/schema", exe);
			if (has_manifest(buf))
				return buf;
			snprintf(buf, size, "%s/../share/wsmigrate/schema", exe);
			if (has_manifest(buf))
				return buf;
		}
	}
	error_set(err, ERR_USAGE,
		  "cannot find the default manifest for \"extends\": \"default\": set WSMIGRATE_DEFAULT_SCHEMA to the folder holding it (tried %s/schema and the folder of the executable)",
		  WSM_SHAREDIR);
	return NULL;
}

const char *manifest_find_dir(const char *flag, char *buf, size_t size,
			      struct error *err)
{
	const char *env = getenv("WSMIGRATE_SCHEMA");
	struct stat st;

	if (flag && *flag) {
		if (stat(flag, &st) < 0) {
			error_set(err, ERR_USAGE, "schema folder '%s': %s", flag,
				  strerror(errno));
			return NULL;
		}
		snprintf(buf, size, "%s", flag);
		return buf;
	}
	if (env && *env) {
		snprintf(buf, size, "%s", env);
		return buf;
	}
	if (has_manifest("schema")) {
		snprintf(buf, size, "schema");
		return buf;
	}
	if (has_manifest(WSM_SHAREDIR "/schema")) {
		snprintf(buf, size, "%s", WSM_SHAREDIR "/schema");
		return buf;
	}
	/* installed with another PREFIX than compiled for: BIN/../share/... */
	{
		char exe[PATH_MAX], *slash;
		ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

		if (n > 0) {
			exe[n] = '\0';
			slash = strrchr(exe, '/');
			if (slash) {
				*slash = '\0';
				snprintf(buf, size, "%s/../share/wsmigrate/schema", exe);
				if (has_manifest(buf))
					return buf;
			}
		}
	}
	error_set(err, ERR_USAGE,
		  "no manifest found: give --schema DIR, set WSMIGRATE_SCHEMA, or run from a folder with schema/migration.json");
	return NULL;
}
