/*
 * storage/internal.h - what the files of the storage family share, and no
 * one else may include (the way git keeps refs/ behind refs-internal.h).
 *
 * The family: storage.c (the backend table and the wrappers of storage.h),
 * the SQLite backend (sqlite*.c), the PostgreSQL backend (pg*.c), promote
 * (promote.c, a storage operation: SQLite in, PostgreSQL out), the storer
 * thread (storer.c) and the codec of table definitions (table_codec.c).
 */
#ifndef WSM_STORAGE_INTERNAL_H
#define WSM_STORAGE_INTERNAL_H

#include "storage.h"
#include "util.h"

#ifndef WSM_NO_PG
#include <libpq-fe.h>
#endif

/*
 * The checked downcast of every backend method, as git's files_downcast:
 * `st` must be a handle that backend `ops` opened (its struct begins with
 * struct storage).  Anything else is a programming error (BUG), which an
 * assert stops.  Returns st, to be assigned to the backend's struct:
 *
 *     struct pg_storage *ps = storage_downcast(st, &storage_pg_ops);
 */
void *storage_downcast(struct storage *st, const struct storage_ops *ops);

/* ------------------------------------------------------------ table_codec.c */

/*
 * The one codec of table definitions (struct table_def, table.h) to and
 * from JSON.  Both backends keep a definition in wsm_tables as its name,
 * is_child and three JSON texts:
 *     columns   [{"name":"title","type":"text"},...]   (types: col_type_name)
 *     key       ["id"]
 *     indexes   ["n"]
 * so that revert and promote work without the manifest.
 */

/* The three texts of a definition (start with TABLE_JSON_INIT). */
struct table_json {
	struct strbuf columns, key, indexes;
};
#define TABLE_JSON_INIT { STRBUF_INIT, STRBUF_INIT, STRBUF_INIT }
/*
 * Append the texts of d to out.  Returns 0, or -1 when out of memory.
 * Release out with table_json_release in either case.
 */
int table_def_json(const struct table_def *d, struct table_json *out);
void table_json_release(struct table_json *tj);

/*
 * Decoded definitions and the memory they live in (start with
 * TABLE_DEFS_INIT; release with table_defs_release).
 */
struct table_defs {
	struct table_def *d;      /* in the order they were added */
	size_t n, alloc;
	struct arena mem;         /* their names, columns and lists */
};
#define TABLE_DEFS_INIT { NULL, 0, 0, ARENA_INIT(4096) }

/*
 * Decode one wsm_tables row (NULL texts count as malformed) and append it
 * to ds.  Returns 0; ERR_USAGE "wsm_tables: the definition of table 'T'
 * is malformed"; or ERR_IO when out of memory.
 */
int table_defs_add(struct table_defs *ds, const char *name, int is_child,
		   const char *columns, const char *key, const char *indexes,
		   struct error *err);
/* Free what ds holds and leave it empty.  Accepts a zeroed ds. */
void table_defs_release(struct table_defs *ds);

#ifndef WSM_NO_PG
/* ------------------------------------------------------------ PostgreSQL */

/* PostgreSQL's identifier limit (NAMEDATALEN - 1). */
#define PG_IDENT_MAX 63
#define HIST_PREFIX "wsm_hist_"

/*
 * An open PostgreSQL storage (storage_pg_ops): pg.c, pg_conn.c,
 * pg_copy.c, pg_ddl.c and pg_revert.c share it.
 */
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
				     are in (pg_build_deferred) */
	char **fresh;             /* names of those tables */
	size_t n_fresh;
	size_t fresh_alloc;
	int no_sources;           /* wsm_sources held nothing of this tenant
				     when the run started: lookups in the run
				     find nothing, without asking */
	PGconn *reader;           /* source_lookup_many's own connection in a
				     run: it may be called while put_batch
				     uses conn on another thread (storage.h) */
	int lost_ready;           /* pg_temp.wsm_lost exists in this transaction */
};

static inline struct pg_storage *pg_downcast(struct storage *st)
{
	return storage_downcast(st, &storage_pg_ops);
}

/* -------------------------------- pg_conn.c: connection, errors, statements */

/*
 * The one path by which libpq's text reaches our messages: the primary
 * message of `res` (else the first line of its message, else of the
 * connection's), without libpq's "ERROR:  " decorations, then " (<detail>)"
 * when `detail` is set and the server sent one.  The connection's password
 * is replaced by "***" wherever it shows (issue 13 replaces this scrubbing
 * here, and only here).  conn may be NULL ("out of memory").  Returns buf.
 */
const char *pg_message(PGconn *conn, const PGresult *res, int detail,
		       char *buf, size_t size);
/*
 * Fill err with "<what>: <pg_message with detail>" about ps->conn, or
 * "<what>: lost the connection to <where>: <message>".  Returns ERR_IO.
 */
