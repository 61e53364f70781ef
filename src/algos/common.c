/* Shared designs, skip rule and feature matrices for the algorithms. */
#include "algos/common.h"

#include <stdlib.h>
#include <string.h>

#include "core/comb.h"
#include "core/maskmap.h"
#include "oracle/oracle.h"

int sb_design_all(size_t n, sb_masks **out, sb_error *err) {
  *out = NULL;
  if (n > 30) return sb_error_set(err, SB_EINVAL, "all 2^n masks need n <= 30 (n = %zu)", n);
  size_t N = (size_t)1 << n;
  sb_masks *m = sb_masks_alloc(n, N);
  if (!m) return sb_error_set(err, SB_ENOMEM, "out of memory for 2^%zu masks", n);
  for (size_t x = 0; x < N; x++) sb_masks_at(m, x)[0] = x;
  *out = m;
  return SB_OK;
}

int sb_design_uniform_distinct(size_t n, size_t budget, const gsl_rng *r, int include_ends,
                               sb_masks **out, sb_error *err) {
  *out = NULL;
  if (budget == 0) return sb_error_set(err, SB_EINVAL, "a budget of 0 queries");
  if (n <= 30 && budget >= ((size_t)1 << n)) return sb_design_all(n, out, err);
  sb_masks *m = sb_masks_alloc(n, 0);
  sb_maskmap seen; /* rows of m, all distinct */
  int rc = sb_maskmap_init(&seen, sb_mask_words(n), budget);
  if (!m || rc || sb_masks_reserve(m, budget + 1)) {
    sb_masks_free(m);
    sb_maskmap_release(&seen);
    return sb_error_set(err, SB_ENOMEM, "out of memory for %zu masks", budget);
  }
  if (include_ends && budget >= 2) {
    sb_masks_push_zero(m);
    sb_maskmap_add_row(&seen, m, 0);
    sb_mask_fill(sb_masks_push_zero(m), n);
    sb_maskmap_add_row(&seen, m, 1);
  }
  /* If the budget is a large share of 2^n, rejection gets slow: fine up to 3/4.
   * The map was sized for the budget, so adding a row cannot fail. */
  while (m->count < budget) {
    uint64_t *x = sb_masks_push_zero(m);
    sb_mask_random(x, n, r);
    if (sb_maskmap_add_row(&seen, m, m->count - 1) != (long)(m->count - 1)) m->count--;
  }
  sb_maskmap_release(&seen);
  *out = m;
  return SB_OK;
}

int sb_order_skip_rule(size_t n, long order, int force, const char *algo, sb_error *err) {
  if (force) return SB_OK;
  if ((order >= 2 && n >= 64) || (order >= 3 && n >= 32) || (order >= 4 && n >= 16))
    return sb_error_set(err, SB_ESKIP,
                        "%s: order %ld does not scale to n = %zu (rule: order >= 2 skipped "
                        "for n >= 64, >= 3 for n >= 32, >= 4 for n >= 16; force=true overrides)",
                        algo, order, n);
  return SB_OK;
}

static int enum_rec(size_t n, size_t start, long left, uint64_t *cur, sb_masks *sets) {
  for (size_t i = start; i < n; i++) {
    sb_mask_set(cur, i);
    if (sb_masks_push(sets, cur)) return SB_ENOMEM;
    if (left > 1 && enum_rec(n, i + 1, left - 1, cur, sets)) return SB_ENOMEM;
    sb_mask_clear(cur, i);
  }
  return SB_OK;
}

int sb_enumerate_sets_upto(size_t n, long order, sb_masks *sets, sb_error *err) {
  if (sb_choose_sum_upto(n, order) > 5e7)
    return sb_error_set(err, SB_EINVAL, "%.3g interaction sets up to order %ld: too many",
                        sb_choose_sum_upto(n, order), order);
  uint64_t *cur = calloc(sb_mask_words(n), sizeof *cur);
  if (!cur) return sb_error_set(err, SB_ENOMEM, "out of memory");
  int rc = order >= 1 ? enum_rec(n, 0, order, cur, sets) : SB_OK;
  free(cur);
  if (rc) return sb_error_set(err, SB_ENOMEM, "out of memory enumerating sets");
  return SB_OK;
}

gsl_matrix *sb_fourier_features(const sb_masks *masks, const sb_masks *sets) {
  gsl_matrix *X = gsl_matrix_alloc(masks->count, sets->count ? sets->count : 1);
  if (!X) return NULL;
  for (size_t i = 0; i < masks->count; i++) {
    const uint64_t *x = sb_masks_at(masks, i);
    double *row = gsl_matrix_ptr(X, i, 0);
    for (size_t j = 0; j < sets->count; j++)
      row[j] = sb_mask_parity_and(sb_masks_at(sets, j), x, masks->words) ? -1.0 : 1.0;
  }
  return X;
}

int sb_character_regression(size_t n, long degree, const sb_masks *masks, const double *values,
                            const char *what, sb_masks **sets, gsl_matrix **X, gsl_vector **y,
                            sb_error *err) {
  *sets = sb_masks_alloc(n, 0);
  *X = NULL;
  *y = NULL;
  if (!*sets) return sb_error_set(err, SB_ENOMEM, "%s: out of memory", what);
  int rc = sb_enumerate_sets_upto(n, degree, *sets, err);
  if (rc) {
    sb_error_prefix(err, "%s", what);
  } else {
    *X = sb_fourier_features(masks, *sets);
    *y = gsl_vector_alloc(masks->count ? masks->count : 1);
    if (!*X || !*y)
      rc = sb_error_set(err, SB_ENOMEM, "%s: out of memory (%zu x %zu design)", what,
                        masks->count, (*sets)->count);
  }
  if (rc) {
    sb_masks_free(*sets);
    if (*X) gsl_matrix_free(*X);
    if (*y) gsl_vector_free(*y);
    *sets = NULL;
    *X = NULL;
    *y = NULL;
    return rc;
  }
  for (size_t i = 0; i < masks->count; i++) gsl_vector_set(*y, i, values[i]);
  return SB_OK;
}

gsl_matrix *sb_mobius_features(const sb_masks *masks, const sb_masks *sets) {
  gsl_matrix *X = gsl_matrix_alloc(masks->count, sets->count ? sets->count : 1);
  if (!X) return NULL;
  for (size_t i = 0; i < masks->count; i++) {
    const uint64_t *x = sb_masks_at(masks, i);
    double *row = gsl_matrix_ptr(X, i, 0);
    for (size_t j = 0; j < sets->count; j++)
      row[j] = sb_mask_subset(sb_masks_at(sets, j), x, masks->words) ? 1.0 : 0.0;
  }
  return X;
}
