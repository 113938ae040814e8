/*
 * storage/storage.c - picks a storage backend by URL and forwards calls to it,
 * and holds the family's one checked downcast.  It holds no SQL: each
 * backend owns its dialect (sqlite*.c, pg*.c).  A NULL method in a backend
 * means "not supported".
 */
#include "storage.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "util.h"

#ifndef WSM_NO_PG
#include <libpq-fe.h>
#endif

const char *file_outcome_name(enum file_outcome o)
{
	switch (o) {
	case FILE_IMPORTED: return "imported";
	case FILE_UNCHANGED: return "unchanged";
	case FILE_SKIPPED: return "skipped";
	case FILE_INVALID: return "invalid";
	}
	return "?";
}

static int is_sqlite_url(const char *url);
static int is_uri(const char *s);

static int is_pg_url(const char *url)
{
	return is_uri(url) || (strchr(url, '=') != NULL && strncmp(url, "sqlite:", 7) != 0);
}

int storage_open(const char *url, const struct storage_opts *opts,
		 struct storage **out, struct error *err)
{
	struct storage_opts none = { 0 };
	const struct storage_ops *ops = NULL;
	char masked[1024];

	*out = NULL;
	if (!opts)
		opts = &none;
	if (strncmp(url, "sqlite:", 7) == 0 || util_ends_with(url, ".db") ||
	    util_ends_with(url, ".sqlite") || util_ends_with(url, ".sqlite3")) {
		ops = &storage_sqlite_ops;
	} else if (is_pg_url(url)) {
#ifndef WSM_NO_PG
		ops = &storage_pg_ops;
#else
		return error_set(err, ERR_USAGE,
				 "'%s': this build has no PostgreSQL support (built with WITH_PG=0)",
				 storage_mask_url(url, masked, sizeof(masked)));
#endif
	}
	if (!ops)
		return error_set(err, ERR_USAGE,
				 "cannot tell the database kind of '%s': use sqlite:PATH, a path ending in .db/.sqlite/.sqlite3, or postgresql://...",
				 storage_mask_url(url, masked, sizeof(masked)));
	if (ops->open(url, opts, out, err))
		return err ? (int)err->code : ERR_IO;
	(*out)->ops = ops;
	storage_mask_url(url, (*out)->url_masked, sizeof((*out)->url_masked));
	if (ops == &storage_sqlite_ops) {
		/* the summary names the file wherever the command ran */
		const char *path = strncmp(url, "sqlite://", 9) == 0 ? url + 9 :
				   strncmp(url, "sqlite:", 7) == 0 ? url + 7 : url;
		char dir[4096], *real = NULL;
		const char *slash = strrchr(path, '/');

		/* the folder resolved (no "..", no symlinks), the file name kept */
		if (!slash)
			snprintf(dir, sizeof(dir), ".");
		else if (slash == path)
			snprintf(dir, sizeof(dir), "/");
		else
			snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
		real = realpath(dir, NULL);
		if (real)
			snprintf((*out)->url_masked, sizeof((*out)->url_masked), "sqlite:%s/%s",
				 strcmp(real, "/") == 0 ? "" : real, slash ? slash + 1 : path);
		else
			snprintf((*out)->url_masked, sizeof((*out)->url_masked), "sqlite:%s", path);
		free(real);
	}
	return 0;
}

void *storage_downcast(struct storage *st, const struct storage_ops *ops)
{
	/* BUG: a backend method got a handle of another backend, or none */
	assert(st && st->ops == ops);
	return st;
}

