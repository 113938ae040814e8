/*
 * report.c - renders migrate/validate results as text, JSON or HTML.
 * Per-file results are spooled as JSON lines to a temporary file and read
 * back at the end, so a tree of any size renders in flat memory.
 */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "util.h"

struct report {
	FILE *spool;
	long n_lines;
	int failed;
};

struct report *report_new(struct error *err)
{
	struct report *rep = calloc(1, sizeof(*rep));

	if (!rep) {
		error_set(err, ERR_IO, "out of memory");
		return NULL;
	}
	rep->spool = tmpfile();
	if (!rep->spool) {
		free(rep);
		error_set(err, ERR_IO, "cannot create a temporary file for the report");
		return NULL;
	}
	return rep;
}

void report_free(struct report *rep)
{
	if (!rep)
		return;
	if (rep->spool)
		fclose(rep->spool);
	free(rep);
}

static void add_str(struct strbuf *sb, const char *key, const char *v)
{
	strbuf_addf(sb, "\"%s\":", key);
	if (v)
		strbuf_add_json_string(sb, v, strlen(v));
	else
		strbuf_addstr(sb, "null");
}

void report_add_file(struct report *rep, const struct pipeline_file *f)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	strbuf_addstr(&sb, "{");
	add_str(&sb, "path", f->path);
	strbuf_addstr(&sb, ",");
	add_str(&sb, "rule", f->rule);
	strbuf_addstr(&sb, ",");
	add_str(&sb, "outcome", file_outcome_name(f->outcome));
	strbuf_addstr(&sb, ",");
	add_str(&sb, "reason", f->reason);
	strbuf_addf(&sb, ",\"size\":%lld,\"rows\":%zu,\"line\":%ld,\"column\":%ld,\"error_count\":%zu,\"errors\":[",
		    (long long)f->size, f->rows, f->line, f->column,
		    f->outcome == FILE_INVALID ? (f->n_total ? f->n_total : 1) : 0);
	for (i = 0; f->outcome == FILE_INVALID && i < f->n_issues; i++) {
		strbuf_addstr(&sb, i ? ",{" : "{");
		add_str(&sb, "instanceLocation", f->issues[i].instance_location);
		strbuf_addstr(&sb, ",");
		add_str(&sb, "keywordLocation", f->issues[i].keyword_location);
		strbuf_addstr(&sb, ",");
		add_str(&sb, "error", f->issues[i].message);
		strbuf_addstr(&sb, "}");
	}
	strbuf_addstr(&sb, "]}\n");
	if (!sb.buf || fwrite(sb.buf, 1, sb.len, rep->spool) != sb.len)
		rep->failed = 1;
	rep->n_lines++;
	strbuf_release(&sb);
}

void report_add_deleted(struct report *rep, const char *path, int pruned)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, "{");
	add_str(&sb, "path", path);
	strbuf_addf(&sb, ",\"outcome\":\"deleted\",\"pruned\":%s}\n",
		    pruned ? "true" : "false");
	if (!sb.buf || fwrite(sb.buf, 1, sb.len, rep->spool) != sb.len)
		rep->failed = 1;
	strbuf_release(&sb);
}

