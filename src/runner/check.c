/* `spexbench check`'s comparison (check.h): reference and fresh runs paired by
 * run id, grouped into cells in the reference's order, each metric judged by
 * the exact, paired-median or rate rule, plus a status row per cell. */
#include "runner/check.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "data/dataset.h"
#include "runner/summary.h"

const char *const sb_check_rule_names[] = {"status", "exact", "paired", "rate", NULL};

void sb_check_opts_default(sb_check_opts *o) {
  o->k = 0.5;
  o->abs_floor = 1e-3;
  o->exact_tol = 1e-9;
}

void sb_check_result_free(sb_check_result *r) {
  if (!r) return;
  free(r->rows);
  free(r);
}

/* The metrics compared, by their runs.csv column. */
static const char *const METRICS[] = {"queries_used", "r2_exact",      "r2_heldout", "precision",
                                      "recall",       "support_exact", "removal",    NULL};

static int same(const char *a, const char *b) { return !strcmp(a ? a : "", b ? b : ""); }

/* Two run identities name the same run definition.  The test-only fault switch
 * (core/fault.h, recorded in the identity as "fault_injection") stands for a code
 * change, which an identity does not cover, so it is left out of the comparison:
 * a broken rerun is compared with the reference on its numbers. */
static int same_run(const char *a, const char *b) {
  json_t *x = json_loads(a ? a : "", 0, NULL), *y = json_loads(b ? b : "", 0, NULL);
  int eq;
  if (x && y) {
    json_object_del(x, "fault_injection");
    json_object_del(y, "fault_injection");
    eq = json_equal(x, y);
  } else {
    eq = same(a, b);
  }
  json_decref(x);
  json_decref(y);
  return eq;
}

/* Value `i` of a metric column in a record (vector columns: entry i; the others
 * only i = 0); NaN when unset.  *len gets the vector length (1 for scalars). */
static double metric_value(const sb_column *c, const sb_run_result *r, size_t i, size_t *len) {
  const char *base = (const char *)r;
  *len = 1;
  switch (c->kind) {
  case SB_COL_REAL: return *(const double *)(const void *)(base + c->offset);
  case SB_COL_SIZE: {
    size_t v = *(const size_t *)(const void *)(base + c->offset);
    return v == SB_SIZE_UNSET ? NAN : (double)v;
  }
  case SB_COL_BOOL: {
    int v = *(const int *)(const void *)(base + c->offset);
    return v == 0 || v == 1 ? (double)v : NAN;
  }
  case SB_COL_REALS: {
    const sb_real_list *l = (const sb_real_list *)(const void *)(base + c->offset);
    *len = l->n;
    return i < l->n ? l->v[i] : NAN;
  }
  default: return NAN;
  }
}

/* Runs on noiseless generated data: their numbers are a function of the code. */
static int noiseless_synthetic(const sb_run_result *r) {
  const sb_dataset_family *f = r->family ? sb_dataset_family_find(r->family) : NULL;
  return f && !(f->flags & (SB_FAMILY_FILE | SB_FAMILY_LIVE)) && r->noise_sd == 0.0;
}

typedef struct rows_buf {
  sb_check_row *v;
  size_t n, cap;
} rows_buf;

static sb_check_row *new_row(rows_buf *b, const sb_run_result *first, const char *metric,
                             int rule) {
  if (b->n == b->cap) {
    size_t cap = b->cap ? 2 * b->cap : 64;
    sb_check_row *v = realloc(b->v, cap * sizeof *v);
    if (!v) return NULL;
    b->v = v;
    b->cap = cap;
  }
  sb_check_row *row = &b->v[b->n++];
  memset(row, 0, sizeof *row);
  row->group = first->group;
  row->label = first->label;
  row->budget = first->budget;
  snprintf(row->metric, sizeof row->metric, "%s", metric);
  row->rule = rule;
  row->ref = row->now = row->delta = row->tol = NAN;
  row->pass = 1;
  return row;
}

