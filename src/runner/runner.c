/* Run execution: one run in-process (sb_run_execute) and whole sweeps with a
 * pool of forked workers (sb_runner_run).  Forking isolates runs: a crash or an
 * abort inside one algorithm becomes a failed row, not a dead sweep, and the
 * result of a run depends only on its definition (seeds derived in config.c),
 * never on --jobs or order. */
#include "runner/runner.h"

#include <errno.h>
#include <glob.h>
#include <math.h>
#include <omp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/fsutil.h"
#include "core/seed.h"
#include "core/timer.h"
#include "data/dataset.h"
#include "metrics/metrics.h"
#include "runner/provenance.h"

/* The metrics of a fitted surrogate: held-out R² (same masks for every run on
 * this dataset instance), and with a known spectrum Parseval R² and recovery. */
static int run_metrics(const sb_run_def *rd, const sb_run_options *opt, const sb_dataset *d,
                       const sb_spectrum *g, sb_run_result *r, sb_error *err) {
  sb_heldout *h = NULL;
  int rc = SB_OK;
  if (opt->heldout) {
    if ((rc = sb_heldout_make(d, opt->heldout, opt->heldout_dist, rd->heldout_seed, &h, err)))
      return rc;
    rc = sb_r2_heldout(h, g, &r->r2_heldout, err);
    sb_heldout_free(h);
    if (rc) return rc;
  }
  r->heldout_count = opt->heldout;
  if ((rc = sb_run_result_set(&r->heldout_dist, sb_heldout_dist_name(opt->heldout_dist))))
    return sb_error_set(err, rc, "out of memory");
  if (d->truth) {
    sb_error e2;
    double r2e;
    if (sb_r2_parseval(d->truth, g, &r2e, &e2) == SB_OK) r->r2_exact = r2e;
    const sb_dataset_family *fam = sb_dataset_family_find(d->family);
    sb_recovery rec;
    if (fam && !fam->path_arg && sb_recovery_compute(d->truth, g, 1e-6, &rec, &e2) == SB_OK) {
      r->precision = rec.precision;
      r->recall = rec.recall;
      r->rel_error = rec.rel_error;
    }
  }
  return SB_OK;
}

int sb_run_execute_result(const sb_run_def *rd, const sb_run_options *opt, sb_run_result *r,
                          sb_spectrum **surrogate, sb_dataset **dataset_out) {
  sb_run_result_init(r);
  if (surrogate) *surrogate = NULL;
  if (dataset_out) *dataset_out = NULL;
  if (sb_run_result_set_def(r, rd)) return SB_ENOMEM;
  r->master_seed = opt->master_seed;
  sb_error err = {0};
  sb_dataset *d = NULL;
  sb_params *params = NULL;
  gsl_rng *rng = NULL;
  sb_oracle *oracle = NULL;
  sb_fit fit = {0};
  int rc = sb_dataset_open(rd->dataset_spec, &d, &err), nomem = 0;
  if (rc) goto finish;
  nomem |= sb_run_result_set(&r->dataset, d->name);
  r->n = d->n;
  char what[200];
  snprintf(what, sizeof what, "algorithm %s", rd->algo->name);
  if ((rc = sb_params_parse(rd->algo_params, rd->algo->params, what, &params, &err))) goto finish;
  rng = sb_rng_alloc(rd->seed);
  oracle = sb_oracle_alloc(d->n, d->eval, d->ctx, rd->budget);
  if (!rng || !oracle) {
    rc = sb_error_set(&err, SB_ENOMEM, "out of memory");
    goto finish;
  }
  sb_algo_ctx ctx = {d->n, rd->budget, params, rng, rd->seed, rd->design_seed,
                     d->noise_sigma, opt->threads > 0 ? opt->threads : 1};
  double w0 = sb_wall_seconds(), c0 = sb_cpu_seconds();
  rc = sb_algo_execute(rd->algo, &ctx, oracle, &fit, &err);
  r->wall_s = sb_wall_seconds() - w0;
  r->cpu_s = sb_cpu_seconds() - c0;
  r->queries_used = sb_oracle_used(oracle);
  r->queries_asked = sb_oracle_asked(oracle);
  for (size_t i = 0; i < fit.n_phases; i++)
    nomem |= sb_phase_list_add(&r->phases, fit.phases[i].name, fit.phases[i].seconds);
  nomem |= sb_run_result_set(&r->info, fit.info);
  if (rc == SB_EUNSUPPORTED) sb_error_prefix(&err, "%s asked for a mask the dataset lacks", rd->algo->name);
  if (rc) goto finish;
  r->terms = sb_spectrum_size(fit.surrogate);
  nomem |= sb_run_result_set(&r->basis, sb_basis_name(fit.surrogate->basis));
  rc = run_metrics(rd, opt, d, fit.surrogate, r, &err);
finish:
  r->status = (int)sb_run_status_of(rc);
  nomem |= sb_run_result_set(&r->message, rc ? err.msg : "");
  /* after the run: asking git (when no parent did) never delays a live model */
  nomem |= sb_run_result_set_provenance(r);
  if (surrogate && rc == SB_OK) {
    *surrogate = fit.surrogate;
    fit.surrogate = NULL;
  }
  sb_fit_clear(&fit);
  sb_oracle_free(oracle);
  gsl_rng_free(rng);
  sb_params_free(params);
  if (dataset_out && rc == SB_OK) *dataset_out = d;
  else sb_dataset_free(d);
  return nomem ? SB_ENOMEM : SB_OK;
}

