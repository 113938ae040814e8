/*
 * infer/paths.c - pass 1 of `wsmigrate init`: group the paths of a tree by
 * their shape, from the structure of the tree alone (no list of known
 * names, no file contents).
 *
 * Each folder is summarised when the walk leaves it, as a list of entries
 * "relative folder glob + file name or file-name family + count".  A
 * sub-folder whose name varies (digits, a date, an id) is folded into the
 * folder's '*' summary at once; sub-folders with fixed names are kept
 * apart, then folded into '*' too when at least two of them (or one and the
 * '*' summary) hold alike sub-trees.  Memory is bounded by the depth of the
 * tree times the capped size of a summary, not by the number of files.
 * The groups themselves are cut from the root's summary by
 * infer_paths_finish().
 */
#include "internal.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "walk.h"

#define MAX_SEG 16             /* segments whose variation is described */
#define MAX_ENTRIES 1024       /* entries per folder summary */
#define MAX_LITERAL_FILES 64   /* distinct fixed file names per folder */
#define MAX_FAMILIES 64        /* distinct file-name families per folder */
#define MAX_LITERAL_DIRS 256   /* sub-folders with fixed names kept apart */
#define SHAPE_MAX 512

/* ------------------------------------------------------------ names */

static int is_sep(int c)
{
	return c == '_' || c == '-' || c == '.' || c == ' ';
}

static int is_hex(int c)
{
	return isxdigit((unsigned char)c) != 0;
}

static int is_alnum(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Length of a uuid (8-4-4-4-12 hex digits) at s, or 0. */
static size_t uuid_at(const char *s, size_t n)
{
	static const int groups[] = { 8, 4, 4, 4, 12 };
	size_t i = 0, g;
	int k;

	for (g = 0; g < 5; g++) {
		for (k = 0; k < groups[g]; k++, i++)
			if (i >= n || !is_hex(s[i]))
				return 0;
		if (g < 4) {
			if (i >= n || s[i] != '-')
				return 0;
			i++;
		}
	}
	return i;
}

/*
 * Length of an id-like run at s: digit runs joined by single date/time
 * separators ("2025-08-13T14:15:30" is one run), or a run of >= 8 hex
 * digits holding a digit, ending at a word boundary.  0 when none.
 */
static size_t idrun_at(const char *s, size_t n)
{
	size_t i = 0, j;
	int digit = 0;

	if (s[0] >= '0' && s[0] <= '9') {
		while (i < n) {
			size_t start = i;

			while (i < n && s[i] >= '0' && s[i] <= '9')
				i++;
			/* '_' joins only date-like runs: 20250811_093716, not 3_0007 */
			if (i + 1 < n && (s[i] == '-' || s[i] == ':' || s[i] == '.' ||
					  s[i] == 'T' || (s[i] == '_' && i - start >= 4)) &&
			    s[i + 1] >= '0' && s[i + 1] <= '9')
				i++;
			else
				break;
		}
	}
	/* a hex hash that may start with a digit or a letter */
	for (j = 0; j < n && is_hex(s[j]); j++)
		if (s[j] >= '0' && s[j] <= '9')
			digit = 1;
	if (j >= 8 && digit && (j == n || !is_alnum(s[j])) && j > i)
		return j;
	return i;
}

enum infer_name_kind infer_name_shape(const char *name, size_t len,
				      char *out, size_t size)
{
	size_t i = 0, o = 0, u, ndig = 0, k;
	int any = 0, whole_id = 1;

	if (size == 0)
		return INFER_NAME_PLAIN;
	for (k = 0; k < len; k++)
		if (name[k] >= '0' && name[k] <= '9')
			ndig++;
	while (i < len) {
		int word_start = i == 0 || !is_alnum(name[i - 1]);

		u = word_start ? uuid_at(name + i, len - i) : 0;
		if (u == 0 && (word_start || (name[i] >= '0' && name[i] <= '9')))
			u = idrun_at(name + i, len - i);
		if (u > 0) {
			if (o + 1 < size)
				out[o++] = '#';
			i += u;
			any = 1;
			continue;
		}
		if (o + 1 < size)
			out[o++] = (char)tolower((unsigned char)name[i]);
		if (is_alnum(name[i]) || !is_sep(name[i]))
			whole_id = 0;
		i++;
	}
	out[o] = '\0';
	if (!any)
		return INFER_NAME_PLAIN;
	/* only ids and separators, e.g. "2025-08-13", "4711", a uuid */
	if (whole_id && (ndig > 0))
		return INFER_NAME_ID;
	return INFER_NAME_NUMBERED;
}

void infer_ident(const char *s, const char *fallback, char *out, size_t size)
{
	size_t o = 0, i;
	int pending = 0;
	char tmp[128];

	for (i = 0; s && s[i] && o + 2 < sizeof(tmp); i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 'A' && c <= 'Z' && i > 0 &&
		    ((s[i - 1] >= 'a' && s[i - 1] <= 'z') || (s[i - 1] >= '0' && s[i - 1] <= '9')))
			pending = 1;
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')) {
			if (pending && o > 0)
				tmp[o++] = '_';
			pending = 0;
			tmp[o++] = (char)tolower(c);
		} else {
			pending = 1;
		}
	}
	while (o > 48)
		o--;
	while (o > 0 && tmp[o - 1] == '_')
		o--;
	tmp[o] = '\0';
	if (o == 0) {
		snprintf(out, size, "%s", fallback);
		return;
	}
	if (tmp[0] < 'a' || tmp[0] > 'z')
		snprintf(out, size, "%c_%s", fallback[0] ? fallback[0] : 'x', tmp);
	else if (strncmp(tmp, "wsm_", 4) == 0)
		snprintf(out, size, "x_%s", tmp);
	else
		snprintf(out, size, "%s", tmp);
}

