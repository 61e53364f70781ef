/* REPORT.md of one results folder and the index of all of them
 * (results/README.md).  Everything comes from stored results: the summary
 * cells, the run records (for reasons and published figures) and
 * context.json.  Empty cells say why (a numbered reason from the runs), and a
 * published figure appears only where reference.c finds a meaningful match. */
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/fsutil.h"
#include "runner/aggregate.h"
#include "runner/report.h"

/* ==== helpers ============================================================ */

static const char *jstr(const json_t *j, const char *key) {
  const char *s = json_string_value(json_object_get(j, key));
  return s ? s : "";
}

/* Markdown table cells: '|' would split the cell, a line break would end the row. */
static void md_text(FILE *fp, const char *s) {
  for (; s && *s; s++) {
    if (*s == '|') fputs("\\|", fp);
    else if (*s == '\n' || *s == '\r') fputc(' ', fp);
    else fputc(*s, fp);
  }
}

static void thousands(char *buf, size_t len, size_t v) {
  char raw[32];
  snprintf(raw, sizeof raw, "%zu", v);
  size_t l = strlen(raw), o = 0;
  for (size_t i = 0; i < l && o + 2 < len; i++) {
    if (i && (l - i) % 3 == 0) buf[o++] = ',';
    buf[o++] = raw[i];
  }
  buf[o] = '\0';
}

/* The budget columns of a table header (after its first column) and the rule line. */
static void budget_columns(FILE *fp, const size_t *budgets, size_t nb) {
  for (size_t b = 0; b < nb; b++) {
    char t[32];
    thousands(t, sizeof t, budgets[b]);
    fprintf(fp, " %s |", t);
  }
  fprintf(fp, "\n|---|");
  for (size_t b = 0; b < nb; b++) fprintf(fp, "---|");
  fputc('\n', fp);
}

static int contains(const char *const *v, size_t n, const char *x) {
  for (size_t i = 0; i < n; i++)
    if (!strcmp(v[i], x)) return 1;
  return 0;
}

/* A run of the cell (for its dataset and settings), or NULL. */
static const sb_run_result *run_of(sb_run_result *const *res, size_t n, const sb_summary_cell *c) {
  for (size_t i = 0; i < n; i++)
    if (res[i]->status == SB_RUN_OK && res[i]->group && res[i]->label &&
        !strcmp(res[i]->group, c->group) && !strcmp(res[i]->label, c->label) &&
        res[i]->budget == c->budget)
      return res[i];
  return NULL;
}

/* ==== run context ======================================================== */

