/* Least squares, ridge with LOO/GCV and lasso by coordinate descent (see regress.h).
 *
 * Ridge: one thin SVD of the (weighted, centred) design A = U S Vᵀ gives every α:
 *   β(α) = V diag(s/(s²+α)) Uᵀb,   hat diagonal h_ii = Σ_j U_ij² s_j²/(s_j²+α),
 *   LOO error = Σ_i (e_i / (1 - h_ii))²,  GCV = m·RSS / (m - Σ s²/(s²+α))².
 * Lasso: cyclic coordinate descent with an active-set loop, on a column-major copy
 * (residual updates, O(m) per coordinate) or, when there are more rows than
 * columns, on the Gram matrix AᵀA/W (covariance updates, O(p) per coordinate,
 * glmnet's "covariance mode"; the Gram costs one BLAS-3 product per fit). */
#include "linalg/regress.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_linalg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Relative cut-off under which a singular value counts as zero in sb_ridge_cv
 * (the same default as sb_lstsq's rcond). */
#define RIDGE_RCOND 1e-12

/* OpenBLAS's own control (libopenblas, pthread or OpenMP build). */
extern void openblas_set_num_threads(int num_threads);

void sb_linalg_set_threads(int threads) { openblas_set_num_threads(threads > 0 ? threads : 1); }

void sb_logspace(double lo, double hi, size_t count, double *out) {
  for (size_t i = 0; i < count; i++)
    out[i] = pow(10.0, count == 1 ? lo : lo + (hi - lo) * (double)i / (double)(count - 1));
}

/* Weighted column means (xbar, length p) and ybar; sw = Σ w. */
static void weighted_means(const gsl_matrix *X, const gsl_vector *y, const gsl_vector *w,
                           double *xbar, double *ybar, double *sw) {
  size_t m = X->size1, p = X->size2;
  double W = 0, yb = 0;
  memset(xbar, 0, p * sizeof *xbar);
  for (size_t i = 0; i < m; i++) {
    double wi = w ? gsl_vector_get(w, i) : 1.0;
    W += wi;
    yb += wi * gsl_vector_get(y, i);
    const double *row = gsl_matrix_const_ptr(X, i, 0);
    for (size_t j = 0; j < p; j++) xbar[j] += wi * row[j];
  }
  for (size_t j = 0; j < p; j++) xbar[j] /= W;
  *ybar = yb / W;
  *sw = W;
}

/* A = sqrt(w)(X - xbar) with element (i, j) at A[i*rs + j*cs] (row-major: rs = p,
 * cs = 1; column-major: rs = 1, cs = m), b = sqrt(w)(y - ybar). */
static void build_scaled(const gsl_matrix *X, const gsl_vector *y, const gsl_vector *w,
                         const double *xbar, double ybar, double *A, size_t rs, size_t cs,
                         double *b) {
  size_t m = X->size1, p = X->size2;
  for (size_t i = 0; i < m; i++) {
    double s = w ? sqrt(gsl_vector_get(w, i)) : 1.0;
    const double *row = gsl_matrix_const_ptr(X, i, 0);
    double *arow = A + i * rs;
    for (size_t j = 0; j < p; j++) arow[j * cs] = s * (row[j] - (xbar ? xbar[j] : 0.0));
    b[i] = s * (gsl_vector_get(y, i) - ybar);
  }
}

/* LAPACK's divide-and-conquer SVD (dgesdd, shipped inside OpenBLAS): an order of
 * magnitude faster than GSL's Golub–Reinsch on the 10^3 × 10^3 designs the
 * regression baselines build.  Fortran ABI: trailing hidden string length. */
extern void dgesdd_(const char *jobz, const int *m, const int *n, double *a, const int *lda,
                    double *s, double *u, const int *ldu, double *vt, const int *ldvt,
                    double *work, const int *lwork, int *iwork, int *info, size_t jobz_len);

/* A (m×p, row-major) is Aᵀ (p×m) in column-major order; dgesdd gives Aᵀ = U' S V'ᵀ,
 * so A = V' S U'ᵀ: U_A = V' (V'ᵀ, column-major r×m, is U_A row-major m×r as is) and
 * V_A = U' (transposed into row-major p×r).  Consumes A on success. */
static int lapack_svd(gsl_matrix *A, gsl_matrix **Uo, gsl_vector **So, gsl_matrix **Vo) {
  size_t m = A->size1, p = A->size2, r = m < p ? m : p;
  if (A->tda != p || m > 2000000000 / (p ? p : 1)) return SB_EINVAL;
  int M = (int)p, N = (int)m, lda = (int)p, ldu = (int)p, ldvt = (int)r, info = 0, lwork = -1;
  gsl_matrix *U = gsl_matrix_alloc(m, r), *V = gsl_matrix_alloc(p, r);
  gsl_vector *S = gsl_vector_alloc(r);
  double *u = malloc(p * r * sizeof *u), wq = 0, *work = NULL;
  int *iwork = malloc(8 * r * sizeof *iwork);
  int rc = SB_ENOMEM;
  if (!U || !V || !S || !u || !iwork) goto out;
  dgesdd_("S", &M, &N, A->data, &lda, S->data, u, &ldu, U->data, &ldvt, &wq, &lwork, iwork,
          &info, 1);
  if (info != 0) {
    rc = SB_ENUMERIC;
    goto out;
  }
  lwork = (int)wq + 1;
  work = malloc((size_t)lwork * sizeof *work);
  if (!work) goto out;
  dgesdd_("S", &M, &N, A->data, &lda, S->data, u, &ldu, U->data, &ldvt, work, &lwork, iwork,
          &info, 1);
  if (info != 0) {
    rc = SB_ENUMERIC;
    goto out;
  }
  for (size_t j = 0; j < p; j++)
    for (size_t k = 0; k < r; k++) gsl_matrix_set(V, j, k, u[j + k * p]);
  gsl_matrix_free(A);
  *Uo = U;
  *So = S;
  *Vo = V;
  U = V = NULL;
  S = NULL;
  rc = SB_OK;
out:
  gsl_matrix_free(U);
  gsl_matrix_free(V);
  gsl_vector_free(S);
  free(u);
  free(work);
  free(iwork);
  return rc;
}

/* Thin SVD A = U diag(S) Vᵀ, r = min(m,p): U m×r, V p×r.  Consumes A on success.
 * LAPACK first; GSL's SVD as the fallback (A is untouched when dgesdd fails early,
 * but a failed dgesdd may have overwritten it, so the fallback works on a copy). */
static int thin_svd(gsl_matrix *A, gsl_matrix **Uo, gsl_vector **So, gsl_matrix **Vo,
                    sb_error *err) {
  size_t m = A->size1, p = A->size2;
  int status;
  *Uo = NULL;
  *So = NULL;
  *Vo = NULL;
  gsl_matrix *copy = gsl_matrix_alloc(m, p);
  if (copy) {
    gsl_matrix_memcpy(copy, A);
    if (lapack_svd(copy, Uo, So, Vo) == SB_OK) {
      gsl_matrix_free(A);
      return SB_OK;
    }
    gsl_matrix_free(copy);
  }
  if (m >= p) {
    gsl_matrix *V = gsl_matrix_alloc(p, p);
    gsl_vector *S = gsl_vector_alloc(p), *work = gsl_vector_alloc(p);
    gsl_matrix *Xw = gsl_matrix_alloc(p, p);
    if (!V || !S || !work || !Xw) {
      gsl_matrix_free(V), gsl_vector_free(S), gsl_vector_free(work), gsl_matrix_free(Xw);
      return sb_error_set(err, SB_ENOMEM, "SVD: out of memory (%zu x %zu)", m, p);
    }
    status = m >= 2 * p ? gsl_linalg_SV_decomp_mod(A, Xw, V, S, work)
                        : gsl_linalg_SV_decomp(A, V, S, work);
    gsl_vector_free(work);
    gsl_matrix_free(Xw);
    if (status) {
      gsl_matrix_free(V), gsl_vector_free(S);
      return sb_error_set(err, SB_ENUMERIC, "SVD failed: %s", sb_gsl_last_error());
    }
    *Uo = A; /* A now holds U */
    *So = S;
    *Vo = V;
    return SB_OK;
  }
  gsl_matrix *At = gsl_matrix_alloc(p, m);
  gsl_matrix *V = gsl_matrix_alloc(m, m);
  gsl_vector *S = gsl_vector_alloc(m), *work = gsl_vector_alloc(m);
  if (!At || !V || !S || !work) {
    gsl_matrix_free(At), gsl_matrix_free(V), gsl_vector_free(S), gsl_vector_free(work);
    return sb_error_set(err, SB_ENOMEM, "SVD: out of memory (%zu x %zu)", m, p);
  }
  gsl_matrix_transpose_memcpy(At, A);
  status = gsl_linalg_SV_decomp(At, V, S, work); /* Aᵀ = U' S V'ᵀ  =>  A = V' S U'ᵀ */
  gsl_vector_free(work);
  if (status) {
    gsl_matrix_free(At), gsl_matrix_free(V), gsl_vector_free(S);
    return sb_error_set(err, SB_ENUMERIC, "SVD failed: %s", sb_gsl_last_error());
  }
  gsl_matrix_free(A);
  *Uo = V;  /* m×m */
  *So = S;
  *Vo = At; /* p×m */
  return SB_OK;
}

/* ==== the factorisation the solvers share ================================
 *
 * Least squares and ridge need, of the thin SVD A = U S Vᵀ (r = min(m, p)), only
 * S, c = Uᵀb and products V d — not U, an m×r matrix as large as the design, whose
 * formation is most of an SVD's cost when m ≫ p.  So A is first reduced by QR
 * (m >= p: A = Q R) or LQ (m < p: A = L Q), the small r×r factor gets the SVD
 * (R = U_r S V_rᵀ, dgesdd), c = U_rᵀ (Qᵀb)_{1..p} (tall) or U_rᵀ b (wide), and
 * V d = V_r d (tall) or Qᵀ [V_r d; 0] (wide), the reflectors applied to vectors.
 * This is LAPACK's own route for a tall SVD without its U: about 2mp² flops
 * against ≈ 6mp² for dgesdd('S').  Leave-one-out needs U's rows (hat diagonals)
 * and keeps the full SVD (thin_svd). */

extern void dgeqrf_(const int *m, const int *n, double *a, const int *lda, double *tau,
                    double *work, const int *lwork, int *info);
extern void dgelqf_(const int *m, const int *n, double *a, const int *lda, double *tau,
                    double *work, const int *lwork, int *info);
extern void dormqr_(const char *side, const char *trans, const int *m, const int *n,
                    const int *k, const double *a, const int *lda, const double *tau, double *c,
                    const int *ldc, double *work, const int *lwork, int *info, size_t side_len,
                    size_t trans_len);
extern void dormlq_(const char *side, const char *trans, const int *m, const int *n,
                    const int *k, const double *a, const int *lda, const double *tau, double *c,
                    const int *ldc, double *work, const int *lwork, int *info, size_t side_len,
                    size_t trans_len);

typedef struct svd_fac {
  size_t m, p, r;
  double *S;       /* r singular values, descending */
  double *c;       /* r: Uᵀb */
  /* QR / LQ route (U == NULL) */
  double *F;       /* column-major m×p: the reflectors (wide: kept for V d) */
  double *tau;     /* r */
  double *Vt;      /* r×r column-major: V_rᵀ */
  double *work;
  int lwork;
  /* full SVD route (leave-one-out) */
  gsl_matrix *U, *V;
} svd_fac;

static void fac_free(svd_fac *f) {
  free(f->S);
  free(f->c);
  free(f->F);
  free(f->tau);
  free(f->Vt);
  free(f->work);
  gsl_matrix_free(f->U);
  gsl_matrix_free(f->V);
  memset(f, 0, sizeof *f);
}

/* QR / LQ + SVD of the small factor.  F (column-major m×p) is taken over; b is
 * overwritten (tall: Qᵀb).  SB_ENUMERIC if LAPACK reports a failure. */
static int fac_qr(svd_fac *f, double *F, double *b, size_t m, size_t p) {
  const size_t r = m < p ? m : p;
  const int M = (int)m, N = (int)p, R = (int)r, one = 1;
  int info = 0, lw = -1;
  memset(f, 0, sizeof *f);
  f->m = m, f->p = p, f->r = r, f->F = F;
  f->S = malloc(r * sizeof *f->S);
  f->c = malloc(r * sizeof *f->c);
  f->tau = malloc(r * sizeof *f->tau);
  f->Vt = malloc(r * r * sizeof *f->Vt);
  double *Sm = calloc(r * r, sizeof *Sm), *Ur = malloc(r * r * sizeof *Ur);
  int *iwork = malloc(8 * r * sizeof *iwork);
  int rc = SB_ENOMEM;
  if (!f->S || !f->c || !f->tau || !f->Vt || !Sm || !Ur || !iwork) goto out;
  /* workspace: the largest of the three queries */
  double q1 = 0, q2 = 0, q3 = 0;
  if (m >= p) {
    dgeqrf_(&M, &N, F, &M, f->tau, &q1, &lw, &info);
    dormqr_("L", "T", &M, &one, &N, F, &M, f->tau, b, &M, &q2, &lw, &info, 1, 1);
  } else {
    dgelqf_(&M, &N, F, &M, f->tau, &q1, &lw, &info);
    dormlq_("L", "T", &N, &one, &M, F, &M, f->tau, b, &N, &q2, &lw, &info, 1, 1);
  }
  dgesdd_("S", &R, &R, Sm, &R, f->S, Ur, &R, f->Vt, &R, &q3, &lw, iwork, &info, 1);
  f->lwork = (int)fmax(fmax(q1, q2), q3) + 1;
  f->work = malloc((size_t)f->lwork * sizeof *f->work);
  if (!f->work) goto out;
  rc = SB_ENUMERIC;
  /* the small factor: R (upper) or L (lower), r×r */
  if (m >= p) dgeqrf_(&M, &N, F, &M, f->tau, f->work, &f->lwork, &info);
  else dgelqf_(&M, &N, F, &M, f->tau, f->work, &f->lwork, &info);
  if (info) goto out;
  for (size_t j = 0; j < r; j++)
    for (size_t i = 0; i < r; i++)
      if (m >= p ? i <= j : i >= j) Sm[i + j * r] = F[i + j * m];
  dgesdd_("S", &R, &R, Sm, &R, f->S, Ur, &R, f->Vt, &R, f->work, &f->lwork, iwork, &info, 1);
  if (info) goto out;
  /* c = U_rᵀ (Qᵀb)_{1..r} (tall) or U_rᵀ b (wide) */
  if (m >= p) {
    dormqr_("L", "T", &M, &one, &N, F, &M, f->tau, b, &M, f->work, &f->lwork, &info, 1, 1);
    if (info) goto out;
  }
  for (size_t k = 0; k < r; k++) {
    double acc = 0;
    for (size_t i = 0; i < r; i++) acc += Ur[i + k * r] * b[i];
    f->c[k] = acc;
  }
  rc = SB_OK;
out:
  free(Sm);
  free(Ur);
  free(iwork);
  return rc;
}

/* The full thin SVD (U explicit) of the row-major design A (consumed). */
static int fac_full(svd_fac *f, gsl_matrix *A, const double *b, sb_error *err) {
  memset(f, 0, sizeof *f);
  f->m = A->size1, f->p = A->size2;
  gsl_vector *S;
  int rc = thin_svd(A, &f->U, &S, &f->V, err);
  if (rc) return rc;
  f->r = S->size;
  f->S = malloc(f->r * sizeof *f->S);
  f->c = calloc(f->r, sizeof *f->c);
  if (!f->S || !f->c) {
    gsl_vector_free(S);
    fac_free(f);
    return sb_error_set(err, SB_ENOMEM, "SVD: out of memory");
  }
  memcpy(f->S, S->data, f->r * sizeof *f->S); /* thin_svd's S is contiguous */
  gsl_vector_free(S);
  gsl_vector_const_view bv = gsl_vector_const_view_array(b, f->m);
  gsl_vector_view cv = gsl_vector_view_array(f->c, f->r);
  gsl_blas_dgemv(CblasTrans, 1.0, f->U, &bv.vector, 0.0, &cv.vector);
  return SB_OK;
}

/* The scaled (centred when xbar) design factorised: the QR route unless `need_u`;
 * the full SVD when U is needed or LAPACK's QR route fails.  b (m) is written. */
static int fac_build(svd_fac *f, const gsl_matrix *X, const gsl_vector *y, const gsl_vector *w,
                     const double *xbar, double ybar, int need_u, double *b, sb_error *err) {
  const size_t m = X->size1, p = X->size2;
  if (!need_u && m <= 2000000000 / p) {
    double *F = malloc(m * p * sizeof *F), *bq = malloc((m > p ? m : p) * sizeof *bq);
    if (F && bq) {
      build_scaled(X, y, w, xbar, ybar, F, 1, m, b);
      memcpy(bq, b, m * sizeof *bq);
      int rc = fac_qr(f, F, bq, m, p);
      free(bq);
      if (rc == SB_OK) return SB_OK;
      fac_free(f); /* frees F */
    } else {
      free(F);
      free(bq);
    }
  }
  gsl_matrix *A = gsl_matrix_alloc(m, p);
  if (!A) return sb_error_set(err, SB_ENOMEM, "SVD: out of memory (%zu x %zu)", m, p);
  build_scaled(X, y, w, xbar, ybar, A->data, A->tda, 1, b);
  int rc = fac_full(f, A, b, err);
  if (rc) gsl_matrix_free(A);
  return rc;
}

/* beta = V d (d has r entries). */
static int fac_solve(const svd_fac *f, const double *d, gsl_vector *beta) {
  const size_t r = f->r, p = f->p;
  if (f->V) {
    gsl_vector_const_view dv = gsl_vector_const_view_array(d, r);
    gsl_blas_dgemv(CblasNoTrans, 1.0, f->V, &dv.vector, 0.0, beta);
    return SB_OK;
  }
  double *x = calloc(p, sizeof *x);
  if (!x) return SB_ENOMEM;
  for (size_t j = 0; j < r; j++) { /* x_j = Σ_k V_r(j, k) d_k, V_r(j, k) = Vt[k + j r] */
    double acc = 0;
    for (size_t k = 0; k < r; k++) acc += f->Vt[k + j * r] * d[k];
    x[j] = acc;
  }
  int info = 0;
  if (f->m < f->p) { /* wide: β = Qᵀ [V_r d; 0] */
    const int N = (int)p, M = (int)f->m, one = 1;
    dormlq_("L", "T", &N, &one, &M, f->F, &M, f->tau, x, &N, f->work, &f->lwork, &info, 1, 1);
  }
  for (size_t j = 0; j < p; j++) gsl_vector_set(beta, j, x[j]);
  free(x);
  return info ? SB_ENUMERIC : SB_OK;
}

int sb_lstsq(const gsl_matrix *X, const gsl_vector *y, const gsl_vector *w, double rcond,
             gsl_vector *beta, size_t *rank, sb_error *err) {
  size_t m = X->size1, p = X->size2;
  if (m == 0 || p == 0) return sb_error_set(err, SB_EINVAL, "least squares: empty design");
  double *b = malloc(m * sizeof *b);
  if (!b) return sb_error_set(err, SB_ENOMEM, "least squares: out of memory (%zu x %zu)", m, p);
  svd_fac f;
  int rc = fac_build(&f, X, y, w, NULL, 0.0, 0, b, err);
  free(b);
  if (rc) return rc;
  const size_t r = f.r;
  double smax = r ? f.S[0] : 0.0;
  if (rcond <= 0) rcond = 1e-12;
  size_t rk = 0;
  for (size_t j = 0; j < r; j++) {
    double s = f.S[j];
    if (s > rcond * smax && s > 0) {
      f.c[j] /= s;
      rk++;
    } else {
      f.c[j] = 0.0;
    }
  }
  rc = fac_solve(&f, f.c, beta);
  fac_free(&f);
  if (rc) return sb_error_set(err, SB_ENUMERIC, "least squares: LAPACK failed");
  if (rank) *rank = rk;
  for (size_t j = 0; j < p; j++)
    if (!isfinite(gsl_vector_get(beta, j)))
      return sb_error_set(err, SB_ENUMERIC, "least squares: non-finite solution");
  return SB_OK;
}

/* GCV score of α: m·RSS / (m − df)², RSS = ||b||² − ||c||² + Σ (c_j (1 − shrink_j))².
 * When U is square (r = m: a wide or square design) b lies in its span and
 * ||b||² − ||c||² is exactly 0; it is left out, since in floating point it is
 * rounding noise that, divided by a small (m − df)², would decide the choice of a
 * small α. */
static double gcv_score(const svd_fac *f, double bb, double cc, int intercept, double alpha) {
  double rss = f->r == f->m ? 0.0 : bb - cc, df = intercept ? 1.0 : 0.0;
  for (size_t j = 0; j < f->r; j++) {
    double s2 = f->S[j] * f->S[j], shrink = s2 > 0 ? s2 / (s2 + alpha) : 0.0;
    double cj = f->c[j] * (1.0 - shrink);
    rss += cj * cj;
    df += shrink;
  }
  double den = (double)f->m - df;
  return den > 0 ? (double)f->m * rss / (den * den) : INFINITY;
}

/* Leave-one-out score of α: Σ_i (e_i / (1 − h_ii))², hat diagonals from U's rows
 * plus the intercept's leverage lev_w. */
static double loo_score(const svd_fac *f, const double *b, const double *lev_w, double alpha,
                        double *shrink) {
  const size_t r = f->r;
  for (size_t j = 0; j < r; j++) {
    double s2 = f->S[j] * f->S[j];
    shrink[j] = s2 > 0 ? s2 / (s2 + alpha) : 0.0;
  }
  double score = 0;
  for (size_t i = 0; i < f->m; i++) {
    const double *urow = gsl_matrix_const_ptr(f->U, i, 0);
    double fit = 0, h = lev_w[i];
    for (size_t j = 0; j < r; j++) {
      fit += urow[j] * shrink[j] * f->c[j];
      h += urow[j] * urow[j] * shrink[j];
    }
    double e = b[i] - fit, d = 1.0 - h;
    if (d < 1e-12) d = 1e-12;
    score += (e / d) * (e / d);
  }
  return score;
}

int sb_ridge_cv(const gsl_matrix *X, const gsl_vector *y, const gsl_vector *w, int intercept,
                const double *alphas, size_t n_alpha, sb_ridge_criterion crit,
                gsl_vector *beta, double *b0, double *alpha_out, sb_error *err) {
  size_t m = X->size1, p = X->size2;
  if (m == 0 || p == 0 || n_alpha == 0)
    return sb_error_set(err, SB_EINVAL, "ridge: empty design or alpha grid");
  const int loo = n_alpha > 1 && crit == SB_RIDGE_LOO;
  double *xbar = calloc(p, sizeof *xbar), ybar = 0, W = (double)m;
  double *b = malloc(m * sizeof *b), *lev_w = calloc(m, sizeof *lev_w);
  double *shrink = malloc((m < p ? m : p) * sizeof *shrink);
  if (!xbar || !b || !lev_w || !shrink) {
    free(xbar), free(b), free(lev_w), free(shrink);
    return sb_error_set(err, SB_ENOMEM, "ridge: out of memory (%zu x %zu)", m, p);
  }
  if (intercept) weighted_means(X, y, w, xbar, &ybar, &W);
  svd_fac f;
  int rc = fac_build(&f, X, y, w, intercept ? xbar : NULL, ybar, loo, b, err);
  if (rc) {
    free(xbar), free(b), free(lev_w), free(shrink);
    return rc;
  }
  const size_t r = f.r;
  /* Singular values below RIDGE_RCOND * s_max are zero: with α = 0 (plain least
   * squares) on a rank-deficient design, dividing by a rounding-level s_j would
   * put ~residual/1e-16 into the null space (|β| ~ 1e13 for duplicated columns). */
  double smax = r ? f.S[0] : 0;
  for (size_t j = 1; j < r; j++) smax = fmax(smax, f.S[j]);
  for (size_t j = 0; j < r; j++)
    if (!(f.S[j] > RIDGE_RCOND * smax)) f.S[j] = 0.0;
  double bb = 0, cc = 0;
  for (size_t i = 0; i < m; i++) bb += b[i] * b[i];
  for (size_t j = 0; j < r; j++) cc += f.c[j] * f.c[j];
  /* Intercept leverage: centring adds w_i / Σw to every hat diagonal. */
  for (size_t i = 0; i < m; i++)
    lev_w[i] = intercept ? (w ? gsl_vector_get(w, i) : 1.0) / W : 0.0;
  double best = INFINITY, best_alpha = alphas[0];
  if (n_alpha > 1)
    for (size_t a = 0; a < n_alpha; a++) {
      double score = loo ? loo_score(&f, b, lev_w, alphas[a], shrink)
                         : gcv_score(&f, bb, cc, intercept, alphas[a]);
      if (score < best) {
        best = score;
        best_alpha = alphas[a];
      }
    }
  for (size_t j = 0; j < r; j++) {
    double s = f.S[j];
    shrink[j] = s > 0 ? f.c[j] * s / (s * s + best_alpha) : 0.0;
  }
  rc = fac_solve(&f, shrink, beta);
  fac_free(&f);
  double intercept_v = 0.0;
  if (intercept) {
    intercept_v = ybar;
    for (size_t j = 0; j < p; j++) intercept_v -= xbar[j] * gsl_vector_get(beta, j);
  }
  if (b0) *b0 = intercept_v;
  if (alpha_out) *alpha_out = best_alpha;
  free(lev_w);
  free(xbar);
  free(b);
  free(shrink);
  if (rc) return sb_error_set(err, SB_ENUMERIC, "ridge: LAPACK failed");
  for (size_t j = 0; j < p; j++)
    if (!isfinite(gsl_vector_get(beta, j)))
      return sb_error_set(err, SB_ENUMERIC, "ridge: non-finite solution");
  return SB_OK;
}

/* ==== lasso ============================================================== */

/* Covariance updates when m >= COV_MIN_RATIO·p and p <= COV_MAX_P (the Gram is p²). */
#define COV_MIN_RATIO 2
#define COV_MAX_P 4096

typedef struct cd_problem {
  size_t m, p;
  double *G;     /* covariance mode: p×p AᵀA/W (else NULL) */
  double *g;     /* covariance mode: Aᵀb/W */
  double *A;     /* column-major m×p: sqrt(w)(x_j - xbar_j) */
  double *b;     /* sqrt(w)(y - ybar) */
  double *z;     /* column squared norms / W */
  double W;      /* Σ w */
  double *xbar;  /* for the intercept */
  double ybar;
} cd_problem;

static void cd_free(cd_problem *P) {
  free(P->G);
  free(P->g);
  free(P->A);
  free(P->b);
  free(P->z);
  free(P->xbar);
}

/* Rows listed in `rows` (NULL = all). */
static int cd_build(cd_problem *P, const gsl_matrix *X, const gsl_vector *y, const gsl_vector *w,
                    int intercept, const size_t *rows, size_t nrows) {
  size_t p = X->size2, m = rows ? nrows : X->size1;
  memset(P, 0, sizeof *P);
  P->m = m;
  P->p = p;
  P->A = malloc(m * p * sizeof *P->A);
  P->b = malloc(m * sizeof *P->b);
  P->z = calloc(p, sizeof *P->z);
  P->xbar = calloc(p, sizeof *P->xbar);
  if (!P->A || !P->b || !P->z || !P->xbar) {
    cd_free(P);
    return SB_ENOMEM;
  }
  double W = 0, yb = 0;
  for (size_t k = 0; k < m; k++) {
    size_t i = rows ? rows[k] : k;
    double wi = w ? gsl_vector_get(w, i) : 1.0;
    W += wi;
    yb += wi * gsl_vector_get(y, i);
    if (intercept)
      for (size_t j = 0; j < p; j++) P->xbar[j] += wi * gsl_matrix_get(X, i, j);
  }
  P->W = W;
  P->ybar = intercept ? yb / W : 0.0;
  if (intercept)
    for (size_t j = 0; j < p; j++) P->xbar[j] /= W;
  for (size_t k = 0; k < m; k++) {
    size_t i = rows ? rows[k] : k;
    double s = w ? sqrt(gsl_vector_get(w, i)) : 1.0;
    const double *row = gsl_matrix_const_ptr(X, i, 0);
    for (size_t j = 0; j < p; j++) P->A[j * m + k] = s * (row[j] - P->xbar[j]);
    P->b[k] = s * (gsl_vector_get(y, i) - P->ybar);
  }
  for (size_t j = 0; j < p; j++) {
    double z = 0;
    const double *col = P->A + j * m;
    for (size_t k = 0; k < m; k++) z += col[k] * col[k];
    P->z[j] = z / W;
  }
  if (m >= COV_MIN_RATIO * p && p <= COV_MAX_P) {
    P->G = malloc(p * p * sizeof *P->G);
    P->g = malloc(p * sizeof *P->g);
    if (!P->G || !P->g) {
      cd_free(P);
      return SB_ENOMEM;
    }
    /* A column-major m×p is Aᵀ row-major p×m: G = Aᵀ A / W (upper, then mirrored) */
    gsl_matrix_view At = gsl_matrix_view_array(P->A, p, m);
    gsl_matrix_view Gv = gsl_matrix_view_array(P->G, p, p);
    gsl_vector_view bv = gsl_vector_view_array(P->b, m), gv = gsl_vector_view_array(P->g, p);
    gsl_blas_dsyrk(CblasUpper, CblasNoTrans, 1.0 / W, &At.matrix, 0.0, &Gv.matrix);
    for (size_t j = 0; j < p; j++)
      for (size_t k = 0; k < j; k++) P->G[j * p + k] = P->G[k * p + j];
    gsl_blas_dgemv(CblasNoTrans, 1.0 / W, &At.matrix, &bv.vector, 0.0, &gv.vector);
  }
  return SB_OK;
}

/* The solver's state for beta: the residual r = b − Aβ (m), or q = Gβ (p). */
static void cd_state_init(const cd_problem *P, const double *beta, double *state) {
  if (P->G) {
    memset(state, 0, P->p * sizeof *state);
    for (size_t k = 0; k < P->p; k++)
      if (beta[k] != 0.0)
        for (size_t j = 0; j < P->p; j++) state[j] += P->G[k * P->p + j] * beta[k];
    return;
  }
  memcpy(state, P->b, P->m * sizeof *state);
  for (size_t j = 0; j < P->p; j++)
    if (beta[j] != 0.0)
      for (size_t k = 0; k < P->m; k++) state[k] -= beta[j] * P->A[j * P->m + k];
}

/* One CD solve at lambda; beta warm-started; the state (cd_state_init) maintained. */
static void cd_solve(const cd_problem *P, double lambda, const double *pen, double tol,
                     size_t max_iter, double *beta, double *r) {
  const size_t m = P->m, p = P->p;
  const double invW = 1.0 / P->W;
  int full = 1;
  for (size_t it = 0; it < max_iter; it++) {
    double maxdelta = 0, maxbeta = 0;
    for (size_t j = 0; j < p; j++) {
      if (P->z[j] <= 0) continue;
      if (!full && beta[j] == 0.0) continue;
      const double *col = P->G ? P->G + j * p : P->A + j * m;
      double rho;
      if (P->G) {
        rho = P->g[j] - r[j] + P->z[j] * beta[j];
      } else {
        rho = 0;
        for (size_t k = 0; k < m; k++) rho += col[k] * r[k];
        rho = rho * invW + P->z[j] * beta[j];
      }
      double thr = lambda * (pen ? pen[j] : 1.0);
      double nb = rho > thr ? (rho - thr) / P->z[j] : rho < -thr ? (rho + thr) / P->z[j] : 0.0;
      double d = nb - beta[j];
      if (d != 0.0) {
        if (P->G)
          for (size_t k = 0; k < p; k++) r[k] += d * col[k];
        else
          for (size_t k = 0; k < m; k++) r[k] -= d * col[k];
        beta[j] = nb;
        if (fabs(d) > maxdelta) maxdelta = fabs(d);
      }
      if (fabs(nb) > maxbeta) maxbeta = fabs(nb);
    }
    int converged = maxdelta <= tol * (maxbeta > 1.0 ? maxbeta : 1.0);
    if (converged) {
      if (full) break;
      full = 1; /* verify with a full sweep */
    } else {
      full = 0;
    }
  }
}

static void lasso_defaults(const sb_lasso_opts *in, sb_lasso_opts *out) {
  sb_lasso_opts d = {0, NULL, 1e-7, 10000};
  if (in) d = *in;
  if (d.tol <= 0) d.tol = 1e-7;
  if (d.max_iter == 0) d.max_iter = 10000;
  *out = d;
}

static double cd_lambda_max(const cd_problem *P, const double *pen) {
  double lm = 0;
  for (size_t j = 0; j < P->p; j++) {
    double pj = pen ? pen[j] : 1.0;
    if (pj <= 0) continue;
    const double *col = P->A + j * P->m;
    double g = 0;
    for (size_t k = 0; k < P->m; k++) g += col[k] * P->b[k];
    g = fabs(g) / P->W / pj;
    if (g > lm) lm = g;
  }
  return lm;
}

double sb_lasso_lambda_max(const gsl_matrix *X, const gsl_vector *y, const gsl_vector *w,
                           const sb_lasso_opts *opts) {
  sb_lasso_opts o;
  lasso_defaults(opts, &o);
  cd_problem P;
  if (cd_build(&P, X, y, w, o.intercept, NULL, 0)) return NAN;
  double lm = cd_lambda_max(&P, o.pen);
  cd_free(&P);
  return lm;
}

static double cd_intercept(const cd_problem *P, const double *beta) {
  double b0 = P->ybar;
  for (size_t j = 0; j < P->p; j++) b0 -= P->xbar[j] * beta[j];
  return b0;
}

int sb_lasso(const gsl_matrix *X, const gsl_vector *y, const gsl_vector *w, double lambda,
             const sb_lasso_opts *opts, gsl_vector *beta, double *b0, sb_error *err) {
  sb_lasso_opts o;
  lasso_defaults(opts, &o);
  cd_problem P;
  if (cd_build(&P, X, y, w, o.intercept, NULL, 0))
    return sb_error_set(err, SB_ENOMEM, "lasso: out of memory");
  double *bt = calloc(P.p ? P.p : 1, sizeof *bt), *r = malloc((P.m > P.p ? P.m : P.p) * sizeof *r);
  if (!bt || !r) {
    free(bt), free(r), cd_free(&P);
    return sb_error_set(err, SB_ENOMEM, "lasso: out of memory");
  }
  for (size_t j = 0; j < P.p; j++) bt[j] = gsl_vector_get(beta, j);
  cd_state_init(&P, bt, r);
  cd_solve(&P, lambda, o.pen, o.tol, o.max_iter, bt, r);
  for (size_t j = 0; j < P.p; j++) gsl_vector_set(beta, j, bt[j]);
  if (b0) *b0 = o.intercept ? cd_intercept(&P, bt) : 0.0;
  free(bt), free(r), cd_free(&P);
  return SB_OK;
}

int sb_lasso_cv(const gsl_matrix *X, const gsl_vector *y, const gsl_vector *w,
                const sb_lasso_opts *opts, size_t folds, size_t n_lambda, double eps,
                const gsl_rng *rng, gsl_vector *beta, double *b0, double *lambda_out,
                sb_error *err) {
  sb_lasso_opts o;
  lasso_defaults(opts, &o);
  size_t m = X->size1, p = X->size2;
  if (folds == 0) folds = 5;
  if (n_lambda == 0) n_lambda = 50;
  if (eps <= 0) eps = 1e-4;
  if (m < 2 * folds)
    return sb_error_set(err, SB_EINVAL, "lasso CV: %zu samples are too few for %zu folds", m,
                        folds);
  cd_problem full;
  if (cd_build(&full, X, y, w, o.intercept, NULL, 0))
    return sb_error_set(err, SB_ENOMEM, "lasso: out of memory");
  double lmax = cd_lambda_max(&full, o.pen);
  double *lambdas = malloc(n_lambda * sizeof *lambdas);
  double *cv = calloc(n_lambda, sizeof *cv);
  size_t *perm = malloc(m * sizeof *perm), *train = malloc(m * sizeof *train);
  double *bt = calloc(p, sizeof *bt), *r = malloc((m > p ? m : p) * sizeof *r);
  if (!lambdas || !cv || !perm || !train || !bt || !r) {
    free(lambdas), free(cv), free(perm), free(train), free(bt), free(r), cd_free(&full);
    return sb_error_set(err, SB_ENOMEM, "lasso CV: out of memory");
  }
  if (!(lmax > 0)) lmax = 1e-12;
  for (size_t l = 0; l < n_lambda; l++)
    lambdas[l] = lmax * pow(eps, n_lambda == 1 ? 0.0 : (double)l / (double)(n_lambda - 1));
  for (size_t i = 0; i < m; i++) perm[i] = i;
  for (size_t i = m - 1; i > 0; i--) { /* Fisher–Yates with the run's generator */
    size_t j = (size_t)gsl_rng_uniform_int(rng, (unsigned long)(i + 1));
    size_t t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  int rc = SB_OK;
  for (size_t f = 0; f < folds && rc == SB_OK; f++) {
    size_t nt = 0;
    for (size_t i = 0; i < m; i++)
      if (i % folds != f) train[nt++] = perm[i];
    cd_problem P;
    if (cd_build(&P, X, y, w, o.intercept, train, nt)) {
      rc = sb_error_set(err, SB_ENOMEM, "lasso CV: out of memory");
      break;
    }
    memset(bt, 0, p * sizeof *bt);
    cd_state_init(&P, bt, r);
    for (size_t l = 0; l < n_lambda; l++) {
      cd_solve(&P, lambdas[l], o.pen, o.tol, o.max_iter, bt, r);
      double b0f = o.intercept ? cd_intercept(&P, bt) : 0.0, sse = 0;
      for (size_t i = f; i < m; i += folds) {
        size_t row = perm[i];
        double pred = b0f;
        const double *xr = gsl_matrix_const_ptr(X, row, 0);
        for (size_t j = 0; j < p; j++)
          if (bt[j] != 0.0) pred += xr[j] * bt[j];
        double e = gsl_vector_get(y, row) - pred;
        sse += (w ? gsl_vector_get(w, row) : 1.0) * e * e;
      }
      cv[l] += sse;
    }
    cd_free(&P);
  }
  if (rc == SB_OK) {
    size_t best = 0;
    for (size_t l = 1; l < n_lambda; l++)
      if (cv[l] < cv[best]) best = l;
    memset(bt, 0, p * sizeof *bt);
    cd_state_init(&full, bt, r);
    for (size_t l = 0; l <= best; l++) cd_solve(&full, lambdas[l], o.pen, o.tol, o.max_iter, bt, r);
    for (size_t j = 0; j < p; j++) gsl_vector_set(beta, j, bt[j]);
    if (b0) *b0 = o.intercept ? cd_intercept(&full, bt) : 0.0;
    if (lambda_out) *lambda_out = lambdas[best];
  }
  free(lambdas), free(cv), free(perm), free(train), free(bt), free(r), cd_free(&full);
  return rc;
}
