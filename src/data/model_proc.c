/* Live model endpoints: `/bin/sh -c CMD` under a guard (core/proc.h) or a socket
 * connection, the batch line protocol (model_proc.h) as a non-blocking state
 * machine driven by poll(2), deadlines, and clean teardown.
 *
 * A batch is written while answers are read (one poll loop over the one socket),
 * so a model that answers line by line cannot deadlock against a large batch.
 * Before a batch, any output already waiting is an error ("printed more lines
 * than masks"), so a model out of step is caught instead of shifting every later
 * answer.  A fault kills the whole process group (the guard, the shell and the
 * model) and reaps it, and the message says what happened: exit status or
 * signal, the number of answers received, the offending line (a line holding a
 * NUL byte or only spaces is named as such, never taken for the end of the
 * batch). */
#include "data/model_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/mask.h"
#include "core/netaddr.h"
#include "core/proc.h"

#define LINE_MAX_LEN 4096

extern char **environ;

struct sb_model_proc {
  sb_proc proc;           /* the child (proc.pid -1: a connection); its socket is `fd` */
  int fd;                 /* our end of the socket, -1 once closed */
  int connected;          /* 1: a connection to a server, 0: a child process */
  size_t n, words;
  double start_timeout, timeout;
  int batches_done;       /* completed batches (0: the start-up allowance applies) */
  int failed;             /* a fault killed the process / closed the connection */
  char label[600];        /* "model 'CMD'" / "model server 'ADDR'" (truncated) */
  char line[LINE_MAX_LEN + 2]; /* the answer line being parsed */
  int eof;                /* the peer closed its end (buffered answers still count) */
  /* batches in flight, oldest first: answers go to q[0] */
  struct slot {
    double *out;
    unsigned char *ok;
    size_t count, got;    /* masks in the batch, lines answered */
    int piped;            /* sent while another batch was in flight */
  } q[SB_MODEL_MAX_DEPTH];
  int nq;
  char *req;              /* request bytes; [sent, req_len) not yet written */
  size_t req_len, req_cap, sent;
  char *in;               /* bytes received; [in_pos, in_len) not yet parsed */
  size_t in_len, in_pos, in_cap;
  double allowance, deadline; /* of q[0] */
  int refused;            /* q[0] has masks answered with '!' */
  char reason[512];       /* the first '!' reason */
};

double sb_model_proc_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static sb_model_proc *proc_new(size_t n, double start_timeout, double timeout) {
  sb_model_proc *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  p->n = n;
  p->words = sb_mask_words(n);
  p->start_timeout = start_timeout;
  p->timeout = timeout;
  p->proc.pid = -1;
  p->proc.fd = p->proc.errfd = -1;
  p->fd = -1;
  return p;
}

/* CMD with every "{worker}" replaced by the index (malloc'd). */
static char *expand_worker(const char *cmd, int worker) {
  char num[24];
  snprintf(num, sizeof num, "%d", worker < 0 ? 0 : worker);
  size_t hits = 0;
  for (const char *s = strstr(cmd, "{worker}"); s; s = strstr(s + 8, "{worker}")) hits++;
  char *out = malloc(strlen(cmd) + hits * strlen(num) + 1);
  if (!out) return NULL;
  char *o = out;
  for (const char *s = cmd; *s;) {
    if (!strncmp(s, "{worker}", 8)) {
      o += sprintf(o, "%s", num);
      s += 8;
    } else {
      *o++ = *s++;
    }
  }
  *o = '\0';
  return out;
}

/* The parent's environment plus SPEXBENCH_WORKER (built before the fork: the
 * child may only make async-signal-safe calls until exec). */
static char **worker_env(int worker, char *slot, size_t slot_len) {
  size_t k = 0;
  while (environ && environ[k]) k++;
  char **env = calloc(k + 2, sizeof *env);
  if (!env) return NULL;
  size_t m = 0;
  for (size_t i = 0; i < k; i++)
    if (strncmp(environ[i], "SPEXBENCH_WORKER=", 17)) env[m++] = environ[i];
  if (worker >= 0) {
    snprintf(slot, slot_len, "SPEXBENCH_WORKER=%d", worker);
    env[m++] = slot;
  }
  env[m] = NULL;
  return env;
}

