/*
 * backup/verify.c - reading archives: one pass of libarchive (struct
 * backup_pass), and on it the scan that verify, restore and read_index
 * share (see internal.h): hash every entry, parse the index as it streams
 * by, compare the two side by side; backup_verify is that scan alone.  It
 * writes nothing but its temporary spill files.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "walk.h"

/* ------------------------------------------------------------ reading an archive */

int backup_read_fail(struct archive *a, const char *apath, struct error *err)
{
	const char *msg = archive_error_string(a);

	return error_set(err, ERR_IO, "cannot read archive '%s': %s", apath,
			 msg ? msg : "unexpected end of data");
}

int backup_pass_open(struct backup_pass *p, int fd, const char *apath,
		     struct error *err)
{
	memset(p, 0, sizeof(*p));
	p->apath = apath;
	p->buf = malloc(IO_CHUNK);
	p->sha = backup_sha_new();
	p->a = archive_read_new();
	if (!p->buf || !p->sha || !p->a) {
		backup_pass_close(p);
		return error_set(err, ERR_IO, "out of memory");
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {
		backup_pass_close(p);
		return error_set(err, ERR_IO, "cannot read archive '%s': %s", apath,
				 strerror(errno));
	}
	/* only zstd (or none) and tar: no external filter programs */
	archive_read_support_filter_zstd(p->a);
	archive_read_support_format_tar(p->a);
	if (archive_read_open_fd(p->a, fd, IO_CHUNK) != ARCHIVE_OK) {
		error_set(err, ERR_IO, "cannot read archive '%s': %s", apath,
			  archive_error_string(p->a) ? archive_error_string(p->a) :
			  "unknown error");
		backup_pass_close(p);
		return ERR_IO;
	}
	return 0;
}

int backup_pass_next(struct backup_pass *p, struct archive_entry **e,
		     struct error *err)
{
	int r = archive_read_next_header(p->a, e);

