/* SPEX building blocks (src/spex, ALGORITHMS.md §4): sample counts and the
 * budget rule, the query masks (x = M_c ℓ ⊕ d_p, nesting across b), the aliasing
 * identity of the transforms, bin classification (hard / soft, degree t+1), the
 * structured refit against dense regressions, and small end-to-end runs. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algos/algo.h"
#include "algos/common.h"
#include "core/seed.h"
#include "data/dataset.h"
#include "linalg/regress.h"
#include "metrics/metrics.h"
#include "spex/spex.h"

static void test_sample_counts(void **state) {
  (void)state;
  sb_error err = {0};
  /* §4 table rows */
  assert_int_equal(sb_spex_sample_count(11, 5, 3, 4, &err), 1008);
  assert_int_equal(sb_spex_sample_count(14, 5, 3, 4, &err), 1344);
  assert_int_equal(sb_spex_sample_count(14, 5, 3, 6, &err), 5376);
  assert_int_equal(sb_spex_sample_count(100, 5, 3, 8, &err), 31488);
  assert_int_equal(sb_spex_sample_count(512, 5, 3, 8, &err), 39168);
  assert_int_equal(sb_spex_sample_count(1992, 5, 3, 6, &err), 10752);
  unsigned b, t;
  assert_int_equal(sb_spex_budget_to_b(14, 1344, 5, 3, 12, &b, &t, &err), SB_OK);
  assert_int_equal(b, 4);
  assert_int_equal(t, 5);
  assert_int_equal(sb_spex_budget_to_b(14, 2687, 5, 3, 12, &b, &t, &err), SB_OK);
  assert_int_equal(b, 4);
  assert_int_equal(sb_spex_budget_to_b(14, 2688, 5, 3, 12, &b, &t, &err), SB_OK);
  assert_int_equal(b, 5);
  assert_int_equal(sb_spex_budget_to_b(14, 1 << 30, 5, 3, 10, &b, &t, &err), SB_OK);
  assert_int_equal(b, 10); /* capped */
  /* small budget: b <= 2 at t = 5 (P = 28: 84·4 = 336 <= 400), so t is lowered
   * until b >= 3: t = 4 and t = 3 both use the (31,16) code, P = 16, 48·8 = 384 */
  assert_int_equal(sb_spex_budget_to_b(14, 400, 5, 3, 12, &b, &t, &err), SB_OK);
  assert_int_equal(t, 3);
  assert_int_equal(b, 3);
  /* t = 2 (P = 11): the minimum is 3·11·8 = 264 */
  assert_int_equal(sb_spex_budget_to_b(14, 264, 5, 3, 12, &b, &t, &err), SB_OK);
  assert_int_equal(t, 2);
  assert_int_equal(b, 3);
  assert_int_equal(sb_spex_budget_to_b(14, 263, 5, 3, 12, &b, &t, &err), SB_ESKIP);
  assert_non_null(strstr(err.msg, "minimum of 264"));
}

