/* The §6 baselines on synthetic games with known spectra: exactness with a full
 * budget (KernelSHAP = Shapley values, faith-banzhaf = FBII, faith-shap = FSII,
 * banzhaf = Banzhaf values, Shapley–Taylor exact where the game allows),
 * KernelSHAP's efficiency at every budget, LIME against the closed-form
 * weighted ridge on the same samples, budgets honoured, skip rules. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algos/algo.h"
#include "core/seed.h"
#include "data/dataset.h"
#include "indices/indices.h"
#include "metrics/metrics.h"

typedef struct {
  sb_dataset *d;
  sb_oracle *o;
  sb_params *params;
  const sb_algo_type *type;
  gsl_rng *rng;
  sb_algo_ctx ctx;
  sb_fit fit;
  int rc;
  sb_error err;
} run_t;

static void run(run_t *r, const char *algo, const char *data, size_t budget, uint64_t seed) {
  memset(r, 0, sizeof *r);
  assert_int_equal(sb_dataset_open(data, &r->d, &r->err), SB_OK);
  if (sb_algo_parse(algo, &r->type, &r->params, &r->err)) print_error("%s\n", r->err.msg);
  assert_non_null(r->type);
  r->o = sb_oracle_alloc(r->d->n, r->d->eval, r->d->ctx, budget);
  r->rng = sb_rng_alloc(seed);
  r->ctx = (sb_algo_ctx){r->d->n, budget, r->params, r->rng, seed, seed, 0, 1, 0};
  r->rc = sb_algo_execute(r->type, &r->ctx, r->o, &r->fit, &r->err);
  if (r->rc && r->rc != SB_ESKIP) print_error("%s: %s\n", algo, r->err.msg);
  if (!r->rc) assert_true(sb_oracle_used(r->o) <= budget);
}

static void run_free(run_t *r) {
  sb_fit_clear(&r->fit);
  sb_oracle_free(r->o);
  sb_params_free(r->params);
  gsl_rng_free(r->rng);
  sb_dataset_free(r->d);
}

static double eval1(const sb_dataset *d, int full) {
  sb_masks *m = sb_masks_alloc(d->n, 1);
  if (full) sb_mask_fill(sb_masks_at(m, 0), d->n);
  double v;
  sb_error err;
  assert_int_equal(sb_dataset_eval(d, m, &v, &err), SB_OK);
  sb_masks_free(m);
  return v;
}

/* Compare index values (all sets of `want`, and all of `got` of size <= order). */
static void assert_same_index(const sb_spectrum *got, const sb_spectrum *want, size_t min_size,
                              double tol) {
  for (size_t i = 0; i < sb_spectrum_size(want); i++) {
    if (sb_spectrum_degree(want, i) < min_size) continue;
    assert_close(sb_spectrum_get(got, sb_spectrum_key(want, i)), want->values[i], tol);
  }
  for (size_t i = 0; i < sb_spectrum_size(got); i++) {
    if (sb_spectrum_degree(got, i) < min_size) continue;
    assert_close(got->values[i], sb_spectrum_get(want, sb_spectrum_key(got, i)), tol);
  }
}

static const char *const games[] = {
    "soum:n=10,k=30,min_order=1,max_order=6,seed=3",
    "fourier:n=9,k=25,degree=5,seed=5",
};

/* ---- exactness with 2^n queries ------------------------------------------ */

static void test_kernelshap_exact(void **st) {
  for (size_t g = 0; g < 2; g++) {
    run_t r;
    run(&r, "kernelshap", games[g], 1u << 10, 7);
    assert_int_equal(r.rc, SB_OK);
    sb_error err;
    sb_spectrum *want = sb_index_compute(r.d->truth, SB_INDEX_SV, 1, 0, &err);
    sb_spectrum *got = sb_index_compute(r.fit.surrogate, SB_INDEX_MOBIUS, 1, 0, &err);
    assert_same_index(got, want, 1, 1e-9);
    sb_spectrum_free(want);
    sb_spectrum_free(got);
    run_free(&r);
  }
}

static void test_faith_shap_exact(void **st) {
  for (size_t g = 0; g < 2; g++)
    for (long l = 1; l <= 3; l++) {
      char spec[64];
      snprintf(spec, sizeof spec, "faith-shap:order=%ld", l);
      run_t r;
      run(&r, spec, games[g], 1u << 10, 11);
      assert_int_equal(r.rc, SB_OK);
      sb_error err;
      sb_spectrum *want = sb_index_compute(r.d->truth, SB_INDEX_FSII, (size_t)l, 0, &err);
      sb_spectrum *got = sb_index_compute(r.fit.surrogate, SB_INDEX_MOBIUS, (size_t)l, 0, &err);
      assert_same_index(got, want, 0, 1e-8);
      sb_spectrum_free(want);
      sb_spectrum_free(got);
      run_free(&r);
    }
}

