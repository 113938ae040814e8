/*
 * storage/promote.c - copy a database made by wsmigrate from SQLite into
 * PostgreSQL in one transaction, and verify each table by count and
 * checksum (promote.h).  A storage operation, the way git migrates ref
 * storage through its ref API: the source is read through the SQLite
 * backend (sqlite_read.c), the target's tables are made by the PostgreSQL
 * backend (storage_ensure_tables) and filled through its COPY layer
 * (pg_promote.c, pg_copy.c); the checksums are rowsum.c's.  This file
 * holds the order of the steps and the mapping of values; no SQL, no
 * database API.  It never prints.
 */
#include "promote.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "jsonread.h"
#include "storage.h"
#include "tstamp.h"
#include "util.h"

const char *promote_stage_name(enum promote_stage s)
{
	static const char *const names[PROMOTE_N_STAGES] = {
		[PROMOTE_STAGE_PREPARE] = "prepare",
		[PROMOTE_STAGE_READ] = "read",
		[PROMOTE_STAGE_VERIFY_SOURCE] = "verify_source",
		[PROMOTE_STAGE_COPY] = "copy",
		[PROMOTE_STAGE_INDEX] = "index",
		[PROMOTE_STAGE_VERIFY_TARGET] = "verify_target",
		[PROMOTE_STAGE_COMMIT] = "commit",
	};

	return (unsigned)s < PROMOTE_N_STAGES ? names[s] : "?";
}

void promote_report_release(struct promote_report *rep)
{
	free(rep->tables);
	rep->tables = NULL;
	rep->n = 0;
}

#ifdef WSM_NO_PG

int promote_run(const char *from, const char *to,
		const struct promote_opts *opts, struct promote_report *rep,
		struct error *err)
{
	(void)from;
	(void)to;
	(void)opts;
	memset(rep, 0, sizeof(*rep));
	return error_set(err, ERR_USAGE,
			 "this build has no PostgreSQL support (built with WITH_PG=0)");
}

#else

/*
 * Buffers grow to the largest value seen; after a very large one (a
 * report of several MB), give the memory back rather than keep it for
 * the rest of the run, so peak memory is one large value's worth, not a
 * sum over phases.
 */
#define TRIM_ABOVE (1024 * 1024)

/* Tables with fewer source rows keep their indexes while they load. */
#define DEFER_MIN_ROWS 1000

/* What every table of a run shares. */
struct work {
	struct storage *src;   /* the SQLite snapshot */
	struct storage *dst;   /* the PostgreSQL storage, in its transaction */
	struct rowsum *rs;
	double *stages;        /* the report's seconds per stage */
	double mark;           /* when the current stage began */
};

/* Charge the time since the last lap to stage s. */
static void lap(struct work *w, enum promote_stage s)
{
	double now = util_monotonic();

	w->stages[s] += now - w->mark;
	w->mark = now;
}

/* ------------------------------------------------------------ columns */

/*
 * The columns a table is moved with: the target's that the source has too,
 * in name order (target-only ones, e.g. tenant_id, get their default).
 * The target's _doc_text (the exact document text, which jsonb does not
 * keep) is read from the source's _doc, so it is checked byte for byte.
 */
struct cols {
	struct pg_column *pg;
	size_t n;
	const char **names;    /* pg[i].name, for the source's scan */
	char **prefix;         /* "<name>=", as the checksum's row text has it */
	size_t *plen;
	char *seen;            /* while reading: the source has column i */
};

static void cols_release(struct cols *cs)
{
	size_t i;

	for (i = 0; cs->prefix && i < cs->n; i++)
		free(cs->prefix[i]);
	pg_columns_free(cs->pg, cs->n);
	free(cs->names);
	free(cs->prefix);
	free(cs->plen);
	free(cs->seen);
	memset(cs, 0, sizeof(*cs));
}

struct source_col {
	struct cols *cs;
	const char *table;
	struct error *err;
};

