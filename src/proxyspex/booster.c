/* The booster type table for ProxySPEX (../shared/design/ALGORITHMS.md §5 steps 2–3): one
 * `sb_booster_type` per backend, each a few adapters over its own module, and
 * the handle functions that check arguments once for every backend.
 *
 *   xgboost — proxyspex/xgb.h.  Rows become XGBoost matrices (max_bin = 2 is
 *             exact for 0/1 features); a prediction is always recomputed from
 *             scratch over the iteration range [0, to); the matrix of the last
 *             rows predicted on is kept, so one CV fold evaluated at several tree
 *             counts is converted once.  Spectrum: the JSON dump through
 *             proxyspex/tree_fourier.h plus the model's base_score on ∅.
 *   native  — proxyspex/gbdt.h.  A prediction adds trees [from, to) to the
 *             caller's running sums; the spectrum comes from the trees directly. */
#include "proxyspex/booster.h"

#include <stdlib.h>
#include <string.h>

#include "core/params.h"
#include "proxyspex/gbdt.h"
#include "proxyspex/tree_fourier.h"
#include "proxyspex/xgb.h"

/* ==== xgboost ============================================================ */

typedef struct xgb_model {
  sb_xgb_data *train;         /* training matrix */
  sb_xgb_booster *b;          /* the booster */
  size_t n;                   /* features */
  /* The last prediction rows, kept converted: masks, a copy of the row list
   * (NULL = all rows), its length, and the matrix. */
  const sb_masks *eval_masks;
  size_t *eval_rows, eval_n;
  sb_xgb_data *eval;
} xgb_model;

static void xgb_free(void *model) {
  xgb_model *x = model;
  if (!x) return;
  sb_xgb_booster_free(x->b);
  sb_xgb_data_free(x->train);
  sb_xgb_data_free(x->eval);
  free(x->eval_rows);
  free(x);
}

static int xgb_alloc(const sb_masks *masks, const size_t *rows, size_t nrows, const double *y,
                     const sb_booster_params *p, void **model, sb_error *err) {
  *model = NULL;
  xgb_model *x = calloc(1, sizeof *x);
  if (!x) return sb_error_set(err, SB_ENOMEM, "xgboost: out of memory");
  x->n = masks->n;
  sb_xgb_params xp;
  sb_xgb_params_default(&xp);
  xp.max_depth = p->max_depth;
  xp.eta = p->eta;
  xp.threads = p->threads;
  xp.seed = p->seed;
  xp.lambda = p->lambda;
  xp.min_child_weight = p->min_child_weight;
  xp.max_bin = 2; /* binary features: two bins are exact */
  xp.tree_method = p->tree_method;
  int rc;
  if ((rc = sb_xgb_data_alloc(masks, rows, nrows, y, &x->train, err)) ||
      (rc = sb_xgb_booster_alloc(x->train, &xp, &x->b, err))) {
    xgb_free(x);
    return rc;
  }
  *model = x;
  return SB_OK;
}

static int xgb_boost_to(void *model, int rounds, sb_error *err) {
  return sb_xgb_boost_to(((xgb_model *)model)->b, rounds, err);
}

/* The matrix for these rows: the kept one if it is the same row list. */
static int xgb_eval_data(xgb_model *x, const sb_masks *masks, const size_t *rows, size_t nrows,
                         sb_error *err) {
  size_t count = rows ? nrows : masks->count;
  if (x->eval && x->eval_masks == masks && x->eval_n == count && !rows == !x->eval_rows &&
      (!rows || !memcmp(rows, x->eval_rows, count * sizeof *rows)))
    return SB_OK;
  sb_xgb_data_free(x->eval);
  free(x->eval_rows);
  x->eval = NULL;
  x->eval_rows = NULL;
  if (rows) {
    x->eval_rows = malloc((count ? count : 1) * sizeof *rows);
    if (!x->eval_rows) return sb_error_set(err, SB_ENOMEM, "xgboost: out of memory");
    memcpy(x->eval_rows, rows, count * sizeof *rows);
  }
  x->eval_masks = masks;
  x->eval_n = count;
  return sb_xgb_data_alloc(masks, rows, nrows, NULL, &x->eval, err);
}

static int xgb_predict(void *model, const sb_masks *masks, const size_t *rows, size_t nrows,
                       int from, int to, double *out, sb_error *err) {
  (void)from; /* always from scratch: XGBoost predicts an iteration range in float */
  xgb_model *x = model;
  int rc = xgb_eval_data(x, masks, rows, nrows, err);
  return rc ? rc : sb_xgb_predict(x->b, x->eval, to, out, err);
}

static int xgb_spectrum(void *model, sb_spectrum **out, sb_error *err) {
  xgb_model *x = model;
  const char *const *dump = NULL;
  size_t ntrees = 0;
  double base = 0;
  int rc;
  *out = NULL;
  if ((rc = sb_xgb_dump_json(x->b, &dump, &ntrees, err)) ||
      (rc = sb_xgb_base_score(x->b, &base, err)))
    return rc;
  return sb_tree_fourier_ensemble(dump, ntrees, base, x->n, out, err);
}

