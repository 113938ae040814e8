/*
 * backup/index.c - the archive's index (MANIFEST.json, and the copy beside
 * the archive): its reader, and backup_read_index.  The layout is in
 * backup.h; the writer thread writes it (writer.c).
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define INDEX_LINE_MAX (256u * 1024u)
#define TAIL_MAX (64 * 1024)

/* A tiny reader for the flat JSON objects of the index lines. */
struct jp {
	const char *p, *end;
	const char *why;
};

static void jp_ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\r' ||
				 *j->p == '\n'))
		j->p++;
}

static int jp_char(struct jp *j, char c)
{
	jp_ws(j);
	if (j->p < j->end && *j->p == c) {
		j->p++;
		return 1;
	}
	return 0;
}

static void utf8_put(struct strbuf *b, unsigned long cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	strbuf_add(b, u, n);
}

static int jp_hex4(struct jp *j, unsigned long *v)
{
	int i;

	if (j->end - j->p < 4)
		return -1;
	*v = 0;
	for (i = 0; i < 4; i++) {
		int h = util_hex_digit((unsigned char)j->p[i]);

		if (h < 0)
			return -1;
		*v = *v << 4 | (unsigned long)h;
	}
	j->p += 4;
	return 0;
}

/* Parse a JSON string into out (reset first).  Returns 0 or -1 (j->why). */
static int jp_string(struct jp *j, struct strbuf *out)
{
	out->len = 0;
	strbuf_add(out, "", 0);
	if (!jp_char(j, '"')) {
		j->why = "expected a string";
		return -1;
	}
	while (j->p < j->end) {
		unsigned char c = (unsigned char)*j->p++;
		unsigned long cp, lo;

		if (c == '"')
			return out->failed ? (j->why = "out of memory", -1) : 0;
		if (c < 0x20) {
			j->why = "control character in string";
			return -1;
		}
		if (c != '\\') {
			strbuf_add(out, (const char *)&c, 1);
			continue;
		}
		if (j->p >= j->end)
			break;
		c = (unsigned char)*j->p++;
		switch (c) {
		case '"': case '\\': case '/':
			strbuf_add(out, (const char *)&c, 1);
			break;
		case 'b': strbuf_add(out, "\b", 1); break;
		case 'f': strbuf_add(out, "\f", 1); break;
		case 'n': strbuf_add(out, "\n", 1); break;
		case 'r': strbuf_add(out, "\r", 1); break;
		case 't': strbuf_add(out, "\t", 1); break;
		case 'u':
			if (jp_hex4(j, &cp))
				goto bad_escape;
			if (cp >= 0xd800 && cp < 0xdc00) {
				if (j->end - j->p < 6 || j->p[0] != '\\' || j->p[1] != 'u')
					goto bad_escape;
				j->p += 2;
				if (jp_hex4(j, &lo) || lo < 0xdc00 || lo >= 0xe000)
					goto bad_escape;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp < 0xe000) {
				goto bad_escape;
			}
			if (cp == 0) {
				j->why = "NUL character in string";
				return -1;
			}
			utf8_put(out, cp);
			break;
		default:
			goto bad_escape;
		}
	}
	j->why = "unterminated string";
	return -1;
bad_escape:
	j->why = "bad escape in string";
	return -1;
}

static int jp_int(struct jp *j, int64_t *v)
{
	char buf[32];
	size_t n = 0;
	char *endp;
	long long x;

	jp_ws(j);
	while (j->p + n < j->end && n < sizeof(buf) - 1 &&
	       ((j->p[n] >= '0' && j->p[n] <= '9') || (n == 0 && j->p[n] == '-')))
		n++;
	if (n == 0 || (n == 1 && j->p[0] == '-')) {
		j->why = "expected an integer";
		return -1;
	}
	memcpy(buf, j->p, n);
	buf[n] = '\0';
	errno = 0;
	x = strtoll(buf, &endp, 10);
	if (errno || *endp) {
		j->why = "integer out of range";
		return -1;
	}
	j->p += n;
	*v = (int64_t)x;
	return 0;
}

enum jv_kind { JV_STRING, JV_INT, JV_ARRAY };

/* One "key": value member; a '[' value is consumed and reported as JV_ARRAY. */
static int jp_member(struct jp *j, struct strbuf *key, struct strbuf *val,
		     enum jv_kind *kind, int64_t *iv)
{
	if (jp_string(j, key))
		return -1;
	if (!jp_char(j, ':')) {
		j->why = "expected ':'";
		return -1;
	}
	jp_ws(j);
	if (j->p < j->end && *j->p == '"') {
		*kind = JV_STRING;
		return jp_string(j, val);
	}
	if (j->p < j->end && *j->p == '[') {
		j->p++;
		*kind = JV_ARRAY;
		return 0;
	}
	*kind = JV_INT;
	return jp_int(j, iv);
}