void storage_free_names(char **names, size_t n)
{
	size_t i;

	for (i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}

const char *storage_lock_holder_text(const struct lock_holder *h, char *buf,
				     size_t size)
{
	if (!h->who[0])
		snprintf(buf, size, "another client");
	else if (!h->since[0])
		snprintf(buf, size, "%s", h->who);
	else
		snprintf(buf, size, "%s%s since %s", h->who,
			 h->since_is_start ? ", running" : "", h->since);
	return buf;
}

void storage_close(struct storage *st)
{
	if (st)
		st->ops->close(st);
}

/* ------------------------------------------------------------ passwords */

/*
 * Passwords are found by parsing, never by pattern: libpq's own grammar
 * for connection strings (fe-connect.c conninfo_parse and
 * conninfo_uri_parse_options), followed here byte for byte, gives the
 * spans of the raw text that hold a password: a URI's userinfo after the
 * first ':', a "password" query parameter, and the value of a "password"
 * keyword (quoted or not, whatever the white space).  A "dbname" value is a
 * connection string of its own to libpq (expand_dbname), so its spans
 * count too.  The spans mask the raw text when libpq cannot parse it, and
 * scrub libpq's messages, which echo pieces of the raw text.
 */
struct span {
	size_t start, len;
};

#define MAX_SPANS 16

static int is_uri(const char *s)
{
	return strncmp(s, "postgresql://", 13) == 0 || strncmp(s, "postgres://", 11) == 0;
}

/* 1 when raw[0..n) percent-decodes to `word` */
static int pct_equals(const char *raw, size_t n, const char *word)
{
	size_t i = 0;

	while (i < n) {
		int c = (unsigned char)raw[i];

		if (c == '%' && i + 2 < n && util_hex_digit(raw[i + 1]) >= 0 &&
		    util_hex_digit(raw[i + 2]) >= 0) {
			c = util_hex_digit(raw[i + 1]) * 16 + util_hex_digit(raw[i + 2]);
			i += 3;
		} else {
			i++;
		}
		if (!*word || c != (unsigned char)*word++)
			return 0;
	}
	return *word == '\0';
}

static void add_span(struct span *sp, size_t *n, size_t start, size_t len)
{
	if (*n < MAX_SPANS && len) {
		sp[*n].start = start;
		sp[*n].len = len;
		(*n)++;
	}
}

static void find_spans(const char *s, size_t base, struct span *sp, size_t *n, int depth);

/* libpq's URI grammar: scheme://[user[:password]@]hosts[/dbname][?k=v&...] */
static void uri_spans(const char *s, size_t base, struct span *sp, size_t *n)
{
	const char *start = s + (strncmp(s, "postgresql://", 13) == 0 ? 13 : 11);
	const char *p = start, *q;

	while (*p && *p != '@' && *p != '/')
		p++;
	if (*p == '@') {
		for (q = start; *q != ':' && *q != '@'; q++)
			;
		if (*q == ':')
			add_span(sp, n, base + (size_t)(q + 1 - s), (size_t)(p - q - 1));
	}
	q = strchr(p, '?');
	while (q && *q) {
		const char *k = q + 1, *eq, *amp;

		amp = strchr(k, '&');
		if (!amp)
			amp = k + strlen(k);
		eq = memchr(k, '=', (size_t)(amp - k));
		if (eq && pct_equals(k, (size_t)(eq - k), "password"))
			add_span(sp, n, base + (size_t)(eq + 1 - s), (size_t)(amp - eq - 1));
		q = *amp ? amp : NULL;
	}
}

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* libpq's keyword grammar: key [ws] = [ws] value | 'quoted \' value' ... */
static void keyword_spans(const char *s, size_t base, struct span *sp, size_t *n, int depth)
{
	const char *p = s;

	while (*p) {
		const char *key, *key_end, *val;
		int escaped = 0;

		if (is_space((unsigned char)*p)) {
			p++;
			continue;
		}
		key = p;
		while (*p && *p != '=' && !is_space((unsigned char)*p))
			p++;
		key_end = p;
		while (*p && is_space((unsigned char)*p))
			p++;
		if (*p != '=')
			return;          /* libpq refuses the rest: nothing more to find */
		p++;
		while (*p && is_space((unsigned char)*p))
			p++;
		val = p;
		if (*p == '\'') {
			p++;
			while (*p && *p != '\'') {
				if (*p == '\\' && p[1]) {
					p++;
					escaped = 1;
				}
				p++;
			}
			/* an unterminated quote: the value runs to the end */
			if ((size_t)(key_end - key) == 8 && !strncmp(key, "password", 8))
				add_span(sp, n, base + (size_t)(val + 1 - s), (size_t)(p - val - 1));
			else if (!escaped && (size_t)(key_end - key) == 6 && !strncmp(key, "dbname", 6) &&
				 depth < 2) {
				char sub[1024];
				size_t len = (size_t)(p - val - 1);

				if (len < sizeof(sub)) {
					memcpy(sub, val + 1, len);
					sub[len] = '\0';
					find_spans(sub, base + (size_t)(val + 1 - s), sp, n, depth + 1);
				}
			}
			if (*p == '\'')
				p++;
		} else {
			while (*p && !is_space((unsigned char)*p)) {
				if (*p == '\\' && p[1]) {
					p++;
					escaped = 1;
				}
				p++;
			}
			if ((size_t)(key_end - key) == 8 && !strncmp(key, "password", 8))
				add_span(sp, n, base + (size_t)(val - s), (size_t)(p - val));
			else if (!escaped && (size_t)(key_end - key) == 6 && !strncmp(key, "dbname", 6) &&
				 depth < 2) {
				char sub[1024];
				size_t len = (size_t)(p - val);

				if (len < sizeof(sub)) {
					memcpy(sub, val, len);
					sub[len] = '\0';
					find_spans(sub, base + (size_t)(val - s), sp, n, depth + 1);
				}
			}
		}
	}
}

static void find_spans(const char *s, size_t base, struct span *sp, size_t *n, int depth)
{
	if (is_uri(s))
		uri_spans(s, base, sp, n);
	else if (strchr(s, '='))
		keyword_spans(s, base, sp, n, depth);
}

static int is_sqlite_url(const char *url)
{
	return strncmp(url, "sqlite:", 7) == 0 || util_ends_with(url, ".db") ||
	       util_ends_with(url, ".sqlite") || util_ends_with(url, ".sqlite3");
}

/* The raw text with each span replaced by "***". */
static const char *mask_spans(const char *url, char *buf, size_t size)
{
	struct span sp[MAX_SPANS];
	size_t n = 0, i, o = 0, k;

	find_spans(url, 0, sp, &n, 0);
	for (i = 0; url[i] && o + 1 < size; ) {
		for (k = 0; k < n; k++)
			if (i == sp[k].start)
				break;
		if (k < n) {
			const char *m = "***";

			while (*m && o + 1 < size)
				buf[o++] = *m++;
			i += sp[k].len;
			continue;
		}
		buf[o++] = url[i++];
	}
	buf[o] = '\0';
	return buf;
}

#ifndef WSM_NO_PG
static void put(struct strbuf *sb, const char *s)
{
	strbuf_addstr(sb, s);
}

/* Percent-encode what a URI component cannot hold as is. */
static void put_pct(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~')
			strbuf_add(sb, s, 1);
		else
			strbuf_addf(sb, "%%%02X", c);
	}
}

