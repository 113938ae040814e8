/*
 * cmd_migrate.c - `wsmigrate migrate TREE`: the whole pipeline into the
 * database, with the backup archive, or a dry run with --dry-run.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "internal.h"
#include "manifest.h"
#include "pipeline.h"
#include "report.h"
#include "util.h"
#include "watch.h"

#define MAX_MAP_URI 32

enum {
	OPT_DB = 256, OPT_SCHEMA, OPT_FORMAT, OPT_DRY_RUN, OPT_ON_INVALID,
	OPT_PRUNE, OPT_REHASH, OPT_MAX_FILE, OPT_BACKUP_DIR, OPT_NO_BACKUP,
	OPT_REMOVE, OPT_MAP_URI, OPT_ASSERT_FORMATS, OPT_STATS, OPT_NO_WAIT,
	OPT_TENANT, OPT_SOURCE, OPT_WATCH, OPT_SETTLE
};

static const struct option long_opts[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "schema", required_argument, NULL, OPT_SCHEMA },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "on-invalid", required_argument, NULL, OPT_ON_INVALID },
	{ "prune", no_argument, NULL, OPT_PRUNE },
	{ "rehash", no_argument, NULL, OPT_REHASH },
	{ "max-file-size", required_argument, NULL, OPT_MAX_FILE },
	{ "backup-dir", required_argument, NULL, OPT_BACKUP_DIR },
	{ "no-backup", no_argument, NULL, OPT_NO_BACKUP },
	{ "remove-originals", no_argument, NULL, OPT_REMOVE },
	{ "map-uri", required_argument, NULL, OPT_MAP_URI },
	{ "assert-formats", no_argument, NULL, OPT_ASSERT_FORMATS },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ "no-wait", no_argument, NULL, OPT_NO_WAIT },
	{ "tenant", required_argument, NULL, OPT_TENANT },
	{ "source", required_argument, NULL, OPT_SOURCE },
	{ "watch", no_argument, NULL, OPT_WATCH },
	{ "settle", required_argument, NULL, OPT_SETTLE },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static const char help_text[] =
	"usage: wsmigrate migrate TREE [options]\n\n"
	"  --db URL               sqlite:PATH, PATH.db, postgresql://... (default: $WSMIGRATE_DB,\n"
	"                         $DATABASE_URL, sqlite:workspace.db)\n"
	"  --schema DIR           folder with migration.json (default: $WSMIGRATE_SCHEMA, ./schema,\n"
	"                         the installed share dir)\n"
	"  --format text|json     summary format (default text)\n"
	"  --dry-run              run every stage but write nothing (same report as validate)\n"
	"  --on-invalid abort|skip  abort (default): any invalid file aborts, nothing is written;\n"
	"                         skip: import the rest and record the invalid files\n"
	"  --prune                move the rows of files deleted from the tree to history\n"
	"  --rehash               hash every file even when size and mtime are unchanged\n"
	"  --max-file-size N      refuse larger files (default 64M; K, M, G suffixes)\n"
	"  --backup-dir DIR       where backup archives go (default: $WSMIGRATE_BACKUP_DIR, else\n"
	"                         PATH.backups beside an SQLite database, else the folder of\n"
	"                         the ledger's archives, else ./backups)\n"
	"  --no-backup            write no archive (rollback cannot restore the files)\n"
	"  --remove-originals     after commit and a verified archive, delete the imported files\n"
	"  --map-uri PREFIX=DIR   resolve schema $refs under PREFIX from DIR (repeatable)\n"
	"  --assert-formats       make JSON Schema \"format\" an assertion\n"
	"  --stats                print the time spent per stage\n"
	"  --no-wait              fail at once if another run of the source holds the lock;\n"
	"                         without it, wait up to 10 minutes (saying who holds the\n"
	"                         lock on a terminal and with -v), then fail\n"
	"  --source NAME          the source this tree is (default: its absolute path); deletions,\n"
	"                         --prune and rollback stay inside it\n"
	"  --tenant ID            stamp tenant_id on every row (PostgreSQL, row-level security)\n"
	"  --watch                after the run, watch the tree (inotify) and run again once\n"
	"                         each burst of changes has settled; one line per run;\n"
	"                         SIGINT/SIGTERM: the current run finishes, then exit 0\n"
	"  --settle MS            --watch: quiet time that ends a burst (default 1000)\n"
	"  -q, --quiet            errors only: no progress line, no notes, no summary\n"
	"                         unless something went wrong (then only the problems)\n"
	"  -v, --verbose          more detail (every stage's time, every warning)\n"
	"  -h, --help             this help\n"
	"\n"
	"examples:\n"
	"  wsmigrate migrate agent-tree --db sqlite:team.db\n"
	"  wsmigrate migrate agent-tree --dry-run --format json\n"
	"  wsmigrate migrate agent-tree --db postgresql://me@db.example/team --on-invalid skip\n"
	"  wsmigrate migrate agent-tree --db sqlite:team.db --watch --prune\n";

struct migrate_ctx {
	struct report *rep;
	int quiet;
	int all_files;      /* dry run: the report lists every file */
};

