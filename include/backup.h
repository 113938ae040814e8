/*
 * backup.h - the backup archive of a run: <backup-dir>/<run-id>.tar.zst.
 *
 * Every real `migrate` snapshots the original files of the tree into one
 * zstd-compressed pax tar, so that `rollback` can put them back.  Entries
 * are stored as "tree/<relative path>" (path, mode, mtime with nanoseconds,
 * size); the last entry is the archive's *index*, the member
 * "MANIFEST.json", and the same index is written beside the archive as
 * <run-id>.manifest.json:
 *
 *   {"format":"wsmigrate-backup-1","run_id":"...","tree_root":"...",
 *    "tool_version":"...","created_at":"2026-11-21T17:45:00Z","files":[
 *   {"path":"a/b.json","size":12,"mode":420,"mtime_ns":...,"sha256":"..."},
 *   ...
 *   ],"file_count":N,"total_bytes":M}
 *
 * Naming: "manifest" in wsmigrate means the migration manifest
 * (schema/migration.json) only; this module calls the archive's file list
 * its index.  The two file names above keep the word from format 1, so
 * that every archive ever written reads as it did: they are names on disk,
 * not vocabulary.
 *
 * The index is valid JSON written with one file record per line; the
 * readers in this module rely on that layout and refuse anything else.
 * "mode" is the st_mode permission bits in decimal (420 = 0644).
 *
 * Entries and index records come in the same, canonical order: the
 * order of a depth-first walk whose siblings are sorted by strcmp (walk.c),
 * that is component by component, "d" before "d/x" before "d.x".  The
 * writer refuses files added in any other order, and verify and restore
 * refuse archives in any other order: that is what lets them validate
 * every entry in memory that does not grow with the number of files.
 *
 * Writing (one run):
 *
 *     backup_writer_open(dir, run_id, tree_root, &opts, &w, err)
 *     backup_writer_add(w, relpath, data, len, ...)   -- once per file
 *     backup_writer_finish(w, path, sizeof path, sha, &stats, err)
 *        or backup_writer_abort(w)
 *
 * add copies the caller's buffer into a queue bounded in bytes; a writer
 * thread compresses and writes while the caller goes on parsing.  An error
 * of the writer thread is returned by the next add or by finish.  The
 * archive is written as <run-id>.tar.zst.partial, fsynced, renamed, and the
 * folder fsynced; only then does finish return 0, with the sha256 of the
 * compressed archive, which the caller stores in the ledger when it commits.
 * If the commit fails, the caller calls backup_remove(path).  Memory stays
 * flat: index records are spilled to an unlinked temporary file.
 *
 * Reading: backup_verify, backup_restore and backup_read_index read an
 * archive (or its index) and report findings through a callback; the
 * strings handed to callbacks are valid only during the call.
 *
 * Return values follow error.h: 0 ok, ERR_DATA (1) when the backup or the
 * target has problems (each reported through the callback, and err holds a
 * one-line summary), ERR_USAGE (2) for bad arguments, ERR_IO (3) for I/O
 * failures and archives that cannot be read to the end (err names the
 * archive and libarchive's reason).  Nothing here prints or exits.
 *
 * Ownership: arguments are borrowed.  The writer returned by
 * backup_writer_open is freed by backup_writer_finish (whatever it returns)
 * or by backup_writer_abort.
 */
#ifndef WSM_BACKUP_H
#define WSM_BACKUP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "error.h"

#define BACKUP_FORMAT "wsmigrate-backup-1"
#define BACKUP_ARCHIVE_SUFFIX ".tar.zst"
/* The index beside an archive: <run-id>.manifest.json (name of format 1). */
#define BACKUP_INDEX_SUFFIX ".manifest.json"
#define BACKUP_PARTIAL_SUFFIX ".partial"
/* Longest run id accepted, without the terminating NUL. */
#define BACKUP_RUN_ID_MAX 127
/* Longest relative path accepted in an archive, in bytes. */
#define BACKUP_PATH_MAX 4095

