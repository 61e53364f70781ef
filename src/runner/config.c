/* Experiment configs: the [experiment] keys (a table of setters), loading, and
 * the run definitions (datasets × algorithm variants × budgets × repetitions)
 * with their seeds, ids and identities.  The INI syntax is in ini.c, lists,
 * grids and the [dataset] / [algorithm] sections in grid.c. */
#include "runner/config.h"

#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/digest.h"
#include "core/fault.h"
#include "core/fsutil.h"
#include "core/seed.h"
#include "data/dataset.h"
#include "runner/grid.h"
#include "runner/ini.h"

#define MAX_REPETITIONS 100000
#define NAME_MAX_LEN 100

/* ==== names ============================================================== */

int sb_name_check(const char *name, const char *what, sb_error *err) {
  size_t len = strlen(name);
  const char *why = NULL;
  if (len == 0) why = "it is empty";
  else if (len > NAME_MAX_LEN) why = "it is longer than 100 characters";
  else if (!((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z') ||
             (name[0] >= '0' && name[0] <= '9')))
    why = "it must start with a letter or a digit";
  for (const char *p = name; !why && *p; p++) {
    char c = *p;
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '.' || c == '-' || c == '_'))
      why = (unsigned char)c < 32 || c == 127 ? "it contains a control character"
            : c == '/'                         ? "it contains '/' (a name is not a path)"
                                               : "it contains a character other than letters, "
                                                 "digits, '.', '-' and '_'";
  }
  if (!why) return SB_OK;
  char shown[64];
  size_t k = 0;
  for (const char *p = name; *p && k + 4 < sizeof shown; p++)
    shown[k++] = (unsigned char)*p < 32 || *p == 127 ? '?' : *p;
  shown[k] = '\0';
  return sb_error_set(err, SB_EINVAL, "%s = '%s': %s (use 1-100 letters, digits, '.', '-', '_', "
                      "starting with a letter or digit)", what, shown, why);
}

/* ==== [experiment] keys ==================================================== */

typedef struct load_state {
  const char *path;
  sb_config *c;
  size_t *budgets, n_budgets;
  int has_name;
} load_state;

/* "FILE:LINE: KEY = 'VALUE': " + message. */
static int key_error(const load_state *st, const sb_ini_entry *e, sb_error *err, const char *msg) {
  return sb_error_set(err, SB_EINVAL, "%s:%d: %s = '%s': %s", st->path, e->line, e->key,
                      e->value, msg);
}

/* An unsigned integer in [lo, hi]; `expect` describes the valid values. */
static int uint_key(const load_state *st, const sb_ini_entry *e, uint64_t lo, uint64_t hi,
                    const char *expect, uint64_t *v, sb_error *err) {
  sb_num r = sb_parse_u64(e->value, lo, hi, v);
  if (r == SB_NUM_OK) return SB_OK;
  char msg[200];
  snprintf(msg, sizeof msg, "%sexpected %s", r == SB_NUM_RANGE ? "out of range: " : "", expect);
  return key_error(st, e, err, msg);
}

static int set_name(load_state *st, const sb_ini_entry *e, sb_error *err) {
  sb_error e2;
  if (sb_name_check(e->value, "name", &e2))
    return sb_error_set(err, SB_EINVAL, "%s:%d: %s", st->path, e->line, e2.msg);
  free(st->c->name);
  st->c->name = strdup(e->value);
  st->has_name = 1;
  return st->c->name ? SB_OK : sb_error_set(err, SB_ENOMEM, "out of memory");
}

static int set_description(load_state *st, const sb_ini_entry *e, sb_error *err) {
  st->c->description = strdup(e->value);
  return st->c->description ? SB_OK : sb_error_set(err, SB_ENOMEM, "out of memory");
}

static int set_seed(load_state *st, const sb_ini_entry *e, sb_error *err) {
  return uint_key(st, e, 0, UINT64_MAX, "an integer >= 0 (below 2^64)", &st->c->seed, err);
}

