/* ProxySPEX, the proxy-model spectral explainer (../shared/design/ALGORITHMS.md §5).
 *
 *  1. Uniform masks: `sampling=distinct` (shapiq: distinct masks, ∅ and [n]
 *     always included; the default) or `sampling=iid` (the reference code: i.i.d.
 *     fair bits with replacement, drawn until the distinct count reaches the
 *     budget, duplicates kept as training rows).
 *  2. Gradient-boosted trees (XGBoost C API, proxyspex/xgb.h) with the
 *     hyperparameters chosen by k-fold CV (mean fold R²) over max_depth ×
 *     n_estimators × learning_rate, then refit on all samples.  One boosting run
 *     per (depth, rate, fold) is evaluated at every tree count of the grid
 *     through the prediction's iteration range, and the runs go on both cores
 *     (one XGBoost thread each) when that is faster than XGBoost's own threads.
 *     `backend=native` swaps XGBoost for proxyspex/gbdt.h (same formulas, built
 *     for 0/1 features; several times less CPU on this problem shape).
 *  3. Exact Fourier transform of the refitted ensemble (proxyspex/tree_fourier.h).
 *  4. Keep the largest non-∅ coefficients holding `energy` (0.95) of the
 *     non-constant energy, plus ∅.
 *  5. Ridge refit without intercept (∅ is a column) on the Fourier characters of
 *     the kept support, α by LOO (or GCV) over logspace(−6, 6, 100).
 * Phases: "cv", "final_fit", "extract", "refit" (inside the runner's "fit"). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "algos/common.h"
#include "algos/shared_design.h"
#include "core/seed.h"
#include "core/timer.h"
#include "linalg/regress.h"
#include "proxyspex/gbdt.h"
#include "proxyspex/tree_fourier.h"
#include "proxyspex/xgb.h"

#define PS_MAX_GRID 8         /* values per grid axis */
#define PS_MIN_FOLD_ROWS 4    /* smallest held-out fold CV accepts */
#define PS_RIDGE_GRID 100     /* logspace(-6, 6, 100) */

static const sb_param_def ps_params[] = {
    {"sampling", SB_PARAM_ENUM, "distinct", "distinct|iid",
     "distinct masks with ∅ and [n] (shapiq) or i.i.d. with replacement (reference)"},
    {"grid", SB_PARAM_ENUM, "default", "default|reference",
     "default: trees 500|1000; reference: trees 500|1000|5000 (depths/rates as given)"},
    {"depths", SB_PARAM_STRING, "3|5", NULL, "max_depth values, '|'-separated"},
    {"trees", SB_PARAM_STRING, "", NULL, "n_estimators values ('' = from grid)"},
    {"rates", SB_PARAM_STRING, "0.01|0.1", NULL, "learning_rate values"},
    {"max_order", SB_PARAM_INT, "0", NULL,
     "if > 0: depths = {max(1, d-2), d} for this max order d (overrides depths)"},
    {"folds", SB_PARAM_INT, "5", NULL, "CV folds (a single grid point skips CV)"},
    {"energy", SB_PARAM_DOUBLE, "0.95", NULL, "fraction of non-∅ energy kept (0, 1]"},
    {"refit", SB_PARAM_ENUM, "ridge", "ridge|none", "ridge refit of the kept support, or none"},
    {"ridge_crit", SB_PARAM_ENUM, "loo", "loo|gcv", "criterion for the ridge α"},
    {"parallel", SB_PARAM_ENUM, "auto", "auto|folds|xgb",
     "CV runs side by side (one XGBoost thread each) or one at a time on all threads"},
    {"xgb_lambda", SB_PARAM_DOUBLE, "1", NULL, "XGBoost L2 penalty on leaf weights"},
    {"min_child_weight", SB_PARAM_DOUBLE, "1", NULL,
     "smallest number of training rows in a child (XGBoost's min_child_weight)"},
    {"backend", SB_PARAM_ENUM, "xgboost", "xgboost|native",
     "boosted trees from the XGBoost C API, or the built-in binary-feature booster "
     "(XGBoost's formulas; 1.8-7x faster, the larger n the more: docs/PROXYSPEX.md)"},
    {"tree_method", SB_PARAM_ENUM, "hist", "hist|exact|approx", "XGBoost tree_method"},
    {"xgb_threads", SB_PARAM_INT, "1", NULL,
     "XGBoost threads per booster (0 = the run's threads); 1 is fastest on small data"},
    {NULL, 0, NULL, NULL, NULL},
};

