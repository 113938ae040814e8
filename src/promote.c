/*
 * promote.c - copy a wsmigrate SQLite database into PostgreSQL with COPY,
 * in one transaction, and verify each table by count and checksum (see
 * promote.h for the checksum's definition).  The target's tables are made
 * by the PostgreSQL backend (storage_ensure_tables); this module only moves
 * and compares rows.  It never prints.
 */
#include "promote.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage.h"
#include "util.h"

#ifdef WSM_NO_PG

int promote_run(const char *from, const char *to,
		const struct promote_opts *opts, struct promote_report *rep,
		struct error *err)
{
	(void)from;
	(void)to;
	(void)opts;
	memset(rep, 0, sizeof(*rep));
	return error_set(err, ERR_USAGE,
			 "this build has no PostgreSQL support (built with WITH_PG=0)");
}

void promote_report_release(struct promote_report *rep)
{
	(void)rep;
}

#else

#include <cjson/cJSON.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#define TS_FMT "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'"

/* How a value is mapped and compared, from the target column's type. */
enum cat { CAT_TEXT, CAT_INT, CAT_REAL, CAT_BOOL, CAT_TS, CAT_JSON };

static enum cat cat_of(const char *pg_type)
{
	if (!strcmp(pg_type, "bigint") || !strcmp(pg_type, "integer") ||
	    !strcmp(pg_type, "smallint"))
		return CAT_INT;
	if (!strcmp(pg_type, "double precision") || !strcmp(pg_type, "real") ||
	    !strcmp(pg_type, "numeric"))
		return CAT_REAL;
	if (!strcmp(pg_type, "boolean"))
		return CAT_BOOL;
	if (!strncmp(pg_type, "timestamp", 9))
		return CAT_TS;
	if (!strcmp(pg_type, "jsonb") || !strcmp(pg_type, "json"))
		return CAT_JSON;
	return CAT_TEXT;
}

/* ------------------------------------------------------------ canonical JSON */

struct member {
	char *key;
	size_t klen;
	char *val;
	size_t vlen;
	size_t order;
};

