/* Grid-search CV for ProxySPEX (proxyspex/cv.h): the choice and its score are
 * the same bits whatever the threads and schedule, for every backend; CV picks
 * the grid point that fits (depth 3 for a 3-way AND, a usable learning rate);
 * one grid point skips CV without touching the generator; too few samples is a
 * skip; axis lists are parsed strictly. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/seed.h"
#include "proxyspex/cv.h"
#include "testutil.h"

typedef struct data {
  sb_masks *X;
  double *y;
} data;

/* y = 2·x0x1x2 + x3 + small noise on m uniform masks of n bits. */
static void data_make(data *d, size_t n, size_t m) {
  gsl_rng *r = sb_rng_alloc(21);
  d->X = sb_masks_alloc(n, m);
  d->y = malloc(m * sizeof *d->y);
  for (size_t i = 0; i < m; i++) {
    uint64_t *x = sb_masks_at(d->X, i);
    sb_mask_random(x, n, r);
    d->y[i] = 2.0 * (sb_mask_get(x, 0) & sb_mask_get(x, 1) & sb_mask_get(x, 2)) +
              sb_mask_get(x, 3) + 0.05 * sb_hash_normal(sb_mask_hash(x, d->X->words, 1));
  }
  gsl_rng_free(r);
}

static void data_free(data *d) {
  sb_masks_free(d->X);
  free(d->y);
}

static sb_cv_grid small_grid(void) {
  sb_cv_grid g = {2, 2, 2, {1, 3}, {10, 30}, {0.01, 0.3}};
  return g;
}

static int select_with(const sb_booster_type *t, const data *d, const sb_cv_grid *g,
                       const sb_cv_exec *exec, sb_cv_choice *c, sb_error *err) {
  sb_booster_params p = {0, 0, 1.0, 1.0, 1, 5, "hist"};
  gsl_rng *r = sb_rng_alloc(77);
  int rc = sb_cv_select(t, &p, d->X, d->y, g, 5, r, exec, c, err);
  gsl_rng_free(r);
  return rc;
}

static void test_thread_independent(void **state) {
  (void)state;
  data d;
  data_make(&d, 12, 300);
  sb_cv_grid g = small_grid();
  /* (Several XGBoost threads per booster are not tried: on tiny data they spin
   * for seconds on a loaded machine, and XGBoost does not promise their bits.) */
  const sb_cv_exec execs[] = {{1, 1, 1}, {2, 1, 1}, {2, 0, 1}, {3, 1, 1}};
  for (size_t k = 0; sb_booster_types[k]; k++) {
    sb_cv_choice c[4];
    for (size_t e = 0; e < 4; e++) {
      sb_error err = {0};
      assert_int_equal(select_with(sb_booster_types[k], &d, &g, &execs[e], &c[e], &err), SB_OK);
      assert_memory_equal(&c[e], &c[0], sizeof c[0]);
    }
    /* The 3-way AND needs depth 3; 0.01 × 30 trees barely moves. */
    assert_int_equal(g.depth[c[0].depth], 3);
    assert_true(g.rate[c[0].rate] == 0.3);
    assert_true(c[0].score > 0.9 && c[0].score <= 1);
  }
  data_free(&d);
}

static void test_single_point_and_skip(void **state) {
  (void)state;
  data d;
  data_make(&d, 12, 300);
  sb_cv_grid one = {1, 1, 1, {3}, {50}, {0.1}};
  sb_cv_exec ex = {1, 1, 1};
  sb_booster_params p = {0, 0, 1.0, 1.0, 1, 5, "hist"};
  gsl_rng *r = sb_rng_alloc(77), *fresh = sb_rng_alloc(77);
  sb_cv_choice c;
  sb_error err = {0};
  assert_int_equal(sb_cv_select(&sb_booster_native, &p, d.X, d.y, &one, 5, r, &ex, &c, &err),
                   SB_OK);
  assert_true(isnan(c.score));
  assert_int_equal(c.depth + c.trees + c.rate, 0);
  assert_int_equal(gsl_rng_get(r), gsl_rng_get(fresh)); /* no draw */
  sb_cv_grid g = small_grid();
  d.X->count = 19; /* 5 folds need 20 rows */
  assert_int_equal(sb_cv_select(&sb_booster_native, &p, d.X, d.y, &g, 5, r, &ex, &c, &err),
                   SB_ESKIP);
  assert_non_null(strstr(err.msg, "5-fold"));
  d.X->count = 300;
  gsl_rng_free(r);
  gsl_rng_free(fresh);
  data_free(&d);
}

static void test_parse(void **state) {
  (void)state;
  long v[SB_CV_MAX_AXIS];
  double x[SB_CV_MAX_AXIS];
  size_t k;
  sb_error err = {0};
  assert_int_equal(sb_cv_parse_ints("depths", "3|5", v, &k, &err), SB_OK);
  assert_int_equal(k, 2);
  assert_int_equal(v[1], 5);
  assert_int_equal(sb_cv_parse_ints("depths", "3|x", v, &k, &err), SB_EINVAL);
  assert_non_null(strstr(err.msg, "'x'"));
  assert_int_equal(sb_cv_parse_ints("trees", "0", v, &k, &err), SB_EINVAL);
  assert_int_equal(sb_cv_parse_ints("trees", "", v, &k, &err), SB_EINVAL);
  assert_int_equal(sb_cv_parse_ints("trees", "1|2|3|4|5|6|7|8|9", v, &k, &err), SB_EINVAL);
  assert_non_null(strstr(err.msg, "more than 8"));
  assert_int_equal(sb_cv_parse_rates("rates", "0.01|1", x, &k, &err), SB_OK);
  assert_true(x[1] == 1.0);
  assert_int_equal(sb_cv_parse_rates("rates", "0", x, &k, &err), SB_EINVAL);
  assert_int_equal(sb_cv_parse_rates("rates", "1.5", x, &k, &err), SB_EINVAL);
  sb_cv_grid g = {1, 3, 1, {3}, {1000, 20, 500}, {0.1}};
  sb_cv_grid_sort(&g);
  assert_int_equal(g.trees[0], 20);
  assert_int_equal(g.trees[2], 1000);
  assert_int_equal(sb_cv_points(&g), 3);
  assert_int_equal(sb_cv_min_samples(5), 20);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_thread_independent),
      cmocka_unit_test(test_single_point_and_skip),
      cmocka_unit_test(test_parse),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
