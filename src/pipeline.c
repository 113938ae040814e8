/*
 * pipeline.c - the one-pass migration that every command builds on.
 * It owns the order of operations (archive durable before commit, writes
 * off after the first invalid file under --on-invalid abort) and the
 * accounting; it prints nothing: results go to the caller's callbacks.
 */
#include "pipeline.h"

#include <errno.h>
#include <limits.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backup.h"
#include "docmem.h"
#include "jsonread.h"
#include "jsonschema.h"
#include "manifest.h"
#include "rowmap.h"
#include "storer.h"
#include "testhook.h"
#include "util.h"
#include "walk.h"

#define DEFAULT_MAX_FILE (64u << 20)
#define BATCH_FILES 2000
#define BATCH_BYTES (2u << 20)   /* per batch; two are alive (storer.h) */
#define BIG_DOC (1u << 20)       /* parsed and stored with no batch beside */

/* A file waiting in the current batch. */
struct pending {
	char *path;
	char sha256[65];
	int64_t size, mtime_ns;
	uint32_t mode;
	const struct manifest_rule *rule;
	enum file_outcome outcome;
	char *error;
	int is_new;             /* looked up: no source state for this path */
	int same_stat;          /* unchanged by size and mtime (fast path) */
	char *buf;              /* the file's bytes (owned) */
	size_t doc_off, doc_len;
	int doc_nul;            /* the document holds \u0000 */
	size_t row_off, n_rows; /* into out.rows */
	size_t warn_off, n_warn; /* into out.warnings */
	size_t warn_total;      /* all its warnings, kept or not */
};

/*
 * Walk entries are read WINDOW at a time, so the source states of the
 * window's files are looked up in one call (one round trip on PostgreSQL)
 * instead of one per file.  Memory stays bounded by the window.
 */
#define WINDOW 512

struct entry {
	struct walk_entry we;              /* strings point to the copies below */
	char *relpath, *abspath, *error;
	const struct manifest_rule *rule;
	int ignored;
	int found;                         /* window_prefetch found a state */
	struct source_state src;
};

/*
 * A batch of files and their rows.  There are two: the main thread fills
 * one while the storer stores the other.
 */
struct slot {
	struct pending *files;
	size_t n_files, cap_files, batch_bytes;
	struct rowmap_out out;
	struct file_entry *entries;   /* what put_batch gets, built at flush */
	size_t cap_entries;
	struct row *rows;
	size_t cap_rows;
	struct warning_entry *warnings;   /* for put_batch, built at flush */
	size_t cap_warnings;
};

/*
 * What the run saw of one rule's columns, for the all-NULL warning: per
 * target (main table, then each child) whether any row got a non-NULL
 * value, and whether a value was refused by a lenient column.
 */
struct rule_track {
	size_t *col_base;       /* first column of target t in the arrays */
	int64_t *rows;          /* rows the run mapped per target */
	unsigned char *nonnull, *refused;
};

struct run {
	const struct pipeline_opts *o;
	struct pipeline_stats *stats;
	struct manifest *m;
	struct jsonschema_registry *reg;
	struct storage *st;
	struct storer *storer;  /* stores batches on its own thread */
	struct backup_writer *bw;
	struct walk *walk;
	int writes;             /* database and archive writes are on */
	int marker;             /* our .uncommitted marker exists */
	char backup_dir[PATH_MAX];  /* where the archive goes (resolve_backup_dir) */
	int made_backup_dir;    /* this run created it: removed if nothing commits */
	int manifest_changed;   /* last committed run used another manifest */
	char run_id[64];
	struct slot slot[2];
	struct slot *b;         /* the batch being filled: slot[0] or slot[1] */
	double t_progress, t0;
	struct rule_track *track;         /* one per rule */
	struct warning_entry *run_warn;   /* all-NULL columns (owned strings) */
	size_t n_run_warn, cap_run_warn;
};

static double now(void)
{
	return util_monotonic();
}

void pipeline_new_run_id(char out[64])
{
	unsigned char rnd[3] = { 0, 0, 0 };
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		rnd[0] = (unsigned char)ts.tv_nsec;
		rnd[1] = (unsigned char)(ts.tv_nsec >> 8);
		rnd[2] = (unsigned char)getpid();
	}
	snprintf(out, 64, "%04u%02u%02uT%02u%02u%02uZ-%02x%02x%02x",
		 (unsigned)(tm.tm_year + 1900) % 10000u, (unsigned)(tm.tm_mon + 1) % 100u,
		 (unsigned)tm.tm_mday % 100u, (unsigned)tm.tm_hour % 100u,
		 (unsigned)tm.tm_min % 100u, (unsigned)tm.tm_sec % 100u,
		 rnd[0], rnd[1], rnd[2]);
}

/*
 * A walk entry's modification time in nanoseconds, as the ledger keeps it:
 * clamped to int64 (years 1677 to 2262).  The archive keeps it exactly.
 */
static int64_t mtime_ns(const struct walk_entry *we)
{
	int64_t ns;

	util_ts_to_ns(&we->st.st_mtim, &ns);
	return ns;
}

/* 1 when the ledger cannot hold the entry's mtime exactly (see mtime_ns). */
static int mtime_clamped(const struct walk_entry *we)
{
	int64_t ns;

	return util_ts_to_ns(&we->st.st_mtim, &ns) != 0;
}

static void pending_release(struct pending *p)
{
	free(p->path);
	free(p->error);
	free(p->buf);
}

static void slot_reset(struct slot *b)
{
	size_t i;

	for (i = 0; i < b->n_files; i++)
		pending_release(&b->files[i]);
	b->n_files = 0;
	b->batch_bytes = 0;
	rowmap_out_reset(&b->out);
}

static void slot_release(struct slot *b)
{
	slot_reset(b);
	free(b->files);
	free(b->entries);
	free(b->rows);
	free(b->warnings);
	rowmap_out_release(&b->out);
}

/* The slot that is not being filled: the one in flight, if any. */
static struct slot *other_slot(struct run *r)
{
	return r->b == &r->slot[0] ? &r->slot[1] : &r->slot[0];
}

/*
 * Wait until the storer has stored everything handed to it; then the
 * storage handle is the main thread's again.  The wait counts as insert.
 */
static int storer_idle(struct run *r, struct error *err)
{
	double t = now();
	int rc;

	if (!r->storer)
		return 0;
	rc = storer_wait(r->storer, err);
	r->stats->stages.insert += now() - t;
	slot_reset(other_slot(r));   /* the stored batch */
	return rc;
}