sb_model_proc *sb_model_proc_start(const char *cmd, int worker, size_t n, double start_timeout,
                                   double timeout, sb_error *err) {
  if (!cmd || !*cmd) {
    sb_error_set(err, SB_EINVAL, "model command is empty");
    return NULL;
  }
  sb_model_proc *p = proc_new(n, start_timeout, timeout);
  char *full = expand_worker(cmd, worker);
  char slot[48];
  char **env = worker_env(worker, slot, sizeof slot);
  if (!p || !full || !env) {
    free(p), free(full), free(env);
    sb_error_set(err, SB_ENOMEM, "out of memory");
    return NULL;
  }
  snprintf(p->label, sizeof p->label, "model '%.500s'", full);
  sb_proc_opts po = {env, 0}; /* stderr inherited: the model's messages reach the user */
  sb_error e2;
  int rc = sb_proc_start(&p->proc, full, &po, &e2);
  free(full);
  free(env);
  if (rc) {
    sb_error_set(err, rc == SB_ENOMEM ? SB_ENOMEM : SB_EORACLE, "%s: %s", p->label, e2.msg);
    free(p);
    return NULL;
  }
  p->fd = p->proc.fd; /* ours from now on */
  p->proc.fd = -1;
  return p;
}

sb_model_proc *sb_model_proc_connect(const char *addr, size_t n, double start_timeout,
                                     double timeout, sb_error *err) {
  if (!addr || !*addr) {
    sb_error_set(err, SB_EINVAL, "model server address is empty");
    return NULL;
  }
  sb_model_proc *p = proc_new(n, start_timeout, timeout);
  if (!p) {
    sb_error_set(err, SB_ENOMEM, "out of memory");
    return NULL;
  }
  p->connected = 1;
  snprintf(p->label, sizeof p->label, "model server '%.500s'", addr);
  double wait_s = timeout > 0 ? timeout + start_timeout : 0;
  p->fd = sb_netaddr_connect(addr, p->label, wait_s, err);
  if (p->fd < 0) {
    free(p);
    return NULL;
  }
  fcntl(p->fd, F_SETFL, fcntl(p->fd, F_GETFL) | O_NONBLOCK);
  return p;
}

int sb_model_proc_alive(const sb_model_proc *p) {
  return p && !p->failed && p->fd >= 0 && (p->connected || !p->proc.reaped);
}
int sb_model_proc_busy(const sb_model_proc *p) { return p ? p->nq : 0; }
const char *sb_model_proc_label(const sb_model_proc *p) { return p ? p->label : "model"; }

/* Start q[0]'s clock: its deadline counts from when its answer is due. */
static void head_clock(sb_model_proc *p) {
  p->allowance = p->timeout + (p->batches_done == 0 ? p->start_timeout : 0.0);
  p->deadline = p->timeout > 0 ? sb_model_proc_now() + p->allowance : INFINITY;
  p->refused = 0;
  p->reason[0] = '\0';
}

/* q[0] is settled: the next batch (if any) is answered from now on. */
static void pop_head(sb_model_proc *p) {
  for (int i = 1; i < p->nq; i++) p->q[i - 1] = p->q[i];
  p->nq--;
  if (p->nq > 0) head_clock(p);
}

/* Drop the answers of q[0] (framing broke: which value is whose is unknown). */
static void forget_answers(sb_model_proc *p) {
  if (p->nq > 0 && p->q[0].ok) memset(p->q[0].ok, 0, p->q[0].count);
  if (p->nq > 0) p->q[0].got = 0;
}

/* The end of every batch in flight after a fault: a pipelined batch keeps no
 * answers (its alignment was never confirmed by its closing empty line). */
static void drop_all(sb_model_proc *p) {
  if (p->nq > 0 && p->q[0].piped) forget_answers(p);
  p->nq = 0;
  p->req_len = p->sent = 0;
  p->in_len = p->in_pos = 0;
}

static void queued_note(const sb_model_proc *p, char *buf, size_t len) {
  buf[0] = '\0';
  if (p->nq > 1)
    snprintf(buf, len, "; the %d batch%s queued behind it %s no answer", p->nq - 1,
             p->nq > 2 ? "es" : "", p->nq > 2 ? "get" : "gets");
}

