/* Synthetic generators, metrics, regression kernels and the two foundation
 * algorithms (exhaustive, faith-banzhaf) end to end through the oracle. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "algos/algo.h"
#include "core/seed.h"
#include "core/transform.h"
#include "data/dataset.h"
#include "linalg/regress.h"
#include "metrics/metrics.h"
#include "trace/npz.h"
#include <unistd.h>

static sb_dataset *open_ok(const char *spec) {
  sb_dataset *d = NULL;
  sb_error err = {0};
  int rc = sb_dataset_open(spec, &d, &err);
  if (rc) print_error("%s: %s\n", spec, err.msg);
  assert_int_equal(rc, 0);
  return d;
}

static void test_fourier_generator(void **state) {
  (void)state;
  sb_dataset *d = open_ok("fourier:n=100,k=30,degree=4,seed=3");
  assert_int_equal(d->n, 100);
  assert_non_null(d->truth);
  assert_int_equal(sb_spectrum_size(d->truth), 30);
  assert_true(sb_spectrum_max_degree(d->truth) <= 4);
  for (size_t i = 0; i < d->truth->count; i++) {
    double v = fabs(d->truth->values[i]);
    assert_true(v >= 0.5 && v <= 1.0);
  }
  assert_string_equal(d->name, "fourier-n100-k30-d4-s3");
  /* determinism: same spec, same spectrum */
  sb_dataset *e = open_ok("fourier:seed=3,degree=4,k=30,n=100");
  for (size_t i = 0; i < d->truth->count; i++)
    assert_close(sb_spectrum_get(e->truth, sb_spectrum_key(d->truth, i)), d->truth->values[i], 0);
  sb_dataset *f = open_ok("fourier:n=100,k=30,degree=4,seed=4");
  int differ = 0;
  for (size_t i = 0; i < d->truth->count; i++)
    differ |= sb_spectrum_get(f->truth, sb_spectrum_key(d->truth, i)) != d->truth->values[i];
  assert_true(differ);
  sb_dataset_free(d);
  sb_dataset_free(e);
  sb_dataset_free(f);
}

/* Large n: the families evaluate from the terms' index lists; the answers are the
 * spectrum's own evaluation (bit for bit for a Fourier function).  n is limited to
 * SB_MAX_N = 2^20 in one place. */
static void test_large_n_families(void **state) {
  (void)state;
  static const char *specs[] = {"fourier:n=5000,k=40,degree=5,constant=0.5,seed=1",
                                "soum:n=3000,k=15,max_order=4,seed=2",
                                "hierarchical:n=3000,k=4,degree=3,seed=3"};
  gsl_rng *r = sb_rng_alloc(9);
  for (size_t a = 0; a < 3; a++) {
    sb_dataset *d = open_ok(specs[a]);
    const size_t m = 500;
    sb_masks *masks = sb_masks_alloc(d->n, m);
    for (size_t j = 0; j < m; j++) sb_mask_random(sb_masks_at(masks, j), d->n, r);
    double *y = malloc(m * sizeof *y), *z = malloc(m * sizeof *z);
    sb_error err;
    assert_int_equal(d->eval(d->ctx, masks->bits, m, y, &err), SB_OK);
    sb_spectrum_eval_batch(d->truth, masks, z);
    for (size_t j = 0; j < m; j++) {
      if (a == 0) assert_true(y[j] == z[j]);
      else assert_close(y[j], z[j], 1e-9);
    }
    free(y);
    free(z);
    sb_masks_free(masks);
    sb_dataset_free(d);
  }
  gsl_rng_free(r);
  sb_dataset *d = open_ok("fourier:n=1048576,k=5,degree=3,seed=1");
  assert_int_equal(d->n, (size_t)SB_MAX_N);
  sb_dataset_free(d);
  sb_error err = {0};
  assert_int_not_equal(sb_dataset_open("fourier:n=1048577,k=5,seed=1", &d, &err), SB_OK);
  assert_non_null(strstr(err.msg, "1..1048576"));
}