/* Call fn for each spooled record (parsed), in arrival order. */
static int each_record(struct report *rep, int (*fn)(void *ctx, const cJSON *rec),
		       void *ctx)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	fflush(rep->spool);
	rewind(rep->spool);
	while (!rc && (n = getline(&line, &cap, rep->spool)) > 0) {
		cJSON *rec = cJSON_ParseWithLength(line, (size_t)n);

		if (!rec)
			continue;
		rc = fn(ctx, rec);
		cJSON_Delete(rec);
	}
	free(line);
	fseek(rep->spool, 0, SEEK_END);
	return rc;
}

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double jnum(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static void fput_json_string(FILE *out, const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	if (!s) {
		fputs("null", out);
		return;
	}
	strbuf_add_json_string(&sb, s, strlen(s));
	if (sb.buf)
		fwrite(sb.buf, 1, sb.len, out);
	strbuf_release(&sb);
}

/* ------------------------------------------------------------------ text */

#define C_RED(st)   ((st)->color ? "\033[31m" : "")
#define C_GREEN(st) ((st)->color ? "\033[32m" : "")
#define C_BOLD(st)  ((st)->color ? "\033[1m" : "")
#define C_DIM(st)   ((st)->color ? "\033[2m" : "")
#define C_OFF(st)   ((st)->color ? "\033[0m" : "")

struct text_ctx {
	FILE *out;
	const struct report_style *st;
	const char *rule;       /* only this rule, or "" for unmatched */
	int verbose;
	int only_skipped;
};

static int text_invalid(void *ctx, const cJSON *rec)
{
	struct text_ctx *c = ctx;
	const char *rule = jstr(rec, "rule");
	const char *outcome = jstr(rec, "outcome");
	const cJSON *errs, *e;
	int n = 0;

	if (c->only_skipped) {
		if (outcome && strcmp(outcome, "skipped") == 0)
			fprintf(c->out, "  %s%s%s  (%s)\n", C_DIM(c->st), jstr(rec, "path"),
				C_OFF(c->st), jstr(rec, "reason") ? jstr(rec, "reason") : "skipped");
		return 0;
	}
	if (!outcome || strcmp(outcome, "invalid") != 0)
		return 0;
	if (c->rule && strcmp(c->rule, rule ? rule : "") != 0)
		return 0;
	fprintf(c->out, "  %s%s%s\n", C_RED(c->st), jstr(rec, "path"), C_OFF(c->st));
	errs = cJSON_GetObjectItemCaseSensitive(rec, "errors");
	if (cJSON_GetArraySize(errs) > 0 && jnum(rec, "line") == 0) {
		cJSON_ArrayForEach(e, errs) {
			const char *il = jstr(e, "instanceLocation");
			const char *kl = jstr(e, "keywordLocation");

			fprintf(c->out, "    %s: %s", il && *il ? il : "/", jstr(e, "error"));
			if (kl && *kl)
				fprintf(c->out, "  %s(%s)%s", C_DIM(c->st), kl, C_OFF(c->st));
			fputc('\n', c->out);
			n++;
		}
		if (jnum(rec, "error_count") > n)
			fprintf(c->out, "    ... and %d more errors\n",
				(int)jnum(rec, "error_count") - n);
	} else {
		fprintf(c->out, "    %s\n", jstr(rec, "reason"));
	}
	return 0;
}

static void print_invalid_by_rule(struct report *rep, const struct pipeline_stats *s,
				  const struct report_style *style, FILE *out)
{
	struct text_ctx c = { out, style, NULL, 0, 0 };
	size_t i;

	for (i = 0; i <= s->n_rules; i++) {
		if (!s->rules[i].invalid)
			continue;
		c.rule = s->rules[i].rule ? s->rules[i].rule : "";
		fprintf(out, "\n%sinvalid files of rule %s%s (%lld):\n", C_BOLD(style),
			s->rules[i].rule ? s->rules[i].rule : "(none)", C_OFF(style),
			(long long)s->rules[i].invalid);
		each_record(rep, text_invalid, &c);
	}
}

int report_write_migrate_text(struct report *rep, const struct pipeline_stats *s,
			      const struct report_style *style, FILE *out)
{
	size_t i;

	fprintf(out, "%s%-24s %-22s %7s %8s %9s %7s %7s %8s%s\n", C_BOLD(style),
		"rule", "table", "seen", "imported", "unchanged", "skipped", "invalid",
		"rows", C_OFF(style));
	for (i = 0; i <= s->n_rules; i++) {
		const struct pipeline_rule_stats *r = &s->rules[i];

		if (!r->rule && !r->seen)
			continue;
		fprintf(out, "%-24s %-22s %7lld %8lld %9lld %7lld %s%7lld%s %8lld\n",
			r->rule ? r->rule : "(no rule)", r->table ? r->table : "-",
			(long long)r->seen, (long long)r->imported, (long long)r->unchanged,
			(long long)r->skipped, r->invalid ? C_RED(style) : "",
			(long long)r->invalid, r->invalid ? C_OFF(style) : "", (long long)r->rows);
	}
	fprintf(out, "%s%-24s %-22s %7lld %8lld %9lld %7lld %7lld %8lld%s\n", C_BOLD(style),
		"total", "", (long long)s->seen, (long long)s->imported,
		(long long)s->unchanged, (long long)s->skipped, (long long)s->invalid,
		(long long)s->rows, C_OFF(style));
	fprintf(out, "\n%stable%-19s %10s%s\n", C_BOLD(style), "", "rows written", C_OFF(style));
	for (i = 0; i < s->n_tables; i++)
		fprintf(out, "%-24s %10lld\n", s->tables[i].table, (long long)s->tables[i].rows);
	if (s->skipped) {
		struct text_ctx c = { out, style, NULL, 0, 1 };

		fprintf(out, "\n%sskipped files (%lld):%s\n", C_BOLD(style),
			(long long)s->skipped, C_OFF(style));
		each_record(rep, text_invalid, &c);
	}
	if (s->invalid)
		print_invalid_by_rule(rep, s, style, out);
	fprintf(out, "\n");
	if (s->committed)
		fprintf(out, "%srun %s committed%s to %s: %lld files seen, %lld imported, %lld unchanged, %lld skipped, %lld invalid, %lld deleted, %lld rows in %.2fs\n",
			C_GREEN(style), s->run_id, C_OFF(style), s->db_masked,
			(long long)s->seen, (long long)s->imported, (long long)s->unchanged,
			(long long)s->skipped, (long long)s->invalid, (long long)s->deleted,
			(long long)s->rows, s->duration_s);
	else
		fprintf(out, "%snothing written%s: %lld files seen, %lld valid, %lld skipped, %lld invalid in %.2fs\n",
			s->invalid ? C_RED(style) : "", C_OFF(style), (long long)s->seen,
			(long long)(s->imported + s->unchanged), (long long)s->skipped,
			(long long)s->invalid, s->duration_s);
	if (s->archive_path[0])
		fprintf(out, "backup: %s (sha256 %s)\n", s->archive_path, s->archive_sha256);
	if (style->stats) {
		const struct pipeline_stages *g = &s->stages;

		fprintf(out, "\nstage       seconds\n"
			"walk        %8.3f\nread+hash   %8.3f\nparse       %8.3f\n"
			"validate    %8.3f\nmap         %8.3f\narchive     %8.3f  (writer thread busy %.3f)\n"
			"insert      %8.3f  (storer thread busy %.3f)\ncommit      %8.3f\ntotal       %8.3f\n",
			g->walk, g->read_hash, g->parse, g->validate, g->map, g->archive,
			g->archive_thread, g->insert, g->insert_thread, g->commit, s->duration_s);
	}
	return ferror(out) ? ERR_IO : 0;
}

/* ------------------------------------------------------------------ json */

struct json_ctx {
	FILE *out;
	int first;
	int only_invalid;
};

static int json_invalid_file(void *ctx, const cJSON *rec)
{
	struct json_ctx *c = ctx;
	const char *outcome = jstr(rec, "outcome");

	if (!outcome || strcmp(outcome, "invalid") != 0)
		return 0;
	fputs(c->first ? "\n    {\"path\": " : ",\n    {\"path\": ", c->out);
	c->first = 0;
	fput_json_string(c->out, jstr(rec, "path"));
	fputs(", \"rule\": ", c->out);
	fput_json_string(c->out, jstr(rec, "rule"));
	fputs(", \"reason\": ", c->out);
	fput_json_string(c->out, jstr(rec, "reason"));
	fputs("}", c->out);
	return 0;
}

static int json_skipped_file(void *ctx, const cJSON *rec)
{
	struct json_ctx *c = ctx;
	const char *outcome = jstr(rec, "outcome");

	if (!outcome || strcmp(outcome, "skipped") != 0)
		return 0;
	fputs(c->first ? "\n    {\"path\": " : ",\n    {\"path\": ", c->out);
	c->first = 0;
	fput_json_string(c->out, jstr(rec, "path"));
	fputs(", \"reason\": ", c->out);
	fput_json_string(c->out, jstr(rec, "reason"));
	fputs("}", c->out);
	return 0;
}

static int json_deleted_file(void *ctx, const cJSON *rec)
{
	struct json_ctx *c = ctx;
	const char *outcome = jstr(rec, "outcome");

	if (!outcome || strcmp(outcome, "deleted") != 0)
		return 0;
	fputs(c->first ? "\n    {\"path\": " : ",\n    {\"path\": ", c->out);
	c->first = 0;
	fput_json_string(c->out, jstr(rec, "path"));
	fprintf(c->out, ", \"pruned\": %s}",
		cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "pruned")) ? "true" : "false");
	return 0;
}

