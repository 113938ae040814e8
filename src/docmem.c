/*
 * docmem.c - the per-document arena behind cJSON's allocation hooks (see
 * docmem.h).  It only serves cJSON; nothing else allocates from it.
 */
#include "docmem.h"

#include <stdint.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#if defined(__SANITIZE_ADDRESS__)
#define DOCMEM_DISABLED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DOCMEM_DISABLED 1
#endif
#endif

#define BLOCK_SIZE ((size_t)1 << 20)
#define ALIGN 16

struct block {
	struct block *next;
	size_t used, cap;
	unsigned char data[];
};

static struct block *blocks;   /* newest first; the last one is kept */
static int active;

static int in_arena(const void *p)
{
	const struct block *b;

	for (b = blocks; b; b = b->next)
		if ((const unsigned char *)p >= b->data &&
		    (const unsigned char *)p < b->data + b->cap)
			return 1;
	return 0;
}

static void *docmem_malloc(size_t n)
{
	struct block *b = blocks;

	if (!active)
		return malloc(n);
	n = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	if (!b || b->cap - b->used < n) {
		size_t cap = n > BLOCK_SIZE ? n : BLOCK_SIZE;

		b = malloc(sizeof(*b) + cap);
		if (!b)
			return NULL;
		b->used = 0;
		b->cap = cap;
		b->next = blocks;
		blocks = b;
	}
	b->used += n;
	return b->data + b->used - n;
}

static void docmem_free(void *p)
{
	if (p && !in_arena(p))
		free(p);
}

void docmem_install(void)
{
#ifndef DOCMEM_DISABLED
	cJSON_Hooks hooks = { docmem_malloc, docmem_free };

	cJSON_InitHooks(&hooks);
#else
	(void)docmem_malloc;   /* the sanitizer checks cJSON's own allocations */
	(void)docmem_free;
#endif
}

void docmem_begin(void)
{
#ifndef DOCMEM_DISABLED
	active = 1;
#endif
}

void docmem_end(void)
{
	struct block *b;

	active = 0;
	/* keep one block for the next document; a large tree's go back */
	while (blocks && blocks->next) {
		b = blocks;
		blocks = b->next;
		free(b);
	}
	if (blocks) {
		if (blocks->cap > BLOCK_SIZE) {
			free(blocks);
			blocks = NULL;
		} else {
			blocks->used = 0;
		}
	}
}

void docmem_release(void)
{
	docmem_end();
	free(blocks);
	blocks = NULL;
}