static void test_snr_and_noise_determinism(void **state) {
  (void)state;
  sb_dataset *d = open_ok("fourier:n=40,k=20,degree=3,snr_db=10,seed=1");
  double power = sb_spectrum_energy(d->truth, 0);
  assert_close(d->noise_sigma * d->noise_sigma, power / 10.0, 1e-12);
  gsl_rng *r = sb_rng_alloc(5);
  size_t m = 20000;
  sb_masks *masks = sb_masks_alloc(40, m);
  for (size_t j = 0; j < m; j++) sb_mask_random(sb_masks_at(masks, j), 40, r);
  double *y = malloc(m * sizeof *y), *y2 = malloc(m * sizeof *y2), *clean = malloc(m * sizeof *clean);
  sb_error err;
  sb_dataset_eval(d, masks, y, &err);
  sb_dataset_eval(d, masks, y2, &err);
  sb_spectrum_eval_batch(d->truth, masks, clean);
  double noise = 0, sig = 0, mean = 0;
  for (size_t j = 0; j < m; j++) mean += clean[j] / (double)m;
  for (size_t j = 0; j < m; j++) {
    assert_close(y[j], y2[j], 0); /* same mask, same answer */
    noise += (y[j] - clean[j]) * (y[j] - clean[j]);
    sig += (clean[j] - mean) * (clean[j] - mean);
  }
  double snr = 10 * log10(sig / noise);
  assert_close(snr, 10.0, 0.3); /* realised SNR within tolerance */
  free(y), free(y2), free(clean);
  sb_masks_free(masks);
  gsl_rng_free(r);
  sb_dataset_free(d);
}

static void test_soum_hierarchical(void **state) {
  (void)state;
  sb_dataset *d = open_ok("soum:n=12,k=15,min_order=2,max_order=4,seed=2");
  assert_non_null(d->truth);
  /* soum is Möbius-sparse: converting the truth back gives <= 15 terms of order 2..4 */
  sb_error err;
  sb_spectrum *a = sb_spectrum_to_mobius(d->truth, 0, &err);
  sb_spectrum_prune(a, 1e-12);
  assert_true(a->count <= 15);
  for (size_t i = 0; i < a->count; i++) {
    size_t deg = sb_spectrum_degree(a, i);
    assert_true(deg >= 2 && deg <= 4);
  }
  sb_spectrum_free(a);
  sb_dataset_free(d);
  sb_dataset *h = open_ok("hierarchical:n=32,k=5,degree=3,seed=9");
  a = sb_spectrum_to_mobius(h->truth, 0, &err);
  sb_spectrum_prune(a, 1e-12);
  /* hierarchy: every non-empty subset of a present term is present */
  uint64_t sub;
  for (size_t i = 0; i < a->count; i++) {
    uint64_t key = sb_spectrum_key(a, i)[0];
    for (sub = (key - 1) & key; sub; sub = (sub - 1) & key) assert_true(sb_spectrum_find(a, &sub) >= 0);
  }
  sb_spectrum_free(a);
  sb_dataset_free(h);
  sb_dataset *c = NULL;
  sb_error e2 = {0};
  assert_int_not_equal(sb_dataset_open("fourier:n=10,k=5,bogus=1", &c, &e2), 0);
  assert_non_null(strstr(e2.msg, "bogus"));
  assert_int_not_equal(sb_dataset_open("nosuch:n=1", &c, &e2), 0);
  assert_non_null(strstr(e2.msg, "fourier"));
  assert_int_not_equal(sb_dataset_open("fourier:n=abc", &c, &e2), 0);
  assert_non_null(strstr(e2.msg, "integer"));
}