static void json_rules(const struct pipeline_stats *s, FILE *out, int validate)
{
	size_t i;
	int first = 1;

	fputs("  \"rules\": [", out);
	for (i = 0; i <= s->n_rules; i++) {
		const struct pipeline_rule_stats *r = &s->rules[i];

		if (!r->rule)
			continue;
		fputs(first ? "\n    {\"rule\": " : ",\n    {\"rule\": ", out);
		first = 0;
		fput_json_string(out, r->rule);
		fputs(", \"table\": ", out);
		fput_json_string(out, r->table);
		if (validate)
			fprintf(out, ", \"files\": %lld, \"valid\": %lld, \"invalid\": %lld}",
				(long long)r->seen, (long long)(r->imported + r->unchanged),
				(long long)r->invalid);
		else
			fprintf(out, ", \"files\": %lld, \"imported\": %lld, \"unchanged\": %lld, \"invalid\": %lld, \"rows\": %lld}",
				(long long)r->seen, (long long)r->imported,
				(long long)r->unchanged, (long long)r->invalid, (long long)r->rows);
	}
	fputs(first ? "],\n" : "\n  ],\n", out);
}

int report_write_migrate_json(struct report *rep, const struct pipeline_stats *s,
			      FILE *out)
{
	struct json_ctx c = { out, 1, 1 };
	const struct pipeline_stages *g = &s->stages;
	size_t i;

	fputs("{\n  \"run_id\": ", out);
	fput_json_string(out, s->run_id[0] ? s->run_id : NULL);
	fputs(",\n  \"db\": ", out);
	fput_json_string(out, s->db_masked[0] ? s->db_masked : NULL);
	fputs(",\n  \"tree\": ", out);
	fput_json_string(out, s->tree_root);
	fprintf(out, ",\n  \"committed\": %s,\n  \"files_seen\": %lld,\n  \"imported\": %lld,\n"
		"  \"unchanged\": %lld,\n  \"skipped\": %lld,\n  \"invalid\": %lld,\n"
		"  \"deleted\": %lld,\n  \"ignored\": %lld,\n  \"rows\": %lld,\n  \"bytes\": %lld,\n",
		s->committed ? "true" : "false", (long long)s->seen, (long long)s->imported,
		(long long)s->unchanged, (long long)s->skipped, (long long)s->invalid,
		(long long)s->deleted, (long long)s->ignored, (long long)s->rows,
		(long long)s->bytes);
	fputs("  \"tables\": {", out);
	for (i = 0; i < s->n_tables; i++) {
		fputs(i ? ", " : "", out);
		fput_json_string(out, s->tables[i].table);
		fprintf(out, ": %lld", (long long)s->tables[i].rows);
	}
	fputs("},\n", out);
	json_rules(s, out, 0);
	fputs("  \"invalid_files\": [", out);
	each_record(rep, json_invalid_file, &c);
	fputs(c.first ? "],\n" : "\n  ],\n", out);
	c.first = 1;
	fputs("  \"skipped_files\": [", out);
	each_record(rep, json_skipped_file, &c);
	fputs(c.first ? "],\n" : "\n  ],\n", out);
	c.first = 1;
	fputs("  \"deleted_files\": [", out);
	each_record(rep, json_deleted_file, &c);
	fputs(c.first ? "],\n" : "\n  ],\n", out);
	fputs("  \"archive\": ", out);
	if (s->archive_path[0]) {
		fputs("{\"path\": ", out);
		fput_json_string(out, s->archive_path);
		fputs(", \"sha256\": ", out);
		fput_json_string(out, s->archive_sha256);
		fputs("},\n", out);
	} else {
		fputs("null,\n", out);
	}
	fprintf(out, "  \"stages\": {\"walk\": %.6f, \"read_hash\": %.6f, \"parse\": %.6f, "
		"\"validate\": %.6f, \"map\": %.6f, \"archive\": %.6f, \"archive_thread\": %.6f, "
		"\"insert\": %.6f, \"insert_thread\": %.6f, \"commit\": %.6f},\n",
		g->walk, g->read_hash, g->parse, g->validate, g->map, g->archive,
		g->archive_thread, g->insert, g->insert_thread, g->commit);
	fprintf(out, "  \"duration_s\": %.6f\n}\n", s->duration_s);
	return ferror(out) ? ERR_IO : 0;
}