/* ==== grid ============================================================== */

typedef struct ps_grid {
  size_t nd, nt, nr;            /* axis lengths */
  long depth[PS_MAX_GRID];      /* max_depth values */
  long trees[PS_MAX_GRID];      /* n_estimators values, ascending */
  double rate[PS_MAX_GRID];     /* learning rates */
} ps_grid;

static int cmp_long(const void *a, const void *b) {
  long x = *(const long *)a, y = *(const long *)b;
  return (x > y) - (x < y);
}

/* Parse "a|b|c" into up to PS_MAX_GRID numbers (is_int: integers >= 1). */
static int parse_list(const char *key, const char *s, int is_int, long *li, double *ld,
                      size_t *count, sb_error *err) {
  char buf[256];
  if (strlen(s) >= sizeof buf)
    return sb_error_set(err, SB_EINVAL, "proxyspex: %s = '%s' is too long", key, s);
  snprintf(buf, sizeof buf, "%s", s);
  *count = 0;
  char *save = NULL;
  for (char *tok = strtok_r(buf, "|", &save); tok; tok = strtok_r(NULL, "|", &save)) {
    if (*count == PS_MAX_GRID)
      return sb_error_set(err, SB_EINVAL, "proxyspex: %s has more than %d values", key,
                          PS_MAX_GRID);
    if (is_int) {
      long v;
      if (!sb_parse_long(tok, &v) || v < 1 || v > 100000)
        return sb_error_set(err, SB_EINVAL, "proxyspex: %s: '%s' is not an integer in 1..100000",
                            key, tok);
      li[(*count)++] = v;
    } else {
      double v;
      if (!sb_parse_double(tok, &v) || !(v > 0) || v > 1)
        return sb_error_set(err, SB_EINVAL, "proxyspex: %s: '%s' is not a number in (0, 1]",
                            key, tok);
      ld[(*count)++] = v;
    }
  }
  if (*count == 0)
    return sb_error_set(err, SB_EINVAL, "proxyspex: %s = '%s': expected values like 3|5", key,
                        s);
  return SB_OK;
}

static int grid_from_params(const sb_params *p, ps_grid *g, sb_error *err) {
  memset(g, 0, sizeof *g);
  int rc;
  long order = sb_params_int(p, "max_order");
  if (order < 0 || order > SB_TREE_FOURIER_MAX_DEPTH)
    return sb_error_set(err, SB_EINVAL, "proxyspex: max_order = %ld: expected 0..%d", order,
                        SB_TREE_FOURIER_MAX_DEPTH);
  if (order > 0) {
    g->depth[g->nd++] = order > 3 ? order - 2 : 1;
    if (order > 1) g->depth[g->nd++] = order;
  } else if ((rc = parse_list("depths", sb_params_str(p, "depths"), 1, g->depth, NULL, &g->nd,
                              err))) {
    return rc;
  }
  for (size_t i = 0; i < g->nd; i++)
    if (g->depth[i] > SB_TREE_FOURIER_MAX_DEPTH)
      return sb_error_set(err, SB_EINVAL, "proxyspex: depth %ld exceeds %d", g->depth[i],
                          SB_TREE_FOURIER_MAX_DEPTH);
  const char *trees = sb_params_str(p, "trees");
  if (!trees || !*trees)
    trees = strcmp(sb_params_str(p, "grid"), "reference") ? "500|1000" : "500|1000|5000";
  if ((rc = parse_list("trees", trees, 1, g->trees, NULL, &g->nt, err))) return rc;
  qsort(g->trees, g->nt, sizeof *g->trees, cmp_long);
  if ((rc = parse_list("rates", sb_params_str(p, "rates"), 0, NULL, g->rate, &g->nr, err)))
    return rc;
  return SB_OK;
}

/* ==== check / design ==================================================== */

