/*
 * walk.c - a sorted, iterative directory walk that never leaves the tree.
 * It reads no file contents: the pipeline reads each file once, itself.
 */
#include "walk.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util.h"

struct frame {
	char **names;
	size_t n, next;
	size_t rel_len;        /* length of the relative dir path incl. '/' */
	int overflow_reported; /* names too long for a path: reported once */
};

struct walk {
	char root[PATH_MAX];
	size_t root_len;
	struct frame *stack;
	size_t depth, cap;
	char rel[PATH_MAX];    /* current relative path being built */
	char abs[PATH_MAX * 2];
	char target[PATH_MAX];
	char errbuf[512];
	char errpath[PATH_MAX]; /* a folder reported for what it holds */
	char **excludes;
	size_t n_excludes;
	long ignored;
};

int walk_path_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i, n = alen < blen ? alen : blen;

	for (i = 0; i < n; i++) {
		unsigned char ca = (unsigned char)a[i], cb = (unsigned char)b[i];

		if (ca == cb)
			continue;
		if (ca == '/')
			return -1;
		if (cb == '/')
			return 1;
		return ca < cb ? -1 : 1;
	}
	return alen < blen ? -1 : alen > blen;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void frame_release(struct frame *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		free(f->names[i]);
	free(f->names);
	f->names = NULL;
	f->n = 0;
}

/* Read and sort a directory's names.  Returns 0, or errno. */
static int read_dir(const char *path, struct frame *f)
{
	DIR *d = opendir(path);
	struct dirent *de;
	size_t cap = 0;

	f->names = NULL;
	f->n = f->next = 0;
	if (!d)
		return errno;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (ALLOC_GROW(f->names, f->n + 1, cap)) {
			closedir(d);
			frame_release(f);
			return ENOMEM;
		}
		f->names[f->n] = strdup(de->d_name);
		if (!f->names[f->n]) {
			closedir(d);
			frame_release(f);
			return ENOMEM;
		}
		f->n++;
	}
	closedir(d);
	if (f->n > 1)
		qsort(f->names, f->n, sizeof(*f->names), cmp_names);
	return 0;
}

static int push(struct walk *w, size_t rel_len, struct error *err)
{
	struct frame *f;
	int e;

	if (ALLOC_GROW(w->stack, w->depth + 1, w->cap)) {
		error_set(err, ERR_IO, "out of memory");
		return -1;
	}
	f = &w->stack[w->depth];
	snprintf(w->abs, sizeof(w->abs), "%s/%.*s", w->root, (int)rel_len, w->rel);
	e = read_dir(w->abs, f);
	if (e)
		return e;
	f->rel_len = rel_len;
	f->overflow_reported = 0;
	w->depth++;
	return 0;
}

