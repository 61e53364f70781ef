/* Histogram kernels of the native booster (proxyspex/gbdt_hist.h): the scalar
 * kernel equals a naive per-feature sum, and every vector kernel this CPU runs
 * returns bit-identical histograms to the scalar one — for n that is not a
 * multiple of the block width, single-row and empty ranges, and a permuted row
 * order (the sums follow idx, not memory order). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "core/seed.h"
#include "proxyspex/gbdt_hist.h"
#include "testutil.h"

static void one_case(size_t n, size_t m, size_t lo, size_t hi, uint64_t seed) {
  gsl_rng *r = sb_rng_alloc(seed);
  size_t rw = (n + 63) / 64;
  uint64_t *xb = calloc(m * rw, sizeof *xb);
  double *g = malloc(m * sizeof *g);
  size_t *idx = malloc(m * sizeof *idx);
  for (size_t i = 0; i < m; i++) {
    for (size_t j = 0; j < n; j++)
      if (gsl_rng_uniform(r) < 0.5) xb[i * rw + j / 64] |= (uint64_t)1 << (j % 64);
    g[i] = gsl_ran_gaussian(r, 1.0) * pow(10.0, (double)gsl_rng_uniform_int(r, 7) - 3.0);
    idx[i] = i;
  }
  for (size_t i = m; i > 1; i--) { /* a permuted row order */
    size_t k = gsl_rng_uniform_int(r, i), t = idx[i - 1];
    idx[i - 1] = idx[k], idx[k] = t;
  }
  double *G0 = malloc(n * sizeof *G0), *G1 = malloc(n * sizeof *G1);
  uint32_t *C0 = malloc(n * sizeof *C0), *C1 = malloc(n * sizeof *C1);
  sb_gbdt_hist_fn scalar = sb_gbdt_hist_kernel("scalar");
  assert_non_null(scalar);
  scalar(xb, rw, g, idx, lo, hi, n, G0, C0);
  for (size_t j = 0; j < n; j++) { /* naive reference, same order */
    double s = 0;
    uint32_t c = 0;
    for (size_t a = lo; a < hi; a++)
      if ((xb[idx[a] * rw + j / 64] >> (j % 64)) & 1) s += g[idx[a]], c++;
    assert_true(s == G0[j]);
    assert_int_equal(c, C0[j]);
  }
  static const char *const names[] = {"avx2", "avx512", "auto"};
  for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
    sb_gbdt_hist_fn f = sb_gbdt_hist_kernel(names[k]);
    if (!f) continue; /* not on this CPU */
    for (size_t j = 0; j < n; j++) G1[j] = NAN, C1[j] = 12345;
    f(xb, rw, g, idx, lo, hi, n, G1, C1);
    assert_memory_equal(G0, G1, n * sizeof *G0);
    assert_memory_equal(C0, C1, n * sizeof *C0);
  }
  free(xb), free(g), free(idx), free(G0), free(G1), free(C0), free(C1);
  gsl_rng_free(r);
}

static void test_kernels_agree(void **state) {
  (void)state;
  static const size_t ns[] = {1, 7, 31, 32, 33, 63, 64, 65, 100, 129, 1024};
  for (size_t i = 0; i < sizeof ns / sizeof *ns; i++) {
    one_case(ns[i], 300, 0, 300, 11 + i);
    one_case(ns[i], 50, 17, 18, 100 + i); /* one row */
    one_case(ns[i], 50, 20, 20, 200 + i); /* empty range: zeros */
  }
}

static void test_names(void **state) {
  (void)state;
  assert_non_null(sb_gbdt_hist_kernel("auto"));
  assert_null(sb_gbdt_hist_kernel("no-such-kernel"));
  const char *a = sb_gbdt_hist_auto_name();
  assert_true(!strcmp(a, "scalar") || !strcmp(a, "avx2") || !strcmp(a, "avx512"));
  print_message("histogram kernel on this CPU: %s (avx2 %s, avx512 %s)\n", a,
                sb_gbdt_hist_kernel("avx2") ? "yes" : "no",
                sb_gbdt_hist_kernel("avx512") ? "yes" : "no");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_kernels_agree),
      cmocka_unit_test(test_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
