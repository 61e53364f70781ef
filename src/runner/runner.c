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
#include "data/live.h"
#include "metrics/metrics.h"

static json_t *jnum(double v) { return isfinite(v) ? json_real(v) : json_null(); }

static const char *status_of(int code) {
  switch (code) {
  case SB_OK: return "ok";
  case SB_ESKIP: return "skipped";
  case SB_EUNSUPPORTED: return "unsupported";
  default: return "failed";
  }
}

static void add_definition(json_t *j, const sb_run_def *rd) {
  json_object_set_new(j, "id", json_string(rd->id));
  json_object_set_new(j, "group", json_string(rd->group));
  json_object_set_new(j, "dataset_spec", json_string(rd->dataset_spec));
  json_object_set_new(j, "family", json_string(rd->family));
  json_object_set_new(j, "instance", json_integer((json_int_t)rd->instance));
  json_object_set_new(j, "algorithm", json_string(rd->algo->name));
  json_object_set_new(j, "algo_label", json_string(rd->algo_label));
  json_object_set_new(j, "params", json_string(rd->algo_params));
  json_object_set_new(j, "budget", json_integer((json_int_t)rd->budget));
  json_object_set_new(j, "repetition", json_integer((json_int_t)rd->repetition));
  char seed[32];
  snprintf(seed, sizeof seed, "%016llx", (unsigned long long)rd->seed);
  json_object_set_new(j, "seed", json_string(seed));
}

json_t *sb_run_execute(const sb_run_def *rd, const sb_run_options *opt,
                       sb_spectrum **surrogate, sb_dataset **dataset_out) {
  json_t *j = json_object();
  if (!j) return NULL;
  add_definition(j, rd);
  if (surrogate) *surrogate = NULL;
  if (dataset_out) *dataset_out = NULL;
  sb_error err = {0};
  sb_dataset *d = NULL;
  sb_heldout *h = NULL;
  sb_params *params = NULL;
  gsl_rng *rng = NULL;
  sb_oracle *oracle = NULL;
  sb_fit fit = {0};
  int rc = sb_dataset_open(rd->dataset_spec, &d, &err);
  if (rc) goto finish;
  json_object_set_new(j, "dataset", json_string(d->name));
  json_object_set_new(j, "n", json_integer((json_int_t)d->n));
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
                     d->noise_sigma, opt->threads > 0 ? opt->threads : 1, rd->shared_seed};
  double w0 = sb_wall_seconds(), c0 = sb_cpu_seconds();
  rc = sb_algo_execute(rd->algo, &ctx, oracle, &fit, &err);
  double wall = sb_wall_seconds() - w0, cpu = sb_cpu_seconds() - c0;
  json_object_set_new(j, "queries_used", json_integer((json_int_t)sb_oracle_used(oracle)));
  json_object_set_new(j, "queries_asked", json_integer((json_int_t)sb_oracle_asked(oracle)));
  json_object_set_new(j, "wall_s", json_real(wall));
  json_object_set_new(j, "cpu_s", json_real(cpu));
  json_t *ph = json_object();
  for (size_t i = 0; i < fit.n_phases; i++)
    json_object_set_new(ph, fit.phases[i].name, json_real(fit.phases[i].seconds));
  json_object_set_new(j, "phases", ph);
  json_object_set_new(j, "info", json_string(fit.info));
  if (rc == SB_EUNSUPPORTED) sb_error_prefix(&err, "%s asked for a mask the dataset lacks", rd->algo->name);
  if (rc) goto finish;
  json_object_set_new(j, "terms", json_integer((json_int_t)sb_spectrum_size(fit.surrogate)));
  json_object_set_new(j, "basis", json_string(sb_basis_name(fit.surrogate->basis)));
  /* metrics */
  double r2h = NAN, r2e = NAN;
  size_t heldout_asked = 0;
  if (opt->heldout) {
    size_t before = d->live_asked ? d->live_asked(d->ctx) : 0;
    rc = sb_heldout_make(d, opt->heldout, opt->heldout_dist, rd->heldout_seed, &h, &err);
    heldout_asked = d->live_asked ? d->live_asked(d->ctx) - before : 0;
    if (rc) goto finish;
    if ((rc = sb_r2_heldout(h, fit.surrogate, &r2h, &err))) goto finish;
  }
  if (d->live_asked) { /* what the model was asked (the rest came from the recording) */
    json_object_set_new(j, "live_asked", json_integer((json_int_t)d->live_asked(d->ctx)));
    json_object_set_new(j, "live_asked_heldout", json_integer((json_int_t)heldout_asked));
  }
  json_object_set_new(j, "heldout_count", json_integer((json_int_t)opt->heldout));
  json_object_set_new(j, "heldout_dist", json_string(sb_heldout_dist_name(opt->heldout_dist)));
  json_object_set_new(j, "r2_heldout", jnum(r2h));
  if (d->truth) {
    sb_error e2;
    if (sb_r2_parseval(d->truth, fit.surrogate, &r2e, &e2) == SB_OK)
      json_object_set_new(j, "r2_exact", jnum(r2e));
    const sb_dataset_family *fam = sb_dataset_family_find(d->family);
    sb_recovery rec;
    if (fam && !fam->path_arg && sb_recovery_compute(d->truth, fit.surrogate, 1e-6, &rec, &e2) == SB_OK) {
      json_object_set_new(j, "precision", jnum(rec.precision));
      json_object_set_new(j, "recall", jnum(rec.recall));
      json_object_set_new(j, "rel_error", jnum(rec.rel_error));
    }
  }
