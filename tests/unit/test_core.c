/* Core: masks, spectra, FWHT/Möbius transforms, conversions, JSON, oracle,
 * combinatorics (the mask map has its own test_maskmap.c). */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "testutil.h"
#include <sys/stat.h>

#include "core/cmdfiles.h"
#include "core/digest.h"
#include "core/fault.h"
#include "core/comb.h"
#include "core/fsutil.h"
#include "core/params.h"
#include "core/seed.h"
#include "core/spectrum.h"
#include "core/transform.h"
#include "oracle/oracle.h"

static double brute_fourier(const double *f, unsigned n, uint64_t k) {
  double acc = 0;
  for (uint64_t x = 0; x < ((uint64_t)1 << n); x++)
    acc += __builtin_parityll(k & x) ? -f[x] : f[x];
  return acc / (double)((uint64_t)1 << n);
}

static void test_fwht_brute(void **state) {
  (void)state;
  for (unsigned n = 1; n <= 10; n++) {
    size_t N = (size_t)1 << n;
    double *f = malloc(N * sizeof *f), *a = malloc(N * sizeof *a);
    for (size_t x = 0; x < N; x++) f[x] = sin(1.7 * (double)x + 0.3 * n) * 3.14159 + 0.001 * x;
    memcpy(a, f, N * sizeof *a);
    assert_int_equal(sb_fwht(a, n, 1, 1), 0);
    for (size_t k = 0; k < N; k++) assert_close(a[k], brute_fourier(f, n, k), 1e-12);
    /* unnormalised transform of F gives back f */
    assert_int_equal(sb_fwht(a, n, 0, 1), 0);
    for (size_t x = 0; x < N; x++) assert_close(a[x], f[x], 1e-11);
    free(f);
    free(a);
  }
}

static void test_fwht_blocked_large(void **state) {
  (void)state;
  /* n = 17 exercises the cache-blocked stage and the parallel high bits. */
  unsigned n = 17;
  size_t N = (size_t)1 << n;
  double *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b);
  for (size_t x = 0; x < N; x++) a[x] = cos(0.37 * (double)x);
  memcpy(b, a, N * sizeof *b);
  sb_fwht(a, n, 1, 2);
  for (uint64_t k = 0; k < N; k += 4099) assert_close(a[k], brute_fourier(b, n, k), 1e-10);
  free(a);
  free(b);
}

static void test_mobius_brute(void **state) {
  (void)state;
  for (unsigned n = 1; n <= 10; n++) {
    size_t N = (size_t)1 << n;
    double *f = malloc(N * sizeof *f), *a = malloc(N * sizeof *a);
    for (size_t x = 0; x < N; x++) f[x] = 0.5 + cos(0.9 * (double)x * x + n);
    memcpy(a, f, N * sizeof *a);
    sb_fmt_mobius(a, n);
    /* brute: a(S) = Σ_{T ⊆ S} (-1)^{|S|-|T|} f(T) */
    for (uint64_t S = 0; S < N; S++) {
      double acc = 0;
      for (uint64_t T = S;; T = (T - 1) & S) {
        acc += (__builtin_popcountll(S ^ T) & 1) ? -f[T] : f[T];
        if (T == 0) break;
      }
      assert_close(a[S], acc, 1e-10);
    }
    sb_fmt_zeta(a, n);
    for (size_t x = 0; x < N; x++) assert_close(a[x], f[x], 1e-10);
    free(f);
    free(a);
  }
}

