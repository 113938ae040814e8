/*
 * rowmap.c - maps a parsed document to typed rows following its manifest rule.
 * It neither reads files nor talks to storage; the pipeline does both.
 * Raw JSON text (json columns, exact integers) is located in the original
 * bytes, never re-printed by cJSON, so nothing loses precision.
 */
#include "rowmap.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jsonpointer.h"
#include "jsonread.h"
#include "tstamp.h"
#include "util.h"

#define ARENA_BLOCK 65536

void rowmap_out_init(struct rowmap_out *out)
{
	memset(out, 0, sizeof(*out));
	out->arena.block_size = ARENA_BLOCK;
}

void rowmap_out_reset(struct rowmap_out *out)
{
	/* one block stays, so a steady state does no mallocs */
	arena_reset(&out->arena);
	out->n_values = 0;
	out->n_rows = 0;
	out->n_warnings = 0;
}

void rowmap_out_release(struct rowmap_out *out)
{
	arena_release(&out->arena);
	free(out->values);
	free(out->rows);
	free(out->warnings);
	memset(out, 0, sizeof(*out));
}

static const char *arena_copy(struct rowmap_out *out, const char *s, size_t n)
{
	char *p = arena_alloc(&out->arena, n + 1, 1);

	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* Everything one rowmap_document call needs, to keep signatures short. */
struct mctx {
	const struct manifest_rule *rule;
	const char *relpath;
	const char *doc;
	size_t doc_len;
	struct rowmap_out *out;
	struct error *err;
	size_t main_off;          /* the main row's values in out->values */
	size_t warn_total;        /* this document's warnings, kept or not */
};

static const char *json_kind(const cJSON *v)
{
	if (cJSON_IsString(v)) return "string";
	if (cJSON_IsNumber(v)) return "number";
	if (cJSON_IsBool(v)) return "boolean";
	if (cJSON_IsNull(v)) return "null";
	if (cJSON_IsArray(v)) return "array";
	return "object";
}

static int fail(struct mctx *c, const char *ptr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct mctx *c, const char *ptr, const char *fmt, ...)
{
	char msg[ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return error_set_at(c->err, ERR_DATA, c->relpath, 0, 0, ptr, "%s", msg);
}

static int oom(struct mctx *c)
{
	return error_set_at(c->err, ERR_IO, c->relpath, 0, 0, NULL, "out of memory");
}

/*
 * A lenient column's value did not fit (c->err says why): keep a warning
 * (the first ROWMAP_MAX_WARNINGS of the document; the rest are counted) and
 * clear the error.  Returns 0, or ERR_IO when out of memory.
 */
static int warn(struct mctx *c, const struct manifest_target *t,
		const struct manifest_column *col, const char *ptr)
{
	struct rowmap_out *out = c->out;
	struct rowmap_warning *w;

	c->warn_total++;
	if (c->warn_total > ROWMAP_MAX_WARNINGS) {
		error_clear(c->err);
		return 0;
	}
	if (ALLOC_GROW(out->warnings, out->n_warnings + 1, out->cap_warnings))
		return oom(c);
	w = &out->warnings[out->n_warnings];
	w->table = t->table;
	w->column = col->name;
	w->pointer = arena_copy(out, ptr ? ptr : "", ptr ? strlen(ptr) : 0);
	w->message = arena_copy(out, c->err->msg, strlen(c->err->msg));
	if (!w->pointer || !w->message)
		return oom(c);
	out->n_warnings++;
	error_clear(c->err);
	return 0;
}

/*
 * Whether the raw number text is an integer within +/-2^53 (what a double,
 * and so cJSON, holds exactly): 0 with *out set, -1 when it is not a whole
 * number, -2 when it is beyond 2^53.  jsonread reads the text exactly, so
 * 1.0 and 1e3 count as integers and 9007199254740993.0 does not fit.
 */
static int exact_int(const char *raw, size_t n, int64_t *out)
{
	const int64_t lim = (int64_t)1 << 53;

	switch (jsonread_number_kind(raw, n, out)) {
	case JSONREAD_NUM_INT:
		return *out > lim || *out < -lim ? -2 : 0;
	case JSONREAD_NUM_BIGINT:
		return -2;
	default:
		return -1;
	}
}

/*
 * Where a value was found: `ptr` is its JSON Pointer in the document (for
 * messages), `rel` the same relative to the element whose raw text is
 * doc[bs..be).  Locating within the element keeps a child table linear in
 * the document's size: locating every element's values from the start of
 * the document made it rows x size.
 */
struct where {
	const char *ptr;
	const char *rel;
	size_t bs, be;
};

static int locate(struct mctx *c, const struct where *w, const char **s, size_t *n)
{
	size_t a, b;

	if (!w || jsonread_locate(c->doc + w->bs, w->be - w->bs, w->rel, &a, &b) != 0)
		return -1;
	*s = c->doc + w->bs + a;
	*n = b - a;
	return 0;
}

/*
 * \u0000 (README, "JSON input policy"): the reader hands a document that
 * holds it to cJSON with U+FFFF in its place (jsonread.h), and refuses one
 * that holds U+FFFF itself; so U+FFFF in a string here was a NUL, which no
 * text column (nor jsonb) can store.
 */
static int has_stand_in(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i + 2 < n; i++)
		if ((unsigned char)s[i] == 0xEF && (unsigned char)s[i + 1] == 0xBF &&
		    (unsigned char)s[i + 2] == 0xBF)
			return 1;
	return 0;
}

/*
 * Convert a present, non-null JSON value found at `w` (NULL for a default
 * value, which has no text in the document) to the column type.
 */
static int convert_json(struct mctx *c, const struct manifest_column *col,
			const cJSON *v, const struct where *w, struct value *out)
{
	const char *ptr = w ? w->ptr : NULL;
	const char *raw;
	size_t rn;
	char ts[40];
	int r;

	switch (col->type) {
	case COL_TEXT:
		if (!cJSON_IsString(v))
			return fail(c, ptr, "column \"%s\" is text: expected a string, got %s",
				    col->name, json_kind(v));
		out->len = strlen(v->valuestring);
		if (has_stand_in(v->valuestring, out->len))
			return fail(c, ptr, "column \"%s\" is text: the string holds \\u0000, "
				    "which a text column cannot store", col->name);
		out->s = arena_copy(c->out, v->valuestring, out->len);
		return out->s ? 0 : oom(c);
	case COL_INTEGER:
		if (!cJSON_IsNumber(v))
			return fail(c, ptr, "column \"%s\" is integer: expected a number, got %s",
				    col->name, json_kind(v));
		if (locate(c, w, &raw, &rn))
			return fail(c, ptr, "column \"%s\": cannot locate the number's text", col->name);
		r = exact_int(raw, rn, &out->i);
		if (r == -1)
			return fail(c, ptr, "column \"%s\" is integer: %.*s is not a whole number",
				    col->name, (int)(rn > 64 ? 64 : rn), raw);
		if (r == -2)
			return fail(c, ptr, "column \"%s\" is integer: %.*s is beyond 2^53 and would lose precision (map it to a text or json column)",
				    col->name, (int)(rn > 64 ? 64 : rn), raw);
		return 0;
	case COL_REAL:
		if (!cJSON_IsNumber(v))
			return fail(c, ptr, "column \"%s\" is real: expected a number, got %s",
				    col->name, json_kind(v));
		out->d = v->valuedouble;
		return 0;
	case COL_BOOLEAN:
		if (!cJSON_IsBool(v))
			return fail(c, ptr, "column \"%s\" is boolean: expected true or false, got %s",
				    col->name, json_kind(v));
		out->i = cJSON_IsTrue(v);
		return 0;
	case COL_TIMESTAMP:
		if (!cJSON_IsString(v))
			return fail(c, ptr, "column \"%s\" is timestamp: expected a string, got %s",
				    col->name, json_kind(v));
		if (has_stand_in(v->valuestring, strlen(v->valuestring)))
			return fail(c, ptr, "column \"%s\" is timestamp: the string holds \\u0000",
				    col->name);
		if (tstamp_canonical(v->valuestring, strlen(v->valuestring), ts, c->err)) {
			char why[ERROR_MSG_MAX];

			snprintf(why, sizeof(why), "%s", c->err->msg);
			return fail(c, ptr, "column \"%s\": \"%.64s\": %s", col->name,
				    v->valuestring, why);
		}
		out->len = strlen(ts);
		out->s = arena_copy(c->out, ts, out->len);
		return out->s ? 0 : oom(c);
	case COL_JSON:
		if (locate(c, w, &raw, &rn) == 0) {
			if (jsonread_has_nul_escape(raw, rn))
				return fail(c, ptr, "column \"%s\" is json: the value holds \\u0000, "
					    "which PostgreSQL's jsonb cannot store (the whole "
					    "document keeps it)", col->name);
			out->s = raw;
			out->len = rn;
			return 0;
		} else {
			char *txt = cJSON_PrintUnformatted(v);

			if (!txt)
				return oom(c);
			if (has_stand_in(txt, strlen(txt))) {
				cJSON_free(txt);
				return fail(c, ptr, "column \"%s\" is json: the value holds \\u0000",
					    col->name);
			}
			out->len = strlen(txt);
			out->s = arena_copy(c->out, txt, out->len);
			cJSON_free(txt);
			return out->s ? 0 : oom(c);
		}
	}
	return fail(c, ptr, "unknown column type");
}

/* Convert text that came from the path, a key or an index. */
static int convert_text(struct mctx *c, const struct manifest_column *col,
			const char *s, size_t n, const char *what,
			struct value *out)
{
	char ts[40];
	struct strbuf sb = STRBUF_INIT;

	if (has_stand_in(s, n))
		return fail(c, NULL, "column \"%s\": the %s holds \\u0000, which a column "
			    "cannot store", col->name, what);
	switch (col->type) {
	case COL_TEXT:
		out->s = arena_copy(c->out, s, n);
		out->len = n;
		return out->s ? 0 : oom(c);
	case COL_INTEGER: {
		char tmp[32], *end;
		long long v;

		if (n == 0 || n >= sizeof(tmp))
			goto bad;
		memcpy(tmp, s, n);
		tmp[n] = '\0';
		errno = 0;
		v = strtoll(tmp, &end, 10);
		if (*end || errno)
			goto bad;
		out->i = v;
		return 0;
	}
	case COL_TIMESTAMP:
		if (tstamp_canonical(s, n, ts, c->err))
			goto bad;
		out->len = strlen(ts);
		out->s = arena_copy(c->out, ts, out->len);
		return out->s ? 0 : oom(c);
	case COL_JSON:
		if (strbuf_add_json_string(&sb, s, n)) {
			strbuf_release(&sb);
			return oom(c);
		}
		out->s = arena_copy(c->out, sb.buf, sb.len);
		out->len = sb.len;
		strbuf_release(&sb);
		return out->s ? 0 : oom(c);
	case COL_REAL:
	case COL_BOOLEAN:
		break;
	}
bad:
	return fail(c, NULL, "column \"%s\" is %s: cannot take \"%.*s\" from the %s",
		    col->name, col_type_name(col->type), (int)(n > 64 ? 64 : n), s, what);
}

/* Length of a file name without its ".json" extension (any case). */
static size_t stem_len(const char *base)
{
	size_t n = strlen(base);

	return n > 5 && strcasecmp(base + n - 5, ".json") == 0 ? n - 5 : n;
}

size_t rowmap_path_kind(const char *relpath, char *buf, size_t size)
{
	const char *base = strrchr(relpath, '/'), *folder = NULL;
	size_t o = 0, nf = 0, ns, i;
	int pass;

	if (!size)
		return 0;
	if (base) {
		folder = base;
		while (folder > relpath && folder[-1] != '/')
			folder--;
		nf = (size_t)(base - folder);
		base++;
	} else {
		base = relpath;
	}
	ns = stem_len(base);
	for (pass = 0; pass < 2; pass++) {
		const char *s = pass ? base : folder;
		size_t n = pass ? ns : nf;

		if (!pass && !folder)
			continue;
		if (pass && folder && o + 1 < size)
			buf[o++] = '/';
		for (i = 0; i < n && o + 1 < size; i++) {
			unsigned char ch = (unsigned char)s[i];

			if (ch >= '0' && ch <= '9') {
				while (i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '9')
					i++;
				buf[o++] = '#';
			} else {
				buf[o++] = (char)(ch >= 'A' && ch <= 'Z' ? ch + ('a' - 'A') : ch);
			}
		}
	}
	buf[o] = '\0';
	return o;
}

/*
 * The text of a path-derived source.  Returns 0 and sets s/n, or -1.
 * "kind" is built in tmp[0..tmp_size).
 */
/*
 * s[0..n) with every byte that starts no valid UTF-8 sequence replaced by
 * U+FFFD, into buf when anything changes (*out: s or buf).  Returns the
 * new length (cut at size when buf is too small).
 */
static size_t utf8_fix(const char *s, size_t n, char *buf, size_t size, const char **out)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, o = 0, k;

	*out = s;
	while (i < n) {
		unsigned c = u[i];
		size_t len = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 :
			     c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
		int ok = len > 0 && i + len <= n;

		for (k = 1; ok && k < len; k++)
			ok = (u[i + k] & 0xC0) == 0x80;
		if (ok && len == 3)
			ok = !(c == 0xE0 && u[i + 1] < 0xA0) && !(c == 0xED && u[i + 1] >= 0xA0);
		if (ok && len == 4)
			ok = !(c == 0xF0 && u[i + 1] < 0x90) && !(c == 0xF4 && u[i + 1] >= 0x90);
		if (ok) {
			if (*out == buf && o + len <= size) {
				memcpy(buf + o, s + i, len);
				o += len;
			}
			i += len;
			continue;
		}
		if (*out == s) {            /* first bad byte: copy what came before */
			if (i > size)
				i = size;
			memcpy(buf, s, i);
			o = i;
			*out = buf;
		}
		if (o + 3 <= size) {
			memcpy(buf + o, "\xEF\xBF\xBD", 3);
			o += 3;
		}
		i++;
	}
	return *out == s ? n : o;
}

