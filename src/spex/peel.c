/* SPEX peeling decoder (../shared/design/ALGORITHMS.md §4 "Peeling decoder").
 *
 * A bin of group c at index j holds the vector U_p = Σ_{k: M_cᵀk = j} F(k)(−1)^{<d_p,k>},
 * p < P.  Classification:
 *   zeroton    ||U||² <= P (zero_tol + 1.5 σ²/2^b);
 *   singleton  the signs of U_p / U_0 (p >= 1) form the BCH parity word of k:
 *              hard decoding (syndromes, Berlekamp–Massey, Chien), and with
 *              soft decoding, on failure, Chase patterns flipping one or two of
 *              the 2t least reliable bits (|U_p / U_0|), cheapest total reliability
 *              first (2t + C(2t,2) = 55 patterns for t = 5); a candidate k is
 *              accepted iff M_cᵀk = j and ||U − ρ s_k||² / ||U||² < verify_ratio,
 *              ρ = (1/P) Σ_p (−1)^{<d_p,k>} U_p;
 *   multiton   anything else.
 * Peeling: every round classifies all non-zeroton bins; each singleton k found
 * (ρ averaged over the bins where it was found that round) is added to the
 * estimate and subtracted from bin M_{c'}ᵀk of every group c'.  Rounds stop when
 * a round finds nothing (the decoder is deterministic, so nothing would change
 * in any later round: this is the "unchanged for 15 rounds" rule) or after
 * max_rounds. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "spex/spex.h"

void sb_spex_peel_opts_default(sb_spex_peel_opts *o) {
  o->soft = 1;
  o->sigma = 0;
  o->zero_tol = 1e-9;
  o->verify_ratio = 0.9;
  o->max_rounds = 100;
  o->chase_best = 0;
}

struct sb_spex_bin_ws {
  size_t P, pw;
  uint64_t *word;   /* pw: hard-decision parity word */
  uint64_t *par;    /* pw: parity of a candidate */
  double *rel;      /* P: reliabilities */
  size_t npat;      /* Chase patterns */
};

sb_spex_bin_ws *sb_spex_bin_ws_alloc(const sb_spex_design *d) {
  sb_spex_bin_ws *w = calloc(1, sizeof *w);
  if (!w) return NULL;
  w->P = d->P;
  w->pw = d->bch->pw;
  w->word = calloc(w->pw, sizeof *w->word);
  w->par = calloc(w->pw, sizeof *w->par);
  w->rel = malloc(d->P * sizeof *w->rel);
  if (!w->word || !w->par || !w->rel) {
    sb_spex_bin_ws_free(w);
    return NULL;
  }
  return w;
}

void sb_spex_bin_ws_free(sb_spex_bin_ws *w) {
  if (!w) return;
  free(w->word);
  free(w->par);
  free(w->rel);
  free(w);
}

static inline int par_bit(const uint64_t *par, size_t q) { return (int)((par[q >> 6] >> (q & 63)) & 1u); }

/* Verify candidate k for bin (c, j): hash, ρ, residual ratio.  Returns 1 if accepted. */
static int verify(const sb_spex_design *d, sb_spex_bin_ws *w, unsigned c, uint32_t j,
                  const double *u, double energy, const size_t *k, size_t klen,
                  const sb_spex_peel_opts *o, double *rho, double *resid) {
  if (sb_spex_bin_of(d, c, k, klen) != j) return 0;
  sb_bch_encode(d->bch, k, klen, w->par);
  const size_t P = d->P;
  double s = u[0];
  for (size_t p = 1; p < P; p++) s += par_bit(w->par, p - 1) ? -u[p] : u[p];
  double r = s / (double)P, res = (u[0] - r) * (u[0] - r);
  for (size_t p = 1; p < P; p++) {
    double e = u[p] - (par_bit(w->par, p - 1) ? -r : r);
    res += e * e;
  }
  if (!(res < o->verify_ratio * energy)) return 0;
  *rho = r;
  if (resid) *resid = res;
  return 1;
}

