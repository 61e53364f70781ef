/* Native gradient-boosted trees on binary features for ProxySPEX (../shared/design/ALGORITHMS.md §5
 * step 2; the formulas are XGBoost's, see gbdt.h).  Trees are complete binary
 * heaps: node k splits on feat[k] (−1 = leaf), its x_j = 0 child is 2k+1 and its
 * x_j = 1 child 2k+2.  Growth is level by level; a node's histogram (Σ gradient
 * and count of rows with x_j = 1, for every j) is built for the smaller child
 * only — the larger is parent minus smaller.  Histograms come from the packed
 * training rows through proxyspex/gbdt_hist.h (double sums in row order, the
 * same bits from every kernel; AVX-512 / AVX2 / scalar picked at run time).
 * The Fourier transform walks each heap with the path on a stack and expands
 * every leaf with sb_tree_fourier_add_leaf (the §5 recursion, unrolled). */
#include "proxyspex/gbdt.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxyspex/gbdt_hist.h"
#include "proxyspex/tree_fourier.h"

#define GBDT_MAX_DEPTH SB_GBDT_MAX_DEPTH
#define GBDT_MIN_GAIN 1e-6  /* XGBoost's kRtEps: smallest loss change that splits */

struct sb_gbdt {
  const sb_masks *masks;  /* all samples (not owned) */
  const double *y;        /* labels, indexed by mask row (not owned) */
  size_t m, n;            /* training rows, features */
  size_t *rows;           /* training row -> mask row */
  sb_gbdt_params p;
  double base;            /* base score: mean label */
  double *pred, *grad;    /* per training row */
  size_t *idx, *tmp;      /* row order partitioned by node; scratch */
  uint64_t *xb;           /* m × rw: training row i's mask at xb + i·rw */
  size_t rw;              /* words per mask */
  sb_gbdt_hist_fn hist;   /* histogram kernel (gbdt_hist.h) */
  int ntrees, cap;        /* trees built / allocated */
  size_t npt;             /* nodes per tree: 2^(depth+1) − 1 */
  int *feat;              /* [tree*npt + k]: split feature or −1 */
  double *val;            /* leaf values (η already applied) */
  /* Level scratch: two levels of up to 2^depth nodes. */
  double *hg[2];          /* Σ gradient of rows with x_j = 1: [node*n + j] */
  uint32_t *hc[2];        /* count of rows with x_j = 1 */
  size_t *lo[2], *hi[2];  /* node row ranges in idx */
  double *gs[2];          /* node Σ gradient */
  int *live[2];           /* node still growing */
};

void sb_gbdt_free(sb_gbdt *g) {
  if (!g) return;
  free(g->rows), free(g->pred), free(g->grad), free(g->idx), free(g->tmp);
  free(g->xb);
  free(g->feat), free(g->val);
  for (int b = 0; b < 2; b++) {
    free(g->hg[b]), free(g->hc[b]), free(g->lo[b]), free(g->hi[b]), free(g->gs[b]);
    free(g->live[b]);
  }
  free(g);
}

int sb_gbdt_alloc(const sb_masks *masks, const size_t *rows, size_t nrows, const double *y,
                  const sb_gbdt_params *p, sb_gbdt **out, sb_error *err) {
  *out = NULL;
  if (!rows) nrows = masks->count;
  if (nrows == 0) return sb_error_set(err, SB_EINVAL, "gbdt: no training rows");
  if (p->max_depth < 1 || p->max_depth > GBDT_MAX_DEPTH || !(p->eta > 0) ||
      !(p->lambda >= 0) || !(p->min_child_weight >= 0))
    return sb_error_set(err, SB_EINVAL,
                        "gbdt: bad parameters (max_depth=%d must be 1..%d, eta=%g, lambda=%g)",
                        p->max_depth, GBDT_MAX_DEPTH, p->eta, p->lambda);
  sb_gbdt *g = calloc(1, sizeof *g);
  if (!g) return sb_error_set(err, SB_ENOMEM, "gbdt: out of memory");
  g->masks = masks;
  g->y = y;
  g->m = nrows;
  g->n = masks->n;
  g->p = *p;
  g->npt = ((size_t)2 << p->max_depth) - 1;
  size_t width = (size_t)1 << p->max_depth, m = nrows, n = g->n;
  g->rows = malloc(m * sizeof *g->rows);
  g->pred = malloc(m * sizeof *g->pred);
  g->grad = malloc(m * sizeof *g->grad);
  g->idx = malloc(m * sizeof *g->idx);
  g->tmp = malloc(m * sizeof *g->tmp);
  g->rw = masks->words;
  g->xb = malloc(m * g->rw * sizeof *g->xb);
  g->hist = sb_gbdt_hist_kernel("auto");
  int ok = g->rows && g->pred && g->grad && g->idx && g->tmp && g->xb;
  for (int b = 0; b < 2 && ok; b++) {
    g->hg[b] = malloc(width * n * sizeof *g->hg[b]);
    g->hc[b] = malloc(width * n * sizeof *g->hc[b]);
    g->lo[b] = malloc(width * sizeof *g->lo[b]);
    g->hi[b] = malloc(width * sizeof *g->hi[b]);
    g->gs[b] = malloc(width * sizeof *g->gs[b]);
    g->live[b] = malloc(width * sizeof *g->live[b]);
    ok = g->hg[b] && g->hc[b] && g->lo[b] && g->hi[b] && g->gs[b] && g->live[b];
  }
  if (!ok) {
    sb_gbdt_free(g);
    return sb_error_set(err, SB_ENOMEM, "gbdt: out of memory (%zu rows, %zu features)", m, n);
  }
  double s = 0;
  for (size_t i = 0; i < m; i++) {
    g->rows[i] = rows ? rows[i] : i;
    s += y[g->rows[i]];
  }
  g->base = s / (double)m;
  for (size_t i = 0; i < m; i++)
    memcpy(g->xb + i * g->rw, sb_masks_at(masks, g->rows[i]), g->rw * sizeof *g->xb);
  for (size_t i = 0; i < m; i++) g->pred[i] = g->base;
  *out = g;
  return SB_OK;
}

