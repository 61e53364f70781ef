/* Reports from stored results only (plotting never runs algorithms):
 * runs.csv (one tidy row per run, failed/skipped included), summary.csv (per
 * dataset group × algorithm × budget: median, quartiles, mean, count),
 * context.json, and faithfulness.{png,svg} drawn by gnuplot (R² against queries
 * used, log2 x axis, median line and interquartile band per algorithm). */
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <gsl/gsl_version.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xgboost/c_api.h>
#include <zlib.h>

#include "core/fsutil.h"
#include "runner/runner.h"

/* ==== helpers ============================================================ */

static void csv_str(FILE *fp, const char *s) {
  if (!s) s = "";
  if (!strpbrk(s, ",\"\n\r")) {
    fputs(s, fp);
    return;
  }
  fputc('"', fp);
  for (; *s; s++) {
    if (*s == '"') fputc('"', fp);
    fputc(*s == '\n' || *s == '\r' ? ' ' : *s, fp);
  }
  fputc('"', fp);
}

static void csv_num(FILE *fp, const json_t *v) {
  if (json_is_integer(v)) fprintf(fp, "%lld", (long long)json_integer_value(v));
  else if (json_is_real(v)) fprintf(fp, "%.10g", json_real_value(v));
}

static double jget(const json_t *j, const char *k) {
  const json_t *v = json_object_get(j, k);
  return json_is_number(v) ? json_number_value(v) : NAN;
}

static const char *jstr(const json_t *j, const char *k) {
  const char *s = json_string_value(json_object_get(j, k));
  return s ? s : "";
}

static const char *const RUN_COLUMNS[] = {
    "experiment", "group",   "dataset",   "family",     "n",          "instance",
    "algorithm",  "label",   "params",    "budget",     "repetition", "seed",
    "status",     "message", "queries_used", "r2_heldout", "r2_exact", "precision",
    "recall",     "rel_error", "terms",   "heldout_dist", "info",     "wall_s",
    "cpu_s",      "design_s", "oracle_s", "fit_s",      NULL};

static int write_runs_csv(const sb_config *c, const char *outdir, json_t *const *res,
                          sb_error *err) {
  char path[4200];
  snprintf(path, sizeof path, "%s/runs.csv", outdir);
  sb_atomic_file af;
  int rc = sb_atomic_open(&af, path, err);
  if (rc) return rc;
  FILE *fp = af.fp;
  for (size_t k = 0; RUN_COLUMNS[k]; k++) fprintf(fp, "%s%s", k ? "," : "", RUN_COLUMNS[k]);
  fputc('\n', fp);
  for (size_t i = 0; i < c->n_runs; i++) {
    const json_t *j = res[i];
    if (!j) continue;
    const json_t *ph = json_object_get(j, "phases");
    csv_str(fp, c->name), fputc(',', fp);
    csv_str(fp, jstr(j, "group")), fputc(',', fp);
    csv_str(fp, jstr(j, "dataset")), fputc(',', fp);
    csv_str(fp, jstr(j, "family")), fputc(',', fp);
    csv_num(fp, json_object_get(j, "n")), fputc(',', fp);
    csv_num(fp, json_object_get(j, "instance")), fputc(',', fp);
    csv_str(fp, jstr(j, "algorithm")), fputc(',', fp);
    csv_str(fp, jstr(j, "algo_label")), fputc(',', fp);
    csv_str(fp, jstr(j, "params")), fputc(',', fp);
    csv_num(fp, json_object_get(j, "budget")), fputc(',', fp);
    csv_num(fp, json_object_get(j, "repetition")), fputc(',', fp);
    csv_str(fp, jstr(j, "seed")), fputc(',', fp);
    csv_str(fp, jstr(j, "status")), fputc(',', fp);
    csv_str(fp, jstr(j, "message")), fputc(',', fp);
    csv_num(fp, json_object_get(j, "queries_used")), fputc(',', fp);
    csv_num(fp, json_object_get(j, "r2_heldout")), fputc(',', fp);
    csv_num(fp, json_object_get(j, "r2_exact")), fputc(',', fp);
    csv_num(fp, json_object_get(j, "precision")), fputc(',', fp);
    csv_num(fp, json_object_get(j, "recall")), fputc(',', fp);
    csv_num(fp, json_object_get(j, "rel_error")), fputc(',', fp);
    csv_num(fp, json_object_get(j, "terms")), fputc(',', fp);
    csv_str(fp, jstr(j, "heldout_dist")), fputc(',', fp);
    csv_str(fp, jstr(j, "info")), fputc(',', fp);
    csv_num(fp, json_object_get(j, "wall_s")), fputc(',', fp);
    csv_num(fp, json_object_get(j, "cpu_s")), fputc(',', fp);
    csv_num(fp, json_object_get(ph, "design")), fputc(',', fp);
    csv_num(fp, json_object_get(ph, "oracle")), fputc(',', fp);
    csv_num(fp, json_object_get(ph, "fit"));
    fputc('\n', fp);
  }
  return sb_atomic_commit(&af, err);
}

