/* Shared machinery of the §6 baselines (../shared/design/ALGORITHMS.md §6): the Shapley-kernel
 * design used by KernelSHAP and Faith-Shapley (kernel size weights
 * (n−1)/(s(n−s)), paired sampling, whole levels enumerated when the budget
 * covers them, ∅ and [n] always queried), and the efficiency-constrained
 * weighted least squares both fit (constraint plane parametrised by an
 * orthonormal basis, minimum-norm solution by SVD via sb_lstsq). */
#include "algos/baseline_util.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "linalg/regress.h"

/* ==== permutations ======================================================== */

void sb_random_permutation(size_t *perm, size_t n, const gsl_rng *r) {
  for (size_t i = 0; i < n; i++) perm[i] = i;
  for (size_t i = n; i > 1; i--) {
    size_t j = (size_t)gsl_rng_uniform_int(r, (unsigned long)i);
    size_t t = perm[i - 1];
    perm[i - 1] = perm[j];
    perm[j] = t;
  }
}

/* ==== Shapley-kernel design ================================================ */

/* Push mask (and register it); returns its index, or -1 if a duplicate, -2 on ENOMEM. */
static long push_distinct(sb_masks *m, sb_maskmap *set, const uint64_t *x) {
  if (sb_maskmap_find(set, m->bits, x) >= 0) return -1;
  if (sb_masks_push(m, x)) return -2;
  if (sb_maskmap_add_row(set, m, m->count - 1) < 0) return -2;
  return (long)(m->count - 1);
}

int sb_kernel_design(size_t n, size_t budget, const gsl_rng *r, sb_masks **out,
                     double **weights_out, size_t *levels_full, sb_error *err) {
  *out = NULL;
  *weights_out = NULL;
  if (levels_full) *levels_full = 0;
  if (n < 2) return sb_error_set(err, SB_EINVAL, "kernel design: needs n >= 2 (n = %zu)", n);
  if (budget < 2)
    return sb_error_set(err, SB_EINVAL, "kernel design: budget %zu < 2 (∅ and [n])", budget);
  double total = n <= 60 ? ldexp(1.0, (int)n) : INFINITY;
  if ((double)budget > total) budget = (size_t)total;
  sb_masks *m = sb_masks_alloc(n, 0);
  sb_maskmap set;
  int set_rc = sb_maskmap_init(&set, sb_mask_words(n), budget);
  double *w = calloc(budget + 1, sizeof *w);
  double *draws = calloc(budget + 1, sizeof *draws); /* draw counts of sampled masks */
  double *mass = calloc(n + 1, sizeof *mass);
  size_t *comb = calloc(n + 1, sizeof *comb);
  uint64_t *x = calloc(sb_mask_words(n), sizeof *x);
  int rc = SB_OK;
  if (!m || set_rc || !w || !draws || !mass || !comb || !x || sb_masks_reserve(m, budget)) {
    rc = sb_error_set(err, SB_ENOMEM, "kernel design: out of memory (%zu masks)", budget);
    goto done;
  }
  push_distinct(m, &set, x); /* ∅ */
  sb_mask_fill(x, n);
  push_distinct(m, &set, x); /* [n] */
  /* size mass ∝ (n−1)/(s(n−s)); per coalition divide by C(n,s) */
  double rem_mass = 0;
  for (size_t s = 1; s < n; s++) rem_mass += mass[s] = (double)(n - 1) / ((double)s * (double)(n - s));
  size_t left = budget - m->count;
  size_t half = n / 2, s_lo = 1; /* levels s and n−s for s = 1..half */
  for (; s_lo <= half; s_lo++) {
    int paired = (s_lo != n - s_lo);
    double cnt = sb_choose(n, s_lo) * (paired ? 2 : 1);
    double lm = mass[s_lo] * (paired ? 2 : 1);
    double rem_count = 0; /* coalitions in levels s_lo .. n − s_lo */
    for (size_t s = s_lo; s <= n - s_lo; s++) rem_count += sb_choose(n, s);
    int all_fit = rem_count <= (double)left;
    if (!all_fit && (cnt > (double)left || (double)left * lm / rem_mass < cnt * (1 - 1e-12)))
      break;
    /* enumerate the level(s) */
    for (int side = 0; side < (paired ? 2 : 1); side++) {
      size_t s = side ? n - s_lo : s_lo;
      double wc = mass[s] / sb_choose(n, s);
      sb_comb_first(comb, s);
      do {
        memset(x, 0, sb_mask_words(n) * sizeof *x);
        for (size_t i = 0; i < s; i++) sb_mask_set(x, comb[i]);
        long j = push_distinct(m, &set, x);
        if (j == -2) {
          rc = sb_error_set(err, SB_ENOMEM, "kernel design: out of memory");
          goto done;
        }
        if (j >= 0) w[j] = wc;
      } while (sb_comb_next(comb, s, n));
    }
    left = budget - m->count;
    rem_mass -= lm;
    if (levels_full) *levels_full += paired ? 2 : 1;
  }
  /* paired sampling over the remaining levels s_lo .. n − s_lo */
  if (left > 0 && s_lo <= half) {
    size_t nlev = n - 2 * s_lo + 1;
    double *p = malloc(nlev * sizeof *p);
    if (!p) {
      rc = sb_error_set(err, SB_ENOMEM, "kernel design: out of memory");
      goto done;
    }
    for (size_t i = 0; i < nlev; i++) p[i] = mass[s_lo + i];
    gsl_ran_discrete_t *tab = gsl_ran_discrete_preproc(nlev, p);
    free(p);
    if (!tab) {
      rc = sb_error_set(err, SB_ENOMEM, "kernel design: out of memory");
      goto done;
    }
    size_t first_sampled = m->count;
    double ndraws = 0;
    /* Rejection stops after many consecutive repeats (a tiny remaining space). */
    size_t fails = 0, max_fails = 1000 + 100 * budget;
    while (m->count < budget && fails < max_fails) {
      size_t s = s_lo + gsl_ran_discrete(r, tab);
      sb_mask_random_size(x, n, s, r);
      for (int side = 0; side < 2 && m->count < budget; side++) {
        if (side) sb_mask_complement(x, n);
        ndraws += 1;
        long j = sb_maskmap_find(&set, m->bits, x);
        if (j >= 0) {
          draws[j] += 1;
          fails++;
          continue;
        }
        j = push_distinct(m, &set, x);
        if (j < 0) {
          gsl_ran_discrete_free(tab);
          rc = sb_error_set(err, SB_ENOMEM, "kernel design: out of memory");
          goto done;
        }
        draws[j] = 1;
        fails = 0;
      }
    }
    gsl_ran_discrete_free(tab);
    for (size_t j = first_sampled; j < m->count; j++) w[j] = rem_mass * draws[j] / ndraws;
  }
done:
  free(draws);
  free(mass);
  free(comb);
  free(x);
  sb_maskmap_release(&set);
  if (rc) {
    sb_masks_free(m);
    free(w);
    return rc;
  }
  *out = m;
  *weights_out = w;
  return SB_OK;
}

