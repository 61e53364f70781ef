/* Uniform designs drawn from a sample pool shared by algorithms (experiment key
 * `shared_design = true`, docs/CONFIG.md): runs of uniform-design algorithms
 * (LIME, Banzhaf, Faith-Banzhaf, LASSO, ProxySPEX, ...) on one dataset instance
 * and repetition all take the first `budget` distinct masks of one generator
 * seeded by ctx->shared_seed, ∅ and [n] first, so a comparison of six methods
 * pays the model for one design (a smaller budget's design is a prefix of a
 * larger one's) and the methods are compared on identical masks. */
#ifndef SB_SHARED_DESIGN_H
#define SB_SHARED_DESIGN_H

#include "algos/algo.h"

/* With ctx->shared_seed: the shared pool's first ctx->budget distinct masks.
 * Without: sb_design_uniform_distinct(n, budget, own, include_ends) — exactly
 * what the algorithm drew before shared designs existed. */
int sb_design_uniform_ctx(const sb_algo_ctx *ctx, const gsl_rng *own, int include_ends,
                          sb_masks **out, sb_error *err);

#endif
