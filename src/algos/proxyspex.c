/* ProxySPEX, the proxy-model spectral explainer (../shared/design/ALGORITHMS.md §5).
 *
 *  1. Uniform masks, drawn as `sampling=` says (proxyspex/sampling.h: distinct,
 *     paired or iid).
 *  2. Gradient-boosted trees from the `backend=` booster type
 *     (proxyspex/booster.h: xgboost or native), hyperparameters chosen by k-fold
 *     CV over max_depth × n_estimators × learning_rate (proxyspex/cv.h), then
 *     refitted on all samples.
 *  3. The booster's exact Fourier spectrum (summed tree transforms + base score).
 *  4. Keep the largest non-∅ coefficients holding `energy` (0.95) of the
 *     non-constant energy, plus ∅.
 *  5. Ridge refit without intercept (∅ is a column) on the Fourier characters of
 *     the kept support, α by LOO (or GCV) over logspace(−6, 6, 100).
 * Phases: "cv", "final_fit", "extract", "refit" (inside the runner's "fit"). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "algos/common.h"
#include "algos/shared_design.h"
#include "core/seed.h"
#include "core/timer.h"
#include "linalg/regress.h"
#include "proxyspex/booster.h"
#include "proxyspex/cv.h"
#include "proxyspex/sampling.h"
#include "proxyspex/tree_fourier.h"

#define PS_RIDGE_GRID 100 /* logspace(-6, 6, 100) */

/* The enum choices of `sampling` and `backend` are the names in
 * sb_sampling_types / sb_booster_types (tests/unit/test_booster.c checks). */
