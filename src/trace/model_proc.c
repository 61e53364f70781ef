/* Live model processes: fork/exec of `/bin/sh -c CMD`, the batch line protocol
 * (model_proc.h), deadlines by poll(2), and clean teardown.
 *
 * One batch is written while answers are read (a single poll loop over the one
 * socket), so a model that answers line by line cannot deadlock against a large
 * batch.  Before a batch, any output already waiting is an error ("printed more
 * lines than masks"), so a model out of step is caught instead of shifting every
 * later answer.  A fault kills the whole process group (the shell and the model)
 * and reaps it, and the message says what happened: exit status or signal, the
 * number of answers received, the offending line. */
#include "trace/model_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
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

#include "core/mask.h"

#define LINE_MAX_LEN 4096

struct sb_model_proc {
  pid_t pid;              /* child (process group leader), or -1 once reaped */
  int fd;                 /* our end of the socket pair, -1 once closed */
  size_t n, words;
  double start_timeout, timeout;
  int batches_done;       /* completed batches (0: the start-up allowance applies) */
  int failed;             /* a fault killed the process */
  int status;             /* wait status once reaped */
  char cmd[512];          /* for messages (truncated) */
  char line[LINE_MAX_LEN + 2];
  size_t line_len;        /* partial line carried between reads */
};

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The guard: the process group leader between the harness and `sh -c CMD`.  It
 * exists so a model dies with the harness: PR_SET_PDEATHSIG reaches only a direct
 * child, and `sh -c` forks the model as a grandchild, so the guard (the direct
 * child) receives SIGTERM when the worker dies, even by SIGKILL, and kills its
 * whole process group (the shell, the model and anything the model started).
 * Otherwise it waits for the shell and ends the same way (exit status or signal),
 * so the harness sees the model's own status.  Only async-signal-safe calls. */
static void guard_on_term(int sig) {
  (void)sig;
  kill(0, SIGKILL); /* our process group: the shell, the model, and the guard */
  _exit(128 + SIGKILL);
}

static void guard_main(const char *cmd, int fd, pid_t harness) {
  setpgid(0, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = guard_on_term;
  sigaction(SIGTERM, &sa, NULL);
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != harness) guard_on_term(SIGTERM); /* the harness died before prctl */
  signal(SIGPIPE, SIG_DFL);
  if (dup2(fd, 0) < 0 || dup2(fd, 1) < 0) _exit(127);
  close_range(3, ~0U, 0); /* the harness's files (its end of the socket, traces, locks) */
  pid_t sh = fork();
  if (sh == 0) {
    execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
    _exit(127);
  }
  if (sh < 0) _exit(127);
  int st;
  while (waitpid(sh, &st, 0) < 0)
    if (errno != EINTR) _exit(127);
  if (WIFEXITED(st)) _exit(WEXITSTATUS(st));
  int sig = WIFSIGNALED(st) ? WTERMSIG(st) : SIGKILL;
  signal(sig, SIG_DFL);
  kill(getpid(), sig);
  _exit(128 + sig);
}

sb_model_proc *sb_model_proc_start(const char *cmd, size_t n, double start_timeout,
                                   double timeout, sb_error *err) {
  if (!cmd || !*cmd) {
    sb_error_set(err, SB_EINVAL, "model command is empty");
    return NULL;
  }
  sb_model_proc *p = calloc(1, sizeof *p);
  if (!p) {
    sb_error_set(err, SB_ENOMEM, "out of memory");
    return NULL;
  }
  p->n = n;
  p->words = sb_mask_words(n);
  p->start_timeout = start_timeout;
  p->timeout = timeout;
  p->pid = -1;
  p->fd = -1;
  snprintf(p->cmd, sizeof p->cmd, "%s", cmd);
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    int e = errno;
    sb_error_set(err, SB_EORACLE, "model '%s': socketpair failed: %s", p->cmd, strerror(e));
    free(p);
    return NULL;
  }
  pid_t harness = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    sb_error_set(err, SB_EORACLE, "model '%s': fork failed: %s", p->cmd, strerror(e));
    close(sv[0]);
    close(sv[1]);
    free(p);
    return NULL;
  }
  if (pid == 0) guard_main(cmd, sv[1], harness); /* never returns */
  setpgid(pid, pid); /* also from the parent, to avoid the race */
  close(sv[1]);
  p->pid = pid;
  p->fd = sv[0];
  fcntl(p->fd, F_SETFL, fcntl(p->fd, F_GETFL) | O_NONBLOCK);
  return p;
}

int sb_model_proc_alive(const sb_model_proc *p) { return p && !p->failed && p->pid > 0; }

