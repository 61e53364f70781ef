/* Native binary-feature booster (proxyspex/gbdt.h, ALGORITHMS.md §5 step 2):
 * its exact Fourier transform reproduces its own predictions for depths 1–6 and
 * multi-word masks; it learns an AND exactly; its first tree matches XGBoost's
 * formulas on a hand-checked case; bad parameters are rejected. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/seed.h"
#include "proxyspex/gbdt.h"
#include "testutil.h"

static double target(const uint64_t *m, size_t n) {
  return 0.5 * sb_mask_get(m, 0) - 1.5 * (sb_mask_get(m, 1) & sb_mask_get(m, 2)) +
         (sb_mask_get(m, 3) ^ sb_mask_get(m, n - 1)) +
         0.2 * sb_hash_normal(sb_mask_hash(m, sb_mask_words(n), 3));
}

static void roundtrip(size_t n, int depth) {
  gsl_rng *r = sb_rng_alloc(sb_seed_sub(5, "gbdt", n * 16 + (size_t)depth));
  size_t m = 400, mt = 300;
  sb_masks *X = sb_masks_alloc(n, m + mt);
  double *y = malloc((m + mt) * sizeof *y), *pred = calloc(mt, sizeof *pred);
  size_t *test = malloc(mt * sizeof *test);
  for (size_t i = 0; i < m + mt; i++) {
    sb_mask_random(sb_masks_at(X, i), n, r);
    y[i] = target(sb_masks_at(X, i), n);
  }
  for (size_t i = 0; i < mt; i++) test[i] = m + i;
  size_t *train = malloc(m * sizeof *train);
  for (size_t i = 0; i < m; i++) train[i] = i;
  sb_gbdt_params p = {depth, 0.2, 1.0, 1.0};
  sb_gbdt *g = NULL;
  sb_error err = {0};
  assert_int_equal(sb_gbdt_alloc(X, train, m, y, &p, &g, &err), SB_OK);
  assert_int_equal(sb_gbdt_boost_to(g, 20, &err), SB_OK);
  assert_int_equal(sb_gbdt_boost_to(g, 50, &err), SB_OK); /* incremental */
  assert_int_equal(sb_gbdt_rounds(g), 50);
  sb_gbdt_predict_add(g, X, test, 30, 0, 30, pred);       /* two ranges add up */
  sb_gbdt_predict_add(g, X, test, 30, 30, 50, pred);
  sb_gbdt_predict_add(g, X, test + 30, mt - 30, 0, 50, pred + 30);
  sb_spectrum *s = NULL;
  assert_int_equal(sb_gbdt_fourier(g, &s, &err), SB_OK);
  assert_true(sb_spectrum_max_degree(s) <= (size_t)depth);
  for (size_t i = 0; i < mt; i++)
    assert_close(sb_spectrum_eval(s, sb_masks_at(X, test[i])), pred[i], 1e-9);
  sb_spectrum_free(s);
  sb_gbdt_free(g);
  sb_masks_free(X);
  free(y), free(pred), free(test), free(train);
  gsl_rng_free(r);
}

static void test_roundtrip(void **state) {
  (void)state;
  for (int d = 1; d <= 6; d++) roundtrip(12, d);
  roundtrip(100, 4);
  roundtrip(300, 6);
}

static void test_learns_and(void **state) {
  (void)state;
  size_t n = 6;
  sb_masks *X = sb_masks_alloc(n, 64);
  double y[64];
  for (size_t i = 0; i < 64; i++) {
    sb_masks_at(X, i)[0] = i;
    y[i] = 3.0 * (double)((i & 1) && (i & 2));
  }
  sb_gbdt_params p = {2, 0.3, 1.0, 1.0};
  sb_gbdt *g = NULL;
  sb_error err = {0};
  assert_int_equal(sb_gbdt_alloc(X, NULL, 0, y, &p, &g, &err), SB_OK);
  /* First tree, by hand: base = mean = 0.75, gradients pred − y are 0.75 (y = 0,
   * 48 rows) and −2.25 (y = 3, 16 rows).  Root splits on x0 or x1 (equal gain,
   * lowest index: x0), then on x1 within x0 = 1. */
  assert_int_equal(sb_gbdt_boost_to(g, 1, &err), SB_OK);
  double out[64] = {0};
  sb_gbdt_predict_add(g, X, NULL, 64, 0, 1, out);
  /* Leaf x0 = 1, x1 = 1: 16 rows, G = −36 → −0.3·(−36)/17. */
  assert_close(out[3], 0.75 + 0.3 * 36.0 / 17.0, 1e-12);
  /* Leaf x0 = 0: 32 rows with G = 24; depth 2 may split it again at zero gain?  No:
   * all its gradients are equal, so no split has positive gain. */
  assert_close(out[0], 0.75 - 0.3 * 24.0 / 33.0, 1e-12);
  assert_int_equal(sb_gbdt_boost_to(g, 300, &err), SB_OK);
  memset(out, 0, sizeof out);
  sb_gbdt_predict_add(g, X, NULL, 64, 0, 300, out);
  for (size_t i = 0; i < 64; i++) assert_close(out[i], y[i], 0.05);
  sb_gbdt_free(g);
  p.max_depth = 0;
  assert_int_equal(sb_gbdt_alloc(X, NULL, 0, y, &p, &g, &err), SB_EINVAL);
  p.max_depth = 13;
  assert_int_equal(sb_gbdt_alloc(X, NULL, 0, y, &p, &g, &err), SB_EINVAL);
  sb_masks_free(X);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_roundtrip),
      cmocka_unit_test(test_learns_and),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
