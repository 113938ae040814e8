/*
 * infer/infer.c - `wsmigrate init` without the printing: walk the tree twice
 * (pass 1 groups the paths, pass 2 reads every file and folds it into its
 * group's statistics), name the rules and tables, and write the texts of
 * migration.json and of the schemas.  The command layer (cmd_init.c)
 * writes the files and prints the report.  Deterministic: no clock, no
 * absolute path and no hash order reaches the output.
 */
#include "internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glob.h"
#include "jsonread.h"
#include "jsonschema.h"
#include "util.h"
#include "walk.h"

#define DEFAULT_MAX_FILE (64u << 20)
#define DEFAULT_LISTED 200
#define NAME_MAX_LEN 48
#define INLINE_WIDTH 120

const char *const infer_default_ignore[] = {
	"**/.git/**",
	"**/node_modules/**",
	"**/__pycache__/**",
	"**/.venv/**",
	"**/venv/**",
	"**/.cache/**",
	"**/package.json",
	"**/package-lock.json",
	"**/npm-shrinkwrap.json",
	"**/*.lock.json",
	"(?i)**/*cookie*.json",
	NULL
};

/* ------------------------------------------------------------ matching */

/* glob_match as the manifest does it: case-insensitive for ignore_case rules. */
static int match_ci(const char *glob, const char *path, int ci)
{
	return glob_match_flags(glob, path, ci ? GLOB_ICASE : 0);
}

int infer_ignored(const char *const *globs, const char *relpath)
{
	size_t i;

	for (i = 0; globs[i]; i++)
		if (glob_match(globs[i], relpath) == 1)
			return 1;
	return 0;
}

/* ------------------------------------------------------------ printing */

static int json_depth(const cJSON *v)
{
	const cJSON *c;
	int d = 0;

	if (!cJSON_IsArray(v) && !cJSON_IsObject(v))
		return 0;
	for (c = v->child; c; c = c->next) {
		int k = json_depth(c);

		if (k > d)
			d = k;
	}
	return d + 1;
}

static void print_scalar(struct strbuf *sb, const cJSON *v)
{
	if (cJSON_IsString(v)) {
		strbuf_add_json_string(sb, v->valuestring, strlen(v->valuestring));
	} else if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;

		char num[40];
		int prec;

		if (d == (double)(long long)d && d < 1e15 && d > -1e15) {
			strbuf_addf(sb, "%lld", (long long)d);
			return;
		}
		/* the shortest text that reads back as the same double */
		for (prec = 1; prec <= 17; prec++) {
			snprintf(num, sizeof(num), "%.*g", prec, d);
			if (strtod(num, NULL) == d)
				break;
		}
		strbuf_addstr(sb, num);
	} else if (cJSON_IsTrue(v)) {
		strbuf_addstr(sb, "true");
	} else if (cJSON_IsFalse(v)) {
		strbuf_addstr(sb, "false");
	} else {
		strbuf_addstr(sb, "null");
	}
}

static void print_inline(struct strbuf *sb, const cJSON *v)
{
	const cJSON *c;
	int obj = cJSON_IsObject(v);

	if (!obj && !cJSON_IsArray(v)) {
		print_scalar(sb, v);
		return;
	}
	strbuf_addstr(sb, obj ? "{" : "[");
	for (c = v->child; c; c = c->next) {
		if (obj) {
			strbuf_add_json_string(sb, c->string, strlen(c->string));
			strbuf_addstr(sb, ": ");
		}
		print_inline(sb, c);
		if (c->next)
			strbuf_addstr(sb, ", ");
	}
	strbuf_addstr(sb, obj ? "}" : "]");
}

static void print_value(struct strbuf *sb, const cJSON *v, int indent, size_t prefix)
{
	const cJSON *c;
	int obj = cJSON_IsObject(v);

	if (!obj && !cJSON_IsArray(v)) {
		print_scalar(sb, v);
		return;
	}
	if (!v->child) {
		strbuf_addstr(sb, obj ? "{}" : "[]");
		return;
	}
	if (indent > 0 && json_depth(v) <= 2) {
		struct strbuf tmp = STRBUF_INIT;

		print_inline(&tmp, v);
		if (!tmp.failed && prefix + tmp.len <= INLINE_WIDTH) {
			strbuf_add(sb, tmp.buf, tmp.len);
			strbuf_release(&tmp);
			return;
		}
		strbuf_release(&tmp);
	}
	strbuf_addstr(sb, obj ? "{\n" : "[\n");
	for (c = v->child; c; c = c->next) {
		size_t start = sb->len, pre;

		strbuf_addf(sb, "%*s", (indent + 1) * 2, "");
		if (obj) {
			strbuf_add_json_string(sb, c->string, strlen(c->string));
			strbuf_addstr(sb, ": ");
		}
		pre = sb->len - start;
		print_value(sb, c, indent + 1, pre);
		strbuf_addstr(sb, c->next ? ",\n" : "\n");
	}
	strbuf_addf(sb, "%*s%s", indent * 2, "", obj ? "}" : "]");
}

char *infer_json_print(const cJSON *v)
{
	struct strbuf sb = STRBUF_INIT;

	print_value(&sb, v, 0, 0);
	strbuf_addstr(&sb, "\n");
	if (sb.failed) {
		strbuf_release(&sb);
		return NULL;
	}
	return sb.buf;
}

/* ------------------------------------------------------------ naming */

/* The readable words of a glob: fixed folder names, then the file's fixed part. */
static size_t glob_parts(const char *glob, char parts[][64], size_t max)
{
	size_t n = 0;
	const char *s = glob;

	while (*s && n < max) {
		size_t len = strcspn(s, "/"), i, o = 0;
		int last = s[len] == '\0', wild = 0;
		char raw[256];

		for (i = 0; i < len && o + 1 < sizeof(raw); i++) {
			if (s[i] == '\\' && i + 1 < len) {
				raw[o++] = s[++i];
			} else if (s[i] == '*' || s[i] == '?') {
				wild = 1;
				raw[o++] = ' ';
			} else {
				raw[o++] = s[i];
			}
		}
		raw[o] = '\0';
		if (last && o >= 5 && !strcmp(raw + o - 5, ".json"))
			raw[o - 5] = '\0';
		if (last || !wild) {
			infer_ident(raw, "", parts[n], 64);
			if (parts[n][0])
				n++;
		}
		s += len;
		if (*s == '/')
			s++;
	}
	/* "jobs/JOB-*", "analysis_chunks/chunk_*": the folder's plural names it */
	if (n >= 2) {
		const char *dw = parts[n - 2], *fw = parts[n - 1];
		size_t a = strlen(dw), b = strlen(fw);

		if (a > b && dw[a - 1] == 's' &&
		    !strncmp(dw + a - 1 - b, fw, b) && (a - 1 == b || dw[a - 2 - b] == '_'))
			n--;
	}
	return n;
}

