/*
 * storage/internal.h - what the files of the storage family share, and no
 * one else may include (the way git keeps refs/ behind refs-internal.h).
 *
 * The family, file by file:
 *   storage.c      the backend table, the wrappers of storage.h, the one
 *                  checked downcast
 *   table_codec.c  table definitions to and from wsm_tables' JSON
 *   sqlite.c       the SQLite backend (storage_sqlite_ops)
 *   sqlite_read.c  ... read from outside a run: promote's source
 *   pg.c           the PostgreSQL backend: its ops, runs, lookups, put_batch
 *   pg_conn.c      ... connection, the one libpq error path, statements,
 *                  transactions and the writers' lock
 *   pg_copy.c      ... the COPY layer (text and binary, in and out)
 *   pg_ddl.c       ... tables, indexes, wsm_tables
 *   pg_revert.c    ... prune and revert
 *   pg_promote.c   ... what promote asks of its target
 *   promote.c      promote (promote.h): SQLite in, PostgreSQL out, verified
 *   rowsum.c       promote's checksums
 *   storer.c       put_batch on a thread of its own (storer.h)
 * Only these files call libpq or sqlite3; everyone else goes through
 * storage.h (and promote.h, storer.h).
 */
#ifndef WSM_STORAGE_INTERNAL_H
#define WSM_STORAGE_INTERNAL_H

#include "storage.h"
#include "util.h"

#include <sqlite3.h>
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

/* Free names[0..n) and the array (a list of malloc'ed strings).  NULL ok. */
void storage_free_names(char **names, size_t n);

/*
 * Append the query of storage_export_docs for main table `table` (and its
 * history), in SQL both backends speak.  Parameters: $1 the as-of seq
 * (INT64_MAX for the current state), $2 the rule when by_rule, and with
 * by_source $2 the rule or NULL and $3 the source, compared with the
 * expression source_col ("_source", or "''" for a ledger from before
 * sources).  Columns:
 * path, rule, run_id, sha256, mtime_ns, mode, text, value, where text is
 * the expression text_main (text_hist in the history table) and value the
 * expression `value`, over the table's columns.  Returns 0, or -1 when
 * out of memory.
 */
int storage_export_sql(struct strbuf *sb, const char *table, const char *text_main,
		       const char *text_hist, const char *value, int by_rule,
		       const char *source_col, int by_source);

/* The ledger table that databases made by older versions lack. */
#define LEDGER_WARNINGS "wsm_warnings"

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

/* ------------------------------------------------------------ SQLite */

/* Who holds the write lock of the SQLite database file `path` (sqlite_lock.c). */
void sqlite_lock_holder(const char *path, struct lock_holder *h);

/*
 * An open SQLite storage (storage_sqlite_ops): sqlite.c and sqlite_read.c
 * share it.  struct sq_table is sqlite.c's own.
 */
struct sqlite_storage {
	struct storage base;       /* must be first */
	sqlite3 *db;
	char path[1024];
	char new_path[1100];       /* defer_create: the file written until the
				      first commit links it to `path`; "" once
				      it has (or without defer_create) */
	int in_tx;
	int busy_ms;
	void (*on_lock_wait)(void *ctx, const char *db, const struct lock_holder *h,
			     int wait_ms);
	void *lock_ctx;
	char run_id[64];
	char source[1024];         /* opts.source, then the run's (run_start) */
	struct sq_table *tables;
	size_t n_tables;
	int no_sources;            /* wsm_sources was empty when the run
				      started: lookups in the run find
				      nothing, without asking */
	sqlite3_stmt *ins_file;
	sqlite3_stmt *ins_warning;  /* a warning of this run */
	sqlite3_stmt *ins_lost;     /* a key collision's warning */
	sqlite3_stmt *lost_file;    /* ... and its loser's ledger counts */
	int ledger_ok;             /* ensure_ledger ran in this handle */
	sqlite3_stmt *src_get;
	sqlite3_stmt *src_get_many; /* the same, for source_lookup_many only:
				       that one may run on another thread */
	sqlite3_stmt *src_hist;
	sqlite3_stmt *src_put;
	sqlite3_stmt *src_refresh;
};

/* 1 when the database has table `name`, 0 when not, -1 (err) on failure. */
int sqlite_table_exists(struct sqlite_storage *s, const char *name,
			struct error *err);
/*
 * Call cb with each column name of `table`, in their order (none when the
 * table does not exist).  A non-zero return of cb stops and is returned;
 * ERR_IO on failure.
 */
int sqlite_columns(struct sqlite_storage *s, const char *table,
		   int (*cb)(void *ctx, const char *name), void *ctx,
		   struct error *err);

