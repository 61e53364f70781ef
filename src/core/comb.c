/* Binomial coefficients and the lexicographic k-subset iterator (see comb.h).
 * One copy for the whole library: the Shapley-kernel design and Shapley–Taylor
 * (algos/), the weights of the interaction indices (indices/), the set
 * enumeration of the regression baselines (algos/common.c) and the row order of
 * shapiq's .npz games (trace/). */
#include "core/comb.h"

double sb_choose(size_t n, size_t k) {
  if (k > n) return 0;
  if (k > n - k) k = n - k;
  double c = 1;
  for (size_t i = 1; i <= k; i++) c = c * (double)(n - k + i) / (double)i;
  return c;
}

double sb_choose_sum_upto(size_t n, long order) {
  double total = 0, c = 1;
  for (long s = 1; s <= order && (size_t)s <= n; s++) {
    c = c * (double)(n - (size_t)s + 1) / (double)s;
    total += c;
  }
  return total;
}

void sb_comb_first(size_t *c, size_t k) {
  for (size_t i = 0; i < k; i++) c[i] = i;
}

int sb_comb_next(size_t *c, size_t k, size_t n) {
  size_t i = k;
  while (i > 0 && c[i - 1] == n - k + i - 1) i--;
  if (i == 0) return 0;
  c[i - 1]++;
  for (size_t j = i; j < k; j++) c[j] = c[j - 1] + 1;
  return 1;
}
