/* KernelSHAP (../shared/design/ALGORITHMS.md §6; Lundberg & Lee 2017) and its order-ℓ
 * generalisation Faith-Shapley (FSII, Tsai et al. 2023), which share one design
 * and one solver:
 *  - design: ∅ and [n] always, whole size levels (s, n−s) enumerated while the
 *    budget covers their kernel share, paired samples with sizes from the
 *    Shapley kernel mass (n−1)/(s(n−s)) otherwise (sb_kernel_design);
 *  - fit: weighted least squares on Möbius features of order <= ℓ (ℓ = 1:
 *    KernelSHAP) with per-coalition Shapley kernel weights
 *    μ(t) ∝ 1/((n−1)·C(n−2, t−1)), and ∅, [n] as exact constraints (the limit of
 *    shapiq's very large weight): a(∅) = f(∅) and Σ_S β_S = f([n]) − f(∅), so
 *    efficiency holds exactly at every budget.  The constraint plane is
 *    parametrised by an orthonormal basis and the reduced problem solved by SVD
 *    (sb_constrained_wls: the minimum-norm constrained solution when samples
 *    are fewer than features).  No L1 feature selection.
 * With all 2^n masks the result is the exact Shapley value / exact FSII.
 * Surrogate: Möbius spectrum {∅: f(∅)} ∪ {S: β_S, 1 <= |S| <= ℓ}. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "algos/baseline_util.h"
#include "algos/common.h"

typedef struct {
  double *weights; /* regression weight per design mask (0 for ∅ and [n]) */
  size_t levels;   /* size levels enumerated */
} ks_state;

static void ks_state_free(void *p) {
  ks_state *s = p;
  if (!s) return;
  free(s->weights);
  free(s);
}

static const sb_param_def ks_params[] = {
    {NULL, 0, NULL, NULL, NULL},
};

static const sb_param_def fs_params[] = {
    {"order", SB_PARAM_INT, "2", NULL, "interaction order ℓ (1 = Shapley values)"},
    {"force", SB_PARAM_BOOL, "false", NULL, "run even where the order skip rule applies"},
    {NULL, 0, NULL, NULL, NULL},
};

static long ks_order(const sb_algo_ctx *ctx, int faith) {
  return faith ? sb_params_int(ctx->params, "order") : 1;
}

static int check_common(const sb_algo_ctx *ctx, int faith, sb_error *err) {
  const char *name = faith ? "faith-shap" : "kernelshap";
  long order = ks_order(ctx, faith);
  if (ctx->n < 2)
    return sb_error_set(err, SB_ESKIP, "%s: needs n >= 2 (n = %zu)", name, ctx->n);
  if (order < 1 || (size_t)order > ctx->n)
    return sb_error_set(err, SB_EINVAL, "%s: order = %ld: expected 1..n (n = %zu)", name, order,
                        ctx->n);
  if (faith) {
    int rc = sb_order_skip_rule(ctx->n, order, sb_params_bool(ctx->params, "force"), name, err);
    if (rc) return rc;
  }
  if (ctx->budget < 2)
    return sb_error_set(err, SB_ESKIP, "%s: budget %zu is below the minimum of 2 (∅ and [n])",
                        name, ctx->budget);
  return SB_OK;
}

static int ks_check(const sb_algo_ctx *ctx, sb_error *err) { return check_common(ctx, 0, err); }
static int fs_check(const sb_algo_ctx *ctx, sb_error *err) { return check_common(ctx, 1, err); }

static int ks_design(const sb_algo_ctx *ctx, sb_masks **masks, void **state, sb_error *err) {
  *state = NULL;
  ks_state *st = calloc(1, sizeof *st);
  if (!st) return sb_error_set(err, SB_ENOMEM, "kernel design: out of memory");
  int rc = sb_kernel_design(ctx->n, ctx->budget, ctx->rng, masks, &st->weights, &st->levels, err);
  if (rc) {
    free(st);
    return rc;
  }
  *state = st;
  return SB_OK;
}

static int fit_common(const sb_algo_ctx *ctx, int faith, ks_state *st, const sb_masks *masks,
                      const double *values, sb_fit *out, sb_error *err) {
  const char *name = faith ? "faith-shap" : "kernelshap";
  long order = ks_order(ctx, faith);
  size_t n = ctx->n;
  sb_masks *sets = sb_masks_alloc(n, 0);
  double *beta = NULL;
  if (!sets) return sb_error_set(err, SB_ENOMEM, "%s: out of memory", name);
  int rc = sb_enumerate_sets_upto(n, order, sets, err);
  if (rc) goto done;
  beta = malloc(sets->count * sizeof *beta);
  if (!beta) {
    rc = sb_error_set(err, SB_ENOMEM, "%s: out of memory", name);
    goto done;
  }
  /* the design puts ∅ at 0 and [n] at 1 */
  double f0 = values[0], fN = values[1];
  size_t rank = 0;
  rc = sb_constrained_wls(masks, values, st->weights, sets, f0, fN, beta, &rank, err);
  if (rc) {
    sb_error_prefix(err, "%s", name);
    goto done;
  }
  out->surrogate = sb_spectrum_alloc(SB_BASIS_MOBIUS, n);
  if (!out->surrogate) {
    rc = sb_error_set(err, SB_ENOMEM, "%s: out of memory", name);
    goto done;
  }
  sb_spectrum_put(out->surrogate, sb_masks_at(masks, 0), f0);
  for (size_t j = 0; j < sets->count; j++)
    if ((rc = sb_spectrum_put(out->surrogate, sb_masks_at(sets, j), beta[j]))) {
      rc = sb_error_set(err, SB_ENOMEM, "%s: out of memory", name);
      goto done;
    }
  sb_fit_info(out, "order=%ld features=%zu rank=%zu levels_enumerated=%zu samples=%zu", order,
              sets->count, rank, st->levels, masks->count);
done:
  free(beta);
  sb_masks_free(sets);
  return rc;
}

static int ks_fit(const sb_algo_ctx *ctx, void *state, const sb_masks *masks,
                  const double *values, sb_fit *out, sb_error *err) {
  return fit_common(ctx, 0, state, masks, values, out, err);
}
static int fs_fit(const sb_algo_ctx *ctx, void *state, const sb_masks *masks,
                  const double *values, sb_fit *out, sb_error *err) {
  return fit_common(ctx, 1, state, masks, values, out, err);
}

const sb_algo_type sb_algo_kernelshap = {
    .name = "kernelshap",
    .summary = "KernelSHAP: Shapley-kernel weighted LS, paired sampling, exact efficiency",
    .params = ks_params,
    .check = ks_check,
    .design = ks_design,
    .fit = ks_fit,
    .state_free = ks_state_free,
    .family = SB_ALGO_MARGINAL,
};

const sb_algo_type sb_algo_faith_shap = {
    .name = "faith-shap",
    .summary = "Faith-Shapley (FSII) of order ℓ: kernel-weighted LS on Möbius features",
    .params = fs_params,
    .check = fs_check,
    .design = ks_design,
    .fit = fs_fit,
    .state_free = ks_state_free,
    .family = SB_ALGO_INDEX,
};