static void write_context(FILE *fp, const sb_report_meta *m, const sb_summary *s) {
  const json_t *ctx = m->context;
  size_t ok = 0, skipped = 0, failed = 0, missing = 0;
  for (size_t k = 0; k < s->n_cells; k++) {
    ok += s->cells[k].count_ok;
    skipped += s->cells[k].count_skipped;
    failed += s->cells[k].count_failed;
    missing += s->cells[k].count_missing;
  }
  fprintf(fp, "## Run context\n\n| | |\n|---|---|\n");
  fprintf(fp, "| config | `%s` (full text at the end) |\n", jstr(ctx, "config_path"));
  fprintf(fp, "| runs | %zu: %zu ok, %zu skipped, %zu failed", ok + skipped + failed, ok, skipped,
          failed);
  if (missing) fprintf(fp, ", %zu without a result (interrupted)", missing);
  fprintf(fp, " |\n");
  const json_t *dirty = json_object_get(ctx, "dirty");
  fprintf(fp, "| code | spexbench %s, commit `%s` — %s", jstr(ctx, "spexbench_version"),
          jstr(ctx, "commit"),
          json_is_false(dirty) ? "clean tree"
          : json_is_true(dirty) ? "**uncommitted changes**: not reproducible from the commit alone"
                                : "dirty state unknown");
  if (json_is_true(dirty) && *jstr(ctx, "dirty_paths")) {
    fputs(" (", fp);
    md_text(fp, jstr(ctx, "dirty_paths"));
    fputc(')', fp);
  }
  fprintf(fp, " |\n| build | %s, %s |\n", jstr(ctx, "build"), jstr(ctx, "compiler"));
  const json_t *libs = json_object_get(ctx, "libraries");
  const char *key;
  const json_t *v;
  fprintf(fp, "| libraries |");
  int first = 1;
  json_object_foreach((json_t *)libs, key, v) {
    fprintf(fp, "%s %s %s", first ? "" : ",", key, json_string_value(v) ? json_string_value(v) : "");
    first = 0;
  }
  fprintf(fp, " |\n| machine | %s, %lld cores |\n| date | %s |\n", jstr(ctx, "host"),
          (long long)json_integer_value(json_object_get(ctx, "cores")), jstr(ctx, "date"));
  char held[32];
  thousands(held, sizeof held, m->heldout);
  if (m->heldout)
    fprintf(fp, "| evaluation | held-out R² on %s %s masks per run (the same masks for every run "
                "on a dataset instance; never counted as queries)",
            held, sb_heldout_dist_name(m->heldout_dist));
  else fprintf(fp, "| evaluation | no held-out masks (heldout = 0)");
  fprintf(fp, "; exact R² by Parseval where the true spectrum is known |\n");
  const json_t *seed = json_object_get(ctx, "master_seed");
  if (json_is_integer(seed))
    fprintf(fp, "| master seed | %lld |\n", (long long)json_integer_value(seed));
  const json_t *sw = json_object_get(ctx, "sweep");
  if (json_is_object(sw)) {
    const json_t *l0 = json_object_get(sw, "load_1min_start"), *l1 = json_object_get(sw, "load_1min_end");
    fprintf(fp, "| runtime | %.0f s wall, %.0f s CPU of the workers (%lld runs run, %lld reused; "
                "%lld jobs × %lld threads); 1-minute load %.1f → %.1f on a machine shared with "
                "other jobs |\n",
            json_number_value(json_object_get(sw, "wall_s")),
            json_number_value(json_object_get(sw, "cpu_s")),
            (long long)json_integer_value(json_object_get(sw, "runs_executed")),
            (long long)json_integer_value(json_object_get(sw, "runs_reused")),
            (long long)json_integer_value(json_object_get(sw, "jobs")),
            (long long)json_integer_value(json_object_get(sw, "threads_per_run")),
            json_is_number(l0) ? json_number_value(l0) : NAN,
            json_is_number(l1) ? json_number_value(l1) : NAN);
  }
  if (*jstr(ctx, "fault_injection"))
    fprintf(fp, "| **fault injection** | `SPEXBENCH_TEST_BREAK_ALGORITHMS=%s`: these results come from deliberately "
                "broken code (a test of `spexbench check`), not from the algorithms |\n",
            jstr(ctx, "fault_injection"));
  fputc('\n', fp);
}

/* ==== per-group tables ==================================================== */

/* The cell's text in a table of `exact` or held-out R². */
static void cell_text(FILE *fp, const sb_summary_cell *c, int exact, const sb_run_result *run,
                      int *published_used) {
  double med = sb_summary_median(c, exact);
  if (c->count_ok == 0) {
    if (c->reason >= 0) {
      fprintf(fp, "%s [%d]", c->count_skipped == c->count_total ? "skipped" : "failed",
              c->reason + 1);
    } else {
      fprintf(fp, "no result (interrupted)");
    }
    return;
  }
  if (!isfinite(med)) {
    fprintf(fp, "%s", exact ? "n/a (no true spectrum)"
                     : c->heldout_count == 0 ? "n/a (heldout = 0)"
                                             : "n/a (R² not finite)");
  } else {
    fprintf(fp, "%.3f [%.3f, %.3f]", med, sb_summary_q1(c, exact), sb_summary_q3(c, exact));
    if (isfinite(c->queries_median) && c->queries_median < (double)c->budget)
      fprintf(fp, " q=%.0f", c->queries_median);
  }
  if (c->count_ok < c->count_total)
    fprintf(fp, " (%zu/%zu ok [%d])", c->count_ok, c->count_total, c->reason + 1);
  sb_reference ref;
  if (!exact && run && !strcmp(c->heldout_dist ? c->heldout_dist : "", "uniform") &&
      sb_reference_find(run, c->budget, &ref)) {
    fprintf(fp, " · published %.3f†", ref.value);
    *published_used = 1;
  }
}

