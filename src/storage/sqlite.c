/*
 * storage/sqlite.c - the embedded SQLite backend of storage.h.
 *
 * One connection, one IMMEDIATE transaction per run, prepared statements
 * cached per table.  synchronous=FULL, so that a committed run survives a
 * power cut (a run commits once: the extra fsync costs nothing).
 *
 * Journal: a database this backend creates keeps SQLite's default rollback
 * journal.  A first run fills new pages, which a rollback journal never
 * copies, so every page is written once; WAL would write each page twice
 * (log, then checkpoint), which measured as a third of a large first run.
 * The price: other connections cannot read while a big run holds its
 * exclusive lock.  A database already in WAL mode (set by its owner for
 * concurrent readers) is left in WAL mode.
 *
 * The connection is serialized (SQLITE_OPEN_FULLMUTEX) because
 * source_lookup_many may run on the pipeline's main thread while
 * put_batch runs on the storer thread; each has its own statements.
 * It does not know about manifests, files or archives.  Promote's
 * read-only snapshot of a database is in sqlite_read.c.
 */
#include "storage.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "util.h"

/* Cached statements of one data table (or wsm_sources). */
struct sq_table {
	char *name;
	int is_child;
	int n_key;                 /* declared key columns; 0 = by _path */
	char **key;
	int n_columns;             /* declared columns */
	sqlite3_stmt *insert;      /* system columns then declared columns */
	sqlite3_stmt *hist_path;   /* move rows of a path to history */
	sqlite3_stmt *del_path;
	sqlite3_stmt *hist_key;    /* move the row with a key to history */
	sqlite3_stmt *del_key;
	int fresh;                 /* created by this transaction: it holds
				      only this run's rows, at most one file's
				      worth per path */
};

static struct sqlite_storage *sq(struct storage *st)
{
	return storage_downcast(st, &storage_sqlite_ops);
}

static int sq_fail(struct sqlite_storage *s, struct error *err, const char *what)
{
	int code = sqlite3_errcode(s->db);

	if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
		return error_set(err, ERR_IO,
				 "another wsmigrate run holds the lock on '%s' (%s)",
				 s->path, what);
	return error_set(err, ERR_IO, "sqlite '%s': %s: %s", s->path, what,
			 sqlite3_errmsg(s->db));
}

static int exec(struct sqlite_storage *s, const char *sql, struct error *err)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int rc;

		if (sqlite3_errcode(s->db) == SQLITE_BUSY)
			rc = sq_fail(s, err, "begin");
		else
			rc = error_set(err, ERR_IO, "sqlite '%s': %s", s->path,
				       msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return rc;
	}
	return 0;
}

static int prepare(struct sqlite_storage *s, const char *sql,
		   sqlite3_stmt **out, struct error *err)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, out, NULL) != SQLITE_OK)
		return sq_fail(s, err, "prepare");
	return 0;
}

/* Run a statement that returns no rows, then reset it for reuse. */
static int step_done(struct sqlite_storage *s, sqlite3_stmt *st,
		     struct error *err, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return sq_fail(s, err, what);
	return 0;
}

static const char *sql_type(enum col_type t)
{
	switch (t) {
	case COL_INTEGER:
	case COL_BOOLEAN:
		return "INTEGER";
	case COL_REAL:
		return "REAL";
	default:
		return "TEXT";
	}
}

static void table_release(struct sq_table *t)
{
	int i;

	free(t->name);
	for (i = 0; i < t->n_key; i++)
		free(t->key[i]);
	free(t->key);
	sqlite3_finalize(t->insert);
	sqlite3_finalize(t->hist_path);
	sqlite3_finalize(t->del_path);
	sqlite3_finalize(t->hist_key);
	sqlite3_finalize(t->del_key);
}

static void sqlite_close(struct storage *st)
{
	struct sqlite_storage *s = sq(st);
	size_t i;

	for (i = 0; i < s->n_tables; i++)
		table_release(&s->tables[i]);
	free(s->tables);
	sqlite3_finalize(s->ins_file);
	sqlite3_finalize(s->ins_warning);
	sqlite3_finalize(s->ins_lost);
	sqlite3_finalize(s->lost_file);
	sqlite3_finalize(s->src_get);
	sqlite3_finalize(s->src_get_many);
	sqlite3_finalize(s->src_hist);
	sqlite3_finalize(s->src_put);
	sqlite3_finalize(s->src_refresh);
	if (s->db) {
		if (s->in_tx)
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_close_v2(s->db);
	}
	if (s->new_path[0]) {
		/* defer_create and nothing committed: leave no file behind */
		char j[1200];

		unlink(s->new_path);
		snprintf(j, sizeof(j), "%s-journal", s->new_path);
		unlink(j);
	}
	free(s);
}

/*
 * defer_create, after the first commit: the new database takes its name.
 * link() refuses to replace a file, so a database another process made at
 * PATH meanwhile is never overwritten.
 */
static int sqlite_publish(struct sqlite_storage *s, struct error *err)
{
	char dir[1100], *slash;
	int fd;

	if (link(s->new_path, s->path) != 0) {
		int e = errno;

		if (e == EEXIST)
			return error_set(err, ERR_IO, "'%s' was created by another process while"
					 " this run was writing its new database: nothing was"
					 " committed to it; run again", s->path);
		if (e != EPERM && e != ENOTSUP && e != ENOSYS && e != EXDEV)
			return error_set(err, ERR_IO, "cannot create '%s': %s", s->path,
					 strerror(e));
		/* a file system without hard links: check, then rename */
		if (access(s->path, F_OK) == 0)
			return error_set(err, ERR_IO, "'%s' was created by another process"
					 " meanwhile: nothing was committed to it; run again",
					 s->path);
		if (rename(s->new_path, s->path) != 0)
			return error_set(err, ERR_IO, "cannot create '%s': %s", s->path,
					 strerror(errno));
	} else {
		unlink(s->new_path);
	}
	s->new_path[0] = '\0';
	snprintf(dir, sizeof(dir), "%s", s->path);
	slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return 0;
}

/*
 * defer_create: a process killed before its first commit leaves its
 * PATH.wsmigrate-new-PID (and -journal) behind; remove those whose process
 * is gone, so that nothing of a dead run lingers beside the database.
 */
static void remove_stale_new(const char *path)
{
	char dir[1100], prefix[1100], full[2300];
	const char *slash = strrchr(path, '/');
	struct dirent *de;
	DIR *d;

	if (slash)
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	else
		snprintf(dir, sizeof(dir), ".");
	snprintf(prefix, sizeof(prefix), "%s.wsmigrate-new-", slash ? slash + 1 : path);
	if (!(d = opendir(dir)))
		return;
	while ((de = readdir(d))) {
		char *end;
		long p;

		if (strncmp(de->d_name, prefix, strlen(prefix)) != 0)
			continue;
		p = strtol(de->d_name + strlen(prefix), &end, 10);
		if (p > 0 && (!*end || strcmp(end, "-journal") == 0) &&
		    kill((pid_t)p, 0) != 0 && errno == ESRCH) {
			snprintf(full, sizeof(full), "%s/%s", dir, de->d_name);
			unlink(full);
		}
	}
	closedir(d);
}

static int sqlite_open(const char *url, const struct storage_opts *opts,
		       struct storage **out, struct error *err)
{
	struct sqlite_storage *s;
	const char *path = url, *file;
	char pragmas[256];
	int created;

