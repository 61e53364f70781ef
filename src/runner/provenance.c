/* Provenance of results (provenance.h): the git commit and dirty state of the
 * source tree, asked of git directly (fork + exec, no shell, so no path is ever
 * interpreted), and the rule that committed result folders are only rewritten
 * from a clean tree. */
#include "runner/provenance.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/fault.h"

/* Run `git -C dir args...`, capture up to len-1 bytes of stdout (NUL-terminated,
 * trailing newlines removed).  Returns git's exit status, or -1 if it could
 * not run (stderr goes to /dev/null: "not a git repository" is an answer). */
static int run_git(const char *dir, const char *const *args, char *out, size_t len) {
  const char *argv[16];
  size_t k = 0;
  argv[k++] = "git";
  argv[k++] = "-C";
  argv[k++] = dir;
  for (size_t i = 0; args[i] && k < 15; i++) argv[k++] = args[i];
  argv[k] = NULL;
  out[0] = '\0';
  int fds[2];
  if (pipe(fds) != 0) return -1;
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]), close(fds[1]);
    return -1;
  }
  if (pid == 0) {
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) dup2(null, 0), dup2(null, 2);
    dup2(fds[1], 1);
    close(fds[0]), close(fds[1]);
    execvp("git", (char *const *)argv);
    _exit(127);
  }
  close(fds[1]);
  size_t used = 0;
  char sink[256];
  for (;;) { /* read everything (git must not block on a full pipe); keep the head */
    char *dst = used + 1 < len ? out + used : sink;
    size_t room = used + 1 < len ? len - 1 - used : sizeof sink;
    ssize_t r = read(fds[0], dst, room);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    if (dst == out + used) used += (size_t)r;
  }
  close(fds[0]);
  out[used] = '\0';
  while (used && (out[used - 1] == '\n' || out[used - 1] == '\r')) out[--used] = '\0';
  int st;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* `git status --porcelain` lines "XY path" -> "path, path, ..." (truncated). */
static void porcelain_paths(const char *status, char *out, size_t len) {
  size_t used = 0;
  out[0] = '\0';
  for (const char *p = status; *p && used + 1 < len;) {
    const char *nl = strchr(p, '\n');
    size_t l = nl ? (size_t)(nl - p) : strlen(p);
    if (l > 3)
      used += (size_t)snprintf(out + used, len - used, "%s%.*s", used ? ", " : "", (int)(l - 3),
                               p + 3);
    p += l + (nl ? 1 : 0);
  }
  if (used >= len - 1 && len > 4) memcpy(out + len - 4, "...", 4);
}

void sb_provenance_compute(const char *srcdir, sb_provenance *out) {
  memset(out, 0, sizeof *out);
  out->version = SB_VERSION;
  out->dirty = -1;
  const char *head[] = {"rev-parse", "HEAD", NULL};
  char buf[65536];
  if (run_git(srcdir, head, out->commit, sizeof out->commit) != 0) {
    out->commit[0] = '\0';
    return;
  }
  /* results/ holds the output of runs, not code: writing one experiment must
   * not make the next one "dirty". */
  const char *status[] = {"status", "--porcelain", "--untracked-files=normal", "--", ".",
                          ":(exclude)results", NULL};
  if (run_git(srcdir, status, buf, sizeof buf) != 0) return;
  out->dirty = buf[0] != '\0';
  porcelain_paths(buf, out->dirty_paths, sizeof out->dirty_paths);
}

const sb_provenance *sb_provenance_get(void) {
  static sb_provenance p;
  static int done = 0;
  if (!done) {
    sb_provenance_compute(SB_SOURCE_DIR, &p);
    done = 1;
  }
  return &p;
}

int sb_provenance_check_output(const sb_provenance *p, const char *outdir, sb_error *err) {
  char buf[256];
  const char *tracked[] = {"ls-files", "--", ".", NULL};
  const char *faults = sb_fault_names();
  if (*faults && run_git(outdir, tracked, buf, sizeof buf) == 0 && buf[0])
    return sb_error_set(err, SB_EINVAL,
                        "%s holds committed results, and %s=%s breaks algorithms on purpose "
                        "(a test switch, core/fault.h): refusing to write there; unset it, or "
                        "write elsewhere with --out DIR",
                        outdir, SB_FAULT_ENV, faults);
  if (p->dirty != 1) return SB_OK;
  if (run_git(outdir, tracked, buf, sizeof buf) == 0 && buf[0])
    return sb_error_set(err, SB_EINVAL,
                        "%s holds committed results, and the source tree has uncommitted "
                        "changes (%s): results written now could not be traced to a commit. "
                        "Commit the changes first, or write elsewhere with --out DIR "
                        "(docs/RESULTS.md, Provenance)",
                        outdir, p->dirty_paths);
  const char *inside[] = {"rev-parse", "--is-inside-work-tree", NULL};
  const char *ignored[] = {"check-ignore", "-q", ".", NULL};
  if (run_git(outdir, inside, buf, sizeof buf) == 0 && !strcmp(buf, "true") &&
      run_git(outdir, ignored, buf, sizeof buf) != 0)
    fprintf(stderr,
            "spexbench: warning: the source tree has uncommitted changes (%s); the results in "
            "%s are marked dirty=true and should not be committed\n",
            p->dirty_paths, outdir);
  return SB_OK;
}