/* -------------------------------------------------------------- validate */

int report_write_validate_text(struct report *rep, const struct pipeline_stats *s,
			       const struct report_style *style, FILE *out)
{
	size_t i;

	fprintf(out, "%s%-24s %7s %7s %7s%s\n", C_BOLD(style), "rule", "files", "valid",
		"invalid", C_OFF(style));
	for (i = 0; i < s->n_rules; i++) {
		const struct pipeline_rule_stats *r = &s->rules[i];

		fprintf(out, "%-24s %7lld %s%7lld%s %s%7lld%s\n", r->rule, (long long)r->seen,
			C_GREEN(style), (long long)(r->imported + r->unchanged), C_OFF(style),
			r->invalid ? C_RED(style) : "", (long long)r->invalid,
			r->invalid ? C_OFF(style) : "");
	}
	fprintf(out, "%-24s %7lld\n", "(skipped: no rule)", (long long)s->skipped);
	fprintf(out, "%s%-24s %7lld %7lld %7lld%s\n", C_BOLD(style), "total", (long long)s->seen,
		(long long)(s->imported + s->unchanged), (long long)s->invalid, C_OFF(style));
	if (s->invalid)
		print_invalid_by_rule(rep, s, style, out);
	fprintf(out, "\n%s%lld of %lld files invalid%s (%lld skipped, %lld non-JSON ignored) in %.2fs; nothing was written\n",
		s->invalid ? C_RED(style) : C_GREEN(style), (long long)s->invalid,
		(long long)s->seen, C_OFF(style), (long long)s->skipped,
		(long long)s->ignored, s->duration_s);
	return ferror(out) ? ERR_IO : 0;
}

