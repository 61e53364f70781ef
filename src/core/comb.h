/* Combinatorics shared by the designs, the baselines, the interaction indices and
 * the .npz writer: binomial coefficients and k-subsets of {0..n-1} in
 * lexicographic order.
 *
 *   size_t c[K];
 *   sb_comb_first(c, k);
 *   do { ... use c[0] < c[1] < ... < c[k-1] ... } while (sb_comb_next(c, k, n));
 *
 * visits all C(n, k) subsets once (k = 0: the empty subset once). */
#ifndef SB_COMB_H
#define SB_COMB_H

#include <stddef.h>

/* C(n, k) as a double (0 when k > n): the product Π_{i<=k} (n-k+i)/i with
 * k <= n/2, exact while the result fits 2^53 and within a few ulps beyond;
 * +Inf when it overflows a double. */
double sb_choose(size_t n, size_t k);
/* Σ_{s=1..order} C(n, s) (as a double; may be huge).  0 when order < 1. */
double sb_choose_sum_upto(size_t n, long order);
/* First k-subset: c = 0, 1, ..., k-1. */
void sb_comb_first(size_t *c, size_t k);
/* Advance c to the next k-subset of {0..n-1} in lexicographic order; 0 when c
 * was the last one (c is then unchanged). */
int sb_comb_next(size_t *c, size_t k, size_t n);

#endif