static void test_design_masks(void **state) {
  (void)state;
  sb_error err = {0};
  const size_t n = 70;
  sb_spex_design *d = sb_spex_design_alloc(n, 5, 3, 5, 99, &err);
  assert_non_null(d);
  assert_int_equal(d->P, 36);
  sb_masks *m = NULL;
  assert_int_equal(sb_spex_design_masks(d, &m, &err), SB_OK);
  assert_int_equal(m->count, d->samples);
  const size_t L = 32, words = m->words;
  uint64_t *x = calloc(words, sizeof *x);
  for (unsigned c = 0; c < 3; c++)
    for (size_t p = 0; p < d->P; p += 7)
      for (size_t l = 0; l < L; l++) {
        memset(x, 0, words * sizeof *x);
        for (size_t i = 0; i < n; i++) {
          int bit = __builtin_parity((unsigned)(d->hash[c * n + i] & l & (L - 1)));
          if (p > 0) bit ^= (int)((d->bch->par[i * d->bch->pw + (p - 1) / 64] >> ((p - 1) % 64)) & 1);
          if (bit) sb_mask_set(x, i);
        }
        assert_true(sb_mask_equal(x, sb_masks_at(m, (c * d->P + p) * L + l), words));
      }
  /* nested: every mask at b = 5 is a mask of the design at b = 7 (same seed) */
  sb_spex_design *d7 = sb_spex_design_alloc(n, 5, 3, 7, 99, &err);
  sb_masks *m7 = NULL;
  assert_int_equal(sb_spex_design_masks(d7, &m7, &err), SB_OK);
  sb_spectrum *set7 = sb_spectrum_alloc(SB_BASIS_FOURIER, n);
  for (size_t i = 0; i < m7->count; i++) sb_spectrum_put(set7, sb_masks_at(m7, i), 1);
  for (size_t i = 0; i < m->count; i++) assert_true(sb_spectrum_find(set7, sb_masks_at(m, i)) >= 0);
  /* a different design seed is not nested */
  sb_spex_design *dz = sb_spex_design_alloc(n, 5, 3, 5, 100, &err);
  sb_masks *mz = NULL;
  assert_int_equal(sb_spex_design_masks(dz, &mz, &err), SB_OK);
  size_t missing = 0;
  for (size_t i = 0; i < mz->count; i++) missing += sb_spectrum_find(set7, sb_masks_at(mz, i)) < 0;
  assert_true(missing > mz->count / 2);
  sb_spectrum_free(set7);
  sb_masks_free(m);
  sb_masks_free(m7);
  sb_masks_free(mz);
  sb_spex_design_free(d);
  sb_spex_design_free(d7);
  sb_spex_design_free(dz);
  free(x);
}

/* Any range of rows equals the same rows of the whole block (ranges starting
 * inside a block, across blocks and groups, single rows). */
static void test_design_rows(void **state) {
  (void)state;
  sb_error err = {0};
  const size_t n = 150;
  sb_spex_design *d = sb_spex_design_alloc(n, 3, 2, 6, 4, &err);
  assert_non_null(d);
  sb_masks *m = NULL;
  assert_int_equal(sb_spex_design_masks(d, &m, &err), SB_OK);
  const size_t words = m->words;
  uint64_t *buf = malloc(d->samples * words * sizeof *buf);
  const size_t ranges[][2] = {{0, 1}, {5, 1}, {37, 200}, {63, 2}, {64, 64}, {100, 900},
                              {d->samples - 3, 3}, {0, d->samples}};
  for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++) {
    sb_spex_design_rows(d, ranges[r][0], ranges[r][1], buf);
    for (size_t i = 0; i < ranges[r][1]; i++)
      assert_true(sb_mask_equal(buf + i * words, sb_masks_at(m, ranges[r][0] + i), words));
  }
  free(buf);
  sb_masks_free(m);
  sb_spex_design_free(d);
}

/* The harness streams SPEX's design (several 1 MiB chunks here) and gives the
 * same surrogate, bit for bit, as the design materialised as one block. */
static void test_streamed_equals_block(void **state) {
  (void)state;
  sb_error err = {0};
  sb_dataset *ds = NULL;
  assert_int_equal(sb_dataset_open("fourier:n=2000,k=20,degree=3,snr_db=20,seed=2", &ds, &err),
                   SB_OK);
  const sb_algo_type *type;
  sb_params *params;
  assert_int_equal(sb_algo_parse("spex:b=7", &type, &params, &err), SB_OK);
  assert_non_null(type->design_chunk);
  sb_algo_ctx ctx = {.n = ds->n, .budget = SB_BUDGET_NONE, .params = params, .seed = 3,
                     .design_seed = 3, .noise_sigma = ds->noise_sigma, .threads = 1};
  /* streamed, through the driver */
  sb_oracle *o = sb_oracle_alloc(ds->n, ds->eval, ds->ctx, SB_BUDGET_NONE);
  sb_fit fs;
  assert_int_equal(sb_algo_execute(type, &ctx, o, &fs, &err), SB_OK);
  /* one block: design -> oracle -> fit by hand */
  sb_masks *m = NULL;
  void *st = NULL;
  assert_int_equal(type->design(&ctx, &m, &st, &err), SB_OK);
  assert_true(m->count * m->words * 8 > 3 * ((size_t)1 << 20)); /* several chunks */
  assert_int_equal(sb_oracle_asked(o), m->count);
  double *v = malloc(m->count * sizeof *v);
  sb_oracle *o2 = sb_oracle_alloc(ds->n, ds->eval, ds->ctx, SB_BUDGET_NONE);
  assert_int_equal(sb_oracle_query(o2, m, v, &err), SB_OK);
  assert_int_equal(sb_oracle_used(o2), sb_oracle_used(o));
  sb_fit fb;
  memset(&fb, 0, sizeof fb);
  assert_int_equal(type->fit(&ctx, st, m, v, &fb, &err), SB_OK);
  assert_int_equal(sb_spectrum_size(fs.surrogate), sb_spectrum_size(fb.surrogate));
  for (size_t i = 0; i < sb_spectrum_size(fb.surrogate); i++) {
    assert_true(sb_mask_equal(sb_spectrum_key(fs.surrogate, i), sb_spectrum_key(fb.surrogate, i),
                              fb.surrogate->words));
    assert_true(fs.surrogate->values[i] == fb.surrogate->values[i]);
  }
  sb_fit_clear(&fs);
  sb_fit_clear(&fb);
  free(v);
  sb_masks_free(m);
  type->state_free(st);
  sb_oracle_free(o);
  sb_oracle_free(o2);
  sb_params_free(params);
  sb_dataset_free(ds);
}

