/*
 * export.h - write the documents of a database back out as a tree of
 * JSON files (`wsmigrate export`).
 *
 * Each current document (or, with run_id, each document as of that run;
 * storage_export_docs has the exact meaning) is written under `to` at its
 * recorded path, with the mode recorded when it was imported and the last
 * mtime a run saw.  The database is only read, in one snapshot; memory
 * does not grow with the number of documents.  Paths follow the rules of
 * restore (backup_place_*): a path that is unsafe, or meets a symlink on
 * the way, is refused and nothing is written for it.
 *
 * What is written, per document (the edit policy):
 *   - SQLite keeps the original bytes in _doc: they are written.  When
 *     their sha256 is not the one recorded at import, someone edited _doc
 *     in the database: the edited text is written, reported EDITED.
 *   - PostgreSQL keeps the bytes in _doc_text and the value in _doc
 *     (jsonb, which is what users query and UPDATE).  When both hold the
 *     same JSON value, _doc_text is written (EXACT, or EDITED when its
 *     sha256 changed).  When they differ, _doc was edited: the edit wins,
 *     and jsonb's text of it is written (EDITED; key order and spacing
 *     are then jsonb's).  A row made before _doc_text existed gets
 *     jsonb's text too (REWRITTEN: same value, not the original bytes,
 *     which are in the run's archive: see `rollback --to`).
 *   - Typed columns are derived from the document at import and are not
 *     written back: an edit made only to a typed column does not reach
 *     the file (documented in the README; edit _doc instead).
 *
 * Calling sequence:
 *     struct export_summary sum;
 *     rc = export_run(&opts, on_event, ctx, &sum, err);
 * Returns 0; ERR_DATA (1) when any document was refused (each reported
 * through on_event); ERR_USAGE for a non-empty `to` without force, an
 * unknown or rolled-back run, or a --rule/--table matching nothing
 * recorded; ERR_IO on database or file-system failures.  Never prints.
 */
#ifndef WSM_EXPORT_H
#define WSM_EXPORT_H

#include <stdint.h>

#include "error.h"

struct export_opts {
	const char *db;        /* database URL */
	const char *to;        /* target folder: created, or empty, or force */
	const char *run_id;    /* the state as of this run, or NULL: current */
	const char *rule;      /* only this rule's files, or NULL */
	const char *table;     /* only this main table's documents, or NULL */
	const char *source;    /* only this source's files, or NULL: the run's
				  source with run_id, else every source: the
				  database's one source directly under `to`,
				  several sources each in a sub-folder of `to`
				  named after it (percent-encoded, "/" -> %2F) */
	int force;             /* write into a non-empty folder, replacing files */
};

enum export_kind {
	EXPORT_EXACT,          /* the bytes that were imported */
	EXPORT_EDITED,         /* edited in the database since; the edit written */
	EXPORT_REWRITTEN,      /* same value, not the original bytes (see above) */
	EXPORT_REFUSED         /* not written: why in `reason` */
};

/* "exact", "edited", "rewritten", "refused" */
const char *export_kind_name(enum export_kind k);

/* One document written or refused; strings valid during the call only. */
struct export_event {
	const char *path;
	const char *table;
	enum export_kind kind;
	const char *reason;    /* EDITED/REWRITTEN/REFUSED: why; else NULL */
	uint64_t bytes;
};

struct export_summary {
	char run_id[64];       /* the run exported as of, "" for current */
	char db_masked[1024];
	int64_t files;         /* written */
	int64_t exact, edited, rewritten, refused;
	uint64_t bytes;        /* written */
	int64_t sources;       /* several sources exported whole: how many
				  sub-folders; 0 when one tree went to `to` */
};

int export_run(const struct export_opts *opts,
	       void (*on_event)(void *ctx, const struct export_event *ev),
	       void *ctx, struct export_summary *sum, struct error *err);

#endif
