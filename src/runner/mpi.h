/* Sweeps over MPI ranks: `mpirun -np K spexbench run CONFIG` (MPI builds only:
 * cmake -DSPEXBENCH_MPI=ON; runner/mpi.c is compiled into the CLI alone, so
 * libspexbench and the Python package never load libmpi).
 *
 * Every rank loads CONFIG itself (so every rank reads the data files where they
 * are: they must be at the same paths with the same content on every node; they
 * are never copied) and the ranks check that they expanded the same grid (digest
 * of every run's id and identity) with the same commit.  Rank 0 owns the results
 * folder (only it needs to see it): it reuses stored results, hands out the other
 * runs one at a time as slots free up (dynamic: a long run never holds back the
 * rest; largest budgets first), receives every result over MPI, writes it under
 * OUT/runs/ and writes the reports.  Every rank, rank 0 included, runs `jobs`
 * runs at a time, each in a forked worker as in a serial sweep, so a crashing
 * algorithm is a failed row.  The rows equal a serial run's apart from timings.
 *
 * Lost ranks: every rank sends a heartbeat each second; a rank not heard from
 * for `rank_timeout` seconds is lost, its runs become failed rows (in runs.csv,
 * not stored, so a rerun retries them), the reports are written and the job is
 * ended with MPI_Abort (a hung rank could never finish MPI_Finalize).  Without
 * `mpirun --enable-recovery` Open MPI itself ends the job when a rank dies: the
 * results received so far are kept under OUT/runs/ and a rerun resumes.
 * Live-model datasets (command:) are refused under MPI.  docs/SCALING.md. */
#ifndef SB_MPI_H
#define SB_MPI_H

#include "runner/runner.h"

typedef struct sb_mpi_opts {
  sb_runner_opts run; /* outdir, force, quiet; jobs and threads per rank (0 = this node's
                         cores shared by the ranks on it) */
  int rank_timeout;   /* seconds without a message before a rank is lost (0 = 60) */
} sb_mpi_opts;

/* Initialise MPI (argc/argv for MPI_Init), run CONFIG over the ranks, finalise.
 * *rank = this process's rank.  Rank 0 returns what sb_runner_run would
 * (SB_EINTR after a stop signal: sb_runner_stop_signal); other ranks return
 * SB_OK, or an error that rank 0 has already reported (their message is empty). */
int sb_mpi_run(int *argc, char ***argv, const char *config, const sb_mpi_opts *o, int *rank,
               sb_error *err);

#endif
