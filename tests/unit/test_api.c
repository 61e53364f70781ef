/* The public API (include/spexbench/, src/api/) through the static library:
 * spectra (build, eval, top-k, conversion, JSON), datasets from a spec and
 * from a C callback, the oracle's budget and cache, callback failures as clean
 * errors, spexbench_fit giving the runner's numbers, indices and metrics, and
 * the options struct's size versioning. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spexbench.h>

#include "runner/runner.h"

#define SPEC "fourier:n=20,k=10,degree=3,snr_db=inf,seed=5"

static void test_version(void **state) {
  (void)state;
  assert_string_equal(spexbench_version(), SPEXBENCH_VERSION_STRING);
  assert_int_equal(spexbench_version_number(), SPEXBENCH_VERSION_HEX);
  assert_string_equal(spexbench_status_name(SPEXBENCH_EBUDGET), "budget");
  assert_true(spexbench_algorithm_count() >= 10);
  assert_string_equal(spexbench_algorithm_name(0), "exhaustive");
  assert_null(spexbench_algorithm_name(spexbench_algorithm_count()));
  assert_true(spexbench_family_count() >= 3);
  assert_non_null(spexbench_family_summary(0));
}

/* f(x) = 1 + 2 x0 - 3 x1 x2 on n = 70 (two words per mask). */
static spexbench_spectrum *small_mobius(void) {
  spexbench_spectrum *s = NULL;
  spexbench_error err;
  assert_int_equal(spexbench_spectrum_new(SPEXBENCH_MOBIUS, 70, &s, &err), SPEXBENCH_OK);
  size_t a[] = {0}, b[] = {1, 69};
  assert_int_equal(spexbench_spectrum_set(s, NULL, 0, 1.0, &err), 0);
  assert_int_equal(spexbench_spectrum_set(s, a, 1, 2.0, &err), 0);
  assert_int_equal(spexbench_spectrum_set(s, b, 2, -3.0, &err), 0);
  return s;
}

static void test_spectrum(void **state) {
  (void)state;
  spexbench_error err;
  spexbench_spectrum *s = small_mobius(), *f = NULL, *back = NULL, *parsed = NULL;
  assert_int_equal(spexbench_spectrum_size(s), 3);
  size_t b[] = {1, 69}, members[4];
  assert_close(spexbench_spectrum_get(s, b, 2), -3.0, 0);
  double v;
  assert_int_equal(spexbench_spectrum_term(s, 2, members, 4, &v), 2);
  assert_int_equal(members[1], 69);
  size_t top[3];
  assert_int_equal(spexbench_spectrum_top(s, 3, 0, top), 2);
  assert_int_equal(top[0], 2);
  /* masks: ∅, {0}, {0,1,69}, {1,69} */
  uint64_t masks[8] = {0, 0, 1, 0, 3, (uint64_t)1 << 5, 2, (uint64_t)1 << 5};
  double y[4], yf[4];
  assert_int_equal(spexbench_spectrum_eval(s, masks, 4, y, &err), 0);
  assert_close(y[0], 1, 1e-12);
  assert_close(y[1], 3, 1e-12);
  assert_close(y[2], 0, 1e-12);
  assert_close(y[3], -2, 1e-12);
  /* Fourier and back: same function */
  assert_int_equal(spexbench_spectrum_convert(s, SPEXBENCH_FOURIER, 0, &f, &err), 0);
  assert_int_equal(spexbench_spectrum_basis(f), SPEXBENCH_FOURIER);
  assert_int_equal(spexbench_spectrum_eval(f, masks, 4, yf, &err), 0);
  for (int j = 0; j < 4; j++) assert_close(yf[j], y[j], 1e-12);
  assert_int_equal(spexbench_spectrum_convert(f, SPEXBENCH_MOBIUS, 0, &back, &err), 0);
  assert_close(spexbench_spectrum_get(back, b, 2), -3.0, 1e-12);
  /* JSON round trip, and the bulk export/import */
  char *text = NULL;
  assert_int_equal(spexbench_spectrum_to_json(f, &text, &err), 0);
  assert_non_null(strstr(text, "\"fourier\""));
  assert_int_equal(spexbench_spectrum_from_json(text, &parsed, &err), 0);
  assert_int_equal(spexbench_spectrum_size(parsed), spexbench_spectrum_size(f));
  size_t m = spexbench_spectrum_size(f);
  uint64_t *sets = calloc(m * 2, sizeof *sets);
  double *vals = calloc(m, sizeof *vals);
  spexbench_spectrum_export(f, sets, vals);
  spexbench_spectrum *again = NULL;
  assert_int_equal(spexbench_spectrum_from_arrays(SPEXBENCH_FOURIER, 70, m, sets, vals, &again,
                                                  &err), 0);
  assert_int_equal(spexbench_spectrum_eval(again, masks, 4, yf, &err), 0);
  for (int j = 0; j < 4; j++) assert_close(yf[j], y[j], 1e-12);
  spexbench_free(text);
  free(sets);
  free(vals);
  spexbench_spectrum_free(again);
  spexbench_spectrum_free(parsed);
  spexbench_spectrum_free(back);
  spexbench_spectrum_free(f);
  spexbench_spectrum_free(s);
  spexbench_spectrum_free(NULL);
}