/* Hand the current batch to the storer and start filling the other one. */
static int flush_batch(struct run *r, struct error *err)
{
	struct slot *cur = r->b;
	struct batch b;
	size_t i, k, total_rows = cur->out.n_rows;
	double t = now();
	int rc;

	if (!cur->n_files)
		return 0;
	if (!r->writes) {
		slot_reset(cur);
		return 0;
	}
	if (ALLOC_GROW(cur->entries, cur->n_files, cur->cap_entries) ||
	    ALLOC_GROW(cur->rows, total_rows, cur->cap_rows))
		return error_set(err, ERR_IO, "out of memory");
	for (k = 0; k < total_rows; k++) {
		cur->rows[k].table = cur->out.rows[k].table;
		cur->rows[k].values = cur->out.values + cur->out.rows[k].value_off;
		cur->rows[k].index = cur->out.rows[k].index;
	}
	if (ALLOC_GROW(cur->warnings, cur->out.n_warnings, cur->cap_warnings))
		return error_set(err, ERR_IO, "out of memory");
	for (k = 0; k < cur->out.n_warnings; k++) {
		const struct rowmap_warning *mw = &cur->out.warnings[k];

		cur->warnings[k] = (struct warning_entry){
			.kind = WARN_COLUMN, .table = mw->table, .column = mw->column,
			.pointer = mw->pointer, .message = mw->message,
		};
	}
	for (i = 0; i < cur->n_files; i++) {
		struct pending *p = &cur->files[i];
		struct file_entry *e = &cur->entries[i];

		memset(e, 0, sizeof(*e));
		e->path = p->path;
		e->size = p->size;
		e->mtime_ns = p->mtime_ns;
		e->mode = p->mode;
		e->sha256 = p->sha256[0] ? p->sha256 : NULL;
		e->rule = p->rule ? p->rule->name : NULL;
		e->outcome = p->outcome;
		e->error = p->error;
		e->is_new = p->is_new;
		e->same_stat = p->same_stat;
		if (p->outcome == FILE_IMPORTED) {
			e->doc = p->buf + p->doc_off;
			e->doc_len = p->doc_len;
			e->doc_nul = p->doc_nul;
			e->tables = p->rule->tables;
			e->n_tables = p->rule->n_tables;
			e->rows = cur->rows + p->row_off;
			e->n_rows = p->n_rows;
			e->warnings = cur->warnings + p->warn_off;
			e->n_warnings = p->n_warn;
			e->warning_count = p->warn_total;
		}
	}
	b.files = cur->entries;
	b.n_files = cur->n_files;
	if (r->storer) {
		/* waits for the batch before, which frees its slot for filling */
		rc = storer_put(r->storer, &b, err);
		r->b = other_slot(r);
		slot_reset(r->b);
		if (rc)
			slot_reset(cur);
	} else {
		rc = storage_put_batch(r->st, &b, err);
		slot_reset(cur);
	}
	r->stats->stages.insert += now() - t;
	if (!rc && TESTHOOK("after-batch"))
		rc = error_set(err, ERR_IO, "injected failure after a batch (test hook)");
	return rc;
}

static struct pipeline_rule_stats *rule_stats(struct run *r,
					      const struct manifest_rule *rule)
{
	size_t i = rule ? (size_t)(rule - r->m->rules) : r->m->n_rules;

	return &r->stats->rules[i];
}

static void add_table_rows(struct run *r, size_t row_off, size_t n)
{
	size_t k, t;

	for (k = row_off; k < row_off + n; k++)
		for (t = 0; t < r->stats->n_tables; t++)
			if (r->b->out.rows[k].table == &r->m->tables[t]) {
				r->stats->tables[t].rows++;
				break;
			}
}

/* Turn writes off for the rest of the run (abort policy). */
static void writes_off(struct run *r)
{
	if (!r->writes)
		return;
	r->writes = 0;
	storer_idle(r, NULL);
	if (r->st)
		storage_rollback(r->st, NULL);
	backup_writer_abort(r->bw);
	r->bw = NULL;
	slot_reset(r->b);
}

/* What the storage side needs about a file, beside its outcome. */
struct stored {
	const char *sha;         /* hex sha256, or NULL / "" when not hashed */
	char *buf;               /* the file's bytes: record() takes them */
	size_t doc_off, doc_len; /* the document within buf (imported) */
	int doc_nul;             /* it holds \u0000 (imported) */
	size_t row_off, n_rows;  /* its rows in r->b->out (imported) */
	size_t warn_off, n_warn; /* its warnings in r->b->out (imported) */
	size_t warn_total;       /* all of them, kept or not */
	int is_new;              /* imported: the path had no source state */
	int same_stat;           /* unchanged: same size and mtime as stored */
};

/*
 * Record a file's outcome: report it, count it, and queue it for the
 * ledger.  Takes ownership of sd->buf (may be NULL).
 */
static int record(struct run *r, const char *path, const struct walk_entry *we,
		  const struct manifest_rule *rule, enum file_outcome outcome,
		  const struct stored *sd, const struct pipeline_file *report,
		  struct error *err)
{
	struct pipeline_rule_stats *rs = rule_stats(r, rule);
	struct slot *b = r->b;
	struct pending *p;
	char *buf = sd->buf;

	if (r->o->on_file)
		r->o->on_file(r->o->ctx, report);
	rs->seen++;
	switch (outcome) {
	case FILE_IMPORTED:
		rs->imported++;
		r->stats->imported++;
		rs->rows += (int64_t)sd->n_rows;
		r->stats->rows += (int64_t)sd->n_rows;
		add_table_rows(r, sd->row_off, sd->n_rows);
		if (sd->warn_total) {
			rs->warned++;
			r->stats->warned_files++;
			r->stats->warnings += (int64_t)sd->warn_total;
		}
		break;
	case FILE_UNCHANGED:
		rs->unchanged++;
		r->stats->unchanged++;
		break;
	case FILE_SKIPPED:
		rs->skipped++;
		r->stats->skipped++;
		break;
	case FILE_INVALID:
		rs->invalid++;
		r->stats->invalid++;
		if (!r->o->skip_invalid)
			writes_off(r);
		break;
	}
	if (!r->writes) {
		/* nothing will be stored: drop this file's rows at once, so a dry
		 * run (which never flushes a batch) stays in flat memory */
		free(buf);
		if (!b->n_files)
			rowmap_out_reset(&b->out);
		return 0;
	}
	/* only imported files need their bytes until the batch is stored */
	if (outcome != FILE_IMPORTED) {
		free(buf);
		buf = NULL;
	}
	if (ALLOC_GROW(b->files, b->n_files + 1, b->cap_files)) {
		free(buf);
		return error_set(err, ERR_IO, "out of memory");
	}
	p = &b->files[b->n_files++];
	memset(p, 0, sizeof(*p));
	p->path = strdup(path);
	if (sd->sha)
		memcpy(p->sha256, sd->sha, 65);
	p->size = we ? (int64_t)we->st.st_size : 0;
	p->mtime_ns = we ? mtime_ns(we) : 0;
	p->mode = we ? (uint32_t)(we->st.st_mode & 07777) : 0;
	p->rule = rule;
	p->outcome = outcome;
	p->is_new = sd->is_new;
	p->same_stat = sd->same_stat;
	p->error = report->reason ? strdup(report->reason) : NULL;
	p->buf = buf;
	p->doc_off = sd->doc_off;
	p->doc_len = sd->doc_len;
	p->doc_nul = sd->doc_nul;
	p->row_off = sd->row_off;
	p->n_rows = sd->n_rows;
	p->warn_off = sd->warn_off;
	p->n_warn = sd->n_warn;
	p->warn_total = sd->warn_total;
	if (!p->path)
		return error_set(err, ERR_IO, "out of memory");
	b->batch_bytes += sd->doc_len;
	if (sd->doc_len > BIG_DOC) {
		/* store a large document before reading on: its insert needs
		 * a few times its size, which must not meet the next batch */
		int rc = flush_batch(r, err);

		return rc ? rc : storer_idle(r, err);
	}
	if (b->n_files >= BATCH_FILES || b->batch_bytes >= BATCH_BYTES)
		return flush_batch(r, err);
	return 0;
}

