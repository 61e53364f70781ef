/* Public API: spectra (include/spexbench/spectrum.h) — thin wrappers over
 * core/spectrum.h.  A spexbench_spectrum is an sb_spectrum; these functions
 * add argument checks, the public error struct and index-list access. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"

int spexbench_spectrum_new(spexbench_basis basis, size_t n, spexbench_spectrum **out,
                           spexbench_error *err) {
  *out = NULL;
  if (basis != SPEXBENCH_FOURIER && basis != SPEXBENCH_MOBIUS)
    return api_error(err, SB_EINVAL, "spexbench_spectrum_new: basis %d is neither Fourier (0) "
                     "nor Möbius (1)", (int)basis);
  if (n == 0 || n > SB_MAX_N)
    return api_error(err, SB_EINVAL, "spexbench_spectrum_new: n = %zu, expected 1..%d", n,
                     SB_MAX_N);
  sb_spectrum *s = sb_spectrum_alloc((sb_basis)basis, n);
  if (!s) return api_error(err, SB_ENOMEM, "spexbench_spectrum_new: out of memory");
  *out = api_handle(s);
  return api_ok(err);
}

int spexbench_spectrum_from_arrays(spexbench_basis basis, size_t n, size_t count,
                                   const uint64_t *sets, const double *values,
                                   spexbench_spectrum **out, spexbench_error *err) {
  int rc = spexbench_spectrum_new(basis, n, out, err);
  if (rc) return rc;
  if (count && !values)
    rc = api_error(err, SB_EINVAL, "spexbench_spectrum_from_arrays: values is NULL");
  if (!rc) rc = api_check_masks(sets, count, n, "spexbench_spectrum_from_arrays", err);
  sb_spectrum *s = api_spec(*out);
  for (size_t i = 0; i < count && !rc; i++)
    if (sb_spectrum_add(s, sets + i * s->words, values[i]))
      rc = api_error(err, SB_ENOMEM, "spexbench_spectrum_from_arrays: out of memory");
  if (rc) {
    sb_spectrum_free(s);
    *out = NULL;
  }
  return rc;
}

int spexbench_spectrum_clone(const spexbench_spectrum *s, spexbench_spectrum **out,
                             spexbench_error *err) {
  *out = api_handle(sb_spectrum_clone(api_cspec(s)));
  return *out ? api_ok(err) : api_error(err, SB_ENOMEM, "spexbench_spectrum_clone: out of memory");
}

void spexbench_spectrum_free(spexbench_spectrum *s) { sb_spectrum_free(api_spec(s)); }

spexbench_basis spexbench_spectrum_basis(const spexbench_spectrum *s) {
  return (spexbench_basis)api_cspec(s)->basis;
}

size_t spexbench_spectrum_n(const spexbench_spectrum *s) { return api_cspec(s)->n; }

size_t spexbench_spectrum_size(const spexbench_spectrum *s) {
  return sb_spectrum_size(api_cspec(s));
}

size_t spexbench_spectrum_term(const spexbench_spectrum *s, size_t i, size_t *members,
                               size_t cap, double *value) {
  const sb_spectrum *t = api_cspec(s);
  if (i >= t->count) return 0;
  const uint64_t *key = sb_spectrum_key(t, i);
  if (value) *value = t->values[i];
  size_t degree = 0;
  for (size_t w = 0; w < t->words; w++)
    for (uint64_t bits = key[w]; bits; bits &= bits - 1) {
      if (members && degree < cap) members[degree] = w * 64 + (size_t)__builtin_ctzll(bits);
      degree++;
    }
  return degree;
}

void spexbench_spectrum_export(const spexbench_spectrum *s, uint64_t *sets, double *values) {
  const sb_spectrum *t = api_cspec(s);
  if (sets) memcpy(sets, t->keys, t->count * t->words * sizeof *sets);
  if (values) memcpy(values, t->values, t->count * sizeof *values);
}

/* The set {members[0..len)} as a packed mask in a fresh zeroed buffer (NULL on
 * a member >= n or ENOMEM; *bad tells which). */
