/* A sweep over MPI ranks (mpi.h says what it guarantees; docs/SCALING.md how to
 * launch it).  Compiled into the CLI of an MPI build only.
 *
 * Start: every rank loads the config and sends rank 0 a hello (config loaded?,
 * grid digest, commit, slots, host); rank 0 refuses mismatches and live-model
 * datasets, opens the results folder (checks, data probe, lock) and reuses stored
 * results, then tells every rank to go.  Sweep: rank 0 keeps a queue of the runs
 * to do (largest budget first) and gives one run to any rank with a free slot —
 * to its own forked workers directly, to another rank as a TAG_RUN message; a
 * rank forks a worker per run into a private scratch folder and sends back the
 * result file's bytes (or the worker's wait status when it left no result);
 * rank 0 writes the bytes under OUT/runs/ and reads them back exactly as a serial
 * sweep reads its workers' files (sweep.h), so the rows are the same.  End: rank
 * 0 tells the ranks to stop, waits for their goodbyes, writes the reports.
 *
 * No rank ever blocks in MPI: Open MPI's blocking calls busy-wait and would take
 * a core from the workers.  Every wait is a loop of non-blocking tests with a 2 ms
 * nap when nothing happened, and heartbeats (one empty message a second each
 * way) bound every wait: see mpi.h for what happens when a rank is lost. */
#include <mpi.h>

#include <errno.h>
#include <glob.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/fsutil.h"
#include "core/timer.h"
#include "data/dataset.h"
#include "runner/mpi.h"
#include "runner/provenance.h"
#include "runner/shard.h"
#include "runner/sweep.h"

enum { TAG_RUN = 101, TAG_STOP, TAG_RESULT, TAG_HEARTBEAT, TAG_BYE };

#define HEARTBEAT_S 1.0        /* seconds between heartbeats */
#define NAP_NS 2000000L        /* 2 ms between polls when nothing happened */
#define DEFAULT_TIMEOUT_S 60   /* rank_timeout = 0 */
#define NO_RUN SIZE_MAX

static void nap(void) {
  struct timespec ts = {0, NAP_NS};
  nanosleep(&ts, NULL);
}

/* Wait for a non-blocking operation, napping; 0 when complete, -1 after `timeout` s. */
static int wait_for(MPI_Request *r, double timeout) {
  double t0 = sb_wall_seconds();
  for (;;) {
    int done = 0;
    MPI_Test(r, &done, MPI_STATUS_IGNORE);
    if (done) return 0;
    if (sb_wall_seconds() - t0 > timeout) return -1;
    nap();
  }
}

/* ==== start: every rank's hello ============================================= */

/* Rank 0's word to every rank after the start: go (1) or stop (0). */
static int go_word(int go) {
  MPI_Request req;
  MPI_Ibcast(&go, 1, MPI_INT, 0, MPI_COMM_WORLD, &req);
  wait_for(&req, 1e9); /* no heartbeats yet: rank 0 may be reading a large results folder */
  return go;
}

typedef struct hello {
  int ok;                       /* config loaded (and, on rank 0, folder opened) */
  int slots, threads, dirty;
  char grid[SB_SHA256_HEX];     /* sb_shard_grid_digest */
  char commit[64];
  char host[64];
  char msg[1024];               /* why not ok */
} hello;

static void hello_fill(hello *h, const sb_config *c, int jobs, int threads, const sb_error *err) {
  memset(h, 0, sizeof *h);
  const sb_provenance *pv = sb_provenance_get();
  h->ok = c != NULL;
  h->slots = jobs;
  h->threads = threads;
  h->dirty = pv->dirty;
  snprintf(h->commit, sizeof h->commit, "%s", pv->commit[0] ? pv->commit : "unknown");
  gethostname(h->host, sizeof h->host - 1);
  if (c) sb_shard_grid_digest(c, h->grid);
  else snprintf(h->msg, sizeof h->msg, "%s", err->msg);
}

