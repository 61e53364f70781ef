/* Synthetic black boxes with known spectra (../shared/design/ALGORITHMS.md §7).
 *
 *  fourier       k distinct Fourier supports of size 1..d, magnitudes U[a_min,a_max],
 *                random signs.
 *  soum          sum of unanimity games (shapiq): f(x) = Σ c_i [T_i ⊆ x], c_i ~ U[-1,1].
 *  hierarchical  top-level sets T (|T| <= d) whose every non-empty subset carries a
 *                Möbius coefficient shrinking with order (rho per level); `control=true`
 *                draws the same coefficients on unrelated random supports.
 *
 * Noise: SNR in dB against the signal power Σ_{k≠∅} F(k)²; the noise on a mask is a
 * pure function of (seed, mask), so a repeated query returns the same value.
 *
 * Evaluation reads only the terms' own features when that is cheaper than the
 * spectrum's word-by-word parity (large n: a degree-5 term at n = 65,536 is 5 bit
 * reads instead of 1,024 words); the terms are summed in the same order with the
 * same signs, so the answers are the same bits either way. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/seed.h"
#include "data/dataset.h"

typedef struct synth_ctx {
  sb_spectrum *f;     /* evaluation spectrum (Fourier or Möbius) */
  double sigma;       /* noise std */
  uint64_t noise_key; /* seed of the noise */
  size_t *tptr;       /* sparse evaluation (NULL: none): term i's features are */
  size_t *tidx;       /*   tidx[tptr[i] .. tptr[i+1]) */
} synth_ctx;

static void synth_free(void *vctx) {
  synth_ctx *c = vctx;
  if (!c) return;
  sb_spectrum_free(c->f);
  free(c->tptr);
  free(c->tidx);
  free(c);
}

/* Index lists of the terms, when reading them costs less than the word-wise parity. */
static int synth_sparse_terms(synth_ctx *c) {
  const sb_spectrum *f = c->f;
  size_t total = 0;
  for (size_t i = 0; i < f->count; i++) total += sb_spectrum_degree(f, i);
  if (f->words == 1 || total >= f->count * f->words) return SB_OK;
  c->tptr = malloc((f->count + 1) * sizeof *c->tptr);
  c->tidx = malloc((total + 1) * sizeof *c->tidx);
  if (!c->tptr || !c->tidx) return SB_ENOMEM;
  c->tptr[0] = 0;
  for (size_t i = 0; i < f->count; i++)
    c->tptr[i + 1] = c->tptr[i] + sb_mask_indices(sb_spectrum_key(f, i), f->words, c->tidx + c->tptr[i]);
  return SB_OK;
}

/* f(mask) from the index lists: as sb_spectrum_eval, term by term. */
static double synth_eval_sparse(const synth_ctx *c, const uint64_t *m) {
  const sb_spectrum *f = c->f;
  double acc = 0.0;
  for (size_t i = 0; i < f->count; i++) {
    int par = 0, all = 1;
    for (size_t a = c->tptr[i]; a < c->tptr[i + 1]; a++) {
      int bit = sb_mask_get(m, c->tidx[a]);
      par ^= bit;
      all &= bit;
    }
    if (f->basis == SB_BASIS_FOURIER) acc += par ? -f->values[i] : f->values[i];
    else if (all) acc += f->values[i];
  }
  return acc;
}

static int synth_eval(void *vctx, const uint64_t *masks, size_t count, double *out,
                      sb_error *err) {
  (void)err;
  const synth_ctx *c = vctx;
  const size_t w = c->f->words;
  const long cnt = (long)count;
#pragma omp parallel for schedule(static) if (cnt * (long)c->f->count > 400000)
  for (long j = 0; j < cnt; j++) {
    const uint64_t *m = masks + (size_t)j * w;
    double v = c->tptr ? synth_eval_sparse(c, m) : sb_spectrum_eval(c->f, m);
    if (c->sigma > 0) v += c->sigma * sb_hash_normal(sb_mask_hash(m, w, c->noise_key));
    out[j] = v;
  }
  return SB_OK;
}