static int archive_add(struct run *r, const char *path, const struct walk_entry *we,
		       const char *buf, size_t len, const char *sha, struct error *err)
{
	double t = now();
	int rc;

	if (!r->writes || !r->bw)
		return 0;
	rc = backup_writer_add_ts(r->bw, path, buf, len, (uint32_t)(we->st.st_mode & 07777),
				  &we->st.st_mtim, sha, err);
	r->stats->stages.archive += now() - t;
	return rc;
}

static void progress(struct run *r, int final)
{
	struct pipeline_progress p;
	double t = now();

	if (!r->o->on_progress || (!final && t - r->t_progress < 0.2))
		return;
	r->t_progress = t;
	p.files_done = r->stats->seen;
	p.bytes_done = r->stats->bytes;
	p.elapsed_s = t - r->t0;
	p.final = final;
	r->o->on_progress(r->o->ctx, &p);
}

/* Invalid file: report with a single reason (syntax, I/O, mapping). */
static int invalid(struct run *r, const char *path, const struct walk_entry *we,
		   const struct manifest_rule *rule, const char *sha, char *buf,
		   const struct error *e, struct error *err)
{
	struct pipeline_file f;
	struct pipeline_issue issue;
	struct stored sd = { 0 };
	char reason[ERROR_MSG_MAX + ERROR_PTR_MAX + 64];

	memset(&f, 0, sizeof(f));
	if (e->line > 0)
		snprintf(reason, sizeof(reason), "%ld:%ld: %s", e->line, e->column, e->msg);
	else if (e->pointer[0])
		snprintf(reason, sizeof(reason), "%s: %s", e->pointer, e->msg);
	else
		snprintf(reason, sizeof(reason), "%s", e->msg);
	issue.instance_location = e->pointer;
	issue.keyword_location = "";
	issue.message = e->msg;
	f.path = path;
	f.rule = rule ? rule->name : NULL;
	f.outcome = FILE_INVALID;
	f.size = we ? (int64_t)we->st.st_size : 0;
	f.reason = reason;
	f.line = e->line;
	f.column = e->column;
	f.issues = &issue;
	f.n_issues = 1;
	f.n_total = 1;
	sd.sha = sha;
	sd.buf = buf;
	return record(r, path, we, rule, FILE_INVALID, &sd, &f, err);
}

static int schema_invalid(struct run *r, const char *path, const struct walk_entry *we,
			  const struct manifest_rule *rule, const char *sha,
			  char *buf, const struct jsonschema_result *res,
			  struct error *err)
{
	struct pipeline_issue issues[JSONSCHEMA_MAX_ERRORS_DEFAULT];
	struct pipeline_file f;
	struct stored sd = { 0 };
	char reason[1200];
	size_t i, n = res->n_stored < JSONSCHEMA_MAX_ERRORS_DEFAULT ?
		      res->n_stored : JSONSCHEMA_MAX_ERRORS_DEFAULT;

	for (i = 0; i < n; i++) {
		issues[i].instance_location = res->errors[i].instance_location;
		issues[i].keyword_location = res->errors[i].keyword_location;
		issues[i].message = res->errors[i].message;
	}
	if (n)
		snprintf(reason, sizeof(reason), "%s: %s%s",
			 res->errors[0].instance_location[0] ? res->errors[0].instance_location : "/",
			 res->errors[0].message,
			 res->n_errors > 1 ? " (and more schema errors)" : "");
	else
		snprintf(reason, sizeof(reason), "does not match its schema");
	memset(&f, 0, sizeof(f));
	f.path = path;
	f.rule = rule->name;
	f.outcome = FILE_INVALID;
	f.size = (int64_t)we->st.st_size;
	f.reason = reason;
	f.issues = issues;
	f.n_issues = n;
	f.n_total = res->n_errors;
	sd.sha = sha;
	sd.buf = buf;
	return record(r, path, we, rule, FILE_INVALID, &sd, &f, err);
}

static int simple(struct run *r, const char *path, const struct walk_entry *we,
		  const struct manifest_rule *rule, enum file_outcome outcome,
		  const struct stored *sd, const char *reason, struct error *err)
{
	struct warning_entry w[ROWMAP_MAX_WARNINGS];
	struct pipeline_file f;
	size_t k;

	memset(&f, 0, sizeof(f));
	f.path = path;
	f.rule = rule ? rule->name : NULL;
	f.outcome = outcome;
	f.size = we ? (int64_t)we->st.st_size : 0;
	f.reason = reason;
	f.rows = sd->n_rows;
	for (k = 0; k < sd->n_warn && k < ROWMAP_MAX_WARNINGS; k++) {
		const struct rowmap_warning *mw = &r->b->out.warnings[sd->warn_off + k];

		w[k] = (struct warning_entry){
			.kind = WARN_COLUMN, .table = mw->table, .column = mw->column,
			.pointer = mw->pointer, .message = mw->message,
		};
	}
	f.warnings = w;
	f.n_warnings = k;
	f.warning_total = sd->warn_total;
	return record(r, path, we, rule, outcome, sd, &f, err);
}

/* ---------------------------------------------------------- run warnings */

/* The target of rule `rule` a row belongs to (0: main), by its table. */
static size_t target_of(const struct manifest_rule *rule, const struct table_def *t)
{
	size_t k;

	for (k = 0; k < rule->n_children; k++)
		if (rule->children[k].def == t)
			return k + 1;
	return 0;
}

static const struct manifest_target *target_at(const struct manifest_rule *rule, size_t t)
{
	return t ? &rule->children[t - 1] : &rule->main;
}

static int track_setup(struct run *r)
{
	size_t i, t, total;

	r->track = calloc(r->m->n_rules + 1, sizeof(*r->track));
	if (!r->track)
		return -1;
	for (i = 0; i < r->m->n_rules; i++) {
		const struct manifest_rule *rule = &r->m->rules[i];
		struct rule_track *tr = &r->track[i];

		tr->col_base = calloc(rule->n_children + 2, sizeof(size_t));
		tr->rows = calloc(rule->n_children + 1, sizeof(int64_t));
		for (t = 0, total = 0; t <= rule->n_children; t++) {
			tr->col_base[t] = total;
			total += target_at(rule, t)->n_columns;
		}
		tr->col_base[t] = total;
		tr->nonnull = calloc(total + 1, 1);
		tr->refused = calloc(total + 1, 1);
		if (!tr->col_base || !tr->rows || !tr->nonnull || !tr->refused)
			return -1;
	}
	return 0;
}