int sb_gbdt_rounds(const sb_gbdt *g) { return g->ntrees; }

/* ---- one tree ------------------------------------------------------------ */

/* Histogram of idx[lo, hi) into (G, C) of length n. */
static void build_hist(const sb_gbdt *g, size_t lo, size_t hi, double *G, uint32_t *C) {
  g->hist(g->xb, g->rw, g->grad, g->idx, lo, hi, g->n, G, C);
}

static double score(double G, double H, double lambda) { return G * G / (H + lambda); }

static int grow_tree(sb_gbdt *g, int *feat, double *val) {
  const size_t n = g->n, m = g->m;
  const double lam = g->p.lambda, mcw = g->p.min_child_weight, eta = g->p.eta;
  for (size_t i = 0; i < g->npt; i++) feat[i] = -1, val[i] = 0;
  double G0 = 0;
  for (size_t i = 0; i < m; i++) {
    g->grad[i] = g->pred[i] - g->y[g->rows[i]];
    g->idx[i] = i;
    G0 += g->grad[i];
  }
  int cur = 0;
  g->lo[0][0] = 0, g->hi[0][0] = m, g->gs[0][0] = G0, g->live[0][0] = 1;
  build_hist(g, 0, m, g->hg[0], g->hc[0]);
  for (int d = 0; d <= g->p.max_depth; d++) {
    size_t width = (size_t)1 << d, first = width - 1;
    int nxt = 1 - cur;
    for (size_t q = 0; q < width; q++) {
      if (!g->live[cur][q]) {
        if (d < g->p.max_depth) g->live[nxt][2 * q] = g->live[nxt][2 * q + 1] = 0;
        continue;
      }
      size_t lo = g->lo[cur][q], hi = g->hi[cur][q], k = first + q;
      double G = g->gs[cur][q], H = (double)(hi - lo);
      int best = -1;
      double bestgain = GBDT_MIN_GAIN;
      if (d < g->p.max_depth) {
        const double *hg = g->hg[cur] + q * n;
        const uint32_t *hc = g->hc[cur] + q * n;
        double parent = score(G, H, lam);
        for (size_t j = 0; j < n; j++) {
          double H1 = (double)hc[j], H0 = H - H1;
          if (H1 < mcw || H0 < mcw || hc[j] == 0 || hc[j] == hi - lo) continue;
          double gain = score(hg[j], H1, lam) + score(G - hg[j], H0, lam) - parent;
          if (gain > bestgain) bestgain = gain, best = (int)j;
        }
      }
      if (best < 0) {
        val[k] = -eta * G / (H + lam);
        for (size_t a = lo; a < hi; a++) g->pred[g->idx[a]] += val[k];
        if (d < g->p.max_depth) g->live[nxt][2 * q] = g->live[nxt][2 * q + 1] = 0;
        continue;
      }
      feat[k] = best;
      /* Stable partition: x_j = 0 rows first. */
      size_t z = lo, t = 0;
      for (size_t a = lo; a < hi; a++) {
        size_t r = g->idx[a];
        if (sb_mask_get(g->xb + r * g->rw, (size_t)best))
          g->tmp[t++] = r;
        else
          g->idx[z++] = r;
      }
      memcpy(g->idx + z, g->tmp, t * sizeof *g->idx);
      size_t c0 = 2 * q, c1 = 2 * q + 1; /* positions in the next level */
      double G1 = g->hg[cur][q * n + (size_t)best];
      g->lo[nxt][c0] = lo, g->hi[nxt][c0] = z, g->gs[nxt][c0] = G - G1, g->live[nxt][c0] = 1;
      g->lo[nxt][c1] = z, g->hi[nxt][c1] = hi, g->gs[nxt][c1] = G1, g->live[nxt][c1] = 1;
      if (d + 1 < g->p.max_depth) {
        /* Children's histograms: the smaller directly, the larger by subtraction. */
        size_t small = (z - lo <= hi - z) ? c0 : c1, large = small == c0 ? c1 : c0;
        double *Gs = g->hg[nxt] + small * n, *Gl = g->hg[nxt] + large * n;
        uint32_t *Cs = g->hc[nxt] + small * n, *Cl = g->hc[nxt] + large * n;
        build_hist(g, g->lo[nxt][small], g->hi[nxt][small], Gs, Cs);
        const double *Gp = g->hg[cur] + q * n;
        const uint32_t *Cp = g->hc[cur] + q * n;
        for (size_t j = 0; j < n; j++) Gl[j] = Gp[j] - Gs[j], Cl[j] = Cp[j] - Cs[j];
      }
    }
    cur = nxt;
  }
  return SB_OK;
}

