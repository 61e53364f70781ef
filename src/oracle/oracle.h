/* The oracle: the black box as an algorithm sees it.
 *
 * Algorithms query batches of masks.  The oracle forwards only masks it has not
 * seen before to the underlying evaluation function (a synthetic function, a
 * replayed trace, a live model), caches every answer, and counts **distinct**
 * masks: a repeated mask is answered from the cache and not counted.  A budget
 * cap makes a batch that would exceed it fail cleanly (SB_EBUDGET, nothing
 * evaluated, nothing counted). */
#ifndef SB_ORACLE_H
#define SB_ORACLE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/mask.h"

/* Evaluate `count` masks (count*words words, contiguous) into out[0..count).
 * Returns SB_OK or a status with err filled. */
typedef int (*sb_eval_fn)(void *ctx, const uint64_t *masks, size_t count, double *out,
                          sb_error *err);

#define SB_BUDGET_NONE ((size_t)-1)

typedef struct sb_oracle sb_oracle;

/* Caller frees with sb_oracle_free.  budget = SB_BUDGET_NONE for no cap. */
sb_oracle *sb_oracle_alloc(size_t n, sb_eval_fn fn, void *ctx, size_t budget);
void sb_oracle_free(sb_oracle *o);
size_t sb_oracle_n(const sb_oracle *o);

/* Answer a batch (masks->n must equal the oracle's n). */
int sb_oracle_query(sb_oracle *o, const sb_masks *masks, double *out, sb_error *err);
/* Same on a raw block of `count` masks. */
int sb_oracle_query_raw(sb_oracle *o, const uint64_t *masks, size_t count, double *out,
                        sb_error *err);
/* Distinct masks evaluated so far (what counts against the budget). */
size_t sb_oracle_used(const sb_oracle *o);
/* Total masks asked for, repeats included. */
size_t sb_oracle_asked(const sb_oracle *o);
size_t sb_oracle_budget(const sb_oracle *o);
void sb_oracle_set_budget(sb_oracle *o, size_t budget);
/* Wall seconds spent inside the evaluation function. */
double sb_oracle_seconds(const sb_oracle *o);
/* Name of the current caller (an algorithm), used in error messages. */
void sb_oracle_set_caller(sb_oracle *o, const char *name);
const char *sb_oracle_caller(const sb_oracle *o);

#endif
