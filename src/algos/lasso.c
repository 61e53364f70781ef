/* LASSO baseline (../shared/design/ALGORITHMS.md §6; the sparse-regression baseline of the
 * ProxySPEX paper): L1-regularised least squares on the Fourier characters of
 * degree <= d over distinct uniform masks, with a free (unpenalised) intercept
 * standing for F(∅); λ chosen by k-fold CV (default 5) over a log-spaced path
 * from λ_max down to 1e-4·λ_max, then refit on all samples (sb_lasso_cv,
 * coordinate descent).  Surrogate: the Fourier spectrum of the nonzero terms.
 * Degrees >= 2 follow the order skip rule (force=true overrides). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "algos/common.h"
#include "algos/shared_design.h"
#include "linalg/regress.h"

static const sb_param_def lasso_params[] = {
    {"degree", SB_PARAM_INT, "2", NULL, "maximum degree d of the Fourier features"},
    {"folds", SB_PARAM_INT, "5", NULL, "cross-validation folds for λ"},
    {"n_lambda", SB_PARAM_INT, "50", NULL, "λ values on the path"},
    {"force", SB_PARAM_BOOL, "false", NULL, "run even where the order skip rule applies"},
    {NULL, 0, NULL, NULL, NULL},
};

/* Largest design matrix (entries) we build: 2^28 doubles = 2 GiB. */
#define LASSO_MAX_ENTRIES ((double)(1u << 28))

static int lasso_check(const sb_algo_ctx *ctx, sb_error *err) {
  long d = sb_params_int(ctx->params, "degree");
  long folds = sb_params_int(ctx->params, "folds");
  if (d < 1 || (size_t)d > ctx->n)
    return sb_error_set(err, SB_EINVAL, "lasso: degree = %ld: expected 1..n (n = %zu)", d, ctx->n);
  if (folds < 2) return sb_error_set(err, SB_EINVAL, "lasso: folds = %ld: expected >= 2", folds);
  if (sb_params_int(ctx->params, "n_lambda") < 1)
    return sb_error_set(err, SB_EINVAL, "lasso: n_lambda must be >= 1");
  int rc = sb_order_skip_rule(ctx->n, d, sb_params_bool(ctx->params, "force"), "lasso", err);
  if (rc) return rc;
  if (ctx->budget < (size_t)(2 * folds))
    return sb_error_set(err, SB_ESKIP, "lasso: budget %zu is below the minimum of %ld (2 per fold)",
                        ctx->budget, 2 * folds);
  double p = sb_choose_sum_upto(ctx->n, d);
  if (p * (double)ctx->budget > LASSO_MAX_ENTRIES)
    return sb_error_set(err, SB_ESKIP,
                        "lasso: %.0f features x %zu samples exceeds the design-matrix limit of "
                        "%.0f entries",
                        p, ctx->budget, LASSO_MAX_ENTRIES);
  return SB_OK;
}

static int lasso_design(const sb_algo_ctx *ctx, sb_masks **masks, void **state, sb_error *err) {
  *state = NULL;
  return sb_design_uniform_ctx(ctx, ctx->rng, 0, masks, err);
}

static int lasso_fit(const sb_algo_ctx *ctx, void *state, const sb_masks *masks,
                     const double *values, sb_fit *out, sb_error *err) {
  long d = sb_params_int(ctx->params, "degree");
  sb_masks *sets;
  gsl_matrix *X;
  gsl_vector *y;
  int rc = sb_character_regression(ctx->n, d, masks, values, "lasso", &sets, &X, &y, err);
  if (rc) return rc;
  size_t m = masks->count, p = sets->count;
  gsl_vector *beta = gsl_vector_calloc(p);
  uint64_t *empty = calloc(masks->words, sizeof *empty);
  if (!beta || !empty) {
    rc = sb_error_set(err, SB_ENOMEM, "lasso: out of memory");
    goto done;
  }
  sb_lasso_opts opts = {1, NULL, 0, 0};
  size_t folds = (size_t)sb_params_int(ctx->params, "folds");
  size_t nl = (size_t)sb_params_int(ctx->params, "n_lambda");
  double b0 = 0, lambda = 0;
  rc = sb_lasso_cv(X, y, NULL, &opts, folds, nl, 0, ctx->rng, beta, &b0, &lambda, err);
  if (rc) {
    sb_error_prefix(err, "lasso");
    goto done;
  }
  out->surrogate = sb_spectrum_alloc(SB_BASIS_FOURIER, ctx->n);
  if (!out->surrogate) {
    rc = sb_error_set(err, SB_ENOMEM, "lasso: out of memory");
    goto done;
  }
  sb_spectrum_put(out->surrogate, empty, b0);
  size_t nnz = 0;
  for (size_t j = 0; j < p; j++) {
    double v = gsl_vector_get(beta, j);
    if (v == 0) continue;
    nnz++;
    if (sb_spectrum_put(out->surrogate, sb_masks_at(sets, j), v)) {
      rc = sb_error_set(err, SB_ENOMEM, "lasso: out of memory");
      goto done;
    }
  }
  sb_fit_info(out, "degree=%ld features=%zu nonzero=%zu lambda=%g folds=%zu samples=%zu", d, p,
              nnz, lambda, folds, m);
done:
  gsl_matrix_free(X);
  gsl_vector_free(beta);
  gsl_vector_free(y);
  free(empty);
  sb_masks_free(sets);
  return rc;
}

const sb_algo_type sb_algo_lasso = {
    .name = "lasso",
    .summary = "LASSO on Fourier features of degree <= d, λ by 5-fold CV",
    .params = lasso_params,
    .check = lasso_check,
    .design = lasso_design,
    .fit = lasso_fit,
    .family = SB_ALGO_SPECTRAL,
    .flags = SB_ALGO_SHARED_DESIGN,
};
