/*
 * genlayout.c - deterministic generator of agent-workspace trees in layouts
 * unlike ../shared/samples/agent-cellphone-v1 (issue 10): tests and
 * benchmarks check wsmigrate, and `wsmigrate init`, on trees nobody tuned
 * rules for.  It writes files directly (no process per file), so 10^5 files
 * take seconds.  It knows nothing about wsmigrate's manifest or reader: the
 * list it writes says what each file *is*, not what the tool makes of it.
 *
 * usage: genlayout --layout NAME --out DIR [--list FILE] [--seed N]
 *                  [--files N] [--broken RATE] [--collide] [--mutate] [-q]
 *        genlayout --layouts
 *
 * Layouts, list format and guarantees: tests/tools/README.md.
 *
 * Three random streams keep the guarantees independent of each other:
 *   - the *shape* stream (a stateless hash of --seed) picks everything that
 *     makes the tree's shape: per-group counts, key spellings, which file of
 *     a group lacks an optional field, which holds the object variant of a
 *     polymorphic field, which timestamp spelling a field uses.  Per-file
 *     structure cycles with the file's index in its group, so any group of a
 *     few files already shows every variant.
 *   - the *content* stream (C) picks names, ids, dates, text and numbers.
 *     --mutate reseeds it only: the twin tree has the same shape (same groups,
 *     counts and per-index structure) but other agents, ids, dates and text.
 *   - the *breakage* stream (K) draws exactly two numbers per data file, so
 *     the clean files are the same bytes whatever --broken is.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

/* ================================================================ random */

