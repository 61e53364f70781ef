/* The pieces of a sweep (sweep.c) that the distributed sweeps reuse: the MPI
 * sweep (mpi.c: rank 0 writes the results folder, every rank forks workers the
 * same way) and the merge of shard folders (shard.c).  Internal to runner/.
 *
 * A worker is a forked child that runs one run definition and writes
 * DIR/runs/<id>.json (and its spectrum with save_spectra) atomically; a crash or
 * an abort in it is a failed row, never a dead sweep (sweep.c's header says how
 * workers die with their parent and how stop signals are handled). */
#ifndef SB_SWEEP_H
#define SB_SWEEP_H

#include <jansson.h>
#include <signal.h>
#include <sys/types.h>

#include "runner/runner.h"

/* The stop signals a sweep catches: SIGINT, SIGTERM, SIGHUP. */
#define SB_SWEEP_N_STOP 3

/* Open the results folder OUT (o->outdir, else results/<c->name>; c may be NULL
 * only when o->outdir is set) for writing: sb_outdir_check; with a config, every
 * data file probed and the held-out memory checked (before anything is written);
 * OUT/runs created; the provenance rule (a git-tracked folder is not rewritten
 * from a dirty tree); an exclusive flock on OUT/runs/.lock returned in *lock_fd
 * (close it to release; -1 on error); stale temporary files removed.  `outdir`
 * receives OUT. */
int sb_sweep_open(const sb_config *c, const sb_runner_opts *o, char *outdir, size_t len,
                  int *lock_fd, sb_error *err);

/* Concurrent runs and threads per run for a process that shares this machine's
 * cores with `share` - 1 others (1 = alone): o->jobs / o->threads when given,
 * else jobs = its share of the cores and threads = share / jobs (at least 1). */
void sb_sweep_slots(const sb_runner_opts *o, int share, int *jobs, int *threads);

/* Stored results of DIR that can be reused (unless o->force): results[i] gets
 * the stored JSON of run i when its identity equals the run's (new reference),
 * else stays NULL.  Prints how many are reused and why others are rerun (unless
 * o->quiet).  Returns the number reused; *stale = the number rerun because the
 * stored file is not the same run. */
size_t sb_sweep_reuse(const sb_config *c, const sb_runner_opts *o, const char *outdir,
                      json_t **results, size_t *stale);

/* The stored result DIR/runs/<id>.json of run `rd` if it is the same result (it
 * parses, carries the run's id and identity, and with save_spectra an ok run's
 * spectrum is there): a new reference.  Else NULL, and `why` says why a file
 * that exists is not reused ("" if none exists). */
json_t *sb_sweep_load(const sb_config *c, const char *outdir, const sb_run_def *rd, char *why,
                      size_t wlen);

/* Fork a worker for run i that writes into DIR/runs/ with `threads` threads.
 * Stop signals are blocked across the fork.  *pid = the child's. */
int sb_sweep_fork(const sb_config *c, size_t i, const char *dir, int threads, pid_t *pid,
                  sb_error *err);

/* The row of run i after its worker ended with wait status `status`, with the
 * result folder DIR: the stored result if the worker exited 0 and left this
 * run's result; else a failed row saying why (written to DIR/runs/<id>.json
 * only if no file is there: an earlier result is never overwritten by a
 * failure); NULL if `stopping` (a worker stopped by a stop signal has no row).
 * Temporary files of a killed worker are removed.  New reference. */
json_t *sb_sweep_collect(const sb_config *c, size_t i, const char *dir, int status,
                         int stopping);

/* "[done/total runs] Ns elapsed, ETA Ns" on stderr when `tty`. */
void sb_sweep_progress(size_t done, size_t total, size_t rerun, double t0, int tty);

/* Stop signals: catch them (saving the old actions in `old`), the signal caught
 * so far (0 = none), and restore the old actions (returns the signal caught,
 * which sb_runner_stop_signal then reports). */
void sb_sweep_catch_stops(struct sigaction old[SB_SWEEP_N_STOP]);
int sb_sweep_stopped(void);
int sb_sweep_release_stops(const struct sigaction old[SB_SWEEP_N_STOP]);

#endif
