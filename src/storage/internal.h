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

/*
 * The checked downcast of every backend method, as git's files_downcast:
 * `st` must be a handle that backend `ops` opened (its struct begins with
 * struct storage).  Anything else is a programming error (BUG), which an
 * assert stops.  Returns st, to be assigned to the backend's struct:
 *
 *     struct pg_storage *ps = storage_downcast(st, &storage_pg_ops);
 */
void *storage_downcast(struct storage *st, const struct storage_ops *ops);

#endif
