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
 * Features are kept as index lists (a set of degree <= t, never an n-bit mask),
 * so the cost is linear in n: at n = 65,536 the n singleton columns would
 * otherwise be n masks of n bits (0.5 GB) hashed one by one.  A Gram entry is
 * stored as the small integers (2·agree − count) per fold; its value is 2^b
 * times that, formed exactly in double where it is used.
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

/* ==== the regression problem ============================================== */

typedef struct refit_problem {
  size_t nf;          /* features */
  size_t F;           /* folds; per-entry values hold F parts then the total (stride F+1) */
  double N;           /* total rows */
  double L;           /* 2^b: a Gram entry is L times its integer part */
  double *Nrows;      /* F: rows per fold */
  double *yy;         /* F: Σ y² per fold */
  double *c;          /* (F+1)*nf: Xᵀy per fold, then total */
  size_t *rowptr;     /* nf+1 (CSR of the off-diagonal Gram) */
  uint32_t *col;      /* nnz */
  int16_t *g;         /* nnz*(F+1): Σ_p over the fold's delays of s_p(k)s_p(k') */
  double *pen;        /* nf: penalty factor (0 for ∅) */
} refit_problem;

/* Gram entry e restricted to the training rows of fold fi (fi = F: all rows). */
static inline double gram_train(const refit_problem *R, size_t e, size_t fi) {
  const int16_t *v = R->g + e * (R->F + 1);
  return R->L * (double)(fi == R->F ? v[R->F] : v[R->F] - v[fi]);
}

/* Sweeps per solve (scikit-learn's max_iter default): underdetermined problems at
 * small λ converge slowly, and the path is warm-started anyway. */
#define CD_MAX_SWEEPS 1000

/* q = (training Gram without its diagonal) · beta. */
static void cd_gram_times(const refit_problem *R, size_t fi, const double *beta, double *q) {
  memset(q, 0, R->nf * sizeof *q);
  for (size_t j = 0; j < R->nf; j++) {
    if (beta[j] == 0) continue;
    for (size_t e = R->rowptr[j]; e < R->rowptr[j + 1]; e++)
      q[R->col[e]] += gram_train(R, e, fi) * beta[j];
  }
}

/* Coordinate descent on the training rows (fold `fi` held out, fi = F: all rows).
 * beta in/out (warm start); q is workspace (nf).  Returns sweeps used. */
static size_t cd_solve(const refit_problem *R, size_t fi, double lambda, double alpha,
                       double tol_abs, double *beta, double *q) {
  const size_t nf = R->nf, F = R->F;
  const double NT = fi == F ? R->N : R->N - R->Nrows[fi];
  const double *cfull = R->c + F * nf, *cf = fi == F ? NULL : R->c + fi * nf;
  cd_gram_times(R, fi, beta, q);
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
      for (size_t e = R->rowptr[j]; e < R->rowptr[j + 1]; e++)
        q[R->col[e]] += gram_train(R, e, fi) * dlt;
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
      g += R->L * (double)R->g[k * S + fi] * beta[R->col[k]];
    e += beta[j] * g - 2 * beta[j] * cf[j];
  }
  return e;
}

/* ==== workspace ============================================================ */

typedef struct refit_ws {
  refit_problem R;
  size_t sw;          /* words per sign vector: (P + 63) / 64 */
  /* features as index sets (CSR) */
  size_t nf_all;      /* features before screening */
  size_t *sptr;       /* nf_all+1 */
  size_t *sidx;       /* the sets' indices */
  size_t *fid;        /* kept feature -> feature (screening) */
  uint8_t *added;     /* nf_all: 1 = a singleton column not in the support */
  uint32_t *bins;     /* nf*C: bin of the feature in each group */
  uint64_t *sgn;      /* nf*sw: bit p = delay p flips the sign (bit 0 never set) */
  uint64_t *fmask;    /* C*F*sw: delays of group c in fold fo */
  size_t *fcnt;       /* C*F: how many */
} refit_ws;

static void ws_free(refit_ws *w) {
  refit_problem *R = &w->R;
  free(R->Nrows);
  free(R->yy);
  free(R->c);
  free(R->rowptr);
  free(R->col);
  free(R->g);
  free(R->pen);
  free(w->sptr);
  free(w->sidx);
  free(w->fid);
  free(w->added);
  free(w->bins);
  free(w->sgn);
  free(w->fmask);
  free(w->fcnt);
}

