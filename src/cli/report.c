/*
 * cli/report.c - renders migrate/validate results as text, JSON or HTML.
 * Per-file results, ignored files and run warnings are spooled as JSON
 * lines to a temporary file and read back at the end, so a tree of any
 * size renders in flat memory.  Text lists are capped ("... and N more");
 * JSON lists are complete.
 */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "util.h"

/* Entries a text list shows before "... and N more". */
#define TEXT_CAP 20
/* Warnings shown per file in text. */
#define TEXT_FILE_WARNINGS 3
/* Entries an HTML list shows before "... and N more" (the page stays light). */
#define HTML_CAP 1000

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

static void spool(struct report *rep, struct strbuf *sb)
{
	if (!sb->buf || sb->failed || fwrite(sb->buf, 1, sb->len, rep->spool) != sb->len)
		rep->failed = 1;
	rep->n_lines++;
	strbuf_release(sb);
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
	strbuf_addf(&sb, "],\"warning_count\":%zu,\"warnings\":[", f->warning_total);
	for (i = 0; i < f->n_warnings; i++) {
		strbuf_addstr(&sb, i ? ",{" : "{");
		add_str(&sb, "pointer", f->warnings[i].pointer);
		strbuf_addstr(&sb, ",");
		add_str(&sb, "column", f->warnings[i].column);
		strbuf_addstr(&sb, ",");
		add_str(&sb, "table", f->warnings[i].table);
		strbuf_addstr(&sb, ",");
		add_str(&sb, "message", f->warnings[i].message);
		strbuf_addstr(&sb, "}");
	}
	strbuf_addstr(&sb, "]}\n");
	spool(rep, &sb);
}

void report_add_deleted(struct report *rep, const char *path, int pruned)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, "{");
	add_str(&sb, "path", path);
	strbuf_addf(&sb, ",\"outcome\":\"deleted\",\"pruned\":%s}\n",
		    pruned ? "true" : "false");
	spool(rep, &sb);
}

void report_add_ignored(struct report *rep, const char *path)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, "{");
	add_str(&sb, "path", path);
	strbuf_addstr(&sb, ",\"outcome\":\"ignored\"}\n");
	spool(rep, &sb);
}

void report_add_run_warning(struct report *rep, const struct warning_entry *w)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, "{\"outcome\":\"run_warning\",");
	add_str(&sb, "kind", w->kind);
	strbuf_addstr(&sb, ",");
	add_str(&sb, "path", w->path);
	strbuf_addstr(&sb, ",");
	add_str(&sb, "rule", w->rule);
	strbuf_addstr(&sb, ",");
	add_str(&sb, "table", w->table);
	strbuf_addstr(&sb, ",");
	add_str(&sb, "column", w->column);
	strbuf_addstr(&sb, ",");
	add_str(&sb, "message", w->message);
	strbuf_addstr(&sb, "}\n");
	spool(rep, &sb);
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

static int is_outcome(const cJSON *rec, const char *o)
{
	const char *s = jstr(rec, "outcome");

	return s && strcmp(s, o) == 0;
}

/*
 * Length of the valid UTF-8 sequence at s (n bytes left), or 0 when the
 * byte there starts none (overlong forms, surrogates and values over
 * U+10FFFF are invalid, as in RFC 3629).
 */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

static int utf8_valid(const char *s)
{
	size_t n = strlen(s), i = 0, l;

	while (i < n) {
		if (!(l = utf8_len((const unsigned char *)s + i, n - i)))
			return 0;
		i += l;
	}
	return 1;
}

/*
 * A JSON string that stays valid whatever the bytes: each byte that
 * starts no valid UTF-8 sequence becomes U+FFFD (fput_json_path keeps
 * the exact bytes beside it).
 */
static void fput_json_string(FILE *out, const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	size_t n, i = 0, l;

	if (!s) {
		fputs("null", out);
		return;
	}
	n = strlen(s);
	if (utf8_valid(s)) {
		strbuf_add_json_string(&sb, s, n);
	} else {
		struct strbuf clean = STRBUF_INIT;

		while (i < n) {
			l = utf8_len((const unsigned char *)s + i, n - i);
			strbuf_add(&clean, l ? s + i : "\xef\xbf\xbd", l ? l : 3);
			i += l ? l : 1;
		}
		if (clean.buf)
			strbuf_add_json_string(&sb, clean.buf, clean.len);
		strbuf_release(&clean);
	}
	if (sb.buf)
		fwrite(sb.buf, 1, sb.len, out);
	strbuf_release(&sb);
}

/*
 * A file name as the value of "path" in an object: the JSON string, and
 * when the name is not UTF-8, its exact bytes as "path_base64" after it.
 */
static void fput_json_path(FILE *out, const char *s)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = (const unsigned char *)s;
	size_t n, i;

	fput_json_string(out, s);
	if (!s || utf8_valid(s))
		return;
	n = strlen(s);
	fputs(", \"path_base64\": \"", out);
	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];

		fputc(b64[v >> 18], out);
		fputc(b64[v >> 12 & 63], out);
		fputc(b64[v >> 6 & 63], out);
		fputc(b64[v & 63], out);
	}
	if (n - i == 1) {
		fputc(b64[p[i] >> 2], out);
		fputc(b64[(p[i] & 3) << 4], out);
		fputs("==", out);
	} else if (n - i == 2) {
		unsigned v = (unsigned)p[i] << 8 | p[i + 1];

		fputc(b64[v >> 10], out);
		fputc(b64[v >> 4 & 63], out);
		fputc(b64[(v & 15) << 2], out);
		fputc('=', out);
	}
	fputc('"', out);
}

/*
 * A name in text output, quoted the way git quotes paths when it holds a
 * control character, a quote, a backslash or bytes that are not UTF-8:
 * "a\033[31mb" -- so no byte of a file name reaches the terminal raw.
 */
static void fput_name(FILE *out, const char *s)
{
	size_t n, i = 0, l;
	int quote = 0;

	if (!s) {
		fputs("(none)", out);
		return;
	}
	n = strlen(s);
	for (i = 0; i < n && !quote; i++) {
		unsigned char c = (unsigned char)s[i];

		quote = c < 0x20 || c == 0x7f || c == '"' || c == '\\';
	}
	if (!quote && utf8_valid(s)) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (i = 0; i < n; i += l) {
		unsigned char c = (unsigned char)s[i];

		l = c >= 0x80 ? utf8_len((const unsigned char *)s + i, n - i) : 1;
		if (c >= 0x80 && l) {
			fwrite(s + i, 1, l, out);
			continue;
		}
		l = 1;
		switch (c) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\a': fputs("\\a", out); break;
		case '\b': fputs("\\b", out); break;
		case '\t': fputs("\\t", out); break;
		case '\n': fputs("\\n", out); break;
		case '\v': fputs("\\v", out); break;
		case '\f': fputs("\\f", out); break;
		case '\r': fputs("\\r", out); break;
		default:
			if (c < 0x20 || c >= 0x7f)
				fprintf(out, "\\%03o", c);
			else
				fputc(c, out);
		}
	}
	fputc('"', out);
}

