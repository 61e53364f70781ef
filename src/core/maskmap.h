/* The mask map: the library's one hash index over masks and sets.
 *
 * Every module that needs "which row holds this mask?" keeps its keys where it
 * already keeps them — one contiguous block, key i at keys + i*words (a
 * spectrum's terms, a trace's records, the oracle's cache, a batch of masks) —
 * and puts an sb_maskmap beside them.  The map stores only key indices (an
 * open-addressing table of index + 1, linear probing, at most half full), so a
 * key is never copied twice and the owner's arrays stay a plain insertion-ordered
 * loop.  The value of a key is its index: the owner keeps values (a coefficient,
 * an answer, a weight) in arrays of its own indexed the same way.
 *
 * The key block may move (realloc) between calls: every call that reads keys
 * takes the block's current address.  All keys of one map have `words` words, and
 * their padding bits must be zero (core/mask.h keeps that invariant), so equal
 * sets are equal words.  Hashing: sb_mix64 (core/seed.h) folded over the words.
 * Lookups and iteration do not depend on the hash: nothing iterates the table,
 * so changing the hash never changes a result.
 *
 *   sb_maskmap map;
 *   sb_maskmap_init(&map, words, expected);
 *   long i = sb_maskmap_find_or_add(&map, keys, key, count);
 *   if (i == (long)count) { copy key to keys + count*words; count++; }  // new
 *   ...
 *   sb_maskmap_release(&map);
 *
 * Not thread-safe for writers; concurrent sb_maskmap_find calls are fine. */
#ifndef SB_MASKMAP_H
#define SB_MASKMAP_H

#include <stddef.h>
#include <stdint.h>

#include "core/mask.h"

typedef struct sb_maskmap {
  size_t words;  /* 64-bit words per key */
  size_t count;  /* keys indexed */
  size_t nslots; /* table size: 0 or a power of two >= 2 * count */
  size_t *slots; /* key index + 1; 0 = empty (owned) */
} sb_maskmap;

/* An empty map for keys of `words` words, sized for `expected` keys without
 * growing.  SB_OK or SB_ENOMEM (then the map is released and still usable: it
 * grows on the first insert).  Release with sb_maskmap_release. */
int sb_maskmap_init(sb_maskmap *m, size_t words, size_t expected);
/* Free the table; the map is then empty (words kept).  A zeroed map is a no-op. */
void sb_maskmap_release(sb_maskmap *m);
/* Deep copy (dst must not hold a table: init'd-and-released or zeroed).
 * SB_OK or SB_ENOMEM (dst then empty). */
int sb_maskmap_copy(sb_maskmap *dst, const sb_maskmap *src);
/* Forget every key, keep the table's memory. */
void sb_maskmap_reset(sb_maskmap *m);
/* Make room for `count` keys in all without further allocation, so that the
 * next inserts up to that count cannot fail.  SB_OK or SB_ENOMEM (unchanged). */
int sb_maskmap_reserve(sb_maskmap *m, const uint64_t *keys, size_t count);

/* Index of the key equal to `key` (which need not lie in the block), or -1. */
long sb_maskmap_find(const sb_maskmap *m, const uint64_t *keys, const uint64_t *key);
/* The index of a key equal to `key` if one is indexed; otherwise index `key` under
 * `next` and return `next`.  The caller must then hold the key at keys + next*words
 * before the map is used again (it may already be there: a batch row).  -1 on
 * ENOMEM (the map is unchanged). */
long sb_maskmap_find_or_add(sb_maskmap *m, const uint64_t *keys, const uint64_t *key,
                            size_t next);
/* Batch convenience: row j of b (find_or_add of the row itself, next = j). */
long sb_maskmap_add_row(sb_maskmap *m, const sb_masks *b, size_t j);
/* Re-index keys 0..count-1 of the block from scratch (after the owner dropped or
 * compacted keys).  The keys must be distinct.  SB_OK or SB_ENOMEM (only when the
 * table must grow; the map is then empty). */
int sb_maskmap_rebuild(sb_maskmap *m, const uint64_t *keys, size_t count);

#endif