static inline const size_t *feature_set(const refit_ws *w, size_t f, size_t *len) {
  *len = w->sptr[f + 1] - w->sptr[f];
  return w->sidx + w->sptr[f];
}

/* Features in column order: ∅, the singletons e_0..e_{n-1} (lasso / ridge), then the
 * support's sets not already among them, in the support's order. */
static int features_build(refit_ws *w, size_t n, const sb_spectrum *support, int singletons) {
  const size_t words = support->words, ns = sb_spectrum_size(support);
  size_t total = 0;
  for (size_t i = 0; i < ns; i++) total += sb_spectrum_degree(support, i);
  const size_t cap = 1 + (singletons ? n : 0) + ns;
  w->sptr = malloc((cap + 1) * sizeof *w->sptr);
  w->sidx = malloc(((singletons ? n : 0) + total + 1) * sizeof *w->sidx);
  w->added = calloc(cap, 1);
  if (!w->sptr || !w->sidx || !w->added) return SB_ENOMEM;
  size_t nf = 0, used = 0;
  w->sptr[nf++] = 0; /* ∅ */
  if (singletons)
    for (size_t i = 0; i < n; i++) {
      w->sptr[nf] = used;
      w->sidx[used++] = i;
      w->added[nf++] = 1;
    }
  w->sptr[nf] = used;
  for (size_t i = 0; i < ns; i++) {
    size_t len = sb_mask_indices(sb_spectrum_key(support, i), words, w->sidx + used);
    if (len == 0) continue; /* ∅ is column 0 */
    if (len == 1 && singletons) {
      w->added[1 + w->sidx[used]] = 0; /* a support singleton is not screened */
      continue;
    }
    used += len;
    w->sptr[++nf] = used;
  }
  w->nf_all = nf;
  return SB_OK;
}

/* Bins and sign vectors of every feature (features in parallel: each writes its own). */
static int features_hash(refit_ws *w, const sb_spex_design *d) {
  const size_t nf = w->nf_all, C = d->C, P = d->P, sw = w->sw, pw = d->bch->pw;
  w->bins = malloc(nf * C * sizeof *w->bins);
  w->sgn = calloc(nf * sw, sizeof *w->sgn);
  if (!w->bins || !w->sgn) return SB_ENOMEM;
  int rc = SB_OK;
#pragma omp parallel if (nf > 4096)
  {
    uint64_t *par = calloc(pw, sizeof *par);
    if (!par) {
#pragma omp atomic write
      rc = SB_ENOMEM;
    }
#pragma omp for schedule(static)
    for (size_t f = 0; f < nf; f++) {
      if (!par) continue;
      size_t len;
      const size_t *idx = feature_set(w, f, &len);
      for (unsigned c = 0; c < C; c++) w->bins[f * C + c] = sb_spex_bin_of(d, c, idx, len);
      sb_bch_encode(d->bch, idx, len, par);
      for (size_t p = 1; p < P; p++)
        if ((par[(p - 1) >> 6] >> ((p - 1) & 63)) & 1u)
          w->sgn[f * sw + (p >> 6)] |= (uint64_t)1 << (p & 63);
    }
    free(par);
  }
  return rc;
}

/* Fold of block β = c*P + p: β*F / (C*P). */
static inline size_t block_fold(size_t c, size_t p, size_t P, size_t F, size_t nblocks) {
  return (c * P + p) * F / nblocks;
}

/* Folds: which delays of each group belong to each fold, rows and Σ y² per fold. */
static int folds_assign(refit_ws *w, const sb_spex_design *d, const double *values) {
  refit_problem *R = &w->R;
  const size_t C = d->C, P = d->P, F = R->F, sw = w->sw, L = (size_t)1 << d->b;
  w->fmask = calloc(C * F * sw, sizeof *w->fmask);
  w->fcnt = calloc(C * F, sizeof *w->fcnt);
  R->Nrows = calloc(F, sizeof *R->Nrows);
  R->yy = calloc(F, sizeof *R->yy);
  if (!w->fmask || !w->fcnt || !R->Nrows || !R->yy) return SB_ENOMEM;
  for (size_t c = 0; c < C; c++)
    for (size_t p = 0; p < P; p++) {
      size_t fo = block_fold(c, p, P, F, C * P);
      w->fmask[(c * F + fo) * sw + (p >> 6)] |= (uint64_t)1 << (p & 63);
      w->fcnt[c * F + fo]++;
      R->Nrows[fo] += (double)L;
      const double *y = values + (c * P + p) * L;
      for (size_t l = 0; l < L; l++) R->yy[fo] += y[l] * y[l];
    }
  return SB_OK;
}