static const sb_param_def ps_params[] = {
    {"sampling", SB_PARAM_ENUM, "distinct", "distinct|paired|iid",
     "distinct masks with ∅ and [n]; the same drawn as complementary pairs (shapiq's "
     "ProxySPEX); or i.i.d. with replacement (reference)"},
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

/* ==== options ============================================================ */

/* Everything the parameters decide, read and validated in one place. */
typedef struct ps_opts {
  const sb_sampling_type *sampling;
  const sb_booster_type *booster;
  sb_cv_grid grid;
  size_t folds;
  double energy;             /* fraction of non-∅ energy kept */
  int refit;                 /* 1: ridge refit of the kept terms; 0: the proxy's values */
  sb_ridge_criterion crit;   /* for the ridge α */
  int side_by_side;          /* CV runs side by side (parallel=auto|folds) */
  long booster_threads;      /* xgb_threads (0 = the run's threads) */
  sb_booster_params bp;      /* lambda, min_child_weight, tree_method */
} ps_opts;

static int param_is(const sb_params *p, const char *key, const char *value) {
  return !strcmp(sb_params_str(p, key), value);
}

static int grid_from_params(const sb_params *p, sb_cv_grid *g, sb_error *err) {
  memset(g, 0, sizeof *g);
  int rc;
  long order = sb_params_int(p, "max_order");
  if (order < 0 || order > SB_TREE_FOURIER_MAX_DEPTH)
    return sb_error_set(err, SB_EINVAL, "proxyspex: max_order = %ld: expected 0..%d", order,
                        SB_TREE_FOURIER_MAX_DEPTH);
  if (order > 0) {
    g->depth[g->nd++] = order > 3 ? order - 2 : 1;
    if (order > 1) g->depth[g->nd++] = order;
  } else if ((rc = sb_cv_parse_ints("depths", sb_params_str(p, "depths"), g->depth, &g->nd,
                                    err))) {
    return rc;
  }
  for (size_t i = 0; i < g->nd; i++)
    if (g->depth[i] > SB_TREE_FOURIER_MAX_DEPTH)
      return sb_error_set(err, SB_EINVAL, "proxyspex: depth %ld exceeds %d", g->depth[i],
                          SB_TREE_FOURIER_MAX_DEPTH);
  const char *trees = sb_params_str(p, "trees");
  if (!trees || !*trees) trees = param_is(p, "grid", "reference") ? "500|1000|5000" : "500|1000";
  if ((rc = sb_cv_parse_ints("trees", trees, g->trees, &g->nt, err)) ||
      (rc = sb_cv_parse_rates("rates", sb_params_str(p, "rates"), g->rate, &g->nr, err)))
    return rc;
  sb_cv_grid_sort(g);
  return SB_OK;
}

static int opts_from_params(const sb_params *P, ps_opts *o, sb_error *err) {
  memset(o, 0, sizeof *o);
  int rc = grid_from_params(P, &o->grid, err);
  if (rc) return rc;
  if (!(o->sampling = sb_sampling_find(sb_params_str(P, "sampling"), err)) ||
      !(o->booster = sb_booster_type_find(sb_params_str(P, "backend"), err)))
    return SB_EINVAL;
  for (size_t i = 0; i < o->grid.nd; i++)
    if (o->grid.depth[i] > o->booster->max_depth)
      return sb_error_set(err, SB_EINVAL, "proxyspex: backend=%s supports depth <= %d (got %ld)",
                          o->booster->name, o->booster->max_depth, o->grid.depth[i]);
  long folds = sb_params_int(P, "folds");
  if (folds < 2 || folds > 100)
    return sb_error_set(err, SB_EINVAL, "proxyspex: folds = %ld: expected 2..100", folds);
  o->folds = (size_t)folds;
  o->energy = sb_params_double(P, "energy");
  if (!(o->energy > 0 && o->energy <= 1))
    return sb_error_set(err, SB_EINVAL, "proxyspex: energy = %g: expected (0, 1]", o->energy);
  o->booster_threads = sb_params_int(P, "xgb_threads");
  if (o->booster_threads < 0)
    return sb_error_set(err, SB_EINVAL, "proxyspex: xgb_threads must be >= 0");
  o->bp.lambda = sb_params_double(P, "xgb_lambda");
  if (!(o->bp.lambda >= 0))
    return sb_error_set(err, SB_EINVAL, "proxyspex: xgb_lambda must be >= 0");
  o->bp.min_child_weight = sb_params_double(P, "min_child_weight");
  if (!(o->bp.min_child_weight >= 0))
    return sb_error_set(err, SB_EINVAL, "proxyspex: min_child_weight must be >= 0");
  o->bp.tree_method = sb_params_str(P, "tree_method");
  o->refit = param_is(P, "refit", "ridge");
  o->crit = param_is(P, "ridge_crit", "gcv") ? SB_RIDGE_GCV : SB_RIDGE_LOO;
  o->side_by_side = !param_is(P, "parallel", "xgb");
  return SB_OK;
}

/* ==== check / design ===================================================== */

static int ps_check(const sb_algo_ctx *ctx, sb_error *err) {
  ps_opts o;
  int rc = opts_from_params(ctx->params, &o, err);
  if (rc) return rc;
  size_t need = sb_cv_min_samples(o.folds);
  if (ctx->budget < need)
    return sb_error_set(err, SB_ESKIP,
                        "proxyspex: budget %zu is too small for %zu-fold CV (need at least %zu "
                        "queries: %d per held-out fold)",
                        ctx->budget, o.folds, need, SB_CV_MIN_FOLD_ROWS);
  if (ctx->n < 63 && ((uint64_t)1 << ctx->n) < need)
    return sb_error_set(err, SB_ESKIP,
                        "proxyspex: n = %zu has only %llu distinct masks, fewer than the %zu "
                        "that %zu-fold CV needs",
                        ctx->n, (unsigned long long)((uint64_t)1 << ctx->n), need, o.folds);
  return SB_OK;
}

static int ps_design(const sb_algo_ctx *ctx, sb_masks **masks, void **state, sb_error *err) {
  *state = NULL;
  const sb_sampling_type *s = sb_sampling_find(sb_params_str(ctx->params, "sampling"), err);
  if (!s) return SB_EINVAL;
  /* Seeded without the budget, so designs at smaller budgets are prefixes. */
  gsl_rng *r = sb_rng_alloc(sb_seed_sub(ctx->design_seed, "proxyspex-design", 0));
  if (!r) return sb_error_set(err, SB_ENOMEM, "proxyspex: out of memory");
  /* A design the shared pool draws (shared_design = true) comes from the pool;
   * without a shared seed sb_design_uniform_ctx is exactly s->design. */
  int rc = s->shared_pool ? sb_design_uniform_ctx(ctx, r, 1, masks, err)
                          : s->design(ctx->n, ctx->budget, r, masks, err);
  gsl_rng_free(r);
  return rc;
}

/* ==== steps 4–5: truncation and refit ==================================== */

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

/* Coefficients of the kept `sets` into `out`: a ridge fit on their Fourier
 * characters (α into *alpha) or, without refit, the proxy's own values. */
static int refit_support(const ps_opts *o, const sb_masks *masks, const double *values,
                         const sb_spectrum *proxy, const sb_masks *sets, sb_spectrum *out,
                         double *alpha, sb_error *err) {
  size_t m = masks->count, p = sets->count;
  *alpha = NAN;
  if (!o->refit) {
    for (size_t j = 0; j < p; j++) {
      const uint64_t *k = sb_masks_at(sets, j);
      if (sb_spectrum_put(out, k, sb_spectrum_get(proxy, k)))
        return sb_error_set(err, SB_ENOMEM, "proxyspex: out of memory");
    }
    return SB_OK;
  }
  gsl_matrix *X = sb_fourier_features(masks, sets);
  gsl_vector *y = gsl_vector_alloc(m), *beta = gsl_vector_calloc(p);
  int rc = SB_OK;
  if (!X || !y || !beta) {
    rc = sb_error_set(err, SB_ENOMEM, "proxyspex: out of memory for a %zu x %zu design", m, p);
  } else {
    for (size_t i = 0; i < m; i++) gsl_vector_set(y, i, values[i]);
    double grid[PS_RIDGE_GRID];
    sb_logspace(-6, 6, PS_RIDGE_GRID, grid);
    rc = sb_ridge_cv(X, y, NULL, 0, grid, PS_RIDGE_GRID, o->crit, beta, NULL, alpha, err);
    for (size_t j = 0; j < p && !rc; j++)
      if (sb_spectrum_put(out, sb_masks_at(sets, j), gsl_vector_get(beta, j)))
        rc = sb_error_set(err, SB_ENOMEM, "proxyspex: out of memory");
  }
  gsl_matrix_free(X);
  gsl_vector_free(y);
  gsl_vector_free(beta);
  return rc;
}

/* ==== fit ================================================================ */

static int ps_fit(const sb_algo_ctx *ctx, void *state, const sb_masks *masks,
                  const double *values, sb_fit *out, sb_error *err) {
  (void)state;
  ps_opts o;
  int rc = opts_from_params(ctx->params, &o, err);
  if (rc) return rc;
  const sb_cv_grid *g = &o.grid;
  int threads = ctx->threads > 0 ? ctx->threads : 1;
  sb_cv_exec exec = {threads, o.side_by_side,
                     o.booster_threads > 0 ? (int)o.booster_threads : threads};
  sb_booster_params bp = o.bp;
  bp.seed = sb_seed_sub(ctx->seed, "proxyspex-xgb", 0);

  /* 2a. CV over the grid */
  sb_cv_choice best;
  double t0 = sb_wall_seconds();
  if ((rc = sb_cv_select(o.booster, &bp, masks, values, g, o.folds, ctx->rng, &exec, &best,
                         err)))
    return rc;
  sb_fit_phase_add(out, "cv", sb_wall_seconds() - t0);

  /* 2b. the best grid point refitted on all samples */
  t0 = sb_wall_seconds();
  sb_booster *b = NULL;
  sb_spectrum *proxy = NULL;
  sb_masks *sets = NULL;
  bp.threads = exec.booster_threads;
  bp.max_depth = (int)g->depth[best.depth];
  bp.eta = g->rate[best.rate];
  if ((rc = sb_booster_alloc(o.booster, masks, NULL, 0, values, &bp, &b, err)) ||
      (rc = sb_booster_boost_to(b, (int)g->trees[best.trees], err)))
    goto done;
  sb_fit_phase_add(out, "final_fit", sb_wall_seconds() - t0);

  /* 3. exact Fourier transform of the ensemble */
  t0 = sb_wall_seconds();
  if ((rc = sb_booster_spectrum(b, &proxy, err))) goto done;
  sb_fit_phase_add(out, "extract", sb_wall_seconds() - t0);

  /* 4. energy truncation; 5. ridge refit */
  t0 = sb_wall_seconds();
  double alpha = NAN;
  if ((rc = truncate_energy(proxy, o.energy, &sets, err))) goto done;
  if (!(out->surrogate = sb_spectrum_alloc(SB_BASIS_FOURIER, ctx->n))) {
    rc = sb_error_set(err, SB_ENOMEM, "proxyspex: out of memory");
    goto done;
  }
  if ((rc = refit_support(&o, masks, values, proxy, sets, out->surrogate, &alpha, err)))
    goto done;
  sb_fit_phase_add(out, "refit", sb_wall_seconds() - t0);
  sb_fit_info(out,
              "backend=%s samples=%zu depth=%ld trees=%ld rate=%g cv_r2=%.4f proxy_terms=%zu "
              "kept=%zu alpha=%g",
              o.booster->name, masks->count, g->depth[best.depth], g->trees[best.trees],
              g->rate[best.rate], best.score, sb_spectrum_size(proxy), sets->count, alpha);
done:
  if (rc) {
    sb_spectrum_free(out->surrogate);
    out->surrogate = NULL;
  }
  sb_masks_free(sets);
  sb_spectrum_free(proxy);
  sb_booster_free(b);
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
