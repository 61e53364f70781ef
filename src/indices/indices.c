/* Interaction indices from a Möbius spectrum (../shared/design/ALGORITHMS.md §3) and their export
 * in shapiq's InteractionValues JSON layout.
 *
 * For every support set T of the Möbius spectrum we enumerate its subsets S with
 * |S| <= ℓ and add w(s, t, ℓ)·a(T) to index(S), with the weights of §3's table:
 *   SII  1/(t−s+1)          BII  2^{−(t−s)}
 *   STII s < ℓ: [T = S];  s = ℓ: 1/C(t, ℓ)
 *   FBII t <= ℓ: [T = S]; t > ℓ: (−1)^{ℓ−s} 2^{−(t−s)} C(t−s−1, ℓ−s)
 *   FSII t <= ℓ: [T = S]; t > ℓ: (−1)^{ℓ−s} (s/(ℓ+s)) C(ℓ,s) C(t−1,ℓ) / C(t+ℓ−1, ℓ+s)
 *   k-SII(S) = Σ_{T ⊇ S, t <= ℓ} B_{t−s} SII(T), Bernoulli numbers with B₁ = −½.
 * These reproduce shapiq's exact values (MoebiusConverter) on the fixtures in
 * shared/fixtures/shapiq-interaction-values-california-n8 (tests/unit/test_indices.c).
 * Cost: Σ_T Σ_{s<=ℓ} C(t, s) hash updates. */
#include "indices/indices.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/comb.h"
#include "core/fsutil.h"

#define SB_INDEX_DEFAULT_MAX_TERMS ((size_t)1 << 26)

static const char *const index_names[SB_INDEX_COUNT] = {
    "Moebius", "SII", "BII", "FSII", "FBII", "STII", "k-SII", "SV", "BV",
};

const char *sb_index_name(sb_index_kind k) {
  return (unsigned)k < SB_INDEX_COUNT ? index_names[k] : "?";
}

int sb_index_parse(const char *s, sb_index_kind *out, sb_error *err) {
  if (s) {
    for (int k = 0; k < SB_INDEX_COUNT; k++)
      if (!strcasecmp(s, index_names[k])) {
        *out = (sb_index_kind)k;
        return SB_OK;
      }
    if (!strcasecmp(s, "kSII") || !strcasecmp(s, "k_SII")) {
      *out = SB_INDEX_KSII;
      return SB_OK;
    }
    if (!strcasecmp(s, "Mobius") || !strcmp(s, "Möbius") || !strcasecmp(s, "Moebius")) {
      *out = SB_INDEX_MOBIUS;
      return SB_OK;
    }
  }
  return sb_error_set(err, SB_EINVAL,
                      "unknown interaction index '%s': expected one of Moebius, SII, BII, FSII, "
                      "FBII, STII, k-SII, SV, BV",
                      s ? s : "(null)");
}

void sb_bernoulli(size_t m, double *out) {
  /* B_k = −1/(k+1) Σ_{j<k} C(k+1, j) B_j, in long double; odd k >= 3 are exactly 0. */
  long double *b = malloc((m + 1) * sizeof *b);
  if (!b) { /* tiny fallback: the first few are all anyone uses */
    static const double small[] = {1.0, -0.5, 1.0 / 6, 0, -1.0 / 30, 0, 1.0 / 42};
    for (size_t k = 0; k <= m; k++) out[k] = k < 7 ? small[k] : NAN;
    return;
  }
  b[0] = 1.0L;
  for (size_t k = 1; k <= m; k++) {
    if (k >= 3 && (k & 1)) {
      b[k] = 0;
      continue;
    }
    long double acc = 0, c = 1; /* c = C(k+1, j) */
    for (size_t j = 0; j < k; j++) {
      acc += c * b[j];
      c = c * (long double)(k + 1 - j) / (long double)(j + 1);
    }
    b[k] = -acc / (long double)(k + 1);
  }
  for (size_t k = 0; k <= m; k++) out[k] = (double)b[k];
  free(b);
}

