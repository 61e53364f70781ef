/* The figures of a results folder, drawn by gnuplot from the summary cells.
 *
 * One figure kind per question (the table KINDS below): R² against queries
 * (faithfulness.*, held-out or exact), the fraction of runs that recover the
 * true support exactly against queries (recovery.*), wall seconds against n on
 * log–log axes (scaling.*), and the removal curve, the true output change
 * against the number of removed features (removal.*).  `plot_metric` picks the
 * main figure; the removal figure is drawn whenever the runs carry a removal
 * curve.
 *
 * Every kind is a list of points (panel, family, label, x, median, q1, q3)
 * drawn the same way: one panel per panel key × algorithm family (kinds that
 * compare families directly share one panel), at most 8 curves each (more
 * labels continue in another panel), every curve with its own colour, point
 * type and dash pattern (the same label keeps its style in every panel).  A
 * panel's y range comes from the bulk of its medians: for R², a median below
 * Tukey's outlier fence (Q1 - 1.5·IQR of the panel's medians, and never a
 * non-negative one) is drawn as a ▼ on the lower edge and the panel says so;
 * the CSVs keep the true values.  PNG (pngcairo) and SVG (text stays text). */
#include <errno.h>
#include <fcntl.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/fsutil.h"
#include "runner/report.h"

#define MAX_CURVES 8 /* curves per panel */
#define FENCE 1.5    /* Tukey's outlier fence, in IQRs below Q1 */

static const char *const COLOURS[MAX_CURVES] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                                "#E69F00", "#56B4E9", "#000000", "#999999"};
static const int POINTS[MAX_CURVES] = {7, 5, 9, 13, 6, 4, 8, 12}; /* 11 = off scale */
static const char *const DASHES[MAX_CURVES] = {"1", "2", "3", "4", "5", "(20,6,4,6)", "(4,4)",
                                               "(12,4,2,4,2,4)"};
#define OFFSCALE_PT 11

/* ==== figure kinds ======================================================== */

typedef enum kind_id { FIG_R2, FIG_RECOVERY, FIG_SECONDS, FIG_REMOVAL, N_KINDS } kind_id;

typedef struct fig_kind {
  const char *stem;     /* file stem */
  const char *what;     /* the title's "what against what" */
  const char *xlabel, *ylabel;
  int xlog;             /* log2 x axis */
  int ylog;             /* log10 y axis */
  int by_family;        /* one panel per algorithm family */
  int clip_low;         /* off-scale markers for medians far below the bulk */
  double y_lo, y_hi;    /* fixed range (NaN = from the data) */
} fig_kind;

static const fig_kind KINDS[N_KINDS] = {
    [FIG_R2] = {"faithfulness", "faithfulness vs queries", "queries used", "R²", 1, 0, 1, 1, NAN,
                NAN},
    [FIG_RECOVERY] = {"recovery", "exact support recovery vs queries", "queries used",
                      "fraction of runs with the exact support", 1, 0, 1, 0, -0.05, 1.05},
    [FIG_SECONDS] = {"scaling", "seconds vs n (log-log)", "n (features)", "wall seconds", 1, 1, 1,
                     0, NAN, NAN},
    [FIG_REMOVAL] = {"removal", "removal: true output change vs features removed",
                     "features removed (r)", "|f(all) − f(all − S)| / |f(all) − f(∅)|", 0, 0, 0,
                     0, NAN, NAN},
};

const char *sb_plot_stem(sb_plot_metric m) {
  return KINDS[m == SB_PLOT_RECOVERY ? FIG_RECOVERY : m == SB_PLOT_SECONDS ? FIG_SECONDS : FIG_R2]
      .stem;
}

const char *sb_plot_removal_stem(void) { return KINDS[FIG_REMOVAL].stem; }

/* ==== points =============================================================== */

typedef struct point {
  char *panel; /* owned */
  sb_algo_family family;
  const char *label;
  double x, y, q1, q3;
} point;

typedef struct points {
  point *v;
  size_t n, cap;
} points;

static int points_add(points *ps, const char *panel, sb_algo_family fam, const char *label,
                      double x, double y, double q1, double q3) {
  if (!isfinite(x) || !isfinite(y)) return SB_OK;
  if (ps->n == ps->cap) {
    size_t cap = ps->cap ? 2 * ps->cap : 64;
    point *v = realloc(ps->v, cap * sizeof *v);
    if (!v) return SB_ENOMEM;
    ps->v = v;
    ps->cap = cap;
  }
  char *p = strdup(panel);
  if (!p) return SB_ENOMEM;
  ps->v[ps->n++] = (point){p, fam, label, x, y, isfinite(q1) ? q1 : y, isfinite(q3) ? q3 : y};
  return SB_OK;
}

