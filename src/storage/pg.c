/*
 * storage/pg.c - the PostgreSQL storage backend (libpq): its ops, runs and
 * lookups, and put_batch.  Rows travel by COPY into pg_temp staging tables
 * and are merged with set-based SQL inside the run's transaction; a run
 * holds a transaction-level advisory lock.  It never prints: notices are
 * swallowed, errors go to err.  The connection and transactions are in
 * pg_conn.c, the COPY layer in pg_copy.c, the tables in pg_ddl.c, prune
 * and revert in pg_revert.c.
 */
#include "internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Append "alias." + quoted ident, e.g. t."col" (no alias: just the ident). */
static void sb_col(struct strbuf *sb, const char *alias, const char *name)
{
	if (alias) {
		strbuf_addstr(sb, alias);
		strbuf_addstr(sb, ".");
	}
	strbuf_add_ident(sb, name);
}

/* Append a NUL-terminated string (or NULL) as a COPY text field. */
static void sb_copy_str(struct strbuf *sb, const char *s)
{
	strbuf_add_copy_field(sb, s, s ? strlen(s) : 0);
}

/* A file name as a COPY text field: as PostgreSQL text (pg_path.c). */
static void sb_copy_path(struct strbuf *sb, const char *path)
{
	struct strbuf e = STRBUF_INIT;

	sb_copy_str(sb, pg_path_enc(&e, path));
	strbuf_release(&e);
}

/* The columns of a data table: system ones (_source among them), declared
 * ones, tenant_id. */