static double pct(int64_t part, int64_t whole)
{
	return whole > 0 ? 100.0 * (double)part / (double)whole : 0.0;
}

/* The rule stats of the catch-all, or NULL. */
static const struct pipeline_rule_stats *catch_all_stats(const struct pipeline_stats *s)
{
	size_t i;

	for (i = 0; i < s->n_rules; i++)
		if (s->rules[i].catch_all)
			return &s->rules[i];
	return NULL;
}

/* Files that a typed rule (not the catch-all) took, valid or not. */
static int64_t typed_files(const struct pipeline_stats *s)
{
	const struct pipeline_rule_stats *ca = catch_all_stats(s);
	int64_t n = 0;
	size_t i;

	for (i = 0; i < s->n_rules; i++)
		if (&s->rules[i] != ca)
			n += s->rules[i].seen;
	return n;
}

/* A catch-all file: one its rule took and found valid. */
static int is_catch_all_file(const cJSON *rec, const char *ca)
{
	const char *rule = jstr(rec, "rule");

	return ca && rule && strcmp(rule, ca) == 0 &&
	       (is_outcome(rec, "imported") || is_outcome(rec, "unchanged"));
}

/* ------------------------------------------------------------------ text */

#define C_RED(st)    ((st)->color ? "\033[31m" : "")
#define C_GREEN(st)  ((st)->color ? "\033[32m" : "")
#define C_YELLOW(st) ((st)->color ? "\033[33m" : "")
#define C_BOLD(st)   ((st)->color ? "\033[1m" : "")
#define C_DIM(st)    ((st)->color ? "\033[2m" : "")
#define C_OFF(st)    ((st)->color ? "\033[0m" : "")

struct text_ctx {
	FILE *out;
	const struct report_style *st;
	const char *rule;       /* only this rule, or "" for unmatched */
	int verbose;            /* every file, not the first TEXT_CAP */
	int only_skipped;
	long n;                 /* files matched so far */
};

static int text_invalid(void *ctx, const cJSON *rec)
{
	struct text_ctx *c = ctx;
	const char *rule = jstr(rec, "rule");
	const cJSON *errs, *e;
	int n = 0;

	if (c->only_skipped) {
		if (is_outcome(rec, "skipped") && (c->n++ < TEXT_CAP || c->verbose)) {
			fprintf(c->out, "  %s", C_DIM(c->st));
			fput_name(c->out, jstr(rec, "path"));
			fprintf(c->out, "%s  (%s)\n", C_OFF(c->st),
				jstr(rec, "reason") ? jstr(rec, "reason") : "skipped");
		}
		return 0;
	}
	if (!is_outcome(rec, "invalid"))
		return 0;
	if (c->rule && strcmp(c->rule, rule ? rule : "") != 0)
		return 0;
	if (c->n++ >= TEXT_CAP && !c->verbose)
		return 0;
	fprintf(c->out, "  %s", C_RED(c->st));
	fput_name(c->out, jstr(rec, "path"));
	fprintf(c->out, "%s\n", C_OFF(c->st));
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

/*
 * Identical errors of one rule, grouped: "16 files: /last_updated: is not
 * a date-time".  Distinct messages are kept up to ERR_GROUPS_MAX (the rest
 * only listed per file), so memory stays bounded whatever the tree.
 */
#define ERR_GROUPS_MAX 512

struct err_group {
	char *msg;
	long files;
	long last;              /* the file that counted last (once per file) */
};

struct group_ctx {
	const char *rule;
	struct err_group *g;
	size_t n;
	long file;
};

static void group_add(struct group_ctx *c, const char *il, const char *msg)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	strbuf_addf(&sb, "%s: %s", il && *il ? il : "/", msg ? msg : "");
	if (!sb.buf)
		return;
	for (i = 0; i < c->n; i++)
		if (strcmp(c->g[i].msg, sb.buf) == 0)
			break;
	if (i < c->n) {
		if (c->g[i].last != c->file) {
			c->g[i].files++;
			c->g[i].last = c->file;
		}
		strbuf_release(&sb);
		return;
	}
	if (c->n == ERR_GROUPS_MAX) {
		strbuf_release(&sb);
		return;
	}
	c->g[c->n].msg = strbuf_detach(&sb);
	c->g[c->n].files = 1;
	c->g[c->n].last = c->file;
	c->n++;
}

static int group_cb(void *ctx, const cJSON *rec)
{
	struct group_ctx *c = ctx;
	const char *rule = jstr(rec, "rule");
	const cJSON *errs, *e;

	if (!is_outcome(rec, "invalid") || strcmp(c->rule, rule ? rule : "") != 0)
		return 0;
	c->file++;
	errs = cJSON_GetObjectItemCaseSensitive(rec, "errors");
	if (cJSON_GetArraySize(errs) > 0 && jnum(rec, "line") == 0)
		cJSON_ArrayForEach(e, errs)
			group_add(c, jstr(e, "instanceLocation"), jstr(e, "error"));
	return 0;
}

static int group_cmp(const void *a, const void *b)
{
	const struct err_group *x = a, *y = b;

	return x->files != y->files ? (x->files < y->files ? 1 : -1) : strcmp(x->msg, y->msg);
}

static void print_error_groups(struct report *rep, const char *rule,
			       const struct report_style *style, FILE *out)
{
	struct group_ctx c = { rule, NULL, 0, 0 };
	size_t i, shown = 0;

	c.g = calloc(ERR_GROUPS_MAX, sizeof(*c.g));
	if (!c.g)
		return;
	each_record(rep, group_cb, &c);
	qsort(c.g, c.n, sizeof(*c.g), group_cmp);
	for (i = 0; i < c.n && c.g[i].files > 1; i++) {
		if (!shown++)
			fprintf(out, "  %serrors shared by several files:%s\n", C_BOLD(style),
				C_OFF(style));
		if (shown <= TEXT_CAP)
			fprintf(out, "    %ld files: %s\n", c.g[i].files, c.g[i].msg);
	}
	if (shown > TEXT_CAP)
		fprintf(out, "    \u2026 and %zu more\n", shown - TEXT_CAP);
	for (i = 0; i < c.n; i++)
		free(c.g[i].msg);
	free(c.g);
}