/* ------------------------------------------------------------ writing */

struct backup_writer;

struct backup_writer_opts {
	int zstd_level;           /* 1..19; 0 means the default, 3 */
	size_t queue_bytes;       /* bound of the add queue; 0 means 32 MiB */
	const char *tool_version; /* written in the index; NULL means "" */
};

/* Counters for `--stats`; times are wall-clock seconds. */
struct backup_writer_stats {
	uint64_t files;            /* files written to the archive */
	uint64_t bytes_in;         /* file bytes handed to the archive */
	uint64_t bytes_out;        /* compressed bytes written to disk */
	double writer_busy_s;      /* writer thread inside libarchive (tar,
				      zstd, write) and the index spill */
	double writer_idle_s;      /* writer thread waiting for work */
	double producer_blocked_s; /* add() waiting on a full queue */
	size_t queue_peak_bytes;   /* most file bytes queued at once */
};

/*
 * Create <dir> (mode 0700, with missing parents) if it does not exist, open
 * <dir>/<run_id>.tar.zst.partial (mode 0600, O_EXCL) and start the writer
 * thread.  run_id must be 1..127 characters of [A-Za-z0-9._-], not starting
 * with '.'; tree_root is only recorded in the index.  `opts` may be NULL.
 * Returns 0 and sets *out (free with finish or abort), or ERR_USAGE for a
 * bad run id, ERR_IO when the archive exists already or cannot be created.
 */
int backup_writer_open(const char *dir, const char *run_id,
		       const char *tree_root,
		       const struct backup_writer_opts *opts,
		       struct backup_writer **out, struct error *err);

/*
 * Queue one file: `data` (len bytes, copied) is archived as
 * "tree/<relpath>" with the given permission bits (mode & 07777) and mtime
 * in nanoseconds since the epoch.  relpath must come after the previous
 * file's in the canonical order above (strictly: no path twice).  `sha256_hex` is the lower-case sha256 of
 * exactly these bytes as the caller computed it; pass NULL to have the
 * writer thread compute it.  Blocks while the queue holds more than
 * queue_bytes (a single file larger than the bound is still accepted when
 * the queue is empty).  Returns 0; ERR_DATA for an unsafe relpath (absolute,
 * empty, "." or ".." components, too long) or ERR_USAGE for a malformed
 * sha256_hex or a relpath out of order, in which case the file is skipped
 * and the writer stays usable;
 * or the writer thread's error (ERR_IO, e.g. "cannot write data to
 * '<partial>': No space left on device"), after which finish returns the
 * same error: call backup_writer_abort.
 */
int backup_writer_add(struct backup_writer *w, const char *relpath,
		      const void *data, size_t len, uint32_t mode,
		      int64_t mtime_ns, const char *sha256_hex,
		      struct error *err);

/*
 * The same with the modification time as a struct timespec, kept exactly
 * whatever its year (the index writes it as decimal nanoseconds of any
 * length; int64 nanoseconds end in 2262).
 */
int backup_writer_add_ts(struct backup_writer *w, const char *relpath,
			 const void *data, size_t len, uint32_t mode,
			 const struct timespec *mtime, const char *sha256_hex,
			 struct error *err);

/*
 * Counters so far.  May be called at any time between open and finish.
 */
void backup_writer_get_stats(struct backup_writer *w,
			     struct backup_writer_stats *stats);

/*
 * Drain the queue, append the index (MANIFEST.json), close and fsync the
 * archive, rename it to <dir>/<run_id>.tar.zst, write the index beside it
 * as <dir>/<run_id>.manifest.json (0600) and fsync the folder.  On success returns 0, copies the archive path into
 * final_path (NUL-terminated; ERR_USAGE if it does not fit), the lower-case
 * sha256 of the compressed archive into archive_sha256, and the final
 * counters into *stats (may be NULL).  On failure the partial file is
 * removed.  Frees `w` in every case.
 */