static void skip_ws(const char **p, const char *end)
{
	while (*p < end && (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r'))
		(*p)++;
}

static int hex4(const char *p, const char *end, unsigned *out)
{
	int i, v;

	*out = 0;
	if (end - p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		v = util_hex_digit(p[i]);
		if (v < 0)
			return -1;
		*out = *out * 16 + (unsigned)v;
	}
	return 0;
}

static void put_utf8(struct strbuf *sb, unsigned cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		b[0] = (char)(0xF0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	strbuf_add(sb, b, n);
}

/* Decode a JSON string at *p (on the opening quote) into raw UTF-8. */
static int cj_string(const char **p, const char *end, struct strbuf *out)
{
	const char *q = *p + 1;

	while (q < end && *q != '"') {
		if (*q != '\\') {
			strbuf_add(out, q, 1);
			q++;
			continue;
		}
		if (++q >= end)
			return -1;
		switch (*q) {
		case '"': strbuf_add(out, "\"", 1); break;
		case '\\': strbuf_add(out, "\\", 1); break;
		case '/': strbuf_add(out, "/", 1); break;
		case 'b': strbuf_add(out, "\b", 1); break;
		case 'f': strbuf_add(out, "\f", 1); break;
		case 'n': strbuf_add(out, "\n", 1); break;
		case 'r': strbuf_add(out, "\r", 1); break;
		case 't': strbuf_add(out, "\t", 1); break;
		case 'u': {
			unsigned cp, lo;

			if (hex4(q + 1, end, &cp))
				return -1;
			q += 4;
			if (cp >= 0xD800 && cp <= 0xDBFF && end - q > 6 && q[1] == '\\' &&
			    q[2] == 'u' && !hex4(q + 3, end, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				q += 6;
			}
			put_utf8(out, cp);
			break;
		}
		default:
			return -1;
		}
		q++;
	}
	if (q >= end)
		return -1;
	*p = q + 1;
	return 0;
}

/* Append s[0..n) as a JSON string, escaping only what must be escaped. */
static void put_json_string(struct strbuf *sb, const char *s, size_t n)
{
	size_t i;

	strbuf_add(sb, "\"", 1);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			strbuf_add(sb, "\\", 1);
			strbuf_add(sb, s + i, 1);
		} else if (c < 0x20) {
			strbuf_addf(sb, "\\u%04x", c);
		} else {
			strbuf_add(sb, s + i, 1);
		}
	}
	strbuf_add(sb, "\"", 1);
}

/* A JSON number as an exact normalised decimal: [-]DIGITSeEXP or "0". */
static int cj_number(const char **p, const char *end, struct strbuf *out)
{
	const char *q = *p;
	struct strbuf digits = STRBUF_INIT;
	long long exp = 0, e = 0;
	int neg = 0, eneg = 0;
	size_t start;

	if (q < end && *q == '-') {
		neg = 1;
		q++;
	}
	while (q < end && *q >= '0' && *q <= '9')
		strbuf_add(&digits, q++, 1);
	if (q < end && *q == '.') {
		q++;
		while (q < end && *q >= '0' && *q <= '9') {
			strbuf_add(&digits, q++, 1);
			exp--;
		}
	}
	if (q < end && (*q == 'e' || *q == 'E')) {
		q++;
		if (q < end && (*q == '+' || *q == '-'))
			eneg = *q++ == '-';
		while (q < end && *q >= '0' && *q <= '9') {
			if (e < 1000000000LL)
				e = e * 10 + (*q - '0');
			q++;
		}
	}
	if (q == *p || !digits.len) {
		strbuf_release(&digits);
		return -1;
	}
	exp += eneg ? -e : e;
	start = 0;
	while (start < digits.len && digits.buf[start] == '0')
		start++;
	while (digits.len > start && digits.buf[digits.len - 1] == '0') {
		digits.len--;
		exp++;
	}
	if (start == digits.len) {
		strbuf_addstr(out, "0");
	} else {
		if (neg)
			strbuf_addstr(out, "-");
		strbuf_add(out, digits.buf + start, digits.len - start);
		strbuf_addf(out, "e%lld", exp);
	}
	strbuf_release(&digits);
	*p = q;
	return 0;
}

static int member_cmp(const void *a, const void *b)
{
	const struct member *x = a, *y = b;
	size_t n = x->klen < y->klen ? x->klen : y->klen;
	int c = memcmp(x->key, y->key, n);

	if (c)
		return c;
	if (x->klen != y->klen)
		return x->klen < y->klen ? -1 : 1;
	return x->order < y->order ? -1 : (x->order > y->order);
}

static int cj_value(const char **p, const char *end, struct strbuf *out, int depth);

static int cj_object(const char **p, const char *end, struct strbuf *out, int depth)
{
	struct member *m = NULL;
	size_t n = 0, cap = 0, i;
	int rc = -1;

	(*p)++;
	skip_ws(p, end);
	if (*p < end && **p == '}') {
		(*p)++;
		strbuf_addstr(out, "{}");
		return 0;
	}
	for (;;) {
		struct strbuf k = STRBUF_INIT, v = STRBUF_INIT;

		skip_ws(p, end);
		if (*p >= end || **p != '"' || cj_string(p, end, &k))
			goto fail_kv;
		skip_ws(p, end);
		if (*p >= end || **p != ':')
			goto fail_kv;
		(*p)++;
		if (cj_value(p, end, &v, depth + 1))
			goto fail_kv;
		if (n == cap) {
			struct member *nm;

			cap = cap ? cap * 2 : 8;
			nm = realloc(m, cap * sizeof(*m));
			if (!nm)
				goto fail_kv;
			m = nm;
		}
		m[n].key = k.buf ? k.buf : strdup("");
		m[n].klen = k.len;
		m[n].val = v.buf;
		m[n].vlen = v.len;
		m[n].order = n;
		n++;
		skip_ws(p, end);
		if (*p < end && **p == ',') {
			(*p)++;
			continue;
		}
		if (*p < end && **p == '}') {
			(*p)++;
			break;
		}
		goto out;
fail_kv:
		strbuf_release(&k);
		strbuf_release(&v);
		goto out;
	}
	qsort(m, n, sizeof(*m), member_cmp);
	strbuf_addstr(out, "{");
	for (i = 0; i < n; i++) {
		/* duplicate keys: the last one wins, as in jsonb */
		if (i + 1 < n && m[i].klen == m[i + 1].klen &&
		    !memcmp(m[i].key, m[i + 1].key, m[i].klen))
			continue;
		if (out->len > 0 && out->buf[out->len - 1] != '{')
			strbuf_addstr(out, ",");
		put_json_string(out, m[i].key, m[i].klen);
		strbuf_addstr(out, ":");
		strbuf_add(out, m[i].val, m[i].vlen);
	}
	strbuf_addstr(out, "}");
	rc = 0;
out:
	for (i = 0; i < n; i++) {
		free(m[i].key);
		free(m[i].val);
	}
	free(m);
	return rc;
}

static int cj_value(const char **p, const char *end, struct strbuf *out, int depth)
{
	if (depth > 2000)
		return -1;
	skip_ws(p, end);
	if (*p >= end)
		return -1;
	switch (**p) {
	case '{':
		return cj_object(p, end, out, depth);
	case '[': {
		int first = 1;

		(*p)++;
		strbuf_addstr(out, "[");
		skip_ws(p, end);
		if (*p < end && **p == ']') {
			(*p)++;
			strbuf_addstr(out, "]");
			return 0;
		}
		for (;;) {
			if (!first)
				strbuf_addstr(out, ",");
			first = 0;
			if (cj_value(p, end, out, depth + 1))
				return -1;
			skip_ws(p, end);
			if (*p < end && **p == ',') {
				(*p)++;
				continue;
			}
			if (*p < end && **p == ']') {
				(*p)++;
				strbuf_addstr(out, "]");
				return 0;
			}
			return -1;
		}
	}
	case '"': {
		struct strbuf s = STRBUF_INIT;
		int rc = cj_string(p, end, &s);

		if (!rc)
			put_json_string(out, s.buf ? s.buf : "", s.len);
		strbuf_release(&s);
		return rc;
	}
	case 't':
		if (end - *p >= 4 && !memcmp(*p, "true", 4)) {
			*p += 4;
			strbuf_addstr(out, "true");
			return 0;
		}
		return -1;
	case 'f':
		if (end - *p >= 5 && !memcmp(*p, "false", 5)) {
			*p += 5;
			strbuf_addstr(out, "false");
			return 0;
		}
		return -1;
	case 'n':
		if (end - *p >= 4 && !memcmp(*p, "null", 4)) {
			*p += 4;
			strbuf_addstr(out, "null");
			return 0;
		}
		return -1;
	default:
		return cj_number(p, end, out);
	}
}

/* ------------------------------------------------------------ canonical values */

/* "YYYY-MM-DD[T ]HH:MM:SS[.f+](Z|+00[:00])" -> "...SS.ffffffZ", else as is. */
static void canon_ts(const char *s, size_t n, struct strbuf *out)
{
	char frac[7] = "000000";
	size_t i = 19, k = 0;

	if (n < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
	    s[13] != ':' || s[16] != ':')
		goto raw;
	if (s[i] == '.') {
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			if (k < 6)
				frac[k++] = s[i];
	}
	if (!(n - i == 1 && s[i] == 'Z') &&
	    !(n - i == 3 && !memcmp(s + i, "+00", 3)) &&
	    !(n - i == 6 && !memcmp(s + i, "+00:00", 6)))
		goto raw;
	strbuf_add(out, s, 10);
	strbuf_addstr(out, "T");
	strbuf_add(out, s + 11, 8);
	strbuf_addf(out, ".%sZ", frac);
	return;
raw:
	strbuf_add(out, s, n);
}

static void canon_real(const char *s, struct strbuf *out)
{
	double d = strtod(s, NULL);

	if (isnan(d))
		strbuf_addstr(out, "NaN");
	else if (isinf(d))
		strbuf_addstr(out, d > 0 ? "Infinity" : "-Infinity");
	else
		strbuf_addf(out, "%.17g", d);
}

/* Append the canonical form of a value given as PostgreSQL input text. */
static void canon(enum cat c, const char *s, size_t n, struct strbuf *out)
{
	switch (c) {
	case CAT_REAL:
		canon_real(s, out);
		return;
	case CAT_TS:
		canon_ts(s, n, out);
		return;
	case CAT_BOOL:
		strbuf_addstr(out, (n && (s[0] == 't' || s[0] == '1' || s[0] == 'T')) ? "t" : "f");
		return;
	case CAT_JSON: {
		const char *p = s, *end = s + n;
		size_t mark = out->len;

		if (cj_value(&p, end, out, 0) == 0) {
			skip_ws(&p, end);
			if (p == end)
				return;
		}
		out->len = mark;
		strbuf_addstr(out, "!");
		strbuf_add(out, s, n);
		return;
	}
	case CAT_INT:
	case CAT_TEXT:
		strbuf_add(out, s, n);
		return;
	}
}

/* ------------------------------------------------------------ checksums */

struct digests {
	unsigned char acc[32];   /* running sum of row digests, big-endian */
	size_t n;
};

static int digests_add(struct digests *ds, const struct strbuf *row)
{
	char hex[65];
	unsigned carry = 0;
	int i;

	util_sha256_hex(row->buf ? row->buf : "", row->len, hex);
	for (i = 31; i >= 0; i--) {
		unsigned b = (unsigned)(util_hex_digit(hex[2 * i]) << 4 |
					util_hex_digit(hex[2 * i + 1]));
		unsigned sum = ds->acc[i] + b + carry;

		ds->acc[i] = (unsigned char)sum;
		carry = sum >> 8;
	}
	ds->n++;
	return 0;
}

static void digests_finish(struct digests *ds, char out[65])
{
	util_hex_encode(ds->acc, sizeof(ds->acc), out);
	memset(ds, 0, sizeof(*ds));
}

/* Append one column to a row's canonical text. */
static void row_col(struct strbuf *row, const char *name, int is_null,
		    const struct strbuf *val)
{
	strbuf_addstr(row, name);
	if (is_null) {
		strbuf_addstr(row, "=N;");
		return;
	}
	strbuf_addf(row, "=%zu:", val->len);
	strbuf_add(row, val->buf ? val->buf : "", val->len);
	strbuf_addstr(row, ";");
}

/* ------------------------------------------------------------ helpers */

struct col {
	char *name;
	enum cat cat;
};

struct cols {
	struct col *c;
	size_t n;
};

static void cols_release(struct cols *cs)
{
	size_t i;

	for (i = 0; i < cs->n; i++)
		free(cs->c[i].name);
	free(cs->c);
	cs->c = NULL;
	cs->n = 0;
}

static int pg_err(PGconn *conn, const PGresult *res, struct error *err,
		  const char *what)
{
	const char *m = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	char buf[512];
	size_t n;

	snprintf(buf, sizeof(buf), "%s", m ? m : PQerrorMessage(conn));
	n = strcspn(buf, "\n");
	buf[n] = '\0';
	return error_set(err, ERR_IO, "%s: %s", what, buf);
}

static int pg_ok(PGconn *conn, PGresult *res, struct error *err, const char *what)
{
	ExecStatusType s = PQresultStatus(res);

	if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK)
		return 0;
	pg_err(conn, res, err, what);
	PQclear(res);
	return ERR_IO;
}

static int sq_err(sqlite3 *db, struct error *err, const char *what)
{
	return error_set(err, ERR_IO, "%s: %s", what, sqlite3_errmsg(db));
}

static int sqlite_has_table(sqlite3 *db, const char *name)
{
	sqlite3_stmt *q = NULL;
	int found = 0;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
			       -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
		found = sqlite3_step(q) == SQLITE_ROW;
	}
	sqlite3_finalize(q);
	return found;
}