static void print_invalid_by_rule(struct report *rep, const struct pipeline_stats *s,
				  const struct report_style *style, FILE *out)
{
	struct text_ctx c = { out, style, NULL, style->verbose, 0, 0 };
	size_t i;

	for (i = 0; i <= s->n_rules; i++) {
		if (!s->rules[i].invalid)
			continue;
		c.rule = s->rules[i].rule ? s->rules[i].rule : "";
		c.n = 0;
		fprintf(out, "\n%sinvalid files of rule %s%s (%lld):\n", C_BOLD(style),
			s->rules[i].rule ? s->rules[i].rule : "(none)", C_OFF(style),
			(long long)s->rules[i].invalid);
		print_error_groups(rep, c.rule, style, out);
		each_record(rep, text_invalid, &c);
		if (c.n > TEXT_CAP && !c.verbose)
			fprintf(out, "  \u2026 and %ld more (-v or --format json lists them all)\n",
				c.n - TEXT_CAP);
	}
}

/*
 * A capped text list: records for which `want` holds are printed by
 * `show` while fewer than TEXT_CAP were; the rest only counted.
 */
struct capped {
	FILE *out;
	const struct report_style *st;
	const char *ca;             /* the catch-all rule's name */
	int (*want)(const struct capped *c, const cJSON *rec);
	void (*show)(const struct capped *c, const cJSON *rec);
	long n;
};

static int capped_cb(void *ctx, const cJSON *rec)
{
	struct capped *c = ctx;

	if (!c->want(c, rec))
		return 0;
	if (c->n++ < TEXT_CAP)
		c->show(c, rec);
	return 0;
}

static void capped_list(struct report *rep, struct capped *c, const char *title,
			long total)
{
	if (!total)
		return;
	fprintf(c->out, "\n%s%s (%ld):%s\n", C_BOLD(c->st), title, total, C_OFF(c->st));
	c->n = 0;
	each_record(rep, capped_cb, c);
	if (c->n > TEXT_CAP)
		fprintf(c->out, "  \u2026 and %ld more\n", c->n - TEXT_CAP);
}

static int want_ignored(const struct capped *c, const cJSON *rec)
{
	(void)c;
	return is_outcome(rec, "ignored");
}

static int want_catch_all(const struct capped *c, const cJSON *rec)
{
	return is_catch_all_file(rec, c->ca);
}

static int want_warned(const struct capped *c, const cJSON *rec)
{
	(void)c;
	return jnum(rec, "warning_count") > 0 && !is_outcome(rec, "invalid");
}

static int want_run_warning(const struct capped *c, const cJSON *rec)
{
	(void)c;
	return is_outcome(rec, "run_warning");
}

static void show_path(const struct capped *c, const cJSON *rec)
{
	fputs("  ", c->out);
	fput_name(c->out, jstr(rec, "path"));
	fputc('\n', c->out);
}

static void show_warned(const struct capped *c, const cJSON *rec)
{
	const cJSON *ws = cJSON_GetObjectItemCaseSensitive(rec, "warnings"), *w;
	int n = 0, total = (int)jnum(rec, "warning_count");

	fprintf(c->out, "  %s", C_YELLOW(c->st));
	fput_name(c->out, jstr(rec, "path"));
	fprintf(c->out, "%s\n", C_OFF(c->st));
	cJSON_ArrayForEach(w, ws) {
		const char *p = jstr(w, "pointer");

		if (n++ == TEXT_FILE_WARNINGS)
			break;
		fprintf(c->out, "    %s (column %s): %s\n", p && *p ? p : "(path)",
			jstr(w, "column"), jstr(w, "message"));
	}
	if (total > TEXT_FILE_WARNINGS && n > TEXT_FILE_WARNINGS)
		fprintf(c->out, "    \u2026 and %d more\n", total - TEXT_FILE_WARNINGS);
}

static void show_run_warning(const struct capped *c, const cJSON *rec)
{
	const char *path = jstr(rec, "path");

	if (path) {
		fprintf(c->out, "  %s", C_YELLOW(c->st));
		fput_name(c->out, path);
		fprintf(c->out, "%s: %s\n", C_OFF(c->st), jstr(rec, "message"));
	}
	else
		fprintf(c->out, "  %s\n", jstr(rec, "message"));
}

static void print_warnings(struct report *rep, const struct pipeline_stats *s,
			   const struct report_style *style, FILE *out, const char *title)
{
	struct capped c = { out, style, s->catch_all, want_warned, show_warned, 0 };

	capped_list(rep, &c, title, (long)s->warned_files);
	c.want = want_run_warning;
	c.show = show_run_warning;
	capped_list(rep, &c, "run warnings", (long)s->run_warnings);
}

/* "N files (X%) went to the catch-all `documents`: ..." */
static void print_catch_all_share(const struct pipeline_stats *s,
				  const struct report_style *style, FILE *out)
{
	const struct pipeline_rule_stats *ca = catch_all_stats(s);

	if (!ca || !ca->seen)
		return;
	fprintf(out, "\n%s%lld files (%.1f%%) went to the catch-all `%s`: consider typed rules, see `wsmigrate init`%s\n",
		C_YELLOW(style), (long long)ca->seen, pct(ca->seen, s->seen), ca->rule,
		C_OFF(style));
}

