/* linalg: least squares and ridge (src/linalg/regress.c) against an independent
 * reference built on GSL's own SVD — tall and wide designs, weights, intercept,
 * rank deficiency, the GCV choice of α — so the QR/LQ route (no U formed) and
 * the full-SVD route (leave-one-out) are both checked. */
#include "testutil.h"

#include <gsl/gsl_linalg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/seed.h"
#include "linalg/regress.h"

/* Centred, weighted design and target (the model regress.c fits). */
static void scaled(const gsl_matrix *X, const gsl_vector *y, const gsl_vector *w, int intercept,
                   gsl_matrix *A, gsl_vector *b, double *xbar, double *ybar) {
  size_t m = X->size1, p = X->size2;
  double W = 0, yb = 0;
  for (size_t j = 0; j < p; j++) xbar[j] = 0;
  for (size_t i = 0; i < m; i++) {
    double wi = w ? gsl_vector_get(w, i) : 1;
    W += wi;
    yb += wi * gsl_vector_get(y, i);
    for (size_t j = 0; j < p; j++) xbar[j] += wi * gsl_matrix_get(X, i, j);
  }
  for (size_t j = 0; j < p; j++) xbar[j] = intercept ? xbar[j] / W : 0;
  *ybar = intercept ? yb / W : 0;
  for (size_t i = 0; i < m; i++) {
    double s = sqrt(w ? gsl_vector_get(w, i) : 1);
    for (size_t j = 0; j < p; j++) gsl_matrix_set(A, i, j, s * (gsl_matrix_get(X, i, j) - xbar[j]));
    gsl_vector_set(b, i, s * (gsl_vector_get(y, i) - *ybar));
  }
}

/* Reference ridge (α = 0: minimum-norm least squares) through GSL's SVD; singular
 * values below 1e-12 s_max count as zero.  Returns the intercept. */
static double ref_ridge(const gsl_matrix *X, const gsl_vector *y, const gsl_vector *w,
                        int intercept, double alpha, gsl_vector *beta, double *gcv) {
  size_t m = X->size1, p = X->size2, r = m < p ? m : p;
  double *xbar = malloc(p * sizeof *xbar), ybar;
  gsl_matrix *A = gsl_matrix_alloc(m, p);
  gsl_vector *b = gsl_vector_alloc(m);
  scaled(X, y, w, intercept, A, b, xbar, &ybar);
  /* thin SVD of A = U S Vᵀ (via Aᵀ when wide) */
  gsl_matrix *U, *V;
  gsl_vector *S = gsl_vector_alloc(r), *work = gsl_vector_alloc(r);
  if (m >= p) {
    U = A;
    V = gsl_matrix_alloc(p, p);
    gsl_linalg_SV_decomp(U, V, S, work);
  } else {
    V = gsl_matrix_alloc(p, m);
    gsl_matrix_transpose_memcpy(V, A);
    U = gsl_matrix_alloc(m, m);
    gsl_linalg_SV_decomp(V, U, S, work);
    gsl_matrix_free(A);
  }
  double smax = gsl_vector_get(S, 0), rss = 0, df = intercept, bb = 0;
  for (size_t i = 0; i < m; i++) bb += gsl_vector_get(b, i) * gsl_vector_get(b, i);
  rss = bb;
  gsl_vector_set_zero(beta);
  for (size_t k = 0; k < r; k++) {
    double s = gsl_vector_get(S, k), c = 0;
    if (!(s > 1e-12 * smax)) continue;
    for (size_t i = 0; i < m; i++) c += gsl_matrix_get(U, i, k) * gsl_vector_get(b, i);
    double sh = s * s / (s * s + alpha);
    rss += -c * c + c * c * (1 - sh) * (1 - sh);
    df += sh;
    for (size_t j = 0; j < p; j++)
      *gsl_vector_ptr(beta, j) += gsl_matrix_get(V, j, k) * c * s / (s * s + alpha);
  }
  if (gcv) *gcv = (double)m * rss / (((double)m - df) * ((double)m - df));
  double b0 = ybar;
  for (size_t j = 0; j < p; j++) b0 -= xbar[j] * gsl_vector_get(beta, j);
  gsl_matrix_free(U), gsl_matrix_free(V), gsl_vector_free(S), gsl_vector_free(work),
      gsl_vector_free(b), free(xbar);
  return b0;
}

static void random_problem(size_t m, size_t p, gsl_rng *r, gsl_matrix **X, gsl_vector **y,
                           gsl_vector **w) {
  *X = gsl_matrix_alloc(m, p);
  *y = gsl_vector_alloc(m);
  *w = gsl_vector_alloc(m);
  for (size_t i = 0; i < m; i++) {
    double yi = 0.3 + 0.2 * gsl_rng_uniform(r);
    for (size_t j = 0; j < p; j++) {
      double x = gsl_rng_uniform(r) < 0.5 ? -1.0 : 1.0;
      gsl_matrix_set(*X, i, j, x);
      if (j < 4) yi += (double)(j + 1) * x;
    }
    gsl_vector_set(*y, i, yi);
    gsl_vector_set(*w, i, 0.5 + gsl_rng_uniform(r));
  }
}