double sb_index_weight(sb_index_kind k, size_t s, size_t t, size_t l) {
  if (s > t) return 0;
  switch (k) {
    case SB_INDEX_MOBIUS:
      return s == t ? 1.0 : 0.0;
    case SB_INDEX_SII:
    case SB_INDEX_SV:
      return 1.0 / (double)(t - s + 1);
    case SB_INDEX_BII:
    case SB_INDEX_BV:
      return ldexp(1.0, -(int)(t - s));
    case SB_INDEX_STII:
      if (s < l) return s == t ? 1.0 : 0.0;
      if (s == l) return 1.0 / sb_choose(t, l);
      return 0;
    case SB_INDEX_FBII:
      if (s > l) return 0;
      if (t <= l) return s == t ? 1.0 : 0.0;
      return (((l - s) & 1) ? -1.0 : 1.0) * ldexp(1.0, -(int)(t - s)) * sb_choose(t - s - 1, l - s);
    case SB_INDEX_FSII:
      if (s > l) return 0;
      if (t <= l) return s == t ? 1.0 : 0.0;
      if (s == 0) return 0;
      return (((l - s) & 1) ? -1.0 : 1.0) * ((double)s / (double)(l + s)) * sb_choose(l, s) *
             (sb_choose(t - 1, l) / sb_choose(t + l - 1, l + s));
    default:
      return NAN;
  }
}

/* ---- subset enumeration ------------------------------------------------ */

/* Calls add(S) for every S ⊆ T (T given by its sorted indices) with |S| <= smax.
 * `cur` is scratch of `words` words. */
typedef int (*subset_cb)(void *ctx, const uint64_t *set, size_t s);

static int for_subsets(const size_t *idx, size_t t, size_t smax, uint64_t *cur, size_t words,
                       subset_cb cb, void *ctx) {
  size_t c[64 + 1];
  size_t *comb = c;
  size_t *heap = NULL;
  if (smax > t) smax = t;
  if (smax + 1 > sizeof c / sizeof c[0]) {
    heap = malloc((smax + 1) * sizeof *heap);
    if (!heap) return SB_ENOMEM;
    comb = heap;
  }
  int rc = SB_OK;
  for (size_t s = 0; s <= smax && !rc; s++) {
    sb_comb_first(comb, s);
    do {
      memset(cur, 0, words * sizeof *cur);
      for (size_t i = 0; i < s; i++) sb_mask_set(cur, idx[comb[i]]);
      if ((rc = cb(ctx, cur, s))) break;
    } while (sb_comb_next(comb, s, t));
  }
  free(heap);
  return rc;
}

typedef struct {
  sb_spectrum *out;
  const double *wt; /* wt[s]: weight for a subset of size s of the current T */
  double a;         /* coefficient of the current T */
  size_t max_terms;
} add_ctx;

static int add_cb(void *vctx, const uint64_t *set, size_t s) {
  add_ctx *c = vctx;
  double w = c->wt[s];
  if (w == 0) return SB_OK;
  if (sb_spectrum_add(c->out, set, w * c->a)) return SB_ENOMEM;
  if (c->out->count > c->max_terms) return SB_EINVAL;
  return SB_OK;
}

/* index(S) += Σ_T wfun(s,t)·a(T) over subsets S of every term T, |S| <= order. */
static int accumulate(const sb_spectrum *mob, sb_index_kind k, size_t order, size_t max_terms,
                      const double *bern, sb_spectrum *out, sb_error *err) {
  size_t n = mob->n, words = mob->words;
  size_t *idx = malloc((n ? n : 1) * sizeof *idx);
  uint64_t *cur = calloc(words, sizeof *cur);
  double *wt = malloc((order + 2) * sizeof *wt);
  int rc = SB_OK;
  if (!idx || !cur || !wt) {
    rc = sb_error_set(err, SB_ENOMEM, "indices: out of memory");
    goto done;
  }
  double work = 0;
  for (size_t i = 0; i < mob->count; i++) {
    size_t t = sb_spectrum_degree(mob, i);
    for (size_t s = 0; s <= order && s <= t; s++) work += sb_choose(t, s);
  }
  if (work > 4.0 * (double)max_terms + 1e6) {
    rc = sb_error_set(err, SB_EINVAL,
                      "indices: %s of order %zu needs %.3g subset updates (limit %.3g); lower the "
                      "order or sparsify the spectrum",
                      sb_index_name(k), order, work, 4.0 * (double)max_terms + 1e6);
    goto done;
  }
  add_ctx c = {out, wt, 0, max_terms};
  for (size_t i = 0; i < mob->count && !rc; i++) {
    const uint64_t *T = sb_spectrum_key(mob, i);
    size_t t = sb_mask_indices(T, words, idx);
    if (bern) { /* k-SII from SII: weight B_{t−s}, only sets of size <= order */
      if (t > order) continue;
      for (size_t s = 0; s <= t; s++) wt[s] = bern[t - s];
    } else {
      for (size_t s = 0; s <= order && s <= t; s++) wt[s] = sb_index_weight(k, s, t, order);
    }
    c.a = mob->values[i];
    if (c.a == 0) continue;
    rc = for_subsets(idx, t, order, cur, words, add_cb, &c);
    if (rc == SB_ENOMEM) rc = sb_error_set(err, SB_ENOMEM, "indices: out of memory");
    else if (rc)
      rc = sb_error_set(err, SB_EINVAL, "indices: output exceeds %zu terms", max_terms);
  }
done:
  free(idx);
  free(cur);
  free(wt);
  return rc;
}

