/*
 * backup/restore.c - put the files of an archive back (backup_restore):
 * validate the whole archive (the scan of verify.c), check every target,
 * and only then write, through O_NOFOLLOW folder descriptors.  A refused
 * or conflicting restore writes nothing.
 */
#include "internal.h"
#include "testhook.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* what the check found for a record (one byte per record in flagf) */
enum {
	RF_NEW = 0,         /* target absent */
	RF_IDENTICAL = 1,   /* target has the same content */
	RF_CONFLICT = 2     /* target has other content */
};

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
	struct backup_scan sc;
	const char *target;
	unsigned flags;
	void (*cb)(void *ctx, enum backup_restore_event ev, const char *path,
		   const char *reason);
	void *ctx;
	unsigned long refused, conflicts, identical, written;
	struct backup_dirwalk dw;   /* the target's folders */
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

static void split_path(const char *rel, size_t *dlen, const char **base)
{
	const char *slash = strrchr(rel, '/');

	*dlen = slash ? (size_t)(slash - rel) : 0;
	*base = slash ? slash + 1 : rel;
}

/*
 * Pre-check one file of the index against the target, in index
 * order: sets *flag (RF_*) and reports IDENTICAL, CONFLICT, REFUSED or (dry
 * run) WOULD_RESTORE.  Returns 0 or ERR_IO.
 */
static int precheck_file(struct restore *rs, const struct backup_rec *h,
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
	strbuf_reset(&rs->pfx);
	strbuf_add(&rs->pfx, rel, len);
	if (rs->pfx.failed)
		return error_set(err, ERR_IO, "out of memory");
	rs->have_pfx = 1;
	split_path(rel, &dlen, &base);
	r = backup_dirwalk_get(&rs->dw, rel, dlen, 0, &dfd, why, sizeof(why), err);
	if (r < 0)
		return ERR_IO;
	if (r == BACKUP_WALK_REFUSED) {
		restore_event(rs, BACKUP_REFUSED, rel, why);
		return 0;
	}
	if (r == BACKUP_WALK_OK && fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISLNK(st.st_mode) || !S_ISREG(st.st_mode)) {
			restore_event(rs, BACKUP_REFUSED, rel, S_ISLNK(st.st_mode) ?
				      "the target is a symbolic link" :
				      "the target exists and is not a regular file");
			return 0;
		}
		if ((uint64_t)st.st_size == h->size) {
			fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0 || backup_sha_fd(fd, raw, &size)) {
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
	} else if (r == BACKUP_WALK_OK && errno != ENOENT) {
		return error_set(err, ERR_IO, "cannot stat '%s/%s': %s", rs->target, rel,
				 strerror(errno));
	}
	if (dry)
		restore_event(rs, BACKUP_WOULD_RESTORE, rel, "new file");
	return 0;
}

static int set_meta(int fd, const struct backup_rec *h)
{
	struct timespec ts[2];

	ts[0].tv_sec = 0;
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1].tv_sec = (time_t)h->mtime_s;
	ts[1].tv_nsec = (long)h->mtime_nsec;
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
 * Before --force overwrites `base` in dfd: give its current content a
 * second name, "<base>.wsmigrate-orig" (or "...-orig.N" when that is
 * taken), as a hard link, else by renaming it.  The name chosen goes to
 * orig.  Returns 0, or -1 with errno.
 */
