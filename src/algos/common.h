/* Helpers shared by algorithm implementations: standard query designs, the
 * skip rule for interaction orders that do not scale, and feature matrices. */
#ifndef SB_ALGOS_COMMON_H
#define SB_ALGOS_COMMON_H

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>

#include "algos/algo.h"
#include "core/comb.h"

/* `budget` distinct uniform masks (each bit a fair coin), or all 2^n masks when
 * the budget covers them.  include_ends: ∅ and [n] are always in the design. */
int sb_design_uniform_distinct(size_t n, size_t budget, const gsl_rng *r, int include_ends,
                               sb_masks **out, sb_error *err);
/* All 2^n masks in index order (n <= 30). */
int sb_design_all(size_t n, sb_masks **out, sb_error *err);

/* The reference's rule (../shared/design/ALGORITHMS.md §6): order >= 2 is skipped for n >= 64,
 * >= 3 for n >= 32, >= 4 for n >= 16.  Returns SB_ESKIP with the reason, or SB_OK.
 * `force` disables the rule. */
int sb_order_skip_rule(size_t n, long order, int force, const char *algo, sb_error *err);

/* All sets of size 1..order (sb_choose_sum_upto(n, order) of them, core/comb.h),
 * appended to `sets` (a batch used as a set list). */
int sb_enumerate_sets_upto(size_t n, long order, sb_masks *sets, sb_error *err);
/* Design matrix of Fourier characters: X[i][j] = (-1)^{|set_j ∩ mask_i|}. */
gsl_matrix *sb_fourier_features(const sb_masks *masks, const sb_masks *sets);
/* Regression inputs on Fourier characters of degree 1..degree: the set list, the
 * design X (masks × sets) and the response y.  On failure everything is freed and
 * the message is prefixed with `what`. */
int sb_character_regression(size_t n, long degree, const sb_masks *masks, const double *values,
                            const char *what, sb_masks **sets, gsl_matrix **X, gsl_vector **y,
                            sb_error *err);
/* Design matrix of Möbius (AND) features: X[i][j] = [set_j ⊆ mask_i]. */
gsl_matrix *sb_mobius_features(const sb_masks *masks, const sb_masks *sets);

#endif
