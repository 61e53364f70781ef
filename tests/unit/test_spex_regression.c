/* SPEX decoder regression (issue 3): a fixed set of (seed, n, k, b, SNR, decoder)
 * cases whose recovered supports (peeled, refit=none) and Parseval R² (refit=none
 * and refit=lasso) are stored in tests/data/spex_decoder_regression.txt and
 * compared on every run: supports exactly, R² to 1e-9.
 *
 * Regenerate deliberately (after an intended decoder change) with
 *   SB_REGENERATE=1 ./build/test_spex_regression
 * which rewrites the file under SB_SOURCE_DIR; review the diff before committing. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algos/algo.h"
#include "core/seed.h"
#include "data/dataset.h"
#include "metrics/metrics.h"

static const struct {
  int seed;
  size_t n, k;
  unsigned b;
  const char *snr;
  const char *decoder;
} cases[] = {
    {1, 16, 10, 6, "inf", "hard"},  {2, 16, 100, 6, "inf", "soft"}, {3, 64, 50, 6, "inf", "hard"},
    {3, 64, 50, 6, "inf", "soft"},  {4, 100, 30, 5, "20", "hard"},  {4, 100, 30, 5, "20", "soft"},
    {5, 300, 100, 7, "10", "hard"}, {5, 300, 100, 7, "10", "soft"}, {6, 500, 200, 7, "inf", "soft"},
    {7, 1000, 60, 6, "15", "soft"}, {8, 40, 80, 5, "5", "soft"},    {9, 200, 40, 4, "inf", "hard"},
    /* overloaded: more coefficients than bins can resolve */
    {10, 128, 150, 5, "inf", "hard"}, {10, 128, 150, 5, "inf", "soft"},
    {11, 64, 60, 4, "10", "soft"},    {12, 256, 120, 5, "20", "hard"},
};
#define NCASES (sizeof cases / sizeof cases[0])

