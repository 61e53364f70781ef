/* The runner module: configs (INI reader, grids, run definitions), seeds, run
 * identities, the results-directory check, and the held-out protocol of
 * sb_run_execute.  Each test is written to fail on a specific fault (a mutant or a
 * bug of the previous version): named in the comment above it. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "algos/algo.h"
#include "core/seed.h"
#include "data/dataset.h"
#include "metrics/metrics.h"
#include "runner/config.h"
#include "runner/runner.h"
#include "runner/shard.h"
#include "trace/npz.h"

static void write_text(const char *path, const char *text) {
  FILE *fp = fopen(path, "wb");
  assert_non_null(fp);
  assert_int_equal(fwrite(text, 1, strlen(text), fp), strlen(text));
  assert_int_equal(fclose(fp), 0);
}

/* Load `text` as DIR/c.ini; returns the status, *c set on success. */
static int load_text(const char *dir, const char *text, sb_config **c, sb_error *err) {
  char path[512];
  snprintf(path, sizeof path, "%s/c.ini", dir);
  write_text(path, text);
  return sb_config_load(path, c, err);
}

static sb_config *load_ok(const char *dir, const char *text) {
  sb_config *c = NULL;
  sb_error err = {0};
  int rc = load_text(dir, text, &c, &err);
  if (rc) print_error("%s\n", err.msg);
  assert_int_equal(rc, SB_OK);
  return c;
}

/* Expect a load error whose message contains every NULL-terminated fragment. */
static void load_fails(const char *dir, const char *text, const char *frag1, const char *frag2) {
  sb_config *c = NULL;
  sb_error err = {0};
  int rc = load_text(dir, text, &c, &err);
  if (rc == SB_OK) print_error("loaded, expected an error with '%s'\n", frag1);
  assert_int_not_equal(rc, SB_OK);
  assert_null(c);
  if (!strstr(err.msg, frag1) || (frag2 && !strstr(err.msg, frag2)))
    print_error("message '%s' lacks '%s' / '%s'\n", err.msg, frag1, frag2 ? frag2 : "");
  assert_non_null(strstr(err.msg, frag1));
  if (frag2) assert_non_null(strstr(err.msg, frag2));
}

static void write_table(const char *path, unsigned n, double scale) {
  size_t N = (size_t)1 << n;
  double *t = malloc(N * sizeof *t);
  for (size_t x = 0; x < N; x++) t[x] = scale * (double)__builtin_popcountll(x) + 0.25 * (double)(x & 1);
  sb_error err = {0};
  assert_int_equal(sb_npz_game_write(path, n, t, 1, t[0], &err), SB_OK);
  free(t);
}

#define BASE "[experiment]\nname = t\nbudgets = 64\nheldout = 100\n"
#define FOURIER "[dataset d]\nfamily = fourier\nn = 6\nk = 3\n"

/* ==== seeds =============================================================== */

/* Mutant: the seed derivation ignores the repetition (repetitions > 1 would be
 * identical runs counted as independent samples). */
static void test_run_seeds(void **state) {
  (void)state;
  uint64_t s0, d0, h0, s1, d1, h1, s2, d2, h2, s3, d3, h3;
  sb_run_seeds(7, "fourier:n=8", 0, "spex", "", 256, 0, &s0, &d0, &h0);
  sb_run_seeds(7, "fourier:n=8", 0, "spex", "", 256, 1, &s1, &d1, &h1);
  sb_run_seeds(7, "fourier:n=8", 0, "spex", "", 512, 0, &s2, &d2, &h2);
  sb_run_seeds(7, "fourier:n=9", 0, "spex", "", 256, 0, &s3, &d3, &h3);
  assert_true(s0 != s1 && d0 != d1); /* repetition changes run and design seeds */
  assert_true(h0 == h1);             /* ... never the held-out set */
  assert_true(s0 != s2 && d0 == d2 && h0 == h2); /* budget: run seed only */
  assert_true(s0 != s3 && d0 != d3 && h0 != h3); /* dataset: all three */
  uint64_t s4, s5;
  sb_run_seeds(8, "fourier:n=8", 0, "spex", "", 256, 0, &s4, NULL, NULL);
  sb_run_seeds(7, "fourier:n=8", 0, "spex", "decoder=hard", 256, 0, &s5, NULL, NULL);
  assert_true(s4 != s0 && s5 != s0);
  /* pinned: the derivation is part of every stored result's identity */
  assert_true(s0 == sb_seed_derive(7, (const char *const[]){"run", "fourier:n=8", "0", "spex", "",
                                                          "256", "0", NULL}));
}

