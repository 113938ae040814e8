/*
 * cmd_runs.c - `wsmigrate runs`: one line per run recorded in the ledger.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "report.h"
#include "storage.h"
#include "util.h"

static const char help_text[] =
	"usage: wsmigrate runs [--db URL] [--format text|json|html] [-o FILE|-] [--source NAME]\n"
	"\n"
	"One line per run recorded in the ledger: id, status (committed, rolled_back),\n"
	"finish time, counts, source and archive.  Reads the database only: a database that\n"
	"does not exist is an error (exit 3), never created.\n"
	"\n"
	"  --db URL               the database (default: $WSMIGRATE_DB, $DATABASE_URL,\n"
	"                         sqlite:workspace.db)\n"
	"  --format text|json|html  output format (default text); html: one self-contained\n"
	"                         page with the runs over time, their counts and archives,\n"
	"                         and the rows of each table\n"
	"  -o, --output FILE      write to FILE instead of stdout (-: stdout)\n"
	"  --source NAME          only the runs of this source (text and json)\n"
	"  -h, --help             this help\n"
	"\n"
	"examples:\n"
	"  wsmigrate runs --db sqlite:team.db\n"
	"  wsmigrate runs --format json | jq -r '.runs[-1].run_id'\n"
	"  wsmigrate runs --db sqlite:team.db --format html -o history.html\n";

static const struct option long_opts[] = {
	{ "db", required_argument, NULL, 'd' },
	{ "format", required_argument, NULL, 'f' },
	{ "output", required_argument, NULL, 'o' },
	{ "source", required_argument, NULL, 's' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

struct runs_ctx {
	int json;
	int n;
	const char *source;        /* --source: only its runs */
};

/* ------------------------------------------------------------------ html */

struct html_ctx {
	FILE *out;
	int pass;               /* 0: measure, 1: write */
	long n, i;
	int64_t max_files;      /* tallest bar */
	long long archive_bytes;
};

static long long archive_size(const struct run_info *r)
{
	struct stat sb;

	return r->archive_path[0] && stat(r->archive_path, &sb) == 0 ? (long long)sb.st_size : -1;
}

/* One bar per run, stacked: imported, unchanged, invalid, deleted. */
#define BAR_W 18
#define CHART_H 160

static int html_run(void *ctx, const struct run_info *r)
{
	struct html_ctx *h = ctx;
	int64_t total = r->imported + r->unchanged + r->invalid + r->deleted;
	const int64_t part[4] = { r->imported, r->unchanged, r->invalid, r->deleted };
	static const char *const cls[4] = { "imp", "unc", "inv", "del" };
	double y = CHART_H;
	long long size;
	int k;

	if (h->pass == 0) {
		h->n++;
		if (total > h->max_files)
			h->max_files = total;
		size = archive_size(r);
		if (size > 0)
			h->archive_bytes += size;
		return 0;
	}
	if (h->pass == 1) {
		fprintf(h->out, "<g class=\"run\" data-run=\"");
		report_html_escape(h->out, r->id);
		fprintf(h->out, "\"><title>");
		report_html_escape(h->out, r->id);
		fprintf(h->out, " (%s): %lld imported, %lld unchanged, %lld invalid, %lld deleted</title>",
			r->status, (long long)r->imported, (long long)r->unchanged,
			(long long)r->invalid, (long long)r->deleted);
		for (k = 0; k < 4; k++) {
			double hgt = h->max_files ? (double)part[k] * CHART_H / (double)h->max_files : 0;

			if (part[k] <= 0)
				continue;
			y -= hgt;
			fprintf(h->out, "<rect class=\"%s\" x=\"%ld\" y=\"%.1f\" width=\"%d\" height=\"%.1f\"/>",
				cls[k], h->i * (BAR_W + 4) + 2, y, BAR_W, hgt < 1 ? 1 : hgt);
		}
		fputs("</g>\n", h->out);
		h->i++;
		return 0;
	}
	size = archive_size(r);
	fputs("<tr class=\"", h->out);
	report_html_escape(h->out, r->status);
	fputs("\"><td class=\"id\">", h->out);
	report_html_escape(h->out, r->id);
	fputs("</td><td>", h->out);
	report_html_escape(h->out, r->status);
	fputs("</td><td>", h->out);
	report_html_escape(h->out, r->finished_at);
	fprintf(h->out, "</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td>"
		"<td class=\"n\">%lld</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td>"
		"<td class=\"n\">%lld</td><td class=\"n\">%lld</td><td class=\"n\">",
		(long long)r->files_seen, (long long)r->imported, (long long)r->unchanged,
		(long long)r->skipped, (long long)r->invalid, (long long)r->deleted,
		(long long)r->rows_written, (long long)r->warnings);
	if (size >= 0)
		fprintf(h->out, "%lld", size);
	else
		fputs(r->archive_path[0] ? "missing" : "-", h->out);
	fputs("</td><td class=\"p\">", h->out);
	report_html_escape(h->out, r->archive_path[0] ? r->archive_path : "-");
	fputs("</td></tr>\n", h->out);
	return 0;
}