static void test_spectrum_errors(void **state) {
  (void)state;
  spexbench_error err;
  spexbench_spectrum *s = NULL;
  assert_int_equal(spexbench_spectrum_new((spexbench_basis)7, 4, &s, &err), SPEXBENCH_EINVAL);
  assert_null(s);
  assert_int_equal(spexbench_spectrum_new(SPEXBENCH_FOURIER, 0, &s, &err), SPEXBENCH_EINVAL);
  assert_non_null(strstr(err.message, "n = 0"));
  assert_int_equal(spexbench_spectrum_from_json("{\"basis\": \"fourier\", \"n\": 3, \"terms\": "
                                                "[{\"set\": [5], \"value\": 1}]}",
                                                &s, &err), SPEXBENCH_EFORMAT);
  assert_non_null(strstr(err.message, "spectrum JSON"));
  assert_int_equal(spexbench_spectrum_from_json("{not json", &s, &err), SPEXBENCH_EFORMAT);
  assert_non_null(strstr(err.message, "line 1"));
  s = small_mobius();
  size_t bad[] = {70};
  assert_int_equal(spexbench_spectrum_set(s, bad, 1, 1.0, &err), SPEXBENCH_EINVAL);
  assert_close(spexbench_spectrum_get(s, bad, 1), 0, 0);
  uint64_t padded[2] = {0, (uint64_t)1 << 6}; /* bit 70 on n = 70 */
  double y;
  assert_int_equal(spexbench_spectrum_eval(s, padded, 1, &y, &err), SPEXBENCH_EINVAL);
  assert_non_null(strstr(err.message, "positions >= n"));
  spexbench_spectrum_free(s);
  assert_int_not_equal(spexbench_spectrum_read("/nonexistent/x.json", &s, &err), SPEXBENCH_OK);
  assert_non_null(strstr(err.message, "/nonexistent/x.json"));
  assert_null(s);
}

/* ---- callback datasets --------------------------------------------------- */

typedef struct model {
  size_t calls, masks;  /* batches and masks seen */
  int fail;             /* 1: return an error, 2: return NaN */
} model;

/* f(x) = 3 x0 x1 - x2 + 0.5 */
static int model_eval(void *user, size_t n, const uint64_t *masks, size_t count, double *values,
                      spexbench_error *err) {
  model *m = user;
  m->calls++;
  m->masks += count;
  if (m->fail == 1) {
    snprintf(err->message, sizeof err->message, "the GPU is on fire");
    return SPEXBENCH_EORACLE;
  }
  for (size_t j = 0; j < count; j++) {
    const uint64_t *x = masks + j * spexbench_mask_words(n);
    values[j] = 3.0 * spexbench_mask_get(x, 0) * spexbench_mask_get(x, 1) -
                spexbench_mask_get(x, 2) + 0.5;
    if (m->fail == 2 && j == count - 1) values[j] = NAN;
  }
  return SPEXBENCH_OK;
}

