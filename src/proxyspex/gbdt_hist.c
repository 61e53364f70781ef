/* Gradient histograms over packed binary rows (see gbdt_hist.h).
 *
 * Three kernels, all summing each feature's gradients in row order in double:
 *   scalar  — walks the set bits of each row (ctz), the portable reference;
 *   avx2    — 32 features per pass over the node's rows: 8 × 4 double lanes and
 *             4 × 8 int32 count lanes held in registers, a lane's add masked by
 *             AND-ing the gradient with its bit expanded by compare;
 *   avx512  — 64 features (one mask word) per pass: 8 × 8 double lanes and
 *             4 × 16 count lanes, each add predicated directly by the mask
 *             byte/half-word (k-registers).
 * The vector kernels are compiled with function-level target attributes and
 * chosen at run time with __builtin_cpu_supports, so the library still runs
 * on any x86-64 (and elsewhere through the scalar kernel). */
#include "proxyspex/gbdt_hist.h"

#include <stdlib.h>
#include <string.h>

static void hist_scalar(const uint64_t *xb, size_t rw, const double *g, const size_t *idx,
                        size_t lo, size_t hi, size_t n, double *G, uint32_t *C) {
  memset(G, 0, n * sizeof *G);
  memset(C, 0, n * sizeof *C);
  for (size_t a = lo; a < hi; a++) {
    size_t r = idx[a];
    const uint64_t *x = xb + r * rw;
    const double gr = g[r];
    for (size_t w = 0; w < rw; w++) {
      uint64_t v = x[w];
      while (v) {
        size_t j = w * 64 + (size_t)__builtin_ctzll(v);
        G[j] += gr;
        C[j]++;
        v &= v - 1;
      }
    }
  }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SB_HIST_X86 1
#include <immintrin.h>

/* Copy the first min(width, n − base) lanes of a block's results out. */
static void store_block(const double *tg, const uint32_t *tc, size_t base, size_t width,
                        size_t n, double *G, uint32_t *C) {
  size_t len = n - base < width ? n - base : width;
  memcpy(G + base, tg, len * sizeof *G);
  memcpy(C + base, tc, len * sizeof *C);
}

__attribute__((target("avx2"))) static void hist_avx2(const uint64_t *xb, size_t rw,
                                                      const double *g, const size_t *idx,
                                                      size_t lo, size_t hi, size_t n,
                                                      double *G, uint32_t *C) {
  __m256i k4[8], k8[4];
  for (int q = 0; q < 8; q++)
    k4[q] = _mm256_set_epi64x((long long)1 << (4 * q + 3), (long long)1 << (4 * q + 2),
                              (long long)1 << (4 * q + 1), (long long)1 << (4 * q));
  for (int q = 0; q < 4; q++)
    k8[q] = _mm256_set_epi32((int)(1u << (8 * q + 7)), 1 << (8 * q + 6), 1 << (8 * q + 5),
                             1 << (8 * q + 4), 1 << (8 * q + 3), 1 << (8 * q + 2),
                             1 << (8 * q + 1), 1 << (8 * q));
  for (size_t base = 0; base < n; base += 32) {
    const size_t w = base / 64, sh = base % 64;
    __m256d acc[8];
    __m256i cnt[4];
    for (int q = 0; q < 8; q++) acc[q] = _mm256_setzero_pd();
    for (int q = 0; q < 4; q++) cnt[q] = _mm256_setzero_si256();
    for (size_t a = lo; a < hi; a++) {
      const size_t r = idx[a];
      const uint32_t v = (uint32_t)(xb[r * rw + w] >> sh);
      const __m256d gv = _mm256_set1_pd(g[r]);
      const __m256i v64 = _mm256_set1_epi64x((long long)v), v32 = _mm256_set1_epi32((int)v);
      for (int q = 0; q < 8; q++) {
        __m256i on = _mm256_cmpeq_epi64(_mm256_and_si256(v64, k4[q]), k4[q]);
        acc[q] = _mm256_add_pd(acc[q], _mm256_and_pd(gv, _mm256_castsi256_pd(on)));
      }
      for (int q = 0; q < 4; q++)
        cnt[q] = _mm256_sub_epi32(cnt[q], _mm256_cmpeq_epi32(_mm256_and_si256(v32, k8[q]),
                                                             k8[q]));
    }
    double tg[32];
    uint32_t tc[32];
    for (int q = 0; q < 8; q++) _mm256_storeu_pd(tg + 4 * q, acc[q]);
    for (int q = 0; q < 4; q++) _mm256_storeu_si256((__m256i *)(void *)(tc + 8 * q), cnt[q]);
    store_block(tg, tc, base, 32, n, G, C);
  }
}

__attribute__((target("avx512f"))) static void hist_avx512(const uint64_t *xb, size_t rw,
                                                           const double *g, const size_t *idx,
                                                           size_t lo, size_t hi, size_t n,
                                                           double *G, uint32_t *C) {
  const __m512i one = _mm512_set1_epi32(1);
  for (size_t w = 0; w < rw && w * 64 < n; w++) {
    __m512d acc[8];
    __m512i cnt[4];
    for (int q = 0; q < 8; q++) acc[q] = _mm512_setzero_pd();
    for (int q = 0; q < 4; q++) cnt[q] = _mm512_setzero_si512();
    for (size_t a = lo; a < hi; a++) {
      const size_t r = idx[a];
      const uint64_t v = xb[r * rw + w];
      const __m512d gv = _mm512_set1_pd(g[r]);
      for (int q = 0; q < 8; q++)
        acc[q] = _mm512_mask_add_pd(acc[q], (__mmask8)(v >> (8 * q)), acc[q], gv);
      for (int q = 0; q < 4; q++)
        cnt[q] = _mm512_mask_add_epi32(cnt[q], (__mmask16)(v >> (16 * q)), cnt[q], one);
    }
    double tg[64];
    uint32_t tc[64];
    for (int q = 0; q < 8; q++) _mm512_storeu_pd(tg + 8 * q, acc[q]);
    for (int q = 0; q < 4; q++) _mm512_storeu_si512((void *)(tc + 16 * q), cnt[q]);
    store_block(tg, tc, w * 64, 64, n, G, C);
  }
}
#endif

sb_gbdt_hist_fn sb_gbdt_hist_kernel(const char *name) {
  if (!strcmp(name, "auto")) {
    const char *force = getenv("SB_GBDT_HIST"); /* benchmarks compare kernels */
    sb_gbdt_hist_fn f = NULL;
    if (force && *force && strcmp(force, "auto")) f = sb_gbdt_hist_kernel(force);
    if (!f) f = sb_gbdt_hist_kernel("avx512");
    if (!f) f = sb_gbdt_hist_kernel("avx2");
    return f ? f : hist_scalar;
  }
  if (!strcmp(name, "scalar")) return hist_scalar;
#ifdef SB_HIST_X86
  __builtin_cpu_init();
  if (!strcmp(name, "avx2") && __builtin_cpu_supports("avx2")) return hist_avx2;
  if (!strcmp(name, "avx512") && __builtin_cpu_supports("avx512f")) return hist_avx512;
#endif
  return NULL;
}

const char *sb_gbdt_hist_auto_name(void) {
  sb_gbdt_hist_fn f = sb_gbdt_hist_kernel("auto");
  static const char *const names[] = {"scalar", "avx2", "avx512"};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++)
    if (f && f == sb_gbdt_hist_kernel(names[i])) return names[i];
  return "unknown";
}
