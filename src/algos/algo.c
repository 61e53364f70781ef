/* Algorithm lookup, parsing "name:k=v,..." and the design -> oracle -> fit driver. */
#include "algos/algo.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timer.h"
#include "linalg/regress.h"

void sb_fit_phase_add(sb_fit *fit, const char *name, double seconds) {
  for (size_t i = 0; i < fit->n_phases; i++)
    if (!strcmp(fit->phases[i].name, name)) {
      fit->phases[i].seconds += seconds;
      return;
    }
  if (fit->n_phases == SB_FIT_MAX_PHASES) return;
  snprintf(fit->phases[fit->n_phases].name, sizeof fit->phases[0].name, "%s", name);
  fit->phases[fit->n_phases].seconds = seconds;
  fit->n_phases++;
}

double sb_fit_phase_seconds(const sb_fit *fit, const char *name) {
  for (size_t i = 0; i < fit->n_phases; i++)
    if (!strcmp(fit->phases[i].name, name)) return fit->phases[i].seconds;
  return 0;
}

const char *sb_algo_family_name(sb_algo_family f) {
  switch (f) {
  case SB_ALGO_SPECTRAL: return "spectral";
  case SB_ALGO_INDEX: return "interaction indices";
  case SB_ALGO_MARGINAL: return "marginal";
  default: return "other";
  }
}

void sb_fit_clear(sb_fit *fit) {
  sb_spectrum_free(fit->surrogate);
  memset(fit, 0, sizeof *fit);
}

void sb_fit_info(sb_fit *fit, const char *fmt, ...) {
  size_t used = strlen(fit->info);
  if (used && used + 1 < sizeof fit->info) fit->info[used++] = ' ', fit->info[used] = '\0';
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(fit->info + used, sizeof fit->info - used, fmt, ap);
  va_end(ap);
}

const sb_algo_type *sb_algo_find(const char *name, sb_error *err) {
  for (size_t i = 0; sb_algo_types[i]; i++)
    if (!strcmp(sb_algo_types[i]->name, name)) return sb_algo_types[i];
  char names[1024] = "";
  for (size_t i = 0, used = 0; sb_algo_types[i]; i++)
    used = sb_names_append(names, sizeof names, used, sb_algo_types[i]->name);
  sb_error_set(err, SB_EINVAL, "unknown algorithm '%s' (available: %s)", name, names);
  return NULL;
}

int sb_algo_parse(const char *text, const sb_algo_type **type, sb_params **params,
                  sb_error *err) {
  *type = NULL;
  *params = NULL;
  char name[128];
  const char *colon = strchr(text, ':');
  size_t len = colon ? (size_t)(colon - text) : strlen(text);
  if (len == 0 || len >= sizeof name)
    return sb_error_set(err, SB_EINVAL, "'%s': expected NAME[:key=value,...]", text);
  memcpy(name, text, len);
  name[len] = '\0';
  const sb_algo_type *t = sb_algo_find(name, err);
  if (!t) return SB_EINVAL;
  char what[160];
  snprintf(what, sizeof what, "algorithm %s", name);
  int rc = sb_params_parse(colon ? colon + 1 : "", t->params, what, params, err);
  if (rc) return rc;
  *type = t;
  return SB_OK;
}

/* Bytes of masks a streamed design holds at once (one chunk): small enough that a
 * chunk is still in cache when the oracle hashes and the dataset reads it. */
#define SB_ALGO_CHUNK_BYTES ((size_t)1 << 20)

/* A streamed design: the masks chunk by chunk through the oracle into *values
 * (design_count answers, caller frees).  Records "design" and "oracle". */
