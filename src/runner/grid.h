/* Grid expansion for experiment configs: comma-separated lists, parameter grids
 * and the expansion of `[dataset LABEL]` and `[algorithm LABEL]` sections into
 * dataset instances and algorithm variants (config.c crosses them with budgets
 * and repetitions).  Runner-internal: the public interface is config.h.
 *
 * Lists: "a, b, c"; items are trimmed; "\," is a comma inside an item and "\\" a
 * backslash.  An empty item, or an item listed twice (compared as values: `64,
 * 064` and `0.5, 0.50` repeat), is a FILE:LINE error: a repeated grid value would
 * run the same runs twice and count them twice. */
#ifndef SB_GRID_H
#define SB_GRID_H

#include <stddef.h>
#include <stdint.h>

#include "algos/algo.h"
#include "core/error.h"
#include "core/params.h"
#include "runner/ini.h"

typedef struct sb_strlist {
  char **v;
  size_t n;
} sb_strlist;

void sb_strlist_clear(sb_strlist *l);

/* Split `value` into trimmed items.  With keep_escapes the "\," and "\\" escapes
 * stay in the items (glob patterns: glob(3) reads them as a literal ',' and '\');
 * otherwise they are replaced by ',' and '\'.  `where` ("FILE:LINE") and `key`
 * name the list in messages. */
int sb_list_split(const char *value, int keep_escapes, sb_strlist *out, const char *where,
                  const char *key, sb_error *err);

/* Budgets: positive integers that fit in size_t, none repeated. */
int sb_budgets_parse(const sb_ini_entry *e, const char *path, size_t **out, size_t *n,
                     sb_error *err);

/* a * b, saturating at SIZE_MAX. */
size_t sb_mul_sat(size_t a, size_t b);
/* Room for element n of an array grown one element at a time (capacity doubles,
 * so expanding 10^5 instances is not 10^5 reallocs).  NULL on failure, p kept. */
void *sb_grow(void *p, size_t n, size_t size);

/* One dataset instance of a config. */
typedef struct sb_ds_point {
  char *group;    /* section label + varying parameters, e.g. "synth[n=64]" */
  char *spec;     /* "family:k=v,..." or "family:PATH" */
  char *key;      /* identity (sb_dataset_identity): what the dataset is */
  const struct sb_dataset_family *family;
  size_t instance;/* index within the section */
  int line;       /* config line that defined it (the `path` entry or the section) */
} sb_ds_point;

/* One algorithm variant of a config (a point of its parameter grid). */
typedef struct sb_algo_point {
  const sb_algo_type *type;
  char *label;    /* section label + varying parameters, e.g. "fb[order=2]" */
  char *params;   /* canonical "k=v,..." */
  char *content;  /* sb_algo_type.content_key, or NULL */
  size_t *budgets;
  size_t n_budgets;
  int line;       /* the section's line */
} sb_algo_point;

typedef struct sb_points {
  sb_ds_point *ds;
  size_t n_ds;
  sb_algo_point *algo;
  size_t n_algo;
} sb_points;

/* Expand one [dataset LABEL] section (paths relative to cfgdir; instance seeds
 * derived from `master`) / one [algorithm LABEL] section (budgets default to
 * def_budgets) and append to pts. */
int sb_expand_dataset(const sb_ini_section *s, const char *label, const char *path,
                      const char *cfgdir, uint64_t master, sb_points *pts, sb_error *err);
int sb_expand_algorithm(const sb_ini_section *s, const char *label, const char *path,
                        const size_t *def_budgets, size_t n_def_budgets, sb_points *pts,
                        sb_error *err);
/* No dataset twice (same identity: a file matched twice, two files with the same
 * content, two sections with the same spec) and no algorithm variant twice with
 * a budget in common: each would be runs counted twice. */
int sb_points_check_unique(const sb_points *pts, const char *path, sb_error *err);
void sb_points_clear(sb_points *pts);

#endif
