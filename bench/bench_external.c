/* Per-query overhead of the `external` protocol (a program that prints figures;
 * not a test).  On one design -- the B distinct uniform masks faith-banzhaf draws
 * -- it times, 1 thread, median of R repetitions, wall and CPU (this process plus
 * its reaped children, so the Python program's CPU is included):
 *   builtin   faith-banzhaf:order=1,alpha=0 (design + oracle + least squares)
 *   oracle    the oracle's share of that run (what any algorithm pays per query)
 *   start     external with a program that returns at once (process + Python start-up)
 *   ext/K     external whose program (bench/external_echo.py, the stdlib client)
 *             asks for the same design and queries it in batches of K masks
 * and prints overhead per query = (ext/K - start - oracle) / B.  Synthetic
 * function fourier:n=N,k=50,degree=3,seed=1 (a cheap oracle, so the figure is the
 * protocol's own cost: encoding, pipes, JSON, the client).
 * Usage: bench_external [reps] [budget]   (defaults 3, 20000) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "algos/algo.h"
#include "core/seed.h"
#include "core/timer.h"
#include "data/dataset.h"

static double cpu_all(void) {
  struct rusage s, c;
  getrusage(RUSAGE_SELF, &s);
  getrusage(RUSAGE_CHILDREN, &c);
  return (double)(s.ru_utime.tv_sec + s.ru_stime.tv_sec + c.ru_utime.tv_sec + c.ru_stime.tv_sec) +
         1e-6 * (double)(s.ru_utime.tv_usec + s.ru_stime.tv_usec + c.ru_utime.tv_usec +
                         c.ru_stime.tv_usec);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

typedef struct timing {
  double wall, cpu, oracle; /* medians */
  size_t used;
} timing;

/* Run `spec` reps times on dataset d with budget b; medians of wall, CPU, oracle phase. */
static int measure(const sb_dataset *d, const char *spec, size_t b, int reps, timing *t) {
  double w[32], c[32], o[32];
  sb_error err = {0};
  for (int r = 0; r < reps; r++) {
    const sb_algo_type *type;
    sb_params *p;
    if (sb_algo_parse(spec, &type, &p, &err)) break;
    gsl_rng *rng = sb_rng_alloc(1);
    sb_oracle *orc = sb_oracle_alloc(d->n, d->eval, d->ctx, b);
    sb_algo_ctx ctx = {d->n, b, p, rng, 1, 1, 0.0, 1, 0};
    sb_fit fit;
    double w0 = sb_wall_seconds(), c0 = cpu_all();
    int rc = sb_algo_execute(type, &ctx, orc, &fit, &err);
    w[r] = sb_wall_seconds() - w0;
    c[r] = cpu_all() - c0;
    o[r] = sb_oracle_seconds(orc);
    t->used = sb_oracle_used(orc);
    sb_fit_clear(&fit);
    sb_oracle_free(orc);
    gsl_rng_free(rng);
    sb_params_free(p);
    if (rc) break;
  }
  if (err.code) {
    fprintf(stderr, "bench_external: %s: %s\n", spec, err.msg);
    return 1;
  }
  qsort(w, (size_t)reps, sizeof *w, cmp_double);
  qsort(c, (size_t)reps, sizeof *c, cmp_double);
  qsort(o, (size_t)reps, sizeof *o, cmp_double);
  t->wall = w[reps / 2];
  t->cpu = c[reps / 2];
  t->oracle = o[reps / 2];
  return 0;
}

int main(int argc, char **argv) {
  int reps = argc > 1 ? atoi(argv[1]) : 3;
  size_t budget = argc > 2 ? (size_t)atol(argv[2]) : 20000;
  if (reps < 1 || reps > 31 || budget < 16) {
    fprintf(stderr, "usage: bench_external [reps 1..31] [budget >= 16]\n");
    return 2;
  }
  sb_gsl_install_handler();
  static const size_t ns[] = {16, 256};
  static const size_t batches[] = {1, 100, 0};
  printf("external protocol overhead: budget %zu, median of %d, 1 thread, python "
         "/usr/bin/python3 + python/spexbench/external.py\n",
         budget, reps);
  printf("%5s %-28s %10s %10s %10s %14s %14s\n", "n", "run", "wall s", "cpu s", "oracle s",
         "wall us/query", "cpu us/query");
  int fails = 0;
  for (size_t in = 0; in < sizeof ns / sizeof ns[0]; in++) {
    char dspec[128], spec[600];
    snprintf(dspec, sizeof dspec, "fourier:n=%zu,k=50,degree=3,seed=1", ns[in]);
    sb_dataset *d = NULL;
    sb_error err = {0};
    if (sb_dataset_open(dspec, &d, &err)) {
      fprintf(stderr, "bench_external: %s\n", err.msg);
      return 1;
    }
    timing fb, start;
    fails += measure(d, "faith-banzhaf:order=1,alpha=0", budget, reps, &fb);
    printf("%5zu %-28s %10.4f %10.4f %10.4f %14s %14s\n", ns[in], "builtin faith-banzhaf:1",
           fb.wall, fb.cpu, fb.oracle, "", "");
    snprintf(spec, sizeof spec,
             "external:cmd=/usr/bin/python3 %s/bench/external_echo.py,mode=none", SB_SOURCE_DIR);
    fails += measure(d, spec, budget, reps, &start);
    printf("%5zu %-28s %10.4f %10.4f %10s %14s %14s\n", ns[in], "external start-up only",
           start.wall, start.cpu, "", "", "");
    for (size_t ib = 0; ib < sizeof batches / sizeof batches[0]; ib++) {
      size_t k = batches[ib];
      if (k == 1 && budget > 5000) continue; /* a round trip per mask: see batch 100 */
      timing x;
      snprintf(spec, sizeof spec,
               "external:cmd=/usr/bin/python3 %s/bench/external_echo.py,batch=%zu", SB_SOURCE_DIR,
               k);
      fails += measure(d, spec, budget, reps, &x);
      char label[64];
      snprintf(label, sizeof label, "external batch=%s", k ? "" : "all");
      if (k) snprintf(label + strlen(label), sizeof label - strlen(label), "%zu", k);
      double b = (double)x.used;
      printf("%5zu %-28s %10.4f %10.4f %10.4f %14.2f %14.2f\n", ns[in], label, x.wall, x.cpu,
             x.oracle, 1e6 * (x.wall - start.wall - fb.oracle) / b,
             1e6 * (x.cpu - start.cpu - fb.oracle) / b);
    }
    sb_dataset_free(d);
  }
  return fails ? 1 : 0;
}
