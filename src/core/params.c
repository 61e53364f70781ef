/* Typed, validated key=value parameters (see params.h). */
#include "core/params.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int sb_parse_long(const char *s, long *out) {
  if (!s || !*s) return 0;
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || *end) return 0;
  *out = v;
  return 1;
}

sb_num sb_parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out) {
  if (!s || !*s) return SB_NUM_SYNTAX;
  uint64_t v = 0;
  int overflow = 0;
  for (const char *p = s; *p; p++) {
    if (*p < '0' || *p > '9') return SB_NUM_SYNTAX;
    unsigned d = (unsigned)(*p - '0');
    if (v > (UINT64_MAX - d) / 10) overflow = 1;
    else v = v * 10 + d;
  }
  if (overflow || v < lo || v > hi) return SB_NUM_RANGE;
  *out = v;
  return SB_NUM_OK;
}

sb_num sb_parse_i64(const char *s, int64_t lo, int64_t hi, int64_t *out) {
  if (!s) return SB_NUM_SYNTAX;
  int neg = *s == '-';
  uint64_t mag = 0;
  sb_num st = sb_parse_u64(s + neg, 0, neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, &mag);
  if (st == SB_NUM_SYNTAX) return st;
  if (st == SB_NUM_RANGE) return SB_NUM_RANGE;
  int64_t v = neg ? (mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag) : (int64_t)mag;
  if (v < lo || v > hi) return SB_NUM_RANGE;
  *out = v;
  return SB_NUM_OK;
}

/* The declared range of a numeric parameter, or NULL. */
#define RANGE(d) ((d)->type == SB_PARAM_INT || (d)->type == SB_PARAM_DOUBLE ? (d)->choices : NULL)

/* Check x against a "LO..HI" range text (either side may be empty). */
static int in_range(double x, const char *range) {
  const char *dots = range ? strstr(range, "..") : NULL;
  if (!dots) return 1;
  char lo[64] = "";
  size_t ll = (size_t)(dots - range);
  if (ll < sizeof lo) memcpy(lo, range, ll), lo[ll] = '\0';
  double v;
  if (lo[0] && sb_parse_double(lo, &v) && x < v) return 0;
  if (dots[2] && sb_parse_double(dots + 2, &v) && x > v) return 0;
  return 1;
}

int sb_parse_double(const char *s, double *out) {
  if (!s || !*s) return 0;
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || *end || !isfinite(v)) return 0;
  *out = v;
  return 1;
}

int sb_parse_bool(const char *s, int *out) {
  if (!s) return 0;
  if (!strcasecmp(s, "true") || !strcmp(s, "1") || !strcasecmp(s, "yes") ||
      !strcasecmp(s, "on")) {
    *out = 1;
    return 1;
  }
  if (!strcasecmp(s, "false") || !strcmp(s, "0") || !strcasecmp(s, "no") ||
      !strcasecmp(s, "off")) {
    *out = 0;
    return 1;
  }
  return 0;
}

static const sb_param_def *find_def(const sb_param_def *defs, const char *name) {
  for (const sb_param_def *d = defs; d && d->name; d++)
    if (d->type != SB_PARAM_EXTRA && !strcmp(d->name, name)) return d;
  return NULL;
}

/* ---- pass-through keys (SB_PARAM_EXTRA) ---------------------------------- */

static int plain_key(const char *s) {
  if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))) return 0;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
          *s == '_' || *s == '-' || *s == '.'))
      return 0;
  return 1;
}

static const sb_param_def *extra_def(const sb_param_def *defs) {
  for (const sb_param_def *d = defs; d && d->name; d++)
    if (d->type == SB_PARAM_EXTRA) return d;
  return NULL;
}

const sb_param_def *sb_param_def_find(const sb_param_def *defs, const char *name) {
  const sb_param_def *d = find_def(defs, name);
  if (!d && plain_key(name)) d = extra_def(defs);
  return d;
}

int sb_params_is_extra(const sb_params *p, const char *key) {
  return p && !find_def(p->defs, key) && extra_def(p->defs) && plain_key(key);
}

size_t sb_names_append(char *buf, size_t len, size_t used, const char *name) {
  if (used >= len) return used;
  int w = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", name);
  if (w < 0 || (size_t)w >= len - used) {
    buf[used] = '\0';
    return used;
  }
  return used + (size_t)w;
}

static void list_names(const sb_param_def *defs, char *buf, size_t len) {
  buf[0] = '\0';
  size_t used = 0;
  for (const sb_param_def *d = defs; d && d->name; d++)
    if (d->type != SB_PARAM_EXTRA) used = sb_names_append(buf, len, used, d->name);
  if (!used) snprintf(buf, len, "(none)");
}

