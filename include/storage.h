/*
 * storage.h - one storage layer, several backends (SQLite, PostgreSQL).
 *
 * Callers never build dialect SQL: they describe tables (struct table_def
 * of table.h, the data model), hand over typed rows in batches (struct
 * batch), and the backend does the DDL, the upserts, the history of
 * replaced rows and the ledger.
 *
 * Calling sequence (the transaction sequence of one run):
 *
 *     storage_open(url, &opts, &st, err)
 *     storage_begin(st, err)            -- exclusive per source: waits for
 *                                          (or with opts.no_wait refuses)
 *                                          another writer of the source
 *                                          (see "Writers")
 *     storage_ensure_tables(st, defs, n, err)   -- first, before any write
 *     storage_run_start(st, &run, err)
 *     storage_source_lookup(...)        -- any number, interleaved with
 *     storage_put_batch(st, &batch, err)   any number of batches
 *     storage_missing_sources(...) / storage_prune_source(...)
 *     storage_run_finish(st, &summary, err)
 *     storage_commit(st, err)   or   storage_rollback(st, err)
 *     storage_close(st)                 -- always; rolls back if still open
 *
 * Nothing of a run is visible to other connections before storage_commit,
 * and after storage_rollback (or a crash) nothing of it remains.
 *
 * Threads: a handle is used by one thread at a time, with one exception
 * that lets the pipeline store a batch while it reads the next files
 * (storer.h): during a run, storage_source_lookup_many may be called from
 * one thread while storage_put_batch runs on another.  The lookup then
 * sees at least the state committed before the run; the run's own writes
 * may or may not be visible to it, which does not matter because a run
 * looks each path up before writing it, and writes each path once.
 *
 * A backend may fill the tables a run creates before building their
 * indexes (PostgreSQL does: one sort per index); it builds them before
 * storage_missing_sources, storage_prune_source, storage_run_finish or
 * storage_commit, whichever comes first.
 * Read-only calls (storage_list_runs, storage_list_files) need no begin.
 * storage_revert_run is its own begin ... commit sequence.
 *
 * Sources: every tree imported into a database is a *source*, named by
 * the run's run_info.source, else storage_opts.source, else its tree
 * root (the pipeline's default is the tree's absolute path).  With a
 * tenant, the source is (tenant, name).  Everything a run reads or
 * replaces is its source's: the lookups (outside a run: of
 * storage_opts.source), the rows a changed file replaces, the files found
 * deleted, prune, and the order in which runs are rolled back.  Two
 * sources may hold the same relative path and the same declared key: they
 * are two rows.  The upsert key of a table is (_source, key) (with a
 * tenant, (_source, tenant_id, key)); a key identifies a row within its
 * source.
 *
 * Writers: on PostgreSQL a handle with a source (opts.source) locks its
 * source only: transaction-level advisory locks, the database's shared
 * and the source's (hash of tenant and source) exclusive.  Runs of
 * different sources proceed at the same time: they write rows of their
 * own sources only (the upsert keys include _source), and the run order
 * comes from a sequence.  A handle without a source (promote, rollback)
 * takes the database lock exclusive and waits for every run.  A run that
 * creates or alters tables (ensure_tables, or the ledger) takes the DDL
 * lock until it commits, and looks again once it has it: concurrent first
 * runs wait for the first.  SQLite has one writer at a time, whatever the
 * source.  Both call opts.on_lock_wait (naming the holder, and on
 * PostgreSQL the source whose lock it is) before they wait for another
 * writer; with no_wait the error names the holder.
 *
 * Data model kept by every backend:
 *   - each data table has the declared columns plus system columns
 *       _path    TEXT    source path, relative to the tree root
 *       _source  TEXT    the source (tree) the row came from
 *       _sha256  TEXT    sha256 of the source file (lower-case hex)
 *       _run_id  TEXT    run that wrote the row
 *       _doc     the document (main tables only): on SQLite its original
 *                bytes (TEXT checked with json_valid); on PostgreSQL jsonb,
 *                for queries, which keeps the values but not the bytes
 *       _doc_text PostgreSQL only, main tables: the original bytes as
 *                text (jsonb re-orders keys, drops whitespace and respells
 *                numbers).  A table made by an older version gets the
 *                column from ensure_tables; its older rows hold NULL there
 *                (their bytes are then in the run's archive only).
 *       _index   INTEGER position of the row within its file (child tables)
 *   - each data table T has a history table wsm_hist_T with the same
 *     columns plus _superseded_by (run id) and _hist_seq: every row that a
 *     run replaces or prunes is moved there, so storage_revert_run can put
 *     it back.
 *   - wsm_runs (each run with its source, tree root and host), wsm_files
 *     (the ledger), wsm_sources (current state of each path of each
 *     source: sha256, size, mtime, rule, run) with its own history,
 *     wsm_tables (the table definitions, so that revert and promote
 *     work without the manifest), and wsm_warnings (what a run imported
 *     with a loss: a value stored as NULL, a column NULL everywhere, a row
 *     replaced by a later file of the same run).  wsm_runs and wsm_files
 *     count the warnings in a `warnings` column.  A ledger made by an
 *     older version is upgraded in place by ensure_tables/run_start (and
 *     on PostgreSQL by revert_run) (the missing columns and tables are added; a ledger
 *     from before sources gets _source on every row: the tree root of
 *     the run that wrote the row); read-only calls work on it as it is
 *     (warnings read as 0, a run's source is its tree root).
 *   - with a tenant (PostgreSQL): tenant_id on the data, history and
 *     wsm_sources tables, and row-level security FORCEd on them and on
 *     wsm_runs, wsm_files, wsm_warnings and wsm_tables, by policies that
 *     consult wsm_tenant_roles (role_name, tenant_id) by current_user:
 *     a role sees and writes only the rows of the tenants it is bound to
 *     (wsm_tables: read by all, written by members of its owner).
 *     run_start refuses (ERR_USAGE) a role not bound to the run's tenant
 *     (superusers and BYPASSRLS roles excepted); for a role that row-level
 *     security binds, rows go by INSERT ... SELECT from temp tables, as
 *     PostgreSQL refuses COPY FROM into such tables.
 *
 * Key collisions: when a row replaces, by its upsert key, a row that the
 * same run wrote earlier (from another file, or the same file), put_batch
 * records a "key_collision" warning on the file that lost the row (naming
 * the key and the file that won, the later one in the order of the
 * batches), and takes the row off that file's wsm_files row count.  It
 * finds them through the replacement it does anyway, with no memory of
 * the keys it has seen.
 * Table names beginning with "wsm_" are reserved.  Every identifier is
 * quoted and every value is a bound parameter (or COPY data).
 *
 * Ownership: arguments are borrowed for the duration of the call.  Strings
 * handed to callbacks are valid only during the callback.  storage_close
 * frees everything storage_open allocated.
 */
