/*
 * backup/markers.c - crash recovery in the backup folder: unfinished
 * "*.partial" files, and the "<run-id>.uncommitted" markers that tell an
 * archive whose run never committed from one whose run did (backup.h).
 * It does not know the ledger: the caller says which runs it holds.
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


/* ------------------------------------------------------------ run markers */

int backup_marker_create(const char *dir, const char *run_id, struct error *err)
{
	char *path;
	int fd;

	if (!backup_run_id_ok(run_id))
		return error_set(err, ERR_USAGE, "invalid run id '%s'", run_id);
	path = backup_path_join(dir, run_id, BACKUP_MARKER_SUFFIX);
	if (!path)
		return error_set(err, ERR_IO, "out of memory");
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		error_set(err, ERR_IO, "cannot create '%s': %s", path, strerror(errno));
		free(path);
		return ERR_IO;
	}
	/* best effort: the marker only has to outlive a crash of this run */
	fsync(fd);
	close(fd);
	backup_fsync_dir(dir);
	free(path);
	return 0;
}

void backup_marker_remove(const char *dir, const char *run_id)
{
	char *path = backup_path_join(dir, run_id, BACKUP_MARKER_SUFFIX);

	if (path)
		unlink(path);
	free(path);
}

/*
 * One marker: the archive goes when the ledger does not know its run
 * (removal errors are ignored: the archive stays, the marker goes, and
 * nothing is lost), then the marker.  Returns 0 or what known() returned.
 */
static int sweep_one(const char *dir, const char *run_id,
		     int (*known)(void *ctx, const char *run_id, int *is_known,
				  struct error *err),
		     void (*removed)(void *ctx, const char *archive_path),
		     void *ctx, struct error *err)
{
	char *archive = backup_path_join(dir, run_id, BACKUP_ARCHIVE_SUFFIX);
	char *marker = backup_path_join(dir, run_id, BACKUP_MARKER_SUFFIX);
	struct error e;
	int is_known = 0, rc;

	if (!archive || !marker) {
		rc = error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	rc = known(ctx, run_id, &is_known, err);
	if (rc)
		goto out;
	error_clear(&e);
	if (!is_known && access(archive, F_OK) == 0 &&
	    backup_remove(archive, &e) == 0 && removed)
		removed(ctx, archive);
	unlink(marker);
out:
	free(archive);
	free(marker);
	return rc;
}

int backup_sweep_orphans(const char *dir,
			 int (*known)(void *ctx, const char *run_id, int *is_known,
				      struct error *err),
			 void (*removed)(void *ctx, const char *archive_path),
			 void *ctx, struct error *err)
{
	size_t sfx = strlen(BACKUP_MARKER_SUFFIX);
	DIR *d = opendir(dir);
	struct dirent *de;
	int rc = 0;

	if (!d)
		return 0;   /* no folder, no markers */
	while (!rc && (de = readdir(d)) != NULL) {
		char id[BACKUP_RUN_ID_MAX + 1];
		size_t n = strlen(de->d_name);

		if (n <= sfx || n - sfx > BACKUP_RUN_ID_MAX ||
		    !util_ends_with(de->d_name, BACKUP_MARKER_SUFFIX))
			continue;
		memcpy(id, de->d_name, n - sfx);
		id[n - sfx] = '\0';
		if (backup_run_id_ok(id))
			rc = sweep_one(dir, id, known, removed, ctx, err);
	}
	closedir(d);
	return rc;
}
