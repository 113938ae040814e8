/*
 * storage/pg_conn.c - the PostgreSQL backend's connection: open and close,
 * the second connection for lookups, the one path by which libpq's error
 * messages reach ours (password scrubbed), statements, and transactions
 * with the writers' advisory lock.  It builds no table and moves no row.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The advisory lock every writer of a database takes: "wsmigrat" as a
 * big-endian 64-bit integer.  Promote takes it too (through pg_begin).
 */
#define WSM_PG_LOCK_KEY "8607477376316252532"
/* The namespace of the per-source locks (two-int advisory locks: this,
 * and a hash of tenant and source) and the DDL lock's key. */
#define WSM_PG_SOURCE_NS "2004052845"
#define WSM_PG_DDL_KEY "8607477376316252533"


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

const char *pg_message(PGconn *conn, const PGresult *res, int detail,
		       char *buf, size_t size)
{
	const char *prim = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *det = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	size_t n;

	if (prim)
		snprintf(buf, size, "%s", prim);
	else if (res && *PQresultErrorMessage(res))
		first_line(PQresultErrorMessage(res), buf, size);
	else
		first_line(conn ? PQerrorMessage(conn) : "out of memory", buf, size);
	n = strlen(buf);
	if (detail && det && n + 4 < size)
		snprintf(buf + n, size - n, " (%s)", det);
	/* PQpass: the password the connection was given (or found in .pgpass) */
	if (conn)
		scrub(buf, size, PQpass(conn));
	return buf;
}

int pg_fail(struct pg_storage *ps, const PGresult *res, struct error *err,
	    const char *what)
{
	char msg[1536];

	if (PQstatus(ps->conn) == CONNECTION_BAD)
		return error_set(err, ERR_IO, "%s: lost the connection to %s: %s",
				 what, ps->where, pg_message(ps->conn, res, 0, msg, sizeof(msg)));
	return error_set(err, ERR_IO, "%s: %s", what,
			 pg_message(ps->conn, res, 1, msg, sizeof(msg)));
}

/* ------------------------------------------------------------ queries */

int pg_exec(struct pg_storage *ps, const char *sql, int n,
	    const char *const *params, PGresult **out, struct error *err,
	    const char *what)
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

int pg_exec_sb(struct pg_storage *ps, const struct strbuf *sb, int n,
	       const char *const *params, PGresult **out, struct error *err,
	       const char *what)
{
	if (sb->failed)
		return error_set(err, ERR_IO, "%s: out of memory", what);
	return pg_exec(ps, strbuf_str(sb), n, params, out, err, what);
}

int64_t pg_int(const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return 0;
	return (int64_t)strtoll(PQgetvalue(res, row, col), NULL, 10);
}

void pg_text(char *dst, size_t size, const PGresult *res, int row, int col)
{
	snprintf(dst, size, "%s",
		 PQgetisnull(res, row, col) ? "" : PQgetvalue(res, row, col));
}

/* ------------------------------------------------------------ open/close */