int backup_writer_finish(struct backup_writer *w, char *final_path,
			 size_t final_path_size, char archive_sha256[65],
			 struct backup_writer_stats *stats, struct error *err);

/*
 * Stop the writer thread, remove the partial archive, free `w`.  For runs
 * that fail before finish.  Accepts NULL.
 */
void backup_writer_abort(struct backup_writer *w);

/*
 * Remove a finished archive and the index beside it
 * (<run-id>.manifest.json), then fsync the folder.  A file that is already
 * gone is not an error.  For the caller whose database commit failed after
 * finish.  Returns 0 or ERR_IO.
 */
int backup_remove(const char *archive_path, struct error *err);

/*
 * sha256 of the file at `path`, as 64 lower-case hex digits plus NUL.
 * Returns 0 or ERR_IO.
 */
int backup_sha256_file(const char *path, char hex[65], struct error *err);

/* ------------------------------------------------------------ after a crash */

/*
 * Crash recovery of the archives themselves.  A run that writes an
 * archive keeps "<dir>/<run-id>.uncommitted" from just after
 * backup_writer_open until after its database commit, so a crash in
 * between leaves the marker beside the archive.  Calling sequence, under
 * the database lock (so that no other run is in flight):
 *
 *     backup_cleanup_partials(dir, ...)          -- unfinished files
 *     backup_sweep_orphans(dir, known, removed, ctx, err)
 *     backup_writer_open(dir, run_id, ...)
 *     backup_marker_create(dir, run_id, err)
 *     ... backup_writer_finish, then the database commit ...
 *     backup_marker_remove(dir, run_id)          -- committed, or failed cleanly
 *
 * Archives without a marker are never touched, so a recreated database
 * does not cost anyone their old backups.
 */
#define BACKUP_MARKER_SUFFIX ".uncommitted"

/*
 * Remove the leftovers of crashed runs in `dir`: "*.tar.zst.partial" and
 * "*.manifest.json.partial".  Files locked by a writer that is still
 * running are skipped.  Calls cb(ctx, path) after removing each one (cb may
 * be NULL).  A missing dir is not an error.  Returns 0 or ERR_IO.
 */
int backup_cleanup_partials(const char *dir,
			    void (*cb)(void *ctx, const char *path),
			    void *ctx, struct error *err);

/*
 * Create <dir>/<run_id>.uncommitted (0600, O_EXCL), then fsync it and the
 * folder.  Returns 0, ERR_USAGE for an invalid run id, or ERR_IO when the
 * marker exists already or cannot be created.
 */
int backup_marker_create(const char *dir, const char *run_id, struct error *err);

/*
 * Remove the run's marker.  A missing marker, or one that cannot be
 * removed, is not reported: the next sweep removes it, and keeps the
 * archive of a run the ledger knows.
 */
void backup_marker_remove(const char *dir, const char *run_id);

/*
 * For every "<run-id>.uncommitted" in dir: call known(ctx, run_id,
 * &is_known, err), which sets is_known when the ledger holds the run and
 * returns 0 or an error code; when it does not hold it, remove
 * <run-id>.tar.zst and its index (backup_remove) and call removed(ctx,
 * archive_path) (removed may be NULL); then remove the marker.  An archive
 * that cannot be removed stays, silently.  A missing or unreadable dir has
 * nothing to sweep.  Returns 0, or the first error of known(), which
 * stops the sweep.
 */
int backup_sweep_orphans(const char *dir,
			 int (*known)(void *ctx, const char *run_id, int *is_known,
				      struct error *err),
			 void (*removed)(void *ctx, const char *archive_path),
			 void *ctx, struct error *err);

/* ------------------------------------------------------------ reading */