static void join_parts(char parts[][64], size_t n, size_t k, char *out, size_t size)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i, len;

	for (i = n - k; i < n; i++) {
		if (sb.len)
			strbuf_addstr(&sb, "_");
		strbuf_addstr(&sb, parts[i]);
	}
	snprintf(out, size, "%s", strbuf_str(&sb));
	strbuf_release(&sb);
	len = strlen(out);
	if (len > NAME_MAX_LEN) {
		out[NAME_MAX_LEN] = '\0';
		len = NAME_MAX_LEN;
	}
	while (len > 0 && out[len - 1] == '_')
		out[--len] = '\0';
}

/* A rule's working data between the passes. */
struct wrule {
	struct infer_group *g;
	char name[80];
	struct infer_stats *stats;
	unsigned long files, docs, broken;
	int dropped;
};

static int reserved_table(const char *name)
{
	return !strcmp(name, "documents");
}

/*
 * Rule (and table) names: the last fixed word of each glob, more words
 * from the left where two rules would share a name, then _2, _3.
 */
static void name_rules(struct wrule *r, size_t n)
{
	char (*parts)[8][64] = calloc(n ? n : 1, sizeof(*parts));
	size_t *np = calloc(n ? n : 1, sizeof(*np)), *k = calloc(n ? n : 1, sizeof(*k));
	size_t i, j;
	int changed = 1;

	if (!parts || !np || !k) {
		for (i = 0; i < n; i++)
			snprintf(r[i].name, sizeof(r[i].name), "group_%zu", i + 1);
		goto out;
	}
	for (i = 0; i < n; i++) {
		np[i] = glob_parts(r[i].g->glob, parts[i], 8);
		k[i] = np[i] ? 1 : 0;
	}
	while (changed) {
		changed = 0;
		for (i = 0; i < n; i++) {
			if (np[i])
				join_parts(parts[i], np[i], k[i], r[i].name, sizeof(r[i].name));
			else
				snprintf(r[i].name, sizeof(r[i].name), "root");
		}
		for (i = 0; i < n; i++) {
			int clash = reserved_table(r[i].name);

			for (j = 0; j < n && !clash; j++)
				clash = j != i && !strcmp(r[i].name, r[j].name);
			if (clash && k[i] < np[i]) {
				k[i]++;
				changed = 1;
			}
		}
	}
out:
	/* what is still shared gets a number, in manifest order */
	for (i = 0; i < n; i++) {
		int dup = reserved_table(r[i].name);
		char base[80];
		int num = 2;

		for (j = 0; j < i && !dup; j++)
			dup = !strcmp(r[i].name, r[j].name);
		if (!dup)
			continue;
		snprintf(base, sizeof(base), "%s", r[i].name);
		for (;;) {
			int taken = 0;

			snprintf(r[i].name, sizeof(r[i].name), "%s_%d", base, num++);
			for (j = 0; j < n && !taken; j++)
				taken = j != i && !strcmp(r[i].name, r[j].name);
			if (!taken)
				break;
		}
	}
	free(parts);
	free(np);
	free(k);
}

/* ------------------------------------------------------------ manifest */

static const char *type_name(enum col_type t)
{
	return col_type_name(t);
}

static cJSON *column_json(const struct infer_column *c)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "name", c->name);
	if (c->from_parent) {
		cJSON_AddStringToObject(o, "from", "parent");
		cJSON_AddStringToObject(o, "column", c->name);
		return o;
	}
	cJSON_AddStringToObject(o, "type", type_name(c->type));
	if (c->pointer)
		cJSON_AddStringToObject(o, "pointer", c->pointer);
	if (c->from_path)
		cJSON_AddStringToObject(o, "from_path", c->from_path);
	if (c->from_key)
		cJSON_AddStringToObject(o, "from", "key");
	if (c->key)
		cJSON_AddTrueToObject(o, "required");
	else if (c->pointer)
		cJSON_AddStringToObject(o, "on_error", "null");
	return o;
}

/* "agent_workspaces" -> "agent_workspace": the name of one folder below it. */
static void singular(const char *word, char *out, size_t size)
{
	size_t n = strlen(word);

	if (n > 3 && word[n - 1] == 's' && word[n - 2] != 's')
		n--;
	snprintf(out, size, "%.*s", (int)n, word);
}

/*
 * Columns for the folders that vary: segment i of the glob is '*'.  Named
 * after the fixed folder before it (agent_workspaces -> agent_workspace),
 * else folder_<i+1>; a name the table has already gets "_folder".
 */
static int add_path_columns(struct infer_table *t, const char *glob)
{
	const char *s = glob;
	size_t i = 0, n_new = 0, k;
	char prev[64] = "";
	struct infer_column add[8];

	memset(add, 0, sizeof(add));
	while (*s && n_new < 8) {
		size_t len = strcspn(s, "/");

		if (s[len] == '\0')
			break;      /* the file name */
		if (len == 1 && s[0] == '*') {
			char name[80], base[64], fp[32];
			int taken, num = 2;

			if (prev[0])
				singular(prev, base, sizeof(base));
			else
				snprintf(base, sizeof(base), "folder_%zu", i + 1);
			snprintf(name, sizeof(name), "%s", base);
			do {
				taken = !strcmp(name, "tenant_id");
				for (k = 0; k < t->n_columns && !taken; k++)
					taken = !strcmp(t->columns[k].name, name);
				for (k = 0; k < n_new && !taken; k++)
					taken = !strcmp(add[k].name, name);
				if (taken)
					snprintf(name, sizeof(name), num == 2 ? "%s_folder" : "%s_folder_%d",
						 base, num), num++;
			} while (taken);
			snprintf(fp, sizeof(fp), "segment:%zu", i);
			add[n_new].name = strdup(name);
			add[n_new].from_path = strdup(fp);
			add[n_new].type = COL_TEXT;
			if (!add[n_new].name || !add[n_new].from_path) {
				free(add[n_new].name);
				free(add[n_new].from_path);
				goto oom;
			}
			n_new++;
			prev[0] = '\0';
		} else if (!memchr(s, '*', len) && !memchr(s, '?', len)) {
			char raw[256];

			snprintf(raw, sizeof(raw), "%.*s", (int)len, s);
			infer_ident(raw, "f", prev, sizeof(prev));
		} else {
			prev[0] = '\0';
		}
		s += len + 1;
		i++;
	}
	if (n_new) {
		struct infer_column *nc = realloc(t->columns, (t->n_columns + n_new) * sizeof(*nc));
		size_t at = t->key >= 0 ? 1 : 0;

		if (!nc)
			goto oom;
		t->columns = nc;
		memmove(&nc[at + n_new], &nc[at], (t->n_columns - at) * sizeof(*nc));
		memcpy(&nc[at], add, n_new * sizeof(*nc));
		t->n_columns += n_new;
	}
	return 0;
oom:
	for (k = 0; k < n_new; k++) {
		free(add[k].name);
		free(add[k].from_path);
	}
	return -1;
}

