/*
 * test_storage.c - the storage contract (storage.h), run against every
 * backend: always SQLite (a temp file), and PostgreSQL when
 * WSM_TEST_PG_URL is set (tests/pg.sh starts a throwaway server):
 *
 *   d=$(mktemp -d); trap 'tests/pg.sh stop "$d"' EXIT
 *   eval "$(tests/pg.sh start "$d")"; build/tests/test_storage
 *
 * Each test gets a fresh database: a new SQLite file, or a new PostgreSQL
 * schema selected through the URL's options=-csearch_path=...  Results are
 * checked through the storage API and by querying the tables directly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>
#include <unistd.h>

#include <cmocka.h>
#ifndef WSM_NO_PG
#include <libpq-fe.h>
#endif
#include <sqlite3.h>

#include "promote.h"
#include "storage.h"
#include "storer.h"

/* ------------------------------------------------------------ backends */

struct be {
	int is_pg;
	char url[2048];           /* what storage_open gets */
	char dir[256];            /* SQLite: temp dir */
	char dbpath[300];         /* SQLite: the database file */
	char base[1024];          /* PostgreSQL: WSM_TEST_PG_URL */
	char schema[64];          /* PostgreSQL: this test's schema */
};

/*
 * Storages a test opened and has not closed yet: a failing assertion jumps
 * out of the test, and an open run would hold the lock for the next ones,
 * so teardown closes what is left.
 */
static struct storage *open_list[16];

static void track(struct storage *st)
{
	size_t i;

	for (i = 0; i < 16; i++)
		if (!open_list[i]) {
			open_list[i] = st;
			return;
		}
}

static void close_st(struct storage *st)
{
	size_t i;

	for (i = 0; i < 16; i++)
		if (open_list[i] == st)
			open_list[i] = NULL;
	storage_close(st);
}

static void close_all(void)
{
	size_t i;

	for (i = 0; i < 16; i++)
		if (open_list[i]) {
			storage_close(open_list[i]);
			open_list[i] = NULL;
		}
}

static struct be sqlite_be = { 0 };
static struct be pg_be = { .is_pg = 1 };
static int test_counter;

#ifndef WSM_NO_PG
static void quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static PGconn *pg_admin(const struct be *b)
{
	PGconn *c = PQconnectdb(b->base);

	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("cannot connect to %s: %s", b->base, PQerrorMessage(c));
	PQsetNoticeProcessor(c, quiet, NULL);
	return c;
}

static void pg_admin_exec(const struct be *b, const char *sql)
{
	PGconn *c = pg_admin(b);
	PGresult *r = PQexec(c, sql);

	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
}
#else
static void pg_admin_exec(const struct be *b, const char *sql)
{
	(void)b;
	fail_msg("no PostgreSQL in this build: %s", sql);
}
#endif

static int setup_test(void **state)
{
	struct be *b = *state;

	test_counter++;
	if (b->is_pg) {
		char sql[200];

		snprintf(b->schema, sizeof(b->schema), "wsm_t%d_%ld", test_counter, (long)getpid());
		snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", b->schema);
		pg_admin_exec(b, sql);
		if (strstr(b->base, "://"))
			snprintf(b->url, sizeof(b->url), "%s%coptions=-csearch_path%%3D%s",
				 b->base, strchr(b->base, '?') ? '&' : '?', b->schema);
		else
			snprintf(b->url, sizeof(b->url), "%s options='-csearch_path=%s'",
				 b->base, b->schema);
	} else {
		snprintf(b->dir, sizeof(b->dir), "/tmp/wsmtest.XXXXXX");
		if (!mkdtemp(b->dir))
			fail_msg("mkdtemp failed");
		snprintf(b->dbpath, sizeof(b->dbpath), "%s/x.db", b->dir);
		snprintf(b->url, sizeof(b->url), "sqlite:%s", b->dbpath);
	}
	return 0;
}

static int teardown_test(void **state)
{
	struct be *b = *state;

	close_all();

	if (b->is_pg) {
		char sql[200];

		snprintf(sql, sizeof(sql), "DROP SCHEMA %s CASCADE", b->schema);
		pg_admin_exec(b, sql);
	} else {
		static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
		char p[400];
		size_t i;

		for (i = 0; i < 4; i++) {
			snprintf(p, sizeof(p), "%s%s", b->dbpath, suffix[i]);
			unlink(p);
		}
		rmdir(b->dir);
	}
	return 0;
}

/*
 * First column of the first row of `sql`, run on a connection of its own,
 * into buf.  Returns 0, 1 when there is no row, -1 on error (for example
 * a table that does not exist, or is not visible yet).
 */
static int q1(const struct be *b, const char *sql, char *buf, size_t size)
{
	int rc = -1;

	buf[0] = '\0';
	if (b->is_pg) {
#ifndef WSM_NO_PG
		PGconn *c = PQconnectdb(b->url);
		PGresult *r;

		PQsetNoticeProcessor(c, quiet, NULL);
		r = PQexec(c, sql);

		if (PQresultStatus(r) == PGRES_TUPLES_OK) {
			rc = PQntuples(r) ? 0 : 1;
			if (!rc)
				snprintf(buf, size, "%s", PQgetvalue(r, 0, 0));
		}
		PQclear(r);
		PQfinish(c);
#endif
	} else {
		sqlite3 *db = NULL;
		sqlite3_stmt *st = NULL;

		if (sqlite3_open_v2(b->dbpath, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
		    sqlite3_busy_timeout(db, 2000) == SQLITE_OK &&
		    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
			int s = sqlite3_step(st);

			if (s == SQLITE_ROW) {
				const unsigned char *t = sqlite3_column_text(st, 0);

				snprintf(buf, size, "%s", t ? (const char *)t : "");
				rc = 0;
			} else if (s == SQLITE_DONE) {
				rc = 1;
			}
		}
		sqlite3_finalize(st);
		sqlite3_close(db);
	}
	return rc;
}

/* An integer query; -1 on error. */
static long long qn(const struct be *b, const char *sql)
{
	char buf[64];

	if (q1(b, sql, buf, sizeof(buf)) != 0)
		return -1;
	return strtoll(buf, NULL, 10);
}

/* ------------------------------------------------------------ fixtures */

static const struct column_def note_cols[] = {
	{ "title", COL_TEXT }, { "n", COL_INTEGER }, { "score", COL_REAL },
	{ "done", COL_BOOLEAN }, { "at", COL_TIMESTAMP }, { "meta", COL_JSON },
};
static const char *const note_idx[] = { "n" };
static const struct column_def tag_cols[] = { { "tag", COL_TEXT } };
static const struct column_def person_cols[] = {
	{ "id", COL_TEXT }, { "name", COL_TEXT },
};
static const char *const person_key[] = { "id" };

static const struct table_def defs[] = {
	{ .name = "notes", .columns = note_cols, .n_columns = 6,
	  .indexes = note_idx, .n_indexes = 1 },
	{ .name = "tags", .is_child = 1, .columns = tag_cols, .n_columns = 1 },
	{ .name = "people", .columns = person_cols, .n_columns = 2,
	  .key = person_key, .n_key = 1 },
};
#define N_DEFS (sizeof(defs) / sizeof(defs[0]))
static const struct table_def *const note_tables[] = { &defs[0], &defs[1] };
static const struct table_def *const person_tables[] = { &defs[2] };

/* One source file with its rows; everything it points to lives inside. */
struct tfile {
	struct file_entry f;
	struct value nv[6];
	struct value tv[2];
	struct value pv[2];
	struct row rows[3];
	char sha[65];
	char doc[512];
	char path[256];
};

static struct value text(const char *s)
{
	struct value v = { .s = s, .len = strlen(s) };

	return v;
}

/*
 * A notes file: one "notes" row (title, meta) and two "tags" child rows.
 * `shac` fills the sha256 (content version); doc NULL means a default one.
 */
static void note_file(struct tfile *t, const char *path, char shac,
		      const char *title, const char *meta, const char *doc)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->path, sizeof(t->path), "%s", path);
	memset(t->sha, shac, 64);
	snprintf(t->doc, sizeof(t->doc), "%s",
		 doc ? doc : "{\"title\": \"x\",  \"n\": 1}");
	t->nv[0] = text(title);
	t->nv[1].i = 42;
	t->nv[2].d = 0.1;
	t->nv[3].i = 1;
	t->nv[4] = text("2026-01-02T03:04:05.678901Z");
	t->nv[5] = meta ? text(meta) : (struct value){ .is_null = 1 };
	t->tv[0] = text("red");
	t->tv[1] = text("blue");
	t->rows[0] = (struct row){ .table = &defs[0], .values = t->nv };
	t->rows[1] = (struct row){ .table = &defs[1], .values = &t->tv[0], .index = 0 };
	t->rows[2] = (struct row){ .table = &defs[1], .values = &t->tv[1], .index = 1 };
	t->f = (struct file_entry){
		.path = t->path, .size = 100, .mtime_ns = 1000, .mode = 0644,
		.sha256 = t->sha, .rule = "notes", .outcome = FILE_IMPORTED,
		.doc = t->doc, .doc_len = strlen(t->doc),
		.tables = note_tables, .n_tables = 2, .rows = t->rows, .n_rows = 3,
	};
}

/* A people file: one row keyed by id. */
static void person_file(struct tfile *t, const char *path, char shac,
			const char *id, const char *name)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->path, sizeof(t->path), "%s", path);
	memset(t->sha, shac, 64);
	snprintf(t->doc, sizeof(t->doc), "{\"id\": \"%s\"}", id);
	t->pv[0] = text(id);
	t->pv[1] = text(name);
	t->rows[0] = (struct row){ .table = &defs[2], .values = t->pv };
	t->f = (struct file_entry){
		.path = t->path, .size = 10, .mtime_ns = 2000, .mode = 0644,
		.sha256 = t->sha, .rule = "people", .outcome = FILE_IMPORTED,
		.doc = t->doc, .doc_len = strlen(t->doc),
		.tables = person_tables, .n_tables = 1, .rows = t->rows, .n_rows = 1,
	};
}

/* Turn a file into an "unchanged" entry (no rows). */
static void unchanged(struct tfile *t)
{
	t->f.outcome = FILE_UNCHANGED;
	t->f.doc = NULL;
	t->f.doc_len = 0;
	t->f.rows = NULL;
	t->f.n_rows = 0;
}

/* Open b with options o, or fail the test; the handle is closed by track. */
static struct storage *open_opts(const struct be *b, const struct storage_opts *o)
{
	struct storage *st = NULL;
	struct error err;

	error_clear(&err);
	if (storage_open(b->url, o, &st, &err))
		fail_msg("storage_open(%s): %s", b->url, err.msg);
	track(st);
	return st;
}

