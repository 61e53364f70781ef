/* Sparse spectra in the Fourier or Möbius basis, with evaluation, the exact
 * Fourier <-> Möbius conversions of ../shared/design/ALGORITHMS.md §1, summaries and JSON I/O. */
#include "core/spectrum.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/fsutil.h"

/* ==== storage ============================================================ */

sb_spectrum *sb_spectrum_alloc(sb_basis basis, size_t n) {
  if (n == 0 || n > SB_MAX_N) return NULL;
  sb_spectrum *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->basis = basis;
  s->n = n;
  s->words = sb_mask_words(n);
  s->cap = 16;
  s->keys = calloc(s->cap * s->words, sizeof *s->keys);
  s->values = calloc(s->cap, sizeof *s->values);
  int rc = sb_maskmap_init(&s->index, s->words, s->cap);
  if (!s->keys || !s->values || rc) {
    sb_spectrum_free(s);
    return NULL;
  }
  return s;
}

void sb_spectrum_free(sb_spectrum *s) {
  if (!s) return;
  free(s->keys);
  free(s->values);
  sb_maskmap_release(&s->index);
  free(s);
}

const char *sb_basis_name(sb_basis b) { return b == SB_BASIS_MOBIUS ? "mobius" : "fourier"; }

sb_spectrum *sb_spectrum_clone(const sb_spectrum *s) {
  sb_spectrum *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  *c = *s;
  c->keys = malloc(s->cap * s->words * sizeof *c->keys);
  c->values = malloc(s->cap * sizeof *c->values);
  int rc = sb_maskmap_copy(&c->index, &s->index);
  if (!c->keys || !c->values || rc) {
    sb_spectrum_free(c);
    return NULL;
  }
  memcpy(c->keys, s->keys, s->count * s->words * sizeof *c->keys);
  memcpy(c->values, s->values, s->count * sizeof *c->values);
  return c;
}

long sb_spectrum_find(const sb_spectrum *s, const uint64_t *set) {
  return sb_maskmap_find(&s->index, s->keys, set);
}

double sb_spectrum_get(const sb_spectrum *s, const uint64_t *set) {
  long i = sb_spectrum_find(s, set);
  return i < 0 ? 0.0 : s->values[i];
}

/* Room for one more term in the key and value arrays. */
static int reserve_one(sb_spectrum *s) {
  if (s->count < s->cap) return SB_OK;
  size_t cap = s->cap * 2;
  uint64_t *k = realloc(s->keys, cap * s->words * sizeof *k);
  if (!k) return SB_ENOMEM;
  s->keys = k;
  double *v = realloc(s->values, cap * sizeof *v);
  if (!v) return SB_ENOMEM;
  s->values = v;
  s->cap = cap;
  return SB_OK;
}

static int insert(sb_spectrum *s, const uint64_t *set, double value, int accumulate) {
  if (reserve_one(s)) return SB_ENOMEM;
  long i = sb_maskmap_find_or_add(&s->index, s->keys, set, s->count);
  if (i < 0) return SB_ENOMEM;
  if ((size_t)i < s->count) {
    s->values[i] = accumulate ? s->values[i] + value : value;
    return SB_OK;
  }
  memcpy(s->keys + s->count * s->words, set, s->words * sizeof *set);
  s->values[s->count] = value;
  s->count++;
  return SB_OK;
}

int sb_spectrum_add(sb_spectrum *s, const uint64_t *set, double value) {
  return insert(s, set, value, 1);
}
int sb_spectrum_put(sb_spectrum *s, const uint64_t *set, double value) {
  return insert(s, set, value, 0);
}

int sb_spectrum_add_indices(sb_spectrum *s, const size_t *idx, size_t len, double value) {
  uint64_t stackbuf[16];
  uint64_t *set = s->words <= 16 ? stackbuf : calloc(s->words, sizeof *set);
  if (!set) return SB_ENOMEM;
  memset(set, 0, s->words * sizeof *set);
  int rc = SB_OK;
  for (size_t i = 0; i < len; i++) {
    if (idx[i] >= s->n) {
      rc = SB_EINVAL;
      break;
    }
    sb_mask_set(set, idx[i]);
  }
  if (rc == SB_OK) rc = sb_spectrum_add(s, set, value);
  if (set != stackbuf) free(set);
  return rc;
}

void sb_spectrum_prune(sb_spectrum *s, double tol) {
  size_t j = 0;
  for (size_t i = 0; i < s->count; i++) {
    if (fabs(s->values[i]) > tol) {
      if (i != j) {
        memmove(s->keys + j * s->words, s->keys + i * s->words, s->words * sizeof *s->keys);
        s->values[j] = s->values[i];
      }
      j++;
    }
  }
  if (j != s->count) {
    s->count = j;
    sb_maskmap_rebuild(&s->index, s->keys, j); /* fewer keys: the table never grows */
  }
}

