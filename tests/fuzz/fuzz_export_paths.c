/*
 * fuzz_export_paths.c - the path handling of `export`: backup_place_put()
 * (include/backup.h), which writes each document of the database at its
 * recorded path under the target folder.  The paths come from the
 * database, so they are outside input.
 *
 * Input: a flags byte (bit 0: replace existing files, as --force), then
 * relative paths, one per line (at most 32).  Each is written with its own
 * text as content.  The target folder holds a planted symlink
 * `link -> ../outside` and a file `exists.json`.
 * Invariants:
 *   - a refusal (ERR_DATA) has a reason; nothing else but 0 is returned;
 *   - nothing ever appears outside the target (`outside/` stays empty and
 *     nothing else appears in the scratch folder), nothing through the
 *     symlink, no new symlink, nothing but folders and regular files, and
 *     no temporary file is left behind;
 *   - a path written (0) is a regular file at target/path with exactly
 *     that content, mode 0644 and the given mtime, unless a later path of
 *     the same input wrote it again;
 *   - without replace, exists.json keeps its content.
 */
#include "fuzz.h"

#include <sys/stat.h>

#include "backup.h"

#define MAX_PATHS 32
#define MTIME_NS 1234567890123456789LL

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static const char *walk_target;
static int walk_links;
static const char **walk_paths;   /* the input's paths: a name of theirs is no leftover */
static int walk_n;

static int check_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)ftw;
	if (flag == FTW_SL) {
		size_t n = strlen(walk_target);

		FUZZ_CHECK(!strcmp(p + n, "/link"), "a new symlink: %s", p);
		walk_links++;
		return 0;
	}
	FUZZ_CHECK(S_ISDIR(sb->st_mode) || S_ISREG(sb->st_mode), "not a file or folder: %s", p);
	if (flag == FTW_F) {
		char tmp[64];
		int k, input = 0;

		snprintf(tmp, sizeof(tmp), "/.wsm-export.%ld.", (long)getpid());
		for (k = 0; k < walk_n; k++)
			input |= !strcmp(p + strlen(walk_target) + 1, walk_paths[k]);
		FUZZ_CHECK(input || !strstr(p, tmp), "a temporary file was left: %s", p);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char base[512], target[600], outside[600], linkp[700], exists[700];
	const char *paths[MAX_PATHS];
	int rcs[MAX_PATHS];
	struct backup_place *pl = NULL;
	struct error err;
	char *text, *line, *save = NULL;
	int replace, n = 0, i, j;

	if (size < 1)
		return 0;
	replace = data[0] & 1;
	text = fuzz_strndup(data + 1, size - 1);
	snprintf(base, sizeof(base), "%s/run", fuzz_scratch());
	fuzz_rm_rf(base);
	snprintf(target, sizeof(target), "%s/target", base);
	snprintf(outside, sizeof(outside), "%s/outside", base);
	snprintf(linkp, sizeof(linkp), "%s/link", target);
	snprintf(exists, sizeof(exists), "%s/exists.json", target);
	if (mkdir(base, 0700) || mkdir(target, 0700) || mkdir(outside, 0700) ||
	    symlink("../outside", linkp) || fuzz_write_file(exists, "{}", 2))
		fuzz_fail("cannot set up the scratch folders");
	error_clear(&err);
	if (backup_place_open(target, &pl, &err))
		fuzz_fail("backup_place_open: %s", err.msg);
	for (line = strtok_r(text, "\n", &save); line && n < MAX_PATHS;
	     line = strtok_r(NULL, "\n", &save)) {
		char why[4200] = "";

		error_clear(&err);
		paths[n] = line;
		rcs[n] = backup_place_put(pl, line, line, strlen(line), 0644, MTIME_NS, replace,
					  why, sizeof(why), &err);
		FUZZ_CHECK(rcs[n] == 0 || rcs[n] == ERR_DATA || rcs[n] == ERR_IO,
			   "unexpected return %d for '%s'", rcs[n], line);
		if (rcs[n] == ERR_DATA)
			FUZZ_CHECK(why[0], "a refusal without a reason: '%s'", line);
		if (rcs[n] == ERR_IO)
			FUZZ_CHECK(err.msg[0], "an I/O error without a message: '%s'", line);
		n++;
	}
	error_clear(&err);
	backup_place_close(pl, NULL);

	FUZZ_CHECK(count_entries(outside) == 0, "something was written outside the target");
	FUZZ_CHECK(count_entries(base) == 2, "something appeared beside the target");
	walk_target = target;
	walk_links = 0;
	walk_paths = paths;
	walk_n = n;
	nftw(target, check_one, 16, FTW_PHYS);
	for (i = 0; i < n; i++) {
		char full[8192], got[8192];
		struct stat st;
		ssize_t r;
		int fd, later = 0;

		if (rcs[i])
			continue;
		for (j = i + 1; j < n; j++)
			later |= rcs[j] == 0 && !strcmp(paths[i], paths[j]);
		if (later)
			continue;
		snprintf(full, sizeof(full), "%s/%s", target, paths[i]);
		fd = open(full, O_RDONLY | O_NOFOLLOW);
		FUZZ_CHECK(fd >= 0, "'%s' was written but is not there", paths[i]);
		FUZZ_CHECK(!fstat(fd, &st) && S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0644 &&
			   (int64_t)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec == MTIME_NS,
			   "'%s': wrong type, mode or mtime", paths[i]);
		r = read(fd, got, sizeof(got));
		close(fd);
		FUZZ_CHECK(r == (ssize_t)strlen(paths[i]) && !memcmp(got, paths[i], (size_t)r),
			   "'%s': wrong content", paths[i]);
	}
	if (!replace) {
		char got[16];
		int fd = open(exists, O_RDONLY | O_NOFOLLOW);
		ssize_t r = fd >= 0 ? read(fd, got, sizeof(got)) : -1;

		if (fd >= 0)
			close(fd);
		FUZZ_CHECK(r == 2 && !memcmp(got, "{}", 2), "exists.json was replaced without force");
	}
	free(text);
	return 0;
}