/* The status row of a cell: counts by status, identities, missing runs. */
static int status_row(rows_buf *b, sb_run_result *const *ref, sb_run_result *const *now,
                      size_t m) {
  size_t cr[4] = {0}, cn[4] = {0}, missing = 0, ident = 0, st = 0;
  for (size_t t = 0; t < m; t++) {
    if (ref[t]->status >= 0 && ref[t]->status < 4) cr[ref[t]->status]++;
    if (!now[t]) {
      missing++;
      continue;
    }
    if (now[t]->status >= 0 && now[t]->status < 4) cn[now[t]->status]++;
    st += now[t]->status != ref[t]->status;
    ident += !same_run(now[t]->identity, ref[t]->identity);
  }
  sb_check_row *row = new_row(b, ref[0], "status", SB_CHECK_STATUS);
  if (!row) return SB_ENOMEM;
  row->runs = m;
  row->differ = missing + st + ident;
  row->ref = (double)cr[SB_RUN_OK];
  row->now = (double)cn[SB_RUN_OK];
  row->pass = row->differ == 0;
  size_t used = 0;
  char *nb = row->note;
  size_t len = sizeof row->note;
  if (missing)
    used += (size_t)snprintf(nb + used, len - used, "%zu run%s missing; ", missing,
                             missing == 1 ? "" : "s");
  if (st)
    used += (size_t)snprintf(nb + used, len - used,
                             "status changed in %zu (ok/skipped/failed %zu/%zu/%zu -> "
                             "%zu/%zu/%zu); ",
                             st, cr[0], cr[2], cr[1] + cr[3], cn[0], cn[2], cn[1] + cn[3]);
  if (ident && used < len)
    snprintf(nb + used, len - used, "%zu run identit%s differ (another seed, data file or "
             "format: update the reference)", ident, ident == 1 ? "y" : "ies");
  return SB_OK;
}

/* Exact rule for entry i of a metric over the cell. */
static int exact_row(rows_buf *b, const sb_column *c, const char *name, size_t i,
                     sb_run_result *const *ref, sb_run_result *const *now, size_t m,
                     const sb_check_opts *o) {
  double worst = -1, wr = NAN, wn = NAN;
  size_t runs = 0, differ = 0, len;
  int pass = 1;
  for (size_t t = 0; t < m; t++) {
    if (!now[t] || ref[t]->status != SB_RUN_OK || now[t]->status != SB_RUN_OK) continue;
    double a = metric_value(c, ref[t], i, &len), v = metric_value(c, now[t], i, &len);
    if (isnan(a) && isnan(v)) continue;
    runs++;
    double d = isnan(a) || isnan(v) ? INFINITY : fabs(v - a);
    if (d > 0) differ++;
    if (d > o->exact_tol) pass = 0;
    if (d > worst) worst = d, wr = a, wn = v;
  }
  if (!runs) return SB_OK;
  sb_check_row *row = new_row(b, ref[0], name, SB_CHECK_EXACT);
  if (!row) return SB_ENOMEM;
  row->ref = wr, row->now = wn, row->delta = worst, row->tol = o->exact_tol;
  row->runs = runs, row->differ = differ, row->pass = pass;
  return SB_OK;
}

