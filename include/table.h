/*
 * table.h - the data model: tables, columns, typed values and rows.
 *
 * What a manifest declares (manifest.h), what the mapper makes of a
 * document (rowmap.h) and what a storage backend stores (storage.h) meet
 * here.  The model knows no SQL dialect and does no I/O: the backends turn
 * it into DDL and rows, and keep its definitions in their wsm_tables.
 *
 * Ownership: the structs only point; whoever fills them owns what they
 * point to (the manifest its table definitions, the mapper its values) and
 * keeps it alive as long as they are used.
 */
#ifndef WSM_TABLE_H
#define WSM_TABLE_H

#include <stddef.h>
#include <stdint.h>

/* Column types a manifest can declare. */
enum col_type {
	COL_TEXT,      /* SQLite TEXT,    PostgreSQL text */
	COL_INTEGER,   /* SQLite INTEGER, PostgreSQL bigint */
	COL_REAL,      /* SQLite REAL,    PostgreSQL double precision */
	COL_BOOLEAN,   /* SQLite INTEGER 0/1, PostgreSQL boolean */
	COL_TIMESTAMP, /* SQLite TEXT "YYYY-MM-DDTHH:MM:SS[.ffffff]Z" (UTC),
			  PostgreSQL timestamptz */
	COL_JSON       /* SQLite TEXT (json_valid), PostgreSQL jsonb */
};

/* Name of a column type as written in manifests ("text", ...). */
const char *col_type_name(enum col_type t);
/* Parse a manifest type name.  Returns 0 and sets *out, or -1. */
int col_type_parse(const char *name, enum col_type *out);

struct column_def {
	const char *name;
	enum col_type type;
};

/*
 * One data table.  Columns are the declared ones only; the backend adds the
 * system columns.  `key` names the columns of the upsert key: a row whose
 * key equals an existing row's replaces it (the old row goes to history).
 * With n_key == 0 the key is (_path) for main tables and (_path, _index)
 * for child tables.  `indexes` are extra single-column indexes.
 */
struct table_def {
	const char *name;
	int is_child;                   /* rows derived from parts of a document */
	const struct column_def *columns;
	size_t n_columns;
	const char *const *key;
	size_t n_key;
	const char *const *indexes;
	size_t n_indexes;
};

/*
 * A typed value.  `is_null` wins over everything else.  Strings are UTF-8,
 * never contain NUL bytes, and are not NUL-terminated necessarily: use len.
 * TIMESTAMP values are canonical UTC text as described above; JSON values
 * are the original JSON text of the value.
 */
struct value {
	int is_null;
	int64_t i;          /* INTEGER; BOOLEAN as 0/1 */
	double d;           /* REAL */
	const char *s;      /* TEXT, TIMESTAMP, JSON */
	size_t len;
};

/* One row for one table.  values[k] belongs to table->columns[k]. */
struct row {
	const struct table_def *table;
	const struct value *values;
	int64_t index;      /* position within the file; used by child tables */
};

#endif