/* Fourier <-> Möbius conversions agree with the dense transforms and round-trip. */
static void test_conversions(void **state) {
  (void)state;
  unsigned n = 8;
  size_t N = (size_t)1 << n;
  double *f = malloc(N * sizeof *f), *F = malloc(N * sizeof *F), *A = malloc(N * sizeof *A);
  for (size_t x = 0; x < N; x++) f[x] = sin(0.123 * (double)(x * x) + 1.0) + (double)(x % 7) / 3.0;
  memcpy(F, f, N * sizeof *F);
  sb_fwht(F, n, 1, 1);
  memcpy(A, f, N * sizeof *A);
  sb_fmt_mobius(A, n);
  sb_error err;
  sb_spectrum *sf = sb_spectrum_from_dense(F, n, SB_BASIS_FOURIER, 0, &err);
  sb_spectrum *sm = sb_spectrum_to_mobius(sf, 0, &err);
  assert_non_null(sm);
  for (uint64_t S = 0; S < N; S++) assert_close(sb_spectrum_get(sm, &S), A[S], 1e-10);
  sb_spectrum *back = sb_spectrum_to_fourier(sm, 0, &err);
  assert_non_null(back);
  for (uint64_t K = 0; K < N; K++) assert_close(sb_spectrum_get(back, &K), F[K], 1e-10);
  /* evaluation of both bases matches the table */
  for (uint64_t x = 0; x < N; x++) {
    assert_close(sb_spectrum_eval(sf, &x), f[x], 1e-10);
    assert_close(sb_spectrum_eval(sm, &x), f[x], 1e-10);
  }
  sb_spectrum_free(sf);
  sb_spectrum_free(sm);
  sb_spectrum_free(back);
  free(f);
  free(F);
  free(A);
}

/* Sparse evaluation at large n against a dense per-term reference. */
static void test_eval_large_n(void **state) {
  (void)state;
  size_t n = 300, words = sb_mask_words(n);
  gsl_rng *r = sb_rng_alloc(42);
  sb_spectrum *s = sb_spectrum_alloc(SB_BASIS_FOURIER, n);
  uint64_t set[5];
  for (int i = 0; i < 40; i++) {
    sb_mask_random_size(set, n, 1 + (size_t)(i % 4), r);
    sb_spectrum_add(s, set, 0.1 * i - 1.7);
  }
  sb_masks *m = sb_masks_alloc(n, 200);
  for (size_t j = 0; j < 200; j++) sb_mask_random(sb_masks_at(m, j), n, r);
  double *out = malloc(200 * sizeof *out);
  sb_spectrum_eval_batch(s, m, out);
  for (size_t j = 0; j < 200; j++) {
    double ref = 0;
    for (size_t i = 0; i < s->count; i++) {
      int par = 0;
      for (size_t f = 0; f < n; f++)
        par ^= sb_mask_get(sb_spectrum_key(s, i), f) & sb_mask_get(sb_masks_at(m, j), f);
      ref += par ? -s->values[i] : s->values[i];
    }
    assert_close(out[j], ref, 1e-12);
  }
  /* padding bits stay zero */
  uint64_t full[5];
  sb_mask_fill(full, n);
  assert_int_equal(sb_mask_popcount(full, words), n);
  sb_mask_complement(full, n);
  assert_int_equal(sb_mask_popcount(full, words), 0);
  free(out);
  sb_masks_free(m);
  sb_spectrum_free(s);
  gsl_rng_free(r);
}

static void test_spectrum_json_topk(void **state) {
  (void)state;
  sb_spectrum *s = sb_spectrum_alloc(SB_BASIS_FOURIER, 70);
  size_t a[] = {0, 3}, b[] = {65}, c[] = {1, 2, 69};
  sb_spectrum_add_indices(s, a, 2, 0.25);
  sb_spectrum_add_indices(s, b, 1, -2.5);
  sb_spectrum_add_indices(s, c, 3, 1.0 / 3.0);
  sb_spectrum_add_indices(s, NULL, 0, 7.0);
  size_t idx[4];
  assert_int_equal(sb_spectrum_topk(s, 4, 0, idx), 3);
  assert_close(s->values[idx[0]], -2.5, 0);
  assert_close(s->values[idx[1]], 1.0 / 3.0, 0);
  double hist[4] = {0};
  sb_spectrum_degree_energy(s, hist, 3);
  assert_close(hist[0], 49.0, 1e-12);
  assert_close(hist[1], 6.25, 1e-12);
  const char *dir = sb_test_tmpdir();
  char path[512];
  snprintf(path, sizeof path, "%s/s.json", dir);
  sb_error err;
  assert_int_equal(sb_spectrum_write_json(s, path, &err), 0);
  sb_spectrum *t = sb_spectrum_read_json(path, &err);
  assert_non_null(t);
  assert_int_equal(t->count, 4);
  for (size_t i = 0; i < s->count; i++)
    assert_close(sb_spectrum_get(t, sb_spectrum_key(s, i)), s->values[i], 0);
  /* malformed inputs give messages, not crashes */
  const char *bad[] = {"{\"basis\":\"fourier\",\"n\":4,\"terms\":[{\"set\":[4],\"value\":1}]}",
                       "{\"basis\":\"walsh\",\"n\":4,\"terms\":[]}",
                       "{\"basis\":\"fourier\",\"n\":4,\"terms\":[{\"set\":[1,1],\"value\":1}]}",
                       "[1,2]"};
  for (size_t i = 0; i < 4; i++) {
    json_error_t je;
    json_t *j = json_loads(bad[i], 0, &je);
    assert_non_null(j);
    sb_error e2 = {0};
    assert_null(sb_spectrum_from_json(j, "bad.json", &e2));
    assert_int_equal(e2.code, SB_EFORMAT);
    assert_non_null(strstr(e2.msg, "bad.json"));
    json_decref(j);
  }
  sb_spectrum_prune(s, 0.3);
  assert_int_equal(s->count, 3);
  assert_close(sb_spectrum_get(s, sb_spectrum_key(t, 0)), 0.0, 0); /* {0,3} pruned */
  sb_spectrum_free(s);
  sb_spectrum_free(t);
}

