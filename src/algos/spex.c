/* SPEX, the sparse spectral explainer (../shared/design/ALGORITHMS.md §4), as a harness algorithm.
 *
 * design: budget -> (b, t) (largest b with N(b) = C·P·2^b <= budget, t lowered
 *         towards 2 when b <= 2), then the BCH-coded masks x = M_c ℓ ⊕ d_p
 *         (src/spex/design.c), streamed to the oracle in chunks (design_chunk):
 *         only the answers are kept, never the whole block of masks.  Hash
 *         matrices come from ctx->design_seed only, so designs for smaller
 *         budgets are nested in those for larger ones.
 * fit:    per-(group, delay) WHTs, the peeling decoder with hard or soft (Chase)
 *         BCH decoding (src/spex/peel.c), then the refit on SPEX's own samples
 *         (src/spex/refit.c): lasso (published default), ridge, ols or none.
 * Output: a Fourier spectrum.  Phases "transform+peel" and "refit" are recorded
 * inside "fit"; info carries b, t, P, samples, recovered count and refit details. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "algos/algo.h"
#include "core/timer.h"
#include "spex/spex.h"

static const sb_param_def spex_params[] = {
    {"t", SB_PARAM_INT, "5", NULL, "BCH error-correcting capability (max recoverable degree)"},
    {"C", SB_PARAM_INT, "3", NULL, "number of hash groups"},
    {"b", SB_PARAM_INT, "0", NULL, "2^b bins per group (0 = the largest b the budget allows)"},
    {"b_max", SB_PARAM_INT, "12", NULL, "cap on the budget-derived b"},
    {"decoder", SB_PARAM_ENUM, "soft", "soft|hard", "BCH decoding: soft (Chase) or hard"},
    {"refit", SB_PARAM_ENUM, "lasso", "lasso|ridge|ols|none",
     "regression on the recovered support (+ ∅ and singletons for lasso/ridge)"},
    {"folds", SB_PARAM_INT, "5", NULL, "cross-validation folds of the refit (blocks of rows)"},
    {"lambdas", SB_PARAM_INT, "40", NULL, "length of the λ (or α) path of the refit"},
    {"max_features", SB_PARAM_INT, "0", NULL,
     "refit columns kept by screening singletons on |X'y| (0 = samples/4)"},
    {"lambda_eps", SB_PARAM_DOUBLE, "1e-4", NULL, "λ_min / λ_max of the lasso path"},
    {"zero_tol", SB_PARAM_DOUBLE, "1e-9", NULL, "zeroton threshold ||U||² <= P(zero_tol + 1.5σ²/2^b)"},
    {"verify", SB_PARAM_DOUBLE, "0.9", NULL, "singleton accepted if residual/energy < verify"},
    {"rounds", SB_PARAM_INT, "100", NULL, "maximum peeling rounds"},
    {"chase", SB_PARAM_ENUM, "first", "first|best",
     "soft decoding: first verified Chase candidate, or the best-fitting one"},
    {NULL, 0, NULL, NULL, NULL},
};

typedef struct spex_state {
  sb_spex_design *design;
} spex_state;

static void spex_state_free(void *vs) {
  spex_state *s = vs;
  if (!s) return;
  sb_spex_design_free(s->design);
  free(s);
}

/* Resolve (b, t) from the parameters and the budget. */
static int spex_resolve(const sb_algo_ctx *ctx, unsigned *b, unsigned *t, sb_error *err) {
  long tp = sb_params_int(ctx->params, "t"), Cp = sb_params_int(ctx->params, "C");
  long bp = sb_params_int(ctx->params, "b"), bmax = sb_params_int(ctx->params, "b_max");
  if (tp < 1 || tp > SB_BCH_MAX_T)
    return sb_error_set(err, SB_EINVAL, "spex: t = %ld: expected 1..%d", tp, SB_BCH_MAX_T);
  if (Cp < 1 || Cp > 64) return sb_error_set(err, SB_EINVAL, "spex: C = %ld: expected 1..64", Cp);
  if (bp < 0 || bp > SB_SPEX_MAX_B || bmax < 1 || bmax > SB_SPEX_MAX_B)
    return sb_error_set(err, SB_EINVAL, "spex: b = %ld, b_max = %ld: expected b in 0..%d, b_max in 1..%d",
                        bp, bmax, SB_SPEX_MAX_B, SB_SPEX_MAX_B);
  if (sb_params_int(ctx->params, "max_features") < 0)
    return sb_error_set(err, SB_EINVAL, "spex: max_features must be >= 0");
  if (sb_params_int(ctx->params, "folds") < 2 || sb_params_int(ctx->params, "lambdas") < 1 ||
      sb_params_int(ctx->params, "rounds") < 1)
    return sb_error_set(err, SB_EINVAL, "spex: folds >= 2, lambdas >= 1 and rounds >= 1 expected");
  if (bp == 0)
    return sb_spex_budget_to_b(ctx->n, ctx->budget, (unsigned)tp, (unsigned)Cp, (unsigned)bmax,
                               b, t, err);
  size_t N = sb_spex_sample_count(ctx->n, (unsigned)tp, (unsigned)Cp, (unsigned)bp, err);
  if (!N) return err ? err->code : SB_EINVAL;
  if (N > ctx->budget)
    return sb_error_set(err, SB_ESKIP, "spex: b = %ld needs %zu queries, budget is %zu", bp, N,
                        ctx->budget);
  *b = (unsigned)bp;
  *t = (unsigned)tp;
  return SB_OK;
}

