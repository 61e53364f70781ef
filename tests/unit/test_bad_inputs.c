/* Bad inputs below the CLI (issue 7): JSON spectra that are malformed, of the
 * wrong types or out of range; rank-deficient and singular regressions;
 * constant functions (R² denominator zero); writes that fail with ENOSPC
 * (/dev/full) or EFBIG (RLIMIT_FSIZE); NaN metrics shown as empty CSV fields.
 * Each case asserts an error code and a message naming the file and position,
 * or a well-defined result, and that nothing half-written is left behind. */
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "algos/algo.h"
#include "core/fsutil.h"
#include "core/seed.h"
#include "core/spectrum.h"
#include "linalg/regress.h"
#include "metrics/metrics.h"
#include "runner/runner.h"
#include "trace/npz.h"

/* ==== helpers ============================================================ */

static void write_text(const char *path, const char *text, size_t len) {
  FILE *fp = fopen(path, "wb");
  assert_non_null(fp);
  if (len) assert_int_equal(fwrite(text, 1, len, fp), len);
  fclose(fp);
}

/* Number of entries in `dir` whose name contains ".tmp." (leftover temp files). */
static int count_tmp(const char *dir) {
  DIR *d = opendir(dir);
  assert_non_null(d);
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d))) n += strstr(e->d_name, ".tmp.") != NULL;
  closedir(d);
  return n;
}

static void expect_msg(const sb_error *e, const char *a, const char *b) {
  if (!strstr(e->msg, a) || (b && !strstr(e->msg, b)))
    fail_msg("message '%s' lacks '%s'%s%s", e->msg, a, b ? " / " : "", b ? b : "");
}

/* ==== JSON spectra ======================================================= */

typedef struct bad_json {
  const char *name, *text, *want; /* want: a substring of the message after the path */
} bad_json;

static const bad_json BAD_SPECTRA[] = {
    /* malformed: jansson's line:column */
    {"truncated", "{\"basis\": \"fourier\", \"n\": 4, \"terms\": [", ":1:"},
    {"garbage", "\n\nnot json", ":3:"},
    {"empty", "", ":"},
    {"trailing comma", "{\"basis\":\"fourier\",\"n\":4,\"terms\":[],}", ":1:"},
    {"overflowing real", "{\"basis\":\"fourier\",\"n\":2,\"terms\":[{\"set\":[],\"value\":1e999}]}",
     "real number overflow"},
    /* wrong types */
    {"array root", "[1, 2]", "expected a JSON object"},
    {"basis number", "{\"basis\": 1, \"n\": 4, \"terms\": []}", "\"basis\" must be"},
    {"basis unknown", "{\"basis\": \"walsh\", \"n\": 4, \"terms\": []}", "\"basis\" must be"},
    {"n string", "{\"basis\": \"fourier\", \"n\": \"4\", \"terms\": []}", "\"n\" must be"},
    {"n real", "{\"basis\": \"fourier\", \"n\": 4.0, \"terms\": []}", "\"n\" must be"},
    {"terms object", "{\"basis\": \"fourier\", \"n\": 4, \"terms\": {}}", "\"terms\" must be"},
    {"terms missing", "{\"basis\": \"fourier\", \"n\": 4}", "\"terms\" must be"},
    {"term not object", "{\"basis\":\"fourier\",\"n\":4,\"terms\":[{\"set\":[],\"value\":1},7]}",
     "term 1: expected"},
    {"set not array", "{\"basis\":\"fourier\",\"n\":4,\"terms\":[{\"set\":3,\"value\":1}]}",
     "term 0: expected"},
    {"value string", "{\"basis\":\"fourier\",\"n\":4,\"terms\":[{\"set\":[1],\"value\":\"1\"}]}",
     "term 0: expected"},
    {"value null", "{\"basis\":\"fourier\",\"n\":4,\"terms\":[{\"set\":[1],\"value\":null}]}",
     "term 0: expected"},
    {"index real", "{\"basis\":\"fourier\",\"n\":4,\"terms\":[{\"set\":[1.0],\"value\":1}]}",
     "term 0: set element 0 is not an integer in 0..3"},
    /* out of range */
    {"n zero", "{\"basis\": \"fourier\", \"n\": 0, \"terms\": []}", "\"n\" must be an integer in 1..1048576"},
    {"n too large", "{\"basis\": \"mobius\", \"n\": 1048577, \"terms\": []}", "1..1048576"},
    {"n negative", "{\"basis\": \"mobius\", \"n\": -3, \"terms\": []}", "1..1048576"},
    {"index = n", "{\"basis\":\"fourier\",\"n\":4,\"terms\":[{\"set\":[0,4],\"value\":1}]}",
     "term 0: set element 1 is not an integer in 0..3"},
    {"index negative",
     "{\"basis\":\"fourier\",\"n\":4,\"terms\":[{\"set\":[],\"value\":1},{\"set\":[-1],\"value\":1}]}",
     "term 1: set element 0 is not an integer in 0..3"},
    {"index huge", "{\"basis\":\"fourier\",\"n\":4,\"terms\":[{\"set\":[9223372036854775807],\"value\":1}]}",
     "term 0: set element 0"},
    {"feature repeated", "{\"basis\":\"fourier\",\"n\":4,\"terms\":[{\"set\":[2,2],\"value\":1}]}",
     "term 0: feature 2 repeated"},
    {"set twice",
     "{\"basis\":\"fourier\",\"n\":4,\"terms\":[{\"set\":[1,2],\"value\":1},{\"set\":[2,1],\"value\":1}]}",
     "term 1: set listed twice"},
};