void sb_spectrum_reset(sb_spectrum *s) {
  s->count = 0;
  sb_maskmap_reset(&s->index);
}

void sb_spectrum_scale(sb_spectrum *s, double c) {
  for (size_t i = 0; i < s->count; i++) s->values[i] *= c;
}

int sb_spectrum_axpy(sb_spectrum *s, double c, const sb_spectrum *o) {
  if (o->n != s->n || o->basis != s->basis) return SB_EINVAL;
  for (size_t i = 0; i < o->count; i++) {
    int rc = sb_spectrum_add(s, sb_spectrum_key(o, i), c * o->values[i]);
    if (rc) return rc;
  }
  return SB_OK;
}

size_t sb_spectrum_max_degree(const sb_spectrum *s) {
  size_t d = 0;
  for (size_t i = 0; i < s->count; i++) {
    size_t k = sb_spectrum_degree(s, i);
    if (k > d) d = k;
  }
  return d;
}

/* ==== evaluation ========================================================= */

double sb_spectrum_eval(const sb_spectrum *s, const uint64_t *mask) {
  double acc = 0.0;
  const size_t w = s->words;
  if (s->basis == SB_BASIS_FOURIER) {
    if (w == 1) {
      const uint64_t x = mask[0];
      for (size_t i = 0; i < s->count; i++)
        acc += __builtin_parityll(s->keys[i] & x) ? -s->values[i] : s->values[i];
    } else {
      for (size_t i = 0; i < s->count; i++)
        acc += sb_mask_parity_and(s->keys + i * w, mask, w) ? -s->values[i] : s->values[i];
    }
  } else {
    for (size_t i = 0; i < s->count; i++)
      if (sb_mask_subset(s->keys + i * w, mask, w)) acc += s->values[i];
  }
  return acc;
}

void sb_spectrum_eval_batch(const sb_spectrum *s, const sb_masks *masks, double *out) {
  const long count = (long)masks->count;
#pragma omp parallel for schedule(static) if (count * (long)s->count > 200000)
  for (long j = 0; j < count; j++) out[j] = sb_spectrum_eval(s, sb_masks_at(masks, (size_t)j));
}

/* ==== conversions ======================================================== */

/* For every subset T of `key` (given by its index list), add coef(|T|) * value. */
static int spread_subsets(sb_spectrum *out, const uint64_t *key, size_t words, double value,
                          const double *coef_by_size, uint64_t *scratch, size_t *idx) {
  size_t d = sb_mask_indices(key, words, idx);
  uint64_t total = (uint64_t)1 << d;
  for (uint64_t sub = 0; sub < total; sub++) {
    memset(scratch, 0, words * sizeof *scratch);
    for (size_t b = 0; b < d; b++)
      if ((sub >> b) & 1u) sb_mask_set(scratch, idx[b]);
    double c = coef_by_size[__builtin_popcountll(sub)] * value;
    if (c != 0.0) {
      int rc = sb_spectrum_add(out, scratch, c);
      if (rc) return rc;
    }
  }
  return SB_OK;
}

static sb_spectrum *convert(const sb_spectrum *in, sb_basis to, size_t max_terms,
                            sb_error *err) {
  if (max_terms == 0) max_terms = (size_t)1 << 26;
  size_t maxd = sb_spectrum_max_degree(in);
  if (maxd > 40) {
    sb_error_set(err, SB_EINVAL,
                 "cannot convert a term of degree %zu between bases (2^%zu subsets)", maxd,
                 maxd);
    return NULL;
  }
  double expected = 0.0;
  for (size_t i = 0; i < in->count; i++) expected += ldexp(1.0, (int)sb_spectrum_degree(in, i));
  if (expected > (double)max_terms * 4.0) {
    sb_error_set(err, SB_EINVAL,
                 "basis conversion would touch %.3g terms (limit %zu): spectrum too dense",
                 expected, max_terms);
    return NULL;
  }
  sb_spectrum *out = sb_spectrum_alloc(to, in->n);
  uint64_t *scratch = calloc(in->words, sizeof *scratch);
  size_t *idx = calloc(in->n, sizeof *idx);
  if (!out || !scratch || !idx) goto nomem;
  for (size_t i = 0; i < in->count; i++) {
    const uint64_t *key = sb_spectrum_key(in, i);
    size_t d = sb_spectrum_degree(in, i);
    double coef[64];
    for (size_t t = 0; t <= d; t++) {
      if (to == SB_BASIS_MOBIUS) /* a(S) = (-2)^{|S|} Σ_{K ⊇ S} F(K) */
        coef[t] = ldexp((t & 1) ? -1.0 : 1.0, (int)t);
      else /* F(K) = (-1)^{|K|} Σ_{S ⊇ K} a(S) 2^{-|S|} */
        coef[t] = ldexp((t & 1) ? -1.0 : 1.0, -(int)d);
    }
    if (spread_subsets(out, key, in->words, in->values[i], coef, scratch, idx)) goto nomem;
  }
  free(scratch);
  free(idx);
  sb_spectrum_prune(out, 0.0);
  return out;
nomem:
  free(scratch);
  free(idx);
  sb_spectrum_free(out);
  sb_error_set(err, SB_ENOMEM, "out of memory converting a spectrum between bases");
  return NULL;
}