static int spex_check(const sb_algo_ctx *ctx, sb_error *err) {
  unsigned b, t;
  return spex_resolve(ctx, &b, &t, err);
}

/* masks == NULL: the state only (the driver streams the masks). */
static int spex_design(const sb_algo_ctx *ctx, sb_masks **masks, void **state, sb_error *err) {
  *state = NULL;
  if (masks) *masks = NULL;
  unsigned b, t;
  int rc = spex_resolve(ctx, &b, &t, err);
  if (rc) return rc;
  spex_state *s = calloc(1, sizeof *s);
  if (!s) return sb_error_set(err, SB_ENOMEM, "spex: out of memory");
  s->design = sb_spex_design_alloc(ctx->n, t, (unsigned)sb_params_int(ctx->params, "C"), b,
                                   ctx->design_seed, err);
  if (!s->design) {
    spex_state_free(s);
    return err ? err->code : SB_ENOMEM;
  }
  rc = masks ? sb_spex_design_masks(s->design, masks, err) : SB_OK;
  if (rc) {
    spex_state_free(s);
    return rc;
  }
  *state = s;
  return SB_OK;
}

static size_t spex_design_count(const void *vstate) {
  return ((const spex_state *)vstate)->design->samples;
}

static int spex_design_chunk(const void *vstate, size_t first, sb_masks *out, sb_error *err) {
  const sb_spex_design *d = ((const spex_state *)vstate)->design;
  if (out->n != d->n || first + out->count > d->samples)
    return sb_error_set(err, SB_EINVAL, "spex: rows %zu..%zu of a design of %zu", first,
                        first + out->count, d->samples);
  sb_spex_design_rows(d, first, out->count, out->bits);
  return SB_OK;
}

