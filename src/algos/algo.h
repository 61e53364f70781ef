/* The algorithm interface.
 *
 * An algorithm is a `const sb_algo_type` with function-pointer slots (cf.
 * gsl_multimin_fminimizer_type) and a NULL-terminated registry (sb_algo_types).
 * A run goes: check (may skip) -> design (the masks to query) -> the runner
 * queries them through the counting oracle -> fit (surrogate spectrum).
 * Algorithms whose later queries depend on earlier answers set `run` instead of
 * design/fit and talk to the oracle themselves.  Adding an algorithm = one new
 * file + one line in algos/registry.c (docs/ADDING_AN_ALGORITHM.md). */
#ifndef SB_ALGO_H
#define SB_ALGO_H

#include <gsl/gsl_rng.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/mask.h"
#include "core/params.h"
#include "core/spectrum.h"
#include "oracle/oracle.h"

typedef struct sb_algo_ctx {
  size_t n;                 /* features */
  size_t budget;            /* distinct queries allowed */
  const sb_params *params;  /* validated against the type's table */
  gsl_rng *rng;             /* seeded from the run definition; the only randomness */
  uint64_t seed;            /* the run seed (rng's seed) */
  uint64_t design_seed;     /* seed without the budget: nested designs across budgets */
  double noise_sigma;       /* known noise std of the answers (0 = unknown/none) */
  int threads;              /* threads the run may use (>= 1) */
  uint64_t shared_seed;     /* != 0: draw a uniform design from the sample pool this seed
                               names, shared by every algorithm on the same dataset and
                               repetition (config `shared_design`; algos/shared_design.h) */
} sb_algo_ctx;

#define SB_FIT_MAX_PHASES 8

typedef struct sb_fit {
  sb_spectrum *surrogate;   /* Fourier or Möbius; owned by the fit (sb_fit_clear) */
  size_t n_phases;
  struct {
    char name[24];          /* "design", "oracle", "transform", "refit", "cv", ... */
    double seconds;
  } phases[SB_FIT_MAX_PHASES];
  char info[512];           /* free text "key=value ..." (e.g. "b=6 t=5 samples=5376") */
} sb_fit;