static uint64_t *set_from_members(const sb_spectrum *t, const size_t *members, size_t len,
                                  int *bad) {
  *bad = 0;
  uint64_t *set = calloc(t->words, sizeof *set);
  if (!set) return NULL;
  for (size_t i = 0; i < len; i++) {
    if (members[i] >= t->n) {
      *bad = 1;
      free(set);
      return NULL;
    }
    sb_mask_set(set, members[i]);
  }
  return set;
}

double spexbench_spectrum_get(const spexbench_spectrum *s, const size_t *members, size_t len) {
  int bad;
  uint64_t *set = set_from_members(api_cspec(s), members, len, &bad);
  double v = set ? sb_spectrum_get(api_cspec(s), set) : 0.0;
  free(set);
  return v;
}

int spexbench_spectrum_set(spexbench_spectrum *s, const size_t *members, size_t len,
                           double value, spexbench_error *err) {
  int bad;
  sb_spectrum *t = api_spec(s);
  uint64_t *set = set_from_members(t, members, len, &bad);
  if (!set && bad)
    return api_error(err, SB_EINVAL, "spexbench_spectrum_set: a member is >= n = %zu", t->n);
  int rc = set ? sb_spectrum_put(t, set, value) : SB_ENOMEM;
  free(set);
  return rc ? api_error(err, rc, "spexbench_spectrum_set: out of memory") : api_ok(err);
}

int spexbench_spectrum_eval(const spexbench_spectrum *s, const uint64_t *masks, size_t count,
                            double *values, spexbench_error *err) {
  const sb_spectrum *t = api_cspec(s);
  int rc = api_check_masks(masks, count, t->n, "spexbench_spectrum_eval", err);
  if (rc) return rc;
  /* A borrowed view of the caller's block as a batch (never freed or grown). */
  sb_masks view = {t->n, t->words, count, count, (uint64_t *)masks};
  sb_spectrum_eval_batch(t, &view, values);
  return api_ok(err);
}

size_t spexbench_spectrum_top(const spexbench_spectrum *s, size_t k, int include_empty,
                              size_t *terms_out) {
  return sb_spectrum_topk(api_cspec(s), k, include_empty, terms_out);
}

int spexbench_spectrum_convert(const spexbench_spectrum *s, spexbench_basis basis,
                               size_t max_terms, spexbench_spectrum **out, spexbench_error *err) {
  sb_error e = {0};
  *out = api_handle(sb_spectrum_convert(api_cspec(s), (sb_basis)basis, max_terms, &e));
  return *out ? api_ok(err) : api_fail(err, e.code ? e.code : SB_ENOMEM, &e);
}

int spexbench_spectrum_to_json(const spexbench_spectrum *s, char **json_out,
                               spexbench_error *err) {
  json_t *j = sb_spectrum_to_json(api_cspec(s));
  *json_out = api_json_text(j);
  json_decref(j);
  return *json_out ? api_ok(err)
                   : api_error(err, SB_ENOMEM, "spexbench_spectrum_to_json: out of memory");
}

int spexbench_spectrum_from_json(const char *json, spexbench_spectrum **out,
                                 spexbench_error *err) {
  *out = NULL;
  json_error_t je;
  json_t *j = json_loads(json, 0, &je);
  if (!j)
    return api_error(err, SB_EFORMAT, "spectrum JSON: line %d, column %d: %s", je.line,
                     je.column, je.text);
  sb_error e = {0};
  *out = api_handle(sb_spectrum_from_json(j, "spectrum JSON", &e));
  json_decref(j);
  return *out ? api_ok(err) : api_fail(err, e.code ? e.code : SB_EFORMAT, &e);
}

int spexbench_spectrum_write(const spexbench_spectrum *s, const char *path,
                             spexbench_error *err) {
  sb_error e = {0};
  return api_fail(err, sb_spectrum_write_json(api_cspec(s), path, &e), &e);
}

int spexbench_spectrum_read(const char *path, spexbench_spectrum **out, spexbench_error *err) {
  sb_error e = {0};
  *out = api_handle(sb_spectrum_read_json(path, &e));
  return *out ? api_ok(err) : api_fail(err, e.code ? e.code : SB_EIO, &e);
}