int infer_is_id_name(const char *key)
{
	static const char *const whole[] = { "id", "uuid", "guid", "key", NULL };
	static const char *const tails[] = { "_id", "-id", "_uuid", "-uuid", "_guid", "_key", NULL };
	char low[64];
	size_t n = strlen(key), i;

	if (n == 0 || n >= sizeof(low))
		return 0;
	for (i = 0; i <= n; i++)
		low[i] = (char)tolower((unsigned char)key[i]);
	for (i = 0; whole[i]; i++)
		if (!strcmp(low, whole[i]))
			return 1;
	for (i = 0; tails[i]; i++) {
		size_t t = strlen(tails[i]);

		if (n > t && !strcmp(low + n - t, tails[i]))
			return 1;
	}
	/* camelCase: taskId, messageID */
	if (n > 2 && key[n - 2] == 'I' && (key[n - 1] == 'd' || key[n - 1] == 'D') &&
	    key[n - 3] >= 'a' && key[n - 3] <= 'z')
		return 1;
	return 0;
}

/* Append s[0..n) to sb with the glob metacharacters escaped. */
static void add_glob_literal(struct strbuf *sb, const char *s, size_t n, int at_start)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\' ||
		    (c == '(' && i == 0 && at_start))
			strbuf_add(sb, "\\", 1);
		strbuf_add(sb, &c, 1);
	}
}

/* ------------------------------------------------------------ glob order */

/* How specific one glob segment is: higher sorts first. */
static long seg_score(const char *s, size_t n)
{
	size_t i;
	long lit = 0;
	int wild = 0;

	if (n == 2 && s[0] == '*' && s[1] == '*')
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n) {
			i++;
			lit++;
		} else if (s[i] == '*' || s[i] == '?' || s[i] == '[') {
			wild = 1;
		} else {
			lit++;
		}
	}
	return wild ? lit : 100000 + lit;
}

int infer_glob_cmp(const char *a, const char *b)
{
	while (*a && *b) {
		size_t na = strcspn(a, "/"), nb = strcspn(b, "/");

		if (na != nb || memcmp(a, b, na) != 0) {
			long sa = seg_score(a, na), sb = seg_score(b, nb);
			int c;

			if (sa != sb)
				return sa > sb ? -1 : 1;
			c = strncmp(a, b, na < nb ? na : nb);
			if (c)
				return c;
			return na < nb ? -1 : 1;
		}
		a += na;
		b += nb;
		if (*a == '/')
			a++;
		if (*b == '/')
			b++;
	}
	return *a ? 1 : *b ? -1 : 0;
}

/* ------------------------------------------------------------ summaries */

struct pent {
	char *key;                  /* identity: dir, kind, lower-cased name parts */
	char *dir;                  /* escaped glob segments below the folder, "" = in it */
	int fam;                    /* 0: the file name `name`; 1: family prefix*suffix */
	char *name;                 /* file name, or family prefix (first member's case) */
	char *suffix;               /* family: the part after the variable one, before ".json" */
	int ci;                     /* members differ in case */
	unsigned long count;
	char *ex[2];
	unsigned long nvar[MAX_SEG];
	uint32_t vname[MAX_SEG];    /* the one folder merged at segment i (hash), 1: several */
	int bound;                  /* families folded by fold_bound_families() */
	int ext_ci;                 /* some member ends in ".JSON" or the like */
};

struct psum {
	struct pent *e;
	size_t n, cap;
};

struct pkid {
	char *name;
	struct psum sum;
};

struct pframe {
	char *name;
	struct psum files;
	struct pkid *kids;
	size_t n_kids, cap_kids;
	struct psum wild;
};

struct infer_paths {
	struct pframe *st;
	size_t depth, cap;          /* frames in use (the root is st[0]) */
	char *last;                 /* previous path, for the order check */
	int oom;
};

static void pent_release(struct pent *e)
{
	free(e->key);
	free(e->dir);
	free(e->name);
	free(e->suffix);
	free(e->ex[0]);
	free(e->ex[1]);
}

static void psum_release(struct psum *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		pent_release(&s->e[i]);
	free(s->e);
	s->e = NULL;
	s->n = s->cap = 0;
}

static char *make_key(const char *dir, int fam, const char *name, const char *suffix)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	strbuf_addstr(&sb, dir);
	strbuf_addstr(&sb, fam ? "\x1f" "F" : "\x1f" "L");
	for (i = 0; name[i]; i++) {
		char c = fam ? (char)tolower((unsigned char)name[i]) : name[i];

		strbuf_add(&sb, &c, 1);
	}
	strbuf_add(&sb, "\x1f", 1);
	for (i = 0; suffix && suffix[i]; i++) {
		char c = (char)tolower((unsigned char)suffix[i]);

		strbuf_add(&sb, &c, 1);
	}
	if (sb.failed) {
		strbuf_release(&sb);
		return NULL;
	}
	return sb.buf ? sb.buf : strdup("");
}

static struct pent *psum_find(struct psum *s, const char *key)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->e[i].key, key))
			return &s->e[i];
	return NULL;
}

/* A new entry at the end of s (zeroed), or NULL when out of memory. */
static struct pent *psum_push(struct psum *s)
{
	if (ALLOC_GROW(s->e, s->n + 1, s->cap))
		return NULL;
	memset(&s->e[s->n], 0, sizeof(s->e[0]));
	return &s->e[s->n++];
}

