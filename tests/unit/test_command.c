/* Tests of live models (src/data/model_proc.c, src/data/command_dataset.c) with
 * tests/adapters/fault_model.py: answers and recording, resume without asking
 * the model twice, and each fault of the reliability matrix — dies at start,
 * dies mid-batch, hangs (timeout), prints garbage, NaN, too few or too many
 * lines, command not found.  A failed batch is retried once on a fresh process:
 * a fault that happens once is survived; one that happens again gives SB_EORACLE
 * with a clear message naming both, while the trace keeps every answer received
 * before the faults and a rerun resumes.  Two processes recording to one trace
 * at once lose nothing and write no conflict.  Skipped with a message if python3
 * is not available. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/fsutil.h"
#include "data/dataset.h"
#include "trace/trace.h"

static char dir[256];
static char model[1024];

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "%s", sb_test_tmpdir());
  snprintf(model, sizeof model, "%s", sb_test_fault_model());
  return 0;
}

static double truth(uint64_t x) { return (double)x / 8.0 - 1.0; }

/* Open "command:cmd=python3 MODEL ARGS,n=N,trace=DIR/NAME,batch=B,timeout=T,start_timeout=S". */
static int open_model_st(const char *args, size_t n, const char *trace, size_t batch,
                         double timeout, double start_timeout, sb_dataset **d, sb_error *e) {
  char spec[4096];
  snprintf(spec, sizeof spec,
           "command:cmd=python3 %s %s,n=%zu,trace=%s%s%s,batch=%zu,timeout=%g,start_timeout=%g",
           model, args, n, trace ? dir : "", trace ? "/" : "", trace ? trace : "", batch, timeout,
           start_timeout);
  return sb_dataset_open(spec, d, e);
}

static int open_model(const char *args, size_t n, const char *trace, size_t batch, double timeout,
                      sb_dataset **d, sb_error *e) {
  return open_model_st(args, n, trace, batch, timeout, 10.0, d, e);
}

static sb_masks *first_masks(size_t n, size_t count) {
  sb_masks *m = sb_masks_alloc(n, 0);
  for (uint64_t x = 0; x < count; x++) sb_masks_push(m, &x);
  return m;
}

static size_t trace_count(const char *name) {
  char p[512];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  sb_trace *t = NULL;
  sb_error e = {0};
  int rc = sb_trace_read(p, SB_TRACE_READ_STRICT, &t, NULL, &e);
  if (rc) print_error("%s\n", e.msg);
  assert_int_equal(rc, SB_OK);
  for (size_t i = 0; i < t->count; i++) assert_true(t->values[i] == truth(t->masks[i]));
  size_t c = t->count;
  sb_trace_free(t);
  return c;
}

static size_t log_lines(const char *name) { return sb_test_lines(dir, name); }

static void test_answers_and_resume(void **state) {
  (void)state;
  SB_TEST_NEED_PYTHON();
  char args[600];
  snprintf(args, sizeof args, "--log %s/calls.log", dir);
  sb_dataset *d = NULL;
  sb_error e = {0};
  int rc = open_model(args, 6, "rec.sbt.gz", 4, 10, &d, &e);
  if (rc) print_error("%s\n", e.msg);
  assert_int_equal(rc, SB_OK);
  assert_string_equal(d->family, "command");
  assert_non_null(strstr(d->name, "rec"));
  sb_masks *m = first_masks(6, 10);
  sb_masks_push(m, sb_masks_at(m, 3)); /* a repeat within the call */
  double out[16];
  rc = sb_dataset_eval(d, m, out, &e);
  if (rc) print_error("%s\n", e.msg);
  assert_int_equal(rc, SB_OK);
  for (size_t j = 0; j < m->count; j++) assert_true(out[j] == truth(sb_masks_at(m, j)[0]));
  assert_int_equal(log_lines("calls.log"), 10);
  sb_dataset_free(d);
  assert_int_equal(trace_count("rec.sbt.gz"), 10);
  /* Rerun: 10 recorded + 5 new masks; the model is asked only for the 5. */
  assert_int_equal(open_model(args, 6, "rec.sbt.gz", 4, 10, &d, &e), SB_OK);
  sb_masks_free(m);
  m = first_masks(6, 15);
  assert_int_equal(sb_dataset_eval(d, m, out, &e), SB_OK);
  for (size_t j = 0; j < 15; j++) assert_true(out[j] == truth(j));
  assert_int_equal(log_lines("calls.log"), 15);
  sb_dataset_free(d);
  assert_int_equal(trace_count("rec.sbt.gz"), 15);
  /* All recorded: the model is never started (a command that would fail). */
  char spec[1024];
  snprintf(spec, sizeof spec, "command:cmd=exit 9,n=6,trace=%s/rec.sbt.gz", dir);
  assert_int_equal(sb_dataset_open(spec, &d, &e), SB_OK);
  assert_int_equal(sb_dataset_eval(d, m, out, &e), SB_OK);
  sb_dataset_free(d);
  /* n disagreeing with the recording. */
  snprintf(spec, sizeof spec, "command:cmd=exit 9,n=7,trace=%s/rec.sbt.gz", dir);
  assert_int_not_equal(sb_dataset_open(spec, &d, &e), SB_OK);
  assert_non_null(strstr(e.msg, "n = 6"));
  sb_masks_free(m);
}

