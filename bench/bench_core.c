/* Core benchmarks (a program that prints figures; not a test):
 *   - in-place FWHT at n = 16, 20, 24 with 1 and 2 threads (best of 3);
 *   - sparse spectrum evaluation throughput (n = 1024, k = 100, 10,000 masks);
 *   - oracle cache throughput (distinct inserts and repeated lookups, n = 64).
 * Usage: bench_core [max_n]   (default 24) */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/seed.h"
#include "core/spectrum.h"
#include "core/timer.h"
#include "core/transform.h"
#include "oracle/oracle.h"

static int zero_eval(void *ctx, const uint64_t *m, size_t count, double *out, sb_error *err) {
  (void)ctx, (void)m, (void)err;
  for (size_t j = 0; j < count; j++) out[j] = (double)j;
  return SB_OK;
}

int main(int argc, char **argv) {
  unsigned maxn = argc > 1 ? (unsigned)atoi(argv[1]) : 24;
  printf("FWHT (in place, normalised), best of 3:\n  %4s %8s %12s %12s\n", "n", "entries",
         "1 thread s", "2 threads s");
  for (unsigned n = 16; n <= maxn; n += 4) {
    size_t N = (size_t)1 << n;
    double *a = malloc(N * sizeof *a);
    if (!a) return 1;
    double best[2] = {INFINITY, INFINITY};
    for (int th = 1; th <= 2; th++)
      for (int rep = 0; rep < 3; rep++) {
        for (size_t x = 0; x < N; x++) a[x] = (double)(x % 97) - 48.0;
        double t0 = sb_wall_seconds();
        sb_fwht(a, n, 1, th);
        double t = sb_wall_seconds() - t0;
        if (t < best[th - 1]) best[th - 1] = t;
      }
    printf("  %4u %8zu %12.4f %12.4f\n", n, N, best[0], best[1]);
    free(a);
  }
  /* sparse evaluation */
  size_t n = 1024, k = 100, M = 10000;
  gsl_rng *r = sb_rng_alloc(1);
  sb_spectrum *s = sb_spectrum_alloc(SB_BASIS_FOURIER, n);
  uint64_t set[16];
  for (size_t i = 0; i < k; i++) {
    sb_mask_random_size(set, n, 1 + i % 5, r);
    sb_spectrum_add(s, set, 1.0);
  }
  sb_masks *m = sb_masks_alloc(n, M);
  for (size_t j = 0; j < M; j++) sb_mask_random(sb_masks_at(m, j), n, r);
  double *out = malloc(M * sizeof *out);
  omp_set_num_threads(1);
  double t0 = sb_wall_seconds();
  sb_spectrum_eval_batch(s, m, out);
  double t = sb_wall_seconds() - t0;
  printf("\nsparse eval, n=%zu k=%zu, %zu masks, 1 thread: %.4f s (%.1f M term-evals/s)\n", n, k,
         M, t, (double)(k * M) / t / 1e6);
  /* oracle cache */
  size_t Q = 200000;
  sb_masks *q = sb_masks_alloc(64, Q);
  for (size_t j = 0; j < Q; j++) sb_mask_random(sb_masks_at(q, j), 64, r);
  double *qo = malloc(Q * sizeof *qo);
  sb_oracle *o = sb_oracle_alloc(64, zero_eval, NULL, SB_BUDGET_NONE);
  sb_error err;
  t0 = sb_wall_seconds();
  sb_oracle_query(o, q, qo, &err);
  double t1 = sb_wall_seconds();
  sb_oracle_query(o, q, qo, &err);
  double t2 = sb_wall_seconds();
  printf("oracle cache, n=64: %zu distinct inserts %.1f M/s, repeated lookups %.1f M/s\n", Q,
         (double)Q / (t1 - t0) / 1e6, (double)Q / (t2 - t1) / 1e6);
  sb_oracle_free(o);
  free(qo);
  sb_masks_free(q);
  free(out);
  sb_masks_free(m);
  sb_spectrum_free(s);
  gsl_rng_free(r);
  return 0;
}
