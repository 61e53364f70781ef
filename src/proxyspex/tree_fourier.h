/* Exact Fourier (Walsh) transform of a boosted tree ensemble from XGBoost's JSON
 * dump (../shared/design/ALGORITHMS.md §5 step 3).  Features are the mask bits; the sum of the
 * tree spectra plus base_score on ∅ reproduces the booster's predictions. */
#ifndef SB_PROXYSPEX_TREE_FOURIER_H
#define SB_PROXYSPEX_TREE_FOURIER_H

#include <stddef.h>

#include "core/error.h"
#include "core/spectrum.h"

/* Largest root-to-leaf path (distinct features) accepted: a leaf spreads over
 * 2^depth Fourier terms. */
#define SB_TREE_FOURIER_MAX_DEPTH 24

/* Add the Fourier spectrum of one tree, given as the JSON text of one entry of
 * XGBoosterDumpModelEx(..., "json", ...), to `acc` (Fourier basis; its n bounds
 * the feature indices).  `where` names the tree in error messages. */
int sb_tree_fourier_add(sb_spectrum *acc, const char *tree_json, const char *where,
                        sb_error *err);

/* Add one leaf: value v on the region {x_feat[i] = side[i] for i < depth}
 * (distinct features, side 0/1), i.e. v·2^{-depth}·Π_{j∈S} s_j on every
 * S ⊆ feat with s_j = +1 for side 0 and -1 for side 1.  For other tree formats. */
int sb_tree_fourier_add_leaf(sb_spectrum *acc, const size_t *feat, const int *side,
                             size_t depth, double v, sb_error *err);

/* The spectrum of the whole ensemble: Σ_trees + base_score on ∅.
 * Caller frees *out with sb_spectrum_free. */
int sb_tree_fourier_ensemble(const char *const *trees, size_t count, double base_score,
                             size_t n, sb_spectrum **out, sb_error *err);

#endif