/* ==== summary ============================================================ */

typedef struct cell {
  const char *group, *label;
  size_t budget;
  size_t total, ok;
  double *r2, *r2x, *q; /* metric values of ok runs */
  size_t nr2, nr2x, nq;
  /* stats */
  double med, q1, q3, mean, xmed, qmed;
} cell;

static void quartiles(double *v, size_t n, double *med, double *q1, double *q3, double *mean) {
  if (!n) {
    *med = *q1 = *q3 = *mean = NAN;
    return;
  }
  gsl_sort(v, 1, n);
  *med = gsl_stats_quantile_from_sorted_data(v, 1, n, 0.5);
  *q1 = gsl_stats_quantile_from_sorted_data(v, 1, n, 0.25);
  *q3 = gsl_stats_quantile_from_sorted_data(v, 1, n, 0.75);
  *mean = gsl_stats_mean(v, 1, n);
}

static size_t build_cells(const sb_config *c, json_t *const *res, cell **out) {
  cell *cells = calloc(c->n_runs ? c->n_runs : 1, sizeof *cells);
  size_t nc = 0;
  for (size_t i = 0; i < c->n_runs; i++) {
    const sb_run_def *rd = &c->runs[i];
    size_t k;
    for (k = 0; k < nc; k++)
      if (!strcmp(cells[k].group, rd->group) && !strcmp(cells[k].label, rd->algo_label) &&
          cells[k].budget == rd->budget)
        break;
    if (k == nc) {
      cells[nc].group = rd->group;
      cells[nc].label = rd->algo_label;
      cells[nc].budget = rd->budget;
      cells[nc].r2 = calloc(c->n_runs, sizeof(double));
      cells[nc].r2x = calloc(c->n_runs, sizeof(double));
      cells[nc].q = calloc(c->n_runs, sizeof(double));
      nc++;
    }
    cell *ce = &cells[k];
    if (!res[i]) continue;
    ce->total++;
    if (strcmp(jstr(res[i], "status"), "ok")) continue;
    ce->ok++;
    double r2 = jget(res[i], "r2_heldout"), r2x = jget(res[i], "r2_exact"),
           q = jget(res[i], "queries_used");
    if (isfinite(r2)) ce->r2[ce->nr2++] = r2;
    if (isfinite(r2x)) ce->r2x[ce->nr2x++] = r2x;
    if (isfinite(q)) ce->q[ce->nq++] = q;
  }
  for (size_t k = 0; k < nc; k++) {
    cell *ce = &cells[k];
    double d1, d2, d3;
    quartiles(ce->r2, ce->nr2, &ce->med, &ce->q1, &ce->q3, &ce->mean);
    quartiles(ce->r2x, ce->nr2x, &ce->xmed, &d1, &d2, &d3);
    quartiles(ce->q, ce->nq, &ce->qmed, &d1, &d2, &d3);
  }
  *out = cells;
  return nc;
}

static void free_cells(cell *cells, size_t nc) {
  for (size_t k = 0; k < nc; k++) free(cells[k].r2), free(cells[k].r2x), free(cells[k].q);
  free(cells);
}

static void fnum(FILE *fp, double v) {
  if (isfinite(v)) fprintf(fp, "%.6g", v);
}