/* Paired-median or rate rule for entry i of a metric over the cell. */
static int stat_row(rows_buf *b, const sb_column *c, const char *name, size_t i,
                    sb_run_result *const *ref, sb_run_result *const *now, size_t m,
                    const sb_check_opts *o, double *scratch) {
  double *va = scratch, *vn = scratch + m, *d = scratch + 2 * m;
  size_t runs = 0, differ = 0, len;
  int mismatch = 0; /* a value on one side only */
  for (size_t t = 0; t < m; t++) {
    if (!now[t] || ref[t]->status != SB_RUN_OK || now[t]->status != SB_RUN_OK) continue;
    double a = metric_value(c, ref[t], i, &len), v = metric_value(c, now[t], i, &len);
    if (isnan(a) && isnan(v)) continue;
    if (isnan(a) != isnan(v)) {
      mismatch++;
      continue;
    }
    va[runs] = a, vn[runs] = v, d[runs] = v - a;
    differ += v != a;
    runs++;
  }
  if (!runs && !mismatch) return SB_OK;
  int rate = c->kind == SB_COL_BOOL;
  sb_check_row *row = new_row(b, ref[0], name, rate ? SB_CHECK_RATE : SB_CHECK_PAIRED);
  if (!row) return SB_ENOMEM;
  row->runs = runs, row->differ = differ + (size_t)mismatch;
  double sa = 0, sn = 0, mq1, mq3, dmed, dq1, dq3;
  for (size_t t = 0; t < runs; t++) sa += va[t], sn += vn[t];
  if (rate) {
    double p = runs ? sa / (double)runs : NAN;
    row->ref = p, row->now = runs ? sn / (double)runs : NAN, row->delta = row->now - row->ref;
    row->tol = runs ? fmax(1.0 / (double)runs, o->k * sqrt(p * (1 - p) / (double)runs)) : 0;
  } else {
    sb_summary_quartiles(d, runs, &dmed, &dq1, &dq3, NULL);
    sb_summary_quartiles(vn, runs, &row->now, &mq1, &mq3, NULL);
    sb_summary_quartiles(va, runs, &row->ref, &mq1, &mq3, NULL); /* sorts va: after d */
    row->delta = dmed;
    row->tol = runs ? fmax(o->abs_floor, o->k * (mq3 - mq1) / sqrt((double)runs)) : 0;
  }
  row->pass = !mismatch && runs && fabs(row->delta) <= row->tol;
  if (mismatch)
    snprintf(row->note, sizeof row->note, "%d run%s with a value on one side only", mismatch,
             mismatch == 1 ? "" : "s");
  return SB_OK;
}

/* Every metric row of one cell. */
static int cell_rows(rows_buf *b, sb_run_result *const *ref, sb_run_result *const *now, size_t m,
                     const sb_check_opts *o, double *scratch) {
  int exact = 1;
  for (size_t t = 0; t < m; t++) exact &= noiseless_synthetic(ref[t]);
  int rc = status_row(b, ref, now, m);
  for (size_t k = 0; METRICS[k] && rc == SB_OK; k++) {
    const sb_column *c = sb_columns_find(sb_run_columns, METRICS[k]);
    if (!c) continue;
    size_t len = 1, maxlen = 0;
    for (size_t t = 0; t < m; t++) {
      metric_value(c, ref[t], 0, &len);
      if (len > maxlen) maxlen = len;
    }
    if (c->kind != SB_COL_REALS) maxlen = 1;
    for (size_t i = 0; i < maxlen && rc == SB_OK; i++) {
      char name[40];
      if (c->kind == SB_COL_REALS) snprintf(name, sizeof name, "%s[%zu]", c->name, i + 1);
      else snprintf(name, sizeof name, "%s", c->name);
      /* queries are a count: always exactly */
      if (exact || !strcmp(c->name, "queries_used"))
        rc = exact_row(b, c, name, i, ref, now, m, o);
      else
        rc = stat_row(b, c, name, i, ref, now, m, o, scratch);
    }
  }
  return rc;
}

