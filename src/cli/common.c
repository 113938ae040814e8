/*
 * cli/common.c - small pieces shared by the subcommands (see cmd_common.h).
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cmd_parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (end == s || errno)
		return -1;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	default: break;
	}
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || v == 0)
		return -1;
	*out = (size_t)v;
	return 0;
}

void cmd_lock_wait(void *ctx, const char *db, const struct lock_holder *h,
		   int wait_ms)
{
	char who[400], limit[32];

	(void)ctx;
	if (wait_ms % 60000 == 0)
		snprintf(limit, sizeof(limit), "%d min", wait_ms / 60000);
	else
		snprintf(limit, sizeof(limit), "%d s", (wait_ms + 999) / 1000);
	if (h->source)
		fprintf(stderr, "waiting for the lock of source '%s' on %s, held by %s;"
			" waiting up to %s (--no-wait fails at once)\n", h->source,
			db, storage_lock_holder_text(h, who, sizeof(who)), limit);
	else
		fprintf(stderr, "waiting for the lock on %s, held by %s; waiting up to %s"
			" (--no-wait fails at once)\n",
			db, storage_lock_holder_text(h, who, sizeof(who)), limit);
	fflush(stderr);
}

int cmd_use_color(FILE *f)
{
	const char *nc = getenv("NO_COLOR");

	return isatty(fileno(f)) && !(nc && *nc);
}

void cmd_progress(void *ctx, const struct pipeline_progress *p)
{
	(void)ctx;
	if (p->final) {
		fputs("\r\033[K", stderr);
		return;
	}
	fprintf(stderr, "\r\033[K%lld files  %.1f MB  %.1f MB/s  %.1fs",
		(long long)p->files_done, (double)p->bytes_done / 1e6,
		p->elapsed_s > 0 ? (double)p->bytes_done / 1e6 / p->elapsed_s : 0.0,
		p->elapsed_s);
}

void cmd_note(void *ctx, enum pipeline_note_kind kind, const char *path,
	      const char *detail)
{
	const int *quiet = ctx;
	const char *what = "note";

	if (quiet && *quiet && kind != NOTE_KEPT_ORIGINAL && kind != NOTE_TREE_MOVED)
		return;
	switch (kind) {
	case NOTE_PARTIAL_REMOVED: what = "cleanup"; break;
	case NOTE_DELETED: what = "deleted"; break;
	case NOTE_PRUNED: what = "pruned"; break;
	case NOTE_REMOVED_ORIGINAL: what = "removed"; break;
	case NOTE_KEPT_ORIGINAL: what = "kept"; break;
	case NOTE_TREE_MOVED:
		fprintf(stderr, "note: source '%s' was last imported from %s; this run reads"
			" another tree root\n", path, detail);
		return;
	case NOTE_MTIME_CLAMPED: what = "mtime"; break;
	}
	fprintf(stderr, "%s: %s: %s\n", what, path, detail);
}
