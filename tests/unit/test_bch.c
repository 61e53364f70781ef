/* GF(2^m) and shortened BCH codes (src/spex): the §4 table of P for t = 5,
 * correction of every error pattern of weight <= t (exhaustive for the (31,11)
 * code, random for longer ones), and weight t+1 patterns never decoded into the
 * transmitted message. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "core/seed.h"
#include "core/mask.h"
#include "spex/bch.h"
#include "spex/gf2m.h"

static void test_gf_fields(void **state) {
  (void)state;
  for (unsigned m = 2; m <= SB_GF2M_MAX_M; m++) {
    sb_error err = {0};
    sb_gf2m *f = sb_gf2m_alloc(m, &err);
    assert_non_null(f);
    /* a * a^-1 = 1 and distributivity on a few elements */
    for (uint32_t a = 1; a < f->size && a < 300; a++) {
      assert_int_equal(sb_gf2m_mul(f, a, sb_gf2m_inv(f, a)), 1);
      uint32_t b = (a * 7 + 3) & f->order, c = (a * 13 + 5) & f->order;
      assert_int_equal(sb_gf2m_mul(f, a, b ^ c), sb_gf2m_mul(f, a, b) ^ sb_gf2m_mul(f, a, c));
    }
    sb_gf2m_free(f);
  }
  sb_error err = {0};
  assert_null(sb_gf2m_alloc(1, &err));
  assert_int_equal(err.code, SB_EINVAL);
}

/* ALGORITHMS.md §4 table (t = 5): n range -> (n_c, k_c), P = n_c - k_c + 1. */
static void test_bch_table(void **state) {
  (void)state;
  static const struct {
    size_t lo, hi, nc, kc, P;
  } rows[] = {{2, 11, 31, 11, 21},       {12, 36, 63, 36, 28},      {37, 92, 127, 92, 36},
              {93, 215, 255, 215, 41},   {216, 466, 511, 466, 46},  {467, 973, 1023, 973, 51},
              {974, 1992, 2047, 1992, 56}};
  for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
    size_t probes[] = {rows[r].lo, (rows[r].lo + rows[r].hi) / 2, rows[r].hi};
    for (size_t a = 0; a < 3; a++) {
      sb_error err = {0};
      sb_bch *c = sb_bch_alloc(probes[a], 5, &err);
      assert_non_null(c);
      assert_int_equal(c->nc, rows[r].nc);
      assert_int_equal(c->kc, rows[r].kc);
      assert_int_equal(c->r + 1, rows[r].P);
      assert_int_equal(c->gen[c->r], 1);
      assert_int_equal(c->gen[0], 1);
      sb_bch_free(c);
    }
  }
  /* beyond the table: n = 4096 needs m = 13, 65 parity bits */
  sb_error err = {0};
  sb_bch *c = sb_bch_alloc(4096, 5, &err);
  assert_non_null(c);
  assert_int_equal(c->nc, 8191);
  assert_int_equal(c->r, 65);
  sb_bch_free(c);
}

/* Codeword check: every x^{r+i} + parity(e_i) is divisible by g, i.e. has zero
 * syndromes (bits at message position i).  Done through the syndrome columns. */
static void test_bch_codewords(void **state) {
  (void)state;
  sb_error err = {0};
  sb_bch *c = sb_bch_alloc(200, 5, &err);
  assert_non_null(c);
  for (size_t i = 0; i < c->n; i++) {
    uint32_t S[2 * SB_BCH_MAX_T];
    sb_bch_syndromes(c, c->par + i * c->pw, S);
    for (unsigned j = 1; j <= 2 * c->t; j++)
      assert_int_equal(S[j - 1], sb_gf2m_alpha_pow(c->gf, (long long)j * (long long)(c->r + i)));
  }
  sb_bch_free(c);
}

/* Decode message k (given as indices) with some parity bits flipped. */
static int decode_case(const sb_bch *c, const size_t *k, size_t klen, const size_t *flips,
                       size_t nflips, size_t *out, size_t *outlen) {
  uint64_t par[8];
  sb_bch_encode(c, k, klen, par);
  for (size_t a = 0; a < nflips; a++) par[flips[a] >> 6] ^= (uint64_t)1 << (flips[a] & 63);
  size_t perr = 0;
  int rc = sb_bch_decode(c, par, out, outlen, &perr);
  if (rc == SB_OK && perr != nflips && *outlen == klen) return -2;
  return rc;
}

static int same_set(const size_t *a, size_t la, const size_t *b, size_t lb) {
  if (la != lb) return 0;
  for (size_t i = 0; i < la; i++)
    if (a[i] != b[i]) return 0;
  return 1;
}

/* All error patterns of weight <= t over the 31 positions of the (31,11) code
 * (message part: the errors are the message k itself; parity part: flips). */
