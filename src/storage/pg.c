/*
 * storage/pg.c - the PostgreSQL storage backend (libpq).
 * Rows travel by COPY into pg_temp staging tables and are merged with
 * set-based SQL inside the run's transaction; a run holds a transaction-level
 * advisory lock.  It never prints: notices are swallowed, errors go to err.
 */
#include "storage.h"
#include "util.h"
#include "promote.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <libpq-fe.h>

/*
 * The advisory lock every writer of a database takes: "wsmigrat" as a
 * big-endian 64-bit integer.  Promote uses the same key (promote.c).
 */
#define WSM_PG_LOCK_KEY "8607477376316252532"

/* How long begin waits for another writer when opts say 0 (as SQLite). */
#define PG_DEFAULT_BUSY_MS (10 * 60 * 1000)

/* PostgreSQL's identifier limit (NAMEDATALEN - 1). */
#define PG_IDENT_MAX 63
#define HIST_PREFIX "wsm_hist_"

struct pg_storage {
	struct storage base;      /* must stay first: see pg_downcast */
	PGconn *conn;
	int in_tx;
	int no_wait;
	int busy_timeout_ms;
	char *tenant;             /* "" when none */
	char run_id[64];          /* set by run_start */
	char where[512];          /* "database 'd' on host:port", for messages */
	int lookup_prepared;      /* "wsm_source_lookup" is prepared on conn */
	struct strbuf deferred;   /* CREATE INDEX statements of the tables this
				     transaction created, run once their rows
				     are in (build_deferred) */
	char **fresh;             /* names of those tables */
	size_t n_fresh;
	int no_sources;           /* wsm_sources held nothing of this tenant
				     when the run started: lookups in the run
				     find nothing, without asking */
	PGconn *reader;           /* source_lookup_many's own connection in a
				     run: it may be called while put_batch
				     uses conn on another thread (storage.h) */
	int lost_ready;           /* pg_temp.wsm_lost exists in this transaction */
};

static struct pg_storage *pg_downcast(struct storage *st)
{
	assert(st && st->ops == &storage_pg_ops);
	return (struct pg_storage *)st;
}

static void fresh_clear(struct pg_storage *ps)
{
	size_t i;

	for (i = 0; i < ps->n_fresh; i++)
		free(ps->fresh[i]);
	free(ps->fresh);
	ps->fresh = NULL;
	ps->n_fresh = 0;
	strbuf_reset(&ps->deferred);
}

/*
 * Was `table` created by this transaction?  Then it holds only this run's
 * rows, and a run writes each path once: no row of a path being imported
 * can be in it, so nothing needs replacing.
 */
static int is_fresh(const struct pg_storage *ps, const char *table)
{
	size_t i;

	for (i = 0; i < ps->n_fresh; i++)
		if (strcmp(ps->fresh[i], table) == 0)
			return 1;
	return 0;
}

/* ------------------------------------------------------------ strings */

/*
 * SQL and COPY data are built in a struct strbuf (util.h); its sticky
 * `failed` flag lets a long build be checked once, where it is sent.
 */

/* Append "alias." + quoted ident, e.g. t."col" (no alias: just the ident). */
static void sb_col(struct strbuf *sb, const char *alias, const char *name)
{
	if (alias) {
		strbuf_addstr(sb, alias);
		strbuf_addstr(sb, ".");
	}
	strbuf_add_ident(sb, name);
}

static int catalog_cols(struct pg_storage *ps, const char *table,
			struct strbuf *cols, int *has_tenant, struct error *err);

/* Append a NUL-terminated string (or NULL) as a COPY text field. */
static void sb_copy_str(struct strbuf *sb, const char *s)
{
	strbuf_add_copy_field(sb, s, s ? strlen(s) : 0);
}

/*
 * A name for an index of `table` ending in `suffix` that fits in
 * PostgreSQL's 63 bytes: "<table>_<suffix>", or a shortened table name plus
 * a hash of the full one when that is too long.
 */
static void index_name(char *buf, size_t size, const char *table,
		       const char *suffix)
{
	uint32_t h = 2166136261u;
	const char *q;
	int keep;

	if (strlen(table) + 1 + strlen(suffix) <= PG_IDENT_MAX &&
	    snprintf(buf, size, "%s_%s", table, suffix) < (int)size)
		return;
	for (q = table; *q; q++)
		h = (h ^ (unsigned char)*q) * 16777619u;
	for (q = suffix; *q; q++)
		h = (h ^ (unsigned char)*q) * 16777619u;
	keep = PG_IDENT_MAX - 10 - (int)strlen(suffix);
	if (keep < 1)
		keep = 1;
	/* do not cut a UTF-8 sequence in half */
	while (keep > 1 && ((unsigned char)table[keep] & 0xC0) == 0x80)
		keep--;
	if (strlen(suffix) > 40)
		snprintf(buf, size, "%.*s_%08x", 40, table, h);
	else
		snprintf(buf, size, "%.*s_%08x_%s", keep, table, h, suffix);
}

/* ------------------------------------------------------------ errors */

/* First line of `msg`, trimmed, without libpq's "FATAL:  " decorations. */
static void first_line(const char *msg, char *buf, size_t size)
{
	const char *p = msg ? msg : "", *end, *f;
	size_t n;

	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	end = strchr(p, '\n');
	n = end ? (size_t)(end - p) : strlen(p);
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\r' || p[n - 1] == '\t'))
		n--;
	/* "connection to server at "h", port p failed: REASON" -> REASON */
	f = strstr(p, " failed: ");
	if (f && (size_t)(f - p) < n && strncmp(p, "connection to server", 20) == 0) {
		n -= (size_t)(f + 9 - p);
		p = f + 9;
	}
	if (strncmp(p, "FATAL:  ", 8) == 0 && n >= 8) {
		p += 8;
		n -= 8;
	} else if (strncmp(p, "ERROR:  ", 8) == 0 && n >= 8) {
		p += 8;
		n -= 8;
	}
	if (n >= size)
		n = size - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
}

/* Remove every occurrence of `secret` from buf (replaced by "***"). */
static void scrub(char *buf, size_t size, const char *secret)
{
	char tmp[ERROR_MSG_MAX];
	size_t sl, o = 0;
	const char *p = buf;

	if (!secret || !*secret)
		return;
	sl = strlen(secret);
	while (*p && o + 4 < sizeof(tmp)) {
		if (strncmp(p, secret, sl) == 0) {
			memcpy(tmp + o, "***", 3);
			o += 3;
			p += sl;
		} else {
			tmp[o++] = *p++;
		}
	}
	tmp[o] = '\0';
	snprintf(buf, size, "%s", tmp);
}

/*
 * Fill err from a failed result (or the connection when res is NULL):
 * "<what>: <server message>[ (<detail>)]".  Returns ERR_IO.
 */
static int pg_fail(struct pg_storage *ps, const PGresult *res,
		   struct error *err, const char *what)
{
	char msg[1024], detail[512] = "";
	const char *prim = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *det = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;

	if (prim)
		snprintf(msg, sizeof(msg), "%s", prim);
	else if (res && *PQresultErrorMessage(res))
		first_line(PQresultErrorMessage(res), msg, sizeof(msg));
	else
		first_line(PQerrorMessage(ps->conn), msg, sizeof(msg));
	if (det)
		snprintf(detail, sizeof(detail), " (%s)", det);
	if (PQstatus(ps->conn) == CONNECTION_BAD)
		return error_set(err, ERR_IO, "%s: lost the connection to %s: %s",
				 what, ps->where, msg);
	return error_set(err, ERR_IO, "%s: %s%s", what, msg, detail);
}

/* ------------------------------------------------------------ queries */

/*
 * Run one statement with text parameters (NULL entries are SQL NULL).
 * On success returns 0 and, when out is not NULL, the result (caller
 * PQclear's it).  On failure fills err with "<what>: <message>".
 */
static int q_exec(struct pg_storage *ps, const char *sql, int n,
		  const char *const *params, PGresult **out,
		  struct error *err, const char *what)
{
	PGresult *res;
	ExecStatusType s;

	if (out)
		*out = NULL;
	/* the simple protocol allows several statements in one string */
	res = n ? PQexecParams(ps->conn, sql, n, NULL, params, NULL, NULL, 0) :
		  PQexec(ps->conn, sql);
	s = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
		pg_fail(ps, res, err, what);
		PQclear(res);
		return ERR_IO;
	}
	if (out)
		*out = res;
	else
		PQclear(res);
	return 0;
}

/* q_exec for statements built in an sbuf (reports OOM). */
static int q_sb(struct pg_storage *ps, const struct strbuf *sb, int n,
		const char *const *params, PGresult **out, struct error *err,
		const char *what)
{
	if (sb->failed)
		return error_set(err, ERR_IO, "%s: out of memory", what);
	return q_exec(ps, strbuf_str(sb), n, params, out, err, what);
}

static int64_t num(const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return 0;
	return (int64_t)strtoll(PQgetvalue(res, row, col), NULL, 10);
}

static void cpy(char *dst, size_t size, const PGresult *res, int row, int col)
{
	snprintf(dst, size, "%s",
		 PQgetisnull(res, row, col) ? "" : PQgetvalue(res, row, col));
}

/* ------------------------------------------------------------ COPY */

/*
 * One COPY ... FROM STDIN in text format.  Each line remembers the source
 * path it came from, so that a rejected value (say, bad jsonb) is reported
 * against its file.
 */
struct copy {
	struct pg_storage *ps;
	const char *what;          /* table name, for messages */
	struct strbuf buf;
	const char **paths;
	size_t n, cap;
	int active;
};

/* Start "COPY ... FROM STDIN" (sql); `what` names the table in errors. */
static int copy_start_sql(struct copy *c, struct pg_storage *ps, const char *sql,
			  const char *what, struct error *err)
{
	PGresult *res;

	memset(c, 0, sizeof(*c));
	c->ps = ps;
	c->what = what;
	res = PQexec(ps->conn, sql);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		char ctx[300];

		snprintf(ctx, sizeof(ctx), "copy into '%s'", what);
		pg_fail(ps, res, err, ctx);
		PQclear(res);
		return ERR_IO;
	}
	PQclear(res);
	c->active = 1;
	return 0;
}

/* The same with the statement in a strbuf (built with identifiers). */
static int copy_start(struct copy *c, struct pg_storage *ps,
		      const struct strbuf *sql, const char *what,
		      struct error *err)
{
	if (sql->failed) {
		memset(c, 0, sizeof(*c));
		return error_set(err, ERR_IO, "copy into '%s': out of memory", what);
	}
	return copy_start_sql(c, ps, strbuf_str(sql), what, err);
}

static int copy_flush(struct copy *c, struct error *err)
{
	if (c->buf.failed)
		return error_set(err, ERR_IO, "copy into '%s': out of memory", c->what);
	if (c->buf.len && PQputCopyData(c->ps->conn, c->buf.buf, (int)c->buf.len) != 1)
		return pg_fail(c->ps, NULL, err, "copy");
	strbuf_reset(&c->buf);
	return 0;
}

/* End the current line, which came from `path`. */
static int copy_eol(struct copy *c, const char *path, struct error *err)
{
	strbuf_addstr(&c->buf, "\n");
	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 64;
		const char **np = realloc(c->paths, ncap * sizeof(*np));

		if (!np)
			return error_set(err, ERR_IO, "copy: out of memory");
		c->paths = np;
		c->cap = ncap;
	}
	c->paths[c->n++] = path;
	if (c->buf.len >= (1u << 20))
		return copy_flush(c, err);
	return 0;
}

/* Map "COPY x, line N, column C: ..." back to the path and the column. */
static int copy_error(struct copy *c, const PGresult *res, struct error *err)
{
	const char *ctx0 = PQresultErrorField(res, PG_DIAG_CONTEXT);
	/* skip inner contexts such as "JSON data, line 1: ..." */
	const char *ctx = ctx0 ? strstr(ctx0, "COPY ") : NULL;
	const char *prim = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *l = ctx ? strstr(ctx, ", line ") : NULL;
	const char *colp = ctx ? strstr(ctx, ", column ") : NULL;
	char col[128] = "";
	long line = l ? strtol(l + 7, NULL, 10) : 0;

	if (colp) {
		size_t n = strcspn(colp + 9, ":\n");

		snprintf(col, sizeof(col), " (column '%.*s')", (int)(n < 100 ? n : 100),
			 colp + 9);
	}
	if (line >= 1 && (size_t)line <= c->n && c->paths[line - 1])
		return error_set_at(err, ERR_IO, c->paths[line - 1], 0, 0, NULL,
				    "cannot store in table '%s': %s%s", c->what,
				    prim ? prim : "rejected by PostgreSQL", col);
	return pg_fail(c->ps, res, err, "copy");
}

