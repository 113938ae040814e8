/*
 * backup/place.c - write files under a folder by relative paths from a
 * source that is not trusted (backup_place_*, backup.h): the safe-path
 * rules of restore (backup_rel_unsafe) and its O_NOFOLLOW folder walker,
 * a temporary name in the target folder, mode and mtime set, then a
 * rename into place.  `export` writes the database's documents with it.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct backup_place {
	struct backup_dirwalk dw;
	char *target;
	unsigned seq;
};

int backup_place_open(const char *dir, struct backup_place **out,
		      struct error *err)
{
	struct backup_place *pl;

	*out = NULL;
	if (backup_mkdir_p(dir, 0777))
		return error_set(err, ERR_IO, "cannot create folder '%s': %s", dir,
				 strerror(errno));
	pl = calloc(1, sizeof(*pl));
	if (!pl || !(pl->target = util_strdup(dir))) {
		free(pl);
		return error_set(err, ERR_IO, "out of memory");
	}
	backup_dirwalk_init(&pl->dw, pl->target);
	pl->dw.root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pl->dw.root < 0) {
		int e = errno;

		backup_place_close(pl, NULL);
		return error_set(err, ERR_IO, "cannot open folder '%s': %s", dir, strerror(e));
	}
	*out = pl;
	return 0;
}

static int set_mode_mtime(int fd, uint32_t mode, int64_t mtime_ns)
{
	struct timespec ts[2];
	int64_t sec = mtime_ns / 1000000000, nsec = mtime_ns % 1000000000;

	if (nsec < 0) {
		nsec += 1000000000;
		sec -= 1;
	}
	ts[0].tv_sec = 0;
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1].tv_sec = (time_t)sec;
	ts[1].tv_nsec = (long)nsec;
	if (fchmod(fd, (mode_t)(mode & 0777)))
		return -1;
	return futimens(fd, ts);
}

int backup_place_put(struct backup_place *pl, const char *rel, const void *data,
		     size_t len, uint32_t mode, int64_t mtime_ns, int replace,
		     char *why, size_t whysz, struct error *err)
{
	const char *bad = backup_rel_unsafe(rel), *slash, *base;
	char tmp[64];
	size_t dlen;
	int dfd, fd, r;

	if (bad) {
		snprintf(why, whysz, "unsafe path: %s", bad);
		return ERR_DATA;
	}
	slash = strrchr(rel, '/');
	dlen = slash ? (size_t)(slash - rel) : 0;
	base = slash ? slash + 1 : rel;
	r = backup_dirwalk_get(&pl->dw, rel, dlen, 1, &dfd, why, whysz, err);
	if (r < 0)
		return ERR_IO;
	if (r != BACKUP_WALK_OK)
		return ERR_DATA;
	for (;;) {
		snprintf(tmp, sizeof(tmp), ".wsm-export.%ld.%u", (long)getpid(), pl->seq++);
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0)
			break;
		if (errno != EEXIST)
			return error_set(err, ERR_IO, "cannot create a file in '%s/%.*s': %s",
					 pl->target, (int)dlen, rel, strerror(errno));
	}
	if (backup_write_all(fd, data, len) || set_mode_mtime(fd, mode, mtime_ns)) {
		int e = errno;

		close(fd);
		unlinkat(dfd, tmp, 0);
		return error_set(err, ERR_IO, "cannot write '%s/%s': %s", pl->target, rel,
				 strerror(e));
	}
	if (close(fd)) {
		int e = errno;

		unlinkat(dfd, tmp, 0);
		return error_set(err, ERR_IO, "cannot write '%s/%s': %s", pl->target, rel,
				 strerror(e));
	}
	if (replace) {
		struct stat st;

		/* a folder (or anything but a file or link) in the way stays */
		if (!fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) &&
		    !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
			unlinkat(dfd, tmp, 0);
			snprintf(why, whysz, "'%s' in the target is not a file", rel);
			return ERR_DATA;
		}
		/* rename replaces a symbolic link itself, never what it points to */
		r = renameat(dfd, tmp, dfd, base);
	} else {
		r = renameat2(dfd, tmp, dfd, base, RENAME_NOREPLACE);
		if (r && (errno == EINVAL || errno == ENOSYS)) {
			r = linkat(dfd, tmp, dfd, base, 0);
			if (!r)
				unlinkat(dfd, tmp, 0);
		}
	}
	if (r) {
		int e = errno;

		unlinkat(dfd, tmp, 0);
		if (e == EEXIST) {
			snprintf(why, whysz, "'%s' exists in the target", rel);
			return ERR_DATA;
		}
		return error_set(err, ERR_IO, "cannot put '%s/%s' in place: %s", pl->target,
				 rel, strerror(e));
	}
	return 0;
}

int backup_place_close(struct backup_place *pl, struct error *err)
{
	int rc = 0;

	if (!pl)
		return 0;
	if (err && pl->dw.root >= 0 && syncfs(pl->dw.root))
		rc = error_set(err, ERR_IO, "cannot sync '%s': %s", pl->target, strerror(errno));
	backup_dirwalk_release(&pl->dw);
	free(pl->target);
	free(pl);
	return rc;
}
