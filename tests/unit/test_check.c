/* runner/check: the rules of `spexbench check` on hand-made records — the exact
 * rule for noiseless synthetic cells (any change beyond 1e-9 fails), the paired
 * median rule (tolerance from the reference IQR and the run count), the rate
 * rule for exact recovery, the status row (missing runs, changed status or
 * identity), and the printed table. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "runner/check.h"
#include "runner/summary.h"

#define M 8

typedef struct side {
  sb_run_result r[M];
  sb_run_result *p[M];
} side;

/* M runs of one cell (group g, label spex, budget 100): ids run-0.., r2 values v[i]. */
static void make(side *s, const char *family, double noise, const double *r2, int support) {
  for (size_t i = 0; i < M; i++) {
    sb_run_result *r = &s->r[i];
    sb_run_result_init(r);
    char id[16];
    snprintf(id, sizeof id, "run-%zu", i);
    sb_run_result_set(&r->id, id);
    sb_run_result_set(&r->group, "g");
    sb_run_result_set(&r->label, "spex");
    sb_run_result_set(&r->family, family);
    sb_run_result_set(&r->identity, id);
    r->budget = 100;
    r->status = SB_RUN_OK;
    r->queries_used = 96;
    r->noise_sd = noise;
    r->r2_exact = r2[i];
    r->r2_heldout = r2[i];
    r->support_exact = support;
    s->p[i] = r;
  }
}

static void clear(side *s) {
  for (size_t i = 0; i < M; i++) sb_run_result_clear(&s->r[i]);
}

static sb_check_result *compare(side *ref, side *now, size_t nnow) {
  sb_check_opts o;
  sb_check_opts_default(&o);
  sb_check_result *res = NULL;
  sb_error err = {0};
  assert_int_equal(sb_check_compare(ref->p, M, now->p, nnow, &o, &res, &err), SB_OK);
  return res;
}

static const sb_check_row *row(const sb_check_result *res, const char *metric) {
  for (size_t k = 0; k < res->n; k++)
    if (!strcmp(res->rows[k].metric, metric)) return &res->rows[k];
  fail_msg("no row %s", metric);
  return NULL;
}

static const double R2[M] = {0.90, 0.92, 0.94, 0.95, 0.96, 0.97, 0.98, 0.99};

static void test_exact_rule(void **state) {
  (void)state;
  side a, b;
  make(&a, "fourier", 0.0, R2, 1);
  make(&b, "fourier", 0.0, R2, 1);
  sb_check_result *res = compare(&a, &b, M);
  assert_int_equal(res->cells, 1);
  assert_int_equal(res->exact_cells, 1);
  assert_int_equal(res->failed, 0);
  assert_int_equal(row(res, "r2_exact")->rule, SB_CHECK_EXACT);
  sb_check_result_free(res);
  /* one run moves by 1e-8: the exact rule fails, naming the worst run's values */
  b.r[3].r2_exact += 1e-8;
  res = compare(&a, &b, M);
  const sb_check_row *w = row(res, "r2_exact");
  assert_false(w->pass);
  assert_int_equal(w->differ, 1);
  assert_close(w->ref, 0.95, 0);
  assert_close(w->delta, 1e-8, 1e-15);
  assert_true(row(res, "r2_heldout")->pass);
  assert_int_equal(res->failed, 1);
  sb_check_result_free(res);
  /* below 1e-9 passes */
  b.r[3].r2_exact = a.r[3].r2_exact + 1e-10;
  res = compare(&a, &b, M);
  assert_int_equal(res->failed, 0);
  sb_check_result_free(res);
  clear(&a), clear(&b);
}

