/* The shared uniform sample pool (shared_design.h). */
#include "algos/shared_design.h"

#include "algos/common.h"
#include "core/seed.h"

int sb_design_uniform_ctx(const sb_algo_ctx *ctx, const gsl_rng *own, int include_ends,
                          sb_masks **out, sb_error *err) {
  if (!ctx->shared_seed)
    return sb_design_uniform_distinct(ctx->n, ctx->budget, own, include_ends, out, err);
  gsl_rng *r = sb_rng_alloc(ctx->shared_seed);
  if (!r) return sb_error_set(err, SB_ENOMEM, "out of memory");
  int rc = sb_design_uniform_distinct(ctx->n, ctx->budget, r, 1, out, err);
  gsl_rng_free(r);
  return rc;
}