/* "inf" (no noise) or a finite number of dB. */
static int parse_snr(const sb_params *p, double *snr_db, sb_error *err) {
  const char *s = sb_params_str(p, "snr_db");
  if (!s || !strcmp(s, "inf") || !strcmp(s, "none")) {
    *snr_db = INFINITY;
    return SB_OK;
  }
  if (!sb_parse_double(s, snr_db))
    return sb_error_set(err, SB_EINVAL, "snr_db = '%s': expected a number of dB or 'inf'", s);
  return SB_OK;
}

static void snr_suffix(double snr_db, char *buf, size_t len) {
  if (isinf(snr_db)) buf[0] = '\0';
  else snprintf(buf, len, "-snr%g", snr_db);
}

/* Finish a dataset: noise from SNR, truth in Fourier, ctx owns `eval_spec`. */
static int synth_finish(const char *family, const char *name, const sb_params *p, size_t n,
                        sb_spectrum *eval_spec, double snr_db, uint64_t seed,
                        sb_dataset **out, sb_error *err) {
  char *canon = sb_params_canonical(p);
  char spec[1024];
  snprintf(spec, sizeof spec, "%s:%s", family, canon ? canon : "");
  free(canon);
  sb_dataset *d = sb_dataset_new(family, name, spec, n);
  synth_ctx *c = calloc(1, sizeof *c);
  if (!d || !c) {
    sb_dataset_free(d);
    free(c);
    sb_spectrum_free(eval_spec);
    return sb_error_set(err, SB_ENOMEM, "out of memory");
  }
  c->f = eval_spec;
  d->ctx = c;
  d->ctx_free = synth_free;
  d->eval = synth_eval;
  if (synth_sparse_terms(c)) {
    sb_dataset_free(d);
    return sb_error_set(err, SB_ENOMEM, "out of memory");
  }
  sb_error e2;
  if (eval_spec->basis == SB_BASIS_FOURIER) {
    d->truth = sb_spectrum_clone(eval_spec);
  } else {
    d->truth = sb_spectrum_to_fourier(eval_spec, (size_t)1 << 24, &e2); /* NULL if too dense */
  }
  double power;
  if (d->truth) {
    power = sb_spectrum_energy(d->truth, 0);
  } else {
    /* Estimate the signal variance on 4096 uniform masks (too dense to convert). */
    gsl_rng *r = sb_rng_alloc(sb_seed_sub(seed, "power", 0));
    sb_masks *m = sb_masks_alloc(n, 4096);
    double *v = m ? malloc(4096 * sizeof *v) : NULL;
    if (!r || !m || !v) {
      gsl_rng_free(r);
      sb_masks_free(m);
      free(v);
      sb_dataset_free(d);
      return sb_error_set(err, SB_ENOMEM, "out of memory");
    }
    for (size_t j = 0; j < 4096; j++) sb_mask_random(sb_masks_at(m, j), n, r);
    sb_spectrum_eval_batch(eval_spec, m, v);
    double mean = 0, var = 0;
    for (size_t j = 0; j < 4096; j++) mean += v[j] / 4096.0;
    for (size_t j = 0; j < 4096; j++) var += (v[j] - mean) * (v[j] - mean) / 4095.0;
    power = var;
    gsl_rng_free(r);
    sb_masks_free(m);
    free(v);
  }
  if (!isinf(snr_db)) c->sigma = sqrt(power / pow(10.0, snr_db / 10.0));
  c->noise_key = sb_seed_sub(seed, "noise", 0);
  d->noise_sigma = c->sigma;
  *out = d;
  return SB_OK;
}

static double binom_sum(size_t n, size_t d) {
  double total = 0, c = 1;
  for (size_t s = 1; s <= d && s <= n; s++) {
    c = c * (double)(n - s + 1) / (double)s;
    total += c;
  }
  return total;
}

/* ==== fourier ============================================================ */

static const sb_param_def fourier_params[] = {
    {"n", SB_PARAM_INT, NULL, NULL, "number of features (1..1048576)"},
    {"k", SB_PARAM_INT, "10", NULL, "number of non-zero Fourier coefficients"},
    {"degree", SB_PARAM_INT, "5", NULL, "maximum degree d (support sizes 1..d)"},
    {"amp_min", SB_PARAM_DOUBLE, "0.5", NULL, "smallest coefficient magnitude"},
    {"amp_max", SB_PARAM_DOUBLE, "1.0", NULL, "largest coefficient magnitude"},
    {"constant", SB_PARAM_DOUBLE, "0", NULL, "F(∅), the mean of f"},
    {"snr_db", SB_PARAM_STRING, "inf", NULL, "signal-to-noise ratio in dB, or inf"},
    {"seed", SB_PARAM_INT, "0", "0..", "generator seed"},
    {NULL, 0, NULL, NULL, NULL},
};

