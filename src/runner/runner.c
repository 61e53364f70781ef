/* Run execution: one run in-process (sb_run_execute).  Whole sweeps, with a pool
 * of forked workers, are in sweep.c.  The result of a run depends only on its
 * definition (seeds derived in config.c), never on --jobs or order. */
#include "runner/runner.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fsutil.h"
#include "core/seed.h"
#include "core/timer.h"
#include "data/dataset.h"
#include "metrics/metrics.h"
#include "runner/provenance.h"

/* The removal curve (opt->removal > 0) into the record. */
static int run_removal(const sb_run_options *opt, const sb_dataset *d, const sb_spectrum *g,
                       sb_run_result *r, sb_error *err) {
  sb_removal rem;
  int rc = sb_removal_compute(d, g, opt->removal, opt->removal_exact_max, &rem, err);
  if (rc) return rc;
  char search[SB_REMOVAL_MAX_R * 8] = "";
  size_t used = 0;
  for (size_t i = 0; i < rem.R; i++) {
    if (sb_real_list_push(&r->removal, rem.change[i]) ||
        sb_real_list_push(&r->removal_predicted, rem.predicted[i]))
      return sb_error_set(err, SB_ENOMEM, "out of memory");
    used += (size_t)snprintf(search + used, sizeof search - used, "%s%s", i ? " " : "",
                             rem.exact[i] ? "exact" : "greedy");
  }
  r->removal_scale = rem.scale;
  if (sb_run_result_set(&r->removal_search, search))
    return sb_error_set(err, SB_ENOMEM, "out of memory");
  return SB_OK;
}

/* The metrics of a fitted surrogate: held-out R² (same masks for every run on
 * this dataset instance), and with a known spectrum Parseval R² and recovery;
 * the removal curve when asked for. */
static int run_metrics(const sb_run_def *rd, const sb_run_options *opt, const sb_dataset *d,
                       const sb_spectrum *g, sb_run_result *r, sb_error *err) {
  sb_heldout *h = NULL;
  int rc = SB_OK;
  if (opt->heldout) {
    size_t before = d->live_asked ? d->live_asked(d->ctx) : 0;
    rc = sb_heldout_make(d, opt->heldout, opt->heldout_dist, rd->heldout_seed, &h, err);
    if (d->live_asked) r->live_asked_heldout = d->live_asked(d->ctx) - before;
    if (rc) return rc;
    rc = sb_r2_heldout(h, g, &r->r2_heldout, err);
    sb_heldout_free(h);
    if (rc) return rc;
  }
  r->heldout_count = opt->heldout;
  if ((rc = sb_run_result_set(&r->heldout_dist, sb_heldout_dist_name(opt->heldout_dist))))
    return sb_error_set(err, rc, "out of memory");
  if (d->truth) {
    sb_error e2;
    double r2e;
    if (sb_r2_parseval(d->truth, g, &r2e, &e2) == SB_OK) r->r2_exact = r2e;
    const sb_dataset_family *fam = sb_dataset_family_find(d->family);
    sb_recovery rec;
    if (fam && !(fam->flags & SB_FAMILY_FILE) &&
        sb_recovery_compute(d->truth, g, 1e-6, &rec, &e2) == SB_OK) {
      r->precision = rec.precision;
      r->recall = rec.recall;
      r->rel_error = rec.rel_error;
      r->support_exact = rec.precision == 1.0 && rec.recall == 1.0;
    }
  }
  if (opt->removal) return run_removal(opt, d, g, r, err);
  return SB_OK;
}

int sb_run_execute_result(const sb_run_def *rd, const sb_run_options *opt, sb_run_result *r,
                          sb_spectrum **surrogate, sb_dataset **dataset_out) {
  sb_run_result_init(r);
  if (surrogate) *surrogate = NULL;
  if (dataset_out) *dataset_out = NULL;
  if (sb_run_result_set_def(r, rd)) return SB_ENOMEM;
  r->master_seed = opt->master_seed;
  sb_error err = {0};
  sb_dataset *d = NULL;
  sb_params *params = NULL;
  gsl_rng *rng = NULL;
  sb_oracle *oracle = NULL;
  sb_fit fit = {0};
  int rc = sb_dataset_open(rd->dataset_spec, &d, &err), nomem = 0;
  if (rc) goto finish;
  nomem |= sb_run_result_set(&r->dataset, d->name);
  r->n = d->n;
  r->noise_sd = d->noise_sigma;
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
                     d->noise_sigma, opt->threads > 0 ? opt->threads : 1, rd->shared_seed};
  double w0 = sb_wall_seconds(), c0 = sb_cpu_seconds();
  rc = sb_algo_execute(rd->algo, &ctx, oracle, &fit, &err);
  r->wall_s = sb_wall_seconds() - w0;
  r->cpu_s = sb_cpu_seconds() - c0;
  r->queries_used = sb_oracle_used(oracle);
  r->queries_asked = sb_oracle_asked(oracle);
  for (size_t i = 0; i < fit.n_phases; i++)
    nomem |= sb_phase_list_add(&r->phases, fit.phases[i].name, fit.phases[i].seconds);
  nomem |= sb_run_result_set(&r->info, fit.info);
  if (rc == SB_EUNSUPPORTED) sb_error_prefix(&err, "%s asked for a mask the dataset lacks", rd->algo->name);
  if (rc) goto finish;
  r->terms = sb_spectrum_size(fit.surrogate);
  nomem |= sb_run_result_set(&r->basis, sb_basis_name(fit.surrogate->basis));
  rc = run_metrics(rd, opt, d, fit.surrogate, r, &err);
finish:
  if (d && d->live_asked) { /* what the model was asked (the rest came from the recording) */
    r->live_asked = d->live_asked(d->ctx);
    if (r->live_asked_heldout == SB_SIZE_UNSET) r->live_asked_heldout = 0;
  }
  r->status = (int)sb_run_status_of(rc);
  nomem |= sb_run_result_set(&r->message, rc ? err.msg : "");
  /* after the run: asking git (when no parent did) never delays a live model */
  nomem |= sb_run_result_set_provenance(r);
  if (surrogate && rc == SB_OK) {
    *surrogate = fit.surrogate;
    fit.surrogate = NULL;
  }
  sb_fit_clear(&fit);
  sb_oracle_free(oracle);
  gsl_rng_free(rng);
  sb_params_free(params);
  if (dataset_out && rc == SB_OK) *dataset_out = d;
  else sb_dataset_free(d);
  return nomem ? SB_ENOMEM : SB_OK;
}

json_t *sb_run_execute(const sb_run_def *rd, const sb_run_options *opt,
                       sb_spectrum **surrogate, sb_dataset **dataset_out) {
  sb_run_result r;
  json_t *j = NULL;
  if (sb_run_execute_result(rd, opt, &r, surrogate, dataset_out) == SB_OK)
    j = sb_run_result_to_json(&r, SB_COL_IN_JSON);
  sb_run_result_clear(&r);
  return j;
}
