/* Reports (runner/summary.c, report.c, report_md.c, reference.c, provenance.c):
 * summary cells say why they are empty, exact R² gets real quartiles, published
 * figures match only on every key, the results index keeps its prose, and a
 * committed results folder is refused from a dirty tree. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fsutil.h"
#include "runner/provenance.h"
#include "runner/report.h"
#include "runner/summary.h"
#include "testutil.h"

/* A result of group g, label l, budget b with a status and R² values. */
static void mk(sb_run_result *r, const char *label, size_t budget, int status, const char *msg,
               double r2, double r2x) {
  sb_run_result_init(r);
  sb_run_result_set(&r->experiment, "e");
  sb_run_result_set(&r->group, "g");
  sb_run_result_set(&r->label, label);
  sb_run_result_set(&r->algorithm, label);
  sb_run_result_set(&r->params, "");
  sb_run_result_set(&r->message, msg);
  sb_run_result_set(&r->heldout_dist, status == SB_RUN_OK ? "uniform" : NULL);
  r->budget = budget;
  r->status = status;
  r->n = 12;
  r->instance = 0;
  if (status == SB_RUN_OK) {
    r->heldout_count = 100;
    r->queries_used = budget;
    r->r2_heldout = r2;
    r->r2_exact = r2x;
    r->wall_s = 1.0;
    r->cpu_s = 2.0;
  }
}

static const sb_summary_cell *cell(const sb_summary *s, const char *label, size_t budget) {
  for (size_t k = 0; k < s->n_cells; k++)
    if (!strcmp(s->cells[k].label, label) && s->cells[k].budget == budget) return &s->cells[k];
  fail_msg("no cell %s/%zu", label, budget);
  return NULL;
}

static void test_summary_notes_and_quartiles(void **state) {
  (void)state;
  enum { N = 10 };
  sb_run_result r[N];
  mk(&r[0], "spex", 256, SB_RUN_SKIPPED, "spex: needs >= 575 queries", NAN, NAN);
  mk(&r[1], "spex", 256, SB_RUN_SKIPPED, "spex: needs >= 575 queries", NAN, NAN);
  for (int i = 0; i < 4; i++) mk(&r[2 + i], "lime", 256, SB_RUN_OK, "", 0.5, 0.1 * (i + 1));
  mk(&r[6], "lasso", 256, SB_RUN_OK, "", 0.9, NAN);
  mk(&r[7], "lasso", 256, SB_RUN_FAILED, "singular system", NAN, NAN);
  mk(&r[8], "kernelshap", 256, SB_RUN_OK, "", 0.2, 0.2);
  mk(&r[9], "kernelshap", 256, -1, "", NAN, NAN); /* no result: interrupted */
  sb_run_result *res[N];
  for (int i = 0; i < N; i++) res[i] = &r[i];
  sb_summary *s = NULL;
  sb_error err;
  assert_int_equal(sb_summary_build(res, N, &s, &err), SB_OK);
  assert_int_equal(s->n_cells, 4);
  const sb_summary_cell *c = cell(s, "spex", 256);
  assert_int_equal(c->count_ok, 0);
  assert_int_equal(c->count_skipped, 2);
  assert_string_equal(c->note, "skipped: spex: needs >= 575 queries");
  assert_true(isnan(c->r2_median));
  c = cell(s, "lime", 256);
  assert_string_equal(c->note, "");
  /* exact R² 0.1..0.4: GSL's quantiles 0.175 / 0.25 / 0.325, not the median thrice */
  assert_close(c->r2_exact_median, 0.25, 1e-12);
  assert_close(c->r2_exact_q1, 0.175, 1e-12);
  assert_close(c->r2_exact_q3, 0.325, 1e-12);
  assert_close(c->cpu_s_total, 8.0, 1e-12);
  assert_close(c->wall_s_median, 1.0, 1e-12);
  c = cell(s, "lasso", 256);
  assert_string_equal(c->note, "1 of 2 runs not ok: failed: singular system; no exact R² (the "
                               "true spectrum is not known)");
  c = cell(s, "kernelshap", 256);
  assert_int_equal(c->count_missing, 1);
  assert_non_null(strstr(c->note, "1 of 2 runs have no result (interrupted"));
  assert_int_equal(s->n_reasons, 2);
  /* summary.csv: the header is the table; a note with a comma is quoted */
  char path[600];
  snprintf(path, sizeof path, "%s/summary.csv", sb_test_tmpdir());
  assert_int_equal(sb_summary_write_csv(s, path, &err), SB_OK);
  sb_csv *csv = NULL;
  assert_int_equal(sb_csv_read(path, &csv, &err), SB_OK);
  size_t f = 0;
  for (const sb_column *col = sb_summary_columns; col->name; col++)
    assert_string_equal(csv->rows[0][f++], col->name);
  assert_int_equal(csv->nrows, 5);
  for (size_t row = 1; row < csv->nrows; row++) assert_int_equal(csv->nfields[row], f);
  sb_csv_free(csv);
  /* the Markdown says why: "skipped [1]", a partial cell with its reason */
  char *md = NULL;
  size_t mdlen = 0;
  FILE *mem = open_memstream(&md, &mdlen);
  json_t *ctx = json_pack("{s:s, s:b, s:s}", "commit", "abc", "dirty", 0, "config_text", "[x]\n");
  sb_report_meta m = {"e", "desc", 100, SB_HELDOUT_UNIFORM, 0, ctx};
  sb_plot_info plot = {0, 0, 0, "gnuplot failed (see gnuplot.log)"};
  assert_int_equal(sb_report_markdown(mem, &m, s, res, N, &plot), SB_OK);
  fclose(mem);
  assert_non_null(strstr(md, "| spex | skipped [1] |"));
  assert_non_null(strstr(md, "| lasso | 0.900 [0.900, 0.900] (1/2 ok [2]) |"));
  assert_non_null(strstr(md, "| [1] | 2 | skipped: spex: needs >= 575 queries |"));
  assert_non_null(strstr(md, "No figure: gnuplot failed"));
  assert_non_null(strstr(md, "clean tree"));
  assert_non_null(strstr(md, "```ini\n[x]\n```"));
  free(md);
  json_decref(ctx);
  sb_summary_free(s);
  for (int i = 0; i < N; i++) sb_run_result_clear(&r[i]);
}