json_t *sb_run_execute(const sb_run_def *rd, const sb_run_options *opt,
                       sb_spectrum **surrogate, sb_dataset **dataset_out) {
  sb_run_result r;
  json_t *j = NULL;
  if (sb_run_execute_result(rd, opt, &r, surrogate, dataset_out) == SB_OK)
    j = sb_run_result_to_json(&r, SB_COL_IN_JSON);
  sb_run_result_clear(&r);
  return j;
}

/* ==== sweeps ============================================================= */

static volatile sig_atomic_t interrupted = 0;
static void on_sigint(int sig) {
  (void)sig;
  interrupted = 1;
}

static void result_path(const char *outdir, const sb_run_def *rd, char *buf, size_t len) {
  snprintf(buf, len, "%s/runs/%s.json", outdir, rd->id);
}

/* A worker killed by a signal (Ctrl-C reaches the whole process group; the OOM
 * killer) may die between creating its atomic temp file and renaming it: remove
 * that run's leftover OUT/runs/ID*.tmp.* (the final files are never partial). */
static void remove_worker_temps(const char *outdir, const sb_run_def *rd) {
  char pat[4400];
  snprintf(pat, sizeof pat, "%s/runs/%s.*tmp.*", outdir, rd->id);
  glob_t gl;
  if (glob(pat, 0, NULL, &gl) != 0) return;
  for (size_t k = 0; k < gl.gl_pathc; k++) unlink(gl.gl_pathv[k]);
  globfree(&gl);
}

/* A stored result is reusable if it parses and carries the same id. */
static json_t *load_result(const char *path, const sb_run_def *rd) {
  json_error_t je;
  json_t *j = json_load_file(path, 0, &je);
  if (!j) return NULL;
  const char *id = json_string_value(json_object_get(j, "id"));
  if (!id || strcmp(id, rd->id) != 0 || !json_is_string(json_object_get(j, "status"))) {
    json_decref(j);
    return NULL;
  }
  return j;
}

/* Worker exit statuses besides 0 (result written). */
enum { WORKER_NO_RESULT = 3, WORKER_WRITE_FAILED = 4 };

static int child_main(const sb_config *c, const sb_run_def *rd, const char *outdir, int threads) {
  signal(SIGINT, SIG_DFL);
  omp_set_num_threads(threads);
  sb_run_options opt = {c->heldout, c->heldout_dist, threads, {c->seed, 1}};
  sb_spectrum *g = NULL;
  json_t *j = sb_run_execute(rd, &opt, c->save_spectra ? &g : NULL, NULL);
  if (!j) return WORKER_NO_RESULT;
  sb_error err;
  char path[4096];
  if (g) {
    snprintf(path, sizeof path, "%s/runs/%s.spectrum.json", outdir, rd->id);
    if (sb_spectrum_write_json(g, path, &err)) fprintf(stderr, "spexbench: %s\n", err.msg);
    sb_spectrum_free(g);
  }
  result_path(outdir, rd, path, sizeof path);
  int rc = sb_json_write_atomic(j, path, &err);
  json_decref(j);
  if (rc) {
    fprintf(stderr, "spexbench: %s\n", err.msg);
    return WORKER_WRITE_FAILED;
  }
  return 0;
}

static void progress(size_t done, size_t total, double t0, int tty) {
  if (!tty) return;
  double el = sb_wall_seconds() - t0;
  double eta = done ? el / (double)done * (double)(total - done) : 0;
  fprintf(stderr, "\r[%zu/%zu runs] %.0fs elapsed, ETA %.0fs   ", done, total, el, eta);
  if (done == total) fprintf(stderr, "\n");
  fflush(stderr);
}