/* Parseval R² and held-out R² agree on a known case (half the energy removed). */
static void test_r2_parseval_vs_heldout(void **state) {
  (void)state;
  sb_dataset *d = open_ok("fourier:n=20,k=8,degree=2,seed=11");
  sb_spectrum *g = sb_spectrum_clone(d->truth);
  for (size_t i = 0; i < g->count; i++) g->values[i] *= 0.5; /* R² = 1 - 0.25 = 0.75 */
  double exact, held;
  sb_error err;
  assert_int_equal(sb_r2_parseval(d->truth, g, &exact, &err), 0);
  assert_close(exact, 0.75, 1e-12);
  sb_heldout *h;
  assert_int_equal(sb_heldout_make(d, 40000, SB_HELDOUT_UNIFORM, 99, &h, &err), 0);
  assert_int_equal(sb_r2_heldout(h, g, &held, &err), 0);
  assert_close(held, exact, 0.02);
  sb_recovery rec;
  sb_recovery_compute(d->truth, g, 1e-9, &rec, &err);
  assert_close(rec.precision, 1.0, 0);
  assert_close(rec.recall, 1.0, 0);
  assert_close(rec.rel_error, 0.5, 1e-12);
  double y[3] = {1, 1, 1}, yh[3] = {1, 2, 3};
  assert_true(isnan(sb_r2(y, yh, 3))); /* constant function: undefined, not a crash */
  sb_heldout_free(h);
  sb_spectrum_free(g);
  sb_dataset_free(d);
}

/* Mutant (issue 13.6): the Parseval denominator including the ∅ coefficient.
 * R² is about the variance: a large constant must not inflate it. */
static void test_r2_parseval_empty_coefficient(void **state) {
  (void)state;
  sb_spectrum *F = sb_spectrum_alloc(SB_BASIS_FOURIER, 4), *G = sb_spectrum_alloc(SB_BASIS_FOURIER, 4);
  size_t one = 1, two = 2;
  assert_int_equal(sb_spectrum_add_indices(F, NULL, 0, 10.0), 0); /* f(∅) part: mean 10 */
  assert_int_equal(sb_spectrum_add_indices(F, &one, 1, 1.0), 0);
  assert_int_equal(sb_spectrum_add_indices(F, &two, 1, 1.0), 0);
  assert_int_equal(sb_spectrum_add_indices(G, NULL, 0, 10.0), 0);
  assert_int_equal(sb_spectrum_add_indices(G, &one, 1, 1.0), 0);
  double r2;
  sb_error err;
  assert_int_equal(sb_r2_parseval(F, G, &r2, &err), 0);
  assert_close(r2, 0.5, 1e-15); /* 1 - 1 / (1 + 1); with ∅ counted it would be 1 - 1/102 */
  /* a surrogate that misses only the constant is penalised by it */
  sb_spectrum_reset(G);
  assert_int_equal(sb_spectrum_add_indices(G, &one, 1, 1.0), 0);
  assert_int_equal(sb_spectrum_add_indices(G, &two, 1, 1.0), 0);
  assert_int_equal(sb_r2_parseval(F, G, &r2, &err), 0);
  assert_close(r2, 1.0 - 100.0 / 2.0, 1e-12);
  sb_spectrum_free(F);
  sb_spectrum_free(G);
}

/* Bug (issue 13.4): values near 1e308 overflowed the sums of squares and R² came
 * out NaN (or 1) with exit 0.  R² is scale-free: it must match the unscaled one. */