static size_t min_budget(long folds) {
  return folds > 1 ? (size_t)folds * PS_MIN_FOLD_ROWS : 2 * PS_MIN_FOLD_ROWS;
}

static int ps_check(const sb_algo_ctx *ctx, sb_error *err) {
  ps_grid g;
  int rc = grid_from_params(ctx->params, &g, err);
  if (rc) return rc;
  if (!strcmp(sb_params_str(ctx->params, "backend"), "native"))
    for (size_t i = 0; i < g.nd; i++)
      if (g.depth[i] > SB_GBDT_MAX_DEPTH)
        return sb_error_set(err, SB_EINVAL, "proxyspex: backend=native supports depth <= %d (got %ld)",
                            SB_GBDT_MAX_DEPTH, g.depth[i]);
  long folds = sb_params_int(ctx->params, "folds");
  if (folds < 2 || folds > 100)
    return sb_error_set(err, SB_EINVAL, "proxyspex: folds = %ld: expected 2..100", folds);
  double e = sb_params_double(ctx->params, "energy");
  if (!(e > 0 && e <= 1))
    return sb_error_set(err, SB_EINVAL, "proxyspex: energy = %g: expected (0, 1]", e);
  if (sb_params_int(ctx->params, "xgb_threads") < 0)
    return sb_error_set(err, SB_EINVAL, "proxyspex: xgb_threads must be >= 0");
  if (!(sb_params_double(ctx->params, "xgb_lambda") >= 0))
    return sb_error_set(err, SB_EINVAL, "proxyspex: xgb_lambda must be >= 0");
  if (!(sb_params_double(ctx->params, "min_child_weight") >= 0))
    return sb_error_set(err, SB_EINVAL, "proxyspex: min_child_weight must be >= 0");
  size_t need = min_budget(folds);
  if (ctx->budget < need)
    return sb_error_set(err, SB_ESKIP,
                        "proxyspex: budget %zu is too small for %ld-fold CV (need at least %zu "
                        "queries: %d per held-out fold)",
                        ctx->budget, folds, need, PS_MIN_FOLD_ROWS);
  if (ctx->n < 63 && ((uint64_t)1 << ctx->n) < need)
    return sb_error_set(err, SB_ESKIP,
                        "proxyspex: n = %zu has only %llu distinct masks, fewer than the %zu "
                        "that %ld-fold CV needs",
                        ctx->n, (unsigned long long)((uint64_t)1 << ctx->n), need, folds);
  return SB_OK;
}

/* Index set over rows of a batch (dedupe for the i.i.d. design). */
typedef struct ps_hset {
  size_t *slots;  /* row + 1, 0 = empty */
  size_t nslots;  /* power of two */
} ps_hset;

static int hset_insert(ps_hset *s, const sb_masks *b, size_t j) {
  const uint64_t *m = sb_masks_at(b, j);
  size_t mask = s->nslots - 1, h = (size_t)sb_mask_hash(m, b->words, 0x9e37) & mask;
  while (s->slots[h]) {
    if (sb_mask_equal(sb_masks_at(b, s->slots[h] - 1), m, b->words)) return 0;
    h = (h + 1) & mask;
  }
  s->slots[h] = j + 1;
  return 1;
}

/* i.i.d. fair-bit masks, drawn until `distinct` different masks have appeared;
 * repeats stay in the batch (they are training rows, free for the oracle). */
static int design_iid(size_t n, size_t distinct, const gsl_rng *r, sb_masks **out,
                      sb_error *err) {
  *out = NULL;
  if (n < 63 && distinct > ((size_t)1 << n)) distinct = (size_t)1 << n;
  sb_masks *m = sb_masks_alloc(n, 0);
  ps_hset s = {NULL, 1};
  while (s.nslots < 2 * distinct + 2) s.nslots *= 2;
  s.slots = calloc(s.nslots, sizeof *s.slots);
  if (!m || !s.slots || sb_masks_reserve(m, distinct + distinct / 4 + 16)) {
    sb_masks_free(m);
    free(s.slots);
    return sb_error_set(err, SB_ENOMEM, "proxyspex: out of memory for %zu masks", distinct);
  }
  size_t seen = 0;
  while (seen < distinct) {
    uint64_t *x = sb_masks_push_zero(m);
    if (!x) {
      sb_masks_free(m);
      free(s.slots);
      return sb_error_set(err, SB_ENOMEM, "proxyspex: out of memory for %zu masks", distinct);
    }
    sb_mask_random(x, n, r);
    if (hset_insert(&s, m, m->count - 1)) seen++;
  }
  free(s.slots);
  *out = m;
  return SB_OK;
}

