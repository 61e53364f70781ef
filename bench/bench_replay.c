/* A large trace replayed (issue 14 §3): 2^K recorded rows, written as a .sbt.gz,
 * then opened as a `trace:` dataset in a fresh process, which reports the open
 * time (read + index, + FWHT truth for a full table) and peak RSS after it, the
 * lookups per second through the dataset's evaluation function (2^22 lookups of
 * recorded masks, best of 3) and the process's peak RSS (the lookup batch adds
 * 2^22 masks and answers: 64 MiB at n <= 64).
 *
 *   bench_replay [K] [n]   K = 24 by default; n = 64 (a partial trace: hash index),
 *                          or n = K (every mask of n features: a dense table)
 * The trace is written to $TMPDIR (or /tmp) and removed afterwards. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/timer.h"
#include "data/dataset.h"
#include "trace/trace.h"

/* xorshift64: the recorded masks of a partial trace, regenerated for lookups. */
static uint64_t next_u64(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static uint64_t mask_of(size_t n, size_t K, uint64_t *state, size_t i) {
  if (n == K) return (uint64_t)i;          /* full table: row i is mask i */
  return next_u64(state) & (n == 64 ? ~(uint64_t)0 : (((uint64_t)1 << n) - 1));
}

static int write_trace(const char *path, size_t n, size_t K) {
  sb_error e = {0};
  sb_trace *t = sb_trace_alloc(n);
  uint64_t st = 0x1234567887654321ULL;
  const size_t rows = (size_t)1 << K;
  for (size_t i = 0; i < rows; i++) {
    uint64_t m = mask_of(n, K, &st, i);
    if (sb_trace_put(t, &m, (double)(m >> 11) * 1e-9, NULL, &e)) break;
  }
  double t0 = sb_wall_seconds();
  int rc = e.code ? e.code : sb_trace_write(path, t, 0, &e);
  if (rc) fprintf(stderr, "bench_replay: %s\n", e.msg);
  else printf("wrote %zu rows (n = %zu) in %.1f s\n", t->count, n, sb_wall_seconds() - t0);
  sb_trace_free(t);
  return rc ? 1 : 0;
}

static int replay(const char *path, size_t n, size_t K) {
  char spec[4200];
  snprintf(spec, sizeof spec, "trace:%s", path);
  sb_error e = {0};
  sb_dataset *d = NULL;
  double t0 = sb_wall_seconds();
  if (sb_dataset_open(spec, &d, &e)) {
    fprintf(stderr, "bench_replay: %s\n", e.msg);
    return 1;
  }
  double topen = sb_wall_seconds() - t0;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("open (read + index%s): %.1f s = %.3g rows/s; peak RSS after open %.0f MiB\n",
         d->truth ? " + FWHT truth" : "", topen, (double)((size_t)1 << K) / topen,
         (double)ru.ru_maxrss / 1024.0);
  const size_t Q = (size_t)1 << 22, rows = (size_t)1 << K;
  sb_masks *m = sb_masks_alloc(n, Q);
  double *out = malloc(Q * sizeof *out);
  /* recorded masks, drawn uniformly: regenerate a prefix of the record sequence */
  const size_t pool = rows < ((size_t)1 << 20) ? rows : ((size_t)1 << 20);
  uint64_t *pm = malloc(pool * sizeof *pm), st = 0x1234567887654321ULL, pick = 99;
  for (size_t i = 0; i < pool; i++) pm[i] = mask_of(n, K, &st, n == K ? next_u64(&pick) % rows : i);
  for (size_t j = 0; j < Q; j++) *sb_masks_at(m, j) = pm[next_u64(&pick) % pool];
  double best = 1e30;
  for (int rep = 0; rep < 3; rep++) {
    t0 = sb_wall_seconds();
    if (sb_dataset_eval(d, m, out, &e)) {
      fprintf(stderr, "bench_replay: %s\n", e.msg);
      return 1;
    }
    double t = sb_wall_seconds() - t0;
    if (t < best) best = t;
  }
  printf("lookups: %.3g per second (%zu lookups of recorded masks, best of 3)\n",
         (double)Q / best, Q);
  free(pm);
  free(out);
  sb_masks_free(m);
  sb_dataset_free(d);
  return 0;
}

/* Run f in a child; its peak RSS in MiB (< 0 on failure). */
static double in_child(int (*f)(const char *, size_t, size_t), const char *path, size_t n,
                       size_t K) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    int rc = f(path, n, K);
    fflush(stdout);
    _exit(rc);
  }
  int status = 0;
  struct rusage ru;
  if (pid < 0 || wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
    return -1;
  return (double)ru.ru_maxrss / 1024.0;
}

int main(int argc, char **argv) {
  size_t K = argc > 1 ? (size_t)atol(argv[1]) : 24, n = argc > 2 ? (size_t)atol(argv[2]) : 64;
  if (K < 10 || K > 26 || !(n == K || (n > K && n <= 64))) {
    fprintf(stderr, "usage: bench_replay [K in 10..26] [n = K, or K < n <= 64]\n");
    return 2;
  }
  const char *tmp = getenv("TMPDIR");
  char path[4096];
  snprintf(path, sizeof path, "%s/bench_replay.%d.sbt.gz", tmp && *tmp ? tmp : "/tmp",
           (int)getpid());
  double wr = in_child(write_trace, path, n, K);
  struct stat sb;
  if (wr < 0 || stat(path, &sb)) {
    unlink(path);
    return 1;
  }
  printf("file: %.1f MiB (%.1f bytes per row); writer peak RSS %.0f MiB\n",
         (double)sb.st_size / 1048576.0, (double)sb.st_size / (double)((size_t)1 << K), wr);
  double rr = in_child(replay, path, n, K);
  unlink(path);
  if (rr < 0) return 1;
  printf("replay peak RSS: %.0f MiB (%.1f bytes per row)\n", rr,
         rr * 1048576.0 / (double)((size_t)1 << K));
  return 0;
}