finish:
  json_object_set_new(j, "status", json_string(status_of(rc)));
  json_object_set_new(j, "message", json_string(rc ? err.msg : ""));
  if (surrogate && rc == SB_OK) {
    *surrogate = fit.surrogate;
    fit.surrogate = NULL;
  }
  sb_fit_clear(&fit);
  sb_heldout_free(h);
  sb_oracle_free(oracle);
  gsl_rng_free(rng);
  sb_params_free(params);
  if (dataset_out && rc == SB_OK) *dataset_out = d;
  else sb_dataset_free(d);
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
  sb_run_options opt = {c->heldout, c->heldout_dist, threads};
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
  /* Live models: one pool server per model for the whole sweep (data/live.h),
   * started before any worker is forked so every worker can reach it. */
  sb_live_pools *live = NULL;
  {
    const char **specs = calloc(c->n_runs ? c->n_runs : 1, sizeof *specs);
    if (!specs) rc = sb_error_set(err, SB_ENOMEM, "out of memory");
    for (size_t i = 0; specs && i < c->n_runs; i++)
      specs[i] = results[i] ? NULL : c->runs[i].dataset_spec;
    if (!rc) rc = sb_live_pools_start(specs, c->n_runs, &live, err);
    free(specs);
    if (rc) {
      for (size_t i = 0; i < c->n_runs; i++) json_decref(results[i]);
      free(results), free(pids), free(slot_run);
      return rc;
    }
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
      json_t *j = json_object();
      add_definition(j, &c->runs[i]);
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
      json_object_set_new(j, "status", json_string("failed"));
      json_object_set_new(j, "message", json_string(msg));
      sb_error e2;
      if (!old) sb_json_write_atomic(j, path, &e2); /* best effort; the row is kept anyway */
      results[i] = j;
    }
    if (results[i]) done++;
    progress(done, c->n_runs, t0, tty);
  }
  sigaction(SIGINT, &old_int, NULL);
  json_decref(sb_live_pools_stop(live, !o->quiet));
  int was_interrupted = interrupted == 1;
  if (rc == SB_OK) rc = sb_report_write(c, outdir, results, !o->quiet, err);
  for (size_t i = 0; i < c->n_runs; i++) json_decref(results[i]);
  free(results), free(pids), free(slot_run);
  if (rc == SB_OK && was_interrupted)
    rc = sb_error_set(err, SB_EINTR, "interrupted: %zu of %zu runs finished and kept in %s", done,
                      c->n_runs, outdir);
  return rc;
}
