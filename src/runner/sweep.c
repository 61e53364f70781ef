/* Sweeps (sb_runner_run): the results directory, the stored results that can be
 * reused, and a pool of forked workers, --jobs at a time.
 *
 * Forking isolates runs: a crash or an abort inside one algorithm becomes a failed
 * row, not a dead sweep.  Reuse: a stored result is reused only if it carries the
 * run's id and identity (config.h: sb_run_identity), else the run is rerun and the
 * reason printed.  Processes: the parent never opens a dataset (sb_dataset_probe
 * forks for that); every worker dies with the parent (PR_SET_PDEATHSIG, checked
 * against the race with getppid), and so do the live-model processes a worker
 * starts (core/proc.c's guard).  Live models: one pool server per distinct model
 * is forked before the first worker and stopped after the last (data/live.h), so
 * runs on one model overlap and share its K processes.  The runner is a child
 * subreaper while the sweep runs: the guard of a worker that was killed is
 * adopted and reaped here, not left to a PID 1 that may never reap it.  SIGINT,
 * SIGTERM and SIGHUP stop the running workers, keep the finished runs, write the
 * reports for them and leave no temporary files.
 * One sweep at a time per results directory (flock on OUT/runs/.lock), so stale
 * temporary files of a killed sweep can be removed safely.  The pieces that the
 * MPI sweep (mpi.c) and the merge of shards (shard.c) reuse are in sweep.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <math.h>
#include <omp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/digest.h"
#include "core/fsutil.h"
#include "core/proc.h"
#include "core/timer.h"
#include "data/dataset.h"
#include "data/live.h"
#include "runner/provenance.h"
#include "runner/runner.h"
#include "runner/sweep.h"

/* ==== the results directory ============================================== */

int sb_outdir_check(const char *dir, const char *what, sb_error *err) {
  if (!*dir)
    return sb_error_set(err, SB_EINVAL, "%s '': expected the name of a folder for the results",
                        what);
  for (const char *p = dir; *p; p++)
    if ((unsigned char)*p < 32 || *p == 127)
      return sb_error_set(err, SB_EINVAL, "%s: the name contains a control character", what);
  int only_dots = 1, only_slashes = 1;
  for (const char *p = dir; *p;) {
    while (*p == '/') p++;
    const char *e = p;
    while (*e && *e != '/') e++;
    size_t l = (size_t)(e - p);
    if (l) only_slashes = 0;
    if (l && !(l == 1 && p[0] == '.') && !(l == 2 && p[0] == '.' && p[1] == '.')) only_dots = 0;
    p = e;
  }
  if (only_slashes)
    return sb_error_set(err, SB_EINVAL, "%s '%s': refusing to write results into the root "
                        "directory; name a folder for them", what, dir);
  if (only_dots)
    return sb_error_set(err, SB_EINVAL, "%s '%s': refusing to write results into the current "
                        "directory or one of its parents; name a folder for them", what, dir);
  struct stat st;
  if (stat(dir, &st) != 0) return SB_OK; /* created later (sb_mkdir_p names any failure) */
  if (!S_ISDIR(st.st_mode))
    return sb_error_set(err, SB_EINVAL, "%s '%s': exists and is %s, not a directory", what, dir,
                        sb_file_kind((unsigned)st.st_mode));
  DIR *d = opendir(dir);
  if (!d) return SB_OK; /* unreadable: the write checks report it */
  int other = 0, ours = 0;
  for (struct dirent *e; (e = readdir(d));) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    if (!strcmp(e->d_name, "runs") || !strcmp(e->d_name, "runs.csv") ||
        !strcmp(e->d_name, "summary.csv") || !strcmp(e->d_name, "context.json"))
      ours = 1;
    else
      other = 1;
  }
  closedir(d);
  if (other && !ours)
    return sb_error_set(err, SB_EINVAL, "%s '%s': is a non-empty directory that holds no "
                        "spexbench results (no runs/, runs.csv or context.json); name a new or "
                        "empty folder", what, dir);
  return SB_OK;
}

/* ==== before any run ====================================================== */

/* Every dataset once: data files opened in a child (sb_dataset_probe), generated
 * specs checked; the held-out set must fit in memory at each dataset's n. */
