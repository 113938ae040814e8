/*
 * pipeline.h - the one-pass migration: walk -> classify -> read (+sha256)
 * -> parse -> validate -> map -> archive -> storage batch, then make the
 * archive durable and commit the run.
 *
 * Each file is read once; the same bytes are hashed, parsed, archived and
 * stored.  Memory is bounded by the batch size and the largest file, not by
 * the number of files: per-file results go to a callback, never into a
 * list.
 *
 * Threads: the caller's thread walks, reads, hashes, parses, validates and
 * maps; the archive is compressed and written on the backup writer's
 * thread (bounded queue, backup.h) and each batch is stored on the storer
 * thread while the next one fills (storer.h).  Callbacks run on the
 * caller's thread.  A dry run (validate, migrate --dry-run) is the same pipeline with
 * every write turned off: no database, no archive, no ledger.
 *
 * Calling sequence: fill struct pipeline_opts, call pipeline_run, read
 * struct pipeline_stats, call pipeline_stats_release.
 *
 * Atomicity: the database work of a run is one transaction.  With
 * --on-invalid abort, the first invalid file turns every write off (the
 * transaction is rolled back and the archive discarded) but the walk goes
 * on, so the report lists every invalid file.

 *
 * Files: a file matching an ignore glob is never read, archived nor put in
 * the ledger; it is only counted and handed to on_ignored.  Every other
 * JSON file is read and strictly parsed, whether a rule matches it or not
 * (dry runs too): broken JSON is invalid, never skipped.  A file no rule
 * matches (a manifest without a catch-all) is archived and skipped.
 *
 * Warnings: a file imported with lenient columns that did not fit carries
 * its warnings (the first ROWMAP_MAX_WARNINGS, and the total) to on_file and
 * to the ledger.  At the end of the walk the run reports, to
 * on_run_warning and the ledger, each column that came out NULL in every
 * file the run imported for its rule (required columns excepted), and,
 * after the last batch is stored, each key collision: a row replaced by a
 * later file of the same run (storage.h finds them; a dry run stores
 * nothing, so it cannot).
 */
#ifndef WSM_PIPELINE_H
#define WSM_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "storage.h"

/* One schema (or syntax, or mapping) error of a file. */
struct pipeline_issue {
	const char *instance_location;   /* JSON Pointer, "" = whole document */
	const char *keyword_location;    /* schema keyword path, or "" */
	const char *message;
};

/* What happened to one file, handed to opts->on_file. */
struct pipeline_file {
	const struct warning_entry *warnings;  /* the first n_warnings of
					  warning_total (path, rule NULL: this
					  file's) */
	size_t n_warnings;
	size_t warning_total;
	const char *path;                /* relative to the tree root */
	const char *rule;                /* NULL when no rule matched */
	enum file_outcome outcome;
	int64_t size;
	const char *reason;              /* one line, for invalid/skipped */
	long line, column;               /* of a syntax error, else 0 */
	const struct pipeline_issue *issues;  /* first n_issues of n_total */
	size_t n_issues;
	size_t n_total;
	size_t rows;
};

struct pipeline_progress {
	int64_t files_done;
	int64_t bytes_done;
	double elapsed_s;
	int final;                       /* the last call */
};

/* A note for the user that is not about one file (cleanups, deletions). */
enum pipeline_note_kind {
	NOTE_PARTIAL_REMOVED,            /* a .partial archive left by a crash */
	NOTE_DELETED,                    /* a file gone from the tree since the last run */
	NOTE_PRUNED,                     /* ... and its rows moved to history */
	NOTE_REMOVED_ORIGINAL,           /* --remove-originals deleted it */
	NOTE_KEPT_ORIGINAL,              /* --remove-originals kept it (changed since) */
	NOTE_TREE_MOVED,                 /* path: the source; detail: the tree root of its
					    last run, which differs from this one */
	NOTE_MTIME_CLAMPED               /* its mtime is before 1677 or after 2262: the
					    ledger's int64 mtime_ns holds it clamped (the
					    archive keeps it exactly), and the file is
					    read again on every run */
};

