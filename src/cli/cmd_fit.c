/* `spexbench fit`: one algorithm, once, on one dataset; prints its metrics
 * (human-readable, or one JSON object with --json) and can save the surrogate. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/fsutil.h"
#include "indices/indices.h"
#include "runner/runner.h"

static void fit_usage(FILE *fp) {
  fprintf(fp,
          "usage: spexbench fit --dataset SPEC --algo NAME[:key=value,...] --budget N\n"
          "                     [--seed S] [--coefficients FILE] [--json]\n"
          "                     [--heldout N] [--heldout-dist uniform|sizes] [--threads T]\n"
          "                     [--index NAME [--order L] [--top K] [--export FILE.json]]\n\n"
          "Run one algorithm once and print its metrics.\n"
          "  --dataset SPEC        e.g. fourier:n=256,k=50,degree=4,snr_db=20,seed=7\n"
          "                        (families: spexbench list)\n"
          "  --algo NAME[:k=v,..]  e.g. faith-banzhaf:order=2 (parameters: spexbench list --params)\n"
          "  --budget N            distinct model queries allowed\n"
          "  --seed S              master seed (default 1); the run seed is derived from it and\n"
          "                        the run definition, as in `spexbench run`\n"
          "  --coefficients FILE   write the surrogate spectrum as JSON\n"
          "  --json                print one JSON object instead of a table\n"
          "  --heldout N           held-out masks for R² (default 10000; 0 = none)\n"
          "  --index NAME          interaction index of the surrogate: Moebius, SII, BII, FSII,\n"
          "                        FBII, STII, k-SII, SV, BV (docs/BASELINES.md)\n"
          "  --order L             its order (default 2; 1 for SV/BV)\n"
          "  --top K               print the K largest interactions (default 20)\n"
          "  --export FILE.json    write them in shapiq's InteractionValues JSON layout\n");
}

static int parse_size(const char *s, size_t *out) {
  char *end;
  long long v = strtoll(s, &end, 10);
  if (*end || v < 0) return 0;
  *out = (size_t)v;
  return 1;
}

/* --index: the surrogate's interaction index (indices/indices.h), its top
 * interactions printed (or added to the JSON output), and an optional export in
 * shapiq's InteractionValues layout. */
static int fit_index(const sb_spectrum *g, sb_index_kind index, size_t order, size_t top,
                     const char *export, int exact, size_t queries_used, json_t *j,
                     sb_error *err) {
  if (order > g->n) order = g->n;
  sb_spectrum *vals = sb_index_compute(g, index, order, 0, err);
  if (!vals) return err->code;
  uint64_t *empty = calloc(g->words, sizeof *empty);
  size_t *idx = malloc((top ? top : 1) * sizeof *idx);
  size_t *members = malloc((g->n ? g->n : 1) * sizeof *members);
  json_t *arr = json_array(), *ij = json_object();
  int rc = SB_OK;
  if (!empty || !idx || !members || !arr || !ij) {
    rc = sb_error_set(err, SB_ENOMEM, "out of memory");
    goto done;
  }
  double f0 = sb_spectrum_eval(g, empty);
  size_t k = sb_spectrum_topk(vals, top, 0, idx);
  for (size_t r = 0; r < k; r++) {
    size_t s = sb_mask_indices(sb_spectrum_key(vals, idx[r]), g->words, members);
    json_t *set = json_array(), *item = json_object();
    for (size_t i = 0; i < s; i++) json_array_append_new(set, json_integer((json_int_t)members[i]));
    json_object_set_new(item, "set", set);
    json_object_set_new(item, "value", json_real(vals->values[idx[r]]));
    json_array_append_new(arr, item);
  }
  json_object_set_new(ij, "name", json_string(sb_index_name(index)));
  json_object_set_new(ij, "order", json_integer((json_int_t)order));
  json_object_set(ij, "top", arr);
  if (export) {
    sb_index_export_opts o;
    sb_index_export_defaults(vals, index, order, f0, exact,
                             queries_used == SB_SIZE_UNSET ? 0 : queries_used, &o);
    rc = sb_index_export_shapiq(vals, &o, export, err);
    if (!rc) json_object_set_new(ij, "export", json_string(export));
  }
  json_object_set(j, "index", ij);
done:
  json_decref(arr);
  json_decref(ij);
  free(members);
  free(idx);
  free(empty);
  sb_spectrum_free(vals);
  return rc;
}

