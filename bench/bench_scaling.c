/* Cost of SPEX as n grows (issue 14 §3, docs/SCALING.md "Cost as n grows").
 *
 * For fourier:n=N,k=50,degree=5,seed=3 and spex:b=B (the case) it runs the
 * harness's path — streamed design -> counting oracle -> fit — once per point in a
 * forked child, and prints per point: wall seconds of design, oracle (dedup +
 * the synthetic function), transform+peel and refit; "no-oracle" = design + fit
 * (the "all but the oracle"); the run's CPU seconds (all threads), and
 * without the oracle's (cpu-no-o: the oracle's CPU measured by querying the same
 * design again through a fresh oracle — robust to a loaded machine, unlike wall
 * time); peak RSS; and the Parseval R² (1 = exact recovery).  Then least-squares
 * slopes of log(cost) against log(n·2^b): over the n sweep (wall, CPU, peak RSS
 * above the smallest run's) and over the b sweep.
 *
 *   bench_scaling                   n = 2^10 .. 2^20 at b = 8, then b = 6..11 at n = 2^14
 *   bench_scaling LOG2N_MAX [B]     n = 2^10 .. 2^LOG2N_MAX at b = B only
 *   bench_scaling -n N -b B [reps]  one point (minimum wall over reps children)
 * Timings are wall clock: note the load (uptime) next to them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "algos/algo.h"
#include "core/seed.h"
#include "core/timer.h"
#include "data/dataset.h"
#include "metrics/metrics.h"

typedef struct point {
  size_t n;
  unsigned b;
  double design, oracle, peel, refit, fit, cpu, cpu_oracle, r2;
  size_t samples;
  long rss_kb;
  int ok;
} point;

/* CPU seconds of the oracle alone (dedup + the function) on this run's design:
 * the chunks queried again through a fresh oracle, their making not counted. */
static double oracle_cpu(const sb_algo_type *type, const sb_algo_ctx *ctx, const sb_dataset *d) {
  void *state = NULL;
  sb_error err = {0};
  if (type->design(ctx, NULL, &state, &err)) return NAN;
  const size_t total = type->design_count(state), chunk = ((size_t)1 << 20) / (8 * sb_mask_words(d->n));
  sb_oracle *o = sb_oracle_alloc(d->n, d->eval, d->ctx, SB_BUDGET_NONE);
  sb_masks *m = sb_masks_alloc(d->n, chunk ? chunk : 1);
  double *v = malloc(m->count * sizeof *v), cpu = 0;
  for (size_t first = 0; o && m && v && first < total; first += m->count) {
    m->count = total - first < chunk ? total - first : chunk;
    if (type->design_chunk(state, first, m, &err)) break;
    double c0 = sb_cpu_seconds();
    if (sb_oracle_query(o, m, v, &err)) break;
    cpu += sb_cpu_seconds() - c0;
  }
  free(v);
  sb_masks_free(m);
  sb_oracle_free(o);
  type->state_free(state);
  return cpu;
}

/* In the child: one run; the figures go to the parent through a pipe. */
static int child_run(size_t n, unsigned b, int fd) {
  char dspec[128], aspec[64];
  snprintf(dspec, sizeof dspec, "fourier:n=%zu,k=50,degree=5,seed=3", n);
  snprintf(aspec, sizeof aspec, "spex:b=%u", b);
  sb_error err = {0};
  sb_dataset *d = NULL;
  const sb_algo_type *type = NULL;
  sb_params *params = NULL;
  if (sb_dataset_open(dspec, &d, &err) || sb_algo_parse(aspec, &type, &params, &err)) {
    fprintf(stderr, "bench_scaling: %s\n", err.msg);
    return 1;
  }
  gsl_rng *r = sb_rng_alloc(1);
  sb_algo_ctx ctx = {.n = d->n, .budget = SB_BUDGET_NONE, .params = params, .rng = r,
                     .seed = 1, .design_seed = 1, .noise_sigma = d->noise_sigma, .threads = 1};
  sb_oracle *o = sb_oracle_alloc(d->n, d->eval, d->ctx, SB_BUDGET_NONE);
  sb_fit fit;
  double c0 = sb_cpu_seconds();
  if (!o || sb_algo_execute(type, &ctx, o, &fit, &err)) {
    fprintf(stderr, "bench_scaling: n = %zu: %s\n", n, err.msg);
    return 1;
  }
  point p = {.n = n, .b = b, .ok = 1};
  p.cpu = sb_cpu_seconds() - c0;
  p.design = sb_fit_phase_seconds(&fit, "design");
  p.oracle = sb_fit_phase_seconds(&fit, "oracle");
  p.peel = sb_fit_phase_seconds(&fit, "transform+peel");
  p.refit = sb_fit_phase_seconds(&fit, "refit");
  p.fit = sb_fit_phase_seconds(&fit, "fit");
  p.samples = sb_oracle_asked(o);
  p.cpu_oracle = oracle_cpu(type, &ctx, d);
  p.r2 = NAN;
  if (sb_r2_parseval(d->truth, fit.surrogate, &p.r2, &err)) p.r2 = NAN;
  if (write(fd, &p, sizeof p) != (ssize_t)sizeof p) return 1;
  sb_fit_clear(&fit);
  sb_oracle_free(o);
  gsl_rng_free(r);
  sb_params_free(params);
  sb_dataset_free(d);
  return 0;
}