static int write_summary(const sb_config *c, const char *outdir, cell *cells, size_t nc,
                         sb_error *err) {
  char path[4200];
  snprintf(path, sizeof path, "%s/summary.csv", outdir);
  sb_atomic_file af;
  int rc = sb_atomic_open(&af, path, err);
  if (rc) return rc;
  FILE *fp = af.fp;
  fprintf(fp, "experiment,group,label,budget,queries_median,r2_median,r2_q1,r2_q3,r2_mean,"
              "r2_exact_median,count_ok,count_total,heldout_dist\n");
  for (size_t k = 0; k < nc; k++) {
    cell *ce = &cells[k];
    csv_str(fp, c->name), fputc(',', fp);
    csv_str(fp, ce->group), fputc(',', fp);
    csv_str(fp, ce->label), fputc(',', fp);
    fprintf(fp, "%zu,", ce->budget);
    fnum(fp, ce->qmed), fputc(',', fp);
    fnum(fp, ce->med), fputc(',', fp);
    fnum(fp, ce->q1), fputc(',', fp);
    fnum(fp, ce->q3), fputc(',', fp);
    fnum(fp, ce->mean), fputc(',', fp);
    fnum(fp, ce->xmed), fputc(',', fp);
    fprintf(fp, "%zu,%zu,%s\n", ce->ok, ce->total, sb_heldout_dist_name(c->heldout_dist));
  }
  return sb_atomic_commit(&af, err);
}

static void print_table(const sb_config *c, cell *cells, size_t nc) {
  const char *last = NULL;
  for (size_t k = 0; k < nc; k++) {
    cell *ce = &cells[k];
    if (!last || strcmp(last, ce->group)) {
      printf("\n%s — held-out R² (%s masks), median [q1, q3] over runs\n", ce->group,
             sb_heldout_dist_name(c->heldout_dist));
      printf("  %-28s %8s %9s %9s %19s %9s %7s\n", "algorithm", "budget", "queries", "R²",
             "[q1, q3]", "exact R²", "ok/all");
      last = ce->group;
    }
    char iqr[64] = "", med[32] = "-", q[32] = "-", ex[32] = "-";
    if (isfinite(ce->med)) {
      snprintf(med, sizeof med, "%.4f", ce->med);
      snprintf(iqr, sizeof iqr, "[%.3f, %.3f]", ce->q1, ce->q3);
    }
    if (isfinite(ce->qmed)) snprintf(q, sizeof q, "%.0f", ce->qmed);
    if (isfinite(ce->xmed)) snprintf(ex, sizeof ex, "%.4f", ce->xmed);
    printf("  %-28s %8zu %9s %9s %19s %9s %3zu/%-3zu\n", ce->label, ce->budget, q, med, iqr, ex,
           ce->ok, ce->total);
  }
}

/* ==== plot =============================================================== */

