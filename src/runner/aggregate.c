/* Aggregates across summary cells (aggregate.h): queries to reach a target R²
 * and the scaling exponent of the running time in n. */
#include "runner/aggregate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/fsutil.h"

const char *const sb_target_state_names[] = {"reached", "at-smallest-budget", "not-reached",
                                             NULL};

#define OFF(f) offsetof(sb_target_row, f)
#define CSV SB_COL_IN_CSV
#define G6 "%.6g"

const sb_column sb_target_columns[] = {
    {"group", OFF(group), SB_COL_CSTR, CSV, "dataset group (as in summary.csv)", NULL, NULL},
    {"label", OFF(label), SB_COL_CSTR, CSV, "algorithm label", NULL, NULL},
    {"algorithm", OFF(algorithm), SB_COL_CSTR, CSV, "algorithm type name", NULL, NULL},
    {"target", OFF(target), SB_COL_REAL, CSV, "the R² to reach (`target_r2`)", G6, NULL},
    {"exact", OFF(exact), SB_COL_BOOL, CSV,
     "true: exact (Parseval) R² medians; false: held-out R² medians", NULL, NULL},
    {"state", OFF(state), SB_COL_ENUM, CSV,
     "`reached` between two budgets; `at-smallest-budget` (queries is an upper bound); "
     "`not-reached` at any budget run",
     sb_target_state_names, NULL},
    {"queries", OFF(queries), SB_COL_REAL, CSV,
     "queries at which the median R² reaches the target: linear in log(queries) between the "
     "budget below and the first budget at or above it", G6, NULL},
    {"budget", OFF(budget), SB_COL_SIZE, CSV,
     "the first budget whose median R² reaches the target", NULL, NULL},
    {"r2_at_budget", OFF(r2_at_budget), SB_COL_REAL, CSV,
     "median R² at that budget (the best median of the curve when not reached)", G6, NULL},
    {"queries_below", OFF(queries_below), SB_COL_REAL, CSV,
     "median queries used at the budget before it", G6, NULL},
    {"r2_below", OFF(r2_below), SB_COL_REAL, CSV, "median R² at the budget before it", G6, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
#undef OFF

#define OFF(f) offsetof(sb_slope_row, f)
const sb_column sb_slope_columns[] = {
    {"label", OFF(label), SB_COL_CSTR, CSV, "algorithm label", NULL, NULL},
    {"algorithm", OFF(algorithm), SB_COL_CSTR, CSV, "algorithm type name", NULL, NULL},
    {"budget", OFF(budget), SB_COL_SIZE, CSV, "distinct queries allowed", NULL, NULL},
    {"slope", OFF(slope), SB_COL_REAL, CSV,
     "least-squares slope of log(median wall seconds) against log(n): seconds ∝ n^slope", G6,
     NULL},
    {"intercept", OFF(intercept), SB_COL_REAL, CSV, "log10(seconds) of the fit at n = 1", G6,
     NULL},
    {"points", OFF(points), SB_COL_SIZE, CSV, "values of n in the fit", NULL, NULL},
    {"n_min", OFF(n_min), SB_COL_SIZE, CSV, "smallest n fitted", NULL, NULL},
    {"n_max", OFF(n_max), SB_COL_SIZE, CSV, "largest n fitted", NULL, NULL},
    {"seconds_at_max", OFF(seconds_at_max), SB_COL_REAL, CSV, "median wall seconds at n_max",
     G6, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
#undef OFF

static int same(const char *a, const char *b) { return !strcmp(a ? a : "", b ? b : ""); }

/* Indices of the cells of (group, label) [group NULL: any], ascending by sort key. */
static size_t curve(const sb_summary *s, const char *group, const char *label, size_t budget,
                    int by_n, size_t *idx) {
  size_t m = 0;
  for (size_t k = 0; k < s->n_cells; k++) {
    const sb_summary_cell *c = &s->cells[k];
    if ((group && !same(c->group, group)) || !same(c->label, label)) continue;
    if (by_n && c->budget != budget) continue;
    idx[m++] = k;
  }
  for (size_t i = 1; i < m; i++) /* insertion sort by budget or n */
    for (size_t j = i; j > 0; j--) {
      const sb_summary_cell *a = &s->cells[idx[j - 1]], *b = &s->cells[idx[j]];
      size_t ka = by_n ? a->n_max : a->budget, kb = by_n ? b->n_max : b->budget;
      if (ka <= kb) break;
      size_t t = idx[j];
      idx[j] = idx[j - 1];
      idx[j - 1] = t;
    }
  return m;
}

static void target_row(const sb_summary *s, const size_t *idx, size_t m, double target,
                       int exact, sb_target_row *row) {
  const sb_summary_cell *first = &s->cells[idx[0]];
  *row = (sb_target_row){first->group, first->label, first->algorithm, target, exact,
                         SB_TARGET_NOT_REACHED, NAN, SB_SIZE_UNSET, NAN, NAN, NAN};
  const sb_summary_cell *prev = NULL;
  double best = -INFINITY;
  for (size_t i = 0; i < m; i++) {
    const sb_summary_cell *c = &s->cells[idx[i]];
    double r2 = sb_summary_median(c, exact), q = c->queries_median;
    if (!isfinite(r2) || !(q > 0)) continue;
    if (r2 > best) best = r2;
    if (r2 >= target) {
      row->budget = c->budget;
      row->r2_at_budget = r2;
      if (!prev) {
        row->state = SB_TARGET_AT_FIRST;
        row->queries = q;
      } else {
        double r0 = sb_summary_median(prev, exact), q0 = prev->queries_median;
        double t = r2 > r0 ? (target - r0) / (r2 - r0) : 1.0;
        row->state = SB_TARGET_REACHED;
        row->queries = exp2(log2(q0) + t * (log2(q) - log2(q0)));
        row->queries_below = q0;
        row->r2_below = r0;
      }
      return;
    }
    prev = c;
  }
  row->r2_at_budget = isfinite(best) ? best : NAN;
}

/* Room for one row per cell (`size` bytes each) and the cell indices of a curve. */
static int alloc_rows(const sb_summary *s, size_t size, void **rows, size_t **idx,
                      sb_error *err) {
  *rows = calloc(s->n_cells + 1, size);
  *idx = calloc(s->n_cells + 1, sizeof **idx);
  if (*rows && *idx) return SB_OK;
  free(*rows), free(*idx);
  *rows = NULL, *idx = NULL;
  return sb_error_set(err, SB_ENOMEM, "out of memory");
}

int sb_targets_build(const sb_summary *s, double target, int exact, sb_target_row **out,
                     size_t *n, sb_error *err) {
  *out = NULL;
  *n = 0;
  sb_target_row *rows;
  size_t *idx;
  if (alloc_rows(s, sizeof *rows, (void **)&rows, &idx, err)) return SB_ENOMEM;
  size_t nr = 0;
  for (size_t k = 0; k < s->n_cells; k++) {
    const sb_summary_cell *c = &s->cells[k];
    int seen = 0;
    for (size_t r = 0; r < nr && !seen; r++)
      seen = same(rows[r].group, c->group) && same(rows[r].label, c->label);
    if (seen) continue;
    size_t m = curve(s, c->group, c->label, 0, 0, idx);
    target_row(s, idx, m, target, exact, &rows[nr++]);
  }
  free(idx);
  *out = rows;
  *n = nr;
  return SB_OK;
}

int sb_slopes_build(const sb_summary *s, sb_slope_row **out, size_t *n, sb_error *err) {
  *out = NULL;
  *n = 0;
  sb_slope_row *rows;
  size_t *idx;
  if (alloc_rows(s, sizeof *rows, (void **)&rows, &idx, err)) return SB_ENOMEM;
  size_t nr = 0;
  for (size_t k = 0; k < s->n_cells; k++) {
    const sb_summary_cell *c = &s->cells[k];
    int seen = 0;
    for (size_t r = 0; r < nr && !seen; r++)
      seen = same(rows[r].label, c->label) && rows[r].budget == c->budget;
    if (seen) continue;
    size_t m = curve(s, NULL, c->label, c->budget, 1, idx);
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    size_t p = 0, nmin = SB_SIZE_UNSET, nmax = 0;
    double at_max = NAN;
    for (size_t i = 0; i < m; i++) {
      const sb_summary_cell *d = &s->cells[idx[i]];
      if (!(d->wall_s_median > 0) || d->n_max == SB_SIZE_UNSET) continue;
      double x = log10((double)d->n_max), y = log10(d->wall_s_median);
      sx += x, sy += y, sxx += x * x, sxy += x * y, p++;
      if (d->n_max < nmin) nmin = d->n_max;
      if (d->n_max >= nmax) nmax = d->n_max, at_max = d->wall_s_median;
    }
    double den = (double)p * sxx - sx * sx;
    if (p < 2 || !(den > 0)) continue;
    double slope = ((double)p * sxy - sx * sy) / den;
    rows[nr++] = (sb_slope_row){c->label, c->algorithm, c->budget, slope,
                                (sy - slope * sx) / (double)p, p, nmin, nmax, at_max};
  }
  free(idx);
  *out = rows;
  *n = nr;
  return SB_OK;
}

int sb_aggregate_write_csv(const char *path, const sb_column *cols, const void *rows, size_t n,
                           size_t size, sb_error *err) {
  sb_atomic_file af;
  int rc = sb_atomic_open(&af, path, err);
  if (rc) return rc;
  sb_columns_csv_header(af.fp, cols, SB_COL_IN_CSV);
  for (size_t i = 0; i < n; i++)
    if (sb_columns_csv_row(af.fp, cols, (const char *)rows + i * size, SB_COL_IN_CSV)) {
      sb_atomic_abort(&af);
      return sb_error_set(err, SB_ENOMEM, "%s: out of memory", path);
    }
  return sb_atomic_commit(&af, err);
}