/* Evaluate a spectrum on the design and transform. */
static double *design_transform(const sb_spex_design *d, const sb_spectrum *f, double **vals_out) {
  sb_error err = {0};
  sb_masks *m = NULL;
  assert_int_equal(sb_spex_design_masks(d, &m, &err), SB_OK);
  double *v = malloc(m->count * sizeof *v), *U = malloc(m->count * sizeof *U);
  sb_spectrum_eval_batch(f, m, v);
  assert_int_equal(sb_spex_transform(d, v, U, &err), SB_OK);
  sb_masks_free(m);
  if (vals_out) *vals_out = v;
  else free(v);
  return U;
}

/* U_{c,p}(j) = Σ_{k: M_cᵀk = j} F(k)(−1)^{<d_p,k>} */
static void test_aliasing(void **state) {
  (void)state;
  sb_error err = {0};
  const size_t n = 40;
  sb_spex_design *d = sb_spex_design_alloc(n, 5, 3, 4, 5, &err);
  sb_spectrum *f = sb_spectrum_alloc(SB_BASIS_FOURIER, n);
  size_t k1[] = {3, 17}, k2[] = {5}, k3[] = {1, 2, 30, 39};
  sb_spectrum_add_indices(f, k1, 2, 1.5);
  sb_spectrum_add_indices(f, k2, 1, -0.75);
  sb_spectrum_add_indices(f, k3, 4, 0.3);
  double *U = design_transform(d, f, NULL);
  const size_t L = 16, P = d->P;
  double *expect = calloc(d->samples, sizeof *expect);
  const size_t *ks[] = {k1, k2, k3};
  size_t kl[] = {2, 1, 4};
  double kv[] = {1.5, -0.75, 0.3};
  uint64_t par[4];
  for (int a = 0; a < 3; a++) {
    sb_bch_encode(d->bch, ks[a], kl[a], par);
    for (unsigned c = 0; c < 3; c++) {
      uint32_t j = sb_spex_bin_of(d, c, ks[a], kl[a]);
      for (size_t p = 0; p < P; p++) {
        int neg = p > 0 && ((par[(p - 1) / 64] >> ((p - 1) % 64)) & 1);
        expect[(c * L + j) * P + p] += neg ? -kv[a] : kv[a];
      }
    }
  }
  for (size_t i = 0; i < d->samples; i++) assert_close(U[i], expect[i], 1e-12);
  free(expect);
  free(U);
  sb_spectrum_free(f);
  sb_spex_design_free(d);
}

/* Singletons of degree <= t are classified exactly; with noise flipping signs the
 * soft decoder recovers more than the hard one; degree t+1 is never returned as
 * itself, and a wrong k' is accepted only through a hash collision. */