static int set_repetitions(load_state *st, const sb_ini_entry *e, sb_error *err) {
  uint64_t v;
  int rc = uint_key(st, e, 1, MAX_REPETITIONS, "an integer >= 1 (at most 100000)", &v, err);
  if (!rc) st->c->repetitions = (size_t)v;
  return rc;
}

static int set_heldout(load_state *st, const sb_ini_entry *e, sb_error *err) {
  uint64_t v;
  int rc = uint_key(st, e, 0, SB_HELDOUT_MAX, "0 (none) or an integer >= 2 (at most 2^32)", &v,
                    err);
  if (rc) return rc;
  if (v == 1) return key_error(st, e, err, "expected 0 (none) or an integer >= 2");
  sb_error e2;
  if (sb_heldout_check_memory((size_t)v, 0, &e2)) return key_error(st, e, err, e2.msg);
  st->c->heldout = (size_t)v;
  st->c->heldout_line = e->line;
  return SB_OK;
}

static int set_heldout_distribution(load_state *st, const sb_ini_entry *e, sb_error *err) {
  if (sb_heldout_dist_parse(e->value, &st->c->heldout_dist)) return SB_OK;
  return key_error(st, e, err, "expected uniform or sizes");
}

const char *const sb_plot_metric_names[] = {"heldout", "exact", "recovery", "seconds", NULL};

int sb_plot_metric_parse(const char *s, sb_plot_metric *out) {
  for (int i = 0; sb_plot_metric_names[i]; i++)
    if (!strcmp(sb_plot_metric_names[i], s)) {
      *out = (sb_plot_metric)i;
      return 1;
    }
  return 0;
}

static int set_plot_metric(load_state *st, const sb_ini_entry *e, sb_error *err) {
  if (!sb_plot_metric_parse(e->value, &st->c->plot_metric))
    return key_error(st, e, err, "expected heldout, exact, recovery or seconds");
  st->c->plot_exact = st->c->plot_metric != SB_PLOT_HELDOUT;
  return SB_OK;
}

static int set_removal(load_state *st, const sb_ini_entry *e, sb_error *err) {
  uint64_t v;
  char expect[80];
  snprintf(expect, sizeof expect, "0 (none) or the curve length R in 1..%d", SB_REMOVAL_MAX_R);
  int rc = uint_key(st, e, 0, SB_REMOVAL_MAX_R, expect, &v, err);
  if (!rc) st->c->removal = (size_t)v;
  return rc;
}

static int set_removal_exact_max(load_state *st, const sb_ini_entry *e, sb_error *err) {
  uint64_t v;
  int rc = uint_key(st, e, 0, 100000000, "an integer in 0..100000000 (0 = always greedy)", &v,
                    err);
  if (!rc) st->c->removal_exact_max = (size_t)v;
  return rc;
}

static int set_target_r2(load_state *st, const sb_ini_entry *e, sb_error *err) {
  char *end;
  double v = strtod(e->value, &end);
  if (end == e->value || *end || !(v <= 1.0) || !(v > -1e6))
    return key_error(st, e, err, "expected a number <= 1 (an R² to reach)");
  st->c->target_r2 = v;
  return SB_OK;
}

static int set_jobs(load_state *st, const sb_ini_entry *e, sb_error *err) {
  uint64_t v;
  int rc = uint_key(st, e, 1, 256, "an integer in 1..256", &v, err);
  if (!rc) st->c->jobs = (int)v;
  return rc;
}

static int set_save_spectra(load_state *st, const sb_ini_entry *e, sb_error *err) {
  if (sb_parse_bool(e->value, &st->c->save_spectra)) return SB_OK;
  return key_error(st, e, err, "expected true or false");
}

static int set_shared_design(load_state *st, const sb_ini_entry *e, sb_error *err) {
  if (sb_parse_bool(e->value, &st->c->shared_design)) return SB_OK;
  return key_error(st, e, err, "expected true or false");
}

static int set_budgets(load_state *st, const sb_ini_entry *e, sb_error *err) {
  return sb_budgets_parse(e, st->path, &st->budgets, &st->n_budgets, err);
}

