/* Masks as packed bitsets.
 *
 * A mask x ∈ {0,1}^n (x_i = 1 keeps feature i) is stored in sb_mask_words(n)
 * 64-bit words, bit i of the mask at word i/64, bit i%64.  Bits at positions
 * >= n are always zero (every function here keeps that invariant), so masks can
 * be compared and hashed word by word.  A set S ⊆ [n] uses the same layout.
 * A batch of masks (sb_masks) is one contiguous block, mask j at bits + j*words. */
#ifndef SB_MASK_H
#define SB_MASK_H

#include <gsl/gsl_rng.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* The one limit on the number of features, 2^20 (a mask is then 128 KiB); every
 * reader, family and check refers to this. */
#define SB_MAX_N (1 << 20)

static inline size_t sb_mask_words(size_t n) { return (n + 63) / 64; }

static inline int sb_mask_get(const uint64_t *m, size_t i) {
  return (int)((m[i >> 6] >> (i & 63)) & 1u);
}
static inline void sb_mask_set(uint64_t *m, size_t i) { m[i >> 6] |= (uint64_t)1 << (i & 63); }
static inline void sb_mask_clear(uint64_t *m, size_t i) {
  m[i >> 6] &= ~((uint64_t)1 << (i & 63));
}
static inline void sb_mask_flip(uint64_t *m, size_t i) { m[i >> 6] ^= (uint64_t)1 << (i & 63); }

/* Parity (0/1) of popcount(a & b): the sign exponent of a Walsh character. */
static inline int sb_mask_parity_and(const uint64_t *a, const uint64_t *b, size_t words) {
  uint64_t acc = 0;
  for (size_t w = 0; w < words; w++) acc ^= a[w] & b[w];
  return __builtin_parityll(acc);
}
/* 1 if a ⊆ b. */
static inline int sb_mask_subset(const uint64_t *a, const uint64_t *b, size_t words) {
  for (size_t w = 0; w < words; w++)
    if (a[w] & ~b[w]) return 0;
  return 1;
}
static inline size_t sb_mask_popcount(const uint64_t *m, size_t words) {
  size_t c = 0;
  for (size_t w = 0; w < words; w++) c += (size_t)__builtin_popcountll(m[w]);
  return c;
}
static inline int sb_mask_equal(const uint64_t *a, const uint64_t *b, size_t words) {
  for (size_t w = 0; w < words; w++)
    if (a[w] != b[w]) return 0;
  return 1;
}
static inline int sb_mask_is_empty(const uint64_t *m, size_t words) {
  for (size_t w = 0; w < words; w++)
    if (m[w]) return 0;
  return 1;
}

/* Set all n bits (padding stays zero). */
void sb_mask_fill(uint64_t *m, size_t n);
/* Complement within [n]. */
void sb_mask_complement(uint64_t *m, size_t n);
/* i.i.d. fair bits from r (padding zero). */
void sb_mask_random(uint64_t *m, size_t n, const gsl_rng *r);
/* A uniformly random subset of exactly `size` features (Floyd's algorithm). */
void sb_mask_random_size(uint64_t *m, size_t n, size_t size, const gsl_rng *r);
/* 64-bit hash of a mask with a seed (well mixed; used for caches and noise). */
uint64_t sb_mask_hash(const uint64_t *m, size_t words, uint64_t seed);
/* A 128-bit fingerprint of a mask: two NH hashes (UMAC's, keys shifted Toeplitz-wise
 * by two words) of its words, each folded to 64 bits by a different mixer.  NH is
 * 2^-64-almost-universal, the shifted pair 2^-128; with the folds, two distinct
 * masks share a fingerprint with probability about 2^-126 (the keys are fixed
 * pseudo-random values, not secret: this is for masks an algorithm chose, not an
 * adversary's).  About one multiply per word.  Used where storing whole large
 * masks costs too much (the oracle's cache above 1,024 features). */
void sb_mask_fingerprint(const uint64_t *m, size_t words, uint64_t fp[2]);
/* Indices of set bits, ascending; returns the count (out must hold popcount). */
size_t sb_mask_indices(const uint64_t *m, size_t words, size_t *out);
/* Mask as a string of n '0'/'1' characters (feature 0 first); buf holds n+1. */
void sb_mask_to_string(const uint64_t *m, size_t n, char *buf);
/* Parse n '0'/'1' characters; SB_EFORMAT with a message on anything else. */
int sb_mask_from_string(uint64_t *m, size_t n, const char *s, size_t len, sb_error *err);
/* Low 64 bits as an integer index (bit i = feature i); for dense tables, n <= 63. */
static inline uint64_t sb_mask_to_index(const uint64_t *m) { return m[0]; }

/* ---- batches ---------------------------------------------------------- */

typedef struct sb_masks {
  size_t n;       /* features per mask */
  size_t words;   /* sb_mask_words(n) */
  size_t count;   /* masks in the batch */
  size_t cap;     /* capacity in masks */
  uint64_t *bits; /* count*words words, mask j at bits + j*words */
} sb_masks;

/* A batch of `count` all-zero masks (count may be 0).  Caller frees with sb_masks_free. */
sb_masks *sb_masks_alloc(size_t n, size_t count);
void sb_masks_free(sb_masks *b);
static inline uint64_t *sb_masks_at(const sb_masks *b, size_t j) { return b->bits + j * b->words; }
/* Append one mask (copied); returns SB_OK or SB_ENOMEM. */
int sb_masks_push(sb_masks *b, const uint64_t *mask);
/* Append a new all-zero mask and return a pointer to it (NULL on ENOMEM). */
uint64_t *sb_masks_push_zero(sb_masks *b);
/* Ensure capacity for `cap` masks. */
int sb_masks_reserve(sb_masks *b, size_t cap);

#endif
