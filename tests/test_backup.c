/*
 * test_backup.c - unit tests of the backup archive module (backup.h).
 * Hostile archives are crafted here with libarchive directly (plain tar, no
 * compression) so that each test controls the exact entries.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup.h"

#define MTIME_NS 1700000000123456789LL

/* ------------------------------------------------------------ fixtures */

struct fx {
	char root[512];          /* mkdtemp */
	char bdir[1024];         /* root/backups (created by the writer) */
	char target[1024];       /* root/target (created empty) */
	char outside[1024];      /* root/outside (created empty) */
	char apath[PATH_MAX];
	char sha[65];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->root, sizeof(f->root), "%s/wsm-backup-test-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(f->root));
	snprintf(f->bdir, sizeof(f->bdir), "%s/backups", f->root);
	snprintf(f->target, sizeof(f->target), "%s/target", f->root);
	snprintf(f->outside, sizeof(f->outside), "%s/outside", f->root);
	assert_int_equal(mkdir(f->target, 0755), 0);
	assert_int_equal(mkdir(f->outside, 0755), 0);
	*state = f;
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	struct fx *f = *state;

	nftw(f->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* Number of entries under dir, recursively, not following symlinks. */
static int count_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char p[PATH_MAX];
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		n++;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (!lstat(p, &st) && S_ISDIR(st.st_mode))
			n += count_tree(p);
	}
	closedir(d);
	return n;
}

static void sha_hex(const void *data, size_t len, char hex[65])
{
	unsigned char raw[32];
	unsigned int n = 0;
	int i;

	assert_int_equal(EVP_Digest(data, len, raw, &n, EVP_sha256(), NULL), 1);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", raw[i]);
}

static void write_file(const char *path, const char *data, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	close(fd);
}

/* The whole file as a NUL-terminated string (caller frees). */
static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

/* ------------------------------------------------- writing real backups */

struct tfile {
	const char *path;
	const char *data;
	uint32_t mode;
};

static const struct tfile three[] = {
	{ "a.json", "{\"a\":1}\n", 0644 },
	{ "sub/b.json", "{\"b\":[1,2,3]}\n", 0600 },
	{ "sub/deeper/c d.json", "{\"c\":\"\\u00e9\"}\n", 0640 },
};

static void write_backup(struct fx *f, const char *run_id,
			 const struct tfile *files, size_t n)
{
	struct backup_writer *w = NULL;
	struct backup_writer_opts o = { 0, 0, "0.1.0-test" };
	struct error err;
	size_t i;

	error_clear(&err);
	assert_int_equal(backup_writer_open(f->bdir, run_id, "/src/tree", &o, &w, &err), 0);
	for (i = 0; i < n; i++) {
		char sha[65];

		sha_hex(files[i].data, strlen(files[i].data), sha);
		/* every other file lets the writer compute the sha256 */
		assert_int_equal(backup_writer_add(w, files[i].path, files[i].data,
						   strlen(files[i].data), files[i].mode,
						   MTIME_NS, i % 2 ? NULL : sha, &err), 0);
	}
	assert_int_equal(backup_writer_finish(w, f->apath, sizeof(f->apath), f->sha,
					      NULL, &err), 0);
}

/* ------------------------------------------------ crafting hostile tars */

struct centry {
	const char *name;
	char type;             /* 'f' file, 'l' symlink, 'h' hardlink, 'd' dir */
	const char *data;      /* file content */
	const char *link;      /* symlink / hardlink target */
};

/* An index in the module's layout for (path, content) pairs. */
static char *index_for(const char *const *paths, const char *const *contents,
		       size_t n)
{
	size_t cap = 4096 + n * 512, len = 0, total = 0, i;
	char *m = malloc(cap);

	assert_non_null(m);
	len += (size_t)snprintf(m + len, cap - len,
				"{\"format\":\"wsmigrate-backup-1\",\"run_id\":\"r1\","
				"\"tree_root\":\"/t\",\"tool_version\":\"x\","
				"\"created_at\":\"2026-01-01T00:00:00Z\",\"files\":[");
	for (i = 0; i < n; i++) {
		char sha[65];

		sha_hex(contents[i], strlen(contents[i]), sha);
		len += (size_t)snprintf(m + len, cap - len,
					"%s\n{\"path\":\"%s\",\"size\":%zu,\"mode\":420,"
					"\"mtime_ns\":%lld,\"sha256\":\"%s\"}",
					i ? "," : "", paths[i], strlen(contents[i]),
					MTIME_NS, sha);
		total += strlen(contents[i]);
	}
	snprintf(m + len, cap - len, "\n],\"file_count\":%zu,\"total_bytes\":%zu}\n",
		 n, total);
	return m;
}