/* Kill now (fault) and record a message. */
static int fail(sb_model_proc *p, sb_error *err, const char *fmt, const char *detail) {
  p->failed = 1;
  if (p->fd >= 0) {
    close(p->fd);
    p->fd = -1;
  }
  sb_proc_kill(&p->proc);
  sb_proc_reap(&p->proc, 2.0);
  char what[256], queued[96];
  snprintf(what, sizeof what, fmt, detail ? detail : "");
  queued_note(p, queued, sizeof queued);
  size_t got = p->nq ? p->q[0].got : 0, count = p->nq ? p->q[0].count : 0;
  drop_all(p);
  return sb_error_set(err, SB_EORACLE,
                      "%s: %s (after %zu of %zu answers in this batch; answers received "
                      "earlier are kept%s)",
                      p->label, what, got, count, queued);
}

/* The peer closed its end: reap the child and describe how it ended. */
static int fail_dead(sb_model_proc *p, sb_error *err) {
  if (p->fd >= 0) {
    close(p->fd);
    p->fd = -1;
  }
  sb_proc_reap(&p->proc, 2.0);
  p->failed = 1;
  char queued[96];
  queued_note(p, queued, sizeof queued);
  size_t got = p->nq ? p->q[0].got : 0, count = p->nq ? p->q[0].count : 0;
  drop_all(p);
  if (p->connected)
    return sb_error_set(err, SB_EORACLE,
                        "%s: the server closed the connection (answered %zu of %zu masks in "
                        "this batch; answers received earlier are kept%s)",
                        p->label, got, count, queued);
  char st[96];
  sb_proc_describe(p->proc.status, st, sizeof st);
  return sb_error_set(err, SB_EORACLE,
                      "%s: process %s (answered %zu of %zu masks in this batch; answers "
                      "received earlier are kept%s)",
                      p->label, st, got, count, queued);
}

/* Parse one answer line of `len` bytes; 1 = value, 0 = blank (the end of a batch
 * if it is empty), -1 = garbage (a NUL byte included), -2 = non-finite, 2 = a '!'
 * refusal. */
static int parse_value(char *s, size_t len, double *v) {
  if (memchr(s, '\0', len)) return -1;
  while (*s == ' ' || *s == '\t' || *s == '\r') s++;
  size_t l = strlen(s);
  while (l > 0 && (s[l - 1] == ' ' || s[l - 1] == '\t' || s[l - 1] == '\r')) s[--l] = '\0';
  if (l == 0) return 0;
  if (s[0] == '!') return 2;
  char *end;
  errno = 0;
  double x = strtod(s, &end);
  if (end == s || *end) return -1;
  if (!isfinite(x)) return -2;
  *v = x;
  return 1;
}

static void printable(char *s) {
  for (; *s; s++)
    if (*s < 32 || *s > 126) *s = '?';
}

int sb_model_proc_send(sb_model_proc *p, const uint64_t *masks, size_t count, double *out,
                       unsigned char *ok, sb_error *err) {
  if (!sb_model_proc_alive(p))
    return sb_error_set(err, SB_EORACLE, "%s: %s", sb_model_proc_label(p),
                        p && p->connected ? "not connected" : "process is not running");
  if (p->nq >= SB_MODEL_MAX_DEPTH)
    return sb_error_set(err, SB_EINVAL, "%s: %d batches already in flight", p->label, p->nq);
  if (p->nq == 0) { /* output waiting before we asked anything: the model is out of step */
    char junk[256];
    ssize_t k = recv(p->fd, junk, sizeof junk - 1, MSG_DONTWAIT);
    if (k == 0) return fail_dead(p, err);
    if (k > 0 || p->in_len > p->in_pos) {
      if (k < 0) k = 0;
      junk[k] = '\0';
      for (ssize_t i = 0; i < k; i++)
        if (junk[i] == '\n' || junk[i] < 32 || junk[i] > 126) junk[i] = ' ';
      return fail(p, err, "printed output nobody asked for (more lines than masks?): '%s'", junk);
    }
  }
  if (p->sent == p->req_len) p->sent = p->req_len = 0;
  size_t line_bytes = p->n + 1, total = count * line_bytes + 1;
  if (p->req_len + total > p->req_cap) {
    char *b = realloc(p->req, p->req_len + total);
    if (!b) return sb_error_set(err, SB_ENOMEM, "out of memory for a batch of %zu masks", count);
    p->req = b;
    p->req_cap = p->req_len + total;
  }
  char *r = p->req + p->req_len;
  for (size_t j = 0; j < count; j++) {
    sb_mask_to_string(masks + j * p->words, p->n, r + j * line_bytes);
    r[j * line_bytes + p->n] = '\n';
  }
  r[total - 1] = '\n'; /* the empty line ending the batch */
  p->req_len += total;
  if (ok) memset(ok, 0, count);
  struct slot sl = {out, ok, count, 0, p->nq > 0};
  p->q[p->nq++] = sl;
  if (p->nq == 1) head_clock(p);
  return SB_OK;
}