	*out = NULL;
	if (strncmp(path, "sqlite://", 9) == 0)
		path += 9;
	else if (strncmp(path, "sqlite:", 7) == 0)
		path += 7;
	if (!*path)
		return error_set(err, ERR_USAGE, "'%s': no database file given (use sqlite:PATH)", url);
	if (strcmp(path, ":memory:") == 0) {
		error_set(err, ERR_USAGE, "'%s' is gone when the command ends: the ledger would"
			  " forget the run while its archive stayed", url);
		error_hint(err, "give a database file, e.g. --db sqlite:workspace.db");
		return ERR_USAGE;
	}
	if ((opts->read_only || opts->must_exist) && access(path, F_OK) != 0) {
		error_set(err, ERR_IO, "no database at %s", path);
		error_hint(err, "check --db (or WSMIGRATE_DB, DATABASE_URL); `wsmigrate migrate"
			   " TREE --db sqlite:%s` creates it", path);
		return ERR_IO;
	}
	if (opts->tenant && *opts->tenant)
		return error_set(err, ERR_USAGE, "--tenant needs a PostgreSQL database (row-level security)");
	s = calloc(1, sizeof(*s));
	if (!s)
		return error_set(err, ERR_IO, "out of memory");
	s->base.ops = &storage_sqlite_ops;
	snprintf(s->path, sizeof(s->path), "%s", path);
	s->busy_ms = opts->no_wait ? 0 :
		     opts->busy_timeout_ms > 0 ? opts->busy_timeout_ms : STORAGE_DEFAULT_WAIT_MS;
	s->on_lock_wait = opts->on_lock_wait;
	s->lock_ctx = opts->lock_ctx;
	snprintf(s->source, sizeof(s->source), "%s", opts->source ? opts->source : "");
	if (opts->defer_create && !opts->read_only && access(path, F_OK) != 0 && errno == ENOENT) {
		remove_stale_new(path);
		snprintf(s->new_path, sizeof(s->new_path), "%s.wsmigrate-new-%ld", path,
			 (long)getpid());
	}
	file = s->new_path[0] ? s->new_path : path;
	/* a new database is private (0600), like the archives that hold the
	 * same documents: SQLite creates it 0644 less the umask, so narrow
	 * it right after the open, while it is still empty (SQLite gives its
	 * journals the database file's mode; publishing it under PATH keeps
	 * the mode) */
	created = !opts->read_only && access(file, F_OK) != 0 && errno == ENOENT;
	/* serialized: source_lookup_many may run on one thread while
	 * put_batch runs on another (storage.h) */
	if (sqlite3_open_v2(file, &s->db,
			    (opts->read_only ? SQLITE_OPEN_READONLY :
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
			    SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		int rc = error_set(err, ERR_IO, "cannot open sqlite database '%s': %s", path,
				   s->db ? sqlite3_errmsg(s->db) : "out of memory");

		sqlite_close(&s->base);
		return rc;
	}
	if (created && chmod(file, 0600) != 0) {
		int rc = error_set(err, ERR_IO, "cannot make '%s' private (0600): %s", file,
				   strerror(errno));

		sqlite_close(&s->base);
		return rc;
	}
	sqlite3_busy_timeout(s->db, s->busy_ms);
	snprintf(pragmas, sizeof(pragmas),
		 "PRAGMA synchronous=FULL; "
		 "PRAGMA foreign_keys=ON; PRAGMA cache_size=-4096;");
	if (exec(s, pragmas, err)) {
		sqlite_close(&s->base);
		return ERR_IO;
	}
	*out = &s->base;
	return 0;
}

/* BEGIN IMMEDIATE failed with SQLITE_BUSY: name the holder. */
static int busy_error(struct sqlite_storage *s, int waited_ms, struct error *err)
{
	struct lock_holder h;
	char who[400];

	sqlite_lock_holder(s->path, &h);
	storage_lock_holder_text(&h, who, sizeof(who));
	if (waited_ms > 0)
		return error_set(err, ERR_IO, "the lock on '%s' is held by %s; gave up after %.1f s",
				 s->path, who, waited_ms / 1000.0);
	return error_set(err, ERR_IO, "%s holds the lock on '%s'; try again later, or without --no-wait to wait for it",
			 who, s->path);
}

/*
 * Take the write lock: at once when it is free; else, when there is an
 * on_lock_wait callback, say who holds it, then wait (busy timeout).
 */
static int sqlite_begin(struct storage *st, struct error *err)
{
	struct sqlite_storage *s = sq(st);
	int rc;

	if (s->busy_ms > 0 && s->on_lock_wait) {
		sqlite3_busy_timeout(s->db, 0);
		rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		sqlite3_busy_timeout(s->db, s->busy_ms);
		if (rc == SQLITE_OK) {
			s->in_tx = 1;
			return 0;
		}
		if (rc == SQLITE_BUSY) {
			struct lock_holder h;

			sqlite_lock_holder(s->path, &h);
			s->on_lock_wait(s->lock_ctx, s->base.url_masked, &h, s->busy_ms);
		}
	}
	rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc == SQLITE_BUSY)
		return busy_error(s, s->busy_ms, err);
	if (rc != SQLITE_OK)
		return error_set(err, ERR_IO, "sqlite '%s': begin: %s", s->path,
				 sqlite3_errmsg(s->db));
	s->in_tx = 1;
	return 0;
}

static int sqlite_commit(struct storage *st, struct error *err)
{
	struct sqlite_storage *s = sq(st);

	if (exec(s, "COMMIT", err))
		return ERR_IO;
	s->in_tx = 0;
	return s->new_path[0] ? sqlite_publish(s, err) : 0;
}

static int sqlite_rollback(struct storage *st, struct error *err)
{
	struct sqlite_storage *s = sq(st);

	s->ledger_ok = 0;     /* its DDL may be rolled back too */
	if (!s->in_tx)
		return 0;
	s->in_tx = 0;
	return exec(s, "ROLLBACK", err);
}

static const char ledger_ddl[] =
	"CREATE TABLE IF NOT EXISTS wsm_runs("
	" seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,"
	" started_at TEXT, finished_at TEXT, status TEXT NOT NULL,"
	" tree_root TEXT, manifest_sha256 TEXT, tool_version TEXT, tenant TEXT,"
	" files_seen INTEGER, imported INTEGER, unchanged INTEGER,"
	" skipped INTEGER, invalid INTEGER, deleted INTEGER,"
	" rows_written INTEGER, archive_path TEXT, archive_sha256 TEXT,"
	" rolled_back_at TEXT, warnings INTEGER NOT NULL DEFAULT 0,"
	" source TEXT, host TEXT);"
	"CREATE TABLE IF NOT EXISTS wsm_files("
	" run_id TEXT NOT NULL, path TEXT NOT NULL, size INTEGER,"
	" mtime_ns INTEGER, mode INTEGER, sha256 TEXT, rule TEXT,"
	" outcome TEXT NOT NULL, error TEXT, rows INTEGER,"
	" warnings INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY(run_id, path));"
	"CREATE TABLE IF NOT EXISTS wsm_warnings("
	" seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, path TEXT,"
	" rule TEXT, kind TEXT NOT NULL, table_name TEXT, column_name TEXT,"
	" pointer TEXT, message TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS wsm_warnings__run ON wsm_warnings(run_id, path);"
	"CREATE TABLE IF NOT EXISTS wsm_sources("
	" _path TEXT NOT NULL, rule TEXT, sha256 TEXT, size INTEGER,"
	" mtime_ns INTEGER, _run_id TEXT NOT NULL,"
	" _source TEXT NOT NULL DEFAULT '', PRIMARY KEY(_source, _path));"
	"CREATE TABLE IF NOT EXISTS wsm_hist_wsm_sources("
	" _path TEXT, rule TEXT, sha256 TEXT, size INTEGER, mtime_ns INTEGER,"
	" _run_id TEXT, _superseded_by TEXT NOT NULL,"
	" _hist_seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	" _source TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX IF NOT EXISTS wsm_hist_wsm_sources__by"
	" ON wsm_hist_wsm_sources(_superseded_by);"
	"CREATE INDEX IF NOT EXISTS wsm_sources__run ON wsm_sources(_run_id);"
	"CREATE TABLE IF NOT EXISTS wsm_tables("
	" name TEXT PRIMARY KEY, is_child INTEGER NOT NULL, columns TEXT NOT NULL,"
	" key TEXT NOT NULL, indexes TEXT NOT NULL);";


static int existing_type(struct sqlite_storage *s, const char *table,
			 const char *col, char *type, size_t size,
			 struct error *err)
{
	sqlite3_stmt *st = NULL;
	int found = 0, rc;

	if (prepare(s, "SELECT type FROM pragma_table_info(?) WHERE name = ?", &st, err))
		return -1;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, col, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(type, size, "%s", (const char *)sqlite3_column_text(st, 0));
		found = 1;
	} else if (rc != SQLITE_DONE) {
		sqlite3_finalize(st);
		sq_fail(s, err, "table info");
		return -1;
	}
	sqlite3_finalize(st);
	return found;
}

/*
 * A ledger from before sources: each run's source is its tree root (its
 * `source` stays NULL: the runs of that version share one rollback chain);
 * wsm_sources is rebuilt with the key (_source, _path) (SQLite cannot
 * change a primary key in place), each row taking the source of the run
 * that wrote it, and so are the rows of its history.
 */
static int upgrade_sources(struct sqlite_storage *s, struct error *err)
{
	char type[64];
	int have;

	if ((have = existing_type(s, "wsm_runs", "source", type, sizeof(type), err)) < 0)
		return ERR_IO;
	if (!have && exec(s, "ALTER TABLE wsm_runs ADD COLUMN source TEXT;"
			  "ALTER TABLE wsm_runs ADD COLUMN host TEXT;", err))
		return ERR_IO;
	if ((have = existing_type(s, "wsm_sources", "_source", type, sizeof(type), err)) < 0)
		return ERR_IO;
	if (!have && exec(s,
			  "CREATE TABLE wsm_sources__new("
			  " _path TEXT NOT NULL, rule TEXT, sha256 TEXT, size INTEGER,"
			  " mtime_ns INTEGER, _run_id TEXT NOT NULL,"
			  " _source TEXT NOT NULL DEFAULT '', PRIMARY KEY(_source, _path));"
			  "INSERT INTO wsm_sources__new(_path, rule, sha256, size, mtime_ns,"
			  " _run_id, _source) SELECT _path, rule, sha256, size, mtime_ns, _run_id,"
			  " coalesce((SELECT coalesce(r.source, r.tree_root) FROM wsm_runs r WHERE r.id = x._run_id), '')"
			  " FROM wsm_sources x;"
			  "DROP TABLE wsm_sources;"
			  "ALTER TABLE wsm_sources__new RENAME TO wsm_sources;"
			  "CREATE INDEX IF NOT EXISTS wsm_sources__run ON wsm_sources(_run_id);", err))
		return ERR_IO;
	if ((have = existing_type(s, "wsm_hist_wsm_sources", "_source", type, sizeof(type), err)) < 0)
		return ERR_IO;
	if (!have && exec(s,
			  "ALTER TABLE wsm_hist_wsm_sources ADD COLUMN _source TEXT NOT NULL DEFAULT '';"
			  "UPDATE wsm_hist_wsm_sources SET _source = coalesce((SELECT coalesce(r.source,"
			  " r.tree_root) FROM wsm_runs r WHERE r.id = wsm_hist_wsm_sources._run_id), '');", err))
		return ERR_IO;
	return 0;
}

/*
 * Create the ledger, or bring one made by an older version up to date:
 * CREATE ... IF NOT EXISTS adds missing tables (wsm_warnings), and the
 * columns added since (the warning counts) are added in place.
 */
static int ensure_ledger(struct sqlite_storage *s, struct error *err)
{
	static const char *const added[][2] = {
		{ "wsm_runs", "warnings" }, { "wsm_files", "warnings" },
	};
	char type[64];
	size_t i;

	if (s->ledger_ok)
		return 0;
	if (exec(s, ledger_ddl, err))
		return ERR_IO;
	for (i = 0; i < sizeof(added) / sizeof(added[0]); i++) {
		char sql[200];
		int have = existing_type(s, added[i][0], added[i][1], type, sizeof(type), err);

		if (have < 0)
			return ERR_IO;
		if (have)
			continue;
		snprintf(sql, sizeof(sql), "ALTER TABLE %s ADD COLUMN %s INTEGER NOT NULL DEFAULT 0",
			 added[i][0], added[i][1]);
		if (exec(s, sql, err))
			return ERR_IO;
	}
	if (upgrade_sources(s, err))
		return ERR_IO;
	s->ledger_ok = 1;
	return 0;
}

/* 1 when `table` has column `col` (older ledgers lack some), 0 when not. */
static int has_column(struct sqlite_storage *s, const char *table, const char *col)
{
	char type[64];
	struct error e;

	error_clear(&e);
	return existing_type(s, table, col, type, sizeof(type), &e) == 1;
}

static int record_table_def(struct sqlite_storage *s, const struct table_def *d,
			    struct error *err)
{
	struct table_json tj = TABLE_JSON_INIT;
	sqlite3_stmt *st = NULL;
	int rc;

	if (table_def_json(d, &tj)) {
		rc = error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	if ((rc = prepare(s, "INSERT OR REPLACE INTO wsm_tables(name, is_child, columns, key, indexes)"
			  " VALUES(?,?,?,?,?)", &st, err)))
		goto out;
	sqlite3_bind_text(st, 1, d->name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, d->is_child);
	sqlite3_bind_text(st, 3, tj.columns.buf, (int)tj.columns.len, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, tj.key.buf, (int)tj.key.len, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, tj.indexes.buf, (int)tj.indexes.len, SQLITE_STATIC);
	rc = step_done(s, st, err, "record table");
out:
	sqlite3_finalize(st);
	table_json_release(&tj);
	return rc;
}

/* Column list "_path","_sha256","_run_id","_source",("_index"|"_doc"),cols... */
static int column_list(struct strbuf *sb, const struct table_def *d)
{
	size_t i;

	if (strbuf_addstr(sb, "\"_path\",\"_sha256\",\"_run_id\",\"_source\",") ||
	    strbuf_addstr(sb, d->is_child ? "\"_index\"" : "\"_doc\""))
		return -1;
	for (i = 0; i < d->n_columns; i++)
		if (strbuf_add(sb, ",", 1) || strbuf_add_ident(sb, d->columns[i].name))
			return -1;
	return 0;
}

int sqlite_table_exists(struct sqlite_storage *s, const char *name, struct error *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (prepare(s, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
		    &st, err))
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sq_fail(s, err, "table lookup");
		return -1;
	}
	return rc == SQLITE_ROW;
}