static int preflight(const sb_config *c, sb_error *err) {
  for (size_t i = 0; i < c->n_runs; i++) {
    const sb_run_def *rd = &c->runs[i];
    if (i && !strcmp(rd->dataset_spec, c->runs[i - 1].dataset_spec)) continue;
    size_t n = 0;
    sb_error e2 = {0};
    if (sb_dataset_probe(rd->dataset_spec, &n, &e2))
      return sb_error_set(err, e2.code == SB_ENOMEM ? SB_ENOMEM : SB_EINVAL, "%s:%d: %s", c->path,
                          rd->line, e2.msg);
    if (c->heldout && sb_heldout_check_memory(c->heldout, n, &e2))
      return sb_error_set(err, SB_EINVAL, "%s:%d: heldout = %zu: %s (dataset %s)", c->path,
                          c->heldout_line ? c->heldout_line : rd->line, c->heldout, e2.msg,
                          rd->dataset_spec);
  }
  return SB_OK;
}

/* One sweep per results directory at a time: an exclusive flock on OUT/runs/.lock,
 * held until the process (and its workers, which share the descriptor) ends. */
static int lock_outdir(const char *runsdir, int *fd, sb_error *err) {
  char lp[4300];
  snprintf(lp, sizeof lp, "%s/.lock", runsdir);
  *fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (*fd < 0) {
    int e = errno;
    return sb_error_set(err, SB_EIO, "%s: cannot create the lock file: %s", lp, strerror(e));
  }
  if (flock(*fd, LOCK_EX | LOCK_NB) == 0) return SB_OK;
  int e = errno;
  close(*fd);
  *fd = -1;
  if (e == EWOULDBLOCK)
    return sb_error_set(err, SB_EIO, "%s: another spexbench run is writing results there", runsdir);
  return sb_error_set(err, SB_EIO, "%s: flock failed: %s", lp, strerror(e));
}

/* Remove temporary files matching PATTERN (atomic writes of a process that was
 * killed between creating and renaming them; the final files are never partial). */
static void remove_temps(const char *pattern) {
  glob_t gl;
  if (glob(pattern, 0, NULL, &gl) != 0) return;
  for (size_t k = 0; k < gl.gl_pathc; k++) unlink(gl.gl_pathv[k]);
  globfree(&gl);
}

static void result_path(const char *outdir, const sb_run_def *rd, char *buf, size_t len) {
  snprintf(buf, len, "%s/runs/%s.json", outdir, rd->id);
}

/* ==== stored results ====================================================== */

/* Why a stored identity differs from the run's: the first differing key (one
 * only the stored identity has, such as shared_design_seed, included). */
static void identity_diff(const json_t *stored, const json_t *want, char *why, size_t len) {
  const char *k;
  const json_t *v;
  json_object_foreach((json_t *)want, k, v) {
    const json_t *s = json_object_get(stored, k);
    if (s && json_equal(s, v)) continue;
    char *a = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL, *b = json_dumps(v, JSON_ENCODE_ANY);
    if (!strcmp(k, "dataset") && a && b && strstr(a, "sha256="))
      snprintf(why, len, "the data file's content changed");
    else
      snprintf(why, len, "%s changed from %.60s to %.60s", k, a ? a : "(none)", b ? b : "?");
    free(a);
    free(b);
    return;
  }
  json_object_foreach((json_t *)stored, k, v) {
    if (json_object_get(want, k)) continue;
    char *a = json_dumps(v, JSON_ENCODE_ANY);
    snprintf(why, len, "%s changed from %.60s to (none)", k, a ? a : "?");
    free(a);
    return;
  }
  snprintf(why, len, "its identity differs");
}

/* The stored result of a run if it is the same result: it parses, carries the
 * run's id and identity, and (with save_spectra) its spectrum is there.  Else
 * NULL, and `why` says why a file that exists is not reused ("" if none exists). */