sb_spectrum *sb_spectrum_to_mobius(const sb_spectrum *f, size_t max_terms, sb_error *err) {
  if (f->basis != SB_BASIS_FOURIER) {
    sb_error_set(err, SB_EINVAL, "to_mobius expects a Fourier spectrum");
    return NULL;
  }
  return convert(f, SB_BASIS_MOBIUS, max_terms, err);
}

sb_spectrum *sb_spectrum_to_fourier(const sb_spectrum *m, size_t max_terms, sb_error *err) {
  if (m->basis != SB_BASIS_MOBIUS) {
    sb_error_set(err, SB_EINVAL, "to_fourier expects a Möbius spectrum");
    return NULL;
  }
  return convert(m, SB_BASIS_FOURIER, max_terms, err);
}

sb_spectrum *sb_spectrum_convert(const sb_spectrum *s, sb_basis basis, size_t max_terms,
                                 sb_error *err) {
  if (s->basis == basis) {
    sb_spectrum *c = sb_spectrum_clone(s);
    if (!c) sb_error_set(err, SB_ENOMEM, "out of memory cloning a spectrum");
    return c;
  }
  return convert(s, basis, max_terms, err);
}

/* ==== summaries ========================================================== */

typedef struct {
  double mag;
  size_t idx;
} mag_idx;

static int cmp_mag_desc(const void *a, const void *b) {
  const mag_idx *x = a, *y = b;
  if (x->mag > y->mag) return -1;
  if (x->mag < y->mag) return 1;
  return (x->idx > y->idx) - (x->idx < y->idx);
}

size_t sb_spectrum_topk(const sb_spectrum *s, size_t k, int include_empty, size_t *idx_out) {
  mag_idx *all = malloc((s->count ? s->count : 1) * sizeof *all);
  if (!all) return 0;
  size_t m = 0;
  for (size_t i = 0; i < s->count; i++) {
    if (!include_empty && sb_mask_is_empty(sb_spectrum_key(s, i), s->words)) continue;
    all[m].mag = fabs(s->values[i]);
    all[m].idx = i;
    m++;
  }
  qsort(all, m, sizeof *all, cmp_mag_desc);
  if (k > m) k = m;
  for (size_t i = 0; i < k; i++) idx_out[i] = all[i].idx;
  free(all);
  return k;
}

void sb_spectrum_degree_energy(const sb_spectrum *s, double *hist, size_t maxdeg) {
  for (size_t i = 0; i < s->count; i++) {
    size_t d = sb_spectrum_degree(s, i);
    hist[d > maxdeg ? maxdeg : d] += s->values[i] * s->values[i];
  }
}

void sb_spectrum_degree_counts(const sb_spectrum *s, size_t *hist, size_t maxdeg) {
  for (size_t i = 0; i < s->count; i++) {
    size_t d = sb_spectrum_degree(s, i);
    hist[d > maxdeg ? maxdeg : d]++;
  }
}

double sb_spectrum_energy(const sb_spectrum *s, int include_empty) {
  double e = 0.0;
  for (size_t i = 0; i < s->count; i++) {
    if (!include_empty && sb_mask_is_empty(sb_spectrum_key(s, i), s->words)) continue;
    e += s->values[i] * s->values[i];
  }
  return e;
}

/* ==== JSON =============================================================== */

json_t *sb_spectrum_to_json(const sb_spectrum *s) {
  json_t *root = json_object();
  json_t *terms = json_array();
  size_t *idx = malloc(s->n * sizeof *idx);
  if (!root || !terms || !idx) {
    json_decref(root);
    json_decref(terms);
    free(idx);
    return NULL;
  }
  json_object_set_new(root, "basis", json_string(sb_basis_name(s->basis)));
  json_object_set_new(root, "n", json_integer((json_int_t)s->n));
  for (size_t i = 0; i < s->count; i++) {
    json_t *t = json_object(), *set = json_array();
    size_t d = sb_mask_indices(sb_spectrum_key(s, i), s->words, idx);
    for (size_t j = 0; j < d; j++) json_array_append_new(set, json_integer((json_int_t)idx[j]));
    json_object_set_new(t, "set", set);
    json_object_set_new(t, "value", json_real(s->values[i]));
    json_array_append_new(terms, t);
  }
  json_object_set_new(root, "terms", terms);
  free(idx);
  return root;
}