/*
 * Create a data table and its history table if missing, add the columns
 * the manifest gained, and make the indexes.  *fresh tells whether the
 * table was created here (then put_file has no old rows to move in it).
 *
 * The indexes are made at once, even for a fresh table.  Building them
 * after the rows (one sort each) costs less CPU, but it runs at the end,
 * alone, while row-by-row upkeep runs on the storer thread beside the
 * parsing: measured on M, 2.07-2.16 s against 2.27-2.39 s for building
 * late; on L the same either way.  (PostgreSQL, whose server is the
 * bottleneck, builds late.)
 */
/*
 * A data table from before sources: _source is added to it and its
 * history, each row taking the source of the run that wrote it, and the
 * upsert key that ignored sources (<name>__key) is dropped (create_table
 * makes <name>__skey).
 */
static int upgrade_table(struct sqlite_storage *s, const char *name,
			 const char *hist, struct error *err)
{
	struct strbuf sql = STRBUF_INIT;
	char type[64];
	int have, rc = 0;

	if ((have = existing_type(s, name, "_source", type, sizeof(type), err)) < 0)
		return ERR_IO;
	if (have)
		return 0;
	strbuf_addstr(&sql, "ALTER TABLE ");
	strbuf_add_ident(&sql, name);
	strbuf_addstr(&sql, " ADD COLUMN \"_source\" TEXT NOT NULL DEFAULT '';\nUPDATE ");
	strbuf_add_ident(&sql, name);
	strbuf_addstr(&sql, " SET \"_source\" = coalesce((SELECT coalesce(r.source, r.tree_root) FROM wsm_runs r"
		      " WHERE r.id = \"_run_id\"), '');\n");
	if ((have = existing_type(s, hist, "_source", type, sizeof(type), err)) < 0) {
		strbuf_release(&sql);
		return ERR_IO;
	}
	if (!have) {
		strbuf_addstr(&sql, "ALTER TABLE ");
		strbuf_add_ident(&sql, hist);
		strbuf_addstr(&sql, " ADD COLUMN \"_source\" TEXT NOT NULL DEFAULT '';\nUPDATE ");
		strbuf_add_ident(&sql, hist);
		strbuf_addstr(&sql, " SET \"_source\" = coalesce((SELECT coalesce(r.source, r.tree_root) FROM wsm_runs r"
			      " WHERE r.id = \"_run_id\"), '');\n");
	}
	strbuf_addf(&sql, "DROP INDEX IF EXISTS \"%s__key\";\n", name);
	if (!sql.buf)
		rc = error_set(err, ERR_IO, "out of memory");
	else
		rc = exec(s, sql.buf, err);
	strbuf_release(&sql);
	return rc;
}

static int create_table(struct sqlite_storage *s, const struct table_def *d,
			int *fresh, struct error *err)
{
	struct strbuf sql = STRBUF_INIT, hist = STRBUF_INIT;
	char type[64];
	size_t i;
	int rc = ERR_IO, exists;

	if ((exists = sqlite_table_exists(s, d->name, err)) < 0)
		return ERR_IO;
	*fresh = !exists;

	if (strbuf_addstr(&hist, "wsm_hist_") || strbuf_addstr(&hist, d->name))
		goto oom;
	strbuf_addstr(&sql, "CREATE TABLE IF NOT EXISTS ");
	strbuf_add_ident(&sql, d->name);
	strbuf_addstr(&sql, "(\"_path\" TEXT NOT NULL, \"_sha256\" TEXT NOT NULL,"
		      " \"_run_id\" TEXT NOT NULL, \"_source\" TEXT NOT NULL DEFAULT '', ");
	strbuf_addstr(&sql, d->is_child ? "\"_index\" INTEGER NOT NULL" :
		      "\"_doc\" TEXT NOT NULL CHECK (json_valid(\"_doc\"))");
	for (i = 0; i < d->n_columns; i++) {
		strbuf_add(&sql, ", ", 2);
		strbuf_add_ident(&sql, d->columns[i].name);
		strbuf_addf(&sql, " %s", sql_type(d->columns[i].type));
	}
	strbuf_addstr(&sql, ");\nCREATE TABLE IF NOT EXISTS ");
	strbuf_add_ident(&sql, hist.buf);
	strbuf_addstr(&sql, "(\"_path\" TEXT, \"_sha256\" TEXT, \"_run_id\" TEXT,"
		      " \"_source\" TEXT NOT NULL DEFAULT '', ");
	strbuf_addstr(&sql, d->is_child ? "\"_index\" INTEGER" : "\"_doc\" TEXT");
	for (i = 0; i < d->n_columns; i++) {
		strbuf_add(&sql, ", ", 2);
		strbuf_add_ident(&sql, d->columns[i].name);
		strbuf_addf(&sql, " %s", sql_type(d->columns[i].type));
	}
	strbuf_addstr(&sql, ", \"_superseded_by\" TEXT NOT NULL,"
		      " \"_hist_seq\" INTEGER PRIMARY KEY AUTOINCREMENT);\n");
	if (!sql.buf)
		goto oom;
	if ((rc = exec(s, sql.buf, err)))
		goto out;
	if (exists && (rc = upgrade_table(s, d->name, hist.buf, err)))
		goto out;
	/* columns added to the manifest since the table was made */
	for (i = 0; i < d->n_columns; i++) {
		int have = existing_type(s, d->name, d->columns[i].name, type, sizeof(type), err);

		if (have < 0)
			goto out;
		if (have && strcmp(type, sql_type(d->columns[i].type)) != 0) {
			rc = error_set(err, ERR_USAGE,
				       "column \"%s\" of table \"%s\" is %s in the database but the manifest makes it %s",
				       d->columns[i].name, d->name, type,
				       col_type_name(d->columns[i].type));
			goto out;
		}
		if (!have) {
			sql.len = 0;
			strbuf_addstr(&sql, "ALTER TABLE ");
			strbuf_add_ident(&sql, d->name);
			strbuf_addstr(&sql, " ADD COLUMN ");
			strbuf_add_ident(&sql, d->columns[i].name);
			strbuf_addf(&sql, " %s; ALTER TABLE ", sql_type(d->columns[i].type));
			strbuf_add_ident(&sql, hist.buf);
			strbuf_addstr(&sql, " ADD COLUMN ");
			strbuf_add_ident(&sql, d->columns[i].name);
			strbuf_addf(&sql, " %s;", sql_type(d->columns[i].type));
			if ((rc = exec(s, sql.buf, err)))
				goto out;
		}
	}
	/* indexes: the upsert key (unique, within a source), _path, _run_id,
	 * declared ones */
	sql.len = 0;
	strbuf_addf(&sql, "CREATE UNIQUE INDEX IF NOT EXISTS \"%s__skey\" ON ", d->name);
	strbuf_add_ident(&sql, d->name);
	strbuf_addstr(&sql, "(\"_source\",");
	if (d->n_key) {
		for (i = 0; i < d->n_key; i++) {
			if (i)
				strbuf_add(&sql, ",", 1);
			strbuf_add_ident(&sql, d->key[i]);
		}
	} else {
		strbuf_addstr(&sql, d->is_child ? "\"_path\",\"_index\"" : "\"_path\"");
	}
	strbuf_addstr(&sql, ");\n");
	/* the default key already starts with _path: a second index would only
	 * cost an extra update per row */
	if (d->n_key) {
		strbuf_addf(&sql, "CREATE INDEX IF NOT EXISTS \"%s__path\" ON ", d->name);
		strbuf_add_ident(&sql, d->name);
		strbuf_addstr(&sql, "(\"_path\");\n");
	}
	strbuf_addf(&sql, "CREATE INDEX IF NOT EXISTS \"%s__run\" ON ", d->name);
	strbuf_add_ident(&sql, d->name);
	strbuf_addf(&sql, "(\"_run_id\");\nCREATE INDEX IF NOT EXISTS \"%s__by\" ON ", hist.buf);
	strbuf_add_ident(&sql, hist.buf);
	strbuf_addstr(&sql, "(\"_superseded_by\");\n");
	for (i = 0; i < d->n_indexes; i++) {
		strbuf_addf(&sql, "CREATE INDEX IF NOT EXISTS \"%s__%s\" ON ", d->name, d->indexes[i]);
		strbuf_add_ident(&sql, d->name);
		strbuf_add(&sql, "(", 1);
		strbuf_add_ident(&sql, d->indexes[i]);
		strbuf_addstr(&sql, ");\n");
	}
	if (!sql.buf)
		goto oom;
	if ((rc = exec(s, sql.buf, err)))
		goto out;
	rc = record_table_def(s, d, err);
	goto out;
oom:
	rc = error_set(err, ERR_IO, "out of memory");
out:
	strbuf_release(&sql);
	strbuf_release(&hist);
	return rc;
}

/* Prepare the cached statements of one table. */
static int prepare_table(struct sqlite_storage *s, const struct table_def *d,
			 struct sq_table *t, struct error *err)
{
	struct strbuf sql = STRBUF_INIT, cols = STRBUF_INIT, where = STRBUF_INIT;
	size_t i, nparams = 5 + d->n_columns;
	int rc = 0;

	t->name = util_strdup(d->name);
	t->is_child = d->is_child;
	t->n_columns = (int)d->n_columns;
	t->n_key = (int)d->n_key;
	t->key = calloc(d->n_key + 1, sizeof(char *));
	if (!t->name || !t->key)
		return error_set(err, ERR_IO, "out of memory");
	for (i = 0; i < d->n_key; i++)
		if (!(t->key[i] = util_strdup(d->key[i])))
			return error_set(err, ERR_IO, "out of memory");
	if (column_list(&cols, d))
		goto oom;
	strbuf_addstr(&sql, "INSERT INTO ");
	strbuf_add_ident(&sql, d->name);
	strbuf_addf(&sql, "(%s) VALUES(?", cols.buf);
	for (i = 1; i < nparams; i++)
		strbuf_addstr(&sql, ",?");
	strbuf_add(&sql, ")", 1);
	if ((rc = prepare(s, sql.buf, &t->insert, err)))
		goto out;

