/* INI experiment configs: parsing with positions (FILE:LINE) and expansion of
 * dataset × algorithm × budget × repetition grids into run definitions.
 *
 * inih reports only the first error's line, and Debian builds it without
 * handler line numbers, so we feed it through our own line reader: the reader
 * counts lines (the handler then knows where it is) and sees section headers
 * (so duplicate and empty sections are caught too). */
#include "runner/config.h"

#include <glob.h>
#include <unistd.h>
#include <sys/wait.h>
#include <errno.h>
#include <ini.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fsutil.h"
#include "core/seed.h"
#include "data/dataset.h"

/* ==== raw sections ======================================================= */

typedef struct entry {
  char *key, *value;
  int line;
} entry;

typedef struct section {
  char *name; /* full header text, e.g. "dataset synth" */
  int line;
  entry *e;
  size_t n;
} section;

typedef struct parse_state {
  const char *path;
  const char *text;
  size_t pos;
  int line;
  section *s;
  size_t ns;
  sb_error *err;
  int failed;
} parse_state;

static char *trim(char *s) {
  while (*s == ' ' || *s == '\t' || *s == '\r') s++;
  char *e = s + strlen(s);
  while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n')) *--e = '\0';
  return s;
}

static section *find_section(parse_state *ps, const char *name) {
  for (size_t i = 0; i < ps->ns; i++)
    if (!strcmp(ps->s[i].name, name)) return &ps->s[i];
  return NULL;
}

static char *reader(char *str, int num, void *stream) {
  parse_state *ps = stream;
  if (ps->failed || !ps->text[ps->pos]) return NULL;
  const char *start = ps->text + ps->pos;
  const char *nl = strchr(start, '\n');
  size_t len = nl ? (size_t)(nl - start + 1) : strlen(start);
  size_t copy = len < (size_t)num - 1 ? len : (size_t)num - 1;
  memcpy(str, start, copy);
  str[copy] = '\0';
  ps->pos += len;
  ps->line++;
  /* Section headers: record them here (empty sections never reach the handler). */
  char buf[512];
  snprintf(buf, sizeof buf, "%s", str);
  char *t = trim(buf);
  if (t[0] == '[') {
    char *close = strchr(t, ']');
    if (close) {
      *close = '\0';
      char *name = trim(t + 1);
      /* collapse inner whitespace runs to one space */
      char norm[256];
      size_t k = 0;
      for (char *p = name; *p && k + 1 < sizeof norm; p++) {
        if (*p == ' ' || *p == '\t') {
          if (k && norm[k - 1] != ' ') norm[k++] = ' ';
        } else {
          norm[k++] = *p;
        }
      }
      norm[k] = '\0';
      section *prev = find_section(ps, norm);
      if (prev) {
        sb_error_set(ps->err, SB_EINVAL, "%s:%d: section [%s] repeats the one at line %d",
                     ps->path, ps->line, norm, prev->line);
        ps->failed = 1;
        return NULL;
      }
      section *ns = realloc(ps->s, (ps->ns + 1) * sizeof *ns);
      if (!ns) return NULL;
      ps->s = ns;
      memset(&ps->s[ps->ns], 0, sizeof ps->s[0]);
      ps->s[ps->ns].name = strdup(norm);
      ps->s[ps->ns].line = ps->line;
      ps->ns++;
    }
  }
  return str;
}

static int handler(void *user, const char *sec, const char *name, const char *value) {
  parse_state *ps = user;
  if (ps->failed) return 0;
  char norm[256];
  size_t k = 0;
  for (const char *p = sec; *p && k + 1 < sizeof norm; p++) {
    if (*p == ' ' || *p == '\t') {
      if (k && norm[k - 1] != ' ') norm[k++] = ' ';
    } else {
      norm[k++] = *p;
    }
  }
  norm[k] = '\0';
  section *s = find_section(ps, norm);
  if (!s) {
    sb_error_set(ps->err, SB_EINVAL, "%s:%d: '%s' appears before any [section]", ps->path,
                 ps->line, name);
    ps->failed = 1;
    return 0;
  }
  for (size_t i = 0; i < s->n; i++)
    if (!strcmp(s->e[i].key, name)) {
      sb_error_set(ps->err, SB_EINVAL, "%s:%d: key '%s' repeats the one at line %d", ps->path,
                   ps->line, name, s->e[i].line);
      ps->failed = 1;
      return 0;
    }
  entry *ne = realloc(s->e, (s->n + 1) * sizeof *ne);
  if (!ne) return 0;
  s->e = ne;
  s->e[s->n].key = strdup(name);
  s->e[s->n].value = strdup(value);
  s->e[s->n].line = ps->line;
  s->n++;
  return 1;
}