static struct storage *open_st(const struct be *b, int no_wait,
			       const char *tenant)
{
	/* the source of every run fill_run makes (its tree root): lookups
	 * outside a run are of the handle's source */
	struct storage_opts o = { .no_wait = no_wait, .busy_timeout_ms = 20000,
				  .tenant = tenant, .source = "/tmp/tree" };

	return open_opts(b, &o);
}

#define OK(call)                                                            \
	do {                                                                \
		struct error e_;                                            \
		error_clear(&e_);                                           \
		if ((call) != 0)                                            \
			fail_msg("%s failed: %s%s%s", #call, e_.path,       \
				 e_.path[0] ? ": " : "", e_.msg);            \
	} while (0)
/* OK() needs the error in scope under this name */
#define E (&e_)

static void fill_run(struct run_info *r, const char *id, int sec)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "%s", id);
	snprintf(r->started_at, sizeof(r->started_at), "2026-11-21T17:45:%02d.123456Z", sec);
	snprintf(r->finished_at, sizeof(r->finished_at), "2026-11-21T17:46:%02d.000001Z", sec);
	snprintf(r->tree_root, sizeof(r->tree_root), "/tmp/tree");
	snprintf(r->tool_version, sizeof(r->tool_version), "0.1.0");
	memset(r->manifest_sha256, 'm', 64);
}

/*
 * One whole run: begin, ensure_tables, run_start, one batch of `files`,
 * prune `prune` (NULL-terminated, may be NULL), run_finish, commit.
 */
static void do_run(const struct be *b, const char *tenant, const char *id,
		   int sec, struct tfile *files, size_t n, const char *const *prune)
{
	struct storage *st = open_st(b, 0, tenant);
	struct file_entry fe[64];
	struct batch bt = { .files = fe, .n_files = n };
	struct run_info run;
	size_t i;

	assert_true(n <= 64);
	for (i = 0; i < n; i++)
		fe[i] = files[i].f;
	fill_run(&run, id, sec);
	OK(storage_begin(st, E));
	OK(storage_ensure_tables(st, defs, N_DEFS, E));
	OK(storage_run_start(st, &run, E));
	OK(storage_put_batch(st, &bt, E));
	for (i = 0; prune && prune[i]; i++)
		OK(storage_prune_source(st, id, prune[i], E));
	run.files_seen = (int64_t)n;
	run.imported = (int64_t)n;
	snprintf(run.status, sizeof(run.status), "committed");
	OK(storage_run_finish(st, &run, E));
	OK(storage_commit(st, E));
	close_st(st);
}

struct runs_seen {
	struct run_info r[8];
	int n;
};

static int collect_run(void *ctx, const struct run_info *run)
{
	struct runs_seen *rs = ctx;

	if (rs->n < 8)
		rs->r[rs->n] = *run;
	rs->n++;
	return 0;
}

static void list_runs(const struct be *b, struct runs_seen *rs)
{
	struct storage *st = open_st(b, 0, NULL);

	memset(rs, 0, sizeof(*rs));
	OK(storage_list_runs(st, collect_run, rs, E));
	close_st(st);
}

struct files_seen {
	char path[8][256];
	char outcome[8][16];
	int n;
};

static int collect_file(void *ctx, const struct file_entry *f)
{
	struct files_seen *fs = ctx;

	if (fs->n < 8) {
		snprintf(fs->path[fs->n], sizeof(fs->path[0]), "%s", f->path);
		snprintf(fs->outcome[fs->n], sizeof(fs->outcome[0]), "%s",
			 file_outcome_name(f->outcome));
	}
	fs->n++;
	return 0;
}

static int lookup(const struct be *b, const char *tenant, const char *path,
		  struct source_state *out)
{
	struct storage *st = open_st(b, 0, tenant);
	int found = 0;

	OK(storage_source_lookup(st, path, out, &found, E));
	close_st(st);
	return found;
}

static void assert_q(const struct be *b, const char *sql, const char *want)
{
	char got[1024];
	int rc = q1(b, sql, got, sizeof(got));

	if (rc != 0 || strcmp(got, want) != 0)
		fail_msg("%s: got <%s> (rc %d), want <%s>", sql, got, rc, want);
}

static void assert_n(const struct be *b, const char *sql, long long want)
{
	long long got = qn(b, sql);

	if (got != want)
		fail_msg("%s: got %lld, want %lld", sql, got, want);
}

/* ------------------------------------------------------------ tests */

static void ensure_tables_is_idempotent(void **state)
{
	struct be *b = *state;
	struct storage *st = open_st(b, 0, NULL);
	int i;

	for (i = 0; i < 2; i++) {
		OK(storage_begin(st, E));
		OK(storage_ensure_tables(st, defs, N_DEFS, E));
		OK(storage_ensure_tables(st, defs, N_DEFS, E));
		OK(storage_commit(st, E));
	}
	close_st(st);
	assert_n(b, "SELECT count(*) FROM wsm_tables", 3);
	assert_n(b, "SELECT count(*) FROM \"notes\"", 0);
	assert_n(b, "SELECT count(*) FROM \"wsm_hist_tags\"", 0);
	assert_n(b, "SELECT count(*) FROM wsm_runs", 0);
}

static void ensure_tables_adds_the_columns_a_manifest_gained(void **state)
{
	struct be *b = *state;
	static const struct column_def more_cols[] = {
		{ "title", COL_TEXT }, { "n", COL_INTEGER }, { "score", COL_REAL },
		{ "done", COL_BOOLEAN }, { "at", COL_TIMESTAMP }, { "meta", COL_JSON },
		{ "extra", COL_TEXT },
	};
	static const struct column_def retyped_cols[] = { { "title", COL_INTEGER } };
	struct table_def more = defs[0], retyped = defs[0];
	struct storage *st;
	struct error err;
	struct tfile a;

	note_file(&a, "a.json", '1', "v1", NULL, NULL);
	do_run(b, NULL, "r1", 1, &a, 1, NULL);
	more.columns = more_cols;
	more.n_columns = 7;
	st = open_st(b, 0, NULL);
	OK(storage_begin(st, E));
	OK(storage_ensure_tables(st, &more, 1, E));
	OK(storage_commit(st, E));
	close_st(st);
	assert_n(b, "SELECT count(*) FROM \"notes\" WHERE \"extra\" IS NULL", 1);
	assert_n(b, "SELECT count(*) FROM \"wsm_hist_notes\" WHERE \"extra\" IS NULL", 0);
	/* a column whose type changed is refused */
	retyped.columns = retyped_cols;
	retyped.n_columns = 1;
	retyped.indexes = NULL;
	retyped.n_indexes = 0;
	st = open_st(b, 0, NULL);
	OK(storage_begin(st, E));
	error_clear(&err);
	assert_int_equal(storage_ensure_tables(st, &retyped, 1, &err), ERR_USAGE);
	assert_non_null(strstr(err.msg, "title"));
	close_st(st);
}

static void imported_rows_are_visible_after_commit_not_before(void **state)
{
	struct be *b = *state;
	struct tfile a;
	struct storage *st;
	struct run_info run;
	struct batch bt = { .n_files = 1 };

	do_run(b, NULL, "r1", 1, NULL, 0, NULL);
	note_file(&a, "a.json", '1', "hello", NULL, NULL);
	bt.files = &a.f;
	st = open_st(b, 0, NULL);
	fill_run(&run, "r2", 2);
	OK(storage_begin(st, E));
	OK(storage_ensure_tables(st, defs, N_DEFS, E));
	OK(storage_run_start(st, &run, E));
	OK(storage_put_batch(st, &bt, E));
	OK(storage_run_finish(st, &run, E));
	assert_true(qn(b, "SELECT count(*) FROM \"notes\"") <= 0);
	assert_true(qn(b, "SELECT count(*) FROM wsm_runs WHERE id = 'r2'") <= 0);
	OK(storage_commit(st, E));
	close_st(st);
	assert_n(b, "SELECT count(*) FROM \"notes\"", 1);
	assert_n(b, "SELECT count(*) FROM \"tags\"", 2);
	assert_q(b, "SELECT \"title\" FROM \"notes\"", "hello");
	assert_q(b, "SELECT \"_run_id\" FROM \"notes\"", "r2");
	assert_n(b, "SELECT count(*) FROM wsm_files WHERE run_id = 'r2'", 1);
}

static void rollback_leaves_nothing(void **state)
{
	struct be *b = *state;
	struct tfile a;
	struct storage *st = open_st(b, 0, NULL);
	struct run_info run;
	struct batch bt = { .files = &a.f, .n_files = 1 };
	struct runs_seen rs;

	note_file(&a, "a.json", '1', "hello", NULL, NULL);
	fill_run(&run, "r1", 1);
	OK(storage_begin(st, E));
	OK(storage_ensure_tables(st, defs, N_DEFS, E));
	OK(storage_run_start(st, &run, E));
	OK(storage_put_batch(st, &bt, E));
	OK(storage_rollback(st, E));
	close_st(st);
	list_runs(b, &rs);
	assert_int_equal(rs.n, 0);
	assert_true(qn(b, "SELECT count(*) FROM \"notes\"") <= 0);
	assert_true(qn(b, "SELECT count(*) FROM wsm_files") <= 0);
	assert_true(qn(b, "SELECT count(*) FROM wsm_sources") <= 0);
}

static void closing_an_open_run_rolls_it_back(void **state)
{
	struct be *b = *state;
	struct tfile a;
	struct storage *st;
	struct run_info run;
	struct batch bt = { .files = &a.f, .n_files = 1 };

	do_run(b, NULL, "r1", 1, NULL, 0, NULL);
	note_file(&a, "a.json", '1', "hello", NULL, NULL);
	st = open_st(b, 0, NULL);
	fill_run(&run, "r2", 2);
	OK(storage_begin(st, E));
	OK(storage_ensure_tables(st, defs, N_DEFS, E));
	OK(storage_run_start(st, &run, E));
	OK(storage_put_batch(st, &bt, E));
	close_st(st);
	assert_n(b, "SELECT count(*) FROM \"notes\"", 0);
	assert_n(b, "SELECT count(*) FROM wsm_runs", 1);
}

static void unchanged_file_writes_only_the_ledger(void **state)
{
	struct be *b = *state;
	struct tfile a;
	struct source_state ss;
	struct storage *st;
	struct files_seen fs = { 0 };

	note_file(&a, "a.json", '1', "hello", NULL, NULL);
	do_run(b, NULL, "r1", 1, &a, 1, NULL);
	unchanged(&a);
	do_run(b, NULL, "r2", 2, &a, 1, NULL);
	assert_n(b, "SELECT count(*) FROM \"notes\"", 1);
	assert_q(b, "SELECT \"_run_id\" FROM \"notes\"", "r1");
	assert_n(b, "SELECT count(*) FROM \"wsm_hist_notes\"", 0);
	assert_n(b, "SELECT count(*) FROM \"wsm_hist_tags\"", 0);
	assert_q(b, "SELECT _source || '|' || _path FROM wsm_sources", "/tmp/tree|a.json");
	assert_true(lookup(b, NULL, "a.json", &ss));
	assert_string_equal(ss.run_id, "r1");
	st = open_st(b, 0, NULL);
	OK(storage_list_files(st, "r2", collect_file, &fs, E));
	close_st(st);
	assert_int_equal(fs.n, 1);
	assert_string_equal(fs.path[0], "a.json");
	assert_string_equal(fs.outcome[0], "unchanged");
}

