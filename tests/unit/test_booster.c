/* The booster type table (proxyspex/booster.h): every backend's spectrum
 * reproduces its own predictions (incremental and from scratch, on changing row
 * lists), a repeated call sequence gives the same bits, bad arguments are
 * errors, lookups name the valid backends, and the `backend` / `sampling`
 * parameters of proxyspex list exactly the registered types. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "algos/algo.h"
#include "core/seed.h"
#include "proxyspex/booster.h"
#include "proxyspex/sampling.h"
#include "testutil.h"

static double target(const uint64_t *m, size_t n) {
  return 0.5 * sb_mask_get(m, 0) - 1.5 * (sb_mask_get(m, 1) & sb_mask_get(m, 2)) +
         (sb_mask_get(m, 3) ^ sb_mask_get(m, n - 1)) +
         0.1 * sb_hash_normal(sb_mask_hash(m, sb_mask_words(n), 9));
}

typedef struct data {
  sb_masks *X;
  double *y;
  size_t m;
} data;

static void data_make(data *d, size_t n, size_t m, uint64_t seed) {
  gsl_rng *r = sb_rng_alloc(seed);
  d->X = sb_masks_alloc(n, m);
  d->y = malloc(m * sizeof *d->y);
  d->m = m;
  for (size_t i = 0; i < m; i++) {
    sb_mask_random(sb_masks_at(d->X, i), n, r);
    d->y[i] = target(sb_masks_at(d->X, i), n);
  }
  gsl_rng_free(r);
}

static void data_free(data *d) {
  sb_masks_free(d->X);
  free(d->y);
}

static const sb_booster_params PARAMS = {4, 0.2, 1.0, 1.0, 1, 7, "hist"};

/* Train on rows [0, 300), predict two different row lists of the same length
 * (so a kept matrix must not be reused) in two tree ranges, compare with the
 * spectrum (XGBoost predicts in float: tolerance 1e-5). */
static void roundtrip(const sb_booster_type *t, size_t n, double tol) {
  data d;
  data_make(&d, n, 500, sb_seed_sub(3, t->name, n));
  size_t train[300], a[100], b[100];
  for (size_t i = 0; i < 300; i++) train[i] = i;
  for (size_t i = 0; i < 100; i++) a[i] = 300 + i, b[i] = 499 - i;
  sb_booster *bo = NULL;
  sb_error err = {0};
  assert_int_equal(sb_booster_alloc(t, d.X, train, 300, d.y, &PARAMS, &bo, &err), SB_OK);
  double pa[100], pb[100], full[100];
  assert_int_equal(sb_booster_boost_to(bo, 20, &err), SB_OK);
  assert_int_equal(sb_booster_predict(bo, d.X, a, 100, 0, 20, pa, &err), SB_OK);
  assert_int_equal(sb_booster_predict(bo, d.X, b, 100, 0, 20, pb, &err), SB_OK);
  assert_int_equal(sb_booster_boost_to(bo, 60, &err), SB_OK);
  assert_int_equal(sb_booster_predict(bo, d.X, a, 100, 20, 60, pa, &err), SB_OK);
  assert_int_equal(sb_booster_predict(bo, d.X, b, 100, 20, 60, pb, &err), SB_OK);
  assert_int_equal(sb_booster_predict(bo, d.X, a, 100, 0, 60, full, &err), SB_OK);
  sb_spectrum *s = NULL;
  assert_int_equal(sb_booster_spectrum(bo, &s, &err), SB_OK);
  for (size_t i = 0; i < 100; i++) {
    double va = sb_spectrum_eval(s, sb_masks_at(d.X, a[i]));
    double vb = sb_spectrum_eval(s, sb_masks_at(d.X, b[i]));
    assert_close(pa[i], va, tol * (1 + fabs(va)));
    assert_close(pb[i], vb, tol * (1 + fabs(vb)));
    assert_close(full[i], va, tol * (1 + fabs(va)));
  }
  /* The model learned something (not only the constant). */
  assert_true(sb_spectrum_size(s) > 5);
  sb_spectrum_free(s);
  sb_booster_free(bo);
  data_free(&d);
}

static void test_roundtrip(void **state) {
  (void)state;
  roundtrip(&sb_booster_xgboost, 12, 1e-5);
  roundtrip(&sb_booster_xgboost, 70, 1e-5);
  roundtrip(&sb_booster_native, 12, 1e-9);
  roundtrip(&sb_booster_native, 70, 1e-9);
}