static int json_any_file(void *ctx, const cJSON *rec)
{
	struct json_ctx *c = ctx;
	const char *outcome = jstr(rec, "outcome");
	const cJSON *errs = cJSON_GetObjectItemCaseSensitive(rec, "errors"), *e;
	int invalid = outcome && strcmp(outcome, "invalid") == 0;
	int skipped = outcome && strcmp(outcome, "skipped") == 0;
	int first = 1;

	fputs(c->first ? "\n    {\"path\": " : ",\n    {\"path\": ", c->out);
	c->first = 0;
	fput_json_string(c->out, jstr(rec, "path"));
	fputs(", \"rule\": ", c->out);
	fput_json_string(c->out, jstr(rec, "rule"));
	fprintf(c->out, ", \"status\": \"%s\", \"valid\": %s", invalid ? "invalid" :
		skipped ? "skipped" : "valid", invalid ? "false" : "true");
	if (invalid) {
		fprintf(c->out, ", \"error_count\": %d, \"errors\": [", (int)jnum(rec, "error_count"));
		cJSON_ArrayForEach(e, errs) {
			fputs(first ? "{\"instanceLocation\": " : ", {\"instanceLocation\": ", c->out);
			first = 0;
			fput_json_string(c->out, jstr(e, "instanceLocation"));
			fputs(", \"keywordLocation\": ", c->out);
			fput_json_string(c->out, jstr(e, "keywordLocation"));
			fputs(", \"error\": ", c->out);
			fput_json_string(c->out, jstr(e, "error"));
			fputs("}", c->out);
		}
		fputs("]", c->out);
		if (jnum(rec, "line") > 0)
			fprintf(c->out, ", \"line\": %d, \"column\": %d", (int)jnum(rec, "line"),
				(int)jnum(rec, "column"));
	} else if (skipped) {
		fputs(", \"reason\": ", c->out);
		fput_json_string(c->out, jstr(rec, "reason"));
	}
	fputs("}", c->out);
	return 0;
}

