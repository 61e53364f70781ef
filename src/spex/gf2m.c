/* GF(2^m) tables for the BCH codes of SPEX (../shared/design/ALGORITHMS.md §4: "BCH decoding ...
 * Chien search over GF(2^m)").  exp/log tables built by repeated multiplication
 * by α modulo a primitive polynomial; the construction verifies primitivity
 * (α must have order exactly 2^m - 1), so a wrong table entry is an error, not a
 * silently broken code. */
#include "spex/gf2m.h"

#include <stdlib.h>

/* Primitive polynomials over GF(2), index = degree (bit m set). */
static const uint32_t prim_polys[SB_GF2M_MAX_M + 1] = {
    0,       0,       0x7,     0xB,     0x13,    0x25,    0x43,     0x89,    0x11D,
    0x211,   0x409,   0x805,   0x1053,  0x201B,  0x4443,  0x8003,   0x1100B, 0x20009,
    0x40081, 0x80027, 0x100009, 0x200005,
};

uint32_t sb_gf2m_primitive_poly(unsigned m) {
  return m <= SB_GF2M_MAX_M ? prim_polys[m] : 0;
}

void sb_gf2m_free(sb_gf2m *f) {
  if (!f) return;
  free(f->exp);
  free(f->log);
  free(f);
}

sb_gf2m *sb_gf2m_alloc(unsigned m, sb_error *err) {
  if (m < 2 || m > SB_GF2M_MAX_M) {
    sb_error_set(err, SB_EINVAL, "GF(2^%u): m must be in 2..%d", m, SB_GF2M_MAX_M);
    return NULL;
  }
  sb_gf2m *f = calloc(1, sizeof *f);
  if (!f) {
    sb_error_set(err, SB_ENOMEM, "GF(2^%u): out of memory", m);
    return NULL;
  }
  f->m = m;
  f->size = (uint32_t)1 << m;
  f->order = f->size - 1;
  f->poly = prim_polys[m];
  f->exp = malloc(2 * (size_t)f->order * sizeof *f->exp);
  f->log = calloc(f->size, sizeof *f->log);
  if (!f->exp || !f->log) {
    sb_gf2m_free(f);
    sb_error_set(err, SB_ENOMEM, "GF(2^%u): out of memory", m);
    return NULL;
  }
  uint32_t x = 1;
  for (uint32_t i = 0; i < f->order; i++) {
    if (i > 0 && x == 1) {
      sb_error_set(err, SB_EINVAL, "GF(2^%u): polynomial 0x%X is not primitive (order %u)", m,
                   f->poly, i);
      sb_gf2m_free(f);
      return NULL;
    }
    f->exp[i] = f->exp[i + f->order] = x;
    f->log[x] = i;
    x <<= 1;
    if (x & f->size) x ^= f->poly;
  }
  if (x != 1) {
    sb_error_set(err, SB_EINVAL, "GF(2^%u): polynomial 0x%X is not primitive", m, f->poly);
    sb_gf2m_free(f);
    return NULL;
  }
  return f;
}