static int ps_design(const sb_algo_ctx *ctx, sb_masks **masks, void **state, sb_error *err) {
  *state = NULL;
  /* Seeded without the budget, so designs at smaller budgets are prefixes. */
  gsl_rng *r = sb_rng_alloc(sb_seed_sub(ctx->design_seed, "proxyspex-design", 0));
  if (!r) return sb_error_set(err, SB_ENOMEM, "proxyspex: out of memory");
  int rc = strcmp(sb_params_str(ctx->params, "sampling"), "iid")
               ? sb_design_uniform_ctx(ctx, r, 1, masks, err)
               : design_iid(ctx->n, ctx->budget, r, masks, err);
  gsl_rng_free(r);
  return rc;
}

/* ==== cross-validation ================================================== */

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

typedef struct ps_cv {
  const sb_masks *masks;  /* all samples */
  const double *y;        /* their values */
  const size_t *perm;     /* shuffled row order; fold f = perm[lo[f] .. lo[f+1]) */
  const size_t *lo;       /* fold boundaries (folds + 1) */
  size_t folds;
  const ps_grid *g;
  sb_xgb_params base;     /* threads, seed, lambda */
  int native;             /* backend=native */
  double *r2;             /* [(d*nr + r)*nt + t][fold] */
} ps_cv;

/* One boosting run: depth index di, rate index ri, fold f; evaluated at every
 * tree count of the grid. */
static int cv_task(const ps_cv *cv, size_t di, size_t ri, size_t f, sb_error *err) {
  size_t m = cv->masks->count, lo = cv->lo[f], hi = cv->lo[f + 1], mt = hi - lo;
  size_t *train = malloc((m - mt) * sizeof *train);
  double *yt = malloc(mt * sizeof *yt), *pred = malloc(mt * sizeof *pred);
  sb_xgb_data *dtr = NULL, *dte = NULL;
  sb_xgb_booster *b = NULL;
  int rc = SB_OK;
  if (!train || !yt || !pred) {
    rc = sb_error_set(err, SB_ENOMEM, "proxyspex: out of memory in CV");
    goto done;
  }
  size_t k = 0;
  for (size_t i = 0; i < m; i++)
    if (i < lo || i >= hi) train[k++] = cv->perm[i];
  for (size_t i = 0; i < mt; i++) yt[i] = cv->y[cv->perm[lo + i]];
  if (cv->native) {
    sb_gbdt_params gp = {(int)cv->g->depth[di], cv->g->rate[ri], cv->base.lambda,
                          cv->base.min_child_weight};
    sb_gbdt *gb = NULL;
    if ((rc = sb_gbdt_alloc(cv->masks, train, k, cv->y, &gp, &gb, err))) goto done;
    memset(pred, 0, mt * sizeof *pred);
    int prev = 0;
    for (size_t t = 0; t < cv->g->nt && !rc; t++) {
      int T = (int)cv->g->trees[t];
      if ((rc = sb_gbdt_boost_to(gb, T, err))) break;
      sb_gbdt_predict_add(gb, cv->masks, cv->perm + lo, mt, prev, T, pred);
      prev = T;
      cv->r2[((di * cv->g->nr + ri) * cv->g->nt + t) * cv->folds + f] = fold_r2(yt, pred, mt);
    }
    sb_gbdt_free(gb);
    goto done;
  }
  if ((rc = sb_xgb_data_alloc(cv->masks, train, k, cv->y, &dtr, err)) ||
      (rc = sb_xgb_data_alloc(cv->masks, cv->perm + lo, mt, NULL, &dte, err)))
    goto done;
  sb_xgb_params p = cv->base;
  p.max_depth = (int)cv->g->depth[di];
  p.eta = cv->g->rate[ri];
  if ((rc = sb_xgb_booster_alloc(dtr, &p, &b, err))) goto done;
  for (size_t t = 0; t < cv->g->nt; t++) {
    if ((rc = sb_xgb_boost_to(b, (int)cv->g->trees[t], err)) ||
        (rc = sb_xgb_predict(b, dte, (int)cv->g->trees[t], pred, err)))
      goto done;
    cv->r2[((di * cv->g->nr + ri) * cv->g->nt + t) * cv->folds + f] = fold_r2(yt, pred, mt);
  }
done:
  sb_xgb_booster_free(b);
  sb_xgb_data_free(dtr);
  sb_xgb_data_free(dte);
  free(train);
  free(yt);
  free(pred);
  return rc;
}

