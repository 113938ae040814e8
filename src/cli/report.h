/*
 * cli/report.h - the reports of migrate and validate, in text, JSON and HTML.
 *
 * Per-file results are spooled to a temporary file as they arrive, so
 * memory stays flat however many files a tree has; the report is rendered
 * at the end, summary first.
 *
 * Calling sequence: report_new -> report_add_file (per file, from the
 * pipeline's on_file callback) -> one report_write_* -> report_free.
 * The caller owns the FILE * it passes in; the report never picks stdout
 * or stderr itself.
 */
#ifndef WSM_REPORT_H
#define WSM_REPORT_H

#include <stdio.h>

#include "error.h"
#include "pipeline.h"

struct report;

/* A new, empty report.  NULL with err set when no temp file can be made. */
struct report *report_new(struct error *err);

/*
 * Record one file's outcome, with its warnings.  migrate records the files
 * that need attention (invalid, skipped, imported with warnings); validate
 * records every file.
 */
void report_add_file(struct report *rep, const struct pipeline_file *f);

/*
 * Record a file gone from the tree since the last run (`pruned`: its rows
 * were moved to history).  Listed as "deleted_files" in JSON.
 */
void report_add_deleted(struct report *rep, const char *path, int pruned);

/* Record a JSON file an ignore glob excluded ("ignored_files" in JSON). */
void report_add_ignored(struct report *rep, const char *path);

/* Record a warning about the run (all-NULL column, key collision). */
void report_add_run_warning(struct report *rep, const struct warning_entry *w);

/* Output styles. */
struct report_style {
	int color;        /* ANSI colours (TTY and no NO_COLOR) */
	int verbose;      /* list every invalid file's errors in the summary */
	int stats;        /* add the time per stage */
	int quiet;        /* -q: only the problems (invalid files, warnings) and
			     the one-line result; nothing when all is well */
};

/*
 * migrate: the summary table (per rule and table), the catch-all's share,
 * the skipped and invalid files, the files imported with warnings and the
 * run's warnings, the ignored files (text lists capped at 20, "... and N
 * more"), then the one-line result.
 */
int report_write_migrate_text(struct report *rep, const struct pipeline_stats *s,
			      const struct report_style *style, FILE *out);
/* migrate --format json: one JSON document (documented in README). */
int report_write_migrate_json(struct report *rep, const struct pipeline_stats *s,
			      FILE *out);
/*
 * validate: each rule's share of the tree, the files only the catch-all
 * took and the ignored files (capped), the invalid files grouped by rule,
 * the warnings, and a verdict that does not read as success when most of
 * the tree matched no typed rule.
 */
int report_write_validate_text(struct report *rep, const struct pipeline_stats *s,
			       const struct report_style *style, FILE *out);
/* validate --format json: summary, verdict, full catch_all_files and
 * ignored_files lists, plus a "files" array in the JSON Schema "basic"
 * output style (valid, errors[instanceLocation, keywordLocation, error],
 * and the warnings of valid files). */
int report_write_validate_json(struct report *rep, const struct pipeline_stats *s,
			       FILE *out);
/* validate --format html: one self-contained page. */
int report_write_validate_html(struct report *rep, const struct pipeline_stats *s,
			       FILE *out);

void report_free(struct report *rep);

/* Write s (NULL: nothing) to out as HTML text or attribute value: <, >, &,
 * " and ' escaped.  Shared by every HTML page the commands write. */
void report_html_escape(FILE *out, const char *s);

#endif