static void test_published_figures_match_every_key(void **state) {
  (void)state;
  sb_run_result r;
  sb_reference ref;
  mk(&r, "spex", 21504, SB_RUN_OK, "", 0.9, 0.9);
  sb_run_result_set(&r.algorithm, "spex");
  sb_run_result_set(&r.dataset_file, "/d/SentimentAnalysis_Game/14/mask_strategy=mask_1.npz");
  r.n = 14;
  assert_true(sb_reference_find(&r, 21504, &ref)); /* defaults = the published soft decoder */
  assert_close(ref.value, 0.997, 1e-12);
  assert_non_null(strstr(ref.note, "different model"));
  sb_run_result_set(&r.params, "decoder=hard");
  assert_true(sb_reference_find(&r, 21504, &ref));
  assert_close(ref.value, 0.996, 1e-12);
  sb_run_result_set(&r.params, "refit=ridge"); /* not the published settings */
  assert_false(sb_reference_find(&r, 21504, &ref));
  sb_run_result_set(&r.params, "decoder=soft");
  assert_false(sb_reference_find(&r, 10752, &ref)); /* not the published budget */
  r.n = 20; /* bucket 16-31, P = 28: the same N(8) */
  assert_true(sb_reference_find(&r, 21504, &ref));
  assert_close(ref.value, 0.975, 1e-12);
  r.n = 11; /* P = 21: N(8) = 16,128 */
  assert_false(sb_reference_find(&r, 21504, &ref));
  assert_true(sb_reference_find(&r, 16128, &ref));
  sb_run_result_set(&r.dataset_file, "/d/ImageClassifier_Game/16/x.npz"); /* another kind */
  assert_false(sb_reference_find(&r, 16128, &ref));
  char buf[2048];
  assert_false(sb_reference_describe(&r, buf, sizeof buf));
  sb_run_result_set(&r.dataset_file, "/d/SentimentAnalysis_Game/14/x.npz");
  r.n = 14;
  assert_true(sb_reference_describe(&r, buf, sizeof buf));
  assert_non_null(strstr(buf, "21504 queries for n = 14"));
  assert_non_null(strstr(buf, "SPEX soft 0.997"));
  assert_non_null(strstr(buf, "Faith-Banzhaf 3 0.990"));
  /* faith-banzhaf order 4 is published only for the smallest bucket */
  sb_run_result_set(&r.algorithm, "faith-banzhaf");
  sb_run_result_set(&r.params, "order=4");
  assert_true(sb_reference_find(&r, 21504, &ref));
  r.n = 20;
  assert_false(sb_reference_find(&r, 21504, &ref));
  sb_run_result_clear(&r);
}

static void write_text(const char *path, const char *text) {
  FILE *fp = fopen(path, "w");
  assert_non_null(fp);
  fputs(text, fp);
  fclose(fp);
}

