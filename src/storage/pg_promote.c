/*
 * storage/pg_promote.c - the PostgreSQL side of promote: what it asks of
 * the target inside the transaction that storage_begin opened (columns,
 * emptiness, TRUNCATE, indexes set aside while a table loads, TOAST
 * compression, sequences) and the COPY statements of a table both ways.
 * The order of the steps, the rows and the checksums are promote.c's.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testhook.h"

/* The data model's type of a PostgreSQL type (format_type's name). */
static enum col_type type_of(const char *pg_type)
{
	if (!strcmp(pg_type, "bigint") || !strcmp(pg_type, "integer") ||
	    !strcmp(pg_type, "smallint"))
		return COL_INTEGER;
	if (!strcmp(pg_type, "double precision") || !strcmp(pg_type, "real") ||
	    !strcmp(pg_type, "numeric"))
		return COL_REAL;
	if (!strcmp(pg_type, "boolean"))
		return COL_BOOLEAN;
	if (!strncmp(pg_type, "timestamp", 9))
		return COL_TIMESTAMP;
	if (!strcmp(pg_type, "jsonb") || !strcmp(pg_type, "json"))
		return COL_JSON;
	return COL_TEXT;
}

static enum pg_wire wire_of(const char *pg_type)
{
	static const struct { const char *type; enum pg_wire w; } native[] = {
		{ "text", PG_WIRE_TEXT }, { "bigint", PG_WIRE_INT8 },
		{ "integer", PG_WIRE_INT4 }, { "smallint", PG_WIRE_INT2 },
		{ "double precision", PG_WIRE_FLOAT8 }, { "boolean", PG_WIRE_BOOL },
		{ "timestamp with time zone", PG_WIRE_TSTZ }, { "jsonb", PG_WIRE_JSONB },
	};
	size_t i;

	for (i = 0; i < sizeof(native) / sizeof(native[0]); i++)
		if (!strcmp(pg_type, native[i].type))
			return native[i].w;
	return type_of(pg_type) == COL_TIMESTAMP ? PG_WIRE_TS_CHAR : PG_WIRE_TEXT_CAST;
}

int pg_wire_binary(enum pg_wire w)
{
	return w == PG_WIRE_TEXT || w == PG_WIRE_JSONB || w == PG_WIRE_INT8 ||
	       w == PG_WIRE_FLOAT8 || w == PG_WIRE_BOOL || w == PG_WIRE_TSTZ;
}

int pg_target_columns(struct storage *st, const char *table,
		      struct pg_column **out, size_t *n, struct error *err)
{
	struct pg_storage *ps = pg_downcast(st);
	const char *params[1] = { table };
	struct pg_column *c;
	PGresult *res;
	int i;

	*out = NULL;
	*n = 0;
	if (pg_exec(ps, "SELECT a.attname, format_type(a.atttypid, a.atttypmod)"
		    " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
		    " WHERE c.relname = $1 AND c.relnamespace ="
		    " (SELECT oid FROM pg_namespace WHERE nspname = current_schema())"
		    " AND a.attnum > 0 AND NOT a.attisdropped"
		    " ORDER BY a.attname COLLATE \"C\"",
		    1, params, &res, err, "read the target's columns"))
		return ERR_IO;
	c = calloc((size_t)PQntuples(res) + 1, sizeof(*c));
	if (!c) {
		PQclear(res);
		return error_set(err, ERR_IO, "out of memory");
	}
	for (i = 0; i < PQntuples(res); i++) {
		if (!(c[i].name = util_strdup(PQgetvalue(res, i, 0)))) {
			pg_columns_free(c, (size_t)i);
			PQclear(res);
			return error_set(err, ERR_IO, "out of memory");
		}
		c[i].type = type_of(PQgetvalue(res, i, 1));
		c[i].wire = wire_of(PQgetvalue(res, i, 1));
	}
	*out = c;
	*n = (size_t)PQntuples(res);
	PQclear(res);
	return 0;
}

void pg_columns_free(struct pg_column *c, size_t n)
{
	size_t i;

	for (i = 0; c && i < n; i++)
		free(c[i].name);
	free(c);
}

int pg_target_extra(struct storage *st, char *const *names, size_t n,
		    char ***out, size_t *n_out, struct error *err)
{
	struct pg_storage *ps = pg_downcast(st);
	PGresult *res;
	size_t alloc = 0, i;
	int k, rc = 0;

	*out = NULL;
	*n_out = 0;
	if (pg_exec(ps, "SELECT to_regclass('wsm_tables') IS NOT NULL", 0, NULL, &res,
		    err, "inspect the target"))
		return ERR_IO;
	k = !strcmp(PQgetvalue(res, 0, 0), "t");
	PQclear(res);
	if (!k)
		return 0;
	if (pg_exec(ps, "SELECT c.relname FROM wsm_tables w, LATERAL (VALUES (w.name),"
		    " ('wsm_hist_' || w.name)) AS v(t)"
		    " JOIN pg_class c ON c.relname = v.t AND c.relkind = 'r'"
		    " AND c.relnamespace = (SELECT oid FROM pg_namespace"
		    " WHERE nspname = current_schema())",
		    0, NULL, &res, err, "inspect the target"))
		return ERR_IO;
	for (k = 0; k < PQntuples(res) && !rc; k++) {
		const char *t = PQgetvalue(res, k, 0);

		for (i = 0; i < n; i++)
			if (!strcmp(names[i], t))
				break;
		if (i < n)
			continue;
		if (ALLOC_GROW(*out, *n_out + 1, alloc) ||
		    !((*out)[*n_out] = util_strdup(t)))
			rc = error_set(err, ERR_IO, "out of memory");
		else
			(*n_out)++;
	}
	PQclear(res);
	return rc;
}