static void points_free(points *ps) {
  for (size_t i = 0; i < ps->n; i++) free(ps->v[i].panel);
  free(ps->v);
}

/* The points of figure `k` from the summary. */
static int make_points(kind_id k, const sb_report_meta *m, const sb_summary *s, points *ps) {
  int rc = SB_OK;
  char panel[600];
  for (size_t i = 0; i < s->n_cells && rc == SB_OK; i++) {
    const sb_summary_cell *c = &s->cells[i];
    double qx = c->queries_median > 0 ? c->queries_median : NAN;
    switch (k) {
    case FIG_R2:
      rc = points_add(ps, c->group, c->family, c->label, qx, sb_summary_median(c, m->plot_exact),
                      sb_summary_q1(c, m->plot_exact), sb_summary_q3(c, m->plot_exact));
      break;
    case FIG_RECOVERY:
      rc = points_add(ps, c->group, c->family, c->label, qx, c->recovery_rate, NAN, NAN);
      break;
    case FIG_SECONDS:
      snprintf(panel, sizeof panel, "budget %zu", c->budget);
      if (c->n_max != SB_SIZE_UNSET && c->wall_s_median > 0)
        rc = points_add(ps, panel, c->family, c->label, (double)c->n_max, c->wall_s_median,
                        c->wall_s_q1 > 0 ? c->wall_s_q1 : NAN, c->wall_s_q3);
      break;
    case FIG_REMOVAL:
      snprintf(panel, sizeof panel, "%s, budget %zu", c->group, c->budget);
      for (size_t r = 0; r < c->removal_median.n && rc == SB_OK; r++)
        rc = points_add(ps, panel, c->family, c->label, (double)(r + 1), c->removal_median.v[r],
                        c->removal_q1.v[r], c->removal_q3.v[r]);
      break;
    case N_KINDS: break;
    }
  }
  return rc;
}

/* ==== panels =============================================================== */

/* A panel: one panel key, one family (or all), up to MAX_CURVES labels. */
typedef struct panel {
  const char *key;
  int family; /* sb_algo_family, or -1: every family */
  size_t chunk, n_chunks;
  const char *labels[MAX_CURVES];
  size_t n_labels;
  double ylo, yhi, clip; /* y range; medians below `clip` are off scale */
  size_t clipped;
} panel;

typedef struct strset {
  const char **v;
  size_t n;
} strset;

static size_t strset_add(strset *s, const char *x) {
  for (size_t i = 0; i < s->n; i++)
    if (!strcmp(s->v[i], x)) return i;
  s->v[s->n] = x;
  return s->n++;
}

static int in_panel(const point *p, const panel *pa) {
  if (strcmp(p->panel, pa->key) || (pa->family >= 0 && (int)p->family != pa->family)) return 0;
  for (size_t l = 0; l < pa->n_labels; l++)
    if (!strcmp(p->label, pa->labels[l])) return 1;
  return 0;
}