static int add_example(struct pent *e, const char *path)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (!e->ex[i]) {
			e->ex[i] = strdup(path);
			return e->ex[i] ? 0 : -1;
		}
	}
	return 0;
}

/* 1 when paths a and b have the same i-th '/' segment. */
static int same_segment(const char *a, const char *b, size_t i)
{
	size_t k, na, nb;

	for (k = 0; k < i && a && b; k++) {
		a = strchr(a, '/');
		b = strchr(b, '/');
		a = a ? a + 1 : NULL;
		b = b ? b + 1 : NULL;
	}
	if (!a || !b)
		return !a && !b;
	na = strcspn(a, "/");
	nb = strcspn(b, "/");
	return na == nb && !memcmp(a, b, na);
}

/* A hash of a folder name, never 0 (none) or 1 (several). */
static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h < 2 ? h + 2 : h;
}

static void note_folder(uint32_t *slot, uint32_t h)
{
	if (!h)
		return;
	if (*slot == 0)
		*slot = h;
	else if (*slot != h)
		*slot = 1;
}

/*
 * Merge entry `src` into summary `dst`, its dir prefixed by `prefix`
 * (NULL: unchanged); `bump` >= 0 adds one to nvar[bump] (a folder merged
 * under '*' at that segment) and notes its name's hash `folder`.
 * Returns 0 or -1 on OOM.
 */
static int merge_entry(struct psum *dst, const struct pent *src, const char *prefix, int bump,
		       uint32_t folder)
{
	struct strbuf dir = STRBUF_INIT;
	struct pent *e;
	char *key;
	int i;

	if (prefix) {
		strbuf_addstr(&dir, prefix);
		if (src->dir[0]) {
			strbuf_addstr(&dir, "/");
			strbuf_addstr(&dir, src->dir);
		}
	} else {
		strbuf_addstr(&dir, src->dir);
	}
	if (dir.failed) {
		strbuf_release(&dir);
		return -1;
	}
	key = make_key(strbuf_str(&dir), src->fam, src->name, src->suffix);
	if (!key) {
		strbuf_release(&dir);
		return -1;
	}
	e = psum_find(dst, key);
	if (!e && dst->n >= MAX_ENTRIES) {
		/*
		 * Too many shapes: what is left goes to one wide entry per first
		 * folder of its dir (that folder, then a double star), or a
		 * double star alone for files of this folder.
		 */
		char wide[600];
		size_t first = strcspn(strbuf_str(&dir), "/");

		if (dir.len)
			snprintf(wide, sizeof(wide), "%.*s/**", (int)first, strbuf_str(&dir));
		else
			snprintf(wide, sizeof(wide), "**");
		free(key);
		strbuf_release(&dir);
		key = make_key(wide, 1, "", "");
		if (!key)
			return -1;
		e = psum_find(dst, key);
		if (!e) {
			if (!(e = psum_push(dst)) || !(e->dir = strdup(wide)) ||
			    !(e->name = strdup("")) || !(e->suffix = strdup(""))) {
				free(key);
				return -1;
			}
			e->key = key;
			e->fam = 1;
		} else {
			free(key);
		}
		e->count += src->count;
		for (i = 0; i < 2; i++)
			if (src->ex[i] && add_example(e, src->ex[i]))
				return -1;
		return 0;
	}
	if (!e) {
		if (!(e = psum_push(dst))) {
			free(key);
			strbuf_release(&dir);
			return -1;
		}
		e->key = key;
		e->dir = dir.buf ? dir.buf : strdup("");
		dir.buf = NULL;
		e->fam = src->fam;
		e->name = strdup(src->name);
		e->suffix = src->suffix ? strdup(src->suffix) : NULL;
		if (!e->dir || !e->name || (src->suffix && !e->suffix))
			return -1;
	} else {
		free(key);
		strbuf_release(&dir);
		if (src->fam && (strcmp(e->name, src->name) || strcmp(e->suffix, src->suffix)))
			e->ci = 1;
	}
	/* the second example from another folder, when one is merged at `bump` */
	if (bump >= 0 && bump < MAX_SEG && e->ex[0] && e->ex[1] && src->ex[0] &&
	    same_segment(e->ex[0], e->ex[1], (size_t)bump) &&
	    !same_segment(e->ex[0], src->ex[0], (size_t)bump)) {
		char *x = strdup(src->ex[0]);

		if (!x)
			return -1;
		free(e->ex[1]);
		e->ex[1] = x;
	}
	e->ci |= src->ci;
	e->ext_ci |= src->ext_ci;
	e->count += src->count;
	for (i = 0; i < MAX_SEG; i++) {
		e->nvar[i] += src->nvar[i];
		note_folder(&e->vname[i], src->vname[i]);
	}
	if (bump >= 0 && bump < MAX_SEG) {
		e->nvar[bump]++;
		note_folder(&e->vname[bump], folder);
	}
	for (i = 0; i < 2; i++)
		if (src->ex[i] && add_example(e, src->ex[i]))
			return -1;
	return 0;
}

static int merge_sum(struct psum *dst, const struct psum *src, const char *prefix, int bump,
		     const char *folder)
{
	uint32_t h = folder ? name_hash(folder) : 0;
	size_t i;

	for (i = 0; i < src->n; i++)
		if (merge_entry(dst, &src->e[i], prefix, bump, h))
			return -1;
	return 0;
}

/*
 * Whether two folder summaries describe alike sub-trees: at least half of
 * their entries in common (Jaccard >= 0.5).  2 when among the common ones
 * one says something (a fixed file name, a family with a fixed part, or a
 * sub-folder), 1 when they share only bare "*.json" series (weak: enough
 * only for several siblings, see frame_summary), 0 when not alike.
 */
