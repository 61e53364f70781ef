/* The regression path (issue 14 §3): seconds of the regression baselines against
 * budget and feature count, next to the cost of one thin SVD of a design of the
 * same size — the yardstick the issue sets (a fit within 2× of one SVD).
 *
 * For each case (algorithm, n, budget) it runs the harness's path (design ->
 * oracle -> fit, sb_algo_execute) `reps` times on fourier:n=N,k=50,degree=3,
 * seed=S for several seeds S (inputs of the same size), and prints the median
 * fit seconds (wall and process CPU), the fit's own info (features, α or λ), and
 * the median seconds of LAPACK's dgesdd (jobz = 'S') on an m × p matrix of random
 * ±1 entries, p = the fit's feature count; ratio = fit / SVD.  The run's threads
 * (ctx.threads, which sets OpenBLAS's) are 1, then 2, so BLAS threading shows.
 *
 *   bench_regress [reps] [seeds]     defaults 5 and 3 */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algos/algo.h"
#include "core/seed.h"
#include "core/timer.h"
#include "data/dataset.h"
#include "linalg/regress.h"

extern void dgesdd_(const char *jobz, const int *m, const int *n, double *a, const int *lda,
                    double *s, double *u, const int *ldu, double *vt, const int *ldvt,
                    double *work, const int *lwork, int *iwork, int *info, size_t jobz_len);

typedef struct bcase {
  const char *algo;
  size_t n, budget;
} bcase;

static const bcase cases[] = {
    {"faith-banzhaf:order=2", 14, 1024},  {"faith-banzhaf:order=2", 14, 4096},
    {"faith-banzhaf:order=2", 14, 16384}, {"faith-banzhaf:order=2", 32, 4096},
    {"faith-banzhaf:order=1", 256, 4096}, {"banzhaf", 64, 4096},
    {"faith-shap:order=2", 14, 4096},     {"faith-shap:order=2", 32, 4096},
    {"lasso:degree=2", 14, 4096},         {"lasso:degree=1", 256, 4096},
    {"lime", 64, 4096},                   {"lime", 256, 4096},
    {"kernelshap", 64, 4096},
};

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, size_t k) {
  qsort(v, k, sizeof *v, cmp_double);
  return k % 2 ? v[k / 2] : 0.5 * (v[k / 2 - 1] + v[k / 2]);
}

/* "features=105" (or "p=") from a fit's info, 0 if absent. */
static size_t info_features(const char *info) {
  const char *f = strstr(info, "features=");
  return f ? (size_t)atol(f + 9) : 0;
}

/* Median wall seconds of dgesdd('S') on an m × p matrix of random ±1 entries. */
static double svd_seconds(size_t m, size_t p, int reps) {
  int M = (int)m, N = (int)p, r = (int)(m < p ? m : p), info = 0, lwork = -1;
  double *a0 = malloc(m * p * sizeof *a0), *a = malloc(m * p * sizeof *a);
  double *s = malloc((size_t)r * sizeof *s), *u = malloc(m * (size_t)r * sizeof *u);
  double *vt = malloc((size_t)r * p * sizeof *vt), wq = 0, *t = malloc((size_t)reps * sizeof *t);
  int *iwork = malloc(8 * (size_t)r * sizeof *iwork);
  gsl_rng *g = sb_rng_alloc(7);
  for (size_t i = 0; i < m * p; i++) a0[i] = gsl_rng_uniform(g) < 0.5 ? -1.0 : 1.0;
  dgesdd_("S", &M, &N, a, &M, s, u, &M, vt, &r, &wq, &lwork, iwork, &info, 1);
  lwork = (int)wq + 1;
  double *work = malloc((size_t)lwork * sizeof *work);
  for (int k = 0; k < reps; k++) {
    memcpy(a, a0, m * p * sizeof *a);
    double t0 = sb_wall_seconds();
    dgesdd_("S", &M, &N, a, &M, s, u, &M, vt, &r, work, &lwork, iwork, &info, 1);
    t[k] = sb_wall_seconds() - t0;
  }
  double med = info == 0 ? median(t, (size_t)reps) : NAN;
  free(a0), free(a), free(s), free(u), free(vt), free(t), free(iwork), free(work);
  gsl_rng_free(g);
  return med;
}