static void test_bin_classify(void **state) {
  (void)state;
  sb_error err = {0};
  const size_t n = 200;
  sb_spex_design *d = sb_spex_design_alloc(n, 5, 3, 4, 11, &err);
  assert_non_null(d);
  sb_spex_bin_ws *w = sb_spex_bin_ws_alloc(d);
  gsl_rng *r = sb_rng_alloc(3);
  const size_t P = d->P;
  double *u = malloc(P * sizeof *u);
  uint64_t par[4];
  sb_spex_peel_opts hard, soft;
  sb_spex_peel_opts_default(&hard);
  hard.soft = 0;
  sb_spex_peel_opts_default(&soft);
  size_t noisy = 0, hard_ok = 0, soft_ok = 0, wrong_accept = 0, wrong_tried = 0;
  for (int trial = 0; trial < 400; trial++) {
    size_t deg = (size_t)(trial % 7); /* 0..6 = t+1 */
    size_t k[8];
    uint64_t mk[4] = {0};
    sb_mask_random_size(mk, n, deg, r);
    size_t kl = sb_mask_indices(mk, sb_mask_words(n), k);
    double F = (gsl_rng_uniform(r) < 0.5 ? -1 : 1) * (0.5 + gsl_rng_uniform(r));
    sb_bch_encode(d->bch, k, kl, par);
    for (size_t p = 0; p < P; p++) {
      int neg = p > 0 && ((par[(p - 1) / 64] >> ((p - 1) % 64)) & 1);
      u[p] = neg ? -F : F;
    }
    unsigned c = (unsigned)(trial % 3);
    uint32_t j = sb_spex_bin_of(d, c, k, kl);
    size_t got[SB_BCH_MAX_T], gl;
    double rho;
    for (int dec = 0; dec < 2; dec++) {
      sb_spex_bin_kind kind =
          sb_spex_bin_classify(d, w, c, j, u, dec ? &soft : &hard, got, &gl, &rho, NULL);
      if (deg <= 5) {
        assert_int_equal(kind, SB_SPEX_SINGLETON);
        assert_int_equal(gl, kl);
        for (size_t a = 0; a < kl; a++) assert_int_equal(got[a], k[a]);
        assert_close(rho, F, 1e-12);
      } else {
        wrong_tried++;
        if (kind == SB_SPEX_SINGLETON) {
          assert_true(gl <= 5); /* never k itself */
          assert_int_equal(sb_spex_bin_of(d, c, got, gl), j);
          wrong_accept++;
        }
      }
    }
    /* noisy version of low-degree singletons: t + 2 - deg parity signs flipped with
     * small magnitudes, i.e. t + 2 errors: beyond hard decoding, within the reach of
     * Chase patterns (2 flips among the 2t least reliable positions) */
    if (deg >= 1 && deg <= 3) {
      size_t flipped[8], nfl = 0;
      while (nfl < 5 + 2 - deg) {
        size_t p = 1 + (size_t)gsl_rng_uniform_int(r, (unsigned long)(P - 1)), dup = 0;
        for (size_t a = 0; a < nfl; a++) dup |= flipped[a] == p;
        if (dup) continue;
        flipped[nfl++] = p;
        u[p] = -0.05 * u[p];
      }
      noisy++;
      if (sb_spex_bin_classify(d, w, c, j, u, &hard, got, &gl, &rho, NULL) == SB_SPEX_SINGLETON &&
          gl == kl && !memcmp(got, k, kl * sizeof *k))
        hard_ok++;
      if (sb_spex_bin_classify(d, w, c, j, u, &soft, got, &gl, &rho, NULL) == SB_SPEX_SINGLETON &&
          gl == kl && !memcmp(got, k, kl * sizeof *k))
        soft_ok++;
    }
  }
  print_message("noisy singletons (%zu): hard %zu, soft %zu; degree t+1: %zu of %zu accepted (hash "
                "collisions, 2^-b = 1/16)\n",
                noisy, hard_ok, soft_ok, wrong_accept, wrong_tried);
  assert_true(soft_ok * 100 >= 97 * noisy); /* a Chase pattern may verify a hash-colliding k' first */
  assert_true(hard_ok < noisy / 2);
  /* a wrong decode passes only if its bin index collides: about 1/16 of the
   * mis-decodes (and mis-decodes are a minority of weight-6 words) */
  assert_true(wrong_accept * 8 <= wrong_tried);
  /* zeroton */
  memset(u, 0, P * sizeof *u);
  size_t got[SB_BCH_MAX_T], gl;
  double rho;
  assert_int_equal(sb_spex_bin_classify(d, w, 0, 0, u, &soft, got, &gl, &rho, NULL),
                   SB_SPEX_ZEROTON);
  free(u);
  gsl_rng_free(r);
  sb_spex_bin_ws_free(w);
  sb_spex_design_free(d);
}