static int strcmp_ptr(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run one case; writes the case's text block into buf. */
static void run_case(size_t ci, char *buf, size_t cap) {
  char ds[256], as[128];
  snprintf(ds, sizeof ds, "fourier:n=%zu,k=%zu,degree=5,snr_db=%s,seed=%d", cases[ci].n,
           cases[ci].k, cases[ci].snr, cases[ci].seed);
  size_t used = (size_t)snprintf(buf, cap, "case %s b=%u decoder=%s\n", ds, cases[ci].b,
                                 cases[ci].decoder);
  sb_error err = {0};
  sb_dataset *d = NULL;
  assert_int_equal(sb_dataset_open(ds, &d, &err), SB_OK);
  for (int refit = 0; refit < 2; refit++) {
    snprintf(as, sizeof as, "spex:b=%u,decoder=%s,refit=%s", cases[ci].b, cases[ci].decoder,
             refit ? "lasso" : "none");
    const sb_algo_type *type;
    sb_params *params;
    assert_int_equal(sb_algo_parse(as, &type, &params, &err), SB_OK);
    gsl_rng *r = sb_rng_alloc(11);
    sb_algo_ctx ctx = {.n = d->n, .budget = SB_BUDGET_NONE, .params = params, .rng = r,
                       .seed = 11, .design_seed = 11, .noise_sigma = d->noise_sigma, .threads = 1};
    sb_oracle *o = sb_oracle_alloc(d->n, d->eval, d->ctx, SB_BUDGET_NONE);
    sb_fit fit;
    assert_int_equal(sb_algo_execute(type, &ctx, o, &fit, &err), SB_OK);
    double r2;
    assert_int_equal(sb_r2_parseval(d->truth, fit.surrogate, &r2, &err), SB_OK);
    used += (size_t)snprintf(buf + used, cap - used, "r2_%s %.12e\n", refit ? "lasso" : "none", r2);
    if (!refit) {
      /* support, one set per line as sorted indices, lines sorted */
      size_t cnt = sb_spectrum_size(fit.surrogate);
      char **lines = calloc(cnt, sizeof *lines);
      size_t *idx = malloc(d->n * sizeof *idx);
      for (size_t i = 0; i < cnt; i++) {
        size_t len = sb_mask_indices(sb_spectrum_key(fit.surrogate, i), fit.surrogate->words, idx);
        lines[i] = calloc(8 * len + 2, 1);
        size_t u = 0;
        for (size_t a = 0; a < len; a++) u += (size_t)sprintf(lines[i] + u, "%s%zu", a ? "," : "", idx[a]);
        if (!len) strcpy(lines[i], "-");
      }
      qsort(lines, cnt, sizeof *lines, strcmp_ptr);
      used += (size_t)snprintf(buf + used, cap - used, "support %zu\n", cnt);
      for (size_t i = 0; i < cnt; i++) {
        used += (size_t)snprintf(buf + used, cap - used, "%s\n", lines[i]);
        free(lines[i]);
      }
      free(lines);
      free(idx);
    }
    sb_fit_clear(&fit);
    sb_oracle_free(o);
    gsl_rng_free(r);
    sb_params_free(params);
  }
  sb_dataset_free(d);
}

static const char *data_path(void) {
  static char path[1024];
  const char *src = getenv("SB_SOURCE_DIR");
  snprintf(path, sizeof path, "%s/tests/data/spex_decoder_regression.txt", src ? src : SB_SOURCE_DIR);
  return path;
}

static void test_decoder_regression(void **state) {
  (void)state;
  const size_t cap = 1 << 20;
  char *text = malloc(cap);
  size_t used = (size_t)snprintf(text, cap,
                                 "# SPEX decoder regression cases (tests/unit/test_spex_regression.c).\n"
                                 "# Regenerate: SB_REGENERATE=1 ./build/test_spex_regression\n");
  char *buf = malloc(cap / 8);
  for (size_t ci = 0; ci < NCASES; ci++) {
    run_case(ci, buf, cap / 8);
    used += (size_t)snprintf(text + used, cap - used, "%s", buf);
  }
  free(buf);
  const char *path = data_path();
  if (getenv("SB_REGENERATE") && getenv("SB_REGENERATE")[0] == '1') {
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    print_message("wrote %s\n", path);
    free(text);
    return;
  }
  FILE *f = fopen(path, "r");
  if (!f) print_error("cannot open %s (regenerate with SB_REGENERATE=1)\n", path);
  assert_non_null(f);
  char *stored = malloc(cap);
  size_t len = fread(stored, 1, cap - 1, f);
  stored[len] = '\0';
  fclose(f);
  /* line by line: r2 lines to 1e-9, everything else exactly */
  char *sa = NULL, *sb = NULL;
  char *la = strtok_r(text, "\n", &sa), *lb = strtok_r(stored, "\n", &sb);
  size_t line = 0, mismatches = 0;
  const char *current = "";
  while (la || lb) {
    line++;
    if (la && !strncmp(la, "case ", 5)) current = la;
    if (!la || !lb) {
      print_error("line %zu: %s\n", line, la ? "extra output" : "missing output");
      mismatches++;
      break;
    }
    if (!strncmp(la, "r2_", 3) && !strncmp(lb, "r2_", 3)) {
      double a = strtod(strchr(la, ' ') + 1, NULL), b = strtod(strchr(lb, ' ') + 1, NULL);
      if (strncmp(la, lb, 8) || fabs(a - b) > 1e-9) {
        print_error("%s: line %zu: got '%s', stored '%s'\n", current, line, la, lb);
        mismatches++;
      }
    } else if (strcmp(la, lb)) {
      print_error("%s: line %zu: got '%s', stored '%s'\n", current, line, la, lb);
      mismatches++;
    }
    la = strtok_r(NULL, "\n", &sa);
    lb = strtok_r(NULL, "\n", &sb);
  }
  free(stored);
  free(text);
  assert_int_equal(mismatches, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_decoder_regression),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
