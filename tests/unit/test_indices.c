/* Interaction indices (src/indices) against shapiq's exact values: every index,
 * every order 1..8, both games of shared/fixtures/shapiq-interaction-values-
 * california-n8 (the Moebius_order=8 file defines the game).  Tolerances are
 * those of the issue: FSII 1e-8 (shapiq solved FSII by least squares), all
 * others 1e-10.  Skips (with a message) when shared/ is absent. */
#include "testutil.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/fsutil.h"
#include "indices/indices.h"

#define FIXDIR "fixtures/shapiq-interaction-values-california-n8"

static const char *const games[] = {"imputer", "tree"};

/* "Empty" / "" = ∅, "0,3" = {0,3}. */
static void parse_key(const char *key, uint64_t *set) {
  set[0] = 0;
  if (!strcmp(key, "Empty") || !*key) return;
  const char *p = key;
  while (*p) {
    char *end;
    long i = strtol(p, &end, 10);
    assert_true(end != p && i >= 0 && i < 64);
    sb_mask_set(set, (size_t)i);
    p = *end == ',' ? end + 1 : end;
  }
}

static json_t *load_fixture(const char *game, const char *index, int order) {
  const char *shared = sb_test_shared_dir();
  if (!shared) return NULL;
  char path[4096];
  snprintf(path, sizeof path, "%s/" FIXDIR "/%s_index=%s_order=%d.json", shared, game, index,
           order);
  json_error_t jerr;
  json_t *j = json_load_file(path, 0, &jerr);
  if (!j) print_error("cannot load %s: %s\n", path, jerr.text);
  assert_non_null(j);
  return j;
}

static int have_fixtures(void) {
  const char *shared = sb_test_shared_dir();
  char path[4096];
  if (shared) {
    snprintf(path, sizeof path, "%s/" FIXDIR "/imputer_index=Moebius_order=8.json", shared);
    if (sb_file_exists(path)) return 1;
  }
  print_message("shared fixtures (" FIXDIR ") not found: skipping\n");
  return 0;
}

/* The game as a Möbius spectrum; *f_empty gets baseline_value. */
static sb_spectrum *load_game(const char *game, double *f_empty) {
  json_t *j = load_fixture(game, "Moebius", 8);
  json_t *meta = json_object_get(j, "metadata"), *data = json_object_get(j, "data");
  size_t n = (size_t)json_integer_value(json_object_get(meta, "n_players"));
  assert_int_equal(n, 8);
  sb_spectrum *m = sb_spectrum_alloc(SB_BASIS_MOBIUS, n);
  assert_non_null(m);
  *f_empty = json_real_value(json_object_get(meta, "baseline_value"));
  uint64_t set[1];
  set[0] = 0;
  sb_spectrum_put(m, set, *f_empty); /* absent key = ∅ = baseline_value */
  const char *key;
  json_t *v;
  json_object_foreach(data, key, v) {
    parse_key(key, set);
    sb_spectrum_put(m, set, json_number_value(v));
  }
  assert_int_equal(sb_spectrum_size(m), 256);
  json_decref(j);
  return m;
}

/* Compare the computed index with one fixture file: every fixture entry, and
 * every computed set in the file's order range must appear in the fixture. */
static void compare(const sb_spectrum *vals, json_t *fix, double tol, const char *what) {
  json_t *meta = json_object_get(fix, "metadata"), *data = json_object_get(fix, "data");
  size_t mino = (size_t)json_integer_value(json_object_get(meta, "min_order"));
  size_t maxo = (size_t)json_integer_value(json_object_get(meta, "max_order"));
  const char *key;
  json_t *v;
  uint64_t set[1];
  size_t checked = 0;
  double worst = 0;
  json_object_foreach(data, key, v) {
    parse_key(key, set);
    double got = sb_spectrum_get(vals, set), want = json_number_value(v);
    if (!(fabs(got - want) <= tol)) print_error("%s: set '%s'\n", what, key);
    assert_close(got, want, tol);
    if (fabs(got - want) > worst) worst = fabs(got - want);
    checked++;
  }
  assert_true(checked > 0);
  size_t expected = 0;
  for (size_t i = 0; i < sb_spectrum_size(vals); i++) {
    size_t s = sb_spectrum_degree(vals, i);
    if (s >= mino && s <= maxo) expected++;
  }
  assert_true(expected <= checked); /* nothing computed outside the fixture's sets */
}