static int group_table(FILE *fp, const sb_summary *s, sb_run_result *const *res, size_t n,
                       const char *group, int exact) {
  const sb_summary_cell **cells = calloc(s->n_cells + 1, sizeof *cells);
  size_t *budgets = calloc(s->n_cells + 1, sizeof *budgets);
  const char **labels = calloc(s->n_cells + 1, sizeof *labels);
  if (!cells || !budgets || !labels) {
    free(cells), free(budgets), free(labels);
    return SB_ENOMEM;
  }
  size_t nb = 0, nl = 0, nc = 0, per_cell = 0;
  for (size_t k = 0; k < s->n_cells; k++) {
    const sb_summary_cell *c = &s->cells[k];
    if (strcmp(c->group, group)) continue;
    cells[nc++] = c;
    size_t b;
    for (b = 0; b < nb && budgets[b] != c->budget; b++) {}
    if (b == nb) budgets[nb++] = c->budget;
    if (!contains(labels, nl, c->label)) labels[nl++] = c->label;
    if (c->count_total + c->count_missing > per_cell) per_cell = c->count_total + c->count_missing;
  }
  for (size_t i = 1; i < nb; i++) /* budgets ascending */
    for (size_t j = i; j > 0 && budgets[j - 1] > budgets[j]; j--) {
      size_t t = budgets[j];
      budgets[j] = budgets[j - 1];
      budgets[j - 1] = t;
    }
  fprintf(fp, "%s, median [q1, q3] over up to %zu runs per cell; `q=` median queries used where "
              "below the budget; [k] = reason k under *Runs not ok*\n\n",
          exact ? "Exact R² (Parseval, all 2^n masks)" : "Held-out R²", per_cell);
  fprintf(fp, "| algorithm |");
  budget_columns(fp, budgets, nb);
  int published = 0;
  for (size_t l = 0; l < nl; l++) {
    fputs("| ", fp);
    md_text(fp, labels[l]);
    fputs(" |", fp);
    for (size_t b = 0; b < nb; b++) {
      const sb_summary_cell *c = NULL;
      for (size_t k = 0; k < nc && !c; k++)
        if (!strcmp(cells[k]->label, labels[l]) && cells[k]->budget == budgets[b]) c = cells[k];
      fputc(' ', fp);
      if (c) cell_text(fp, c, exact, run_of(res, n, c), &published);
      else fputs("not run", fp);
      fputs(" |", fp);
    }
    fputc('\n', fp);
  }
  if (published) {
    sb_reference ref = {0};
    for (size_t k = 0; k < nc; k++) {
      const sb_run_result *r = run_of(res, n, cells[k]);
      if (r && sb_reference_find(r, cells[k]->budget, &ref)) break;
    }
    fprintf(fp, "\n† published: %s; %s; %s.\n", ref.source, ref.metric, ref.note);
  }
  fputc('\n', fp);
  free(cells), free(budgets), free(labels);
  return SB_OK;
}

static void recovery_table(FILE *fp, const sb_summary *s, const char *group);
static void removal_tables(FILE *fp, const sb_summary *s, const char *group);

