/*
 * manifest.h - the declared migration manifest (schema/migration.json).
 *
 * A manifest lists rules.  Each rule has globs (relative to the tree root),
 * an optional JSON Schema file, a target table with its columns (JSON
 * Pointers plus a type, values from the path, defaults), an optional upsert
 * key, and optional child tables derived from parts of the document.  The
 * first rule whose glob matches a path wins; a "catch_all" rule, always
 * the last, takes what no other rule matched.  A manifest may build on
 * others ("extends", "drop"): bases are merged first, in order, then the
 * manifest's own rules replace base rules of the same name in place or go
 * before the base's catch-all.  The format is documented in
 * schema/README.md.
 *
 * Calling sequence: manifest_load -> manifest_classify (any number of
 * times) -> manifest_free.  The loader merges the chain of manifests, and
 * the tables that several rules share into m->tables, ready for
 * storage_ensure_tables.
 *
 * Ownership: everything reachable from struct manifest belongs to it and is
 * freed by manifest_free.  The structs are public because the mapper and the
 * pipeline read them; treat them as read-only after loading.
 */
#ifndef WSM_MANIFEST_H
#define WSM_MANIFEST_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "error.h"
#include "table.h"

/* Where a column's value comes from when its pointers yield nothing. */
enum path_source {
	PATH_NONE,
	PATH_SEGMENT,   /* "segment:N": N-th '/' segment, negative from the end */
	PATH_STEM,      /* "stem": file name without ".json" */
	PATH_NAME,      /* "name": file name */
	PATH_PATH,      /* "path": the relative path */
	PATH_DIR,       /* "dir": the relative parent directory ("" at the root) */
	PATH_KIND       /* "kind": "<last folder>/<stem>" (the stem alone at the
			   root), lower-cased, each run of ASCII digits -> '#' */
};

enum elem_source {
	ELEM_NONE,
	ELEM_KEY,       /* "key": member name, array index as text, or leaf pointer */
	ELEM_INDEX,     /* "index": position of the element */
	ELEM_PARENT     /* "parent": the value main-table column `parent_col`
			   received for this document */
};

struct manifest_column {
	char *name;
	enum col_type type;
	char **pointers;          /* tried in order; first present, non-null wins */
	size_t n_pointers;
	enum path_source from_path;
	int segment;              /* for PATH_SEGMENT */
	enum elem_source from;    /* child tables only */
	size_t parent_col;        /* ELEM_PARENT: index in rule->main.columns */
	int required;
	int on_error_null;        /* "on_error": "null": a value that does not
				     fit becomes NULL plus a warning */
	cJSON *default_value;     /* owned copy, or NULL */
};

/* How one rule fills one table (its main table or a child table). */
struct manifest_target {
	char *table;
	struct manifest_column *columns;
	size_t n_columns;
	char **each;              /* child tables: pointers to the array/object */
	size_t n_each;
	int each_leaves;          /* child tables: each == "**" */
	const struct table_def *def;    /* merged definition in manifest->tables */
	size_t *def_col;          /* def->columns index of each column */
};

struct manifest_rule {
	char *name;
	char **globs;
	size_t n_globs;
	size_t *glob_prefix;      /* length of each glob's literal prefix
				     (0 for case-insensitive globs) */
	int catch_all;            /* "catch_all": true (always the last rule) */
	int ignore_case;          /* "ignore_case": true */
	const char *file;         /* the manifest file that declared the rule
				     (one of manifest->files) */
	char *schema_path;        /* resolved against the folder of `file`, or NULL */
	struct manifest_target main;
	struct manifest_target *children;
	size_t n_children;
	const struct table_def **tables;  /* main then children, for file_entry */
	size_t n_tables;
	const void *compiled_schema;      /* set by the pipeline; not owned */
};

struct manifest {
	char *path;               /* the manifest file */
	char *dir;                /* its folder */
	char sha256[65];          /* of the file's bytes; with bases, of the
				     sha256 of every file of the chain */
	char **files;             /* every file of the chain, bases first */
	size_t n_files;
	char **ignore;            /* globs of paths never considered */
	size_t n_ignore;
	struct manifest_rule *rules;
	size_t n_rules;
	const struct manifest_rule *catch_all;   /* the last rule, or NULL */
	struct table_def *tables; /* merged across rules, in first-use order */
	size_t n_tables;
};

/*
 * Load and check the manifest at `path` (a file, or a folder holding
 * migration.json), with the manifests it extends.  A malformed manifest is
 * ERR_USAGE with err->path set to the file of the chain that holds the
 * problem and err->pointer to the JSON Pointer of the bad entry.  On
 * success *out belongs to the caller (manifest_free).
 */
int manifest_load(const char *path, struct manifest **out, struct error *err);

/* Free the manifest.  Accepts NULL. */
void manifest_free(struct manifest *m);

/*
 * The folder of the default manifest that `"extends": "default"` names:
 * $WSMIGRATE_DEFAULT_SCHEMA, else WSM_SHAREDIR/schema, else
 * <folder of the executable>/schema, else
 * <folder of the executable>/../share/wsmigrate/schema (the first holding
 * a migration.json; the variable is taken as given).  Returns buf, or NULL
 * with err set (ERR_USAGE).
 */
const char *manifest_default_dir(char *buf, size_t size, struct error *err);

/* The first rule matching `relpath`, or NULL when none matches. */
const struct manifest_rule *manifest_classify(const struct manifest *m,
					      const char *relpath);

/* 1 when `relpath` matches one of the manifest's ignore globs. */
int manifest_ignored(const struct manifest *m, const char *relpath);

/*
 * Find the manifest for `--schema DIR`: `flag` when given, else
 * $WSMIGRATE_SCHEMA, else ./schema, else the installed share dir.
 * Writes the chosen folder into buf and returns buf, or NULL (with err set)
 * when none exists.
 */
const char *manifest_find_dir(const char *flag, char *buf, size_t size,
			      struct error *err);

#endif
