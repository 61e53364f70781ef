/* The `external` algorithm (src/algos/external.c, external_proc.c) and the
 * pass-through parameters it relies on (core/params.c, SB_PARAM_EXTRA).
 *
 * Programs under tests/external/ are run with Debian's /usr/bin/python3:
 *  - probe.py checks from the program's side that repeats are free and a batch
 *    crossing the budget is refused whole; here we check the oracle's counts;
 *  - fb1.py re-implements faith-banzhaf:order=1 on the masks the built-in draws
 *    (the protocol's "design" request): same coefficients and R² to 1e-9;
 *  - faulty.py misbehaves in every way the protocol must survive: each is a
 *    failed run whose message names the program and the fault, within the timeout;
 * and a program is killed with its whole process group when the harness dies. */
#include "testutil.h"

#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "algos/algo.h"
#include "core/seed.h"
#include "core/timer.h"
#include "data/dataset.h"
#include "metrics/metrics.h"

#define PY "/usr/bin/python3"
#define DATASET "fourier:n=8,k=12,degree=3,seed=5"

static int have_python(void) {
  if (access(PY, X_OK) == 0) return 1;
  print_message(PY " not found: skipping\n");
  return 0;
}

/* "cmd=/usr/bin/python3 SRC/tests/external/PROG[,extra]" */
static void algo_spec(char *buf, size_t len, const char *prog, const char *extra) {
  snprintf(buf, len, "external:cmd=" PY " %s/tests/external/%s%s%s", SB_SOURCE_DIR, prog,
           extra && *extra ? "," : "", extra ? extra : "");
}

typedef struct run {
  sb_dataset *d;
  sb_oracle *oracle;
  sb_fit fit;
  int rc;
  sb_error err;
} run;

/* One run of `spec` on DATASET with the given run seed and budget. */
static void run_algo(run *r, const char *spec, uint64_t seed, size_t budget) {
  memset(r, 0, sizeof *r);
  assert_int_equal(sb_dataset_open(DATASET, &r->d, &r->err), SB_OK);
  const sb_algo_type *t;
  sb_params *p;
  if (sb_algo_parse(spec, &t, &p, &r->err)) print_error("%s\n", r->err.msg);
  assert_non_null(t);
  gsl_rng *rng = sb_rng_alloc(seed);
  r->oracle = sb_oracle_alloc(r->d->n, r->d->eval, r->d->ctx, budget);
  sb_algo_ctx ctx = {r->d->n, budget, p, rng, seed, seed ^ 1, 0.0, 1, 0};
  r->rc = sb_algo_execute(t, &ctx, r->oracle, &r->fit, &r->err);
  gsl_rng_free(rng);
  sb_params_free(p);
}

static void run_free(run *r) {
  sb_fit_clear(&r->fit);
  sb_oracle_free(r->oracle);
  sb_dataset_free(r->d);
}

/* ---- pass-through parameters --------------------------------------------- */

static void test_params_extra(void **st) {
  static const sb_param_def with[] = {
      {"cmd", SB_PARAM_STRING, NULL, NULL, "program"},
      {"timeout", SB_PARAM_DOUBLE, "5", NULL, "seconds"},
      {"KEY", SB_PARAM_EXTRA, NULL, NULL, "passed through"},
      {NULL, 0, NULL, NULL, NULL},
  };
  static const sb_param_def without[] = {
      {"cmd", SB_PARAM_STRING, NULL, NULL, "program"},
      {NULL, 0, NULL, NULL, NULL},
  };
  sb_params *p = NULL;
  sb_error err = {0};
  assert_int_equal(sb_params_parse("cmd=x, ridge=0.5,my.key-2=a b", with, "t", &p, &err), SB_OK);
  assert_string_equal(sb_params_str(p, "ridge"), "0.5");
  assert_string_equal(sb_params_str(p, "my.key-2"), "a b");
  assert_true(sb_params_is_extra(p, "ridge"));
  assert_false(sb_params_is_extra(p, "cmd"));
  assert_false(sb_params_is_extra(p, "timeout"));
  assert_null(sb_params_str(p, "absent")); /* no default for keys not given */
  assert_close(sb_params_double(p, "timeout"), 5.0, 0);
  char *canon = sb_params_canonical(p);
  assert_string_equal(canon, "cmd=x,my.key-2=a b,ridge=0.5"); /* part of the run's id */
  free(canon);
  sb_params *c = sb_params_clone(p);
  assert_non_null(c);
  assert_string_equal(sb_params_str(c, "ridge"), "0.5");
  sb_params_free(c);
  sb_params_free(p);
  /* required keys still required; an extra key given twice is an error */
  assert_int_equal(sb_params_parse("ridge=1", with, "t", &p, &err), SB_EINVAL);
  assert_non_null(strstr(err.msg, "'cmd' is required"));
  assert_int_equal(sb_params_parse("cmd=x,a=1,a=2", with, "t", &p, &err), SB_EINVAL);
  assert_non_null(strstr(err.msg, "given twice"));
  /* not a plain key */
  assert_int_equal(sb_params_parse("cmd=x,1a=2", with, "t", &p, &err), SB_EINVAL);
  assert_non_null(strstr(err.msg, "not a plain key"));
  assert_int_equal(sb_params_parse("cmd=x,a b=2", with, "t", &p, &err), SB_EINVAL);
  /* a table without the entry is as strict as before */
  assert_int_equal(sb_params_parse("cmd=x,ridge=1", without, "t", &p, &err), SB_EINVAL);
  assert_non_null(strstr(err.msg, "unknown parameter 'ridge' (valid: cmd)"));
  assert_ptr_equal(sb_param_def_find(with, "zzz"), &with[2]);
  assert_ptr_equal(sb_param_def_find(with, "timeout"), &with[1]);
  assert_null(sb_param_def_find(with, "9z"));
  assert_null(sb_param_def_find(without, "zzz"));
}

