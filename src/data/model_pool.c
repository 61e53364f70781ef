/* The model pool: a FIFO queue of masks, K endpoints taking `batch` masks each,
 * retry-once on a fresh endpoint after a fault, and in-order delivery of settled
 * batches (model_pool.h). */
#include "data/model_pool.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mask.h"
#include "data/model_proc.h"

typedef struct job {
  size_t seq, count;
  uint64_t *masks;          /* count masks (owned) */
  double *values;
  unsigned char *ok;
  int attempts;             /* requests sent for this batch */
  int status;               /* once settled */
  char first[1024];         /* message of the first fault */
  char msg[2100];           /* final message */
  /* the request in flight: the whole batch (first attempt) or its unanswered masks */
  size_t sub_count;
  uint64_t *sub_masks;      /* NULL on the first attempt */
  double *sub_values;
  unsigned char *sub_ok;
  size_t *sub_idx;          /* sub mask j is batch mask sub_idx[j] */
  size_t endpoint;
  struct job *next;         /* settled list, by seq */
} job;

typedef struct endpoint {
  sb_model_proc *proc;
  job *jobs[SB_MODEL_MAX_DEPTH]; /* in flight, oldest first */
  int njobs;
  double busy_since;        /* when njobs last went from 0 to 1 */
  double first_start;       /* 0 = never started */
  sb_model_endpoint_stats st;
} endpoint;

struct sb_model_pool {
  sb_model_pool_opts o;
  int depth;                /* batches in flight per endpoint */
  char *cmd, *connect;
  size_t words;
  endpoint *ep;
  uint64_t *queue;          /* queued masks [qhead, qhead + qcount) */
  size_t qhead, qcount, qcap;
  size_t next_seq, next_deliver;
  size_t inflight;          /* masks in batches not yet delivered */
  job *settled;             /* settled, not yet delivered (sorted by seq) */
};

static void job_free(job *j) {
  if (!j) return;
  free(j->masks), free(j->values), free(j->ok);
  free(j->sub_masks), free(j->sub_values), free(j->sub_ok), free(j->sub_idx);
  free(j);
}

sb_model_pool *sb_model_pool_new(const sb_model_pool_opts *o, sb_error *err) {
  if ((!o->cmd || !*o->cmd) == (!o->connect || !*o->connect)) {
    sb_error_set(err, SB_EINVAL, "model pool: give exactly one of a command and a server address");
    return NULL;
  }
  if (o->endpoints < 1 || o->batch < 1 || o->n < 1) {
    sb_error_set(err, SB_EINVAL, "model pool: endpoints, batch and n must be >= 1");
    return NULL;
  }
  sb_model_pool *p = calloc(1, sizeof *p);
  if (!p) goto nomem;
  p->o = *o;
  p->depth = o->depth < 1 ? 1 : o->depth > SB_MODEL_MAX_DEPTH ? SB_MODEL_MAX_DEPTH : o->depth;
  p->words = sb_mask_words(o->n);
  p->ep = calloc(o->endpoints, sizeof *p->ep);
  if (o->cmd && *o->cmd) p->cmd = strdup(o->cmd);
  else p->connect = strdup(o->connect);
  p->o.cmd = p->cmd;
  p->o.connect = p->connect;
  if (!p->ep || !(p->cmd || p->connect)) goto nomem;
  return p;
nomem:
  sb_model_pool_free(p);
  sb_error_set(err, SB_ENOMEM, "out of memory");
  return NULL;
}

void sb_model_pool_free(sb_model_pool *p) {
  if (!p) return;
  for (size_t i = 0; p->ep && i < p->o.endpoints; i++) {
    sb_model_proc_free(p->ep[i].proc);
    for (int k = 0; k < p->ep[i].njobs; k++) job_free(p->ep[i].jobs[k]);
  }
  while (p->settled) {
    job *j = p->settled;
    p->settled = j->next;
    job_free(j);
  }
  free(p->ep);
  free(p->queue);
  free(p->cmd), free(p->connect);
  free(p);
}

size_t sb_model_pool_size(const sb_model_pool *p) { return p->o.endpoints; }
size_t sb_model_pool_pending(const sb_model_pool *p) { return p->qcount + p->inflight; }

int sb_model_pool_submit(sb_model_pool *p, const uint64_t *masks, size_t count, sb_error *err) {
  if (p->qhead > 0 && p->qhead >= p->qcount) { /* compact the consumed front */
    memmove(p->queue, p->queue + p->qhead * p->words, p->qcount * p->words * sizeof *p->queue);
    p->qhead = 0;
  }
  size_t need = p->qhead + p->qcount + count;
  if (need > p->qcap) {
    size_t cap = p->qcap ? 2 * p->qcap : 256;
    while (cap < need) cap *= 2;
    uint64_t *q = realloc(p->queue, cap * p->words * sizeof *q);
    if (!q) return sb_error_set(err, SB_ENOMEM, "out of memory for %zu queued masks", need);
    p->queue = q;
    p->qcap = cap;
  }
  memcpy(p->queue + (p->qhead + p->qcount) * p->words, masks, count * p->words * sizeof *masks);
  p->qcount += count;
  return SB_OK;
}