typedef struct exp_key {
  const char *name;
  int (*set)(load_state *st, const sb_ini_entry *e, sb_error *err);
} exp_key;

static const exp_key EXP_KEYS[] = {
    {"name", set_name},
    {"description", set_description},
    {"seed", set_seed},
    {"repetitions", set_repetitions},
    {"budgets", set_budgets},
    {"heldout", set_heldout},
    {"heldout_distribution", set_heldout_distribution},
    {"plot_metric", set_plot_metric},
    {"save_spectra", set_save_spectra},
    {"removal", set_removal},
    {"removal_exact_max", set_removal_exact_max},
    {"target_r2", set_target_r2},
    {"jobs", set_jobs},
    {"shared_design", set_shared_design},
    {NULL, NULL},
};

static int apply_experiment(load_state *st, const sb_ini_section *s, sb_error *err) {
  for (size_t i = 0; i < s->n; i++) {
    const exp_key *k = EXP_KEYS;
    while (k->name && strcmp(k->name, s->e[i].key)) k++;
    if (!k->name) {
      char names[300] = "";
      size_t used = 0;
      for (const exp_key *q = EXP_KEYS; q->name; q++)
        used = sb_names_append(names, sizeof names, used, q->name);
      return sb_error_set(err, SB_EINVAL, "%s:%d: unknown key '%s' in [experiment] (valid: %s)",
                          st->path, s->e[i].line, s->e[i].key, names);
    }
    int rc = k->set(st, &s->e[i], err);
    if (rc) return rc;
  }
  if (!st->n_budgets)
    return sb_error_set(err, SB_EINVAL, "%s:%d: [experiment] needs 'budgets = N, N, ...'",
                        st->path, s->line);
  return SB_OK;
}

/* Defaults; the name defaults to the config's file name without its extension. */
static int set_defaults(load_state *st, sb_error *err) {
  sb_config *c = st->c;
  char *copy = strdup(st->path);
  if (!copy) return sb_error_set(err, SB_ENOMEM, "out of memory");
  char *base = basename(copy), *dot = strrchr(base, '.');
  if (dot && dot != base) *dot = '\0';
  c->name = strdup(base);
  free(copy);
  c->seed = 1;
  c->repetitions = 1;
  c->heldout = 10000;
  c->heldout_dist = SB_HELDOUT_UNIFORM;
  c->removal_exact_max = SB_REMOVAL_EXACT_MAX;
  c->target_r2 = NAN;
  return c->name ? SB_OK : sb_error_set(err, SB_ENOMEM, "out of memory");
}

/* ==== run definitions ======================================================= */

void sb_run_seeds(uint64_t master, const char *dataset_key, size_t instance,
                  const char *algo_name, const char *algo_params, size_t budget,
                  size_t repetition, uint64_t *seed, uint64_t *design_seed,
                  uint64_t *heldout_seed) {
  char inst[32], bud[32], rep[32];
  snprintf(inst, sizeof inst, "%zu", instance);
  snprintf(bud, sizeof bud, "%zu", budget);
  snprintf(rep, sizeof rep, "%zu", repetition);
  const char *full[] = {"run", dataset_key, inst, algo_name, algo_params, bud, rep, NULL};
  const char *nob[] = {"design", dataset_key, inst, algo_name, algo_params, rep, NULL};
  const char *held[] = {"heldout", dataset_key, NULL};
  if (seed) *seed = sb_seed_derive(master, full);
  if (design_seed) *design_seed = sb_seed_derive(master, nob);
  if (heldout_seed) *heldout_seed = sb_seed_derive(master, held);
}

/* shared_design: the pool of (dataset, instance, repetition): no algorithm and no
 * budget in its seed, so every algorithm and budget shares it (a smaller budget's
 * design is a prefix of a larger one's).  Never 0 (= not shared). */
