/*
 * backup/writer.c - write the archive of a run: a writer thread compresses
 * the files the pipeline hands over while it goes on parsing, then
 * MANIFEST.json goes last and the archive is made durable (backup.h).
 * It reads no tree and no archive; backup_remove undoes a finished one.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "walk.h"

#define DEFAULT_QUEUE_BYTES (32u * 1024u * 1024u)
#define DEFAULT_ZSTD_LEVEL 3

/* The folder part of a file path, into buf ("." when there is none). */
static void dir_of(const char *path, char *buf, size_t size)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(buf, size, ".");
	else if (slash == path)
		snprintf(buf, size, "/");
	else
		snprintf(buf, size, "%.*s", (int)(slash - path), path);
}

/* One queued file; path and data live in the same allocation. */
struct item {
	struct item *next;
	size_t len;
	uint32_t mode;
	struct timespec mtime;
	int has_sha;
	char sha[65];
	char *path;
	unsigned char data[];
};

struct backup_writer {
	char *dir, *run_id, *tree_root, *tool_version;
	char created_at[32];
	char *partial_path, *final_path, *ipartial_path, *ifinal_path;
	int fd;                     /* the partial archive, flock()ed */
	int icreated;               /* we created ipartial_path */
	int discard;                /* aborting: out_write drops the bytes */
	FILE *spill;                /* index records, unlinked */
	uint64_t spill_bytes;
	struct archive *a;
	struct archive_entry *entry;
	EVP_MD_CTX *out_sha;        /* of the compressed bytes */
	EVP_MD_CTX *file_sha;       /* writer thread, for adds without sha */
	char *name_buf;             /* "tree/<path>" */
	char *last_path;            /* the previous add's relpath (producer) */
	size_t last_len;
	int have_last;

	pthread_t thread;
	int thread_started;
	pthread_mutex_t mu;
	pthread_cond_t not_empty, not_full;
	/* under mu */
	struct item *head, *tail;
	size_t queued, limit;
	int closing, aborting, failed;
	struct error terr;          /* the writer thread's error */
	struct backup_writer_stats st;
	/* writer thread only (main thread after join) */
	uint64_t files, bytes_in, bytes_out;
	double busy, idle;
};

static la_ssize_t out_write(struct archive *a, void *cd, const void *buf,
			    size_t n)
{
	struct backup_writer *w = cd;

	if (w->discard)
		return (la_ssize_t)n;
	if (backup_write_all(w->fd, buf, n)) {
		/* archive_fail() adds "cannot write ... to '<partial>'" */
		archive_set_error(a, errno, "%s", strerror(errno));
		return -1;
	}
	EVP_DigestUpdate(w->out_sha, buf, n);
	w->bytes_out += n;
	return (la_ssize_t)n;
}

static int archive_fail(struct backup_writer *w, const char *what,
			struct error *err)
{
	const char *msg = archive_error_string(w->a);

	return error_set(err, ERR_IO, "cannot write %s to '%s': %s", what,
			 w->partial_path, msg ? msg : "unknown libarchive error");
}