static void test_spectrum_json_bad(void **state) {
  (void)state;
  char path[512];
  snprintf(path, sizeof path, "%s/spectrum.json", sb_test_tmpdir());
  for (size_t i = 0; i < sizeof BAD_SPECTRA / sizeof *BAD_SPECTRA; i++) {
    const bad_json *b = &BAD_SPECTRA[i];
    write_text(path, b->text, strlen(b->text));
    sb_error err = {0};
    sb_spectrum *s = sb_spectrum_read_json(path, &err);
    if (s) fail_msg("%s: accepted", b->name);
    if (err.code != SB_EFORMAT) fail_msg("%s: code %d (%s)", b->name, err.code, err.msg);
    /* the message names the file, then the position or the term */
    if (strncmp(err.msg, path, strlen(path)) != 0 || !strstr(err.msg, b->want))
      fail_msg("%s: message '%s' lacks '%s: ...%s'", b->name, err.msg, path, b->want);
  }
}

static void test_spectrum_json_nul_and_missing(void **state) {
  (void)state;
  char path[512];
  snprintf(path, sizeof path, "%s/nul.json", sb_test_tmpdir());
  write_text(path, "{\"basis\":\"fourier\",\0\"n\":2}", 27);
  sb_error err = {0};
  assert_null(sb_spectrum_read_json(path, &err));
  expect_msg(&err, path, ":1:");
  snprintf(path, sizeof path, "%s/no-such-file.json", sb_test_tmpdir());
  assert_null(sb_spectrum_read_json(path, &err));
  expect_msg(&err, path, NULL);
}

/* ==== regressions ======================================================== */

/* A design whose columns 0 and 1 are identical: rank p - 1, the minimum-norm
 * solution splits the weight evenly, and ridge stays finite. */