static void track_release(struct run *r)
{
	size_t i;

	for (i = 0; r->track && i < r->m->n_rules; i++) {
		free(r->track[i].col_base);
		free(r->track[i].rows);
		free(r->track[i].nonnull);
		free(r->track[i].refused);
	}
	free(r->track);
	r->track = NULL;
	for (i = 0; i < r->n_run_warn; i++)
		free((char *)r->run_warn[i].message);
	free(r->run_warn);
	r->run_warn = NULL;
	r->n_run_warn = 0;
}

/* Note which columns a mapped document filled, for null_columns. */
static void track_doc(struct run *r, const struct manifest_rule *rule,
		      size_t row_off, const struct rowmap_result *mr)
{
	struct rule_track *tr = &r->track[rule - r->m->rules];
	const struct rowmap_out *out = &r->b->out;
	size_t k, c, t;

	for (k = row_off; k < row_off + mr->n_rows; k++) {
		const struct rowmap_row *row = &out->rows[k];
		const struct manifest_target *tg;

		t = target_of(rule, row->table);
		tg = target_at(rule, t);
		tr->rows[t]++;
		for (c = 0; c < tg->n_columns; c++)
			if (!out->values[row->value_off + tg->def_col[c]].is_null)
				tr->nonnull[tr->col_base[t] + c] = 1;
	}
	for (k = mr->warn_off; k < mr->warn_off + mr->n_warnings; k++) {
		const struct rowmap_warning *w = &out->warnings[k];

		for (t = 0; t <= rule->n_children; t++) {
			const struct manifest_target *tg = target_at(rule, t);

			if (strcmp(tg->table, w->table) != 0)
				continue;
			for (c = 0; c < tg->n_columns; c++)
				if (tg->columns[c].name == w->column)
					tr->refused[tr->col_base[t] + c] = 1;
		}
	}
}

/*
 * Each column NULL in every row the run mapped for its rule (required
 * columns excepted: they cannot be NULL): a run-level warning, saying
 * where the value was looked for.  Kept in r->run_warn for the ledger.
 */
static int null_columns(struct run *r, struct error *err)
{
	size_t i, t, c, k;

	for (i = 0; i < r->m->n_rules; i++) {
		const struct manifest_rule *rule = &r->m->rules[i];
		const struct rule_track *tr = &r->track[i];

		if (!r->stats->rules[i].imported)
			continue;
		for (t = 0; t <= rule->n_children; t++) {
			const struct manifest_target *tg = target_at(rule, t);

			if (!tr->rows[t])
				continue;
			for (c = 0; c < tg->n_columns; c++) {
				const struct manifest_column *col = &tg->columns[c];
				struct strbuf msg = STRBUF_INIT;
				struct warning_entry *w;

				if (col->required || tr->nonnull[tr->col_base[t] + c])
					continue;
				if (t)
					strbuf_addf(&msg, "column \"%s\" of child table \"%s\" is NULL in all %lld row%s of the %lld file%s the run imported for rule \"%s\"",
						    col->name, tg->table, (long long)tr->rows[t],
						    tr->rows[t] == 1 ? "" : "s",
						    (long long)r->stats->rules[i].imported,
						    r->stats->rules[i].imported == 1 ? "" : "s", rule->name);
				else
					strbuf_addf(&msg, "column \"%s\" of table \"%s\" is NULL in all %lld file%s the run imported for rule \"%s\"",
						    col->name, tg->table, (long long)tr->rows[t],
						    tr->rows[t] == 1 ? "" : "s", rule->name);
				if (col->n_pointers) {
					strbuf_addstr(&msg, tr->refused[tr->col_base[t] + c] ?
						      ": values were found but did not fit its type (see the files' warnings); pointers " :
						      ": no value at ");
					for (k = 0; k < col->n_pointers; k++)
						strbuf_addf(&msg, "%s%s", k ? ", " : "",
							    *col->pointers[k] ? col->pointers[k] : "\"\"");
				} else if (tr->refused[tr->col_base[t] + c]) {
					strbuf_addstr(&msg, ": its values did not fit its type (see the files' warnings)");
				} else {
					strbuf_addstr(&msg, ": it never got a value");
				}
				if (msg.failed) {
					strbuf_release(&msg);
					return error_set(err, ERR_IO, "out of memory");
				}
				if (ALLOC_GROW(r->run_warn, r->n_run_warn + 1, r->cap_run_warn)) {
					strbuf_release(&msg);
					return error_set(err, ERR_IO, "out of memory");
				}
				w = &r->run_warn[r->n_run_warn++];
				*w = (struct warning_entry){
					.rule = rule->name, .kind = WARN_ALL_NULL,
					.table = tg->table, .column = col->name,
					.pointer = col->n_pointers ? col->pointers[0] : NULL,
					.message = msg.buf,
				};
				r->stats->run_warnings++;
				r->stats->warnings++;
				if (r->o->on_run_warning)
					r->o->on_run_warning(r->o->ctx, w);
			}
		}
	}
	return 0;
}

/*
 * The key collisions the storage found (storage.h): each is a warning of
 * the run, and a row that is not there: out of the row counts.
 */
static int collision_cb(void *ctx, const struct warning_entry *w)
{
	struct run *r = ctx;
	size_t i;

	r->stats->collisions++;
	r->stats->run_warnings++;
	r->stats->warnings++;
	r->stats->rows--;
	for (i = 0; w->table && i < r->stats->n_tables; i++)
		if (strcmp(r->stats->tables[i].table, w->table) == 0)
			r->stats->tables[i].rows--;
	for (i = 0; w->rule && i < r->stats->n_rules; i++)
		if (strcmp(r->stats->rules[i].rule, w->rule) == 0)
			r->stats->rules[i].rows--;
	if (r->o->on_run_warning)
		r->o->on_run_warning(r->o->ctx, w);
	return 0;
}