void sb_model_proc_pollfd(const sb_model_proc *p, struct pollfd *pf) {
  int busy = p && p->nq > 0;
  pf->fd = busy ? p->fd : -1;
  pf->events = (short)(POLLIN | (busy && p->sent < p->req_len ? POLLOUT : 0));
  pf->revents = 0;
}

double sb_model_proc_deadline(const sb_model_proc *p) {
  return p && p->nq > 0 ? p->deadline : INFINITY;
}

/* Handle one complete answer line (NUL-terminated in p->line, `len` bytes).
 * SB_MODEL_PENDING to continue, SB_OK at the end of q[0], else a fault. */
static int on_line(sb_model_proc *p, size_t len, sb_error *err) {
  struct slot *h = &p->q[0];
  char no[32]; /* the line's number in the batch */
  snprintf(no, sizeof no, "%zu", h->got + 1);
  if (memchr(p->line, '\0', len)) /* binary output: never a value or the end line */
    return fail(p, err, "answer line %s contains a NUL byte (not a number)", no);
  size_t raw = len;
  if (raw && p->line[raw - 1] == '\r') raw--; /* CRLF */
  double v = 0;
  int pv = parse_value(p->line, len, &v);
  if (pv == 0 && raw) /* spaces or tabs only: not the end line, not a number */
    return fail(p, err, "answer line %s is blank (spaces only; expected a number)", no);
  if (pv == 0) { /* the empty line ending the model's batch */
    if (h->got < h->count) {
      forget_answers(p);
      return fail(p, err, "ended the batch early (too few lines)%s", NULL);
    }
    if (p->nq == 1 && p->in_pos < p->in_len) { /* nothing else was asked */
      char d[64];
      size_t rest = p->in_len - p->in_pos;
      snprintf(d, sizeof d, "%.*s", (int)(rest > 40 ? 40 : rest), p->in + p->in_pos);
      printable(d);
      forget_answers(p); /* out of step: record none of this batch */
      return fail(p, err, "printed output after the end of the batch: '%s'", d);
    }
    return SB_OK;
  }
  if (h->got >= h->count) {
    char d[100];
    snprintf(d, sizeof d, "%.80s", p->line);
    printable(d);
    forget_answers(p); /* an extra line may have shifted every value: record none */
    return fail(p, err,
                "printed more lines than masks (expected an empty line after the last value): "
                "'%s'",
                d);
  }
  if (pv == -1) {
    char d[128];
    snprintf(d, sizeof d, "%.100s", p->line);
    printable(d);
    return fail(p, err, "answer is not a number: '%s'", d);
  }
  if (pv == -2) {
    char d[128];
    snprintf(d, sizeof d, "%.100s", p->line);
    printable(d);
    return fail(p, err, "answer '%s' is not finite (NaN/Inf)", d);
  }
  if (pv == 2) {
    if (!p->refused) {
      const char *r = p->line;
      while (*r == ' ' || *r == '\t' || *r == '!') r++;
      snprintf(p->reason, sizeof p->reason, "%.*s", (int)sizeof p->reason - 1,
               *r ? r : "refused without a reason");
      printable(p->reason);
    }
    p->refused = 1;
    h->got++;
    return SB_MODEL_PENDING;
  }
  h->out[h->got] = v;
  if (h->ok) h->ok[h->got] = 1;
  h->got++;
  return SB_MODEL_PENDING;
}

/* Read what arrived into p->in; 0 = nothing new, 1 = data, -1 = closed/failed. */
static int read_input(sb_model_proc *p) {
  if (p->in_pos > 0) { /* keep the unparsed tail at the front */
    memmove(p->in, p->in + p->in_pos, p->in_len - p->in_pos);
    p->in_len -= p->in_pos;
    p->in_pos = 0;
  }
  if (p->in_cap - p->in_len < 65536) {
    char *b = realloc(p->in, p->in_len + 65536);
    if (!b) return -1;
    p->in = b;
    p->in_cap = p->in_len + 65536;
  }
  ssize_t k = recv(p->fd, p->in + p->in_len, p->in_cap - p->in_len, MSG_DONTWAIT);
  if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return 0;
  if (k <= 0) return -1;
  p->in_len += (size_t)k;
  return 1;
}