static void quiet_notices(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

int pg_open(const char *url, const struct storage_opts *opts,
	    struct storage **out, struct error *err)
{
	struct pg_storage *ps;
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
			      STORAGE_DEFAULT_WAIT_MS;
	ps->on_lock_wait = opts->on_lock_wait;
	ps->lock_ctx = opts->lock_ctx;
	ps->tenant = util_strdup(opts->tenant ? opts->tenant : "");
	snprintf(ps->source, sizeof(ps->source), "%s", opts->source ? opts->source : "");
	if (!ps->tenant) {
		free(ps);
		return error_set(err, ERR_IO, "out of memory");
	}
	{
		/*
		 * The URL as libpq's dbname with expand_dbname: every form
		 * PQconnectdb takes, plus a name the server shows in
		 * pg_stat_activity unless the URL names one itself.
		 */
		const char *const keys[] = { "dbname", "fallback_application_name", NULL };
		const char *const vals[] = { url, "wsmigrate", NULL };

		ps->conn = PQconnectdbParams(keys, vals, 1);
	}
	host = ps->conn ? PQhost(ps->conn) : NULL;
	port = ps->conn ? PQport(ps->conn) : NULL;
	db = ps->conn ? PQdb(ps->conn) : NULL;
	snprintf(ps->where, sizeof(ps->where), "database '%s' on %s%s%s",
		 db && *db ? db : "?", host && *host ? host : "localhost",
		 port && *port ? ":" : "", port && *port ? port : "");
	if (!ps->conn || PQstatus(ps->conn) != CONNECTION_OK) {
		/* libpq echoes pieces of a connection string it cannot parse */
		pg_message(ps->conn, NULL, 0, reason, sizeof(reason));
		storage_scrub_secrets(url, reason, sizeof(reason));
		error_set(err, ERR_IO,
			  "cannot connect to PostgreSQL (host %s, port %s, database '%s'): %s",
			  host && *host ? host : "localhost",
			  port && *port ? port : "5432", db && *db ? db : "?", reason);
		storage_scrub_secrets(url, err->msg, sizeof(err->msg));
		if (strstr(reason, "no password supplied"))
			error_hint(err, "give the password in PGPASSWORD, in ~/.pgpass (see the libpq"
				   " documentation), or in the URL: postgresql://USER:PASSWORD@HOST/DB");
		else if (strstr(reason, "password authentication failed"))
			error_hint(err, "check the password given in the URL, PGPASSWORD or ~/.pgpass");
		PQfinish(ps->conn);
		free(ps->tenant);
		free(ps);
		return ERR_IO;
	}
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
	if (opts->read_only &&
	    pg_exec(ps, "SET default_transaction_read_only = on", 0, NULL, NULL, err,
		    "session set-up"))
		goto fail;
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

void pg_close(struct storage *st)
{
	struct pg_storage *ps = pg_downcast(st);

	if (ps->in_tx)
		PQclear(PQexec(ps->conn, "ROLLBACK"));
	PQfinish(ps->conn);
	PQfinish(ps->reader);
	pg_fresh_clear(ps);
	strbuf_release(&ps->deferred);
	free(ps->tenant);
	free(ps);
}

/*
 * The reader connection: the same parameters as conn (PQconninfo carries
 * them, password included, so it is never kept as text of ours), UTF8,
 * autocommit.  It sees only committed state, which is what a lookup in a
 * run needs: the run holds the writers' lock, so nothing commits meanwhile,
 * and the run never looks up a path it has already written (a run sees
 * each path once).
 */
int pg_open_reader(struct pg_storage *ps, struct error *err)
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
		error_set(err, ERR_IO, "%s: cannot open a second connection for"
			  " source lookups: %s", ps->where,
			  pg_message(ps->reader, NULL, 0, reason, sizeof(reason)));
		PQconninfoFree(info);
		PQfinish(ps->reader);
		ps->reader = NULL;
		return ERR_IO;
	}
	PQconninfoFree(info);
	PQsetNoticeProcessor(ps->reader, quiet_notices, NULL);
	return 0;
}

/* ------------------------------------------------------------ transactions */

/*
 * The session holding an advisory lock, named by its application, pid,
 * user and client address, with the start of its transaction.  `match` is
 * an SQL condition on pg_locks l picking the lock (its $1..$n are
 * params[0..n-1]): pg_locks splits a bigint key into classid, high half,
 * and objid, low half, with objsubid 1; a two-int key is classid, objid
 * with objsubid 2.  Inside the caller's (healthy) transaction; a failure
 * leaves h empty.
 */
static void lock_holder(struct pg_storage *ps, const char *match, int n,
			const char *const *params, struct lock_holder *h)
{
	PGresult *res;
	const char *app, *user, *addr;
	char sql[1024];

	memset(h, 0, sizeof(*h));
	snprintf(sql, sizeof(sql),
		 "SELECT coalesce(a.application_name, ''), l.pid,"
		 " coalesce(a.usename::text, ''), coalesce(host(a.client_addr), ''),"
		 " coalesce(to_char(a.xact_start AT TIME ZONE 'UTC',"
		 " 'YYYY-MM-DD HH24:MI:SS') || ' UTC', '')"
		 " FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid"
		 " WHERE l.locktype = 'advisory' AND l.granted"
		 " AND l.pid <> pg_backend_pid() AND %s"
		 " ORDER BY a.xact_start LIMIT 1", match);
	res = PQexecParams(ps->conn, sql, n, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
		app = PQgetvalue(res, 0, 0);
		user = PQgetvalue(res, 0, 2);
		addr = PQgetvalue(res, 0, 3);
		snprintf(h->who, sizeof(h->who), "%s (pid %s%s%s%s%s)",
			 *app ? app : "a session", PQgetvalue(res, 0, 1),
			 *user ? ", user " : "", user, *addr ? ", from " : "", addr);
		snprintf(h->since, sizeof(h->since), "%s", PQgetvalue(res, 0, 4));
	}
	PQclear(res);
}