int report_write_migrate_text(struct report *rep, const struct pipeline_stats *s,
			      const struct report_style *style, FILE *out)
{
	struct capped ig = { out, style, NULL, want_ignored, show_path, 0 };
	const char *done = s->committed ? "imported" : "to import";
	int wr = 9, wt = 5, wn = 5;   /* "(no rule)", "table", "table" */
	size_t i;

	/* columns as wide as their longest name */
	for (i = 0; i <= s->n_rules; i++) {
		if (s->rules[i].rule && (int)strlen(s->rules[i].rule) > wr)
			wr = (int)strlen(s->rules[i].rule);
		if (s->rules[i].table && (int)strlen(s->rules[i].table) > wt)
			wt = (int)strlen(s->rules[i].table);
	}
	for (i = 0; i < s->n_tables; i++)
		if ((int)strlen(s->tables[i].table) > wn)
			wn = (int)strlen(s->tables[i].table);
	/* an aborted or dry run says so before any count that looks written */
	if (!s->committed)
		fprintf(out, "%snothing was written%s%s: the counts below are what %s\n\n",
			s->invalid ? C_RED(style) : C_BOLD(style), C_OFF(style),
			s->dry_run ? " (dry run)" : " (the run aborted)",
			s->dry_run ? "a migrate would import" : "it would have imported");
	if (style->quiet)
		goto problems;
	fprintf(out, "%s%-*s %-*s %7s %9s %9s %7s %7s %8s %6s%s\n", C_BOLD(style),
		wr, "rule", wt, "table", "seen", done, "unchanged", "skipped", "invalid",
		"rows", "warned", C_OFF(style));
	for (i = 0; i <= s->n_rules; i++) {
		const struct pipeline_rule_stats *r = &s->rules[i];

		if (!r->rule && !r->seen)
			continue;
		fprintf(out, "%-*s %-*s %7lld %9lld %9lld %7lld %s%7lld%s %8lld %6lld\n",
			wr, r->rule ? r->rule : "(no rule)", wt, r->table ? r->table : "-",
			(long long)r->seen, (long long)r->imported, (long long)r->unchanged,
			(long long)r->skipped, r->invalid ? C_RED(style) : "",
			(long long)r->invalid, r->invalid ? C_OFF(style) : "", (long long)r->rows,
			(long long)r->warned);
	}
	fprintf(out, "%s%-*s %-*s %7lld %9lld %9lld %7lld %7lld %8lld %6lld%s\n", C_BOLD(style),
		wr, "total", wt, "", (long long)s->seen, (long long)s->imported,
		(long long)s->unchanged, (long long)s->skipped, (long long)s->invalid,
		(long long)s->rows, (long long)s->warned_files, C_OFF(style));
	fprintf(out, "\n%s%-*s %10s%s\n", C_BOLD(style), wn, "table",
		s->committed ? "rows" : "rows (not written)", C_OFF(style));
	for (i = 0; i < s->n_tables; i++)
		fprintf(out, "%-*s %10lld\n", wn, s->tables[i].table, (long long)s->tables[i].rows);
	print_catch_all_share(s, style, out);
	if (s->skipped) {
		struct text_ctx c = { out, style, NULL, style->verbose, 1, 0 };

		fprintf(out, "\n%sskipped files (%lld):%s\n", C_BOLD(style),
			(long long)s->skipped, C_OFF(style));
		each_record(rep, text_invalid, &c);
		if (c.n > TEXT_CAP && !c.verbose)
			fprintf(out, "  \u2026 and %ld more\n", c.n - TEXT_CAP);
	}
problems:
	if (s->invalid)
		print_invalid_by_rule(rep, s, style, out);
	print_warnings(rep, s, style, out, "files imported with warnings (values stored as NULL)");
	if (!style->quiet)
		capped_list(rep, &ig, "ignored files (ignore globs: not read, not archived)",
			    (long)s->ignored_json);
	fprintf(out, "\n");
	if (s->committed)
		fprintf(out, "%srun %s committed%s to %s: %lld files seen, %lld imported, %lld unchanged, %lld skipped, %lld invalid, %lld deleted, %lld rows, %lld warnings in %.2fs\n",
			C_GREEN(style), s->run_id, C_OFF(style), s->db_masked,
			(long long)s->seen, (long long)s->imported, (long long)s->unchanged,
			(long long)s->skipped, (long long)s->invalid, (long long)s->deleted,
			(long long)s->rows, (long long)s->warnings, s->duration_s);
	else
		fprintf(out, "%snothing written%s: %lld files seen, %lld valid (none imported), %lld skipped, %lld invalid in %.2fs\n",
			s->invalid ? C_RED(style) : "", C_OFF(style), (long long)s->seen,
			(long long)(s->imported + s->unchanged), (long long)s->skipped,
			(long long)s->invalid, s->duration_s);
	if (s->committed)
		fprintf(out, "source: %s\n", s->source);
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
	const char *ca;         /* the catch-all rule's name */
};

static void json_item(struct json_ctx *c)
{
	fputs(c->first ? "\n    " : ",\n    ", c->out);
	c->first = 0;
}

static void json_warnings(FILE *out, const cJSON *rec)
{
	const cJSON *ws = cJSON_GetObjectItemCaseSensitive(rec, "warnings"), *w;
	int first = 1;

	fprintf(out, "\"warning_count\": %lld, \"warnings\": [", (long long)jnum(rec, "warning_count"));
	cJSON_ArrayForEach(w, ws) {
		fputs(first ? "{\"pointer\": " : ", {\"pointer\": ", out);
		first = 0;
		fput_json_string(out, jstr(w, "pointer"));
		fputs(", \"column\": ", out);
		fput_json_string(out, jstr(w, "column"));
		fputs(", \"message\": ", out);
		fput_json_string(out, jstr(w, "message"));
		fputs("}", out);
	}
	fputs("]", out);
}

static int json_invalid_file(void *ctx, const cJSON *rec)
{
	struct json_ctx *c = ctx;

	if (!is_outcome(rec, "invalid"))
		return 0;
	json_item(c);
	fputs("{\"path\": ", c->out);
	fput_json_path(c->out, jstr(rec, "path"));
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

	if (!is_outcome(rec, "skipped"))
		return 0;
	json_item(c);
	fputs("{\"path\": ", c->out);
	fput_json_path(c->out, jstr(rec, "path"));
	fputs(", \"reason\": ", c->out);
	fput_json_string(c->out, jstr(rec, "reason"));
	fputs("}", c->out);
	return 0;
}

static int json_deleted_file(void *ctx, const cJSON *rec)
{
	struct json_ctx *c = ctx;

	if (!is_outcome(rec, "deleted"))
		return 0;
	json_item(c);
	fputs("{\"path\": ", c->out);
	fput_json_path(c->out, jstr(rec, "path"));
	fprintf(c->out, ", \"pruned\": %s}",
		cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "pruned")) ? "true" : "false");
	return 0;
}

static int json_warned_file(void *ctx, const cJSON *rec)
{
	struct json_ctx *c = ctx;

	if (jnum(rec, "warning_count") <= 0 || is_outcome(rec, "invalid"))
		return 0;
	json_item(c);
	fputs("{\"path\": ", c->out);
	fput_json_path(c->out, jstr(rec, "path"));
	fputs(", \"rule\": ", c->out);
	fput_json_string(c->out, jstr(rec, "rule"));
	fputs(", ", c->out);
	json_warnings(c->out, rec);
	fputs("}", c->out);
	return 0;
}