/* Xᵀy per fold and in total, read off the untouched transforms; penalty factors.
 * Features in parallel (each sums its own entries in the same order). */
static int xty_assemble(refit_ws *w, const sb_spex_design *d, const double *U_orig) {
  refit_problem *R = &w->R;
  const size_t nf = R->nf, C = d->C, P = d->P, F = R->F, sw = w->sw, L = (size_t)1 << d->b;
  R->c = calloc((F + 1) * nf, sizeof *R->c);
  R->pen = malloc(nf * sizeof *R->pen);
  size_t *fold = malloc(C * P * sizeof *fold);
  if (!R->c || !R->pen || !fold) {
    free(fold);
    return SB_ENOMEM;
  }
  for (size_t c = 0; c < C; c++)
    for (size_t p = 0; p < P; p++) fold[c * P + p] = block_fold(c, p, P, F, C * P);
  int rc = SB_OK;
#pragma omp parallel if (nf > 4096)
  {
    double *part = malloc(F * sizeof *part);
    if (!part) {
#pragma omp atomic write
      rc = SB_ENOMEM;
    }
#pragma omp for schedule(static)
    for (size_t f = 0; f < nf; f++) {
      if (!part) continue;
      R->pen[f] = f == 0 ? 0.0 : 1.0;
      const uint64_t *sg = w->sgn + f * sw;
      memset(part, 0, F * sizeof *part);
      for (size_t c = 0; c < C; c++) {
        const double *u = U_orig + (c * L + w->bins[f * C + c]) * P;
        for (size_t p = 0; p < P; p++) {
          int neg = (int)((sg[p >> 6] >> (p & 63)) & 1u);
          part[fold[c * P + p]] += (double)L * (neg ? -u[p] : u[p]);
        }
      }
      for (size_t fo = 0; fo < F; fo++) {
        R->c[fo * nf + f] = part[fo];
        R->c[F * nf + f] += part[fo];
      }
    }
    free(part);
  }
  free(fold);
  return rc;
}

/* A screening candidate: an added singleton and its |Xᵀy|. */
typedef struct screen_cand {
  double score;
  size_t f;
} screen_cand;

/* |Xᵀy| descending, ties by column (the order a stable sort would keep). */
static int screen_cmp(const void *a, const void *b) {
  const screen_cand *x = a, *y = b;
  if (x->score != y->score) return x->score > y->score ? -1 : 1;
  return x->f < y->f ? -1 : (x->f > y->f);
}

/* Screening: with more features than `limit` (N/4 by default; 2^b small against n)
 * the Gram matrix stops being sparse (pairs ~ C·F²/2^{b+1}); keep ∅, the recovered
 * support and the added singletons with the largest |Xᵀy| (sure independence
 * screening), compacting every per-feature array.  *dropped: the columns dropped. */
static int screen(refit_ws *w, size_t C, size_t limit, size_t *dropped) {
  refit_problem *R = &w->R;
  const size_t nf = R->nf, F = R->F, sw = w->sw;
  size_t nsing = 0;
  for (size_t f = 0; f < nf; f++) nsing += w->added[f];
  size_t kept = nf - nsing;
  screen_cand *cand = malloc((nsing + 1) * sizeof *cand);
  uint8_t *keep = calloc(nf, 1);
  if (!cand || !keep) {
    free(cand);
    free(keep);
    return SB_ENOMEM;
  }
  size_t a = 0;
  for (size_t f = 0; f < nf; f++) {
    if (w->added[f]) cand[a++] = (screen_cand){fabs(R->c[F * nf + f]), f};
    else keep[f] = 1;
  }
  qsort(cand, nsing, sizeof *cand, screen_cmp);
  for (a = 0; a < nsing && kept < limit; a++) keep[cand[a].f] = 1, kept++;
  size_t w2 = 0;
  for (size_t f = 0; f < nf; f++) {
    if (!keep[f]) continue;
    w->fid[w2] = f;
    memmove(w->bins + w2 * C, w->bins + f * C, C * sizeof *w->bins);
    memmove(w->sgn + w2 * sw, w->sgn + f * sw, sw * sizeof *w->sgn);
    R->pen[w2] = R->pen[f];
    w2++;
  }
  for (size_t fo = 0; fo <= F; fo++)
    for (a = 0; a < w2; a++) R->c[fo * w2 + a] = R->c[fo * nf + w->fid[a]];
  *dropped = nf - w2;
  R->nf = w2;
  free(cand);
  free(keep);
  return SB_OK;
}