static void unchanged_file_with_new_mtime_refreshes_the_source(void **state)
{
	struct be *b = *state;
	struct tfile a;
	struct source_state ss;

	note_file(&a, "a.json", '1', "hello", NULL, NULL);
	do_run(b, NULL, "r1", 1, &a, 1, NULL);
	unchanged(&a);
	a.f.mtime_ns = 5555;
	do_run(b, NULL, "r2", 2, &a, 1, NULL);
	assert_true(lookup(b, NULL, "a.json", &ss));
	assert_int_equal(ss.mtime_ns, 5555);
	assert_int_equal(ss.size, 100);
	assert_n(b, "SELECT count(*) FROM \"wsm_hist_notes\"", 0);
}

static void changed_file_moves_old_row_to_history(void **state)
{
	struct be *b = *state;
	struct tfile a;
	struct source_state ss;

	note_file(&a, "a.json", '1', "v1", NULL, NULL);
	do_run(b, NULL, "r1", 1, &a, 1, NULL);
	note_file(&a, "a.json", '2', "v2", NULL, NULL);
	do_run(b, NULL, "r2", 2, &a, 1, NULL);
	assert_n(b, "SELECT count(*) FROM \"notes\"", 1);
	assert_q(b, "SELECT \"title\" FROM \"notes\"", "v2");
	assert_q(b, "SELECT \"_run_id\" FROM \"notes\"", "r2");
	assert_n(b, "SELECT count(*) FROM \"wsm_hist_notes\"", 1);
	assert_q(b, "SELECT \"title\" FROM \"wsm_hist_notes\"", "v1");
	assert_q(b, "SELECT \"_run_id\" FROM \"wsm_hist_notes\"", "r1");
	assert_q(b, "SELECT \"_superseded_by\" FROM \"wsm_hist_notes\"", "r2");
	assert_n(b, "SELECT count(*) FROM \"tags\"", 2);
	assert_n(b, "SELECT count(*) FROM \"wsm_hist_tags\" WHERE \"_superseded_by\" = 'r2'", 2);
	assert_true(lookup(b, NULL, "a.json", &ss));
	assert_int_equal(ss.sha256[0], '2');
	assert_string_equal(ss.run_id, "r2");
}

static void key_upsert_replaces_a_row_with_the_same_key_from_another_path(void **state)
{
	struct be *b = *state;
	struct tfile p[2];

	person_file(&p[0], "people/a.json", '1', "id-1", "Ada");
	do_run(b, NULL, "r1", 1, p, 1, NULL);
	person_file(&p[1], "people/b.json", '2', "id-1", "Ada Lovelace");
	do_run(b, NULL, "r2", 2, &p[1], 1, NULL);
	assert_n(b, "SELECT count(*) FROM \"people\"", 1);
	assert_q(b, "SELECT \"_path\" FROM \"people\"", "people/b.json");
	assert_q(b, "SELECT \"name\" FROM \"people\"", "Ada Lovelace");
	assert_n(b, "SELECT count(*) FROM \"wsm_hist_people\"", 1);
	assert_q(b, "SELECT \"_path\" FROM \"wsm_hist_people\"", "people/a.json");
	assert_q(b, "SELECT \"_superseded_by\" FROM \"wsm_hist_people\"", "r2");
}

static void same_key_twice_in_one_batch_keeps_the_last(void **state)
{
	struct be *b = *state;
	struct tfile p[2];

	person_file(&p[0], "people/a.json", '1', "id-1", "first");
	person_file(&p[1], "people/b.json", '2', "id-1", "second");
	do_run(b, NULL, "r1", 1, p, 2, NULL);
	assert_n(b, "SELECT count(*) FROM \"people\"", 1);
	assert_q(b, "SELECT \"name\" FROM \"people\"", "second");
}

static void revert_run_restores_the_previous_rows_and_the_sources(void **state)
{
	struct be *b = *state;
	struct tfile f[2];
	struct storage *st;
	struct source_state ss;
	struct runs_seen rs;
	int64_t removed = -1, restored = -1;

	note_file(&f[0], "a.json", '1', "v1", NULL, NULL);
	do_run(b, NULL, "r1", 1, f, 1, NULL);
	note_file(&f[0], "a.json", '2', "v2", NULL, NULL);
	note_file(&f[1], "c.json", '3', "new", NULL, NULL);
	do_run(b, NULL, "r2", 2, f, 2, NULL);
	assert_n(b, "SELECT count(*) FROM \"notes\"", 2);

	st = open_st(b, 0, NULL);
	OK(storage_revert_run(st, "r2", &removed, &restored, E));
	close_st(st);
	assert_int_equal(removed, 6);
	assert_int_equal(restored, 3);
	assert_n(b, "SELECT count(*) FROM \"notes\"", 1);
	assert_q(b, "SELECT \"title\" FROM \"notes\"", "v1");
	assert_q(b, "SELECT \"_run_id\" FROM \"notes\"", "r1");
	assert_n(b, "SELECT count(*) FROM \"tags\"", 2);
	assert_n(b, "SELECT count(*) FROM \"wsm_hist_notes\"", 0);
	assert_true(lookup(b, NULL, "a.json", &ss));
	assert_int_equal(ss.sha256[0], '1');
	assert_string_equal(ss.run_id, "r1");
	assert_false(lookup(b, NULL, "c.json", &ss));
	list_runs(b, &rs);
	assert_int_equal(rs.n, 2);
	assert_string_equal(rs.r[0].status, "committed");
	assert_string_equal(rs.r[1].status, "rolled_back");
	/* and the run before it can now be reverted too */
	st = open_st(b, 0, NULL);
	OK(storage_revert_run(st, "r1", &removed, &restored, E));
	close_st(st);
	assert_n(b, "SELECT count(*) FROM \"notes\"", 0);
	assert_false(lookup(b, NULL, "a.json", &ss));
}

static void revert_refuses_when_a_later_run_exists(void **state)
{
	struct be *b = *state;
	struct tfile a;
	struct storage *st;
	struct error err;
	int64_t removed, restored;

	note_file(&a, "a.json", '1', "v1", NULL, NULL);
	do_run(b, NULL, "r1", 1, &a, 1, NULL);
	note_file(&a, "a.json", '2', "v2", NULL, NULL);
	do_run(b, NULL, "r2-later", 2, &a, 1, NULL);
	st = open_st(b, 0, NULL);
	error_clear(&err);
	assert_int_equal(storage_revert_run(st, "r1", &removed, &restored, &err), ERR_USAGE);
	close_st(st);
	assert_int_equal(err.code, ERR_USAGE);
	assert_non_null(strstr(err.msg, "r2-later"));
	assert_q(b, "SELECT \"title\" FROM \"notes\"", "v2");
}

static void revert_of_an_unknown_run_is_a_usage_error(void **state)
{
	struct be *b = *state;
	struct storage *st;
	struct error err;
	int64_t removed, restored;

	do_run(b, NULL, "r1", 1, NULL, 0, NULL);
	st = open_st(b, 0, NULL);
	error_clear(&err);
	assert_int_equal(storage_revert_run(st, "nope", &removed, &restored, &err), ERR_USAGE);
	close_st(st);
	assert_non_null(strstr(err.msg, "nope"));
}

static int collect_missing(void *ctx, const char *path, const char *rule)
{
	struct files_seen *fs = ctx;

	(void)rule;
	if (fs->n < 8)
		snprintf(fs->path[fs->n], sizeof(fs->path[0]), "%s", path);
	fs->n++;
	return 0;
}

static void missing_sources_lists_deleted_paths(void **state)
{
	struct be *b = *state;
	struct tfile f[3];
	struct storage *st;
	struct run_info run;
	struct file_entry fe[1];
	struct batch bt = { .files = fe, .n_files = 1 };
	struct files_seen fs = { 0 };

	note_file(&f[0], "a.json", '1', "a", NULL, NULL);
	note_file(&f[1], "b.json", '2', "b", NULL, NULL);
	note_file(&f[2], "sub/c.json", '3', "c", NULL, NULL);
	do_run(b, NULL, "r1", 1, f, 3, NULL);
	unchanged(&f[0]);
	fe[0] = f[0].f;
	st = open_st(b, 0, NULL);
	fill_run(&run, "r2", 2);
	OK(storage_begin(st, E));
	OK(storage_ensure_tables(st, defs, N_DEFS, E));
	OK(storage_run_start(st, &run, E));
	OK(storage_put_batch(st, &bt, E));
	OK(storage_missing_sources(st, "r2", collect_missing, &fs, E));
	OK(storage_rollback(st, E));
	close_st(st);
	assert_int_equal(fs.n, 2);
	assert_string_equal(fs.path[0], "b.json");
	assert_string_equal(fs.path[1], "sub/c.json");
}

static void prune_moves_rows_to_history_and_revert_brings_them_back(void **state)
{
	struct be *b = *state;
	struct tfile f[2];
	struct storage *st;
	struct source_state ss;
	int64_t removed, restored;
	static const char *const prune[] = { "b.json", NULL };

	note_file(&f[0], "a.json", '1', "a", NULL, NULL);
	note_file(&f[1], "b.json", '2', "b", NULL, NULL);
	do_run(b, NULL, "r1", 1, f, 2, NULL);
	unchanged(&f[0]);
	do_run(b, NULL, "r2", 2, f, 1, prune);
	assert_n(b, "SELECT count(*) FROM \"notes\"", 1);
	assert_n(b, "SELECT count(*) FROM \"notes\" WHERE \"_path\" = 'b.json'", 0);
	assert_n(b, "SELECT count(*) FROM \"wsm_hist_notes\" WHERE \"_path\" = 'b.json'"
		    " AND \"_superseded_by\" = 'r2'", 1);
	assert_n(b, "SELECT count(*) FROM \"wsm_hist_tags\" WHERE \"_path\" = 'b.json'", 2);
	assert_false(lookup(b, NULL, "b.json", &ss));

	st = open_st(b, 0, NULL);
	OK(storage_revert_run(st, "r2", &removed, &restored, E));
	close_st(st);
	assert_int_equal(removed, 0);
	assert_int_equal(restored, 3);
	assert_n(b, "SELECT count(*) FROM \"notes\" WHERE \"_path\" = 'b.json'", 1);
	assert_n(b, "SELECT count(*) FROM \"tags\" WHERE \"_path\" = 'b.json'", 2);
	assert_true(lookup(b, NULL, "b.json", &ss));
	assert_string_equal(ss.run_id, "r1");
}