/* The same calls twice give the same bits (two models, all rows). */
static void test_repeatable(void **state) {
  (void)state;
  data d;
  data_make(&d, 20, 300, 11);
  for (size_t k = 0; sb_booster_types[k]; k++) {
    double p[2][300];
    for (int rep = 0; rep < 2; rep++) {
      sb_booster *bo = NULL;
      sb_error err = {0};
      assert_int_equal(sb_booster_alloc(sb_booster_types[k], d.X, NULL, 0, d.y, &PARAMS, &bo,
                                        &err),
                       SB_OK);
      assert_int_equal(sb_booster_boost_to(bo, 15, &err), SB_OK);
      assert_int_equal(sb_booster_predict(bo, d.X, NULL, 0, 0, 15, p[rep], &err), SB_OK);
      assert_int_equal(sb_booster_boost_to(bo, 30, &err), SB_OK);
      assert_int_equal(sb_booster_predict(bo, d.X, NULL, 0, 15, 30, p[rep], &err), SB_OK);
      sb_booster_free(bo);
    }
    assert_memory_equal(p[0], p[1], sizeof p[0]);
  }
  data_free(&d);
}

static void test_errors(void **state) {
  (void)state;
  data d;
  data_make(&d, 10, 50, 2);
  sb_error err = {0};
  sb_booster *bo = NULL;
  for (size_t k = 0; sb_booster_types[k]; k++) {
    const sb_booster_type *t = sb_booster_types[k];
    sb_booster_params p = PARAMS;
    p.max_depth = t->max_depth + 1;
    assert_int_equal(sb_booster_alloc(t, d.X, NULL, 0, d.y, &p, &bo, &err), SB_EINVAL);
    assert_null(bo);
    assert_non_null(strstr(err.msg, "max_depth"));
    assert_int_equal(sb_booster_alloc(t, d.X, NULL, 0, d.y, &PARAMS, &bo, &err), SB_OK);
    double out[50];
    assert_int_equal(sb_booster_predict(bo, d.X, NULL, 0, 0, 1, out, &err), SB_EINVAL);
    assert_int_equal(sb_booster_boost_to(bo, 3, &err), SB_OK);
    assert_int_equal(sb_booster_predict(bo, d.X, NULL, 0, 0, 4, out, &err), SB_EINVAL);
    assert_int_equal(sb_booster_predict(bo, d.X, NULL, 0, 2, 1, out, &err), SB_EINVAL);
    assert_int_equal(sb_booster_predict(bo, d.X, NULL, 0, 0, 0, out, &err), SB_EINVAL);
    assert_int_equal(sb_booster_predict(bo, d.X, NULL, 0, 0, 3, out, &err), SB_OK);
    sb_booster_free(bo);
    bo = NULL;
  }
  sb_booster_free(NULL);
  data_free(&d);
}

static void test_lookup(void **state) {
  (void)state;
  sb_error err = {0};
  assert_ptr_equal(sb_booster_type_find("native", &err), &sb_booster_native);
  assert_ptr_equal(sb_booster_type_find("xgboost", &err), &sb_booster_xgboost);
  assert_ptr_equal(sb_booster_types[0], &sb_booster_xgboost); /* the default */
  assert_null(sb_booster_type_find("lightgbm", &err));
  assert_non_null(strstr(err.msg, "'lightgbm'"));
  assert_non_null(strstr(err.msg, "xgboost, native"));
  assert_ptr_equal(sb_sampling_find("paired", &err), &sb_sampling_paired);
  assert_null(sb_sampling_find("pairs", &err));
  assert_non_null(strstr(err.msg, "distinct, paired, iid"));
}

/* "a|b|c" of the names in a NULL-terminated table of types (name first). */
#define JOIN_NAMES(types, buf)                                          \
  do {                                                                  \
    (buf)[0] = '\0';                                                    \
    for (size_t i_ = 0; (types)[i_]; i_++) {                            \
      if (i_) strcat((buf), "|");                                       \
      strcat((buf), (types)[i_]->name);                                 \
    }                                                                   \
  } while (0)

/* The enum choices users see are the registered types, in table order. */
static void test_param_choices(void **state) {
  (void)state;
  sb_error err = {0};
  const sb_algo_type *a = sb_algo_find("proxyspex", &err);
  assert_non_null(a);
  char boosters[256], samplings[256];
  JOIN_NAMES(sb_booster_types, boosters);
  JOIN_NAMES(sb_sampling_types, samplings);
  int seen = 0;
  for (const sb_param_def *p = a->params; p->name; p++) {
    if (!strcmp(p->name, "backend")) {
      assert_string_equal(p->choices, boosters);
      assert_string_equal(p->def, sb_booster_types[0]->name);
      seen++;
    } else if (!strcmp(p->name, "sampling")) {
      assert_string_equal(p->choices, samplings);
      seen++;
    }
  }
  assert_int_equal(seen, 2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_roundtrip),      cmocka_unit_test(test_repeatable),
      cmocka_unit_test(test_errors),         cmocka_unit_test(test_lookup),
      cmocka_unit_test(test_param_choices),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