/* Finish the COPY and release c.  Returns 0 or ERR_IO. */
static int copy_end(struct copy *c, struct error *err)
{
	PGresult *res;
	int rc = 0;

	if (!c->active)
		goto out;
	if (copy_flush(c, err)) {
		PQputCopyEnd(c->ps->conn, "client error");
		rc = ERR_IO;
	} else if (PQputCopyEnd(c->ps->conn, NULL) != 1) {
		rc = pg_fail(c->ps, NULL, err, "copy");
	}
	while ((res = PQgetResult(c->ps->conn)) != NULL) {
		if (!rc && PQresultStatus(res) != PGRES_COMMAND_OK)
			rc = copy_error(c, res, err);
		PQclear(res);
	}
	c->active = 0;
out:
	strbuf_release(&c->buf);
	free(c->paths);
	c->paths = NULL;
	return rc;
}

/* Abandon a COPY after a client-side failure (err already filled). */
static void copy_abort(struct copy *c)
{
	PGresult *res;

	if (c->active) {
		PQputCopyEnd(c->ps->conn, "client error");
		while ((res = PQgetResult(c->ps->conn)) != NULL)
			PQclear(res);
		c->active = 0;
	}
	strbuf_release(&c->buf);
	free(c->paths);
	c->paths = NULL;
}

/* ------------------------------------------------------------ open/close */

static void quiet_notices(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static int pg_open(const char *url, const struct storage_opts *opts,
		   struct storage **out, struct error *err)
{
	struct pg_storage *ps;
	PQconninfoOption *info, *o;
	char *password = NULL;
	char reason[1024];
	const char *host, *port, *db;
	static const char *const setup =
		"SET TIME ZONE 'UTC'; SET client_min_messages = warning; "
		"SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'iso_8601'; "
		"SET extra_float_digits = 3";
	PGresult *res;

	*out = NULL;
	ps = calloc(1, sizeof(*ps));
	if (!ps)
		return error_set(err, ERR_IO, "out of memory");
	ps->base.ops = &storage_pg_ops;
	ps->no_wait = opts->no_wait;
	ps->busy_timeout_ms = opts->busy_timeout_ms > 0 ? opts->busy_timeout_ms :
			      PG_DEFAULT_BUSY_MS;
	ps->tenant = strdup(opts->tenant ? opts->tenant : "");
	if (!ps->tenant) {
		free(ps);
		return error_set(err, ERR_IO, "out of memory");
	}
	info = PQconninfoParse(url, NULL);
	for (o = info; o && o->keyword; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val && *o->val)
			password = strdup(o->val);
	PQconninfoFree(info);

	ps->conn = PQconnectdb(url);
	host = ps->conn ? PQhost(ps->conn) : NULL;
	port = ps->conn ? PQport(ps->conn) : NULL;
	db = ps->conn ? PQdb(ps->conn) : NULL;
	snprintf(ps->where, sizeof(ps->where), "database '%s' on %s%s%s",
		 db && *db ? db : "?", host && *host ? host : "localhost",
		 port && *port ? ":" : "", port && *port ? port : "");
	if (!ps->conn || PQstatus(ps->conn) != CONNECTION_OK) {
		first_line(ps->conn ? PQerrorMessage(ps->conn) : "out of memory",
			   reason, sizeof(reason));
		scrub(reason, sizeof(reason), password);
		error_set(err, ERR_IO,
			  "cannot connect to PostgreSQL (host %s, port %s, database '%s'): %s",
			  host && *host ? host : "localhost",
			  port && *port ? port : "5432", db && *db ? db : "?",
			  reason);
		scrub(err->msg, sizeof(err->msg), password);
		free(password);
		PQfinish(ps->conn);
		free(ps->tenant);
		free(ps);
		return ERR_IO;
	}
	free(password);
	PQsetNoticeProcessor(ps->conn, quiet_notices, NULL);
	if (PQsetClientEncoding(ps->conn, "UTF8") != 0) {
		error_set(err, ERR_IO, "%s: cannot use UTF8 client encoding", ps->where);
		goto fail;
	}
	res = PQexec(ps->conn, setup);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		pg_fail(ps, res, err, "session set-up");
		PQclear(res);
		goto fail;
	}
	PQclear(res);
	/*
	 * Documents over ~2 kB are compressed into TOAST.  lz4 (PostgreSQL 14+
	 * built with it) does that several times faster than the default pglz,
	 * which measured as a quarter of the server's time in a large run.  A
	 * server without lz4 refuses the setting: then pglz it is.
	 */
	PQclear(PQexec(ps->conn, "SET default_toast_compression = 'lz4'"));
	*out = &ps->base;
	return 0;
fail:
	PQfinish(ps->conn);
	free(ps->tenant);
	free(ps);
	return ERR_IO;
}

static void pg_close(struct storage *st)
{
	struct pg_storage *ps = pg_downcast(st);

	if (ps->in_tx)
		PQclear(PQexec(ps->conn, "ROLLBACK"));
	PQfinish(ps->conn);
	PQfinish(ps->reader);
	fresh_clear(ps);
	strbuf_release(&ps->deferred);
	free(ps->tenant);
	free(ps);
}

/* ------------------------------------------------------------ transactions */

/* BEGIN and take the writers' advisory lock (wait, time out, or refuse). */
static int tx_begin_locked(struct pg_storage *ps, struct error *err)
{
	PGresult *res = NULL;
	char tmo[64];

	if (ps->in_tx)
		return error_set(err, ERR_USAGE, "a transaction is already open on %s",
				 ps->where);
	if (q_exec(ps, "BEGIN", 0, NULL, NULL, err, "begin"))
		return ERR_IO;
	ps->in_tx = 1;
	if (ps->no_wait) {
		if (q_exec(ps, "SELECT pg_try_advisory_xact_lock(" WSM_PG_LOCK_KEY ")",
			   0, NULL, &res, err, "lock"))
			goto fail;
		if (strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
			error_set(err, ERR_IO, "another wsmigrate run holds the lock on %s",
				  ps->base.url_masked[0] ? ps->base.url_masked : ps->where);
			goto fail;
		}
	} else {
		if (ps->busy_timeout_ms > 0) {
			snprintf(tmo, sizeof(tmo), "SET LOCAL lock_timeout = %d",
				 ps->busy_timeout_ms);
			if (q_exec(ps, tmo, 0, NULL, NULL, err, "lock"))
				goto fail;
		}
		res = PQexec(ps->conn, "SELECT pg_advisory_xact_lock(" WSM_PG_LOCK_KEY ")");
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

			if (state && strcmp(state, "55P03") == 0)   /* lock_not_available */
				error_set(err, ERR_IO,
					  "another wsmigrate run holds the lock on %s (waited %d ms)",
					  ps->base.url_masked[0] ? ps->base.url_masked : ps->where,
					  ps->busy_timeout_ms);
			else
				pg_fail(ps, res, err, "lock");
			goto fail;
		}
		PQclear(res);
		res = NULL;
		if (ps->busy_timeout_ms > 0 &&
		    q_exec(ps, "SET LOCAL lock_timeout = 0", 0, NULL, NULL, err, "lock"))
			goto fail;
	}
	PQclear(res);
	return 0;
fail:
	PQclear(res);
	PQclear(PQexec(ps->conn, "ROLLBACK"));
	ps->in_tx = 0;
	return ERR_IO;
}

static int pg_begin(struct storage *st, struct error *err)
{
	struct pg_storage *ps = pg_downcast(st);

	ps->run_id[0] = '\0';
	return tx_begin_locked(ps, err);
}

/* Make the indexes create_indexes deferred (once; before reads need them). */
static int build_deferred(struct pg_storage *ps, struct error *err)
{
	int rc;

	if (!ps->deferred.len)
		return 0;
	rc = q_sb(ps, &ps->deferred, 0, NULL, NULL, err,
		  "build the indexes of the new tables");
	strbuf_reset(&ps->deferred);
	return rc;
}

static int pg_commit(struct storage *st, struct error *err)
{
	struct pg_storage *ps = pg_downcast(st);
	int rc;

	if (!ps->in_tx)
		return error_set(err, ERR_USAGE, "commit: no open transaction");
	if (build_deferred(ps, err))
		return ERR_IO;
	rc = q_exec(ps, "COMMIT", 0, NULL, NULL, err, "commit");
	ps->in_tx = 0;
	ps->lost_ready = 0;
	fresh_clear(ps);
	return rc;
}

static int pg_rollback(struct storage *st, struct error *err)
{
	struct pg_storage *ps = pg_downcast(st);
	int rc;

	fresh_clear(ps);     /* those tables are rolled back too */
	ps->lost_ready = 0;
	if (!ps->in_tx)
		return 0;
	rc = q_exec(ps, "ROLLBACK", 0, NULL, NULL, err, "rollback");
	ps->in_tx = 0;
	return rc;
}

static int need_tx(struct pg_storage *ps, const char *what, struct error *err)
{
	if (!ps->in_tx)
		return error_set(err, ERR_USAGE, "%s: call storage_begin first", what);
	return 0;
}

/* ------------------------------------------------------------ DDL */

static const char *const ledger_ddl =
	"CREATE TABLE IF NOT EXISTS wsm_runs ("
	" id text PRIMARY KEY, seq bigint NOT NULL UNIQUE,"
	" started_at timestamptz, finished_at timestamptz, status text NOT NULL,"
	" tree_root text, manifest_sha256 text, tool_version text, tenant text,"
	" files_seen bigint, imported bigint, unchanged bigint, skipped bigint,"
	" invalid bigint, deleted bigint, rows_written bigint,"
	" archive_path text, archive_sha256 text, rolled_back_at timestamptz,"
	" warnings bigint NOT NULL DEFAULT 0);"
	"CREATE TABLE IF NOT EXISTS wsm_files ("
	" run_id text NOT NULL, path text NOT NULL, size bigint, mtime_ns bigint,"
	" mode bigint, sha256 text, rule text, outcome text NOT NULL, error text,"
	" rows bigint, warnings bigint NOT NULL DEFAULT 0, PRIMARY KEY (run_id, path));"
	"CREATE TABLE IF NOT EXISTS wsm_warnings ("
	" seq bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, run_id text NOT NULL,"
	" path text, rule text, kind text NOT NULL, table_name text, column_name text,"
	" pointer text, message text NOT NULL);"
	"CREATE INDEX IF NOT EXISTS wsm_warnings__run ON wsm_warnings (run_id, path);"
	"CREATE TABLE IF NOT EXISTS wsm_sources ("
	" _path text NOT NULL, rule text, sha256 text, size bigint, mtime_ns bigint,"
	" _run_id text NOT NULL, tenant_id text NOT NULL DEFAULT '',"
	" PRIMARY KEY (tenant_id, _path));"
	"CREATE INDEX IF NOT EXISTS wsm_sources__run ON wsm_sources (_run_id);"
	"CREATE TABLE IF NOT EXISTS wsm_hist_wsm_sources ("
	" _path text, rule text, sha256 text, size bigint, mtime_ns bigint,"
	" _run_id text, tenant_id text NOT NULL DEFAULT '',"
	" _superseded_by text NOT NULL,"
	" _hist_seq bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY);"
	"CREATE INDEX IF NOT EXISTS wsm_hist_wsm_sources__by"
	" ON wsm_hist_wsm_sources (_superseded_by);"
	"CREATE TABLE IF NOT EXISTS wsm_tables ("
	" name text PRIMARY KEY, is_child boolean NOT NULL, columns jsonb NOT NULL,"
	" key jsonb NOT NULL, indexes jsonb NOT NULL)";

static const char *pg_type(enum col_type t)
{
	switch (t) {
	case COL_TEXT: return "text";
	case COL_INTEGER: return "bigint";
	case COL_REAL: return "double precision";
	case COL_BOOLEAN: return "boolean";
	case COL_TIMESTAMP: return "timestamptz";
	case COL_JSON: return "jsonb";
	}
	return "text";
}

static int is_reserved_col(const char *name)
{
	static const char *const sys[] = {
		"_path", "_sha256", "_run_id", "_doc", "_index", "tenant_id",
		"_superseded_by", "_hist_seq", "_ord",
	};
	size_t i;

	for (i = 0; i < sizeof(sys) / sizeof(sys[0]); i++)
		if (strcmp(name, sys[i]) == 0)
			return 1;
	return 0;
}

static int def_has_col(const struct table_def *d, const char *name)
{
	size_t i;

	if (strcmp(name, "_path") == 0 || strcmp(name, "_sha256") == 0 ||
	    strcmp(name, "_run_id") == 0 || (d->is_child && strcmp(name, "_index") == 0))
		return 1;
	for (i = 0; i < d->n_columns; i++)
		if (strcmp(d->columns[i].name, name) == 0)
			return 1;
	return 0;
}

