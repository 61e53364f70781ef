/* Counting, caching oracle over an evaluation function (see oracle.h).
 * The cache is an open-addressing hash table over an arena of masks. */
#include "oracle/oracle.h"

#include <stdlib.h>
#include <string.h>

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
  size_t *slots;     /* index+1, 0 = empty */
  size_t nslots;
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
  o->nslots = 128;
  o->keys = malloc(o->cap * o->words * sizeof *o->keys);
  o->values = malloc(o->cap * sizeof *o->values);
  o->slots = calloc(o->nslots, sizeof *o->slots);
  if (!o->keys || !o->values || !o->slots) {
    sb_oracle_free(o);
    return NULL;
  }
  return o;
}

void sb_oracle_free(sb_oracle *o) {
  if (!o) return;
  free(o->keys);
  free(o->values);
  free(o->slots);
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

/* Slot for a mask in a table of `nslots` over `keys`. */
static size_t find_slot(const uint64_t *keys, const size_t *slots, size_t nslots, size_t words,
                        const uint64_t *m) {
  size_t mask = nslots - 1;
  size_t h = (size_t)sb_mask_hash(m, words, 0x0ddba11u) & mask;
  for (;;) {
    size_t t = slots[h];
    if (t == 0 || sb_mask_equal(keys + (t - 1) * words, m, words)) return h;
    h = (h + 1) & mask;
  }
}

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
  if (2 * need > o->nslots) {
    size_t ns = o->nslots;
    while (2 * need > ns) ns *= 2;
    size_t *s = calloc(ns, sizeof *s);
    if (!s) return SB_ENOMEM;
    for (size_t i = 0; i < o->count; i++)
      s[find_slot(o->keys, s, ns, o->words, o->keys + i * o->words)] = i + 1;
    free(o->slots);
    o->slots = s;
    o->nslots = ns;
  }
  return SB_OK;
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
  size_t *where = malloc(count * sizeof *where); /* arena index + 1 for new, or ~slot */
  if (!where) return sb_error_set(err, SB_ENOMEM, "oracle: out of memory");
  for (size_t j = 0; j < count; j++) {
    const uint64_t *m = masks + j * w;
    size_t h = find_slot(o->keys, o->slots, o->nslots, w, m);
    if (o->slots[h]) {
      where[j] = o->slots[h] - 1;
      continue;
    }
    /* insert provisionally so repeats inside the batch dedupe */
    memcpy(o->keys + (base + fresh) * w, m, w * sizeof *m);
    o->slots[h] = base + fresh + 1;
    where[j] = base + fresh;
    fresh++;
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
    /* roll back the provisional inserts: rebuild the index from the committed masks */
    size_t *s = calloc(o->nslots, sizeof *s);
    if (s) {
      for (size_t i = 0; i < base; i++)
        s[find_slot(o->keys, s, o->nslots, w, o->keys + i * w)] = i + 1;
      free(o->slots);
      o->slots = s;
    }
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
