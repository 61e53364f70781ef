/* SPEX internals (../shared/design/ALGORITHMS.md §4): the BCH-coded query design, the per-group
 * Walsh–Hadamard transforms, the peeling decoder and the structured refit.
 * The harness algorithm (src/algos/spex.c) is a thin wrapper over these; tests
 * and benchmarks call them directly.
 *
 * Sample layout: row (c*P + p)*2^b + ℓ holds f(M_c ℓ ⊕ d_p) for group c < C,
 * delay p < P and ℓ < 2^b.  Bin layout of the transforms: U[(c*2^b + j)*P + p]. */
#ifndef SB_SPEX_H
#define SB_SPEX_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/mask.h"
#include "core/spectrum.h"
#include "spex/bch.h"

#define SB_SPEX_MAX_B 24 /* hash columns drawn per feature (nested designs up to this b) */

typedef struct sb_spex_design {
  size_t n;         /* features */
  unsigned b;       /* 2^b bins per group */
  unsigned t;       /* BCH capability */
  unsigned C;       /* groups */
  size_t P;         /* delays = r + 1 */
  size_t samples;   /* C * P * 2^b */
  sb_bch *bch;      /* the delay code (owned) */
  uint32_t *hash;   /* C*n: column bits of M_c for feature i at hash[c*n+i] (SB_SPEX_MAX_B bits;
                       the design at b uses the low b bits) */
  size_t words;     /* sb_mask_words(n) */
  uint64_t *cum;    /* C*b masks: cum[c*b + q] = columns 0..q of M_c XORed (packed) */
  uint64_t *delay;  /* P masks: d_p (d_0 = ∅) at delay + p*dstride */
  size_t dstride;   /* words + 8: rows a power of two apart would share cache sets */
} sb_spex_design;

/* N(b) = C * P * 2^b for the code with capability t at n features (0 on error). */
size_t sb_spex_sample_count(size_t n, unsigned t, unsigned C, unsigned b, sb_error *err);
/* Budget -> (b, t) (../shared/design/ALGORITHMS.md §4): the largest b with N(b) <= budget (capped at
 * b_max); if b <= 2, t is lowered step by step down to 2; if b is still <= 2 at
 * t = 2 (or t < 2 was asked and b <= 2), SB_ESKIP naming the minimum budget
 * C·P·2^3.  An explicit b (the algorithm's parameter) bypasses this rule. */
int sb_spex_budget_to_b(size_t n, size_t budget, unsigned t, unsigned C, unsigned b_max,
                        unsigned *b_out, unsigned *t_out, sb_error *err);
/* The design: hash matrices from `design_seed` (independent of b, so the design at
 * b is nested in the one at any larger b), delays from the BCH code.
 * Caller frees with sb_spex_design_free. */
sb_spex_design *sb_spex_design_alloc(size_t n, unsigned t, unsigned C, unsigned b,
                                     uint64_t design_seed, sb_error *err);
void sb_spex_design_free(sb_spex_design *d);
/* The query masks in sample-layout order (samples masks; ∅ repeats once per group).
 * One block of samples·words words: for large n stream them with
 * sb_spex_design_rows instead.  Caller frees with sb_masks_free. */
int sb_spex_design_masks(const sb_spex_design *d, sb_masks **out, sb_error *err);
/* Rows [first, first + count) of the sample layout into out (count·words words);
 * first + count <= samples.  O(count·words): one packed XOR per row. */
void sb_spex_design_rows(const sb_spex_design *d, size_t first, size_t count, uint64_t *out);
/* Bin index of a set k (indices) in group c: M_cᵀk restricted to b bits. */
static inline uint32_t sb_spex_bin_of(const sb_spex_design *d, unsigned c, const size_t *k,
                                      size_t len) {
  uint32_t j = 0;
  for (size_t a = 0; a < len; a++) j ^= d->hash[(size_t)c * d->n + k[a]];
  return j & (((uint32_t)1 << d->b) - 1);
}

/* Per-(group, delay) normalised WHT of the samples into U (C*2^b*P doubles, bin layout). */
int sb_spex_transform(const sb_spex_design *d, const double *values, double *U, sb_error *err);

typedef struct sb_spex_peel_opts {
  int soft;              /* 1: Chase decoding after a failed / unverified hard decode */
  double sigma;          /* noise std (0 = unknown / none) */
  double zero_tol;       /* zeroton: ||U||² <= P (zero_tol + 1.5 σ²/2^b); default 1e-9 */
  double verify_ratio;   /* accept if ||U - ρ s_k||² / ||U||² < verify_ratio; default 0.9 */
  unsigned max_rounds;   /* default 100 */
  int chase_best;        /* 0: first verified Chase candidate (published); 1: the verified
                            candidate with the smallest residual among all patterns */
} sb_spex_peel_opts;