static int check_def(const struct table_def *d, struct error *err)
{
	size_t i;

	if (!d->name || !*d->name)
		return error_set(err, ERR_USAGE, "a table has no name");
	if (strncmp(d->name, "wsm_", 4) == 0)
		return error_set(err, ERR_USAGE,
				 "table name '%s' is reserved (names beginning with \"wsm_\" are)",
				 d->name);
	if (strlen(d->name) + strlen(HIST_PREFIX) > PG_IDENT_MAX)
		return error_set(err, ERR_USAGE,
				 "table name '%s' is too long for PostgreSQL (at most %d bytes)",
				 d->name, PG_IDENT_MAX - (int)strlen(HIST_PREFIX));
	for (i = 0; i < d->n_columns; i++) {
		const char *c = d->columns[i].name;

		if (!c || !*c)
			return error_set(err, ERR_USAGE, "table '%s': a column has no name",
					 d->name);
		if (is_reserved_col(c))
			return error_set(err, ERR_USAGE,
					 "table '%s': column name '%s' is reserved", d->name, c);
		if (strlen(c) > PG_IDENT_MAX)
			return error_set(err, ERR_USAGE,
					 "table '%s': column name '%s' is too long for PostgreSQL",
					 d->name, c);
	}
	for (i = 0; i < d->n_key; i++)
		if (!def_has_col(d, d->key[i]))
			return error_set(err, ERR_USAGE,
					 "table '%s': key column '%s' is not a column",
					 d->name, d->key[i]);
	for (i = 0; i < d->n_indexes; i++)
		if (!def_has_col(d, d->indexes[i]))
			return error_set(err, ERR_USAGE,
					 "table '%s': index column '%s' is not a column",
					 d->name, d->indexes[i]);
	return 0;
}

/* The columns of a data table: system ones, declared ones, tenant_id. */
static void sb_cols(struct strbuf *sb, const struct table_def *d, int has_tenant,
		    const char *alias)
{
	size_t i;

	sb_col(sb, alias, "_path");
	strbuf_addstr(sb, ", ");
	sb_col(sb, alias, "_sha256");
	strbuf_addstr(sb, ", ");
	sb_col(sb, alias, "_run_id");
	if (!d->is_child) {
		strbuf_addstr(sb, ", ");
		sb_col(sb, alias, "_doc");
	} else {
		strbuf_addstr(sb, ", ");
		sb_col(sb, alias, "_index");
	}
	for (i = 0; i < d->n_columns; i++) {
		strbuf_addstr(sb, ", ");
		sb_col(sb, alias, d->columns[i].name);
	}
	if (has_tenant) {
		strbuf_addstr(sb, ", ");
		sb_col(sb, alias, "tenant_id");
	}
}

/* The upsert key of a table as a NULL-terminated list (static storage). */
static size_t def_key(const struct table_def *d, const char *const **key)
{
	static const char *const path_key[] = { "_path" };
	static const char *const child_key[] = { "_path", "_index" };

	if (d->n_key) {
		*key = d->key;
		return d->n_key;
	}
	*key = d->is_child ? child_key : path_key;
	return d->is_child ? 2 : 1;
}

static char *def_to_json(const struct table_def *d)
{
	cJSON *o = cJSON_CreateObject(), *a;
	char *s = NULL;
	size_t i;

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "name", d->name);
	cJSON_AddBoolToObject(o, "is_child", d->is_child ? 1 : 0);
	a = cJSON_AddArrayToObject(o, "columns");
	for (i = 0; a && i < d->n_columns; i++) {
		cJSON *c = cJSON_CreateObject();

		cJSON_AddStringToObject(c, "name", d->columns[i].name);
		cJSON_AddStringToObject(c, "type", col_type_name(d->columns[i].type));
		cJSON_AddItemToArray(a, c);
	}
	a = cJSON_AddArrayToObject(o, "key");
	for (i = 0; a && i < d->n_key; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(d->key[i]));
	a = cJSON_AddArrayToObject(o, "indexes");
	for (i = 0; a && i < d->n_indexes; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(d->indexes[i]));
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

/*
 * Create the ledger, or bring one made by an older version up to date:
 * the missing tables (wsm_warnings) and columns (the warning counts).
 */
static int ensure_ledger(struct pg_storage *ps, struct error *err)
{
	PGresult *res;
	int have, cols;

	/* CREATE ... IF NOT EXISTS still locks: skip it when all are there */
	if (q_exec(ps,
		   "SELECT (SELECT count(*) FROM pg_class WHERE relkind = 'r' AND relnamespace ="
		   " (SELECT oid FROM pg_namespace WHERE nspname = current_schema())"
		   " AND relname IN ('wsm_runs', 'wsm_files', 'wsm_sources',"
		   " 'wsm_hist_wsm_sources', 'wsm_tables', 'wsm_warnings')),"
		   " (SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
		   " WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname ="
		   " current_schema()) AND c.relname IN ('wsm_runs', 'wsm_files')"
		   " AND a.attname = 'warnings' AND NOT a.attisdropped)",
		   0, NULL, &res, err, "catalog"))
		return ERR_IO;
	have = (int)num(res, 0, 0);
	cols = (int)num(res, 0, 1);
	PQclear(res);
	if (have == 6 && cols == 2)
		return 0;
	if (q_exec(ps, ledger_ddl, 0, NULL, NULL, err, "create the ledger tables"))
		return ERR_IO;
	return q_exec(ps,
		      "ALTER TABLE wsm_runs ADD COLUMN IF NOT EXISTS warnings bigint NOT NULL DEFAULT 0;"
		      "ALTER TABLE wsm_files ADD COLUMN IF NOT EXISTS warnings bigint NOT NULL DEFAULT 0",
		      0, NULL, NULL, err, "upgrade the ledger tables");
}

/* *yes = 1 when `table` (of the ledger) has column `col`. */
static int has_column(struct pg_storage *ps, const char *table, const char *col,
		      int *yes, struct error *err)
{
	const char *params[2] = { table, col };
	PGresult *res;

	if (q_exec(ps,
		   "SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
		   " WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname ="
		   " current_schema()) AND c.relname = $1 AND a.attname = $2"
		   " AND NOT a.attisdropped",
		   2, params, &res, err, "catalog"))
		return ERR_IO;
	*yes = num(res, 0, 0) > 0;
	PQclear(res);
	return 0;
}

/*
 * The existing columns of `table` with their types (format_type), or no
 * rows when the table does not exist.  Caller PQclear's.
 */
static int existing_cols(struct pg_storage *ps, const char *table,
			 PGresult **res, struct error *err)
{
	const char *params[1] = { table };

	return q_exec(ps,
		      "SELECT a.attname, format_type(a.atttypid, a.atttypmod)"
		      " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
		      " WHERE c.relname = $1 AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())"
		      " AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
		      1, params, res, err, "catalog");
}

/* Row of `res` whose first column is `name`, or -1. */
static int res_find(const PGresult *res, const char *name)
{
	int i;

	for (i = 0; i < PQntuples(res); i++)
		if (strcmp(PQgetvalue(res, i, 0), name) == 0)
			return i;
	return -1;
}

static const char *pg_type_shown(enum col_type t)
{
	return t == COL_TIMESTAMP ? "timestamp with time zone" : pg_type(t);
}

/*
 * Create T (or its history table) when missing; else add the columns the
 * manifest gained (and tenant_id on a first tenant run).  Statements that
 * take an exclusive lock (ALTER TABLE) are only issued when something is
 * missing, so that readers are never blocked by a run that changes nothing.
 */