static void free_sections(parse_state *ps) {
  for (size_t i = 0; i < ps->ns; i++) {
    for (size_t j = 0; j < ps->s[i].n; j++) {
      free(ps->s[i].e[j].key);
      free(ps->s[i].e[j].value);
    }
    free(ps->s[i].e);
    free(ps->s[i].name);
  }
  free(ps->s);
}

/* ==== lists ============================================================== */

typedef struct strlist {
  char **v;
  size_t n;
} strlist;

static void strlist_free(strlist *l) {
  for (size_t i = 0; i < l->n; i++) free(l->v[i]);
  free(l->v);
  l->v = NULL;
  l->n = 0;
}

static int strlist_push(strlist *l, const char *s) {
  char **nv = realloc(l->v, (l->n + 1) * sizeof *nv);
  if (!nv) return SB_ENOMEM;
  l->v = nv;
  l->v[l->n] = strdup(s);
  if (!l->v[l->n]) return SB_ENOMEM;
  l->n++;
  return SB_OK;
}

/* Split "a, b, c" into trimmed items; an empty item is an error. */
static int split_list(const char *value, strlist *out, const char *where, const char *key,
                      sb_error *err) {
  char *copy = strdup(value);
  if (!copy) return sb_error_set(err, SB_ENOMEM, "out of memory");
  int rc = SB_OK;
  char *p = copy;
  for (;;) {
    char *comma = strchr(p, ',');
    if (comma) *comma = '\0';
    char *item = trim(p);
    if (!*item) {
      rc = sb_error_set(err, SB_EINVAL, "%s: '%s' has an empty value in its list (empty grid)",
                        where, key);
      break;
    }
    if ((rc = strlist_push(out, item))) break;
    if (!comma) break;
    p = comma + 1;
  }
  free(copy);
  if (rc) strlist_free(out);
  return rc;
}

/* ==== grids ============================================================== */

typedef struct grid_axis {
  char *key;
  strlist values;
} grid_axis;

typedef struct grid {
  grid_axis *ax;
  size_t n;
} grid;

static void grid_free(grid *g) {
  for (size_t i = 0; i < g->n; i++) {
    free(g->ax[i].key);
    strlist_free(&g->ax[i].values);
  }
  free(g->ax);
  g->ax = NULL;
  g->n = 0;
}

/* Room for element n of an array grown one element at a time: capacity doubles
 * (a power of two), so expanding 10^5 instances is not 10^5 reallocs of O(n)
 * (seconds in Release, minutes under ASan).  NULL on failure, p kept. */
static void *grow(void *p, size_t n, size_t size) {
  if (n & (n - 1)) return p; /* n is not a power of two: room left */
  return realloc(p, (n ? 2 * n : 1) * size);
}

/* Number of grid points, saturating at SIZE_MAX (never wraps). */
static size_t grid_points(const grid *g) {
  size_t total = 1;
  for (size_t i = 0; i < g->n; i++) {
    size_t k = g->ax[i].values.n;
    if (k && total > SIZE_MAX / k) return SIZE_MAX;
    total *= k;
  }
  return total;
}

/* a * b saturating at SIZE_MAX. */
static size_t mul_sat(size_t a, size_t b) {
  return b && a > SIZE_MAX / b ? SIZE_MAX : a * b;
}

/* Point `idx` of the grid as "k=v,k=v" (axis order) and the label suffix of the
 * axes that vary ("[k=v,...]" or ""). */
static void grid_point(const grid *g, size_t idx, char *params, size_t plen, char *label,
                       size_t llen) {
  params[0] = '\0';
  label[0] = '\0';
  size_t pu = 0, lu = 0;
  size_t rem = idx; /* last axis varies fastest */
  size_t *choice = calloc(g->n ? g->n : 1, sizeof *choice);
  for (size_t i = g->n; i-- > 0;) {
    choice[i] = rem % g->ax[i].values.n;
    rem /= g->ax[i].values.n;
  }
  for (size_t i = 0; i < g->n; i++) {
    const char *v = g->ax[i].values.v[choice[i]];
    int w = snprintf(params + pu, plen - pu, "%s%s=%s", pu ? "," : "", g->ax[i].key, v);
    if (w > 0 && (size_t)w < plen - pu) pu += (size_t)w;
    if (g->ax[i].values.n > 1) {
      w = snprintf(label + lu, llen - lu, "%s%s=%s", lu ? "," : "[", g->ax[i].key, v);
      if (w > 0 && (size_t)w < llen - lu) lu += (size_t)w;
    }
  }
  if (lu && lu + 1 < llen) label[lu++] = ']', label[lu] = '\0';
  free(choice);
}

