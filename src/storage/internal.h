/*
 * storage/internal.h - what the files of the storage family share, and no
 * one else may include (the way git keeps refs/ behind refs-internal.h).
 *
 * The family: storage.c (the backend table and the wrappers of storage.h),
 * the SQLite backend (sqlite*.c), the PostgreSQL backend (pg*.c), promote
 * (promote.c, a storage operation: SQLite in, PostgreSQL out), the storer
 * thread (storer.c) and the codec of table definitions (table_codec.c).
 */
#ifndef WSM_STORAGE_INTERNAL_H
#define WSM_STORAGE_INTERNAL_H

#include "storage.h"
#include "util.h"

/*
 * The checked downcast of every backend method, as git's files_downcast:
 * `st` must be a handle that backend `ops` opened (its struct begins with
 * struct storage).  Anything else is a programming error (BUG), which an
 * assert stops.  Returns st, to be assigned to the backend's struct:
 *
 *     struct pg_storage *ps = storage_downcast(st, &storage_pg_ops);
 */
void *storage_downcast(struct storage *st, const struct storage_ops *ops);

/* ------------------------------------------------------------ table_codec.c */

/*
 * The one codec of table definitions (struct table_def, table.h) to and
 * from JSON.  Both backends keep a definition in wsm_tables as its name,
 * is_child and three JSON texts:
 *     columns   [{"name":"title","type":"text"},...]   (types: col_type_name)
 *     key       ["id"]
 *     indexes   ["n"]
 * so that revert and promote work without the manifest.
 */

/* The three texts of a definition (start with TABLE_JSON_INIT). */
struct table_json {
	struct strbuf columns, key, indexes;
};
#define TABLE_JSON_INIT { STRBUF_INIT, STRBUF_INIT, STRBUF_INIT }
/*
 * Append the texts of d to out.  Returns 0, or -1 when out of memory.
 * Release out with table_json_release in either case.
 */
int table_def_json(const struct table_def *d, struct table_json *out);
void table_json_release(struct table_json *tj);

/*
 * Decoded definitions and the memory they live in (start with
 * TABLE_DEFS_INIT; release with table_defs_release).
 */
struct table_defs {
	struct table_def *d;      /* in the order they were added */
	size_t n, alloc;
	struct arena mem;         /* their names, columns and lists */
};
#define TABLE_DEFS_INIT { NULL, 0, 0, ARENA_INIT(4096) }

/*
 * Decode one wsm_tables row (NULL texts count as malformed) and append it
 * to ds.  Returns 0; ERR_USAGE "wsm_tables: the definition of table 'T'
 * is malformed"; or ERR_IO when out of memory.
 */
int table_defs_add(struct table_defs *ds, const char *name, int is_child,
		   const char *columns, const char *key, const char *indexes,
		   struct error *err);
/* Free what ds holds and leave it empty.  Accepts a zeroed ds. */
void table_defs_release(struct table_defs *ds);

#endif