static int count_calls;
static int square_eval(void *ctx, const uint64_t *masks, size_t count, double *out,
                       sb_error *err) {
  (void)ctx;
  (void)err;
  count_calls += (int)count;
  for (size_t j = 0; j < count; j++) out[j] = (double)masks[j] * (double)masks[j];
  return SB_OK;
}

static void test_oracle_distinct_budget(void **state) {
  (void)state;
  count_calls = 0;
  sb_oracle *o = sb_oracle_alloc(10, square_eval, NULL, 5);
  uint64_t q[] = {1, 2, 2, 3, 1};
  double out[8];
  sb_error err;
  assert_int_equal(sb_oracle_query_raw(o, q, 5, out, &err), 0);
  assert_int_equal(sb_oracle_used(o), 3);
  assert_int_equal(count_calls, 3);
  assert_close(out[2], 4.0, 0);
  assert_close(out[4], 1.0, 0);
  uint64_t q2[] = {3, 4, 5, 6};
  assert_int_equal(sb_oracle_query_raw(o, q2, 4, out, &err), SB_EBUDGET);
  assert_non_null(strstr(err.msg, "budget"));
  assert_int_equal(sb_oracle_used(o), 3); /* nothing counted */
  uint64_t q3[] = {3, 4, 5, 1};
  assert_int_equal(sb_oracle_query_raw(o, q3, 4, out, &err), 0);
  assert_int_equal(sb_oracle_used(o), 5);
  assert_close(out[2], 25.0, 0);
  assert_int_equal(count_calls, 5);
  sb_oracle_free(o);
}

/* Fingerprints: deterministic, and no collision among a base mask and all its
 * one- and two-bit neighbours (structured differences, as designs make them). */
static void test_mask_fingerprint(void **state) {
  (void)state;
  const size_t n = 1500, words = sb_mask_words(n); /* odd word count: the padded tail */
  uint64_t *m = calloc(words, sizeof *m), fp[2], fp2[2];
  gsl_rng *r = sb_rng_alloc(3);
  sb_mask_random(m, n, r);
  sb_mask_fingerprint(m, words, fp);
  sb_mask_fingerprint(m, words, fp2);
  assert_true(fp[0] == fp2[0] && fp[1] == fp2[1]);
  sb_spectrum *seen = sb_spectrum_alloc(SB_BASIS_FOURIER, 128); /* a set of 128-bit keys */
  assert_int_equal(sb_spectrum_put(seen, fp, 0), SB_OK);
  size_t count = 1;
  for (size_t i = 0; i < n; i++) {
    sb_mask_flip(m, i);
    sb_mask_fingerprint(m, words, fp);
    assert_int_equal(sb_spectrum_put(seen, fp, 0), SB_OK);
    count++;
    for (size_t j = i + 1; j < n; j += 97) {
      sb_mask_flip(m, j);
      sb_mask_fingerprint(m, words, fp);
      assert_int_equal(sb_spectrum_put(seen, fp, 0), SB_OK);
      count++;
      sb_mask_flip(m, j);
    }
    sb_mask_flip(m, i);
  }
  assert_int_equal(sb_spectrum_size(seen), count);
  sb_spectrum_free(seen);
  gsl_rng_free(r);
  free(m);
}

