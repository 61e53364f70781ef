/* Grid expansion of experiment configs (see grid.h): lists with escapes and
 * repeated-value checks, parameter grids validated against the owner's
 * sb_param_def table, and [dataset] / [algorithm] sections expanded into points.
 * Every allocation is checked; every error is "FILE:LINE: message". */
#include "runner/grid.h"

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/seed.h"
#include "data/dataset.h"
#include "runner/config.h"

#define MAX_INSTANCES 100000

/* ==== lists ============================================================== */

void sb_strlist_clear(sb_strlist *l) {
  for (size_t i = 0; i < l->n; i++) free(l->v[i]);
  free(l->v);
  l->v = NULL;
  l->n = 0;
}

static int strlist_push(sb_strlist *l, const char *s) {
  char **nv = realloc(l->v, (l->n + 1) * sizeof *nv);
  if (!nv) return SB_ENOMEM;
  l->v = nv;
  if (!(l->v[l->n] = strdup(s))) return SB_ENOMEM;
  l->n++;
  return SB_OK;
}

int sb_list_split(const char *value, int keep_escapes, sb_strlist *out, const char *where,
                  const char *key, sb_error *err) {
  out->v = NULL;
  out->n = 0;
  char *item = malloc(2 * strlen(value) + 1);
  if (!item) return sb_error_set(err, SB_ENOMEM, "out of memory");
  int rc = SB_OK;
  for (const char *p = value;; p++) {
    size_t k = 0;
    for (; *p && *p != ','; p++) {
      if (*p == '\\' && (p[1] == ',' || p[1] == '\\')) {
        if (keep_escapes) item[k++] = '\\';
        p++;
      }
      item[k++] = *p;
    }
    item[k] = '\0';
    char *t = sb_trim(item);
    if (!*t) {
      rc = sb_error_set(err, SB_EINVAL, "%s: '%s' has an empty value in its list (empty grid)",
                        where, key);
      break;
    }
    if (strlist_push(out, t)) {
      rc = sb_error_set(err, SB_ENOMEM, "out of memory");
      break;
    }
    if (!*p) break;
  }
  free(item);
  if (rc) sb_strlist_clear(out);
  return rc;
}

/* 1 if a and b are the same value of parameter d (numbers compared as numbers). */
static int same_value(const sb_param_def *d, const char *a, const char *b) {
  long la, lb;
  double da, db;
  int ba, bb;
  switch (d ? d->type : SB_PARAM_STRING) {
  case SB_PARAM_INT:
    if (sb_parse_long(a, &la) && sb_parse_long(b, &lb)) return la == lb;
    break;
  case SB_PARAM_DOUBLE:
    if (sb_parse_double(a, &da) && sb_parse_double(b, &db)) return da == db;
    break;
  case SB_PARAM_BOOL:
    if (sb_parse_bool(a, &ba) && sb_parse_bool(b, &bb)) return ba == bb;
    break;
  default:
    break;
  }
  return !strcmp(a, b);
}

int sb_budgets_parse(const sb_ini_entry *e, const char *path, size_t **out, size_t *n,
                     sb_error *err) {
  *out = NULL;
  *n = 0;
  char where[64 + 4096];
  snprintf(where, sizeof where, "%s:%d", path, e->line);
  sb_strlist l;
  int rc = sb_list_split(e->value, 0, &l, where, e->key, err);
  if (rc) return rc;
  size_t *b = calloc(l.n, sizeof *b);
  if (!b) rc = sb_error_set(err, SB_ENOMEM, "out of memory");
  for (size_t i = 0; i < l.n && !rc; i++) {
    uint64_t v = 0;
    sb_num st = sb_parse_u64(l.v[i], 0, SIZE_MAX, &v);
    if (st == SB_NUM_SYNTAX || (st == SB_NUM_OK && v == 0))
      rc = sb_error_set(err, SB_EINVAL, "%s: budgets: '%s' is not a positive integer", where,
                        l.v[i]);
    else if (st == SB_NUM_RANGE)
      rc = sb_error_set(err, SB_EINVAL, "%s: budgets: '%s' is out of range (expected 1..%zu)",
                        where, l.v[i], (size_t)SIZE_MAX);
    for (size_t j = 0; j < i && !rc; j++)
      if (b[j] == (size_t)v)
        rc = sb_error_set(err, SB_EINVAL, "%s: budgets: %zu is listed twice", where, b[j]);
    if (!rc) b[i] = (size_t)v;
  }
  if (!rc) {
    *out = b;
    *n = l.n;
  } else {
    free(b);
  }
  sb_strlist_clear(&l);
  return rc;
}

