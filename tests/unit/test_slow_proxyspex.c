/* ProxySPEX accuracy on hierarchical interaction structure (ALGORITHMS.md §5, §7):
 * with the default grid (depths 3|5, trees 500|1000, rates 0.01|0.1, 5-fold CV),
 * 95% energy truncation and ridge refit, a fixed hierarchical function with
 * n = 64 (k = 10 top-level sets, degree 4) is explained with exact (Parseval)
 * R² >= 0.9 from 600 queries, and n = 256 from 1000 queries.  Release-only
 * (test_slow_*): the CV trains 20 boosted ensembles of up to 1000 trees. */
#include <math.h>
#include <string.h>

#include "algos/algo.h"
#include "core/seed.h"
#include "data/dataset.h"
#include "metrics/metrics.h"
#include "testutil.h"

static double r2_of(const char *spec, size_t budget, uint64_t seed) {
  sb_error err = {0};
  sb_dataset *d = NULL;
  if (sb_dataset_open(spec, &d, &err)) fail_msg("%s", err.msg);
  const sb_algo_type *t = NULL;
  sb_params *p = NULL;
  assert_int_equal(sb_algo_parse("proxyspex", &t, &p, &err), SB_OK);
  sb_oracle *o = sb_oracle_alloc(d->n, d->eval, d->ctx, budget);
  gsl_rng *r = sb_rng_alloc(seed);
  sb_algo_ctx ctx = {.n = d->n, .budget = budget, .params = p, .rng = r, .seed = seed,
                     .design_seed = seed, .threads = 2};
  sb_fit fit;
  int rc = sb_algo_execute(t, &ctx, o, &fit, &err);
  if (rc) fail_msg("%s", err.msg);
  assert_true(sb_oracle_used(o) <= budget);
  double r2 = NAN;
  assert_int_equal(sb_r2_parseval(d->truth, fit.surrogate, &r2, &err), SB_OK);
  print_message("%s budget %zu: R2 = %.4f (%s)\n", spec, budget, r2, fit.info);
  sb_fit_clear(&fit);
  gsl_rng_free(r);
  sb_oracle_free(o);
  sb_params_free(p);
  sb_dataset_free(d);
  return r2;
}

static void test_hierarchical_n64(void **state) {
  (void)state;
  assert_true(r2_of("hierarchical:n=64,k=10,degree=4,seed=2", 600, 11) >= 0.9);
}

static void test_hierarchical_n256(void **state) {
  (void)state;
  assert_true(r2_of("hierarchical:n=256,k=10,degree=4,seed=2", 1000, 12) >= 0.9);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hierarchical_n64),
      cmocka_unit_test(test_hierarchical_n256),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