/* Answers with the number of set bits plus 1000 × the lowest set bit's index. */
static int bits_eval(void *ctx, const uint64_t *masks, size_t count, double *out, sb_error *err) {
  (void)err;
  const size_t words = *(const size_t *)ctx;
  count_calls += (int)count;
  for (size_t j = 0; j < count; j++) {
    const uint64_t *m = masks + j * words;
    size_t idx[4096], c = sb_mask_indices(m, words, idx);
    out[j] = (double)c + (c ? 1000.0 * (double)idx[0] : 0);
  }
  return SB_OK;
}

/* The oracle above 1,024 features keeps fingerprints: the same counting, caching,
 * budget and rollback, and each new mask evaluated (gathered or in place). */
static void test_oracle_large_masks(void **state) {
  (void)state;
  const size_t n = 3000, words = sb_mask_words(n);
  count_calls = 0;
  sb_oracle *o = sb_oracle_alloc(n, bits_eval, (void *)&words, 6);
  sb_masks *b = sb_masks_alloc(n, 5);
  for (size_t j = 0; j < 5; j++) sb_mask_set(sb_masks_at(b, j), 100 * (j % 3));
  sb_mask_set(sb_masks_at(b, 4), 2999);
  /* masks: {0}, {100}, {200}, {0}, {100, 2999}: one repeat inside the batch */
  double out[8];
  sb_error err = {0};
  assert_int_equal(sb_oracle_query(o, b, out, &err), SB_OK);
  assert_int_equal(sb_oracle_used(o), 4);
  assert_int_equal(count_calls, 4);
  assert_close(out[0], 1, 0);
  assert_close(out[2], 200001, 0);
  assert_close(out[3], 1, 0);
  assert_close(out[4], 100002, 0);
  /* {5}, {6} new and {0} cached: the new ones are gathered for evaluation */
  sb_masks *c = sb_masks_alloc(n, 3);
  sb_mask_set(sb_masks_at(c, 0), 5);
  sb_mask_set(sb_masks_at(c, 1), 6);
  sb_mask_set(sb_masks_at(c, 2), 0);
  assert_int_equal(sb_oracle_query(o, c, out, &err), SB_OK);
  assert_int_equal(sb_oracle_used(o), 6);
  assert_int_equal(count_calls, 6);
  assert_close(out[0], 5001, 0);
  assert_close(out[1], 6001, 0);
  assert_close(out[2], 1, 0);
  /* one more new mask crosses the budget of 6: nothing evaluated or counted */
  sb_masks *d = sb_masks_alloc(n, 2);
  sb_mask_set(sb_masks_at(d, 0), 1234);
  sb_mask_set(sb_masks_at(d, 1), 200);
  assert_int_equal(sb_oracle_query(o, d, out, &err), SB_EBUDGET);
  assert_int_equal(sb_oracle_used(o), 6);
  assert_int_equal(count_calls, 6);
  /* the cache still answers its masks after the rollback */
  sb_masks *e = sb_masks_alloc(n, 1);
  sb_mask_set(sb_masks_at(e, 0), 200);
  assert_int_equal(sb_oracle_query(o, e, out, &err), SB_OK);
  assert_int_equal(count_calls, 6);
  assert_close(out[0], 200001, 0);
  /* a batch of new masks only is evaluated in place */
  sb_oracle_set_budget(o, SB_BUDGET_NONE);
  sb_mask_clear(sb_masks_at(d, 1), 200);
  sb_mask_set(sb_masks_at(d, 1), 2000);
  assert_int_equal(sb_oracle_query(o, d, out, &err), SB_OK);
  assert_int_equal(sb_oracle_used(o), 8);
  assert_close(out[0], 1234001, 0);
  assert_close(out[1], 2000001, 0);
  sb_masks_free(b);
  sb_masks_free(c);
  sb_masks_free(d);
  sb_masks_free(e);
  sb_oracle_free(o);
}