static void test_lstsq_duplicated_columns(void **state) {
  (void)state;
  size_t m = 20, p = 3;
  gsl_matrix *X = gsl_matrix_alloc(m, p);
  gsl_vector *y = gsl_vector_alloc(m), *beta = gsl_vector_alloc(p);
  gsl_rng *r = sb_rng_alloc(5);
  for (size_t i = 0; i < m; i++) {
    double a = gsl_rng_uniform(r) - 0.5, b = gsl_rng_uniform(r) - 0.5;
    gsl_matrix_set(X, i, 0, a);
    gsl_matrix_set(X, i, 1, a);
    gsl_matrix_set(X, i, 2, b);
    gsl_vector_set(y, i, 2 * a + 3 * b);
  }
  size_t rank = 99;
  sb_error err = {0};
  assert_int_equal(sb_lstsq(X, y, NULL, 1e-10, beta, &rank, &err), SB_OK);
  assert_int_equal(rank, 2);
  assert_close(gsl_vector_get(beta, 0), 1.0, 1e-9);
  assert_close(gsl_vector_get(beta, 1), 1.0, 1e-9);
  assert_close(gsl_vector_get(beta, 2), 3.0, 1e-9);
  /* off the column space: least squares (α = 0) must not divide the residual by
   * the zero singular value (that gave |β| ~ 1e15 before regress.c cut it off) */
  for (size_t i = 0; i < m; i++) gsl_vector_set(y, i, gsl_vector_get(y, i) + 0.1 * (gsl_rng_uniform(r) - 0.5));
  double alphas[3] = {0, 1e-3, 1}, b0 = NAN, chosen = NAN;
  assert_int_equal(sb_ridge_cv(X, y, NULL, 1, alphas, 1, SB_RIDGE_GCV, beta, &b0, NULL, &err),
                   SB_OK);
  assert_close(gsl_vector_get(beta, 0), gsl_vector_get(beta, 1), 1e-6);
  assert_true(fabs(gsl_vector_get(beta, 0)) < 10 && fabs(gsl_vector_get(beta, 2)) < 10);
  assert_int_equal(sb_ridge_cv(X, y, NULL, 1, alphas, 3, SB_RIDGE_GCV, beta, &b0, &chosen, &err),
                   SB_OK);
  for (size_t j = 0; j < p; j++) assert_true(isfinite(gsl_vector_get(beta, j)));
  assert_true(isfinite(b0) && isfinite(chosen));
  assert_close(gsl_vector_get(beta, 0), gsl_vector_get(beta, 1), 1e-9);
  gsl_matrix_free(X);
  gsl_vector_free(y);
  gsl_vector_free(beta);
  gsl_rng_free(r);
}

/* All-zero design, constant response, more columns than rows: no NaN, no abort. */
static void test_lstsq_singular(void **state) {
  (void)state;
  size_t m = 3, p = 5;
  gsl_matrix *X = gsl_matrix_calloc(m, p);
  gsl_vector *y = gsl_vector_alloc(m), *beta = gsl_vector_alloc(p);
  gsl_vector_set_all(y, 4.0);
  size_t rank = 99;
  sb_error err = {0};
  int rc = sb_lstsq(X, y, NULL, 1e-10, beta, &rank, &err);
  if (rc == SB_OK) {
    assert_int_equal(rank, 0);
    for (size_t j = 0; j < p; j++) assert_close(gsl_vector_get(beta, j), 0.0, 0);
  } else {
    assert_true(err.msg[0] != '\0');
  }
  double alphas[4] = {0, 1e-6, 1, 1e6}, b0 = NAN;
  rc = sb_ridge_cv(X, y, NULL, 1, alphas, 4, SB_RIDGE_GCV, beta, &b0, NULL, &err);
  if (rc == SB_OK) {
    assert_close(b0, 4.0, 1e-12);
    for (size_t j = 0; j < p; j++) assert_close(gsl_vector_get(beta, j), 0.0, 1e-12);
  } else {
    assert_true(err.msg[0] != '\0');
  }
  rc = sb_ridge_cv(X, y, NULL, 1, alphas, 4, SB_RIDGE_LOO, beta, &b0, NULL, &err);
  if (rc == SB_OK) assert_close(b0, 4.0, 1e-12);
  else assert_true(err.msg[0] != '\0');
  gsl_matrix_free(X);
  gsl_vector_free(y);
  gsl_vector_free(beta);
}

