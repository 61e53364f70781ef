/* Table-driven option parsing for the CLI (see args.h). */
#include "cli/args.h"

#include <stdarg.h>
#include <string.h>

#include "core/params.h"

int sb_args_error(const sb_command_spec *spec, const char *fmt, ...) {
  fprintf(stderr, "spexbench %s: ", spec->name);
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\n(see spexbench %s --help)\n", spec->name);
  return SB_ARGS_USAGE;
}

static int takes_value(const sb_arg *a) { return a->kind != SB_ARG_FLAG; }
static int is_positional(const sb_arg *a) {
  return a->kind == SB_ARG_POSITIONAL || a->kind == SB_ARG_POSITIONALS;
}

/* "an integer in 1..256", "0 or an integer in 2..4294967296" */
static void describe_range(const sb_arg *a, char *buf, size_t len) {
  snprintf(buf, len, "%san integer in %llu..%llu", a->flags & SB_ARG_ZERO_OK ? "0 or " : "",
           (unsigned long long)a->min, (unsigned long long)a->max);
}

static int set_value(const sb_command_spec *spec, const sb_arg *a, const char *v, void *opts) {
  char *dst = (char *)opts + a->offset;
  switch (a->kind) {
  case SB_ARG_FLAG:
    *(int *)dst = 1;
    return SB_ARGS_OK;
  case SB_ARG_STRING:
  case SB_ARG_POSITIONAL:
    *(const char **)dst = v;
    return SB_ARGS_OK;
  case SB_ARG_POSITIONALS: {
    sb_arg_list *l = (sb_arg_list *)dst;
    l->v[l->n++] = v;
    return SB_ARGS_OK;
  }
  case SB_ARG_CHOICE: {
    int idx = 0;
    for (const char *c = a->choices; c && *c; idx++) {
      const char *bar = strchr(c, '|');
      size_t cl = bar ? (size_t)(bar - c) : strlen(c);
      if (cl == strlen(v) && !strncmp(c, v, cl)) {
        *(int *)dst = idx;
        return SB_ARGS_OK;
      }
      c = bar ? bar + 1 : NULL;
    }
    return sb_args_error(spec, "%s '%s': expected one of %s", a->name, v, a->choices);
  }
  case SB_ARG_DOUBLE: {
    double x;
    if (!sb_parse_double(v, &x))
      return sb_args_error(spec, "%s '%s': expected a number in %llu..%llu", a->name, v,
                           (unsigned long long)a->min, (unsigned long long)a->max);
    if (!(x >= (double)a->min && x <= (double)a->max))
      return sb_args_error(spec, "%s '%s': out of range (expected a number in %llu..%llu)",
                           a->name, v, (unsigned long long)a->min, (unsigned long long)a->max);
    *(double *)dst = x;
    return SB_ARGS_OK;
  }
  case SB_ARG_UINT64:
  case SB_ARG_SIZE:
  case SB_ARG_INT: {
    uint64_t x;
    sb_num st = sb_parse_u64(v, 0, a->max, &x);
    if (st == SB_NUM_OK && x < a->min && !(x == 0 && (a->flags & SB_ARG_ZERO_OK)))
      st = SB_NUM_RANGE;
    if (st != SB_NUM_OK) {
      char want[128];
      describe_range(a, want, sizeof want);
      if (st == SB_NUM_RANGE)
        return sb_args_error(spec, "%s '%s': out of range (expected %s)", a->name, v, want);
      return sb_args_error(spec, "%s '%s': expected %s", a->name, v, want);
    }
    if (a->kind == SB_ARG_UINT64) *(uint64_t *)dst = x;
    else if (a->kind == SB_ARG_SIZE) *(size_t *)dst = (size_t)x;
    else *(int *)dst = (int)x;
    return SB_ARGS_OK;
  }
  }
  return SB_ARGS_USAGE;
}

/* The table entry for option text `opt` (up to `len` characters). */
static const sb_arg *find(const sb_command_spec *spec, const char *opt, size_t len, size_t *idx) {
  for (size_t i = 0; spec->args[i].name; i++) {
    const sb_arg *a = &spec->args[i];
    if (is_positional(a)) continue;
    if ((strlen(a->name) == len && !strncmp(a->name, opt, len)) ||
        (a->alias && strlen(a->alias) == len && !strncmp(a->alias, opt, len))) {
      *idx = i;
      return a;
    }
  }
  return NULL;
}