/* y range of a panel (see the file comment). */
static void panel_range(panel *pa, const fig_kind *k, const points *ps, double *scratch) {
  size_t m = 0;
  for (size_t i = 0; i < ps->n; i++)
    if (in_panel(&ps->v[i], pa)) scratch[m++] = ps->v[i].y;
  pa->clip = -INFINITY;
  if (!isnan(k->y_lo)) {
    pa->ylo = k->y_lo;
    pa->yhi = k->y_hi;
    return;
  }
  if (k->ylog) { /* every positive value, bands included */
    double lo = INFINITY, hi = 0;
    for (size_t i = 0; i < ps->n; i++) {
      const point *p = &ps->v[i];
      if (!in_panel(p, pa)) continue;
      double v[3] = {p->y, p->q1, p->q3};
      for (int t = 0; t < 3; t++)
        if (v[t] > 0) lo = fmin(lo, v[t]), hi = fmax(hi, v[t]);
    }
    if (!(lo < INFINITY)) lo = 1e-3, hi = 1;
    pa->ylo = pow(10, floor(log10(lo) * 4) / 4);
    pa->yhi = pow(10, ceil(log10(hi) * 4) / 4);
    if (pa->yhi <= pa->ylo) pa->yhi = pa->ylo * 10;
    return;
  }
  if (k->clip_low && m >= 4) {
    gsl_sort(scratch, 1, m);
    double q1 = gsl_stats_quantile_from_sorted_data(scratch, 1, m, 0.25);
    double q3 = gsl_stats_quantile_from_sorted_data(scratch, 1, m, 0.75);
    double fence = q1 - FENCE * (q3 - q1);
    pa->clip = fence < 0 ? fence : 0;
  }
  double lo = INFINITY, hi = k->clip_low ? 1.0 : -INFINITY; /* R² tops out at 1 */
  for (size_t i = 0; i < ps->n; i++) {
    const point *p = &ps->v[i];
    if (!in_panel(p, pa) || p->y < pa->clip) continue; /* bands are clipped, not fitted */
    lo = fmin(lo, p->y);
    hi = fmax(hi, k->clip_low ? p->y : fmax(p->y, p->q3));
  }
  if (!isfinite(lo)) lo = 0;
  if (!isfinite(hi)) hi = 1;
  pa->ylo = floor(lo * 10.0) / 10.0 - 0.05;
  pa->yhi = hi + 0.05;
  if (pa->clip > -INFINITY && pa->ylo < pa->clip) pa->ylo = pa->clip;
}

/* Panels in row-major order: keys (first seen) × families × chunks. */
static panel *make_panels(const fig_kind *k, const points *ps, size_t *n_out, size_t *cols_out,
                          size_t *rows_out) {
  size_t nf = k->by_family ? SB_ALGO_N_FAMILIES : 1;
  strset keys = {calloc(ps->n + 1, sizeof(char *)), 0};
  strset fam_labels[SB_ALGO_N_FAMILIES];
  for (size_t f = 0; f < nf; f++) fam_labels[f] = (strset){calloc(ps->n + 1, sizeof(char *)), 0};
  panel *pa = calloc(ps->n * 2 + 1, sizeof *pa);
  int ok = keys.v && pa;
  for (size_t f = 0; f < nf; f++) ok = ok && fam_labels[f].v;
  size_t np = 0, cols = 1;
  if (ok) {
    for (size_t i = 0; i < ps->n; i++) {
      strset_add(&keys, ps->v[i].panel);
      strset_add(&fam_labels[k->by_family ? ps->v[i].family : 0], ps->v[i].label);
    }
    static const sb_algo_family order[] = {SB_ALGO_SPECTRAL, SB_ALGO_INDEX, SB_ALGO_MARGINAL,
                                           SB_ALGO_OTHER};
    for (size_t g = 0; g < keys.n; g++) {
      size_t in_row = 0;
      for (size_t o = 0; o < nf; o++) {
        int f = k->by_family ? (int)order[o] : -1;
        const strset *ls = &fam_labels[k->by_family ? (size_t)f : 0];
        size_t chunks = (ls->n + MAX_CURVES - 1) / MAX_CURVES;
        for (size_t ch = 0; ch < chunks; ch++) {
          panel p = {keys.v[g], f, ch, chunks, {0}, 0, 0, 0, 0, 0};
          for (size_t l = ch * MAX_CURVES; l < ls->n && l < (ch + 1) * MAX_CURVES; l++)
            p.labels[p.n_labels++] = ls->v[l];
          int any = 0; /* the key has points of these labels */
          for (size_t i = 0; i < ps->n && !any; i++) any = in_panel(&ps->v[i], &p);
          if (any) pa[np++] = p, in_row++;
        }
      }
      if (in_row > cols) cols = in_row;
    }
  }
  *rows_out = keys.n ? keys.n : 1;
  free(keys.v);
  for (size_t f = 0; f < nf; f++) free(fam_labels[f].v);
  if (!ok) {
    free(pa);
    return NULL;
  }
  *n_out = np;
  *cols_out = cols;
  return pa;
}

/* Style index of a label within its panel (same label, same style everywhere
 * as long as its family has at most MAX_CURVES labels). */
static size_t style_of(size_t l) { return l % MAX_CURVES; }

/* ==== files ================================================================ */