/* Write an uncompressed tar: the entries, then MANIFEST.json if given. */
static void craft(const char *path, const struct centry *e, size_t n,
		  const char *index)
{
	struct archive *a = archive_write_new();
	struct archive_entry *en = archive_entry_new();
	size_t i;

	assert_int_equal(archive_write_set_format_pax(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (i = 0; i < n; i++) {
		size_t len = e[i].data ? strlen(e[i].data) : 0;

		archive_entry_clear(en);
		archive_entry_copy_pathname(en, e[i].name);
		archive_entry_set_perm(en, 0644);
		archive_entry_set_mtime(en, MTIME_NS / 1000000000, MTIME_NS % 1000000000);
		switch (e[i].type) {
		case 'l':
			archive_entry_set_filetype(en, AE_IFLNK);
			archive_entry_copy_symlink(en, e[i].link);
			len = 0;
			break;
		case 'h':
			archive_entry_set_filetype(en, AE_IFREG);
			archive_entry_copy_hardlink(en, e[i].link);
			len = 0;
			break;
		case 'd':
			archive_entry_set_filetype(en, AE_IFDIR);
			len = 0;
			break;
		default:
			archive_entry_set_filetype(en, AE_IFREG);
		}
		archive_entry_set_size(en, (la_int64_t)len);
		assert_true(archive_write_header(a, en) >= ARCHIVE_WARN);
		if (len)
			assert_int_equal(archive_write_data(a, e[i].data, len), (la_ssize_t)len);
	}
	if (index) {
		archive_entry_clear(en);
		archive_entry_copy_pathname(en, "MANIFEST.json");
		archive_entry_set_filetype(en, AE_IFREG);
		archive_entry_set_perm(en, 0600);
		archive_entry_set_size(en, (la_int64_t)strlen(index));
		assert_true(archive_write_header(a, en) >= ARCHIVE_WARN);
		assert_int_equal(archive_write_data(a, index, strlen(index)),
				 (la_ssize_t)strlen(index));
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	archive_entry_free(en);
}

/* ------------------------------------------------------- event records */

struct events {
	int verify[9];
	int restore[5];
	char log[16384];
};

static void add_log(struct events *ev, const char *kind, const char *path,
		    const char *detail)
{
	size_t n = strlen(ev->log);

	snprintf(ev->log + n, sizeof(ev->log) - n, "%s|%s|%s\n", kind, path, detail);
}

static void on_problem(void *ctx, enum backup_problem kind, const char *path,
		       const char *detail)
{
	struct events *ev = ctx;

	ev->verify[kind]++;
	add_log(ev, backup_problem_name(kind), path, detail);
}

static void on_restore(void *ctx, enum backup_restore_event kind,
		       const char *path, const char *reason)
{
	struct events *ev = ctx;

	ev->restore[kind]++;
	add_log(ev, backup_restore_event_name(kind), path, reason);
}

static void on_path(void *ctx, const char *path)
{
	add_log(ctx, "removed", path, "");
}

static int restore_crafted(struct fx *f, const struct centry *e, size_t n,
			   const char *index, struct events *ev)
{
	struct error err;

	snprintf(f->apath, sizeof(f->apath), "%s/crafted.tar", f->root);
	craft(f->apath, e, n, index);
	error_clear(&err);
	return backup_restore(f->apath, NULL, f->target, BACKUP_RESTORE_FORCE,
			      on_restore, ev, &err);
}

/* ================================================================ tests */

static void written_backup_verifies_without_problems(void **state)
{
	struct fx *f = *state;
	struct events ev = { { 0 }, { 0 }, "" };
	struct error err;

	write_backup(f, "20261121T174500Z-3fa2c1", three, 3);
	error_clear(&err);
	assert_int_equal(backup_verify(f->apath, f->sha, on_problem, &ev, &err), 0);
	assert_string_equal(ev.log, "");
	assert_non_null(strstr(f->apath, "/20261121T174500Z-3fa2c1.tar.zst"));
}

static void restore_into_empty_dir_is_byte_identical_with_mode_and_mtime(void **state)
{
	struct fx *f = *state;
	struct events ev = { { 0 }, { 0 }, "" };
	struct error err;
	size_t i;

	write_backup(f, "r1", three, 3);
	error_clear(&err);
	assert_int_equal(backup_restore(f->apath, f->sha, f->target, 0, on_restore,
					&ev, &err), 0);
	assert_int_equal(ev.restore[BACKUP_RESTORED], 3);
	for (i = 0; i < 3; i++) {
		char p[PATH_MAX];
		struct stat st;
		char *got;

		snprintf(p, sizeof(p), "%s/%s", f->target, three[i].path);
		got = slurp(p);
		assert_non_null(got);
		assert_string_equal(got, three[i].data);
		free(got);
		assert_int_equal(lstat(p, &st), 0);
		assert_int_equal(st.st_mode & 07777, three[i].mode);
		assert_int_equal(st.st_mtim.tv_sec, MTIME_NS / 1000000000);
		assert_int_equal(st.st_mtim.tv_nsec, MTIME_NS % 1000000000);
	}
	/* no temporary files left behind */
	assert_int_equal(count_tree(f->target), 3 + 2);
}

static void archive_and_index_are_0600_in_a_new_0700_folder(void **state)
{
	struct fx *f = *state;
	char mpath[PATH_MAX + 32];
	struct stat st;
	mode_t old = umask(0);

	write_backup(f, "r1", three, 1);
	umask(old);
	assert_int_equal(stat(f->bdir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(stat(f->apath, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(mpath, sizeof(mpath), "%s/r1.manifest.json", f->bdir);
	assert_int_equal(stat(mpath, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

static void archive_sha256_matches_the_file_on_disk(void **state)
{
	struct fx *f = *state;
	char hex[65];
	struct error err;

	write_backup(f, "r1", three, 3);
	error_clear(&err);
	assert_int_equal(backup_sha256_file(f->apath, hex, &err), 0);
	assert_string_equal(hex, f->sha);
}

static void read_index_lists_files_from_beside_and_from_inside(void **state)
{
	struct fx *f = *state;
	struct backup_index_info info;
	struct error err;
	char mpath[PATH_MAX + 32];

	write_backup(f, "r1", three, 3);
	error_clear(&err);
	assert_int_equal(backup_read_index(f->apath, &info, NULL, NULL, &err), 0);
	assert_string_equal(info.format, "wsmigrate-backup-1");
	assert_string_equal(info.run_id, "r1");
	assert_string_equal(info.tree_root, "/src/tree");
	assert_string_equal(info.tool_version, "0.1.0-test");
	assert_int_equal(info.file_count, 3);
	assert_int_equal(info.total_bytes, strlen(three[0].data) +
			 strlen(three[1].data) + strlen(three[2].data));
	/* without the index beside, the one inside the archive is read */
	snprintf(mpath, sizeof(mpath), "%s/r1.manifest.json", f->bdir);
	assert_int_equal(unlink(mpath), 0);
	assert_int_equal(backup_read_index(f->apath, &info, NULL, NULL, &err), 0);
	assert_int_equal(info.file_count, 3);
}

static void collect_file(void *ctx, const struct backup_file *bf)
{
	add_log(ctx, "file", bf->path, bf->sha256);
}

static void read_index_calls_back_for_each_file_in_order(void **state)
{
	struct fx *f = *state;
	struct backup_index_info info;
	struct events ev = { { 0 }, { 0 }, "" };
	struct error err;
	char sha[65], want[512];

	write_backup(f, "r1", three, 2);
	error_clear(&err);
	assert_int_equal(backup_read_index(f->apath, &info, collect_file, &ev, &err), 0);
	sha_hex(three[0].data, strlen(three[0].data), sha);
	snprintf(want, sizeof(want), "file|a.json|%s\n", sha);
	sha_hex(three[1].data, strlen(three[1].data), sha);
	snprintf(want + strlen(want), sizeof(want) - strlen(want),
		 "file|sub/b.json|%s\n", sha);
	assert_string_equal(ev.log, want);
}

static void verify_reports_a_flipped_byte_as_sha256_mismatch_naming_the_path(void **state)
{
	struct fx *f = *state;
	const char *paths[] = { "a.json", "b.json" };
	const char *orig[] = { "{\"a\":1}", "{\"b\":2}" };
	struct centry e[] = {
		{ "tree/a.json", 'f', "{\"a\":1}", NULL },
		{ "tree/b.json", 'f', "{\"b\":3}", NULL },   /* flipped byte */
	};
	char *m = index_for(paths, orig, 2);
	struct events ev = { { 0 }, { 0 }, "" };
	struct error err;

	snprintf(f->apath, sizeof(f->apath), "%s/x.tar", f->root);
	craft(f->apath, e, 2, m);
	free(m);
	error_clear(&err);
	assert_int_equal(backup_verify(f->apath, NULL, on_problem, &ev, &err), ERR_DATA);
	assert_int_equal(ev.verify[BACKUP_PROBLEM_SHA256], 1);
	assert_non_null(strstr(ev.log, "sha256 mismatch|b.json|"));
	assert_non_null(strstr(err.msg, "1 problem found"));
}

static void verify_reports_a_missing_and_an_extra_entry(void **state)
{
	struct fx *f = *state;
	const char *paths[] = { "a.json", "gone.json" };
	const char *orig[] = { "{\"a\":1}", "{}" };
	struct centry e[] = {
		{ "tree/a.json", 'f', "{\"a\":1}", NULL },
		{ "tree/new.json", 'f', "{}", NULL },
	};
	char *m = index_for(paths, orig, 2);
	struct events ev = { { 0 }, { 0 }, "" };
	struct error err;

	snprintf(f->apath, sizeof(f->apath), "%s/x.tar", f->root);
	craft(f->apath, e, 2, m);
	free(m);
	error_clear(&err);
	assert_int_equal(backup_verify(f->apath, NULL, on_problem, &ev, &err), ERR_DATA);
	assert_non_null(strstr(ev.log, "missing entry|gone.json|"));
	assert_non_null(strstr(ev.log, "extra entry|new.json|"));
	assert_int_equal(ev.verify[BACKUP_PROBLEM_MISSING], 1);
	assert_int_equal(ev.verify[BACKUP_PROBLEM_EXTRA], 1);
}

static void verify_of_a_truncated_archive_is_an_io_error_naming_it(void **state)
{
	struct fx *f = *state;
	struct events ev = { { 0 }, { 0 }, "" };
	struct tfile big[40];
	char names[40][32];
	char *data = malloc(20000);
	struct error err;
	struct stat st;
	size_t i;

	assert_non_null(data);
	/* poorly compressible content so that the archive is large enough */
	srand(7);
	for (i = 0; i < 19999; i++)
		data[i] = (char)('a' + rand() % 26);
	data[19999] = '\0';
	for (i = 0; i < 40; i++) {
		snprintf(names[i], sizeof(names[i]), "f%02zu.json", i);
		big[i].path = names[i];
		big[i].data = data;
		big[i].mode = 0644;
	}
	write_backup(f, "r1", big, 40);
	free(data);
	assert_int_equal(stat(f->apath, &st), 0);
	assert_int_equal(truncate(f->apath, st.st_size / 2), 0);
	error_clear(&err);
	assert_int_equal(backup_verify(f->apath, NULL, on_problem, &ev, &err), ERR_IO);
	assert_non_null(strstr(err.msg, f->apath));
	assert_non_null(strstr(err.msg, "cannot read archive"));
}

static void verify_reports_an_archive_sha256_other_than_expected(void **state)
{
	struct fx *f = *state;
	struct events ev = { { 0 }, { 0 }, "" };
	struct error err;
	char wrong[65];

	write_backup(f, "r1", three, 3);
	memcpy(wrong, f->sha, 65);
	wrong[0] = wrong[0] == '0' ? '1' : '0';
	error_clear(&err);
	assert_int_equal(backup_verify(f->apath, wrong, on_problem, &ev, &err), ERR_DATA);
	assert_int_equal(ev.verify[BACKUP_PROBLEM_ARCHIVE_SHA256], 1);
}

static void restore_refuses_a_traversal_entry_and_writes_nothing(void **state)
{
	struct fx *f = *state;
	const char *paths[] = { "ok.json" };
	const char *data[] = { "{}" };
	struct centry e[] = {
		{ "tree/ok.json", 'f', "{}", NULL },
		{ "tree/../evil", 'f', "evil", NULL },
	};
	char *m = index_for(paths, data, 1);
	struct events ev = { { 0 }, { 0 }, "" };

	assert_int_equal(restore_crafted(f, e, 2, m, &ev), ERR_DATA);
	free(m);
	assert_true(ev.restore[BACKUP_REFUSED] >= 1);
	assert_non_null(strstr(ev.log, "refused|tree/../evil|"));
	assert_int_equal(ev.restore[BACKUP_RESTORED], 0);
	assert_int_equal(count_tree(f->target), 0);
	assert_int_equal(count_tree(f->outside), 0);
}

static void restore_refuses_an_absolute_entry_and_writes_nothing(void **state)
{
	struct fx *f = *state;
	const char *paths[] = { "ok.json" };
	const char *data[] = { "{}" };
	char abs[PATH_MAX + 16];
	struct centry e[] = {
		{ "tree/ok.json", 'f', "{}", NULL },
		{ NULL, 'f', "evil", NULL },
	};
	char *m = index_for(paths, data, 1);
	struct events ev = { { 0 }, { 0 }, "" };

	snprintf(abs, sizeof(abs), "%s/evil", f->outside);
	e[1].name = abs;
	assert_int_equal(restore_crafted(f, e, 2, m, &ev), ERR_DATA);
	free(m);
	assert_non_null(strstr(ev.log, "absolute path"));
	assert_int_equal(count_tree(f->target), 0);
	assert_int_equal(count_tree(f->outside), 0);
}

static void restore_refuses_a_symlink_entry_and_a_file_through_it(void **state)
{
	struct fx *f = *state;
	const char *paths[] = { "link/file" };
	const char *data[] = { "pwned" };
	struct centry e[] = {
		{ "tree/link", 'l', NULL, NULL },
		{ "tree/link/file", 'f', "pwned", NULL },
	};
	char *m = index_for(paths, data, 1);
	struct events ev = { { 0 }, { 0 }, "" };

	e[0].link = f->outside;
	assert_int_equal(restore_crafted(f, e, 2, m, &ev), ERR_DATA);
	free(m);
	assert_non_null(strstr(ev.log, "refused|tree/link|unsafe entry: symbolic link"));
	assert_int_equal(count_tree(f->target), 0);
	assert_int_equal(count_tree(f->outside), 0);
}

static void restore_refuses_hard_links_and_entries_outside_tree(void **state)
{
	struct fx *f = *state;
	const char *paths[] = { "a.json" };
	const char *data[] = { "{}" };
	struct centry e[] = {
		{ "tree/a.json", 'f', "{}", NULL },
		{ "tree/h.json", 'h', NULL, "/etc/passwd" },
		{ "other/x.json", 'f', "{}", NULL },
		{ "tree/dir", 'd', NULL, NULL },
	};
	char *m = index_for(paths, data, 1);
	struct events ev = { { 0 }, { 0 }, "" };

	assert_int_equal(restore_crafted(f, e, 4, m, &ev), ERR_DATA);
	free(m);
	assert_non_null(strstr(ev.log, "hard link"));
	assert_non_null(strstr(ev.log, "entry outside tree/"));
	assert_non_null(strstr(ev.log, "directory entry"));
	assert_int_equal(count_tree(f->target), 0);
}

static void restore_never_writes_through_a_symlink_planted_in_the_target(void **state)
{
	struct fx *f = *state;
	char link[PATH_MAX + 8];
	struct events ev = { { 0 }, { 0 }, "" };
	struct error err;

	write_backup(f, "r1", three, 3);
	snprintf(link, sizeof(link), "%s/sub", f->target);
	assert_int_equal(symlink(f->outside, link), 0);
	error_clear(&err);
	assert_int_equal(backup_restore(f->apath, f->sha, f->target,
					BACKUP_RESTORE_FORCE, on_restore, &ev, &err),
			 ERR_DATA);
	assert_non_null(strstr(ev.log, "'sub' in the target is a symbolic link"));
	assert_int_equal(ev.restore[BACKUP_RESTORED], 0);
	assert_int_equal(count_tree(f->target), 1);    /* just the link */
	assert_int_equal(count_tree(f->outside), 0);
}

static void restore_refuses_a_symlink_in_place_of_a_file(void **state)
{
	struct fx *f = *state;
	char link[PATH_MAX + 8], victim[PATH_MAX + 8];
	struct events ev = { { 0 }, { 0 }, "" };
	struct error err;
	char *got;

	write_backup(f, "r1", three, 1);
	snprintf(victim, sizeof(victim), "%s/victim", f->outside);
	write_file(victim, "keep", 0644);
	snprintf(link, sizeof(link), "%s/a.json", f->target);
	assert_int_equal(symlink(victim, link), 0);
	error_clear(&err);
	assert_int_equal(backup_restore(f->apath, f->sha, f->target,
					BACKUP_RESTORE_FORCE, on_restore, &ev, &err),
			 ERR_DATA);
	assert_non_null(strstr(ev.log, "refused|a.json|the target is a symbolic link"));
	got = slurp(victim);
	assert_string_equal(got, "keep");
	free(got);
}

static void restore_refuses_a_tampered_entry_and_writes_nothing(void **state)
{
	struct fx *f = *state;
	const char *paths[] = { "a.json", "b.json" };
	const char *data[] = { "{\"a\":1}", "{\"b\":2}" };
	struct centry e[] = {
		{ "tree/a.json", 'f', "{\"a\":1}", NULL },
		{ "tree/b.json", 'f', "{\"b\":9}", NULL },
	};
	char *m = index_for(paths, data, 2);
	struct events ev = { { 0 }, { 0 }, "" };

	assert_int_equal(restore_crafted(f, e, 2, m, &ev), ERR_DATA);
	free(m);
	assert_non_null(strstr(ev.log, "refused|b.json|sha256 mismatch"));
	assert_int_equal(count_tree(f->target), 0);
}

static void restore_refuses_an_archive_without_index(void **state)
{
	struct fx *f = *state;
	struct centry e[] = { { "tree/a.json", 'f', "{}", NULL } };
	struct events ev = { { 0 }, { 0 }, "" };

	assert_int_equal(restore_crafted(f, e, 1, NULL, &ev), ERR_DATA);
	assert_non_null(strstr(ev.log, "MANIFEST.json is missing"));
	assert_int_equal(count_tree(f->target), 0);
}

static void restore_refuses_an_archive_whose_sha256_differs_from_expected(void **state)
{
	struct fx *f = *state;
	struct events ev = { { 0 }, { 0 }, "" };
	struct error err;
	char wrong[65];

	write_backup(f, "r1", three, 3);
	memcpy(wrong, f->sha, 65);
	wrong[63] = wrong[63] == 'a' ? 'b' : 'a';
	error_clear(&err);
	assert_int_equal(backup_restore(f->apath, wrong, f->target, BACKUP_RESTORE_FORCE,
					on_restore, &ev, &err), ERR_DATA);
	assert_int_equal(ev.restore[BACKUP_REFUSED], 1);
	assert_non_null(strstr(ev.log, "archive sha256 mismatch"));
	assert_non_null(strstr(err.msg, "nothing written"));
	assert_int_equal(count_tree(f->target), 0);
}

static void restore_refuses_a_conflict_without_force_and_writes_nothing(void **state)
{
	struct fx *f = *state;
	struct events ev = { { 0 }, { 0 }, "" };
	struct error err;
	char p[PATH_MAX + 16];
	char *got;

	write_backup(f, "r1", three, 3);
	snprintf(p, sizeof(p), "%s/a.json", f->target);
	write_file(p, "{\"a\":2}\n", 0644);
	error_clear(&err);
	assert_int_equal(backup_restore(f->apath, f->sha, f->target, 0, on_restore,
					&ev, &err), ERR_DATA);
	assert_int_equal(ev.restore[BACKUP_CONFLICT], 1);
	assert_non_null(strstr(ev.log, "conflict|a.json|"));
	assert_non_null(strstr(err.msg, "1 file differs"));
	assert_int_equal(count_tree(f->target), 1);
	got = slurp(p);
	assert_string_equal(got, "{\"a\":2}\n");
	free(got);
}

static void restore_overwrites_a_conflict_with_force(void **state)
{
	struct fx *f = *state;
	struct events ev = { { 0 }, { 0 }, "" };
	struct error err;
	char p[PATH_MAX + 16];
	char *got;

	write_backup(f, "r1", three, 3);
	snprintf(p, sizeof(p), "%s/a.json", f->target);
	write_file(p, "{\"a\":2}\n", 0644);
	error_clear(&err);
	assert_int_equal(backup_restore(f->apath, f->sha, f->target, BACKUP_RESTORE_FORCE,
					on_restore, &ev, &err), 0);
	assert_int_equal(ev.restore[BACKUP_CONFLICT], 1);
	assert_int_equal(ev.restore[BACKUP_RESTORED], 3);
	got = slurp(p);
	assert_string_equal(got, three[0].data);
	free(got);
}

static void restore_leaves_an_identical_file_and_fixes_its_mtime(void **state)
{
	struct fx *f = *state;
	struct events ev = { { 0 }, { 0 }, "" };
	struct error err;
	char p[PATH_MAX + 16];
	struct stat st;

	write_backup(f, "r1", three, 3);
	snprintf(p, sizeof(p), "%s/a.json", f->target);
	write_file(p, three[0].data, 0600);
	error_clear(&err);
	assert_int_equal(backup_restore(f->apath, f->sha, f->target, 0, on_restore,
					&ev, &err), 0);
	assert_int_equal(ev.restore[BACKUP_IDENTICAL], 1);
	assert_int_equal(ev.restore[BACKUP_RESTORED], 2);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(st.st_mtim.tv_nsec, MTIME_NS % 1000000000);
}

static void restore_dry_run_reports_and_writes_nothing(void **state)
{
	struct fx *f = *state;
	struct events ev = { { 0 }, { 0 }, "" };
	struct error err;

	write_backup(f, "r1", three, 3);
	error_clear(&err);
	assert_int_equal(backup_restore(f->apath, f->sha, f->target,
					BACKUP_RESTORE_DRY_RUN, on_restore, &ev, &err), 0);
	assert_int_equal(ev.restore[BACKUP_WOULD_RESTORE], 3);
	assert_int_equal(ev.restore[BACKUP_RESTORED], 0);
	assert_int_equal(count_tree(f->target), 0);
}

static void restore_creates_a_missing_target_folder(void **state)
{
	struct fx *f = *state;
	struct events ev = { { 0 }, { 0 }, "" };
	struct error err;
	char t[PATH_MAX + 16];

	write_backup(f, "r1", three, 3);
	snprintf(t, sizeof(t), "%s/new/tree", f->root);
	error_clear(&err);
	assert_int_equal(backup_restore(f->apath, f->sha, t, 0, on_restore, &ev, &err), 0);
	assert_int_equal(count_tree(t), 5);
}

static void cleanup_partials_removes_leftovers_and_reports_them(void **state)
{
	struct fx *f = *state;
	struct events ev = { { 0 }, { 0 }, "" };
	struct backup_writer *live = NULL;
	struct error err;
	char p[PATH_MAX + 64];

	assert_int_equal(mkdir(f->bdir, 0700), 0);
	snprintf(p, sizeof(p), "%s/old.tar.zst.partial", f->bdir);
	write_file(p, "junk", 0600);
	snprintf(p, sizeof(p), "%s/old.manifest.json.partial", f->bdir);
	write_file(p, "junk", 0600);
	snprintf(p, sizeof(p), "%s/keep.tar.zst", f->bdir);
	write_file(p, "ok", 0600);
	error_clear(&err);
	/* a writer still running keeps its partial */
	assert_int_equal(backup_writer_open(f->bdir, "live", "/t", NULL, &live, &err), 0);
	assert_int_equal(backup_cleanup_partials(f->bdir, on_path, &ev, &err), 0);
	assert_non_null(strstr(ev.log, "old.tar.zst.partial"));
	assert_non_null(strstr(ev.log, "old.manifest.json.partial"));
	assert_null(strstr(ev.log, "live"));
	assert_int_equal(count_tree(f->bdir), 2);   /* keep + live partial */
	backup_writer_abort(live);
	assert_int_equal(count_tree(f->bdir), 1);
	/* a missing folder is fine */
	snprintf(p, sizeof(p), "%s/nope", f->root);
	assert_int_equal(backup_cleanup_partials(p, on_path, &ev, &err), 0);
}

static void writer_abort_removes_the_partial(void **state)
{
	struct fx *f = *state;
	struct backup_writer *w = NULL;
	struct error err;

	error_clear(&err);
	assert_int_equal(backup_writer_open(f->bdir, "r1", "/t", NULL, &w, &err), 0);
	assert_int_equal(backup_writer_add(w, "a.json", "{}", 2, 0644, 0, NULL, &err), 0);
	backup_writer_abort(w);
	backup_writer_abort(NULL);
	assert_int_equal(count_tree(f->bdir), 0);
}

static void writer_rejects_unsafe_paths_and_bad_run_ids(void **state)
{
	struct fx *f = *state;
	struct backup_writer *w = NULL;
	struct error err;

	error_clear(&err);
	assert_int_equal(backup_writer_open(f->bdir, "../x", "/t", NULL, &w, &err),
			 ERR_USAGE);
	assert_null(w);
	assert_int_equal(backup_writer_open(f->bdir, "r1", "/t", NULL, &w, &err), 0);
	assert_int_equal(backup_writer_add(w, "../x", "{}", 2, 0644, 0, NULL, &err),
			 ERR_DATA);
	assert_int_equal(backup_writer_add(w, "/abs", "{}", 2, 0644, 0, NULL, &err),
			 ERR_DATA);
	assert_int_equal(backup_writer_add(w, "a//b", "{}", 2, 0644, 0, NULL, &err),
			 ERR_DATA);
	backup_writer_abort(w);
}

static void writer_refuses_to_overwrite_an_existing_backup(void **state)
{
	struct fx *f = *state;
	struct backup_writer *w = NULL;
	struct error err;

	write_backup(f, "r1", three, 1);
	error_clear(&err);
	assert_int_equal(backup_writer_open(f->bdir, "r1", "/t", NULL, &w, &err), ERR_IO);
	assert_non_null(strstr(err.msg, "already exists"));
}

static void backup_remove_deletes_archive_and_index(void **state)
{
	struct fx *f = *state;
	struct error err;

	write_backup(f, "r1", three, 1);
	assert_int_equal(count_tree(f->bdir), 2);
	error_clear(&err);
	assert_int_equal(backup_remove(f->apath, &err), 0);
	assert_int_equal(count_tree(f->bdir), 0);
	assert_int_equal(backup_remove(f->apath, &err), 0);
}

static void writer_keeps_the_queue_within_its_byte_bound(void **state)
{
	struct fx *f = *state;
	struct backup_writer_opts o = { 1, 1024 * 1024, "t" };
	struct backup_writer_stats st;
	struct backup_writer *w = NULL;
	struct error err;
	char *buf = malloc(100 * 1024);
	int i;

	assert_non_null(buf);
	memset(buf, ' ', 100 * 1024);
	error_clear(&err);
	assert_int_equal(backup_writer_open(f->bdir, "big", "/t", &o, &w, &err), 0);
	for (i = 0; i < 1000; i++) {
		char name[32];
		size_t k;

		for (k = 0; k < 100 * 1024; k += 64)
			snprintf(buf + k, 64, "{\"file\":%d,\"offset\":%zu}", i, k);
		snprintf(name, sizeof(name), "d%d/f%04d.json", i / 100, i);
		assert_int_equal(backup_writer_add(w, name, buf, 100 * 1024, 0644,
						   MTIME_NS, NULL, &err), 0);
	}
	backup_writer_get_stats(w, &st);
	assert_true(st.queue_peak_bytes <= 1024 * 1024);
	assert_int_equal(backup_writer_finish(w, f->apath, sizeof(f->apath), f->sha,
					      &st, &err), 0);
	free(buf);
	assert_int_equal(st.files, 1000);
	assert_int_equal(st.bytes_in, 1000 * 100 * 1024);
	assert_true(st.bytes_out > 0 && st.bytes_out < st.bytes_in);
	assert_true(st.queue_peak_bytes <= 1024 * 1024);
	assert_int_equal(backup_verify(f->apath, f->sha, NULL, NULL, &err), 0);
}

static void sha256_file_gives_the_known_digest(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX + 16], hex[65];
	struct error err;

	snprintf(p, sizeof(p), "%s/abc", f->root);
	write_file(p, "abc", 0644);
	error_clear(&err);
	assert_int_equal(backup_sha256_file(p, hex, &err), 0);
	assert_string_equal(hex,
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	snprintf(p, sizeof(p), "%s/missing", f->root);
	assert_int_equal(backup_sha256_file(p, hex, &err), ERR_IO);
	assert_non_null(strstr(err.msg, "missing"));
}

static void an_empty_backup_and_an_empty_file_round_trip(void **state)
{
	struct fx *f = *state;
	struct backup_index_info info;
	struct backup_writer *w = NULL;
	struct error err;
	char p[PATH_MAX + 16];
	struct stat st;

	error_clear(&err);
	assert_int_equal(backup_writer_open(f->bdir, "none", "/t", NULL, &w, &err), 0);
	assert_int_equal(backup_writer_finish(w, f->apath, sizeof(f->apath), f->sha,
					      NULL, &err), 0);
	assert_int_equal(backup_verify(f->apath, f->sha, NULL, NULL, &err), 0);
	assert_int_equal(backup_read_index(f->apath, &info, NULL, NULL, &err), 0);
	assert_int_equal(info.file_count, 0);
	assert_int_equal(backup_restore(f->apath, f->sha, f->target, 0, NULL, NULL, &err), 0);
	assert_int_equal(count_tree(f->target), 0);

	assert_int_equal(backup_writer_open(f->bdir, "empty", "/t", NULL, &w, &err), 0);
	assert_int_equal(backup_writer_add(w, "e.json", NULL, 0, 0644, MTIME_NS, NULL, &err), 0);
	assert_int_equal(backup_writer_finish(w, f->apath, sizeof(f->apath), f->sha,
					      NULL, &err), 0);
	assert_int_equal(backup_restore(f->apath, f->sha, f->target, 0, NULL, NULL, &err), 0);
	snprintf(p, sizeof(p), "%s/e.json", f->target);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, 0);
}

static void writer_reports_a_failing_archive_write_and_removes_the_partial(void **state)
{
	struct fx *f = *state;
	struct backup_writer_opts o = { 0, 64 * 1024, "t" };
	struct backup_writer *w = NULL;
	struct rlimit old, lim;
	struct error err;
	char *buf = malloc(100 * 1024);
	int i, ret = 0;
	size_t k;

	assert_non_null(buf);
	srand(11);
	error_clear(&err);
	assert_int_equal(backup_writer_open(f->bdir, "full", "/t", &o, &w, &err), 0);
	/* the archive cannot grow past 256 KiB: writes fail with EFBIG */
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 256 * 1024;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	for (i = 0; i < 20 && !ret; i++) {
		char name[32];

		/* fresh random bytes: zstd would find repeated blocks */
		for (k = 0; k < 100 * 1024; k++)
			buf[k] = (char)rand();
		snprintf(name, sizeof(name), "big%02d.bin", i);
		ret = backup_writer_add(w, name, buf, 100 * 1024, 0644, 0, NULL, &err);
	}
	if (ret)
		backup_writer_abort(w);
	else
		ret = backup_writer_finish(w, f->apath, sizeof(f->apath), f->sha, NULL, &err);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	free(buf);
	assert_int_equal(ret, ERR_IO);
	assert_non_null(strstr(err.msg, "full.tar.zst.partial"));
	assert_non_null(strstr(err.msg, strerror(EFBIG)));
	assert_int_equal(count_tree(f->bdir), 0);
}

static void writer_refuses_files_out_of_walk_order_or_twice(void **state)
{
	struct fx *f = *state;
	struct backup_writer *w = NULL;
	struct error err;
	char p[PATH_MAX + 16];

	error_clear(&err);
	assert_int_equal(backup_writer_open(f->bdir, "r1", "/t", NULL, &w, &err), 0);
	assert_int_equal(backup_writer_add(w, "b.json", "{}", 2, 0644, 0, NULL, &err), 0);
	assert_int_equal(backup_writer_add(w, "a.json", "{}", 2, 0644, 0, NULL, &err),
			 ERR_USAGE);
	assert_non_null(strstr(err.msg, "not after 'b.json'"));
	assert_int_equal(backup_writer_add(w, "b.json", "{}", 2, 0644, 0, NULL, &err),
			 ERR_USAGE);
	assert_non_null(strstr(err.msg, "added twice"));
	/* walk order: folder "d" before "d.json" although '.' < '/' */
	assert_int_equal(backup_writer_add(w, "d/x.json", "{}", 2, 0644, 0, NULL, &err), 0);
	assert_int_equal(backup_writer_add(w, "d.json", "{}", 2, 0644, 0, NULL, &err), 0);
	assert_int_equal(backup_writer_add(w, "d0/y.json", "{}", 2, 0644, 0, NULL, &err), 0);
	assert_int_equal(backup_writer_add(w, "d/z.json", "{}", 2, 0644, 0, NULL, &err),
			 ERR_USAGE);
	assert_int_equal(backup_writer_finish(w, f->apath, sizeof(f->apath), f->sha,
					      NULL, &err), 0);
	assert_int_equal(backup_verify(f->apath, f->sha, NULL, NULL, &err), 0);
	assert_int_equal(backup_restore(f->apath, f->sha, f->target, 0, NULL, NULL, &err), 0);
	assert_int_equal(count_tree(f->target), 6);   /* 4 files, d and d0 */
	snprintf(p, sizeof(p), "%s/d/z.json", f->target);
	assert_int_equal(access(p, F_OK), -1);
}

static void restore_refuses_a_duplicate_entry_and_writes_nothing(void **state)
{
	struct fx *f = *state;
	const char *paths[] = { "a.json" };
	const char *data[] = { "{}" };
	struct centry e[] = {
		{ "tree/a.json", 'f', "{}", NULL },
		{ "tree/a.json", 'f', "{}", NULL },
	};
	char *m = index_for(paths, data, 1);
	struct events ev = { { 0 }, { 0 }, "" };
	struct error err;

	assert_int_equal(restore_crafted(f, e, 2, m, &ev), ERR_DATA);
	free(m);
	assert_non_null(strstr(ev.log, "refused|a.json|duplicate entry"));
	assert_int_equal(count_tree(f->target), 0);
	memset(&ev, 0, sizeof(ev));
	error_clear(&err);
	assert_int_equal(backup_verify(f->apath, NULL, on_problem, &ev, &err), ERR_DATA);
	assert_int_equal(ev.verify[BACKUP_PROBLEM_DUPLICATE], 1);
}

static void restore_refuses_entries_out_of_index_order_and_writes_nothing(void **state)
{
	struct fx *f = *state;
	const char *paths[] = { "a.json", "b.json" };
	const char *data[] = { "{\"a\":1}", "{\"b\":2}" };
	struct centry e[] = {
		{ "tree/b.json", 'f', "{\"b\":2}", NULL },
		{ "tree/a.json", 'f', "{\"a\":1}", NULL },
	};
	char *m = index_for(paths, data, 2);
	struct events ev = { { 0 }, { 0 }, "" };
	struct error err;

	assert_int_equal(restore_crafted(f, e, 2, m, &ev), ERR_DATA);
	free(m);
	assert_non_null(strstr(ev.log, "refused|a.json|entry out of order: comes after 'b.json'"));
	assert_int_equal(ev.restore[BACKUP_RESTORED], 0);
	assert_int_equal(count_tree(f->target), 0);
	memset(&ev, 0, sizeof(ev));
	error_clear(&err);
	assert_int_equal(backup_verify(f->apath, NULL, on_problem, &ev, &err), ERR_DATA);
	assert_int_equal(ev.verify[BACKUP_PROBLEM_ORDER], 1);
}

static void restore_refuses_an_index_listing_a_path_twice_or_out_of_order(void **state)
{
	struct fx *f = *state;
	const char *twice[] = { "a.json", "a.json" };
	const char *swapped[] = { "b.json", "a.json" };
	const char *data[] = { "{}", "{}" };
	struct centry e[] = {
		{ "tree/a.json", 'f', "{}", NULL },
		{ "tree/a.json", 'f', "{}", NULL },
	};
	struct centry e2[] = {
		{ "tree/b.json", 'f', "{}", NULL },
		{ "tree/a.json", 'f', "{}", NULL },
	};
	char *m = index_for(twice, data, 2);
	struct events ev = { { 0 }, { 0 }, "" };

	assert_int_equal(restore_crafted(f, e, 2, m, &ev), ERR_DATA);
	free(m);
	assert_non_null(strstr(ev.log, "MANIFEST.json lists 'a.json' more than once"));
	assert_int_equal(count_tree(f->target), 0);
	memset(&ev, 0, sizeof(ev));
	m = index_for(swapped, data, 2);
	assert_int_equal(restore_crafted(f, e2, 2, m, &ev), ERR_DATA);
	free(m);
	assert_non_null(strstr(ev.log, "MANIFEST.json lists 'a.json' after 'b.json', out of order"));
	assert_int_equal(count_tree(f->target), 0);
}

static void restore_refuses_a_path_that_is_both_a_file_and_a_folder(void **state)
{
	struct fx *f = *state;
	const char *paths[] = { "a", "a/b", "a/c/d", "a0" };
	const char *data[] = { "1", "2", "3", "4" };
	struct centry e[] = {
		{ "tree/a", 'f', "1", NULL },
		{ "tree/a/b", 'f', "2", NULL },
		{ "tree/a/c/d", 'f', "3", NULL },
		{ "tree/a0", 'f', "4", NULL },
	};
	char *m = index_for(paths, data, 4);
	struct events ev = { { 0 }, { 0 }, "" };

	assert_int_equal(restore_crafted(f, e, 4, m, &ev), ERR_DATA);
	free(m);
	assert_non_null(strstr(ev.log, "refused|a/b|'a' is both a file and a folder"));
	assert_non_null(strstr(ev.log, "refused|a/c/d|'a' is both a file and a folder"));
	assert_int_equal(ev.restore[BACKUP_REFUSED], 2);
	assert_int_equal(count_tree(f->target), 0);
}

/* ------------------------------------------------ the index reader */

#define IDX_HEAD "{\"format\":\"wsmigrate-backup-1\",\"run_id\":\"r1\"," \
	"\"tree_root\":\"/t\",\"tool_version\":\"x\"," \
	"\"created_at\":\"2026-01-01T00:00:00Z\",\"files\":["
#define IDX_FOOT "],\"file_count\":1,\"total_bytes\":2}\n"
/* sha256 of "{}", the content of the one entry below */
#define SHA_OF_EMPTY_OBJECT "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
#define IDX_REC(size, extra) "{\"path\":\"a.json\",\"size\":" size ",\"mode\":420," \
	"\"mtime_ns\":1" extra ",\"sha256\":\"" SHA_OF_EMPTY_OBJECT "\"}"

/* Verify an archive holding tree/a.json ("{}") and this index. */
static int verify_with_index(struct fx *f, const char *index, struct events *ev)
{
	struct centry e[] = { { "tree/a.json", 'f', "{}", NULL } };
	struct error err;

	snprintf(f->apath, sizeof(f->apath), "%s/idx.tar", f->root);
	craft(f->apath, e, 1, index);
	error_clear(&err);
	memset(ev, 0, sizeof(*ev));
	return backup_verify(f->apath, NULL, on_problem, ev, &err);
}

static void index_of_the_right_shape_verifies(void **state)
{
	struct fx *f = *state;
	struct events ev;
	char sha[65];

	sha_hex("{}", 2, sha);
	assert_string_equal(sha, SHA_OF_EMPTY_OBJECT);
	assert_int_equal(verify_with_index(f, IDX_HEAD "\n" IDX_REC("2", "") "\n" IDX_FOOT,
					   &ev), 0);
	/* white space between tokens, members in another order, unknown ones */
	assert_int_equal(verify_with_index(f, IDX_HEAD "\n { \"sha256\" : \""
					   SHA_OF_EMPTY_OBJECT "\", \"x\":\"y\", \"n\":-3,"
					   "\"mtime_ns\":-1, \"mode\":0, \"size\":2,"
					   "\"path\":\"a.json\"} \r\n"
					   IDX_FOOT, &ev), 0);
}

static void index_reader_refuses_malformed_lines_naming_the_line(void **state)
{
	static const struct { const char *index, *why; } cases[] = {
		{ IDX_HEAD "\n{\"path\":\"a.json\",\"size\":2,\"mode\":420,\"mtime_ns\":1,"
		  "\"sha256\":\"abc\"}\n" IDX_FOOT, "2: malformed index: bad sha256" },
		{ IDX_HEAD "\n{\"path\":\"a.json\",\"size\":2,\"mode\":420,\"mtime_ns\":1,"
		  "\"sha256\":\"" SHA_OF_EMPTY_OBJECT "x\"}\n" IDX_FOOT, "bad sha256" },
		{ IDX_HEAD "\n" IDX_REC("-2", "") "\n" IDX_FOOT, "bad value in a file record" },
		{ IDX_HEAD "\n" IDX_REC("2.0", "") "\n" IDX_FOOT, "expected an integer" },
		{ IDX_HEAD "\n" IDX_REC("2e0", "") "\n" IDX_FOOT, "expected an integer" },
		{ IDX_HEAD "\n" IDX_REC("02", "") "\n" IDX_FOOT, "expected an integer" },
		{ IDX_HEAD "\n" IDX_REC("99999999999999999999", "") "\n" IDX_FOOT,
		  "integer out of range" },
		/* mtime_ns may go beyond int64 (after 2262), not beyond time_t */
		{ IDX_HEAD "\n" IDX_REC("2", "99999999999999999999999999999") "\n" IDX_FOOT,
		  "mtime_ns out of range" },
		{ IDX_HEAD "\n" IDX_REC("2", ",\"mode\":420") "\n" IDX_FOOT,
		  "a member appears twice in a file record" },
		{ IDX_HEAD "\n" IDX_REC("2", ",\"x\":{\"y\":1}") "\n" IDX_FOOT,
		  "expected a string or an integer" },
		{ IDX_HEAD "\n" IDX_REC("2", ",\"x\":true") "\n" IDX_FOOT,
		  "expected a string or an integer" },
		{ IDX_HEAD "\n" IDX_REC("2", ",\"x\":[1]") "\n" IDX_FOOT, "unexpected array" },
		{ IDX_HEAD "\n{\"path\":\"a\\u0000.json\",\"size\":2,\"mode\":420,"
		  "\"mtime_ns\":1,\"sha256\":\"" SHA_OF_EMPTY_OBJECT "\"}\n" IDX_FOOT,
		  "NUL character in string" },
		{ IDX_HEAD "\n{\"path\":\"a\t.json\",\"size\":2,\"mode\":420,"
		  "\"mtime_ns\":1,\"sha256\":\"" SHA_OF_EMPTY_OBJECT "\"}\n" IDX_FOOT,
		  "control character in string" },
		{ IDX_HEAD "\n\001" IDX_REC("2", "") "\n" IDX_FOOT, "control character" },
		{ IDX_HEAD "\n{\"path\":\"a.json\",\"size\":2,\"mode\":420,\"mtime_ns\":1}\n"
		  IDX_FOOT, "file record lacks path, size, mode, mtime_ns or sha256" },
		{ IDX_HEAD "\n{\"path\":\"../a.json\",\"size\":2,\"mode\":420,\"mtime_ns\":1,"
		  "\"sha256\":\"" SHA_OF_EMPTY_OBJECT "\"}\n" IDX_FOOT, "'..' path component" },
		{ IDX_HEAD "\n" IDX_REC("2", "") "," IDX_REC("2", "") "\n" IDX_FOOT,
		  "one file record per line expected" },
		{ IDX_HEAD "\n" IDX_REC("2", "") "\n" IDX_REC("2", "") "\n" IDX_FOOT,
		  "missing ',' after the previous record" },
		{ IDX_HEAD "\n" IDX_REC("2", "") ",\n" IDX_FOOT, "',' before ']'" },
		{ IDX_HEAD "\n{\"path\":}\n" IDX_FOOT, "2:9: malformed index: not valid JSON" },
		{ IDX_HEAD "\n" IDX_REC("2", "") "\n" IDX_FOOT "{}\n",
		  "text after the end of the index" },
		{ IDX_HEAD "\n" IDX_REC("2", "") "\n],\"file_count\":1,\"total_bytes\":2} x\n",
		  "text after the end of the index" },
		{ IDX_HEAD "\n" IDX_REC("2", "") "\n],\"file_count\":2,\"total_bytes\":2}\n",
		  "file_count or total_bytes does not match the records" },
		{ IDX_HEAD "\n" IDX_REC("2", "") "\n", "index ends early" },
		{ "{\"format\":\"wsmigrate-backup-2\",\"files\":[\n" IDX_REC("2", "") "\n"
		  IDX_FOOT, "unsupported format" },
		{ "{\"format\":\"wsmigrate-backup-1\"}\n", "expected '\"files\":[' at the end" },
		{ "{\"format\":\"wsmigrate-backup-1\",\"list\":[\n", "unexpected array" },
		{ "[\n", "expected '{'" },
		{ "\n", "empty index" },
	};
	struct fx *f = *state;
	struct events ev;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(verify_with_index(f, cases[i].index, &ev), ERR_DATA);
		assert_int_equal(ev.verify[BACKUP_PROBLEM_INDEX], 1);
		if (!strstr(ev.log, "malformed index") || !strstr(ev.log, cases[i].why))
			fail_msg("case %zu: want '%s', got: %s", i, cases[i].why, ev.log);
	}
}

static void index_reader_refuses_a_line_over_256_kib(void **state)
{
	struct fx *f = *state;
	struct events ev;
	size_t n = 300 * 1024;
	char *index = malloc(n + 1024), *p = index;

	assert_non_null(index);
	p += sprintf(p, "%s\n{\"path\":\"", IDX_HEAD);
	memset(p, 'a', n);
	p += n;
	sprintf(p, "\",\"size\":2,\"mode\":420,\"mtime_ns\":1,\"sha256\":\"%s\"}\n%s",
		SHA_OF_EMPTY_OBJECT, IDX_FOOT);
	assert_int_equal(verify_with_index(f, index, &ev), ERR_DATA);
	assert_non_null(strstr(ev.log, "MANIFEST.json:2: malformed index: line too long"));
	free(index);
}

static void collect_mtime(void *ctx, const struct backup_file *file)
{
	struct events *ev = ctx;
	size_t n = strlen(ev->log);

	snprintf(ev->log + n, sizeof(ev->log) - n, "%s %lld %o\n", file->path,
		 (long long)file->mtime_ns, (unsigned)file->mode);
}

/*
 * Escapes are decoded (the entry name is the decoded path), raw bytes
 * that are not UTF-8 are kept (file names need not be UTF-8), and a
 * nanosecond mtime beyond a double's 53 bits is kept exactly.
 */
static void index_reader_decodes_escapes_keeps_raw_bytes_and_exact_mtime(void **state)
{
	struct fx *f = *state;
	const char *paths[] = { "a\\u00e9\\/x.json", "b\xe9.json", "c\\\\d \\\"q\\\".json" };
	const char *data[] = { "1", "2", "3" };
	struct centry e[] = {
		{ "tree/a\xc3\xa9/x.json", 'f', "1", NULL },
		{ "tree/b\xe9.json", 'f', "2", NULL },
		{ "tree/c\\d \"q\".json", 'f', "3", NULL },
	};
	char *m = index_for(paths, data, 3);
	struct backup_index_info info;
	struct events ev = { { 0 }, { 0 }, "" };
	struct error err;
	char p[PATH_MAX + 64];
	struct stat st;

	snprintf(f->apath, sizeof(f->apath), "%s/esc.tar.zst", f->root);
	craft(f->apath, e, 3, m);
	free(m);
	error_clear(&err);
	assert_int_equal(backup_verify(f->apath, NULL, on_problem, &ev, &err), 0);
	assert_int_equal(backup_read_index(f->apath, &info, collect_mtime, &ev, &err), 0);
	assert_string_equal(ev.log, "a\xc3\xa9/x.json 1700000000123456789 644\n"
			    "b\xe9.json 1700000000123456789 644\n"
			    "c\\d \"q\".json 1700000000123456789 644\n");
	assert_int_equal(backup_restore(f->apath, NULL, f->target, 0, on_restore, &ev, &err), 0);
	snprintf(p, sizeof(p), "%s/b\xe9.json", f->target);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mtim.tv_sec, MTIME_NS / 1000000000);
	assert_int_equal(st.st_mtim.tv_nsec, MTIME_NS % 1000000000);
}

/* ------------------------------------------------ hostile sizes */

/*
 * A small zstd archive that inflates: `dups` copies of tree/a.json ("{}"),
 * then MANIFEST.json of `index_bytes` bytes: a first line, then spaces.
 */
static void craft_bomb(const char *path, int dups, size_t index_bytes)
{
	static const char head[] = IDX_HEAD "\n";
	struct archive *a = archive_write_new();
	struct archive_entry *en = archive_entry_new();
	size_t chunk = 1u << 20, done;
	char *buf = malloc(chunk);
	int i;

	assert_non_null(buf);
	memset(buf, ' ', chunk);
	assert_int_equal(archive_write_add_filter_zstd(a), ARCHIVE_OK);
	assert_int_equal(archive_write_set_format_pax(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (i = 0; i < dups; i++) {
		archive_entry_clear(en);
		archive_entry_copy_pathname(en, "tree/a.json");
		archive_entry_set_filetype(en, AE_IFREG);
		archive_entry_set_perm(en, 0644);
		archive_entry_set_size(en, 2);
		assert_true(archive_write_header(a, en) >= ARCHIVE_WARN);
		assert_int_equal(archive_write_data(a, "{}", 2), 2);
	}
	archive_entry_clear(en);
	archive_entry_copy_pathname(en, "MANIFEST.json");
	archive_entry_set_filetype(en, AE_IFREG);
	archive_entry_set_perm(en, 0600);
	archive_entry_set_size(en, (la_int64_t)index_bytes);
	assert_true(archive_write_header(a, en) >= ARCHIVE_WARN);
	assert_int_equal(archive_write_data(a, head, strlen(head)), (la_ssize_t)strlen(head));
	for (done = strlen(head); done < index_bytes; ) {
		size_t n = index_bytes - done < chunk ? index_bytes - done : chunk;

		assert_int_equal(archive_write_data(a, buf, n), (la_ssize_t)n);
		done += n;
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	archive_entry_free(en);
	free(buf);
}

/* backup_verify with no file of the process allowed past `limit` bytes. */
static int verify_with_fsize_limit(const char *apath, rlim_t limit,
				   struct events *ev, struct error *err)
{
	struct rlimit old, lim;
	int ret;

	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = limit;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	error_clear(err);
	ret = backup_verify(apath, NULL, on_problem, ev, err);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	return ret;
}

/*
 * Issue 12's case: a small archive whose index inflates to 128 MiB.  The
 * index is parsed as it streams out of the archive, so nothing of it is
 * written to $TMPDIR: verify stops at the first line that is too long,
 * and no temporary file reaches 1 MiB.
 */
static void verify_of_an_inflating_index_writes_no_copy_of_it(void **state)
{
	struct fx *f = *state;
	struct events ev = { { 0 }, { 0 }, "" };
	struct error err;
	struct stat st;

	snprintf(f->apath, sizeof(f->apath), "%s/bomb.tar.zst", f->root);
	craft_bomb(f->apath, 1, 128u << 20);
	assert_int_equal(stat(f->apath, &st), 0);
	assert_true(st.st_size < 64 * 1024);
	assert_int_equal(verify_with_fsize_limit(f->apath, 1u << 20, &ev, &err), ERR_DATA);
	assert_non_null(strstr(ev.log, "MANIFEST.json:2: malformed index: line too long"));
	assert_int_equal(ev.verify[BACKUP_PROBLEM_INDEX], 1);
}

/*
 * One entry repeated 50,000 times: each copy is reported as a duplicate
 * when it is met and only the first is kept for the comparison, so the
 * temporary files stay small (they held one record per copy before).
 */
static void verify_of_a_repeated_entry_keeps_one_copy_in_its_spill(void **state)
{
	struct fx *f = *state;
	struct events ev = { { 0 }, { 0 }, "" };
	struct error err;

	snprintf(f->apath, sizeof(f->apath), "%s/dups.tar.zst", f->root);
	craft_bomb(f->apath, 50000, 4096);
	assert_int_equal(verify_with_fsize_limit(f->apath, 1u << 20, &ev, &err), ERR_DATA);
	assert_int_equal(ev.verify[BACKUP_PROBLEM_DUPLICATE], 49999);
	assert_non_null(strstr(ev.log, "duplicate entry|a.json|appears more than once"));
}

/* ------------------------------------------------ run markers */

struct sweep_ctx {
	const char *known_id;   /* the one run the "ledger" holds */
	int fail;               /* known() fails with ERR_IO */
	int asked;
	struct events *ev;
};

static int sweep_known(void *ctx, const char *run_id, int *is_known,
		       struct error *err)
{
	struct sweep_ctx *c = ctx;

	c->asked++;
	if (c->fail)
		return error_set(err, ERR_IO, "ledger unreachable");
	*is_known = c->known_id && !strcmp(run_id, c->known_id);
	return 0;
}

static void sweep_removed(void *ctx, const char *path)
{
	struct sweep_ctx *c = ctx;

	add_log(c->ev, "orphan", path, "");
}

static int exists_in(const char *dir, const char *name)
{
	char p[PATH_MAX + 64];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return access(p, F_OK) == 0;
}

static void sweep_removes_only_the_marked_archives_of_unknown_runs(void **state)
{
	struct fx *f = *state;
	struct events ev = { { 0 }, { 0 }, "" };
	struct sweep_ctx c = { "r2", 0, 0, &ev };
	struct error err;
	char orphan[PATH_MAX];

	write_backup(f, "r1", three, 1);         /* marked, unknown: an orphan */
	snprintf(orphan, sizeof(orphan), "%s", f->apath);
	write_backup(f, "r2", three, 1);         /* marked, committed */
	write_backup(f, "r3", three, 1);         /* no marker: never touched */
	error_clear(&err);
	assert_int_equal(backup_marker_create(f->bdir, "r1", &err), 0);
	assert_int_equal(backup_marker_create(f->bdir, "r2", &err), 0);
	assert_true(exists_in(f->bdir, "r1.uncommitted"));
	assert_int_equal(backup_sweep_orphans(f->bdir, sweep_known, sweep_removed, &c, &err), 0);
	assert_int_equal(c.asked, 2);
	assert_false(exists_in(f->bdir, "r1.tar.zst"));
	assert_false(exists_in(f->bdir, "r1.manifest.json"));
	assert_true(exists_in(f->bdir, "r2.tar.zst"));
	assert_true(exists_in(f->bdir, "r3.tar.zst"));
	assert_false(exists_in(f->bdir, "r1.uncommitted"));
	assert_false(exists_in(f->bdir, "r2.uncommitted"));
	{
		char want[PATH_MAX + 16];

		snprintf(want, sizeof(want), "orphan|%s|\n", orphan);
		assert_string_equal(ev.log, want);
	}
	/* nothing left to sweep; a missing folder has nothing either */
	c.asked = 0;
	assert_int_equal(backup_sweep_orphans(f->bdir, sweep_known, NULL, &c, &err), 0);
	assert_int_equal(c.asked, 0);
	assert_int_equal(backup_sweep_orphans(f->outside, sweep_known, NULL, &c, &err), 0);
	assert_int_equal(backup_sweep_orphans("/nonexistent/wsm", sweep_known, NULL, &c, &err), 0);
}

static void sweep_stops_at_a_ledger_error_and_keeps_the_marker(void **state)
{
	struct fx *f = *state;
	struct events ev = { { 0 }, { 0 }, "" };
	struct sweep_ctx c = { NULL, 1, 0, &ev };
	struct error err;

	write_backup(f, "r1", three, 1);
	error_clear(&err);
	assert_int_equal(backup_marker_create(f->bdir, "r1", &err), 0);
	assert_int_equal(backup_sweep_orphans(f->bdir, sweep_known, sweep_removed, &c, &err),
			 ERR_IO);
	assert_non_null(strstr(err.msg, "ledger unreachable"));
	assert_true(exists_in(f->bdir, "r1.tar.zst"));
	assert_true(exists_in(f->bdir, "r1.uncommitted"));
}

static void marker_is_created_once_private_and_removed_quietly(void **state)
{
	struct fx *f = *state;
	struct error err;
	char p[PATH_MAX + 32];
	struct stat st;

	error_clear(&err);
	assert_int_equal(backup_marker_create(f->outside, "r1", &err), 0);
	snprintf(p, sizeof(p), "%s/r1.uncommitted", f->outside);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(backup_marker_create(f->outside, "r1", &err), ERR_IO);
	assert_non_null(strstr(err.msg, "r1.uncommitted"));
	assert_int_equal(backup_marker_create(f->outside, "../r1", &err), ERR_USAGE);
	backup_marker_remove(f->outside, "r1");
	assert_int_equal(stat(p, &st), -1);
	backup_marker_remove(f->outside, "r1");   /* already gone: fine */
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(written_backup_verifies_without_problems),
		T(restore_into_empty_dir_is_byte_identical_with_mode_and_mtime),
		T(archive_and_index_are_0600_in_a_new_0700_folder),
		T(archive_sha256_matches_the_file_on_disk),
		T(read_index_lists_files_from_beside_and_from_inside),
		T(read_index_calls_back_for_each_file_in_order),
		T(verify_reports_a_flipped_byte_as_sha256_mismatch_naming_the_path),
		T(verify_reports_a_missing_and_an_extra_entry),
		T(verify_of_a_truncated_archive_is_an_io_error_naming_it),
		T(verify_reports_an_archive_sha256_other_than_expected),
		T(restore_refuses_a_traversal_entry_and_writes_nothing),
		T(restore_refuses_an_absolute_entry_and_writes_nothing),
		T(restore_refuses_a_symlink_entry_and_a_file_through_it),
		T(restore_refuses_hard_links_and_entries_outside_tree),
		T(restore_never_writes_through_a_symlink_planted_in_the_target),
		T(restore_refuses_a_symlink_in_place_of_a_file),
		T(restore_refuses_a_tampered_entry_and_writes_nothing),
		T(restore_refuses_an_archive_without_index),
		T(restore_refuses_an_archive_whose_sha256_differs_from_expected),
		T(restore_refuses_a_conflict_without_force_and_writes_nothing),
		T(restore_overwrites_a_conflict_with_force),
		T(restore_leaves_an_identical_file_and_fixes_its_mtime),
		T(restore_dry_run_reports_and_writes_nothing),
		T(restore_creates_a_missing_target_folder),
		T(cleanup_partials_removes_leftovers_and_reports_them),
		T(writer_abort_removes_the_partial),
		T(writer_rejects_unsafe_paths_and_bad_run_ids),
		T(writer_refuses_to_overwrite_an_existing_backup),
		T(backup_remove_deletes_archive_and_index),
		T(writer_keeps_the_queue_within_its_byte_bound),
		T(sha256_file_gives_the_known_digest),
		T(an_empty_backup_and_an_empty_file_round_trip),
		T(writer_reports_a_failing_archive_write_and_removes_the_partial),
		T(writer_refuses_files_out_of_walk_order_or_twice),
		T(restore_refuses_a_duplicate_entry_and_writes_nothing),
		T(restore_refuses_entries_out_of_index_order_and_writes_nothing),
		T(restore_refuses_an_index_listing_a_path_twice_or_out_of_order),
		T(restore_refuses_a_path_that_is_both_a_file_and_a_folder),
		T(index_of_the_right_shape_verifies),
		T(index_reader_refuses_malformed_lines_naming_the_line),
		T(index_reader_refuses_a_line_over_256_kib),
		T(index_reader_decodes_escapes_keeps_raw_bytes_and_exact_mtime),
		T(verify_of_an_inflating_index_writes_no_copy_of_it),
		T(verify_of_a_repeated_entry_keeps_one_copy_in_its_spill),
		T(sweep_removes_only_the_marked_archives_of_unknown_runs),
		T(sweep_stops_at_a_ledger_error_and_keeps_the_marker),
		T(marker_is_created_once_private_and_removed_quietly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
