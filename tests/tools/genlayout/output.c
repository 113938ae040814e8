/*
 * output.c - genlayout's files: writing B to the tree and the list, groups
 * and the per-file structure that cycles with a file's index, the draw of
 * each data file's kind, the breakage and shape transforms applied to B,
 * and the summary (genlayout.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "genlayout.h"

/* ================================================================ output */

static const char *const KIND_NAMES[] = { "clean", "broken", "shape", "ignored", "other" };

static const char *const BROKEN_NAMES[] = {
	"truncated", "trailing_comma", "bad_utf8", "empty", "comment",
	"single_quotes", "nan", "trailing_data", "conflict_markers", "utf16",
};

static const char *const SHAPE_NAMES[] = {
	"wrapped", "missing_id", "null", "empty_object", "scalar",
};

/* the run's options: set by output_init() */
static const char *outdir;
static FILE *listf;
static double broken_rate;
static int collide;
static int g_mixed_styles;   /* mixed layout: a style per file */
static long n_kind[K_N], n_broken[BR_N], n_shape[SH_N];
static long long bytes_out;
static long n_broken_seq, n_shape_seq;   /* round-robin over kinds */
static unsigned broken_start, shape_start;

/* see genlayout.h: the run's options, then K's first two draws */
void output_init(const char *dir, FILE *list, double rate, int coll, int mixed_styles)
{
	outdir = dir;
	listf = list;
	broken_rate = rate;
	collide = coll;
	g_mixed_styles = mixed_styles;
	broken_start = (unsigned)(rnext(&K) % BR_N);
	shape_start = (unsigned)(rnext(&K) % SH_N);
}

void output_summary(const char *layout, uint64_t seed, int mutate)
{
	long data = n_kind[K_CLEAN] + n_kind[K_BROKEN] + n_kind[K_SHAPE];
	size_t k;

	fprintf(stderr, "genlayout: %s seed %llu%s: %ld data files (%ld clean, %ld broken, %ld shape), "
		"%ld ignored, %ld other, %.1f MB\n", layout, (unsigned long long)seed,
		mutate ? " (mutated)" : "", data, n_kind[K_CLEAN], n_kind[K_BROKEN], n_kind[K_SHAPE],
		n_kind[K_IGNORED], n_kind[K_OTHER], (double)bytes_out / 1e6);
	if (n_kind[K_BROKEN]) {
		fprintf(stderr, "genlayout: broken:");
		for (k = 0; k < BR_N; k++)
			if (n_broken[k])
				fprintf(stderr, " %s %ld", BROKEN_NAMES[k], n_broken[k]);
		fprintf(stderr, "\n");
	}
	if (n_kind[K_SHAPE]) {
		fprintf(stderr, "genlayout: shape:");
		for (k = 0; k < SH_N; k++)
			if (n_shape[k])
				fprintf(stderr, " %s %ld", SHAPE_NAMES[k], n_shape[k]);
		fprintf(stderr, "\n");
	}
}

void mkdirs(char *path)
{
	char *p;

	for (p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(path, 0755) && errno != EEXIST)
			die(path);
		*p = '/';
	}
}

/* write B to outdir/rel (a new file), stamp mtime, list it */
static void write_file(const char *rel, enum kind kind, const char *group, time_t mtime)
{
	char path[PATH_MAX];
	struct timespec ts[2];
	size_t off = 0;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", outdir, rel) >= sizeof(path)) {
		fprintf(stderr, "genlayout: path too long: %s\n", rel);
		exit(3);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 && errno == ENOENT) {
		mkdirs(path);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	}
	if (fd < 0 && errno == EEXIST) {
		fprintf(stderr, "genlayout: internal error: %s generated twice\n", rel);
		exit(3);
	}
	if (fd < 0)
		die(path);
	while (off < B.len) {
		ssize_t w = write(fd, B.p + off, B.len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			die(path);
		off += (size_t)w;
	}
	ts[0].tv_sec = ts[1].tv_sec = mtime;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	if (futimens(fd, ts))
		die(path);
	if (close(fd))
		die(path);
	if (listf)
		fprintf(listf, "%s\t%s\t%s\n", rel, KIND_NAMES[kind], group);
	n_kind[kind]++;
	bytes_out += (long long)B.len;
}

