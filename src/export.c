/*
 * export.c - the database's documents back out as files (export.h): the
 * edit policy, the checks of the target folder and of --run, on top of
 * storage_export_docs and backup_place_*.
 */
#include "export.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "backup.h"
#include "jsoncanon.h"
#include "storage.h"
#include "util.h"

const char *export_kind_name(enum export_kind k)
{
	switch (k) {
	case EXPORT_EXACT: return "exact";
	case EXPORT_EDITED: return "edited";
	case EXPORT_REWRITTEN: return "rewritten";
	case EXPORT_REFUSED: return "refused";
	}
	return "?";
}

struct run_find {
	const char *id;
	struct run_info run;
	int found;
};

static int find_run(void *ctx, const struct run_info *r)
{
	struct run_find *f = ctx;

	if (strcmp(r->id, f->id) == 0) {
		f->run = *r;
		f->found = 1;
		return 1;
	}
	return 0;
}

/* 1 when `dir` exists and holds anything, 0 when empty or absent, -1 (err). */
static int dir_nonempty(const char *dir, struct error *err)
{
	struct dirent *e;
	struct stat st;
	DIR *d;
	int any = 0;

	if (stat(dir, &st)) {
		if (errno == ENOENT)
			return 0;
		error_set(err, ERR_IO, "cannot look at '%s': %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		error_set(err, ERR_USAGE, "'%s' is not a folder", dir);
		return -1;
	}
	if (!(d = opendir(dir))) {
		error_set(err, ERR_IO, "cannot read '%s': %s", dir, strerror(errno));
		return -1;
	}
	while (!any && (e = readdir(d)))
		any = strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return any;
}

struct exp {
	const struct export_opts *o;
	struct backup_place *pl;
	void (*on_event)(void *ctx, const struct export_event *ev);
	void *ctx;
	struct export_summary *sum;
	struct jsoncanon jc;
	struct strbuf ca, cb;
	struct error *err;
	int64_t seen;
	char run_source[1024];     /* --run of a database of several sources */
	const char *sub;           /* several sources: the source's sub-folder */
	struct strbuf shown;       /* sub/path, as events name it */
};

/* 1 when texts a and b are the same JSON value (as jsonb holds them). */
static int same_value(struct exp *x, const char *a, size_t an, const char *b, size_t bn)
{
	strbuf_reset(&x->ca);
	strbuf_reset(&x->cb);
	if (jsoncanon_append(&x->jc, a, an, &x->ca) ||
	    jsoncanon_append(&x->jc, b, bn, &x->cb))
		return 0;
	jsoncanon_trim(&x->jc, 1 << 20);
	return x->ca.len == x->cb.len && !memcmp(x->ca.buf, x->cb.buf, x->ca.len);
}

static int one_doc(void *ctx, const struct export_doc *d)
{
	struct exp *x = ctx;
	struct export_event ev = { d->path, d->table, EXPORT_EXACT, NULL, 0 };
	const char *data = d->text;
	size_t len = d->text_len;
	char sha[65], why[4200];
	int rc;

	x->seen++;
	if (x->sub) {
		strbuf_reset(&x->shown);
		if (strbuf_addf(&x->shown, "%s/%s", x->sub, d->path))
			return error_set(x->err, ERR_IO, "out of memory");
		ev.path = x->shown.buf;
	}
	if (d->text) {
		util_sha256_hex(d->text, d->text_len, sha);
		if (!d->sha256 || strcmp(sha, d->sha256) != 0) {
			ev.kind = EXPORT_EDITED;
			ev.reason = "the document was edited in the database since its import";
		}
	}
	if (d->value) {
		/* PostgreSQL: _doc (jsonb) is what users query and update */
		if (!d->text) {
			data = d->value;
			len = d->value_len;
			ev.kind = EXPORT_REWRITTEN;
			ev.reason = "stored before _doc_text existed: jsonb's text of the same "
				    "value, not the original bytes (those are in the run's archive)";
		} else if (!same_value(x, d->value, d->value_len, d->text, d->text_len)) {
			data = d->value;
			len = d->value_len;
			ev.kind = EXPORT_EDITED;
			ev.reason = "_doc was edited in the database: the edit is written as "
				    "jsonb prints it (_doc_text holds the text before the edit)";
		}
	}
	if (!data) {
		ev.kind = EXPORT_REFUSED;
		ev.reason = "the row holds no document";
		x->sum->refused++;
		x->on_event(x->ctx, &ev);
		return 0;
	}
	why[0] = '\0';
	rc = backup_place_put(x->pl, d->path, data, len, d->mode ? d->mode : 0644,
			      d->mtime_ns, x->o->force, why, sizeof(why), x->err);
	if (rc == ERR_DATA) {
		ev.kind = EXPORT_REFUSED;
		ev.reason = why;
		x->sum->refused++;
		x->on_event(x->ctx, &ev);
		return 0;
	}
	if (rc)
		return rc;
	ev.bytes = len;
	x->sum->files++;
	x->sum->bytes += len;
	if (ev.kind == EXPORT_EXACT)
		x->sum->exact++;
	else if (ev.kind == EXPORT_EDITED)
		x->sum->edited++;
	else
		x->sum->rewritten++;
	x->on_event(x->ctx, &ev);
	return 0;
}

/* The distinct sources of the committed runs, in the order of their first
 * run (a database holds few: one per tree, not per file). */
struct source_list {
	char **name;
	size_t n, cap;
	int oom;
};

static int add_source(void *ctx, const struct run_info *r)
{
	struct source_list *l = ctx;
	size_t i;

	if (strcmp(r->status, "committed") != 0)
		return 0;
	for (i = 0; i < l->n; i++)
		if (strcmp(l->name[i], r->source) == 0)
			return 0;
	if (ALLOC_GROW(l->name, l->n + 1, l->cap) || !(l->name[l->n] = strdup(r->source))) {
		l->oom = 1;
		return 1;
	}
	l->n++;
	return 0;
}

static void source_list_release(struct source_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->name[i]);
	free(l->name);
	memset(l, 0, sizeof(*l));
}