/* Mutant: the held-out seed taken per run instead of per dataset; repetitions
 * not reaching the run definitions. */
static void test_config_seeds(void **state) {
  (void)state;
  const char *dir = sb_test_tmpdir();
  sb_config *c = load_ok(dir, "[experiment]\nname = t\nbudgets = 64, 128\nrepetitions = 3\n"
                              "[dataset d]\nfamily = fourier\nn = 6\nk = 3\ninstances = 2\n"
                              "[algorithm fb]\nalgo = faith-banzhaf\norder = 1, 2\n"
                              "[algorithm exhaustive]\n");
  assert_int_equal(c->n_runs, 2 * 3 * 2 * 3);
  for (size_t i = 0; i < c->n_runs; i++)
    for (size_t j = i + 1; j < c->n_runs; j++) {
      const sb_run_def *a = &c->runs[i], *b = &c->runs[j];
      assert_string_not_equal(a->id, b->id);
      assert_true(a->seed != b->seed);
      int same_ds = !strcmp(a->dataset_spec, b->dataset_spec);
      assert_int_equal(a->heldout_seed == b->heldout_seed, same_ds);
      if (same_ds && a->algo == b->algo && !strcmp(a->algo_params, b->algo_params) &&
          a->repetition == b->repetition)
        assert_true(a->design_seed == b->design_seed); /* nested designs across budgets */
      if (a->repetition != b->repetition) assert_true(a->design_seed != b->design_seed);
    }
  size_t reps[3] = {0, 0, 0};
  for (size_t i = 0; i < c->n_runs; i++) reps[c->runs[i].repetition]++;
  assert_true(reps[0] == 12 && reps[1] == 12 && reps[2] == 12);
  sb_config_free(c);
}

/* ==== the held-out protocol ================================================ */

/* Mutant: sb_run_execute draws the held-out set from the run seed instead of the
 * dataset's held-out seed.  Every algorithm, budget and repetition on a dataset
 * must be scored on the same masks: those of rd->heldout_seed. */
static void test_heldout_same_masks(void **state) {
  (void)state;
  const char *dir = sb_test_tmpdir();
  sb_config *c = load_ok(dir, "[experiment]\nname = t\nbudgets = 48, 96\nrepetitions = 2\n"
                              "heldout = 500\n[dataset d]\nfamily = fourier\nn = 10\nk = 12\n"
                              "degree = 3\nsnr_db = 5\n[algorithm faith-banzhaf]\n"
                              "[algorithm lasso]\ndegree = 1\n[algorithm kernelshap]\n");
  sb_dataset *d = NULL;
  sb_error err = {0};
  assert_int_equal(sb_dataset_open(c->runs[0].dataset_spec, &d, &err), SB_OK);
  sb_heldout *h = NULL, *wrong = NULL;
  assert_int_equal(sb_heldout_make(d, c->heldout, c->heldout_dist, c->runs[0].heldout_seed, &h,
                                   &err), SB_OK);
  sb_run_options opt = {.heldout = c->heldout, .heldout_dist = c->heldout_dist, .threads = 1};
  size_t checked = 0, distinguishable = 0;
  for (size_t i = 0; i < c->n_runs; i++) {
    const sb_run_def *rd = &c->runs[i];
    sb_spectrum *g = NULL;
    json_t *j = sb_run_execute(rd, &opt, &g, NULL);
    assert_non_null(j);
    const char *st = json_string_value(json_object_get(j, "status"));
    if (strcmp(st, "ok")) print_error("%s: %s\n", rd->id, json_string_value(json_object_get(j, "message")));
    assert_string_equal(st, "ok");
    double reported = json_real_value(json_object_get(j, "r2_heldout")), expect, other;
    assert_int_equal(sb_r2_heldout(h, g, &expect, &err), SB_OK);
    assert_true(reported == expect); /* bit for bit: the same masks, the same values */
    assert_int_equal(sb_heldout_make(d, c->heldout, c->heldout_dist, rd->seed, &wrong, &err), SB_OK);
    assert_int_equal(sb_r2_heldout(wrong, g, &other, &err), SB_OK);
    distinguishable += other != expect;
    sb_heldout_free(wrong);
    sb_spectrum_free(g);
    json_decref(j);
    checked++;
  }
  assert_int_equal(checked, 3 * 2 * 2);
  assert_true(distinguishable >= checked / 2); /* the check can tell the two sets apart */
  sb_heldout_free(h);
  sb_dataset_free(d);
  sb_config_free(c);
}

