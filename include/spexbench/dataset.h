/* spexbench public API: datasets (the black boxes to explain) and the oracle
 * (a dataset as an algorithm sees it: counted, cached, under a budget). */
#ifndef SPEXBENCH_DATASET_H
#define SPEXBENCH_DATASET_H

#include "spexbench/common.h"
#include "spexbench/spectrum.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct spexbench_dataset spexbench_dataset;
typedef struct spexbench_oracle spexbench_oracle;

/* ---- datasets --------------------------------------------------------- */

/* Open a dataset from a spec, as the CLI's --dataset takes it:
 *   "fourier:n=256,k=50,degree=4,snr_db=20,seed=7"   (synthetic, true spectrum known)
 *   "npz:PATH", "trace:PATH", "command:cmd=...,n=N,trace=FILE", ...
 * (families: spexbench_family_name; parameters: `spexbench list --params`).
 * Errors name the family, the parameter and the valid choices.  Caller frees
 * with spexbench_dataset_free. */
SPEXBENCH_API int spexbench_dataset_open(const char *spec, spexbench_dataset **out,
                                         spexbench_error *err);

/* The user's model: fill values[0..count) with f at the `count` packed masks
 * (count * spexbench_mask_words(n) words, see common.h).  Return SPEXBENCH_OK,
 * or any other status after writing a message into err->message (err is never
 * NULL); the run then fails with that message, prefixed by the dataset name.
 * A non-finite value is an error too.  Called from the thread that made the
 * query (spexbench_fit, spexbench_run_algorithm, spexbench_oracle_query,
 * spexbench_dataset_eval), one batch at a time; only masks not asked before in
 * the same oracle are passed. */
typedef int (*spexbench_eval_fn)(void *user, size_t n, const uint64_t *masks, size_t count,
                                 double *values, spexbench_error *err);

/* A dataset over n features (1 <= n <= 65536) answered by fn(user, ...).
 * `name` (up to 127 characters; NULL = "callback") labels it in results and
 * error messages and enters the seed derivation of spexbench_fit.  The dataset
 * borrows `user` (it must outlive the dataset) and copies `name`.  Caller frees
 * with spexbench_dataset_free. */
SPEXBENCH_API int spexbench_dataset_from_callback(size_t n, spexbench_eval_fn fn, void *user,
                                                  const char *name, spexbench_dataset **out,
                                                  spexbench_error *err);
SPEXBENCH_API void spexbench_dataset_free(spexbench_dataset *d);

SPEXBENCH_API size_t spexbench_dataset_n(const spexbench_dataset *d);
/* Canonical name, e.g. "fourier-n256-k50-d4-snr20-s7" (borrowed). */
SPEXBENCH_API const char *spexbench_dataset_name(const spexbench_dataset *d);
/* The exact noiseless Fourier spectrum when known (synthetic families, full
 * tables), else NULL.  Borrowed: valid until the dataset is freed. */
SPEXBENCH_API const spexbench_spectrum *spexbench_dataset_truth(const spexbench_dataset *d);
/* Evaluate `count` packed masks directly: not counted, no budget, no cache
 * (for held-out sets and checks). */
SPEXBENCH_API int spexbench_dataset_eval(spexbench_dataset *d, const uint64_t *masks,
                                         size_t count, double *values, spexbench_error *err);

/* Registered dataset families: i in [0, count); names and one-line summaries
 * are static strings.  spexbench_family_name returns NULL past the end. */
SPEXBENCH_API size_t spexbench_family_count(void);
SPEXBENCH_API const char *spexbench_family_name(size_t i);
SPEXBENCH_API const char *spexbench_family_summary(size_t i);

/* ---- the oracle ------------------------------------------------------- */

#define SPEXBENCH_BUDGET_NONE ((size_t)-1)

/* An oracle over dataset d that answers at most `budget` distinct masks
 * (SPEXBENCH_BUDGET_NONE: no cap).  Repeated masks are answered from its cache
 * and not counted; a batch whose new masks would cross the budget fails whole
 * with SPEXBENCH_EBUDGET (nothing evaluated, nothing counted).  The oracle
 * borrows d (it must outlive the oracle).  Caller frees with
 * spexbench_oracle_free. */
SPEXBENCH_API int spexbench_oracle_new(spexbench_dataset *d, size_t budget,
                                       spexbench_oracle **out, spexbench_error *err);
SPEXBENCH_API void spexbench_oracle_free(spexbench_oracle *o);
/* Answer `count` packed masks into values[0..count). */
SPEXBENCH_API int spexbench_oracle_query(spexbench_oracle *o, const uint64_t *masks, size_t count,
                                         double *values, spexbench_error *err);
/* Distinct masks evaluated so far (what counts against the budget). */
SPEXBENCH_API size_t spexbench_oracle_used(const spexbench_oracle *o);
/* Masks asked for, repeats included. */
SPEXBENCH_API size_t spexbench_oracle_asked(const spexbench_oracle *o);
SPEXBENCH_API size_t spexbench_oracle_budget(const spexbench_oracle *o);

#ifdef __cplusplus
}
#endif

#endif