/*
 * sqlite_read.c: the read side promote uses, on a snapshot.
 *
 *     sqlite_open_snapshot(path, &src, err)    -- read-only, one read
 *                                                 transaction: every table
 *                                                 from the same snapshot
 *     sqlite_has_table / sqlite_read_defs / sqlite_columns_of /
 *     sqlite_count_rows / sqlite_scan_*       -- any number
 *     storage_close(src)
 */
/*
 * Open the SQLite database file `path` read-only (it must exist) and begin
 * its read transaction.  *out is a storage of storage_sqlite_ops that
 * supports only the calls here and storage_close.  ERR_USAGE "cannot open
 * SQLite database 'P': <reason>" or ERR_IO.
 */
int sqlite_open_snapshot(const char *path, struct storage **out,
			 struct error *err);
/* 1 when the snapshot has table `name`; an unreadable catalog counts as 0. */
int sqlite_has_table(struct storage *src, const char *name);
/* The data tables recorded in wsm_tables, by name, into ds (table_codec). */
int sqlite_read_defs(struct storage *src, struct table_defs *ds,
		     struct error *err);
/* sqlite_columns on the snapshot. */
int sqlite_columns_of(struct storage *src, const char *table,
		      int (*cb)(void *ctx, const char *name), void *ctx,
		      struct error *err);
/* Rows in `table`, or -1 when they cannot be counted. */
int64_t sqlite_count_rows(struct storage *src, const char *table);

/*
 * A scan of columns cols[0..n) of one table, row by row.  Values are
 * SQLite's own (its dynamic types): ask a column's class, then its value.
 * Text stays valid until the next sqlite_scan_next.
 */
struct sqlite_scan;
enum sqlite_class { SQ_NULL, SQ_INTEGER, SQ_FLOAT, SQ_TEXT, SQ_BLOB };
int sqlite_scan_start(struct storage *src, const char *table,
		      const char *const *cols, size_t n, struct sqlite_scan **out,
		      struct error *err);
/* 1: a row is there; 0: no more rows; ERR_IO "read the source: ..." */
int sqlite_scan_next(struct sqlite_scan *sc, struct error *err);
enum sqlite_class sqlite_scan_class(const struct sqlite_scan *sc, size_t i);
int64_t sqlite_scan_int(const struct sqlite_scan *sc, size_t i);
double sqlite_scan_double(const struct sqlite_scan *sc, size_t i);
/* Column i as text (an integer or real as SQLite writes it; a blob's bytes). */
const char *sqlite_scan_text(const struct sqlite_scan *sc, size_t i, size_t *len);
/* Accepts NULL. */
void sqlite_scan_end(struct sqlite_scan *sc);

/* ------------------------------------------------------------ rowsum.c */

/*
 * Promote's checksum of a table (defined in promote.h): the sum modulo
 * 2^256 of its rows' sha256, a row's text being "<name>=<length>:<value>;"
 * (or "<name>=N;" for NULL) for each column in name order, with values in
 * their canonical forms.  A column is named by its "<name>=" prefix.
 *
 *     rs = rowsum_new()
 *     per row: rowsum_begin, one rowsum_<kind> per column, rowsum_end
 *     rowsum_finish(rs, hex)       -- the table's checksum; starts again
 *     rowsum_free(rs)
 * Memory stays at about one row, whatever the number of rows.
 */
struct rowsum;
/* NULL when out of memory or OpenSSL has no sha256. */
struct rowsum *rowsum_new(void);
/* Accepts NULL. */
void rowsum_free(struct rowsum *rs);
void rowsum_begin(struct rowsum *rs);
void rowsum_null(struct rowsum *rs, const char *prefix, size_t plen);
/* A value already in canonical form. */
void rowsum_value(struct rowsum *rs, const char *prefix, size_t plen,
		  const char *v, size_t n);
/* A value as PostgreSQL input text for a column of type t. */
void rowsum_text(struct rowsum *rs, const char *prefix, size_t plen,
		 enum col_type t, const char *s, size_t n);
void rowsum_int(struct rowsum *rs, const char *prefix, size_t plen, int64_t v);
void rowsum_double(struct rowsum *rs, const char *prefix, size_t plen, double d);
/* microseconds since 2000-01-01T00:00:00Z (INT64_MAX/MIN: +-infinity) */
void rowsum_tstz(struct rowsum *rs, const char *prefix, size_t plen, int64_t us);
/* Add the row to the sum: 0, or -1 when anything failed (out of memory). */
int rowsum_end(struct rowsum *rs);
/* The sum as 64 hex digits into out (may be NULL), then start again at 0. */
void rowsum_finish(struct rowsum *rs, char out[65]);
/* Give back buffers that a value of more than `bytes` made grow. */
void rowsum_trim(struct rowsum *rs, size_t bytes);

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
	void (*on_lock_wait)(void *ctx, const char *db, const struct lock_holder *h,
			     int wait_ms);
	void *lock_ctx;
	char *tenant;             /* "" when none */
	char source[1024];        /* opts.source, then the run's (run_start) */
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
	int ddl_locked;           /* this transaction holds the DDL lock */
	int rls;                  /* a tenant's run whose role row-level security
				     binds (not superuser, not BYPASSRLS): no
				     COPY FROM into its tables */
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

