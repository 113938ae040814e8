/*
 * genlayout.h - private header of the genlayout test tool (tests/tools/genlayout/).
 * Only the tool's own files include it.
 *
 * genlayout is a deterministic generator of agent-workspace trees in layouts
 * unlike ../shared/samples/agent-cellphone-v1 (issue 10): tests and
 * benchmarks check wsmigrate, and `wsmigrate init`, on trees nobody tuned
 * rules for.  It writes files directly (no process per file), so 10^5 files
 * take seconds.  It knows nothing about wsmigrate's manifest or reader: the
 * list it writes says what each file *is*, not what the tool makes of it.
 * Layouts, list format and guarantees: tests/tools/README.md.
 *
 * Files:
 *   writer.c   random streams, the output buffer B, the JSON writer W
 *   common.c   vocabulary and ids, timestamps, sizing helpers, agents and
 *              people, ignored and other files every layout sprinkles
 *   output.c   writing files and the list, groups, per-file structure,
 *              breakage and shape transforms, the summary
 *   swarm.c crew.c flat.c nested.c mixed.c   one layout each (gen_NAME)
 *   main.c     the command line and the table of layouts
 *
 * Calling sequence (main.c): seed shape_seed, C and K; output_init();
 * one gen_NAME(); output_summary().  A layout writes each data file as
 * file_begin() → j*() calls that build the document in B → file_end(), and
 * each ignored or other file as b*() calls → emit().
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
 * Every draw counts: moving a call to cr() or text() changes every tree.
 *
 * This is a test program, not a library module: on an I/O error it prints
 * and exits with status 3 (die()).
 */
#ifndef GENLAYOUT_H
#define GENLAYOUT_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define PICK(a) ((a)[cr(NELEM(a))])

/* ================================================================ random (writer.c) */

struct rng {
	uint64_t s;
};

/* Shared state, defined in writer.c and seeded once by main() before a
   layout runs.  Afterwards the content helpers draw from C (cr, cf, uuid,
   group_init) and only output.c draws from K (output_init, file_begin). */
extern struct rng C;          /* content */
extern struct rng K;          /* breakage decisions */
extern uint64_t shape_seed;   /* shape: stateless */

/* splitmix64 finaliser: a well-mixed 64-bit hash of z */
uint64_t mix64(uint64_t z);
/* FNV-1a hash of a string */
uint64_t strhash(const char *s);
/* the next number of stream r */
uint64_t rnext(struct rng *r);
/* content: integer in [0, n) (0 when n is 0) */
unsigned cr(unsigned n);
/* content: a double in [0, 1) */
double cf(void);
/* shape: a stable choice in [0, n) named by tag */
unsigned shp(const char *tag, unsigned n);

/* ================================================================ buffer (writer.c) */

/* The document being built.  Shared state, defined in writer.c: every
   generator appends to it, file_end()/emit() write it out and empty it,
   the breakage transforms in output.c edit it in place, main() frees p. */
struct buffer {
	char *p;
	size_t len, cap;
};
extern struct buffer B;

/* print "genlayout: what: strerror(errno)" and exit 3 */
void die(const char *what);
/* append n bytes to B */
void bput(const void *s, size_t n);
/* append a string to B */
void bs(const char *s);
/* append printf-style text to B */
void bf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* insert n bytes into B at pos */
void binsert(size_t pos, const char *s, size_t n);

/* ================================================================ JSON writer (writer.c) */

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

#define N_STYLES 7
/* every style, in a fixed order (a group's style is picked from it) */
extern const struct style *const STYLES[N_STYLES];

#define MAXDEPTH 48

/* The writer's state for the document in B.  Shared state, defined in
   writer.c: w_begin() resets it; only the j*() calls change it, except
   that file_begin() (output.c) sets drop for a "missing_id" shape file. */
struct writer {
	const struct style *st;
	int depth;
	int n[MAXDEPTH];
	char close[MAXDEPTH];
	const char *drop;   /* top-level key to leave out (shape: missing id) */
};
extern struct writer W;

/*
 * The j*() calls write one JSON value into B.  k is the member name inside
 * an object, NULL for an array element or the top-level value.
 */