static int write_groups(FILE *fp, const sb_report_meta *m, const sb_summary *s,
                        sb_run_result *const *res, size_t n) {
  const char **groups = calloc(s->n_cells + 1, sizeof *groups);
  if (!groups) return SB_ENOMEM;
  int rc = SB_OK;
  size_t ng = 0;
  for (size_t k = 0; k < s->n_cells; k++)
    if (!contains(groups, ng, s->cells[k].group)) groups[ng++] = s->cells[k].group;
  fprintf(fp, "## Results by dataset group\n\n");
  for (size_t g = 0; g < ng && rc == SB_OK; g++) {
    /* what the group is: family, n, inputs */
    const sb_run_result *any = NULL;
    size_t nmin = SB_SIZE_UNSET, nmax = 0, inputs = 0;
    int exact_any = 0, heldout_any = 0;
    for (size_t i = 0; i < n; i++) {
      const sb_run_result *r = res[i];
      if (!r->group || strcmp(r->group, groups[g])) continue;
      if (!any) any = r;
      if (r->n != SB_SIZE_UNSET) {
        if (nmin == SB_SIZE_UNSET || r->n < nmin) nmin = r->n;
        if (r->n > nmax) nmax = r->n;
      }
      if (r->instance != SB_SIZE_UNSET && r->instance + 1 > inputs) inputs = r->instance + 1;
      exact_any |= isfinite(r->r2_exact);
      heldout_any |= isfinite(r->r2_heldout);
    }
    fprintf(fp, "### ");
    md_text(fp, groups[g]);
    fprintf(fp, " (%s", any && any->family ? any->family : "?");
    if (nmin != SB_SIZE_UNSET)
      fprintf(fp, nmin == nmax ? ", n = %zu" : ", n = %zu–%zu", nmin, nmax);
    fprintf(fp, ", %zu input%s)\n\n", inputs, inputs == 1 ? "" : "s");
    /* the figure's metric first */
    int order[2] = {m->plot_exact, !m->plot_exact};
    for (int t = 0; t < 2; t++) {
      if (order[t] ? !exact_any : !heldout_any && m->heldout == 0) continue;
      if ((rc = group_table(fp, s, res, n, groups[g], order[t]))) break;
    }
    if (m->plot_metric == SB_PLOT_RECOVERY) recovery_table(fp, s, groups[g]);
    removal_tables(fp, s, groups[g]);
    char desc[2048];
    if (any && sb_reference_describe(any, desc, sizeof desc)) {
      int matched = 0;
      for (size_t k = 0; k < s->n_cells && !matched; k++) {
        sb_reference ref;
        const sb_run_result *r = strcmp(s->cells[k].group, groups[g]) ? NULL
                                                                       : run_of(res, n, &s->cells[k]);
        matched = r && sb_reference_find(r, s->cells[k].budget, &ref);
      }
      if (!matched)
        fprintf(fp, "%s None of this experiment's budgets is that one, so no cell is compared.\n\n",
                desc);
    }
  }
  free(groups);
  return rc;
}

/* ==== figures ============================================================ */

static void write_figures(FILE *fp, const sb_report_meta *m, const sb_plot_info *plot) {
  fprintf(fp, "## Figure\n\n");
  if (plot->drawn) {
    fprintf(fp, "![%s](%s.svg)\n\n", plot->stem, plot->stem);
    if (m->plot_metric == SB_PLOT_RECOVERY)
      fprintf(fp, "Fraction of runs whose surrogate has exactly the true support (precision = "
                  "recall = 1) against the median number of distinct queries used (log scale); "
                  "one panel per dataset group and algorithm family.");
    else if (m->plot_metric == SB_PLOT_SECONDS)
      fprintf(fp, "Median wall seconds of the algorithm (design, queries, fit; metrics "
                  "excluded) against the number of features n, log–log, at each budget; band = "
                  "interquartile range over the runs; the fitted slopes are in the table "
                  "*Seconds against n* below (`slopes.csv`).");
    else
      fprintf(fp, "%s R² against the median number of distinct queries used (log scale); line = "
                  "median over the cell's runs, band = interquartile range; one panel per "
                  "dataset group and algorithm family.",
              m->plot_exact ? "Exact (Parseval)" : "Held-out");
    if (plot->clipped)
      fprintf(fp, " %zu median%s fell far below the bulk of %s panel and %s drawn as ▼ on its "
                  "lower edge (the true values are in summary.csv).",
              plot->clipped, plot->clipped == 1 ? "" : "s", plot->clipped == 1 ? "its" : "their",
              plot->clipped == 1 ? "is" : "are");
    fprintf(fp, "\n\n");
  } else {
    fprintf(fp, "No figure: %s.\n\n", plot->message[0] ? plot->message : "not drawn");
  }
  if (plot->removal_drawn)
    fprintf(fp, "![removal](%s.svg)\n\nRemoval: for r = 1…R, the true output change "
                "|f(all) − f(all − S)| / |f(all) − f(∅)| when the r features S whose removal the "
                "surrogate predicts moves the output most are removed (median and interquartile "
                "band over the inputs; one panel per dataset group and budget).\n\n",
            sb_plot_removal_stem());
}

/* ==== recovery, removal, targets, seconds ================================= */