static void run_index(sb_index_kind k, const char *file_index, int order_lo, int order_hi,
                      double tol) {
  if (!have_fixtures()) skip();
  for (size_t g = 0; g < 2; g++) {
    double f0;
    sb_spectrum *m = load_game(games[g], &f0);
    for (int l = order_lo; l <= order_hi; l++) {
      sb_error err = {0};
      sb_spectrum *vals = sb_index_compute(m, k, (size_t)l, 0, &err);
      if (!vals) print_error("%s\n", err.msg);
      assert_non_null(vals);
      json_t *fix = load_fixture(games[g], file_index, l);
      char what[128];
      snprintf(what, sizeof what, "%s %s order %d", games[g], file_index, l);
      compare(vals, fix, tol, what);
      json_decref(fix);
      sb_spectrum_free(vals);
    }
    sb_spectrum_free(m);
  }
}

static void test_sii(void **st) { run_index(SB_INDEX_SII, "SII", 1, 8, 1e-10); }
static void test_bii(void **st) { run_index(SB_INDEX_BII, "BII", 1, 8, 1e-10); }
static void test_stii(void **st) { run_index(SB_INDEX_STII, "STII", 1, 8, 1e-10); }
static void test_fbii(void **st) { run_index(SB_INDEX_FBII, "FBII", 1, 8, 1e-10); }
static void test_fsii(void **st) { run_index(SB_INDEX_FSII, "FSII", 1, 8, 1e-8); }
static void test_ksii(void **st) { run_index(SB_INDEX_KSII, "k-SII", 1, 8, 1e-10); }
static void test_sv(void **st) { run_index(SB_INDEX_SV, "SV", 1, 1, 1e-10); }
static void test_bv(void **st) { run_index(SB_INDEX_BV, "BV", 1, 1, 1e-10); }

/* Möbius of every order: the restriction of the game itself. */
static void test_moebius_orders(void **st) {
  if (!have_fixtures()) skip();
  double f0;
  sb_spectrum *m = load_game("tree", &f0);
  for (size_t l = 1; l <= 8; l++) {
    sb_error err = {0};
    sb_spectrum *v = sb_index_compute(m, SB_INDEX_MOBIUS, l, 0, &err);
    assert_non_null(v);
    for (size_t i = 0; i < sb_spectrum_size(m); i++) {
      const uint64_t *key = sb_spectrum_key(m, i);
      double want = sb_spectrum_degree(m, i) <= l ? m->values[i] : 0.0;
      assert_close(sb_spectrum_get(v, key), want, 1e-15);
    }
    sb_spectrum_free(v);
  }
  sb_spectrum_free(m);
}

/* The same indices from the Fourier form of the game (conversion path). */
static void test_from_fourier(void **st) {
  if (!have_fixtures()) skip();
  double f0;
  sb_spectrum *m = load_game("imputer", &f0);
  sb_error err = {0};
  sb_spectrum *F = sb_spectrum_to_fourier(m, 0, &err);
  assert_non_null(F);
  static const struct {
    sb_index_kind k;
    const char *name;
    double tol;
  } cases[] = {{SB_INDEX_SII, "SII", 1e-10}, {SB_INDEX_FSII, "FSII", 1e-8},
               {SB_INDEX_KSII, "k-SII", 1e-10}, {SB_INDEX_FBII, "FBII", 1e-10}};
  for (size_t c = 0; c < 4; c++) {
    sb_spectrum *v = sb_index_compute(F, cases[c].k, 3, 0, &err);
    assert_non_null(v);
    json_t *fix = load_fixture("imputer", cases[c].name, 3);
    compare(v, fix, cases[c].tol, cases[c].name);
    json_decref(fix);
    sb_spectrum_free(v);
  }
  sb_spectrum_free(F);
  sb_spectrum_free(m);
}

