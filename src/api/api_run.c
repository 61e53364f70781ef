/* Public API: algorithms, runs and their results (include/spexbench/run.h).
 *
 * spexbench_fit is `spexbench fit` as a function: the same seed derivation
 * (runner/config.h's sb_run_seeds with the dataset's identity, instance 0,
 * repetition 0), the same algorithm execution (algos/algo.h's
 * sb_algo_execute through a budgeted oracle) and the same metrics
 * (metrics/metrics.h), so a library caller gets the CLI's numbers.  It opens
 * no dataset itself, which is what lets it run on a C or Python callback.
 * (runner.c's sb_run_execute does the same steps from a spec; when the run
 * result becomes a typed struct both can share one "run on an open dataset"
 * function.) */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "algos/algo.h"
#include "api/api.h"
#include "core/seed.h"
#include "core/timer.h"
#include "metrics/metrics.h"
#include "runner/config.h"

struct spexbench_result {
  sb_fit fit;              /* surrogate, phases, info (owned) */
  char algorithm[64];      /* type name */
  char *params;            /* canonical "k=v,..." (owned) */
  char dataset[256];       /* dataset name */
  size_t n, budget;
  uint64_t seed;           /* run seed */
  size_t used, asked;      /* queries of this run */
  double wall_s, cpu_s;
  size_t heldout_count;
  spexbench_heldout_dist heldout_dist;
  double r2_heldout, r2_exact, precision, recall, rel_error; /* NaN when unknown */
};

/* ==== algorithms ========================================================= */

size_t spexbench_algorithm_count(void) {
  size_t k = 0;
  while (sb_algo_types[k]) k++;
  return k;
}

const char *spexbench_algorithm_name(size_t i) {
  return i < spexbench_algorithm_count() ? sb_algo_types[i]->name : NULL;
}

const char *spexbench_algorithm_summary(size_t i) {
  return i < spexbench_algorithm_count() ? sb_algo_types[i]->summary : NULL;
}

void spexbench_run_options_init(spexbench_run_options *opts) {
  memset(opts, 0, sizeof *opts);
  opts->struct_size = sizeof *opts;
  opts->heldout = 10000;
  opts->heldout_dist = SPEXBENCH_HELDOUT_UNIFORM;
  opts->threads = 0;
}

/* The caller's options over the defaults, reading only the fields its
 * struct_size covers (an older, shorter struct keeps working). */
static int read_options(const spexbench_run_options *in, spexbench_run_options *o,
                        spexbench_error *err) {
  spexbench_run_options_init(o);
  if (!in) return SB_OK;
  if (in->struct_size < offsetof(spexbench_run_options, heldout))
    return api_error(err, SB_EINVAL, "spexbench_run_options: struct_size %zu is too small "
                     "(initialise with spexbench_run_options_init)", in->struct_size);
  size_t len = in->struct_size < sizeof *o ? in->struct_size : sizeof *o;
  memcpy(o, in, len);
  o->struct_size = sizeof *o;
  if (o->heldout == 1)
    return api_error(err, SB_EINVAL, "spexbench_run_options: heldout = 1 (expected 0 or >= 2)");
  if (o->heldout_dist != SPEXBENCH_HELDOUT_UNIFORM && o->heldout_dist != SPEXBENCH_HELDOUT_SIZES)
    return api_error(err, SB_EINVAL, "spexbench_run_options: heldout_dist %d is not 0 "
                     "(uniform) or 1 (sizes)", (int)o->heldout_dist);
  if (o->threads < 0 || o->threads > 1024)
    return api_error(err, SB_EINVAL, "spexbench_run_options: threads = %d, expected 0..1024",
                     o->threads);
  if (o->threads == 0) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    o->threads = cores > 0 ? (int)cores : 1;
  }
  return SB_OK;
}

static spexbench_result *result_new(const sb_algo_type *type, const sb_params *params,
                                    const spexbench_dataset *d, size_t budget) {
  spexbench_result *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->params = sb_params_canonical(params);
  if (!r->params) {
    free(r);
    return NULL;
  }
  snprintf(r->algorithm, sizeof r->algorithm, "%s", type->name);
  snprintf(r->dataset, sizeof r->dataset, "%s", d->impl->name);
  r->n = d->impl->n;
  r->budget = budget;
  r->r2_heldout = r->r2_exact = r->precision = r->recall = r->rel_error = NAN;
  return r;
}

void spexbench_result_free(spexbench_result *r) {
  if (!r) return;
  sb_fit_clear(&r->fit);
  free(r->params);
  free(r);
}

/* check → design → oracle → fit (or run) on an open oracle; fills r's fit,
 * counts and times. */
