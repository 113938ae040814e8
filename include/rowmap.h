/*
 * rowmap.h - map one parsed document to typed table rows, as its rule says
 *
 * For each column of the rule's main table (one row per file) and of each
 * child table (one row per element of the array or object the child's
 * "each" points at, or per scalar leaf for "**"), the value comes from the
 * first JSON Pointer that is present and not null, then from the path, then
 * from the element's key or index or the parent row ("from": "parent"),
 * then from the default.  A value of the wrong JSON type for its column, a
 * bad timestamp or an integer beyond 2^53 makes the whole file invalid,
 * unless the column says "on_error": "null": then the value is stored as
 * NULL and a warning is recorded (the document keeps the original).  A
 * missing required value always makes the file invalid.
 *
 * Calling sequence: rowmap_out_init once, then rowmap_document per file (rows
 * and warnings accumulate), rowmap_out_reset after the batch is stored,
 * rowmap_out_release at the end.  `json` column values point into the
 * document buffer, which the caller must keep alive until the rows are
 * stored; other strings (warning texts included) are copied into the
 * rowmap_out's arena.  Table and column names in warnings are borrowed from
 * the manifest.
 */
#ifndef WSM_ROWMAP_H
#define WSM_ROWMAP_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "error.h"
#include "manifest.h"
#include "table.h"
#include "util.h"

/* A row under construction: its values live at out->values[value_off]. */
struct rowmap_row {
	const struct table_def *table;
	size_t value_off;
	int64_t index;
};

/* Warnings kept per document; the rest are only counted. */
#define ROWMAP_MAX_WARNINGS 20

/* A value that did not fit a lenient column and was stored as NULL. */
struct rowmap_warning {
	const char *table;             /* the row's table */
	const char *column;
	const char *pointer;           /* JSON Pointer of the value in the
					  document, "" when it came from the
					  path, a key or an index */
	const char *message;           /* why it did not fit */
};

struct rowmap_out {
	struct value *values;
	size_t n_values, cap_values;
	struct rowmap_row *rows;
	size_t n_rows, cap_rows;
	struct rowmap_warning *warnings;
	size_t n_warnings, cap_warnings;
	struct arena arena;            /* stable-address string storage */
};

/* What rowmap_document added for one document. */
struct rowmap_result {
	size_t n_rows;                 /* rows added (after those before) */
	size_t warn_off;               /* its warnings: out->warnings[warn_off ..] */
	size_t n_warnings;             /* ... kept: at most ROWMAP_MAX_WARNINGS */
	size_t warning_total;          /* all of them, kept or not */
};

void rowmap_out_init(struct rowmap_out *out);
/* Forget all rows and strings (keeps some capacity). */
void rowmap_out_reset(struct rowmap_out *out);
/* Free everything; the struct itself is the caller's. */
void rowmap_out_release(struct rowmap_out *out);

/*
 * Append the rows of one document.  `doc` is the document's bytes (after
 * any BOM) and `root` its parse tree; `relpath` is the path relative to the
 * tree root.  On success returns 0 and fills *res (rows and warnings
 * added).  On failure returns ERR_DATA with err->pointer at the offending
 * value and err->msg saying why (ERR_IO when out of memory); no rows or
 * warnings of this document remain in `out`.
 */
int rowmap_document(const struct manifest_rule *rule, const char *relpath,
		 const char *doc, size_t doc_len, const cJSON *root,
		 struct rowmap_out *out, struct rowmap_result *res, struct error *err);

/*
 * The "kind" of a path (from_path "kind"): the last folder's name and the
 * file stem joined by '/', the stem alone at the root, lower-cased, each
 * run of ASCII digits replaced by '#'.  Writes at most size-1 bytes and a
 * NUL; returns the length written.
 * "agent_workspaces/Agent-3/tasks/TASK_AGENT3_0007.json" -> "tasks/task_agent#_#"
 */
size_t rowmap_path_kind(const char *relpath, char *buf, size_t size);

#endif