/* Efficiency-type identities that do not depend on the fixtures. */
static void test_identities(void **st) {
  /* Bernoulli numbers with B1 = -1/2 */
  double b[9];
  sb_bernoulli(8, b);
  assert_close(b[0], 1, 0);
  assert_close(b[1], -0.5, 1e-16);
  assert_close(b[2], 1.0 / 6, 1e-16);
  assert_close(b[3], 0, 0);
  assert_close(b[4], -1.0 / 30, 1e-16);
  assert_close(b[6], 1.0 / 42, 1e-16);
  assert_close(b[8], -1.0 / 30, 1e-15);
  /* Shapley values of a(T) = 1 for T = {0,1,2}: 1/3 each; sum = f([n]) - f(∅). */
  sb_spectrum *m = sb_spectrum_alloc(SB_BASIS_MOBIUS, 5);
  size_t t[3] = {0, 1, 2};
  sb_spectrum_add_indices(m, t, 3, 1.0);
  sb_spectrum_add_indices(m, t, 0, 4.0);
  sb_error err = {0};
  sb_spectrum *sv = sb_index_compute(m, SB_INDEX_SV, 1, 0, &err);
  for (size_t i = 0; i < 3; i++) {
    size_t one[1] = {i};
    uint64_t set[1] = {(uint64_t)1 << i};
    (void)one;
    assert_close(sb_spectrum_get(sv, set), 1.0 / 3, 1e-15);
  }
  uint64_t s3[1] = {3};
  assert_close(sb_spectrum_get(sv, s3), 0, 0); /* order 1 only */
  sb_spectrum_free(sv);
  sb_index_kind k;
  assert_int_equal(sb_index_parse("kSII", &k, &err), SB_OK);
  assert_int_equal(k, SB_INDEX_KSII);
  assert_int_equal(sb_index_parse("fsii", &k, &err), SB_OK);
  assert_int_equal(k, SB_INDEX_FSII);
  assert_int_equal(sb_index_parse("nope", &k, &err), SB_EINVAL);
  assert_non_null(strstr(err.msg, "k-SII"));
  /* order out of range */
  assert_null(sb_index_compute(m, SB_INDEX_SII, 6, 0, &err));
  assert_int_equal(err.code, SB_EINVAL);
  sb_spectrum_free(m);
}

/* Export: shapiq's layout, the fixture's metadata and keys, values round-trip. */
static void test_export_layout(void **st) {
  if (!have_fixtures()) skip();
  double f0;
  sb_spectrum *m = load_game("imputer", &f0);
  sb_error err = {0};
  sb_spectrum *v = sb_index_compute(m, SB_INDEX_FSII, 3, 0, &err);
  assert_non_null(v);
  char path[4200];
  snprintf(path, sizeof path, "%s/fsii3.json", sb_test_tmpdir());
  sb_index_export_opts o = {SB_INDEX_FSII, 1, 3, 0, 0, sb_index_baseline(v, SB_INDEX_FSII, f0),
                            NULL};
  assert_int_equal(sb_index_export_shapiq(v, &o, path, &err), SB_OK);
  json_error_t jerr;
  json_t *got = json_load_file(path, 0, &jerr);
  assert_non_null(got);
  json_t *fix = load_fixture("imputer", "FSII", 3);
  /* same top-level fields */
  const char *key;
  json_t *val;
  json_object_foreach(fix, key, val) {
    if (!json_object_get(got, key)) print_error("export lacks field '%s'\n", key);
    assert_non_null(json_object_get(got, key));
  }
  json_t *gm = json_object_get(got, "metadata"), *fm = json_object_get(fix, "metadata");
  json_object_foreach(fm, key, val) {
    json_t *g = json_object_get(gm, key);
    assert_non_null(g);
    if (json_is_number(val)) assert_close(json_number_value(g), json_number_value(val), 1e-12);
    else assert_true(json_equal(g, val));
  }
  /* identical key sets, values within FSII tolerance */
  json_t *gd = json_object_get(got, "data"), *fd = json_object_get(fix, "data");
  assert_int_equal(json_object_size(gd), json_object_size(fd));
  json_object_foreach(fd, key, val) {
    json_t *g = json_object_get(gd, key);
    if (!g) print_error("export lacks key '%s'\n", key);
    assert_non_null(g);
    assert_close(json_number_value(g), json_number_value(val), 1e-8);
  }
  /* min_order 0 writes "Empty" */
  o.min_order = 0;
  assert_int_equal(sb_index_export_shapiq(v, &o, path, &err), SB_OK);
  json_decref(got);
  got = json_load_file(path, 0, &jerr);
  assert_non_null(json_object_get(json_object_get(got, "data"), "Empty"));
  assert_close(json_number_value(json_object_get(json_object_get(got, "data"), "Empty")), f0,
               1e-12);
  json_decref(got);
  json_decref(fix);
  sb_spectrum_free(v);
  sb_spectrum_free(m);
}

/* ---- export: every field against shapiq's files ---------------------------- */

/* The fixtures are shapiq's ExactComputer output cut to min_order 1 by its test
 * script (iv.get_n_order(min_order=1, max_order=order)); our export keeps ∅
 * (min_order 0, as ExactComputer writes).  In the tree game's files the baselines
 * of BII, FBII, FSII and STII are those of the game centred at f(∅) (they were
 * computed from normalised values; the other indices' from raw ones): those four
 * are checked against the export of the centred game, everything else against
 * the raw game. */