/* Child table names must not meet another table's name. */
static void unique_child_tables(struct infer_table *tabs, size_t n)
{
	size_t i, c, j, d;

	for (i = 0; i < n; i++) {
		for (c = 0; c < tabs[i].n_children; c++) {
			char *name = tabs[i].children[c].table;
			char base[128], cand[160];
			int num = 2, taken;

			if (strlen(name) > 60)
				name[60] = '\0';
			snprintf(base, sizeof(base), "%s", name);
			snprintf(cand, sizeof(cand), "%s", base);
			do {
				taken = reserved_table(cand);
				for (j = 0; j < n && !taken; j++) {
					taken = !strcmp(tabs[j].table, cand);
					for (d = 0; d < tabs[j].n_children && !taken; d++)
						taken = (j != i || d != c) && (j < i || (j == i && d < c)) &&
							!strcmp(tabs[j].children[d].table, cand);
				}
				if (taken)
					snprintf(cand, sizeof(cand), "%.56s_%d", base, num++);
			} while (taken);
			if (strcmp(cand, name)) {
				char *dup = strdup(cand);

				if (dup) {
					free(tabs[i].children[c].table);
					tabs[i].children[c].table = dup;
				}
			}
		}
	}
}

static cJSON *rule_json(const struct wrule *r, const struct infer_table *t, const char *schema_file)
{
	cJSON *o = cJSON_CreateObject(), *arr, *cols;
	struct strbuf desc = STRBUF_INIT;
	size_t i, j;

	if (!o)
		return NULL;
	strbuf_addf(&desc, "%lu file%s", r->files, r->files == 1 ? "" : "s");
	if (r->broken)
		strbuf_addf(&desc, " (%lu not parseable)", r->broken);
	strbuf_addf(&desc, "; %s", r->g->why);
	if (r->g->kind == INFER_GROUP_SINGLE)
		strbuf_addstr(&desc, ", holding an array of objects");
	cJSON_AddStringToObject(o, "name", r->name);
	cJSON_AddStringToObject(o, "description", strbuf_str(&desc));
	strbuf_release(&desc);
	arr = cJSON_AddArrayToObject(o, "match");
	cJSON_AddItemToArray(arr, cJSON_CreateString(r->g->glob));
	if (r->g->ignore_case)
		cJSON_AddTrueToObject(o, "ignore_case");
	cJSON_AddStringToObject(o, "schema", schema_file);
	cJSON_AddStringToObject(o, "table", t->table);
	if (t->key >= 0) {
		arr = cJSON_AddArrayToObject(o, "key");
		cJSON_AddItemToArray(arr, cJSON_CreateString(t->columns[t->key].name));
	}
	cols = cJSON_AddArrayToObject(o, "columns");
	for (i = 0; i < t->n_columns; i++)
		cJSON_AddItemToArray(cols, column_json(&t->columns[i]));
	if (t->n_children) {
		cJSON *ch = cJSON_AddArrayToObject(o, "children");

		for (i = 0; i < t->n_children; i++) {
			const struct infer_child *c = &t->children[i];
			cJSON *co = cJSON_CreateObject(), *cc;

			cJSON_AddItemToArray(ch, co);
			cJSON_AddStringToObject(co, "table", c->table);
			cJSON_AddStringToObject(co, "each", c->each);
			cc = cJSON_AddArrayToObject(co, "columns");
			for (j = 0; j < c->n_columns; j++)
				cJSON_AddItemToArray(cc, column_json(&c->columns[j]));
		}
	}
	return o;
}

static cJSON *catch_all_json(void)
{
	cJSON *o = cJSON_CreateObject(), *cols, *c;
	static const char *const cdef[3][2] = {
		{ "kind", "kind" }, { "folder", "dir" }, { "name", "name" }
	};
	int i;

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "name", "documents");
	cJSON_AddStringToObject(o, "description",
				"Every JSON file that no rule above takes: the whole document, "
				"with a kind derived from its path (last folder and file stem, "
				"digits as #), its folder and its name.");
	cJSON_AddTrueToObject(o, "catch_all");
	cJSON_AddStringToObject(o, "table", "documents");
	cJSON_AddItemToObject(o, "indexes", cJSON_CreateStringArray((const char *const[]){ "kind" }, 1));
	cols = cJSON_AddArrayToObject(o, "columns");
	for (i = 0; i < 3; i++) {
		c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "name", cdef[i][0]);
		cJSON_AddStringToObject(c, "type", "text");
		cJSON_AddStringToObject(c, "from_path", cdef[i][1]);
		cJSON_AddItemToArray(cols, c);
	}
	return o;
}

/* ------------------------------------------------------------ result lists */

static int list_add(struct infer_listed **list, size_t *n, size_t max, const char *path,
		    const char *reason)
{
	struct infer_listed *nl;

	if (*n >= max)
		return 0;
	nl = realloc(*list, (*n + 1) * sizeof(*nl));
	if (!nl)
		return -1;
	*list = nl;
	nl[*n].path = strdup(path);
	nl[*n].reason = reason ? strdup(reason) : NULL;
	if (!nl[*n].path || (reason && !nl[*n].reason)) {
		free(nl[*n].path);
		free(nl[*n].reason);
		return -1;
	}
	(*n)++;
	return 0;
}

static void list_free(struct infer_listed *l, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(l[i].path);
		free(l[i].reason);
	}
	free(l);
}

