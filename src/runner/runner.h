/* The runner: executes run definitions (one forked worker per run, --jobs at a
 * time; sweep.c), stores one JSON result per run under OUT/runs/ (atomic; a rerun
 * reuses a stored result only if its identity equals the run's, unless forced),
 * then writes runs.csv, summary.csv, context.json and the faithfulness plot
 * (report.c). */
#ifndef SB_RUNNER_H
#define SB_RUNNER_H

#include <jansson.h>

#include "core/spectrum.h"
#include "runner/config.h"
#include "runner/result.h"

typedef struct sb_run_options {
  size_t heldout;               /* held-out masks (0 = none) */
  sb_heldout_dist heldout_dist;
  int threads;                  /* threads per run */
  sb_opt_u64 master_seed;       /* recorded in the result (unset: not known) */
} sb_run_options;

/* Execute one run in this process into `out` (initialised here; the caller
 * clears it with sb_run_result_clear).  The run's own failure is a status in
 * the record (ok, failed, skipped, unsupported; message says why); the return
 * value is SB_ENOMEM only if the record itself could not be filled.  If
 * `surrogate` is not NULL it receives the surrogate spectrum of an ok run
 * (caller frees), likewise the opened dataset. */
int sb_run_execute_result(const sb_run_def *rd, const sb_run_options *opt, sb_run_result *out,
                          sb_spectrum **surrogate, sb_dataset **dataset_out);
/* The same, returned as the stored JSON object (new reference; NULL only if out
 * of memory). */
json_t *sb_run_execute(const sb_run_def *rd, const sb_run_options *opt,
                       sb_spectrum **surrogate, sb_dataset **dataset_out);

typedef struct sb_runner_opts {
  const char *outdir; /* results directory (default results/<name>); sb_outdir_check */
  int jobs;           /* concurrent runs (0 = online cores) */
  int force;          /* rerun finished runs */
  int threads;        /* threads per run (0 = cores / jobs, at least 1) */
  int quiet;          /* no summary table on stdout */
} sb_runner_opts;

/* Run a whole config.  Before anything is written: the results directory is
 * checked (sb_outdir_check), every data file is opened once (sb_dataset_probe:
 * a damaged file is "CONFIG:LINE: FILE: ..."), and the held-out set must fit in
 * memory.  Returns SB_OK even if some runs failed (they are rows), SB_EINTR after
 * SIGINT, SIGTERM or SIGHUP (running workers are stopped, finished rows kept and
 * reported; sb_runner_stop_signal says which), or an input/I/O error. */
int sb_runner_run(const sb_config *c, const sb_runner_opts *o, sb_error *err);
/* The signal that stopped the last sb_runner_run (0 if none). */
int sb_runner_stop_signal(void);

/* What a results directory may be: any folder the user names, except "" (and
 * names with control characters), "/", a path made only of "." and ".." (the
 * current directory or one of its parents), an existing non-directory, or an
 * existing non-empty directory that holds no spexbench results (runs/, runs.csv,
 * summary.csv or context.json): the reports would be written among the user's
 * own files.  `what` names the option in messages ("--out"). */
int sb_outdir_check(const char *dir, const char *what, sb_error *err);

/* report.c: aggregate stored results into runs.csv, summary.csv, context.json and
 * faithfulness.{png,svg}.  `results` holds one object per run (same order as
 * c->runs; NULL for runs without a result). */
int sb_report_write(const sb_config *c, const char *outdir, json_t *const *results,
                    int print_table, sb_error *err);
/* context.json content (date, host, commit, dirty, compiler, libraries, config). */
json_t *sb_context_json(const char *config_path, const char *config_text);

#endif