	sql.len = 0;
	strbuf_addf(&sql, "INSERT INTO \"wsm_hist_%s\"(%s,\"_superseded_by\") SELECT %s,?1 FROM ",
		    d->name, cols.buf, cols.buf);
	strbuf_add_ident(&sql, d->name);
	strbuf_addstr(&sql, " WHERE \"_path\" = ?2 AND \"_source\" = ?3");
	if ((rc = prepare(s, sql.buf, &t->hist_path, err)))
		goto out;
	sql.len = 0;
	strbuf_addstr(&sql, "DELETE FROM ");
	strbuf_add_ident(&sql, d->name);
	strbuf_addstr(&sql, " WHERE \"_path\" = ?1 AND \"_source\" = ?2");
	if ((rc = prepare(s, sql.buf, &t->del_path, err)))
		goto out;
	if (d->n_key) {
		/* ?1 run, ?2 source, ?3... the key */
		strbuf_addstr(&where, " WHERE \"_source\" = ?2");
		for (i = 0; i < d->n_key; i++) {
			strbuf_addstr(&where, " AND ");
			strbuf_add_ident(&where, d->key[i]);
			strbuf_addf(&where, " = ?%zu", i + 3);
		}
		sql.len = 0;
		strbuf_addf(&sql, "INSERT INTO \"wsm_hist_%s\"(%s,\"_superseded_by\") SELECT %s,?1 FROM ",
			    d->name, cols.buf, cols.buf);
		strbuf_add_ident(&sql, d->name);
		strbuf_addstr(&sql, where.buf);
		if ((rc = prepare(s, sql.buf, &t->hist_key, err)))
			goto out;
		/* what it deletes tells whether this run wrote the row */
		sql.len = 0;
		strbuf_addstr(&sql, "DELETE FROM ");
		strbuf_add_ident(&sql, d->name);
		strbuf_addstr(&sql, where.buf);
		strbuf_addstr(&sql, " RETURNING \"_path\", \"_run_id\"");
		if ((rc = prepare(s, sql.buf, &t->del_key, err)))
			goto out;
	}
	goto out;
oom:
	rc = error_set(err, ERR_IO, "out of memory");
out:
	strbuf_release(&sql);
	strbuf_release(&cols);
	strbuf_release(&where);
	return rc;
}

/* The statements of lookups and sources (tables every ledger has). */
static int prepare_ledger(struct sqlite_storage *s, struct error *err)
{
	if (s->src_get)
		return 0;
	/* ?2 (?7, ?5) is the handle's source, bound once */
	if (prepare(s, "SELECT sha256, size, mtime_ns, rule, _run_id FROM wsm_sources"
		    " WHERE _path = ?1 AND _source = ?2", &s->src_get, err) ||
	    prepare(s, "SELECT sha256, size, mtime_ns, rule, _run_id FROM wsm_sources"
		    " WHERE _path = ?1 AND _source = ?2", &s->src_get_many, err) ||
	    prepare(s, "INSERT INTO wsm_hist_wsm_sources(_path, rule, sha256, size,"
		    " mtime_ns, _run_id, _source, _superseded_by) SELECT _path, rule, sha256,"
		    " size, mtime_ns, _run_id, _source, ?1 FROM wsm_sources"
		    " WHERE _path = ?2 AND _source = ?3",
		    &s->src_hist, err) ||
	    prepare(s, "INSERT OR REPLACE INTO wsm_sources(_path, rule, sha256, size,"
		    " mtime_ns, _run_id, _source) VALUES(?1,?2,?3,?4,?5,?6,?7)", &s->src_put, err) ||
	    prepare(s, "UPDATE wsm_sources SET size = ?1, mtime_ns = ?2, _run_id = ?3"
		    " WHERE _path = ?4 AND _source = ?5", &s->src_refresh, err))
		return ERR_IO;
	return 0;
}

/* The statements that write the ledger (after ensure_ledger). */
static int prepare_writes(struct sqlite_storage *s, struct error *err)
{
	if (s->ins_file)
		return 0;
	if (prepare_ledger(s, err) ||
	    prepare(s, "INSERT INTO wsm_files(run_id, path, size, mtime_ns, mode, sha256,"
		    " rule, outcome, error, rows, warnings) VALUES(?,?,?,?,?,?,?,?,?,?,?)",
		    &s->ins_file, err) ||
	    prepare(s, "INSERT INTO wsm_warnings(run_id, path, rule, kind, table_name,"
		    " column_name, pointer, message) VALUES(?,?,?,?,?,?,?,?)",
		    &s->ins_warning, err) ||
	    prepare(s, "INSERT INTO wsm_warnings(run_id, path, rule, kind, table_name,"
		    " column_name, message) VALUES(?1, ?2, coalesce(?3, (SELECT rule FROM"
		    " wsm_files WHERE run_id = ?1 AND path = ?2)), 'key_collision', ?4, ?5, ?6)",
		    &s->ins_lost, err) ||
	    prepare(s, "UPDATE wsm_files SET rows = rows - 1, warnings = warnings + 1"
		    " WHERE run_id = ?1 AND path = ?2", &s->lost_file, err))
		return ERR_IO;
	return 0;
}

static int sqlite_ensure_tables(struct storage *st, const struct table_def *defs,
				size_t n, struct error *err)
{
	struct sqlite_storage *s = sq(st);
	size_t i;

	if (ensure_ledger(s, err))
		return ERR_IO;
	for (i = 0; i < s->n_tables; i++)
		table_release(&s->tables[i]);
	free(s->tables);
	s->n_tables = 0;
	s->tables = calloc(n + 1, sizeof(*s->tables));
	if (!s->tables)
		return error_set(err, ERR_IO, "out of memory");
	for (i = 0; i < n; i++) {
		int fresh;

		if (create_table(s, &defs[i], &fresh, err))
			return err->code;
		s->n_tables = i + 1;
		if (prepare_table(s, &defs[i], &s->tables[i], err))
			return err->code;
		s->tables[i].fresh = fresh;
	}
	return prepare_writes(s, err);
}

static int bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
	return s ? sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

static int sqlite_run_start(struct storage *st, const struct run_info *run,
			    struct error *err)
{
	struct sqlite_storage *s = sq(st);
	sqlite3_stmt *q = NULL;
	int rc;

	if (ensure_ledger(s, err))
		return ERR_IO;
	/* the run's source: the run's, else the handle's, else its tree */
	if (run->source[0] || !s->source[0])
		snprintf(s->source, sizeof(s->source), "%s",
			 run->source[0] ? run->source : run->tree_root);
	if (prepare(s, "INSERT INTO wsm_runs(id, started_at, status, tree_root,"
		    " manifest_sha256, tool_version, tenant, source, host)"
		    " VALUES(?,?,'running',?,?,?,?,?,?)",
		    &q, err))
		return ERR_IO;
	sqlite3_bind_text(q, 1, run->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, run->started_at, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, run->tree_root, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, run->manifest_sha256, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, run->tool_version, -1, SQLITE_STATIC);
	bind_text_or_null(q, 6, run->tenant[0] ? run->tenant : NULL);
	sqlite3_bind_text(q, 7, s->source, -1, SQLITE_STATIC);
	bind_text_or_null(q, 8, run->host[0] ? run->host : NULL);
	rc = step_done(s, q, err, "start run");
	sqlite3_finalize(q);
	/* the ledger statements, before a second thread may use the handle */
	if (!rc)
		rc = prepare_writes(s, err);
	if (!rc && !(rc = prepare(s, "SELECT EXISTS (SELECT 1 FROM wsm_sources WHERE _source = ?)",
				  &q, err))) {
		sqlite3_bind_text(q, 1, s->source, -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW)
			s->no_sources = sqlite3_column_int(q, 0) == 0;
		else
			rc = sq_fail(s, err, "start run");
		sqlite3_finalize(q);
	}
	if (!rc)
		snprintf(s->run_id, sizeof(s->run_id), "%s", run->id);
	return rc;
}

/* One lookup with statement q (src_get or src_get_many). */
static int lookup_with(sqlite3_stmt *q, const char *source, const char *path,
		       struct source_state *out, int *found, struct error *err)
{
	int rc;

	*found = 0;
	sqlite3_bind_text(q, 1, path, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, source, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		const unsigned char *t;

		*found = 1;
		t = sqlite3_column_text(q, 0);
		snprintf(out->sha256, sizeof(out->sha256), "%s", t ? (const char *)t : "");
		out->size = sqlite3_column_int64(q, 1);
		out->mtime_ns = sqlite3_column_int64(q, 2);
		t = sqlite3_column_text(q, 3);
		snprintf(out->rule, sizeof(out->rule), "%s", t ? (const char *)t : "");
		t = sqlite3_column_text(q, 4);
		snprintf(out->run_id, sizeof(out->run_id), "%s", t ? (const char *)t : "");
	}
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	/* sqlite3_errstr, not errmsg: the connection may be busy on another
	 * thread, whose message this would be */
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return error_set(err, ERR_IO, "source lookup of '%s': %s", path,
				 sqlite3_errstr(rc));
	return 0;
}

static int sqlite_source_lookup(struct storage *st, const char *path,
				struct source_state *out, int *found,
				struct error *err)
{
	struct sqlite_storage *s = sq(st);

	*found = 0;
	if (prepare_ledger(s, err))
		return ERR_IO;
	return lookup_with(s->src_get, s->source, path, out, found, err);
}

/*
 * May run while put_batch runs on another thread: the connection is
 * serialized, and src_get_many is used by nobody else.  Outside a run
 * (no prepared ledger) it is the plain lookup.
 */
static int sqlite_source_lookup_many(struct storage *st, const char *const *paths,
				     size_t n, struct source_state *out, int *found,
				     struct error *err)
{
	struct sqlite_storage *s = sq(st);
	size_t i;

	if (s->run_id[0] && s->no_sources) {
		/* a run sees each path once: none can be found */
		for (i = 0; i < n; i++)
			found[i] = 0;
		return 0;
	}
	for (i = 0; i < n; i++) {
		int rc = s->src_get_many ?
			 lookup_with(s->src_get_many, s->source, paths[i], &out[i], &found[i], err) :
			 sqlite_source_lookup(st, paths[i], &out[i], &found[i], err);

		if (rc)
			return rc;
	}
	return 0;
}

static struct sq_table *find_table(struct sqlite_storage *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n_tables; i++)
		if (strcmp(s->tables[i].name, name) == 0)
			return &s->tables[i];
	return NULL;
}