void infer_result_release(struct infer_result *r)
{
	size_t i, j;

	if (!r)
		return;
	free(r->tree_root);
	free(r->manifest_text);
	for (i = 0; i < r->n_rules; i++) {
		struct infer_rule_out *o = &r->rules[i];

		free(o->name);
		free(o->glob);
		free(o->why);
		free(o->schema_file);
		free(o->schema_text);
		free(o->key);
		for (j = 0; j < o->n_children; j++) {
			free(o->children[j].table);
			free(o->children[j].each);
		}
		free(o->children);
	}
	free(r->rules);
	list_free(r->ungrouped_list, r->n_ungrouped_list);
	list_free(r->broken_list, r->n_broken_list);
	memset(r, 0, sizeof(*r));
}

/* ------------------------------------------------------------ the passes */

/* Read and strictly parse one file: the tree, or NULL with the reason in err. */
static cJSON *read_doc(const char *abspath, const char *relpath, size_t max,
		       char **buf, size_t *len, struct error *err)
{
	struct jsonread_opts jo = { 0, relpath, NULL };

	*buf = NULL;
	if (util_read_file(abspath, max, buf, len, err))
		return NULL;
	return jsonread_parse(*buf, *len, &jo, err);
}

/* A SINGLE group stays when one of its files holds a big array of objects. */
static int single_keeps(const char *root, const struct infer_group *g, size_t max)
{
	int i, keep = 0;

	for (i = 0; i < 2 && !keep; i++) {
		struct strbuf p = STRBUF_INIT;
		struct error e;
		char *buf = NULL;
		size_t len;
		cJSON *doc;

		if (!g->examples[i])
			continue;
		strbuf_addf(&p, "%s/%s", root, g->examples[i]);
		doc = p.failed ? NULL : read_doc(p.buf, g->examples[i], max, &buf, &len, &e);
		if (doc && infer_doc_array_rows(doc) >= INFER_MIN_ARRAY_ROWS)
			keep = 1;
		cJSON_Delete(doc);
		free(buf);
		strbuf_release(&p);
	}
	return keep;
}

/* ------------------------------------------------------------ alike families */

#define SIG_MAX 64

/* The top-level member names of a document (for an array, of its first object). */
struct sig {
	char *k[SIG_MAX];
	size_t n;
};

static void sig_release(struct sig *g)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		free(g->k[i]);
	g->n = 0;
}

static int sig_add(struct sig *g, const char *prefix, const char *key)
{
	char buf[300];
	size_t i;

	snprintf(buf, sizeof(buf), "%s%s", prefix, key);
	for (i = 0; i < g->n; i++)
		if (!strcmp(g->k[i], buf))
			return 0;
	if (g->n == SIG_MAX)
		return 0;
	return (g->k[g->n++] = strdup(buf)) ? 0 : -1;
}

static int sig_of_file(const char *root, const char *rel, size_t max, struct sig *g)
{
	struct strbuf p = STRBUF_INIT;
	struct error e;
	char *buf = NULL;
	size_t len;
	cJSON *doc, *it, *obj;
	const char *prefix = "";
	int rc = 0;

	strbuf_addf(&p, "%s/%s", root, rel);
	doc = p.failed ? NULL : read_doc(p.buf, rel, max, &buf, &len, &e);
	strbuf_release(&p);
	free(buf);
	if (!doc)
		return 0;
	obj = doc;
	if (cJSON_IsArray(doc)) {
		rc = sig_add(g, "", "[]");
		prefix = "[]/";
		for (obj = doc->child; obj && !cJSON_IsObject(obj); obj = obj->next)
			;
	}
	if (obj && cJSON_IsObject(obj))
		for (it = obj->child; it && !rc; it = it->next)
			rc = sig_add(g, prefix, it->string);
	cJSON_Delete(doc);
	return rc;
}

/* Jaccard similarity of two signatures, in percent (0 when either is empty). */
static unsigned sig_alike(const struct sig *a, const struct sig *b)
{
	size_t i, j, common = 0;

	if (!a->n || !b->n)
		return 0;
	for (i = 0; i < a->n; i++)
		for (j = 0; j < b->n; j++)
			if (!strcmp(a->k[i], b->k[j])) {
				common++;
				break;
			}
	return (unsigned)(common * 100 / (a->n + b->n - common));
}

/* Split "dir/P*S.json" into dir, P and S (escaped glob text); -1 when not that form. */
static int split_family(const char *glob, char *dir, char *pre, char *suf, size_t size)
{
	const char *file = strrchr(glob, '/'), *star = NULL, *p;
	size_t dl = file ? (size_t)(file - glob) : 0, fl;

	file = file ? file + 1 : glob;
	for (p = file; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			continue;
		}
		if (*p == '*' || *p == '?' || *p == '[') {
			if (*p != '*' || star)
				return -1;
			star = p;
		}
	}
	fl = strlen(file);
	if (!star || fl < 5 || strcmp(file + fl - 5, ".json") || dl >= size || fl >= size)
		return -1;
	snprintf(dir, size, "%.*s", (int)dl, glob);
	snprintf(pre, size, "%.*s", (int)(star - file), file);
	snprintf(suf, size, "%.*s", (int)(file + fl - 5 - (star + 1)), star + 1);
	return 0;
}

static int is_name_sep(char c)
{
	return c == '_' || c == '-' || c == '.' || c == ' ';
}

