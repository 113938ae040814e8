/*
 * backup/index.c - the archive's index (MANIFEST.json, and the copy beside
 * the archive; layout in backup.h): the lines the writer writes, their
 * reader, and backup_read_index.  Each line is one small JSON object read
 * with cJSON; nothing here reads the archive's entries (verify.c does).
 */
#include "internal.h"
#include "jsonread.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define INDEX_LINE_MAX (256u * 1024u)   /* longest line accepted */
#define TAIL_MAX (64 * 1024)

/* ------------------------------------------------------------ writing */

int backup_index_head(struct strbuf *sb, const char *run_id,
		      const char *tree_root, const char *tool_version,
		      const char *created_at)
{
	strbuf_addstr(sb, "{\"format\":\"" BACKUP_FORMAT "\",\"run_id\":");
	strbuf_add_json_string(sb, run_id, strlen(run_id));
	strbuf_addstr(sb, ",\"tree_root\":");
	strbuf_add_json_string(sb, tree_root, strlen(tree_root));
	strbuf_addstr(sb, ",\"tool_version\":");
	strbuf_add_json_string(sb, tool_version, strlen(tool_version));
	strbuf_addstr(sb, ",\"created_at\":");
	strbuf_add_json_string(sb, created_at, strlen(created_at));
	strbuf_addstr(sb, ",\"files\":[");
	return sb->failed ? -1 : 0;
}

int backup_index_record(struct strbuf *sb, int first, const char *path,
			uint64_t size, uint32_t mode, const struct timespec *mtime,
			const char *sha256_hex)
{
	char ns[32];

	strbuf_addstr(sb, first ? "\n{\"path\":" : ",\n{\"path\":");
	strbuf_add_json_string(sb, path, strlen(path));
	strbuf_addf(sb, ",\"size\":%" PRIu64 ",\"mode\":%" PRIu32 ",\"mtime_ns\":%s"
		    ",\"sha256\":\"%s\"}", size, mode, util_ts_text(mtime, ns), sha256_hex);
	return sb->failed ? -1 : 0;
}

int backup_index_foot(struct strbuf *sb, uint64_t file_count,
		      uint64_t total_bytes)
{
	strbuf_addf(sb, "\n],\"file_count\":%" PRIu64 ",\"total_bytes\":%" PRIu64 "}\n",
		    file_count, total_bytes);
	return sb->failed ? -1 : 0;
}

int backup_index_path(const char *archive_path, char **out)
{
	struct strbuf sb = STRBUF_INIT;

	*out = NULL;
	if (!util_ends_with(archive_path, BACKUP_ARCHIVE_SUFFIX))
		return 0;
	strbuf_add(&sb, archive_path,
		   strlen(archive_path) - strlen(BACKUP_ARCHIVE_SUFFIX));
	strbuf_addstr(&sb, BACKUP_INDEX_SUFFIX);
	*out = strbuf_detach(&sb);
	return *out ? 0 : -1;
}

/* ------------------------------------------------------------ reading */

/*
 * Each line of an index is parsed with cJSON, after two checks of its text
 * that cJSON does not make: it takes any byte below 0x20 for white space,
 * and it cuts a string at the escape \u0000.  Raw bytes >= 0x80 are left
 * alone: a file name need not be UTF-8, and the writer copies its bytes.
 */
static const char *line_text_problem(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 && c != '\t' && c != '\r' && c != '\n')
			return "control character";
		if (c != '\\' || i + 1 >= n)
			continue;
		/* a backslash is only valid in a string: skip what it escapes */
		i++;
		if (s[i] == 'u' && n - i > 4 && !memcmp(s + i + 1, "0000", 4))
			return "NUL character in string";
	}
	return NULL;
}

/* One member of a line's object, as each_member hands it over. */
struct member {
	const char *key;
	int is_int;             /* else a string */
	const char *str;        /* the string, decoded */
	int64_t num;            /* the integer, exact (unless is_big) */
	int is_big;             /* an integer beyond int64 (mtime_ns only) */
	const char *text;       /* the integer's text, textlen bytes */
	size_t textlen;
	int last;               /* the last member of the object */
};

/*
 * Hand each member of `obj` to fn.  obj was parsed by cJSON from the object
 * at text[start] (text[0..len)); its values must be strings or integers.
 * cJSON keeps numbers as doubles, which cannot hold every int64 (mtime_ns
 * needs 61 bits), so integers are read exactly from their text, found with
 * jsonread_iter (the same members in the same order).  Returns 0, or -1
 * with *why (from fn or about a value).
 */
