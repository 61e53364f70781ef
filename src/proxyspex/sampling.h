/* ProxySPEX's query designs as a type table (../shared/design/ALGORITHMS.md §5 step 1): uniform
 * masks (each bit a fair coin), drawn three ways, chosen by `sampling=`:
 *   distinct — distinct masks, ∅ and [n] always included (shapiq's sampler
 *              without the pairing trick; algos/common.h);
 *   paired   — shapiq's ProxySPEX sampler (CoalitionSampler with size weights
 *              C(n, k) and pairing_trick=True): ∅ and [n], then distinct
 *              uniform masks x each followed by its complement [n] \ x; an odd
 *              remaining budget leaves the last x unpaired;
 *   iid      — the reference code: i.i.d. masks with replacement until the
 *              distinct count reaches the budget; repeats stay as rows.
 * Every design asks for exactly min(budget, 2^n) distinct masks, and draws from
 * the generator only, so with a generator seeded without the budget a smaller
 * budget's design is a prefix of a larger one's (below 2^n). */
#ifndef SB_PROXYSPEX_SAMPLING_H
#define SB_PROXYSPEX_SAMPLING_H

#include <gsl/gsl_rng.h>
#include <stddef.h>

#include "core/error.h"
#include "core/mask.h"

typedef struct sb_sampling_type {
  const char *name;     /* `sampling=` value */
  const char *summary;  /* one line for help text */
  /* The design: a batch holding exactly min(budget, 2^n) distinct masks (with
   * repeats for iid).  Caller frees *out with sb_masks_free. */
  int (*design)(size_t n, size_t budget, const gsl_rng *r, sb_masks **out, sb_error *err);
  /* 1: this is the design of the shared sample pool (algos/shared_design.h), so
   * with `shared_design = true` the masks come from the pool; 0: always drawn
   * from the algorithm's own generator. */
  int shared_pool;
} sb_sampling_type;

extern const sb_sampling_type sb_sampling_distinct;
extern const sb_sampling_type sb_sampling_paired;
extern const sb_sampling_type sb_sampling_iid;
/* Every design, NULL-terminated. */
extern const sb_sampling_type *const sb_sampling_types[];

/* Lookup by name; on failure the message lists the valid names. */
const sb_sampling_type *sb_sampling_find(const char *name, sb_error *err);

#endif