/* Rank 0: every rank loaded the same grid with the same code. */
static int check_hellos(const hello *all, int size, const char *config, sb_error *err) {
  if (!all[0].ok) return sb_error_set(err, SB_EINVAL, "%s", all[0].msg);
  for (int r = 1; r < size; r++)
    if (!all[r].ok)
      return sb_error_set(err, SB_EINVAL, "rank %d (host %s): %s", r, all[r].host, all[r].msg);
  for (int r = 1; r < size; r++) {
    if (strcmp(all[r].grid, all[0].grid))
      return sb_error_set(err, SB_EINVAL, "rank %d (host %s) expands %s to other runs than rank "
                          "0 (host %s): the data files differ between the nodes, or the ranks "
                          "read the config from different folders; every rank must see the same "
                          "files at the same paths", r, all[r].host, config, all[0].host);
    int unknown = !strcmp(all[r].commit, "unknown") || !strcmp(all[0].commit, "unknown");
    if (!unknown && (strcmp(all[r].commit, all[0].commit) || all[r].dirty != all[0].dirty))
      return sb_error_set(err, SB_EINVAL, "rank %d (host %s) runs commit %.12s%s and rank 0 "
                          "commit %.12s%s: run one build on every node", r, all[r].host,
                          all[r].commit, all[r].dirty > 0 ? " (dirty)" : "", all[0].commit,
                          all[0].dirty > 0 ? " (dirty)" : "");
  }
  return SB_OK;
}

/* Live models run one process per dataset with one recording: not over ranks. */
static int refuse_live(const sb_config *c, sb_error *err) {
  for (size_t i = 0; i < c->n_runs; i++) {
    const sb_dataset_family *f = sb_dataset_family_find(c->runs[i].family);
    if (f && (f->flags & SB_FAMILY_LIVE))
      return sb_error_set(err, SB_EINVAL, "%s:%d: [dataset %s] is a live model (%s): live models "
                          "are not run under mpirun (one model process and one recording per "
                          "dataset); run this config with `spexbench run` (or --shard), or "
                          "record the model first and sweep its trace (trace:PATH)", c->path,
                          c->runs[i].line, c->runs[i].group, c->runs[i].family);
  }
  return SB_OK;
}

/* ==== results over MPI ===================================================== */

typedef struct result_head {
  uint64_t run;
  int32_t status;     /* the worker's wait status */
  int32_t has_result; /* the result's JSON (then its spectrum's) bytes follow */
  uint64_t json_len, spectrum_len;
} result_head;

/* ==== rank 0 =============================================================== */

typedef struct peer {
  int slots, inflight;
  size_t *runs;   /* run per slot (NO_RUN = free) */
  pid_t *pids;    /* rank 0's own slots: the forked worker */
  double heard;   /* last message (wall seconds) */
  int lost, bye;
  char host[64];
} peer;

typedef struct coord {
  const sb_config *c;
  const char *outdir;
  int size, threads, tty, timeout;
  peer *peers;       /* [0] = rank 0's own slots */
  json_t **results;
  size_t *queue, qlen, qcap, qpos;
  size_t done, stale, lost_runs;
  double t0, last_beat;
  int killed_local;  /* rank 0's workers were sent SIGTERM */
} coord;

static void store(coord *co, size_t i, json_t *j) {
  if (!j) return;
  co->results[i] = j;
  co->done++;
  sb_sweep_progress(co->done, co->c->n_runs, co->stale, co->t0, co->tty);
}

static int slot_of(const peer *p, size_t run) {
  for (int s = 0; s < p->slots; s++)
    if (p->runs[s] == run) return s;
  return -1;
}

static void free_slot(peer *p, int s) {
  p->runs[s] = NO_RUN;
  if (p->pids) p->pids[s] = 0;
  p->inflight--;
}

static int give(coord *co, int r, size_t i, sb_error *err) {
  peer *p = &co->peers[r];
  int s = slot_of(p, NO_RUN);
  if (r == 0) {
    int rc = sb_sweep_fork(co->c, i, co->outdir, co->threads, &p->pids[s], err);
    if (rc) return rc;
  } else {
    uint64_t v = i;
    MPI_Send(&v, 1, MPI_UINT64_T, r, TAG_RUN, MPI_COMM_WORLD);
  }
  p->runs[s] = i;
  p->inflight++;
  return SB_OK;
}

