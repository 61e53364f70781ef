/* core/proc.c: child processes under a guard.  Shell commands only (no python):
 * the socket is the command's stdin and stdout, exit statuses and signals are
 * described, captured stderr keeps its tail and never blocks the child, the
 * environment is passed, teardown kills a child that ignores SIGTERM, and — the
 * reason the guard exists — a program the shell forked as a grandchild dies when
 * the harness is SIGKILLed, and is adopted and reaped by a subreaper. */
#include "testutil.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/proc.h"
#include "core/timer.h"

/* One line from fd (non-blocking) within `secs`; "" on timeout or EOF. */
static void read_line(int fd, char *buf, size_t len, double secs) {
  size_t k = 0;
  double end = sb_wall_seconds() + secs;
  buf[0] = '\0';
  while (k + 1 < len && sb_wall_seconds() < end) {
    struct pollfd pf = {fd, POLLIN, 0};
    if (poll(&pf, 1, 50) <= 0) continue;
    char c;
    ssize_t r = read(fd, &c, 1);
    if (r == 0) break;
    if (r < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      break;
    }
    if (c == '\n') break;
    buf[k++] = c;
    buf[k] = '\0';
  }
}

static void status_text(sb_proc *p, char *buf, size_t len) {
  assert_true(p->reaped);
  sb_proc_describe(p->status, buf, len);
}

static void test_echo_and_exit_status(void **state) {
  (void)state;
  sb_proc p;
  sb_error err;
  assert_int_equal(sb_proc_start(&p, "read x; echo \"got $x\"; exit 3", NULL, &err), SB_OK);
  assert_true(p.pid > 0 && p.fd >= 0);
  assert_int_equal(p.errfd, -1); /* stderr inherited */
  assert_int_equal(send(p.fd, "hello\n", 6, MSG_NOSIGNAL), 6);
  char line[64], st[128];
  read_line(p.fd, line, sizeof line, 10);
  assert_string_equal(line, "got hello");
  sb_proc_reap(&p, 10);
  status_text(&p, st, sizeof st);
  assert_string_equal(st, "exited with status 3");
  sb_proc_reap(&p, 1); /* idempotent */
  sb_proc_close(&p);
  sb_proc_close(&p);
  assert_int_equal(p.fd, -1);
}

static void test_not_found_and_signal(void **state) {
  (void)state;
  sb_proc p;
  sb_error err;
  char st[128];
  assert_int_equal(sb_proc_start(&p, "no-such-command-spexbench-test 2>/dev/null", NULL, &err),
                   SB_OK);
  sb_proc_reap(&p, 10);
  status_text(&p, st, sizeof st);
  assert_string_equal(st, "exited with status 127 (command not found?)");
  sb_proc_close(&p);
  /* the guard ends the way the shell did: killed by the same signal */
  assert_int_equal(sb_proc_start(&p, "kill -9 $$", NULL, &err), SB_OK);
  sb_proc_reap(&p, 10);
  status_text(&p, st, sizeof st);
  assert_non_null(strstr(st, "was killed by signal 9"));
  sb_proc_close(&p);
}

static void test_poll_exit_and_kill(void **state) {
  (void)state;
  sb_proc p;
  sb_error err;
  char st[128];
  assert_int_equal(sb_proc_start(&p, "exit 0", NULL, &err), SB_OK);
  double end = sb_wall_seconds() + 10;
  while (!sb_proc_poll_exit(&p) && sb_wall_seconds() < end) usleep(5000);
  status_text(&p, st, sizeof st);
  assert_string_equal(st, "exited with status 0");
  sb_proc_close(&p);
  /* a child that ignores SIGTERM and its input: the deadline kills it */
  assert_int_equal(sb_proc_start(&p, "trap '' TERM; sleep 30", NULL, &err), SB_OK);
  assert_int_equal(sb_proc_poll_exit(&p), 0);
  double t0 = sb_wall_seconds();
  sb_proc_reap(&p, 0.2);
  assert_true(sb_wall_seconds() - t0 < 10);
  status_text(&p, st, sizeof st);
  assert_non_null(strstr(st, "killed by signal 9"));
  sb_proc_close(&p);
  assert_int_equal(sb_proc_start(&p, "sleep 30", NULL, &err), SB_OK);
  sb_proc_kill(&p);
  sb_proc_reap(&p, 10);
  status_text(&p, st, sizeof st);
  assert_non_null(strstr(st, "killed by signal 9"));
  sb_proc_close(&p);
  sb_proc none = {.pid = -1, .fd = -1, .errfd = -1};
  sb_proc_reap(&none, 1); /* no process: no-op */
  assert_int_equal(sb_proc_poll_exit(&none), 1);
}

