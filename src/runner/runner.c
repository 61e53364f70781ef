/* Run execution: one run in-process (sb_run_execute).  Whole sweeps, with a pool
 * of forked workers, are in sweep.c.  The result of a run depends only on its
 * definition (seeds derived in config.c), never on --jobs or order. */
#include "runner/runner.h"

#include <errno.h>
#include <glob.h>
#include <math.h>
#include <omp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/fsutil.h"
#include "core/seed.h"
#include "core/timer.h"
#include "data/dataset.h"
#include "metrics/metrics.h"

static json_t *jnum(double v) { return isfinite(v) ? json_real(v) : json_null(); }

static const char *status_of(int code) {
  switch (code) {
  case SB_OK: return "ok";
  case SB_ESKIP: return "skipped";
  case SB_EUNSUPPORTED: return "unsupported";
  default: return "failed";
  }
}

void sb_run_definition_json(json_t *j, const sb_run_def *rd) {
  json_object_set_new(j, "id", json_string(rd->id));
  json_object_set_new(j, "group", json_string(rd->group));
  json_object_set_new(j, "dataset_spec", json_string(rd->dataset_spec));
  json_object_set_new(j, "family", json_string(rd->family));
  json_object_set_new(j, "instance", json_integer((json_int_t)rd->instance));
  json_object_set_new(j, "algorithm", json_string(rd->algo->name));
  json_object_set_new(j, "algo_label", json_string(rd->algo_label));
  json_object_set_new(j, "params", json_string(rd->algo_params));
  json_object_set_new(j, "budget", json_integer((json_int_t)rd->budget));
  json_object_set_new(j, "repetition", json_integer((json_int_t)rd->repetition));
  char seed[32];
  snprintf(seed, sizeof seed, "%016llx", (unsigned long long)rd->seed);
  json_object_set_new(j, "seed", json_string(seed));
  if (rd->identity) json_object_set_new(j, "identity", json_loads(rd->identity, 0, NULL));
}

json_t *sb_run_execute(const sb_run_def *rd, const sb_run_options *opt,
                       sb_spectrum **surrogate, sb_dataset **dataset_out) {
  json_t *j = json_object();
  if (!j) return NULL;
  sb_run_definition_json(j, rd);
  if (surrogate) *surrogate = NULL;
  if (dataset_out) *dataset_out = NULL;
  sb_error err = {0};
  sb_dataset *d = NULL;
  sb_heldout *h = NULL;
  sb_params *params = NULL;
  gsl_rng *rng = NULL;
  sb_oracle *oracle = NULL;
  sb_fit fit = {0};
  int rc = sb_dataset_open(rd->dataset_spec, &d, &err);
  if (rc) goto finish;
  json_object_set_new(j, "dataset", json_string(d->name));
  json_object_set_new(j, "n", json_integer((json_int_t)d->n));
  char what[200];
  snprintf(what, sizeof what, "algorithm %s", rd->algo->name);
  if ((rc = sb_params_parse(rd->algo_params, rd->algo->params, what, &params, &err))) goto finish;
  rng = sb_rng_alloc(rd->seed);
  oracle = sb_oracle_alloc(d->n, d->eval, d->ctx, rd->budget);
  if (!rng || !oracle) {
    rc = sb_error_set(&err, SB_ENOMEM, "out of memory");
    goto finish;
  }
  sb_algo_ctx ctx = {d->n, rd->budget, params, rng, rd->seed, rd->design_seed,
                     d->noise_sigma, opt->threads > 0 ? opt->threads : 1};
  double w0 = sb_wall_seconds(), c0 = sb_cpu_seconds();
  rc = sb_algo_execute(rd->algo, &ctx, oracle, &fit, &err);
  double wall = sb_wall_seconds() - w0, cpu = sb_cpu_seconds() - c0;
  json_object_set_new(j, "queries_used", json_integer((json_int_t)sb_oracle_used(oracle)));
  json_object_set_new(j, "queries_asked", json_integer((json_int_t)sb_oracle_asked(oracle)));
  json_object_set_new(j, "wall_s", json_real(wall));
  json_object_set_new(j, "cpu_s", json_real(cpu));
  json_t *ph = json_object();
  for (size_t i = 0; i < fit.n_phases; i++)
    json_object_set_new(ph, fit.phases[i].name, json_real(fit.phases[i].seconds));
  json_object_set_new(j, "phases", ph);
  json_object_set_new(j, "info", json_string(fit.info));
  if (rc == SB_EUNSUPPORTED) sb_error_prefix(&err, "%s asked for a mask the dataset lacks", rd->algo->name);
  if (rc) goto finish;
  json_object_set_new(j, "terms", json_integer((json_int_t)sb_spectrum_size(fit.surrogate)));
  json_object_set_new(j, "basis", json_string(sb_basis_name(fit.surrogate->basis)));
  /* metrics */
  double r2h = NAN, r2e = NAN;
  if (opt->heldout) {
    if ((rc = sb_heldout_make(d, opt->heldout, opt->heldout_dist, rd->heldout_seed, &h, &err)))
      goto finish;
    if ((rc = sb_r2_heldout(h, fit.surrogate, &r2h, &err))) goto finish;
  }
  json_object_set_new(j, "heldout_count", json_integer((json_int_t)opt->heldout));
  json_object_set_new(j, "heldout_dist", json_string(sb_heldout_dist_name(opt->heldout_dist)));
  json_object_set_new(j, "r2_heldout", jnum(r2h));
  if (d->truth) {
    sb_error e2;
    if (sb_r2_parseval(d->truth, fit.surrogate, &r2e, &e2) == SB_OK)
      json_object_set_new(j, "r2_exact", jnum(r2e));
    const sb_dataset_family *fam = sb_dataset_family_find(d->family);
    sb_recovery rec;
    if (fam && !(fam->flags & SB_FAMILY_FILE) && sb_recovery_compute(d->truth, fit.surrogate, 1e-6, &rec, &e2) == SB_OK) {
      json_object_set_new(j, "precision", jnum(rec.precision));
      json_object_set_new(j, "recall", jnum(rec.recall));
      json_object_set_new(j, "rel_error", jnum(rec.rel_error));
    }
  }
finish:
  json_object_set_new(j, "status", json_string(status_of(rc)));
  json_object_set_new(j, "message", json_string(rc ? err.msg : ""));
  if (surrogate && rc == SB_OK) {
    *surrogate = fit.surrogate;
    fit.surrogate = NULL;
  }
  sb_fit_clear(&fit);
  sb_heldout_free(h);
  sb_oracle_free(oracle);
  gsl_rng_free(rng);
  sb_params_free(params);
  if (dataset_out && rc == SB_OK) *dataset_out = d;
  else sb_dataset_free(d);
  return j;
}