/* Features bucketed by their bin in group c: members[start[j] .. start[j + 1]) are
 * the features of bin j, ascending. */
static void bucket_by_bin(const refit_ws *w, size_t c, size_t C, size_t L, size_t *start,
                          uint32_t *members) {
  const size_t nf = w->R.nf;
  memset(start, 0, (L + 1) * sizeof *start);
  for (size_t f = 0; f < nf; f++) start[w->bins[f * C + c] + 1]++;
  for (size_t j = 0; j < L; j++) start[j + 1] += start[j];
  for (size_t f = 0; f < nf; f++) members[start[w->bins[f * C + c]]++] = (uint32_t)f;
  for (size_t j = L; j > 0; j--) start[j] = start[j - 1]; /* back to bucket starts */
  start[0] = 0;
}

/* The integer parts of the Gram entry of features fa, fb colliding in group c
 * (a fold holding none of the group's delays has part 0). */
static inline void pair_parts(const refit_ws *w, size_t c, size_t fa, size_t fb, int16_t *v) {
  const size_t F = w->R.F, sw = w->sw;
  const uint64_t *sa = w->sgn + fa * sw, *sb = w->sgn + fb * sw;
  int tot = 0;
  for (size_t fo = 0; fo < F; fo++) {
    const int cnt = (int)w->fcnt[c * F + fo];
    v[fo] = 0;
    if (!cnt) continue;
    const uint64_t *m = w->fmask + (c * F + fo) * sw;
    int agree = 0;
    for (size_t x = 0; x < sw; x++) agree += __builtin_popcountll(~(sa[x] ^ sb[x]) & m[x]);
    v[fo] = (int16_t)(2 * agree - cnt);
    tot += v[fo];
  }
  v[F] = (int16_t)tot;
}

/* Rows of the Gram matrix (rowptr set): row f lists, group by group, the other
 * features of f's bin; rows in parallel (each fills its own CSR segment).  Built twice, with and without the popcnt instruction,
 * chosen at load time (the default x86-64 target has none). */
__attribute__((target_clones("popcnt", "default"))) static void gram_rows(
    refit_ws *w, size_t C, size_t L, const size_t *start, const uint32_t *members) {
  refit_problem *R = &w->R;
  const size_t nf = R->nf, S = R->F + 1;
#pragma omp parallel for schedule(dynamic, 256) if (nf > 4096)
  for (size_t f = 0; f < nf; f++) {
    size_t e = R->rowptr[f];
    for (size_t c = 0; c < C; c++) {
      const size_t *st = start + c * (L + 1), j = w->bins[f * C + c];
      const uint32_t *mem = members + c * nf;
      for (size_t a = st[j]; a < st[j + 1]; a++) {
        if (mem[a] == f) continue;
        pair_parts(w, c, f, mem[a], R->g + e * S);
        R->col[e++] = mem[a];
      }
    }
  }
}

/* The off-diagonal Gram matrix in CSR.  Row f lists, group by group, the other
 * features of f's bin in ascending order (the order the solver's sums run in).
 * Rows are written one after the other, so the build streams through memory. */
static int gram_build(refit_ws *w, size_t C, size_t L, size_t *npairs_out) {
  refit_problem *R = &w->R;
  const size_t nf = R->nf, S = R->F + 1;
  size_t *start = malloc(C * (L + 1) * sizeof *start);
  uint32_t *members = malloc((C * nf + 1) * sizeof *members);
  R->rowptr = calloc(nf + 1, sizeof *R->rowptr);
  if (!start || !members || !R->rowptr) goto nomem;
  for (size_t c = 0; c < C; c++) bucket_by_bin(w, c, C, L, start + c * (L + 1), members + c * nf);
  for (size_t f = 0; f < nf; f++) {
    size_t deg = 0;
    for (size_t c = 0; c < C; c++) {
      const size_t *st = start + c * (L + 1), j = w->bins[f * C + c];
      deg += st[j + 1] - st[j] - 1;
    }
    R->rowptr[f + 1] = R->rowptr[f] + deg;
  }
  const size_t nnz = R->rowptr[nf];
  R->col = malloc((nnz + 1) * sizeof *R->col);
  R->g = malloc((nnz + 1) * S * sizeof *R->g);
  if (!R->col || !R->g) goto nomem;
  gram_rows(w, C, L, start, members);
  free(start);
  free(members);
  *npairs_out = nnz / 2;
  return SB_OK;
nomem:
  free(start);
  free(members);
  return SB_ENOMEM;
}

