/*
 * fuzz_archive.c - the backup archive reader, verify and restore
 * (include/backup.h) on raw bytes written to a scratch archive file (a
 * .tar.zst; plain tar is read too, which lets the fuzzer reach the tar
 * layer without getting through zstd first).
 *
 * Each input goes through backup_read_index, backup_verify (also with a
 * wrong expected sha256), a dry-run restore, a restore, and after a
 * successful restore a forced restore onto the result.  The restore target
 * is SCRATCH/t/target, prepared with a planted symlink "link" -> ../outside
 * and a file "exists.json".  Invariants:
 *   - nothing is ever written outside the target: SCRATCH/t holds only
 *     target/ and an empty outside/, and no symlink appears in the target
 *     but the planted one; everything in it is a folder or a regular file;
 *   - a dry run writes nothing; a refused restore (ERR_DATA, ERR_IO)
 *     writes nothing;
 *   - a restore that succeeds was preceded by a verify and an index read
 *     that succeed, and every file of the index is then in the target,
 *     a regular file with the index's size and sha256;
 *   - a forced restore onto that result finds every file identical;
 *   - verify against a wrong archive sha256 never passes;
 *   - reading the index and verifying write at most SPILL_MAX bytes to
 *     any file (their temporary spill files): RLIMIT_FSIZE is set around
 *     those calls, and libFuzzer reports the SIGXFSZ of an overrun.  An
 *     input of a few KB holds no legitimate index near that size.
 */
#include "fuzz.h"

#include <sys/resource.h>

#include "backup.h"
#include "error.h"

#define MAX_FILES 256
#define SPILL_MAX (64L << 20)

static char scratch[300], apath[400], tdir[400], target[450], outside[450];

struct mfiles {
	size_t n;
	int too_many;
	char *path[MAX_FILES];
	uint64_t size[MAX_FILES];
	char sha[MAX_FILES][65];
};

static void on_file(void *ctx, const struct backup_file *f)
{
	struct mfiles *m = ctx;

	FUZZ_CHECK(f->path != NULL, "index file without a path");
	if (m->n == MAX_FILES) {
		m->too_many = 1;
		return;
	}
	m->path[m->n] = strdup(f->path);
	m->size[m->n] = f->size;
	memcpy(m->sha[m->n], f->sha256, 65);
	m->sha[m->n][64] = '\0';
	m->n++;
}

struct events {
	long n[5];
	long problems;
};

static void on_problem(void *ctx, enum backup_problem kind, const char *path,
		       const char *detail)
{
	struct events *e = ctx;

	(void)detail;
	FUZZ_CHECK(path != NULL, "problem %d without a path", (int)kind);
	FUZZ_CHECK(backup_problem_name(kind) != NULL, "problem %d without a name", (int)kind);
	e->problems++;
}

static void on_event(void *ctx, enum backup_restore_event ev, const char *path,
		     const char *reason)
{
	struct events *e = ctx;

	(void)reason;
	FUZZ_CHECK((unsigned)ev < 5, "restore event %d", (int)ev);
	FUZZ_CHECK(path != NULL, "restore event %d without a path", (int)ev);
	e->n[ev]++;
}

/*
 * A listing of everything under `dir` (relative path, type, size, mode,
 * mtime), one line per entry, sorted, into a malloc'ed string; symlinks
 * are listed, never followed.
 */
struct listing {
	char *buf;
	size_t len, cap;
	size_t base;
};

static struct listing *cur_listing;

static int list_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	struct listing *l = cur_listing;
	char line[4400];
	int n;

	(void)flag;
	(void)ftw;
	n = snprintf(line, sizeof(line), "%s %o %lld %lld.%09ld\n", p + l->base,
		     (unsigned)sb->st_mode, (long long)sb->st_size,
		     (long long)sb->st_mtim.tv_sec, sb->st_mtim.tv_nsec);
	if (n < 0)
		return -1;
	if (l->len + (size_t)n + 1 > l->cap) {
		l->cap = (l->len + (size_t)n + 1) * 2;
		l->buf = realloc(l->buf, l->cap);
		if (!l->buf)
			exit(2);
	}
	memcpy(l->buf + l->len, line, (size_t)n + 1);
	l->len += (size_t)n;
	return 0;
}