static int cmp_group_glob(const void *a, const void *b)
{
	return infer_glob_cmp(((const struct infer_group *)a)->glob,
			      ((const struct infer_group *)b)->glob);
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static void drop_group(struct infer_group *g)
{
	free(g->glob);
	free(g->why);
	free(g->examples[0]);
	free(g->examples[1]);
	memset(g, 0, sizeof(*g));
}

/*
 * Name families of one folder whose documents look alike (top-level
 * members of their example files, Jaccard >= 60%) are one kind of
 * document named after something that varies: "inbox/...-zoe.json",
 * "inbox/...-omar.json".  Merge them under their common glob (the fixed
 * part they share), into an existing group of that glob if there is one.
 * Families whose documents differ (msg_, sync_, task_) stay apart.
 */
static int merge_alike_families(const char *root, struct infer_group *g, size_t *n, size_t max)
{
	struct sig *sg = calloc(*n ? *n : 1, sizeof(*sg));
	char (*dir)[512] = calloc(*n ? *n : 1, sizeof(*dir));
	char (*pre)[512] = calloc(*n ? *n : 1, sizeof(*pre));
	char (*suf)[512] = calloc(*n ? *n : 1, sizeof(*suf));
	int *fam = calloc(*n ? *n : 1, sizeof(*fam));
	char *mark = calloc(*n ? *n : 1, 1);
	size_t i, j, k, n0 = *n;
	int rc = -1;

	if (!sg || !dir || !pre || !suf || !fam || !mark)
		goto out;
	for (i = 0; i < *n; i++) {
		if ((g[i].kind != INFER_GROUP_FAMILY && g[i].kind != INFER_GROUP_AFFIX) ||
		    split_family(g[i].glob, dir[i], pre[i], suf[i], sizeof(dir[i])) ||
		    (!pre[i][0] && !suf[i][0]))
			continue;
		fam[i] = 1;
		for (k = 0; k < 2; k++)
			if (g[i].examples[k] && sig_of_file(root, g[i].examples[k], max, &sg[i]))
				goto out;
	}
	for (i = 0; i < *n; i++) {
		size_t members = 0, plen, slen;
		char glob[1200], why[1400], *cut, *nglob, *nwhy, *e0, *e1;
		struct infer_group *into = NULL;
		const char *ex1 = NULL;

		if (!fam[i])
			continue;
		/* the cluster of i: later families of its folder with alike documents */
		plen = strlen(pre[i]);
		slen = strlen(suf[i]);
		for (j = i; j < *n; j++) {
			size_t a, b, sl = strlen(suf[j]);

			mark[j] = fam[j] && !strcmp(dir[i], dir[j]) &&
				  (j == i || sig_alike(&sg[i], &sg[j]) >= 60);
			if (!mark[j])
				continue;
			members++;
			if (j != i && !ex1)
				ex1 = g[j].examples[0];
			for (a = 0; a < plen && pre[j][a] == pre[i][a]; a++)
				;
			for (b = 0; b < slen && b < sl && suf[j][sl - 1 - b] == suf[i][strlen(suf[i]) - 1 - b]; b++)
				;
			plen = a;
			slen = b;
		}
		if (members < 2) {
			fam[i] = 0;
			continue;
		}
		/* the shared fixed part, cut at word boundaries */
		while (plen > 0 && !is_name_sep(pre[i][plen - 1]))
			plen--;
		while (slen > 0 && !is_name_sep(suf[i][strlen(suf[i]) - slen]))
			slen--;
		snprintf(glob, sizeof(glob), "%s%s%.*s*%s.json", dir[i], dir[i][0] ? "/" : "",
			 (int)plen, pre[i], suf[i] + strlen(suf[i]) - slen);
		/* an existing group of that glob takes them all, else i does */
		for (k = 0; k < *n && !into; k++)
			if (g[k].glob && !mark[k] && !strcmp(g[k].glob, glob))
				into = &g[k];
		snprintf(why, sizeof(why), "%s", g[i].why);
		if ((cut = strstr(why, "file names ")) != NULL)
			*cut = '\0';
		else if (why[0])
			strcat(why, "; ");
		snprintf(why + strlen(why), sizeof(why) - strlen(why),
			 "file names vary, %zu name patterns hold alike documents (e.g. %s, %s)",
			 members, base_name(g[i].examples[0]), ex1 ? base_name(ex1) : "");
		nglob = strdup(glob);
		nwhy = strdup(why);
		e0 = strdup(g[i].examples[0]);
		e1 = ex1 ? strdup(ex1) : NULL;
		if (!nglob || !nwhy || !e0 || (ex1 && !e1)) {
			free(nglob);
			free(nwhy);
			free(e0);
			free(e1);
			goto out;
		}
		if (!into) {
			into = &g[i];
			mark[i] = 0;
		}
		for (j = i; j < *n; j++) {
			if (!mark[j])
				continue;
			into->files += g[j].files;
			into->ignore_case |= g[j].ignore_case;
			fam[j] = 0;
			drop_group(&g[j]);
		}
		fam[i] = 0;
		free(into->glob);
		free(into->why);
		free(into->examples[0]);
		free(into->examples[1]);
		into->glob = nglob;
		into->why = nwhy;
		into->examples[0] = e0;
		into->examples[1] = e1;
		into->kind = INFER_GROUP_FAMILY;
		into->tiny = 0;
	}
	/* compact and restore the manifest order */
	for (i = k = 0; i < *n; i++)
		if (g[i].glob)
			g[k++] = g[i];
	*n = k;
	if (*n > 1)
		qsort(g, *n, sizeof(*g), cmp_group_glob);
	rc = 0;
out:
	if (sg)
		for (i = 0; i < n0; i++)
			sig_release(&sg[i]);
	free(sg);
	free(dir);
	free(pre);
	free(suf);
	free(fam);
	free(mark);
	return rc;
}

/* The segments of a glob, split in place in buf; returns how many (at most max). */
static size_t glob_segments(const char *glob, char *buf, size_t size, char **seg, size_t max)
{
	size_t n = 0;
	char *p;

	snprintf(buf, size, "%s", glob);
	for (p = buf; n < max; ) {
		seg[n++] = p;
		p = strchr(p, '/');
		if (!p)
			break;
		*p++ = '\0';
	}
	return n;
}

static int literal_segment(const char *s)
{
	return !strpbrk(s, "*?[\\");
}

/*
 * Groups whose globs differ in one fixed folder name below the top level,
 * with the same file part and alike documents (the channels "données" and
 * "営業" under chat/), hold one kind of document in folders named after
 * something that varies: merge them under '*' there.  Top-level folders
 * are the tree's separate areas and are never merged this way.
 */
static int merge_alike_folders(const char *root, struct infer_group *g, size_t *n, size_t max)
{
	struct sig *sg = calloc(*n ? *n : 1, sizeof(*sg));
	char *mark = calloc(*n ? *n : 1, 1);
	size_t i, j, k, n0 = *n;
	int rc = -1;

	if (!sg || !mark)
		goto out;
	for (i = 0; i < *n; i++)
		for (k = 0; k < 2; k++)
			if (g[i].examples[k] && sig_of_file(root, g[i].examples[k], max, &sg[i]))
				goto out;
	for (i = 0; i < *n; i++) {
		char bi[1024], bj[1024], *si[32], *sj[32], glob[1100], why[1400], *cut;
		size_t ni, nj, d = 0, members = 0, m;
		struct infer_group *into = NULL;
		const char *ex1 = NULL;
		char *nglob, *nwhy, *e0, *e1;

		if (!g[i].glob || g[i].kind == INFER_GROUP_SINGLE)
			continue;
		ni = glob_segments(g[i].glob, bi, sizeof(bi), si, 32);
		memset(mark, 0, *n);
		for (j = i + 1; j < *n; j++) {
			size_t diff = 0, at = 0;

			if (!g[j].glob || g[j].kind == INFER_GROUP_SINGLE ||
			    sig_alike(&sg[i], &sg[j]) < 60)
				continue;
			nj = glob_segments(g[j].glob, bj, sizeof(bj), sj, 32);
			if (nj != ni || ni < 3)
				continue;
			for (m = 0; m < ni; m++)
				if (strcmp(si[m], sj[m])) {
					diff++;
					at = m;
				}
			if (diff != 1 || at == 0 || at == ni - 1 ||
			    !literal_segment(si[at]) || !literal_segment(sj[at]) || (d && at != d))
				continue;
			d = at;
			mark[j] = 1;
			members++;
			if (!ex1)
				ex1 = g[j].examples[0];
		}
		if (!members)
			continue;
		glob[0] = '\0';
		for (m = 0; m < ni; m++)
			snprintf(glob + strlen(glob), sizeof(glob) - strlen(glob), "%s%s",
				 m ? "/" : "", m == d ? "*" : si[m]);
		for (k = 0; k < *n && !into; k++)
			if (g[k].glob && k != i && !mark[k] && !strcmp(g[k].glob, glob))
				into = &g[k];
		snprintf(why, sizeof(why), "%s", g[i].why);
		if ((cut = strstr(why, "file names ")) != NULL || (cut = strstr(why, "the same file")) != NULL) {
			char rest[700];

			snprintf(rest, sizeof(rest), "%s", cut);
			char other[256] = "";

			if (ex1) {
				const char *q = ex1;

				for (m = 0; m < d && q; m++)
					if ((q = strchr(q, '/')) != NULL)
						q++;
				if (q)
					snprintf(other, sizeof(other), ", %.*s", (int)strcspn(q, "/"), q);
			}
			snprintf(cut, sizeof(why) - (size_t)(cut - why),
				 "folder names vary in segment %zu (%zu folders of alike documents, e.g. %s%s); %s",
				 d + 1, members + 1, si[d], other, rest);
		} else {
			snprintf(why + strlen(why), sizeof(why) - strlen(why),
				 "%sfolder names vary in segment %zu (%zu folders of alike documents)",
				 why[0] ? "; " : "", d + 1, members + 1);
		}
		nglob = strdup(glob);
		nwhy = strdup(why);
		e0 = strdup(g[i].examples[0]);
		e1 = ex1 ? strdup(ex1) : NULL;
		if (!nglob || !nwhy || !e0 || (ex1 && !e1)) {
			free(nglob);
			free(nwhy);
			free(e0);
			free(e1);
			goto out;
		}
		if (!into)
			into = &g[i];
		else
			mark[i] = 1;
		for (j = i; j < *n; j++) {
			if (!mark[j] || &g[j] == into)
				continue;
			into->files += g[j].files;
			into->ignore_case |= g[j].ignore_case;
			drop_group(&g[j]);
		}
		free(into->glob);
		free(into->why);
		free(into->examples[0]);
		free(into->examples[1]);
		into->glob = nglob;
		into->why = nwhy;
		into->examples[0] = e0;
		into->examples[1] = e1;
		into->tiny = 0;
	}
	for (i = k = 0; i < *n; i++)
		if (g[i].glob)
			g[k++] = g[i];
	*n = k;
	if (*n > 1)
		qsort(g, *n, sizeof(*g), cmp_group_glob);
	rc = 0;
out:
	if (sg)
		for (i = 0; i < n0; i++)
			sig_release(&sg[i]);
	free(sg);
	free(mark);
	return rc;
}

static int pass1(const struct infer_opts *o, struct infer_group **groups, size_t *n_groups,
		 unsigned long *ignored, char **root, struct error *err)
{
	struct walk *w = NULL;
	struct infer_paths *p = NULL;
	struct walk_entry we;
	int rc, more;

	if ((rc = walk_open(o->tree, &w, err)))
		return rc;
	if (o->exclude && (rc = walk_exclude(w, o->exclude, err))) {
		walk_close(w);
		return rc;
	}
	if (!(*root = strdup(walk_root(w)))) {
		walk_close(w);
		return error_set(err, ERR_IO, "out of memory");
	}
	if (!(p = infer_paths_new())) {
		walk_close(w);
		return error_set(err, ERR_IO, "out of memory");
	}
	while ((more = walk_next(w, &we, err)) > 0) {
		if (we.kind != WALK_FILE)
			continue;
		if (infer_ignored(infer_default_ignore, we.relpath)) {
			(*ignored)++;
			continue;
		}
		if ((rc = infer_paths_add(p, we.relpath, err)))
			goto out;
	}
	if (more < 0) {
		rc = err->code ? (int)err->code : ERR_IO;
		goto out;
	}
	*ignored += (unsigned long)walk_ignored(w);
	rc = infer_paths_finish(p, groups, n_groups, err);
out:
	infer_paths_free(p);
	walk_close(w);
	return rc;
}

static int cmp_wrule_files(const void *a, const void *b)
{
	const struct wrule *x = a, *y = b;

	if (x->g->files != y->g->files)
		return x->g->files > y->g->files ? -1 : 1;
	return infer_glob_cmp(x->g->glob, y->g->glob);
}

static int cmp_wrule_glob(const void *a, const void *b)
{
	const struct wrule *x = a, *y = b;

	return infer_glob_cmp(x->g->glob, y->g->glob);
}

static int pass2(const struct infer_opts *o, struct wrule *r, size_t n, struct infer_result *res,
		 struct error *err)
{
	size_t max = o->max_file_size ? o->max_file_size : DEFAULT_MAX_FILE;
	size_t listed = o->max_listed ? o->max_listed : DEFAULT_LISTED;
	struct walk *w = NULL;
	struct walk_entry we;
	int rc, more;

	if ((rc = walk_open(o->tree, &w, err)))
		return rc;
	if (o->exclude && (rc = walk_exclude(w, o->exclude, err))) {
		walk_close(w);
		return rc;
	}
	while ((more = walk_next(w, &we, err)) > 0) {
		struct error e;
		char *buf = NULL, line[ERROR_MSG_MAX + 64];
		size_t len, i, gi = n;
		cJSON *doc;

		if (we.kind == WALK_LINK_OUTSIDE || we.kind == WALK_LINK_DIR ||
		    we.kind == WALK_LINK_FILE)
			continue;
		if (infer_ignored(infer_default_ignore, we.relpath))
			continue;
		res->files++;
		for (i = 0; i < n && gi == n; i++) {
			if (match_ci(r[i].g->glob, we.relpath, r[i].g->ignore_case) == 1)
				gi = i;
		}
		if (gi < n)
			r[gi].files++;
		error_clear(&e);
		if (we.kind == WALK_ERROR) {
			snprintf(e.msg, sizeof(e.msg), "%s", we.error ? we.error : "cannot read");
			doc = NULL;
		} else {
			doc = read_doc(we.abspath, we.relpath, max, &buf, &len, &e);
		}
		if (!doc) {
			if (e.code == ERR_IO && !strcmp(e.msg, "out of memory")) {
				free(buf);
				goto oom;
			}
			res->broken++;
			e.path[0] = '\0';
			if (gi < n)
				r[gi].broken++;
			else
				res->ungrouped++;
			if (list_add(&res->broken_list, &res->n_broken_list, listed, we.relpath,
				     error_format(&e, line, sizeof(line))) ||
			    (gi == n && list_add(&res->ungrouped_list, &res->n_ungrouped_list,
						 listed, we.relpath, NULL))) {
				free(buf);
				goto oom;
			}
			free(buf);
			continue;
		}
		res->parseable++;
		if (gi < n) {
			size_t skip;
			const char *raw = jsonread_skip_bom(buf, len, &skip);

			r[gi].docs++;
			rc = infer_stats_add(r[gi].stats, doc, raw, len - skip, err);
		} else {
			res->ungrouped++;
			rc = list_add(&res->ungrouped_list, &res->n_ungrouped_list, listed,
				      we.relpath, NULL) ? error_set(err, ERR_IO, "out of memory") : 0;
		}
		cJSON_Delete(doc);
		free(buf);
		if (rc)
			goto out;
	}
	rc = more < 0 ? (err->code ? (int)err->code : ERR_IO) : 0;
out:
	walk_close(w);
	return rc;
oom:
	walk_close(w);
	return error_set(err, ERR_IO, "out of memory");
}

/* ------------------------------------------------------------ infer_run */

static int fill_rule_out(struct infer_rule_out *ro, const struct wrule *r,
			 const struct infer_table *t, char *schema_text)
{
	size_t i;

	ro->name = strdup(r->name);
	ro->glob = strdup(r->g->glob);
	ro->why = strdup(r->g->why);
	ro->schema_text = schema_text;
	ro->files = r->files;
	ro->docs = r->docs;
	ro->n_columns = t->n_columns;
	if (t->key >= 0)
		ro->key = strdup(t->columns[t->key].name);
	{
		struct strbuf sb = STRBUF_INIT;

		strbuf_addf(&sb, "%s.schema.json", r->name);
		ro->schema_file = sb.failed ? NULL : sb.buf;
	}
	if (t->n_children) {
		ro->children = calloc(t->n_children, sizeof(*ro->children));
		if (!ro->children)
			return -1;
		for (i = 0; i < t->n_children; i++) {
			ro->children[i].table = strdup(t->children[i].table);
			ro->children[i].each = strdup(t->children[i].each);
			ro->children[i].rows = t->children[i].rows;
			ro->children[i].n_columns = t->children[i].n_columns;
			ro->n_children++;
			if (!ro->children[i].table || !ro->children[i].each)
				return -1;
		}
	}
	if (!ro->name || !ro->glob || !ro->why || !ro->schema_file ||
	    (t->key >= 0 && !ro->key))
		return -1;
	return 0;
}

int infer_run(const struct infer_opts *o, struct infer_result *res, struct error *err)
{
	struct infer_group *groups = NULL;
	size_t n_groups = 0, n = 0, i, k;
	struct wrule *r = NULL;
	struct infer_table *tabs = NULL;
	cJSON *man = NULL, *rules, *ign;
	size_t max = o->max_file_size ? o->max_file_size : DEFAULT_MAX_FILE;
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = pass1(o, &groups, &n_groups, &res->ignored, &res->tree_root, err)))
		goto out;
	if (merge_alike_families(res->tree_root, groups, &n_groups, max) ||
	    merge_alike_folders(res->tree_root, groups, &n_groups, max))
		goto oom;
	r = calloc(n_groups ? n_groups : 1, sizeof(*r));
	if (!r)
		goto oom;
	for (i = 0; i < n_groups; i++) {
		if (groups[i].tiny && !single_keeps(res->tree_root, &groups[i], max))
			continue;
		r[n++].g = &groups[i];
	}
	/* too many groups: the smallest go to the catch-all */
	if (n > INFER_MAX_GROUPS) {
		qsort(r, n, sizeof(*r), cmp_wrule_files);
		n = INFER_MAX_GROUPS;
		qsort(r, n, sizeof(*r), cmp_wrule_glob);
	}
	for (i = 0; i < n; i++) {
		char parts[8][64];
		size_t np;

		if (!(r[i].stats = infer_stats_new()))
			goto oom;
		np = glob_parts(r[i].g->glob, parts, 8);
		infer_stats_key_hint(r[i].stats, np ? parts[np - 1] : NULL);
	}
	if ((rc = pass2(o, r, n, res, err)))
		goto out;
	/* a group with no parseable file has nothing to describe */
	for (i = k = 0; i < n; i++) {
		if (r[i].docs == 0) {
			res->ungrouped += r[i].files;
			infer_stats_free(r[i].stats);
			continue;
		}
		r[k++] = r[i];
	}
	n = k;
	name_rules(r, n);
	tabs = calloc(n ? n : 1, sizeof(*tabs));
	if (!tabs)
		goto oom;
	for (i = 0; i < n; i++) {
		if ((rc = infer_stats_table(r[i].stats, r[i].name, &tabs[i], err)))
			goto out;
		if (add_path_columns(&tabs[i], r[i].g->glob))
			goto oom;
		res->typed_docs += r[i].docs;
	}
	unique_child_tables(tabs, n);

	/* the manifest, and a schema per rule */
	man = cJSON_CreateObject();
	if (!man)
		goto oom;
	cJSON_AddNumberToObject(man, "version", 1);
	{
		struct strbuf d = STRBUF_INIT;
		unsigned long pct = res->parseable ? res->typed_docs * 100 / res->parseable : 0;

		strbuf_addf(&d, "Inferred by wsmigrate init from %lu JSON file%s: %zu rule%s take %lu "
			    "of the %lu parseable files (%lu%%); the catch-all rule \"documents\" "
			    "takes the rest. Rules are tried in order and the first match wins; "
			    "edit freely.", res->files, res->files == 1 ? "" : "s", n,
			    n == 1 ? "" : "s", res->typed_docs, res->parseable, pct);
		cJSON_AddStringToObject(man, "description", strbuf_str(&d));
		strbuf_release(&d);
	}
	ign = cJSON_AddArrayToObject(man, "ignore");
	for (i = 0; infer_default_ignore[i]; i++)
		cJSON_AddItemToArray(ign, cJSON_CreateString(infer_default_ignore[i]));
	rules = cJSON_AddArrayToObject(man, "rules");
	res->rules = calloc(n ? n : 1, sizeof(*res->rules));
	if (!res->rules || !rules)
		goto oom;
	for (i = 0; i < n; i++) {
		struct strbuf title = STRBUF_INIT, desc = STRBUF_INIT;
		cJSON *schema, *rj;
		char *text;

		strbuf_addf(&title, "%s", r[i].name);
		strbuf_addf(&desc, "Inferred by wsmigrate init from %lu file%s matching %s.",
			    r[i].docs, r[i].docs == 1 ? "" : "s", r[i].g->glob);
		schema = infer_stats_schema(r[i].stats, strbuf_str(&title), strbuf_str(&desc));
		strbuf_release(&title);
		strbuf_release(&desc);
		text = schema ? infer_json_print(schema) : NULL;
		cJSON_Delete(schema);
		if (!text)
			goto oom;
		if (fill_rule_out(&res->rules[i], &r[i], &tabs[i], text)) {
			res->n_rules = i + 1;
			goto oom;
		}
		res->n_rules = i + 1;
		rj = rule_json(&r[i], &tabs[i], res->rules[i].schema_file);
		if (!rj)
			goto oom;
		cJSON_AddItemToArray(rules, rj);
	}
	cJSON_AddItemToArray(rules, catch_all_json());
	if (!(res->manifest_text = infer_json_print(man)))
		goto oom;
	rc = 0;
	goto out;
