/* Run results as typed records (runner/result.c, runner/columns.c): the column
 * table is well formed, JSON and CSV round trips lose nothing, a real run fills
 * every column it should (no silently empty column), runs.csv's header is the
 * table, and docs/RESULTS.md lists exactly the table's columns. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fsutil.h"
#include "runner/report.h"
#include "runner/result.h"
#include "runner/runner.h"
#include "runner/summary.h"
#include "testutil.h"

/* A sample text per kind that sb_columns_set_text accepts. */
static const char *sample_text(const sb_column *c) {
  switch (c->kind) {
  case SB_COL_STRING: return "text, with \"quotes\"";
  case SB_COL_CSTR: return "";
  case SB_COL_SIZE: return "7";
  case SB_COL_REAL: return "0.5";
  case SB_COL_U64: return "2026";
  case SB_COL_HEX64: return "00000000deadbeef";
  case SB_COL_BOOL: return "true";
  case SB_COL_ENUM: return ((const char *const *)c->arg)[2];
  case SB_COL_PHASE: return "0.25";
  case SB_COL_PHASES: return "design=0.125 newphase=1.5";
  case SB_COL_REALS: return "0.25 nan 1.5";
  }
  return "";
}

/* Every column of the record set through the table itself. */
static void fill_all(sb_run_result *r) {
  sb_run_result_init(r);
  sb_error err;
  for (const sb_column *c = sb_run_columns; c->name; c++)
    assert_int_equal(sb_columns_set_text(c, r, sample_text(c), "test", &err), SB_OK);
}

static void test_table_well_formed(void **state) {
  (void)state;
  size_t n = 0;
  for (const sb_column *c = sb_run_columns; c->name; c++, n++) {
    assert_true(c->name[0] && c->description && c->description[0]);
    for (const sb_column *d = sb_run_columns; d < c; d++) {
      assert_string_not_equal(c->name, d->name);
      if (c->legacy) assert_string_not_equal(c->legacy, d->name);
      /* two fields on one offset would write one value under two names */
      if (c->kind != SB_COL_PHASE && d->kind != SB_COL_PHASE && d->kind != SB_COL_PHASES &&
          c->kind != SB_COL_PHASES)
        assert_true(c->offset != d->offset);
    }
    if (c->kind == SB_COL_PHASE) assert_non_null(c->arg);
    assert_true(c->flags & (SB_COL_IN_JSON | SB_COL_IN_CSV));
  }
  assert_true(n > 40);
  /* each documented phase has its column, and each phase column is documented */
  size_t phase_cols = 0;
  for (const sb_column *c = sb_run_columns; c->name; c++) {
    if (c->kind != SB_COL_PHASE) continue;
    phase_cols++;
    int found = 0;
    for (size_t i = 0; sb_run_known_phases[i]; i++) found |= !strcmp(sb_run_known_phases[i], c->arg);
    assert_true(found);
  }
  size_t known = 0;
  while (sb_run_known_phases[known]) known++;
  assert_int_equal(phase_cols, known);
  for (const sb_column *c = sb_summary_columns; c->name; c++)
    for (const sb_column *d = sb_summary_columns; d < c; d++) {
      assert_string_not_equal(c->name, d->name);
      assert_true(c->offset != d->offset);
    }
}