static void bind_value(sqlite3_stmt *st, int i, enum col_type type,
		       const struct value *v)
{
	if (v->is_null) {
		sqlite3_bind_null(st, i);
		return;
	}
	switch (type) {
	case COL_INTEGER:
	case COL_BOOLEAN:
		sqlite3_bind_int64(st, i, v->i);
		break;
	case COL_REAL:
		sqlite3_bind_double(st, i, v->d);
		break;
	default:
		sqlite3_bind_text(st, i, v->s ? v->s : "", (int)v->len, SQLITE_STATIC);
	}
}

/* Move a path's rows of one table to history, then delete them. */
static int move_path(struct sqlite_storage *s, struct sq_table *t,
		     const char *path, struct error *err)
{
	sqlite3_bind_text(t->hist_path, 1, s->run_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(t->hist_path, 2, path, -1, SQLITE_STATIC);
	sqlite3_bind_text(t->hist_path, 3, s->source, -1, SQLITE_STATIC);
	if (step_done(s, t->hist_path, err, "history"))
		return ERR_IO;
	sqlite3_bind_text(t->del_path, 1, path, -1, SQLITE_STATIC);
	sqlite3_bind_text(t->del_path, 2, s->source, -1, SQLITE_STATIC);
	return step_done(s, t->del_path, err, "replace");
}

/* The key of a row as a JSON object, for messages: {"task_id": "T-1"}. */
static void key_json(struct strbuf *sb, const struct table_def *d,
		     const struct row *r, const struct sq_table *t)
{
	size_t i, k;

	strbuf_addstr(sb, "{");
	for (k = 0; k < (size_t)t->n_key; k++) {
		const struct value *v;

		for (i = 0; i < d->n_columns; i++)
			if (strcmp(d->columns[i].name, t->key[k]) == 0)
				break;
		if (i == d->n_columns)
			continue;
		v = &r->values[i];
		strbuf_addstr(sb, k ? ", " : "");
		strbuf_add_json_string(sb, t->key[k], strlen(t->key[k]));
		strbuf_addstr(sb, ": ");
		if (v->is_null)
			strbuf_addstr(sb, "null");
		else if (d->columns[i].type == COL_INTEGER)
			strbuf_addf(sb, "%lld", (long long)v->i);
		else if (d->columns[i].type == COL_BOOLEAN)
			strbuf_addstr(sb, v->i ? "true" : "false");
		else if (d->columns[i].type == COL_REAL)
			strbuf_addf(sb, "%.17g", v->d);
		else if (d->columns[i].type == COL_JSON)
			strbuf_add(sb, v->s, v->len);
		else
			strbuf_add_json_string(sb, v->s ? v->s : "", v->len);
	}
	strbuf_addstr(sb, "}");
}

/*
 * Row r of file f replaced, by key, a row that this run wrote for file
 * `loser`: record a key_collision warning on the loser and take the row
 * off its ledger count (the count of f itself, when it is the loser, is
 * written after its rows: *lost_self).
 */
static int lost_row(struct sqlite_storage *s, const struct file_entry *f,
		    const struct row *r, const struct sq_table *t,
		    const char *loser, size_t *lost_self, struct error *err)
{
	struct strbuf key = STRBUF_INIT, msg = STRBUF_INIT, cols = STRBUF_INIT;
	int self = strcmp(loser, f->path) == 0, rc;
	int k;

	key_json(&key, r->table, r, t);
	for (k = 0; k < t->n_key; k++) {
		strbuf_addstr(&cols, k ? "," : "");
		strbuf_addstr(&cols, t->key[k]);
	}
	if (self)
		strbuf_addf(&msg, "key %s of table \"%s\" came twice in this file: the later row replaced the earlier one",
			    strbuf_str(&key), t->name);
	else
		strbuf_addf(&msg, "key %s of table \"%s\" came again in '%s' (later in walk order), whose row replaced this file's",
			    strbuf_str(&key), t->name, f->path);
	if (key.failed || msg.failed || cols.failed) {
		rc = error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	sqlite3_bind_text(s->ins_lost, 1, s->run_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->ins_lost, 2, loser, -1, SQLITE_STATIC);
	bind_text_or_null(s->ins_lost, 3, self ? f->rule : NULL);
	sqlite3_bind_text(s->ins_lost, 4, t->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->ins_lost, 5, cols.buf, (int)cols.len, SQLITE_STATIC);
	sqlite3_bind_text(s->ins_lost, 6, msg.buf, (int)msg.len, SQLITE_STATIC);
	if ((rc = step_done(s, s->ins_lost, err, "key collision warning")))
		goto out;
	if (self) {
		(*lost_self)++;
	} else {
		sqlite3_bind_text(s->lost_file, 1, s->run_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(s->lost_file, 2, loser, -1, SQLITE_STATIC);
		rc = step_done(s, s->lost_file, err, "key collision ledger");
	}
out:
	strbuf_release(&key);
	strbuf_release(&msg);
	strbuf_release(&cols);
	return rc;
}

/*
 * Replace by key: move the row with r's key to history and delete it.
 * When this run wrote that row, it is a key collision (lost_row).
 */
static int replace_by_key(struct sqlite_storage *s, const struct file_entry *f,
			  const struct row *r, struct sq_table *t,
			  size_t *lost_self, struct error *err)
{
	char *losers[4];
	size_t n = 0, i;
	int rc, step;

	sqlite3_bind_text(t->hist_key, 1, s->run_id, -1, SQLITE_STATIC);
	if (step_done(s, t->hist_key, err, "history by key"))
		return ERR_IO;
	while ((step = sqlite3_step(t->del_key)) == SQLITE_ROW) {
		const char *path = (const char *)sqlite3_column_text(t->del_key, 0);
		const char *run = (const char *)sqlite3_column_text(t->del_key, 1);

		/* the key is unique: one row at most, a few to be safe */
		if (path && run && strcmp(run, s->run_id) == 0 && n < 4)
			losers[n++] = util_strdup(path);
	}
	sqlite3_reset(t->del_key);
	sqlite3_clear_bindings(t->del_key);
	rc = step == SQLITE_DONE ? 0 : sq_fail(s, err, "replace by key");
	for (i = 0; i < n; i++) {
		if (!rc && !losers[i])
			rc = error_set(err, ERR_IO, "out of memory");
		if (!rc)
			rc = lost_row(s, f, r, t, losers[i], lost_self, err);
		free(losers[i]);
	}
	return rc;
}

static int put_row(struct sqlite_storage *s, const struct file_entry *f,
		   const struct row *r, size_t *lost_self, struct error *err)
{
	const struct table_def *d = r->table;
	struct sq_table *t = find_table(s, d->name);
	size_t i, k;
	int p;

	if (!t)
		return error_set(err, ERR_IO, "table \"%s\" was not prepared", d->name);
	if (t->n_key) {
		int all = 1;

		for (k = 0; k < (size_t)t->n_key; k++) {
			for (i = 0; i < d->n_columns; i++)
				if (strcmp(d->columns[i].name, t->key[k]) == 0)
					break;
			if (i == d->n_columns || r->values[i].is_null) {
				all = 0;
				break;
			}
			bind_value(t->hist_key, (int)k + 3, d->columns[i].type, &r->values[i]);
			bind_value(t->del_key, (int)k + 3, d->columns[i].type, &r->values[i]);
		}
		if (all) {
			sqlite3_bind_text(t->hist_key, 2, s->source, -1, SQLITE_STATIC);
			sqlite3_bind_text(t->del_key, 2, s->source, -1, SQLITE_STATIC);
			if (replace_by_key(s, f, r, t, lost_self, err))
				return ERR_IO;
		} else {
			sqlite3_reset(t->hist_key);
			sqlite3_clear_bindings(t->hist_key);
			sqlite3_reset(t->del_key);
			sqlite3_clear_bindings(t->del_key);
		}
	}
	sqlite3_bind_text(t->insert, 1, f->path, -1, SQLITE_STATIC);
	sqlite3_bind_text(t->insert, 2, f->sha256, -1, SQLITE_STATIC);
	sqlite3_bind_text(t->insert, 3, s->run_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(t->insert, 4, s->source, -1, SQLITE_STATIC);
	if (d->is_child)
		sqlite3_bind_int64(t->insert, 5, r->index);
	else
		sqlite3_bind_text(t->insert, 5, f->doc, (int)f->doc_len, SQLITE_STATIC);
	for (i = 0, p = 6; i < d->n_columns; i++, p++)
		bind_value(t->insert, p, d->columns[i].type, &r->values[i]);
	if (step_done(s, t->insert, err, "insert")) {
		return error_prefix(err, "table \"%s\", file '%s'", d->name, f->path);
	}
	return 0;
}

/* Warnings of the current run into wsm_warnings (path/rule default to f's). */
static int put_warnings(struct sqlite_storage *s, const struct file_entry *f,
			const struct warning_entry *w, size_t n, struct error *err)
{
	sqlite3_stmt *q = s->ins_warning;
	size_t i;

	for (i = 0; i < n; i++) {
		sqlite3_bind_text(q, 1, s->run_id, -1, SQLITE_STATIC);
		bind_text_or_null(q, 2, w[i].path ? w[i].path : f ? f->path : NULL);
		bind_text_or_null(q, 3, w[i].rule ? w[i].rule : f ? f->rule : NULL);
		sqlite3_bind_text(q, 4, w[i].kind ? w[i].kind : WARN_COLUMN, -1, SQLITE_STATIC);
		bind_text_or_null(q, 5, w[i].table);
		bind_text_or_null(q, 6, w[i].column);
		bind_text_or_null(q, 7, w[i].pointer);
		sqlite3_bind_text(q, 8, w[i].message ? w[i].message : "", -1, SQLITE_STATIC);
		if (step_done(s, q, err, "warnings"))
			return ERR_IO;
	}
	return 0;
}

static int put_source(struct sqlite_storage *s, const struct file_entry *f,
		      struct error *err)
{
	if (!f->is_new) {
		sqlite3_bind_text(s->src_hist, 1, s->run_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(s->src_hist, 2, f->path, -1, SQLITE_STATIC);
		sqlite3_bind_text(s->src_hist, 3, s->source, -1, SQLITE_STATIC);
		if (step_done(s, s->src_hist, err, "source history"))
			return ERR_IO;
	}
	sqlite3_bind_text(s->src_put, 1, f->path, -1, SQLITE_STATIC);
	bind_text_or_null(s->src_put, 2, f->rule);
	bind_text_or_null(s->src_put, 3, f->sha256);
	sqlite3_bind_int64(s->src_put, 4, f->size);
	sqlite3_bind_int64(s->src_put, 5, f->mtime_ns);
	sqlite3_bind_text(s->src_put, 6, s->run_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->src_put, 7, s->source, -1, SQLITE_STATIC);
	return step_done(s, s->src_put, err, "source");
}

static int put_file(struct sqlite_storage *s, const struct file_entry *f,
		    struct error *err)
{
	sqlite3_stmt *q = s->ins_file;
	size_t i, lost_self = 0;

	if (f->outcome == FILE_IMPORTED) {
		for (i = 0; i < f->n_tables && !f->is_new; i++) {
			struct sq_table *t = find_table(s, f->tables[i]->name);

			if (!t)
				return error_set(err, ERR_IO, "table \"%s\" was not prepared",
						 f->tables[i]->name);
			/* a fresh table has no rows of this path: a run sees each
			 * path once (and its _path index may not exist yet) */
			if (!t->fresh && move_path(s, t, f->path, err))
				return ERR_IO;
		}
		for (i = 0; i < f->n_rows; i++)
			if (put_row(s, f, &f->rows[i], &lost_self, err))
				return err->code;
		if (put_warnings(s, f, f->warnings, f->n_warnings, err))
			return ERR_IO;
		if (put_source(s, f, err))
			return ERR_IO;
	} else if (f->outcome == FILE_UNCHANGED && !f->same_stat) {
		struct source_state cur;
		int found = 0;

		if (sqlite_source_lookup(&s->base, f->path, &cur, &found, err))
			return ERR_IO;
		if (found && (cur.size != f->size || cur.mtime_ns != f->mtime_ns)) {
			sqlite3_stmt *u = s->src_refresh;

			/* keep the old state so a revert restores it, as for any row */
			sqlite3_bind_text(s->src_hist, 1, s->run_id, -1, SQLITE_STATIC);
			sqlite3_bind_text(s->src_hist, 2, f->path, -1, SQLITE_STATIC);
			sqlite3_bind_text(s->src_hist, 3, s->source, -1, SQLITE_STATIC);
			if (step_done(s, s->src_hist, err, "source history"))
				return ERR_IO;
			sqlite3_bind_int64(u, 1, f->size);
			sqlite3_bind_int64(u, 2, f->mtime_ns);
			sqlite3_bind_text(u, 3, s->run_id, -1, SQLITE_STATIC);
			sqlite3_bind_text(u, 4, f->path, -1, SQLITE_STATIC);
			sqlite3_bind_text(u, 5, s->source, -1, SQLITE_STATIC);
			if (step_done(s, u, err, "source refresh"))
				return ERR_IO;
		}
	}
	sqlite3_bind_text(q, 1, s->run_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, f->path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, f->size);
	sqlite3_bind_int64(q, 4, f->mtime_ns);
	sqlite3_bind_int64(q, 5, f->mode);
	bind_text_or_null(q, 6, f->sha256);
	bind_text_or_null(q, 7, f->rule);
	sqlite3_bind_text(q, 8, file_outcome_name(f->outcome), -1, SQLITE_STATIC);
	bind_text_or_null(q, 9, f->error);
	sqlite3_bind_int64(q, 10, (sqlite3_int64)(f->n_rows - lost_self));
	sqlite3_bind_int64(q, 11, (sqlite3_int64)(f->warning_count + lost_self));
	if (step_done(s, q, err, "files ledger"))
		return error_prefix(err, "file '%s'", f->path);
	return 0;
}

static int sqlite_put_batch(struct storage *st, const struct batch *b,
			    struct error *err)
{
	struct sqlite_storage *s = sq(st);
	size_t i;

	if (!s->in_tx || !s->run_id[0])
		return error_set(err, ERR_IO, "put_batch outside a run (call begin and run_start first)");
	if (prepare_writes(s, err))
		return ERR_IO;
	for (i = 0; i < b->n_files; i++)
		if (put_file(s, &b->files[i], err))
			return err->code ? (int)err->code : ERR_IO;
	return 0;
}

static int sqlite_missing_sources(struct storage *st, const char *run_id,
				  int (*cb)(void *ctx, const char *path, const char *rule),
				  void *ctx, struct error *err)
{
	struct sqlite_storage *s = sq(st);
	sqlite3_stmt *q = NULL;
	int rc, r = 0;

	/* no sources at run start: every source now was written by this run */
	if (s->no_sources && strcmp(run_id, s->run_id) == 0)
		return 0;
	if (prepare(s, "SELECT s._path, s.rule FROM wsm_sources s WHERE s._source ="
		    " (SELECT coalesce(source, tree_root) FROM wsm_runs WHERE id = ?1)"
		    " AND NOT EXISTS"
		    " (SELECT 1 FROM wsm_files f WHERE f.run_id = ?1 AND f.path = s._path)"
		    " ORDER BY s._path", &q, err))
		return ERR_IO;
	sqlite3_bind_text(q, 1, run_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const unsigned char *rule = sqlite3_column_text(q, 1);

		r = cb(ctx, (const char *)sqlite3_column_text(q, 0),
		       rule ? (const char *)rule : "");
		if (r)
			break;
	}
	if (!r && rc != SQLITE_DONE)
		r = sq_fail(s, err, "missing sources");
	sqlite3_finalize(q);
	return r;
}

/*
 * The names of every data table recorded in wsm_tables (which may include
 * tables the current manifest no longer declares).
 */
static int known_tables(struct sqlite_storage *s, char ***names, size_t *n,
			struct error *err)
{
	sqlite3_stmt *q = NULL;
	size_t alloc = 0;
	int rc;

	*names = NULL;
	*n = 0;
	if (prepare(s, "SELECT name FROM wsm_tables ORDER BY name", &q, err))
		return ERR_IO;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (ALLOC_GROW(*names, *n + 1, alloc) ||
		    !((*names)[*n] = util_strdup((const char *)sqlite3_column_text(q, 0)))) {
			rc = error_set(err, ERR_IO, "out of memory");
			goto fail;
		}
		(*n)++;
	}
	if (rc == SQLITE_DONE) {
		sqlite3_finalize(q);
		return 0;
	}
	rc = sq_fail(s, err, "list tables");
fail:
	sqlite3_finalize(q);
	storage_free_names(*names, *n);
	*names = NULL;
	*n = 0;
	return rc;
}

int sqlite_columns(struct sqlite_storage *s, const char *table,
		   int (*cb)(void *ctx, const char *name), void *ctx,
		   struct error *err)
{
	sqlite3_stmt *q = NULL;
	int rc, stop = 0;

	if (prepare(s, "SELECT name FROM pragma_table_info(?) ORDER BY cid", &q, err))
		return ERR_IO;
	sqlite3_bind_text(q, 1, table, -1, SQLITE_STATIC);
	while (!stop && (rc = sqlite3_step(q)) == SQLITE_ROW)
		stop = cb(ctx, (const char *)sqlite3_column_text(q, 0));
	if (!stop && rc != SQLITE_DONE)
		stop = sq_fail(s, err, "table info");
	sqlite3_finalize(q);
	return stop;
}

/* Append a column name to a quoted, comma-separated list (all_columns). */
static int add_column(void *ctx, const char *name)
{
	struct strbuf *out = ctx;

	if (out->len)
		strbuf_addch(out, ',');
	return strbuf_add_ident(out, name);
}

/* All column names of a table, quoted and comma-separated. */
static int all_columns(struct sqlite_storage *s, const char *table,
		       struct strbuf *out, struct error *err)
{
	int rc = sqlite_columns(s, table, add_column, out, err);

	if (rc < 0 || out->failed)
		return error_set(err, ERR_IO, "out of memory");
	return rc;
}

/* Run one statement with a single text parameter; returns changes or -1. */
static int64_t exec1(struct sqlite_storage *s, const char *sql, const char *p1,
		     const char *p2, struct error *err)
{
	sqlite3_stmt *q = NULL;

	if (prepare(s, sql, &q, err))
		return -1;
	sqlite3_bind_text(q, 1, p1, -1, SQLITE_STATIC);
	if (p2)
		sqlite3_bind_text(q, 2, p2, -1, SQLITE_STATIC);
	if (sqlite3_step(q) != SQLITE_DONE) {
		sq_fail(s, err, "statement");
		sqlite3_finalize(q);
		return -1;
	}
	sqlite3_finalize(q);
	return sqlite3_changes64(s->db);
}

/*
 * Move every row of `path` of the run's source in `table` to its history
 * (prune).  A table from before sources (a table no run of this version
 * has written) has no _source: it is left alone.
 */
static int prune_table(struct sqlite_storage *s, const char *table,
		       const char *run_id, const char *path, struct error *err)
{
	struct strbuf cols = STRBUF_INIT, sql = STRBUF_INIT;
	char type[64];
	int rc = 0, have;

	if ((have = existing_type(s, table, "_source", type, sizeof(type), err)) <= 0)
		return have < 0 ? ERR_IO : 0;
	if (all_columns(s, table, &cols, err))
		return ERR_IO;
	strbuf_addf(&sql, "INSERT INTO \"wsm_hist_%s\"(%s,\"_superseded_by\") SELECT %s,?1 FROM ",
		    table, cols.buf, cols.buf);
	strbuf_add_ident(&sql, table);
	strbuf_addstr(&sql, " WHERE \"_path\" = ?2 AND \"_source\" = (SELECT coalesce(source,"
		      " tree_root) FROM wsm_runs WHERE id = ?1)");
	if (exec1(s, sql.buf, run_id, path, err) < 0)
		rc = ERR_IO;
	sql.len = 0;
	strbuf_addstr(&sql, "DELETE FROM ");
	strbuf_add_ident(&sql, table);
	strbuf_addstr(&sql, " WHERE \"_path\" = ?2 AND \"_source\" = (SELECT coalesce(source,"
		      " tree_root) FROM wsm_runs WHERE id = ?1)");
	if (!rc && exec1(s, sql.buf, run_id, path, err) < 0)
		rc = ERR_IO;
	strbuf_release(&cols);
	strbuf_release(&sql);
	return rc;
}

static int sqlite_prune_source(struct storage *st, const char *run_id,
			       const char *path, struct error *err)
{
	struct sqlite_storage *s = sq(st);
	char **names = NULL;
	size_t n = 0, i;
	int rc;

	if ((rc = known_tables(s, &names, &n, err)))
		return rc;
	for (i = 0; i < n && !rc; i++)
		rc = prune_table(s, names[i], run_id, path, err);
	if (!rc)
		rc = prune_table(s, "wsm_sources", run_id, path, err);
	storage_free_names(names, n);
	return rc;
}

static int sqlite_run_finish(struct storage *st, const struct run_info *run,
			     struct error *err)
{
	struct sqlite_storage *s = sq(st);
	sqlite3_stmt *q = NULL;
	int rc;

	if (prepare(s, "UPDATE wsm_runs SET finished_at = ?, status = ?, files_seen = ?,"
		    " imported = ?, unchanged = ?, skipped = ?, invalid = ?, deleted = ?,"
		    " rows_written = ?, archive_path = ?, archive_sha256 = ?, warnings = ?"
		    " WHERE id = ?", &q, err))
		return ERR_IO;
	sqlite3_bind_text(q, 1, run->finished_at, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, run->status[0] ? run->status : "committed", -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, run->files_seen);
	sqlite3_bind_int64(q, 4, run->imported);
	sqlite3_bind_int64(q, 5, run->unchanged);
	sqlite3_bind_int64(q, 6, run->skipped);
	sqlite3_bind_int64(q, 7, run->invalid);
	sqlite3_bind_int64(q, 8, run->deleted);
	sqlite3_bind_int64(q, 9, run->rows_written);
	bind_text_or_null(q, 10, run->archive_path[0] ? run->archive_path : NULL);
	bind_text_or_null(q, 11, run->archive_sha256[0] ? run->archive_sha256 : NULL);
	sqlite3_bind_int64(q, 12, run->warnings);
	sqlite3_bind_text(q, 13, run->id, -1, SQLITE_STATIC);
	rc = step_done(s, q, err, "finish run");
	sqlite3_finalize(q);
	return rc;
}

static int ledger_exists(struct sqlite_storage *s)
{
	sqlite3_stmt *q = NULL;
	int found = 0;

	if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM sqlite_master WHERE type='table'"
			       " AND name='wsm_runs'", -1, &q, NULL) != SQLITE_OK)
		return 0;
	found = sqlite3_step(q) == SQLITE_ROW;
	sqlite3_finalize(q);
	return found;
}

static void col_text(sqlite3_stmt *q, int i, char *dst, size_t size)
{
	const unsigned char *t = sqlite3_column_text(q, i);

	snprintf(dst, size, "%s", t ? (const char *)t : "");
}

static int sqlite_list_runs(struct storage *st,
			    int (*cb)(void *ctx, const struct run_info *run),
			    void *ctx, struct error *err)
{
	struct sqlite_storage *s = sq(st);
	sqlite3_stmt *q = NULL;
	struct strbuf sql = STRBUF_INIT;
	struct run_info *r;
	int rc, stop = 0;

	if (!ledger_exists(s))
		return 0;
	/* a ledger of an older version has no warning counts (0) and no
	 * sources (a run's source is its tree root) */
	strbuf_addf(&sql, "SELECT id, seq, started_at, finished_at, status, tree_root,"
		    " manifest_sha256, tool_version, tenant, files_seen, imported,"
		    " unchanged, skipped, invalid, deleted, rows_written,"
		    " archive_path, archive_sha256, %s, %s FROM wsm_runs ORDER BY seq",
		    has_column(s, "wsm_runs", "warnings") ? "warnings" : "0",
		    has_column(s, "wsm_runs", "source") ?
		    "coalesce(source, tree_root), coalesce(host, ''), source IS NULL" :
		    "tree_root, '', 1");
	if (!sql.buf) {
		return error_set(err, ERR_IO, "out of memory");
	}
	rc = prepare(s, sql.buf, &q, err);
	strbuf_release(&sql);
	if (rc)
		return ERR_IO;
	r = malloc(sizeof(*r));
	if (!r) {
		sqlite3_finalize(q);
		return error_set(err, ERR_IO, "out of memory");
	}
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		memset(r, 0, sizeof(*r));
		col_text(q, 0, r->id, sizeof(r->id));
		r->seq = sqlite3_column_int64(q, 1);
		col_text(q, 2, r->started_at, sizeof(r->started_at));
		col_text(q, 3, r->finished_at, sizeof(r->finished_at));
		col_text(q, 4, r->status, sizeof(r->status));
		col_text(q, 5, r->tree_root, sizeof(r->tree_root));
		col_text(q, 6, r->manifest_sha256, sizeof(r->manifest_sha256));
		col_text(q, 7, r->tool_version, sizeof(r->tool_version));
		col_text(q, 8, r->tenant, sizeof(r->tenant));
		r->files_seen = sqlite3_column_int64(q, 9);
		r->imported = sqlite3_column_int64(q, 10);
		r->unchanged = sqlite3_column_int64(q, 11);
		r->skipped = sqlite3_column_int64(q, 12);
		r->invalid = sqlite3_column_int64(q, 13);
		r->deleted = sqlite3_column_int64(q, 14);
		r->rows_written = sqlite3_column_int64(q, 15);
		col_text(q, 16, r->archive_path, sizeof(r->archive_path));
		col_text(q, 17, r->archive_sha256, sizeof(r->archive_sha256));
		r->warnings = sqlite3_column_int64(q, 18);
		col_text(q, 19, r->source, sizeof(r->source));
		col_text(q, 20, r->host, sizeof(r->host));
		r->shared_chain = sqlite3_column_int(q, 21);
		stop = cb(ctx, r);
		if (stop)
			break;
	}
	free(r);
	if (!stop && rc != SQLITE_DONE)
		stop = sq_fail(s, err, "list runs");
	sqlite3_finalize(q);
	return stop;
}

static int sqlite_list_files(struct storage *st, const char *run_id,
			     int (*cb)(void *ctx, const struct file_entry *f),
			     void *ctx, struct error *err)
{
	struct sqlite_storage *s = sq(st);
	sqlite3_stmt *q = NULL;
	int rc, stop = 0;

	if (!ledger_exists(s))
		return 0;
	if (prepare(s, has_column(s, "wsm_files", "warnings") ?
		    "SELECT path, size, mtime_ns, mode, sha256, rule, outcome, error, rows,"
		    " warnings FROM wsm_files WHERE run_id = ?"
		    " ORDER BY replace(path, '/', char(1)), path" :
		    "SELECT path, size, mtime_ns, mode, sha256, rule, outcome, error, rows,"
		    " 0 FROM wsm_files WHERE run_id = ?"
		    " ORDER BY replace(path, '/', char(1)), path", &q, err))
		return ERR_IO;
	sqlite3_bind_text(q, 1, run_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct file_entry f;
		const char *o = (const char *)sqlite3_column_text(q, 6);

		memset(&f, 0, sizeof(f));
		f.path = (const char *)sqlite3_column_text(q, 0);
		f.size = sqlite3_column_int64(q, 1);
		f.mtime_ns = sqlite3_column_int64(q, 2);
		f.mode = (uint32_t)sqlite3_column_int64(q, 3);
		f.sha256 = (const char *)sqlite3_column_text(q, 4);
		f.rule = (const char *)sqlite3_column_text(q, 5);
		f.outcome = strcmp(o, "imported") == 0 ? FILE_IMPORTED :
			    strcmp(o, "unchanged") == 0 ? FILE_UNCHANGED :
			    strcmp(o, "skipped") == 0 ? FILE_SKIPPED : FILE_INVALID;
		f.error = (const char *)sqlite3_column_text(q, 7);
		f.n_rows = (size_t)sqlite3_column_int64(q, 8);
		f.warning_count = (size_t)sqlite3_column_int64(q, 9);
		stop = cb(ctx, &f);
		if (stop)
			break;
	}
	if (!stop && rc != SQLITE_DONE)
		stop = sq_fail(s, err, "list files");
	sqlite3_finalize(q);
	return stop;
}

/* storage_export_docs: one read transaction, one query per main table. */
static int sqlite_export_docs(struct storage *st, const struct export_query *eq,
			      int (*cb)(void *ctx, const struct export_doc *d),
			      void *ctx, struct error *err)
{
	struct sqlite_storage *s = sq(st);
	struct strbuf sql = STRBUF_INIT;
	sqlite3_stmt *q = NULL;
	char **names = NULL;
	size_t n = 0, alloc = 0, i;
	int rc = 0, stop = 0;

	if (!ledger_exists(s))
		return 0;
	if (sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return sq_fail(s, err, "export");
	if (prepare(s, "SELECT name FROM wsm_tables WHERE NOT is_child ORDER BY name",
		    &q, err)) {
		rc = ERR_IO;
		goto out;
	}
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(q, 0);

		if (eq->table && strcmp(eq->table, t))
			continue;
		if (ALLOC_GROW(names, n + 1, alloc) || !(names[n] = util_strdup(t))) {
			rc = error_set(err, ERR_IO, "out of memory");
			goto out;
		}
		n++;
	}
	if (rc != SQLITE_DONE) {
		rc = sq_fail(s, err, "list tables");
		goto out;
	}
	rc = 0;
	sqlite3_finalize(q);
	q = NULL;
	for (i = 0; i < n && !stop; i++) {
		strbuf_reset(&sql);
		if (storage_export_sql(&sql, names[i], "\"_doc\"", "\"_doc\"", "NULL",
				       eq->rule != NULL,
				       has_column(s, "wsm_sources", "_source") ? "_source" : "''",
				       eq->source != NULL)) {
			rc = error_set(err, ERR_IO, "out of memory");
			goto out;
		}
		if (prepare(s, sql.buf, &q, err)) {
			rc = ERR_IO;
			goto out;
		}
		sqlite3_bind_int64(q, 1, eq->as_of_seq > 0 ? eq->as_of_seq : INT64_MAX);
		if (eq->rule)
			sqlite3_bind_text(q, 2, eq->rule, -1, SQLITE_STATIC);
		if (eq->source)
			sqlite3_bind_text(q, 3, eq->source, -1, SQLITE_STATIC);
		while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
			struct export_doc d;

			memset(&d, 0, sizeof(d));
			d.path = (const char *)sqlite3_column_text(q, 0);
			d.table = names[i];
			d.rule = (const char *)sqlite3_column_text(q, 1);
			d.run_id = (const char *)sqlite3_column_text(q, 2);
			d.sha256 = (const char *)sqlite3_column_text(q, 3);
			d.mtime_ns = sqlite3_column_int64(q, 4);
			d.mode = (uint32_t)sqlite3_column_int64(q, 5);
			if (sqlite3_column_type(q, 6) != SQLITE_NULL) {
				d.text = (const char *)sqlite3_column_blob(q, 6);
				d.text_len = (size_t)sqlite3_column_bytes(q, 6);
				if (!d.text)
					d.text = "";
			}
			if ((stop = cb(ctx, &d)))
				break;
		}
		if (!stop && rc != SQLITE_DONE) {
			rc = sq_fail(s, err, "export");
			goto out;
		}
		rc = stop;
		sqlite3_finalize(q);
		q = NULL;
	}
out:
	sqlite3_finalize(q);
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	storage_free_names(names, n);
	strbuf_release(&sql);
	return rc;
}