/* ---- budget and repeats --------------------------------------------------- */

static void test_budget_and_repeats(void **st) {
  if (!have_python()) skip();
  char spec[4300];
  algo_spec(spec, sizeof spec, "probe.py", NULL);
  run r;
  run_algo(&r, spec, 42, 16);
  if (r.rc) print_error("%s\n", r.err.msg);
  assert_int_equal(r.rc, SB_OK);
  assert_non_null(strstr(r.fit.info, "probe=passed")); /* the program's own checks */
  assert_non_null(strstr(r.fit.info, "refused=2"));
  assert_int_equal(sb_oracle_used(r.oracle), 16); /* never more than the budget */
  assert_true(sb_oracle_asked(r.oracle) > sb_oracle_used(r.oracle) + 8); /* repeats were free */
  run_free(&r);
  /* a program that does not catch the refusal: a failed run naming the fault,
   * and still nothing counted beyond what was answered */
  algo_spec(spec, sizeof spec, "faulty.py", "mode=over_budget");
  run_algo(&r, spec, 42, 16);
  assert_int_equal(r.rc, SB_EORACLE);
  assert_non_null(strstr(r.err.msg, "BudgetExceeded"));
  assert_non_null(strstr(r.err.msg, "budget is 16"));
  assert_int_equal(sb_oracle_used(r.oracle), 0);
  run_free(&r);
}

/* ---- the same design as a built-in ---------------------------------------- */

static double heldout_r2(const sb_dataset *d, const sb_spectrum *g) {
  sb_heldout *h = NULL;
  sb_error err = {0};
  assert_int_equal(sb_heldout_make(d, 2000, SB_HELDOUT_UNIFORM, 99, &h, &err), SB_OK);
  double r2 = NAN;
  assert_int_equal(sb_r2_heldout(h, g, &r2, &err), SB_OK);
  sb_heldout_free(h);
  return r2;
}

static void compare_fb1(run *builtin, run *ext) {
  if (ext->rc) print_error("%s\n", ext->err.msg);
  assert_int_equal(ext->rc, SB_OK);
  const sb_spectrum *a = builtin->fit.surrogate, *b = ext->fit.surrogate;
  assert_int_equal(b->basis, SB_BASIS_FOURIER);
  assert_int_equal(sb_spectrum_size(a), sb_spectrum_size(b));
  for (size_t i = 0; i < sb_spectrum_size(a); i++)
    assert_close(sb_spectrum_get(b, sb_spectrum_key(a, i)), a->values[i], 1e-9);
  double ra = heldout_r2(builtin->d, a), rb = heldout_r2(ext->d, b);
  assert_true(ra > 0.1 && ra < 0.999); /* a degree-3 function: order 1 is only part of it */
  assert_close(rb, ra, 1e-9);
  double pa, pb;
  sb_error err;
  assert_int_equal(sb_r2_parseval(builtin->d->truth, a, &pa, &err), SB_OK);
  assert_int_equal(sb_r2_parseval(ext->d->truth, b, &pb, &err), SB_OK);
  assert_close(pb, pa, 1e-9);
  assert_int_equal(sb_oracle_used(ext->oracle), sb_oracle_used(builtin->oracle));
}