#ifndef WSM_STORAGE_H
#define WSM_STORAGE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "table.h"

/* What a run did with a source file (wsm_files.outcome). */
enum file_outcome {
	FILE_IMPORTED,   /* new or changed: rows written */
	FILE_UNCHANGED,  /* same content as the current source state */
	FILE_SKIPPED,    /* matched no rule */
	FILE_INVALID     /* not valid JSON, schema failure, or unmappable */
};

/* "imported", "unchanged", "skipped", "invalid" */
const char *file_outcome_name(enum file_outcome o);

/* Kinds of warnings. */
#define WARN_COLUMN "column"            /* a lenient column's value did not fit */
#define WARN_ALL_NULL "all_null"        /* a column NULL in every imported file */
#define WARN_KEY_COLLISION "key_collision"  /* a row replaced in the same run */
#define WARN_ROLLBACK_PARTIAL "rollback_partial" /* a rollback stopped midway: what
						   it restored (storage_note_run) */
#define WARN_ARCHIVE_PRUNED "archive_pruned"    /* backups prune removed the run's
						   archive (storage_note_run) */

/* One warning as the ledger keeps it (wsm_warnings). */
struct warning_entry {
	const char *path;         /* the file, or NULL for the run as a whole */
	const char *rule;         /* or NULL */
	const char *kind;         /* WARN_* */
	const char *table;        /* or NULL */
	const char *column;       /* or NULL (key_collision: the key columns) */
	const char *pointer;      /* JSON Pointer in the document, or NULL */
	const char *message;
};

/*
 * One source file and what the run did with it.  Every file entry becomes
 * a row of wsm_files.  For FILE_IMPORTED the backend, in this order:
 *   1. moves every row whose _path is `path` in each of `tables` to history;
 *   2. for each row, moves any row with the same key to history, then
 *      inserts the row (main-table rows get _doc = doc);
 *   3. records path -> (sha256, size, mtime_ns, rule, run) in wsm_sources,
 *      keeping the previous state in history.
 * For FILE_UNCHANGED it only refreshes size/mtime_ns in wsm_sources when they
 * differ (keeping history).  For the other outcomes it writes only the ledger.
 */
