/*
 * table.c - the names of the data model's column types (see table.h).
 * Nothing here stores or maps anything.
 */
#include "table.h"

#include <string.h>

static const char *const col_type_names[] = {
	[COL_TEXT] = "text",
	[COL_INTEGER] = "integer",
	[COL_REAL] = "real",
	[COL_BOOLEAN] = "boolean",
	[COL_TIMESTAMP] = "timestamp",
	[COL_JSON] = "json",
};

const char *col_type_name(enum col_type t)
{
	if ((size_t)t < sizeof(col_type_names) / sizeof(col_type_names[0]))
		return col_type_names[t];
	return "?";
}

int col_type_parse(const char *name, enum col_type *out)
{
	size_t i;

	for (i = 0; i < sizeof(col_type_names) / sizeof(col_type_names[0]); i++) {
		if (strcmp(name, col_type_names[i]) == 0) {
			*out = (enum col_type)i;
			return 0;
		}
	}
	return -1;
}