static int write_data(struct backup_writer *w, const void *data, size_t len,
		      const char *what, struct error *err)
{
	const char *p = data;

	while (len) {
		la_ssize_t r = archive_write_data(w->a, p, len);

		if (r <= 0)
			return archive_fail(w, what, err);
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

/* Runs in the writer thread: one file into the archive and the spill. */
static int write_item(struct backup_writer *w, struct item *it,
		      struct error *err)
{
	struct archive_entry *e = w->entry;
	struct strbuf rec = STRBUF_INIT;
	size_t plen = strlen(it->path);
	int ret;

	memcpy(w->name_buf, TREE_PREFIX, TREE_PREFIX_LEN);
	memcpy(w->name_buf + TREE_PREFIX_LEN, it->path, plen + 1);
	archive_entry_clear(e);
	archive_entry_copy_pathname(e, w->name_buf);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, it->mode & 07777);
	archive_entry_set_size(e, (la_int64_t)it->len);
	archive_entry_set_mtime(e, it->mtime.tv_sec, it->mtime.tv_nsec);
	if (archive_write_header(w->a, e) < ARCHIVE_WARN) {
		ret = archive_fail(w, "header", err);
		goto out;
	}
	ret = write_data(w, it->data, it->len, "data", err);
	if (ret)
		goto out;
	if (!it->has_sha) {
		unsigned char raw[32];

		if (backup_sha_restart(w->file_sha) ||
		    EVP_DigestUpdate(w->file_sha, it->data, it->len) != 1 ||
		    backup_sha_final(w->file_sha, raw)) {
			ret = error_set(err, ERR_IO, "sha256 failed");
			goto out;
		}
		util_hex_encode(raw, 32, it->sha);
	}
	if (backup_index_record(&rec, w->files == 0, it->path, it->len,
				it->mode & 07777, &it->mtime, it->sha)) {
		ret = error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	if (fwrite(rec.buf, 1, rec.len, w->spill) != rec.len) {
		ret = error_set(err, ERR_IO, "cannot write the index spill file: %s",
				strerror(errno));
		goto out;
	}
	w->spill_bytes += rec.len;
	w->files++;
	w->bytes_in += it->len;
	ret = 0;
out:
	strbuf_release(&rec);
	return ret;
}

static void publish_stats(struct backup_writer *w)
{
	w->st.files = w->files;
	w->st.bytes_in = w->bytes_in;
	w->st.bytes_out = w->bytes_out;
	w->st.writer_busy_s = w->busy;
	w->st.writer_idle_s = w->idle;
}

static void *writer_main(void *arg)
{
	struct backup_writer *w = arg;
	struct error terr;
	int failed = 0;

#ifdef __GLIBC__
	pthread_setname_np(pthread_self(), "wsm-archive");   /* for top and perf */
#endif
	error_clear(&terr);
	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct item *it;
		double t0;

		if (!w->head && !w->closing && !w->aborting) {
			t0 = util_monotonic();
			while (!w->head && !w->closing && !w->aborting)
				pthread_cond_wait(&w->not_empty, &w->mu);
			w->idle += util_monotonic() - t0;
		}
		it = w->head;
		if (!it)
			break;
		w->head = it->next;
		if (!w->head)
			w->tail = NULL;
		failed = w->failed || w->aborting;
		pthread_mutex_unlock(&w->mu);

		if (!failed) {
			t0 = util_monotonic();
			if (write_item(w, it, &terr))
				failed = 1;
			w->busy += util_monotonic() - t0;
		}

		pthread_mutex_lock(&w->mu);
		if (failed && !w->failed && !w->aborting) {
			w->terr = terr;
			w->failed = 1;
		}
		w->queued -= it->len;
		free(it);
		publish_stats(w);
		/* wake a blocked producer once there is room for many files,
		 * not after each one: no ping-pong of wake-ups */
		if (w->queued <= w->limit / 2)
			pthread_cond_broadcast(&w->not_full);
	}
	publish_stats(w);
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static void writer_free(struct backup_writer *w)
{
	struct item *it, *next;

	if (w->a)
		archive_write_free(w->a);
	if (w->entry)
		archive_entry_free(w->entry);
	if (w->spill)
		fclose(w->spill);
	if (w->fd >= 0)
		close(w->fd);
	for (it = w->head; it; it = next) {
		next = it->next;
		free(it);
	}
	EVP_MD_CTX_free(w->out_sha);
	EVP_MD_CTX_free(w->file_sha);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->not_empty);
	pthread_cond_destroy(&w->not_full);
	free(w->name_buf);
	free(w->last_path);
	free(w->dir);
	free(w->run_id);
	free(w->tree_root);
	free(w->tool_version);
	free(w->partial_path);
	free(w->final_path);
	free(w->ipartial_path);
	free(w->ifinal_path);
	free(w);
}

/* Stop the thread (dropping queued items when aborting) and wait for it. */
static void writer_stop(struct backup_writer *w, int abort_it)
{
	if (!w->thread_started)
		return;
	pthread_mutex_lock(&w->mu);
	w->closing = 1;
	if (abort_it)
		w->aborting = 1;
	pthread_cond_broadcast(&w->not_empty);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	w->thread_started = 0;
}

/* Throw the archive away: the writer thread has stopped. */
static void writer_discard(struct backup_writer *w)
{
	/*
	 * Let libarchive close normally (archive_write_fail would leak its
	 * output buffer in 3.6) but throw away whatever it still writes.
	 */
	w->discard = 1;
	if (w->a) {
		archive_write_free(w->a);
		w->a = NULL;
	}
	if (w->partial_path)
		unlink(w->partial_path);
	if (w->icreated)
		unlink(w->ipartial_path);
	writer_free(w);
}

int backup_writer_open(const char *dir, const char *run_id,
		       const char *tree_root,
		       const struct backup_writer_opts *opts,
		       struct backup_writer **out, struct error *err)
{
	struct backup_writer *w;
	struct stat st;
	char level[16];
	time_t now;
	struct tm tm;
	int zlevel = opts && opts->zstd_level ? opts->zstd_level : DEFAULT_ZSTD_LEVEL;
	int ret = ERR_IO;

	*out = NULL;
	if (!backup_run_id_ok(run_id))
		return error_set(err, ERR_USAGE, "invalid run id '%s'", run_id);
	if (zlevel < 1 || zlevel > 19)
		return error_set(err, ERR_USAGE, "invalid zstd level %d (1..19)", zlevel);
	w = calloc(1, sizeof(*w));
	if (!w)
		return error_set(err, ERR_IO, "out of memory");
	w->fd = -1;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->not_empty, NULL);
	pthread_cond_init(&w->not_full, NULL);
	w->limit = opts && opts->queue_bytes ? opts->queue_bytes : DEFAULT_QUEUE_BYTES;
	w->dir = util_strdup(dir);
	w->run_id = util_strdup(run_id);
	w->tree_root = util_strdup(tree_root ? tree_root : "");
	w->tool_version = util_strdup(opts && opts->tool_version ? opts->tool_version : "");
	w->partial_path = backup_path_join(dir, run_id, BACKUP_ARCHIVE_SUFFIX BACKUP_PARTIAL_SUFFIX);
	w->final_path = backup_path_join(dir, run_id, BACKUP_ARCHIVE_SUFFIX);
	w->ipartial_path = backup_path_join(dir, run_id, BACKUP_INDEX_SUFFIX BACKUP_PARTIAL_SUFFIX);
	w->ifinal_path = backup_path_join(dir, run_id, BACKUP_INDEX_SUFFIX);
	w->name_buf = malloc(TREE_PREFIX_LEN + BACKUP_PATH_MAX + 1);
	w->last_path = malloc(BACKUP_PATH_MAX + 1);
	w->out_sha = backup_sha_new();
	w->file_sha = backup_sha_new();
	w->entry = archive_entry_new();
	if (!w->dir || !w->run_id || !w->tree_root || !w->tool_version ||
	    !w->partial_path || !w->final_path || !w->ipartial_path ||
	    !w->ifinal_path || !w->name_buf || !w->last_path || !w->out_sha ||
	    !w->file_sha ||
	    !w->entry) {
		ret = error_set(err, ERR_IO, "out of memory");
		goto fail;
	}
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(w->created_at, sizeof(w->created_at), "%Y-%m-%dT%H:%M:%SZ", &tm);

	if (stat(dir, &st)) {
		if (errno != ENOENT || backup_mkdir_p(dir, 0700)) {
			ret = error_set(err, ERR_IO, "cannot create backup folder '%s': %s",
					dir, strerror(errno));
			goto fail;
		}
	} else if (!S_ISDIR(st.st_mode)) {
		ret = error_set(err, ERR_IO, "backup folder '%s' is not a folder", dir);
		goto fail;
	}
	if (lstat(w->final_path, &st) == 0) {
		ret = error_set(err, ERR_IO, "backup '%s' already exists", w->final_path);
		goto fail;
	}
	w->fd = open(w->partial_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (w->fd < 0) {
		ret = error_set(err, ERR_IO, "cannot create '%s': %s", w->partial_path,
				strerror(errno));
		/* not ours: do not let writer_discard remove it */
		free(w->partial_path);
		w->partial_path = NULL;
		goto fail;
	}
	/* Exact mode whatever the umask; the lock tells cleanup we are alive. */
	if (fchmod(w->fd, 0600) || flock(w->fd, LOCK_EX | LOCK_NB)) {
		ret = error_set(err, ERR_IO, "cannot set up '%s': %s", w->partial_path,
				strerror(errno));
		goto fail;
	}
	w->spill = backup_spill_open(err);
	if (!w->spill)
		goto fail;

	snprintf(level, sizeof(level), "%d", zlevel);
	w->a = archive_write_new();
	if (!w->a) {
		ret = error_set(err, ERR_IO, "out of memory");
		goto fail;
	}
	if (archive_write_add_filter_zstd(w->a) != ARCHIVE_OK ||
	    archive_write_set_filter_option(w->a, "zstd", "compression-level",
					    level) != ARCHIVE_OK ||
	    archive_write_set_format_pax(w->a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(w->a, 1) != ARCHIVE_OK ||
	    archive_write_open2(w->a, w, NULL, out_write, NULL, NULL) != ARCHIVE_OK) {
		ret = archive_fail(w, "the archive header", err);
		goto fail;
	}
	if (pthread_create(&w->thread, NULL, writer_main, w)) {
		ret = error_set(err, ERR_IO, "cannot start the backup writer thread");
		goto fail;
	}
	w->thread_started = 1;
	*out = w;
	return 0;
fail:
	writer_discard(w);
	return ret;
}

int backup_writer_add(struct backup_writer *w, const char *relpath,
		      const void *data, size_t len, uint32_t mode,
		      int64_t mtime_ns, const char *sha256_hex,
		      struct error *err)
{
	struct timespec ts;

	util_ns_to_ts(mtime_ns, &ts);
	return backup_writer_add_ts(w, relpath, data, len, mode, &ts, sha256_hex, err);
}

int backup_writer_add_ts(struct backup_writer *w, const char *relpath,
			 const void *data, size_t len, uint32_t mode,
			 const struct timespec *mtime, const char *sha256_hex,
			 struct error *err)
{
	const char *why = backup_rel_unsafe(relpath);
	size_t plen = strlen(relpath);
	struct item *it;
	unsigned char raw[32];

	if (why)
		return error_set(err, ERR_DATA, "cannot back up '%s': %s", relpath, why);
	if (sha256_hex && backup_sha_decode(sha256_hex, strlen(sha256_hex), raw))
		return error_set(err, ERR_USAGE, "cannot back up '%s': bad sha256 '%s'",
				 relpath, sha256_hex);
	/* the readers rely on this order to validate in constant memory */
	if (w->have_last && walk_path_cmp(w->last_path, w->last_len, relpath, plen) >= 0)
		return error_set(err, ERR_USAGE,
				 "cannot back up '%s': not after '%.*s' in walk order%s", relpath,
				 (int)w->last_len, w->last_path,
				 walk_path_cmp(w->last_path, w->last_len, relpath, plen) ?
				 "" : " (added twice)");
	it = malloc(sizeof(*it) + len + plen + 1);
	if (!it)
		return error_set(err, ERR_IO, "out of memory for '%s' (%zu bytes)",
				 relpath, len);
	it->next = NULL;
	it->len = len;
	it->mode = mode;
	it->mtime = *mtime;
	it->has_sha = sha256_hex != NULL;
	if (sha256_hex)
		util_hex_encode(raw, 32, it->sha);
	if (len)
		memcpy(it->data, data, len);
	it->path = (char *)it->data + len;
	memcpy(it->path, relpath, plen + 1);
	memcpy(w->last_path, relpath, plen);
	w->last_len = plen;
	w->have_last = 1;

	pthread_mutex_lock(&w->mu);
	if (!w->failed && w->queued && w->queued + len > w->limit) {
		double t0 = util_monotonic();

		pthread_cond_signal(&w->not_empty);   /* it may sit below limit / 8 */
		while (!w->failed && w->queued && w->queued + len > w->limit)
			pthread_cond_wait(&w->not_full, &w->mu);
		w->st.producer_blocked_s += util_monotonic() - t0;
	}
	if (w->failed) {
		*err = w->terr;
		pthread_mutex_unlock(&w->mu);
		free(it);
		return err->code ? (int)err->code : ERR_IO;
	}
	if (w->tail)
		w->tail->next = it;
	else
		w->head = it;
	w->tail = it;
	w->queued += len;
	if (w->queued > w->st.queue_peak_bytes)
		w->st.queue_peak_bytes = w->queued;
	/* likewise, an idle writer is woken for a good handful of work; the
	 * rest is flushed by backup_writer_finish (or abort) */
	if (w->queued >= w->limit / 8)
		pthread_cond_signal(&w->not_empty);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

void backup_writer_get_stats(struct backup_writer *w,
			     struct backup_writer_stats *stats)
{
	pthread_mutex_lock(&w->mu);
	*stats = w->st;
	pthread_mutex_unlock(&w->mu);
}

/* Write `len` bytes to the archive entry and to the index beside it. */
static int index_out(struct backup_writer *w, int mfd, const void *p,
		     size_t len, struct error *err)
{
	if (write_data(w, p, len, "MANIFEST.json", err))
		return ERR_IO;
	if (backup_write_all(mfd, p, len))
		return error_set(err, ERR_IO, "cannot write '%s': %s",
				 w->ipartial_path, strerror(errno));
	return 0;
}

/* Append the index (first line, spilled records, last line) to both outputs. */
static int write_index(struct backup_writer *w, int mfd, struct error *err)
{
	struct strbuf head = STRBUF_INIT, foot = STRBUF_INIT;
	unsigned char *buf = NULL;
	uint64_t off = 0;
	int ret = ERR_IO;

	backup_index_head(&head, w->run_id, w->tree_root, w->tool_version,
			  w->created_at);
	backup_index_foot(&foot, w->files, w->bytes_in);
	buf = malloc(IO_CHUNK);
	if (head.failed || foot.failed || !buf) {
		error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	if (fflush(w->spill)) {
		error_set(err, ERR_IO, "cannot write the index spill file: %s",
			  strerror(errno));
		goto out;
	}
	archive_entry_clear(w->entry);
	archive_entry_copy_pathname(w->entry, INDEX_MEMBER);
	archive_entry_set_filetype(w->entry, AE_IFREG);
	archive_entry_set_perm(w->entry, 0600);
	archive_entry_set_size(w->entry,
			       (la_int64_t)(head.len + w->spill_bytes + foot.len));
	archive_entry_set_mtime(w->entry, time(NULL), 0);
	if (archive_write_header(w->a, w->entry) < ARCHIVE_WARN) {
		archive_fail(w, "MANIFEST.json", err);
		goto out;
	}
	if (index_out(w, mfd, head.buf, head.len, err))
		goto out;
	while (off < w->spill_bytes) {
		size_t want = w->spill_bytes - off < IO_CHUNK ?
			(size_t)(w->spill_bytes - off) : IO_CHUNK;
		ssize_t r = pread(fileno(w->spill), buf, want, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			error_set(err, ERR_IO, "cannot read the index spill file: %s",
				  r < 0 ? strerror(errno) : "unexpected end");
			goto out;
		}
		if (index_out(w, mfd, buf, (size_t)r, err))
			goto out;
		off += (uint64_t)r;
	}
	if (index_out(w, mfd, foot.buf, foot.len, err))
		goto out;
	ret = 0;
out:
	free(buf);
	strbuf_release(&head);
	strbuf_release(&foot);
	return ret;
}

int backup_writer_finish(struct backup_writer *w, char *final_path,
			 size_t final_path_size, char archive_sha256[65],
			 struct backup_writer_stats *stats, struct error *err)
{
	unsigned char raw[32];
	char dir[PATH_MAX];
	int mfd = -1;
	int ret = ERR_IO;
	double t0;

	writer_stop(w, 0);
	if (w->failed) {
		*err = w->terr;
		ret = err->code ? (int)err->code : ERR_IO;
		goto fail;
	}
	if (strlen(w->final_path) >= final_path_size) {
		ret = error_set(err, ERR_USAGE, "archive path '%s' does not fit", w->final_path);
		goto fail;
	}
	t0 = util_monotonic();
	mfd = open(w->ipartial_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (mfd >= 0)
		w->icreated = 1;
	if (mfd < 0 || fchmod(mfd, 0600) || flock(mfd, LOCK_EX | LOCK_NB)) {
		error_set(err, ERR_IO, "cannot create '%s': %s", w->ipartial_path,
			  strerror(errno));
		goto fail;
	}
	if (write_index(w, mfd, err))
		goto fail;
	if (archive_write_close(w->a) != ARCHIVE_OK) {
		archive_fail(w, "the end of the archive", err);
		goto fail;
	}
	if (backup_sha_final(w->out_sha, raw)) {
		error_set(err, ERR_IO, "sha256 failed");
		goto fail;
	}
	if (fsync(w->fd)) {
		error_set(err, ERR_IO, "cannot fsync '%s': %s", w->partial_path,
			  strerror(errno));
		goto fail;
	}
	if (fsync(mfd)) {
		error_set(err, ERR_IO, "cannot fsync '%s': %s", w->ipartial_path,
			  strerror(errno));
		goto fail;
	}
	if (rename(w->partial_path, w->final_path)) {
		error_set(err, ERR_IO, "cannot rename '%s' to '%s': %s",
			  w->partial_path, w->final_path, strerror(errno));
		goto fail;
	}
	if (rename(w->ipartial_path, w->ifinal_path)) {
		error_set(err, ERR_IO, "cannot rename '%s' to '%s': %s",
			  w->ipartial_path, w->ifinal_path, strerror(errno));
		unlink(w->final_path);
		goto fail;
	}
	dir_of(w->final_path, dir, sizeof(dir));
	if (backup_fsync_dir(dir)) {
		error_set(err, ERR_IO, "cannot fsync folder '%s': %s", dir,
			  strerror(errno));
		unlink(w->final_path);
		unlink(w->ifinal_path);
		goto fail;
	}
	w->busy += util_monotonic() - t0;
	close(mfd);
	util_hex_encode(raw, 32, archive_sha256);
	snprintf(final_path, final_path_size, "%s", w->final_path);
	publish_stats(w);
	if (stats)
		*stats = w->st;
	writer_free(w);
	return 0;
fail:
	if (mfd >= 0)
		close(mfd);
	writer_discard(w);
	return ret;
}

void backup_writer_abort(struct backup_writer *w)
{
	if (!w)
		return;
	writer_stop(w, 1);
	writer_discard(w);
}

int backup_remove(const char *archive_path, struct error *err)
{
	char dir[PATH_MAX];
	char *idx = NULL;
	int ret = 0;

	if (unlink(archive_path) && errno != ENOENT)
		return error_set(err, ERR_IO, "cannot remove '%s': %s", archive_path,
				 strerror(errno));
	if (backup_index_path(archive_path, &idx))
		ret = error_set(err, ERR_IO, "out of memory");
	else if (idx && unlink(idx) && errno != ENOENT)
		ret = error_set(err, ERR_IO, "cannot remove '%s': %s", idx,
				strerror(errno));
	dir_of(archive_path, dir, sizeof(dir));
	if (!ret && backup_fsync_dir(dir) && errno != ENOENT)
		ret = error_set(err, ERR_IO, "cannot fsync folder '%s': %s", dir,
				strerror(errno));
	free(idx);
	return ret;
}