/* Exact support recovery of a group: label × budget, "rate (k/m)". */
static void recovery_table(FILE *fp, const sb_summary *s, const char *group) {
  fprintf(fp, "Exact support recovery: fraction of ok runs whose surrogate has exactly the true "
              "support (precision = recall = 1), with k/m runs\n\n| algorithm |");
  size_t budgets[256], nb = 0;
  for (size_t k = 0; k < s->n_cells; k++) {
    const sb_summary_cell *c = &s->cells[k];
    if (strcmp(c->group, group)) continue;
    size_t b;
    for (b = 0; b < nb && budgets[b] != c->budget; b++) {}
    if (b == nb && nb < 256) budgets[nb++] = c->budget;
  }
  for (size_t i = 1; i < nb; i++)
    for (size_t j = i; j > 0 && budgets[j - 1] > budgets[j]; j--) {
      size_t t = budgets[j];
      budgets[j] = budgets[j - 1];
      budgets[j - 1] = t;
    }
  budget_columns(fp, budgets, nb);
  for (size_t k = 0; k < s->n_cells; k++) {
    const sb_summary_cell *c = &s->cells[k];
    int first = 1; /* one row per label, at its first cell */
    for (size_t j = 0; j < k && first; j++)
      first = strcmp(s->cells[j].group, group) || strcmp(s->cells[j].label, c->label);
    if (strcmp(c->group, group) || !first) continue;
    fputs("| ", fp);
    md_text(fp, c->label);
    fputs(" |", fp);
    for (size_t b = 0; b < nb; b++) {
      const sb_summary_cell *d = NULL;
      for (size_t j = 0; j < s->n_cells && !d; j++)
        if (!strcmp(s->cells[j].group, group) && !strcmp(s->cells[j].label, c->label) &&
            s->cells[j].budget == budgets[b])
          d = &s->cells[j];
      if (!d) fputs(" not run |", fp);
      else if (d->recovery_known)
        fprintf(fp, " %.2f (%zu/%zu) |", d->recovery_rate, d->recovery_count, d->recovery_known);
      else if (d->count_ok == 0 && d->reason >= 0) fprintf(fp, " skipped or failed [%d] |", d->reason + 1);
      else fputs(" n/a |", fp);
    }
    fputc('\n', fp);
  }
  fputc('\n', fp);
}

/* Removal curves of a group: one table per budget, label × r. */
static void removal_tables(FILE *fp, const sb_summary *s, const char *group) {
  for (size_t k = 0; k < s->n_cells; k++) {
    const sb_summary_cell *c = &s->cells[k];
    if (strcmp(c->group, group) || !c->removal_median.n) continue;
    int first = 1; /* one table per budget, at its first cell */
    for (size_t j = 0; j < k && first; j++)
      first = strcmp(s->cells[j].group, group) || s->cells[j].budget != c->budget ||
              !s->cells[j].removal_median.n;
    if (!first) continue;
    size_t R = 0;
    for (size_t j = k; j < s->n_cells; j++)
      if (!strcmp(s->cells[j].group, group) && s->cells[j].budget == c->budget &&
          s->cells[j].removal_median.n > R)
        R = s->cells[j].removal_median.n;
    char t[32];
    thousands(t, sizeof t, c->budget);
    fprintf(fp, "Removal at budget %s: median [q1, q3] over the inputs of |f(all) − f(all − S)| "
                "/ |f(all) − f(∅)| for the r features S the surrogate picks (search: %s)\n\n"
                "| algorithm |",
            t, c->removal_search ? c->removal_search : "?");
    for (size_t r = 1; r <= R; r++) fprintf(fp, " r = %zu |", r);
    fprintf(fp, "\n|---|");
    for (size_t r = 1; r <= R; r++) fprintf(fp, "---|");
    fputc('\n', fp);
    for (size_t j = k; j < s->n_cells; j++) {
      const sb_summary_cell *d = &s->cells[j];
      if (strcmp(d->group, group) || d->budget != c->budget) continue;
      fputs("| ", fp);
      md_text(fp, d->label);
      fputs(" |", fp);
      for (size_t r = 0; r < R; r++) {
        if (r < d->removal_median.n && isfinite(d->removal_median.v[r]))
          fprintf(fp, " %.3f [%.3f, %.3f] |", d->removal_median.v[r], d->removal_q1.v[r],
                  d->removal_q3.v[r]);
        else if (d->count_ok == 0 && d->reason >= 0) fprintf(fp, " skipped or failed [%d] |", d->reason + 1);
        else fputs(" – |", fp);
      }
      fputc('\n', fp);
    }
    fputc('\n', fp);
  }
}