/* Σ_T a(T) w^|T|-style sums over the game: ∅ value of SII (1/(t+1)) or BII (2^-t). */
static double empty_sum(const sb_spectrum *m, int banzhaf) {
  double v = 0;
  for (size_t i = 0; i < sb_spectrum_size(m); i++) {
    double t = (double)sb_spectrum_degree(m, i);
    v += m->values[i] * (banzhaf ? pow(2.0, -t) : 1.0 / (t + 1));
  }
  return v;
}

/* shapiq's timestamp shape: 2025-07-10T20:46:06.214829+00:00Z; returns seconds since the epoch. */
static double parse_timestamp(const char *ts) {
  struct tm tmv;
  memset(&tmv, 0, sizeof tmv);
  int us = -1, used = 0;
  assert_int_equal(strlen(ts), 33);
  assert_int_equal(sscanf(ts, "%4d-%2d-%2dT%2d:%2d:%2d.%6d%n", &tmv.tm_year, &tmv.tm_mon,
                          &tmv.tm_mday, &tmv.tm_hour, &tmv.tm_min, &tmv.tm_sec, &us, &used),
                   7);
  assert_int_equal(used, 26);
  assert_string_equal(ts + 26, "+00:00Z");
  tmv.tm_year -= 1900;
  tmv.tm_mon -= 1;
  return (double)timegm(&tmv) + 1e-6 * us;
}

static json_t *export_json(const sb_spectrum *game, double f0, sb_index_kind k, size_t order,
                           int exact, size_t budget) {
  sb_error err = {0};
  sb_spectrum *v = sb_index_compute(game, k, order, 0, &err);
  assert_non_null(v);
  sb_index_export_opts o;
  sb_index_export_defaults(v, k, order, f0, exact, budget, &o);
  json_t *j = sb_index_to_shapiq_json(v, &o, &err);
  assert_non_null(j);
  sb_spectrum_free(v);
  return j;
}

static void check_export_file(const char *game, const sb_spectrum *m, const sb_spectrum *centred,
                              double f0, sb_index_kind k, const char *file_index, int order) {
  char what[96];
  snprintf(what, sizeof what, "%s %s order %d", game, file_index, order);
  json_t *fix = load_fixture(game, file_index, order);
  json_t *got = export_json(m, f0, k, (size_t)order, 1, 0);
  double tol = k == SB_INDEX_FSII ? 1e-8 : 1e-10;
  /* top level: every field of the fixture, same value (description and timestamp aside) */
  const char *key;
  json_t *val;
  json_object_foreach(fix, key, val) {
    json_t *g = json_object_get(got, key);
    if (!g) print_error("%s: export lacks '%s'\n", what, key);
    assert_non_null(g);
    if (!strcmp(key, "description")) assert_true(json_is_string(g));
    else if (!strcmp(key, "timestamp")) {
      parse_timestamp(json_string_value(val)); /* the fixture has shapiq's shape... */
      double t = parse_timestamp(json_string_value(g)); /* ...and so do we, with the time now */
      assert_true(fabs(t - (double)time(NULL)) < 120);
    } else if (strcmp(key, "metadata") && strcmp(key, "data"))
      assert_true(json_equal(g, val));
  }
  /* metadata */
  json_t *gm = json_object_get(got, "metadata"), *fm = json_object_get(fix, "metadata");
  assert_int_equal(json_object_size(gm), json_object_size(fm));
  static const char *const same[] = {"n_players", "index", "max_order", "estimated",
                                     "estimation_budget", NULL};
  for (size_t i = 0; same[i]; i++) {
    if (!json_equal(json_object_get(gm, same[i]), json_object_get(fm, same[i])))
      print_error("%s: metadata %s differs\n", what, same[i]);
    assert_true(json_equal(json_object_get(gm, same[i]), json_object_get(fm, same[i])));
  }
  assert_int_equal(json_integer_value(json_object_get(gm, "min_order")), 0);
  size_t fmin = (size_t)json_integer_value(json_object_get(fm, "min_order"));
  assert_int_equal(fmin, k == SB_INDEX_MOBIUS ? 0 : 1);
  double base = json_real_value(json_object_get(gm, "baseline_value"));
  double fbase = json_number_value(json_object_get(fm, "baseline_value"));
  int centred_base = !strcmp(game, "tree") && (k == SB_INDEX_BII || k == SB_INDEX_FBII ||
                                               k == SB_INDEX_FSII || k == SB_INDEX_STII);
  if (centred_base) {
    json_t *c = export_json(centred, 0.0, k, (size_t)order, 1, 0);
    double cb = json_real_value(json_object_get(json_object_get(c, "metadata"), "baseline_value"));
    if (fabs(cb - fbase) > tol) print_error("%s: centred baseline %.17g, fixture %.17g\n", what, cb, fbase);
    assert_close(cb, fbase, tol);
    json_decref(c);
  } else {
    if (fabs(base - fbase) > tol) print_error("%s: baseline %.17g, fixture %.17g\n", what, base, fbase);
    assert_close(base, fbase, tol);
  }
  /* data: the fixture's keys in the fixture's order, after "Empty" */
  json_t *gd = json_object_get(got, "data"), *fd = json_object_get(fix, "data");
  assert_int_equal(json_object_size(gd), json_object_size(fd) + (fmin == 1 ? 1 : 0));
  void *gi = json_object_iter(gd);
  assert_string_equal(json_object_iter_key(gi), "Empty");
  if (fmin == 1) gi = json_object_iter_next(gd, gi);
  json_object_foreach(fd, key, val) {
    assert_non_null(gi);
    if (strcmp(json_object_iter_key(gi), key) != 0)
      print_error("%s: key '%s' where the fixture has '%s'\n", what, json_object_iter_key(gi), key);
    assert_string_equal(json_object_iter_key(gi), key);
    assert_close(json_number_value(json_object_iter_value(gi)), json_number_value(val), tol);
    gi = json_object_iter_next(gd, gi);
  }
  /* "Empty": shapiq's value, computed here from the game itself */
  double empty = json_real_value(json_object_get(gd, "Empty")), want = f0;
  const char *label = json_string_value(json_object_get(gm, "index"));
  if (k == SB_INDEX_SII && order >= 2) want = empty_sum(m, 0);
  else if (k == SB_INDEX_BII) want = empty_sum(m, 1);
  else if (k == SB_INDEX_FBII) want = base; /* the index's own ∅ value, = baseline */
  assert_close(empty, want, tol);
  /* a fixed point of shapiq's loading: only SII keeps an ∅ value apart from the baseline */
  if (strcmp(label, "SII") != 0) assert_close(empty, base, 0);
  json_decref(got);
  json_decref(fix);
}