size_t sb_model_pool_cancel(sb_model_pool *p) {
  size_t k = p->qcount;
  p->qhead = p->qcount = 0;
  return k;
}

/* Keep settled batches sorted by seq. */
static void settle(sb_model_pool *p, job *j, int status) {
  j->status = status;
  job **at = &p->settled;
  while (*at && (*at)->seq < j->seq) at = &(*at)->next;
  j->next = *at;
  *at = j;
}

/* A fresh endpoint i (the old one, if any, stopped). */
static int ep_start(sb_model_pool *p, size_t i, sb_error *err) {
  endpoint *e = &p->ep[i];
  sb_model_proc_free(e->proc);
  e->proc = p->cmd ? sb_model_proc_start(p->cmd, (int)i, p->o.n, p->o.start_timeout,
                                         p->o.timeout, err)
                   : sb_model_proc_connect(p->connect, p->o.n, p->o.start_timeout, p->o.timeout,
                                           err);
  e->st.startups++;
  if (e->first_start == 0) e->first_start = sb_model_proc_now();
  return e->proc ? SB_OK : (err && err->code ? err->code : SB_EORACLE);
}

/* The masks of `j` still without an answer become its next request. */
static int build_retry(sb_model_pool *p, job *j) {
  size_t k = 0;
  for (size_t m = 0; m < j->count; m++) k += !j->ok[m];
  free(j->sub_masks), free(j->sub_values), free(j->sub_ok), free(j->sub_idx);
  j->sub_masks = malloc((k ? k : 1) * p->words * sizeof *j->sub_masks);
  j->sub_values = malloc((k ? k : 1) * sizeof *j->sub_values);
  j->sub_ok = calloc(k ? k : 1, 1);
  j->sub_idx = malloc((k ? k : 1) * sizeof *j->sub_idx);
  if (!j->sub_masks || !j->sub_values || !j->sub_ok || !j->sub_idx) return SB_ENOMEM;
  j->sub_count = 0;
  for (size_t m = 0; m < j->count; m++) {
    if (j->ok[m]) continue;
    memcpy(j->sub_masks + j->sub_count * p->words, j->masks + m * p->words,
           p->words * sizeof *j->masks);
    j->sub_idx[j->sub_count++] = m;
  }
  return SB_OK;
}

/* Answers of a retry request back into the batch. */
static void merge_retry(job *j) {
  if (!j->sub_masks) return;
  for (size_t s = 0; s < j->sub_count; s++)
    if (j->sub_ok[s]) {
      j->values[j->sub_idx[s]] = j->sub_values[s];
      j->ok[j->sub_idx[s]] = 1;
    }
}

/* j leaves endpoint e's list (it is e->jobs[0] or the only one). */
static void ep_pop(endpoint *e) {
  for (int k = 1; k < e->njobs; k++) e->jobs[k - 1] = e->jobs[k];
  e->njobs--;
  if (e->njobs == 0) e->st.busy_s += sb_model_proc_now() - e->busy_since;
}

/* Final failure of j with message `why`. */
static void give_up(sb_model_pool *p, job *j, const char *why) {
  char last[sizeof j->msg];
  snprintf(last, sizeof last, "%s", why);
  if (j->attempts > 1 && j->first[0] && strcmp(j->first, last))
    snprintf(j->msg, sizeof j->msg, "%.1000s; retried once on a fresh %s, which failed too: %.1000s",
             j->first, p->cmd ? "process" : "connection", last);
  else
    snprintf(j->msg, sizeof j->msg, "%s", last);
  settle(p, j, SB_EORACLE);
}

/* A fault ended j's request: remember the message. */
static void note_fault(job *j, const char *msg) {
  if (j->attempts == 1) snprintf(j->first, sizeof j->first, "%s", msg);
  snprintf(j->msg, sizeof j->msg, "%s", msg);
}

/* Send j's next request on endpoint i (starting it if it is not running); after
 * a fault, j's unanswered masks are retried once on a fresh endpoint. */