size_t sb_mul_sat(size_t a, size_t b) { return b && a > SIZE_MAX / b ? SIZE_MAX : a * b; }

void *sb_grow(void *p, size_t n, size_t size) {
  if (n & (n - 1)) return p; /* n is not a power of two: room left */
  if (n && n > SIZE_MAX / 2 / size) return NULL;
  return realloc(p, (n ? 2 * n : 1) * size);
}

/* ==== parameter grids ==================================================== */

typedef struct grid_axis {
  const sb_param_def *def;
  char *key;
  sb_strlist values;
} grid_axis;

typedef struct grid {
  grid_axis *ax;
  size_t n;
} grid;

static void grid_clear(grid *g) {
  for (size_t i = 0; i < g->n; i++) {
    free(g->ax[i].key);
    sb_strlist_clear(&g->ax[i].values);
  }
  free(g->ax);
  g->ax = NULL;
  g->n = 0;
}

/* Axes in the order of the parameter table (stable): a dataset's spec, and so its
 * identity and generator seeds, does not depend on the order its keys are written
 * in the config. */
static void grid_sort_by_table(grid *g) {
  for (size_t i = 1; i < g->n; i++)
    for (size_t j = i; j > 0 && g->ax[j - 1].def > g->ax[j].def; j--) {
      grid_axis t = g->ax[j];
      g->ax[j] = g->ax[j - 1];
      g->ax[j - 1] = t;
    }
}

/* Number of grid points, saturating at SIZE_MAX (never wraps). */
static size_t grid_points(const grid *g) {
  size_t total = 1;
  for (size_t i = 0; i < g->n; i++) total = sb_mul_sat(total, g->ax[i].values.n);
  return total;
}

/* Point `idx` as "k=v,k=v" (axis order; the last axis varies fastest) and the
 * label suffix of the axes that vary ("[k=v,...]" or "").  Caller frees both. */
static int grid_point(const grid *g, size_t idx, char **params, char **label) {
  size_t len = 3;
  for (size_t i = 0; i < g->n; i++) {
    size_t longest = 0;
    for (size_t k = 0; k < g->ax[i].values.n; k++)
      if (strlen(g->ax[i].values.v[k]) > longest) longest = strlen(g->ax[i].values.v[k]);
    len += strlen(g->ax[i].key) + longest + 2;
  }
  *params = malloc(len);
  *label = malloc(len);
  size_t *choice = calloc(g->n ? g->n : 1, sizeof *choice);
  if (!*params || !*label || !choice) {
    free(*params), free(*label), free(choice);
    *params = *label = NULL;
    return SB_ENOMEM;
  }
  for (size_t i = g->n, rem = idx; i-- > 0;) {
    choice[i] = rem % g->ax[i].values.n;
    rem /= g->ax[i].values.n;
  }
  size_t pu = 0, lu = 0;
  (*params)[0] = (*label)[0] = '\0';
  for (size_t i = 0; i < g->n; i++) {
    const char *k = g->ax[i].key, *v = g->ax[i].values.v[choice[i]];
    pu += (size_t)snprintf(*params + pu, len - pu, "%s%s=%s", pu ? "," : "", k, v);
    if (g->ax[i].values.n > 1)
      lu += (size_t)snprintf(*label + lu, len - lu, "%s%s=%s", lu ? "," : "[", k, v);
  }
  if (lu) snprintf(*label + lu, len - lu, "]");
  free(choice);
  return SB_OK;
}

/* Add the axis of entry e: a key of `defs`, every value valid, none repeated, none
 * containing a comma (specs are "k=v,k=v"). */