int report_write_validate_json(struct report *rep, const struct pipeline_stats *s,
			       FILE *out)
{
	struct json_ctx c = { out, 1, 0 };

	fputs("{\n  \"tree\": ", out);
	fput_json_string(out, s->tree_root);
	fprintf(out, ",\n  \"valid\": %s,\n  \"files_seen\": %lld,\n  \"valid_files\": %lld,\n"
		"  \"invalid\": %lld,\n  \"skipped\": %lld,\n  \"ignored\": %lld,\n",
		s->invalid ? "false" : "true", (long long)s->seen,
		(long long)(s->imported + s->unchanged), (long long)s->invalid,
		(long long)s->skipped, (long long)s->ignored);
	json_rules(s, out, 1);
	fputs("  \"files\": [", out);
	each_record(rep, json_any_file, &c);
	fputs(c.first ? "],\n" : "\n  ],\n", out);
	fprintf(out, "  \"duration_s\": %.6f\n}\n", s->duration_s);
	return ferror(out) ? ERR_IO : 0;
}

/* ------------------------------------------------------------------ html */

static void html_escape(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default: fputc(*s, out);
		}
	}
}

static int html_invalid_row(void *ctx, const cJSON *rec)
{
	FILE *out = ((struct json_ctx *)ctx)->out;
	const char *outcome = jstr(rec, "outcome");
	const cJSON *errs = cJSON_GetObjectItemCaseSensitive(rec, "errors"), *e;
	const char *rule = jstr(rec, "rule");
	int n = 0;

	if (!outcome || strcmp(outcome, "invalid") != 0)
		return 0;
	fputs("<tr data-rule=\"", out);
	html_escape(out, rule ? rule : "(none)");
	fputs("\" data-path=\"", out);
	html_escape(out, jstr(rec, "path"));
	fputs("\"><td class=\"p\">", out);
	html_escape(out, jstr(rec, "path"));
	fputs("</td><td>", out);
	html_escape(out, rule ? rule : "(none)");
	fputs("</td><td><ul>", out);
	if (cJSON_GetArraySize(errs) > 0 && jnum(rec, "line") == 0) {
		cJSON_ArrayForEach(e, errs) {
			const char *il = jstr(e, "instanceLocation");

			fputs("<li><code>", out);
			html_escape(out, il && *il ? il : "/");
			fputs("</code> ", out);
			html_escape(out, jstr(e, "error"));
			if (jstr(e, "keywordLocation") && *jstr(e, "keywordLocation")) {
				fputs(" <span class=\"k\">", out);
				html_escape(out, jstr(e, "keywordLocation"));
				fputs("</span>", out);
			}
			fputs("</li>", out);
			n++;
		}
		if (jnum(rec, "error_count") > n)
			fprintf(out, "<li>&hellip; and %d more</li>", (int)jnum(rec, "error_count") - n);
	} else {
		fputs("<li>", out);
		html_escape(out, jstr(rec, "reason"));
		fputs("</li>", out);
	}
	fputs("</ul></td></tr>\n", out);
	return 0;
}