/* One case at one seed: median fit wall / CPU seconds over reps. */
static int run_case(const bcase *bc, int seed, int reps, int threads, double *wall, double *cpu,
                    char *info, size_t info_len) {
  char ds[160];
  snprintf(ds, sizeof ds, "fourier:n=%zu,k=50,degree=3,seed=%d", bc->n, seed);
  sb_error err = {0};
  sb_dataset *d = NULL;
  const sb_algo_type *type = NULL;
  sb_params *params = NULL;
  if (sb_dataset_open(ds, &d, &err) || sb_algo_parse(bc->algo, &type, &params, &err)) {
    fprintf(stderr, "bench_regress: %s\n", err.msg);
    sb_dataset_free(d);
    return 1;
  }
  double *tw = malloc((size_t)reps * sizeof *tw), *tc = malloc((size_t)reps * sizeof *tc);
  int rc = 0;
  for (int k = 0; k < reps && !rc; k++) {
    gsl_rng *r = sb_rng_alloc((uint64_t)seed);
    sb_algo_ctx ctx = {.n = d->n, .budget = bc->budget, .params = params, .rng = r,
                       .seed = (uint64_t)seed, .design_seed = (uint64_t)seed,
                       .noise_sigma = d->noise_sigma, .threads = threads};
    sb_oracle *o = sb_oracle_alloc(d->n, d->eval, d->ctx, bc->budget);
    sb_fit fit;
    double c0 = sb_cpu_seconds();
    rc = sb_algo_execute(type, &ctx, o, &fit, &err);
    tc[k] = sb_cpu_seconds() - c0;
    if (rc) {
      fprintf(stderr, "bench_regress: %s n=%zu: %s\n", bc->algo, bc->n, err.msg);
    } else {
      tw[k] = sb_fit_phase_seconds(&fit, "fit");
      snprintf(info, info_len, "%s", fit.info);
    }
    sb_fit_clear(&fit);
    sb_oracle_free(o);
    gsl_rng_free(r);
  }
  if (!rc) {
    *wall = median(tw, (size_t)reps);
    *cpu = median(tc, (size_t)reps);
  }
  free(tw), free(tc);
  sb_params_free(params);
  sb_dataset_free(d);
  return rc;
}

int main(int argc, char **argv) {
  int reps = argc > 1 ? atoi(argv[1]) : 5, seeds = argc > 2 ? atoi(argv[2]) : 3;
  if (reps < 1 || seeds < 1) {
    fprintf(stderr, "usage: bench_regress [reps >= 1] [seeds >= 1]\n");
    return 2;
  }
  sb_gsl_install_handler();
  omp_set_num_threads(1);
  int rc = 0;
  for (int bt = 1; bt <= 2; bt++) {
    sb_linalg_set_threads(bt); /* also set by sb_algo_execute from ctx.threads */
    printf("OpenBLAS threads %d; fit = median of %d, per input seed; SVD = dgesdd('S') of m x p\n",
           bt, reps);
    printf("| algorithm | n | budget | p | fit s per seed (wall) | fit+design+oracle CPU s | SVD s | "
           "fit/SVD |\n|---|---|---|---|---|---|---|---|\n");
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
      char cells[256] = "", info[512] = "";
      size_t used = 0;
      double worst = 0, cpu_med = 0;
      for (int s = 1; s <= seeds; s++) {
        double wall = NAN, cpu = NAN;
        if (run_case(&cases[c], s, reps, bt, &wall, &cpu, info, sizeof info)) {
          rc = 1;
          continue;
        }
        used += (size_t)snprintf(cells + used, sizeof cells - used, "%s%.4f", s > 1 ? " / " : "",
                                 wall);
        if (wall > worst) worst = wall;
        cpu_med += cpu / seeds;
      }
      size_t p = info_features(info);
      if (!p) p = cases[c].n; /* linear methods: one column per feature */
      double svd = svd_seconds(cases[c].budget, p, reps);
      printf("| %s | %zu | %zu | %zu | %s | %.4f | %.4f | %.1f |\n", cases[c].algo, cases[c].n,
             cases[c].budget, p, cells, cpu_med, svd, worst / svd);
      fflush(stdout);
    }
  }
  return rc;
}