struct file_entry {
	const char *path;         /* relative to the tree root, '/' separated */
	int64_t size;
	int64_t mtime_ns;
	uint32_t mode;
	const char *sha256;       /* 64 lower-case hex digits, or NULL if unread */
	const char *rule;         /* rule name, or NULL when skipped */
	enum file_outcome outcome;
	const char *error;        /* reason for FILE_INVALID / FILE_SKIPPED, or NULL */
	const char *doc;          /* original document bytes (FILE_IMPORTED) */
	size_t doc_len;
	int doc_nul;              /* the document holds \u0000: PostgreSQL
				     stores _doc (jsonb, which cannot hold
				     it) as NULL and keeps the text in
				     _doc_text; SQLite keeps it as it is */
	const struct table_def *const *tables; /* all tables of the rule */
	size_t n_tables;
	const struct row *rows;
	size_t n_rows;
	int is_new;               /* the caller looked the path up in this run
				     and found no source state: there are no
				     rows of this path to replace (an
				     optimisation; 0 is always correct) */
	int same_stat;            /* FILE_UNCHANGED: the caller saw the source
				     state with this very size and mtime, so
				     there is nothing to refresh (an
				     optimisation; 0 is always correct) */
	const struct warning_entry *warnings;  /* FILE_IMPORTED: the first
				     warnings of the file (their path and
				     rule are the file's when NULL) */
	size_t n_warnings;
	size_t warning_count;     /* all of them: wsm_files.warnings */
};

struct batch {
	const struct file_entry *files;
	size_t n_files;
};

/* What storage_source_lookup finds about a path's current state. */
struct source_state {
	char sha256[65];
	int64_t size;
	int64_t mtime_ns;
	char rule[256];
	char run_id[64];
};

/* A run as stored in wsm_runs. */
struct run_info {
	char id[64];              /* e.g. "20261121T174500Z-3fa2c1" */
	int64_t seq;              /* increasing order of runs */
	char started_at[40];      /* canonical UTC timestamp */
	char finished_at[40];
	char status[24];          /* "committed", "rolled_back" */
	char tree_root[1024];
	char source[1024];        /* the run's source (see "Sources") */
	char host[256];           /* the importer's host name, "" unknown */
	int shared_chain;         /* a run of a version before sources: it
				     shares one rollback chain with every
				     later run, of any source */
	char manifest_sha256[65];
	char tool_version[32];
	char tenant[128];         /* "" when none */
	int64_t files_seen, imported, unchanged, skipped, invalid, deleted;
	int64_t rows_written;
	int64_t warnings;         /* every warning of the run */
	char archive_path[1024];  /* "" until the backup issue fills it */
	char archive_sha256[65];
};

/* How long storage_begin waits for another writer unless told otherwise. */
#define STORAGE_DEFAULT_WAIT_MS (10 * 60 * 1000)

/*
 * Who holds the writers' lock, as far as the backend can tell (either
 * field may be ""): SQLite names the process that holds the database
 * file's write lock and when that process started; PostgreSQL names the
 * session holding the advisory lock and when its transaction began.
 */
struct lock_holder {
	char who[256];        /* e.g. "sqlite3 (pid 4242)", "psql (pid 77, user bob)" */
	char since[40];       /* "YYYY-MM-DD HH:MM:SS UTC" */
	int since_is_start;   /* `since` is the holder's process start time
				 (SQLite), not the moment it took the lock */
	const char *source;   /* PostgreSQL: the source whose lock is held
				 (valid during the callback), or NULL: the
				 database's lock */
};

