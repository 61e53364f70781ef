/* The sweep's pool servers (data/live.h): started by the runner before any
 * worker is forked, one child process per distinct local live model, each
 * serving on a private abstract Unix socket ("@spexbench-pool-PID-I-RANDOM",
 * only this user may connect) whose address the workers inherit in the registry
 * below.  A server ignores SIGINT and SIGHUP (the runner decides when the sweep
 * ends), stops on SIGTERM or when the runner dies (PR_SET_PDEATHSIG), stops its
 * model processes, and writes its statistics as JSON to a pipe the runner reads. */
#include "data/live.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/netaddr.h"

typedef struct pool_entry {
  char key[4200];
  sb_live_server_opts o;   /* o.cmd points into key (at cmd_at) */
  size_t cmd_at;
  char addr[96];
  size_t connections;
  pid_t pid;
  int stats_fd;            /* read end of the statistics pipe */
} pool_entry;

struct sb_live_pools {
  pool_entry *e;
  size_t n;
};

/* This process's pool servers (a forked worker inherits the pointer and the
 * addresses it holds). */
static sb_live_pools *registry;

const char *sb_live_pool_lookup(const char *key, size_t *connections) {
  for (size_t i = 0; registry && i < registry->n; i++)
    if (!strcmp(registry->e[i].key, key)) {
      if (connections) *connections = registry->e[i].connections;
      return registry->e[i].addr;
    }
  return NULL;
}

static volatile sig_atomic_t server_stop;
static void on_term(int sig) {
  (void)sig;
  server_stop = 1;
}

/* The server process: never returns.  It starts with the stop signals blocked
 * (start_one) and unblocks them once its own dispositions are in place. */
static void server_main(pool_entry *pe, int lfd, int stats_wr, pid_t parent,
                        const sigset_t *old_mask) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_IGN;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  sigaction(SIGPIPE, &sa, NULL);
  sa.sa_handler = on_term;
  sigaction(SIGTERM, &sa, NULL);
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != parent) _exit(1); /* the runner died before prctl */
  sigprocmask(SIG_SETMASK, old_mask, NULL);
  sb_error err = {0};
  json_t *st = sb_live_serve(lfd, &pe->o, &server_stop, &err);
  if (!st) {
    st = json_object();
    json_object_set_new(st, "error", json_string(err.msg));
  }
  char *text = json_dumps(st, JSON_COMPACT);
  for (size_t off = 0, len = text ? strlen(text) : 0; off < len;) {
    ssize_t k = write(stats_wr, text + off, len - off);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) break;
    off += (size_t)k;
  }
  _exit(0);
}

static int start_one(sb_live_pools *lp, size_t i, sb_error *err) {
  pool_entry *pe = &lp->e[i];
  uint64_t rnd = 0;
  if (getrandom(&rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
    rnd = (uint64_t)time(NULL) * 0x9E3779B97F4A7C15ULL ^ (uint64_t)getpid();
  snprintf(pe->addr, sizeof pe->addr, "@spexbench-pool-%ld-%zu-%016llx", (long)getpid(), i,
           (unsigned long long)rnd);
  int lfd = sb_netaddr_listen(pe->addr, NULL, 0, err);
  if (lfd < 0) return err ? err->code : SB_EIO;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    int e = errno;
    close(lfd);
    return sb_error_set(err, SB_EIO, "pool server: pipe failed: %s", strerror(e));
  }
  pid_t parent = getpid();
  /* a stop signal must not reach the child before it has its own dispositions */
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGHUP);
  sigprocmask(SIG_BLOCK, &block, &old);
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    server_main(pe, lfd, fds[1], parent, &old);
  }
  int e = errno;
  sigprocmask(SIG_SETMASK, &old, NULL);
  if (pid < 0) {
    close(lfd), close(fds[0]), close(fds[1]);
    return sb_error_set(err, SB_EIO, "pool server: fork failed: %s", strerror(e));
  }
  close(lfd);
  close(fds[1]);
  pe->pid = pid;
  pe->stats_fd = fds[0];
  return SB_OK;
}

