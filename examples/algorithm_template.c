/* MyAlgo: an additive (first-order) surrogate from uniform samples.  The
 * template of docs/ADDING_AN_ALGORITHM.md: compiled and run through
 * sb_algo_execute by tests/unit/test_registry.c, which also checks that the
 * doc quotes this file exactly.  A real algorithm names here the paper section
 * or equation it implements (e.g. ../shared/design/ALGORITHMS.md §6). */
#include <stdlib.h>
#include <string.h>

#include "algos/common.h"
#include "core/timer.h"

static const sb_param_def my_params[] = {
    {"min_budget", SB_PARAM_INT, "16", NULL, "smallest budget the algorithm accepts"},
    {"basis", SB_PARAM_ENUM, "fourier", "fourier|mobius", "basis of the returned surrogate"},
    {NULL, 0, NULL, NULL, NULL},
};

/* Optional: SB_ESKIP with the reason for runs that do not apply (shown as a
 * `skipped` row, never silently dropped); SB_EINVAL for bad parameter values. */
static int my_check(const sb_algo_ctx *ctx, sb_error *err) {
  long min_budget = sb_params_int(ctx->params, "min_budget");
  if (min_budget < 2)
    return sb_error_set(err, SB_EINVAL, "myalgo: min_budget = %ld, expected >= 2", min_budget);
  if (ctx->budget < (size_t)min_budget)
    return sb_error_set(err, SB_ESKIP, "myalgo: budget %zu is below min_budget = %ld",
                        ctx->budget, min_budget);
  return SB_OK;
}

/* The query design: a batch of masks.  Its DISTINCT count must fit ctx->budget
 * (the oracle counts distinct masks; repeats are free).  Use ctx->rng (seeded from the
 * run definition) for every random choice, ctx->design_seed for designs that should
 * nest across budgets.  Anything fit() needs goes in *state. */
static int my_design(const sb_algo_ctx *ctx, sb_masks **masks, void **state, sb_error *err) {
  *state = NULL;
  return sb_design_uniform_distinct(ctx->n, ctx->budget, ctx->rng, 0, masks, err);
}

/* Fit: values[j] is f(masks[j]).  Return the surrogate as a Fourier or Möbius
 * spectrum.  Here F(∅) = mean f and F({i}) = (mean f|x_i=0 − mean f|x_i=1) / 2,
 * since f(x) = Σ_k F(k) (−1)^{<k,x>}. */
static int my_fit(const sb_algo_ctx *ctx, void *state, const sb_masks *masks,
                  const double *values, sb_fit *out, sb_error *err) {
  (void)state;
  double t0 = sb_wall_seconds(), mean = 0;
  double *sum = calloc(2 * ctx->n, sizeof *sum), *cnt = calloc(2 * ctx->n, sizeof *cnt);
  sb_spectrum *f = sb_spectrum_alloc(SB_BASIS_FOURIER, ctx->n);
  int rc = sum && cnt && f ? SB_OK : sb_error_set(err, SB_ENOMEM, "myalgo: out of memory");
  for (size_t j = 0; !rc && j < masks->count; j++) {
    mean += values[j] / (double)masks->count;
    for (size_t i = 0; i < ctx->n; i++) {
      size_t side = 2 * i + (size_t)sb_mask_get(sb_masks_at(masks, j), i);
      sum[side] += values[j];
      cnt[side] += 1;
    }
  }
  if (!rc) rc = sb_spectrum_add_indices(f, NULL, 0, mean);
  for (size_t i = 0; !rc && i < ctx->n; i++)
    if (cnt[2 * i] > 0 && cnt[2 * i + 1] > 0)
      rc = sb_spectrum_add_indices(f, &i, 1,
                                   (sum[2 * i] / cnt[2 * i] - sum[2 * i + 1] / cnt[2 * i + 1]) / 2);
  free(sum);
  free(cnt);
  if (!rc && !strcmp(sb_params_str(ctx->params, "basis"), "mobius")) {
    sb_spectrum *m = sb_spectrum_convert(f, SB_BASIS_MOBIUS, 0, err); /* sets err if NULL */
    sb_spectrum_free(f);
    f = m;
    if (!m) rc = SB_ENOMEM;
  }
  if (rc) sb_spectrum_free(f);
  else out->surrogate = f; /* owned by the fit (sb_fit_clear) from here on */
  sb_fit_phase_add(out, "solve", sb_wall_seconds() - t0); /* optional finer timings */
  sb_fit_info(out, "samples=%zu", masks->count);          /* free-text notes kept in runs.csv */
  return rc;
}

const sb_algo_type sb_algo_myalgo = {
    .name = "myalgo",
    .summary = "one line for `spexbench list`",
    .params = my_params,
    .check = my_check,
    .design = my_design,
    .fit = my_fit,
    .state_free = NULL, /* frees *state */
};