static void copy_field(char *dst, size_t size, const struct strbuf *v)
{
	snprintf(dst, size, "%s", v->buf ? v->buf : "");
}

static int header_member(struct backup_index_info *info, const struct strbuf *key,
			 enum jv_kind kind, const struct strbuf *val, int64_t iv,
			 const char **why)
{
	(void)iv;
	if (kind != JV_STRING)
		return 0;   /* unknown numeric members are tolerated */
	if (!strcmp(key->buf, "format"))
		copy_field(info->format, sizeof(info->format), val);
	else if (!strcmp(key->buf, "run_id"))
		copy_field(info->run_id, sizeof(info->run_id), val);
	else if (!strcmp(key->buf, "tree_root"))
		copy_field(info->tree_root, sizeof(info->tree_root), val);
	else if (!strcmp(key->buf, "tool_version"))
		copy_field(info->tool_version, sizeof(info->tool_version), val);
	else if (!strcmp(key->buf, "created_at"))
		copy_field(info->created_at, sizeof(info->created_at), val);
	(void)why;
	return 0;
}

enum { F_PATH = 1, F_SIZE = 2, F_MODE = 4, F_MTIME = 8, F_SHA = 16, F_ALL = 31 };

static int record_member(struct backup_index_rec *r, int *have, const struct strbuf *key,
			 enum jv_kind kind, const struct strbuf *val, int64_t iv,
			 const char **why)
{
	if (kind == JV_ARRAY) {
		*why = "unexpected array in a file record";
		return -1;
	}
	if (!strcmp(key->buf, "path") && kind == JV_STRING) {
		r->path = val->buf;
		r->pathlen = val->len;
		*have |= F_PATH;
	} else if (!strcmp(key->buf, "sha256") && kind == JV_STRING) {
		if (val->len != 64 || backup_sha_decode(val->buf, val->len, r->sha)) {
			*why = "bad sha256";
			return -1;
		}
		*have |= F_SHA;
	} else if (!strcmp(key->buf, "size") && kind == JV_INT && iv >= 0) {
		r->size = (uint64_t)iv;
		*have |= F_SIZE;
	} else if (!strcmp(key->buf, "mode") && kind == JV_INT && iv >= 0 && iv <= 07777) {
		r->mode = (uint32_t)iv;
		*have |= F_MODE;
	} else if (!strcmp(key->buf, "mtime_ns") && kind == JV_INT) {
		r->mtime_ns = iv;
		*have |= F_MTIME;
	} else if (!strcmp(key->buf, "path") || !strcmp(key->buf, "sha256") ||
		   !strcmp(key->buf, "size") || !strcmp(key->buf, "mode") ||
		   !strcmp(key->buf, "mtime_ns")) {
		*why = "bad value in a file record";
		return -1;
	}
	return 0;
}