static void on_file(void *ctx, const struct pipeline_file *f)
{
	struct migrate_ctx *mc = ctx;

	/* a real run's report lists only the files that need attention */
	if (mc->all_files || f->outcome == FILE_INVALID || f->outcome == FILE_SKIPPED ||
	    f->warning_total)
		report_add_file(mc->rep, f);
}

static void on_ignored(void *ctx, const char *path)
{
	report_add_ignored(((struct migrate_ctx *)ctx)->rep, path);
}

static void on_run_warning(void *ctx, const struct warning_entry *w)
{
	report_add_run_warning(((struct migrate_ctx *)ctx)->rep, w);
}

static void on_note(void *ctx, enum pipeline_note_kind kind, const char *path,
		    const char *detail)
{
	struct migrate_ctx *mc = ctx;

	if (kind == NOTE_DELETED || kind == NOTE_PRUNED)
		report_add_deleted(mc->rep, path, kind == NOTE_PRUNED);
	cmd_note(&mc->quiet, kind, path, detail);
}

/* ------------------------------------------------------------ --watch */

static volatile sig_atomic_t stop_watch;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_watch = 1;
}

struct watch_ctx {
	int64_t n_invalid;
	char first_invalid[512];
};

static void watch_on_file(void *ctx, const struct pipeline_file *f)
{
	struct watch_ctx *wc = ctx;

	if (f->outcome == FILE_INVALID && !wc->n_invalid++)
		snprintf(wc->first_invalid, sizeof(wc->first_invalid), "%s: %s", f->path,
			 f->reason ? f->reason : "invalid");
}

static void watch_on_note(void *ctx, enum pipeline_note_kind kind, const char *path,
			  const char *detail)
{
	(void)ctx;
	(void)kind;
	(void)path;
	(void)detail;
}

/*
 * One ordinary run, reported on one line.  Returns the run's status; the
 * folder of its archive goes to archive_dir ("" when none).
 */
static int watch_run(struct pipeline_opts *o, int json, char *archive_dir,
		     size_t size, struct error *err)
{
	struct pipeline_stats stats;
	struct watch_ctx wc;
	struct strbuf sb = STRBUF_INIT;
	char when[40];
	int rc;

	memset(&stats, 0, sizeof(stats));
	memset(&wc, 0, sizeof(wc));
	o->on_file = watch_on_file;
	o->on_note = watch_on_note;
	o->on_ignored = NULL;
	o->on_run_warning = NULL;
	o->on_progress = NULL;
	o->ctx = &wc;
	error_clear(err);
	rc = pipeline_run(o, &stats, err);
	util_now_utc(when);
	archive_dir[0] = '\0';
	if (stats.archive_path[0]) {
		char *slash = strrchr(stats.archive_path, '/');

		if (slash)
			snprintf(archive_dir, size, "%.*s", (int)(slash - stats.archive_path),
				 stats.archive_path);
	}
	if (json) {
		strbuf_addf(&sb, "{\"at\": \"%s\", \"run_id\": ", when);
		if (stats.committed && stats.run_id[0])
			strbuf_add_json_string(&sb, stats.run_id, strlen(stats.run_id));
		else
			strbuf_addstr(&sb, "null");
		strbuf_addf(&sb, ", \"committed\": %s, \"imported\": %lld, \"unchanged\": %lld,"
			    " \"deleted\": %lld, \"invalid\": %lld, \"duration_s\": %.3f, \"error\": ",
			    stats.committed ? "true" : "false", (long long)stats.imported,
			    (long long)stats.unchanged, (long long)stats.deleted,
			    (long long)stats.invalid, stats.duration_s);
		if (rc && rc != ERR_DATA)
			strbuf_add_json_string(&sb, err->msg, strlen(err->msg));
		else if (wc.n_invalid)
			strbuf_add_json_string(&sb, wc.first_invalid, strlen(wc.first_invalid));
		else
			strbuf_addstr(&sb, "null");
		strbuf_addstr(&sb, "}");
	} else if (rc && rc != ERR_DATA) {
		strbuf_addf(&sb, "%s failed: %s", when, err->msg);
	} else {
		strbuf_addf(&sb, "%s %s %s: %lld imported, %lld unchanged, %lld deleted,"
			    " %lld invalid (%.2f s)", when,
			    stats.committed ? "run" : "aborted",
			    stats.committed ? stats.run_id : "(nothing written)",
			    (long long)stats.imported, (long long)stats.unchanged,
			    (long long)stats.deleted, (long long)stats.invalid, stats.duration_s);
		if (wc.n_invalid)
			strbuf_addf(&sb, "; first invalid: %s", wc.first_invalid);
	}
	puts(strbuf_str(&sb));
	fflush(stdout);
	strbuf_release(&sb);
	pipeline_stats_release(&stats);
	return rc;
}

