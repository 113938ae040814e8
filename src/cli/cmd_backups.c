/*
 * cmd_backups.c - `wsmigrate backups list` and `wsmigrate backups verify`:
 * the runs' archives, and a full check of each one against the index
 * inside it (its file list) and against the ledger.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup.h"
#include "cli.h"
#include "internal.h"
#include "storage.h"
#include "util.h"
#include "walk.h"

static const struct option long_opts[] = {
	{ "db", required_argument, NULL, 'd' },
	{ "format", required_argument, NULL, 'f' },
	{ "source", required_argument, NULL, 's' },
	{ "keep-last", required_argument, NULL, 'k' },
	{ "force", no_argument, NULL, 'F' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static const char help_text[] =
	"usage: wsmigrate backups list [--db URL] [--format text|json] [--source NAME]\n"
	"       wsmigrate backups verify [RUN-ID|ARCHIVE] [--db URL] [--format text|json]\n"
	"                                [--source NAME]\n"
	"       wsmigrate backups prune --keep-last N [--db URL] [--source NAME] [--force]\n"
	"                               [--dry-run] [--format text|json]\n\n"
	"verify reads every entry, recomputes its sha256 and checks it against the\n"
	"index inside the archive and against the ledger. With no argument it\n"
	"checks every archive in the ledger; an ARCHIVE path alone needs no database.\n"
	"Exit status 1 on any mismatch, missing entry or unreadable archive.\n\n"
	"prune removes the archives of all but the N newest runs of each source that\n"
	"have one (of that source only, with --source), and\n"
	"records each removal in the ledger. It keeps, unless --force, an archive\n"
	"that rollback could still need: that of a committed run that imported\n"
	"files (a rollback of it then reverts only the database). --dry-run says\n"
	"what it would remove. It holds the run lock while it works.\n\n"
	"  --db URL               the database (default: $WSMIGRATE_DB, $DATABASE_URL,\n"
	"                         sqlite:workspace.db)\n"
	"  --format text|json     output format (default text)\n"
	"  --source NAME          only the archives of that source's runs\n"
	"  --keep-last N          prune: keep the archives of the N newest runs (per source)\n"
	"  --force                prune: remove archives rollback could still need\n"
	"  --dry-run              prune: say what would be removed; remove nothing\n"
	"  -h, --help             this help\n\n"
	"examples:\n"
	"  wsmigrate backups list --db sqlite:team.db\n"
	"  wsmigrate backups verify --db sqlite:team.db --format json\n"
	"  wsmigrate backups verify team.db.backups/RUN-ID.tar.zst\n"
	"  wsmigrate backups prune --keep-last 10 --dry-run\n";

/* ---------------------------------------------------------------- list */

struct list_ctx {
	int json;
	int n;
	const char *source;        /* --source: only its runs */
};

static int list_run(void *ctx, const struct run_info *r)
{
	struct list_ctx *c = ctx;
	struct backup_index_info info;
	struct error e;
	struct stat st;
	const char *state;
	long long size = -1, files = -1;

	if (c->source && strcmp(c->source, r->source) != 0)
		return 0;
	if (!r->archive_path[0])
		state = "none";
	else if (stat(r->archive_path, &st) < 0)
		state = "missing";
	else {
		size = (long long)st.st_size;
		error_clear(&e);
		memset(&info, 0, sizeof(info));
		if (backup_read_index(r->archive_path, &info, NULL, NULL, &e) == 0)
			files = (long long)info.file_count;
		state = strcmp(r->status, "rolled_back") == 0 ? "rolled-back" :
			files < 0 ? "unreadable" : "present";
	}
	if (c->json) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_addstr(&sb, c->n ? ",\n  {\"run_id\": " : "\n  {\"run_id\": ");
		strbuf_add_json_string(&sb, r->id, strlen(r->id));
		strbuf_addf(&sb, ", \"status\": \"%s\", \"archive\": ", r->status);
		if (r->archive_path[0])
			strbuf_add_json_string(&sb, r->archive_path, strlen(r->archive_path));
		else
			strbuf_addstr(&sb, "null");
		strbuf_addf(&sb, ", \"size\": %lld, \"files\": %lld, \"state\": \"%s\", \"sha256\": \"%s\", \"source\": ",
			    size, files, state, r->archive_sha256);
		strbuf_add_json_string(&sb, r->source, strlen(r->source));
		strbuf_addstr(&sb, "}");
		fputs(sb.buf, stdout);
		strbuf_release(&sb);
	} else {
		if (!c->n)
			printf("%-24s %-11s %10s %7s %-11s %s\n", "run", "status", "bytes",
			       "files", "state", "archive");
		printf("%-24s %-11s %10lld %7lld %-11s %s\n", r->id, r->status, size, files,
		       state, r->archive_path[0] ? r->archive_path : "-");
	}
	c->n++;
	return 0;
}