static int json_run_warning(void *ctx, const cJSON *rec)
{
	struct json_ctx *c = ctx;

	if (!is_outcome(rec, "run_warning"))
		return 0;
	json_item(c);
	fputs("{\"kind\": ", c->out);
	fput_json_string(c->out, jstr(rec, "kind"));
	fputs(", \"path\": ", c->out);
	fput_json_path(c->out, jstr(rec, "path"));
	fputs(", \"rule\": ", c->out);
	fput_json_string(c->out, jstr(rec, "rule"));
	fputs(", \"table\": ", c->out);
	fput_json_string(c->out, jstr(rec, "table"));
	fputs(", \"column\": ", c->out);
	fput_json_string(c->out, jstr(rec, "column"));
	fputs(", \"message\": ", c->out);
	fput_json_string(c->out, jstr(rec, "message"));
	fputs("}", c->out);
	return 0;
}

static int json_path_if_ignored(void *ctx, const cJSON *rec)
{
	struct json_ctx *c = ctx;

	if (!is_outcome(rec, "ignored"))
		return 0;
	json_item(c);
	fputs("{\"path\": ", c->out);
	fput_json_path(c->out, jstr(rec, "path"));
	fputs("}", c->out);
	return 0;
}

static int json_path_if_catch_all(void *ctx, const cJSON *rec)
{
	struct json_ctx *c = ctx;

	if (!is_catch_all_file(rec, c->ca))
		return 0;
	json_item(c);
	fputs("{\"path\": ", c->out);
	fput_json_path(c->out, jstr(rec, "path"));
	fputs("}", c->out);
	return 0;
}

/* "key": [ ...records fn picks... ], */
static void json_list(struct report *rep, FILE *out, const char *key,
		      int (*fn)(void *ctx, const cJSON *rec), const char *ca)
{
	struct json_ctx c = { out, 1, 0, ca };

	fprintf(out, "  \"%s\": [", key);
	each_record(rep, fn, &c);
	fputs(c.first ? "],\n" : "\n  ],\n", out);
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
		fprintf(out, ", \"catch_all\": %s", r->catch_all ? "true" : "false");
		if (validate)
			fprintf(out, ", \"files\": %lld, \"share\": %.4f, \"valid\": %lld, \"invalid\": %lld, \"warned\": %lld}",
				(long long)r->seen, pct(r->seen, s->seen) / 100.0,
				(long long)(r->imported + r->unchanged), (long long)r->invalid,
				(long long)r->warned);
		else
			fprintf(out, ", \"files\": %lld, \"imported\": %lld, \"unchanged\": %lld, \"invalid\": %lld, \"rows\": %lld, \"warned\": %lld}",
				(long long)r->seen, (long long)r->imported,
				(long long)r->unchanged, (long long)r->invalid, (long long)r->rows,
				(long long)r->warned);
	}
	fputs(first ? "],\n" : "\n  ],\n", out);
}

static void json_catch_all(const struct pipeline_stats *s, FILE *out)
{
	const struct pipeline_rule_stats *ca = catch_all_stats(s);

	fputs("  \"catch_all\": ", out);
	if (!ca) {
		fputs("null,\n", out);
		return;
	}
	fputs("{\"rule\": ", out);
	fput_json_string(out, ca->rule);
	fputs(", \"table\": ", out);
	fput_json_string(out, ca->table);
	fprintf(out, ", \"files\": %lld, \"share\": %.4f},\n", (long long)ca->seen,
		pct(ca->seen, s->seen) / 100.0);
}

