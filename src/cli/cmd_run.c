/* `spexbench run CONFIG [--out DIR] [--jobs N] [--force]`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "runner/runner.h"

static void run_usage(FILE *fp) {
  fprintf(fp,
          "usage: spexbench run CONFIG [--out DIR] [--jobs N] [--threads T] [--force] [--quiet]\n\n"
          "Expand CONFIG (INI) into runs (datasets × algorithms × budgets × repetitions), run\n"
          "them (N at a time, each in its own worker process) and write under DIR (default\n"
          "results/<experiment name>/): runs.csv, summary.csv, context.json, REPORT.md,\n"
          "faithfulness.png and .svg, and one JSON file per run in runs/.  Finished runs are\n"
          "skipped on a rerun unless --force.  Results do not depend on --jobs or on order.\n"
          "A folder git tracks is not rewritten while the source tree has uncommitted\n"
          "changes (docs/RESULTS.md, Provenance).\n"
          "  --threads T  threads per run (default: all cores; XGBoost's results may differ\n"
          "               in the last bits across thread counts)\n"
          "See configs/quickstart.ini and docs/CONFIG.md for the format.\n");
}

int cmd_run(int argc, char **argv) {
  const char *config = NULL;
  sb_runner_opts o = {NULL, 1, 0, 0, 0};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      run_usage(stdout);
      return 0;
    } else if (!strcmp(a, "--out") && i + 1 < argc) {
      o.outdir = argv[++i];
    } else if ((!strcmp(a, "--jobs") || !strcmp(a, "-j")) && i + 1 < argc) {
      char *end;
      long v = strtol(argv[++i], &end, 10);
      if (*end || v < 1 || v > 256) {
        fprintf(stderr, "spexbench run: --jobs '%s': expected an integer in 1..256\n", argv[i]);
        return 2;
      }
      o.jobs = (int)v;
    } else if (!strcmp(a, "--threads") && i + 1 < argc) {
      char *end;
      long v = strtol(argv[++i], &end, 10);
      if (*end || v < 1 || v > 256) {
        fprintf(stderr, "spexbench run: --threads '%s': expected an integer in 1..256\n", argv[i]);
        return 2;
      }
      o.threads = (int)v;
    } else if (!strcmp(a, "--force")) {
      o.force = 1;
    } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
      o.quiet = 1;
    } else if (a[0] == '-') {
      fprintf(stderr, "spexbench run: unknown or incomplete option '%s'\n", a);
      run_usage(stderr);
      return 2;
    } else if (!config) {
      config = a;
    } else {
      fprintf(stderr, "spexbench run: unexpected argument '%s'\n", a);
      return 2;
    }
  }
  if (!config) {
    run_usage(stderr);
    return 2;
  }
  sb_error err = {0};
  sb_config *c = NULL;
  if (sb_config_load(config, &c, &err)) return sb_cli_fail(&err);
  if (!o.quiet)
    fprintf(stderr, "spexbench: experiment '%s': %zu runs, %d job%s\n", c->name, c->n_runs,
            o.jobs, o.jobs == 1 ? "" : "s");
  int rc = sb_runner_run(c, &o, &err);
  sb_config_free(c);
  if (rc == SB_EINTR) {
    fprintf(stderr, "spexbench: %s\n", err.msg);
    return 130;
  }
  if (rc) return sb_cli_fail(&err);
  return 0;
}
