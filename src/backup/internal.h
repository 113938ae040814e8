/*
 * backup/internal.h - what the files of the backup family share; only
 * the files of src/backup/ include it (the public API is include/backup.h).
 *
 *   fs.c       file-system helpers: whole writes, folder fsync, mkdir -p,
 *              safe relative paths and their canonical order, spill files,
 *              sha256 of a file, the O_NOFOLLOW folder walker
 *   index.c    the archive's index (MANIFEST.json): the lines the writer
 *              writes, their reader (cJSON per line), backup_read_index
 *   writer.c   the writer thread (backup_writer_*), backup_remove
 *   verify.c   pass 1 over an archive (the scan), shared by backup_verify,
 *              backup_restore and backup_read_index
 *   restore.c  backup_restore
 *   markers.c  what crashed runs leave behind: partial files, run markers
 *              and the archives of runs that never committed
 *
 * Conventions: functions here follow error.h like the public ones (0 or an
 * ERR_* code with err set) unless their comment says otherwise; arguments
 * are borrowed.
 */
#ifndef WSM_BACKUP_INTERNAL_H
#define WSM_BACKUP_INTERNAL_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include "backup.h"
#include "error.h"
#include "util.h"

#define IO_CHUNK (128u * 1024u)
#define INDEX_MEMBER "MANIFEST.json"
#define TREE_PREFIX "tree/"
#define TREE_PREFIX_LEN 5

/* ------------------------------------------------------------ fs.c */

/* Decode 64 hex digits (either case) into 32 bytes.  Returns 0 or -1. */
int backup_sha_decode(const char *hex, size_t len, unsigned char raw[32]);
/* A sha256 context, or NULL when out of memory; EVP_MD_CTX_free frees it. */
EVP_MD_CTX *backup_sha_new(void);
/* Start over with an empty message.  Returns 0 or -1. */
int backup_sha_restart(EVP_MD_CTX *c);
/* The digest of what was added since the (re)start.  Returns 0 or -1. */
int backup_sha_final(EVP_MD_CTX *c, unsigned char raw[32]);
/*
 * sha256 (and size, may be NULL) of what remains to be read on fd.
 * Returns 0, or -1 with errno.
 */
int backup_sha_fd(int fd, unsigned char raw[32], uint64_t *size);

/* write(2) all n bytes, retrying on EINTR.  Returns 0, or -1 with errno. */
int backup_write_all(int fd, const void *buf, size_t n);
/* "<a>/<b><suffix>", malloc'ed, or NULL when out of memory. */
char *backup_path_join(const char *a, const char *b, const char *suffix);
/*
 * fsync a folder so that renames and unlinks in it are durable; file
 * systems that cannot (EINVAL, EROFS) count as done.  0, or -1 with errno.
 */
int backup_fsync_dir(const char *dir);
/* mkdir -p with `mode` for the folders it creates.  0, or -1 with errno. */
int backup_mkdir_p(const char *path, mode_t mode);

/* Why a relative path is unsafe ("'..' path component", ...), or NULL. */
const char *backup_rel_unsafe(const char *rel);
/* 1 when `id` is a valid run id (1..127 of [A-Za-z0-9._-], no leading '.'). */
int backup_run_id_ok(const char *id);

/*
 * Spill files: unlinked temporary files in $TMPDIR (or /tmp) that hold one
 * record per file of an archive, so that nothing per file stays in memory.
 * A record is a struct backup_rec followed by pathlen bytes of path.
 */
struct backup_rec {
	uint32_t pathlen;
	uint32_t mode;
	uint64_t size;
	int64_t mtime_s;           /* a struct timespec, exactly */
	int64_t mtime_nsec;
	unsigned char sha[32];
};

/* An empty spill file open for reading and writing, or NULL with err. */
FILE *backup_spill_open(struct error *err);
/* Append one record.  Returns 0 or ERR_IO. */
int backup_spill_put(FILE *f, const struct backup_rec *h, const char *path,
		     struct error *err);
/* Flush and go back to the start for reading.  Returns 0 or ERR_IO. */
int backup_spill_rewind(FILE *f, struct error *err);
/*
 * The next record: the header into *h, the path into `path`
 * (NUL-terminated).  Returns 1, 0 at the end, or -1 with err.
 */
int backup_spill_get(FILE *f, struct backup_rec *h, struct strbuf *path,
		     struct error *err);