/* pg_locks conditions for lock_holder, matching the keys take_lock takes */
#define MATCH_BIGINT(key) \
	"l.objsubid = 1 AND ((l.classid::bigint << 32) | l.objid::bigint) = " key
#define MATCH_SOURCE \
	"l.objsubid = 2 AND l.classid::bigint = (" WSM_PG_SOURCE_NS "::bigint & 4294967295)" \
	" AND l.objid::bigint = (hashtext($1 || chr(31) || $2)::bigint & 4294967295)"

/*
 * Take one advisory lock `fn` ("advisory_xact_lock(...)" without its
 * pg_ prefix): try it first; when another session holds it, find that
 * session (lock_holder with `match`) and refuse with --no-wait, else say
 * so (on_lock_wait, with `source` when it is a source's lock) and wait up
 * to busy_timeout_ms.  $1 and $2 of `args` and `match` are params[0..1]
 * (n of them).  `whom` names the kind of holder in errors.
 */
static int take_lock(struct pg_storage *ps, const char *fn, const char *args,
		     const char *match, int n, const char *const *params,
		     const char *whom, const char *source, struct error *err)
{
	char sql[256], tmo[64], who[400];
	PGresult *res = NULL;
	const char *where = ps->base.url_masked[0] ? ps->base.url_masked : ps->where;
	struct lock_holder h;
	int got;

	snprintf(sql, sizeof(sql), "SELECT pg_try_%s(%s)", fn, args);
	if (pg_exec(ps, sql, n, params, &res, err, "lock"))
		return ERR_IO;
	got = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (got)
		return 0;
	lock_holder(ps, match, n, params, &h);
	h.source = source;
	storage_lock_holder_text(&h, who, sizeof(who));
	if (ps->no_wait)
		return error_set(err, ERR_IO, "%s (%s) holds the lock on %s; try again later,"
				 " or without --no-wait to wait for it", whom, who, where);
	if (ps->on_lock_wait)
		ps->on_lock_wait(ps->lock_ctx, where, &h, ps->busy_timeout_ms);
	if (pg_exec(ps, "SAVEPOINT wsm_lock", 0, NULL, NULL, err, "lock"))
		return ERR_IO;
	if (ps->busy_timeout_ms > 0) {
		snprintf(tmo, sizeof(tmo), "SET LOCAL lock_timeout = %d", ps->busy_timeout_ms);
		if (pg_exec(ps, tmo, 0, NULL, NULL, err, "lock"))
			return ERR_IO;
	}
	snprintf(sql, sizeof(sql), "SELECT pg_%s(%s)", fn, args);
	res = PQexecParams(ps->conn, sql, n, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

		if (state && strcmp(state, "55P03") == 0) {   /* lock_not_available */
			PQclear(res);
			PQclear(PQexec(ps->conn, "ROLLBACK TO SAVEPOINT wsm_lock"));
			lock_holder(ps, match, n, params, &h);
			storage_lock_holder_text(&h, who, sizeof(who));
			error_set(err, ERR_IO, "the lock on %s is held by %s (%s); gave up after %.1f s",
				  where, whom, who, ps->busy_timeout_ms / 1000.0);
		} else {
			pg_fail(ps, res, err, "lock");
			PQclear(res);
		}
		return ERR_IO;
	}
	PQclear(res);
	if (pg_exec(ps, "RELEASE SAVEPOINT wsm_lock", 0, NULL, NULL, err, "lock"))
		return ERR_IO;
	if (ps->busy_timeout_ms > 0 &&
	    pg_exec(ps, "SET LOCAL lock_timeout = 0", 0, NULL, NULL, err, "lock"))
		return ERR_IO;
	return 0;
}

