/* Gradient-boosted regression trees on masks behind one type table (../shared/design/ALGORITHMS.md
 * §5 step 2): ProxySPEX trains, predicts and reads the exact Fourier spectrum of a
 * boosted proxy without knowing which library grows the trees.
 *
 * A backend is a `const sb_booster_type` (name, summary, limits and slots, cf.
 * gsl_multimin_fminimizer_type); `sb_booster_types` lists them and
 * sb_booster_type_find() looks one up by the name a user gives (`backend=`).  A
 * `sb_booster` is the small handle pairing a type with one model.  Backends:
 *   xgboost — the XGBoost C API (proxyspex/xgb.h) + the JSON-dump transform
 *             (proxyspex/tree_fourier.h);
 *   native  — the built-in binary-feature booster (proxyspex/gbdt.h). */
#ifndef SB_PROXYSPEX_BOOSTER_H
#define SB_PROXYSPEX_BOOSTER_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/mask.h"
#include "core/spectrum.h"

/* What a boosted model is asked to be.  Fields a backend has no use for are
 * ignored (marked below). */
typedef struct sb_booster_params {
  int max_depth;            /* tree depth, 1..type->max_depth */
  double eta;               /* learning rate */
  double lambda;            /* L2 on leaf weights (XGBoost default 1) */
  double min_child_weight;  /* rows per child (XGBoost default 1) */
  int threads;              /* threads inside one booster (xgboost only) */
  uint64_t seed;            /* the booster's seed (xgboost only; native is deterministic) */
  const char *tree_method;  /* "hist" | "exact" | "approx" (xgboost only) */
} sb_booster_params;

/* One backend.  `model` is the backend's private state. */
typedef struct sb_booster_type {
  const char *name;     /* `backend=` value, e.g. "xgboost" */
  const char *summary;  /* one line for help text */
  int max_depth;        /* deepest tree the backend accepts */
  /* A model on rows `rows` (nrows of them; NULL = all) of `masks` with labels
   * y[row]; masks and y must outlive it.  No trees yet. */
  int (*alloc)(const sb_masks *masks, const size_t *rows, size_t nrows, const double *y,
               const sb_booster_params *p, void **model, sb_error *err);
  /* Boost until `rounds` trees exist (no-op if already there). */
  int (*boost_to)(void *model, int rounds, sb_error *err);
  /* Predictions on rows `rows` (NULL = all) of `masks` by the first `to` trees
   * (1 <= to <= rounds).  When from > 0, out[i] holds on entry the prediction of
   * the first `from` trees (from <= to), as an earlier call left it; a backend
   * may add trees [from, to) to it or recompute from scratch (each backend always
   * does the same, so a sequence of calls gives the same bits every time).  With
   * from = 0 out's content is ignored. */
  int (*predict)(void *model, const sb_masks *masks, const size_t *rows, size_t nrows,
                 int from, int to, double *out, sb_error *err);
  /* The exact Fourier spectrum of the whole ensemble (all trees + base score),
   * over the masks' n features.  Caller frees with sb_spectrum_free. */
  int (*spectrum)(void *model, sb_spectrum **out, sb_error *err);
  void (*free)(void *model);
} sb_booster_type;

extern const sb_booster_type sb_booster_xgboost;
extern const sb_booster_type sb_booster_native;
/* Every backend, NULL-terminated; the first is the default. */
extern const sb_booster_type *const sb_booster_types[];

/* Lookup by name; on failure the message lists the valid names. */
const sb_booster_type *sb_booster_type_find(const char *name, sb_error *err);

/* A type paired with one model. */
typedef struct sb_booster {
  const sb_booster_type *type;
  void *model;  /* the type's state */
  int rounds;   /* trees boosted so far */
} sb_booster;

/* See the slots above.  Caller frees with sb_booster_free. */
int sb_booster_alloc(const sb_booster_type *type, const sb_masks *masks, const size_t *rows,
                     size_t nrows, const double *y, const sb_booster_params *p,
                     sb_booster **out, sb_error *err);
void sb_booster_free(sb_booster *b);
int sb_booster_boost_to(sb_booster *b, int rounds, sb_error *err);
int sb_booster_predict(sb_booster *b, const sb_masks *masks, const size_t *rows, size_t nrows,
                       int from, int to, double *out, sb_error *err);
/* Caller frees *out with sb_spectrum_free. */
int sb_booster_spectrum(sb_booster *b, sb_spectrum **out, sb_error *err);

#endif