static int check_common(long n, long k, long d, sb_error *err) {
  if (n < 1 || n > SB_MAX_N) return sb_error_set(err, SB_EINVAL, "n = %ld: expected 1..%d", n, SB_MAX_N);
  if (k < 1) return sb_error_set(err, SB_EINVAL, "k = %ld: expected >= 1", k);
  if (d < 1 || d > 30) return sb_error_set(err, SB_EINVAL, "degree = %ld: expected 1..30", d);
  return SB_OK;
}

static int check_amps(const sb_params *p, sb_error *err) {
  double amin = sb_params_double(p, "amp_min"), amax = sb_params_double(p, "amp_max");
  if (!(amin > 0 && amax >= amin))
    return sb_error_set(err, SB_EINVAL, "need 0 < amp_min <= amp_max (got %g, %g)", amin, amax);
  return SB_OK;
}

static int fourier_check(const sb_params *p, sb_error *err) {
  long n = sb_params_int(p, "n"), k = sb_params_int(p, "k"), d = sb_params_int(p, "degree");
  double snr;
  int rc = check_common(n, k, d, err);
  if (rc || (rc = parse_snr(p, &snr, err)) || (rc = check_amps(p, err))) return rc;
  if (d > n) d = n;
  if ((double)k > binom_sum((size_t)n, (size_t)d))
    return sb_error_set(err, SB_EINVAL, "k = %ld exceeds the %.0f sets of size 1..%ld", k,
                        binom_sum((size_t)n, (size_t)d), d);
  return SB_OK;
}

static int fourier_open(const sb_params *p, const char *path, sb_dataset **out,
                        sb_error *err) {
  (void)path;
  long n = sb_params_int(p, "n"), k = sb_params_int(p, "k"), d = sb_params_int(p, "degree");
  long seedl = sb_params_int(p, "seed");
  double amin = sb_params_double(p, "amp_min"), amax = sb_params_double(p, "amp_max");
  double snr;
  int rc = fourier_check(p, err);
  if (rc || (rc = parse_snr(p, &snr, err))) return rc;
  if (d > n) d = n;
  uint64_t seed = (uint64_t)seedl;
  gsl_rng *r = sb_rng_alloc(sb_seed_sub(seed, "fourier", 0));
  sb_spectrum *f = sb_spectrum_alloc(SB_BASIS_FOURIER, (size_t)n);
  uint64_t *set = calloc(sb_mask_words((size_t)n), sizeof *set);
  if (!r || !f || !set) {
    gsl_rng_free(r);
    sb_spectrum_free(f);
    free(set);
    return sb_error_set(err, SB_ENOMEM, "out of memory");
  }
  while (sb_spectrum_size(f) < (size_t)k) {
    size_t s = 1 + (size_t)gsl_rng_uniform_int(r, (unsigned long)d);
    sb_mask_random_size(set, (size_t)n, s, r);
    if (sb_spectrum_find(f, set) >= 0) continue;
    double mag = amin + (amax - amin) * gsl_rng_uniform(r);
    double sign = gsl_rng_uniform(r) < 0.5 ? -1.0 : 1.0;
    sb_spectrum_put(f, set, sign * mag);
  }
  double c0 = sb_params_double(p, "constant");
  if (c0 != 0.0) {
    memset(set, 0, sb_mask_words((size_t)n) * sizeof *set);
    sb_spectrum_put(f, set, c0);
  }
  gsl_rng_free(r);
  free(set);
  char name[256], snr_s[32];
  snr_suffix(snr, snr_s, sizeof snr_s);
  snprintf(name, sizeof name, "fourier-n%ld-k%ld-d%ld%s-s%ld", n, k, d, snr_s, seedl);
  return synth_finish("fourier", name, p, (size_t)n, f, snr, seed, out, err);
}

const sb_dataset_family sb_family_fourier = {
    "fourier", "k-sparse Fourier spectrum of degree <= d, optional Gaussian noise by SNR",
    fourier_params, 0, fourier_open, fourier_check, NULL,
};