static void test_r2_extreme_values(void **state) {
  (void)state;
  sb_dataset *d = open_ok("fourier:n=12,k=6,degree=2,seed=5");
  sb_spectrum *g = sb_spectrum_clone(d->truth);
  for (size_t i = 0; i < g->count; i++) g->values[i] *= i % 2 ? 0.5 : 1.0;
  sb_heldout *h;
  sb_error err;
  double r2, r2big, ex, exbig;
  assert_int_equal(sb_heldout_make(d, 2000, SB_HELDOUT_UNIFORM, 3, &h, &err), 0);
  assert_int_equal(sb_r2_heldout(h, g, &r2, &err), 0);
  assert_int_equal(sb_r2_parseval(d->truth, g, &ex, &err), 0);
  const double big = 1e306;
  for (size_t j = 0; j < h->masks->count; j++) h->values[j] *= big;
  sb_spectrum *gb = sb_spectrum_clone(g), *tb = sb_spectrum_clone(d->truth);
  sb_spectrum_scale(gb, big);
  sb_spectrum_scale(tb, big);
  assert_int_equal(sb_r2_heldout(h, gb, &r2big, &err), 0);
  assert_int_equal(sb_r2_parseval(tb, gb, &exbig, &err), 0);
  assert_true(isfinite(r2big) && isfinite(exbig));
  assert_close(r2big, r2, 1e-9);
  assert_close(exbig, ex, 1e-9);
  /* a surrogate whose predictions are infinite: an error, not a NaN row */
  sb_spectrum_scale(gb, 1e10);
  assert_int_equal(sb_r2_heldout(h, gb, &r2big, &err), SB_ENUMERIC);
  assert_non_null(strstr(err.msg, "not finite"));
  sb_spectrum_free(gb);
  sb_spectrum_free(tb);
  sb_spectrum_free(g);
  sb_heldout_free(h);
  sb_dataset_free(d);
}

static void write_npz(const char *path, unsigned n, double scale) {
  size_t N = (size_t)1 << n;
  double *t = malloc(N * sizeof *t);
  for (size_t x = 0; x < N; x++) t[x] = scale * (double)(x % 5);
  sb_error err = {0};
  assert_int_equal(sb_npz_game_write(path, n, t, 1, t[0], &err), 0);
  free(t);
}

/* Dataset identity (issue 13.1 / 15.2): a stored file is what its content is. */
static void test_dataset_identity(void **state) {
  (void)state;
  const char *dir = sb_test_tmpdir();
  char a[512], b[512], c[512], sa[600], sb_[600], sc[600], rel[600], cwd[4096];
  snprintf(a, sizeof a, "%s/a.npz", dir);
  snprintf(b, sizeof b, "%s/copy of a.npz", dir);
  snprintf(c, sizeof c, "%s/c.npz", dir);
  write_npz(a, 3, 1.0);
  write_npz(b, 3, 1.0);
  write_npz(c, 3, 2.0);
  snprintf(sa, sizeof sa, "npz:%s", a);
  snprintf(sb_, sizeof sb_, "npz:%s", b);
  snprintf(sc, sizeof sc, "npz:%s", c);
  char *ka, *kb, *kc, *kr, *kf;
  sb_error err = {0};
  assert_int_equal(sb_dataset_identity(sa, &ka, &err), 0);
  assert_int_equal(sb_dataset_identity(sb_, &kb, &err), 0);
  assert_int_equal(sb_dataset_identity(sc, &kc, &err), 0);
  assert_non_null(getcwd(cwd, sizeof cwd));
  assert_int_equal(chdir(dir), 0);
  snprintf(rel, sizeof rel, "npz:./a.npz");
  assert_int_equal(sb_dataset_identity(rel, &kr, &err), 0);
  assert_int_equal(chdir(cwd), 0);
  assert_string_equal(ka, kb);
  assert_string_equal(ka, kr);
  assert_string_not_equal(ka, kc);
  assert_int_equal(strncmp(ka, "npz:sha256=", 11), 0);
  assert_int_equal(sb_dataset_identity("fourier:n=5,k=2", &kf, &err), 0);
  assert_string_equal(kf, "fourier:n=5,k=2"); /* generated: the spec itself */
  free(ka), free(kb), free(kc), free(kr), free(kf);
  /* a live model: how many processes answer (workers) is not what it is */
  const char *live[][2] = {{"command:cmd=m,n=4,workers=2,batch=8", "command:cmd=m,n=4,batch=8"},
                           {"command:workers=3,cmd=m,n=4", "command:cmd=m,n=4"},
                           {"command:cmd=m,n=4,workers=1", "command:cmd=m,n=4"},
                           {"command:cmd=m,n=4", "command:cmd=m,n=4"}};
  for (size_t i = 0; i < sizeof live / sizeof live[0]; i++) {
    assert_int_equal(sb_dataset_identity(live[i][0], &kf, &err), 0);
    assert_string_equal(kf, live[i][1]);
    free(kf);
  }
  /* the probe opens the file in a child and reports n; a damaged file is named */
  size_t n = 0;
  assert_int_equal(sb_dataset_probe(sa, &n, &err), 0);
  assert_int_equal(n, 3);
  assert_int_equal(sb_dataset_probe("fourier:n=7,k=2", &n, &err), 0);
  assert_int_equal(n, 7);
  FILE *fp = fopen(c, "wb");
  fputs("not a zip", fp);
  fclose(fp);
  assert_int_not_equal(sb_dataset_probe(sc, &n, &err), 0);
  assert_non_null(strstr(err.msg, "c.npz"));
  /* flags, not names */
  assert_true(sb_dataset_family_find("npz")->flags & SB_FAMILY_FILE);
  assert_true(sb_dataset_family_find("trace")->flags & SB_FAMILY_FILE);
  assert_true(sb_dataset_family_find("command")->flags & SB_FAMILY_LIVE);
  assert_false(sb_dataset_family_find("fourier")->flags & (SB_FAMILY_FILE | SB_FAMILY_LIVE));
}