/* One run to each rank with a free slot in turn, until slots or runs run out. */
static int dispatch(coord *co, sb_error *err) {
  int gave = 1;
  while (gave && co->qpos < co->qlen) {
    gave = 0;
    for (int r = 0; r < co->size && co->qpos < co->qlen; r++) {
      peer *p = &co->peers[r];
      if (p->lost || p->bye || p->inflight >= p->slots) continue;
      int rc = give(co, r, co->queue[co->qpos], err);
      if (rc) return rc;
      co->qpos++;
      gave = 1;
    }
  }
  return SB_OK;
}

static int requeue(coord *co, size_t i) {
  if (co->qlen == co->qcap) {
    size_t cap = co->qcap * 2 + 16;
    size_t *q = realloc(co->queue, cap * sizeof *q);
    if (!q) return SB_ENOMEM;
    co->queue = q;
    co->qcap = cap;
  }
  co->queue[co->qlen++] = i;
  return SB_OK;
}

/* A result from rank r: its bytes written under OUT/runs/ and read back as a
 * local worker's file would be. */
static void on_result(coord *co, int r, const char *buf, size_t len) {
  result_head h;
  if (len < sizeof h) return;
  memcpy(&h, buf, sizeof h);
  peer *p = &co->peers[r];
  int s = h.run < co->c->n_runs ? slot_of(p, (size_t)h.run) : -1;
  if (s < 0 || sizeof h + h.json_len + h.spectrum_len != len) {
    fprintf(stderr, "spexbench: rank %d sent a result for run %llu that it was not running; "
            "ignored\n", r, (unsigned long long)h.run);
    return;
  }
  free_slot(p, s);
  size_t i = (size_t)h.run;
  const sb_run_def *rd = &co->c->runs[i];
  int status = h.status;
  if (h.has_result) {
    char path[4400];
    sb_error e2 = {0};
    int rc = SB_OK;
    if (h.spectrum_len) {
      snprintf(path, sizeof path, "%s/runs/%s.spectrum.json", co->outdir, rd->id);
      rc = sb_write_file_atomic(path, buf + sizeof h + h.json_len, h.spectrum_len, &e2);
    }
    snprintf(path, sizeof path, "%s/runs/%s.json", co->outdir, rd->id);
    if (!rc) rc = sb_write_file_atomic(path, buf + sizeof h, h.json_len, &e2);
    if (rc) fprintf(stderr, "spexbench: %s\n", e2.msg);
    status = 0; /* the worker exited 0: read back what is on disk now */
  }
  store(co, i, sb_sweep_collect(co->c, i, co->outdir, status, 0));
}

/* A rank that left (stopped by a signal) or was lost: its runs are requeued
 * (left: they were interrupted, not at fault) or failed rows (lost). */
static void drop_peer(coord *co, int r, int lost) {
  peer *p = &co->peers[r];
  if (lost) {
    p->lost = 1;
    fprintf(stderr, "\nspexbench: rank %d (host %s) lost: no message for %d s; runs it was "
            "running (failed rows): %d\n", r, p->host, co->timeout, p->inflight);
  } else {
    p->bye = 1;
    if (p->inflight && !sb_sweep_stopped())
      fprintf(stderr, "\nspexbench: rank %d (host %s) left the sweep; its %d running run%s go "
              "to other ranks\n", r, p->host, p->inflight, p->inflight == 1 ? "" : "s");
  }
  for (int s = 0; s < p->slots; s++) {
    size_t i = p->runs[s];
    if (i == NO_RUN) continue;
    free_slot(p, s);
    if (!lost && requeue(co, i) == SB_OK) continue;
    char msg[400];
    if (lost)
      snprintf(msg, sizeof msg, "rank %d (host %.60s) was lost while running this run (no "
               "message for %d s); not stored: a rerun retries it", r, p->host, co->timeout);
    else
      snprintf(msg, sizeof msg, "rank %d (host %.60s) left while running this run and it could "
               "not be requeued (out of memory); not stored: a rerun retries it", r, p->host);
    co->lost_runs++;
    store(co, i, sb_run_result_failed_json(&co->c->runs[i], msg));
  }
}

