/* Regression kernels shared by the algorithms (SPEX refit, ProxySPEX refit, the
 * regression baselines).  Built on GSL's SVD; no normal equations.
 *
 *   sb_lstsq        minimum-norm least squares (rank-deficient safe)
 *   sb_ridge_cv     ridge with α chosen by LOO or GCV over a grid (one SVD)
 *   sb_lasso        coordinate descent for (1/2m)||y - b0 - Xβ||² + λ Σ pen_j |β_j|
 *   sb_lasso_cv     λ by k-fold CV over a log-spaced path, then refit on all rows
 *
 * X is m×p (rows = samples).  Optional weights w (length m, > 0) make every
 * method weighted (rows scaled by sqrt(w)).  With `intercept`, a free constant is
 * fitted (columns centred) and returned separately. */
#ifndef SB_REGRESS_H
#define SB_REGRESS_H

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>

#include "core/error.h"

/* Threads OpenBLAS may use in these kernels (and any other BLAS call of the
 * process): the run's thread budget, so forked workers do not oversubscribe the
 * cores (OpenBLAS otherwise starts one thread per core in every worker). */
void sb_linalg_set_threads(int threads);

typedef enum sb_ridge_criterion { SB_RIDGE_LOO = 0, SB_RIDGE_GCV = 1 } sb_ridge_criterion;

/* Minimum-norm solution of min ||W^½(y - Xβ)||; singular values below
 * rcond * s_max are dropped.  beta has length p.  *rank gets the numerical rank. */
int sb_lstsq(const gsl_matrix *X, const gsl_vector *y, const gsl_vector *w, double rcond,
             gsl_vector *beta, size_t *rank, sb_error *err);

/* Ridge: min ||W^½(y - b0 - Xβ)||² + α||β||², α chosen from `alphas` (n_alpha > 0) by
 * `crit`.  If n_alpha == 1 that α is used.  b0 is fitted when intercept != 0 (else 0).
 * Outputs: beta (length p), *b0, *alpha_out (any may be NULL except beta). */
int sb_ridge_cv(const gsl_matrix *X, const gsl_vector *y, const gsl_vector *w, int intercept,
                const double *alphas, size_t n_alpha, sb_ridge_criterion crit,
                gsl_vector *beta, double *b0, double *alpha_out, sb_error *err);

/* logspace(lo, hi, count): out[i] = 10^(lo + i (hi-lo)/(count-1)). */
void sb_logspace(double lo, double hi, size_t count, double *out);

typedef struct sb_lasso_opts {
  int intercept;        /* fit an unpenalised constant */
  const double *pen;    /* per-column penalty factor (NULL = all 1; 0 = unpenalised) */
  double tol;           /* max coefficient change to stop (default 1e-7 relative) */
  size_t max_iter;      /* sweeps (default 10000) */
} sb_lasso_opts;

/* Coordinate descent from the current beta (warm start).  *b0 in/out. */
int sb_lasso(const gsl_matrix *X, const gsl_vector *y, const gsl_vector *w, double lambda,
             const sb_lasso_opts *opts, gsl_vector *beta, double *b0, sb_error *err);
/* Smallest λ giving β = 0 (for the penalised columns). */
double sb_lasso_lambda_max(const gsl_matrix *X, const gsl_vector *y, const gsl_vector *w,
                           const sb_lasso_opts *opts);
/* k-fold CV over n_lambda values from λ_max down to λ_max*eps (defaults 5, 50, 1e-4 when 0),
 * folds drawn with r; refit on all rows at the chosen λ. */
int sb_lasso_cv(const gsl_matrix *X, const gsl_vector *y, const gsl_vector *w,
                const sb_lasso_opts *opts, size_t folds, size_t n_lambda, double eps,
                const gsl_rng *r, gsl_vector *beta, double *b0, double *lambda_out,
                sb_error *err);

#endif
