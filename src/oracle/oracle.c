/* Counting, caching oracle over an evaluation function (see oracle.h).
 * The cache is an arena of masks (in the order first asked) with their answers,
 * indexed by a mask map (core/maskmap.h); for large masks the arena holds their
 * 128-bit fingerprints instead (below).  A batch's new masks are staged at the
 * end of the arena and indexed provisionally, so repeats inside the batch
 * dedupe; if the batch fails (budget, evaluation error) the index is rebuilt
 * from the committed masks. */
#include "oracle/oracle.h"

#include <stdlib.h>
#include <string.h>

#include "core/maskmap.h"
#include "core/timer.h"

struct sb_oracle {
  size_t n, words;
  sb_eval_fn fn;
  void *ctx;
  size_t budget;
  size_t asked;
  double seconds;
  char caller[64];
  /* cache */
  size_t kw;         /* words per key: words, or 2 (fingerprints, see below) */
  size_t count, cap; /* masks stored */
  uint64_t *keys;    /* cap*kw */
  double *values;    /* cap */
  sb_maskmap index;  /* mask -> arena index */
};

/* ---- large masks: fingerprints instead of masks (issue 14 §3) -------------
 * Above SB_ORACLE_FP_WORDS words per mask (n > 1,024 features) the cache keeps
 * sb_mask_fingerprint (128 bits) per distinct mask, not the mask: SPEX at
 * n = 65,536 asks 66,048 masks of 8 KiB, 0.5 GB cached for nothing but
 * deduplication.  A batch's new masks are gathered into one block for evaluation
 * (or evaluated in place when the whole batch is new).
 * Collisions: two distinct masks share a fingerprint with probability about
 * 2^-126 (NH hashing, see core/mask.h), so among D distinct masks the chance of
 * any collision is below D²/2^127 — under 2^-75 for D = 2^26 masks.  A collision
 * would answer one mask with another's value and count the two as one. */
#define SB_ORACLE_FP_WORDS 16

/* The cache key of mask m: m itself, or its fingerprint written to fp. */
static inline const uint64_t *cache_key(const sb_oracle *o, const uint64_t *m, uint64_t fp[2]) {
  if (o->kw == o->words) return m;
  sb_mask_fingerprint(m, o->words, fp);
  return fp;
}

/* Fingerprint mode: the batch's new masks in arena order (arena index base + i is the
 * first j with where[j] == base + i).  Caller frees. */
static uint64_t *gather_fresh(const uint64_t *masks, size_t w, const size_t *where, size_t count,
                              size_t base, size_t fresh) {
  uint64_t *stage = malloc(fresh * w * sizeof *stage);
  if (!stage) return NULL;
  for (size_t j = 0, next = base; j < count && next < base + fresh; j++)
    if (where[j] == next) memcpy(stage + (next++ - base) * w, masks + j * w, w * sizeof *stage);
  return stage;
}

sb_oracle *sb_oracle_alloc(size_t n, sb_eval_fn fn, void *ctx, size_t budget) {
  if (n == 0 || n > SB_MAX_N || !fn) return NULL;
  sb_oracle *o = calloc(1, sizeof *o);
  if (!o) return NULL;
  o->n = n;
  o->words = sb_mask_words(n);
  o->kw = o->words > SB_ORACLE_FP_WORDS ? 2 : o->words;
  o->fn = fn;
  o->ctx = ctx;
  o->budget = budget;
  o->cap = 64;
  o->keys = malloc(o->cap * o->kw * sizeof *o->keys);
  o->values = malloc(o->cap * sizeof *o->values);
  int rc = sb_maskmap_init(&o->index, o->kw, o->cap);
  if (!o->keys || !o->values || rc) {
    sb_oracle_free(o);
    return NULL;
  }
  return o;
}

void sb_oracle_free(sb_oracle *o) {
  if (!o) return;
  free(o->keys);
  free(o->values);
  sb_maskmap_release(&o->index);
  free(o);
}