/* a file that is not group data (ignored or other), from B as is */
void emit(const char *rel, enum kind kind, const char *group, time_t mtime)
{
	write_file(rel, kind, group, mtime);
	B.len = 0;
}

/* ================================================================ groups */

void group_init(struct group *g, const char *label, const char *id_key, int array, long count)
{
	memset(g, 0, sizeof(*g));
	g->label = label;
	g->id_key = id_key;
	g->array = array;
	g->salt = mix64(shape_seed ^ strhash(label));
	g->st = STYLES[g->salt % NELEM(STYLES)];
	g->coff = rnext(&C);
	g->coll_at = collide && id_key && count >= 10 ? count * 2 / 3 : -1;
}

/* the structural variant of this file for a field `tag`: cycles with period */
unsigned V(const struct group *g, unsigned tag, unsigned period)
{
	return (unsigned)(((uint64_t)g->idx + mix64(g->salt + tag)) % period);
}

/* the same per array element, with a counter the generator bumps (el) */
unsigned E(const struct group *g, unsigned tag, unsigned period)
{
	return (unsigned)(((uint64_t)g->elem + mix64(g->salt + tag)) % period);
}

void el(struct group *g)
{
	g->elem++;
}

/*
 * A categorical value: any NELEM(arr) consecutive files (or elements) of a
 * group show every value, so the twin tree never holds one the original
 * lacks; the starting point comes from the content stream.
 */
const char *cat(const struct group *g, long i, unsigned tag, const char *const *arr, unsigned n)
{
	return arr[((uint64_t)i + mix64(g->coff + tag)) % n];
}

static const int SHAPES_OBJ_ID[] = { SH_WRAP, SH_DROP_ID, SH_NULL, SH_EMPTY };
static const int SHAPES_OBJ[] = { SH_WRAP, SH_NULL, SH_EMPTY };
static const int SHAPES_ARR[] = { SH_WRAP, SH_NULL, SH_SCALAR };
static const int SHAPES_HETERO[] = { SH_WRAP, SH_NULL };

void file_begin(struct file *f, struct group *g)
{
	double u = (double)(rnext(&K) >> 11) / 9007199254740992.0;

	memset(f, 0, sizeof(*f));
	f->g = g;
	f->param = rnext(&K);
	f->kind = K_CLEAN;
	if (g->coll_at >= 0 && g->idx == g->coll_at && g->coll_id[0]) {
		f->dup = 1;
	} else if (u < broken_rate) {
		long j = n_broken_seq + n_shape_seq;

		if (j % 5 == 4) {
			const int *set = g->array ? SHAPES_ARR : g->hetero ? SHAPES_HETERO
					 : g->id_key ? SHAPES_OBJ_ID : SHAPES_OBJ;
			size_t nset = g->array ? NELEM(SHAPES_ARR) : g->hetero ? NELEM(SHAPES_HETERO)
				      : g->id_key ? NELEM(SHAPES_OBJ_ID) : NELEM(SHAPES_OBJ);

			f->kind = K_SHAPE;
			f->sub = set[(shape_start + (unsigned long)n_shape_seq++) % nset];
		} else {
			f->kind = K_BROKEN;
			f->sub = (int)((broken_start + (unsigned long)n_broken_seq++) % BR_N);
		}
	}
	w_begin(g_mixed_styles ? STYLES[cr(NELEM(STYLES))] : g->st);
	if (f->kind == K_SHAPE && f->sub == SH_DROP_ID)
		W.drop = g->id_key;
}

/* the id to write: the natural one, or the repeated one for --collide */
const char *file_id(struct file *f, const char *natural)
{
	struct group *g = f->g;

	if (f->dup)
		return g->coll_id;
	if (g->coll_at >= 0 && !g->coll_id[0] && f->kind == K_CLEAN && g->idx < g->coll_at) {
		snprintf(g->coll_id, sizeof(g->coll_id), "%s", natural);
		f->src = 1;
	}
	return natural;
}

/* ---- breakage transforms on B ---- */

static size_t skip_ws_back(size_t i)
{
	while (i > 0 && strchr(" \t\r\n", B.p[i - 1]))
		i--;
	return i;
}

