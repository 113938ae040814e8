/*
 * error.h - an error value carried from where a failure happens up to main.
 *
 * Calling sequence: a function that can fail takes `struct error *err` as its
 * last parameter and returns int (0 = ok).  On failure it fills `err` once,
 * at the place where the failure is understood (with strerror(errno) or the
 * backend's own text), and returns non-zero.  Callers pass the error up
 * unchanged, or add context with error_prefix() when they know something new.
 * Only main.c turns an error into a line on stderr and an exit status.
 *
 * Ownership: struct error is a plain value with fixed-size buffers; it owns no
 * heap memory, so it never needs to be released.
 */
#ifndef WSM_ERROR_H
#define WSM_ERROR_H

#include <stddef.h>

/* Error codes double as the documented process exit statuses. */
enum error_code {
	ERR_OK = 0,      /* no error */
	ERR_DATA = 1,    /* the input data has problems (invalid files) */
	ERR_USAGE = 2,   /* bad command line, bad manifest or schema */
	ERR_IO = 3       /* I/O, archive or database failure */
};

#define ERROR_MSG_MAX 2048
#define ERROR_PATH_MAX 1024
#define ERROR_PTR_MAX 512
#define ERROR_HINT_MAX 512

struct error {
	enum error_code code;
	char msg[ERROR_MSG_MAX];      /* what went wrong, lower-case, no final period */
	char path[ERROR_PATH_MAX];    /* file the problem is in, or "" */
	long line;                    /* 1-based line in `path`, or 0 when unknown */
	long column;                  /* 1-based column, or 0 when unknown */
	char pointer[ERROR_PTR_MAX];  /* JSON Pointer of the failing value, or "" */
	char hint[ERROR_HINT_MAX];    /* what the user can do about it, or "" */
};

/* Reset `err` to "no error".  Accepts NULL. */
void error_clear(struct error *err);

/*
 * Record an error with a printf-style message.  Returns `code` cast to int so
 * that callers can write `return error_set(err, ERR_IO, "...")`.
 * `err` may be NULL, in which case only the code is returned.
 */
int error_set(struct error *err, enum error_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Like error_set, and also records the location: file path, line, column
 * (0 when unknown) and JSON pointer (NULL or "" when none).
 */
int error_set_at(struct error *err, enum error_code code, const char *path,
		 long line, long column, const char *pointer,
		 const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

/*
 * Attach a hint to an error already set: one line telling the user what to
 * do about it, printed by main as "hint: ..." instead of the usage line.
 * Returns err->code.
 */
int error_hint(struct error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Put "<context>: " in front of the existing message.  Returns err->code. */
int error_prefix(struct error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Format the error as one line in the house style, for example
 *   "data/x.json:3:14: /items/2/id: expected integer, got string"
 * into buf (always NUL-terminated).  Returns buf.
 */
const char *error_format(const struct error *err, char *buf, size_t size);

#endif
