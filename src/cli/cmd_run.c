/* `spexbench run CONFIG [--out DIR] [--jobs N] [--threads T] [--force] [--quiet]`. */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "runner/runner.h"

typedef struct run_args {
  const char *config;
  sb_runner_opts o;
} run_args;

static const sb_arg RUN_ARGS[] = {
    {"CONFIG", NULL, SB_ARG_POSITIONAL, offsetof(run_args, config), NULL, 0, 0, NULL,
     SB_ARG_REQUIRED, "the experiment config (INI; docs/CONFIG.md)"},
    {"--out", NULL, SB_ARG_STRING, offsetof(run_args, o.outdir), "DIR", 0, 0, NULL, 0,
     "results folder (default results/<experiment name>): a new or empty\n"
     "folder, or one with earlier results; never '', '/', '.', '..' or a\n"
     "folder of other files"},
    {"--jobs", "-j", SB_ARG_INT, offsetof(run_args, o.jobs), "N", 1, 256, NULL, 0,
     "runs at a time, each in its own worker process (1..256;\n"
     "default: the number of online cores)"},
    {"--threads", NULL, SB_ARG_INT, offsetof(run_args, o.threads), "T", 1, 256, NULL, 0,
     "threads per run (1..256; default: cores / jobs, at least 1;\n"
     "XGBoost's results may differ in the last bits across thread counts)"},
    {"--force", NULL, SB_ARG_FLAG, offsetof(run_args, o.force), NULL, 0, 0, NULL, 0,
     "rerun every run, even those with a stored result"},
    {"--quiet", "-q", SB_ARG_FLAG, offsetof(run_args, o.quiet), NULL, 0, 0, NULL, 0,
     "no progress messages and no summary table"},
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

static const sb_command_spec RUN_SPEC = {
    "run",
    "Expand CONFIG (INI) into runs (datasets x algorithms x budgets x repetitions), run\n"
    "them, N at a time, and write under DIR: runs.csv, summary.csv, context.json,\n"
    "REPORT.md, faithfulness.png and .svg, and one JSON file per run in runs/.  A\n"
    "stored result is reused on a rerun only if it is the same run (same data content,\n"
    "algorithm, parameters, budget, seeds and held-out settings); --force reruns\n"
    "everything.  Results do not depend on --jobs or on order.  SIGINT, SIGTERM and\n"
    "SIGHUP stop the sweep: finished runs are kept and reported (exit 128 + the\n"
    "signal number).  A folder git tracks is not rewritten while the source tree has\n"
    "uncommitted changes (docs/RESULTS.md, Provenance).\n",
    RUN_ARGS,
    "See configs/quickstart.ini and docs/CONFIG.md for the format.\n",
};

int cmd_run(int argc, char **argv) {
  run_args a = {NULL, {NULL, 0, 0, 0, 0}};
  int r = sb_args_parse(&RUN_SPEC, argc, argv, &a, NULL);
  if (r) return SB_ARGS_EXIT(r);
  sb_error err = {0};
  if (a.o.outdir && sb_outdir_check(a.o.outdir, "--out", &err)) return sb_cli_fail(&err);
  sb_config *c = NULL;
  if (sb_config_load(a.config, &c, &err)) return sb_cli_fail(&err);
  int rc = sb_runner_run(c, &a.o, &err);
  sb_config_free(c);
  if (rc == SB_EINTR) {
    fprintf(stderr, "spexbench: %s\n", err.msg);
    return 128 + sb_runner_stop_signal();
  }
  if (rc) return sb_cli_fail(&err);
  return 0;
}
