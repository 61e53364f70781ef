/* Reports from stored results only (plotting never runs algorithms): after a
 * sweep, runs.csv (one row per run, failed/skipped included, columns from
 * result.c's table), summary.csv (summary.c), context.json (where, when, with
 * which code and config), the figure (plot.c) and REPORT.md (report_md.c); and
 * the same outputs rebuilt from a results folder (`spexbench report DIR`). */
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
#include "runner/provenance.h"
#include "runner/report.h"
#include "runner/runner.h"

static void path_in(char *buf, size_t len, const char *dir, const char *name) {
  snprintf(buf, len, "%s/%s", dir, name);
}

/* ==== runs.csv =========================================================== */

static int write_runs_csv(const char *outdir, sb_run_result *const *res, size_t n,
                          sb_error *err) {
  char path[4200];
  path_in(path, sizeof path, outdir, "runs.csv");
  sb_atomic_file af;
  int rc = sb_atomic_open(&af, path, err);
  if (rc) return rc;
  sb_columns_csv_header(af.fp, sb_run_columns, SB_COL_IN_CSV);
  for (size_t i = 0; i < n; i++) {
    if (res[i]->status < 0) continue; /* a run without a result has no row */
    if (sb_columns_csv_row(af.fp, sb_run_columns, res[i], SB_COL_IN_CSV)) {
      sb_atomic_abort(&af);
      return sb_error_set(err, SB_ENOMEM, "%s: out of memory", path);
    }
  }
  return sb_atomic_commit(&af, err);
}

int sb_report_read_runs(const char *path, sb_run_result **out, size_t *n, sb_error *err) {
  *out = NULL;
  *n = 0;
  sb_csv *csv = NULL;
  int rc = sb_csv_read(path, &csv, err);
  if (rc) return rc;
  int has_status = 0;
  for (size_t f = 0; f < csv->nfields[0]; f++) has_status |= !strcmp(csv->rows[0][f], "status");
  if (!has_status) {
    sb_csv_free(csv);
    return sb_error_set(err, SB_EFORMAT, "%s: no 'status' column (not a spexbench runs.csv)",
                        path);
  }
  sb_run_result *v = calloc(csv->nrows, sizeof *v);
  if (!v) {
    sb_csv_free(csv);
    return sb_error_set(err, SB_ENOMEM, "%s: out of memory", path);
  }
  size_t m = 0;
  for (size_t r = 1; r < csv->nrows && rc == SB_OK; r++) {
    sb_run_result_init(&v[m]);
    rc = sb_columns_from_csv_row(sb_run_columns, &v[m], csv, r, path, err);
    m++;
    if (rc == SB_OK && v[m - 1].status < 0)
      rc = sb_error_set(err, SB_EFORMAT, "%s: row %zu: empty status", path, r);
  }
  sb_csv_free(csv);
  if (rc) {
    for (size_t i = 0; i < m; i++) sb_run_result_clear(&v[i]);
    free(v);
    return rc;
  }
  *out = v;
  *n = m;
  return SB_OK;
}

/* ==== the table on stdout ================================================ */

static void print_table(const sb_report_meta *m, const sb_summary *s) {
  const char *last = NULL;
  for (size_t k = 0; k < s->n_cells; k++) {
    const sb_summary_cell *c = &s->cells[k];
    if (!last || strcmp(last, c->group)) {
      printf("\n%s — held-out R² (%s masks), median [q1, q3] over runs\n", c->group,
             sb_heldout_dist_name(m->heldout_dist));
      printf("  %-28s %8s %9s %9s %19s %9s %7s  %s\n", "algorithm", "budget", "queries", "R²",
             "[q1, q3]", "exact R²", "ok/all", "why not all ok");
      last = c->group;
    }
    char iqr[64] = "", med[32] = "-", q[32] = "-", ex[32] = "-", why[32] = "";
    if (isfinite(c->r2_median)) {
      snprintf(med, sizeof med, "%.4f", c->r2_median);
      snprintf(iqr, sizeof iqr, "[%.3f, %.3f]", c->r2_q1, c->r2_q3);
    }
    if (isfinite(c->queries_median)) snprintf(q, sizeof q, "%.0f", c->queries_median);
    if (isfinite(c->r2_exact_median)) snprintf(ex, sizeof ex, "%.4f", c->r2_exact_median);
    if (c->reason >= 0) snprintf(why, sizeof why, "[%d]", c->reason + 1);
    printf("  %-28s %8zu %9s %9s %19s %9s %3zu/%-3zu  %s\n", c->label, c->budget, q, med, iqr, ex,
           c->count_ok, c->count_total, why);
  }
  if (s->n_reasons) printf("\nwhy runs are not ok:\n");
  for (size_t r = 0; r < s->n_reasons; r++) printf("  [%zu] %s\n", r + 1, s->reasons[r]);
}

