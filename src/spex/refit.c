/* SPEX refit (../shared/design/ALGORITHMS.md §4 "Refit"): regression on the Fourier features of
 * {recovered support} ∪ {∅} ∪ {all singletons e_i} using SPEX's own samples, L1
 * penalised (λ cross-validated) or L2 (ridge), or plain least squares on the
 * recovered support ∪ {∅} ("ols").
 *
 * No dense design matrix is formed.  In the block of group c and delay p the
 * samples are f(M_c ℓ ⊕ d_p), ℓ < 2^b, and the character of k on them is
 * (−1)^{<d_p,k>} (−1)^{<M_cᵀk, ℓ>}: a Walsh function of ℓ.  Hence, with j_c(k) =
 * M_cᵀk and s_p(k) = (−1)^{<d_p,k>},
 *   (Xᵀy)_k     = 2^b Σ_{c,p} s_p(k) U_{c,p}(j_c(k))                (U: the WHTs)
 *   (XᵀX)_{k,k'} = 2^b Σ_c [j_c(k) = j_c(k')] Σ_p s_p(k) s_p(k')
 * so the Gram matrix is sparse (only features sharing a bin interact) and both
 * are assembled in O(features·C·P + colliding pairs·C·P/64) from the transforms.
 * The solver is covariance-mode coordinate descent with an active set, warm
 * started along a geometric λ path (λ_max → eps·λ_max) for
 *   (1/2N) ||y − Xβ||² + λ Σ_{k≠∅} |β_k|  (lasso)   or   ||y − Xβ||² + α Σ_{k≠∅} β_k² (ridge).
 * The penalty is chosen by K-fold cross-validation whose folds are contiguous
 * runs of (group, delay) blocks — the rows of the sample layout split in K
 * contiguous parts, as scikit-learn's unshuffled KFold in the reference code —
 * which keeps the training and held-out Gram matrices in the same sparse form
 * (per-fold parts of every entry are stored).  ∅ is an unpenalised column (the
 * intercept). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/seed.h"
#include "spex/spex.h"

void sb_spex_refit_opts_default(sb_spex_refit_opts *o) {
  o->kind = SB_SPEX_REFIT_LASSO;
  o->folds = 5;
  o->n_lambda = 40;
  o->eps = 1e-4;
  o->tol = 1e-7;
  o->patience = 5;
  o->max_features = 0;
}

typedef struct refit_problem {
  size_t nf;          /* features */
  size_t F;           /* folds; per-entry values hold F parts then the total (stride F+1) */
  double N;           /* total rows */
  double *Nrows;      /* F: rows per fold */
  double *yy;         /* F: Σ y² per fold */
  double *c;          /* (F+1)*nf: Xᵀy per fold, then total */
  size_t *rowptr;     /* nf+1 (CSR of the off-diagonal Gram) */
  size_t *col;        /* nnz */
  double *val;        /* nnz*(F+1) */
  double *pen;        /* nf: penalty factor (0 for ∅) */
} refit_problem;

static void problem_free(refit_problem *R) {
  free(R->Nrows);
  free(R->yy);
  free(R->c);
  free(R->rowptr);
  free(R->col);
  free(R->val);
  free(R->pen);
}

/* Sweeps per solve (scikit-learn's max_iter default): underdetermined problems at
 * small λ converge slowly, and the path is warm-started anyway. */
#define CD_MAX_SWEEPS 1000

/* Coordinate descent on the training rows (fold `fi` held out, fi = F: all rows).
 * beta in/out (warm start); q is workspace (nf).  Returns sweeps used. */