int report_write_validate_html(struct report *rep, const struct pipeline_stats *s,
			       FILE *out)
{
	struct json_ctx c = { out, 1, 0 };
	int64_t maxf = 1;
	size_t i;

	for (i = 0; i < s->n_rules; i++)
		if (s->rules[i].seen > maxf)
			maxf = s->rules[i].seen;
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<title>wsmigrate validation report</title>\n<style>\n"
	      "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fafafa}\n"
	      "h1{font-size:20px;margin:0 0 4px}.sub{color:#666;margin-bottom:16px}\n"
	      ".cards{display:flex;gap:12px;margin:16px 0}.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:10px 16px;min-width:110px}\n"
	      ".card b{display:block;font-size:24px}.ok b{color:#1a7f37}.bad b{color:#cf222e}.skip b{color:#9a6700}\n"
	      "table{border-collapse:collapse;background:#fff;width:100%}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}\n"
	      "th{background:#f0f0f0}.bar{display:flex;height:16px;min-width:2px;border-radius:3px;overflow:hidden}\n"
	      ".bar .v{background:#2da44e}.bar .i{background:#cf222e}td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
	      "td.p{font-family:monospace;word-break:break-all}ul{margin:0;padding-left:18px}.k{color:#888;font-size:12px}\n"
	      ".filters{margin:12px 0;display:flex;gap:8px}input,select{font:inherit;padding:4px}\n"
	      "</style></head><body>\n<h1>wsmigrate validation report</h1>\n<div class=\"sub\">tree <code>", out);
	html_escape(out, s->tree_root);
	fprintf(out, "</code> &middot; %.2fs &middot; nothing was written</div>\n", s->duration_s);
	fprintf(out, "<div class=\"cards\"><div class=\"card\"><b id=\"n-seen\">%lld</b>files seen</div>"
		"<div class=\"card ok\"><b id=\"n-valid\">%lld</b>valid</div>"
		"<div class=\"card bad\"><b id=\"n-invalid\">%lld</b>invalid</div>"
		"<div class=\"card skip\"><b id=\"n-skipped\">%lld</b>skipped (no rule)</div></div>\n",
		(long long)s->seen, (long long)(s->imported + s->unchanged),
		(long long)s->invalid, (long long)s->skipped);
	fputs("<h2>Per rule</h2>\n<table id=\"rules\"><tr><th>rule</th><th>table</th><th>files</th>"
	      "<th>valid</th><th>invalid</th><th style=\"width:40%\">valid / invalid</th></tr>\n", out);
	for (i = 0; i < s->n_rules; i++) {
		const struct pipeline_rule_stats *r = &s->rules[i];
		int64_t v = r->imported + r->unchanged;

		fputs("<tr><td>", out);
		html_escape(out, r->rule);
		fputs("</td><td>", out);
		html_escape(out, r->table);
		fprintf(out, "</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td>"
			"<td><div class=\"bar\" style=\"width:%.1f%%\"><span class=\"v\" style=\"flex:%lld\"></span>"
			"<span class=\"i\" style=\"flex:%lld\"></span></div></td></tr>\n",
			(long long)r->seen, (long long)v, (long long)r->invalid,
			r->seen ? 100.0 * (double)r->seen / (double)maxf : 0.0,
			(long long)v, (long long)r->invalid);
	}
	fputs("</table>\n<h2>Invalid files</h2>\n<div class=\"filters\"><select id=\"rule\"><option value=\"\">all rules</option>", out);
	for (i = 0; i <= s->n_rules; i++) {
		if (!s->rules[i].invalid)
			continue;
		fputs("<option>", out);
		html_escape(out, s->rules[i].rule ? s->rules[i].rule : "(none)");
		fputs("</option>", out);
	}
	fputs("</select><input id=\"q\" type=\"search\" placeholder=\"search path\" size=\"40\">"
	      "<span id=\"shown\"></span></div>\n<table id=\"invalid\"><thead><tr><th>path</th><th>rule</th>"
	      "<th>errors</th></tr></thead><tbody>\n", out);
	each_record(rep, html_invalid_row, &c);
	fputs("</tbody></table>\n<script>\n"
	      "(function(){var r=document.getElementById('rule'),q=document.getElementById('q'),"
	      "rows=document.querySelectorAll('#invalid tbody tr'),sh=document.getElementById('shown');\n"
	      "function f(){var n=0,rv=r.value,qv=q.value.toLowerCase();rows.forEach(function(t){"
	      "var ok=(!rv||t.dataset.rule===rv)&&(!qv||t.dataset.path.toLowerCase().indexOf(qv)>=0);"
	      "t.style.display=ok?'':'none';if(ok)n++;});sh.textContent=n+' shown';}\n"
	      "r.addEventListener('change',f);q.addEventListener('input',f);f();})();\n"
	      "</script>\n</body></html>\n", out);
	(void)rep;
	return ferror(out) ? ERR_IO : 0;
}