/*
 * --watch: a first run, then one run per settled burst of changes, until
 * SIGINT or SIGTERM (the run in progress finishes first; exit 0).  A run
 * that fails on the database or the files is reported and the watch goes
 * on; a usage error (the manifest) ends it.
 */
static int watch_loop(struct pipeline_opts *o, int json, int quiet, int settle_ms,
		      struct error *err)
{
	struct sigaction sa;
	struct watch *w = NULL;
	char adir[4096];
	int rc, r;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/*
	 * Watch before the first run, so nothing written during it is missed;
	 * not the backup folder, where each run writes (made now when given,
	 * so that it can be recognised; else the one the first run chose).
	 */
	if (!o->no_backup && o->backup_dir)
		mkdir(o->backup_dir, 0700);
	if ((rc = watch_open(o->tree, o->no_backup ? NULL : o->backup_dir, &w, err)))
		return rc;
	if (!quiet) {
		if (watch_polling(w))
			fprintf(stderr, "watch: polling %s every %d ms: %s\n", o->tree,
				WATCH_POLL_MS, watch_polling_reason(w));
		fprintf(stderr, "watch: %s (settle %d ms); SIGINT or SIGTERM stops\n",
			o->tree, settle_ms);
	}
	rc = watch_run(o, json, adir, sizeof(adir), err);
	for (;;) {
		if (adir[0])
			watch_exclude(w, adir);
		if (rc == ERR_USAGE || stop_watch ||
		    (r = watch_wait(w, settle_ms, &stop_watch, err)) != 1)
			break;
		rc = watch_run(o, json, adir, sizeof(adir), err);
	}
	watch_close(w);
	if (rc == ERR_USAGE)
		return rc;
	if (!stop_watch)
		return ERR_IO;   /* watch_wait failed: err is set */
	if (!quiet)
		fprintf(stderr, "watch: stopped\n");
	return 0;
}

