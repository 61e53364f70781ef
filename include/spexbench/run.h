/* spexbench public API: running an algorithm.
 *
 * Algorithms are named as on the command line, with optional parameters:
 * "spex", "spex:decoder=hard", "faith-banzhaf:order=2" (spexbench_algorithm_name
 * lists them; `spexbench list --params` their parameters).  Two entry points:
 *
 *  - spexbench_fit: one run as `spexbench fit` does it — an oracle with the
 *    budget, the run seed derived from (seed, dataset spec, algorithm,
 *    parameters, budget) exactly as the CLI derives it, then held-out R² (its
 *    own seed, uncounted) and, when the true spectrum is known, exact R² and
 *    support recovery.  Same inputs, same numbers as the CLI.
 *  - spexbench_run_algorithm: run an algorithm through an oracle you made
 *    (queries add to its counts; the seed is used as given).  No metrics. */
#ifndef SPEXBENCH_RUN_H
#define SPEXBENCH_RUN_H

#include "spexbench/common.h"
#include "spexbench/dataset.h"
#include "spexbench/spectrum.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct spexbench_result spexbench_result;

/* Registered algorithms: i in [0, count); static strings, NULL past the end. */
SPEXBENCH_API size_t spexbench_algorithm_count(void);
SPEXBENCH_API const char *spexbench_algorithm_name(size_t i);
SPEXBENCH_API const char *spexbench_algorithm_summary(size_t i);

typedef enum spexbench_heldout_dist {
  SPEXBENCH_HELDOUT_UNIFORM = 0, /* each bit a fair coin (the papers' protocol) */
  SPEXBENCH_HELDOUT_SIZES = 1    /* size uniform in 0..n, then a uniform subset */
} spexbench_heldout_dist;

/* Options of a run.  Initialise with spexbench_run_options_init (it sets
 * struct_size, so a program compiled against an older, shorter struct keeps
 * working when fields are added at the end). */
typedef struct spexbench_run_options {
  size_t struct_size;                 /* sizeof(spexbench_run_options) */
  size_t heldout;                     /* held-out masks for R² (default 10000; 0 = none;
                                         spexbench_fit only) */
  spexbench_heldout_dist heldout_dist;/* default SPEXBENCH_HELDOUT_UNIFORM */
  int threads;                        /* threads an algorithm may use (0 = all cores) */
} spexbench_run_options;

SPEXBENCH_API void spexbench_run_options_init(spexbench_run_options *opts);

/* One run of `algo` on dataset d with `budget` distinct queries and master
 * seed `seed` (opts NULL = defaults).  A run that fails (the algorithm's
 * error, a skipped run, a callback error, the budget) returns that status and
 * message and no result.  Caller frees *out with spexbench_result_free. */
SPEXBENCH_API int spexbench_fit(spexbench_dataset *d, const char *algo, size_t budget,
                                uint64_t seed, const spexbench_run_options *opts,
                                spexbench_result **out, spexbench_error *err);

/* Run `algo` through oracle o with run seed `seed` (opts->heldout ignored).
 * The budget is what o has left.  Caller frees *out with spexbench_result_free. */
SPEXBENCH_API int spexbench_run_algorithm(spexbench_oracle *o, const char *algo, uint64_t seed,
                                          const spexbench_run_options *opts,
                                          spexbench_result **out, spexbench_error *err);

SPEXBENCH_API void spexbench_result_free(spexbench_result *r);
/* The surrogate spectrum (Fourier or Möbius, as the algorithm returns it).
 * Borrowed: valid until the result is freed (clone it to keep it). */
SPEXBENCH_API const spexbench_spectrum *spexbench_result_spectrum(const spexbench_result *r);
/* Distinct queries this run used, and masks it asked for (repeats included). */
SPEXBENCH_API size_t spexbench_result_queries_used(const spexbench_result *r);
SPEXBENCH_API size_t spexbench_result_queries_asked(const spexbench_result *r);
/* Held-out R² and exact (Parseval) R²; NaN when not computed (no held-out
 * masks, unknown truth, constant function). */
SPEXBENCH_API double spexbench_result_r2_heldout(const spexbench_result *r);
SPEXBENCH_API double spexbench_result_r2_exact(const spexbench_result *r);
/* Wall seconds of the algorithm, model queries included. */
SPEXBENCH_API double spexbench_result_seconds(const spexbench_result *r);
/* Every field as one JSON object, with the keys of `spexbench fit --json`
 * (algorithm, params, dataset, n, budget, queries_used, queries_asked, wall_s,
 * cpu_s, phases, info, terms, basis, heldout_count, heldout_dist, r2_heldout,
 * r2_exact, precision, recall, rel_error, seed; absent or null when unknown).
 * Caller frees with spexbench_free. */
SPEXBENCH_API char *spexbench_result_json(const spexbench_result *r);

#ifdef __cplusplus
}
#endif

#endif
