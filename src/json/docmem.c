/*
 * json/docmem.c - the per-document arena behind cJSON's allocation hooks (see
 * docmem.h).  It only serves cJSON; nothing else allocates from it.
 */
#include "docmem.h"

#include <stdlib.h>

#include <cjson/cJSON.h>

#include "util.h"

#if defined(__SANITIZE_ADDRESS__)
#define DOCMEM_DISABLED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DOCMEM_DISABLED 1
#endif
#endif

static struct arena arena = ARENA_INIT((size_t)1 << 20);
static int active;

static void *docmem_malloc(size_t n)
{
	return active ? arena_alloc(&arena, n, 16) : malloc(n);
}

static void docmem_free(void *p)
{
	if (p && !arena_contains(&arena, p))
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
	active = 0;
	/* one standard block stays for the next document; a large tree's go */
	arena_reset(&arena);
}

void docmem_release(void)
{
	active = 0;
	arena_release(&arena);
}
