/*
 * testhook.c - the fault-injection points of test builds (testhook.h).
 * A release build compiles this file to nothing.
 */
#include "testhook.h"

#ifdef WSM_TEST_HOOKS

#include <stdlib.h>
#include <string.h>

int testhook_fault(const char *name)
{
	const char *f = getenv("WSMIGRATE_FAULT");

	return f && strcmp(f, name) == 0;
}

const char *testhook_fault_arg(const char *prefix)
{
	const char *f = getenv("WSMIGRATE_FAULT");
	size_t n = strlen(prefix);

	if (!f || strncmp(f, prefix, n) != 0 || f[n] != ':')
		return NULL;
	return f + n + 1;
}

#else

/* ISO C wants at least one declaration in a translation unit. */
typedef int testhook_release_build;

#endif
