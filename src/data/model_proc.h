/* One live model endpoint speaking the spexbench line protocol
 * (docs/TRACE_FORMAT.md section 4, docs/LIVE_MODELS.md):
 *
 *   harness -> model   one mask per line as n '0'/'1' characters (feature 0 first),
 *                      then an empty line: the end of the batch
 *   model -> harness   one line per mask, in order: a value (decimal text strtod
 *                      accepts) or '!' and a reason (no value for that mask), then
 *                      an empty line; flushed
 *
 * An endpoint is either a child process (`/bin/sh -c CMD` in its own process
 * group, stdin and stdout on a socket pair, stderr inherited, killed with the
 * harness by PR_SET_PDEATHSIG) or a connection to a model server
 * ("tcp:HOST:PORT", "unix:PATH" or a path with a '/', "@NAME" for a Linux abstract
 * socket).  Writes use MSG_NOSIGNAL, so a dead peer is an error, never a SIGPIPE.
 *
 * A fault — the process exits or is killed, the connection closes, a timeout,
 * output that is not a number, NaN/Inf, more or fewer lines than masks — is
 * SB_EORACLE with a message; the process is killed (the connection closed) and the
 * answers that arrived before the fault are kept.  '!' lines are a refusal, not a
 * fault: the batch settles with SB_EORACLE and the first reason, the masks
 * answered with values are kept, and the endpoint stays usable (a pool server
 * sends them after it has already retried on a fresh model process).
 *
 * Batches can be driven one at a time (sb_model_proc_eval) or several endpoints
 * at once from one poll loop (send / pollfd / step), as the pool does. */
#ifndef SB_MODEL_PROC_H
#define SB_MODEL_PROC_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct sb_model_proc sb_model_proc;

/* sb_model_proc_step's result while the batch is still in flight. */
#define SB_MODEL_PENDING (-1)
/* Batches an endpoint may have in flight: the next request waits in the model's
 * input while it answers the current one, so it never idles between batches. */
#define SB_MODEL_MAX_DEPTH 2

/* Start CMD for masks of n features.  `worker` >= 0 replaces every "{worker}" in
 * CMD and sets SPEXBENCH_WORKER in the model's environment.  start_timeout (s) is
 * added to the deadline of the first batch (model loading); timeout (s) bounds
 * every batch (<= 0: no limit).  Caller frees with sb_model_proc_free. */
sb_model_proc *sb_model_proc_start(const char *cmd, int worker, size_t n, double start_timeout,
                                   double timeout, sb_error *err);
/* Connect to a model server at `addr` (see above).  Timeouts as for start, the
 * start-up allowance covering the server's own loading. */
sb_model_proc *sb_model_proc_connect(const char *addr, size_t n, double start_timeout,
                                     double timeout, sb_error *err);

/* Begin a batch: `count` masks (count*words words, copied into the request) whose
 * answers go to out[0..count) with ok[j] = 1 once out[j] is valid.  out and ok must
 * stay valid until the batch settles.  Up to SB_MODEL_MAX_DEPTH batches may be in
 * flight; they settle in the order sent.  A batch sent while another was in
 * flight (pipelined) keeps answers only if it ends with exact framing: its
 * alignment cannot be checked before it starts, so after a fault it keeps none. */
int sb_model_proc_send(sb_model_proc *p, const uint64_t *masks, size_t count, double *out,
                       unsigned char *ok, sb_error *err);
/* The descriptor and events to poll for the batch in flight. */
void sb_model_proc_pollfd(const sb_model_proc *p, struct pollfd *pf);
/* Absolute deadline (sb_model_proc_now() clock) of the batch in flight, or INFINITY. */
double sb_model_proc_deadline(const sb_model_proc *p);
/* Advance with the events poll returned (0 if none, e.g. at the deadline, or to
 * parse answers already received).  SB_MODEL_PENDING while the oldest batch is in
 * flight; then SB_OK (it has every answer) or SB_EORACLE with the message (a
 * refusal, or a fault — which ends every batch in flight).  After a batch
 * settles, call again (revents 0) while batches remain in flight: the next one's
 * answers may already be buffered. */
int sb_model_proc_step(sb_model_proc *p, short revents, sb_error *err);
/* Batches in flight (0 when idle). */
int sb_model_proc_busy(const sb_model_proc *p);

/* One batch start to end.  On failure *answered (may be NULL) is the number of
 * leading values that arrived and are valid. */
int sb_model_proc_eval(sb_model_proc *p, const uint64_t *masks, size_t count, double *out,
                       size_t *answered, sb_error *err);
/* 1 while the endpoint is usable (started and no fault). */
int sb_model_proc_alive(const sb_model_proc *p);
/* "model 'CMD'" or "model server 'ADDR'", as messages name it. */
const char *sb_model_proc_label(const sb_model_proc *p);
/* Monotonic clock in seconds (the deadlines' clock). */
double sb_model_proc_now(void);
/* Close the model's input (asking it to exit), give it up to a second, then kill
 * its process group; or close the connection.  NULL is a no-op. */
void sb_model_proc_free(sb_model_proc *p);

#endif
