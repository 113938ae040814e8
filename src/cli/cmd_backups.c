/*
 * cmd_backups.c - `wsmigrate backups list` and `wsmigrate backups verify`:
 * the runs' archives, and a full check of each one against the index
 * inside it (its file list) and against the ledger.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "backup.h"
#include "cli.h"
#include "storage.h"
#include "util.h"

static const struct option long_opts[] = {
	{ "db", required_argument, NULL, 'd' },
	{ "format", required_argument, NULL, 'f' },
	{ "source", required_argument, NULL, 's' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static const char help_text[] =
	"usage: wsmigrate backups list [--db URL] [--format text|json] [--source NAME]\n"
	"       wsmigrate backups verify [RUN-ID|ARCHIVE] [--db URL] [--source NAME]\n\n"
	"--source NAME keeps to the archives of that source's runs.\n"
	"verify reads every entry, recomputes its sha256 and checks it against the\n"
	"index inside the archive and against the ledger. With no argument it\n"
	"checks every archive in the ledger; an ARCHIVE path alone needs no database.\n"
	"Exit status 1 on any mismatch, missing entry or unreadable archive.\n";

/* ---------------------------------------------------------------- list */

struct list_ctx {
	int json;
	int n;
	const char *source;        /* --source: only its runs */
};

static int list_run(void *ctx, const struct run_info *r)
{
	struct list_ctx *c = ctx;
	struct backup_index_info info;
	struct error e;
	struct stat st;
	const char *state;
	long long size = -1, files = -1;

	if (c->source && strcmp(c->source, r->source) != 0)
		return 0;
	if (!r->archive_path[0])
		state = "none";
	else if (stat(r->archive_path, &st) < 0)
		state = "missing";
	else {
		size = (long long)st.st_size;
		error_clear(&e);
		memset(&info, 0, sizeof(info));
		if (backup_read_index(r->archive_path, &info, NULL, NULL, &e) == 0)
			files = (long long)info.file_count;
		state = strcmp(r->status, "rolled_back") == 0 ? "rolled-back" :
			files < 0 ? "unreadable" : "present";
	}
	if (c->json) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_addstr(&sb, c->n ? ",\n  {\"run_id\": " : "\n  {\"run_id\": ");
		strbuf_add_json_string(&sb, r->id, strlen(r->id));
		strbuf_addf(&sb, ", \"status\": \"%s\", \"archive\": ", r->status);
		if (r->archive_path[0])
			strbuf_add_json_string(&sb, r->archive_path, strlen(r->archive_path));
		else
			strbuf_addstr(&sb, "null");
		strbuf_addf(&sb, ", \"size\": %lld, \"files\": %lld, \"state\": \"%s\", \"sha256\": \"%s\", \"source\": ",
			    size, files, state, r->archive_sha256);
		strbuf_add_json_string(&sb, r->source, strlen(r->source));
		strbuf_addstr(&sb, "}");
		fputs(sb.buf, stdout);
		strbuf_release(&sb);
	} else {
		if (!c->n)
			printf("%-24s %-11s %10s %7s %-11s %s\n", "run", "status", "bytes",
			       "files", "state", "archive");
		printf("%-24s %-11s %10lld %7lld %-11s %s\n", r->id, r->status, size, files,
		       state, r->archive_path[0] ? r->archive_path : "-");
	}
	c->n++;
	return 0;
}

/* -------------------------------------------------------------- verify */

struct ledger_file {
	char *path;
	char sha256[65];
	int outcome;
	int seen;
};

struct verify_ctx {
	const char *archive;
	long problems;
	struct ledger_file *files;   /* the run's ledger, sorted by path */
	size_t n_files, cap;
};

static void on_problem(void *ctx, enum backup_problem kind, const char *path,
		       const char *detail)
{
	struct verify_ctx *c = ctx;

	c->problems++;
	printf("  %s: %s: %s\n", backup_problem_name(kind), path, detail ? detail : "");
}

