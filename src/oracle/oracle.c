/* Counting, caching oracle over an evaluation function (see oracle.h).
 * The cache is an arena of masks (in the order first asked) with their answers,
 * indexed by a mask map (core/maskmap.h).  A batch's new masks are staged at the
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
  size_t count, cap; /* masks stored */
  uint64_t *keys;    /* cap*words */
  double *values;    /* cap */
  sb_maskmap index;  /* mask -> arena index */
};

sb_oracle *sb_oracle_alloc(size_t n, sb_eval_fn fn, void *ctx, size_t budget) {
  if (n == 0 || n > SB_MAX_N || !fn) return NULL;
  sb_oracle *o = calloc(1, sizeof *o);
  if (!o) return NULL;
  o->n = n;
  o->words = sb_mask_words(n);
  o->fn = fn;
  o->ctx = ctx;
  o->budget = budget;
  o->cap = 64;
  o->keys = malloc(o->cap * o->words * sizeof *o->keys);
  o->values = malloc(o->cap * sizeof *o->values);
  int rc = sb_maskmap_init(&o->index, o->words, o->cap);
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
    uint64_t *k = realloc(o->keys, cap * o->words * sizeof *k);
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
  const size_t w = o->words;
  if (count == 0) return SB_OK;
  if (grow(o, o->count + count))
    return sb_error_set(err, SB_ENOMEM, "oracle: out of memory caching %zu masks",
                        o->count + count);
  /* Pass 1: stage new distinct masks at the end of the arena (not yet visible). */
  size_t base = o->count, fresh = 0;
  size_t *where = malloc(count * sizeof *where); /* arena index of each mask */
  if (!where) return sb_error_set(err, SB_ENOMEM, "oracle: out of memory");
  for (size_t j = 0; j < count; j++) {
    const uint64_t *m = masks + j * w;
    /* indexed provisionally so repeats inside the batch dedupe; cannot fail after grow() */
    long i = sb_maskmap_find_or_add(&o->index, o->keys, m, base + fresh);
    where[j] = (size_t)i;
    if ((size_t)i == base + fresh) {
      memcpy(o->keys + (base + fresh) * w, m, w * sizeof *m);
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
    double t0 = sb_wall_seconds();
    rc = o->fn(o->ctx, o->keys + base * w, fresh, o->values + base, err);
    o->seconds += sb_wall_seconds() - t0;
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
