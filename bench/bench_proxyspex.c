/* ProxySPEX speed/accuracy benchmark (ALGORITHMS.md §5, §8).  A separate program,
 * never a timed test.  For each dataset spec and budget it runs the algorithm
 * through sb_algo_execute (the runner's path: design → counting oracle → fit)
 * and prints one row: wall seconds split into the fit's phases (cv, final_fit,
 * extract, refit), total wall and process CPU seconds, the 1-minute load average
 * (wall times are only meaningful on an otherwise idle machine), and faithfulness — exact R² by Parseval when the dataset
 * knows its spectrum, plus held-out R² on uniform masks.
 *
 * usage: bench_proxyspex [-d SPEC]... [-b B1,B2,...] [-a ALGO] [-s SEED] [-t THREADS]
 *                        [-H HELDOUT]
 * Defaults: the issue-4 table, n = 14, 256, 1024 (hierarchical, degree 4) at
 * budgets 1000, 4000, 16000, algorithm "proxyspex", seed 1, 2 threads,
 * 10,000 held-out masks. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "algos/algo.h"
#include "core/seed.h"
#include "core/timer.h"
#include "data/dataset.h"
#include "metrics/metrics.h"
#include "proxyspex/gbdt_hist.h"

#define MAX_ITEMS 32

static double phase(const sb_fit *f, const char *name) {
  for (size_t i = 0; i < f->n_phases; i++)
    if (!strcmp(f->phases[i].name, name)) return f->phases[i].seconds;
  return 0;
}

static int run_one(const char *spec, size_t budget, const char *algo, uint64_t seed,
                   int threads, size_t heldout) {
  sb_error err = {0};
  sb_dataset *d = NULL;
  const sb_algo_type *type = NULL;
  sb_params *params = NULL;
  sb_oracle *o = NULL;
  sb_heldout *h = NULL;
  gsl_rng *r = NULL;
  sb_fit fit;
  memset(&fit, 0, sizeof fit);
  int rc;
  if ((rc = sb_dataset_open(spec, &d, &err)) ||
      (rc = sb_algo_parse(algo, &type, &params, &err)))
    goto done;
  o = sb_oracle_alloc(d->n, d->eval, d->ctx, budget);
  r = sb_rng_alloc(sb_seed_sub(seed, "run", budget));
  if (!o || !r) {
    rc = sb_error_set(&err, SB_ENOMEM, "out of memory");
    goto done;
  }
  sb_algo_ctx ctx = {.n = d->n, .budget = budget, .params = params, .rng = r,
                     .seed = sb_seed_sub(seed, "run", budget), .design_seed = seed,
                     .noise_sigma = d->noise_sigma, .threads = threads};
  double t0 = sb_wall_seconds(), c0 = sb_cpu_seconds();
  rc = sb_algo_execute(type, &ctx, o, &fit, &err);
  double total = sb_wall_seconds() - t0, cpu = sb_cpu_seconds() - c0;
  if (rc) goto done;
  double r2p = NAN, r2h = NAN;
  if (d->truth && (rc = sb_r2_parseval(d->truth, fit.surrogate, &r2p, &err))) goto done;
  if (heldout) {
    if ((rc = sb_heldout_make(d, heldout, SB_HELDOUT_UNIFORM, sb_seed_sub(seed, "test", 0), &h,
                              &err)) ||
        (rc = sb_r2_heldout(h, fit.surrogate, &r2h, &err)))
      goto done;
  }
  double load[1] = {NAN};
  if (getloadavg(load, 1) != 1) load[0] = NAN;
  printf("%-44s %5zu %6zu %6zu %7.4f %7.4f %7.2f %7.2f %7.2f %7.2f %7.2f %7.2f %5.1f  %s\n",
         d->name, d->n, budget, sb_oracle_used(o), r2p, r2h, phase(&fit, "cv"),
         phase(&fit, "final_fit"), phase(&fit, "extract"), phase(&fit, "refit"), total, cpu,
         load[0], fit.info);
  fflush(stdout);
done:
  if (rc)
    printf("%-44s %5s %6zu  %s: %s\n", d ? d->name : spec, "-", budget, sb_status_name(rc),
           err.msg);
  sb_fit_clear(&fit);
  sb_heldout_free(h);
  gsl_rng_free(r);
  sb_oracle_free(o);
  sb_params_free(params);
  sb_dataset_free(d);
  return rc;
}

int main(int argc, char **argv) {
  const char *specs[MAX_ITEMS];
  size_t nspecs = 0, budgets[MAX_ITEMS], nb = 0, heldout = 10000;
  const char *algo = "proxyspex";
  uint64_t seed = 1;
  int threads = 2, opt;
  sb_gsl_install_handler();
  while ((opt = getopt(argc, argv, "d:b:a:s:t:H:h")) != -1) {
    switch (opt) {
      case 'd':
        if (nspecs < MAX_ITEMS) specs[nspecs++] = optarg;
        break;
      case 'b': {
        char *s = optarg, *end;
        while (*s && nb < MAX_ITEMS) {
          budgets[nb++] = strtoul(s, &end, 10);
          s = (*end == ',') ? end + 1 : end;
          if (end == s && *s) break;
        }
        break;
      }
      case 'a': algo = optarg; break;
      case 's': seed = strtoull(optarg, NULL, 10); break;
      case 't': threads = atoi(optarg); break;
      case 'H': heldout = strtoul(optarg, NULL, 10); break;
      default:
        fprintf(stderr,
                "usage: %s [-d SPEC]... [-b B1,B2,...] [-a ALGO] [-s SEED] [-t THREADS] "
                "[-H HELDOUT]\n",
                argv[0]);
        return opt == 'h' ? 0 : 2;
    }
  }
  if (!nspecs) {
    specs[nspecs++] = "hierarchical:n=14,k=10,degree=4,seed=1";
    specs[nspecs++] = "hierarchical:n=256,k=10,degree=4,seed=1";
    specs[nspecs++] = "hierarchical:n=1024,k=10,degree=4,seed=1";
  }
  if (!nb) {
    budgets[nb++] = 1000;
    budgets[nb++] = 4000;
    budgets[nb++] = 16000;
  }
  printf("# algo=%s seed=%llu threads=%d heldout=%zu (uniform) native_hist_kernel=%s\n", algo,
         (unsigned long long)seed, threads, heldout, sb_gbdt_hist_auto_name());
  printf("%-44s %5s %6s %6s %7s %7s %7s %7s %7s %7s %7s %7s %5s  %s\n", "dataset", "n",
         "budget", "used", "r2_pars", "r2_held", "cv_s", "final_s", "extr_s", "refit_s",
         "total_s", "cpu_s", "load", "info");
  int fails = 0;
  for (size_t i = 0; i < nspecs; i++)
    for (size_t j = 0; j < nb; j++) fails += run_one(specs[i], budgets[j], algo, seed, threads,
                                                     heldout) != SB_OK;
  return fails ? 1 : 0;
}