static size_t cd_solve(const refit_problem *R, size_t fi, double lambda, double alpha,
                       double tol_abs, double *beta, double *q) {
  const size_t nf = R->nf, F = R->F, S = F + 1;
  const double NT = fi == F ? R->N : R->N - R->Nrows[fi];
  const double *cfull = R->c + F * nf, *cf = fi == F ? NULL : R->c + fi * nf;
  memset(q, 0, nf * sizeof *q);
  for (size_t j = 0; j < nf; j++) {
    if (beta[j] == 0) continue;
    for (size_t e = R->rowptr[j]; e < R->rowptr[j + 1]; e++) {
      const double *v = R->val + e * S;
      q[R->col[e]] += (v[F] - (cf ? v[fi] : 0)) * beta[j];
    }
  }
  size_t sweeps = 0;
  int full = 1;
  for (;;) {
    double maxd = 0;
    for (size_t j = 0; j < nf; j++) {
      if (!full && beta[j] == 0) continue;
      double r = cfull[j] - (cf ? cf[j] : 0) - q[j];
      double thr = NT * lambda * R->pen[j];
      double nb = r > thr ? r - thr : (r < -thr ? r + thr : 0.0);
      nb /= NT + alpha * R->pen[j];
      double dlt = nb - beta[j];
      if (dlt == 0) continue;
      beta[j] = nb;
      if (fabs(dlt) > maxd) maxd = fabs(dlt);
      for (size_t e = R->rowptr[j]; e < R->rowptr[j + 1]; e++) {
        const double *v = R->val + e * S;
        q[R->col[e]] += (v[F] - (cf ? v[fi] : 0)) * dlt;
      }
    }
    sweeps++;
    if (sweeps >= CD_MAX_SWEEPS) break;
    if (maxd <= tol_abs) {
      if (full) break;
      full = 1; /* active set converged: check everything once more */
    } else {
      full = 0;
    }
  }
  return sweeps;
}

/* Held-out squared error of beta on fold fi. */
static double cv_error(const refit_problem *R, size_t fi, const double *beta) {
  const size_t nf = R->nf, S = R->F + 1;
  const double *cf = R->c + fi * nf;
  double e = R->yy[fi];
  for (size_t j = 0; j < nf; j++) {
    if (beta[j] == 0) continue;
    double g = R->Nrows[fi] * beta[j];
    for (size_t k = R->rowptr[j]; k < R->rowptr[j + 1]; k++)
      g += R->val[k * S + fi] * beta[R->col[k]];
    e += beta[j] * g - 2 * beta[j] * cf[j];
  }
  return e;
}

