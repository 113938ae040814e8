/*
 * jsonread.h - strict JSON reading: syntax check, parse, raw-span locator.
 *
 * cJSON alone is too lenient for an import tool (it truncates strings at
 * \u0000, accepts invalid UTF-8, duplicate keys, leading zeros, "1.", raw
 * control characters and trailing garbage, and reports no positions), so
 * every document is first scanned strictly against RFC 8259 by
 * jsonread_check(), and only then handed to cJSON.
 *
 * Calling sequence:
 *     tree = jsonread_parse(buf, len, &opts, err)    -- check + build tree
 *     doc  = jsonread_skip_bom(buf, len, &skipped)   -- bytes to store
 *     jsonread_locate(buf, len, "/a/0", &s, &e)      -- raw text of a value
 *     cJSON_Delete(tree)
 *
 * Policies (the README repeats them):
 *   - A UTF-8 byte order mark (EF BB BF) at the very start is accepted and
 *     skipped; it is not part of the document.  A BOM anywhere else, and
 *     UTF-16/UTF-32 input, are refused.
 *   - The whole input must be well-formed UTF-8 (no overlong forms, no
 *     encoded surrogates, nothing above U+10FFFF).
 *   - The escape \u0000 is refused: PostgreSQL jsonb cannot store it and
 *     cJSON would silently truncate the string there.
 *   - Lone surrogate escapes (\uD800 without a following \uDC00-\uDFFF, or
 *     a low surrogate alone) are refused.
 *   - Duplicate keys in one object are refused; keys are compared after
 *     unescaping, so "a" and "\u0061" are the same key.
 *   - Only JSON whitespace (space, tab, LF, CR) may appear between tokens.
 *   - Any value may be the top-level value (RFC 8259), including scalars.
 *   - Nesting is limited (default JSONREAD_DEFAULT_DEPTH containers); the
 *     check is iterative, so deep input gives an error, never a crash.
 *   - Numbers are checked for syntax only: 1e999 and 123456789012345678901
 *     are accepted (see jsonread_number_kind() to detect what cJSON rounds).
 *
 * Error positions: err->line and err->column are 1-based; lines end at LF,
 * CRLF or a lone CR; the column counts characters (Unicode code points, a
 * tab is one), not bytes, and the leading BOM does not count.  The message
 * also ends with "at offset N", the 0-based byte offset in `buf` as given
 * (BOM included), so the byte can be found with a hex dump.  err->pointer is
 * the JSON Pointer of the innermost value being read when the error was
 * found (for a duplicate key: the object holding it).
 *
 * Ownership: buffers are borrowed and need not be NUL-terminated; only the
 * cJSON tree returned by jsonread_parse() belongs to the caller.  Nothing
 * here prints or keeps state between calls; all functions are reentrant.
 */
#ifndef WSM_JSONREAD_H
#define WSM_JSONREAD_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "error.h"

/* Default and hard maximum nesting depth (arrays + objects). */
#define JSONREAD_DEFAULT_DEPTH 512
/* jsonread_parse() cannot go deeper than cJSON's own limit. */
#define JSONREAD_PARSE_MAX_DEPTH CJSON_NESTING_LIMIT

struct jsonread_opts {
	unsigned max_depth;  /* 0 means JSONREAD_DEFAULT_DEPTH */
	const char *path;    /* copied into err->path on failure; may be NULL */
	int *nul_seen;       /* NULL: \u0000 in a string is refused.  Else it is
				accepted and *nul_seen set to 1 (parse sets it
				to 0 first); jsonread_parse then hands cJSON
				a copy where each \u0000 is \uffff (cJSON would
				cut the string there), and refuses a document
				that also holds U+FFFF itself */
};

/*
 * Check that buf[0..len) is one strict JSON document (policies above).
 * Single pass, no recursion, no allocation per token.  `opts` may be NULL.
 * Returns 0 when valid, else ERR_DATA (or ERR_IO if out of memory) with
 * `err` filled: a plain reason ending in "at offset N", line, column and
 * pointer.
 */
int jsonread_check(const char *buf, size_t len,
		   const struct jsonread_opts *opts, struct error *err);