/* ==== constant functions ================================================= */

static int const_eval(void *ctx, const uint64_t *masks, size_t count, double *out,
                      sb_error *err) {
  (void)ctx, (void)masks, (void)err;
  for (size_t j = 0; j < count; j++) out[j] = 2.5;
  return SB_OK;
}

/* faith-banzhaf (ℓ = 1 and 2, α auto and 0) on a constant function: a finite
 * surrogate equal to the constant; R² has a zero denominator and is NaN. */
static void test_faith_banzhaf_constant(void **state) {
  (void)state;
  const char *specs[] = {"faith-banzhaf:order=1", "faith-banzhaf:order=2",
                         "faith-banzhaf:order=2,alpha=0", "faith-banzhaf:order=1,alpha=0"};
  size_t n = 8;
  for (size_t s = 0; s < 4; s++) {
    const sb_algo_type *t = NULL;
    sb_params *params = NULL;
    sb_error err = {0};
    assert_int_equal(sb_algo_parse(specs[s], &t, &params, &err), SB_OK);
    gsl_rng *rng = sb_rng_alloc(11);
    size_t budget = s == 2 ? 12 : 64; /* 12 < 37 features: underdetermined */
    sb_oracle *o = sb_oracle_alloc(n, const_eval, NULL, budget);
    sb_algo_ctx ctx = {n, budget, params, rng, 11, 12, 0, 1, 0};
    sb_fit fit = {0};
    int rc = sb_algo_execute(t, &ctx, o, &fit, &err);
    if (rc != SB_OK) fail_msg("%s: %s", specs[s], err.msg);
    assert_non_null(fit.surrogate);
    sb_masks *m = sb_masks_alloc(n, 50);
    for (size_t j = 0; j < 50; j++) sb_mask_random(sb_masks_at(m, j), n, rng);
    double yhat[50], y[50];
    sb_spectrum_eval_batch(fit.surrogate, m, yhat);
    for (size_t j = 0; j < 50; j++) {
      y[j] = 2.5;
      if (!(fabs(yhat[j] - 2.5) < 1e-6)) fail_msg("%s: g(x) = %g, expected 2.5", specs[s], yhat[j]);
    }
    assert_true(isnan(sb_r2(y, yhat, 50)));
    sb_masks_free(m);
    sb_fit_clear(&fit);
    sb_oracle_free(o);
    gsl_rng_free(rng);
    sb_params_free(params);
  }
}

/* ==== output: disk full and file-size limit ============================== */

/* ENOSPC at flush time (a stream on /dev/full): commit fails naming the file and
 * the reason, the temp file is gone and the old content is untouched. */
static void test_atomic_commit_enospc(void **state) {
  (void)state;
  FILE *full = fopen("/dev/full", "w");
  if (!full) skip();
  const char *dir = sb_test_tmpdir();
  char path[512];
  snprintf(path, sizeof path, "%s/kept.csv", dir);
  write_text(path, "old,content\n", 12);
  sb_atomic_file af;
  sb_error err = {0};
  assert_int_equal(sb_atomic_open(&af, path, &err), SB_OK);
  /* swap the stream for /dev/full, keeping the real temp file to be cleaned */
  fclose(af.fp);
  af.fp = full;
  for (int i = 0; i < 1000; i++) fprintf(af.fp, "row %d,1.0,2.0\n", i);
  assert_int_equal(sb_atomic_commit(&af, &err), SB_EIO);
  expect_msg(&err, path, "No space left on device");
  char *data = NULL;
  size_t len = 0;
  assert_int_equal(sb_read_file(path, &data, &len, &err), SB_OK);
  assert_string_equal(data, "old,content\n");
  free(data);
  assert_int_equal(count_tmp(dir), 0);
}

/* EFBIG under RLIMIT_FSIZE (a full quota, in a child so the limit does not leak):
 * sb_write_file_atomic and sb_json_write_atomic fail with a message. */