size_t sb_oracle_n(const sb_oracle *o) { return o->n; }
size_t sb_oracle_used(const sb_oracle *o) { return o->count; }
size_t sb_oracle_asked(const sb_oracle *o) { return o->asked; }
size_t sb_oracle_budget(const sb_oracle *o) { return o->budget; }
void sb_oracle_set_budget(sb_oracle *o, size_t budget) { o->budget = budget; }
double sb_oracle_seconds(const sb_oracle *o) { return o->seconds; }
void sb_oracle_set_caller(sb_oracle *o, const char *name) {
  snprintf(o->caller, sizeof o->caller, "%s", name ? name : "");
}
const char *sb_oracle_caller(const sb_oracle *o) { return o->caller; }

static int grow(sb_oracle *o, size_t need) {
  if (need > o->cap) {
    size_t cap = o->cap;
    while (cap < need) cap *= 2;
    uint64_t *k = realloc(o->keys, cap * o->kw * sizeof *k);
    if (!k) return SB_ENOMEM;
    o->keys = k;
    double *v = realloc(o->values, cap * sizeof *v);
    if (!v) return SB_ENOMEM;
    o->values = v;
    o->cap = cap;
  }
  return sb_maskmap_reserve(&o->index, o->keys, need);
}

int sb_oracle_query_raw(sb_oracle *o, const uint64_t *masks, size_t count, double *out,
                        sb_error *err) {
  const size_t w = o->words, kw = o->kw;
  if (count == 0) return SB_OK;
  if (grow(o, o->count + count))
    return sb_error_set(err, SB_ENOMEM, "oracle: out of memory caching %zu masks",
                        o->count + count);
  /* Pass 1: stage new distinct masks at the end of the arena (not yet visible). */
  size_t base = o->count, fresh = 0;
  size_t *where = malloc(count * sizeof *where); /* arena index of each mask */
  if (!where) return sb_error_set(err, SB_ENOMEM, "oracle: out of memory");
  for (size_t j = 0; j < count; j++) {
    uint64_t fp[2];
    const uint64_t *m = masks + j * w, *key = cache_key(o, m, fp);
    /* indexed provisionally so repeats inside the batch dedupe; cannot fail after grow() */
    long i = sb_maskmap_find_or_add(&o->index, o->keys, key, base + fresh);
    where[j] = (size_t)i;
    if ((size_t)i == base + fresh) {
      memcpy(o->keys + (base + fresh) * kw, key, kw * sizeof *key);
      fresh++;
    }
  }
  int rc = SB_OK;
  if (o->budget != SB_BUDGET_NONE && base + fresh > o->budget) {
    rc = sb_error_set(err, SB_EBUDGET,
                      "%s%squery budget exceeded: %zu distinct masks used, this batch adds "
                      "%zu more, budget is %zu",
                      o->caller[0] ? o->caller : "", o->caller[0] ? ": " : "", base, fresh,
                      o->budget);
  } else if (fresh) {
    const uint64_t *eval = o->keys + base * w;
    /* fingerprints: gather the new masks, unless they are the whole batch in order */
    const int gather = kw != w && fresh < count;
    uint64_t *stage = gather ? gather_fresh(masks, w, where, count, base, fresh) : NULL;
    if (gather && !stage) rc = sb_error_set(err, SB_ENOMEM, "oracle: out of memory");
    if (kw != w) eval = stage ? stage : masks;
    if (rc == SB_OK) {
      double t0 = sb_wall_seconds();
      rc = o->fn(o->ctx, eval, fresh, o->values + base, err);
      o->seconds += sb_wall_seconds() - t0;
    }
    free(stage);
  }
  if (rc != SB_OK) {
    /* roll back the provisional inserts (fewer keys: no allocation, cannot fail) */
    sb_maskmap_rebuild(&o->index, o->keys, base);
    free(where);
    return rc;
  }
  o->count = base + fresh;
  o->asked += count;
  for (size_t j = 0; j < count; j++) out[j] = o->values[where[j]];
  free(where);
  return SB_OK;
}

int sb_oracle_query(sb_oracle *o, const sb_masks *masks, double *out, sb_error *err) {
  if (masks->n != o->n)
    return sb_error_set(err, SB_EINVAL, "oracle: masks have n = %zu, the function has n = %zu",
                        masks->n, o->n);
  return sb_oracle_query_raw(o, masks->bits, masks->count, out, err);
}