sb_spectrum *sb_index_compute(const sb_spectrum *spec, sb_index_kind k, size_t order,
                              size_t max_terms, sb_error *err) {
  if (!spec || (unsigned)k >= SB_INDEX_COUNT) {
    sb_error_set(err, SB_EINVAL, "indices: bad arguments");
    return NULL;
  }
  if (!max_terms) max_terms = SB_INDEX_DEFAULT_MAX_TERMS;
  if (k == SB_INDEX_SV || k == SB_INDEX_BV) order = 1;
  if (order < 1 || order > spec->n) {
    sb_error_set(err, SB_EINVAL, "indices: order %zu: expected 1..n (n = %zu)", order, spec->n);
    return NULL;
  }
  sb_spectrum *mob = sb_spectrum_convert(spec, SB_BASIS_MOBIUS, max_terms, err);
  if (!mob) return NULL;
  sb_spectrum *out = sb_spectrum_alloc(SB_BASIS_MOBIUS, spec->n);
  if (!out) {
    sb_spectrum_free(mob);
    sb_error_set(err, SB_ENOMEM, "indices: out of memory");
    return NULL;
  }
  int rc;
  if (k == SB_INDEX_KSII) {
    sb_spectrum *sii = sb_spectrum_alloc(SB_BASIS_MOBIUS, spec->n);
    double *bern = malloc((order + 1) * sizeof *bern);
    if (!sii || !bern) {
      rc = sb_error_set(err, SB_ENOMEM, "indices: out of memory");
    } else {
      sb_bernoulli(order, bern);
      rc = accumulate(mob, SB_INDEX_SII, order, max_terms, NULL, sii, err);
      if (!rc) rc = accumulate(sii, SB_INDEX_KSII, order, max_terms, bern, out, err);
    }
    sb_spectrum_free(sii);
    free(bern);
  } else {
    rc = accumulate(mob, k, order, max_terms, NULL, out, err);
  }
  sb_spectrum_free(mob);
  if (rc) {
    sb_spectrum_free(out);
    return NULL;
  }
  return out;
}

/* ---- shapiq JSON export ------------------------------------------------ */

/* shapiq's conventions per index (InteractionValues._update_interactions_for_index,
 * get_index_from_computation_index, ExactComputer; shapiq 1.6), so an export is a
 * fixed point of loading it into shapiq:
 *   order1        the name shapiq gives the index at max_order 1
 *   own_empty     "Empty" is the index's own ∅ value (else the baseline)
 *   own_baseline  baseline_value is the index's own ∅ value (else f(∅)) */
static const struct {
  sb_index_kind order1;
  unsigned char own_empty, own_baseline;
} shapiq_rules[SB_INDEX_COUNT] = {
    [SB_INDEX_MOBIUS] = {SB_INDEX_MOBIUS, 0, 0}, [SB_INDEX_SII] = {SB_INDEX_SV, 1, 0},
    [SB_INDEX_BII] = {SB_INDEX_BV, 1, 1},        [SB_INDEX_FSII] = {SB_INDEX_SV, 0, 0},
    [SB_INDEX_FBII] = {SB_INDEX_BV, 1, 1},       [SB_INDEX_STII] = {SB_INDEX_SV, 0, 0},
    [SB_INDEX_KSII] = {SB_INDEX_SV, 0, 0},       [SB_INDEX_SV] = {SB_INDEX_SV, 0, 0},
    [SB_INDEX_BV] = {SB_INDEX_BV, 0, 0},
};