json_t *sb_sweep_load(const sb_config *c, const char *outdir, const sb_run_def *rd, char *why,
                      size_t wlen) {
  char path[4400];
  result_path(outdir, rd, path, sizeof path);
  why[0] = '\0';
  if (!sb_file_exists(path)) return NULL;
  json_error_t je;
  json_t *j = json_load_file(path, 0, &je);
  /* the identity is stored as its canonical text (result.h's "identity" column) */
  const char *have = j ? json_string_value(json_object_get(j, "identity")) : NULL;
  const char *id = j ? json_string_value(json_object_get(j, "id")) : NULL;
  const char *status = j ? json_string_value(json_object_get(j, "status")) : NULL;
  json_t *want = NULL, *hobj = NULL;
  if (!j || !status) snprintf(why, wlen, "the stored file is unreadable");
  else if (!id || strcmp(id, rd->id)) snprintf(why, wlen, "the stored file is another run's");
  else if (!rd->identity) snprintf(why, wlen, "the run has no identity");
  else if (!have || !*have)
    snprintf(why, wlen, "it was stored before run identities (an older spexbench)");
  else if (strcmp(have, rd->identity)) {
    want = json_loads(rd->identity, 0, NULL);
    hobj = json_loads(have, 0, NULL);
    if (want && json_is_object(hobj)) identity_diff(hobj, want, why, wlen);
    else snprintf(why, wlen, "its identity differs");
  }
  else if (c->save_spectra && !strcmp(status, "ok")) {
    char sp[4400];
    snprintf(sp, sizeof sp, "%s/runs/%s.spectrum.json", outdir, rd->id);
    if (!sb_file_exists(sp)) snprintf(why, wlen, "save_spectra is on and its spectrum is missing");
  }
  json_decref(want);
  json_decref(hobj);
  if (why[0]) {
    json_decref(j);
    return NULL;
  }
  return j;
}

/* ==== workers ============================================================= */

static volatile sig_atomic_t stop_signal = 0;
static int last_stop_signal = 0;
static void on_stop(int sig) { stop_signal = sig; }
static const int STOP_SIGNALS[] = {SIGINT, SIGTERM, SIGHUP};
#define N_STOP (sizeof STOP_SIGNALS / sizeof STOP_SIGNALS[0])
_Static_assert(N_STOP == SB_SWEEP_N_STOP, "sweep.h's SB_SWEEP_N_STOP");

int sb_runner_stop_signal(void) { return last_stop_signal; }

void sb_sweep_catch_stops(struct sigaction old[SB_SWEEP_N_STOP]) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop;
  stop_signal = 0;
  for (size_t k = 0; k < N_STOP; k++) sigaction(STOP_SIGNALS[k], &sa, &old[k]);
}

int sb_sweep_stopped(void) { return stop_signal; }

int sb_sweep_release_stops(const struct sigaction old[SB_SWEEP_N_STOP]) {
  for (size_t k = 0; k < N_STOP; k++) sigaction(STOP_SIGNALS[k], &old[k], NULL);
  last_stop_signal = stop_signal;
  return last_stop_signal;
}

/* Worker exit statuses besides 0 (result written). */
enum { WORKER_NO_RESULT = 3, WORKER_WRITE_FAILED = 4, WORKER_ORPHAN = 5 };

static int child_main(const sb_config *c, const sb_run_def *rd, const char *outdir, int threads,
                      pid_t parent, const sigset_t *old_mask) {
  /* die with the parent, even by SIGKILL; if it already died, stop now */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) return WORKER_ORPHAN;
  for (size_t k = 0; k < N_STOP; k++) signal(STOP_SIGNALS[k], SIG_DFL);
  sigprocmask(SIG_SETMASK, old_mask, NULL);
  omp_set_num_threads(threads);
  sb_run_options opt = {.heldout = c->heldout,
                        .heldout_dist = c->heldout_dist,
                        .threads = threads,
                        .master_seed = {c->seed, 1},
                        .removal = c->removal,
                        .removal_exact_max = c->removal_exact_max};
  sb_spectrum *g = NULL;
  json_t *j = sb_run_execute(rd, &opt, c->save_spectra ? &g : NULL, NULL);
  if (!j) return WORKER_NO_RESULT;
  sb_error err;
  char path[4400];
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

/* The row of a worker that left no result: on disk if nothing is there, else in
 * memory only, so an earlier result is never overwritten by a failure. */
static json_t *failed_row(const sb_run_def *rd, const char *path, int status) {
  char msg[600];
  struct stat st;
  int old = stat(path, &st) == 0;
  int wrote = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (WIFSIGNALED(status))
    snprintf(msg, sizeof msg, "worker crashed: %s", strsignal(WTERMSIG(status)));
  else if (wrote)
    snprintf(msg, sizeof msg, "worker exited without a readable result in %.400s", path);
  else if (WEXITSTATUS(status) == WORKER_WRITE_FAILED)
    snprintf(msg, sizeof msg, "worker could not write its result %.400s", path);
  else
    snprintf(msg, sizeof msg, "worker exited with status %d without a result",
             WEXITSTATUS(status));
  if (old && !wrote)
    snprintf(msg + strlen(msg), sizeof msg - strlen(msg),
             " (an earlier result is left in that file and not reported)");
  json_t *j = sb_run_result_failed_json(rd, msg);
  sb_error e2;
  if (j && !old) sb_json_write_atomic(j, path, &e2); /* best effort; the row is kept anyway */
  return j;
}

