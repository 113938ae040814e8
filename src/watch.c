/*
 * watch.c - wait for a tree to change and settle (watch.h): inotify on
 * every folder, or polling a signature of the tree when inotify is not
 * there.
 */
#include "watch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "walk.h"

#define MASK (IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM | \
	      IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | \
	      IN_DONT_FOLLOW | IN_EXCL_UNLINK)

struct wdir {
	int wd;
	char *path;            /* absolute */
};

struct watch {
	char *tree;
	char *exclude;         /* realpath of a folder not to watch, or NULL */
	int fd;                /* inotify, or -1 when polling */
	struct wdir *dirs;
	size_t n, alloc;
	char why[256];         /* why it polls */
	uint64_t sig;          /* polling: the last signature */
};

/* "<dir>/<name>", malloc'ed, or NULL when out of memory. */
static char *path_join(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	char *p = malloc(a + b + 2);

	if (p) {
		memcpy(p, dir, a);
		p[a] = '/';
		memcpy(p + a + 1, name, b + 1);
	}
	return p;
}

static double now_ms(void)
{
	return util_monotonic() * 1000.0;
}

/* ------------------------------------------------------------ inotify */

static void fall_back(struct watch *w, const char *why)
{
	size_t i;

	snprintf(w->why, sizeof(w->why), "%s", why);
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	for (i = 0; i < w->n; i++)
		free(w->dirs[i].path);
	w->n = 0;
}

/* Watch `dir` and every folder below it (symlinks are not followed). */
static int add_tree(struct watch *w, const char *dir, struct error *err)
{
	struct dirent *e;
	DIR *d;
	int wd;
	size_t i;

	if (w->fd < 0)
		return 0;
	if (w->exclude) {
		char *real = realpath(dir, NULL);
		int same = real && !strcmp(real, w->exclude);

		free(real);
		if (same)
			return 0;
	}
	wd = inotify_add_watch(w->fd, dir, MASK);
	if (wd < 0) {
		if (errno == ENOSPC || errno == ENOMEM) {
			fall_back(w, "the inotify watch limit is reached "
				  "(fs.inotify.max_user_watches)");
			return 0;
		}
		return 0;   /* gone meanwhile, or unreadable: nothing to watch */
	}
	for (i = 0; i < w->n && w->dirs[i].wd != wd; i++)
		;
	if (i == w->n) {
		if (ALLOC_GROW(w->dirs, w->n + 1, w->alloc) ||
		    !(w->dirs[w->n].path = util_strdup(dir)))
			return error_set(err, ERR_IO, "out of memory");
		w->dirs[w->n++].wd = wd;
	}
	if (!(d = opendir(dir)))
		return 0;
	while ((e = readdir(d)) && w->fd >= 0) {
		struct stat st;
		char *sub;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN)
			continue;
		if (!(sub = path_join(dir, e->d_name))) {
			closedir(d);
			return error_set(err, ERR_IO, "out of memory");
		}
		if (!lstat(sub, &st) && S_ISDIR(st.st_mode) && add_tree(w, sub, err)) {
			free(sub);
			closedir(d);
			return ERR_IO;
		}
		free(sub);
	}
	closedir(d);
	return 0;
}

static void drop_wd(struct watch *w, int wd)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		if (w->dirs[i].wd == wd) {
			free(w->dirs[i].path);
			w->dirs[i] = w->dirs[--w->n];
			return;
		}
}

static const char *wd_path(const struct watch *w, int wd)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		if (w->dirs[i].wd == wd)
			return w->dirs[i].path;
	return NULL;
}

/*
 * Read what is queued: 1 when any event counts, 0 when none, -1 (err).
 * New folders are watched as they appear.
 */
static int drain(struct watch *w, struct error *err)
{
	_Alignas(struct inotify_event) char buf[16384];
	int counts = 0;

	for (;;) {
		ssize_t n = read(w->fd, buf, sizeof(buf)), off;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return counts;
		if (n <= 0)
			return error_set(err, ERR_IO, "inotify: %s",
					 n < 0 ? strerror(errno) : "end of file"), -1;
		for (off = 0; off < n;) {
			const struct inotify_event *ev = (const void *)(buf + off);
			const char *name = ev->len ? ev->name : "";

			off += (ssize_t)sizeof(*ev) + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				counts = 1;
				continue;
			}
			if (ev->mask & IN_IGNORED) {
				drop_wd(w, ev->wd);
				continue;
			}
			if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
				counts = 1;
				continue;
			}
			if (ev->mask & IN_ISDIR) {
				counts = 1;
				if (ev->mask & (IN_CREATE | IN_MOVED_TO)) {
					const char *dir = wd_path(w, ev->wd);
					char *sub = dir ? path_join(dir, name) : NULL;

					if (dir && !sub)
						return error_set(err, ERR_IO, "out of memory"), -1;
					if (sub && add_tree(w, sub, err)) {
						free(sub);
						return -1;
					}
					free(sub);
					if (w->fd < 0)
						return 1;
				}
				continue;
			}
			if (walk_is_json_name(name))
				counts = 1;
		}
	}
}