/* -------------------------------------------------------------- verify */

/*
 * verify's output: text lines, or (--format json) one document streamed
 * as the archives are checked:
 *   {"db": URL|null, "archives": [{"archive", "run_id", "in_ledger",
 *    "problems": [{"kind", "path", "detail"}], "ok"}], "checked",
 *    "failed", "duration_s"}
 */
static struct {
	int json;
	long archives;      /* archive objects written */
	long problems;      /* problems written in the current one */
} vout;

static void json_str_or_null(struct strbuf *sb, const char *s)
{
	if (s)
		strbuf_add_json_string(sb, s, strlen(s));
	else
		strbuf_addstr(sb, "null");
}

/* in_ledger: 1, 0, or -1 when no ledger was asked */
static void out_archive_begin(const char *archive, const char *run_id, int in_ledger)
{
	struct strbuf sb = STRBUF_INIT;

	if (!vout.json) {
		if (archive)
			printf("%s\n", archive);
		return;
	}
	strbuf_addstr(&sb, vout.archives++ ? ",\n  {\"archive\": " : "\n  {\"archive\": ");
	json_str_or_null(&sb, archive);
	strbuf_addstr(&sb, ", \"run_id\": ");
	json_str_or_null(&sb, run_id);
	strbuf_addf(&sb, ", \"in_ledger\": %s, \"problems\": [",
		    in_ledger < 0 ? "null" : in_ledger ? "true" : "false");
	fputs(strbuf_str(&sb), stdout);
	strbuf_release(&sb);
	vout.problems = 0;
}

/* One finding: "  KIND: PATH: DETAIL" (path and detail may be NULL). */
static void out_problem(const char *kind, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void out_problem(const char *kind, const char *path, const char *fmt, ...)
{
	char detail[ERROR_MSG_MAX];
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	detail[0] = '\0';
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(detail, sizeof(detail), fmt, ap);
		va_end(ap);
	}
	if (!vout.json) {
		printf("  %s%s%s%s%s\n", kind, path ? ": " : "", path ? path : "",
		       detail[0] ? ": " : "", detail);
		return;
	}
	strbuf_addstr(&sb, vout.problems++ ? ",\n    {\"kind\": " : "\n    {\"kind\": ");
	json_str_or_null(&sb, kind);
	strbuf_addstr(&sb, ", \"path\": ");
	json_str_or_null(&sb, path);
	strbuf_addstr(&sb, ", \"detail\": ");
	json_str_or_null(&sb, detail[0] ? detail : NULL);
	strbuf_addch(&sb, '}');
	fputs(strbuf_str(&sb), stdout);
	strbuf_release(&sb);
}

static void out_archive_end(long problems)
{
	if (!vout.json) {
		if (problems)
			printf("  FAILED: %ld problem%s\n", problems, problems == 1 ? "" : "s");
		else
			printf("  ok\n");
		return;
	}
	printf("%s], \"ok\": %s}", vout.problems ? "\n   " : "", problems ? "false" : "true");
}

struct ledger_file {
	char *path;
	char sha256[65];
	int outcome;
	int seen;
};

struct verify_ctx {
	const char *archive;
	long problems;
	struct ledger_file *files;   /* the run's ledger, sorted by path (only
					when it did not come in the walk's order) */
	size_t n_files, cap;
	/* the run's ledger spilled in the walk's order, merged with the
	 * index (same order) as it streams: memory does not grow with the run */
	FILE *spill;
	struct strbuf prev;          /* spill: last path, to check the order */
	int out_of_order;
	struct strbuf cur;           /* merge: the current ledger record */
	char cur_sha[65];
	int cur_outcome, have_cur;
	const char *run_id;
};

