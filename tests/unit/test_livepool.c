/* Tests of the live-model pool (src/data/model_pool.c), the pool server
 * (src/data/live_server.c, live_pools.c) and socket addresses (core/netaddr.c)
 * with tests/adapters/fault_model.py:
 *   - K endpoints answer one queue in parallel ({worker}, SPEXBENCH_WORKER), persist
 *     across submissions (one start-up each) and deliver batches in dispatch order;
 *   - a fault is retried once on a fresh endpoint; a faulty endpoint fails only the
 *     batches it held;
 *   - a pool server answers several clients, asks the model once per distinct mask,
 *     refuses with '!' lines (the connection stays usable) and rejects bad requests;
 *   - the runner's registry: a dataset opened after sb_live_pools_start (also in a
 *     forked child, as a worker) goes through the server;
 *   - a remote model over TCP loopback (`command:connect=tcp:...`).
 * Skipped with a message if python3 is not available. */
#include "testutil.h"

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/mask.h"
#include "data/dataset.h"
#include "data/live.h"
#include "data/model_pool.h"
#include "data/model_proc.h"
#include "trace/trace.h"

static char dir[256];
static char model[1024];

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "%s", sb_test_tmpdir());
  snprintf(model, sizeof model, "python3 %s", sb_test_fault_model());
  signal(SIGPIPE, SIG_IGN);
  return 0;
}

static double truth(uint64_t x) { return (double)x / 8.0 - 1.0; }

static size_t lines_of(const char *name) { return sb_test_lines(dir, name); }

/* masks first..first+count-1 of n = 6 features */
static uint64_t *mask_range(uint64_t first, size_t count) {
  uint64_t *m = calloc(count, sizeof *m);
  for (size_t j = 0; j < count; j++) m[j] = first + j;
  return m;
}

typedef struct seen {
  size_t seqs[64], nseq;
  size_t answered, failed, endpoint_fail[4], endpoint_ok[4];
  char msg[2048];
} seen;

static int collect(void *ctx, const sb_model_batch *b, sb_error *err) {
  (void)err;
  seen *s = ctx;
  if (s->nseq < 64) s->seqs[s->nseq++] = b->seq;
  s->answered += b->answered;
  for (size_t j = 0; j < b->count; j++)
    if (b->ok[j]) assert_true(b->values[j] == truth(b->masks[j]));
  if (b->status) {
    s->failed++;
    s->endpoint_fail[b->endpoint & 3]++;
    snprintf(s->msg, sizeof s->msg, "%s", b->message);
  } else {
    s->endpoint_ok[b->endpoint & 3]++;
  }
  return SB_OK;
}

static sb_model_pool *new_pool(const char *args, size_t k, size_t batch, int ordered) {
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "%s %s", model, args);
  sb_model_pool_opts o = {cmd, NULL, 6, k, batch, 10, 10, ordered, 2};
  sb_error e = {0};
  sb_model_pool *p = sb_model_pool_new(&o, &e);
  if (!p) print_error("%s\n", e.msg);
  assert_non_null(p);
  return p;
}

static void run_pool(sb_model_pool *p, uint64_t first, size_t count, seen *s) {
  uint64_t *m = mask_range(first, count);
  sb_error e = {0};
  assert_int_equal(sb_model_pool_submit(p, m, count, &e), SB_OK);
  int rc = sb_model_pool_drain(p, collect, s, &e);
  if (rc) print_error("%s\n", e.msg);
  assert_int_equal(rc, SB_OK);
  assert_int_equal(sb_model_pool_pending(p), 0);
  free(m);
}

/* Two endpoints share the work ({worker} in the command, SPEXBENCH_WORKER set),
 * are started once and persist across submissions; batches come in order. */
static void test_pool_parallel_persistent(void **state) {
  (void)state;
  SB_TEST_NEED_PYTHON();
  char args[1024];
  snprintf(args, sizeof args, "--starts %s/starts.log --log %s/w{worker}.log --sleep 0.05", dir,
           dir);
  sb_model_pool *p = new_pool(args, 2, 4, 1);
  seen s = {0};
  run_pool(p, 0, 16, &s);
  run_pool(p, 16, 16, &s);
  assert_int_equal(s.answered, 32);
  assert_int_equal(s.failed, 0);
  assert_int_equal(s.nseq, 8);
  for (size_t i = 0; i < s.nseq; i++) assert_int_equal(s.seqs[i], i);
  assert_true(lines_of("w0.log") > 0 && lines_of("w1.log") > 0);
  assert_int_equal(lines_of("w0.log") + lines_of("w1.log"), 32);
  for (size_t i = 0; i < 2; i++) {
    sb_model_endpoint_stats st;
    sb_model_pool_endpoint_stats(p, i, &st);
    assert_int_equal(st.startups, 1);
    assert_int_equal(st.faults, 0);
    assert_true(st.busy_s > 0 && st.busy_s <= st.up_s);
  }
  sb_model_pool_free(p);
  /* one start-up per endpoint, each with its own SPEXBENCH_WORKER */
  assert_int_equal(lines_of("starts.log"), 2);
  char path[512], line[64];
  snprintf(path, sizeof path, "%s/starts.log", dir);
  FILE *f = fopen(path, "r");
  int workers = 0;
  while (fgets(line, sizeof line, f)) {
    const char *w = strchr(line, ' ');
    assert_non_null(w);
    workers |= 1 << atoi(w + 1);
  }
  fclose(f);
  assert_int_equal(workers, 3);
}