/* A column of the source: it must be in the target (found, marked). */
static int source_col(void *ctx, const char *name)
{
	struct source_col *sc = ctx;
	size_t i;

	for (i = 0; i < sc->cs->n; i++)
		if (!strcmp(sc->cs->pg[i].name, name)) {
			sc->cs->seen[i] = 1;
			return 0;
		}
	return error_set(sc->err, ERR_IO,
			 "column '%s' of table '%s' has no counterpart in PostgreSQL",
			 name, sc->table);
}

static int common_cols(struct work *w, const char *t, struct cols *cs,
		       struct error *err)
{
	struct source_col sc = { cs, t, err };
	size_t i, k = 0;
	int rc, doc_seen = 0;

	memset(cs, 0, sizeof(*cs));
	if ((rc = pg_target_columns(w->dst, t, &cs->pg, &cs->n, err)))
		return rc;
	cs->seen = calloc(cs->n + 1, 1);
	if (!cs->seen)
		return error_set(err, ERR_IO, "out of memory");
	if ((rc = sqlite_columns_of(w->src, t, source_col, &sc, err)))
		return rc;
	for (i = 0; i < cs->n; i++)
		if (!strcmp(cs->pg[i].name, "_doc"))
			doc_seen = cs->seen[i];
	for (i = 0; i < cs->n; i++) {
		/* PostgreSQL's exact text of a document is SQLite's _doc */
		if (cs->seen[i] || (doc_seen && !strcmp(cs->pg[i].name, "_doc_text")))
			cs->pg[k++] = cs->pg[i];
		else
			free(cs->pg[i].name);
	}
	cs->n = k;
	cs->names = calloc(k + 1, sizeof(*cs->names));
	cs->prefix = calloc(k + 1, sizeof(*cs->prefix));
	cs->plen = calloc(k + 1, sizeof(*cs->plen));
	if (!cs->names || !cs->prefix || !cs->plen)
		return error_set(err, ERR_IO, "out of memory");
	for (i = 0; i < k; i++) {
		struct strbuf sb = STRBUF_INIT;

		cs->names[i] = strcmp(cs->pg[i].name, "_doc_text") ? cs->pg[i].name : "_doc";
		strbuf_addf(&sb, "%s=", cs->pg[i].name);
		cs->plen[i] = sb.len;
		if (!(cs->prefix[i] = strbuf_detach(&sb)))
			return error_set(err, ERR_IO, "out of memory");
	}
	return 0;
}

/* ------------------------------------------------------------ source values */

/* One SQLite value as PostgreSQL input text; s points into SQLite or tmp. */
struct sval {
	const char *s;
	size_t n;
	int null;
	int64_t ts;            /* a timestamp's binary form, set by bin_ok */
	char tmp[40];
};

/*
 * The value of column i of the scan's row as PostgreSQL input text for a
 * target column of type t.  Returns -1 when the text holds a NUL byte,
 * which PostgreSQL text cannot store.  v->s stays valid until the next row.
 */
static int source_value(const struct sqlite_scan *sc, size_t i, enum col_type t,
			struct sval *v)
{
	enum sqlite_class k = sqlite_scan_class(sc, i);
	int n;

	v->null = k == SQ_NULL;
	v->s = "";
	v->n = 0;
	if (v->null)
		return 0;
	if (t == COL_BOOLEAN && k == SQ_INTEGER) {
		v->s = sqlite_scan_int(sc, i) ? "t" : "f";
		v->n = 1;
		return 0;
	}
	if ((t == COL_REAL || t == COL_TEXT || t == COL_INTEGER) && k == SQ_FLOAT) {
		double d = sqlite_scan_double(sc, i);

		if (t == COL_INTEGER && d == floor(d) && fabs(d) < 9.2e18)
			n = snprintf(v->tmp, sizeof(v->tmp), "%lld", (long long)d);
		else if (isinf(d))
			n = snprintf(v->tmp, sizeof(v->tmp), "%s", d > 0 ? "Infinity" : "-Infinity");
		else
			n = snprintf(v->tmp, sizeof(v->tmp), "%.17g", d);
		v->s = v->tmp;
		v->n = (size_t)n;
		return 0;
	}
	v->s = sqlite_scan_text(sc, i, &v->n);
	if (memchr(v->s, '\0', v->n))
		return -1;
	if (v->n == 0 && t != COL_TEXT)
		v->null = 1;   /* "" is no timestamp, number or JSON: "unknown" */
	return 0;
}

