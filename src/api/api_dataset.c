/* Public API: datasets and the oracle (include/spexbench/dataset.h).
 *
 * A spec opens through data/dataset.h's registry.  A C callback becomes an
 * sb_dataset whose eval slot is a trampoline: it hands the caller's function
 * the packed batch, turns its failure into the dataset's error (prefixed with
 * the dataset name) and refuses non-finite answers, so an algorithm never fits
 * a NaN.  The oracle is core's sb_oracle over the dataset's eval. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"

/* ==== callback datasets ================================================== */

typedef struct callback_ctx {
  spexbench_eval_fn fn;
  void *user;
  size_t n;
  char name[128];
} callback_ctx;

static int callback_eval(void *ctx, const uint64_t *masks, size_t count, double *out,
                         sb_error *err) {
  callback_ctx *c = ctx;
  spexbench_error e = {SPEXBENCH_OK, ""};
  int rc = c->fn(c->user, c->n, masks, count, out, &e);
  if (rc != SPEXBENCH_OK) {
    int code = rc > 0 && rc <= SB_EINTR ? rc : SB_EORACLE;
    return sb_error_set(err, code, "dataset %s: %s", c->name,
                        e.message[0] ? e.message : "the callback failed without a message");
  }
  size_t words = sb_mask_words(c->n);
  for (size_t j = 0; j < count; j++)
    if (!isfinite(out[j])) {
      char bits[129] = "";
      if (c->n < sizeof bits) sb_mask_to_string(masks + j * words, c->n, bits);
      return sb_error_set(err, SB_EORACLE,
                          "dataset %s: the callback returned %g for mask %zu of the batch of "
                          "%zu%s%s (expected a finite number)",
                          c->name, out[j], j, count, bits[0] ? ", " : "", bits);
    }
  return SB_OK;
}

static void callback_free(void *ctx) { free(ctx); }

static int wrap(sb_dataset *impl, const char *spec, spexbench_dataset **out,
                spexbench_error *err) {
  spexbench_dataset *d = calloc(1, sizeof *d);
  char *copy = strdup(spec);
  if (!d || !copy) {
    free(d);
    free(copy);
    sb_dataset_free(impl);
    return api_error(err, SB_ENOMEM, "dataset %s: out of memory", spec);
  }
  d->impl = impl;
  d->spec = copy;
  *out = d;
  return api_ok(err);
}

int spexbench_dataset_from_callback(size_t n, spexbench_eval_fn fn, void *user, const char *name,
                                    spexbench_dataset **out, spexbench_error *err) {
  *out = NULL;
  api_init();
  if (!name) name = "callback";
  if (!fn) return api_error(err, SB_EINVAL, "dataset %s: the callback is NULL", name);
  if (n == 0 || n > SB_MAX_N)
    return api_error(err, SB_EINVAL, "dataset %s: n = %zu, expected 1..%d", name, n, SB_MAX_N);
  if (strlen(name) >= sizeof((callback_ctx *)0)->name)
    return api_error(err, SB_EINVAL, "dataset name '%.40s...' is longer than %zu characters",
                     name, sizeof((callback_ctx *)0)->name - 1);
  callback_ctx *c = calloc(1, sizeof *c);
  sb_dataset *impl = c ? sb_dataset_new("callback", name, name, n) : NULL;
  if (!impl) {
    free(c);
    return api_error(err, SB_ENOMEM, "dataset %s: out of memory", name);
  }
  c->fn = fn;
  c->user = user;
  c->n = n;
  snprintf(c->name, sizeof c->name, "%s", name);
  impl->eval = callback_eval;
  impl->ctx = c;
  impl->ctx_free = callback_free;
  return wrap(impl, name, out, err);
}

int spexbench_dataset_open(const char *spec, spexbench_dataset **out, spexbench_error *err) {
  *out = NULL;
  api_init();
  if (!spec) return api_error(err, SB_EINVAL, "spexbench_dataset_open: spec is NULL");
  sb_error e = {0};
  sb_dataset *impl = NULL;
  int rc = sb_dataset_open(spec, &impl, &e);
  if (rc) return api_fail(err, rc, &e);
  return wrap(impl, spec, out, err);
}

void spexbench_dataset_free(spexbench_dataset *d) {
  if (!d) return;
  sb_dataset_free(d->impl);
  free(d->spec);
  free(d);
}

size_t spexbench_dataset_n(const spexbench_dataset *d) { return d->impl->n; }

const char *spexbench_dataset_name(const spexbench_dataset *d) { return d->impl->name; }

const spexbench_spectrum *spexbench_dataset_truth(const spexbench_dataset *d) {
  return (const spexbench_spectrum *)d->impl->truth;
}

int spexbench_dataset_eval(spexbench_dataset *d, const uint64_t *masks, size_t count,
                           double *values, spexbench_error *err) {
  int rc = api_check_masks(masks, count, d->impl->n, "spexbench_dataset_eval", err);
  if (rc || count == 0) return rc ? rc : api_ok(err);
  sb_error e = {0};
  return api_fail(err, d->impl->eval(d->impl->ctx, masks, count, values, &e), &e);
}

size_t spexbench_family_count(void) {
  size_t k = 0;
  while (sb_dataset_families[k]) k++;
  return k;
}

const char *spexbench_family_name(size_t i) {
  return i < spexbench_family_count() ? sb_dataset_families[i]->name : NULL;
}

const char *spexbench_family_summary(size_t i) {
  return i < spexbench_family_count() ? sb_dataset_families[i]->summary : NULL;
}

/* ==== the oracle ========================================================= */

int spexbench_oracle_new(spexbench_dataset *d, size_t budget, spexbench_oracle **out,
                         spexbench_error *err) {
  *out = NULL;
  if (!d) return api_error(err, SB_EINVAL, "spexbench_oracle_new: dataset is NULL");
  spexbench_oracle *o = calloc(1, sizeof *o);
  sb_oracle *impl = o ? sb_oracle_alloc(d->impl->n, d->impl->eval, d->impl->ctx, budget) : NULL;
  if (!impl) {
    free(o);
    return api_error(err, SB_ENOMEM, "spexbench_oracle_new: out of memory");
  }
  o->impl = impl;
  o->dataset = d;
  *out = o;
  return api_ok(err);
}

void spexbench_oracle_free(spexbench_oracle *o) {
  if (!o) return;
  sb_oracle_free(o->impl);
  free(o);
}

int spexbench_oracle_query(spexbench_oracle *o, const uint64_t *masks, size_t count,
                           double *values, spexbench_error *err) {
  int rc = api_check_masks(masks, count, sb_oracle_n(o->impl), "spexbench_oracle_query", err);
  if (rc) return rc;
  sb_error e = {0};
  return api_fail(err, sb_oracle_query_raw(o->impl, masks, count, values, &e), &e);
}

size_t spexbench_oracle_used(const spexbench_oracle *o) { return sb_oracle_used(o->impl); }
size_t spexbench_oracle_asked(const spexbench_oracle *o) { return sb_oracle_asked(o->impl); }
size_t spexbench_oracle_budget(const spexbench_oracle *o) { return sb_oracle_budget(o->impl); }