/* Endpoint 0 is slow: its batch settles after endpoint 1's, and ordered
 * delivery still hands batch 0 over first; unordered hands 1 over first. */
static void test_pool_ordered(void **state) {
  (void)state;
  SB_TEST_NEED_PYTHON();
  for (int ordered = 1; ordered >= 0; ordered--) {
    sb_model_pool *p = new_pool("--slow-worker 0 --sleep 3", 2, 2, ordered);
    seen s = {0};
    run_pool(p, 0, 4, &s);
    assert_int_equal(s.nseq, 2);
    assert_int_equal(s.seqs[0], ordered ? 0 : 1);
    assert_int_equal(s.seqs[1], ordered ? 1 : 0);
    sb_model_pool_free(p);
  }
}

/* A process that dies once: the batch is retried on a fresh one and succeeds. */
static void test_pool_retry_fresh(void **state) {
  (void)state;
  SB_TEST_NEED_PYTHON();
  char args[1024];
  snprintf(args, sizeof args, "--die-after 3 --once %s/pool-once.flag", dir);
  sb_model_pool *p = new_pool(args, 1, 8, 1);
  seen s = {0};
  run_pool(p, 0, 8, &s);
  assert_int_equal(s.answered, 8);
  assert_int_equal(s.failed, 0);
  sb_model_endpoint_stats st;
  sb_model_pool_endpoint_stats(p, 0, &st);
  assert_int_equal(st.startups, 2);
  assert_int_equal(st.faults, 1);
  assert_int_equal(st.batches, 2);
  sb_model_pool_free(p);
}

/* Endpoint 1 always fails: only the batches it held fail (after a retry each),
 * endpoint 0's all succeed. */
static void test_pool_fault_isolated(void **state) {
  (void)state;
  SB_TEST_NEED_PYTHON();
  sb_model_pool *p = new_pool("--fault-worker 1 --garbage-after 0 --sleep 0.05", 2, 4, 0);
  seen s = {0};
  run_pool(p, 0, 32, &s);
  assert_int_equal(s.endpoint_fail[0], 0);
  assert_true(s.endpoint_ok[0] > 0);
  assert_true(s.endpoint_fail[1] > 0);
  assert_int_equal(s.endpoint_ok[1], 0);
  assert_int_equal(s.answered, 4 * s.endpoint_ok[0]);
  assert_non_null(strstr(s.msg, "not a number: 'oops'"));
  assert_non_null(strstr(s.msg, "fault_model.py"));
  sb_model_endpoint_stats st;
  sb_model_pool_endpoint_stats(p, 0, &st);
  assert_int_equal(st.startups, 1);
  sb_model_pool_free(p);
}

/* ---- pool servers -------------------------------------------------------- */

typedef struct server_proc {
  pid_t pid;
  int stats_fd;
} server_proc;

static volatile sig_atomic_t child_stop;
static void on_term(int sig) {
  (void)sig;
  child_stop = 1;
}

/* Serve `args` (K processes, batch B) on listening socket fd in a child. */
static server_proc serve_in_child(int fd, const char *args, size_t k, size_t batch) {
  int pp[2];
  assert_int_equal(pipe(pp), 0);
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    close(pp[0]);
    signal(SIGTERM, on_term);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s %s", model, args);
    sb_live_server_opts o = {cmd, 0, k, batch, 10, 10, 0};
    sb_error e = {0};
    json_t *st = sb_live_serve(fd, &o, &child_stop, &e);
    char *t = st ? json_dumps(st, JSON_COMPACT) : NULL;
    if (t && write(pp[1], t, strlen(t)) < 0) _exit(3);
    _exit(st ? 0 : 2);
  }
  close(pp[1]);
  close(fd);
  server_proc sp = {pid, pp[0]};
  return sp;
}