static int path_value(const struct manifest_column *col, const char *path,
		      char *tmp, size_t tmp_size, const char **s, size_t *n)
{
	const char *base = strrchr(path, '/');
	const char *seg[128];
	size_t lens[128], nseg = 0;
	const char *p = path;
	int k;

	base = base ? base + 1 : path;
	switch (col->from_path) {
	case PATH_NONE:
		return -1;
	case PATH_PATH:
		*s = path;
		*n = strlen(path);
		return 0;
	case PATH_NAME:
		*s = base;
		*n = strlen(base);
		return 0;
	case PATH_STEM:
		*s = base;
		*n = stem_len(base);
		return 0;
	case PATH_KIND:
		*n = rowmap_path_kind(path, tmp, tmp_size);
		*s = tmp;
		return 0;
	case PATH_DIR:
		*s = path;
		*n = base == path ? 0 : (size_t)(base - path - 1);
		return 0;
	case PATH_SEGMENT:
		while (nseg < 128) {
			const char *slash = strchr(p, '/');

			seg[nseg] = p;
			lens[nseg] = slash ? (size_t)(slash - p) : strlen(p);
			nseg++;
			if (!slash)
				break;
			p = slash + 1;
		}
		k = col->segment < 0 ? (int)nseg + col->segment : col->segment;
		if (k < 0 || k >= (int)nseg)
			return -1;
		*s = seg[k];
		*n = lens[k];
		return 0;
	}
	return -1;
}

