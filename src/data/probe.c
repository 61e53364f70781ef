/* sb_dataset_probe (dataset.h): open a stored dataset once in a short-lived child
 * process, so a damaged file is an error before any run starts, without the
 * caller ever starting OpenMP (opening a full table runs an OpenMP FWHT, and
 * libgomp's thread pool does not survive fork(): a parent that opened one would
 * hang every worker it forks later).  The child reports "ok N" or the reader's
 * message through a pipe, and dies with its parent (PR_SET_PDEATHSIG). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "data/dataset.h"

/* Features of a parameterised spec: its `n` parameter (every generated family
 * and the live-model family name their feature count `n`); 0 if it has none. */
static size_t spec_n(const sb_dataset_family *f, const char *spec) {
  const char *colon = strchr(spec, ':');
  sb_params *p = NULL;
  if (sb_params_parse(colon ? colon + 1 : "", f->params, f->name, &p, NULL) != SB_OK) return 0;
  long n = sb_params_has(p, "n") ? sb_params_int(p, "n") : 0;
  sb_params_free(p);
  return n > 0 ? (size_t)n : 0;
}

static void child(const char *spec, int fd, pid_t parent) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(1); /* the parent died before prctl */
  sb_dataset *d = NULL;
  sb_error e = {0};
  char msg[sizeof e.msg + 32];
  int rc = sb_dataset_open(spec, &d, &e);
  if (rc == SB_OK) snprintf(msg, sizeof msg, "ok %zu", d->n);
  else snprintf(msg, sizeof msg, "%s", e.msg[0] ? e.msg : "cannot be opened");
  size_t len = strlen(msg), off = 0;
  while (off < len) {
    ssize_t k = write(fd, msg + off, len - off);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) break;
    off += (size_t)k;
  }
  sb_dataset_free(d);
  close(fd);
  _exit(rc == SB_OK ? 0 : 1);
}

int sb_dataset_probe(const char *spec, size_t *n, sb_error *err) {
  if (n) *n = 0;
  const sb_dataset_family *f = sb_dataset_spec_family(spec);
  if (!f) return sb_dataset_check(spec, err); /* its message lists the families */
  if (!(f->flags & SB_FAMILY_FILE)) {
    int rc = sb_dataset_check(spec, err);
    if (rc == SB_OK && n) *n = spec_n(f, spec);
    return rc;
  }
  const char *path = sb_dataset_spec_path(spec);
  int rc = sb_dataset_file_check(path, err);
  if (rc) return rc;
  int fds[2];
  if (pipe(fds) != 0) {
    int e = errno;
    return sb_error_set(err, SB_EIO, "%s: pipe failed: %s", path, strerror(e));
  }
  fflush(NULL);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    close(fds[0]);
    close(fds[1]);
    return sb_error_set(err, SB_EIO, "%s: fork failed: %s", path, strerror(e));
  }
  if (pid == 0) {
    close(fds[0]);
    child(spec, fds[1], parent);
  }
  close(fds[1]);
  char msg[sizeof err->msg + 32];
  size_t got = 0;
  while (got < sizeof msg - 1) {
    ssize_t r = read(fds[0], msg + got, sizeof msg - 1 - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += (size_t)r;
  }
  msg[got] = '\0';
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    unsigned long long k = 0;
    if (sscanf(msg, "ok %llu", &k) == 1 && n) *n = (size_t)k;
    return SB_OK;
  }
  if (!got)
    return sb_error_set(err, SB_EFORMAT, "%s: could not be opened (reader %s)", path,
                        WIFSIGNALED(status) ? "crashed" : "failed");
  return sb_error_set(err, SB_EFORMAT, "%s", msg);
}
