/*
 * cmd_rollback.c - `wsmigrate rollback`: put a run's files back from its
 * archive, then revert its rows, so files and database return to where
 * they were before the run.  Only the latest run of its source that is not
 * rolled back can go (runs of other sources do not matter); nothing the
 * user changed since is overwritten without --force.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backup.h"
#include "cli.h"
#include "internal.h"
#include "storage.h"
#include "util.h"

static const struct option long_opts[] = {
	{ "run", required_argument, NULL, 'r' },
	{ "db", required_argument, NULL, 'd' },
	{ "to", required_argument, NULL, 't' },
	{ "force", no_argument, NULL, 'f' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "source", required_argument, NULL, 's' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "format", required_argument, NULL, 'F' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static const char help_text[] =
	"usage: wsmigrate rollback [--run ID|latest] [--source NAME] [--db URL] [--to DIR]\n"
	"                          [--force] [--dry-run] [--format text|json] [-q]\n\n"
	"Undo one run: put back the files it imported (from its archive) and revert\n"
	"the rows it wrote, holding the run lock for the whole of it.\n\n"
	"  --run ID|latest        the run to undo (default latest); only the newest run\n"
	"                         of its source that is not rolled back can be undone\n"
	"  --source NAME          latest means the latest run of this source (see `runs`)\n"
	"  --db URL               the database (default: $WSMIGRATE_DB, $DATABASE_URL,\n"
	"                         sqlite:workspace.db)\n"
	"  --to DIR               restore the files under DIR instead of the original tree\n"
	"  --force                overwrite files that changed since the run; what was\n"
	"                         there is kept as FILE.wsmigrate-orig (and named)\n"
	"  --dry-run              print what would be restored and reverted; write nothing\n"
	"  --format text|json     json: one document, the files as they go (events),\n"
	"                         the counts, and the outcome\n"
	"  -q, --quiet            list only conflicts and refusals, then the summary\n"
	"  -h, --help             this help\n\n"
	"exit status: 0 done, 1 conflicts (nothing written) or a restore stopped midway,\n"
	"2 usage, 3 I/O, database, or a state that forbids it (no such run, not the\n"
	"latest run, already rolled back)\n\n"
	"examples:\n"
	"  wsmigrate rollback --dry-run --db sqlite:team.db\n"
	"  wsmigrate rollback --run latest --db sqlite:team.db\n"
	"  wsmigrate rollback --run latest --source docs --db sqlite:team.db\n"
	"  wsmigrate rollback --run ID --to /tmp/restored --format json\n";

struct pick_ctx {
	const char *want;          /* id or "latest" */
	const char *source;        /* --source, or NULL */
	struct run_info run;       /* the chosen run */
	int found;
	struct strbuf later;       /* committed runs after the wanted one */
};

static int pick_run(void *ctx, const struct run_info *r)
{
	struct pick_ctx *p = ctx;

	if (strcmp(r->status, "committed") != 0) {
		if (strcmp(p->want, r->id) == 0) {
			p->run = *r;
			p->found = 2;   /* exists but not committed */
		}
		return 0;
	}
	if (strcmp(p->want, "latest") == 0) {
		if (!p->source || strcmp(p->source, r->source) == 0) {
			p->run = *r;
			p->found = 1;
		}
		return 0;
	}
	/* only the later runs of the same source and tenant must go first
	 * (of any source after a run of a version before sources) */
	if (p->found == 1 && (p->run.shared_chain || (strcmp(p->run.source, r->source) == 0 &&
						       strcmp(p->run.tenant, r->tenant) == 0))) {
		/* newest first: that is the order they must be rolled back in */
		struct strbuf sb = STRBUF_INIT;

		strbuf_addstr(&sb, r->id);
		if (p->later.len) {
			strbuf_addstr(&sb, ", ");
			strbuf_add(&sb, p->later.buf, p->later.len);
		}
		strbuf_release(&p->later);
		p->later = sb;
	} else if (p->found != 1 && strcmp(p->want, r->id) == 0) {
		p->run = *r;
		p->found = 1;
	}
	return 0;
}

struct restore_ctx {
	int quiet;
	int json;                  /* events go into the JSON document */
	long n_events;
	long restored, identical, conflicts, refused, would;
};