/* One ledger record into the spill: outcome, sha256 (64 bytes), path length, path. */
static int spill_ledger(void *ctx, const struct file_entry *f)
{
	struct verify_ctx *c = ctx;
	char sha[64];
	uint32_t len = (uint32_t)strlen(f->path);
	unsigned char outcome = (unsigned char)f->outcome;

	if (c->prev.len && walk_path_cmp(c->prev.buf, c->prev.len, f->path, len) >= 0)
		c->out_of_order = 1;
	strbuf_reset(&c->prev);
	strbuf_add(&c->prev, f->path, len);
	memset(sha, 0, sizeof(sha));
	if (f->sha256)
		memcpy(sha, f->sha256, strnlen(f->sha256, sizeof(sha)));
	if (fwrite(&outcome, 1, 1, c->spill) != 1 || fwrite(sha, 1, 64, c->spill) != 64 ||
	    fwrite(&len, sizeof(len), 1, c->spill) != 1 ||
	    fwrite(f->path, 1, len, c->spill) != len || c->prev.failed)
		return ERR_IO;
	return 0;
}

/* Read the next spilled record into c->cur; have_cur = 0 at the end. */
static void next_ledger(struct verify_ctx *c)
{
	unsigned char outcome;
	uint32_t len;

	c->have_cur = 0;
	if (fread(&outcome, 1, 1, c->spill) != 1 || fread(c->cur_sha, 1, 64, c->spill) != 64 ||
	    fread(&len, sizeof(len), 1, c->spill) != 1)
		return;
	c->cur_sha[64] = '\0';
	strbuf_reset(&c->cur);
	if (strbuf_grow(&c->cur, len + 1) || fread(c->cur.buf, 1, len, c->spill) != len)
		return;
	c->cur.len = len;
	c->cur.buf[len] = '\0';
	c->cur_outcome = outcome;
	c->have_cur = 1;
}

/* A ledger file the archive does not hold: a problem when it was imported. */
static void ledger_only(struct verify_ctx *c)
{
	if (c->cur_outcome == FILE_IMPORTED) {
		c->problems++;
		out_problem("missing from archive", c->cur.buf, "imported by run %s", c->run_id);
	}
	next_ledger(c);
}

static void merge_index_file(void *ctx, const struct backup_file *f)
{
	struct verify_ctx *c = ctx;
	size_t len = strlen(f->path);

	while (c->have_cur && walk_path_cmp(c->cur.buf, c->cur.len, f->path, len) < 0)
		ledger_only(c);
	if (!c->have_cur || walk_path_cmp(c->cur.buf, c->cur.len, f->path, len) != 0) {
		c->problems++;
		out_problem("not in ledger", f->path, NULL);
		return;
	}
	if (strcmp(c->cur_sha, f->sha256) != 0) {
		c->problems++;
		out_problem("ledger mismatch", f->path, "archive sha256 %s, ledger %s",
			    f->sha256, c->cur_sha[0] ? c->cur_sha : "(none)");
	}
	next_ledger(c);
}

static void on_problem(void *ctx, enum backup_problem kind, const char *path,
		       const char *detail)
{
	struct verify_ctx *c = ctx;

	c->problems++;
	out_problem(backup_problem_name(kind), path, detail ? "%s" : NULL, detail);
}

static int collect_ledger(void *ctx, const struct file_entry *f)
{
	struct verify_ctx *c = ctx;
	struct ledger_file *lf;

	if (ALLOC_GROW(c->files, c->n_files + 1, c->cap))
		return ERR_IO;
	lf = &c->files[c->n_files++];
	lf->path = util_strdup(f->path);
	snprintf(lf->sha256, sizeof(lf->sha256), "%s", f->sha256 ? f->sha256 : "");
	lf->outcome = (int)f->outcome;
	lf->seen = 0;
	return lf->path ? 0 : ERR_IO;
}

static int cmp_ledger(const void *a, const void *b)
{
	return strcmp(((const struct ledger_file *)a)->path,
		      ((const struct ledger_file *)b)->path);
}

static void check_index_file(void *ctx, const struct backup_file *f)
{
	struct verify_ctx *c = ctx;
	struct ledger_file key, *lf;

	key.path = (char *)f->path;
	lf = bsearch(&key, c->files, c->n_files, sizeof(*c->files), cmp_ledger);
	if (!lf) {
		c->problems++;
		out_problem("not in ledger", f->path, NULL);
		return;
	}
	lf->seen = 1;
	if (strcmp(lf->sha256, f->sha256) != 0) {
		c->problems++;
		out_problem("ledger mismatch", f->path, "archive sha256 %s, ledger %s",
			    f->sha256, lf->sha256[0] ? lf->sha256 : "(none)");
	}
}

