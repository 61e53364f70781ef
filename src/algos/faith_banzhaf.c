/* Faith-Banzhaf interaction index of order ℓ (../shared/design/ALGORITHMS.md §6; ℓ = 1 gives
 * Banzhaf values): least squares on distinct uniform masks with the features of
 * all sets of size <= ℓ plus an intercept.  The span of Möbius monomials of
 * order <= ℓ equals the span of Fourier characters of degree <= ℓ, and the
 * characters are orthogonal under the uniform distribution, so we regress on
 * characters (better conditioned) and return a Fourier surrogate; its Möbius
 * form is the FBII.  With 2^n masks and alpha=0 the result is the exact FBII.
 *
 * alpha=auto: plain (minimum-norm) least squares when there are at least twice
 * as many samples as features, otherwise ridge with α by GCV over
 * logspace(-6, 6, 100). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "algos/common.h"
#include "algos/shared_design.h"
#include "linalg/regress.h"

static const sb_param_def fb_params[] = {
    {"order", SB_PARAM_INT, "1", NULL, "interaction order ℓ (1 = Banzhaf values)"},
    {"alpha", SB_PARAM_STRING, "auto", NULL, "ridge α: auto, or a number (0 = least squares)"},
    {"force", SB_PARAM_BOOL, "false", NULL, "run even where the order skip rule applies"},
    {NULL, 0, NULL, NULL, NULL},
};

static int fb_check_order(const sb_algo_ctx *ctx, long order, sb_error *err) {
  if (order < 1 || (size_t)order > ctx->n)
    return sb_error_set(err, SB_EINVAL, "faith-banzhaf: order = %ld: expected 1..n (n = %zu)",
                        order, ctx->n);
  const char *a = sb_params_str(ctx->params, "alpha");
  double av;
  if (strcmp(a, "auto") != 0 && (!sb_parse_double(a, &av) || av < 0))
    return sb_error_set(err, SB_EINVAL, "faith-banzhaf: alpha = '%s': expected auto or >= 0", a);
  int rc = sb_order_skip_rule(ctx->n, order, sb_params_bool(ctx->params, "force"),
                              "faith-banzhaf", err);
  if (rc) return rc;
  if (ctx->budget < 4)
    return sb_error_set(err, SB_ESKIP, "faith-banzhaf: budget %zu is below the minimum of 4",
                        ctx->budget);
  return SB_OK;
}

static int fb_check(const sb_algo_ctx *ctx, sb_error *err) {
  return fb_check_order(ctx, sb_params_int(ctx->params, "order"), err);
}

static int fb_design(const sb_algo_ctx *ctx, sb_masks **masks, void **state, sb_error *err) {
  *state = NULL;
  return sb_design_uniform_ctx(ctx, ctx->rng, 0, masks, err);
}

static int fb_fit_order(const sb_algo_ctx *ctx, long order, const sb_masks *masks,
                        const double *values, sb_fit *out, sb_error *err) {
  sb_masks *sets;
  gsl_matrix *X;
  gsl_vector *y;
  int rc = sb_character_regression(ctx->n, order, masks, values, "faith-banzhaf", &sets, &X, &y,
                                   err);
  if (rc) return rc;
  size_t m = masks->count, p = sets->count;
  gsl_vector *beta = gsl_vector_calloc(p);
  if (!beta) {
    rc = sb_error_set(err, SB_ENOMEM, "faith-banzhaf: out of memory");
    goto done;
  }
  const char *as = sb_params_str(ctx->params, "alpha");
  double alpha = 0, b0 = 0;
  if (!strcmp(as, "auto") && m < 2 * (p + 1)) {
    double grid[100];
    sb_logspace(-6, 6, 100, grid);
    rc = sb_ridge_cv(X, y, NULL, 1, grid, 100, SB_RIDGE_GCV, beta, &b0, &alpha, err);
  } else {
    if (strcmp(as, "auto") != 0) sb_parse_double(as, &alpha);
    rc = sb_ridge_cv(X, y, NULL, 1, &alpha, 1, SB_RIDGE_GCV, beta, &b0, NULL, err);
  }
  if (rc) goto done;
  out->surrogate = sb_spectrum_alloc(SB_BASIS_FOURIER, ctx->n);
  if (!out->surrogate) {
    rc = sb_error_set(err, SB_ENOMEM, "faith-banzhaf: out of memory");
    goto done;
  }
  uint64_t *empty = calloc(sb_mask_words(ctx->n), sizeof *empty);
  if (empty) sb_spectrum_put(out->surrogate, empty, b0);
  free(empty);
  for (size_t j = 0; j < p; j++)
    sb_spectrum_put(out->surrogate, sb_masks_at(sets, j), gsl_vector_get(beta, j));
  sb_fit_info(out, "order=%ld features=%zu alpha=%g", order, p, alpha);
done:
  gsl_matrix_free(X);
  gsl_vector_free(beta);
  gsl_vector_free(y);
  sb_masks_free(sets);
  return rc;
}

static int fb_fit(const sb_algo_ctx *ctx, void *state, const sb_masks *masks,
                  const double *values, sb_fit *out, sb_error *err) {
  return fb_fit_order(ctx, sb_params_int(ctx->params, "order"), masks, values, out, err);
}

/* `banzhaf`: the same estimator at order 1 (Banzhaf values), no order parameter. */
static const sb_param_def bv_params[] = {
    {"alpha", SB_PARAM_STRING, "auto", NULL, "ridge α: auto, or a number (0 = least squares)"},
    {NULL, 0, NULL, NULL, NULL},
};
static int bv_check(const sb_algo_ctx *ctx, sb_error *err) { return fb_check_order(ctx, 1, err); }
static int bv_fit(const sb_algo_ctx *ctx, void *state, const sb_masks *masks,
                  const double *values, sb_fit *out, sb_error *err) {
  return fb_fit_order(ctx, 1, masks, values, out, err);
}

const sb_algo_type sb_algo_banzhaf = {
    .name = "banzhaf",
    .summary = "Banzhaf values: faith-banzhaf at order 1 (least squares on uniform masks)",
    .params = bv_params,
    .check = bv_check,
    .design = fb_design,
    .fit = bv_fit,
    .family = SB_ALGO_MARGINAL,
    .flags = SB_ALGO_SHARED_DESIGN,
};

const sb_algo_type sb_algo_faith_banzhaf = {
    .name = "faith-banzhaf",
    .summary = "Faith-Banzhaf index of order ℓ by least squares on uniform masks (ℓ=1: Banzhaf)",
    .params = fb_params,
    .check = fb_check,
    .design = fb_design,
    .fit = fb_fit,
    .family = SB_ALGO_INDEX,
    .flags = SB_ALGO_SHARED_DESIGN,
};