static int write_dat(const char *path, panel *pa, size_t np, const points *ps, size_t *blocks,
                     sb_error *err) {
  sb_atomic_file af;
  int rc = sb_atomic_open(&af, path, err);
  if (rc) return rc;
  size_t b = 0;
  fprintf(af.fp, "# x; y = median (clipped to the panel); q1, q3 (clipped); off-scale marker y "
                 "or ?; true median\n");
  for (size_t i = 0; i < np; i++) {
    panel *p = &pa[i];
    for (size_t l = 0; l < p->n_labels; l++) {
      int any = 0;
      for (size_t j = 0; j < ps->n; j++) {
        const point *q = &ps->v[j];
        if (strcmp(q->panel, p->key) || strcmp(q->label, p->labels[l]) ||
            (p->family >= 0 && (int)q->family != p->family))
          continue;
        int off = q->y < p->ylo && p->clip > -INFINITY;
        if (off) p->clipped++;
        if (!any) fprintf(af.fp, "# %s | %s\n", p->key, p->labels[l]);
        double lo = p->ylo;
        fprintf(af.fp, "%.6g %.6g %.6g %.6g ", q->x, fmax(q->y, lo), fmax(q->q1, lo),
                fmax(fmax(q->q3, lo), fmax(q->y, lo)));
        if (off) fprintf(af.fp, "%.6g", lo);
        else fputc('?', af.fp);
        fprintf(af.fp, " %.6g\n", q->y);
        any = 1;
      }
      if (any) fprintf(af.fp, "\n\n"); /* gnuplot's `index` counts only written blocks */
      blocks[i * MAX_CURVES + l] = any ? ++b : 0;
    }
  }
  return sb_atomic_commit(&af, err);
}

/* A gnuplot single-quoted string (no escapes inside; a quote is doubled). */
static void gp_str(FILE *fp, const char *s) {
  fputc('\'', fp);
  for (; *s; s++) {
    if (*s == '\'') fputc('\'', fp);
    fputc(*s == '\n' || *s == '\r' ? ' ' : *s, fp);
  }
  fputc('\'', fp);
}

static void write_terminal(FILE *fp, const char *stem, int svg, size_t width, size_t height) {
  if (svg) fprintf(fp, "set terminal svg size %zu,%zu dynamic font 'sans,11'\n", width, height);
  else fprintf(fp, "set terminal pngcairo size %zu,%zu font 'sans,10'\n", width, height);
  fprintf(fp, "set output '%s.%s.tmp'\n", stem, svg ? "svg" : "png");
}

static void write_axes(FILE *fp, const fig_kind *k, const sb_report_meta *m) {
  if (k->xlog) fprintf(fp, "set logscale x 2\nset format x '2^{%%L}'\n");
  else fprintf(fp, "unset logscale x\nset format x '%%g'\nset xtics 1\n");
  if (k->ylog) fprintf(fp, "set logscale y 10\nset format y '10^{%%L}'\n");
  fprintf(fp, "set grid\nset key below horizontal maxcols 3 font ',8' spacing 1.0 samplen 3 "
              "noenhanced\nset xlabel ");
  gp_str(fp, k->xlabel);
  fprintf(fp, "\nset ylabel ");
  if (k == &KINDS[FIG_R2]) gp_str(fp, m->plot_exact ? "exact R²" : "held-out R²");
  else gp_str(fp, k->ylabel);
  fprintf(fp, "\nset style fill transparent solid 0.15 noborder\n"
              "set style textbox opaque noborder\n"
              "set offsets graph 0.03, graph 0.03, 0, 0\n");
}

