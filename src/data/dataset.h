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

/* Family flags: what the runner and the config loader need to know about a
 * family, asked of the type instead of compared with its name. */
enum {
  /* The spec is "family:PATH" of a stored file the dataset is read from.  The
   * file's content is the dataset's identity (seeds and stored results follow the
   * content, not the spelling of the path); the config loader refuses anything but
   * a regular file, and the runner opens each file once (sb_dataset_probe) before
   * any run starts. */
  SB_FAMILY_FILE = 1u << 0,
  /* Answers come from a live model (data/live.h): the runner starts one pool
   * server per model before its workers, and runs on the model overlap. */
  SB_FAMILY_LIVE = 1u << 1,
};

typedef struct sb_dataset_family {
  const char *name;
  const char *summary;        /* one line for `spexbench list` */
  const sb_param_def *params; /* NULL-terminated; ignored for SB_FAMILY_FILE */
  unsigned flags;             /* SB_FAMILY_* */
  /* Create from validated params (or path).  `spec` is the full spec text. */
  int (*open)(const sb_params *params, const char *path, sb_dataset **out, sb_error *err);
  /* Optional: validate params without building anything (config time). */
  int (*check)(const sb_params *params, sb_error *err);
  /* Optional, NULL-terminated: parameters that do not change the answers (how many
   * processes compute them), left out of the dataset's identity, so changing them
   * keeps its seeds and stored results (sb_dataset_identity). */
  const char *const *identity_skip;
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
/* The family of a spec ("fourier:n=8" -> fourier), or NULL. */
const sb_dataset_family *sb_dataset_spec_family(const char *spec);
/* The path of a SB_FAMILY_FILE spec ("npz:a/b.npz" -> "a/b.npz"), or NULL. */
const char *sb_dataset_spec_path(const char *spec);

/* Refuse a path a file family cannot read, without opening it: it must exist and
 * be a regular file (a FIFO would block the reader, a directory or device is not
 * data).  SB_EINVAL "PATH: is a FIFO (named pipe), not a regular file" etc. */
int sb_dataset_file_check(const char *path, sb_error *err);

/* The identity of a dataset: what it is, not how it is spelled.  For a
 * SB_FAMILY_FILE spec "FAMILY:sha256=<content digest>" (so a copied, renamed or
 * moved file is the same dataset and a replaced file is not); for every other
 * family the spec itself (generated datasets are defined by their parameters),
 * without the family's identity_skip parameters.  Caller frees *key. */
int sb_dataset_identity(const char *spec, char **key, sb_error *err);

/* Open a SB_FAMILY_FILE spec once, in a short-lived child process, to validate
 * the file (a damaged file is reported before any run, with the reader's
 * position), and report its number of features in *n (may be NULL).  Opening
 * computes the exact spectrum with an OpenMP FWHT; libgomp's thread pool does not
 * survive fork(), so the runner's parent must never open a dataset itself, or
 * every worker it forks later would hang on its first parallel region.  For other
 * families: sb_dataset_check, and *n from the spec's `n` when it has one. */
int sb_dataset_probe(const char *spec, size_t *n, sb_error *err);

/* Evaluate masks directly (not counted; for held-out sets and tests). */
int sb_dataset_eval(const sb_dataset *d, const sb_masks *masks, double *out, sb_error *err);

/* Helper for families: allocate an sb_dataset with name/spec copied. */
sb_dataset *sb_dataset_new(const char *family, const char *name, const char *spec, size_t n);

#endif