/* A keyword value, quoted when libpq would need it. */
static void put_kw_value(struct strbuf *sb, const char *v)
{
	const char *p;
	int quote = !*v;

	for (p = v; *p; p++)
		if (is_space((unsigned char)*p) || *p == '\'' || *p == '\\')
			quote = 1;
	if (!quote) {
		put(sb, v);
		return;
	}
	put(sb, "'");
	for (p = v; *p; p++) {
		if (*p == '\'' || *p == '\\')
			put(sb, "\\");
		strbuf_add(sb, p, 1);
	}
	put(sb, "'");
}

static const char *opt_val(const PQconninfoOption *o, const char *key)
{
	for (; o->keyword; o++)
		if (!strcmp(o->keyword, key))
			return o->val && *o->val ? o->val : NULL;
	return NULL;
}

/* A dbname that is itself a connection string is masked as one. */
static void put_dbname_kw(struct strbuf *sb, const char *v)
{
	char sub[1024];

	if (is_uri(v) || strchr(v, '='))
		put_kw_value(sb, storage_mask_url(v, sub, sizeof(sub)));
	else
		put_kw_value(sb, v);
}

/*
 * The display form of a parsed connection string: the same form as given
 * (URI or keywords), the password as "***", every other value as libpq
 * understood it.
 */