static void test_callback_oracle(void **state) {
  (void)state;
  model m = {0};
  spexbench_error err;
  spexbench_dataset *d = NULL;
  spexbench_oracle *o = NULL;
  assert_int_equal(spexbench_dataset_from_callback(6, model_eval, &m, "toy", &d, &err), 0);
  assert_string_equal(spexbench_dataset_name(d), "toy");
  assert_int_equal(spexbench_dataset_n(d), 6);
  assert_null(spexbench_dataset_truth(d));
  assert_int_equal(spexbench_oracle_new(d, 3, &o, &err), 0);
  uint64_t masks[4] = {0x3, 0x4, 0x3, 0x7};
  double v[4];
  assert_int_equal(spexbench_oracle_query(o, masks, 3, v, &err), 0); /* 2 distinct */
  assert_close(v[0], 3.5, 0);
  assert_close(v[1], -0.5, 0);
  assert_close(v[2], 3.5, 0);
  assert_int_equal(spexbench_oracle_used(o), 2);
  assert_int_equal(spexbench_oracle_asked(o), 3);
  assert_int_equal(m.masks, 2); /* the repeat never reached the model */
  /* {0x7, 0x3, 0x4} adds one: fits; then two new ones cross the budget of 3 */
  uint64_t more[2] = {0x8, 0x10};
  assert_int_equal(spexbench_oracle_query(o, masks + 1, 3, v, &err), 0);
  assert_int_equal(spexbench_oracle_used(o), 3);
  assert_int_equal(spexbench_oracle_query(o, more, 2, v, &err), SPEXBENCH_EBUDGET);
  assert_int_equal(spexbench_oracle_used(o), 3);
  assert_int_equal(m.masks, 3);
  uint64_t high = (uint64_t)1 << 6;
  assert_int_equal(spexbench_oracle_query(o, &high, 1, v, &err), SPEXBENCH_EINVAL);
  spexbench_oracle_free(o);
  spexbench_dataset_free(d);
  assert_int_equal(spexbench_dataset_from_callback(0, model_eval, &m, "x", &d, &err),
                   SPEXBENCH_EINVAL);
  assert_null(d);
  assert_non_null(strstr(err.message, "n = 0"));
}

static void test_callback_errors(void **state) {
  (void)state;
  model m = {0};
  spexbench_error err;
  spexbench_dataset *d = NULL;
  spexbench_result *r = NULL;
  assert_int_equal(spexbench_dataset_from_callback(8, model_eval, &m, "flaky", &d, &err), 0);
  m.fail = 1;
  assert_int_equal(spexbench_fit(d, "faith-banzhaf:order=2", 200, 1, NULL, &r, &err),
                   SPEXBENCH_EORACLE);
  assert_null(r);
  assert_non_null(strstr(err.message, "dataset flaky: the GPU is on fire"));
  m.fail = 2;
  assert_int_equal(spexbench_fit(d, "faith-banzhaf:order=2", 200, 1, NULL, &r, &err),
                   SPEXBENCH_EORACLE);
  assert_non_null(strstr(err.message, "expected a finite number"));
  m.fail = 0;
  assert_int_equal(spexbench_fit(d, "no-such-algo", 200, 1, NULL, &r, &err), SPEXBENCH_EINVAL);
  assert_non_null(strstr(err.message, "spex"));
  assert_int_equal(spexbench_fit(d, "faith-banzhaf:ordre=2", 200, 1, NULL, &r, &err),
                   SPEXBENCH_EINVAL);
  assert_non_null(strstr(err.message, "ordre"));
  /* exhaustive needs 2^8 masks: below that budget it is skipped with the reason */
  int rc = spexbench_fit(d, "exhaustive", 100, 1, NULL, &r, &err);
  assert_true(rc == SPEXBENCH_ESKIP || rc == SPEXBENCH_EBUDGET);
  assert_true(strlen(err.message) > 0);
  /* a correct run: the planted interaction, queries within the budget */
  assert_int_equal(spexbench_fit(d, "faith-banzhaf:order=2", 200, 1, NULL, &r, &err), 0);
  assert_true(spexbench_result_queries_used(r) <= 200);
  assert_close(spexbench_result_r2_heldout(r), 1.0, 1e-9);
  assert_true(isnan(spexbench_result_r2_exact(r)));
  spexbench_spectrum *mob = NULL;
  assert_int_equal(spexbench_spectrum_convert(spexbench_result_spectrum(r), SPEXBENCH_MOBIUS, 0,
                                              &mob, &err), 0);
  size_t pair[] = {0, 1}, three[] = {2};
  assert_close(spexbench_spectrum_get(mob, pair, 2), 3.0, 1e-9);
  assert_close(spexbench_spectrum_get(mob, three, 1), -1.0, 1e-9);
  char *json = spexbench_result_json(r);
  assert_non_null(strstr(json, "\"algorithm\":\"faith-banzhaf\""));
  assert_non_null(strstr(json, "\"r2_exact\":null"));
  spexbench_free(json);
  spexbench_spectrum_free(mob);
  spexbench_result_free(r);
  spexbench_dataset_free(d);
}

