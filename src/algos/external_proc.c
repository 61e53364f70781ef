/* The external algorithm's child process (external_proc.h): fork/exec of
 * `/bin/sh -c CMD` in its own process group with PR_SET_PDEATHSIG, one poll(2)
 * loop that sends queued input, reads stdout into a line buffer and drains
 * stderr into a tail buffer at the same time (so neither side can deadlock on a
 * full pipe), deadlines on every wait, and teardown that kills the whole group. */
#include "algos/external_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/timer.h"

#define TAIL_CAP 4096 /* bytes of stderr kept */

struct sb_xproc {
  pid_t pid;          /* process group leader (the shell); -1 once reaped */
  int fd;             /* socket: the program's stdin and stdout; -1 once closed */
  int errfd;          /* read end of the stderr pipe; -1 at end of file */
  pid_t watchdog;     /* kills the group if this process dies first; -1 once reaped */
  int watch_fd;       /* write end of the watchdog's pipe; -1 once closed */
  int status;         /* wait status once reaped */
  int reaped;
  size_t max_line;    /* longest line accepted from the program */
  char *out;          /* queued input for the program */
  size_t out_len, out_sent, out_cap;
  char *in;           /* bytes read from the program's stdout */
  size_t in_start;    /* start of the unconsumed data */
  size_t in_len;      /* end of the data */
  size_t in_cap;
  size_t scan;        /* no '\n' in [in_start, scan) */
  size_t returned;    /* bytes of the line handed out last (consumed on the next call) */
  char tail[TAIL_CAP];
  size_t tail_len;    /* bytes in tail (the last ones written) */
  size_t err_total;   /* bytes written to stderr in all */
  char status_text[96];
};

/* The watchdog: a forked copy of this process that blocks reading a pipe whose
 * only writer is us.  End of file without the all-clear byte means we died (a
 * crash, SIGKILL, Ctrl-C): it kills the program's process group and exits.
 * PR_SET_PDEATHSIG alone would not do: it reaches the shell, not the program the
 * shell started (dash does not exec the last command).  Only async-signal-safe
 * calls in the child; it ignores the signals that end a sweep. */
static pid_t start_watchdog(pid_t pgid, const int *close_fds, size_t n_close, int *write_fd) {
  int wp[2];
  if (pipe2(wp, O_CLOEXEC) != 0) return -1;
  pid_t w = fork();
  if (w < 0) {
    close(wp[0]), close(wp[1]);
    return -1;
  }
  if (w == 0) {
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    close(wp[1]);
    for (size_t i = 0; i < n_close; i++) close(close_fds[i]);
    char c;
    ssize_t k;
    do k = read(wp[0], &c, 1);
    while (k < 0 && errno == EINTR);
    if (k <= 0) kill(-pgid, SIGKILL);
    _exit(0);
  }
  close(wp[0]);
  *write_fd = wp[1];
  return w;
}

/* Tell the watchdog all is well (the group is already dead and reaped) and reap it. */
static void stop_watchdog(sb_xproc *p) {
  if (p->watch_fd >= 0) {
    ssize_t k;
    do k = write(p->watch_fd, "q", 1);
    while (k < 0 && errno == EINTR);
    close(p->watch_fd);
    p->watch_fd = -1;
  }
  if (p->watchdog > 0) {
    while (waitpid(p->watchdog, NULL, 0) < 0 && errno == EINTR) {
    }
    p->watchdog = -1;
  }
}

