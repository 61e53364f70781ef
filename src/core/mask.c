/* Packed-bitset masks and mask batches (see mask.h for the layout). */
#include "core/mask.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static inline uint64_t last_word_mask(size_t n) {
  return (n & 63) ? (((uint64_t)1 << (n & 63)) - 1) : ~(uint64_t)0;
}

void sb_mask_fill(uint64_t *m, size_t n) {
  size_t words = sb_mask_words(n);
  for (size_t w = 0; w < words; w++) m[w] = ~(uint64_t)0;
  if (words) m[words - 1] &= last_word_mask(n);
}

void sb_mask_complement(uint64_t *m, size_t n) {
  size_t words = sb_mask_words(n);
  for (size_t w = 0; w < words; w++) m[w] = ~m[w];
  if (words) m[words - 1] &= last_word_mask(n);
}

void sb_mask_random(uint64_t *m, size_t n, const gsl_rng *r) {
  size_t words = sb_mask_words(n);
  int fast32 = gsl_rng_min(r) == 0 && gsl_rng_max(r) == 0xffffffffUL;
  for (size_t w = 0; w < words; w++) {
    uint64_t v;
    if (fast32) {
      v = (uint64_t)gsl_rng_get(r);
      v |= (uint64_t)gsl_rng_get(r) << 32;
    } else {
      v = 0;
      for (int i = 0; i < 64; i++) v |= (uint64_t)gsl_rng_uniform_int(r, 2) << i;
    }
    m[w] = v;
  }
  if (words) m[words - 1] &= last_word_mask(n);
}

void sb_mask_random_size(uint64_t *m, size_t n, size_t size, const gsl_rng *r) {
  size_t words = sb_mask_words(n);
  memset(m, 0, words * sizeof *m);
  if (size > n) size = n;
  /* Floyd: for j = n-size .. n-1 pick t in [0, j]; add t or j if t present. */
  for (size_t j = n - size; j < n; j++) {
    size_t t = (size_t)gsl_rng_uniform_int(r, (unsigned long)(j + 1));
    if (sb_mask_get(m, t)) sb_mask_set(m, j);
    else sb_mask_set(m, t);
  }
}

static inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t sb_mask_hash(const uint64_t *m, size_t words, uint64_t seed) {
  uint64_t h = mix64(seed ^ 0x9e3779b97f4a7c15ULL);
  for (size_t w = 0; w < words; w++) h = mix64(h ^ (m[w] + 0x9e3779b97f4a7c15ULL * (w + 1)));
  return h;
}

/* MurmurHash3's fmix64: a second bijective mixer, independent of mix64's constants. */
static inline uint64_t fmix64(uint64_t z) {
  z = (z ^ (z >> 33)) * 0xff51afd7ed558ccdULL;
  z = (z ^ (z >> 33)) * 0xc4ceb9fe1a85ec53ULL;
  return z ^ (z >> 33);
}

/* NH keys (UMAC, Black et al. 1999): one 64-bit key per mask word, and two more
 * for the Toeplitz shift; fixed pseudo-random values, built once. */
#define FP_KEYS ((size_t)SB_MAX_N / 64 + 4)
static uint64_t fp_keys[FP_KEYS];
static pthread_once_t fp_once = PTHREAD_ONCE_INIT;
static void fp_keys_init(void) {
  for (size_t i = 0; i < FP_KEYS; i++) fp_keys[i] = mix64(0x243f6a8885a308d3ULL + i);
}

