/* spexbench public API: interaction indices and metrics.
 *
 * Indices (ALGORITHMS.md §3) follow shapiq's names: "Moebius", "SII", "BII",
 * "FSII", "FBII", "STII", "k-SII", "SV", "BV" (case-insensitive).  Every index
 * is a linear map of the Möbius coefficients, computed exactly from a
 * spectrum in either basis. */
#ifndef SPEXBENCH_INDICES_H
#define SPEXBENCH_INDICES_H

#include "spexbench/common.h"
#include "spexbench/dataset.h"
#include "spexbench/run.h"
#include "spexbench/spectrum.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The index `name` of order `order` (>= 1; 1 for SV and BV) of the function s
 * represents.  *out is a set → value map stored as a spectrum in the Möbius
 * basis: every set S with |S| <= order that lies inside a support set of s,
 * the empty set included (its value is the index's value for ∅).  It is NOT a
 * surrogate of the function (except for "Moebius"): do not evaluate it.  An
 * unknown name is SPEXBENCH_EINVAL listing the valid ones.  Caller frees *out
 * with spexbench_spectrum_free. */
SPEXBENCH_API int spexbench_index(const spexbench_spectrum *s, const char *name, size_t order,
                                  spexbench_spectrum **out, spexbench_error *err);

/* ---- metrics (ALGORITHMS.md §8) --------------------------------------- */

/* R² = 1 - Σ(y-ŷ)² / Σ(y-ȳ)² over `count` pairs; NaN for constant y. */
SPEXBENCH_API double spexbench_r2(const double *y, const double *yhat, size_t count);

/* Held-out R² of surrogate s on `count` (>= 2) masks drawn with `seed` from
 * `dist`, answered by the dataset directly (not counted against any budget).
 * *r2 is NaN for a constant function. */
SPEXBENCH_API int spexbench_r2_heldout(spexbench_dataset *d, const spexbench_spectrum *s,
                                       size_t count, spexbench_heldout_dist dist, uint64_t seed,
                                       double *r2, spexbench_error *err);

/* Exact R² over uniform masks by Parseval: 1 - Σ_S (F-G)² / Σ_{S≠∅} F², with
 * `truth` (F) and s (G) in either basis (converted to Fourier). */
SPEXBENCH_API int spexbench_r2_exact(const spexbench_spectrum *truth, const spexbench_spectrum *s,
                                     double *r2, spexbench_error *err);

#ifdef __cplusplus
}
#endif

#endif