static int collect_ledger(void *ctx, const struct file_entry *f)
{
	struct verify_ctx *c = ctx;
	struct ledger_file *lf;

	if (ALLOC_GROW(c->files, c->n_files + 1, c->cap))
		return ERR_IO;
	lf = &c->files[c->n_files++];
	lf->path = util_strdup(f->path);
	snprintf(lf->sha256, sizeof(lf->sha256), "%s", f->sha256 ? f->sha256 : "");
	lf->outcome = (int)f->outcome;
	lf->seen = 0;
	return lf->path ? 0 : ERR_IO;
}

static int cmp_ledger(const void *a, const void *b)
{
	return strcmp(((const struct ledger_file *)a)->path,
		      ((const struct ledger_file *)b)->path);
}

static void check_index_file(void *ctx, const struct backup_file *f)
{
	struct verify_ctx *c = ctx;
	struct ledger_file key, *lf;

	key.path = (char *)f->path;
	lf = bsearch(&key, c->files, c->n_files, sizeof(*c->files), cmp_ledger);
	if (!lf) {
		c->problems++;
		printf("  not in ledger: %s\n", f->path);
		return;
	}
	lf->seen = 1;
	if (strcmp(lf->sha256, f->sha256) != 0) {
		c->problems++;
		printf("  ledger mismatch: %s: archive sha256 %s, ledger %s\n", f->path,
		       f->sha256, lf->sha256[0] ? lf->sha256 : "(none)");
	}
}

static void free_ledger(struct verify_ctx *c)
{
	size_t i;

	for (i = 0; i < c->n_files; i++)
		free(c->files[i].path);
	free(c->files);
	c->files = NULL;
	c->n_files = c->cap = 0;
}

/*
 * Verify one archive; with a ledger run (st, run != NULL) also compare
 * every archived file with the ledger, and every imported file of the
 * ledger must be in the archive.  Returns 0, ERR_DATA or ERR_IO.
 */
static int verify_one(const char *archive, const char *expected_sha,
		      struct storage *st, const struct run_info *run, struct error *err)
{
	struct verify_ctx c;
	struct backup_index_info info;
	struct error e;
	size_t i;
	int rc;

	memset(&c, 0, sizeof(c));
	c.archive = archive;
	printf("%s\n", archive);
	error_clear(&e);
	rc = backup_verify(archive, expected_sha, on_problem, &c, &e);
	if (rc == ERR_IO) {
		printf("  unreadable: %s\n", e.msg);
		c.problems++;
	}
	if (st && run && rc != ERR_IO) {
		if ((rc = storage_list_files(st, run->id, collect_ledger, &c, err))) {
			free_ledger(&c);
			return rc;
		}
		qsort(c.files, c.n_files, sizeof(*c.files), cmp_ledger);
		memset(&info, 0, sizeof(info));
		error_clear(&e);
		if (backup_read_index(archive, &info, check_index_file, &c, &e) == 0) {
			if (strcmp(info.run_id, run->id) != 0) {
				c.problems++;
				printf("  ledger mismatch: archive is of run %s, ledger run %s\n",
				       info.run_id, run->id);
			}
			for (i = 0; i < c.n_files; i++) {
				if (c.files[i].outcome == FILE_IMPORTED && !c.files[i].seen) {
					c.problems++;
					printf("  missing from archive: %s (imported by run %s)\n",
					       c.files[i].path, run->id);
				}
			}
		}
		free_ledger(&c);
	}
	if (c.problems)
		printf("  FAILED: %ld problem%s\n", c.problems, c.problems == 1 ? "" : "s");
	else
		printf("  ok\n");
	return c.problems ? ERR_DATA : 0;
}

struct all_ctx {
	struct storage *st;
	const char *want;       /* run id, archive path, or NULL for all */
	const char *source;        /* --source: only its runs */
	int checked;
	int bad;
	int io;
	struct error *err;
};