/*
 * BEGIN, then the writers' locks (transaction-level advisory locks).  A
 * handle with a source takes the database lock shared and its source's
 * lock exclusive: runs of different sources go on at the same time, runs
 * of one source one after the other.  A handle without one (promote,
 * rollback) takes the database lock exclusive: it waits for every run.
 */
int pg_tx_begin(struct pg_storage *ps, struct error *err)
{
	if (ps->in_tx)
		return error_set(err, ERR_USAGE, "a transaction is already open on %s",
				 ps->where);
	if (pg_exec(ps, "BEGIN", 0, NULL, NULL, err, "begin"))
		return ERR_IO;
	ps->in_tx = 1;
	ps->ddl_locked = 0;
	if (ps->source[0]) {
		const char *params[2] = { ps->tenant, ps->source };
		char whom[1200];

		if (take_lock(ps, "advisory_xact_lock_shared", WSM_PG_LOCK_KEY,
			      MATCH_BIGINT(WSM_PG_LOCK_KEY), 0, NULL,
			      "a wsmigrate promote or rollback", NULL, err))
			goto fail;
		snprintf(whom, sizeof(whom), "another wsmigrate run of source '%s'", ps->source);
		if (take_lock(ps, "advisory_xact_lock", WSM_PG_SOURCE_NS
			      ", hashtext($1 || chr(31) || $2)", MATCH_SOURCE, 2, params,
			      whom, ps->source, err))
			goto fail;
	} else if (take_lock(ps, "advisory_xact_lock", WSM_PG_LOCK_KEY,
			     MATCH_BIGINT(WSM_PG_LOCK_KEY), 0, NULL,
			     "another wsmigrate run", NULL, err)) {
		goto fail;
	}
	return 0;
fail:
	PQclear(PQexec(ps->conn, "ROLLBACK"));
	ps->in_tx = 0;
	return ERR_IO;
}

/*
 * The DDL lock: a run that creates or alters tables holds it until it
 * commits, so that two first runs do not both create one table.  Taken
 * once per transaction; the caller checks again what exists once it has
 * it.
 */
int pg_ddl_lock(struct pg_storage *ps, struct error *err)
{
	if (ps->ddl_locked)
		return 0;
	if (take_lock(ps, "advisory_xact_lock", WSM_PG_DDL_KEY,
		      MATCH_BIGINT(WSM_PG_DDL_KEY), 0, NULL,
		      "another wsmigrate run creating tables", NULL, err))
		return ERR_IO;
	ps->ddl_locked = 1;
	return 0;
}

int pg_begin(struct storage *st, struct error *err)
{
	struct pg_storage *ps = pg_downcast(st);

	ps->run_id[0] = '\0';
	return pg_tx_begin(ps, err);
}

int pg_commit(struct storage *st, struct error *err)
{
	struct pg_storage *ps = pg_downcast(st);
	int rc;

	if (!ps->in_tx)
		return error_set(err, ERR_USAGE, "commit: no open transaction");
	if (pg_build_deferred(ps, err))
		return ERR_IO;
	rc = pg_exec(ps, "COMMIT", 0, NULL, NULL, err, "commit");
	ps->in_tx = 0;
	ps->lost_ready = 0;
	pg_fresh_clear(ps);
	return rc;
}

int pg_rollback(struct storage *st, struct error *err)
{
	struct pg_storage *ps = pg_downcast(st);
	int rc;

	pg_fresh_clear(ps);     /* those tables are rolled back too */
	ps->lost_ready = 0;
	if (!ps->in_tx)
		return 0;
	rc = pg_exec(ps, "ROLLBACK", 0, NULL, NULL, err, "rollback");
	ps->in_tx = 0;
	return rc;
}

int pg_need_tx(struct pg_storage *ps, const char *what, struct error *err)
{
	if (!ps->in_tx)
		return error_set(err, ERR_USAGE, "%s: call storage_begin first", what);
	return 0;
}