static sb_fit run_algo(const char *algo, const char *dspec, size_t budget, int *status,
                       sb_dataset **dout) {
  sb_dataset *d = open_ok(dspec);
  const sb_algo_type *t;
  sb_params *p;
  sb_error err = {0};
  assert_int_equal(sb_algo_parse(algo, &t, &p, &err), 0);
  gsl_rng *r = sb_rng_alloc(1234);
  sb_algo_ctx ctx = {d->n, budget, p, r, 1234, 1234, 0, 1, 0};
  sb_oracle *o = sb_oracle_alloc(d->n, d->eval, d->ctx, budget);
  sb_fit fit;
  *status = sb_algo_execute(t, &ctx, o, &fit, &err);
  if (*status && *status != SB_ESKIP) print_error("%s\n", err.msg);
  if (*status == SB_OK) assert_true(sb_oracle_used(o) <= budget);
  sb_oracle_free(o);
  gsl_rng_free(r);
  sb_params_free(p);
  *dout = d;
  return fit;
}

static void test_exhaustive_exact(void **state) {
  (void)state;
  int st;
  sb_dataset *d;
  sb_fit fit = run_algo("exhaustive", "fourier:n=12,k=40,degree=5,constant=0.3,seed=5", 4096, &st, &d);
  assert_int_equal(st, 0);
  double r2;
  sb_error err;
  sb_r2_parseval(d->truth, fit.surrogate, &r2, &err);
  assert_close(r2, 1.0, 1e-12);
  for (size_t i = 0; i < d->truth->count; i++)
    assert_close(sb_spectrum_get(fit.surrogate, sb_spectrum_key(d->truth, i)), d->truth->values[i], 1e-12);
  sb_fit_clear(&fit);
  sb_dataset_free(d);
  fit = run_algo("exhaustive", "fourier:n=12,k=4,seed=5", 4095, &st, &d);
  assert_int_equal(st, SB_ESKIP);
  sb_dataset_free(d);
  fit = run_algo("exhaustive", "fourier:n=40,k=4,seed=5", 1 << 20, &st, &d);
  assert_int_equal(st, SB_ESKIP);
  sb_dataset_free(d);
}

/* Faith-Banzhaf with all 2^n masks is the L2 projection onto degree <= ℓ:
 * it keeps exactly the Fourier coefficients of degree <= ℓ. */