static void test_json_round_trip(void **state) {
  (void)state;
  sb_run_result r, back;
  fill_all(&r);
  r.extra = json_pack("{s:s, s:{s:i}}", "runner_identity", "abc", "content_hashes", "a.npz", 12);
  json_t *j = sb_run_result_to_json(&r, SB_COL_IN_JSON);
  assert_non_null(j);
  /* every JSON column is present and set */
  for (const sb_column *c = sb_run_columns; c->name; c++) {
    if (!(c->flags & SB_COL_IN_JSON)) {
      assert_null(json_object_get(j, c->name));
      continue;
    }
    const json_t *v = json_object_get(j, c->name);
    assert_non_null(v);
    assert_false(json_is_null(v));
  }
  assert_string_equal(json_string_value(json_object_get(j, "runner_identity")), "abc");
  sb_run_result_init(&back);
  sb_error err = {0};
  assert_int_equal(sb_run_result_from_json(&back, j, "mem", &err), SB_OK);
  json_t *j2 = sb_run_result_to_json(&back, SB_COL_IN_JSON);
  assert_true(json_equal(j, j2));
  /* through the file format too */
  char *text = json_dumps(j, 0);
  json_error_t je;
  json_t *j3 = json_loads(text, 0, &je);
  sb_run_result third;
  sb_run_result_init(&third);
  assert_int_equal(sb_run_result_from_json(&third, j3, "text", &err), SB_OK);
  assert_int_equal(third.status, SB_RUN_SKIPPED);
  assert_close(third.r2_heldout, 0.5, 0);
  assert_close(sb_phase_list_get(&third.phases, "newphase"), 1.5, 0); /* a phase without a column */
  assert_close(sb_phase_list_get(&third.phases, "design"), 0.125, 0);
  assert_close(sb_phase_list_get(&third.phases, "cv"), 0.25, 0);
  free(text);
  json_decref(j), json_decref(j2), json_decref(j3);
  sb_run_result_clear(&r), sb_run_result_clear(&back), sb_run_result_clear(&third);
}

static void test_json_errors_and_legacy(void **state) {
  (void)state;
  sb_run_result r;
  sb_error err = {0};
  /* an older file: algo_label, no provenance keys */
  json_t *j = json_pack("{s:s, s:s, s:s, s:i, s:s}", "id", "x", "status", "ok", "algo_label",
                        "spex[decoder=hard]", "budget", 64, "seed", "00000000000000ff");
  sb_run_result_init(&r);
  assert_int_equal(sb_run_result_from_json(&r, j, "old.json", &err), SB_OK);
  assert_string_equal(r.label, "spex[decoder=hard]");
  assert_int_equal(r.budget, 64);
  assert_int_equal(r.seed.value, 255);
  assert_null(r.commit);
  assert_int_equal(r.dirty, -1);
  assert_true(isnan(r.r2_heldout));
  sb_run_result_clear(&r);
  json_decref(j);
  /* a key of the wrong type names the file and the key */
  j = json_pack("{s:s, s:s, s:s}", "id", "x", "status", "ok", "budget", "many");
  sb_run_result_init(&r);
  assert_int_equal(sb_run_result_from_json(&r, j, "bad.json", &err), SB_EFORMAT);
  assert_non_null(strstr(err.msg, "bad.json"));
  assert_non_null(strstr(err.msg, "'budget'"));
  sb_run_result_clear(&r);
  json_decref(j);
  /* an unknown status, a missing required key */
  j = json_pack("{s:s, s:s}", "id", "x", "status", "done");
  sb_run_result_init(&r);
  assert_int_equal(sb_run_result_from_json(&r, j, "s.json", &err), SB_EFORMAT);
  sb_run_result_clear(&r);
  json_decref(j);
  j = json_pack("{s:s}", "status", "ok");
  sb_run_result_init(&r);
  assert_int_equal(sb_run_result_from_json(&r, j, "m.json", &err), SB_EFORMAT);
  assert_non_null(strstr(err.msg, "missing key 'id'"));
  sb_run_result_clear(&r);
  json_decref(j);
}

/* Write records as runs.csv rows, read them back through the CSV reader. */
static void write_rows(const char *path, sb_run_result *const *rs, size_t n) {
  FILE *fp = fopen(path, "w");
  assert_non_null(fp);
  sb_columns_csv_header(fp, sb_run_columns, SB_COL_IN_CSV);
  for (size_t i = 0; i < n; i++)
    assert_int_equal(sb_columns_csv_row(fp, sb_run_columns, rs[i], SB_COL_IN_CSV), SB_OK);
  assert_int_equal(fclose(fp), 0);
}