/*
 * Fill one value of a row of target `t`.  `base` is the element the
 * pointers are relative to, `base_ptr` its pointer in the document;
 * key/index describe the element for child rows (key may be NULL for main
 * rows).  A value that does not fit a lenient column becomes NULL with a
 * warning.
 */
static int fill_value(struct mctx *c, const struct manifest_target *t,
		      const struct manifest_column *col,
		      const cJSON *base, const char *base_ptr, size_t bs, size_t be,
		      const char *key, size_t key_len, int64_t index,
		      struct value *out)
{
	struct strbuf full = STRBUF_INIT;
	char tmp[1024];
	const char *s;
	size_t i, n;
	int rc;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < col->n_pointers; i++) {
		const cJSON *v = jsonpointer_get(base, col->pointers[i]);

		if (!v || cJSON_IsNull(v))
			continue;
		full.len = 0;
		if (strbuf_addstr(&full, base_ptr) ||
		    strbuf_addstr(&full, col->pointers[i])) {
			strbuf_release(&full);
			return oom(c);
		}
		rc = convert_json(c, col, v,
				  &(struct where){ full.buf, col->pointers[i], bs, be }, out);
		if (rc == ERR_DATA && col->on_error_null) {
			memset(out, 0, sizeof(*out));
			out->is_null = 1;
			rc = warn(c, t, col, full.buf);
		}
		strbuf_release(&full);
		return rc;
	}
	strbuf_release(&full);
	rc = -1;
	if (path_value(col, c->relpath, tmp, sizeof(tmp), &s, &n) == 0) {
		/* a value, not the name: bytes that are not UTF-8 become U+FFFD
		 * (the exact name is in _path) */
		char fixed[sizeof(tmp) * 3];

		n = utf8_fix(s, n, fixed, sizeof(fixed), &s);
		rc = convert_text(c, col, s, n, "path", out);
	}
	else if (col->from == ELEM_KEY && key)
		rc = convert_text(c, col, key, key_len, "element key", out);
	else if (col->from == ELEM_INDEX && key) {
		n = (size_t)snprintf(tmp, sizeof(tmp), "%lld", (long long)index);
		rc = convert_text(c, col, tmp, n, "element index", out);
	} else if (col->from == ELEM_PARENT && key) {
		const struct value *pv = &c->out->values[c->main_off +
			c->rule->main.def_col[col->parent_col]];

		if (!pv->is_null) {
			*out = *pv;
			return 0;
		}
	}
	if (rc >= 0) {
		if (rc == ERR_DATA && col->on_error_null) {
			memset(out, 0, sizeof(*out));
			out->is_null = 1;
			rc = warn(c, t, col, "");
		}
		return rc;
	}
	if (col->default_value) {
		rc = convert_json(c, col, col->default_value, NULL, out);
		if (rc == ERR_DATA && col->on_error_null) {
			memset(out, 0, sizeof(*out));
			out->is_null = 1;
			rc = warn(c, t, col, "");
		}
		return rc;
	}
	if (col->required) {
		if (col->n_pointers)
			return fail(c, *base_ptr ? base_ptr : NULL,
				    "required column \"%s\" has no value (looked at %s%s%s)",
				    col->name, col->pointers[0],
				    col->n_pointers > 1 ? " and " : "",
				    col->n_pointers > 1 ? "alternatives" : "");
		return fail(c, NULL, "required column \"%s\" has no value", col->name);
	}
	out->is_null = 1;
	return 0;
}

