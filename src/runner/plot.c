/* The faithfulness figure: R² against queries used (log2 x axis), median line
 * and interquartile band per algorithm, drawn by gnuplot from summary cells.
 *
 * One panel per (dataset group, algorithm family), at most 8 curves each
 * (a family with more labels gets further panels), every curve with its own
 * colour, point type and dash pattern (the same label keeps its style in every
 * group).  Each panel's y range comes from the bulk of its medians: a median
 * below Tukey's outlier fence (Q1 - 1.5·IQR of the panel's medians, and never a
 * non-negative one) is drawn as a ▼ on the lower edge, and the panel says so;
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

/* A panel: one dataset group, one family, up to MAX_CURVES labels. */
typedef struct panel {
  const char *group;
  sb_algo_family family;
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

static int plottable(const sb_summary_cell *c, int exact) {
  return isfinite(sb_summary_median(c, exact)) && isfinite(c->queries_median) &&
         c->queries_median > 0;
}

static int in_panel(const sb_summary_cell *c, const panel *p) {
  if (strcmp(c->group, p->group) || c->family != p->family) return 0;
  for (size_t l = 0; l < p->n_labels; l++)
    if (!strcmp(c->label, p->labels[l])) return 1;
  return 0;
}

/* y range of a panel from the bulk of its medians (see the file comment). */
static void panel_range(panel *p, const sb_summary *s, int exact, double *scratch) {
  size_t m = 0;
  for (size_t k = 0; k < s->n_cells; k++)
    if (in_panel(&s->cells[k], p) && plottable(&s->cells[k], exact))
      scratch[m++] = sb_summary_median(&s->cells[k], exact);
  p->clip = -INFINITY;
  if (m >= 4) {
    gsl_sort(scratch, 1, m);
    double q1 = gsl_stats_quantile_from_sorted_data(scratch, 1, m, 0.25);
    double q3 = gsl_stats_quantile_from_sorted_data(scratch, 1, m, 0.75);
    double fence = q1 - FENCE * (q3 - q1);
    p->clip = fence < 0 ? fence : 0;
  }
  double lo = INFINITY, hi = 1.0;
  for (size_t k = 0; k < s->n_cells; k++) {
    const sb_summary_cell *c = &s->cells[k];
    if (!in_panel(c, p) || !plottable(c, exact)) continue;
    double med = sb_summary_median(c, exact); /* bands are clipped to the range, not fit */
    if (med < p->clip) continue;
    if (med < lo) lo = med;
    if (med > hi) hi = med;
  }
  if (!isfinite(lo)) lo = 0;
  p->ylo = floor(lo * 10.0) / 10.0 - 0.05;
  p->yhi = hi + 0.05;
  if (p->clip > -INFINITY && p->ylo < p->clip) p->ylo = p->clip;
}

/* Panels in row-major order: groups (first seen) × families × chunks. */
static panel *make_panels(const sb_summary *s, size_t *n_out, size_t *cols_out) {
  strset groups = {calloc(s->n_cells + 1, sizeof(char *)), 0};
  strset fam_labels[SB_ALGO_N_FAMILIES];
  for (int f = 0; f < SB_ALGO_N_FAMILIES; f++)
    fam_labels[f] = (strset){calloc(s->n_cells + 1, sizeof(char *)), 0};
  panel *ps = calloc(s->n_cells * 2 + 1, sizeof *ps);
  int ok = groups.v && ps;
  for (int f = 0; f < SB_ALGO_N_FAMILIES; f++) ok = ok && fam_labels[f].v;
  size_t np = 0, cols = 1;
  if (ok) {
    for (size_t k = 0; k < s->n_cells; k++) {
      strset_add(&groups, s->cells[k].group);
      strset_add(&fam_labels[s->cells[k].family], s->cells[k].label);
    }
    static const sb_algo_family order[] = {SB_ALGO_SPECTRAL, SB_ALGO_INDEX, SB_ALGO_MARGINAL,
                                           SB_ALGO_OTHER};
    for (size_t g = 0; g < groups.n; g++) {
      size_t in_row = 0;
      for (size_t o = 0; o < 4; o++) {
        sb_algo_family f = order[o];
        const strset *ls = &fam_labels[f];
        size_t chunks = (ls->n + MAX_CURVES - 1) / MAX_CURVES;
        for (size_t ch = 0; ch < chunks; ch++) {
          panel p = {groups.v[g], f, ch, chunks, {0}, 0, 0, 0, 0, 0};
          for (size_t l = ch * MAX_CURVES; l < ls->n && l < (ch + 1) * MAX_CURVES; l++)
            p.labels[p.n_labels++] = ls->v[l];
          int any = 0; /* the group has cells of these labels */
          for (size_t k = 0; k < s->n_cells && !any; k++) any = in_panel(&s->cells[k], &p);
          if (any) ps[np++] = p, in_row++;
        }
      }
      if (in_row > cols) cols = in_row;
    }
  }
  free(groups.v);
  for (int f = 0; f < SB_ALGO_N_FAMILIES; f++) free(fam_labels[f].v);
  if (!ok) {
    free(ps);
    return NULL;
  }
  *n_out = np;
  *cols_out = cols;
  return ps;
}

/* Style index of a label within its panel (same label, same style everywhere
 * as long as its family has at most MAX_CURVES labels). */
static size_t style_of(const panel *p, size_t l) { return l % MAX_CURVES; }

static int write_dat(const char *path, panel *ps, size_t np, const sb_summary *s, int exact,
                     size_t *blocks, sb_error *err) {
  sb_atomic_file af;
  int rc = sb_atomic_open(&af, path, err);
  if (rc) return rc;
  size_t b = 0;
  fprintf(af.fp, "# x = median queries used; y = median R² (clipped to the panel); q1, q3 "
                 "(clipped); off-scale marker y or ?; true median\n");
  for (size_t i = 0; i < np; i++) {
    panel *p = &ps[i];
    for (size_t l = 0; l < p->n_labels; l++) {
      int any = 0;
      for (size_t k = 0; k < s->n_cells; k++) {
        const sb_summary_cell *c = &s->cells[k];
        if (strcmp(c->group, p->group) || strcmp(c->label, p->labels[l]) || !plottable(c, exact))
          continue;
        double med = sb_summary_median(c, exact), q1 = sb_summary_q1(c, exact),
               q3 = sb_summary_q3(c, exact);
        int off = med < p->ylo;
        if (off) p->clipped++;
        if (!any) fprintf(af.fp, "# %s | %s\n", p->group, p->labels[l]);
        fprintf(af.fp, "%.6g %.6g %.6g %.6g ", c->queries_median, fmax(med, p->ylo),
                fmax(q1, p->ylo), fmax(fmax(q3, p->ylo), fmax(med, p->ylo)));
        if (off) fprintf(af.fp, "%.6g", p->ylo);
        else fputc('?', af.fp);
        fprintf(af.fp, " %.6g\n", med);
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

static void write_terminal(FILE *fp, int svg, size_t width, size_t height) {
  if (svg) fprintf(fp, "set terminal svg size %zu,%zu dynamic font 'sans,11'\n", width, height);
  else fprintf(fp, "set terminal pngcairo size %zu,%zu font 'sans,10'\n", width, height);
  fprintf(fp, "set output 'faithfulness.%s.tmp'\n", svg ? "svg" : "png");
}

static int write_gp(const char *path, const sb_report_meta *m, const panel *ps, size_t np,
                    size_t cols, const size_t *blocks, size_t clipped, sb_error *err) {
  sb_atomic_file af;
  int rc = sb_atomic_open(&af, path, err);
  if (rc) return rc;
  FILE *fp = af.fp;
  size_t rows = 0;
  for (size_t i = 0; i < np; i++) rows += i == 0 || strcmp(ps[i].group, ps[i - 1].group);
  if (!rows) rows = 1;
  size_t width = 480 * cols, height = 420 * rows + 40;
  fprintf(fp, "# generated by spexbench from summary statistics; rerun: gnuplot faithfulness.gp\n"
              "set datafile missing '?'\n");
  for (int svg = 0; svg < 2; svg++) {
    write_terminal(fp, svg, width, height);
    char title[1024];
    snprintf(title, sizeof title,
             "%s: faithfulness vs queries (%s R², %s; median and interquartile band%s)", m->name,
             m->plot_exact ? "exact" : "held-out",
             m->plot_exact ? "Parseval" : sb_heldout_dist_name(m->heldout_dist),
             clipped ? "; ▼ = median below the axis" : "");
    fprintf(fp, "set multiplot layout %zu,%zu title ", rows, cols);
    gp_str(fp, title);
    fprintf(fp, " noenhanced\n");
    fprintf(fp, "set logscale x 2\nset format x '2^{%%L}'\nset grid\n"
                "set key below horizontal maxcols 3 font ',8' spacing 1.0 samplen 3 noenhanced\n"
                "set xlabel 'queries used'\nset ylabel '%s R²'\n"
                "set style fill transparent solid 0.15 noborder\n"
                "set style textbox opaque noborder\n"
                "set offsets graph 0.03, graph 0.03, 0, 0\n",
            m->plot_exact ? "exact" : "held-out");
    size_t col = 0; /* panels so far in this group's row */
    for (size_t i = 0; i < np; i++) {
      const panel *p = &ps[i];
      if (i > 0 && strcmp(p->group, ps[i - 1].group)) { /* new row: pad the last one */
        for (; col < cols; col++) fprintf(fp, "set multiplot next\n");
        col = 0;
      }
      col++;
      snprintf(title, sizeof title, "%s — %s%s", p->group, sb_algo_family_name(p->family),
               p->n_chunks > 1 && p->chunk ? " (cont.)" : "");
      fprintf(fp, "set title ");
      gp_str(fp, title);
      fprintf(fp, " noenhanced\n");
      fprintf(fp, "set yrange [%.3f:%.3f]\nset bmargin %zu\n", p->ylo, p->yhi,
              4 + (p->n_labels + 2) / 3); /* x label + the key's rows (3 per row) */
      if (p->clipped)
        fprintf(fp, "set label 1 \"▼ median below %.2f (off scale; see summary.csv)\" at graph "
                    "0.02, graph 0.05 font ',8' front boxed noenhanced\n",
                p->ylo);
      int first = 1;
      for (size_t l = 0; l < p->n_labels; l++) {
        size_t b = blocks[i * MAX_CURVES + l];
        if (!b) continue;
        size_t st = style_of(p, l);
        fprintf(fp,
                "%s 'faithfulness.dat' index %zu using 1:3:4 with filledcurves lc rgb '%s' "
                "notitle, '' index %zu using 1:2 with linespoints lc rgb '%s' dt %s pt %d ps 0.8 "
                "lw 2 title ",
                first ? "plot" : ",", b - 1, COLOURS[st], b - 1, COLOURS[st], DASHES[st],
                POINTS[st]);
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
static int run_gnuplot(const char *dir) {
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    if (chdir(dir) != 0) _exit(126);
    int log = open("gnuplot.log", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int null = open("/dev/null", O_RDWR);
    if (log >= 0) dup2(log, 2);
    if (null >= 0) dup2(null, 0), dup2(null, 1);
    execlp("gnuplot", "gnuplot", "faithfulness.gp", (char *)NULL);
    _exit(127);
  }
  int st;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void outdir_path(char *buf, size_t len, const char *dir, const char *name) {
  snprintf(buf, len, "%s/%s", dir, name);
}

int sb_plot_write(const sb_report_meta *m, const sb_summary *s, const char *outdir, int draw,
                  sb_plot_info *info, sb_error *err) {
  memset(info, 0, sizeof *info);
  size_t np = 0, cols = 1;
  panel *ps = make_panels(s, &np, &cols);
  size_t *blocks = ps ? calloc(np * MAX_CURVES + 1, sizeof *blocks) : NULL;
  double *scratch = calloc(s->n_cells + 1, sizeof *scratch);
  if (!ps || !blocks || !scratch) {
    free(ps), free(blocks), free(scratch);
    return sb_error_set(err, SB_ENOMEM, "out of memory drawing the figure");
  }
  for (size_t i = 0; i < np; i++) panel_range(&ps[i], s, m->plot_exact, scratch);
  info->panels = np;
  if (!draw) { /* describe the figure in the folder: what drawing it would clip */
    for (size_t i = 0; i < np; i++)
      for (size_t k = 0; k < s->n_cells; k++)
        info->clipped += in_panel(&s->cells[k], &ps[i]) && plottable(&s->cells[k], m->plot_exact) &&
                         sb_summary_median(&s->cells[k], m->plot_exact) < ps[i].ylo;
    free(ps), free(blocks), free(scratch);
    return SB_OK;
  }
  char dat[4200], gp[4200];
  outdir_path(dat, sizeof dat, outdir, "faithfulness.dat");
  outdir_path(gp, sizeof gp, outdir, "faithfulness.gp");
  int rc = write_dat(dat, ps, np, s, m->plot_exact, blocks, err);
  for (size_t i = 0; i < np; i++) info->clipped += ps[i].clipped;
  if (rc == SB_OK) rc = write_gp(gp, m, ps, np, cols, blocks, info->clipped, err);
  free(ps), free(blocks), free(scratch);
  if (rc) return rc;
  int st = run_gnuplot(outdir);
  for (int svg = 0; svg < 2; svg++) {
    char tmp[4300], fin[4300];
    snprintf(tmp, sizeof tmp, "%s/faithfulness.%s.tmp", outdir, svg ? "svg" : "png");
    snprintf(fin, sizeof fin, "%s/faithfulness.%s", outdir, svg ? "svg" : "png");
    if (st == 0 && sb_file_exists(tmp) && rename(tmp, fin) == 0) continue;
    unlink(tmp);
    unlink(fin); /* never an old figure beside new CSVs */
    if (st == 0) st = -2;
  }
  char log[4300];
  outdir_path(log, sizeof log, outdir, "gnuplot.log");
  if (st == 0) {
    unlink(log);
    info->drawn = 1;
  } else {
    snprintf(info->message, sizeof info->message,
             st == 127 || st == -1 ? "gnuplot could not be run (is it installed?)"
                                   : "gnuplot failed (see gnuplot.log)");
    fprintf(stderr,
            "spexbench: warning: %s; the CSVs are written, no figure (any earlier figure was "
            "removed)\n",
            info->message);
  }
  return SB_OK;
}