struct backup_index_info {
	char format[32];               /* "wsmigrate-backup-1" */
	char run_id[BACKUP_RUN_ID_MAX + 1];
	char tree_root[4096];
	char tool_version[64];
	char created_at[32];           /* "YYYY-MM-DDTHH:MM:SSZ" */
	uint64_t file_count;
	uint64_t total_bytes;          /* sum of the file sizes */
};

/* One file of an index; `path` is valid only during the callback. */
struct backup_file {
	const char *path;   /* relative to the tree root */
	uint64_t size;
	uint32_t mode;      /* permission bits */
	int64_t mtime_ns;   /* clamped to int64 (years 1677 to 2262) */
	struct timespec mtime;  /* exact */
	char sha256[65];    /* lower-case hex */
};

/*
 * Read an index: `path` is either a <run-id>.manifest.json or a
 * <run-id>.tar.zst, in which case the index beside it is read, or, when
 * that is missing, the MANIFEST.json inside the archive.  Fills *info and
 * calls file_cb (may be NULL) for every file in index order.  With
 * file_cb NULL and an index file to read, only its first and last lines
 * are parsed (fast enough for `backups list` over big backups).  This does
 * not check the archive's content; use backup_verify for that.  Returns 0,
 * ERR_DATA for a malformed index, ERR_IO when it cannot be read.
 */
int backup_read_index(const char *path, struct backup_index_info *info,
		      void (*file_cb)(void *ctx, const struct backup_file *f),
		      void *ctx, struct error *err);

/* What backup_verify (and the validation of backup_restore) can find. */
enum backup_problem {
	BACKUP_PROBLEM_ARCHIVE_SHA256, /* archive sha256 != expected (path is
					  the archive) */
	BACKUP_PROBLEM_SHA256,         /* entry content != index sha256 */
	BACKUP_PROBLEM_SIZE,           /* entry size != index size */
	BACKUP_PROBLEM_MISSING,        /* in the index, not in the archive */
	BACKUP_PROBLEM_EXTRA,          /* in the archive, not in the index */
	BACKUP_PROBLEM_DUPLICATE,      /* same path twice in the archive */
	BACKUP_PROBLEM_UNSAFE,         /* absolute, "..", empty component,
					  outside tree/, or not a regular file
					  (path is the entry name as stored) */
	BACKUP_PROBLEM_INDEX,          /* the index (MANIFEST.json) missing,
					  twice, malformed, or its records
					  out of order (path is the archive) */
	BACKUP_PROBLEM_ORDER           /* entry not after the previous one in
					  the canonical order */
};

/* Short lower-case name of a problem ("sha256 mismatch", ...). */
const char *backup_problem_name(enum backup_problem p);

/*
 * Read every entry of the archive, recompute each file's sha256 and compare
 * with the index inside (MANIFEST.json); when expected_sha256 is not NULL, also
 * compare the sha256 of the archive file itself.  Each problem is reported
 * through cb(ctx, kind, path, detail) (cb may be NULL).  Returns 0 when all
 * is well, ERR_DATA when problems were found (err: a count), ERR_IO when the
 * archive cannot be opened or read to the end (truncated, corrupt; err
 * names the archive and libarchive's reason; no callback for that).  Memory
 * does not depend on the number of files: entries and index records are
 * spilled to temporary files and compared side by side, in their order.
 */
int backup_verify(const char *archive_path, const char *expected_sha256,
		  void (*cb)(void *ctx, enum backup_problem kind,
			     const char *path, const char *detail),
		  void *ctx, struct error *err);

/* What backup_restore reports, one event per file (or per problem). */
enum backup_restore_event {
	BACKUP_RESTORED,      /* written (new file, or a conflict with force) */
	BACKUP_WOULD_RESTORE, /* dry run: would be written */
	BACKUP_IDENTICAL,     /* target already has this content; left as is,
				 mode and mtime set (not in dry run) */
	BACKUP_CONFLICT,      /* target exists with other content; reason says
				 whether it is (or would be) overwritten */
	BACKUP_REFUSED        /* a problem that stops the restore: unsafe or
				 tampered entry (path as in the archive),
				 archive sha256 mismatch (path = archive), or
				 a symlink / non-directory in the target where
				 a directory or file must go */
};