/* Undo one table: delete the run's rows, bring back what it replaced. */
static int revert_table(struct sqlite_storage *s, const char *table,
			const char *run_id, int64_t *removed, int64_t *restored,
			struct error *err)
{
	struct strbuf cols = STRBUF_INIT, sql = STRBUF_INIT;
	int64_t n;
	int rc = ERR_IO;

	if (all_columns(s, table, &cols, err))
		return ERR_IO;
	strbuf_addstr(&sql, "DELETE FROM ");
	strbuf_add_ident(&sql, table);
	strbuf_addstr(&sql, " WHERE \"_run_id\" = ?1");
	if ((n = exec1(s, sql.buf, run_id, NULL, err)) < 0)
		goto out;
	*removed += n;
	sql.len = 0;
	strbuf_addstr(&sql, "INSERT INTO ");
	strbuf_add_ident(&sql, table);
	strbuf_addf(&sql, "(%s) SELECT %s FROM \"wsm_hist_%s\" WHERE \"_superseded_by\" = ?1"
		    " AND \"_run_id\" IS NOT ?1 ORDER BY \"_hist_seq\"", cols.buf, cols.buf, table);
	if ((n = exec1(s, sql.buf, run_id, NULL, err)) < 0)
		goto out;
	*restored += n;
	sql.len = 0;
	strbuf_addf(&sql, "DELETE FROM \"wsm_hist_%s\" WHERE \"_superseded_by\" = ?1", table);
	if (exec1(s, sql.buf, run_id, NULL, err) < 0)
		goto out;
	rc = 0;
out:
	if (rc)
		error_prefix(err, "reverting table \"%s\"", table);
	strbuf_release(&cols);
	strbuf_release(&sql);
	return rc;
}