/* ------------------------------------------------------------ table defs */

/* The data tables of the source, from its wsm_tables (all memory owned). */
struct defs {
	struct table_def *d;
	size_t n;
	cJSON **trees;     /* the parsed JSON the strings point into */
	size_t n_trees;
	void **blocks;     /* arrays to free */
	size_t n_blocks;
	char **names;
};

static void defs_release(struct defs *ds)
{
	size_t i;

	for (i = 0; i < ds->n_trees; i++)
		cJSON_Delete(ds->trees[i]);
	for (i = 0; i < ds->n_blocks; i++)
		free(ds->blocks[i]);
	for (i = 0; i < ds->n; i++)
		free(ds->names[i]);
	free(ds->names);
	free(ds->trees);
	free(ds->blocks);
	free(ds->d);
	memset(ds, 0, sizeof(*ds));
}

static void *defs_keep(struct defs *ds, void *block)
{
	void **nb;

	if (!block)
		return NULL;
	nb = realloc(ds->blocks, (ds->n_blocks + 1) * sizeof(*nb));
	if (!nb) {
		free(block);
		return NULL;
	}
	ds->blocks = nb;
	ds->blocks[ds->n_blocks++] = block;
	return block;
}

/* A JSON array of strings as a const char * array (NULL on bad input). */
static const char *const *str_list(struct defs *ds, cJSON *a, size_t *n, int *bad)
{
	const char **l;
	cJSON *it;
	size_t i = 0;

	*n = 0;
	if (!a || !cJSON_IsArray(a)) {
		*bad = 1;
		return NULL;
	}
	l = defs_keep(ds, calloc((size_t)cJSON_GetArraySize(a) + 1, sizeof(*l)));
	if (!l) {
		*bad = 1;
		return NULL;
	}
	cJSON_ArrayForEach(it, a) {
		if (!cJSON_IsString(it)) {
			*bad = 1;
			return NULL;
		}
		l[i++] = it->valuestring;
	}
	*n = i;
	return l;
}

