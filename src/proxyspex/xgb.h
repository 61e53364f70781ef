/* A thin wrapper over the XGBoost C API for ProxySPEX (../shared/design/ALGORITHMS.md §5 step 2):
 * training data from masks (0/1 floats), gradient-boosted regression trees
 * (reg:squarederror, tree_method=hist), prediction over an iteration range, the
 * JSON tree dump and the model's base_score.  Every XGBoost return code is
 * checked and XGBGetLastError() is reported in the sb_error. */
#ifndef SB_PROXYSPEX_XGB_H
#define SB_PROXYSPEX_XGB_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/mask.h"

/* Training/evaluation matrix: selected rows of a mask batch as 0/1 floats, with
 * optional labels.  Caller frees with sb_xgb_data_free. */
typedef struct sb_xgb_data sb_xgb_data;

/* rows == NULL: all masks in order; else `nrows` row indices into masks.
 * y (may be NULL) is indexed like masks (y[rows[i]]). */
int sb_xgb_data_alloc(const sb_masks *masks, const size_t *rows, size_t nrows, const double *y,
                      sb_xgb_data **out, sb_error *err);
void sb_xgb_data_free(sb_xgb_data *d);
size_t sb_xgb_data_rows(const sb_xgb_data *d);

typedef struct sb_xgb_params {
  int max_depth;     /* tree depth (>= 1) */
  double eta;        /* learning rate */
  int threads;       /* nthread (>= 1) */
  uint64_t seed;     /* XGBoost "seed" (reduced mod 2^31) */
  double lambda;     /* L2 on leaf weights (XGBoost default 1) */
  double min_child_weight; /* hessian (= rows here) per child (XGBoost default 1) */
  int max_bin;       /* histogram bins (>= 2; binary features need 2) */
  const char *tree_method; /* "hist" (default), "exact" or "approx" */
} sb_xgb_params;

/* XGBoost's defaults for the fields ProxySPEX does not choose. */
void sb_xgb_params_default(sb_xgb_params *p);

typedef struct sb_xgb_booster sb_xgb_booster;

/* A booster bound to `train` (which must outlive it).  Caller frees with
 * sb_xgb_booster_free. */
int sb_xgb_booster_alloc(const sb_xgb_data *train, const sb_xgb_params *p,
                         sb_xgb_booster **out, sb_error *err);
void sb_xgb_booster_free(sb_xgb_booster *b);
/* Continue boosting until `rounds` trees exist (no-op if already there). */
int sb_xgb_boost_to(sb_xgb_booster *b, int rounds, sb_error *err);
int sb_xgb_rounds(const sb_xgb_booster *b);
/* Predictions of the first `trees` trees (0 = all) on d into out[0..rows). */
int sb_xgb_predict(sb_xgb_booster *b, const sb_xgb_data *d, int trees, double *out,
                   sb_error *err);
/* JSON dump, one string per tree; the strings belong to XGBoost and stay valid
 * until the next call on this booster. */
int sb_xgb_dump_json(sb_xgb_booster *b, const char *const **trees, size_t *count,
                     sb_error *err);
/* The model's base_score (the global bias added to every prediction), read from
 * the saved JSON config (learner.learner_model_param.base_score). */
int sb_xgb_base_score(sb_xgb_booster *b, double *out, sb_error *err);

#endif