static void on_event(void *ctx, enum backup_restore_event ev, const char *path,
		     const char *reason)
{
	struct restore_ctx *c = ctx;

	switch (ev) {
	case BACKUP_RESTORED: c->restored++; break;
	case BACKUP_WOULD_RESTORE: c->would++; break;
	case BACKUP_IDENTICAL: c->identical++; break;
	case BACKUP_CONFLICT: c->conflicts++; break;
	case BACKUP_REFUSED: c->refused++; break;
	}
	if (c->json) {
		struct strbuf sb = STRBUF_INIT;

		if (ev == BACKUP_IDENTICAL)
			return;     /* counted only: the JSON stays proportional to the work */
		strbuf_addstr(&sb, c->n_events++ ? ",\n  {\"event\": " : "\n  {\"event\": ");
		strbuf_add_json_string(&sb, backup_restore_event_name(ev),
				       strlen(backup_restore_event_name(ev)));
		strbuf_addstr(&sb, ", \"path\": ");
		strbuf_add_json_string(&sb, path, strlen(path));
		strbuf_addstr(&sb, ", \"reason\": ");
		if (reason && *reason)
			strbuf_add_json_string(&sb, reason, strlen(reason));
		else
			strbuf_addstr(&sb, "null");
		strbuf_addch(&sb, '}');
		fputs(strbuf_str(&sb), stdout);
		strbuf_release(&sb);
		return;
	}
	if (ev == BACKUP_IDENTICAL && c->quiet)
		return;
	/* -q still names every overwritten file and where its copy went */
	if (ev == BACKUP_IDENTICAL || (c->quiet && ev == BACKUP_RESTORED &&
				       !(reason && strncmp(reason, "overwritten", 11) == 0)))
		return;
	printf("%-13s %s%s%s\n", backup_restore_event_name(ev), path,
	       reason && *reason ? ": " : "", reason ? reason : "");
}

struct count_ctx {
	long imported, rows;
};

static int count_files(void *ctx, const struct file_entry *f)
{
	struct count_ctx *c = ctx;

	if (f->outcome == FILE_IMPORTED) {
		c->imported++;
		c->rows += (long)f->n_rows;
	}
	return 0;
}

/*
 * The restore stopped after writing files (a target changed under it, a
 * full disk): say exactly what was written, and leave a note on the run in
 * the ledger, committed (the rows are not reverted: the run stays
 * committed, and a second rollback finishes the job).
 */
static void partial_restore(struct storage *st, const struct run_info *run,
			    const char *target, long restored, const struct error *why,
			    int json)
{
	struct error e2;
	char now[40], msg[ERROR_MSG_MAX + 512];

	util_now_utc(now);
	snprintf(msg, sizeof(msg),
		 "rollback at %s restored %ld file%s into %s, then stopped: %s;"
		 " the rows were not reverted", now, restored, restored == 1 ? "" : "s",
		 target, why->msg);
	error_clear(&e2);
	if (storage_note_run(st, run->id, WARN_ROLLBACK_PARTIAL, msg, &e2) ||
	    storage_commit(st, &e2))
		fprintf(stderr, "wsmigrate rollback: cannot note the partial restore in the ledger: %s\n",
			e2.msg);
	if (json)
		return;
	printf("stopped after restoring %ld file%s into %s (listed above unless -q);"
	       " the database was not reverted: run %s is still committed\n"
	       "remove the cause and run rollback again: files already restored are"
	       " identical and are left as they are\n",
	       restored, restored == 1 ? "" : "s", target, run->id);
}

/* The JSON document's head: who, what, where; the events follow. */
static void json_head(struct storage *st, const struct run_info *run, const char *target,
		      int dry, int force)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, "{\"run_id\": ");
	strbuf_add_json_string(&sb, run->id, strlen(run->id));
	strbuf_addstr(&sb, ", \"db\": ");
	strbuf_add_json_string(&sb, st->url_masked, strlen(st->url_masked));
	strbuf_addstr(&sb, ", \"archive\": ");
	if (run->archive_path[0])
		strbuf_add_json_string(&sb, run->archive_path, strlen(run->archive_path));
	else
		strbuf_addstr(&sb, "null");
	strbuf_addstr(&sb, ", \"target\": ");
	strbuf_add_json_string(&sb, target, strlen(target));
	strbuf_addf(&sb, ", \"dry_run\": %s, \"force\": %s, \"events\": [",
		    dry ? "true" : "false", force ? "true" : "false");
	fputs(strbuf_str(&sb), stdout);
	strbuf_release(&sb);
}