static void free_ledger(struct verify_ctx *c)
{
	size_t i;

	for (i = 0; i < c->n_files; i++)
		free(c->files[i].path);
	free(c->files);
	c->files = NULL;
	c->n_files = c->cap = 0;
}

/*
 * Verify one archive; with a ledger run (st, run != NULL) also compare
 * every archived file with the ledger, and every imported file of the
 * ledger must be in the archive.  Returns 0, ERR_DATA or ERR_IO.
 */
static int verify_one(const char *archive, const char *expected_sha,
		      struct storage *st, const struct run_info *run, struct error *err)
{
	struct verify_ctx c;
	struct backup_index_info info;
	struct error e;
	size_t i;
	int rc;

	memset(&c, 0, sizeof(c));
	c.archive = archive;
	out_archive_begin(archive, run ? run->id : NULL, st ? run != NULL : -1);
	error_clear(&e);
	rc = backup_verify(archive, expected_sha, on_problem, &c, &e);
	if (rc == ERR_IO) {
		out_problem("unreadable", NULL, "%s", e.msg);
		c.problems++;
	}
	if (st && run && rc != ERR_IO) {
		c.run_id = run->id;
		c.spill = tmpfile();
		if (!c.spill)
			return error_set(err, ERR_IO, "cannot create a temporary file: %s",
					 strerror(errno));
		rc = storage_list_files(st, run->id, spill_ledger, &c, err);
		if (rc == ERR_IO && !err->msg[0])
			error_set(err, ERR_IO, "cannot write a temporary file: %s", strerror(errno));
		strbuf_release(&c.prev);
		if (!rc && !c.out_of_order) {
			rewind(c.spill);
			next_ledger(&c);
			memset(&info, 0, sizeof(info));
			error_clear(&e);
			if (backup_read_index(archive, &info, merge_index_file, &c, &e) == 0) {
				if (strcmp(info.run_id, run->id) != 0) {
					c.problems++;
					out_problem("ledger mismatch", NULL,
						    "archive is of run %s, ledger run %s",
						    info.run_id, run->id);
				}
				while (c.have_cur)
					ledger_only(&c);
			}
		}
		fclose(c.spill);
		strbuf_release(&c.cur);
		if (rc)
			return rc;
	}
	if (st && run && rc != ERR_IO && c.out_of_order) {
		/* a path the database sorts otherwise (a 0x01 byte in a name):
		 * the ledger in memory, sorted, looked up */
		if ((rc = storage_list_files(st, run->id, collect_ledger, &c, err))) {
			free_ledger(&c);
			return rc;
		}
		qsort(c.files, c.n_files, sizeof(*c.files), cmp_ledger);
		memset(&info, 0, sizeof(info));
		error_clear(&e);
		if (backup_read_index(archive, &info, check_index_file, &c, &e) == 0) {
			if (strcmp(info.run_id, run->id) != 0) {
				c.problems++;
				out_problem("ledger mismatch", NULL,
					    "archive is of run %s, ledger run %s",
					    info.run_id, run->id);
			}
			for (i = 0; i < c.n_files; i++) {
				if (c.files[i].outcome == FILE_IMPORTED && !c.files[i].seen) {
					c.problems++;
					out_problem("missing from archive", c.files[i].path,
						    "imported by run %s", run->id);
				}
			}
		}
		free_ledger(&c);
	}
	out_archive_end(c.problems);
	return c.problems ? ERR_DATA : 0;
}

struct all_ctx {
	struct storage *st;
	const char *want;       /* run id, archive path, or NULL for all */
	const char *source;        /* --source: only its runs */
	int checked;
	int bad;
	int io;
	struct error *err;
};

