/*
 * storage/sqlite_read.c - the SQLite backend read from outside a run: a
 * read-only snapshot of a database made by wsmigrate, its definitions,
 * columns and rows, for promote (see internal.h).  It writes nothing.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How long the snapshot waits for a writer of the file to finish. */
#define SNAPSHOT_BUSY_MS 60000

struct sqlite_scan {
	struct sqlite_storage *s;
	sqlite3_stmt *q;
};

static struct sqlite_storage *snap(struct storage *src)
{
	return storage_downcast(src, &storage_sqlite_ops);
}

static int read_fail(struct sqlite_storage *s, struct error *err, const char *what)
{
	return error_set(err, ERR_IO, "%s: %s", what, sqlite3_errmsg(s->db));
}

int sqlite_open_snapshot(const char *path, struct storage **out,
			 struct error *err)
{
	struct sqlite_storage *s;
	int rc;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return error_set(err, ERR_IO, "out of memory");
	s->base.ops = &storage_sqlite_ops;
	snprintf(s->path, sizeof(s->path), "%s", path);
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		rc = error_set(err, ERR_USAGE, "cannot open SQLite database '%s': %s", path,
			       s->db ? sqlite3_errmsg(s->db) : "out of memory");
		storage_close(&s->base);
		return rc;
	}
	sqlite3_busy_timeout(s->db, SNAPSHOT_BUSY_MS);
	/* one read transaction: every table comes from the same snapshot */
	if (sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		rc = read_fail(s, err, "read the source");
		storage_close(&s->base);
		return rc;
	}
	s->in_tx = 1;
	*out = &s->base;
	return 0;
}

int sqlite_has_table(struct storage *src, const char *name)
{
	return sqlite_table_exists(snap(src), name, NULL) == 1;
}

int sqlite_read_defs(struct storage *src, struct table_defs *ds,
		     struct error *err)
{
	struct sqlite_storage *s = snap(src);
	sqlite3_stmt *q = NULL;
	int rc = 0, step = SQLITE_DONE;

	if (sqlite3_prepare_v2(s->db, "SELECT name, is_child, columns, key, indexes"
			       " FROM wsm_tables ORDER BY name", -1, &q, NULL) != SQLITE_OK)
		return read_fail(s, err, "read wsm_tables");
	while (!rc && (step = sqlite3_step(q)) == SQLITE_ROW)
		rc = table_defs_add(ds, (const char *)sqlite3_column_text(q, 0),
				    sqlite3_column_int(q, 1) != 0,
				    (const char *)sqlite3_column_text(q, 2),
				    (const char *)sqlite3_column_text(q, 3),
				    (const char *)sqlite3_column_text(q, 4), err);
	if (!rc && step != SQLITE_DONE)
		rc = read_fail(s, err, "read wsm_tables");
	sqlite3_finalize(q);
	return rc;
}

int sqlite_columns_of(struct storage *src, const char *table,
		      int (*cb)(void *ctx, const char *name), void *ctx,
		      struct error *err)
{
	return sqlite_columns(snap(src), table, cb, ctx, err);
}

int64_t sqlite_count_rows(struct storage *src, const char *table)
{
	struct sqlite_storage *s = snap(src);
	struct strbuf sql = STRBUF_INIT;
	sqlite3_stmt *q = NULL;
	int64_t n = -1;

	strbuf_addstr(&sql, "SELECT count(*) FROM ");
	strbuf_add_ident(&sql, table);
	if (!sql.failed && sqlite3_prepare_v2(s->db, sql.buf, -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	strbuf_release(&sql);
	return n;
}

int sqlite_scan_start(struct storage *src, const char *table,
		      const char *const *cols, size_t n, struct sqlite_scan **out,
		      struct error *err)
{
	struct sqlite_storage *s = snap(src);
	struct strbuf sel = STRBUF_INIT;
	struct sqlite_scan *sc;
	size_t i;
	int rc = 0;

	*out = NULL;
	strbuf_addstr(&sel, "SELECT ");
	for (i = 0; i < n; i++) {
		if (i)
			strbuf_addstr(&sel, ", ");
		strbuf_add_ident(&sel, cols[i]);
	}
	strbuf_addstr(&sel, " FROM ");
	strbuf_add_ident(&sel, table);
	sc = calloc(1, sizeof(*sc));
	if (sel.failed || !sc) {
		rc = error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	sc->s = s;
	if (sqlite3_prepare_v2(s->db, sel.buf, -1, &sc->q, NULL) != SQLITE_OK) {
		rc = read_fail(s, err, "read the source");
		goto out;
	}
	*out = sc;
	sc = NULL;
out:
	sqlite_scan_end(sc);
	strbuf_release(&sel);
	return rc;
}

int sqlite_scan_next(struct sqlite_scan *sc, struct error *err)
{
	int step = sqlite3_step(sc->q);

	if (step == SQLITE_ROW)
		return 1;
	if (step == SQLITE_DONE)
		return 0;
	return read_fail(sc->s, err, "read the source");
}

enum sqlite_class sqlite_scan_class(const struct sqlite_scan *sc, size_t i)
{
	switch (sqlite3_column_type(sc->q, (int)i)) {
	case SQLITE_NULL: return SQ_NULL;
	case SQLITE_INTEGER: return SQ_INTEGER;
	case SQLITE_FLOAT: return SQ_FLOAT;
	case SQLITE_BLOB: return SQ_BLOB;
	default: return SQ_TEXT;
	}
}

int64_t sqlite_scan_int(const struct sqlite_scan *sc, size_t i)
{
	return sqlite3_column_int64(sc->q, (int)i);
}

double sqlite_scan_double(const struct sqlite_scan *sc, size_t i)
{
	return sqlite3_column_double(sc->q, (int)i);
}

const char *sqlite_scan_text(const struct sqlite_scan *sc, size_t i, size_t *len)
{
	const char *t = (const char *)sqlite3_column_text(sc->q, (int)i);

	*len = t ? (size_t)sqlite3_column_bytes(sc->q, (int)i) : 0;
	return t ? t : "";
}

void sqlite_scan_end(struct sqlite_scan *sc)
{
	if (!sc)
		return;
	sqlite3_finalize(sc->q);
	free(sc);
}