/* The JSON document's tail: counts and outcome (error: the message, or null). */
static void json_tail(const struct restore_ctx *c, int64_t removed, int64_t restored,
		      int rolled_back, int partial, const struct count_ctx *would,
		      const struct error *err, int rc, double t0)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, c->n_events ? "\n ]" : "]");
	strbuf_addf(&sb, ", \"restored\": %ld, \"identical\": %ld, \"conflicts\": %ld,"
		    " \"refused\": %ld, \"would_restore\": %ld", c->restored, c->identical,
		    c->conflicts, c->refused, c->would);
	if (would)
		strbuf_addf(&sb, ", \"would_revert\": {\"imported_files\": %ld, \"rows\": %ld}",
			    would->imported, would->rows);
	strbuf_addf(&sb, ", \"rows_removed\": %lld, \"rows_restored\": %lld,"
		    " \"rolled_back\": %s, \"partial\": %s, \"error\": ",
		    (long long)removed, (long long)restored, rolled_back ? "true" : "false",
		    partial ? "true" : "false");
	if (rc && err->msg[0])
		strbuf_add_json_string(&sb, err->msg, strlen(err->msg));
	else
		strbuf_addstr(&sb, "null");
	strbuf_addf(&sb, ", \"duration_s\": %.3f}\n", util_monotonic() - t0);
	fputs(strbuf_str(&sb), stdout);
	strbuf_release(&sb);
}

