/*
 * backup/backup.c - write, verify and restore the backup archive of a run
 * (<run-id>.tar.zst with MANIFEST.json), see backup.h.
 * It does not walk trees or read the originals (the pipeline hands over the
 * bytes it read), and it does not decide what to print or which exit status
 * to use: findings go to callbacks, failures to struct error.
 */
#include "backup.h"
#include "util.h"

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define IO_CHUNK (128u * 1024u)
#define DEFAULT_QUEUE_BYTES (32u * 1024u * 1024u)
#define DEFAULT_ZSTD_LEVEL 3
#define MANIFEST_ENTRY "MANIFEST.json"
#define TREE_PREFIX "tree/"
#define TREE_PREFIX_LEN 5
#define MANIFEST_LINE_MAX (256u * 1024u)
#define TAIL_MAX (64 * 1024)

/* ================================================================ helpers */

/* Decode 64 hex digits (either case) into 32 bytes.  Returns 0 or -1. */
static int sha_decode(const char *hex, size_t len, unsigned char raw[32])
{
	size_t i;

	if (len != 64)
		return -1;
	for (i = 0; i < 32; i++) {
		int hi = util_hex_digit((unsigned char)hex[2 * i]);
		int lo = util_hex_digit((unsigned char)hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		raw[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

static EVP_MD_CTX *sha_new(void)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	if (c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(c);
		c = NULL;
	}
	return c;
}

static int sha_restart(EVP_MD_CTX *c)
{
	return EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1 ? 0 : -1;
}

static int sha_final(EVP_MD_CTX *c, unsigned char raw[32])
{
	unsigned int n = 0;

	return EVP_DigestFinal_ex(c, raw, &n) == 1 && n == 32 ? 0 : -1;
}

static int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n) {
		ssize_t r = write(fd, p, n);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* sha256 of what remains to be read on fd.  Returns 0, or -1 with errno. */
static int sha_fd(int fd, unsigned char raw[32], uint64_t *size)
{
	EVP_MD_CTX *c = sha_new();
	unsigned char *buf = malloc(IO_CHUNK);
	uint64_t total = 0;
	int ret = -1;

	if (!c || !buf) {
		errno = ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t r = read(fd, buf, IO_CHUNK);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			goto out;
		}
		if (r == 0)
			break;
		EVP_DigestUpdate(c, buf, (size_t)r);
		total += (uint64_t)r;
	}
	if (sha_final(c, raw)) {
		errno = EIO;
		goto out;
	}
	if (size)
		*size = total;
	ret = 0;
out:
	free(buf);
	EVP_MD_CTX_free(c);
	return ret;
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);

	if (p)
		memcpy(p, s, n);
	return p;
}

static char *path_join(const char *a, const char *b, const char *suffix)
{
	size_t la = strlen(a), lb = strlen(b), ls = strlen(suffix);
	char *p = malloc(la + 1 + lb + ls + 1);

	if (!p)
		return NULL;
	memcpy(p, a, la);
	p[la] = '/';
	memcpy(p + la + 1, b, lb);
	memcpy(p + la + 1 + lb, suffix, ls + 1);
	return p;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* fsync a directory so that renames and unlinks in it are durable. */
static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -1;
	ret = fsync(fd);
	if (ret && (errno == EINVAL || errno == EROFS))
		ret = 0;
	close(fd);
	return ret;
}

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

/*
 * An unlinked temporary file in $TMPDIR (or /tmp), opened for reading and
 * writing.  Returns NULL with err set.
 */
static FILE *spill_open(const char *dir, struct error *err)
{
	char tmpl[PATH_MAX];
	int fd;
	FILE *f;

	if (!dir) {
		dir = getenv("TMPDIR");
		if (!dir || !*dir)
			dir = "/tmp";
	}
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (snprintf(tmpl, sizeof(tmpl), "%s/.wsm-spill-XXXXXX", dir) >=
		    (int)sizeof(tmpl)) {
			error_set(err, ERR_IO, "temporary folder name too long '%s'", dir);
			return NULL;
		}
		fd = mkstemp(tmpl);
		if (fd < 0) {
			error_set(err, ERR_IO, "cannot create a temporary file in '%s': %s",
				  dir, strerror(errno));
			return NULL;
		}
		unlink(tmpl);
	}
	f = fdopen(fd, "w+");
	if (!f) {
		error_set(err, ERR_IO, "cannot open a temporary file: %s", strerror(errno));
		close(fd);
	}
	return f;
}

/* ------------------------------------------------------------ path checks */

/* Why a relative path is unsafe, or NULL when it is fine. */
static const char *rel_unsafe(const char *rel)
{
	size_t n = strlen(rel);
	const char *p = rel;

	if (n == 0)
		return "empty path";
	if (n > BACKUP_PATH_MAX)
		return "path too long";
	if (rel[0] == '/')
		return "absolute path";
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);

		if (len == 0)
			return "empty path component";
		if (len == 1 && p[0] == '.')
			return "'.' path component";
		if (len == 2 && p[0] == '.' && p[1] == '.')
			return "'..' path component";
		if (!slash)
			return NULL;
		p = slash + 1;
	}
}

/*
 * The canonical order of paths in an archive: component by component, each
 * compared bytewise (strcmp), a shorter path before its continuations --
 * the order of a depth-first walk with sorted siblings, as walk.c gives.
 * Comparing the whole paths bytewise with '/' below every other byte is the
 * same order.  In it, every path under "d/" comes right after "d" (and
 * before any "d<other>"), which lets readers check duplicates and
 * file-versus-folder clashes with the previous path alone.
 */
static int path_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i, n = alen < blen ? alen : blen;

	for (i = 0; i < n; i++) {
		unsigned char ca = (unsigned char)a[i], cb = (unsigned char)b[i];

		if (ca == cb)
			continue;
		if (ca == '/')
			return -1;
		if (cb == '/')
			return 1;
		return ca < cb ? -1 : 1;
	}
	return alen < blen ? -1 : alen > blen;
}

/*
 * Why an archive entry must not be restored, or NULL; on NULL *rel points to
 * the path relative to the tree.  MANIFEST.json is handled by the caller.
 */
static const char *entry_unsafe(struct archive_entry *e, const char *name,
				const char **rel)
{
	const char *why;

	if (!name || !*name)
		return "empty name";
	if (name[0] == '/')
		return "absolute path";
	if (archive_entry_hardlink(e))
		return "hard link";
	switch (archive_entry_filetype(e)) {
	case AE_IFREG:
		break;
	case AE_IFLNK:
		return "symbolic link";
	case AE_IFDIR:
		return "directory entry";
	default:
		return "special file";
	}
	why = rel_unsafe(name);
	if (why)
		return why;
	if (strncmp(name, TREE_PREFIX, TREE_PREFIX_LEN) != 0)
		return "entry outside tree/";
	*rel = name + TREE_PREFIX_LEN;
	return NULL;
}

static int run_id_ok(const char *id)
{
	size_t n = strlen(id), i;

	if (n == 0 || n > BACKUP_RUN_ID_MAX || id[0] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		char c = id[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* mkdir -p with `mode` for the folders it creates. */
static int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t n = strlen(path), i;

	if (n == 0 || n >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] == '/' || buf[i] == '\0') {
			char c = buf[i];

			buf[i] = '\0';
			if (mkdir(buf, mode) && errno != EEXIST)
				return -1;
			buf[i] = c;
		}
	}
	return 0;
}

/* ================================================================ writer */

/* One queued file; path and data live in the same allocation. */
struct item {
	struct item *next;
	size_t len;
	uint32_t mode;
	int64_t mtime_ns;
	int has_sha;
	char sha[65];
	char *path;
	unsigned char data[];
};