void sb_sweep_progress(size_t done, size_t total, size_t rerun, double t0, int tty) {
  if (!tty) return;
  double el = sb_wall_seconds() - t0;
  double eta = done ? el / (double)done * (double)(total - done) : 0;
  fprintf(stderr, "\r[%zu/%zu runs", done, total);
  if (rerun) fprintf(stderr, ", %zu stale rerun", rerun);
  fprintf(stderr, "] %.0fs elapsed, ETA %.0fs   ", el, eta);
  if (done == total) fprintf(stderr, "\n");
  fflush(stderr);
}

int sb_sweep_fork(const sb_config *c, size_t i, const char *dir, int threads, pid_t *pid,
                  sb_error *err) {
  sigset_t block, old;
  sigemptyset(&block);
  for (size_t k = 0; k < N_STOP; k++) sigaddset(&block, STOP_SIGNALS[k]);
  sigprocmask(SIG_BLOCK, &block, &old);
  pid_t parent = getpid();
  fflush(NULL);
  *pid = fork();
  if (*pid == 0) _exit(child_main(c, &c->runs[i], dir, threads, parent, &old));
  int e = errno;
  sigprocmask(SIG_SETMASK, &old, NULL);
  if (*pid < 0) return sb_error_set(err, SB_EIO, "fork failed: %s", strerror(e));
  return SB_OK;
}

json_t *sb_sweep_collect(const sb_config *c, size_t i, const char *dir, int status,
                         int stopping) {
  char path[4400], pat[4500], why[300];
  snprintf(pat, sizeof pat, "%s/runs/%s.*tmp.*", dir, c->runs[i].id);
  if (WIFSIGNALED(status)) remove_temps(pat);
  result_path(dir, &c->runs[i], path, sizeof path);
  /* Only a worker that exited 0 wrote this run's file; after any other end the
   * file on disk (if any) is an earlier run's (--force) and must not be reported
   * as this one's.  A worker stopped by our stop signal is not a failure. */
  int wrote = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  json_t *j = wrote ? sb_sweep_load(c, dir, &c->runs[i], why, sizeof why) : NULL;
  if (!j && !stopping) j = failed_row(&c->runs[i], path, status);
  return j;
}

typedef struct pool {
  const sb_config *c;
  const char *outdir;
  int jobs, threads;
  pid_t *pids;      /* per slot, 0 = free */
  size_t *slot_run; /* run index per slot */
  size_t running;
  int signalled;    /* the running workers were sent SIGTERM */
} pool;

/* Fork a worker for run i into a free slot.  Stop signals are blocked across the
 * fork, so a Ctrl-C can never reach the child while it still has our handler. */
static int launch(pool *p, size_t i, sb_error *err) {
  int slot = 0;
  while (p->pids[slot]) slot++;
  pid_t pid;
  int rc = sb_sweep_fork(p->c, i, p->outdir, p->threads, &pid, err);
  if (rc) return rc;
  p->pids[slot] = pid;
  p->slot_run[slot] = i;
  p->running++;
  return SB_OK;
}

/* Stop: SIGTERM to every running worker (once; a Ctrl-C has usually reached them
 * already through the process group, a `kill PID` has not). */
static void stop_workers(pool *p) {
  if (p->signalled) return;
  for (int s = 0; s < p->jobs; s++)
    if (p->pids[s]) kill(p->pids[s], SIGTERM);
  p->signalled = 1;
}

/* ==== the sweep =========================================================== */