oom:
	rc = error_set(err, ERR_IO, "out of memory");
out:
	cJSON_Delete(man);
	if (tabs)
		for (i = 0; i < n; i++)
			infer_table_release(&tabs[i]);
	free(tabs);
	if (r)
		for (i = 0; i < n; i++)
			infer_stats_free(r[i].stats);
	free(r);
	infer_groups_free(groups, n_groups);
	if (rc)
		infer_result_release(res);
	return rc;
}

/* ------------------------------------------------------------ fuzzing */

int infer_fuzz_one(const uint8_t *data, size_t len)
{
	struct error e;
	struct infer_stats *s = NULL;
	struct infer_table t;
	struct jsonschema_registry *reg = NULL;
	const struct jsonschema *js;
	cJSON *doc, *schema = NULL;
	int rc = 0;

	memset(&t, 0, sizeof(t));
	t.key = -1;
	doc = jsonread_parse((const char *)data, len, NULL, &e);
	if (!doc)
		return 0;
	s = infer_stats_new();
	{
		size_t skip;
		const char *raw = jsonread_skip_bom((const char *)data, len, &skip);

		if (!s || infer_stats_add(s, doc, raw, len - skip, &e))
			goto out;
	}
	schema = infer_stats_schema(s, "fuzz", NULL);
	if (!schema || infer_stats_table(s, "fuzz", &t, &e))
		goto out;
	reg = jsonschema_registry_new(NULL);
	if (!reg)
		goto out;
	js = jsonschema_compile_json(reg, schema, NULL, &e);
	if (!js || jsonschema_validate(js, doc, NULL) != 0)
		rc = -1;
out:
	jsonschema_registry_free(reg);
	infer_table_release(&t);
	cJSON_Delete(schema);
	infer_stats_free(s);
	cJSON_Delete(doc);
	return rc;
}