static int each_member(const cJSON *obj, const char *text, size_t len,
		       size_t start,
		       int (*fn)(void *ctx, const struct member *m, const char **why),
		       void *ctx, const char **why)
{
	struct jsonread_iter it;
	const cJSON *item;
	size_t vs, ve, i;

	jsonread_iter_init(&it, text, len, start);
	cJSON_ArrayForEach(item, obj) {
		struct member m;

		if (!jsonread_iter_next(&it, &vs, &ve)) {
			*why = "syntax error";
			return -1;
		}
		memset(&m, 0, sizeof(m));
		m.key = item->string;
		m.last = item->next == NULL;
		if (cJSON_IsString(item)) {
			for (i = vs; i < ve; i++) {
				if ((unsigned char)text[i] < 0x20) {
					*why = "control character in string";
					return -1;
				}
			}
			m.str = item->valuestring;
		} else if (cJSON_IsNumber(item)) {
			i = vs + (text[vs] == '-');
			if (i == ve || strspn(text + i, "0123456789") != ve - i) {
				*why = "expected an integer";
				return -1;
			}
			m.text = text + vs;
			m.textlen = ve - vs;
			switch (jsonread_number_kind(text + vs, ve - vs, &m.num)) {
			case JSONREAD_NUM_INT:
				break;
			case JSONREAD_NUM_BIGINT:
				if (!strcmp(item->string, "mtime_ns")) {
					m.is_big = 1;    /* a time after 2262: exact from text */
					break;
				}
				*why = "integer out of range";
				return -1;
			default:
				*why = "expected an integer";   /* e.g. leading zeros */
				return -1;
			}
			m.is_int = 1;
		} else {
			*why = cJSON_IsArray(item) ? "unexpected array" :
				"expected a string or an integer";
			return -1;
		}
		if (fn(ctx, &m, why))
			return -1;
	}
	return 0;
}

/* Position of the first byte of s[0..n) that is not JSON white space. */
static size_t skip_ws(const char *s, size_t n, size_t i)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
		i++;
	return i;
}

/*
 * Parse the object at text[start] with cJSON.  What follows it must be
 * white space up to len, with one ',' allowed when `comma` is not NULL
 * (*comma says whether there was one).  Returns the tree (cJSON_Delete),
 * or NULL with *why, and *col (1-based) where cJSON stopped.
 */
static cJSON *object_at(const char *text, size_t len, size_t start, int *comma,
			const char **why, const char *trailing, long *col)
{
	const char *end = NULL;
	cJSON *obj = cJSON_ParseWithLengthOpts(text + start, len - start, &end, 0);
	size_t i;

	if (!obj) {
		*why = "not valid JSON";
		*col = end ? (long)(end - text) + 1 : 0;
		return NULL;
	}
	i = skip_ws(text, len, (size_t)(end - text));
	if (comma) {
		*comma = i < len && text[i] == ',';
		if (*comma)
			i = skip_ws(text, len, i + 1);
	}
	if (!cJSON_IsObject(obj) || i != len) {
		*why = !cJSON_IsObject(obj) ? "expected an object" : trailing;
		cJSON_Delete(obj);
		return NULL;
	}
	return obj;
}

static void copy_field(char *dst, size_t size, const char *v)
{
	snprintf(dst, size, "%s", v);
}

/* The first line's members; the last one must be "files" (its '['). */
static int head_member(void *ctx, const struct member *m, const char **why)
{
	struct backup_index_info *info = ctx;

	if (m->last) {
		if (strcmp(m->key, "files")) {
			*why = "unexpected array";
			return -1;
		}
		return 0;
	}
	if (m->is_int)
		return 0;   /* unknown numeric members are tolerated */
	if (!strcmp(m->key, "format"))
		copy_field(info->format, sizeof(info->format), m->str);
	else if (!strcmp(m->key, "run_id"))
		copy_field(info->run_id, sizeof(info->run_id), m->str);
	else if (!strcmp(m->key, "tree_root"))
		copy_field(info->tree_root, sizeof(info->tree_root), m->str);
	else if (!strcmp(m->key, "tool_version"))
		copy_field(info->tool_version, sizeof(info->tool_version), m->str);
	else if (!strcmp(m->key, "created_at"))
		copy_field(info->created_at, sizeof(info->created_at), m->str);
	return 0;
}

enum { F_PATH = 1, F_SIZE = 2, F_MODE = 4, F_MTIME = 8, F_SHA = 16, F_ALL = 31 };

struct rec_state {
	struct backup_index_rec r;
	int have;               /* F_* */
};