/* Run a faulty model on masks 0..count-1 in one batch; expect SB_EORACLE with
 * `needle`, `kept` records in the trace, then resume with a healthy model. */
static void fault_case(const char *args, const char *trace, size_t count, double timeout,
                       const char *needle, size_t kept) {
  sb_dataset *d = NULL;
  sb_error e = {0};
  int rc = open_model(args, 5, trace, count, timeout, &d, &e);
  if (rc) print_error("%s\n", e.msg);
  assert_int_equal(rc, SB_OK);
  sb_masks *m = first_masks(5, count);
  double *out = calloc(count, sizeof *out);
  rc = sb_dataset_eval(d, m, out, &e);
  if (rc != SB_EORACLE || !strstr(e.msg, needle))
    print_error("rc = %d, message '%s' (want '%s')\n", rc, e.msg, needle);
  assert_int_equal(rc, SB_EORACLE);
  assert_non_null(strstr(e.msg, needle));
  assert_non_null(strstr(e.msg, "fault_model.py"));
  sb_dataset_free(d);
  assert_int_equal(trace_count(trace), kept);
  /* resume with a healthy model: everything answered, the trace complete */
  assert_int_equal(open_model("", 5, trace, count, 10, &d, &e), SB_OK);
  rc = sb_dataset_eval(d, m, out, &e);
  if (rc) print_error("%s\n", e.msg);
  assert_int_equal(rc, SB_OK);
  for (size_t j = 0; j < count; j++) assert_true(out[j] == truth(j));
  sb_dataset_free(d);
  assert_int_equal(trace_count(trace), count);
  free(out);
  sb_masks_free(m);
}

/* The fault happens again on the fresh process the batch is retried on: the
 * message names the fault (and the retry when the two messages differ), and the
 * answers of both attempts are kept. */
static void test_dies_mid_batch(void **state) {
  (void)state;
  SB_TEST_NEED_PYTHON();
  /* 8 masks in one batch: 3 answers, dies; the retry gets the other 5: 3, dies */
  fault_case("--die-after 3", "die.sbt.gz", 8, 10, "exited with status 3", 6);
}

/* A process that dies once: its batch is retried on a fresh process and the
 * evaluation succeeds; every mask was answered exactly once. */
static void test_dies_once_retried(void **state) {
  (void)state;
  SB_TEST_NEED_PYTHON();
  char args[800];
  snprintf(args, sizeof args, "--die-after 5 --once %s/once.flag --log %s/once.log", dir, dir);
  sb_dataset *d = NULL;
  sb_error e = {0};
  assert_int_equal(open_model(args, 5, "once.sbt.gz", 8, 10, &d, &e), SB_OK);
  sb_masks *m = first_masks(5, 16);
  double out[16];
  int rc = sb_dataset_eval(d, m, out, &e);
  if (rc) print_error("%s\n", e.msg);
  assert_int_equal(rc, SB_OK);
  for (size_t j = 0; j < 16; j++) assert_true(out[j] == truth(j));
  sb_dataset_free(d);
  assert_int_equal(log_lines("once.log"), 16);
  assert_int_equal(trace_count("once.sbt.gz"), 16);
  sb_masks_free(m);
}