/* Options for storage_open. */
struct storage_opts {
	int no_wait;          /* fail at once instead of waiting for the lock */
	int busy_timeout_ms;  /* how long to wait for another writer (0: default,
				 STORAGE_DEFAULT_WAIT_MS) */
	const char *tenant;   /* PostgreSQL multi-tenant mode, or NULL */
	/*
	 * Called by storage_begin, once, when another client holds the lock
	 * and begin is about to wait for it (never with no_wait): `db` is the
	 * masked URL, `h` the holder, `wait_ms` how long begin will wait.
	 * NULL: wait in silence.  With no_wait, the error names the holder.
	 */
	void (*on_lock_wait)(void *ctx, const char *db, const struct lock_holder *h,
			     int wait_ms);
	void *lock_ctx;
	int read_only;        /* read-only commands: never create or change
				 anything; an SQLite file that does not
				 exist is ERR_IO "no database at PATH"
				 (PostgreSQL: a read-only session) */
	int must_exist;       /* commands that only change an existing ledger
				 (rollback): an SQLite file that does not
				 exist is ERR_IO "no database at PATH" */
	int defer_create;     /* writers that may write nothing (migrate): an
				 SQLite file that does not exist yet is built
				 under a temporary name beside it and appears
				 at PATH only when storage_commit succeeds
				 (ERR_IO if PATH appeared meanwhile); without
				 a commit, close removes it, so a run that
				 wrote nothing leaves no file behind */
	const char *source;   /* the source this handle reads and writes
				 (see "Sources"); NULL: a run's source is
				 its run_info.source, else its tree root */
};

/*
 * One document as export finds it (storage_export_docs): the state of a
 * source path at a point in the ledger, and its main-table row.
 */
struct export_doc {
	const char *path;         /* relative to the tree root */
	const char *table;        /* the main table holding its row */
	const char *rule;
	const char *run_id;       /* the run that imported this version */
	const char *sha256;       /* of the file that run imported */
	int64_t mtime_ns;         /* as last seen by a run (a run that found
				     the file unchanged refreshes it) */
	uint32_t mode;            /* recorded when it was imported */
	const char *text;         /* the document's exact text as stored
				     (SQLite _doc, PostgreSQL _doc_text), or
				     NULL when the row has none (a PostgreSQL
				     row written by an older version) */
	size_t text_len;
	const char *value;        /* PostgreSQL: _doc (jsonb) as jsonb prints
				     it, NULL on SQLite or when NULL */
	size_t value_len;
};

/* Which documents storage_export_docs hands over. */
struct export_query {
	int64_t as_of_seq;        /* the state right after the run of this seq
				     (wsm_runs.seq); 0: the current state */
	const char *table;        /* only this main table, or NULL */
	const char *rule;         /* only files of this rule, or NULL */
	const char *source;       /* only files of this source, or NULL: all
				     (in source order, then path order) */
};

struct storage;

struct storage_ops {
	const char *name;     /* "sqlite", "postgres" */
	int (*open)(const char *url, const struct storage_opts *opts,
		    struct storage **out, struct error *err);
	void (*close)(struct storage *st);
	int (*begin)(struct storage *st, struct error *err);
	int (*ensure_tables)(struct storage *st, const struct table_def *defs,
			     size_t n, struct error *err);
	int (*run_start)(struct storage *st, const struct run_info *run,
			 struct error *err);
	int (*source_lookup)(struct storage *st, const char *path,
			     struct source_state *out, int *found,
			     struct error *err);
	int (*source_lookup_many)(struct storage *st, const char *const *paths,
				  size_t n, struct source_state *out, int *found,
				  struct error *err);
	int (*put_batch)(struct storage *st, const struct batch *b,
			 struct error *err);
	int (*missing_sources)(struct storage *st, const char *run_id,
			       int (*cb)(void *ctx, const char *path,
					 const char *rule),
			       void *ctx, struct error *err);
	int (*prune_source)(struct storage *st, const char *run_id,
			    const char *path, struct error *err);
	int (*run_finish)(struct storage *st, const struct run_info *run,
			  struct error *err);
	int (*commit)(struct storage *st, struct error *err);
	int (*rollback)(struct storage *st, struct error *err);
	int (*list_runs)(struct storage *st,
			 int (*cb)(void *ctx, const struct run_info *run),
			 void *ctx, struct error *err);
	int (*list_files)(struct storage *st, const char *run_id,
			  int (*cb)(void *ctx, const struct file_entry *f),
			  void *ctx, struct error *err);
	int (*revert_run)(struct storage *st, const char *run_id,
			  int64_t *rows_removed, int64_t *rows_restored,
			  struct error *err);
	int (*add_warnings)(struct storage *st, const struct warning_entry *w,
			    size_t n, struct error *err);
	int (*list_warnings)(struct storage *st, const char *run_id,
			     const char *kind,
			     int (*cb)(void *ctx, const struct warning_entry *w),
			     void *ctx, struct error *err);
	int (*table_counts)(struct storage *st,
			    int (*cb)(void *ctx, const char *table, int is_child,
				      int64_t rows),
			    void *ctx, struct error *err);
	int (*note_run)(struct storage *st, const char *run_id, const char *kind,
			const char *message, struct error *err);
	int (*forget_archive)(struct storage *st, const char *run_id,
			      struct error *err);
	int (*export_docs)(struct storage *st, const struct export_query *q,
			   int (*cb)(void *ctx, const struct export_doc *d),
			   void *ctx, struct error *err);
};