int backup_index_parse(FILE *f, const char *name,
			  struct backup_index_info *info,
			  int (*rec)(void *ctx, const struct backup_index_rec *r, struct error *err),
			  void *ctx, int footer_counts, struct error *err)
{
	char *line = malloc(INDEX_LINE_MAX);
	struct strbuf key = { 0 }, val = { 0 }, pathv = { 0 };
	enum { S_HEAD, S_RECORDS, S_DONE } state = S_HEAD;
	int prev_comma = 0, ret = 0;
	long lineno = 0;
	uint64_t count = 0, total = 0;
	int64_t fc = -1, tb = -1;
	struct jp j;

	memset(info, 0, sizeof(*info));
	if (!line)
		return error_set(err, ERR_IO, "out of memory");
	j.why = NULL;
	while (fgets(line, (int)INDEX_LINE_MAX, f)) {
		size_t n = strlen(line);
		enum jv_kind kind;
		int64_t iv = 0;

		lineno++;
		if (n == INDEX_LINE_MAX - 1 && line[n - 1] != '\n') {
			j.why = "line too long";
			goto bad;
		}
		j.p = line;
		j.end = line + n;
		j.why = NULL;
		jp_ws(&j);
		if (j.p == j.end)
			continue;
		if (state == S_DONE) {
			j.why = "text after the end of the index";
			goto bad;
		}
		if (state == S_HEAD) {
			if (!jp_char(&j, '{')) {
				j.why = "expected '{'";
				goto bad;
			}
			for (;;) {
				if (jp_member(&j, &key, &val, &kind, &iv))
					goto bad;
				if (kind == JV_ARRAY)
					break;
				header_member(info, &key, kind, &val, iv, &j.why);
				if (!jp_char(&j, ',')) {
					j.why = "expected '\"files\":[' at the end of the first line";
					goto bad;
				}
			}
			if (strcmp(key.buf, "files")) {
				j.why = "unexpected array";
				goto bad;
			}
			jp_ws(&j);
			if (j.p != j.end) {
				j.why = "expected a line break after '\"files\":['";
				goto bad;
			}
			if (strcmp(info->format, BACKUP_FORMAT)) {
				j.why = "unsupported format (expected \"" BACKUP_FORMAT "\")";
				goto bad;
			}
			state = S_RECORDS;
			continue;
		}
		/* S_RECORDS: a record line, or the closing line */
		if (*j.p == ']') {
			if (prev_comma) {
				j.why = "',' before ']'";
				goto bad;
			}
			j.p++;
			for (;;) {
				if (jp_char(&j, '}'))
					break;
				if (!jp_char(&j, ',')) {
					j.why = "expected ',' or '}'";
					goto bad;
				}
				if (jp_member(&j, &key, &val, &kind, &iv))
					goto bad;
				if (kind == JV_INT && !strcmp(key.buf, "file_count"))
					fc = iv;
				else if (kind == JV_INT && !strcmp(key.buf, "total_bytes"))
					tb = iv;
			}
			jp_ws(&j);
			if (j.p != j.end) {
				j.why = "text after the end of the index";
				goto bad;
			}
			state = S_DONE;
			continue;
		}
		if (count && !prev_comma) {
			j.why = "missing ',' after the previous record";
			goto bad;
		}
		{
			struct backup_index_rec r;
			int have = 0;
			const char *why;

			memset(&r, 0, sizeof(r));
			if (!jp_char(&j, '{')) {
				j.why = "expected a file record";
				goto bad;
			}
			for (;;) {
				if (jp_member(&j, &key, &val, &kind, &iv))
					goto bad;
				if (kind == JV_STRING && !strcmp(key.buf, "path")) {
					/* keep the path: val is reused */
					strbuf_reset(&pathv);
					strbuf_add(&pathv, val.buf, val.len);
					if (pathv.failed) {
						j.why = "out of memory";
						goto bad;
					}
					if (record_member(&r, &have, &key, kind, &pathv, iv, &j.why))
						goto bad;
				} else if (record_member(&r, &have, &key, kind, &val, iv, &j.why)) {
					goto bad;
				}
				if (jp_char(&j, '}'))
					break;
				if (!jp_char(&j, ',')) {
					j.why = "expected ',' or '}'";
					goto bad;
				}
			}
			prev_comma = jp_char(&j, ',');
			jp_ws(&j);
			if (j.p != j.end) {
				j.why = "one file record per line expected";
				goto bad;
			}
			if (have != F_ALL) {
				j.why = "file record lacks path, size, mode, mtime_ns or sha256";
				goto bad;
			}
			if (strlen(r.path) != r.pathlen) {
				j.why = "NUL in path";
				goto bad;
			}
			why = backup_rel_unsafe(r.path);
			if (why) {
				j.why = why;
				goto bad;
			}
			count++;
			total += r.size;
			if (rec) {
				ret = rec(ctx, &r, err);
				if (ret)
					goto out;
			}
		}
	}
	if (ferror(f)) {
		ret = error_set(err, ERR_IO, "cannot read index '%s': %s", name,
				strerror(errno));
		goto out;
	}
	if (state != S_DONE) {
		j.why = state == S_HEAD ? "empty index" : "index ends early";
		lineno = 0;
		goto bad;
	}
	if (footer_counts && fc >= 0 && tb >= 0) {
		count = (uint64_t)fc;
		total = (uint64_t)tb;
	}
	if (fc < 0 || (uint64_t)fc != count || tb < 0 || (uint64_t)tb != total) {
		j.why = "file_count or total_bytes does not match the records";
		lineno = 0;
		goto bad;
	}
	info->file_count = count;
	info->total_bytes = total;
	goto out;
bad:
	ret = error_set_at(err, ERR_DATA, name, lineno, 0, NULL,
			   "malformed index: %s", j.why ? j.why : "syntax error");
out:
	free(line);
	strbuf_release(&key);
	strbuf_release(&val);
	strbuf_release(&pathv);
	return ret;
}

/* ------------------------------------------------------------ backup_read_index */

struct file_cb_ctx {
	void (*cb)(void *ctx, const struct backup_file *f);
	void *ctx;
};

