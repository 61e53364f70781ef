/* spexbench: command-line entry point.  A thin dispatcher over the library:
 * each subcommand lives in its own cmd_*.c file. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/fault.h"

typedef struct command {
  const char *name;
  int (*fn)(int argc, char **argv);
  const char *summary;
} command;

static const command COMMANDS[] = {
    {"run", cmd_run, "run an experiment config: datasets × algorithms × budgets × seeds"},
    {"fit", cmd_fit, "run one algorithm once on one dataset and print its metrics"},
    {"list", cmd_list, "list algorithms, dataset families and metrics"},
    {"trace", cmd_trace, "inspect, import, export and verify ablation traces"},
    {"report", cmd_report, "REPORT.md of a results folder, the results index, the CSV columns"},
    {"check", cmd_check, "rerun an experiment's quick variant and compare it with its reference"},
    {"serve", cmd_serve, "serve a live model to harnesses elsewhere over a socket"},
    {"merge", cmd_merge, "join the shard folders of `run --shard I/N` into one results folder"},
    {NULL, NULL, NULL},
};

static void usage(FILE *fp) {
  fprintf(fp,
          "usage: spexbench <command> [options]\n"
          "       spexbench <command> --help\n"
          "       spexbench --version\n\n"
          "Benchmark harness for explaining black-box models by ablation (SPEX, ProxySPEX and\n"
          "baselines): faithfulness against the number of model queries.\n\ncommands:\n");
  for (const command *c = COMMANDS; c->name; c++) fprintf(fp, "  %-8s %s\n", c->name, c->summary);
  fprintf(fp, "\nexample:\n  spexbench run configs/quickstart.ini\n"
              "  spexbench fit --dataset fourier:n=256,k=50,degree=4,snr_db=20,seed=7 "
              "--algo faith-banzhaf:order=1 --budget 4000\n");
}

int sb_cli_fail(const sb_error *err) {
  fprintf(stderr, "spexbench: %s\n", err->msg[0] ? err->msg : sb_status_name(err->code));
  return 1;
}

int main(int argc, char **argv) {
  sb_gsl_install_handler();
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    usage(stdout);
    return 0;
  }
  if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
    printf("spexbench %s\n", SB_VERSION);
    return 0;
  }
  if (sb_fault_init() != 0) return 1; /* a test-only switch (core/fault.h) */
  for (const command *c = COMMANDS; c->name; c++)
    if (!strcmp(argv[1], c->name)) return c->fn(argc - 1, argv + 1);
  fprintf(stderr, "spexbench: unknown command '%s'\n\n", argv[1]);
  usage(stderr);
  return 2;
}