int pg_target_check_empty(struct storage *st, char *const *names, size_t n,
			  const char *shown, struct error *err)
{
	struct pg_storage *ps = pg_downcast(st);
	struct strbuf sql = STRBUF_INIT;
	PGresult *res;
	size_t i;
	int rc = 0;

	for (i = 0; i < n && !rc; i++) {
		const char *params[1] = { names[i] };

		if (pg_exec(ps, "SELECT 1 FROM pg_class WHERE relkind = 'r' AND relname = $1"
			    " AND relnamespace = (SELECT oid FROM pg_namespace"
			    " WHERE nspname = current_schema())",
			    1, params, &res, err, "inspect the target")) {
			rc = ERR_IO;
			break;
		}
		if (PQntuples(res) == 1) {
			PQclear(res);
			strbuf_reset(&sql);
			strbuf_addstr(&sql, "SELECT EXISTS (SELECT 1 FROM ");
			strbuf_add_ident(&sql, names[i]);
			strbuf_addstr(&sql, ")");
			if (pg_exec_sb(ps, &sql, 0, NULL, &res, err, "inspect the target")) {
				rc = ERR_IO;
				break;
			}
			if (!strcmp(PQgetvalue(res, 0, 0), "t")) {
				/* a state of the target, not a usage error (exit 3) */
				rc = error_set(err, ERR_IO, "%s is not empty (table '%s' has rows)",
					       shown, names[i]);
				error_hint(err, "promote --force replaces its contents, or give an"
					   " empty database");
			}
		}
		PQclear(res);
	}
	strbuf_release(&sql);
	return rc;
}

int pg_target_truncate(struct storage *st, char *const *names, size_t n,
		       struct error *err)
{
	struct strbuf sql = STRBUF_INIT;
	size_t i;
	int rc;

	strbuf_addstr(&sql, "TRUNCATE ");
	for (i = 0; i < n; i++) {
		if (i)
			strbuf_addstr(&sql, ", ");
		strbuf_add_ident(&sql, names[i]);
	}
	rc = pg_exec_sb(pg_downcast(st), &sql, 0, NULL, NULL, err, "empty the target");
	strbuf_release(&sql);
	return rc;
}

int pg_target_bump_sequences(struct storage *st, char *const *names, size_t n,
			     struct error *err)
{
	struct pg_storage *ps = pg_downcast(st);
	struct strbuf sql = STRBUF_INIT;
	size_t i;
	int rc = 0;

	for (i = 0; i < n && !rc; i++) {
		const char *col = !strncmp(names[i], HIST_PREFIX, strlen(HIST_PREFIX)) ?
				  "_hist_seq" : !strcmp(names[i], LEDGER_WARNINGS) ? "seq" : NULL;
		const char *params[1] = { names[i] };

		if (!col)
			continue;
		strbuf_reset(&sql);
		strbuf_addf(&sql, "SELECT setval(pg_get_serial_sequence(quote_ident($1), '%s'),"
			    " coalesce(max(\"%s\"), 0) + 1, false) FROM ", col, col);
		strbuf_add_ident(&sql, names[i]);
		rc = pg_exec_sb(ps, &sql, 1, params, NULL, err, "set the history sequences");
	}
	strbuf_release(&sql);
	return rc;
}

int pg_target_defer_indexes(struct storage *st, const char *table,
			    struct strbuf *defs, struct error *err)
{
	struct pg_storage *ps = pg_downcast(st);
	const char *params[1] = { table };
	struct strbuf drop = STRBUF_INIT;
	PGresult *res;
	int i, rc = 0;