/*
 * 1 when value v of column c (the scan's column i) has an exact binary
 * form: text and jsonb as their bytes, integers, reals and booleans from
 * SQLite's own values, timestamps in the stored canonical form.  Anything
 * else goes as text, for PostgreSQL to parse (and accept or reject) as it
 * always did.
 */
static int bin_ok(const struct sqlite_scan *sc, size_t i, const struct pg_column *c,
		  struct sval *v)
{
	enum sqlite_class k;
	struct tstamp ts;

	if (v->null)
		return 1;
	k = sqlite_scan_class(sc, i);
	switch (c->wire) {
	case PG_WIRE_TEXT:
	case PG_WIRE_JSONB:
		return 1;
	case PG_WIRE_INT8:
	case PG_WIRE_BOOL:
		return k == SQ_INTEGER;
	case PG_WIRE_FLOAT8:
		return k == SQ_INTEGER || k == SQ_FLOAT;
	case PG_WIRE_TSTZ:
		if (k != SQ_TEXT || tstamp_parse(v->s, v->n, TSTAMP_STORED, &ts, NULL))
			return 0;
		v->ts = tstamp_to_us(&ts);
		return 1;
	default:
		return 0;
	}
}

/* ------------------------------------------------------------ the copy */

/* One row as binary COPY fields; every value passed bin_ok. */
static int put_bin_row(struct pg_copy *c, const struct sqlite_scan *sc,
		       const struct cols *cs, const struct sval *v, struct error *err)
{
	size_t i;
	int rc;

	pg_copy_row(c, cs->n);
	for (i = 0; i < cs->n; i++) {
		if (v[i].null) {
			pg_copy_null(c);
			continue;
		}
		switch (cs->pg[i].wire) {
		case PG_WIRE_JSONB:
		case PG_WIRE_TEXT:
			rc = pg_copy_bytes(c, v[i].s, v[i].n, cs->pg[i].wire == PG_WIRE_JSONB, err);
			if (rc)
				return rc;
			break;
		case PG_WIRE_INT8:
			pg_copy_int8(c, sqlite_scan_int(sc, i));
			break;
		case PG_WIRE_BOOL:
			pg_copy_bool(c, sqlite_scan_int(sc, i) != 0);
			break;
		case PG_WIRE_FLOAT8:
			pg_copy_float8(c, sqlite_scan_class(sc, i) == SQ_INTEGER ?
				       (double)sqlite_scan_int(sc, i) : sqlite_scan_double(sc, i));
			break;
		case PG_WIRE_TSTZ:
			pg_copy_tstz(c, v[i].ts);
			break;
		default:
			return error_set(err, ERR_IO, "internal error: no binary form for column '%s'",
					 cs->pg[i].name);
		}
	}
	return 0;
}

/* One row as COPY text. */
static int put_text_row(struct pg_copy *c, const struct cols *cs,
			const struct sval *v, struct error *err)
{
	size_t i;

	for (i = 0; i < cs->n; i++) {
		if (i)
			strbuf_addch(&c->buf, '\t');
		if (pg_copy_field(c, v[i].null ? NULL : v[i].s, v[i].n, err))
			return ERR_IO;
	}
	strbuf_addch(&c->buf, '\n');
	return 0;
}

/* The source checksum's row text, from the values that were sent. */
static int digest_source_row(struct work *w, const struct cols *cs,
			     const struct sval *v)
{
	size_t i;

	rowsum_begin(w->rs);
	for (i = 0; i < cs->n; i++) {
		if (v[i].null)
			rowsum_null(w->rs, cs->prefix[i], cs->plen[i]);
		else
			rowsum_text(w->rs, cs->prefix[i], cs->plen[i], cs->pg[i].type,
				    v[i].s, v[i].n);
	}
	return rowsum_end(w->rs);
}

