/*
 * fuzz.h - what the libFuzzer targets in tests/fuzz/fuzz_*.c share: the
 * entry points' prototypes, a private scratch folder, and small file
 * helpers.  Targets use only the public headers in include/, so they keep
 * working when the modules behind them move.
 *
 * A target that finds a broken invariant calls fuzz_fail(), which prints
 * the reason and aborts: libFuzzer then saves the input as a crash.
 */
#ifndef WSM_FUZZ_H
#define WSM_FUZZ_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);
const char *__ubsan_default_options(void);

/*
 * The library is built with recoverable UBSan checks (see the Makefile's
 * FUZZ_SAN) so that a known finding can be suppressed while its fix is
 * pending; every other one must still stop the target.
 */
const char *__ubsan_default_options(void)
{
	return "halt_on_error=1:print_stacktrace=1";
}

static inline void fuzz_fail(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

static inline void fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz: invariant broken: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

#define FUZZ_CHECK(cond, ...) do { if (!(cond)) fuzz_fail(__VA_ARGS__); } while (0)

/*
 * A scratch folder of this process, made once: under /dev/shm when it is
 * writable (no disk traffic, syncfs is cheap), else under $TMPDIR or /tmp.
 * Removed at exit.  Returns its path (static storage).
 */
static char fuzz_scratch_path[256];

static inline int fuzz_rm_one(const char *p, const struct stat *sb, int flag,
			      struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(p) < 0 && errno != ENOENT ? -1 : 0;
	return unlink(p) < 0 && errno != ENOENT ? -1 : 0;
}

/* Remove `path` and everything below it, never following a symlink. */
static inline int fuzz_rm_rf(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	return nftw(path, fuzz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static inline void fuzz_scratch_cleanup(void)
{
	if (fuzz_scratch_path[0])
		fuzz_rm_rf(fuzz_scratch_path);
}

static inline const char *fuzz_scratch(void)
{
	const char *base;

	if (fuzz_scratch_path[0])
		return fuzz_scratch_path;
	base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
	if (!base || !*base)
		base = "/tmp";
	snprintf(fuzz_scratch_path, sizeof(fuzz_scratch_path), "%s/wsm-fuzz-XXXXXX", base);
	if (!mkdtemp(fuzz_scratch_path)) {
		perror("fuzz: mkdtemp");
		exit(2);
	}
	atexit(fuzz_scratch_cleanup);
	/* spill files of the module under test stay in the scratch folder too */
	setenv("TMPDIR", fuzz_scratch_path, 1);
	return fuzz_scratch_path;
}

/* Write data[0..size) to `path` (created 0600 or truncated); 0 or -1. */
static inline int fuzz_write_file(const char *path, const void *data, size_t size)
{
	const char *p = data;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		return -1;
	while (size) {
		ssize_t w = write(fd, p, size);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		p += w;
		size -= (size_t)w;
	}
	return close(fd);
}

/* A NUL-terminated copy of data[0..size) (malloc'ed; exits when out of memory). */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s) {
		perror("fuzz: malloc");
		exit(2);
	}
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/*
 * The repository root: $WSM_ROOT when set, else three levels above the
 * binary (BUILD/fuzz/fuzz_NAME).  Returns NULL when neither is usable.
 */
static inline const char *fuzz_repo_root(void)
{
	static char root[4096];
	const char *env = getenv("WSM_ROOT");
	ssize_t n;
	int up;

	if (env && *env)
		return env;
	n = readlink("/proc/self/exe", root, sizeof(root) - 1);
	if (n <= 0)
		return NULL;
	root[n] = '\0';
	for (up = 0; up < 3; up++) {
		char *slash = strrchr(root, '/');

		if (!slash)
			return NULL;
		*slash = '\0';
	}
	return root[0] ? root : "/";
}

#endif
