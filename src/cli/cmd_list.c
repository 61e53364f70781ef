/* `spexbench list`: algorithms (with parameters), dataset families, metrics. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "algos/algo.h"
#include "cli/args.h"
#include "cli/cli.h"
#include "data/dataset.h"

typedef struct list_args {
  int params;
} list_args;

static const sb_arg LIST_ARGS[] = {
    {"--params", "-v", SB_ARG_FLAG, offsetof(list_args, params), NULL, 0, 0, NULL, 0,
     "add every parameter with its range and default"},
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

static const sb_command_spec LIST_SPEC = {
    "list", "Print the algorithms, dataset families and metrics the harness has, one line each.\n",
    LIST_ARGS, NULL,
};

int cmd_list(int argc, char **argv) {
  list_args a = {0};
  int r = sb_args_parse(&LIST_SPEC, argc, argv, &a, NULL);
  if (r) return SB_ARGS_EXIT(r);
  int verbose = a.params;
  printf("algorithms (--algo NAME[:key=value,...]):\n");
  for (size_t i = 0; sb_algo_types[i]; i++) {
    printf("  %-20s %s\n", sb_algo_types[i]->name, sb_algo_types[i]->summary);
    if (verbose) sb_params_print_help(sb_algo_types[i]->params, stdout);
  }
  printf("\ndataset families (--dataset FAMILY:key=value,... or FAMILY:PATH):\n");
  for (size_t i = 0; sb_dataset_families[i]; i++) {
    printf("  %-20s %s\n", sb_dataset_families[i]->name, sb_dataset_families[i]->summary);
    if (verbose && !(sb_dataset_families[i]->flags & SB_FAMILY_FILE))
      sb_params_print_help(sb_dataset_families[i]->params, stdout);
  }
  printf("\nmetrics:\n"
         "  %-20s %s\n  %-20s %s\n  %-20s %s\n  %-20s %s\n  %-20s %s\n  %-20s %s\n",
         "r2_heldout", "R² on held-out masks (uniform or uniform-over-sizes), never counted",
         "r2_exact", "R² over all masks by Parseval, when the true spectrum is known",
         "precision/recall", "support recovery against the true Fourier support (synthetic)",
         "rel_error", "relative L2 error of the Fourier coefficients (synthetic)",
         "queries_used", "distinct masks the algorithm queried",
         "wall_s/cpu_s", "seconds of the algorithm (design, oracle, fit), wall and CPU");
  return 0;
}
