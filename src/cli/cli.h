/* CLI subcommands.  Each is `int cmd_NAME(int argc, char **argv)` with argv[0]
 * the subcommand name; returns the process exit status (0 ok, 1 failure,
 * 2 usage error).  Errors are printed once, to stderr, as "spexbench: message".
 * A subcommand handles its own --help.  The table lives in main.c. */
#ifndef SB_CLI_H
#define SB_CLI_H

#include "core/error.h"

int cmd_run(int argc, char **argv);
int cmd_fit(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_trace(int argc, char **argv);   /* trace info|import|export|verify (traces issue) */
int cmd_report(int argc, char **argv);  /* report DIR | --index DIR | --columns */
int cmd_check(int argc, char **argv);   /* check [--update] RESULTS_DIR */
int cmd_serve(int argc, char **argv);   /* a live model on a socket (data/live.h) */
int cmd_merge(int argc, char **argv);   /* merge DIR... --out OUT (shards: runner/shard.h) */

/* Print "spexbench: <msg>" to stderr and return 1. */
int sb_cli_fail(const sb_error *err);

#endif