int sb_gbdt_boost_to(sb_gbdt *g, int rounds, sb_error *err) {
  if (rounds > g->cap) {
    int cap = g->cap ? g->cap : 64;
    while (cap < rounds) cap *= 2;
    int *f = realloc(g->feat, (size_t)cap * g->npt * sizeof *f);
    if (f) g->feat = f;
    double *v = f ? realloc(g->val, (size_t)cap * g->npt * sizeof *v) : NULL;
    if (!f || !v) return sb_error_set(err, SB_ENOMEM, "gbdt: out of memory for %d trees", cap);
    g->val = v;
    g->cap = cap;
  }
  for (; g->ntrees < rounds; g->ntrees++) {
    size_t off = (size_t)g->ntrees * g->npt;
    int rc = grow_tree(g, g->feat + off, g->val + off);
    if (rc) return rc;
  }
  return SB_OK;
}

void sb_gbdt_predict_add(const sb_gbdt *g, const sb_masks *masks, const size_t *rows,
                         size_t nrows, int t0, int t1, double *out) {
  if (t1 > g->ntrees) t1 = g->ntrees;
  for (size_t i = 0; i < nrows; i++) {
    const uint64_t *x = sb_masks_at(masks, rows ? rows[i] : i);
    double s = t0 == 0 ? g->base : 0;
    for (int t = t0; t < t1; t++) {
      const int *f = g->feat + (size_t)t * g->npt;
      size_t k = 0;
      while (f[k] >= 0) k = 2 * k + 1 + (size_t)sb_mask_get(x, (size_t)f[k]);
      s += g->val[(size_t)t * g->npt + k];
    }
    out[i] += s;
  }
}

/* ---- Fourier transform --------------------------------------------------- */

static int tree_walk(const int *feat, const double *val, size_t k, size_t *path, int *side,
                     size_t depth, sb_spectrum *acc, sb_error *err) {
  if (feat[k] < 0) return val[k] != 0 ? sb_tree_fourier_add_leaf(acc, path, side, depth,
                                                                 val[k], err)
                                      : SB_OK;
  path[depth] = (size_t)feat[k];
  side[depth] = 0;
  int rc = tree_walk(feat, val, 2 * k + 1, path, side, depth + 1, acc, err);
  if (rc) return rc;
  side[depth] = 1;
  return tree_walk(feat, val, 2 * k + 2, path, side, depth + 1, acc, err);
}

int sb_gbdt_fourier(const sb_gbdt *g, sb_spectrum **out, sb_error *err) {
  *out = NULL;
  sb_spectrum *s = sb_spectrum_alloc(SB_BASIS_FOURIER, g->n);
  uint64_t *empty = calloc(g->masks->words, sizeof *empty);
  if (!s || !empty || sb_spectrum_add(s, empty, g->base)) {
    sb_spectrum_free(s);
    free(empty);
    return sb_error_set(err, SB_ENOMEM, "gbdt: out of memory");
  }
  free(empty);
  size_t path[GBDT_MAX_DEPTH + 1];
  int side[GBDT_MAX_DEPTH + 1];
  for (int t = 0; t < g->ntrees; t++) {
    size_t off = (size_t)t * g->npt;
    int rc = tree_walk(g->feat + off, g->val + off, 0, path, side, 0, s, err);
    if (rc) {
      sb_spectrum_free(s);
      return rc;
    }
  }
  *out = s;
  return SB_OK;
}