/* ==== identities ============================================================ */

static char *identity_of(const char *dir, const char *text, size_t run) {
  sb_config *c = load_ok(dir, text);
  char *id = strdup(c->runs[run].identity);
  sb_config_free(c);
  return id;
}

/* Bug (issue 13.1): changing heldout or heldout_distribution, or replacing the
 * data file, left the run id unchanged and the stored result was reused. */
static void test_identity_covers_the_numbers(void **state) {
  (void)state;
  const char *dir = sb_test_tmpdir();
  char npz[512], text[2048];
  snprintf(npz, sizeof npz, "%s/g.npz", dir);
  write_table(npz, 4, 1.0);
  const char *variants[] = {
      BASE FOURIER "[algorithm faith-banzhaf]\n",
      "[experiment]\nname = t\nbudgets = 64\nheldout = 200\n" FOURIER "[algorithm faith-banzhaf]\n",
      BASE "heldout_distribution = sizes\n" FOURIER "[algorithm faith-banzhaf]\n",
      "[experiment]\nname = t\nbudgets = 32\nheldout = 100\n" FOURIER "[algorithm faith-banzhaf]\n",
      BASE FOURIER "[algorithm faith-banzhaf]\norder = 2\n",
      BASE "seed = 2\n" FOURIER "[algorithm faith-banzhaf]\n",
      BASE "[dataset d]\nfamily = fourier\nn = 6\nk = 4\n[algorithm faith-banzhaf]\n",
      NULL};
  char *ids[8];
  size_t nv = 0;
  for (; variants[nv]; nv++) ids[nv] = identity_of(dir, variants[nv], 0);
  for (size_t i = 0; i < nv; i++)
    for (size_t j = i + 1; j < nv; j++)
      if (!strcmp(ids[i], ids[j])) print_error("variants %zu and %zu: same identity %s\n", i, j, ids[i]);
  for (size_t i = 0; i < nv; i++)
    for (size_t j = i + 1; j < nv; j++) assert_string_not_equal(ids[i], ids[j]);
  /* the same config again: the same identity (it is a pure function) */
  char *again = identity_of(dir, variants[0], 0);
  assert_string_equal(again, ids[0]);
  assert_non_null(strstr(again, "\"format\":3"));
  assert_non_null(strstr(again, "\"heldout\":100"));
  for (size_t i = 0; i < nv; i++) free(ids[i]);
  free(again);
  /* a data file replaced under the same path: a different identity */
  snprintf(text, sizeof text, BASE "[dataset g]\nfamily = npz\npath = g.npz\n[algorithm banzhaf]\n");
  char *before = identity_of(dir, text, 0);
  write_table(npz, 4, 2.0);
  char *after = identity_of(dir, text, 0);
  assert_string_not_equal(before, after);
  free(before);
  free(after);
}

/* Bug (issue 13.1): seeds came from the path as spelled, so the same config run
 * from another directory, or a renamed or copied file, gave other numbers. */
