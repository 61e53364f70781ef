/* Summary cells (summary.h): group runs by (dataset group, label, budget),
 * quartiles by GSL on the sorted values (the same statistics summary.csv has
 * always had), and a note per cell that carries the reason a cell is empty or
 * partial through to the tables, instead of a bare dash. */
#include "runner/summary.h"

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/fsutil.h"

#define OFF(f) offsetof(sb_summary_cell, f)
#define CSV SB_COL_IN_CSV
#define G6 "%.6g"

const sb_column sb_summary_columns[] = {
    {"experiment", OFF(experiment), SB_COL_CSTR, CSV, "experiment name", NULL, NULL},
    {"group", OFF(group), SB_COL_CSTR, CSV, "dataset group (as in runs.csv)", NULL, NULL},
    {"label", OFF(label), SB_COL_CSTR, CSV, "algorithm label (as in runs.csv)", NULL, NULL},
    {"budget", OFF(budget), SB_COL_SIZE, CSV, "distinct model queries allowed", NULL, NULL},
    {"queries_median", OFF(queries_median), SB_COL_REAL, CSV,
     "median distinct queries used by the ok runs (the x of the figure)", G6, NULL},
    {"r2_median", OFF(r2_median), SB_COL_REAL, CSV,
     "median held-out R² over the ok runs (instances × repetitions)", G6, NULL},
    {"r2_q1", OFF(r2_q1), SB_COL_REAL, CSV, "its first quartile", G6, NULL},
    {"r2_q3", OFF(r2_q3), SB_COL_REAL, CSV, "its third quartile", G6, NULL},
    {"r2_mean", OFF(r2_mean), SB_COL_REAL, CSV, "mean held-out R²", G6, NULL},
    {"r2_exact_median", OFF(r2_exact_median), SB_COL_REAL, CSV,
     "median exact (Parseval) R², when the true spectrum is known", G6, NULL},
    {"count_ok", OFF(count_ok), SB_COL_SIZE, CSV, "runs with status ok", NULL, NULL},
    {"count_total", OFF(count_total), SB_COL_SIZE, CSV, "runs with a result (any status)", NULL,
     NULL},
    {"heldout_dist", OFF(heldout_dist), SB_COL_CSTR, CSV,
     "distribution of the held-out masks (`uniform` or `sizes`)", NULL, NULL},
    {"algorithm", OFF(algorithm), SB_COL_CSTR, CSV, "algorithm type name", NULL, NULL},
    {"params", OFF(params), SB_COL_CSTR, CSV, "the algorithm's parameters (as in runs.csv)",
     NULL, NULL},
    {"family", OFF(family_name), SB_COL_CSTR, CSV,
     "algorithm family: `spectral`, `interaction indices`, `marginal` or `other` (one figure "
     "panel each)",
     NULL, NULL},
    {"n_min", OFF(n_min), SB_COL_SIZE, CSV, "smallest number of features over the cell's runs",
     NULL, NULL},
    {"n_max", OFF(n_max), SB_COL_SIZE, CSV, "largest number of features", NULL, NULL},
    {"r2_exact_q1", OFF(r2_exact_q1), SB_COL_REAL, CSV, "first quartile of exact R²", G6, NULL},
    {"r2_exact_q3", OFF(r2_exact_q3), SB_COL_REAL, CSV, "third quartile of exact R²", G6, NULL},
    {"r2_count", OFF(r2_count), SB_COL_SIZE, CSV, "finite held-out R² values behind the statistics",
     NULL, NULL},
    {"r2_exact_count", OFF(r2_exact_count), SB_COL_SIZE, CSV, "finite exact R² values", NULL,
     NULL},
    {"wall_s_median", OFF(wall_s_median), SB_COL_REAL, CSV,
     "median wall seconds of the algorithm over the ok runs", G6, NULL},
    {"wall_s_q1", OFF(wall_s_q1), SB_COL_REAL, CSV, "its first quartile", G6, NULL},
    {"wall_s_q3", OFF(wall_s_q3), SB_COL_REAL, CSV, "its third quartile", G6, NULL},
    {"cpu_s_median", OFF(cpu_s_median), SB_COL_REAL, CSV, "median CPU seconds over the ok runs",
     G6, NULL},
    {"cpu_s_total", OFF(cpu_s_total), SB_COL_REAL, CSV,
     "CPU seconds of all the cell's runs together (any status)", G6, NULL},
    {"heldout_count", OFF(heldout_count), SB_COL_SIZE, CSV,
     "held-out masks per R² (0 = no held-out evaluation)", NULL, NULL},
    {"count_skipped", OFF(count_skipped), SB_COL_SIZE, CSV, "runs with status skipped", NULL,
     NULL},
    {"count_failed", OFF(count_failed), SB_COL_SIZE, CSV, "runs with status failed or unsupported",
     NULL, NULL},
    {"count_missing", OFF(count_missing), SB_COL_SIZE, CSV,
     "runs of the config without a result (interrupted sweep)", NULL, NULL},
    {"note", OFF(note), SB_COL_CSTR, CSV,
     "why the cell is empty or partial: the skip reason or error of its runs (empty when "
     "complete)",
     NULL, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};

double sb_summary_median(const sb_summary_cell *c, int exact) {
  return exact ? c->r2_exact_median : c->r2_median;
}
double sb_summary_q1(const sb_summary_cell *c, int exact) {
  return exact ? c->r2_exact_q1 : c->r2_q1;
}
double sb_summary_q3(const sb_summary_cell *c, int exact) {
  return exact ? c->r2_exact_q3 : c->r2_q3;
}

/* Median, quartiles and mean of v[0..n) (sorted in place); NaN when n = 0. */
static void quartiles(double *v, size_t n, double *med, double *q1, double *q3, double *mean) {
  if (!n) {
    *med = *q1 = *q3 = NAN;
    if (mean) *mean = NAN;
    return;
  }
  gsl_sort(v, 1, n);
  *med = gsl_stats_quantile_from_sorted_data(v, 1, n, 0.5);
  *q1 = gsl_stats_quantile_from_sorted_data(v, 1, n, 0.25);
  *q3 = gsl_stats_quantile_from_sorted_data(v, 1, n, 0.75);
  if (mean) *mean = gsl_stats_mean(v, 1, n);
}

static int same(const char *a, const char *b) { return !strcmp(a ? a : "", b ? b : ""); }

/* The reason a run is not ok, as a footnote text ("skipped: message"). */
static int add_reason(sb_summary *s, const sb_run_result *r) {
  char text[1400];
  snprintf(text, sizeof text, "%s: %s", sb_run_status_names[r->status],
           r->message && *r->message ? r->message : "(no message)");
  for (size_t k = 0; k < s->n_reasons; k++)
    if (!strcmp(s->reasons[k], text)) return (int)k;
  char **v = realloc(s->reasons, (s->n_reasons + 1) * sizeof *v);
  if (!v) return -2;
  s->reasons = v;
  if (!(v[s->n_reasons] = strdup(text))) return -2;
  return (int)s->n_reasons++;
}

/* The cell's note: why it is empty or partial. */
static char *make_note(const sb_summary *s, const sb_summary_cell *c, size_t n_reasons_in_cell) {
  char buf[2048] = "";
  size_t used = 0;
#define ADD(...)                                                                        \
  do {                                                                                  \
    if (used < sizeof buf)                                                              \
      used += (size_t)snprintf(buf + used, sizeof buf - used, "%s", used ? "; " : "");  \
    if (used < sizeof buf) used += (size_t)snprintf(buf + used, sizeof buf - used, __VA_ARGS__); \
  } while (0)
  size_t not_ok = c->count_total - c->count_ok;
  if (c->count_missing)
    ADD("%zu of %zu runs have no result (interrupted; rerun to complete)", c->count_missing,
        c->count_missing + c->count_total);
  if (not_ok && c->reason >= 0) {
    if (c->count_ok == 0) ADD("%s", s->reasons[c->reason]);
    else ADD("%zu of %zu runs not ok: %s", not_ok, c->count_total, s->reasons[c->reason]);
    if (n_reasons_in_cell > 1) ADD("and %zu other reason%s", n_reasons_in_cell - 1,
                                   n_reasons_in_cell > 2 ? "s" : "");
  }
  if (c->count_ok) {
    if (c->heldout_count == 0) ADD("no held-out R² (heldout = 0)");
    else if (c->r2_count < c->count_ok)
      ADD("held-out R² not finite in %zu of %zu ok runs", c->count_ok - c->r2_count, c->count_ok);
    if (c->r2_exact_count == 0) ADD("no exact R² (the true spectrum is not known)");
  }
#undef ADD
  return strdup(buf);
}

void sb_summary_free(sb_summary *s) {
  if (!s) return;
  for (size_t k = 0; k < s->n_cells; k++) free(s->cells[k].note);
  for (size_t k = 0; k < s->n_reasons; k++) free(s->reasons[k]);
  free(s->cells);
  free(s->reasons);
  free(s);
}

/* Statistics of one cell from its runs (indices `idx[0..m)` into res). */
static int fill_cell(sb_summary *s, sb_summary_cell *c, sb_run_result *const *res,
                     const size_t *idx, size_t m, double *scratch) {
  double *r2 = scratch, *r2x = scratch + m, *q = scratch + 2 * m, *w = scratch + 3 * m,
         *cpu = scratch + 4 * m;
  size_t nq = 0, nw = 0, ncpu = 0, reasons_here = 0;
  int first_reason = -1;
  int seen_reason[64];
  c->cpu_s_total = 0;
  int any_cpu = 0;
  for (size_t t = 0; t < m; t++) {
    const sb_run_result *r = res[idx[t]];
    if (r->status < 0) {
      c->count_missing++;
      continue;
    }
    c->count_total++;
    if (r->n != SB_SIZE_UNSET) {
      if (c->n_min == SB_SIZE_UNSET || r->n < c->n_min) c->n_min = r->n;
      if (c->n_max == SB_SIZE_UNSET || r->n > c->n_max) c->n_max = r->n;
    }
    if (isfinite(r->cpu_s)) c->cpu_s_total += r->cpu_s, any_cpu = 1;
    if (r->status != SB_RUN_OK) {
      if (r->status == SB_RUN_SKIPPED) c->count_skipped++;
      else c->count_failed++;
      int k = add_reason(s, r);
      if (k == -2) return SB_ENOMEM;
      int dup = 0;
      for (size_t u = 0; u < reasons_here && u < 64; u++) dup |= seen_reason[u] == k;
      if (!dup) {
        if (reasons_here < 64) seen_reason[reasons_here] = k;
        reasons_here++;
      }
      if (first_reason < 0) first_reason = k;
      continue;
    }
    c->count_ok++;
    if (c->heldout_count == SB_SIZE_UNSET) c->heldout_count = r->heldout_count;
    if (!c->heldout_dist) c->heldout_dist = r->heldout_dist;
    if (isfinite(r->r2_heldout)) r2[c->r2_count++] = r->r2_heldout;
    if (isfinite(r->r2_exact)) r2x[c->r2_exact_count++] = r->r2_exact;
    if (r->queries_used != SB_SIZE_UNSET) q[nq++] = (double)r->queries_used;
    if (isfinite(r->wall_s)) w[nw++] = r->wall_s;
    if (isfinite(r->cpu_s)) cpu[ncpu++] = r->cpu_s;
  }
  if (!any_cpu) c->cpu_s_total = NAN;
  c->reason = first_reason;
  double d1, d2;
  quartiles(r2, c->r2_count, &c->r2_median, &c->r2_q1, &c->r2_q3, &c->r2_mean);
  quartiles(r2x, c->r2_exact_count, &c->r2_exact_median, &c->r2_exact_q1, &c->r2_exact_q3, NULL);
  quartiles(q, nq, &c->queries_median, &d1, &d2, NULL);
  quartiles(w, nw, &c->wall_s_median, &c->wall_s_q1, &c->wall_s_q3, NULL);
  quartiles(cpu, ncpu, &c->cpu_s_median, &d1, &d2, NULL);
  c->note = make_note(s, c, reasons_here);
  return c->note ? SB_OK : SB_ENOMEM;
}

int sb_summary_build(sb_run_result *const *res, size_t n, sb_summary **out, sb_error *err) {
  *out = NULL;
  sb_summary *s = calloc(1, sizeof *s);
  size_t *cell_of = calloc(n ? n : 1, sizeof *cell_of), *idx = calloc(n ? n : 1, sizeof *idx);
  double *scratch = calloc(5 * (n ? n : 1), sizeof *scratch);
  if (s) s->cells = calloc(n ? n : 1, sizeof *s->cells);
  int rc = s && s->cells && cell_of && idx && scratch ? SB_OK : SB_ENOMEM;
  /* assign runs to cells, first-seen order */
  for (size_t i = 0; rc == SB_OK && i < n; i++) {
    const sb_run_result *r = res[i];
    size_t k;
    for (k = 0; k < s->n_cells; k++) {
      const sb_summary_cell *c = &s->cells[k];
      if (same(c->group, r->group) && same(c->label, r->label) && c->budget == r->budget) break;
    }
    if (k == s->n_cells) {
      sb_summary_cell *c = &s->cells[s->n_cells++];
      sb_columns_init(sb_summary_columns, c);
      c->experiment = r->experiment;
      c->group = r->group;
      c->label = r->label;
      c->algorithm = r->algorithm;
      c->params = r->params;
      c->budget = r->budget;
      sb_error e2;
      const sb_algo_type *t = r->algorithm ? sb_algo_find(r->algorithm, &e2) : NULL;
      c->family = t ? t->family : SB_ALGO_OTHER;
      c->family_name = sb_algo_family_name(c->family);
      c->count_total = c->count_ok = c->count_skipped = c->count_failed = c->count_missing = 0;
      c->r2_count = c->r2_exact_count = 0;
    }
    cell_of[i] = k;
  }
  for (size_t k = 0; rc == SB_OK && k < s->n_cells; k++) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
      if (cell_of[i] == k) idx[m++] = i;
    rc = fill_cell(s, &s->cells[k], res, idx, m, scratch);
  }
  free(cell_of);
  free(idx);
  free(scratch);
  if (rc) {
    sb_summary_free(s);
    return sb_error_set(err, SB_ENOMEM, "out of memory while summarising %zu runs", n);
  }
  *out = s;
  return SB_OK;
}

int sb_summary_write_csv(const sb_summary *s, const char *path, sb_error *err) {
  sb_atomic_file af;
  int rc = sb_atomic_open(&af, path, err);
  if (rc) return rc;
  sb_columns_csv_header(af.fp, sb_summary_columns, SB_COL_IN_CSV);
  for (size_t k = 0; k < s->n_cells; k++)
    if (sb_columns_csv_row(af.fp, sb_summary_columns, &s->cells[k], SB_COL_IN_CSV)) {
      sb_atomic_abort(&af);
      return sb_error_set(err, SB_ENOMEM, "%s: out of memory", path);
    }
  return sb_atomic_commit(&af, err);
}