/* Structured refit == dense regressions on explicit features. */
static void test_refit_matches_dense(void **state) {
  (void)state;
  sb_error err = {0};
  const size_t n = 12;
  sb_spex_design *d = sb_spex_design_alloc(n, 3, 3, 3, 21, &err);
  assert_non_null(d);
  sb_spectrum *f = sb_spectrum_alloc(SB_BASIS_FOURIER, n);
  gsl_rng *r = sb_rng_alloc(8);
  uint64_t mk[1];
  for (int a = 0; a < 12; a++) {
    sb_mask_random_size(mk, n, 1 + (size_t)gsl_rng_uniform_int(r, 4), r);
    sb_spectrum_add(f, mk, gsl_rng_uniform(r) - 0.5);
  }
  sb_masks *m = NULL;
  assert_int_equal(sb_spex_design_masks(d, &m, &err), SB_OK);
  double *v = malloc(m->count * sizeof *v), *U = malloc(m->count * sizeof *U);
  sb_spectrum_eval_batch(f, m, v);
  for (size_t i = 0; i < m->count; i++) v[i] += 0.1 * sb_hash_normal(i); /* noise */
  assert_int_equal(sb_spex_transform(d, v, U, &err), SB_OK);
  /* support: the truth's first 6 sets (so singletons are extra columns) */
  sb_spectrum *sup = sb_spectrum_alloc(SB_BASIS_FOURIER, n);
  for (size_t i = 0; i < 6; i++) sb_spectrum_put(sup, sb_spectrum_key(f, i), 1);
  gsl_vector *y = gsl_vector_alloc(m->count);
  for (size_t i = 0; i < m->count; i++) gsl_vector_set(y, i, v[i]);

  /* OLS on support ∪ ∅ */
  sb_spectrum *g = sb_spectrum_clone(sup);
  sb_spex_refit_opts o;
  sb_spex_refit_opts_default(&o);
  o.kind = SB_SPEX_REFIT_OLS;
  o.tol = 1e-14;
  assert_int_equal(sb_spex_refit(d, U, v, &o, g, NULL, &err), SB_OK);
  sb_masks *sets = sb_masks_alloc(n, 0);
  uint64_t zero[1] = {0};
  sb_masks_push(sets, zero);
  for (size_t i = 0; i < sb_spectrum_size(sup); i++) sb_masks_push(sets, sb_spectrum_key(sup, i));
  gsl_matrix *X = sb_fourier_features(m, sets);
  gsl_vector *beta = gsl_vector_alloc(sets->count);
  size_t rank;
  assert_int_equal(sb_lstsq(X, y, NULL, 1e-12, beta, &rank, &err), SB_OK);
  for (size_t j = 0; j < sets->count; j++)
    assert_close(sb_spectrum_get(g, sb_masks_at(sets, j)), gsl_vector_get(beta, j), 1e-9);
  gsl_matrix_free(X);
  gsl_vector_free(beta);
  sb_masks_free(sets);
  sb_spectrum_free(g);

  /* lasso at one λ (n_lambda = 1: λ = eps·λ_max) vs sb_lasso with an intercept */
  g = sb_spectrum_clone(sup);
  sb_spex_refit_opts_default(&o);
  o.n_lambda = 1;
  o.eps = 0.05;
  o.tol = 1e-13;
  sb_spex_refit_stats st;
  assert_int_equal(sb_spex_refit(d, U, v, &o, g, &st, &err), SB_OK);
  sets = sb_masks_alloc(n, 0);
  for (size_t i = 0; i < n; i++) {
    uint64_t e[1] = {(uint64_t)1 << i};
    sb_masks_push(sets, e);
  }
  for (size_t i = 0; i < sb_spectrum_size(sup); i++)
    if (sb_mask_popcount(sb_spectrum_key(sup, i), 1) > 1) sb_masks_push(sets, sb_spectrum_key(sup, i));
  assert_int_equal(st.features, sets->count + 1);
  X = sb_fourier_features(m, sets);
  beta = gsl_vector_calloc(sets->count);
  double b0 = 0;
  sb_lasso_opts lo = {.intercept = 1, .pen = NULL, .tol = 1e-13, .max_iter = 100000};
  assert_int_equal(sb_lasso(X, y, NULL, st.penalty, &lo, beta, &b0, &err), SB_OK);
  assert_close(sb_spectrum_get(g, zero), b0, 1e-7);
  size_t nz = 0;
  for (size_t j = 0; j < sets->count; j++) {
    assert_close(sb_spectrum_get(g, sb_masks_at(sets, j)), gsl_vector_get(beta, j), 1e-7);
    nz += gsl_vector_get(beta, j) != 0;
  }
  assert_true(nz > 0 && nz < sets->count); /* the penalty is active */
  gsl_matrix_free(X);
  gsl_vector_free(beta);
  sb_masks_free(sets);
  sb_spectrum_free(g);

  /* screening: at most 10 columns, the support (6 sets) and ∅ always among them */
  g = sb_spectrum_clone(sup);
  sb_spex_refit_opts_default(&o);
  o.max_features = 10;
  assert_int_equal(sb_spex_refit(d, U, v, &o, g, &st, &err), SB_OK);
  size_t cols = 1 + n; /* ∅ + singletons, plus the support's sets of degree > 1 */
  for (size_t i = 0; i < sb_spectrum_size(sup); i++)
    cols += sb_mask_popcount(sb_spectrum_key(sup, i), 1) > 1;
  assert_int_equal(st.features, cols);
  assert_int_equal(st.screened, cols - 10);
  for (size_t i = 0; i < sb_spectrum_size(g); i++) {
    /* every output column is ∅, a support set or one of the kept singletons */
    const uint64_t *key = sb_spectrum_key(g, i);
    assert_true(sb_mask_popcount(key, 1) <= 1 || sb_spectrum_find(sup, key) >= 0);
  }
  sb_spectrum_free(g);

  gsl_vector_free(y);
  free(v);
  free(U);
  sb_masks_free(m);
  sb_spectrum_free(sup);
  sb_spectrum_free(f);
  gsl_rng_free(r);
  sb_spex_design_free(d);
}