struct pipeline_opts {
	const char *tree;
	const char *db_url;              /* ignored when dry_run */
	const char *schema_dir;          /* folder or manifest file */
	const char *backup_dir;          /* NULL: beside an SQLite database
					    (PATH.backups), else the folder of
					    the ledger's latest archive, else
					    ./backups; the walk never enters it,
					    nor any folder of the ledger's
					    archives.  Created when missing, and
					    removed again (if empty) when the
					    run commits nothing */
	int dry_run;
	int skip_invalid;                /* --on-invalid skip (else abort) */
	int prune;                       /* move rows of deleted files to history */
	int rehash;                      /* ignore the size+mtime fast path */
	int no_backup;                   /* tests and benchmarks only */
	int remove_originals;            /* after commit + verify, delete imported files */
	int assert_formats;              /* JSON Schema "format" asserts */
	size_t max_file_size;            /* 0 => 64 MiB */
	const char *const *map_uri;      /* "PREFIX=DIR" entries */
	size_t n_map_uri;
	struct storage_opts storage;
	void (*on_file)(void *ctx, const struct pipeline_file *f);
	void (*on_progress)(void *ctx, const struct pipeline_progress *p);
	void (*on_note)(void *ctx, enum pipeline_note_kind kind, const char *path,
			const char *detail);
	/* a JSON file an ignore glob excludes (never read) */
	void (*on_ignored)(void *ctx, const char *path);
	/* a warning about the run: WARN_ALL_NULL (path NULL), WARN_KEY_COLLISION
	 * (path: the file that lost its row) */
	void (*on_run_warning)(void *ctx, const struct warning_entry *w);
	void *ctx;
};

/* Per rule (and one entry with rule == NULL for unmatched files). */
struct pipeline_rule_stats {
	const char *rule;                /* borrowed from the manifest, or NULL */
	const char *table;
	int catch_all;                   /* the manifest's catch-all rule */
	int64_t seen, imported, unchanged, skipped, invalid, rows;
	int64_t warned;                  /* files imported with warnings */
};

struct pipeline_table_stats {
	const char *table;
	int64_t rows;                    /* rows written by this run */
};

/* Seconds spent per stage (wall time of the main thread). */
struct pipeline_stages {
	double walk, read_hash, parse, validate, map, archive, insert, commit;
	double archive_thread;           /* compression time on the writer thread */
	double insert_thread;            /* put_batch time on the storer thread
					    (insert above is the main thread's
					    wait for it) */
};

struct pipeline_stats {
	char run_id[64];
	char db_masked[1024];
	char tree_root[1024];
	char source[1024];               /* the run's source (--source, else tree_root) */
	char moved_from[1024];           /* the source's last tree root, when it
					    differs from tree_root; else "" */
	char archive_path[1024];
	char archive_sha256[65];
	int64_t seen, imported, unchanged, skipped, invalid, deleted, ignored;
	int64_t ignored_json;            /* of `ignored`: JSON files an ignore
					    glob excludes (the rest: non-JSON) */
	int64_t rows, bytes;             /* rows: written and still there (rows
					    lost to key collisions are not) */
	int64_t warnings;                /* every warning: files' and the run's */
	int64_t warned_files;            /* files imported with warnings */
	int64_t run_warnings;            /* all-NULL columns + key collisions */
	int64_t collisions;              /* rows replaced by a later file */
	const char *catch_all;           /* name of the catch-all rule, or NULL */
	double duration_s;
	int committed;                   /* 1 when the run was committed */
	int dry_run;                     /* the run was a dry run (else, not
					    committed means it aborted) */
	struct pipeline_stages stages;
	struct pipeline_rule_stats *rules;   /* n_rules + 1 (last: unmatched) */
	size_t n_rules;
	struct pipeline_table_stats *tables;
	size_t n_tables;
	void *manifest;                  /* keeps rule/table names alive */
};

/*
 * Run the pipeline.  Returns 0 when the run finished (committed, or a dry
 * run), ERR_DATA (1) when invalid files were found (with --on-invalid
 * abort nothing was written; with skip the rest was committed), or
 * ERR_USAGE / ERR_IO with `err` set.  `stats` is filled in every case as
 * far as the run got; release it with pipeline_stats_release.
 */
int pipeline_run(const struct pipeline_opts *opts, struct pipeline_stats *stats,
		 struct error *err);

void pipeline_stats_release(struct pipeline_stats *stats);

/* A new run id: "YYYYMMDDTHHMMSSZ-" plus 6 random hex digits. */
void pipeline_new_run_id(char out[64]);

#endif