/* One row of the table of data tables. */
static int html_table(void *ctx, const char *table, int is_child, int64_t rows)
{
	FILE *out = ctx;

	fputs("<tr><td class=\"t\">", out);
	report_html_escape(out, table);
	fprintf(out, "</td><td>%s</td><td class=\"n\">", is_child ? "child" : "main");
	if (rows >= 0)
		fprintf(out, "%lld", (long long)rows);
	else
		fputs("missing", out);
	fputs("</td></tr>\n", out);
	return 0;
}

/*
 * The database's history as one self-contained page: a stacked bar per run
 * (imported, unchanged, invalid, deleted), a table of every run with its
 * counts and archive size, and the current rows of each data table.  Two
 * passes over the ledger (measure, then draw), so memory does not grow
 * with the number of runs.
 */
static int runs_html(struct storage *st, FILE *out, struct error *err)
{
	struct html_ctx h = { out, 0, 0, 0, 0, 0 };
	int rc;

	if ((rc = storage_list_runs(st, html_run, &h, err)))
		return rc;
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<title>wsmigrate runs</title>\n<style>\n"
	      "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fafafa}\n"
	      "h1{font-size:20px;margin:0 0 4px}.sub{color:#666;margin-bottom:16px}\n"
	      ".cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:10px 16px;min-width:110px}\n"
	      ".card b{display:block;font-size:24px}\n"
	      "svg{background:#fff;border:1px solid #ddd;max-width:100%}.imp{fill:#2da44e}.unc{fill:#8c959f}.inv{fill:#cf222e}.del{fill:#9a6700}\n"
	      ".legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}\n"
	      "table{border-collapse:collapse;background:#fff;width:100%;margin-top:16px}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left}\n"
	      "th{background:#f0f0f0}td.n{text-align:right;font-variant-numeric:tabular-nums}td.id{font-family:monospace;white-space:nowrap}td.p{font-family:monospace;word-break:break-all}td.t{font-family:monospace}\n"
	      "tr.rolled_back td{color:#888;text-decoration:line-through}\n"
	      "</style></head><body>\n<h1>wsmigrate runs</h1>\n<div class=\"sub\">database <code>", out);
	report_html_escape(out, st->url_masked);
	fprintf(out, "</code></div>\n<div class=\"cards\"><div class=\"card\"><b id=\"n-runs\">%ld</b>runs</div>"
		"<div class=\"card\"><b id=\"archive-bytes\">%lld</b>bytes of archives</div></div>\n",
		h.n, h.archive_bytes);
	if (!h.n) {
		fputs("<p id=\"empty\">no runs recorded</p>\n</body></html>\n", out);
		return ferror(out) ? ERR_IO : 0;
	}
	fprintf(out, "<h2>Files per run</h2>\n<div class=\"legend\"><span class=\"imp\" style=\"background:#2da44e\"></span>imported"
		"<span style=\"background:#8c959f\"></span>unchanged<span style=\"background:#cf222e\"></span>invalid"
		"<span style=\"background:#9a6700\"></span>deleted (max %lld files)</div>\n"
		"<svg id=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%ld\" height=\"%d\" viewBox=\"0 0 %ld %d\">\n",
		(long long)h.max_files, h.n * (BAR_W + 4) + 4, CHART_H, h.n * (BAR_W + 4) + 4, CHART_H);
	h.pass = 1;
	if ((rc = storage_list_runs(st, html_run, &h, err)))
		return rc;
	fputs("</svg>\n<h2>Runs</h2>\n<table id=\"runs\"><thead><tr><th>run</th><th>status</th><th>finished</th>"
	      "<th>seen</th><th>imported</th><th>unchanged</th><th>skipped</th><th>invalid</th>"
	      "<th>deleted</th><th>rows</th><th>warnings</th><th>archive bytes</th><th>archive</th></tr></thead><tbody>\n", out);
	h.pass = 2;
	if ((rc = storage_list_runs(st, html_run, &h, err)))
		return rc;
	fputs("</tbody></table>\n<h2>Rows per table</h2>\n<table id=\"tables\"><thead><tr><th>table</th>"
	      "<th>kind</th><th>rows</th></tr></thead><tbody>\n", out);
	if ((rc = storage_table_counts(st, html_table, out, err)))
		return rc;
	fputs("</tbody></table>\n</body></html>\n", out);
	return ferror(out) ? ERR_IO : 0;
}

