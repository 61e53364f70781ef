/* The run result record and its column table (result.h).  The table's order is
 * the runs.csv column order: the columns of earlier versions first, unchanged,
 * then the provenance, seed, phase and file columns added since (so scripts
 * that read runs.csv by position keep working). */
#include "runner/result.h"

#include <stdlib.h>
#include <string.h>

#include "data/dataset.h"
#include "runner/provenance.h"

const char *const sb_run_status_names[] = {"ok", "failed", "skipped", "unsupported", NULL};

sb_run_status sb_run_status_of(int code) {
  switch (code) {
  case SB_OK: return SB_RUN_OK;
  case SB_ESKIP: return SB_RUN_SKIPPED;
  case SB_EUNSUPPORTED: return SB_RUN_UNSUPPORTED;
  default: return SB_RUN_FAILED;
  }
}

const char *const sb_run_known_phases[] = {"design", "oracle", "fit", "transform",
                                           "transform+peel", "refit", "cv", "final_fit",
                                           "extract", NULL};

#define OFF(f) offsetof(sb_run_result, f)
/* where a column goes */
#define CSV SB_COL_IN_CSV
#define DEF (SB_COL_IN_JSON | SB_COL_IN_CSV)           /* run only, not in fit --json */
#define ALL (SB_COL_IN_JSON | SB_COL_IN_CSV | SB_COL_IN_FIT)
#define SHOW (ALL | SB_COL_IN_TEXT)
#define REQ SB_COL_REQUIRED