static void rebuild(const char *url, const PQconninfoOption *opts, struct strbuf *sb)
{
	const PQconninfoOption *o;

	if (is_uri(url)) {
		const char *user = opt_val(opts, "user"), *host = opt_val(opts, "host");
		const char *port = opt_val(opts, "port"), *db = opt_val(opts, "dbname");
		int q = 0, sock = host && host[0] == '/';

		put(sb, strncmp(url, "postgresql://", 13) == 0 ? "postgresql://" : "postgres://");
		if (user || opt_val(opts, "password")) {
			if (user)
				put_pct(sb, user);
			if (opt_val(opts, "password"))
				put(sb, ":***");
			put(sb, "@");
		}
		if (host && !sock) {
			/* host and port lists pair up: h1:p1,h2:p2 */
			const char *h = host, *pt = port;

			while (*h) {
				size_t hl = strcspn(h, ","), pl = pt ? strcspn(pt, ",") : 0;
				int v6 = memchr(h, ':', hl) != NULL;

				if (v6)
					put(sb, "[");
				strbuf_add(sb, h, hl);
				if (v6)
					put(sb, "]");
				if (pl) {
					put(sb, ":");
					strbuf_add(sb, pt, pl);
				}
				h += hl;
				if (pt)
					pt += pl + (pt[pl] == ',');
				if (*h == ',') {
					put(sb, ",");
					h++;
				}
			}
		} else if (port && !sock) {
			put(sb, ":");
			put(sb, port);
		}
		if (db) {
			put(sb, "/");
			put_pct(sb, db);
		}
		for (o = opts; o->keyword; o++) {
			if (!o->val || !*o->val || !strcmp(o->keyword, "user") ||
			    !strcmp(o->keyword, "password") || !strcmp(o->keyword, "dbname") ||
			    (!sock && (!strcmp(o->keyword, "host") || !strcmp(o->keyword, "port"))))
				continue;
			put(sb, q++ ? "&" : "?");
			put(sb, o->keyword);
			put(sb, "=");
			put_pct(sb, o->val);
		}
		return;
	}
	for (o = opts; o->keyword; o++) {
		if (!o->val)
			continue;
		if (sb->len)
			put(sb, " ");
		put(sb, o->keyword);
		put(sb, "=");
		if (!strcmp(o->keyword, "password"))
			put(sb, "***");
		else if (!strcmp(o->keyword, "dbname"))
			put_dbname_kw(sb, o->val);
		else
			put_kw_value(sb, o->val);
	}
}
#endif

const char *storage_mask_url(const char *url, char *buf, size_t size)
{
	if (!size)
		return buf;
	if (is_sqlite_url(url) || (!is_uri(url) && !strchr(url, '='))) {
		snprintf(buf, size, "%s", url);
		return buf;
	}
#ifndef WSM_NO_PG
	{
		PQconninfoOption *opts;
		char *msg = NULL;

		opts = PQconninfoParse(url, &msg);
		PQfreemem(msg);
		if (opts) {
			struct strbuf sb = STRBUF_INIT;

			rebuild(url, opts, &sb);
			PQconninfoFree(opts);
			if (!sb.failed && sb.buf) {
				snprintf(buf, size, "%s", sb.buf);
				strbuf_release(&sb);
				return buf;
			}
			strbuf_release(&sb);
		}
	}
#endif
	/* libpq cannot parse it: the raw text, its password spans masked */
	return mask_spans(url, buf, size);
}

/*
 * Scrub `msg` of every piece of `url` that holds a password.  At each
 * place of msg the longest run that also occurs in url is taken; when it
 * covers a whole password span (libpq echoes whole tokens: the URI, a
 * userinfo, a keyword value), or part of one up to the end of msg (a
 * message cut short), the bytes of the span become "***" and the rest of
 * the run (host, user ...) stays readable.
 */