static uint64_t shared_design_seed(uint64_t master, const char *dataset_key, size_t instance,
                                   size_t repetition) {
  char inst[32], rep[32];
  snprintf(inst, sizeof inst, "%zu", instance);
  snprintf(rep, sizeof rep, "%zu", repetition);
  const char *pool[] = {"shared-design", dataset_key, inst, rep, NULL};
  return sb_seed_derive(master, pool) | 1;
}

static json_t *hex_seed(uint64_t s) {
  char b[32];
  snprintf(b, sizeof b, "%016llx", (unsigned long long)s);
  return json_string(b);
}

char *sb_run_identity(const sb_run_def *rd, size_t heldout, sb_heldout_dist dist) {
  return sb_run_identity_removal(rd, heldout, dist, 0, 0);
}

char *sb_run_identity_removal(const sb_run_def *rd, size_t heldout, sb_heldout_dist dist,
                              size_t removal, size_t removal_exact_max) {
  json_t *j = json_object();
  if (!j) return NULL;
  int bad = json_object_set_new(j, "format", json_integer(SB_RESULT_FORMAT)) ||
            json_object_set_new(j, "dataset", json_string(rd->dataset_key ? rd->dataset_key
                                                                          : rd->dataset_spec)) ||
            json_object_set_new(j, "algorithm", json_string(rd->algo->name)) ||
            json_object_set_new(j, "params", json_string(rd->algo_params)) ||
            json_object_set_new(j, "budget", json_integer((json_int_t)rd->budget)) ||
            json_object_set_new(j, "repetition", json_integer((json_int_t)rd->repetition)) ||
            json_object_set_new(j, "seed", hex_seed(rd->seed)) ||
            json_object_set_new(j, "design_seed", hex_seed(rd->design_seed)) ||
            json_object_set_new(j, "heldout_seed", hex_seed(rd->heldout_seed)) ||
            json_object_set_new(j, "heldout", json_integer((json_int_t)heldout)) ||
            json_object_set_new(j, "heldout_dist", json_string(sb_heldout_dist_name(dist))) ||
            /* only when shared: an unshared run's identity is what it always was */
            (rd->shared_seed &&
             json_object_set_new(j, "shared_design_seed", hex_seed(rd->shared_seed))) ||
            /* only for algorithms with a content key (external programs) */
            (rd->algo_content &&
             json_object_set_new(j, "algo_content", json_string(rd->algo_content)));
  /* a run made with the test-only fault switch set (core/fault.h) is never reused
   * for a real one, nor the other way round */
  const char *faults = sb_fault_names();
  if (*faults) bad = bad || json_object_set_new(j, "fault_injection", json_string(faults));
  if (removal)
    bad = bad || json_object_set_new(j, "removal", json_integer((json_int_t)removal)) ||
          json_object_set_new(j, "removal_exact_max", json_integer((json_int_t)removal_exact_max));
  char *text = bad ? NULL : json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(j);
  return text;
}

/* Map a label to file-name-safe characters. */
static void sanitize(const char *in, char *out, size_t len) {
  size_t k = 0;
  for (const char *p = in; *p && k + 1 < len; p++) {
    char c = *p;
    int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '.' || c == '-' || c == '=' || c == '_';
    out[k++] = ok ? c : '_';
  }
  out[k] = '\0';
}

