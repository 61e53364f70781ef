/* The pool server's event loop (data/live.h): one poll(2) loop over the
 * listening socket, the clients and the K model processes of a model pool.
 *
 * Every mask the server has seen is a row of a table (mask -> row through an
 * sb_trace used as a hash index), with a state: queued (in the pool's queue or
 * in flight), answered (value kept for the server's lifetime) or failed (the
 * reason kept; asked again, it is queued again).  A client request is a list of
 * rows; its reply is written once every row is answered or failed, in the
 * request's order: a value, or '!' and the reason.  A mask queued for one client
 * is never queued again for another, so concurrent runs that share a design cost
 * the model one call per mask.  Requests that are not masks of n '0'/'1'
 * characters get '!' for every line (the connection stays usable). */
#include "data/live.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/mask.h"
#include "core/netaddr.h"
#include "data/model_pool.h"
#include "data/model_proc.h"
#include "trace/trace.h"

enum { ROW_QUEUED = 1, ROW_DONE = 2, ROW_FAILED = 3 };
#define BAD_ROW ((size_t)-1)
#define MAX_LINE (SB_MAX_N + 2)

typedef struct client {
  int fd;
  char *in;                 /* bytes received and not yet parsed */
  size_t in_len, in_cap;
  size_t *rows;             /* the current request: a row per line (BAD_ROW: malformed) */
  size_t count, cap;
  int complete;             /* the request's empty line has arrived */
  char bad[200];            /* why the request is malformed ("" if it is not) */
  char *out;                /* reply being sent */
  size_t out_len, out_pos, out_cap;
} client;

typedef struct server {
  sb_live_server_opts o;
  size_t n, words;
  sb_model_pool *pool;
  sb_trace *index;          /* masks seen; record i = row i */
  unsigned char *state;     /* per row */
  double *value;
  size_t *reason;           /* per failed row: index into reasons */
  size_t rows_cap;
  char **reasons;
  size_t nreasons;
  client **cl;
  size_t ncl;
  uint64_t *scratch;        /* one mask */
  /* statistics */
  size_t clients, requests, asked, shared, cached, model, failed, rejected;
} server;

static void client_free(client *c) {
  if (!c) return;
  if (c->fd >= 0) close(c->fd);
  free(c->in), free(c->rows), free(c->out);
  free(c);
}

static int grow(void **buf, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return 0;
  size_t nc = *cap ? *cap : 64;
  while (nc < need) nc *= 2;
  void *b = realloc(*buf, nc * elem);
  if (!b) return -1;
  *buf = b;
  *cap = nc;
  return 0;
}

/* The pool and the table, once n is known. */
static int server_init(server *s, size_t n, sb_error *err) {
  sb_model_pool_opts po = {s->o.cmd, NULL, n, s->o.workers, s->o.batch, s->o.start_timeout,
                           s->o.timeout, 0, 2};
  s->pool = sb_model_pool_new(&po, err);
  s->index = sb_trace_alloc(n);
  s->scratch = calloc(sb_mask_words(n), sizeof *s->scratch);
  if (!s->pool || !s->index || !s->scratch) {
    int rc = s->pool ? sb_error_set(err, SB_ENOMEM, "out of memory") : (err ? err->code : SB_ENOMEM);
    sb_model_pool_free(s->pool);
    sb_trace_free(s->index);
    free(s->scratch);
    s->pool = NULL, s->index = NULL, s->scratch = NULL;
    return rc;
  }
  s->n = n;
  s->words = sb_mask_words(n);
  return SB_OK;
}

/* Row of `mask`, created (not yet queued) if new; BAD_ROW when out of memory. */
static size_t row_of(server *s, const uint64_t *mask) {
  long r = sb_trace_find(s->index, mask);
  if (r >= 0) return (size_t)r;
  size_t row = s->index->count;
  if (row >= s->rows_cap) {
    size_t nc = s->rows_cap ? 2 * s->rows_cap : 1024;
    unsigned char *st = realloc(s->state, nc);
    if (!st) return BAD_ROW;
    s->state = st;
    double *va = realloc(s->value, nc * sizeof *va);
    if (!va) return BAD_ROW;
    s->value = va;
    size_t *re = realloc(s->reason, nc * sizeof *re);
    if (!re) return BAD_ROW;
    s->reason = re;
    s->rows_cap = nc;
  }
  if (sb_trace_put(s->index, mask, 0.0, NULL, NULL)) return BAD_ROW;
  s->state[row] = 0;
  return row;
}