static json_t *stop_server(server_proc sp) {
  kill(sp.pid, SIGTERM);
  char buf[8192];
  size_t got = 0;
  ssize_t k;
  while (got + 1 < sizeof buf && (k = read(sp.stats_fd, buf + got, sizeof buf - 1 - got)) > 0)
    got += (size_t)k;
  buf[got] = '\0';
  close(sp.stats_fd);
  int status;
  assert_int_equal(waitpid(sp.pid, &status, 0), sp.pid);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  json_error_t je;
  json_t *j = json_loads(buf, 0, &je);
  assert_non_null(j);
  return j;
}

static size_t jint(const json_t *j, const char *key) {
  return (size_t)json_integer_value(json_object_get(j, key));
}

/* Two clients at once with overlapping masks: every answer right, the model asked
 * once per distinct mask, one start-up per process. */
static void test_server_shared(void **state) {
  (void)state;
  SB_TEST_NEED_PYTHON();
  char addr[512], logs[600];
  snprintf(addr, sizeof addr, "unix:%s/pool.sock", dir);
  sb_error e = {0};
  int fd = sb_live_listen(addr, NULL, 0, &e);
  if (fd < 0) print_error("%s\n", e.msg);
  assert_true(fd >= 0);
  snprintf(logs, sizeof logs, "--log %s/srv.log --sleep 0.05", dir);
  server_proc sp = serve_in_child(fd, logs, 2, 4);
  sb_model_proc *a = sb_model_proc_connect(addr, 6, 0, 30, &e);
  sb_model_proc *b = sb_model_proc_connect(addr, 6, 0, 30, &e);
  assert_non_null(a);
  assert_non_null(b);
  for (int round = 0; round < 3; round++) {
    uint64_t *ma = mask_range(0, 16), *mb = mask_range(8, 16); /* 8..15 in both */
    double va[16], vb[16];
    unsigned char oa[16], ob[16];
    assert_int_equal(sb_model_proc_send(a, ma, 16, va, oa, &e), SB_OK);
    assert_int_equal(sb_model_proc_send(b, mb, 16, vb, ob, &e), SB_OK);
    int ra = SB_MODEL_PENDING, rb = SB_MODEL_PENDING;
    while (ra == SB_MODEL_PENDING || rb == SB_MODEL_PENDING) {
      struct pollfd pf[2];
      sb_model_proc_pollfd(a, &pf[0]);
      sb_model_proc_pollfd(b, &pf[1]);
      assert_true(poll(pf, 2, 30000) > 0);
      if (ra == SB_MODEL_PENDING && pf[0].revents) ra = sb_model_proc_step(a, pf[0].revents, &e);
      if (rb == SB_MODEL_PENDING && pf[1].revents) rb = sb_model_proc_step(b, pf[1].revents, &e);
    }
    assert_int_equal(ra, SB_OK);
    assert_int_equal(rb, SB_OK);
    for (size_t j = 0; j < 16; j++) {
      assert_true(va[j] == truth(j) && oa[j]);
      assert_true(vb[j] == truth(8 + j) && ob[j]);
    }
    free(ma);
    free(mb);
  }
  sb_model_proc_free(a);
  sb_model_proc_free(b);
  json_t *st = stop_server(sp);
  assert_int_equal(jint(st, "masks_answered_by_model"), 24);
  assert_int_equal(jint(st, "masks_asked"), 96);
  assert_int_equal(jint(st, "startups"), 2);
  assert_int_equal(lines_of("srv.log"), 24);
  json_decref(st);
}

/* A model that always fails: the client gets '!' reasons (no retry of its own:
 * the server already retried) and its connection stays usable; a request of the
 * wrong mask length is refused line by line. */
static void test_server_refusals(void **state) {
  (void)state;
  SB_TEST_NEED_PYTHON();
  char addr[512];
  snprintf(addr, sizeof addr, "%s/refuse.sock", dir);
  sb_error e = {0};
  int fd = sb_live_listen(addr, NULL, 0, &e);
  assert_true(fd >= 0);
  server_proc sp = serve_in_child(fd, "--garbage-after 1", 1, 4);
  sb_model_proc *c = sb_model_proc_connect(addr, 6, 0, 30, &e);
  assert_non_null(c);
  uint64_t *m = mask_range(0, 4);
  double v[4];
  size_t answered = 0;
  int rc = sb_model_proc_eval(c, m, 4, v, &answered, &e);
  assert_int_equal(rc, SB_EORACLE);
  assert_non_null(strstr(e.msg, "not a number: 'oops'"));
  assert_non_null(strstr(e.msg, "retried once on a fresh process"));
  assert_int_equal(answered, 2); /* 1 from the first process, 1 more from the retry */
  assert_true(sb_model_proc_alive(c));
  sb_model_proc_free(c);
  /* n = 5 masks to a server of n = 6 */
  c = sb_model_proc_connect(addr, 5, 0, 30, &e);
  rc = sb_model_proc_eval(c, m, 2, v, &answered, &e);
  assert_int_equal(rc, SB_EORACLE);
  assert_non_null(strstr(e.msg, "bad request"));
  assert_int_equal(answered, 0);
  assert_true(sb_model_proc_alive(c));
  sb_model_proc_free(c);
  free(m);
  json_t *st = stop_server(sp);
  assert_int_equal(jint(st, "requests_rejected"), 1);
  json_decref(st);
}