sb_spex_bin_kind sb_spex_bin_classify(const sb_spex_design *d, sb_spex_bin_ws *w, unsigned c,
                                      uint32_t j, const double *u, const sb_spex_peel_opts *o,
                                      size_t *k, size_t *klen, double *rho, size_t *decodes) {
  const size_t P = d->P;
  const sb_bch *code = d->bch;
  double energy = 0;
  for (size_t p = 0; p < P; p++) energy += u[p] * u[p];
  double L = (double)((size_t)1 << d->b);
  if (energy <= (double)P * (o->zero_tol + 1.5 * o->sigma * o->sigma / L)) return SB_SPEX_ZEROTON;

  /* hard decisions relative to the sign of U_0 */
  memset(w->word, 0, w->pw * sizeof *w->word);
  const int neg0 = u[0] < 0;
  for (size_t p = 1; p < P; p++)
    if ((u[p] < 0) != neg0) w->word[(p - 1) >> 6] |= (uint64_t)1 << ((p - 1) & 63);
  uint32_t S[2 * SB_BCH_MAX_T], S2[2 * SB_BCH_MAX_T];
  sb_bch_syndromes(code, w->word, S);
  size_t nd = 1;
  if (sb_bch_decode_syndromes(code, S, k, klen, NULL) == SB_OK &&
      verify(d, w, c, j, u, energy, k, *klen, o, rho, NULL)) {
    if (decodes) *decodes += nd;
    return SB_SPEX_SINGLETON;
  }
  if (o->soft) {
    /* the 2t least reliable parity positions, ascending reliability */
    const double a0 = fabs(u[0]) > 0 ? fabs(u[0]) : 1.0;
    size_t nl = 2 * (size_t)d->t < P - 1 ? 2 * (size_t)d->t : P - 1;
    size_t low[2 * SB_BCH_MAX_T];
    double lowr[2 * SB_BCH_MAX_T];
    size_t have = 0;
    for (size_t q = 0; q + 1 < P; q++) {
      double rq = fabs(u[q + 1]) / a0;
      if (have == nl && rq >= lowr[nl - 1]) continue;
      size_t pos = have < nl ? have++ : nl - 1;
      while (pos > 0 && lowr[pos - 1] > rq) {
        lowr[pos] = lowr[pos - 1];
        low[pos] = low[pos - 1];
        pos--;
      }
      lowr[pos] = rq;
      low[pos] = q;
    }
    /* patterns: singles and pairs among them, sorted by total reliability */
    enum { MAXPAT = 2 * SB_BCH_MAX_T + SB_BCH_MAX_T * (2 * SB_BCH_MAX_T - 1) };
    double cost[MAXPAT];
    unsigned short pa[MAXPAT], pb[MAXPAT];
    size_t np = 0;
    for (size_t a = 0; a < nl; a++) {
      cost[np] = lowr[a];
      pa[np] = (unsigned short)a;
      pb[np++] = (unsigned short)a;
      for (size_t b2 = a + 1; b2 < nl; b2++) {
        cost[np] = lowr[a] + lowr[b2];
        pa[np] = (unsigned short)a;
        pb[np++] = (unsigned short)b2;
      }
    }
    /* insertion sort by cost (stable: ties keep generation order) */
    for (size_t a = 1; a < np; a++) {
      double cv = cost[a];
      unsigned short xa = pa[a], xb = pb[a];
      size_t b2 = a;
      while (b2 > 0 && cost[b2 - 1] > cv) {
        cost[b2] = cost[b2 - 1];
        pa[b2] = pa[b2 - 1];
        pb[b2] = pb[b2 - 1];
        b2--;
      }
      cost[b2] = cv;
      pa[b2] = xa;
      pb[b2] = xb;
    }
    size_t kbest[SB_BCH_MAX_T], lbest = 0;
    double rbest = 0, resbest = INFINITY;
    for (size_t a = 0; a < np; a++) {
      memcpy(S2, S, 2 * d->t * sizeof *S);
      sb_bch_syndromes_flip(code, S2, low[pa[a]]);
      if (pb[a] != pa[a]) sb_bch_syndromes_flip(code, S2, low[pb[a]]);
      nd++;
      double res;
      if (sb_bch_decode_syndromes(code, S2, k, klen, NULL) == SB_OK &&
          verify(d, w, c, j, u, energy, k, *klen, o, rho, &res)) {
        if (!o->chase_best) {
          if (decodes) *decodes += nd;
          return SB_SPEX_SINGLETON;
        }
        if (res < resbest) {
          resbest = res;
          rbest = *rho;
          lbest = *klen;
          memcpy(kbest, k, *klen * sizeof *k);
        }
      }
    }
    if (resbest < INFINITY) {
      memcpy(k, kbest, lbest * sizeof *k);
      *klen = lbest;
      *rho = rbest;
      if (decodes) *decodes += nd;
      return SB_SPEX_SINGLETON;
    }
  }
  if (decodes) *decodes += nd;
  return SB_SPEX_MULTITON;
}

