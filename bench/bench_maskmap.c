/* Mask map benchmark (a program that prints figures; not a test).
 *
 * Part 1, the map itself (core/maskmap.h): distinct inserts (find_or_add of new
 * keys, the table growing from empty), lookups that hit and lookups that miss,
 * for keys of 1, 4 and 64 words (n = 64, 256, 4096).
 * Part 2, the map through its users, with the same public calls as before the
 * map existed (so the figures compare across versions): the oracle's cache
 * (a batch of distinct masks, then the same batch again), spectrum add + get,
 * trace put + find.
 * Each figure is the best of R repetitions in CPU seconds of one thread, printed
 * as nanoseconds per operation.
 * Usage: bench_maskmap [keys] [reps]   (default 1000000 keys, 5 reps) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/maskmap.h"
#include "core/seed.h"
#include "core/spectrum.h"
#include "core/timer.h"
#include "oracle/oracle.h"
#include "trace/trace.h"

/* `count` random keys of n bits (distinct with overwhelming probability). */
static sb_masks *random_keys(size_t n, size_t count, uint64_t seed) {
  gsl_rng *r = sb_rng_alloc(seed);
  sb_masks *b = sb_masks_alloc(n, count);
  if (!r || !b) exit(1);
  for (size_t j = 0; j < count; j++) sb_mask_random(sb_masks_at(b, j), n, r);
  gsl_rng_free(r);
  return b;
}

static double ns_per(double seconds, size_t ops) { return seconds * 1e9 / (double)ops; }

/* ---- part 1: the map -------------------------------------------------- */

static void bench_map(size_t n, size_t count, int reps) {
  sb_masks *keys = random_keys(n, count, 1), *miss = random_keys(n, count, 2);
  double best[3] = {1e300, 1e300, 1e300};
  long sink = 0;
  for (int rep = 0; rep < reps; rep++) {
    sb_maskmap m;
    if (sb_maskmap_init(&m, keys->words, 0)) exit(1);
    double t0 = sb_cpu_seconds();
    for (size_t j = 0; j < count; j++) sink += sb_maskmap_add_row(&m, keys, j);
    double t1 = sb_cpu_seconds();
    for (size_t j = 0; j < count; j++) sink += sb_maskmap_find(&m, keys->bits, sb_masks_at(keys, j));
    double t2 = sb_cpu_seconds();
    for (size_t j = 0; j < count; j++) sink += sb_maskmap_find(&m, keys->bits, sb_masks_at(miss, j));
    double t3 = sb_cpu_seconds();
    double t[3] = {t1 - t0, t2 - t1, t3 - t2};
    for (int i = 0; i < 3; i++)
      if (t[i] < best[i]) best[i] = t[i];
    sb_maskmap_release(&m);
  }
  printf("  %6zu %6zu %9zu %12.1f %12.1f %12.1f   (%ld)\n", n, keys->words, count,
         ns_per(best[0], count), ns_per(best[1], count), ns_per(best[2], count), sink % 7);
  sb_masks_free(keys);
  sb_masks_free(miss);
}

/* ---- part 2: the users ------------------------------------------------ */

static int index_eval(void *ctx, const uint64_t *m, size_t count, double *out, sb_error *err) {
  (void)ctx, (void)m, (void)err;
  for (size_t j = 0; j < count; j++) out[j] = (double)j;
  return SB_OK;
}

static void bench_users(size_t n, size_t count, int reps) {
  sb_masks *keys = random_keys(n, count, 3);
  double *out = malloc(count * sizeof *out);
  double best[6] = {1e300, 1e300, 1e300, 1e300, 1e300, 1e300}, sink = 0;
  sb_error err;
  for (int rep = 0; rep < reps; rep++) {
    double t[7];
    sb_oracle *o = sb_oracle_alloc(n, index_eval, NULL, SB_BUDGET_NONE);
    sb_spectrum *s = sb_spectrum_alloc(SB_BASIS_FOURIER, n);
    sb_trace *tr = sb_trace_alloc(n);
    if (!o || !s || !tr || !out) exit(1);
    t[0] = sb_cpu_seconds();
    if (sb_oracle_query(o, keys, out, &err)) exit(1); /* all new */
    t[1] = sb_cpu_seconds();
    if (sb_oracle_query(o, keys, out, &err)) exit(1); /* all cached */
    t[2] = sb_cpu_seconds();
    for (size_t j = 0; j < count; j++) sb_spectrum_add(s, sb_masks_at(keys, j), 1.0);
    t[3] = sb_cpu_seconds();
    for (size_t j = 0; j < count; j++) sink += sb_spectrum_get(s, sb_masks_at(keys, j));
    t[4] = sb_cpu_seconds();
    for (size_t j = 0; j < count; j++) sb_trace_put(tr, sb_masks_at(keys, j), (double)j, NULL, &err);
    t[5] = sb_cpu_seconds();
    for (size_t j = 0; j < count; j++) sink += (double)sb_trace_find(tr, sb_masks_at(keys, j));
    t[6] = sb_cpu_seconds();
    for (int i = 0; i < 6; i++)
      if (t[i + 1] - t[i] < best[i]) best[i] = t[i + 1] - t[i];
    sb_oracle_free(o);
    sb_spectrum_free(s);
    sb_trace_free(tr);
  }
  printf("  %6zu %9zu %9.1f %9.1f %9.1f %9.1f %9.1f %9.1f   (%.0f)\n", n, count,
         ns_per(best[0], count), ns_per(best[1], count), ns_per(best[2], count),
         ns_per(best[3], count), ns_per(best[4], count), ns_per(best[5], count),
         (double)((long)sink % 7));
  free(out);
  sb_masks_free(keys);
}

int main(int argc, char **argv) {
  size_t count = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 1000000;
  int reps = argc > 2 ? atoi(argv[2]) : 5;
  if (count == 0 || reps < 1) {
    fprintf(stderr, "usage: bench_maskmap [keys >= 1] [reps >= 1]\n");
    return 2;
  }
  printf("mask map, ns per operation (best of %d, CPU time, 1 thread):\n", reps);
  printf("  %6s %6s %9s %12s %12s %12s\n", "n", "words", "keys", "insert new", "find hit",
         "find miss");
  bench_map(64, count, reps);
  bench_map(256, count, reps);
  bench_map(4096, count / 16 ? count / 16 : 1, reps);
  printf("\nusers (same public calls as before the map), ns per mask:\n");
  printf("  %6s %9s %9s %9s %9s %9s %9s %9s\n", "n", "masks", "orc new", "orc hit", "spec add",
         "spec get", "tr put", "tr find");
  bench_users(64, count, reps);
  bench_users(256, count / 4 ? count / 4 : 1, reps);
  return 0;
}
