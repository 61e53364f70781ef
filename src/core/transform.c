/* Fast Walsh–Hadamard and fast Möbius transforms (../shared/design/ALGORITHMS.md §2).
 *
 * The WHT is cache-blocked: the low bits are done inside blocks of 2^14 entries
 * (128 KiB, L2-resident), the high bits with long contiguous strides; both stages
 * are parallel over independent index ranges. */
#include "core/transform.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_BITS 14u

static void wht_block(double *a, unsigned lo, unsigned hi) {
  /* Butterflies for bits lo..hi-1 on a block of 2^hi entries. */
  for (unsigned b = lo; b < hi; b++) {
    size_t h = (size_t)1 << b;
    for (size_t i = 0; i < ((size_t)1 << hi); i += 2 * h)
      for (size_t j = i; j < i + h; j++) {
        double u = a[j], v = a[j + h];
        a[j] = u + v;
        a[j + h] = u - v;
      }
  }
}

int sb_fwht(double *a, unsigned n, int normalize, int threads) {
  if (n > SB_TRANSFORM_MAX_N) return SB_EINVAL;
  size_t N = (size_t)1 << n;
  unsigned lowbits = n < BLOCK_BITS ? n : BLOCK_BITS;
  long nblocks = (long)(N >> lowbits);
  if (threads <= 0) threads = 0;
#pragma omp parallel num_threads(threads > 0 ? threads : 2) if (n >= 16)
  {
#pragma omp for schedule(static)
    for (long blk = 0; blk < nblocks; blk++) wht_block(a + ((size_t)blk << lowbits), 0, lowbits);
    for (unsigned b = lowbits; b < n; b++) {
      size_t h = (size_t)1 << b;
      long pairs = (long)(N >> 1);
      /* pair index p -> i = (p / h) * 2h + (p % h) */
#pragma omp for schedule(static)
      for (long p = 0; p < pairs; p++) {
        size_t i = (((size_t)p >> b) << (b + 1)) | ((size_t)p & (h - 1));
        double u = a[i], v = a[i + h];
        a[i] = u + v;
        a[i + h] = u - v;
      }
    }
    if (normalize) {
      double inv = 1.0 / (double)N;
#pragma omp for schedule(static)
      for (long i = 0; i < (long)N; i++) a[i] *= inv;
    }
  }
  return SB_OK;
}

int sb_fmt_mobius(double *a, unsigned n) {
  if (n > SB_TRANSFORM_MAX_N) return SB_EINVAL;
  size_t N = (size_t)1 << n;
  for (unsigned b = 0; b < n; b++) {
    size_t h = (size_t)1 << b;
    for (size_t i = 0; i < N; i += 2 * h)
      for (size_t j = i; j < i + h; j++) a[j + h] -= a[j];
  }
  return SB_OK;
}

int sb_fmt_zeta(double *a, unsigned n) {
  if (n > SB_TRANSFORM_MAX_N) return SB_EINVAL;
  size_t N = (size_t)1 << n;
  for (unsigned b = 0; b < n; b++) {
    size_t h = (size_t)1 << b;
    for (size_t i = 0; i < N; i += 2 * h)
      for (size_t j = i; j < i + h; j++) a[j + h] += a[j];
  }
  return SB_OK;
}

sb_spectrum *sb_spectrum_from_dense(const double *a, unsigned n, sb_basis basis, double tol,
                                    sb_error *err) {
  if (n == 0 || n > SB_TRANSFORM_MAX_N) {
    sb_error_set(err, SB_EINVAL, "dense tables need 1 <= n <= %d (got %u)",
                 SB_TRANSFORM_MAX_N, n);
    return NULL;
  }
  sb_spectrum *s = sb_spectrum_alloc(basis, n);
  if (!s) {
    sb_error_set(err, SB_ENOMEM, "out of memory");
    return NULL;
  }
  size_t N = (size_t)1 << n;
  for (size_t x = 0; x < N; x++) {
    if (!(a[x] > tol || a[x] < -tol)) continue;
    uint64_t key = x;
    if (sb_spectrum_put(s, &key, a[x])) {
      sb_spectrum_free(s);
      sb_error_set(err, SB_ENOMEM, "out of memory");
      return NULL;
    }
  }
  return s;
}

int sb_spectrum_to_dense(const sb_spectrum *s, double *a, sb_error *err) {
  if (s->n > SB_TRANSFORM_MAX_N)
    return sb_error_set(err, SB_EINVAL, "dense tables need n <= %d (got %zu)",
                        SB_TRANSFORM_MAX_N, s->n);
  memset(a, 0, ((size_t)1 << s->n) * sizeof *a);
  for (size_t i = 0; i < s->count; i++) a[sb_spectrum_key(s, i)[0]] += s->values[i];
  return SB_OK;
}