/* Add seconds to a named phase (creating it). */
void sb_fit_phase_add(sb_fit *fit, const char *name, double seconds);
/* Seconds of a named phase (0 if the fit has none). */
double sb_fit_phase_seconds(const sb_fit *fit, const char *name);
void sb_fit_clear(sb_fit *fit);
/* Append "key=value" to fit->info (printf-style). */
void sb_fit_info(sb_fit *fit, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* What kind of explanation an algorithm produces; reports and figures group
 * methods by it (one panel per family).  0 = other, so a type that sets nothing
 * is still shown. */
typedef enum sb_algo_family {
  SB_ALGO_OTHER = 0,
  SB_ALGO_SPECTRAL, /* a sparse Fourier/Möbius spectrum (exhaustive, SPEX, ProxySPEX, LASSO) */
  SB_ALGO_INDEX,    /* interaction indices of order >= 2 by regression or sampling */
  SB_ALGO_MARGINAL, /* one value per feature (Shapley, Banzhaf, LIME) */
  SB_ALGO_N_FAMILIES
} sb_algo_family;

/* "spectral", "interaction indices", "marginal", "other". */
const char *sb_algo_family_name(sb_algo_family f);

typedef struct sb_algo_type {
  const char *name;            /* CLI / config name, e.g. "spex" */
  const char *summary;         /* one line for `spexbench list` */
  const sb_param_def *params;  /* NULL-terminated */
  /* Optional.  Return SB_ESKIP (with the reason) for runs that do not apply,
   * e.g. an order that does not scale to this n, or a budget below the minimum. */
  int (*check)(const sb_algo_ctx *ctx, sb_error *err);
  /* The query design: a batch of masks (distinct count must fit the budget).
   * `*state` may carry anything fit needs (freed with state_free). */
  int (*design)(const sb_algo_ctx *ctx, sb_masks **masks, void **state, sb_error *err);
  /* Fit the surrogate from the design's answers (masks is NULL for a streamed design). */
  int (*fit)(const sb_algo_ctx *ctx, void *state, const sb_masks *masks, const double *values,
             sb_fit *out, sb_error *err);
  void (*state_free)(void *state);
  /* Alternative to design/fit for adaptive algorithms (NULL otherwise). */
  int (*run)(const sb_algo_ctx *ctx, sb_oracle *oracle, sb_fit *out, sb_error *err);
  unsigned flags; /* SB_ALGO_* below (0 = none) */
  sb_algo_family family;       /* for grouping in reports (default: other) */
  /* Optional streamed design, for designs too large to hold as one block of masks
   * (SPEX at n = 65,536: 66,048 masks of 8 KiB).  When both are set the driver calls
   * `design` with masks == NULL (it prepares `*state` only), then asks for the
   * design_count(state) masks chunk by chunk — design_chunk(state, first, out)
   * writes masks [first, first + out->count) into `out` — and queries each chunk;
   * only the answers are kept, and `fit` gets masks == NULL.  A chunk that would
   * cross the budget fails as a batch does (earlier chunks stay counted). */
  size_t (*design_count)(const void *state);
  int (*design_chunk)(const void *state, size_t first, sb_masks *out, sb_error *err);
  /* Optional.  What else the algorithm's numbers depend on besides its parameters
   * (the `external` program's files: their content digest).  *out (caller frees)
   * goes into the run identity as "algo_content", so a stored result is rerun when
   * it changes; *out = NULL when there is nothing.  Called once per configured
   * algorithm point when the config is loaded. */
  int (*content_key)(const sb_params *params, char **out, sb_error *err);
} sb_algo_type;

/* The surrogate is the exact transform of all 2^n answers, not an estimate (so
 * interaction indices exported from it are exact: shapiq's estimated = false). */
#define SB_ALGO_EXACT 1u
/* The design is sized in samples that may repeat (SPEX's C·P·2^b aliasing design,
 * ProxySPEX's i.i.d. rows): such an algorithm sees the budget as given, since a
 * design of more than 2^n samples can still ask at most 2^n distinct masks (the
 * oracle enforces the budget on distinct masks); every other algorithm sees
 * min(budget, 2^n) (sb_algo_budget). */
#define SB_ALGO_SAMPLED_DESIGN 2u
/* Its design is distinct uniform masks, so with shared_design = true it may be drawn
 * from the one sample pool of its (dataset, instance, repetition)
 * (sb_design_uniform_ctx, algos/shared_design.h). */
#define SB_ALGO_SHARED_DESIGN 4u

extern const sb_algo_type *const sb_algo_types[];

/* Lookup by name; on failure the message lists the valid names. */
const sb_algo_type *sb_algo_find(const char *name, sb_error *err);
/* Parse "name[:k=v,...]" into a type and validated params (caller frees params). */
int sb_algo_parse(const char *text, const sb_algo_type **type, sb_params **params,
                  sb_error *err);
/* The budget an algorithm sees: at most 2^n, since no more distinct masks exist
 * (so no algorithm sizes a design matrix, a mask set or a check by a budget it can
 * never use, and every algorithm caps the same way) — except for a
 * SB_ALGO_SAMPLED_DESIGN type, which sees `budget` as given. */
size_t sb_algo_budget(const sb_algo_type *type, size_t n, size_t budget);
/* check -> design -> oracle -> fit (or run), with ctx->budget replaced by
 * sb_algo_budget (the oracle keeps enforcing the budget as given).  Records phases
 * "design", "oracle", "fit" (algorithms may add finer ones).  Sets the oracle's
 * caller name. */
int sb_algo_execute(const sb_algo_type *type, const sb_algo_ctx *ctx, sb_oracle *oracle,
                    sb_fit *out, sb_error *err);

#endif
