/* Live models that outlive a run: pool servers (docs/LIVE_MODELS.md).
 *
 * A pool server owns K model processes (a data/model_pool.h pool) and serves the
 * line protocol to any number of clients on a listening socket.  It keeps every
 * answer of its lifetime in memory, so a mask asked twice — by two runs at once,
 * or by a later run — costs the model one call; a mask already queued or in
 * flight for one client is not sent again for another.  A batch that fails is
 * retried once on a fresh process; masks that still have no answer are answered
 * with '!' lines carrying the reason, which a client takes as final.
 *
 * Two users:
 *   - `spexbench run`: the runner starts one pool server per distinct live model
 *     of the sweep (sb_live_pools_start) in a child process before it forks any
 *     worker, and stops it when the sweep ends (sb_live_pools_stop); the servers
 *     die with the runner (PR_SET_PDEATHSIG).  Workers reach it through a private
 *     abstract Unix socket whose address they inherit in the registry below.
 *   - `spexbench serve`: a stdio model exposed on tcp:HOST:PORT or a Unix socket
 *     for a harness elsewhere (`command:connect=ADDR,...`). */
#ifndef SB_LIVE_H
#define SB_LIVE_H

#include <jansson.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "core/error.h"

typedef struct sb_live_server_opts {
  const char *cmd;      /* model command ({worker} = 0..K-1; SPEXBENCH_WORKER set) */
  size_t n;             /* features (0: taken from the first request) */
  size_t workers;       /* model processes K >= 1 */
  size_t batch;         /* masks per model request >= 1 */
  double start_timeout; /* extra seconds for a process's first batch */
  double timeout;       /* seconds per model batch */
  int verbose;          /* log connections and faults to stderr */
} sb_live_server_opts;

/* Listen on "tcp:HOST:PORT" (PORT 0 = any free port), "unix:PATH" or a path with
 * a '/' (created; an existing socket file is replaced), or "@NAME" (Linux
 * abstract socket).  Returns the descriptor (close-on-exec) or -1 with err set;
 * `bound` (may be NULL) receives the address actually bound ("tcp:HOST:PORT"). */
int sb_live_listen(const char *addr, char *bound, size_t bound_len, sb_error *err);

/* Serve clients on `listen_fd` until *stop becomes non-zero (a signal handler
 * sets it).  Returns the server's statistics as a JSON object (caller decrefs)
 * or NULL with err set if the server could not run. */
json_t *sb_live_serve(int listen_fd, const sb_live_server_opts *o,
                      volatile sig_atomic_t *stop, sb_error *err);

/* One line summing up a server's statistics (from sb_live_serve). */
void sb_live_stats_print(FILE *fp, const char *cmd, const json_t *stats);

/* ---- pool servers for a sweep (used by the runner) ---------------------- */

typedef struct sb_live_pools sb_live_pools;

/* Start one pool server per distinct local live model among the dataset specs
 * (other families and `connect=` datasets are ignored; no model process starts
 * until a run asks something).  *out is NULL when there is none.  Call before
 * forking workers: they find their server through sb_live_pool_lookup. */
int sb_live_pools_start(const char *const *specs, size_t count, sb_live_pools **out,
                        sb_error *err);
/* Stop every server, wait for it, and return their statistics (a JSON array, one
 * object per model; NULL if none).  `report`: one line per model on stderr.
 * Frees lp; NULL is a no-op. */
json_t *sb_live_pools_stop(sb_live_pools *lp, int report);
/* The runner reaped `pid` (its waitpid(-1) loop): if it was a pool server, it is
 * never signalled or waited for again (its pid may be reused).  Any other pid is
 * ignored. */
void sb_live_pools_child_ended(pid_t pid);

/* The pool server of a model (key from sb_command_model_key), or NULL; in a
 * worker forked after sb_live_pools_start.  *connections: how many connections a
 * client should keep (two requests per model process keep it busy). */
const char *sb_live_pool_lookup(const char *key, size_t *connections);

/* For a `command:` spec that starts a local model: its model key (what makes two
 * datasets share one pool server: cmd, n, workers, batch and timeouts) into
 * `key`, and the server's options (strings point into `key`).  0 if the spec is
 * not such a dataset. */
int sb_command_model_key(const char *spec, char *key, size_t keylen, sb_live_server_opts *o);

#endif