static int create_table(struct pg_storage *ps, const struct table_def *d,
			int hist, int *fresh, struct error *err)
{
	struct strbuf sb = { 0 };
	char name[PG_IDENT_MAX + 16];
	char what[200];
	PGresult *have = NULL;
	size_t i;
	int rc = ERR_IO;

	snprintf(name, sizeof(name), "%s%s", hist ? HIST_PREFIX : "", d->name);
	snprintf(what, sizeof(what), "create table '%s'", name);
	if (existing_cols(ps, name, &have, err))
		return ERR_IO;
	*fresh = PQntuples(have) == 0;
	if (*fresh) {
		strbuf_addstr(&sb, "CREATE TABLE ");
		strbuf_add_ident(&sb, name);
		strbuf_addstr(&sb, " (\"_path\" text NOT NULL, \"_sha256\" text, \"_run_id\" text NOT NULL");
		if (!d->is_child)
			strbuf_addstr(&sb, ", \"_doc\" jsonb");
		else
			strbuf_addstr(&sb, ", \"_index\" bigint NOT NULL");
		for (i = 0; i < d->n_columns; i++) {
			strbuf_addstr(&sb, ", ");
			strbuf_add_ident(&sb, d->columns[i].name);
			strbuf_addf(&sb, " %s", pg_type(d->columns[i].type));
		}
		if (*ps->tenant)
			strbuf_addstr(&sb, ", \"tenant_id\" text NOT NULL DEFAULT ''");
		if (hist)
			strbuf_addstr(&sb, ", \"_superseded_by\" text NOT NULL,"
				    " \"_hist_seq\" bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
		strbuf_addstr(&sb, ")");
	} else {
		for (i = 0; i < d->n_columns; i++) {
			int r = res_find(have, d->columns[i].name);

			if (r >= 0) {
				if (strcmp(PQgetvalue(have, r, 1),
					   pg_type_shown(d->columns[i].type)) != 0) {
					rc = error_set(err, ERR_USAGE,
						       "column \"%s\" of table \"%s\" is %s in the database but the manifest makes it %s",
						       d->columns[i].name, name, PQgetvalue(have, r, 1),
						       col_type_name(d->columns[i].type));
					goto out;
				}
				continue;
			}
			strbuf_addstr(&sb, sb.len ? "; ALTER TABLE " : "ALTER TABLE ");
			strbuf_add_ident(&sb, name);
			strbuf_addstr(&sb, " ADD COLUMN ");
			strbuf_add_ident(&sb, d->columns[i].name);
			strbuf_addf(&sb, " %s", pg_type(d->columns[i].type));
		}
		if (*ps->tenant && res_find(have, "tenant_id") < 0) {
			strbuf_addstr(&sb, sb.len ? "; ALTER TABLE " : "ALTER TABLE ");
			strbuf_add_ident(&sb, name);
			strbuf_addstr(&sb, " ADD COLUMN \"tenant_id\" text NOT NULL DEFAULT ''");
		}
	}
	rc = sb.len ? q_sb(ps, &sb, 0, NULL, NULL, err, what) : 0;
	if (!rc && *ps->tenant) {
		const char *params[1] = { name };
		PGresult *res;

		rc = q_exec(ps, "SELECT relrowsecurity FROM pg_class WHERE relname = $1"
			    " AND relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())",
			    1, params, &res, err, "catalog");
		if (!rc) {
			int on = PQntuples(res) && strcmp(PQgetvalue(res, 0, 0), "t") == 0;

			PQclear(res);
			if (!on) {
				strbuf_reset(&sb);
				strbuf_addstr(&sb, "ALTER TABLE ");
				strbuf_add_ident(&sb, name);
				strbuf_addstr(&sb, " ENABLE ROW LEVEL SECURITY");
				rc = q_sb(ps, &sb, 0, NULL, NULL, err, what);
			}
		}
	}
out:
	PQclear(have);
	strbuf_release(&sb);
	return rc;
}

static int create_policy(struct pg_storage *ps, const char *table,
			 struct error *err)
{
	const char *params[1] = { table };
	struct strbuf sb = { 0 };
	PGresult *res;
	int rc;

	if (q_exec(ps,
		   "SELECT count(*) FROM pg_policies WHERE schemaname = current_schema()"
		   " AND tablename = $1 AND policyname = 'wsm_tenant'",
		   1, params, &res, err, "catalog"))
		return ERR_IO;
	rc = num(res, 0, 0) > 0;
	PQclear(res);
	if (rc)
		return 0;
	strbuf_addstr(&sb, "CREATE POLICY wsm_tenant ON ");
	strbuf_add_ident(&sb, table);
	strbuf_addstr(&sb, " USING (\"tenant_id\" = current_setting('app.tenant_id', true))");
	rc = q_sb(ps, &sb, 0, NULL, NULL, err, "create the tenant policy");
	strbuf_release(&sb);
	return rc;
}

/* Names of the indexes on `table` (caller PQclear's). */
static int existing_indexes(struct pg_storage *ps, const char *table,
			    PGresult **res, struct error *err)
{
	const char *params[1] = { table };

	return q_exec(ps,
		      "SELECT ci.relname FROM pg_index i"
		      " JOIN pg_class ci ON ci.oid = i.indexrelid"
		      " JOIN pg_class ct ON ct.oid = i.indrelid"
		      " WHERE ct.relname = $1 AND ct.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())",
		      1, params, res, err, "catalog");
}

/* Append "CREATE [UNIQUE] INDEX name ON table (cols)" unless it exists. */
static void add_index(struct strbuf *sb, const PGresult *have, const char *ix,
		      const char *table, int unique, int tenant,
		      const char *const *cols, size_t n)
{
	size_t i;

	if (res_find(have, ix) >= 0)
		return;
	strbuf_addstr(sb, sb->len ? "; " : "");
	strbuf_addstr(sb, unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ");
	strbuf_add_ident(sb, ix);
	strbuf_addstr(sb, " ON ");
	strbuf_add_ident(sb, table);
	strbuf_addstr(sb, " (");
	if (tenant)
		strbuf_addstr(sb, "\"tenant_id\"");
	for (i = 0; i < n; i++) {
		if (i || tenant)
			strbuf_addstr(sb, ", ");
		strbuf_add_ident(sb, cols[i]);
	}
	strbuf_addstr(sb, ")");
}

/*
 * The indexes of a data table and its history table.  For a table this
 * transaction created (fresh), all but the upsert key of a keyed table go
 * to ps->deferred: building an index over the rows in place is one sort,
 * far cheaper than keeping it up to date row by row.  A table keyed by
 * path gets even its key index late: its rows arrive by COPY and no
 * statement of the run looks them up (see put_table).
 */
static int create_indexes(struct pg_storage *ps, const struct table_def *d,
			  int has_tenant, int fresh, struct error *err)
{
	static const char *const path_col[] = { "_path" };
	static const char *const run_col[] = { "_run_id" };
	static const char *const sup_col[] = { "_superseded_by" };
	struct strbuf sb = { 0 };
	char ix[PG_IDENT_MAX + 1], hist[PG_IDENT_MAX + 16], suffix[80];
	const char *const *key;
	size_t nk = def_key(d, &key), i;
	struct strbuf *later = fresh ? &ps->deferred : &sb;
	PGresult *have = NULL, *hhave = NULL;
	int rc = ERR_IO;

	snprintf(hist, sizeof(hist), HIST_PREFIX "%s", d->name);
	if (existing_indexes(ps, d->name, &have, err) ||
	    existing_indexes(ps, hist, &hhave, err))
		goto out;
	/* the upsert key: unique, per tenant when there are tenants */
	index_name(ix, sizeof(ix), d->name, has_tenant ? "tkey" : "key");
	add_index(d->n_key ? &sb : later, have, ix, d->name, 1, has_tenant, key, nk);
	if (has_tenant) {
		index_name(ix, sizeof(ix), d->name, "key");
		if (res_find(have, ix) >= 0) {
			strbuf_addstr(&sb, sb.len ? "; DROP INDEX " : "DROP INDEX ");
			strbuf_add_ident(&sb, ix);
		}
	}
	index_name(ix, sizeof(ix), d->name, "path");
	add_index(later, have, ix, d->name, 0, 0, path_col, 1);
	index_name(ix, sizeof(ix), d->name, "run");
	add_index(later, have, ix, d->name, 0, 0, run_col, 1);
	index_name(ix, sizeof(ix), hist, "by");
	add_index(later, hhave, ix, hist, 0, 0, sup_col, 1);
	for (i = 0; i < d->n_indexes; i++) {
		if (strlen(d->indexes[i]) + 2 <= 60)
			snprintf(suffix, sizeof(suffix), "i_%s", d->indexes[i]);
		else
			snprintf(suffix, sizeof(suffix), "i%zu", i);
		index_name(ix, sizeof(ix), d->name, suffix);
		add_index(later, have, ix, d->name, 0, 0, &d->indexes[i], 1);
	}
	rc = sb.len ? q_sb(ps, &sb, 0, NULL, NULL, err, "create indexes") : 0;
	if (!rc && ps->deferred.failed)
		rc = error_set(err, ERR_IO, "out of memory");
out:
	PQclear(have);
	PQclear(hhave);
	strbuf_release(&sb);
	return rc;
}

static int pg_ensure_tables(struct storage *st, const struct table_def *defs,
			    size_t n, struct error *err)
{
	struct pg_storage *ps = pg_downcast(st);
	size_t i;

	if (need_tx(ps, "ensure_tables", err))
		return ERR_USAGE;
	for (i = 0; i < n; i++)
		if (check_def(&defs[i], err))
			return ERR_USAGE;
	/* a second call in one transaction finds the tables: the indexes the
	 * first one deferred are made now, so nothing is made twice */
	if (build_deferred(ps, err) || ensure_ledger(ps, err))
		return ERR_IO;
	for (i = 0; i < n; i++) {
		const struct table_def *d = &defs[i];
		char hist[PG_IDENT_MAX + 16];
		char *json;
		const char *params[2];
		int ht, rc, fresh, hfresh;

		snprintf(hist, sizeof(hist), HIST_PREFIX "%s", d->name);
		if ((rc = create_table(ps, d, 0, &fresh, err)) ||
		    (rc = create_table(ps, d, 1, &hfresh, err)))
			return rc;
		if (fresh) {
			char **nf = realloc(ps->fresh, (ps->n_fresh + 1) * sizeof(*nf));

			if (!nf || !(nf[ps->n_fresh] = strdup(d->name))) {
				if (nf)
					ps->fresh = nf;
				return error_set(err, ERR_IO, "out of memory");
			}
			ps->fresh = nf;
			ps->n_fresh++;
		}
		if (catalog_cols(ps, d->name, NULL, &ht, err) ||
		    create_indexes(ps, d, ht, fresh && hfresh, err))
			return ERR_IO;
		if (*ps->tenant &&
		    (create_policy(ps, d->name, err) || create_policy(ps, hist, err)))
			return ERR_IO;
		json = def_to_json(d);
		if (!json)
			return error_set(err, ERR_IO, "out of memory");
		params[0] = d->name;
		params[1] = json;
		rc = q_exec(ps,
			    "INSERT INTO wsm_tables (name, is_child, columns, key, indexes)"
			    " SELECT $1, (d->>'is_child')::boolean, d->'columns', d->'key',"
			    " d->'indexes' FROM (SELECT $2::jsonb AS d) x"
			    " ON CONFLICT (name) DO UPDATE SET is_child = EXCLUDED.is_child,"
			    " columns = EXCLUDED.columns, key = EXCLUDED.key,"
			    " indexes = EXCLUDED.indexes",
			    2, params, NULL, err, "record the table definition");
		cJSON_free(json);
		if (rc)
			return rc;
	}
	return 0;
}

/* ------------------------------------------------------------ runs */

/* "" -> NULL, for optional text parameters */
static const char *opt(const char *s)
{
	return s && *s ? s : NULL;
}

static int pg_run_start(struct storage *st, const struct run_info *run,
			struct error *err)
{
	struct pg_storage *ps = pg_downcast(st);
	const char *params[8];
	PGresult *res;

	if (need_tx(ps, "run_start", err))
		return ERR_USAGE;
	if (!run->id[0])
		return error_set(err, ERR_USAGE, "run_start: the run has no id");
	if (ensure_ledger(ps, err))
		return ERR_IO;
	params[0] = run->id;
	params[1] = opt(run->started_at);
	params[2] = run->tree_root;
	params[3] = opt(run->manifest_sha256);
	params[4] = opt(run->tool_version);
	params[5] = opt(*ps->tenant ? ps->tenant : run->tenant);
	params[6] = opt(run->archive_path);
	params[7] = opt(run->archive_sha256);
	if (q_exec(ps,
		   "INSERT INTO wsm_runs (id, seq, started_at, status, tree_root,"
		   " manifest_sha256, tool_version, tenant, files_seen, imported,"
		   " unchanged, skipped, invalid, deleted, rows_written,"
		   " archive_path, archive_sha256)"
		   " VALUES ($1, (SELECT coalesce(max(seq), 0) + 1 FROM wsm_runs),"
		   " coalesce($2::timestamptz, now()), 'running', $3, $4, $5, $6,"
		   " 0, 0, 0, 0, 0, 0, 0, $7, $8)",
		   8, params, NULL, err, "record the run"))
		return ERR_IO;
	if (q_exec(ps, "SELECT NOT EXISTS (SELECT 1 FROM wsm_sources WHERE tenant_id = $1)",
		   1, (const char *[]){ ps->tenant }, &res, err, "record the run"))
		return ERR_IO;
	ps->no_sources = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	snprintf(ps->run_id, sizeof(ps->run_id), "%s", run->id);
	return 0;
}

static int pg_run_finish(struct storage *st, const struct run_info *run,
			 struct error *err)
{
	struct pg_storage *ps = pg_downcast(st);
	char n[8][24];
	const char *params[13];
	int64_t v[8] = { run->files_seen, run->imported, run->unchanged,
			 run->skipped, run->invalid, run->deleted, run->rows_written,
			 run->warnings };
	PGresult *res;
	int i, rc;

	if (need_tx(ps, "run_finish", err))
		return ERR_USAGE;
	if (build_deferred(ps, err))
		return ERR_IO;
	params[0] = run->id;
	params[1] = opt(run->finished_at);
	params[2] = run->status[0] && strcmp(run->status, "running") != 0 ?
		    run->status : "committed";
	for (i = 0; i < 7; i++) {
		snprintf(n[i], sizeof(n[i]), "%" PRId64, v[i]);
		params[3 + i] = n[i];
	}
	params[10] = opt(run->archive_path);
	params[11] = opt(run->archive_sha256);
	snprintf(n[7], sizeof(n[7]), "%" PRId64, v[7]);
	params[12] = n[7];
	if (q_exec(ps,
		   "UPDATE wsm_runs SET finished_at = coalesce($2::timestamptz, now()),"
		   " status = $3, files_seen = $4, imported = $5, unchanged = $6,"
		   " skipped = $7, invalid = $8, deleted = $9, rows_written = $10,"
		   " archive_path = coalesce($11, archive_path),"
		   " archive_sha256 = coalesce($12, archive_sha256), warnings = $13"
		   " WHERE id = $1",
		   13, params, &res, err, "finish the run"))
		return ERR_IO;
	rc = strcmp(PQcmdTuples(res), "0") == 0;
	PQclear(res);
	if (rc)
		return error_set(err, ERR_USAGE, "run_finish: no run '%s'", run->id);
	return 0;
}

static int ledger_exists(struct pg_storage *ps, int *exists, struct error *err)
{
	PGresult *res;

	if (q_exec(ps, "SELECT to_regclass('wsm_runs') IS NOT NULL", 0, NULL, &res,
		   err, "read the ledger"))
		return ERR_IO;
	*exists = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return 0;
}

#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

static int pg_list_runs(struct storage *st,
			int (*cb)(void *ctx, const struct run_info *run),
			void *ctx, struct error *err)
{
	struct pg_storage *ps = pg_downcast(st);
	PGresult *res;
	int exists, i, rc = 0, warn;

	if (ledger_exists(ps, &exists, err))
		return ERR_IO;
	if (!exists)
		return 0;
	/* a ledger of an older version has no warning counts: 0 */
	if (has_column(ps, "wsm_runs", "warnings", &warn, err))
		return ERR_IO;
	if (q_exec(ps, warn ?
		   "SELECT id, seq, " TS("started_at") ", " TS("finished_at") ","
		   " status, tree_root, manifest_sha256, tool_version, tenant,"
		   " files_seen, imported, unchanged, skipped, invalid, deleted,"
		   " rows_written, archive_path, archive_sha256, warnings"
		   " FROM wsm_runs ORDER BY seq" :
		   "SELECT id, seq, " TS("started_at") ", " TS("finished_at") ","
		   " status, tree_root, manifest_sha256, tool_version, tenant,"
		   " files_seen, imported, unchanged, skipped, invalid, deleted,"
		   " rows_written, archive_path, archive_sha256, 0"
		   " FROM wsm_runs ORDER BY seq",
		   0, NULL, &res, err, "list runs"))
		return ERR_IO;
	for (i = 0; i < PQntuples(res) && !rc; i++) {
		struct run_info r;

		memset(&r, 0, sizeof(r));
		cpy(r.id, sizeof(r.id), res, i, 0);
		r.seq = num(res, i, 1);
		cpy(r.started_at, sizeof(r.started_at), res, i, 2);
		cpy(r.finished_at, sizeof(r.finished_at), res, i, 3);
		cpy(r.status, sizeof(r.status), res, i, 4);
		cpy(r.tree_root, sizeof(r.tree_root), res, i, 5);
		cpy(r.manifest_sha256, sizeof(r.manifest_sha256), res, i, 6);
		cpy(r.tool_version, sizeof(r.tool_version), res, i, 7);
		cpy(r.tenant, sizeof(r.tenant), res, i, 8);
		r.files_seen = num(res, i, 9);
		r.imported = num(res, i, 10);
		r.unchanged = num(res, i, 11);
		r.skipped = num(res, i, 12);
		r.invalid = num(res, i, 13);
		r.deleted = num(res, i, 14);
		r.rows_written = num(res, i, 15);
		cpy(r.archive_path, sizeof(r.archive_path), res, i, 16);
		cpy(r.archive_sha256, sizeof(r.archive_sha256), res, i, 17);
		r.warnings = num(res, i, 18);
		rc = cb(ctx, &r);
	}
	PQclear(res);
	return rc;
}

static enum file_outcome outcome_parse(const char *s)
{
	if (strcmp(s, "unchanged") == 0)
		return FILE_UNCHANGED;
	if (strcmp(s, "skipped") == 0)
		return FILE_SKIPPED;
	if (strcmp(s, "invalid") == 0)
		return FILE_INVALID;
	return FILE_IMPORTED;
}

static int pg_list_files(struct storage *st, const char *run_id,
			 int (*cb)(void *ctx, const struct file_entry *f),
			 void *ctx, struct error *err)
{
	struct pg_storage *ps = pg_downcast(st);
	const char *params[1] = { run_id };
	PGresult *res;
	int exists, i, rc = 0, warn;

	if (ledger_exists(ps, &exists, err))
		return ERR_IO;
	if (!exists)
		return 0;
	if (has_column(ps, "wsm_files", "warnings", &warn, err))
		return ERR_IO;
	if (q_exec(ps, warn ?
		   "SELECT path, size, mtime_ns, mode, sha256, rule, outcome, error, rows,"
		   " warnings FROM wsm_files WHERE run_id = $1 ORDER BY path COLLATE \"C\"" :
		   "SELECT path, size, mtime_ns, mode, sha256, rule, outcome, error, rows,"
		   " 0 FROM wsm_files WHERE run_id = $1 ORDER BY path COLLATE \"C\"",
		   1, params, &res, err, "list files"))
		return ERR_IO;
	for (i = 0; i < PQntuples(res) && !rc; i++) {
		struct file_entry f;

		memset(&f, 0, sizeof(f));
		f.path = PQgetvalue(res, i, 0);
		f.size = num(res, i, 1);
		f.mtime_ns = num(res, i, 2);
		f.mode = (uint32_t)num(res, i, 3);
		f.sha256 = PQgetisnull(res, i, 4) ? NULL : PQgetvalue(res, i, 4);
		f.rule = PQgetisnull(res, i, 5) ? NULL : PQgetvalue(res, i, 5);
		f.outcome = outcome_parse(PQgetvalue(res, i, 6));
		f.error = PQgetisnull(res, i, 7) ? NULL : PQgetvalue(res, i, 7);
		f.n_rows = (size_t)num(res, i, 8);
		f.warning_count = (size_t)num(res, i, 9);
		rc = cb(ctx, &f);
	}
	PQclear(res);
	return rc;
}

static int pg_source_lookup(struct storage *st, const char *path,
			    struct source_state *out, int *found,
			    struct error *err)
{
	struct pg_storage *ps = pg_downcast(st);
	const char *params[2] = { ps->tenant, path };
	PGresult *res;
	int exists;

	*found = 0;
	memset(out, 0, sizeof(*out));
	/* inside a run the ledger exists (run_start made it): save a round trip */
	if (!ps->run_id[0]) {
		if (ledger_exists(ps, &exists, err))
			return ERR_IO;
		if (!exists)
			return 0;
	}
	/* one lookup per file: a prepared statement skips parse and plan */
	if (!ps->lookup_prepared) {
		res = PQprepare(ps->conn, "wsm_source_lookup",
				"SELECT sha256, size, mtime_ns, rule, _run_id FROM wsm_sources"
				" WHERE tenant_id = $1 AND _path = $2", 2, NULL);
		if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
			pg_fail(ps, res, err, "look up a source");
			PQclear(res);
			return ERR_IO;
		}
		PQclear(res);
		ps->lookup_prepared = 1;
	}
	res = PQexecPrepared(ps->conn, "wsm_source_lookup", 2, params, NULL, NULL, 0);
	if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) {
		pg_fail(ps, res, err, "look up a source");
		PQclear(res);
		return ERR_IO;
	}
	if (PQntuples(res) == 1) {
		*found = 1;
		cpy(out->sha256, sizeof(out->sha256), res, 0, 0);
		out->size = num(res, 0, 1);
		out->mtime_ns = num(res, 0, 2);
		cpy(out->rule, sizeof(out->rule), res, 0, 3);
		cpy(out->run_id, sizeof(out->run_id), res, 0, 4);
	}
	PQclear(res);
	return 0;
}