static void big_integers_survive_exactly(void **state)
{
	struct be *b = *state;
	struct tfile a;
	char got[1024];

	note_file(&a, "a.json", '1', "big", "{\"big\": 12345678901234567890, \"neg\": -98765432109876543210}",
		  "{\"big\": 12345678901234567890, \"small\": 1e-7, \"x\": 3.141592653589793238462643383279}");
	a.nv[1].i = INT64_MAX;
	do_run(b, NULL, "r1", 1, &a, 1, NULL);
	assert_int_equal(q1(b, "SELECT \"_doc\" FROM \"notes\"", got, sizeof(got)), 0);
	assert_non_null(strstr(got, "12345678901234567890"));
	assert_non_null(strstr(got, "3.141592653589793238462643383279"));
	assert_int_equal(q1(b, "SELECT \"meta\" FROM \"notes\"", got, sizeof(got)), 0);
	assert_non_null(strstr(got, "12345678901234567890"));
	assert_non_null(strstr(got, "-98765432109876543210"));
	assert_q(b, "SELECT \"n\" FROM \"notes\"", "9223372036854775807");
}

static void unicode_and_emoji_round_trip(void **state)
{
	struct be *b = *state;
	/* quotes, backslash, tab, newline, CR, accents, CJK, an emoji */
	static const char title[] = "h\xc3\xa9llo \"q\" \\ \t|\n|\r| \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x8c\x8d";
	static const char path[] = "d\xc3\xa9j\xc3\xa0/\xf0\x9f\x8c\x8d tab\there.json";
	struct tfile a;
	struct storage *st;
	struct files_seen fs = { 0 };
	char got[1024];

	note_file(&a, path, '1', title, "{\"e\": \"\xf0\x9f\x8c\x8d\", \"esc\": \"\\u00e9\\n\"}",
		  "{\"t\": \"\xf0\x9f\x8c\x8d \\\" \\\\ \"}");
	do_run(b, NULL, "r1", 1, &a, 1, NULL);
	assert_int_equal(q1(b, "SELECT \"title\" FROM \"notes\"", got, sizeof(got)), 0);
	assert_string_equal(got, title);
	assert_int_equal(q1(b, "SELECT \"_path\" FROM \"notes\"", got, sizeof(got)), 0);
	assert_string_equal(got, path);
	assert_int_equal(q1(b, "SELECT \"meta\" FROM \"notes\"", got, sizeof(got)), 0);
	assert_non_null(strstr(got, "\xf0\x9f\x8c\x8d"));
	st = open_st(b, 0, NULL);
	OK(storage_list_files(st, "r1", collect_file, &fs, E));
	close_st(st);
	assert_int_equal(fs.n, 1);
	assert_string_equal(fs.path[0], path);
}

static void timestamps_come_back_canonical(void **state)
{
	struct be *b = *state;
	struct tfile a;
	struct runs_seen rs;

	note_file(&a, "a.json", '1', "t", NULL, NULL);
	do_run(b, NULL, "r1", 7, &a, 1, NULL);
	list_runs(b, &rs);
	assert_int_equal(rs.n, 1);
	assert_string_equal(rs.r[0].started_at, "2026-11-21T17:45:07.123456Z");
	assert_string_equal(rs.r[0].finished_at, "2026-11-21T17:46:07.000001Z");
	if (b->is_pg)
		assert_q(b, "SELECT to_char(\"at\" AT TIME ZONE 'UTC',"
			    " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM \"notes\"",
			 "2026-01-02T03:04:05.678901Z");
	else
		assert_q(b, "SELECT \"at\" FROM \"notes\"", "2026-01-02T03:04:05.678901Z");
}

/* ------------------------------------------------------------ warnings */

/* A run with each file in a batch of its own. */
static void do_run_batches(const struct be *b, const char *id, int sec,
			   struct tfile *files, size_t n)
{
	struct storage *st = open_st(b, 0, NULL);
	struct run_info run;
	size_t i;

	fill_run(&run, id, sec);
	OK(storage_begin(st, E));
	OK(storage_ensure_tables(st, defs, N_DEFS, E));
	OK(storage_run_start(st, &run, E));
	for (i = 0; i < n; i++) {
		struct batch bt = { .files = &files[i].f, .n_files = 1 };

		OK(storage_put_batch(st, &bt, E));
	}
	snprintf(run.status, sizeof(run.status), "committed");
	OK(storage_run_finish(st, &run, E));
	OK(storage_commit(st, E));
	close_st(st);
}

struct warns_seen {
	char path[8][256];
	char rule[8][64];
	char kind[8][32];
	char table[8][64];
	char column[8][64];
	char pointer[8][64];
	char message[8][512];
	int n;
};

static int collect_warning(void *ctx, const struct warning_entry *w)
{
	struct warns_seen *ws = ctx;

	if (ws->n < 8) {
		snprintf(ws->path[ws->n], sizeof(ws->path[0]), "%s", w->path ? w->path : "(null)");
		snprintf(ws->rule[ws->n], sizeof(ws->rule[0]), "%s", w->rule ? w->rule : "(null)");
		snprintf(ws->kind[ws->n], sizeof(ws->kind[0]), "%s", w->kind);
		snprintf(ws->table[ws->n], sizeof(ws->table[0]), "%s", w->table ? w->table : "(null)");
		snprintf(ws->column[ws->n], sizeof(ws->column[0]), "%s", w->column ? w->column : "(null)");
		snprintf(ws->pointer[ws->n], sizeof(ws->pointer[0]), "%s", w->pointer ? w->pointer : "(null)");
		snprintf(ws->message[ws->n], sizeof(ws->message[0]), "%s", w->message);
	}
	ws->n++;
	return 0;
}

static void list_warnings(const struct be *b, const char *run, const char *kind,
			  struct warns_seen *ws)
{
	struct storage *st = open_st(b, 0, NULL);

	memset(ws, 0, sizeof(*ws));
	OK(storage_list_warnings(st, run, kind, collect_warning, ws, E));
	close_st(st);
}

static void same_key_twice_in_one_run_warns_on_the_loser(void **state)
{
	struct be *b = *state;
	struct tfile p[4];
	struct warns_seen ws;

	/* in one batch; a chain of replacements names each step */
	person_file(&p[0], "people/a.json", '1', "id-1", "first");
	person_file(&p[1], "people/b.json", '2', "id-1", "second");
	person_file(&p[2], "people/c.json", '3', "id-2", "other");
	person_file(&p[3], "people/d.json", '4', "id-1", "fourth");
	do_run(b, NULL, "r1", 1, p, 4, NULL);
	assert_n(b, "SELECT count(*) FROM \"people\"", 2);
	assert_q(b, "SELECT \"name\" FROM \"people\" WHERE \"id\" = 'id-1'", "fourth");
	/* the loser's ledger row does not claim the row it lost */
	assert_q(b, "SELECT outcome || ' ' || rows || ' ' || warnings FROM wsm_files"
		 " WHERE path = 'people/a.json'", "imported 0 1");
	assert_q(b, "SELECT rows || ' ' || warnings FROM wsm_files WHERE path = 'people/b.json'",
		 "0 1");
	assert_q(b, "SELECT rows || ' ' || warnings FROM wsm_files WHERE path = 'people/d.json'",
		 "1 0");
	list_warnings(b, "r1", NULL, &ws);
	assert_int_equal(ws.n, 2);
	assert_string_equal(ws.path[1], "people/b.json");
	assert_non_null(strstr(ws.message[1], "'people/d.json'"));
	assert_string_equal(ws.path[0], "people/a.json");
	assert_string_equal(ws.rule[0], "people");
	assert_string_equal(ws.kind[0], WARN_KEY_COLLISION);
	assert_string_equal(ws.table[0], "people");
	assert_string_equal(ws.column[0], "id");
	assert_non_null(strstr(ws.message[0], "\"id\": \"id-1\""));
	assert_non_null(strstr(ws.message[0], "'people/b.json'"));
	assert_non_null(strstr(ws.message[0], "replaced this file's"));
}

static void same_key_in_two_batches_of_one_run_warns_and_reverts(void **state)
{
	struct be *b = *state;
	struct tfile p[3];
	struct warns_seen ws;
	struct storage *st;
	int64_t removed = -1, restored = -1;

	/* a row from an earlier run, replaced by key: not a collision */
	person_file(&p[0], "people/old.json", '0', "id-1", "old");
	do_run(b, NULL, "r0", 0, p, 1, NULL);
	person_file(&p[0], "people/a.json", '1', "id-1", "first");
	person_file(&p[1], "people/b.json", '2', "id-1", "second");
	person_file(&p[2], "people/c.json", '3', "id-1", "third");
	do_run_batches(b, "r1", 1, p, 3);
	assert_n(b, "SELECT count(*) FROM \"people\"", 1);
	assert_q(b, "SELECT \"name\" FROM \"people\"", "third");
	assert_q(b, "SELECT rows || ' ' || warnings FROM wsm_files WHERE run_id = 'r1'"
		 " AND path = 'people/a.json'", "0 1");
	assert_q(b, "SELECT rows || ' ' || warnings FROM wsm_files WHERE run_id = 'r1'"
		 " AND path = 'people/b.json'", "0 1");
	assert_q(b, "SELECT rows || ' ' || warnings FROM wsm_files WHERE run_id = 'r1'"
		 " AND path = 'people/c.json'", "1 0");
	list_warnings(b, "r1", WARN_KEY_COLLISION, &ws);
	assert_int_equal(ws.n, 2);
	assert_string_equal(ws.path[0], "people/a.json");
	assert_non_null(strstr(ws.message[0], "'people/b.json'"));
	assert_string_equal(ws.path[1], "people/b.json");
	assert_non_null(strstr(ws.message[1], "'people/c.json'"));
	list_warnings(b, "r0", NULL, &ws);
	assert_int_equal(ws.n, 0);
	/* rollback: exactly the state before the run, no warnings left */
	st = open_st(b, 0, NULL);
	OK(storage_revert_run(st, "r1", &removed, &restored, E));
	close_st(st);
	assert_int_equal(removed, 1);
	assert_int_equal(restored, 1);
	assert_n(b, "SELECT count(*) FROM \"people\"", 1);
	assert_q(b, "SELECT \"name\" || ' ' || \"_path\" || ' ' || \"_run_id\" FROM \"people\"",
		 "old people/old.json r0");
	assert_n(b, "SELECT count(*) FROM \"wsm_hist_people\"", 0);
	assert_n(b, "SELECT count(*) FROM wsm_warnings", 0);
}