const char *storage_scrub_secrets(const char *url, char *msg, size_t size)
{
	struct span sp[MAX_SPANS];
	size_t n = 0, ul, ml, i;
	struct strbuf sb = STRBUF_INIT;

	if (!url || !msg || !size)
		return msg;
	find_spans(url, 0, sp, &n, 0);
	if (!n)
		return msg;
	ul = strlen(url);
	ml = strlen(msg);
	for (i = 0; i < ml; ) {
		size_t best = 0, at = 0, j, k;
		int hit = 0;

		for (j = 0; j < ul; j++) {
			size_t len = 0;
			int h = 0;

			while (i + len < ml && j + len < ul && msg[i + len] == url[j + len])
				len++;
			if (!len || len < best)
				continue;
			for (k = 0; k < n; k++) {
				size_t s0 = sp[k].start, s1 = sp[k].start + sp[k].len;

				if ((j <= s0 && j + len >= s1) ||
				    (i + len == ml && j + len > s0 && j < s1))
					h = 1;
			}
			if (len > best || (h && !hit)) {
				best = len;
				at = j;
				hit = h;
			}
		}
		if (!hit)
			best = 0;
		if (!best) {
			strbuf_add(&sb, msg + i, 1);
			i++;
			continue;
		}
		/* copy the run, each password span of it as one "***" */
		for (j = at; j < at + best; ) {
			for (k = 0; k < n; k++)
				if (j >= sp[k].start && j < sp[k].start + sp[k].len)
					break;
			if (k < n) {
				strbuf_addstr(&sb, "***");
				j = sp[k].start + sp[k].len;
			} else {
				strbuf_add(&sb, url + j, 1);
				j++;
			}
		}
		i += best;
	}
	if (sb.failed || !sb.buf)
		snprintf(msg, size, "(message withheld: it may hold a password)");
	else
		snprintf(msg, size, "%s", sb.buf);
	strbuf_release(&sb);
	return msg;
}

