/* ProxySPEX's uniform designs (ALGORITHMS.md §5 step 1; sampling.h says what each
 * draws).  `paired` follows shapiq's CoalitionSampler with pairing_trick=True and
 * size weights C(n, k) (the sampler of shapiq's ProxySPEX): ∅ and [n] are always
 * in the design and charged first; then a coalition is drawn uniformly among the
 * others (a size k ∈ 1..n−1 with probability ∝ C(n, k), then a uniform k-subset —
 * here a fair-bit mask, rejected if already present: the same law), added and
 * charged if new, and its complement added and charged right after while budget
 * remains.  A new mask's complement is always new too (both entered together),
 * so the design is ∅, [n], x₁, x̄₁, x₂, x̄₂, … and an odd budget ends on an
 * unpaired x.  A budget covering all 2^n masks gives all of them (shapiq's
 * border trick does the same). */
#include "proxyspex/sampling.h"

#include <stdlib.h>
#include <string.h>

#include "algos/common.h"
#include "core/params.h"

/* ==== the set of masks drawn so far ======================================
 * A private open-addressing set of row indices into the batch.  It will become
 * core/maskmap (issue 15.1): only this block changes. */

typedef struct row_set {
  size_t *slots;  /* row + 1, 0 = empty */
  size_t nslots;  /* power of two */
} row_set;

/* Add row j of b; 1 if it was new, 0 if an equal row is already in the set. */
static int row_set_add(row_set *s, const sb_masks *b, size_t j) {
  const uint64_t *m = sb_masks_at(b, j);
  size_t mask = s->nslots - 1, h = (size_t)sb_mask_hash(m, b->words, 0x9e37) & mask;
  while (s->slots[h]) {
    if (sb_mask_equal(sb_masks_at(b, s->slots[h] - 1), m, b->words)) return 0;
    h = (h + 1) & mask;
  }
  s->slots[h] = j + 1;
  return 1;
}

/* ==== designs ============================================================ */

/* An empty batch with room for `rows` masks and a set for `distinct` of them. */
static int design_start(size_t n, size_t rows, size_t distinct, sb_masks **m, row_set *s,
                        sb_error *err) {
  *m = sb_masks_alloc(n, 0);
  s->nslots = 1;
  while (s->nslots < 2 * distinct + 2) s->nslots *= 2;
  s->slots = calloc(s->nslots, sizeof *s->slots);
  if (*m && s->slots && !sb_masks_reserve(*m, rows)) return SB_OK;
  sb_masks_free(*m);
  free(s->slots);
  *m = NULL;
  s->slots = NULL;
  return sb_error_set(err, SB_ENOMEM, "proxyspex: out of memory for %zu masks", distinct);
}

static int design_oom(sb_masks *m, row_set *s, size_t distinct, sb_error *err) {
  sb_masks_free(m);
  free(s->slots);
  return sb_error_set(err, SB_ENOMEM, "proxyspex: out of memory for %zu masks", distinct);
}

static int design_distinct(size_t n, size_t budget, const gsl_rng *r, sb_masks **out,
                           sb_error *err) {
  return sb_design_uniform_distinct(n, budget, r, 1, out, err);
}

/* i.i.d. fair-bit masks, drawn until `distinct` different masks have appeared;
 * repeats stay in the batch (they are training rows, free for the oracle). */
static int design_iid(size_t n, size_t distinct, const gsl_rng *r, sb_masks **out,
                      sb_error *err) {
  *out = NULL;
  if (n < 63 && distinct > ((size_t)1 << n)) distinct = (size_t)1 << n;
  sb_masks *m;
  row_set s;
  int rc = design_start(n, distinct + distinct / 4 + 16, distinct, &m, &s, err);
  if (rc) return rc;
  size_t seen = 0;
  while (seen < distinct) {
    uint64_t *x = sb_masks_push_zero(m);
    if (!x) return design_oom(m, &s, distinct, err);
    sb_mask_random(x, n, r);
    if (row_set_add(&s, m, m->count - 1)) seen++;
  }
  free(s.slots);
  *out = m;
  return SB_OK;
}

static int design_paired(size_t n, size_t budget, const gsl_rng *r, sb_masks **out,
                         sb_error *err) {
  *out = NULL;
  if (budget == 0) return sb_error_set(err, SB_EINVAL, "a budget of 0 queries");
  if (n <= 30 && budget >= ((size_t)1 << n)) return sb_design_all(n, out, err);
  sb_masks *m;
  row_set s;
  int rc = design_start(n, budget, budget, &m, &s, err);
  if (rc) return rc;
  sb_masks_push_zero(m); /* ∅, then [n]: room was reserved */
  row_set_add(&s, m, 0);
  if (budget >= 2) {
    sb_mask_fill(sb_masks_push_zero(m), n);
    row_set_add(&s, m, 1);
  }
  while (m->count < budget) {
    uint64_t *x = sb_masks_push_zero(m);
    if (!x) return design_oom(m, &s, budget, err);
    sb_mask_random(x, n, r);
    if (!row_set_add(&s, m, m->count - 1)) {
      m->count--;
      continue;
    }
    if (m->count == budget) break; /* odd remainder: the last mask stays unpaired */
    uint64_t *y = sb_masks_push_zero(m);
    if (!y) return design_oom(m, &s, budget, err);
    memcpy(y, sb_masks_at(m, m->count - 2), m->words * sizeof *y);
    sb_mask_complement(y, n);
    row_set_add(&s, m, m->count - 1); /* new, as its partner was */
  }
  free(s.slots);
  *out = m;
  return SB_OK;
}

const sb_sampling_type sb_sampling_distinct = {
    "distinct", "distinct uniform masks with ∅ and [n] (shapiq without pairing)",
    design_distinct};
const sb_sampling_type sb_sampling_paired = {
    "paired", "∅, [n], then distinct uniform masks each followed by its complement (shapiq)",
    design_paired};
const sb_sampling_type sb_sampling_iid = {
    "iid", "i.i.d. uniform masks with replacement, repeats kept as rows (reference code)",
    design_iid};

const sb_sampling_type *const sb_sampling_types[] = {&sb_sampling_distinct, &sb_sampling_paired,
                                                     &sb_sampling_iid, NULL};

const sb_sampling_type *sb_sampling_find(const char *name, sb_error *err) {
  for (size_t i = 0; sb_sampling_types[i]; i++)
    if (!strcmp(sb_sampling_types[i]->name, name)) return sb_sampling_types[i];
  char names[256] = "";
  for (size_t i = 0, used = 0; sb_sampling_types[i]; i++)
    used = sb_names_append(names, sizeof names, used, sb_sampling_types[i]->name);
  sb_error_set(err, SB_EINVAL, "unknown sampling '%s' (available: %s)", name, names);
  return NULL;
}