/* Everything that happens to one JSON file. */
static int process_file(struct run *r, struct entry *ent, struct error *err)
{
	const struct walk_entry *we = &ent->we;
	const char *path = we->relpath;
	const struct manifest_rule *rule = ent->rule;
	struct source_state src = ent->src;
	struct rowmap_result mr;
	struct error fe;
	char sha[65];
	char *buf = NULL;
	size_t len = 0, bom = 0, n_rows = 0, row_off;
	cJSON *root = NULL;
	int doc_nul = 0;
	double t;
	int found = ent->found, rc;

	if (ent->ignored) {
		/* never read: the user excluded it (and it stays out of the archive) */
		r->stats->ignored++;
		r->stats->ignored_json++;
		if (r->o->on_ignored)
			r->o->on_ignored(r->o->ctx, path);
		return 0;
	}
	r->stats->seen++;
	error_clear(&fe);
	if (we->kind == WALK_LINK_OUTSIDE || we->kind == WALK_LINK_DIR ||
	    we->kind == WALK_LINK_FILE)
		return simple(r, path, NULL, rule, FILE_SKIPPED, &(struct stored){ 0 },
			      we->error, err);
	if (we->kind == WALK_ERROR) {
		error_set(&fe, ERR_IO, "%s", we->error);
		return invalid(r, path, we, rule, NULL, NULL, &fe, err);
	}

	/*
	 * Fast path: same size and mtime as the stored source, same rule.
	 * window_prefetch looked the source up whenever writes are on and the
	 * manifest is unchanged, which is every case that reaches here.
	 */
	if (rule && r->writes && !r->o->rehash && !r->manifest_changed &&
	    found && src.size == (int64_t)we->st.st_size && src.mtime_ns == mtime_ns(we) &&
	    !mtime_clamped(we) &&
	    strcmp(src.rule, rule->name) == 0)
		return simple(r, path, we, rule, FILE_UNCHANGED,
			      &(struct stored){ .sha = src.sha256, .same_stat = 1 }, NULL, err);

	t = now();
#ifdef WSM_TEST_HOOKS
	if (TESTHOOK_ARG("rewrite-before-read") &&
	    strcmp(TESTHOOK_ARG("rewrite-before-read"), path) == 0) {
		/* the file grows between the walk's stat and the read */
		FILE *grow = fopen(we->abspath, "a");

		if (grow) {
			fprintf(grow, "%4096s", "\n");
			fclose(grow);
		}
	}
#endif
	rc = util_read_file(we->abspath, r->o->max_file_size ? r->o->max_file_size : DEFAULT_MAX_FILE,
			    &buf, &len, &fe);
#ifdef WSM_TEST_HOOKS
	if (TESTHOOK_ARG("finish-after-read") &&
	    strcmp(TESTHOOK_ARG("finish-after-read"), path) == 0) {
		/* a writer finishes the file just after this run read it
		 * (once per process, so the next run reads the final bytes) */
		static int finished;
		FILE *fin = finished ? NULL : fopen(we->abspath, "a");

		if (fin) {
			fputs("\"rest\": 2}\n", fin);
			fclose(fin);
			finished = 1;
		}
	}
#endif
	if (rc) {
		r->stats->stages.read_hash += now() - t;
		snprintf(fe.path, sizeof(fe.path), "%s", path);
		return invalid(r, path, we, rule, NULL, NULL, &fe, err);
	}
	/* the hash feeds the ledger, the archive and change detection: a dry
	 * run (or a run whose writes are off) has no use for it */
	if (r->writes)
		util_sha256_hex(buf, len, sha);
	else
		sha[0] = '\0';
	/* from here on the file's size is what was read, hashed, archived
	 * and stored, whatever the walk's stat saw before (the file may have
	 * been rewritten since): the ledger records that */
	ent->we.st.st_size = (off_t)len;
	r->stats->bytes += (int64_t)len;
	r->stats->stages.read_hash += now() - t;
	if (r->writes && mtime_clamped(we) && r->o->on_note) {
		char when[64], msg[256];
		struct tm tm;

		if (!gmtime_r(&we->st.st_mtim.tv_sec, &tm) ||
		    !strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm))
			snprintf(when, sizeof(when), "%lld s from 1970",
				 (long long)we->st.st_mtim.tv_sec);
		snprintf(msg, sizeof(msg), "modified %s, outside the ledger's range"
			 " (1677 to 2262): recorded as the nearest time it holds,"
			 " archived and restored exactly, read again on every run", when);
		r->o->on_note(r->o->ctx, NOTE_MTIME_CLAMPED, path, msg);
	}

	if (archive_add(r, path, we, buf, len, sha, err))
		goto io_fail;

	if (!rule) {
		/* no rule, but still JSON to check: broken JSON is invalid,
		 * never skipped (dry runs too) */
		int nul = 0;
		struct jsonread_opts jo = { 0, path, &nul };

		t = now();
		rc = jsonread_check(buf, len, &jo, &fe);
		r->stats->stages.parse += now() - t;
		if (rc && fe.code != ERR_DATA) {
			*err = fe;
			free(buf);
			return ERR_IO;
		}
		if (rc)
			return invalid(r, path, we, NULL, sha, buf, &fe, err);
		return simple(r, path, we, NULL, FILE_SKIPPED,
			      &(struct stored){ .sha = sha, .buf = buf },
			      "matches no rule of the manifest", err);
	}
	if (r->writes && !r->manifest_changed && found &&
	    strcmp(src.sha256, sha) == 0 && strcmp(src.rule, rule->name) == 0)
		return simple(r, path, we, rule, FILE_UNCHANGED,
			      &(struct stored){ .sha = sha, .buf = buf,
						.same_stat = src.size == (int64_t)we->st.st_size &&
							     src.mtime_ns == mtime_ns(we) },
			      NULL, err);

	/*
	 * A large document's parse tree is many times its size: store the
	 * pending batches first, so they never add up in memory.
	 */
	if (len > BIG_DOC && ((rc = flush_batch(r, err)) || (rc = storer_idle(r, err)))) {
		free(buf);
		return rc;
	}
	t = now();
	docmem_begin();     /* the tree lives until the docmem_end below */
	{
		struct jsonread_opts jo = { 0, path, &doc_nul };

		root = jsonread_parse(buf, len, &jo, &fe);
	}
	r->stats->stages.parse += now() - t;
	if (!root) {
		docmem_end();
		return invalid(r, path, we, rule, sha, buf, &fe, err);
	}
	jsonread_skip_bom(buf, len, &bom);

	if (rule->compiled_schema) {
		struct jsonschema_result res;
		int v;

		memset(&res, 0, sizeof(res));
		t = now();
		v = jsonschema_validate(rule->compiled_schema, root, &res);
		r->stats->stages.validate += now() - t;
		if (v) {
			cJSON_Delete(root);
			docmem_end();
			rc = schema_invalid(r, path, we, rule, sha, buf, &res, err);
			jsonschema_result_release(&res);
			return rc;
		}
		jsonschema_result_release(&res);
	}

	t = now();
	row_off = r->b->out.n_rows;
	rc = rowmap_document(rule, path, buf + bom, len - bom, root, &r->b->out, &mr, &fe);
	n_rows = mr.n_rows;
	r->stats->stages.map += now() - t;
	cJSON_Delete(root);
	docmem_end();
#ifdef __GLIBC__
	/* a large document's tree is freed as many small chunks that glibc
	 * keeps; hand them back so later allocations do not stack on top */
	if (len > BIG_DOC)
		malloc_trim(0);
#endif
	if (rc) {
		if (fe.code != ERR_DATA) {
			*err = fe;
			free(buf);
			return ERR_IO;
		}
		return invalid(r, path, we, rule, sha, buf, &fe, err);
	}
	track_doc(r, rule, row_off, &mr);
	/* looked up in this run and absent: the backend can skip replacing */
	return simple(r, path, we, rule, FILE_IMPORTED,
		      &(struct stored){ .sha = sha, .buf = buf, .doc_off = bom,
					.doc_len = len - bom, .doc_nul = doc_nul,
					.row_off = row_off,
					.n_rows = n_rows, .warn_off = mr.warn_off,
					.n_warn = mr.n_warnings,
					.warn_total = mr.warning_total,
					.is_new = r->writes && !r->manifest_changed && !found },
		      NULL, err);