static void test_identity_follows_content(void **state) {
  (void)state;
  const char *dir = sb_test_tmpdir();
  char sub[512], a[512], b[512], cfg_rel[600], text[1024], cwd[4096];
  snprintf(sub, sizeof sub, "%s/data", dir);
  assert_int_equal(mkdir(sub, 0755), 0);
  snprintf(a, sizeof a, "%s/data/game.npz", dir);
  snprintf(b, sizeof b, "%s/renamed.npz", dir);
  write_table(a, 4, 1.0);
  write_table(b, 4, 1.0); /* same content, other name and folder */
  snprintf(text, sizeof text, BASE "[dataset g]\nfamily = npz\npath = data/game.npz\n"
           "[algorithm banzhaf]\n");
  sb_config *c1 = load_ok(dir, text);
  assert_non_null(getcwd(cwd, sizeof cwd));
  assert_int_equal(chdir(dir), 0); /* the same config, spelled relative to another cwd */
  snprintf(cfg_rel, sizeof cfg_rel, "./c.ini");
  sb_config *c2 = NULL;
  sb_error err = {0};
  assert_int_equal(sb_config_load(cfg_rel, &c2, &err), SB_OK);
  assert_int_equal(chdir(cwd), 0);
  snprintf(text, sizeof text, BASE "[dataset g]\nfamily = npz\npath = %s\n[algorithm banzhaf]\n", b);
  sb_config *c3 = load_ok(dir, text);
  assert_string_not_equal(c1->runs[0].dataset_spec, c2->runs[0].dataset_spec);
  for (int k = 0; k < 2; k++) {
    const sb_run_def *x = &c1->runs[0], *y = k ? &c3->runs[0] : &c2->runs[0];
    assert_true(x->seed == y->seed && x->design_seed == y->design_seed &&
                x->heldout_seed == y->heldout_seed);
    assert_string_equal(x->identity, y->identity);
    assert_string_equal(x->dataset_key, y->dataset_key);
    assert_non_null(strstr(x->dataset_key, "npz:sha256="));
  }
  sb_config_free(c1);
  sb_config_free(c2);
  sb_config_free(c3);
}

/* ==== config errors ========================================================= */

/* Bug (issue 13.1): repeated grid values ran the same runs twice, counted twice. */
static void test_config_repeats(void **state) {
  (void)state;
  const char *dir = sb_test_tmpdir();
  load_fails(dir, "[experiment]\nname = t\nbudgets = 64, 64\n" FOURIER "[algorithm exhaustive]\n",
             "c.ini:3: budgets: 64 is listed twice", NULL);
  load_fails(dir, BASE "[dataset d]\nfamily = fourier\nn = 6\nk = 3\nseed = 5, 5\n"
                  "[algorithm exhaustive]\n", "c.ini:9: 'seed' lists 5 twice", NULL);
  load_fails(dir, BASE FOURIER "[algorithm lime]\nalpha = 0.5, 0.50\n",
             "c.ini:10: 'alpha' lists 0.50 twice", NULL);
  load_fails(dir, BASE FOURIER "[algorithm a]\nalgo = banzhaf\n[algorithm b]\nalgo = banzhaf\n",
             "c.ini:11: [algorithm b] repeats [algorithm a] (line 9)", "budget 64");
  /* the same algorithm at other budgets is another run: fine */
  sb_config *c = load_ok(dir, BASE FOURIER "[algorithm a]\nalgo = banzhaf\n[algorithm b]\n"
                              "algo = banzhaf\nbudgets = 128\n");
  assert_int_equal(c->n_runs, 2);
  sb_config_free(c);
  load_fails(dir, BASE "[dataset d]\nfamily = fourier\nn = 6\nk = 3\nseed = 5\n"
                  "[dataset e]\nfamily = fourier\nn = 6\nk = 3\nseed = 5\n[algorithm exhaustive]\n",
             "c.ini:10: [dataset e] repeats the dataset fourier:n=6,k=3,seed=5 of [dataset d] "
             "(line 5)", NULL);
  char a[512], b[512];
  snprintf(a, sizeof a, "%s/a.npz", dir);
  snprintf(b, sizeof b, "%s/b.npz", dir);
  write_table(a, 3, 1.0);
  write_table(b, 3, 1.0);
  load_fails(dir, BASE "[dataset g]\nfamily = npz\npath = a.npz, *.npz\n[algorithm banzhaf]\n",
             "a.npz is matched twice", NULL);
  load_fails(dir, BASE "[dataset g]\nfamily = npz\npath = *.npz\n[algorithm banzhaf]\n",
             "b.npz has the same content as", "a.npz");
}

