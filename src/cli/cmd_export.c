/*
 * cmd_export.c - `wsmigrate export`: the database's documents back out as
 * a tree of JSON files (export.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "export.h"
#include "util.h"

/* Files listed per kind in the text report; the rest are counted. */
#define LIST_CAP 20

static const char usage[] =
	"usage: wsmigrate export --to DIR [--db URL] [--source NAME] [--run ID]\n"
	"                        [--rule NAME|--table NAME] [--force] [--format text|json]\n"
	"\n"
	"Writes the documents of the database as JSON files under DIR, at their\n"
	"recorded paths, with their recorded mode and mtime; an unchanged document\n"
	"comes out byte-identical to the file that was imported.  Read-only on the\n"
	"database.\n"
	"\n"
	"  --to DIR        target folder: new or empty (else --force)\n"
	"  --db URL        the database (default: $WSMIGRATE_DB, $DATABASE_URL,\n"
	"                  sqlite:workspace.db)\n"
	"  --source NAME   only the files of this source, directly under DIR; without\n"
	"                  it, a database of several sources gives each its own\n"
	"                  sub-folder of DIR, named after it (\"/\" written %2F)\n"
	"  --run ID        the documents of its source as they were right after run ID\n"
	"  --rule NAME     only the files of this rule\n"
	"  --table NAME    only the documents of this main table\n"
	"  --force         write into a non-empty DIR, replacing files of the same paths\n"
	"  --format F      text (default) or json\n"
	"  -h, --help      this help\n"
	"\n"
	"Documents edited in the database are written as edited and reported\n"
	"(`edited`); typed columns are not written back (edit _doc).  Exit 0, 1\n"
	"when a document was refused (unsafe path, symlink in the way), 2 usage,\n"
	"3 I/O or database error (or no database at PATH).\n"
	"\n"
	"examples:\n"
	"  wsmigrate export --db sqlite:team.db --to team-tree-back\n"
	"  wsmigrate export --db postgresql://me@db.example/team --to old --run RUN-ID";

