/* Dataset family `trace` ("trace:PATH"): replay a recorded ablation trace
 * (docs/TRACE_FORMAT.md) as a black box.
 *
 * A trace holding all 2^n masks (n <= 26) becomes a dense table: one load per
 * lookup and an exact Fourier truth by the FWHT, as for `npz`.  A partial trace
 * answers from its hash index; a mask it lacks is SB_EUNSUPPORTED with the
 * message "mask M not in trace FILE (holds K of 2^n masks)" — the oracle's caller
 * (the runner) prefixes the algorithm that asked and records the run with status
 * `unsupported`.  No truth is known for a partial trace. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/dataset.h"
#include "data/table_dataset.h"
#include "trace/trace.h"

typedef struct replay_ctx {
  sb_trace *t;     /* the records (owned) */
  char path[4096]; /* for messages */
} replay_ctx;

static void replay_free(void *vctx) {
  replay_ctx *c = vctx;
  if (!c) return;
  sb_trace_free(c->t);
  free(c);
}

static int replay_eval(void *vctx, const uint64_t *masks, size_t count, double *out,
                       sb_error *err) {
  const replay_ctx *c = vctx;
  const size_t w = c->t->words;
  for (size_t j = 0; j < count; j++) {
    long i = sb_trace_find(c->t, masks + j * w);
    if (i < 0) {
      size_t n = c->t->h.n;
      char *s = malloc(n + 1);
      if (s) sb_mask_to_string(masks + j * w, n, s);
      char total[32];
      if (n < 64) snprintf(total, sizeof total, "%llu", 1ULL << n);
      else snprintf(total, sizeof total, "2^%zu", n);
      sb_error_set(err, SB_EUNSUPPORTED, "mask %.100s%s not in trace %s (it holds %zu of %s masks)",
                   s ? s : "?", (s && n > 100) ? "..." : "", c->path, c->t->count, total);
      free(s);
      return SB_EUNSUPPORTED;
    }
    out[j] = c->t->values[i];
  }
  return SB_OK;
}

/* Move the header's descriptive fields into the dataset. */
static int adopt_header(sb_dataset *d, sb_trace_header *h) {
  if (h->feature_names) {
    if (d->feature_names) {
      for (size_t i = 0; i < d->n; i++) free(d->feature_names[i]);
      free(d->feature_names);
    }
    d->feature_names = h->feature_names;
    h->feature_names = NULL;
    for (size_t i = 0; i < d->n; i++)
      if (!d->feature_names[i] && !(d->feature_names[i] = strdup(""))) return SB_ENOMEM;
  }
  if (h->value_meaning) {
    free(d->value_meaning);
    d->value_meaning = h->value_meaning;
    h->value_meaning = NULL;
  }
  return SB_OK;
}

static int trace_open(const sb_params *params, const char *path, sb_dataset **out, sb_error *err) {
  (void)params;
  *out = NULL;
  sb_trace *t = NULL;
  int rc = sb_trace_read(path, SB_TRACE_READ_STRICT, &t, NULL, err);
  if (rc) return rc;
  char name[256], spec[4200];
  sb_dataset_name_from_path("trace", path, t->h.n, name, sizeof name);
  snprintf(spec, sizeof spec, "trace:%s", path);
  sb_dataset *d = NULL;
  if (sb_trace_is_full(t)) {
    double *table = NULL;
    rc = sb_trace_to_table(t, &table, err);
    if (!rc) rc = sb_dataset_from_table("trace", name, spec, (unsigned)t->h.n, table, &d, err);
    if (!rc && adopt_header(d, &t->h)) rc = sb_error_set(err, SB_ENOMEM, "out of memory");
    sb_trace_free(t);
  } else {
    d = sb_dataset_new("trace", name, spec, t->h.n);
    replay_ctx *c = calloc(1, sizeof *c);
    if (!d || !c) {
      sb_dataset_free(d);
      free(c);
      sb_trace_free(t);
      return sb_error_set(err, SB_ENOMEM, "%s: out of memory", path);
    }
    c->t = t;
    snprintf(c->path, sizeof c->path, "%s", path);
    d->ctx = c;
    d->ctx_free = replay_free;
    d->eval = replay_eval;
    if (adopt_header(d, &t->h)) rc = sb_error_set(err, SB_ENOMEM, "out of memory");
  }
  if (rc) {
    sb_dataset_free(d);
    return rc;
  }
  *out = d;
  return SB_OK;
}

const sb_dataset_family sb_family_trace = {
    "trace",
    "recorded ablation trace (docs/TRACE_FORMAT.md): replay; full 2^n tables get exact truth",
    NULL,
    1,
    trace_open,
    NULL, /* files are checked by the config loader's probe */
    NULL,
};
