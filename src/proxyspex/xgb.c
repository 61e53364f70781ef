/* XGBoost C API wrapper for ProxySPEX (../shared/design/ALGORITHMS.md §5 step 2: the proxy model is
 * gradient-boosted regression trees; XGBoost is the accepted backend).
 *
 * Masks become dense 0/1 float rows (missing = NaN, so a 0 is a real value and
 * never "missing").  Boosters use reg:squarederror with tree_method=hist; since
 * every feature is binary, two histogram bins are exact.  Boosting is
 * incremental (sb_xgb_boost_to) so one run can be evaluated at several tree
 * counts through the prediction's iteration range.  Every call into XGBoost is
 * checked; failures carry XGBGetLastError(). */
#include "proxyspex/xgb.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <xgboost/c_api.h>

struct sb_xgb_data {
  DMatrixHandle h;  /* the XGBoost matrix */
  size_t rows;      /* rows in it */
};

struct sb_xgb_booster {
  BoosterHandle h;            /* the booster */
  const sb_xgb_data *train;   /* its training data (not owned) */
  int rounds;                 /* trees boosted so far */
};

/* Record an XGBoost failure with its own message. */
static int xgb_fail(sb_error *err, const char *what) {
  const char *m = XGBGetLastError();
  return sb_error_set(err, SB_ENUMERIC, "xgboost: %s failed: %s", what, m ? m : "(no message)");
}

#define XGB_CHECK(call, what)                  \
  do {                                         \
    if ((call) != 0) return xgb_fail(err, what); \
  } while (0)

/* ---- data ---------------------------------------------------------------- */

int sb_xgb_data_alloc(const sb_masks *masks, const size_t *rows, size_t nrows, const double *y,
                      sb_xgb_data **out, sb_error *err) {
  *out = NULL;
  if (!rows) nrows = masks->count;
  if (nrows == 0) return sb_error_set(err, SB_EINVAL, "xgboost: empty training matrix");
  size_t n = masks->n;
  float *X = malloc(nrows * n * sizeof *X);
  float *lab = y ? malloc(nrows * sizeof *lab) : NULL;
  sb_xgb_data *d = calloc(1, sizeof *d);
  if (!X || (y && !lab) || !d) {
    free(X), free(lab), free(d);
    return sb_error_set(err, SB_ENOMEM, "xgboost: out of memory for a %zu x %zu matrix", nrows,
                        n);
  }
  for (size_t i = 0; i < nrows; i++) {
    size_t r = rows ? rows[i] : i;
    const uint64_t *m = sb_masks_at(masks, r);
    float *row = X + i * n;
    for (size_t j = 0; j < n; j++) row[j] = (float)sb_mask_get(m, j);
    if (lab) lab[i] = (float)y[r];
  }
  int rc = SB_OK;
  if (XGDMatrixCreateFromMat(X, (bst_ulong)nrows, (bst_ulong)n, NAN, &d->h) != 0) {
    rc = xgb_fail(err, "XGDMatrixCreateFromMat");
    d->h = NULL;
  } else if (lab && XGDMatrixSetFloatInfo(d->h, "label", lab, (bst_ulong)nrows) != 0) {
    rc = xgb_fail(err, "XGDMatrixSetFloatInfo(label)");
  }
  free(X);
  free(lab);
  if (rc) {
    sb_xgb_data_free(d);
    return rc;
  }
  d->rows = nrows;
  *out = d;
  return SB_OK;
}

void sb_xgb_data_free(sb_xgb_data *d) {
  if (!d) return;
  if (d->h) XGDMatrixFree(d->h);
  free(d);
}

size_t sb_xgb_data_rows(const sb_xgb_data *d) { return d->rows; }

/* ---- booster ------------------------------------------------------------- */

void sb_xgb_params_default(sb_xgb_params *p) {
  p->max_depth = 6;
  p->eta = 0.3;
  p->threads = 1;
  p->seed = 0;
  p->lambda = 1.0;
  p->min_child_weight = 1.0;
  p->max_bin = 256;
  p->tree_method = "hist";
}

static int set_param(BoosterHandle h, const char *k, const char *v, sb_error *err) {
  if (XGBoosterSetParam(h, k, v) != 0) {
    char what[96];
    snprintf(what, sizeof what, "XGBoosterSetParam(%s=%s)", k, v);
    return xgb_fail(err, what);
  }
  return SB_OK;
}