/*
 * The folders of a restore target, opened component by component with
 * O_NOFOLLOW so that no symlink planted in the target is ever followed.
 * The walker keeps the fd of the last folder it opened, which is all a
 * walk in canonical order needs.
 *
 *     backup_dirwalk_init(&dw, target); dw.root = open(target, ...);
 *     backup_dirwalk_get(&dw, "a/b", 3, create, &fd, why, sizeof why, err)
 *     backup_dirwalk_release(&dw)      -- closes every fd, root included
 */
struct backup_dirwalk {
	const char *target;     /* the target folder, for messages */
	int root;               /* its fd, or -1 when it does not exist */
	struct strbuf cur;      /* relative folder of cur_fd */
	int cur_fd;             /* -1, root, or an fd the walker owns */
};

enum backup_walk_result { BACKUP_WALK_OK, BACKUP_WALK_ABSENT, BACKUP_WALK_REFUSED };

/* An empty walker for `target` (borrowed); the caller sets dw->root. */
void backup_dirwalk_init(struct backup_dirwalk *dw, const char *target);
/*
 * An fd for folder dir[0..dlen) (relative, "" for the root) of the target;
 * with `create`, missing folders are made (mode 0777 & ~umask).  The fd
 * belongs to the walker and stays valid until the next call.  Returns
 * BACKUP_WALK_OK (*fd set), BACKUP_WALK_ABSENT (without create, or no
 * root), BACKUP_WALK_REFUSED (why set: a symlink or a non-folder on the
 * way), or -1 with err.
 */
int backup_dirwalk_get(struct backup_dirwalk *dw, const char *dir, size_t dlen,
		       int create, int *fd, char *why, size_t whysz,
		       struct error *err);
/* Close the walker's fds, root included. */
void backup_dirwalk_release(struct backup_dirwalk *dw);

/* ------------------------------------------------------------ index.c */

/*
 * The lines of an index, appended to sb (backup.h has the layout): the
 * first line up to '[', one record (first: the first record of the index,
 * which has no ',' before it), the last line.  sha256_hex is 64 lower-case
 * hex digits.  Each returns 0, or -1 when out of memory (sb->failed).
 */
int backup_index_head(struct strbuf *sb, const char *run_id,
		      const char *tree_root, const char *tool_version,
		      const char *created_at);
int backup_index_record(struct strbuf *sb, int first, const char *path,
			uint64_t size, uint32_t mode, const struct timespec *mtime,
			const char *sha256_hex);
int backup_index_foot(struct strbuf *sb, uint64_t file_count,
		      uint64_t total_bytes);

/*
 * The index beside an archive: "<x>.tar.zst" gives "<x>.manifest.json"
 * (malloc'ed into *out), any other name gives *out = NULL.  Returns 0, or
 * -1 when out of memory.
 */
int backup_index_path(const char *archive_path, char **out);

/* One file record of an index, as parsed; path is valid during the call. */
struct backup_index_rec {
	const char *path;
	size_t pathlen;
	uint64_t size;
	uint32_t mode;
	struct timespec mtime;  /* "mtime_ns" of any length, exactly */
	unsigned char sha[32];
};

/*
 * Read an index in this module's layout (backup.h) from f, each line
 * with cJSON.  Fills *info and calls rec() (may be NULL) for each file
 * record in order.  With footer_counts, file_count and total_bytes are
 * taken from the last line instead of being checked against the records.
 * Returns 0, ERR_DATA (err names `name`, the line and, for bad JSON, the
 * column) for a malformed index, ERR_IO, or what rec() returned.
 *
 * As strict as the layout: a line over 256 KiB, a control character,
 * \u0000, a value other than a string or an integer, an integer outside
 * int64, a bad sha256, an unsafe path, a record lacking a member or
 * giving one twice are refused.  Bytes that are not UTF-8 are not: file
 * names need not be UTF-8, and the writer copies them as they are.
 */
int backup_index_parse(FILE *f, const char *name, struct backup_index_info *info,
		       int (*rec)(void *ctx, const struct backup_index_rec *r,
				  struct error *err),
		       void *ctx, int footer_counts, struct error *err);

/* ------------------------------------------------------------ verify.c */

