/*
 * infer/internal.h - the layers under infer_run (include/infer.h), shared
 * by the files of src/infer/ and by tests/test_infer.c, nobody else.
 *
 * Three layers, each usable on its own (the unit tests and a fuzzer call
 * them on plain paths and cJSON trees; nothing here prints):
 *
 *   1. Names: infer_name_shape() tells a fixed name ("status", "inbox")
 *      from one that varies ("Agent-3", "TASK_0007", a date, a uuid);
 *      infer_ident() turns a key or a path part into an SQL identifier.
 *
 *   2. Path grouping (pass 1, paths only):
 *          p = infer_paths_new()
 *          infer_paths_add(p, relpath, err)      every JSON path, walk order
 *          infer_paths_finish(p, &groups, &n, err)
 *          infer_paths_free(p); infer_groups_free(groups, n)
 *      Folders are summarised when the walk leaves them, so memory depends
 *      on the depth of the tree and on the number of distinct path shapes,
 *      not on the number of files.
 *
 *   3. Document statistics (pass 2, one infer_stats per group):
 *          s = infer_stats_new()
 *          infer_stats_add(s, root, raw, raw_len, err)   every parseable doc
 *          schema = infer_stats_schema(s, title, description)
 *          infer_stats_table(s, table_name, &table, err)
 *          infer_table_release(&table); cJSON_Delete(schema); infer_stats_free(s)
 *      Statistics are kept per property path (capped), never per document;
 *      key candidates keep one 64-bit hash per document.
 *
 * infer_run() does the whole command: walk the tree twice, group, infer,
 * and return the texts of migration.json and of every schema, ready to be
 * written, with what was grouped and why.
 *
 * Ownership: arguments are borrowed; everything returned through an `out`
 * parameter belongs to the caller and is freed with the matching
 * *_free / *_release function (all accept NULL or zeroed structs).
 */
#ifndef WSM_INFER_INTERNAL_H
#define WSM_INFER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "error.h"
#include "infer.h"
#include "table.h"

/* ------------------------------------------------------------ thresholds */

/* A group of files with unrelated names needs this many files. */
#define INFER_MIN_GROUP 3
/* A single file is a group of its own when it holds this many objects in an array. */
#define INFER_MIN_ARRAY_ROWS 10
/* A property becomes a column when this share (percent) of the documents have it. */
#define INFER_COLUMN_SHARE 50
/* Columns per table, child tables per rule, groups per manifest. */
#define INFER_MAX_COLUMNS 40
#define INFER_MAX_CHILDREN 4
#define INFER_MAX_GROUPS 100
/* Nesting levels described by a schema (deeper values are left open). */
#define INFER_MAX_DEPTH 6
/*
 * Categorical strings (listed as "examples", never as "enum"): at least
 * this many values, at most this many distinct ones.
 */
#define INFER_CAT_MIN_VALUES 30
#define INFER_CAT_MAX_DISTINCT 5
/* Key uniqueness is checked for groups of at most this many documents. */
#define INFER_KEY_MAX_DOCS (1UL << 20)

/* ------------------------------------------------------------ names */

enum infer_name_kind {
	INFER_NAME_PLAIN,     /* no digits: "status", "inbox", "README" */
	INFER_NAME_NUMBERED,  /* words around digit runs: "Agent-3", "TASK_0007" */
	INFER_NAME_ID         /* a bare id: digits, a date, a uuid, a hex hash */
};

/*
 * The shape of name[0..len): lower-cased, with every uuid, hex hash, date
 * and digit run replaced by '#'.  "TASK_AGENT3_0007" -> "task_agent#_#",
 * "2025-08-13" -> "#", "7a3ca711-b461-4dbe-b31f-23150ed55a42_Agent-1_1" ->
 * "#_agent-#_#".  Writes the NUL-terminated shape into out[0..size)
 * (truncated to fit) and returns the kind of the name.
 */
enum infer_name_kind infer_name_shape(const char *name, size_t len,
				      char *out, size_t size);

/*
 * An SQL identifier from `s`: camelCase split at the case change, lower
 * case, every other run of characters that are not [a-z0-9] becomes one
 * '_', no leading or trailing '_', at most 48 bytes.  A result that does
 * not start with a letter gets `fallback`'s first letter and '_' in front
 * ("2fa" -> "c_2fa" with fallback "c"); an empty one is `fallback`; one
 * starting with "wsm_" (reserved) gets "x_" in front.  `size` >= 64.
 */
void infer_ident(const char *s, const char *fallback, char *out, size_t size);

/* 1 when `key` names an identifier: "id", "uuid", "key", "*_id", "*Id", "*_uuid", "*_key". */
int infer_is_id_name(const char *key);

/* ------------------------------------------------------------ pass 1: paths */

enum infer_group_kind {
	INFER_GROUP_NAME,      /* the same file name, e.g. "*" "/status.json" */
	INFER_GROUP_FAMILY,    /* names that vary around a fixed prefix/suffix */
	INFER_GROUP_AFFIX,     /* fixed names sharing a word, e.g. "*_RESULTS.json" */
	INFER_GROUP_FOLDER,    /* unrelated names in one folder: every .json there */
	INFER_GROUP_SINGLE     /* one or two files kept apart (see infer_run) */
};

