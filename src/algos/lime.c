/* LIME as SPEX's benchmark ran it (../shared/design/ALGORITHMS.md §6; Ribeiro et al. 2016):
 * distinct masks, each weighted by the exponential kernel
 *   π(x) = sqrt(exp(−d(x)²/w²)),  w = 25 (kernel_width),
 * with d the cosine distance between x and the all-ones mask,
 *   d(x) = 1 − |x|/(sqrt(|x|)·sqrt(n)) = 1 − sqrt(|x|/n)   (d(∅) = 1),
 * then weighted ridge regression with α = 1 and a free intercept on the binary
 * features x (sb_ridge_cv with one α: SVD, no normal equations).  Surrogate =
 * intercept + linear terms: a Möbius spectrum of order 1.
 *  - `lime`: masks uniform over {0,1}^n (each bit a fair coin).
 *  - `lime-text`: LIME's text sampler: the all-ones mask first, then remove
 *    r ~ U{1..n} features chosen uniformly; distances ×100 (LimeTextExplainer).
 * Repeated masks are redrawn so the budget is spent on distinct queries (LIME
 * itself would re-query them); with a budget >= 2^n every mask is used once. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "algos/baseline_util.h"
#include "algos/common.h"
#include "algos/shared_design.h"
#include "core/maskmap.h"
#include "linalg/regress.h"

static const sb_param_def lime_params[] = {
    {"kernel_width", SB_PARAM_DOUBLE, "25", NULL, "width w of the exponential kernel"},
    {"alpha", SB_PARAM_DOUBLE, "1", NULL, "ridge penalty α (intercept unpenalised)"},
    {NULL, 0, NULL, NULL, NULL},
};

static int lime_check_common(const sb_algo_ctx *ctx, const char *name, sb_error *err) {
  if (!(sb_params_double(ctx->params, "kernel_width") > 0))
    return sb_error_set(err, SB_EINVAL, "%s: kernel_width must be > 0", name);
  if (!(sb_params_double(ctx->params, "alpha") >= 0))
    return sb_error_set(err, SB_EINVAL, "%s: alpha must be >= 0", name);
  if (ctx->budget < 2)
    return sb_error_set(err, SB_ESKIP, "%s: budget %zu is below the minimum of 2", name,
                        ctx->budget);
  return SB_OK;
}
static int lime_check(const sb_algo_ctx *ctx, sb_error *err) {
  return lime_check_common(ctx, "lime", err);
}
static int lime_text_check(const sb_algo_ctx *ctx, sb_error *err) {
  return lime_check_common(ctx, "lime-text", err);
}

static int lime_design(const sb_algo_ctx *ctx, sb_masks **masks, void **state, sb_error *err) {
  *state = NULL;
  return sb_design_uniform_ctx(ctx, ctx->rng, 0, masks, err);
}

static int lime_text_design(const sb_algo_ctx *ctx, sb_masks **masks, void **state,
                            sb_error *err) {
  *state = NULL;
  size_t n = ctx->n, budget = ctx->budget;
  if (n <= 30 && budget >= ((size_t)1 << n)) return sb_design_all(n, masks, err);
  sb_masks *m = sb_masks_alloc(n, 0);
  sb_maskmap set; /* rows of m, all distinct */
  int rc = sb_maskmap_init(&set, sb_mask_words(n), budget);
  if (!m || rc || sb_masks_reserve(m, budget)) {
    sb_maskmap_release(&set);
    sb_masks_free(m);
    return sb_error_set(err, SB_ENOMEM, "lime-text: out of memory for %zu masks", budget);
  }
  sb_mask_fill(sb_masks_push_zero(m), n); /* the instance itself */
  sb_maskmap_add_row(&set, m, 0);
  size_t fails = 0, max_fails = 1000 + 100 * budget;
  while (m->count < budget && fails < max_fails) {
    uint64_t *x = sb_masks_push_zero(m);
    size_t r = 1 + (size_t)gsl_rng_uniform_int(ctx->rng, (unsigned long)n);
    sb_mask_random_size(x, n, n - r, ctx->rng); /* keep n − r = remove r */
    long j = sb_maskmap_add_row(&set, m, m->count - 1);
    if (j < 0) {
      sb_maskmap_release(&set);
      sb_masks_free(m);
      return sb_error_set(err, SB_ENOMEM, "lime-text: out of memory");
    }
    if ((size_t)j != m->count - 1) {
      m->count--;
      fails++;
    } else {
      fails = 0;
    }
  }
  sb_maskmap_release(&set);
  *masks = m;
  return SB_OK;
}

