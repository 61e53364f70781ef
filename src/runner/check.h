/* `spexbench check`: compare a fresh run of an experiment's quick variant with
 * its committed reference, cell by cell (dataset group × algorithm label ×
 * budget), metric by metric.  Runs are paired by id: the same run definition,
 * hence the same seeds, on both sides.
 *
 * Rules (docs/RESULTS.md, "Checking results"):
 *   exact      a cell whose reference runs are all on noiseless synthetic data
 *              (noise_sd = 0, a generated family): every run must have the same
 *              status and queries_used, and every metric (r2_exact, r2_heldout,
 *              precision, recall, support_exact, removal) within exact_tol
 *              (1e-9) of the reference.
 *   paired     any other cell, continuous metrics: the median over the cell's
 *              runs of the paired difference (now − reference) must lie within
 *              tol = max(abs_floor, k · IQR_ref / sqrt(m)), IQR_ref the
 *              interquartile range of the reference values and m the number of
 *              paired runs (k = 0.5: half the standard error of the cell's median,
 *              which is about 0.93·IQR/sqrt(m)).  With the same seeds a run's
 *              numbers only move with the code or the floating point of another
 *              machine; the median ignores the few runs where such a last-bit
 *              change flips a discrete choice (a CV fold's λ), a regression moves
 *              most of them.
 *   rate       any other cell, support_exact: the fraction of runs with exact
 *              support recovery may move by at most
 *              max(1/m, k · sqrt(p(1 − p)/m)), p the reference fraction.
 *   status     every cell: the counts of ok / skipped / failed runs and the run
 *              identities (what defines a run: seeds, data content, format) are
 *              equal, and no reference run is missing.
 * Timings are never compared. */
#ifndef SB_CHECK_H
#define SB_CHECK_H

#include <stdio.h>

#include "runner/result.h"

typedef enum sb_check_rule {
  SB_CHECK_STATUS = 0, /* counts by status, identities, missing runs */
  SB_CHECK_EXACT,
  SB_CHECK_PAIRED,
  SB_CHECK_RATE,
} sb_check_rule;

/* "status", "exact", "paired", "rate" (by sb_check_rule). */
extern const char *const sb_check_rule_names[];

typedef struct sb_check_opts {
  double k;          /* paired / rate tolerance factor (default 0.5) */
  double abs_floor;  /* smallest paired tolerance (default 1e-3) */
  double exact_tol;  /* exact rule (default 1e-9) */
} sb_check_opts;

void sb_check_opts_default(sb_check_opts *o);

typedef struct sb_check_row {
  const char *group, *label; /* borrowed from the reference records */
  size_t budget;
  char metric[40];           /* "r2_exact", "removal[3]", "status", ... */
  int rule;                  /* sb_check_rule */
  double ref, now;           /* exact: the worst run's values; paired: the cell medians;
                                rate: the fractions */
  double delta;              /* exact: max |now − ref|; paired: median of the paired
                                differences; rate: now − ref */
  double tol;
  size_t runs;               /* paired runs compared */
  size_t differ;             /* runs whose value differs at all */
  int pass;
  char note[240];            /* status rows: what differs */
} sb_check_row;

typedef struct sb_check_result {
  sb_check_row *rows;
  size_t n;
  size_t cells, exact_cells; /* cells compared, of which under the exact rule */
  size_t failed;             /* rows out of tolerance */
} sb_check_result;

/* Compare `now` against `ref` (records as read from runs.csv).  Caller frees
 * with sb_check_result_free; SB_ENOMEM. */
int sb_check_compare(sb_run_result *const *ref, size_t nref, sb_run_result *const *now,
                     size_t nnow, const sb_check_opts *o, sb_check_result **out, sb_error *err);
void sb_check_result_free(sb_check_result *r);

/* The table: cell, metric, rule, reference, now, Δ, tolerance, verdict; the rows
 * that moved at all or failed (every row with `all`), then a one-line verdict. */
void sb_check_print(FILE *fp, const sb_check_result *r, int all);

#endif
