/*
 * storage/pg_copy.c - the PostgreSQL backend's COPY layer: COPY ... FROM
 * STDIN in text format (each line remembering the file it came from, so a
 * rejected value is reported against that file) or in binary format, and
 * binary COPY ... TO STDOUT read as it streams.  The one place that knows
 * COPY's wire formats; what the rows mean is the callers' business.
 */
#include "internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pg_copy_flush(struct pg_copy *c, struct error *err)
{
	if (c->buf.failed)
		return error_set(err, ERR_IO, "copy into '%s': out of memory", c->what);
	if (c->buf.len && PQputCopyData(c->ps->conn, c->buf.buf, (int)c->buf.len) != 1)
		return pg_fail(c->ps, NULL, err, "copy");
	c->sent += (int64_t)c->buf.len;
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
	int rc = 0;

	strbuf_addch(&c->buf, '\n');
	if (ALLOC_GROW(c->paths, c->n + 1, c->alloc))
		rc = error_set(err, ERR_IO, "copy: out of memory");
	else
		c->paths[c->n++] = path;
	if (!rc && c->buf.len >= (1u << 20))
		rc = pg_copy_flush(c, err);
	if (rc)
		pg_copy_abort(c);
	return rc;
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
	snprintf(msg, sizeof(msg), "copy into '%s'", c->what);
	return pg_fail(c->ps, res, err, msg);
}