#define BACKUP_RESTORE_FORCE   1u  /* overwrite conflicting files */
#define BACKUP_RESTORE_DRY_RUN 2u  /* report only, write nothing */

/* Short lower-case name of an event ("restored", ...). */
const char *backup_restore_event_name(enum backup_restore_event ev);

/*
 * Put the files of an archive back under target_dir (created if missing).
 *   1. the archive file's sha256 must equal expected_sha256 (the ledger's;
 *      NULL skips this check, which only tests should do);
 *   2. every entry is validated: safe name, regular file, sha256 and size
 *      as in the index, none missing, extra, twice or out of order,
 *      readable to the end;
 *   3. every target is checked: a symlink or non-directory on the way, or
 *      a non-regular file in place of a file, is REFUSED; an existing file
 *      with the same content is IDENTICAL, with other content CONFLICT;
 *   4. only if there is no REFUSED and (no CONFLICT or FORCE), and not
 *      DRY_RUN, files are written: through O_NOFOLLOW directory fds
 *      (missing folders made with mkdirat), as an unnamed O_TMPFILE (or a
 *      temporary name) in the target folder, content checked against the
 *      index again, mode & 0777 and mtime (ns) from the index set,
 *      then linked or renamed into place; syncfs at the end.
 * So a hostile, tampered or conflicting archive is refused with nothing
 * written.  target_dir itself may be a symlink; nothing below it is
 * followed.  Files of the target that the archive does not hold are left
 * alone.  Events come in index order; a conflict overwritten with FORCE
 * is reported twice (CONFLICT in the check, then RESTORED or, in a dry
 * run, WOULD_RESTORE).  Returns 0, ERR_DATA when anything was refused or in conflict
 * without FORCE (err: counts; events already reported), ERR_IO on I/O
 * errors or an unreadable archive.  If the archive changes on disk between
 * validation and writing, the restore stops with ERR_DATA at the first
 * entry that differs, and files written before it stay.  Memory does not
 * depend on the number of files (what the check found per file goes to a
 * temporary file, one byte each).
 */
int backup_restore(const char *archive_path, const char *expected_sha256,
		   const char *target_dir, unsigned flags,
		   void (*cb)(void *ctx, enum backup_restore_event ev,
			      const char *path, const char *reason),
		   void *ctx, struct error *err);

/* ------------------------------------------------------------ placing files */

/*
 * Write files under a folder by relative paths that come from elsewhere
 * (export writes the database's documents with it), by the rules of
 * restore: the path must be safe (backup_rel_unsafe: not absolute, no
 * "..", "." or empty component), folders are opened with O_NOFOLLOW from
 * the target down (a symlink or a non-folder on the way refuses the
 * file), and each file is written under a temporary name in its folder,
 * given its mode (& 0777) and mtime, then renamed into place.
 *
 *     backup_place_open(dir, &pl, err)   -- dir is created if missing
 *     backup_place_put(pl, rel, ...)     -- any number
 *     backup_place_close(pl, err)        -- syncfs, then frees; err NULL: no sync
 */
struct backup_place;

int backup_place_open(const char *dir, struct backup_place **out,
		      struct error *err);
/*
 * Returns 0 when written; ERR_DATA when refused, with the reason in why
 * (unsafe path, a symlink or non-folder on the way, something other than
 * a file at the path, or, without `replace`, a file there already), and
 * nothing written; ERR_IO with err.
 */
int backup_place_put(struct backup_place *pl, const char *rel, const void *data,
		     size_t len, uint32_t mode, int64_t mtime_ns, int replace,
		     char *why, size_t whysz, struct error *err);
int backup_place_close(struct backup_place *pl, struct error *err);

#endif