static int read_defs(sqlite3 *db, struct defs *ds, struct error *err)
{
	sqlite3_stmt *q = NULL;
	size_t cap = 0;
	int rc, step;

	if (sqlite3_prepare_v2(db, "SELECT name, is_child, columns, key, indexes FROM wsm_tables"
			       " ORDER BY name", -1, &q, NULL) != SQLITE_OK)
		return sq_err(db, err, "read wsm_tables");
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(q, 0);
		cJSON *cols = cJSON_Parse((const char *)sqlite3_column_text(q, 2));
		cJSON *key = cJSON_Parse((const char *)sqlite3_column_text(q, 3));
		cJSON *idx = cJSON_Parse((const char *)sqlite3_column_text(q, 4));
		struct table_def *d;
		struct column_def *cd;
		cJSON *it;
		size_t i = 0;
		int bad = 0;

		if (ds->n == cap) {
			cap = cap ? cap * 2 : 16;
			ds->d = realloc(ds->d, cap * sizeof(*ds->d));
			ds->names = realloc(ds->names, cap * sizeof(*ds->names));
			ds->trees = realloc(ds->trees, 3 * cap * sizeof(*ds->trees));
			if (!ds->d || !ds->names || !ds->trees) {
				cJSON_Delete(cols);
				cJSON_Delete(key);
				cJSON_Delete(idx);
				rc = error_set(err, ERR_IO, "out of memory");
				goto out;
			}
		}
		ds->trees[ds->n_trees++] = cols;
		ds->trees[ds->n_trees++] = key;
		ds->trees[ds->n_trees++] = idx;
		d = &ds->d[ds->n];
		memset(d, 0, sizeof(*d));
		ds->names[ds->n] = strdup(name ? name : "");
		ds->n++;
		d->name = ds->names[ds->n - 1];
		d->is_child = sqlite3_column_int(q, 1) != 0;
		if (!cols || !cJSON_IsArray(cols)) {
			bad = 1;
		} else {
			cd = defs_keep(ds, calloc((size_t)cJSON_GetArraySize(cols) + 1, sizeof(*cd)));
			if (!cd) {
				rc = error_set(err, ERR_IO, "out of memory");
				goto out;
			}
			cJSON_ArrayForEach(it, cols) {
				cJSON *cn = cJSON_GetObjectItemCaseSensitive(it, "name");
				cJSON *ct = cJSON_GetObjectItemCaseSensitive(it, "type");

				if (!cJSON_IsString(cn) || !cJSON_IsString(ct) ||
				    col_type_parse(ct->valuestring, &cd[i].type)) {
					bad = 1;
					break;
				}
				cd[i++].name = cn->valuestring;
			}
			d->columns = cd;
			d->n_columns = i;
		}
		d->key = str_list(ds, key, &d->n_key, &bad);
		d->indexes = str_list(ds, idx, &d->n_indexes, &bad);
		if (bad) {
			rc = error_set(err, ERR_USAGE, "wsm_tables: the definition of table '%s' is malformed",
				       d->name);
			goto out;
		}
	}
	rc = step == SQLITE_DONE ? 0 : sq_err(db, err, "read wsm_tables");
out:
	sqlite3_finalize(q);
	return rc;
}

/* ------------------------------------------------------------ the copy */

/* Columns of PostgreSQL table `t` present in the SQLite table too, by name. */
static int common_cols(sqlite3 *db, PGconn *conn, const char *t, struct cols *cs,
		       struct error *err)
{
	const char *params[1] = { t };
	sqlite3_stmt *q = NULL;
	PGresult *res;
	int i, rc = 0;

