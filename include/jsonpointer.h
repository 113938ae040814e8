/*
 * jsonpointer.h - RFC 6901 JSON Pointers: check one, resolve one against a
 * cJSON tree, and build one token by token.  The only place that knows the
 * escapes ("~0" is '~', "~1" is '/'); the strict reader's jsonread_locate
 * resolves pointers on raw text with the same rules.
 *
 * Ownership: pure functions over borrowed arguments; jsonpointer_append
 * grows the caller's strbuf.
 */
#ifndef WSM_JSONPOINTER_H
#define WSM_JSONPOINTER_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "util.h"

/* 1 when `ptr` is a syntactically valid JSON Pointer ("" or "/..."). */
int jsonpointer_valid(const char *ptr);

/*
 * Resolve `ptr` ("" is the root) against a cJSON tree.  Returns the node,
 * or NULL when it is absent or the pointer is malformed.
 */
const cJSON *jsonpointer_get(const cJSON *root, const char *ptr);

/*
 * Append "/" and the member name or index tok[0..n), escaped, to sb.
 * Returns 0, or -1 when out of memory (sb->failed is then set).
 */
int jsonpointer_append(struct strbuf *sb, const char *tok, size_t n);

#endif