static void test_index_keeps_prose(void **state) {
  (void)state;
  char dir[600], sub[700], path[800];
  snprintf(dir, sizeof dir, "%s/idx", sb_test_tmpdir());
  const char *names[] = {"beta", "alpha"};
  sb_error err;
  for (int i = 0; i < 2; i++) {
    snprintf(sub, sizeof sub, "%s/%s", dir, names[i]);
    assert_int_equal(sb_mkdir_p(sub, &err), SB_OK);
    snprintf(path, sizeof path, "%s/context.json", sub);
    write_text(path, "{\"commit\": \"0123456789abcdef\", \"dirty\": false, \"date\": "
                     "\"2026-01-02T03:04:05Z\", \"config_text\": \"[experiment]\\ndescription = "
                     "a | test\\n\"}");
    snprintf(path, sizeof path, "%s/runs.csv", sub);
    write_text(path, "id,status\na,ok\nb,skipped\n");
  }
  snprintf(path, sizeof path, "%s/not-an-experiment", dir);
  assert_int_equal(sb_mkdir_p(path, &err), SB_OK);
  snprintf(path, sizeof path, "%s/README.md", dir);
  write_text(path, "# results\n\nProse before.\n");
  assert_int_equal(sb_report_index(dir, &err), SB_OK);
  assert_int_equal(sb_report_index(dir, &err), SB_OK); /* idempotent */
  char *text = NULL;
  assert_int_equal(sb_read_file(path, &text, NULL, &err), SB_OK);
  assert_non_null(strstr(text, "Prose before.\n"));
  const char *a = strstr(text, "| [alpha](alpha/) | a \\| test | 2 (1 ok, 1 skipped, 0 failed) | "
                               "`0123456789` | 2026-01-02 |");
  const char *b = strstr(text, "| [beta](beta/)");
  assert_non_null(a);
  assert_non_null(b);
  assert_true(a < b);
  assert_null(strstr(text, "not-an-experiment"));
  assert_null(strstr(strstr(text, "<!-- END") + 1, "<!-- BEGIN")); /* one block only */
  free(text);
}

/* A throwaway git repository with a tracked results folder. */
static int git(const char *dir, const char *args) {
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "git -C '%s' %s >/dev/null 2>&1", dir, args);
  return system(cmd);
}

static void test_dirty_tree_refuses_committed_results(void **state) {
  (void)state;
  if (system("git --version >/dev/null 2>&1") != 0) skip();
  char repo[600], path[1000], res[800], fresh[800];
  snprintf(repo, sizeof repo, "%s/repo", sb_test_tmpdir());
  snprintf(res, sizeof res, "%s/results/exp", repo);
  snprintf(fresh, sizeof fresh, "%s/results/new", repo);
  sb_error err = {0};
  assert_int_equal(sb_mkdir_p(res, &err), SB_OK);
  assert_int_equal(sb_mkdir_p(fresh, &err), SB_OK);
  snprintf(path, sizeof path, "%s/code.c", repo);
  write_text(path, "int x;\n");
  snprintf(path, sizeof path, "%s/summary.csv", res);
  write_text(path, "a,b\n");
  assert_int_equal(git(repo, "init -q"), 0);
  assert_int_equal(git(repo, "add code.c results/exp/summary.csv"), 0);
  assert_int_equal(git(repo, "-c user.name=t -c user.email=t@t commit -qm init"), 0);
  rmdir(fresh);
  sb_provenance p;
  sb_provenance_compute(repo, &p);
  assert_int_equal(strlen(p.commit), 40);
  assert_int_equal(p.dirty, 0);
  assert_int_equal(sb_provenance_check_output(&p, res, &err), SB_OK);
  /* results/ is output, not code: a rewritten summary does not make the tree dirty */
  snprintf(path, sizeof path, "%s/summary.csv", res);
  write_text(path, "a,b\n1,2\n");
  sb_provenance_compute(repo, &p);
  assert_int_equal(p.dirty, 0);
  /* a changed source file does, and the committed folder is refused */
  snprintf(path, sizeof path, "%s/code.c", repo);
  write_text(path, "int y;\n");
  sb_provenance_compute(repo, &p);
  assert_int_equal(p.dirty, 1);
  assert_string_equal(p.dirty_paths, "code.c");
  assert_int_equal(sb_provenance_check_output(&p, res, &err), SB_EINVAL);
  assert_non_null(strstr(err.msg, "holds committed results"));
  assert_non_null(strstr(err.msg, "(code.c)"));
  assert_non_null(strstr(err.msg, "--out"));
  /* an untracked folder is allowed (with a warning), and so is anything outside git */
  assert_int_equal(sb_mkdir_p(fresh, &err), SB_OK);
  assert_int_equal(sb_provenance_check_output(&p, fresh, &err), SB_OK);
  assert_int_equal(sb_provenance_check_output(&p, sb_test_tmpdir(), &err), SB_OK);
  /* an untracked new source file is a change too */
  git(repo, "checkout -q code.c");
  snprintf(path, sizeof path, "%s/new.c", repo);
  write_text(path, "int z;\n");
  sb_provenance_compute(repo, &p);
  assert_int_equal(p.dirty, 1);
  assert_string_equal(p.dirty_paths, "new.c");
  /* not a git checkout: unknown, never refused */
  sb_provenance_compute("/", &p);
  assert_string_equal(p.commit, "");
  assert_int_equal(p.dirty, -1);
  assert_int_equal(sb_provenance_check_output(&p, res, &err), SB_OK);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_summary_notes_and_quartiles),
      cmocka_unit_test(test_published_figures_match_every_key),
      cmocka_unit_test(test_index_keeps_prose),
      cmocka_unit_test(test_dirty_tree_refuses_committed_results),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
