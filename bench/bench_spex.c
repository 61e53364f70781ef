/* SPEX benchmark (issue 3, "Speed"): for planted Fourier spectra (noiseless by
 * default) runs the harness algorithm `spex` and prints queries, distinct
 * queries, seconds per phase (design, oracle, transform+peel, refit), recovered
 * count and the exact R² by Parseval.
 *
 *   bench_spex                       the grid: n ∈ {64,256,512,1024,4096},
 *                                    k ∈ {50,100}, degree <= 5, b = 8, refit none and lasso
 *   bench_spex DATASET ALGO [reps]   one case, e.g.
 *       bench_spex 'fourier:n=512,k=50,degree=3,seed=1' 'spex:b=8,refit=none' 5
 * Times are the minimum over `reps` runs (default 3). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algos/algo.h"
#include "core/seed.h"
#include "data/dataset.h"
#include "metrics/metrics.h"

static int run_case(const char *dspec, const char *aspec, int reps, int header) {
  sb_error err = {0};
  sb_dataset *d = NULL;
  const sb_algo_type *type = NULL;
  sb_params *params = NULL;
  if (sb_dataset_open(dspec, &d, &err) || sb_algo_parse(aspec, &type, &params, &err)) {
    fprintf(stderr, "bench_spex: %s\n", err.msg);
    sb_dataset_free(d);
    return 1;
  }
  double best[5] = {INFINITY, INFINITY, INFINITY, INFINITY, INFINITY};
  double r2 = NAN;
  size_t asked = 0, used = 0;
  char info[512] = "";
  for (int rep = 0; rep < reps; rep++) {
    gsl_rng *r = sb_rng_alloc(1);
    sb_algo_ctx ctx = {.n = d->n, .budget = SB_BUDGET_NONE, .params = params, .rng = r,
                       .seed = 1, .design_seed = 1, .noise_sigma = d->noise_sigma, .threads = 1};
    sb_oracle *o = sb_oracle_alloc(d->n, d->eval, d->ctx, SB_BUDGET_NONE);
    sb_fit fit;
    if (sb_algo_execute(type, &ctx, o, &fit, &err)) {
      fprintf(stderr, "bench_spex: %s: %s\n", aspec, err.msg);
      sb_oracle_free(o);
      gsl_rng_free(r);
      sb_params_free(params);
      sb_dataset_free(d);
      return 1;
    }
    double ph[5] = {sb_fit_phase_seconds(&fit, "design"), sb_fit_phase_seconds(&fit, "oracle"), sb_fit_phase_seconds(&fit, "transform+peel"),
                    sb_fit_phase_seconds(&fit, "refit"), sb_fit_phase_seconds(&fit, "fit")};
    for (int i = 0; i < 5; i++)
      if (ph[i] < best[i]) best[i] = ph[i];
    asked = sb_oracle_asked(o);
    used = sb_oracle_used(o);
    if (d->truth) sb_r2_parseval(d->truth, fit.surrogate, &r2, &err);
    snprintf(info, sizeof info, "%s", fit.info);
    sb_fit_clear(&fit);
    sb_oracle_free(o);
    gsl_rng_free(r);
  }
  if (header)
    printf("%-44s %-28s %7s %7s %8s %8s %8s %8s %8s %12s\n", "dataset", "algorithm", "queries",
           "distinct", "design", "oracle", "peel", "refit", "no-orcl", "R2");
  printf("%-44s %-28s %7zu %7zu %8.4f %8.4f %8.4f %8.4f %8.4f %12.9f\n", dspec, aspec, asked,
         used, best[0], best[1], best[2], best[3], best[0] + best[4], r2);
  fprintf(stderr, "  info: %s\n", info);
  sb_params_free(params);
  sb_dataset_free(d);
  return 0;
}

int main(int argc, char **argv) {
  sb_gsl_install_handler();
  if (argc >= 3) return run_case(argv[1], argv[2], argc > 3 ? atoi(argv[3]) : 3, 1);
  static const size_t ns[] = {64, 256, 512, 1024, 4096};
  static const size_t ks[] = {50, 100};
  static const char *algos[] = {"spex:b=8,refit=none", "spex:b=8,refit=lasso"};
  int header = 1, rc = 0;
  for (size_t a = 0; a < 5; a++)
    for (size_t b = 0; b < 2; b++)
      for (size_t c = 0; c < 2; c++) {
        char ds[256];
        snprintf(ds, sizeof ds, "fourier:n=%zu,k=%zu,degree=5,seed=1", ns[a], ks[b]);
        rc |= run_case(ds, algos[c], 3, header);
        header = 0;
      }
  /* the reference point: n = 512, k = 50, degree <= 3 */
  for (size_t c = 0; c < 2; c++)
    rc |= run_case("fourier:n=512,k=50,degree=3,seed=1", algos[c], 3, 0);
  return rc;
}
