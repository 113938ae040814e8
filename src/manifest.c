/*
 * manifest.c - loads schema/migration.json, checks every entry (reporting
 * the JSON Pointer of a bad one), and merges the tables that rules share.
 * It does not validate documents or map them: see jsonschema.c and map.c.
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
#include "jsonread.h"
#include "util.h"

#define MANIFEST_MAX_BYTES (16u << 20)

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

static int parse_column(struct mctx *c, const cJSON *v, const char *ptr,
			int is_child, struct manifest_column *col)
{
	static const char *const allowed[] = {
		"name", "type", "pointer", "from_path", "from", "required",
		"default", "description", NULL
	};
	const cJSON *name, *type, *ptrs, *fp, *from, *req, *def;
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
	type = cJSON_GetObjectItemCaseSensitive(v, "type");
	snprintf(p, sizeof(p), "%s/type", ptr);
	if (!cJSON_IsString(type) || col_type_parse(type->valuestring, &col->type))
		return bad(c, p, "\"type\" must be one of text, integer, real, boolean, timestamp, json");
	ptrs = cJSON_GetObjectItemCaseSensitive(v, "pointer");
	if (ptrs) {
		snprintf(p, sizeof(p), "%s/pointer", ptr);
		if (string_list(c, ptrs, p, 0, &col->pointers, &col->n_pointers))
			return ERR_USAGE;
		for (i = 0; i < col->n_pointers; i++) {
			if (!util_json_pointer_valid(col->pointers[i])) {
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
			return bad(c, p, "\"from_path\" must be \"segment:N\", \"stem\", \"name\", \"path\" or \"dir\"");
	}
	from = cJSON_GetObjectItemCaseSensitive(v, "from");
	if (from) {
		snprintf(p, sizeof(p), "%s/from", ptr);
		if (!is_child)
			return bad(c, p, "\"from\" is only for child tables");
		if (cJSON_IsString(from) && strcmp(from->valuestring, "key") == 0)
			col->from = ELEM_KEY;
		else if (cJSON_IsString(from) && strcmp(from->valuestring, "index") == 0)
			col->from = ELEM_INDEX;
		else
			return bad(c, p, "\"from\" must be \"key\" or \"index\"");
	}
	req = cJSON_GetObjectItemCaseSensitive(v, "required");
	if (req) {
		snprintf(p, sizeof(p), "%s/required", ptr);
		if (!cJSON_IsBool(req))
			return bad(c, p, "\"required\" must be true or false");
		col->required = cJSON_IsTrue(req);
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
			const cJSON *cols, const char *cols_ptr, int is_child,
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
		if (parse_column(c, it, p, is_child, &t->columns[k]))
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
		return ERR_USAGE;
	for (i = 0; i < *n; i++) {
		for (j = 0; j < t->n_columns; j++)
			if (strcmp(t->columns[j].name, (*out)[i]) == 0)
				break;
		if (j == t->n_columns) {
			snprintf(p, sizeof(p), "%s/%zu", ptr, i);
			if (cJSON_IsString(v))
				snprintf(p, sizeof(p), "%s", ptr);
			return bad(c, p, "\"%s\" is not a column of table \"%s\"",
				   (*out)[i], t->table);
		}
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

static int resolve_schema(struct mctx *c, struct manifest *m, const char *rel,
			  const char *ptr, char **out)
{
	char buf[PATH_MAX];
	struct stat st;

	if (rel[0] == '/')
		snprintf(buf, sizeof(buf), "%s", rel);
	else
		snprintf(buf, sizeof(buf), "%s/%s", m->dir, rel);
	if (stat(buf, &st) < 0 || !S_ISREG(st.st_mode))
		return bad(c, ptr, "schema file '%s' not found", buf);
	*out = strdup(buf);
	return 0;
}

static int parse_child(struct mctx *c, struct manifest *m, const cJSON *v,
		       const char *ptr, struct manifest_target *t)
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
			 cJSON_GetObjectItemCaseSensitive(v, "columns"), p2, 1, t))
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
			if (!util_json_pointer_valid(t->each[i]))
				return bad(c, p, "\"%s\" is not a JSON Pointer", t->each[i]);
	}
	snprintf(p, sizeof(p), "%s/key", ptr);
	if (key_list(c, cJSON_GetObjectItemCaseSensitive(v, "key"), p, t, &key, &n_key))
		return ERR_USAGE;
	snprintf(p, sizeof(p), "%s/indexes", ptr);
	if (key_list(c, cJSON_GetObjectItemCaseSensitive(v, "indexes"), p, t, &idx, &n_idx)) {
		free_list(key, n_key);
		return ERR_USAGE;
	}
	return merge_target(c, m, t, 1, key, n_key, idx, n_idx, ptr);
}

static int parse_rule(struct mctx *c, struct manifest *m, const cJSON *v,
		      const char *ptr, struct manifest_rule *r)
{
	static const char *const allowed[] = {
		"name", "description", "match", "schema", "table", "key",
		"indexes", "columns", "children", NULL
	};
	const cJSON *name, *match, *schema, *children, *it;
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
	match = cJSON_GetObjectItemCaseSensitive(v, "match");
	snprintf(p, sizeof(p), "%s/match", ptr);
	if (!match)
		return bad(c, ptr, "rule \"%s\" needs \"match\"", r->name);
	if (string_list(c, match, p, 0, &r->globs, &r->n_globs))
		return ERR_USAGE;
	r->glob_prefix = calloc(r->n_globs, sizeof(size_t));
	if (!r->glob_prefix)
		return bad(c, p, "out of memory");
	for (i = 0; i < r->n_globs; i++) {
		if (glob_check(r->globs[i], why, sizeof(why))) {
			if (cJSON_IsArray(match))
				snprintf(p, sizeof(p), "%s/match/%zu", ptr, i);
			return bad(c, p, "bad glob \"%s\": %s", r->globs[i], why);
		}
		/* the literal head lets classify skip most globs with one compare */
		r->glob_prefix[i] = strcspn(r->globs[i], "*?[\\");
	}
	schema = cJSON_GetObjectItemCaseSensitive(v, "schema");
	if (schema) {
		snprintf(p, sizeof(p), "%s/schema", ptr);
		if (!cJSON_IsString(schema))
			return bad(c, p, "\"schema\" must be a file name");
		if (resolve_schema(c, m, schema->valuestring, p, &r->schema_path))
			return ERR_USAGE;
	}
	snprintf(p, sizeof(p), "%s/table", ptr);
	snprintf(p2, sizeof(p2), "%s/columns", ptr);
	if (!cJSON_GetObjectItemCaseSensitive(v, "table"))
		return bad(c, ptr, "rule \"%s\" needs \"table\"", r->name);
	if (parse_target(c, cJSON_GetObjectItemCaseSensitive(v, "table"), p,
			 cJSON_GetObjectItemCaseSensitive(v, "columns"), p2, 0, &r->main))
		return ERR_USAGE;
	snprintf(p, sizeof(p), "%s/key", ptr);
	if (key_list(c, cJSON_GetObjectItemCaseSensitive(v, "key"), p, &r->main, &key, &n_key))
		return ERR_USAGE;
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
			if (parse_child(c, m, it, p, &r->children[k]))
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

