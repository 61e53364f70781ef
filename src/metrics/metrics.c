/* Faithfulness R² (held-out and Parseval) and support recovery (see metrics.h). */
#include "metrics/metrics.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/seed.h"

const char *sb_heldout_dist_name(sb_heldout_dist d) {
  return d == SB_HELDOUT_SIZES ? "sizes" : "uniform";
}

int sb_heldout_dist_parse(const char *s, sb_heldout_dist *out) {
  if (!strcmp(s, "uniform")) *out = SB_HELDOUT_UNIFORM;
  else if (!strcmp(s, "sizes")) *out = SB_HELDOUT_SIZES;
  else return 0;
  return 1;
}

void sb_heldout_free(sb_heldout *h) {
  if (!h) return;
  sb_masks_free(h->masks);
  free(h->values);
  free(h);
}

int sb_heldout_check_memory(size_t count, size_t n, sb_error *err) {
  size_t per = sb_mask_words(n ? n : 1) * sizeof(uint64_t) + 2 * sizeof(double);
  double gib = 1024.0 * 1024.0 * 1024.0;
  long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
  double phys = pages > 0 && psize > 0 ? (double)pages * (double)psize : INFINITY;
  double need = (double)count * (double)per;
  if (count > SIZE_MAX / per || need > phys) {
    char nb[32] = "n unknown";
    if (n) snprintf(nb, sizeof nb, "n = %zu", n);
    return sb_error_set(err, SB_EINVAL,
                        "held-out set of %zu masks at %s needs %.1f GiB, more than this "
                        "machine's %.1f GiB of memory",
                        count, nb, need / gib, phys / gib);
  }
  return SB_OK;
}

int sb_heldout_make(const sb_dataset *d, size_t count, sb_heldout_dist dist, uint64_t seed,
                    sb_heldout **out, sb_error *err) {
  *out = NULL;
  if (count < 2) return sb_error_set(err, SB_EINVAL, "held-out set needs at least 2 masks");
  int rc = sb_heldout_check_memory(count, d->n, err);
  if (rc) return rc;
  sb_heldout *h = calloc(1, sizeof *h);
  gsl_rng *r = sb_rng_alloc(seed);
  if (!h || !r) goto nomem;
  h->dist = dist;
  h->masks = sb_masks_alloc(d->n, count);
  h->values = malloc(count * sizeof *h->values);
  if (!h->masks || !h->values) goto nomem;
  for (size_t j = 0; j < count; j++) {
    uint64_t *m = sb_masks_at(h->masks, j);
    if (dist == SB_HELDOUT_UNIFORM)
      sb_mask_random(m, d->n, r);
    else
      sb_mask_random_size(m, d->n, (size_t)gsl_rng_uniform_int(r, (unsigned long)d->n + 1), r);
  }
  gsl_rng_free(r);
  rc = sb_dataset_eval(d, h->masks, h->values, err);
  if (rc) {
    sb_error_prefix(err, "held-out set");
    sb_heldout_free(h);
    return rc;
  }
  *out = h;
  return SB_OK;
nomem:
  gsl_rng_free(r);
  sb_heldout_free(h);
  return sb_error_set(err, SB_ENOMEM, "out of memory for the held-out set");
}

double sb_r2(const double *y, const double *yhat, size_t count) {
  double mean = 0;
  for (size_t j = 0; j < count; j++) mean += y[j];
  mean /= (double)count;
  double ss_res = 0, ss_tot = 0;
  for (size_t j = 0; j < count; j++) {
    ss_res += (y[j] - yhat[j]) * (y[j] - yhat[j]);
    ss_tot += (y[j] - mean) * (y[j] - mean);
  }
  if (!(ss_tot > 0)) return NAN;
  return 1.0 - ss_res / ss_tot;
}

/* Largest |x| of a[0..count) (NaN/Inf propagate as Inf). */
static double max_abs(const double *a, size_t count) {
  double mx = 0;
  for (size_t j = 0; j < count; j++) {
    double v = fabs(a[j]);
    if (!(v <= mx)) mx = isnan(v) ? INFINITY : v;
  }
  return mx;
}

/* 1 if sums of `count` squares of differences of numbers up to mx may overflow. */
static int squares_overflow(double mx, size_t count) {
  return !isfinite(4.0 * (double)count * mx * mx);
}

int sb_r2_heldout(const sb_heldout *h, const sb_spectrum *g, double *r2, sb_error *err) {
  size_t m = h->masks->count;
  double *yhat = malloc(m * sizeof *yhat);
  if (!yhat) return sb_error_set(err, SB_ENOMEM, "out of memory");
  sb_spectrum_eval_batch(g, h->masks, yhat);
  double my = max_abs(h->values, m), mp = max_abs(yhat, m), mx = my > mp ? my : mp;
  int rc = SB_OK;
  if (!isfinite(mp)) {
    rc = sb_error_set(err, SB_ENUMERIC, "held-out R²: the surrogate's predictions are not "
                      "finite (its coefficients overflow double precision)");
  } else if (squares_overflow(mx, m)) {
    /* R² is scale-free: divide by the largest value so the squares stay finite */
    double *ys = malloc(m * sizeof *ys);
    if (!ys) rc = sb_error_set(err, SB_ENOMEM, "out of memory");
    for (size_t j = 0; ys && j < m; j++) ys[j] = h->values[j] / mx, yhat[j] /= mx;
    if (ys) *r2 = sb_r2(ys, yhat, m);
    free(ys);
  } else {
    *r2 = sb_r2(h->values, yhat, m);
  }
  free(yhat);
  return rc;
}