static void test_seed_and_noise(void **state) {
  (void)state;
  const char *p1[] = {"a", "b", NULL}, *p2[] = {"ab", "", NULL}, *p3[] = {"a", "b", NULL};
  assert_true(sb_seed_derive(1, p1) != sb_seed_derive(1, p2));
  assert_true(sb_seed_derive(1, p1) == sb_seed_derive(1, p3));
  assert_true(sb_seed_derive(1, p1) != sb_seed_derive(2, p1));
  double s = 0, s2 = 0;
  for (uint64_t k = 0; k < 20000; k++) {
    double z = sb_hash_normal(k);
    s += z;
    s2 += z * z;
  }
  assert_close(s / 20000, 0.0, 0.03);
  assert_close(s2 / 20000, 1.0, 0.05);
}

/* The "valid: a, b, c" list helper: separators, and a name that does not fit
 * leaves the list as it was (terminated), never a cut name. */
static void test_names_append(void **state) {
  (void)state;
  char buf[12];
  size_t u = sb_names_append(buf, sizeof buf, 0, "ab");
  u = sb_names_append(buf, sizeof buf, u, "cd");
  assert_string_equal(buf, "ab, cd");
  assert_int_equal(u, 6);
  u = sb_names_append(buf, sizeof buf, u, "toolong");
  assert_string_equal(buf, "ab, cd");
  assert_int_equal(u, 6);
  u = sb_names_append(buf, sizeof buf, u, "e");
  assert_string_equal(buf, "ab, cd, e");
  assert_int_equal(sb_names_append(buf, sizeof buf, sizeof buf, "x"), sizeof buf);
}

/* Overflow-checked integers (issue 13.4): 2^64 is an error, never a wrapped or
 * saturated value; no sign, space, hex or exponent slips through. */
static void test_parse_integers(void **state) {
  (void)state;
  uint64_t u = 7;
  assert_int_equal(sb_parse_u64("18446744073709551615", 0, UINT64_MAX, &u), SB_NUM_OK);
  assert_true(u == UINT64_MAX);
  assert_int_equal(sb_parse_u64("18446744073709551616", 0, UINT64_MAX, &u), SB_NUM_RANGE);
  assert_int_equal(sb_parse_u64("99999999999999999999999", 0, UINT64_MAX, &u), SB_NUM_RANGE);
  assert_int_equal(sb_parse_u64("0", 1, 10, &u), SB_NUM_RANGE);
  assert_int_equal(sb_parse_u64("11", 1, 10, &u), SB_NUM_RANGE);
  const char *bad[] = {"", "-1", "+1", " 1", "1 ", "0x10", "1e3", "1.0", "abc", NULL};
  for (size_t i = 0; bad[i]; i++) assert_int_equal(sb_parse_u64(bad[i], 0, UINT64_MAX, &u), SB_NUM_SYNTAX);
  int64_t v = 0;
  assert_int_equal(sb_parse_i64("-9223372036854775808", INT64_MIN, INT64_MAX, &v), SB_NUM_OK);
  assert_true(v == INT64_MIN);
  assert_int_equal(sb_parse_i64("9223372036854775808", INT64_MIN, INT64_MAX, &v), SB_NUM_RANGE);
  assert_int_equal(sb_parse_i64("-5", 0, 10, &v), SB_NUM_RANGE);
  assert_int_equal(sb_parse_i64("--5", INT64_MIN, INT64_MAX, &v), SB_NUM_SYNTAX);
  /* numeric parameter ranges ("0..") */
  sb_param_def d = {"seed", SB_PARAM_INT, "0", "0..", "seed"};
  sb_error err;
  assert_int_equal(sb_param_validate(&d, "5", "t", &err), SB_OK);
  assert_int_not_equal(sb_param_validate(&d, "-1", "t", &err), SB_OK);
  assert_non_null(strstr(err.msg, "seed = '-1': expected an integer in 0.."));
}

/* SHA-256 (FIPS 180-4 test vectors) and file digests: a copy has the same digest,
 * a FIFO is refused without blocking. */
/* The files a command runs, by content: the first word through $PATH, other
 * words that name files (quotes group words), nothing for a command of none. */