int report_write_migrate_json(struct report *rep, const struct pipeline_stats *s,
			      FILE *out)
{
	const struct pipeline_stages *g = &s->stages;
	size_t i;

	fputs("{\n  \"run_id\": ", out);
	fput_json_string(out, s->run_id[0] ? s->run_id : NULL);
	fputs(",\n  \"db\": ", out);
	fput_json_string(out, s->db_masked[0] ? s->db_masked : NULL);
	fputs(",\n  \"tree\": ", out);
	fput_json_string(out, s->tree_root);
	fputs(",\n  \"source\": ", out);
	fput_json_string(out, s->source);
	fputs(",\n  \"moved_from\": ", out);
	fput_json_string(out, s->moved_from[0] ? s->moved_from : NULL);
	fprintf(out, ",\n  \"committed\": %s,\n  \"files_seen\": %lld,\n  \"imported\": %lld,\n"
		"  \"unchanged\": %lld,\n  \"skipped\": %lld,\n  \"invalid\": %lld,\n"
		"  \"deleted\": %lld,\n  \"ignored\": %lld,\n  \"ignored_json\": %lld,\n"
		"  \"rows\": %lld,\n  \"bytes\": %lld,\n  \"warnings\": %lld,\n"
		"  \"warned_files\": %lld,\n  \"key_collisions\": %lld,\n",
		s->committed ? "true" : "false", (long long)s->seen, (long long)s->imported,
		(long long)s->unchanged, (long long)s->skipped, (long long)s->invalid,
		(long long)s->deleted, (long long)s->ignored, (long long)s->ignored_json,
		(long long)s->rows, (long long)s->bytes, (long long)s->warnings,
		(long long)s->warned_files, (long long)s->collisions);
	fputs("  \"tables\": {", out);
	for (i = 0; i < s->n_tables; i++) {
		fputs(i ? ", " : "", out);
		fput_json_string(out, s->tables[i].table);
		fprintf(out, ": %lld", (long long)s->tables[i].rows);
	}
	fputs("},\n", out);
	json_rules(s, out, 0);
	json_catch_all(s, out);
	json_list(rep, out, "invalid_files", json_invalid_file, NULL);
	json_list(rep, out, "skipped_files", json_skipped_file, NULL);
	json_list(rep, out, "deleted_files", json_deleted_file, NULL);
	json_list(rep, out, "warning_files", json_warned_file, NULL);
	json_list(rep, out, "run_warnings", json_run_warning, NULL);
	json_list(rep, out, "ignored_files", json_path_if_ignored, NULL);
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

enum verdict {
	V_OK,            /* every file valid, mostly typed */
	V_INVALID,       /* some file invalid */
	V_EMPTY,         /* no JSON file at all */
	V_UNTYPED        /* valid, but most files matched no typed rule */
};

static enum verdict verdict_of(const struct pipeline_stats *s)
{
	if (s->invalid)
		return V_INVALID;
	if (!s->seen)
		return V_EMPTY;
	if (2 * typed_files(s) < s->seen)
		return V_UNTYPED;
	return V_OK;
}

static const char *verdict_name(enum verdict v)
{
	switch (v) {
	case V_OK: return "ok";
	case V_INVALID: return "invalid";
	case V_EMPTY: return "empty";
	case V_UNTYPED: return "mostly_untyped";
	}
	return "?";
}

/* One sentence for the end of the report (no colour, no newline). */
static void verdict_text(const struct pipeline_stats *s, char *buf, size_t size)
{
	const struct pipeline_rule_stats *ca = catch_all_stats(s);
	int64_t typed = typed_files(s);

	switch (verdict_of(s)) {
	case V_INVALID:
		snprintf(buf, size, "%lld of %lld files invalid", (long long)s->invalid,
			 (long long)s->seen);
		break;
	case V_EMPTY:
		snprintf(buf, size, "0 of 0 files invalid: the tree holds no JSON file to migrate (%lld ignored)",
			 (long long)s->ignored);
		break;
	case V_UNTYPED:
		snprintf(buf, size, "0 of %lld files invalid, but only %lld of them (%.1f%%) matched a typed rule: %lld went to the catch-all%s%s%s and %lld matched no rule, so this manifest does not fit the tree (see `wsmigrate init`)",
			 (long long)s->seen, (long long)typed, pct(typed, s->seen),
			 (long long)(ca ? ca->seen : 0), ca ? " `" : "", ca ? ca->rule : "",
			 ca ? "`" : "", (long long)s->skipped);
		break;
	case V_OK:
		snprintf(buf, size, "0 of %lld files invalid", (long long)s->seen);
		break;
	}
}

int report_write_validate_text(struct report *rep, const struct pipeline_stats *s,
			       const struct report_style *style, FILE *out)
{
	struct capped c = { out, style, s->catch_all, want_catch_all, show_path, 0 };
	const struct pipeline_rule_stats *ca = catch_all_stats(s);
	enum verdict v = verdict_of(s);
	char verdict[1024];
	int w = 18;              /* "(no rule: skipped)" */
	size_t i;

	if (style->quiet && v == V_OK)
		return ferror(out) ? ERR_IO : 0;
	for (i = 0; i < s->n_rules; i++) {
		int l = (int)strlen(s->rules[i].rule) + (s->rules[i].catch_all ? 12 : 0);

		w = l > w ? l : w;
	}
	if (style->quiet)
		goto problems;
	fprintf(out, "%s%-*s %7s %6s %7s %7s%s\n", C_BOLD(style), w, "rule", "files", "share",
		"valid", "invalid", C_OFF(style));
	for (i = 0; i < s->n_rules; i++) {
		const struct pipeline_rule_stats *r = &s->rules[i];
		char name[512];

		snprintf(name, sizeof(name), "%s%s", r->rule, r->catch_all ? " (catch-all)" : "");
		fprintf(out, "%-*s %7lld %5.1f%% %s%7lld%s %s%7lld%s\n", w, name, (long long)r->seen,
			pct(r->seen, s->seen), C_GREEN(style), (long long)(r->imported + r->unchanged),
			C_OFF(style), r->invalid ? C_RED(style) : "", (long long)r->invalid,
			r->invalid ? C_OFF(style) : "");
	}
	fprintf(out, "%-*s %7lld %5.1f%% %7s %s%7lld%s\n", w, "(no rule: skipped)",
		(long long)s->rules[s->n_rules].seen, pct(s->rules[s->n_rules].seen, s->seen), "",
		s->rules[s->n_rules].invalid ? C_RED(style) : "",
		(long long)s->rules[s->n_rules].invalid,
		s->rules[s->n_rules].invalid ? C_OFF(style) : "");
	fprintf(out, "%s%-*s %7lld %6s %7lld %7lld%s\n", C_BOLD(style), w, "total", (long long)s->seen,
		"", (long long)(s->imported + s->unchanged), (long long)s->invalid, C_OFF(style));
	if (ca && ca->seen)
		capped_list(rep, &c, "files only the catch-all took", (long)(ca->imported + ca->unchanged));
	c.want = want_ignored;
	capped_list(rep, &c, "ignored files (ignore globs: not read)", (long)s->ignored_json);
problems:
	if (s->invalid)
		print_invalid_by_rule(rep, s, style, out);
	print_warnings(rep, s, style, out, "files with warnings (values that would be stored as NULL)");
	verdict_text(s, verdict, sizeof(verdict));
	fprintf(out, "\n%s%s%s (%lld skipped, %lld ignored) in %.2fs; nothing was written\n",
		v == V_OK ? C_GREEN(style) : v == V_INVALID ? C_RED(style) : C_YELLOW(style),
		verdict, C_OFF(style), (long long)s->skipped, (long long)s->ignored,
		s->duration_s);
	return ferror(out) ? ERR_IO : 0;
}

static int json_any_file(void *ctx, const cJSON *rec)
{
	struct json_ctx *c = ctx;
	const cJSON *errs = cJSON_GetObjectItemCaseSensitive(rec, "errors"), *e;
	int invalid = is_outcome(rec, "invalid");
	int skipped = is_outcome(rec, "skipped");
	int first = 1;

	if (!invalid && !skipped && !is_outcome(rec, "imported") && !is_outcome(rec, "unchanged"))
		return 0;
	json_item(c);
	fputs("{\"path\": ", c->out);
	fput_json_path(c->out, jstr(rec, "path"));
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
	} else {
		fputs(", ", c->out);
		json_warnings(c->out, rec);
	}
	fputs("}", c->out);
	return 0;
}

int report_write_validate_json(struct report *rep, const struct pipeline_stats *s,
			       FILE *out)
{
	char verdict[1024];
	int64_t typed = typed_files(s);

	verdict_text(s, verdict, sizeof(verdict));
	fputs("{\n  \"tree\": ", out);
	fput_json_string(out, s->tree_root);
	fprintf(out, ",\n  \"valid\": %s,\n  \"verdict\": \"%s\",\n  \"verdict_text\": ",
		s->invalid ? "false" : "true", verdict_name(verdict_of(s)));
	fput_json_string(out, verdict);
	fprintf(out, ",\n  \"files_seen\": %lld,\n  \"valid_files\": %lld,\n"
		"  \"invalid\": %lld,\n  \"skipped\": %lld,\n  \"ignored\": %lld,\n"
		"  \"ignored_json\": %lld,\n  \"typed_files\": %lld,\n  \"typed_share\": %.4f,\n"
		"  \"warnings\": %lld,\n  \"warned_files\": %lld,\n",
		(long long)s->seen, (long long)(s->imported + s->unchanged), (long long)s->invalid,
		(long long)s->skipped, (long long)s->ignored, (long long)s->ignored_json,
		(long long)typed, pct(typed, s->seen) / 100.0, (long long)s->warnings,
		(long long)s->warned_files);
	json_rules(s, out, 1);
	json_catch_all(s, out);
	json_list(rep, out, "catch_all_files", json_path_if_catch_all, s->catch_all);
	json_list(rep, out, "ignored_files", json_path_if_ignored, NULL);
	json_list(rep, out, "run_warnings", json_run_warning, NULL);
	json_list(rep, out, "files", json_any_file, NULL);
	fprintf(out, "  \"duration_s\": %.6f\n}\n", s->duration_s);
	return ferror(out) ? ERR_IO : 0;
}