/* Every message that has arrived; 1 if there was any. */
static int poll_messages(coord *co) {
  int any = 0;
  for (;;) {
    int flag = 0, len = 0;
    MPI_Status st;
    if (MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st) != MPI_SUCCESS ||
        !flag)
      return any;
    any = 1;
    MPI_Get_count(&st, MPI_BYTE, &len);
    char *buf = malloc(len > 0 ? (size_t)len : 1);
    if (!buf) return any; /* retried on the next poll */
    MPI_Recv(buf, len, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    int r = st.MPI_SOURCE;
    if (r > 0 && r < co->size && !co->peers[r].lost) {
      co->peers[r].heard = sb_wall_seconds();
      if (st.MPI_TAG == TAG_RESULT) on_result(co, r, buf, (size_t)len);
      else if (st.MPI_TAG == TAG_BYE) drop_peer(co, r, 0);
    }
    free(buf);
  }
}

static int reap_local(coord *co) {
  int any = 0, status;
  pid_t pid;
  peer *p = &co->peers[0];
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    for (int s = 0; s < p->slots; s++) {
      if (p->pids[s] != pid) continue;
      size_t i = p->runs[s];
      free_slot(p, s);
      store(co, i, sb_sweep_collect(co->c, i, co->outdir, status, sb_sweep_stopped() != 0));
      any = 1;
    }
  }
  return any;
}

static void heartbeats(coord *co) {
  double now = sb_wall_seconds();
  if (now - co->last_beat >= HEARTBEAT_S) {
    co->last_beat = now;
    for (int r = 1; r < co->size; r++)
      if (!co->peers[r].lost && !co->peers[r].bye)
        MPI_Send(NULL, 0, MPI_BYTE, r, TAG_HEARTBEAT, MPI_COMM_WORLD);
  }
  for (int r = 1; r < co->size; r++)
    if (!co->peers[r].lost && !co->peers[r].bye && now - co->peers[r].heard > co->timeout)
      drop_peer(co, r, 1);
}

static int busy(const coord *co) {
  for (int r = 0; r < co->size; r++)
    if (co->peers[r].inflight) return 1;
  return 0;
}

/* Hand out the queue and collect results until every run has one, or a stop
 * signal came (then rank 0's workers are stopped and the rest abandoned). */
static int coordinate(coord *co, sb_error *err) {
  int rc = SB_OK;
  for (;;) {
    int stopping = sb_sweep_stopped() != 0 || rc != SB_OK;
    if (!stopping && (rc = dispatch(co, err))) continue;
    if (stopping && !co->killed_local) {
      for (int s = 0; s < co->peers[0].slots; s++)
        if (co->peers[0].pids[s]) kill(co->peers[0].pids[s], SIGTERM);
      co->killed_local = 1;
    }
    int any = poll_messages(co) | reap_local(co);
    heartbeats(co);
    if (stopping ? !co->peers[0].inflight : (co->qpos == co->qlen && !busy(co))) break;
    if (!any) nap();
  }
  return rc;
}

/* Tell every rank to stop. */
static void stop_ranks(coord *co) {
  for (int r = 1; r < co->size; r++)
    if (!co->peers[r].lost && !co->peers[r].bye)
      MPI_Send(NULL, 0, MPI_BYTE, r, TAG_STOP, MPI_COMM_WORLD);
}

/* Wait for every rank's goodbye (a rank silent for the timeout is lost);
 * results that arrive meanwhile are kept. */
static void wait_goodbyes(coord *co) {
  for (;;) {
    int waiting = 0;
    for (int r = 1; r < co->size; r++) waiting |= !co->peers[r].lost && !co->peers[r].bye;
    if (!waiting) return;
    if (!poll_messages(co)) nap();
    heartbeats(co);
  }
}