static void test_cmd_files(void **state) {
  (void)state;
  const char *dir = sb_test_tmpdir();
  char prog[512], spaced[512], cmd[1200];
  snprintf(prog, sizeof prog, "%s/prog.py", dir);
  snprintf(spaced, sizeof spaced, "%s/a b", dir);
  for (int k = 0; k < 2; k++) {
    FILE *fp = fopen(k ? spaced : prog, "wb");
    assert_non_null(fp);
    fputs("abc", fp);
    fclose(fp);
  }
  sb_error err;
  char *key = NULL;
  snprintf(cmd, sizeof cmd, "sh %s --opt x \"%s\"", prog, spaced);
  assert_int_equal(sb_cmd_files_key(cmd, &key, &err), SB_OK);
  assert_non_null(key);
  char want[1200];
  assert_int_equal(strncmp(key, "sh=", 3), 0); /* found through $PATH */
  snprintf(want, sizeof want, " %s=ba7816bf8f01cfea", prog);
  assert_non_null(strstr(key, want));
  snprintf(want, sizeof want, " %s=ba7816bf8f01cfea", spaced);
  assert_non_null(strstr(key, want));
  assert_null(strstr(key, "--opt"));
  char *before = key;
  FILE *fp = fopen(prog, "ab"); /* edited: another key */
  fputs("d", fp);
  fclose(fp);
  assert_int_equal(sb_cmd_files_key(cmd, &key, &err), SB_OK);
  assert_string_not_equal(key, before);
  free(before), free(key);
  assert_int_equal(sb_cmd_files_key("no-such-program-xyz --flag", &key, &err), SB_OK);
  assert_null(key);
  assert_int_equal(sb_cmd_files_key("", &key, &err), SB_OK);
  assert_null(key);
}

