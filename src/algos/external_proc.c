/* The external algorithm's child process (external_proc.h): `/bin/sh -c CMD`
 * under a guard (core/proc.h: own process group, dies with the harness), one
 * poll(2) loop that sends queued input, reads stdout into a line buffer and
 * drains stderr into the tail at the same time (so neither side can deadlock on
 * a full pipe), deadlines on every wait, and teardown that kills the whole group. */
#include "algos/external_proc.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/proc.h"
#include "core/timer.h"

struct sb_xproc {
  sb_proc proc;       /* the child; proc.fd: its stdin and stdout (-1 once closed) */
  size_t max_line;    /* longest line accepted from the program */
  char *out;          /* queued input for the program */
  size_t out_len, out_sent, out_cap;
  char *in;           /* bytes read from the program's stdout */
  size_t in_start;    /* start of the unconsumed data */
  size_t in_len;      /* end of the data */
  size_t in_cap;
  size_t scan;        /* no '\n' in [in_start, scan) */
  size_t returned;    /* bytes of the line handed out last (consumed on the next call) */
  char status_text[96];
};

sb_xproc *sb_xproc_start(const char *cmd, size_t max_line, sb_error *err) {
  sb_xproc *p = calloc(1, sizeof *p);
  if (!p) {
    sb_error_set(err, SB_ENOMEM, "out of memory");
    return NULL;
  }
  p->max_line = max_line;
  snprintf(p->status_text, sizeof p->status_text, "is running");
  sb_proc_opts o = {NULL, 1};
  int rc = sb_proc_start(&p->proc, cmd, &o, err);
  if (rc) {
    if (err && rc != SB_ENOMEM) err->code = SB_EORACLE;
    free(p);
    return NULL;
  }
  return p;
}

int sb_xproc_queue(sb_xproc *p, const char *data, size_t len, sb_error *err) {
  if (p->out_sent == p->out_len) p->out_len = p->out_sent = 0;
  if (p->out_len + len > p->out_cap) {
    size_t cap = p->out_cap ? p->out_cap : 4096;
    while (cap < p->out_len + len) cap *= 2;
    char *o = realloc(p->out, cap);
    if (!o) return sb_error_set(err, SB_ENOMEM, "out of memory for a %zu-byte message", len);
    p->out = o;
    p->out_cap = cap;
  }
  memcpy(p->out + p->out_len, data, len);
  p->out_len += len;
  return SB_OK;
}

void sb_xproc_stderr_tail(const sb_xproc *p, char *buf, size_t len, size_t *total) {
  sb_proc_stderr_tail(&p->proc, buf, len, total);
}

/* ---- the process ----------------------------------------------------------- */

void sb_xproc_finish(sb_xproc *p, double grace) {
  if (!p) return;
  if (p->proc.fd >= 0) shutdown(p->proc.fd, SHUT_WR); /* end of input: the program should exit */
  sb_proc_reap(&p->proc, grace);
  if (p->proc.reaped) sb_proc_describe(p->proc.status, p->status_text, sizeof p->status_text);
  sb_proc_close(&p->proc);
}

const char *sb_xproc_status(const sb_xproc *p) { return p->status_text; }

int sb_xproc_exit_code(const sb_xproc *p) {
  return p->proc.reaped && WIFEXITED(p->proc.status) ? WEXITSTATUS(p->proc.status) : -1;
}

void sb_xproc_free(sb_xproc *p) {
  if (!p) return;
  sb_xproc_finish(p, 0.0);
  free(p->out);
  free(p->in);
  free(p);
}

/* ---- the line loop --------------------------------------------------------- */

/* Room for at least one more read; compacts consumed bytes away first. */
static int make_room(sb_xproc *p, sb_error *err) {
  if (p->in_start > 0 && (p->in_len == p->in_start || p->in_start >= p->in_cap / 2)) {
    memmove(p->in, p->in + p->in_start, p->in_len - p->in_start);
    p->in_len -= p->in_start;
    p->scan -= p->in_start;
    p->in_start = 0;
  }
  if (p->in_cap - p->in_len >= 4096) return SB_OK;
  size_t cap = p->in_cap ? 2 * p->in_cap : 65536;
  char *b = realloc(p->in, cap + 1); /* +1: room for the NUL after a line */
  if (!b) return sb_error_set(err, SB_ENOMEM, "out of memory for a %zu-byte line", cap);
  p->in = b;
  p->in_cap = cap;
  return SB_OK;
}