static int write_targets(FILE *fp, const sb_report_meta *m, const sb_summary *s) {
  sb_target_row *rows = NULL;
  size_t n = 0;
  sb_error err;
  if (sb_targets_build(s, m->target_r2, m->plot_exact, &rows, &n, &err)) return SB_ENOMEM;
  fprintf(fp, "## Queries to reach R² %.3g\n\nThe number of distinct queries at which the "
              "median %s R² reaches %.3g: linear in log(queries) between the budget below and "
              "the first budget at or above it (`targets.csv`).\n\n"
              "| group | algorithm | queries | first budget reaching it (median R²) | budget "
              "below (median R²) |\n|---|---|---|---|---|\n",
          m->target_r2, m->plot_exact ? "exact" : "held-out", m->target_r2);
  for (size_t i = 0; i < n; i++) {
    const sb_target_row *r = &rows[i];
    fputs("| ", fp);
    md_text(fp, r->group);
    fputs(" | ", fp);
    md_text(fp, r->label);
    if (r->state == SB_TARGET_NOT_REACHED)
      fprintf(fp, " | not reached (best median %.3f) | – | – |\n", r->r2_at_budget);
    else if (r->state == SB_TARGET_AT_FIRST)
      fprintf(fp, " | ≤ %.0f (already at the smallest budget) | %zu (%.3f) | – |\n", r->queries,
              r->budget, r->r2_at_budget);
    else
      fprintf(fp, " | %.0f | %zu (%.3f) | %.0f queries (%.3f) |\n", r->queries, r->budget,
              r->r2_at_budget, r->queries_below, r->r2_below);
  }
  fputc('\n', fp);
  free(rows);
  return SB_OK;
}

static int write_seconds(FILE *fp, const sb_summary *s) {
  sb_slope_row *rows = NULL;
  size_t n = 0;
  sb_error err;
  if (sb_slopes_build(s, &rows, &n, &err)) return SB_ENOMEM;
  size_t ns[256], nn = 0;
  for (size_t k = 0; k < s->n_cells; k++) {
    size_t v = s->cells[k].n_max, i;
    if (v == SB_SIZE_UNSET) continue;
    for (i = 0; i < nn && ns[i] != v; i++) {}
    if (i == nn && nn < 256) ns[nn++] = v;
  }
  for (size_t i = 1; i < nn; i++)
    for (size_t j = i; j > 0 && ns[j - 1] > ns[j]; j--) {
      size_t t = ns[j];
      ns[j] = ns[j - 1];
      ns[j - 1] = t;
    }
  fprintf(fp, "## Seconds against n\n\nMedian wall seconds of the algorithm per n, and the "
              "least-squares slope of log(seconds) against log(n) over the n where it ran "
              "(`slopes.csv`; seconds ∝ n^slope).\n\n| algorithm | budget | slope |");
  for (size_t i = 0; i < nn; i++) fprintf(fp, " n = %zu |", ns[i]);
  fprintf(fp, "\n|---|---|---|");
  for (size_t i = 0; i < nn; i++) fprintf(fp, "---|");
  fputc('\n', fp);
  for (size_t k = 0; k < s->n_cells; k++) {
    const sb_summary_cell *c = &s->cells[k];
    int first = 1;
    for (size_t j = 0; j < k && first; j++)
      first = strcmp(s->cells[j].label, c->label) || s->cells[j].budget != c->budget;
    if (!first) continue;
    fputs("| ", fp);
    md_text(fp, c->label);
    fprintf(fp, " | %zu |", c->budget);
    const sb_slope_row *sl = NULL;
    for (size_t i = 0; i < n && !sl; i++)
      if (!strcmp(rows[i].label, c->label) && rows[i].budget == c->budget) sl = &rows[i];
    if (sl) fprintf(fp, " %.2f |", sl->slope);
    else fputs(" – |", fp);
    for (size_t i = 0; i < nn; i++) {
      const sb_summary_cell *d = NULL;
      for (size_t j = 0; j < s->n_cells && !d; j++)
        if (!strcmp(s->cells[j].label, c->label) && s->cells[j].budget == c->budget &&
            s->cells[j].n_max == ns[i])
          d = &s->cells[j];
      if (d && isfinite(d->wall_s_median)) fprintf(fp, " %.3g |", d->wall_s_median);
      else if (d && d->count_ok == 0 && d->reason >= 0) fprintf(fp, " skipped [%d] |", d->reason + 1);
      else fputs(" – |", fp);
    }
    fputc('\n', fp);
  }
  fputc('\n', fp);
  free(rows);
  return SB_OK;
}

