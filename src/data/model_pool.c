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
  job *job;                 /* in flight, or NULL */
  double t_send;            /* when the current request was sent */
  double first_start;       /* 0 = never started */
  sb_model_endpoint_stats st;
} endpoint;

struct sb_model_pool {
  sb_model_pool_opts o;
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
    job_free(p->ep[i].job);
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

static void account_busy(endpoint *e) {
  e->st.busy_s += sb_model_proc_now() - e->t_send;
}

/* Final failure of j on endpoint i with message `why`. */
static void give_up(sb_model_pool *p, job *j, const char *why) {
  char last[sizeof j->msg];
  snprintf(last, sizeof last, "%s", why);
  if (j->attempts > 1 && j->first[0] && strcmp(j->first, last))
    snprintf(j->msg, sizeof j->msg, "%s; retried once on a fresh %s, which failed too: %s",
             j->first, p->cmd ? "process" : "connection", last);
  else
    snprintf(j->msg, sizeof j->msg, "%s", last);
  p->ep[j->endpoint].job = NULL;
  settle(p, j, SB_EORACLE);
}

/* Send j's next request on endpoint i (restarting it if needed); after a fault
 * the unanswered masks are retried once on a fresh endpoint. */
static void attempt(sb_model_pool *p, size_t i, job *j) {
  endpoint *e = &p->ep[i];
  j->endpoint = i;
  e->job = j;
  for (;;) {
    sb_error e2 = {0};
    if (j->attempts >= 2) {
      give_up(p, j, j->msg[0] ? j->msg : "failed");
      return;
    }
    int rc = SB_OK;
    if (j->attempts > 0 && build_retry(p, j)) {
      give_up(p, j, "out of memory for a retry");
      return;
    }
    if (j->attempts > 0 && j->sub_count == 0) { /* every value arrived; the framing failed */
      give_up(p, j, j->msg);
      return;
    }
    j->attempts++;
    if (!sb_model_proc_alive(e->proc)) rc = ep_start(p, i, &e2);
    if (rc == SB_OK) {
      int first = j->sub_masks == NULL;
      rc = sb_model_proc_send(e->proc, first ? j->masks : j->sub_masks,
                              first ? j->count : j->sub_count, first ? j->values : j->sub_values,
                              first ? j->ok : j->sub_ok, &e2);
    }
    if (rc == SB_OK) {
      e->t_send = sb_model_proc_now();
      e->st.batches++;
      e->st.masks += j->sub_masks ? j->sub_count : j->count;
      return;
    }
    e->st.faults++;
    if (j->attempts == 1) snprintf(j->first, sizeof j->first, "%s", e2.msg);
    snprintf(j->msg, sizeof j->msg, "%s", e2.msg);
  }
}

/* Give queued masks to idle endpoints. */
static void dispatch(sb_model_pool *p) {
  for (size_t i = 0; i < p->o.endpoints && p->qcount > 0; i++) {
    if (p->ep[i].job) continue;
    size_t k = p->qcount < p->o.batch ? p->qcount : p->o.batch;
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
    if (p->ep[i].job) sb_model_proc_pollfd(p->ep[i].proc, &pfd[i]);
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
    if (p->ep[i].job) {
      double d = sb_model_proc_deadline(p->ep[i].proc);
      if (d < first) first = d;
    }
  if (isinf(first)) return -1;
  double left = first - now;
  return left <= 0 ? 0 : (int)(left * 1000) + 1;
}

/* Step endpoint i; settle or retry its batch when the request ends. */
static void step(sb_model_pool *p, size_t i, short revents) {
  endpoint *e = &p->ep[i];
  job *j = e->job;
  sb_error e2 = {0};
  int rc = sb_model_proc_step(e->proc, revents, &e2);
  if (rc == SB_MODEL_PENDING) return;
  account_busy(e);
  merge_retry(j);
  if (rc == SB_OK) {
    e->job = NULL;
    settle(p, j, SB_OK);
    return;
  }
  if (sb_model_proc_alive(e->proc)) { /* a refusal: the server's final word */
    j->attempts = 2;
    give_up(p, j, e2.msg);
    return;
  }
  e->st.faults++;
  if (j->attempts == 1) snprintf(j->first, sizeof j->first, "%s", e2.msg);
  snprintf(j->msg, sizeof j->msg, "%s", e2.msg);
  attempt(p, i, j); /* retry once, or give up */
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
    if (!e->job) continue;
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
  if (e->job) s->busy_s += sb_model_proc_now() - e->t_send;
  s->up_s = e->first_start > 0 ? sb_model_proc_now() - e->first_start : 0;
}