	memset(cs, 0, sizeof(*cs));
	res = PQexecParams(conn,
			   "SELECT a.attname, format_type(a.atttypid, a.atttypmod)"
			   " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
			   " WHERE c.relname = $1 AND c.relnamespace ="
			   " (SELECT oid FROM pg_namespace WHERE nspname = current_schema())"
			   " AND a.attnum > 0 AND NOT a.attisdropped"
			   " ORDER BY a.attname COLLATE \"C\"",
			   1, NULL, params, NULL, NULL, 0);
	if (pg_ok(conn, res, err, "read the target's columns"))
		return ERR_IO;
	if (sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info(?)", -1, &q, NULL) != SQLITE_OK) {
		PQclear(res);
		return sq_err(db, err, "read the source's columns");
	}
	sqlite3_bind_text(q, 1, t, -1, SQLITE_STATIC);
	while (sqlite3_step(q) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(q, 0);

		for (i = 0; i < PQntuples(res); i++)
			if (!strcmp(PQgetvalue(res, i, 0), name))
				break;
		if (i == PQntuples(res)) {
			rc = error_set(err, ERR_IO,
				       "column '%s' of table '%s' has no counterpart in PostgreSQL",
				       name, t);
			goto out;
		}
	}
	cs->c = calloc((size_t)PQntuples(res) + 1, sizeof(*cs->c));
	if (!cs->c) {
		rc = error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	for (i = 0; i < PQntuples(res); i++) {
		const char *name = PQgetvalue(res, i, 0);
		int found = 0;

		sqlite3_reset(q);
		while (sqlite3_step(q) == SQLITE_ROW)
			if (!strcmp((const char *)sqlite3_column_text(q, 0), name))
				found = 1;
		if (!found)
			continue;   /* PostgreSQL only, e.g. tenant_id: its default */
		cs->c[cs->n].name = strdup(name);
		cs->c[cs->n].cat = cat_of(PQgetvalue(res, i, 1));
		cs->n++;
	}
out:
	sqlite3_finalize(q);
	PQclear(res);
	return rc;
}

/*
 * The value of column i of an SQLite row as PostgreSQL input text for a
 * target of category c.  *is_null set for NULL.  Returns -1 when the text
 * holds a NUL byte, which PostgreSQL text cannot store.
 */
static int sqlite_value(sqlite3_stmt *q, int i, enum cat c, struct strbuf *out,
			int *is_null)
{
	int type = sqlite3_column_type(q, i);
	const char *s;
	int n;

	out->len = 0;
	*is_null = type == SQLITE_NULL;
	if (*is_null)
		return 0;
	if (c == CAT_BOOL && type == SQLITE_INTEGER) {
		strbuf_addstr(out, sqlite3_column_int64(q, i) ? "t" : "f");
		return 0;
	}
	if ((c == CAT_REAL || c == CAT_TEXT || c == CAT_INT) && type == SQLITE_FLOAT) {
		double d = sqlite3_column_double(q, i);

		if (c == CAT_INT && d == floor(d) && fabs(d) < 9.2e18)
			strbuf_addf(out, "%lld", (long long)d);
		else if (isinf(d))
			strbuf_addstr(out, d > 0 ? "Infinity" : "-Infinity");
		else
			strbuf_addf(out, "%.17g", d);
		return 0;
	}
	s = (const char *)sqlite3_column_text(q, i);
	n = sqlite3_column_bytes(q, i);
	if (memchr(s, '\0', (size_t)n))
		return -1;
	if (n == 0 && c != CAT_TEXT) {
		/* "" is no timestamp, number or JSON: it stands for "unknown" */
		*is_null = 1;
		return 0;
	}
	strbuf_add(out, s, (size_t)n);
	if (!out->buf)
		strbuf_addstr(out, "");
	return 0;
}

static int copy_end(PGconn *conn, const char *t, int failed, struct error *err)
{
	PGresult *res;
	char what[200];
	int rc = failed;

	snprintf(what, sizeof(what), "copy into '%s'", t);
	if (PQputCopyEnd(conn, failed ? "promote: client error" : NULL) != 1 && !rc)
		rc = pg_err(conn, NULL, err, what);
	while ((res = PQgetResult(conn)) != NULL) {
		if (!rc && PQresultStatus(res) != PGRES_COMMAND_OK)
			rc = pg_err(conn, res, err, what);
		PQclear(res);
	}
	return rc;
}

/* Copy table t from SQLite into PostgreSQL; the source checksum on the way. */
static int copy_table(sqlite3 *db, PGconn *conn, const char *t,
		      const struct cols *cs, struct promote_table *pt,
		      struct error *err)
{
	struct strbuf sel = STRBUF_INIT, cp = STRBUF_INIT, data = STRBUF_INIT;
	struct strbuf val = STRBUF_INIT, cval = STRBUF_INIT, row = STRBUF_INIT;
	struct digests ds = { 0 };
	sqlite3_stmt *q = NULL;
	PGresult *res;
	size_t i;
	int step, rc = 0, copying = 0;