/* ---- spexbench_fit = the runner's run --------------------------------------- */

static void test_fit_matches_runner(void **state) {
  (void)state;
  const char *algos[] = {"faith-banzhaf:order=2", "spex", NULL};
  for (int a = 0; algos[a]; a++) {
    spexbench_error err;
    spexbench_dataset *d = NULL;
    spexbench_result *r = NULL;
    assert_int_equal(spexbench_dataset_open(SPEC, &d, &err), 0);
    assert_non_null(spexbench_dataset_truth(d));
    spexbench_run_options o;
    spexbench_run_options_init(&o);
    o.heldout = 2000;
    o.threads = 1;
    assert_int_equal(spexbench_fit(d, algos[a], 1500, 3, &o, &r, &err), 0);
    /* the same run through the runner, as `spexbench fit --seed 3` makes it */
    const sb_algo_type *type;
    sb_params *params;
    sb_error e;
    assert_int_equal(sb_algo_parse(algos[a], &type, &params, &e), 0);
    char *canon = sb_params_canonical(params);
    sb_run_def rd = {.group = "fit", .dataset_spec = SPEC, .family = "fourier", .algo = type,
                     .algo_label = (char *)type->name, .algo_params = canon, .budget = 1500,
                     .id = "fit"};
    sb_run_seeds(3, SPEC, 0, type->name, canon, 1500, 0, &rd.seed, &rd.design_seed,
                 &rd.heldout_seed);
    sb_run_options ro = {2000, SB_HELDOUT_UNIFORM, 1, {0, 0}};
    json_t *j = sb_run_execute(&rd, &ro, NULL, NULL);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "ok");
    assert_int_equal(spexbench_result_queries_used(r),
                     json_integer_value(json_object_get(j, "queries_used")));
    assert_close(spexbench_result_r2_heldout(r), json_real_value(json_object_get(j, "r2_heldout")),
                 1e-12);
    assert_close(spexbench_result_r2_exact(r), json_real_value(json_object_get(j, "r2_exact")),
                 1e-12);
    /* the exact R² agrees with the public metric function */
    double r2;
    assert_int_equal(spexbench_r2_exact(spexbench_dataset_truth(d), spexbench_result_spectrum(r),
                                        &r2, &err), 0);
    assert_close(r2, spexbench_result_r2_exact(r), 1e-12);
    json_decref(j);
    free(canon);
    sb_params_free(params);
    spexbench_result_free(r);
    spexbench_dataset_free(d);
  }
}

