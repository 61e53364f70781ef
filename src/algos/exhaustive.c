/* Exhaustive baseline (../shared/design/ALGORITHMS.md §2, §6): query all 2^n masks and take the
 * exact Fourier spectrum by the fast Walsh–Hadamard transform.  Faithfulness 1
 * by construction; cost 2^n, so it refuses n > 30 and budgets below 2^n. */
#include <stdlib.h>
#include <string.h>

#include "algos/common.h"
#include "core/timer.h"
#include "core/transform.h"

static const sb_param_def exhaustive_params[] = {
    {"tol", SB_PARAM_DOUBLE, "0", NULL, "drop coefficients with |F| <= tol"},
    {NULL, 0, NULL, NULL, NULL},
};

static int exhaustive_check(const sb_algo_ctx *ctx, sb_error *err) {
  if (ctx->n > SB_TRANSFORM_MAX_N)
    return sb_error_set(err, SB_ESKIP,
                        "exhaustive: n = %zu is too large (2^n queries; the limit is n <= %d)",
                        ctx->n, SB_TRANSFORM_MAX_N);
  size_t need = (size_t)1 << ctx->n;
  if (ctx->budget < need)
    return sb_error_set(err, SB_ESKIP, "exhaustive: needs 2^%zu = %zu queries, budget is %zu",
                        ctx->n, need, ctx->budget);
  return SB_OK;
}

static int exhaustive_design(const sb_algo_ctx *ctx, sb_masks **masks, void **state,
                             sb_error *err) {
  *state = NULL;
  return sb_design_all(ctx->n, masks, err);
}

static int exhaustive_fit(const sb_algo_ctx *ctx, void *state, const sb_masks *masks,
                          const double *values, sb_fit *out, sb_error *err) {
  size_t N = (size_t)1 << ctx->n;
  double *a = malloc(N * sizeof *a);
  if (!a) return sb_error_set(err, SB_ENOMEM, "exhaustive: out of memory for 2^%zu values", ctx->n);
  for (size_t j = 0; j < masks->count; j++) a[sb_masks_at(masks, j)[0]] = values[j];
  double t0 = sb_wall_seconds();
  sb_fwht(a, (unsigned)ctx->n, 1, ctx->threads);
  sb_fit_phase_add(out, "transform", sb_wall_seconds() - t0);
  double tol = sb_params_double(ctx->params, "tol");
  out->surrogate = sb_spectrum_from_dense(a, (unsigned)ctx->n, SB_BASIS_FOURIER,
                                          tol > 0 ? tol : 0.0, err);
  free(a);
  return out->surrogate ? SB_OK : SB_ENOMEM;
}

const sb_algo_type sb_algo_exhaustive = {
    .name = "exhaustive",
    .summary = "all 2^n masks + fast Walsh-Hadamard transform (exact; n <= 30)",
    .params = exhaustive_params,
    .check = exhaustive_check,
    .design = exhaustive_design,
    .fit = exhaustive_fit,
    .flags = SB_ALGO_EXACT,
    .family = SB_ALGO_SPECTRAL,
};