/* ==== every output of a folder ============================================ */

static int write_markdown(const sb_report_meta *m, const sb_summary *s, sb_run_result *const *res,
                          size_t n, const sb_plot_info *plot, const char *outdir, int print,
                          sb_error *err) {
  char path[4200];
  path_in(path, sizeof path, outdir, "REPORT.md");
  sb_atomic_file af;
  int rc = sb_atomic_open(&af, path, err);
  if (rc) return rc;
  if ((rc = sb_report_markdown(af.fp, m, s, res, n, plot))) {
    sb_atomic_abort(&af);
    return sb_error_set(err, rc, "%s: %s", path, rc == SB_ENOMEM ? "out of memory" : "write failed");
  }
  if ((rc = sb_atomic_commit(&af, err))) return rc;
  if (print) {
    char *text = NULL;
    if (sb_read_file(path, &text, NULL, err) == SB_OK) fputs(text, stdout);
    free(text);
  }
  return SB_OK;
}

/* Summary cells; cells without an ok run take the experiment's evaluation settings. */
static int summarise(const sb_report_meta *m, sb_run_result *const *res, size_t n,
                     sb_summary **out, sb_error *err) {
  int rc = sb_summary_build(res, n, out, err);
  for (size_t k = 0; rc == SB_OK && k < (*out)->n_cells; k++) {
    sb_summary_cell *c = &(*out)->cells[k];
    if (!c->heldout_dist) c->heldout_dist = sb_heldout_dist_name(m->heldout_dist);
    if (c->heldout_count == SB_SIZE_UNSET) c->heldout_count = m->heldout;
  }
  return rc;
}

/* runs.csv, summary.csv, context.json (m->context), the figure and REPORT.md. */
static int write_outputs(const sb_report_meta *m, sb_run_result *const *res, size_t n,
                         const char *outdir, int print, sb_error *err) {
  int rc = write_runs_csv(outdir, res, n, err);
  if (rc) return rc;
  sb_summary *s = NULL;
  if ((rc = summarise(m, res, n, &s, err))) return rc;
  char path[4200];
  path_in(path, sizeof path, outdir, "summary.csv");
  rc = sb_summary_write_csv(s, path, err);
  path_in(path, sizeof path, outdir, "context.json");
  if (rc == SB_OK) rc = sb_json_write_atomic(m->context, path, err);
  sb_plot_info plot;
  if (rc == SB_OK) rc = sb_plot_write(m, s, outdir, 1, &plot, err);
  if (rc == SB_OK) rc = write_markdown(m, s, res, n, &plot, outdir, 0, err);
  if (rc == SB_OK && print) {
    print_table(m, s);
    printf("\nresults: %s/runs.csv, %s/summary.csv, %s/REPORT.md\n", outdir, outdir, outdir);
    if (plot.drawn) printf("plot:    %s/faithfulness.svg (and .png)\n", outdir);
    else printf("plot:    none (%s)\n", plot.message);
  }
  sb_summary_free(s);
  return rc;
}

/* ==== context ============================================================ */

static char *gnuplot_version(void) {
  FILE *p = popen("gnuplot --version 2>/dev/null", "r");
  if (!p) return NULL;
  char buf[256];
  size_t n = fread(buf, 1, sizeof buf - 1, p);
  buf[n] = '\0';
  int st = pclose(p);
  while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) buf[--n] = '\0';
  return st == 0 && n ? strdup(buf) : NULL;
}

/* json_object_set_new that remembers a failure (out of memory). */
static void put(json_t *j, const char *key, json_t *v, int *bad) {
  if (!v || json_object_set_new(j, key, v)) *bad = 1;
}