int sb_param_validate(const sb_param_def *d, const char *value, const char *what,
                      sb_error *err) {
  long l;
  double x;
  int b;
  switch (d->type) {
  case SB_PARAM_INT:
    if (!sb_parse_long(value, &l))
      return sb_error_set(err, SB_EINVAL, "%s: %s = '%s': expected an integer%s%s", what, d->name,
                          value, RANGE(d) ? " in " : "", RANGE(d) ? RANGE(d) : "");
    if (!in_range((double)l, RANGE(d)))
      return sb_error_set(err, SB_EINVAL, "%s: %s = '%s': expected an integer in %s", what,
                          d->name, value, RANGE(d));
    break;
  case SB_PARAM_DOUBLE:
    if (!sb_parse_double(value, &x))
      return sb_error_set(err, SB_EINVAL, "%s: %s = '%s': expected a finite number%s%s", what,
                          d->name, value, RANGE(d) ? " in " : "", RANGE(d) ? RANGE(d) : "");
    if (!in_range(x, RANGE(d)))
      return sb_error_set(err, SB_EINVAL, "%s: %s = '%s': expected a number in %s", what,
                          d->name, value, RANGE(d));
    break;
  case SB_PARAM_BOOL:
    if (!sb_parse_bool(value, &b))
      return sb_error_set(err, SB_EINVAL, "%s: %s = '%s': expected true or false", what,
                          d->name, value);
    break;
  case SB_PARAM_ENUM: {
    const char *c = d->choices;
    size_t vl = strlen(value);
    while (c && *c) {
      const char *bar = strchr(c, '|');
      size_t cl = bar ? (size_t)(bar - c) : strlen(c);
      if (cl == vl && !strncmp(c, value, vl)) return SB_OK;
      c = bar ? bar + 1 : NULL;
    }
    return sb_error_set(err, SB_EINVAL, "%s: %s = '%s': expected one of %s", what, d->name,
                        value, d->choices);
  }
  case SB_PARAM_STRING:
  case SB_PARAM_EXTRA:
    break;
  }
  return SB_OK;
}

sb_params *sb_params_new(const sb_param_def *defs) {
  sb_params *p = calloc(1, sizeof *p);
  if (p) p->defs = defs;
  return p;
}

void sb_params_free(sb_params *p) {
  if (!p) return;
  for (size_t i = 0; i < p->count; i++) {
    free(p->keys[i]);
    free(p->values[i]);
  }
  free(p->keys);
  free(p->values);
  free(p);
}

sb_params *sb_params_clone(const sb_params *p) {
  sb_params *c = sb_params_new(p->defs);
  if (!c) return NULL;
  for (size_t i = 0; i < p->count; i++)
    if (sb_params_set(c, p->keys[i], p->values[i], "clone", NULL)) {
      sb_params_free(c);
      return NULL;
    }
  return c;
}

int sb_params_set(sb_params *p, const char *key, const char *value, const char *what,
                  sb_error *err) {
  const sb_param_def *d = sb_param_def_find(p->defs, key);
  if (!d) {
    char names[512];
    list_names(p->defs, names, sizeof names);
    if (extra_def(p->defs))
      return sb_error_set(err, SB_EINVAL,
                          "%s: parameter name '%s' is not a plain key (a letter, then letters, "
                          "digits, '_', '-', '.')",
                          what, key);
    return sb_error_set(err, SB_EINVAL, "%s: unknown parameter '%s' (valid: %s)", what, key,
                        names);
  }
  for (size_t i = 0; i < p->count; i++)
    if (!strcmp(p->keys[i], key))
      return sb_error_set(err, SB_EINVAL, "%s: parameter '%s' given twice", what, key);
  int rc = sb_param_validate(d, value, what, err);
  if (rc) return rc;
  char **nk = realloc(p->keys, (p->count + 1) * sizeof *nk);
  if (!nk) return sb_error_set(err, SB_ENOMEM, "out of memory");
  p->keys = nk;
  char **nv = realloc(p->values, (p->count + 1) * sizeof *nv);
  if (!nv) return sb_error_set(err, SB_ENOMEM, "out of memory");
  p->values = nv;
  p->keys[p->count] = strdup(key);
  p->values[p->count] = strdup(value);
  if (!p->keys[p->count] || !p->values[p->count]) {
    free(p->keys[p->count]);
    free(p->values[p->count]);
    return sb_error_set(err, SB_ENOMEM, "out of memory");
  }
  p->count++;
  return SB_OK;
}