static void test_csv_header_and_round_trip(void **state) {
  (void)state;
  char path[600];
  snprintf(path, sizeof path, "%s/rt.csv", sb_test_tmpdir());
  sb_run_result full, sparse;
  fill_all(&full);
  sb_run_result_set(&full.message, "line one\nline two, \"quoted\"");
  sb_run_result_init(&sparse); /* a failed run without a result: almost nothing set */
  sb_run_result_set(&sparse.id, "r2");
  sparse.status = SB_RUN_FAILED;
  sb_run_result *rs[2] = {&full, &sparse};
  write_rows(path, rs, 2);
  sb_csv *csv = NULL;
  sb_error err = {0};
  assert_int_equal(sb_csv_read(path, &csv, &err), SB_OK);
  assert_int_equal(csv->nrows, 3);
  /* the header is exactly the table's CSV columns, in order */
  size_t f = 0;
  for (const sb_column *c = sb_run_columns; c->name; c++)
    if (c->flags & SB_COL_IN_CSV) assert_string_equal(csv->rows[0][f++], c->name);
  assert_int_equal(csv->nfields[0], f);
  /* a fully set record leaves no CSV field empty */
  for (size_t k = 0; k < f; k++)
    if (!csv->rows[1][k][0]) fail_msg("column %s is empty for a fully set record", csv->rows[0][k]);
  sb_run_result a, b;
  sb_run_result_init(&a), sb_run_result_init(&b);
  assert_int_equal(sb_columns_from_csv_row(sb_run_columns, &a, csv, 1, path, &err), SB_OK);
  assert_int_equal(sb_columns_from_csv_row(sb_run_columns, &b, csv, 2, path, &err), SB_OK);
  assert_string_equal(a.message, "line one line two, \"quoted\""); /* line breaks become spaces */
  sb_run_result_set(&full.message, a.message);
  json_t *ja = sb_run_result_to_json(&a, SB_COL_IN_CSV), *jf = sb_run_result_to_json(&full, SB_COL_IN_CSV);
  assert_true(json_equal(ja, jf));
  assert_string_equal(b.id, "r2");
  assert_int_equal(b.status, SB_RUN_FAILED);
  assert_int_equal(b.n, SB_SIZE_UNSET);
  assert_true(isnan(b.wall_s));
  assert_int_equal(b.phases.n, 0);
  json_decref(ja), json_decref(jf);
  sb_csv_free(csv);
  sb_run_result_clear(&a), sb_run_result_clear(&b), sb_run_result_clear(&full),
      sb_run_result_clear(&sparse);
}

static void test_csv_reader_errors(void **state) {
  (void)state;
  char path[600];
  snprintf(path, sizeof path, "%s/bad.csv", sb_test_tmpdir());
  FILE *fp = fopen(path, "w");
  fputs("id,status\nx,ok\n\"y,ok\n", fp);
  fclose(fp);
  sb_csv *csv = NULL;
  sb_error err = {0};
  assert_int_equal(sb_csv_read(path, &csv, &err), SB_EFORMAT);
  assert_non_null(strstr(err.msg, "bad.csv:3: quoted field never closed"));
  fp = fopen(path, "w");
  fputs("id,status\nx,ok,extra\n", fp);
  fclose(fp);
  assert_int_equal(sb_csv_read(path, &csv, &err), SB_OK);
  sb_run_result r;
  sb_run_result_init(&r);
  assert_int_equal(sb_columns_from_csv_row(sb_run_columns, &r, csv, 1, path, &err), SB_EFORMAT);
  assert_non_null(strstr(err.msg, "row 1: 3 fields, the header has 2"));
  sb_csv_free(csv);
  fp = fopen(path, "w");
  fputs("id,status,budget\nx,ok,-3\n", fp);
  fclose(fp);
  assert_int_equal(sb_csv_read(path, &csv, &err), SB_OK);
  assert_int_equal(sb_columns_from_csv_row(sb_run_columns, &r, csv, 1, path, &err), SB_EFORMAT);
  assert_non_null(strstr(err.msg, "column budget = '-3'"));
  sb_csv_free(csv);
  sb_run_result_clear(&r);
}

/* A real run fills every column it has a value for: a column whose table entry
 * pointed at the wrong field, or that the runner forgot to set, is caught here. */
