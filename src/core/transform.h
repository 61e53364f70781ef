/* Exact transforms on dense tables of 2^n values (../shared/design/ALGORITHMS.md §2), n <= 30.
 * Index convention: entry x (0 <= x < 2^n) is the mask whose bit i is feature i. */
#ifndef SB_TRANSFORM_H
#define SB_TRANSFORM_H

#include <stddef.h>

#include "core/error.h"
#include "core/spectrum.h"

#define SB_TRANSFORM_MAX_N 30

/* In-place fast Walsh–Hadamard transform: butterflies (u,v) -> (u+v, u-v) over
 * every bit; if `normalize`, divide by 2^n, giving F(k) = 2^-n Σ_x f(x)(-1)^{<k,x>}.
 * Applying it unnormalised to F gives back f.  Uses `threads` OpenMP threads
 * (0 = OpenMP default).  SB_EINVAL if n > 30. */
int sb_fwht(double *a, unsigned n, int normalize, int threads);
/* In-place fast Möbius transform f -> a (a[x] -= a[x ^ bit] for x with bit set). */
int sb_fmt_mobius(double *a, unsigned n);
/* Inverse (zeta) transform a -> f (a[x] += a[x ^ bit]). */
int sb_fmt_zeta(double *a, unsigned n);
/* Spectrum holding the entries of a dense coefficient table with |a[x]| > tol.
 * Caller frees. */
sb_spectrum *sb_spectrum_from_dense(const double *a, unsigned n, sb_basis basis, double tol,
                                    sb_error *err);
/* Dense table (2^n entries, zero-filled then written) from a spectrum; n <= 30. */
int sb_spectrum_to_dense(const sb_spectrum *s, double *a, sb_error *err);

#endif