static int execute(const sb_algo_type *type, const sb_params *params, sb_oracle *oracle,
                   const spexbench_dataset *d, uint64_t seed, uint64_t design_seed,
                   int threads, spexbench_result *r, sb_error *e) {
  size_t budget = sb_oracle_budget(oracle), used0 = sb_oracle_used(oracle),
         asked0 = sb_oracle_asked(oracle);
  if (budget != SB_BUDGET_NONE) budget -= used0;
  gsl_rng *rng = sb_rng_alloc(seed);
  if (!rng) return sb_error_set(e, SB_ENOMEM, "out of memory");
  sb_algo_ctx ctx = {d->impl->n, budget,      params, rng, seed, design_seed,
                     d->impl->noise_sigma, threads, 0};
  double w0 = sb_wall_seconds(), c0 = sb_cpu_seconds();
  int rc = sb_algo_execute(type, &ctx, oracle, &r->fit, e);
  r->wall_s = sb_wall_seconds() - w0;
  r->cpu_s = sb_cpu_seconds() - c0;
  r->used = sb_oracle_used(oracle) - used0;
  r->asked = sb_oracle_asked(oracle) - asked0;
  gsl_rng_free(rng);
  if (rc == SB_EUNSUPPORTED)
    sb_error_prefix(e, "%s asked for a mask the dataset lacks", type->name);
  return rc;
}

/* Held-out R², and with a known truth exact R² and support recovery (the
 * latter for synthetic families only, as the runner reports it). */
static int add_metrics(spexbench_result *r, const spexbench_dataset *d,
                       const spexbench_run_options *o, uint64_t heldout_seed, sb_error *e) {
  const sb_spectrum *g = r->fit.surrogate;
  r->heldout_count = o->heldout;
  r->heldout_dist = o->heldout_dist;
  if (o->heldout) {
    sb_heldout *h = NULL;
    int rc = sb_heldout_make(d->impl, o->heldout, (sb_heldout_dist)o->heldout_dist,
                             heldout_seed, &h, e);
    if (!rc) rc = sb_r2_heldout(h, g, &r->r2_heldout, e);
    sb_heldout_free(h);
    if (rc) return rc;
  }
  const sb_spectrum *truth = d->impl->truth;
  if (!truth) return SB_OK;
  sb_error ignored;
  if (sb_r2_parseval(truth, g, &r->r2_exact, &ignored)) r->r2_exact = NAN;
  const sb_dataset_family *fam = sb_dataset_family_find(d->impl->family);
  sb_recovery rec;
  if (fam && !(fam->flags & SB_FAMILY_FILE) && sb_recovery_compute(truth, g, 1e-6, &rec, &ignored) == SB_OK) {
    r->precision = rec.precision;
    r->recall = rec.recall;
    r->rel_error = rec.rel_error;
  }
  return SB_OK;
}

/* The steps both entry points begin with: options over the defaults, then the
 * algorithm name and its parameters validated against the algorithm's table. */
static int prepare(const spexbench_run_options *in, const char *algo, spexbench_run_options *o,
                   const sb_algo_type **type, sb_params **params, spexbench_error *err) {
  int rc = read_options(in, o, err);
  if (rc) return rc;
  sb_error e = {0};
  if ((rc = sb_algo_parse(algo, type, params, &e))) return api_fail(err, rc, &e);
  return SB_OK;
}

/* ... and end with: the result handed over, or freed and the error reported. */
static int finish(spexbench_result *r, int rc, const sb_error *e, spexbench_result **out,
                  spexbench_error *err) {
  if (rc) {
    spexbench_result_free(r);
    return api_fail(err, rc, e);
  }
  *out = r;
  return api_ok(err);
}

int spexbench_fit(spexbench_dataset *d, const char *algo, size_t budget, uint64_t seed,
                  const spexbench_run_options *opts, spexbench_result **out,
                  spexbench_error *err) {
  *out = NULL;
  api_init();
  if (!d || !algo) return api_error(err, SB_EINVAL, "spexbench_fit: dataset or algo is NULL");
  if (budget == 0) return api_error(err, SB_EINVAL, "spexbench_fit: budget must be >= 1");
  spexbench_run_options o;
  const sb_algo_type *type = NULL;
  sb_params *params = NULL;
  int rc = prepare(opts, algo, &o, &type, &params, err);
  if (rc) return rc;
  sb_error e = {0};
  sb_oracle *oracle = sb_oracle_alloc(d->impl->n, d->impl->eval, d->impl->ctx, budget);
  spexbench_result *r = oracle ? result_new(type, params, d, budget) : NULL;
  uint64_t design_seed = 0, heldout_seed = 0;
  if (r) {
    /* the dataset's identity, as `spexbench fit`: a stored file by its content; a
     * callback dataset (no registered family) by its name */
    char *key = NULL;
    if (sb_dataset_identity(d->spec, &key, NULL) != SB_OK) key = NULL;
    sb_run_seeds(seed, key ? key : d->spec, 0, type->name, r->params, budget, 0, &r->seed,
                 &design_seed, &heldout_seed);
    free(key);
  } else {
    rc = sb_error_set(&e, SB_ENOMEM, "spexbench_fit: out of memory");
  }
  if (!rc) rc = execute(type, params, oracle, d, r->seed, design_seed, o.threads, r, &e);
  if (!rc) rc = add_metrics(r, d, &o, heldout_seed, &e);
  sb_oracle_free(oracle);
  sb_params_free(params);
  return finish(r, rc, &e, out, err);
}