int sb_live_pools_start(const char *const *specs, size_t count, sb_live_pools **out,
                        sb_error *err) {
  *out = NULL;
  if (registry)
    return sb_error_set(err, SB_EINVAL, "pool servers are already running in this process");
  sb_live_pools *lp = calloc(1, sizeof *lp);
  if (!lp) return sb_error_set(err, SB_ENOMEM, "out of memory");
  int rc = SB_OK;
  for (size_t s = 0; s < count && !rc; s++) {
    pool_entry pe;
    memset(&pe, 0, sizeof pe);
    if (!specs[s] || !sb_command_model_key(specs[s], pe.key, sizeof pe.key, &pe.o)) continue;
    if (sb_live_pool_lookup(pe.key, NULL)) continue;
    int dup = 0;
    for (size_t i = 0; i < lp->n; i++) dup |= !strcmp(lp->e[i].key, pe.key);
    if (dup) continue;
    pool_entry *ne = realloc(lp->e, (lp->n + 1) * sizeof *ne);
    if (!ne) {
      rc = sb_error_set(err, SB_ENOMEM, "out of memory");
      break;
    }
    lp->e = ne;
    pe.cmd_at = (size_t)(pe.o.cmd - pe.key);
    lp->e[lp->n] = pe;
    lp->e[lp->n].connections = 2 * pe.o.workers; /* the next request waits while one is answered */
    lp->e[lp->n].pid = -1;
    lp->e[lp->n].stats_fd = -1;
    lp->n++;
  }
  for (size_t i = 0; i < lp->n; i++) lp->e[i].o.cmd = lp->e[i].key + lp->e[i].cmd_at; /* moved */
  for (size_t i = 0; i < lp->n && !rc; i++) rc = start_one(lp, i, err);
  if (rc || lp->n == 0) {
    registry = lp;
    json_decref(sb_live_pools_stop(lp, 0));
    return rc;
  }
  registry = lp;
  *out = lp;
  return SB_OK;
}

/* Read a pipe to its end. */
static char *read_all(int fd) {
  size_t len = 0, cap = 4096;
  char *buf = malloc(cap);
  while (buf) {
    if (len + 1 >= cap) {
      char *nb = realloc(buf, cap *= 2);
      if (!nb) break;
      buf = nb;
    }
    ssize_t k = read(fd, buf + len, cap - len - 1);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) break;
    len += (size_t)k;
  }
  if (buf) buf[len] = '\0';
  return buf;
}

void sb_live_pools_child_ended(pid_t pid) {
  for (size_t i = 0; registry && pid > 0 && i < registry->n; i++)
    if (registry->e[i].pid == pid) registry->e[i].pid = 0; /* reaped: never signal it again */
}

json_t *sb_live_pools_stop(sb_live_pools *lp, int report) {
  if (!lp) return NULL;
  for (size_t i = 0; i < lp->n; i++)
    if (lp->e[i].pid > 0) kill(lp->e[i].pid, SIGTERM);
  json_t *all = json_array();
  for (size_t i = 0; i < lp->n; i++) {
    pool_entry *pe = &lp->e[i];
    if (pe->stats_fd < 0) continue; /* never started */
    char *text = read_all(pe->stats_fd); /* what it wrote before it ended, if anything */
    close(pe->stats_fd);
    int st;
    while (pe->pid > 0 && waitpid(pe->pid, &st, 0) < 0 && errno == EINTR) {
    }
    json_error_t je;
    json_t *j = text && *text ? json_loads(text, 0, &je) : NULL;
    free(text);
    if (!j) {
      j = json_object();
      json_object_set_new(j, "error", json_string("the pool server ended without statistics"));
    }
    json_object_set_new(j, "model_key", json_string(pe->key));
    if (report) sb_live_stats_print(stderr, pe->o.cmd, j);
    json_array_append_new(all, j);
  }
  if (registry == lp) registry = NULL;
  free(lp->e);
  free(lp);
  return all;
}
