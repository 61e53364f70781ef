/* Sparse spectra: coefficients keyed by their set, in the Fourier (Walsh) or the
 * Möbius (unanimity) basis (../shared/design/ALGORITHMS.md §1).
 *
 *   Fourier:  f(x) = Σ_k F(k) (-1)^{<k,x>}
 *   Möbius:   f(x) = Σ_{S ⊆ supp(x)} a(S)
 *
 * Terms live in insertion order in two parallel arrays (keys: count*words words,
 * values: count doubles) with a mask map (core/maskmap.h) indexing the keys, so
 * lookups are O(1) and iteration is a plain loop over i < sb_spectrum_size(). */
#ifndef SB_SPECTRUM_H
#define SB_SPECTRUM_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/mask.h"
#include "core/maskmap.h"

typedef enum sb_basis { SB_BASIS_FOURIER = 0, SB_BASIS_MOBIUS = 1 } sb_basis;

typedef struct sb_spectrum {
  sb_basis basis;
  size_t n;       /* number of features */
  size_t words;   /* sb_mask_words(n) */
  size_t count;   /* number of terms */
  size_t cap;     /* capacity in terms */
  uint64_t *keys; /* count*words words: the set of term i at keys + i*words */
  double *values; /* count coefficients */
  sb_maskmap index; /* set -> term index over keys */
} sb_spectrum;

/* Empty spectrum.  Caller frees with sb_spectrum_free.  NULL on ENOMEM or n == 0. */
sb_spectrum *sb_spectrum_alloc(sb_basis basis, size_t n);
void sb_spectrum_free(sb_spectrum *s);
sb_spectrum *sb_spectrum_clone(const sb_spectrum *s);
const char *sb_basis_name(sb_basis b); /* "fourier" / "mobius" */

static inline size_t sb_spectrum_size(const sb_spectrum *s) { return s->count; }
static inline const uint64_t *sb_spectrum_key(const sb_spectrum *s, size_t i) {
  return s->keys + i * s->words;
}
static inline size_t sb_spectrum_degree(const sb_spectrum *s, size_t i) {
  return sb_mask_popcount(sb_spectrum_key(s, i), s->words);
}

/* Index of the term with this set, or -1. */
long sb_spectrum_find(const sb_spectrum *s, const uint64_t *set);
/* Coefficient of a set (0 if absent). */
double sb_spectrum_get(const sb_spectrum *s, const uint64_t *set);
/* Add `value` to the coefficient of `set` (creating the term).  SB_OK / SB_ENOMEM. */
int sb_spectrum_add(sb_spectrum *s, const uint64_t *set, double value);
/* Overwrite the coefficient of `set` (creating the term). */
int sb_spectrum_put(sb_spectrum *s, const uint64_t *set, double value);
/* Same, with the set given as a list of feature indices (each < n). */
int sb_spectrum_add_indices(sb_spectrum *s, const size_t *idx, size_t len, double value);
/* Drop terms with |value| <= tol (keeps order of the rest). */
void sb_spectrum_prune(sb_spectrum *s, double tol);
/* Drop all terms. */
void sb_spectrum_reset(sb_spectrum *s);
/* Multiply all coefficients by c. */
void sb_spectrum_scale(sb_spectrum *s, double c);
/* Add c times every term of `other` (same basis and n). */
int sb_spectrum_axpy(sb_spectrum *s, double c, const sb_spectrum *other);
/* Highest degree among the terms (0 if empty). */
size_t sb_spectrum_max_degree(const sb_spectrum *s);

/* ---- evaluation ------------------------------------------------------- */

double sb_spectrum_eval(const sb_spectrum *s, const uint64_t *mask);
/* out[j] = f(mask j); parallel over masks with OpenMP. */
void sb_spectrum_eval_batch(const sb_spectrum *s, const sb_masks *masks, double *out);

/* ---- conversions (../shared/design/ALGORITHMS.md §1) ----------------------------------- */

/* New spectrum in the other basis.  A degree-d term spreads over 2^d terms; fails
 * with SB_ERANGE-like SB_EINVAL when a term has degree > max_degree_expand (default 30)
 * or the output would exceed `max_terms` (0 = 1<<26).  Exact zeros are dropped. */
sb_spectrum *sb_spectrum_to_mobius(const sb_spectrum *fourier, size_t max_terms, sb_error *err);
sb_spectrum *sb_spectrum_to_fourier(const sb_spectrum *mobius, size_t max_terms, sb_error *err);
/* Convert to `basis` (a clone if already there). */
sb_spectrum *sb_spectrum_convert(const sb_spectrum *s, sb_basis basis, size_t max_terms,
                                 sb_error *err);

/* ---- summaries -------------------------------------------------------- */

/* Indices of the k largest |values| (ties by insertion order), descending.
 * include_empty = 0 skips the ∅ term.  Returns the number written (<= k). */
size_t sb_spectrum_topk(const sb_spectrum *s, size_t k, int include_empty, size_t *idx_out);
/* hist[d] += energy (sum of squares) or count of terms of degree d, for d <= maxdeg
 * (higher degrees are added to hist[maxdeg]).  hist must hold maxdeg+1 zeros. */
void sb_spectrum_degree_energy(const sb_spectrum *s, double *hist, size_t maxdeg);
void sb_spectrum_degree_counts(const sb_spectrum *s, size_t *hist, size_t maxdeg);
/* Σ value² over terms, optionally excluding ∅. */
double sb_spectrum_energy(const sb_spectrum *s, int include_empty);

/* ---- JSON ------------------------------------------------------------- */
/* {"basis": "fourier", "n": N, "terms": [{"set": [0, 3], "value": v}, ...]} */
json_t *sb_spectrum_to_json(const sb_spectrum *s);
/* `where` names the source in error messages (a file name). */
sb_spectrum *sb_spectrum_from_json(const json_t *j, const char *where, sb_error *err);
/* Atomic write (temp file + rename). */
int sb_spectrum_write_json(const sb_spectrum *s, const char *path, sb_error *err);
sb_spectrum *sb_spectrum_read_json(const char *path, sb_error *err);

#endif