int spexbench_run_algorithm(spexbench_oracle *o, const char *algo, uint64_t seed,
                            const spexbench_run_options *opts, spexbench_result **out,
                            spexbench_error *err) {
  *out = NULL;
  api_init();
  if (!o || !algo)
    return api_error(err, SB_EINVAL, "spexbench_run_algorithm: oracle or algo is NULL");
  spexbench_run_options opt;
  const sb_algo_type *type = NULL;
  sb_params *params = NULL;
  int rc = prepare(opts, algo, &opt, &type, &params, err);
  if (rc) return rc;
  sb_error e = {0};
  spexbench_result *r = result_new(type, params, o->dataset, sb_oracle_budget(o->impl));
  if (r) r->seed = seed;
  else rc = sb_error_set(&e, SB_ENOMEM, "spexbench_run_algorithm: out of memory");
  if (!rc) rc = execute(type, params, o->impl, o->dataset, seed, seed, opt.threads, r, &e);
  sb_params_free(params);
  return finish(r, rc, &e, out, err);
}

/* ==== results ============================================================ */

const spexbench_spectrum *spexbench_result_spectrum(const spexbench_result *r) {
  return (const spexbench_spectrum *)r->fit.surrogate;
}
size_t spexbench_result_queries_used(const spexbench_result *r) { return r->used; }
size_t spexbench_result_queries_asked(const spexbench_result *r) { return r->asked; }
double spexbench_result_r2_heldout(const spexbench_result *r) { return r->r2_heldout; }
double spexbench_result_r2_exact(const spexbench_result *r) { return r->r2_exact; }
double spexbench_result_seconds(const spexbench_result *r) { return r->wall_s; }

/* The real-valued fields by their `spexbench fit --json` names (null when NaN). */
static const struct {
  const char *key;
  size_t offset;
} real_fields[] = {
    {"wall_s", offsetof(spexbench_result, wall_s)},
    {"cpu_s", offsetof(spexbench_result, cpu_s)},
    {"r2_heldout", offsetof(spexbench_result, r2_heldout)},
    {"r2_exact", offsetof(spexbench_result, r2_exact)},
    {"precision", offsetof(spexbench_result, precision)},
    {"recall", offsetof(spexbench_result, recall)},
    {"rel_error", offsetof(spexbench_result, rel_error)},
};

char *spexbench_result_json(const spexbench_result *r) {
  json_t *j = json_object();
  if (!j) return NULL;
  const sb_spectrum *g = r->fit.surrogate;
  char seed[32];
  snprintf(seed, sizeof seed, "%016llx", (unsigned long long)r->seed);
  json_object_set_new(j, "algorithm", json_string(r->algorithm));
  json_object_set_new(j, "params", json_string(r->params));
  json_object_set_new(j, "dataset", json_string(r->dataset));
  json_object_set_new(j, "n", json_integer((json_int_t)r->n));
  json_object_set_new(j, "budget", r->budget == SB_BUDGET_NONE
                                        ? json_null()
                                        : json_integer((json_int_t)r->budget));
  json_object_set_new(j, "seed", json_string(seed));
  json_object_set_new(j, "queries_used", json_integer((json_int_t)r->used));
  json_object_set_new(j, "queries_asked", json_integer((json_int_t)r->asked));
  json_object_set_new(j, "terms", json_integer((json_int_t)sb_spectrum_size(g)));
  json_object_set_new(j, "basis", json_string(sb_basis_name(g->basis)));
  json_object_set_new(j, "heldout_count", json_integer((json_int_t)r->heldout_count));
  json_object_set_new(j, "heldout_dist",
                      json_string(sb_heldout_dist_name((sb_heldout_dist)r->heldout_dist)));
  for (size_t k = 0; k < sizeof real_fields / sizeof *real_fields; k++) {
    double v = *(const double *)((const char *)r + real_fields[k].offset);
    json_object_set_new(j, real_fields[k].key, isfinite(v) ? json_real(v) : json_null());
  }
  json_t *ph = json_object();
  for (size_t i = 0; ph && i < r->fit.n_phases; i++)
    json_object_set_new(ph, r->fit.phases[i].name, json_real(r->fit.phases[i].seconds));
  json_object_set_new(j, "phases", ph);
  json_object_set_new(j, "info", json_string(r->fit.info));
  char *text = api_json_text(j);
  json_decref(j);
  return text;
}