static void test_export_shapiq_fields(void **st) {
  if (!have_fixtures()) skip();
  static const struct {
    sb_index_kind k;
    const char *name;
    int lo, hi;
  } files[] = {{SB_INDEX_SII, "SII", 1, 8},   {SB_INDEX_BII, "BII", 1, 8},
               {SB_INDEX_FSII, "FSII", 1, 8}, {SB_INDEX_FBII, "FBII", 1, 8},
               {SB_INDEX_STII, "STII", 1, 8}, {SB_INDEX_KSII, "k-SII", 1, 8},
               {SB_INDEX_SV, "SV", 1, 1},     {SB_INDEX_BV, "BV", 1, 1},
               {SB_INDEX_MOBIUS, "Moebius", 8, 8}};
  for (size_t g = 0; g < 2; g++) {
    double f0;
    sb_spectrum *m = load_game(games[g], &f0);
    sb_spectrum *c = sb_spectrum_clone(m);
    uint64_t e[1] = {0};
    sb_spectrum_put(c, e, 0.0); /* the game minus f(∅) */
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
      for (int l = files[i].lo; l <= files[i].hi; l++)
        check_export_file(games[g], m, c, f0, files[i].k, files[i].name, l);
    sb_spectrum_free(c);
    sb_spectrum_free(m);
  }
}

/* Estimated values: estimated true and the budget; exact ones null (checked above). */
static void test_export_estimated(void **st) {
  if (!have_fixtures()) skip();
  double f0;
  sb_spectrum *m = load_game("imputer", &f0);
  json_t *j = export_json(m, f0, SB_INDEX_FSII, 2, 0, 1234);
  json_t *meta = json_object_get(j, "metadata");
  assert_true(json_is_true(json_object_get(meta, "estimated")));
  assert_int_equal(json_integer_value(json_object_get(meta, "estimation_budget")), 1234);
  json_decref(j);
  sb_spectrum_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_identities),   cmocka_unit_test(test_sii),
      cmocka_unit_test(test_bii),          cmocka_unit_test(test_stii),
      cmocka_unit_test(test_fbii),         cmocka_unit_test(test_fsii),
      cmocka_unit_test(test_ksii),         cmocka_unit_test(test_sv),
      cmocka_unit_test(test_bv),           cmocka_unit_test(test_moebius_orders),
      cmocka_unit_test(test_from_fourier), cmocka_unit_test(test_export_layout),
      cmocka_unit_test(test_export_shapiq_fields), cmocka_unit_test(test_export_estimated),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