/* Validate every value of every axis against a param table. */
static int grid_add(grid *g, const entry *e, const sb_param_def *defs, const char *owner,
                    const char *path, sb_error *err) {
  const sb_param_def *d = NULL;
  for (const sb_param_def *p = defs; p && p->name; p++)
    if (!strcmp(p->name, e->key)) d = p;
  char where[1200];
  snprintf(where, sizeof where, "%s:%d", path, e->line);
  if (!d) {
    char names[600] = "";
    size_t used = 0;
    for (const sb_param_def *p = defs; p && p->name; p++) {
      int w = snprintf(names + used, sizeof names - used, "%s%s", used ? ", " : "", p->name);
      if (w < 0 || (size_t)w >= sizeof names - used) break;
      used += (size_t)w;
    }
    return sb_error_set(err, SB_EINVAL, "%s: unknown key '%s' for %s (valid: %s)", where,
                        e->key, owner, used ? names : "none");
  }
  grid_axis *na = realloc(g->ax, (g->n + 1) * sizeof *na);
  if (!na) return sb_error_set(err, SB_ENOMEM, "out of memory");
  g->ax = na;
  grid_axis *a = &g->ax[g->n];
  memset(a, 0, sizeof *a);
  int rc = split_list(e->value, &a->values, where, e->key, err);
  if (rc) return rc;
  a->key = strdup(e->key);
  g->n++;
  for (size_t i = 0; i < a->values.n; i++) {
    sb_error e2;
    if (sb_param_validate(d, a->values.v[i], owner, &e2))
      return sb_error_set(err, SB_EINVAL, "%s: %s", where, e2.msg);
  }
  return SB_OK;
}

/* ==== expansion ========================================================== */

void sb_run_seeds(uint64_t master, const char *dataset_spec, size_t instance,
                  const char *algo_name, const char *algo_params, size_t budget,
                  size_t repetition, uint64_t *seed, uint64_t *design_seed,
                  uint64_t *heldout_seed) {
  char inst[32], bud[32], rep[32];
  snprintf(inst, sizeof inst, "%zu", instance);
  snprintf(bud, sizeof bud, "%zu", budget);
  snprintf(rep, sizeof rep, "%zu", repetition);
  const char *full[] = {"run", dataset_spec, inst, algo_name, algo_params, bud, rep, NULL};
  const char *nob[] = {"design", dataset_spec, inst, algo_name, algo_params, rep, NULL};
  const char *held[] = {"heldout", dataset_spec, NULL};
  if (seed) *seed = sb_seed_derive(master, full);
  if (design_seed) *design_seed = sb_seed_derive(master, nob);
  if (heldout_seed) *heldout_seed = sb_seed_derive(master, held);
}

/* shared_design: the run draws its design from the pool of (dataset, instance,
 * repetition) — no algorithm and no budget in its seed, so every algorithm and
 * budget shares it (a smaller budget's design is a prefix of a larger one's) —
 * and its own seed, hence its id, differs from the unshared run's, so a stored
 * result of the other mode is never reused. */
static void shared_design_seeds(uint64_t master, sb_run_def *rd) {
  char inst[32], rep[32];
  snprintf(inst, sizeof inst, "%zu", rd->instance);
  snprintf(rep, sizeof rep, "%zu", rd->repetition);
  const char *pool[] = {"shared-design", rd->dataset_spec, inst, rep, NULL};
  rd->shared_seed = sb_seed_derive(master, pool) | 1; /* never 0 (= not shared) */
  rd->seed = sb_seed_sub(rd->seed, "shared-design", 0);
}

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

typedef struct ds_point {
  char *group, *spec, *family;
  size_t instance;
} ds_point;

typedef struct algo_point {
  const sb_algo_type *type;
  char *label, *params;
  size_t *budgets;
  size_t n_budgets;
} algo_point;