/*
 * File names as PostgreSQL text and back (pg_path.c): exact both ways;
 * a valid UTF-8 name is (almost always) itself.  The result is `path`
 * itself when nothing changes, else sb's content (valid until sb
 * changes).  NULL gives NULL.
 */
const char *pg_path_enc(struct strbuf *sb, const char *path);
const char *pg_path_dec(struct strbuf *sb, const char *text);

/* -------------------------------- pg_copy.c: the COPY layer */

/*
 * One COPY ... FROM STDIN.  In text format, callers append a line's fields
 * to buf (strbuf_add_copy_field) and end it with pg_copy_eol, naming the
 * file it came from, so that a rejected value (say, bad jsonb) is reported
 * against that file.  In binary format (pg_copy_binary), they append rows
 * with pg_copy_row and the pg_copy_<type> encoders, and flush buf when it
 * holds PG_COPY_CHUNK bytes.  Always pg_copy_end or pg_copy_abort.
 */
struct pg_copy {
	struct pg_storage *ps;
	const char *what;          /* table name, for messages */
	struct strbuf buf;         /* data not yet handed to libpq */
	const char **paths;        /* text lines: the file of each, if given */
	size_t n, alloc;
	int64_t sent;              /* bytes handed to libpq so far */
	int binary;                /* binary format: a trailer ends it */
	int active;
};

/* COPY data goes to libpq in pieces of about this size (promote). */
#define PG_COPY_CHUNK (128 * 1024)

/* Start "COPY ... FROM STDIN" (sql); `what` names the table in errors. */
int pg_copy_start_sql(struct pg_copy *c, struct pg_storage *ps, const char *sql,
		      const char *what, struct error *err);
/* The same with the statement in a strbuf (built with identifiers). */
int pg_copy_start(struct pg_copy *c, struct pg_storage *ps,
		  const struct strbuf *sql, const char *what, struct error *err);
/*
 * End the current text line, which came from `path` (borrowed until the
 * end).  On failure the COPY is abandoned (pg_copy_abort) and ERR_IO.
 */
int pg_copy_eol(struct pg_copy *c, const char *path, struct error *err);
/* Hand what buf holds to libpq. */
int pg_copy_flush(struct pg_copy *c, struct error *err);
/* Finish the COPY (binary: with its trailer) and release c.  0 or ERR_IO. */
int pg_copy_end(struct pg_copy *c, struct error *err);
/* Abandon a COPY after a client-side failure (err already filled). */
void pg_copy_abort(struct pg_copy *c);

/* A COPY started "... (FORMAT binary)": its header goes first. */
void pg_copy_binary(struct pg_copy *c);
/* Binary: a row of n fields follows. */
void pg_copy_row(struct pg_copy *c, size_t n);
void pg_copy_null(struct pg_copy *c);
/* text (jsonb: 0) or jsonb (1) bytes; a large value is sent in pieces */
int pg_copy_bytes(struct pg_copy *c, const char *s, size_t n, int jsonb,
		  struct error *err);
void pg_copy_int8(struct pg_copy *c, int64_t v);
void pg_copy_float8(struct pg_copy *c, double d);
void pg_copy_bool(struct pg_copy *c, int b);
/* microseconds since 2000-01-01T00:00:00Z (tstamp_to_us) */
void pg_copy_tstz(struct pg_copy *c, int64_t us);
/* Text format: one field, escaped (s NULL: \N); a large value in pieces. */
int pg_copy_field(struct pg_copy *c, const char *s, size_t n, struct error *err);

/* A field of a binary COPY row read back: p NULL for SQL NULL. */
struct pg_field {
	const unsigned char *p;
	size_t n;
};
/* The value of an integer field of `width` bytes (2, 4, 8): 0, or -1. */
int pg_field_int(const struct pg_field *f, size_t width, int64_t *v);
int pg_field_float8(const struct pg_field *f, double *d);
int pg_field_bool(const struct pg_field *f, int *b);
/* A jsonb field's text (after its format version): 0, or -1. */
int pg_field_jsonb(const struct pg_field *f, const char **s, size_t *n);

/*
 * Run `sql`, a "COPY (...) TO STDOUT (FORMAT binary)" of rows of nfields
 * fields, and call row(ctx, fields) for each row as the data streams in:
 * memory stays at one row.  Returns 0; ERR_IO with err filled ("<what>:
 * ...") when libpq or the server fail or the data is not such a COPY
 * ("<what>: unexpected data in the copy of table '<table>'"); or the first
 * non-zero that row() returned (err untouched), after which the rest of
 * the stream is read and dropped, so the connection stays usable.
 */
