/* Faithfulness and recovery metrics (../shared/design/ALGORITHMS.md §8).
 *
 *  - held-out R² on test masks that never count against a budget: uniform masks
 *    (each bit a fair coin, the papers' protocol) or shapiq's "sizes" variant
 *    (size uniform in 0..n, then a uniform subset of that size);
 *  - exact R² by Parseval when the true spectrum is known;
 *  - support precision/recall and relative L2 coefficient error. */
#ifndef SB_METRICS_H
#define SB_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/spectrum.h"
#include "data/dataset.h"

typedef enum sb_heldout_dist { SB_HELDOUT_UNIFORM = 0, SB_HELDOUT_SIZES = 1 } sb_heldout_dist;

typedef struct sb_heldout {
  sb_heldout_dist dist;
  sb_masks *masks;  /* test masks */
  double *values;   /* f on them (the dataset's answers, noise included) */
} sb_heldout;

const char *sb_heldout_dist_name(sb_heldout_dist d);   /* "uniform" / "sizes" */
int sb_heldout_dist_parse(const char *s, sb_heldout_dist *out);
/* Draw `count` masks with their own seed and evaluate them on the dataset
 * directly (uncounted).  Caller frees with sb_heldout_free. */
int sb_heldout_make(const sb_dataset *d, size_t count, sb_heldout_dist dist, uint64_t seed,
                    sb_heldout **out, sb_error *err);
void sb_heldout_free(sb_heldout *h);
/* Refuse a held-out set that cannot fit in memory: `count` masks of n features
 * (n = 0: unknown, counted as one 64-bit word) with their values and the
 * surrogate's predictions, against this machine's physical memory; and a size
 * that overflows size_t.  SB_EINVAL "held-out set of C masks at n = N needs X GiB,
 * more than this machine's Y GiB of memory". */
int sb_heldout_check_memory(size_t count, size_t n, sb_error *err);

/* R² = 1 - Σ(y-ŷ)²/Σ(y-ȳ)²; NaN if Σ(y-ȳ)² == 0 (constant function). */
double sb_r2(const double *y, const double *yhat, size_t count);
/* R² of a surrogate on the held-out set (NaN for a constant function).
 * SB_ENUMERIC if the values overflow (|f| near DBL_MAX: their variance is not
 * finite) instead of a NaN that looks like a constant function. */
int sb_r2_heldout(const sb_heldout *h, const sb_spectrum *surrogate, double *r2, sb_error *err);
/* Exact R² over uniform masks: 1 - Σ_k (F-G)² / Σ_{k≠∅} F². `truth` is Fourier;
 * the surrogate is converted if it is Möbius.  NaN if the truth is constant.
 * SB_ENUMERIC if the energies overflow. */
int sb_r2_parseval(const sb_spectrum *truth, const sb_spectrum *surrogate, double *r2,
                   sb_error *err);

typedef struct sb_recovery {
  double precision;  /* |supp(G) ∩ supp(F)| / |supp(G)| (NaN if G empty) */
  double recall;     /* |supp(G) ∩ supp(F)| / |supp(F)| */
  double rel_error;  /* ||F - G||₂ / ||F||₂ over all coefficients (∅ included) */
} sb_recovery;

/* Supports compare terms with |value| > tol (relative to the largest |F|:
 * tol_rel * max|F|), ∅ excluded.  Both spectra in Fourier (surrogate converted). */
int sb_recovery_compute(const sb_spectrum *truth, const sb_spectrum *surrogate, double tol_rel,
                        sb_recovery *out, sb_error *err);

#endif