static int sqlite_revert_run(struct storage *st, const char *run_id,
			     int64_t *rows_removed, int64_t *rows_restored,
			     struct error *err)
{
	struct sqlite_storage *s = sq(st);
	struct strbuf later = STRBUF_INIT;
	sqlite3_stmt *q = NULL;
	char **names = NULL, now[40];
	size_t n = 0, i;
	int64_t seq = -1, dummy = 0;
	int rc, own = !s->in_tx;

	*rows_removed = *rows_restored = 0;
	if (!ledger_exists(s))
		return error_set(err, ERR_USAGE, "no runs recorded in '%s'", s->path);
	if (own && (rc = sqlite_begin(st, err)))
		return rc;
	if ((rc = prepare(s, "SELECT seq, status FROM wsm_runs WHERE id = ?", &q, err)))
		goto fail;
	sqlite3_bind_text(q, 1, run_id, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW) {
		seq = sqlite3_column_int64(q, 0);
		if (strcmp((const char *)sqlite3_column_text(q, 1), "committed") != 0) {
			rc = error_set(err, ERR_USAGE, "run %s is %s, not committed", run_id,
				       (const char *)sqlite3_column_text(q, 1));
			goto fail;
		}
	}
	sqlite3_finalize(q);
	q = NULL;
	if (seq < 0) {
		rc = error_set(err, ERR_USAGE, "no run '%s' in '%s'", run_id, s->path);
		goto fail;
	}
	/* only the later runs of the same source matter; a run of a version
	 * before sources (source NULL) shares one chain with every run */
	if ((rc = prepare(s, has_column(s, "wsm_runs", "source") ?
			  "SELECT id FROM wsm_runs WHERE seq > ?1 AND status <> 'rolled_back'"
			  " AND ((SELECT source FROM wsm_runs WHERE id = ?2) IS NULL"
			  "  OR coalesce(source, tree_root) = (SELECT source FROM wsm_runs"
			  "  WHERE id = ?2)) ORDER BY seq DESC" :
			  "SELECT id FROM wsm_runs WHERE seq > ?1 AND status <> 'rolled_back'"
			  " AND ?2 IS NOT NULL ORDER BY seq DESC", &q, err)))
		goto fail;
	sqlite3_bind_int64(q, 1, seq);
	sqlite3_bind_text(q, 2, run_id, -1, SQLITE_STATIC);
	while (sqlite3_step(q) == SQLITE_ROW) {
		strbuf_addstr(&later, later.len ? ", " : "");
		strbuf_addstr(&later, (const char *)sqlite3_column_text(q, 0));
	}
	sqlite3_finalize(q);
	q = NULL;
	if (later.len) {
		rc = error_set(err, ERR_USAGE,
			       "run %s is not the latest: roll back these runs first (newest first): %s",
			       run_id, later.buf);
		goto fail;
	}
	if ((rc = known_tables(s, &names, &n, err)))
		goto fail;
	for (i = 0; i < n; i++)
		if ((rc = revert_table(s, names[i], run_id, rows_removed, rows_restored, err)))
			goto fail;
	if ((rc = revert_table(s, "wsm_sources", run_id, &dummy, &dummy, err)))
		goto fail;
	if (sqlite_table_exists(s, "wsm_warnings", err) > 0 &&
	    exec1(s, "DELETE FROM wsm_warnings WHERE run_id = ?1", run_id, NULL, err) < 0) {
		rc = ERR_IO;
		goto fail;
	}
	util_now_utc(now);
	if (exec1(s, "UPDATE wsm_runs SET status = 'rolled_back', rolled_back_at = ?2 WHERE id = ?1",
		  run_id, now, err) < 0) {
		rc = ERR_IO;
		goto fail;
	}
	storage_free_names(names, n);
	strbuf_release(&later);
	return own ? sqlite_commit(st, err) : 0;
fail:
	sqlite3_finalize(q);
	storage_free_names(names, n);
	strbuf_release(&later);
	if (own)
		sqlite_rollback(st, NULL);
	return rc ? rc : ERR_IO;
}