/* Walk order of two relative paths, for qsort in infer_fuzz_paths. */
static int cmp_walk_order(const void *pa, const void *pb)
{
	const char *a = *(const char *const *)pa, *b = *(const char *const *)pb;

	return walk_path_cmp(a, strlen(a), b, strlen(b));
}

int infer_fuzz_paths(const uint8_t *data, size_t len)
{
	char *text = malloc(len + 1), *line, *save = NULL, **paths = NULL;
	size_t n = 0, cap = 0, i, ng = 0;
	struct infer_paths *p = NULL;
	struct infer_group *g = NULL;
	struct error e;
	int rc = 0;

	if (!text)
		return 0;
	memcpy(text, data, len);
	text[len] = '\0';
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t l = strlen(line);

		/* what a walk can return: relative, no empty or dot segments, .json */
		if (l < 6 || line[0] == '/' || line[l - 1] == '/' || strstr(line, "//") ||
		    strcasecmp(line + l - 5, ".json") || !strcmp(line, "..") ||
		    strstr(line, "/./") || strstr(line, "/../") || !strncmp(line, "./", 2) ||
		    !strncmp(line, "../", 3))
			continue;
		if (ALLOC_GROW(paths, n + 1, cap))
			goto out;
		paths[n++] = line;
	}
	if (n)
		qsort(paths, n, sizeof(*paths), cmp_walk_order);
	if (!(p = infer_paths_new()))
		goto out;
	for (i = 0; i < n; i++)
		if ((i == 0 || cmp_walk_order(&paths[i - 1], &paths[i]) != 0) &&
		    infer_paths_add(p, paths[i], &e))
			goto out;
	if (infer_paths_finish(p, &g, &ng, &e))
		goto out;
	for (i = 0; i < ng && !rc; i++) {
		char why[256];
		int k;

		if (glob_check(g[i].glob, why, sizeof(why)) != 0)
			rc = -1;
		for (k = 0; k < 2 && !rc; k++)
			if (g[i].examples[k] &&
			    glob_match_flags(g[i].glob, g[i].examples[k],
					     g[i].ignore_case ? GLOB_ICASE : 0) != 1)
				rc = -1;
	}
out:
	infer_groups_free(g, ng);
	infer_paths_free(p);
	free(paths);
	free(text);
	return rc;
}