/* ==== penalty path ========================================================= */

/* The λ (lasso: λ_max → eps·λ_max, geometric) or α (ridge: 10^6 → 10^-6) grid. */
static void penalty_grid(const refit_problem *R, int lasso, double eps, size_t nl, double *grid) {
  const size_t nf = R->nf, F = R->F;
  if (!lasso) {
    for (size_t i = 0; i < nl; i++)
      grid[i] = pow(10.0, 6.0 - 12.0 * (nl > 1 ? (double)i / (double)(nl - 1) : 1.0));
    return;
  }
  /* λ_max: with only ∅ fitted, the largest |gradient| of a penalised column */
  double b0 = R->c[F * nf] / R->N, lmax = 0;
  for (size_t f = 1; f < nf; f++) {
    double g = R->c[F * nf + f];
    for (size_t e = R->rowptr[f]; e < R->rowptr[f + 1]; e++)
      if (R->col[e] == 0) g -= gram_train(R, e, F) * b0;
    if (fabs(g) > lmax) lmax = fabs(g);
  }
  lmax /= R->N;
  if (!(eps > 0)) eps = 1e-4;
  for (size_t i = 0; i < nl; i++)
    grid[i] = lmax * pow(eps, nl > 1 ? (double)i / (double)(nl - 1) : 1.0);
}

/* Cross-validate the grid with all folds in lockstep, so the path can stop once the
 * CV error has not improved for `patience` consecutive values (the expensive, nearly
 * interpolating end of the path is skipped when it cannot win); then refit on all
 * rows along the path up to the best value.  beta out (nf). */
static int penalty_path(const refit_problem *R, const sb_spex_refit_opts *o, double tol_abs,
                        double *beta, double *q, double *chosen, size_t *path_len) {
  const size_t nf = R->nf, F = R->F, nl = o->n_lambda ? o->n_lambda : 40;
  const int lasso = o->kind == SB_SPEX_REFIT_LASSO;
  double *grid = malloc(nl * sizeof *grid), *cvs = calloc(nl, sizeof *cvs);
  double *fbeta = calloc(F * nf, sizeof *fbeta);
  if (!grid || !cvs || !fbeta) {
    free(grid);
    free(cvs);
    free(fbeta);
    return SB_ENOMEM;
  }
  penalty_grid(R, lasso, o->eps, nl, grid);
  size_t best = 0, ran = 0;
  for (size_t i = 0; i < nl; i++) {
    for (size_t fo = 0; fo < F; fo++) {
      cd_solve(R, fo, lasso ? grid[i] : 0, lasso ? 0 : grid[i], tol_abs, fbeta + fo * nf, q);
      cvs[i] += cv_error(R, fo, fbeta + fo * nf);
    }
    ran = i + 1;
    if (cvs[i] < cvs[best]) best = i;
    if (o->patience && i - best >= o->patience) break;
  }
  memset(beta, 0, nf * sizeof *beta);
  for (size_t i = 0; i <= best; i++)
    cd_solve(R, F, lasso ? grid[i] : 0, lasso ? 0 : grid[i], tol_abs, beta, q);
  *chosen = grid[best];
  *path_len = ran;
  free(grid);
  free(cvs);
  free(fbeta);
  return SB_OK;
}

/* Solve: OLS once to round-off (exact recovery relies on it), lasso / ridge along
 * the cross-validated path.  beta out (nf). */