/*
 * Copy table t from SQLite into PostgreSQL, one scan: each row becomes
 * COPY data and, from the same values, its canonical text for the source
 * checksum.  Binary COPY where every column allows it; a value with no
 * binary form ends it, and the rest of the table goes in a text COPY.  The
 * time goes to the read, verify_source and copy stages.
 */
static int copy_table(struct work *w, const char *t, const struct cols *cs,
		      struct promote_table *pt, struct error *err)
{
	struct sqlite_scan *sc = NULL;
	struct sval *v = NULL;
	struct pg_copy c;
	size_t i;
	int rc, copying = 0, binary = 1, ok;

	memset(&c, 0, sizeof(c));
	for (i = 0; i < cs->n; i++)
		binary &= pg_wire_binary(cs->pg[i].wire);
	v = calloc(cs->n + 1, sizeof(*v));
	if (!v) {
		rc = error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	if ((rc = sqlite_scan_start(w->src, t, cs->names, cs->n, &sc, err)) ||
	    (rc = pg_target_copy_in(w->dst, &c, t, cs->pg, cs->n, binary, err)))
		goto out;
	copying = 1;
	lap(w, PROMOTE_STAGE_COPY);
	while ((rc = sqlite_scan_next(sc, err)) == 1) {
		ok = 1;
		for (i = 0; i < cs->n; i++) {
			if (source_value(sc, i, cs->pg[i].type, &v[i])) {
				rc = error_set(err, ERR_IO,
					       "table '%s', column '%s': a value holds a NUL byte",
					       t, cs->pg[i].name);
				goto out;
			}
			/* jsonb cannot hold \u0000: such a document's _doc is
			 * NULL, as a migrate into PostgreSQL leaves it; its
			 * bytes go to _doc_text */
			if (!v[i].null && cs->pg[i].wire == PG_WIRE_JSONB &&
			    !strcmp(cs->pg[i].name, "_doc") &&
			    jsonread_has_nul_escape(v[i].s, v[i].n))
				v[i].null = 1;
			if (binary && ok)
				ok = bin_ok(sc, i, &cs->pg[i], &v[i]);
		}
		if (binary && !ok) {
			/* end the binary COPY here; the rest of the table goes as text */
			copying = 0;
			rc = pg_copy_end(&c, err);
			pt->bytes += c.sent;
			c.sent = 0;
			if (rc || (rc = pg_target_copy_in(w->dst, &c, t, cs->pg, cs->n, 0, err)))
				goto out;
			copying = 1;
			binary = 0;
		}
		rc = binary ? put_bin_row(&c, sc, cs, v, err) : put_text_row(&c, cs, v, err);
		if (rc)
			goto out;
		lap(w, PROMOTE_STAGE_READ);
		if (digest_source_row(w, cs, v) || c.buf.failed) {
			rc = error_set(err, ERR_IO, "out of memory");
			goto out;
		}
		rowsum_trim(w->rs, TRIM_ABOVE);
		pt->rows++;
		lap(w, PROMOTE_STAGE_VERIFY_SOURCE);
		if (c.buf.len >= PG_COPY_CHUNK) {
			if ((rc = pg_copy_flush(&c, err)))
				goto out;
			lap(w, PROMOTE_STAGE_COPY);
		}
	}
	lap(w, PROMOTE_STAGE_READ);
	if (rc)
		goto out;
	copying = 0;
	rc = pg_copy_end(&c, err);
out:
	if (copying)
		pg_copy_abort(&c);
	pt->bytes += c.sent;
	rowsum_finish(w->rs, rc ? NULL : pt->source_sum);
	lap(w, PROMOTE_STAGE_COPY);
	sqlite_scan_end(sc);
	free(v);
	return rc;
}

/* ------------------------------------------------------------ verification */

struct verify {
	struct work *w;
	const struct cols *cs;
	struct promote_table *pt;
};

/* Column i's value as its binary COPY field has it, into the row's text. */
static int field_digest(struct rowsum *rs, const struct cols *cs, size_t i,
			const struct pg_field *f)
{
	const char *p = cs->prefix[i], *s;
	size_t pl = cs->plen[i], n;
	int64_t iv;
	double d;
	int b;

	switch (cs->pg[i].wire) {
	case PG_WIRE_TEXT:
	case PG_WIRE_TEXT_CAST:
	case PG_WIRE_TS_CHAR:
		rowsum_text(rs, p, pl, cs->pg[i].type, (const char *)f->p, f->n);
		return 0;
	case PG_WIRE_JSONB:
		if (pg_field_jsonb(f, &s, &n))
			return -1;
		rowsum_text(rs, p, pl, cs->pg[i].type, s, n);
		return 0;
	case PG_WIRE_INT8:
	case PG_WIRE_INT4:
	case PG_WIRE_INT2:
		if (pg_field_int(f, cs->pg[i].wire == PG_WIRE_INT8 ? 8 :
				 cs->pg[i].wire == PG_WIRE_INT4 ? 4 : 2, &iv))
			return -1;
		rowsum_int(rs, p, pl, iv);
		return 0;
	case PG_WIRE_BOOL:
		if (pg_field_bool(f, &b))
			return -1;
		rowsum_value(rs, p, pl, b ? "t" : "f", 1);
		return 0;
	case PG_WIRE_FLOAT8:
		if (pg_field_float8(f, &d))
			return -1;
		rowsum_double(rs, p, pl, d);
		return 0;
	case PG_WIRE_TSTZ:
		if (pg_field_int(f, 8, &iv))
			return -1;
		rowsum_tstz(rs, p, pl, iv);
		return 0;
	}
	return -1;
}

/* One row read back: -1 for a field that makes no sense, -2 out of memory. */
static int verify_row(void *ctx, const struct pg_field *f)
{
	struct verify *vf = ctx;
	struct rowsum *rs = vf->w->rs;
	size_t i;

	rowsum_begin(rs);
	for (i = 0; i < vf->cs->n; i++) {
		if (!f[i].p)
			rowsum_null(rs, vf->cs->prefix[i], vf->cs->plen[i]);
		else if (field_digest(rs, vf->cs, i, &f[i]))
			return -1;
	}
	if (rowsum_end(rs))
		return -2;
	rowsum_trim(rs, TRIM_ABOVE);
	vf->pt->target_rows++;
	return 0;
}

/*
 * Count and checksum table t as PostgreSQL has it now: one binary COPY
 * TO STDOUT read as it streams, so memory stays at one row while the
 * server produces rows and the client digests them at the same time.
 */
static int verify_table(struct work *w, const char *t, const struct cols *cs,
			struct promote_table *pt, struct error *err)
{
	struct verify vf = { w, cs, pt };
	int rc = pg_target_copy_out(w->dst, t, cs->pg, cs->n, verify_row, &vf, err);