static void warnings_are_kept_counted_listed_and_reverted(void **state)
{
	struct be *b = *state;
	struct tfile f;
	struct storage *st;
	struct run_info run;
	struct batch bt;
	struct warns_seen ws;
	struct runs_seen rs;
	struct files_seen fs;
	int64_t removed, restored;
	const struct warning_entry fw[2] = {
		{ .kind = WARN_COLUMN, .table = "notes", .column = "at", .pointer = "/at",
		  .message = "column \"at\": \"${NOW}\": not a date-time" },
		{ .kind = WARN_COLUMN, .table = "notes", .column = "n", .pointer = "/n",
		  .message = "column \"n\" is integer: expected a number, got string" },
	};
	const struct warning_entry rw = {
		.kind = WARN_ALL_NULL, .rule = "notes", .table = "notes", .column = "meta",
		.message = "column \"meta\" is NULL in every file: /meta matched nothing",
	};

	note_file(&f, "a.json", '1', "t", NULL, NULL);
	f.f.warnings = fw;
	f.f.n_warnings = 2;
	f.f.warning_count = 25;
	st = open_st(b, 0, NULL);
	fill_run(&run, "r1", 1);
	OK(storage_begin(st, E));
	OK(storage_ensure_tables(st, defs, N_DEFS, E));
	OK(storage_run_start(st, &run, E));
	bt.files = &f.f;
	bt.n_files = 1;
	OK(storage_put_batch(st, &bt, E));
	OK(storage_add_warnings(st, &rw, 1, E));
	run.warnings = 26;
	snprintf(run.status, sizeof(run.status), "committed");
	OK(storage_run_finish(st, &run, E));
	OK(storage_commit(st, E));
	close_st(st);

	assert_q(b, "SELECT warnings FROM wsm_files WHERE path = 'a.json'", "25");
	assert_q(b, "SELECT warnings FROM wsm_runs WHERE id = 'r1'", "26");
	list_warnings(b, "r1", NULL, &ws);
	assert_int_equal(ws.n, 3);
	assert_string_equal(ws.path[0], "a.json");
	assert_string_equal(ws.rule[0], "notes");       /* the file's */
	assert_string_equal(ws.pointer[0], "/at");
	assert_string_equal(ws.column[1], "n");
	assert_string_equal(ws.path[2], "(null)");       /* run-level */
	assert_string_equal(ws.kind[2], WARN_ALL_NULL);
	assert_string_equal(ws.pointer[2], "(null)");
	list_warnings(b, "r1", WARN_ALL_NULL, &ws);
	assert_int_equal(ws.n, 1);
	list_runs(b, &rs);
	assert_int_equal(rs.r[0].warnings, 26);
	memset(&fs, 0, sizeof(fs));
	st = open_st(b, 0, NULL);
	OK(storage_list_files(st, "r1", collect_file, &fs, E));
	OK(storage_revert_run(st, "r1", &removed, &restored, E));
	close_st(st);
	assert_int_equal(fs.n, 1);
	list_warnings(b, "r1", NULL, &ws);
	assert_int_equal(ws.n, 0);
}

/* The ledger as the version before warnings made it. */
static const char old_sqlite_ledger[] =
	"CREATE TABLE wsm_runs("
	" seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,"
	" started_at TEXT, finished_at TEXT, status TEXT NOT NULL,"
	" tree_root TEXT, manifest_sha256 TEXT, tool_version TEXT, tenant TEXT,"
	" files_seen INTEGER, imported INTEGER, unchanged INTEGER,"
	" skipped INTEGER, invalid INTEGER, deleted INTEGER,"
	" rows_written INTEGER, archive_path TEXT, archive_sha256 TEXT,"
	" rolled_back_at TEXT);"
	"CREATE TABLE wsm_files("
	" run_id TEXT NOT NULL, path TEXT NOT NULL, size INTEGER,"
	" mtime_ns INTEGER, mode INTEGER, sha256 TEXT, rule TEXT,"
	" outcome TEXT NOT NULL, error TEXT, rows INTEGER,"
	" PRIMARY KEY(run_id, path));"
	"CREATE TABLE wsm_sources("
	" _path TEXT PRIMARY KEY, rule TEXT, sha256 TEXT, size INTEGER,"
	" mtime_ns INTEGER, _run_id TEXT NOT NULL);"
	"CREATE TABLE wsm_hist_wsm_sources("
	" _path TEXT, rule TEXT, sha256 TEXT, size INTEGER, mtime_ns INTEGER,"
	" _run_id TEXT, _superseded_by TEXT NOT NULL,"
	" _hist_seq INTEGER PRIMARY KEY AUTOINCREMENT);"
	"CREATE TABLE wsm_tables("
	" name TEXT PRIMARY KEY, is_child INTEGER NOT NULL, columns TEXT NOT NULL,"
	" key TEXT NOT NULL, indexes TEXT NOT NULL);"
	"INSERT INTO wsm_runs(id, started_at, finished_at, status, files_seen, imported,"
	" unchanged, skipped, invalid, deleted, rows_written)"
	" VALUES('old', '2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:01.000000Z',"
	" 'committed', 1, 1, 0, 0, 0, 0, 0);"
	"INSERT INTO wsm_files(run_id, path, outcome, rows) VALUES('old', 'x.json', 'imported', 0);";

static const char old_pg_ledger[] =
	"CREATE TABLE wsm_runs ("
	" id text PRIMARY KEY, seq bigint NOT NULL UNIQUE,"
	" started_at timestamptz, finished_at timestamptz, status text NOT NULL,"
	" tree_root text, manifest_sha256 text, tool_version text, tenant text,"
	" files_seen bigint, imported bigint, unchanged bigint, skipped bigint,"
	" invalid bigint, deleted bigint, rows_written bigint,"
	" archive_path text, archive_sha256 text, rolled_back_at timestamptz);"
	"CREATE TABLE wsm_files ("
	" run_id text NOT NULL, path text NOT NULL, size bigint, mtime_ns bigint,"
	" mode bigint, sha256 text, rule text, outcome text NOT NULL, error text,"
	" rows bigint, PRIMARY KEY (run_id, path));"
	"CREATE TABLE wsm_sources ("
	" _path text NOT NULL, rule text, sha256 text, size bigint, mtime_ns bigint,"
	" _run_id text NOT NULL, tenant_id text NOT NULL DEFAULT '',"
	" PRIMARY KEY (tenant_id, _path));"
	"CREATE TABLE wsm_hist_wsm_sources ("
	" _path text, rule text, sha256 text, size bigint, mtime_ns bigint,"
	" _run_id text, tenant_id text NOT NULL DEFAULT '',"
	" _superseded_by text NOT NULL,"
	" _hist_seq bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY);"
	"CREATE TABLE wsm_tables ("
	" name text PRIMARY KEY, is_child boolean NOT NULL, columns jsonb NOT NULL,"
	" key jsonb NOT NULL, indexes jsonb NOT NULL);"
	"INSERT INTO wsm_runs(id, seq, started_at, finished_at, status, files_seen, imported,"
	" unchanged, skipped, invalid, deleted, rows_written)"
	" VALUES('old', 1, '2025-01-01T00:00:00Z', '2025-01-01T00:00:01Z',"
	" 'committed', 1, 1, 0, 0, 0, 0, 0);"
	"INSERT INTO wsm_files(run_id, path, outcome, rows) VALUES('old', 'x.json', 'imported', 0);";

