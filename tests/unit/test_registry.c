/* The registries and the algorithm template.
 *
 * Registries (algos/registry.c, data/dataset.c): names unique and non-empty,
 * found by name, each algorithm either design + fit or run (not both), every
 * parameter table well formed (unique names, help text, enum choices) with
 * defaults that validate; a parameter without a default is required and named
 * when missing, and with none required the defaults alone make a valid set.
 *
 * The template (examples/algorithm_template.c) is compiled here (included), run
 * through sb_algo_execute like any registered algorithm, and the code block of
 * docs/ADDING_AN_ALGORITHM.md must equal the file byte for byte, so the doc
 * cannot drift into code that does not compile. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algos/algo.h"
#include "core/seed.h"
#include "data/dataset.h"
#include "metrics/metrics.h"

#include "../../examples/algorithm_template.c"

/* A parameter table: names unique, help present, enums list their choices,
 * defaults that validate.  A parameter without a default is required: parsing
 * the defaults alone then fails, naming it; with none required they make a
 * complete, valid parameter set.  `what` names the owner. */
static void check_params(const sb_param_def *defs, const char *what) {
  if (!defs) return;
  const char *required = NULL;
  for (size_t i = 0; defs[i].name; i++) {
    const sb_param_def *d = &defs[i];
    if (!d->help || !*d->help) print_error("%s: parameter %s has no help\n", what, d->name);
    assert_true(d->help && *d->help);
    for (size_t j = 0; j < i; j++) assert_string_not_equal(defs[j].name, d->name);
    if (d->type == SB_PARAM_ENUM) assert_true(d->choices && strchr(d->choices, '|'));
    if (!d->def) {
      if (!required) required = d->name;
      continue;
    }
    sb_error e = {0};
    int rc = sb_param_validate(d, d->def, what, &e);
    if (rc) print_error("%s: default of %s does not validate: %s\n", what, d->name, e.msg);
    assert_int_equal(rc, SB_OK);
  }
  sb_params *p = NULL;
  sb_error e = {0};
  int rc = sb_params_parse("", defs, what, &p, &e);
  if (required) {
    assert_int_not_equal(rc, SB_OK);
    assert_non_null(strstr(e.msg, required));
    assert_null(p);
  } else {
    if (rc) print_error("%s: the defaults alone do not parse: %s\n", what, e.msg);
    assert_int_equal(rc, SB_OK);
    sb_params_free(p);
  }
}

static void test_algorithm_registry(void **state) {
  (void)state;
  size_t count = 0;
  for (size_t i = 0; sb_algo_types[i]; i++, count++) {
    const sb_algo_type *t = sb_algo_types[i];
    assert_true(t->name && *t->name && t->summary && *t->summary);
    for (size_t j = 0; j < i; j++) assert_string_not_equal(sb_algo_types[j]->name, t->name);
    sb_error e = {0};
    assert_ptr_equal(sb_algo_find(t->name, &e), t);
    int staged = t->design && t->fit, adaptive = t->run != NULL;
    if (staged == adaptive)
      print_error("%s: needs design + fit or run, not both or neither\n", t->name);
    assert_true(staged != adaptive);
    assert_true(adaptive || (!t->design == !t->fit));
    check_params(t->params, t->name);
  }
  assert_true(count >= 12);
  /* the template's name is free, so it could be registered as it is */
  sb_error e = {0};
  assert_null(sb_algo_find(sb_algo_myalgo.name, &e));
  assert_non_null(strstr(e.msg, "spex")); /* the message lists the valid names */
}

static void test_family_registry(void **state) {
  (void)state;
  size_t count = 0;
  for (size_t i = 0; sb_dataset_families[i]; i++, count++) {
    const sb_dataset_family *f = sb_dataset_families[i];
    assert_true(f->name && *f->name && f->summary && *f->summary && f->open);
    for (size_t j = 0; j < i; j++) assert_string_not_equal(sb_dataset_families[j]->name, f->name);
    assert_ptr_equal(sb_dataset_family_find(f->name), f);
    if (f->flags & SB_FAMILY_FILE) assert_null(f->params); /* "family:PATH" takes no parameters */
    check_params(f->params, f->name);
  }
  assert_true(count >= 6);
}

/* The template runs like a registered algorithm: parameters parsed against its
 * table, the budget honoured, a first-order function recovered, the Möbius
 * option equal to the Fourier surrogate converted, the skip rule applied. */