static int grid_add(grid *g, const sb_ini_entry *e, const sb_param_def *defs, const char *owner,
                    const char *extra_keys, const char *path, sb_error *err) {
  const sb_param_def *d = sb_param_def_find(defs, e->key); /* pass-through keys too */
  char where[64 + 4096];
  snprintf(where, sizeof where, "%s:%d", path, e->line);
  if (!d) {
    char names[600] = "";
    size_t used = 0;
    for (const sb_param_def *p = defs; p && p->name; p++)
      if (p->type != SB_PARAM_EXTRA) used = sb_names_append(names, sizeof names, used, p->name);
    if (extra_keys) used = sb_names_append(names, sizeof names, used, extra_keys);
    return sb_error_set(err, SB_EINVAL, "%s: unknown key '%s' for %s (valid: %s)", where, e->key,
                        owner, used ? names : "none");
  }
  grid_axis *na = realloc(g->ax, (g->n + 1) * sizeof *na);
  if (!na) return sb_error_set(err, SB_ENOMEM, "out of memory");
  g->ax = na;
  grid_axis *a = &g->ax[g->n];
  memset(a, 0, sizeof *a);
  int rc = sb_list_split(e->value, 0, &a->values, where, e->key, err);
  if (rc) return rc;
  a->def = d;
  if (!(a->key = strdup(e->key))) {
    sb_strlist_clear(&a->values);
    return sb_error_set(err, SB_ENOMEM, "out of memory");
  }
  g->n++;
  for (size_t i = 0; i < a->values.n; i++) {
    const char *v = a->values.v[i];
    sb_error e2;
    if (strchr(v, ','))
      return sb_error_set(err, SB_EINVAL,
                          "%s: %s = '%s': a parameter value cannot contain a comma (specs are "
                          "comma-separated; '\\,' escapes a comma only in `path =` lists)",
                          where, e->key, v);
    if (sb_param_validate(d, v, owner, &e2))
      return sb_error_set(err, SB_EINVAL, "%s: %s", where, e2.msg);
    for (size_t j = 0; j < i; j++)
      if (same_value(d, a->values.v[j], v))
        return sb_error_set(err, SB_EINVAL,
                            "%s: '%s' lists %s twice (%s and %s: the same runs would be counted "
                            "twice)", where, e->key, v, a->values.v[j], v);
  }
  return SB_OK;
}

/* ==== points ============================================================= */

void sb_points_clear(sb_points *pts) {
  for (size_t i = 0; i < pts->n_ds; i++)
    free(pts->ds[i].group), free(pts->ds[i].spec), free(pts->ds[i].key);
  free(pts->ds);
  for (size_t i = 0; i < pts->n_algo; i++)
    free(pts->algo[i].label), free(pts->algo[i].params), free(pts->algo[i].budgets),
        free(pts->algo[i].content);
  free(pts->algo);
  memset(pts, 0, sizeof *pts);
}

/* Append a dataset point; takes ownership of group, spec and key (freed on failure). */
static int push_ds(sb_points *pts, char *group, char *spec, char *key,
                   const sb_dataset_family *fam, size_t instance, int line, sb_error *err) {
  sb_ds_point *np = group && spec && key ? sb_grow(pts->ds, pts->n_ds, sizeof *np) : NULL;
  if (!np) {
    free(group), free(spec), free(key);
    return sb_error_set(err, SB_ENOMEM, "out of memory");
  }
  pts->ds = np;
  np[pts->n_ds++] = (sb_ds_point){group, spec, key, fam, instance, line};
  return SB_OK;
}

/* ==== [dataset LABEL] ===================================================== */