static void test_faith_banzhaf_exact(void **st) {
  for (size_t g = 0; g < 2; g++)
    for (long l = 1; l <= 3; l++) {
      char spec[64];
      snprintf(spec, sizeof spec, l == 1 ? "banzhaf" : "faith-banzhaf:order=%ld", l);
      run_t r;
      run(&r, spec, games[g], 1u << 10, 13);
      assert_int_equal(r.rc, SB_OK);
      sb_error err;
      sb_spectrum *want = sb_index_compute(r.d->truth, SB_INDEX_FBII, (size_t)l, 0, &err);
      sb_spectrum *got = sb_index_compute(r.fit.surrogate, SB_INDEX_MOBIUS, (size_t)l, 0, &err);
      assert_same_index(got, want, 0, 1e-9);
      if (l == 1) { /* FBII at order 1 = Banzhaf values */
        sb_spectrum *bv = sb_index_compute(r.d->truth, SB_INDEX_BV, 1, 0, &err);
        assert_same_index(got, bv, 1, 1e-9);
        sb_spectrum_free(bv);
      }
      sb_spectrum_free(want);
      sb_spectrum_free(got);
      run_free(&r);
    }
}

/* ---- KernelSHAP: efficiency at every budget, budget spent ----------------- */

static void test_kernelshap_efficiency(void **st) {
  static const char *const data[] = {"soum:n=10,k=30,max_order=6,seed=1",
                                     "fourier:n=40,k=30,degree=4,seed=2",
                                     "fourier:n=200,k=50,degree=3,seed=4"};
  static const size_t budgets[] = {2, 3, 12, 41, 100, 333, 800};
  for (size_t g = 0; g < 3; g++)
    for (size_t b = 0; b < sizeof budgets / sizeof *budgets; b++) {
      run_t r;
      run(&r, "kernelshap", data[g], budgets[b], 100 + b);
      assert_int_equal(r.rc, SB_OK);
      double f0 = eval1(r.d, 0), fN = eval1(r.d, 1), sum = 0;
      for (size_t i = 0; i < sb_spectrum_size(r.fit.surrogate); i++)
        if (sb_spectrum_degree(r.fit.surrogate, i) == 1) sum += r.fit.surrogate->values[i];
      assert_close(sum, fN - f0, 1e-10 * (1 + fabs(fN - f0)));
      uint64_t zero[4] = {0, 0, 0, 0}; /* n <= 256 */
      assert_close(sb_spectrum_eval(r.fit.surrogate, zero), f0, 1e-12);
      size_t want = budgets[b];
      if (r.d->n <= 30 && want > ((size_t)1 << r.d->n)) want = (size_t)1 << r.d->n;
      assert_int_equal(sb_oracle_used(r.o), want);
      run_free(&r);
    }
}

/* ---- LIME = closed-form weighted ridge on its samples ---------------------- */

/* Solve the (p+1)x(p+1) weighted ridge normal equations with an unpenalised
 * intercept by Gaussian elimination with partial pivoting (test oracle only). */
static void ridge_closed_form(const sb_masks *m, const double *y, const double *w, size_t n,
                              double alpha, double *coef /* n+1: b0, beta */) {
  size_t p = n + 1;
  double *A = calloc(p * (p + 1), sizeof *A);
  for (size_t i = 0; i < m->count; i++) {
    double z[64];
    z[0] = 1;
    for (size_t j = 0; j < n; j++) z[j + 1] = sb_mask_get(sb_masks_at(m, i), j);
    for (size_t a = 0; a < p; a++) {
      for (size_t b = 0; b < p; b++) A[a * (p + 1) + b] += w[i] * z[a] * z[b];
      A[a * (p + 1) + p] += w[i] * z[a] * y[i];
    }
  }
  for (size_t a = 1; a < p; a++) A[a * (p + 1) + a] += alpha;
  for (size_t c = 0; c < p; c++) {
    size_t piv = c;
    for (size_t r = c + 1; r < p; r++)
      if (fabs(A[r * (p + 1) + c]) > fabs(A[piv * (p + 1) + c])) piv = r;
    for (size_t k = 0; k <= p; k++) {
      double t = A[c * (p + 1) + k];
      A[c * (p + 1) + k] = A[piv * (p + 1) + k];
      A[piv * (p + 1) + k] = t;
    }
    for (size_t r = 0; r < p; r++) {
      if (r == c) continue;
      double f = A[r * (p + 1) + c] / A[c * (p + 1) + c];
      for (size_t k = c; k <= p; k++) A[r * (p + 1) + k] -= f * A[c * (p + 1) + k];
    }
  }
  for (size_t a = 0; a < p; a++) coef[a] = A[a * (p + 1) + p] / A[a * (p + 1) + a];
  free(A);
}