io_fail:
	free(buf);
	return err->code ? (int)err->code : ERR_IO;
}

static int compile_schemas(struct run *r, struct error *err)
{
	struct jsonschema_opts jo = { r->o->assert_formats, 0 };
	size_t i;

	r->reg = jsonschema_registry_new(&jo);
	if (!r->reg)
		return error_set(err, ERR_IO, "out of memory");
	for (i = 0; i < r->o->n_map_uri; i++) {
		int rc = jsonschema_registry_map_uri_spec(r->reg, r->o->map_uri[i], err);

		if (rc)
			return rc;
	}
	for (i = 0; i < r->m->n_rules; i++) {
		struct manifest_rule *rule = &r->m->rules[i];

		if (!rule->schema_path)
			continue;
		rule->compiled_schema = jsonschema_compile_file(r->reg, rule->schema_path, err);
		if (!rule->compiled_schema) {
			if (err->code == ERR_OK)
				err->code = ERR_USAGE;
			return error_prefix(err, "rule \"%s\"", rule->name);
		}
	}
	return 0;
}

/* The last committed run of the run's source: its manifest and tree. */
struct last_run {
	const char *source;
	char sha[65];
	char tree_root[1024];
};

static int last_run_cb(void *ctx, const struct run_info *run)
{
	struct last_run *lr = ctx;

	if (strcmp(run->status, "committed") == 0 && strcmp(run->source, lr->source) == 0) {
		memcpy(lr->sha, run->manifest_sha256, 65);
		snprintf(lr->tree_root, sizeof(lr->tree_root), "%s", run->tree_root);
	}
	return 0;
}

static int missing_cb(void *ctx, const char *path, const char *rule)
{
	struct run *r = ctx;
	struct error e;

	(void)rule;
	r->stats->deleted++;
	if (r->o->prune) {
		error_clear(&e);
		if (storage_prune_source(r->st, r->run_id, path, &e))
			return ERR_IO;
		if (r->o->on_note)
			r->o->on_note(r->o->ctx, NOTE_PRUNED, path, "rows moved to history");
	} else if (r->o->on_note) {
		r->o->on_note(r->o->ctx, NOTE_DELETED, path,
			      "deleted from the tree since the last run; rows kept (use --prune)");
	}
	return 0;
}

static void partial_cb(void *ctx, const char *path)
{
	struct run *r = ctx;

	if (r->o->on_note)
		r->o->on_note(r->o->ctx, NOTE_PARTIAL_REMOVED, path,
			      "removed an unfinished archive left by an interrupted run");
}

struct find_run {
	const char *id;
	int found;
};

static int find_run_cb(void *ctx, const struct run_info *run)
{
	struct find_run *f = ctx;

	if (strcmp(run->id, f->id) == 0)
		f->found = 1;
	return 0;
}

/* backup_sweep_orphans: does the ledger know the run of a marker? */
static int run_known_cb(void *ctx, const char *id, int *known, struct error *err)
{
	struct run *r = ctx;
	struct find_run fr = { id, 0 };
	int rc = storage_list_runs(r->st, find_run_cb, &fr, err);

	*known = fr.found;
	return rc;
}

static void orphan_cb(void *ctx, const char *archive)
{
	struct run *r = ctx;

	if (r->o->on_note)
		r->o->on_note(r->o->ctx, NOTE_PARTIAL_REMOVED, archive,
			      "removed the archive of a run that never committed");
}

static void remove_marker(struct run *r)
{
	backup_marker_remove(r->backup_dir, r->run_id);
}

static int last_archive_cb(void *ctx, const struct run_info *run)
{
	if (run->archive_path[0])
		snprintf(ctx, PATH_MAX, "%s", run->archive_path);
	return 0;
}

/* The walk never enters a folder that holds archives of this database. */
static int exclude_archive_cb(void *ctx, const struct run_info *run)
{
	struct run *r = ctx;
	char dir[PATH_MAX], *slash;
	struct error e;

	if (!run->archive_path[0])
		return 0;
	snprintf(dir, sizeof(dir), "%s", run->archive_path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		error_clear(&e);
		walk_exclude(r->walk, dir, &e);
	}
	return 0;
}

/*
 * The backup folder, so that it travels with the database: the option,
 * else beside an SQLite file (PATH.backups), else the folder of the
 * ledger's latest archive, else ./backups; always absolute.
 */
static int resolve_backup_dir(struct run *r, struct error *err)
{
	char last[PATH_MAX] = "", cwd[PATH_MAX];
	const char *d = r->o->backup_dir;
	int rc;

	if (!d && strncmp(r->st->url_masked, "sqlite:", 7) == 0) {
		snprintf(r->backup_dir, sizeof(r->backup_dir), "%s.backups",
			 r->st->url_masked + 7);
		return 0;
	}
	if (!d) {
		if ((rc = storage_list_runs(r->st, last_archive_cb, last, err)))
			return rc;
		if (last[0]) {
			char *slash = strrchr(last, '/');

			if (slash && slash != last) {
				*slash = '\0';
				d = last;
			}
		}
	}
	if (!d)
		d = "backups";
	if (d[0] != '/' && getcwd(cwd, sizeof(cwd)))
		snprintf(r->backup_dir, sizeof(r->backup_dir), "%s/%s", cwd,
			 strncmp(d, "./", 2) == 0 ? d + 2 : d);
	else
		snprintf(r->backup_dir, sizeof(r->backup_dir), "%s", d);
	return 0;
}