static void attempt(sb_model_pool *p, size_t i, job *j) {
  endpoint *e = &p->ep[i];
  j->endpoint = i;
  for (;;) {
    sb_error e2 = {0};
    if (j->attempts >= 2) {
      give_up(p, j, j->msg[0] ? j->msg : "failed");
      return;
    }
    if (j->attempts > 0 && build_retry(p, j)) {
      give_up(p, j, "out of memory for a retry");
      return;
    }
    if (j->attempts > 0 && j->sub_count == 0) { /* every value arrived; the framing failed */
      give_up(p, j, j->msg);
      return;
    }
    j->attempts++;
    int rc = SB_OK;
    if (!sb_model_proc_alive(e->proc)) rc = ep_start(p, i, &e2); /* e->njobs is 0 here */
    if (rc == SB_OK) {
      int first = j->sub_masks == NULL;
      rc = sb_model_proc_send(e->proc, first ? j->masks : j->sub_masks,
                              first ? j->count : j->sub_count, first ? j->values : j->sub_values,
                              first ? j->ok : j->sub_ok, &e2);
    }
    if (rc == SB_OK) {
      if (e->njobs == 0) e->busy_since = sb_model_proc_now();
      e->jobs[e->njobs++] = j;
      e->st.batches++;
      e->st.masks += j->sub_masks ? j->sub_count : j->count;
      return;
    }
    e->st.faults++;
    note_fault(j, e2.msg);
  }
}

/* Masks endpoint i holds in flight. */
static size_t ep_masks(const endpoint *e) {
  size_t m = 0;
  for (int k = 0; k < e->njobs; k++)
    m += e->jobs[k]->sub_masks ? e->jobs[k]->sub_count : e->jobs[k]->count;
  return m;
}

/* Give queued masks to endpoints with room: first one batch each, then more.
 * Near the end of the queue each endpoint takes only what evens out the work
 * left (queued + in flight) over the K endpoints, so they finish together
 * instead of one answering the last batches alone while the others idle. */
static void dispatch(sb_model_pool *p) {
  for (int level = 1; level <= p->depth; level++)
    for (size_t i = 0; i < p->o.endpoints && p->qcount > 0; i++) {
      if (p->ep[i].njobs >= level) continue;
      size_t left = p->qcount;
      for (size_t e = 0; e < p->o.endpoints; e++) left += ep_masks(&p->ep[e]);
      size_t fair = (left + p->o.endpoints - 1) / p->o.endpoints, mine = ep_masks(&p->ep[i]);
      if (mine >= fair && p->ep[i].njobs > 0) continue; /* it has its share already */
      size_t k = mine < fair ? fair - mine : 1;
      if (k > p->o.batch) k = p->o.batch;
      if (k > p->qcount) k = p->qcount;
      job *j = calloc(1, sizeof *j);
      if (j) {
        j->masks = malloc(k * p->words * sizeof *j->masks);
        j->values = calloc(k, sizeof *j->values);
        j->ok = calloc(k, 1);
      }
      if (!j || !j->masks || !j->values || !j->ok) {
        job_free(j);
        return; /* out of memory: leave the masks queued */
      }
      memcpy(j->masks, p->queue + p->qhead * p->words, k * p->words * sizeof *j->masks);
      p->qhead += k;
      p->qcount -= k;
      if (p->qcount == 0) p->qhead = 0;
      j->count = k;
      j->seq = p->next_seq++;
      p->inflight += k;
      attempt(p, i, j);
    }
}

size_t sb_model_pool_pollfds(sb_model_pool *p, struct pollfd *pfd, size_t max) {
  dispatch(p);
  size_t k = p->o.endpoints < max ? p->o.endpoints : max;
  for (size_t i = 0; i < k; i++) {
    if (p->ep[i].njobs) sb_model_proc_pollfd(p->ep[i].proc, &pfd[i]);
    else pfd[i].fd = -1, pfd[i].events = 0, pfd[i].revents = 0;
  }
  return k;
}

/* 1 if a settled batch can be handed over now. */
static int deliverable(const sb_model_pool *p) {
  return p->settled && (!p->o.ordered || p->settled->seq == p->next_deliver);
}

int sb_model_pool_timeout_ms(const sb_model_pool *p) {
  if (deliverable(p)) return 0;
  double now = sb_model_proc_now(), first = INFINITY;
  for (size_t i = 0; i < p->o.endpoints; i++)
    if (p->ep[i].njobs) {
      double d = sb_model_proc_deadline(p->ep[i].proc);
      if (d < first) first = d;
    }
  if (isinf(first)) return -1;
  double left = first - now;
  return left <= 0 ? 0 : (int)(left * 1000) + 1;
}

/* Advance endpoint i: settle its batches as they end; after a fault, retry every
 * batch it held. */