void sb_spex_peel_opts_default(sb_spex_peel_opts *o);

typedef struct sb_spex_peel_stats {
  size_t rounds;        /* peeling rounds run */
  size_t decodes;       /* BCH decodes attempted (Chase patterns included) */
  size_t singletons;    /* singleton detections (all rounds) */
  size_t left_bins;     /* non-zeroton bins left at the end */
} sb_spex_peel_stats;

/* Classification of one bin vector u (P entries) of group c, bin j. */
typedef enum sb_spex_bin_kind { SB_SPEX_ZEROTON = 0, SB_SPEX_SINGLETON, SB_SPEX_MULTITON } sb_spex_bin_kind;

/* Workspace for bin decoding (allocated once per decoder). */
typedef struct sb_spex_bin_ws sb_spex_bin_ws;
sb_spex_bin_ws *sb_spex_bin_ws_alloc(const sb_spex_design *d);
void sb_spex_bin_ws_free(sb_spex_bin_ws *w);
/* Classify bin (c, j) holding u: zeroton test, hard (and, if opts->soft, Chase)
 * decoding, verification.  For a singleton writes k (room for t indices), its length
 * and ρ.  *decodes is incremented by the BCH decodes tried (may be NULL). */
sb_spex_bin_kind sb_spex_bin_classify(const sb_spex_design *d, sb_spex_bin_ws *w, unsigned c,
                                      uint32_t j, const double *u, const sb_spex_peel_opts *o,
                                      size_t *k, size_t *klen, double *rho, size_t *decodes);

/* Peeling decoder on transforms U (modified in place: residuals at the end).
 * Recovered coefficients are added to `out` (Fourier, n features). */
int sb_spex_peel(const sb_spex_design *d, double *U, const sb_spex_peel_opts *o,
                 sb_spectrum *out, sb_spex_peel_stats *stats, sb_error *err);

typedef enum sb_spex_refit_kind {
  SB_SPEX_REFIT_NONE = 0,
  SB_SPEX_REFIT_LASSO,  /* L1, λ by block cross-validation (features: support ∪ ∅ ∪ singletons) */
  SB_SPEX_REFIT_RIDGE,  /* L2, α by block cross-validation (same features) */
  SB_SPEX_REFIT_OLS     /* least squares on support ∪ ∅ only (no singletons added) */
} sb_spex_refit_kind;

typedef struct sb_spex_refit_opts {
  sb_spex_refit_kind kind;
  size_t folds;        /* CV folds over (group, delay) blocks; default 5 */
  size_t n_lambda;     /* path length; default 40 */
  double eps;          /* λ_min / λ_max; default 1e-4 */
  double tol;          /* CD convergence: max coefficient change <= tol·max|Xᵀy|/N; default
                          1e-7 (ols: min(tol, 1e-12)) */
  size_t max_features; /* lasso/ridge columns kept by screening singletons on |Xᵀy|;
                          0 = N/4 */
  size_t patience;     /* stop the path after this many values without CV improvement
                          (0 = run the whole path); default 5 */
} sb_spex_refit_opts;

void sb_spex_refit_opts_default(sb_spex_refit_opts *o);

typedef struct sb_spex_refit_stats {
  size_t features;     /* columns */
  size_t gram_pairs;   /* off-diagonal Gram entries (colliding feature pairs) */
  double penalty;      /* chosen λ or α */
  size_t nonzero;      /* non-zero coefficients in the result */
  size_t screened;     /* singleton columns dropped by screening */
  size_t path_len;     /* path values cross-validated (early stop: < lambdas) */
} sb_spex_refit_stats;

/* Regression on SPEX's own samples through the transforms (no dense design
 * matrix): X^T y and X^T X are assembled from U_orig (the untouched transforms)
 * because within a (group, delay) block the characters are Walsh functions.
 * `support` (Fourier) gives the recovered sets; `values` the samples (for y^T y).
 * On success `support` is replaced by the refitted coefficients. */
int sb_spex_refit(const sb_spex_design *d, const double *U_orig, const double *values,
                  const sb_spex_refit_opts *o, sb_spectrum *support, sb_spex_refit_stats *st,
                  sb_error *err);

#endif