static void test_dies_at_start(void **state) {
  (void)state;
  SB_TEST_NEED_PYTHON();
  fault_case("--die-at-start", "start.sbt.gz", 8, 10, "exited with status 4", 0);
}

static void test_hangs(void **state) {
  (void)state;
  SB_TEST_NEED_PYTHON();
  /* 4 masks in one batch: 1 answer, then a hang (3 s start-up allowance — python
   * starts slowly on a loaded machine — + 0.5 s); the retry on a fresh process
   * gets 3: 1 answer, hangs again */
  sb_dataset *d = NULL;
  sb_error e = {0};
  assert_int_equal(open_model_st("--hang-after 1", 5, "hang.sbt.gz", 4, 0.5, 3, &d, &e), SB_OK);
  sb_masks *m = first_masks(5, 4);
  double out[4];
  int rc = sb_dataset_eval(d, m, out, &e);
  if (rc != SB_EORACLE) print_error("rc %d: %s\n", rc, e.msg);
  assert_int_equal(rc, SB_EORACLE);
  assert_non_null(strstr(e.msg, "no complete answer within 3.5 s (timeout)"));
  assert_non_null(strstr(e.msg, "after 1 of 4 answers"));
  assert_non_null(strstr(e.msg, "after 1 of 3 answers"));
  sb_dataset_free(d);
  assert_int_equal(trace_count("hang.sbt.gz"), 2);
  sb_masks_free(m);
}

static void test_garbage(void **state) {
  (void)state;
  SB_TEST_NEED_PYTHON();
  fault_case("--garbage-after 2", "garbage.sbt.gz", 6, 10, "not a number: 'oops'", 4);
}

static void test_nan(void **state) {
  (void)state;
  SB_TEST_NEED_PYTHON();
  fault_case("--nan-after 4", "nan.sbt.gz", 10, 10, "not finite", 8);
}

static void test_too_few_lines(void **state) {
  (void)state;
  SB_TEST_NEED_PYTHON();
  fault_case("--short", "short.sbt.gz", 6, 10, "too few lines", 0); /* framing broken: none kept */
}

/* Values without the empty line that ends a batch: a timeout that says so.  The
 * batch gives every value but no end: nothing is left to retry, the values are
 * kept and the evaluation fails (the model is broken).  (With a batch pipelined
 * behind it the next values would arrive first: "more lines than masks".) */
static void test_no_batch_end(void **state) {
  (void)state;
  SB_TEST_NEED_PYTHON();
  sb_dataset *d = NULL;
  sb_error e = {0};
  assert_int_equal(open_model_st("--no-end-after 0", 5, "noend.sbt.gz", 3, 0.5, 3, &d, &e),
                   SB_OK);
  sb_masks *m = first_masks(5, 3); /* one batch: nothing pipelined behind it */
  double out[3];
  int rc = sb_dataset_eval(d, m, out, &e);
  if (rc != SB_EORACLE || !strstr(e.msg, "no empty line ending the batch")) print_error("%s\n", e.msg);
  assert_int_equal(rc, SB_EORACLE);
  assert_non_null(strstr(e.msg, "no empty line ending the batch"));
  sb_dataset_free(d);
  assert_int_equal(trace_count("noend.sbt.gz"), 3);
  sb_masks_free(m);
}

static void test_too_many_lines(void **state) {
  (void)state;
  SB_TEST_NEED_PYTHON();
  fault_case("--extra", "extra.sbt.gz", 6, 10, "more lines than masks", 0); /* none kept */
}

static void test_not_found(void **state) {
  (void)state;
  char spec[1024];
  snprintf(spec, sizeof spec, "command:cmd=/nonexistent/model --x,n=4,trace=%s/nf.sbt.gz", dir);
  sb_dataset *d = NULL;
  sb_error e = {0};
  assert_int_equal(sb_dataset_open(spec, &d, &e), SB_OK);
  sb_masks *m = first_masks(4, 3);
  double out[3];
  assert_int_equal(sb_dataset_eval(d, m, out, &e), SB_EORACLE);
  assert_non_null(strstr(e.msg, "status 127"));
  /* after a failure the next evaluation tries a fresh process (and fails the same way) */
  assert_int_equal(sb_dataset_eval(d, m, out, &e), SB_EORACLE);
  sb_dataset_free(d);
  assert_int_equal(trace_count("nf.sbt.gz"), 0);
  sb_masks_free(m);
}