static const sb_spectrum *as_fourier(const sb_spectrum *s, sb_spectrum **owned, sb_error *err) {
  *owned = NULL;
  if (s->basis == SB_BASIS_FOURIER) return s;
  *owned = sb_spectrum_to_fourier(s, 0, err);
  return *owned;
}

/* Σ_k ((F(k) - G(k)) * s)² over the union of both supports (same basis). */
static double dist_sq(const sb_spectrum *F, const sb_spectrum *G, double s) {
  double num = 0;
  for (size_t i = 0; i < F->count; i++) {
    double d = (F->values[i] - sb_spectrum_get(G, sb_spectrum_key(F, i))) * s;
    num += d * d;
  }
  for (size_t i = 0; i < G->count; i++)
    if (sb_spectrum_find(F, sb_spectrum_key(G, i)) < 0) num += G->values[i] * s * G->values[i] * s;
  return num;
}

/* Σ_{k≠∅} (F(k) * s)² (with ∅ if include_empty). */
static double energy(const sb_spectrum *F, double s, int include_empty) {
  if (s == 1.0) return sb_spectrum_energy(F, include_empty);
  double e = 0;
  for (size_t i = 0; i < F->count; i++)
    if (include_empty || !sb_mask_is_empty(sb_spectrum_key(F, i), F->words))
      e += F->values[i] * s * F->values[i] * s;
  return e;
}

/* 1 to leave sums of squares of F, G and F - G as they are, else 1 / the largest
 * coefficient (the ratios computed from them are scale-free); 0 if a coefficient
 * is not finite. */
static double energy_scale(const sb_spectrum *F, const sb_spectrum *G) {
  double mf = max_abs(F->values, F->count), mg = max_abs(G->values, G->count);
  double mx = mf > mg ? mf : mg;
  if (!isfinite(mx)) return 0;
  return squares_overflow(mx, F->count + G->count) ? 1.0 / mx : 1.0;
}

int sb_r2_parseval(const sb_spectrum *truth, const sb_spectrum *surrogate, double *r2,
                   sb_error *err) {
  sb_spectrum *tmp_t, *tmp_g;
  const sb_spectrum *F = as_fourier(truth, &tmp_t, err);
  if (!F) return err ? err->code : SB_EINVAL;
  const sb_spectrum *G = as_fourier(surrogate, &tmp_g, err);
  if (!G) {
    sb_spectrum_free(tmp_t);
    return err ? err->code : SB_EINVAL;
  }
  double s = energy_scale(F, G);
  int rc = SB_OK;
  if (s == 0) {
    rc = sb_error_set(err, SB_ENUMERIC, "exact R²: a coefficient is not finite");
  } else {
    double num = dist_sq(F, G, s), den = energy(F, s, 0);
    *r2 = den > 0 ? 1.0 - num / den : NAN;
  }
  sb_spectrum_free(tmp_t);
  sb_spectrum_free(tmp_g);
  return rc;
}

int sb_recovery_compute(const sb_spectrum *truth, const sb_spectrum *surrogate, double tol_rel,
                        sb_recovery *out, sb_error *err) {
  sb_spectrum *tmp_t, *tmp_g;
  const sb_spectrum *F = as_fourier(truth, &tmp_t, err);
  if (!F) return err ? err->code : SB_EINVAL;
  const sb_spectrum *G = as_fourier(surrogate, &tmp_g, err);
  if (!G) {
    sb_spectrum_free(tmp_t);
    return err ? err->code : SB_EINVAL;
  }
  double fmax = 0;
  for (size_t i = 0; i < F->count; i++)
    if (fabs(F->values[i]) > fmax) fmax = fabs(F->values[i]);
  double tol = tol_rel * fmax;
  size_t nf = 0, ng = 0, both = 0;
  for (size_t i = 0; i < F->count; i++) {
    if (sb_mask_is_empty(sb_spectrum_key(F, i), F->words) || fabs(F->values[i]) <= tol) continue;
    nf++;
    if (fabs(sb_spectrum_get(G, sb_spectrum_key(F, i))) > tol) both++;
  }
  for (size_t i = 0; i < G->count; i++)
    if (!sb_mask_is_empty(sb_spectrum_key(G, i), G->words) && fabs(G->values[i]) > tol) ng++;
  out->precision = ng ? (double)both / (double)ng : NAN;
  out->recall = nf ? (double)both / (double)nf : NAN;
  double s = energy_scale(F, G);
  double num = dist_sq(F, G, s), den = energy(F, s, 1);
  out->rel_error = s > 0 && den > 0 ? sqrt(num / den) : NAN;
  sb_spectrum_free(tmp_t);
  sb_spectrum_free(tmp_g);
  return SB_OK;
}