static void test_atomic_write_fsize(void **state) {
  (void)state;
  const char *dir = sb_test_tmpdir();
  char path[512], jpath[512];
  snprintf(path, sizeof path, "%s/big.bin", dir);
  snprintf(jpath, sizeof jpath, "%s/big.json", dir);
  write_text(path, "old", 3);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit rl = {4096, 4096};
    if (setrlimit(RLIMIT_FSIZE, &rl) != 0) _exit(2);
    static char buf[1 << 16];
    memset(buf, 'x', sizeof buf);
    sb_error err = {0};
    if (sb_write_file_atomic(path, buf, sizeof buf, &err) != SB_EIO) _exit(3);
    if (!strstr(err.msg, path) || !strstr(err.msg, "write failed: File too large")) _exit(4);
    json_t *j = json_object();
    json_object_set_new(j, "blob", json_stringn(buf, sizeof buf));
    int rc = sb_json_write_atomic(j, jpath, &err);
    json_decref(j);
    if (rc != SB_EIO || !strstr(err.msg, jpath)) _exit(5);
    _exit(0);
  }
  int st = 0;
  assert_int_equal(waitpid(pid, &st, 0), pid);
  assert_true(WIFEXITED(st));
  assert_int_equal(WEXITSTATUS(st), 0);
  char *data = NULL;
  sb_error err = {0};
  assert_int_equal(sb_read_file(path, &data, NULL, &err), SB_OK);
  assert_string_equal(data, "old");
  free(data);
  assert_false(sb_file_exists(jpath));
  assert_int_equal(count_tmp(dir), 0);
}

/* An atomic write never replaces a non-regular file (FIFO, directory): before,
 * `spexbench fit --coefficients /dev/full` run as root renamed a regular file
 * over the device node. */
static void test_atomic_refuses_special_files(void **state) {
  (void)state;
  const char *dir = sb_test_tmpdir();
  char fifo[512], sub[512];
  snprintf(fifo, sizeof fifo, "%s/fifo", dir);
  snprintf(sub, sizeof sub, "%s/subdir", dir);
  assert_int_equal(mkfifo(fifo, 0600), 0);
  assert_int_equal(mkdir(sub, 0700), 0);
  const char *paths[] = {fifo, sub};
  for (size_t i = 0; i < 2; i++) {
    sb_error err = {0};
    assert_int_equal(sb_write_file_atomic(paths[i], "x", 1, &err), SB_EIO);
    expect_msg(&err, paths[i], "not a regular file");
  }
  struct stat st;
  assert_int_equal(stat(fifo, &st), 0);
  assert_true(S_ISFIFO(st.st_mode));
  assert_int_equal(stat(sub, &st), 0);
  assert_true(S_ISDIR(st.st_mode));
  assert_int_equal(count_tmp(dir), 0);
}

static void test_mkdir_under_file(void **state) {
  (void)state;
  char file[512], sub[600];
  snprintf(file, sizeof file, "%s/regular", sb_test_tmpdir());
  write_text(file, "x", 1);
  snprintf(sub, sizeof sub, "%s/results/runs", file);
  sb_error err = {0};
  assert_int_equal(sb_mkdir_p(sub, &err), SB_EIO);
  expect_msg(&err, file, "Not a directory");
}

/* ==== NaN metrics in the CSV ============================================= */

/* A result whose R² is NaN (stored as null) gives empty CSV fields, and a run
 * without a result gives no row; summary.csv does not count the NaN. */