static int write_gp(const char *path, const fig_kind *k, const sb_report_meta *m,
                    const panel *pa, size_t np, size_t cols, size_t rows, const size_t *blocks,
                    size_t clipped, sb_error *err) {
  sb_atomic_file af;
  int rc = sb_atomic_open(&af, path, err);
  if (rc) return rc;
  FILE *fp = af.fp;
  size_t width = 480 * cols, height = 420 * rows + 40;
  fprintf(fp, "# generated by spexbench from summary statistics; rerun: gnuplot %s.gp\n"
              "set datafile missing '?'\n",
          k->stem);
  for (int svg = 0; svg < 2; svg++) {
    write_terminal(fp, k->stem, svg, width, height);
    char title[1024];
    if (k == &KINDS[FIG_R2])
      snprintf(title, sizeof title, "%s: %s (%s R², %s; median and interquartile band%s)",
               m->name, k->what, m->plot_exact ? "exact" : "held-out",
               m->plot_exact ? "Parseval" : sb_heldout_dist_name(m->heldout_dist),
               clipped ? "; ▼ = median below the axis" : "");
    else if (k == &KINDS[FIG_RECOVERY]) /* a fraction of runs: no median, no band */
      snprintf(title, sizeof title, "%s: %s", m->name, k->what);
    else
      snprintf(title, sizeof title, "%s: %s (median and interquartile band)", m->name, k->what);
    fprintf(fp, "set multiplot layout %zu,%zu title ", rows, cols);
    gp_str(fp, title);
    fprintf(fp, " noenhanced\n");
    write_axes(fp, k, m);
    size_t col = 0; /* panels so far in this key's row */
    for (size_t i = 0; i < np; i++) {
      const panel *p = &pa[i];
      if (i > 0 && strcmp(p->key, pa[i - 1].key)) { /* new row: pad the last one */
        for (; col < cols; col++) fprintf(fp, "set multiplot next\n");
        col = 0;
      }
      col++;
      snprintf(title, sizeof title, "%s%s%s%s", p->key, p->family >= 0 ? " — " : "",
               p->family >= 0 ? sb_algo_family_name((sb_algo_family)p->family) : "",
               p->n_chunks > 1 && p->chunk ? " (cont.)" : "");
      fprintf(fp, "set title ");
      gp_str(fp, title);
      fprintf(fp, " noenhanced\n");
      fprintf(fp, "set yrange [%.6g:%.6g]\nset bmargin %zu\n", p->ylo, p->yhi,
              4 + (p->n_labels + 2) / 3); /* x label + the key's rows (3 per row) */
      if (p->clipped)
        fprintf(fp, "set label 1 \"▼ median below %.2f (off scale; see summary.csv)\" at graph "
                    "0.02, graph 0.05 font ',8' front boxed noenhanced\n",
                p->ylo);
      int first = 1;
      for (size_t l = 0; l < p->n_labels; l++) {
        size_t b = blocks[i * MAX_CURVES + l];
        if (!b) continue;
        size_t st = style_of(l);
        fprintf(fp,
                "%s '%s.dat' index %zu using 1:3:4 with filledcurves lc rgb '%s' "
                "notitle, '' index %zu using 1:2 with linespoints lc rgb '%s' dt %s pt %d ps 0.8 "
                "lw 2 title ",
                first ? "plot" : ",", k->stem, b - 1, COLOURS[st], b - 1, COLOURS[st],
                DASHES[st], POINTS[st]);
        gp_str(fp, p->labels[l]);
        fprintf(fp, ", '' index %zu using 1:5 with points lc rgb '%s' pt %d ps 1.3 notitle", b - 1,
                COLOURS[st], OFFSCALE_PT);
        first = 0;
      }
      if (first) fprintf(fp, "set label 2 'no successful runs' at graph 0.3,0.5\nplot NaN notitle");
      fprintf(fp, "\nunset label 1\nunset label 2\n");
    }
    fprintf(fp, "unset multiplot\nset output\n");
  }
  return sb_atomic_commit(&af, err);
}

/* gnuplot SCRIPT in DIR, stderr to DIR/gnuplot.log (no shell: any path is safe).
 * Returns gnuplot's exit status, or -1 if it could not be started. */