static int verify_run(void *ctx, const struct run_info *r)
{
	struct all_ctx *a = ctx;
	int rc;

	if (a->want && strcmp(a->want, r->id) != 0 && strcmp(a->want, r->archive_path) != 0)
		return 0;
	if (a->source && strcmp(a->source, r->source) != 0)
		return 0;
	if (!r->archive_path[0]) {
		if (a->want) {
			if (vout.json) {
				out_archive_begin(NULL, r->id, 1);
				out_problem("no archive", NULL, "run %s has no archive", r->id);
				out_archive_end(1);
			} else {
				printf("run %s has no archive\n", r->id);
			}
			a->bad++;
			a->checked++;
		}
		return 0;
	}
	if (strcmp(r->status, "rolled_back") == 0 && !a->want)
		return 0;
	a->checked++;
	rc = verify_one(r->archive_path, r->archive_sha256, a->st, r, a->err);
	if (rc == ERR_DATA)
		a->bad++;
	else if (rc)
		return rc;
	return 0;
}

/* ---------------------------------------------------------------- prune */

struct prune_run {
	char *id, *archive, *source;
	char sha256[65];
	int needed;                /* rollback of it would restore files */
	int rolled_back;
};

struct prune_ctx {
	struct prune_run *runs;    /* runs with an archive, oldest first */
	size_t n, cap;
	const char *source;        /* --source: only its runs */
};

static int collect_archived(void *ctx, const struct run_info *r)
{
	struct prune_ctx *c = ctx;
	struct prune_run *p;

	if (!r->archive_path[0])
		return 0;
	if (c->source && strcmp(c->source, r->source) != 0)
		return 0;
	if (ALLOC_GROW(c->runs, c->n + 1, c->cap))
		return ERR_IO;
	p = &c->runs[c->n++];
	memset(p, 0, sizeof(*p));
	p->id = util_strdup(r->id);
	p->archive = util_strdup(r->archive_path);
	p->source = util_strdup(r->source);
	snprintf(p->sha256, sizeof(p->sha256), "%s", r->archive_sha256);
	p->rolled_back = strcmp(r->status, "rolled_back") == 0;
	p->needed = strcmp(r->status, "committed") == 0 && r->imported > 0;
	return p->id && p->archive && p->source ? 0 : ERR_IO;
}

static void prune_item(struct strbuf *sb, int *first, const struct prune_run *p,
		       long long bytes, const char *reason)
{
	strbuf_addstr(sb, *first ? "\n  {\"run_id\": " : ",\n  {\"run_id\": ");
	*first = 0;
	strbuf_add_json_string(sb, p->id, strlen(p->id));
	strbuf_addstr(sb, ", \"archive\": ");
	strbuf_add_json_string(sb, p->archive, strlen(p->archive));
	if (reason) {
		strbuf_addstr(sb, ", \"reason\": ");
		strbuf_add_json_string(sb, reason, strlen(reason));
	} else {
		strbuf_addf(sb, ", \"bytes\": %lld", bytes);
	}
	strbuf_addch(sb, '}');
}

/* Whether run i is among the `keep` newest archived runs of its source. */
static int prune_keeps(const struct prune_ctx *c, size_t i, long keep)
{
	size_t j;
	long newer = 0;

	for (j = i + 1; j < c->n && newer < keep; j++)
		if (strcmp(c->runs[j].source, c->runs[i].source) == 0)
			newer++;
	return newer < keep;
}

/*
 * backups prune: keep the archives of the `keep` newest runs of each
 * source (of `source` only, when given), remove the others.
 */