static void test_digest(void **state) {
  (void)state;
  char hex[SB_SHA256_HEX];
  sb_sha256_hex("", 0, hex);
  assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  sb_sha256_hex("abc", 3, hex);
  assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  sb_sha256_hex(two, strlen(two), hex);
  assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  sb_sha256 s;
  sb_sha256_init(&s);
  char a[1001];
  memset(a, 'a', sizeof a);
  for (int i = 0; i < 1000; i++) sb_sha256_update(&s, a, i % 2 ? 999 : 1001); /* 10^6 'a' */
  sb_sha256_final_hex(&s, hex);
  assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  const char *dir = sb_test_tmpdir();
  char p[512], q[512], fifo[512], fh[SB_SHA256_HEX];
  snprintf(p, sizeof p, "%s/f", dir);
  snprintf(q, sizeof q, "%s/g", dir);
  snprintf(fifo, sizeof fifo, "%s/pipe", dir);
  for (int k = 0; k < 2; k++) {
    FILE *fp = fopen(k ? q : p, "wb");
    fputs("abc", fp);
    fclose(fp);
  }
  sb_error err;
  assert_int_equal(sb_file_sha256(p, fh, &err), SB_OK);
  assert_string_equal(fh, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  assert_int_equal(sb_file_sha256(q, fh, &err), SB_OK); /* another inode, same content */
  assert_string_equal(fh, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  assert_int_equal(mkfifo(fifo, 0644), 0);
  assert_int_equal(sb_file_sha256(fifo, fh, &err), SB_EIO);
  assert_non_null(strstr(err.msg, "FIFO"));
  assert_int_equal(sb_file_sha256(dir, fh, &err), SB_EIO);
  assert_non_null(strstr(err.msg, "directory"));
}

/* Binomials against Pascal's triangle; the k-subset iterator visits C(n, k)
 * distinct increasing subsets in lexicographic order. */
static void test_comb(void **state) {
  (void)state;
  double row[41] = {1};
  for (size_t n = 1; n <= 40; n++) {
    for (size_t k = n; k > 0; k--) row[k] += row[k - 1];
    for (size_t k = 0; k <= n; k++) assert_true(sb_choose(n, k) == row[k]); /* exact < 2^53 */
    double sum = 0;
    for (size_t k = 1; k <= 3 && k <= n; k++) sum += row[k];
    assert_true(sb_choose_sum_upto(n, 3) == sum);
  }
  assert_true(sb_choose(5, 6) == 0);
  assert_true(sb_choose_sum_upto(5, 0) == 0);
  assert_true(isinf(sb_choose(5000, 2500)));
  assert_close(sb_choose(65536, 3), 65536.0 * 65535.0 * 65534.0 / 6.0, 1e-3);
  for (size_t n = 0; n <= 9; n++)
    for (size_t k = 0; k <= n; k++) {
      size_t c[9], prev[9], visits = 0;
      sb_comb_first(c, k);
      do {
        for (size_t i = 0; i < k; i++) assert_true(c[i] < n && (i == 0 || c[i - 1] < c[i]));
        if (visits) { /* strictly after the previous subset, lexicographically */
          size_t i = 0;
          while (i < k && c[i] == prev[i]) i++;
          assert_true(i < k && c[i] > prev[i]);
        }
        memcpy(prev, c, sizeof c);
        visits++;
      } while (sb_comb_next(c, k, n));
      assert_int_equal(visits, (size_t)sb_choose(n, k));
      for (size_t i = 0; i < k; i++) assert_int_equal(c[i], n - k + i); /* last subset kept */
    }
}

/* A write that fails inside stdio's buffer (here: the file-size limit, EFBIG)
 * is reported at commit with its own error number — also when the cause has
 * gone by then (space freed, limit raised: the final flush succeeds) — not with
 * whatever errno a later, unrelated call left (ESRCH below); no file is left. */
static void test_atomic_write_errno(void **state) {
  (void)state;
  char path[512];
  snprintf(path, sizeof path, "%s/limited.csv", sb_test_tmpdir());
  struct rlimit old, lim;
  assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
  lim = old;
  lim.rlim_cur = 4096;
  void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
  sb_atomic_file af;
  sb_error e = {0};
  assert_int_equal(sb_atomic_open(&af, path, &e), SB_OK);
  assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
  for (int i = 0; i < 20000; i++) fprintf(af.fp, "row %d,%d\n", i, i * i);
  assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
  signal(SIGXFSZ, prev);
  errno = ESRCH;
  int rc = sb_atomic_commit(&af, &e);
  assert_int_equal(rc, SB_EIO);
  if (!strstr(e.msg, strerror(EFBIG))) print_error("message: %s\n", e.msg);
  assert_non_null(strstr(e.msg, strerror(EFBIG)));
  assert_null(strstr(e.msg, strerror(ESRCH)));
  assert_int_not_equal(access(path, F_OK), 0);
}

/* The test-only fault switch: names parsed from a comma list, unknown names reported. */
static void test_fault_parse(void **state) {
  (void)state;
  char unknown[64];
  assert_int_equal(sb_fault_parse(NULL, unknown, sizeof unknown), 0);
  assert_string_equal(unknown, "");
  assert_int_equal(sb_fault_parse("spex-no-chase", unknown, sizeof unknown),
                   SB_FAULT_SPEX_NO_CHASE);
  assert_int_equal(sb_fault_parse(" spex-delay-row, spex-no-chase,", unknown, sizeof unknown),
                   SB_FAULT_SPEX_NO_CHASE | SB_FAULT_SPEX_DELAY_ROW);
  assert_string_equal(unknown, "");
  assert_int_equal(sb_fault_parse("spex-no-chasex,spex-no-chase,typo", unknown, sizeof unknown),
                   SB_FAULT_SPEX_NO_CHASE);
  assert_string_equal(unknown, "spex-no-chasex,typo");
  /* the test binary runs without the variable: nothing is broken */
  assert_null(getenv(SB_FAULT_ENV));
  assert_false(sb_fault_active(SB_FAULT_SPEX_NO_CHASE));
  assert_string_equal(sb_fault_names(), "");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fault_parse),
      cmocka_unit_test(test_parse_integers),     cmocka_unit_test(test_digest), cmocka_unit_test(test_cmd_files),
      cmocka_unit_test(test_fwht_brute),         cmocka_unit_test(test_fwht_blocked_large),
      cmocka_unit_test(test_mobius_brute),       cmocka_unit_test(test_conversions),
      cmocka_unit_test(test_eval_large_n),       cmocka_unit_test(test_spectrum_json_topk),
      cmocka_unit_test(test_oracle_distinct_budget), cmocka_unit_test(test_seed_and_noise),
      cmocka_unit_test(test_names_append),       cmocka_unit_test(test_comb),
      cmocka_unit_test(test_atomic_write_errno), cmocka_unit_test(test_mask_fingerprint),
      cmocka_unit_test(test_oracle_large_masks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
