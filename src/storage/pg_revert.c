/*
 * storage/pg_revert.c - the PostgreSQL backend's prune and revert: rows
 * of a deleted source move to history, and a run is undone from history
 * (see storage_revert_run in storage.h).
 */
#include "internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Names of the data tables recorded in wsm_tables (caller PQclear's). */
static int table_names(struct pg_storage *ps, PGresult **res, struct error *err)
{
	return pg_exec(ps, "SELECT name FROM wsm_tables ORDER BY name", 0, NULL, res,
		       err, "read wsm_tables");
}

static int prune_source_text(struct storage *st, const char *run_id,
			     const char *path, struct error *err);

int pg_prune_source(struct storage *st, const char *run_id,
		    const char *path, struct error *err)
{
	struct strbuf pb = STRBUF_INIT;
	int rc = prune_source_text(st, run_id, pg_path_enc(&pb, path), err);

	strbuf_release(&pb);
	return rc;
}

/* pg_prune_source with `path` already as PostgreSQL text */
static int prune_source_text(struct storage *st, const char *run_id,
			     const char *path, struct error *err)
{
	struct pg_storage *ps = pg_downcast(st);
	const char *params[3] = { run_id, ps->tenant, path };
	PGresult *names;
	int i, rc = 0;

	if (pg_need_tx(ps, "prune_source", err))
		return ERR_USAGE;
	if (pg_build_deferred(ps, err) || table_names(ps, &names, err))
		return ERR_IO;
	for (i = 0; i < PQntuples(names) && !rc; i++) {
		const char *t = PQgetvalue(names, i, 0);
		struct strbuf cols = { 0 }, sql = { 0 };
		int ht;

		rc = pg_catalog_cols(ps, t, &cols, &ht, err);
		/* a table no run of this version wrote (no _source) is left alone */
		if (!rc && strstr(strbuf_str(&cols), "\"_source\"")) {
			char hist[PG_IDENT_MAX + 16];

			snprintf(hist, sizeof(hist), HIST_PREFIX "%s", t);
			strbuf_addstr(&sql, "WITH moved AS (DELETE FROM ");
			strbuf_add_ident(&sql, t);
			strbuf_addstr(&sql, " WHERE \"_path\" = $3");
			strbuf_addstr(&sql, ht ? " AND \"tenant_id\" = $2" : " AND $2::text IS NOT NULL");
			/* the rows of the run's source only */
			strbuf_addstr(&sql, " AND \"_source\" = (SELECT coalesce(source, tree_root)"
				      " FROM wsm_runs WHERE id = $1)");
			strbuf_addf(&sql, " RETURNING %s) INSERT INTO ", strbuf_str(&cols));
			strbuf_add_ident(&sql, hist);
			strbuf_addf(&sql, " (%s, \"_superseded_by\") SELECT %s, $1 FROM moved",
				strbuf_str(&cols), strbuf_str(&cols));
			rc = pg_exec_sb(ps, &sql, 3, params, NULL, err, "prune");
		}
		strbuf_release(&cols);
		strbuf_release(&sql);
	}
	PQclear(names);
	if (rc)
		return rc;
	if (pg_exec(ps,
		    "WITH moved AS (DELETE FROM wsm_sources WHERE tenant_id = $2 AND _path = $3"
		    " AND _source = (SELECT coalesce(source, tree_root) FROM wsm_runs WHERE id = $1)"
		    " RETURNING _path, rule, sha256, size, mtime_ns, _run_id, tenant_id, _source)"
		    " INSERT INTO wsm_hist_wsm_sources (_path, rule, sha256, size, mtime_ns,"
		    " _run_id, tenant_id, _source, _superseded_by)"
		    " SELECT _path, rule, sha256, size, mtime_ns, _run_id, tenant_id, _source, $1"
		    " FROM moved",
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
	rc = pg_catalog_cols(ps, t, &cols, &ht, err);
	if (rc)
		goto out;
	strbuf_addstr(&sql, "DELETE FROM ");
	strbuf_add_ident(&sql, t);
	strbuf_addstr(&sql, " WHERE \"_run_id\" = $1");
	rc = pg_exec_sb(ps, &sql, 1, params, &res, err, "revert");
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
	rc = pg_exec_sb(ps, &sql, 1, params, &res, err, "revert");
	if (rc)
		goto out;
	*restored += strtoll(PQcmdTuples(res), NULL, 10);
	strbuf_reset(&sql);
	strbuf_addstr(&sql, "DELETE FROM ");
	strbuf_add_ident(&sql, hist);
	strbuf_addstr(&sql, " WHERE \"_superseded_by\" = $1 AND \"_run_id\" = $1");
	rc = pg_exec_sb(ps, &sql, 1, params, NULL, err, "revert");
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
	const char *params[3] = { seqs, tenant, run_id };
	struct strbuf names = { 0 };
	PGresult *res;
	int i, n;

	snprintf(seqs, sizeof(seqs), "%" PRId64, seq);
	if (pg_exec(ps,
		    "SELECT id FROM wsm_runs WHERE seq > $1::bigint AND status <> 'rolled_back'"
		    " AND coalesce(tenant, '') = coalesce($2, '')"
		    " AND ((SELECT source FROM wsm_runs WHERE id = $3) IS NULL"
		    "  OR coalesce(source, tree_root) = (SELECT source FROM wsm_runs"
		    "  WHERE id = $3)) ORDER BY seq DESC",
		    3, params, &res, err, "revert"))
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

/*
 * The sources the run changed go back to their state before it ($1 run,
 * $2 tenant): its own are deleted, the ones it replaced come back from
 * history, and that history is gone.  All of them are of the run's source.
 */
static const char *const revert_sources[] = {
	"DELETE FROM wsm_sources WHERE tenant_id = $2 AND (_run_id = $1 OR"
	" (_source, _path) IN (SELECT _source, _path FROM wsm_hist_wsm_sources"
	"  WHERE _superseded_by = $1 AND tenant_id = $2))",
	"INSERT INTO wsm_sources (_path, rule, sha256, size, mtime_ns,"
	" _run_id, tenant_id, _source) SELECT DISTINCT ON (_path) _path, rule, sha256,"
	" size, mtime_ns, _run_id, tenant_id, _source FROM wsm_hist_wsm_sources"
	" WHERE _superseded_by = $1 AND tenant_id = $2"
	" ORDER BY _path, _hist_seq",
	"DELETE FROM wsm_hist_wsm_sources WHERE _superseded_by = $1"
	" AND tenant_id = $2",
};

int pg_revert_run(struct storage *st, const char *run_id,
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
	if (own && pg_tx_begin(ps, err))
		return ERR_IO;
	rc = pg_ledger_exists(ps, &exists, err);
	if (rc)
		goto out;
	if (!exists) {
		rc = error_set(err, ERR_USAGE, "no run '%s': %s has no wsmigrate ledger",
			       run_id, ps->base.url_masked);
		goto out;
	}
	/* a ledger from before sources gets them first */
	rc = pg_ensure_ledger(ps, err);
	if (rc)
		goto out;
	rc = pg_exec(ps, "SELECT seq, status, coalesce(tenant, '') FROM wsm_runs WHERE id = $1",
		     1, params, &res, err, "revert");
	if (rc)
		goto out;
	if (PQntuples(res) != 1) {
		rc = error_set(err, ERR_USAGE, "no run '%s' in %s", run_id,
			       ps->base.url_masked);
		goto out;
	}
	seq = pg_int(res, 0, 0);
	pg_text(status, sizeof(status), res, 0, 1);
	pg_text(tenant, sizeof(tenant), res, 0, 2);
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
	for (i = 0; !rc && i < (int)(sizeof(revert_sources) / sizeof(revert_sources[0])); i++)
		rc = pg_exec(ps, revert_sources[i], 2, params, NULL, err, "revert the sources");
	if (!rc) {
		PQclear(res);
		res = NULL;
		rc = pg_exec(ps, "SELECT to_regclass('wsm_warnings') IS NOT NULL", 0, NULL,
			     &res, err, "revert the warnings");
		if (!rc && strcmp(PQgetvalue(res, 0, 0), "t") == 0)
			rc = pg_exec(ps, "DELETE FROM wsm_warnings WHERE run_id = $1",
				     1, params, NULL, err, "revert the warnings");
	}
	if (!rc)
		rc = pg_exec(ps, "UPDATE wsm_runs SET status = 'rolled_back', rolled_back_at = now()"
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
