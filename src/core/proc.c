/* Child processes under a guard (proc.h): fork of the guard, which leads a new
 * process group, asks the kernel for SIGTERM when the harness dies, and forks
 * `/bin/sh -c CMD` into its group; stderr captured into a tail buffer; teardown
 * that kills the group while its leader is unreaped, with deadlines; and the
 * runner's child-subreaper switch.  Between fork and exec only async-signal-safe
 * calls are made (the harness may be multi-threaded): everything the children
 * need — argv, the environment — is built before the fork. */
#include "core/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/timer.h"

extern char **environ;

/* ==== the guard (child side: async-signal-safe only) ====================== */

static void guard_on_term(int sig) {
  (void)sig;
  kill(0, SIGKILL); /* our process group: the shell, the program, and the guard */
  _exit(128 + SIGKILL);
}

static void guard_main(char *const argv[], char *const env[], int io_fd, int err_fd,
                       pid_t harness) {
  setpgid(0, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_DFL;
  sigaction(SIGINT, &sa, NULL); /* conventional dispositions for the command */
  sigaction(SIGHUP, &sa, NULL);
  sigaction(SIGPIPE, &sa, NULL);
  sa.sa_handler = guard_on_term;
  sigaction(SIGTERM, &sa, NULL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != harness) guard_on_term(SIGTERM); /* the harness died before prctl */
  if (dup2(io_fd, 0) < 0 || dup2(io_fd, 1) < 0) _exit(127);
  if (err_fd >= 0 && dup2(err_fd, 2) < 0) _exit(127);
  close_range(3, ~0U, 0); /* the harness's files (its end of the socket, traces, locks) */
  pid_t sh = fork();
  if (sh == 0) {
    sa.sa_handler = SIG_DFL;
    sigaction(SIGTERM, &sa, NULL);
    execve("/bin/sh", argv, env);
    _exit(127);
  }
  if (sh < 0) _exit(127);
  int st;
  while (waitpid(sh, &st, 0) < 0)
    if (errno != EINTR) _exit(127);
  if (WIFEXITED(st)) _exit(WEXITSTATUS(st));
  int sig = WIFSIGNALED(st) ? WTERMSIG(st) : SIGKILL;
  signal(sig, SIG_DFL);
  kill(getpid(), sig); /* end the way the shell did */
  _exit(128 + sig);
}

/* ==== starting ============================================================= */

static void proc_init(sb_proc *p) {
  memset(p, 0, sizeof *p);
  p->pid = -1;
  p->fd = -1;
  p->errfd = -1;
}

int sb_proc_start(sb_proc *p, const char *cmd, const sb_proc_opts *o, sb_error *err) {
  proc_init(p);
  int capture = o && o->capture_stderr;
  char *const *env = o && o->env ? o->env : environ;
  char *argv[] = {"sh", "-c", (char *)cmd, NULL};
  int sv[2], ep[2] = {-1, -1};
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    int e = errno;
    return sb_error_set(err, SB_EIO, "socketpair failed: %s", strerror(e));
  }
  if (capture && pipe2(ep, O_CLOEXEC) != 0) {
    int e = errno;
    close(sv[0]), close(sv[1]);
    return sb_error_set(err, SB_EIO, "pipe failed: %s", strerror(e));
  }
  pid_t harness = getpid();
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) guard_main(argv, env, sv[1], ep[1], harness); /* never returns */
  int e = errno;
  close(sv[1]);
  if (ep[1] >= 0) close(ep[1]);
  if (pid < 0) {
    close(sv[0]);
    if (ep[0] >= 0) close(ep[0]);
    return sb_error_set(err, SB_EIO, "fork failed: %s", strerror(e));
  }
  setpgid(pid, pid); /* also here, so a kill of the group cannot race the child's setpgid */
  p->pid = pid;
  p->fd = sv[0];
  p->errfd = ep[0];
  fcntl(p->fd, F_SETFL, fcntl(p->fd, F_GETFL) | O_NONBLOCK);
  if (p->errfd >= 0) fcntl(p->errfd, F_SETFL, fcntl(p->errfd, F_GETFL) | O_NONBLOCK);
  return SB_OK;
}

/* ==== stderr ================================================================ */

static void tail_add(sb_proc *p, const char *b, size_t k) {
  p->err_total += k;
  if (k >= SB_PROC_TAIL) {
    memcpy(p->tail, b + k - SB_PROC_TAIL, SB_PROC_TAIL);
    p->tail_len = SB_PROC_TAIL;
    return;
  }
  if (p->tail_len + k > SB_PROC_TAIL) {
    size_t drop = p->tail_len + k - SB_PROC_TAIL;
    memmove(p->tail, p->tail + drop, p->tail_len - drop);
    p->tail_len -= drop;
  }
  memcpy(p->tail + p->tail_len, b, k);
  p->tail_len += k;
}