static double empty_value(const sb_spectrum *values) {
  uint64_t *e = calloc(values->words, sizeof *e);
  double v = e ? sb_spectrum_get(values, e) : NAN;
  free(e);
  return v;
}

double sb_index_baseline(const sb_spectrum *values, sb_index_kind k, double f_empty) {
  return (unsigned)k < SB_INDEX_COUNT && shapiq_rules[k].own_baseline ? empty_value(values)
                                                                       : f_empty;
}

void sb_index_export_defaults(const sb_spectrum *values, sb_index_kind k, size_t order,
                              double f_empty, int exact, size_t budget,
                              sb_index_export_opts *o) {
  memset(o, 0, sizeof *o);
  o->index = k;
  o->min_order = 0;
  o->max_order = k == SB_INDEX_SV || k == SB_INDEX_BV ? 1 : order;
  o->estimated = !exact;
  o->estimation_budget = exact ? 0 : budget;
  o->baseline_value = sb_index_baseline(values, k, f_empty);
}

/* shapiq's timestamp: datetime.now(timezone.utc).isoformat() + "Z" (it writes both
 * the offset and the Z; microseconds included). */
static void shapiq_timestamp(char *buf, size_t len) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tmv;
  gmtime_r(&ts.tv_sec, &tmv);
  size_t k = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tmv);
  snprintf(buf + k, len - k, ".%06ld+00:00Z", ts.tv_nsec / 1000);
}

/* "Empty" for ∅, else "i,j,k" ascending (shapiq's safe_tuple_to_str). */
static char *set_key(const uint64_t *set, size_t words, size_t *idx) {
  size_t s = sb_mask_indices(set, words, idx);
  if (s == 0) return strdup("Empty");
  char *buf = malloc(s * 21 + 1);
  if (!buf) return NULL;
  size_t pos = 0;
  for (size_t i = 0; i < s; i++) pos += (size_t)sprintf(buf + pos, i ? ",%zu" : "%zu", idx[i]);
  return buf;
}

typedef struct {
  json_t *data;
  const sb_spectrum *values;
  size_t *idx;
  size_t min_size; /* smaller sets are not written */
  double empty;    /* the value written for ∅ */
} emit_ctx;

static int emit_cb(void *vctx, const uint64_t *set, size_t s) {
  emit_ctx *c = vctx;
  if (s < c->min_size) return SB_OK;
  char *key = set_key(set, c->values->words, c->idx);
  double v = s == 0 ? c->empty : sb_spectrum_get(c->values, set);
  if (!key || json_object_set_new(c->data, key, json_real(v))) {
    free(key);
    return SB_ENOMEM;
  }
  free(key);
  return SB_OK;
}

/* Sorting stored sets by (size, lexicographic indices). */
typedef struct {
  const sb_spectrum *v;
  size_t i;
} term_ref;

static int cmp_terms(const void *pa, const void *pb) {
  const term_ref *a = pa, *b = pb;
  size_t sa = sb_spectrum_degree(a->v, a->i), sb = sb_spectrum_degree(b->v, b->i);
  if (sa != sb) return sa < sb ? -1 : 1;
  const uint64_t *ka = sb_spectrum_key(a->v, a->i), *kb = sb_spectrum_key(b->v, b->i);
  for (size_t w = 0; w < a->v->words; w++) { /* lowest differing bit decides */
    uint64_t d = ka[w] ^ kb[w];
    if (d) return (ka[w] & (d & -d)) ? -1 : 1;
  }
  return 0;
}

