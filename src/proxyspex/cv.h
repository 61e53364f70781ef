/* k-fold cross-validation of a boosted proxy over a hyperparameter grid
 * (../shared/design/ALGORITHMS.md §5 step 2): max_depth × n_estimators ×
 * learning_rate, scored by the mean fold R² (sklearn's GridSearchCV convention),
 * for any booster type (proxyspex/booster.h). */
#ifndef SB_PROXYSPEX_CV_H
#define SB_PROXYSPEX_CV_H

#include <gsl/gsl_rng.h>
#include <stddef.h>

#include "core/error.h"
#include "core/mask.h"
#include "proxyspex/booster.h"

#define SB_CV_MAX_AXIS 8     /* values per grid axis */
#define SB_CV_MIN_FOLD_ROWS 4 /* smallest held-out fold CV accepts */

typedef struct sb_cv_grid {
  size_t nd, nt, nr;             /* axis lengths */
  long depth[SB_CV_MAX_AXIS];    /* max_depth values */
  long trees[SB_CV_MAX_AXIS];    /* n_estimators values, ascending */
  double rate[SB_CV_MAX_AXIS];   /* learning rates */
} sb_cv_grid;

/* Parse "a|b|c" into up to SB_CV_MAX_AXIS integers in 1..100000 (depths, tree
 * counts).  `key` names the parameter in messages. */
int sb_cv_parse_ints(const char *key, const char *text, long *out, size_t *count,
                     sb_error *err);
/* Parse "a|b|c" into up to SB_CV_MAX_AXIS numbers in (0, 1] (learning rates). */
int sb_cv_parse_rates(const char *key, const char *text, double *out, size_t *count,
                      sb_error *err);
/* Sort the tree counts ascending (one boosting run serves all of them). */
void sb_cv_grid_sort(sb_cv_grid *g);
/* Grid points: nd · nt · nr. */
size_t sb_cv_points(const sb_cv_grid *g);
/* Fewest samples `folds`-fold CV accepts. */
size_t sb_cv_min_samples(size_t folds);

/* How the CV runs are spread over threads.  Results do not depend on it. */
typedef struct sb_cv_exec {
  int threads;          /* threads of the run (>= 1) */
  int side_by_side;     /* 1: runs side by side on `threads`, one booster thread each */
  int booster_threads;  /* else: runs one after another with this many booster threads */
} sb_cv_exec;

/* The chosen grid point (indices into the axes) and its mean fold R². */
typedef struct sb_cv_choice {
  size_t depth, trees, rate;
  double score;
} sb_cv_choice;

/* k-fold CV of `type` over grid `g` on (masks, y): folds are contiguous blocks
 * of a shuffle of the rows drawn from `shuffle`; one boosting run per (depth,
 * rate, fold) is scored at every tree count; the best mean fold R² wins (the
 * first in depth, rate, trees order on ties).  `base` gives the fixed booster
 * parameters (its depth, rate and threads are set here).  A grid of one point
 * is chosen without CV (score NaN, no draw from `shuffle`). */
int sb_cv_select(const sb_booster_type *type, const sb_booster_params *base,
                 const sb_masks *masks, const double *y, const sb_cv_grid *g, size_t folds,
                 const gsl_rng *shuffle, const sb_cv_exec *exec, sb_cv_choice *out,
                 sb_error *err);

#endif