/* ==== efficiency-constrained WLS =========================================== */

int sb_constrained_wls(const sb_masks *masks, const double *y, const double *w,
                       const sb_masks *sets, double f_empty, double f_full, double *beta,
                       size_t *rank, sb_error *err) {
  /* β = β₀ + Q γ with β₀ = (Δ/p)·1 (the minimum-norm point of the constraint
   * plane) and Q = the first p−1 columns of the Householder reflection H that
   * swaps u = 1/√p and −e_p: an orthonormal basis of {v : Σv = 0}.  Since
   * β₀ ⟂ range(Q), ||β||² = ||β₀||² + ||γ||², so the minimum-norm γ of the
   * reduced problem gives the minimum-norm β (eliminating one coefficient
   * instead would dump every unidentified direction onto that coefficient). */
  size_t p = sets->count, words = masks->words;
  if (p == 0) return sb_error_set(err, SB_EINVAL, "constrained WLS: no features");
  double delta = f_full - f_empty, b0 = delta / (double)p;
  if (p == 1) {
    beta[0] = delta;
    if (rank) *rank = 0;
    return SB_OK;
  }
  size_t rows = 0;
  for (size_t i = 0; i < masks->count; i++) rows += w[i] > 0;
  if (rows == 0) { /* nothing but the constraints: the minimum-norm point */
    for (size_t j = 0; j < p; j++) beta[j] = b0;
    if (rank) *rank = 0;
    return SB_OK;
  }
  size_t q = p - 1;
  /* v = u + e_p, H = I − 2 v vᵀ / (vᵀv) */
  double up = 1.0 / sqrt((double)p), vv = (double)q * up * up + (up + 1) * (up + 1);
  gsl_matrix *X = gsl_matrix_alloc(rows, q);
  gsl_vector *z = gsl_vector_alloc(rows), *wv = gsl_vector_alloc(rows), *g = gsl_vector_alloc(q);
  double *xrow = malloc(p * sizeof *xrow);
  int rc = SB_OK;
  if (!X || !z || !wv || !g || !xrow) {
    rc = sb_error_set(err, SB_ENOMEM, "constrained WLS: out of memory (%zu x %zu)", rows, q);
    goto done;
  }
  size_t r = 0;
  for (size_t i = 0; i < masks->count; i++) {
    if (!(w[i] > 0)) continue;
    const uint64_t *x = sb_masks_at(masks, i);
    double xv = 0, xsum = 0; /* x·v and x·1 */
    for (size_t j = 0; j < p; j++) {
      xrow[j] = sb_mask_subset(sb_masks_at(sets, j), x, words) ? 1.0 : 0.0;
      xsum += xrow[j];
      xv += xrow[j] * (j == q ? up + 1 : up);
    }
    double c = 2 * xv / vv, *row = gsl_matrix_ptr(X, r, 0);
    for (size_t j = 0; j < q; j++) row[j] = xrow[j] - c * up; /* (x H)_j, v_j = u_j for j < p */
    gsl_vector_set(z, r, y[i] - f_empty - b0 * xsum);
    gsl_vector_set(wv, r, w[i]);
    r++;
  }
  rc = sb_lstsq(X, z, wv, 1e-12, g, rank, err);
  if (rc) goto done;
  /* β = β₀ + H (γ; 0) */
  double vg = 0;
  for (size_t j = 0; j < q; j++) vg += up * gsl_vector_get(g, j);
  double c = 2 * vg / vv;
  for (size_t j = 0; j < q; j++) beta[j] = b0 + gsl_vector_get(g, j) - c * up;
  beta[q] = b0 - c * (up + 1);
done:
  gsl_matrix_free(X);
  gsl_vector_free(z);
  gsl_vector_free(wv);
  gsl_vector_free(g);
  free(xrow);
  return rc;
}
