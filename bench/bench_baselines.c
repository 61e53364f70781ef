/* Baseline timing (a program that prints figures; not a test): seconds per fit
 * (design + oracle + fit, wall clock, median of R repetitions, 1 thread) of every
 * baseline of ALGORITHMS.md §6 at n = 14, 64, 256 with a budget of 4,096 queries,
 * on Fourier-sparse synthetic functions (fourier:n=N,k=50,degree=3,seed=1; the
 * oracle is a cheap sparse evaluation, so the time is the algorithm's own).
 * Runs the order skip rule as configured: skipped runs print the reason.
 * Also prints the exact (Parseval) R² of each surrogate.
 * Usage: bench_baselines [reps] [budget] [force]   (defaults 3, 4096)
 *   `force`: only the order-2 methods, with force=true, at n = 14 and 64 (what
 *   the skip rule saves: minutes per fit at n = 64). */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algos/algo.h"
#include "core/seed.h"
#include "core/timer.h"
#include "data/dataset.h"
#include "metrics/metrics.h"

static const char *const methods[] = {
    "lime",          "lime-text",          "kernelshap",       "permutation-shapley",
    "banzhaf",       "faith-banzhaf:order=2", "faith-shap:order=2", "shapley-taylor:order=2",
    "lasso:degree=1", "lasso:degree=2",    NULL};
static const char *const forced[] = {"faith-banzhaf:order=2,force=true",
                                     "faith-shap:order=2,force=true",
                                     "shapley-taylor:order=2,force=true",
                                     "lasso:degree=2,force=true", NULL};
static const size_t ns[] = {14, 64, 256};

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  int reps = argc > 1 ? atoi(argv[1]) : 3;
  size_t budget = argc > 2 ? (size_t)atol(argv[2]) : 4096;
  if (reps < 1 || budget < 1) {
    fprintf(stderr, "usage: bench_baselines [reps >= 1] [budget >= 1]\n");
    return 2;
  }
  int force = argc > 3 && !strcmp(argv[3], "force");
  const char *const *list = force ? forced : methods;
  size_t nsizes = force ? 2 : 3;
  omp_set_num_threads(1);
  sb_gsl_install_handler();
  printf("seconds per fit (median of %d), budget %zu, 1 thread; R2 = exact (Parseval)\n", reps,
         budget);
  printf("| method | n=14 s | n=64 s | n=256 s | R2 n=14 | R2 n=64 | R2 n=256 |\n");
  printf("|---|---|---|---|---|---|---|\n");
  for (size_t a = 0; list[a]; a++) {
    char cells[3][160], r2cells[3][32];
    for (size_t k = 0; k < 3; k++) {
      if (k >= nsizes) {
        snprintf(cells[k], sizeof cells[k], "not run");
        snprintf(r2cells[k], sizeof r2cells[k], "–");
        continue;
      }
      char spec[128];
      snprintf(spec, sizeof spec, "fourier:n=%zu,k=50,degree=3,seed=1", ns[k]);
      sb_error err = {0};
      sb_dataset *d = NULL;
      const sb_algo_type *type = NULL;
      sb_params *params = NULL;
      if (sb_dataset_open(spec, &d, &err) || sb_algo_parse(list[a], &type, &params, &err)) {
        fprintf(stderr, "bench_baselines: %s\n", err.msg);
        return 1;
      }
      double t[64], r2 = NAN;
      int status = SB_OK;
      size_t used = 0;
      for (int rep = 0; rep < reps && rep < 64; rep++) {
        sb_oracle *o = sb_oracle_alloc(d->n, d->eval, d->ctx, budget);
        gsl_rng *rng = sb_rng_alloc(sb_seed_sub(1, list[a], (uint64_t)rep));
        sb_algo_ctx ctx = {d->n, budget, params, rng, 1, 1, 0, 1, 0};
        sb_fit fit;
        double t0 = sb_wall_seconds();
        status = sb_algo_execute(type, &ctx, o, &fit, &err);
        t[rep] = sb_wall_seconds() - t0;
        used = sb_oracle_used(o);
        if (!status && rep == 0) sb_r2_parseval(d->truth, fit.surrogate, &r2, &err);
        sb_fit_clear(&fit);
        gsl_rng_free(rng);
        sb_oracle_free(o);
        if (status) break;
      }
      if (status == SB_ESKIP) {
        snprintf(cells[k], sizeof cells[k], "skipped");
        fprintf(stderr, "  %s n=%zu: %s\n", list[a], ns[k], err.msg);
      } else if (status) {
        snprintf(cells[k], sizeof cells[k], "failed (%s)", sb_status_name(status));
        fprintf(stderr, "  %s n=%zu: %s\n", list[a], ns[k], err.msg);
      } else {
        qsort(t, (size_t)reps, sizeof *t, cmp_double);
        snprintf(cells[k], sizeof cells[k], "%.3g (%zu q)", t[reps / 2], used);
      }
      if (isnan(r2)) snprintf(r2cells[k], sizeof r2cells[k], "–");
      else snprintf(r2cells[k], sizeof r2cells[k], "%.3f", r2);
      sb_params_free(params);
      sb_dataset_free(d);
    }
    printf("| %s | %s | %s | %s | %s | %s | %s |\n", list[a], cells[0], cells[1], cells[2],
           r2cells[0], r2cells[1], r2cells[2]);
    fflush(stdout);
  }
  return 0;
}
