/* Public API: interaction indices and R² metrics (include/spexbench/indices.h)
 * — wrappers over indices/indices.h and metrics/metrics.h. */
#include <math.h>
#include <stdlib.h>

#include "api/api.h"
#include "indices/indices.h"
#include "metrics/metrics.h"

int spexbench_index(const spexbench_spectrum *s, const char *name, size_t order,
                    spexbench_spectrum **out, spexbench_error *err) {
  *out = NULL;
  api_init();
  if (!s || !name) return api_error(err, SB_EINVAL, "spexbench_index: spectrum or name is NULL");
  sb_error e = {0};
  sb_index_kind kind;
  int rc = sb_index_parse(name, &kind, &e);
  if (rc) return api_fail(err, rc, &e);
  if (kind == SB_INDEX_SV || kind == SB_INDEX_BV) order = 1;
  if (order < 1)
    return api_error(err, SB_EINVAL, "spexbench_index: %s of order 0 (expected >= 1)", name);
  const sb_spectrum *t = api_cspec(s);
  if (order > t->n) order = t->n;
  *out = api_handle(sb_index_compute(t, kind, order, 0, &e));
  return *out ? api_ok(err) : api_fail(err, e.code ? e.code : SB_ENOMEM, &e);
}

double spexbench_r2(const double *y, const double *yhat, size_t count) {
  return sb_r2(y, yhat, count);
}

int spexbench_r2_heldout(spexbench_dataset *d, const spexbench_spectrum *s, size_t count,
                         spexbench_heldout_dist dist, uint64_t seed, double *r2,
                         spexbench_error *err) {
  *r2 = NAN;
  api_init();
  if (!d || !s) return api_error(err, SB_EINVAL, "spexbench_r2_heldout: dataset or spectrum is NULL");
  if (count < 2)
    return api_error(err, SB_EINVAL, "spexbench_r2_heldout: count = %zu (expected >= 2)", count);
  if (dist != SPEXBENCH_HELDOUT_UNIFORM && dist != SPEXBENCH_HELDOUT_SIZES)
    return api_error(err, SB_EINVAL, "spexbench_r2_heldout: distribution %d is not 0 (uniform) "
                     "or 1 (sizes)", (int)dist);
  if (api_cspec(s)->n != d->impl->n)
    return api_error(err, SB_EINVAL, "spexbench_r2_heldout: the spectrum has n = %zu, the "
                     "dataset %s has n = %zu", api_cspec(s)->n, d->impl->name, d->impl->n);
  sb_error e = {0};
  sb_heldout *h = NULL;
  int rc = sb_heldout_make(d->impl, count, (sb_heldout_dist)dist, seed, &h, &e);
  if (!rc) rc = sb_r2_heldout(h, api_cspec(s), r2, &e);
  sb_heldout_free(h);
  return api_fail(err, rc, &e);
}

int spexbench_r2_exact(const spexbench_spectrum *truth, const spexbench_spectrum *s, double *r2,
                       spexbench_error *err) {
  *r2 = NAN;
  api_init();
  if (!truth || !s) return api_error(err, SB_EINVAL, "spexbench_r2_exact: a spectrum is NULL");
  if (api_cspec(truth)->n != api_cspec(s)->n)
    return api_error(err, SB_EINVAL, "spexbench_r2_exact: the spectra have n = %zu and %zu",
                     api_cspec(truth)->n, api_cspec(s)->n);
  sb_error e = {0};
  sb_spectrum *f = sb_spectrum_convert(api_cspec(truth), SB_BASIS_FOURIER, 0, &e);
  if (!f) return api_fail(err, e.code ? e.code : SB_ENOMEM, &e);
  int rc = sb_r2_parseval(f, api_cspec(s), r2, &e);
  sb_spectrum_free(f);
  return api_fail(err, rc, &e);
}