/* A fault: kill the program now and describe it. */
static int fault(sb_xproc *p, sb_error *err, const char *what) {
  sb_xproc_finish(p, 0.0);
  return sb_error_set(err, SB_EORACLE, "%s", what);
}

/* Send what is queued and, if `line` is not NULL, wait for a complete line. */
static int pump(sb_xproc *p, double timeout, char **line, size_t *len, sb_error *err) {
  double deadline = sb_wall_seconds() + timeout;
  char what[160];
  for (;;) {
    if (p->out_sent == p->out_len && !line) return SB_OK;
    if (p->out_sent == p->out_len) {
      char *nl = p->scan < p->in_len ? memchr(p->in + p->scan, '\n', p->in_len - p->scan) : NULL;
      if (nl) {
        size_t l = (size_t)(nl - (p->in + p->in_start));
        p->returned = l + 1;
        p->scan = p->in_start + l + 1;
        *nl = '\0';
        if (l && p->in[p->in_start + l - 1] == '\r') p->in[p->in_start + --l] = '\0';
        *line = p->in + p->in_start;
        *len = l;
        return SB_OK;
      }
      p->scan = p->in_len;
      if (p->in_len - p->in_start > p->max_line) {
        snprintf(what, sizeof what, "sent a line longer than %zu bytes", p->max_line);
        return fault(p, err, what);
      }
      if (p->proc.fd < 0) { /* its stdout is closed and no complete line is left */
        sb_xproc_finish(p, 2.0);
        snprintf(what, sizeof what, "closed its output: process %s", p->status_text);
        if (p->in_len > p->in_start) {
          size_t k = strlen(what);
          snprintf(what + k, sizeof what - k, " (an unfinished line of %zu bytes was left)",
                   p->in_len - p->in_start);
        }
        return sb_error_set(err, SB_EORACLE, "%s", what);
      }
    }
    double left = deadline - sb_wall_seconds();
    if (left <= 0) {
      snprintf(what, sizeof what, "no message within %g s (timeout); process killed", timeout);
      return fault(p, err, what);
    }
    struct pollfd pf[2];
    int nf = 0;
    pf[nf++] = (struct pollfd){p->proc.fd, (short)(POLLIN | (p->out_sent < p->out_len ? POLLOUT : 0)), 0};
    if (p->proc.errfd >= 0) pf[nf++] = (struct pollfd){p->proc.errfd, POLLIN, 0};
    int pr = poll(pf, (nfds_t)nf, left > 3600 ? 3600 * 1000 : (int)(left * 1000) + 1);
    if (pr < 0) {
      if (errno == EINTR) continue;
      snprintf(what, sizeof what, "poll failed: %s", strerror(errno));
      return fault(p, err, what);
    }
    if (pr == 0) continue;
    if (nf > 1 && pf[1].revents) sb_proc_drain_stderr(&p->proc);
    if ((pf[0].revents & POLLOUT) && p->out_sent < p->out_len) {
      ssize_t k = send(p->proc.fd, p->out + p->out_sent, p->out_len - p->out_sent,
                       MSG_NOSIGNAL | MSG_DONTWAIT);
      if (k > 0) {
        p->out_sent += (size_t)k;
      } else if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        p->out_sent = p->out_len; /* it stopped reading (exited): what it sent still counts */
      }
    }
    if (pf[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      int rc = make_room(p, err);
      if (rc) {
        sb_xproc_finish(p, 0.0);
        return rc;
      }
      ssize_t k = recv(p->proc.fd, p->in + p->in_len, p->in_cap - p->in_len, MSG_DONTWAIT);
      if (k > 0) {
        p->in_len += (size_t)k;
      } else if (k == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        close(p->proc.fd); /* end of its output */
        p->proc.fd = -1;
        p->out_sent = p->out_len;
      }
    }
  }
}

int sb_xproc_next_line(sb_xproc *p, double timeout, char **line, size_t *len, sb_error *err) {
  p->in_start += p->returned;
  p->returned = 0;
  if (p->scan < p->in_start) p->scan = p->in_start;
  return pump(p, timeout, line, len, err);
}

int sb_xproc_flush(sb_xproc *p, double timeout, sb_error *err) {
  if (p->proc.fd < 0) return SB_OK;
  return pump(p, timeout, NULL, NULL, err);
}