	strbuf_addstr(&sel, "SELECT ");
	strbuf_addstr(&cp, "COPY ");
	strbuf_add_ident(&cp, t);
	strbuf_addstr(&cp, " (");
	for (i = 0; i < cs->n; i++) {
		if (i) {
			strbuf_addstr(&sel, ", ");
			strbuf_addstr(&cp, ", ");
		}
		strbuf_add_ident(&sel, cs->c[i].name);
		strbuf_add_ident(&cp, cs->c[i].name);
	}
	strbuf_addstr(&sel, " FROM ");
	strbuf_add_ident(&sel, t);
	strbuf_addstr(&cp, ") FROM STDIN");
	if (!sel.buf || !cp.buf) {
		rc = error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	if (sqlite3_prepare_v2(db, sel.buf, -1, &q, NULL) != SQLITE_OK) {
		rc = sq_err(db, err, "read the source");
		goto out;
	}
	res = PQexec(conn, cp.buf);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		rc = pg_err(conn, res, err, "copy");
		PQclear(res);
		goto out;
	}
	PQclear(res);
	copying = 1;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		row.len = 0;
		for (i = 0; i < cs->n; i++) {
			int is_null;

			if (sqlite_value(q, (int)i, cs->c[i].cat, &val, &is_null)) {
				rc = error_set(err, ERR_IO,
					       "table '%s', column '%s': a value holds a NUL byte",
					       t, cs->c[i].name);
				goto out;
			}
			if (i)
				strbuf_addstr(&data, "\t");
			if (is_null)
				strbuf_addstr(&data, "\\N");
			else
				strbuf_add_copy_field(&data, val.buf, val.len);
			cval.len = 0;
			if (!is_null)
				canon(cs->c[i].cat, val.buf, val.len, &cval);
			row_col(&row, cs->c[i].name, is_null, &cval);
		}
		strbuf_addstr(&data, "\n");
		if (!data.buf || digests_add(&ds, &row)) {
			rc = error_set(err, ERR_IO, "out of memory");
			goto out;
		}
		pt->rows++;
		if (data.len >= (1u << 20)) {
			pt->bytes += (int64_t)data.len;
			if (PQputCopyData(conn, data.buf, (int)data.len) != 1) {
				rc = pg_err(conn, NULL, err, "copy");
				goto out;
			}
			data.len = 0;
		}
	}
	if (step != SQLITE_DONE) {
		rc = sq_err(db, err, "read the source");
		goto out;
	}
	if (data.len) {
		pt->bytes += (int64_t)data.len;
		if (PQputCopyData(conn, data.buf, (int)data.len) != 1) {
			rc = pg_err(conn, NULL, err, "copy");
			goto out;
		}
	}
out:
	if (copying)
		rc = copy_end(conn, t, rc, err);
	if (!rc)
		digests_finish(&ds, pt->source_sum);
	sqlite3_finalize(q);
	strbuf_release(&sel);
	strbuf_release(&cp);
	strbuf_release(&data);
	strbuf_release(&val);
	strbuf_release(&cval);
	strbuf_release(&row);
	return rc;
}

/*
 * Test hook: WSMIGRATE_FAULT=promote-alter:TABLE changes one value of one
 * copied row of TABLE before verification, as a fault in transit would, so
 * a test can prove that the checksum catches it.
 */
static int fault_alter(PGconn *conn, const char *t, struct error *err)
{
	const char *f = getenv("WSMIGRATE_FAULT");
	struct strbuf sql = STRBUF_INIT;
	PGresult *res;
	int rc;

	if (!f || strncmp(f, "promote-alter:", 14) != 0 || strcmp(f + 14, t) != 0)
		return 0;
	strbuf_addstr(&sql, "UPDATE ");
	strbuf_add_ident(&sql, t);
	strbuf_addstr(&sql, " SET \"_sha256\" = 'altered' WHERE ctid = (SELECT ctid FROM ");
	strbuf_add_ident(&sql, t);
	strbuf_addstr(&sql, " LIMIT 1)");
	res = PQexec(conn, sql.buf);
	rc = pg_ok(conn, res, err, "fault injection");
	if (!rc)
		PQclear(res);
	strbuf_release(&sql);
	return rc;
}

/* Count and checksum table t as PostgreSQL has it now. */
static int verify_table(PGconn *conn, const char *t, const struct cols *cs,
			struct promote_table *pt, struct error *err)
{
	struct strbuf sql = STRBUF_INIT, cval = STRBUF_INIT, row = STRBUF_INIT;
	struct digests ds = { 0 };
	PGresult *res;
	size_t i;
	int r, rc = 0;

	strbuf_addstr(&sql, "DECLARE wsm_promote_verify NO SCROLL CURSOR FOR SELECT ");
	for (i = 0; i < cs->n; i++) {
		if (i)
			strbuf_addstr(&sql, ", ");
		if (cs->c[i].cat == CAT_TS) {
			strbuf_addstr(&sql, "to_char(");
			strbuf_add_ident(&sql, cs->c[i].name);
			strbuf_addstr(&sql, " AT TIME ZONE 'UTC', " TS_FMT ")");
		} else {
			strbuf_add_ident(&sql, cs->c[i].name);
		}
	}
	strbuf_addstr(&sql, " FROM ");
	strbuf_add_ident(&sql, t);
	if (!sql.buf)
		return error_set(err, ERR_IO, "out of memory");
	res = PQexec(conn, sql.buf);
	if (pg_ok(conn, res, err, "verify"))
		goto out_nores;
	PQclear(res);
	for (;;) {
		res = PQexec(conn, "FETCH 5000 FROM wsm_promote_verify");
		if (pg_ok(conn, res, err, "verify")) {
			rc = ERR_IO;
			goto out_nores;
		}
		if (PQntuples(res) == 0) {
			PQclear(res);
			break;
		}
		for (r = 0; r < PQntuples(res); r++) {
			row.len = 0;
			for (i = 0; i < cs->n; i++) {
				int is_null = PQgetisnull(res, r, (int)i);

				cval.len = 0;
				if (!is_null)
					canon(cs->c[i].cat, PQgetvalue(res, r, (int)i),
					      (size_t)PQgetlength(res, r, (int)i), &cval);
				row_col(&row, cs->c[i].name, is_null, &cval);
			}
			if (digests_add(&ds, &row)) {
				PQclear(res);
				rc = error_set(err, ERR_IO, "out of memory");
				goto out_nores;
			}
			pt->target_rows++;
		}
		PQclear(res);
	}
	res = PQexec(conn, "CLOSE wsm_promote_verify");
	if (pg_ok(conn, res, err, "verify"))
		rc = ERR_IO;
	else
		PQclear(res);
	if (!rc)
		digests_finish(&ds, pt->target_sum);
	goto out;
out_nores:
	if (!rc)
		rc = ERR_IO;
out:
	strbuf_release(&sql);
	strbuf_release(&cval);
	strbuf_release(&row);
	return rc;
}

/* ------------------------------------------------------------ the run */

