/*
 * storage/storage.c - picks a storage backend by URL and forwards calls to it,
 * and holds the family's one checked downcast.  It holds no SQL: each
 * backend owns its dialect (sqlite*.c, pg*.c).  A NULL method in a backend
 * means "not supported".
 */
#include "storage.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "util.h"

const char *file_outcome_name(enum file_outcome o)
{
	switch (o) {
	case FILE_IMPORTED: return "imported";
	case FILE_UNCHANGED: return "unchanged";
	case FILE_SKIPPED: return "skipped";
	case FILE_INVALID: return "invalid";
	}
	return "?";
}

static int is_pg_url(const char *url)
{
	return strncmp(url, "postgresql://", 13) == 0 ||
	       strncmp(url, "postgres://", 11) == 0 ||
	       (strchr(url, '=') != NULL && strncmp(url, "sqlite:", 7) != 0);
}

int storage_open(const char *url, const struct storage_opts *opts,
		 struct storage **out, struct error *err)
{
	struct storage_opts none = { 0 };
	const struct storage_ops *ops = NULL;
	char masked[1024];

	*out = NULL;
	if (!opts)
		opts = &none;
	if (strncmp(url, "sqlite:", 7) == 0 || util_ends_with(url, ".db") ||
	    util_ends_with(url, ".sqlite") || util_ends_with(url, ".sqlite3")) {
		ops = &storage_sqlite_ops;
	} else if (is_pg_url(url)) {
#ifndef WSM_NO_PG
		ops = &storage_pg_ops;
#else
		return error_set(err, ERR_USAGE,
				 "'%s': this build has no PostgreSQL support (built with WITH_PG=0)",
				 storage_mask_url(url, masked, sizeof(masked)));
#endif
	}
	if (!ops)
		return error_set(err, ERR_USAGE,
				 "cannot tell the database kind of '%s': use sqlite:PATH, a path ending in .db/.sqlite/.sqlite3, or postgresql://...",
				 storage_mask_url(url, masked, sizeof(masked)));
	if (ops->open(url, opts, out, err))
		return err ? (int)err->code : ERR_IO;
	(*out)->ops = ops;
	storage_mask_url(url, (*out)->url_masked, sizeof((*out)->url_masked));
	return 0;
}

void *storage_downcast(struct storage *st, const struct storage_ops *ops)
{
	/* BUG: a backend method got a handle of another backend, or none */
	assert(st && st->ops == ops);
	return st;
}