/* ------------------------------------------------------------------ html */

void report_html_escape(FILE *out, const char *s)
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
	const cJSON *errs = cJSON_GetObjectItemCaseSensitive(rec, "errors"), *e;
	const char *rule = jstr(rec, "rule");
	int n = 0;

	if (!is_outcome(rec, "invalid"))
		return 0;
	fputs("<tr data-rule=\"", out);
	report_html_escape(out, rule ? rule : "(none)");
	fputs("\" data-path=\"", out);
	report_html_escape(out, jstr(rec, "path"));
	fputs("\"><td class=\"p\">", out);
	report_html_escape(out, jstr(rec, "path"));
	fputs("</td><td>", out);
	report_html_escape(out, rule ? rule : "(none)");
	fputs("</td><td><ul>", out);
	if (cJSON_GetArraySize(errs) > 0 && jnum(rec, "line") == 0) {
		cJSON_ArrayForEach(e, errs) {
			const char *il = jstr(e, "instanceLocation");

			fputs("<li><code>", out);
			report_html_escape(out, il && *il ? il : "/");
			fputs("</code> ", out);
			report_html_escape(out, jstr(e, "error"));
			if (jstr(e, "keywordLocation") && *jstr(e, "keywordLocation")) {
				fputs(" <span class=\"k\">", out);
				report_html_escape(out, jstr(e, "keywordLocation"));
				fputs("</span>", out);
			}
			fputs("</li>", out);
			n++;
		}
		if (jnum(rec, "error_count") > n)
			fprintf(out, "<li>&hellip; and %d more</li>", (int)jnum(rec, "error_count") - n);
	} else {
		fputs("<li>", out);
		report_html_escape(out, jstr(rec, "reason"));
		fputs("</li>", out);
	}
	fputs("</ul></td></tr>\n", out);
	return 0;
}

/* A capped HTML list of paths (catch-all, ignored or skipped files). */
enum html_kind { HTML_IGNORED, HTML_CATCH_ALL, HTML_SKIPPED };

struct html_list {
	FILE *out;
	const char *ca;
	int catch_all;          /* enum html_kind */
	long n;
};

static int html_path_item(void *ctx, const cJSON *rec)
{
	struct html_list *h = ctx;

	if (h->catch_all == HTML_CATCH_ALL ? !is_catch_all_file(rec, h->ca) :
	    !is_outcome(rec, h->catch_all == HTML_SKIPPED ? "skipped" : "ignored"))
		return 0;
	if (h->n++ < HTML_CAP) {
		fputs("<li>", h->out);
		report_html_escape(h->out, jstr(rec, "path"));
		fputs("</li>", h->out);
	}
	return 0;
}

static void html_paths(struct report *rep, FILE *out, const char *id, const char *title,
		       const char *ca, int catch_all, long total)
{
	struct html_list h = { out, ca, catch_all, 0 };

	fprintf(out, "<h2>%s (<span id=\"%s-count\">%ld</span>)</h2>\n<ul class=\"paths\" id=\"%s\">",
		title, id, total, id);
	each_record(rep, html_path_item, &h);
	fputs("</ul>\n", out);
	if (h.n > HTML_CAP)
		fprintf(out, "<p class=\"more\">&hellip; and %ld more (the JSON report lists them all)</p>\n",
			h.n - HTML_CAP);
}

static int html_run_warning(void *ctx, const cJSON *rec)
{
	FILE *out = ((struct json_ctx *)ctx)->out;

	if (!is_outcome(rec, "run_warning"))
		return 0;
	fputs("<li>", out);
	if (jstr(rec, "path")) {
		fputs("<code>", out);
		report_html_escape(out, jstr(rec, "path"));
		fputs("</code>: ", out);
	}
	report_html_escape(out, jstr(rec, "message"));
	fputs("</li>\n", out);
	return 0;
}

/* Identical errors, grouped across rules: "16 files: /x: is not a date-time". */
static void html_error_groups(struct report *rep, const struct pipeline_stats *s, FILE *out)
{
	size_t i, k;
	int any = 0;

	for (i = 0; i <= s->n_rules; i++) {
		struct group_ctx c = { NULL, NULL, 0, 0 };

		if (!s->rules[i].invalid)
			continue;
		c.rule = s->rules[i].rule ? s->rules[i].rule : "";
		c.g = calloc(ERR_GROUPS_MAX, sizeof(*c.g));
		if (!c.g)
			return;
		each_record(rep, group_cb, &c);
		qsort(c.g, c.n, sizeof(*c.g), group_cmp);
		for (k = 0; k < c.n && k < HTML_CAP; k++) {
			if (!any++)
				fputs("<h2>Errors, grouped</h2>\n<table id=\"error-groups\"><tr><th>files</th>"
				      "<th>rule</th><th>error</th></tr>\n", out);
			fprintf(out, "<tr><td class=\"n\">%ld</td><td>", c.g[k].files);
			report_html_escape(out, *c.rule ? c.rule : "(none)");
			fputs("</td><td><code>", out);
			report_html_escape(out, c.g[k].msg);
			fputs("</code></td></tr>\n", out);
		}
		for (k = 0; k < c.n; k++)
			free(c.g[k].msg);
		free(c.g);
	}
	if (any)
		fputs("</table>\n", out);
}