/* Human-readable listing of the "index" object fit_index stored. */
static void print_index(const json_t *ij) {
  const json_t *arr = json_object_get(ij, "top");
  printf("%s of order %lld, top %zu (|value|):\n", json_string_value(json_object_get(ij, "name")),
         (long long)json_integer_value(json_object_get(ij, "order")), json_array_size(arr));
  size_t i;
  const json_t *item;
  json_array_foreach(arr, i, item) {
    const json_t *set = json_object_get(item, "set"), *m;
    size_t q;
    printf("  (");
    json_array_foreach(set, q, m) printf(q ? ", %lld" : "%lld", (long long)json_integer_value(m));
    printf(")  %.6g\n", json_real_value(json_object_get(item, "value")));
  }
  const json_t *ex = json_object_get(ij, "export");
  if (ex) printf("%-14s %s\n", "export", json_string_value(ex));
}

/* The human-readable listing: the table's SB_COL_IN_TEXT columns, then the phases. */
static void print_result(const sb_run_result *r) {
  char buf[1200];
  for (const sb_column *c = sb_run_columns; c->name; c++) {
    if (!(c->flags & SB_COL_IN_TEXT)) continue;
    printf("%-14s ", c->name);
    if (!sb_columns_is_set(c, r)) printf("n/a\n");
    else if (c->kind == SB_COL_REAL) printf("%.6g\n", *(const double *)(const void *)((const char *)r + c->offset));
    else printf("%s\n", sb_columns_text(c, r, buf, sizeof buf));
  }
  printf("%-14s", "phases (s)");
  for (size_t i = 0; i < r->phases.n; i++) printf(" %s=%.4g", r->phases.v[i].name, r->phases.v[i].seconds);
  printf("\n");
}