static void test_bch_exhaustive_small(void **state) {
  (void)state;
  sb_error err = {0};
  sb_bch *c = sb_bch_alloc(11, 5, &err);
  assert_non_null(c);
  assert_int_equal(c->r + c->n, 31);
  const size_t npos = 31, t = 5;
  size_t pos[7], nchecked = 0, t1_fail = 0, t1_wrong = 0;
  /* enumerate subsets of size w by combination indices */
  for (size_t w = 0; w <= t + 1; w++) {
    for (size_t i = 0; i < w; i++) pos[i] = i;
    for (;;) {
      size_t k[7], kl = 0, fl[7], fln = 0;
      for (size_t i = 0; i < w; i++) {
        if (pos[i] < c->r) fl[fln++] = pos[i];
        else k[kl++] = pos[i] - c->r;
      }
      size_t out[SB_BCH_MAX_T], outlen = 0;
      int rc = decode_case(c, k, kl, fl, fln, out, &outlen);
      if (w <= t) {
        assert_int_equal(rc, SB_OK);
        assert_true(same_set(out, outlen, k, kl));
      } else {
        /* weight t+1: never the transmitted message with a consistent count */
        if (rc != SB_OK) t1_fail++;
        else {
          assert_false(same_set(out, outlen, k, kl));
          assert_true(outlen <= t);
          t1_wrong++;
        }
      }
      nchecked++;
      /* next combination */
      size_t i = w;
      while (i > 0 && pos[i - 1] == npos - w + i - 1) i--;
      if (i == 0) break;
      pos[i - 1]++;
      for (size_t j = i; j < w; j++) pos[j] = pos[j - 1] + 1;
    }
  }
  assert_int_equal(nchecked, 1 + 31 + 465 + 4495 + 31465 + 169911 + 736281);
  print_message("(31,11): weight 6 patterns: %zu detected, %zu decoded to another codeword\n",
                t1_fail, t1_wrong);
  assert_int_equal(t1_fail + t1_wrong, 736281);
  sb_bch_free(c);
}

/* Random patterns of weight <= t (and t+1) for longer codes and other t. */
static void test_bch_random(void **state) {
  (void)state;
  size_t ns[] = {64, 300, 1000, 4096};
  unsigned ts[] = {2, 3, 5, 7};
  gsl_rng *r = sb_rng_alloc(42);
  for (size_t a = 0; a < 4; a++)
    for (size_t b = 0; b < 4; b++) {
      sb_error err = {0};
      sb_bch *c = sb_bch_alloc(ns[a], ts[b], &err);
      assert_non_null(c);
      for (int trial = 0; trial < 300; trial++) {
        size_t w = (size_t)gsl_rng_uniform_int(r, ts[b] + 2); /* 0..t+1 */
        size_t npos = c->r + c->n, chosen[SB_BCH_MAX_T + 1], nch = 0;
        while (nch < w) {
          size_t p = (size_t)gsl_rng_uniform_int(r, (unsigned long)npos), dup = 0;
          for (size_t i = 0; i < nch; i++) dup |= chosen[i] == p;
          if (!dup) chosen[nch++] = p;
        }
        /* sort */
        for (size_t i = 1; i < nch; i++)
          for (size_t j = i; j > 0 && chosen[j - 1] > chosen[j]; j--) {
            size_t tmp = chosen[j];
            chosen[j] = chosen[j - 1];
            chosen[j - 1] = tmp;
          }
        size_t k[SB_BCH_MAX_T + 1], kl = 0, fl[SB_BCH_MAX_T + 1], fln = 0;
        for (size_t i = 0; i < nch; i++) {
          if (chosen[i] < c->r) fl[fln++] = chosen[i];
          else k[kl++] = chosen[i] - c->r;
        }
        size_t out[SB_BCH_MAX_T], outlen = 0;
        int rc = decode_case(c, k, kl, fl, fln, out, &outlen);
        if (w <= ts[b]) {
          assert_int_equal(rc, SB_OK);
          assert_true(same_set(out, outlen, k, kl));
        } else if (rc == SB_OK) {
          assert_false(same_set(out, outlen, k, kl));
        }
      }
      sb_bch_free(c);
    }
  gsl_rng_free(r);
}

/* The largest n (SB_MAX_N = 2^20) needs GF(2^21): P = 21·5 + 1; weight-5 messages
 * near both ends of the shortened code decode. */
static void test_bch_max_n(void **state) {
  (void)state;
  sb_error err = {0};
  sb_bch *c = sb_bch_alloc((size_t)SB_MAX_N, 5, &err);
  assert_non_null(c);
  assert_int_equal(c->m, 21);
  assert_int_equal(c->r, 105);
  size_t k[] = {0, 7, 524288, 1048000, 1048575}, fl[] = {3}, out[SB_BCH_MAX_T], outlen = 0;
  assert_int_equal(decode_case(c, k, 5, NULL, 0, out, &outlen), SB_OK);
  assert_true(same_set(out, outlen, k, 5));
  assert_int_equal(decode_case(c, k + 1, 4, fl, 1, out, &outlen), SB_OK);
  assert_true(same_set(out, outlen, k + 1, 4));
  sb_bch_free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_gf_fields),       cmocka_unit_test(test_bch_table),
      cmocka_unit_test(test_bch_codewords),   cmocka_unit_test(test_bch_exhaustive_small),
      cmocka_unit_test(test_bch_random),      cmocka_unit_test(test_bch_max_n),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
