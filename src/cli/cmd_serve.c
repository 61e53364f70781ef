/* `spexbench serve --listen ADDR --cmd CMD [--workers K] ...`: expose a model that
 * speaks the line protocol on stdin/stdout (a local command) on a socket, so a
 * harness elsewhere can use it as `command:connect=ADDR,...` (docs/LIVE_MODELS.md).
 * The K model processes persist while the server runs; answers are kept in
 * memory and shared between clients. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "data/live.h"

static void serve_usage(FILE *fp) {
  fprintf(fp,
          "usage: spexbench serve --listen ADDR --cmd CMD [--workers K] [--batch B] [--n N]\n"
          "                       [--timeout T] [--start-timeout T] [--quiet]\n\n"
          "Serve the live model CMD (run by /bin/sh -c; it speaks the line protocol of\n"
          "docs/TRACE_FORMAT.md on stdin/stdout) to harnesses that connect to ADDR:\n"
          "  tcp:HOST:PORT  e.g. tcp:0.0.0.0:7000 (PORT 0: any free port, printed).  No\n"
          "                 authentication or encryption: listen on a trusted network, or\n"
          "                 on 127.0.0.1 behind an SSH tunnel\n"
          "  unix:PATH      a Unix socket file (a bare path containing '/' works too)\n"
          "A harness uses it as --dataset command:connect=ADDR,n=N,workers=2K,trace=FILE.\n"
          "  --workers K      model processes answering in parallel (default 1); \"{worker}\"\n"
          "                   in CMD becomes 0..K-1 and SPEXBENCH_WORKER is set (one GPU each)\n"
          "  --batch B        masks per request to a model process (default 64)\n"
          "  --n N            number of features (default: from the first request)\n"
          "  --timeout T      seconds per batch (default 30); --start-timeout T extra seconds\n"
          "                   for a process's first batch (default 60)\n"
          "A failed batch is retried once on a fresh process; masks still unanswered are\n"
          "answered '! reason'.  Ctrl-C or SIGTERM stops the server and its processes.\n");
}

static volatile sig_atomic_t stop_serving;
static void on_stop(int sig) {
  (void)sig;
  stop_serving = 1;
}

static int parse_num(const char *opt, const char *v, double lo, double hi, double *out) {
  char *end;
  double x = strtod(v, &end);
  if (*end || end == v || !(x >= lo && x <= hi)) {
    fprintf(stderr, "spexbench serve: %s '%s': expected a number in %g..%g\n", opt, v, lo, hi);
    return 0;
  }
  *out = x;
  return 1;
}

int cmd_serve(int argc, char **argv) {
  const char *listen_addr = NULL;
  sb_live_server_opts o = {NULL, 0, 1, 64, 60, 30, 1};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    double v;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      serve_usage(stdout);
      return 0;
    } else if (!strcmp(a, "--listen") && i + 1 < argc) {
      listen_addr = argv[++i];
    } else if (!strcmp(a, "--cmd") && i + 1 < argc) {
      o.cmd = argv[++i];
    } else if (!strcmp(a, "--workers") && i + 1 < argc) {
      if (!parse_num(a, argv[++i], 1, 256, &v) || v != (size_t)v) return 2;
      o.workers = (size_t)v;
    } else if (!strcmp(a, "--batch") && i + 1 < argc) {
      if (!parse_num(a, argv[++i], 1, 1e7, &v) || v != (size_t)v) return 2;
      o.batch = (size_t)v;
    } else if (!strcmp(a, "--n") && i + 1 < argc) {
      if (!parse_num(a, argv[++i], 1, 65536, &v) || v != (size_t)v) return 2;
      o.n = (size_t)v;
    } else if (!strcmp(a, "--timeout") && i + 1 < argc) {
      if (!parse_num(a, argv[++i], 1e-3, 1e9, &o.timeout)) return 2;
    } else if (!strcmp(a, "--start-timeout") && i + 1 < argc) {
      if (!parse_num(a, argv[++i], 0, 1e9, &o.start_timeout)) return 2;
    } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
      o.verbose = 0;
    } else {
      fprintf(stderr, "spexbench serve: unknown or incomplete option '%s'\n", a);
      serve_usage(stderr);
      return 2;
    }
  }
  if (!listen_addr || !o.cmd || !*o.cmd) {
    fprintf(stderr, "spexbench serve: --listen ADDR and --cmd CMD are required\n");
    serve_usage(stderr);
    return 2;
  }
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
