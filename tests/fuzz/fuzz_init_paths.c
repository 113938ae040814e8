/*
 * fuzz_init_paths.c - path grouping of manifest inference (include/infer.h,
 * infer_fuzz_paths()): the input is read as relative paths, one per line,
 * grouped as `wsmigrate init` groups a tree's paths.  Invariant (checked
 * by the library's own entry point): every group's glob is well-formed
 * and matches the group's example paths.  Faster than fuzz_init (no files
 * are written), so it reaches large and odd path sets.
 */
#include "fuzz.h"

#include "infer.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FUZZ_CHECK(infer_fuzz_paths(data, size) == 0,
		   "infer_fuzz_paths: a group's glob is malformed or does not match its examples");
	return 0;
}