/* A settled pool batch: answers and failures into the table. */
static int on_settled(void *ctx, const sb_model_batch *b, sb_error *err) {
  (void)err;
  server *s = ctx;
  size_t why = (size_t)-1;
  if (b->answered < b->count) {
    void *rs = s->reasons;
    size_t cap = s->nreasons;
    if (grow(&rs, &cap, s->nreasons + 1, sizeof(char *)) == 0) {
      s->reasons = rs;
      s->reasons[s->nreasons] = strdup(b->message);
      if (s->reasons[s->nreasons]) why = s->nreasons++;
    }
    if (s->o.verbose) fprintf(stderr, "spexbench serve: %s\n", b->message);
  }
  for (size_t j = 0; j < b->count; j++) {
    long r = sb_trace_find(s->index, b->masks + j * b->words);
    if (r < 0) continue;
    if (b->ok[j]) {
      s->state[r] = ROW_DONE;
      s->value[r] = b->values[j];
      s->model++;
    } else {
      s->state[r] = ROW_FAILED;
      s->reason[r] = why;
      s->failed++;
    }
  }
  return SB_OK;
}

static int out_printf(client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int out_printf(client *c, const char *fmt, ...) {
  va_list ap;
  for (;;) {
    size_t room = c->out_cap - c->out_len;
    va_start(ap, fmt);
    int k = vsnprintf(c->out + c->out_len, room, fmt, ap);
    va_end(ap);
    if (k < 0) return -1;
    if ((size_t)k < room) {
      c->out_len += (size_t)k;
      return 0;
    }
    void *b = c->out;
    if (grow(&b, &c->out_cap, c->out_len + (size_t)k + 1, 1)) return -1;
    c->out = b;
  }
}

/* Reply to a complete request once every row is settled. */
static void try_reply(server *s, client *c) {
  if (!c->complete || c->out_len > c->out_pos) return;
  for (size_t j = 0; j < c->count; j++) {
    size_t r = c->rows[j];
    if (r != BAD_ROW && s->state[r] == ROW_QUEUED) return;
  }
  c->out_len = c->out_pos = 0;
  for (size_t j = 0; j < c->count; j++) {
    size_t r = c->rows[j];
    if (r == BAD_ROW)
      out_printf(c, "! %s\n", c->bad[0] ? c->bad : "the server is out of memory");
    else if (s->state[r] == ROW_DONE)
      out_printf(c, "%.17g\n", s->value[r]);
    else
      out_printf(c, "! %s\n",
                 s->reason[r] < s->nreasons ? s->reasons[s->reason[r]] : "the model failed");
  }
  out_printf(c, "\n");
  c->count = 0;
  c->complete = 0;
  c->bad[0] = '\0';
}

/* One line of a request. */
static void on_mask_line(server *s, client *c, const char *line, size_t len, sb_error *err) {
  size_t row = BAD_ROW;
  if (!c->bad[0] && s->n == 0 && len > 0 && len <= SB_MAX_N) {
    if (server_init(s, len, err))
      snprintf(c->bad, sizeof c->bad, "the server cannot start: %.150s", err ? err->msg : "");
  }
  if (!c->bad[0] && s->n > 0) {
    sb_error e2;
    if (len != s->n || sb_mask_from_string(s->scratch, s->n, line, len, &e2)) {
      snprintf(c->bad, sizeof c->bad,
               "bad request: line %zu is not a mask of %zu '0'/'1' characters", c->count + 1,
               s->n);
    } else {
      row = row_of(s, s->scratch);
      if (row != BAD_ROW) {
        s->asked++;
        if (s->state[row] == ROW_QUEUED) s->shared++;
        if (s->state[row] == ROW_DONE) s->cached++;
        if (s->state[row] == 0 || s->state[row] == ROW_FAILED) {
          if (sb_model_pool_submit(s->pool, s->scratch, 1, NULL) == SB_OK)
            s->state[row] = ROW_QUEUED;
          else
            row = BAD_ROW;
        }
      }
    }
  }
  void *rows = c->rows;
  if (grow(&rows, &c->cap, c->count + 1, sizeof(size_t)) == 0) {
    c->rows = rows;
    c->rows[c->count++] = row;
  }
}

/* Parse buffered input up to the end of the current request. */
static void parse_input(server *s, client *c, sb_error *err) {
  size_t pos = 0;
  while (!c->complete && pos < c->in_len) {
    char *nl = memchr(c->in + pos, '\n', c->in_len - pos);
    if (!nl) break;
    size_t len = (size_t)(nl - (c->in + pos));
    char *line = c->in + pos;
    pos += len + 1;
    if (len > 0 && line[len - 1] == '\r') len--;
    if (len == 0) {
      c->complete = 1;
      s->requests++;
      if (c->bad[0]) s->rejected++;
      break;
    }
    on_mask_line(s, c, line, len, err);
  }
  memmove(c->in, c->in + pos, c->in_len - pos);
  c->in_len -= pos;
}

/* Read what a client sent; 0 if it is gone. */
static int client_read(server *s, client *c, sb_error *err) {
  for (;;) {
    void *b = c->in;
    if (grow(&b, &c->in_cap, c->in_len + 65536, 1)) return 0;
    c->in = b;
    ssize_t k = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, MSG_DONTWAIT);
    if (k > 0) {
      c->in_len += (size_t)k;
      continue;
    }
    if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (k < 0 && errno == EINTR) continue;
    return 0; /* closed or failed */
  }
  parse_input(s, c, err);
  /* a line longer than any mask without a newline: not a client of ours */
  if (!c->complete && c->in_len > MAX_LINE + 2 && !memchr(c->in, '\n', c->in_len)) return 0;
  return 1;
}