static int parse_budgets(const entry *e, const char *path, size_t **out, size_t *n,
                         sb_error *err) {
  char where[1200];
  snprintf(where, sizeof where, "%s:%d", path, e->line);
  strlist l = {0};
  int rc = split_list(e->value, &l, where, e->key, err);
  if (rc) return rc;
  *out = calloc(l.n ? l.n : 1, sizeof **out);
  for (size_t i = 0; i < l.n; i++) {
    long v;
    if (!sb_parse_long(l.v[i], &v) || v < 1) {
      rc = sb_error_set(err, SB_EINVAL, "%s: budgets: '%s' is not a positive integer", where,
                        l.v[i]);
      break;
    }
    (*out)[i] = (size_t)v;
  }
  *n = l.n;
  strlist_free(&l);
  if (rc) {
    free(*out);
    *out = NULL;
  }
  return rc;
}

static const entry *get(const section *s, const char *key) {
  for (size_t i = 0; i < s->n; i++)
    if (!strcmp(s->e[i].key, key)) return &s->e[i];
  return NULL;
}

void sb_config_free(sb_config *c) {
  if (!c) return;
  for (size_t i = 0; i < c->n_runs; i++) {
    sb_run_def *r = &c->runs[i];
    free(r->group), free(r->dataset_spec), free(r->family), free(r->algo_label);
    free(r->algo_params), free(r->id);
  }
  free(c->runs);
  free(c->path), free(c->text), free(c->name), free(c->description);
  free(c);
}

/* Open a stored data file once to validate it, in a short-lived child process.
 * Opening computes the exact spectrum with an OpenMP FWHT; libgomp's thread pool
 * does not survive fork(), so the runner's parent must never start it, or every
 * worker it forks later would hang on its first parallel region. */
static int probe_file(const sb_dataset_family *fam, const char *path, sb_error *err) {
  int fds[2];
  if (pipe(fds) != 0) return sb_error_set(err, SB_EIO, "%s: pipe failed: %s", path, strerror(errno));
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return sb_error_set(err, SB_EIO, "%s: fork failed: %s", path, strerror(errno));
  }
  if (pid == 0) {
    close(fds[0]);
    sb_dataset *d = NULL;
    sb_error e = {0};
    int rc = fam->open(NULL, path, &d, &e);
    if (rc != SB_OK) {
      size_t len = strlen(e.msg);
      if (write(fds[1], e.msg, len) < 0) rc = SB_EIO;
    }
    sb_dataset_free(d);
    close(fds[1]);
    _exit(rc == SB_OK ? 0 : 1);
  }
  close(fds[1]);
  char msg[sizeof err->msg];
  size_t got = 0;
  ssize_t r;
  while (got < sizeof msg - 1 && (r = read(fds[0], msg + got, sizeof msg - 1 - got)) != 0) {
    if (r < 0) {
      if (errno == EINTR) continue;
      break;
    }
    got += (size_t)r;
  }
  msg[got] = '\0';
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return SB_OK;
  if (!got) snprintf(msg, sizeof msg, "%s: could not be opened (reader %s)", path,
                     WIFSIGNALED(status) ? "crashed" : "failed");
  return sb_error_set(err, SB_EFORMAT, "%s", msg);
}

