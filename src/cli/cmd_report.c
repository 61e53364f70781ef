/* `spexbench report`: REPORT.md of a results folder (rebuilt from its runs.csv
 * and context.json; --figures redraws the figure too), the index of all
 * experiments (results/README.md), and the column reference of the CSVs. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "runner/report.h"

static void report_usage(FILE *fp) {
  fprintf(fp,
          "usage: spexbench report DIR [--figures] [--print]\n"
          "       spexbench report --index RESULTS_DIR\n"
          "       spexbench report --columns\n\n"
          "Reports from stored results only (nothing is rerun).\n"
          "  DIR            a results folder (runs.csv + context.json): writes DIR/REPORT.md\n"
          "                 (per dataset group, R² median [q1, q3] by algorithm x budget, why\n"
          "                 cells are empty, published figures where comparable, run context)\n"
          "  --figures      also redraw DIR/faithfulness.{png,svg} from runs.csv\n"
          "  --print        print the Markdown to stdout as well\n"
          "  --index DIR    write DIR/README.md: one line per experiment folder in DIR\n"
          "  --columns      print the column reference of runs.csv and summary.csv\n"
          "                 (docs/RESULTS.md holds the same text)\n");
}

int cmd_report(int argc, char **argv) {
  const char *dir = NULL, *index = NULL;
  int figures = 0, print = 0, columns = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      report_usage(stdout);
      return 0;
    } else if (!strcmp(a, "--figures")) {
      figures = 1;
    } else if (!strcmp(a, "--print")) {
      print = 1;
    } else if (!strcmp(a, "--columns")) {
      columns = 1;
    } else if (!strcmp(a, "--index") && i + 1 < argc) {
      index = argv[++i];
    } else if (a[0] == '-') {
      fprintf(stderr, "spexbench report: unknown or incomplete option '%s'\n", a);
      report_usage(stderr);
      return 2;
    } else if (!dir) {
      dir = a;
    } else {
      fprintf(stderr, "spexbench report: unexpected argument '%s'\n", a);
      return 2;
    }
  }
  if ((dir != NULL) + (index != NULL) + columns != 1) {
    report_usage(stderr);
    return 2;
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