static char *listing(const char *dir)
{
	struct listing l = { NULL, 0, 0, strlen(dir) };

	cur_listing = &l;
	if (nftw(dir, list_one, 16, FTW_PHYS) < 0)
		fuzz_fail("cannot list '%s': %s", dir, strerror(errno));
	return l.buf ? l.buf : strdup("");
}

/* Everything under `dir`: a folder or a regular file, or `allowed_link`. */
static const char *allowed_link;

static int only_plain(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)flag;
	(void)ftw;
	if (S_ISLNK(sb->st_mode)) {
		FUZZ_CHECK(allowed_link && strcmp(p, allowed_link) == 0,
			   "restore made a symlink: %s", p);
		return 0;
	}
	FUZZ_CHECK(S_ISDIR(sb->st_mode) || S_ISREG(sb->st_mode),
		   "restore made something that is neither file nor folder: %s (mode %o)",
		   p, (unsigned)sb->st_mode);
	return 0;
}

static void check_confined(void)
{
	char link[500];
	struct dirent *de;
	DIR *d;
	int n = 0;

	d = opendir(tdir);
	FUZZ_CHECK(d != NULL, "restore parent '%s' gone", tdir);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		FUZZ_CHECK(!strcmp(de->d_name, "target") || !strcmp(de->d_name, "outside"),
			   "restore wrote outside its target: %s/%s", tdir, de->d_name);
		n++;
	}
	closedir(d);
	FUZZ_CHECK(n == 2, "restore removed target/ or outside/ (%d entries left)", n);
	d = opendir(outside);
	FUZZ_CHECK(d != NULL, "'%s' gone", outside);
	while ((de = readdir(d)))
		FUZZ_CHECK(!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."),
			   "restore wrote through the planted symlink: outside/%s", de->d_name);
	closedir(d);
	snprintf(link, sizeof(link), "%s/link", target);
	allowed_link = link;
	FUZZ_CHECK(nftw(target, only_plain, 16, FTW_PHYS) == 0, "cannot walk the target");
	d = opendir(scratch);
	while (d && (de = readdir(d)))
		FUZZ_CHECK(!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
			   !strcmp(de->d_name, "a") || !strcmp(de->d_name, "t"),
			   "something appeared in the scratch folder: %s", de->d_name);
	if (d)
		closedir(d);
}

/* Bound (or unbound again) the size of any file this process writes. */
static void limit_writes(int on)
{
	static struct rlimit saved;
	static int have;
	struct rlimit rl;

	if (!have) {
		if (getrlimit(RLIMIT_FSIZE, &saved) < 0)
			return;
		have = 1;
	}
	rl = saved;
	if (on && (saved.rlim_cur == RLIM_INFINITY || saved.rlim_cur > (rlim_t)SPILL_MAX))
		rl.rlim_cur = (rlim_t)SPILL_MAX;
	setrlimit(RLIMIT_FSIZE, &rl);
}

