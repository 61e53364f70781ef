/* Tree-ensemble → Fourier extraction (ALGORITHMS.md §5 step 3): the extracted
 * spectrum must reproduce XGBoost's own predictions on random masks (float
 * precision), for depths 1–6, one- and multi-word masks; plus the split
 * convention on a hand-written dump and malformed dumps. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/seed.h"
#include "core/spectrum.h"
#include "proxyspex/tree_fourier.h"
#include "proxyspex/xgb.h"
#include "testutil.h"

/* A nonlinear target with interactions (deterministic in the mask). */
static double target(const uint64_t *m, size_t n) {
  double v = 0.3 * sb_mask_get(m, 0) - 1.2 * (sb_mask_get(m, 1) & sb_mask_get(m, 2)) +
             0.8 * (sb_mask_get(m, 3) ^ sb_mask_get(m, n - 1)) +
             sb_mask_get(m, 4) * sb_mask_get(m, 5) * sb_mask_get(m, 6) * 2.0;
  return v + 0.1 * sb_hash_normal(sb_mask_hash(m, sb_mask_words(n), 5));
}

static void check_roundtrip(size_t n, int depth, double eta, int rounds) {
  gsl_rng *r = sb_rng_alloc(sb_seed_sub(42, "tf", (uint64_t)(n * 10 + (size_t)depth)));
  size_t m = 500, mt = 400;
  sb_masks *train = sb_masks_alloc(n, m), *test = sb_masks_alloc(n, mt);
  double *y = malloc(m * sizeof *y), *pred = malloc(mt * sizeof *pred);
  for (size_t i = 0; i < m; i++) {
    sb_mask_random(sb_masks_at(train, i), n, r);
    y[i] = target(sb_masks_at(train, i), n);
  }
  for (size_t i = 0; i < mt; i++) sb_mask_random(sb_masks_at(test, i), n, r);
  sb_error err = {0};
  sb_xgb_data *dtr = NULL, *dte = NULL;
  assert_int_equal(sb_xgb_data_alloc(train, NULL, 0, y, &dtr, &err), SB_OK);
  assert_int_equal(sb_xgb_data_alloc(test, NULL, 0, NULL, &dte, &err), SB_OK);
  sb_xgb_params p;
  sb_xgb_params_default(&p);
  p.max_depth = depth;
  p.eta = eta;
  p.max_bin = 2;
  sb_xgb_booster *b = NULL;
  assert_int_equal(sb_xgb_booster_alloc(dtr, &p, &b, &err), SB_OK);
  assert_int_equal(sb_xgb_boost_to(b, rounds, &err), SB_OK);
  assert_int_equal(sb_xgb_predict(b, dte, 0, pred, &err), SB_OK);
  const char *const *trees = NULL;
  size_t count = 0;
  double base = 0;
  assert_int_equal(sb_xgb_dump_json(b, &trees, &count, &err), SB_OK);
  assert_int_equal((int)count, rounds);
  assert_int_equal(sb_xgb_base_score(b, &base, &err), SB_OK);
  sb_spectrum *s = NULL;
  int rc = sb_tree_fourier_ensemble(trees, count, base, n, &s, &err);
  if (rc) fail_msg("%s", err.msg);
  assert_true(sb_spectrum_max_degree(s) <= (size_t)depth);
  if (depth >= 2) assert_true(sb_spectrum_max_degree(s) >= 2); /* interactions found */
  double scale = 0;
  for (size_t i = 0; i < mt; i++) scale = fmax(scale, fabs(pred[i]));
  for (size_t i = 0; i < mt; i++) {
    double v = sb_spectrum_eval(s, sb_masks_at(test, i));
    assert_close(v, pred[i], 1e-5 * fmax(1.0, scale));
  }
  sb_spectrum_free(s);
  sb_xgb_booster_free(b);
  sb_xgb_data_free(dtr);
  sb_xgb_data_free(dte);
  sb_masks_free(train);
  sb_masks_free(test);
  free(y);
  free(pred);
  gsl_rng_free(r);
}

static void test_roundtrip_depths(void **state) {
  (void)state;
  for (int d = 1; d <= 6; d++) check_roundtrip(12, d, 0.3, 40);
}

