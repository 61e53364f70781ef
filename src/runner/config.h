/* Experiment configs (INI, read with inih) and their expansion into runs.
 *
 *   [experiment]                 name, seed, repetitions, budgets, heldout,
 *                                heldout_distribution, plot_metric, save_spectra,
 *                                shared_design, description
 *   [dataset LABEL]              family = fourier|soum|hierarchical|npz|trace|...
 *                                instances = N (random instances; seeds derived)
 *                                path = GLOB (file families; relative to the config)
 *                                any other key = a family parameter; "a, b" is a grid
 *   [algorithm LABEL]            algo = NAME (default LABEL); budgets = override;
 *                                any other key = an algorithm parameter (grids too)
 *
 * Unknown sections/keys, bad values, duplicate keys or sections, empty grids and
 * missing files are errors reported as "FILE:LINE: message". */
#ifndef SB_CONFIG_H
#define SB_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "algos/algo.h"
#include "core/error.h"
#include "metrics/metrics.h"

/* Largest number of runs (and of dataset instances or algorithm grid points) a
 * config may expand to: far beyond any real sweep (each run is a process), small
 * enough that a typo such as `instances = 100000` with `repetitions = 1000` is an
 * error naming the section instead of an out-of-memory kill. */
#define SB_CONFIG_MAX_RUNS 1000000

typedef struct sb_run_def {
  char *group;        /* dataset section label */
  char *dataset_spec; /* spec passed to sb_dataset_open */
  char *family;
  size_t instance;    /* index within the group */
  const sb_algo_type *algo;
  char *algo_label;   /* section label + varying params, e.g. "spex[decoder=hard]" */
  char *algo_params;  /* canonical "k=v,..." */
  size_t budget;
  size_t repetition;
  uint64_t seed;        /* run seed */
  uint64_t design_seed; /* run seed without the budget */
  uint64_t heldout_seed;/* per dataset instance */
  uint64_t shared_seed; /* shared_design: the uniform sample pool of (dataset, instance,
                           repetition); 0 = the algorithm draws its own design */
  char *id;             /* file-name-safe, unique: pure function of the definition */
} sb_run_def;

typedef struct sb_config {
  char *path;           /* config file */
  char *text;           /* its full text (for context.json) */
  char *name;           /* experiment name */
  char *description;
  uint64_t seed;        /* master seed */
  size_t repetitions;
  size_t heldout;       /* held-out masks (0 = none) */
  sb_heldout_dist heldout_dist;
  int plot_exact;       /* plot Parseval R² instead of held-out */
  int save_spectra;     /* write each run's surrogate next to its result */
  int shared_design;    /* uniform-design algorithms share one sample pool */
  sb_run_def *runs;     /* expanded runs, in a deterministic order */
  size_t n_runs;
} sb_config;

/* Parse and expand.  Caller frees with sb_config_free. */
int sb_config_load(const char *path, sb_config **out, sb_error *err);
void sb_config_free(sb_config *c);

/* Seeds of one run (shared by `run` and `fit`). */
void sb_run_seeds(uint64_t master, const char *dataset_spec, size_t instance,
                  const char *algo_name, const char *algo_params, size_t budget,
                  size_t repetition, uint64_t *seed, uint64_t *design_seed,
                  uint64_t *heldout_seed);

#endif