static void run_template(const char *params, size_t budget, sb_fit *fit, int want_rc,
                         sb_dataset *d) {
  sb_params *p = NULL;
  sb_error e = {0};
  assert_int_equal(sb_params_parse(params, sb_algo_myalgo.params, "myalgo", &p, &e), SB_OK);
  gsl_rng *rng = sb_rng_alloc(7);
  sb_oracle *o = sb_oracle_alloc(d->n, d->eval, d->ctx, budget);
  sb_algo_ctx ctx = {d->n, budget, p, rng, 7, 7, 0, 1, 0};
  int rc = sb_algo_execute(&sb_algo_myalgo, &ctx, o, fit, &e);
  if (rc != want_rc) print_error("myalgo: rc %d (want %d): %s\n", rc, want_rc, e.msg);
  assert_int_equal(rc, want_rc);
  assert_true(sb_oracle_used(o) <= budget);
  if (want_rc == SB_ESKIP) assert_non_null(strstr(e.msg, "below min_budget"));
  sb_oracle_free(o);
  gsl_rng_free(rng);
  sb_params_free(p);
}

static void test_template_runs(void **state) {
  (void)state;
  sb_dataset *d = NULL;
  sb_error e = {0};
  assert_int_equal(sb_dataset_open("fourier:n=10,k=6,degree=1,constant=2,seed=3", &d, &e), SB_OK);
  sb_fit fit, mob;
  run_template("", 512, &fit, SB_OK, d);
  assert_non_null(fit.surrogate);
  assert_int_equal(fit.surrogate->basis, SB_BASIS_FOURIER);
  assert_true(sb_spectrum_max_degree(fit.surrogate) <= 1);
  /* exact R² over all 2^10 masks: close to 1 for a degree-1 function */
  double r2 = NAN;
  assert_int_equal(sb_r2_parseval(d->truth, fit.surrogate, &r2, &e), SB_OK);
  print_message("myalgo on a degree-1 function, 512 samples: R² = %.4f\n", r2);
  assert_true(r2 > 0.9);
  assert_close(sb_spectrum_get(fit.surrogate, (uint64_t[]){0}), 2.0, 0.2);
  run_template("basis=mobius,min_budget=8", 512, &mob, SB_OK, d);
  assert_int_equal(mob.surrogate->basis, SB_BASIS_MOBIUS);
  for (uint64_t x = 0; x < 1024; x += 37)
    assert_close(sb_spectrum_eval(mob.surrogate, &x), sb_spectrum_eval(fit.surrogate, &x), 1e-9);
  sb_fit_clear(&fit);
  sb_fit_clear(&mob);
  run_template("", 8, &fit, SB_ESKIP, d);
  sb_fit_clear(&fit);
  sb_dataset_free(d);
}

/* Read a whole text file (NULL if absent). */
static char *read_text(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *b = malloc((size_t)n + 1);
  size_t got = fread(b, 1, (size_t)n, f);
  fclose(f);
  b[got] = '\0';
  return b;
}

static void test_doc_quotes_template(void **state) {
  (void)state;
  const char *src = getenv("SB_SOURCE_DIR");
  char doc_path[4096], tpl_path[4096];
  snprintf(doc_path, sizeof doc_path, "%s/docs/ADDING_AN_ALGORITHM.md", src ? src : SB_SOURCE_DIR);
  snprintf(tpl_path, sizeof tpl_path, "%s/examples/algorithm_template.c", src ? src : SB_SOURCE_DIR);
  char *doc = read_text(doc_path), *tpl = read_text(tpl_path);
  assert_non_null(doc);
  assert_non_null(tpl);
  const char *open = strstr(doc, "```c\n");
  assert_non_null(open);
  open += 5;
  const char *close = strstr(open, "\n```");
  assert_non_null(close);
  size_t len = (size_t)(close - open) + 1; /* the block's last newline */
  int same = len == strlen(tpl) && !memcmp(open, tpl, len);
  if (!same)
    print_error("the ```c block of %s differs from %s: paste the file into the doc again\n",
                doc_path, tpl_path);
  assert_true(same);
  free(doc);
  free(tpl);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_algorithm_registry),
      cmocka_unit_test(test_family_registry),
      cmocka_unit_test(test_template_runs),
      cmocka_unit_test(test_doc_quotes_template),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
