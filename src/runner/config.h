/* Experiment configs (INI, runner/ini.h) and their expansion into runs.
 *
 *   [experiment]                 name, seed, repetitions, budgets, heldout,
 *                                heldout_distribution, plot_metric, save_spectra,
 *                                description, removal, removal_exact_max, target_r2,
 *                                jobs, shared_design
 *   [dataset LABEL]              family = fourier|soum|hierarchical|npz|trace|...
 *                                instances = N (random instances; seeds derived)
 *                                path = GLOB, ... (file families; relative to the
 *                                config; "\," is a comma inside a file name)
 *                                any other key = a family parameter; "a, b" is a grid
 *   [algorithm LABEL]            algo = NAME (default LABEL); budgets = override;
 *                                any other key = an algorithm parameter (grids too)
 *
 * Unknown sections/keys, bad values, duplicate keys, sections or grid values, the
 * same dataset or algorithm variant twice, empty grids, missing files and paths
 * that are not regular files are errors reported as "FILE:LINE: message".
 * Loading reads the config and hashes the data files it names; it never opens a
 * dataset and never forks (the runner probes data files: sb_dataset_probe). */
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

/* Version of the stored result format, part of every run identity: bump it when
 * results of the same run definition are no longer comparable across versions
 * (a changed metric or protocol), so stored results are rerun, never reused. */
#define SB_RESULT_FORMAT 3 /* 3: noise_sd, support_exact and the removal columns */

/* Largest held-out set a config or `fit --heldout` may ask for (masks).  The
 * memory the set needs is also checked against this machine's (metrics.h). */
#define SB_HELDOUT_MAX ((size_t)1 << 32)

/* What the main figure of an experiment shows (`plot_metric`): held-out or
 * exact R² against queries (faithfulness.*), the fraction of runs that recover
 * the true support exactly against queries (recovery.*), or wall seconds
 * against n, log-log (scaling.*). */
typedef enum sb_plot_metric {
  SB_PLOT_HELDOUT = 0,
  SB_PLOT_EXACT,
  SB_PLOT_RECOVERY,
  SB_PLOT_SECONDS,
} sb_plot_metric;

/* "heldout", "exact", "recovery", "seconds" (NULL-terminated, by sb_plot_metric). */
extern const char *const sb_plot_metric_names[];
/* The metric named `s`; 0 if none. */
int sb_plot_metric_parse(const char *s, sb_plot_metric *out);

typedef struct sb_run_def {
  char *group;        /* dataset section label */
  char *dataset_spec; /* spec passed to sb_dataset_open */
  char *family;
  size_t instance;    /* index within the group */
  const sb_algo_type *algo;
  char *algo_label;   /* section label + varying params, e.g. "spex[decoder=hard]" */
  char *algo_params;  /* canonical "k=v,..." */
  char *algo_content; /* sb_algo_type.content_key (e.g. a program's digest), or NULL */
  size_t budget;
  size_t repetition;
  uint64_t seed;        /* run seed */
  uint64_t design_seed; /* run seed without the budget */
  uint64_t heldout_seed;/* per dataset instance */
  uint64_t shared_seed; /* shared_design: the uniform sample pool of (dataset, instance,
                           repetition); 0 = the algorithm draws its own design */
  char *id;             /* file-name-safe, unique: pure function of the definition */
  char *dataset_key;    /* what the dataset is (sb_dataset_identity): the seeds hash it */
  char *identity;       /* canonical JSON (sb_run_identity); NULL = none (not stored) */
  int line;             /* config line that defined the dataset (0 = none) */
} sb_run_def;

typedef struct sb_config {
  char *path;           /* config file */
  char *text;           /* its full text (for context.json) */
  char *name;           /* experiment name */
  char *description;
  uint64_t seed;        /* master seed */
  size_t repetitions;
  size_t heldout;       /* held-out masks (0 = none) */
  int heldout_line;     /* its config line (0 = the default) */
  sb_heldout_dist heldout_dist;
  sb_plot_metric plot_metric; /* what the main figure shows */
  int plot_exact;       /* R² tables and the figure lead with Parseval R² (plot_metric != heldout) */
  size_t removal;       /* removal curve length R (0 = no removal metric) */
  size_t removal_exact_max; /* exact search over r-subsets while C(n, r) <= this */
  double target_r2;     /* report the queries needed to reach this R² (NaN = none) */
  int jobs;             /* runs at a time when the command line does not say (0 = cores) */
  int save_spectra;     /* write each run's surrogate next to its result */
  int shared_design;    /* uniform-design algorithms share one sample pool */
  sb_run_def *runs;     /* expanded runs, in a deterministic order */
  size_t n_runs;
} sb_config;

/* Parse and expand.  Caller frees with sb_config_free. */
int sb_config_load(const char *path, sb_config **out, sb_error *err);
void sb_config_free(sb_config *c);

/* Seeds of one run (shared by `run` and `fit`): each hashes the master seed and
 *   seed         "run", dataset, instance, algorithm, params, budget, repetition
 *   design_seed  "design", dataset, instance, algorithm, params, repetition
 *   heldout_seed "heldout", dataset
 * where `dataset` is the dataset's identity key (sb_dataset_identity: the spec of
 * a generated dataset, the content digest of a stored file) and `instance` its
 * index within its config section (0 for stored files, which their content
 * identifies).  Any output pointer may be NULL. */
void sb_run_seeds(uint64_t master, const char *dataset_key, size_t instance,
                  const char *algo_name, const char *algo_params, size_t budget,
                  size_t repetition, uint64_t *seed, uint64_t *design_seed,
                  uint64_t *heldout_seed);

/* The identity of a run: canonical JSON text (compact, keys sorted) of everything
 * that can change its numbers: SB_RESULT_FORMAT, the dataset's identity key, the
 * algorithm and its canonical parameters, the budget, the repetition, the three
 * seeds, the held-out count and distribution, and the shared design's seed when
 * the run draws from one (`shared_design = true`; absent otherwise, so results of
 * the two modes are never reused for each other), and the algorithm's content key
 * when it has one (an external program's files), and the test-only fault switch
 * when it is set (core/fault.h).  Stored in every result; a stored
 * result is reused only if its identity is equal.  Caller frees; NULL if out of
 * memory. */
char *sb_run_identity(const sb_run_def *rd, size_t heldout, sb_heldout_dist dist);
/* The same with the removal metric's settings (removal = 0: none; then equal to
 * sb_run_identity, so results stored without it stay reusable). */
char *sb_run_identity_removal(const sb_run_def *rd, size_t heldout, sb_heldout_dist dist,
                              size_t removal, size_t removal_exact_max);

/* An experiment name: 1..100 characters from [A-Za-z0-9._-], starting with a
 * letter or digit (so never "", ".", ".." or a path).  Results go to
 * results/<name>/.  `what` names it in the message. */
int sb_name_check(const char *name, const char *what, sb_error *err);

#endif