static void test_same_design_as_faith_banzhaf(void **st) {
  if (!have_python()) skip();
  run fb, ext;
  run_algo(&fb, "faith-banzhaf:order=1,alpha=0", 1234, 60);
  assert_int_equal(fb.rc, SB_OK);
  char spec[4300];
  /* the default design seed is the run's own seed */
  algo_spec(spec, sizeof spec, "fb1.py", NULL);
  run_algo(&ext, spec, 1234, 60);
  compare_fb1(&fb, &ext);
  run_free(&ext);
  /* another run seed, the built-in's seed named explicitly (as the CLI test does) */
  algo_spec(spec, sizeof spec, "fb1.py", "design_seed=00000000000004d2");
  run_algo(&ext, spec, 777, 60);
  compare_fb1(&fb, &ext);
  run_free(&ext);
  run_free(&fb);
}

/* ---- faults ---------------------------------------------------------------- */

static void test_faults(void **st) {
  if (!have_python()) skip();
  static const struct {
    const char *mode;
    const char *expect;
  } cases[] = {
      {"bad_json", "is not a JSON object"},
      {"unknown_op", "no known \"op\""},
      {"bad_mask", "masks[0] is not 8 characters"},
      {"malformed", "\"terms\" must be an array"},
      {"wrong_n", "result spectrum has n = 9, this run has n = 8"},
      {"nan", "is not a JSON object"},
      {"raise", "reported failure: ValueError: deliberate failure in fit"},
      {"exit", "process exited with status 7"},
      {"hang", "no message within 1 s (timeout)"},
      {"flood", "last words of the flood"},
      {"flood_hang", "no message within 1 s (timeout)"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char spec[4300], extra[64];
    /* timeout 1 s where the fault is silence; generous elsewhere (a loaded machine) */
    int silent = strstr(cases[i].expect, "timeout") != NULL;
    snprintf(extra, sizeof extra, "mode=%s,timeout=%d,name=faulty", cases[i].mode,
             silent ? 1 : 60);
    algo_spec(spec, sizeof spec, "faulty.py", extra);
    run r;
    double t0 = sb_wall_seconds();
    run_algo(&r, spec, 1, 16);
    double dt = sb_wall_seconds() - t0;
    if (r.rc == SB_OK || !strstr(r.err.msg, cases[i].expect) ||
        !strstr(r.err.msg, "external 'faulty': "))
      print_error("mode %s: rc %d: %s\n", cases[i].mode, r.rc, r.err.msg);
    assert_int_not_equal(r.rc, SB_OK);
    assert_non_null(strstr(r.err.msg, "external 'faulty': "));
    assert_non_null(strstr(r.err.msg, cases[i].expect));
    assert_null(r.fit.surrogate);
    assert_true(dt < (silent ? 10 : 60)); /* never hangs: timeout, kill, reap */
    run_free(&r);
  }
  /* "exit" kept its stderr: the last words are in the message */
  char spec[4300];
  algo_spec(spec, sizeof spec, "faulty.py", "mode=exit");
  run r;
  run_algo(&r, spec, 1, 16);
  assert_non_null(strstr(r.err.msg, "stderr ends: 'about to exit 7'"));
  assert_int_equal(sb_oracle_used(r.oracle), 1); /* the answered query still counts */
  run_free(&r);
  /* a command that does not exist, and one that prints nothing and exits */
  run_algo(&r, "external:cmd=/nonexistent/program", 1, 16);
  assert_non_null(strstr(r.err.msg, "status 127 (command not found?) before its first request"));
  run_free(&r);
  run_algo(&r, "external:cmd=true", 1, 16);
  assert_non_null(strstr(r.err.msg, "external 'true': closed its output: process exited with status 0"));
  run_free(&r);
}

/* ---- the process layer itself ----------------------------------------------- */

#include "algos/external_proc.h"

/* A large exchange with a program that answers while we are still writing (cat):
 * one poll loop sends and receives, so neither side blocks on a full socket. */
static void test_proc_no_deadlock(void **st) {
  sb_error err = {0};
  sb_xproc *p = sb_xproc_start("cat", 1 << 20, &err);
  assert_non_null(p);
  size_t lines = 20000, len = 200; /* 4 MB each way, far beyond any socket buffer */
  char *buf = malloc(len + 1);
  memset(buf, 'a', len - 1);
  buf[len - 1] = '\n';
  for (size_t i = 0; i < lines; i++) assert_int_equal(sb_xproc_queue(p, buf, len, &err), SB_OK);
  for (size_t i = 0; i < lines; i++) {
    char *line;
    size_t l;
    int rc = sb_xproc_next_line(p, 10.0, &line, &l, &err);
    if (rc) print_error("line %zu: %s\n", i, err.msg);
    assert_int_equal(rc, SB_OK);
    assert_int_equal(l, len - 1);
  }
  free(buf);
  sb_xproc_finish(p, 2.0);
  assert_string_equal(sb_xproc_status(p), "exited with status 0");
  sb_xproc_free(p);
}

/* A line beyond the limit (a flood without newlines) is a fault, not unbounded memory. */
static void test_proc_line_limit(void **st) {
  sb_error err = {0};
  sb_xproc *p = sb_xproc_start("yes | tr -d '\\n'", 65536, &err);
  assert_non_null(p);
  char *line;
  size_t l;
  assert_int_equal(sb_xproc_next_line(p, 10.0, &line, &l, &err), SB_EORACLE);
  assert_non_null(strstr(err.msg, "sent a line longer than 65536 bytes"));
  sb_xproc_free(p);
  /* stderr tail: the last lines, joined, control characters replaced */
  p = sb_xproc_start("printf 'one\\ntwo\\tx\\nthree\\n' >&2; exit 5", 1024, &err);
  assert_non_null(p);
  assert_int_equal(sb_xproc_next_line(p, 10.0, &line, &l, &err), SB_EORACLE);
  assert_non_null(strstr(err.msg, "closed its output: process exited with status 5"));
  char tail[64];
  size_t total;
  sb_xproc_stderr_tail(p, tail, sizeof tail, &total);
  assert_string_equal(tail, "one | two x | three");
  assert_int_equal(total, 16);
  sb_xproc_stderr_tail(p, tail, 12, NULL); /* only what fits, from the end */
  assert_string_equal(tail, "o x | three");
  sb_xproc_free(p);
}

/* ---- no child outlives the harness ---------------------------------------- */

/* Number of processes whose command line is exactly argv (NUL-separated). */
static int count_procs(const char *a0, const char *a1) {
  char want[128];
  size_t wl = (size_t)snprintf(want, sizeof want, "%s%c%s", a0, '\0', a1) + 1;
  DIR *dir = opendir("/proc");
  int found = 0;
  struct dirent *e;
  while (dir && (e = readdir(dir))) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    char path[300], buf[128];
    snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
    FILE *fp = fopen(path, "rb");
    if (!fp) continue;
    size_t k = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    if (k == wl && !memcmp(buf, want, wl)) found++;
  }
  if (dir) closedir(dir);
  return found;
}