int cmd_fit(int argc, char **argv) {
  const char *dspec = NULL, *aspec = NULL, *coef = NULL, *index_name = NULL, *export = NULL;
  size_t order = 2, top = 20;
  int have_order = 0;
  size_t budget = 0, seed = 1, heldout = 10000;
  int json_out = 0, have_budget = 0, threads = 0;
  sb_heldout_dist dist = SB_HELDOUT_UNIFORM;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    int more = i + 1 < argc;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      fit_usage(stdout);
      return 0;
    } else if (!strcmp(a, "--dataset") && more) {
      dspec = argv[++i];
    } else if (!strcmp(a, "--algo") && more) {
      aspec = argv[++i];
    } else if (!strcmp(a, "--budget") && more) {
      if (!parse_size(argv[++i], &budget) || budget == 0) {
        fprintf(stderr, "spexbench fit: --budget '%s': expected a positive integer\n", argv[i]);
        return 2;
      }
      have_budget = 1;
    } else if (!strcmp(a, "--seed") && more) {
      if (!parse_size(argv[++i], &seed)) {
        fprintf(stderr, "spexbench fit: --seed '%s': expected an integer >= 0\n", argv[i]);
        return 2;
      }
    } else if (!strcmp(a, "--heldout") && more) {
      if (!parse_size(argv[++i], &heldout) || heldout == 1) {
        fprintf(stderr, "spexbench fit: --heldout '%s': expected 0 or an integer >= 2\n", argv[i]);
        return 2;
      }
    } else if (!strcmp(a, "--heldout-dist") && more) {
      if (!sb_heldout_dist_parse(argv[++i], &dist)) {
        fprintf(stderr, "spexbench fit: --heldout-dist '%s': expected uniform or sizes\n", argv[i]);
        return 2;
      }
    } else if (!strcmp(a, "--threads") && more) {
      size_t t;
      if (!parse_size(argv[++i], &t) || t < 1 || t > 256) {
        fprintf(stderr, "spexbench fit: --threads '%s': expected 1..256\n", argv[i]);
        return 2;
      }
      threads = (int)t;
    } else if (!strcmp(a, "--coefficients") && more) {
      coef = argv[++i];
    } else if (!strcmp(a, "--index") && more) {
      index_name = argv[++i];
    } else if (!strcmp(a, "--order") && more) {
      if (!parse_size(argv[++i], &order) || order < 1) {
        fprintf(stderr, "spexbench fit: --order '%s': expected an integer >= 1\n", argv[i]);
        return 2;
      }
      have_order = 1;
    } else if (!strcmp(a, "--top") && more) {
      if (!parse_size(argv[++i], &top)) {
        fprintf(stderr, "spexbench fit: --top '%s': expected an integer >= 0\n", argv[i]);
        return 2;
      }
    } else if (!strcmp(a, "--export") && more) {
      export = argv[++i];
    } else if (!strcmp(a, "--json")) {
      json_out = 1;
    } else {
      fprintf(stderr, "spexbench fit: unknown or incomplete option '%s'\n", a);
      fit_usage(stderr);
      return 2;
    }
  }
  if (!dspec || !aspec || !have_budget) {
    fprintf(stderr, "spexbench fit: --dataset, --algo and --budget are required\n");
    fit_usage(stderr);
    return 2;
  }
  sb_error err = {0};
  sb_index_kind index = SB_INDEX_SII;
  if (!index_name && (export || have_order)) {
    fprintf(stderr, "spexbench fit: --order and --export need --index NAME\n");
    return 2;
  }
  if (index_name && sb_index_parse(index_name, &index, &err)) return sb_cli_fail(&err);
  if (index == SB_INDEX_SV || index == SB_INDEX_BV) order = 1;
  const sb_algo_type *type;
  sb_params *params;
  if (sb_algo_parse(aspec, &type, &params, &err)) return sb_cli_fail(&err);
  char *canon = sb_params_canonical(params);
  sb_params_free(params);
  const char *colon = strchr(dspec, ':');
  size_t flen = colon ? (size_t)(colon - dspec) : strlen(dspec);
  char family[64];
  snprintf(family, sizeof family, "%.*s", (int)(flen < 63 ? flen : 63), dspec);
  sb_run_def rd = {0};
  rd.group = "fit";
  rd.dataset_spec = (char *)dspec;
  rd.family = family;
  rd.algo = type;
  rd.algo_label = (char *)type->name;
  rd.algo_params = canon ? canon : "";
  rd.budget = budget;
  rd.id = "fit";
  sb_run_seeds((uint64_t)seed, dspec, 0, type->name, rd.algo_params, budget, 0, &rd.seed,
               &rd.design_seed, &rd.heldout_seed);
  if (threads <= 0) threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
  if (threads < 1) threads = 1;
  omp_set_num_threads(threads);
  sb_run_options opt = {heldout, dist, threads, {(uint64_t)seed, 1}};
  sb_spectrum *g = NULL;
  sb_run_result r;
  int rc = sb_run_execute_result(&rd, &opt, &r, &g, NULL);
  free(canon);
  json_t *j = rc ? NULL : sb_run_result_to_json(&r, SB_COL_IN_FIT);
  if (!j) {
    sb_run_result_clear(&r);
    sb_spectrum_free(g);
    sb_error_set(&err, SB_ENOMEM, "out of memory");
    return sb_cli_fail(&err);
  }
  int ok = r.status == SB_RUN_OK;
  if (ok && coef && sb_spectrum_write_json(g, coef, &err)) rc = err.code;
  int exact = (type->flags & SB_ALGO_EXACT) != 0;
  if (!rc && ok && index_name)
    rc = fit_index(g, index, order, top, export, exact, r.queries_used, j, &err);
  if (rc) {
    sb_run_result_clear(&r);
    sb_spectrum_free(g);
    json_decref(j);
    return sb_cli_fail(&err);
  }
  if (json_out) {
    char *s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(10));
    printf("%s\n", s ? s : "{}");
    free(s);
  } else if (ok) {
    print_result(&r);
    if (coef) printf("%-14s %s\n", "coefficients", coef);
    if (json_object_get(j, "index")) print_index(json_object_get(j, "index"));
  }
  if (!ok && !json_out)
    fprintf(stderr, "spexbench: %s: %s\n", sb_run_status_names[r.status],
            r.message ? r.message : "");
  sb_run_result_clear(&r);
  sb_spectrum_free(g);
  json_decref(j);
  return ok ? 0 : 1;
}