void sb_mask_fingerprint(const uint64_t *m, size_t words, uint64_t fp[2]) {
  pthread_once(&fp_once, fp_keys_init);
  /* NH: Σ_j (x_2j + k_2j)(x_2j+1 + k_2j+1) mod 2^128, once with keys k and once
   * with k shifted by two words; two accumulators per pass for throughput */
  typedef unsigned __int128 u128;
  const uint64_t *k = fp_keys;
  u128 a0 = 0, a1 = 0, b0 = 0, b1 = 0;
  size_t w = 0;
  for (; w + 4 <= words; w += 4) {
    a0 += (u128)(m[w] + k[w]) * (m[w + 1] + k[w + 1]);
    b0 += (u128)(m[w] + k[w + 2]) * (m[w + 1] + k[w + 3]);
    a1 += (u128)(m[w + 2] + k[w + 2]) * (m[w + 3] + k[w + 3]);
    b1 += (u128)(m[w + 2] + k[w + 4]) * (m[w + 3] + k[w + 5]);
  }
  for (; w < words; w += 2) {
    uint64_t x0 = m[w], x1 = w + 1 < words ? m[w + 1] : 0;
    a0 += (u128)(x0 + k[w]) * (x1 + k[w + 1]);
    b0 += (u128)(x0 + k[w + 2]) * (x1 + k[w + 3]);
  }
  u128 a = a0 + a1, b = b0 + b1;
  /* 128 -> 64 bits per pass, with different mixers */
  fp[0] = mix64((uint64_t)a ^ mix64((uint64_t)(a >> 64) ^ words));
  fp[1] = fmix64((uint64_t)b ^ fmix64((uint64_t)(b >> 64) ^ ~(uint64_t)words));
}

size_t sb_mask_indices(const uint64_t *m, size_t words, size_t *out) {
  size_t c = 0;
  for (size_t w = 0; w < words; w++) {
    uint64_t v = m[w];
    while (v) {
      out[c++] = w * 64 + (size_t)__builtin_ctzll(v);
      v &= v - 1;
    }
  }
  return c;
}

void sb_mask_to_string(const uint64_t *m, size_t n, char *buf) {
  for (size_t i = 0; i < n; i++) buf[i] = sb_mask_get(m, i) ? '1' : '0';
  buf[n] = '\0';
}

int sb_mask_from_string(uint64_t *m, size_t n, const char *s, size_t len, sb_error *err) {
  if (len != n)
    return sb_error_set(err, SB_EFORMAT, "expected %zu mask characters, got %zu", n, len);
  memset(m, 0, sb_mask_words(n) * sizeof *m);
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '1') sb_mask_set(m, i);
    else if (s[i] != '0')
      return sb_error_set(err, SB_EFORMAT,
                          "mask character %zu is '%c', expected '0' or '1'", i + 1,
                          (s[i] >= 32 && s[i] < 127) ? s[i] : '?');
  }
  return SB_OK;
}

sb_masks *sb_masks_alloc(size_t n, size_t count) {
  sb_masks *b = calloc(1, sizeof *b);
  if (!b) return NULL;
  b->n = n;
  b->words = sb_mask_words(n);
  if (b->words == 0) b->words = 1; /* n = 0 never used, but keep arithmetic sane */
  b->cap = count ? count : 16;
  b->bits = calloc(b->cap * b->words, sizeof *b->bits);
  if (!b->bits) {
    free(b);
    return NULL;
  }
  b->count = count;
  return b;
}

void sb_masks_free(sb_masks *b) {
  if (!b) return;
  free(b->bits);
  free(b);
}

int sb_masks_reserve(sb_masks *b, size_t cap) {
  if (cap <= b->cap) return SB_OK;
  uint64_t *nb = realloc(b->bits, cap * b->words * sizeof *nb);
  if (!nb) return SB_ENOMEM;
  memset(nb + b->cap * b->words, 0, (cap - b->cap) * b->words * sizeof *nb);
  b->bits = nb;
  b->cap = cap;
  return SB_OK;
}

uint64_t *sb_masks_push_zero(sb_masks *b) {
  if (b->count == b->cap && sb_masks_reserve(b, b->cap * 2 + 16) != SB_OK) return NULL;
  uint64_t *m = sb_masks_at(b, b->count++);
  memset(m, 0, b->words * sizeof *m);
  return m;
}

int sb_masks_push(sb_masks *b, const uint64_t *mask) {
  uint64_t *m = sb_masks_push_zero(b);
  if (!m) return SB_ENOMEM;
  memcpy(m, mask, b->words * sizeof *m);
  return SB_OK;
}
