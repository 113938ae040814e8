/*
 * cli/internal.h - helpers shared by the cmd_*.c files of the command layer:
 * size parsing, the progress line, and the colour decision.  Only command
 * code includes this header; modules never print.
 */
#ifndef WSM_CMD_COMMON_H
#define WSM_CMD_COMMON_H

#include <stddef.h>
#include <stdio.h>

#include "pipeline.h"
#include "storage.h"

/* Parse "64M", "1G", "512k", "1000" into bytes.  Returns 0, or -1. */
int cmd_parse_size(const char *s, size_t *out);

/* 1 when `f` is a terminal and NO_COLOR is unset. */
int cmd_use_color(FILE *f);

/* A pipeline on_progress callback drawing one line on stderr (TTY only). */
void cmd_progress(void *ctx, const struct pipeline_progress *p);

/* A pipeline on_note callback printing notes to stderr (ctx: int *quiet). */
void cmd_note(void *ctx, enum pipeline_note_kind kind, const char *path,
	      const char *detail);

/*
 * A storage on_lock_wait callback (storage.h): one line on stderr saying
 * whose lock the command waits for, since when, and for how long at most.
 */
void cmd_lock_wait(void *ctx, const char *db, const struct lock_holder *h,
		   int wait_ms);

#endif