/* SCRATCH/t/{target/{link -> ../outside, exists.json}, outside/}, afresh. */
static void prepare_target(void)
{
	char link[500], file[500];

	snprintf(link, sizeof(link), "%s/link", target);
	snprintf(file, sizeof(file), "%s/exists.json", target);
	if (fuzz_rm_rf(tdir) < 0 || mkdir(tdir, 0700) < 0 || mkdir(target, 0700) < 0 ||
	    mkdir(outside, 0700) < 0 || symlink("../outside", link) < 0 ||
	    fuzz_write_file(file, "{}\n", 3) < 0) {
		perror("fuzz_archive: prepare target");
		exit(2);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(scratch, sizeof(scratch), "%s", fuzz_scratch());
	snprintf(apath, sizeof(apath), "%s/a", scratch);
	if (mkdir(apath, 0700) < 0) {
		perror("fuzz_archive: mkdir");
		exit(2);
	}
	snprintf(apath, sizeof(apath), "%s/a/20250101T000000Z-fuzz.tar.zst", scratch);
	snprintf(tdir, sizeof(tdir), "%s/t", scratch);
	snprintf(target, sizeof(target), "%s/target", tdir);
	snprintf(outside, sizeof(outside), "%s/outside", tdir);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char wrong_sha[] =
		"0000000000000000000000000000000000000000000000000000000000000000";
	struct backup_index_info info;
	struct mfiles mf;
	struct events ev;
	struct error err;
	int rc_m, rc_v, rc_w, rc_d, rc_r;
	char *before, *after;
	size_t i;

	memset(&mf, 0, sizeof(mf));
	if (fuzz_write_file(apath, data, size) < 0) {
		perror("fuzz_archive: write");
		exit(2);
	}
	prepare_target();

	error_clear(&err);
	limit_writes(1);
	rc_m = backup_read_index(apath, &info, on_file, &mf, &err);
	memset(&ev, 0, sizeof(ev));
	rc_v = backup_verify(apath, NULL, on_problem, &ev, &err);
	FUZZ_CHECK(rc_v != ERR_DATA || ev.problems > 0, "verify: ERR_DATA without a problem");
	FUZZ_CHECK(rc_v != 0 || ev.problems == 0, "verify passed with %ld problems", ev.problems);
	rc_w = backup_verify(apath, wrong_sha, NULL, NULL, &err);
	FUZZ_CHECK(rc_w != 0, "verify passed against a wrong archive sha256");
	limit_writes(0);

	before = listing(tdir);
	memset(&ev, 0, sizeof(ev));
	rc_d = backup_restore(apath, NULL, target, BACKUP_RESTORE_DRY_RUN, on_event, &ev, &err);
	after = listing(tdir);
	FUZZ_CHECK(strcmp(before, after) == 0, "a dry-run restore (rc %d) changed the target:\n"
		   "before:\n%safter:\n%s", rc_d, before, after);
	free(after);
	FUZZ_CHECK(ev.n[BACKUP_RESTORED] == 0, "dry run reported %ld files restored",
		   ev.n[BACKUP_RESTORED]);

	memset(&ev, 0, sizeof(ev));
	rc_r = backup_restore(apath, NULL, target, 0, on_event, &ev, &err);
	check_confined();
	if (rc_r) {
		after = listing(tdir);
		FUZZ_CHECK(strcmp(before, after) == 0,
			   "a refused restore (rc %d: %s) wrote:\nbefore:\n%safter:\n%s", rc_r,
			   err.msg, before, after);
		free(after);
	} else {
		FUZZ_CHECK(rc_v == 0 && rc_m == 0,
			   "restore passed, but verify gave %d and reading the index %d",
			   rc_v, rc_m);
		for (i = 0; i < mf.n && !mf.too_many; i++) {
			char p[4600], hex[65];
			struct stat st;

			snprintf(p, sizeof(p), "%s/%s", target, mf.path[i]);
			FUZZ_CHECK(lstat(p, &st) == 0 && S_ISREG(st.st_mode) &&
				   (uint64_t)st.st_size == mf.size[i],
				   "restored '%s' is missing or not %llu bytes", mf.path[i],
				   (unsigned long long)mf.size[i]);
			FUZZ_CHECK(backup_sha256_file(p, hex, &err) == 0 &&
				   strcmp(hex, mf.sha[i]) == 0,
				   "restored '%s' has sha256 %s, index says %s", mf.path[i], hex,
				   mf.sha[i]);
		}
		memset(&ev, 0, sizeof(ev));
		rc_r = backup_restore(apath, NULL, target, BACKUP_RESTORE_FORCE, on_event, &ev,
				      &err);
		FUZZ_CHECK(rc_r == 0 && ev.n[BACKUP_RESTORED] == 0 && ev.n[BACKUP_CONFLICT] == 0,
			   "restore again onto its own result: rc %d, %ld restored, %ld conflicts (%s)",
			   rc_r, ev.n[BACKUP_RESTORED], ev.n[BACKUP_CONFLICT], err.msg);
		check_confined();
	}
	free(before);
	for (i = 0; i < mf.n; i++)
		free(mf.path[i]);
	return 0;
}