static void test_faith_banzhaf_projection(void **state) {
  (void)state;
  int st;
  sb_dataset *d;
  sb_fit fit = run_algo("faith-banzhaf:order=2", "fourier:n=10,k=30,degree=4,constant=1,seed=8",
                        1024, &st, &d);
  assert_int_equal(st, 0);
  for (size_t i = 0; i < d->truth->count; i++) {
    size_t deg = sb_spectrum_degree(d->truth, i);
    double want = deg <= 2 ? d->truth->values[i] : 0.0;
    assert_close(sb_spectrum_get(fit.surrogate, sb_spectrum_key(d->truth, i)), want, 1e-10);
  }
  sb_fit_clear(&fit);
  sb_dataset_free(d);
  /* skip rule */
  fit = run_algo("faith-banzhaf:order=3", "fourier:n=40,k=4,seed=5", 1000, &st, &d);
  assert_int_equal(st, SB_ESKIP);
  sb_dataset_free(d);
  /* underdetermined budget still works through ridge/GCV */
  fit = run_algo("faith-banzhaf:order=2", "fourier:n=30,k=10,degree=2,seed=5", 300, &st, &d);
  assert_int_equal(st, 0);
  sb_fit_clear(&fit);
  sb_dataset_free(d);
}

static void test_lasso_ridge(void **state) {
  (void)state;
  gsl_rng *r = sb_rng_alloc(3);
  size_t m = 400, p = 30;
  gsl_matrix *X = gsl_matrix_alloc(m, p);
  gsl_vector *y = gsl_vector_alloc(m), *b = gsl_vector_calloc(p);
  for (size_t i = 0; i < m; i++) {
    double yi = 2.0;
    for (size_t j = 0; j < p; j++) {
      double x = gsl_rng_uniform(r) < 0.5 ? -1.0 : 1.0;
      gsl_matrix_set(X, i, j, x);
      if (j < 3) yi += (double)(j + 1) * x;
    }
    gsl_vector_set(y, i, yi);
  }
  double b0, lam;
  sb_error err;
  sb_lasso_opts o = {1, NULL, 1e-10, 100000};
  assert_int_equal(sb_lasso_cv(X, y, NULL, &o, 5, 30, 1e-5, r, b, &b0, &lam, &err), 0);
  for (size_t j = 0; j < p; j++) assert_close(gsl_vector_get(b, j), j < 3 ? (double)(j + 1) : 0.0, 1e-3);
  assert_close(b0, 2.0, 1e-3);
  double alpha = 0;
  assert_int_equal(sb_ridge_cv(X, y, NULL, 1, &alpha, 1, SB_RIDGE_LOO, b, &b0, NULL, &err), 0);
  for (size_t j = 0; j < p; j++) assert_close(gsl_vector_get(b, j), j < 3 ? (double)(j + 1) : 0.0, 1e-9);
  gsl_matrix_free(X);
  gsl_vector_free(y);
  gsl_vector_free(b);
  gsl_rng_free(r);
}

/* ---- removal -------------------------------------------------------------- */

/* g(all features kept except those in `rm`, a bit set over n <= 20 features). */
static double eval_without(const sb_spectrum *g, size_t n, uint32_t rm) {
  uint64_t x[1];
  sb_mask_fill(x, n);
  x[0] &= ~(uint64_t)rm;
  return sb_spectrum_eval(g, x);
}

/* The removal curve against brute force: exact search = the best r-subset of all
 * (first in lexicographic order on ties), greedy = nested best extensions; the true
 * change is read from the dataset and normalised by |f(all) - f(∅)|. */