/*
 * Pass 1 over an archive, shared by verify, restore and read_index: one
 * read of the archive hashes every tree entry into a spill file and parses
 * the index (MANIFEST.json) as it streams by, its records into another;
 * then the two lists are compared side by side, as a merge.  Both spill
 * files hold strictly increasing paths only: an entry or a record out of
 * order is reported when it is met and not kept, so what goes to $TMPDIR
 * is bounded by what a valid archive of that many files needs.  Problems
 * go to cb.
 *
 *     memset(&sc, 0, sizeof sc); sc.fd = -1; sc.apath = ...; sc.cb = ...;
 *     backup_scan_open(&sc, expected_sha256, &match, err)
 *     backup_scan_read(&sc, err)
 *     if (sc.index_ok) backup_scan_compare(&sc, err)
 *     ... sc.problems, sc.recs (the index records, for restore) ...
 *     close(sc.fd); backup_scan_release(&sc)
 *
 * With index_only (backup_read_index), entries are skipped unread, the
 * records go to on_rec(rec_ctx, ...) instead of sc.recs, and a malformed
 * index is an error (ERR_DATA, named by apath) instead of a problem.
 */
struct backup_scan {
	const char *apath;
	int fd;
	int index_only;         /* backup_read_index: the index alone */
	int (*on_rec)(void *ctx, const struct backup_index_rec *r,
		      struct error *err);   /* index_only: may be NULL */
	void *rec_ctx;
	FILE *ents;             /* backup_rec + path per tree entry, in order */
	FILE *recs;             /* backup_rec + path per index record, in order */
	int n_index;            /* MANIFEST.json members seen */
	int index_ok;           /* the index parsed, in order, into recs */
	uint64_t nents, nrecs;  /* records in ents and in recs */
	unsigned long index_problems;
	struct strbuf prev_ent; /* the last path put in ents */
	struct strbuf prev_rec; /* the last path put in recs */
	struct backup_index_info info;
	unsigned long problems;
	void (*cb)(void *ctx, enum backup_problem kind, const char *path,
		   const char *detail);
	void *ctx;
};

/* Count a problem and report it through sc->cb. */
void backup_scan_problem(struct backup_scan *sc, enum backup_problem kind,
			 const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/*
 * Open sc->apath and, when expected is not NULL, compare the sha256 of the
 * file with it: *match is set to 0 on a mismatch (reported).
 */
int backup_scan_open(struct backup_scan *sc, const char *expected, int *match,
		     struct error *err);
/*
 * Read the archive once.  Returns 0 (problems counted; index_ok set when
 * the index is usable), ERR_IO, or (index_only) the index's error.
 */
int backup_scan_read(struct backup_scan *sc, struct error *err);
/* The merge of ents and recs.  Returns 0 (problems counted) or ERR_IO. */
int backup_scan_compare(struct backup_scan *sc, struct error *err);
/* Close the spill files; sc->fd stays the caller's. */
void backup_scan_release(struct backup_scan *sc);

/*
 * One read of an archive from its start: the libarchive reader (zstd or
 * none, then tar: no external filter programs), an IO_CHUNK buffer and a
 * sha256 context for the entries' data.
 *
 *     backup_pass_open(&p, fd, apath, err)
 *     while ((r = backup_pass_next(&p, &e, err)) > 0)
 *         ... archive_read_data(p.a, p.buf, IO_CHUNK), or backup_pass_skip ...
 *     (r < 0: err is set)
 *     backup_pass_close(&p)
 */
struct backup_pass {
	struct archive *a;
	const char *apath;      /* the archive, for messages */
	unsigned char *buf;     /* IO_CHUNK bytes */
	EVP_MD_CTX *sha;
};

/* Returns 0 or ERR_IO (then nothing is left to close). */
int backup_pass_open(struct backup_pass *p, int fd, const char *apath,
		     struct error *err);
/* The next entry: 1, 0 at the end, -1 with err when the archive is bad. */
int backup_pass_next(struct backup_pass *p, struct archive_entry **e,
		     struct error *err);
/* Skip the data of the current entry.  Returns 0 or ERR_IO. */
int backup_pass_skip(struct backup_pass *p, struct error *err);
/* Free it all; accepts a pass that is zeroed or already closed. */
void backup_pass_close(struct backup_pass *p);
/* ERR_IO "cannot read archive '<apath>': <libarchive's reason>". */
int backup_read_fail(struct archive *a, const char *apath, struct error *err);
/*
 * Why an archive entry must not be restored, or NULL; on NULL *rel points
 * to the path relative to the tree.  MANIFEST.json is the caller's.
 */
const char *backup_entry_unsafe(struct archive_entry *e, const char *name,
				const char **rel);

#endif
