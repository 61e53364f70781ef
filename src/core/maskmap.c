/* The mask map (see maskmap.h): open addressing with linear probing over a
 * power-of-two table of key indices, kept at most half full.  The table grows by
 * doubling; a grown table is filled from the old one (every occupied slot's key
 * rehashed), so indices need not be dense — a batch may hold repeats the map
 * never indexed.  No deletion: owners that drop keys (a rolled-back oracle
 * batch, a truncated trace, a pruned spectrum) rebuild from their key block. */
#include "core/maskmap.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/seed.h"

#define MIN_SLOTS 16

static inline uint64_t key_hash(const uint64_t *key, size_t words) {
  uint64_t h = 0;
  for (size_t w = 0; w < words; w++) h = sb_mix64(h ^ key[w]);
  return h;
}

static inline int key_equal(const uint64_t *a, const uint64_t *b, size_t words) {
  if (a[0] != b[0]) return 0;
  for (size_t w = 1; w < words; w++)
    if (a[w] != b[w]) return 0;
  return 1;
}

/* Smallest power-of-two table (>= MIN_SLOTS) holding `count` keys at most half full. */
static size_t slots_for(size_t count) {
  size_t ns = MIN_SLOTS;
  while (ns < 2 * count) ns *= 2;
  return ns;
}

/* First empty slot on key's probe sequence (the key is known to be absent). */
static size_t empty_slot(const size_t *slots, size_t nslots, uint64_t h) {
  size_t mask = nslots - 1, s = (size_t)h & mask;
  while (slots[s]) s = (s + 1) & mask;
  return s;
}

/* Move every indexed key into a fresh table of `nslots` slots. */
static int regrow(sb_maskmap *m, const uint64_t *keys, size_t nslots) {
  size_t *fresh = calloc(nslots, sizeof *fresh);
  if (!fresh) return SB_ENOMEM;
  for (size_t s = 0; s < m->nslots; s++) {
    size_t t = m->slots[s];
    if (t) fresh[empty_slot(fresh, nslots, key_hash(keys + (t - 1) * m->words, m->words))] = t;
  }
  free(m->slots);
  m->slots = fresh;
  m->nslots = nslots;
  return SB_OK;
}

int sb_maskmap_init(sb_maskmap *m, size_t words, size_t expected) {
  memset(m, 0, sizeof *m);
  m->words = words;
  size_t ns = slots_for(expected);
  m->slots = calloc(ns, sizeof *m->slots);
  if (!m->slots) return SB_ENOMEM;
  m->nslots = ns;
  return SB_OK;
}

void sb_maskmap_release(sb_maskmap *m) {
  if (!m) return;
  free(m->slots);
  m->slots = NULL;
  m->nslots = 0;
  m->count = 0;
}

int sb_maskmap_copy(sb_maskmap *dst, const sb_maskmap *src) {
  *dst = *src;
  dst->slots = NULL;
  if (!src->nslots) return SB_OK;
  dst->slots = malloc(src->nslots * sizeof *dst->slots);
  if (!dst->slots) {
    dst->nslots = dst->count = 0;
    return SB_ENOMEM;
  }
  memcpy(dst->slots, src->slots, src->nslots * sizeof *dst->slots);
  return SB_OK;
}

void sb_maskmap_reset(sb_maskmap *m) {
  if (m->nslots) memset(m->slots, 0, m->nslots * sizeof *m->slots);
  m->count = 0;
}

int sb_maskmap_reserve(sb_maskmap *m, const uint64_t *keys, size_t count) {
  if (2 * count <= m->nslots) return SB_OK;
  return regrow(m, keys, slots_for(count));
}

long sb_maskmap_find(const sb_maskmap *m, const uint64_t *keys, const uint64_t *key) {
  if (!m->nslots) return -1;
  const size_t words = m->words, mask = m->nslots - 1;
  for (size_t s = (size_t)key_hash(key, words) & mask;; s = (s + 1) & mask) {
    size_t t = m->slots[s];
    if (!t) return -1;
    if (key_equal(keys + (t - 1) * words, key, words)) return (long)(t - 1);
  }
}

long sb_maskmap_find_or_add(sb_maskmap *m, const uint64_t *keys, const uint64_t *key,
                            size_t next) {
  if (2 * (m->count + 1) > m->nslots && regrow(m, keys, slots_for(m->count + 1)))
    return -1;
  const size_t words = m->words, mask = m->nslots - 1;
  size_t s = (size_t)key_hash(key, words) & mask;
  for (;; s = (s + 1) & mask) {
    size_t t = m->slots[s];
    if (!t) break;
    if (key_equal(keys + (t - 1) * words, key, words)) return (long)(t - 1);
  }
  m->slots[s] = next + 1;
  m->count++;
  return (long)next;
}

long sb_maskmap_add_row(sb_maskmap *m, const sb_masks *b, size_t j) {
  return sb_maskmap_find_or_add(m, b->bits, sb_masks_at(b, j), j);
}

int sb_maskmap_rebuild(sb_maskmap *m, const uint64_t *keys, size_t count) {
  if (2 * count > m->nslots) {
    size_t ns = slots_for(count);
    size_t *fresh = calloc(ns, sizeof *fresh);
    if (!fresh) {
      sb_maskmap_reset(m);
      return SB_ENOMEM;
    }
    free(m->slots);
    m->slots = fresh;
    m->nslots = ns;
  } else {
    sb_maskmap_reset(m);
  }
  for (size_t i = 0; i < count; i++)
    m->slots[empty_slot(m->slots, m->nslots, key_hash(keys + i * m->words, m->words))] = i + 1;
  m->count = count;
  return SB_OK;
}
