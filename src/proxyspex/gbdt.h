/* A native gradient-boosted regression-tree learner for binary features
 * (../shared/design/ALGORITHMS.md §5 step 2), as an alternative backend to XGBoost.
 *
 * Same model class and formulas as XGBoost's reg:squarederror with depth-wise
 * growth: hessian 1 per row, gain G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ), split
 * only if the gain exceeds 1e-6 and both children hold >= min_child_weight rows,
 * leaf value −η·G/(H+λ).  Binary features make the split search exact (one
 * candidate per feature).  Differences from XGBoost: base score = mean label
 * (XGBoost 1.7 uses 0.5), ties between equally good features go to the lowest
 * index.  Rows are packed masks, histograms come from proxyspex/gbdt_hist.h
 * (double sums, vector kernels picked at run time) with the sibling-subtraction
 * trick, and there is no per-node framework overhead. */
#ifndef SB_PROXYSPEX_GBDT_H
#define SB_PROXYSPEX_GBDT_H

#include <stddef.h>

#include "core/error.h"
#include "core/mask.h"
#include "core/spectrum.h"

#define SB_GBDT_MAX_DEPTH 12 /* trees are heaps of 2^(depth+1) − 1 nodes */

typedef struct sb_gbdt_params {
  int max_depth;            /* >= 1 */
  double eta;               /* learning rate */
  double lambda;            /* L2 on leaf weights (XGBoost default 1) */
  double min_child_weight;  /* rows per child (XGBoost default 1) */
} sb_gbdt_params;

typedef struct sb_gbdt sb_gbdt;

/* A model on rows `rows` (nrows of them; NULL = all) of `masks` with labels
 * y[row].  masks and y must outlive the model.  Caller frees with sb_gbdt_free. */
int sb_gbdt_alloc(const sb_masks *masks, const size_t *rows, size_t nrows, const double *y,
                  const sb_gbdt_params *p, sb_gbdt **out, sb_error *err);
void sb_gbdt_free(sb_gbdt *g);
/* Boost until `rounds` trees exist. */
int sb_gbdt_boost_to(sb_gbdt *g, int rounds, sb_error *err);
int sb_gbdt_rounds(const sb_gbdt *g);
/* out[i] += Σ_{t0 <= t < t1} tree_t(masks[rows[i]]) (+ base score if t0 == 0). */
void sb_gbdt_predict_add(const sb_gbdt *g, const sb_masks *masks, const size_t *rows,
                         size_t nrows, int t0, int t1, double *out);
/* Exact Fourier spectrum of the ensemble (all trees + base score).
 * Caller frees with sb_spectrum_free. */
int sb_gbdt_fourier(const sb_gbdt *g, sb_spectrum **out, sb_error *err);

#endif
