/*
 * backup/fs.c - the file-system helpers of the backup family: sha256 of
 * files, whole writes, folder fsync, mkdir -p, safe relative paths and
 * their canonical order, spill files, and the O_NOFOLLOW folder walker of
 * restore.  Nothing here knows the archive format (see internal.h).
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------ sha256 */

int backup_sha_decode(const char *hex, size_t len, unsigned char raw[32])
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

EVP_MD_CTX *backup_sha_new(void)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	if (c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(c);
		c = NULL;
	}
	return c;
}

int backup_sha_restart(EVP_MD_CTX *c)
{
	return EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1 ? 0 : -1;
}

int backup_sha_final(EVP_MD_CTX *c, unsigned char raw[32])
{
	unsigned int n = 0;

	return EVP_DigestFinal_ex(c, raw, &n) == 1 && n == 32 ? 0 : -1;
}

int backup_sha_fd(int fd, unsigned char raw[32], uint64_t *size)
{
	EVP_MD_CTX *c = backup_sha_new();
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
	if (backup_sha_final(c, raw)) {
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

int backup_sha256_file(const char *path, char hex[65], struct error *err)
{
	unsigned char raw[32];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return error_set(err, ERR_IO, "cannot open '%s': %s", path, strerror(errno));
	if (backup_sha_fd(fd, raw, NULL)) {
		int e = errno;

		close(fd);
		return error_set(err, ERR_IO, "cannot read '%s': %s", path, strerror(e));
	}
	close(fd);
	util_hex_encode(raw, 32, hex);
	return 0;
}

/* ------------------------------------------------------------ files and folders */

int backup_write_all(int fd, const void *buf, size_t n)
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

char *backup_path_join(const char *a, const char *b, const char *suffix)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s/%s%s", a, b, suffix);
	return strbuf_detach(&sb);
}

int backup_fsync_dir(const char *dir)
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

int backup_mkdir_p(const char *path, mode_t mode)
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

/* ------------------------------------------------------------ paths */

/* Why a relative path is unsafe, or NULL when it is fine. */
const char *backup_rel_unsafe(const char *rel)
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

int backup_run_id_ok(const char *id)
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

/* ------------------------------------------------------------ spill files */

/*
 * Entries of the archive and records of its index, each as a backup_rec
 * followed by the path, are spilled to unlinked temporary files in the
 * order they come and read back in that order: nothing per file is kept
 * in memory, so validating and restoring take the same memory for ten
 * files or a million.  Both orders must be the canonical one
 * (walk_path_cmp), which the writer guarantees; the readers keep
 * nothing else.
 */
/* O_TMPFILE where the file system has it, else a name unlinked at once */
FILE *backup_spill_open(struct error *err)
{
	const char *dir = getenv("TMPDIR");
	char tmpl[PATH_MAX];
	int fd;
	FILE *f;

	if (!dir || !*dir)
		dir = "/tmp";
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

int backup_spill_put(FILE *f, const struct backup_rec *h, const char *path,
		     struct error *err)
{
	if (fwrite(h, sizeof(*h), 1, f) != 1 ||
	    fwrite(path, 1, h->pathlen, f) != h->pathlen)
		return error_set(err, ERR_IO, "cannot write a temporary file: %s",
				 strerror(errno));
	return 0;
}

/* Flush a spill file and go back to its start for reading. */
int backup_spill_rewind(FILE *f, struct error *err)
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
int backup_spill_get(FILE *f, struct backup_rec *h, struct strbuf *path,
		     struct error *err)
{
	if (fread(h, sizeof(*h), 1, f) != 1) {
		if (ferror(f)) {
			error_set(err, ERR_IO, "cannot read a temporary file");
			return -1;
		}
		return 0;
	}
	strbuf_reset(path);
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

/* ------------------------------------------------------------ folder walker */

void backup_dirwalk_init(struct backup_dirwalk *dw, const char *target)
{
	struct strbuf empty = STRBUF_INIT;

	dw->target = target;
	dw->root = -1;
	dw->cur = empty;
	dw->cur_fd = -1;
}

void backup_dirwalk_release(struct backup_dirwalk *dw)
{
	if (dw->cur_fd >= 0 && dw->cur_fd != dw->root)
		close(dw->cur_fd);
	if (dw->root >= 0)
		close(dw->root);
	dw->cur_fd = dw->root = -1;
	strbuf_release(&dw->cur);
}

int backup_dirwalk_get(struct backup_dirwalk *dw, const char *dir, size_t dlen,
		       int create, int *fd, char *why, size_t whysz,
		       struct error *err)
{
	char comp[BACKUP_PATH_MAX + 1];
	size_t pos = 0;
	int cur;

	if (dw->root < 0)
		return BACKUP_WALK_ABSENT;
	if (dw->cur_fd >= 0 && dw->cur.len == dlen &&
	    (dlen == 0 || !memcmp(dw->cur.buf, dir, dlen))) {
		*fd = dw->cur_fd;
		return BACKUP_WALK_OK;
	}
	if (dw->cur_fd >= 0 && dw->cur_fd != dw->root)
		close(dw->cur_fd);
	dw->cur_fd = -1;
	cur = dw->root;
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
					  dw->target, (int)(pos + len), dir, strerror(errno));
				goto fail;
			}
			next = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (next < 0) {
			struct stat st;
			int e = errno;

			if (e == ENOENT) {
				if (cur != dw->root)
					close(cur);
				return BACKUP_WALK_ABSENT;
			}
			if (e == ELOOP || e == ENOTDIR) {
				int lnk = !fstatat(cur, comp, &st, AT_SYMLINK_NOFOLLOW) &&
					S_ISLNK(st.st_mode);

				snprintf(why, whysz, "'%.*s' in the target is %s", (int)(pos + len),
					 dir, lnk ? "a symbolic link" : "not a folder");
				if (cur != dw->root)
					close(cur);
				return BACKUP_WALK_REFUSED;
			}
			error_set(err, ERR_IO, "cannot open folder '%s/%.*s': %s", dw->target,
				  (int)(pos + len), dir, strerror(e));
			goto fail;
		}
		if (cur != dw->root)
			close(cur);
		cur = next;
		pos += len + (slash ? 1 : 0);
	}
	strbuf_reset(&dw->cur);
	strbuf_add(&dw->cur, dir, dlen);
	if (dw->cur.failed) {
		error_set(err, ERR_IO, "out of memory");
		goto fail;
	}
	dw->cur_fd = cur;
	*fd = cur;
	return BACKUP_WALK_OK;
fail:
	if (cur != dw->root)
		close(cur);
	return -1;
}

