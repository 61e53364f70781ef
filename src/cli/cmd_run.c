/* `spexbench run CONFIG [--out DIR] [--jobs N] [--threads T] [--force] [--quiet]
 * [--shard I/N]`, and under mpirun (MPI builds) the same sweep over the ranks. */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "runner/runner.h"
#include "runner/shard.h"
#ifdef SPEXBENCH_MPI
#include "runner/mpi.h"
#endif

typedef struct run_args {
  const char *config;
  sb_runner_opts o;
  const char *shard;
  int rank_timeout;
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
     "default: the number of online cores; under mpirun: per rank, default\n"
     "the node's cores shared by the ranks on it)"},
    {"--threads", NULL, SB_ARG_INT, offsetof(run_args, o.threads), "T", 1, 256, NULL, 0,
     "threads per run (1..256; default: cores / jobs, at least 1;\n"
     "XGBoost's results may differ in the last bits across thread counts)"},
    {"--force", NULL, SB_ARG_FLAG, offsetof(run_args, o.force), NULL, 0, 0, NULL, 0,
     "rerun every run, even those with a stored result"},
    {"--quiet", "-q", SB_ARG_FLAG, offsetof(run_args, o.quiet), NULL, 0, 0, NULL, 0,
     "no progress messages and no summary table"},
    {"--shard", NULL, SB_ARG_STRING, offsetof(run_args, shard), "I/N", 0, 0, NULL, 0,
     "run only the I-th of N balanced, disjoint slices of the runs\n"
     "(I = 1..N) into --out DIR (required); `spexbench merge` joins the\n"
     "slices (batch schedulers, e.g. a Slurm array job: docs/SCALING.md)"},
    {"--rank-timeout", NULL, SB_ARG_INT, offsetof(run_args, rank_timeout), "S", 1, 86400, NULL, 0,
     "under mpirun (MPI builds): a rank not heard from for S seconds is\n"
     "lost and its running runs are failed rows (default 60)"},
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

static const sb_command_spec RUN_SPEC = {
    "run",
    "Expand CONFIG (INI) into runs (datasets x algorithms x budgets x repetitions), run\n"
    "them, N at a time, and write under DIR: runs.csv, summary.csv, context.json,\n"
    "REPORT.md, faithfulness.png and .svg, and one JSON file per run in runs/.  A\n"
    "stored result is reused on a rerun only if it is the same run (same data content,\n"
    "algorithm, parameters, budget, seeds and held-out settings); --force reruns\n"
    "everything.  Results do not depend on --jobs, on order, on MPI ranks or on\n"
    "shards.  SIGINT, SIGTERM and SIGHUP stop the sweep: finished runs are kept and\n"
    "reported (exit 128 + the signal number).  A folder git tracks is not rewritten\n"
    "while the source tree has uncommitted changes (docs/RESULTS.md, Provenance).\n"
    "Under `mpirun -np K` (an MPI build) the runs are spread over the K ranks and rank\n"
    "0 writes DIR (docs/SCALING.md).\n",
    RUN_ARGS,
    "See configs/quickstart.ini and docs/CONFIG.md for the format.\n",
};

/* Started by an MPI launcher (mpirun / mpiexec / srun with PMI)?  *size = the
 * number of ranks when the launcher says (0 = not known). */
static int mpi_launched(long *size) {
  const char *s = getenv("OMPI_COMM_WORLD_SIZE");
  if (!s) s = getenv("PMI_SIZE");
  *size = s ? strtol(s, NULL, 10) : 0;
  return s || getenv("PMIX_RANK") || getenv("PMI_RANK");
}

int cmd_run(int argc, char **argv) {
  run_args a = {NULL, {NULL, 0, 0, 0, 0}, NULL, 0};
  int r = sb_args_parse(&RUN_SPEC, argc, argv, &a, NULL);
  if (r) return SB_ARGS_EXIT(r);
  sb_error err = {0};
  size_t shard = 0, shards = 0;
  if (a.shard && sb_shard_parse(a.shard, "--shard", &shard, &shards, &err))
    return sb_args_error(&RUN_SPEC, "%s", err.msg);
  if (a.shard && !a.o.outdir)
    return sb_args_error(&RUN_SPEC, "--shard %s needs --out DIR: every shard writes its own "
                         "folder, joined later by `spexbench merge`", a.shard);
  long ranks = 0;
  int launched = mpi_launched(&ranks);
  if (launched && a.shard && ranks > 1)
    return sb_args_error(&RUN_SPEC, "--shard and mpirun do not combine: under mpirun the ranks "
                         "share the runs already (use one or the other)");
#ifdef SPEXBENCH_MPI
  if (launched && !a.shard) {
    sb_mpi_opts mo = {a.o, a.rank_timeout};
    int rank = 0;
    int rc = sb_mpi_run(&argc, &argv, a.config, &mo, &rank, &err);
    if (rank != 0) return 0; /* rank 0 reports every rank's errors (and mpirun names it) */
    if (rc == SB_EINTR) {
      fprintf(stderr, "spexbench: %s\n", err.msg);
      return 128 + sb_runner_stop_signal();
    }
    return rc ? sb_cli_fail(&err) : 0;
  }
#else
  if (launched && ranks > 1)
    return sb_args_error(&RUN_SPEC, "started by mpirun with %ld ranks, but this spexbench was "
                         "built without MPI: every rank would run the whole sweep.  Build with "
                         "`make MPI=1` (cmake -DSPEXBENCH_MPI=ON), or split the sweep with "
                         "--shard I/N", ranks);
#endif
  if (a.rank_timeout)
    return sb_args_error(&RUN_SPEC, "--rank-timeout applies under mpirun only (an MPI build)");
  if (a.o.outdir && sb_outdir_check(a.o.outdir, "--out", &err)) return sb_cli_fail(&err);
  sb_config *c = NULL;
  if (sb_config_load(a.config, &c, &err)) return sb_cli_fail(&err);
  int rc = shards ? sb_shard_run(c, &a.o, shard, shards, &err) : sb_runner_run(c, &a.o, &err);
  sb_config_free(c);
  if (rc == SB_EINTR) {
    fprintf(stderr, "spexbench: %s\n", err.msg);
    return 128 + sb_runner_stop_signal();
  }
  if (rc) return sb_cli_fail(&err);
  return 0;
}
