/* Helpers shared by the baselines of ../shared/design/ALGORITHMS.md §6 (KernelSHAP, Faith-Shapley,
 * LIME, permutation sampling, Shapley–Taylor): the Shapley kernel design with
 * paired sampling and whole size levels, the efficiency-constrained weighted
 * least squares and random permutations.  Distinct-mask sets are mask maps
 * (core/maskmap.h), combinations and binomials core/comb.h. */
#ifndef SB_BASELINE_UTIL_H
#define SB_BASELINE_UTIL_H

#include <gsl/gsl_rng.h>
#include <stddef.h>
#include <stdint.h>

#include "algos/algo.h"
#include "core/comb.h"
#include "core/maskmap.h"

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