/* A file family: `path = GLOB, GLOB, ...` relative to the config's directory. */
static int expand_files(const sb_ini_section *s, const sb_dataset_family *fam, const char *label,
                        const char *path, const char *cfgdir, sb_points *pts, sb_error *err) {
  const sb_ini_entry *pe = sb_ini_get(s, "path");
  if (!pe)
    return sb_error_set(err, SB_EINVAL, "%s:%d: [dataset %s] (family %s) needs 'path = ...'",
                        path, s->line, label, fam->name);
  for (size_t i = 0; i < s->n; i++)
    if (strcmp(s->e[i].key, "family") && strcmp(s->e[i].key, "path"))
      return sb_error_set(err, SB_EINVAL, "%s:%d: unknown key '%s' for family %s (valid: family, "
                          "path)", path, s->e[i].line, s->e[i].key, fam->name);
  char where[64 + 4096];
  snprintf(where, sizeof where, "%s:%d", path, pe->line);
  sb_strlist pats;
  int rc = sb_list_split(pe->value, 1, &pats, where, "path", err);
  if (rc) return rc;
  const char *hint = strchr(pe->value, ',')
                         ? " (',' separates the paths of a list: write '\\,' for a comma inside "
                           "a file name)"
                         : "";
  size_t first = pts->n_ds;
  /* the config's directory is a literal prefix: its glob characters escaped */
  char *dir = malloc(2 * strlen(cfgdir) + 1);
  if (!dir) rc = sb_error_set(err, SB_ENOMEM, "out of memory");
  for (size_t k = 0, i = 0; dir; i++) {
    if (cfgdir[i] && strchr("*?[\\", cfgdir[i])) dir[k++] = '\\';
    if (!(dir[k++] = cfgdir[i])) break;
  }
  for (size_t p = 0; p < pats.n && rc == SB_OK; p++) {
    char *pattern = NULL;
    if (asprintf(&pattern, "%s%s%s", pats.v[p][0] == '/' ? "" : dir,
                 pats.v[p][0] == '/' ? "" : "/", pats.v[p]) < 0) {
      rc = sb_error_set(err, SB_ENOMEM, "out of memory");
      break;
    }
    glob_t gl;
    memset(&gl, 0, sizeof gl);
    int g = glob(pattern, 0, NULL, &gl);
    if (g == GLOB_NOSPACE) rc = sb_error_set(err, SB_ENOMEM, "out of memory");
    else if (g != 0)
      rc = sb_error_set(err, SB_EINVAL, "%s: path '%s' matches no file (looked for %s)%s", where,
                        pats.v[p], pattern, hint);
    free(pattern);
    for (size_t i = 0; rc == SB_OK && i < gl.gl_pathc; i++) {
      const char *file = gl.gl_pathv[i];
      char *key = NULL, *spec = NULL;
      sb_error e2;
      /* a FIFO, device or directory is refused here, by stat, never opened */
      if (asprintf(&spec, "%s:%s", fam->name, file) < 0) {
        rc = sb_error_set(err, SB_ENOMEM, "out of memory");
        break;
      }
      if (sb_dataset_file_check(file, &e2) || sb_dataset_identity(spec, &key, &e2)) {
        rc = sb_error_set(err, e2.code == SB_ENOMEM ? SB_ENOMEM : SB_EINVAL, "%s: %s", where,
                          e2.msg);
        free(spec);
        break;
      }
      rc = push_ds(pts, strdup(label), spec, key, fam, pts->n_ds - first, pe->line, err);
    }
    globfree(&gl);
  }
  free(dir);
  sb_strlist_clear(&pats);
  return rc;
}

/* Generator seed of instance i of a grid point (31 bits); salt > 0 re-draws it. */
static uint64_t instance_seed(uint64_t master, const char *label, const char *params, size_t i,
                              unsigned salt) {
  char ib[32], sb[32];
  snprintf(ib, sizeof ib, "%zu", i);
  snprintf(sb, sizeof sb, "%u", salt);
  const char *parts[] = {"instance", label, params, ib, salt ? sb : NULL, NULL};
  return sb_seed_derive(master, parts) & 0x7fffffffULL;
}

typedef struct seed_ix {
  uint64_t v;
  size_t i;
} seed_ix;

static int cmp_seed_ix(const void *a, const void *b) {
  const seed_ix *x = a, *y = b;
  if (x->v != y->v) return x->v < y->v ? -1 : 1;
  return (x->i > y->i) - (x->i < y->i);
}

/* The generator seeds of `count` random instances of one grid point.  Among many
 * instances two 31-bit seeds can coincide (a birthday collision: likely at 10^5
 * instances), which would be the same dataset twice: a later instance whose seed
 * repeats an earlier one's is re-drawn with a salt until all differ.  Instances
 * without a collision keep their seeds.  Caller frees. */