/* ==== runs not ok, config ================================================= */

static int write_reasons(FILE *fp, const sb_summary *s, sb_run_result *const *res, size_t n) {
  fprintf(fp, "## Runs not ok\n\n");
  if (!s->n_reasons) {
    fprintf(fp, "Every run finished ok.\n\n");
    return SB_OK;
  }
  size_t *count = calloc(s->n_reasons, sizeof *count);
  const char **example = calloc(s->n_reasons, sizeof *example);
  if (!count || !example) {
    free(count), free(example);
    return SB_ENOMEM;
  }
  for (size_t i = 0; i < n; i++) {
    const sb_run_result *r = res[i];
    if (r->status <= SB_RUN_OK) continue;
    char text[1400];
    snprintf(text, sizeof text, "%s: %s", sb_run_status_names[r->status],
             r->message && *r->message ? r->message : "(no message)");
    for (size_t k = 0; k < s->n_reasons; k++)
      if (!strcmp(s->reasons[k], text)) {
        count[k]++;
        if (!example[k]) example[k] = r->id;
      }
  }
  fprintf(fp, "| | runs | status and reason | e.g. run |\n|---|---|---|---|\n");
  for (size_t k = 0; k < s->n_reasons; k++) {
    fprintf(fp, "| [%zu] | %zu | ", k + 1, count[k]);
    md_text(fp, s->reasons[k]);
    fprintf(fp, " | `%s` |\n", example[k] ? example[k] : "");
  }
  fputc('\n', fp);
  free(count), free(example);
  return SB_OK;
}

int sb_report_markdown(FILE *fp, const sb_report_meta *m, const sb_summary *s,
                       sb_run_result *const *res, size_t n, const sb_plot_info *plot) {
  fprintf(fp, "# %s\n\n", m->name);
  if (m->description && *m->description) {
    md_text(fp, m->description);
    fputs("\n\n", fp);
  }
  fprintf(fp, "Generated by spexbench from this folder's stored results (`runs.csv`, "
              "`context.json`); every number is in `summary.csv` (columns: docs/RESULTS.md). "
              "Rebuild with `spexbench report <this folder>`.\n\n");
  write_context(fp, m, s);
  write_figures(fp, m, plot);
  int rc = write_groups(fp, m, s, res, n);
  if (rc == SB_OK && isfinite(m->target_r2)) rc = write_targets(fp, m, s);
  if (rc == SB_OK && m->plot_metric == SB_PLOT_SECONDS) rc = write_seconds(fp, s);
  if (rc == SB_OK) rc = write_reasons(fp, s, res, n);
  if (rc) return rc;
  const char *text = jstr(m->context, "config_text");
  if (*text) fprintf(fp, "## Config\n\n```ini\n%s%s```\n", text,
                     text[strlen(text) - 1] == '\n' ? "" : "\n");
  return ferror(fp) ? SB_EIO : SB_OK;
}

/* ==== results/README.md =================================================== */