	if (pg_exec(ps, "SELECT format('%I.%I', n.nspname, ci.relname), pg_get_indexdef(i.indexrelid)"
		    " FROM pg_index i JOIN pg_class ci ON ci.oid = i.indexrelid"
		    " JOIN pg_class ct ON ct.oid = i.indrelid"
		    " JOIN pg_namespace n ON n.oid = ci.relnamespace"
		    " WHERE ct.relname = $1 AND ct.relnamespace ="
		    " (SELECT oid FROM pg_namespace WHERE nspname = current_schema())"
		    " AND i.indisvalid AND i.indisready AND NOT i.indisclustered"
		    " AND NOT i.indisreplident AND ci.reltablespace = 0"
		    " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)"
		    " AND obj_description(i.indexrelid, 'pg_class') IS NULL"
		    " ORDER BY ci.relname",
		    1, params, &res, err, "inspect the target's indexes"))
		return ERR_IO;
	for (i = 0; i < PQntuples(res); i++) {
		strbuf_addstr(&drop, i ? ", " : "DROP INDEX ");
		strbuf_addstr(&drop, PQgetvalue(res, i, 0));
		strbuf_addstr(defs, PQgetvalue(res, i, 1));
		strbuf_addstr(defs, ";\n");
	}
	PQclear(res);
	if (drop.failed || defs->failed)
		rc = error_set(err, ERR_IO, "out of memory");
	else if (drop.len)
		rc = pg_exec(ps, drop.buf, 0, NULL, NULL, err, "set the indexes aside");
	strbuf_release(&drop);
	return rc;
}

int pg_target_build_indexes(struct storage *st, const struct strbuf *defs,
			    struct error *err)
{
	return pg_exec_sb(pg_downcast(st), defs, 0, NULL, NULL, err, "build the indexes");
}

int pg_target_fast_toast(struct storage *st, struct error *err)
{
	struct pg_storage *ps = pg_downcast(st);
	PGresult *res;
	int lz4;

	if (pg_exec(ps, "SELECT 'lz4' = ANY(enumvals) AND setting = 'pglz'"
		    " AND source = 'default' FROM pg_settings"
		    " WHERE name = 'default_toast_compression'",
		    0, NULL, &res, err, "inspect the target"))
		return ERR_IO;
	lz4 = PQntuples(res) == 1 && !strcmp(PQgetvalue(res, 0, 0), "t");
	PQclear(res);
	return lz4 ? pg_exec(ps, "SET LOCAL default_toast_compression = lz4", 0, NULL,
			     NULL, err, "set the compression") : 0;
}

int pg_target_copy_in(struct storage *st, struct pg_copy *c, const char *table,
		      const struct pg_column *cols, size_t n, int binary,
		      struct error *err)
{
	struct strbuf sql = STRBUF_INIT;
	size_t i;
	int rc;

	strbuf_addstr(&sql, "COPY ");
	strbuf_add_ident(&sql, table);
	strbuf_addstr(&sql, " (");
	for (i = 0; i < n; i++) {
		if (i)
			strbuf_addstr(&sql, ", ");
		strbuf_add_ident(&sql, cols[i].name);
	}
	strbuf_addstr(&sql, binary ? ") FROM STDIN (FORMAT binary)" : ") FROM STDIN");
	rc = pg_copy_start(c, pg_downcast(st), &sql, table, err);
	strbuf_release(&sql);
	if (!rc && binary)
		pg_copy_binary(c);
	return rc;
}

int pg_target_copy_out(struct storage *st, const char *table,
		       const struct pg_column *cols, size_t n,
		       int (*row)(void *ctx, const struct pg_field *f), void *ctx,
		       struct error *err)
{
	struct strbuf sql = STRBUF_INIT;
	size_t i;
	int rc;

	strbuf_addstr(&sql, "COPY (SELECT ");
	for (i = 0; i < n; i++) {
		if (i)
			strbuf_addstr(&sql, ", ");
		if (cols[i].wire == PG_WIRE_TS_CHAR) {
			strbuf_addstr(&sql, "to_char(");
			strbuf_add_ident(&sql, cols[i].name);
			strbuf_addstr(&sql, " AT TIME ZONE 'UTC', " PG_TS_FORMAT ")");
		} else {
			strbuf_add_ident(&sql, cols[i].name);
			if (cols[i].wire == PG_WIRE_TEXT_CAST)
				strbuf_addstr(&sql, "::text");
		}
	}
	strbuf_addstr(&sql, " FROM ");
	strbuf_add_ident(&sql, table);
	strbuf_addstr(&sql, ") TO STDOUT (FORMAT binary)");
	if (sql.failed)
		rc = error_set(err, ERR_IO, "out of memory");
	else
		rc = pg_copy_out(pg_downcast(st), sql.buf, table, n, row, ctx, "verify", err);
	strbuf_release(&sql);
	return rc;
}

#ifdef WSM_TEST_HOOKS
int pg_target_fault(struct storage *st, const char *table, struct error *err)
{
	const char *f = TESTHOOK_ARG("promote-alter");
	struct strbuf sql = STRBUF_INIT;
	int rc;

	if (!f || strcmp(f, table) != 0)
		return 0;
	strbuf_addstr(&sql, "UPDATE ");
	strbuf_add_ident(&sql, table);
	strbuf_addstr(&sql, " SET \"_sha256\" = 'altered' WHERE ctid = (SELECT ctid FROM ");
	strbuf_add_ident(&sql, table);
	strbuf_addstr(&sql, " LIMIT 1)");
	rc = pg_exec_sb(pg_downcast(st), &sql, 0, NULL, NULL, err, "fault injection");
	strbuf_release(&sql);
	return rc;
}
#endif
