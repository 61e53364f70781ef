/* spexbench public API: sparse spectra (ALGORITHMS.md §1).
 *
 * A spectrum is a sparse set of coefficients keyed by sets S ⊆ {0..n-1}, in
 * one of two bases:
 *   Fourier:  f(x) = Σ_S F(S) (-1)^{|S ∩ x|}
 *   Möbius:   f(x) = Σ_{S ⊆ x} a(S)
 * Every algorithm returns its surrogate of the model as a spectrum; so does
 * spexbench_index (as a plain set → value map, see spexbench/indices.h).
 * Terms keep their insertion order; term i is addressed by 0 <= i < size. */
#ifndef SPEXBENCH_SPECTRUM_H
#define SPEXBENCH_SPECTRUM_H

#include "spexbench/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct spexbench_spectrum spexbench_spectrum;

typedef enum spexbench_basis {
  SPEXBENCH_FOURIER = 0,
  SPEXBENCH_MOBIUS = 1
} spexbench_basis;

/* An empty spectrum over n features (1 <= n <= 65536).  Caller frees with
 * spexbench_spectrum_free. */
SPEXBENCH_API int spexbench_spectrum_new(spexbench_basis basis, size_t n,
                                         spexbench_spectrum **out, spexbench_error *err);
/* A spectrum from `count` terms: the sets packed as masks (count * words
 * words, see common.h) and their values; a set given twice adds up.  Caller
 * frees with spexbench_spectrum_free. */
SPEXBENCH_API int spexbench_spectrum_from_arrays(spexbench_basis basis, size_t n, size_t count,
                                                 const uint64_t *sets, const double *values,
                                                 spexbench_spectrum **out, spexbench_error *err);
/* A deep copy.  Caller frees with spexbench_spectrum_free. */
SPEXBENCH_API int spexbench_spectrum_clone(const spexbench_spectrum *s, spexbench_spectrum **out,
                                           spexbench_error *err);
SPEXBENCH_API void spexbench_spectrum_free(spexbench_spectrum *s);

SPEXBENCH_API spexbench_basis spexbench_spectrum_basis(const spexbench_spectrum *s);
SPEXBENCH_API size_t spexbench_spectrum_n(const spexbench_spectrum *s);
/* Number of terms. */
SPEXBENCH_API size_t spexbench_spectrum_size(const spexbench_spectrum *s);

/* Term i (< size): writes its members (ascending feature indices) into
 * members[0..cap) and its value into *value (either may be NULL); returns the
 * term's degree |S|, which may exceed cap (then only cap members are written). */
SPEXBENCH_API size_t spexbench_spectrum_term(const spexbench_spectrum *s, size_t i,
                                             size_t *members, size_t cap, double *value);
/* Copy every term out: sets as packed masks into sets[0 .. size*words) and the
 * values into values[0 .. size); either may be NULL.  Buffers are the caller's. */
SPEXBENCH_API void spexbench_spectrum_export(const spexbench_spectrum *s, uint64_t *sets,
                                             double *values);
/* Coefficient of the set {members[0..len)} (0 when absent or a member is >= n). */
SPEXBENCH_API double spexbench_spectrum_get(const spexbench_spectrum *s, const size_t *members,
                                            size_t len);
/* Set the coefficient of {members[0..len)} (creating the term).  SPEXBENCH_EINVAL
 * when a member is >= n. */
SPEXBENCH_API int spexbench_spectrum_set(spexbench_spectrum *s, const size_t *members, size_t len,
                                         double value, spexbench_error *err);

/* values[j] = the spectrum's function at mask j, for `count` packed masks
 * (count * words words).  Parallel over masks (OpenMP). */
SPEXBENCH_API int spexbench_spectrum_eval(const spexbench_spectrum *s, const uint64_t *masks,
                                          size_t count, double *values, spexbench_error *err);

/* The k terms of largest |value|, descending (ties by insertion order), as term
 * indices into terms_out[0..k); include_empty = 0 skips the ∅ term.  Returns
 * how many were written (<= k). */
SPEXBENCH_API size_t spexbench_spectrum_top(const spexbench_spectrum *s, size_t k,
                                            int include_empty, size_t *terms_out);

/* The same function in `basis` (exact; a copy when already there).  A degree-d
 * term spreads over 2^d terms: SPEXBENCH_EINVAL when a term has degree > 30 or
 * the result would exceed max_terms (0 = 2^26).  Caller frees the result with
 * spexbench_spectrum_free. */
SPEXBENCH_API int spexbench_spectrum_convert(const spexbench_spectrum *s, spexbench_basis basis,
                                             size_t max_terms, spexbench_spectrum **out,
                                             spexbench_error *err);

/* JSON text {"basis": "fourier", "n": N, "terms": [{"set": [0, 3], "value": v}, ...]}
 * (the format of `spexbench fit --coefficients`).  *json_out: caller frees with
 * spexbench_free. */
SPEXBENCH_API int spexbench_spectrum_to_json(const spexbench_spectrum *s, char **json_out,
                                             spexbench_error *err);
/* Parse that text; errors name the term and field.  Caller frees with
 * spexbench_spectrum_free. */
SPEXBENCH_API int spexbench_spectrum_from_json(const char *json, spexbench_spectrum **out,
                                               spexbench_error *err);
/* Write the JSON to `path` atomically (temp file + rename). */
SPEXBENCH_API int spexbench_spectrum_write(const spexbench_spectrum *s, const char *path,
                                           spexbench_error *err);
/* Read a JSON spectrum file; errors name the file.  Caller frees with
 * spexbench_spectrum_free. */
SPEXBENCH_API int spexbench_spectrum_read(const char *path, spexbench_spectrum **out,
                                          spexbench_error *err);

#ifdef __cplusplus
}
#endif

#endif