static int cmd_prune(const char *db, const char *source, long keep, int force,
		     int dry, int json, struct error *err)
{
	static const char needed[] = "a rollback of this committed run restores its files from it"
				     " (--force removes it: a rollback then reverts only the database)";
	struct storage_opts so;
	struct storage *st = NULL;
	struct prune_ctx c;
	struct strbuf removed = STRBUF_INIT, refused = STRBUF_INIT;
	int first_r = 1, first_f = 1, rc;
	long n_removed = 0, n_refused = 0, n_kept = 0;
	long long bytes = 0;
	double t0 = util_monotonic();
	size_t i;
	char now[40];

	memset(&c, 0, sizeof(c));
	c.source = source;
	memset(&so, 0, sizeof(so));
	/* with --source, the lock of that source only (PostgreSQL) */
	so.source = source;
	if (isatty(2))
		so.on_lock_wait = cmd_lock_wait;
	if ((rc = storage_open(cli_default_db(db), &so, &st, err)))
		return rc;
	/* under the run lock: no run writes or rolls back meanwhile */
	if ((!dry && (rc = storage_begin(st, err))) ||
	    (rc = storage_list_runs(st, collect_archived, &c, err)))
		goto out;
	util_now_utc(now);
	for (i = 0; i < c.n; i++) {
		struct prune_run *p = &c.runs[i];
		struct stat sb;
		char msg[1400];

		if (prune_keeps(&c, i, keep)) {
			n_kept++;
			continue;
		}
		if (p->needed && !force) {
			n_refused++;
			if (json)
				prune_item(&refused, &first_f, p, 0, needed);
			else
				printf("kept     %s (run %s): %s\n", p->archive, p->id, needed);
			continue;
		}
		n_removed++;
		if (stat(p->archive, &sb) == 0)
			bytes += (long long)sb.st_size;
		if (json)
			prune_item(&removed, &first_r, p, stat(p->archive, &sb) == 0 ?
				   (long long)sb.st_size : 0, NULL);
		else
			printf("%s %s (run %s%s)\n", dry ? "would remove" : "removed ", p->archive,
			       p->id, p->rolled_back ? ", rolled back" : "");
		if (dry)
			continue;
		snprintf(msg, sizeof(msg), "archive %s (sha256 %s) removed by backups prune at %s",
			 p->archive, p->sha256, now);
		if ((rc = storage_note_run(st, p->id, WARN_ARCHIVE_PRUNED, msg, err)) ||
		    (rc = storage_forget_archive(st, p->id, err)))
			goto out;
	}
	/* the ledger first: a crash before the files go leaves files the
	 * ledger no longer names, never a ledger naming missing files */
	if (!dry && (rc = storage_commit(st, err)))
		goto out;
	for (i = 0; !dry && i < c.n; i++) {
		struct error e;

		if (prune_keeps(&c, i, keep) || (c.runs[i].needed && !force))
			continue;
		error_clear(&e);
		if (backup_remove(c.runs[i].archive, &e))
			fprintf(stderr, "wsmigrate backups prune: %s (the ledger no longer names it)\n",
				e.msg);
	}
	if (json) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_addstr(&sb, "{\"db\": ");
		strbuf_add_json_string(&sb, st->url_masked, strlen(st->url_masked));
		strbuf_addf(&sb, ", \"keep_last\": %ld, \"dry_run\": %s, \"removed\": [%s%s],"
			    " \"refused\": [%s%s], \"kept\": %ld, \"bytes\": %lld,"
			    " \"duration_s\": %.3f}\n", keep, dry ? "true" : "false",
			    strbuf_str(&removed), first_r ? "" : "\n", strbuf_str(&refused),
			    first_f ? "" : "\n", n_kept, bytes, util_monotonic() - t0);
		fputs(strbuf_str(&sb), stdout);
		strbuf_release(&sb);
	} else {
		printf("%s %ld archive%s (%lld bytes); kept the %ld newest%s%ld needed by rollback%s\n",
		       dry ? "would remove" : "removed", n_removed, n_removed == 1 ? "" : "s", bytes,
		       n_kept, n_refused ? ", and " : " (", n_refused,
		       n_refused ? " (--force removes those)" : ")");
	}
out:
	for (i = 0; i < c.n; i++) {
		free(c.runs[i].id);
		free(c.runs[i].archive);
		free(c.runs[i].source);
	}
	free(c.runs);
	strbuf_release(&removed);
	strbuf_release(&refused);
	storage_close(st);
	return rc;
}