	if (rc == -1)
		rc = error_set(err, ERR_IO, "verify: unexpected data in the copy of table '%s'", t);
	else if (rc == -2)
		rc = error_set(err, ERR_IO, "verify: out of memory");
	rowsum_finish(w->rs, rc ? NULL : pt->target_sum);
	return rc;
}

/* ------------------------------------------------------------ the run */

static const char *const ledger[] = {
	"wsm_runs", "wsm_files", "wsm_sources", "wsm_hist_wsm_sources", "wsm_tables",
};
#define N_LEDGER (sizeof(ledger) / sizeof(ledger[0]))

/*
 * The tables to copy, in order: the ledger (wsm_warnings when the source
 * has it), then each table and its history.
 */
static char **copy_list(const struct table_defs *ds, int warnings, size_t *n)
{
	char **l = calloc(N_LEDGER + 1 + 2 * ds->n + 1, sizeof(*l));
	size_t i, k = 0;
	int bad = 0;

	if (!l)
		return NULL;
	for (i = 0; i < N_LEDGER; i++)
		bad |= !(l[k++] = util_strdup(ledger[i]));
	if (warnings)
		bad |= !(l[k++] = util_strdup(LEDGER_WARNINGS));
	for (i = 0; i < ds->n; i++) {
		struct strbuf hist = STRBUF_INIT;

		strbuf_addf(&hist, HIST_PREFIX "%s", ds->d[i].name);
		bad |= !(l[k++] = util_strdup(ds->d[i].name));
		bad |= !(l[k++] = strbuf_detach(&hist));
	}
	*n = k;
	if (bad) {
		storage_free_names(l, k);
		return NULL;
	}
	return l;
}

/* Copy, index and verify one table; its row in rep was named by the caller. */
static int promote_table(struct work *w, const char *t, struct promote_table *pt,
			 struct error *err)
{
	struct strbuf idx = STRBUF_INIT;
	struct cols cs;
	double t1 = util_monotonic();
	int64_t src;
	int rc;

