/*
 * watch.h - wait for a tree of files to change, then to settle
 * (`migrate --watch`).
 *
 * With inotify (Linux), every folder of the tree is watched (folders made
 * later are added as they appear, those removed are dropped, so memory
 * follows the number of folders, not of changes); the process sleeps in
 * poll() while nothing happens.  Only events that can change what a run
 * sees count: a name ending in ".json" (any case) created, written,
 * closed after writing, moved, deleted or given other attributes, or a
 * folder created, moved or deleted, or a lost-events overflow.  Without
 * inotify (or when its watch limit is reached) the tree is polled: a
 * signature of its folders and JSON files (names, sizes, mtimes) every
 * poll interval; watch_polling says so, for the caller to tell the user.
 *
 * A burst has settled when settle_ms pass with no counted event; a tree
 * that never stops changing still gets a run every WATCH_MAX_WAIT_MS.
 *
 *     watch_open(tree, &w, err)
 *     while ((r = watch_wait(w, settle_ms, &stop, err)) == 1)
 *         ... one run ...
 *     watch_close(w)
 *
 * watch_wait returns 1 when changes settled, 0 when *stop was set (a
 * signal handler sets it; poll() is interrupted and returns at once),
 * or ERR_IO with err.  Never prints.
 */
#ifndef WSM_WATCH_H
#define WSM_WATCH_H

#include <signal.h>

#include "error.h"

#define WATCH_DEFAULT_SETTLE_MS 1000
#define WATCH_MAX_WAIT_MS 30000
#define WATCH_POLL_MS 2000

struct watch;

/*
 * `exclude` (may be NULL) is a folder not to watch, such as the backup
 * folder when it is inside the tree (each run writes its index there);
 * it must exist to be recognised.
 */
int watch_open(const char *tree, const char *exclude, struct watch **out,
	       struct error *err);
int watch_wait(struct watch *w, int settle_ms, volatile sig_atomic_t *stop,
	       struct error *err);
/*
 * From now on, do not watch folder `dir` (it must exist), e.g. the backup
 * folder a run chose (when it is inside the tree, each run writes there).
 */
void watch_exclude(struct watch *w, const char *dir);
/* 1 when the tree is polled (no inotify, or its limit was reached). */
int watch_polling(const struct watch *w);
/* Why it polls ("" when it does not). */
const char *watch_polling_reason(const struct watch *w);
void watch_close(struct watch *w);

#endif