static void test_stderr_tail_and_flood(void **state) {
  (void)state;
  sb_proc p;
  sb_error err;
  sb_proc_opts o = {NULL, 1};
  assert_int_equal(sb_proc_start(&p, "echo one >&2; printf 'two\\tx\\n' >&2", &o, &err), SB_OK);
  assert_true(p.errfd >= 0);
  sb_proc_reap(&p, 10);
  char tail[64];
  size_t total = 0;
  sb_proc_stderr_tail(&p, tail, sizeof tail, &total);
  assert_string_equal(tail, "one | two x");
  assert_int_equal(total, 10);
  sb_proc_stderr_tail(&p, tail, 6, NULL); /* the last bytes that fit */
  assert_string_equal(tail, "two x");
  sb_proc_close(&p);
  /* 1 MiB on stderr: drained while we wait, never a blocked child */
  assert_int_equal(sb_proc_start(&p, "head -c 1048576 /dev/zero | tr '\\0' e >&2; exit 5", &o,
                                 &err),
                   SB_OK);
  sb_proc_reap(&p, 20);
  char st[128];
  status_text(&p, st, sizeof st);
  assert_string_equal(st, "exited with status 5");
  sb_proc_stderr_tail(&p, tail, sizeof tail, &total);
  assert_int_equal(total, 1048576);
  assert_int_equal(p.tail_len, SB_PROC_TAIL);
  assert_int_equal(tail[0], 'e');
  sb_proc_close(&p);
}

static void test_environment(void **state) {
  (void)state;
  char *env[] = {"SB_PROC_TEST=42", "PATH=/usr/bin:/bin", NULL};
  sb_proc_opts o = {env, 0};
  sb_proc p;
  sb_error err;
  assert_int_equal(sb_proc_start(&p, "echo \"v=$SB_PROC_TEST\"", &o, &err), SB_OK);
  char line[64];
  read_line(p.fd, line, sizeof line, 10);
  assert_string_equal(line, "v=42");
  sb_proc_reap(&p, 10);
  sb_proc_close(&p);
}

/* The harness (a forked child here) starts `sleep` as a grandchild of its guard
 * (`sleep 30 & echo $!; wait`), reports sleep's pid, and is SIGKILLed.  The
 * guard hears of it (PR_SET_PDEATHSIG) and kills its group; as a subreaper we
 * adopt the orphans and see sleep end by SIGKILL. */
static void test_dies_with_the_harness(void **state) {
  (void)state;
  int was = sb_proc_subreaper_begin();
  int pp[2];
  assert_int_equal(pipe(pp), 0);
  pid_t h = fork();
  assert_true(h >= 0);
  if (h == 0) {
    close(pp[0]);
    sb_proc p;
    sb_error err;
    if (sb_proc_start(&p, "sleep 30 & echo $!; wait", NULL, &err)) _exit(1);
    char line[64];
    read_line(p.fd, line, sizeof line, 10);
    dprintf(pp[1], "%s\n", line);
    pause(); /* until SIGKILL */
    _exit(0);
  }
  close(pp[1]);
  char line[64];
  read_line(pp[0], line, sizeof line, 20);
  close(pp[0]);
  pid_t sleeper = (pid_t)atol(line);
  assert_true(sleeper > 0);
  assert_int_equal(kill(sleeper, 0), 0); /* running */
  kill(h, SIGKILL);
  int st;
  assert_int_equal(waitpid(h, &st, 0), h);
  /* the orphaned sleep is ours now (subreaper); it must end by SIGKILL */
  int ended = 0;
  double end = sb_wall_seconds() + 20;
  while (!ended && sb_wall_seconds() < end) {
    pid_t r = waitpid(sleeper, &st, WNOHANG);
    if (r == sleeper) ended = 1;
    else usleep(10000);
  }
  assert_true(ended);
  assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
  sb_proc_subreaper_end(was, 5); /* the guard and the shell: reaped here */
  assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
  assert_int_equal(errno, ECHILD);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_echo_and_exit_status),
      cmocka_unit_test(test_not_found_and_signal),
      cmocka_unit_test(test_poll_exit_and_kill),
      cmocka_unit_test(test_stderr_tail_and_flood),
      cmocka_unit_test(test_environment),
      cmocka_unit_test(test_dies_with_the_harness),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