static uint64_t *instance_seeds(uint64_t master, const char *label, const char *params,
                                size_t count) {
  uint64_t *sd = malloc(count * sizeof *sd);
  unsigned *salt = calloc(count, sizeof *salt);
  seed_ix *pr = malloc(count * sizeof *pr);
  if (!sd || !salt || !pr) {
    free(sd), free(salt), free(pr);
    return NULL;
  }
  for (size_t i = 0; i < count; i++) sd[i] = instance_seed(master, label, params, i, 0);
  for (int again = 1; again;) {
    again = 0;
    for (size_t i = 0; i < count; i++) pr[i] = (seed_ix){sd[i], i};
    qsort(pr, count, sizeof *pr, cmp_seed_ix);
    for (size_t k = 1; k < count; k++)
      if (pr[k].v == pr[k - 1].v) {
        size_t i = pr[k].i;
        sd[i] = instance_seed(master, label, params, i, ++salt[i]);
        again = 1;
      }
  }
  free(salt);
  free(pr);
  return sd;
}

/* A generated family: a parameter grid, optionally `instances = N` random
 * instances whose generator seeds derive from the master seed. */
static int expand_params(const sb_ini_section *s, const sb_dataset_family *fam, const char *label,
                         const char *path, uint64_t master, sb_points *pts, sb_error *err) {
  char owner[300];
  snprintf(owner, sizeof owner, "dataset family %s", fam->name);
  grid g = {0};
  uint64_t instances = 1;
  int has_seed = 0, rc = SB_OK;
  for (size_t i = 0; i < s->n && rc == SB_OK; i++) {
    const sb_ini_entry *e = &s->e[i];
    if (!strcmp(e->key, "family")) continue;
    if (!strcmp(e->key, "instances")) {
      if (sb_parse_u64(e->value, 1, MAX_INSTANCES, &instances) != SB_NUM_OK)
        rc = sb_error_set(err, SB_EINVAL, "%s:%d: instances = '%s': expected an integer in 1..%d",
                          path, e->line, e->value, MAX_INSTANCES);
      continue;
    }
    if (!strcmp(e->key, "seed")) has_seed = 1;
    rc = grid_add(&g, e, fam->params, owner, "instances", path, err);
  }
  if (rc == SB_OK && has_seed && instances > 1)
    rc = sb_error_set(err, SB_EINVAL,
                      "%s:%d: [dataset %s] sets both 'seed' and 'instances' (use a seed list)",
                      path, s->line, label);
  for (const sb_param_def *d = fam->params; rc == SB_OK && d && d->name; d++) {
    if (d->def) continue;
    int found = 0;
    for (size_t a = 0; a < g.n; a++) found |= !strcmp(g.ax[a].key, d->name);
    if (!found)
      rc = sb_error_set(err, SB_EINVAL, "%s:%d: [dataset %s] needs '%s' (%s)", path, s->line,
                        label, d->name, d->help);
  }
  grid_sort_by_table(&g);
  int fam_has_seed = 0;
  for (const sb_param_def *d = fam->params; d && d->name; d++) fam_has_seed |= !strcmp(d->name, "seed");
  size_t np = grid_points(&g), base = pts->n_ds;
  if (rc == SB_OK && sb_mul_sat(np, (size_t)instances) > SB_CONFIG_MAX_RUNS)
    rc = sb_error_set(err, SB_EINVAL,
                      "%s:%d: [dataset %s] expands to more than %d dataset instances "
                      "(grid of %zu points x %llu instances)",
                      path, s->line, label, SB_CONFIG_MAX_RUNS, np, (unsigned long long)instances);
  for (size_t p = 0; p < np && rc == SB_OK; p++) {
    char *params = NULL, *lab = NULL;
    uint64_t *seeds = NULL;
    int derive = fam_has_seed && !has_seed;
    if (grid_point(&g, p, &params, &lab) ||
        (derive && !(seeds = instance_seeds(master, label, params, (size_t)instances)))) {
      free(params), free(lab);
      rc = sb_error_set(err, SB_ENOMEM, "out of memory");
      break;
    }
    for (uint64_t inst = 0; inst < instances && rc == SB_OK; inst++) {
      char *spec = NULL, *group = NULL;
      int w;
      if (derive) {
        w = asprintf(&spec, "%s:%s%sseed=%llu", fam->name, params, params[0] ? "," : "",
                     (unsigned long long)seeds[inst]);
      } else {
        w = asprintf(&spec, "%s:%s", fam->name, params);
      }
      if (w < 0 || asprintf(&group, "%s%s", label, lab) < 0) {
        if (w >= 0) free(spec);
        rc = sb_error_set(err, SB_ENOMEM, "out of memory");
        break;
      }
      if (inst == 0) { /* value ranges: an error here, not a failed row per run */
        sb_error e2;
        if (sb_dataset_check(spec, &e2) != SB_OK) {
          rc = sb_error_set(err, SB_EINVAL, "%s:%d: [dataset %s] %s", path, s->line, label,
                            e2.msg);
          free(spec), free(group);
          break;
        }
      }
      /* a generated dataset is what its spec says: the spec is its identity (less
       * the family's identity_skip parameters; the spec is valid, so only ENOMEM) */
      char *key = NULL;
      sb_dataset_identity(spec, &key, NULL);
      rc = push_ds(pts, group, spec, key, fam, pts->n_ds - base, s->line, err);
    }
    free(seeds);
    free(params);
    free(lab);
  }
  grid_clear(&g);
  return rc;
}