static int add_row(struct mctx *c, const struct manifest_target *t,
		   const cJSON *base, const char *base_ptr, size_t bs, size_t be,
		   const char *key, size_t key_len, int64_t index)
{
	struct rowmap_out *out = c->out;
	const struct table_def *d = t->def;
	struct rowmap_row *row;
	size_t k, off;
	int rc;

	if (ALLOC_GROW(out->rows, out->n_rows + 1, out->cap_rows) ||
	    ALLOC_GROW(out->values, out->n_values + d->n_columns, out->cap_values))
		return oom(c);
	off = out->n_values;
	/* columns the rule does not declare (shared tables) stay NULL */
	for (k = 0; k < d->n_columns; k++) {
		memset(&out->values[off + k], 0, sizeof(struct value));
		out->values[off + k].is_null = 1;
	}
	for (k = 0; k < t->n_columns; k++) {
		rc = fill_value(c, t, &t->columns[k], base, base_ptr, bs, be,
				key, key_len, index, &out->values[off + t->def_col[k]]);
		if (rc)
			return rc;
	}
	out->n_values += d->n_columns;
	row = &out->rows[out->n_rows++];
	row->table = d;
	row->value_off = off;
	row->index = index;
	return 0;
}

/*
 * Depth-first over scalar leaves, one row per leaf, key = leaf pointer.
 * doc[bs..be) is v's raw text: the iterator walks its members in the order
 * cJSON keeps them, so each leaf's span comes with it.
 */