/*
 * The sub-folder of source `name` when a database of several sources is
 * exported whole: the name with every byte other than [A-Za-z0-9_-] and
 * an inner '.' written %XX, so that it is one safe path segment ("/srv/a"
 * -> "%2Fsrv%2Fa", "host-a/ws" -> "host-a%2Fws") and two sources never
 * share a folder.
 */
static int source_folder(const char *name, struct strbuf *out)
{
	const unsigned char *c;
	int rc = 0;

	strbuf_reset(out);
	for (c = (const unsigned char *)name; *c && !rc; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || *c == '_' || *c == '-' ||
		    (*c == '.' && c != (const unsigned char *)name))
			rc = strbuf_addch(out, (char)*c);
		else
			rc = strbuf_addf(out, "%%%02X", *c);
	}
	if (!rc && out->len == 0)
		rc = strbuf_addf(out, "%%00");
	return rc;
}

/* Export one source (or the only one) into `dir`. */
static int export_into(struct exp *x, struct storage *st, const struct export_query *q,
		       const char *dir, struct error *err)
{
	int rc;

	if ((rc = backup_place_open(dir, &x->pl, err)))
		return rc;
	rc = storage_export_docs(st, q, one_doc, x, err);
	if (!rc)
		rc = backup_place_close(x->pl, err);
	else
		backup_place_close(x->pl, NULL);
	x->pl = NULL;
	return rc;
}