static uint64_t mix64(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t strhash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

struct rng {
	uint64_t s;
};

static uint64_t rnext(struct rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return mix64(r->s);
}

static struct rng C;          /* content */
static struct rng K;          /* breakage decisions */
static uint64_t shape_seed;   /* shape: stateless */

/* content: integer in [0, n) */
static unsigned cr(unsigned n)
{
	return n ? (unsigned)(rnext(&C) % n) : 0;
}

static double cf(void)
{
	return (double)(rnext(&C) >> 11) / 9007199254740992.0;
}

/* shape: a stable choice in [0, n) named by tag */
static unsigned shp(const char *tag, unsigned n)
{
	return (unsigned)(mix64(shape_seed ^ strhash(tag)) % n);
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define PICK(a) ((a)[cr(NELEM(a))])

/* ================================================================ buffer */

static struct {
	char *p;
	size_t len, cap;
} B;

static void die(const char *what)
{
	fprintf(stderr, "genlayout: %s: %s\n", what, strerror(errno));
	exit(3);
}

static void breserve(size_t extra)
{
	if (B.len + extra + 1 <= B.cap)
		return;
	while (B.len + extra + 1 > B.cap)
		B.cap = B.cap ? B.cap * 2 : 1 << 16;
	B.p = realloc(B.p, B.cap);
	if (!B.p)
		die("realloc");
}

static void bput(const void *s, size_t n)
{
	breserve(n);
	memcpy(B.p + B.len, s, n);
	B.len += n;
}

static void bs(const char *s)
{
	bput(s, strlen(s));
}

static void bf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void bf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	breserve((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(B.p + B.len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	B.len += (size_t)n;
}

/* insert n bytes at pos */
static void binsert(size_t pos, const char *s, size_t n)
{
	breserve(n);
	memmove(B.p + pos + n, B.p + pos, B.len - pos);
	memcpy(B.p + pos, s, n);
	B.len += n;
}

/* ================================================================ JSON writer */

/*
 * Output styles seen in real trees: Python's json.dump (ASCII escapes by
 * default, no final newline), JSON.stringify, tab-indented editors, Windows
 * line ends, one-line dumps.
 */
struct style {
	const char *name;
	int indent;     /* spaces per level; 0 = one line */
	int tab;        /* indent with tabs */
	int ascii;      /* escape non-ASCII as \uXXXX (Python ensure_ascii) */
	int crlf;       /* CR LF line ends */
	int final_nl;   /* newline after the document */
	int minified;   /* one line without spaces (else ", " and ": ") */
};

static const struct style ST_PY2 = { "py2", 2, 0, 1, 0, 0, 0 };
static const struct style ST_PY4 = { "py4", 4, 0, 1, 0, 0, 0 };
static const struct style ST_JS2 = { "js2", 2, 0, 0, 0, 1, 0 };
static const struct style ST_TAB = { "tab", 0, 1, 0, 0, 1, 0 };
static const struct style ST_CRLF = { "crlf", 2, 0, 0, 1, 1, 0 };
static const struct style ST_DUMPS = { "dumps", 0, 0, 1, 0, 0, 0 };
static const struct style ST_MIN = { "min", 0, 0, 0, 0, 0, 1 };
static const struct style *const STYLES[] = {
	&ST_PY2, &ST_PY4, &ST_JS2, &ST_TAB, &ST_CRLF, &ST_DUMPS, &ST_MIN,
};

#define MAXDEPTH 48

static struct {
	const struct style *st;
	int depth;
	int n[MAXDEPTH];
	char close[MAXDEPTH];
	const char *drop;   /* top-level key to leave out (shape: missing id) */
} W;

static int pretty(void)
{
	return W.st->indent > 0 || W.st->tab;
}

static void w_nl(void)
{
	int i;

	bs(W.st->crlf ? "\r\n" : "\n");
	for (i = 0; i < W.depth; i++) {
		if (W.st->tab)
			bput("\t", 1);
		else
			bf("%*s", W.st->indent, "");
	}
}

/* one JSON string; non-ASCII escaped in ASCII styles (UTF-16 surrogates) */
static void w_str(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	bput("\"", 1);
	while (*p) {
		unsigned c = *p;

		if (c == '"') {
			bs("\\\"");
		} else if (c == '\\') {
			bs("\\\\");
		} else if (c == '\n') {
			bs("\\n");
		} else if (c == '\r') {
			bs("\\r");
		} else if (c == '\t') {
			bs("\\t");
		} else if (c < 0x20) {
			bf("\\u%04x", c);
		} else if (c >= 0x80 && W.st->ascii) {
			unsigned cp, len;

			if (c >= 0xf0) { cp = c & 0x07; len = 4; }
			else if (c >= 0xe0) { cp = c & 0x0f; len = 3; }
			else { cp = c & 0x1f; len = 2; }
			for (unsigned i = 1; i < len; i++)
				cp = (cp << 6) | (p[i] & 0x3f);
			if (cp >= 0x10000) {
				cp -= 0x10000;
				bf("\\u%04x\\u%04x", 0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
			} else {
				bf("\\u%04x", cp);
			}
			p += len;
			continue;
		} else {
			bput(p, 1);
		}
		p++;
	}
	bput("\"", 1);
}

/* separator and key before a value; 0 when the member must be left out */
static int w_key(const char *k)
{
	if (W.depth == 1 && k && W.drop && strcmp(k, W.drop) == 0)
		return 0;
	if (W.depth > 0) {
		if (W.n[W.depth]++) {
			bput(",", 1);
			if (!pretty() && !W.st->minified)
				bput(" ", 1);
		}
		if (pretty())
			w_nl();
		if (k) {
			w_str(k);
			bs(W.st->minified ? ":" : ": ");
		}
	}
	return 1;
}

static void w_open(const char *k, char c)
{
	if (!w_key(k)) {
		fprintf(stderr, "genlayout: internal error: container '%s' dropped\n", k);
		exit(3);
	}
	if (W.depth + 1 >= MAXDEPTH) {
		fprintf(stderr, "genlayout: internal error: too deep\n");
		exit(3);
	}
	bput(&c, 1);
	W.depth++;
	W.n[W.depth] = 0;
	W.close[W.depth] = c == '{' ? '}' : ']';
}

static void jo(const char *k) { w_open(k, '{'); }
static void ja(const char *k) { w_open(k, '['); }

static void je(void)
{
	int had = W.n[W.depth];
	char c = W.close[W.depth];

	W.depth--;
	if (had && pretty())
		w_nl();
	bput(&c, 1);
}

static void js(const char *k, const char *v)
{
	if (w_key(k))
		w_str(v);
}

static void jsf(const char *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void jsf(const char *k, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	js(k, tmp);
}

static void jraw(const char *k, const char *v)
{
	if (w_key(k))
		bs(v);
}

static void ji(const char *k, long long v)
{
	if (w_key(k))
		bf("%lld", v);
}

/* a number that is never integral: the last printed digit is made non-zero */
static void jf(const char *k, double v, int prec)
{
	char tmp[64];
	size_t n;

	snprintf(tmp, sizeof(tmp), "%.*f", prec < 1 ? 1 : prec, v);
	n = strlen(tmp);
	if (tmp[n - 1] == '0')
		tmp[n - 1] = (char)('1' + (int)(mix64((uint64_t)n + (uint64_t)(int64_t)(v * 1000)) % 9));
	jraw(k, tmp);
}

static void jb(const char *k, int v) { jraw(k, v ? "true" : "false"); }
static void jnull(const char *k) { jraw(k, "null"); }

static void w_begin(const struct style *st)
{
	B.len = 0;
	W.st = st;
	W.depth = 0;
	W.drop = NULL;
}

static void w_finish(void)
{
	if (W.st->final_nl)
		bs(W.st->crlf ? "\r\n" : "\n");
}

/* ================================================================ vocabulary */

static const char *const WORDS[] = {
	"refactor", "migrate", "ledger", "cache", "retry", "deploy", "index",
	"schema", "cluster", "shard", "token", "prompt", "review", "merge",
	"benchmark", "latency", "budget", "rollout", "canary", "sandbox",
	"webhook", "parser", "queue", "worker", "backlog", "sprint", "audit",
	"coverage", "embedding", "vector", "handoff", "scraper", "planner",
	"the", "a", "of", "to", "and", "for", "with", "on", "in", "before",
	"after", "without", "is", "was", "needs", "fixed", "still",
	"crème", "brûlée", "naïve", "façade", "Zürich", "São Paulo", "smörgåsbord",
	"jalapeño", "coöperate", "Łódź",
	"東京", "会議", "タスク", "完了", "数据库", "迁移", "任务", "задача",
	"готово", "проверка", "Δοκιμή", "λάθος", "مرحبا", "שלום", "한국어",
	"ไทย", "हिन्दी", "e\xcc\x81te\xcc\x81",
	"🚀", "✅", "❌", "🔥", "🧠", "📊", "🛠️", "👩‍💻", "🇫🇷", "⏳", "∞", "→",
	"½", "€", "\xe2\x80\xa8",
};

static char textbuf[8][4096];
static unsigned textslot;

/* a sentence of about nw words; now and then a tab, a line break, quotes, a
   Windows path or a URL.  Valid for 8 calls. */
static const char *text(int nw)
{
	char *o = textbuf[textslot++ & 7];
	size_t n = 0;
	int i;

	for (i = 0; i < nw && n < 3800; i++) {
		const char *w = PICK(WORDS);
		size_t l = strlen(w);

		if (i)
			o[n++] = ' ';
		if (i == 0 && w[0] >= 'a' && w[0] <= 'z') {
			o[n++] = (char)(w[0] - 32);
			w++;
			l--;
		}
		memcpy(o + n, w, l);
		n += l;
	}
	o[n] = 0;
	switch (cr(14)) {
	case 0: snprintf(o + n, 4096 - n, "\n\n- step one\n- step two"); break;
	case 1: snprintf(o + n, 4096 - n, "\tsee \"notes\" below"); break;
	case 2: snprintf(o + n, 4096 - n, " (C:\\Users\\ops\\swarm\\logs\\run_%u.txt)", cr(999)); break;
	case 3: snprintf(o + n, 4096 - n, " https://example.org/a/b?x=%u&y=%%20", cr(99)); break;
	case 4: snprintf(o + n, 4096 - n, "."); break;
	default: break;
	}
	return o;
}

static char idbuf[16][128];
static unsigned idslot;

static char *slot(void)
{
	return idbuf[idslot++ & 15];
}

static const char *hexs(int n)
{
	char *o = slot();
	int i;

	for (i = 0; i < n && i < 100; i++)
		o[i] = "0123456789abcdef"[cr(16)];
	o[i] = 0;
	return o;
}

static const char *uuid(void)
{
	char *o = slot();
	uint64_t a = rnext(&C), b = rnext(&C);

	snprintf(o, 128, "%08x-%04x-4%03x-%x%03x-%012llx", (unsigned)(a >> 32),
		 (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xfff, 8 + (unsigned)(b >> 62),
		 (unsigned)(b >> 48) & 0xfff, (unsigned long long)(b & 0xffffffffffffULL));
	return o;
}

/* an integer of 20 to 26 digits, as JSON text */
static const char *bigint(void)
{
	char *o = slot();
	int n = 20 + (int)cr(7), i;

	o[0] = (char)('1' + cr(9));
	for (i = 1; i < n; i++)
		o[i] = (char)('0' + cr(10));
	o[n] = 0;
	return o;
}

/* ================================================================ timestamps */

enum {
	T_Z,          /* 2025-08-14T09:12:33Z */
	T_ZMS,        /* 2025-08-14T09:12:33.123Z (JavaScript toISOString) */
	T_OFF,        /* 2025-08-14T11:12:33+02:00 */
	T_NAIVE,      /* 2025-08-14T09:12:33.123456 (Python isoformat) */
	T_SPACE,      /* 2025-08-14 09:12:33 */
	T_EPOCH,      /* 1755162753 */
	T_EPOCH_MS,   /* 1755162753123 */
	T_EPOCH_F,    /* 1755162753.123456 (Python time.time()) */
	T_DATE,       /* 2025-08-14 */
	T_SLACK,      /* "1755162753.000200" (a string) */
};

static const char *tstr(time_t t, int sp)
{
	static const int offs[] = { 120, -300, 330, 540, -420, 0, 60, -180 };
	char *o = slot();
	struct tm tm;
	size_t n;

	if (sp == T_OFF) {
		int off = offs[cr(NELEM(offs))];
		time_t lt = t + off * 60;

		gmtime_r(&lt, &tm);
		n = strftime(o, 128, "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(o + n, 128 - n, "%c%02d:%02d", off < 0 ? '-' : '+', abs(off) / 60, abs(off) % 60);
		return o;
	}
	gmtime_r(&t, &tm);
	switch (sp) {
	case T_Z: strftime(o, 128, "%Y-%m-%dT%H:%M:%SZ", &tm); break;
	case T_ZMS:
		n = strftime(o, 128, "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(o + n, 128 - n, ".%03uZ", cr(1000));
		break;
	case T_NAIVE:
		n = strftime(o, 128, "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(o + n, 128 - n, ".%06u", 1 + cr(999999));
		break;
	case T_SPACE: strftime(o, 128, "%Y-%m-%d %H:%M:%S", &tm); break;
	case T_EPOCH: snprintf(o, 128, "%lld", (long long)t); break;
	case T_EPOCH_MS: snprintf(o, 128, "%lld%03u", (long long)t, cr(1000)); break;
	case T_EPOCH_F: snprintf(o, 128, "%lld.%06u", (long long)t, 1 + cr(999999)); break;
	case T_DATE: strftime(o, 128, "%Y-%m-%d", &tm); break;
	case T_SLACK: snprintf(o, 128, "%lld.%06u", (long long)t, 1 + cr(999999)); break;
	default: o[0] = 0; break;
	}
	return o;
}

/* a timestamp member in spelling sp: numbers for the epoch spellings */
static void jt(const char *k, time_t t, int sp)
{
	const char *s = tstr(t, sp);

	if (sp == T_EPOCH || sp == T_EPOCH_MS || sp == T_EPOCH_F)
		jraw(k, s);
	else
		js(k, s);
}

/* a date for file names: D_MONTH 2025-08, D_DAY 2025-08-14, D_COMPACT 20250814 */
enum { D_MONTH, D_DAY, D_COMPACT };

static const char *dstr(time_t t, int form)
{
	char *o = slot();
	struct tm tm;

	gmtime_r(&t, &tm);
	if (form == D_MONTH)
		snprintf(o, 128, "%04d-%02d", tm.tm_year + 1900, tm.tm_mon + 1);
	else if (form == D_DAY)
		snprintf(o, 128, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	else
		snprintf(o, 128, "%04d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	return o;
}

/* ================================================================ output */

enum kind { K_CLEAN, K_BROKEN, K_SHAPE, K_IGNORED, K_OTHER, K_N };
static const char *const KIND_NAMES[] = { "clean", "broken", "shape", "ignored", "other" };

enum broken {
	BR_TRUNCATED, BR_TRAILING_COMMA, BR_BAD_UTF8, BR_EMPTY, BR_COMMENT,
	BR_SINGLE_QUOTES, BR_NAN, BR_TRAILING_DATA, BR_CONFLICT, BR_UTF16, BR_N
};
static const char *const BROKEN_NAMES[] = {
	"truncated", "trailing_comma", "bad_utf8", "empty", "comment",
	"single_quotes", "nan", "trailing_data", "conflict_markers", "utf16",
};

enum shape {
	SH_WRAP, SH_DROP_ID, SH_NULL, SH_EMPTY, SH_SCALAR, SH_N
};
static const char *const SHAPE_NAMES[] = {
	"wrapped", "missing_id", "null", "empty_object", "scalar",
};

static const char *outdir;
static FILE *listf;
static double broken_rate;
static int collide, quiet;
static long n_kind[K_N], n_broken[BR_N], n_shape[SH_N];
static long long bytes_out;
static long n_broken_seq, n_shape_seq;   /* round-robin over kinds */
static unsigned broken_start, shape_start;

static void mkdirs(char *path)
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
static void emit(const char *rel, enum kind kind, const char *group, time_t mtime)
{
	write_file(rel, kind, group, mtime);
	B.len = 0;
}

/* ================================================================ groups */

struct group {
	const char *label;
	const char *id_key;   /* top-level string id, always present, unique */
	int array;            /* documents are top-level arrays */
	int hetero;           /* files of several shapes: no member common to all */
	const struct style *st;
	uint64_t salt;
	long idx;             /* files of this group so far */
	long elem;            /* array elements of this group so far (E) */
	uint64_t coff;        /* content offset of categorical values */
	long coll_at;         /* --collide: index of the duplicate, or -1 */
	char coll_id[128];
	char coll_src[PATH_MAX];
};

static int g_mixed_styles;   /* mixed layout: a style per file */

static void group_init(struct group *g, const char *label, const char *id_key, int array, long count)
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
static unsigned V(const struct group *g, unsigned tag, unsigned period)
{
	return (unsigned)(((uint64_t)g->idx + mix64(g->salt + tag)) % period);
}

/* the same per array element, with a counter the generator bumps (el) */
static unsigned E(const struct group *g, unsigned tag, unsigned period)
{
	return (unsigned)(((uint64_t)g->elem + mix64(g->salt + tag)) % period);
}

static void el(struct group *g)
{
	g->elem++;
}

/*
 * A categorical value: any NELEM(arr) consecutive files (or elements) of a
 * group show every value, so the twin tree never holds one the original
 * lacks; the starting point comes from the content stream.
 */
static const char *cat(const struct group *g, long i, unsigned tag, const char *const *arr, unsigned n)
{
	return arr[((uint64_t)i + mix64(g->coff + tag)) % n];
}

#define VCAT(g, tag, arr) cat((g), (g)->idx, (tag), (arr), NELEM(arr))
#define ECAT(g, tag, arr) cat((g), (g)->elem, (tag), (arr), NELEM(arr))

struct file {
	struct group *g;
	enum kind kind;
	int sub;          /* broken or shape kind */
	uint64_t param;   /* drawn for the transform */
	int dup;          /* --collide: this file repeats an earlier id */
	int src;          /* --collide: this file's id is the one repeated */
};

static const int SHAPES_OBJ_ID[] = { SH_WRAP, SH_DROP_ID, SH_NULL, SH_EMPTY };
static const int SHAPES_OBJ[] = { SH_WRAP, SH_NULL, SH_EMPTY };
static const int SHAPES_ARR[] = { SH_WRAP, SH_NULL, SH_SCALAR };
static const int SHAPES_HETERO[] = { SH_WRAP, SH_NULL };

static void file_begin(struct file *f, struct group *g)
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
static const char *file_id(struct file *f, const char *natural)
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

static void file_end(struct file *f, const char *rel, time_t mtime)
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

/* ================================================================ shared bits */

static long share(long bulk, long permille, long min)
{
	long v = bulk * permille / 1000;

	return v < min ? min : v;
}

/* what is left of bulk for the main group, at least min */
static long rest(long bulk, long used, long min)
{
	return bulk - used < min ? min : bulk - used;
}

/* per-item count when `total` is spread over `n` holders */
static long split(long total, long n, long i)
{
	return total / n + (i < total % n ? 1 : 0);
}

static time_t base_time(void)
{
	/* 2024-09-01 + up to ~300 days */
	return (time_t)1725148800 + (time_t)cr(300) * 86400 + (time_t)cr(86400);
}

static void lower(char *d, const char *s, size_t n)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < n; i++)
		d[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
	d[i] = 0;
}

struct agent {
	char name[32];    /* as in folder names */
	char tag[32];     /* upper-case, alphanumeric */
	char low[32];     /* lower-case */
	int num;
};

static const char *const CALLSIGNS[] = {
	"Atlas", "Borealis", "Cobalt", "Dune", "Ember", "Fjord", "Gale", "Helix",
	"Indigo", "Juniper", "Kestrel", "Lumen", "Mistral", "Nimbus", "Onyx",
	"Pylon", "Quartz", "Rook", "Sable", "Tundra", "Umbra", "Vesper", "Wren",
	"Xenon", "Yarrow", "Zephyr",
};

/* n distinct agents; names from the content stream, style from the shape */
static void make_agents(struct agent *a, int n, unsigned style)
{
	int used[32] = { 0 };
	int i;

	for (i = 0; i < n; i++) {
		int k;
		size_t j, t = 0;

		do
			k = (int)cr(style == 1 ? NELEM(CALLSIGNS) : 16);
		while (used[k]);
		used[k] = 1;
		a[i].num = k + 1;
		if (style == 0)
			snprintf(a[i].name, sizeof(a[i].name), "Agent-%d", k + 1);
		else if (style == 1)
			snprintf(a[i].name, sizeof(a[i].name), "%s", CALLSIGNS[k]);
		else
			snprintf(a[i].name, sizeof(a[i].name), "agent-%02d", k + 1);
		for (j = 0; a[i].name[j]; j++) {
			char c = a[i].name[j];

			if (c >= 'a' && c <= 'z')
				c = (char)(c - 32);
			if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
				a[i].tag[t++] = c;
		}
		a[i].tag[t] = 0;
		lower(a[i].low, a[i].name, sizeof(a[i].low));
	}
}

static const char *const TAGS[] = {
	"backend", "frontend", "infra", "docs", "urgent", "tech-debt", "research",
	"ml", "security", "perf", "ux", "data", "ops", "größe", "高优先级",
};

/* ---- ignored and other files ---- */

static void npm_package_json(const char *name, const char *ver)
{
	bf("{\n  \"name\": \"%s\",\n  \"version\": \"%s\",\n  \"description\": \"%s\",\n"
	   "  \"main\": \"index.js\",\n  \"license\": \"MIT\",\n  \"dependencies\": {\n"
	   "    \"debug\": \"^4.3.%u\"\n  }\n}\n", name, ver, text(5), cr(7));
}

/* node_modules under prefix ("" or "x/"): packages, nested deps, a test
   fixture that is not valid JSON (it must never be read) */
static void ignored_node_modules(const char *prefix, int npkg, time_t t)
{
	static const char *const PKGS[] = {
		"ajv", "chalk", "lodash", "uuid", "yargs", "zod", "dotenv", "ws",
		"express", "commander", "semver", "minimist", "debug", "ms",
	};
	char rel[PATH_MAX], ver[32];
	int i;

	for (i = 0; i < npkg; i++) {
		const char *p = PKGS[i % NELEM(PKGS)];
		char name[64];

		if (i < (int)NELEM(PKGS))
			snprintf(name, sizeof(name), "%s", p);
		else
			snprintf(name, sizeof(name), "%s-plugin-%d", p, i);
		snprintf(ver, sizeof(ver), "%u.%u.%u", 1 + cr(9), cr(20), cr(30));
		snprintf(rel, sizeof(rel), "%snode_modules/%s/package.json", prefix, name);
		npm_package_json(name, ver);
		emit(rel, K_IGNORED, "node_modules", t);
		snprintf(rel, sizeof(rel), "%snode_modules/%s/index.js", prefix, name);
		bs("'use strict';\nmodule.exports = require('./lib');\n");
		emit(rel, K_IGNORED, "node_modules", t);
		if (i % 3 == 0) {
			snprintf(rel, sizeof(rel), "%snode_modules/%s/lib/data/codes.json", prefix, name);
			bf("{\"E%03u\": \"%s\", \"E%03u\": \"%s\"}\n", cr(500), text(3), 500 + cr(499), text(3));
			emit(rel, K_IGNORED, "node_modules", t);
			snprintf(rel, sizeof(rel), "%snode_modules/%s/node_modules/ms/package.json", prefix, name);
			npm_package_json("ms", "2.1.3");
			emit(rel, K_IGNORED, "node_modules", t);
		}
	}
	snprintf(rel, sizeof(rel), "%snode_modules/%s/test/fixtures/invalid.json", prefix, PKGS[0]);
	bs("{\"a\": 1,, // on purpose\n");
	emit(rel, K_IGNORED, "node_modules", t);
	snprintf(rel, sizeof(rel), "%snode_modules/.package-lock.json", prefix);
	bs("{\n  \"name\": \"workspace\",\n  \"lockfileVersion\": 3,\n  \"packages\": {}\n}\n");
	emit(rel, K_IGNORED, "npm", t);
}

static void ignored_git(time_t t)
{
	bs("ref: refs/heads/main\n");
	emit(".git/HEAD", K_IGNORED, "git", t);
	bs("[core]\n\trepositoryformatversion = 0\n\tbare = false\n[remote \"origin\"]\n"
	   "\turl = git@example.org:team/workspace.git\n");
	emit(".git/config", K_IGNORED, "git", t);
	bf("{\"lastFetch\": %lld, \"branches\": [\"main\", \"agent-sync\"], \"dirty\": true,}\n",
	   (long long)t);
	emit(".git/gk/state.json", K_IGNORED, "git", t);
	bf("{\"version\": 1, \"objects\": %u}\n", cr(90000));
	emit(".git/lfs/cache/index.json", K_IGNORED, "git", t);
}

static void ignored_npm_root(const char *prefix, time_t t)
{
	char rel[PATH_MAX];

	snprintf(rel, sizeof(rel), "%spackage.json", prefix);
	npm_package_json("workspace-tools", "0.4.2");
	emit(rel, K_IGNORED, "npm", t);
	snprintf(rel, sizeof(rel), "%spackage-lock.json", prefix);
	bs("{\n  \"name\": \"workspace-tools\",\n  \"version\": \"0.4.2\",\n  \"lockfileVersion\": 3,\n"
	   "  \"requires\": true,\n  \"packages\": {\n    \"\": {\"name\": \"workspace-tools\"}\n  }\n}\n");
	emit(rel, K_IGNORED, "npm", t);
}

static void ignored_venv(int npkg, time_t t)
{
	static const char *const PY[] = { "pydantic", "httpx", "openai", "tiktoken", "rich", "numpy" };
	char rel[PATH_MAX];
	int i;

	bs("home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.7\n");
	emit(".venv/pyvenv.cfg", K_IGNORED, "venv", t);
	for (i = 0; i < npkg; i++) {
		char p[64];

		if (i < (int)NELEM(PY))
			snprintf(p, sizeof(p), "%s", PY[i]);
		else
			snprintf(p, sizeof(p), "%s_ext%d", PY[i % NELEM(PY)], i);
		snprintf(rel, sizeof(rel), ".venv/lib/python3.11/site-packages/%s/py.typed.json", p);
		bf("{\"package\": \"%s\", \"typed\": true}\n", p);
		emit(rel, K_IGNORED, "venv", t);
		snprintf(rel, sizeof(rel), ".venv/lib/python3.11/site-packages/%s-%u.%u.dist-info/METADATA", p,
			 1 + cr(3), cr(12));
		bf("Metadata-Version: 2.1\nName: %s\n", p);
		emit(rel, K_IGNORED, "venv", t);
	}
}

/* ================================================================ swarm */

/*
 * The "next generation" system the issue describes: per-agent task files and
 * dated status snapshots, analysis output and its chunks, one queue file
 * holding an array of messages, upper-case reports at the root, a contract
 * folder whose registry sits beside the contracts, check-ins per agent.
 */
static void gen_swarm(long nfiles)
{
	struct agent ag[8];
	int na = 4 + (int)shp("swarm.agents", 5), i;
	unsigned astyle = shp("swarm.agent_style", 3);
	int camel = shp("swarm.camel", 3) == 0;
	const char *k_task_id = camel ? "taskId" : "task_id";
	const char *k_created = camel ? "createdAt" : "created_at";
	const char *k_updated = camel ? "updatedAt" : "updated_at";
	long fixed = 1 + 2 + 7 + na;
	long bulk = nfiles > fixed ? nfiles - fixed : 0;
	long nstat = share(bulk, 180, 8);
	long nchk = share(bulk, 140, 6), nana = share(bulk, 60, 4);
	long nchunk = share(bulk, 100, 5), ncon = share(bulk, 60, 5);
	long nphase = share(bulk, 5, 1);
	long ntask = rest(bulk, nstat + nchk + nana + nchunk + ncon + nphase, 12);
	long nmsg = 20 + nfiles / 25, ndead = 3 + nfiles / 400;
	struct group gp, gt, gs, gc, ga, gch, gq, gcr, gco, gr;
	struct file f;
	char rel[PATH_MAX];
	time_t t0, t;

	make_agents(ag, na, astyle);
	t0 = base_time();
	group_init(&gp, "agent_profiles", "agent_id", 0, na);
	group_init(&gt, "tasks", k_task_id, 0, ntask);
	group_init(&gs, "status_snapshots", NULL, 0, nstat);
	group_init(&gc, "checkins", "checkin_id", 0, nchk);
	group_init(&ga, "analysis", "analysis_id", 0, nana);
	group_init(&gch, "analysis_chunks", NULL, 0, nchunk);
	group_init(&gq, "queue", NULL, 1, 2);
	group_init(&gcr, "contract_registry", NULL, 0, 1);
	group_init(&gco, "contracts", "contract_id", 0, ncon);
	group_init(&gr, "root_reports", NULL, 0, 7 + nphase);
	gr.hetero = 1;

	/* agent profiles: agent_workspaces/<A>/agent.json */
	for (i = 0; i < na; i++) {
		static const char *const ROLES[] = { "captain", "builder", "reviewer", "scout", "analyst" };
		static const char *const CAPS[] = { "code", "review", "plan", "search", "test", "deploy", "write" };
		int c, nc = 2 + (int)cr(4);

		file_begin(&f, &gp);
		t = t0 - 86400 * (time_t)(30 + cr(90));
		jo(NULL);
		js("agent_id", file_id(&f, ag[i].name));
		js("role", i == 0 ? "captain" : VCAT(&gp, 3, ROLES));
		ja("capabilities");
		for (c = 0; c < nc; c++)
			js(NULL, CAPS[(i + c) % NELEM(CAPS)]);
		je();
		jo("model");
		js("provider", cr(2) ? "openai" : "anthropic");
		jsf("name", "model-%u.%u", 3 + cr(2), cr(10));
		jf("temperature", cf(), 2);
		if (V(&gp, 1, 3))
			ji("max_tokens", 1024 << cr(4));
		je();
		jt(k_created, t, T_ZMS);
		jb("active", V(&gp, 2, 4) != 0);
		ji("max_parallel", 1 + cr(4));
		je();
		snprintf(rel, sizeof(rel), "agent_workspaces/%s/agent.json", ag[i].name);
		file_end(&f, rel, t);
	}

	/* tasks: agent_workspaces/<A>/tasks/TASK_<TAG>_NNNN.json */
	for (i = 0; i < na; i++) {
		static const char *const STATES[] = { "pending", "in_progress", "blocked", "review", "done", "cancelled" };
		static const char *const LOWHIGH[] = { "low", "high" };
		static const char *const SOURCES[] = { "captain", "self", "contract" };
		long cnt = split(ntask, na, i), s, start = 1 + cr(400);

		t = t0;
		for (s = 0; s < cnt; s++) {
			char id[64];
			int k, nsub;

			t += 60 + cr(7200);
			snprintf(id, sizeof(id), "TASK_%s_%04ld", ag[i].tag, start + s);
			file_begin(&f, &gt);
			jo(NULL);
			js(k_task_id, file_id(&f, id));
			js("title", text(3 + (int)cr(6)));
			if (V(&gt, 1, 4))
				js("description", text(12 + (int)cr(40)));
			js("status", VCAT(&gt, 20, STATES));
			if (V(&gt, 2, 3) == 0)
				ji("priority", 1 + cr(5));
			else
				jsf("priority", "P%u", cr(4));
			if (V(&gt, 3, 4) == 0) {
				jo("estimate");
				jf("hours", 0.5 + cr(40) / 2.0 + 0.25, 2);
				js("confidence", VCAT(&gt, 21, LOWHIGH));
				je();
			} else {
				jf("estimate", 0.5 + cr(16) + 0.5, 1);
			}
			js(V(&gt, 4, 6) == 0 ? "assigned_to" : "assignee", ag[i].name);
			jt(k_created, t, (int[]){ T_Z, T_OFF, T_SPACE }[V(&gt, 5, 3)]);
			if (V(&gt, 6, 2))
				jt(k_updated, t + cr(86400), T_EPOCH_F);
			else
				jt(k_updated, t + cr(86400), T_ZMS);
			if (V(&gt, 7, 3))
				js("due", tstr(t + 86400 * (time_t)(1 + cr(20)), T_DATE));
			else
				jnull("due");
			ja("tags");
			for (k = V(&gt, 11, 4) ? 1 + (int)cr(3) : 0; k > 0; k--)
				js(NULL, TAGS[(cr(NELEM(TAGS)) + (unsigned)k) % NELEM(TAGS)]);
			je();
			ja("depends_on");
			for (k = 1; k <= (int)cr(3) && s - k * 2 >= 0; k++)
				jsf(NULL, "TASK_%s_%04ld", ag[i].tag, start + s - k * 2);
			je();
			if (V(&gt, 8, 5)) {
				nsub = 1 + (int)cr(4);
				ja("subtasks");
				for (k = 0; k < nsub; k++) {
					el(&gt);
					jo(NULL);
					jsf("id", "%s.%d", id, k + 1);
					js("title", text(3 + (int)cr(4)));
					jb("done", cr(2));
					je();
				}
				je();
			}
			ji("progress", cr(101));
			ja("history");
			for (k = 0; k < 1 + (int)cr(3); k++) {
				jo(NULL);
				jt("at", t + k * 600, T_Z);
				js("from", STATES[k % 4]);
				js("to", STATES[(k + 1) % 4]);
				js("by", k ? ag[i].name : ag[0].name);
				je();
			}
			je();
			jo("meta");
			js("source", VCAT(&gt, 22, SOURCES));
			if (V(&gt, 9, 3) == 0)
				jsf("contract", "C-%04u", 1 + cr(200));
			ji("retries", cr(4));
			je();
			if (V(&gt, 10, 11) == 0)
				jraw("checksum", bigint());
			je();
			snprintf(rel, sizeof(rel), "agent_workspaces/%s/tasks/TASK_%s_%04ld.json",
				 ag[i].name, ag[i].tag, start + s);
			file_end(&f, rel, t);
		}
	}

	/* status snapshots: agent_workspaces/<A>/status/<YYYY-MM>/<YYYY-MM-DD>.json */
	for (i = 0; i < na; i++) {
		static const char *const ST[] = { "active", "idle", "blocked", "offline", "onboarding" };
		long cnt = split(nstat, na, i), s;
		time_t day = t0 - 86400 * (time_t)cnt;

		for (s = 0; s < cnt; s++) {
			day += 86400;
			t = day + cr(3600);
			file_begin(&f, &gs);
			jo(NULL);
			js("agent", ag[i].name);
			jt("snapshot_at", t, V(&gs, 1, 4) ? T_Z : T_OFF);
			js("state", VCAT(&gs, 20, ST));
			if (V(&gs, 2, 3))
				jsf("current_task", "TASK_%s_%04u", ag[i].tag, 1 + cr(60));
			else
				jnull("current_task");
			if (V(&gs, 3, 4) == 0) {
				jo("load");
				jf("cpu", cf(), 3);
				ji("mem_mb", 200 + cr(4000));
				je();
			} else {
				jf("load", cf() * 4, 2);
			}
			jo("metrics");
			ji("tasks_done", cr(400));
			ji("errors", cr(7));
			jf("uptime_s", cf() * 1e6, 1);
			ji("queue_depth", cr(30));
			je();
			jt("heartbeat", t - cr(60), T_EPOCH);
			if (V(&gs, 4, 3))
				js("notes", text(5 + (int)cr(12)));
			jsf("version", "2.%u.%u", cr(8), cr(20));
			je();
			snprintf(rel, sizeof(rel), "agent_workspaces/%s/status/%s/%s.json", ag[i].name,
				 dstr(day, D_MONTH), dstr(day, D_DAY));
			file_end(&f, rel, t);
		}
	}

	/* check-ins: checkins/<agent lower-case>/<YYYY-MM-DD>.json */
	for (i = 0; i < na; i++) {
		static const char *const MOODS[] = { "🙂", "😐", "🚀", "😴", "focused", "blocked 😤" };
		long cnt = split(nchk, na, i), s;
		time_t day = t0 - 86400 * (time_t)cnt;
		int k;

		for (s = 0; s < cnt; s++) {
			char id[32];

			day += 86400;
			t = day + 9 * 3600 + cr(7200);
			snprintf(id, sizeof(id), "chk_%s", hexs(10));
			file_begin(&f, &gc);
			jo(NULL);
			js("checkin_id", file_id(&f, id));
			js("agent", ag[i].name);
			jt("time", t, V(&gc, 1, 5) ? T_SPACE : T_NAIVE);
			js("mood", VCAT(&gc, 20, MOODS));
			ja("done");
			for (k = V(&gc, 4, 4) ? 1 + (int)cr(3) : 0; k > 0; k--)
				jsf(NULL, "TASK_%s_%04u", ag[i].tag, 1 + cr(80));
			je();
			ja("blockers");
			if (V(&gc, 2, 4) == 0)
				js(NULL, text(4 + (int)cr(6)));
			je();
			if (V(&gc, 3, 3))
				js("next", text(4 + (int)cr(10)));
			jf("hours", 0.5 + cr(10) + 0.25, 2);
			je();
			snprintf(rel, sizeof(rel), "checkins/%s/%s.json", ag[i].low, dstr(day, D_DAY));
			file_end(&f, rel, t);
		}
	}

	/* analysis/<topic>_<target>_<n>.json */
	t = t0;
	for (i = 0; i < nana; i++) {
		static const char *const TOPIC[] = { "code_quality", "dependency_graph", "complexity", "security_scan", "duplication" };
		static const char *const TARGET[] = { "core", "api", "ui", "cli", "agents", "infra", "billing" };
		static const char *const SEV[] = { "low", "medium", "high", "critical" };
		int k, by[4] = { 0 }, nfind;
		const char *topic = TOPIC[i % NELEM(TOPIC)], *target = PICK(TARGET);

		t += 600 + cr(86400);
		file_begin(&f, &ga);
		nfind = V(&ga, 2, 5) ? 1 + (int)cr(12) : 0;
		jo(NULL);
		js("analysis_id", file_id(&f, uuid()));
		js("type", topic);
		jsf("target", "src/%s", target);
		jt("generated_at", t, T_ZMS);
		jo("tool");
		js("name", (const char *[]){ "lintbot", "depwalk", "radon", "semgrep" }[cr(4)]);
		jsf("version", "%u.%u.%u", cr(3), cr(30), cr(10));
		je();
		jf("score", cf() * 10, 2);
		ja("findings");
		for (k = 0; k < nfind; k++) {
			int sv;

			el(&ga);
			sv = (int)E(&ga, 3, 4);
			by[sv]++;
			jo(NULL);
			js("severity", SEV[sv]);
			jsf("file", "src/%s/mod_%u.py", target, cr(50));
			ji("line", 1 + cr(900));
			jsf("rule", "R%04u", cr(2000));
			js("message", text(4 + (int)cr(10)));
			je();
		}
		je();
		jo("summary");
		ji("files", 1 + cr(400));
		ji("findings", nfind);
		jo("by_severity");
		for (k = 0; k < 4; k++)
			ji(SEV[k], by[k]);
		je();
		je();
		if (V(&ga, 1, 3))
			ji("duration_ms", cr(90000));
		je();
		snprintf(rel, sizeof(rel), "analysis/%s_%s_%03d.json", topic, target, i + 1);
		file_end(&f, rel, t);
	}

	/* analysis_chunks/chunk_NNN.json */
	t = t0;
	for (i = 0; i < nchunk; i++) {
		int nit = 2 + (int)cr(9), k, e;

		t += 5 + cr(120);
		file_begin(&f, &gch);
		jo(NULL);
		ji("chunk", i);
		ji("of", nchunk);
		jsf("source", "analysis/%s.json", (const char *[]){ "code_quality", "complexity", "duplication" }[i % 3]);
		jt("created", t, T_EPOCH);
		ja("items");
		for (k = 0; k < nit; k++) {
			el(&gch);
			jo(NULL);
			jsf("path", "src/%s/%s.py", hexs(4), hexs(6));
			ji("tokens", cr(8000));
			js("sha1", hexs(40));
			if (V(&gch, 1, 2)) {
				ja("embedding");
				for (e = 0; e < 8; e++)
					jf(NULL, cf() * 2 - 1, 4);
				je();
			}
			je();
		}
		je();
		jb("complete", V(&gch, 2, 5) != 0);
		je();
		snprintf(rel, sizeof(rel), "analysis_chunks/chunk_%03d.json", i);
		file_end(&f, rel, t);
	}

	/* message_queue/queue.json and dead_letter.json: arrays of messages */
	{
		static const char *const TYPES[] = { "task", "status", "ack", "ping", "contract", "handoff" };
		static const char *const PRIOS[] = { "normal", "high", "urgent" };
		static const char *const ACTIONS[] = { "claim", "release", "report" };
		long m, id0 = 1000 + cr(9000);
		int q;

		for (q = 0; q < 2; q++) {
			long cnt = q ? ndead : nmsg;

			t = t0;
			file_begin(&f, &gq);
			ja(NULL);
			for (m = 0; m < cnt; m++) {
				int from = (int)cr((unsigned)na), to = (int)cr((unsigned)na + 1);

				t += 1 + cr(600);
				el(&gq);
				jo(NULL);
				jsf("message_id", "msg_%ld_%s", id0 + m + (q ? nmsg : 0), hexs(6));
				js("from", ag[from].name);
				js("to", to == na ? "broadcast" : ag[to].name);
				js("type", ECAT(&gq, 1, TYPES));
				if (E(&gq, 2, 7) == 0)
					ji("priority", 1 + cr(3));
				else
					js("priority", ECAT(&gq, 3, PRIOS));
				if (E(&gq, 4, 5) == 0) {
					jo("body");
					jsf("task_id", "TASK_%s_%04u", ag[to % na].tag, 1 + cr(60));
					js("action", ECAT(&gq, 5, ACTIONS));
					je();
				} else {
					js("body", text(5 + (int)cr(20)));
				}
				jt("created_at", t, T_ZMS);
				jb("delivered", q == 0 && cr(3) != 0);
				ji("attempts", q ? 3 + cr(3) : cr(3));
				if (E(&gq, 6, 3) == 0)
					ji("ttl", 60 * (1 + cr(60)));
				if (q) {
					js("error", text(4 + (int)cr(6)));
					jt("failed_at", t + 30, T_ZMS);
				}
				je();
			}
			je();
			file_end(&f, q ? "message_queue/dead_letter.json" : "message_queue/queue.json", t);
		}
	}

	/* contracts/C-NNNN.json beside contracts/registry.json */
	{
		static const char *const CST[] = { "open", "claimed", "in_progress", "completed", "expired" };
		long c0 = 1 + cr(300);
		int k;

		t = t0;
		for (i = 0; i < ncon; i++) {
			char id[32];
			int st, claimed;

			t += 3600 + cr(86400);
			snprintf(id, sizeof(id), "C-%04ld", c0 + i);
			file_begin(&f, &gco);
			claimed = V(&gco, 3, 4) != 0;
			st = claimed ? 1 + (int)V(&gco, 4, NELEM(CST) - 1) : 0;
			jo(NULL);
			js("contract_id", file_id(&f, id));
			js("title", text(3 + (int)cr(5)));
			if (V(&gco, 1, 3))
				js("description", text(10 + (int)cr(30)));
			if (V(&gco, 2, 4) == 0) {
				jo("reward");
				ji("points", 50 * (1 + cr(20)));
				ji("bonus", 10 * cr(10));
				je();
			} else {
				ji("reward", 50 * (1 + cr(20)));
			}
			js("status", CST[st]);
			if (claimed)
				js("claimed_by", ag[cr((unsigned)na)].name);
			else
				jnull("claimed_by");
			jt("created", t, T_Z);
			jt("deadline", t + 86400 * (time_t)(3 + cr(30)), T_OFF);
			ja("requirements");
			for (k = 1 + (int)cr(3); k > 0; k--)
				js(NULL, text(4 + (int)cr(6)));
			je();
			ja("deliverables");
			for (k = V(&gco, 5, 3) ? 1 + (int)cr(2) : 0; k > 0; k--) {
				el(&gco);
				jo(NULL);
				jsf("name", "%s.md", hexs(6));
				jb("done", cr(2));
				je();
			}
			je();
			je();
			snprintf(rel, sizeof(rel), "contracts/%s.json", id);
			file_end(&f, rel, t);
		}
		/* the registry: an object keyed by contract id */
		file_begin(&f, &gcr);
		jo(NULL);
		ji("version", 3);
		jt("updated", t, T_Z);
		jo("contracts");
		for (i = 0; i < ncon; i++) {
			char id[32];

			snprintf(id, sizeof(id), "C-%04ld", c0 + i);
			jo(id);
			js("title", text(3));
			if (i % 3)
				js("owner", ag[cr((unsigned)na)].name);
			else
				jnull("owner");
			js("status", CST[i % NELEM(CST)]);
			ji("points", 50 * (1 + cr(20)));
			je();
		}
		je();
		je();
		file_end(&f, "contracts/registry.json", t);
	}

	/* root-level upper-case reports, each of its own shape */
	{
		static const char *const RES[] = { "PERFORMANCE_RESULTS", "TEST_RESULTS", "INTEGRATION_TEST_RESULTS" };
		int k, n;

		t = t0 + 86400 * 20;
		for (i = 0; i < 3 + nphase; i++) {
			int pass = 0, failn = 0;

			file_begin(&f, &gr);
			n = 3 + (int)cr(12);
			jo(NULL);
			js("suite", i < 3 ? RES[i] : "phase");
			jt("run_at", t + i * 3600, T_NAIVE);
			ja("results");
			for (k = 0; k < n; k++) {
				int ok = (k + i) % 5 != 4;

				if (ok)
					pass++;
				else
					failn++;
				jo(NULL);
				jsf("name", "test_%s_%u", hexs(5), cr(100));
				js("status", ok ? "passed" : "failed");
				jf("ms", cf() * 900, 1);
				if (!ok)
					js("error", text(6));
				je();
			}
			je();
			ji("passed", pass);
			ji("failed", failn);
			jf("duration_s", cf() * 300, 2);
			if (i == 0)
				jraw("bytes_processed", bigint());
			je();
			if (i < 3)
				snprintf(rel, sizeof(rel), "%s.json", RES[i]);
			else
				snprintf(rel, sizeof(rel), "PHASE_%d_RESULTS.json", i - 2);
			file_end(&f, rel, t + i * 3600);
		}
		file_begin(&f, &gr);
		jo(NULL);
		jsf("audit_id", "AUD-%s", hexs(6));
		js("auditor", ag[0].name);
		js("date", tstr(t, T_DATE));
		ja("scope");
		js(NULL, "agent_workspaces");
		js(NULL, "contracts");
		je();
		ja("issues");
		for (k = 0; k < 3 + (int)cr(4); k++) {
			jo(NULL);
			jsf("id", "ISS-%u", cr(999));
			js("severity", (const char *[]){ "minor", "major", "blocker" }[k % 3]);
			js("desc", text(8));
			je();
		}
		je();
		ji("score", cr(100));
		je();
		file_end(&f, "AUDIT_REPORT.json", t);
		file_begin(&f, &gr);
		jo(NULL);
		jt("generated", t, T_Z);
		ja("agents");
		for (k = 0; k < na; k++) {
			jo(NULL);
			js("agent", ag[k].name);
			js("state", (const char *[]){ "active", "idle", "offline" }[k % 3]);
			ji("tasks", cr(200));
			je();
		}
		je();
		je();
		file_end(&f, "SWARM_STATUS_REPORT.json", t);
		file_begin(&f, &gr);
		jo(NULL);
		jo("total");
		jo("lines");
		jf("pct", cf() * 100, 2);
		je();
		jo("branches");
		jf("pct", cf() * 100, 2);
		je();
		je();
		jo("files");
		for (k = 0; k < 6 + (int)cr(6); k++) {
			char p[64];

			snprintf(p, sizeof(p), "src/%s.py", hexs(6));
			jo(p);
			ji("lines", cr(900));
			ji("covered", cr(900));
			je();
		}
		je();
		je();
		file_end(&f, "COVERAGE_SUMMARY.json", t);
		file_begin(&f, &gr);
		jo(NULL);
		js("report", "security");
		jt("scanned_at", t, T_OFF);
		ja("vulnerabilities");
		je();
		jb("passed", 1);
		je();
		file_end(&f, "SECURITY_AUDIT_REPORT.json", t);
	}

	/* ignored and other files */
	ignored_node_modules("", 5 + (int)(nfiles / 2000), t0);
	ignored_npm_root("", t0);
	ignored_git(t0);
	bs("# Swarm workspace\n\nAgents coordinate through message_queue/queue.json.\n");
	emit("README.md", K_OTHER, "docs", t0);
	for (i = 0; i < na; i++) {
		snprintf(rel, sizeof(rel), "agent_workspaces/%s/journal.md", ag[i].name);
		bf("# %s\n\n%s\n", ag[i].name, text(20));
		emit(rel, K_OTHER, "notes", t0);
	}
	bf("%s INFO swarm started with %d agents\n%s WARN queue depth high\n", tstr(t0, T_SPACE), na,
	   tstr(t0 + 60, T_SPACE));
	emit("logs/swarm.log", K_OTHER, "logs", t0);
	bs("[{\"message_id\": \"msg_0\"}]\n");
	emit("message_queue/queue.json.bak", K_OTHER, "backup", t0);
	bs("OPENAI_API_KEY=\nSWARM_AGENTS=8\n");
	emit(".env.example", K_OTHER, "misc", t0);
}

/* ================================================================ people */

struct person {
	const char *display;
	const char *handle;   /* ASCII */
	const char *folder;   /* as a folder name, sometimes not ASCII */
};

static const struct person PEOPLE[] = {
	{ "Zoë Martin", "zoe", "zoë" }, { "José Álvarez", "jose", "josé" },
	{ "Ming Chen", "ming", "ming" }, { "Ana Souza", "ana", "ana" },
	{ "Olu Adeyemi", "olu", "olu" }, { "Ravi Iyer", "ravi", "ravi" },
	{ "Søren Dahl", "soren", "søren" }, { "Aiko Tanaka", "aiko", "aiko" },
	{ "Liam O'Brien", "liam", "liam" }, { "Fatima Zahra", "fatima", "fatima" },
	{ "Noah Weber", "noah", "noah" }, { "Chloé Dubois", "chloe", "chloé" },
	{ "Mateo Rossi", "mateo", "mateo" }, { "Priya Nair", "priya", "priya" },
	{ "Yuki Sato", "yuki", "yuki" }, { "Lars Berg", "lars", "lars" },
	{ "Amara Obi", "amara", "amara" }, { "Kai Müller", "kai", "kai" },
	{ "Inês Costa", "ines", "inês" }, { "Omar Haddad", "omar", "omar" },
	{ "Lena Novak", "lena", "lena" }, { "Tomás Ruiz", "tomas", "tomás" },
	{ "Nadia Petrova", "nadia", "nadia" }, { "Arjun Mehta", "arjun", "arjun" },
};

/* n distinct people (n <= NELEM(PEOPLE)) from the content stream */
static void pick_people(const struct person **out, int n)
{
	int used[NELEM(PEOPLE)] = { 0 };
	int i, k;

	for (i = 0; i < n; i++) {
		do
			k = (int)cr(NELEM(PEOPLE));
		while (used[k]);
		used[k] = 1;
		out[i] = &PEOPLE[k];
	}
}

/* n distinct words of pool into out */
static void pick_words(const char *const *pool, size_t npool, const char **out, int n)
{
	int used[64] = { 0 };
	int i, k;

	for (i = 0; i < n; i++) {
		do
			k = (int)cr((unsigned)npool);
		while (used[k]);
		used[k] = 1;
		out[i] = pool[k];
	}
}

/* ================================================================ crew */

/*
 * A CrewAI-like team tree: crews of members with one state file each, runs
 * filed by day and run uuid (a run record plus an array of events), per-agent
 * memory with an index beside the memories, tool configurations.
 */
static void gen_crew(long nfiles)
{
	static const char *const TEAMS[] = {
		"research", "growth", "infra", "support", "data", "platform", "design",
		"ops", "sales", "qa", "lab", "edge",
	};
	static const char *const TOOLS[] = {
		"web_search", "file_reader", "code_exec", "sql_query", "slack_post",
		"calendar", "github_pr", "pdf_parse", "translate", "summarize",
	};
	const char *team[4];
	const struct person *mem[24];
	int nteam = 2 + (int)shp("crew.teams", 3), nmem = 0, tm_of[24], i, k;
	int per_team[4];
	long fixed, bulk, nrun, nmemory, njournal, ntool;
	struct group gcc, gst, gj, grun, gev, gm, gmi, gtool;
	struct file f;
	char rel[PATH_MAX];
	time_t t0, t;

	for (i = 0; i < nteam; i++) {
		char tag[32];

		snprintf(tag, sizeof(tag), "crew.members.%d", i);
		per_team[i] = 3 + (int)shp(tag, 4);
		nmem += per_team[i];
	}
	fixed = nteam + 2 * nmem + 6;
	bulk = nfiles > fixed ? nfiles - fixed : 0;
	nrun = share(bulk, 200, 4);
	njournal = share(bulk, 200, 6);
	ntool = 6 + share(bulk, 20, 0);
	nmemory = rest(bulk, 2 * nrun + njournal + ntool - 6, 8);
	pick_words(TEAMS, NELEM(TEAMS), team, nteam);
	pick_people(mem, nmem);
	for (i = 0, k = 0; i < nteam; i++)
		for (int j = 0; j < per_team[i]; j++)
			tm_of[k++] = i;
	t0 = base_time();
	group_init(&gcc, "crew_configs", "crew", 0, nteam);
	group_init(&gst, "member_states", "member", 0, nmem);
	group_init(&gj, "member_journals", NULL, 0, njournal);
	group_init(&grun, "runs", "run_id", 0, nrun);
	group_init(&gev, "run_events", NULL, 1, nrun);
	group_init(&gm, "memories", "memory_id", 0, nmemory);
	group_init(&gmi, "memory_index", "agent", 0, nmem);
	group_init(&gtool, "tool_configs", "name", 0, ntool);

	/* crews/<team>/crew.json */
	for (i = 0, k = 0; i < nteam; i++) {
		file_begin(&f, &gcc);
		jo(NULL);
		js("crew", file_id(&f, team[i]));
		js("process", V(&gcc, 1, 2) ? "sequential" : "hierarchical");
		if (V(&gcc, 1, 2))
			jnull("manager");
		else
			js("manager", mem[k]->display);
		ja("members");
		for (int j = 0; j < per_team[i]; j++)
			js(NULL, mem[k + j]->folder);
		je();
		jo("llm");
		jsf("model", "model-%u.%u", 3 + cr(2), cr(10));
		jf("temperature", cf(), 2);
		ji("max_tokens", 512 << cr(5));
		je();
		jt("created_at", t0 - 86400 * 90, T_NAIVE);
		jb("verbose", cr(2));
		je();
		snprintf(rel, sizeof(rel), "crews/%s/crew.json", team[i]);
		file_end(&f, rel, t0);
		bf("# %s crew\n\n%s\n", team[i], text(25));
		snprintf(rel, sizeof(rel), "crews/%s/README.md", team[i]);
		emit(rel, K_OTHER, "docs", t0);
		k += per_team[i];
	}

	/* crews/<team>/members/<name>/state.json */
	for (i = 0; i < nmem; i++) {
		static const char *const ROLE[] = { "researcher", "writer", "reviewer", "planner", "coder", "analyst" };
		static const char *const SKILL[] = { "search", "python", "sql", "writing", "review", "planning", "vision" };
		static const char *const MSTATUS[] = { "idle", "working", "waiting", "disabled" };

		t = t0 + cr(86400 * 30);
		file_begin(&f, &gst);
		jo(NULL);
		js("member", file_id(&f, mem[i]->folder));
		js("display_name", mem[i]->display);
		js("role", VCAT(&gst, 20, ROLE));
		js("goal", text(8 + (int)cr(12)));
		js("status", VCAT(&gst, 21, MSTATUS));
		jt("last_active", t, (int[]){ T_ZMS, T_EPOCH_MS, T_OFF }[V(&gst, 1, 3)]);
		ja("skills");
		for (k = 1 + (int)cr(4); k > 0; k--)
			js(NULL, SKILL[(i + k) % (int)NELEM(SKILL)]);
		je();
		if (V(&gst, 2, 5) == 0)
			jraw("token_usage", bigint());
		else
			ji("token_usage", cr(9000000));
		if (V(&gst, 3, 3))
			js("current_run", uuid());
		else
			jnull("current_run");
		jo("stats");
		ji("runs", cr(500));
		ji("failures", cr(20));
		jf("avg_latency_s", cf() * 30, 2);
		je();
		je();
		snprintf(rel, sizeof(rel), "crews/%s/members/%s/state.json", team[tm_of[i]], mem[i]->folder);
		file_end(&f, rel, t);
	}

	/* crews/<team>/members/<name>/journal/<YYYY-MM-DD>.json */
	for (i = 0; i < nmem; i++) {
		long cnt = split(njournal, nmem, i), s;
		time_t day = t0 - 86400 * (time_t)cnt;

		for (s = 0; s < cnt; s++) {
			int ne;

			day += 86400;
			file_begin(&f, &gj);
			ne = V(&gj, 3, 4) ? 1 + (int)cr(4) : 0;
			jo(NULL);
			js("date", tstr(day, T_DATE));
			js("member", mem[i]->folder);
			ja("entries");
			for (k = 0; k < ne; k++) {
				el(&gj);
				jo(NULL);
				jt("at", day + 3600 * (8 + k), T_SPACE);
				js("text", text(6 + (int)cr(20)));
				ji("tokens", cr(4000));
				je();
			}
			je();
			if (V(&gj, 1, 3))
				js("summary", text(10));
			jt("written_at", day + 3600 * 20, V(&gj, 2, 2) ? T_Z : T_EPOCH);
			je();
			snprintf(rel, sizeof(rel), "crews/%s/members/%s/journal/%s.json", team[tm_of[i]],
				 mem[i]->folder, dstr(day, D_DAY));
			file_end(&f, rel, day + 3600 * 20);
		}
	}

	/* runs/<YYYY-MM-DD>/<uuid>/run.json + events.json */
	t = t0;
	for (i = 0; i < nrun; i++) {
		static const char *const ETYPE[] = { "task_started", "tool_call", "llm_call", "task_finished", "error", "handoff" };
		static const char *const TRIG[] = { "schedule", "manual", "webhook" };
		static const char *const RSTATUS[] = { "succeeded", "failed" };
		char id[64];
		int c = (int)cr((unsigned)nteam), ne = 2 + (int)cr(14), running = V(&grun, 1, 6) == 0;
		time_t ts;

		t += 600 + cr(30000);
		snprintf(id, sizeof(id), "%s", uuid());
		file_begin(&f, &grun);
		jo(NULL);
		js("run_id", file_id(&f, id));
		js("crew", team[c]);
		js("trigger", VCAT(&grun, 20, TRIG));
		jt("started_at", t, T_ZMS);
		if (!running)
			jt("finished_at", t + 30 + cr(3000), T_ZMS);
		js("status", running ? "running" : VCAT(&grun, 21, RSTATUS));
		if (V(&grun, 2, 3) == 0) {
			jo("tokens");
			ji("prompt", cr(90000));
			ji("completion", cr(20000));
			je();
		} else {
			ji("tokens", cr(110000));
		}
		jf("cost_usd", cf() * 3, 4);
		jo("inputs");
		js("topic", text(4));
		if (V(&grun, 3, 2))
			ji("max_iterations", 1 + cr(20));
		je();
		je();
		snprintf(rel, sizeof(rel), "runs/%s/%s/run.json", dstr(t, D_DAY), id);
		file_end(&f, rel, t);

		file_begin(&f, &gev);
		ja(NULL);
		ts = t;
		for (k = 0; k < ne; k++) {
			ts += cr(90);
			el(&gev);
			jo(NULL);
			jsf("event_id", "evt_%.8s_%03d", id, k);
			ji("seq", k);
			jt("ts", ts, V(&gev, 1, 3) ? T_ZMS : T_EPOCH_F);
			js("type", ECAT(&gev, 20, ETYPE));
			js("agent", mem[cr((unsigned)nmem)]->folder);
			if (E(&gev, 2, 3)) {
				jo("payload");
				js("tool", PICK(TOOLS));
				js("input", text(5));
				if (E(&gev, 3, 2))
					ji("bytes", cr(100000));
				je();
			} else {
				js("payload", text(6));
			}
			if (E(&gev, 4, 4))
				ji("duration_ms", cr(60000));
			je();
		}
		je();
		snprintf(rel, sizeof(rel), "runs/%s/%s/events.json", dstr(t, D_DAY), id);
		file_end(&f, rel, ts);
		if (i % 8 == 0) {
			bf("[%s] run %s started\n[%s] done\n", tstr(t, T_SPACE), id, tstr(ts, T_SPACE));
			snprintf(rel, sizeof(rel), "runs/%s/%s/output.log", dstr(t, D_DAY), id);
			emit(rel, K_OTHER, "logs", ts);
		}
	}

	/* memory/<name>/mem_<hex>.json and memory/<name>/_index.json */
	for (i = 0; i < nmem; i++) {
		static const char *const MKIND[] = { "episodic", "semantic", "procedural" };
		long cnt = split(nmemory, nmem, i), s;
		char first[32] = "", last[32] = "";

		t = t0;
		for (s = 0; s < cnt; s++) {
			char id[32];
			int e;

			t += 60 + cr(20000);
			snprintf(id, sizeof(id), "mem_%s", hexs(12));
			file_begin(&f, &gm);
			jo(NULL);
			js("memory_id", file_id(&f, id));
			js("agent", mem[i]->folder);
			js("kind", VCAT(&gm, 20, MKIND));
			js("content", text(8 + (int)cr(30)));
			ja("embedding");
			for (e = 0; e < 8; e++)
				jf(NULL, cf() * 2 - 1, 5);
			je();
			jf("importance", cf(), 3);
			jt("created", t, V(&gm, 1, 4) ? T_NAIVE : T_Z);
			if (V(&gm, 2, 3)) {
				jo("source");
				js("run_id", uuid());
				jsf("event_id", "evt_%s_%03u", hexs(8), cr(20));
				je();
			} else {
				jnull("source");
			}
			ja("tags");
			for (e = V(&gm, 3, 3) ? 1 + (int)cr(2) : 0; e > 0; e--)
				js(NULL, PICK(TAGS));
			je();
			je();
			snprintf(rel, sizeof(rel), "memory/%s/%s.json", mem[i]->folder, id);
			file_end(&f, rel, t);
			if (!s)
				snprintf(first, sizeof(first), "%s", id);
			snprintf(last, sizeof(last), "%s", id);
		}
		file_begin(&f, &gmi);
		jo(NULL);
		js("agent", file_id(&f, mem[i]->folder));
		ji("count", cnt);
		jt("updated", t, T_Z);
		jo("range");
		js("first", first);
		js("last", last);
		je();
		je();
		snprintf(rel, sizeof(rel), "memory/%s/_index.json", mem[i]->folder);
		file_end(&f, rel, t);
	}

	/* tools/<tool>.json */
	for (i = 0; i < ntool; i++) {
		char name[64];
		int np = 1 + (int)V(&gtool, 3, 4);

		if (i < (int)NELEM(TOOLS))
			snprintf(name, sizeof(name), "%s", TOOLS[i]);
		else
			snprintf(name, sizeof(name), "plugin_%s_%d", hexs(4), i);
		file_begin(&f, &gtool);
		jo(NULL);
		js("name", file_id(&f, name));
		js("description", text(6 + (int)cr(10)));
		jb("enabled", V(&gtool, 1, 4) != 0);
		jf("timeout_s", 1 + cr(60), 1);
		ji("retries", cr(5));
		jo("parameters");
		js("type", "object");
		jo("properties");
		for (k = 0; k < np; k++) {
			char pn[32];

			snprintf(pn, sizeof(pn), "arg_%d", k);
			jo(pn);
			js("type", (const char *[]){ "string", "integer", "boolean" }[cr(3)]);
			js("description", text(4));
			je();
		}
		je();
		ja("required");
		js(NULL, "arg_0");
		je();
		je();
		if (V(&gtool, 2, 3) == 0) {
			jo("rate_limit");
			ji("per_minute", 10 * (1 + cr(10)));
			ji("burst", cr(5));
			je();
		} else {
			ji("rate_limit", 10 * (1 + cr(10)));
		}
		je();
		snprintf(rel, sizeof(rel), "tools/%s.json", name);
		file_end(&f, rel, t0);
	}

	/* ignored and other */
	ignored_venv(4 + (int)(nfiles / 3000), t0);
	for (i = 0; i < 3 + (int)(nfiles / 5000); i++) {
		snprintf(rel, sizeof(rel), ".cache/crew/llm_%s.json", hexs(16));
		bf("{\"prompt_hash\": \"%s\", \"response\": \"%s\"}\n", hexs(32), text(6));
		emit(rel, K_IGNORED, "cache", t0);
	}
	bput("\xa7\x0d\x0d\x0a\0\0\0\0", 8);
	emit("tools/__pycache__/registry.cpython-311.pyc", K_IGNORED, "pycache", t0);
	bs("crews:\n  default: research\n");
	emit("crew.yaml", K_OTHER, "misc", t0);
}

/* ================================================================ flat */

/*
 * A small team's hand-rolled tree: numbered task files in one folder, inbox
 * and outbox of messages, one queue.json holding a job list, reports with an
 * upper-case .JSON extension, a settings file, contacts.
 */
static void gen_flat(long nfiles)
{
	static const char *const TOPEN[] = { "todo", "doing" };
	static const char *const TDONE[] = { "done", "wontfix" };
	const struct person *pp[10];
	int np = 6 + (int)shp("flat.people", 5), i, k;
	long fixed = 2 + np, bulk = nfiles > fixed ? nfiles - fixed : 0;
	long nin = share(bulk, 300, 8), nout = share(bulk, 150, 5);
	long nrep = share(bulk, 30, 4), njobs = 10 + nfiles / 30;
	long ntask = rest(bulk, nin + nout + nrep, 10);
	struct group gt, gi, go, gq, gr, gs, gc;
	struct file f;
	char rel[PATH_MAX];
	time_t t0, t;
	long start;

	pick_people(pp, np);
	t0 = base_time();
	start = 1 + cr(300);
	group_init(&gt, "tasks", "id", 0, ntask);
	group_init(&gi, "inbox", "message_id", 0, nin);
	group_init(&go, "outbox", "message_id", 0, nout);
	group_init(&gq, "queue", NULL, 0, 1);
	group_init(&gr, "reports", NULL, 0, nrep);
	group_init(&gs, "settings", NULL, 0, 1);
	group_init(&gc, "contacts", "email", 0, np);

	/* tasks/TASK-NNNN.json */
	t = t0;
	for (i = 0; i < ntask; i++) {
		char id[32];
		int closed, nc;

		t += 300 + cr(20000);
		snprintf(id, sizeof(id), "TASK-%04ld", start + i);
		file_begin(&f, &gt);
		closed = (int)V(&gt, 4, 3);   /* 0 closed, 1 null, 2 absent */
		nc = V(&gt, 6, 4) ? 1 + (int)cr(3) : 0;
		jo(NULL);
		js("id", file_id(&f, id));
		js("summary", text(4 + (int)cr(8)));
		js("state", closed == 0 ? VCAT(&gt, 20, TDONE) : VCAT(&gt, 21, TOPEN));
		if (V(&gt, 1, 4))
			js("owner", pp[cr((unsigned)np)]->handle);
		else
			jnull("owner");
		ja("labels");
		for (k = V(&gt, 7, 3) ? 1 + (int)cr(2) : 0; k > 0; k--)
			js(NULL, PICK(TAGS));
		je();
		if (V(&gt, 2, 3) == 0) {
			jo("estimate");
			ji("optimistic", 1 + cr(3));
			ji("pessimistic", 4 + cr(8));
			js("unit", "days");
			je();
		} else {
			jf("estimate", 0.5 + cr(8) + 0.5, 1);
		}
		jt("created", t, V(&gt, 3, 4) ? T_SPACE : T_Z);
		if (closed == 0)
			jt("closed", t + cr(864000), T_SPACE);
		else if (closed == 1)
			jnull("closed");
		ja("comments");
		for (k = 0; k < nc; k++) {
			el(&gt);
			jo(NULL);
			js("author", pp[cr((unsigned)np)]->handle);
			jt("at", t + 3600 * (k + 1), T_EPOCH);
			js("text", text(5 + (int)cr(20)));
			je();
		}
		je();
		if (V(&gt, 5, 5) == 0 && i > 0) {
			jo("links");
			jsf("parent", "TASK-%04ld", start + (long)cr((unsigned)i));
			je();
		}
		je();
		snprintf(rel, sizeof(rel), "tasks/%s.json", id);
		file_end(&f, rel, t);
	}

	/* inbox/<YYYYMMDD>-<HHMMSS>-<from>.json */
	t = t0;
	for (i = 0; i < nin; i++) {
		const struct person *from = pp[cr((unsigned)np)];
		struct tm tm;
		char stamp[32];

		t += 1 + cr(30000);
		gmtime_r(&t, &tm);
		snprintf(stamp, sizeof(stamp), "%04d%02d%02d-%02d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		file_begin(&f, &gi);
		jo(NULL);
		js("message_id", file_id(&f, uuid()));
		js("from", from->handle);
		if (V(&gi, 1, 4) == 0) {
			ja("to");
			for (k = 1 + (int)cr(3); k > 0; k--)
				js(NULL, pp[cr((unsigned)np)]->handle);
			je();
		} else {
			js("to", pp[cr((unsigned)np)]->handle);
		}
		if (V(&gi, 2, 3) == 0) {
			ja("cc");
			js(NULL, pp[cr((unsigned)np)]->handle);
			je();
		}
		js("subject", text(3 + (int)cr(6)));
		js("body", text(15 + (int)cr(60)));
		jt("sent", t, T_OFF);
		jb("read", cr(2));
		if (V(&gi, 3, 3))
			jsf("thread", "thr-%u", cr(500));
		ja("attachments");
		for (k = V(&gi, 4, 4) ? 0 : 1 + (int)cr(2); k > 0; k--) {
			el(&gi);
			jo(NULL);
			jsf("name", "%s.pdf", hexs(6));
			ji("size", cr(5000000));
			je();
		}
		je();
		je();
		snprintf(rel, sizeof(rel), "inbox/%s-%s.json", stamp, from->handle);
		file_end(&f, rel, t);
	}

	/* outbox/<uuid>.json */
	t = t0;
	for (i = 0; i < nout; i++) {
		char id[64];
		int st;

		t += 1 + cr(50000);
		snprintf(id, sizeof(id), "%s", uuid());
		file_begin(&f, &go);
		st = (int)V(&go, 1, 3);
		jo(NULL);
		js("message_id", file_id(&f, id));
		js("from", pp[0]->handle);
		js("to", pp[cr((unsigned)np)]->handle);
		js("subject", text(4));
		js("body", text(10 + (int)cr(40)));
		jt("queued_at", t, T_Z);
		if (st == 1)
			jt("delivered_at", t + cr(600), T_Z);
		else
			jnull("delivered_at");
		js("status", (const char *[]){ "queued", "sent", "failed" }[st]);
		if (st == 2)
			js("error", text(5));
		je();
		snprintf(rel, sizeof(rel), "outbox/%s.json", id);
		file_end(&f, rel, t);
	}

	/* queue.json: an object holding the job list */
	file_begin(&f, &gq);
	jo(NULL);
	ji("version", 2);
	jt("updated", t, T_EPOCH);
	ja("jobs");
	for (i = 0; i < njobs; i++) {
		static const char *const JK[] = { "send_mail", "sync", "reindex", "export" };

		el(&gq);
		jo(NULL);
		jsf("job_id", "job-%06ld", 1000 + (long)i * 7);
		js("kind", ECAT(&gq, 1, JK));
		jo("args");
		js("target", pp[cr((unsigned)np)]->handle);
		if (E(&gq, 2, 2))
			ji("limit", cr(1000));
		je();
		jt("enqueued", t - cr(86400), T_SPACE);
		ji("attempts", cr(4));
		if (E(&gq, 3, 4))
			jnull("last_error");
		else
			js("last_error", text(5));
		je();
	}
	je();
	je();
	file_end(&f, "queue.json", t);

	/* reports/<kind>_<YYYY>_<NN>.JSON */
	for (i = 0; i < nrep; i++) {
		static const char *const RK[] = { "weekly", "monthly", "incident" };
		const char *kind = RK[i % 3];
		time_t from = t0 + 86400 * 7 * (time_t)i;
		int nr = 2 + (int)cr(8);

		file_begin(&f, &gr);
		jo(NULL);
		js("report", kind);
		jo("period");
		js("from", tstr(from, T_DATE));
		js("to", tstr(from + 86400 * 6, T_DATE));
		je();
		jt("generated", from + 86400 * 7, T_Z);
		jo("totals");
		ji("tasks_closed", cr(50));
		ji("messages", cr(500));
		je();
		ja("rows");
		for (k = 0; k < nr; k++) {
			el(&gr);
			jo(NULL);
			js("who", pp[cr((unsigned)np)]->display);
			ji("closed", cr(10));
			jf("hours", cf() * 40, 1);
			je();
		}
		je();
		je();
		snprintf(rel, sizeof(rel), "reports/%s_%s_%02d.JSON", kind, dstr(from, D_MONTH), i);
		file_end(&f, rel, from);
	}

	/* contacts/<handle>.json */
	for (i = 0; i < np; i++) {
		char mail[64];

		snprintf(mail, sizeof(mail), "%s@example.org", pp[i]->handle);
		file_begin(&f, &gc);
		jo(NULL);
		js("name", pp[i]->display);
		js("email", file_id(&f, mail));
		js("team", PICK(TAGS));
		js("tz", (const char *[]){ "Europe/Paris", "America/Sao_Paulo", "Asia/Tokyo", "UTC" }[cr(4)]);
		if (V(&gc, 1, 3)) {
			ja("aliases");
			js(NULL, pp[i]->handle);
			je();
		}
		je();
		snprintf(rel, sizeof(rel), "contacts/%s.json", pp[i]->handle);
		file_end(&f, rel, t0);
	}

	/* settings.json */
	file_begin(&f, &gs);
	jo(NULL);
	js("theme", "dark");
	js("timezone", "Europe/Lisbon");
	jo("notify");
	jb("email", 1);
	jb("slack", cr(2));
	ji("digest_hour", 8);
	je();
	ja("owners");
	js(NULL, pp[0]->handle);
	js(NULL, pp[1]->handle);
	je();
	ji("retention_days", 30 + cr(300));
	je();
	file_end(&f, "settings.json", t0);

	/* ignored and other */
	ignored_npm_root("", t0);
	bs("{\n  \"lockfileVersion\": 1,\n  \"deps\": {}\n}\n");
	emit("deps.lock.json", K_IGNORED, "lock", t0);
	bf("# TODO\n\n- %s\n- %s\n", text(6), text(6));
	emit("TODO.md", K_OTHER, "notes", t0);
	bs(text(30));
	bs("\n");
	emit("notes.txt", K_OTHER, "notes", t0);
	bs("# yarn lockfile v1\n\n\"debug@^4.3.4\":\n  version \"4.3.4\"\n");
	emit("yarn.lock", K_OTHER, "lock", t0);
}

/* ================================================================ nested */

/*
 * A project tracker exported as files: projects, sprints and deeply nested
 * tickets with subtasks of subtasks, stand-up arrays per day, per-project
 * member lists, and a web/ front-end with its own node_modules.
 */
static void gen_nested(long nfiles)
{
	static const char *const KEYS[] = {
		"ATLAS", "BEACON", "CEDAR", "DELTA", "ECHO", "FALCON", "GARNET", "HARBOR",
		"IRIS", "JADE", "KITE", "LOTUS", "MAPLE", "NOVA", "ORBIT", "PRISM",
	};
	static const char *const TST[] = { "open", "in_progress", "in_review", "done", "closed" };
	static const char *const TTYPE[] = { "bug", "story", "task", "spike" };
	static const char *const COMP[] = { "api", "web", "mobile", "infra" };
	static const char *const SEVS[] = { "S1", "S2", "S3" };
	static const char *const LINKT[] = { "blocks", "relates", "duplicates" };
	const char *key[4];
	const struct person *pp[12];
	int nproj = 2 + (int)shp("nested.projects", 3), np = 8, i, k;
	unsigned sstyle = shp("nested.sprint_style", 3);
	long fixed = 2 * nproj, bulk = nfiles > fixed ? nfiles - fixed : 0;
	long nsprint_per = 2 + share(bulk, 50, 0) / nproj;
	long nstand = share(bulk, 150, 4);
	long nsprints = nsprint_per * nproj;
	long ntick = rest(bulk, nstand + nsprints, 12);
	struct group gp, gmb, gsp, gt, gsu;
	struct file f;
	char rel[PATH_MAX], pdir[64], sdir[64];
	time_t t0, t;

	pick_words(KEYS, NELEM(KEYS), key, nproj);
	pick_people(pp, np);
	t0 = base_time();
	group_init(&gp, "project_configs", "key", 0, nproj);
	group_init(&gmb, "project_members", NULL, 1, nproj);
	group_init(&gsp, "sprints", NULL, 0, nsprints);
	group_init(&gt, "tickets", "ticket", 0, ntick);
	group_init(&gsu, "standups", NULL, 1, nstand);

	for (i = 0; i < nproj; i++) {
		long s, tick_no = 1 + cr(200);

		lower(pdir, key[i], sizeof(pdir));
		file_begin(&f, &gp);
		jo(NULL);
		js("key", file_id(&f, key[i]));
		js("name", text(2 + (int)cr(3)));
		js("lead", pp[cr((unsigned)np)]->display);
		jt("created", t0 - 86400 * 200, T_Z);
		jo("workflow");
		ja("states");
		for (k = 0; k < (int)NELEM(TST); k++)
			js(NULL, TST[k]);
		je();
		jo("transitions");
		for (k = 0; k + 1 < (int)NELEM(TST); k++) {
			ja(TST[k]);
			js(NULL, TST[k + 1]);
			if (k)
				js(NULL, TST[0]);
			je();
		}
		je();
		je();
		jo("settings");
		ji("sprint_days", 14);
		jb("auto_close", cr(2));
		jo("notifications");
		jb("email", 1);
		jo("slack");
		jsf("channel", "#%s-dev", pdir);
		jb("mentions", cr(2));
		je();
		je();
		je();
		je();
		snprintf(rel, sizeof(rel), "projects/%s/project.json", pdir);
		file_end(&f, rel, t0);

		file_begin(&f, &gmb);
		ja(NULL);
		for (k = 0; k < 3 + (int)cr(5); k++) {
			jo(NULL);
			js("name", pp[(i + k) % np]->display);
			jsf("email", "%s@example.org", pp[(i + k) % np]->handle);
			js("role", k ? "member" : "admin");
			je();
		}
		je();
		snprintf(rel, sizeof(rel), "projects/%s/config/members.json", pdir);
		file_end(&f, rel, t0);
		bf("# %s\n\n%s\n", key[i], text(20));
		snprintf(rel, sizeof(rel), "projects/%s/README.md", pdir);
		emit(rel, K_OTHER, "docs", t0);

		for (s = 0; s < nsprint_per; s++) {
			time_t sstart = t0 + 86400 * 14 * (time_t)s;
			long si = i * nsprint_per + s;
			long nt = split(ntick, nsprints, si), ns = split(nstand, nsprints, si), j;
			struct tm tm;

			gmtime_r(&sstart, &tm);
			if (sstyle == 0)
				snprintf(sdir, sizeof(sdir), "sprint-%02ld", s + 1);
			else if (sstyle == 1)
				snprintf(sdir, sizeof(sdir), "S%03ld", s + 1);
			else
				snprintf(sdir, sizeof(sdir), "%04d-W%02d", tm.tm_year + 1900, tm.tm_yday / 7 + 1);
			file_begin(&f, &gsp);
			jo(NULL);
			ji("sprint", s + 1);
			js("name", sdir);
			js("goal", text(6 + (int)cr(10)));
			js("start", tstr(sstart, T_DATE));
			js("end", tstr(sstart + 86400 * 13, T_DATE));
			if (V(&gsp, 1, 3))
				jf("velocity", cf() * 40 + 1, 1);
			else
				jnull("velocity");
			js("state", s + 1 < nsprint_per ? "closed" : "active");
			je();
			snprintf(rel, sizeof(rel), "projects/%s/sprints/%s/sprint.json", pdir, sdir);
			file_end(&f, rel, sstart);

			t = sstart;
			for (j = 0; j < nt; j++) {
				char id[32];
				int nsub, a;

				t += 60 + cr(12000);
				snprintf(id, sizeof(id), "%s-%ld", key[i], tick_no++);
				file_begin(&f, &gt);
				nsub = V(&gt, 10, 4) ? 1 + (int)cr(3) : 0;
				jo(NULL);
				js("ticket", file_id(&f, id));
				js("type", VCAT(&gt, 20, TTYPE));
				js("title", text(4 + (int)cr(8)));
				if (V(&gt, 1, 4) == 0)
					js("description", text(30 + (int)cr(80)));
				js("status", VCAT(&gt, 21, TST));
				if (V(&gt, 2, 4)) {
					jo("assignee");
					a = (int)cr((unsigned)np);
					js("name", pp[a]->display);
					jsf("email", "%s@example.org", pp[a]->handle);
					je();
				} else {
					jnull("assignee");
				}
				js("reporter", pp[cr((unsigned)np)]->handle);
				if (V(&gt, 3, 3))
					ji("points", 1 + cr(13));
				else
					jnull("points");
				jt("created", t, T_ZMS);
				jt("updated", t + cr(86400 * 5), V(&gt, 4, 3) ? T_ZMS : T_OFF);
				jo("fields");
				js("component", VCAT(&gt, 22, COMP));
				if (V(&gt, 5, 2))
					js("severity", VCAT(&gt, 23, SEVS));
				jo("custom");
				{
					char cf_key[32];

					snprintf(cf_key, sizeof(cf_key), "cf_%u", 1000 + (unsigned)(gt.salt % 50));
					jsf(cf_key, "%u", cr(100));
				}
				if (V(&gt, 6, 4) == 0) {
					jo("release");
					jsf("version", "%u.%u", 1 + cr(3), cr(10));
					jo("train");
					js("name", text(2));
					js("date", tstr(t + 86400 * 30, T_DATE));
					je();
					je();
				}
				je();
				je();
				ja("subtasks");
				for (k = 0; k < nsub; k++) {
					int nss = E(&gt, 9, 3) ? 1 + (int)cr(2) : 0, m;

					el(&gt);
					jo(NULL);
					jsf("id", "%s-%d", id, k + 1);
					js("title", text(3 + (int)cr(5)));
					js("status", ECAT(&gt, 24, TST));
					if (E(&gt, 7, 2)) {
						jo("estimate");
						ji("hours", 1 + cr(16));
						je();
					} else {
						jf("estimate", 0.5 + cr(16) + 0.5, 1);
					}
					ja("subtasks");
					for (m = 0; m < nss; m++) {
						jo(NULL);
						jsf("id", "%s-%d-%d", id, k + 1, m + 1);
						js("title", text(3));
						jb("done", cr(2));
						je();
					}
					je();
					je();
				}
				je();
				ja("links");
				if (tick_no > 3 && V(&gt, 8, 3) == 0) {
					jo(NULL);
					js("type", VCAT(&gt, 25, LINKT));
					jsf("target", "%s-%ld", key[i], tick_no - 1 - (long)cr(2));
					je();
				}
				je();
				je();
				snprintf(rel, sizeof(rel), "projects/%s/sprints/%s/tickets/%s.json", pdir, sdir, id);
				file_end(&f, rel, t);
			}

			for (j = 0; j < ns; j++) {
				time_t day = sstart + 86400 * (time_t)j;

				file_begin(&f, &gsu);
				ja(NULL);
				for (k = 0; k < 2 + (int)cr(5); k++) {
					el(&gsu);
					jo(NULL);
					js("who", pp[(k + (int)j) % np]->handle);
					js("yesterday", text(5 + (int)cr(8)));
					js("today", text(5 + (int)cr(8)));
					ja("blockers");
					if (E(&gsu, 1, 4) == 0)
						js(NULL, text(4));
					je();
					je();
				}
				je();
				snprintf(rel, sizeof(rel), "projects/%s/sprints/%s/standups/%s.json", pdir, sdir,
					 dstr(day, D_DAY));
				file_end(&f, rel, day);
			}
			if (s % 2 == 0) {
				bf("# Retro %s\n\n- %s\n", sdir, text(10));
				snprintf(rel, sizeof(rel), "projects/%s/sprints/%s/retro.md", pdir, sdir);
				emit(rel, K_OTHER, "notes", sstart);
			}
		}
		if (i == 0) {
			char pre[PATH_MAX];

			snprintf(pre, sizeof(pre), "projects/%s/web/", pdir);
			ignored_npm_root(pre, t0);
			ignored_node_modules(pre, 4 + (int)(nfiles / 4000), t0);
		}
	}
	ignored_git(t0);
}

/* ================================================================ mixed */

/*
 * A bit of everything and noise: work items by year/month, Slack-like chat
 * files named by their timestamp, daily metric series, exports with spaces
 * and non-ASCII in their names (some with a BOM, some CRLF), tool configs at
 * the root, a browser profile with cookies, backups, logs, JSON Lines.  Every
 * file gets its own output style.
 */
static void gen_mixed(long nfiles)
{
	static const char *const CHAN[] = { "general", "dev", "alerts", "random", "ops", "données", "営業" };
	static const char *const WKIND[] = { "task", "bug", "idea", "chore" };
	static const char *const WSTATE[] = { "new", "active", "parked", "closed" };
	static const char *const FLAGS[] = { "new_ui", "beta_api", "dark_mode", "fast_sync", "ai_summary", "audit_log" };
	const struct person *pp[8];
	const char *chan[4];
	int np = 8, nch = 2 + (int)shp("mixed.channels", 3), i, k;
	long fixed = 9, bulk = nfiles > fixed ? nfiles - fixed : 0;
	long nchat = share(bulk, 350, 8), nmet = share(bulk, 100, 3);
	long nexp = share(bulk, 50, 4);
	long nwork = rest(bulk, nchat + nmet + nexp, 8);
	struct group gw, gch, gst, gcfg, gm, gx, gpf, ged;
	struct file f;
	char rel[PATH_MAX];
	time_t t0, t;

	pick_people(pp, np);
	pick_words(CHAN, NELEM(CHAN), chan, nch);
	t0 = base_time();
	group_init(&gw, "work_items", "uid", 0, nwork);
	group_init(&gch, "chat", "client_msg_id", 0, nchat);
	group_init(&gst, "state", NULL, 0, 1);
	group_init(&gcfg, "app_config", NULL, 0, 3);
	gcfg.hetero = 1;
	group_init(&gm, "metrics", NULL, 0, nmet);
	group_init(&gx, "exports", NULL, 0, nexp);
	group_init(&gpf, "project_files", NULL, 0, 2);
	gpf.hetero = 1;
	group_init(&ged, "editor_config", NULL, 0, 1);

	/* work/<YYYY>/<MM>/item_<hex>.json */
	t = t0;
	for (i = 0; i < nwork; i++) {
		char id[32];
		struct tm tm;

		t += 60 + cr(30000);
		gmtime_r(&t, &tm);
		snprintf(id, sizeof(id), "%s", hexs(8));
		file_begin(&f, &gw);
		jo(NULL);
		js("uid", file_id(&f, id));
		js("kind", VCAT(&gw, 20, WKIND));
		js("title", text(3 + (int)cr(8)));
		js("state", VCAT(&gw, 21, WSTATE));
		if (V(&gw, 1, 3))
			js("who", pp[cr((unsigned)np)]->handle);
		jt("when", t, T_EPOCH_MS);
		if (V(&gw, 2, 4) == 0) {
			jo("data");
			js("source", "import");
			ji("legacy_id", cr(100000));
			je();
		} else if (V(&gw, 2, 4) == 1) {
			js("data", text(4));
		}
		if (V(&gw, 3, 9) == 0)
			jraw("trace", bigint());
		je();
		snprintf(rel, sizeof(rel), "work/%04d/%02d/item_%s.json", tm.tm_year + 1900, tm.tm_mon + 1, id);
		file_end(&f, rel, t);
	}

	/* chat/<channel>/<slack ts>.json */
	t = t0;
	for (i = 0; i < nchat; i++) {
		const char *c = chan[cr((unsigned)nch)];
		const char *ts;
		char tsb[64];

		t += 1 + cr(3000);
		ts = tstr(t, T_SLACK);
		snprintf(tsb, sizeof(tsb), "%s", ts);
		file_begin(&f, &gch);
		jo(NULL);
		js("type", "message");
		js("client_msg_id", file_id(&f, uuid()));
		js("channel", c);
		jsf("user", "U0%s", hexs(8));
		js("text", text(3 + (int)cr(25)));
		js("ts", tsb);
		if (V(&gch, 1, 4) == 0)
			js("thread_ts", tstr(t - cr(3000), T_SLACK));
		if (V(&gch, 2, 3) == 0) {
			ja("reactions");
			jo(NULL);
			js("name", (const char *[]){ "+1", "eyes", "tada", "white_check_mark" }[cr(4)]);
			ji("count", 1 + cr(5));
			je();
			je();
		}
		je();
		snprintf(rel, sizeof(rel), "chat/%s/%s.json", c, tsb);
		file_end(&f, rel, t);
	}

	/* metrics/<YYYY-MM-DD>.json: arrays of [time, value] pairs */
	for (i = 0; i < nmet; i++) {
		time_t day = t0 + 86400 * (time_t)i;
		int ns = 24 + (int)cr(72);

		file_begin(&f, &gm);
		jo(NULL);
		js("date", tstr(day, T_DATE));
		jsf("host", "node-%02u", cr(12));
		ja("samples");
		for (k = 0; k < ns; k++) {
			ja(NULL);
			ji(NULL, (long long)day + k * 900);
			jf(NULL, cf() * 100, 2);
			je();
		}
		je();
		je();
		snprintf(rel, sizeof(rel), "metrics/%s.json", dstr(day, D_DAY));
		file_end(&f, rel, day);
	}

	/* exports/ with awkward names, BOM and CRLF */
	for (i = 0; i < nexp; i++) {
		int nr = 1 + (int)cr(6);

		t = t0 + 3600 * (time_t)i;
		file_begin(&f, &gx);
		jo(NULL);
		js("title", text(3));
		jt("exported_at", t, T_NAIVE);
		ja("rows");
		for (k = 0; k < nr; k++) {
			el(&gx);
			jo(NULL);
			js("name", pp[cr((unsigned)np)]->display);
			jf("value", cf() * 1000, 2);
			je();
		}
		je();
		je();
		if (cr(3) == 0)
			binsert(0, "\xef\xbb\xbf", 3);
		if (i % 3 == 0)
			snprintf(rel, sizeof(rel), "exports/Copy of report (%d).json", i + 1);
		else if (i % 3 == 1)
			snprintf(rel, sizeof(rel), "exports/résumé équipe %d.json", i + 1);
		else
			snprintf(rel, sizeof(rel), "exports/データ_%d.json", i + 1);
		file_end(&f, rel, t);
	}

	/* root singletons */
	file_begin(&f, &gst);
	jo(NULL);
	ji("schema", 4);
	jt("saved", t0, T_SPACE);
	jo("cursor");
	js("chat", tstr(t0, T_SLACK));
	ji("work", nwork);
	je();
	je();
	file_end(&f, "state.json", t0);
	file_begin(&f, &gcfg);
	jo(NULL);
	js("name", "helper");
	ji("port", 8080);
	jb("debug", 0);
	je();
	file_end(&f, "config/app.json", t0);
	file_begin(&f, &gcfg);
	jo(NULL);
	js("url", "postgres://app@db/app");
	ji("pool", 8);
	je();
	file_end(&f, "config/db.json", t0);
	file_begin(&f, &gcfg);
	jo(NULL);
	for (k = 0; k < (int)NELEM(FLAGS); k++)
		jb(FLAGS[k], cr(2));
	je();
	file_end(&f, "config/features.json", t0);
	file_begin(&f, &gpf);
	jo(NULL);
	jo("compilerOptions");
	js("target", "ES2022");
	js("module", "NodeNext");
	jb("strict", 1);
	js("outDir", "dist");
	je();
	ja("include");
	js(NULL, "src/**/*");
	je();
	je();
	file_end(&f, "tsconfig.json", t0);
	file_begin(&f, &gpf);
	jo(NULL);
	jb("root", 1);
	ja("extends");
	js(NULL, "eslint:recommended");
	je();
	jo("rules");
	js("no-console", "warn");
	je();
	je();
	file_end(&f, ".eslintrc.json", t0);
	file_begin(&f, &ged);
	jo(NULL);
	ji("editor.tabSize", 2);
	jb("files.trimTrailingWhitespace", 1);
	je();
	file_end(&f, ".vscode/settings.json", t0);

	/* ignored */
	ignored_npm_root("", t0);
	ignored_node_modules("", 2, t0);
	ignored_venv(2, t0);
	bs("[{\"name\": \"sid\", \"value\": \"");
	bs(hexs(32));
	bs("\", \"domain\": \".example.org\", \"expires\": 17");
	emit("browser/profile/Default/Cookies.json", K_IGNORED, "browser", t0);
	bf("[{\"name\": \"_ga\", \"value\": \"GA1.2.%u\"}]\n", cr(1000000));
	emit("browser/profile/Default/cookies_backup.json", K_IGNORED, "browser", t0);
	bf("{\"etag\": \"%s\"}\n", hexs(16));
	emit(".cache/http/etags.json", K_IGNORED, "cache", t0);
	/* other */
	bs("{\"profile\": {\"name\": \"Person 1\"}}");
	emit("browser/profile/Default/Preferences", K_OTHER, "browser", t0);
	bs("{\"browser\": {\"last_redirect_origin\": \"\"}}");
	emit("browser/profile/Local State", K_OTHER, "browser", t0);
	bf("# notes\n\n%s\n", text(30));
	emit("notes.md", K_OTHER, "notes", t0);
	for (i = 0; i < 2 + (int)(nfiles / 2000); i++) {
		snprintf(rel, sizeof(rel), "logs/app-%s.log", dstr(t0 + 86400 * (time_t)i, D_DAY));
		bf("%s INFO started\n%s ERROR %s\n", tstr(t0, T_Z), tstr(t0 + 5, T_Z), text(5));
		emit(rel, K_OTHER, "logs", t0);
	}
	bs("{\"schema\": 3}\n");
	emit("state.json.bak", K_OTHER, "backup", t0);
	bs("{\"kind\": \"tmp\"}\n");
	emit("config/app.json~", K_OTHER, "backup", t0);
	for (i = 0; i < 5; i++)
		bf("{\"event\": \"e%d\", \"at\": %lld}\n", i, (long long)t0 + i);
	emit("events.jsonl", K_OTHER, "logs", t0);
	bput("\0\0\0\1Bud1\0\0", 10);
	emit(".DS_Store", K_OTHER, "misc", t0);
	bs("# yarn lockfile v1\n");
	emit("yarn.lock", K_OTHER, "lock", t0);
}

/* ================================================================ main */

struct layout {
	const char *name;
	void (*gen)(long nfiles);
	const char *help;
};

static const struct layout LAYOUTS[] = {
	{ "swarm", gen_swarm, "agent_workspaces/<A>/{tasks,status/<month>}, analysis(_chunks), message_queue arrays, UPPER_CASE reports, contracts, checkins, node_modules, .git" },
	{ "crew", gen_crew, "crews/<team>/members/<name>/{state.json,journal/}, runs/<day>/<uuid>/{run,events}.json, memory/<agent>/, tools/, .venv, .cache" },
	{ "flat", gen_flat, "tasks/TASK-NNNN.json, inbox/, outbox/, queue.json (object with a job list), reports/*.JSON, contacts/, settings.json" },
	{ "nested", gen_nested, "projects/<p>/{project.json,config/members.json,sprints/<s>/{sprint.json,tickets/<KEY-N>.json,standups/<day>.json}}, web/node_modules" },
	{ "mixed", gen_mixed, "work/<yyyy>/<mm>/, chat/<channel>/<ts>.json, metrics/, exports/ (spaces, unicode, BOM), root configs, browser cookies, logs, .bak, .jsonl" },
};

static void usage(FILE *o)
{
	fprintf(o,
		"usage: genlayout --layout NAME --out DIR [--list FILE] [--seed N] [--files N]\n"
		"                 [--broken RATE] [--collide] [--mutate] [-q]\n"
		"       genlayout --layouts\n");
}

/* 0 when dir is missing or empty, 1 when it holds anything */
static int dir_has_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int any = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			any = 1;
			break;
		}
	closedir(d);
	return any;
}

/* 1 when the list file would land inside the tree */
static int list_inside_tree(const char *list, const char *tree)
{
	char rt[PATH_MAX], rl[PATH_MAX], dir[PATH_MAX];
	char *slash;
	size_t n;

	if (!realpath(tree, rt))
		die(tree);
	snprintf(dir, sizeof(dir), "%s", list);
	slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = 0;
	else
		*slash = 0;
	if (!realpath(dir, rl))
		die(dir);
	n = strlen(rt);
	return strncmp(rl, rt, n) == 0 && (rl[n] == '/' || rl[n] == 0);
}

int main(int argc, char **argv)
{
	const struct layout *lay = NULL;
	const char *list = NULL;
	uint64_t seed = 1;
	long nfiles = 200;
	int mutate = 0, i;
	size_t k;
	char *end;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--layouts")) {
			for (k = 0; k < NELEM(LAYOUTS); k++)
				printf("%-7s %s\n", LAYOUTS[k].name, LAYOUTS[k].help);
			return 0;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--collide")) {
			collide = 1;
		} else if (!strcmp(a, "--mutate")) {
			mutate = 1;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			quiet = 1;
		} else if (v && !strcmp(a, "--layout")) {
			for (k = 0; k < NELEM(LAYOUTS); k++)
				if (!strcmp(LAYOUTS[k].name, v))
					lay = &LAYOUTS[k];
			if (!lay) {
				fprintf(stderr, "genlayout: unknown layout '%s' (see --layouts)\n", v);
				return 2;
			}
			i++;
		} else if (v && !strcmp(a, "--out")) {
			outdir = v;
			i++;
		} else if (v && !strcmp(a, "--list")) {
			list = v;
			i++;
		} else if (v && !strcmp(a, "--seed")) {
			errno = 0;
			seed = strtoull(v, &end, 10);
			if (errno || *end || !*v) {
				fprintf(stderr, "genlayout: --seed wants a number, not '%s'\n", v);
				return 2;
			}
			i++;
		} else if (v && !strcmp(a, "--files")) {
			nfiles = strtol(v, &end, 10);
			if (*end || nfiles < 0 || nfiles > 100000000) {
				fprintf(stderr, "genlayout: --files wants a count, not '%s'\n", v);
				return 2;
			}
			i++;
		} else if (v && !strcmp(a, "--broken")) {
			broken_rate = strtod(v, &end);
			if (*end || !(broken_rate >= 0 && broken_rate <= 1)) {
				fprintf(stderr, "genlayout: --broken wants a rate in [0, 1], not '%s'\n", v);
				return 2;
			}
			i++;
		} else {
			fprintf(stderr, "genlayout: bad argument '%s'\n", a);
			usage(stderr);
			return 2;
		}
	}
	if (!lay || !outdir) {
		fprintf(stderr, "genlayout: --layout and --out are required\n");
		usage(stderr);
		return 2;
	}
	if (dir_has_entries(outdir)) {
		fprintf(stderr, "genlayout: '%s' is not empty\n", outdir);
		return 2;
	}
	umask(022);
	{
		char tmp[PATH_MAX];

		snprintf(tmp, sizeof(tmp), "%s/", outdir);
		mkdirs(tmp);
	}
	if (list) {
		if (list_inside_tree(list, outdir)) {
			fprintf(stderr, "genlayout: the list '%s' must be outside the tree '%s'\n", list, outdir);
			return 2;
		}
		listf = fopen(list, "w");
		if (!listf)
			die(list);
	}
	shape_seed = mix64(seed ^ 0x5348415045ULL ^ strhash(lay->name));
	C.s = mix64((seed * 0x2545f4914f6cdd1dULL + (mutate ? 0x4d555441ULL : 0)) ^ strhash(lay->name));
	K.s = mix64(C.s ^ 0x4b4b4b4bULL);
	broken_start = (unsigned)(rnext(&K) % BR_N);
	shape_start = (unsigned)(rnext(&K) % SH_N);
	g_mixed_styles = !strcmp(lay->name, "mixed");

	lay->gen(nfiles);

	if (listf && fclose(listf))
		die(list);
	if (fflush(stdout))
		die("stdout");
	if (!quiet) {
		long data = n_kind[K_CLEAN] + n_kind[K_BROKEN] + n_kind[K_SHAPE];

		fprintf(stderr, "genlayout: %s seed %llu%s: %ld data files (%ld clean, %ld broken, %ld shape), "
			"%ld ignored, %ld other, %.1f MB\n", lay->name, (unsigned long long)seed,
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
	free(B.p);
	return 0;
}