/* ==== soum =============================================================== */

static const sb_param_def soum_params[] = {
    {"n", SB_PARAM_INT, NULL, NULL, "number of features"},
    {"k", SB_PARAM_INT, "20", NULL, "number of unanimity games"},
    {"min_order", SB_PARAM_INT, "1", NULL, "smallest |T_i|"},
    {"max_order", SB_PARAM_INT, "3", NULL, "largest |T_i|"},
    {"snr_db", SB_PARAM_STRING, "inf", NULL, "signal-to-noise ratio in dB, or inf"},
    {"seed", SB_PARAM_INT, "0", "0..", "generator seed"},
    {NULL, 0, NULL, NULL, NULL},
};

static int soum_check(const sb_params *p, sb_error *err) {
  long n = sb_params_int(p, "n"), k = sb_params_int(p, "k");
  long lo = sb_params_int(p, "min_order"), hi = sb_params_int(p, "max_order");
  double snr;
  int rc = check_common(n, k, hi, err);
  if (rc || (rc = parse_snr(p, &snr, err))) return rc;
  if (lo < 1 || lo > hi || hi > n)
    return sb_error_set(err, SB_EINVAL, "need 1 <= min_order <= max_order <= n (got %ld, %ld)",
                        lo, hi);
  return SB_OK;
}

static int soum_open(const sb_params *p, const char *path, sb_dataset **out, sb_error *err) {
  (void)path;
  long n = sb_params_int(p, "n"), k = sb_params_int(p, "k");
  long lo = sb_params_int(p, "min_order"), hi = sb_params_int(p, "max_order");
  long seedl = sb_params_int(p, "seed");
  double snr;
  int rc = soum_check(p, err);
  if (rc || (rc = parse_snr(p, &snr, err))) return rc;
  uint64_t seed = (uint64_t)seedl;
  gsl_rng *r = sb_rng_alloc(sb_seed_sub(seed, "soum", 0));
  sb_spectrum *a = sb_spectrum_alloc(SB_BASIS_MOBIUS, (size_t)n);
  uint64_t *set = calloc(sb_mask_words((size_t)n), sizeof *set);
  if (!r || !a || !set) {
    gsl_rng_free(r);
    sb_spectrum_free(a);
    free(set);
    return sb_error_set(err, SB_ENOMEM, "out of memory");
  }
  for (long i = 0; i < k; i++) {
    size_t s = (size_t)lo + (size_t)gsl_rng_uniform_int(r, (unsigned long)(hi - lo + 1));
    sb_mask_random_size(set, (size_t)n, s, r);
    sb_spectrum_add(a, set, 2.0 * gsl_rng_uniform(r) - 1.0);
  }
  gsl_rng_free(r);
  free(set);
  char name[256], snr_s[32];
  snr_suffix(snr, snr_s, sizeof snr_s);
  snprintf(name, sizeof name, "soum-n%ld-k%ld-o%ld-%ld%s-s%ld", n, k, lo, hi, snr_s, seedl);
  return synth_finish("soum", name, p, (size_t)n, a, snr, seed, out, err);
}

const sb_dataset_family sb_family_soum = {
    "soum", "sum of unanimity games (shapiq's SOUM): Möbius-sparse, Fourier-dense",
    soum_params, 0, soum_open, soum_check, NULL,
};

/* ==== hierarchical ======================================================= */

static const sb_param_def hier_params[] = {
    {"n", SB_PARAM_INT, NULL, NULL, "number of features"},
    {"k", SB_PARAM_INT, "10", NULL, "number of top-level interaction sets"},
    {"degree", SB_PARAM_INT, "4", NULL, "largest top-level set size d (sizes 1..d)"},
    {"rho", SB_PARAM_DOUBLE, "0.5", NULL, "shrink factor per order level (0 < rho <= 1)"},
    {"shrink", SB_PARAM_ENUM, "higher", "higher|lower",
     "which orders shrink: higher (rho^(|S|-1)) or lower (rho^(|T|-|S|))"},
    {"amp_min", SB_PARAM_DOUBLE, "0.5", NULL, "smallest base magnitude"},
    {"amp_max", SB_PARAM_DOUBLE, "1.0", NULL, "largest base magnitude"},
    {"control", SB_PARAM_BOOL, "false", NULL,
     "non-hierarchical control: same coefficients on unrelated random supports"},
    {"snr_db", SB_PARAM_STRING, "inf", NULL, "signal-to-noise ratio in dB, or inf"},
    {"seed", SB_PARAM_INT, "0", "0..", "generator seed"},
    {NULL, 0, NULL, NULL, NULL},
};