static void lime_case(const char *algo, double scale) {
  sb_dataset *d;
  sb_error err;
  assert_int_equal(sb_dataset_open("fourier:n=12,k=20,degree=3,seed=9", &d, &err), SB_OK);
  const sb_algo_type *type;
  sb_params *params;
  assert_int_equal(sb_algo_parse(algo, &type, &params, &err), SB_OK);
  gsl_rng *rng = sb_rng_alloc(5);
  sb_algo_ctx ctx = {d->n, 300, params, rng, 5, 5, 0, 1, 0};
  sb_masks *m;
  void *state;
  assert_int_equal(type->design(&ctx, &m, &state, &err), SB_OK);
  assert_int_equal(m->count, 300);
  double *y = malloc(m->count * sizeof *y), *w = malloc(m->count * sizeof *w);
  assert_int_equal(sb_dataset_eval(d, m, y, &err), SB_OK);
  sb_fit fit;
  memset(&fit, 0, sizeof fit);
  assert_int_equal(type->fit(&ctx, state, m, y, &fit, &err), SB_OK);
  for (size_t i = 0; i < m->count; i++) { /* π from the definition, independently */
    double ones = (double)sb_mask_popcount(sb_masks_at(m, i), m->words);
    double dist = ones > 0 ? 1 - ones / (sqrt(ones) * sqrt((double)d->n)) : 1.0;
    dist *= scale;
    w[i] = sqrt(exp(-dist * dist / (25.0 * 25.0)));
  }
  double coef[13];
  ridge_closed_form(m, y, w, d->n, 1.0, coef);
  uint64_t e[1] = {0};
  assert_close(sb_spectrum_get(fit.surrogate, e), coef[0], 1e-9);
  for (size_t j = 0; j < d->n; j++) {
    uint64_t s[1] = {(uint64_t)1 << j};
    assert_close(sb_spectrum_get(fit.surrogate, s), coef[j + 1], 1e-9);
  }
  assert_true(sb_spectrum_max_degree(fit.surrogate) <= 1);
  sb_fit_clear(&fit);
  if (type->state_free) type->state_free(state);
  free(y);
  free(w);
  sb_masks_free(m);
  gsl_rng_free(rng);
  sb_params_free(params);
  sb_dataset_free(d);
}

static void test_lime_closed_form(void **st) { lime_case("lime", 1.0); }
static void test_lime_text_closed_form(void **st) { lime_case("lime-text", 100.0); }

static void test_lime_text_sampler(void **st) {
  run_t r;
  run(&r, "lime-text", "fourier:n=30,k=10,degree=2,seed=1", 500, 3);
  assert_int_equal(r.rc, SB_OK);
  assert_int_equal(sb_oracle_used(r.o), 500);
  run_free(&r);
}

/* ---- permutation sampling -------------------------------------------------- */

static void test_permutation_shapley(void **st) {
  /* additive game: every permutation gives the exact values */
  run_t r;
  run(&r, "permutation-shapley", "soum:n=12,k=8,min_order=1,max_order=1,seed=2", 40, 1);
  assert_int_equal(r.rc, SB_OK);
  sb_error err;
  sb_spectrum *want = sb_index_compute(r.d->truth, SB_INDEX_SV, 1, 0, &err);
  sb_spectrum *got = sb_index_compute(r.fit.surrogate, SB_INDEX_MOBIUS, 1, 0, &err);
  assert_same_index(got, want, 1, 1e-10);
  sb_spectrum_free(want);
  sb_spectrum_free(got);
  run_free(&r);
  /* efficiency and convergence on an interacting game */
  run(&r, "permutation-shapley", "soum:n=8,k=20,max_order=4,seed=6", 256, 2);
  assert_int_equal(r.rc, SB_OK);
  double f0 = eval1(r.d, 0), fN = eval1(r.d, 1), sum = 0;
  for (size_t i = 0; i < sb_spectrum_size(r.fit.surrogate); i++)
    if (sb_spectrum_degree(r.fit.surrogate, i) == 1) sum += r.fit.surrogate->values[i];
  assert_close(sum, fN - f0, 1e-10);
  want = sb_index_compute(r.d->truth, SB_INDEX_SV, 1, 0, &err);
  got = sb_index_compute(r.fit.surrogate, SB_INDEX_MOBIUS, 1, 0, &err);
  assert_same_index(got, want, 1, 0.1); /* >= 1000 permutations (all 256 masks) */
  sb_spectrum_free(want);
  sb_spectrum_free(got);
  run_free(&r);
}