/* Send pending reply bytes; 0 if the client is gone. */
static int client_write(server *s, client *c, sb_error *err) {
  while (c->out_pos < c->out_len) {
    ssize_t k = send(c->fd, c->out + c->out_pos, c->out_len - c->out_pos,
                     MSG_NOSIGNAL | MSG_DONTWAIT);
    if (k > 0) c->out_pos += (size_t)k;
    else if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 1;
    else if (k < 0 && errno == EINTR) continue;
    else return 0;
  }
  c->out_len = c->out_pos = 0;
  parse_input(s, c, err); /* a request sent before the reply was read */
  return 1;
}

static void accept_clients(server *s, int lfd, int is_unix) {
  for (;;) {
    int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return;
    if (is_unix) { /* only our own user, even on an abstract socket */
      struct ucred uc;
      socklen_t ul = sizeof uc;
      if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &ul) != 0 || uc.uid != geteuid()) {
        close(fd);
        continue;
      }
    }
    void *b = s->cl;
    size_t cap = s->ncl;
    client *c = calloc(1, sizeof *c);
    if (!c || grow(&b, &cap, s->ncl + 1, sizeof(client *))) {
      free(c);
      close(fd);
      continue;
    }
    s->cl = b;
    c->fd = fd;
    s->cl[s->ncl++] = c;
    s->clients++;
  }
}

static json_t *stats_json(const server *s) {
  json_t *j = json_object();
  json_object_set_new(j, "cmd", json_string(s->o.cmd));
  json_object_set_new(j, "n", json_integer((json_int_t)s->n));
  json_object_set_new(j, "workers", json_integer((json_int_t)s->o.workers));
  json_object_set_new(j, "clients", json_integer((json_int_t)s->clients));
  json_object_set_new(j, "requests", json_integer((json_int_t)s->requests));
  json_object_set_new(j, "masks_asked", json_integer((json_int_t)s->asked));
  json_object_set_new(j, "masks_shared_in_flight", json_integer((json_int_t)s->shared));
  json_object_set_new(j, "masks_answered_from_memory", json_integer((json_int_t)s->cached));
  json_object_set_new(j, "masks_answered_by_model", json_integer((json_int_t)s->model));
  json_object_set_new(j, "masks_failed", json_integer((json_int_t)s->failed));
  json_object_set_new(j, "requests_rejected", json_integer((json_int_t)s->rejected));
  json_t *eps = json_array();
  size_t startups = 0;
  for (size_t i = 0; s->pool && i < sb_model_pool_size(s->pool); i++) {
    sb_model_endpoint_stats st;
    sb_model_pool_endpoint_stats(s->pool, i, &st);
    startups += st.startups;
    json_t *e = json_object();
    json_object_set_new(e, "startups", json_integer((json_int_t)st.startups));
    json_object_set_new(e, "batches", json_integer((json_int_t)st.batches));
    json_object_set_new(e, "masks", json_integer((json_int_t)st.masks));
    json_object_set_new(e, "faults", json_integer((json_int_t)st.faults));
    json_object_set_new(e, "busy_s", json_real(st.busy_s));
    json_object_set_new(e, "up_s", json_real(st.up_s));
    json_array_append_new(eps, e);
  }
  json_object_set_new(j, "startups", json_integer((json_int_t)startups));
  json_object_set_new(j, "processes", eps);
  return j;
}