static int sqlite_note_run(struct storage *st, const char *run_id, const char *kind,
			   const char *message, struct error *err)
{
	struct sqlite_storage *s = sq(st);
	sqlite3_stmt *q = NULL;
	int have, rc;

	if (!s->in_tx)
		return error_set(err, ERR_USAGE, "note_run outside a transaction (call begin first)");
	have = sqlite_table_exists(s, "wsm_warnings", err);
	if (have <= 0)
		return have < 0 ? ERR_IO : 0;
	if (prepare(s, "INSERT INTO wsm_warnings(run_id, kind, message) VALUES(?1, ?2, ?3)",
		    &q, err))
		return ERR_IO;
	sqlite3_bind_text(q, 1, run_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, message, -1, SQLITE_STATIC);
	rc = step_done(s, q, err, "note") ? ERR_IO : 0;
	sqlite3_finalize(q);
	return rc;
}

static int sqlite_forget_archive(struct storage *st, const char *run_id,
				 struct error *err)
{
	struct sqlite_storage *s = sq(st);

	if (!s->in_tx)
		return error_set(err, ERR_USAGE, "forget_archive outside a transaction (call begin first)");
	return exec1(s, "UPDATE wsm_runs SET archive_path = NULL WHERE id = ?1", run_id, NULL,
		     err) < 0 ? ERR_IO : 0;
}

static int sqlite_add_warnings(struct storage *st, const struct warning_entry *w,
			       size_t n, struct error *err)
{
	struct sqlite_storage *s = sq(st);

	if (!s->in_tx || !s->run_id[0])
		return error_set(err, ERR_IO, "add_warnings outside a run (call begin and run_start first)");
	if (prepare_writes(s, err))
		return ERR_IO;
	return put_warnings(s, NULL, w, n, err);
}

static int sqlite_list_warnings(struct storage *st, const char *run_id,
				const char *kind,
				int (*cb)(void *ctx, const struct warning_entry *w),
				void *ctx, struct error *err)
{
	struct sqlite_storage *s = sq(st);
	sqlite3_stmt *q = NULL;
	int rc, stop = 0, have;

	if ((have = sqlite_table_exists(s, "wsm_warnings", err)) <= 0)
		return have < 0 ? ERR_IO : 0;
	if (prepare(s, "SELECT path, rule, kind, table_name, column_name, pointer, message"
		    " FROM wsm_warnings WHERE run_id = ?1 AND (?2 IS NULL OR kind = ?2)"
		    " ORDER BY seq", &q, err))
		return ERR_IO;
	sqlite3_bind_text(q, 1, run_id, -1, SQLITE_STATIC);
	bind_text_or_null(q, 2, kind);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct warning_entry w;

		w.path = (const char *)sqlite3_column_text(q, 0);
		w.rule = (const char *)sqlite3_column_text(q, 1);
		w.kind = (const char *)sqlite3_column_text(q, 2);
		w.table = (const char *)sqlite3_column_text(q, 3);
		w.column = (const char *)sqlite3_column_text(q, 4);
		w.pointer = (const char *)sqlite3_column_text(q, 5);
		w.message = (const char *)sqlite3_column_text(q, 6);
		stop = cb(ctx, &w);
		if (stop)
			break;
	}
	if (!stop && rc != SQLITE_DONE)
		stop = sq_fail(s, err, "list warnings");
	sqlite3_finalize(q);
	return stop;
}

static int sqlite_table_counts(struct storage *st,
			       int (*cb)(void *ctx, const char *table, int is_child,
					 int64_t rows),
			       void *ctx, struct error *err)
{
	struct sqlite_storage *s = sq(st);
	sqlite3_stmt *q = NULL;
	int rc, stop = 0;

	if (sqlite_table_exists(s, "wsm_tables", NULL) != 1)
		return 0;
	if (prepare(s, "SELECT name, is_child FROM wsm_tables ORDER BY name", &q, err))
		return ERR_IO;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(q, 0);

		stop = cb(ctx, name ? name : "", sqlite3_column_int(q, 1) != 0,
			  sqlite_count_rows(st, name ? name : ""));
		if (stop)
			break;
	}
	if (!stop && rc != SQLITE_DONE)
		stop = sq_fail(s, err, "count rows");
	sqlite3_finalize(q);
	return stop;
}

const struct storage_ops storage_sqlite_ops = {
	.name = "sqlite",
	.open = sqlite_open,
	.close = sqlite_close,
	.begin = sqlite_begin,
	.ensure_tables = sqlite_ensure_tables,
	.run_start = sqlite_run_start,
	.source_lookup = sqlite_source_lookup,
	.source_lookup_many = sqlite_source_lookup_many,
	.put_batch = sqlite_put_batch,
	.missing_sources = sqlite_missing_sources,
	.prune_source = sqlite_prune_source,
	.run_finish = sqlite_run_finish,
	.commit = sqlite_commit,
	.rollback = sqlite_rollback,
	.list_runs = sqlite_list_runs,
	.list_files = sqlite_list_files,
	.revert_run = sqlite_revert_run,
	.add_warnings = sqlite_add_warnings,
	.note_run = sqlite_note_run,
	.forget_archive = sqlite_forget_archive,
	.list_warnings = sqlite_list_warnings,
	.export_docs = sqlite_export_docs,
	.table_counts = sqlite_table_counts,
};