static int refit_solve(const refit_problem *R, const sb_spex_refit_opts *o, double *beta,
                       double *chosen, size_t *path_len) {
  const size_t nf = R->nf, F = R->F;
  double *q = malloc((nf + 1) * sizeof *q);
  if (!q) return SB_ENOMEM;
  double cmax = 0;
  for (size_t f = 0; f < nf; f++)
    if (fabs(R->c[F * nf + f]) > cmax) cmax = fabs(R->c[F * nf + f]);
  const double scale = cmax > 0 ? cmax / R->N : 1.0;
  int rc = SB_OK;
  *chosen = 0;
  *path_len = 1;
  if (o->kind == SB_SPEX_REFIT_OLS)
    cd_solve(R, F, 0, 0, (o->tol < 1e-12 ? o->tol : 1e-12) * scale, beta, q);
  else
    rc = penalty_path(R, o, o->tol * scale, beta, q, chosen, path_len);
  free(q);
  return rc;
}

/* support := the non-zero coefficients, in column order. */
static int write_result(const refit_ws *w, const double *beta, sb_spectrum *support,
                        size_t *nonzero) {
  uint64_t *key = calloc(support->words, sizeof *key);
  if (!key) return SB_ENOMEM;
  sb_spectrum_reset(support);
  size_t nz = 0;
  int rc = SB_OK;
  for (size_t f = 0; f < w->R.nf && rc == SB_OK; f++) {
    if (beta[f] == 0) continue;
    size_t len;
    const size_t *idx = feature_set(w, w->fid[f], &len);
    for (size_t a = 0; a < len; a++) sb_mask_set(key, idx[a]);
    rc = sb_spectrum_put(support, key, beta[f]);
    for (size_t a = 0; a < len; a++) sb_mask_clear(key, idx[a]);
    nz++;
  }
  free(key);
  *nonzero = nz;
  return rc;
}

/* ==== driver =============================================================== */

/* Everything up to the Gram matrix: features, folds, Xᵀy, screening. */
static int refit_setup(refit_ws *w, const sb_spex_design *d, const double *U_orig,
                       const double *values, const sb_spex_refit_opts *o,
                       const sb_spectrum *support, size_t *screened) {
  const int singletons = o->kind != SB_SPEX_REFIT_OLS;
  size_t F = o->folds < 2 ? 2 : o->folds;
  if (F > (size_t)d->C * d->P) F = (size_t)d->C * d->P;
  w->sw = (d->P + 63) / 64;
  w->R.F = F;
  w->R.N = (double)d->samples;
  w->R.L = (double)((size_t)1 << d->b);
  int rc;
  if ((rc = features_build(w, d->n, support, singletons)) || (rc = features_hash(w, d)) ||
      (rc = folds_assign(w, d, values)))
    return rc;
  w->R.nf = w->nf_all;
  if ((rc = xty_assemble(w, d, U_orig))) return rc;
  w->fid = malloc(w->nf_all * sizeof *w->fid);
  if (!w->fid) return SB_ENOMEM;
  for (size_t f = 0; f < w->nf_all; f++) w->fid[f] = f;
  /* Never active when N >= 4·(n + support + 1), e.g. b = 8 at n <= 4096. */
  size_t limit = o->max_features ? o->max_features : (size_t)(w->R.N / 4);
  *screened = 0;
  if (singletons && w->R.nf > limit) return screen(w, d->C, limit, screened);
  return SB_OK;
  return SB_OK;
}

int sb_spex_refit(const sb_spex_design *d, const double *U_orig, const double *values,
                  const sb_spex_refit_opts *o, sb_spectrum *support, sb_spex_refit_stats *st,
                  sb_error *err) {
  if (o->kind == SB_SPEX_REFIT_NONE) return SB_OK;
  refit_ws w = {0};
  size_t screened = 0, npairs = 0, path_len = 1, nz = 0;
  double chosen = 0, *beta = NULL;
  int rc = refit_setup(&w, d, U_orig, values, o, support, &screened);
  if (!rc) rc = gram_build(&w, d->C, (size_t)1 << d->b, &npairs);
  if (!rc && !(beta = calloc(w.R.nf + 1, sizeof *beta))) rc = SB_ENOMEM;
  if (!rc) rc = refit_solve(&w.R, o, beta, &chosen, &path_len);
  if (!rc) rc = write_result(&w, beta, support, &nz);
  if (!rc && st) {
    st->features = w.R.nf + screened;
    st->gram_pairs = npairs;
    st->penalty = chosen;
    st->nonzero = nz;
    st->path_len = path_len;
    st->screened = screened;
  }
  free(beta);
  ws_free(&w);
  if (rc) return sb_error_set(err, SB_ENOMEM, "spex refit: out of memory (n = %zu)", d->n);
  return SB_OK;
}