static void wait_count(const char *a0, const char *a1, int want, double seconds) {
  double end = sb_wall_seconds() + seconds;
  while (count_procs(a0, a1) != want && sb_wall_seconds() < end) usleep(20000);
  assert_int_equal(count_procs(a0, a1), want);
}

static void test_children_die_with_the_harness(void **st) {
  /* a unique sleep (the shell does not exec it, so it is a grandchild) */
  char arg[32], spec[200];
  snprintf(arg, sizeof arg, "3000.%d", (int)getpid());
  /* 1. normal teardown after a fault kills the whole group */
  snprintf(spec, sizeof spec, "external:cmd=sleep %s; true,timeout=0.5", arg);
  run r;
  run_algo(&r, spec, 1, 16);
  assert_int_equal(r.rc, SB_EORACLE);
  wait_count("sleep", arg, 0, 2.0);
  run_free(&r);
  /* 2. the harness is SIGKILLed mid-run: the watchdog kills the group */
  snprintf(spec, sizeof spec, "external:cmd=sleep %s; true,timeout=60", arg);
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    run_algo(&r, spec, 1, 16);
    _exit(0);
  }
  wait_count("sleep", arg, 1, 5.0);
  kill(pid, SIGKILL);
  while (waitpid(pid, NULL, 0) < 0) {
  }
  wait_count("sleep", arg, 0, 3.0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_params_extra),
      cmocka_unit_test(test_budget_and_repeats),
      cmocka_unit_test(test_same_design_as_faith_banzhaf),
      cmocka_unit_test(test_faults),
      cmocka_unit_test(test_proc_no_deadlock),
      cmocka_unit_test(test_proc_line_limit),
      cmocka_unit_test(test_children_die_with_the_harness),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
