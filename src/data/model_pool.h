/* A pool of live model endpoints (data/model_proc.h) answering one queue of masks
 * in parallel.
 *
 * Masks are submitted to a FIFO queue; each endpoint takes the next `batch` of
 * them, so K endpoints work on K batches at once; with depth 2 each also holds the
 * batch after (sent while it answers the current one, so it never waits for the
 * harness between batches).  Endpoints are started
 * lazily (a pool that is never asked anything never starts a process) and
 * persist across submissions: an endpoint is restarted only after a fault.
 *
 * A batch whose endpoint fails (dies, hangs past the timeout, garbage) is retried
 * once — only its masks that got no answer — on a fresh endpoint (the failed one
 * restarted), and so is the batch queued behind it; if that fails too, the batch settles with the masks still missing
 * and both messages.  A refusal ('!' lines from a pool server that has already
 * retried) settles at once.  Only the batches a failing endpoint held are
 * affected; the others go on.
 *
 * Settled batches are handed to a callback, in dispatch order when `ordered` is
 * set (a batch finished early waits for the ones dispatched before it), so the
 * answers of one evaluation are always recorded in the same order.
 *
 * The pool is driven either to completion (sb_model_pool_drain) or from a
 * caller's own poll loop (pollfds / timeout_ms / handle), as the pool server
 * (data/live_server.h) does. */
#ifndef SB_MODEL_POOL_H
#define SB_MODEL_POOL_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct sb_model_pool_opts {
  const char *cmd;      /* start `endpoints` processes of CMD ({worker} = 0..K-1), or */
  const char *connect;  /* open `endpoints` connections to this model server */
  size_t n;             /* features */
  size_t endpoints;     /* K >= 1 */
  size_t batch;         /* masks per request >= 1 */
  double start_timeout; /* extra seconds for an endpoint's first batch */
  double timeout;       /* seconds per batch (<= 0: none) */
  int ordered;          /* settle callbacks in dispatch order */
  int depth;            /* batches in flight per endpoint, 1..SB_MODEL_MAX_DEPTH (0 = 1):
                           2 keeps a process busy while the harness handles an answer */
} sb_model_pool_opts;

/* A settled batch, as the callback sees it (valid during the call only). */
typedef struct sb_model_batch {
  size_t seq;               /* dispatch number: 0, 1, 2, ... */
  size_t count;             /* masks */
  size_t words;             /* words per mask */
  const uint64_t *masks;    /* count*words words */
  const double *values;     /* values[j] valid where ok[j] */
  const unsigned char *ok;
  size_t answered;          /* masks with a value */
  int status;               /* SB_OK, or SB_EORACLE with some masks unanswered */
  const char *message;      /* why ("" if SB_OK) */
  size_t endpoint;          /* index of the endpoint that settled it */
} sb_model_batch;

/* Called for every settled batch; a non-OK return stops the pool's loop with it. */
typedef int (*sb_model_batch_fn)(void *ctx, const sb_model_batch *b, sb_error *err);

typedef struct sb_model_pool sb_model_pool;

/* Caller frees with sb_model_pool_free (which stops every endpoint). */
sb_model_pool *sb_model_pool_new(const sb_model_pool_opts *o, sb_error *err);
void sb_model_pool_free(sb_model_pool *p);

/* Queue `count` masks (copied). */
int sb_model_pool_submit(sb_model_pool *p, const uint64_t *masks, size_t count, sb_error *err);
/* Drop queued masks not yet dispatched; returns how many. */
size_t sb_model_pool_cancel(sb_model_pool *p);
/* Masks queued or in flight. */
size_t sb_model_pool_pending(const sb_model_pool *p);
/* Endpoints (K). */
size_t sb_model_pool_size(const sb_model_pool *p);

/* Event-loop interface.  pollfds fills K entries (fd -1 for an idle endpoint)
 * after dispatching queued masks to idle endpoints; timeout_ms is the time to
 * the nearest deadline (-1: none); handle advances every endpoint with the
 * events poll returned in those K entries and calls `cb` for settled batches. */
size_t sb_model_pool_pollfds(sb_model_pool *p, struct pollfd *pfd, size_t max);
int sb_model_pool_timeout_ms(const sb_model_pool *p);
int sb_model_pool_handle(sb_model_pool *p, const struct pollfd *pfd, size_t npfd,
                         sb_model_batch_fn cb, void *ctx, sb_error *err);
/* Run until nothing is queued or in flight (cb may cancel the rest). */
int sb_model_pool_drain(sb_model_pool *p, sb_model_batch_fn cb, void *ctx, sb_error *err);

typedef struct sb_model_endpoint_stats {
  size_t startups;  /* processes started / connections opened */
  size_t batches;   /* requests answered (attempts, retries included) */
  size_t masks;     /* masks sent */
  size_t faults;    /* faults (each one a restart before the next batch) */
  double busy_s;    /* seconds with a batch in flight */
  double up_s;      /* seconds since the first start */
} sb_model_endpoint_stats;

/* Statistics of endpoint i (0 <= i < K). */
void sb_model_pool_endpoint_stats(const sb_model_pool *p, size_t i, sb_model_endpoint_stats *s);

#endif