static int add_leaf_rows(struct mctx *c, const struct manifest_target *t,
			 const cJSON *v, size_t bs, size_t be,
			 struct strbuf *ptr, int64_t *index)
{
	struct jsonread_iter ji;
	const cJSON *it;
	size_t mark = ptr->len, vs = 0, ve = 0;
	int rc = 0;
	int64_t i = 0;

	if (!cJSON_IsArray(v) && !cJSON_IsObject(v)) {
		rc = add_row(c, t, v, ptr->buf ? ptr->buf : "", bs, be,
			     ptr->buf ? ptr->buf : "", ptr->len, *index);
		(*index)++;
		return rc;
	}
	jsonread_iter_init(&ji, c->doc, be, bs);
	for (it = v->child; it && !rc; it = it->next, i++) {
		char num[32];

		if (!jsonread_iter_next(&ji, &vs, &ve))
			vs = ve = bs;   /* text and tree disagree: nothing to locate */
		if (cJSON_IsObject(v)) {
			if (jsonpointer_append(ptr, it->string, strlen(it->string)))
				return oom(c);
		} else {
			int n = snprintf(num, sizeof(num), "%lld", (long long)i);

			if (jsonpointer_append(ptr, num, (size_t)n))
				return oom(c);
		}
		rc = add_leaf_rows(c, t, it, vs, ve, ptr, index);
		ptr->len = mark;
		if (ptr->buf)
			ptr->buf[mark] = '\0';
	}
	return rc;
}