int sb_model_proc_step(sb_model_proc *p, short revents, sb_error *err) {
  if (!p || p->nq == 0)
    return sb_error_set(err, SB_EINVAL, "%s: no batch in flight", sb_model_proc_label(p));
  if (revents & POLLOUT && p->sent < p->req_len) {
    ssize_t k = send(p->fd, p->req + p->sent, p->req_len - p->sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (k > 0) p->sent += (size_t)k;
    else if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
      return fail_dead(p, err);
  }
  if (revents & (POLLIN | POLLHUP | POLLERR) && !p->eof && read_input(p) < 0)
    p->eof = 1; /* answers already received still count: parse them first */
  while (p->in_pos < p->in_len) {
    char *start = p->in + p->in_pos;
    char *nl = memchr(start, '\n', p->in_len - p->in_pos);
    size_t len = nl ? (size_t)(nl - start) : p->in_len - p->in_pos;
    if (len > LINE_MAX_LEN) {
      snprintf(p->line, sizeof p->line, "%.60s", start);
      char d[80];
      snprintf(d, sizeof d, "%.60s", p->line);
      printable(d);
      return fail(p, err, "answer line longer than 4096 bytes: '%s...'", d);
    }
    if (!nl) break;
    memcpy(p->line, start, len);
    p->line[len] = '\0';
    p->in_pos += len + 1;
    int r = on_line(p, len, err);
    if (r == SB_MODEL_PENDING) continue;
    if (r != SB_OK) return r;
    /* q[0] ended */
    p->batches_done++;
    int refused = p->refused;
    char reason[sizeof p->reason];
    snprintf(reason, sizeof reason, "%s", p->reason);
    pop_head(p);
    if (refused) return sb_error_set(err, SB_EORACLE, "%s", reason);
    return SB_OK;
  }
  if (p->eof) return fail_dead(p, err);
  if (sb_model_proc_now() >= p->deadline) {
    char d[64];
    snprintf(d, sizeof d, "%g s", p->allowance);
    if (p->q[0].got == p->q[0].count)
      return fail(p, err,
                  "gave every value but no empty line ending the batch within %s (timeout); "
                  "process killed",
                  d);
    return fail(p, err, "no complete answer within %s (timeout); process killed", d);
  }
  return SB_MODEL_PENDING;
}

int sb_model_proc_eval(sb_model_proc *p, const uint64_t *masks, size_t count, double *out,
                       size_t *answered, sb_error *err) {
  if (answered) *answered = 0;
  if (p && p->nq > 0)
    return sb_error_set(err, SB_EINVAL, "%s: batches already in flight", p->label);
  if (count == 0 && sb_model_proc_alive(p)) return SB_OK;
  unsigned char *ok = calloc(count ? count : 1, 1);
  if (!ok) return sb_error_set(err, SB_ENOMEM, "out of memory");
  int rc = sb_model_proc_send(p, masks, count, out, ok, err);
  while (rc == SB_OK) {
    struct pollfd pf;
    sb_model_proc_pollfd(p, &pf);
    double left = sb_model_proc_deadline(p) - sb_model_proc_now();
    int ms = isinf(left) ? -1 : left <= 0 ? 0 : (int)(left * 1000) + 1;
    int pr = poll(&pf, 1, ms);
    if (pr < 0 && errno != EINTR) {
      rc = fail(p, err, "poll failed: %s", strerror(errno));
      break;
    }
    rc = sb_model_proc_step(p, pr > 0 ? pf.revents : 0, err);
    if (rc != SB_MODEL_PENDING) break;
    rc = SB_OK;
  }
  if (answered) {
    size_t a = 0;
    while (a < count && ok[a]) a++;
    *answered = a;
  }
  free(ok);
  return rc;
}

void sb_model_proc_free(sb_model_proc *p) {
  if (!p) return;
  if (p->fd >= 0) {
    shutdown(p->fd, SHUT_WR); /* EOF on the model's stdin: please exit */
    close(p->fd);
    p->fd = -1;
  }
  sb_proc_reap(&p->proc, 1.0); /* then its group is killed */
  free(p->req);
  free(p->in);
  free(p);
}