int sb_check_compare(sb_run_result *const *ref, size_t nref, sb_run_result *const *now,
                     size_t nnow, const sb_check_opts *o, sb_check_result **out, sb_error *err) {
  *out = NULL;
  sb_check_result *res = calloc(1, sizeof *res);
  size_t *cell = calloc(nref + 1, sizeof *cell);
  int *done = calloc(nref + 1, sizeof *done);
  sb_run_result **cr = calloc(nref + 1, sizeof *cr), **cn = calloc(nref + 1, sizeof *cn);
  const sb_run_result **match = calloc(nref + 1, sizeof *match);
  double *scratch = calloc(3 * (nref + 1), sizeof *scratch);
  rows_buf b = {0};
  int rc = res && cell && done && cr && cn && match && scratch ? SB_OK : SB_ENOMEM;
  /* pair by run id */
  for (size_t i = 0; rc == SB_OK && i < nref; i++)
    for (size_t j = 0; j < nnow && !match[i]; j++)
      if (same(ref[i]->id, now[j]->id)) match[i] = now[j];
  /* cells in the reference's order */
  for (size_t i = 0; rc == SB_OK && i < nref; i++) {
    if (done[i]) continue;
    size_t m = 0;
    for (size_t j = i; j < nref; j++)
      if (!done[j] && same(ref[j]->group, ref[i]->group) && same(ref[j]->label, ref[i]->label) &&
          ref[j]->budget == ref[i]->budget) {
        done[j] = 1;
        cr[m] = ref[j];
        cn[m] = (sb_run_result *)match[j];
        m++;
      }
    int exact = 1;
    for (size_t t = 0; t < m; t++) exact &= noiseless_synthetic(cr[t]);
    res->cells++;
    res->exact_cells += (size_t)exact;
    rc = cell_rows(&b, cr, cn, m, o, scratch);
  }
  free(cell), free(done), free(cr), free(cn), free(match), free(scratch);
  if (rc) {
    free(b.v);
    sb_check_result_free(res);
    return sb_error_set(err, SB_ENOMEM, "check: out of memory");
  }
  res->rows = b.v;
  res->n = b.n;
  for (size_t k = 0; k < b.n; k++) res->failed += !b.v[k].pass;
  *out = res;
  return SB_OK;
}

static void num(char *buf, size_t len, double v) {
  if (isnan(v)) snprintf(buf, len, "-");
  else if (isinf(v)) snprintf(buf, len, "%s", v > 0 ? "inf" : "-inf");
  else snprintf(buf, len, "%.6g", v);
}

void sb_check_print(FILE *fp, const sb_check_result *r, int all) {
  size_t shown = 0;
  for (size_t k = 0; k < r->n; k++) {
    const sb_check_row *w = &r->rows[k];
    if (!all && w->pass && w->differ == 0) continue;
    if (!shown++)
      fprintf(fp, "%-44s %-16s %-6s %12s %12s %11s %10s  %s\n", "cell (group | label | budget)",
              "metric", "rule", "reference", "now", "delta", "tolerance", "verdict");
    char cellname[512], a[32], n[32], d[32], t[32];
    snprintf(cellname, sizeof cellname, "%s | %s | %zu", w->group ? w->group : "?",
             w->label ? w->label : "?", w->budget);
    if (w->rule == SB_CHECK_STATUS) {
      snprintf(a, sizeof a, "%.0f ok", w->ref);
      snprintf(n, sizeof n, "%.0f ok", w->now);
      snprintf(d, sizeof d, "%zu/%zu", w->differ, w->runs);
      snprintf(t, sizeof t, "equal");
    } else {
      num(a, sizeof a, w->ref), num(n, sizeof n, w->now), num(d, sizeof d, w->delta);
      num(t, sizeof t, w->tol);
    }
    fprintf(fp, "%-44s %-16s %-6s %12s %12s %11s %10s  %s", cellname, w->metric,
            sb_check_rule_names[w->rule], a, n, d, t, w->pass ? "ok" : "FAIL");
    if (w->rule != SB_CHECK_STATUS && w->differ)
      fprintf(fp, " (%zu of %zu runs moved)", w->differ, w->runs);
    if (w->note[0]) fprintf(fp, " %s", w->note);
    fputc('\n', fp);
  }
  if (shown && !all && shown < r->n)
    fprintf(fp, "(%zu of %zu rows shown: the ones that moved; --all shows every row)\n", shown,
            r->n);
  fprintf(fp, "%zu cells (%zu under the exact rule, %zu statistical), %zu comparisons: ",
          r->cells, r->exact_cells, r->cells - r->exact_cells, r->n);
  if (r->failed) fprintf(fp, "%zu OUT OF TOLERANCE\n", r->failed);
  else fprintf(fp, "all within tolerance\n");
}
