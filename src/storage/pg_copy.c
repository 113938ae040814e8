/*
 * storage/pg_copy.c - the PostgreSQL backend's COPY layer: COPY ... FROM
 * STDIN in text format, each line remembering the file it came from so a
 * rejected value is reported against that file.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int copy_flush(struct pg_copy *c, struct error *err)
{
	if (c->buf.failed)
		return error_set(err, ERR_IO, "copy into '%s': out of memory", c->what);
	if (c->buf.len && PQputCopyData(c->ps->conn, c->buf.buf, (int)c->buf.len) != 1)
		return pg_fail(c->ps, NULL, err, "copy");
	strbuf_reset(&c->buf);
	return 0;
}

int pg_copy_start_sql(struct pg_copy *c, struct pg_storage *ps, const char *sql,
		      const char *what, struct error *err)
{
	PGresult *res;

	memset(c, 0, sizeof(*c));
	c->ps = ps;
	c->what = what;
	res = PQexec(ps->conn, sql);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		char ctx[300];

		snprintf(ctx, sizeof(ctx), "copy into '%s'", what);
		pg_fail(ps, res, err, ctx);
		PQclear(res);
		return ERR_IO;
	}
	PQclear(res);
	c->active = 1;
	return 0;
}

int pg_copy_start(struct pg_copy *c, struct pg_storage *ps,
		  const struct strbuf *sql, const char *what, struct error *err)
{
	if (sql->failed) {
		memset(c, 0, sizeof(*c));
		return error_set(err, ERR_IO, "copy into '%s': out of memory", what);
	}
	return pg_copy_start_sql(c, ps, strbuf_str(sql), what, err);
}

int pg_copy_eol(struct pg_copy *c, const char *path, struct error *err)
{
	strbuf_addch(&c->buf, '\n');
	if (ALLOC_GROW(c->paths, c->n + 1, c->alloc))
		return error_set(err, ERR_IO, "copy: out of memory");
	c->paths[c->n++] = path;
	if (c->buf.len >= (1u << 20))
		return copy_flush(c, err);
	return 0;
}

/* Map "COPY x, line N, column C: ..." back to the path and the column. */
static int copy_error(struct pg_copy *c, const PGresult *res, struct error *err)
{
	const char *ctx0 = PQresultErrorField(res, PG_DIAG_CONTEXT);
	/* skip inner contexts such as "JSON data, line 1: ..." */
	const char *ctx = ctx0 ? strstr(ctx0, "COPY ") : NULL;
	const char *l = ctx ? strstr(ctx, ", line ") : NULL;
	const char *colp = ctx ? strstr(ctx, ", column ") : NULL;
	char col[128] = "", msg[1024];
	long line = l ? strtol(l + 7, NULL, 10) : 0;

	if (colp) {
		size_t n = strcspn(colp + 9, ":\n");

		snprintf(col, sizeof(col), " (column '%.*s')", (int)(n < 100 ? n : 100),
			 colp + 9);
	}
	if (line >= 1 && (size_t)line <= c->n && c->paths[line - 1])
		return error_set_at(err, ERR_IO, c->paths[line - 1], 0, 0, NULL,
				    "cannot store in table '%s': %s%s", c->what,
				    pg_message(c->ps->conn, res, 0, msg, sizeof(msg)), col);
	return pg_fail(c->ps, res, err, "copy");
}

int pg_copy_end(struct pg_copy *c, struct error *err)
{
	PGresult *res;
	int rc = 0;

	if (!c->active)
		goto out;
	if (copy_flush(c, err)) {
		PQputCopyEnd(c->ps->conn, "client error");
		rc = ERR_IO;
	} else if (PQputCopyEnd(c->ps->conn, NULL) != 1) {
		rc = pg_fail(c->ps, NULL, err, "copy");
	}
	while ((res = PQgetResult(c->ps->conn)) != NULL) {
		if (!rc && PQresultStatus(res) != PGRES_COMMAND_OK)
			rc = copy_error(c, res, err);
		PQclear(res);
	}
	c->active = 0;
out:
	strbuf_release(&c->buf);
	free(c->paths);
	c->paths = NULL;
	return rc;
}

void pg_copy_abort(struct pg_copy *c)
{
	PGresult *res;

	if (c->active) {
		PQputCopyEnd(c->ps->conn, "client error");
		while ((res = PQgetResult(c->ps->conn)) != NULL)
			PQclear(res);
		c->active = 0;
	}
	strbuf_release(&c->buf);
	free(c->paths);
	c->paths = NULL;
}
