/* runner/aggregate: queries to reach a target R² (interpolated in log queries,
 * at-smallest-budget, not-reached) and the fitted slope of seconds against n
 * (exact on a power law), on hand-made summary cells; the CSV through the column
 * table. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "core/fsutil.h"
#include "runner/aggregate.h"

static sb_summary_cell cell(const char *group, const char *label, size_t budget, double q,
                            double r2, size_t n, double secs) {
  sb_summary_cell c;
  memset(&c, 0, sizeof c);
  c.group = group, c.label = label, c.algorithm = label;
  c.budget = budget, c.queries_median = q;
  c.r2_exact_median = r2, c.r2_median = r2 - 0.1;
  c.n_min = c.n_max = n;
  c.wall_s_median = secs;
  return c;
}

static void test_targets(void **state) {
  (void)state;
  sb_summary_cell cells[] = {
      /* spex crosses 0.9 between 1000 (0.8) and 4000 (1.0): halfway in log2 = 2000 */
      cell("h", "spex", 1000, 1000, 0.8, 64, 1), cell("h", "spex", 4000, 4000, 1.0, 64, 1),
      /* proxyspex: already at the smallest budget */
      cell("h", "proxyspex", 4000, 4000, 0.99, 64, 1),
      cell("h", "proxyspex", 1000, 900, 0.95, 64, 1), /* out of order on purpose */
      /* lime never reaches it */
      cell("h", "lime", 1000, 1000, 0.3, 64, 1), cell("h", "lime", 4000, 4000, 0.5, 64, 1),
  };
  sb_summary s = {cells, sizeof cells / sizeof cells[0], NULL, 0};
  sb_target_row *rows = NULL;
  size_t n = 0;
  sb_error err = {0};
  assert_int_equal(sb_targets_build(&s, 0.9, 1, &rows, &n, &err), SB_OK);
  assert_int_equal(n, 3);
  assert_string_equal(rows[0].label, "spex");
  assert_int_equal(rows[0].state, SB_TARGET_REACHED);
  assert_close(rows[0].queries, 2000, 1e-9);
  assert_int_equal(rows[0].budget, 4000);
  assert_close(rows[0].queries_below, 1000, 0);
  assert_int_equal(rows[1].state, SB_TARGET_AT_FIRST);
  assert_close(rows[1].queries, 900, 0); /* the smallest budget's queries, sorted by budget */
  assert_int_equal(rows[1].budget, 1000);
  assert_int_equal(rows[2].state, SB_TARGET_NOT_REACHED);
  assert_true(isnan(rows[2].queries));
  assert_close(rows[2].r2_at_budget, 0.5, 0); /* the best median */
  free(rows);
  /* held-out medians (0.1 lower): spex goes 0.7 -> 0.9, reaching the target at 4000 */
  assert_int_equal(sb_targets_build(&s, 0.9, 0, &rows, &n, &err), SB_OK);
  assert_int_equal(rows[0].state, SB_TARGET_REACHED);
  assert_close(rows[0].queries, 4000, 1e-9);
  free(rows);
  /* the CSV */
  char dir[] = "/tmp/sbaggXXXXXX", path[64];
  assert_non_null(mkdtemp(dir));
  snprintf(path, sizeof path, "%s/targets.csv", dir);
  assert_int_equal(sb_targets_build(&s, 0.9, 1, &rows, &n, &err), SB_OK);
  assert_int_equal(
      sb_aggregate_write_csv(path, sb_target_columns, rows, n, sizeof *rows, &err), SB_OK);
  free(rows);
  char *text = NULL;
  size_t len = 0;
  assert_int_equal(sb_read_file(path, &text, &len, &err), SB_OK);
  assert_true(!strncmp(text, "group,label,algorithm,target,exact,state,queries,", 49));
  assert_non_null(strstr(text, "h,spex,spex,0.9,true,reached,2000,4000,"));
  assert_non_null(strstr(text, "not-reached"));
  free(text);
  unlink(path);
  rmdir(dir);
}

static void test_slopes(void **state) {
  (void)state;
  /* seconds = 0.001 n^1.5 for a, 0.01 n for b; c has one n only (no fit) */
  sb_summary_cell cells[8];
  size_t k = 0;
  const size_t ns[] = {16, 64, 256, 1024};
  for (size_t i = 0; i < 4; i++) {
    char *g = malloc(16);
    snprintf(g, 16, "n=%zu", ns[i]);
    cells[k++] = cell(g, "a", 2048, 2048, 1, ns[i], 0.001 * pow((double)ns[i], 1.5));
    cells[k++] = cell(g, "b", 2048, 2048, 1, ns[i], i == 2 ? 0 : 0.01 * (double)ns[i]);
  }
  sb_summary s = {cells, k, NULL, 0};
  sb_slope_row *rows = NULL;
  size_t n = 0;
  sb_error err = {0};
  assert_int_equal(sb_slopes_build(&s, &rows, &n, &err), SB_OK);
  assert_int_equal(n, 2);
  assert_string_equal(rows[0].label, "a");
  assert_close(rows[0].slope, 1.5, 1e-12);
  assert_close(rows[0].intercept, -3, 1e-12);
  assert_int_equal(rows[0].points, 4);
  assert_int_equal(rows[0].n_min, 16);
  assert_int_equal(rows[0].n_max, 1024);
  assert_close(rows[0].seconds_at_max, 0.001 * pow(1024, 1.5), 1e-9);
  assert_close(rows[1].slope, 1.0, 1e-12); /* the zero-time cell is left out */
  assert_int_equal(rows[1].points, 3);
  free(rows);
  for (size_t i = 0; i < k; i += 2) free((char *)cells[i].group);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_targets),
      cmocka_unit_test(test_slopes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
