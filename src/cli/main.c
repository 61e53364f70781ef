/* spexbench CLI entry point (placeholder until the runner lands). */
#include <stdio.h>
#include <string.h>

#include "algos/algo.h"
#include "core/error.h"

int main(int argc, char **argv) {
  sb_gsl_install_handler();
  if (argc > 1 && !strcmp(argv[1], "--version")) {
    printf("spexbench %s\n", SB_VERSION);
    return 0;
  }
  for (size_t i = 0; sb_algo_types[i]; i++)
    printf("%-16s %s\n", sb_algo_types[i]->name, sb_algo_types[i]->summary);
  return 0;
}