static void test_real_run_fills_columns(void **state) {
  (void)state;
  sb_run_def rd = {0};
  rd.group = "g";
  rd.dataset_spec = "fourier:n=12,k=4,degree=2,seed=3";
  rd.family = "fourier";
  rd.algo = sb_algo_find("spex", NULL);
  rd.algo_label = "spex";
  rd.algo_params = "decoder=soft";
  rd.budget = 1024;
  rd.id = "g-i0__spex__B1024";
  rd.seed = 11, rd.design_seed = 12, rd.heldout_seed = 13;
  sb_run_options opt = {.heldout = 200,    .heldout_dist = SB_HELDOUT_UNIFORM, .threads = 1,
                        .master_seed = {5, 1}, .removal = 3, .removal_exact_max = 100};
  sb_run_result r;
  assert_int_equal(sb_run_execute_result(&rd, &opt, &r, NULL, NULL), SB_OK);
  assert_int_equal(r.status, SB_RUN_OK);
  sb_run_result_set(&r.experiment, "e");
  /* what an ok SPEX run on a synthetic function cannot have */
  static const char *const absent[] = {"message", "dataset_file", "identity", "transform_s",
                                       "cv_s", "final_fit_s", "extract_s", "live_asked",
                                       "live_asked_heldout", NULL};
  char buf[4096];
  for (const sb_column *c = sb_run_columns; c->name; c++) {
    int expect_empty = 0;
    for (size_t i = 0; absent[i]; i++) expect_empty |= !strcmp(absent[i], c->name);
    if (!strcmp(c->name, "commit") || !strcmp(c->name, "dirty")) continue; /* no git: unknown */
    const char *t = sb_columns_text(c, &r, buf, sizeof buf);
    if (expect_empty && t[0]) fail_msg("column %s unexpectedly set: %s", c->name, t);
    if (!expect_empty && !t[0]) fail_msg("column %s is empty after a real run", c->name);
  }
  assert_close(r.r2_exact, 1.0, 1e-6);
  assert_true(r.queries_used > 0 && r.queries_used <= 1024);
  assert_int_equal(r.master_seed.value, 5);
  assert_int_equal(r.heldout_seed.value, 13);
  /* fit --json: the FIT columns only (no id, group, instance, repetition) */
  json_t *j = sb_run_result_to_json(&r, SB_COL_IN_FIT);
  assert_null(json_object_get(j, "id"));
  assert_null(json_object_get(j, "group"));
  assert_non_null(json_object_get(j, "queries_used"));
  assert_non_null(json_object_get(j, "master_seed"));
  json_decref(j);
  sb_run_result_clear(&r);
}

/* docs/RESULTS.md holds exactly `spexbench report --columns` between its markers. */
static void test_doc_lists_the_table(void **state) {
  (void)state;
  const char *src = getenv("SB_SOURCE_DIR");
  if (!src) skip();
  char path[4096];
  snprintf(path, sizeof path, "%s/docs/RESULTS.md", src);
  char *doc = NULL;
  sb_error err;
  assert_int_equal(sb_read_file(path, &doc, NULL, &err), SB_OK);
  const char *b = strstr(doc, "<!-- BEGIN columns");
  assert_non_null(b);
  b = strchr(b, '\n') + 1;
  const char *e = strstr(b, "<!-- END columns -->");
  assert_non_null(e);
  char *want = NULL;
  size_t wlen = 0;
  FILE *mem = open_memstream(&want, &wlen);
  sb_report_columns_doc(mem);
  fclose(mem);
  if ((size_t)(e - b) != wlen || memcmp(b, want, wlen) != 0)
    fail_msg("docs/RESULTS.md's column reference differs from the column tables: replace the "
             "text between its markers with the output of `spexbench report --columns`");
  free(want);
  free(doc);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_table_well_formed),
      cmocka_unit_test(test_json_round_trip),
      cmocka_unit_test(test_json_errors_and_legacy),
      cmocka_unit_test(test_csv_header_and_round_trip),
      cmocka_unit_test(test_csv_reader_errors),
      cmocka_unit_test(test_real_run_fills_columns),
      cmocka_unit_test(test_doc_lists_the_table),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