/* One candidate group found by pass 1. */
struct infer_group {
	char *glob;                 /* relative to the tree root, glob.h syntax */
	int ignore_case;            /* members differ in the case of the fixed part */
	enum infer_group_kind kind;
	unsigned long files;        /* paths seen in pass 1 */
	char *why;                  /* "folder names vary in segment 2 (...)" */
	char *examples[2];          /* first paths, walk order (examples[1] may be NULL) */
	int tiny;                   /* too few files to be a group by path alone */
};

struct infer_paths;

/* A new, empty grouping state, or NULL when out of memory. */
struct infer_paths *infer_paths_new(void);

/*
 * Add one path (relative, '/'-separated, ending in ".json").  Paths must
 * come in the walker's order: depth first, each folder's entries together
 * (see walk.h).  Returns 0, or ERR_USAGE when the order is broken, ERR_IO
 * when out of memory.
 */
int infer_paths_add(struct infer_paths *p, const char *relpath, struct error *err);

/*
 * Close every folder and return the candidate groups, sorted so that a
 * more specific glob comes before a wider one that could also match its
 * paths (the manifest's first-match order).  *out (an array of *n) belongs
 * to the caller: infer_groups_free().  Returns 0 or ERR_IO.
 */
int infer_paths_finish(struct infer_paths *p, struct infer_group **out, size_t *n,
		       struct error *err);

void infer_paths_free(struct infer_paths *p);
void infer_groups_free(struct infer_group *g, size_t n);

/*
 * The manifest order of two globs: < 0 when `a` must come before `b`.
 * Segment by segment from the left, at the first difference: a segment
 * without wildcards first, then the one with more fixed characters.
 */
int infer_glob_cmp(const char *a, const char *b);

/* ------------------------------------------------------------ pass 2: documents */

struct infer_stats;

/* A new, empty statistics set, or NULL when out of memory. */
struct infer_stats *infer_stats_new(void);

/*
 * Fold one parsed document into the statistics.  `raw`/`raw_len` are the
 * document's bytes (after any BOM), used to check that integer key
 * candidates are exact; they may be NULL (then integers are judged from
 * cJSON's double).  Returns 0, or ERR_IO when out of memory.
 */
int infer_stats_add(struct infer_stats *s, const cJSON *root,
		    const char *raw, size_t raw_len, struct error *err);

/*
 * The group's word (the last fixed word of its glob, "tickets"): before the
 * first infer_stats_add(), it lets a property named after the group
 * ("ticket") be a key candidate beside the id-named ones.  NULL clears it.
 */
void infer_stats_key_hint(struct infer_stats *s, const char *word);

/* Documents added so far. */
unsigned long infer_stats_docs(const struct infer_stats *s);

/*
 * The draft 2020-12 schema of every document added: per property the
 * union of the types seen ("number" for any number), "required" for the
 * properties present in every instance, "format": "date-time" when every
 * string there is one, "items" from the union of the elements, nesting
 * described down to INFER_MAX_DEPTH.  No "enum": strings that look
 * categorical (INFER_CAT_*: few distinct words without digits, each seen
 * often) get "examples" instead, an annotation that never rejects.  Objects stay open to new properties.  `title` and
 * `description` may be NULL.  Returns a new tree (cJSON_Delete), or NULL
 * when out of memory.  Every document added validates against it.
 */
cJSON *infer_stats_schema(struct infer_stats *s, const char *title,
			  const char *description);

/* One column of an inferred table. */
struct infer_column {
	char *name;               /* SQL identifier, unique in its table */
	enum col_type type;
	char *json_key;           /* the property it comes from, or NULL */
	char *pointer;            /* JSON Pointer (relative to the element for children), or NULL */
	char *from_path;          /* "segment:N" for a folder that varies, or NULL */
	int from_key;             /* child rows of an object: the member name */
	int from_parent;          /* child rows: the parent's column `name` */
	int key;                  /* the upsert key: required, never lenient */
	unsigned long present;    /* documents (elements) with a non-null value */
};

struct infer_child {
	char *table;
	char *each;               /* JSON Pointer of the array ("" = the root) */
	int members;              /* each points at an object: one row per member */
	unsigned long rows;       /* elements seen */
	struct infer_column *columns;
	size_t n_columns;
};

struct infer_table {
	char *table;
	struct infer_column *columns;
	size_t n_columns;
	int key;                  /* index of the key column, or -1 (key = the path) */
	struct infer_child *children;
	size_t n_children;
};

/*
 * The typed table for the documents added: columns for the scalar
 * properties present (non-null) in at least INFER_COLUMN_SHARE percent of
 * them, typed (integer only when every value is an exact integer within
 * +/-2^53; timestamp when every value parses with tstamp_canonical; json
 * when the types are mixed); the upsert key (a property named like an id,
 * or after the group (infer_stats_key_hint), present in every document,
 * always a string or always an integer, unique across the group), else
 * none; child tables for arrays of objects (and
 * objects keyed by ids) at the root or one level down, their rows carrying
 * the parent's key.  Table names: `table`, and `table`_<property> for
 * children.  Returns 0 or ERR_IO; release *out with infer_table_release().
 */
int infer_stats_table(struct infer_stats *s, const char *table,
		      struct infer_table *out, struct error *err);

void infer_table_release(struct infer_table *t);
void infer_stats_free(struct infer_stats *s);

/*
 * The number of objects in the largest array at the root of `root` or
 * directly under it: a lone file (INFER_GROUP_SINGLE) holding at least
 * INFER_MIN_ARRAY_ROWS of them is a table of its own.
 */
unsigned long infer_doc_array_rows(const cJSON *root);

#endif
