/* Helpers shared by the baselines of ALGORITHMS.md §6 (KernelSHAP, Faith-Shapley,
 * LIME, permutation sampling, Shapley–Taylor): a distinct-mask set, the Shapley
 * kernel design with paired sampling and whole size levels, the efficiency-
 * constrained weighted least squares, and the combination iterator. */
#ifndef SB_BASELINE_UTIL_H
#define SB_BASELINE_UTIL_H

#include <gsl/gsl_rng.h>
#include <stddef.h>
#include <stdint.h>

#include "algos/algo.h"

/* ---- a set of distinct masks (indices into a batch) ---------------------- */
typedef struct sb_maskset {
  const sb_masks *batch; /* masks referenced by index (not owned) */
  size_t *slots;         /* batch index + 1, 0 = empty */
  size_t nslots;         /* power of two */
  size_t count;          /* distinct masks inserted */
} sb_maskset;

/* Caller frees with sb_maskset_free.  NULL on ENOMEM. */
sb_maskset *sb_maskset_alloc(const sb_masks *batch, size_t expected);
void sb_maskset_free(sb_maskset *s);
/* Index in the batch of a mask equal to `m`, or -1. */
long sb_maskset_find(const sb_maskset *s, const uint64_t *m);
/* Register batch entry j: returns its first index (j itself when new; then
 * count grows) or -1 on ENOMEM. */
long sb_maskset_insert(sb_maskset *s, size_t j);

/* ---- combinations --------------------------------------------------------- */
/* First combination of k out of n in c[0..k) (c = 0,1,...,k-1). */
void sb_comb_first(size_t *c, size_t k);
/* Next combination in lexicographic order; 0 when exhausted. */
int sb_comb_next(size_t *c, size_t k, size_t n);
/* C(n, k) as a double. */
double sb_choose(size_t n, size_t k);

/* ---- Shapley-kernel design (KernelSHAP, FSII) ----------------------------- */
/* Masks: ∅ and [n] first, then whole size levels (s, n−s) enumerated in order
 * s = 1, 2, ... while the budget's share of the kernel mass covers them (SHAP's
 * rule), then paired samples (a mask and its complement) with sizes drawn from
 * the Shapley kernel mass ∝ 1/(s(n−s)) over the remaining levels, until
 * `budget` distinct masks.  weights[j] is the regression weight of mask j:
 * per-coalition kernel (n−1)/(C(n,s) s (n−s)) on enumerated levels, the
 * remaining mass shared in proportion to draw counts on sampled ones (weights of
 * ∅ and [n] are 0: the fit treats them as constraints).  *levels_full gets the
 * number of enumerated size levels.  All masks are distinct. */
int sb_kernel_design(size_t n, size_t budget, const gsl_rng *r, sb_masks **masks,
                     double **weights, size_t *levels_full, sb_error *err);

/* Efficiency-constrained weighted least squares on Möbius features:
 *   min Σ_j w_j (y_j − f(∅) − Σ_S β_S [S ⊆ x_j])²  s.t.  Σ_S β_S = f([n]) − f(∅)
 * over rows with w_j > 0 (∅ and [n] are the constraints).  The constraint plane
 * is parametrised by an orthonormal basis of {Σβ = 0} (a Householder
 * reflection), the reduced problem solved by SVD (sb_lstsq), so the result is
 * the minimum-norm constrained solution when the samples leave directions free.
 * beta has sets->count entries. */
int sb_constrained_wls(const sb_masks *masks, const double *y, const double *w,
                       const sb_masks *sets, double f_empty, double f_full, double *beta,
                       size_t *rank, sb_error *err);

/* A uniformly random permutation of 0..n-1 into perm. */
void sb_random_permutation(size_t *perm, size_t n, const gsl_rng *r);

#endif