static void a_ledger_of_the_previous_version_is_read_then_upgraded(void **state)
{
	struct be *b = *state;
	struct runs_seen rs;
	struct files_seen fs;
	struct warns_seen ws;
	struct storage *st;
	struct tfile p[2];

	if (b->is_pg) {
		char sql[sizeof(old_pg_ledger) + 100];

		snprintf(sql, sizeof(sql), "SET search_path TO %s; %s", b->schema, old_pg_ledger);
		pg_admin_exec(b, sql);
	} else {
		sqlite3 *db = NULL;

		assert_int_equal(sqlite3_open(b->dbpath, &db), SQLITE_OK);
		assert_int_equal(sqlite3_exec(db, old_sqlite_ledger, NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
	}
	/* read-only calls work on it as it is */
	list_runs(b, &rs);
	assert_int_equal(rs.n, 1);
	assert_string_equal(rs.r[0].id, "old");
	assert_int_equal(rs.r[0].warnings, 0);
	memset(&fs, 0, sizeof(fs));
	st = open_st(b, 0, NULL);
	OK(storage_list_files(st, "old", collect_file, &fs, E));
	close_st(st);
	assert_int_equal(fs.n, 1);
	list_warnings(b, "old", NULL, &ws);
	assert_int_equal(ws.n, 0);
	assert_true(qn(b, "SELECT count(*) FROM wsm_warnings") < 0);   /* not made yet */
	/* a run upgrades it in place, collisions and all */
	person_file(&p[0], "people/a.json", '1', "id-1", "first");
	person_file(&p[1], "people/b.json", '2', "id-1", "second");
	do_run(b, NULL, "new", 2, p, 2, NULL);
	assert_q(b, "SELECT warnings FROM wsm_files WHERE run_id = 'old'", "0");
	assert_q(b, "SELECT rows || ' ' || warnings FROM wsm_files WHERE path = 'people/a.json'",
		 "0 1");
	assert_n(b, "SELECT count(*) FROM wsm_warnings", 1);
	list_runs(b, &rs);
	assert_int_equal(rs.n, 2);
	assert_string_equal(rs.r[0].id, "old");
}

static void run_finish_records_the_counts(void **state)
{
	struct be *b = *state;
	struct tfile f[2];
	struct runs_seen rs;

	note_file(&f[0], "a.json", '1', "a", NULL, NULL);
	note_file(&f[1], "b.json", '2', "b", NULL, NULL);
	do_run(b, NULL, "r1", 1, f, 2, NULL);
	list_runs(b, &rs);
	assert_int_equal(rs.n, 1);
	assert_string_equal(rs.r[0].id, "r1");
	assert_string_equal(rs.r[0].status, "committed");
	assert_int_equal(rs.r[0].files_seen, 2);
	assert_int_equal(rs.r[0].imported, 2);
	assert_string_equal(rs.r[0].tree_root, "/tmp/tree");
	assert_string_equal(rs.r[0].tool_version, "0.1.0");
	assert_true(rs.r[0].seq > 0);
}

struct waiter {
	const struct be *b;
	atomic_int done;
	int rc;
};

static void *begin_in_thread(void *arg)
{
	struct waiter *w = arg;
	struct storage_opts o = { .busy_timeout_ms = 20000 };
	struct storage *st = NULL;
	struct error err;

	w->rc = storage_open(w->b->url, &o, &st, &err);
	if (!w->rc) {
		w->rc = storage_begin(st, &err);
		atomic_store(&w->done, 1);
		if (!w->rc)
			storage_rollback(st, &err);
		storage_close(st);
	}
	atomic_store(&w->done, 1);
	return NULL;
}

static void second_writer_waits_for_the_first(void **state)
{
	struct be *b = *state;
	struct storage *st;
	struct waiter w = { .b = b, .rc = -1 };
	pthread_t th;

	do_run(b, NULL, "r1", 1, NULL, 0, NULL);
	st = open_st(b, 0, NULL);
	OK(storage_begin(st, E));
	OK(storage_ensure_tables(st, defs, N_DEFS, E));
	atomic_init(&w.done, 0);
	assert_int_equal(pthread_create(&th, NULL, begin_in_thread, &w), 0);
	usleep(600 * 1000);
	assert_int_equal(atomic_load(&w.done), 0);
	OK(storage_commit(st, E));
	pthread_join(th, NULL);
	assert_int_equal(w.rc, 0);
	close_st(st);
}

static void second_writer_fails_at_once_with_no_wait(void **state)
{
	struct be *b = *state;
	struct storage *st, *st2;
	struct error err;

	do_run(b, NULL, "r1", 1, NULL, 0, NULL);
	st = open_st(b, 0, NULL);
	OK(storage_begin(st, E));
	st2 = open_st(b, 1, NULL);
	error_clear(&err);
	assert_int_not_equal(storage_begin(st2, &err), 0);
	assert_int_equal(err.code, ERR_IO);
	if (!strstr(err.msg, "holds the lock") || !strstr(err.msg, "pid "))
		fail_msg("unexpected message: %s", err.msg);
	close_st(st2);
	OK(storage_commit(st, E));
	close_st(st);
	/* and once the first is done, it goes through */
	st2 = open_st(b, 1, NULL);
	OK(storage_begin(st2, E));
	OK(storage_rollback(st2, E));
	close_st(st2);
}

static void second_writer_gives_up_after_the_busy_timeout(void **state)
{
	struct be *b = *state;
	struct storage_opts o = { .busy_timeout_ms = 300 };
	struct storage *st, *st2 = NULL;
	struct error err;

	do_run(b, NULL, "r1", 1, NULL, 0, NULL);
	st = open_st(b, 0, NULL);
	OK(storage_begin(st, E));
	error_clear(&err);
	if (storage_open(b->url, &o, &st2, &err))
		fail_msg("open: %s", err.msg);
	track(st2);
	assert_int_equal(storage_begin(st2, &err), ERR_IO);
	if (!strstr(err.msg, "is held by") || !strstr(err.msg, "gave up after 0.3 s"))
		fail_msg("unexpected message: %s", err.msg);
	close_st(st2);
	OK(storage_rollback(st, E));
	close_st(st);
}

struct wait_seen {
	int calls, wait_ms;
	struct lock_holder h;
};

static void note_wait(void *ctx, const char *db, const struct lock_holder *h, int wait_ms)
{
	struct wait_seen *w = ctx;

	(void)db;
	w->calls++;
	w->wait_ms = wait_ms;
	w->h = *h;
}

/* issue 12, defect 12: a writer that has to wait is told who holds the lock */
static void a_waiting_writer_is_told_who_holds_the_lock(void **state)
{
	struct be *b = *state;
	struct wait_seen w = { 0, 0, { "", "", 0, NULL } };
	struct storage_opts o = { .busy_timeout_ms = 300, .on_lock_wait = note_wait,
				  .lock_ctx = &w };
	struct storage *st, *st2 = NULL;
	struct error err;
	char pid[32];

	do_run(b, NULL, "r1", 1, NULL, 0, NULL);
	/* a free lock: no call */
	error_clear(&err);
	if (storage_open(b->url, &o, &st2, &err))
		fail_msg("open: %s", err.msg);
	track(st2);
	OK(storage_begin(st2, E));
	OK(storage_rollback(st2, E));
	close_st(st2);
	assert_int_equal(w.calls, 0);

	st = open_st(b, 0, NULL);
	OK(storage_begin(st, E));
	if (storage_open(b->url, &o, &st2, &err))
		fail_msg("open: %s", err.msg);
	track(st2);
	assert_int_equal(storage_begin(st2, &err), ERR_IO);
	assert_int_equal(w.calls, 1);
	assert_int_equal(w.wait_ms, 300);
	if (!strncmp(b->url, "sqlite", 6)) {
		/* the holder is this very process */
		snprintf(pid, sizeof(pid), "(pid %ld)", (long)getpid());
		if (!strstr(w.h.who, pid) || !w.h.since_is_start)
			fail_msg("holder: '%s' since '%s'", w.h.who, w.h.since);
	} else if (!strstr(w.h.who, "(pid ") || !w.h.since[0] || w.h.since_is_start) {
		fail_msg("holder: '%s' since '%s'", w.h.who, w.h.since);
	}
	if (!strstr(w.h.since, " UTC"))
		fail_msg("since: '%s'", w.h.since);
	close_st(st2);
	OK(storage_rollback(st, E));
	close_st(st);
}

static void a_batch_of_2000_files_is_stored(void **state)
{
	struct be *b = *state;
	enum { N = 2000 };
	struct tfile *t = calloc(N, sizeof(*t));
	struct file_entry *fe = calloc(N, sizeof(*fe));
	struct batch bt = { .files = fe, .n_files = N };
	struct storage *st;
	struct run_info run;
	char p[64];
	int i;

	assert_non_null(t);
	assert_non_null(fe);
	for (i = 0; i < N; i++) {
		snprintf(p, sizeof(p), "bulk/%04d.json", i);
		note_file(&t[i], p, 'a' + i % 6, p, "{\"i\": 1}", NULL);
		fe[i] = t[i].f;
	}
	st = open_st(b, 0, NULL);
	fill_run(&run, "r1", 1);
	OK(storage_begin(st, E));
	OK(storage_ensure_tables(st, defs, N_DEFS, E));
	OK(storage_run_start(st, &run, E));
	OK(storage_put_batch(st, &bt, E));
	OK(storage_run_finish(st, &run, E));
	OK(storage_commit(st, E));
	close_st(st);
	free(t);
	free(fe);
	assert_n(b, "SELECT count(*) FROM \"notes\"", N);
	assert_n(b, "SELECT count(*) FROM \"tags\"", 2 * N);
	assert_n(b, "SELECT count(*) FROM wsm_files", N);
	assert_n(b, "SELECT count(*) FROM wsm_sources", N);
}

/*
 * The storer (storer.h) stores batches on its own thread while this thread
 * looks sources up on the same handle: the one concurrent use storage.h
 * allows.  Second run: paths stored in the first are found (committed),
 * the ones being stored now are not mixed up with them.
 */
static void lookups_run_beside_a_batch_on_the_storer_thread(void **state)
{
	struct be *b = *state;
	enum { N = 1500, NB = 3, K = 64 };
	struct tfile *t = calloc(N * NB, sizeof(*t));
	struct file_entry *fe = calloc(N * NB, sizeof(*fe));
	const char *paths[K];
	struct source_state out[K];
	int found[K], pass, i, k, lookups = 0;
	char p[64];

	assert_non_null(t);
	assert_non_null(fe);
	for (i = 0; i < N * NB; i++) {
		snprintf(p, sizeof(p), "bulk/%05d.json", i);
		note_file(&t[i], p, 'a' + i % 6, p, "{\"i\": 1}", NULL);
		fe[i] = t[i].f;
	}
	for (pass = 0; pass < 2; pass++) {
		struct storage *st = open_st(b, 0, NULL);
		struct storer *sr;
		struct run_info run;
		int first = pass * (N * NB / 2);   /* run 2 stores the second half again */

		fill_run(&run, pass ? "r2" : "r1", pass + 1);
		OK(storage_begin(st, E));
		OK(storage_ensure_tables(st, defs, N_DEFS, E));
		OK(storage_run_start(st, &run, E));
		OK(storer_start(st, &sr, E));
		for (i = 0; i < NB; i++) {
			struct batch bt = { .files = fe + (size_t)i * N, .n_files = N };

			if (!pass || i * N >= first)
				OK(storer_put(sr, &bt, E));
			/* while it stores: look up paths of the first half */
			for (k = 0; k < K; k++)
				paths[k] = t[(i * K + k) % (N * NB / 2)].path;
			OK(storage_source_lookup_many(st, paths, K, out, found, E));
			lookups++;
			for (k = 0; k < K; k++) {
				if (pass) {
					assert_int_equal(found[k], 1);
					assert_int_equal(out[k].sha256[0], t[(i * K + k) % (N * NB / 2)].sha[0]);
				} else if (found[k]) {
					/* run 1 may see its own writes, never anything else */
					assert_string_equal(out[k].run_id, "r1");
				}
			}
		}
		OK(storer_wait(sr, E));
		assert_true(storer_busy_s(sr) >= 0);
		storer_stop(sr);
		OK(storage_run_finish(st, &run, E));
		OK(storage_commit(st, E));
		close_st(st);
	}
	assert_int_equal(lookups, 2 * NB);
	free(t);
	free(fe);
	assert_n(b, "SELECT count(*) FROM \"notes\"", N * NB);
	assert_n(b, "SELECT count(*) FROM wsm_sources", N * NB);
	assert_n(b, "SELECT count(*) FROM wsm_files WHERE run_id = 'r1'", N * NB);
}

/*
 * A batch that fails on the storer thread: the next storer_put says why
 * (and does not take its batch), so does storer_wait, and the run rolls
 * back with nothing of it left.
 */
static void storer_reports_a_failed_batch_at_the_next_call(void **state)
{
	struct be *b = *state;
	struct tfile good, bad, later;
	struct file_entry fe[1];
	struct batch bt = { .files = fe, .n_files = 1 };
	struct storage *st = open_st(b, 0, NULL);
	struct storer *sr;
	struct run_info run;
	struct error e1, e2;

	note_file(&good, "a.json", '1', "a", NULL, NULL);
	note_file(&bad, "b.json", '2', "b", NULL, "{\"not\": json}");
	note_file(&later, "c.json", '3', "c", NULL, NULL);
	fill_run(&run, "r1", 1);
	OK(storage_begin(st, E));
	OK(storage_ensure_tables(st, defs, N_DEFS, E));
	OK(storage_run_start(st, &run, E));
	OK(storer_start(st, &sr, E));
	fe[0] = good.f;
	OK(storer_put(sr, &bt, E));
	OK(storer_wait(sr, E));     /* fe may be reused once the wait is over */
	fe[0] = bad.f;
	OK(storer_put(sr, &bt, E));
	assert_int_not_equal(storer_wait(sr, NULL), 0);   /* it failed */
	fe[0] = later.f;
	memset(&e1, 0, sizeof(e1));
	memset(&e2, 0, sizeof(e2));
	assert_int_not_equal(storer_put(sr, &bt, &e1), 0);
	assert_true(strstr(e1.msg, "b.json") != NULL || strstr(e1.path, "b.json") != NULL);
	assert_int_not_equal(storer_wait(sr, &e2), 0);
	assert_string_equal(e1.msg, e2.msg);
	storer_stop(sr);
	OK(storage_rollback(st, E));
	close_st(st);
	/* nothing left: not even the tables the run made (-1: no such table) */
	assert_true(qn(b, "SELECT count(*) FROM wsm_runs") <= 0);
	assert_true(qn(b, "SELECT count(*) FROM \"notes\"") <= 0);
}

/* ------------------------------------------------------------ PostgreSQL only */
#ifndef WSM_NO_PG

static void pg_connection_error_names_the_server_and_masks_the_password(void **state)
{
	struct be *b = *state;
	static const char *const urls[] = {
		"postgresql://someone:TopSecret99@127.0.0.1:1/nodb?connect_timeout=3",
		"host=127.0.0.1 port=1 dbname=nodb user=someone password=TopSecret99 connect_timeout=3",
		"host=127.0.0.1 port=1 dbname=nodb user=someone password='TopSecret99' connect_timeout=3",
	};
	const char *pw = getenv("WSM_TEST_PG_PW_URL");
	struct storage *st = NULL;
	struct error err;
	size_t i;

	(void)b;
	for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		error_clear(&err);
		assert_int_equal(storage_open(urls[i], NULL, &st, &err), ERR_IO);
		assert_null(st);
		if (strstr(err.msg, "TopSecret99") || !strstr(err.msg, "127.0.0.1") ||
		    !strstr(err.msg, "nodb") || !strstr(err.msg, "port 1") || strchr(err.msg, '\n'))
			fail_msg("bad connection error: %s", err.msg);
	}
	if (pw && strstr(pw, "wsm-secret-pw")) {
		char bad[1024], *at;
		const char *mark = "wsm-secret-pw";

		/* a wrong password: refused, and not echoed */
		snprintf(bad, sizeof(bad), "%s", pw);
		at = strstr(bad, mark);
		memcpy(at, "WRONGSECRETPW", strlen(mark));
		error_clear(&err);
		assert_int_equal(storage_open(bad, NULL, &st, &err), ERR_IO);
		if (strstr(err.msg, "WRONGSECRETPW") || !strstr(err.msg, "password"))
			fail_msg("bad auth error: %s", err.msg);
		/* the right one: connected, and masked in url_masked */
		error_clear(&err);
		if (storage_open(pw, NULL, &st, &err))
			fail_msg("cannot open %s: %s", pw, err.msg);
		track(st);
		assert_null(strstr(st->url_masked, mark));
		assert_non_null(strstr(st->url_masked, "***"));
		close_st(st);
	} else {
		print_message("note: WSM_TEST_PG_PW_URL not set, password-auth part skipped\n");
	}
}

static void pg_rls_isolates_tenants(void **state)
{
	struct be *b = *state;
	struct tfile a, c;
	struct source_state ss;
	char sql[512];
	PGconn *conn;
	PGresult *r;
	int t;

	note_file(&a, "a.json", '1', "acme note", NULL, NULL);
	do_run(b, "acme", "r-acme", 1, &a, 1, NULL);
	note_file(&c, "a.json", '2', "globex note", NULL, NULL);
	do_run(b, "globex", "r-globex", 2, &c, 1, NULL);
	/* same path, two tenants: two rows, two source states */
	assert_n(b, "SELECT count(*) FROM \"notes\"", 2);
	assert_true(lookup(b, "acme", "a.json", &ss));
	assert_int_equal(ss.sha256[0], '1');
	assert_true(lookup(b, "globex", "a.json", &ss));
	assert_int_equal(ss.sha256[0], '2');

	/*
	 * A non-owner role bound to acme in wsm_tenant_roles, with every table
	 * privilege: row-level security alone keeps it out of globex's rows,
	 * runs, files and sources, whatever it sets in its session.
	 */
	pg_admin_exec(b, "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles"
			 " WHERE rolname = 'wsm_acme') THEN CREATE ROLE wsm_acme; END IF; END $$");
	snprintf(sql, sizeof(sql), "GRANT USAGE ON SCHEMA %s TO wsm_acme;"
		 " GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %s TO wsm_acme;"
		 " INSERT INTO %s.wsm_tenant_roles VALUES ('wsm_acme', 'acme')",
		 b->schema, b->schema, b->schema);
	pg_admin_exec(b, sql);
	conn = PQconnectdb(b->url);
	assert_int_equal(PQstatus(conn), CONNECTION_OK);
	PQclear(PQexec(conn, "SET ROLE wsm_acme"));
	for (t = 0; t < 2; t++) {
		static const char *const set[] = { "SELECT 1", "SET app.tenant_id = 'globex'" };
		static const char *const reads[][2] = {
			{ "SELECT string_agg(\"title\", ',') FROM \"notes\"", "acme note" },
			{ "SELECT count(*) FROM \"tags\"", "2" },
			{ "SELECT string_agg(id, ',') FROM wsm_runs", "r-acme" },
			{ "SELECT count(*) FROM wsm_files", "1" },
			{ "SELECT string_agg(tenant_id, ',') FROM wsm_sources", "acme" },
			{ "SELECT count(*) FROM wsm_tenant_roles", "1" },
			/* writes to globex's rows find nothing to write */
			{ "WITH x AS (UPDATE \"notes\" SET \"title\" = 'x' WHERE tenant_id = 'globex'"
			  " RETURNING 1) SELECT count(*) FROM x", "0" },
			{ "WITH x AS (DELETE FROM wsm_sources WHERE tenant_id = 'globex'"
			  " RETURNING 1) SELECT count(*) FROM x", "0" },
			{ "WITH x AS (UPDATE wsm_runs SET tree_root = '/evil' WHERE id = 'r-globex'"
			  " RETURNING 1) SELECT count(*) FROM x", "0" },
		};
		size_t k;

		PQclear(PQexec(conn, set[t]));
		for (k = 0; k < sizeof(reads) / sizeof(reads[0]); k++) {
			r = PQexec(conn, reads[k][0]);
			if (PQresultStatus(r) != PGRES_TUPLES_OK)
				fail_msg("%s as wsm_acme: %s", reads[k][0], PQerrorMessage(conn));
			if (strcmp(PQgetvalue(r, 0, 0), reads[k][1]) != 0)
				fail_msg("%s as wsm_acme: got <%s>, want <%s>", reads[k][0],
					 PQgetvalue(r, 0, 0), reads[k][1]);
			PQclear(r);
		}
	}
	/* rows of another tenant cannot be written, nor bindings made */
	{
		static const char *const refused[] = {
			"INSERT INTO wsm_sources (_path, _run_id, tenant_id, _source)"
			" VALUES ('x.json', 'r-acme', 'globex', '/tmp/tree')",
			"UPDATE \"notes\" SET tenant_id = 'globex'",
			"INSERT INTO wsm_tenant_roles VALUES ('wsm_acme', 'globex')",
			"INSERT INTO wsm_tables VALUES ('evil', false, '[]', '[]', '[]')",
		};
		size_t k;

		for (k = 0; k < sizeof(refused) / sizeof(refused[0]); k++) {
			r = PQexec(conn, refused[k]);
			if (PQresultStatus(r) == PGRES_COMMAND_OK)
				fail_msg("%s as wsm_acme: not refused", refused[k]);
			PQclear(r);
		}
	}
	PQfinish(conn);
	assert_n(b, "SELECT count(*) FROM \"notes\" WHERE \"title\" = 'globex note'", 1);
	assert_n(b, "SELECT count(*) FROM wsm_runs WHERE tree_root = '/tmp/tree'", 2);
	snprintf(sql, sizeof(sql), "DELETE FROM %s.wsm_tenant_roles;"
		 " REVOKE ALL ON ALL TABLES IN SCHEMA %s FROM wsm_acme;"
		 " REVOKE ALL ON SCHEMA %s FROM wsm_acme", b->schema, b->schema, b->schema);
	pg_admin_exec(b, sql);
}

static void pg_advisory_lock_is_held_during_a_run(void **state)
{
	struct be *b = *state;
	struct storage *st = open_st(b, 0, NULL);
	static const char *const held =
		"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted";

	assert_n(b, held, 0);
	OK(storage_begin(st, E));
	/* the database lock shared, the source's exclusive */
	assert_n(b, held, 2);
	assert_q(b, "SELECT pg_try_advisory_xact_lock(8607477376316252532)", "f");
	OK(storage_rollback(st, E));
	assert_n(b, held, 0);
	close_st(st);
}

/* A handle of another source, or of none (promote, rollback). */
static struct storage *open_src(const struct be *b, const char *source)
{
	struct storage_opts o = { .no_wait = 1, .source = source };

	return open_opts(b, &o);
}

/*
 * Runs of two sources hold their locks at the same time; a second run of
 * one source, and a writer of no source, are refused with --no-wait.
 */
static void pg_two_sources_write_at_once(void **state)
{
	struct be *b = *state;
	struct storage *a = open_st(b, 0, NULL), *o, *same, *all;
	struct run_info run;
	struct error err;

	do_run(b, NULL, "r1", 1, NULL, 0, NULL);
	OK(storage_begin(a, E));
	o = open_src(b, "/tmp/other");
	OK(storage_begin(o, E));
	OK(storage_ensure_tables(o, defs, N_DEFS, E));
	fill_run(&run, "r2", 2);
	snprintf(run.source, sizeof(run.source), "/tmp/other");
	OK(storage_run_start(o, &run, E));
	same = open_src(b, "/tmp/tree");
	error_clear(&err);
	assert_int_equal(storage_begin(same, &err), ERR_IO);
	if (!strstr(err.msg, "of source '/tmp/tree'"))
		fail_msg("unexpected message: %s", err.msg);
	all = open_src(b, NULL);
	error_clear(&err);
	assert_int_equal(storage_begin(all, &err), ERR_IO);
	OK(storage_commit(o, E));
	OK(storage_rollback(a, E));
	assert_q(b, "SELECT source FROM wsm_runs WHERE id = 'r2'", "/tmp/other");
	close_st(same);
	close_st(all);
	close_st(o);
	close_st(a);
}

static void pg_jsonb_error_names_the_file(void **state)
{
	struct be *b = *state;
	struct tfile f[2];
	struct file_entry fe[2];
	struct batch bt = { .files = fe, .n_files = 2 };
	struct storage *st = open_st(b, 0, NULL);
	struct run_info run;
	struct error err;

	note_file(&f[0], "good.json", '1', "ok", NULL, NULL);
	note_file(&f[1], "bad.json", '2', "bad", NULL, "{\"a\": \"\\u0000\"}");
	fe[0] = f[0].f;
	fe[1] = f[1].f;
	fill_run(&run, "r1", 1);
	OK(storage_begin(st, E));
	OK(storage_ensure_tables(st, defs, N_DEFS, E));
	OK(storage_run_start(st, &run, E));
	error_clear(&err);
	assert_int_equal(storage_put_batch(st, &bt, &err), ERR_IO);
	if (strcmp(err.path, "bad.json") != 0 || !strstr(err.msg, "_doc") ||
	    !strstr(err.msg, "notes"))
		fail_msg("unclear jsonb error: path <%s> msg <%s>", err.path, err.msg);
	close_st(st);
}

static void pg_promote_copies_sqlite_and_revert_still_works(void **state)
{
	struct be *b = *state;
	struct be src = { 0 };
	struct tfile f[2];
	struct promote_opts po = { 0 };
	struct promote_report rep;
	struct error err;
	struct storage *st;
	struct runs_seen rs;
	int64_t removed, restored;
	size_t i;
	void *sst = &src;

	/* an SQLite database with two runs, a replaced row and odd JSON */
	setup_test(&sst);
	note_file(&f[0], "a.json", '1', "v1", "{\"z\": 1.50, \"a\": [1E+2, \"\\u00e9\"]}",
		  "{ \"b\" : 12345678901234567890 ,\n \"a\": \"\\ud83c\\udf0d \\n\" }");
	note_file(&f[1], "p\xc3\xa9.json", '2', "tab\there", NULL, NULL);
	do_run(&src, NULL, "r1", 1, f, 2, NULL);
	note_file(&f[0], "a.json", '3', "v2", NULL, NULL);
	do_run(&src, NULL, "r2", 2, f, 1, NULL);

	error_clear(&err);
	if (promote_run(src.url, b->url, &po, &rep, &err))
		fail_msg("promote: %s", err.msg);
	assert_true(rep.committed);
	for (i = 0; i < rep.n; i++)
		if (!rep.tables[i].ok || rep.tables[i].rows != rep.tables[i].target_rows)
			fail_msg("table %s did not verify", rep.tables[i].name);
	promote_report_release(&rep);
	assert_n(b, "SELECT count(*) FROM \"notes\"", 2);
	assert_n(b, "SELECT count(*) FROM \"wsm_hist_notes\"", 1);
	assert_q(b, "SELECT \"_doc\"->>'b' FROM \"wsm_hist_notes\"", "12345678901234567890");
	assert_q(b, "SELECT \"title\" FROM \"notes\" WHERE \"_path\" = 'p\xc3\xa9.json'", "tab\there");

	/* a second promote is refused: the target has rows (a state error,
	 * exit 3, with a hint) */
	error_clear(&err);
	assert_int_equal(promote_run(src.url, b->url, &po, &rep, &err), ERR_IO);
	promote_report_release(&rep);
	assert_non_null(strstr(err.msg, "is not empty"));
	assert_non_null(strstr(err.hint, "--force"));
	po.force = 1;
	OK(promote_run(src.url, b->url, &po, &rep, E));
	promote_report_release(&rep);

	/* the ledger and history came along: the last run can be undone */
	st = open_st(b, 0, NULL);
	OK(storage_revert_run(st, "r2", &removed, &restored, E));
	close_st(st);
	assert_int_equal(restored, 3);
	assert_q(b, "SELECT \"title\" FROM \"notes\" WHERE \"_path\" = 'a.json'", "v1");
	list_runs(b, &rs);
	assert_int_equal(rs.n, 2);
	assert_string_equal(rs.r[1].status, "rolled_back");
	assert_string_equal(rs.r[0].started_at, "2026-11-21T17:45:01.123456Z");
	/* and a new run goes on from there */
	note_file(&f[0], "a.json", '4', "v3", NULL, NULL);
	do_run(b, NULL, "r3", 3, f, 1, NULL);
	assert_n(b, "SELECT count(*) FROM \"wsm_hist_notes\" WHERE \"_superseded_by\" = 'r3'", 1);
	teardown_test(&sst);
}

/*
 * A timestamp that an older version (or a hand) left in SQLite as text
 * PostgreSQL reads with an offset, a short offset or none (UTC in the
 * backend's session) arrives as that instant, and verifies.
 */
static void pg_promote_verifies_timestamps_written_with_any_offset(void **state)
{
	struct be *b = *state;
	struct be src = { 0 };
	struct tfile f[3];
	struct promote_opts po = { 0 };
	struct promote_report rep;
	size_t i;
	void *sst = &src;

	setup_test(&sst);
	note_file(&f[0], "a.json", '1', "a", NULL, NULL);
	f[0].nv[4] = text("2026-01-02 05:04:05.678901+02:00");
	note_file(&f[1], "b.json", '2', "b", NULL, NULL);
	f[1].nv[4] = text("2026-01-02T03:04:05.678901+00");
	note_file(&f[2], "c.json", '3', "c", NULL, NULL);
	f[2].nv[4] = text("2026-01-02 03:04:05.678901");
	do_run(&src, NULL, "r1", 1, f, 3, NULL);

	OK(promote_run(src.url, b->url, &po, &rep, E));
	assert_true(rep.committed);
	for (i = 0; i < rep.n; i++)
		if (!rep.tables[i].ok)
			fail_msg("table %s did not verify", rep.tables[i].name);
	promote_report_release(&rep);
	assert_n(b, "SELECT count(*) FROM \"notes\" WHERE \"at\" = '2026-01-02T03:04:05.678901Z'", 3);
	teardown_test(&sst);
}

#endif /* WSM_NO_PG */

/* ------------------------------------------------------------ main */

#define COMMON_TESTS                                                          \
	cmocka_unit_test_setup_teardown(ensure_tables_is_idempotent, setup_test, teardown_test), \
	cmocka_unit_test_setup_teardown(ensure_tables_adds_the_columns_a_manifest_gained, setup_test, teardown_test), \
	cmocka_unit_test_setup_teardown(imported_rows_are_visible_after_commit_not_before, setup_test, teardown_test), \
	cmocka_unit_test_setup_teardown(rollback_leaves_nothing, setup_test, teardown_test), \
	cmocka_unit_test_setup_teardown(closing_an_open_run_rolls_it_back, setup_test, teardown_test), \
	cmocka_unit_test_setup_teardown(unchanged_file_writes_only_the_ledger, setup_test, teardown_test), \
	cmocka_unit_test_setup_teardown(unchanged_file_with_new_mtime_refreshes_the_source, setup_test, teardown_test), \
	cmocka_unit_test_setup_teardown(changed_file_moves_old_row_to_history, setup_test, teardown_test), \
	cmocka_unit_test_setup_teardown(key_upsert_replaces_a_row_with_the_same_key_from_another_path, setup_test, teardown_test), \
	cmocka_unit_test_setup_teardown(same_key_twice_in_one_batch_keeps_the_last, setup_test, teardown_test), \
	cmocka_unit_test_setup_teardown(same_key_twice_in_one_run_warns_on_the_loser, setup_test, teardown_test), \
	cmocka_unit_test_setup_teardown(same_key_in_two_batches_of_one_run_warns_and_reverts, setup_test, teardown_test), \
	cmocka_unit_test_setup_teardown(warnings_are_kept_counted_listed_and_reverted, setup_test, teardown_test), \
	cmocka_unit_test_setup_teardown(a_ledger_of_the_previous_version_is_read_then_upgraded, setup_test, teardown_test), \
	cmocka_unit_test_setup_teardown(revert_run_restores_the_previous_rows_and_the_sources, setup_test, teardown_test), \
	cmocka_unit_test_setup_teardown(revert_refuses_when_a_later_run_exists, setup_test, teardown_test), \
	cmocka_unit_test_setup_teardown(revert_of_an_unknown_run_is_a_usage_error, setup_test, teardown_test), \
	cmocka_unit_test_setup_teardown(missing_sources_lists_deleted_paths, setup_test, teardown_test), \
	cmocka_unit_test_setup_teardown(prune_moves_rows_to_history_and_revert_brings_them_back, setup_test, teardown_test), \
	cmocka_unit_test_setup_teardown(big_integers_survive_exactly, setup_test, teardown_test), \
	cmocka_unit_test_setup_teardown(unicode_and_emoji_round_trip, setup_test, teardown_test), \
	cmocka_unit_test_setup_teardown(timestamps_come_back_canonical, setup_test, teardown_test), \
	cmocka_unit_test_setup_teardown(run_finish_records_the_counts, setup_test, teardown_test), \
	cmocka_unit_test_setup_teardown(second_writer_waits_for_the_first, setup_test, teardown_test), \
	cmocka_unit_test_setup_teardown(second_writer_fails_at_once_with_no_wait, setup_test, teardown_test), \
	cmocka_unit_test_setup_teardown(second_writer_gives_up_after_the_busy_timeout, setup_test, teardown_test), \
	cmocka_unit_test_setup_teardown(a_waiting_writer_is_told_who_holds_the_lock, setup_test, teardown_test), \
	cmocka_unit_test_setup_teardown(a_batch_of_2000_files_is_stored, setup_test, teardown_test), \
	cmocka_unit_test_setup_teardown(lookups_run_beside_a_batch_on_the_storer_thread, setup_test, teardown_test), \
	cmocka_unit_test_setup_teardown(storer_reports_a_failed_batch_at_the_next_call, setup_test, teardown_test)

static int group_sqlite(void **state)
{
	*state = &sqlite_be;
	return 0;
}

static int group_pg(void **state)
{
	*state = &pg_be;
	return 0;
}

int main(void)
{
	const struct CMUnitTest sqlite_tests[] = { COMMON_TESTS };
#ifndef WSM_NO_PG
	const struct CMUnitTest pg_tests[] = {
		COMMON_TESTS,
		cmocka_unit_test_setup_teardown(pg_connection_error_names_the_server_and_masks_the_password, setup_test, teardown_test),
		cmocka_unit_test_setup_teardown(pg_rls_isolates_tenants, setup_test, teardown_test),
		cmocka_unit_test_setup_teardown(pg_advisory_lock_is_held_during_a_run, setup_test, teardown_test),
		cmocka_unit_test_setup_teardown(pg_two_sources_write_at_once, setup_test, teardown_test),
		cmocka_unit_test_setup_teardown(pg_jsonb_error_names_the_file, setup_test, teardown_test),
		cmocka_unit_test_setup_teardown(pg_promote_copies_sqlite_and_revert_still_works, setup_test, teardown_test),
		cmocka_unit_test_setup_teardown(pg_promote_verifies_timestamps_written_with_any_offset, setup_test, teardown_test),
	};
#endif
	const char *pg = getenv("WSM_TEST_PG_URL");
	const char *only = getenv("WSM_TEST_BACKEND");   /* "sqlite" or "postgres" */
	int failed = 0;

	/* say what is skipped first: cmocka's own output is not buffered */
#ifdef WSM_NO_PG
	(void)pg;
	(void)group_pg;
	printf("SKIP: PostgreSQL tests (built with WITH_PG=0)\n");
#else
	if (!pg || !*pg)
		printf("SKIP: PostgreSQL tests (WSM_TEST_PG_URL not set)\n");
#endif
	fflush(stdout);
	if (!only || strcmp(only, "sqlite") == 0)
		failed += cmocka_run_group_tests_name("storage/sqlite", sqlite_tests,
						      group_sqlite, NULL);
#ifndef WSM_NO_PG
	if (pg && *pg && (!only || strcmp(only, "postgres") == 0)) {
		snprintf(pg_be.base, sizeof(pg_be.base), "%s", pg);
		failed += cmocka_run_group_tests_name("storage/postgres", pg_tests,
						      group_pg, NULL);
	}
#endif
	return failed ? 1 : 0;
}