/*
 * jsonread_check(), then build the cJSON tree from the bytes after the BOM.
 * The depth limit is capped at JSONREAD_PARSE_MAX_DEPTH.  Returns the tree,
 * which the caller frees with cJSON_Delete(), or NULL with `err` set.
 */
cJSON *jsonread_parse(const char *buf, size_t len,
		      const struct jsonread_opts *opts, struct error *err);

/*
 * 1 when the JSON text s[0..n) has a \u0000 escape in a string (which
 * PostgreSQL's jsonb refuses), else 0.  For checked JSON only.
 */
int jsonread_has_nul_escape(const char *s, size_t n);

/*
 * Return buf without its leading UTF-8 BOM (if any); *skipped (may be NULL)
 * receives the number of bytes skipped: 3 or 0.  The document proper is
 * the returned pointer and len - *skipped bytes.
 */
const char *jsonread_skip_bom(const char *buf, size_t len, size_t *skipped);

/*
 * Find the raw bytes of the value at JSON Pointer `pointer` (RFC 6901:
 * "" is the whole document, "/a/0" key a then element 0, ~0 is '~' and ~1
 * is '/') in a document that passed jsonread_check(), by scanning, without
 * building a tree.  Keys are compared after unescaping.  On success sets
 * buf[*start .. *end) to the value's text (no surrounding whitespace) and
 * returns 0.  Returns 1 when there is no such value, -1 when `pointer` is
 * not a valid JSON Pointer.  Never reads outside buf even if the document
 * was not checked (the answer is then meaningless).
 */
int jsonread_locate(const char *buf, size_t len, const char *pointer,
		    size_t *start, size_t *end);

/*
 * Walk the members of an object, or the elements of an array, by their raw
 * text, in document order (the order cJSON keeps its children in), so that
 * a caller can visit every element's span in one pass instead of locating
 * each one from the start of the document.
 *
 *     struct jsonread_iter it;
 *     jsonread_iter_init(&it, buf, len, start);   -- start: the '{' or '['
 *     while (jsonread_iter_next(&it, &vs, &ve))   -- buf[vs..ve): the value
 *         ...
 *
 * The document must have passed jsonread_check(); the iterator never reads
 * outside buf either way.  jsonread_iter_init returns -1 when buf[start] is
 * not '{' or '['.  jsonread_iter_next returns 1 per member or element and 0
 * at the end.
 */
struct jsonread_iter {
	const char *buf;
	size_t len;
	size_t pos;           /* next member/element, or len when done */
	int is_object;
};

int jsonread_iter_init(struct jsonread_iter *it, const char *buf, size_t len,
		       size_t start);
int jsonread_iter_next(struct jsonread_iter *it, size_t *vstart, size_t *vend);

/* What the raw text of a JSON number denotes (see jsonread_number_kind). */
enum jsonread_number {
	JSONREAD_NUM_INVALID = -1,  /* not the syntax of a JSON number */
	JSONREAD_NUM_INT = 0,       /* an integer within int64_t */
	JSONREAD_NUM_BIGINT = 1,    /* an integer outside int64_t */
	JSONREAD_NUM_FRACTION = 2   /* not an integer */
};

/*
 * Classify the raw text raw[0..n) of a JSON number exactly (no floating
 * point): "12", "-0", "1.0", "1.5e1" and "1e3" are integers;
 * "12345678901234567890" and "1e400" are integers outside int64_t (cJSON
 * rounds them); "0.5" and "1e-400" are fractions.  For JSONREAD_NUM_INT,
 * *out (may be NULL) receives the value.
 */
enum jsonread_number jsonread_number_kind(const char *raw, size_t n,
					  int64_t *out);

/*
 * Return 1 if raw[0..n) is a JSON number whose value is an integer that
 * fits int64_t exactly (stored in *out, which may be NULL), else 0.
 */
int jsonread_number_is_exact_int(const char *raw, size_t n, int64_t *out);

/*
 * Compute the 1-based line and column of byte `offset` of buf (offset may
 * equal len), with the conventions described above.  Offsets beyond len
 * are treated as len.
 */
void jsonread_position(const char *buf, size_t len, size_t offset,
		       long *line, long *column);

#endif