/* The runs without a stored result, largest budget first (then config order). */
static int build_queue(coord *co) {
  co->qcap = co->c->n_runs + 16;
  co->queue = malloc(co->qcap * sizeof *co->queue);
  if (!co->queue) return SB_ENOMEM;
  for (size_t i = 0; i < co->c->n_runs; i++)
    if (!co->results[i]) co->queue[co->qlen++] = i;
  for (size_t a = 1; a < co->qlen; a++) { /* stable insertion sort by budget, descending */
    size_t v = co->queue[a], b = a;
    for (; b > 0 && co->c->runs[co->queue[b - 1]].budget < co->c->runs[v].budget; b--)
      co->queue[b] = co->queue[b - 1];
    co->queue[b] = v;
  }
  return SB_OK;
}

static int rank0_sweep(const sb_config *c, const sb_mpi_opts *o, const char *outdir,
                       const hello *all, int size, int threads, sb_error *err) {
  coord co = {0};
  co.c = c;
  co.outdir = outdir;
  co.size = size;
  co.threads = threads;
  co.tty = isatty(2);
  co.timeout = o->rank_timeout > 0 ? o->rank_timeout : DEFAULT_TIMEOUT_S;
  co.results = calloc(c->n_runs ? c->n_runs : 1, sizeof *co.results);
  co.peers = calloc((size_t)size, sizeof *co.peers);
  int rc = co.results && co.peers ? SB_OK : SB_ENOMEM;
  for (int r = 0; rc == SB_OK && r < size; r++) {
    peer *p = &co.peers[r];
    p->slots = all[r].slots > 0 ? all[r].slots : 1;
    p->runs = malloc((size_t)p->slots * sizeof *p->runs);
    p->pids = r == 0 ? calloc((size_t)p->slots, sizeof *p->pids) : NULL;
    if (!p->runs || (r == 0 && !p->pids)) rc = SB_ENOMEM;
    for (int s = 0; p->runs && s < p->slots; s++) p->runs[s] = NO_RUN;
    snprintf(p->host, sizeof p->host, "%s", all[r].host);
  }
  if (rc) {
    sb_error_set(err, SB_ENOMEM, "out of memory");
  } else {
    if (!o->run.quiet) {
      int slots = 0;
      for (int r = 0; r < size; r++) slots += co.peers[r].slots;
      fprintf(stderr, "spexbench: experiment '%s': %zu runs on %d rank%s (%d runs at a time, "
              "rank 0: %d job%s x %d thread%s)\n", c->name, c->n_runs, size,
              size == 1 ? "" : "s", slots, co.peers[0].slots, co.peers[0].slots == 1 ? "" : "s",
              threads, threads == 1 ? "" : "s");
    }
    co.done = sb_sweep_reuse(c, &o->run, outdir, co.results, &co.stale);
    if (build_queue(&co)) rc = sb_error_set(err, SB_ENOMEM, "out of memory");
  }
  if (go_word(rc == SB_OK)) {
    for (int r = 0; r < size; r++) co.peers[r].heard = sb_wall_seconds();
    struct sigaction old[SB_SWEEP_N_STOP];
    sb_sweep_catch_stops(old);
    co.t0 = co.last_beat = sb_wall_seconds();
    rc = coordinate(&co, err);
    stop_ranks(&co);
    /* after a stop signal the reports come first: mpirun kills every rank 1 s after
     * its SIGTERM (MCA odls_base_sigkill_timeout) */
    int stop = sb_sweep_stopped();
    if (!stop) wait_goodbyes(&co);
    if (rc == SB_OK) rc = sb_report_write(c, outdir, co.results, NULL, !o->run.quiet, err);
    if (stop) wait_goodbyes(&co);
    sb_sweep_release_stops(old);
    if (rc == SB_OK && stop)
      rc = sb_error_set(err, SB_EINTR, "interrupted by SIG%s: %zu of %zu runs finished and kept "
                        "in %s", sigabbrev_np(stop), co.done, c->n_runs, outdir);
  }
  int lost = 0;
  for (int r = 1; co.peers && r < size; r++) lost += co.peers[r].lost;
  for (size_t i = 0; co.results && i < c->n_runs; i++) json_decref(co.results[i]);
  for (int r = 0; co.peers && r < size; r++) free(co.peers[r].runs), free(co.peers[r].pids);
  free(co.results), free(co.peers), free(co.queue);
  if (lost) {
    /* a lost rank may be hung, not dead: MPI_Finalize would wait for it forever */
    fprintf(stderr, "spexbench: %d rank%s lost; %zu run%s failed with %s (not stored: run the "
            "same command again to retry them); ending the job with MPI_Abort\n", lost,
            lost == 1 ? "" : "s", co.lost_runs, co.lost_runs == 1 ? "" : "s",
            lost == 1 ? "it" : "them");
    fflush(NULL);
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  return rc;
}

/* ==== the other ranks ======================================================= */

typedef struct pending {
  MPI_Request req;
  char *buf;
} pending;

typedef struct worker {
  const sb_config *c;
  char scratch[4096]; /* private folder of this rank's workers' result files */
  int slots, threads, timeout;
  pid_t *pids;
  size_t *runs;
  pending *sends;     /* results on their way to rank 0 (one per slot at most) */
  int n_sends, max_sends;
  double heard0, last_beat;
  int stop;           /* told to stop, or stopped by a signal */
} worker;

static void test_sends(worker *w);

/* The result of a finished worker (its file's bytes, or its wait status) to rank 0. */
static void send_result(worker *w, size_t i, int status) {
  const sb_run_def *rd = &w->c->runs[i];
  /* its result if it exited 0 and left this run's (checked as rank 0 will check
   * it again); a killed worker's temporary files removed */
  json_t *j = sb_sweep_collect(w->c, i, w->scratch, status, 1);
  char path[4400], spath[4400];
  snprintf(path, sizeof path, "%s/runs/%s.json", w->scratch, rd->id);
  snprintf(spath, sizeof spath, "%s/runs/%s.spectrum.json", w->scratch, rd->id);
  char *text = NULL, *spec = NULL;
  size_t tlen = 0, slen = 0;
  sb_error e2;
  int has = j && sb_read_file(path, &text, &tlen, &e2) == SB_OK;
  if (has && sb_file_exists(spath) && sb_read_file(spath, &spec, &slen, &e2)) slen = 0;
  json_decref(j);
  unlink(path);
  unlink(spath);
  result_head h = {i, status, has, has ? tlen : 0, has ? slen : 0};
  size_t len = sizeof h + h.json_len + h.spectrum_len;
  char *buf = len <= INT32_MAX ? malloc(len) : NULL;
  if (!buf) { /* too large or out of memory: send the status alone */
    h.has_result = 0;
    h.json_len = h.spectrum_len = 0;
    len = sizeof h;
    buf = malloc(len);
  }
  while (buf && w->n_sends == w->max_sends) { /* (rank 0 gives a slot one run at a time) */
    test_sends(w);
    nap();
  }
  if (buf) {
    memcpy(buf, &h, sizeof h);
    if (h.json_len) memcpy(buf + sizeof h, text, h.json_len);
    if (h.spectrum_len) memcpy(buf + sizeof h + h.json_len, spec, h.spectrum_len);
    pending *p = &w->sends[w->n_sends++];
    p->buf = buf;
    MPI_Isend(buf, (int)len, MPI_BYTE, 0, TAG_RESULT, MPI_COMM_WORLD, &p->req);
  }
  free(text);
  free(spec);
}

static void test_sends(worker *w) {
  for (int k = 0; k < w->n_sends;) {
    int done = 0;
    MPI_Test(&w->sends[k].req, &done, MPI_STATUS_IGNORE);
    if (!done) {
      k++;
      continue;
    }
    free(w->sends[k].buf);
    w->sends[k] = w->sends[--w->n_sends];
  }
}

/* The scratch folder and whatever a stopped worker left in it. */
static void remove_scratch(const worker *w) {
  char pat[4200];
  glob_t gl;
  snprintf(pat, sizeof pat, "%s/runs/*", w->scratch);
  if (glob(pat, 0, NULL, &gl) == 0) {
    for (size_t k = 0; k < gl.gl_pathc; k++) unlink(gl.gl_pathv[k]);
    globfree(&gl);
  }
  snprintf(pat, sizeof pat, "%s/runs", w->scratch);
  if (rmdir(pat) || rmdir(w->scratch))
    fprintf(stderr, "spexbench: cannot remove the scratch folder %s: %s\n", w->scratch,
            strerror(errno));
}

static int running(const worker *w) {
  int n = 0;
  for (int s = 0; s < w->slots; s++) n += w->pids[s] != 0;
  return n;
}

static void kill_workers(worker *w) {
  for (int s = 0; s < w->slots; s++)
    if (w->pids[s]) kill(w->pids[s], SIGTERM);
}

static int worker_poll(worker *w) {
  int any = 0;
  for (;;) {
    int flag = 0;
    MPI_Status st;
    if (MPI_Iprobe(0, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st) != MPI_SUCCESS || !flag) break;
    any = 1;
    w->heard0 = sb_wall_seconds();
    uint64_t v = 0;
    MPI_Recv(st.MPI_TAG == TAG_RUN ? &v : NULL, st.MPI_TAG == TAG_RUN ? 1 : 0,
             st.MPI_TAG == TAG_RUN ? MPI_UINT64_T : MPI_BYTE, 0, st.MPI_TAG, MPI_COMM_WORLD,
             MPI_STATUS_IGNORE);
    if (st.MPI_TAG == TAG_STOP && !w->stop) {
      w->stop = 1;
      kill_workers(w);
    } else if (st.MPI_TAG == TAG_RUN && v < w->c->n_runs) {
      int s = 0;
      while (s < w->slots && w->pids[s]) s++;
      sb_error e2 = {0};
      if (s == w->slots || w->stop ||
          sb_sweep_fork(w->c, (size_t)v, w->scratch, w->threads, &w->pids[s], &e2)) {
        if (e2.msg[0]) fprintf(stderr, "spexbench: %s\n", e2.msg);
        send_result(w, (size_t)v, 6 << 8); /* "exited with status 6": not started */
        continue;
      }
      w->runs[s] = (size_t)v;
    }
  }
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
    for (int s = 0; s < w->slots; s++)
      if (w->pids[s] == pid) {
        w->pids[s] = 0;
        any = 1;
        if (!w->stop || (WIFEXITED(status) && WEXITSTATUS(status) == 0))
          send_result(w, w->runs[s], status);
      }
  test_sends(w);
  return any;
}

static void worker_loop(worker *w) {
  w->heard0 = w->last_beat = sb_wall_seconds();
  for (;;) {
    if (sb_sweep_stopped() && !w->stop) {
      w->stop = 1;
      kill_workers(w);
    }
    int any = worker_poll(w);
    double now = sb_wall_seconds();
    if (now - w->last_beat >= HEARTBEAT_S) {
      w->last_beat = now;
      MPI_Send(NULL, 0, MPI_BYTE, 0, TAG_HEARTBEAT, MPI_COMM_WORLD);
    }
    if (now - w->heard0 > w->timeout) {
      int r;
      MPI_Comm_rank(MPI_COMM_WORLD, &r);
      fprintf(stderr, "spexbench: rank %d: no message from rank 0 for %d s: ending the job\n", r,
              w->timeout);
      w->stop = 1;
      kill_workers(w);
      for (double t = now; running(w) && sb_wall_seconds() - t < 5; nap()) worker_poll(w);
      remove_scratch(w);
      fflush(NULL);
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
    if (w->stop && !running(w)) break;
    if (!any) nap();
  }
  /* goodbye (after every result: messages from one rank arrive in order) */
  MPI_Send(NULL, 0, MPI_BYTE, 0, TAG_BYE, MPI_COMM_WORLD);
  double t0 = sb_wall_seconds();
  while (w->n_sends && sb_wall_seconds() - t0 < w->timeout) {
    test_sends(w);
    if (w->n_sends) nap();
  }
}

static int other_rank_sweep(const sb_config *c, const sb_mpi_opts *o, int jobs, int threads) {
  if (!go_word(0)) return SB_EINVAL;
  worker w = {0};
  w.c = c;
  w.slots = jobs;
  w.threads = threads;
  w.timeout = o->rank_timeout > 0 ? o->rank_timeout : DEFAULT_TIMEOUT_S;
  w.pids = calloc((size_t)jobs, sizeof *w.pids);
  w.runs = calloc((size_t)jobs, sizeof *w.runs);
  w.sends = calloc(2 * (size_t)jobs + 2, sizeof *w.sends);
  w.max_sends = 2 * jobs + 2;
  const char *tmp = getenv("TMPDIR");
  snprintf(w.scratch, sizeof w.scratch, "%s/spexbench-rank-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  sb_error e2 = {0};
  char runs[4200];
  int ok = w.pids && w.runs && w.sends && mkdtemp(w.scratch);
  snprintf(runs, sizeof runs, "%s/runs", w.scratch);
  if (ok && sb_mkdir_p(runs, &e2)) ok = 0;
  if (!ok) {
    fprintf(stderr, "spexbench: cannot make a scratch folder %s: %s\n", w.scratch,
            e2.msg[0] ? e2.msg : strerror(errno));
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  struct sigaction old[SB_SWEEP_N_STOP];
  sb_sweep_catch_stops(old);
  worker_loop(&w);
  sb_sweep_release_stops(old);
  remove_scratch(&w);
  free(w.pids), free(w.runs), free(w.sends);
  return SB_OK;
}

/* ==== both ================================================================== */

int sb_mpi_run(int *argc, char ***argv, const char *config, const sb_mpi_opts *o, int *rank,
               sb_error *err) {
  MPI_Init(argc, argv);
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  /* Open MPI catches SIGSEGV, SIGBUS, SIGFPE and SIGABRT to print a backtrace
   * (MCA opal_signal); forked workers would inherit that.  A crashing worker must
   * simply die of its signal, a failed row as in a serial sweep. */
  static const int CRASH_SIGNALS[] = {SIGSEGV, SIGBUS, SIGFPE, SIGABRT};
  for (size_t k = 0; k < sizeof CRASH_SIGNALS / sizeof CRASH_SIGNALS[0]; k++)
    signal(CRASH_SIGNALS[k], SIG_DFL);
  int size = 1, local = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Comm node;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, *rank, MPI_INFO_NULL, &node);
  MPI_Comm_size(node, &local);
  MPI_Comm_free(&node);
  int jobs, threads;
  sb_sweep_slots(&o->run, local, &jobs, &threads); /* the ranks on one node share its cores */

  sb_config *c = NULL;
  sb_error lerr = {0};
  if (sb_config_load(config, &c, &lerr)) c = NULL;
  hello mine, *all = *rank == 0 ? calloc((size_t)size, sizeof *all) : NULL;
  hello_fill(&mine, c, jobs, threads, &lerr);
  MPI_Request req;
  MPI_Igather(&mine, (int)sizeof mine, MPI_BYTE, all, (int)sizeof mine, MPI_BYTE, 0,
              MPI_COMM_WORLD, &req);
  wait_for(&req, 1e9);
  int rc;
  if (*rank == 0) {
    char outdir[4096] = "";
    int lock_fd = -1;
    rc = all ? check_hellos(all, size, config, err) : sb_error_set(err, SB_ENOMEM, "out of memory");
    if (!rc) rc = refuse_live(c, err);
    if (!rc) rc = sb_sweep_open(c, &o->run, outdir, sizeof outdir, &lock_fd, err);
    if (rc) go_word(0);
    else rc = rank0_sweep(c, o, outdir, all, size, threads, err);
    if (lock_fd >= 0) close(lock_fd);
  } else {
    rc = other_rank_sweep(c, o, jobs, threads);
  }
  free(all);
  sb_config_free(c);
  MPI_Finalize();
  return rc;
}
