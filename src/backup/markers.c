/*
 * backup/markers.c - what crashed runs leave in the backup folder:
 * unfinished "*.partial" files.  Finished archives are not touched here.
 */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

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

		if (!util_ends_with(de->d_name, BACKUP_ARCHIVE_SUFFIX BACKUP_PARTIAL_SUFFIX) &&
		    !util_ends_with(de->d_name, BACKUP_INDEX_SUFFIX BACKUP_PARTIAL_SUFFIX))
			continue;
		path = backup_path_join(dir, de->d_name, "");
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
	if (!ret && removed && backup_fsync_dir(dir))
		ret = error_set(err, ERR_IO, "cannot fsync folder '%s': %s", dir,
				strerror(errno));
	return ret;
}