static int similar(const struct psum *a, const struct psum *b)
{
	size_t i, common = 0, telling = 0;

	if (a->n == 0 || b->n == 0)
		return 0;
	for (i = 0; i < a->n; i++) {
		const struct pent *x = &a->e[i];
		struct pent *e = psum_find((struct psum *)b, x->key);

		if (e) {
			common++;
			if (!x->fam || x->dir[0] || x->name[0] || x->suffix[0])
				telling++;
		}
	}
	if (common * 2 < a->n + b->n - common)
		return 0;
	return telling > 0 ? 2 : 1;
}

/* ------------------------------------------------------------ frames */

struct infer_paths *infer_paths_new(void)
{
	struct infer_paths *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->cap = 16;
	p->st = calloc(p->cap, sizeof(*p->st));
	if (!p->st || !(p->st[0].name = strdup(""))) {
		free(p->st);
		free(p);
		return NULL;
	}
	p->depth = 1;
	return p;
}

static void frame_release(struct pframe *f)
{
	size_t i;

	free(f->name);
	psum_release(&f->files);
	for (i = 0; i < f->n_kids; i++) {
		free(f->kids[i].name);
		psum_release(&f->kids[i].sum);
	}
	free(f->kids);
	psum_release(&f->wild);
	memset(f, 0, sizeof(*f));
}

void infer_paths_free(struct infer_paths *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->depth; i++)
		frame_release(&p->st[i]);
	free(p->st);
	free(p->last);
	free(p);
}

/*
 * Build the summary of frame `f` (at depth d: its sub-folders are path
 * segment d) into *out: its own files, its sub-folders with fixed names,
 * and '*' for the others.  Clusters alike fixed-name sub-folders first.
 */
static int frame_summary(struct pframe *f, size_t d, struct psum *out)
{
	size_t i, j;
	int *cl = NULL;
	char *wild = NULL;
	int rc = -1;

	if (f->n_kids) {
		cl = malloc(f->n_kids * sizeof(*cl));
		wild = calloc(f->n_kids, 1);
		if (!cl || !wild) {
			free(cl);
			free(wild);
			return -1;
		}
		/*
		 * Greedy clusters in name order; the first member represents.
		 * Alike sub-trees (similar() == 2) cluster by twos; sub-trees
		 * that share only id-named series need three, and never at the
		 * root, whose folders are the tree's separate areas.
		 */
		for (i = 0; i < f->n_kids; i++) {
			cl[i] = (int)i;
			for (j = 0; j < i; j++) {
				int sim;

				if (cl[j] != (int)j)
					continue;
				sim = similar(&f->kids[j].sum, &f->kids[i].sum);
				if (sim == 2 || (sim == 1 && d > 0)) {
					cl[i] = (int)j;
					break;
				}
			}
		}
		for (i = 0; i < f->n_kids; i++) {
			size_t members = 0;
			int strong = 0;

			for (j = 0; j < f->n_kids; j++)
				if (cl[j] == cl[i]) {
					members++;
					if (j != (size_t)cl[i] &&
					    similar(&f->kids[cl[i]].sum, &f->kids[j].sum) == 2)
						strong = 1;
				}
			if ((strong && members >= 2) || members >= 3 ||
			    (f->wild.n && similar(&f->kids[i].sum, &f->wild) == 2))
				wild[i] = 1;
		}
		for (i = 0; i < f->n_kids; i++)
			if (wild[i] && merge_sum(&f->wild, &f->kids[i].sum, NULL, (int)d,
						 f->kids[i].name))
				goto out;
	}
	if (merge_sum(out, &f->files, NULL, -1, NULL))
		goto out;
	for (i = 0; i < f->n_kids; i++) {
		struct strbuf sb = STRBUF_INIT;

		if (wild[i])
			continue;
		add_glob_literal(&sb, f->kids[i].name, strlen(f->kids[i].name), d == 0);
		if (sb.failed || merge_sum(out, &f->kids[i].sum, strbuf_str(&sb), -1, NULL)) {
			strbuf_release(&sb);
			goto out;
		}
		strbuf_release(&sb);
	}
	if (merge_sum(out, &f->wild, "*", -1, NULL))
		goto out;
	rc = 0;
out:
	free(wild);
	free(cl);
	return rc;
}

/* Close the innermost frame and hand its summary to its parent. */
static int close_top(struct infer_paths *p)
{
	size_t d = p->depth - 1;
	struct pframe *f = &p->st[d], *parent = &p->st[d - 1];
	struct psum sum = { NULL, 0, 0 };
	char shape[SHAPE_MAX];
	enum infer_name_kind kind;
	int rc = -1;

	if (frame_summary(f, d, &sum))
		goto out;
	kind = infer_name_shape(f->name, strlen(f->name), shape, sizeof(shape));
	if (kind != INFER_NAME_PLAIN || parent->n_kids >= MAX_LITERAL_DIRS) {
		if (merge_sum(&parent->wild, &sum, NULL, (int)d - 1, f->name))
			goto out;
	} else {
		if (ALLOC_GROW(parent->kids, parent->n_kids + 1, parent->cap_kids))
			goto out;
		parent->kids[parent->n_kids].name = f->name;
		parent->kids[parent->n_kids].sum = sum;
		parent->n_kids++;
		f->name = NULL;
		sum.e = NULL;
		sum.n = sum.cap = 0;
	}
	rc = 0;
out:
	psum_release(&sum);
	frame_release(f);
	p->depth--;
	return rc;
}