static int rec_member(void *ctx, const struct member *m, const char **why)
{
	static const char *const keys[] = { "path", "size", "mode", "mtime_ns", "sha256" };
	struct rec_state *st = ctx;
	struct backup_index_rec *r = &st->r;
	int bit = 0, i;

	for (i = 0; i < 5; i++)
		if (!strcmp(m->key, keys[i]))
			bit = 1 << i;
	if (!bit)
		return 0;   /* unknown members are tolerated */
	if (st->have & bit) {
		*why = "a member appears twice in a file record";
		return -1;
	}
	st->have |= bit;
	if (bit == F_PATH && !m->is_int) {
		r->path = m->str;
		r->pathlen = strlen(m->str);
	} else if (bit == F_SHA && !m->is_int) {
		if (backup_sha_decode(m->str, strlen(m->str), r->sha)) {
			*why = "bad sha256";
			return -1;
		}
	} else if (bit == F_SIZE && m->is_int && m->num >= 0) {
		r->size = (uint64_t)m->num;
	} else if (bit == F_MODE && m->is_int && m->num >= 0 && m->num <= 07777) {
		r->mode = (uint32_t)m->num;
	} else if (bit == F_MTIME && m->is_int) {
		if (util_ts_parse(m->text, m->textlen, &r->mtime)) {
			*why = "mtime_ns out of range";
			return -1;
		}
	} else {
		*why = "bad value in a file record";
		return -1;
	}
	return 0;
}

struct foot_state {
	int64_t file_count, total_bytes;   /* -1 until seen */
};

static int foot_member(void *ctx, const struct member *m, const char **why)
{
	struct foot_state *st = ctx;

	(void)why;
	if (m->is_int && !strcmp(m->key, "file_count"))
		st->file_count = m->num;
	else if (m->is_int && !strcmp(m->key, "total_bytes"))
		st->total_bytes = m->num;
	return 0;
}

/*
 * The first line: {"format":...,...,"files":[ -- not a whole JSON text,
 * so it is parsed with the final '[' replaced by "0}".
 */
static int parse_head(const char *line, size_t n, struct backup_index_info *info,
		      const char **why, long *col)
{
	struct strbuf obj = STRBUF_INIT;
	size_t start = skip_ws(line, n, 0), end = n;
	cJSON *tree = NULL;
	int ret = -1;

	while (end > start && strchr(" \t\r\n", line[end - 1]))
		end--;
	if (line[start] != '{') {
		*why = "expected '{'";
		goto out;
	}
	if (end == start || line[end - 1] != '[') {
		*why = "expected '\"files\":[' at the end of the first line";
		goto out;
	}
	strbuf_add(&obj, line, end - 1);
	strbuf_addstr(&obj, "0}");
	if (obj.failed) {
		*why = "out of memory";
		goto out;
	}
	tree = object_at(obj.buf, obj.len, start, NULL, why, "syntax error", col);
	if (!tree || each_member(tree, obj.buf, obj.len, start, head_member, info, why))
		goto out;
	if (strcmp(info->format, BACKUP_FORMAT)) {
		*why = "unsupported format (expected \"" BACKUP_FORMAT "\")";
		goto out;
	}
	ret = 0;
out:
	cJSON_Delete(tree);
	strbuf_release(&obj);
	return ret;
}

/*
 * The last line: ],"file_count":N,"total_bytes":M} -- parsed as an object
 * from the ',' on, which becomes a '{' (the line buffer is ours).
 */
static int parse_foot(char *line, size_t n, size_t at, struct foot_state *st,
		      const char **why, long *col)
{
	cJSON *tree;
	size_t i = skip_ws(line, n, at + 1);
	int ret;

	if (i < n && line[i] == '}') {
		if (skip_ws(line, n, i + 1) != n) {
			*why = "text after the end of the index";
			return -1;
		}
		return 0;
	}
	if (i >= n || line[i] != ',') {
		*why = "expected ',' or '}'";
		return -1;
	}
	line[i] = '{';
	tree = object_at(line, n, i, NULL, why, "text after the end of the index", col);
	if (!tree)
		return -1;
	ret = each_member(tree, line, n, i, foot_member, st, why);
	cJSON_Delete(tree);
	return ret;
}

/*
 * The next line of f into lb (line break included), read in small pieces
 * so that memory follows the longest line, not the longest allowed.
 * Returns 1, 0 at the end, or -1 with *why: a line over INDEX_LINE_MAX,
 * a NUL byte (fgets stops only at a line break: a piece that is shorter
 * without one hides a NUL), or out of memory (lb->failed).
 */
static int next_line(FILE *f, struct strbuf *lb, const char **why)
{
	char piece[4096];

	strbuf_reset(lb);
	while (fgets(piece, sizeof(piece), f)) {
		size_t n = strlen(piece);

		if (strbuf_add(lb, piece, n)) {
			*why = "out of memory";
			return -1;
		}
		if (n && piece[n - 1] == '\n')
			break;
		if (n < sizeof(piece) - 1 && !feof(f)) {
			*why = "NUL byte in the line";
			return -1;
		}
		if (lb->len >= INDEX_LINE_MAX) {
			*why = "line too long";
			return -1;
		}
	}
	return ferror(f) ? 0 : lb->len > 0;   /* the caller reports ferror */
}