static int write_plot(const sb_config *c, const char *outdir, cell *cells, size_t nc,
                      sb_error *err) {
  /* groups and labels in first-seen order */
  const char **groups = calloc(nc + 1, sizeof *groups), **labels = calloc(nc + 1, sizeof *labels);
  size_t ng = 0, nl = 0;
  for (size_t k = 0; k < nc; k++) {
    size_t g, l;
    for (g = 0; g < ng && strcmp(groups[g], cells[k].group); g++) {}
    if (g == ng) groups[ng++] = cells[k].group;
    for (l = 0; l < nl && strcmp(labels[l], cells[k].label); l++) {}
    if (l == nl) labels[nl++] = cells[k].label;
  }
  char dat[4200], gp[4200];
  snprintf(dat, sizeof dat, "%s/faithfulness.dat", outdir);
  snprintf(gp, sizeof gp, "%s/faithfulness.gp", outdir);
  sb_atomic_file af;
  int rc = sb_atomic_open(&af, dat, err);
  if (rc) goto out;
  /* one gnuplot data block per (group, label): x=queries median, median, q1, q3 */
  size_t block = 0;
  size_t *block_of = calloc(ng * nl + 1, sizeof *block_of); /* index+1, 0 = none */
  double ymin = 0.0;
  for (size_t g = 0; g < ng; g++)
    for (size_t l = 0; l < nl; l++) {
      int any = 0;
      for (size_t k = 0; k < nc; k++) {
        cell *ce = &cells[k];
        if (strcmp(ce->group, groups[g]) || strcmp(ce->label, labels[l])) continue;
        double med = c->plot_exact ? ce->xmed : ce->med;
        if (!isfinite(med) || !isfinite(ce->qmed) || ce->qmed <= 0) continue;
        double q1 = c->plot_exact ? med : ce->q1, q3 = c->plot_exact ? med : ce->q3;
        if (!any) fprintf(af.fp, "# %s | %s\n", groups[g], labels[l]);
        fprintf(af.fp, "%.6g %.6g %.6g %.6g\n", ce->qmed, med, q1, q3);
        if (q1 < ymin) ymin = q1;
        any = 1;
      }
      if (any) {
        fprintf(af.fp, "\n\n");
        block_of[g * nl + l] = ++block;
      }
    }
  if ((rc = sb_atomic_commit(&af, err))) goto out2;
  if (ymin < -1.0) ymin = -1.0; /* R² can go far below 0; the CSVs keep the values */
  ymin = floor(ymin * 10.0) / 10.0 - 0.05;
  rc = sb_atomic_open(&af, gp, err);
  if (rc) goto out2;
  FILE *fp = af.fp;
  size_t cols = ng <= 1 ? 1 : 2, rows = (ng + cols - 1) / cols;
  if (!rows) rows = 1;
  size_t width = (640 + (nl > 6 ? 170 : 0)) * cols;
  fprintf(fp, "# generated by spexbench from summary statistics; rerun: gnuplot faithfulness.gp\n");
  for (int pass = 0; pass < 2; pass++) {
    const char *ext = pass ? "svg" : "png";
    if (pass)
      fprintf(fp, "set terminal svg size %zu,%zu dynamic font 'sans,11'\n", width, 440 * rows);
    else
      fprintf(fp, "set terminal pngcairo size %zu,%zu font 'sans,10'\n", width, 440 * rows);
    fprintf(fp, "set output 'faithfulness.%s.tmp'\n", ext);
    fprintf(fp, "set multiplot layout %zu,%zu title '%s: faithfulness vs queries (%s R², %s)'\n",
            rows, cols, c->name, c->plot_exact ? "exact" : "held-out",
            c->plot_exact ? "Parseval" : sb_heldout_dist_name(c->heldout_dist));
    fprintf(fp, "set logscale x 2\nset format x '2^{%%L}'\nset grid\nset key %s "
                "font ',8'\nset xlabel 'queries used'\nset ylabel 'R²'\nset yrange [%.2f:1.05]\n"
                "set style fill transparent solid 0.18 noborder\nset offsets graph 0.03, graph 0.03, 0, 0\n",
            nl > 6 ? "outside right top" : "bottom right", ymin);
    for (size_t g = 0; g < ng; g++) {
      fprintf(fp, "set title '%s' noenhanced\n", groups[g]);
      int first = 1;
      for (size_t l = 0; l < nl; l++) {
        size_t b = block_of[g * nl + l];
        if (!b) continue;
        /* 8 colours × dash types × point types keep up to ~60 labels apart */
        size_t lc = l % 8 + 1, dt = l / 8 % 4 + 1, pt = (size_t[]){7, 5, 9, 11, 13, 3}[l / 8 % 6];
        fprintf(fp, "%s 'faithfulness.dat' index %zu using 1:3:4 with filledcurves lc %zu "
                    "notitle, '' index %zu using 1:2 with linespoints lc %zu dt %zu pt %zu "
                    "ps 0.7 lw 2 title '%s' noenhanced",
                first ? "plot" : ",", b - 1, lc, b - 1, lc, dt, pt, labels[l]);
        first = 0;
      }
      if (first) fprintf(fp, "set label 1 'no successful runs' at graph 0.3,0.5\nplot NaN notitle\nunset label 1");
      fprintf(fp, "\n");
    }
    fprintf(fp, "unset multiplot\nset output\n");
  }
  if ((rc = sb_atomic_commit(&af, err))) goto out2;
  /* run gnuplot in the results directory; rename outputs on success */
  char cmd[8800];
  snprintf(cmd, sizeof cmd, "cd '%s' && gnuplot faithfulness.gp 2>gnuplot.log", outdir);
  int st = system(cmd);
  for (int pass = 0; pass < 2; pass++) {
    const char *ext = pass ? "svg" : "png";
    char tmp[4300], fin[4300];
    snprintf(tmp, sizeof tmp, "%s/faithfulness.%s.tmp", outdir, ext);
    snprintf(fin, sizeof fin, "%s/faithfulness.%s", outdir, ext);
    if (st == 0 && sb_file_exists(tmp)) rename(tmp, fin);
    else unlink(tmp);
  }
  if (st != 0)
    fprintf(stderr, "spexbench: warning: gnuplot failed (see %s/gnuplot.log); CSVs are written\n",
            outdir);
  else {
    char log[4300];
    snprintf(log, sizeof log, "%s/gnuplot.log", outdir);
    unlink(log);
  }
out2:
  free(block_of);
out:
  free(groups);
  free(labels);
  return rc;
}

