/*
 * storer.h - store batches on a thread of their own.
 *
 * The pipeline's main thread reads, hashes, parses, validates and maps;
 * the database work of a batch (storage_put_batch) costs about as much
 * again.  A storer runs put_batch on a second thread, so the main thread
 * fills the next batch while the last one is stored (on PostgreSQL, while
 * the server ingests it).  One batch is in flight at a time: double
 * buffering, bounded memory.
 *
 * Ordering and errors: batches are stored in the order they are handed
 * over, on the one storage handle, inside the caller's transaction.  The
 * first failure is kept and returned by the next storer_put or
 * storer_wait; after a failure no further batch is taken.
 *
 * Threads: while a batch is in flight the caller must not use the storage
 * handle, except storage_source_lookup_many, which backends allow from one
 * other thread (see storage.h).  After storer_wait returns, the handle is
 * the caller's again until the next storer_put.
 *
 * Calling sequence:
 *     storer_start(st, &s, err)
 *     storer_put(s, &batch, err)     -- any number; the memory the batch
 *                                       points to must stay untouched until
 *                                       the next storer_put or storer_wait
 *                                       returns
 *     storer_wait(s, err)            -- before any other use of st
 *     storer_stop(s)                 -- always (waits, joins, frees)
 */
#ifndef WSM_STORER_H
#define WSM_STORER_H

#include "error.h"
#include "storage.h"

struct storer;

/* Start the thread.  On success *out belongs to the caller (storer_stop). */
int storer_start(struct storage *st, struct storer **out, struct error *err);

/*
 * Wait until the batch in flight (if any) is stored, then hand `b` over and
 * return at once.  Returns the failure of an earlier batch instead (and
 * does not take `b`).  The struct is copied; what it points to is borrowed
 * until the next storer_put or storer_wait returns.
 */
int storer_put(struct storer *s, const struct batch *b, struct error *err);

/* Wait until nothing is in flight.  Returns the first failure, if any. */
int storer_wait(struct storer *s, struct error *err);

/* Seconds the thread spent storing (busy time, for --stats). */
double storer_busy_s(const struct storer *s);

/* Wait for the batch in flight, stop the thread, free.  Accepts NULL. */
void storer_stop(struct storer *s);

#endif