int sb_spex_peel(const sb_spex_design *d, double *U, const sb_spex_peel_opts *o,
                 sb_spectrum *out, sb_spex_peel_stats *stats, sb_error *err) {
  const size_t P = d->P, L = (size_t)1 << d->b, nbins = (size_t)d->C * L, words = out->words;
  sb_spex_peel_stats st = {0};
  sb_spex_bin_ws *w = sb_spex_bin_ws_alloc(d);
  sb_spectrum *found = sb_spectrum_alloc(SB_BASIS_FOURIER, d->n);
  size_t cnt_cap = 256;
  size_t *cnt = malloc(cnt_cap * sizeof *cnt);
  size_t *klist = malloc(cnt_cap * SB_BCH_MAX_T * sizeof *klist), *klens = malloc(cnt_cap * sizeof *klens);
  uint64_t *key = calloc(words, sizeof *key), *par = calloc(d->bch->pw, sizeof *par);
  /* clean[bin]: classified since its last change; the decoder is deterministic, so
   * re-classifying an unchanged bin cannot give a different answer */
  uint8_t *clean = calloc(nbins, 1);
  int rc = SB_OK;
  if (!w || !found || !cnt || !klist || !klens || !key || !par || !clean) {
    rc = sb_error_set(err, SB_ENOMEM, "spex: out of memory in the peeling decoder");
    goto done;
  }
  for (unsigned round = 0; round < o->max_rounds; round++) {
    sb_spectrum_reset(found);
    size_t nfound = 0;
    for (size_t bin = 0; bin < nbins; bin++) {
      if (clean[bin]) continue;
      clean[bin] = 1;
      unsigned c = (unsigned)(bin / L);
      uint32_t j = (uint32_t)(bin % L);
      size_t k[SB_BCH_MAX_T], klen = 0;
      double rho = 0;
      sb_spex_bin_kind kind =
          sb_spex_bin_classify(d, w, c, j, U + bin * P, o, k, &klen, &rho, &st.decodes);
      if (kind != SB_SPEX_SINGLETON) continue;
      st.singletons++;
      for (size_t a = 0; a < klen; a++) sb_mask_set(key, k[a]);
      long idx = sb_spectrum_find(found, key);
      if (idx < 0) {
        if (sb_spectrum_add(found, key, 0.0) != SB_OK) {
          rc = sb_error_set(err, SB_ENOMEM, "spex: out of memory");
          goto done;
        }
        idx = (long)sb_spectrum_size(found) - 1;
        if ((size_t)idx >= cnt_cap) {
          cnt_cap *= 2;
          size_t *c1 = realloc(cnt, cnt_cap * sizeof *cnt);
          if (c1) cnt = c1;
          size_t *c2 = realloc(klist, cnt_cap * SB_BCH_MAX_T * sizeof *klist);
          if (c2) klist = c2;
          size_t *c3 = realloc(klens, cnt_cap * sizeof *klens);
          if (c3) klens = c3;
          if (!c1 || !c2 || !c3) {
            rc = sb_error_set(err, SB_ENOMEM, "spex: out of memory");
            goto done;
          }
        }
        cnt[idx] = 0;
        memcpy(klist + (size_t)idx * SB_BCH_MAX_T, k, klen * sizeof *k);
        klens[idx] = klen;
        nfound++;
      }
      found->values[idx] += rho;
      cnt[idx]++;
      for (size_t a = 0; a < klen; a++) sb_mask_clear(key, k[a]);
    }
    st.rounds = round + 1;
    if (nfound == 0) break;
    /* peel every found k from its bin in every group */
    for (size_t f = 0; f < sb_spectrum_size(found); f++) {
      double rho = found->values[f] / (double)cnt[f];
      const size_t *k = klist + f * SB_BCH_MAX_T, klen = klens[f];
      if (sb_spectrum_add(out, sb_spectrum_key(found, f), rho) != SB_OK) {
        rc = sb_error_set(err, SB_ENOMEM, "spex: out of memory");
        goto done;
      }
      sb_bch_encode(d->bch, k, klen, par);
      for (unsigned c = 0; c < d->C; c++) {
        size_t bin = (size_t)c * L + sb_spex_bin_of(d, c, k, klen);
        double *u = U + bin * P;
        u[0] -= rho;
        for (size_t p = 1; p < P; p++) u[p] -= par_bit(par, p - 1) ? -rho : rho;
        clean[bin] = 0;
      }
    }
  }
  for (size_t bin = 0; bin < nbins; bin++) {
    double e = 0;
    for (size_t p = 0; p < P; p++) e += U[bin * P + p] * U[bin * P + p];
    if (e > (double)P * (o->zero_tol + 1.5 * o->sigma * o->sigma / (double)L)) st.left_bins++;
  }
  /* peeling can cancel a coefficient exactly (found, then found with −ρ) */
  sb_spectrum_prune(out, 0.0);
done:
  if (stats) *stats = st;
  sb_spex_bin_ws_free(w);
  sb_spectrum_free(found);
  free(cnt);
  free(klist);
  free(klens);
  free(key);
  free(par);
  free(clean);
  return rc;
}