json_t *sb_context_json(const char *config_path, const char *config_text) {
  json_t *j = json_object(), *libs = json_object();
  if (!j || !libs) {
    json_decref(j), json_decref(libs);
    return NULL;
  }
  int bad = 0;
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  char date[64], host[256] = "unknown";
  strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
  gethostname(host, sizeof host - 1);
  const sb_provenance *pv = sb_provenance_get();
  put(j, "date", json_string(date), &bad);
  put(j, "host", sb_json_text(host), &bad);
  put(j, "spexbench_version", json_string(SB_VERSION), &bad);
  put(j, "commit", json_string(pv->commit[0] ? pv->commit : "unknown"), &bad);
  put(j, "dirty", pv->dirty < 0 ? json_null() : json_boolean(pv->dirty), &bad);
  put(j, "dirty_paths", sb_json_text(pv->dirty_paths), &bad);
  put(j, "compiler", json_string("gcc-compatible " __VERSION__), &bad);
#ifdef NDEBUG
  put(j, "build", json_string("release (NDEBUG)"), &bad);
#else
  put(j, "build", json_string("debug/asserts"), &bad);
#endif
  put(libs, "gsl", json_string(GSL_VERSION), &bad);
  put(libs, "jansson", json_string(JANSSON_VERSION), &bad);
  put(libs, "zlib", json_string(zlibVersion()), &bad);
  int ma, mi, pa;
  XGBoostVersion(&ma, &mi, &pa);
  char xv[64];
  snprintf(xv, sizeof xv, "%d.%d.%d", ma, mi, pa);
  put(libs, "xgboost", json_string(xv), &bad);
  char *gv = gnuplot_version();
  put(libs, "gnuplot", sb_json_text(gv ? gv : "not found"), &bad);
  free(gv);
  put(j, "libraries", libs, &bad);
  put(j, "cores", json_integer(sysconf(_SC_NPROCESSORS_ONLN)), &bad);
  put(j, "config_path", sb_json_text(config_path ? config_path : ""), &bad);
  put(j, "config_text", sb_json_text(config_text ? config_text : ""), &bad);
  if (bad) {
    json_decref(j);
    return NULL;
  }
  return j;
}

/* ==== after a sweep ======================================================= */

/* The record of run i: its stored JSON, or (none, or unreadable) a stand-in
 * from the definition (status -1 = no result; failed = unreadable). */
static int record_of(const sb_config *c, size_t i, const json_t *j, sb_run_result *r) {
  sb_run_result_init(r);
  const sb_run_def *rd = &c->runs[i];
  int rc = SB_OK;
  if (j) {
    sb_error e2 = {0};
    if (sb_run_result_from_json(r, j, rd->id, &e2) != SB_OK) {
      sb_run_result_clear(r);
      char msg[1200];
      snprintf(msg, sizeof msg, "stored result unreadable: %s", e2.msg);
      rc = sb_run_result_set_def(r, rd);
      if (!rc) rc = sb_run_result_set(&r->message, msg);
      r->status = SB_RUN_FAILED;
    }
  } else {
    rc = sb_run_result_set_def(r, rd);
  }
  if (!rc) rc = sb_run_result_set(&r->experiment, c->name);
  if (!r->master_seed.set) r->master_seed = (sb_opt_u64){c->seed, 1};
  return rc;
}

int sb_report_write(const sb_config *c, const char *outdir, json_t *const *results, int print,
                    sb_error *err) {
  sb_run_result *recs = calloc(c->n_runs ? c->n_runs : 1, sizeof *recs);
  sb_run_result **res = calloc(c->n_runs ? c->n_runs : 1, sizeof *res);
  int rc = recs && res ? SB_OK : SB_ENOMEM;
  size_t made = 0;
  for (size_t i = 0; rc == SB_OK && i < c->n_runs; i++, made++) {
    rc = record_of(c, i, results[i], &recs[i]);
    res[i] = &recs[i];
  }
  json_t *ctx = NULL;
  if (rc == SB_OK && !(ctx = sb_context_json(c->path, c->text))) rc = SB_ENOMEM;
  if (rc == SB_ENOMEM) sb_error_set(err, SB_ENOMEM, "out of memory writing the report");
  int bad = 0;
  if (rc == SB_OK) {
    put(ctx, "experiment", sb_json_text(c->name), &bad);
    put(ctx, "description", sb_json_text(c->description ? c->description : ""), &bad);
    put(ctx, "runs", json_integer((json_int_t)c->n_runs), &bad);
    put(ctx, "master_seed", json_integer((json_int_t)c->seed), &bad);
    put(ctx, "repetitions", json_integer((json_int_t)c->repetitions), &bad);
    put(ctx, "heldout", json_integer((json_int_t)c->heldout), &bad);
    put(ctx, "heldout_distribution", json_string(sb_heldout_dist_name(c->heldout_dist)), &bad);
    put(ctx, "plot_metric", json_string(c->plot_exact ? "exact" : "heldout"), &bad);
    if (bad) rc = sb_error_set(err, SB_ENOMEM, "out of memory writing the report");
  }
  sb_report_meta m = {c->name, c->description, c->heldout, c->heldout_dist, c->plot_exact, ctx};
  if (rc == SB_OK) rc = write_outputs(&m, res, c->n_runs, outdir, print, err);
  json_decref(ctx);
  for (size_t i = 0; i < made; i++) sb_run_result_clear(&recs[i]);
  free(recs);
  free(res);
  return rc;
}

