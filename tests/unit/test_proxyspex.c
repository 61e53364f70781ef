/* ProxySPEX (../shared/design/ALGORITHMS.md §5), fast checks with a small grid: every sampling
 * variant charges exactly the budget in distinct queries, the run is
 * deterministic in the seed (the same bits on 1 or 2 threads, either CV
 * schedule), tiny budgets are skipped with a reason, bad grids are rejected, and
 * a small sparse function is learned. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algos/algo.h"
#include "core/seed.h"
#include "data/dataset.h"
#include "metrics/metrics.h"
#include "testutil.h"

typedef struct run_out {
  int rc;
  sb_error err;
  sb_fit fit;
  size_t used, asked;
  double r2;
} run_out;

static void run(const char *spec, const char *algo, size_t budget, uint64_t seed, int threads,
                run_out *o) {
  memset(o, 0, sizeof *o);
  sb_dataset *d = NULL;
  assert_int_equal(sb_dataset_open(spec, &d, &o->err), SB_OK);
  const sb_algo_type *t = NULL;
  sb_params *p = NULL;
  assert_int_equal(sb_algo_parse(algo, &t, &p, &o->err), SB_OK);
  sb_oracle *orc = sb_oracle_alloc(d->n, d->eval, d->ctx, budget);
  gsl_rng *r = sb_rng_alloc(seed);
  sb_algo_ctx ctx = {.n = d->n, .budget = budget, .params = p, .rng = r, .seed = seed,
                     .design_seed = seed ^ 77, .threads = threads};
  o->rc = sb_algo_execute(t, &ctx, orc, &o->fit, &o->err);
  o->used = sb_oracle_used(orc);
  o->asked = sb_oracle_asked(orc);
  o->r2 = NAN;
  if (!o->rc) assert_int_equal(sb_r2_parseval(d->truth, o->fit.surrogate, &o->r2, &o->err), SB_OK);
  gsl_rng_free(r);
  sb_oracle_free(orc);
  sb_params_free(p);
  sb_dataset_free(d);
}

#define SPEC "fourier:n=10,k=6,degree=3,seed=4"
#define SMALL "proxyspex:depths=2|3,trees=30|60,rates=0.3"

static void test_learns_and_budget(void **state) {
  (void)state;
  run_out o;
  run(SPEC, SMALL, 300, 1, 1, &o);
  if (o.rc) fail_msg("%s", o.err.msg);
  assert_int_equal(o.used, 300);
  assert_int_equal(o.asked, 300); /* distinct design: no repeats */
  assert_true(o.r2 > 0.8);
  assert_non_null(strstr(o.fit.info, "kept="));
  sb_fit_clear(&o.fit);
  run(SPEC, SMALL ",sampling=iid", 300, 1, 1, &o);
  if (o.rc) fail_msg("%s", o.err.msg);
  assert_int_equal(o.used, 300);  /* distinct count == budget */
  assert_true(o.asked > 300);     /* i.i.d. draws repeat masks at n = 10 */
  sb_fit_clear(&o.fit);
  run(SPEC, SMALL ",sampling=paired", 301, 1, 1, &o);
  if (o.rc) fail_msg("%s", o.err.msg);
  assert_int_equal(o.used, 301);
  assert_int_equal(o.asked, 301); /* pairs of distinct masks: no repeats */
  assert_true(o.r2 > 0.8);
  sb_fit_clear(&o.fit);
  run(SPEC, SMALL ",backend=native", 300, 1, 2, &o);
  if (o.rc) fail_msg("%s", o.err.msg);
  assert_int_equal(o.used, 300);
  assert_true(o.r2 > 0.8);
  assert_non_null(strstr(o.fit.info, "backend=native"));
  sb_fit_clear(&o.fit);
}

static void assert_same_bits(const sb_spectrum *s, const sb_spectrum *t) {
  assert_int_equal(sb_spectrum_size(s), sb_spectrum_size(t));
  for (size_t i = 0; i < sb_spectrum_size(s); i++)
    assert_true(sb_spectrum_get(t, sb_spectrum_key(s, i)) == s->values[i]);
}

/* The same bits whether CV runs side by side on 2 threads, one run after
 * another, or on 1 thread; for both backends. */
