/* Grid-search cross-validation of a boosted proxy for ProxySPEX (../shared/design/ALGORITHMS.md §5
 * step 2: max_depth ∈ {3, 5}, n_estimators ∈ {500, 1000}, learning_rate ∈
 * {0.01, 0.1} by default, 5 folds, mean fold R²).
 *
 * Cheap wins, none of which changes what is chosen:
 *   - one boosting run per (depth, rate, fold), evaluated at every tree count of
 *     the grid (ascending) through the booster's incremental prediction, so the
 *     default grid costs 4 × 5 = 20 runs instead of 40;
 *   - the runs are independent tasks with their own result slot, run side by
 *     side on the run's threads (OpenMP, dynamic schedule, deepest first) with
 *     one booster thread each, or one after another on several booster threads;
 *     the scores are summed in a fixed order afterwards, so the choice and its
 *     bits do not depend on the thread count or the schedule. */
#include "proxyspex/cv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "core/params.h"

/* ==== grid ============================================================== */

/* Split "a|b|c" and parse each token with `one` (returns 0 on a bad token). */
static int parse_axis(const char *key, const char *text, size_t *count,
                      int (*one)(const char *tok, size_t i, void *out), void *out,
                      const char *expected, sb_error *err) {
  char buf[256];
  if (strlen(text) >= sizeof buf)
    return sb_error_set(err, SB_EINVAL, "proxyspex: %s = '%s' is too long", key, text);
  snprintf(buf, sizeof buf, "%s", text);
  *count = 0;
  char *save = NULL;
  for (char *tok = strtok_r(buf, "|", &save); tok; tok = strtok_r(NULL, "|", &save)) {
    if (*count == SB_CV_MAX_AXIS)
      return sb_error_set(err, SB_EINVAL, "proxyspex: %s has more than %d values", key,
                          SB_CV_MAX_AXIS);
    if (!one(tok, *count, out))
      return sb_error_set(err, SB_EINVAL, "proxyspex: %s: '%s' is not %s", key, tok, expected);
    (*count)++;
  }
  if (*count == 0)
    return sb_error_set(err, SB_EINVAL, "proxyspex: %s = '%s': expected values like 3|5", key,
                        text);
  return SB_OK;
}

static int one_int(const char *tok, size_t i, void *out) {
  long v;
  if (!sb_parse_long(tok, &v) || v < 1 || v > 100000) return 0;
  ((long *)out)[i] = v;
  return 1;
}

static int one_rate(const char *tok, size_t i, void *out) {
  double v;
  if (!sb_parse_double(tok, &v) || !(v > 0) || v > 1) return 0;
  ((double *)out)[i] = v;
  return 1;
}

int sb_cv_parse_ints(const char *key, const char *text, long *out, size_t *count,
                     sb_error *err) {
  return parse_axis(key, text, count, one_int, out, "an integer in 1..100000", err);
}

int sb_cv_parse_rates(const char *key, const char *text, double *out, size_t *count,
                      sb_error *err) {
  return parse_axis(key, text, count, one_rate, out, "a number in (0, 1]", err);
}

static int cmp_long(const void *a, const void *b) {
  long x = *(const long *)a, y = *(const long *)b;
  return (x > y) - (x < y);
}

void sb_cv_grid_sort(sb_cv_grid *g) { qsort(g->trees, g->nt, sizeof *g->trees, cmp_long); }

size_t sb_cv_points(const sb_cv_grid *g) { return g->nd * g->nt * g->nr; }

size_t sb_cv_min_samples(size_t folds) {
  return folds > 1 ? folds * SB_CV_MIN_FOLD_ROWS : 2 * SB_CV_MIN_FOLD_ROWS;
}

/* ==== one boosting run =================================================== */

/* R² of predictions on one fold (sklearn's convention for a constant fold). */
static double fold_r2(const double *y, const double *yhat, size_t m) {
  double mean = 0, sse = 0, sst = 0;
  for (size_t i = 0; i < m; i++) mean += y[i];
  mean /= (double)m;
  for (size_t i = 0; i < m; i++) {
    sse += (y[i] - yhat[i]) * (y[i] - yhat[i]);
    sst += (y[i] - mean) * (y[i] - mean);
  }
  if (sst <= 0) return sse <= 0 ? 1.0 : 0.0;
  return 1.0 - sse / sst;
}

typedef struct cv_job {
  const sb_booster_type *type;
  sb_booster_params base;  /* fixed parameters and the booster threads */
  const sb_masks *masks;   /* all samples */
  const double *y;         /* their values */
  const size_t *perm;      /* shuffled row order; fold f = perm[lo[f] .. lo[f+1]) */
  const size_t *lo;        /* fold boundaries (folds + 1) */
  size_t folds;
  const sb_cv_grid *g;
  double *r2;              /* [((d*nr + r)*nt + t)*folds + f] */
} cv_job;

/* Depth index di, rate index ri, fold f: train on the other folds, score fold f
 * at every tree count. */