sb_xproc *sb_xproc_start(const char *cmd, size_t max_line, sb_error *err) {
  sb_xproc *p = calloc(1, sizeof *p);
  if (!p) {
    sb_error_set(err, SB_ENOMEM, "out of memory");
    return NULL;
  }
  p->pid = -1;
  p->fd = -1;
  p->errfd = -1;
  p->watchdog = -1;
  p->watch_fd = -1;
  p->max_line = max_line;
  snprintf(p->status_text, sizeof p->status_text, "is running");
  int sv[2], ep[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    sb_error_set(err, SB_EORACLE, "socketpair failed: %s", strerror(errno));
    free(p);
    return NULL;
  }
  if (pipe2(ep, O_CLOEXEC) != 0) {
    sb_error_set(err, SB_EORACLE, "pipe failed: %s", strerror(errno));
    close(sv[0]), close(sv[1]);
    free(p);
    return NULL;
  }
  pid_t parent = getpid();
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    sb_error_set(err, SB_EORACLE, "fork failed: %s", strerror(errno));
    close(sv[0]), close(sv[1]), close(ep[0]), close(ep[1]);
    free(p);
    return NULL;
  }
  if (pid == 0) {
    /* child: async-signal-safe calls only, until exec */
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127); /* the parent died before prctl */
    signal(SIGPIPE, SIG_DFL);
    if (dup2(sv[1], 0) < 0 || dup2(sv[1], 1) < 0 || dup2(ep[1], 2) < 0) _exit(127);
    execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
    _exit(127);
  }
  setpgid(pid, pid); /* also here, so a kill of the group cannot race the child's setpgid */
  close(sv[1]);
  close(ep[1]);
  p->pid = pid;
  p->fd = sv[0];
  p->errfd = ep[0];
  fcntl(p->fd, F_SETFL, fcntl(p->fd, F_GETFL) | O_NONBLOCK);
  fcntl(p->errfd, F_SETFL, fcntl(p->errfd, F_GETFL) | O_NONBLOCK);
  int ours[2] = {p->fd, p->errfd};
  p->watchdog = start_watchdog(pid, ours, 2, &p->watch_fd);
  if (p->watchdog < 0) {
    sb_error_set(err, SB_EORACLE, "cannot start the watchdog process: %s", strerror(errno));
    sb_xproc_free(p);
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

/* ---- stderr ---------------------------------------------------------------- */

static void tail_add(sb_xproc *p, const char *b, size_t k) {
  p->err_total += k;
  if (k >= TAIL_CAP) {
    memcpy(p->tail, b + k - TAIL_CAP, TAIL_CAP);
    p->tail_len = TAIL_CAP;
    return;
  }
  if (p->tail_len + k > TAIL_CAP) {
    size_t drop = p->tail_len + k - TAIL_CAP;
    memmove(p->tail, p->tail + drop, p->tail_len - drop);
    p->tail_len -= drop;
  }
  memcpy(p->tail + p->tail_len, b, k);
  p->tail_len += k;
}

/* Read what stderr has now; closes it at end of file. */
static void drain_stderr(sb_xproc *p) {
  char b[8192];
  while (p->errfd >= 0) {
    ssize_t k = read(p->errfd, b, sizeof b);
    if (k > 0) {
      tail_add(p, b, (size_t)k);
      continue;
    }
    if (k < 0 && errno == EINTR) continue;
    if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    close(p->errfd); /* end of file or a read error */
    p->errfd = -1;
  }
}

void sb_xproc_stderr_tail(const sb_xproc *p, char *buf, size_t len, size_t *total) {
  if (total) *total = p->err_total;
  if (!len) return;
  /* the last len-1 bytes, trailing newlines dropped, newlines joined with " | " */
  size_t end = p->tail_len;
  while (end > 0 && (p->tail[end - 1] == '\n' || p->tail[end - 1] == '\r')) end--;
  size_t start = end, room = len - 1;
  size_t need = 0;
  while (start > 0) {
    size_t c = p->tail[start - 1] == '\n' ? 3 : 1;
    if (need + c > room) break;
    need += c;
    start--;
  }
  size_t o = 0;
  for (size_t i = start; i < end; i++) {
    unsigned char c = (unsigned char)p->tail[i];
    if (c == '\n') {
      memcpy(buf + o, " | ", 3);
      o += 3;
    } else {
      buf[o++] = (c < 32 || c == 127) ? ' ' : (char)c;
    }
  }
  buf[o] = '\0';
}

/* ---- the process ----------------------------------------------------------- */

static void describe(sb_xproc *p) {
  int st = p->status;
  if (WIFEXITED(st)) {
    snprintf(p->status_text, sizeof p->status_text, "exited with status %d%s", WEXITSTATUS(st),
             WEXITSTATUS(st) == 127 ? " (command not found?)" : "");
  } else if (WIFSIGNALED(st)) {
    snprintf(p->status_text, sizeof p->status_text, "was killed by signal %d (%s)",
             WTERMSIG(st), strsignal(WTERMSIG(st)));
  } else {
    snprintf(p->status_text, sizeof p->status_text, "ended");
  }
}

/* 1 once the shell is reaped (or is no child of ours any more). */
static int try_reap(sb_xproc *p, int options) {
  int st = 0;
  pid_t r;
  do r = waitpid(p->pid, &st, options);
  while (r < 0 && errno == EINTR && !(options & WNOHANG));
  if (r == p->pid || (r < 0 && errno != EINTR)) {
    p->status = r == p->pid ? st : 0;
    return 1;
  }
  return 0;
}

/* Wait up to `wait_s` for the process to exit, draining stderr meanwhile (the
 * poll on it is the wait), then kill its group and reap it. */
static void reap(sb_xproc *p, double wait_s) {
  if (p->reaped || p->pid <= 0) return;
  double end = sb_wall_seconds() + wait_s;
  int done = try_reap(p, WNOHANG);
  while (!done && sb_wall_seconds() < end) {
    struct pollfd pf = {p->errfd, POLLIN, 0};
    if (poll(&pf, p->errfd >= 0 ? 1 : 0, 2) > 0) drain_stderr(p);
    done = try_reap(p, WNOHANG);
  }
  if (!done) {
    kill(-p->pid, SIGKILL);
    kill(p->pid, SIGKILL);
    try_reap(p, 0);
  }
  kill(-p->pid, SIGKILL); /* anything the program left behind in its group */
  p->reaped = 1;
  stop_watchdog(p);
  describe(p);
  /* what the program wrote to stderr before it died (bounded: a grandchild that
   * left the group could hold the pipe open) */
  double dl = sb_wall_seconds() + 0.5;
  while (p->errfd >= 0 && sb_wall_seconds() < dl) {
    struct pollfd pf = {p->errfd, POLLIN, 0};
    if (poll(&pf, 1, 50) > 0) drain_stderr(p);
  }
}

void sb_xproc_finish(sb_xproc *p, double grace) {
  if (!p) return;
  if (p->fd >= 0) shutdown(p->fd, SHUT_WR); /* end of input: the program should exit */
  reap(p, grace);
  if (p->fd >= 0) {
    close(p->fd);
    p->fd = -1;
  }
  if (p->errfd >= 0) {
    close(p->errfd);
    p->errfd = -1;
  }
}

const char *sb_xproc_status(const sb_xproc *p) { return p->status_text; }

int sb_xproc_exit_code(const sb_xproc *p) {
  return p->reaped && WIFEXITED(p->status) ? WEXITSTATUS(p->status) : -1;
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
      if (p->fd < 0) { /* its stdout is closed and no complete line is left */
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
    pf[nf++] = (struct pollfd){p->fd, (short)(POLLIN | (p->out_sent < p->out_len ? POLLOUT : 0)), 0};
    if (p->errfd >= 0) pf[nf++] = (struct pollfd){p->errfd, POLLIN, 0};
    int pr = poll(pf, (nfds_t)nf, left > 3600 ? 3600 * 1000 : (int)(left * 1000) + 1);
    if (pr < 0) {
      if (errno == EINTR) continue;
      snprintf(what, sizeof what, "poll failed: %s", strerror(errno));
      return fault(p, err, what);
    }
    if (pr == 0) continue;
    if (nf > 1 && pf[1].revents) drain_stderr(p);
    if ((pf[0].revents & POLLOUT) && p->out_sent < p->out_len) {
      ssize_t k = send(p->fd, p->out + p->out_sent, p->out_len - p->out_sent,
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
      ssize_t k = recv(p->fd, p->in + p->in_len, p->in_cap - p->in_len, MSG_DONTWAIT);
      if (k > 0) {
        p->in_len += (size_t)k;
      } else if (k == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        close(p->fd); /* end of its output */
        p->fd = -1;
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
  if (p->fd < 0) return SB_OK;
  return pump(p, timeout, NULL, NULL, err);
}
