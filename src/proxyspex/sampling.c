/* ProxySPEX's uniform designs (../shared/design/ALGORITHMS.md §5 step 1; sampling.h says what each
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
#include "core/maskmap.h"
#include "core/params.h"

/* ==== designs ============================================================ */

/* An empty batch with room for `rows` masks and a map sized for `distinct` of
 * them (so adding a row to it cannot fail). */
static int design_start(size_t n, size_t rows, size_t distinct, sb_masks **m, sb_maskmap *s,
                        sb_error *err) {
  *m = sb_masks_alloc(n, 0);
  int rc = sb_maskmap_init(s, sb_mask_words(n), distinct);
  if (*m && !rc && !sb_masks_reserve(*m, rows)) return SB_OK;
  sb_masks_free(*m);
  sb_maskmap_release(s);
  *m = NULL;
  return sb_error_set(err, SB_ENOMEM, "proxyspex: out of memory for %zu masks", distinct);
}

static int design_oom(sb_masks *m, sb_maskmap *s, size_t distinct, sb_error *err) {
  sb_masks_free(m);
  sb_maskmap_release(s);
  return sb_error_set(err, SB_ENOMEM, "proxyspex: out of memory for %zu masks", distinct);
}

/* Index row j of m in s; 1 if it is new, 0 if an equal row came before. */
static int add_new(sb_maskmap *s, const sb_masks *m, size_t j) {
  return sb_maskmap_add_row(s, m, j) == (long)j;
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
  sb_maskmap s;
  int rc = design_start(n, distinct + distinct / 4 + 16, distinct, &m, &s, err);
  if (rc) return rc;
  size_t seen = 0;
  while (seen < distinct) {
    uint64_t *x = sb_masks_push_zero(m);
    if (!x) return design_oom(m, &s, distinct, err);
    sb_mask_random(x, n, r);
    if (add_new(&s, m, m->count - 1)) seen++;
  }
  sb_maskmap_release(&s);
  *out = m;
  return SB_OK;
}

static int design_paired(size_t n, size_t budget, const gsl_rng *r, sb_masks **out,
                         sb_error *err) {
  *out = NULL;
  if (budget == 0) return sb_error_set(err, SB_EINVAL, "a budget of 0 queries");
  if (n <= 30 && budget >= ((size_t)1 << n)) return sb_design_all(n, out, err);
  sb_masks *m;
  sb_maskmap s;
  int rc = design_start(n, budget, budget, &m, &s, err);
  if (rc) return rc;
  sb_masks_push_zero(m); /* ∅, then [n]: room was reserved */
  add_new(&s, m, 0);
  if (budget >= 2) {
    sb_mask_fill(sb_masks_push_zero(m), n);
    add_new(&s, m, 1);
  }
  while (m->count < budget) {
    uint64_t *x = sb_masks_push_zero(m);
    if (!x) return design_oom(m, &s, budget, err);
    sb_mask_random(x, n, r);
    if (!add_new(&s, m, m->count - 1)) {
      m->count--;
      continue;
    }
    if (m->count == budget) break; /* odd remainder: the last mask stays unpaired */
    uint64_t *y = sb_masks_push_zero(m);
    if (!y) return design_oom(m, &s, budget, err);
    memcpy(y, sb_masks_at(m, m->count - 2), m->words * sizeof *y);
    sb_mask_complement(y, n);
    add_new(&s, m, m->count - 1); /* new, as its partner was */
  }
  sb_maskmap_release(&s);
  *out = m;
  return SB_OK;
}

const sb_sampling_type sb_sampling_distinct = {
    "distinct", "distinct uniform masks with ∅ and [n] (shapiq without pairing)",
    design_distinct, 1};
const sb_sampling_type sb_sampling_paired = {
    "paired", "∅, [n], then distinct uniform masks each followed by its complement (shapiq)",
    design_paired, 0};
const sb_sampling_type sb_sampling_iid = {
    "iid", "i.i.d. uniform masks with replacement, repeats kept as rows (reference code)",
    design_iid, 0};

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
