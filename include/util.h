/*
 * util.h - small helpers shared by several modules: hashing, whole-file
 * reads, time stamps, growable arrays and buffers, a bump arena.
 *
 * Ownership: functions that return allocated memory say so; everything else
 * borrows its arguments.
 */
#ifndef WSM_UTIL_H
#define WSM_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "error.h"

/* n bytes as 2n lower-case hex digits plus NUL into hex[2n+1]. */
void util_hex_encode(const unsigned char *raw, size_t n, char *hex);

/* sha256 of `len` bytes as 64 lower-case hex digits plus NUL. */
void util_sha256_hex(const void *data, size_t len, char out[65]);

/*
 * Read the whole file at `path` (at most `max` bytes, else ERR_DATA
 * "file is larger than ...").  On success *buf is malloc'ed, NUL-terminated
 * (not counted in *len) and belongs to the caller.
 */
int util_read_file(const char *path, size_t max, char **buf, size_t *len,
		   struct error *err);

/* Current UTC time as "YYYY-MM-DDTHH:MM:SS.ffffffZ". */
void util_now_utc(char out[40]);

/* Monotonic clock in seconds. */
double util_monotonic(void);

/*
 * File times.  A time in int64 nanoseconds ends in 1677 and 2262; a
 * struct timespec does not.  Where a time is written as text (the
 * archive's index), it is a decimal count of nanoseconds of any length,
 * so that every timespec round-trips; where it must be an int64 (the
 * ledger's mtime_ns), it is clamped.
 *
 * util_ts_to_ns: ts as int64 nanoseconds into *ns.  Returns 0, or -1 when
 * it does not fit: *ns is then INT64_MAX or INT64_MIN.  ts->tv_nsec must
 * be in [0, 1e9).
 */
struct timespec;
int util_ts_to_ns(const struct timespec *ts, int64_t *ns);

/* ns (int64 nanoseconds, any sign) as a timespec (tv_nsec in [0, 1e9)). */
void util_ns_to_ts(int64_t ns, struct timespec *ts);

/* ts as decimal nanoseconds ("-1", "10413792000000000000") into buf[32]. */
const char *util_ts_text(const struct timespec *ts, char buf[32]);

/*
 * Parse decimal nanoseconds (an optional '-', then digits with no
 * leading zero) of any length, s[0..n), into *ts.  Returns 0, or -1 when
 * the text is not such a number or its seconds do not fit a time_t.
 */
int util_ts_parse(const char *s, size_t n, struct timespec *ts);

/* Value of a hexadecimal digit, or -1 when `c` is not one. */
int util_hex_digit(int c);

/* strdup that returns NULL for NULL (and on OOM: check when s != NULL). */
char *util_strdup(const char *s);

/* 1 when the string s ends with `suffix`. */
int util_ends_with(const char *s, const char *suffix);

/*
 * Make room for at least `n` elements in the array `x` (any pointer type)
 * whose capacity, in elements, is the size_t lvalue `alloc`, growing by
 * doubling as git's ALLOC_GROW does (at least 16 elements).  Evaluates to
 * 0, or to -1 when out of memory, in which case `x` and `alloc` are
 * unchanged.  The arguments are evaluated more than once.
 *
 *     if (ALLOC_GROW(v->items, v->n + 1, v->cap))
 *         return error_set(err, ERR_IO, "out of memory");
 *     v->items[v->n++] = item;
 */
#define ALLOC_GROW(x, n, alloc) \
	((size_t)(n) <= (alloc) ? 0 : \
	 ((x) = util_grow_array((x), sizeof(*(x)), (size_t)(n), &(alloc)), \
	  (size_t)(n) <= (alloc) ? 0 : -1))

/*
 * The function behind ALLOC_GROW: returns the grown array and updates
 * *alloc, or returns `p` unchanged (still valid) when out of memory.
 */
void *util_grow_array(void *p, size_t elem, size_t need, size_t *alloc);

/*
 * A bump allocator: what arena_alloc hands out keeps its address until
 * arena_reset or arena_release, which free it all at once.  Requests
 * larger than block_size get a block of their own.
 */
struct arena_block;
struct arena {
	struct arena_block *head;   /* newest block first */
	size_t block_size;
};
#define ARENA_INIT(size) { NULL, (size) }
/* n bytes aligned to `align` (a power of two up to 16), or NULL on OOM. */
void *arena_alloc(struct arena *a, size_t n, size_t align);
/* 1 when p points into memory this arena handed out. */
int arena_contains(const struct arena *a, const void *p);
/* Forget every allocation; one standard block is kept for reuse. */
void arena_reset(struct arena *a);
/* Free all memory of the arena. */
void arena_release(struct arena *a);

/* Append the JSON-string escaped form of s[0..n) (no quotes) to a strbuf. */
struct strbuf {
	char *buf;
	size_t len;
	size_t cap;
	int failed;         /* sticky: an allocation failed; appends are no-ops */
};
#define STRBUF_INIT { NULL, 0, 0, 0 }
/*
 * Grow to hold at least `extra` more bytes; returns -1 on OOM (and from
 * then on, so a long build can be checked once through `failed`).
 */
int strbuf_grow(struct strbuf *sb, size_t extra);
int strbuf_add(struct strbuf *sb, const void *data, size_t n);
int strbuf_addstr(struct strbuf *sb, const char *s);
int strbuf_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append `name` as a quoted SQL identifier ("a""b"), for both dialects. */
int strbuf_add_ident(struct strbuf *sb, const char *name);
/* Append `s` as a JSON string literal, quotes included. */
int strbuf_add_json_string(struct strbuf *sb, const char *s, size_t n);
/*
 * Append n bytes as a PostgreSQL COPY text-format field (backslash, tab,
 * newline and carriage return escaped); s == NULL appends \N (NULL).
 */
int strbuf_add_copy_field(struct strbuf *sb, const char *s, size_t n);
/* Append one byte. */
int strbuf_addch(struct strbuf *sb, int c);
/*
 * Hand the text over to the caller (malloc'ed, NUL-terminated, never NULL
 * unless out of memory) and leave the buffer empty, as git's strbuf_detach.
 */
char *strbuf_detach(struct strbuf *sb);
/* Exchange the contents of two buffers. */
void strbuf_swap(struct strbuf *a, struct strbuf *b);
/* Empty the buffer, keeping its memory. */
void strbuf_reset(struct strbuf *sb);
/* The text so far: never NULL ("" when empty or failed). */
const char *strbuf_str(const struct strbuf *sb);
/* Free the buffer and reset to empty (clears `failed`). */
void strbuf_release(struct strbuf *sb);
/* strbuf_release when sb's buffer grew past max_cap bytes, so that one huge
 * document does not keep a reused buffer huge; else nothing. */
void strbuf_trim_cap(struct strbuf *sb, size_t max_cap);

#endif