static int execute_streamed(const sb_algo_type *type, const sb_algo_ctx *ctx, void *state,
                            sb_oracle *oracle, double **values, sb_fit *out, sb_error *err) {
  const size_t total = type->design_count(state), words = sb_mask_words(ctx->n);
  size_t chunk = SB_ALGO_CHUNK_BYTES / (words * sizeof(uint64_t));
  if (chunk < 1) chunk = 1;
  if (chunk > total) chunk = total;
  double *v = malloc((total ? total : 1) * sizeof *v);
  sb_masks *m = sb_masks_alloc(ctx->n, chunk);
  int rc = v && m ? SB_OK : sb_error_set(err, SB_ENOMEM, "%s: out of memory", type->name);
  double tdesign = 0, toracle = 0;
  for (size_t first = 0; rc == SB_OK && first < total; first += m->count) {
    m->count = total - first < chunk ? total - first : chunk;
    double t0 = sb_wall_seconds();
    rc = type->design_chunk(state, first, m, err);
    double t1 = sb_wall_seconds();
    if (rc == SB_OK) rc = sb_oracle_query(oracle, m, v + first, err);
    tdesign += t1 - t0;
    toracle += sb_wall_seconds() - t1;
  }
  sb_fit_phase_add(out, "design", tdesign);
  sb_fit_phase_add(out, "oracle", toracle);
  sb_masks_free(m);
  if (rc != SB_OK) {
    free(v);
    return rc;
  }
  *values = v;
  return SB_OK;
}

size_t sb_algo_budget(const sb_algo_type *type, size_t n, size_t budget) {
  if ((type->flags & SB_ALGO_SAMPLED_DESIGN) || n >= 64) return budget;
  uint64_t all = (uint64_t)1 << n;
  return (uint64_t)budget > all ? (size_t)all : budget;
}

int sb_algo_execute(const sb_algo_type *type, const sb_algo_ctx *ctx_in, sb_oracle *oracle,
                    sb_fit *out, sb_error *err) {
  memset(out, 0, sizeof *out);
  sb_algo_ctx capped = *ctx_in;
  capped.budget = sb_algo_budget(type, ctx_in->n, ctx_in->budget);
  const sb_algo_ctx *ctx = &capped;
  sb_oracle_set_caller(oracle, type->name);
  sb_linalg_set_threads(ctx->threads); /* BLAS threads = the run's thread budget */
  int rc;
  if (type->check && (rc = type->check(ctx, err)) != SB_OK) return rc;
  if (type->run) {
    double t0 = sb_wall_seconds(), o0 = sb_oracle_seconds(oracle);
    rc = type->run(ctx, oracle, out, err);
    double ot = sb_oracle_seconds(oracle) - o0;
    sb_fit_phase_add(out, "oracle", ot);
    sb_fit_phase_add(out, "fit", sb_wall_seconds() - t0 - ot);
  } else if (type->design_chunk && type->design_count) {
    void *state = NULL;
    double *values = NULL;
    double t0 = sb_wall_seconds();
    rc = type->design(ctx, NULL, &state, err);
    sb_fit_phase_add(out, "design", sb_wall_seconds() - t0);
    if (rc == SB_OK) rc = execute_streamed(type, ctx, state, oracle, &values, out, err);
    if (rc == SB_OK) {
      t0 = sb_wall_seconds();
      rc = type->fit(ctx, state, NULL, values, out, err);
      sb_fit_phase_add(out, "fit", sb_wall_seconds() - t0);
    }
    free(values);
    if (type->state_free) type->state_free(state);
  } else {
    sb_masks *masks = NULL;
    void *state = NULL;
    double t0 = sb_wall_seconds();
    rc = type->design(ctx, &masks, &state, err);
    sb_fit_phase_add(out, "design", sb_wall_seconds() - t0);
    double *values = NULL;
    if (rc == SB_OK) {
      values = malloc((masks->count ? masks->count : 1) * sizeof *values);
      if (!values) rc = sb_error_set(err, SB_ENOMEM, "%s: out of memory", type->name);
    }
    if (rc == SB_OK) {
      t0 = sb_wall_seconds();
      rc = sb_oracle_query(oracle, masks, values, err);
      sb_fit_phase_add(out, "oracle", sb_wall_seconds() - t0);
    }
    if (rc == SB_OK) {
      t0 = sb_wall_seconds();
      rc = type->fit(ctx, state, masks, values, out, err);
      sb_fit_phase_add(out, "fit", sb_wall_seconds() - t0);
    }
    free(values);
    sb_masks_free(masks);
    if (type->state_free) type->state_free(state);
  }
  if (rc == SB_OK && !out->surrogate)
    rc = sb_error_set(err, SB_EINVAL, "%s: fit returned no surrogate", type->name);
  if (rc != SB_OK) {
    sb_spectrum_free(out->surrogate);
    out->surrogate = NULL;
  }
  return rc;
}