/* Open the database, lock it, create tables, start the run's ledger row. */
static int start_writes(struct run *r, struct error *err)
{
	struct storage_opts so = r->o->storage;
	struct run_info *ri;
	struct last_run *lr;
	struct stat sb;
	int rc;

	/* a run that writes nothing leaves no database file behind */
	so.defer_create = 1;
	/* the source: --source, else the tree's absolute path */
	so.source = r->stats->source;
	if ((rc = storage_open(r->o->db_url, &so, &r->st, err)))
		return rc;
	snprintf(r->stats->db_masked, sizeof(r->stats->db_masked), "%s", r->st->url_masked);
	if ((rc = storage_begin(r->st, err)))
		return rc;
	if (!(lr = calloc(1, sizeof(*lr))))
		return error_set(err, ERR_IO, "out of memory");
	lr->source = r->stats->source;
	if ((rc = storage_list_runs(r->st, last_run_cb, lr, err))) {
		free(lr);
		return rc;
	}
	r->manifest_changed = lr->sha[0] && strcmp(lr->sha, r->m->sha256) != 0;
	if (lr->tree_root[0] && strcmp(lr->tree_root, r->stats->tree_root) != 0) {
		snprintf(r->stats->moved_from, sizeof(r->stats->moved_from), "%s", lr->tree_root);
		if (r->o->on_note)
			r->o->on_note(r->o->ctx, NOTE_TREE_MOVED, r->stats->source, lr->tree_root);
	}
	free(lr);
	if ((rc = storage_ensure_tables(r->st, r->m->tables, r->m->n_tables, err)))
		return rc;
	ri = calloc(1, sizeof(*ri));
	if (!ri)
		return error_set(err, ERR_IO, "out of memory");
	snprintf(ri->id, sizeof(ri->id), "%s", r->run_id);
	util_now_utc(ri->started_at);
	snprintf(ri->tree_root, sizeof(ri->tree_root), "%s", r->stats->tree_root);
	snprintf(ri->source, sizeof(ri->source), "%s", r->stats->source);
	if (gethostname(ri->host, sizeof(ri->host)) != 0)
		ri->host[0] = 0;
	ri->host[sizeof(ri->host) - 1] = 0;
	memcpy(ri->manifest_sha256, r->m->sha256, 65);
	snprintf(ri->tool_version, sizeof(ri->tool_version), "%s", WSM_VERSION);
	if (r->o->storage.tenant)
		snprintf(ri->tenant, sizeof(ri->tenant), "%s", r->o->storage.tenant);
	rc = storage_run_start(r->st, ri, err);
	free(ri);
	if (rc || (rc = storer_start(r->st, &r->storer, err)))
		return rc;
	if ((rc = resolve_backup_dir(r, err)) ||
	    (rc = storage_list_runs(r->st, exclude_archive_cb, r, err)))
		return rc;
	if (!r->o->no_backup) {
		struct backup_writer_opts bo = { 0, 4u << 20, WSM_VERSION };
		const char *dir = r->backup_dir;

		r->made_backup_dir = stat(dir, &sb) != 0;

		/* crash recovery, under the database lock: see backup.h */
		if ((rc = backup_cleanup_partials(dir, partial_cb, r, err)) ||
		    (rc = backup_sweep_orphans(dir, run_known_cb, orphan_cb, r, err)))
			return rc;
		if ((rc = backup_writer_open(dir, r->run_id, r->stats->tree_root, &bo, &r->bw, err)))
			return rc;
		if ((rc = backup_marker_create(dir, r->run_id, err)))
			return rc;
		r->marker = 1;
		if ((rc = walk_exclude(r->walk, dir, err)))
			return rc;
	}
	return 0;
}

/* Archive durable, then ledger row, then commit.  Undo the archive on failure. */
static int finish_writes(struct run *r, struct error *err)
{
	struct backup_writer_stats bs;
	struct run_info *ri;
	double t;
	int rc;

	if ((rc = storer_idle(r, err)) ||
	    (rc = storage_missing_sources(r->st, r->run_id, missing_cb, r, err)) ||
	    (r->n_run_warn &&
	     (rc = storage_add_warnings(r->st, r->run_warn, r->n_run_warn, err))) ||
	    (rc = storage_list_warnings(r->st, r->run_id, WARN_KEY_COLLISION,
					collision_cb, r, err)))
		return rc;
	if (r->bw) {
		memset(&bs, 0, sizeof(bs));
		t = now();
		rc = backup_writer_finish(r->bw, r->stats->archive_path,
					  sizeof(r->stats->archive_path),
					  r->stats->archive_sha256, &bs, err);
		r->bw = NULL;
		r->stats->stages.archive += now() - t;
		r->stats->stages.archive_thread = bs.writer_busy_s;
		if (rc)
			return rc;
		/* the ledger keeps an absolute path, so rollback works from anywhere */
		{
			char abs[PATH_MAX];

			if (realpath(r->stats->archive_path, abs))
				snprintf(r->stats->archive_path, sizeof(r->stats->archive_path),
					 "%s", abs);
		}
	}
	ri = calloc(1, sizeof(*ri));
	if (!ri)
		return error_set(err, ERR_IO, "out of memory");
	snprintf(ri->id, sizeof(ri->id), "%s", r->run_id);
	util_now_utc(ri->finished_at);
	snprintf(ri->status, sizeof(ri->status), "committed");
	ri->files_seen = r->stats->seen;
	ri->imported = r->stats->imported;
	ri->unchanged = r->stats->unchanged;
	ri->skipped = r->stats->skipped;
	ri->invalid = r->stats->invalid;
	ri->deleted = r->stats->deleted;
	ri->rows_written = r->stats->rows;
	ri->warnings = r->stats->warnings;
	snprintf(ri->archive_path, sizeof(ri->archive_path), "%s", r->stats->archive_path);
	memcpy(ri->archive_sha256, r->stats->archive_sha256, 65);
	rc = storage_run_finish(r->st, ri, err);
	free(ri);
	if (!rc && TESTHOOK("crash-before-commit"))
		_exit(70);     /* simulates a crash: no cleanup at all */
	if (!rc && TESTHOOK("before-commit"))
		rc = error_set(err, ERR_IO, "injected failure before commit (test hook)");
	if (!rc) {
		const char *pause = TESTHOOK_ARG("pause-before-commit");

		if (pause)
			sleep((unsigned)strtoul(pause, NULL, 10));   /* holding its locks */
	}
	if (!rc) {
		t = now();
		rc = storage_commit(r->st, err);
		r->stats->stages.commit += now() - t;
	}
	if (rc) {
		if (r->stats->archive_path[0])
			backup_remove(r->stats->archive_path, NULL);
		r->stats->archive_path[0] = '\0';
		return rc;
	}
	r->stats->committed = 1;
	remove_marker(r);
	r->marker = 0;
	return 0;
}


/* --remove-originals: delete imported/unchanged files the archive holds. */
static int remove_cb(void *ctx, const struct file_entry *f)
{
	struct run *r = ctx;
	char abs[PATH_MAX * 2], sha[65];
	struct error e;

	if (f->outcome != FILE_IMPORTED || !f->sha256)
		return 0;
	/* every imported file has a main row: none left means a later file
	 * of the run replaced it (key collision); keep the original */
	if (!f->n_rows) {
		if (r->o->on_note)
			r->o->on_note(r->o->ctx, NOTE_KEPT_ORIGINAL, f->path,
				      "kept: a later file of this run replaced its row (key collision)");
		return 0;
	}
	snprintf(abs, sizeof(abs), "%s/%s", r->stats->tree_root, f->path);
	error_clear(&e);
	if (backup_sha256_file(abs, sha, &e) || strcmp(sha, f->sha256) != 0) {
		if (r->o->on_note)
			r->o->on_note(r->o->ctx, NOTE_KEPT_ORIGINAL, f->path,
				      "kept: it changed since it was read");
		return 0;
	}
	if (unlink(abs) < 0) {
		if (r->o->on_note)
			r->o->on_note(r->o->ctx, NOTE_KEPT_ORIGINAL, f->path, strerror(errno));
		return 0;
	}
	if (r->o->on_note)
		r->o->on_note(r->o->ctx, NOTE_REMOVED_ORIGINAL, f->path, "removed");
	return 0;
}

