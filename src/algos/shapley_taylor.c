/* Shapley–Taylor interaction index of order ℓ (../shared/design/ALGORITHMS.md §3, §6; Sundararajan
 * et al. 2020).  STII(S) = a(S) for |S| < ℓ, and for |S| = ℓ
 *   STII(S) = E_π Δ_S f(P_π(S)),  Δ_S f(P) = Σ_{L ⊆ S} (−1)^{ℓ−|L|} f(P ∪ L),
 * with P_π(S) the features before the first element of S in π.
 * Design (costs stated honestly):
 *  1. every set of size < ℓ: Σ_{s<ℓ} C(n, s) queries; a(S) for |S| < ℓ by
 *     inclusion–exclusion over them (exact);
 *  2. whole permutations: each gives Δ_S for all C(n, ℓ) sets S of size ℓ, i.e.
 *     up to C(n,ℓ)·2^ℓ masks P ∪ L (fewer distinct ones: prefixes are shared).
 *     Permutations are added while their new distinct masks fit the budget.
 * If the game has no Möbius term above order ℓ, Δ_S f(P) = a(S) for every P
 * and the estimate is exact with one permutation (a unit test).
 * Surrogate: the Möbius spectrum {S: STII(S), |S| <= ℓ} (Σ_S STII(S) = f([n])
 * in expectation; the Taylor expansion of the game truncated at order ℓ). */
#include <stdlib.h>
#include <string.h>

#include "algos/baseline_util.h"
#include "algos/common.h"
#include "core/maskmap.h"

typedef struct {
  size_t lower;  /* masks of part 1 (all sets of size < ℓ, ∅ first) */
  size_t block;  /* masks per permutation: C(n,ℓ)·2^ℓ */
  size_t perms;  /* permutations in part 2 */
  size_t *order; /* perms*n */
} st_state;

static void st_state_free(void *p) {
  st_state *s = p;
  if (!s) return;
  free(s->order);
  free(s);
}

static const sb_param_def st_params[] = {
    {"order", SB_PARAM_INT, "2", NULL, "interaction order ℓ"},
    {"force", SB_PARAM_BOOL, "false", NULL, "run even where the order skip rule applies"},
    {NULL, 0, NULL, NULL, NULL},
};

#define ST_MAX_BLOCK 5e7 /* masks per permutation we are willing to lay out */

static int st_check(const sb_algo_ctx *ctx, sb_error *err) {
  long l = sb_params_int(ctx->params, "order");
  if (l < 1 || (size_t)l > ctx->n || l > 20)
    return sb_error_set(err, SB_EINVAL, "shapley-taylor: order = %ld: expected 1..min(n, 20)", l);
  int rc = sb_order_skip_rule(ctx->n, l, sb_params_bool(ctx->params, "force"), "shapley-taylor",
                              err);
  if (rc) return rc;
  double lower = 1 + sb_choose_sum_upto(ctx->n, l - 1);
  double block = sb_choose(ctx->n, (size_t)l) * (double)(1u << l);
  if (block > ST_MAX_BLOCK)
    return sb_error_set(err, SB_ESKIP, "shapley-taylor: %.3g masks per permutation (limit %.3g)",
                        block, ST_MAX_BLOCK);
  if ((double)ctx->budget < lower + 1)
    return sb_error_set(err, SB_ESKIP,
                        "shapley-taylor: budget %zu does not cover the %.0f sets of size < %ld "
                        "plus one permutation",
                        ctx->budget, lower, l);
  return SB_OK;
}

/* Calls back for every (S, L) of one permutation in the fixed layout order:
 * k = position of S's first element, then the other ℓ−1 positions (a
 * combination of k+1..n−1), then L as bits over S's elements in that order. */
static void st_mask(const size_t *perm, size_t k, const size_t *rest, size_t l, unsigned L,
                    uint64_t *x, size_t words) {
  memset(x, 0, words * sizeof *x);
  for (size_t i = 0; i < k; i++) sb_mask_set(x, perm[i]);
  if (L & 1u) sb_mask_set(x, perm[k]);
  for (size_t j = 0; j + 1 < l; j++)
    if (L & (1u << (j + 1))) sb_mask_set(x, perm[rest[j]]);
}

