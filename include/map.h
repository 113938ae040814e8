/*
 * map.h - turn one parsed document into typed rows, as its rule says.
 *
 * For each column of the rule's main table (one row per file) and of each
 * child table (one row per element of the array or object the child's
 * "each" points at, or per scalar leaf for "**"), the value comes from the
 * first JSON Pointer that is present and not null, then from the path, then
 * from the element's key or index, then from the default.  A value of the
 * wrong JSON type for its column, a missing required value, a bad timestamp
 * or an integer beyond 2^53 makes the whole file invalid.
 *
 * Calling sequence: map_out_init once, then map_document per file (rows
 * accumulate), map_out_reset after the batch is stored, map_out_release at
 * the end.  `json` column values point into the document buffer, which the
 * caller must keep alive until the rows are stored; other strings are
 * copied into the map_out's arena.
 */
#ifndef WSM_MAP_H
#define WSM_MAP_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "error.h"
#include "manifest.h"
#include "storage.h"
#include "util.h"

/* A row under construction: its values live at out->values[value_off]. */
struct map_row {
	const struct table_def *table;
	size_t value_off;
	int64_t index;
};

struct map_out {
	struct value *values;
	size_t n_values, cap_values;
	struct map_row *rows;
	size_t n_rows, cap_rows;
	struct arena arena;            /* stable-address string storage */
};

void map_out_init(struct map_out *out);
/* Forget all rows and strings (keeps some capacity). */
void map_out_reset(struct map_out *out);
/* Free everything; the struct itself is the caller's. */
void map_out_release(struct map_out *out);

/*
 * Append the rows of one document.  `doc` is the document's bytes (after
 * any BOM) and `root` its parse tree; `relpath` is the path relative to the
 * tree root.  On success returns 0 and *n_rows is the number of rows added.
 * On failure returns ERR_DATA with err->pointer at the offending value and
 * err->msg saying why; no rows of this document remain in `out`.
 */
int map_document(const struct manifest_rule *rule, const char *relpath,
		 const char *doc, size_t doc_len, const cJSON *root,
		 struct map_out *out, size_t *n_rows, struct error *err);

#endif