/* End to end through the harness: budget-derived b, distinct queries within the
 * budget, exact recovery of a small planted spectrum by both decoders. */
static void test_end_to_end(void **state) {
  (void)state;
  sb_error err = {0};
  sb_dataset *ds = NULL;
  assert_int_equal(sb_dataset_open("fourier:n=30,k=12,degree=4,seed=3", &ds, &err), SB_OK);
  static const char *algos[] = {"spex:decoder=hard,refit=ols", "spex:decoder=soft,refit=ols",
                                "spex:refit=lasso", "spex:refit=ridge", "spex:refit=none"};
  for (size_t a = 0; a < 5; a++) {
    const sb_algo_type *type;
    sb_params *params;
    assert_int_equal(sb_algo_parse(algos[a], &type, &params, &err), SB_OK);
    gsl_rng *r = sb_rng_alloc(1);
    const size_t budget = 6000; /* n = 30: P = 28, N(b=6) = 5376 */
    sb_algo_ctx ctx = {.n = ds->n, .budget = budget, .params = params, .rng = r, .seed = 1,
                       .design_seed = 1, .noise_sigma = 0, .threads = 1};
    sb_oracle *o = sb_oracle_alloc(ds->n, ds->eval, ds->ctx, budget);
    sb_fit fit;
    int rc = sb_algo_execute(type, &ctx, o, &fit, &err);
    if (rc) print_error("%s\n", err.msg);
    assert_int_equal(rc, SB_OK);
    assert_true(sb_oracle_used(o) <= budget);
    assert_int_equal(sb_oracle_asked(o), 5376);
    assert_non_null(strstr(fit.info, "b=6 t=5"));
    double r2;
    assert_int_equal(sb_r2_parseval(ds->truth, fit.surrogate, &r2, &err), SB_OK);
    assert_true(r2 > 0.9999);
    if (a < 2) assert_close(r2, 1.0, 1e-12);
    sb_fit_clear(&fit);
    sb_oracle_free(o);
    gsl_rng_free(r);
    sb_params_free(params);
  }
  /* a non-finite answer is a numeric error, not a silent garbage fit */
  {
    const sb_algo_type *type;
    sb_params *params;
    assert_int_equal(sb_algo_parse("spex:b=4", &type, &params, &err), SB_OK);
    sb_algo_ctx ctx = {.n = ds->n, .budget = SB_BUDGET_NONE, .params = params, .design_seed = 2,
                       .threads = 1};
    sb_masks *m = NULL;
    void *st = NULL;
    assert_int_equal(type->design(&ctx, &m, &st, &err), SB_OK);
    double *v = calloc(m->count, sizeof *v);
    v[m->count / 2] = NAN;
    sb_fit fit;
    memset(&fit, 0, sizeof fit);
    assert_int_equal(type->fit(&ctx, st, m, v, &fit, &err), SB_ENUMERIC);
    assert_non_null(strstr(err.msg, "not finite"));
    sb_fit_clear(&fit);
    free(v);
    sb_masks_free(m);
    type->state_free(st);
    sb_params_free(params);
  }
  /* too small a budget: a skip naming the minimum */
  const sb_algo_type *type;
  sb_params *params;
  assert_int_equal(sb_algo_parse("spex", &type, &params, &err), SB_OK);
  sb_algo_ctx ctx = {.n = ds->n, .budget = 20, .params = params, .threads = 1};
  assert_int_equal(type->check(&ctx, &err), SB_ESKIP);
  assert_non_null(strstr(err.msg, "minimum"));
  sb_params_free(params);
  sb_dataset_free(ds);
}