const sb_column sb_run_columns[] = {
    {"experiment", OFF(experiment), SB_COL_STRING, CSV, "experiment name ([experiment] name)",
     NULL, NULL},
    {"group", OFF(group), SB_COL_STRING, DEF,
     "dataset group: the [dataset LABEL] section, plus the grid values that vary", NULL, NULL},
    {"dataset", OFF(dataset), SB_COL_STRING, SHOW,
     "canonical dataset name (synthetic: its parameters; files: derived from the file name)", NULL, NULL},
    {"family", OFF(family), SB_COL_STRING, ALL, "dataset family (`spexbench list`)", NULL, NULL},
    {"n", OFF(n), SB_COL_SIZE, SHOW, "number of features", NULL, NULL},
    {"instance", OFF(instance), SB_COL_SIZE, DEF,
     "index of the dataset instance (random instance or file) within its group", NULL, NULL},
    {"algorithm", OFF(algorithm), SB_COL_STRING, SHOW, "algorithm type name", NULL, NULL},
    {"label", OFF(label), SB_COL_STRING, ALL,
     "algorithm label: the [algorithm LABEL] section, plus the parameters that vary", NULL,
     "algo_label"},
    {"params", OFF(params), SB_COL_STRING, SHOW,
     "the parameters the config set, sorted `k=v,...` (the rest take their defaults: "
     "`spexbench list --params`)", NULL, NULL},
    {"budget", OFF(budget), SB_COL_SIZE, SHOW, "distinct model queries allowed", NULL, NULL},
    {"repetition", OFF(repetition), SB_COL_SIZE, DEF, "repetition index (0-based)", NULL, NULL},
    {"seed", OFF(seed), SB_COL_HEX64, ALL,
     "run seed, derived from the master seed and the run definition", NULL, NULL},
    {"status", OFF(status), SB_COL_ENUM, ALL | REQ,
     "outcome; only `ok` rows carry metrics", sb_run_status_names, NULL},
    {"message", OFF(message), SB_COL_STRING, ALL,
     "why the run is not ok (the skip reason or the error), empty when ok", NULL, NULL},
    {"queries_used", OFF(queries_used), SB_COL_SIZE, SHOW,
     "distinct masks the algorithm had answered (the x axis of the figures)", NULL, NULL},
    {"r2_heldout", OFF(r2_heldout), SB_COL_REAL, SHOW,
     "R² of the surrogate on the held-out masks (empty when heldout = 0)", NULL, NULL},
    {"r2_exact", OFF(r2_exact), SB_COL_REAL, SHOW,
     "exact R² over all 2^n masks by Parseval (only when the true spectrum is known)", NULL,
     NULL},
    {"precision", OFF(precision), SB_COL_REAL, SHOW,
     "support precision against the true spectrum (synthetic families only)", NULL, NULL},
    {"recall", OFF(recall), SB_COL_REAL, SHOW,
     "support recall against the true spectrum (synthetic families only)", NULL, NULL},
    {"rel_error", OFF(rel_error), SB_COL_REAL, SHOW,
     "relative L2 error of the coefficients (synthetic families only)", NULL, NULL},
    {"terms", OFF(terms), SB_COL_SIZE, SHOW, "number of terms in the surrogate spectrum", NULL,
     NULL},
    {"heldout_dist", OFF(heldout_dist), SB_COL_STRING, ALL,
     "distribution of the held-out masks: `uniform` or `sizes` (uniform over sizes)", NULL,
     NULL},
    {"info", OFF(info), SB_COL_STRING, SHOW,
     "the algorithm's own notes, `key=value ...` (e.g. SPEX's b and t)", NULL, NULL},
    {"wall_s", OFF(wall_s), SB_COL_REAL, SHOW,
     "wall seconds of the algorithm (design, queries, fit), metrics excluded", NULL, NULL},
    {"cpu_s", OFF(cpu_s), SB_COL_REAL, SHOW, "CPU seconds of the same, all threads", NULL, NULL},
    {"design_s", OFF(phases), SB_COL_PHASE, CSV, "phase `design`: building the query masks",
     "design", NULL},
    {"oracle_s", OFF(phases), SB_COL_PHASE, CSV,
     "phase `oracle`: answering the queries (the model or the table)", "oracle", NULL},
    {"fit_s", OFF(phases), SB_COL_PHASE, CSV,
     "phase `fit`: everything after the answers (contains the finer phases below)", "fit", NULL},
    {"transform_s", OFF(phases), SB_COL_PHASE, CSV, "phase `transform` (exhaustive: the FWHT)",
     "transform", NULL},
    {"transform_peel_s", OFF(phases), SB_COL_PHASE, CSV,
     "phase `transform+peel` (SPEX: the WHTs and the peeling decoder)", "transform+peel", NULL},
    {"refit_s", OFF(phases), SB_COL_PHASE, CSV,
     "phase `refit` (SPEX, ProxySPEX: regression on the recovered support)", "refit", NULL},
    {"cv_s", OFF(phases), SB_COL_PHASE, CSV,
     "phase `cv` (ProxySPEX: cross-validation of the booster)", "cv", NULL},
    {"final_fit_s", OFF(phases), SB_COL_PHASE, CSV,
     "phase `final_fit` (ProxySPEX: the booster on all samples)", "final_fit", NULL},
    {"extract_s", OFF(phases), SB_COL_PHASE, CSV,
     "phase `extract` (ProxySPEX: the trees' Fourier transform and truncation)", "extract",
     NULL},
    {"phases", OFF(phases), SB_COL_PHASES, ALL,
     "every phase with its wall seconds, including ones without a column above", NULL, NULL},
    {"queries_asked", OFF(queries_asked), SB_COL_SIZE, ALL,
     "masks the algorithm asked for, repeats included (>= queries_used)", NULL, NULL},
    {"heldout_count", OFF(heldout_count), SB_COL_SIZE, ALL,
     "held-out masks the R² is computed on (the evaluation's own queries, never counted)",
     NULL, NULL},
    {"heldout_seed", OFF(heldout_seed), SB_COL_HEX64, ALL,
     "seed of the held-out masks (one per dataset instance: every run on it is scored on the "
     "same masks)",
     NULL, NULL},
    {"design_seed", OFF(design_seed), SB_COL_HEX64, ALL,
     "run seed without the budget (nested designs across budgets)", NULL, NULL},
    {"master_seed", OFF(master_seed), SB_COL_U64, ALL,
     "master seed: [experiment] seed, or `fit --seed`", NULL, NULL},
    {"basis", OFF(basis), SB_COL_STRING, ALL, "basis of the surrogate: `fourier` or `moebius`",
     NULL, NULL},
    {"dataset_spec", OFF(dataset_spec), SB_COL_STRING, ALL,
     "the spec that reopens the dataset (`family:k=v,...` or `family:PATH`)", NULL, NULL},
    {"dataset_file", OFF(dataset_file), SB_COL_STRING, ALL,
     "the data file of a file-backed family (npz, trace), as the config resolved it", NULL,
     NULL},
    {"id", OFF(id), SB_COL_STRING, DEF | REQ,
     "run id: the result file is runs/<id>.json", NULL, NULL},
    {"commit", OFF(commit), SB_COL_STRING, ALL,
     "git commit of the code that produced the row (empty if unknown)", NULL, NULL},
    {"version", OFF(version), SB_COL_STRING, ALL, "spexbench version that produced the row",
     NULL, NULL},
    {"dirty", OFF(dirty), SB_COL_BOOL, ALL,
     "true if that code had uncommitted changes (outside results/)", NULL, NULL},
    {"identity", OFF(identity), SB_COL_STRING, DEF,
     "run identity recorded by the runner (what a stored result must match to be reused)", NULL,
     NULL},
    {"noise_sd", OFF(noise_sd), SB_COL_REAL, ALL,
     "standard deviation of the dataset's noise on each answer (0 = noiseless; `spexbench "
     "check` compares runs on noiseless synthetic data exactly)", NULL, NULL},
    {"support_exact", OFF(support_exact), SB_COL_BOOL, SHOW,
     "the surrogate's support equals the true support (precision = recall = 1; synthetic "
     "families only)", NULL, NULL},
    {"removal", OFF(removal), SB_COL_REALS, SHOW,
     "removal curve (`removal = R`): for r = 1..R the true output change |f(all) − "
     "f(all − S)| / |f(all) − f(∅)| when the r features S whose removal the surrogate predicts "
     "moves the output most are removed", NULL, NULL},
    {"removal_predicted", OFF(removal_predicted), SB_COL_REALS, ALL,
     "the surrogate's own prediction of the same changes, same normalisation", NULL, NULL},
    {"removal_search", OFF(removal_search), SB_COL_STRING, ALL,
     "how each removal set was chosen, per r: `exact` (all r-subsets searched) or `greedy`",
     NULL, NULL},
    {"removal_scale", OFF(removal_scale), SB_COL_REAL, ALL,
     "|f(all) − f(∅)|, the removal curve's normaliser", NULL, NULL},
    {"live_asked", OFF(live_asked), SB_COL_SIZE, ALL,
     "live models: masks the run sent to the model or its pool server, i.e. not found in the "
     "recording (held-out masks included; empty for other families)", NULL, NULL},
    {"live_asked_heldout", OFF(live_asked_heldout), SB_COL_SIZE, ALL,
     "live models: the part of live_asked spent on the held-out masks (the first run on a "
     "dataset pays for them; later runs find them recorded)", NULL, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};

void sb_run_result_init(sb_run_result *r) {
  memset(r, 0, sizeof *r);
  sb_columns_init(sb_run_columns, r);
}

void sb_run_result_clear(sb_run_result *r) {
  if (!r) return;
  sb_columns_clear(sb_run_columns, r);
  json_decref(r->extra);
  r->extra = NULL;
}

int sb_run_result_set(char **field, const char *value) {
  char *copy = NULL;
  if (value && !(copy = strdup(value))) return SB_ENOMEM;
  free(*field);
  *field = copy;
  return SB_OK;
}

int sb_run_result_set_def(sb_run_result *r, const sb_run_def *rd) {
  int rc = sb_run_result_set(&r->id, rd->id);
  if (!rc) rc = sb_run_result_set(&r->group, rd->group);
  if (!rc) rc = sb_run_result_set(&r->dataset_spec, rd->dataset_spec);
  if (!rc) rc = sb_run_result_set(&r->family, rd->family);
  if (!rc) rc = sb_run_result_set(&r->algorithm, rd->algo->name);
  if (!rc) rc = sb_run_result_set(&r->label, rd->algo_label);
  if (!rc) rc = sb_run_result_set(&r->params, rd->algo_params);
  r->instance = rd->instance;
  r->budget = rd->budget;
  r->repetition = rd->repetition;
  r->seed = (sb_opt_u64){rd->seed, 1};
  r->design_seed = (sb_opt_u64){rd->design_seed, 1};
  r->heldout_seed = (sb_opt_u64){rd->heldout_seed, 1};
  /* file-backed families: the spec is "family:PATH" */
  const sb_dataset_family *fam = rd->family ? sb_dataset_family_find(rd->family) : NULL;
  const char *colon = rd->dataset_spec ? strchr(rd->dataset_spec, ':') : NULL;
  if (!rc && fam && (fam->flags & SB_FAMILY_FILE) && colon)
    rc = sb_run_result_set(&r->dataset_file, colon + 1);
  if (!rc) rc = sb_run_result_set(&r->identity, rd->identity); /* NULL: none */
  return rc;
}

int sb_run_result_set_provenance(sb_run_result *r) {
  const sb_provenance *p = sb_provenance_get();
  int rc = sb_run_result_set(&r->version, p->version);
  if (!rc) rc = sb_run_result_set(&r->commit, p->commit[0] ? p->commit : NULL);
  r->dirty = p->dirty;
  return rc;
}

json_t *sb_run_result_to_json(const sb_run_result *r, unsigned mask) {
  json_t *j = sb_columns_to_json(sb_run_columns, r, mask);
  if (j && (mask & SB_COL_IN_JSON) && r->extra) {
    const char *key;
    json_t *v;
    json_object_foreach(r->extra, key, v) {
      if (!json_object_get(j, key) && json_object_set(j, key, v)) {
        json_decref(j);
        return NULL;
      }
    }
  }
  return j;
}

int sb_run_result_from_json(sb_run_result *r, const json_t *j, const char *what, sb_error *err) {
  json_decref(r->extra);
  r->extra = NULL;
  return sb_columns_from_json(sb_run_columns, r, j, &r->extra, what, err);
}

json_t *sb_run_result_failed_json(const sb_run_def *rd, const char *message) {
  sb_run_result r;
  sb_run_result_init(&r);
  json_t *j = NULL;
  if (sb_run_result_set_def(&r, rd) == SB_OK && sb_run_result_set(&r.message, message) == SB_OK &&
      sb_run_result_set_provenance(&r) == SB_OK) {
    r.status = SB_RUN_FAILED;
    j = sb_run_result_to_json(&r, SB_COL_IN_JSON);
  }
  sb_run_result_clear(&r);
  return j;
}