	if ((rc = common_cols(w, t, &cs, err)))
		goto out;
	src = sqlite_count_rows(w->src, t);
	if ((src < 0 || src >= DEFER_MIN_ROWS) &&
	    (rc = pg_target_defer_indexes(w->dst, t, &idx, err)))
		goto out;
	lap(w, PROMOTE_STAGE_PREPARE);
	if ((rc = copy_table(w, t, &cs, pt, err)))
		goto out;
	if (idx.len) {
		rc = pg_target_build_indexes(w->dst, &idx, err);
		lap(w, PROMOTE_STAGE_INDEX);
		if (rc)
			goto out;
	}
#ifdef WSM_TEST_HOOKS
	if ((rc = pg_target_fault(w->dst, t, err)))
		goto out;
#endif
	rc = verify_table(w, t, &cs, pt, err);
	lap(w, PROMOTE_STAGE_VERIFY_TARGET);
out:
	cols_release(&cs);
	strbuf_release(&idx);
	pt->seconds = util_monotonic() - t1;
	pt->ok = !rc && pt->rows == pt->target_rows &&
		 !strcmp(pt->source_sum, pt->target_sum);
	return rc;
}

/*
 * Open the source and list what it holds: the snapshot, its definitions
 * and the tables to copy, each checked to exist.
 */
static int open_source(const char *from, struct work *w, struct table_defs *ds,
		       char ***names, size_t *n, struct error *err)
{
	const char *path = !strncmp(from, "sqlite:", 7) ? from + 7 : from;
	size_t i;
	int rc;

	if (!*path)
		return error_set(err, ERR_USAGE, "--from: no SQLite database given");
	if ((rc = sqlite_open_snapshot(path, &w->src, err)))
		return rc;
	for (i = 0; i < N_LEDGER; i++)
		if (!sqlite_has_table(w->src, ledger[i])) {
			error_set(err, ERR_IO, "'%s' is not a database made by wsmigrate (no table '%s')",
				  path, ledger[i]);
			return error_hint(err, "check --from; `wsmigrate runs --db sqlite:%s`"
					  " lists the runs of a wsmigrate database", path);
		}
	if ((rc = sqlite_read_defs(w->src, ds, err)))
		return rc;
	*names = copy_list(ds, sqlite_has_table(w->src, LEDGER_WARNINGS), n);
	if (!*names)
		return error_set(err, ERR_IO, "out of memory");
	for (i = 0; i < *n; i++)
		if (!sqlite_has_table(w->src, (*names)[i]))
			return error_set(err, ERR_IO,
					 "'%s': table '%s' is recorded in wsm_tables but missing",
					 path, (*names)[i]);
	return 0;
}

/*
 * Open the target, take the writers' lock, refuse it when not empty
 * (unless force), make the tables and empty them, all in one transaction.
 */
static int prepare_target(const char *to, const struct promote_opts *opts,
			  struct work *w, const struct table_defs *ds,
			  char **names, size_t n, const char *shown,
			  struct error *err)
{
	struct storage_opts so = { 0 };
	char **extra = NULL;
	size_t n_extra = 0;
	int rc;