int pg_copy_out(struct pg_storage *ps, const char *sql, const char *table,
		size_t nfields, int (*row)(void *ctx, const struct pg_field *f),
		void *ctx, const char *what, struct error *err);

/* The DDL lock (pg_conn.c): held by a transaction that creates or alters
 * tables, until it commits.  Idempotent within a transaction. */
int pg_ddl_lock(struct pg_storage *ps, struct error *err);

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
/* *yes = 1 when `table` has column `col` (older ledgers lack some). */
int pg_has_column(struct pg_storage *ps, const char *table, const char *col,
		  int *yes, struct error *err);
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

/* -------------------------------- pg_promote.c: the target of promote */

/*
 * How a column travels in binary COPY, from its PostgreSQL type.  The
 * types the backend creates are encoded and decoded as such; anything else
 * goes in by text COPY and is read back as text (::text, or to_char for
 * other timestamps).
 */
enum pg_wire {
	PG_WIRE_TEXT, PG_WIRE_INT8, PG_WIRE_INT4, PG_WIRE_INT2, PG_WIRE_FLOAT8,
	PG_WIRE_BOOL, PG_WIRE_TSTZ, PG_WIRE_JSONB, PG_WIRE_TEXT_CAST, PG_WIRE_TS_CHAR
};
/* 1 when values of the wire type can go in a binary COPY. */
int pg_wire_binary(enum pg_wire w);

/* A column of a target table. */
struct pg_column {
	char *name;
	enum col_type type;       /* the data model's type nearest to its own */
	enum pg_wire wire;
};

/* to_char's format of a timestamp in the canonical form (tstamp.h). */
#define PG_TS_FORMAT "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'"

/*
 * The columns of `table` (none when it does not exist), by name in
 * bytewise order; free with pg_columns_free.
 */
int pg_target_columns(struct storage *st, const char *table,
		      struct pg_column **out, size_t *n, struct error *err);
void pg_columns_free(struct pg_column *c, size_t n);
/*
 * The tables the target's wsm_tables records (and their history tables)
 * that exist and are not among names[0..n): *out and its strings are
 * malloc'ed (the caller frees them).
 */
int pg_target_extra(struct storage *st, char *const *names, size_t n,
		    char ***out, size_t *n_out, struct error *err);
/* ERR_USAGE naming `shown` when a table of names[0..n) that exists has rows. */
int pg_target_check_empty(struct storage *st, char *const *names, size_t n,
			  const char *shown, struct error *err);
/* TRUNCATE the tables names[0..n) (they must exist). */
int pg_target_truncate(struct storage *st, char *const *names, size_t n,
		       struct error *err);
/* Move the identity sequences (_hist_seq, seq) past the copied values. */
int pg_target_bump_sequences(struct storage *st, char *const *names, size_t n,
			     struct error *err);
/*
 * Set aside the plain indexes of `table` for its load: their definitions
 * (pg_get_indexdef: name, columns, method, options) are appended to defs
 * as "CREATE ...;" statements, then the indexes are dropped, to be built
 * in one sort each by pg_target_build_indexes(defs) after the COPY, in the
 * same transaction.  Indexes anything refers to stay: those of a
 * constraint, clustered, the replica identity, in a tablespace of their
 * own, or commented.
 */
int pg_target_defer_indexes(struct storage *st, const char *table,
			    struct strbuf *defs, struct error *err);
int pg_target_build_indexes(struct storage *st, const struct strbuf *defs,
			    struct error *err);
/*
 * lz4 TOAST compression for the transaction (SET LOCAL) when the server
 * has it and nobody chose otherwise (its built-in pglz costs the server
 * several times more per byte).  No column's definition changes.
 */
int pg_target_fast_toast(struct storage *st, struct error *err);
/* Start "COPY table (cols) FROM STDIN", binary or text, into c. */
int pg_target_copy_in(struct storage *st, struct pg_copy *c, const char *table,
		      const struct pg_column *cols, size_t n, int binary,
		      struct error *err);
/*
 * Read cols[0..n) of `table` back with one binary COPY TO STDOUT
 * (pg_copy_out; PG_WIRE_TEXT_CAST and PG_WIRE_TS_CHAR columns come as
 * text, the latter in the canonical form) and hand each row to row().
 */
int pg_target_copy_out(struct storage *st, const char *table,
		       const struct pg_column *cols, size_t n,
		       int (*row)(void *ctx, const struct pg_field *f), void *ctx,
		       struct error *err);
#ifdef WSM_TEST_HOOKS
/*
 * Test hook "promote-alter:TABLE" (testhook.h): change one value of one
 * copied row of TABLE, as a fault in transit would.
 */
int pg_target_fault(struct storage *st, const char *table, struct error *err);
#endif

#endif /* WSM_NO_PG */

#endif