/* Add the file `name` (with ".json") of path `path` to frame f. */
static int frame_add_file(struct pframe *f, const char *name, const char *path)
{
	char shape[SHAPE_MAX];
	size_t n = strlen(name), stem = n > 5 ? n - 5 : n;
	enum infer_name_kind kind = infer_name_shape(name, stem, shape, sizeof(shape));
	struct pent src;
	size_t lits = 0, i;
	char pre[SHAPE_MAX], suf[SHAPE_MAX];
	int rc;

	memset(&src, 0, sizeof(src));
	src.dir = (char *)"";
	src.count = 1;
	src.ex[0] = (char *)path;
	/* "x.JSON": a family's glob says ".json", so it must ignore case */
	src.ext_ci = src.ci = n > 5 && strcmp(name + n - 5, ".json") != 0;
	if (kind == INFER_NAME_PLAIN) {
		char *key = make_key("", 0, name, NULL);

		if (!key)
			return -1;
		for (i = 0; i < f->files.n; i++)
			lits += !f->files.e[i].fam;
		if (psum_find(&f->files, key) || lits < MAX_LITERAL_FILES) {
			free(key);
			src.name = (char *)name;
			return merge_entry(&f->files, &src, NULL, -1, 0);
		}
		free(key);
		pre[0] = suf[0] = '\0';
	} else {
		char *first = strchr(shape, '#'), *last = strrchr(shape, '#');
		size_t plen = (size_t)(first - shape), slen, k;

		/* the fixed prefix, cut after its last separator */
		while (plen > 0 && !is_sep(shape[plen - 1]))
			plen--;
		/* the fixed suffix, from its first separator */
		k = (size_t)(last - shape) + 1;
		while (shape[k] && !is_sep(shape[k]))
			k++;
		slen = strlen(shape + k);
		if (plen > stem || slen > stem - plen)
			plen = slen = 0;
		memcpy(pre, name, plen);
		pre[plen] = '\0';
		memcpy(suf, name + stem - slen, slen);
		suf[slen] = '\0';
	}
	src.fam = 1;
	src.name = pre;
	src.suffix = suf;
	if (pre[0] || suf[0]) {
		/* too many families in one folder: the rest join its bare family */
		char *key = make_key("", 1, pre, suf);
		size_t fams = 0;

		if (!key)
			return -1;
		for (i = 0; i < f->files.n; i++)
			fams += f->files.e[i].fam;
		if (!psum_find(&f->files, key) && fams >= MAX_FAMILIES)
			pre[0] = suf[0] = '\0';
		free(key);
	}
	rc = merge_entry(&f->files, &src, NULL, -1, 0);
	return rc;
}

static int valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		int n = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2 :
			(*p & 0xF8) == 0xF0 ? 3 : -1;
		int i;

		if (n < 0)
			return 0;
		p++;
		for (i = 0; i < n; i++, p++)
			if ((*p & 0xC0) != 0x80)
				return 0;
	}
	return 1;
}

int infer_paths_add(struct infer_paths *p, const char *relpath, struct error *err)
{
	const char *seg = relpath, *slash;
	size_t level = 1;

	if (p->oom)
		return error_set(err, ERR_IO, "out of memory");
	if (p->last && walk_path_cmp(p->last, strlen(p->last), relpath, strlen(relpath)) >= 0)
		return error_set(err, ERR_USAGE, "path '%s' out of walk order (after '%s')",
				 relpath, p->last);
	free(p->last);
	if (!(p->last = strdup(relpath)))
		goto oom;
	/* a name that is not UTF-8 cannot be written into a manifest: catch-all */
	if (!valid_utf8(relpath))
		return 0;
	while ((slash = strchr(seg, '/')) != NULL) {
		size_t n = (size_t)(slash - seg);

		if (level < p->depth &&
		    (strlen(p->st[level].name) != n || memcmp(p->st[level].name, seg, n))) {
			while (p->depth > level)
				if (close_top(p))
					goto oom;
		}
		if (level == p->depth) {
			if (ALLOC_GROW(p->st, p->depth + 1, p->cap))
				goto oom;
			memset(&p->st[p->depth], 0, sizeof(p->st[0]));
			if (!(p->st[p->depth].name = strndup(seg, n)))
				goto oom;
			p->depth++;
		}
		level++;
		seg = slash + 1;
	}
	while (p->depth > level)
		if (close_top(p))
			goto oom;
	if (frame_add_file(&p->st[p->depth - 1], seg, relpath))
		goto oom;
	return 0;
oom:
	p->oom = 1;
	return error_set(err, ERR_IO, "out of memory");
}

/* ------------------------------------------------------------ groups */

struct gbuild {
	struct infer_group *g;
	size_t n, cap;
};

static struct infer_group *gpush(struct gbuild *b)
{
	if (ALLOC_GROW(b->g, b->n + 1, b->cap))
		return NULL;
	memset(&b->g[b->n], 0, sizeof(b->g[0]));
	return &b->g[b->n++];
}

void infer_groups_free(struct infer_group *g, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(g[i].glob);
		free(g[i].why);
		free(g[i].examples[0]);
		free(g[i].examples[1]);
	}
	free(g);
}

/* The i-th '/' segment of path into buf. */
static void segment_of(const char *path, size_t i, char *buf, size_t size)
{
	size_t n;

	while (i-- > 0 && path) {
		path = strchr(path, '/');
		if (path)
			path++;
	}
	if (!path) {
		buf[0] = '\0';
		return;
	}
	n = strcspn(path, "/");
	snprintf(buf, size, "%.*s", (int)n, path);
}