/* Minimum wall (design + fit) over `reps` forked runs; RSS and CPU of that run. */
static point measure(size_t n, unsigned b, int reps) {
  point best = {.n = n, .b = b};
  for (int rep = 0; rep < reps; rep++) {
    int fds[2];
    if (pipe(fds)) break;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
      close(fds[0]);
      _exit(child_run(n, b, fds[1]));
    }
    close(fds[1]);
    point p = {0};
    ssize_t got = pid > 0 ? read(fds[0], &p, sizeof p) : -1;
    close(fds[0]);
    int status = 0;
    struct rusage ru;
    if (pid < 0 || wait4(pid, &status, 0, &ru) < 0 || got != (ssize_t)sizeof p ||
        !WIFEXITED(status) || WEXITSTATUS(status) != 0)
      continue;
    p.rss_kb = ru.ru_maxrss;
    if (!best.ok || p.design + p.fit < best.design + best.fit) best = p;
  }
  return best;
}

static void print_header(void) {
  printf("%8s %2s %7s %8s %8s %8s %8s %9s %8s %8s %9s %10s\n", "n", "b", "samples", "design",
         "oracle", "peel", "refit", "no-oracle", "cpu", "cpu-no-o", "rss_MiB", "R2");
}

static void print_point(const point *p) {
  if (!p->ok) {
    printf("%8zu %2u  failed\n", p->n, p->b);
    return;
  }
  printf("%8zu %2u %7zu %8.4f %8.4f %8.4f %8.4f %9.4f %8.3f %8.3f %9.1f %10.7f\n", p->n, p->b,
         p->samples, p->design, p->oracle, p->peel, p->refit, p->design + p->fit, p->cpu,
         p->cpu - p->cpu_oracle, (double)p->rss_kb / 1024.0, p->r2);
  fflush(stdout);
}

/* Least-squares slope of log(y) on log(n·2^b) over points [lo, hi) with y >= ymin. */
static double slope(const point *pts, size_t lo, size_t hi, double (*y)(const point *),
                    double ymin) {
  double sx = 0, sy = 0, sxx = 0, sxy = 0, m = 0;
  for (size_t i = lo; i < hi; i++) {
    if (!pts[i].ok || y(&pts[i]) < ymin) continue;
    double x = log((double)pts[i].n * (double)((size_t)1 << pts[i].b)), v = log(y(&pts[i]));
    sx += x, sy += v, sxx += x * x, sxy += x * v, m++;
  }
  if (m < 2) return NAN;
  return (m * sxy - sx * sy) / (m * sxx - sx * sx);
}

static long base_rss_kb;
static double y_time(const point *p) { return p->design + p->fit; }
static double y_cpu(const point *p) { return p->cpu - p->cpu_oracle; }
static double y_rss(const point *p) { return (double)(p->rss_kb - base_rss_kb); }

int main(int argc, char **argv) {
  sb_gsl_install_handler();
  if (argc >= 5 && !strcmp(argv[1], "-n") && !strcmp(argv[3], "-b")) {
    point p = measure((size_t)atol(argv[2]), (unsigned)atoi(argv[4]), argc > 5 ? atoi(argv[5]) : 1);
    print_header();
    print_point(&p);
    return p.ok ? 0 : 1;
  }
  unsigned maxlog = argc > 1 ? (unsigned)atoi(argv[1]) : 20, bmain = argc > 2 ? (unsigned)atoi(argv[2]) : 8;
  if (maxlog < 10 || maxlog > 20) {
    fprintf(stderr, "bench_scaling: LOG2N_MAX must be 10..20\n");
    return 2;
  }
  point pts[32];
  size_t np = 0;
  int rc = 0;
  /* the baseline: a child that only opens the smallest dataset */
  base_rss_kb = 0;
  print_header();
  for (unsigned e = 10; e <= maxlog; e++) {
    pts[np] = measure((size_t)1 << e, bmain, 1);
    rc |= !pts[np].ok;
    print_point(&pts[np++]);
  }
  if (argc <= 1)
    for (unsigned b = 6; b <= 11; b++) {
      if (b == bmain) continue;
      pts[np] = measure((size_t)1 << 14, b, 1);
      rc |= !pts[np].ok;
      print_point(&pts[np++]);
    }
  base_rss_kb = pts[0].rss_kb;
  for (size_t i = 1; i < np; i++)
    if (pts[i].ok && pts[i].rss_kb < base_rss_kb) base_rss_kb = pts[i].rss_kb;
  const size_t nsweep = maxlog - 9;
  printf("n sweep (b = %u): slope of log(no-oracle wall s) on log(n*2^b), points >= 5 ms: %.3f\n",
         bmain, slope(pts, 0, nsweep, y_time, 0.005));
  printf("n sweep: slope of log(no-oracle CPU s) on log(n*2^b), points >= 5 ms: %.3f\n",
         slope(pts, 0, nsweep, y_cpu, 0.005));
  printf("n sweep: slope of log(peak RSS - %.1f MiB) on log(n*2^b), points >= 8 MiB above: %.3f\n",
         (double)base_rss_kb / 1024.0, slope(pts, 0, nsweep, y_rss, 8192));
  if (np > nsweep)
    printf("b sweep (n = 2^14): slope of log(no-oracle CPU s) on log(n*2^b): %.3f\n",
           slope(pts, nsweep, np, y_cpu, 0.005));
  return rc;
}