/* A recording cut inside its last batch: resume keeps complete batches, moves
 * the damaged file aside, and asks the model for the rest. */
static void test_resume_damaged(void **state) {
  (void)state;
  SB_TEST_NEED_PYTHON();
  sb_dataset *d = NULL;
  sb_error e = {0};
  assert_int_equal(open_model("", 5, "cut.sbt.gz", 4, 10, &d, &e), SB_OK);
  sb_masks *m = first_masks(5, 12);
  double out[12];
  assert_int_equal(sb_dataset_eval(d, m, out, &e), SB_OK);
  sb_dataset_free(d);
  char p[512];
  snprintf(p, sizeof p, "%s/cut.sbt.gz", dir);
  struct stat st;
  assert_int_equal(stat(p, &st), 0);
  assert_int_equal(truncate(p, st.st_size - 30), 0);
  assert_int_equal(open_model("", 5, "cut.sbt.gz", 4, 10, &d, &e), SB_OK);
  assert_int_equal(trace_count("cut.sbt.gz"), 8);
  assert_int_equal(sb_dataset_eval(d, m, out, &e), SB_OK);
  for (size_t j = 0; j < 12; j++) assert_true(out[j] == truth(j));
  sb_dataset_free(d);
  assert_int_equal(trace_count("cut.sbt.gz"), 12);
  char cmdline[600];
  snprintf(cmdline, sizeof cmdline, "ls %s/cut.sbt.gz.damaged-* >/dev/null 2>&1", dir);
  assert_int_equal(system(cmdline), 0);
  sb_masks_free(m);
}

/* header=FILE gives a new recording its feature names and value meaning. */
static void test_header_file(void **state) {
  (void)state;
  SB_TEST_NEED_PYTHON();
  char hp[512], spec[4096], tp[512];
  snprintf(hp, sizeof hp, "%s/hdr.json", dir);
  snprintf(tp, sizeof tp, "%s/hdr.sbt.gz", dir);
  FILE *f = fopen(hp, "w");
  fputs("{\"n\": 5, \"feature_names\": [\"I\", \"liked\", \"it\", \"a\", \"lot\"], "
        "\"value_meaning\": \"logit\", \"model\": \"toy\"}", f);
  fclose(f);
  snprintf(spec, sizeof spec, "command:cmd=python3 %s,n=5,trace=%s,header=%s", model, tp, hp);
  sb_dataset *d = NULL;
  sb_error e = {0};
  int rc = sb_dataset_open(spec, &d, &e);
  if (rc) print_error("%s\n", e.msg);
  assert_int_equal(rc, SB_OK);
  assert_string_equal(d->feature_names[1], "liked");
  assert_string_equal(d->value_meaning, "logit");
  sb_masks *m = first_masks(5, 3);
  double out[3];
  assert_int_equal(sb_dataset_eval(d, m, out, &e), SB_OK);
  sb_dataset_free(d);
  sb_trace *t = NULL;
  assert_int_equal(sb_trace_read(tp, 0, &t, NULL, &e), SB_OK);
  assert_string_equal(t->h.feature_names[4], "lot");
  assert_string_equal(t->h.model, "toy");
  assert_non_null(strstr(t->h.source, "command: python3"));
  sb_trace_free(t);
  /* n disagreeing with the header file */
  snprintf(spec, sizeof spec, "command:cmd=true,n=6,trace=%s/hdr6.sbt.gz,header=%s", dir, hp);
  assert_int_not_equal(sb_dataset_open(spec, &d, &e), SB_OK);
  assert_non_null(strstr(e.msg, "hdr.json"));
  sb_masks_free(m);
}