json_t *sb_index_to_shapiq_json(const sb_spectrum *values, const sb_index_export_opts *o,
                                sb_error *err) {
  size_t n = values->n;
  json_t *root = json_object(), *meta = json_object(), *data = json_object();
  size_t *idx = malloc((n ? n : 1) * sizeof *idx);
  uint64_t *cur = calloc(values->words, sizeof *cur);
  term_ref *refs = NULL;
  if (!root || !meta || !data || !idx || !cur) goto nomem;
  char ts[64];
  shapiq_timestamp(ts, sizeof ts);
  json_object_set_new(root, "object_name", json_string("InteractionValues"));
  json_object_set_new(root, "data_type", json_string("interaction_values"));
  json_object_set_new(root, "version", json_string("1.3.0"));
  json_object_set_new(root, "created_from", json_null()); /* as in shapiq's own files */
  json_object_set_new(root, "description",
                      json_string(o->description ? o->description : "spexbench " SB_VERSION));
  json_object_set_new(root, "parameters", json_object());
  json_object_set_new(root, "timestamp", json_string(ts));
  size_t maxo = o->max_order, mino = o->min_order;
  if (maxo > n) maxo = n;
  if ((unsigned)o->index >= SB_INDEX_COUNT) {
    json_decref(root), json_decref(meta), json_decref(data);
    free(idx), free(cur);
    sb_error_set(err, SB_EINVAL, "indices: export of an unknown index kind %d", (int)o->index);
    return NULL;
  }
  sb_index_kind label = maxo == 1 ? shapiq_rules[o->index].order1 : o->index;
  double empty = shapiq_rules[label].own_empty ? empty_value(values) : o->baseline_value;
  json_object_set_new(meta, "n_players", json_integer((json_int_t)n));
  json_object_set_new(meta, "index", json_string(sb_index_name(label)));
  json_object_set_new(meta, "max_order", json_integer((json_int_t)maxo));
  json_object_set_new(meta, "min_order", json_integer((json_int_t)mino));
  json_object_set_new(meta, "estimated", json_boolean(o->estimated));
  json_object_set_new(meta, "estimation_budget",
                      o->estimation_budget ? json_integer((json_int_t)o->estimation_budget)
                                           : json_null());
  json_object_set_new(meta, "baseline_value", json_real(o->baseline_value));
  json_object_set(root, "metadata", meta);
  /* All sets of the orders when that is affordable (shapiq's lookup is dense),
   * else only the stored ones. */
  double all = 0;
  for (size_t s = mino; s <= maxo; s++) all += sb_choose(n, s);
  if (all <= 1e6) {
    for (size_t i = 0; i < n; i++) idx[i] = i;
    size_t *all_idx = malloc((n ? n : 1) * sizeof *all_idx);
    if (!all_idx) goto nomem;
    memcpy(all_idx, idx, n * sizeof *idx);
    emit_ctx c = {data, values, idx, mino, empty};
    /* for_subsets enumerates sizes 0..maxo, lexicographically within a size */
    int rc = for_subsets(all_idx, n, maxo, cur, values->words, emit_cb, &c);
    free(all_idx);
    if (rc) goto nomem;
  } else {
    refs = malloc((values->count ? values->count : 1) * sizeof *refs);
    if (!refs) goto nomem;
    size_t m = 0;
    for (size_t i = 0; i < values->count; i++) {
      size_t s = sb_spectrum_degree(values, i);
      if (s >= mino && s <= maxo) refs[m++] = (term_ref){values, i};
    }
    qsort(refs, m, sizeof *refs, cmp_terms);
    if (mino == 0) json_object_set_new(data, "Empty", json_real(empty)); /* even if not stored */
    for (size_t j = 0; j < m; j++) {
      if (sb_spectrum_degree(values, refs[j].i) == 0) continue; /* written above */
      char *key = set_key(sb_spectrum_key(values, refs[j].i), values->words, idx);
      if (!key) goto nomem;
      json_object_set_new(data, key, json_real(values->values[refs[j].i]));
      free(key);
    }
  }
  json_object_set_new(root, "data", data);
  json_decref(meta);
  free(idx);
  free(cur);
  free(refs);
  return root;
nomem:
  json_decref(root);
  json_decref(meta);
  json_decref(data);
  free(idx);
  free(cur);
  free(refs);
  sb_error_set(err, SB_ENOMEM, "indices: out of memory building the shapiq JSON");
  return NULL;
}

int sb_index_export_shapiq(const sb_spectrum *values, const sb_index_export_opts *opts,
                           const char *path, sb_error *err) {
  json_t *j = sb_index_to_shapiq_json(values, opts, err);
  if (!j) return err ? err->code : SB_ENOMEM;
  int rc = sb_json_write_atomic(j, path, err);
  json_decref(j);
  return rc;
}