static int manifest_parse(struct mctx *c, struct manifest *m, const cJSON *root)
{
	static const char *const allowed[] = {
		"$schema", "$comment", "version", "description", "ignore", "rules", NULL
	};
	const cJSON *ver, *rules, *ign, *it;
	char p[ERROR_PTR_MAX], why[256];
	size_t k = 0, i;

	if (!cJSON_IsObject(root))
		return bad(c, "", "the manifest must be a JSON object");
	if (check_keys(c, root, "", allowed))
		return ERR_USAGE;
	ver = cJSON_GetObjectItemCaseSensitive(root, "version");
	if (!cJSON_IsNumber(ver) || ver->valuedouble != 1)
		return bad(c, "/version", "\"version\" must be 1");
	ign = cJSON_GetObjectItemCaseSensitive(root, "ignore");
	if (ign) {
		if (string_list(c, ign, "/ignore", 1, &m->ignore, &m->n_ignore))
			return ERR_USAGE;
		for (i = 0; i < m->n_ignore; i++) {
			if (glob_check(m->ignore[i], why, sizeof(why))) {
				snprintf(p, sizeof(p), "/ignore/%zu", i);
				return bad(c, p, "bad glob \"%s\": %s", m->ignore[i], why);
			}
		}
	}
	rules = cJSON_GetObjectItemCaseSensitive(root, "rules");
	if (!cJSON_IsArray(rules) || cJSON_GetArraySize(rules) == 0)
		return bad(c, "/rules", "\"rules\" must be a non-empty array");
	m->rules = calloc((size_t)cJSON_GetArraySize(rules), sizeof(*m->rules));
	if (!m->rules)
		return bad(c, "/rules", "out of memory");
	cJSON_ArrayForEach(it, rules) {
		snprintf(p, sizeof(p), "/rules/%zu", k);
		m->n_rules = k + 1;
		if (parse_rule(c, m, it, p, &m->rules[k]))
			return ERR_USAGE;
		k++;
	}
	link_targets(m);
	return 0;
}

int manifest_load(const char *path, struct manifest **out, struct error *err)
{
	struct manifest *m = NULL;
	struct mctx c;
	struct stat st;
	char file[PATH_MAX], *slash;
	char *buf = NULL;
	size_t len = 0;
	cJSON *root = NULL;
	int rc;

	*out = NULL;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		snprintf(file, sizeof(file), "%s/migration.json", path);
	else
		snprintf(file, sizeof(file), "%s", path);
	rc = util_read_file(file, MANIFEST_MAX_BYTES, &buf, &len, err);
	if (rc) {
		err->code = ERR_USAGE;
		rc = ERR_USAGE;
		error_prefix(err, "cannot load the manifest");
		goto out;
	}
	root = jsonread_parse(buf, len, NULL, err);
	if (!root) {
		err->code = ERR_USAGE;
		snprintf(err->path, sizeof(err->path), "%s", file);
		error_prefix(err, "manifest is not valid JSON");
		rc = ERR_USAGE;
		goto out;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		rc = error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	m->path = strdup(file);
	m->dir = strdup(file);
	slash = strrchr(m->dir, '/');
	if (slash)
		*slash = '\0';
	else
		strcpy(m->dir, ".");
	util_sha256_hex(buf, len, m->sha256);
	c.file = file;
	c.err = err;
	rc = manifest_parse(&c, m, root);
	if (rc)
		goto out;
	*out = m;
	m = NULL;
out:
	manifest_free(m);
	cJSON_Delete(root);
	free(buf);
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
			    glob_match(r->globs[g], relpath))
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