/* Bugs: a UTF-8 BOM made the first section invisible; lines over 199 bytes were
 * cut silently (inih's buffer); a comma inside a path could not be written. */
static void test_config_syntax(void **state) {
  (void)state;
  const char *dir = sb_test_tmpdir();
  sb_config *c = load_ok(dir, "\xEF\xBB\xBF" BASE FOURIER "[algorithm exhaustive]\n");
  assert_int_equal(c->n_runs, 1);
  sb_config_free(c);
  char text[4096] = "[experiment]\nname = t\nheldout = 0\nbudgets = ";
  for (int i = 0; i < 100; i++) snprintf(text + strlen(text), sizeof text - strlen(text), "%s%d", i ? ", " : "", 100 + i);
  strcat(text, "\ndescription = ");
  for (int i = 0; i < 60; i++) strcat(text, "word ");
  strcat(text, "end ; a comment\n" FOURIER "[algorithm exhaustive]\n");
  c = load_ok(dir, text);
  assert_int_equal(c->n_runs, 100);
  assert_int_equal(c->runs[99].budget, 199);
  assert_int_equal(strlen(c->description), 60 * 5 + 3);
  sb_config_free(c);
  char comma[512];
  snprintf(comma, sizeof comma, "%s/x,y.npz", dir);
  write_table(comma, 3, 1.0);
  c = load_ok(dir, BASE "[dataset g]\nfamily = npz\npath = x\\,y.npz\n[algorithm banzhaf]\n");
  assert_non_null(strstr(c->runs[0].dataset_spec, "x,y.npz"));
  sb_config_free(c);
  /* a config in a folder whose name has glob characters (bug: the folder name was
   * read as a pattern: "matches no file") */
  char odd[512], oddnpz[600];
  snprintf(odd, sizeof odd, "%s/exp[1]*", dir);
  assert_int_equal(mkdir(odd, 0755), 0);
  snprintf(oddnpz, sizeof oddnpz, "%s/g.npz", odd);
  write_table(oddnpz, 3, 3.0);
  c = load_ok(odd, BASE "[dataset g]\nfamily = npz\npath = *.npz\n[algorithm banzhaf]\n");
  assert_int_equal(c->n_runs, 1);
  sb_config_free(c);
  load_fails(dir, BASE "[dataset g]\nfamily = npz\npath = x,y.npz\n[algorithm banzhaf]\n",
             "c.ini:7: path 'x' matches no file", "write '\\,' for a comma inside a file name");
  load_fails(dir, BASE "[dataset d]\nfamily = command\ncmd = a\\,b\nn = 3\n[algorithm exhaustive]\n",
             "c.ini:7: cmd = 'a,b': a parameter value cannot contain a comma", NULL);
  load_fails(dir, BASE "[dataset d]\nfamily = fourier\nn = 6\nk = 3\nseed = -1\n"
                  "[algorithm exhaustive]\n", "seed = '-1': expected an integer in 0..", NULL);
  load_fails(dir, "[experiment]\nname = t\nbudgets = 18446744073709551616\n" FOURIER
                  "[algorithm exhaustive]\n", "c.ini:3: budgets: '18446744073709551616' is out of range", NULL);
  load_fails(dir, "[experiment]\nname = t\nbudgets = 64\nheldout = 4294967296000\n",
             "c.ini:4: heldout = '4294967296000': out of range", NULL);
  load_fails(dir, "[experiment]\nname = t\nbudgets = 64\nheldout = 4000000000\n" FOURIER
                  "[algorithm exhaustive]\n", "more than this machine's", "GiB of memory");
}

