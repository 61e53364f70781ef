/* Datasets: the black boxes the harness explains.
 *
 * A dataset is opened from a spec string "family:key=value,..." (or, for
 * file-backed families, "family:PATH").  It exposes the function as an
 * sb_eval_fn (wrapped by an sb_oracle for counting), its number of features,
 * and, when known, the exact noiseless Fourier spectrum (synthetic functions,
 * full 2^n tables).  Families are `const` types in a NULL-terminated registry
 * (sb_dataset_families); adding one is one new file + one registry line. */
#ifndef SB_DATASET_H
#define SB_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/params.h"
#include "core/spectrum.h"
#include "oracle/oracle.h"

typedef struct sb_dataset {
  char *name;          /* canonical, e.g. "fourier-n256-k50-d4-snr20-s7" (owned) */
  char *spec;          /* spec string that reopens it (owned) */
  const char *family;  /* family name (static) */
  size_t n;            /* features */
  sb_eval_fn eval;     /* the black box (noise included) */
  void *ctx;           /* its state */
  void (*ctx_free)(void *ctx);
  sb_spectrum *truth;  /* exact noiseless Fourier spectrum, or NULL (owned) */
  double noise_sigma;  /* std of additive noise on each answer (0 if none) */
  char **feature_names;/* n names or NULL (owned) */
  char *value_meaning; /* what f(x) is ("logit", ...) or NULL (owned) */
  /* Live models: masks sent to the model (or its pool server) so far, i.e. not
   * answered from the recording; NULL for other families. */
  size_t (*live_asked)(const void *ctx);
} sb_dataset;

typedef struct sb_dataset_family {
  const char *name;
  const char *summary;        /* one line for `spexbench list` */
  const sb_param_def *params; /* NULL-terminated; ignored if path_arg */
  int path_arg;               /* 1: spec is "family:PATH" (the rest is a path) */
  /* Create from validated params (or path).  `spec` is the full spec text. */
  int (*open)(const sb_params *params, const char *path, sb_dataset **out, sb_error *err);
  /* Optional: validate params without building anything (config time). */
  int (*check)(const sb_params *params, sb_error *err);
} sb_dataset_family;

extern const sb_dataset_family *const sb_dataset_families[];

const sb_dataset_family *sb_dataset_family_find(const char *name);
/* "fourier, soum, ..." into buf (for error messages). */
void sb_dataset_family_list(char *buf, size_t len);
/* Open "family:..." .  Errors list the valid families / parameters. */
int sb_dataset_open(const char *spec, sb_dataset **out, sb_error *err);
void sb_dataset_free(sb_dataset *d);
/* Validate a spec as far as possible without opening it: family, parameter
 * names and types, and the family's range checks (if it has any).  Cheap; used
 * by the config loader so a bad value is a FILE:LINE error, not a failed run. */
int sb_dataset_check(const char *spec, sb_error *err);
/* Evaluate masks directly (not counted; for held-out sets and tests). */
int sb_dataset_eval(const sb_dataset *d, const sb_masks *masks, double *out, sb_error *err);

/* Helper for families: allocate an sb_dataset with name/spec copied. */
sb_dataset *sb_dataset_new(const char *family, const char *name, const char *spec, size_t n);

#endif