static int expand_dataset(const section *s, const char *label, const char *path,
                          const char *cfgdir, uint64_t master, ds_point **pts, size_t *npts,
                          sb_error *err) {
  const entry *fam_e = get(s, "family");
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
  char owner[300];
  snprintf(owner, sizeof owner, "dataset family %s", fam->name);
  if (fam->path_arg) {
    const entry *pe = get(s, "path");
    if (!pe)
      return sb_error_set(err, SB_EINVAL, "%s:%d: [dataset %s] (family %s) needs 'path = ...'",
                          path, s->line, label, fam->name);
    for (size_t i = 0; i < s->n; i++)
      if (strcmp(s->e[i].key, "family") && strcmp(s->e[i].key, "path"))
        return sb_error_set(err, SB_EINVAL,
                            "%s:%d: unknown key '%s' for family %s (valid: family, path)", path,
                            s->e[i].line, s->e[i].key, fam->name);
    char where[1200];
    snprintf(where, sizeof where, "%s:%d", path, pe->line);
    strlist pats = {0};
    size_t first = *npts;
    int rc = split_list(pe->value, &pats, where, "path", err);
    if (rc) return rc;
    for (size_t p = 0; p < pats.n && rc == SB_OK; p++) {
      char pattern[4096];
      if (pats.v[p][0] == '/')
        snprintf(pattern, sizeof pattern, "%s", pats.v[p]);
      else
        snprintf(pattern, sizeof pattern, "%s/%s", cfgdir, pats.v[p]);
      glob_t gl;
      int g = glob(pattern, 0, NULL, &gl);
      if (g != 0) {
        rc = sb_error_set(err, SB_EINVAL, "%s: path '%s' matches no file (looked for %s)",
                          where, pats.v[p], pattern);
        break;
      }
      for (size_t i = 0; i < gl.gl_pathc && rc == SB_OK; i++) {
        /* A damaged data file is a config error (FILE:LINE, non-zero exit, no
         * results), not one failed row per run: open each stored file once here.
         * Only families that read a file (a live model is never started here). */
        if (!strcmp(fam->name, "npz") || !strcmp(fam->name, "trace")) {
          sb_error e2 = {0};
          if (probe_file(fam, gl.gl_pathv[i], &e2) != SB_OK) {
            rc = sb_error_set(err, SB_EINVAL, "%s: %s", where, e2.msg);
            break;
          }
        }
        ds_point *np = grow(*pts, *npts, sizeof *np);
        if (!np) {
          rc = SB_ENOMEM;
          break;
        }
        *pts = np;
        size_t sl = strlen(fam->name) + strlen(gl.gl_pathv[i]) + 2;
        char *spec = malloc(sl);
        snprintf(spec, sl, "%s:%s", fam->name, gl.gl_pathv[i]);
        np[*npts].group = strdup(label);
        np[*npts].spec = spec;
        np[*npts].family = strdup(fam->name);
        np[*npts].instance = *npts - first;
        (*npts)++;
      }
      globfree(&gl);
    }
    strlist_free(&pats);
    return rc;
  }
  grid g = {0};
  long instances = 1;
  int has_seed = 0, rc = SB_OK;
  for (size_t i = 0; i < s->n && rc == SB_OK; i++) {
    const entry *e = &s->e[i];
    if (!strcmp(e->key, "family")) continue;
    if (!strcmp(e->key, "instances")) {
      if (!sb_parse_long(e->value, &instances) || instances < 1 || instances > 100000)
        rc = sb_error_set(err, SB_EINVAL, "%s:%d: instances = '%s': expected an integer >= 1",
                          path, e->line, e->value);
      continue;
    }
    if (!strcmp(e->key, "seed")) has_seed = 1;
    rc = grid_add(&g, e, fam->params, owner, path, err);
  }
  if (rc == SB_OK && has_seed && instances > 1)
    rc = sb_error_set(err, SB_EINVAL,
                      "%s:%d: [dataset %s] sets both 'seed' and 'instances' (use a seed list)",
                      path, s->line, label);
  /* required family params present? */
  for (const sb_param_def *d = fam->params; rc == SB_OK && d && d->name; d++) {
    if (d->def) continue;
    int found = 0;
    for (size_t a = 0; a < g.n; a++) found |= !strcmp(g.ax[a].key, d->name);
    if (!found)
      rc = sb_error_set(err, SB_EINVAL, "%s:%d: [dataset %s] needs '%s' (%s)", path, s->line,
                        label, d->name, d->help);
  }
  int fam_has_seed = 0;
  for (const sb_param_def *d = fam->params; d && d->name; d++) fam_has_seed |= !strcmp(d->name, "seed");
  size_t np = grid_points(&g), base = *npts;
  if (rc == SB_OK && mul_sat(np, (size_t)instances) > SB_CONFIG_MAX_RUNS)
    rc = sb_error_set(err, SB_EINVAL,
                      "%s:%d: [dataset %s] expands to more than %d dataset instances "
                      "(grid of %zu points x %ld instances)",
                      path, s->line, label, SB_CONFIG_MAX_RUNS, np, instances);
  for (size_t p = 0; p < np && rc == SB_OK; p++) {
    char params[2048], lab[1024];
    grid_point(&g, p, params, sizeof params, lab, sizeof lab);
    for (long inst = 0; inst < instances; inst++) {
      char spec[4096];
      if (fam_has_seed && !has_seed) {
        char ib[32];
        snprintf(ib, sizeof ib, "%ld", inst);
        const char *parts[] = {"instance", label, params, ib, NULL};
        uint64_t sd = sb_seed_derive(master, parts) & 0x7fffffffULL;
        snprintf(spec, sizeof spec, "%s:%s%sseed=%llu", fam->name, params, params[0] ? "," : "",
                 (unsigned long long)sd);
      } else {
        snprintf(spec, sizeof spec, "%s:%s", fam->name, params);
      }
      if (inst == 0) { /* value ranges: an error here, not a failed row per run */
        sb_error e2;
        if (sb_dataset_check(spec, &e2) != SB_OK) {
          rc = sb_error_set(err, SB_EINVAL, "%s:%d: [dataset %s] %s", path, s->line, label,
                            e2.msg);
          break;
        }
      }
      ds_point *npp = grow(*pts, *npts, sizeof *npp);
      if (!npp) {
        rc = SB_ENOMEM;
        break;
      }
      *pts = npp;
      char grp[1400];
      snprintf(grp, sizeof grp, "%s%s", label, lab);
      npp[*npts].group = strdup(grp);
      npp[*npts].spec = strdup(spec);
      npp[*npts].family = strdup(fam->name);
      npp[*npts].instance = *npts - base;
      (*npts)++;
    }
  }
  grid_free(&g);
  return rc;
}

