/* SPEX query design (../shared/design/ALGORITHMS.md §4 "Query design" and "Aliasing").
 *
 * Masks x = M_c ℓ ⊕ d_p for C groups, the P = r + 1 rows of the BCH delay
 * matrix and ℓ ∈ {0,1}^b: N(b) = C·P·2^b samples.  Column bits of M_c are drawn
 * per feature from a generator seeded by (design_seed, group) only, SB_SPEX_MAX_B
 * bits at a time; the design at b uses the low b bits and ℓ < 2^b, so it is a
 * subset of the design at every larger b (nested designs: a sweep over budgets
 * reuses queries through the oracle's cache).  Masks are built incrementally in
 * ℓ order from the mask of ℓ without its lowest set bit: one XOR of a packed
 * column per mask.  The transform is one normalised length-2^b FWHT per
 * (group, delay). */
#include <stdlib.h>
#include <string.h>

#include "core/seed.h"
#include "core/transform.h"
#include "spex/spex.h"

size_t sb_spex_sample_count(size_t n, unsigned t, unsigned C, unsigned b, sb_error *err) {
  sb_bch *c = sb_bch_alloc(n, t, err);
  if (!c) return 0;
  size_t N = (size_t)C * (c->r + 1) << b;
  sb_bch_free(c);
  return N;
}

int sb_spex_budget_to_b(size_t n, size_t budget, unsigned t, unsigned C, unsigned b_max,
                        unsigned *b_out, unsigned *t_out, sb_error *err) {
  if (C < 1) return sb_error_set(err, SB_EINVAL, "spex: C = %u: expected >= 1", C);
  if (t < 1) return sb_error_set(err, SB_EINVAL, "spex: t = %u: expected >= 1", t);
  size_t min_budget = 0;
  unsigned tt = t;
  for (;;) {
    sb_bch *c = sb_bch_alloc(n, tt, err);
    if (!c) return err ? err->code : SB_EINVAL;
    size_t unit = (size_t)C * (c->r + 1);
    sb_bch_free(c);
    unsigned b = 0;
    while (b < b_max && (unit << (b + 1)) <= budget) b++;
    /* b <= 2 is too small: lower t (down to 2) */
    if (b > 2 && (unit << b) <= budget) {
      *b_out = b;
      *t_out = tt;
      return SB_OK;
    }
    min_budget = unit << 3;
    if (tt <= 2) break;
    tt--;
  }
  return sb_error_set(err, SB_ESKIP,
                      "spex: budget %zu is below the minimum of %zu queries for n = %zu "
                      "(C = %u, t = %u, b = 3)",
                      budget, min_budget, n, C, tt);
}

void sb_spex_design_free(sb_spex_design *d) {
  if (!d) return;
  sb_bch_free(d->bch);
  free(d->hash);
  free(d);
}

sb_spex_design *sb_spex_design_alloc(size_t n, unsigned t, unsigned C, unsigned b,
                                     uint64_t design_seed, sb_error *err) {
  if (b < 1 || b > SB_SPEX_MAX_B || C < 1 || n < 1) {
    sb_error_set(err, SB_EINVAL, "spex: b = %u, C = %u, n = %zu: expected 1 <= b <= %d, C >= 1",
                 b, C, n, SB_SPEX_MAX_B);
    return NULL;
  }
  sb_spex_design *d = calloc(1, sizeof *d);
  if (!d) goto nomem;
  d->n = n;
  d->b = b;
  d->t = t;
  d->C = C;
  d->bch = sb_bch_alloc(n, t, err);
  if (!d->bch) {
    sb_spex_design_free(d);
    return NULL;
  }
  d->P = d->bch->r + 1;
  d->samples = (size_t)C * d->P << b;
  d->hash = malloc((size_t)C * n * sizeof *d->hash);
  if (!d->hash) goto nomem;
  for (unsigned c = 0; c < C; c++) {
    gsl_rng *r = sb_rng_alloc(sb_seed_sub(design_seed, "spex-hash", c));
    if (!r) goto nomem;
    for (size_t i = 0; i < n; i++) {
      /* mt19937 gives 32 random bits per call */
      uint32_t h = (uint32_t)gsl_rng_get(r);
      d->hash[(size_t)c * n + i] = h & (((uint32_t)1 << SB_SPEX_MAX_B) - 1);
    }
    gsl_rng_free(r);
  }
  return d;
nomem:
  sb_spex_design_free(d);
  sb_error_set(err, SB_ENOMEM, "spex: out of memory (n = %zu)", n);
  return NULL;
}

int sb_spex_design_masks(const sb_spex_design *d, sb_masks **out, sb_error *err) {
  const size_t n = d->n, words = sb_mask_words(n), L = (size_t)1 << d->b;
  sb_masks *m = sb_masks_alloc(n, d->samples);
  uint64_t *cols = calloc((size_t)d->b * words, sizeof *cols);
  uint64_t *delay = calloc(words, sizeof *delay);
  if (!m || !cols || !delay) {
    sb_masks_free(m);
    free(cols);
    free(delay);
    return sb_error_set(err, SB_ENOMEM, "spex: out of memory for %zu masks of %zu features",
                        d->samples, n);
  }
  const sb_bch *code = d->bch;
  for (unsigned c = 0; c < d->C; c++) {
    memset(cols, 0, (size_t)d->b * words * sizeof *cols);
    for (size_t i = 0; i < n; i++) {
      uint32_t h = d->hash[(size_t)c * n + i];
      for (unsigned q = 0; q < d->b; q++)
        if ((h >> q) & 1u) sb_mask_set(cols + (size_t)q * words, i);
    }
    for (size_t p = 0; p < d->P; p++) {
      memset(delay, 0, words * sizeof *delay);
      if (p > 0)
        for (size_t i = 0; i < n; i++) {
          const uint64_t *par = code->par + i * code->pw;
          if ((par[(p - 1) >> 6] >> ((p - 1) & 63)) & 1u) sb_mask_set(delay, i);
        }
      uint64_t *base = sb_masks_at(m, ((size_t)c * d->P + p) * L);
      memcpy(base, delay, words * sizeof *delay);
      /* mask(ℓ) = mask(ℓ with its lowest set bit cleared) ^ column(lowest bit) */
      for (size_t l = 1; l < L; l++) {
        unsigned q = (unsigned)__builtin_ctzll(l);
        const uint64_t *prev = base + (l & (l - 1)) * words, *col = cols + (size_t)q * words;
        uint64_t *x = base + l * words;
        for (size_t w = 0; w < words; w++) x[w] = prev[w] ^ col[w];
      }
    }
  }
  free(cols);
  free(delay);
  *out = m;
  return SB_OK;
}

int sb_spex_transform(const sb_spex_design *d, const double *values, double *U, sb_error *err) {
  const size_t L = (size_t)1 << d->b, P = d->P;
  double *buf = malloc(L * sizeof *buf);
  if (!buf) return sb_error_set(err, SB_ENOMEM, "spex: out of memory");
  for (unsigned c = 0; c < d->C; c++)
    for (size_t p = 0; p < P; p++) {
      memcpy(buf, values + ((size_t)c * P + p) * L, L * sizeof *buf);
      sb_fwht(buf, d->b, 1, 1);
      double *dst = U + (size_t)c * L * P + p;
      for (size_t j = 0; j < L; j++) dst[j * P] = buf[j];
    }
  free(buf);
  return SB_OK;
}