static int spex_fit(const sb_algo_ctx *ctx, void *vstate, const sb_masks *masks,
                    const double *values, sb_fit *out, sb_error *err) {
  const spex_state *s = vstate;
  const sb_spex_design *d = s->design;
  if (masks && masks->count != d->samples)
    return sb_error_set(err, SB_EINVAL, "spex: got %zu answers for a design of %zu", masks->count,
                        d->samples);
  for (size_t i = 0; i < d->samples; i++)
    if (!isfinite(values[i]))
      return sb_error_set(err, SB_ENUMERIC, "spex: answer %zu of %zu is not finite (%g)", i,
                          d->samples, values[i]);
  double t0 = sb_wall_seconds();
  size_t ulen = d->samples; /* C * 2^b bins * P = samples */
  double *U = malloc(ulen * sizeof *U), *U0 = malloc(ulen * sizeof *U0);
  sb_spectrum *spec = sb_spectrum_alloc(SB_BASIS_FOURIER, ctx->n);
  int rc = SB_OK;
  if (!U || !U0 || !spec) {
    rc = sb_error_set(err, SB_ENOMEM, "spex: out of memory");
    goto done;
  }
  rc = sb_spex_transform(d, values, U, err);
  if (rc) goto done;
  memcpy(U0, U, ulen * sizeof *U);
  sb_spex_peel_opts po;
  sb_spex_peel_opts_default(&po);
  po.soft = !strcmp(sb_params_str(ctx->params, "decoder"), "soft");
  po.sigma = ctx->noise_sigma;
  po.zero_tol = sb_params_double(ctx->params, "zero_tol");
  po.verify_ratio = sb_params_double(ctx->params, "verify");
  po.max_rounds = (unsigned)sb_params_int(ctx->params, "rounds");
  po.chase_best = !strcmp(sb_params_str(ctx->params, "chase"), "best");
  sb_spex_peel_stats ps;
  rc = sb_spex_peel(d, U, &po, spec, &ps, err);
  if (rc) goto done;
  size_t recovered = sb_spectrum_size(spec);
  double t1 = sb_wall_seconds();
  sb_fit_phase_add(out, "transform+peel", t1 - t0);
  sb_spex_refit_opts ro;
  sb_spex_refit_opts_default(&ro);
  const char *rk = sb_params_str(ctx->params, "refit");
  ro.kind = !strcmp(rk, "lasso")   ? SB_SPEX_REFIT_LASSO
            : !strcmp(rk, "ridge") ? SB_SPEX_REFIT_RIDGE
            : !strcmp(rk, "ols")   ? SB_SPEX_REFIT_OLS
                                   : SB_SPEX_REFIT_NONE;
  ro.folds = (size_t)sb_params_int(ctx->params, "folds");
  ro.n_lambda = (size_t)sb_params_int(ctx->params, "lambdas");
  ro.eps = sb_params_double(ctx->params, "lambda_eps");
  ro.max_features = (size_t)sb_params_int(ctx->params, "max_features");
  sb_spex_refit_stats rs = {0};
  rc = sb_spex_refit(d, U0, values, &ro, spec, &rs, err);
  if (rc) goto done;
  sb_fit_phase_add(out, "refit", sb_wall_seconds() - t1);
  sb_fit_info(out, "b=%u t=%u C=%u P=%zu samples=%zu recovered=%zu rounds=%zu decodes=%zu "
              "left_bins=%zu refit=%s",
              d->b, d->t, d->C, d->P, d->samples, recovered, ps.rounds, ps.decodes, ps.left_bins,
              rk);
  if (ro.kind != SB_SPEX_REFIT_NONE)
    sb_fit_info(out,
                "refit_features=%zu refit_screened=%zu refit_pairs=%zu refit_nonzero=%zu "
                "penalty=%g path=%zu",
                rs.features, rs.screened, rs.gram_pairs, rs.nonzero, rs.penalty, rs.path_len);
  out->surrogate = spec;
  spec = NULL;
done:
  free(U);
  free(U0);
  sb_spectrum_free(spec);
  return rc;
}

const sb_algo_type sb_algo_spex = {
    .name = "spex",
    .summary = "SPEX: BCH-coded aliasing design, hard/soft peeling decoder, lasso refit (§4)",
    .params = spex_params,
    .check = spex_check,
    .design = spex_design,
    .fit = spex_fit,
    .state_free = spex_state_free,
    .family = SB_ALGO_SPECTRAL,
    .design_count = spex_design_count,
    .design_chunk = spex_design_chunk,
    .flags = SB_ALGO_SAMPLED_DESIGN, /* sized in samples that may repeat */
};