static void step(sb_model_pool *p, size_t i, short revents) {
  endpoint *e = &p->ep[i];
  while (e->njobs > 0) {
    sb_error e2 = {0};
    int rc = sb_model_proc_step(e->proc, revents, &e2);
    revents = 0; /* further calls parse answers already received */
    if (rc == SB_MODEL_PENDING) return;
    if (rc == SB_OK || sb_model_proc_alive(e->proc)) { /* the oldest batch ended */
      job *j = e->jobs[0];
      ep_pop(e);
      merge_retry(j);
      if (rc == SB_OK) {
        settle(p, j, SB_OK);
      } else { /* a refusal: the server's final word */
        j->attempts = 2;
        give_up(p, j, e2.msg);
      }
      continue;
    }
    /* a fault: the process is gone with every batch it held */
    job *lost[SB_MODEL_MAX_DEPTH];
    int nlost = e->njobs;
    for (int k = 0; k < nlost; k++) lost[k] = e->jobs[k];
    while (e->njobs) ep_pop(e);
    e->st.faults++;
    for (int k = 0; k < nlost; k++) {
      merge_retry(lost[k]);
      note_fault(lost[k], e2.msg);
    }
    for (int k = 0; k < nlost; k++) attempt(p, i, lost[k]); /* retry once, or give up */
    return;
  }
}

/* Hand settled batches to cb (in seq order if ordered). */
static int deliver(sb_model_pool *p, sb_model_batch_fn cb, void *ctx, sb_error *err) {
  while (deliverable(p)) {
    job *j = p->settled;
    p->settled = j->next;
    p->next_deliver = j->seq + 1 > p->next_deliver ? j->seq + 1 : p->next_deliver;
    p->inflight -= j->count;
    sb_model_batch b = {j->seq, j->count, p->words, j->masks, j->values, j->ok, 0, j->status,
                        j->status ? j->msg : "", j->endpoint};
    for (size_t m = 0; m < j->count; m++) b.answered += j->ok[m];
    int rc = cb ? cb(ctx, &b, err) : SB_OK;
    job_free(j);
    if (rc) return rc;
  }
  return SB_OK;
}

int sb_model_pool_handle(sb_model_pool *p, const struct pollfd *pfd, size_t npfd,
                         sb_model_batch_fn cb, void *ctx, sb_error *err) {
  double now = sb_model_proc_now();
  for (size_t i = 0; i < p->o.endpoints; i++) {
    endpoint *e = &p->ep[i];
    if (!e->njobs) continue;
    short rev = i < npfd && pfd[i].fd >= 0 ? pfd[i].revents : 0;
    if (rev || now >= sb_model_proc_deadline(e->proc)) step(p, i, rev);
  }
  /* Refill idle endpoints before the callback records anything, so they stay
   * busy — unless a batch failed: the callback hears of it first and may cancel
   * the rest. */
  int failed = 0;
  for (const job *j = p->settled; j; j = j->next) failed |= j->status != SB_OK;
  if (!failed) dispatch(p);
  int rc = deliver(p, cb, ctx, err);
  if (failed) dispatch(p);
  return rc;
}

int sb_model_pool_drain(sb_model_pool *p, sb_model_batch_fn cb, void *ctx, sb_error *err) {
  struct pollfd *pfd = calloc(p->o.endpoints, sizeof *pfd);
  if (!pfd) return sb_error_set(err, SB_ENOMEM, "out of memory");
  int rc = SB_OK;
  while (rc == SB_OK && (sb_model_pool_pending(p) > 0 || p->settled)) {
    size_t k = sb_model_pool_pollfds(p, pfd, p->o.endpoints), active = 0;
    int ms = sb_model_pool_timeout_ms(p);
    for (size_t i = 0; i < k; i++) active += pfd[i].fd >= 0;
    if (!active && ms < 0) { /* only if a batch could not even be allocated */
      rc = sb_error_set(err, SB_ENOMEM, "model pool: out of memory for a batch");
      break;
    }
    int pr = poll(pfd, k, ms);
    if (pr < 0 && errno != EINTR) {
      rc = sb_error_set(err, SB_EORACLE, "model pool: poll failed: %s", strerror(errno));
      break;
    }
    if (pr < 0) for (size_t i = 0; i < k; i++) pfd[i].revents = 0;
    rc = sb_model_pool_handle(p, pfd, k, cb, ctx, err);
  }
  free(pfd);
  return rc;
}

void sb_model_pool_endpoint_stats(const sb_model_pool *p, size_t i, sb_model_endpoint_stats *s) {
  memset(s, 0, sizeof *s);
  if (i >= p->o.endpoints) return;
  const endpoint *e = &p->ep[i];
  *s = e->st;
  if (e->njobs) s->busy_s += sb_model_proc_now() - e->busy_since;
  s->up_s = e->first_start > 0 ? sb_model_proc_now() - e->first_start : 0;
}