static int add_child_rows(struct mctx *c, const struct manifest_target *t,
			  const cJSON *root)
{
	struct strbuf ptr = STRBUF_INIT;
	struct jsonread_iter ji;
	const cJSON *coll = NULL, *it;
	const char *coll_ptr = NULL;
	int64_t index = 0;
	size_t i, cs = 0, ce = 0, vs = 0, ve = 0;
	int rc = 0;

	if (t->each_leaves) {
		if (strbuf_add(&ptr, "", 0))
			return oom(c);
		rc = add_leaf_rows(c, t, root, 0, c->doc_len, &ptr, &index);
		strbuf_release(&ptr);
		return rc;
	}
	for (i = 0; i < t->n_each && !coll; i++) {
		coll = jsonpointer_get(root, t->each[i]);
		if (coll && (cJSON_IsArray(coll) || cJSON_IsObject(coll)))
			coll_ptr = t->each[i];
		else
			coll = NULL;
	}
	if (!coll)
		return 0;
	/* the collection's text, located once; its elements are walked in step */
	if (jsonread_locate(c->doc, c->doc_len, coll_ptr, &cs, &ce) != 0)
		cs = ce = 0;
	jsonread_iter_init(&ji, c->doc, ce, cs);
	for (it = coll->child; it && !rc; it = it->next, index++) {
		char num[32];
		const char *key;
		size_t key_len;

		if (!jsonread_iter_next(&ji, &vs, &ve))
			vs = ve = cs;
		if (cJSON_IsObject(coll)) {
			key = it->string;
			key_len = strlen(key);
		} else {
			key_len = (size_t)snprintf(num, sizeof(num), "%lld",
						   (long long)index);
			key = num;
		}
		ptr.len = 0;
		if (strbuf_addstr(&ptr, coll_ptr) || jsonpointer_append(&ptr, key, key_len)) {
			rc = oom(c);
			break;
		}
		rc = add_row(c, t, it, ptr.buf, vs, ve, key, key_len, index);
	}
	strbuf_release(&ptr);
	return rc;
}

int rowmap_document(const struct manifest_rule *rule, const char *relpath,
		 const char *doc, size_t doc_len, const cJSON *root,
		 struct rowmap_out *out, struct rowmap_result *res, struct error *err)
{
	struct mctx c;
	size_t rows0 = out->n_rows, values0 = out->n_values;
	size_t warn0 = out->n_warnings, k;
	int rc;

	memset(&c, 0, sizeof(c));
	c.rule = rule;
	c.relpath = relpath;
	c.doc = doc;
	c.doc_len = doc_len;
	c.out = out;
	c.err = err;
	c.main_off = out->n_values;
	memset(res, 0, sizeof(*res));
	rc = add_row(&c, &rule->main, root, "", 0, doc_len, NULL, 0, 0);
	for (k = 0; !rc && k < rule->n_children; k++)
		rc = add_child_rows(&c, &rule->children[k], root);
	if (rc) {
		out->n_rows = rows0;
		out->n_values = values0;
		out->n_warnings = warn0;
		return rc;
	}
	res->n_rows = out->n_rows - rows0;
	res->warn_off = warn0;
	res->n_warnings = out->n_warnings - warn0;
	res->warning_total = c.warn_total;
	return 0;
}