static int hier_check(const sb_params *p, sb_error *err) {
  long n = sb_params_int(p, "n"), k = sb_params_int(p, "k"), d = sb_params_int(p, "degree");
  double rho = sb_params_double(p, "rho"), snr;
  int rc = check_common(n, k, d, err);
  if (rc || (rc = parse_snr(p, &snr, err)) || (rc = check_amps(p, err))) return rc;
  if (d > n) d = n;
  if (d > 20) return sb_error_set(err, SB_EINVAL, "degree = %ld: hierarchical needs d <= 20", d);
  if (!(rho > 0 && rho <= 1)) return sb_error_set(err, SB_EINVAL, "rho = %g: expected (0, 1]", rho);
  return SB_OK;
}

static int hier_open(const sb_params *p, const char *path, sb_dataset **out, sb_error *err) {
  (void)path;
  long n = sb_params_int(p, "n"), k = sb_params_int(p, "k"), d = sb_params_int(p, "degree");
  long seedl = sb_params_int(p, "seed");
  double rho = sb_params_double(p, "rho");
  double amin = sb_params_double(p, "amp_min"), amax = sb_params_double(p, "amp_max");
  int lower = !strcmp(sb_params_str(p, "shrink"), "lower");
  int control = sb_params_bool(p, "control");
  double snr;
  int rc = hier_check(p, err);
  if (rc || (rc = parse_snr(p, &snr, err))) return rc;
  if (d > n) d = n;
  uint64_t seed = (uint64_t)seedl;
  gsl_rng *r = sb_rng_alloc(sb_seed_sub(seed, "hierarchical", 0));
  sb_spectrum *a = sb_spectrum_alloc(SB_BASIS_MOBIUS, (size_t)n);
  size_t words = sb_mask_words((size_t)n);
  uint64_t *top = calloc(words, sizeof *top), *sub = calloc(words, sizeof *sub);
  size_t idx[32];
  if (!r || !a || !top || !sub) {
    gsl_rng_free(r);
    sb_spectrum_free(a);
    free(top);
    free(sub);
    return sb_error_set(err, SB_ENOMEM, "out of memory");
  }
  for (long i = 0; i < k; i++) {
    size_t t = 1 + (size_t)gsl_rng_uniform_int(r, (unsigned long)d);
    sb_mask_random_size(top, (size_t)n, t, r);
    sb_mask_indices(top, words, idx);
    for (uint64_t bits = 1; bits < ((uint64_t)1 << t); bits++) {
      size_t s = (size_t)__builtin_popcountll(bits);
      double scale = lower ? pow(rho, (double)(t - s)) : pow(rho, (double)(s - 1));
      double v = (gsl_rng_uniform(r) < 0.5 ? -1.0 : 1.0) *
                 (amin + (amax - amin) * gsl_rng_uniform(r)) * scale;
      if (control) {
        sb_mask_random_size(sub, (size_t)n, s, r);
      } else {
        memset(sub, 0, words * sizeof *sub);
        for (size_t b = 0; b < t; b++)
          if ((bits >> b) & 1u) sb_mask_set(sub, idx[b]);
      }
      sb_spectrum_add(a, sub, v);
    }
  }
  gsl_rng_free(r);
  free(top);
  free(sub);
  char name[256], snr_s[32];
  snr_suffix(snr, snr_s, sizeof snr_s);
  snprintf(name, sizeof name, "hierarchical-n%ld-k%ld-d%ld-rho%g-%s%s%s-s%ld", n, k, d, rho,
           lower ? "lower" : "higher", control ? "-control" : "", snr_s, seedl);
  return synth_finish("hierarchical", name, p, (size_t)n, a, snr, seed, out, err);
}

const sb_dataset_family sb_family_hierarchical = {
    "hierarchical",
    "Möbius terms on every subset of k top-level sets (ProxySPEX's structure); control=true "
    "breaks the hierarchy",
    hier_params, 0, hier_open, hier_check, NULL,
};