void sb_proc_drain_stderr(sb_proc *p) {
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

void sb_proc_stderr_tail(const sb_proc *p, char *buf, size_t len, size_t *total) {
  if (total) *total = p->err_total;
  if (!len) return;
  size_t end = p->tail_len;
  while (end > 0 && (p->tail[end - 1] == '\n' || p->tail[end - 1] == '\r')) end--;
  size_t start = end, room = len - 1, need = 0;
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

/* ==== ending ================================================================ */

/* The guard has ended: kill what is left of its group while the leader is still
 * a zombie (its pid, hence the group id, cannot have been reused), then reap it. */
static void finish_exited(sb_proc *p) {
  kill(-p->pid, SIGKILL);
  int st = 0;
  pid_t r;
  do r = waitpid(p->pid, &st, 0);
  while (r < 0 && errno == EINTR);
  p->status = r == p->pid ? st : 0;
  p->reaped = 1;
}

/* 1 if the guard has ended (not reaped yet: WNOWAIT), or is no child of ours. */
static int has_exited(const sb_proc *p, int block) {
  siginfo_t si;
  for (;;) {
    memset(&si, 0, sizeof si);
    int r = waitid(P_PID, (id_t)p->pid, &si, WEXITED | WNOWAIT | (block ? 0 : WNOHANG));
    if (r == 0) return si.si_pid == p->pid;
    if (errno != EINTR) return 1; /* ECHILD: reaped by someone else; nothing to wait for */
  }
}

int sb_proc_poll_exit(sb_proc *p) {
  if (p->pid <= 0 || p->reaped) return 1;
  if (!has_exited(p, 0)) return 0;
  finish_exited(p);
  return 1;
}

void sb_proc_kill(sb_proc *p) {
  if (p->pid > 0 && !p->reaped) {
    kill(-p->pid, SIGKILL);
    kill(p->pid, SIGKILL);
  }
}

void sb_proc_reap(sb_proc *p, double wait_s) {
  if (p->pid <= 0 || p->reaped) return;
  double end = sb_wall_seconds() + wait_s;
  int done = has_exited(p, 0);
  while (!done && sb_wall_seconds() < end) {
    if (p->errfd >= 0) { /* the poll on stderr is the wait */
      struct pollfd pf = {p->errfd, POLLIN, 0};
      if (poll(&pf, 1, 2) > 0) sb_proc_drain_stderr(p);
    } else {
      struct timespec ts = {0, 2 * 1000 * 1000};
      nanosleep(&ts, NULL);
    }
    done = has_exited(p, 0);
  }
  if (!done) {
    sb_proc_kill(p);
    has_exited(p, 1);
  }
  finish_exited(p);
  /* what it wrote to stderr before it died (bounded: a process that left the
   * group could hold the pipe open) */
  double dl = sb_wall_seconds() + 0.5;
  while (p->errfd >= 0 && sb_wall_seconds() < dl) {
    struct pollfd pf = {p->errfd, POLLIN, 0};
    if (poll(&pf, 1, 50) > 0) sb_proc_drain_stderr(p);
  }
}

void sb_proc_close(sb_proc *p) {
  if (p->fd >= 0) close(p->fd);
  if (p->errfd >= 0) close(p->errfd);
  p->fd = p->errfd = -1;
}

void sb_proc_describe(int st, char *buf, size_t len) {
  if (WIFEXITED(st))
    snprintf(buf, len, "exited with status %d%s", WEXITSTATUS(st),
             WEXITSTATUS(st) == 127 ? " (command not found?)" : "");
  else if (WIFSIGNALED(st))
    snprintf(buf, len, "was killed by signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
  else
    snprintf(buf, len, "ended");
}

/* ==== the runner as a subreaper ============================================ */

int sb_proc_subreaper_begin(void) {
  int was = 0;
  if (prctl(PR_GET_CHILD_SUBREAPER, &was) != 0) was = 0;
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  return was;
}

void sb_proc_subreaper_end(int previous, double wait_s) {
  double end = sb_wall_seconds() + wait_s;
  for (;;) {
    pid_t r = waitpid(-1, NULL, WNOHANG);
    if (r > 0) continue;
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 || sb_wall_seconds() >= end) break; /* ECHILD: none left */
    struct timespec ts = {0, 5 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  if (!previous) prctl(PR_SET_CHILD_SUBREAPER, 0);
}