static int keep_original(int dfd, const char *base, char *orig, size_t size)
{
	char name[NAME_MAX + 1];
	int i;

	for (i = 0; i < 100; i++) {
		int n = i ? snprintf(name, sizeof(name), "%s.wsmigrate-orig.%d", base, i) :
			    snprintf(name, sizeof(name), "%s.wsmigrate-orig", base);

		if (n < 0 || (size_t)n >= sizeof(name)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		if (linkat(dfd, base, dfd, name, 0) == 0 ||
		    (errno != EEXIST && rename_noreplace(dfd, base, name) == 0)) {
			snprintf(orig, size, "%s", name);
			return 0;
		}
		if (errno != EEXIST)
			return -1;
	}
	errno = EEXIST;
	return -1;
}

/*
 * Pass 2, one entry, with its index record `h` and what the check found
 * (fl).  A new file is written as an unnamed O_TMPFILE and linked in place
 * (linkat fails if the name appeared meanwhile); an overwrite goes through
 * a temporary name and renameat.  Either way the content is checked
 * against the index before it becomes visible.
 */
static int restore_entry(struct restore *rs, struct backup_pass *p, const char *rel,
			 const struct backup_rec *hp, unsigned char fl,
			 struct error *err)
{
	char why[BACKUP_PATH_MAX + NAME_MAX + 128];
	char tmp[64], proc[64], orig[NAME_MAX + 2];
	const char *base;
	struct backup_rec h = *hp;
	unsigned char raw[32];
	uint64_t total = 0;
	size_t dlen;
	int dfd, fd = -1, r, ret = ERR_IO, named = 0;

	why[0] = '\0';
	split_path(rel, &dlen, &base);
	r = backup_dirwalk_get(&rs->dw, rel, dlen, 1, &dfd, why, sizeof(why), err);
	if (r < 0)
		return ERR_IO;
	if (r != BACKUP_WALK_OK) {
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
		if (backup_pass_skip(p, err))
			goto out;
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
	if (backup_sha_restart(p->sha)) {
		error_set(err, ERR_IO, "sha256 failed");
		goto out;
	}
	for (;;) {
		la_ssize_t n = archive_read_data(p->a, p->buf, IO_CHUNK);

		if (n < 0) {
			backup_read_fail(p->a, rs->sc.apath, err);
			goto out;
		}
		if (n == 0)
			break;
		EVP_DigestUpdate(p->sha, p->buf, (size_t)n);
		if (backup_write_all(fd, p->buf, (size_t)n)) {
			error_set(err, ERR_IO, "cannot write '%s/%s': %s", rs->target, rel,
				  strerror(errno));
			goto out;
		}
		total += (uint64_t)n;
	}
	if (backup_sha_final(p->sha, raw)) {
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
		if (r == 0 && (fl & RF_CONFLICT)) {
			/* force: what the user had there is kept beside it */
			if (keep_original(dfd, base, orig, sizeof(orig))) {
				error_set(err, ERR_IO, "cannot keep a copy of '%s/%s' before"
					  " overwriting it: %s", rs->target, rel, strerror(errno));
				goto out;
			}
			r = renameat(dfd, tmp, dfd, base);
		} else if (r == 0) {
			r = rename_noreplace(dfd, tmp, base);
		}
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
	if (TESTHOOK("slow-restore"))
		nanosleep(&(struct timespec){ 0, 2000000 }, NULL);   /* 2 ms a file */
	if (fl & RF_CONFLICT) {
		snprintf(why, sizeof(why), "overwritten (force); what was there is kept as '%.*s%s%s'",
			 (int)dlen, rel, dlen ? "/" : "", orig);
		restore_event(rs, BACKUP_RESTORED, rel, why);
	} else {
		restore_event(rs, BACKUP_RESTORED, rel, "new file");
	}
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
 * index record (validation proved the two lists equal) and the i-th
 * byte of rs->flagf.  Anything else means the archive changed meanwhile.
 */
static int restore_write(struct restore *rs, struct error *err)
{
	struct backup_pass p;
	struct archive_entry *e;
	struct strbuf mp = STRBUF_INIT;
	struct backup_rec h;
	int r, ret = ERR_IO;

	if (backup_spill_rewind(rs->sc.recs, err) || backup_spill_rewind(rs->flagf, err))
		return ERR_IO;
	if (rs->dw.root < 0) {
		if (backup_mkdir_p(rs->target, 0777))
			return error_set(err, ERR_IO, "cannot create '%s': %s", rs->target,
					 strerror(errno));
		rs->dw.root = open(rs->target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (rs->dw.root < 0)
			return error_set(err, ERR_IO, "cannot open '%s': %s", rs->target,
					 strerror(errno));
	}
	if (backup_pass_open(&p, rs->sc.fd, rs->sc.apath, err))
		return ERR_IO;
	while ((r = backup_pass_next(&p, &e, err)) > 0) {
		const char *name = archive_entry_pathname(e), *rel = NULL;
		int fl;

		if (name && !strcmp(name, INDEX_MEMBER)) {
			if (backup_pass_skip(&p, err))
				goto out;
			continue;
		}
		if (backup_entry_unsafe(e, name, &rel))
			goto changed;
		r = backup_spill_get(rs->sc.recs, &h, &mp, err);
		if (r < 0)
			goto out;
		if (r == 0 || strcmp(mp.buf, rel))
			goto changed;
		fl = getc(rs->flagf);
		if (fl == EOF) {
			error_set(err, ERR_IO, "cannot read a temporary file");
			goto out;
		}
		r = restore_entry(rs, &p, rel, &h, (unsigned char)fl, err);
		if (r) {
			ret = r;
			goto out;
		}
	}
	if (r < 0)
		goto out;
	r = backup_spill_get(rs->sc.recs, &h, &mp, err);
	if (r < 0)
		goto out;
	if (r > 0)
		goto changed;
	if (syncfs(rs->dw.root)) {
		error_set(err, ERR_IO, "cannot sync '%s': %s", rs->target, strerror(errno));
		goto out;
	}
	ret = 0;
	goto out;
changed:
	ret = error_set(err, ERR_DATA, "archive '%s' changed during the restore",
			rs->sc.apath);
out:
	backup_pass_close(&p);
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
	struct strbuf rel = STRBUF_INIT;
	struct backup_rec h;
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
	backup_dirwalk_init(&rs.dw, target_dir);
	rs.use_tmpfile = access("/proc/self/fd", X_OK) == 0;

	ret = backup_scan_open(&rs.sc, expected_sha256, &match, err);
	if (ret)
		goto out;
	if (!match) {
		ret = error_set(err, ERR_DATA,
				"refusing to restore '%s': its sha256 differs from the expected one; nothing written",
				archive_path);
		goto out;
	}
	ret = backup_scan_read(&rs.sc, err);
	if (!ret && rs.sc.index_ok)
		ret = backup_scan_compare(&rs.sc, err);
	if (ret)
		goto out;
	if (rs.sc.problems) {
		ret = error_set(err, ERR_DATA,
				"refusing to restore '%s': %lu problem%s in the archive; nothing written",
				archive_path, rs.sc.problems, rs.sc.problems == 1 ? "" : "s");
		goto out;
	}

	rs.dw.root = open(target_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rs.dw.root < 0 && errno != ENOENT) {
		ret = error_set(err, ERR_IO, "cannot open '%s': %s", target_dir,
				strerror(errno));
		goto out;
	}
	rs.flagf = backup_spill_open(err);
	if (!rs.flagf || backup_spill_rewind(rs.sc.recs, err)) {
		ret = ERR_IO;
		goto out;
	}
	for (;;) {
		unsigned char fl;
		int r = backup_spill_get(rs.sc.recs, &h, &rel, err);

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
	backup_dirwalk_release(&rs.dw);
	if (rs.sc.fd >= 0)
		close(rs.sc.fd);
	if (rs.flagf)
		fclose(rs.flagf);
	strbuf_release(&rs.pfx);
	strbuf_release(&rel);
	backup_scan_release(&rs.sc);
	return ret;
}