static int expand_algorithm(const section *s, const char *label, const char *path,
                            const size_t *def_budgets, size_t n_def_budgets, algo_point **pts,
                            size_t *npts, sb_error *err) {
  const entry *ae = get(s, "algo");
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
    const entry *e = &s->e[i];
    if (!strcmp(e->key, "algo")) continue;
    if (!strcmp(e->key, "budgets")) {
      rc = parse_budgets(e, path, &budgets, &nb, err);
      continue;
    }
    rc = grid_add(&g, e, t->params, owner, path, err);
  }
  size_t np = grid_points(&g);
  if (rc == SB_OK && np > SB_CONFIG_MAX_RUNS)
    rc = sb_error_set(err, SB_EINVAL, "%s:%d: [algorithm %s] grid has more than %d points",
                      path, s->line, label, SB_CONFIG_MAX_RUNS);
  for (size_t p = 0; p < np && rc == SB_OK; p++) {
    char params[2048], lab[1024];
    grid_point(&g, p, params, sizeof params, lab, sizeof lab);
    sb_params *pp = NULL;
    rc = sb_params_parse(params, t->params, owner, &pp, &e2);
    if (rc) {
      rc = sb_error_set(err, rc, "%s:%d: %s", path, s->line, e2.msg);
      break;
    }
    algo_point *na = grow(*pts, *npts, sizeof *na);
    if (!na) {
      sb_params_free(pp);
      rc = SB_ENOMEM;
      break;
    }
    *pts = na;
    char full[1400];
    snprintf(full, sizeof full, "%s%s", label, lab);
    na[*npts].type = t;
    na[*npts].label = strdup(full);
    na[*npts].params = sb_params_canonical(pp);
    size_t cnt = nb ? nb : n_def_budgets;
    na[*npts].budgets = malloc(cnt * sizeof(size_t));
    memcpy(na[*npts].budgets, nb ? budgets : def_budgets, cnt * sizeof(size_t));
    na[*npts].n_budgets = cnt;
    (*npts)++;
    sb_params_free(pp);
  }
  free(budgets);
  grid_free(&g);
  return rc;
}