/* ==== a folder (`spexbench report DIR`) =================================== */

int sb_report_config_value(const json_t *ctx, const char *key, char *buf, size_t len) {
  const char *v = json_string_value(json_object_get(ctx, key));
  if (v) {
    snprintf(buf, len, "%s", v);
    return 1;
  }
  /* older context.json files: the line "key = value" of the config text */
  const char *text = json_string_value(json_object_get(ctx, "config_text"));
  size_t kl = strlen(key);
  for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
    while (*p == ' ' || *p == '\t') p++;
    if (strncmp(p, key, kl)) continue;
    const char *eq = p + kl;
    while (*eq == ' ' || *eq == '\t') eq++;
    if (*eq != '=') continue;
    eq++;
    while (*eq == ' ' || *eq == '\t') eq++;
    size_t l = strcspn(eq, "\r\n");
    while (l && (eq[l - 1] == ' ' || eq[l - 1] == '\t')) l--;
    snprintf(buf, len, "%.*s", (int)l, eq);
    return 1;
  }
  return 0;
}

int sb_report_folder(const char *dir, int figures, int print, sb_error *err) {
  char path[4200];
  path_in(path, sizeof path, dir, "context.json");
  json_error_t je;
  json_t *ctx = json_load_file(path, 0, &je);
  if (!ctx)
    return sb_error_set(err, SB_EFORMAT, "%s:%d: %s (is %s a spexbench results folder?)", path,
                        je.line, je.text, dir);
  sb_report_meta m = {json_string_value(json_object_get(ctx, "experiment")),
                      json_string_value(json_object_get(ctx, "description")),
                      (size_t)json_integer_value(json_object_get(ctx, "heldout")),
                      SB_HELDOUT_UNIFORM, 0, ctx};
  char pm[64], desc[512];
  m.plot_exact = sb_report_config_value(ctx, "plot_metric", pm, sizeof pm) && !strcmp(pm, "exact");
  if (!m.description && sb_report_config_value(ctx, "description", desc, sizeof desc))
    m.description = desc;
  const char *dist = json_string_value(json_object_get(ctx, "heldout_distribution"));
  if (dist) sb_heldout_dist_parse(dist, &m.heldout_dist);
  if (!m.name) m.name = dir;
  path_in(path, sizeof path, dir, "runs.csv");
  sb_run_result *recs = NULL;
  size_t n = 0;
  int rc = sb_report_read_runs(path, &recs, &n, err);
  sb_run_result **res = rc ? NULL : calloc(n ? n : 1, sizeof *res);
  if (!rc && !res) rc = sb_error_set(err, SB_ENOMEM, "out of memory");
  for (size_t i = 0; res && i < n; i++) res[i] = &recs[i];
  sb_summary *s = NULL;
  if (rc == SB_OK) rc = summarise(&m, res, n, &s, err);
  sb_plot_info plot = {0};
  if (rc == SB_OK) rc = sb_plot_write(&m, s, dir, figures, &plot, err);
  if (rc == SB_OK && !figures) { /* describe the figure that is there */
    char svg[4300];
    path_in(svg, sizeof svg, dir, "faithfulness.svg");
    plot.drawn = sb_file_exists(svg);
    if (!plot.drawn) snprintf(plot.message, sizeof plot.message, "no figure in the folder");
  }
  if (rc == SB_OK) rc = write_markdown(&m, s, res, n, &plot, dir, print, err);
  if (rc == SB_OK && !print) fprintf(stderr, "spexbench: wrote %s/REPORT.md\n", dir);
  sb_summary_free(s);
  for (size_t i = 0; i < n; i++) sb_run_result_clear(&recs[i]);
  free(recs);
  free(res);
  json_decref(ctx);
  return rc;
}

void sb_report_columns_doc(FILE *fp) {
  fprintf(fp, "### runs.csv\n\n");
  sb_columns_markdown(fp, sb_run_columns, SB_COL_IN_CSV);
  fprintf(fp, "\n### summary.csv\n\n");
  sb_columns_markdown(fp, sb_summary_columns, SB_COL_IN_CSV);
}