/* An input path and its position, sorted by path to match result rows. */
struct path_pos {
	const char *path;
	size_t i;
};

static int cmp_path_pos(const void *a, const void *b)
{
	return strcmp(((const struct path_pos *)a)->path,
		      ((const struct path_pos *)b)->path);
}

/*
 * The reader connection: the same parameters as conn (PQconninfo carries
 * them, password included, so it is never kept as text of ours), UTF8,
 * autocommit.  It sees only committed state, which is what a lookup in a
 * run needs: the run holds the writers' lock, so nothing commits meanwhile,
 * and the run never looks up a path it has already written (a run sees
 * each path once).
 */
static int open_reader(struct pg_storage *ps, struct error *err)
{
	PQconninfoOption *info = PQconninfo(ps->conn), *o;
	const char *keys[64], *vals[64];
	size_t n = 0;
	char reason[512];

	if (!info)
		return error_set(err, ERR_IO, "out of memory");
	for (o = info; o->keyword && n + 1 < sizeof(keys) / sizeof(keys[0]); o++)
		if (o->val && *o->val) {
			keys[n] = o->keyword;
			vals[n++] = o->val;
		}
	keys[n] = vals[n] = NULL;
	ps->reader = PQconnectdbParams(keys, vals, 0);
	if (!ps->reader || PQstatus(ps->reader) != CONNECTION_OK ||
	    PQsetClientEncoding(ps->reader, "UTF8") != 0) {
		first_line(ps->reader ? PQerrorMessage(ps->reader) : "out of memory",
			   reason, sizeof(reason));
		for (o = info; o->keyword; o++)   /* never show the password */
			if (strcmp(o->keyword, "password") == 0 && o->val)
				scrub(reason, sizeof(reason), o->val);
		PQconninfoFree(info);
		PQfinish(ps->reader);
		ps->reader = NULL;
		return error_set(err, ERR_IO, "%s: cannot open a second connection for"
				 " source lookups: %s", ps->where, reason);
	}
	PQconninfoFree(info);
	PQsetNoticeProcessor(ps->reader, quiet_notices, NULL);
	return 0;
}

/*
 * Many lookups in one round trip: "_path = ANY($2)" with a text[] literal
 * (each element double-quoted, '"' and '\' escaped), then each returned row
 * is matched back to its input by binary search.  In a run this uses the
 * reader connection; a ledger not committed yet means no source at all.
 */
static int pg_source_lookup_many(struct storage *st, const char *const *paths,
				 size_t n, struct source_state *out, int *found,
				 struct error *err)
{
	struct pg_storage *ps = pg_downcast(st);
	struct strbuf arr = { 0 };
	const char *params[2];
	struct path_pos *idx = NULL;
	size_t i;
	PGresult *res = NULL;
	char reason[512];
	int row, rc = ERR_IO;