static void test_removal_brute_force(void **state) {
  (void)state;
  sb_dataset *d = open_ok("fourier:n=10,k=12,degree=3,seed=5");
  const size_t n = 10, R = 4;
  /* the surrogate: the truth with every other coefficient halved (so it ranks differently) */
  sb_spectrum *g = sb_spectrum_clone(d->truth);
  assert_non_null(g);
  for (size_t i = 0; i < g->count; i += 2) g->values[i] *= 0.5;
  uint64_t z[1] = {0};
  double fall = eval_without(d->truth, n, 0), f0 = sb_spectrum_eval(d->truth, z);
  double g1 = eval_without(g, n, 0), scale = fabs(fall - f0);
  sb_removal ex, gr;
  sb_error err = {0};
  assert_int_equal(sb_removal_compute(d, g, R, 1000000, &ex, &err), SB_OK);
  assert_int_equal(sb_removal_compute(d, g, R, 0, &gr, &err), SB_OK);
  assert_int_equal(ex.R, R);
  assert_close(ex.scale, scale, 1e-12);
  uint32_t greedy = 0;
  for (size_t r = 1; r <= R; r++) {
    /* exact: the best of every subset of size r (no ties with these coefficients) */
    double best = -1;
    uint32_t best_set = 0;
    for (uint32_t S = 0; S < (1u << n); S++) {
      if ((size_t)__builtin_popcount(S) != r) continue;
      double p = fabs(g1 - eval_without(g, n, S));
      if (p > best + 1e-12) best = p, best_set = S;
    }
    assert_true(ex.exact[r - 1]);
    assert_close(ex.predicted[r - 1], best / scale, 1e-9);
    assert_close(ex.change[r - 1], fabs(fall - eval_without(d->truth, n, best_set)) / scale,
                 1e-9);
    /* greedy: extend the previous set by the best single feature */
    double gb = -1;
    uint32_t add = 0;
    for (size_t i = 0; i < n; i++) {
      if (greedy & (1u << i)) continue;
      double p = fabs(g1 - eval_without(g, n, greedy | (1u << i)));
      if (p > gb) gb = p, add = 1u << i;
    }
    greedy |= add;
    assert_false(gr.exact[r - 1]);
    assert_close(gr.predicted[r - 1], gb / scale, 1e-9);
    assert_close(gr.change[r - 1], fabs(fall - eval_without(d->truth, n, greedy)) / scale, 1e-9);
    assert_true(gr.predicted[r - 1] <= ex.predicted[r - 1] + 1e-12); /* exact is the optimum */
  }
  assert_close(gr.predicted[0], ex.predicted[0], 1e-12); /* r = 1: the same search */
  /* exact while C(n, r) <= exact_max, greedy beyond: C(10,1) = 10, C(10,2) = 45 */
  sb_removal mix;
  assert_int_equal(sb_removal_compute(d, g, R, 45, &mix, &err), SB_OK);
  assert_true(mix.exact[0] && mix.exact[1] && !mix.exact[2] && !mix.exact[3]);
  /* R is capped at n; the surrogate = the truth predicts the true change exactly */
  sb_removal self;
  assert_int_equal(sb_removal_compute(d, d->truth, 64, 1000000, &self, &err), SB_OK);
  assert_int_equal(self.R, n);
  for (size_t r = 1; r <= n; r++) assert_close(self.predicted[r - 1], self.change[r - 1], 1e-9);
  assert_close(self.change[n - 1], 1.0, 1e-9); /* removing everything: f(∅) */
  sb_spectrum_free(g);
  sb_dataset_free(d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fourier_generator),      cmocka_unit_test(test_snr_and_noise_determinism),
      cmocka_unit_test(test_soum_hierarchical),      cmocka_unit_test(test_r2_parseval_vs_heldout),
      cmocka_unit_test(test_exhaustive_exact),       cmocka_unit_test(test_faith_banzhaf_projection),
      cmocka_unit_test(test_large_n_families),
      cmocka_unit_test(test_lasso_ridge),
      cmocka_unit_test(test_r2_parseval_empty_coefficient),
      cmocka_unit_test(test_r2_extreme_values),
      cmocka_unit_test(test_dataset_identity),
      cmocka_unit_test(test_removal_brute_force),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