static int remove_originals(struct run *r, struct error *err)
{
	if (!r->stats->archive_path[0])
		return error_set(err, ERR_USAGE, "--remove-originals needs a backup archive (not with --no-backup)");
	if (backup_verify(r->stats->archive_path, r->stats->archive_sha256, NULL, NULL, err))
		return error_prefix(err, "archive verification failed, originals kept");
	return storage_list_files(r->st, r->run_id, remove_cb, r, err);
}

static int setup_stats(struct run *r)
{
	struct pipeline_stats *s = r->stats;
	size_t i;

	s->manifest = r->m;
	s->n_rules = r->m->n_rules;
	s->rules = calloc(r->m->n_rules + 1, sizeof(*s->rules));
	s->n_tables = r->m->n_tables;
	s->tables = calloc(r->m->n_tables + 1, sizeof(*s->tables));
	if (!s->rules || !s->tables)
		return -1;
	for (i = 0; i < r->m->n_rules; i++) {
		s->rules[i].rule = r->m->rules[i].name;
		s->rules[i].table = r->m->rules[i].main.table;
		s->rules[i].catch_all = r->m->rules[i].catch_all;
	}
	s->catch_all = r->m->catch_all ? r->m->catch_all->name : NULL;
	for (i = 0; i < r->m->n_tables; i++)
		s->tables[i].table = r->m->tables[i].name;
	return 0;
}

static void window_release(struct entry *win, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(win[i].relpath);
		free(win[i].abspath);
		free(win[i].error);
	}
}

/* Copy a walk entry (its strings belong to the walker) into the window. */
static int window_add(struct entry *ent, const struct walk_entry *we, struct error *err)
{
	memset(ent, 0, sizeof(*ent));
	ent->we = *we;
	ent->relpath = strdup(we->relpath);
	ent->abspath = strdup(we->abspath);
	ent->error = we->error ? strdup(we->error) : NULL;
	if (!ent->relpath || !ent->abspath || (we->error && !ent->error))
		return error_set(err, ERR_IO, "out of memory");
	ent->we.relpath = ent->relpath;
	ent->we.abspath = ent->abspath;
	ent->we.error = ent->error;
	return 0;
}

/* Classify the window's files and look up the source states they need. */
static int window_prefetch(struct run *r, struct entry *win, size_t n, struct error *err)
{
	const char *paths[WINDOW];
	struct source_state states[WINDOW];
	int found[WINDOW];
	size_t i, k = 0, map[WINDOW];
	int rc;

	for (i = 0; i < n; i++) {
		win[i].ignored = manifest_ignored(r->m, win[i].relpath);
		if (win[i].ignored)
			continue;
		win[i].rule = manifest_classify(r->m, win[i].relpath);
		if (win[i].rule && win[i].we.kind == WALK_FILE && r->writes &&
		    !r->manifest_changed) {
			paths[k] = win[i].relpath;
			map[k++] = i;
		}
	}
	if (!k)
		return 0;
	if ((rc = storage_source_lookup_many(r->st, paths, k, states, found, err)))
		return rc;
	for (i = 0; i < k; i++) {
		struct entry *ent = &win[map[i]];

		ent->found = found[i];
		if (found[i])
			ent->src = states[i];
	}
	return 0;
}

int pipeline_run(const struct pipeline_opts *o, struct pipeline_stats *stats,
		 struct error *err)
{
	struct run r;
	struct walk_entry we;
	double t;
	struct entry *win = NULL;
	size_t n_win = 0;
	int rc, more = 0;

	memset(&r, 0, sizeof(r));
	memset(stats, 0, sizeof(*stats));
	docmem_install();
	r.o = o;
	r.stats = stats;
	r.t0 = now();
	rowmap_out_init(&r.slot[0].out);
	rowmap_out_init(&r.slot[1].out);
	r.b = &r.slot[0];
	if ((rc = manifest_load(o->schema_dir, &r.m, err)))
		goto out;
	if (setup_stats(&r) || track_setup(&r)) {
		rc = error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	if ((rc = compile_schemas(&r, err)))
		goto out;
	if ((rc = walk_open(o->tree, &r.walk, err)))
		goto out;
	snprintf(stats->tree_root, sizeof(stats->tree_root), "%s", walk_root(r.walk));
	snprintf(stats->source, sizeof(stats->source), "%s",
		 o->storage.source && *o->storage.source ? o->storage.source : stats->tree_root);
	pipeline_new_run_id(r.run_id);
	snprintf(stats->run_id, sizeof(stats->run_id), "%s", o->dry_run ? "" : r.run_id);
	stats->dry_run = o->dry_run;
	if (!o->dry_run) {
		r.writes = 1;
		if ((rc = start_writes(&r, err)))
			goto out;
	}
	win = calloc(WINDOW, sizeof(*win));
	if (!win) {
		rc = error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	do {
		size_t n = 0, i;

		t = now();
		while (n < WINDOW && (more = walk_next(r.walk, &we, err)) > 0) {
			if ((rc = window_add(&win[n], &we, err))) {
				n_win = n + 1;
				goto out;
			}
			n++;
		}
		n_win = n;
		stats->stages.walk += now() - t;
		if (more < 0) {
			rc = ERR_IO;
			goto out;
		}
		if ((rc = window_prefetch(&r, win, n, err)))
			goto out;
		for (i = 0; i < n; i++) {
			if ((rc = process_file(&r, &win[i], err)))
				goto out;
			progress(&r, 0);
		}
		window_release(win, n);
		n_win = 0;
	} while (more > 0);
	stats->ignored += walk_ignored(r.walk);
	if ((rc = flush_batch(&r, err)) || (rc = null_columns(&r, err)))
		goto out;
	if (r.writes) {
		if ((rc = finish_writes(&r, err)))
			goto out;
		if (o->remove_originals && (rc = remove_originals(&r, err)))
			goto out;
	}
	rc = stats->invalid ? ERR_DATA : 0;
out:
	if (win) {
		window_release(win, n_win);
		free(win);
	}
	progress(&r, 1);
	stats->duration_s = now() - r.t0;
	if (rc && rc != ERR_DATA && !stats->committed)
		stats->run_id[0] = '\0';
	if (!stats->committed && !o->dry_run)
		stats->run_id[0] = '\0';
	backup_writer_abort(r.bw);
	if (r.marker)
		remove_marker(&r);   /* a clean failure: nothing of the run is left */
	if (r.made_backup_dir && !stats->committed)
		rmdir(r.backup_dir);  /* fails, as it should, unless empty */
	if (r.storer)
		stats->stages.insert_thread = storer_busy_s(r.storer);
	storer_stop(r.storer);
	slot_release(&r.slot[0]);
	slot_release(&r.slot[1]);
	storage_close(r.st);
	track_release(&r);
	walk_close(r.walk);
	jsonschema_registry_free(r.reg);
	if (!stats->manifest)
		manifest_free(r.m);
	return rc;
}

void pipeline_stats_release(struct pipeline_stats *stats)
{
	free(stats->rules);
	free(stats->tables);
	manifest_free(stats->manifest);
	stats->rules = NULL;
	stats->tables = NULL;
	stats->manifest = NULL;
}