int pg_fail(struct pg_storage *ps, const PGresult *res, struct error *err,
	    const char *what);
/*
 * Run one statement with n text parameters (NULL entries are SQL NULL;
 * with n == 0 the string may hold several statements).  On success returns
 * 0 and, when out is not NULL, the result (the caller PQclear's it).  On
 * failure pg_fail(what) and ERR_IO.
 */
int pg_exec(struct pg_storage *ps, const char *sql, int n,
	    const char *const *params, PGresult **out, struct error *err,
	    const char *what);
/* pg_exec of a statement built in a strbuf (reports its OOM). */
int pg_exec_sb(struct pg_storage *ps, const struct strbuf *sb, int n,
	       const char *const *params, PGresult **out, struct error *err,
	       const char *what);
/* A result field as an integer (NULL: 0), or copied as text (NULL: ""). */
int64_t pg_int(const PGresult *res, int row, int col);
void pg_text(char *dst, size_t size, const PGresult *res, int row, int col);

int pg_open(const char *url, const struct storage_opts *opts,
	    struct storage **out, struct error *err);
void pg_close(struct storage *st);
/* Open ps->reader, the lookups' own connection (same parameters). */
int pg_open_reader(struct pg_storage *ps, struct error *err);

/* BEGIN and take the writers' advisory lock (wait, time out, or refuse). */
int pg_tx_begin(struct pg_storage *ps, struct error *err);
int pg_begin(struct storage *st, struct error *err);
int pg_commit(struct storage *st, struct error *err);
int pg_rollback(struct storage *st, struct error *err);
/* ERR_USAGE "<what>: call storage_begin first" outside a transaction. */
int pg_need_tx(struct pg_storage *ps, const char *what, struct error *err);

/* -------------------------------- pg_copy.c: COPY FROM STDIN, text format */

/*
 * One COPY ... FROM STDIN in text format.  Callers append a line's fields
 * to buf (strbuf_add_copy_field) and end it with pg_copy_eol, naming the
 * file it came from, so that a rejected value (say, bad jsonb) is reported
 * against that file.
 */
struct pg_copy {
	struct pg_storage *ps;
	const char *what;          /* table name, for messages */
	struct strbuf buf;
	const char **paths;
	size_t n, alloc;
	int active;
};

/* Start "COPY ... FROM STDIN" (sql); `what` names the table in errors. */
int pg_copy_start_sql(struct pg_copy *c, struct pg_storage *ps, const char *sql,
		      const char *what, struct error *err);
/* The same with the statement in a strbuf (built with identifiers). */
int pg_copy_start(struct pg_copy *c, struct pg_storage *ps,
		  const struct strbuf *sql, const char *what, struct error *err);
/* End the current line, which came from `path` (borrowed until the end). */
int pg_copy_eol(struct pg_copy *c, const char *path, struct error *err);
/* Finish the COPY and release c.  Returns 0 or ERR_IO. */
int pg_copy_end(struct pg_copy *c, struct error *err);
/* Abandon a COPY after a client-side failure (err already filled). */
void pg_copy_abort(struct pg_copy *c);

/* -------------------------------- pg_ddl.c: tables, indexes, definitions */

int pg_ensure_tables(struct storage *st, const struct table_def *defs,
		     size_t n, struct error *err);
/* Create the ledger tables, or bring an older ledger up to date. */
int pg_ensure_ledger(struct pg_storage *ps, struct error *err);
/*
 * The quoted column list of existing table `table` into `cols` (NULL when
 * only *has_tenant is wanted); ERR_IO when the table is missing.
 */
int pg_catalog_cols(struct pg_storage *ps, const char *table,
		    struct strbuf *cols, int *has_tenant, struct error *err);
/* The upsert key of d (the default one when it declares none). */
size_t pg_def_key(const struct table_def *d, const char *const **key);
/* Build the indexes deferred for the tables this transaction made. */
int pg_build_deferred(struct pg_storage *ps, struct error *err);
/* Forget those tables (commit, rollback, close). */
void pg_fresh_clear(struct pg_storage *ps);
/* 1 when this transaction made `table`: it holds only this run's rows. */
int pg_is_fresh(const struct pg_storage *ps, const char *table);

/* -------------------------------- pg.c, pg_revert.c */

/* *exists = 1 when the database has a ledger (wsm_runs). */
int pg_ledger_exists(struct pg_storage *ps, int *exists, struct error *err);
int pg_prune_source(struct storage *st, const char *run_id, const char *path,
		    struct error *err);
int pg_revert_run(struct storage *st, const char *run_id, int64_t *rows_removed,
		  int64_t *rows_restored, struct error *err);

/* The libpq connection of an open PostgreSQL storage (for promote, for now). */
struct pg_conn *storage_pg_conn(struct storage *st);

#endif /* WSM_NO_PG */

#endif
