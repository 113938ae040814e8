/*
 * cmd_migrate.c - `wsmigrate migrate TREE`: the whole pipeline into the
 * database, with the backup archive, or a dry run with --dry-run.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "internal.h"
#include "manifest.h"
#include "pipeline.h"
#include "report.h"

#define MAX_MAP_URI 32

enum {
	OPT_DB = 256, OPT_SCHEMA, OPT_FORMAT, OPT_DRY_RUN, OPT_ON_INVALID,
	OPT_PRUNE, OPT_REHASH, OPT_MAX_FILE, OPT_BACKUP_DIR, OPT_NO_BACKUP,
	OPT_REMOVE, OPT_MAP_URI, OPT_ASSERT_FORMATS, OPT_STATS, OPT_NO_WAIT,
	OPT_TENANT, OPT_SOURCE
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
	"  --no-wait              fail at once if another run of the source holds the lock\n"
	"  --source NAME          the source this tree is (default: its absolute path); deletions,\n"
	"                         --prune and rollback stay inside it\n"
	"  --tenant ID            stamp tenant_id on every row (PostgreSQL, row-level security)\n"
	"  -q, --quiet            errors only: no progress line, no notes, no summary\n"
	"                         unless something went wrong (then only the problems)\n"
	"  -v, --verbose          more detail (every stage's time, every warning)\n"
	"  -h, --help             this help\n"
	"\n"
	"examples:\n"
	"  wsmigrate migrate agent-tree --db sqlite:team.db\n"
	"  wsmigrate migrate agent-tree --dry-run --format json\n"
	"  wsmigrate migrate agent-tree --db postgresql://me@db.example/team --on-invalid skip\n";

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
	int quiet = 0, c, rc;

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