/* Every backend's struct starts with this. */
struct storage {
	const struct storage_ops *ops;
	char url_masked[1024];    /* the URL with any password replaced by "***" */
};

/*
 * Pick the backend from the URL and open it:
 *   "sqlite:PATH", or a plain path ending in .db/.sqlite/.sqlite3 -> SQLite;
 *   "postgresql://...", "postgres://...", or a libpq keyword string
 *   ("host=... dbname=...") -> PostgreSQL.
 * "sqlite::memory:" is refused (ERR_USAGE): a run's ledger would vanish
 * with the process while its archive stayed.
 * On success *out belongs to the caller (storage_close); its url_masked
 * is the display form (storage_mask_url), with an SQLite path made
 * absolute.
 */
int storage_open(const char *url, const struct storage_opts *opts,
		 struct storage **out, struct error *err);

/*
 * The holder for a message, into buf: "sqlite3 (pid 4242), running since
 * 2026-11-30 03:59:12 UTC", "psql (pid 77, user bob) since ...", or
 * "another client" when unknown.  Returns buf.
 */
const char *storage_lock_holder_text(const struct lock_holder *h, char *buf,
				     size_t size);

/* Close and free; rolls back an open transaction.  Accepts NULL. */
void storage_close(struct storage *st);

/*
 * The display form of a database URL, for every output: `url` parsed by
 * libpq (PQconninfoParse) and rebuilt in the form given (URI or keyword
 * string) with the password as "***"; an SQLite URL as it is.  A string
 * libpq cannot parse is shown as given with every password span masked
 * (found with libpq's own grammar, never by pattern).  Returns buf.
 */
const char *storage_mask_url(const char *url, char *buf, size_t size);

/*
 * Scrub a message (libpq's, which may echo the connection string) of
 * every piece of `url` that holds part of a password: each becomes
 * "***".  Returns msg.
 */
const char *storage_scrub_secrets(const char *url, char *msg, size_t size);

/* Thin wrappers over st->ops; a NULL method reports "not supported". */
int storage_begin(struct storage *st, struct error *err);
int storage_ensure_tables(struct storage *st, const struct table_def *defs,
			  size_t n, struct error *err);
/*
 * Insert the run's wsm_runs row (status "running" until run_finish), with
 * its source (run->source, else the handle's, else run->tree_root) and
 * run->host.
 */
int storage_run_start(struct storage *st, const struct run_info *run,
		      struct error *err);
/* *found = 1 and *out filled when `path` has a current source state. */
int storage_source_lookup(struct storage *st, const char *path,
			  struct source_state *out, int *found,
			  struct error *err);
/*
 * The same for n paths at once (one round trip where the backend can):
 * found[i] and out[i] belong to paths[i].  Backends without the method get
 * n single lookups.  The one call allowed beside a running put_batch (see
 * "Threads" above): SQLite uses a serialized connection and a statement of
 * its own, PostgreSQL a second connection.
 */
int storage_source_lookup_many(struct storage *st, const char *const *paths,
			       size_t n, struct source_state *out, int *found,
			       struct error *err);
int storage_put_batch(struct storage *st, const struct batch *b,
		      struct error *err);
/*
 * Call cb for each path of the run's source in wsm_sources that has no
 * wsm_files row in run `run_id` (the files deleted from the tree since).
 * A non-zero return from cb stops the walk and is returned.
 */
int storage_missing_sources(struct storage *st, const char *run_id,
			    int (*cb)(void *ctx, const char *path,
				      const char *rule),
			    void *ctx, struct error *err);
/*
 * Move every row of `path` of the run's source (all data tables and
 * wsm_sources) to history.
 */
int storage_prune_source(struct storage *st, const char *run_id,
			 const char *path, struct error *err);
/* Update the run's row: finish time, status "committed", counts, archive. */
int storage_run_finish(struct storage *st, const struct run_info *run,
		       struct error *err);
int storage_commit(struct storage *st, struct error *err);
int storage_rollback(struct storage *st, struct error *err);
/*
 * Runs in seq order, oldest first, of every source (and, with row-level
 * security, of the tenants the role is bound to).  Returns 0 when the
 * ledger is absent.
 */