/* ==== context ============================================================ */

static char *run_capture(const char *cmd) {
  FILE *p = popen(cmd, "r");
  if (!p) return NULL;
  char buf[512];
  size_t n = fread(buf, 1, sizeof buf - 1, p);
  buf[n] = '\0';
  int st = pclose(p);
  while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) buf[--n] = '\0';
  if (st != 0) return NULL;
  return strdup(buf);
}

json_t *sb_context_json(const char *config_path, const char *config_text) {
  json_t *j = json_object();
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  char date[64], host[256] = "unknown";
  strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
  gethostname(host, sizeof host - 1);
  json_object_set_new(j, "date", json_string(date));
  json_object_set_new(j, "host", json_string(host));
  json_object_set_new(j, "spexbench_version", json_string(SB_VERSION));
  char *commit = run_capture("git -C '" SB_SOURCE_DIR "' rev-parse HEAD 2>/dev/null");
  char *dirty = run_capture("git -C '" SB_SOURCE_DIR "' status --porcelain --untracked-files=no "
                            "2>/dev/null | head -c 1");
  json_object_set_new(j, "commit", json_string(commit ? commit : "unknown"));
  json_object_set_new(j, "dirty", commit ? json_boolean(dirty && *dirty) : json_null());
  free(commit);
  free(dirty);
  json_object_set_new(j, "compiler", json_string("gcc-compatible " __VERSION__));
#ifdef NDEBUG
  json_object_set_new(j, "build", json_string("release (NDEBUG)"));
#else
  json_object_set_new(j, "build", json_string("debug/asserts"));
#endif
  json_t *libs = json_object();
  json_object_set_new(libs, "gsl", json_string(GSL_VERSION));
  json_object_set_new(libs, "jansson", json_string(JANSSON_VERSION));
  json_object_set_new(libs, "zlib", json_string(zlibVersion()));
  int ma, mi, pa;
  XGBoostVersion(&ma, &mi, &pa);
  char xv[32];
  snprintf(xv, sizeof xv, "%d.%d.%d", ma, mi, pa);
  json_object_set_new(libs, "xgboost", json_string(xv));
  char *gv = run_capture("gnuplot --version 2>/dev/null");
  json_object_set_new(libs, "gnuplot", json_string(gv ? gv : "not found"));
  free(gv);
  json_object_set_new(j, "libraries", libs);
  json_object_set_new(j, "cores", json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
  json_object_set_new(j, "config_path", json_string(config_path ? config_path : ""));
  json_object_set_new(j, "config_text", json_string(config_text ? config_text : ""));
  return j;
}

int sb_report_write(const sb_config *c, const char *outdir, json_t *const *results,
                    int print, sb_error *err) {
  int rc = write_runs_csv(c, outdir, results, err);
  if (rc) return rc;
  cell *cells;
  size_t nc = build_cells(c, results, &cells);
  rc = write_summary(c, outdir, cells, nc, err);
  if (rc == SB_OK) {
    json_t *ctx = sb_context_json(c->path, c->text);
    char path[4200];
    snprintf(path, sizeof path, "%s/context.json", outdir);
    json_object_set_new(ctx, "experiment", json_string(c->name));
    json_object_set_new(ctx, "runs", json_integer((json_int_t)c->n_runs));
    json_object_set_new(ctx, "heldout", json_integer((json_int_t)c->heldout));
    json_object_set_new(ctx, "heldout_distribution", json_string(sb_heldout_dist_name(c->heldout_dist)));
    rc = sb_json_write_atomic(ctx, path, err);
    json_decref(ctx);
  }
  if (rc == SB_OK) rc = write_plot(c, outdir, cells, nc, err);
  if (rc == SB_OK && print) {
    print_table(c, cells, nc);
    printf("\nresults: %s/runs.csv, %s/summary.csv\nplot:    %s/faithfulness.png (and .svg)\n",
           outdir, outdir, outdir);
  }
  free_cells(cells, nc);
  return rc;
}