static void check_ridge(size_t m, size_t p, int weighted, int intercept, double alpha) {
  gsl_rng *r = sb_rng_alloc(m * 31 + p);
  gsl_matrix *X;
  gsl_vector *y, *w, *beta = gsl_vector_alloc(p), *ref = gsl_vector_alloc(p);
  random_problem(m, p, r, &X, &y, &w);
  sb_error err = {0};
  double b0 = 0, rb0 = ref_ridge(X, y, weighted ? w : NULL, intercept, alpha, ref, NULL);
  assert_int_equal(sb_ridge_cv(X, y, weighted ? w : NULL, intercept, &alpha, 1, SB_RIDGE_GCV,
                               beta, &b0, NULL, &err),
                   SB_OK);
  for (size_t j = 0; j < p; j++) assert_close(gsl_vector_get(beta, j), gsl_vector_get(ref, j), 1e-9);
  assert_close(b0, rb0, 1e-9);
  if (alpha == 0 && !intercept) {
    size_t rank = 0;
    assert_int_equal(sb_lstsq(X, y, weighted ? w : NULL, 1e-12, beta, &rank, &err), SB_OK);
    assert_int_equal(rank, m < p ? m : p);
    for (size_t j = 0; j < p; j++) assert_close(gsl_vector_get(beta, j), gsl_vector_get(ref, j), 1e-9);
  }
  gsl_matrix_free(X), gsl_vector_free(y), gsl_vector_free(w), gsl_vector_free(beta),
      gsl_vector_free(ref), gsl_rng_free(r);
}

/* Tall (QR route) and wide (LQ route), with and without weights and intercept. */
static void test_ridge_and_lstsq_vs_reference(void **state) {
  (void)state;
  check_ridge(300, 25, 0, 0, 0.0);
  check_ridge(300, 25, 1, 1, 0.0);
  check_ridge(300, 25, 1, 1, 3.5);
  check_ridge(40, 90, 0, 0, 0.0);  /* wide: the minimum-norm solution */
  check_ridge(40, 90, 1, 0, 0.0);
  check_ridge(40, 90, 1, 1, 0.25);
  check_ridge(64, 64, 0, 1, 1e-3);
}

/* GCV over a grid picks the reference's argmin; LOO (full SVD) still works. */
static void test_ridge_gcv_choice(void **state) {
  (void)state;
  gsl_rng *r = sb_rng_alloc(5);
  const size_t m = 120, p = 60;
  gsl_matrix *X;
  gsl_vector *y, *w, *beta = gsl_vector_alloc(p), *ref = gsl_vector_alloc(p);
  random_problem(m, p, r, &X, &y, &w);
  for (size_t i = 0; i < m; i++) *gsl_vector_ptr(y, i) += 3 * gsl_rng_uniform(r);
  double grid[25], best = INFINITY, best_alpha = 0, chosen = 0, b0;
  sb_logspace(-4, 4, 25, grid);
  for (size_t a = 0; a < 25; a++) {
    double g;
    ref_ridge(X, y, NULL, 1, grid[a], ref, &g);
    if (g < best) best = g, best_alpha = grid[a];
  }
  sb_error err = {0};
  assert_int_equal(sb_ridge_cv(X, y, NULL, 1, grid, 25, SB_RIDGE_GCV, beta, &b0, &chosen, &err),
                   SB_OK);
  assert_close(chosen, best_alpha, 0);
  assert_true(best_alpha > grid[0] && best_alpha < grid[24]); /* an interior choice */
  double rb0 = ref_ridge(X, y, NULL, 1, chosen, ref, NULL);
  for (size_t j = 0; j < p; j++) assert_close(gsl_vector_get(beta, j), gsl_vector_get(ref, j), 1e-9);
  assert_close(b0, rb0, 1e-9);
  assert_int_equal(sb_ridge_cv(X, y, NULL, 1, grid, 25, SB_RIDGE_LOO, beta, &b0, &chosen, &err),
                   SB_OK);
  rb0 = ref_ridge(X, y, NULL, 1, chosen, ref, NULL);
  for (size_t j = 0; j < p; j++) assert_close(gsl_vector_get(beta, j), gsl_vector_get(ref, j), 1e-9);
  gsl_matrix_free(X), gsl_vector_free(y), gsl_vector_free(w), gsl_vector_free(beta),
      gsl_vector_free(ref), gsl_rng_free(r);
}

/* Duplicated columns: the minimum-norm solution splits the weight evenly. */
static void test_lstsq_rank_deficient_tall(void **state) {
  (void)state;
  gsl_rng *r = sb_rng_alloc(8);
  const size_t m = 200, p = 6;
  gsl_matrix *X = gsl_matrix_alloc(m, p);
  gsl_vector *y = gsl_vector_alloc(m), *beta = gsl_vector_alloc(p);
  for (size_t i = 0; i < m; i++) {
    for (size_t j = 0; j < 5; j++) gsl_matrix_set(X, i, j, gsl_rng_uniform(r) - 0.5);
    gsl_matrix_set(X, i, 5, gsl_matrix_get(X, i, 0));
    gsl_vector_set(y, i, 4 * gsl_matrix_get(X, i, 0) - gsl_matrix_get(X, i, 3));
  }
  size_t rank = 0;
  sb_error err = {0};
  assert_int_equal(sb_lstsq(X, y, NULL, 1e-12, beta, &rank, &err), SB_OK);
  assert_int_equal(rank, 5);
  assert_close(gsl_vector_get(beta, 0), 2.0, 1e-10);
  assert_close(gsl_vector_get(beta, 5), 2.0, 1e-10);
  assert_close(gsl_vector_get(beta, 3), -1.0, 1e-10);
  gsl_matrix_free(X), gsl_vector_free(y), gsl_vector_free(beta), gsl_rng_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ridge_and_lstsq_vs_reference),
      cmocka_unit_test(test_ridge_gcv_choice),
      cmocka_unit_test(test_lstsq_rank_deficient_tall),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