static void test_roundtrip_multiword(void **state) {
  (void)state;
  check_roundtrip(70, 3, 0.1, 60);
  check_roundtrip(130, 6, 0.3, 25);
}

/* Hand-written stump: f3 < 1 → yes (x_3 = 0) leaf 2, no leaf −1.  Children listed in
 * reverse order to prove matching by node id.  f(x) = 0.5 + 1.5·χ{3}(x)... i.e.
 * F(∅) = 0.5, F({3}) = 1.5 before base_score; base_score 0.25 goes to ∅. */
static void test_stump_convention(void **state) {
  (void)state;
  const char *t =
      "{\"nodeid\":0,\"depth\":0,\"split\":\"f3\",\"split_condition\":1,\"yes\":1,\"no\":2,"
      "\"missing\":1,\"children\":[{\"nodeid\":2,\"leaf\":-1},{\"nodeid\":1,\"leaf\":2}]}";
  const char *const trees[1] = {t};
  sb_spectrum *s = NULL;
  sb_error err = {0};
  assert_int_equal(sb_tree_fourier_ensemble(trees, 1, 0.25, 5, &s, &err), SB_OK);
  uint64_t k = 0;
  assert_close(sb_spectrum_get(s, &k), 0.75, 1e-15);
  k = 1u << 3;
  assert_close(sb_spectrum_get(s, &k), 1.5, 1e-15);
  uint64_t x = 0;
  assert_close(sb_spectrum_eval(s, &x), 2.25, 1e-15); /* x_3 = 0: leaf 2 + 0.25 */
  x = 1u << 3;
  assert_close(sb_spectrum_eval(s, &x), -0.75, 1e-15);
  sb_spectrum_free(s);
  /* Repeated feature on a path: only the consistent side is reachable. */
  const char *t2 =
      "{\"nodeid\":0,\"split\":\"f1\",\"split_condition\":1,\"yes\":1,\"no\":2,"
      "\"children\":[{\"nodeid\":1,\"leaf\":0},{\"nodeid\":2,\"split\":\"f1\","
      "\"split_condition\":1,\"yes\":3,\"no\":4,\"children\":[{\"nodeid\":3,\"leaf\":100},"
      "{\"nodeid\":4,\"leaf\":4}]}]}";
  const char *const trees2[1] = {t2};
  assert_int_equal(sb_tree_fourier_ensemble(trees2, 1, 0, 3, &s, &err), SB_OK);
  x = 0;
  assert_close(sb_spectrum_eval(s, &x), 0, 1e-15);
  x = 2;
  assert_close(sb_spectrum_eval(s, &x), 4, 1e-15);
  sb_spectrum_free(s);
}

static void test_malformed(void **state) {
  (void)state;
  sb_error err = {0};
  sb_spectrum *s = NULL;
  const char *bad[] = {
      "{\"nodeid\":0,\"split\":\"g3\",\"split_condition\":1,\"yes\":1,\"no\":2,"
      "\"children\":[{\"nodeid\":1,\"leaf\":1},{\"nodeid\":2,\"leaf\":2}]}",
      "{\"nodeid\":0,\"split\":\"f9\",\"split_condition\":1,\"yes\":1,\"no\":2,"
      "\"children\":[{\"nodeid\":1,\"leaf\":1},{\"nodeid\":2,\"leaf\":2}]}",
      "{\"nodeid\":0,\"split\":\"f1\",\"split_condition\":1,\"yes\":1,\"no\":7,"
      "\"children\":[{\"nodeid\":1,\"leaf\":1},{\"nodeid\":2,\"leaf\":2}]}",
      "{\"nodeid\":0,\"leaf\":\"x\"}",
      "{not json",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    const char *const trees[1] = {bad[i]};
    assert_int_equal(sb_tree_fourier_ensemble(trees, 1, 0, 4, &s, &err), SB_EFORMAT);
    assert_null(s);
    assert_true(strlen(err.msg) > 0);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_stump_convention),
      cmocka_unit_test(test_malformed),
      cmocka_unit_test(test_roundtrip_depths),
      cmocka_unit_test(test_roundtrip_multiword),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