int storage_list_runs(struct storage *st,
		      int (*cb)(void *ctx, const struct run_info *run),
		      void *ctx, struct error *err);
/*
 * Files ledger of one run (rows/tables fields unset), in the walk's order
 * (walk_path_cmp; a path holding the byte 0x01 may break that order, so a
 * caller that merges must check it), one at a time: memory does not grow
 * with the run.  cb must not use the storage.
 */
int storage_list_files(struct storage *st, const char *run_id,
		       int (*cb)(void *ctx, const struct file_entry *f),
		       void *ctx, struct error *err);
/*
 * Undo run `run_id`: delete the rows it wrote, move back the rows it
 * replaced or pruned, restore wsm_sources, delete its warnings, and mark
 * the run "rolled_back".  Refuses (ERR_USAGE, naming them) when a later
 * run of the same source (and tenant) is not rolled back; runs of other
 * sources do not matter (a run of a version before sources shares one
 * chain with every later run).  Called outside a transaction, it is one
 * transaction of its own (begin ... commit); called after storage_begin,
 * it works inside that transaction and the caller commits (rollback does,
 * so that it holds the lock while it restores the files).  PostgreSQL
 * upgrades an older ledger first.
 */
int storage_revert_run(struct storage *st, const char *run_id,
		       int64_t *rows_removed, int64_t *rows_restored,
		       struct error *err);

/*
 * Record warnings of the current run (between run_start and run_finish)
 * in wsm_warnings: run-level ones (path NULL) or about files.
 */
int storage_add_warnings(struct storage *st, const struct warning_entry *w,
			 size_t n, struct error *err);
/*
 * The warnings of run `run_id` in the order they were recorded, only those
 * of `kind` when it is not NULL.  Works inside the run's transaction (the
 * pipeline reads back the key collisions before run_finish) and on a
 * ledger without wsm_warnings (nothing to list).
 */
int storage_list_warnings(struct storage *st, const char *run_id,
			  const char *kind,
			  int (*cb)(void *ctx, const struct warning_entry *w),
			  void *ctx, struct error *err);

/*
 * Call cb for each data table recorded in wsm_tables, in name order, with
 * its current number of rows (history not counted; PostgreSQL in tenant
 * mode: the tenant's rows).  A table recorded but missing counts -1.  A
 * non-zero return from cb stops the walk and is returned.  Read-only;
 * returns 0 when the ledger is absent.
 */
int storage_table_counts(struct storage *st,
			 int (*cb)(void *ctx, const char *table, int is_child,
				   int64_t rows),
			 void *ctx, struct error *err);

/*
 * Record a note about an existing run `run_id` in wsm_warnings (path
 * NULL, kind `kind`, e.g. WARN_ROLLBACK_PARTIAL), inside a transaction
 * (after storage_begin; the caller commits).  The run's warning count is
 * left alone.  A ledger without wsm_warnings gets the note nowhere
 * (returns 0).  storage_revert_run of the run deletes its notes too.
 */
int storage_note_run(struct storage *st, const char *run_id, const char *kind,
		     const char *message, struct error *err);

/*
 * The archive of run `run_id` was removed (backups prune): clear the run's
 * archive_path (archive_sha256 stays, for the record), inside a
 * transaction (after storage_begin; the caller commits).  A rollback of
 * the run then reverts only the database.
 */
int storage_forget_archive(struct storage *st, const char *run_id, struct error *err);

/*
 * Read-only: hand every document of the state `q` asks for to cb, in path
 * order, one at a time (memory does not grow with their number), from one
 * snapshot of the database.  A path's state as of run seq R is the
 * wsm_sources row (current, or kept in its history) that was current right
 * after R among committed runs; its document is the main-table row (of
 * the table, or of its history when a later run replaced it) written by
 * the run that imported that version.  A path whose row is gone (a later
 * run's file took its key) is not handed over.  Needs no begin.  A
 * non-zero return from cb stops and is returned.  Returns 0 when the
 * ledger is absent.
 */
int storage_export_docs(struct storage *st, const struct export_query *q,
			int (*cb)(void *ctx, const struct export_doc *d),
			void *ctx, struct error *err);

/* The backends, for the table in storage.c and for tests. */
extern const struct storage_ops storage_sqlite_ops;
#ifndef WSM_NO_PG
extern const struct storage_ops storage_pg_ops;
#endif

#endif