static const char *const ledger[] = {
	"wsm_runs", "wsm_files", "wsm_sources", "wsm_hist_wsm_sources", "wsm_tables",
};
#define N_LEDGER (sizeof(ledger) / sizeof(ledger[0]))

/* The tables to copy, in order: the ledger, then each table and its history. */
static char **copy_list(const struct defs *ds, size_t *n)
{
	char **l = calloc(N_LEDGER + 2 * ds->n + 1, sizeof(*l));
	size_t i, k = 0;

	if (!l)
		return NULL;
	for (i = 0; i < N_LEDGER; i++)
		l[k++] = strdup(ledger[i]);
	for (i = 0; i < ds->n; i++) {
		size_t len = strlen(ds->d[i].name) + 10;

		l[k] = strdup(ds->d[i].name);
		l[k + 1] = malloc(len);
		if (l[k + 1])
			snprintf(l[k + 1], len, "wsm_hist_%s", ds->d[i].name);
		k += 2;
	}
	*n = k;
	for (i = 0; i < k; i++)
		if (!l[i]) {
			for (i = 0; i < k; i++)
				free(l[i]);
			free(l);
			return NULL;
		}
	return l;
}

/* Refuse (ERR_USAGE) when one of `names`, or a target table, holds rows. */
static int check_empty(PGconn *conn, char **names, size_t n, const char *shown,
		       struct error *err)
{
	struct strbuf sql = STRBUF_INIT;
	PGresult *res;
	size_t i;
	int rc = 0;

	for (i = 0; i < n && !rc; i++) {
		const char *params[1] = { names[i] };

		res = PQexecParams(conn,
				   "SELECT 1 FROM pg_class WHERE relkind = 'r' AND relname = $1"
				   " AND relnamespace = (SELECT oid FROM pg_namespace"
				   " WHERE nspname = current_schema())",
				   1, NULL, params, NULL, NULL, 0);
		if (pg_ok(conn, res, err, "inspect the target"))
			return ERR_IO;
		if (PQntuples(res) == 1) {
			PQclear(res);
			sql.len = 0;
			strbuf_addstr(&sql, "SELECT EXISTS (SELECT 1 FROM ");
			strbuf_add_ident(&sql, names[i]);
			strbuf_addstr(&sql, ")");
			res = PQexec(conn, sql.buf);
			if (pg_ok(conn, res, err, "inspect the target")) {
				rc = ERR_IO;
				break;
			}
			if (!strcmp(PQgetvalue(res, 0, 0), "t"))
				rc = error_set(err, ERR_USAGE,
					       "%s is not empty (table '%s' has rows): use --force to replace its contents",
					       shown, names[i]);
		}
		PQclear(res);
	}
	strbuf_release(&sql);
	return rc;
}

/*
 * Tables the target records in its wsm_tables (and their history tables)
 * that the source does not have: they count for "not empty", and --force
 * empties them too, since the ledger that explains them is replaced.
 * Only tables that exist are listed.  *out is malloc'ed, names too.
 */
static int target_extra(PGconn *conn, char **names, size_t n, char ***out,
			size_t *n_out, struct error *err)
{
	PGresult *res;
	size_t cap = 0, i;
	int r, k;

	*out = NULL;
	*n_out = 0;
	res = PQexec(conn, "SELECT to_regclass('wsm_tables') IS NOT NULL");
	if (pg_ok(conn, res, err, "inspect the target"))
		return ERR_IO;
	r = !strcmp(PQgetvalue(res, 0, 0), "t");
	PQclear(res);
	if (!r)
		return 0;
	res = PQexec(conn,
		     "SELECT c.relname FROM wsm_tables w, LATERAL (VALUES (w.name),"
		     " ('wsm_hist_' || w.name)) AS v(t)"
		     " JOIN pg_class c ON c.relname = v.t AND c.relkind = 'r'"
		     " AND c.relnamespace = (SELECT oid FROM pg_namespace"
		     " WHERE nspname = current_schema())");
	if (pg_ok(conn, res, err, "inspect the target"))
		return ERR_IO;
	for (k = 0; k < PQntuples(res); k++) {
		const char *t = PQgetvalue(res, k, 0);

		for (i = 0; i < n; i++)
			if (!strcmp(names[i], t))
				break;
		if (i < n)
			continue;
		if (*n_out == cap) {
			char **nl;

			cap = cap ? cap * 2 : 8;
			nl = realloc(*out, cap * sizeof(*nl));
			if (!nl) {
				PQclear(res);
				return error_set(err, ERR_IO, "out of memory");
			}
			*out = nl;
		}
		(*out)[*n_out] = strdup(t);
		if (!(*out)[*n_out]) {
			PQclear(res);
			return error_set(err, ERR_IO, "out of memory");
		}
		(*n_out)++;
	}
	PQclear(res);
	return 0;
}

static int truncate_all(PGconn *conn, char **names, size_t n, struct error *err)
{
	struct strbuf sql = STRBUF_INIT;
	PGresult *res;
	size_t i;

	strbuf_addstr(&sql, "TRUNCATE ");
	for (i = 0; i < n; i++) {
		if (i)
			strbuf_addstr(&sql, ", ");
		strbuf_add_ident(&sql, names[i]);
	}
	res = PQexec(conn, sql.buf);
	strbuf_release(&sql);
	if (pg_ok(conn, res, err, "empty the target"))
		return ERR_IO;
	PQclear(res);
	return 0;
}