const sb_booster_type sb_booster_xgboost = {
    .name = "xgboost",
    .summary = "XGBoost C API (reg:squarederror, tree_method as given, max_bin 2)",
    .max_depth = SB_TREE_FOURIER_MAX_DEPTH,
    .alloc = xgb_alloc,
    .boost_to = xgb_boost_to,
    .predict = xgb_predict,
    .spectrum = xgb_spectrum,
    .free = xgb_free,
};

/* ==== native ============================================================= */

static int native_alloc(const sb_masks *masks, const size_t *rows, size_t nrows,
                        const double *y, const sb_booster_params *p, void **model,
                        sb_error *err) {
  sb_gbdt_params gp = {p->max_depth, p->eta, p->lambda, p->min_child_weight};
  sb_gbdt *g = NULL;
  int rc = sb_gbdt_alloc(masks, rows, nrows, y, &gp, &g, err);
  *model = g;
  return rc;
}

static int native_boost_to(void *model, int rounds, sb_error *err) {
  return sb_gbdt_boost_to(model, rounds, err);
}

static int native_predict(void *model, const sb_masks *masks, const size_t *rows, size_t nrows,
                          int from, int to, double *out, sb_error *err) {
  (void)err;
  if (from == 0) memset(out, 0, (rows ? nrows : masks->count) * sizeof *out);
  sb_gbdt_predict_add(model, masks, rows, nrows, from, to, out);
  return SB_OK;
}

static int native_spectrum(void *model, sb_spectrum **out, sb_error *err) {
  return sb_gbdt_fourier(model, out, err);
}

static void native_free(void *model) { sb_gbdt_free(model); }

const sb_booster_type sb_booster_native = {
    .name = "native",
    .summary = "built-in booster for 0/1 features (XGBoost's formulas, packed-row histograms)",
    .max_depth = SB_GBDT_MAX_DEPTH,
    .alloc = native_alloc,
    .boost_to = native_boost_to,
    .predict = native_predict,
    .spectrum = native_spectrum,
    .free = native_free,
};

/* ==== table and handle =================================================== */

const sb_booster_type *const sb_booster_types[] = {&sb_booster_xgboost, &sb_booster_native,
                                                   NULL};

const sb_booster_type *sb_booster_type_find(const char *name, sb_error *err) {
  for (size_t i = 0; sb_booster_types[i]; i++)
    if (!strcmp(sb_booster_types[i]->name, name)) return sb_booster_types[i];
  char names[256] = "";
  for (size_t i = 0, used = 0; sb_booster_types[i]; i++)
    used = sb_names_append(names, sizeof names, used, sb_booster_types[i]->name);
  sb_error_set(err, SB_EINVAL, "unknown booster backend '%s' (available: %s)", name, names);
  return NULL;
}

int sb_booster_alloc(const sb_booster_type *type, const sb_masks *masks, const size_t *rows,
                     size_t nrows, const double *y, const sb_booster_params *p,
                     sb_booster **out, sb_error *err) {
  *out = NULL;
  if (p->max_depth < 1 || p->max_depth > type->max_depth)
    return sb_error_set(err, SB_EINVAL, "%s booster: max_depth = %d: expected 1..%d",
                        type->name, p->max_depth, type->max_depth);
  sb_booster *b = calloc(1, sizeof *b);
  if (!b) return sb_error_set(err, SB_ENOMEM, "%s booster: out of memory", type->name);
  b->type = type;
  int rc = type->alloc(masks, rows, nrows, y, p, &b->model, err);
  if (rc) {
    free(b);
    return rc;
  }
  *out = b;
  return SB_OK;
}

void sb_booster_free(sb_booster *b) {
  if (!b) return;
  b->type->free(b->model);
  free(b);
}

int sb_booster_boost_to(sb_booster *b, int rounds, sb_error *err) {
  if (rounds <= b->rounds) return SB_OK;
  int rc = b->type->boost_to(b->model, rounds, err);
  if (!rc) b->rounds = rounds;
  return rc;
}

int sb_booster_predict(sb_booster *b, const sb_masks *masks, const size_t *rows, size_t nrows,
                       int from, int to, double *out, sb_error *err) {
  if (from < 0 || from > to || to < 1 || to > b->rounds)
    return sb_error_set(err, SB_EINVAL,
                        "%s booster: predict trees [%d, %d) of %d: expected 0 <= from <= to, "
                        "1 <= to <= %d",
                        b->type->name, from, to, b->rounds, b->rounds);
  return b->type->predict(b->model, masks, rows, nrows, from, to, out, err);
}

int sb_booster_spectrum(sb_booster *b, sb_spectrum **out, sb_error *err) {
  return b->type->spectrum(b->model, out, err);
}