static const struct option long_opts[] = {
	{ "to", required_argument, NULL, 't' },
	{ "db", required_argument, NULL, 'd' },
	{ "run", required_argument, NULL, 'r' },
	{ "source", required_argument, NULL, 's' },
	{ "rule", required_argument, NULL, 'R' },
	{ "table", required_argument, NULL, 'T' },
	{ "force", no_argument, NULL, 'F' },
	{ "format", required_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

struct out {
	int json;
	FILE *spill;           /* JSON: the changed files, until the end */
	int64_t n_spilled;
	int64_t listed[4];     /* text: lines printed per kind */
};

static void on_event(void *ctx, const struct export_event *ev)
{
	struct out *o = ctx;

	if (ev->kind == EXPORT_EXACT)
		return;
	if (o->json) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_addstr(&sb, o->n_spilled ? ",\n    {\"path\": " : "\n    {\"path\": ");
		strbuf_add_json_string(&sb, ev->path, strlen(ev->path));
		strbuf_addstr(&sb, ", \"table\": ");
		strbuf_add_json_string(&sb, ev->table, strlen(ev->table));
		strbuf_addf(&sb, ", \"kind\": \"%s\", \"reason\": ", export_kind_name(ev->kind));
		strbuf_add_json_string(&sb, ev->reason ? ev->reason : "",
				       ev->reason ? strlen(ev->reason) : 0);
		strbuf_addstr(&sb, "}");
		if (o->spill && !sb.failed)
			fwrite(sb.buf, 1, sb.len, o->spill);
		strbuf_release(&sb);
		o->n_spilled++;
		return;
	}
	if (o->listed[ev->kind]++ < LIST_CAP)
		printf("  %-9s %s: %s\n", export_kind_name(ev->kind), ev->path,
		       ev->reason ? ev->reason : "");
}

int cmd_export(int argc, char **argv, struct error *err)
{
	struct export_opts eo;
	struct export_summary sum;
	struct out o;
	double t0 = util_monotonic();
	int ch, rc, k;

	memset(&eo, 0, sizeof(eo));
	memset(&o, 0, sizeof(o));
	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		switch (ch) {
		case 't': eo.to = optarg; break;
		case 'd': eo.db = optarg; break;
		case 'r': eo.run_id = optarg; break;
		case 's': eo.source = optarg; break;
		case 'R': eo.rule = optarg; break;
		case 'T': eo.table = optarg; break;
		case 'F': eo.force = 1; break;
		case 'f':
			if (strcmp(optarg, "json") == 0)
				o.json = 1;
			else if (strcmp(optarg, "text") != 0)
				return error_set(err, ERR_USAGE, "--format wants text or json");
			break;
		case 'h':
			puts(usage);
			return 0;
		default: return error_set(err, ERR_USAGE, "unknown option");
		}
	}
	if (optind != argc)
		return error_set(err, ERR_USAGE, "export takes no arguments (the target is --to DIR)");
	if (!eo.to)
		return error_set(err, ERR_USAGE, "export needs --to DIR");
	if (eo.rule && eo.table)
		return error_set(err, ERR_USAGE, "give --rule or --table, not both");
	eo.db = cli_default_db(eo.db);
	if (o.json && !(o.spill = tmpfile()))
		return error_set(err, ERR_IO, "cannot create a temporary file");
	rc = export_run(&eo, on_event, &o, &sum, err);
	if (rc && rc != ERR_DATA) {
		if (o.spill)
			fclose(o.spill);
		return rc;
	}
	if (o.json) {
		struct strbuf sb = STRBUF_INIT;
		char buf[65536];
		size_t n;

		fputs("{\"changed_files\": [", stdout);
		rewind(o.spill);
		while ((n = fread(buf, 1, sizeof(buf), o.spill)) > 0)
			fwrite(buf, 1, n, stdout);
		fclose(o.spill);
		strbuf_addstr(&sb, o.n_spilled ? "\n  ],\n  \"db\": " : "],\n  \"db\": ");
		strbuf_add_json_string(&sb, sum.db_masked, strlen(sum.db_masked));
		strbuf_addstr(&sb, ",\n  \"to\": ");
		strbuf_add_json_string(&sb, eo.to, strlen(eo.to));
		strbuf_addstr(&sb, ",\n  \"run_id\": ");
		if (sum.run_id[0])
			strbuf_add_json_string(&sb, sum.run_id, strlen(sum.run_id));
		else
			strbuf_addstr(&sb, "null");
		strbuf_addf(&sb, ",\n  \"files\": %lld, \"exact\": %lld, \"edited\": %lld,"
			    " \"rewritten\": %lld, \"refused\": %lld, \"bytes\": %llu,"
			    " \"sources\": %lld, \"duration_s\": %.3f\n}\n",
			    (long long)sum.files, (long long)sum.exact, (long long)sum.edited,
			    (long long)sum.rewritten, (long long)sum.refused,
			    (unsigned long long)sum.bytes, (long long)sum.sources,
			    util_monotonic() - t0);
		fputs(sb.buf, stdout);
		strbuf_release(&sb);
		return rc;
	}
	for (k = EXPORT_EDITED; k <= EXPORT_REFUSED; k++)
		if (o.listed[k] > LIST_CAP)
			printf("  ... and %lld more %s\n", (long long)(o.listed[k] - LIST_CAP),
			       export_kind_name((enum export_kind)k));
	printf("export: %lld file%s (%llu bytes) written to %s from %s%s%s\n",
	       (long long)sum.files, sum.files == 1 ? "" : "s", (unsigned long long)sum.bytes,
	       eo.to, sum.db_masked, sum.run_id[0] ? " as of run " : "", sum.run_id);
	if (sum.sources)
		printf("  %lld sources, each in a sub-folder of %s named after it\n",
		       (long long)sum.sources, eo.to);
	printf("  %lld exact, %lld edited in the database, %lld rewritten (same value, "
	       "not the original bytes), %lld refused\n",
	       (long long)sum.exact, (long long)sum.edited, (long long)sum.rewritten,
	       (long long)sum.refused);
	return rc;
}