static void test_deterministic(void **state) {
  (void)state;
  static const char *const algos[] = {SMALL, SMALL ",backend=native"};
  for (size_t k = 0; k < 2; k++) {
    char sequential[256];
    snprintf(sequential, sizeof sequential, "%s,parallel=xgb", algos[k]);
    run_out a, b, c;
    run(SPEC, algos[k], 200, 9, 2, &a);
    run(SPEC, sequential, 200, 9, 2, &b);
    run(SPEC, algos[k], 200, 9, 1, &c);
    assert_int_equal(a.rc, SB_OK);
    assert_int_equal(b.rc, SB_OK);
    assert_int_equal(c.rc, SB_OK);
    assert_same_bits(a.fit.surrogate, b.fit.surrogate);
    assert_same_bits(a.fit.surrogate, c.fit.surrogate);
    sb_fit_clear(&a.fit);
    sb_fit_clear(&b.fit);
    sb_fit_clear(&c.fit);
  }
}

static void test_skip_and_errors(void **state) {
  (void)state;
  run_out o;
  run(SPEC, SMALL, 12, 1, 1, &o);
  assert_int_equal(o.rc, SB_ESKIP);
  assert_non_null(strstr(o.err.msg, "5-fold"));
  assert_int_equal(o.used, 0);
  run("fourier:n=3,k=2,degree=2,seed=1", SMALL, 100, 1, 1, &o);
  assert_int_equal(o.rc, SB_ESKIP);
  run(SPEC, "proxyspex:depths=3|x", 100, 1, 1, &o);
  assert_int_equal(o.rc, SB_EINVAL);
  run(SPEC, "proxyspex:rates=0", 100, 1, 1, &o);
  assert_int_equal(o.rc, SB_EINVAL);
  run(SPEC, "proxyspex:energy=1.5", 100, 1, 1, &o);
  assert_int_equal(o.rc, SB_EINVAL);
  run(SPEC, "proxyspex:backend=native,depths=13", 100, 1, 1, &o);
  assert_int_equal(o.rc, SB_EINVAL);
  run(SPEC, "proxyspex:min_child_weight=-1", 100, 1, 1, &o);
  assert_int_equal(o.rc, SB_EINVAL);
  assert_non_null(strstr(o.err.msg, "min_child_weight"));
}

/* min_child_weight reaches both backends: a child must hold more rows than the
 * budget, so no tree splits and the proxy is the constant F(∅) alone. */
static void test_min_child_weight(void **state) {
  (void)state;
  static const char *const algos[] = {
      "proxyspex:min_child_weight=1000,trees=50,rates=0.1,depths=3",
      "proxyspex:backend=native,min_child_weight=1000,trees=50,rates=0.1,depths=3"};
  for (size_t i = 0; i < 2; i++) {
    run_out o;
    run(SPEC, algos[i], 200, 1, 1, &o);
    assert_int_equal(o.rc, SB_OK);
    assert_non_null(strstr(o.fit.info, "proxy_terms=1 "));
    assert_true(o.r2 < 0.1);
    sb_fit_clear(&o.fit);
  }
  run_out o; /* with the default it does split */
  run(SPEC, "proxyspex:trees=50,rates=0.1,depths=3", 200, 1, 1, &o);
  assert_int_equal(o.rc, SB_OK);
  assert_null(strstr(o.fit.info, "proxy_terms=1 "));
  assert_true(o.r2 > 0.5);
  sb_fit_clear(&o.fit);
}

/* energy=1 and refit=none keep the whole proxy spectrum: on a function that the
 * trees fit exactly (a 2-way AND plus a singleton), R² is ~1. */
static void test_energy_full(void **state) {
  (void)state;
  run_out o;
  run("soum:n=8,k=2,min_order=1,max_order=2,seed=3", "proxyspex:depths=2,trees=300,rates=0.3,energy=1,"
      "refit=none", 256, 1, 1, &o);
  if (o.rc) fail_msg("%s", o.err.msg);
  assert_true(o.r2 > 0.999);
  sb_fit_clear(&o.fit);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_learns_and_budget),
      cmocka_unit_test(test_deterministic),
      cmocka_unit_test(test_skip_and_errors),
      cmocka_unit_test(test_min_child_weight),
      cmocka_unit_test(test_energy_full),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
