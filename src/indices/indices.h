/* Interaction indices from a spectrum (../shared/design/ALGORITHMS.md §3).
 *
 * Every index is a linear map of the Möbius coefficients a(T):
 *   index(S) = Σ_{T ⊇ S} w(s, t, ℓ) · a(T)      (s = |S|, t = |T|, ℓ = order)
 * with the weights of §3's table (k-SII is a further Bernoulli-weighted sum of
 * SII values).  A Fourier input is converted to Möbius first.
 *
 * Result container: an sb_spectrum with basis SB_BASIS_MOBIUS used as a plain
 * "set -> value" map.  It holds the index value of every set S with |S| <= order
 * that is a subset of some support set (all other values are exactly 0), the
 * empty set included (index(∅) is the index's value for ∅, e.g. FSII(∅) = f(∅),
 * BII(∅) = E_uniform f).  It is NOT a Möbius expansion of f (except for
 * SB_INDEX_MOBIUS); do not evaluate it as a surrogate.
 *
 * Index names follow shapiq: "Moebius", "SII", "BII", "FSII", "FBII", "STII",
 * "k-SII", "SV", "BV" (SV = SII and BV = BII at order 1). */
#ifndef SB_INDICES_H
#define SB_INDICES_H

#include <stddef.h>

#include "core/error.h"
#include "core/spectrum.h"

typedef enum sb_index_kind {
  SB_INDEX_MOBIUS = 0, /* Möbius coefficients a(S), |S| <= order */
  SB_INDEX_SII,        /* Shapley interaction index */
  SB_INDEX_BII,        /* Banzhaf interaction index */
  SB_INDEX_FSII,       /* Faithful Shapley interaction index of order ℓ */
  SB_INDEX_FBII,       /* Faithful Banzhaf interaction index of order ℓ */
  SB_INDEX_STII,       /* Shapley–Taylor interaction index of order ℓ */
  SB_INDEX_KSII,       /* k-Shapley interaction index (aggregated SII) of order ℓ */
  SB_INDEX_SV,         /* Shapley values (order 1) */
  SB_INDEX_BV,         /* Banzhaf values (order 1) */
  SB_INDEX_COUNT
} sb_index_kind;

/* shapiq's name of the index ("k-SII", "Moebius", ...). */
const char *sb_index_name(sb_index_kind k);
/* Parse a name (case-insensitive; also "kSII", "Mobius", "Möbius").  The error
 * lists the valid names. */
int sb_index_parse(const char *s, sb_index_kind *out, sb_error *err);

/* Bernoulli numbers B_0..B_m with B_1 = -1/2 into out[0..m]. */
void sb_bernoulli(size_t m, double *out);

/* Weight w(s, t, ℓ) of a(T) in index(S) for S ⊆ T (not for k-SII). */
double sb_index_weight(sb_index_kind k, size_t s, size_t t, size_t order);

/* The index of order `order` (>= 1; forced to 1 for SV/BV) computed from `spec`
 * (Fourier or Möbius).  max_terms bounds the Möbius conversion and the output
 * (0 = 1<<26).  Returns the container described above; caller frees with
 * sb_spectrum_free.  NULL with err set on failure (SB_EINVAL when the work would
 * exceed the bounds, SB_ENOMEM). */
sb_spectrum *sb_index_compute(const sb_spectrum *spec, sb_index_kind k, size_t order,
                              size_t max_terms, sb_error *err);

/* The value shapiq stores as `baseline_value` for this index of a function
 * with f(∅) = f_empty: the index's own ∅ value for BII and FBII, f(∅) for every
 * other index (shapiq's ExactComputer and InteractionValues, 1.6). */
double sb_index_baseline(const sb_spectrum *values, sb_index_kind k, double f_empty);

/* Write index values in shapiq's InteractionValues JSON layout (as produced by
 * InteractionValues.to_json_file):
 *   {"object_name": "InteractionValues", "data_type": "interaction_values",
 *    "version": "1.3.0", "created_from": null, "description": ..., "parameters": {},
 *    "timestamp": "2025-07-10T20:46:06.214829+00:00Z" (shapiq's own format),
 *    "metadata": {"n_players", "index", "max_order", "min_order", "estimated",
 *    "estimation_budget", "baseline_value"},
 *    "data": {"Empty": v, "0": v, "0,3": v, ...}}
 * with shapiq's meaning, so that loading the file into shapiq changes nothing:
 *  - "index": shapiq's name at max_order 1 is SV for SII, FSII, STII and k-SII
 *    and BV for BII and FBII (the values are those indices');
 *  - "Empty" (written when min_order is 0, as shapiq's computations do): the
 *    index's own ∅ value for SII (order >= 2), BII and FBII; the baseline f(∅)
 *    for Möbius, FSII, STII, k-SII, SV and BV;
 *  - baseline_value: opts->baseline_value (sb_index_baseline);
 *  - estimated false and estimation_budget null for exact values.
 * Sets with min_order <= |S| <= max_order are written (all of them when n is
 * small enough that C(n, <=max_order) <= 1e6, zeros included as shapiq does;
 * otherwise only the stored sets), keys sorted by size then lexicographically.
 * estimation_budget = 0 writes null.  Atomic (temp file + rename). */
typedef struct sb_index_export_opts {
  sb_index_kind index;       /* the index the values are (sb_index_compute's kind) */
  size_t min_order;          /* 0 (shapiq's computations) includes "Empty" */
  size_t max_order;
  int estimated;             /* 1 if the values come from a surrogate fit */
  size_t estimation_budget;  /* queries used (0 = null) */
  double baseline_value;
  const char *description;   /* NULL = "spexbench VERSION" */
} sb_index_export_opts;

/* Options with shapiq's meaning for `values` = sb_index_compute(spec, k, order):
 * min_order 0, max_order = order (1 for SV/BV), baseline by sb_index_baseline,
 * and estimated = !exact with estimation_budget = budget (null when exact). */
void sb_index_export_defaults(const sb_spectrum *values, sb_index_kind k, size_t order,
                              double f_empty, int exact, size_t budget,
                              sb_index_export_opts *opts);

json_t *sb_index_to_shapiq_json(const sb_spectrum *values, const sb_index_export_opts *opts,
                                sb_error *err);
int sb_index_export_shapiq(const sb_spectrum *values, const sb_index_export_opts *opts,
                           const char *path, sb_error *err);

#endif
