/*
 * cli.h - the subcommand handlers, dispatched from the table in main.c.
 *
 * Contract for every handler:
 *   - argv[0] is the subcommand name; options follow (parse with getopt_long,
 *     after `optind = 0`).
 *   - It returns the process exit status: 0 ok, 1 the data had problems,
 *     2 usage error, 3 I/O or database error.
 *   - On status 2 or 3 it fills `err` and prints nothing about that error:
 *     main prints "wsmigrate <cmd>: <message>" (plus a hint for usage
 *     errors).  Normal output (reports, tables) goes to stdout; progress to
 *     stderr.
 *   - Modules below the command layer never print and never exit.
 */
#ifndef WSM_CLI_H
#define WSM_CLI_H

#include "error.h"

int cmd_migrate(int argc, char **argv, struct error *err);
int cmd_validate(int argc, char **argv, struct error *err);
int cmd_runs(int argc, char **argv, struct error *err);
int cmd_rollback(int argc, char **argv, struct error *err);
int cmd_backups(int argc, char **argv, struct error *err);
int cmd_promote(int argc, char **argv, struct error *err);
int cmd_init(int argc, char **argv, struct error *err);
int cmd_export(int argc, char **argv, struct error *err);

/*
 * The database URL to use: `flag` when given, else $WSMIGRATE_DB, else
 * $DATABASE_URL, else "sqlite:workspace.db".  Returns a borrowed string.
 */
const char *cli_default_db(const char *flag);

#endif