/* Bug (issue 13.2): `name = ..` wrote into the parent of results/. */
static void test_config_names(void **state) {
  (void)state;
  const char *dir = sb_test_tmpdir();
  const char *bad[] = {"..", ".", ".hidden", "-x", "a/b", "a\tb", "x y", NULL};
  for (size_t i = 0; bad[i]; i++) {
    char text[512];
    snprintf(text, sizeof text, "[experiment]\nname = %s\nbudgets = 64\n" FOURIER
             "[algorithm exhaustive]\n", bad[i]);
    load_fails(dir, text, "c.ini:2: name = '", "letters, digits");
  }
  load_fails(dir, "[experiment]\nname =\nbudgets = 64\n" FOURIER "[algorithm exhaustive]\n",
             "c.ini:2: name = '': it is empty", NULL);
  sb_error err = {0};
  assert_int_equal(sb_name_check("quick-start_2.v1", "name", &err), SB_OK);
  /* the default name comes from the file name and is checked the same way */
  char path[512];
  snprintf(path, sizeof path, "%s/my exp.ini", dir);
  write_text(path, "[experiment]\nbudgets = 64\n" FOURIER "[algorithm exhaustive]\n");
  sb_config *c = NULL;
  assert_int_not_equal(sb_config_load(path, &c, &err), SB_OK);
  assert_non_null(strstr(err.msg, "taken from the file name"));
}

static void on_alarm(int sig) {
  (void)sig;
  static const char m[] = "test_runner: a FIFO blocked the config loader\n";
  if (write(2, m, sizeof m - 1) < 0) _exit(3);
  _exit(2);
}

/* Bug (issue 13.3): a data path naming a FIFO hung the config check forever. */
static void test_config_special_files(void **state) {
  (void)state;
  const char *dir = sb_test_tmpdir();
  char fifo[512], sub[512];
  snprintf(fifo, sizeof fifo, "%s/pipe.npz", dir);
  snprintf(sub, sizeof sub, "%s/folder.npz", dir);
  assert_int_equal(mkfifo(fifo, 0644), 0);
  assert_int_equal(mkdir(sub, 0755), 0);
  signal(SIGALRM, on_alarm);
  alarm(20);
  load_fails(dir, BASE "[dataset g]\nfamily = npz\npath = pipe.npz\n[algorithm banzhaf]\n",
             "c.ini:7: ", "pipe.npz: is a FIFO (named pipe), not a regular file");
  load_fails(dir, BASE "[dataset g]\nfamily = npz\npath = folder.npz\n[algorithm banzhaf]\n",
             "folder.npz: is a directory, not a regular file", NULL);
  load_fails(dir, BASE "[dataset g]\nfamily = trace\npath = /dev/null\n[algorithm banzhaf]\n",
             "/dev/null: is a character device", NULL);
  sb_dataset *d = NULL;
  sb_error err = {0};
  char spec[600];
  snprintf(spec, sizeof spec, "npz:%s", fifo);
  assert_int_not_equal(sb_dataset_open(spec, &d, &err), SB_OK); /* fit: refused, not opened */
  assert_non_null(strstr(err.msg, "FIFO"));
  alarm(0);
  signal(SIGALRM, SIG_DFL);
}

/* ==== results directories =================================================== */

/* Bug (issue 13.2): `--out ''` wrote runs.csv into / (as root). */
static void test_outdir_check(void **state) {
  (void)state;
  const char *dir = sb_test_tmpdir();
  sb_error err = {0};
  const char *bad[] = {"", "/", "//", ".", "./", "..", "../..", "./../.", "a\nb", NULL};
  for (size_t i = 0; bad[i]; i++) {
    if (sb_outdir_check(bad[i], "--out", &err) == SB_OK) print_error("accepted '%s'\n", bad[i]);
    assert_int_not_equal(sb_outdir_check(bad[i], "--out", &err), SB_OK);
    assert_non_null(strstr(err.msg, "--out"));
  }
  char p[600];
  snprintf(p, sizeof p, "%s/file", dir);
  write_text(p, "x");
  assert_int_not_equal(sb_outdir_check(p, "--out", &err), SB_OK);
  assert_non_null(strstr(err.msg, "not a directory"));
  assert_int_not_equal(sb_outdir_check(dir, "--out", &err), SB_OK); /* holds 'file' only */
  assert_non_null(strstr(err.msg, "holds no spexbench results"));
  snprintf(p, sizeof p, "%s/runs.csv", dir);
  write_text(p, "x");
  assert_int_equal(sb_outdir_check(dir, "--out", &err), SB_OK); /* earlier results: fine */
  snprintf(p, sizeof p, "%s/new/deeper", dir);
  assert_int_equal(sb_outdir_check(p, "--out", &err), SB_OK);
  assert_int_equal(sb_outdir_check("results/x", "--out", &err), SB_OK);
  assert_int_equal(sb_outdir_check("../x", "--out", &err), SB_OK); /* a named folder */
}