int cmd_migrate(int argc, char **argv, struct error *err)
{
	struct pipeline_opts o;
	struct pipeline_stats stats;
	struct report_style style = { 0, 0, 0, 0 };
	struct report *rep = NULL;
	struct migrate_ctx mc;
	const char *map_uri[MAX_MAP_URI];
	const char *db = NULL, *schema = NULL, *format = "text";
	char schema_dir[4096];
	int quiet = 0, c, rc, watch = 0, settle_ms = WATCH_DEFAULT_SETTLE_MS;

	memset(&o, 0, sizeof(o));
	memset(&stats, 0, sizeof(stats));
	o.backup_dir = getenv("WSMIGRATE_BACKUP_DIR");
	if (o.backup_dir && !*o.backup_dir)
		o.backup_dir = NULL;
	optind = 0;
	while ((c = getopt_long(argc, argv, "qvh", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_DB: db = optarg; break;
		case OPT_SCHEMA: schema = optarg; break;
		case OPT_FORMAT: format = optarg; break;
		case OPT_DRY_RUN: o.dry_run = 1; break;
		case OPT_ON_INVALID:
			if (strcmp(optarg, "skip") == 0)
				o.skip_invalid = 1;
			else if (strcmp(optarg, "abort") != 0)
				return error_set(err, ERR_USAGE, "--on-invalid wants abort or skip, not '%s'", optarg);
			break;
		case OPT_PRUNE: o.prune = 1; break;
		case OPT_REHASH: o.rehash = 1; break;
		case OPT_MAX_FILE:
			if (cmd_parse_size(optarg, &o.max_file_size))
				return error_set(err, ERR_USAGE, "--max-file-size wants a size like 64M, not '%s'", optarg);
			break;
		case OPT_BACKUP_DIR: o.backup_dir = optarg; break;
		case OPT_NO_BACKUP: o.no_backup = 1; break;
		case OPT_REMOVE: o.remove_originals = 1; break;
		case OPT_MAP_URI:
			if (o.n_map_uri == MAX_MAP_URI)
				return error_set(err, ERR_USAGE, "too many --map-uri (at most %d)", MAX_MAP_URI);
			map_uri[o.n_map_uri++] = optarg;
			break;
		case OPT_ASSERT_FORMATS: o.assert_formats = 1; break;
		case OPT_STATS: style.stats = 1; break;
		case OPT_NO_WAIT: o.storage.no_wait = 1; break;
		case OPT_TENANT: o.storage.tenant = optarg; break;
		case OPT_SOURCE:
			if (!*optarg)
				return error_set(err, ERR_USAGE, "--source wants a non-empty NAME");
			o.storage.source = optarg;
			break;
		case OPT_WATCH: watch = 1; break;
		case OPT_SETTLE: {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (*end || v < 10 || v > 600000)
				return error_set(err, ERR_USAGE, "--settle wants milliseconds (10-600000), not '%s'", optarg);
			settle_ms = (int)v;
			break;
		}
		case 'q': quiet = 1; break;
		case 'v': style.verbose = 1; style.stats = 1; break;
		case 'h': fputs(help_text, stdout); return 0;
		default:
			return error_set(err, ERR_USAGE, "unknown option");
		}
	}
	if (optind != argc - 1)
		return error_set(err, ERR_USAGE, optind >= argc ? "missing TREE" :
				 "too many arguments: give one TREE");
	if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0)
		return error_set(err, ERR_USAGE, "--format wants text or json, not '%s'", format);
	if (o.dry_run && o.remove_originals)
		return error_set(err, ERR_USAGE, "--remove-originals cannot go with --dry-run");
	if (!manifest_find_dir(schema, schema_dir, sizeof(schema_dir), err))
		return ERR_USAGE;
	o.tree = argv[optind];
	o.db_url = cli_default_db(db);
	o.schema_dir = schema_dir;
	o.map_uri = map_uri;
	if (watch) {
		if (o.dry_run || o.remove_originals)
			return error_set(err, ERR_USAGE, "--watch cannot go with %s",
					 o.dry_run ? "--dry-run" : "--remove-originals");
		return watch_loop(&o, strcmp(format, "json") == 0, quiet, settle_ms, err);
	}
	rep = report_new(err);
	if (!rep)
		return ERR_IO;
	mc.rep = rep;
	mc.quiet = quiet;
	mc.all_files = o.dry_run;
	o.on_file = on_file;
	o.on_note = on_note;
	o.on_ignored = on_ignored;
	o.on_run_warning = on_run_warning;
	o.ctx = &mc;
	if (!quiet && isatty(2))
		o.on_progress = cmd_progress;
	if (!quiet && (isatty(2) || style.verbose))
		o.storage.on_lock_wait = cmd_lock_wait;
	style.color = cmd_use_color(stdout);
	rc = pipeline_run(&o, &stats, err);
	if (rc == 0 || rc == ERR_DATA) {
		if (o.dry_run) {
			if (strcmp(format, "json") == 0)
				report_write_validate_json(rep, &stats, stdout);
			else
				report_write_validate_text(rep, &stats, &style, stdout);
		} else if (strcmp(format, "json") == 0) {
			report_write_migrate_json(rep, &stats, stdout);
		} else if (!quiet || rc) {
			style.quiet = quiet;   /* -q: only the problems */
			report_write_migrate_text(rep, &stats, &style, stdout);
		}
	}
	pipeline_stats_release(&stats);
	report_free(rep);
	return rc;
}