/* The runner's pool servers: datasets opened afterwards — here and in a forked
 * child, as a worker would — reach the server; the model starts once. */
static void test_pools_registry(void **state) {
  (void)state;
  SB_TEST_NEED_PYTHON();
  char spec[2048], trace_spec[2400];
  snprintf(spec, sizeof spec, "command:cmd=%s --starts %s/reg-starts.log --log %s/reg.log,n=6,"
           "workers=2,batch=4", model, dir, dir);
  snprintf(trace_spec, sizeof trace_spec, "%s,trace=%s/reg.sbt.gz", spec, dir);
  char other[2048]; /* a second model: its own server (several entries in the registry) */
  snprintf(other, sizeof other, "command:cmd=%s --sleep 0,n=6", model);
  const char *specs[] = {"fourier:n=8,k=4,degree=2,seed=1", spec, other, trace_spec};
  sb_live_pools *lp = NULL;
  sb_error e = {0};
  int rc = sb_live_pools_start(specs, 4, &lp, &e);
  if (rc) print_error("%s\n", e.msg);
  assert_int_equal(rc, SB_OK);
  assert_non_null(lp);
  char key[4200];
  sb_live_server_opts o;
  assert_true(sb_command_model_key(trace_spec, key, sizeof key, &o));
  size_t conns = 0;
  assert_non_null(sb_live_pool_lookup(key, &conns));
  assert_int_equal(conns, 4);
  assert_false(sb_command_model_key(specs[0], key, sizeof key, &o));
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) { /* a worker: masks 0..39 */
    sb_dataset *d = NULL;
    sb_error e2 = {0};
    if (sb_dataset_open(trace_spec, &d, &e2)) _exit(10);
    sb_masks *m = sb_masks_alloc(6, 0);
    for (uint64_t x = 0; x < 40; x++) sb_masks_push(m, &x);
    double out[40];
    int r = sb_dataset_eval(d, m, out, &e2);
    for (size_t j = 0; !r && j < 40; j++) r = out[j] != truth(j);
    sb_dataset_free(d);
    sb_masks_free(m);
    _exit(r ? 11 : 0);
  }
  sb_dataset *d = NULL;
  assert_int_equal(sb_dataset_open(spec, &d, &e), SB_OK); /* no recording */
  sb_masks *m = sb_masks_alloc(6, 0);
  for (uint64_t x = 20; x < 64; x++) sb_masks_push(m, &x);
  double out[64];
  rc = sb_dataset_eval(d, m, out, &e);
  if (rc) print_error("%s\n", e.msg);
  assert_int_equal(rc, SB_OK);
  for (size_t j = 0; j < m->count; j++) assert_true(out[j] == truth(20 + j));
  assert_int_equal(d->live_asked(d->ctx), 44);
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
  sb_dataset_free(d);
  sb_masks_free(m);
  json_t *all = sb_live_pools_stop(lp, 0);
  assert_int_equal(json_array_size(all), 2);
  json_t *st = json_array_get(all, 0);
  assert_non_null(strstr(json_string_value(json_object_get(st, "cmd")), "reg.log"));
  assert_non_null(strstr(json_string_value(json_object_get(json_array_get(all, 1), "cmd")),
                         "--sleep 0"));
  assert_int_equal(jint(st, "masks_answered_by_model"), 64); /* each mask once */
  assert_int_equal(jint(st, "masks_asked"), 84);
  assert_true(jint(st, "startups") >= 1 && jint(st, "startups") <= 2);
  json_decref(all);
  assert_int_equal(lines_of("reg.log"), 64);
  assert_null(sb_live_pool_lookup(key, NULL)); /* stopped: the registry is empty */
}