/* Nested designs through the harness: with the same design seed, running b = 4 then
 * b = 6 on one oracle costs no more distinct queries than b = 6 alone. */
static void test_nested_through_oracle(void **state) {
  (void)state;
  sb_error err = {0};
  sb_dataset *ds = NULL;
  assert_int_equal(sb_dataset_open("fourier:n=50,k=10,degree=3,seed=4", &ds, &err), SB_OK);
  size_t alone = 0;
  for (int pass = 0; pass < 2; pass++) {
    sb_oracle *o = sb_oracle_alloc(ds->n, ds->eval, ds->ctx, SB_BUDGET_NONE);
    static const char *small = "spex:b=4", *big = "spex:b=6";
    const char *seq[2] = {pass ? small : big, big};
    for (int s = 0; s < 2 - (pass == 0); s++) {
      const sb_algo_type *type;
      sb_params *params;
      assert_int_equal(sb_algo_parse(seq[s], &type, &params, &err), SB_OK);
      gsl_rng *r = sb_rng_alloc(5);
      sb_algo_ctx ctx = {.n = ds->n, .budget = SB_BUDGET_NONE, .params = params, .rng = r,
                         .seed = 5 + (uint64_t)s, .design_seed = 77, .threads = 1};
      sb_fit fit;
      assert_int_equal(sb_algo_execute(type, &ctx, o, &fit, &err), SB_OK);
      sb_fit_clear(&fit);
      gsl_rng_free(r);
      sb_params_free(params);
    }
    if (pass == 0) alone = sb_oracle_used(o);
    else assert_int_equal(sb_oracle_used(o), alone);
    sb_oracle_free(o);
  }
  assert_true(alone > 0);
  sb_dataset_free(ds);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sample_counts),   cmocka_unit_test(test_design_masks),
      cmocka_unit_test(test_aliasing),        cmocka_unit_test(test_bin_classify),
      cmocka_unit_test(test_refit_matches_dense), cmocka_unit_test(test_end_to_end),
      cmocka_unit_test(test_nested_through_oracle), cmocka_unit_test(test_design_rows),
      cmocka_unit_test(test_streamed_equals_block),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