/* ==== budgets ================================================================ */

/* Bug (issue 13.4): a budget above 2^n was capped by some algorithms, rejected by
 * others for a design-matrix limit or out of memory. */
static void test_budget_cap(void **state) {
  (void)state;
  const sb_algo_type *lasso = sb_algo_find("lasso", NULL), *spex = sb_algo_find("spex", NULL);
  assert_int_equal(sb_algo_budget(lasso, 8, (size_t)1 << 40), 256);
  assert_int_equal(sb_algo_budget(lasso, 8, 100), 100);
  assert_int_equal(sb_algo_budget(lasso, 70, (size_t)1 << 40), (size_t)1 << 40);
  assert_int_equal(sb_algo_budget(spex, 8, 5000), 5000); /* sampled design: as given */
  const char *dir = sb_test_tmpdir();
  sb_config *c = load_ok(dir, "[experiment]\nname = t\nbudgets = 1099511627776\nheldout = 50\n"
                              "[dataset d]\nfamily = fourier\nn = 8\nk = 4\ndegree = 2\n"
                              "[algorithm lasso]\n[algorithm shapley-taylor]\n"
                              "[algorithm permutation-shapley]\n[algorithm faith-banzhaf]\n");
  sb_run_options opt = {.heldout = c->heldout, .heldout_dist = c->heldout_dist, .threads = 1};
  for (size_t i = 0; i < c->n_runs; i++) {
    json_t *j = sb_run_execute(&c->runs[i], &opt, NULL, NULL);
    const char *st = json_string_value(json_object_get(j, "status"));
    if (strcmp(st, "ok")) print_error("%s: %s\n", c->runs[i].algo->name, json_string_value(json_object_get(j, "message")));
    assert_string_equal(st, "ok");
    assert_true(json_integer_value(json_object_get(j, "queries_used")) <= 256);
    json_decref(j);
  }
  sb_config_free(c);
}

/* ==== shards (shard.c) ===================================================== */

/* Mutants: shard 0 or I > N accepted; trailing junk ("1/3x") or a missing half accepted. */
static void test_shard_parse(void **state) {
  (void)state;
  size_t i = 0, n = 0;
  sb_error err = {0};
  assert_int_equal(sb_shard_parse("2/3", "--shard", &i, &n, &err), SB_OK);
  assert_true(i == 2 && n == 3);
  assert_int_equal(sb_shard_parse("1/1", "--shard", &i, &n, &err), SB_OK);
  assert_int_equal(sb_shard_parse("100000/100000", "--shard", &i, &n, &err), SB_OK);
  const char *bad[] = {"0/3", "4/3", "1/0", "3", "/3", "1/", "1/3x", "x1/3", "1//3", "-1/3",
                       "1/100001", "18446744073709551617/2", "", "1 /3", NULL};
  for (const char **b = bad; *b; b++) {
    memset(&err, 0, sizeof err);
    if (sb_shard_parse(*b, "--shard", &i, &n, &err) == SB_OK) print_error("accepted '%s'\n", *b);
    assert_int_not_equal(sb_shard_parse(*b, "--shard", &i, &n, &err), SB_OK);
    assert_non_null(strstr(err.msg, "--shard"));
  }
}

/* Mutants: plain interleaving of the config order (with three algorithm variants
 * and three shards every variant lands in one shard); overlapping or missing
 * runs; a partition that depends on anything but the config and N. */