int cmd_rollback(int argc, char **argv, struct error *err)
{
	struct storage *st = NULL;
	struct storage_opts sopts;
	struct pick_ctx pick;
	struct restore_ctx rc_ctx;
	const char *db = NULL, *want = "latest", *to = NULL, *source = NULL;
	int force = 0, dry = 0, quiet = 0, json = 0, head = 0, rolled_back = 0, partial = 0;
	int ch, rc;
	int64_t removed = 0, restored = 0;
	struct count_ctx cc = { 0, 0 };
	double t0 = util_monotonic();

	optind = 0;
	while ((ch = getopt_long(argc, argv, "qh", long_opts, NULL)) != -1) {
		switch (ch) {
		case 'r': want = optarg; break;
		case 'd': db = optarg; break;
		case 't': to = optarg; break;
		case 'f': force = 1; break;
		case 'n': dry = 1; break;
		case 's': source = optarg; break;
		case 'q': quiet = 1; break;
		case 'F':
			if (strcmp(optarg, "json") == 0)
				json = 1;
			else if (strcmp(optarg, "text") != 0)
				return error_set(err, ERR_USAGE, "--format wants text or json, not '%s'",
						 optarg);
			break;
		case 'h': fputs(help_text, stdout); return 0;
		default: return error_set(err, ERR_USAGE, "unknown option");
		}
	}
	if (optind != argc)
		return error_set(err, ERR_USAGE, "rollback takes no arguments (use --run ID)");
	memset(&pick, 0, sizeof(pick));
	pick.want = want;
	pick.source = source;
	memset(&rc_ctx, 0, sizeof(rc_ctx));
	rc_ctx.quiet = quiet;
	rc_ctx.json = json;
	memset(&sopts, 0, sizeof(sopts));
	if (!quiet && isatty(2))
		sopts.on_lock_wait = cmd_lock_wait;
	/* never create a database: there is nothing in it to roll back */
	sopts.read_only = dry;
	sopts.must_exist = 1;
	if ((rc = storage_open(cli_default_db(db), &sopts, &st, err)))
		return rc;
	/* the run lock for the whole rollback, files and rows: a migrate
	 * must never see a half-restored tree (a dry run writes nothing) */
	if (!dry && (rc = storage_begin(st, err)))
		goto out;
	if ((rc = storage_list_runs(st, pick_run, &pick, err)))
		goto out;
	if (pick.found == 0) {
		/* states of the database, not usage errors: exit 3 */
		rc = strcmp(want, "latest") == 0 && source ?
		     error_set(err, ERR_IO, "no committed run of source '%s' to roll back in %s"
			       " ('wsmigrate runs' lists the runs)", source, st->url_masked) :
		     strcmp(want, "latest") == 0 ?
		     error_set(err, ERR_IO, "no committed run to roll back in %s"
			       " ('wsmigrate runs' lists the runs)", st->url_masked) :
		     error_set(err, ERR_IO, "no run '%s' in %s ('wsmigrate runs' lists the run ids)",
			       want, st->url_masked);
		goto out;
	}
	if (pick.found == 1 && source && strcmp(source, pick.run.source) != 0) {
		rc = error_set(err, ERR_IO, "run %s is of source '%s', not '%s'", pick.run.id,
			       pick.run.source, source);
		goto out;
	}
	if (pick.found == 2) {
		rc = error_set(err, ERR_IO, "run %s is %s: nothing to roll back", want,
			       pick.run.status);
		goto out;
	}
	if (pick.later.len) {
		rc = error_set(err, ERR_IO,
			       "run %s is not the latest: roll back these runs first, in this order"
			       " (wsmigrate rollback --run ID): %s", pick.run.id, pick.later.buf);
		goto out;
	}
	if (json) {
		json_head(st, &pick.run, to ? to : pick.run.tree_root, dry, force);
		head = 1;
	}
	if (pick.run.archive_path[0]) {
		unsigned flags = (force ? BACKUP_RESTORE_FORCE : 0) | (dry ? BACKUP_RESTORE_DRY_RUN : 0);
		const char *target = to ? to : pick.run.tree_root;

		if ((!quiet || dry) && !json)
			printf("restoring %s into %s%s\n", pick.run.archive_path, target,
			       dry ? " (dry run)" : "");
		rc = backup_restore(pick.run.archive_path, pick.run.archive_sha256, target,
				    flags, on_event, &rc_ctx, err);
		if (rc && rc_ctx.restored) {
			partial_restore(st, &pick.run, target, rc_ctx.restored, err, json);
			partial = 1;
			goto out;
		}
		if (rc == ERR_DATA && dry && !rc_ctx.refused) {
			rc = 0;     /* conflicts only: the dry-run summary below says so */
		} else if (rc == ERR_DATA) {
			if (!json)
				printf("refused: %ld conflict%s, %ld refused; nothing was written%s\n",
			       rc_ctx.conflicts, rc_ctx.conflicts == 1 ? "" : "s", rc_ctx.refused,
			       rc_ctx.conflicts && !rc_ctx.refused ? " (use --force to overwrite)" : "");
			goto out;
		}
		if (rc)
			goto out;
	} else if (!json) {
		printf("run %s has no archive: only the database is reverted\n", pick.run.id);
	}
	if (dry) {
		if ((rc = storage_list_files(st, pick.run.id, count_files, &cc, err)))
			goto out;
		if (json) {
			rc = rc_ctx.conflicts && !force ? ERR_DATA : 0;
			if (rc)
				error_set(err, ERR_DATA, "%ld file%s differ%s from the backup (use --force)",
					  rc_ctx.conflicts, rc_ctx.conflicts == 1 ? "" : "s",
					  rc_ctx.conflicts == 1 ? "s" : "");
			goto out;
		}
		printf("would restore %ld files (%ld identical already, %ld conflicts)\n",
		       rc_ctx.would, rc_ctx.identical, rc_ctx.conflicts);
		printf("would revert run %s: remove the rows of %ld imported files (%ld rows) and put back the rows they replaced\n",
		       pick.run.id, cc.imported, cc.rows);
		rc = rc_ctx.conflicts && !force ? ERR_DATA : 0;
		goto out;
	}
	if ((rc = storage_revert_run(st, pick.run.id, &removed, &restored, err)) ||
	    (rc = storage_commit(st, err)))
		goto out;
	rolled_back = 1;
	if (!json)
		printf("rolled back run %s: %ld files restored, %ld already identical; %lld rows removed, %lld rows restored\n",
	       pick.run.id, rc_ctx.restored, rc_ctx.identical, (long long)removed,
	       (long long)restored);
out:
	if (head)
		json_tail(&rc_ctx, removed, restored, rolled_back, partial, dry ? &cc : NULL,
			  err, rc, t0);
	strbuf_release(&pick.later);
	storage_close(st);
	return rc;
}