/* CPU seconds (user + system) of the reaped child processes so far. */
static double children_cpu(void) {
  struct rusage ru;
  if (getrusage(RUSAGE_CHILDREN, &ru) != 0) return NAN;
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
         (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

typedef struct sweep_state {
  json_t **results;
  size_t done, stale;
} sweep_state;

size_t sb_sweep_reuse(const sb_config *c, const sb_runner_opts *o, const char *outdir,
                      json_t **results, size_t *stale) {
  size_t reused = 0;
  char why[300], first_why[300] = "", first_id[200] = "";
  *stale = 0;
  for (size_t i = 0; i < c->n_runs && !o->force; i++) {
    results[i] = sb_sweep_load(c, outdir, &c->runs[i], why, sizeof why);
    if (results[i]) reused++;
    else if (why[0] && !(*stale)++) {
      snprintf(first_why, sizeof first_why, "%s", why);
      snprintf(first_id, sizeof first_id, "%.190s", c->runs[i].id);
    }
  }
  if (o->quiet) return reused;
  if (reused)
    fprintf(stderr, "spexbench: %zu of %zu runs already done in %s (use --force to rerun)\n",
            reused, c->n_runs, outdir);
  if (*stale)
    fprintf(stderr, "spexbench: %zu stored result%s not the same run and will be rerun "
            "(e.g. %s: %s)\n", *stale, *stale == 1 ? " is" : "s are", first_id, first_why);
  return reused;
}

/* One pool server per distinct live model among the runs still to do (data/live.h),
 * forked before any worker so every worker inherits its address.  None if every
 * run on a model has a stored result. */
static int start_live_pools(const sb_config *c, const sweep_state *sw, sb_live_pools **live,
                            sb_error *err) {
  const char **specs = calloc(c->n_runs ? c->n_runs : 1, sizeof *specs);
  if (!specs) return sb_error_set(err, SB_ENOMEM, "out of memory");
  for (size_t i = 0; i < c->n_runs; i++) {
    const sb_dataset_family *f = sb_dataset_spec_family(c->runs[i].dataset_spec);
    int live_family = f && (f->flags & SB_FAMILY_LIVE);
    specs[i] = live_family && !sw->results[i] ? c->runs[i].dataset_spec : NULL;
  }
  int rc = sb_live_pools_start(specs, c->n_runs, live, err);
  free(specs);
  return rc;
}

/* Launch and reap workers until every run has a result or a stop signal came. */
static int run_pool(pool *p, sweep_state *sw, size_t rerun_total, sb_error *err) {
  const sb_config *c = p->c;
  int tty = isatty(2), rc = SB_OK;
  double t0 = sb_wall_seconds();
  size_t next = 0;
  for (;;) {
    while (!stop_signal && rc == SB_OK && p->running < (size_t)p->jobs && next < c->n_runs) {
      size_t i = next;
      if (sw->results[i]) {
        next++;
        continue;
      }
      if ((rc = launch(p, i, err))) break;
      next++;
    }
    if (stop_signal || rc) stop_workers(p);
    if (p->running == 0) break;
    int status;
    pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;
    }
    int slot = -1;
    for (int s = 0; s < p->jobs; s++)
      if (p->pids[s] == pid) slot = s;
    if (slot < 0) { /* a pool server that died, or an orphan we adopted (subreaper) */
      sb_live_pools_child_ended(pid);
      continue;
    }
    p->pids[slot] = 0;
    p->running--;
    size_t i = p->slot_run[slot];
    sw->results[i] = sb_sweep_collect(c, i, p->outdir, status, stop_signal || rc != SB_OK);
    if (sw->results[i]) sw->done++;
    sb_sweep_progress(sw->done, c->n_runs, rerun_total, t0, tty);
  }
  return rc;
}

int sb_sweep_open(const sb_config *c, const sb_runner_opts *o, char *outdir, size_t len,
                  int *lock_fd, sb_error *err) {
  char runsdir[4200], pat[4300];
  *lock_fd = -1;
  if (o->outdir) snprintf(outdir, len, "%s", o->outdir);
  else if (c) snprintf(outdir, len, "results/%s", c->name);
  else return sb_error_set(err, SB_EINVAL, "no results folder named (--out DIR)");
  int rc = sb_outdir_check(outdir, o->outdir ? "--out" : "results directory", err);
  if (!rc && c) rc = preflight(c, err);
  if (rc) return rc;
  snprintf(runsdir, sizeof runsdir, "%s/runs", outdir);
  if ((rc = sb_mkdir_p(runsdir, err))) return rc;
  if ((rc = sb_provenance_check_output(sb_provenance_get(), outdir, err))) return rc;
  if (access(runsdir, W_OK) != 0)
    return sb_error_set(err, SB_EIO, "%s: results directory is not writable", runsdir);
  if ((rc = lock_outdir(runsdir, lock_fd, err))) return rc;
  snprintf(pat, sizeof pat, "%s/runs/*.tmp.*", outdir);
  remove_temps(pat); /* left by a sweep that was killed (we hold the lock) */
  snprintf(pat, sizeof pat, "%s/*.tmp.*", outdir);
  remove_temps(pat);
  return SB_OK;
}

void sb_sweep_slots(const sb_runner_opts *o, int share, int *jobs, int *threads) {
  int cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
  if (cores < 1) cores = 1;
  if (share < 1) share = 1;
  int mine = cores / share > 1 ? cores / share : 1; /* this process's share of the cores */
  *jobs = o->jobs > 0 ? o->jobs : mine;
  *threads = o->threads > 0 ? o->threads : (mine / *jobs > 1 ? mine / *jobs : 1);
}

int sb_runner_run(const sb_config *c, const sb_runner_opts *o, sb_error *err) {
  char outdir[4096];
  last_stop_signal = 0;
  int lock_fd = -1, jobs, threads;
  int rc = sb_sweep_open(c, o, outdir, sizeof outdir, &lock_fd, err);
  if (rc) return rc;
  sb_runner_opts slots = *o; /* the config's `jobs` when the command line does not say */
  if (slots.jobs <= 0 && c->jobs > 0) slots.jobs = c->jobs;
  sb_sweep_slots(&slots, 1, &jobs, &threads);

  sweep_state sw = {calloc(c->n_runs ? c->n_runs : 1, sizeof *sw.results), 0, 0};
  pool p = {c, outdir, jobs, threads, calloc((size_t)jobs, sizeof(pid_t)),
            calloc((size_t)jobs, sizeof(size_t)), 0, 0};
  if (!sw.results || !p.pids || !p.slot_run) {
    free(sw.results), free(p.pids), free(p.slot_run);
    close(lock_fd);
    return sb_error_set(err, SB_ENOMEM, "out of memory");
  }
  if (!o->quiet)
    fprintf(stderr, "spexbench: experiment '%s': %zu runs, %d job%s x %d thread%s\n", c->name,
            c->n_runs, jobs, jobs == 1 ? "" : "s", threads, threads == 1 ? "" : "s");
  size_t reused = sw.done = sb_sweep_reuse(c, o, outdir, sw.results, &sw.stale);
  int was_subreaper = sb_proc_subreaper_begin();
  sb_live_pools *live = NULL;
  if ((rc = start_live_pools(c, &sw, &live, err))) {
    sb_proc_subreaper_end(was_subreaper, 0);
    for (size_t i = 0; i < c->n_runs; i++) json_decref(sw.results[i]);
    free(sw.results), free(p.pids), free(p.slot_run);
    close(lock_fd);
    return rc;
  }
  struct sigaction old[N_STOP];
  sb_sweep_catch_stops(old);
  sb_sweep_stats stats = {0};
  double w0 = sb_wall_seconds(), c0 = children_cpu(), la[1] = {NAN};
  stats.load_start = getloadavg(la, 1) == 1 ? la[0] : NAN;
  rc = run_pool(&p, &sw, sw.stale, err);
  stats.wall_s = sb_wall_seconds() - w0;
  stats.cpu_s = children_cpu() - c0;
  stats.load_end = getloadavg(la, 1) == 1 ? la[0] : NAN;
  stats.reused = reused;
  stats.executed = sw.done - reused;
  stats.jobs = jobs;
  stats.threads = threads;
  json_decref(sb_live_pools_stop(live, !o->quiet));
  sb_proc_subreaper_end(was_subreaper, 1.0); /* reap the orphans of killed workers */
  sb_sweep_release_stops(old);
  if (rc == SB_OK) rc = sb_report_write(c, outdir, sw.results, &stats, !o->quiet, err);
  for (size_t i = 0; i < c->n_runs; i++) json_decref(sw.results[i]);
  free(sw.results), free(p.pids), free(p.slot_run);
  close(lock_fd);
  if (rc == SB_OK && last_stop_signal)
    rc = sb_error_set(err, SB_EINTR, "interrupted by SIG%s: %zu of %zu runs finished and kept in %s",
                      sigabbrev_np(last_stop_signal), sw.done, c->n_runs, outdir);
  return rc;
}
