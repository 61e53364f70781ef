/* Arithmetic in the finite field GF(2^m), 2 <= m <= SB_GF2M_MAX_M, for the BCH
 * codes of SPEX (../shared/design/ALGORITHMS.md §4).  Elements are integers < 2^m in the
 * polynomial basis over a fixed primitive polynomial; α = 2 is primitive.
 * Multiplication and inversion go through log / antilog tables. */
#ifndef SB_GF2M_H
#define SB_GF2M_H

#include <stdint.h>

#include "core/error.h"

#define SB_GF2M_MAX_M 21 /* m = 21 covers n = 2^20 = SB_MAX_N at any t <= SB_BCH_MAX_T */

typedef struct sb_gf2m {
  unsigned m;        /* field degree */
  uint32_t size;     /* 2^m */
  uint32_t order;    /* 2^m - 1: order of α */
  uint32_t poly;     /* primitive polynomial (bit m set) */
  uint32_t *exp;     /* exp[i] = α^i for 0 <= i < 2*order (doubled: no reduction in mul) */
  uint32_t *log;     /* log[x] for x != 0 (log[0] unused) */
} sb_gf2m;

/* Build the tables for GF(2^m).  Fails (SB_EINVAL) if m is out of range or the
 * built-in polynomial is not primitive.  Caller frees with sb_gf2m_free. */
sb_gf2m *sb_gf2m_alloc(unsigned m, sb_error *err);
void sb_gf2m_free(sb_gf2m *f);
/* The built-in primitive polynomial for degree m (0 if none). */
uint32_t sb_gf2m_primitive_poly(unsigned m);

static inline uint32_t sb_gf2m_mul(const sb_gf2m *f, uint32_t a, uint32_t b) {
  if (!a || !b) return 0;
  return f->exp[f->log[a] + f->log[b]];
}
/* a^-1 for a != 0. */
static inline uint32_t sb_gf2m_inv(const sb_gf2m *f, uint32_t a) {
  return f->exp[(f->order - f->log[a]) % f->order];
}
/* α^e for any integer e (reduced mod order). */
static inline uint32_t sb_gf2m_alpha_pow(const sb_gf2m *f, long long e) {
  long long r = e % (long long)f->order;
  if (r < 0) r += f->order;
  return f->exp[r];
}

#endif