int report_write_validate_html(struct report *rep, const struct pipeline_stats *s,
			       FILE *out)
{
	struct json_ctx c = { out, 1, 0, NULL };
	const struct pipeline_rule_stats *ca = catch_all_stats(s);
	enum verdict v = verdict_of(s);
	char verdict[1024];
	char headline[512];
	size_t i;

	verdict_text(s, verdict, sizeof(verdict));
	/* the page opens with what a migrate of this tree would do */
	if (v == V_INVALID)
		snprintf(headline, sizeof(headline), "a migrate would abort: %lld invalid file%s"
			 " (with --on-invalid skip it would import the other %lld)",
			 (long long)s->invalid, s->invalid == 1 ? "" : "s",
			 (long long)(s->imported + s->unchanged));
	else if (v == V_EMPTY)
		snprintf(headline, sizeof(headline), "a migrate would import nothing: no JSON file"
			 " in the tree");
	else
		snprintf(headline, sizeof(headline), "a migrate would import %lld file%s%s",
			 (long long)(s->imported + s->unchanged),
			 s->imported + s->unchanged == 1 ? "" : "s",
			 v == V_UNTYPED ? ", most of them only into the catch-all" : "");
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<title>wsmigrate validation report</title>\n<style>\n"
	      "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fafafa}\n"
	      "h1{font-size:20px;margin:0 0 4px}.sub{color:#666;margin-bottom:16px}\n"
	      ".cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:10px 16px;min-width:110px}\n"
	      ".card b{display:block;font-size:24px}.ok b{color:#1a7f37}.bad b{color:#cf222e}.skip b{color:#9a6700}\n"
	      ".verdict{padding:10px 14px;border-radius:6px;margin:12px 0;font-weight:600}\n"
	      ".verdict.ok{background:#dafbe1;color:#1a7f37}.verdict.invalid{background:#ffebe9;color:#cf222e}\n"
	      ".verdict.mostly_untyped,.verdict.empty{background:#fff8c5;color:#7d4e00}\n"
	      "table{border-collapse:collapse;background:#fff;width:100%}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}\n"
	      "th{background:#f0f0f0}.bar{display:flex;height:16px;min-width:2px;border-radius:3px;overflow:hidden}\n"
	      ".bar .v{background:#2da44e}.bar .i{background:#cf222e}td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
	      "tr.ca td{background:#fffbe6}\n"
	      "td.p{font-family:monospace;word-break:break-all}ul{margin:0;padding-left:18px}.k{color:#888;font-size:12px}\n"
	      "ul.paths{font-family:monospace;max-height:320px;overflow:auto;background:#fff;border:1px solid #ddd;padding:8px 8px 8px 28px}\n"
	      ".filters{margin:12px 0;display:flex;gap:8px}input,select{font:inherit;padding:4px}\n"
	      ".headline{font-size:18px;font-weight:700;margin:8px 0}\n"
	      "</style></head><body>\n<h1>wsmigrate validation report</h1>\n<div class=\"sub\">tree <code>", out);
	report_html_escape(out, s->tree_root);
	fprintf(out, "</code> &middot; %.2fs &middot; nothing was written</div>\n", s->duration_s);
	fputs("<p class=\"headline\" id=\"headline\">", out);
	report_html_escape(out, headline);
	fputs("</p>\n", out);
	fprintf(out, "<div class=\"verdict %s\" id=\"verdict\" data-verdict=\"%s\">", verdict_name(v),
		verdict_name(v));
	report_html_escape(out, verdict);
	fputs("</div>\n", out);
	fprintf(out, "<div class=\"cards\"><div class=\"card\"><b id=\"n-seen\">%lld</b>files seen</div>"
		"<div class=\"card ok\"><b id=\"n-valid\">%lld</b>valid</div>"
		"<div class=\"card bad\"><b id=\"n-invalid\">%lld</b>invalid</div>"
		"<div class=\"card ok\"><b id=\"n-typed\">%lld</b>typed rules</div>"
		"<div class=\"card skip\"><b id=\"n-catchall\">%lld</b>catch-all</div>"
		"<div class=\"card skip\"><b id=\"n-skipped\">%lld</b>skipped (no rule)</div>"
		"<div class=\"card\"><b id=\"n-ignored\">%lld</b>ignored (globs)</div>"
		"<div class=\"card skip\"><b id=\"n-warned\">%lld</b>files with warnings</div></div>\n",
		(long long)s->seen, (long long)(s->imported + s->unchanged),
		(long long)s->invalid, (long long)typed_files(s), (long long)(ca ? ca->seen : 0),
		(long long)s->skipped, (long long)s->ignored_json, (long long)s->warned_files);
	fputs("<h2>Per rule</h2>\n<table id=\"rules\"><tr><th>rule</th><th>table</th><th>files</th>"
	      "<th>share</th><th>valid</th><th>invalid</th><th style=\"width:35%\">valid / invalid</th></tr>\n", out);
	for (i = 0; i <= s->n_rules; i++) {
		const struct pipeline_rule_stats *r = &s->rules[i];
		int64_t val = r->imported + r->unchanged;

		if (!r->seen)
			continue;   /* a rule that matched nothing says nothing */
		fprintf(out, "<tr%s data-rule=\"", r->catch_all ? " class=\"ca\"" : "");
		report_html_escape(out, r->rule ? r->rule : "(no rule)");
		fputs("\"><td>", out);
		report_html_escape(out, r->rule ? r->rule : "(no rule: skipped)");
		if (r->catch_all)
			fputs(" <span class=\"k\">catch-all</span>", out);
		fputs("</td><td>", out);
		report_html_escape(out, r->table ? r->table : "-");
		fprintf(out, "</td><td class=\"n\">%lld</td><td class=\"n share\">%.1f%%</td>"
			"<td class=\"n\">%lld</td><td class=\"n\">%lld</td>"
			"<td><div class=\"bar\" title=\"%.1f%% valid\"><span class=\"v\" style=\"flex:%lld\"></span>"
			"<span class=\"i\" style=\"flex:%lld\"></span></div></td></tr>\n",
			(long long)r->seen, pct(r->seen, s->seen), (long long)val, (long long)r->invalid,
			pct(val, r->seen), (long long)val, (long long)r->invalid);
	}
	fputs("</table>\n", out);
	if (ca)
		html_paths(rep, out, "catch-all-files", "Files only the catch-all took", s->catch_all,
			   HTML_CATCH_ALL, (long)(ca->imported + ca->unchanged));
	if (s->skipped)
		html_paths(rep, out, "skipped-files", "Skipped files (no rule)", NULL, HTML_SKIPPED,
			   (long)s->skipped);
	html_paths(rep, out, "ignored-files", "Ignored files", NULL, HTML_IGNORED,
		   (long)s->ignored_json);
	html_error_groups(rep, s, out);
	if (s->run_warnings) {
		fprintf(out, "<h2>Run warnings (%lld)</h2>\n<ul id=\"run-warnings\">", (long long)s->run_warnings);
		each_record(rep, html_run_warning, &c);
		fputs("</ul>\n", out);
	}
	fputs("<h2>Invalid files</h2>\n<div class=\"filters\"><select id=\"rule\"><option value=\"\">all rules</option>", out);
	for (i = 0; i <= s->n_rules; i++) {
		if (!s->rules[i].invalid)
			continue;
		fputs("<option>", out);
		report_html_escape(out, s->rules[i].rule ? s->rules[i].rule : "(none)");
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
	return ferror(out) ? ERR_IO : 0;
}