int cmd_backups(int argc, char **argv, struct error *err)
{
	struct storage *st = NULL;
	struct storage_opts ro = { 0 };   /* list and verify change nothing */
	const char *db = NULL, *sub, *source = NULL;
	int json = 0, ch, rc = 0, db_given = 0, force = 0, dry = 0;
	long keep = -1;
	char *end;
	double t0 = util_monotonic();

	ro.read_only = 1;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		switch (ch) {
		case 'd': db = optarg; db_given = 1; break;
		case 's': source = optarg; break;
		case 'f':
			if (strcmp(optarg, "json") == 0)
				json = 1;
			else if (strcmp(optarg, "text") != 0)
				return error_set(err, ERR_USAGE, "--format wants text or json");
			break;
		case 'k':
			keep = strtol(optarg, &end, 10);
			if (end == optarg || *end || keep < 0)
				return error_set(err, ERR_USAGE, "--keep-last wants a count, not '%s'",
						 optarg);
			break;
		case 'F': force = 1; break;
		case 'n': dry = 1; break;
		case 'h': fputs(help_text, stdout); return 0;
		default: return error_set(err, ERR_USAGE, "unknown option");
		}
	}
	if (optind >= argc)
		return error_set(err, ERR_USAGE, "backups wants 'list', 'verify' or 'prune'");
	sub = argv[optind++];
	if (strcmp(sub, "prune") == 0) {
		if (optind != argc)
			return error_set(err, ERR_USAGE, "backups prune takes no arguments");
		if (keep < 0)
			return error_set(err, ERR_USAGE, "backups prune needs --keep-last N");
		return cmd_prune(db, source, keep, force, dry, json, err);
	}
	if (keep >= 0 || force || dry)
		return error_set(err, ERR_USAGE, "--keep-last, --force and --dry-run go with backups prune");
	if (strcmp(sub, "list") == 0) {
		struct list_ctx c = { json, 0, source };

		if (optind != argc)
			return error_set(err, ERR_USAGE, "backups list takes no arguments");
		if ((rc = storage_open(cli_default_db(db), &ro, &st, err)))
			return rc;
		if (json)
			fputs("{\"backups\": [", stdout);
		rc = storage_list_runs(st, list_run, &c, err);
		if (json)
			fputs(c.n ? "\n]}\n" : "]}\n", stdout);
		else if (!rc && !c.n)
			printf("no runs recorded in %s\n", st->url_masked);
		storage_close(st);
		return rc;
	}
	if (strcmp(sub, "verify") == 0) {
		const char *what = optind < argc ? argv[optind++] : NULL;
		struct all_ctx a;
		struct stat sb;

		if (optind != argc)
			return error_set(err, ERR_USAGE, "backups verify takes at most one RUN-ID or ARCHIVE");
		memset(&a, 0, sizeof(a));
		a.want = what;
		a.source = source;
		a.err = err;
		vout.json = json;
		/* an archive path alone: no database unless --db was given */
		if (what && stat(what, &sb) == 0 && S_ISREG(sb.st_mode) && !db_given &&
		    !getenv("WSMIGRATE_DB")) {
			if (json)
				fputs("{\"db\": null, \"archives\": [", stdout);
			rc = verify_one(what, NULL, NULL, NULL, err);
			if (json)
				printf("%s], \"checked\": 1, \"failed\": %d, \"duration_s\": %.3f}\n",
				       vout.archives ? "\n" : "", rc ? 1 : 0, util_monotonic() - t0);
			return rc;
		}
		if ((rc = storage_open(cli_default_db(db), &ro, &st, err)))
			return rc;
		if (json) {
			struct strbuf sb2 = STRBUF_INIT;

			strbuf_addstr(&sb2, "{\"db\": ");
			strbuf_add_json_string(&sb2, st->url_masked, strlen(st->url_masked));
			strbuf_addstr(&sb2, ", \"archives\": [");
			fputs(strbuf_str(&sb2), stdout);
			strbuf_release(&sb2);
		}
		a.st = st;
		rc = storage_list_runs(st, verify_run, &a, err);
		if (!rc && what && !a.checked) {
			if (stat(what, &sb) == 0 && S_ISREG(sb.st_mode)) {
				/* an archive the ledger does not know: check it alone */
				if (!json)
					printf("note: %s is not in the ledger of %s\n", what,
					       st->url_masked);
				a.checked++;
				rc = verify_one(what, NULL, NULL, NULL, err);
				if (rc == ERR_DATA) {
					a.bad++;
					rc = 0;
				}
			} else {
				rc = error_set(err, ERR_IO, "no run or archive '%s' in %s"
					       " ('wsmigrate backups list' lists them)", what,
					       st->url_masked);
			}
		} else if (!rc && !a.checked && !json) {
			printf("no archives recorded in %s\n", st->url_masked);
		}
		if (json)
			printf("%s], \"checked\": %d, \"failed\": %d, \"duration_s\": %.3f}\n",
			       vout.archives ? "\n" : "", a.checked, a.bad, util_monotonic() - t0);
		storage_close(st);
		if (!rc && a.bad)
			rc = ERR_DATA;
		return rc;
	}
	return error_set(err, ERR_USAGE, "unknown backups command '%s' (list, verify or prune)", sub);
}