static void test_paired_rule(void **state) {
  (void)state;
  side a, b;
  /* a file family: statistical rules */
  make(&a, "npz", 0.0, R2, -1);
  make(&b, "npz", 0.0, R2, -1);
  sb_check_result *res = compare(&a, &b, M);
  assert_int_equal(res->exact_cells, 0);
  const sb_check_row *w = row(res, "r2_exact");
  assert_int_equal(w->rule, SB_CHECK_PAIRED);
  /* tol = max(1e-3, 0.5 * IQR / sqrt(8)); IQR of R2 = q3 - q1 */
  double med, q1, q3, v[M];
  memcpy(v, R2, sizeof v);
  sb_summary_quartiles(v, M, &med, &q1, &q3, NULL);
  double tol = fmax(1e-3, 0.5 * (q3 - q1) / sqrt((double)M));
  assert_close(w->tol, tol, 1e-15);
  assert_true(w->pass);
  sb_check_result_free(res);
  /* every run down by 0.9 tol: passes; by 1.1 tol: fails */
  for (size_t i = 0; i < M; i++) b.r[i].r2_exact = R2[i] - 0.9 * tol;
  res = compare(&a, &b, M);
  assert_true(row(res, "r2_exact")->pass);
  sb_check_result_free(res);
  for (size_t i = 0; i < M; i++) b.r[i].r2_exact = R2[i] - 1.1 * tol;
  res = compare(&a, &b, M);
  assert_false(row(res, "r2_exact")->pass);
  assert_close(row(res, "r2_exact")->delta, -1.1 * tol, 1e-12);
  sb_check_result_free(res);
  /* two runs of eight collapse (a flipped CV choice): the median ignores them */
  for (size_t i = 0; i < M; i++) b.r[i].r2_exact = R2[i];
  b.r[0].r2_exact = 0.1, b.r[5].r2_exact = 0.2;
  res = compare(&a, &b, M);
  assert_true(row(res, "r2_exact")->pass);
  assert_int_equal(row(res, "r2_exact")->differ, 2);
  sb_check_result_free(res);
  /* a value on one side only fails */
  b.r[0].r2_exact = a.r[0].r2_exact, b.r[5].r2_exact = NAN;
  res = compare(&a, &b, M);
  assert_false(row(res, "r2_exact")->pass);
  sb_check_result_free(res);
  clear(&a), clear(&b);
}

static void test_rate_rule(void **state) {
  (void)state;
  side a, b;
  make(&a, "fourier", 0.5, R2, 1); /* noisy: statistical */
  make(&b, "fourier", 0.5, R2, 1);
  sb_check_result *res = compare(&a, &b, M);
  const sb_check_row *w = row(res, "support_exact");
  assert_int_equal(w->rule, SB_CHECK_RATE);
  assert_true(w->pass);
  assert_close(w->tol, 1.0 / M, 1e-15); /* p = 1: the 1/m floor */
  sb_check_result_free(res);
  b.r[0].support_exact = 0; /* one run of eight: within 1/m */
  res = compare(&a, &b, M);
  assert_true(row(res, "support_exact")->pass);
  sb_check_result_free(res);
  b.r[1].support_exact = 0; /* two: beyond */
  res = compare(&a, &b, M);
  assert_false(row(res, "support_exact")->pass);
  assert_close(row(res, "support_exact")->now, 0.75, 1e-15);
  sb_check_result_free(res);
  clear(&a), clear(&b);
}

static void test_status_row_and_table(void **state) {
  (void)state;
  side a, b;
  make(&a, "fourier", 0.0, R2, 1);
  make(&b, "fourier", 0.0, R2, 1);
  b.r[2].status = SB_RUN_FAILED;
  sb_run_result_set(&b.r[4].identity, "another seed");
  /* the last run is missing from the rerun */
  sb_check_result *res = compare(&a, &b, M - 1);
  const sb_check_row *w = row(res, "status");
  assert_false(w->pass);
  assert_int_equal(w->differ, 3);
  assert_non_null(strstr(w->note, "1 run missing"));
  assert_non_null(strstr(w->note, "status changed in 1"));
  assert_non_null(strstr(w->note, "1 run identity differ"));
  char buf[8192] = "";
  FILE *fp = fmemopen(buf, sizeof buf - 1, "w");
  sb_check_print(fp, res, 0);
  fclose(fp);
  assert_non_null(strstr(buf, "cell (group | label | budget)"));
  assert_non_null(strstr(buf, "g | spex | 100"));
  assert_non_null(strstr(buf, "FAIL"));
  assert_non_null(strstr(buf, "OUT OF TOLERANCE"));
  sb_check_result_free(res);
  /* an unchanged cell prints only the verdict line */
  res = compare(&a, &a, M);
  fp = fmemopen(buf, sizeof buf - 1, "w");
  sb_check_print(fp, res, 0);
  fclose(fp);
  assert_null(strstr(buf, "FAIL"));
  assert_non_null(strstr(buf, "all within tolerance"));
  sb_check_result_free(res);
  clear(&a), clear(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_exact_rule),
      cmocka_unit_test(test_paired_rule),
      cmocka_unit_test(test_rate_rule),
      cmocka_unit_test(test_status_row_and_table),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