static const char *base_of(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/*
 * The explanation of a group: which folder segments vary (from nvar and
 * the examples), then why its files belong together.
 */
static char *explain(const char *dir, const unsigned long *nvar, char *const ex[2],
		     const char *files_why)
{
	struct strbuf sb = STRBUF_INIT;
	const char *s = dir;
	size_t i = 0;

	while (*s) {
		size_t n = strcspn(s, "/");

		if (n == 1 && s[0] == '*' && i < MAX_SEG && ex[0]) {
			char a[256], b[256];

			segment_of(ex[0], i, a, sizeof(a));
			b[0] = '\0';
			if (ex[1])
				segment_of(ex[1], i, b, sizeof(b));
			if (sb.len)
				strbuf_addstr(&sb, "; ");
			strbuf_addf(&sb, "folder names vary in segment %zu", i + 1);
			if (nvar[i] > 1)
				strbuf_addf(&sb, " (%lu folders, e.g. %s", nvar[i], a);
			else
				strbuf_addf(&sb, " (e.g. %s", a);
			if (b[0] && strcmp(a, b))
				strbuf_addf(&sb, ", %s", b);
			strbuf_addstr(&sb, ")");
		}
		s += n;
		if (*s == '/')
			s++;
		i++;
	}
	if (files_why && files_why[0]) {
		if (sb.len)
			strbuf_addstr(&sb, "; ");
		strbuf_addstr(&sb, files_why);
	}
	if (sb.failed) {
		strbuf_release(&sb);
		return NULL;
	}
	return sb.buf ? sb.buf : strdup("");
}

static int set_examples(struct infer_group *g, char *const ex[2])
{
	int i;

	for (i = 0; i < 2; i++)
		if (ex[i] && !(g->examples[i] = strdup(ex[i])))
			return -1;
	return 0;
}

/* dir + "/" + file part (already escaped), into a new string. */
static char *join_glob(const char *dir, const char *file)
{
	struct strbuf sb = STRBUF_INIT;

	if (dir[0]) {
		strbuf_addstr(&sb, dir);
		strbuf_addstr(&sb, "/");
	}
	strbuf_addstr(&sb, file);
	if (sb.failed) {
		strbuf_release(&sb);
		return NULL;
	}
	return sb.buf;
}

/* The file part of an entry's glob: "name.json" or "prefix*suffix.json". */
static char *entry_file_glob(const struct pent *e)
{
	struct strbuf sb = STRBUF_INIT;
	int at_start = !e->dir[0];

	if (!e->fam) {
		add_glob_literal(&sb, e->name, strlen(e->name), at_start);
	} else {
		add_glob_literal(&sb, e->name, strlen(e->name), at_start);
		strbuf_addstr(&sb, "*");
		add_glob_literal(&sb, e->suffix, strlen(e->suffix), 0);
		strbuf_addstr(&sb, ".json");
	}
	if (sb.failed) {
		strbuf_release(&sb);
		return NULL;
	}
	return sb.buf;
}

/* Group for one entry (a repeated file name or a family). */
static int group_entry(struct gbuild *b, const struct pent *e, enum infer_group_kind kind,
		       int tiny)
{
	struct infer_group *g = gpush(b);
	char *file, why[600];

	if (!g)
		return -1;
	if (kind == INFER_GROUP_SINGLE && e->count == 1 && (!e->fam || (!e->name[0] && !e->suffix[0]))) {
		/* one file without a fixed part to its name: the file itself */
		struct strbuf sb = STRBUF_INIT;
		const char *base = base_of(e->ex[0]);

		add_glob_literal(&sb, base, strlen(base), !e->dir[0]);
		file = sb.failed ? NULL : sb.buf;
	} else {
		file = entry_file_glob(e);
	}
	if (!file)
		return -1;
	g->glob = join_glob(e->dir, file);
	free(file);
	g->kind = kind;
	g->ignore_case = e->ci;
	g->files = e->count;
	g->tiny = tiny;
	if (kind == INFER_GROUP_SINGLE)
		snprintf(why, sizeof(why), "a file of its own");
	else if (!e->fam)
		snprintf(why, sizeof(why), "the same file name in every folder");
	else if (e->bound && e->ex[1])
		snprintf(why, sizeof(why), "file names vary with the folder (e.g. %s, %s)",
			 base_of(e->ex[0]), base_of(e->ex[1]));
	else if (e->ex[1] && strcmp(base_of(e->ex[0]), base_of(e->ex[1])))
		snprintf(why, sizeof(why), "file names vary (e.g. %s, %s)",
			 base_of(e->ex[0]), base_of(e->ex[1]));
	else
		snprintf(why, sizeof(why), "file names vary (e.g. %s)", base_of(e->ex[0]));
	g->why = explain(e->dir, e->nvar, e->ex, why);
	if (!g->glob || !g->why || set_examples(g, e->ex))
		return -1;
	return 0;
}

/* The first and last words of a fixed file name (lower case, with the separator). */
static void name_words(const char *name, char *first, char *last, size_t size)
{
	size_t n = strlen(name), stem = n > 5 ? n - 5 : n, i, a = 0, z = stem;

	first[0] = last[0] = '\0';
	while (a < stem && !is_sep(name[a]))
		a++;
	while (z > 0 && !is_sep(name[z - 1]))
		z--;
	if (a >= stem || z == 0 || a + 2 > size || stem - z + 2 > size)
		return;
	for (i = 0; i <= a; i++)
		first[i] = (char)tolower((unsigned char)name[i]);
	first[a + 1] = '\0';
	for (i = z - 1; i < stem; i++)
		last[i - (z - 1)] = (char)tolower((unsigned char)name[i]);
	last[stem - (z - 1)] = '\0';
}

/*
 * Families whose fixed part belongs to one folder each, at a segment that
 * varies: "projects/beacon/.../BEACON-142.json", "projects/cedar/.../
 * CEDAR-7.json".  The prefix is the folder's, so the next tree's folders
 * would match none of them: fold them into one family without a fixed
 * part (the first of them becomes it; E is compacted).  Families all from
 * the same one folder (e.g. only Agent-5 has processed/) stay apart.
 * Returns 0, or -1 on OOM.
 */
static int fold_bound_families(struct pent **E, size_t *n)
{
	const char *s = E[0]->dir;
	size_t seg = 0, i, k;

	while (*s) {
		size_t len = strcspn(s, "/"), cnt = 0;
		uint32_t first = 0;
		int distinct = 0;
		struct pent *into = NULL;

		if (len == 1 && s[0] == '*' && seg < MAX_SEG) {
			for (i = 0; i < *n; i++) {
				const struct pent *e = E[i];

				if (!e->fam || e->vname[seg] < 2 || (!e->name[0] && !e->suffix[0]))
					continue;
				cnt++;
				if (!first)
					first = e->vname[seg];
				else if (e->vname[seg] != first)
					distinct = 1;
			}
		}
		if (cnt >= 2 && distinct) {
			int replaced = 0;

			for (i = k = 0; i < *n; i++) {
				struct pent *e = E[i];
				int j;

				if (!e->fam || e->vname[seg] < 2 || (!e->name[0] && !e->suffix[0])) {
					E[k++] = e;
					continue;
				}
				if (!into) {
					char *key = make_key(e->dir, 1, "", "");

					if (!key)
						return -1;
					into = e;
					free(e->key);
					e->key = key;
					e->name[0] = '\0';
					e->suffix[0] = '\0';
					e->bound = 1;
					e->vname[seg] = 1;
					E[k++] = e;
					continue;
				}
				into->count += e->count;
				into->ci |= e->ci;
				into->ext_ci |= e->ext_ci;
				for (j = 0; j < MAX_SEG; j++)
					into->nvar[j] += e->nvar[j];
				if (!replaced) {
					/* an example from another folder's family */
					free(into->ex[1]);
					if (!(into->ex[1] = strdup(e->ex[0])))
						return -1;
					replaced = 1;
				}
			}
			*n = k;
			return 0;
		}
		s += len;
		if (*s == '/')
			s++;
		seg++;
	}
	return 0;
}

/* 1 for the folder of an overflow entry: a double star, alone or last. */
static int wide_dir(const char *dir)
{
	size_t n = strlen(dir);

	return !strcmp(dir, "**") || (n > 3 && !strcmp(dir + n - 3, "/**"));
}

/* Cut the groups of one folder glob `dir` out of the entries E[0..n). */
static int groups_of_dir(struct gbuild *b, struct pent **E, size_t n)
{
	const char *dir = E[0]->dir;
	char (*first)[128] = NULL, (*last)[128] = NULL;
	int *used = NULL, star = 0, rc = -1, n_fam = 0, n_affix = 0, rest_ci = 0;
	size_t others = 0;
	size_t i, j, rest = 0, fam_at = 0;
	unsigned long rest_files = 0, nvar[MAX_SEG];
	char *rest_ex[2] = { NULL, NULL };

	memset(nvar, 0, sizeof(nvar));
	if (fold_bound_families(E, &n))
		goto out;
	used = calloc(n, sizeof(*used));
	first = calloc(n, sizeof(*first));
	last = calloc(n, sizeof(*last));
	if (!used || !first || !last)
		goto out;
	for (i = 0; i < n; i++) {
		/* a name repeated across folders, or a family big enough */
		if ((!E[i]->fam && E[i]->count >= 2) ||
		    (E[i]->fam && (E[i]->count >= INFER_MIN_GROUP || wide_dir(dir)))) {
			if (group_entry(b, E[i], E[i]->fam ? INFER_GROUP_FAMILY : INFER_GROUP_NAME, 0))
				goto out;
			used[i] = 1;
			if (E[i]->fam) {
				n_fam++;
				fam_at = b->n - 1;
			}
			if (E[i]->fam && !E[i]->name[0] && !E[i]->suffix[0])
				star = 1;
		} else if (!E[i]->fam) {
			name_words(E[i]->name, first[i], last[i], sizeof(first[i]));
		}
	}
	/* fixed names sharing their last word, then their first word */
	for (int pass = 0; pass < 2; pass++) {
		for (i = 0; i < n; i++) {
			const char *w = pass ? first[i] : last[i];
			size_t members = 0, k = 0;
			struct infer_group *g;
			struct strbuf sb = STRBUF_INIT;
			const char *orig;
			int ci = 0;
			char why[600], *ex[2] = { NULL, NULL };

			if (used[i] || !w[0])
				continue;
			for (j = i; j < n; j++)
				if (!used[j] && !strcmp(w, pass ? first[j] : last[j]))
					members++;
			if (members < INFER_MIN_GROUP)
				continue;
			/* the word in the first member's case; ci when another differs */
			orig = pass ? E[i]->name : E[i]->name + strlen(E[i]->name) - 5 - strlen(w);
			for (j = i; j < n; j++) {
				const char *o;

				if (used[j] || strcmp(w, pass ? first[j] : last[j]))
					continue;
				o = pass ? E[j]->name : E[j]->name + strlen(E[j]->name) - 5 - strlen(w);
				if (strncmp(o, orig, strlen(w)) || E[j]->ci)
					ci = 1;
				used[j] = 2 + pass;
				if (k < 2)
					ex[k++] = E[j]->ex[0];
				for (int s = 0; s < MAX_SEG; s++)
					nvar[s] = E[j]->nvar[s] > nvar[s] ? E[j]->nvar[s] : nvar[s];
			}
			if (!(g = gpush(b)))
				goto out;
			if (pass) {
				add_glob_literal(&sb, orig, strlen(w), 0);
				strbuf_addstr(&sb, "*.json");
			} else {
				strbuf_addstr(&sb, "*");
				add_glob_literal(&sb, orig, strlen(w), 0);
				strbuf_addstr(&sb, ".json");
			}
			if (sb.failed)
				goto out;
			g->glob = join_glob(dir, sb.buf);
			strbuf_release(&sb);
			g->kind = INFER_GROUP_AFFIX;
			n_affix++;
			g->ignore_case = ci;
			g->files = members;
			snprintf(why, sizeof(why), "file names share \"%.*s\" (e.g. %s, %s)",
				 (int)strlen(w), orig, base_of(ex[0]), ex[1] ? base_of(ex[1]) : "");
			g->why = explain(dir, nvar, ex, why);
			if (!g->glob || !g->why || set_examples(g, ex))
				goto out;
			memset(nvar, 0, sizeof(nvar));
		}
	}
	/*
	 * One family alone in its folder, with nothing else left there, takes
	 * every .json of the folder rather than its prefix, so that other
	 * names there (in this tree or the next) still count as its members.
	 * A lone file of another name beside it (contracts/registry.json
	 * beside C-0050.json) keeps the family to its prefix.
	 */
	for (i = 0; i < n; i++)
		others += !used[i];
	if (n_fam == 1 && n_affix == 0 && !star && others == 0) {
		char *g = join_glob(dir, "*.json");
		int ext_ci = 0;

		for (i = 0; i < n; i++)
			ext_ci |= E[i]->ext_ci;

		if (!g)
			goto out;
		free(b->g[fam_at].glob);
		b->g[fam_at].glob = g;
		b->g[fam_at].ignore_case = ext_ci;
		star = 1;
	}
	for (i = 0; i < n; i++) {
		if (used[i])
			continue;
		rest++;
		rest_files += E[i]->count;
		rest_ci |= E[i]->ci;
		for (int s = 0; s < MAX_SEG; s++)
			nvar[s] = E[i]->nvar[s] > nvar[s] ? E[i]->nvar[s] : nvar[s];
		if (!rest_ex[0])
			rest_ex[0] = E[i]->ex[0];
		else if (!rest_ex[1])
			rest_ex[1] = E[i]->ex[0];
	}
	if (rest == 0 || star) {
		rc = 0;     /* nothing left, or "*.json" takes them already */
		goto out;
	}
	if (rest_files >= INFER_MIN_GROUP) {
		struct infer_group *g = gpush(b);
		char why[200];

		if (!g)
			goto out;
		g->glob = join_glob(dir, "*.json");
		g->kind = INFER_GROUP_FOLDER;
		g->ignore_case = rest_ci;
		g->files = rest_files;
		snprintf(why, sizeof(why), "%lu files with unrelated names in %s folder",
			 rest_files, strchr(dir, '*') ? "the same" : "one");
		g->why = explain(dir, nvar, rest_ex, why);
		if (!g->glob || !g->why || set_examples(g, rest_ex))
			goto out;
	} else {
		/* a family of two still belongs together; the rest is on its own */
		for (i = 0; i < n; i++)
			if (!used[i] && group_entry(b, E[i], E[i]->fam && E[i]->count >= 2 ?
						    INFER_GROUP_FAMILY : INFER_GROUP_SINGLE,
						    !(E[i]->fam && E[i]->count >= 2)))
				goto out;
	}
	rc = 0;
out:
	free(used);
	free(first);
	free(last);
	return rc;
}

static int cmp_group(const void *a, const void *b)
{
	const struct infer_group *x = a, *y = b;

	return infer_glob_cmp(x->glob, y->glob);
}

int infer_paths_finish(struct infer_paths *p, struct infer_group **out, size_t *n,
		       struct error *err)
{
	struct psum root = { NULL, 0, 0 };
	struct gbuild b = { NULL, 0, 0 };
	struct pent **E = NULL;
	char *done = NULL;
	size_t i, j, k;

	*out = NULL;
	*n = 0;
	if (p->oom)
		return error_set(err, ERR_IO, "out of memory");
	while (p->depth > 1)
		if (close_top(p))
			goto oom;
	if (frame_summary(&p->st[0], 0, &root))
		goto oom;
	E = calloc(root.n ? root.n : 1, sizeof(*E));
	done = calloc(root.n ? root.n : 1, 1);
	if (!E || !done)
		goto oom;
	for (i = 0; i < root.n; i++) {
		if (done[i])
			continue;
		k = 0;
		for (j = i; j < root.n; j++)
			if (!done[j] && !strcmp(root.e[j].dir, root.e[i].dir)) {
				E[k++] = &root.e[j];
				done[j] = 1;
			}
		if (groups_of_dir(&b, E, k))
			goto oom;
	}
	if (b.n)
		qsort(b.g, b.n, sizeof(*b.g), cmp_group);
	free(E);
	free(done);
	psum_release(&root);
	*out = b.g;
	*n = b.n;
	return 0;
oom:
	free(E);
	free(done);
	psum_release(&root);
	infer_groups_free(b.g, b.n);
	return error_set(err, ERR_IO, "out of memory");
}