struct backup_writer {
	char *dir, *run_id, *tree_root, *tool_version;
	char created_at[32];
	char *partial_path, *final_path, *mpartial_path, *mfinal_path;
	int fd;                     /* the partial archive, flock()ed */
	int mcreated;               /* we created mpartial_path */
	int discard;                /* aborting: out_write drops the bytes */
	FILE *spill;                /* manifest records, unlinked */
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
	if (write_all(w->fd, buf, n)) {
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

static void set_entry_mtime(struct archive_entry *e, int64_t ns)
{
	int64_t sec = ns / 1000000000, nsec = ns % 1000000000;

	if (nsec < 0) {
		nsec += 1000000000;
		sec -= 1;
	}
	archive_entry_set_mtime(e, (time_t)sec, (long)nsec);
}

/* Runs in the writer thread: one file into the archive and the spill. */
static int write_item(struct backup_writer *w, struct item *it,
		      struct error *err)
{
	struct archive_entry *e = w->entry;
	struct strbuf rec = { 0 };
	size_t plen = strlen(it->path);
	int ret;

	memcpy(w->name_buf, TREE_PREFIX, TREE_PREFIX_LEN);
	memcpy(w->name_buf + TREE_PREFIX_LEN, it->path, plen + 1);
	archive_entry_clear(e);
	archive_entry_copy_pathname(e, w->name_buf);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, it->mode & 07777);
	archive_entry_set_size(e, (la_int64_t)it->len);
	set_entry_mtime(e, it->mtime_ns);
	if (archive_write_header(w->a, e) < ARCHIVE_WARN) {
		ret = archive_fail(w, "header", err);
		goto out;
	}
	ret = write_data(w, it->data, it->len, "data", err);
	if (ret)
		goto out;
	if (!it->has_sha) {
		unsigned char raw[32];

		if (sha_restart(w->file_sha) ||
		    EVP_DigestUpdate(w->file_sha, it->data, it->len) != 1 ||
		    sha_final(w->file_sha, raw)) {
			ret = error_set(err, ERR_IO, "sha256 failed");
			goto out;
		}
		util_hex_encode(raw, 32, it->sha);
	}
	strbuf_addstr(&rec, w->files ? ",\n{\"path\":" : "\n{\"path\":");
	strbuf_add_json_string(&rec, it->path, strlen(it->path));
	strbuf_addf(&rec, ",\"size\":%zu,\"mode\":%" PRIu32 ",\"mtime_ns\":%" PRId64
		",\"sha256\":\"%s\"}", it->len, it->mode & 07777, it->mtime_ns,
		it->sha);
	if (rec.failed) {
		ret = error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	if (fwrite(rec.buf, 1, rec.len, w->spill) != rec.len) {
		ret = error_set(err, ERR_IO, "cannot write the manifest spill file: %s",
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
	free(w->mpartial_path);
	free(w->mfinal_path);
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
	if (w->mcreated)
		unlink(w->mpartial_path);
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
	if (!run_id_ok(run_id))
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
	w->dir = xstrdup(dir);
	w->run_id = xstrdup(run_id);
	w->tree_root = xstrdup(tree_root ? tree_root : "");
	w->tool_version = xstrdup(opts && opts->tool_version ? opts->tool_version : "");
	w->partial_path = path_join(dir, run_id, BACKUP_ARCHIVE_SUFFIX BACKUP_PARTIAL_SUFFIX);
	w->final_path = path_join(dir, run_id, BACKUP_ARCHIVE_SUFFIX);
	w->mpartial_path = path_join(dir, run_id, BACKUP_MANIFEST_SUFFIX BACKUP_PARTIAL_SUFFIX);
	w->mfinal_path = path_join(dir, run_id, BACKUP_MANIFEST_SUFFIX);
	w->name_buf = malloc(TREE_PREFIX_LEN + BACKUP_PATH_MAX + 1);
	w->last_path = malloc(BACKUP_PATH_MAX + 1);
	w->out_sha = sha_new();
	w->file_sha = sha_new();
	w->entry = archive_entry_new();
	if (!w->dir || !w->run_id || !w->tree_root || !w->tool_version ||
	    !w->partial_path || !w->final_path || !w->mpartial_path ||
	    !w->mfinal_path || !w->name_buf || !w->last_path || !w->out_sha ||
	    !w->file_sha ||
	    !w->entry) {
		ret = error_set(err, ERR_IO, "out of memory");
		goto fail;
	}
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(w->created_at, sizeof(w->created_at), "%Y-%m-%dT%H:%M:%SZ", &tm);

	if (stat(dir, &st)) {
		if (errno != ENOENT || mkdir_p(dir, 0700)) {
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
	w->spill = spill_open(NULL, err);
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
	const char *why = rel_unsafe(relpath);
	size_t plen = strlen(relpath);
	struct item *it;
	unsigned char raw[32];

	if (why)
		return error_set(err, ERR_DATA, "cannot back up '%s': %s", relpath, why);
	if (sha256_hex && sha_decode(sha256_hex, strlen(sha256_hex), raw))
		return error_set(err, ERR_USAGE, "cannot back up '%s': bad sha256 '%s'",
				 relpath, sha256_hex);
	/* the readers rely on this order to validate in constant memory */
	if (w->have_last && path_cmp(w->last_path, w->last_len, relpath, plen) >= 0)
		return error_set(err, ERR_USAGE,
				 "cannot back up '%s': not after '%.*s' in walk order%s", relpath,
				 (int)w->last_len, w->last_path,
				 path_cmp(w->last_path, w->last_len, relpath, plen) ?
				 "" : " (added twice)");
	it = malloc(sizeof(*it) + len + plen + 1);
	if (!it)
		return error_set(err, ERR_IO, "out of memory for '%s' (%zu bytes)",
				 relpath, len);
	it->next = NULL;
	it->len = len;
	it->mode = mode;
	it->mtime_ns = mtime_ns;
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

/* Write `len` bytes to the archive entry and to the manifest beside. */
static int manifest_out(struct backup_writer *w, int mfd, const void *p,
			size_t len, struct error *err)
{
	if (write_data(w, p, len, "MANIFEST.json", err))
		return ERR_IO;
	if (write_all(mfd, p, len))
		return error_set(err, ERR_IO, "cannot write '%s': %s",
				 w->mpartial_path, strerror(errno));
	return 0;
}

/* Append MANIFEST.json (header, spilled records, footer) to both outputs. */
static int write_manifest(struct backup_writer *w, int mfd, struct error *err)
{
	struct strbuf head = { 0 }, foot = { 0 };
	unsigned char *buf = NULL;
	uint64_t off = 0;
	int ret = ERR_IO;

	strbuf_addstr(&head, "{\"format\":\"" BACKUP_FORMAT "\",\"run_id\":");
	strbuf_add_json_string(&head, w->run_id, strlen(w->run_id));
	strbuf_addstr(&head, ",\"tree_root\":");
	strbuf_add_json_string(&head, w->tree_root, strlen(w->tree_root));
	strbuf_addstr(&head, ",\"tool_version\":");
	strbuf_add_json_string(&head, w->tool_version, strlen(w->tool_version));
	strbuf_addstr(&head, ",\"created_at\":");
	strbuf_add_json_string(&head, w->created_at, strlen(w->created_at));
	strbuf_addstr(&head, ",\"files\":[");
	strbuf_addf(&foot, "\n],\"file_count\":%" PRIu64 ",\"total_bytes\":%" PRIu64 "}\n",
		w->files, w->bytes_in);
	buf = malloc(IO_CHUNK);
	if (head.failed || foot.failed || !buf) {
		error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	if (fflush(w->spill)) {
		error_set(err, ERR_IO, "cannot write the manifest spill file: %s",
			  strerror(errno));
		goto out;
	}
	archive_entry_clear(w->entry);
	archive_entry_copy_pathname(w->entry, MANIFEST_ENTRY);
	archive_entry_set_filetype(w->entry, AE_IFREG);
	archive_entry_set_perm(w->entry, 0600);
	archive_entry_set_size(w->entry,
			       (la_int64_t)(head.len + w->spill_bytes + foot.len));
	archive_entry_set_mtime(w->entry, time(NULL), 0);
	if (archive_write_header(w->a, w->entry) < ARCHIVE_WARN) {
		archive_fail(w, "MANIFEST.json", err);
		goto out;
	}
	if (manifest_out(w, mfd, head.buf, head.len, err))
		goto out;
	while (off < w->spill_bytes) {
		size_t want = w->spill_bytes - off < IO_CHUNK ?
			(size_t)(w->spill_bytes - off) : IO_CHUNK;
		ssize_t r = pread(fileno(w->spill), buf, want, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			error_set(err, ERR_IO, "cannot read the manifest spill file: %s",
				  r < 0 ? strerror(errno) : "unexpected end");
			goto out;
		}
		if (manifest_out(w, mfd, buf, (size_t)r, err))
			goto out;
		off += (uint64_t)r;
	}
	if (manifest_out(w, mfd, foot.buf, foot.len, err))
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
	mfd = open(w->mpartial_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (mfd >= 0)
		w->mcreated = 1;
	if (mfd < 0 || fchmod(mfd, 0600) || flock(mfd, LOCK_EX | LOCK_NB)) {
		error_set(err, ERR_IO, "cannot create '%s': %s", w->mpartial_path,
			  strerror(errno));
		goto fail;
	}
	if (write_manifest(w, mfd, err))
		goto fail;
	if (archive_write_close(w->a) != ARCHIVE_OK) {
		archive_fail(w, "the end of the archive", err);
		goto fail;
	}
	if (sha_final(w->out_sha, raw)) {
		error_set(err, ERR_IO, "sha256 failed");
		goto fail;
	}
	if (fsync(w->fd)) {
		error_set(err, ERR_IO, "cannot fsync '%s': %s", w->partial_path,
			  strerror(errno));
		goto fail;
	}
	if (fsync(mfd)) {
		error_set(err, ERR_IO, "cannot fsync '%s': %s", w->mpartial_path,
			  strerror(errno));
		goto fail;
	}
	if (rename(w->partial_path, w->final_path)) {
		error_set(err, ERR_IO, "cannot rename '%s' to '%s': %s",
			  w->partial_path, w->final_path, strerror(errno));
		goto fail;
	}
	if (rename(w->mpartial_path, w->mfinal_path)) {
		error_set(err, ERR_IO, "cannot rename '%s' to '%s': %s",
			  w->mpartial_path, w->mfinal_path, strerror(errno));
		unlink(w->final_path);
		goto fail;
	}
	dir_of(w->final_path, dir, sizeof(dir));
	if (fsync_dir(dir)) {
		error_set(err, ERR_IO, "cannot fsync folder '%s': %s", dir,
			  strerror(errno));
		unlink(w->final_path);
		unlink(w->mfinal_path);
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
	struct strbuf m = { 0 };
	size_t n = strlen(archive_path);
	int ret = 0;

	if (unlink(archive_path) && errno != ENOENT)
		return error_set(err, ERR_IO, "cannot remove '%s': %s", archive_path,
				 strerror(errno));
	if (ends_with(archive_path, BACKUP_ARCHIVE_SUFFIX)) {
		strbuf_add(&m, archive_path, n - strlen(BACKUP_ARCHIVE_SUFFIX));
		strbuf_addstr(&m, BACKUP_MANIFEST_SUFFIX);
		if (m.failed)
			ret = error_set(err, ERR_IO, "out of memory");
		else if (unlink(m.buf) && errno != ENOENT)
			ret = error_set(err, ERR_IO, "cannot remove '%s': %s", m.buf,
					strerror(errno));
	}
	dir_of(archive_path, dir, sizeof(dir));
	if (!ret && fsync_dir(dir) && errno != ENOENT)
		ret = error_set(err, ERR_IO, "cannot fsync folder '%s': %s", dir,
				strerror(errno));
	strbuf_release(&m);
	return ret;
}

int backup_cleanup_partials(const char *dir,
			    void (*cb)(void *ctx, const char *path),
			    void *ctx, struct error *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int removed = 0, ret = 0;

	if (!d) {
		if (errno == ENOENT)
			return 0;
		return error_set(err, ERR_IO, "cannot open backup folder '%s': %s", dir,
				 strerror(errno));
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		char *path;
		int fd;

		if (!ends_with(de->d_name, BACKUP_ARCHIVE_SUFFIX BACKUP_PARTIAL_SUFFIX) &&
		    !ends_with(de->d_name, BACKUP_MANIFEST_SUFFIX BACKUP_PARTIAL_SUFFIX))
			continue;
		path = path_join(dir, de->d_name, "");
		if (!path) {
			ret = error_set(err, ERR_IO, "out of memory");
			break;
		}
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB)) {
			/* a writer that is still running holds it */
			close(fd);
			free(path);
			continue;
		}
		if (unlink(path) && errno != ENOENT) {
			ret = error_set(err, ERR_IO, "cannot remove '%s': %s", path,
					strerror(errno));
			if (fd >= 0)
				close(fd);
			free(path);
			break;
		}
		if (fd >= 0)
			close(fd);
		removed++;
		if (cb)
			cb(ctx, path);
		free(path);
	}
	if (!ret && errno)
		ret = error_set(err, ERR_IO, "cannot read backup folder '%s': %s", dir,
				strerror(errno));
	closedir(d);
	if (!ret && removed && fsync_dir(dir))
		ret = error_set(err, ERR_IO, "cannot fsync folder '%s': %s", dir,
				strerror(errno));
	return ret;
}

int backup_sha256_file(const char *path, char hex[65], struct error *err)
{
	unsigned char raw[32];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return error_set(err, ERR_IO, "cannot open '%s': %s", path, strerror(errno));
	if (sha_fd(fd, raw, NULL)) {
		int e = errno;

		close(fd);
		return error_set(err, ERR_IO, "cannot read '%s': %s", path, strerror(e));
	}
	close(fd);
	util_hex_encode(raw, 32, hex);
	return 0;
}

/* ====================================================== manifest reading */

/* A tiny reader for the flat JSON objects of the manifest lines. */
struct jp {
	const char *p, *end;
	const char *why;
};

static void jp_ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\r' ||
				 *j->p == '\n'))
		j->p++;
}

static int jp_char(struct jp *j, char c)
{
	jp_ws(j);
	if (j->p < j->end && *j->p == c) {
		j->p++;
		return 1;
	}
	return 0;
}

static void utf8_put(struct strbuf *b, unsigned long cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	strbuf_add(b, u, n);
}

static int jp_hex4(struct jp *j, unsigned long *v)
{
	int i;

	if (j->end - j->p < 4)
		return -1;
	*v = 0;
	for (i = 0; i < 4; i++) {
		int h = util_hex_digit((unsigned char)j->p[i]);

		if (h < 0)
			return -1;
		*v = *v << 4 | (unsigned long)h;
	}
	j->p += 4;
	return 0;
}

/* Parse a JSON string into out (reset first).  Returns 0 or -1 (j->why). */
static int jp_string(struct jp *j, struct strbuf *out)
{
	out->len = 0;
	strbuf_add(out, "", 0);
	if (!jp_char(j, '"')) {
		j->why = "expected a string";
		return -1;
	}
	while (j->p < j->end) {
		unsigned char c = (unsigned char)*j->p++;
		unsigned long cp, lo;

		if (c == '"')
			return out->failed ? (j->why = "out of memory", -1) : 0;
		if (c < 0x20) {
			j->why = "control character in string";
			return -1;
		}
		if (c != '\\') {
			strbuf_add(out, (const char *)&c, 1);
			continue;
		}
		if (j->p >= j->end)
			break;
		c = (unsigned char)*j->p++;
		switch (c) {
		case '"': case '\\': case '/':
			strbuf_add(out, (const char *)&c, 1);
			break;
		case 'b': strbuf_add(out, "\b", 1); break;
		case 'f': strbuf_add(out, "\f", 1); break;
		case 'n': strbuf_add(out, "\n", 1); break;
		case 'r': strbuf_add(out, "\r", 1); break;
		case 't': strbuf_add(out, "\t", 1); break;
		case 'u':
			if (jp_hex4(j, &cp))
				goto bad_escape;
			if (cp >= 0xd800 && cp < 0xdc00) {
				if (j->end - j->p < 6 || j->p[0] != '\\' || j->p[1] != 'u')
					goto bad_escape;
				j->p += 2;
				if (jp_hex4(j, &lo) || lo < 0xdc00 || lo >= 0xe000)
					goto bad_escape;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp < 0xe000) {
				goto bad_escape;
			}
			if (cp == 0) {
				j->why = "NUL character in string";
				return -1;
			}
			utf8_put(out, cp);
			break;
		default:
			goto bad_escape;
		}
	}
	j->why = "unterminated string";
	return -1;
bad_escape:
	j->why = "bad escape in string";
	return -1;
}

static int jp_int(struct jp *j, int64_t *v)
{
	char buf[32];
	size_t n = 0;
	char *endp;
	long long x;

	jp_ws(j);
	while (j->p + n < j->end && n < sizeof(buf) - 1 &&
	       ((j->p[n] >= '0' && j->p[n] <= '9') || (n == 0 && j->p[n] == '-')))
		n++;
	if (n == 0 || (n == 1 && j->p[0] == '-')) {
		j->why = "expected an integer";
		return -1;
	}
	memcpy(buf, j->p, n);
	buf[n] = '\0';
	errno = 0;
	x = strtoll(buf, &endp, 10);
	if (errno || *endp) {
		j->why = "integer out of range";
		return -1;
	}
	j->p += n;
	*v = (int64_t)x;
	return 0;
}

/* A file record as parsed; path points into the parser's buffer. */
struct mrec {
	const char *path;
	size_t pathlen;
	uint64_t size;
	uint32_t mode;
	int64_t mtime_ns;
	unsigned char sha[32];
};

enum jv_kind { JV_STRING, JV_INT, JV_ARRAY };

/* One "key": value member; a '[' value is consumed and reported as JV_ARRAY. */
static int jp_member(struct jp *j, struct strbuf *key, struct strbuf *val,
		     enum jv_kind *kind, int64_t *iv)
{
	if (jp_string(j, key))
		return -1;
	if (!jp_char(j, ':')) {
		j->why = "expected ':'";
		return -1;
	}
	jp_ws(j);
	if (j->p < j->end && *j->p == '"') {
		*kind = JV_STRING;
		return jp_string(j, val);
	}
	if (j->p < j->end && *j->p == '[') {
		j->p++;
		*kind = JV_ARRAY;
		return 0;
	}
	*kind = JV_INT;
	return jp_int(j, iv);
}

static void copy_field(char *dst, size_t size, const struct strbuf *v)
{
	snprintf(dst, size, "%s", v->buf ? v->buf : "");
}

static int header_member(struct backup_manifest_info *info, const struct strbuf *key,
			 enum jv_kind kind, const struct strbuf *val, int64_t iv,
			 const char **why)
{
	(void)iv;
	if (kind != JV_STRING)
		return 0;   /* unknown numeric members are tolerated */
	if (!strcmp(key->buf, "format"))
		copy_field(info->format, sizeof(info->format), val);
	else if (!strcmp(key->buf, "run_id"))
		copy_field(info->run_id, sizeof(info->run_id), val);
	else if (!strcmp(key->buf, "tree_root"))
		copy_field(info->tree_root, sizeof(info->tree_root), val);
	else if (!strcmp(key->buf, "tool_version"))
		copy_field(info->tool_version, sizeof(info->tool_version), val);
	else if (!strcmp(key->buf, "created_at"))
		copy_field(info->created_at, sizeof(info->created_at), val);
	(void)why;
	return 0;
}

enum { F_PATH = 1, F_SIZE = 2, F_MODE = 4, F_MTIME = 8, F_SHA = 16, F_ALL = 31 };

static int record_member(struct mrec *r, int *have, const struct strbuf *key,
			 enum jv_kind kind, const struct strbuf *val, int64_t iv,
			 const char **why)
{
	if (kind == JV_ARRAY) {
		*why = "unexpected array in a file record";
		return -1;
	}
	if (!strcmp(key->buf, "path") && kind == JV_STRING) {
		r->path = val->buf;
		r->pathlen = val->len;
		*have |= F_PATH;
	} else if (!strcmp(key->buf, "sha256") && kind == JV_STRING) {
		if (val->len != 64 || sha_decode(val->buf, val->len, r->sha)) {
			*why = "bad sha256";
			return -1;
		}
		*have |= F_SHA;
	} else if (!strcmp(key->buf, "size") && kind == JV_INT && iv >= 0) {
		r->size = (uint64_t)iv;
		*have |= F_SIZE;
	} else if (!strcmp(key->buf, "mode") && kind == JV_INT && iv >= 0 && iv <= 07777) {
		r->mode = (uint32_t)iv;
		*have |= F_MODE;
	} else if (!strcmp(key->buf, "mtime_ns") && kind == JV_INT) {
		r->mtime_ns = iv;
		*have |= F_MTIME;
	} else if (!strcmp(key->buf, "path") || !strcmp(key->buf, "sha256") ||
		   !strcmp(key->buf, "size") || !strcmp(key->buf, "mode") ||
		   !strcmp(key->buf, "mtime_ns")) {
		*why = "bad value in a file record";
		return -1;
	}
	return 0;
}

/*
 * Read a manifest in this module's layout from f.  Fills *info and calls
 * rec() for each file record.  With footer_counts, file_count and
 * total_bytes are taken from the last line instead of being checked against
 * the records (for manifest_quick).  Returns 0, ERR_DATA (err names `name`
 * and the line) for a malformed manifest, or what rec() returned.
 */
static int manifest_parse(FILE *f, const char *name,
			  struct backup_manifest_info *info,
			  int (*rec)(void *ctx, const struct mrec *r, struct error *err),
			  void *ctx, int footer_counts, struct error *err)
{
	char *line = malloc(MANIFEST_LINE_MAX);
	struct strbuf key = { 0 }, val = { 0 }, pathv = { 0 };
	enum { S_HEAD, S_RECORDS, S_DONE } state = S_HEAD;
	int prev_comma = 0, ret = 0;
	long lineno = 0;
	uint64_t count = 0, total = 0;
	int64_t fc = -1, tb = -1;
	struct jp j;

	memset(info, 0, sizeof(*info));
	if (!line)
		return error_set(err, ERR_IO, "out of memory");
	j.why = NULL;
	while (fgets(line, (int)MANIFEST_LINE_MAX, f)) {
		size_t n = strlen(line);
		enum jv_kind kind;
		int64_t iv = 0;

		lineno++;
		if (n == MANIFEST_LINE_MAX - 1 && line[n - 1] != '\n') {
			j.why = "line too long";
			goto bad;
		}
		j.p = line;
		j.end = line + n;
		j.why = NULL;
		jp_ws(&j);
		if (j.p == j.end)
			continue;
		if (state == S_DONE) {
			j.why = "text after the end of the manifest";
			goto bad;
		}
		if (state == S_HEAD) {
			if (!jp_char(&j, '{')) {
				j.why = "expected '{'";
				goto bad;
			}
			for (;;) {
				if (jp_member(&j, &key, &val, &kind, &iv))
					goto bad;
				if (kind == JV_ARRAY)
					break;
				header_member(info, &key, kind, &val, iv, &j.why);
				if (!jp_char(&j, ',')) {
					j.why = "expected '\"files\":[' at the end of the first line";
					goto bad;
				}
			}
			if (strcmp(key.buf, "files")) {
				j.why = "unexpected array";
				goto bad;
			}
			jp_ws(&j);
			if (j.p != j.end) {
				j.why = "expected a line break after '\"files\":['";
				goto bad;
			}
			if (strcmp(info->format, BACKUP_FORMAT)) {
				j.why = "unsupported format (expected \"" BACKUP_FORMAT "\")";
				goto bad;
			}
			state = S_RECORDS;
			continue;
		}
		/* S_RECORDS: a record line, or the closing line */
		if (*j.p == ']') {
			if (prev_comma) {
				j.why = "',' before ']'";
				goto bad;
			}
			j.p++;
			for (;;) {
				if (jp_char(&j, '}'))
					break;
				if (!jp_char(&j, ',')) {
					j.why = "expected ',' or '}'";
					goto bad;
				}
				if (jp_member(&j, &key, &val, &kind, &iv))
					goto bad;
				if (kind == JV_INT && !strcmp(key.buf, "file_count"))
					fc = iv;
				else if (kind == JV_INT && !strcmp(key.buf, "total_bytes"))
					tb = iv;
			}
			jp_ws(&j);
			if (j.p != j.end) {
				j.why = "text after the end of the manifest";
				goto bad;
			}
			state = S_DONE;
			continue;
		}
		if (count && !prev_comma) {
			j.why = "missing ',' after the previous record";
			goto bad;
		}
		{
			struct mrec r;
			int have = 0;
			const char *why;

			memset(&r, 0, sizeof(r));
			if (!jp_char(&j, '{')) {
				j.why = "expected a file record";
				goto bad;
			}
			for (;;) {
				if (jp_member(&j, &key, &val, &kind, &iv))
					goto bad;
				if (kind == JV_STRING && !strcmp(key.buf, "path")) {
					/* keep the path: val is reused */
					pathv.len = 0;
					strbuf_add(&pathv, val.buf, val.len);
					if (pathv.failed) {
						j.why = "out of memory";
						goto bad;
					}
					if (record_member(&r, &have, &key, kind, &pathv, iv, &j.why))
						goto bad;
				} else if (record_member(&r, &have, &key, kind, &val, iv, &j.why)) {
					goto bad;
				}
				if (jp_char(&j, '}'))
					break;
				if (!jp_char(&j, ',')) {
					j.why = "expected ',' or '}'";
					goto bad;
				}
			}
			prev_comma = jp_char(&j, ',');
			jp_ws(&j);
			if (j.p != j.end) {
				j.why = "one file record per line expected";
				goto bad;
			}
			if (have != F_ALL) {
				j.why = "file record lacks path, size, mode, mtime_ns or sha256";
				goto bad;
			}
			if (strlen(r.path) != r.pathlen) {
				j.why = "NUL in path";
				goto bad;
			}
			why = rel_unsafe(r.path);
			if (why) {
				j.why = why;
				goto bad;
			}
			count++;
			total += r.size;
			if (rec) {
				ret = rec(ctx, &r, err);
				if (ret)
					goto out;
			}
		}
	}
	if (ferror(f)) {
		ret = error_set(err, ERR_IO, "cannot read manifest '%s': %s", name,
				strerror(errno));
		goto out;
	}
	if (state != S_DONE) {
		j.why = state == S_HEAD ? "empty manifest" : "manifest ends early";
		lineno = 0;
		goto bad;
	}
	if (footer_counts && fc >= 0 && tb >= 0) {
		count = (uint64_t)fc;
		total = (uint64_t)tb;
	}
	if (fc < 0 || (uint64_t)fc != count || tb < 0 || (uint64_t)tb != total) {
		j.why = "file_count or total_bytes does not match the records";
		lineno = 0;
		goto bad;
	}
	info->file_count = count;
	info->total_bytes = total;
	goto out;
bad:
	ret = error_set_at(err, ERR_DATA, name, lineno, 0, NULL,
			   "malformed manifest: %s", j.why ? j.why : "syntax error");
out:
	free(line);
	strbuf_release(&key);
	strbuf_release(&val);
	strbuf_release(&pathv);
	return ret;
}

/* ======================================================= spill records */

/*
 * Entries of the archive and records of its manifest, each as a rec_hdr
 * followed by the path, are spilled to unlinked temporary files in the
 * order they come and read back in that order: nothing per file is kept
 * in memory, so validating and restoring take the same memory for ten
 * files or a million.  Both orders must be the canonical one (path_cmp),
 * which the writer guarantees; the readers refuse anything else.
 */
struct rec_hdr {
	uint32_t pathlen;
	uint32_t mode;
	uint64_t size;
	int64_t mtime_ns;
	unsigned char sha[32];
};

/* restore: what the check found for a record (one byte per record) */
enum {
	RF_NEW = 0,         /* target absent */
	RF_IDENTICAL = 1,   /* target has the same content */
	RF_CONFLICT = 2     /* target has other content */
};

static int spill_put(FILE *f, const struct rec_hdr *h, const char *path,
		     struct error *err)
{
	if (fwrite(h, sizeof(*h), 1, f) != 1 ||
	    fwrite(path, 1, h->pathlen, f) != h->pathlen)
		return error_set(err, ERR_IO, "cannot write a temporary file: %s",
				 strerror(errno));
	return 0;
}

/* Flush a spill file and go back to its start for reading. */
static int spill_rewind(FILE *f, struct error *err)
{
	if (fflush(f) || fseek(f, 0, SEEK_SET))
		return error_set(err, ERR_IO, "cannot read a temporary file: %s",
				 strerror(errno));
	return 0;
}

/*
 * The next record of a spill file: the header into *h, the path into
 * `path` (NUL-terminated).  Returns 1, 0 at the end, or -1 with err.
 */
static int spill_get(FILE *f, struct rec_hdr *h, struct strbuf *path,
		     struct error *err)
{
	if (fread(h, sizeof(*h), 1, f) != 1) {
		if (ferror(f)) {
			error_set(err, ERR_IO, "cannot read a temporary file");
			return -1;
		}
		return 0;
	}
	path->len = 0;
	strbuf_grow(path, h->pathlen);
	if (path->failed) {
		error_set(err, ERR_IO, "out of memory");
		return -1;
	}
	if (fread(path->buf, 1, h->pathlen, f) != h->pathlen) {
		error_set(err, ERR_IO, "cannot read a temporary file");
		return -1;
	}
	path->buf[h->pathlen] = '\0';
	path->len = h->pathlen;
	return 1;
}

static void sb_swap(struct strbuf *x, struct strbuf *y)
{
	struct strbuf t = *x;

	*x = *y;
	*y = t;
}

/* ========================================================= archive scan */

/*
 * Pass 1 over an archive, shared by verify and restore: hash every tree
 * entry into a spill file, keep MANIFEST.json in another, then parse the
 * manifest into a third (checking its order) and compare the two lists
 * side by side, as a merge.  Problems go to sc->cb.
 */
struct scan {
	const char *apath;
	int fd;
	int manifest_only;      /* backup_read_manifest: do not hash entries */
	FILE *ents;             /* rec_hdr + path per tree entry, archive order */
	FILE *mraw;             /* the MANIFEST.json bytes */
	FILE *recs;             /* rec_hdr + path per manifest record */
	int manifests;
	int manifest_ok;        /* MANIFEST.json parsed, in order, into recs */
	uint64_t nrecs;         /* records in recs */
	unsigned long manifest_problems;
	struct strbuf prev;         /* loading: the previous record's path */
	struct backup_manifest_info info;
	unsigned long problems;
	void (*cb)(void *ctx, enum backup_problem kind, const char *path,
		   const char *detail);
	void *ctx;
};

const char *backup_problem_name(enum backup_problem p)
{
	switch (p) {
	case BACKUP_PROBLEM_ARCHIVE_SHA256: return "archive sha256 mismatch";
	case BACKUP_PROBLEM_SHA256: return "sha256 mismatch";
	case BACKUP_PROBLEM_SIZE: return "size mismatch";
	case BACKUP_PROBLEM_MISSING: return "missing entry";
	case BACKUP_PROBLEM_EXTRA: return "extra entry";
	case BACKUP_PROBLEM_DUPLICATE: return "duplicate entry";
	case BACKUP_PROBLEM_UNSAFE: return "unsafe entry";
	case BACKUP_PROBLEM_MANIFEST: return "bad manifest";
	case BACKUP_PROBLEM_ORDER: return "entry out of order";
	}
	return "problem";
}

static void problem(struct scan *sc, enum backup_problem kind, const char *path,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void problem(struct scan *sc, enum backup_problem kind, const char *path,
		    const char *fmt, ...)
{
	char detail[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	sc->problems++;
	if (sc->cb)
		sc->cb(sc->ctx, kind, path, detail);
}

static void scan_release(struct scan *sc)
{
	if (sc->ents)
		fclose(sc->ents);
	if (sc->mraw)
		fclose(sc->mraw);
	if (sc->recs)
		fclose(sc->recs);
	strbuf_release(&sc->prev);
	sc->ents = sc->mraw = sc->recs = NULL;
}

static struct archive *reader_open(int fd, const char *apath, struct error *err)
{
	struct archive *a;

	if (lseek(fd, 0, SEEK_SET) < 0) {
		error_set(err, ERR_IO, "cannot read archive '%s': %s", apath,
			  strerror(errno));
		return NULL;
	}
	a = archive_read_new();
	if (!a) {
		error_set(err, ERR_IO, "out of memory");
		return NULL;
	}
	/* only zstd (or none) and tar: no external filter programs */
	archive_read_support_filter_zstd(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_fd(a, fd, IO_CHUNK) != ARCHIVE_OK) {
		error_set(err, ERR_IO, "cannot read archive '%s': %s", apath,
			  archive_error_string(a) ? archive_error_string(a) : "unknown error");
		archive_read_free(a);
		return NULL;
	}
	return a;
}

static int read_fail(struct archive *a, const char *apath, struct error *err)
{
	const char *msg = archive_error_string(a);

	return error_set(err, ERR_IO, "cannot read archive '%s': %s", apath,
			 msg ? msg : "unexpected end of data");
}

/* Hash the data of the current entry; also copy it to `copy` if not NULL. */
static int hash_entry(struct archive *a, const char *apath, unsigned char *buf,
		      EVP_MD_CTX *c, FILE *copy, unsigned char raw[32],
		      uint64_t *size, struct error *err)
{
	uint64_t total = 0;

	if (c && sha_restart(c))
		return error_set(err, ERR_IO, "sha256 failed");
	for (;;) {
		la_ssize_t r = archive_read_data(a, buf, IO_CHUNK);

		if (r < 0)
			return read_fail(a, apath, err);
		if (r == 0)
			break;
		if (c)
			EVP_DigestUpdate(c, buf, (size_t)r);
		if (copy && fwrite(buf, 1, (size_t)r, copy) != (size_t)r)
			return error_set(err, ERR_IO, "cannot write a temporary file: %s",
					 strerror(errno));
		total += (uint64_t)r;
	}
	if (c && sha_final(c, raw))
		return error_set(err, ERR_IO, "sha256 failed");
	*size = total;
	return 0;
}

static int scan_read(struct scan *sc, struct error *err)
{
	struct archive *a = NULL;
	struct archive_entry *e;
	unsigned char *buf = malloc(IO_CHUNK);
	EVP_MD_CTX *c = sha_new();
	int ret = ERR_IO;

	if (!buf || !c) {
		error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	sc->mraw = spill_open(NULL, err);
	if (!sc->mraw)
		goto out;
	if (!sc->manifest_only) {
		sc->ents = spill_open(NULL, err);
		if (!sc->ents)
			goto out;
	}
	a = reader_open(sc->fd, sc->apath, err);
	if (!a)
		goto out;
	for (;;) {
		int r = archive_read_next_header(a, &e);
		const char *name, *rel = NULL, *why;
		struct rec_hdr h;
		uint64_t size = 0;

		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			read_fail(a, sc->apath, err);
			goto out;
		}
		name = archive_entry_pathname(e);
		if (name && !strcmp(name, MANIFEST_ENTRY) &&
		    archive_entry_filetype(e) == AE_IFREG && !archive_entry_hardlink(e)) {
			if (++sc->manifests > 1) {
				problem(sc, BACKUP_PROBLEM_MANIFEST, sc->apath,
					"MANIFEST.json appears more than once");
				if (archive_read_data_skip(a) < ARCHIVE_WARN) {
					read_fail(a, sc->apath, err);
					goto out;
				}
				continue;
			}
			if (hash_entry(a, sc->apath, buf, NULL, sc->mraw, h.sha, &size, err))
				goto out;
			continue;
		}
		why = entry_unsafe(e, name, &rel);
		if (sc->manifest_only || why) {
			if (why && !sc->manifest_only)
				problem(sc, BACKUP_PROBLEM_UNSAFE, name ? name : "",
					"%s", why);
			if (archive_read_data_skip(a) < ARCHIVE_WARN) {
				read_fail(a, sc->apath, err);
				goto out;
			}
			continue;
		}
		if (hash_entry(a, sc->apath, buf, c, NULL, h.sha, &size, err))
			goto out;
		h.pathlen = (uint32_t)strlen(rel);
		h.size = size;
		h.mode = (uint32_t)archive_entry_perm(e);
		h.mtime_ns = (int64_t)archive_entry_mtime(e) * 1000000000 +
			archive_entry_mtime_nsec(e);
		if (fwrite(&h, sizeof(h), 1, sc->ents) != 1 ||
		    fwrite(rel, 1, h.pathlen, sc->ents) != h.pathlen) {
			error_set(err, ERR_IO, "cannot write a temporary file: %s",
				  strerror(errno));
			goto out;
		}
	}
	ret = 0;
out:
	if (a)
		archive_read_free(a);
	EVP_MD_CTX_free(c);
	free(buf);
	return ret;
}

/*
 * One manifest record into sc->recs.  Records must come in strictly
 * increasing canonical order: a duplicate or a record out of order is a
 * problem of the manifest (and is not spilled).
 */
static int spill_record(void *ctx, const struct mrec *r, struct error *err)
{
	struct scan *sc = ctx;
	struct rec_hdr h;
	int c = sc->nrecs ?
		path_cmp(sc->prev.buf, sc->prev.len, r->path, r->pathlen) : -1;

	if (c >= 0) {
		sc->manifest_problems++;
		if (c == 0)
			problem(sc, BACKUP_PROBLEM_MANIFEST, sc->apath,
				"MANIFEST.json lists '%s' more than once", r->path);
		else
			problem(sc, BACKUP_PROBLEM_MANIFEST, sc->apath,
				"MANIFEST.json lists '%s' after '%s', out of order",
				r->path, sc->prev.buf);
		return 0;
	}
	sc->prev.len = 0;
	strbuf_add(&sc->prev, r->path, r->pathlen);
	if (sc->prev.failed)
		return error_set(err, ERR_IO, "out of memory");
	sc->nrecs++;
	memset(&h, 0, sizeof(h));
	h.pathlen = (uint32_t)r->pathlen;
	h.mode = r->mode;
	h.size = r->size;
	h.mtime_ns = r->mtime_ns;
	memcpy(h.sha, r->sha, 32);
	return spill_put(sc->recs, &h, r->path, err);
}

/*
 * Parse MANIFEST.json into sc->recs.  Returns 0 (problems counted;
 * manifest_ok set when the manifest is usable) or ERR_IO.
 */
static int scan_load_manifest(struct scan *sc, struct error *err)
{
	struct error perr;
	int ret;

	if (sc->manifests == 0) {
		problem(sc, BACKUP_PROBLEM_MANIFEST, sc->apath,
			"MANIFEST.json is missing");
		return 0;
	}
	if (spill_rewind(sc->mraw, err))
		return ERR_IO;
	sc->recs = spill_open(NULL, err);
	if (!sc->recs)
		return ERR_IO;
	error_clear(&perr);
	ret = manifest_parse(sc->mraw, MANIFEST_ENTRY, &sc->info, spill_record, sc,
			     0, &perr);
	if (!ret && !sc->manifest_problems)
		sc->manifest_ok = 1;
	if (ret == ERR_DATA) {
		char line[ERROR_MSG_MAX + ERROR_PATH_MAX + 64];

		problem(sc, BACKUP_PROBLEM_MANIFEST, sc->apath, "%s",
			error_format(&perr, line, sizeof(line)));
		return 0;
	}
	if (ret)
		*err = perr;
	return ret;
}

/*
 * Compare the hashed entries with the manifest records.  Both lists are
 * read once, in order: the records are known to be strictly increasing, so
 * the entries must be too -- an entry equal to the previous one is a
 * duplicate, one below it is out of order; between two entries, the
 * records passed over are missing; an entry with no record is extra.
 */
static int scan_compare(struct scan *sc, struct error *err)
{
	struct strbuf ep = { 0 }, mp = { 0 }, last = { 0 };
	struct rec_hdr eh, mh;
	char a_hex[65], m_hex[65];
	int have_m, have_e, have_last = 0, c = 0;
	int ret = ERR_IO;

	if (spill_rewind(sc->ents, err) || spill_rewind(sc->recs, err))
		goto out;
	have_m = spill_get(sc->recs, &mh, &mp, err);
	for (;;) {
		if (have_m < 0)
			goto out;
		have_e = spill_get(sc->ents, &eh, &ep, err);
		if (have_e < 0)
			goto out;
		if (!have_e)
			break;
		if (have_last && (c = path_cmp(ep.buf, ep.len, last.buf, last.len)) <= 0) {
			if (c == 0)
				problem(sc, BACKUP_PROBLEM_DUPLICATE, ep.buf,
					"appears more than once in the archive");
			else
				problem(sc, BACKUP_PROBLEM_ORDER, ep.buf,
					"comes after '%s' in the archive; entries must follow the order of MANIFEST.json",
					last.buf);
			continue;
		}
		while (have_m > 0 && (c = path_cmp(mp.buf, mp.len, ep.buf, ep.len)) < 0) {
			problem(sc, BACKUP_PROBLEM_MISSING, mp.buf,
				"listed in MANIFEST.json but not in the archive");
			have_m = spill_get(sc->recs, &mh, &mp, err);
		}
		if (have_m < 0)
			goto out;
		if (have_m > 0 && c == 0) {
			if (eh.size != mh.size) {
				problem(sc, BACKUP_PROBLEM_SIZE, ep.buf,
					"archive has %" PRIu64 " bytes, MANIFEST.json says %" PRIu64,
					eh.size, mh.size);
			} else if (memcmp(eh.sha, mh.sha, 32)) {
				util_hex_encode(eh.sha, 32, a_hex);
				util_hex_encode(mh.sha, 32, m_hex);
				problem(sc, BACKUP_PROBLEM_SHA256, ep.buf,
					"archive content has sha256 %s, MANIFEST.json says %s",
					a_hex, m_hex);
			}
			have_m = spill_get(sc->recs, &mh, &mp, err);
		} else {
			problem(sc, BACKUP_PROBLEM_EXTRA, ep.buf,
				"in the archive but not in MANIFEST.json");
		}
		sb_swap(&ep, &last);
		have_last = 1;
	}
	while (have_m > 0) {
		problem(sc, BACKUP_PROBLEM_MISSING, mp.buf,
			"listed in MANIFEST.json but not in the archive");
		have_m = spill_get(sc->recs, &mh, &mp, err);
	}
	if (have_m < 0)
		goto out;
	ret = 0;
out:
	strbuf_release(&ep);
	strbuf_release(&mp);
	strbuf_release(&last);
	return ret;
}

/*
 * Open the archive and, when expected is not NULL, compare the sha256 of
 * the file with it.  *match is set to 0 on a mismatch (reported).
 */
static int open_and_check(struct scan *sc, const char *expected, int *match,
			  struct error *err)
{
	struct stat st;
	unsigned char raw[32], want[32];
	char hex[65];

	*match = 1;
	sc->fd = open(sc->apath, O_RDONLY | O_CLOEXEC);
	if (sc->fd < 0)
		return error_set(err, ERR_IO, "cannot open archive '%s': %s", sc->apath,
				 strerror(errno));
	if (fstat(sc->fd, &st) || !S_ISREG(st.st_mode))
		return error_set(err, ERR_IO, "archive '%s' is not a regular file",
				 sc->apath);
	if (!expected)
		return 0;
	if (sha_decode(expected, strlen(expected), want))
		return error_set(err, ERR_USAGE, "bad expected sha256 '%s'", expected);
	if (sha_fd(sc->fd, raw, NULL))
		return error_set(err, ERR_IO, "cannot read archive '%s': %s", sc->apath,
				 strerror(errno));
	if (memcmp(raw, want, 32)) {
		util_hex_encode(raw, 32, hex);
		problem(sc, BACKUP_PROBLEM_ARCHIVE_SHA256, sc->apath,
			"archive sha256 is %s, expected %s", hex, expected);
		*match = 0;
	}
	return 0;
}

int backup_verify(const char *archive_path, const char *expected_sha256,
		  void (*cb)(void *ctx, enum backup_problem kind,
			     const char *path, const char *detail),
		  void *ctx, struct error *err)
{
	struct scan sc;
	int match, ret;

	memset(&sc, 0, sizeof(sc));
	sc.fd = -1;
	sc.apath = archive_path;
	sc.cb = cb;
	sc.ctx = ctx;
	ret = open_and_check(&sc, expected_sha256, &match, err);
	if (!ret)
		ret = scan_read(&sc, err);
	if (!ret)
		ret = scan_load_manifest(&sc, err);
	if (!ret && sc.manifest_ok)
		ret = scan_compare(&sc, err);
	if (!ret && sc.problems)
		ret = error_set(err, ERR_DATA, "backup '%s': %lu problem%s found",
				archive_path, sc.problems, sc.problems == 1 ? "" : "s");
	if (sc.fd >= 0)
		close(sc.fd);
	scan_release(&sc);
	return ret;
}

/* ================================================================ restore */

const char *backup_restore_event_name(enum backup_restore_event ev)
{
	switch (ev) {
	case BACKUP_RESTORED: return "restored";
	case BACKUP_WOULD_RESTORE: return "would restore";
	case BACKUP_IDENTICAL: return "identical";
	case BACKUP_CONFLICT: return "conflict";
	case BACKUP_REFUSED: return "refused";
	}
	return "event";
}

struct restore {
	struct scan sc;
	const char *target;
	unsigned flags;
	void (*cb)(void *ctx, enum backup_restore_event ev, const char *path,
		   const char *reason);
	void *ctx;
	unsigned long refused, conflicts, identical, written;
	/* directory walker: root fd and the last folder opened under it */
	int root;
	struct strbuf cur;      /* relative folder of cur_fd */
	int cur_fd;
	unsigned seq;
	int use_tmpfile;    /* O_TMPFILE + linkat through /proc/self/fd */
	FILE *flagf;        /* one RF_* byte per record, from the check */
	struct strbuf pfx;      /* check: the record that later ones may be under */
	int have_pfx;
};

static void restore_event(struct restore *rs, enum backup_restore_event ev,
			  const char *path, const char *reason)
{
	if (ev == BACKUP_REFUSED)
		rs->refused++;
	if (rs->cb)
		rs->cb(rs->ctx, ev, path, reason);
}

/* Validation problems become REFUSED events. */
static void problem_to_refused(void *ctx, enum backup_problem kind,
			       const char *path, const char *detail)
{
	struct restore *rs = ctx;
	char reason[1200];

	snprintf(reason, sizeof(reason), "%s: %s", backup_problem_name(kind), detail);
	restore_event(rs, BACKUP_REFUSED, path, reason);
}

enum walk_result { WALK_OK, WALK_ABSENT, WALK_REFUSED };

/*
 * An fd for folder `dir` (relative, "" for the root) of the target, opened
 * component by component with O_NOFOLLOW; with `create`, missing folders
 * are made.  The fd belongs to the walker.  Returns WALK_OK (*fd set),
 * WALK_ABSENT (without create), WALK_REFUSED (why set: a symlink or a
 * non-folder on the way), or -1 with err.
 */
static int walk_dir(struct restore *rs, const char *dir, size_t dlen, int create,
		    int *fd, char *why, size_t whysz, struct error *err)
{
	char comp[BACKUP_PATH_MAX + 1];
	size_t pos = 0;
	int cur;

	if (rs->root < 0)
		return WALK_ABSENT;
	if (rs->cur_fd >= 0 && rs->cur.len == dlen &&
	    (dlen == 0 || !memcmp(rs->cur.buf, dir, dlen))) {
		*fd = rs->cur_fd;
		return WALK_OK;
	}
	if (rs->cur_fd >= 0 && rs->cur_fd != rs->root)
		close(rs->cur_fd);
	rs->cur_fd = -1;
	cur = rs->root;
	while (pos < dlen) {
		const char *slash = memchr(dir + pos, '/', dlen - pos);
		size_t len = slash ? (size_t)(slash - (dir + pos)) : dlen - pos;
		int next;

		memcpy(comp, dir + pos, len);
		comp[len] = '\0';
		next = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT && create) {
			if (mkdirat(cur, comp, 0777) && errno != EEXIST) {
				error_set(err, ERR_IO, "cannot create folder '%s/%.*s': %s",
					  rs->target, (int)(pos + len), dir, strerror(errno));
				goto fail;
			}
			next = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (next < 0) {
			struct stat st;
			int e = errno;

			if (e == ENOENT) {
				if (cur != rs->root)
					close(cur);
				return WALK_ABSENT;
			}
			if (e == ELOOP || e == ENOTDIR) {
				int lnk = !fstatat(cur, comp, &st, AT_SYMLINK_NOFOLLOW) &&
					S_ISLNK(st.st_mode);

				snprintf(why, whysz, "'%.*s' in the target is %s", (int)(pos + len),
					 dir, lnk ? "a symbolic link" : "not a folder");
				if (cur != rs->root)
					close(cur);
				return WALK_REFUSED;
			}
			error_set(err, ERR_IO, "cannot open folder '%s/%.*s': %s", rs->target,
				  (int)(pos + len), dir, strerror(e));
			goto fail;
		}
		if (cur != rs->root)
			close(cur);
		cur = next;
		pos += len + (slash ? 1 : 0);
	}
	rs->cur.len = 0;
	strbuf_add(&rs->cur, dir, dlen);
	if (rs->cur.failed) {
		error_set(err, ERR_IO, "out of memory");
		goto fail;
	}
	rs->cur_fd = cur;
	*fd = cur;
	return WALK_OK;
fail:
	if (cur != rs->root)
		close(cur);
	return -1;
}

static void split_path(const char *rel, size_t *dlen, const char **base)
{
	const char *slash = strrchr(rel, '/');

	*dlen = slash ? (size_t)(slash - rel) : 0;
	*base = slash ? slash + 1 : rel;
}

/*
 * Pre-check one file of the manifest against the target, in manifest
 * order: sets *flag (RF_*) and reports IDENTICAL, CONFLICT, REFUSED or (dry
 * run) WOULD_RESTORE.  Returns 0 or ERR_IO.
 */
static int precheck_file(struct restore *rs, const struct rec_hdr *h,
			 const char *rel, unsigned char *flag, struct error *err)
{
	int dry = rs->flags & BACKUP_RESTORE_DRY_RUN;
	int force = rs->flags & BACKUP_RESTORE_FORCE;
	char why[BACKUP_PATH_MAX + 128];
	const char *base;
	size_t dlen, len = strlen(rel);
	struct stat st;
	unsigned char raw[32];
	uint64_t size;
	int dfd, r, fd;

	*flag = RF_NEW;
	/*
	 * A path that is a file and also a folder of other files: in the
	 * canonical order the files under "d/" come right after the file "d",
	 * so the last record that is not under another one is enough.
	 */
	if (rs->have_pfx && len > rs->pfx.len && rel[rs->pfx.len] == '/' &&
	    !memcmp(rel, rs->pfx.buf, rs->pfx.len)) {
		snprintf(why, sizeof(why), "'%s' is both a file and a folder in the archive",
			 rs->pfx.buf);
		restore_event(rs, BACKUP_REFUSED, rel, why);
		return 0;
	}
	rs->pfx.len = 0;
	strbuf_add(&rs->pfx, rel, len);
	if (rs->pfx.failed)
		return error_set(err, ERR_IO, "out of memory");
	rs->have_pfx = 1;
	split_path(rel, &dlen, &base);
	r = walk_dir(rs, rel, dlen, 0, &dfd, why, sizeof(why), err);
	if (r < 0)
		return ERR_IO;
	if (r == WALK_REFUSED) {
		restore_event(rs, BACKUP_REFUSED, rel, why);
		return 0;
	}
	if (r == WALK_OK && fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISLNK(st.st_mode) || !S_ISREG(st.st_mode)) {
			restore_event(rs, BACKUP_REFUSED, rel, S_ISLNK(st.st_mode) ?
				      "the target is a symbolic link" :
				      "the target exists and is not a regular file");
			return 0;
		}
		if ((uint64_t)st.st_size == h->size) {
			fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0 || sha_fd(fd, raw, &size)) {
				error_set(err, ERR_IO, "cannot read '%s/%s': %s", rs->target, rel,
					  strerror(errno));
				if (fd >= 0)
					close(fd);
				return ERR_IO;
			}
			close(fd);
			if (size == h->size && !memcmp(raw, h->sha, 32)) {
				*flag = RF_IDENTICAL;
				rs->identical++;
				restore_event(rs, BACKUP_IDENTICAL, rel, "same content as the backup");
				return 0;
			}
		}
		*flag = RF_CONFLICT;
		rs->conflicts++;
		restore_event(rs, BACKUP_CONFLICT, rel, !force ?
			      "differs from the backup; not overwritten without force" :
			      dry ? "differs from the backup; would be overwritten (force)" :
			      "differs from the backup; will be overwritten (force)");
		if (force && dry)
			restore_event(rs, BACKUP_WOULD_RESTORE, rel, "overwrite (force)");
		return 0;
	} else if (r == WALK_OK && errno != ENOENT) {
		return error_set(err, ERR_IO, "cannot stat '%s/%s': %s", rs->target, rel,
				 strerror(errno));
	}
	if (dry)
		restore_event(rs, BACKUP_WOULD_RESTORE, rel, "new file");
	return 0;
}

static int set_meta(int fd, const struct rec_hdr *h)
{
	struct timespec ts[2];
	int64_t sec = h->mtime_ns / 1000000000, nsec = h->mtime_ns % 1000000000;

	if (nsec < 0) {
		nsec += 1000000000;
		sec -= 1;
	}
	ts[0].tv_sec = 0;
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1].tv_sec = (time_t)sec;
	ts[1].tv_nsec = (long)nsec;
	if (fchmod(fd, (mode_t)(h->mode & 0777)))
		return -1;
	return futimens(fd, ts);
}

/* Rename without replacing an existing file (a race with another writer). */
static int rename_noreplace(int dfd, const char *from, const char *to)
{
	if (renameat2(dfd, from, dfd, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	if (linkat(dfd, from, dfd, to, 0))
		return -1;
	unlinkat(dfd, from, 0);
	return 0;
}

/*
 * Pass 2, one entry, with its manifest record `h` and what the check found
 * (fl).  A new file is written as an unnamed O_TMPFILE and linked in place
 * (linkat fails if the name appeared meanwhile); an overwrite goes through
 * a temporary name and renameat.  Either way the content is checked
 * against the manifest before it becomes visible.
 */
static int restore_entry(struct restore *rs, struct archive *a, const char *rel,
			 const struct rec_hdr *hp, unsigned char fl,
			 unsigned char *buf, EVP_MD_CTX *c, struct error *err)
{
	char why[BACKUP_PATH_MAX + 128];
	char tmp[64], proc[64];
	const char *base;
	struct rec_hdr h = *hp;
	unsigned char raw[32];
	uint64_t total = 0;
	size_t dlen;
	int dfd, fd = -1, r, ret = ERR_IO, named = 0;

	why[0] = '\0';
	split_path(rel, &dlen, &base);
	r = walk_dir(rs, rel, dlen, 1, &dfd, why, sizeof(why), err);
	if (r < 0)
		return ERR_IO;
	if (r != WALK_OK) {
		restore_event(rs, BACKUP_REFUSED, rel, why);
		return error_set(err, ERR_DATA, "target '%s' changed during the restore: %s",
				 rs->target, why);
	}
	if (fl & RF_IDENTICAL) {
		fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || set_meta(fd, &h)) {
			error_set(err, ERR_IO, "cannot set mode and mtime of '%s/%s': %s",
				  rs->target, rel, strerror(errno));
			goto out;
		}
		if (archive_read_data_skip(a) < ARCHIVE_WARN) {
			read_fail(a, rs->sc.apath, err);
			goto out;
		}
		ret = 0;
		goto out;
	}
	if (!(fl & RF_CONFLICT) && rs->use_tmpfile) {
		fd = openat(dfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
			error_set(err, ERR_IO, "cannot create a file in '%s/%.*s': %s",
				  rs->target, (int)dlen, rel, strerror(errno));
			goto out;
		}
	}
	while (fd < 0) {
		snprintf(tmp, sizeof(tmp), ".wsm-restore.%ld.%u", (long)getpid(), rs->seq++);
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    0600);
		if (fd >= 0) {
			named = 1;
		} else if (errno != EEXIST) {
			error_set(err, ERR_IO, "cannot create a file in '%s/%.*s': %s",
				  rs->target, (int)dlen, rel, strerror(errno));
			goto out;
		}
	}
	if (sha_restart(c)) {
		error_set(err, ERR_IO, "sha256 failed");
		goto out;
	}
	for (;;) {
		la_ssize_t n = archive_read_data(a, buf, IO_CHUNK);

		if (n < 0) {
			read_fail(a, rs->sc.apath, err);
			goto out;
		}
		if (n == 0)
			break;
		EVP_DigestUpdate(c, buf, (size_t)n);
		if (write_all(fd, buf, (size_t)n)) {
			error_set(err, ERR_IO, "cannot write '%s/%s': %s", rs->target, rel,
				  strerror(errno));
			goto out;
		}
		total += (uint64_t)n;
	}
	if (sha_final(c, raw)) {
		error_set(err, ERR_IO, "sha256 failed");
		goto out;
	}
	if (total != h.size || memcmp(raw, h.sha, 32)) {
		restore_event(rs, BACKUP_REFUSED, rel, "content changed since validation");
		ret = error_set(err, ERR_DATA, "archive '%s' changed during the restore at '%s'",
				rs->sc.apath, rel);
		goto out;
	}
	if (set_meta(fd, &h)) {
		error_set(err, ERR_IO, "cannot set mode and mtime of '%s/%s': %s",
			  rs->target, rel, strerror(errno));
		goto out;
	}
	if (!named) {
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		r = linkat(AT_FDCWD, proc, dfd, base, AT_SYMLINK_FOLLOW);
	} else {
		r = close(fd);
		fd = -1;
		if (r == 0 && (fl & RF_CONFLICT))
			r = renameat(dfd, tmp, dfd, base);
		else if (r == 0)
			r = rename_noreplace(dfd, tmp, base);
	}
	if (r) {
		if (errno == EEXIST) {
			rs->conflicts++;
			restore_event(rs, BACKUP_CONFLICT, rel,
				      "appeared during the restore; not overwritten");
			ret = 0;
			goto out;
		}
		error_set(err, ERR_IO, "cannot put '%s/%s' in place: %s", rs->target, rel,
			  strerror(errno));
		goto out;
	}
	if (fd >= 0 && close(fd)) {
		fd = -1;
		error_set(err, ERR_IO, "cannot write '%s/%s': %s", rs->target, rel,
			  strerror(errno));
		goto out;
	}
	fd = -1;
	named = 0;
	rs->written++;
	restore_event(rs, BACKUP_RESTORED, rel, (fl & RF_CONFLICT) ?
		      "overwritten (force)" : "new file");
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (named)
		unlinkat(dfd, tmp, 0);
	return ret;
}

/*
 * Pass 2: read the archive again; its i-th tree entry goes with the i-th
 * manifest record (validation proved the two lists equal) and the i-th
 * byte of rs->flagf.  Anything else means the archive changed meanwhile.
 */
static int restore_write(struct restore *rs, struct error *err)
{
	struct archive *a = NULL;
	struct archive_entry *e;
	unsigned char *buf = malloc(IO_CHUNK);
	EVP_MD_CTX *c = sha_new();
	struct strbuf mp = { 0 };
	struct rec_hdr h;
	int r, ret = ERR_IO;

	if (!buf || !c) {
		error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	if (spill_rewind(rs->sc.recs, err) || spill_rewind(rs->flagf, err))
		goto out;
	if (rs->root < 0) {
		if (mkdir_p(rs->target, 0777)) {
			error_set(err, ERR_IO, "cannot create '%s': %s", rs->target,
				  strerror(errno));
			goto out;
		}
		rs->root = open(rs->target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (rs->root < 0) {
			error_set(err, ERR_IO, "cannot open '%s': %s", rs->target,
				  strerror(errno));
			goto out;
		}
	}
	a = reader_open(rs->sc.fd, rs->sc.apath, err);
	if (!a)
		goto out;
	for (;;) {
		const char *name, *rel = NULL;
		int fl;

		r = archive_read_next_header(a, &e);

		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			read_fail(a, rs->sc.apath, err);
			goto out;
		}
		name = archive_entry_pathname(e);
		if (name && !strcmp(name, MANIFEST_ENTRY)) {
			if (archive_read_data_skip(a) < ARCHIVE_WARN) {
				read_fail(a, rs->sc.apath, err);
				goto out;
			}
			continue;
		}
		if (entry_unsafe(e, name, &rel)) {
			ret = error_set(err, ERR_DATA, "archive '%s' changed during the restore",
					rs->sc.apath);
			goto out;
		}
		r = spill_get(rs->sc.recs, &h, &mp, err);
		if (r < 0)
			goto out;
		if (r == 0 || strcmp(mp.buf, rel)) {
			ret = error_set(err, ERR_DATA, "archive '%s' changed during the restore",
					rs->sc.apath);
			goto out;
		}
		fl = getc(rs->flagf);
		if (fl == EOF) {
			error_set(err, ERR_IO, "cannot read a temporary file");
			goto out;
		}
		r = restore_entry(rs, a, rel, &h, (unsigned char)fl, buf, c, err);
		if (r) {
			ret = r;
			goto out;
		}
	}
	r = spill_get(rs->sc.recs, &h, &mp, err);
	if (r < 0)
		goto out;
	if (r > 0) {
		ret = error_set(err, ERR_DATA, "archive '%s' changed during the restore",
				rs->sc.apath);
		goto out;
	}
	if (syncfs(rs->root)) {
		error_set(err, ERR_IO, "cannot sync '%s': %s", rs->target, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (a)
		archive_read_free(a);
	EVP_MD_CTX_free(c);
	free(buf);
	strbuf_release(&mp);
	return ret;
}

int backup_restore(const char *archive_path, const char *expected_sha256,
		   const char *target_dir, unsigned flags,
		   void (*cb)(void *ctx, enum backup_restore_event ev,
			      const char *path, const char *reason),
		   void *ctx, struct error *err)
{
	struct restore rs;
	struct strbuf rel = { 0 };
	struct rec_hdr h;
	int match, ret;

	memset(&rs, 0, sizeof(rs));
	rs.sc.apath = archive_path;
	rs.sc.fd = -1;
	rs.sc.cb = problem_to_refused;
	rs.sc.ctx = &rs;
	rs.target = target_dir;
	rs.flags = flags;
	rs.cb = cb;
	rs.ctx = ctx;
	rs.root = -1;
	rs.cur_fd = -1;
	rs.use_tmpfile = access("/proc/self/fd", X_OK) == 0;

	ret = open_and_check(&rs.sc, expected_sha256, &match, err);
	if (ret)
		goto out;
	if (!match) {
		ret = error_set(err, ERR_DATA,
				"refusing to restore '%s': its sha256 differs from the expected one; nothing written",
				archive_path);
		goto out;
	}
	ret = scan_read(&rs.sc, err);
	if (!ret)
		ret = scan_load_manifest(&rs.sc, err);
	if (!ret && rs.sc.manifest_ok)
		ret = scan_compare(&rs.sc, err);
	if (ret)
		goto out;
	if (rs.sc.problems) {
		ret = error_set(err, ERR_DATA,
				"refusing to restore '%s': %lu problem%s in the archive; nothing written",
				archive_path, rs.sc.problems, rs.sc.problems == 1 ? "" : "s");
		goto out;
	}

	rs.root = open(target_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rs.root < 0 && errno != ENOENT) {
		ret = error_set(err, ERR_IO, "cannot open '%s': %s", target_dir,
				strerror(errno));
		goto out;
	}
	rs.flagf = spill_open(NULL, err);
	if (!rs.flagf || spill_rewind(rs.sc.recs, err)) {
		ret = ERR_IO;
		goto out;
	}
	for (;;) {
		unsigned char fl;
		int r = spill_get(rs.sc.recs, &h, &rel, err);

		if (r < 0) {
			ret = ERR_IO;
			goto out;
		}
		if (r == 0)
			break;
		ret = precheck_file(&rs, &h, rel.buf, &fl, err);
		if (ret)
			goto out;
		if (putc(fl, rs.flagf) == EOF) {
			ret = error_set(err, ERR_IO, "cannot write a temporary file: %s",
					strerror(errno));
			goto out;
		}
	}
	if (rs.refused) {
		ret = error_set(err, ERR_DATA,
				"refusing to restore '%s' into '%s': %lu file%s refused; nothing written",
				archive_path, target_dir, rs.refused, rs.refused == 1 ? "" : "s");
		goto out;
	}
	if (rs.conflicts && !(flags & BACKUP_RESTORE_FORCE)) {
		ret = error_set(err, ERR_DATA,
				"refusing to restore '%s' into '%s': %lu file%s differ%s from the backup (use force); nothing written",
				archive_path, target_dir, rs.conflicts,
				rs.conflicts == 1 ? "" : "s", rs.conflicts == 1 ? "s" : "");
		goto out;
	}
	if (flags & BACKUP_RESTORE_DRY_RUN)
		goto out;
	rs.conflicts = 0;
	ret = restore_write(&rs, err);
	if (!ret && rs.conflicts)
		ret = error_set(err, ERR_DATA,
				"restored '%s' into '%s' but %lu file%s appeared meanwhile and %s kept",
				archive_path, target_dir, rs.conflicts,
				rs.conflicts == 1 ? "" : "s", rs.conflicts == 1 ? "was" : "were");
out:
	if (rs.cur_fd >= 0 && rs.cur_fd != rs.root)
		close(rs.cur_fd);
	if (rs.root >= 0)
		close(rs.root);
	if (rs.sc.fd >= 0)
		close(rs.sc.fd);
	if (rs.flagf)
		fclose(rs.flagf);
	strbuf_release(&rs.cur);
	strbuf_release(&rs.pfx);
	strbuf_release(&rel);
	scan_release(&rs.sc);
	return ret;
}

/* ========================================================= read manifest */

struct file_cb_ctx {
	void (*cb)(void *ctx, const struct backup_file *f);
	void *ctx;
};

static int file_record(void *ctx, const struct mrec *r, struct error *err)
{
	struct file_cb_ctx *fc = ctx;
	struct backup_file f;

	(void)err;
	f.path = r->path;
	f.size = r->size;
	f.mode = r->mode;
	f.mtime_ns = r->mtime_ns;
	util_hex_encode(r->sha, 32, f.sha256);
	fc->cb(fc->ctx, &f);
	return 0;
}

/*
 * Header and counts only: parse the first and the last line, without
 * reading the records in between (for listings of big backups).
 */
static int manifest_quick(FILE *f, const char *name,
			  struct backup_manifest_info *info, struct error *err)
{
	char *first = malloc(MANIFEST_LINE_MAX), *tail = malloc(TAIL_MAX + 1);
	struct strbuf both = { 0 };
	FILE *m = NULL;
	const char *last;
	size_t n;
	off_t size;
	int ret;

	if (!first || !tail) {
		ret = error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	if (!fgets(first, (int)MANIFEST_LINE_MAX, f) || !strchr(first, '\n') ||
	    fseeko(f, 0, SEEK_END) || (size = ftello(f)) < 0 ||
	    fseeko(f, size > TAIL_MAX ? size - TAIL_MAX : 0, SEEK_SET)) {
		ret = ferror(f) ? error_set(err, ERR_IO, "cannot read '%s': %s", name,
					    strerror(errno)) :
			error_set(err, ERR_DATA, "malformed manifest '%s'", name);
		goto out;
	}
	n = fread(tail, 1, TAIL_MAX, f);
	tail[n] = '\0';
	while (n && (tail[n - 1] == '\n' || tail[n - 1] == ' ' || tail[n - 1] == '\r'))
		tail[--n] = '\0';
	last = strrchr(tail, '\n');
	last = last ? last + 1 : tail;
	strbuf_addstr(&both, first);
	strbuf_addstr(&both, last);
	strbuf_addstr(&both, "\n");
	if (both.failed) {
		ret = error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	m = fmemopen(both.buf, both.len, "r");
	if (!m) {
		ret = error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	ret = manifest_parse(m, name, info, NULL, NULL, 1, err);
out:
	if (m)
		fclose(m);
	strbuf_release(&both);
	free(first);
	free(tail);
	return ret;
}

int backup_read_manifest(const char *path, struct backup_manifest_info *info,
			 void (*file_cb)(void *ctx, const struct backup_file *f),
			 void *ctx, struct error *err)
{
	struct file_cb_ctx fc = { file_cb, ctx };
	struct strbuf beside = { 0 };
	struct scan sc;
	FILE *f = NULL;
	const char *name = path;
	int ret;

	memset(&sc, 0, sizeof(sc));
	sc.fd = -1;
	if (ends_with(path, BACKUP_ARCHIVE_SUFFIX)) {
		strbuf_add(&beside, path, strlen(path) - strlen(BACKUP_ARCHIVE_SUFFIX));
		strbuf_addstr(&beside, BACKUP_MANIFEST_SUFFIX);
		if (beside.failed) {
			ret = error_set(err, ERR_IO, "out of memory");
			goto out;
		}
		f = fopen(beside.buf, "re");
		if (f) {
			name = beside.buf;
		} else if (errno != ENOENT) {
			ret = error_set(err, ERR_IO, "cannot open '%s': %s", beside.buf,
					strerror(errno));
			goto out;
		} else {
			sc.apath = path;
			sc.manifest_only = 1;
			ret = open_and_check(&sc, NULL, &(int){ 0 }, err);
			if (!ret)
				ret = scan_read(&sc, err);
			if (ret)
				goto out;
			if (sc.manifests != 1) {
				ret = error_set(err, ERR_DATA, "archive '%s' has %s MANIFEST.json",
						path, sc.manifests ? "more than one" : "no");
				goto out;
			}
			if (fflush(sc.mraw) || fseek(sc.mraw, 0, SEEK_SET)) {
				ret = error_set(err, ERR_IO, "cannot read a temporary file: %s",
						strerror(errno));
				goto out;
			}
			ret = manifest_parse(sc.mraw, path, info, file_cb ? file_record : NULL,
					     &fc, 0, err);
			goto out;
		}
	} else {
		f = fopen(path, "re");
		if (!f) {
			ret = error_set(err, ERR_IO, "cannot open '%s': %s", path,
					strerror(errno));
			goto out;
		}
	}
	if (file_cb)
		ret = manifest_parse(f, name, info, file_record, &fc, 0, err);
	else
		ret = manifest_quick(f, name, info, err);
out:
	if (f)
		fclose(f);
	if (sc.fd >= 0)
		close(sc.fd);
	scan_release(&sc);
	strbuf_release(&beside);
	return ret;
}