int pg_copy_end(struct pg_copy *c, struct error *err)
{
	PGresult *res;
	int rc = 0;

	if (!c->active)
		goto out;
	if (c->binary)
		strbuf_add(&c->buf, "\377\377", 2);
	if (pg_copy_flush(c, err)) {
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

/* ------------------------------------------------------------ binary COPY in */

/*
 * COPY's binary format: a header, then per row the number of fields (16
 * bits) and each field as its length (32 bits, -1 for NULL) and bytes, in
 * the type's binary form (big-endian integers and doubles, timestamptz as
 * microseconds since 2000, jsonb as a version byte 1 and the text), then
 * the trailer -1 (16 bits).
 */
static char *be32_to(char *o, uint32_t x)
{
	o[0] = (char)(x >> 24);
	o[1] = (char)(x >> 16);
	o[2] = (char)(x >> 8);
	o[3] = (char)x;
	return o + 4;
}

/*
 * A field of n bytes: its length, then room for its bytes, which the
 * caller writes through the pointer returned (NULL: out of memory, which
 * buf.failed reports at the flush).  One reservation per field: every
 * value of a promote passes here.
 */
static char *field(struct pg_copy *c, size_t n)
{
	char *o;

	if (strbuf_grow(&c->buf, 4 + n))
		return NULL;
	o = be32_to(c->buf.buf + c->buf.len, (uint32_t)n);
	c->buf.len += 4 + n;
	c->buf.buf[c->buf.len] = '\0';
	return o;
}

static void be64_to(char *o, uint64_t x)
{
	be32_to(be32_to(o, (uint32_t)(x >> 32)), (uint32_t)x);
}

void pg_copy_binary(struct pg_copy *c)
{
	c->binary = 1;
	strbuf_add(&c->buf, "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0", 19);
}

void pg_copy_row(struct pg_copy *c, size_t n)
{
	char b[2] = { (char)(n >> 8), (char)n };

	strbuf_add(&c->buf, b, 2);
}

void pg_copy_null(struct pg_copy *c)
{
	strbuf_add(&c->buf, "\377\377\377\377", 4);   /* length -1 */
}

/* Hand what is gathered, then s[0..n) as it is, in pieces, to libpq. */
static int send_raw(struct pg_copy *c, const char *s, size_t n, struct error *err)
{
	size_t off, k;

	if (pg_copy_flush(c, err))
		return ERR_IO;
	for (off = 0; off < n; off += k) {
		k = n - off < PG_COPY_CHUNK ? n - off : PG_COPY_CHUNK;
		if (PQputCopyData(c->ps->conn, s + off, (int)k) != 1)
			return pg_fail(c->ps, NULL, err, "copy");
		c->sent += (int64_t)k;
	}
	return 0;
}

int pg_copy_bytes(struct pg_copy *c, const char *s, size_t n, int jsonb,
		  struct error *err)
{
	size_t head = jsonb != 0;   /* jsonb's binary format version, 1 */
	char *o, len[5];

	if (n <= PG_COPY_CHUNK) {
		if ((o = field(c, head + n))) {
			if (head)
				*o++ = 1;
			memcpy(o, s, n);
		}
		return 0;
	}
	/* a large value goes from where it is, in pieces */
	be32_to(len, (uint32_t)(head + n));
	len[4] = 1;
	strbuf_add(&c->buf, len, 4 + head);
	return send_raw(c, s, n, err);
}

/* An 8-byte field (bigint, double precision, timestamptz). */
static void field8(struct pg_copy *c, uint64_t u)
{
	char *o = field(c, 8);

	if (o)
		be64_to(o, u);
}

void pg_copy_int8(struct pg_copy *c, int64_t v)
{
	field8(c, (uint64_t)v);
}

void pg_copy_float8(struct pg_copy *c, double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof(u));
	field8(c, u);
}

void pg_copy_bool(struct pg_copy *c, int b)
{
	char *o = field(c, 1);

	if (o)
		*o = (char)(b != 0);
}

void pg_copy_tstz(struct pg_copy *c, int64_t us)
{
	field8(c, (uint64_t)us);
}

int pg_copy_field(struct pg_copy *c, const char *s, size_t n, struct error *err)
{
	size_t off;

	if (!s) {
		strbuf_add(&c->buf, "\\N", 2);   /* out of memory shows at the flush */
		return 0;
	}
	/* a large value goes out in pieces: libpq's buffer stays small */
	for (off = 0; n - off > PG_COPY_CHUNK; off += PG_COPY_CHUNK) {
		strbuf_add_copy_field(&c->buf, s + off, PG_COPY_CHUNK);
		if (pg_copy_flush(c, err))
			return ERR_IO;
	}
	strbuf_add_copy_field(&c->buf, s + off, n - off);
	return 0;
}

/* ------------------------------------------------------------ binary COPY out */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const unsigned char *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

int pg_field_int(const struct pg_field *f, size_t width, int64_t *v)
{
	if (!f->p || f->n != width)
		return -1;
	switch (width) {
	case 8: *v = (int64_t)be64(f->p); return 0;
	case 4: *v = (int32_t)be32(f->p); return 0;
	case 2: *v = (int16_t)(f->p[0] << 8 | f->p[1]); return 0;
	}
	return -1;
}

int pg_field_float8(const struct pg_field *f, double *d)
{
	uint64_t u;

	if (!f->p || f->n != 8)
		return -1;
	u = be64(f->p);
	memcpy(d, &u, sizeof(*d));
	return 0;
}

int pg_field_bool(const struct pg_field *f, int *b)
{
	if (!f->p || f->n != 1)
		return -1;
	*b = f->p[0] != 0;
	return 0;
}

int pg_field_jsonb(const struct pg_field *f, const char **s, size_t *n)
{
	if (!f->p || f->n < 1 || f->p[0] != 1)
		return -1;
	*s = (const char *)f->p + 1;
	*n = f->n - 1;
	return 0;
}

/* Where a binary COPY stream is: before its header, in rows, past the end. */
enum bin_state { BIN_HEADER, BIN_ROWS, BIN_END };

/* A COPY TO STDOUT being read: its rows are handed to `row`. */
struct copy_out {
	size_t nfields;
	struct pg_field *f;
	int (*row)(void *ctx, const struct pg_field *f);
	void *ctx;
	int stop;                 /* what row() returned, when not 0 */
	enum bin_state st;
	struct strbuf pend;       /* an incomplete row, until its rest arrives */
};

/*
 * Hand the complete rows of binary COPY data p[0..n) to o->row; returns
 * the bytes used (a partial row is left for the next message), or -1 on
 * data that is not such a COPY.
 */
static long bin_rows(struct copy_out *o, const unsigned char *p, size_t n)
{
	static const unsigned char sig[11] = "PGCOPY\n\377\r\n";
	size_t off = 0, pos, i;

	if (o->st == BIN_HEADER) {
		if (n < 19)
			return 0;
		if (memcmp(p, sig, 11))
			return -1;
		if (n < 19 + (size_t)be32(p + 15))
			return 0;
		off = 19 + be32(p + 15);
		o->st = BIN_ROWS;
	}
	while (o->st == BIN_ROWS && !o->stop && off + 2 <= n) {
		int nf = (int16_t)(p[off] << 8 | p[off + 1]);

		if (nf == -1) {
			o->st = BIN_END;
			return (long)(off + 2);
		}
		if (nf != (int)o->nfields)
			return -1;
		pos = off + 2;
		for (i = 0; i < o->nfields; i++) {
			int32_t len;

			if (pos + 4 > n)
				return (long)off;
			len = (int32_t)be32(p + pos);
			pos += 4;
			o->f[i].p = NULL;
			o->f[i].n = 0;
			if (len == -1)
				continue;
			if (len < 0)
				return -1;
			if (pos + (size_t)len > n)
				return (long)off;
			o->f[i].p = p + pos;
			o->f[i].n = (size_t)len;
			pos += (size_t)len;
		}
		o->stop = o->row(o->ctx, o->f);
		off = pos;
	}
	return (long)off;
}

/* Feed one CopyData message to bin_rows, keeping a partial row in pend. */
static int bin_feed(struct copy_out *o, const char *buf, size_t n)
{
	long used;

	if (!o->pend.len) {
		used = bin_rows(o, (const unsigned char *)buf, n);
		if (used < 0)
			return -1;
		if ((size_t)used < n && !o->stop)
			strbuf_add(&o->pend, buf + used, n - (size_t)used);
		return o->pend.failed ? -1 : 0;
	}
	if (strbuf_add(&o->pend, buf, n))
		return -1;
	used = bin_rows(o, (const unsigned char *)o->pend.buf, o->pend.len);
	if (used < 0)
		return -1;
	memmove(o->pend.buf, o->pend.buf + used, o->pend.len - (size_t)used);
	o->pend.len -= (size_t)used;
	/* after a row of several MB, give the memory back */
	if (!o->pend.len)
		strbuf_trim_cap(&o->pend, PG_COPY_CHUNK * 8);
	return 0;
}

int pg_copy_out(struct pg_storage *ps, const char *sql, const char *table,
		size_t nfields, int (*row)(void *ctx, const struct pg_field *f),
		void *ctx, const char *what, struct error *err)
{
	struct copy_out o = { nfields, NULL, row, ctx, 0, BIN_HEADER, STRBUF_INIT };
	PGresult *res;
	int rc = 0, bad = 0;

	o.f = calloc(nfields + 1, sizeof(*o.f));
	if (!o.f)
		return error_set(err, ERR_IO, "%s: out of memory", what);
	res = PQexec(ps->conn, sql);
	if (PQresultStatus(res) != PGRES_COPY_OUT) {
		rc = pg_fail(ps, res, err, what);
		PQclear(res);
		free(o.f);
		return rc;
	}
	PQclear(res);
	for (;;) {
		char *buf = NULL;
		int n = PQgetCopyData(ps->conn, &buf, 0);

		if (n == -1)
			break;
		if (n == -2) {
			rc = pg_fail(ps, NULL, err, what);
			break;
		}
		/* after bad data or a stop, drain the stream: the connection stays usable */
		if (!bad && !o.stop && bin_feed(&o, buf, (size_t)n))
			bad = 1;
		PQfreemem(buf);
	}
	while ((res = PQgetResult(ps->conn)) != NULL) {
		if (!rc && PQresultStatus(res) != PGRES_COMMAND_OK)
			rc = pg_fail(ps, res, err, what);
		PQclear(res);
	}
	if (!rc && o.pend.failed)
		rc = error_set(err, ERR_IO, "%s: out of memory", what);
	else if (!rc && o.stop)
		rc = o.stop;
	else if (!rc && (bad || o.st != BIN_END || o.pend.len))
		rc = error_set(err, ERR_IO, "%s: unexpected data in the copy of table '%s'",
			       what, table);
	strbuf_release(&o.pend);
	free(o.f);
	return rc;
}