static int run_gnuplot(const char *dir, const char *script) {
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    if (chdir(dir) != 0) _exit(126);
    int log = open("gnuplot.log", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int null = open("/dev/null", O_RDWR);
    if (log >= 0) dup2(log, 2);
    if (null >= 0) dup2(null, 0), dup2(null, 1);
    execlp("gnuplot", "gnuplot", script, (char *)NULL);
    _exit(127);
  }
  int st;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void file_path(char *buf, size_t len, const char *dir, const char *stem, const char *ext) {
  snprintf(buf, len, "%s/%s.%s", dir, stem, ext);
}

/* Remove a kind's files (a figure not drawn this time must not sit beside new CSVs). */
static void remove_figure(const char *dir, const char *stem) {
  static const char *const ext[] = {"png", "svg", "gp", "dat", NULL};
  char p[4300];
  for (size_t e = 0; ext[e]; e++) {
    file_path(p, sizeof p, dir, stem, ext[e]);
    unlink(p);
  }
}

/* One figure: describe it (draw = 0) or write and draw it.  *drawn says whether
 * the PNG and SVG were written. */
static int figure(kind_id kid, const sb_report_meta *m, const sb_summary *s, const char *outdir,
                  int draw, size_t *panels_out, size_t *clipped_out, int *drawn, char *message,
                  size_t mlen, sb_error *err) {
  const fig_kind *k = &KINDS[kid];
  points ps = {0};
  *drawn = 0;
  *panels_out = *clipped_out = 0;
  int rc = make_points(kid, m, s, &ps);
  if (rc) {
    points_free(&ps);
    return sb_error_set(err, SB_ENOMEM, "out of memory drawing the figure");
  }
  size_t np = 0, cols = 1, rows = 1;
  panel *pa = make_panels(k, &ps, &np, &cols, &rows);
  size_t *blocks = pa ? calloc(np * MAX_CURVES + 1, sizeof *blocks) : NULL;
  double *scratch = calloc(ps.n + 1, sizeof *scratch);
  if (!pa || !blocks || !scratch) {
    free(pa), free(blocks), free(scratch), points_free(&ps);
    return sb_error_set(err, SB_ENOMEM, "out of memory drawing the figure");
  }
  for (size_t i = 0; i < np; i++) panel_range(&pa[i], k, &ps, scratch);
  *panels_out = np;
  if (!draw) { /* describe the figure in the folder: what drawing it would clip */
    for (size_t i = 0; i < np; i++)
      for (size_t j = 0; j < ps.n; j++)
        *clipped_out += in_panel(&ps.v[j], &pa[i]) && pa[i].clip > -INFINITY &&
                        ps.v[j].y < pa[i].ylo;
    free(pa), free(blocks), free(scratch), points_free(&ps);
    return SB_OK;
  }
  char dat[4300], gp[4300], script[200];
  file_path(dat, sizeof dat, outdir, k->stem, "dat");
  file_path(gp, sizeof gp, outdir, k->stem, "gp");
  rc = write_dat(dat, pa, np, &ps, blocks, err);
  for (size_t i = 0; i < np; i++) *clipped_out += pa[i].clipped;
  if (rc == SB_OK)
    rc = write_gp(gp, k, m, pa, np, cols, rows, blocks, *clipped_out, err);
  free(pa), free(blocks), free(scratch), points_free(&ps);
  if (rc) return rc;
  snprintf(script, sizeof script, "%s.gp", k->stem);
  int st = run_gnuplot(outdir, script);
  for (int svg = 0; svg < 2; svg++) {
    char tmp[4400], fin[4300];
    file_path(fin, sizeof fin, outdir, k->stem, svg ? "svg" : "png");
    snprintf(tmp, sizeof tmp, "%s.tmp", fin);
    if (st == 0 && sb_file_exists(tmp) && rename(tmp, fin) == 0) continue;
    unlink(tmp);
    unlink(fin); /* never an old figure beside new CSVs */
    if (st == 0) st = -2;
  }
  char log[4300];
  snprintf(log, sizeof log, "%s/gnuplot.log", outdir);
  if (st == 0) {
    unlink(log);
    *drawn = 1;
  } else {
    snprintf(message, mlen,
             st == 127 || st == -1 ? "gnuplot could not be run (is it installed?)"
                                   : "gnuplot failed (see gnuplot.log)");
    fprintf(stderr,
            "spexbench: warning: %s; the CSVs are written, no %s figure (any earlier one was "
            "removed)\n",
            message, k->stem);
  }
  return SB_OK;
}

int sb_plot_write(const sb_report_meta *m, const sb_summary *s, const char *outdir, int draw,
                  sb_plot_info *info, sb_error *err) {
  memset(info, 0, sizeof *info);
  kind_id main = m->plot_metric == SB_PLOT_RECOVERY  ? FIG_RECOVERY
                 : m->plot_metric == SB_PLOT_SECONDS ? FIG_SECONDS
                                                     : FIG_R2;
  info->stem = KINDS[main].stem;
  int removal = 0;
  for (size_t k = 0; k < s->n_cells && !removal; k++) removal = s->cells[k].removal_median.n > 0;
  if (draw)
    for (int k = 0; k < N_KINDS; k++)
      if (k != (int)main && (k != FIG_REMOVAL || !removal)) remove_figure(outdir, KINDS[k].stem);
  int rc = figure(main, m, s, outdir, draw, &info->panels, &info->clipped, &info->drawn,
                  info->message, sizeof info->message, err);
  if (rc == SB_OK && removal) {
    size_t panels, clipped;
    char msg[512];
    rc = figure(FIG_REMOVAL, m, s, outdir, draw, &panels, &clipped, &info->removal_drawn, msg,
                sizeof msg, err);
    info->removal = 1;
  }
  return rc;
}