static int make_run(sb_config *c, sb_run_def *rd, const sb_ds_point *d, const sb_algo_point *a,
                    size_t budget, size_t rep) {
  rd->group = strdup(d->group);
  rd->dataset_spec = strdup(d->spec);
  rd->dataset_key = strdup(d->key);
  rd->family = strdup(d->family->name);
  rd->instance = d->instance;
  rd->line = d->line;
  rd->algo = a->type;
  rd->algo_label = strdup(a->label);
  rd->algo_params = strdup(a->params);
  if (a->content && !(rd->algo_content = strdup(a->content))) return SB_ENOMEM;
  rd->budget = budget;
  rd->repetition = rep;
  if (!rd->group || !rd->dataset_spec || !rd->dataset_key || !rd->family || !rd->algo_label ||
      !rd->algo_params)
    return SB_ENOMEM;
  /* a stored file is identified by its content alone, wherever it is listed */
  size_t seed_instance = d->family->flags & SB_FAMILY_FILE ? 0 : d->instance;
  sb_run_seeds(c->seed, rd->dataset_key, seed_instance, rd->algo->name, rd->algo_params, budget,
               rep, &rd->seed, &rd->design_seed, &rd->heldout_seed);
  if (c->shared_design && (rd->algo->flags & SB_ALGO_SHARED_DESIGN))
    rd->shared_seed = shared_design_seed(c->seed, rd->dataset_key, seed_instance, rep);
  /* The id names the run's slot (dataset group and instance, algorithm label,
   * budget, repetition), not its content: a changed seed or data file keeps the
   * file name and makes the stored result stale (its identity differs), so it is
   * rerun and replaced, never left behind.  The hash of the unsanitised labels
   * keeps ids of labels that sanitise alike apart. */
  char g1[200], a1[200];
  sanitize(rd->group, g1, sizeof g1);
  sanitize(rd->algo_label, a1, sizeof a1);
  const char *slot[] = {"id", rd->group, rd->algo_label, NULL};
  if (asprintf(&rd->id, "%s-i%zu__%s__B%zu__r%zu__%08llx", g1, rd->instance, a1, budget, rep,
               (unsigned long long)(sb_seed_derive(0, slot) & 0xffffffffULL)) < 0) {
    rd->id = NULL;
    return SB_ENOMEM;
  }
  rd->identity =
      sb_run_identity_removal(rd, c->heldout, c->heldout_dist, c->removal, c->removal_exact_max);
  return rd->identity ? SB_OK : SB_ENOMEM;
}

static int cmp_id(const void *a, const void *b) {
  return strcmp((*(const sb_run_def *const *)a)->id, (*(const sb_run_def *const *)b)->id);
}

/* Two runs with one result file would overwrite each other's result. */
static int check_ids(const sb_config *c, sb_error *err) {
  const sb_run_def **v = malloc((c->n_runs ? c->n_runs : 1) * sizeof *v);
  if (!v) return sb_error_set(err, SB_ENOMEM, "out of memory");
  for (size_t i = 0; i < c->n_runs; i++) v[i] = &c->runs[i];
  qsort(v, c->n_runs, sizeof *v, cmp_id);
  int rc = SB_OK;
  for (size_t i = 1; i < c->n_runs && !rc; i++)
    if (!strcmp(v[i]->id, v[i - 1]->id))
      rc = sb_error_set(err, SB_EINVAL, "%s: runs of [dataset %s] / [algorithm %s] and [dataset "
                        "%s] / [algorithm %s] would share the result file %s: rename a section",
                        c->path, v[i - 1]->group, v[i - 1]->algo_label, v[i]->group,
                        v[i]->algo_label, v[i]->id);
  free(v);
  return rc;
}

/* datasets × algorithm variants × budgets × repetitions, in that nesting order. */
static int make_runs(sb_config *c, const sb_points *pts, sb_error *err) {
  size_t total = 0; /* at most SB_CONFIG_MAX_RUNS: checked in expand_sections */
  for (size_t a = 0; a < pts->n_algo; a++)
    total += pts->n_ds * pts->algo[a].n_budgets * c->repetitions;
  c->runs = calloc(total ? total : 1, sizeof *c->runs);
  if (!c->runs) return sb_error_set(err, SB_ENOMEM, "out of memory for %zu runs", total);
  for (size_t d = 0; d < pts->n_ds; d++)
    for (size_t a = 0; a < pts->n_algo; a++)
      for (size_t b = 0; b < pts->algo[a].n_budgets; b++)
        for (size_t r = 0; r < c->repetitions; r++)
          if (make_run(c, &c->runs[c->n_runs++], &pts->ds[d], &pts->algo[a],
                       pts->algo[a].budgets[b], r))
            return sb_error_set(err, SB_ENOMEM, "out of memory for %zu runs", total);
  return check_ids(c, err);
}

/* ==== loading ============================================================== */