int walk_open(const char *root, struct walk **out, struct error *err)
{
	struct walk *w;
	struct stat st;
	int e;

	*out = NULL;
	if (stat(root, &st) < 0)
		return error_set(err, ERR_USAGE, "cannot read the tree '%s': %s", root,
				 strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return error_set(err, ERR_USAGE, "the tree '%s' is not a directory", root);
	w = calloc(1, sizeof(*w));
	if (!w)
		return error_set(err, ERR_IO, "out of memory");
	if (!realpath(root, w->root)) {
		e = errno;
		free(w);
		return error_set(err, ERR_IO, "cannot resolve '%s': %s", root, strerror(e));
	}
	w->root_len = strlen(w->root);
	if (w->root_len == 1)   /* "/" */
		w->root_len = 0, w->root[0] = '\0';
	e = push(w, 0, err);
	if (e) {
		walk_close(w);
		if (e > 0)
			return error_set(err, ERR_IO, "cannot read the tree '%s': %s",
					 root, strerror(e));
		return ERR_IO;
	}
	*out = w;
	return 0;
}

int walk_exclude(struct walk *w, const char *path, struct error *err)
{
	char real[PATH_MAX];
	char **p;

	if (!realpath(path, real))
		return 0;       /* does not exist (yet): nothing to exclude */
	p = realloc(w->excludes, (w->n_excludes + 1) * sizeof(*p));
	if (!p)
		return error_set(err, ERR_IO, "out of memory");
	w->excludes = p;
	w->excludes[w->n_excludes] = strdup(real);
	if (!w->excludes[w->n_excludes])
		return error_set(err, ERR_IO, "out of memory");
	w->n_excludes++;
	return 0;
}

static int excluded(const struct walk *w, const char *abs)
{
	size_t i;

	for (i = 0; i < w->n_excludes; i++)
		if (strcmp(w->excludes[i], abs) == 0)
			return 1;
	return 0;
}

int walk_is_json_name(const char *name)
{
	size_t n = strlen(name);

	return n > 5 && strcasecmp(name + n - 5, ".json") == 0;
}

/* 1 when the canonical path `real` is the root or below it. */
static int inside_root(const struct walk *w, const char *real)
{
	return strncmp(real, w->root, w->root_len) == 0 &&
	       (real[w->root_len] == '/' || real[w->root_len] == '\0');
}

int walk_next(struct walk *w, struct walk_entry *e, struct error *err)
{
	memset(e, 0, sizeof(*e));
	while (w->depth > 0) {
		struct frame *f = &w->stack[w->depth - 1];
		const char *name;
		size_t rel_len;
		struct stat st;

		if (f->next == f->n) {
			frame_release(f);
			w->depth--;
			continue;
		}
		name = f->names[f->next++];
		rel_len = f->rel_len + strlen(name);
		if (rel_len + 2 >= sizeof(w->rel)) {
			/* a path too long to build: report the folder, once,
			 * counting every such entry in it (the folder's path
			 * fits: it was built) */
			size_t k, over = 0;

			if (f->overflow_reported)
				continue;
			f->overflow_reported = 1;
			for (k = f->next - 1; k < f->n; k++)
				if (f->rel_len + strlen(f->names[k]) + 2 >= sizeof(w->rel))
					over++;
			snprintf(w->errpath, sizeof(w->errpath), "%.*s",
				 (int)(f->rel_len ? f->rel_len - 1 : 0), w->rel);
			snprintf(w->errbuf, sizeof(w->errbuf),
				 "%zu entr%s of this folder (first '%.40s...') ha%s a path"
				 " longer than %zu bytes: not read",
				 over, over == 1 ? "y" : "ies", name, over == 1 ? "s" : "ve",
				 sizeof(w->rel) - 2);
			e->relpath = w->errpath;
			e->abspath = w->errpath;
			e->kind = WALK_ERROR;
			e->error = w->errbuf;
			return 1;
		}
		memcpy(w->rel + f->rel_len, name, strlen(name) + 1);
		snprintf(w->abs, sizeof(w->abs), "%s/%s", w->root, w->rel);
		e->relpath = w->rel;
		e->abspath = w->abs;
		if (lstat(w->abs, &st) < 0) {
			snprintf(w->errbuf, sizeof(w->errbuf), "cannot stat: %s", strerror(errno));
			e->kind = WALK_ERROR;
			e->error = w->errbuf;
			return 1;
		}
		if (S_ISDIR(st.st_mode)) {
			int rc;

			if (strcmp(name, ".git") == 0 || excluded(w, w->abs))
				continue;
			w->rel[rel_len] = '/';
			w->rel[rel_len + 1] = '\0';
			rc = push(w, rel_len + 1, err);
			if (rc > 0) {
				w->rel[rel_len] = '\0';
				snprintf(w->errbuf, sizeof(w->errbuf),
					 "cannot read directory: %s", strerror(rc));
				e->kind = WALK_ERROR;
				e->error = w->errbuf;
				return 1;
			}
			if (rc < 0)
				return -1;
			continue;
		}
		if (S_ISLNK(st.st_mode)) {
			/* never followed (see walk.h): listed, with where it leads */
			struct stat tst;
			int resolved = realpath(w->abs, w->target) != NULL;
			int in_tree = resolved && inside_root(w, w->target);
			int to_dir = resolved && stat(w->target, &tst) == 0 &&
				     S_ISDIR(tst.st_mode);
			const char *rel_target = in_tree && w->target[w->root_len] ?
						 w->target + w->root_len + 1 : ".";

			if (!to_dir && !walk_is_json_name(name)) {
				w->ignored++;       /* a non-JSON file like any other */
				continue;
			}
			e->st = st;
			e->error = w->errbuf;
			if (to_dir && in_tree) {
				e->kind = WALK_LINK_DIR;
				snprintf(w->errbuf, sizeof(w->errbuf),
					 "symbolic link to the folder '%s' of the tree (not followed)",
					 rel_target);
			} else if (to_dir) {
				e->kind = WALK_LINK_DIR;
				snprintf(w->errbuf, sizeof(w->errbuf),
					 "symbolic link to a folder outside the tree (not followed)");
			} else if (!resolved) {
				e->kind = WALK_LINK_OUTSIDE;
				snprintf(w->errbuf, sizeof(w->errbuf),
					 "dangling symbolic link (not followed)");
			} else if (!in_tree) {
				e->kind = WALK_LINK_OUTSIDE;
				snprintf(w->errbuf, sizeof(w->errbuf),
					 "symbolic link leads outside the tree (not followed)");
			} else {
				e->kind = WALK_LINK_FILE;
				snprintf(w->errbuf, sizeof(w->errbuf),
					 "symbolic link to '%s' (not followed: that file is"
					 " imported under its own name)", rel_target);
			}
			return 1;
		}
		if (!walk_is_json_name(name)) {
			w->ignored++;
			continue;
		}
		if (!S_ISREG(st.st_mode)) {
			e->kind = WALK_ERROR;
			e->error = "not a regular file";
			e->st = st;
			return 1;
		}
		e->kind = WALK_FILE;
		e->st = st;
		return 1;
	}
	return 0;
}

long walk_ignored(const struct walk *w)
{
	return w->ignored;
}

const char *walk_root(const struct walk *w)
{
	return w->root_len ? w->root : "/";
}

void walk_close(struct walk *w)
{
	size_t i;

	if (!w)
		return;
	for (i = 0; i < w->depth; i++)
		frame_release(&w->stack[i]);
	free(w->stack);
	for (i = 0; i < w->n_excludes; i++)
		free(w->excludes[i]);
	free(w->excludes);
	free(w);
}
