/* Aggregates across the cells of a summary (one row per curve rather than per
 * cell), each with its own column table for its CSV and docs/RESULTS.md:
 *
 *   targets.csv  `target_r2 = X`: per dataset group × algorithm label, the
 *                queries needed for the median R² to reach X (log-interpolated
 *                between the budgets around the crossing);
 *   slopes.csv   `plot_metric = seconds`: per algorithm label × budget, the
 *                least-squares slope of log(median wall seconds) against log(n)
 *                (the exponent of the running time in n). */
#ifndef SB_AGGREGATE_H
#define SB_AGGREGATE_H

#include "runner/columns.h"
#include "runner/summary.h"

typedef enum sb_target_state {
  SB_TARGET_REACHED = 0,   /* crossed between two budgets (interpolated) */
  SB_TARGET_AT_FIRST,      /* already reached at the smallest budget: an upper bound */
  SB_TARGET_NOT_REACHED,   /* never reached at the budgets run */
} sb_target_state;

/* "reached", "at-smallest-budget", "not-reached" (by sb_target_state). */
extern const char *const sb_target_state_names[];

typedef struct sb_target_row {
  const char *group, *label, *algorithm; /* borrowed from the summary */
  double target;          /* the R² to reach */
  int exact;              /* 1: exact (Parseval) R², 0: held-out */
  int state;              /* sb_target_state */
  double queries;         /* interpolated queries at the crossing (the smallest budget's
                             queries when at-smallest-budget; NaN when not reached) */
  size_t budget;          /* first budget whose median reaches the target (unset if none) */
  double r2_at_budget;    /* its median R² (or the best median when not reached) */
  double queries_below;   /* queries of the budget before it (NaN if none) */
  double r2_below;        /* its median R² */
} sb_target_row;

extern const sb_column sb_target_columns[];

/* Rows in first-seen (group, label) order; caller frees the array. */
int sb_targets_build(const sb_summary *s, double target, int exact, sb_target_row **out,
                     size_t *n, sb_error *err);

typedef struct sb_slope_row {
  const char *label, *algorithm; /* borrowed */
  size_t budget;
  double slope;           /* d log(seconds) / d log(n) */
  double intercept;       /* log10(seconds) at n = 1 */
  size_t points;          /* cells with a positive median time */
  size_t n_min, n_max;    /* range of n fitted */
  double seconds_at_max;  /* median seconds at n_max */
} sb_slope_row;

extern const sb_column sb_slope_columns[];

/* Rows in first-seen (label, budget) order, for labels with >= 2 values of n. */
int sb_slopes_build(const sb_summary *s, sb_slope_row **out, size_t *n, sb_error *err);

/* Write a table of records as CSV (atomic); `size` = sizeof a record. */
int sb_aggregate_write_csv(const char *path, const sb_column *cols, const void *rows, size_t n,
                           size_t size, sb_error *err);

#endif