char *sb_trim(char *s) {
  while (*s == ' ' || *s == '\t') s++;
  char *e = s + strlen(s);
  while (e > s && (e[-1] == ' ' || e[-1] == '\t')) *--e = '\0';
  return s;
}

int sb_params_parse(const char *text, const sb_param_def *defs, const char *what,
                    sb_params **out, sb_error *err) {
  *out = NULL;
  sb_params *p = sb_params_new(defs);
  if (!p) return sb_error_set(err, SB_ENOMEM, "out of memory");
  char *copy = strdup(text ? text : "");
  if (!copy) {
    sb_params_free(p);
    return sb_error_set(err, SB_ENOMEM, "out of memory");
  }
  int rc = SB_OK;
  char *save = NULL;
  for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    char *item = sb_trim(tok);
    if (!*item) continue;
    char *eq = strchr(item, '=');
    if (!eq) {
      rc = sb_error_set(err, SB_EINVAL, "%s: '%s' is not of the form key=value", what, item);
      break;
    }
    *eq = '\0';
    rc = sb_params_set(p, sb_trim(item), sb_trim(eq + 1), what, err);
    if (rc) break;
  }
  free(copy);
  if (rc == SB_OK) rc = sb_params_check_required(p, what, err);
  if (rc) {
    sb_params_free(p);
    return rc;
  }
  *out = p;
  return SB_OK;
}

int sb_params_check_required(const sb_params *p, const char *what, sb_error *err) {
  for (const sb_param_def *d = p->defs; d && d->name; d++)
    if (!d->def && d->type != SB_PARAM_EXTRA && !sb_params_has(p, d->name))
      return sb_error_set(err, SB_EINVAL, "%s: parameter '%s' is required (%s)", what, d->name,
                          d->help ? d->help : "");
  return SB_OK;
}

int sb_params_has(const sb_params *p, const char *name) {
  for (size_t i = 0; p && i < p->count; i++)
    if (!strcmp(p->keys[i], name)) return 1;
  return 0;
}

const char *sb_params_str(const sb_params *p, const char *name) {
  for (size_t i = 0; p && i < p->count; i++)
    if (!strcmp(p->keys[i], name)) return p->values[i];
  const sb_param_def *d = p ? find_def(p->defs, name) : NULL;
  return d ? d->def : NULL;
}

long sb_params_int(const sb_params *p, const char *name) {
  long v = 0;
  sb_parse_long(sb_params_str(p, name), &v);
  return v;
}

double sb_params_double(const sb_params *p, const char *name) {
  double v = 0;
  sb_parse_double(sb_params_str(p, name), &v);
  return v;
}

int sb_params_bool(const sb_params *p, const char *name) {
  int v = 0;
  sb_parse_bool(sb_params_str(p, name), &v);
  return v;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

char *sb_params_canonical(const sb_params *p) {
  size_t len = 1;
  for (size_t i = 0; p && i < p->count; i++)
    len += strlen(p->keys[i]) + strlen(p->values[i]) + 2;
  char *buf = malloc(len);
  char **items = malloc((p && p->count ? p->count : 1) * sizeof *items);
  if (!buf || !items) {
    free(buf);
    free(items);
    return NULL;
  }
  size_t m = p ? p->count : 0;
  for (size_t i = 0; i < m; i++) {
    size_t l = strlen(p->keys[i]) + strlen(p->values[i]) + 2;
    items[i] = malloc(l);
    if (items[i]) snprintf(items[i], l, "%s=%s", p->keys[i], p->values[i]);
  }
  qsort(items, m, sizeof *items, cmp_str);
  buf[0] = '\0';
  for (size_t i = 0; i < m; i++) {
    if (i) strcat(buf, ",");
    if (items[i]) strcat(buf, items[i]);
    free(items[i]);
  }
  free(items);
  return buf;
}

void sb_params_print_help(const sb_param_def *defs, void *vfp) {
  FILE *fp = vfp;
  static const char *tname[] = {"int", "real", "enum", "bool", "text", "text"};
  for (const sb_param_def *d = defs; d && d->name; d++) {
    char left[96];
    if (d->type == SB_PARAM_EXTRA) {
      fprintf(fp, "    %-28s %s\n", "KEY=<text>", d->help ? d->help : "");
      continue;
    }
    if (d->type == SB_PARAM_ENUM)
      snprintf(left, sizeof left, "%s=%s", d->name, d->choices);
    else
      snprintf(left, sizeof left, "%s=<%s>", d->name, tname[d->type]);
    fprintf(fp, "    %-28s %s (%s%sdefault: %s)\n", left, d->help ? d->help : "",
            RANGE(d) ? RANGE(d) : "", RANGE(d) ? "; " : "", d->def ? d->def : "required");
  }
}