/* position just after the opening quote of the first string value, or 0 */
static size_t first_string_value(void)
{
	size_t i;

	for (i = 1; i + 2 < B.len; i++) {
		if (B.p[i] != ':' || B.p[i - 1] != '"')
			continue;
		size_t j = i + 1;

		while (j < B.len && B.p[j] == ' ')
			j++;
		if (j < B.len && B.p[j] == '"')
			return j + 1;
	}
	return 0;
}

static void br_truncate(uint64_t p)
{
	B.len = B.len < 4 ? 1 : B.len / 4 + (size_t)(p % (B.len / 2));
}

static void br_trailing_comma(uint64_t p)
{
	size_t end = skip_ws_back(B.len), prev;

	if (end < 2) {
		br_truncate(p);
		return;
	}
	prev = skip_ws_back(end - 1);
	if (prev == 0 || B.p[prev - 1] == '{' || B.p[prev - 1] == '[') {
		br_truncate(p);
		return;
	}
	binsert(prev, ",", 1);
}

static void br_bad_utf8(uint64_t p)
{
	static const char *const ins[] = {
		"\xe9t\xe9 ",                 /* Latin-1 "été" */
		"\x93smart quotes\x94 ",      /* Windows-1252 quotes */
		"caf\xc3",                    /* a cut multi-byte sequence */
		"\xff\xfe",
	};
	const char *s = ins[p % NELEM(ins)];
	size_t at = first_string_value();

	binsert(at ? at : 1, s, strlen(s));
}

static void br_empty(uint64_t p)
{
	static const char *const forms[] = { "", "\n", "  \r\n" };

	B.len = 0;
	bs(forms[p % NELEM(forms)]);
}

static void br_comment(uint64_t p)
{
	static const char *const forms[] = {
		"// generated by sync-agent v2 \xe2\x80\x94 do not edit\n",
		"# exported by cron job, see README\n",
		"/* TODO: drop after the move */ ",
	};
	const char *s = forms[p % NELEM(forms)];

	binsert(p % NELEM(forms) == 2 ? 1 : 0, s, strlen(s));
}

static void br_single_quotes(uint64_t p)
{
	size_t a, b;

	for (a = 0; a < B.len && B.p[a] != '"'; a++)
		;
	for (b = a + 1; b < B.len && !(B.p[b] == '"' && B.p[b - 1] != '\\'); b++)
		;
	if (b >= B.len) {
		br_truncate(p);
		return;
	}
	B.p[a] = B.p[b] = '\'';
}

static void br_nan(uint64_t p)
{
	static const char *const forms[] = { "NaN", "Infinity", "-Infinity", "nan" };
	size_t i;

	for (i = 1; i + 2 < B.len; i++) {
		if (B.p[i] != ':' || B.p[i - 1] != '"' || (i >= 2 && B.p[i - 2] == '\\'))
			continue;
		size_t j = i + 1, e;

		while (j < B.len && B.p[j] == ' ')
			j++;
		if (j >= B.len || !(B.p[j] == '-' || (B.p[j] >= '0' && B.p[j] <= '9')))
			continue;
		for (e = j; e < B.len && strchr("-+0123456789.eE", B.p[e]); e++)
			;
		const char *s = forms[p % NELEM(forms)];
		size_t sl = strlen(s);

		memmove(B.p + j, B.p + e, B.len - e);
		B.len -= e - j;
		binsert(j, s, sl);
		return;
	}
	br_trailing_comma(p);
}

static void br_trailing_data(uint64_t p)
{
	if (p % 2) {
		bs("}\n");
	} else {
		size_t n = B.len / 3 ? B.len / 3 : 1, i;

		for (i = 0; i < n; i++)
			bput(B.p + i, 1);
	}
}

