/*
 * promote.h - copy a database made by wsmigrate from SQLite into
 * PostgreSQL, then verify every table.
 *
 * The command layer's one entry to promote.  Promote is a storage
 * operation: it lives in src/storage/ (promote.c) and reads the source
 * through the SQLite backend and writes through the PostgreSQL backend's
 * COPY layer, inside the family (src/storage/internal.h); nothing else of
 * it is public.
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
 * How a table is moved (the load is bound by the PostgreSQL backend, so
 * each step is chosen to spare the server work; the client keeps up):
 *   - One scan of the SQLite table: each row is sent and, from the same
 *     values, digested for the source checksum.
 *   - COPY in binary format where that is exact (text, jsonb, bigint,
 *     double, boolean, and timestamps in the canonical form SQLite holds
 *     them in), so the server does not scan, unescape and parse text.  A
 *     value with no such form (an integer column holding text, say) ends
 *     the binary COPY; the rest of the table goes in a text COPY, so the
 *     server parses it, and accepts or rejects it, as it always did.
 *   - The plain indexes of a table with at least 1000 source rows are
 *     dropped before its COPY and created again right after it, in the same
 *     transaction, from their own pg_get_indexdef: one sort per index
 *     instead of an insertion per row, and the schema ends up exactly as
 *     storage_ensure_tables made it (same names and definitions).  Indexes
 *     that anything refers to (constraints, clustering, replica identity,
 *     a tablespace, a comment) stay in place.
 *   - When the server's default_toast_compression is its built-in default
 *     (pglz, not configured) and it supports lz4, the load sets it to lz4
 *     for its transaction (SET LOCAL): large values are compressed several
 *     times faster.  No column definition changes; values read the same.
 *   - Verification reads each table back with one binary COPY TO STDOUT
 *     and digests the rows as they stream, so memory stays at about one
 *     row.  COPY data goes out in pieces of 128 kB, and buffers that a
 *     value of several MB made grow are given back after that row, so the
 *     peak memory is about one large value's worth, not a sum.
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
 * order, number spelling); the values are kept exactly, and the bytes go
 * to the target's `_doc_text`, read from the source's `_doc`: a text
 * column, so the verification proves those equal byte for byte.
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

/*
 * Where the wall time of a run goes, stage by stage (they do not overlap
 * and add up to about promote_report.seconds):
 *   prepare        open both sides, check the target, make, empty and set
 *                  aside the indexes of the tables; read their columns
 *   read           the SQLite scan and the COPY text made from it
 *   verify_source  the canonical text and digests of the source rows
 *   copy           handing COPY data to PostgreSQL and waiting for it
 *   index          building the indexes that were set aside
 *   verify_target  reading each table back and digesting it
 *   commit         the history sequences, then COMMIT (or ROLLBACK)
 */
enum promote_stage {
	PROMOTE_STAGE_PREPARE,
	PROMOTE_STAGE_READ,
	PROMOTE_STAGE_VERIFY_SOURCE,
	PROMOTE_STAGE_COPY,
	PROMOTE_STAGE_INDEX,
	PROMOTE_STAGE_VERIFY_TARGET,
	PROMOTE_STAGE_COMMIT,
	PROMOTE_N_STAGES
};

struct promote_report {
	struct promote_table *tables;  /* in copy order */
	size_t n;
	double seconds;
	double stages[PROMOTE_N_STAGES];  /* seconds per stage */
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

/* The stage's name as --stats and the JSON summary show it ("read", ...). */
const char *promote_stage_name(enum promote_stage s);

#endif