static int cv_task(const cv_job *cv, size_t di, size_t ri, size_t f, sb_error *err) {
  size_t m = cv->masks->count, lo = cv->lo[f], hi = cv->lo[f + 1], mt = hi - lo;
  size_t *train = malloc((m - mt) * sizeof *train);
  double *yt = malloc(mt * sizeof *yt), *pred = malloc(mt * sizeof *pred);
  sb_booster *b = NULL;
  int rc = SB_OK;
  if (!train || !yt || !pred) {
    rc = sb_error_set(err, SB_ENOMEM, "proxyspex: out of memory in CV");
    goto done;
  }
  size_t k = 0;
  for (size_t i = 0; i < m; i++)
    if (i < lo || i >= hi) train[k++] = cv->perm[i];
  for (size_t i = 0; i < mt; i++) yt[i] = cv->y[cv->perm[lo + i]];
  sb_booster_params p = cv->base;
  p.max_depth = (int)cv->g->depth[di];
  p.eta = cv->g->rate[ri];
  if ((rc = sb_booster_alloc(cv->type, cv->masks, train, k, cv->y, &p, &b, err))) goto done;
  int prev = 0;
  for (size_t t = 0; t < cv->g->nt; t++) {
    int T = (int)cv->g->trees[t];
    if ((rc = sb_booster_boost_to(b, T, err)) ||
        (rc = sb_booster_predict(b, cv->masks, cv->perm + lo, mt, prev, T, pred, err)))
      goto done;
    prev = T;
    cv->r2[((di * cv->g->nr + ri) * cv->g->nt + t) * cv->folds + f] = fold_r2(yt, pred, mt);
  }
done:
  sb_booster_free(b);
  free(train);
  free(yt);
  free(pred);
  return rc;
}

/* Every (depth, rate, fold) task, deepest first for better load balance. */
static int cv_run(const cv_job *cv, const sb_cv_exec *exec, sb_error *err) {
  const sb_cv_grid *g = cv->g;
  long ntask = (long)(g->nd * g->nr * cv->folds);
  sb_error *errs = calloc((size_t)ntask, sizeof *errs);
  int *rcs = calloc((size_t)ntask, sizeof *rcs);
  if (!errs || !rcs) {
    free(errs), free(rcs);
    return sb_error_set(err, SB_ENOMEM, "proxyspex: out of memory");
  }
  int side = exec->side_by_side && exec->threads > 1;
#pragma omp parallel for schedule(dynamic, 1) num_threads(exec->threads) if (side)
  for (long t = 0; t < ntask; t++) {
    size_t f = (size_t)t % cv->folds, dr = (size_t)t / cv->folds;
    size_t di = g->nd - 1 - dr / g->nr, ri = dr % g->nr;
    rcs[t] = cv_task(cv, di, ri, f, &errs[t]);
  }
  int rc = SB_OK;
  for (long t = 0; t < ntask && !rc; t++)
    if (rcs[t]) {
      rc = rcs[t];
      if (err) *err = errs[t];
    }
  free(errs);
  free(rcs);
  return rc;
}

/* ==== selection ========================================================== */

int sb_cv_select(const sb_booster_type *type, const sb_booster_params *base,
                 const sb_masks *masks, const double *y, const sb_cv_grid *g, size_t folds,
                 const gsl_rng *shuffle, const sb_cv_exec *exec, sb_cv_choice *out,
                 sb_error *err) {
  *out = (sb_cv_choice){0, 0, 0, NAN};
  size_t m = masks->count, npoints = sb_cv_points(g);
  if (npoints <= 1) return SB_OK;
  if (m < sb_cv_min_samples(folds))
    return sb_error_set(err, SB_ESKIP,
                        "proxyspex: %zu samples are too few for %zu-fold CV (need %zu)", m,
                        folds, sb_cv_min_samples(folds));
  size_t *perm = malloc(m * sizeof *perm), *lo = malloc((folds + 1) * sizeof *lo);
  double *r2 = calloc(npoints * folds, sizeof *r2);
  if (!perm || !lo || !r2) {
    free(perm), free(lo), free(r2);
    return sb_error_set(err, SB_ENOMEM, "proxyspex: out of memory");
  }
  for (size_t i = 0; i < m; i++) perm[i] = i;
  gsl_ran_shuffle(shuffle, perm, m, sizeof *perm);
  for (size_t f = 0; f <= folds; f++) lo[f] = f * m / folds;
  cv_job cv = {type, *base, masks, y, perm, lo, folds, g, r2};
  cv.base.threads = exec->side_by_side && exec->threads > 1 ? 1 : exec->booster_threads;
  int rc = cv_run(&cv, exec, err);
  double best = -INFINITY;
  for (size_t d = 0; d < g->nd && !rc; d++)
    for (size_t r = 0; r < g->nr; r++)
      for (size_t t = 0; t < g->nt; t++) {
        double s = 0;
        for (size_t f = 0; f < folds; f++) s += r2[((d * g->nr + r) * g->nt + t) * folds + f];
        s /= (double)folds;
        if (s > best) best = s, *out = (sb_cv_choice){d, t, r, s};
      }
  free(perm);
  free(lo);
  free(r2);
  return rc;
}