void storage_free_names(char **names, size_t n)
{
	size_t i;

	for (i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}

const char *storage_lock_holder_text(const struct lock_holder *h, char *buf,
				     size_t size)
{
	if (!h->who[0])
		snprintf(buf, size, "another client");
	else if (!h->since[0])
		snprintf(buf, size, "%s", h->who);
	else
		snprintf(buf, size, "%s%s since %s", h->who,
			 h->since_is_start ? ", running" : "", h->since);
	return buf;
}

void storage_close(struct storage *st)
{
	if (st)
		st->ops->close(st);
}

/*
 * Mask "scheme://user:PASSWORD@host" and "password=VALUE" (libpq keyword
 * strings, with or without quotes), plus "?password=" URI parameters.
 */
const char *storage_mask_url(const char *url, char *buf, size_t size)
{
	const char *scheme_end = strstr(url, "://");
	size_t o = 0;
	const char *p = url;

	if (!size)
		return buf;
#define PUT(c) do { if (o + 1 < size) buf[o++] = (c); } while (0)
	if (scheme_end) {
		const char *auth = scheme_end + 3;
		const char *slash = strpbrk(auth, "/?");
		const char *at = NULL, *q;

		for (q = auth; *q && (!slash || q < slash); q++)
			if (*q == '@')
				at = q;
		if (at) {
			const char *colon = memchr(auth, ':', (size_t)(at - auth));

			if (colon) {
				for (; p <= colon; p++)
					PUT(*p);
				PUT('*'); PUT('*'); PUT('*');
				p = at;
			}
		}
	}
	while (*p) {
		if (strncmp(p, "password=", 9) == 0 &&
		    (p == url || p[-1] == ' ' || p[-1] == '?' || p[-1] == '&')) {
			const char *v;

			for (v = "password=***"; *v; v++)
				PUT(*v);
			p += 9;
			if (*p == '\'') {
				p++;
				while (*p && *p != '\'') {
					if (*p == '\\' && p[1])
						p++;
					p++;
				}
				if (*p == '\'')
					p++;
			} else {
				while (*p && *p != ' ' && *p != '&')
					p++;
			}
			continue;
		}
		PUT(*p);
		p++;
	}
#undef PUT
	buf[o] = '\0';
	return buf;
}

#define CALL(method, ...)                                                   \
	do {                                                                \
		if (!st->ops->method)                                       \
			return error_set(err, ERR_USAGE,                    \
					 "%s: not supported by the %s backend", \
					 #method, st->ops->name);           \
		return st->ops->method(__VA_ARGS__);                        \
	} while (0)

int storage_begin(struct storage *st, struct error *err)
{
	CALL(begin, st, err);
}

int storage_ensure_tables(struct storage *st, const struct table_def *defs,
			  size_t n, struct error *err)
{
	CALL(ensure_tables, st, defs, n, err);
}

int storage_run_start(struct storage *st, const struct run_info *run,
		      struct error *err)
{
	CALL(run_start, st, run, err);
}

int storage_source_lookup(struct storage *st, const char *path,
			  struct source_state *out, int *found,
			  struct error *err)
{
	CALL(source_lookup, st, path, out, found, err);
}

int storage_source_lookup_many(struct storage *st, const char *const *paths,
			       size_t n, struct source_state *out, int *found,
			       struct error *err)
{
	size_t i;

	if (st->ops->source_lookup_many)
		return st->ops->source_lookup_many(st, paths, n, out, found, err);
	for (i = 0; i < n; i++) {
		int rc = storage_source_lookup(st, paths[i], &out[i], &found[i], err);

		if (rc)
			return rc;
	}
	return 0;
}

int storage_put_batch(struct storage *st, const struct batch *b,
		      struct error *err)
{
	CALL(put_batch, st, b, err);
}

int storage_missing_sources(struct storage *st, const char *run_id,
			    int (*cb)(void *ctx, const char *path,
				      const char *rule),
			    void *ctx, struct error *err)
{
	CALL(missing_sources, st, run_id, cb, ctx, err);
}

int storage_prune_source(struct storage *st, const char *run_id,
			 const char *path, struct error *err)
{
	CALL(prune_source, st, run_id, path, err);
}

int storage_run_finish(struct storage *st, const struct run_info *run,
		       struct error *err)
{
	CALL(run_finish, st, run, err);
}

int storage_commit(struct storage *st, struct error *err)
{
	CALL(commit, st, err);
}

int storage_rollback(struct storage *st, struct error *err)
{
	CALL(rollback, st, err);
}

int storage_list_runs(struct storage *st,
		      int (*cb)(void *ctx, const struct run_info *run),
		      void *ctx, struct error *err)
{
	CALL(list_runs, st, cb, ctx, err);
}

int storage_list_files(struct storage *st, const char *run_id,
		       int (*cb)(void *ctx, const struct file_entry *f),
		       void *ctx, struct error *err)
{
	CALL(list_files, st, run_id, cb, ctx, err);
}

int storage_revert_run(struct storage *st, const char *run_id,
		       int64_t *rows_removed, int64_t *rows_restored,
		       struct error *err)
{
	CALL(revert_run, st, run_id, rows_removed, rows_restored, err);
}

int storage_add_warnings(struct storage *st, const struct warning_entry *w,
			 size_t n, struct error *err)
{
	CALL(add_warnings, st, w, n, err);
}

int storage_note_run(struct storage *st, const char *run_id, const char *kind,
		     const char *message, struct error *err)
{
	CALL(note_run, st, run_id, kind, message, err);
}

int storage_forget_archive(struct storage *st, const char *run_id, struct error *err)
{
	CALL(forget_archive, st, run_id, err);
}

int storage_list_warnings(struct storage *st, const char *run_id,
			  const char *kind,
			  int (*cb)(void *ctx, const struct warning_entry *w),
			  void *ctx, struct error *err)
{
	CALL(list_warnings, st, run_id, kind, cb, ctx, err);
}
