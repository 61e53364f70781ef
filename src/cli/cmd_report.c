/* `spexbench report`: REPORT.md of a results folder (rebuilt from its runs.csv
 * and context.json; --figures redraws the figure too), the index of all
 * experiments (results/README.md), and the column reference of the CSVs. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "runner/report.h"

typedef struct report_args {
  const char *dir, *index;
  int figures, print, columns;
} report_args;

static const sb_arg REPORT_ARGS[] = {
    {"DIR", NULL, SB_ARG_POSITIONAL, offsetof(report_args, dir), NULL, 0, 0, NULL, 0,
     "a results folder (runs.csv + context.json): writes DIR/REPORT.md\n"
     "(per dataset group, R² median [q1, q3] by algorithm x budget, why\n"
     "cells are empty, published figures where comparable, run context)"},
    {"--figures", NULL, SB_ARG_FLAG, offsetof(report_args, figures), NULL, 0, 0, NULL, 0,
     "also redraw DIR/faithfulness.{png,svg} from runs.csv"},
    {"--print", NULL, SB_ARG_FLAG, offsetof(report_args, print), NULL, 0, 0, NULL, 0,
     "print the Markdown to stdout as well"},
    {"--index", NULL, SB_ARG_STRING, offsetof(report_args, index), "RESULTS_DIR", 0, 0, NULL, 0,
     "write RESULTS_DIR/README.md: one line per experiment folder in it"},
    {"--columns", NULL, SB_ARG_FLAG, offsetof(report_args, columns), NULL, 0, 0, NULL, 0,
     "print the column reference of runs.csv and summary.csv\n"
     "(docs/RESULTS.md holds the same text)"},
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

static const sb_command_spec REPORT_SPEC = {
    "report",
    "Reports from stored results only (nothing is rerun): give exactly one of DIR,\n"
    "--index RESULTS_DIR or --columns.\n",
    REPORT_ARGS, NULL,
};

int cmd_report(int argc, char **argv) {
  report_args a = {NULL, NULL, 0, 0, 0};
  int r = sb_args_parse(&REPORT_SPEC, argc, argv, &a, NULL);
  if (r) return SB_ARGS_EXIT(r);
  const char *dir = a.dir, *index = a.index;
  int figures = a.figures, print = a.print, columns = a.columns;
  if ((dir != NULL) + (index != NULL) + columns != 1) {
    sb_args_help(&REPORT_SPEC, stderr);
    return sb_args_error(&REPORT_SPEC, "give exactly one of DIR, --index RESULTS_DIR, --columns");
  }
  sb_error err = {0};
  if (columns) {
    sb_report_columns_doc(stdout);
    return 0;
  }
  if (index) {
    if (sb_report_index(index, &err)) return sb_cli_fail(&err);
    fprintf(stderr, "spexbench: wrote %s/README.md\n", index);
    return 0;
  }
  if (sb_report_folder(dir, figures, print, &err)) return sb_cli_fail(&err);
  return 0;
}
