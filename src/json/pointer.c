/*
 * json/pointer.c - RFC 6901 JSON Pointers on cJSON trees, and the one
 * escaper of pointer tokens.  Raw-text resolution is jsonread_locate's.
 */
#include "jsonpointer.h"

#include <string.h>

int jsonpointer_valid(const char *ptr)
{
	const char *p;

	if (!ptr)
		return 0;
	if (!*ptr)
		return 1;
	if (*ptr != '/')
		return 0;
	for (p = ptr; *p; p++)
		if (*p == '~' && p[1] != '0' && p[1] != '1')
			return 0;
	return 1;
}

/* Compare one unescaped pointer token ptr[0..n) with a member name. */
static int token_equals(const char *tok, size_t n, const char *name)
{
	size_t i = 0;

	for (; i < n; i++, name++) {
		char c = tok[i];

		if (c == '~') {
			c = tok[i + 1] == '1' ? '/' : '~';
			i++;
		}
		if (*name != c)
			return 0;
	}
	return *name == '\0';
}

const cJSON *jsonpointer_get(const cJSON *root, const char *ptr)
{
	const cJSON *cur = root;

	if (!jsonpointer_valid(ptr))
		return NULL;
	while (cur && *ptr == '/') {
		const char *tok = ptr + 1;
		size_t n = strcspn(tok, "/");

		if (cJSON_IsObject(cur)) {
			const cJSON *c;

			for (c = cur->child; c; c = c->next)
				if (token_equals(tok, n, c->string))
					break;
			cur = c;
		} else if (cJSON_IsArray(cur)) {
			size_t i, idx = 0;
			const cJSON *c;

			if (n == 0 || (n > 1 && tok[0] == '0'))
				return NULL;
			for (i = 0; i < n; i++) {
				if (tok[i] < '0' || tok[i] > '9' || idx > 100000000)
					return NULL;
				idx = idx * 10 + (size_t)(tok[i] - '0');
			}
			for (c = cur->child; c && idx; c = c->next)
				idx--;
			cur = c;
		} else {
			return NULL;
		}
		ptr = tok + n;
	}
	return cur;
}

int jsonpointer_append(struct strbuf *sb, const char *tok, size_t n)
{
	size_t i, run = 0;

	if (strbuf_addch(sb, '/'))
		return -1;
	for (i = 0; i < n; i++) {
		const char *esc = tok[i] == '~' ? "~0" : tok[i] == '/' ? "~1" : NULL;

		if (!esc)
			continue;
		if (strbuf_add(sb, tok + run, i - run) || strbuf_add(sb, esc, 2))
			return -1;
		run = i + 1;
	}
	return strbuf_add(sb, tok + run, n - run);
}