int sb_expand_dataset(const sb_ini_section *s, const char *label, const char *path,
                      const char *cfgdir, uint64_t master, sb_points *pts, sb_error *err) {
  const sb_ini_entry *fam_e = sb_ini_get(s, "family");
  if (!fam_e)
    return sb_error_set(err, SB_EINVAL, "%s:%d: [dataset %s] needs 'family = ...'", path,
                        s->line, label);
  const sb_dataset_family *fam = sb_dataset_family_find(fam_e->value);
  if (!fam) {
    char names[512];
    sb_dataset_family_list(names, sizeof names);
    return sb_error_set(err, SB_EINVAL, "%s:%d: unknown dataset family '%s' (available: %s)",
                        path, fam_e->line, fam_e->value, names);
  }
  if (fam->flags & SB_FAMILY_FILE) return expand_files(s, fam, label, path, cfgdir, pts, err);
  return expand_params(s, fam, label, path, master, pts, err);
}

/* ==== [algorithm LABEL] =================================================== */

int sb_expand_algorithm(const sb_ini_section *s, const char *label, const char *path,
                        const size_t *def_budgets, size_t n_def_budgets, sb_points *pts,
                        sb_error *err) {
  const sb_ini_entry *ae = sb_ini_get(s, "algo");
  const char *name = ae ? ae->value : label;
  sb_error e2;
  const sb_algo_type *t = sb_algo_find(name, &e2);
  if (!t)
    return sb_error_set(err, SB_EINVAL, "%s:%d: %s", path, ae ? ae->line : s->line, e2.msg);
  char owner[300];
  snprintf(owner, sizeof owner, "algorithm %s", t->name);
  grid g = {0};
  size_t *budgets = NULL, nb = 0;
  int rc = SB_OK;
  for (size_t i = 0; i < s->n && rc == SB_OK; i++) {
    const sb_ini_entry *e = &s->e[i];
    if (!strcmp(e->key, "algo")) continue;
    if (!strcmp(e->key, "budgets")) rc = sb_budgets_parse(e, path, &budgets, &nb, err);
    else rc = grid_add(&g, e, t->params, owner, "algo, budgets", path, err);
  }
  size_t np = grid_points(&g);
  if (rc == SB_OK && np > SB_CONFIG_MAX_RUNS)
    rc = sb_error_set(err, SB_EINVAL, "%s:%d: [algorithm %s] grid has more than %d points",
                      path, s->line, label, SB_CONFIG_MAX_RUNS);
  const size_t *use = nb ? budgets : def_budgets;
  size_t cnt = nb ? nb : n_def_budgets;
  for (size_t p = 0; p < np && rc == SB_OK; p++) {
    char *params = NULL, *lab = NULL, *full = NULL, *canon = NULL, *content = NULL;
    sb_params *pp = NULL;
    size_t *bud = NULL;
    if (grid_point(&g, p, &params, &lab)) {
      rc = sb_error_set(err, SB_ENOMEM, "out of memory");
      break;
    }
    if ((rc = sb_params_parse(params, t->params, owner, &pp, &e2)))
      rc = sb_error_set(err, rc, "%s:%d: %s", path, s->line, e2.msg);
    else if (t->content_key && (rc = t->content_key(pp, &content, &e2)))
      rc = sb_error_set(err, rc, "%s:%d: [algorithm %s] %s", path, s->line, label, e2.msg);
    sb_algo_point *na = rc ? NULL : sb_grow(pts->algo, pts->n_algo, sizeof *na);
    if (!rc) {
      canon = sb_params_canonical(pp);
      bud = malloc(cnt * sizeof *bud);
      if (!na || !canon || !bud || asprintf(&full, "%s%s", label, lab) < 0) {
        full = NULL;
        rc = sb_error_set(err, SB_ENOMEM, "out of memory");
      }
    }
    if (!rc) {
      pts->algo = na;
      memcpy(bud, use, cnt * sizeof *bud);
      na[pts->n_algo++] = (sb_algo_point){t, full, canon, content, bud, cnt, s->line};
    } else {
      free(canon), free(bud), free(full), free(content);
    }
    sb_params_free(pp);
    free(params);
    free(lab);
  }
  free(budgets);
  grid_clear(&g);
  return rc;
}

