/* SPEX query design (../shared/design/ALGORITHMS.md §4 "Query design" and "Aliasing").
 *
 * Masks x = M_c ℓ ⊕ d_p for C groups, the P = r + 1 rows of the BCH delay
 * matrix and ℓ ∈ {0,1}^b: N(b) = C·P·2^b samples.  Column bits of M_c are drawn
 * per feature from a generator seeded by (design_seed, group) only, SB_SPEX_MAX_B
 * bits at a time; the design at b uses the low b bits and ℓ < 2^b, so it is a
 * subset of the design at every larger b (nested designs: a sweep over budgets
 * reuses queries through the oracle's cache).  Rows are built in ℓ order, any
 * range of them at a time (the harness streams them: at n = 65,536 the whole
 * design would be 0.5 GB): with cum_q = column 0 ⊕ … ⊕ column q of M_c,
 * mask(ℓ) = mask(ℓ − 1) ⊕ cum_{ctz ℓ}, one packed XOR per row, and a range
 * starts from mask(ℓ) = d_p ⊕ Σ_{q ∈ gray(ℓ)} cum_q, gray(ℓ) = ℓ ⊕ (ℓ >> 1).  The transform is one normalised length-2^b FWHT per
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
  free(d->cum);
  free(d->delay);
  free(d);
}

/* The packed prefix-XORed columns of every M_c and the delay masks d_p. */
static int design_tables(sb_spex_design *d) {
  const size_t n = d->n, words = sb_mask_words(n), b = d->b;
  d->words = words;
  d->dstride = words + 8;
  d->cum = calloc((size_t)d->C * b * words, sizeof *d->cum);
  d->delay = calloc(d->P * d->dstride, sizeof *d->delay);
  if (!d->cum || !d->delay) return SB_ENOMEM;
  for (unsigned c = 0; c < d->C; c++) {
    uint64_t *cum = d->cum + (size_t)c * b * words;
    for (size_t i = 0; i < n; i++) {
      uint32_t h = d->hash[(size_t)c * n + i];
      for (unsigned q = 0; q < b; q++)
        if ((h >> q) & 1u) sb_mask_set(cum + q * words, i);
    }
    for (size_t q = 1; q < b; q++)
      for (size_t w = 0; w < words; w++) cum[q * words + w] ^= cum[(q - 1) * words + w];
  }
  const sb_bch *code = d->bch;
  for (size_t i = 0; i < n; i++) {
    const uint64_t *par = code->par + i * code->pw;
    for (size_t w = 0; w < code->pw; w++)
      for (uint64_t v = par[w]; v; v &= v - 1)
        sb_mask_set(d->delay + (w * 64 + (size_t)__builtin_ctzll(v) + 1) * d->dstride, i);
  }
  return SB_OK;
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
  if (design_tables(d)) goto nomem;
  return d;
nomem:
  sb_spex_design_free(d);
  sb_error_set(err, SB_ENOMEM, "spex: out of memory (n = %zu)", n);
  return NULL;
}

void sb_spex_design_rows(const sb_spex_design *d, size_t first, size_t count, uint64_t *out) {
  const size_t words = d->words, L = (size_t)1 << d->b;
  for (size_t r = first; r < first + count; r++) {
    const size_t blk = r >> d->b, l = r & (L - 1);
    const uint64_t *cum = d->cum + (blk / d->P) * d->b * words;
    uint64_t *x = out + (r - first) * words;
    if (r == first || l == 0) {
      /* a range or block starts: d_p ⊕ Σ_{q ∈ gray(ℓ)} cum_q */
      memcpy(x, d->delay + (blk % d->P) * d->dstride, words * sizeof *x);
      for (size_t g = l ^ (l >> 1); g; g &= g - 1) {
        const uint64_t *col = cum + (size_t)__builtin_ctzll(g) * words;
        for (size_t w = 0; w < words; w++) x[w] ^= col[w];
      }
    } else {
      const uint64_t *prev = x - words, *col = cum + (size_t)__builtin_ctzll(l) * words;
      for (size_t w = 0; w < words; w++) x[w] = prev[w] ^ col[w];
    }
  }
}

int sb_spex_design_masks(const sb_spex_design *d, sb_masks **out, sb_error *err) {
  sb_masks *m = sb_masks_alloc(d->n, d->samples);
  if (!m)
    return sb_error_set(err, SB_ENOMEM, "spex: out of memory for %zu masks of %zu features",
                        d->samples, d->n);
  sb_spex_design_rows(d, 0, d->samples, m->bits);
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
