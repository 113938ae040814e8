/*
 * cmd_runs.c - `wsmigrate runs`: one line per run recorded in the ledger.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "storage.h"
#include "util.h"

static const struct option long_opts[] = {
	{ "db", required_argument, NULL, 'd' },
	{ "format", required_argument, NULL, 'f' },
	{ "source", required_argument, NULL, 's' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

struct runs_ctx {
	int json;
	int n;
	const char *source;        /* --source: only its runs */
};

static int print_run(void *ctx, const struct run_info *r)
{
	struct runs_ctx *c = ctx;

	if (c->source && strcmp(c->source, r->source) != 0)
		return 0;
	if (c->json) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_addstr(&sb, c->n ? ",\n  {\"id\": " : "\n  {\"id\": ");
		strbuf_add_json_string(&sb, r->id, strlen(r->id));
		strbuf_addf(&sb, ", \"seq\": %lld, \"status\": \"%s\", \"started_at\": \"%s\", \"finished_at\": \"%s\", \"tree\": ",
			    (long long)r->seq, r->status, r->started_at, r->finished_at);
		strbuf_add_json_string(&sb, r->tree_root, strlen(r->tree_root));
		strbuf_addstr(&sb, ", \"source\": ");
		strbuf_add_json_string(&sb, r->source, strlen(r->source));
		strbuf_addstr(&sb, ", \"host\": ");
		if (r->host[0])
			strbuf_add_json_string(&sb, r->host, strlen(r->host));
		else
			strbuf_addstr(&sb, "null");
		strbuf_addstr(&sb, ", \"tenant\": ");
		if (r->tenant[0])
			strbuf_add_json_string(&sb, r->tenant, strlen(r->tenant));
		else
			strbuf_addstr(&sb, "null");
		strbuf_addf(&sb, ", \"files_seen\": %lld, \"imported\": %lld, \"unchanged\": %lld, \"skipped\": %lld, \"invalid\": %lld, \"deleted\": %lld, \"rows\": %lld, \"warnings\": %lld, \"archive\": ",
			    (long long)r->files_seen, (long long)r->imported, (long long)r->unchanged,
			    (long long)r->skipped, (long long)r->invalid, (long long)r->deleted,
			    (long long)r->rows_written, (long long)r->warnings);
		if (r->archive_path[0])
			strbuf_add_json_string(&sb, r->archive_path, strlen(r->archive_path));
		else
			strbuf_addstr(&sb, "null");
		strbuf_addstr(&sb, ", \"manifest_sha256\": ");
		strbuf_add_json_string(&sb, r->manifest_sha256, strlen(r->manifest_sha256));
		strbuf_addstr(&sb, "}");
		fputs(sb.buf, stdout);
		strbuf_release(&sb);
	} else {
		if (!c->n)
			printf("%-24s %-11s %-20s %6s %8s %9s %7s %7s %7s %8s  %s  %s\n", "run", "status",
			       "finished", "seen", "imported", "unchanged", "skipped", "invalid",
			       "rows", "warnings", "source", "archive");
		printf("%-24s %-11s %-20.19s %6lld %8lld %9lld %7lld %7lld %7lld %8lld  %s  %s\n", r->id,
		       r->status, r->finished_at, (long long)r->files_seen, (long long)r->imported,
		       (long long)r->unchanged, (long long)r->skipped, (long long)r->invalid,
		       (long long)r->rows_written, (long long)r->warnings, r->source,
		       r->archive_path[0] ? r->archive_path : "-");
	}
	c->n++;
	return 0;
}

int cmd_runs(int argc, char **argv, struct error *err)
{
	struct storage *st = NULL;
	struct runs_ctx c = { 0, 0, NULL };
	const char *db = NULL;
	int ch, rc;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		switch (ch) {
		case 'd': db = optarg; break;
		case 's': c.source = optarg; break;
		case 'f':
			if (strcmp(optarg, "json") == 0)
				c.json = 1;
			else if (strcmp(optarg, "text") != 0)
				return error_set(err, ERR_USAGE, "--format wants text or json");
			break;
		case 'h':
			puts("usage: wsmigrate runs [--db URL] [--format text|json] [--source NAME]\n\n"
			     "  --source NAME   only the runs of this source (each run shows its source)");
			return 0;
		default: return error_set(err, ERR_USAGE, "unknown option");
		}
	}
	if (optind != argc)
		return error_set(err, ERR_USAGE, "runs takes no arguments");
	if ((rc = storage_open(cli_default_db(db), NULL, &st, err)))
		return rc;
	if (c.json)
		fputs("{\"runs\": [", stdout);
	rc = storage_list_runs(st, print_run, &c, err);
	if (c.json)
		fputs(c.n ? "\n]}\n" : "]}\n", stdout);
	else if (!rc && !c.n && c.source)
		printf("no runs of source '%s' recorded in %s\n", c.source, st->url_masked);
	else if (!rc && !c.n)
		printf("no runs recorded in %s\n", st->url_masked);
	storage_close(st);
	return rc;
}