static void test_report_nan_empty(void **state) {
  (void)state;
  const char *dir = sb_test_tmpdir();
  char cfg[512], out[512], csv[600];
  snprintf(cfg, sizeof cfg, "%s/cnst.ini", dir);
  snprintf(out, sizeof out, "%s/cnst-out", dir);
  const char *text = "[experiment]\nname = cnst\nbudgets = 8, 16, 32\nheldout = 0\n"
                     "[dataset d]\nfamily = fourier\nn = 3\nk = 1\n[algorithm exhaustive]\n";
  write_text(cfg, text, strlen(text));
  sb_config *c = NULL;
  sb_error err = {0};
  assert_int_equal(sb_config_load(cfg, &c, &err), SB_OK);
  assert_int_equal(c->n_runs, 3);
  json_t *res[3] = {NULL, NULL, NULL};
  for (size_t i = 0; i < 2; i++) {
    res[i] = json_object();
    json_object_set_new(res[i], "id", json_string(c->runs[i].id));
    json_object_set_new(res[i], "group", json_string(c->runs[i].group));
    json_object_set_new(res[i], "algorithm", json_string("exhaustive"));
    json_object_set_new(res[i], "algo_label", json_string("exhaustive"));
    json_object_set_new(res[i], "budget", json_integer((json_int_t)c->runs[i].budget));
    json_object_set_new(res[i], "status", json_string("ok"));
    json_object_set_new(res[i], "message", json_string(""));
    json_object_set_new(res[i], "queries_used", json_integer(8));
    json_object_set_new(res[i], "r2_heldout", json_null());
    json_object_set_new(res[i], "r2_exact", json_null());
  }
  assert_int_equal(sb_mkdir_p(out, &err), SB_OK);
  if (sb_report_write(c, out, res, NULL, 0, &err) != SB_OK) fail_msg("report: %s", err.msg);
  snprintf(csv, sizeof csv, "%s/runs.csv", out);
  char *data = NULL;
  assert_int_equal(sb_read_file(csv, &data, NULL, &err), SB_OK);
  /* header + 2 rows; the r2 columns of each row are empty */
  size_t lines = 0;
  for (char *p = data; *p; p++) lines += *p == '\n';
  assert_int_equal(lines, 3);
  assert_null(strstr(data, "nan"));
  assert_null(strstr(data, "NaN"));
  assert_non_null(strstr(data, ",ok,,8,,,"));
  free(data);
  assert_int_equal(count_tmp(out), 0);
  for (size_t i = 0; i < 3; i++) json_decref(res[i]);
  sb_config_free(c);
}

/* ==== regressions found by the fuzzers ================================== */

/* fuzz_npz: a 55-byte file with a ZIP64 end-of-central-directory locator made
 * zip_find_cdir compute len - 56 in size_t (wrapping) and read far out of bounds
 * (npz.c).  Now a format error naming the file. */
static void test_fuzz_npz_zip64_short(void **state) {
  (void)state;
  static const unsigned char crash[] =
      "\x50\x4b\x03\x04\x14\x00\x00\x14\x23\x5b\xf2\xd3\x3b\x50\x4b\x06\x07\x84\x00"
      "\x00\x00\x0d\x00\x00\x00\x00\x04\x00\x00\x00\x6e\x70\x79\x50\x4b\x05\x06\x00"
      "\x00\x00\x00\x03\x00\xff\xff\xae\x00\x00\x00\x74\x01\x00\x00\x00\x00";
  sb_npz_game *g = NULL;
  sb_error err = {0};
  assert_int_equal(sb_npz_game_parse(crash, sizeof crash - 1, "crash.npz", &g, &err), SB_EFORMAT);
  assert_null(g);
  expect_msg(&err, "crash.npz: ", NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_spectrum_json_bad),
      cmocka_unit_test(test_spectrum_json_nul_and_missing),
      cmocka_unit_test(test_lstsq_duplicated_columns),
      cmocka_unit_test(test_lstsq_singular),
      cmocka_unit_test(test_faith_banzhaf_constant),
      cmocka_unit_test(test_atomic_commit_enospc),
      cmocka_unit_test(test_atomic_write_fsize),
      cmocka_unit_test(test_atomic_refuses_special_files),
      cmocka_unit_test(test_mkdir_under_file),
      cmocka_unit_test(test_report_nan_empty),
      cmocka_unit_test(test_fuzz_npz_zip64_short),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