static void test_run_algorithm_and_metrics(void **state) {
  (void)state;
  spexbench_error err;
  spexbench_dataset *d = NULL;
  spexbench_oracle *o = NULL;
  spexbench_result *r = NULL;
  assert_int_equal(spexbench_dataset_open("fourier:n=8,k=5,degree=2,snr_db=inf,seed=2", &d, &err),
                   0);
  assert_int_equal(spexbench_oracle_new(d, 300, &o, &err), 0);
  uint64_t first = 1;
  double v;
  assert_int_equal(spexbench_oracle_query(o, &first, 1, &v, &err), 0);
  /* 256 masks: the oracle has 299 left; exhaustive asks all 256 */
  assert_int_equal(spexbench_run_algorithm(o, "exhaustive", 9, NULL, &r, &err), 0);
  assert_int_equal(spexbench_result_queries_asked(r), 256);
  assert_int_equal(spexbench_result_queries_used(r), 255); /* mask 1 was cached */
  assert_int_equal(spexbench_oracle_used(o), 256);
  double r2;
  assert_int_equal(spexbench_r2_exact(spexbench_dataset_truth(d), spexbench_result_spectrum(r),
                                      &r2, &err), 0);
  assert_close(r2, 1.0, 1e-9);
  assert_int_equal(spexbench_r2_heldout(d, spexbench_result_spectrum(r), 500,
                                        SPEXBENCH_HELDOUT_SIZES, 4, &r2, &err), 0);
  assert_close(r2, 1.0, 1e-9);
  assert_int_equal(spexbench_r2_heldout(d, spexbench_result_spectrum(r), 1,
                                        SPEXBENCH_HELDOUT_SIZES, 4, &r2, &err), SPEXBENCH_EINVAL);
  /* indices: SV sum to f(all) - f(∅) (efficiency); an unknown name lists the valid ones */
  spexbench_spectrum *sv = NULL;
  assert_int_equal(spexbench_index(spexbench_result_spectrum(r), "SV", 3, &sv, &err), 0);
  double sum = 0, val;
  for (size_t i = 0; i < spexbench_spectrum_size(sv); i++)
    if (spexbench_spectrum_term(sv, i, NULL, 0, &val) == 1) sum += val;
  uint64_t masks[2] = {0, 0xff};
  double f[2];
  assert_int_equal(spexbench_dataset_eval(d, masks, 2, f, &err), 0);
  assert_close(sum, f[1] - f[0], 1e-9);
  spexbench_spectrum *bad = NULL;
  assert_int_equal(spexbench_index(sv, "Shapley", 2, &bad, &err), SPEXBENCH_EINVAL);
  assert_non_null(strstr(err.message, "FSII"));
  double y[3] = {1, 2, 3}, yh[3] = {1, 2, 3};
  assert_close(spexbench_r2(y, yh, 3), 1.0, 0);
  spexbench_spectrum_free(sv);
  spexbench_result_free(r);
  spexbench_oracle_free(o);
  spexbench_dataset_free(d);
}

/* A caller compiled against an older, shorter options struct. */
static void test_options_versioning(void **state) {
  (void)state;
  spexbench_error err;
  spexbench_dataset *d = NULL;
  spexbench_result *r = NULL;
  assert_int_equal(spexbench_dataset_open("fourier:n=8,k=5,degree=2,seed=2", &d, &err), 0);
  spexbench_run_options o;
  spexbench_run_options_init(&o);
  o.heldout = 0;
  o.threads = 99; /* past the struct_size below: must be ignored (default = cores) */
  o.struct_size = offsetof(spexbench_run_options, heldout_dist);
  assert_int_equal(spexbench_fit(d, "banzhaf", 100, 1, &o, &r, &err), 0);
  assert_true(isnan(spexbench_result_r2_heldout(r))); /* heldout = 0 was read */
  spexbench_result_free(r);
  o.struct_size = 2;
  assert_int_equal(spexbench_fit(d, "banzhaf", 100, 1, &o, &r, &err), SPEXBENCH_EINVAL);
  assert_non_null(strstr(err.message, "struct_size"));
  o.struct_size = sizeof o;
  o.heldout = 1;
  assert_int_equal(spexbench_fit(d, "banzhaf", 100, 1, &o, &r, &err), SPEXBENCH_EINVAL);
  spexbench_dataset_free(d);
  assert_int_equal(spexbench_dataset_open("fourier:n=8,kk=5", &d, &err), SPEXBENCH_EINVAL);
  assert_non_null(strstr(err.message, "kk"));
  assert_null(d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_version),
      cmocka_unit_test(test_spectrum),
      cmocka_unit_test(test_spectrum_errors),
      cmocka_unit_test(test_callback_oracle),
      cmocka_unit_test(test_callback_errors),
      cmocka_unit_test(test_fit_matches_runner),
      cmocka_unit_test(test_run_algorithm_and_metrics),
      cmocka_unit_test(test_options_versioning),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
