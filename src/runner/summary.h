/* Summary statistics of a sweep: one cell per (dataset group, algorithm label,
 * budget) with the median and quartiles of R² over its ok runs, timing
 * aggregates, counts by status, and a note saying why a cell is empty or
 * partial (the skip reason or error carried from the runs).  One column table
 * (`sb_summary_columns`) writes summary.csv and its documentation. */
#ifndef SB_SUMMARY_H
#define SB_SUMMARY_H

#include <stdio.h>

#include "algos/algo.h"
#include "runner/columns.h"
#include "runner/result.h"

typedef struct sb_summary_cell {
  /* borrowed from the first run of the cell */
  const char *experiment, *group, *label, *algorithm, *params, *heldout_dist;
  const char *family_name;    /* sb_algo_family_name(family) */
  sb_algo_family family;
  size_t budget;
  size_t count_total;         /* runs with a result */
  size_t count_ok, count_skipped, count_failed; /* failed includes unsupported */
  size_t count_missing;       /* runs without a result (interrupted) */
  size_t n_min, n_max;        /* features over the cell's runs */
  size_t heldout_count;
  size_t r2_count, r2_exact_count; /* finite values behind the statistics */
  double queries_median;
  double r2_median, r2_q1, r2_q3, r2_mean;
  double r2_exact_median, r2_exact_q1, r2_exact_q3;
  double wall_s_median, wall_s_q1, wall_s_q3, cpu_s_median, cpu_s_total;
  char *note;                 /* why empty or partial ("" when complete); owned */
  int reason;                 /* index into sb_summary.reasons of the first not-ok run, or -1 */
} sb_summary_cell;

typedef struct sb_summary {
  sb_summary_cell *cells; /* in first-seen run order */
  size_t n_cells;
  char **reasons;         /* distinct "status: message" of not-ok runs, in first-seen order */
  size_t n_reasons;
} sb_summary;

extern const sb_column sb_summary_columns[];

/* Build from `n` results in run order (a result whose status is unset, -1,
 * stands for a run without a result: it makes its cell exist and counts as
 * missing).  `res` must outlive the summary (strings are borrowed).  Caller
 * frees with sb_summary_free; SB_ENOMEM. */
int sb_summary_build(sb_run_result *const *res, size_t n, sb_summary **out, sb_error *err);
void sb_summary_free(sb_summary *s);

/* summary.csv (atomic). */
int sb_summary_write_csv(const sb_summary *s, const char *path, sb_error *err);

/* The statistic a figure or table shows: exact (Parseval) R² or held-out R². */
double sb_summary_median(const sb_summary_cell *c, int exact);
double sb_summary_q1(const sb_summary_cell *c, int exact);
double sb_summary_q3(const sb_summary_cell *c, int exact);

#endif