#define CALL(method, ...)                                                   \
	do {                                                                \
		if (!st->ops->method)                                       \
			return error_set(err, ERR_USAGE,                    \
					 "%s: not supported by the %s backend", \
					 #method, st->ops->name);           \
		return st->ops->method(__VA_ARGS__);                        \
	} while (0)

int storage_begin(struct storage *st, struct error *err)
{
	CALL(begin, st, err);
}

int storage_ensure_tables(struct storage *st, const struct table_def *defs,
			  size_t n, struct error *err)
{
	CALL(ensure_tables, st, defs, n, err);
}

int storage_run_start(struct storage *st, const struct run_info *run,
		      struct error *err)
{
	CALL(run_start, st, run, err);
}

int storage_source_lookup(struct storage *st, const char *path,
			  struct source_state *out, int *found,
			  struct error *err)
{
	CALL(source_lookup, st, path, out, found, err);
}

int storage_source_lookup_many(struct storage *st, const char *const *paths,
			       size_t n, struct source_state *out, int *found,
			       struct error *err)
{
	size_t i;

	if (st->ops->source_lookup_many)
		return st->ops->source_lookup_many(st, paths, n, out, found, err);
	for (i = 0; i < n; i++) {
		int rc = storage_source_lookup(st, paths[i], &out[i], &found[i], err);

		if (rc)
			return rc;
	}
	return 0;
}

int storage_put_batch(struct storage *st, const struct batch *b,
		      struct error *err)
{
	CALL(put_batch, st, b, err);
}

int storage_missing_sources(struct storage *st, const char *run_id,
			    int (*cb)(void *ctx, const char *path,
				      const char *rule),
			    void *ctx, struct error *err)
{
	CALL(missing_sources, st, run_id, cb, ctx, err);
}

int storage_prune_source(struct storage *st, const char *run_id,
			 const char *path, struct error *err)
{
	CALL(prune_source, st, run_id, path, err);
}

int storage_run_finish(struct storage *st, const struct run_info *run,
		       struct error *err)
{
	CALL(run_finish, st, run, err);
}

int storage_commit(struct storage *st, struct error *err)
{
	CALL(commit, st, err);
}

int storage_rollback(struct storage *st, struct error *err)
{
	CALL(rollback, st, err);
}

int storage_list_runs(struct storage *st,
		      int (*cb)(void *ctx, const struct run_info *run),
		      void *ctx, struct error *err)
{
	CALL(list_runs, st, cb, ctx, err);
}

int storage_list_files(struct storage *st, const char *run_id,
		       int (*cb)(void *ctx, const struct file_entry *f),
		       void *ctx, struct error *err)
{
	CALL(list_files, st, run_id, cb, ctx, err);
}

int storage_revert_run(struct storage *st, const char *run_id,
		       int64_t *rows_removed, int64_t *rows_restored,
		       struct error *err)
{
	CALL(revert_run, st, run_id, rows_removed, rows_restored, err);
}

int storage_add_warnings(struct storage *st, const struct warning_entry *w,
			 size_t n, struct error *err)
{
	CALL(add_warnings, st, w, n, err);
}

int storage_note_run(struct storage *st, const char *run_id, const char *kind,
		     const char *message, struct error *err)
{
	CALL(note_run, st, run_id, kind, message, err);
}

int storage_forget_archive(struct storage *st, const char *run_id, struct error *err)
{
	CALL(forget_archive, st, run_id, err);
}

int storage_list_warnings(struct storage *st, const char *run_id,
			  const char *kind,
			  int (*cb)(void *ctx, const struct warning_entry *w),
			  void *ctx, struct error *err)
{
	CALL(list_warnings, st, run_id, kind, cb, ctx, err);
}

int storage_table_counts(struct storage *st,
			 int (*cb)(void *ctx, const char *table, int is_child,
				   int64_t rows),
			 void *ctx, struct error *err)
{
	CALL(table_counts, st, cb, ctx, err);
}

int storage_export_docs(struct storage *st, const struct export_query *q,
			int (*cb)(void *ctx, const struct export_doc *d),
			void *ctx, struct error *err)
{
	CALL(export_docs, st, q, cb, ctx, err);
}

/*
 * One query for both dialects: CAST rather than ::, and $1/$2, which
 * SQLite binds as parameters 1 and 2 in the order they first appear.
 * State of a path as of seq $1: among its wsm_sources rows, current and
 * kept in history, written by committed runs up to $1, the one that was
 * replaced first after $1 (never replaced: the current one).
 */
int storage_export_sql(struct strbuf *sb, const char *table, const char *text_main,
		       const char *text_hist, const char *value, int by_rule,
		       const char *source_col, int by_source)
{
	strbuf_addstr(sb,
		"WITH upto AS (SELECT id FROM wsm_runs WHERE seq <= CAST($1 AS bigint)"
		" AND status = 'committed'),"
		" later AS (SELECT id, seq FROM wsm_runs WHERE seq > CAST($1 AS bigint)),"
		" cand AS (SELECT _path, rule, sha256, mtime_ns, _run_id, ");
	strbuf_addf(sb, "%s AS src_name,", source_col);
	strbuf_addstr(sb,
		" CAST(9223372036854775807 AS bigint) AS until FROM wsm_sources"
		" WHERE _run_id IN (SELECT id FROM upto)"
		" UNION ALL SELECT h._path, h.rule, h.sha256, h.mtime_ns, h._run_id, ");
	strbuf_addf(sb, "%s%s, l.seq", strcmp(source_col, "_source") == 0 ? "h." : "", source_col);
	strbuf_addstr(sb,
		" FROM wsm_hist_wsm_sources h JOIN later l ON l.id = h._superseded_by"
		" WHERE h._run_id IN (SELECT id FROM upto)),"
		" src AS (SELECT * FROM (SELECT cand.*, row_number() OVER"
		" (PARTITION BY src_name, _path ORDER BY until) AS rn FROM cand) x WHERE rn = 1),"
		" d AS (SELECT \"_path\" AS p, \"_run_id\" AS r, ");
	strbuf_addf(sb, "%s AS t, %s AS v FROM ", text_main, value);
	strbuf_add_ident(sb, table);
	strbuf_addstr(sb, " UNION ALL SELECT \"_path\", \"_run_id\", ");
	strbuf_addf(sb, "%s, %s FROM ", text_hist, value);
	{
		struct strbuf h = STRBUF_INIT;

		strbuf_addf(&h, "wsm_hist_%s", table);
		strbuf_add_ident(sb, strbuf_str(&h));
		strbuf_release(&h);
	}
	strbuf_addstr(sb,
		" WHERE \"_superseded_by\" IN (SELECT id FROM later))"
		" SELECT src._path, src.rule, src._run_id, src.sha256, src.mtime_ns,"
		" f.mode, d.t, d.v FROM src JOIN d ON d.p = src._path AND d.r = src._run_id"
		" LEFT JOIN wsm_files f ON f.run_id = src._run_id AND f.path = src._path");
	if (by_source)
		strbuf_addstr(sb, " WHERE (CAST($2 AS text) IS NULL OR src.rule = CAST($2 AS text))"
			      " AND src.src_name = CAST($3 AS text)");
	else if (by_rule)
		strbuf_addstr(sb, " WHERE src.rule = $2");
	strbuf_addstr(sb, " ORDER BY src.src_name, src._path");
	return sb->failed ? -1 : 0;
}
