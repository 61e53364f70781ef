/* `spexbench serve --listen ADDR --cmd CMD [--workers K] ...`: expose a model that
 * speaks the line protocol on stdin/stdout (a local command) on a socket, so a
 * harness elsewhere can use it as `command:connect=ADDR,...` (docs/LIVE_MODELS.md).
 * The K model processes persist while the server runs; answers are kept in
 * memory and shared between clients. */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "core/mask.h"
#include "data/live.h"

typedef struct serve_args {
  const char *listen, *cmd;
  size_t workers, batch, n;
  double timeout, start_timeout;
  int quiet;
} serve_args;

static const sb_arg SERVE_ARGS[] = {
    {"--listen", NULL, SB_ARG_STRING, offsetof(serve_args, listen), "ADDR", 0, 0, NULL,
     SB_ARG_REQUIRED,
     "tcp:HOST:PORT (e.g. tcp:0.0.0.0:7000; PORT 0: any free port, printed)\n"
     "or unix:PATH (a bare path containing '/' works too; removed at exit)"},
    {"--cmd", NULL, SB_ARG_STRING, offsetof(serve_args, cmd), "CMD", 0, 0, NULL,
     SB_ARG_REQUIRED, "the model, run by /bin/sh -c; it speaks the line protocol on stdin/stdout"},
    {"--workers", NULL, SB_ARG_SIZE, offsetof(serve_args, workers), "K", 1, 256, NULL, 0,
     "model processes answering in parallel (default 1); \"{worker}\" in CMD\n"
     "becomes 0..K-1 and SPEXBENCH_WORKER is set (one GPU each)"},
    {"--batch", NULL, SB_ARG_SIZE, offsetof(serve_args, batch), "B", 1, 10000000, NULL, 0,
     "masks per request to a model process (default 64)"},
    {"--n", NULL, SB_ARG_SIZE, offsetof(serve_args, n), "N", 1, SB_MAX_N, NULL, 0,
     "number of features (default: from the first request)"},
    {"--timeout", NULL, SB_ARG_DOUBLE, offsetof(serve_args, timeout), "T", 0, 1000000000, NULL,
     0, "seconds per batch (default 30; 0 = no limit)"},
    {"--start-timeout", NULL, SB_ARG_DOUBLE, offsetof(serve_args, start_timeout), "T", 0,
     1000000000, NULL, 0, "extra seconds for a process's first batch (default 60)"},
    {"--quiet", "-q", SB_ARG_FLAG, offsetof(serve_args, quiet), NULL, 0, 0, NULL, 0,
     "no log of connections, faults and statistics on stderr"},
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

static const sb_command_spec SERVE_SPEC = {
    "serve",
    "Serve the live model CMD to harnesses that connect to ADDR (docs/LIVE_MODELS.md).\n"
    "A harness uses it as --dataset command:connect=ADDR,n=N,workers=2K,trace=FILE.\n"
    "No authentication or encryption: listen on a trusted network, or on 127.0.0.1\n"
    "behind an SSH tunnel.\n",
    SERVE_ARGS,
    "A failed batch is retried once on a fresh process; masks still unanswered are\n"
    "answered '! reason'.  Ctrl-C or SIGTERM stops the server and its processes.\n",
};

static volatile sig_atomic_t stop_serving;
static void on_stop(int sig) {
  (void)sig;
  stop_serving = 1;
}

int cmd_serve(int argc, char **argv) {
  serve_args a = {NULL, NULL, 1, 64, 0, 30, 60, 0};
  int r = sb_args_parse(&SERVE_SPEC, argc, argv, &a, NULL);
  if (r) return SB_ARGS_EXIT(r);
  if (!*a.cmd) return sb_args_error(&SERVE_SPEC, "--cmd '': expected a command");
  const char *listen_addr = a.listen;
  sb_live_server_opts o = {a.cmd, a.n, a.workers, a.batch, a.start_timeout, a.timeout, !a.quiet};
  sb_error err = {0};
  char bound[600];
  int fd = sb_live_listen(listen_addr, bound, sizeof bound, &err);
  if (fd < 0) return sb_cli_fail(&err);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sa.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &sa, NULL);
  fprintf(stderr, "spexbench serve: serving '%s' (%zu process%s) on %s\n", o.cmd, o.workers,
          o.workers == 1 ? "" : "es", bound);
  json_t *st = sb_live_serve(fd, &o, &stop_serving, &err);
  close(fd);
  if (listen_addr[0] != '@' && strncmp(listen_addr, "tcp:", 4))
    unlink(!strncmp(listen_addr, "unix:", 5) ? listen_addr + 5 : listen_addr);
  if (!st) return sb_cli_fail(&err);
  if (o.verbose) sb_live_stats_print(stderr, o.cmd, st);
  json_decref(st);
  return 0;
}