/* π = sqrt(exp(−(scale·d)²/w²)), d = cosine distance to the all-ones mask. */
static double lime_weight(size_t ones, size_t n, double scale, double width) {
  double d = ones ? 1.0 - sqrt((double)ones / (double)n) : 1.0;
  d *= scale;
  return sqrt(exp(-d * d / (width * width)));
}

static int lime_fit_common(const sb_algo_ctx *ctx, const char *name, double scale,
                           const sb_masks *masks, const double *values, sb_fit *out,
                           sb_error *err) {
  size_t n = ctx->n, m = masks->count;
  double width = sb_params_double(ctx->params, "kernel_width");
  double alpha = sb_params_double(ctx->params, "alpha");
  gsl_matrix *X = gsl_matrix_alloc(m, n);
  gsl_vector *y = gsl_vector_alloc(m), *w = gsl_vector_alloc(m), *beta = gsl_vector_calloc(n);
  uint64_t *empty = calloc(masks->words, sizeof *empty);
  int rc = SB_OK;
  if (!X || !y || !w || !beta || !empty) {
    rc = sb_error_set(err, SB_ENOMEM, "%s: out of memory (%zu x %zu)", name, m, n);
    goto done;
  }
  for (size_t i = 0; i < m; i++) {
    const uint64_t *x = sb_masks_at(masks, i);
    for (size_t j = 0; j < n; j++) gsl_matrix_set(X, i, j, sb_mask_get(x, j));
    gsl_vector_set(y, i, values[i]);
    gsl_vector_set(w, i, lime_weight(sb_mask_popcount(x, masks->words), n, scale, width));
  }
  double b0 = 0;
  rc = sb_ridge_cv(X, y, w, 1, &alpha, 1, SB_RIDGE_GCV, beta, &b0, NULL, err);
  if (rc) {
    sb_error_prefix(err, "%s", name);
    goto done;
  }
  out->surrogate = sb_spectrum_alloc(SB_BASIS_MOBIUS, n);
  if (!out->surrogate) {
    rc = sb_error_set(err, SB_ENOMEM, "%s: out of memory", name);
    goto done;
  }
  sb_spectrum_put(out->surrogate, empty, b0);
  for (size_t j = 0; j < n; j++) sb_spectrum_add_indices(out->surrogate, &j, 1, gsl_vector_get(beta, j));
  sb_fit_info(out, "samples=%zu kernel_width=%g alpha=%g distance_scale=%g", m, width, alpha,
              scale);
done:
  gsl_matrix_free(X);
  gsl_vector_free(y);
  gsl_vector_free(w);
  gsl_vector_free(beta);
  free(empty);
  return rc;
}

static int lime_fit(const sb_algo_ctx *ctx, void *state, const sb_masks *masks,
                    const double *values, sb_fit *out, sb_error *err) {
  return lime_fit_common(ctx, "lime", 1.0, masks, values, out, err);
}
static int lime_text_fit(const sb_algo_ctx *ctx, void *state, const sb_masks *masks,
                         const double *values, sb_fit *out, sb_error *err) {
  return lime_fit_common(ctx, "lime-text", 100.0, masks, values, out, err);
}

const sb_algo_type sb_algo_lime = {
    .name = "lime",
    .summary = "LIME: uniform masks, cosine-distance kernel (w=25), weighted ridge α=1",
    .params = lime_params,
    .check = lime_check,
    .design = lime_design,
    .fit = lime_fit,
    .family = SB_ALGO_MARGINAL,
    .flags = SB_ALGO_SHARED_DESIGN,
};

const sb_algo_type sb_algo_lime_text = {
    .name = "lime-text",
    .summary = "LIME with its text sampler (remove r~U{1..n} features; distance x100)",
    .params = lime_params,
    .check = lime_text_check,
    .design = lime_text_design,
    .fit = lime_text_fit,
    .family = SB_ALGO_MARGINAL,
};