json_t *sb_live_serve(int lfd, const sb_live_server_opts *o, volatile sig_atomic_t *stop,
                      sb_error *err) {
  if (!o->cmd || !*o->cmd || o->workers < 1 || o->batch < 1) {
    sb_error_set(err, SB_EINVAL, "pool server: needs a command, workers >= 1 and batch >= 1");
    return NULL;
  }
  server s;
  memset(&s, 0, sizeof s);
  s.o = *o;
  if (o->n > 0 && server_init(&s, o->n, err)) return NULL;
  int is_unix = sb_netaddr_is_unix(lfd);
  fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK);
  struct pollfd *pfd = NULL;
  size_t pcap = 0;
  sb_error e2 = {0};
  while (!*stop) {
    size_t k = s.pool ? sb_model_pool_size(s.pool) : 0, need = 1 + k + s.ncl;
    void *b = pfd;
    if (grow(&b, &pcap, need, sizeof *pfd)) break;
    pfd = b;
    pfd[0].fd = lfd;
    pfd[0].events = POLLIN;
    pfd[0].revents = 0;
    if (s.pool) sb_model_pool_pollfds(s.pool, pfd + 1, k);
    for (size_t i = 0; i < s.ncl; i++) {
      client *c = s.cl[i];
      pfd[1 + k + i].fd = c->fd;
      pfd[1 + k + i].events = (short)(POLLIN | (c->out_pos < c->out_len ? POLLOUT : 0));
      pfd[1 + k + i].revents = 0;
    }
    int ms = s.pool ? sb_model_pool_timeout_ms(s.pool) : -1;
    if (ms < 0 || ms > 250) ms = 250; /* look at *stop now and then */
    int pr = poll(pfd, need, ms);
    if (pr < 0 && errno != EINTR) break;
    if (pr < 0) continue;
    if (s.pool) sb_model_pool_handle(s.pool, pfd + 1, k, on_settled, &s, &e2);
    size_t ncl0 = s.ncl;
    for (size_t i = 0; i < ncl0; i++) {
      client *c = s.cl[i];
      short rev = pfd[1 + k + i].revents;
      int alive = 1;
      if (rev & (POLLIN | POLLHUP | POLLERR)) alive = client_read(&s, c, &e2);
      if (alive && (rev & POLLOUT)) alive = client_write(&s, c, &e2);
      if (!alive) {
        client_free(c);
        s.cl[i] = NULL;
      }
    }
    size_t m = 0; /* drop closed clients */
    for (size_t i = 0; i < s.ncl; i++)
      if (s.cl[i]) s.cl[m++] = s.cl[i];
    s.ncl = m;
    if (pfd[0].revents & POLLIN) accept_clients(&s, lfd, is_unix);
    for (size_t i = 0; i < s.ncl; i++) { /* replies that are ready go out at once */
      try_reply(&s, s.cl[i]);
      if (s.cl[i]->out_len > s.cl[i]->out_pos && !client_write(&s, s.cl[i], &e2)) {
        client_free(s.cl[i]);
        s.cl[i] = s.cl[--s.ncl];
        i--;
      }
    }
  }
  json_t *st = stats_json(&s);
  for (size_t i = 0; i < s.ncl; i++) client_free(s.cl[i]);
  free(s.cl);
  free(pfd);
  sb_model_pool_free(s.pool);
  sb_trace_free(s.index);
  for (size_t i = 0; i < s.nreasons; i++) free(s.reasons[i]);
  free(s.reasons);
  free(s.state), free(s.value), free(s.reason), free(s.scratch);
  return st;
}

void sb_live_stats_print(FILE *fp, const char *cmd, const json_t *st) {
  const char *e = json_string_value(json_object_get(st, "error"));
  if (e) {
    fprintf(fp, "spexbench: pool server for '%s' failed: %s\n", cmd, e);
    return;
  }
  json_t *procs = json_object_get(st, "processes");
  size_t workers = (size_t)json_integer_value(json_object_get(st, "workers"));
  char busy[512] = "";
  size_t used = 0;
  for (size_t i = 0; i < json_array_size(procs) && used + 16 < sizeof busy; i++) {
    json_t *p = json_array_get(procs, i);
    double b = json_real_value(json_object_get(p, "busy_s"));
    double up = json_real_value(json_object_get(p, "up_s"));
    used += (size_t)snprintf(busy + used, sizeof busy - used, "%s%.1f%%", i ? " / " : "",
                             up > 0 ? 100.0 * b / up : 0.0);
  }
  fprintf(fp,
          "spexbench: live model '%s': %zu process%s, %lld start-up%s, %lld masks answered by "
          "the model (%lld more from memory, %lld shared in flight), %lld failed; busy %s of "
          "their up time\n",
          cmd, workers, workers == 1 ? "" : "es",
          (long long)json_integer_value(json_object_get(st, "startups")),
          json_integer_value(json_object_get(st, "startups")) == 1 ? "" : "s",
          (long long)json_integer_value(json_object_get(st, "masks_answered_by_model")),
          (long long)json_integer_value(json_object_get(st, "masks_answered_from_memory")),
          (long long)json_integer_value(json_object_get(st, "masks_shared_in_flight")),
          (long long)json_integer_value(json_object_get(st, "masks_failed")),
          busy[0] ? busy : "-");
}

int sb_live_listen(const char *addr, char *bound, size_t bound_len, sb_error *err) {
  return sb_netaddr_listen(addr, bound, bound_len, err);
}