static void br_conflict(uint64_t p)
{
	const char *nl = memchr(B.p + B.len / 3, '\n', B.len - B.len / 3);
	static const char head[] = "<<<<<<< HEAD\n";

	(void)p;
	if (!nl) {
		size_t n = B.len;
		char *copy = malloc(n + 1);

		if (!copy)
			die("malloc");
		memcpy(copy, B.p, n);
		binsert(0, head, strlen(head));
		bs("\n=======\n");
		bput(copy, n);
		bs("\n>>>>>>> origin/main\n");
		free(copy);
		return;
	}
	/* around the line after that newline */
	size_t ls = (size_t)(nl - B.p) + 1, le = ls;
	char line[4096];
	size_t ll;

	while (le < B.len && B.p[le] != '\n')
		le++;
	ll = le - ls < sizeof(line) ? le - ls : sizeof(line) - 1;
	memcpy(line, B.p + ls, ll);
	line[ll] = 0;
	{
		char tail[4200];
		int tn = snprintf(tail, sizeof(tail), "\n=======\n%s\n>>>>>>> feature/agent-sync", line);

		binsert(le, tail, (size_t)tn);
	}
	binsert(ls, head, strlen(head));
}

static void br_utf16(uint64_t p)
{
	char *src = malloc(B.len + 1);
	size_t n = B.len, i = 0;

	(void)p;
	if (!src)
		die("malloc");
	memcpy(src, B.p, n);
	B.len = 0;
	bput("\xff\xfe", 2);
	while (i < n) {
		unsigned char c = (unsigned char)src[i];
		unsigned cp, len;
		unsigned char u[4];

		if (c < 0x80) { cp = c; len = 1; }
		else if (c >= 0xf0) { cp = c & 0x07; len = 4; }
		else if (c >= 0xe0) { cp = c & 0x0f; len = 3; }
		else { cp = c & 0x1f; len = 2; }
		for (unsigned k = 1; k < len && i + k < n; k++)
			cp = (cp << 6) | ((unsigned char)src[i + k] & 0x3f);
		i += len;
		if (cp >= 0x10000) {
			unsigned hi = 0xd800 + ((cp - 0x10000) >> 10), lo = 0xdc00 + ((cp - 0x10000) & 0x3ff);

			u[0] = (unsigned char)hi; u[1] = (unsigned char)(hi >> 8);
			u[2] = (unsigned char)lo; u[3] = (unsigned char)(lo >> 8);
			bput(u, 4);
		} else {
			u[0] = (unsigned char)cp; u[1] = (unsigned char)(cp >> 8);
			bput(u, 2);
		}
	}
	free(src);
}

static void apply_shape(struct file *f)
{
	char *copy;
	size_t n = skip_ws_back(B.len);

	switch (f->sub) {
	case SH_WRAP:
		copy = malloc(n + 1);
		if (!copy)
			die("malloc");
		memcpy(copy, B.p, n);
		B.len = 0;
		bs(f->g->array ? "{\"items\": " : "[");
		bput(copy, n);
		bs(f->g->array ? "}\n" : "]\n");
		free(copy);
		break;
	case SH_NULL:
		B.len = 0;
		bs("null\n");
		break;
	case SH_EMPTY:
		B.len = 0;
		bs("{}\n");
		break;
	case SH_SCALAR:
		B.len = 0;
		bs("\"queue flushed by operator\"\n");
		break;
	default:  /* SH_DROP_ID: done by the writer */
		break;
	}
}

void file_end(struct file *f, const char *rel, time_t mtime)
{
	struct group *g = f->g;

	w_finish();
	if (f->kind == K_BROKEN) {
		switch (f->sub) {
		case BR_TRUNCATED: br_truncate(f->param); break;
		case BR_TRAILING_COMMA: br_trailing_comma(f->param); break;
		case BR_BAD_UTF8: br_bad_utf8(f->param); break;
		case BR_EMPTY: br_empty(f->param); break;
		case BR_COMMENT: br_comment(f->param); break;
		case BR_SINGLE_QUOTES: br_single_quotes(f->param); break;
		case BR_NAN: br_nan(f->param); break;
		case BR_TRAILING_DATA: br_trailing_data(f->param); break;
		case BR_CONFLICT: br_conflict(f->param); break;
		default: br_utf16(f->param); break;
		}
		n_broken[f->sub]++;
	} else if (f->kind == K_SHAPE) {
		apply_shape(f);
		n_shape[f->sub]++;
	}
	write_file(rel, f->kind, g->label, mtime);
	if (f->src)
		snprintf(g->coll_src, sizeof(g->coll_src), "%s", rel);
	if (f->dup)
		printf("collide\t%s\t%s\t%s\t%s\t%s\n", g->label, g->id_key, g->coll_id, g->coll_src, rel);
	g->idx++;
	B.len = 0;
}