static int file_record(void *ctx, const struct backup_index_rec *r, struct error *err)
{
	struct file_cb_ctx *fc = ctx;
	struct backup_file f;

	(void)err;
	f.path = r->path;
	f.size = r->size;
	f.mode = r->mode;
	f.mtime_ns = r->mtime_ns;
	util_hex_encode(r->sha, 32, f.sha256);
	fc->cb(fc->ctx, &f);
	return 0;
}

/*
 * Header and counts only: parse the first and the last line, without
 * reading the records in between (for listings of big backups).
 */
static int index_quick(FILE *f, const char *name,
			  struct backup_index_info *info, struct error *err)
{
	char *first = malloc(INDEX_LINE_MAX), *tail = malloc(TAIL_MAX + 1);
	struct strbuf both = { 0 };
	FILE *m = NULL;
	const char *last;
	size_t n;
	off_t size;
	int ret;

	if (!first || !tail) {
		ret = error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	if (!fgets(first, (int)INDEX_LINE_MAX, f) || !strchr(first, '\n') ||
	    fseeko(f, 0, SEEK_END) || (size = ftello(f)) < 0 ||
	    fseeko(f, size > TAIL_MAX ? size - TAIL_MAX : 0, SEEK_SET)) {
		ret = ferror(f) ? error_set(err, ERR_IO, "cannot read '%s': %s", name,
					    strerror(errno)) :
			error_set(err, ERR_DATA, "malformed index '%s'", name);
		goto out;
	}
	n = fread(tail, 1, TAIL_MAX, f);
	tail[n] = '\0';
	while (n && (tail[n - 1] == '\n' || tail[n - 1] == ' ' || tail[n - 1] == '\r'))
		tail[--n] = '\0';
	last = strrchr(tail, '\n');
	last = last ? last + 1 : tail;
	strbuf_addstr(&both, first);
	strbuf_addstr(&both, last);
	strbuf_addstr(&both, "\n");
	if (both.failed) {
		ret = error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	m = fmemopen(both.buf, both.len, "r");
	if (!m) {
		ret = error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	ret = backup_index_parse(m, name, info, NULL, NULL, 1, err);
out:
	if (m)
		fclose(m);
	strbuf_release(&both);
	free(first);
	free(tail);
	return ret;
}

int backup_read_index(const char *path, struct backup_index_info *info,
			 void (*file_cb)(void *ctx, const struct backup_file *f),
			 void *ctx, struct error *err)
{
	struct file_cb_ctx fc = { file_cb, ctx };
	struct strbuf beside = { 0 };
	struct backup_scan sc;
	FILE *f = NULL;
	const char *name = path;
	int ret;

	memset(&sc, 0, sizeof(sc));
	sc.fd = -1;
	if (util_ends_with(path, BACKUP_ARCHIVE_SUFFIX)) {
		strbuf_add(&beside, path, strlen(path) - strlen(BACKUP_ARCHIVE_SUFFIX));
		strbuf_addstr(&beside, BACKUP_INDEX_SUFFIX);
		if (beside.failed) {
			ret = error_set(err, ERR_IO, "out of memory");
			goto out;
		}
		f = fopen(beside.buf, "re");
		if (f) {
			name = beside.buf;
		} else if (errno != ENOENT) {
			ret = error_set(err, ERR_IO, "cannot open '%s': %s", beside.buf,
					strerror(errno));
			goto out;
		} else {
			sc.apath = path;
			sc.index_only = 1;
			ret = backup_scan_open(&sc, NULL, &(int){ 0 }, err);
			if (!ret)
				ret = backup_scan_read(&sc, err);
			if (ret)
				goto out;
			if (sc.n_index != 1) {
				ret = error_set(err, ERR_DATA, "archive '%s' has %s MANIFEST.json",
						path, sc.n_index ? "more than one" : "no");
				goto out;
			}
			if (fflush(sc.iraw) || fseek(sc.iraw, 0, SEEK_SET)) {
				ret = error_set(err, ERR_IO, "cannot read a temporary file: %s",
						strerror(errno));
				goto out;
			}
			ret = backup_index_parse(sc.iraw, path, info, file_cb ? file_record : NULL,
					     &fc, 0, err);
			goto out;
		}
	} else {
		f = fopen(path, "re");
		if (!f) {
			ret = error_set(err, ERR_IO, "cannot open '%s': %s", path,
					strerror(errno));
			goto out;
		}
	}
	if (file_cb)
		ret = backup_index_parse(f, name, info, file_record, &fc, 0, err);
	else
		ret = index_quick(f, name, info, err);
out:
	if (f)
		fclose(f);
	if (sc.fd >= 0)
		close(sc.fd);
	backup_scan_release(&sc);
	strbuf_release(&beside);
	return ret;
}