static void test_shard_assign(void **state) {
  (void)state;
  const char *dir = sb_test_tmpdir();
  sb_config *c = load_ok(dir, "[experiment]\nname = t\nbudgets = 64, 128\nrepetitions = 2\n"
                              "[dataset d]\nfamily = fourier\nn = 6\nk = 3\ninstances = 5\n"
                              "[algorithm fb]\nalgo = faith-banzhaf\norder = 1, 2\n"
                              "[algorithm lasso]\n");
  assert_int_equal(c->n_runs, 5 * 3 * 2 * 2);
  for (size_t count = 1; count <= 7; count++) {
    size_t *of = NULL, *again = NULL;
    sb_error err = {0};
    assert_int_equal(sb_shard_assign(c, count, &of, &err), SB_OK);
    assert_int_equal(sb_shard_assign(c, count, &again, &err), SB_OK);
    size_t sizes[8] = {0};
    for (size_t i = 0; i < c->n_runs; i++) {
      assert_true(of[i] >= 1 && of[i] <= count);
      assert_int_equal(of[i], again[i]);
      sizes[of[i]]++;
    }
    size_t lo = c->n_runs, hi = 0;
    for (size_t s = 1; s <= count; s++) lo = sizes[s] < lo ? sizes[s] : lo, hi = sizes[s] > hi ? sizes[s] : hi;
    assert_true(hi - lo <= 1);
    /* every stratum (variant, budget, repetition) split evenly, ±1 */
    for (size_t a = 0; a < c->n_runs; a++) {
      size_t per[8] = {0};
      for (size_t b = 0; b < c->n_runs; b++)
        if (!strcmp(c->runs[a].algo_label, c->runs[b].algo_label) &&
            c->runs[a].budget == c->runs[b].budget && c->runs[a].repetition == c->runs[b].repetition)
          per[of[b]]++;
      size_t plo = SIZE_MAX, phi = 0;
      for (size_t s = 1; s <= count; s++) plo = per[s] < plo ? per[s] : plo, phi = per[s] > phi ? per[s] : phi;
      assert_true(phi - plo <= 1);
    }
    free(of);
    free(again);
  }
  sb_config_free(c);
}

/* Mutant: the grid digest covers the ids only (slices of another seed or other
 * data would merge). */
static void test_grid_digest(void **state) {
  (void)state;
  const char *dir = sb_test_tmpdir();
  const char *text = BASE FOURIER "[algorithm lasso]\n";
  sb_config *a = load_ok(dir, text), *b = load_ok(dir, text);
  sb_config *c = load_ok(dir, "[experiment]\nname = t\nbudgets = 64\nheldout = 100\nseed = 9\n"
                              FOURIER "[algorithm lasso]\n");
  char ha[SB_SHA256_HEX], hb[SB_SHA256_HEX], hc[SB_SHA256_HEX];
  sb_shard_grid_digest(a, ha);
  sb_shard_grid_digest(b, hb);
  sb_shard_grid_digest(c, hc);
  assert_string_equal(ha, hb);
  assert_int_equal(a->n_runs, c->n_runs);
  for (size_t i = 0; i < a->n_runs; i++) assert_string_equal(a->runs[i].id, c->runs[i].id);
  assert_string_not_equal(ha, hc);
  sb_config_free(a);
  sb_config_free(b);
  sb_config_free(c);
}

int main(void) {
  sb_gsl_install_handler();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_run_seeds),
      cmocka_unit_test(test_config_seeds),
      cmocka_unit_test(test_heldout_same_masks),
      cmocka_unit_test(test_identity_covers_the_numbers),
      cmocka_unit_test(test_identity_follows_content),
      cmocka_unit_test(test_config_repeats),
      cmocka_unit_test(test_config_syntax),
      cmocka_unit_test(test_config_names),
      cmocka_unit_test(test_config_special_files),
      cmocka_unit_test(test_outdir_check),
      cmocka_unit_test(test_budget_cap),
      cmocka_unit_test(test_shard_parse),
      cmocka_unit_test(test_shard_assign),
      cmocka_unit_test(test_grid_digest),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