int sb_config_load(const char *path, sb_config **out, sb_error *err) {
  *out = NULL;
  sb_config *c = calloc(1, sizeof *c);
  if (!c) return sb_error_set(err, SB_ENOMEM, "out of memory");
  c->path = strdup(path);
  size_t len;
  int rc = sb_read_file(path, &c->text, &len, err);
  if (rc) {
    sb_config_free(c);
    return rc;
  }
  if (strlen(c->text) != len) {
    sb_config_free(c);
    return sb_error_set(err, SB_EFORMAT, "%s: contains a NUL byte: not a text config", path);
  }
  parse_state ps = {path, c->text, 0, 0, NULL, 0, err, 0};
  int line = ini_parse_stream(reader, &ps, handler, &ps);
  ds_point *dps = NULL;
  size_t nds = 0;
  algo_point *aps = NULL;
  size_t nas = 0;
  size_t *budgets = NULL, nbud = 0;
  if (ps.failed) {
    rc = err ? err->code : SB_EINVAL;
    goto done;
  }
  if (line != 0) {
    rc = sb_error_set(err, SB_EINVAL,
                      line > 0 ? "%s:%d: syntax error (expected [section] or key = value)"
                               : "%s: cannot parse (error %d)",
                      path, line);
    goto done;
  }
  /* defaults */
  char pathcopy[4096];
  snprintf(pathcopy, sizeof pathcopy, "%s", path);
  char *base = basename(pathcopy);
  char *dot = strrchr(base, '.');
  if (dot) *dot = '\0';
  c->name = strdup(base);
  c->seed = 1;
  c->repetitions = 1;
  c->heldout = 10000;
  c->heldout_dist = SB_HELDOUT_UNIFORM;
  char dircopy[4096];
  snprintf(dircopy, sizeof dircopy, "%s", path);
  char *cfgdir = dirname(dircopy);

  section *exp = find_section(&ps, "experiment");
  if (!exp) {
    rc = sb_error_set(err, SB_EINVAL, "%s: missing [experiment] section", path);
    goto done;
  }
  for (size_t i = 0; i < exp->n; i++) {
    const entry *e = &exp->e[i];
    long v;
    if (!strcmp(e->key, "name")) {
      char s2[256];
      sanitize(e->value, s2, sizeof s2);
      if (!*e->value || strcmp(s2, e->value)) {
        rc = sb_error_set(err, SB_EINVAL,
                          "%s:%d: name = '%s': use letters, digits, '.', '-', '_' only", path,
                          e->line, e->value);
        goto done;
      }
      free(c->name);
      c->name = strdup(e->value);
    } else if (!strcmp(e->key, "description")) {
      c->description = strdup(e->value);
    } else if (!strcmp(e->key, "seed")) {
      if (!sb_parse_long(e->value, &v) || v < 0) {
        rc = sb_error_set(err, SB_EINVAL, "%s:%d: seed = '%s': expected an integer >= 0", path,
                          e->line, e->value);
        goto done;
      }
      c->seed = (uint64_t)v;
    } else if (!strcmp(e->key, "repetitions")) {
      if (!sb_parse_long(e->value, &v) || v < 1 || v > 100000) {
        rc = sb_error_set(err, SB_EINVAL, "%s:%d: repetitions = '%s': expected an integer >= 1",
                          path, e->line, e->value);
        goto done;
      }
      c->repetitions = (size_t)v;
    } else if (!strcmp(e->key, "heldout")) {
      if (!sb_parse_long(e->value, &v) || v < 0 || (v > 0 && v < 2)) {
        rc = sb_error_set(err, SB_EINVAL,
                          "%s:%d: heldout = '%s': expected 0 (none) or an integer >= 2", path,
                          e->line, e->value);
        goto done;
      }
      c->heldout = (size_t)v;
    } else if (!strcmp(e->key, "heldout_distribution")) {
      if (!sb_heldout_dist_parse(e->value, &c->heldout_dist)) {
        rc = sb_error_set(err, SB_EINVAL,
                          "%s:%d: heldout_distribution = '%s': expected uniform or sizes", path,
                          e->line, e->value);
        goto done;
      }
    } else if (!strcmp(e->key, "plot_metric")) {
      if (strcmp(e->value, "heldout") && strcmp(e->value, "exact")) {
        rc = sb_error_set(err, SB_EINVAL, "%s:%d: plot_metric = '%s': expected heldout or exact",
                          path, e->line, e->value);
        goto done;
      }
      c->plot_exact = !strcmp(e->value, "exact");
    } else if (!strcmp(e->key, "save_spectra")) {
      if (!sb_parse_bool(e->value, &c->save_spectra)) {
        rc = sb_error_set(err, SB_EINVAL, "%s:%d: save_spectra = '%s': expected true or false",
                          path, e->line, e->value);
        goto done;
      }
    } else if (!strcmp(e->key, "shared_design")) {
      if (!sb_parse_bool(e->value, &c->shared_design)) {
        rc = sb_error_set(err, SB_EINVAL, "%s:%d: shared_design = '%s': expected true or false",
                          path, e->line, e->value);
        goto done;
      }
    } else if (!strcmp(e->key, "budgets")) {
      if ((rc = parse_budgets(e, path, &budgets, &nbud, err))) goto done;
    } else {
      rc = sb_error_set(err, SB_EINVAL,
                        "%s:%d: unknown key '%s' in [experiment] (valid: name, description, "
                        "seed, repetitions, budgets, heldout, heldout_distribution, "
                        "plot_metric, save_spectra, shared_design)",
                        path, e->line, e->key);
      goto done;
    }
  }
  if (!nbud) {
    rc = sb_error_set(err, SB_EINVAL, "%s:%d: [experiment] needs 'budgets = N, N, ...'", path,
                      exp->line);
    goto done;
  }
  for (size_t i = 0; i < ps.ns; i++) {
    section *s = &ps.s[i];
    if (!strcmp(s->name, "experiment")) continue;
    if (!strncmp(s->name, "dataset ", 8)) {
      if ((rc = expand_dataset(s, s->name + 8, path, cfgdir, c->seed, &dps, &nds, err))) goto done;
    } else if (!strncmp(s->name, "algorithm ", 10)) {
      if ((rc = expand_algorithm(s, s->name + 10, path, budgets, nbud, &aps, &nas, err)))
        goto done;
    } else {
      rc = sb_error_set(err, SB_EINVAL,
                        "%s:%d: unknown section [%s] (expected [experiment], [dataset LABEL], "
                        "[algorithm LABEL])",
                        path, s->line, s->name);
      goto done;
    }
  }
  if (!nds) {
    rc = sb_error_set(err, SB_EINVAL, "%s: no [dataset LABEL] section", path);
    goto done;
  }
  if (!nas) {
    rc = sb_error_set(err, SB_EINVAL, "%s: no [algorithm LABEL] section", path);
    goto done;
  }
  /* expand: datasets × algorithms × budgets × repetitions */
  size_t total = 0;
  for (size_t a = 0; a < nas; a++)
    total += mul_sat(mul_sat(nds, aps[a].n_budgets), c->repetitions);
  if (total > SB_CONFIG_MAX_RUNS) {
    rc = sb_error_set(err, SB_EINVAL,
                      "%s: the config expands to more than %d runs (datasets x algorithms x "
                      "budgets x repetitions): check instances, repetitions and the grids",
                      path, SB_CONFIG_MAX_RUNS);
    goto done;
  }
  c->runs = calloc(total ? total : 1, sizeof *c->runs);
  if (!c->runs) {
    rc = sb_error_set(err, SB_ENOMEM, "out of memory for %zu runs", total);
    goto done;
  }
  for (size_t d = 0; d < nds; d++)
    for (size_t a = 0; a < nas; a++)
      for (size_t b = 0; b < aps[a].n_budgets; b++)
        for (size_t r = 0; r < c->repetitions; r++) {
          sb_run_def *rd = &c->runs[c->n_runs++];
          rd->group = strdup(dps[d].group);
          rd->dataset_spec = strdup(dps[d].spec);
          rd->family = strdup(dps[d].family);
          rd->instance = dps[d].instance;
          rd->algo = aps[a].type;
          rd->algo_label = strdup(aps[a].label);
          rd->algo_params = strdup(aps[a].params ? aps[a].params : "");
          rd->budget = aps[a].budgets[b];
          rd->repetition = r;
          sb_run_seeds(c->seed, rd->dataset_spec, rd->instance, rd->algo->name, rd->algo_params,
                       rd->budget, r, &rd->seed, &rd->design_seed, &rd->heldout_seed);
          if (c->shared_design && (rd->algo->flags & SB_ALGO_SHARED_DESIGN))
            shared_design_seeds(c->seed, rd);
          char g1[200], a1[200], id[600];
          sanitize(rd->group, g1, sizeof g1);
          sanitize(rd->algo_label, a1, sizeof a1);
          snprintf(id, sizeof id, "%s-i%zu__%s__B%zu__r%zu__%08llx", g1, rd->instance, a1,
                   rd->budget, r, (unsigned long long)(rd->seed & 0xffffffffULL));
          rd->id = strdup(id);
        }
done:
  for (size_t i = 0; i < nds; i++) free(dps[i].group), free(dps[i].spec), free(dps[i].family);
  free(dps);
  for (size_t i = 0; i < nas; i++) free(aps[i].label), free(aps[i].params), free(aps[i].budgets);
  free(aps);
  free(budgets);
  free_sections(&ps);
  if (rc) {
    sb_config_free(c);
    return rc;
  }
  *out = c;
  return SB_OK;
}
