/*
 * promote.h - copy a database made by wsmigrate from SQLite into
 * PostgreSQL, then verify every table.
 *
 * What is copied: every data table recorded in wsm_tables and its history
 * table wsm_hist_<T>, and the ledger (wsm_runs, wsm_files, wsm_sources,
 * wsm_hist_wsm_sources, wsm_tables), so that `rollback` keeps working on
 * the PostgreSQL copy.  The PostgreSQL tables are made by the PostgreSQL
 * backend itself (storage_ensure_tables), so they are exactly what a
 * migrate straight into PostgreSQL would have made; the values are mapped
 * by the target column types (TEXT timestamps -> timestamptz, 0/1 ->
 * boolean, JSON text -> jsonb; an empty string in a column that is not
 * text becomes NULL) and sent with COPY.
 *
 * All of it happens in one PostgreSQL transaction holding the writers'
 * advisory lock: the copy, then the verification.  Any failure, including
 * a verification mismatch, rolls back and leaves the target as it was.
 * A target that already has rows in any of these tables is refused unless
 * opts.force, which empties those tables first (in the same transaction).
 *
 * Verification, per table: the row count on both sides, and a checksum
 * computed the same way from both databases (client side):
 *     checksum = the sum, modulo 2^256, of the rows' sha256 read as
 *     256-bit big-endian integers (an additive multiset hash), where a
 *     row's text is, for each column common to both sides in name order,
 *     "<name>=<length>:<canonical value>;" and NULL is "<name>=N;".
 * Canonical values: integers in decimal; booleans "t"/"f"; reals as
 * "%.17g" of the double; timestamps as "YYYY-MM-DDTHH:MM:SS.ffffffZ";
 * JSON re-serialised with object keys sorted bytewise, no whitespace,
 * strings unescaped then re-escaped minimally, and numbers as exact
 * decimals ("1.50" = "1.5" = "15e-1"), because jsonb keeps the value of
 * a document but not its bytes, key order or number spelling; text as is.
 * Adding the row digests makes the checksum independent of row order and
 * needs constant memory however many rows a table has.
 *
 * Note: jsonb does not keep the original bytes of `_doc` (whitespace, key
 * order, number spelling); the values are kept exactly.  The verification
 * proves the values are equal, not the bytes.
 *
 * Calling sequence:
 *     struct promote_report rep;
 *     rc = promote_run(from, to, &opts, &rep, err);   -- fills rep even when
 *                                                        verification fails
 *     ... print rep ...
 *     promote_report_release(&rep);                  -- always
 */
#ifndef WSM_PROMOTE_H
#define WSM_PROMOTE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct storage;

struct promote_opts {
	int force;            /* empty a non-empty target instead of refusing */
};

struct promote_table {
	char name[128];
	int64_t rows;         /* rows read from SQLite and copied */
	int64_t target_rows;  /* rows counted in PostgreSQL afterwards */
	int64_t bytes;        /* COPY data sent */
	double seconds;       /* copy and verification of this table */
	char source_sum[65];  /* checksums as described above */
	char target_sum[65];
	int ok;               /* counts and checksums equal */
};

struct promote_report {
	struct promote_table *tables;  /* in copy order */
	size_t n;
	double seconds;
	int committed;        /* 1 when the target was changed */
	char from[1024];      /* the URLs as shown (passwords masked) */
	char to[1024];
};

/*
 * Copy `from` (sqlite:PATH or a .db/.sqlite/.sqlite3 path) into `to` (a
 * PostgreSQL URL or keyword string).  Returns 0 when copied and verified;
 * ERR_DATA when a table did not verify (rolled back; rep says which);
 * ERR_USAGE for a bad source or a non-empty target without force; ERR_IO
 * for database failures.  rep is filled as far as the run got and must be
 * released with promote_report_release in every case.
 */
int promote_run(const char *from, const char *to,
		const struct promote_opts *opts, struct promote_report *rep,
		struct error *err);

/* Free what promote_run put in rep.  Accepts a zeroed rep. */
void promote_report_release(struct promote_report *rep);

#ifndef WSM_NO_PG
/*
 * The libpq connection (PGconn) of an open PostgreSQL storage, so that
 * promote can COPY inside the transaction that storage_begin opened.
 * Defined in storage_pg.c; borrowed; NULL when `st` is not PostgreSQL.
 */
struct pg_conn *storage_pg_conn(struct storage *st);
#endif

#endif