	/* refuse before storage_open, which would create an SQLite file */
	if (strncmp(to, "postgres", 8) != 0 && (!strchr(to, '=') || !strncmp(to, "sqlite:", 7)))
		return error_set(err, ERR_USAGE,
				 "--to must be a PostgreSQL database (postgresql://... or \"host=... dbname=...\"), not '%s'",
				 shown);
	if ((rc = storage_open(to, &so, &w->dst, err)) || (rc = storage_begin(w->dst, err)))
		return rc;
	/*
	 * Tables the target's wsm_tables records that the source lacks count
	 * for "not empty", and force empties them too: the ledger that
	 * explains them is replaced.
	 */
	if ((rc = pg_target_extra(w->dst, names, n, &extra, &n_extra, err)))
		goto out;
	if (!opts->force && ((rc = pg_target_check_empty(w->dst, names, n, shown, err)) ||
			     (rc = pg_target_check_empty(w->dst, extra, n_extra, shown, err))))
		goto out;
	if (n_extra && (rc = pg_target_truncate(w->dst, extra, n_extra, err)))
		goto out;
	if ((rc = storage_ensure_tables(w->dst, ds->d, ds->n, err)) ||
	    (rc = pg_target_truncate(w->dst, names, n, err)) ||
	    (rc = pg_target_fast_toast(w->dst, err)))
		goto out;
	/* a source from an older version has no warnings: none may remain */
	if (!sqlite_has_table(w->src, LEDGER_WARNINGS)) {
		char *wt[1] = { (char *)LEDGER_WARNINGS };

		rc = pg_target_truncate(w->dst, wt, 1, err);
	}
out:
	storage_free_names(extra, n_extra);
	return rc;
}

int promote_run(const char *from, const char *to,
		const struct promote_opts *opts, struct promote_report *rep,
		struct error *err)
{
	struct table_defs ds = TABLE_DEFS_INIT;
	struct work w;
	char **names = NULL;
	size_t n = 0, i;
	double t0 = util_monotonic();
	int rc, all_ok = 1;

	memset(rep, 0, sizeof(*rep));
	memset(&w, 0, sizeof(w));
	w.stages = rep->stages;
	w.mark = t0;
	storage_mask_url(from, rep->from, sizeof(rep->from));
	storage_mask_url(to, rep->to, sizeof(rep->to));
	if (!(w.rs = rowsum_new())) {
		rc = error_set(err, ERR_IO, "cannot set up sha256 (OpenSSL)");
		goto out;
	}
	if ((rc = open_source(from, &w, &ds, &names, &n, err)) ||
	    (rc = prepare_target(to, opts, &w, &ds, names, n, rep->to, err)))
		goto out;
	rep->tables = calloc(n, sizeof(*rep->tables));
	if (!rep->tables) {
		rc = error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	lap(&w, PROMOTE_STAGE_PREPARE);
	for (i = 0; i < n; i++) {
		struct promote_table *pt = &rep->tables[i];

		snprintf(pt->name, sizeof(pt->name), "%s", names[i]);
		rep->n = i + 1;
		if ((rc = promote_table(&w, names[i], pt, err))) {
			error_prefix(err, "table '%s'", names[i]);
			goto out;
		}
		all_ok &= pt->ok;
	}
	if ((rc = pg_target_bump_sequences(w.dst, names, n, err)))
		goto out;
	if (!all_ok) {
		rc = error_set(err, ERR_DATA, "verification failed: the target was left unchanged");
		goto out;
	}
	if ((rc = storage_commit(w.dst, err)))
		goto out;
	rep->committed = 1;
out:
	if (w.dst && !rep->committed)
		storage_rollback(w.dst, NULL);
	storage_close(w.dst);
	storage_close(w.src);
	lap(&w, rep->n ? PROMOTE_STAGE_COMMIT : PROMOTE_STAGE_PREPARE);
	rep->seconds = util_monotonic() - t0;
	storage_free_names(names, n);
	table_defs_release(&ds);
	rowsum_free(w.rs);
	return rc;
}

#endif