/* Reap the child, waiting at most `wait_s` seconds before SIGKILL to its group. */
static void reap(sb_model_proc *p, double wait_s) {
  if (p->pid <= 0) return;
  double end = now_s() + wait_s;
  for (;;) {
    int st;
    pid_t r = waitpid(p->pid, &st, WNOHANG);
    if (r == p->pid) {
      p->status = st;
      break;
    }
    if (r < 0 && errno != EINTR) break;
    if (now_s() >= end) {
      kill(-p->pid, SIGKILL);
      kill(p->pid, SIGKILL);
      while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR) {
      }
      p->status = st;
      break;
    }
    struct timespec ts = {0, 5 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  kill(-p->pid, SIGKILL); /* any grandchildren left in the group */
  p->pid = -1;
}

static void describe_status(int st, char *buf, size_t len) {
  if (WIFEXITED(st)) snprintf(buf, len, "exited with status %d", WEXITSTATUS(st));
  else if (WIFSIGNALED(st)) snprintf(buf, len, "was killed by signal %d", WTERMSIG(st));
  else snprintf(buf, len, "ended");
}

/* Kill now (fault) and record a message. */
static int fail(sb_model_proc *p, size_t answered, size_t count, sb_error *err, const char *fmt,
                const char *detail) {
  p->failed = 1;
  if (p->fd >= 0) {
    close(p->fd);
    p->fd = -1;
  }
  if (p->pid > 0) kill(-p->pid, SIGKILL);
  reap(p, 2.0);
  char what[256];
  snprintf(what, sizeof what, fmt, detail ? detail : "");
  return sb_error_set(err, SB_EORACLE,
                      "model '%s': %s (after %zu of %zu answers in this batch; answers received "
                      "earlier are kept)",
                      p->cmd, what, answered, count);
}

/* The child closed its end: reap it and describe how it ended. */
static int fail_dead(sb_model_proc *p, size_t answered, size_t count, sb_error *err) {
  if (p->fd >= 0) {
    close(p->fd);
    p->fd = -1;
  }
  reap(p, 2.0);
  p->failed = 1;
  char st[96];
  describe_status(p->status, st, sizeof st);
  if (WIFEXITED(p->status) && WEXITSTATUS(p->status) == 127 && answered == 0)
    snprintf(st + strlen(st), sizeof st - strlen(st), " (command not found?)");
  return sb_error_set(err, SB_EORACLE,
                      "model '%s': process %s (answered %zu of %zu masks in this batch; answers "
                      "received earlier are kept)",
                      p->cmd, st, answered, count);
}

/* Parse one answer line; 1 = value, 0 = blank (ignored), -1 = garbage, -2 = non-finite. */
static int parse_value(char *s, double *v) {
  while (*s == ' ' || *s == '\t' || *s == '\r') s++;
  size_t l = strlen(s);
  while (l > 0 && (s[l - 1] == ' ' || s[l - 1] == '\t' || s[l - 1] == '\r')) s[--l] = '\0';
  if (l == 0) return 0;
  char *end;
  errno = 0;
  double x = strtod(s, &end);
  if (end == s || *end) return -1;
  if (!isfinite(x)) return -2;
  *v = x;
  return 1;
}

int sb_model_proc_eval(sb_model_proc *p, const uint64_t *masks, size_t count, double *out,
                       size_t *answered, sb_error *err) {
  size_t got = 0;
  if (answered) *answered = 0;
  if (!sb_model_proc_alive(p))
    return sb_error_set(err, SB_EORACLE, "model '%s': process is not running", p ? p->cmd : "?");
  if (count == 0) return SB_OK;
  /* Output waiting before we asked anything: the model is out of step. */
  {
    char junk[256];
    ssize_t k = recv(p->fd, junk, sizeof junk - 1, MSG_DONTWAIT);
    if (k == 0) return fail_dead(p, 0, count, err);
    if (k > 0 || p->line_len > 0) {
      if (k < 0) k = 0;
      junk[k] = '\0';
      for (ssize_t i = 0; i < k; i++)
        if (junk[i] == '\n' || junk[i] < 32 || junk[i] > 126) junk[i] = ' ';
      return fail(p, 0, count, err, "printed output nobody asked for (more lines than masks?): '%s'",
                  junk);
    }
  }
  size_t line_bytes = p->n + 1;
  size_t total = count * line_bytes + 1;
  char *buf = malloc(total);
  if (!buf) return sb_error_set(err, SB_ENOMEM, "out of memory for a batch of %zu masks", count);
  for (size_t j = 0; j < count; j++) {
    sb_mask_to_string(masks + j * p->words, p->n, buf + j * line_bytes);
    buf[j * line_bytes + p->n] = '\n';
  }
  buf[total - 1] = '\n'; /* the empty line ending the batch */
  size_t sent = 0;
  double allowance = p->timeout + (p->batches_done == 0 ? p->start_timeout : 0.0);
  double deadline = now_s() + allowance;
  int rc = SB_OK;
  char rbuf[65536];
  int ended = 0; /* the model's empty line closing the batch has arrived */
  while (!ended) {
    double left = deadline - now_s();
    if (left <= 0) {
      char d[64];
      snprintf(d, sizeof d, "%g s", allowance);
      if (got == count)
        rc = fail(p, got, count, err,
                  "gave every value but no empty line ending the batch within %s (timeout); "
                  "process killed",
                  d);
      else
        rc = fail(p, got, count, err, "no complete answer within %s (timeout); process killed", d);
      goto done;
    }
    struct pollfd pf = {p->fd, (short)(POLLIN | (sent < total ? POLLOUT : 0)), 0};
    int pr = poll(&pf, 1, (int)(left * 1000) + 1);
    if (pr < 0) {
      int e = errno;
      if (e == EINTR) continue;
      rc = fail(p, got, count, err, "poll failed: %s", strerror(e));
      goto done;
    }
    if (pr == 0) continue;
    if ((pf.revents & POLLOUT) && sent < total) {
      ssize_t k = send(p->fd, buf + sent, total - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (k > 0) sent += (size_t)k;
      else if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        rc = fail_dead(p, got, count, err);
        goto done;
      }
    }
    if (pf.revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t k = recv(p->fd, rbuf, sizeof rbuf, MSG_DONTWAIT);
      if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) continue;
      if (k <= 0) {
        rc = fail_dead(p, got, count, err);
        goto done;
      }
      for (ssize_t i = 0; i < k; i++) {
        char c = rbuf[i];
        if (c != '\n') {
          if (p->line_len >= LINE_MAX_LEN) {
            p->line[p->line_len] = '\0';
            rc = fail(p, got, count, err, "answer line longer than 4096 bytes: '%.60s...'", p->line);
            goto done;
          }
          p->line[p->line_len++] = c;
          continue;
        }
        int has_nul = memchr(p->line, '\0', p->line_len) != NULL;
        p->line[p->line_len] = '\0';
        p->line_len = 0;
        if (has_nul) { /* binary output: never mistaken for a value or the end line */
          char d[64];
          snprintf(d, sizeof d, "%zu", got + 1);
          rc = fail(p, got, count, err, "answer line %s contains a NUL byte (not a number)", d);
          goto done;
        }
        double v;
        size_t raw = strlen(p->line);
        if (raw && p->line[raw - 1] == '\r') raw--; /* CRLF */
        int pv = parse_value(p->line, &v);
        if (pv == 0 && raw) { /* spaces or tabs only: not the end line, not a number */
          char d[64];
          snprintf(d, sizeof d, "%zu", got + 1);
          rc = fail(p, got, count, err, "answer line %s is blank (spaces only; expected a number)",
                    d);
          goto done;
        }
        if (pv == 0) { /* the empty line ending the model's batch */
          if (got < count) {
            rc = fail(p, got, count, err, "ended the batch early (too few lines)%s", NULL);
            got = 0; /* framing broken: which value is whose is unknown, record none */
            goto done;
          }
          if (i + 1 < k) {
            char d[64];
            ssize_t left_bytes = k - i - 1;
            snprintf(d, sizeof d, "%.*s", (int)(left_bytes > 40 ? 40 : left_bytes), rbuf + i + 1);
            for (char *q = d; *q; q++)
              if (*q < 32 || *q > 126) *q = ' ';
            rc = fail(p, got, count, err, "printed output after the end of the batch: '%s'", d);
            got = 0; /* out of step: record none of this batch */
            goto done;
          }
          ended = 1;
          break;
        }
        if (got >= count) {
          rc = fail(p, got, count, err,
                    "printed more lines than masks (expected an empty line after the last "
                    "value): '%.80s'",
                    p->line);
          got = 0; /* an extra line may have shifted every value: record none */
          goto done;
        }
        if (pv == -1) {
          char d[128];
          snprintf(d, sizeof d, "%.100s", p->line);
          for (char *q = d; *q; q++)
            if (*q < 32 || *q > 126) *q = '?';
          rc = fail(p, got, count, err, "answer is not a number: '%s'", d);
          goto done;
        }
        if (pv == -2) {
          rc = fail(p, got, count, err, "answer '%s' is not finite (NaN/Inf)", p->line);
          goto done;
        }
        out[got++] = v;
      }
    }
  }
  p->batches_done++;
done:
  free(buf);
  if (answered) *answered = got;
  return rc;
}

void sb_model_proc_free(sb_model_proc *p) {
  if (!p) return;
  if (p->fd >= 0) {
    shutdown(p->fd, SHUT_WR); /* EOF on the model's stdin: please exit */
    close(p->fd);
    p->fd = -1;
  }
  reap(p, 1.0);
  free(p);
}
