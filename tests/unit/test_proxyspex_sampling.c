/* ProxySPEX's designs (proxyspex/sampling.h): `paired` is ∅, [n], then
 * complementary pairs of distinct masks (odd budgets end unpaired), exactly the
 * budget in distinct masks, nested across budgets, all masks when the budget
 * covers 2^n, and fair in every bit; `distinct` and `iid` keep their counts. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/seed.h"
#include "proxyspex/sampling.h"
#include "testutil.h"

static sb_masks *draw(const sb_sampling_type *t, size_t n, size_t budget, uint64_t seed) {
  gsl_rng *r = sb_rng_alloc(seed);
  sb_masks *m = NULL;
  sb_error err = {0};
  int rc = t->design(n, budget, r, &m, &err);
  if (rc) fail_msg("%s", err.msg);
  gsl_rng_free(r);
  return m;
}

/* Number of distinct masks in the batch (quadratic; small batches only). */
static size_t count_distinct(const sb_masks *m) {
  size_t d = 0;
  for (size_t i = 0; i < m->count; i++) {
    size_t j = 0;
    while (j < i && !sb_mask_equal(sb_masks_at(m, i), sb_masks_at(m, j), m->words)) j++;
    d += j == i;
  }
  return d;
}

static int is_complement(const uint64_t *a, const uint64_t *b, size_t n) {
  uint64_t c[4];
  memcpy(c, a, sb_mask_words(n) * sizeof *c);
  sb_mask_complement(c, n);
  return sb_mask_equal(c, b, sb_mask_words(n));
}

static void check_paired(size_t n, size_t budget) {
  sb_masks *m = draw(&sb_sampling_paired, n, budget, 5);
  assert_int_equal(m->count, budget);
  assert_int_equal(count_distinct(m), budget);
  assert_true(sb_mask_is_empty(sb_masks_at(m, 0), m->words));
  assert_int_equal(sb_mask_popcount(sb_masks_at(m, 1), m->words), n);
  for (size_t i = 2; i + 1 < budget; i += 2)
    assert_true(is_complement(sb_masks_at(m, i), sb_masks_at(m, i + 1), n));
  if (budget % 2) /* the last mask is unpaired: its complement is not drawn */
    for (size_t i = 0; i + 1 < budget; i++)
      assert_false(is_complement(sb_masks_at(m, budget - 1), sb_masks_at(m, i), n));
  sb_masks_free(m);
}

static void test_paired_shape(void **state) {
  (void)state;
  check_paired(10, 2);
  check_paired(10, 3);
  check_paired(10, 100);
  check_paired(10, 101);
  check_paired(10, 1000); /* 98% of 2^10: rejection still ends */
  check_paired(70, 301);  /* two-word masks */
  check_paired(130, 64);  /* three words */
}

/* Nested designs: a smaller budget's design is a prefix of a larger one's. */
static void test_nested(void **state) {
  (void)state;
  for (size_t k = 0; sb_sampling_types[k]; k++) {
    sb_masks *a = draw(sb_sampling_types[k], 16, 301, 9);
    sb_masks *b = draw(sb_sampling_types[k], 16, 800, 9);
    assert_true(a->count <= b->count);
    assert_memory_equal(a->bits, b->bits, a->count * a->words * sizeof *a->bits);
    sb_masks_free(a);
    sb_masks_free(b);
  }
}

/* A budget covering 2^n gives every mask once, in index order. */
static void test_full(void **state) {
  (void)state;
  for (size_t budget = 64; budget <= 100; budget += 36) {
    sb_masks *m = draw(&sb_sampling_paired, 6, budget, 1);
    assert_int_equal(m->count, 64);
    for (size_t i = 0; i < 64; i++) assert_int_equal(sb_masks_at(m, i)[0], i);
    sb_masks_free(m);
  }
}

/* Each bit of the first mask of a pair is a fair coin (paired rows are then
 * balanced by construction): 2,000 pairs, 5 sigma. */
static void test_fair(void **state) {
  (void)state;
  size_t n = 16, budget = 4002;
  sb_masks *m = draw(&sb_sampling_paired, n, budget, 3);
  for (size_t j = 0; j < n; j++) {
    size_t ones = 0, pairs = 0;
    for (size_t i = 2; i < budget; i += 2, pairs++)
      ones += (size_t)sb_mask_get(sb_masks_at(m, i), j);
    double sd = 0.5 * sqrt((double)pairs);
    assert_true(fabs((double)ones - 0.5 * (double)pairs) < 5 * sd);
  }
  sb_masks_free(m);
}

/* distinct and iid: exactly the budget in distinct masks; iid keeps repeats. */
static void test_other_designs(void **state) {
  (void)state;
  sb_masks *m = draw(&sb_sampling_distinct, 10, 300, 4);
  assert_int_equal(m->count, 300);
  assert_int_equal(count_distinct(m), 300);
  assert_true(sb_mask_is_empty(sb_masks_at(m, 0), m->words));
  sb_masks_free(m);
  m = draw(&sb_sampling_iid, 10, 300, 4);
  assert_true(m->count > 300);
  assert_int_equal(count_distinct(m), 300);
  sb_masks_free(m);
  m = draw(&sb_sampling_iid, 4, 100, 4); /* capped at 2^n */
  assert_int_equal(count_distinct(m), 16);
  sb_masks_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_paired_shape), cmocka_unit_test(test_nested),
      cmocka_unit_test(test_full),         cmocka_unit_test(test_fair),
      cmocka_unit_test(test_other_designs),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