static void sb_cols(struct strbuf *sb, const struct table_def *d, int has_tenant,
		    const char *alias)
{
	size_t i;

	sb_col(sb, alias, "_path");
	strbuf_addstr(sb, ", ");
	sb_col(sb, alias, "_sha256");
	strbuf_addstr(sb, ", ");
	sb_col(sb, alias, "_run_id");
	strbuf_addstr(sb, ", ");
	sb_col(sb, alias, "_source");
	if (!d->is_child) {
		strbuf_addstr(sb, ", ");
		sb_col(sb, alias, "_doc");
		strbuf_addstr(sb, ", ");
		sb_col(sb, alias, "_doc_text");
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
	const char *params[10];
	PGresult *res;

	if (pg_need_tx(ps, "run_start", err))
		return ERR_USAGE;
	if (!run->id[0])
		return error_set(err, ERR_USAGE, "run_start: the run has no id");
	if (pg_ensure_ledger(ps, err))
		return ERR_IO;
	params[0] = run->id;
	params[1] = opt(run->started_at);
	params[2] = run->tree_root;
	params[3] = opt(run->manifest_sha256);
	params[4] = opt(run->tool_version);
	params[5] = opt(*ps->tenant ? ps->tenant : run->tenant);
	params[6] = opt(run->archive_path);
	params[7] = opt(run->archive_sha256);
	/* the run's source: the run's, else the handle's, else its tree */
	if (run->source[0] || !ps->source[0])
		snprintf(ps->source, sizeof(ps->source), "%s",
			 run->source[0] ? run->source : run->tree_root);
	params[8] = ps->source;
	params[9] = opt(run->host);
	/* a tenant's run: the role must be bound to the tenant (row-level
	 * security would refuse its rows anyway; say why, at once) */
	if (*ps->tenant) {
		if (pg_exec(ps, "SELECT EXISTS (SELECT 1 FROM wsm_tenant_roles WHERE role_name ="
			    " current_user AND tenant_id = $1) OR (SELECT rolsuper OR rolbypassrls"
			    " FROM pg_roles WHERE rolname = current_user), current_user,"
			    " (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user)",
			    1, (const char *[]){ ps->tenant }, &res, err, "record the run"))
			return ERR_IO;
		ps->rls = strcmp(PQgetvalue(res, 0, 2), "t") != 0;
		if (strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
			error_set(err, ERR_USAGE, "role '%s' is not bound to tenant '%s': a DBA binds"
				  " it in wsm_tenant_roles (see README, Tenants)",
				  PQgetvalue(res, 0, 1), ps->tenant);
			PQclear(res);
			return ERR_USAGE;
		}
		PQclear(res);
	}
	/* rows copied in by promote may be ahead of the sequence */
	if (pg_exec(ps, "SELECT setval('wsm_runs_seq', m) FROM (SELECT max(seq) AS m"
		    " FROM wsm_runs) x WHERE m >= (SELECT last_value + is_called::int"
		    " FROM wsm_runs_seq)",
		    0, NULL, NULL, err, "record the run"))
		return ERR_IO;
	if (pg_exec(ps,
		    "INSERT INTO wsm_runs (id, seq, started_at, status, tree_root,"
		    " manifest_sha256, tool_version, tenant, files_seen, imported,"
		    " unchanged, skipped, invalid, deleted, rows_written,"
		    " archive_path, archive_sha256, source, host)"
		    " VALUES ($1, nextval('wsm_runs_seq'),"
		    " coalesce($2::timestamptz, now()), 'running', $3, $4, $5, $6,"
		    " 0, 0, 0, 0, 0, 0, 0, $7, $8, $9, $10)",
		    10, params, NULL, err, "record the run"))
		return ERR_IO;
	if (pg_exec(ps, "SELECT NOT EXISTS (SELECT 1 FROM wsm_sources WHERE tenant_id = $1"
		    " AND _source = $2)",
		    2, (const char *[]){ ps->tenant, ps->source }, &res, err, "record the run"))
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

	if (pg_need_tx(ps, "run_finish", err))
		return ERR_USAGE;
	if (pg_build_deferred(ps, err))
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
	if (pg_exec(ps,
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

int pg_ledger_exists(struct pg_storage *ps, int *exists, struct error *err)
{
	PGresult *res;

	if (pg_exec(ps, "SELECT to_regclass('wsm_runs') IS NOT NULL", 0, NULL, &res,
		    err, "read the ledger"))
		return ERR_IO;
	*exists = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return 0;
}

/*
 * *exists: the database has a ledger; then *warn: its `table` (wsm_runs,
 * wsm_files) has the warning counts, which older ledgers lack.
 */
static int ledger_has(struct pg_storage *ps, const char *table, int *exists,
		      int *warn, struct error *err)
{
	*warn = 0;
	if (pg_ledger_exists(ps, exists, err))
		return ERR_IO;
	return *exists ? pg_has_column(ps, table, "warnings", warn, err) : 0;
}

#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', " PG_TS_FORMAT ")"

static int pg_list_runs(struct storage *st,
			int (*cb)(void *ctx, const struct run_info *run),
			void *ctx, struct error *err)
{
	struct pg_storage *ps = pg_downcast(st);
	struct strbuf sql = { 0 };
	PGresult *res;
	int exists, i, rc = 0, warn, src = 0;

	/* a ledger of an older version has no warning counts (0) and no
	 * sources (a run's source is its tree root) */
	if (ledger_has(ps, "wsm_runs", &exists, &warn, err))
		return ERR_IO;
	if (!exists)
		return 0;
	if (pg_has_column(ps, "wsm_runs", "source", &src, err))
		return ERR_IO;
	strbuf_addf(&sql, "SELECT id, seq, " TS("started_at") ", " TS("finished_at") ","
		    " status, tree_root, manifest_sha256, tool_version, tenant,"
		    " files_seen, imported, unchanged, skipped, invalid, deleted,"
		    " rows_written, archive_path, archive_sha256, %s, %s"
		    " FROM wsm_runs ORDER BY seq", warn ? "warnings" : "0",
		    src ? "coalesce(source, tree_root), coalesce(host, ''), source IS NULL" :
		    "tree_root, '', true");
	rc = pg_exec_sb(ps, &sql, 0, NULL, &res, err, "list runs");
	strbuf_release(&sql);
	if (rc)
		return ERR_IO;
	for (i = 0; i < PQntuples(res) && !rc; i++) {
		struct run_info r;

		memset(&r, 0, sizeof(r));
		pg_text(r.id, sizeof(r.id), res, i, 0);
		r.seq = pg_int(res, i, 1);
		pg_text(r.started_at, sizeof(r.started_at), res, i, 2);
		pg_text(r.finished_at, sizeof(r.finished_at), res, i, 3);
		pg_text(r.status, sizeof(r.status), res, i, 4);
		pg_text(r.tree_root, sizeof(r.tree_root), res, i, 5);
		pg_text(r.manifest_sha256, sizeof(r.manifest_sha256), res, i, 6);
		pg_text(r.tool_version, sizeof(r.tool_version), res, i, 7);
		pg_text(r.tenant, sizeof(r.tenant), res, i, 8);
		r.files_seen = pg_int(res, i, 9);
		r.imported = pg_int(res, i, 10);
		r.unchanged = pg_int(res, i, 11);
		r.skipped = pg_int(res, i, 12);
		r.invalid = pg_int(res, i, 13);
		r.deleted = pg_int(res, i, 14);
		r.rows_written = pg_int(res, i, 15);
		pg_text(r.archive_path, sizeof(r.archive_path), res, i, 16);
		pg_text(r.archive_sha256, sizeof(r.archive_sha256), res, i, 17);
		r.warnings = pg_int(res, i, 18);
		pg_text(r.source, sizeof(r.source), res, i, 19);
		pg_text(r.host, sizeof(r.host), res, i, 20);
		r.shared_chain = strcmp(PQgetvalue(res, i, 21), "t") == 0;
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
	struct strbuf pb = STRBUF_INIT;
	PGresult *res;
	int exists, i, rc = 0, warn;

	if (ledger_has(ps, "wsm_files", &exists, &warn, err))
		return ERR_IO;
	if (!exists)
		return 0;
	/* the walk's order: bytewise with '/' below every other byte (chr(1)
	 * stands for it); one row at a time, so memory does not grow with
	 * the run (cb must not use the storage meanwhile) */
	if (!PQsendQueryParams(ps->conn, warn ?
			       "SELECT path, size, mtime_ns, mode, sha256, rule, outcome, error, rows,"
			       " warnings FROM wsm_files WHERE run_id = $1"
			       " ORDER BY replace(path, '/', chr(1)) COLLATE \"C\", path COLLATE \"C\"" :
			       "SELECT path, size, mtime_ns, mode, sha256, rule, outcome, error, rows,"
			       " 0 FROM wsm_files WHERE run_id = $1"
			       " ORDER BY replace(path, '/', chr(1)) COLLATE \"C\", path COLLATE \"C\"",
			       1, NULL, params, NULL, NULL, 0) ||
	    !PQsetSingleRowMode(ps->conn))
		return pg_fail(ps, NULL, err, "list files");
	while ((res = PQgetResult(ps->conn)) != NULL) {
		ExecStatusType t = PQresultStatus(res);
		struct file_entry f;

		i = 0;
		if (t != PGRES_SINGLE_TUPLE) {
			if (t != PGRES_TUPLES_OK && !rc)
				rc = pg_fail(ps, res, err, "list files");
			PQclear(res);   /* drain: the connection stays usable */
			continue;
		}
		if (rc) {
			PQclear(res);
			continue;
		}
		memset(&f, 0, sizeof(f));
		f.path = pg_path_dec(&pb, PQgetvalue(res, i, 0));
		f.size = pg_int(res, i, 1);
		f.mtime_ns = pg_int(res, i, 2);
		f.mode = (uint32_t)pg_int(res, i, 3);
		f.sha256 = PQgetisnull(res, i, 4) ? NULL : PQgetvalue(res, i, 4);
		f.rule = PQgetisnull(res, i, 5) ? NULL : PQgetvalue(res, i, 5);
		f.outcome = outcome_parse(PQgetvalue(res, i, 6));
		f.error = PQgetisnull(res, i, 7) ? NULL : PQgetvalue(res, i, 7);
		f.n_rows = (size_t)pg_int(res, i, 8);
		f.warning_count = (size_t)pg_int(res, i, 9);
		rc = cb(ctx, &f);
		PQclear(res);
	}
	strbuf_release(&pb);
	return rc;
}

/* pg_source_lookup with `path` already as PostgreSQL text */
static int source_lookup_text(struct storage *st, const char *path,
			      struct source_state *out, int *found,
			      struct error *err)
{
	struct pg_storage *ps = pg_downcast(st);
	const char *params[3] = { ps->tenant, path, ps->source };
	PGresult *res;
	int exists;

	*found = 0;
	memset(out, 0, sizeof(*out));
	/* inside a run the ledger exists (run_start made it): save a round trip */
	if (!ps->run_id[0]) {
		if (pg_ledger_exists(ps, &exists, err))
			return ERR_IO;
		if (!exists)
			return 0;
	}
	/* one lookup per file: a prepared statement skips parse and plan */
	if (!ps->lookup_prepared) {
		res = PQprepare(ps->conn, "wsm_source_lookup",
				"SELECT sha256, size, mtime_ns, rule, _run_id FROM wsm_sources"
				" WHERE tenant_id = $1 AND _path = $2 AND _source = $3", 3, NULL);
		if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
			pg_fail(ps, res, err, "look up a source");
			PQclear(res);
			return ERR_IO;
		}
		PQclear(res);
		ps->lookup_prepared = 1;
	}
	res = PQexecPrepared(ps->conn, "wsm_source_lookup", 3, params, NULL, NULL, 0);
	if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) {
		pg_fail(ps, res, err, "look up a source");
		PQclear(res);
		return ERR_IO;
	}
	if (PQntuples(res) == 1) {
		*found = 1;
		pg_text(out->sha256, sizeof(out->sha256), res, 0, 0);
		out->size = pg_int(res, 0, 1);
		out->mtime_ns = pg_int(res, 0, 2);
		pg_text(out->rule, sizeof(out->rule), res, 0, 3);
		pg_text(out->run_id, sizeof(out->run_id), res, 0, 4);
	}
	PQclear(res);
	return 0;
}

static int pg_source_lookup(struct storage *st, const char *path,
			    struct source_state *out, int *found,
			    struct error *err)
{
	struct strbuf pb = STRBUF_INIT;
	int rc = source_lookup_text(st, pg_path_enc(&pb, path), out, found, err);

	strbuf_release(&pb);
	return rc;
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
	struct strbuf arr = { 0 }, pb = STRBUF_INIT;
	const char *params[3];
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
		for (p = pg_path_enc(&pb, paths[i]); *p; p++) {
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
	params[2] = ps->source;
	if (!ps->reader && pg_open_reader(ps, err))
		goto out;
	res = PQexecParams(ps->reader, "SELECT _path, sha256, size, mtime_ns, rule, _run_id"
			   " FROM wsm_sources WHERE tenant_id = $1 AND _source = $3"
			   " AND _path = ANY($2::text[])",
			   3, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

		if (state && strcmp(state, "42P01") == 0) {   /* undefined_table */
			rc = 0;   /* the first run: no ledger committed yet */
			goto out;
		}
		rc = error_set(err, ERR_IO, "look up sources in %s: %s", ps->where,
			       pg_message(ps->reader, res, 0, reason, sizeof(reason)));
		goto out;
	}
	for (i = 0; i < n; i++) {
		idx[i].path = paths[i];
		idx[i].i = i;
	}
	qsort(idx, n, sizeof(*idx), cmp_path_pos);
	for (row = 0; row < PQntuples(res); row++) {
		struct path_pos key = { pg_path_dec(&pb, PQgetvalue(res, row, 0)), 0 };
		const struct path_pos *hit = bsearch(&key, idx, n, sizeof(*idx),
						     cmp_path_pos);
		size_t k;

		if (!hit)
			continue;
		k = hit->i;
		found[k] = 1;
		pg_text(out[k].sha256, sizeof(out[k].sha256), res, row, 1);
		out[k].size = pg_int(res, row, 2);
		out[k].mtime_ns = pg_int(res, row, 3);
		pg_text(out[k].rule, sizeof(out[k].rule), res, row, 4);
		pg_text(out[k].run_id, sizeof(out[k].run_id), res, row, 5);
	}
	rc = 0;
out:
	PQclear(res);
	free(idx);
	strbuf_release(&arr);
	strbuf_release(&pb);
	return rc;
}

static int pg_missing_sources(struct storage *st, const char *run_id,
			      int (*cb)(void *ctx, const char *path,
					const char *rule),
			      void *ctx, struct error *err)
{
	struct pg_storage *ps = pg_downcast(st);
	const char *params[2] = { ps->tenant, run_id };
	struct strbuf pb = STRBUF_INIT;
	PGresult *res;
	int i, rc = 0;

	if (pg_build_deferred(ps, err))
		return ERR_IO;
	/* no sources at run start: every source now was written by this run */
	if (ps->no_sources && strcmp(run_id, ps->run_id) == 0)
		return 0;
	if (pg_exec(ps,
		    "SELECT s._path, s.rule FROM wsm_sources s WHERE s.tenant_id = $1"
		    " AND s._source = (SELECT coalesce(source, tree_root) FROM wsm_runs"
		    "  WHERE id = $2)"
		    " AND NOT EXISTS (SELECT 1 FROM wsm_files f"
		    "  WHERE f.run_id = $2 AND f.path = s._path)"
		    " ORDER BY s._path COLLATE \"C\"",
		    2, params, &res, err, "find missing sources"))
		return ERR_IO;
	for (i = 0; i < PQntuples(res) && !rc; i++)
		rc = cb(ctx, pg_path_dec(&pb, PQgetvalue(res, i, 0)), PQgetvalue(res, i, 1));
	PQclear(res);
	strbuf_release(&pb);
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

/*
 * COPY into a ledger table `table` (columns `cols`).  PostgreSQL refuses
 * COPY FROM into a table whose row-level security applies to the role (a
 * tenant's role, not the owner): then the rows go by COPY into a temp
 * table of those columns and on by INSERT ... SELECT, which the policies
 * check.  End with ledger_copy_end.
 */
static int ledger_copy_start(struct pg_copy *c, struct pg_storage *ps, const char *table,
			     const char *cols, struct error *err)
{
	struct strbuf sql = { 0 };
	int rc;

	if (ps->rls) {
		strbuf_addf(&sql, "DROP TABLE IF EXISTS pg_temp.wsm_rls_stage; CREATE TEMP TABLE"
			    " wsm_rls_stage ON COMMIT DROP AS SELECT %s FROM %s WITH NO DATA",
			    cols, table);
		if (pg_exec_sb(ps, &sql, 0, NULL, NULL, err, "staging")) {
			strbuf_release(&sql);
			return ERR_IO;
		}
		strbuf_reset(&sql);
	}
	strbuf_addf(&sql, "COPY %s (%s) FROM STDIN", ps->rls ? "wsm_rls_stage" : table, cols);
	rc = pg_copy_start(c, ps, &sql, table, err);
	strbuf_release(&sql);
	return rc;
}

static int ledger_copy_end(struct pg_copy *c, struct pg_storage *ps, const char *table,
			   const char *cols, struct error *err)
{
	struct strbuf sql = { 0 };
	int rc;

	if (pg_copy_end(c, err))
		return ERR_IO;
	if (!ps->rls)
		return 0;
	strbuf_addf(&sql, "INSERT INTO %s (%s) SELECT %s FROM wsm_rls_stage;"
		    " DROP TABLE pg_temp.wsm_rls_stage", table, cols, cols);
	rc = pg_exec_sb(ps, &sql, 0, NULL, NULL, err, table);
	strbuf_release(&sql);
	return rc;
}

/* Distinct tables (by name) named by a batch's imported files and rows. */
struct tlist {
	const struct table_def **t;
	size_t n, alloc;
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
	if (ALLOC_GROW(tl->t, tl->n + 1, tl->alloc))
		return -1;
	tl->t[tl->n++] = d;
	return 0;
}

static int copy_files_ledger(struct pg_storage *ps, const struct batch *b,
			     struct error *err)
{
	static const char *const cols = "run_id, path, size, mtime_ns, mode, sha256, rule,"
		" outcome, error, rows, warnings";
	struct pg_copy c;
	size_t i;

	if (ledger_copy_start(&c, ps, "wsm_files", cols, err))
		return ERR_IO;
	for (i = 0; i < b->n_files; i++) {
		const struct file_entry *f = &b->files[i];

		sb_copy_str(&c.buf, ps->run_id);
		strbuf_addstr(&c.buf, "\t");
		sb_copy_path(&c.buf, f->path);
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
		if (pg_copy_eol(&c, f->path, err))
			return ERR_IO;
	}
	return ledger_copy_end(&c, ps, "wsm_files", cols, err);
}

/* The warnings the batch's files carry, into wsm_warnings. */
static int copy_warnings(struct pg_storage *ps, const struct batch *b,
			 struct error *err)
{
	static const char *const warn_cols = "run_id, path, rule, kind, table_name,"
		" column_name, pointer, message";
	struct pg_copy c;
	size_t i, k, n = 0;

	for (i = 0; i < b->n_files; i++)
		n += b->files[i].n_warnings;
	if (!n)
		return 0;
	if (ledger_copy_start(&c, ps, "wsm_warnings", warn_cols, err))
		return ERR_IO;
	for (i = 0; i < b->n_files; i++) {
		const struct file_entry *f = &b->files[i];

		for (k = 0; k < f->n_warnings; k++) {
			const struct warning_entry *w = &f->warnings[k];

			sb_copy_str(&c.buf, ps->run_id);
			strbuf_addstr(&c.buf, "\t");
			sb_copy_path(&c.buf, w->path ? w->path : f->path);
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
			if (pg_copy_eol(&c, f->path, err))
				return ERR_IO;
		}
	}
	return ledger_copy_end(&c, ps, "wsm_warnings", warn_cols, err);
}

/* A file's source state as COPY text: path, sha256, size, mtime_ns, rule. */
static void source_fields(struct strbuf *sb, const struct file_entry *f)
{
	sb_copy_path(sb, f->path);
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
	static const char *const src_cols = "_path, sha256, size, mtime_ns, rule, _run_id,"
		" tenant_id, _source";
	struct pg_copy c;
	size_t i;

	if (ledger_copy_start(&c, ps, "wsm_sources", src_cols, err))
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
		strbuf_addstr(&c.buf, "\t");
		sb_copy_str(&c.buf, ps->source);
		if (pg_copy_eol(&c, f->path, err))
			return ERR_IO;
	}
	return ledger_copy_end(&c, ps, "wsm_sources", src_cols, err);
}

/*
 * Stage the batch's source states (imported and unchanged files) and the
 * (table, path) pairs whose old rows step 1 moves to history.
 */
static int stage_sources(struct pg_storage *ps, const struct batch *b,
			 const struct tlist *tl, struct error *err)
{
	struct pg_copy c;
	size_t i, k;

	if (pg_exec(ps,
		    "DROP TABLE IF EXISTS pg_temp.wsm_stage_src;"
		    "DROP TABLE IF EXISTS pg_temp.wsm_stage_paths;"
		    "CREATE TEMP TABLE wsm_stage_src (path text, sha256 text, size bigint,"
		    " mtime_ns bigint, rule text, outcome text) ON COMMIT DROP;"
		    "CREATE TEMP TABLE wsm_stage_paths (tbl int, path text) ON COMMIT DROP",
		    0, NULL, NULL, err, "staging"))
		return ERR_IO;
	if (pg_copy_start_sql(&c, ps, "COPY wsm_stage_src FROM STDIN", "wsm_sources", err))
		return ERR_IO;
	for (i = 0; i < b->n_files; i++) {
		const struct file_entry *f = &b->files[i];

		if (f->outcome != FILE_IMPORTED && f->outcome != FILE_UNCHANGED)
			continue;
		source_fields(&c.buf, f);
		strbuf_addstr(&c.buf, "\t");
		strbuf_addstr(&c.buf, file_outcome_name(f->outcome));
		if (pg_copy_eol(&c, f->path, err))
			return ERR_IO;
	}
	if (pg_copy_end(&c, err))
		return ERR_IO;

	if (pg_copy_start_sql(&c, ps, "COPY wsm_stage_paths FROM STDIN", "staging", err))
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
			sb_copy_path(&c.buf, f->path);
			if (pg_copy_eol(&c, f->path, err))
				return ERR_IO;
		}
	}
	return pg_copy_end(&c, err);
}

/* Append " AND a.k = b.k ..." over the key columns, the source (and tenant). */
static void sb_key_match(struct strbuf *sb, const struct table_def *d,
			 int has_tenant, const char *a, const char *b)
{
	const char *const *key;
	size_t nk = pg_def_key(d, &key), i;

	for (i = 0; i < nk; i++) {
		strbuf_addstr(sb, " AND ");
		sb_col(sb, a, key[i]);
		strbuf_addstr(sb, " = ");
		sb_col(sb, b, key[i]);
	}
	strbuf_addstr(sb, " AND ");
	sb_col(sb, a, "_source");
	strbuf_addstr(sb, " = ");
	sb_col(sb, b, "_source");
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
	if (pg_exec(ps, "CREATE TEMP TABLE IF NOT EXISTS wsm_lost (seq bigserial,"
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
	return pg_exec(ps,
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
	const char *params[3] = { ps->run_id, ps->tenant, ps->source };
	struct strbuf keycols = { 0 };
	const char *lparams[3] = { ps->run_id, d->name, NULL };
	struct pg_copy c;
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
	if (pg_catalog_cols(ps, d->name, &all, &ht, err))
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
	fresh = pg_is_fresh(ps, d->name) || ps->no_sources;
	direct = d->n_key == 0 && !ps->rls;   /* no COPY FROM under row-level security */
	for (i = 0; direct && !fresh && i < b->n_files; i++)
		if (b->files[i].outcome == FILE_IMPORTED && !b->files[i].is_new)
			direct = 0;
	if (direct) {
		strbuf_addstr(&sql, "COPY ");
		strbuf_add_ident(&sql, d->name);
		strbuf_addf(&sql, " (%s) FROM STDIN", strbuf_str(&cols));
		if (pg_copy_start(&c, ps, &sql, d->name, err))
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
	if (pg_exec_sb(ps, &sql, 0, NULL, NULL, err, what))
		goto out;
	strbuf_reset(&sql);
	strbuf_addf(&sql, "COPY %s (%s, \"_ord\") FROM STDIN", stage, strbuf_str(&cols));
	if (pg_copy_start(&c, ps, &sql, d->name, err))
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
			sb_copy_path(&c.buf, f->path);
			strbuf_addstr(&c.buf, "\t");
			sb_copy_str(&c.buf, f->sha256);
			strbuf_addstr(&c.buf, "\t");
			sb_copy_str(&c.buf, ps->run_id);
			strbuf_addstr(&c.buf, "\t");
			sb_copy_str(&c.buf, ps->source);
			strbuf_addstr(&c.buf, "\t");
			if (!d->is_child) {
				/* the value for queries, then the exact text */
				if (f->doc) {
					if (f->doc_nul)
						strbuf_addstr(&c.buf, "\\N");
					else
						strbuf_add_copy_field(&c.buf, f->doc, f->doc_len);
					strbuf_addstr(&c.buf, "\t");
					strbuf_add_copy_field(&c.buf, f->doc, f->doc_len);
				} else {
					strbuf_addstr(&c.buf, "\\N\t\\N");
				}
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
			if (pg_copy_eol(&c, f->path, err))
				goto out;
		}
	}
	if (pg_copy_end(&c, err))
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
	if (pg_exec_sb(ps, &sql, 0, NULL, NULL, err, what))
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
	strbuf_addstr(&sql, " AND t.\"_source\" = $3");
	strbuf_addf(&sql, " RETURNING %s) INSERT INTO ", strbuf_str(&all));
	strbuf_add_ident(&sql, hist);
	strbuf_addf(&sql, " (%s, \"_superseded_by\") SELECT %s, $1 FROM moved",
		strbuf_str(&all), strbuf_str(&all));
	if (pg_exec_sb(ps, &sql, 3, params, NULL, err, what))
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
	if (pg_exec_sb(ps, &sql, 3, lparams, NULL, err, what))
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
	if (pg_exec_sb(ps, &sql, 3, lparams, NULL, err, what))
		goto out;
	strbuf_reset(&sql);
	strbuf_addstr(&sql, "INSERT INTO ");
	strbuf_add_ident(&sql, d->name);
	strbuf_addf(&sql, " (%s) SELECT %s FROM %s s WHERE NOT %s ORDER BY s.\"_ord\";"
		      " DROP TABLE pg_temp.%s",
		strbuf_str(&cols), strbuf_str(&scols), stage, strbuf_str(&later), stage);
	if (pg_exec_sb(ps, &sql, 0, NULL, NULL, err, what))
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
	const char *params[3] = { ps->run_id, ps->tenant, ps->source };
	static const char *const sql =
		"INSERT INTO wsm_hist_wsm_sources (_path, rule, sha256, size, mtime_ns,"
		" _run_id, tenant_id, _source, _superseded_by)"
		" SELECT s._path, s.rule, s.sha256, s.size, s.mtime_ns, s._run_id,"
		" s.tenant_id, s._source, $1 FROM wsm_sources s JOIN wsm_stage_src x ON x.path = s._path"
		" WHERE s.tenant_id = $2 AND s._source = $3 AND (x.outcome = 'imported'"
		"  OR s.size IS DISTINCT FROM x.size OR s.mtime_ns IS DISTINCT FROM x.mtime_ns)"
		" ORDER BY s._path";
	static const char *const del =
		"DELETE FROM wsm_sources s USING wsm_stage_src x"
		" WHERE x.path = s._path AND s.tenant_id = $2 AND s._source = $3"
		" AND x.outcome = 'imported' AND $1::text IS NOT NULL";
	static const char *const upd =
		"UPDATE wsm_sources s SET size = x.size, mtime_ns = x.mtime_ns"
		" FROM wsm_stage_src x WHERE x.path = s._path AND s.tenant_id = $2"
		" AND s._source = $3 AND x.outcome = 'unchanged' AND $1::text IS NOT NULL"
		" AND (s.size IS DISTINCT FROM x.size OR s.mtime_ns IS DISTINCT FROM x.mtime_ns)";
	static const char *const ins =
		"INSERT INTO wsm_sources (_path, rule, sha256, size, mtime_ns, _run_id, tenant_id,"
		" _source) SELECT path, rule, sha256, size, mtime_ns, $1, $2, $3 FROM wsm_stage_src"
		" WHERE outcome = 'imported' ORDER BY path";

	if (pg_exec(ps, sql, 3, params, NULL, err, "record the sources") ||
	    pg_exec(ps, del, 3, params, NULL, err, "record the sources") ||
	    pg_exec(ps, upd, 3, params, NULL, err, "record the sources") ||
	    pg_exec(ps, ins, 3, params, NULL, err, "record the sources"))
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

	if (pg_need_tx(ps, "put_batch", err))
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
		rc = pg_exec(ps, "DROP TABLE pg_temp.wsm_stage_src; DROP TABLE pg_temp.wsm_stage_paths",
			     0, NULL, NULL, err, "staging");
out:
	free(tl.t);
	return rc;
oom:
	free(tl.t);
	return error_set(err, ERR_IO, "out of memory");
}

static int pg_add_warnings(struct storage *st, const struct warning_entry *w,
			   size_t n, struct error *err)
{
	struct pg_storage *ps = pg_downcast(st);
	size_t i;

	if (pg_need_tx(ps, "add_warnings", err))
		return ERR_USAGE;
	if (!ps->run_id[0])
		return error_set(err, ERR_USAGE, "add_warnings: call storage_run_start first");
	for (i = 0; i < n; i++) {
		struct strbuf pb = STRBUF_INIT;
		const char *params[8] = {
			ps->run_id, pg_path_enc(&pb, w[i].path), w[i].rule,
			w[i].kind ? w[i].kind : WARN_COLUMN,
			w[i].table, w[i].column, w[i].pointer, w[i].message ? w[i].message : ""
		};

		if (pg_exec(ps, "INSERT INTO wsm_warnings (run_id, path, rule, kind, table_name,"
			    " column_name, pointer, message) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
			    8, params, NULL, err, "record warnings")) {
			strbuf_release(&pb);
			return ERR_IO;
		}
		strbuf_release(&pb);
	}
	return 0;
}

static int pg_note_run(struct storage *st, const char *run_id, const char *kind,
		       const char *message, struct error *err)
{
	struct pg_storage *ps = pg_downcast(st);
	const char *params[3] = { run_id, kind, message };
	PGresult *res = NULL;
	int have;

	if (pg_need_tx(ps, "note_run", err))
		return ERR_USAGE;
	if (pg_exec(ps, "SELECT to_regclass('wsm_warnings') IS NOT NULL", 0, NULL, &res,
		    err, "note"))
		return ERR_IO;
	have = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (!have)
		return 0;
	return pg_exec(ps, "INSERT INTO wsm_warnings (run_id, kind, message) VALUES ($1, $2, $3)",
		       3, params, NULL, err, "note") ? ERR_IO : 0;
}

static int pg_forget_archive(struct storage *st, const char *run_id, struct error *err)
{
	struct pg_storage *ps = pg_downcast(st);
	const char *params[1] = { run_id };

	if (pg_need_tx(ps, "forget_archive", err))
		return ERR_USAGE;
	return pg_exec(ps, "UPDATE wsm_runs SET archive_path = NULL WHERE id = $1",
		       1, params, NULL, err, "forget an archive") ? ERR_IO : 0;
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
	struct strbuf pb = STRBUF_INIT;
	PGresult *res;
	int have, rc = 0;

	if (pg_exec(ps, "SELECT to_regclass('wsm_warnings') IS NOT NULL", 0, NULL, &res,
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

			w.path = PQgetisnull(res, 0, 0) ? NULL : pg_path_dec(&pb, PQgetvalue(res, 0, 0));
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
	strbuf_release(&pb);
	return rc;
}

/* The exact-text expression of a table: "_doc_text", or NULL before it. */
static int text_expr(struct pg_storage *ps, const char *table, const char **expr,
		     struct error *err)
{
	int yes;

	if (pg_has_column(ps, table, "_doc_text", &yes, err))
		return ERR_IO;
	*expr = yes ? "\"_doc_text\"" : "NULL::text";
	return 0;
}

/*
 * storage_export_docs: one read-only snapshot (REPEATABLE READ), one
 * query per main table, rows one at a time (single-row mode).
 */
static int pg_export_docs(struct storage *st, const struct export_query *eq,
			  int (*cb)(void *ctx, const struct export_doc *d),
			  void *ctx, struct error *err)
{
	struct pg_storage *ps = pg_downcast(st);
	struct strbuf sql = STRBUF_INIT, hist = STRBUF_INIT, pb = STRBUF_INIT;
	char seq[32];
	const char *params[3] = { seq, eq->rule, eq->source };
	PGresult *res = NULL, *tabs = NULL;
	int i, rc = 0, own = !ps->in_tx, has_source = 0;

	snprintf(seq, sizeof(seq), "%lld", (long long)(eq->as_of_seq > 0 ? eq->as_of_seq : INT64_MAX));
	if (own && pg_exec(ps, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL,
			   NULL, err, "export"))
		return ERR_IO;
	if (pg_exec(ps, "SELECT to_regclass('wsm_runs') IS NOT NULL AND"
		    " to_regclass('wsm_tables') IS NOT NULL", 0, NULL, &res, err, "export")) {
		rc = ERR_IO;
		goto out;
	}
	if (strcmp(PQgetvalue(res, 0, 0), "t") != 0)
		goto out;
	if (pg_has_column(ps, "wsm_sources", "_source", &has_source, err)) {
		rc = ERR_IO;
		goto out;
	}
	if (pg_exec(ps, "SELECT name FROM wsm_tables WHERE NOT is_child ORDER BY name",
		    0, NULL, &tabs, err, "export")) {
		rc = ERR_IO;
		goto out;
	}
	for (i = 0; i < PQntuples(tabs) && !rc; i++) {
		const char *t = PQgetvalue(tabs, i, 0), *tm, *th;

		if (eq->table && strcmp(eq->table, t))
			continue;
		strbuf_reset(&hist);
		strbuf_addf(&hist, HIST_PREFIX "%s", t);
		strbuf_reset(&sql);
		if (text_expr(ps, t, &tm, err) || text_expr(ps, strbuf_str(&hist), &th, err)) {
			rc = ERR_IO;
			break;
		}
		if (storage_export_sql(&sql, t, tm, th, "\"_doc\"::text", eq->rule != NULL,
				       has_source ? "_source" : "''", eq->source != NULL)) {
			rc = error_set(err, ERR_IO, "out of memory");
			break;
		}
		if (!PQsendQueryParams(ps->conn, sql.buf, eq->source ? 3 : eq->rule ? 2 : 1,
				       NULL, params,
				       NULL, NULL, 0) ||
		    !PQsetSingleRowMode(ps->conn)) {
			rc = pg_fail(ps, NULL, err, "export");
			break;
		}
		PQclear(res);
		while ((res = PQgetResult(ps->conn)) != NULL) {
			ExecStatusType ty = PQresultStatus(res);

			if (ty == PGRES_SINGLE_TUPLE && !rc) {
				struct export_doc d;

				memset(&d, 0, sizeof(d));
				d.path = pg_path_dec(&pb, PQgetvalue(res, 0, 0));
				d.table = t;
				d.rule = PQgetisnull(res, 0, 1) ? NULL : PQgetvalue(res, 0, 1);
				d.run_id = PQgetvalue(res, 0, 2);
				d.sha256 = PQgetisnull(res, 0, 3) ? NULL : PQgetvalue(res, 0, 3);
				d.mtime_ns = strtoll(PQgetvalue(res, 0, 4), NULL, 10);
				d.mode = (uint32_t)strtoul(PQgetvalue(res, 0, 5), NULL, 10);
				if (!PQgetisnull(res, 0, 6)) {
					d.text = PQgetvalue(res, 0, 6);
					d.text_len = (size_t)PQgetlength(res, 0, 6);
				}
				if (!PQgetisnull(res, 0, 7)) {
					d.value = PQgetvalue(res, 0, 7);
					d.value_len = (size_t)PQgetlength(res, 0, 7);
				}
				rc = cb(ctx, &d);
			} else if (ty != PGRES_SINGLE_TUPLE && ty != PGRES_TUPLES_OK && !rc) {
				rc = pg_fail(ps, res, err, "export");
			}
			PQclear(res);   /* drained, so the connection stays usable */
		}
	}
out:
	PQclear(res);
	PQclear(tabs);
	if (own) {
		struct error e;

		error_clear(&e);
		pg_exec(ps, "ROLLBACK", 0, NULL, NULL, &e, "export");
	}
	strbuf_release(&sql);
	strbuf_release(&hist);
	strbuf_release(&pb);
	return rc;
}

static int pg_table_counts(struct storage *st,
			   int (*cb)(void *ctx, const char *table, int is_child,
				     int64_t rows),
			   void *ctx, struct error *err)
{
	struct pg_storage *ps = pg_downcast(st);
	const char *params[1] = { ps->tenant };
	PGresult *names, *res;
	int i, rc = 0;

	if (pg_exec(ps, "SELECT to_regclass('wsm_tables') IS NOT NULL", 0, NULL, &res,
		    err, "count rows"))
		return ERR_IO;
	i = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (!i)
		return 0;
	if (pg_exec(ps, "SELECT name, is_child FROM wsm_tables ORDER BY name", 0, NULL,
		    &names, err, "read wsm_tables"))
		return ERR_IO;
	for (i = 0; i < PQntuples(names) && !rc; i++) {
		const char *t = PQgetvalue(names, i, 0);
		struct strbuf sql = STRBUF_INIT;
		struct error ignored;
		int64_t n = -1;
		int ht;

		/* a table recorded but missing counts -1 */
		if (pg_catalog_cols(ps, t, NULL, &ht, &ignored) == 0) {
			strbuf_addstr(&sql, "SELECT count(*) FROM ");
			strbuf_add_ident(&sql, t);
			if (ht)
				strbuf_addstr(&sql, " WHERE \"tenant_id\" = $1");
			rc = pg_exec_sb(ps, &sql, ht ? 1 : 0, params, &res, err, "count rows");
			if (!rc) {
				n = pg_int(res, 0, 0);
				PQclear(res);
			}
		}
		strbuf_release(&sql);
		if (!rc)
			rc = cb(ctx, t, strcmp(PQgetvalue(names, i, 1), "t") == 0, n);
	}
	PQclear(names);
	return rc;
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
	.note_run = pg_note_run,
	.forget_archive = pg_forget_archive,
	.list_warnings = pg_list_warnings,
	.export_docs = pg_export_docs,
	.table_counts = pg_table_counts,
};