/* Two processes recording to one trace at once (the runner's workers, or two
 * sweeps): the lock is held only per batch write, so neither waits for the other
 * to finish; each picks up what the other appended; the file stays a valid trace
 * (strict read: every trailer's running count right) holding the union, each mask
 * once, nothing lost.  A dataset merely open (not evaluating) blocks nobody. */
static void test_concurrent_users(void **state) {
  (void)state;
  SB_TEST_NEED_PYTHON();
  char args[600];
  snprintf(args, sizeof args, "--log %s/conc.log", dir);
  sb_dataset *idle = NULL;
  sb_error e = {0};
  assert_int_equal(open_model(args, 6, "conc.sbt.gz", 2, 10, &idle, &e), SB_OK);
  int sync[2];
  assert_int_equal(pipe(sync), 0);
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    char ch;
    close(sync[1]);
    alarm(60);
    if (read(sync[0], &ch, 1) != 1) _exit(12);
    sb_dataset *d2 = NULL;
    sb_error e2 = {0};
    if (open_model(args, 6, "conc.sbt.gz", 2, 10, &d2, &e2)) _exit(10);
    sb_masks *m = first_masks(6, 40); /* masks 0..39, batches of 2 */
    double out[40];
    int rc = sb_dataset_eval(d2, m, out, &e2);
    for (size_t j = 0; !rc && j < 40; j++) rc = out[j] != truth(j);
    sb_dataset_free(d2);
    sb_masks_free(m);
    _exit(rc ? 11 : 0);
  }
  close(sync[0]);
  sb_dataset *d1 = NULL;
  assert_int_equal(open_model(args, 6, "conc.sbt.gz", 2, 10, &d1, &e), SB_OK);
  assert_int_equal(write(sync[1], "x", 1), 1);
  close(sync[1]);
  sb_masks *m = sb_masks_alloc(6, 0); /* masks 20..63 */
  for (uint64_t x = 20; x < 64; x++) sb_masks_push(m, &x);
  double out[64];
  int rc = sb_dataset_eval(d1, m, out, &e);
  if (rc) print_error("%s\n", e.msg);
  assert_int_equal(rc, SB_OK);
  for (size_t j = 0; j < m->count; j++) assert_true(out[j] == truth(20 + j));
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
  assert_int_equal(trace_count("conc.sbt.gz"), 64);
  /* The idle dataset picks up both writers' answers: nothing is asked again. */
  size_t asked = log_lines("conc.log");
  assert_true(asked >= 64 && asked <= 84); /* overlap 20..39 asked at most twice */
  sb_masks_free(m);
  m = first_masks(6, 64);
  assert_int_equal(sb_dataset_eval(idle, m, out, &e), SB_OK);
  for (size_t j = 0; j < 64; j++) assert_true(out[j] == truth(j));
  assert_int_equal(log_lines("conc.log"), asked);
  sb_dataset_free(d1);
  sb_dataset_free(idle);
  sb_masks_free(m);
}

static void test_bad_params(void **state) {
  (void)state;
  sb_dataset *d = NULL;
  sb_error e = {0};
  assert_int_not_equal(sb_dataset_open("command:n=4", &d, &e), SB_OK);
  assert_non_null(strstr(e.msg, "cmd"));
  assert_int_not_equal(sb_dataset_open("command:cmd=true,n=0", &d, &e), SB_OK);
  assert_int_not_equal(sb_dataset_open("command:cmd=true,n=4,timeout=0", &d, &e), SB_OK);
  assert_int_not_equal(sb_dataset_open("command:cmd=true,n=4,bogus=1", &d, &e), SB_OK);
  assert_null(d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_answers_and_resume), cmocka_unit_test(test_dies_mid_batch),
      cmocka_unit_test(test_dies_once_retried),
      cmocka_unit_test(test_dies_at_start),      cmocka_unit_test(test_hangs),
      cmocka_unit_test(test_garbage),            cmocka_unit_test(test_nan),
      cmocka_unit_test(test_too_few_lines),      cmocka_unit_test(test_too_many_lines),
      cmocka_unit_test(test_no_batch_end),
      cmocka_unit_test(test_not_found),          cmocka_unit_test(test_resume_damaged),
      cmocka_unit_test(test_header_file),        cmocka_unit_test(test_concurrent_users),
      cmocka_unit_test(test_bad_params),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