int sb_spex_refit(const sb_spex_design *d, const double *U_orig, const double *values,
                  const sb_spex_refit_opts *o, sb_spectrum *support, sb_spex_refit_stats *st,
                  sb_error *err) {
  if (o->kind == SB_SPEX_REFIT_NONE) return SB_OK;
  const size_t n = d->n, words = support->words, P = d->P, C = d->C, L = (size_t)1 << d->b;
  const size_t nblocks = C * P;
  size_t F = o->folds < 2 ? 2 : o->folds;
  if (F > nblocks) F = nblocks;
  const size_t S = F + 1, sw = (P + 63) / 64;
  refit_problem R = {0};
  sb_spectrum *feat = sb_spectrum_alloc(SB_BASIS_FOURIER, n);
  uint64_t *key = calloc(words, sizeof *key), *par = calloc(d->bch->pw, sizeof *par);
  size_t *idx = malloc(n * sizeof *idx);
  uint32_t *bins = NULL;
  uint64_t *sgn = NULL, *fmask = NULL;
  size_t *fcnt = NULL, *order = NULL, *start = NULL, *pa = NULL, *pb = NULL, *deg = NULL;
  size_t *fid = NULL, screened = 0; /* kept feature -> index in feat */
  double *pv = NULL, *beta = NULL, *q = NULL, *cvs = NULL, *grid = NULL, *fbeta = NULL;
  size_t npairs = 0, pcap = 0;
  int rc = SB_OK;
  if (!feat || !key || !par || !idx) goto nomem;

  /* features: ∅, singletons (lasso / ridge), the recovered support */
  if (sb_spectrum_add(feat, key, 0) != SB_OK) goto nomem;
  if (o->kind != SB_SPEX_REFIT_OLS)
    for (size_t i = 0; i < n; i++) {
      sb_mask_set(key, i);
      if (sb_spectrum_add(feat, key, 0) != SB_OK) goto nomem;
      sb_mask_clear(key, i);
    }
  for (size_t i = 0; i < sb_spectrum_size(support); i++)
    if (sb_spectrum_add(feat, sb_spectrum_key(support, i), 0) != SB_OK) goto nomem;
  size_t nf = sb_spectrum_size(feat);
  R.nf = nf;
  R.F = F;
  R.N = (double)d->samples;

  /* bins and sign vectors (bit p = delay p flips the sign; bit 0 never set) */
  bins = malloc(nf * C * sizeof *bins);
  sgn = calloc(nf * sw, sizeof *sgn);
  if (!bins || !sgn) goto nomem;
  for (size_t f = 0; f < nf; f++) {
    size_t len = sb_mask_indices(sb_spectrum_key(feat, f), words, idx);
    for (unsigned c = 0; c < C; c++) bins[f * C + c] = sb_spex_bin_of(d, c, idx, len);
    sb_bch_encode(d->bch, idx, len, par);
    for (size_t p = 1; p < P; p++)
      if ((par[(p - 1) >> 6] >> ((p - 1) & 63)) & 1u) sgn[f * sw + (p >> 6)] |= (uint64_t)1 << (p & 63);
  }
  /* folds: block β = c*P + p goes to fold β*F / (C*P) */
  fmask = calloc(C * F * sw, sizeof *fmask);
  fcnt = calloc(C * F, sizeof *fcnt);
  R.Nrows = calloc(F, sizeof *R.Nrows);
  R.yy = calloc(F, sizeof *R.yy);
  R.c = calloc(S * nf, sizeof *R.c);
  R.pen = malloc(nf * sizeof *R.pen);
  if (!fmask || !fcnt || !R.Nrows || !R.yy || !R.c || !R.pen) goto nomem;
  for (size_t c = 0; c < C; c++)
    for (size_t p = 0; p < P; p++) {
      size_t fo = (c * P + p) * F / nblocks;
      fmask[(c * F + fo) * sw + (p >> 6)] |= (uint64_t)1 << (p & 63);
      fcnt[c * F + fo]++;
      R.Nrows[fo] += (double)L;
      const double *y = values + (c * P + p) * L;
      for (size_t l = 0; l < L; l++) R.yy[fo] += y[l] * y[l];
    }
  for (size_t f = 0; f < nf; f++) {
    R.pen[f] = f == 0 ? 0.0 : 1.0;
    for (size_t c = 0; c < C; c++) {
      const double *u = U_orig + (c * L + bins[f * C + c]) * P;
      for (size_t p = 0; p < P; p++) {
        size_t fo = (c * P + p) * F / nblocks;
        int neg = (int)((sgn[f * sw + (p >> 6)] >> (p & 63)) & 1u);
        R.c[fo * nf + f] += (double)L * (neg ? -u[p] : u[p]);
      }
    }
    for (size_t fo = 0; fo < F; fo++) R.c[F * nf + f] += R.c[fo * nf + f];
  }

  /* Screening: with more features than N/4 (2^b small against n) the Gram matrix
   * stops being sparse (pairs ~ C·F²/2^{b+1}); keep ∅, the recovered support and the
   * singletons with the largest |Xᵀy| (sure independence screening).  Never active
   * when N >= 4·(n + support + 1), e.g. b = 8 at n <= 4096. */
  fid = malloc(nf * sizeof *fid);
  if (!fid) goto nomem;
  for (size_t f = 0; f < nf; f++) fid[f] = f;
  size_t limit = o->max_features ? o->max_features : (size_t)(R.N / 4);
  if (o->kind != SB_SPEX_REFIT_OLS && nf > limit) {
    /* rank the added singletons (not in the support) by |Xᵀy| */
    size_t nsing = 0;
    double *score = malloc(nf * sizeof *score);
    size_t *cand = malloc(nf * sizeof *cand);
    uint8_t *keep = calloc(nf, 1);
    if (!score || !cand || !keep) {
      free(score);
      free(cand);
      free(keep);
      goto nomem;
    }
    size_t kept = 0;
    for (size_t f = 0; f < nf; f++) {
      int added = f >= 1 && f <= n && sb_spectrum_find(support, sb_spectrum_key(feat, f)) < 0;
      if (added) {
        cand[nsing++] = f;
        score[f] = fabs(R.c[F * nf + f]);
      } else {
        keep[f] = 1;
        kept++;
      }
    }
    /* partial selection: the best (limit - kept) candidates (simple sort; nsing <= n) */
    for (size_t a = 1; a < nsing; a++) {
      size_t x = cand[a], b2 = a;
      while (b2 > 0 && score[cand[b2 - 1]] < score[x]) {
        cand[b2] = cand[b2 - 1];
        b2--;
      }
      cand[b2] = x;
    }
    for (size_t a = 0; a < nsing && kept < limit; a++) keep[cand[a]] = 1, kept++;
    size_t w2 = 0;
    for (size_t f = 0; f < nf; f++) {
      if (!keep[f]) continue;
      fid[w2] = f;
      for (unsigned c = 0; c < C; c++) bins[w2 * C + c] = bins[f * C + c];
      memmove(sgn + w2 * sw, sgn + f * sw, sw * sizeof *sgn);
      R.pen[w2] = R.pen[f];
      w2++;
    }
    for (size_t fo = 0; fo <= F; fo++)
      for (size_t a = 0; a < w2; a++) R.c[fo * w2 + a] = R.c[fo * nf + fid[a]];
    screened = nf - w2;
    nf = w2;
    R.nf = nf;
    free(score);
    free(cand);
    free(keep);
  }

  /* colliding pairs, group by group (bucket sort by bin) */
  order = malloc(nf * sizeof *order);
  start = malloc((L + 1) * sizeof *start);
  if (!order || !start) goto nomem;
  for (size_t c = 0; c < C; c++) {
    memset(start, 0, (L + 1) * sizeof *start);
    for (size_t f = 0; f < nf; f++) start[bins[f * C + c] + 1]++;
    for (size_t j = 0; j < L; j++) start[j + 1] += start[j];
    for (size_t f = 0; f < nf; f++) order[start[bins[f * C + c]]++] = f;
    /* start[j] now holds the end of bucket j; bucket j = [end(j-1), end(j)) */
    size_t lo = 0;
    for (size_t j = 0; j < L; j++) {
      size_t hi = start[j];
      for (size_t a = lo; a < hi; a++)
        for (size_t b2 = a + 1; b2 < hi; b2++) {
          size_t fa = order[a], fb = order[b2];
          if (npairs == pcap) {
            pcap = pcap ? 2 * pcap : 1024;
            size_t *na = realloc(pa, pcap * sizeof *pa);
            if (na) pa = na;
            size_t *nb = realloc(pb, pcap * sizeof *pb);
            if (nb) pb = nb;
            double *nv = realloc(pv, pcap * S * sizeof *pv);
            if (nv) pv = nv;
            if (!na || !nb || !nv) goto nomem;
          }
          double *v = pv + npairs * S, tot = 0;
          for (size_t fo = 0; fo < F; fo++) {
            const uint64_t *m = fmask + (c * F + fo) * sw;
            size_t agree = 0;
            for (size_t w = 0; w < sw; w++)
              agree += (size_t)__builtin_popcountll(~(sgn[fa * sw + w] ^ sgn[fb * sw + w]) & m[w]);
            v[fo] = (double)L * (2.0 * (double)agree - (double)fcnt[c * F + fo]);
            tot += v[fo];
          }
          v[F] = tot;
          pa[npairs] = fa;
          pb[npairs] = fb;
          npairs++;
        }
      lo = hi;
    }
  }
  /* CSR, both directions */
  deg = calloc(nf + 1, sizeof *deg);
  R.rowptr = calloc(nf + 1, sizeof *R.rowptr);
  R.col = malloc((2 * npairs + 1) * sizeof *R.col);
  R.val = malloc((2 * npairs + 1) * S * sizeof *R.val);
  if (!deg || !R.rowptr || !R.col || !R.val) goto nomem;
  for (size_t e = 0; e < npairs; e++) R.rowptr[pa[e] + 1]++, R.rowptr[pb[e] + 1]++;
  for (size_t f = 0; f < nf; f++) R.rowptr[f + 1] += R.rowptr[f];
  for (size_t e = 0; e < npairs; e++) {
    size_t ea = R.rowptr[pa[e]] + deg[pa[e]]++, eb = R.rowptr[pb[e]] + deg[pb[e]]++;
    R.col[ea] = pb[e];
    R.col[eb] = pa[e];
    memcpy(R.val + ea * S, pv + e * S, S * sizeof *pv);
    memcpy(R.val + eb * S, pv + e * S, S * sizeof *pv);
  }

  beta = calloc(nf, sizeof *beta);
  q = malloc(nf * sizeof *q);
  if (!beta || !q) goto nomem;
  double cmax = 0;
  for (size_t f = 0; f < nf; f++)
    if (fabs(R.c[F * nf + f]) > cmax) cmax = fabs(R.c[F * nf + f]);
  const double tol_abs = o->tol * (cmax > 0 ? cmax / R.N : 1.0);
  double chosen = 0;
  size_t path_len = 1;
  if (o->kind == SB_SPEX_REFIT_OLS) {
    /* one solve, no path: run it to round-off (exact recovery relies on it) */
    cd_solve(&R, F, 0, 0, (o->tol < 1e-12 ? o->tol : 1e-12) * (cmax > 0 ? cmax / R.N : 1.0),
             beta, q);
  } else {
    size_t nl = o->n_lambda ? o->n_lambda : 40;
    grid = malloc(nl * sizeof *grid);
    cvs = calloc(nl, sizeof *cvs);
    if (!grid || !cvs) goto nomem;
    int lasso = o->kind == SB_SPEX_REFIT_LASSO;
    if (lasso) {
      /* λ_max: with only ∅ fitted, the largest |gradient| of a penalised column */
      double b0 = R.c[F * nf] / R.N, lmax = 0;
      for (size_t f = 1; f < nf; f++) {
        double g = R.c[F * nf + f];
        for (size_t e = R.rowptr[f]; e < R.rowptr[f + 1]; e++)
          if (R.col[e] == 0) g -= R.val[e * S + F] * b0;
        if (fabs(g) > lmax) lmax = fabs(g);
      }
      lmax /= R.N;
      double eps = o->eps > 0 ? o->eps : 1e-4;
      for (size_t i = 0; i < nl; i++)
        grid[i] = lmax * pow(eps, nl > 1 ? (double)i / (double)(nl - 1) : 1.0);
    } else {
      for (size_t i = 0; i < nl; i++)
        grid[i] = pow(10.0, 6.0 - 12.0 * (nl > 1 ? (double)i / (double)(nl - 1) : 1.0));
    }
    /* all folds in lockstep along the path, so the path can stop once the CV error
     * has not improved for `patience` consecutive values (the expensive, nearly
     * interpolating end of the path is skipped when it cannot win) */
    fbeta = calloc(F * nf, sizeof *fbeta);
    if (!fbeta) goto nomem;
    size_t best = 0, ran = 0;
    for (size_t i = 0; i < nl; i++) {
      for (size_t fo = 0; fo < F; fo++) {
        cd_solve(&R, fo, lasso ? grid[i] : 0, lasso ? 0 : grid[i], tol_abs, fbeta + fo * nf, q);
        cvs[i] += cv_error(&R, fo, fbeta + fo * nf);
      }
      ran = i + 1;
      if (cvs[i] < cvs[best]) best = i;
      if (o->patience && i - best >= o->patience) break;
    }
    path_len = ran;
    memset(beta, 0, nf * sizeof *beta);
    for (size_t i = 0; i <= best; i++)
      cd_solve(&R, F, lasso ? grid[i] : 0, lasso ? 0 : grid[i], tol_abs, beta, q);
    chosen = grid[best];
  }
  sb_spectrum_reset(support);
  size_t nz = 0;
  for (size_t f = 0; f < nf; f++)
    if (beta[f] != 0) {
      if (sb_spectrum_put(support, sb_spectrum_key(feat, fid[f]), beta[f]) != SB_OK) goto nomem;
      nz++;
    }
  if (st) {
    st->features = nf + screened;
    st->gram_pairs = npairs;
    st->penalty = chosen;
    st->nonzero = nz;
    st->path_len = path_len;
    st->screened = screened;
  }
  goto done;
nomem:
  rc = sb_error_set(err, SB_ENOMEM, "spex refit: out of memory (n = %zu)", n);
done:
  problem_free(&R);
  sb_spectrum_free(feat);
  free(key);
  free(par);
  free(idx);
  free(bins);
  free(sgn);
  free(fmask);
  free(fcnt);
  free(order);
  free(start);
  free(pa);
  free(pb);
  free(pv);
  free(deg);
  free(beta);
  free(q);
  free(cvs);
  free(grid);
  free(fbeta);
  free(fid);
  return rc;
}