/* A remote model over TCP loopback, as `spexbench serve` offers it. */
static void test_remote_tcp(void **state) {
  (void)state;
  SB_TEST_NEED_PYTHON();
  char bound[256];
  sb_error e = {0};
  int fd = sb_live_listen("tcp:127.0.0.1:0", bound, sizeof bound, &e);
  if (fd < 0) print_error("%s\n", e.msg);
  assert_true(fd >= 0);
  assert_non_null(strstr(bound, "tcp:127.0.0.1:"));
  server_proc sp = serve_in_child(fd, "", 2, 8);
  char spec[1024];
  snprintf(spec, sizeof spec, "command:connect=%s,n=6,workers=3,batch=8,trace=%s/tcp.sbt.gz",
           bound, dir);
  sb_dataset *d = NULL;
  int rc = sb_dataset_open(spec, &d, &e);
  if (rc) print_error("%s\n", e.msg);
  assert_int_equal(rc, SB_OK);
  sb_masks *m = sb_masks_alloc(6, 0);
  for (uint64_t x = 0; x < 64; x++) sb_masks_push(m, &x);
  double out[64];
  rc = sb_dataset_eval(d, m, out, &e);
  if (rc) print_error("%s\n", e.msg);
  assert_int_equal(rc, SB_OK);
  for (size_t j = 0; j < 64; j++) assert_true(out[j] == truth(j));
  sb_dataset_free(d);
  sb_masks_free(m);
  json_t *st = stop_server(sp);
  assert_int_equal(jint(st, "masks_answered_by_model"), 64);
  json_decref(st);
  char tp[512];
  snprintf(tp, sizeof tp, "%s/tcp.sbt.gz", dir);
  sb_trace *t = NULL;
  assert_int_equal(sb_trace_read(tp, SB_TRACE_READ_STRICT, &t, NULL, &e), SB_OK);
  assert_int_equal(t->count, 64);
  assert_non_null(strstr(t->h.source, "command: tcp:127.0.0.1:"));
  sb_trace_free(t);
}

/* Addresses that cannot work: clear messages, no crash. */
static void test_connect_errors(void **state) {
  (void)state;
  sb_error e = {0};
  assert_null(sb_model_proc_connect("nonsense", 4, 0, 1, &e));
  assert_non_null(strstr(e.msg, "expected tcp:HOST:PORT"));
  char addr[512];
  snprintf(addr, sizeof addr, "unix:%s/nobody.sock", dir);
  assert_null(sb_model_proc_connect(addr, 4, 0, 1, &e));
  assert_non_null(strstr(e.msg, "cannot connect"));
  assert_non_null(strstr(e.msg, "nobody.sock"));
  assert_int_equal(sb_live_listen("tcp:127.0.0.1", NULL, 0, &e), -1);
  assert_non_null(strstr(e.msg, "expected tcp:HOST:PORT"));
  char file[512];
  snprintf(file, sizeof file, "%s/not-a-socket", dir);
  FILE *f = fopen(file, "w");
  fclose(f);
  assert_int_equal(sb_live_listen(file, NULL, 0, &e), -1);
  assert_non_null(strstr(e.msg, "is not a socket"));
  sb_dataset *d = NULL;
  assert_int_not_equal(sb_dataset_open("command:cmd=true,connect=tcp:a:1,n=4", &d, &e), SB_OK);
  assert_non_null(strstr(e.msg, "either cmd or connect"));
  assert_int_not_equal(sb_dataset_open("command:n=4", &d, &e), SB_OK);
  assert_non_null(strstr(e.msg, "connect="));
  assert_int_not_equal(sb_dataset_open("command:cmd=true,n=4,workers=0", &d, &e), SB_OK);
  assert_non_null(strstr(e.msg, "workers = 0"));
  /* a server nobody listens on: the evaluation fails (after one reconnect) */
  snprintf(addr, sizeof addr, "command:connect=unix:%s/nobody.sock,n=4", dir);
  assert_int_equal(sb_dataset_open(addr, &d, &e), SB_OK);
  sb_masks *m = sb_masks_alloc(4, 3);
  double out[3];
  assert_int_equal(sb_dataset_eval(d, m, out, &e), SB_EORACLE);
  assert_non_null(strstr(e.msg, "cannot connect"));
  sb_dataset_free(d);
  sb_masks_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pool_parallel_persistent),
      cmocka_unit_test(test_pool_ordered),
      cmocka_unit_test(test_pool_retry_fresh),
      cmocka_unit_test(test_pool_fault_isolated),
      cmocka_unit_test(test_server_shared),
      cmocka_unit_test(test_server_refusals),
      cmocka_unit_test(test_pools_registry),
      cmocka_unit_test(test_remote_tcp),
      cmocka_unit_test(test_connect_errors),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
