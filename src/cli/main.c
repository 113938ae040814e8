/*
 * main.c - wsmigrate's entry point: the table of subcommands, --help and
 * --version, and the one place where an error becomes a line on stderr
 * and an exit status.
 *
 * Adding a command takes four steps (keep this list true):
 *   1. write src/cmd_<name>.c with int cmd_<name>(int, char **, struct error *)
 *      and declare it in include/cli.h;
 *   2. add a row to commands[] below;
 *   3. add an end-to-end test under tests/cli/;
 *   4. document it in README.md ("Commands").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "cli.h"
#include "error.h"

/* Exit statuses (also in README and --help). */
enum {
	EXIT_OK = 0,       /* success */
	EXIT_DATA = 1,     /* the data had problems: invalid files, mismatches */
	EXIT_USAGE = 2,    /* bad command line, manifest or schema */
	EXIT_RUNTIME = 3   /* I/O, archive or database failure */
};

struct command {
	const char *name;
	int (*fn)(int argc, char **argv, struct error *err);
	const char *usage;
	const char *help;
};

static const struct command commands[] = {
	{ "migrate", cmd_migrate,
	  "migrate TREE [--db URL] [--schema DIR] [--dry-run] [--on-invalid abort|skip] [--prune] [--format text|json]",
	  "validate a tree, back it up and import it into the database" },
	{ "init", cmd_init,
	  "init TREE [-o DIR] [--force] [--format text|json] [-q|-v]",
	  "infer a manifest and JSON Schemas from a tree (writes ./schema)" },
	{ "validate", cmd_validate,
	  "validate TREE|FILE|- [--schema DIR] [--format text|json|html] [-o FILE|-] | validate --against SCHEMA FILE...",
	  "dry-run validation report; writes nothing" },
	{ "runs", cmd_runs,
	  "runs [--db URL] [--format text|json|html] [-o FILE|-]",
	  "list the runs recorded in the ledger" },
	{ "rollback", cmd_rollback,
	  "rollback [--run ID|latest] [--db URL] [--to DIR] [--force] [--dry-run]",
	  "restore the files of a run and revert its database changes" },
	{ "backups", cmd_backups,
	  "backups list|verify|prune [RUN-ID|ARCHIVE] [--db URL] [--keep-last N]",
	  "list or verify the backup archives" },
	{ "promote", cmd_promote,
	  "promote --from sqlite:PATH --to postgresql://... [--force] [--format text|json]",
	  "copy an SQLite database made by wsmigrate into PostgreSQL, verified" },
	{ "export", cmd_export,
	  "export --to DIR [--db URL] [--run ID] [--rule NAME|--table NAME] [--force] [--format text|json]",
	  "write the database's documents back out as JSON files" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

const char *cli_default_db(const char *flag)
{
	const char *v;

	if (flag && *flag)
		return flag;
	v = getenv("WSMIGRATE_DB");
	if (v && *v)
		return v;
	v = getenv("DATABASE_URL");
	if (v && *v)
		return v;
	return "sqlite:workspace.db";
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: wsmigrate <command> [options]\n\n"
		   "Move a tree of JSON files into SQLite or PostgreSQL, and back.\n\n"
		   "commands:\n");
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\n");
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  wsmigrate %s\n", commands[i].usage);
	fprintf(f, "\nexit status:\n"
		   "  0  ok\n"
		   "  1  the data had problems (invalid files, verification mismatches, conflicts)\n"
		   "  2  usage error (bad option, manifest or schema)\n"
		   "  3  runtime failure or a state that forbids the command (I/O, archive or\n"
		   "     database error, no database at PATH, a promote target that is not empty)\n"
		   "\nenvironment: WSMIGRATE_DB, DATABASE_URL, WSMIGRATE_SCHEMA, WSMIGRATE_BACKUP_DIR, NO_COLOR\n"
		   "run 'wsmigrate help <command>' (or 'wsmigrate <command> --help') for a command's options\n");
}

/*
 * Output that did not reach stdout (a full disk, an I/O error) is a
 * failure, as in jq: flush, check, and say so on stderr.
 */
static int finish_stdout(int status)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "wsmigrate: cannot write to standard output: %s\n",
			strerror(errno ? errno : EIO));
		return status == EXIT_OK || status == EXIT_DATA ? EXIT_RUNTIME : status;
	}
	return status;
}

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const struct command *cmd;
	struct error err;
	char line[ERROR_MSG_MAX + ERROR_PATH_MAX + ERROR_PTR_MAX + 64];
	int status;

#ifdef __GLIBC__
	/*
	 * Flat memory: glibc raises its mmap threshold after each large free
	 * (up to 32 MB), so the buffers of big documents would then come from
	 * the heap and leave holes there that a second thread's arena cannot
	 * reuse.  A fixed threshold keeps every block over 256 kB in its own
	 * mapping, returned to the system when freed (measured: migrate of
	 * the M benchmark tree, peak RSS 68 -> 60 MB; time unchanged).
	 */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
#endif
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "help") == 0 && argc >= 3) {
		/* `wsmigrate help CMD` is `wsmigrate CMD --help` */
		char *hargv[3];

		cmd = find_command(argv[2]);
		if (!cmd) {
			fprintf(stderr, "wsmigrate: unknown command '%s'\n"
				"hint: run 'wsmigrate --help' for the list of commands\n", argv[2]);
			return EXIT_USAGE;
		}
		hargv[0] = argv[2];
		hargv[1] = (char *)"--help";
		hargv[2] = NULL;
		error_clear(&err);
		status = cmd->fn(2, hargv, &err);
		return finish_stdout(status);
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return finish_stdout(EXIT_OK);
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("wsmigrate %s\n", WSM_VERSION);
		return EXIT_OK;
	}
	cmd = find_command(argv[1]);
	if (!cmd) {
		fprintf(stderr, "wsmigrate: unknown command '%s'\n"
			"hint: run 'wsmigrate --help' for the list of commands\n", argv[1]);
		return EXIT_USAGE;
	}
	error_clear(&err);
	status = cmd->fn(argc - 1, argv + 1, &err);
	if (status == EXIT_USAGE || status == EXIT_RUNTIME) {
		if (err.msg[0])
			fprintf(stderr, "wsmigrate %s: %s\n", cmd->name,
				error_format(&err, line, sizeof(line)));
		if (err.hint[0])
			fprintf(stderr, "hint: %s\n", err.hint);
		else if (status == EXIT_USAGE && !err.path[0])
			fprintf(stderr, "hint: usage: wsmigrate %s\n", cmd->usage);
	}
	return finish_stdout(status);
}