/* Move identity sequences (_hist_seq) past the copied values. */
static int bump_sequences(PGconn *conn, char **names, size_t n, struct error *err)
{
	struct strbuf sql = STRBUF_INIT;
	PGresult *res;
	size_t i;
	int rc = 0;

	for (i = 0; i < n && !rc; i++) {
		if (strncmp(names[i], "wsm_hist_", 9) != 0)
			continue;
		sql.len = 0;
		strbuf_addstr(&sql, "SELECT setval(pg_get_serial_sequence(quote_ident($1), '_hist_seq'),"
			      " coalesce(max(\"_hist_seq\"), 0) + 1, false) FROM ");
		strbuf_add_ident(&sql, names[i]);
		{
			const char *params[1] = { names[i] };

			res = PQexecParams(conn, sql.buf, 1, NULL, params, NULL, NULL, 0);
		}
		if (pg_ok(conn, res, err, "set the history sequences"))
			rc = ERR_IO;
		else
			PQclear(res);
	}
	strbuf_release(&sql);
	return rc;
}

int promote_run(const char *from, const char *to,
		const struct promote_opts *opts, struct promote_report *rep,
		struct error *err)
{
	struct storage_opts so = { 0 };
	struct storage *st = NULL;
	struct defs ds = { 0 };
	sqlite3 *db = NULL;
	PGconn *conn;
	char **names = NULL, **extra = NULL;
	size_t n_extra = 0;
	const char *path = from;
	size_t n = 0, i;
	double t0 = util_monotonic();
	int rc, all_ok = 1;

	memset(rep, 0, sizeof(*rep));
	storage_mask_url(from, rep->from, sizeof(rep->from));
	storage_mask_url(to, rep->to, sizeof(rep->to));
	if (!strncmp(path, "sqlite:", 7))
		path += 7;
	if (!*path)
		return error_set(err, ERR_USAGE, "--from: no SQLite database given");
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		rc = error_set(err, ERR_USAGE, "cannot open SQLite database '%s': %s", path,
			       db ? sqlite3_errmsg(db) : "out of memory");
		goto out;
	}
	sqlite3_busy_timeout(db, 60000);
	/* one read transaction: every table comes from the same snapshot */
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		rc = sq_err(db, err, "read the source");
		goto out;
	}
	for (i = 0; i < N_LEDGER; i++)
		if (!sqlite_has_table(db, ledger[i])) {
			rc = error_set(err, ERR_USAGE,
				       "'%s' is not a database made by wsmigrate (no table '%s')",
				       path, ledger[i]);
			goto out;
		}
	if ((rc = read_defs(db, &ds, err)))
		goto out;
	names = copy_list(&ds, &n);
	if (!names) {
		rc = error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		if (!sqlite_has_table(db, names[i])) {
			rc = error_set(err, ERR_USAGE,
				       "'%s': table '%s' is recorded in wsm_tables but missing",
				       path, names[i]);
			goto out;
		}

	/* refuse before storage_open, which would create an SQLite file */
	if (strncmp(to, "postgres", 8) != 0 && (!strchr(to, '=') || !strncmp(to, "sqlite:", 7))) {
		rc = error_set(err, ERR_USAGE,
			       "--to must be a PostgreSQL database (postgresql://... or \"host=... dbname=...\"), not '%s'",
			       rep->to);
		goto out;
	}
	if ((rc = storage_open(to, &so, &st, err)))
		goto out;
	conn = (PGconn *)storage_pg_conn(st);
	if ((rc = storage_begin(st, err)))
		goto out;
	if ((rc = target_extra(conn, names, n, &extra, &n_extra, err)))
		goto out;
	if (!opts->force && ((rc = check_empty(conn, names, n, rep->to, err)) ||
			     (rc = check_empty(conn, extra, n_extra, rep->to, err))))
		goto out;
	if (n_extra && (rc = truncate_all(conn, extra, n_extra, err)))
		goto out;
	if ((rc = storage_ensure_tables(st, ds.d, ds.n, err)) ||
	    (rc = truncate_all(conn, names, n, err)))
		goto out;

	rep->tables = calloc(n, sizeof(*rep->tables));
	if (!rep->tables) {
		rc = error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct promote_table *pt = &rep->tables[i];
		struct cols cs;
		double t1 = util_monotonic();

		snprintf(pt->name, sizeof(pt->name), "%s", names[i]);
		rep->n = i + 1;
		if ((rc = common_cols(db, conn, names[i], &cs, err)))
			goto out;
		rc = copy_table(db, conn, names[i], &cs, pt, err);
		if (!rc)
			rc = fault_alter(conn, names[i], err);
		if (!rc)
			rc = verify_table(conn, names[i], &cs, pt, err);
		cols_release(&cs);
		if (rc) {
			error_prefix(err, "table '%s'", names[i]);
			goto out;
		}
		pt->seconds = util_monotonic() - t1;
		pt->ok = pt->rows == pt->target_rows &&
			 !strcmp(pt->source_sum, pt->target_sum);
		all_ok &= pt->ok;
	}
	if ((rc = bump_sequences(conn, names, n, err)))
		goto out;
	if (!all_ok) {
		rc = error_set(err, ERR_DATA, "verification failed: the target was left unchanged");
		goto out;
	}
	if ((rc = storage_commit(st, err)))
		goto out;
	rep->committed = 1;
out:
	rep->seconds = util_monotonic() - t0;
	if (st && !rep->committed)
		storage_rollback(st, NULL);
	storage_close(st);
	if (db) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_close(db);
	}
	for (i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
	for (i = 0; i < n_extra; i++)
		free(extra[i]);
	free(extra);
	defs_release(&ds);
	return rc;
}

void promote_report_release(struct promote_report *rep)
{
	free(rep->tables);
	rep->tables = NULL;
	rep->n = 0;
}

#endif