int export_run(const struct export_opts *o,
	       void (*on_event)(void *ctx, const struct export_event *ev),
	       void *ctx, struct export_summary *sum, struct error *err)
{
	struct exp x;
	struct export_query q = { 0, o->table, o->rule, o->source };
	struct source_list sources = { NULL, 0, 0, 0 };
	struct strbuf sub = STRBUF_INIT, dir = STRBUF_INIT;
	struct storage *st = NULL;
	int rc, ne, several = 0;

	memset(sum, 0, sizeof(*sum));
	memset(&x, 0, sizeof(x));
	if (!o->to || !*o->to)
		return error_set(err, ERR_USAGE, "export needs --to DIR");
	{
		struct storage_opts so;

		memset(&so, 0, sizeof(so));
		so.read_only = 1;   /* never creates a database, never writes one */
		if ((rc = storage_open(o->db, &so, &st, err)))
			return rc;
	}
	snprintf(sum->db_masked, sizeof(sum->db_masked), "%s", st->url_masked);
	if (o->run_id) {
		struct run_find f;

		memset(&f, 0, sizeof(f));
		f.id = o->run_id;
		rc = storage_list_runs(st, find_run, &f, err);
		if (rc < 0 || (rc && rc != 1))
			goto out;
		if (!f.found) {
			rc = error_set(err, ERR_USAGE, "no run '%s' in %s (see `wsmigrate runs`)",
				       o->run_id, st->url_masked);
			goto out;
		}
		if (strcmp(f.run.status, "committed") != 0) {
			rc = error_set(err, ERR_USAGE, "run '%s' is %s: there is no state of it to export",
				       o->run_id, f.run.status);
			goto out;
		}
		q.as_of_seq = f.run.seq;
		snprintf(sum->run_id, sizeof(sum->run_id), "%s", f.run.id);
		if (o->source && strcmp(o->source, f.run.source) != 0) {
			rc = error_set(err, ERR_USAGE, "run '%s' is of source '%s', not '%s'",
				       o->run_id, f.run.source, o->source);
			goto out;
		}
		snprintf(x.run_source, sizeof(x.run_source), "%s", f.run.source);
	}
	if (!o->source) {
		rc = storage_list_runs(st, add_source, &sources, err);
		if (sources.oom)
			rc = error_set(err, ERR_IO, "out of memory");
		if (rc < 0 || (rc && rc != 1))
			goto out;
		rc = 0;
		/* several sources: the state as of a run is that of its source;
		 * else each source goes into a sub-folder of its own, since two
		 * trees often share relative paths */
		if (sources.n > 1 && o->run_id)
			q.source = x.run_source;
		else if (sources.n > 1)
			several = 1;
	}
	ne = dir_nonempty(o->to, err);
	if (ne < 0) {
		rc = err->code ? err->code : ERR_IO;
		goto out;
	}
	if (ne && !o->force) {
		rc = error_set(err, ERR_USAGE,
			       "'%s' is not empty: export writes into an empty (or new) folder; "
			       "--force writes into it anyway, replacing files of the same paths",
			       o->to);
		goto out;
	}
	x.o = o;
	x.on_event = on_event;
	x.ctx = ctx;
	x.sum = sum;
	x.err = err;
	x.jc = (struct jsoncanon)JSONCANON_INIT;
	if (!several) {
		rc = export_into(&x, st, &q, o->to, err);
	} else {
		size_t i;

		for (i = 0, rc = 0; i < sources.n && !rc; i++) {
			q.source = sources.name[i];
			if (source_folder(sources.name[i], &sub) ||
			    strbuf_addf(&dir, "%s%s%s", o->to, util_ends_with(o->to, "/") ? "" : "/",
					sub.buf) < 0) {
				rc = error_set(err, ERR_IO, "out of memory");
				break;
			}
			x.sub = sub.buf;
			rc = export_into(&x, st, &q, dir.buf, err);
			strbuf_reset(&dir);
		}
		sum->sources = (int64_t)sources.n;
	}
	if (!rc && !x.seen && o->source && !o->rule && !o->table)
		rc = error_set(err, ERR_USAGE, "no documents of source '%s' in %s",
			       o->source, st->url_masked);
	if (!rc && !x.seen && (o->rule || o->table))
		rc = error_set(err, ERR_USAGE, "no documents of %s '%s' in %s",
			       o->rule ? "rule" : "table", o->rule ? o->rule : o->table,
			       st->url_masked);
	if (!rc && sum->refused)
		rc = error_set(err, ERR_DATA, "%lld document%s refused", (long long)sum->refused,
			       sum->refused == 1 ? "" : "s");
out:
	jsoncanon_release(&x.jc);
	strbuf_release(&x.ca);
	strbuf_release(&x.cb);
	strbuf_release(&x.shown);
	strbuf_release(&sub);
	strbuf_release(&dir);
	source_list_release(&sources);
	storage_close(st);
	return rc;
}