int sb_xgb_booster_alloc(const sb_xgb_data *train, const sb_xgb_params *p,
                         sb_xgb_booster **out, sb_error *err) {
  *out = NULL;
  if (p->max_depth < 1 || !(p->eta > 0) || p->threads < 1 || p->max_bin < 2 ||
      !(p->min_child_weight >= 0))
    return sb_error_set(err, SB_EINVAL,
                        "xgboost: bad parameters (max_depth=%d eta=%g threads=%d max_bin=%d)",
                        p->max_depth, p->eta, p->threads, p->max_bin);
  sb_xgb_booster *b = calloc(1, sizeof *b);
  if (!b) return sb_error_set(err, SB_ENOMEM, "xgboost: out of memory");
  DMatrixHandle dm[1] = {train->h};
  if (XGBoosterCreate(dm, 1, &b->h) != 0) {
    free(b);
    return xgb_fail(err, "XGBoosterCreate");
  }
  b->train = train;
  char buf[6][48];
  snprintf(buf[0], sizeof buf[0], "%d", p->max_depth);
  snprintf(buf[1], sizeof buf[1], "%.17g", p->eta);
  snprintf(buf[2], sizeof buf[2], "%d", p->threads);
  snprintf(buf[3], sizeof buf[3], "%u", (unsigned)(p->seed & 0x7fffffffu));
  snprintf(buf[4], sizeof buf[4], "%.17g", p->lambda);
  snprintf(buf[5], sizeof buf[5], "%.17g", p->min_child_weight);
  char bins[24];
  snprintf(bins, sizeof bins, "%d", p->max_bin);
  int rc;
  if ((rc = set_param(b->h, "booster", "gbtree", err)) ||
      (rc = set_param(b->h, "objective", "reg:squarederror", err)) ||
      (rc = set_param(b->h, "tree_method", p->tree_method ? p->tree_method : "hist", err)) ||
      (rc = set_param(b->h, "verbosity", "0", err)) ||
      (rc = set_param(b->h, "max_depth", buf[0], err)) ||
      (rc = set_param(b->h, "eta", buf[1], err)) ||
      (rc = set_param(b->h, "nthread", buf[2], err)) ||
      (rc = set_param(b->h, "seed", buf[3], err)) ||
      (rc = set_param(b->h, "lambda", buf[4], err)) ||
      (rc = set_param(b->h, "min_child_weight", buf[5], err)) ||
      (rc = set_param(b->h, "max_bin", bins, err))) {
    sb_xgb_booster_free(b);
    return rc;
  }
  *out = b;
  return SB_OK;
}

void sb_xgb_booster_free(sb_xgb_booster *b) {
  if (!b) return;
  if (b->h) XGBoosterFree(b->h);
  free(b);
}

int sb_xgb_boost_to(sb_xgb_booster *b, int rounds, sb_error *err) {
  for (; b->rounds < rounds; b->rounds++)
    XGB_CHECK(XGBoosterUpdateOneIter(b->h, b->rounds, b->train->h), "XGBoosterUpdateOneIter");
  return SB_OK;
}

int sb_xgb_rounds(const sb_xgb_booster *b) { return b->rounds; }

int sb_xgb_predict(sb_xgb_booster *b, const sb_xgb_data *d, int trees, double *out,
                   sb_error *err) {
  if (trees < 0 || trees > b->rounds)
    return sb_error_set(err, SB_EINVAL, "xgboost: predict with %d trees of %d", trees,
                        b->rounds);
  char cfg[160];
  snprintf(cfg, sizeof cfg,
           "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, "
           "\"iteration_end\": %d, \"strict_shape\": false}",
           trees);
  const bst_ulong *shape = NULL;
  bst_ulong dim = 0;
  const float *res = NULL;
  XGB_CHECK(XGBoosterPredictFromDMatrix(b->h, d->h, cfg, &shape, &dim, &res),
            "XGBoosterPredictFromDMatrix");
  bst_ulong total = 1;
  for (bst_ulong i = 0; i < dim; i++) total *= shape[i];
  if (total != (bst_ulong)d->rows)
    return sb_error_set(err, SB_ENUMERIC, "xgboost: prediction has %llu values for %zu rows",
                        (unsigned long long)total, d->rows);
  for (size_t i = 0; i < d->rows; i++) out[i] = (double)res[i];
  return SB_OK;
}

int sb_xgb_dump_json(sb_xgb_booster *b, const char *const **trees, size_t *count,
                     sb_error *err) {
  bst_ulong len = 0;
  const char **arr = NULL;
  XGB_CHECK(XGBoosterDumpModelEx(b->h, "", 0, "json", &len, &arr), "XGBoosterDumpModelEx");
  *trees = arr;
  *count = (size_t)len;
  return SB_OK;
}

int sb_xgb_base_score(sb_xgb_booster *b, double *out, sb_error *err) {
  bst_ulong len = 0;
  const char *s = NULL;
  XGB_CHECK(XGBoosterSaveJsonConfig(b->h, &len, &s), "XGBoosterSaveJsonConfig");
  json_error_t je;
  json_t *root = json_loadb(s, (size_t)len, 0, &je);
  if (!root)
    return sb_error_set(err, SB_EFORMAT, "xgboost config: line %d: %s", je.line, je.text);
  json_t *v = json_object_get(
      json_object_get(json_object_get(root, "learner"), "learner_model_param"), "base_score");
  int rc = SB_OK;
  double bs = 0;
  if (json_is_string(v)) {
    char *end = NULL;
    bs = strtod(json_string_value(v), &end);
    if (end == json_string_value(v) || *end || !isfinite(bs))
      rc = sb_error_set(err, SB_EFORMAT, "xgboost config: base_score '%s' is not a number",
                        json_string_value(v));
  } else if (json_is_number(v)) {
    bs = json_number_value(v);
  } else {
    rc = sb_error_set(err, SB_EFORMAT,
                      "xgboost config: learner.learner_model_param.base_score missing");
  }
  json_decref(root);
  if (!rc) *out = bs;
  return rc;
}
