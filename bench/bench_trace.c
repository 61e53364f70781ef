/* Speed of the trace layer (README "Speed"): import of a 2^16-row shapiq .npz
 * (zip + inflate + row mapping), conversion to a trace and a write/read round
 * trip of the .sbt.gz, and replay lookups per second through the dataset's
 * evaluation function: dense table (npz / full trace), hash index of a partial
 * trace for n = 16 and n = 64.
 *
 * usage: bench_trace [FILE.npz]   (default: the ViT-16 game in
 *        $SB_SHARED_DIR or ../shared/datasets/shapiq-v1.4.1/ImageClassifier_Game/16/) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "data/dataset.h"
#include "trace/import.h"
#include "trace/npz.h"
#include "trace/trace.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t rng_state = 0x1234567887654321ULL;
static uint64_t next_u64(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

/* Lookups per second of d on `count` masks drawn from `pool` (pool_n masks). */
static double lookups_per_s(const sb_dataset *d, const uint64_t *pool, size_t pool_n,
                            size_t count) {
  size_t words = sb_mask_words(d->n);
  sb_masks *m = sb_masks_alloc(d->n, count);
  double *out = malloc(count * sizeof *out);
  for (size_t j = 0; j < count; j++)
    memcpy(sb_masks_at(m, j), pool + (next_u64() % pool_n) * words, words * sizeof(uint64_t));
  sb_error e;
  double best = 1e30, sink = 0;
  for (int rep = 0; rep < 5; rep++) {
    double t0 = now();
    if (sb_dataset_eval(d, m, out, &e)) {
      fprintf(stderr, "eval failed: %s\n", e.msg);
      exit(1);
    }
    double t = now() - t0;
    best = t < best ? t : best;
    sink += out[count / 2];
  }
  if (sink == 12345.678) puts("");
  sb_masks_free(m);
  free(out);
  return (double)count / best;
}

int main(int argc, char **argv) {
  char path[4096];
  if (argc > 1) snprintf(path, sizeof path, "%s", argv[1]);
  else {
    const char *sd = getenv("SB_SHARED_DIR");
    snprintf(path, sizeof path, "%s/datasets/shapiq-v1.4.1/ImageClassifier_Game/16/model_name=vit_16_patches_1.npz",
             sd && *sd ? sd : SB_SOURCE_DIR "/../shared");
  }
  sb_error e = {0};
  /* 1. npz import */
  sb_npz_game *g = NULL;
  double best = 1e30;
  for (int rep = 0; rep < 10; rep++) {
    double t0 = now();
    if (sb_npz_game_read(path, &g, &e)) {
      fprintf(stderr, "%s\n", e.msg);
      return 1;
    }
    double t = now() - t0;
    best = t < best ? t : best;
    if (rep < 9) sb_npz_game_free(g);
  }
  size_t rows = (size_t)1 << g->n;
  printf("npz read (zip+inflate+CRC+row mapping): %zu rows in %.2f ms = %.3g rows/s\n", rows,
         best * 1e3, (double)rows / best);
  /* 2. npz -> trace, write, read */
  sb_trace *t = NULL;
  double t0 = now();
  if (sb_trace_import_npz(path, &t, &e)) return fprintf(stderr, "%s\n", e.msg), 1;
  double t_imp = now() - t0;
  char tp[] = "/tmp/bench_trace.XXXXXX";
  int fd = mkstemp(tp);
  close(fd);
  t0 = now();
  if (sb_trace_write(tp, t, 0, &e)) return fprintf(stderr, "%s\n", e.msg), 1;
  double t_w = now() - t0;
  sb_trace *r = NULL;
  t0 = now();
  if (sb_trace_read(tp, 0, &r, NULL, &e)) return fprintf(stderr, "%s\n", e.msg), 1;
  double t_r = now() - t0;
  printf("npz -> in-memory trace: %.3g rows/s; .sbt.gz write: %.3g rows/s; strict read: %.3g rows/s\n",
         (double)rows / t_imp, (double)rows / t_w, (double)rows / t_r);
  sb_trace_free(r);
  /* 3. lookups: dense table (npz dataset) */
  char spec[4200];
  snprintf(spec, sizeof spec, "npz:%s", path);
  sb_dataset *d = NULL;
  if (sb_dataset_open(spec, &d, &e)) return fprintf(stderr, "%s\n", e.msg), 1;
  const size_t Q = (size_t)1 << 22;
  printf("replay lookups, dense table (npz, n = %u): %.3g lookups/s\n", g->n,
         lookups_per_s(d, t->masks, t->count, Q));
  sb_dataset_free(d);
  /* 4. partial trace, hash index: drop one record so it is not a full table */
  t->count--; /* (index still holds it; fine for the write below, which uses count) */
  if (sb_trace_write(tp, t, 0, &e)) return fprintf(stderr, "%s\n", e.msg), 1;
  snprintf(spec, sizeof spec, "trace:%s", tp);
  if (sb_dataset_open(spec, &d, &e)) return fprintf(stderr, "%s\n", e.msg), 1;
  printf("replay lookups, hash index (partial trace, n = %u, %zu records): %.3g lookups/s\n", g->n,
         t->count, lookups_per_s(d, t->masks, t->count, Q));
  sb_dataset_free(d);
  sb_trace_free(t);
  /* 5. n = 64, 1M random records */
  sb_trace *w = sb_trace_alloc(64);
  size_t R = 1 << 20;
  for (size_t i = 0; i < R; i++) {
    uint64_t m = next_u64();
    sb_trace_put(w, &m, (double)(m >> 11) * 1e-9, NULL, &e);
  }
  t0 = now();
  if (sb_trace_write(tp, w, 0, &e)) return fprintf(stderr, "%s\n", e.msg), 1;
  double tw = now() - t0;
  t0 = now();
  snprintf(spec, sizeof spec, "trace:%s", tp);
  if (sb_dataset_open(spec, &d, &e)) return fprintf(stderr, "%s\n", e.msg), 1;
  double to = now() - t0;
  printf("n = 64, %zu records: write %.3g rows/s, open (read + index) %.3g rows/s\n", w->count,
         (double)w->count / tw, (double)w->count / to);
  printf("replay lookups, hash index (n = 64, %zu records): %.3g lookups/s\n", w->count,
         lookups_per_s(d, w->masks, w->count, Q));
  sb_dataset_free(d);
  sb_trace_free(w);
  sb_npz_game_free(g);
  unlink(tp);
  return 0;
}