sb_spectrum *sb_spectrum_from_json(const json_t *root, const char *where, sb_error *err) {
  if (!json_is_object(root)) {
    sb_error_set(err, SB_EFORMAT, "%s: expected a JSON object with basis, n, terms", where);
    return NULL;
  }
  const json_t *jb = json_object_get(root, "basis");
  const json_t *jn = json_object_get(root, "n");
  const json_t *jt = json_object_get(root, "terms");
  sb_basis basis;
  if (!json_is_string(jb) || (strcmp(json_string_value(jb), "fourier") != 0 &&
                              strcmp(json_string_value(jb), "mobius") != 0)) {
    sb_error_set(err, SB_EFORMAT, "%s: \"basis\" must be \"fourier\" or \"mobius\"", where);
    return NULL;
  }
  basis = strcmp(json_string_value(jb), "mobius") == 0 ? SB_BASIS_MOBIUS : SB_BASIS_FOURIER;
  if (!json_is_integer(jn) || json_integer_value(jn) < 1 ||
      json_integer_value(jn) > SB_MAX_N) {
    sb_error_set(err, SB_EFORMAT, "%s: \"n\" must be an integer in 1..%d", where, SB_MAX_N);
    return NULL;
  }
  if (!json_is_array(jt)) {
    sb_error_set(err, SB_EFORMAT, "%s: \"terms\" must be an array", where);
    return NULL;
  }
  size_t n = (size_t)json_integer_value(jn);
  sb_spectrum *s = sb_spectrum_alloc(basis, n);
  uint64_t *set = calloc(sb_mask_words(n), sizeof *set);
  if (!s || !set) {
    sb_error_set(err, SB_ENOMEM, "%s: out of memory", where);
    goto fail;
  }
  size_t i;
  const json_t *t;
  json_array_foreach(jt, i, t) {
    const json_t *js = json_object_get(t, "set"), *jv = json_object_get(t, "value");
    if (!json_is_array(js) || !json_is_number(jv)) {
      sb_error_set(err, SB_EFORMAT,
                   "%s: term %zu: expected {\"set\": [indices], \"value\": number}", where, i);
      goto fail;
    }
    memset(set, 0, sb_mask_words(n) * sizeof *set);
    size_t j;
    const json_t *je;
    json_array_foreach(js, j, je) {
      if (!json_is_integer(je) || json_integer_value(je) < 0 ||
          (size_t)json_integer_value(je) >= n) {
        sb_error_set(err, SB_EFORMAT,
                     "%s: term %zu: set element %zu is not an integer in 0..%zu", where, i, j,
                     n - 1);
        goto fail;
      }
      size_t f = (size_t)json_integer_value(je);
      if (sb_mask_get(set, f)) {
        sb_error_set(err, SB_EFORMAT, "%s: term %zu: feature %zu repeated in set", where, i, f);
        goto fail;
      }
      sb_mask_set(set, f);
    }
    double v = json_number_value(jv);
    if (!isfinite(v)) {
      sb_error_set(err, SB_EFORMAT, "%s: term %zu: value is not finite", where, i);
      goto fail;
    }
    if (sb_spectrum_find(s, set) >= 0) {
      sb_error_set(err, SB_EFORMAT, "%s: term %zu: set listed twice", where, i);
      goto fail;
    }
    if (sb_spectrum_put(s, set, v)) {
      sb_error_set(err, SB_ENOMEM, "%s: out of memory", where);
      goto fail;
    }
  }
  free(set);
  return s;
fail:
  free(set);
  sb_spectrum_free(s);
  return NULL;
}

int sb_spectrum_write_json(const sb_spectrum *s, const char *path, sb_error *err) {
  json_t *j = sb_spectrum_to_json(s);
  if (!j) return sb_error_set(err, SB_ENOMEM, "%s: out of memory", path);
  int rc = sb_json_write_atomic(j, path, err);
  json_decref(j);
  return rc;
}

sb_spectrum *sb_spectrum_read_json(const char *path, sb_error *err) {
  json_error_t je;
  json_t *j = json_load_file(path, 0, &je);
  if (!j) {
    sb_error_set(err, SB_EFORMAT, "%s:%d:%d: %s", path, je.line, je.column, je.text);
    return NULL;
  }
  sb_spectrum *s = sb_spectrum_from_json(j, path, err);
  json_decref(j);
  return s;
}
