/*
 * infer.h - infer a manifest and JSON Schemas from a tree of JSON files
 * (`wsmigrate init`).
 *
 * infer_run() does the whole command: walk the tree twice (pass 1 groups
 * the paths by shape, pass 2 folds every parseable document into its
 * group's statistics), and return the texts of migration.json and of every
 * schema, ready to be written, with what was grouped and why.  Nothing here
 * prints.  The layers below it (name shapes, path grouping, document
 * statistics) are private to the family: src/infer/internal.h.
 *
 * Ownership: arguments are borrowed; everything returned through an `out`
 * parameter belongs to the caller and is freed with the matching
 * *_release function (all accept zeroed structs).
 */
#ifndef WSM_INFER_H
#define WSM_INFER_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "error.h"
/* ------------------------------------------------------------ the command */

/* The default ignore list written into every inferred manifest. */
extern const char *const infer_default_ignore[];

/* 1 when `relpath` matches one of the NULL-terminated `globs` (glob.h, "(?i)" included). */
int infer_ignored(const char *const *globs, const char *relpath);

struct infer_opts {
	const char *tree;
	const char *exclude;           /* a folder not to walk (the output), or NULL */
	size_t max_file_size;          /* 0 means 64 MiB */
	size_t max_listed;             /* files listed per report list; 0 means 200 */
};

struct infer_child_out {
	char *table;
	char *each;
	unsigned long rows;
	size_t n_columns;
};

struct infer_rule_out {
	char *name;                    /* rule name = table name */
	char *glob;
	char *why;                     /* the rule's description */
	char *schema_file;             /* "<name>.schema.json" */
	char *schema_text;             /* its bytes */
	char *key;                     /* key column, or NULL (the path) */
	unsigned long files;           /* files the rule takes in this tree */
	unsigned long docs;            /* ... of which parseable */
	size_t n_columns;
	struct infer_child_out *children;
	size_t n_children;
};

struct infer_listed {
	char *path;
	char *reason;                  /* broken files: why; others NULL */
};

struct infer_result {
	char *tree_root;               /* absolute path of the tree */
	char *manifest_text;           /* migration.json */
	struct infer_rule_out *rules;
	size_t n_rules;
	unsigned long files;           /* JSON files considered (not ignored) */
	unsigned long ignored;         /* matched the ignore list, or not JSON */
	unsigned long parseable, broken;
	unsigned long typed_docs;      /* parseable files that a typed rule takes */
	unsigned long ungrouped;       /* files only the catch-all takes */
	struct infer_listed *ungrouped_list;   /* the first max_listed of them */
	size_t n_ungrouped_list;
	struct infer_listed *broken_list;      /* the first max_listed broken files */
	size_t n_broken_list;
};

/*
 * Infer a manifest for the tree `o->tree`: pass 1 groups the paths
 * (honouring infer_default_ignore), pass 2 reads and strictly parses every
 * file, classifies it exactly as the manifest will (first match), and folds
 * it into its group's statistics.  Broken files never shape a schema.
 * Groups left without a parseable document are dropped.  Deterministic: the
 * same tree gives the same texts.  Returns 0, ERR_USAGE (not a folder) or
 * ERR_IO; on success *out is filled (infer_result_release).
 */
int infer_run(const struct infer_opts *o, struct infer_result *out, struct error *err);

void infer_result_release(struct infer_result *r);

/*
 * Print a cJSON tree the way init writes its files: 2-space indentation,
 * keys in their order, short arrays and objects of scalars on one line,
 * a final newline.  Returns a malloc'ed string, or NULL when out of memory.
 */
char *infer_json_print(const cJSON *v);

/*
 * Fuzzing entry point: parse data[0..len) strictly; if it is JSON, infer
 * statistics from it, build the schema and the table, and check that the
 * document validates against its own schema.  Returns 0, or -1 when that
 * invariant fails (a bug).  Never prints.
 */
int infer_fuzz_one(const uint8_t *data, size_t len);

/*
 * Fuzzing entry point for path grouping: data[0..len) is read as paths,
 * one per line (those a walk could not return are skipped), sorted in walk
 * order and grouped.  Returns -1 when a group's glob is malformed or does
 * not match its own examples (a bug), else 0.  Never prints.
 */
int infer_fuzz_paths(const uint8_t *data, size_t len);

#endif