int sb_args_parse(const sb_command_spec *spec, int argc, char **argv, void *opts,
                  uint64_t *given) {
  uint64_t seen = 0;
  size_t next_pos = 0; /* positionals are filled in table order */
  int only_positionals = 0;
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (!only_positionals && (!strcmp(arg, "--help") || !strcmp(arg, "-h"))) {
      sb_args_help(spec, stdout);
      return SB_ARGS_HELP;
    }
    if (!only_positionals && !strcmp(arg, "--")) {
      only_positionals = 1;
      continue;
    }
    if (!only_positionals && arg[0] == '-' && arg[1]) {
      const char *eq = strncmp(arg, "--", 2) ? NULL : strchr(arg, '=');
      size_t idx;
      const sb_arg *a = find(spec, arg, eq ? (size_t)(eq - arg) : strlen(arg), &idx);
      if (!a) return sb_args_error(spec, "unknown option '%s'", arg);
      const char *v = NULL;
      if (takes_value(a)) {
        if (eq) v = eq + 1;
        else if (i + 1 < argc) v = argv[++i];
        else return sb_args_error(spec, "%s needs a value (%s)", a->name, a->metavar);
      } else if (eq) {
        return sb_args_error(spec, "%s takes no value", a->name);
      }
      int rc = set_value(spec, a, v, opts);
      if (rc) return rc;
      if (idx < 64) seen |= (uint64_t)1 << idx;
      continue;
    }
    size_t idx = next_pos;
    while (spec->args[idx].name && !is_positional(&spec->args[idx])) idx++;
    if (!spec->args[idx].name) return sb_args_error(spec, "unexpected argument '%s'", arg);
    set_value(spec, &spec->args[idx], arg, opts);
    if (idx < 64) seen |= (uint64_t)1 << idx;
    next_pos = spec->args[idx].kind == SB_ARG_POSITIONALS ? idx : idx + 1; /* a list takes the rest */
  }
  for (size_t i = 0; spec->args[i].name; i++) {
    const sb_arg *a = &spec->args[i];
    if ((a->flags & SB_ARG_REQUIRED) && !(i < 64 && (seen >> i & 1))) {
      if (is_positional(a)) return sb_args_error(spec, "missing %s", a->name);
      return sb_args_error(spec, "missing %s %s", a->name, a->metavar ? a->metavar : "");
    }
  }
  if (given) *given = seen;
  return SB_ARGS_OK;
}

/* "--budget N" or "-j, --jobs N" */
static void left_column(const sb_arg *a, char *buf, size_t len) {
  if (is_positional(a)) {
    snprintf(buf, len, "%s", a->name);
    return;
  }
  snprintf(buf, len, "%s%s%s%s%s", a->alias ? a->alias : "", a->alias ? ", " : "", a->name,
           takes_value(a) ? " " : "", takes_value(a) ? a->metavar : "");
}

void sb_args_help(const sb_command_spec *spec, FILE *fp) {
  fprintf(fp, "usage: spexbench %s", spec->name);
  int col = 17 + (int)strlen(spec->name);
  for (const sb_arg *a = spec->args; a->name; a++) {
    char item[128];
    if (is_positional(a)) snprintf(item, sizeof item, "%s", a->name);
    else if (takes_value(a)) snprintf(item, sizeof item, "%s %s", a->name, a->metavar);
    else snprintf(item, sizeof item, "%s", a->name);
    int req = (a->flags & SB_ARG_REQUIRED) != 0;
    int w = (int)strlen(item) + (req ? 1 : 3);
    if (col + w > 92) {
      fprintf(fp, "\n%*s", 17 + (int)strlen(spec->name), "");
      col = 17 + (int)strlen(spec->name);
    }
    fprintf(fp, req ? " %s" : " [%s]", item);
    col += w;
  }
  fprintf(fp, "\n\n%s\n", spec->summary);
  for (const sb_arg *a = spec->args; a->name; a++) {
    char left[96];
    left_column(a, left, sizeof left);
    fprintf(fp, "  %-22s ", left);
    for (const char *h = a->help; *h; h++) {
      fputc(*h, fp);
      if (*h == '\n') fprintf(fp, "  %-22s ", "");
    }
    fputc('\n', fp);
  }
  if (spec->epilog) fprintf(fp, "\n%s", spec->epilog);
}