#define INDEX_BEGIN "<!-- BEGIN generated by `spexbench report --index results` -->"
#define INDEX_END "<!-- END generated -->"

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One index row for DIR/name (skipped silently if it has no context.json). */
static void index_row(FILE *fp, const char *dir, const char *name) {
  char path[4400];
  snprintf(path, sizeof path, "%s/%s/context.json", dir, name);
  json_error_t je;
  json_t *ctx = json_load_file(path, 0, &je);
  if (!ctx) return;
  char desc[512] = "";
  sb_report_config_value(ctx, "description", desc, sizeof desc);
  /* counts from summary.csv: committed folders keep it, not runs.csv */
  snprintf(path, sizeof path, "%s/%s/summary.csv", dir, name);
  sb_csv *csv = NULL;
  sb_error err;
  size_t n = 0, st[4] = {0, 0, 0, 0};
  int have_runs = sb_csv_read(path, &csv, &err) == SB_OK;
  static const char *const count_col[] = {"count_ok", "count_failed", "count_skipped", NULL};
  for (size_t f = 0; have_runs && f < csv->nfields[0]; f++) {
    const char *h = csv->rows[0][f];
    for (size_t k = 0; count_col[k]; k++)
      if (!strcmp(h, count_col[k]))
        for (size_t r = 1; r < csv->nrows; r++)
          if (f < csv->nfields[r]) st[k] += (size_t)strtoull(csv->rows[r][f], NULL, 10);
  }
  n = st[0] + st[1] + st[2];
  sb_csv_free(csv);
  const json_t *dirty = json_object_get(ctx, "dirty");
  fprintf(fp, "| [%s](%s/) | ", name, name);
  md_text(fp, desc);
  if (have_runs)
    fprintf(fp, " | %zu (%zu ok, %zu skipped, %zu failed)", n, st[0], st[2], st[1]);
  else fprintf(fp, " | no summary.csv");
  fprintf(fp, " | `%.10s`%s | %.10s |", jstr(ctx, "commit"),
          json_is_true(dirty) ? " (dirty)" : json_is_false(dirty) ? "" : " (?)", jstr(ctx, "date"));
  static const char *const files[] = {"REPORT.md",   "summary.csv", "faithfulness.svg",
                                      "recovery.svg", "scaling.svg", "removal.svg", NULL};
  for (size_t f = 0; files[f]; f++) {
    snprintf(path, sizeof path, "%s/%s/%s", dir, name, files[f]);
    if (sb_file_exists(path)) fprintf(fp, " [%s](%s/%s)", files[f], name, files[f]);
  }
  fprintf(fp, " |\n");
  json_decref(ctx);
}

int sb_report_index(const char *dir, sb_error *err) {
  DIR *d = opendir(dir);
  if (!d) return sb_error_set(err, SB_EIO, "%s: cannot open the results directory", dir);
  char **names = NULL;
  size_t n = 0;
  struct dirent *e;
  int rc = SB_OK;
  while ((e = readdir(d)) && rc == SB_OK) {
    if (e->d_name[0] == '.') continue;
    char path[4400];
    snprintf(path, sizeof path, "%s/%s/context.json", dir, e->d_name);
    if (!sb_file_exists(path)) continue;
    char **v = realloc(names, (n + 1) * sizeof *v);
    if (!v || !(v[n] = strdup(e->d_name))) rc = SB_ENOMEM;
    if (v) names = v;
    if (rc == SB_OK) n++;
  }
  closedir(d);
  char path[4400], *old = NULL;
  snprintf(path, sizeof path, "%s/README.md", dir);
  sb_error e2;
  if (rc == SB_OK && sb_file_exists(path) && sb_read_file(path, &old, NULL, &e2) != SB_OK)
    old = NULL;
  sb_atomic_file af;
  if (rc == SB_OK) rc = sb_atomic_open(&af, path, err);
  else sb_error_set(err, rc, "out of memory listing %s", dir);
  if (rc == SB_OK) {
    qsort(names, n, sizeof *names, cmp_str);
    const char *b = old ? strstr(old, INDEX_BEGIN) : NULL;
    const char *en = b ? strstr(b, INDEX_END) : NULL;
    if (b && en) fwrite(old, 1, (size_t)(b - old), af.fp);
    else if (old) fprintf(af.fp, "%s%s\n", old, old[0] && old[strlen(old) - 1] != '\n' ? "\n" : "");
    else fprintf(af.fp, "# results/\n\n");
    fprintf(af.fp, "%s\n\n| experiment | what | runs | commit | date | files |\n"
                   "|---|---|---|---|---|---|\n",
            INDEX_BEGIN);
    for (size_t i = 0; i < n; i++) index_row(af.fp, dir, names[i]);
    fprintf(af.fp, "\n%s\n", INDEX_END);
    if (b && en) fputs(en + strlen(INDEX_END) + (en[strlen(INDEX_END)] == '\n'), af.fp);
    rc = sb_atomic_commit(&af, err);
  }
  for (size_t i = 0; i < n; i++) free(names[i]);
  free(names);
  free(old);
  return rc;
}