	for (i = 0; i < n; i++) {
		found[i] = 0;
		memset(&out[i], 0, sizeof(out[i]));
	}
	if (!n || (ps->run_id[0] && ps->no_sources))
		return 0;   /* a run sees each path once: none can be found */
	if (!ps->run_id[0]) {
		/* outside a run: the simple way, with its checks */
		for (i = 0; i < n; i++)
			if (pg_source_lookup(st, paths[i], &out[i], &found[i], err))
				return ERR_IO;
		return 0;
	}
	strbuf_addstr(&arr, "{");
	for (i = 0; i < n; i++) {
		const char *p;

		strbuf_addstr(&arr, i ? ",\"" : "\"");
		for (p = paths[i]; *p; p++) {
			if (*p == '"' || *p == '\\')
				strbuf_addstr(&arr, "\\");
			strbuf_add(&arr, p, 1);
		}
		strbuf_addstr(&arr, "\"");
	}
	strbuf_addstr(&arr, "}");
	idx = malloc(n * sizeof(*idx));
	if (arr.failed || !idx) {
		rc = error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	params[0] = ps->tenant;
	params[1] = strbuf_str(&arr);
	if (!ps->reader && open_reader(ps, err))
		goto out;
	res = PQexecParams(ps->reader, "SELECT _path, sha256, size, mtime_ns, rule, _run_id"
			   " FROM wsm_sources WHERE tenant_id = $1 AND _path = ANY($2::text[])",
			   2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

		if (state && strcmp(state, "42P01") == 0) {   /* undefined_table */
			rc = 0;   /* the first run: no ledger committed yet */
			goto out;
		}
		first_line(res ? PQresultErrorMessage(res) : PQerrorMessage(ps->reader),
			   reason, sizeof(reason));
		rc = error_set(err, ERR_IO, "look up sources in %s: %s", ps->where, reason);
		goto out;
	}
	for (i = 0; i < n; i++) {
		idx[i].path = paths[i];
		idx[i].i = i;
	}
	qsort(idx, n, sizeof(*idx), cmp_path_pos);
	for (row = 0; row < PQntuples(res); row++) {
		struct path_pos key = { PQgetvalue(res, row, 0), 0 };
		const struct path_pos *hit = bsearch(&key, idx, n, sizeof(*idx),
						     cmp_path_pos);
		size_t k;

		if (!hit)
			continue;
		k = hit->i;
		found[k] = 1;
		cpy(out[k].sha256, sizeof(out[k].sha256), res, row, 1);
		out[k].size = num(res, row, 2);
		out[k].mtime_ns = num(res, row, 3);
		cpy(out[k].rule, sizeof(out[k].rule), res, row, 4);
		cpy(out[k].run_id, sizeof(out[k].run_id), res, row, 5);
	}
	rc = 0;
out:
	PQclear(res);
	free(idx);
	strbuf_release(&arr);
	return rc;
}

static int pg_missing_sources(struct storage *st, const char *run_id,
			      int (*cb)(void *ctx, const char *path,
					const char *rule),
			      void *ctx, struct error *err)
{
	struct pg_storage *ps = pg_downcast(st);
	const char *params[2] = { ps->tenant, run_id };
	PGresult *res;
	int i, rc = 0;

	if (build_deferred(ps, err))
		return ERR_IO;
	/* no sources at run start: every source now was written by this run */
	if (ps->no_sources && strcmp(run_id, ps->run_id) == 0)
		return 0;
	if (q_exec(ps,
		   "SELECT s._path, s.rule FROM wsm_sources s WHERE s.tenant_id = $1"
		   " AND NOT EXISTS (SELECT 1 FROM wsm_files f"
		   "  WHERE f.run_id = $2 AND f.path = s._path)"
		   " ORDER BY s._path COLLATE \"C\"",
		   2, params, &res, err, "find missing sources"))
		return ERR_IO;
	for (i = 0; i < PQntuples(res) && !rc; i++)
		rc = cb(ctx, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
	PQclear(res);
	return rc;
}

/* ------------------------------------------------------------ put_batch */

static void copy_value(struct strbuf *sb, enum col_type t, const struct value *v)
{
	char tmp[64];

	if (v->is_null) {
		strbuf_addstr(sb, "\\N");
		return;
	}
	switch (t) {
	case COL_INTEGER:
		strbuf_addf(sb, "%" PRId64, v->i);
		return;
	case COL_BOOLEAN:
		strbuf_addstr(sb, v->i ? "t" : "f");
		return;
	case COL_REAL:
		if (isnan(v->d))
			strbuf_addstr(sb, "NaN");
		else if (isinf(v->d))
			strbuf_addstr(sb, v->d > 0 ? "Infinity" : "-Infinity");
		else {
			snprintf(tmp, sizeof(tmp), "%.17g", v->d);
			strbuf_addstr(sb, tmp);
		}
		return;
	case COL_TEXT:
	case COL_TIMESTAMP:
	case COL_JSON:
		strbuf_add_copy_field(sb, v->s ? v->s : "", v->s ? v->len : 0);
		return;
	}
}

/* Distinct tables (by name) named by a batch's imported files and rows. */
struct tlist {
	const struct table_def **t;
	size_t n, cap;
};

static int tlist_find(const struct tlist *tl, const struct table_def *d)
{
	size_t i;

	for (i = 0; i < tl->n; i++)
		if (tl->t[i] == d || strcmp(tl->t[i]->name, d->name) == 0)
			return (int)i;
	return -1;
}

static int tlist_add(struct tlist *tl, const struct table_def *d)
{
	if (tlist_find(tl, d) >= 0)
		return 0;
	if (tl->n == tl->cap) {
		size_t ncap = tl->cap ? tl->cap * 2 : 8;
		const struct table_def **np = realloc(tl->t, ncap * sizeof(*np));

		if (!np)
			return -1;
		tl->t = np;
		tl->cap = ncap;
	}
	tl->t[tl->n++] = d;
	return 0;
}

static int copy_files_ledger(struct pg_storage *ps, const struct batch *b,
			     struct error *err)
{
	struct copy c;
	size_t i;

	if (copy_start_sql(&c, ps, "COPY wsm_files (run_id, path, size, mtime_ns, mode,"
			   " sha256, rule, outcome, error, rows, warnings) FROM STDIN",
			   "wsm_files", err))
		return ERR_IO;
	for (i = 0; i < b->n_files; i++) {
		const struct file_entry *f = &b->files[i];

		sb_copy_str(&c.buf, ps->run_id);
		strbuf_addstr(&c.buf, "\t");
		sb_copy_str(&c.buf, f->path);
		strbuf_addf(&c.buf, "\t%" PRId64 "\t%" PRId64 "\t%" PRIu32 "\t",
			f->size, f->mtime_ns, f->mode);
		sb_copy_str(&c.buf, f->sha256);
		strbuf_addstr(&c.buf, "\t");
		sb_copy_str(&c.buf, f->rule);
		strbuf_addstr(&c.buf, "\t");
		sb_copy_str(&c.buf, file_outcome_name(f->outcome));
		strbuf_addstr(&c.buf, "\t");
		sb_copy_str(&c.buf, f->error);
		strbuf_addf(&c.buf, "\t%zu\t%zu", f->n_rows, f->warning_count);
		if (copy_eol(&c, f->path, err)) {
			copy_abort(&c);
			return ERR_IO;
		}
	}
	return copy_end(&c, err);
}

/* The warnings the batch's files carry, into wsm_warnings. */
static int copy_warnings(struct pg_storage *ps, const struct batch *b,
			 struct error *err)
{
	struct copy c;
	size_t i, k, n = 0;

	for (i = 0; i < b->n_files; i++)
		n += b->files[i].n_warnings;
	if (!n)
		return 0;
	if (copy_start_sql(&c, ps, "COPY wsm_warnings (run_id, path, rule, kind, table_name,"
			   " column_name, pointer, message) FROM STDIN", "wsm_warnings", err))
		return ERR_IO;
	for (i = 0; i < b->n_files; i++) {
		const struct file_entry *f = &b->files[i];

		for (k = 0; k < f->n_warnings; k++) {
			const struct warning_entry *w = &f->warnings[k];

			sb_copy_str(&c.buf, ps->run_id);
			strbuf_addstr(&c.buf, "\t");
			sb_copy_str(&c.buf, w->path ? w->path : f->path);
			strbuf_addstr(&c.buf, "\t");
			sb_copy_str(&c.buf, w->rule ? w->rule : f->rule);
			strbuf_addstr(&c.buf, "\t");
			sb_copy_str(&c.buf, w->kind ? w->kind : WARN_COLUMN);
			strbuf_addstr(&c.buf, "\t");
			sb_copy_str(&c.buf, w->table);
			strbuf_addstr(&c.buf, "\t");
			sb_copy_str(&c.buf, w->column);
			strbuf_addstr(&c.buf, "\t");
			sb_copy_str(&c.buf, w->pointer);
			strbuf_addstr(&c.buf, "\t");
			sb_copy_str(&c.buf, w->message ? w->message : "");
			if (copy_eol(&c, f->path, err)) {
				copy_abort(&c);
				return ERR_IO;
			}
		}
	}
	return copy_end(&c, err);
}

/* A file's source state as COPY text: path, sha256, size, mtime_ns, rule. */
static void source_fields(struct strbuf *sb, const struct file_entry *f)
{
	sb_copy_str(sb, f->path);
	strbuf_addstr(sb, "\t");
	sb_copy_str(sb, f->sha256);
	strbuf_addf(sb, "\t%" PRId64 "\t%" PRId64 "\t", f->size, f->mtime_ns);
	sb_copy_str(sb, f->rule);
}

/*
 * With no sources at run start: the imported files' states go straight
 * into wsm_sources, as nothing can be replaced.
 */
static int copy_sources(struct pg_storage *ps, const struct batch *b,
			struct error *err)
{
	struct copy c;
	size_t i;

	if (copy_start_sql(&c, ps, "COPY wsm_sources (_path, sha256, size, mtime_ns, rule,"
			   " _run_id, tenant_id) FROM STDIN", "wsm_sources", err))
		return ERR_IO;
	for (i = 0; i < b->n_files; i++) {
		const struct file_entry *f = &b->files[i];

		if (f->outcome != FILE_IMPORTED)
			continue;
		source_fields(&c.buf, f);
		strbuf_addstr(&c.buf, "\t");
		sb_copy_str(&c.buf, ps->run_id);
		strbuf_addstr(&c.buf, "\t");
		sb_copy_str(&c.buf, ps->tenant);
		if (copy_eol(&c, f->path, err)) {
			copy_abort(&c);
			return ERR_IO;
		}
	}
	return copy_end(&c, err);
}

/*
 * Stage the batch's source states (imported and unchanged files) and the
 * (table, path) pairs whose old rows step 1 moves to history.
 */
static int stage_sources(struct pg_storage *ps, const struct batch *b,
			 const struct tlist *tl, struct error *err)
{
	struct copy c;
	size_t i, k;

	if (q_exec(ps,
		   "DROP TABLE IF EXISTS pg_temp.wsm_stage_src;"
		   "DROP TABLE IF EXISTS pg_temp.wsm_stage_paths;"
		   "CREATE TEMP TABLE wsm_stage_src (path text, sha256 text, size bigint,"
		   " mtime_ns bigint, rule text, outcome text) ON COMMIT DROP;"
		   "CREATE TEMP TABLE wsm_stage_paths (tbl int, path text) ON COMMIT DROP",
		   0, NULL, NULL, err, "staging"))
		return ERR_IO;
	if (copy_start_sql(&c, ps, "COPY wsm_stage_src FROM STDIN", "wsm_sources", err))
		return ERR_IO;
	for (i = 0; i < b->n_files; i++) {
		const struct file_entry *f = &b->files[i];

		if (f->outcome != FILE_IMPORTED && f->outcome != FILE_UNCHANGED)
			continue;
		source_fields(&c.buf, f);
		strbuf_addstr(&c.buf, "\t");
		strbuf_addstr(&c.buf, file_outcome_name(f->outcome));
		if (copy_eol(&c, f->path, err)) {
			copy_abort(&c);
			return ERR_IO;
		}
	}
	if (copy_end(&c, err))
		return ERR_IO;

	if (copy_start_sql(&c, ps, "COPY wsm_stage_paths FROM STDIN", "staging", err))
		return ERR_IO;
	for (i = 0; i < b->n_files; i++) {
		const struct file_entry *f = &b->files[i];

		if (f->outcome != FILE_IMPORTED)
			continue;
		for (k = 0; k < f->n_tables; k++) {
			int t = tlist_find(tl, f->tables[k]);

			if (t < 0)
				continue;
			strbuf_addf(&c.buf, "%d\t", t);
			sb_copy_str(&c.buf, f->path);
			if (copy_eol(&c, f->path, err)) {
				copy_abort(&c);
				return ERR_IO;
			}
		}
	}
	return copy_end(&c, err);
}

/* Append " AND a.k = b.k ..." over the key columns (and tenant). */
static void sb_key_match(struct strbuf *sb, const struct table_def *d,
			 int has_tenant, const char *a, const char *b)
{
	const char *const *key;
	size_t nk = def_key(d, &key), i;

	for (i = 0; i < nk; i++) {
		strbuf_addstr(sb, " AND ");
		sb_col(sb, a, key[i]);
		strbuf_addstr(sb, " = ");
		sb_col(sb, b, key[i]);
	}
	if (has_tenant) {
		strbuf_addstr(sb, " AND ");
		sb_col(sb, a, "tenant_id");
		strbuf_addstr(sb, " = ");
		sb_col(sb, b, "tenant_id");
	}
}

/*
 * pg_temp.wsm_lost: the key collisions put_table finds in a batch, turned
 * into warnings and ledger counts by lost_rows.  Made once per transaction.
 */
static int lost_table(struct pg_storage *ps, struct error *err)
{
	if (ps->lost_ready)
		return 0;
	if (q_exec(ps, "CREATE TEMP TABLE IF NOT EXISTS wsm_lost (seq bigserial,"
		   " tbl text, cols text, loser text, winner text, keytext text) ON COMMIT DROP",
		   0, NULL, NULL, err, "staging"))
		return ERR_IO;
	ps->lost_ready = 1;
	return 0;
}

/*
 * Append "INSERT INTO wsm_lost ... SELECT ... FROM <src> m<where>": each
 * row of src is a loser, and its winner the next staged row with its key
 * (the first one for a row of an earlier batch, the next one after it for
 * a staged row), as the row-by-row replacement of SQLite sees it: a chain
 * of replacements names each step.  Parameters: $1 run, $2 table, $3 key
 * columns.
 */
static void sb_lost_insert(struct strbuf *sql, const struct table_def *d, int ht,
			   const char *stage, const char *src, const char *where,
			   int staged)
{
	size_t j;

	strbuf_addstr(sql, " INSERT INTO wsm_lost (tbl, cols, loser, winner, keytext)"
		      " SELECT $2, $3, m.\"_path\", (SELECT s2.\"_path\" FROM ");
	strbuf_addstr(sql, stage);
	strbuf_addstr(sql, staged ? " s2 WHERE s2.\"_ord\" > m.\"_ord\"" : " s2 WHERE true");
	sb_key_match(sql, d, ht, "s2", "m");
	strbuf_addstr(sql, " ORDER BY s2.\"_ord\" LIMIT 1), jsonb_build_object(");
	for (j = 0; j < d->n_key; j++) {
		strbuf_addstr(sql, j ? ", " : "");
		/* key names are identifiers [a-z0-9_]: safe as literals */
		strbuf_addf(sql, "'%s', ", d->key[j]);
		sb_col(sql, "m", d->key[j]);
	}
	strbuf_addf(sql, ")::text FROM %s m%s", src, where);
}

/*
 * The collisions of the batch (wsm_lost) become key_collision warnings on
 * the losing files, whose wsm_files row count drops by the rows they lost.
 */
static int lost_rows(struct pg_storage *ps, struct error *err)
{
	const char *params[1] = { ps->run_id };

	if (!ps->lost_ready)
		return 0;
	return q_exec(ps,
		      "WITH x AS (DELETE FROM wsm_lost RETURNING *),"
		      " w AS (INSERT INTO wsm_warnings (run_id, path, rule, kind, table_name,"
		      "  column_name, message) SELECT $1, x.loser, f.rule, 'key_collision', x.tbl,"
		      "  x.cols, CASE WHEN x.loser = x.winner THEN 'key ' || x.keytext ||"
		      "  ' of table \"' || x.tbl || '\" came twice in this file: the later row"
		      " replaced the earlier one' ELSE 'key ' || x.keytext || ' of table \"' ||"
		      "  x.tbl || '\" came again in ''' || x.winner || ''' (later in walk order),"
		      " whose row replaced this file''s' END"
		      "  FROM x LEFT JOIN wsm_files f ON f.run_id = $1 AND f.path = x.loser"
		      "  ORDER BY x.seq)"
		      " UPDATE wsm_files f SET rows = f.rows - c.n, warnings = f.warnings + c.n"
		      " FROM (SELECT loser, count(*) AS n FROM x GROUP BY loser) c"
		      " WHERE f.run_id = $1 AND f.path = c.loser",
		      1, params, NULL, err, "record key collisions");
}

/*
 * Write the rows of table number k of the batch:
 *   1. rows of the imported paths -> history;
 *   2. rows with the key of a staged row -> history;
 *   3. staged rows replaced by a later staged row of the same key ->
 *      history (they were inserted, then replaced, within this run);
 *   4. the remaining staged rows -> the table.
 */
static int put_table(struct pg_storage *ps, const struct batch *b, int k,
		     const struct table_def *d, struct error *err)
{
	struct strbuf sql = { 0 }, cols = { 0 }, scols = { 0 }, later = { 0 };
	struct strbuf all = { 0 };   /* every column of the table, for history */
	char stage[32], hist[PG_IDENT_MAX + 16], what[200];
	const char *params[2] = { ps->run_id, ps->tenant };
	struct strbuf keycols = { 0 };
	const char *lparams[3] = { ps->run_id, d->name, NULL };
	struct copy c;
	size_t i, r, j;
	int64_t ord = 0;
	int ht, direct, fresh, rc = ERR_IO;

	snprintf(stage, sizeof(stage), "wsm_stage_%d", k);
	snprintf(hist, sizeof(hist), HIST_PREFIX "%s", d->name);
	snprintf(what, sizeof(what), "write table '%s'", d->name);
	for (j = 0; j < d->n_key; j++) {
		strbuf_addstr(&keycols, j ? "," : "");
		strbuf_addstr(&keycols, d->key[j]);
	}
	lparams[2] = strbuf_str(&keycols);
	if (catalog_cols(ps, d->name, &all, &ht, err))
		goto out;
	sb_cols(&cols, d, ht, NULL);
	sb_cols(&scols, d, ht, "s");

	/*
	 * Fast path: keyed by path (the default) and every file of the batch
	 * new, so no row can be replaced and paths are unique in the batch:
	 * COPY straight into the table, no staging and no history statements.
	 * The same holds for every file when the table is fresh, or when no
	 * source existed at run start (rows of a path exist only while its
	 * source does): `fresh` means "no old rows of these paths".
	 */
	fresh = is_fresh(ps, d->name) || ps->no_sources;
	direct = d->n_key == 0;
	for (i = 0; direct && !fresh && i < b->n_files; i++)
		if (b->files[i].outcome == FILE_IMPORTED && !b->files[i].is_new)
			direct = 0;
	if (direct) {
		strbuf_addstr(&sql, "COPY ");
		strbuf_add_ident(&sql, d->name);
		strbuf_addf(&sql, " (%s) FROM STDIN", strbuf_str(&cols));
		if (copy_start(&c, ps, &sql, d->name, err))
			goto out;
		goto rows;
	}

	/* staging table shaped like the data table, plus the arrival order */
	strbuf_addf(&sql, "DROP TABLE IF EXISTS pg_temp.%s; CREATE TEMP TABLE %s (LIKE ",
		stage, stage);
	strbuf_add_ident(&sql, d->name);
	strbuf_addstr(&sql, ") ON COMMIT DROP; ALTER TABLE ");
	strbuf_addstr(&sql, stage);
	strbuf_addstr(&sql, " ADD COLUMN \"_ord\" bigint");
	if (q_sb(ps, &sql, 0, NULL, NULL, err, what))
		goto out;
	strbuf_reset(&sql);
	strbuf_addf(&sql, "COPY %s (%s, \"_ord\") FROM STDIN", stage, strbuf_str(&cols));
	if (copy_start(&c, ps, &sql, d->name, err))
		goto out;
rows:
	for (i = 0; i < b->n_files; i++) {
		const struct file_entry *f = &b->files[i];

		if (f->outcome != FILE_IMPORTED)
			continue;
		for (r = 0; r < f->n_rows; r++) {
			const struct row *row = &f->rows[r];

			if (row->table != d && strcmp(row->table->name, d->name) != 0)
				continue;
			sb_copy_str(&c.buf, f->path);
			strbuf_addstr(&c.buf, "\t");
			sb_copy_str(&c.buf, f->sha256);
			strbuf_addstr(&c.buf, "\t");
			sb_copy_str(&c.buf, ps->run_id);
			strbuf_addstr(&c.buf, "\t");
			if (!d->is_child) {
				if (f->doc)
					strbuf_add_copy_field(&c.buf, f->doc, f->doc_len);
				else
					strbuf_addstr(&c.buf, "\\N");
			} else {
				strbuf_addf(&c.buf, "%" PRId64, row->index);
			}
			for (j = 0; j < d->n_columns; j++) {
				strbuf_addstr(&c.buf, "\t");
				copy_value(&c.buf, d->columns[j].type, &row->values[j]);
			}
			if (ht) {
				strbuf_addstr(&c.buf, "\t");
				sb_copy_str(&c.buf, ps->tenant);
			}
			if (!direct)
				strbuf_addf(&c.buf, "\t%" PRId64, ord++);
			if (copy_eol(&c, f->path, err)) {
				copy_abort(&c);
				goto out;
			}
		}
	}
	if (copy_end(&c, err))
		goto out;
	if (direct) {
		rc = 0;
		goto out;
	}
	/*
	 * A temp table has no statistics: without them big tables get bad
	 * plans.  Only the columns the joins use are analysed; sampling the
	 * jsonb documents would cost more than the joins themselves.
	 */
	strbuf_reset(&sql);
	strbuf_addf(&sql, "ANALYZE pg_temp.%s (\"_path\", \"_ord\"", stage);
	for (j = 0; j < d->n_key; j++) {
		strbuf_addstr(&sql, ", ");
		strbuf_add_ident(&sql, d->key[j]);
	}
	if (d->is_child)
		strbuf_addstr(&sql, ", \"_index\"");
	strbuf_addstr(&sql, ")");
	if (q_sb(ps, &sql, 0, NULL, NULL, err, what))
		goto out;

	/* 1. old rows of the imported paths (a fresh table has none) */
	strbuf_reset(&sql);
	if (fresh)
		goto by_key;
	strbuf_addstr(&sql, "WITH moved AS (DELETE FROM ");
	strbuf_add_ident(&sql, d->name);
	strbuf_addf(&sql, " t WHERE t.\"_path\" IN (SELECT path FROM wsm_stage_paths"
		      " WHERE tbl = %d)", k);
	strbuf_addstr(&sql, ht ? " AND t.\"tenant_id\" = $2" : " AND $2::text IS NOT NULL");
	strbuf_addf(&sql, " RETURNING %s) INSERT INTO ", strbuf_str(&all));
	strbuf_add_ident(&sql, hist);
	strbuf_addf(&sql, " (%s, \"_superseded_by\") SELECT %s, $1 FROM moved",
		strbuf_str(&all), strbuf_str(&all));
	if (q_sb(ps, &sql, 2, params, NULL, err, what))
		goto out;

	/*
	 * 2. rows with a staged key.  Those this run wrote (an earlier batch)
	 * are key collisions: wsm_lost notes the loser, the winner (the last
	 * staged row of the key) and the key, for lost_rows.
	 */
by_key:
	if (lost_table(ps, err))
		goto out;
	strbuf_reset(&sql);
	strbuf_addstr(&sql, "WITH moved AS (DELETE FROM ");
	strbuf_add_ident(&sql, d->name);
	strbuf_addf(&sql, " t USING %s s WHERE true", stage);
	sb_key_match(&sql, d, ht, "t", "s");
	strbuf_addstr(&sql, " RETURNING t.*), h AS (INSERT INTO ");
	strbuf_add_ident(&sql, hist);
	strbuf_addf(&sql, " (%s, \"_superseded_by\") SELECT %s, $1 FROM moved)",
		strbuf_str(&all), strbuf_str(&all));
	sb_lost_insert(&sql, d, ht, stage, "moved", " WHERE m.\"_run_id\" = $1", 0);
	if (q_sb(ps, &sql, 3, lparams, NULL, err, what))
		goto out;

	/* 3. (staged rows replaced within the batch: collisions too) and 4. */
	strbuf_addf(&later, "EXISTS (SELECT 1 FROM %s s2 WHERE s2.\"_ord\" > s.\"_ord\"", stage);
	sb_key_match(&later, d, ht, "s2", "s");
	strbuf_addstr(&later, ")");
	strbuf_reset(&sql);
	strbuf_addstr(&sql, "WITH replaced AS (INSERT INTO ");
	strbuf_add_ident(&sql, hist);
	strbuf_addf(&sql, " (%s, \"_superseded_by\") SELECT %s, $1 FROM %s s WHERE %s"
		      " ORDER BY s.\"_ord\")",
		strbuf_str(&cols), strbuf_str(&scols), stage, strbuf_str(&later));
	{
		struct strbuf w = { 0 };

		strbuf_addf(&w, " WHERE EXISTS (SELECT 1 FROM %s s2 WHERE s2.\"_ord\" > m.\"_ord\"",
			    stage);
		sb_key_match(&w, d, ht, "s2", "m");
		strbuf_addstr(&w, ") ORDER BY m.\"_ord\"");
		sb_lost_insert(&sql, d, ht, stage, stage, strbuf_str(&w), 1);
		strbuf_release(&w);
	}
	if (q_sb(ps, &sql, 3, lparams, NULL, err, what))
		goto out;
	strbuf_reset(&sql);
	strbuf_addstr(&sql, "INSERT INTO ");
	strbuf_add_ident(&sql, d->name);
	strbuf_addf(&sql, " (%s) SELECT %s FROM %s s WHERE NOT %s ORDER BY s.\"_ord\";"
		      " DROP TABLE pg_temp.%s",
		strbuf_str(&cols), strbuf_str(&scols), stage, strbuf_str(&later), stage);
	if (q_sb(ps, &sql, 0, NULL, NULL, err, what))
		goto out;
	rc = 0;
out:
	strbuf_release(&sql);
	strbuf_release(&cols);
	strbuf_release(&scols);
	strbuf_release(&later);
	strbuf_release(&all);
	strbuf_release(&keycols);
	return rc;
}

/* Sources of imported files replace the old state; unchanged refresh. */
static int put_sources(struct pg_storage *ps, struct error *err)
{
	const char *params[2] = { ps->run_id, ps->tenant };
	static const char *const sql =
		"INSERT INTO wsm_hist_wsm_sources (_path, rule, sha256, size, mtime_ns,"
		" _run_id, tenant_id, _superseded_by)"
		" SELECT s._path, s.rule, s.sha256, s.size, s.mtime_ns, s._run_id,"
		" s.tenant_id, $1 FROM wsm_sources s JOIN wsm_stage_src x ON x.path = s._path"
		" WHERE s.tenant_id = $2 AND (x.outcome = 'imported'"
		"  OR s.size IS DISTINCT FROM x.size OR s.mtime_ns IS DISTINCT FROM x.mtime_ns)"
		" ORDER BY s._path";
	static const char *const del =
		"DELETE FROM wsm_sources s USING wsm_stage_src x"
		" WHERE x.path = s._path AND s.tenant_id = $2 AND x.outcome = 'imported'"
		" AND $1::text IS NOT NULL";
	static const char *const upd =
		"UPDATE wsm_sources s SET size = x.size, mtime_ns = x.mtime_ns"
		" FROM wsm_stage_src x WHERE x.path = s._path AND s.tenant_id = $2"
		" AND x.outcome = 'unchanged' AND $1::text IS NOT NULL"
		" AND (s.size IS DISTINCT FROM x.size OR s.mtime_ns IS DISTINCT FROM x.mtime_ns)";
	static const char *const ins =
		"INSERT INTO wsm_sources (_path, rule, sha256, size, mtime_ns, _run_id, tenant_id)"
		" SELECT path, rule, sha256, size, mtime_ns, $1, $2 FROM wsm_stage_src"
		" WHERE outcome = 'imported' ORDER BY path";

	if (q_exec(ps, sql, 2, params, NULL, err, "record the sources") ||
	    q_exec(ps, del, 2, params, NULL, err, "record the sources") ||
	    q_exec(ps, upd, 2, params, NULL, err, "record the sources") ||
	    q_exec(ps, ins, 2, params, NULL, err, "record the sources"))
		return ERR_IO;
	return 0;
}

static int pg_put_batch(struct storage *st, const struct batch *b,
			struct error *err)
{
	struct pg_storage *ps = pg_downcast(st);
	struct tlist tl = { 0 };
	size_t i, k;
	int rc = ERR_IO;

	if (need_tx(ps, "put_batch", err))
		return ERR_USAGE;
	if (!ps->run_id[0])
		return error_set(err, ERR_USAGE, "put_batch: call storage_run_start first");
	if (!b->n_files)
		return 0;
	for (i = 0; i < b->n_files; i++) {
		const struct file_entry *f = &b->files[i];

		if (f->outcome != FILE_IMPORTED)
			continue;
		for (k = 0; k < f->n_tables; k++)
			if (tlist_add(&tl, f->tables[k]))
				goto oom;
		for (k = 0; k < f->n_rows; k++)
			if (tlist_add(&tl, f->rows[k].table))
				goto oom;
	}
	/* no source had rows when the run began: nothing to replace, so
	 * nothing to stage; rows and sources go straight in */
	if (copy_files_ledger(ps, b, err) || copy_warnings(ps, b, err) ||
	    (!ps->no_sources && stage_sources(ps, b, &tl, err)))
		goto out;
	for (k = 0; k < tl.n; k++)
		if (put_table(ps, b, (int)k, tl.t[k], err))
			goto out;
	if (lost_rows(ps, err))
		goto out;
	if (ps->no_sources)
		rc = copy_sources(ps, b, err);
	else if (!put_sources(ps, err))
		rc = q_exec(ps, "DROP TABLE pg_temp.wsm_stage_src; DROP TABLE pg_temp.wsm_stage_paths",
			    0, NULL, NULL, err, "staging");
out:
	free(tl.t);
	return rc;
oom:
	free(tl.t);
	return error_set(err, ERR_IO, "out of memory");
}

/* ------------------------------------------------------------ prune, revert */

/* Names of the data tables recorded in wsm_tables (caller PQclear's). */
static int table_names(struct pg_storage *ps, PGresult **res, struct error *err)
{
	return q_exec(ps, "SELECT name FROM wsm_tables ORDER BY name", 0, NULL, res,
		      err, "read wsm_tables");
}

/*
 * Quoted column list of an existing table, from the catalog, into `cols`
 * (may be NULL when only *has_tenant is wanted).
 */
static int catalog_cols(struct pg_storage *ps, const char *table,
			struct strbuf *cols, int *has_tenant, struct error *err)
{
	PGresult *res;
	int i, n;

	*has_tenant = 0;
	if (existing_cols(ps, table, &res, err))
		return ERR_IO;
	n = PQntuples(res);
	for (i = 0; i < n; i++) {
		const char *c = PQgetvalue(res, i, 0);

		if (strcmp(c, "tenant_id") == 0)
			*has_tenant = 1;
		if (!cols)
			continue;
		if (cols->len)
			strbuf_addstr(cols, ", ");
		strbuf_add_ident(cols, c);
	}
	PQclear(res);
	if (!n)
		return error_set(err, ERR_IO, "table '%s' is recorded in wsm_tables but missing",
				 table);
	return 0;
}

static int pg_prune_source(struct storage *st, const char *run_id,
			   const char *path, struct error *err)
{
	struct pg_storage *ps = pg_downcast(st);
	const char *params[3] = { run_id, ps->tenant, path };
	PGresult *names;
	int i, rc = 0;

	if (need_tx(ps, "prune_source", err))
		return ERR_USAGE;
	if (build_deferred(ps, err) || table_names(ps, &names, err))
		return ERR_IO;
	for (i = 0; i < PQntuples(names) && !rc; i++) {
		const char *t = PQgetvalue(names, i, 0);
		struct strbuf cols = { 0 }, sql = { 0 };
		int ht;

		rc = catalog_cols(ps, t, &cols, &ht, err);
		if (!rc) {
			char hist[PG_IDENT_MAX + 16];

			snprintf(hist, sizeof(hist), HIST_PREFIX "%s", t);
			strbuf_addstr(&sql, "WITH moved AS (DELETE FROM ");
			strbuf_add_ident(&sql, t);
			strbuf_addstr(&sql, " WHERE \"_path\" = $3");
			strbuf_addstr(&sql, ht ? " AND \"tenant_id\" = $2" : " AND $2::text IS NOT NULL");
			strbuf_addf(&sql, " RETURNING %s) INSERT INTO ", strbuf_str(&cols));
			strbuf_add_ident(&sql, hist);
			strbuf_addf(&sql, " (%s, \"_superseded_by\") SELECT %s, $1 FROM moved",
				strbuf_str(&cols), strbuf_str(&cols));
			rc = q_sb(ps, &sql, 3, params, NULL, err, "prune");
		}
		strbuf_release(&cols);
		strbuf_release(&sql);
	}
	PQclear(names);
	if (rc)
		return rc;
	if (q_exec(ps,
		   "WITH moved AS (DELETE FROM wsm_sources WHERE tenant_id = $2 AND _path = $3"
		   " RETURNING _path, rule, sha256, size, mtime_ns, _run_id, tenant_id)"
		   " INSERT INTO wsm_hist_wsm_sources (_path, rule, sha256, size, mtime_ns,"
		   " _run_id, tenant_id, _superseded_by)"
		   " SELECT _path, rule, sha256, size, mtime_ns, _run_id, tenant_id, $1 FROM moved",
		   3, params, NULL, err, "prune"))
		return ERR_IO;
	return 0;
}

/* The data columns of a history table: all but _superseded_by, _hist_seq. */
static int revert_table(struct pg_storage *ps, const char *t, const char *run_id,
			int64_t *removed, int64_t *restored, struct error *err)
{
	struct strbuf cols = { 0 }, sql = { 0 };
	char hist[PG_IDENT_MAX + 16];
	const char *params[1] = { run_id };
	PGresult *res = NULL;
	int ht, rc;

	snprintf(hist, sizeof(hist), HIST_PREFIX "%s", t);
	rc = catalog_cols(ps, t, &cols, &ht, err);
	if (rc)
		goto out;
	strbuf_addstr(&sql, "DELETE FROM ");
	strbuf_add_ident(&sql, t);
	strbuf_addstr(&sql, " WHERE \"_run_id\" = $1");
	rc = q_sb(ps, &sql, 1, params, &res, err, "revert");
	if (rc)
		goto out;
	*removed += strtoll(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	res = NULL;
	/* rows the run replaced or pruned come back; its own replaced rows go */
	strbuf_reset(&sql);
	strbuf_addstr(&sql, "WITH back AS (DELETE FROM ");
	strbuf_add_ident(&sql, hist);
	strbuf_addf(&sql, " WHERE \"_superseded_by\" = $1 AND \"_run_id\" <> $1"
		      " RETURNING %s, \"_hist_seq\") INSERT INTO ", strbuf_str(&cols));
	strbuf_add_ident(&sql, t);
	strbuf_addf(&sql, " (%s) SELECT %s FROM back ORDER BY \"_hist_seq\"",
		strbuf_str(&cols), strbuf_str(&cols));
	rc = q_sb(ps, &sql, 1, params, &res, err, "revert");
	if (rc)
		goto out;
	*restored += strtoll(PQcmdTuples(res), NULL, 10);
	strbuf_reset(&sql);
	strbuf_addstr(&sql, "DELETE FROM ");
	strbuf_add_ident(&sql, hist);
	strbuf_addstr(&sql, " WHERE \"_superseded_by\" = $1 AND \"_run_id\" = $1");
	rc = q_sb(ps, &sql, 1, params, NULL, err, "revert");
out:
	PQclear(res);
	strbuf_release(&cols);
	strbuf_release(&sql);
	return rc;
}

static int later_runs(struct pg_storage *ps, const char *run_id,
		      const char *tenant, int64_t seq, struct error *err)
{
	char seqs[24];
	const char *params[2] = { seqs, tenant };
	struct strbuf names = { 0 };
	PGresult *res;
	int i, n;

	snprintf(seqs, sizeof(seqs), "%" PRId64, seq);
	if (q_exec(ps,
		   "SELECT id FROM wsm_runs WHERE seq > $1::bigint AND status <> 'rolled_back'"
		   " AND coalesce(tenant, '') = coalesce($2, '') ORDER BY seq DESC",
		   2, params, &res, err, "revert"))
		return ERR_IO;
	n = PQntuples(res);
	for (i = 0; i < n; i++)
		strbuf_addf(&names, "%s%s", i ? ", " : "", PQgetvalue(res, i, 0));
	PQclear(res);
	if (n) {
		error_set(err, ERR_USAGE,
			  "run %s is not the latest: roll back these runs first (newest first): %s",
			  run_id, strbuf_str(&names));
		strbuf_release(&names);
		return ERR_USAGE;
	}
	strbuf_release(&names);
	return 0;
}

static int pg_revert_run(struct storage *st, const char *run_id,
			 int64_t *rows_removed, int64_t *rows_restored,
			 struct error *err)
{
	struct pg_storage *ps = pg_downcast(st);
	const char *params[2] = { run_id, NULL };
	PGresult *res = NULL, *names = NULL;
	char status[24], tenant[128];
	int64_t seq, removed = 0, restored = 0;
	int exists, i, rc, own = !ps->in_tx;

	*rows_removed = *rows_restored = 0;
	if (own && tx_begin_locked(ps, err))
		return ERR_IO;
	rc = ledger_exists(ps, &exists, err);
	if (rc)
		goto out;
	if (!exists) {
		rc = error_set(err, ERR_USAGE, "no run '%s': %s has no wsmigrate ledger",
			       run_id, ps->base.url_masked);
		goto out;
	}
	rc = q_exec(ps, "SELECT seq, status, coalesce(tenant, '') FROM wsm_runs WHERE id = $1",
		    1, params, &res, err, "revert");
	if (rc)
		goto out;
	if (PQntuples(res) != 1) {
		rc = error_set(err, ERR_USAGE, "no run '%s' in %s", run_id,
			       ps->base.url_masked);
		goto out;
	}
	seq = num(res, 0, 0);
	cpy(status, sizeof(status), res, 0, 1);
	cpy(tenant, sizeof(tenant), res, 0, 2);
	if (strcmp(status, "committed") != 0) {
		rc = error_set(err, ERR_USAGE, "run %s is %s, not committed", run_id, status);
		goto out;
	}
	rc = later_runs(ps, run_id, tenant, seq, err);
	if (rc)
		goto out;
	rc = table_names(ps, &names, err);
	for (i = 0; !rc && i < PQntuples(names); i++)
		rc = revert_table(ps, PQgetvalue(names, i, 0), run_id, &removed,
				  &restored, err);
	if (rc)
		goto out;
	params[1] = tenant;
	rc = q_exec(ps,
		    "DELETE FROM wsm_sources WHERE tenant_id = $2 AND (_run_id = $1 OR _path IN"
		    " (SELECT _path FROM wsm_hist_wsm_sources WHERE _superseded_by = $1"
		    "  AND tenant_id = $2))",
		    2, params, NULL, err, "revert the sources");
	if (!rc)
		rc = q_exec(ps,
			    "INSERT INTO wsm_sources (_path, rule, sha256, size, mtime_ns,"
			    " _run_id, tenant_id) SELECT DISTINCT ON (_path) _path, rule, sha256,"
			    " size, mtime_ns, _run_id, tenant_id FROM wsm_hist_wsm_sources"
			    " WHERE _superseded_by = $1 AND tenant_id = $2"
			    " ORDER BY _path, _hist_seq",
			    2, params, NULL, err, "revert the sources");
	if (!rc)
		rc = q_exec(ps,
			    "DELETE FROM wsm_hist_wsm_sources WHERE _superseded_by = $1"
			    " AND tenant_id = $2",
			    2, params, NULL, err, "revert the sources");
	if (!rc) {
		PQclear(res);
		res = NULL;
		rc = q_exec(ps, "SELECT to_regclass('wsm_warnings') IS NOT NULL", 0, NULL,
			    &res, err, "revert the warnings");
		if (!rc && strcmp(PQgetvalue(res, 0, 0), "t") == 0)
			rc = q_exec(ps, "DELETE FROM wsm_warnings WHERE run_id = $1",
				    1, params, NULL, err, "revert the warnings");
	}
	if (!rc)
		rc = q_exec(ps, "UPDATE wsm_runs SET status = 'rolled_back', rolled_back_at = now()"
			    " WHERE id = $1",
			    1, params, NULL, err, "revert");
	if (!rc && own)
		rc = pg_commit(st, err);
out:
	PQclear(res);
	PQclear(names);
	if (rc && own && ps->in_tx) {
		PQclear(PQexec(ps->conn, "ROLLBACK"));
		ps->in_tx = 0;
	}
	if (!rc) {
		*rows_removed = removed;
		*rows_restored = restored;
	}
	return rc;
}

static int pg_add_warnings(struct storage *st, const struct warning_entry *w,
			   size_t n, struct error *err)
{
	struct pg_storage *ps = pg_downcast(st);
	size_t i;

	if (need_tx(ps, "add_warnings", err))
		return ERR_USAGE;
	if (!ps->run_id[0])
		return error_set(err, ERR_USAGE, "add_warnings: call storage_run_start first");
	for (i = 0; i < n; i++) {
		const char *params[8] = {
			ps->run_id, w[i].path, w[i].rule, w[i].kind ? w[i].kind : WARN_COLUMN,
			w[i].table, w[i].column, w[i].pointer, w[i].message ? w[i].message : ""
		};

		if (q_exec(ps, "INSERT INTO wsm_warnings (run_id, path, rule, kind, table_name,"
			   " column_name, pointer, message) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
			   8, params, NULL, err, "record warnings"))
			return ERR_IO;
	}
	return 0;
}

/*
 * Rows come one at a time (single-row mode), so a run with many warnings
 * is listed in flat memory.  cb must not use the storage meanwhile.
 */
static int pg_list_warnings(struct storage *st, const char *run_id, const char *kind,
			    int (*cb)(void *ctx, const struct warning_entry *w),
			    void *ctx, struct error *err)
{
	struct pg_storage *ps = pg_downcast(st);
	const char *params[2] = { run_id, kind };
	PGresult *res;
	int have, rc = 0;

	if (q_exec(ps, "SELECT to_regclass('wsm_warnings') IS NOT NULL", 0, NULL, &res,
		   err, "list warnings"))
		return ERR_IO;
	have = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (!have)
		return 0;
	if (!PQsendQueryParams(ps->conn, "SELECT path, rule, kind, table_name, column_name,"
			       " pointer, message FROM wsm_warnings WHERE run_id = $1"
			       " AND ($2::text IS NULL OR kind = $2) ORDER BY seq",
			       2, NULL, params, NULL, NULL, 0) ||
	    !PQsetSingleRowMode(ps->conn))
		return pg_fail(ps, NULL, err, "list warnings");
	while ((res = PQgetResult(ps->conn)) != NULL) {
		ExecStatusType t = PQresultStatus(res);

		if (t == PGRES_SINGLE_TUPLE && !rc) {
			struct warning_entry w;

			w.path = PQgetisnull(res, 0, 0) ? NULL : PQgetvalue(res, 0, 0);
			w.rule = PQgetisnull(res, 0, 1) ? NULL : PQgetvalue(res, 0, 1);
			w.kind = PQgetvalue(res, 0, 2);
			w.table = PQgetisnull(res, 0, 3) ? NULL : PQgetvalue(res, 0, 3);
			w.column = PQgetisnull(res, 0, 4) ? NULL : PQgetvalue(res, 0, 4);
			w.pointer = PQgetisnull(res, 0, 5) ? NULL : PQgetvalue(res, 0, 5);
			w.message = PQgetvalue(res, 0, 6);
			rc = cb(ctx, &w);
		} else if (t != PGRES_SINGLE_TUPLE && t != PGRES_TUPLES_OK && !rc) {
			rc = pg_fail(ps, res, err, "list warnings");
		}
		PQclear(res);   /* the rest is drained, so the connection stays usable */
	}
	return rc;
}

struct pg_conn *storage_pg_conn(struct storage *st)
{
	if (!st || st->ops != &storage_pg_ops)
		return NULL;
	return pg_downcast(st)->conn;
}

const struct storage_ops storage_pg_ops = {
	.name = "postgres",
	.open = pg_open,
	.close = pg_close,
	.begin = pg_begin,
	.ensure_tables = pg_ensure_tables,
	.run_start = pg_run_start,
	.source_lookup = pg_source_lookup,
	.source_lookup_many = pg_source_lookup_many,
	.put_batch = pg_put_batch,
	.missing_sources = pg_missing_sources,
	.prune_source = pg_prune_source,
	.run_finish = pg_run_finish,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.list_runs = pg_list_runs,
	.list_files = pg_list_files,
	.revert_run = pg_revert_run,
	.add_warnings = pg_add_warnings,
	.list_warnings = pg_list_warnings,
};