	if (r == ARCHIVE_EOF)
		return 0;
	if (r < ARCHIVE_WARN) {
		backup_read_fail(p->a, p->apath, err);
		return -1;
	}
	return 1;
}

int backup_pass_skip(struct backup_pass *p, struct error *err)
{
	if (archive_read_data_skip(p->a) < ARCHIVE_WARN)
		return backup_read_fail(p->a, p->apath, err);
	return 0;
}

void backup_pass_close(struct backup_pass *p)
{
	if (p->a)
		archive_read_free(p->a);
	EVP_MD_CTX_free(p->sha);
	free(p->buf);
	memset(p, 0, sizeof(*p));
}

const char *backup_entry_unsafe(struct archive_entry *e, const char *name,
				const char **rel)
{
	const char *why;

	if (!name || !*name)
		return "empty name";
	if (name[0] == '/')
		return "absolute path";
	if (archive_entry_hardlink(e))
		return "hard link";
	switch (archive_entry_filetype(e)) {
	case AE_IFREG:
		break;
	case AE_IFLNK:
		return "symbolic link";
	case AE_IFDIR:
		return "directory entry";
	default:
		return "special file";
	}
	why = backup_rel_unsafe(name);
	if (why)
		return why;
	if (strncmp(name, TREE_PREFIX, TREE_PREFIX_LEN) != 0)
		return "entry outside tree/";
	*rel = name + TREE_PREFIX_LEN;
	return NULL;
}

/* ------------------------------------------------------------ the scan */

const char *backup_problem_name(enum backup_problem p)
{
	switch (p) {
	case BACKUP_PROBLEM_ARCHIVE_SHA256: return "archive sha256 mismatch";
	case BACKUP_PROBLEM_SHA256: return "sha256 mismatch";
	case BACKUP_PROBLEM_SIZE: return "size mismatch";
	case BACKUP_PROBLEM_MISSING: return "missing entry";
	case BACKUP_PROBLEM_EXTRA: return "extra entry";
	case BACKUP_PROBLEM_DUPLICATE: return "duplicate entry";
	case BACKUP_PROBLEM_UNSAFE: return "unsafe entry";
	case BACKUP_PROBLEM_INDEX: return "bad index";
	case BACKUP_PROBLEM_ORDER: return "entry out of order";
	}
	return "problem";
}

void backup_scan_problem(struct backup_scan *sc, enum backup_problem kind,
			 const char *path, const char *fmt, ...)
{
	char detail[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	sc->problems++;
	if (sc->cb)
		sc->cb(sc->ctx, kind, path, detail);
}

void backup_scan_release(struct backup_scan *sc)
{
	if (sc->ents)
		fclose(sc->ents);
	if (sc->recs)
		fclose(sc->recs);
	strbuf_release(&sc->prev_rec);
	strbuf_release(&sc->prev_ent);
	sc->ents = sc->recs = NULL;
}

/* Hash the data of the current entry. */
static int hash_entry(struct backup_pass *p, unsigned char raw[32],
		      uint64_t *size, struct error *err)
{
	uint64_t total = 0;

	if (backup_sha_restart(p->sha))
		return error_set(err, ERR_IO, "sha256 failed");
	for (;;) {
		la_ssize_t r = archive_read_data(p->a, p->buf, IO_CHUNK);

		if (r < 0)
			return backup_read_fail(p->a, p->apath, err);
		if (r == 0)
			break;
		EVP_DigestUpdate(p->sha, p->buf, (size_t)r);
		total += (uint64_t)r;
	}
	if (backup_sha_final(p->sha, raw))
		return error_set(err, ERR_IO, "sha256 failed");
	*size = total;
	return 0;
}

/*
 * One index record into sc->recs.  Records must come in strictly
 * increasing canonical order: a duplicate or a record out of order is a
 * problem of the index (and is not spilled).
 */
static int spill_record(void *ctx, const struct backup_index_rec *r, struct error *err)
{
	struct backup_scan *sc = ctx;
	struct backup_rec h;
	int c = sc->nrecs ?
		walk_path_cmp(sc->prev_rec.buf, sc->prev_rec.len, r->path, r->pathlen) : -1;

	if (c >= 0) {
		sc->index_problems++;
		if (c == 0)
			backup_scan_problem(sc, BACKUP_PROBLEM_INDEX, sc->apath,
				"MANIFEST.json lists '%s' more than once", r->path);
		else
			backup_scan_problem(sc, BACKUP_PROBLEM_INDEX, sc->apath,
				"MANIFEST.json lists '%s' after '%s', out of order",
				r->path, sc->prev_rec.buf);
		return 0;
	}
	strbuf_reset(&sc->prev_rec);
	strbuf_add(&sc->prev_rec, r->path, r->pathlen);
	if (sc->prev_rec.failed)
		return error_set(err, ERR_IO, "out of memory");
	sc->nrecs++;
	memset(&h, 0, sizeof(h));
	h.pathlen = (uint32_t)r->pathlen;
	h.mode = r->mode;
	h.size = r->size;
	h.mtime_s = (int64_t)r->mtime.tv_sec;
	h.mtime_nsec = (int64_t)r->mtime.tv_nsec;
	memcpy(h.sha, r->sha, 32);
	return backup_spill_put(sc->recs, &h, r->path, err);
}

/* A stdio stream over the data of the archive's current entry. */
struct member_stream {
	struct archive *a;
	int failed;             /* libarchive reported an error */
};

static ssize_t member_read(void *cookie, char *buf, size_t n)
{
	struct member_stream *ms = cookie;
	la_ssize_t r = archive_read_data(ms->a, buf, n);

	if (r < 0) {
		ms->failed = 1;
		errno = EIO;
		return -1;
	}
	return (ssize_t)r;
}

/*
 * The index member, parsed while it is read from the archive.  Nothing of
 * it is copied to disk but its valid records (into sc->recs), and what
 * follows a malformed line is skipped (decompressed, not kept): an index
 * of any size costs one line of memory, and a small hostile archive that
 * inflates to gigabytes of index cannot fill $TMPDIR.
 */
static int scan_index(struct backup_scan *sc, struct backup_pass *p,
		      struct error *err)
{
	cookie_io_functions_t io = { member_read, NULL, NULL, NULL };
	struct member_stream ms = { p->a, 0 };
	int (*rec)(void *, const struct backup_index_rec *, struct error *) =
		sc->index_only ? sc->on_rec : spill_record;
	struct error perr;
	FILE *f;
	int ret;

	if (!sc->index_only) {
		sc->recs = backup_spill_open(err);
		if (!sc->recs)
			return ERR_IO;
	}
	f = fopencookie(&ms, "r", io);
	if (!f)
		return error_set(err, ERR_IO, "out of memory");
	error_clear(&perr);
	ret = backup_index_parse(f, sc->index_only ? sc->apath : INDEX_MEMBER,
				 &sc->info, rec, sc->index_only ? sc->rec_ctx : sc,
				 0, &perr);
	fclose(f);
	if (ms.failed)
		return backup_read_fail(p->a, sc->apath, err);
	if (backup_pass_skip(p, err))
		return ERR_IO;
	if (ret == ERR_DATA && !sc->index_only) {
		char line[ERROR_MSG_MAX + ERROR_PATH_MAX + 64];

		backup_scan_problem(sc, BACKUP_PROBLEM_INDEX, sc->apath, "%s",
			error_format(&perr, line, sizeof(line)));
		return 0;
	}
	if (ret) {
		*err = perr;
		return ret;
	}
	if (!sc->index_problems)
		sc->index_ok = 1;
	return 0;
}

/*
 * An entry that does not come after the previous one (in the canonical
 * order) is reported here and not spilled: sc->ents holds strictly
 * increasing paths only, so an archive that repeats one entry a million
 * times costs a million reports but no disk.  Returns 1 when `rel` is in
 * order (and remembered), 0 when reported, -1 when out of memory.
 */
static int entry_in_order(struct backup_scan *sc, const char *rel)
{
	size_t n = strlen(rel);
	int c = sc->nents ? walk_path_cmp(rel, n, sc->prev_ent.buf, sc->prev_ent.len) : 1;

	if (c == 0) {
		backup_scan_problem(sc, BACKUP_PROBLEM_DUPLICATE, rel,
			"appears more than once in the archive");
		return 0;
	}
	if (c < 0) {
		backup_scan_problem(sc, BACKUP_PROBLEM_ORDER, rel,
			"comes after '%s' in the archive; entries must follow the order of MANIFEST.json",
			sc->prev_ent.buf);
		return 0;
	}
	strbuf_reset(&sc->prev_ent);
	strbuf_add(&sc->prev_ent, rel, n);
	sc->nents++;
	return sc->prev_ent.failed ? -1 : 1;
}

int backup_scan_read(struct backup_scan *sc, struct error *err)
{
	struct backup_pass p;
	struct archive_entry *e;
	int r, ret = ERR_IO;

	if (!sc->index_only) {
		sc->ents = backup_spill_open(err);
		if (!sc->ents)
			return ERR_IO;
	}
	if (backup_pass_open(&p, sc->fd, sc->apath, err))
		return ERR_IO;
	while ((r = backup_pass_next(&p, &e, err)) > 0) {
		const char *name = archive_entry_pathname(e), *rel = NULL, *why;
		struct backup_rec h;
		uint64_t size = 0;

		if (name && !strcmp(name, INDEX_MEMBER) &&
		    archive_entry_filetype(e) == AE_IFREG && !archive_entry_hardlink(e)) {
			if (++sc->n_index == 1) {
				ret = scan_index(sc, &p, err);
				if (ret)
					goto out;
				ret = ERR_IO;
				continue;
			}
			backup_scan_problem(sc, BACKUP_PROBLEM_INDEX, sc->apath,
				"MANIFEST.json appears more than once");
			r = 0;
		} else {
			why = backup_entry_unsafe(e, name, &rel);
			if (why && !sc->index_only)
				backup_scan_problem(sc, BACKUP_PROBLEM_UNSAFE, name ? name : "",
					"%s", why);
			r = sc->index_only || why ? 0 : entry_in_order(sc, rel);
		}
		if (r < 0) {
			error_set(err, ERR_IO, "out of memory");
			goto out;
		}
		if (r == 0) {
			if (backup_pass_skip(&p, err))
				goto out;
			continue;
		}
		if (hash_entry(&p, h.sha, &size, err))
			goto out;
		h.pathlen = (uint32_t)strlen(rel);
		h.size = size;
		h.mode = (uint32_t)archive_entry_perm(e);
		h.mtime_s = (int64_t)archive_entry_mtime(e);
		h.mtime_nsec = (int64_t)archive_entry_mtime_nsec(e);
		if (backup_spill_put(sc->ents, &h, rel, err))
			goto out;
	}
	if (r < 0)
		goto out;
	if (sc->n_index == 0 && !sc->index_only)
		backup_scan_problem(sc, BACKUP_PROBLEM_INDEX, sc->apath,
			"MANIFEST.json is missing");
	ret = 0;
out:
	backup_pass_close(&p);
	return ret;
}

/*
 * Compare the hashed entries with the index records.  Both lists are
 * read once, in order, as a merge: both are strictly increasing (the scan
 * kept no entry and no record out of order), so between two entries the
 * records passed over are missing, and an entry with no record is extra.
 */
int backup_scan_compare(struct backup_scan *sc, struct error *err)
{
	struct strbuf ep = STRBUF_INIT, mp = STRBUF_INIT;
	struct backup_rec eh, mh;
	char a_hex[65], m_hex[65];
	int have_m, have_e, c = 0;
	int ret = ERR_IO;

	if (backup_spill_rewind(sc->ents, err) || backup_spill_rewind(sc->recs, err))
		goto out;
	have_m = backup_spill_get(sc->recs, &mh, &mp, err);
	for (;;) {
		if (have_m < 0)
			goto out;
		have_e = backup_spill_get(sc->ents, &eh, &ep, err);
		if (have_e < 0)
			goto out;
		if (!have_e)
			break;
		while (have_m > 0 && (c = walk_path_cmp(mp.buf, mp.len, ep.buf, ep.len)) < 0) {
			backup_scan_problem(sc, BACKUP_PROBLEM_MISSING, mp.buf,
				"listed in MANIFEST.json but not in the archive");
			have_m = backup_spill_get(sc->recs, &mh, &mp, err);
		}
		if (have_m < 0)
			goto out;
		if (have_m > 0 && c == 0) {
			if (eh.size != mh.size) {
				backup_scan_problem(sc, BACKUP_PROBLEM_SIZE, ep.buf,
					"archive has %" PRIu64 " bytes, MANIFEST.json says %" PRIu64,
					eh.size, mh.size);
			} else if (memcmp(eh.sha, mh.sha, 32)) {
				util_hex_encode(eh.sha, 32, a_hex);
				util_hex_encode(mh.sha, 32, m_hex);
				backup_scan_problem(sc, BACKUP_PROBLEM_SHA256, ep.buf,
					"archive content has sha256 %s, MANIFEST.json says %s",
					a_hex, m_hex);
			}
			have_m = backup_spill_get(sc->recs, &mh, &mp, err);
		} else {
			backup_scan_problem(sc, BACKUP_PROBLEM_EXTRA, ep.buf,
				"in the archive but not in MANIFEST.json");
		}
	}
	while (have_m > 0) {
		backup_scan_problem(sc, BACKUP_PROBLEM_MISSING, mp.buf,
			"listed in MANIFEST.json but not in the archive");
		have_m = backup_spill_get(sc->recs, &mh, &mp, err);
	}
	if (have_m < 0)
		goto out;
	ret = 0;
out:
	strbuf_release(&ep);
	strbuf_release(&mp);
	return ret;
}

/*
 * Open the archive and, when expected is not NULL, compare the sha256 of
 * the file with it.  *match is set to 0 on a mismatch (reported).
 */
int backup_scan_open(struct backup_scan *sc, const char *expected, int *match,
		     struct error *err)
{
	struct stat st;
	unsigned char raw[32], want[32];
	char hex[65];

	*match = 1;
	sc->fd = open(sc->apath, O_RDONLY | O_CLOEXEC);
	if (sc->fd < 0)
		return error_set(err, ERR_IO, "cannot open archive '%s': %s", sc->apath,
				 strerror(errno));
	if (fstat(sc->fd, &st) || !S_ISREG(st.st_mode))
		return error_set(err, ERR_IO, "archive '%s' is not a regular file",
				 sc->apath);
	if (!expected)
		return 0;
	if (backup_sha_decode(expected, strlen(expected), want))
		return error_set(err, ERR_USAGE, "bad expected sha256 '%s'", expected);
	if (backup_sha_fd(sc->fd, raw, NULL))
		return error_set(err, ERR_IO, "cannot read archive '%s': %s", sc->apath,
				 strerror(errno));
	if (memcmp(raw, want, 32)) {
		util_hex_encode(raw, 32, hex);
		backup_scan_problem(sc, BACKUP_PROBLEM_ARCHIVE_SHA256, sc->apath,
			"archive sha256 is %s, expected %s", hex, expected);
		*match = 0;
	}
	return 0;
}

int backup_verify(const char *archive_path, const char *expected_sha256,
		  void (*cb)(void *ctx, enum backup_problem kind,
			     const char *path, const char *detail),
		  void *ctx, struct error *err)
{
	struct backup_scan sc;
	int match, ret;

	memset(&sc, 0, sizeof(sc));
	sc.fd = -1;
	sc.apath = archive_path;
	sc.cb = cb;
	sc.ctx = ctx;
	ret = backup_scan_open(&sc, expected_sha256, &match, err);
	if (!ret)
		ret = backup_scan_read(&sc, err);
	if (!ret && sc.index_ok)
		ret = backup_scan_compare(&sc, err);
	if (!ret && sc.problems)
		ret = error_set(err, ERR_DATA, "backup '%s': %lu problem%s found",
				archive_path, sc.problems, sc.problems == 1 ? "" : "s");
	if (sc.fd >= 0)
		close(sc.fd);
	backup_scan_release(&sc);
	return ret;
}