/* ---- Shapley–Taylor -------------------------------------------------------- */

static void test_shapley_taylor(void **st) {
  /* game of order <= 2: STII of order 2 is exact with any permutation */
  run_t r;
  run(&r, "shapley-taylor:order=2", "soum:n=10,k=15,min_order=1,max_order=2,seed=8", 400, 4);
  assert_int_equal(r.rc, SB_OK);
  sb_error err;
  sb_spectrum *want = sb_index_compute(r.d->truth, SB_INDEX_STII, 2, 0, &err);
  assert_same_index(r.fit.surrogate, want, 0, 1e-10);
  sb_spectrum_free(want);
  run_free(&r);
  /* higher-order game: orders < ℓ exact from Möbius */
  run(&r, "shapley-taylor:order=3", "soum:n=9,k=25,min_order=1,max_order=6,seed=9", 2000, 5);
  assert_int_equal(r.rc, SB_OK);
  want = sb_index_compute(r.d->truth, SB_INDEX_STII, 3, 0, &err);
  for (size_t i = 0; i < sb_spectrum_size(want); i++)
    if (sb_spectrum_degree(want, i) < 3)
      assert_close(sb_spectrum_get(r.fit.surrogate, sb_spectrum_key(want, i)), want->values[i],
                   1e-10);
  sb_spectrum_free(want);
  run_free(&r);
  /* a budget below the lower orders is a skip with the reason */
  run(&r, "shapley-taylor:order=3", "soum:n=12,k=5,seed=1", 50, 1);
  assert_int_equal(r.rc, SB_ESKIP);
  assert_non_null(strstr(r.err.msg, "budget"));
  run_free(&r);
}

/* ---- LASSO ------------------------------------------------------------------ */

static void test_lasso_recovers_sparse(void **st) {
  run_t r;
  run(&r, "lasso:degree=2", "fourier:n=16,k=6,degree=2,seed=3", 400, 2);
  assert_int_equal(r.rc, SB_OK);
  assert_int_equal(sb_oracle_used(r.o), 400);
  double r2;
  sb_error err;
  assert_int_equal(sb_r2_parseval(r.d->truth, r.fit.surrogate, &r2, &err), SB_OK);
  assert_true(r2 > 0.99);
  run_free(&r);
}

/* ---- skip rules --------------------------------------------------------------- */

static void test_skip_rules(void **st) {
  static const char *const algos[] = {"faith-shap:order=3", "faith-banzhaf:order=3",
                                      "shapley-taylor:order=3", "lasso:degree=3"};
  for (size_t a = 0; a < 4; a++) {
    run_t r;
    run(&r, algos[a], "fourier:n=40,k=5,degree=2,seed=1", 1000, 1);
    assert_int_equal(r.rc, SB_ESKIP);
    assert_non_null(strstr(r.err.msg, "does not scale"));
    run_free(&r);
  }
  /* force=true lifts the rule (check only: a forced n = 70 order-2 fit is slow) */
  const sb_algo_type *type;
  sb_params *params;
  sb_error err;
  assert_int_equal(sb_algo_parse("faith-shap:order=2,force=true", &type, &params, &err), SB_OK);
  sb_algo_ctx ctx = {70, 3000, params, NULL, 1, 1, 0, 1, 0};
  assert_int_equal(type->check(&ctx, &err), SB_OK);
  sb_params_free(params);
  assert_int_equal(sb_algo_parse("faith-shap:order=2", &type, &params, &err), SB_OK);
  ctx.params = params;
  assert_int_equal(type->check(&ctx, &err), SB_ESKIP);
  sb_params_free(params);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_kernelshap_exact),
      cmocka_unit_test(test_faith_shap_exact),
      cmocka_unit_test(test_faith_banzhaf_exact),
      cmocka_unit_test(test_kernelshap_efficiency),
      cmocka_unit_test(test_lime_closed_form),
      cmocka_unit_test(test_lime_text_closed_form),
      cmocka_unit_test(test_lime_text_sampler),
      cmocka_unit_test(test_permutation_shapley),
      cmocka_unit_test(test_shapley_taylor),
      cmocka_unit_test(test_lasso_recovers_sparse),
      cmocka_unit_test(test_skip_rules),
  };
  const char *filter = getenv("SB_TEST_FILTER"); /* e.g. SB_TEST_FILTER=test_lime* */
  if (filter && *filter) cmocka_set_test_filter(filter);
  return cmocka_run_group_tests(tests, NULL, NULL);
}