static int expand_sections(load_state *st, const sb_ini *ini, sb_points *pts, sb_error *err) {
  char *dircopy = strdup(st->path);
  if (!dircopy) return sb_error_set(err, SB_ENOMEM, "out of memory");
  const char *cfgdir = dirname(dircopy);
  int rc = SB_OK;
  for (size_t i = 0; i < ini->n && !rc; i++) {
    const sb_ini_section *s = &ini->s[i];
    if (!strcmp(s->name, "experiment")) continue;
    if (!strncmp(s->name, "dataset ", 8))
      rc = sb_expand_dataset(s, s->name + 8, st->path, cfgdir, st->c->seed, pts, err);
    else if (!strncmp(s->name, "algorithm ", 10))
      rc = sb_expand_algorithm(s, s->name + 10, st->path, st->budgets, st->n_budgets, pts, err);
    else
      rc = sb_error_set(err, SB_EINVAL, "%s:%d: unknown section [%s] (expected [experiment], "
                        "[dataset LABEL], [algorithm LABEL])", st->path, s->line, s->name);
  }
  free(dircopy);
  if (rc) return rc;
  if (!pts->n_ds) return sb_error_set(err, SB_EINVAL, "%s: no [dataset LABEL] section", st->path);
  if (!pts->n_algo)
    return sb_error_set(err, SB_EINVAL, "%s: no [algorithm LABEL] section", st->path);
  size_t total = 0;
  for (size_t a = 0; a < pts->n_algo; a++)
    total += sb_mul_sat(sb_mul_sat(pts->n_ds, pts->algo[a].n_budgets), st->c->repetitions);
  if (total > SB_CONFIG_MAX_RUNS)
    return sb_error_set(err, SB_EINVAL,
                        "%s: the config expands to more than %d runs (datasets x algorithms x "
                        "budgets x repetitions): check instances, repetitions and the grids",
                        st->path, SB_CONFIG_MAX_RUNS);
  return sb_points_check_unique(pts, st->path, err);
}

int sb_config_load(const char *path, sb_config **out, sb_error *err) {
  *out = NULL;
  sb_config *c = calloc(1, sizeof *c);
  if (!c || !(c->path = strdup(path))) {
    free(c);
    return sb_error_set(err, SB_ENOMEM, "out of memory");
  }
  load_state st = {path, c, NULL, 0, 0};
  sb_ini ini = {0};
  sb_points pts = {0};
  size_t len = 0;
  int rc = sb_read_file(path, &c->text, &len, err);
  if (!rc) rc = sb_ini_parse(path, c->text, len, &ini, err);
  if (!rc) rc = set_defaults(&st, err);
  const sb_ini_section *exp = rc ? NULL : sb_ini_section_find(&ini, "experiment");
  if (!rc && !exp) rc = sb_error_set(err, SB_EINVAL, "%s: missing [experiment] section", path);
  if (!rc) rc = apply_experiment(&st, exp, err);
  if (!rc && !st.has_name) {
    sb_error e2;
    if (sb_name_check(c->name, "the experiment name taken from the file name", &e2))
      rc = sb_error_set(err, SB_EINVAL, "%s: %s; set `name = ...` in [experiment]", path, e2.msg);
  }
  if (!rc) rc = expand_sections(&st, &ini, &pts, err);
  if (!rc) rc = make_runs(c, &pts, err);
  sb_points_clear(&pts);
  sb_ini_clear(&ini);
  free(st.budgets);
  if (rc) {
    sb_config_free(c);
    return rc;
  }
  *out = c;
  return SB_OK;
}

void sb_config_free(sb_config *c) {
  if (!c) return;
  for (size_t i = 0; i < c->n_runs; i++) {
    sb_run_def *r = &c->runs[i];
    free(r->group), free(r->dataset_spec), free(r->family), free(r->algo_label);
    free(r->algo_params), free(r->algo_content), free(r->id), free(r->dataset_key), free(r->identity);
  }
  free(c->runs);
  free(c->path), free(c->text), free(c->name), free(c->description);
  free(c);
}