int sb_runner_run(const sb_config *c, const sb_runner_opts *o, sb_error *err) {
  char outdir[4096], runsdir[4200];
  if (o->outdir) snprintf(outdir, sizeof outdir, "%s", o->outdir);
  else snprintf(outdir, sizeof outdir, "results/%s", c->name);
  snprintf(runsdir, sizeof runsdir, "%s/runs", outdir);
  int rc = sb_mkdir_p(runsdir, err);
  if (rc) return rc;
  if ((rc = sb_provenance_check_output(sb_provenance_get(), outdir, err))) return rc;
  if (access(runsdir, W_OK) != 0)
    return sb_error_set(err, SB_EIO, "%s: results directory is not writable", runsdir);
  int cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
  if (cores < 1) cores = 1;
  int threads = o->threads > 0 ? o->threads : cores;
  int jobs = o->jobs > 0 ? o->jobs : 1;

  json_t **results = calloc(c->n_runs ? c->n_runs : 1, sizeof *results);
  pid_t *pids = calloc((size_t)jobs, sizeof *pids);
  size_t *slot_run = calloc((size_t)jobs, sizeof *slot_run);
  if (!results || !pids || !slot_run) {
    free(results), free(pids), free(slot_run);
    return sb_error_set(err, SB_ENOMEM, "out of memory");
  }
  size_t done = 0, skipped_done = 0;
  char path[4400];
  for (size_t i = 0; i < c->n_runs; i++) {
    if (o->force) continue;
    result_path(outdir, &c->runs[i], path, sizeof path);
    results[i] = load_result(path, &c->runs[i]);
    if (results[i]) done++, skipped_done++;
  }
  struct sigaction sa, old_int;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigint;
  sigaction(SIGINT, &sa, &old_int);
  interrupted = 0;
  int tty = isatty(2);
  double t0 = sb_wall_seconds();
  if (skipped_done && !o->quiet)
    fprintf(stderr, "spexbench: %zu of %zu runs already done in %s (use --force to rerun)\n",
            skipped_done, c->n_runs, outdir);
  size_t next = 0, running = 0;
  fflush(NULL);
  for (;;) {
    /* launch */
    while (!interrupted && running < (size_t)jobs && next < c->n_runs) {
      size_t i = next++;
      if (results[i]) continue;
      /* live-model datasets are never run concurrently (one process, one trace) */
      int exclusive = !strcmp(c->runs[i].family, "command");
      if (exclusive && running > 0) {
        next--;
        break;
      }
      int slot = 0;
      while (pids[slot]) slot++;
      pid_t pid = fork();
      if (pid < 0) {
        rc = sb_error_set(err, SB_EIO, "fork failed: %s", strerror(errno));
        interrupted = 2;
        break;
      }
      if (pid == 0) _exit(child_main(c, &c->runs[i], outdir, threads));
      pids[slot] = pid;
      slot_run[slot] = i;
      running++;
      if (exclusive) break;
    }
    if (running == 0) break;
    int status;
    pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;
    }
    int slot = -1;
    for (int s = 0; s < jobs; s++)
      if (pids[s] == pid) slot = s;
    if (slot < 0) continue;
    pids[slot] = 0;
    running--;
    size_t i = slot_run[slot];
    if (WIFSIGNALED(status)) remove_worker_temps(outdir, &c->runs[i]);
    result_path(outdir, &c->runs[i], path, sizeof path);
    /* Only a worker that exited 0 wrote this run's file; after any other end the
     * file on disk (if any) is an earlier run's (--force) and must not be reported
     * as this one's. */
    int wrote = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    results[i] = wrote ? load_result(path, &c->runs[i]) : NULL;
    if (!results[i] && !interrupted) {
      /* a failed row: on disk if nothing is there, else in memory only, so an
       * earlier result is never overwritten by a failure */
      char msg[512];
      struct stat st;
      int old = stat(path, &st) == 0;
      if (WIFSIGNALED(status))
        snprintf(msg, sizeof msg, "worker crashed: %s", strsignal(WTERMSIG(status)));
      else if (wrote)
        snprintf(msg, sizeof msg, "worker exited without a readable result in %s", path);
      else if (WEXITSTATUS(status) == WORKER_WRITE_FAILED)
        snprintf(msg, sizeof msg, "worker could not write its result %s", path);
      else
        snprintf(msg, sizeof msg, "worker exited with status %d without a result",
                 WEXITSTATUS(status));
      if (old && !wrote)
        snprintf(msg + strlen(msg), sizeof msg - strlen(msg),
                 " (an earlier result is left in that file and not reported)");
      json_t *j = sb_run_result_failed_json(&c->runs[i], msg);
      sb_error e2;
      if (j && !old) sb_json_write_atomic(j, path, &e2); /* best effort; the row is kept anyway */
      results[i] = j;
    }
    if (results[i]) done++;
    progress(done, c->n_runs, t0, tty);
  }
  sigaction(SIGINT, &old_int, NULL);
  int was_interrupted = interrupted == 1;
  if (rc == SB_OK) rc = sb_report_write(c, outdir, results, !o->quiet, err);
  for (size_t i = 0; i < c->n_runs; i++) json_decref(results[i]);
  free(results), free(pids), free(slot_run);
  if (rc == SB_OK && was_interrupted)
    rc = sb_error_set(err, SB_EINTR, "interrupted: %zu of %zu runs finished and kept in %s", done,
                      c->n_runs, outdir);
  return rc;
}