static int st_design(const sb_algo_ctx *ctx, sb_masks **out, void **state, sb_error *err) {
  *out = NULL;
  *state = NULL;
  size_t n = ctx->n, budget = ctx->budget, words = sb_mask_words(n);
  size_t l = (size_t)sb_params_int(ctx->params, "order");
  st_state *st = calloc(1, sizeof *st);
  sb_masks *m = sb_masks_alloc(n, 0);
  sb_maskmap set, local; /* the design's distinct masks; new ones of one permutation */
  int set_rc = sb_maskmap_init(&set, words, budget);
  memset(&local, 0, sizeof local);
  size_t *perm = malloc(n * sizeof *perm), *rest = malloc((l + 1) * sizeof *rest);
  uint64_t *x = calloc(words, sizeof *x);
  size_t cap_order = 16;
  int rc = SB_OK;
  if (st) st->order = malloc(cap_order * n * sizeof *st->order);
  if (!st || !m || set_rc || !perm || !rest || !x || !st->order) goto nomem;
  /* part 1: ∅ then all sets of size 1..ℓ−1 */
  if (!sb_masks_push_zero(m)) goto nomem;
  if (l > 1 && (rc = sb_enumerate_sets_upto(n, (long)l - 1, m, err))) goto fail;
  for (size_t j = 0; j < m->count; j++)
    if (sb_maskmap_add_row(&set, m, j) < 0) goto nomem;
  st->lower = m->count;
  st->block = (size_t)(sb_choose(n, l) * (double)(1u << l) + 0.5);
  /* part 2: whole permutations while they fit */
  size_t stall = 0, max_stall = 1000;
  while (stall < max_stall) {
    sb_random_permutation(perm, n, ctx->rng);
    size_t base = m->count, fresh = 0;
    if (sb_masks_reserve(m, base + st->block)) goto nomem;
    if (sb_maskmap_init(&local, words, st->block)) goto nomem;
    for (size_t k = 0; k + l <= n; k++) {
      sb_comb_first(rest, l - 1);
      for (size_t j = 0; j + 1 < l; j++) rest[j] += k + 1;
      do {
        for (unsigned L = 0; L < (1u << l); L++) {
          st_mask(perm, k, rest, l, L, x, words);
          sb_masks_push(m, x);
          if (sb_maskmap_find(&set, m->bits, x) < 0 && sb_maskmap_find(&local, m->bits, x) < 0) {
            if (sb_maskmap_add_row(&local, m, m->count - 1) < 0) goto nomem;
            fresh++;
          }
        }
      } while (sb_comb_next(rest, l - 1, n)); /* l−1 positions among k+1..n−1 */
    }
    sb_maskmap_release(&local);
    if (set.count + fresh > budget) {
      m->count = base;
      break;
    }
    for (size_t j = base; j < m->count; j++)
      if (sb_maskmap_add_row(&set, m, j) < 0) goto nomem;
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
  if (st->perms == 0) {
    rc = sb_error_set(err, SB_ESKIP,
                      "shapley-taylor: budget %zu covers the %zu lower-order sets but not one "
                      "permutation of order %zu (up to %zu masks)",
                      budget, st->lower, l, st->block);
    goto fail;
  }
  sb_maskmap_release(&set);
  free(perm);
  free(rest);
  free(x);
  *out = m;
  *state = st;
  return SB_OK;
nomem:
  rc = sb_error_set(err, SB_ENOMEM, "shapley-taylor: out of memory");
fail:
  sb_maskmap_release(&set);
  sb_maskmap_release(&local);
  sb_masks_free(m);
  st_state_free(st);
  free(perm);
  free(rest);
  free(x);
  return rc;
}

static int st_fit(const sb_algo_ctx *ctx, void *state, const sb_masks *masks,
                  const double *values, sb_fit *out, sb_error *err) {
  st_state *st = state;
  size_t n = ctx->n, l = (size_t)sb_params_int(ctx->params, "order"), words = masks->words;
  sb_spectrum *sur = sb_spectrum_alloc(SB_BASIS_MOBIUS, n);
  sb_maskmap lower; /* the lower-order part: the first st->lower masks */
  size_t *idx = malloc(n * sizeof *idx), *rest = malloc((l + 1) * sizeof *rest);
  uint64_t *x = calloc(words, sizeof *x), *S = calloc(words, sizeof *S);
  int rc = SB_OK;
  int lower_rc = sb_maskmap_init(&lower, words, st->lower);
  if (!sur || lower_rc || !idx || !rest || !x || !S) goto nomem;
  for (size_t j = 0; j < st->lower; j++) sb_maskmap_add_row(&lower, masks, j);
  /* part 1: a(S) = Σ_{T ⊆ S} (−1)^{|S|−|T|} f(T) */
  for (size_t j = 0; j < st->lower; j++) {
    const uint64_t *T = sb_masks_at(masks, j);
    size_t s = sb_mask_indices(T, words, idx);
    double a = 0;
    for (unsigned sub = 0; sub < (1u << s); sub++) {
      memset(x, 0, words * sizeof *x);
      for (size_t i = 0; i < s; i++)
        if (sub & (1u << i)) sb_mask_set(x, idx[i]);
      long t = sb_maskmap_find(&lower, masks->bits, x);
      if (t < 0) {
        rc = sb_error_set(err, SB_EINVAL, "shapley-taylor: internal: subset not in design");
        goto done;
      }
      a += ((s - (size_t)__builtin_popcount(sub)) & 1 ? -1.0 : 1.0) * values[t];
    }
    if (sb_spectrum_put(sur, T, a)) goto nomem;
  }
  /* part 2: STII(S) = mean over permutations of Δ_S f(P_π(S)) */
  double inv = 1.0 / (double)st->perms;
  size_t pos = st->lower;
  for (size_t p = 0; p < st->perms; p++) {
    const size_t *perm = st->order + p * n;
    for (size_t k = 0; k + l <= n; k++) {
      sb_comb_first(rest, l - 1);
      for (size_t j = 0; j + 1 < l; j++) rest[j] += k + 1;
      do {
        double d = 0;
        for (unsigned L = 0; L < (1u << l); L++, pos++)
          d += ((l - (size_t)__builtin_popcount(L)) & 1 ? -1.0 : 1.0) * values[pos];
        memset(S, 0, words * sizeof *S);
        sb_mask_set(S, perm[k]);
        for (size_t j = 0; j + 1 < l; j++) sb_mask_set(S, perm[rest[j]]);
        if (sb_spectrum_add(sur, S, d * inv)) goto nomem;
      } while (sb_comb_next(rest, l - 1, n));
    }
  }
  if (pos != masks->count) {
    rc = sb_error_set(err, SB_EINVAL, "shapley-taylor: internal: layout mismatch (%zu != %zu)",
                      pos, masks->count);
    goto done;
  }
  out->surrogate = sur;
  sur = NULL;
  sb_fit_info(out, "order=%zu lower_sets=%zu permutations=%zu masks_per_permutation=%zu", l,
              st->lower, st->perms, st->block);
  goto done;
nomem:
  rc = sb_error_set(err, SB_ENOMEM, "shapley-taylor: out of memory");
done:
  sb_spectrum_free(sur);
  sb_maskmap_release(&lower);
  free(idx);
  free(rest);
  free(x);
  free(S);
  return rc;
}

const sb_algo_type sb_algo_shapley_taylor = {
    .name = "shapley-taylor",
    .summary = "Shapley-Taylor index of order ℓ: lower orders exact, top order by permutations",
    .params = st_params,
    .check = st_check,
    .design = st_design,
    .fit = st_fit,
    .state_free = st_state_free,
    .family = SB_ALGO_INDEX,
};
