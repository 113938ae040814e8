/*
 * util.h - small helpers shared by several modules: hashing, whole-file
 * reads, time stamps, JSON Pointer lookup on cJSON trees, growable buffers.
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

/* Value of a hexadecimal digit, or -1 when `c` is not one. */
int util_hex_digit(int c);

/* strdup that returns NULL for NULL. */
char *util_strdup(const char *s);

/*
 * Resolve an RFC 6901 JSON Pointer ("" is the root) against a cJSON tree.
 * Returns the node, or NULL when absent or when the pointer is malformed.
 */
const cJSON *util_json_pointer_get(const cJSON *root, const char *ptr);

/* 1 when `ptr` is a syntactically valid JSON Pointer ("" or "/..."). */
int util_json_pointer_valid(const char *ptr);

/* Append the JSON-string escaped form of s[0..n) (no quotes) to a strbuf. */
struct strbuf {
	char *buf;
	size_t len;
	size_t cap;
};
#define STRBUF_INIT { NULL, 0, 0 }
/* Grow to hold at least `extra` more bytes; returns -1 on OOM. */
int strbuf_grow(struct strbuf *sb, size_t extra);
int strbuf_add(struct strbuf *sb, const void *data, size_t n);
int strbuf_addstr(struct strbuf *sb, const char *s);
int strbuf_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append `name` as a quoted SQL identifier ("a""b"), for both dialects. */
int strbuf_add_ident(struct strbuf *sb, const char *name);
/* Append `s` as a JSON string literal, quotes included. */
int strbuf_add_json_string(struct strbuf *sb, const char *s, size_t n);
/* Free the buffer and reset to empty. */
void strbuf_release(struct strbuf *sb);

#endif
