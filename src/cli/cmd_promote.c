/*
 * cmd_promote.c - `wsmigrate promote`: copy an SQLite database made by
 * wsmigrate into PostgreSQL (promote.c), and print a summary table like
 * pgloader's: one line per table with rows, bytes, time and the check.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "promote.h"
#include "util.h"

static const struct option long_opts[] = {
	{ "from", required_argument, NULL, 'f' },
	{ "to", required_argument, NULL, 't' },
	{ "force", no_argument, NULL, 'F' },
	{ "format", required_argument, NULL, 'o' },
	{ "stats", no_argument, NULL, 'S' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static const char help_text[] =
	"usage: wsmigrate promote --from sqlite:PATH --to postgresql://... [--force] [--format text|json]\n"
	"                         [--stats]\n\n"
	"Copy every table of an SQLite database made by wsmigrate (data, history and\n"
	"ledger) into PostgreSQL in one transaction, then verify each table (row count\n"
	"and checksum).  On any failure or mismatch the target is left unchanged.\n\n"
	"  --from URL       the SQLite database (sqlite:PATH or PATH.db)\n"
	"  --to URL         the PostgreSQL database (URL or libpq keyword string)\n"
	"  --force          replace the contents of a target that already has rows\n"
	"  --format FMT     text (default) or json\n"
	"  --stats          print the seconds spent per stage on stderr\n"
	"  -h, --help       this help\n"
	"exit status: 0 copied and verified, 1 verification failed (nothing changed),\n"
	"             2 usage, 3 I/O or database error (or a target that is not empty)\n"
	"\n"
	"examples:\n"
	"  wsmigrate promote --from sqlite:team.db --to postgresql://me@db.example/team\n"
	"  wsmigrate promote --from team.db --to \"host=db.example dbname=team\" --force\n";

static void human_bytes(int64_t b, char *buf, size_t size)
{
	if (b >= 10 * 1024 * 1024)
		snprintf(buf, size, "%.1f MB", (double)b / (1024.0 * 1024.0));
	else if (b >= 10 * 1024)
		snprintf(buf, size, "%.1f kB", (double)b / 1024.0);
	else
		snprintf(buf, size, "%lld B", (long long)b);
}

static void print_text(const struct promote_report *r)
{
	int64_t rows = 0, bytes = 0;
	char hb[32];
	size_t i;
	int ok = 1;

	printf("promote %s -> %s\n\n", r->from, r->to);
	printf("%-36s %12s %12s %9s  %s\n", "table", "rows", "bytes", "time", "ok");
	printf("%-36s %12s %12s %9s  %s\n", "------------------------------------",
	       "------------", "------------", "---------", "--");
	for (i = 0; i < r->n; i++) {
		const struct promote_table *t = &r->tables[i];

		human_bytes(t->bytes, hb, sizeof(hb));
		printf("%-36s %12lld %12s %8.3fs  %s\n", t->name, (long long)t->rows, hb,
		       t->seconds, t->ok ? "yes" : "NO");
		if (!t->ok)
			printf("    rows %lld in SQLite, %lld in PostgreSQL; checksum %.16s... vs %.16s...\n",
			       (long long)t->rows, (long long)t->target_rows, t->source_sum,
			       t->target_sum);
		rows += t->rows;
		bytes += t->bytes;
		ok &= t->ok;
	}
	human_bytes(bytes, hb, sizeof(hb));
	printf("%-36s %12s %12s %9s  %s\n", "------------------------------------",
	       "------------", "------------", "---------", "--");
	printf("%-36s %12lld %12s %8.3fs  %s\n", "total", (long long)rows, hb, r->seconds,
	       ok ? "yes" : "NO");
	if (r->committed)
		printf("\ncommitted: %zu tables copied and verified\n", r->n);
	else
		printf("\nverification failed: rolled back, %s was left unchanged\n", r->to);
}

static void print_json(const struct promote_report *r)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	strbuf_addstr(&sb, "{\"from\": ");
	strbuf_add_json_string(&sb, r->from, strlen(r->from));
	strbuf_addstr(&sb, ", \"to\": ");
	strbuf_add_json_string(&sb, r->to, strlen(r->to));
	strbuf_addf(&sb, ", \"committed\": %s, \"tables\": [",
		    r->committed ? "true" : "false");
	for (i = 0; i < r->n; i++) {
		const struct promote_table *t = &r->tables[i];

		strbuf_addstr(&sb, i ? ",\n  {\"table\": " : "\n  {\"table\": ");
		strbuf_add_json_string(&sb, t->name, strlen(t->name));
		strbuf_addf(&sb, ", \"rows\": %lld, \"target_rows\": %lld, \"bytes\": %lld,"
			    " \"duration_s\": %.3f, \"checksum\": \"%s\", \"target_checksum\": \"%s\","
			    " \"ok\": %s}",
			    (long long)t->rows, (long long)t->target_rows, (long long)t->bytes,
			    t->seconds, t->source_sum, t->target_sum, t->ok ? "true" : "false");
	}
	strbuf_addstr(&sb, "\n], \"stages\": {");
	for (i = 0; i < PROMOTE_N_STAGES; i++)
		strbuf_addf(&sb, "%s\"%s\": %.6f", i ? ", " : "",
			    promote_stage_name((enum promote_stage)i), r->stages[i]);
	strbuf_addf(&sb, "}, \"duration_s\": %.6f}\n", r->seconds);
	fputs(sb.buf, stdout);
	strbuf_release(&sb);
}

/* The time per stage, like migrate --stats; on stderr, so stdout keeps its form. */
static void print_stats(const struct promote_report *r)
{
	double sum = 0;
	size_t i;

	fprintf(stderr, "\nstage            seconds\n");
	for (i = 0; i < PROMOTE_N_STAGES; i++) {
		fprintf(stderr, "%-15s %8.3f\n", promote_stage_name((enum promote_stage)i),
			r->stages[i]);
		sum += r->stages[i];
	}
	if (r->seconds - sum >= 0.0005)
		fprintf(stderr, "%-15s %8.3f\n", "other", r->seconds - sum);
	fprintf(stderr, "%-15s %8.3f\n", "total", r->seconds);
}

int cmd_promote(int argc, char **argv, struct error *err)
{
	struct promote_opts opts = { 0 };
	struct promote_report rep;
	const char *from = NULL, *to = NULL;
	int json = 0, stats = 0, ch, rc;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		switch (ch) {
		case 'f': from = optarg; break;
		case 't': to = optarg; break;
		case 'F': opts.force = 1; break;
		case 'S': stats = 1; break;
		case 'o':
			if (strcmp(optarg, "json") == 0)
				json = 1;
			else if (strcmp(optarg, "text") != 0)
				return error_set(err, ERR_USAGE, "--format wants text or json");
			break;
		case 'h': fputs(help_text, stdout); return 0;
		default: return error_set(err, ERR_USAGE, "unknown option");
		}
	}
	if (optind != argc)
		return error_set(err, ERR_USAGE, "promote takes no arguments (use --from and --to)");
	if (!from || !to)
		return error_set(err, ERR_USAGE, "promote needs --from sqlite:PATH and --to postgresql://...");
	rc = promote_run(from, to, &opts, &rep, err);
	if (rc == 0 || rc == ERR_DATA) {
		if (json)
			print_json(&rep);
		else
			print_text(&rep);
	}
	if (stats && (rc == 0 || rc == ERR_DATA))
		print_stats(&rep);
	promote_report_release(&rep);
	return rc;
}