/* Run all (depth, rate, fold) tasks; side by side on `threads` threads with one
 * XGBoost thread each when `side_by_side`, else one after another with
 * `xgb_threads` XGBoost threads. */
static int cv_run(ps_cv *cv, int threads, int xgb_threads, int side_by_side, sb_error *err) {
  const ps_grid *g = cv->g;
  long ntask = (long)(g->nd * g->nr * cv->folds);
  sb_error *errs = calloc((size_t)ntask, sizeof *errs);
  int *rcs = calloc((size_t)ntask, sizeof *rcs);
  if (!errs || !rcs) {
    free(errs), free(rcs);
    return sb_error_set(err, SB_ENOMEM, "proxyspex: out of memory");
  }
  ps_cv local = *cv;
  local.base.threads = side_by_side ? 1 : xgb_threads;
  /* Deepest / slowest runs first for better load balance. */
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) if (side_by_side)
  for (long t = 0; t < ntask; t++) {
    size_t f = (size_t)t % cv->folds, dr = (size_t)t / cv->folds;
    size_t di = g->nd - 1 - dr / g->nr, ri = dr % g->nr;
    rcs[t] = cv_task(&local, di, ri, f, &errs[t]);
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

/* ==== fit =============================================================== */

typedef struct ps_absidx {
  double a;   /* |coefficient| */
  size_t i;   /* term index */
} ps_absidx;

static int cmp_absidx_desc(const void *x, const void *y) {
  const ps_absidx *a = x, *b = y;
  if (a->a != b->a) return a->a < b->a ? 1 : -1;
  return (a->i > b->i) - (a->i < b->i);
}

/* Terms kept by the energy rule: ∅ first (always), then the largest non-∅ terms
 * until `frac` of the non-∅ energy is covered.  Returns a batch of sets. */
static int truncate_energy(const sb_spectrum *s, double frac, sb_masks **out, sb_error *err) {
  *out = NULL;
  size_t cnt = sb_spectrum_size(s), k = 0;
  ps_absidx *v = malloc((cnt ? cnt : 1) * sizeof *v);
  sb_masks *sets = sb_masks_alloc(s->n, 0);
  if (!v || !sets || !sb_masks_push_zero(sets)) {
    free(v);
    sb_masks_free(sets);
    return sb_error_set(err, SB_ENOMEM, "proxyspex: out of memory");
  }
  double total = 0;
  for (size_t i = 0; i < cnt; i++) {
    if (sb_mask_is_empty(sb_spectrum_key(s, i), s->words) || s->values[i] == 0) continue;
    v[k].a = fabs(s->values[i]);
    v[k].i = i;
    total += s->values[i] * s->values[i];
    k++;
  }
  qsort(v, k, sizeof *v, cmp_absidx_desc);
  double acc = 0;
  for (size_t j = 0; j < k && acc < frac * total; j++) {
    if (sb_masks_push(sets, sb_spectrum_key(s, v[j].i))) {
      free(v);
      sb_masks_free(sets);
      return sb_error_set(err, SB_ENOMEM, "proxyspex: out of memory");
    }
    acc += v[j].a * v[j].a;
  }
  free(v);
  *out = sets;
  return SB_OK;
}

static int ps_fit(const sb_algo_ctx *ctx, void *state, const sb_masks *masks,
                  const double *values, sb_fit *out, sb_error *err) {
  (void)state;
  const sb_params *P = ctx->params;
  ps_grid g;
  int rc = grid_from_params(P, &g, err);
  if (rc) return rc;
  size_t m = masks->count, folds = (size_t)sb_params_int(P, "folds");
  int threads = ctx->threads > 0 ? ctx->threads : 1;
  long xt = sb_params_int(P, "xgb_threads");
  int xgb_threads = xt > 0 ? (int)xt : threads;
  size_t npoints = g.nd * g.nt * g.nr;
  int native = !strcmp(sb_params_str(P, "backend"), "native");
  if (npoints > 1 && m < min_budget((long)folds))
    return sb_error_set(err, SB_ESKIP,
                        "proxyspex: %zu samples are too few for %zu-fold CV (need %zu)", m,
                        folds, min_budget((long)folds));
  sb_xgb_params xp;
  sb_xgb_params_default(&xp);
  xp.seed = sb_seed_sub(ctx->seed, "proxyspex-xgb", 0);
  xp.lambda = sb_params_double(P, "xgb_lambda");
  xp.min_child_weight = sb_params_double(P, "min_child_weight");
  xp.max_bin = 2; /* binary features: two bins are exact */
  xp.tree_method = sb_params_str(P, "tree_method");

  /* -- 2a. CV over the grid ------------------------------------------------ */
  size_t bd = 0, bt = 0, br = 0;
  double best = -INFINITY;
  double t0 = sb_wall_seconds();
  if (npoints > 1) {
    size_t *perm = malloc(m * sizeof *perm), *lo = malloc((folds + 1) * sizeof *lo);
    double *r2 = calloc(npoints * folds, sizeof *r2);
    if (!perm || !lo || !r2) {
      free(perm), free(lo), free(r2);
      return sb_error_set(err, SB_ENOMEM, "proxyspex: out of memory");
    }
    for (size_t i = 0; i < m; i++) perm[i] = i;
    gsl_ran_shuffle(ctx->rng, perm, m, sizeof *perm);
    for (size_t f = 0; f <= folds; f++) lo[f] = f * m / folds;
    const char *par = sb_params_str(P, "parallel");
    int side = threads > 1 && strcmp(par, "xgb") != 0;
    ps_cv cv = {masks, values, perm, lo, folds, &g, xp, native, r2};
    rc = cv_run(&cv, threads, xgb_threads, side, err);
    if (!rc) {
      for (size_t d = 0; d < g.nd; d++)
        for (size_t r = 0; r < g.nr; r++)
          for (size_t t = 0; t < g.nt; t++) {
            double s = 0;
            for (size_t f = 0; f < folds; f++) s += r2[((d * g.nr + r) * g.nt + t) * folds + f];
            s /= (double)folds;
            if (s > best) best = s, bd = d, bt = t, br = r;
          }
    }
    free(perm);
    free(lo);
    free(r2);
    if (rc) return rc;
  }
  sb_fit_phase_add(out, "cv", sb_wall_seconds() - t0);

  /* -- 2b. refit the best on all samples ----------------------------------- */
  t0 = sb_wall_seconds();
  sb_xgb_data *dall = NULL;
  sb_xgb_booster *b = NULL;
  sb_gbdt *gb = NULL;
  sb_spectrum *proxy = NULL;
  sb_masks *sets = NULL;
  gsl_matrix *X = NULL;
  gsl_vector *y = NULL, *beta = NULL;
  xp.threads = xgb_threads;
  xp.max_depth = (int)g.depth[bd];
  xp.eta = g.rate[br];
  if (native) {
    sb_gbdt_params gp = {xp.max_depth, xp.eta, xp.lambda, xp.min_child_weight};
    if ((rc = sb_gbdt_alloc(masks, NULL, 0, values, &gp, &gb, err)) ||
        (rc = sb_gbdt_boost_to(gb, (int)g.trees[bt], err)))
      goto done;
  } else if ((rc = sb_xgb_data_alloc(masks, NULL, 0, values, &dall, err)) ||
             (rc = sb_xgb_booster_alloc(dall, &xp, &b, err)) ||
             (rc = sb_xgb_boost_to(b, (int)g.trees[bt], err))) {
    goto done;
  }
  sb_fit_phase_add(out, "final_fit", sb_wall_seconds() - t0);

  /* -- 3. exact Fourier transform of the ensemble -------------------------- */
  t0 = sb_wall_seconds();
  const char *const *dump = NULL;
  size_t ntrees = 0;
  double base = 0;
  if (native) {
    if ((rc = sb_gbdt_fourier(gb, &proxy, err))) goto done;
  } else if ((rc = sb_xgb_dump_json(b, &dump, &ntrees, err)) ||
             (rc = sb_xgb_base_score(b, &base, err)) ||
             (rc = sb_tree_fourier_ensemble(dump, ntrees, base, ctx->n, &proxy, err))) {
    goto done;
  }
  sb_fit_phase_add(out, "extract", sb_wall_seconds() - t0);

  /* -- 4. energy truncation; 5. ridge refit -------------------------------- */
  t0 = sb_wall_seconds();
  if ((rc = truncate_energy(proxy, sb_params_double(P, "energy"), &sets, err))) goto done;
  size_t p = sets->count;
  double alpha = NAN;
  out->surrogate = sb_spectrum_alloc(SB_BASIS_FOURIER, ctx->n);
  if (!out->surrogate) {
    rc = sb_error_set(err, SB_ENOMEM, "proxyspex: out of memory");
    goto done;
  }
  if (!strcmp(sb_params_str(P, "refit"), "ridge")) {
    X = sb_fourier_features(masks, sets);
    y = gsl_vector_alloc(m);
    beta = gsl_vector_calloc(p);
    if (!X || !y || !beta) {
      rc = sb_error_set(err, SB_ENOMEM, "proxyspex: out of memory for a %zu x %zu design", m,
                        p);
      goto done;
    }
    for (size_t i = 0; i < m; i++) gsl_vector_set(y, i, values[i]);
    double grid[PS_RIDGE_GRID];
    sb_logspace(-6, 6, PS_RIDGE_GRID, grid);
    sb_ridge_criterion crit =
        strcmp(sb_params_str(P, "ridge_crit"), "gcv") ? SB_RIDGE_LOO : SB_RIDGE_GCV;
    if ((rc = sb_ridge_cv(X, y, NULL, 0, grid, PS_RIDGE_GRID, crit, beta, NULL, &alpha, err)))
      goto done;
    for (size_t j = 0; j < p && !rc; j++)
      if (sb_spectrum_put(out->surrogate, sb_masks_at(sets, j), gsl_vector_get(beta, j)))
        rc = sb_error_set(err, SB_ENOMEM, "proxyspex: out of memory");
  } else {
    for (size_t j = 0; j < p && !rc; j++) {
      const uint64_t *k = sb_masks_at(sets, j);
      if (sb_spectrum_put(out->surrogate, k, sb_spectrum_get(proxy, k)))
        rc = sb_error_set(err, SB_ENOMEM, "proxyspex: out of memory");
    }
  }
  if (rc) goto done;
  sb_fit_phase_add(out, "refit", sb_wall_seconds() - t0);
  sb_fit_info(out,
              "backend=%s samples=%zu depth=%ld trees=%ld rate=%g cv_r2=%.4f proxy_terms=%zu kept=%zu "
              "alpha=%g",
              native ? "native" : "xgboost", m, g.depth[bd], g.trees[bt], g.rate[br], npoints > 1 ? best : NAN,
              sb_spectrum_size(proxy), p, alpha);
done:
  if (rc) {
    sb_spectrum_free(out->surrogate);
    out->surrogate = NULL;
  }
  gsl_matrix_free(X);
  gsl_vector_free(y);
  gsl_vector_free(beta);
  sb_masks_free(sets);
  sb_spectrum_free(proxy);
  sb_xgb_booster_free(b);
  sb_gbdt_free(gb);
  sb_xgb_data_free(dall);
  return rc;
}

const sb_algo_type sb_algo_proxyspex = {
    .name = "proxyspex",
    .summary = "ProxySPEX: boosted-tree proxy (XGBoost, CV grid), exact tree Fourier transform, "
               "energy truncation, ridge refit",
    .params = ps_params,
    .check = ps_check,
    .design = ps_design,
    .fit = ps_fit,
    .family = SB_ALGO_SPECTRAL,
    .flags = SB_ALGO_SAMPLED_DESIGN | SB_ALGO_SHARED_DESIGN,
};