/* ------------------------------------------------------------ polling */

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--)
		h = (h ^ *c++) * 1099511628211ull;
	return h;
}

/* FNV-1a over the names, sizes and mtimes of folders and JSON files. */
static uint64_t signature(const struct watch *w, const char *dir, uint64_t h)
{
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return mix(h, "?", 1);
	while ((e = readdir(d))) {
		struct stat st;
		char *p;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (!(p = path_join(dir, e->d_name)))
			break;
		if (!lstat(p, &st) && (S_ISDIR(st.st_mode) || walk_is_json_name(e->d_name))) {
			h = mix(h, p, strlen(p));
			h = mix(h, &st.st_size, sizeof(st.st_size));
			h = mix(h, &st.st_mtim, sizeof(st.st_mtim));
			if (S_ISDIR(st.st_mode)) {
				char *real = w->exclude ? realpath(p, NULL) : NULL;

				if (!real || strcmp(real, w->exclude))
					h = signature(w, p, h);
				free(real);
			}
		}
		free(p);
	}
	closedir(d);
	return h;
}

/* ------------------------------------------------------------ API */

int watch_open(const char *tree, const char *exclude, struct watch **out,
	       struct error *err)
{
	struct watch *w = calloc(1, sizeof(*w));

	*out = NULL;
	if (!w || !(w->tree = util_strdup(tree))) {
		free(w);
		return error_set(err, ERR_IO, "out of memory");
	}
	if (exclude)
		w->exclude = realpath(exclude, NULL);   /* NULL when absent */
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0)
		snprintf(w->why, sizeof(w->why), "inotify is not available: %s", strerror(errno));
	if (add_tree(w, tree, err)) {
		watch_close(w);
		return ERR_IO;
	}
	if (w->fd < 0)
		w->sig = signature(w, tree, 1469598103934665603ull);
	*out = w;
	return 0;
}

void watch_exclude(struct watch *w, const char *dir)
{
	char *real = realpath(dir, NULL);
	size_t i;

	if (!real)
		return;
	free(w->exclude);
	w->exclude = real;
	for (i = 0; w->fd >= 0 && i < w->n; i++) {
		char *r = realpath(w->dirs[i].path, NULL);

		if (r && !strcmp(r, real))
			inotify_rm_watch(w->fd, w->dirs[i].wd);   /* IN_IGNORED drops it */
		free(r);
	}
}

int watch_polling(const struct watch *w)
{
	return w->fd < 0;
}

const char *watch_polling_reason(const struct watch *w)
{
	return w->why;
}

/* Sleep up to ms, or until *stop. */
static void nap(int ms, volatile sig_atomic_t *stop)
{
	if (!*stop)
		poll(NULL, 0, ms);
}

static int wait_polling(struct watch *w, int settle_ms, volatile sig_atomic_t *stop)
{
	uint64_t s;
	double first = 0;

	for (;;) {
		if (*stop)
			return 0;
		nap(first ? (settle_ms > WATCH_POLL_MS ? WATCH_POLL_MS : settle_ms) : WATCH_POLL_MS,
		    stop);
		if (*stop)
			return 0;
		s = signature(w, w->tree, 1469598103934665603ull);
		if (s != w->sig) {
			w->sig = s;
			if (!first)
				first = now_ms();
			if (now_ms() - first < WATCH_MAX_WAIT_MS)
				continue;   /* still changing: wait for it to settle */
		}
		if (first)
			return 1;
	}
}

int watch_wait(struct watch *w, int settle_ms, volatile sig_atomic_t *stop,
	       struct error *err)
{
	struct pollfd p;
	double first = 0, last = 0;
	int r;

	if (w->fd < 0)
		return wait_polling(w, settle_ms, stop);
	p.fd = w->fd;
	p.events = POLLIN;
	for (;;) {
		int timeout = -1;

		if (*stop)
			return 0;
		if (first) {
			double t = now_ms(), until = last + settle_ms;

			if (until > first + WATCH_MAX_WAIT_MS)
				until = first + WATCH_MAX_WAIT_MS;
			if (t >= until)
				return 1;
			timeout = (int)(until - t) + 1;
		}
		r = poll(&p, 1, timeout);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return error_set(err, ERR_IO, "poll: %s", strerror(errno));
		if (r == 0)
			continue;   /* the deadline is checked above */
		r = drain(w, err);
		if (r < 0)
			return ERR_IO;
		if (w->fd < 0) {
			/* the watch limit was reached: poll from now on */
			w->sig = signature(w, w->tree, 1469598103934665603ull);
			return 1;
		}
		if (r) {
			last = now_ms();
			if (!first)
				first = last;
		}
	}
}

void watch_close(struct watch *w)
{
	size_t i;

	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	for (i = 0; i < w->n; i++)
		free(w->dirs[i].path);
	free(w->dirs);
	free(w->tree);
	free(w->exclude);
	free(w);
}