int backup_index_parse(FILE *f, const char *name, struct backup_index_info *info,
		       int (*rec)(void *ctx, const struct backup_index_rec *r,
				  struct error *err),
		       void *ctx, int footer_counts, struct error *err)
{
	struct strbuf lb = STRBUF_INIT;
	enum { S_HEAD, S_RECORDS, S_DONE } state = S_HEAD;
	struct foot_state foot = { -1, -1 };
	const char *why = NULL;
	int prev_comma = 0, ret = 0, got;
	long lineno = 0, col = 0;
	uint64_t count = 0, total = 0;

	memset(info, 0, sizeof(*info));
	while ((got = next_line(f, &lb, &why)) != 0) {
		char *line = lb.buf;
		size_t n = lb.len, start;
		struct rec_state rs;
		cJSON *tree;
		int failed;

		lineno++;
		if (got < 0)
			goto bad;
		why = line_text_problem(line, n);
		if (why)
			goto bad;
		start = skip_ws(line, n, 0);
		if (start == n)
			continue;
		if (state == S_DONE) {
			why = "text after the end of the index";
			goto bad;
		}
		if (state == S_HEAD) {
			if (parse_head(line, n, info, &why, &col))
				goto bad;
			state = S_RECORDS;
			continue;
		}
		if (line[start] == ']') {
			if (prev_comma) {
				why = "',' before ']'";
				goto bad;
			}
			if (parse_foot(line, n, start, &foot, &why, &col))
				goto bad;
			state = S_DONE;
			continue;
		}
		if (count && !prev_comma) {
			why = "missing ',' after the previous record";
			goto bad;
		}
		if (line[start] != '{') {
			why = "expected a file record";
			goto bad;
		}
		tree = object_at(line, n, start, &prev_comma, &why,
				 "one file record per line expected", &col);
		if (!tree)
			goto bad;
		memset(&rs, 0, sizeof(rs));
		failed = each_member(tree, line, n, start, rec_member, &rs, &why);
		if (!failed && rs.have != F_ALL) {
			why = "file record lacks path, size, mode, mtime_ns or sha256";
			failed = 1;
		}
		if (!failed)
			why = backup_rel_unsafe(rs.r.path);
		if (!failed && !why) {
			count++;
			total += rs.r.size;
			ret = rec ? rec(ctx, &rs.r, err) : 0;
		}
		cJSON_Delete(tree);
		if (failed || why)
			goto bad;
		if (ret)
			goto out;
	}
	if (ferror(f)) {
		ret = error_set(err, ERR_IO, "cannot read index '%s': %s", name,
				strerror(errno));
		goto out;
	}
	if (state != S_DONE) {
		why = state == S_HEAD ? "empty index" : "index ends early";
		lineno = 0;
		goto bad;
	}
	if (footer_counts && foot.file_count >= 0 && foot.total_bytes >= 0) {
		count = (uint64_t)foot.file_count;
		total = (uint64_t)foot.total_bytes;
	}
	if (foot.file_count < 0 || (uint64_t)foot.file_count != count ||
	    foot.total_bytes < 0 || (uint64_t)foot.total_bytes != total) {
		why = "file_count or total_bytes does not match the records";
		lineno = 0;
		goto bad;
	}
	info->file_count = count;
	info->total_bytes = total;
	goto out;
bad:
	if (lb.failed)
		ret = error_set(err, ERR_IO, "out of memory");
	else
		ret = error_set_at(err, ERR_DATA, name, lineno, col, NULL,
				   "malformed index: %s", why ? why : "syntax error");
out:
	strbuf_release(&lb);
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
	f.mtime = r->mtime;
	util_ts_to_ns(&r->mtime, &f.mtime_ns);
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
	struct strbuf both = STRBUF_INIT;
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
	char *beside = NULL;
	struct backup_scan sc;
	FILE *f = NULL;
	const char *name = path;
	int ret;

	memset(&sc, 0, sizeof(sc));
	sc.fd = -1;
	if (backup_index_path(path, &beside)) {
		ret = error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	if (beside) {
		f = fopen(beside, "re");
		if (f) {
			name = beside;
		} else if (errno != ENOENT) {
			ret = error_set(err, ERR_IO, "cannot open '%s': %s", beside,
					strerror(errno));
			goto out;
		} else {
			sc.apath = path;
			sc.index_only = 1;
			sc.on_rec = file_cb ? file_record : NULL;
			sc.rec_ctx = &fc;
			ret = backup_scan_open(&sc, NULL, &(int){ 0 }, err);
			if (!ret)
				ret = backup_scan_read(&sc, err);
			if (!ret && sc.n_index != 1)
				ret = error_set(err, ERR_DATA, "archive '%s' has %s MANIFEST.json",
						path, sc.n_index ? "more than one" : "no");
			*info = sc.info;
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
	free(beside);
	return ret;
}

