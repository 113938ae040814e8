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

#include "backup.h"
#include "cli.h"
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
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static const char help_text[] =
	"usage: wsmigrate rollback [--run ID|latest] [--source NAME] [--db URL] [--to DIR]\n"
	"                          [--force] [--dry-run]\n\n"
	"  --run ID|latest   the run to undo (default latest); only the newest run of its\n"
	"                    source that is not rolled back can be undone\n"
	"  --source NAME     latest means the latest run of this source (see `runs`)\n"
	"  --to DIR          restore the files under DIR instead of the original tree\n"
	"  --force           overwrite files that changed since the run\n"
	"  --dry-run         print what would be restored and reverted; write nothing\n"
	"exit status: 0 done, 1 conflicts (nothing written), 2 usage, 3 I/O or database\n";

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
	if (ev == BACKUP_IDENTICAL && c->quiet)
		return;
	if (ev == BACKUP_IDENTICAL || (c->quiet && ev == BACKUP_RESTORED))
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

int cmd_rollback(int argc, char **argv, struct error *err)
{
	struct storage *st = NULL;
	struct pick_ctx pick;
	struct restore_ctx rc_ctx;
	struct storage_opts so = { 0 };
	const char *db = NULL, *want = "latest", *to = NULL, *source = NULL;
	int force = 0, dry = 0, quiet = 0, ch, rc;
	int64_t removed = 0, restored = 0;

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
	/* never create a database: there is nothing in it to roll back */
	so.read_only = dry;
	so.must_exist = 1;
	if ((rc = storage_open(cli_default_db(db), &so, &st, err)))
		return rc;
	if ((rc = storage_list_runs(st, pick_run, &pick, err)))
		goto out;
	if (pick.found == 0) {
		rc = strcmp(want, "latest") == 0 && source ?
		     error_set(err, ERR_USAGE, "no committed run of source '%s' to roll back in %s",
			       source, st->url_masked) :
		     strcmp(want, "latest") == 0 ?
		     error_set(err, ERR_USAGE, "no committed run to roll back in %s", st->url_masked) :
		     error_set(err, ERR_USAGE, "no run '%s' in %s", want, st->url_masked);
		goto out;
	}
	if (pick.found == 1 && source && strcmp(source, pick.run.source) != 0) {
		rc = error_set(err, ERR_USAGE, "run %s is of source '%s', not '%s'", pick.run.id,
			       pick.run.source, source);
		goto out;
	}
	if (pick.found == 2) {
		rc = error_set(err, ERR_USAGE, "run %s is %s: nothing to roll back", want,
			       pick.run.status);
		goto out;
	}
	if (pick.later.len) {
		rc = error_set(err, ERR_USAGE,
			       "run %s is not the latest: roll back these runs first, in this order: %s",
			       pick.run.id, pick.later.buf);
		goto out;
	}
	if (pick.run.archive_path[0]) {
		unsigned flags = (force ? BACKUP_RESTORE_FORCE : 0) | (dry ? BACKUP_RESTORE_DRY_RUN : 0);
		const char *target = to ? to : pick.run.tree_root;

		if (!quiet || dry)
			printf("restoring %s into %s%s\n", pick.run.archive_path, target,
			       dry ? " (dry run)" : "");
		rc = backup_restore(pick.run.archive_path, pick.run.archive_sha256, target,
				    flags, on_event, &rc_ctx, err);
		if (rc == ERR_DATA && dry && !rc_ctx.refused) {
			rc = 0;     /* conflicts only: the dry-run summary below says so */
		} else if (rc == ERR_DATA) {
			printf("refused: %ld conflict%s, %ld refused; nothing was written%s\n",
			       rc_ctx.conflicts, rc_ctx.conflicts == 1 ? "" : "s", rc_ctx.refused,
			       rc_ctx.conflicts && !rc_ctx.refused ? " (use --force to overwrite)" : "");
			goto out;
		}
		if (rc)
			goto out;
	} else {
		printf("run %s has no archive: only the database is reverted\n", pick.run.id);
	}
	if (dry) {
		struct count_ctx cc = { 0, 0 };

		if ((rc = storage_list_files(st, pick.run.id, count_files, &cc, err)))
			goto out;
		printf("would restore %ld files (%ld identical already, %ld conflicts)\n",
		       rc_ctx.would, rc_ctx.identical, rc_ctx.conflicts);
		printf("would revert run %s: remove the rows of %ld imported files (%ld rows) and put back the rows they replaced\n",
		       pick.run.id, cc.imported, cc.rows);
		rc = rc_ctx.conflicts && !force ? ERR_DATA : 0;
		goto out;
	}
	if ((rc = storage_revert_run(st, pick.run.id, &removed, &restored, err)))
		goto out;
	printf("rolled back run %s: %ld files restored, %ld already identical; %lld rows removed, %lld rows restored\n",
	       pick.run.id, rc_ctx.restored, rc_ctx.identical, (long long)removed,
	       (long long)restored);
out:
	strbuf_release(&pick.later);
	storage_close(st);
	return rc;
}
