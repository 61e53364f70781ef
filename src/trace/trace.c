/* Ablation traces (docs/TRACE_FORMAT.md), in memory: an insertion-ordered array
 * of (mask, value) records with a mask map (core/maskmap.h) on the masks, and the
 * dense view of a full table.  The header lives in trace_header.c, the reader in
 * trace_read.c (over gzlines.c), the writer in trace_write.c. */
#include "trace/trace.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ==== records and the index ============================================== */

sb_trace *sb_trace_alloc(size_t n) {
  if (n == 0 || n > SB_MAX_N) return NULL;
  sb_trace *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  t->h.n = n;
  t->words = sb_mask_words(n);
  if (sb_maskmap_init(&t->index, t->words, 32)) {
    free(t);
    return NULL;
  }
  return t;
}

void sb_trace_free(sb_trace *t) {
  if (!t) return;
  sb_trace_header_clear(&t->h);
  free(t->masks);
  free(t->values);
  sb_maskmap_release(&t->index);
  free(t);
}

long sb_trace_find(const sb_trace *t, const uint64_t *mask) {
  return sb_maskmap_find(&t->index, t->masks, mask);
}

int sb_trace_lookup(const sb_trace *t, const uint64_t *mask, double *value) {
  long i = sb_trace_find(t, mask);
  if (i < 0) return 0;
  *value = t->values[i];
  return 1;
}

int sb_trace_put(sb_trace *t, const uint64_t *mask, double value, int *added, sb_error *err) {
  if (added) *added = 0;
  if (!isfinite(value))
    return sb_error_set(err, SB_EFORMAT, "value %g is not finite", value);
  if (t->count == t->cap) {
    size_t cap = t->cap ? 2 * t->cap : 256;
    uint64_t *m = realloc(t->masks, cap * t->words * sizeof *m);
    if (!m) return sb_error_set(err, SB_ENOMEM, "out of memory for %zu records", cap);
    t->masks = m;
    double *v = realloc(t->values, cap * sizeof *v);
    if (!v) return sb_error_set(err, SB_ENOMEM, "out of memory for %zu records", cap);
    t->values = v;
    t->cap = cap;
  }
  long i = sb_maskmap_find_or_add(&t->index, t->masks, mask, t->count);
  if (i < 0) return sb_error_set(err, SB_ENOMEM, "out of memory for the trace index");
  if ((size_t)i < t->count) {
    if (t->values[i] == value) return SB_OK;
    char *s = malloc(t->h.n + 1);
    if (s) sb_mask_to_string(mask, t->h.n, s);
    int rc = sb_error_set(err, SB_EFORMAT,
                          "duplicate mask %.80s%s with conflicting values %.17g and %.17g",
                          s ? s : "?", (s && t->h.n > 80) ? "..." : "", t->values[i], value);
    free(s);
    return rc;
  }
  memcpy(t->masks + t->count * t->words, mask, t->words * sizeof *mask);
  t->values[t->count] = value;
  t->count++;
  if (added) *added = 1;
  return SB_OK;
}

void sb_trace_truncate(sb_trace *t, size_t keep) {
  if (keep >= t->count) return;
  t->count = keep;
  sb_maskmap_rebuild(&t->index, t->masks, keep); /* fewer keys: cannot fail */
}

int sb_trace_is_full(const sb_trace *t) {
  return t->h.n <= SB_TRACE_MAX_DENSE_N && t->count == ((size_t)1 << t->h.n);
}

int sb_trace_to_table(const sb_trace *t, double **table, sb_error *err) {
  *table = NULL;
  if (!sb_trace_is_full(t))
    return sb_error_set(err, SB_EUNSUPPORTED,
                        "trace holds %zu records, a full table needs all 2^%zu masks (n <= %d)",
                        t->count, t->h.n, SB_TRACE_MAX_DENSE_N);
  size_t N = (size_t)1 << t->h.n;
  double *a = malloc(N * sizeof *a);
  if (!a) return sb_error_set(err, SB_ENOMEM, "out of memory for 2^%zu values", t->h.n);
  for (size_t i = 0; i < t->count; i++) a[t->masks[i]] = t->values[i];
  *table = a;
  return SB_OK;
}

void sb_trace_now(char *buf, size_t len) {
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