/* ==== uniqueness ========================================================== */

static int cmp_ds(const void *a, const void *b) {
  const sb_ds_point *x = *(const sb_ds_point *const *)a, *y = *(const sb_ds_point *const *)b;
  int c = strcmp(x->key, y->key);
  return c ? c : (x > y) - (x < y); /* ties: the earlier point first */
}

static int cmp_algo(const void *a, const void *b) {
  const sb_algo_point *x = *(const sb_algo_point *const *)a, *y = *(const sb_algo_point *const *)b;
  int c = strcmp(x->type->name, y->type->name);
  if (!c) c = strcmp(x->params, y->params);
  return c ? c : (x > y) - (x < y);
}

/* "label" of a dataset group without the grid suffix, for messages. */
static const char *ds_what(const sb_ds_point *p) {
  const char *path = sb_dataset_spec_path(p->spec);
  return path ? path : p->spec;
}

int sb_points_check_unique(const sb_points *pts, const char *path, sb_error *err) {
  size_t n = pts->n_ds > pts->n_algo ? pts->n_ds : pts->n_algo;
  const void **idx = malloc((n ? n : 1) * sizeof *idx);
  if (!idx) return sb_error_set(err, SB_ENOMEM, "out of memory");
  int rc = SB_OK;
  for (size_t i = 0; i < pts->n_ds; i++) idx[i] = &pts->ds[i];
  qsort(idx, pts->n_ds, sizeof *idx, cmp_ds);
  for (size_t i = 1; i < pts->n_ds && !rc; i++) {
    const sb_ds_point *a = idx[i - 1], *b = idx[i];
    if (strcmp(a->key, b->key)) continue;
    if (sb_dataset_spec_path(a->spec) && !strcmp(ds_what(a), ds_what(b)))
      rc = sb_error_set(err, SB_EINVAL, "%s:%d: [dataset %s] %s is matched twice (also by "
                        "[dataset %s], line %d): the same dataset would be run twice", path,
                        b->line, b->group, ds_what(b), a->group, a->line);
    else if (sb_dataset_spec_path(a->spec))
      rc = sb_error_set(err, SB_EINVAL, "%s:%d: [dataset %s] %s has the same content as %s "
                        "([dataset %s], line %d): the same dataset would be run twice", path,
                        b->line, b->group, ds_what(b), ds_what(a), a->group, a->line);
    else
      rc = sb_error_set(err, SB_EINVAL, "%s:%d: [dataset %s] repeats the dataset %s of "
                        "[dataset %s] (line %d): the same dataset would be run twice", path,
                        b->line, b->group, b->spec, a->group, a->line);
  }
  for (size_t i = 0; i < pts->n_algo; i++) idx[i] = &pts->algo[i];
  qsort(idx, pts->n_algo, sizeof *idx, cmp_algo);
  for (size_t i = 1; i < pts->n_algo && !rc; i++) {
    const sb_algo_point *a = idx[i - 1], *b = idx[i];
    if (a->type != b->type || strcmp(a->params, b->params)) continue;
    for (size_t x = 0; x < a->n_budgets && !rc; x++)
      for (size_t y = 0; y < b->n_budgets && !rc; y++)
        if (a->budgets[x] == b->budgets[y])
          rc = sb_error_set(err, SB_EINVAL, "%s:%d: [algorithm %s] repeats [algorithm %s] (line "
                            "%d): %s with parameters '%s' at budget %zu in both: the same runs "
                            "would be counted twice", path, b->line, b->label, a->label, a->line,
                            a->type->name, a->params, a->budgets[x]);
  }
  free(idx);
  return rc;
}
