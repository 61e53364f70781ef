/* Reports from stored results (plotting and reporting never run algorithms):
 * runs.csv, summary.csv, context.json, the faithfulness figure and REPORT.md of
 * one results folder, and the index of all experiments (results/README.md).
 *
 *   report.c     the outputs of a sweep (called by the runner) and of a folder
 *                (`spexbench report DIR`): runs.csv, summary.csv, context.json
 *   plot.c       faithfulness.{png,svg} through gnuplot
 *   report_md.c  REPORT.md and the results/README.md index
 *   reference.c  published figures to show beside ours (REFERENCE_RESULTS.md) */
#ifndef SB_REPORT_H
#define SB_REPORT_H

#include <jansson.h>
#include <stdio.h>

#include "metrics/metrics.h"
#include "runner/result.h"
#include "runner/summary.h"

/* What a report needs to know about the experiment besides its runs: from the
 * config (after a sweep) or from context.json (`spexbench report DIR`). */
typedef struct sb_report_meta {
  const char *name;        /* experiment name */
  const char *description; /* may be NULL */
  size_t heldout;          /* held-out masks per run (0 = none) */
  sb_heldout_dist heldout_dist;
  int plot_exact;          /* the figure shows exact (Parseval) R² */
  const json_t *context;   /* context.json content (borrowed; may be NULL) */
} sb_report_meta;

/* What the figure step did (for the caption and the report). */
typedef struct sb_plot_info {
  int drawn;               /* faithfulness.png/.svg were written */
  size_t panels;
  size_t clipped;          /* points drawn at a panel's lower edge (off scale) */
  char message[512];       /* why not drawn, or "" */
} sb_plot_info;

/* `spexbench report DIR`: REPORT.md (and with `figures` the figure) rebuilt
 * from DIR/runs.csv and DIR/context.json; prints the Markdown when `print`. */
int sb_report_folder(const char *dir, int figures, int print, sb_error *err);

/* A setting of the experiment from context.json: its own key, or (older
 * files) the "key = value" line of the stored config text.  1 if found. */
int sb_report_config_value(const json_t *ctx, const char *key, char *buf, size_t len);

/* runs.csv rows back into records (caller frees each with sb_run_result_clear
 * and the array with free). */
int sb_report_read_runs(const char *path, sb_run_result **out, size_t *n, sb_error *err);

/* plot.c: faithfulness.{dat,gp,png,svg} in outdir.  Returns an error only for
 * the .dat/.gp files; a gnuplot failure is reported in info (and the old
 * figure files are removed).  With draw = 0 nothing is written: info describes
 * the figure the same data gives (panels, off-scale points). */
int sb_plot_write(const sb_report_meta *m, const sb_summary *s, const char *outdir, int draw,
                  sb_plot_info *info, sb_error *err);

/* report_md.c: REPORT.md content. */
int sb_report_markdown(FILE *fp, const sb_report_meta *m, const sb_summary *s,
                       sb_run_result *const *res, size_t n, const sb_plot_info *plot);
/* results/README.md: a generated index of every DIR/<x>/ holding a
 * context.json (between marker lines; text outside them is kept). */
int sb_report_index(const char *results_dir, sb_error *err);
/* The column reference of runs.csv and summary.csv (docs/RESULTS.md). */
void sb_report_columns_doc(FILE *fp);

/* reference.c: a published figure for this cell, if one is meaningful.  Fills
 * `text` with the value and `source` with a short attribution; 1 if found. */
typedef struct sb_reference {
  double value;
  const char *metric;  /* e.g. "R² (10,000 uniform held-out masks)" */
  const char *source;  /* e.g. "SPEX paper, DistilBERT on IMDB reviews, [UNK] masking" */
  const char *note;    /* how it differs from ours */
} sb_reference;
int sb_reference_find(const sb_run_result *r, size_t budget, sb_reference *out);
/* Published figures exist for this kind of dataset at some budget (any
 * algorithm): a sentence saying which, when none matches our budgets. */
int sb_reference_describe(const sb_run_result *r, char *buf, size_t len);

#endif
