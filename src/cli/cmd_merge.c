/* `spexbench merge DIR... --out OUT [--partial] [--quiet]`: join the folders of
 * `spexbench run CONFIG --shard I/N` into the results of the whole grid
 * (runner/merge.c does the work; docs/SCALING.md, "Shards"). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "runner/shard.h"

typedef struct merge_args {
  sb_arg_list dirs;
  const char *out;
  int partial, quiet;
} merge_args;

static const sb_arg MERGE_ARGS[] = {
    {"DIR...", NULL, SB_ARG_POSITIONALS, offsetof(merge_args, dirs), NULL, 0, 0, NULL,
     SB_ARG_REQUIRED, "the shard folders (each written by `spexbench run CONFIG\n"
                      "--shard I/N --out DIR`), in any order"},
    {"--out", NULL, SB_ARG_STRING, offsetof(merge_args, out), "OUT", 0, 0, NULL, SB_ARG_REQUIRED,
     "the merged results folder: a new or empty folder, or one with\n"
     "earlier results (not one of the shard folders)"},
    {"--partial", NULL, SB_ARG_FLAG, offsetof(merge_args, partial), NULL, 0, 0, NULL, 0,
     "write what is there when shards or runs are missing (they are\n"
     "named on stderr); without it, merge refuses"},
    {"--quiet", "-q", SB_ARG_FLAG, offsetof(merge_args, quiet), NULL, 0, 0, NULL, 0,
     "no progress messages and no summary table"},
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

static const sb_command_spec MERGE_SPEC = {
    "merge",
    "Join the slices of one sweep (`spexbench run CONFIG --shard I/N --out DIR`, I = 1..N,\n"
    "e.g. the tasks of a Slurm array job) into OUT: every run's stored result under\n"
    "OUT/runs/, and runs.csv, summary.csv, context.json, REPORT.md and the figure, as\n"
    "a serial `spexbench run CONFIG` writes them.  Refuses (writing nothing) folders\n"
    "that are not slices of one grid: other config text, other data content, another\n"
    "N, the same slice twice, or another commit of the code (also this build's);\n"
    "and, without --partial, a missing slice or run (named, with the command that\n"
    "finishes it: a rerun of that shard reuses what it stored).\n",
    MERGE_ARGS,
    "See docs/SCALING.md (Sweeps on a cluster) for a Slurm array-job example.\n",
};

int cmd_merge(int argc, char **argv) {
  merge_args a = {{NULL, 0}, NULL, 0, 0};
  a.dirs.v = calloc((size_t)argc + 1, sizeof *a.dirs.v);
  if (!a.dirs.v) {
    fprintf(stderr, "spexbench: out of memory\n");
    return 1;
  }
  int r = sb_args_parse(&MERGE_SPEC, argc, argv, &a, NULL);
  if (r) {
    free(a.dirs.v);
    return SB_ARGS_EXIT(r);
  }
  sb_error err = {0};
  sb_merge_opts o = {a.dirs.v, a.dirs.n, a.out, a.partial, a.quiet};
  int rc = sb_merge(&o, &err);
  free(a.dirs.v);
  return rc ? sb_cli_fail(&err) : 0;
}
