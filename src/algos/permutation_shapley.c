/* Permutation-sampling Shapley values (../shared/design/ALGORITHMS.md §6; Castro, Gómez & Tejada
 * 2009, "Polynomial calculation of the Shapley value based on sampling").
 * Each random permutation π gives the chain ∅ ⊂ {π1} ⊂ {π1,π2} ⊂ ... ⊂ [n]
 * and the marginal contribution f(P ∪ i) − f(P) of every feature i, with P the
 * features before i in π; φ_i is the mean over permutations.  ∅ and [n] are
 * shared by all chains, so a permutation costs at most n − 1 new distinct
 * queries; permutations are added while their new distinct masks fit the budget
 * (repeats are answered by the oracle's cache and not counted), and the number
 * used is reported.  Efficiency Σφ = f([n]) − f(∅) holds for every permutation.
 * Surrogate: Möbius {∅: f(∅)} ∪ {{i}: φ_i}. */
#include <stdlib.h>
#include <string.h>

#include "algos/baseline_util.h"
#include "algos/common.h"
#include "core/maskmap.h"

typedef struct {
  size_t perms;  /* permutations in the design */
  size_t *order; /* perms*n: π of each permutation */
} ps_state;

static void ps_state_free(void *p) {
  ps_state *s = p;
  if (!s) return;
  free(s->order);
  free(s);
}

static const sb_param_def ps_params[] = {
    {"max_perms", SB_PARAM_INT, "0", NULL, "cap on permutations (0 = as many as the budget allows)"},
    {NULL, 0, NULL, NULL, NULL},
};

static int ps_check(const sb_algo_ctx *ctx, sb_error *err) {
  if (ctx->n < 1) return sb_error_set(err, SB_EINVAL, "permutation-shapley: n = 0");
  size_t need = ctx->n >= 2 ? ctx->n + 1 : 2;
  if (ctx->budget < need)
    return sb_error_set(err, SB_ESKIP,
                        "permutation-shapley: budget %zu is below one permutation (%zu queries)",
                        ctx->budget, need);
  return SB_OK;
}

/* Layout: mask index p*(n+1) + k is the prefix of length k of permutation p. */
static int ps_design(const sb_algo_ctx *ctx, sb_masks **out, void **state, sb_error *err) {
  *out = NULL;
  *state = NULL;
  size_t n = ctx->n, budget = ctx->budget;
  long cap = sb_params_int(ctx->params, "max_perms");
  ps_state *st = calloc(1, sizeof *st);
  sb_masks *m = sb_masks_alloc(n, 0);
  sb_maskmap set; /* distinct masks of the design so far */
  int set_rc = sb_maskmap_init(&set, sb_mask_words(n), budget);
  size_t *perm = malloc(n * sizeof *perm);
  uint64_t *x = calloc(sb_mask_words(n), sizeof *x);
  size_t cap_order = 16;
  int rc = SB_OK;
  if (st) st->order = malloc(cap_order * n * sizeof *st->order);
  if (!st || !m || set_rc || !perm || !x || !st->order) {
    rc = sb_error_set(err, SB_ENOMEM, "permutation-shapley: out of memory");
    goto fail;
  }
  size_t stall = 0, max_stall = 1000;
  while ((cap <= 0 || st->perms < (size_t)cap) && stall < max_stall) {
    sb_random_permutation(perm, n, ctx->rng);
    size_t base = m->count;
    if (sb_masks_reserve(m, base + n + 1)) goto nomem;
    memset(x, 0, sb_mask_words(n) * sizeof *x);
    size_t fresh = 0;
    for (size_t k = 0; k <= n; k++) {
      if (k) sb_mask_set(x, perm[k - 1]);
      sb_masks_push(m, x);
      if (sb_maskmap_find(&set, m->bits, x) < 0) fresh++;
    }
    if (set.count + fresh > budget) { /* does not fit: drop it and stop */
      m->count = base;
      break;
    }
    for (size_t k = 0; k <= n; k++)
      if (sb_maskmap_add_row(&set, m, base + k) < 0) goto nomem;
    stall = fresh ? 0 : stall + 1;
    if (st->perms == cap_order) {
      size_t *o = realloc(st->order, 2 * cap_order * n * sizeof *o);
      if (!o) goto nomem;
      st->order = o;
      cap_order *= 2;
    }
    memcpy(st->order + st->perms * n, perm, n * sizeof *perm);
    st->perms++;
  }
  sb_maskmap_release(&set);
  free(perm);
  free(x);
  *out = m;
  *state = st;
  return SB_OK;
nomem:
  rc = sb_error_set(err, SB_ENOMEM, "permutation-shapley: out of memory");
fail:
  sb_maskmap_release(&set);
  sb_masks_free(m);
  ps_state_free(st);
  free(perm);
  free(x);
  return rc;
}

static int ps_fit(const sb_algo_ctx *ctx, void *state, const sb_masks *masks,
                  const double *values, sb_fit *out, sb_error *err) {
  ps_state *st = state;
  size_t n = ctx->n;
  if (st->perms == 0) return sb_error_set(err, SB_ENUMERIC, "permutation-shapley: no permutation");
  double *phi = calloc(n, sizeof *phi);
  if (!phi) return sb_error_set(err, SB_ENOMEM, "permutation-shapley: out of memory");
  for (size_t p = 0; p < st->perms; p++) {
    const double *v = values + p * (n + 1);
    const size_t *perm = st->order + p * n;
    for (size_t k = 0; k < n; k++) phi[perm[k]] += v[k + 1] - v[k];
  }
  out->surrogate = sb_spectrum_alloc(SB_BASIS_MOBIUS, n);
  if (!out->surrogate) {
    free(phi);
    return sb_error_set(err, SB_ENOMEM, "permutation-shapley: out of memory");
  }
  sb_spectrum_put(out->surrogate, sb_masks_at(masks, 0), values[0]);
  for (size_t i = 0; i < n; i++)
    sb_spectrum_add_indices(out->surrogate, &i, 1, phi[i] / (double)st->perms);
  free(phi);
  sb_fit_info(out, "permutations=%zu", st->perms);
  return SB_OK;
}

const sb_algo_type sb_algo_permutation_shapley = {
    .name = "permutation-shapley",
    .summary = "Shapley values by permutation sampling (Castro et al. 2009)",
    .params = ps_params,
    .check = ps_check,
    .design = ps_design,
    .fit = ps_fit,
    .state_free = ps_state_free,
    .family = SB_ALGO_MARGINAL,
};