/* open an object */
void jo(const char *k);
/* open an array */
void ja(const char *k);
/* close the innermost object or array */
void je(void);
/* a string */
void js(const char *k, const char *v);
/* a string, printf-style (up to 1023 bytes) */
void jsf(const char *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* v as is (a number or a literal already in JSON form) */
void jraw(const char *k, const char *v);
/* an integer */
void ji(const char *k, long long v);
/* a number that is never integral: the last printed digit is made non-zero */
void jf(const char *k, double v, int prec);
/* true or false */
void jb(const char *k, int v);
/* null */
void jnull(const char *k);
/* empty B and start a document in style st */
void w_begin(const struct style *st);
/* end the document: the style's final line end, if any */
void w_finish(void);

/* ================================================================ vocabulary (common.c) */

/* a sentence of about nw words; now and then a tab, a line break, quotes, a
   Windows path or a URL.  Valid for 8 calls. */
const char *text(int nw);
/* n random lower-case hex digits (n <= 100).  hexs, uuid, bigint, tstr and
   dstr share 16 rotating buffers: a result is valid for 16 such calls. */
const char *hexs(int n);
/* a random version-4 UUID */
const char *uuid(void);
/* an integer of 20 to 26 digits, as JSON text */
const char *bigint(void);

/* ================================================================ timestamps (common.c) */

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

/* t in spelling sp (T_*), as text */
const char *tstr(time_t t, int sp);
/* a timestamp member in spelling sp: numbers for the epoch spellings */
void jt(const char *k, time_t t, int sp);

/* a date for file names: D_MONTH 2025-08, D_DAY 2025-08-14, D_COMPACT 20250814 */
enum { D_MONTH, D_DAY, D_COMPACT };
/* t as a date for file names, in form D_* */
const char *dstr(time_t t, int form);

/* ================================================================ shared bits (common.c) */

/* permille of bulk, at least min */
long share(long bulk, long permille, long min);
/* what is left of bulk for the main group, at least min */
long rest(long bulk, long used, long min);
/* per-item count when `total` is spread over `n` holders */
long split(long total, long n, long i);
/* a start time: 2024-09-01 + up to ~300 days */
time_t base_time(void);
/* s in lower case (ASCII letters only) into d of size n */
void lower(char *d, const char *s, size_t n);

struct agent {
	char name[32];    /* as in folder names */
	char tag[32];     /* upper-case, alphanumeric */
	char low[32];     /* lower-case */
	int num;
};

/* n distinct agents; names from the content stream, style from the shape */
void make_agents(struct agent *a, int n, unsigned style);

#define N_TAGS 15
/* labels for tags, labels and teams */
extern const char *const TAGS[N_TAGS];

struct person {
	const char *display;
	const char *handle;   /* ASCII */
	const char *folder;   /* as a folder name, sometimes not ASCII */
};

/* n distinct people (n <= 24) from the content stream */
void pick_people(const struct person **out, int n);
/* n distinct words of pool into out (npool <= 64) */
void pick_words(const char *const *pool, size_t npool, const char **out, int n);

/* ---- ignored and other files (common.c) ---- */

/* node_modules under prefix ("" or "x/"): packages, nested deps, a test
   fixture that is not valid JSON (it must never be read) */
void ignored_node_modules(const char *prefix, int npkg, time_t t);
/* .git/ with a state.json that is not JSON */
void ignored_git(time_t t);
/* prefix package.json and package-lock.json */
void ignored_npm_root(const char *prefix, time_t t);
/* .venv/ with npkg site-packages */
void ignored_venv(int npkg, time_t t);

/* ================================================================ output (output.c) */

enum kind { K_CLEAN, K_BROKEN, K_SHAPE, K_IGNORED, K_OTHER, K_N };

enum broken {
	BR_TRUNCATED, BR_TRAILING_COMMA, BR_BAD_UTF8, BR_EMPTY, BR_COMMENT,
	BR_SINGLE_QUOTES, BR_NAN, BR_TRAILING_DATA, BR_CONFLICT, BR_UTF16, BR_N
};

enum shape {
	SH_WRAP, SH_DROP_ID, SH_NULL, SH_EMPTY, SH_SCALAR, SH_N
};

/* Set the run's options (borrowed until the run ends: outdir, listf may be
   NULL) and draw the starting broken and shape kinds from K.  Call once,
   after seeding K, before a layout runs. */
void output_init(const char *outdir, FILE *listf, double broken_rate, int collide, int mixed_styles);
/* print the counts of files by kind, broken kind and shape kind on stderr */
void output_summary(const char *layout, uint64_t seed, int mutate);
/* create every directory on path up to its last '/'; die() on failure */
void mkdirs(char *path);
/* write a file that is not group data (ignored or other) from B as is,
   list it, empty B */
void emit(const char *rel, enum kind kind, const char *group, time_t mtime);

/* ================================================================ groups (output.c) */

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

/* start group g of about count files; draws its content offset from C */
void group_init(struct group *g, const char *label, const char *id_key, int array, long count);
/* the structural variant of this file for a field `tag`: cycles with period */
unsigned V(const struct group *g, unsigned tag, unsigned period);
/* the same per array element, with a counter the generator bumps (el) */
unsigned E(const struct group *g, unsigned tag, unsigned period);
/* count one more array element of g (for E and ECAT) */
void el(struct group *g);
/* a categorical value of arr[n] for file or element i; see VCAT and ECAT */
const char *cat(const struct group *g, long i, unsigned tag, const char *const *arr, unsigned n);

/* any NELEM(arr) consecutive files (VCAT) or elements (ECAT) of a group
   show every value of arr */
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

/* start the next data file of g: draw its kind from K, w_begin() its style */
void file_begin(struct file *f, struct group *g);
/* the id to write: the natural one, or the repeated one for --collide */
const char *file_id(struct file *f, const char *natural);
/* finish the document in B, break or reshape it as drawn, write it to rel
   with mtime, list it, print a --collide line; empty B */
void file_end(struct file *f, const char *rel, time_t mtime);

/* ================================================================ layouts */

/* Write one layout of about nfiles data files (swarm.c, crew.c, ...). */
void gen_swarm(long nfiles);
void gen_crew(long nfiles);
void gen_flat(long nfiles);
void gen_nested(long nfiles);
void gen_mixed(long nfiles);

#endif