static int print_run(void *ctx, const struct run_info *r)
{
	struct runs_ctx *c = ctx;

	if (c->source && strcmp(c->source, r->source) != 0)
		return 0;
	if (c->json) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_addstr(&sb, c->n ? ",\n  {\"run_id\": " : "\n  {\"run_id\": ");
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
	struct storage_opts ro = { 0 };
	const char *db = NULL, *output = NULL;
	FILE *out = stdout;
	int ch, rc, html = 0;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "o:h", long_opts, NULL)) != -1) {
		switch (ch) {
		case 'd': db = optarg; break;
		case 's': c.source = optarg; break;
		case 'f':
			c.json = strcmp(optarg, "json") == 0;
			html = strcmp(optarg, "html") == 0;
			if (!c.json && !html && strcmp(optarg, "text") != 0)
				return error_set(err, ERR_USAGE, "--format wants text, json or html");
			break;
		case 'o': output = strcmp(optarg, "-") == 0 ? NULL : optarg; break;
		case 'h': fputs(help_text, stdout); return 0;
		default: return error_set(err, ERR_USAGE, "unknown option");
		}
	}
	if (optind != argc)
		return error_set(err, ERR_USAGE, "runs takes no arguments");
	if (output && !html)
		return error_set(err, ERR_USAGE, "-o FILE goes with --format html");
	ro.read_only = 1;      /* a mistyped --db must not create a database */
	if ((rc = storage_open(cli_default_db(db), &ro, &st, err)))
		return rc;
	if (output && !(out = fopen(output, "w"))) {
		rc = error_set(err, ERR_IO, "cannot write '%s': %s", output, strerror(errno));
		storage_close(st);
		return rc;
	}
	if (html) {
		rc = runs_html(st, out, err);
		if (out != stdout && fclose(out) != 0 && !rc)
			rc = error_set(err, ERR_IO, "cannot write '%s'", output);
		storage_close(st);
		return rc;
	}
	if (c.json) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_addstr(&sb, "{\"db\": ");
		strbuf_add_json_string(&sb, st->url_masked, strlen(st->url_masked));
		strbuf_addstr(&sb, ", \"runs\": [");
		if (sb.buf)
			fputs(sb.buf, stdout);
		strbuf_release(&sb);
	}
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