static int verify_run(void *ctx, const struct run_info *r)
{
	struct all_ctx *a = ctx;
	int rc;

	if (a->want && strcmp(a->want, r->id) != 0 && strcmp(a->want, r->archive_path) != 0)
		return 0;
	if (a->source && strcmp(a->source, r->source) != 0)
		return 0;
	if (!r->archive_path[0]) {
		if (a->want) {
			printf("run %s has no archive\n", r->id);
			a->bad = 1;
			a->checked++;
		}
		return 0;
	}
	if (strcmp(r->status, "rolled_back") == 0 && !a->want)
		return 0;
	a->checked++;
	rc = verify_one(r->archive_path, r->archive_sha256, a->st, r, a->err);
	if (rc == ERR_DATA)
		a->bad = 1;
	else if (rc)
		return rc;
	return 0;
}

int cmd_backups(int argc, char **argv, struct error *err)
{
	struct storage *st = NULL;
	struct storage_opts ro = { 0 };   /* list and verify change nothing */
	const char *db = NULL, *sub, *source = NULL;
	int json = 0, ch, rc = 0, db_given = 0;

	ro.read_only = 1;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		switch (ch) {
		case 'd': db = optarg; db_given = 1; break;
		case 's': source = optarg; break;
		case 'f':
			if (strcmp(optarg, "json") == 0)
				json = 1;
			else if (strcmp(optarg, "text") != 0)
				return error_set(err, ERR_USAGE, "--format wants text or json");
			break;
		case 'h': fputs(help_text, stdout); return 0;
		default: return error_set(err, ERR_USAGE, "unknown option");
		}
	}
	if (optind >= argc)
		return error_set(err, ERR_USAGE, "backups wants 'list' or 'verify'");
	sub = argv[optind++];
	if (strcmp(sub, "list") == 0) {
		struct list_ctx c = { json, 0, source };

		if (optind != argc)
			return error_set(err, ERR_USAGE, "backups list takes no arguments");
		if ((rc = storage_open(cli_default_db(db), &ro, &st, err)))
			return rc;
		if (json)
			fputs("{\"backups\": [", stdout);
		rc = storage_list_runs(st, list_run, &c, err);
		if (json)
			fputs(c.n ? "\n]}\n" : "]}\n", stdout);
		else if (!rc && !c.n)
			printf("no runs recorded in %s\n", st->url_masked);
		storage_close(st);
		return rc;
	}
	if (strcmp(sub, "verify") == 0) {
		const char *what = optind < argc ? argv[optind++] : NULL;
		struct all_ctx a;
		struct stat sb;

		if (optind != argc)
			return error_set(err, ERR_USAGE, "backups verify takes at most one RUN-ID or ARCHIVE");
		memset(&a, 0, sizeof(a));
		a.want = what;
		a.source = source;
		a.err = err;
		/* an archive path alone: no database unless --db was given */
		if (what && stat(what, &sb) == 0 && S_ISREG(sb.st_mode) && !db_given &&
		    !getenv("WSMIGRATE_DB")) {
			rc = verify_one(what, NULL, NULL, NULL, err);
			return rc;
		}
		if ((rc = storage_open(cli_default_db(db), &ro, &st, err)))
			return rc;
		a.st = st;
		rc = storage_list_runs(st, verify_run, &a, err);
		if (!rc && what && !a.checked) {
			if (stat(what, &sb) == 0 && S_ISREG(sb.st_mode)) {
				/* an archive the ledger does not know: check it alone */
				printf("note: %s is not in the ledger of %s\n", what, st->url_masked);
				rc = verify_one(what, NULL, NULL, NULL, err);
			} else {
				rc = error_set(err, ERR_USAGE, "no run or archive '%s' in %s", what,
					       st->url_masked);
			}
		} else if (!rc && !a.checked) {
			printf("no archives recorded in %s\n", st->url_masked);
		}
		storage_close(st);
		if (!rc && a.bad)
			rc = ERR_DATA;
		return rc;
	}
	return error_set(err, ERR_USAGE, "unknown backups command '%s' (list or verify)", sub);
}
