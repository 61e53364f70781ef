/* `spexbench fit`: one algorithm, once, on one dataset; prints its metrics
 * (human-readable, or one JSON object with --json) and can save the surrogate. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "core/fsutil.h"
#include "indices/indices.h"
#include "runner/runner.h"

typedef struct fit_args {
  const char *dataset, *algo, *coefficients, *index, *export;
  size_t budget, heldout, order, top;
  uint64_t seed;
  int json, threads, dist;
} fit_args;

static const sb_arg FIT_ARGS[] = {
    {"--dataset", NULL, SB_ARG_STRING, offsetof(fit_args, dataset), "SPEC", 0, 0, NULL,
     SB_ARG_REQUIRED, "e.g. fourier:n=256,k=50,degree=4,snr_db=20,seed=7\n"
     "(families: spexbench list)"},
    {"--algo", NULL, SB_ARG_STRING, offsetof(fit_args, algo), "NAME[:k=v,..]", 0, 0, NULL,
     SB_ARG_REQUIRED, "e.g. faith-banzhaf:order=2 (parameters: spexbench list --params)"},
    {"--budget", NULL, SB_ARG_SIZE, offsetof(fit_args, budget), "N", 1, SIZE_MAX, NULL,
     SB_ARG_REQUIRED, "distinct model queries allowed (more than 2^n: all 2^n masks)"},
    {"--seed", NULL, SB_ARG_UINT64, offsetof(fit_args, seed), "S", 0, UINT64_MAX, NULL, 0,
     "master seed (default 1); the run seed is derived from it and\n"
     "the run definition, as in `spexbench run`"},
    {"--coefficients", NULL, SB_ARG_STRING, offsetof(fit_args, coefficients), "FILE", 0, 0,
     NULL, 0, "write the surrogate spectrum as JSON"},
    {"--json", NULL, SB_ARG_FLAG, offsetof(fit_args, json), NULL, 0, 0, NULL, 0,
     "print one JSON object instead of a table"},
    {"--heldout", NULL, SB_ARG_SIZE, offsetof(fit_args, heldout), "N", 2, SB_HELDOUT_MAX, NULL,
     SB_ARG_ZERO_OK, "held-out masks for R² (default 10000; 0 = none)"},
    {"--heldout-dist", NULL, SB_ARG_CHOICE, offsetof(fit_args, dist), "uniform|sizes", 0, 0,
     "uniform|sizes", 0, "held-out distribution (default uniform)"},
    {"--threads", NULL, SB_ARG_INT, offsetof(fit_args, threads), "T", 1, 256, NULL, 0,
     "threads (default: all cores)"},
    {"--index", NULL, SB_ARG_STRING, offsetof(fit_args, index), "NAME", 0, 0, NULL, 0,
     "interaction index of the surrogate: Moebius, SII, BII, FSII, FBII,\n"
     "STII, k-SII, SV, BV (docs/BASELINES.md)"},
    {"--order", NULL, SB_ARG_SIZE, offsetof(fit_args, order), "L", 1, SIZE_MAX, NULL, 0,
     "its order (default 2; 1 for SV/BV)"},
    {"--top", NULL, SB_ARG_SIZE, offsetof(fit_args, top), "K", 0, SIZE_MAX, NULL, 0,
     "print the K largest interactions (default 20)"},
    {"--export", NULL, SB_ARG_STRING, offsetof(fit_args, export), "FILE.json", 0, 0, NULL, 0,
     "write them in shapiq's InteractionValues JSON layout"},
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};
enum { ARG_ORDER = 10 }; /* index of --order in FIT_ARGS */

static const sb_command_spec FIT_SPEC = {
    "fit", "Run one algorithm once and print its metrics.\n", FIT_ARGS, NULL,
};

/* An output file option must not name a directory (other special files are
 * refused by the atomic writer: core/fsutil.h). */
static int check_output(const char *opt, const char *path, sb_error *err) {
  struct stat st;
  if (path && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
    return sb_error_set(err, SB_EINVAL, "%s %s: is a directory; %s names the output file", opt,
                        path, opt);
  return SB_OK;
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
  fit_args a = {NULL, NULL, NULL, NULL, NULL, 0, 10000, 2, 20, 1, 0, 0, SB_HELDOUT_UNIFORM};
  uint64_t given = 0;
  int pr = sb_args_parse(&FIT_SPEC, argc, argv, &a, &given);
  if (pr) return SB_ARGS_EXIT(pr);
  const char *dspec = a.dataset, *aspec = a.algo, *coef = a.coefficients;
  const char *index_name = a.index, *export = a.export;
  size_t order = a.order, top = a.top, budget = a.budget, heldout = a.heldout;
  int have_order = (given >> ARG_ORDER) & 1, json_out = a.json, threads = a.threads;
  sb_heldout_dist dist = (sb_heldout_dist)a.dist;
  sb_error err = {0};
  sb_index_kind index = SB_INDEX_SII;
  if (!index_name && (export || have_order))
    return sb_args_error(&FIT_SPEC, "--order and --export need --index NAME");
  if (check_output("--coefficients", coef, &err) || check_output("--export", export, &err))
    return sb_cli_fail(&err);
  if (heldout && sb_heldout_check_memory(heldout, 0, &err)) {
    sb_error_prefix(&err, "--heldout %zu", heldout);
    return sb_cli_fail(&err);
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
  /* the same seeds as `spexbench run` for the same dataset (a stored file by its
   * content), algorithm, parameters and budget (repetition 0) */
  char *dkey = NULL;
  if (sb_dataset_identity(dspec, &dkey, &err)) {
    free(canon);
    return sb_cli_fail(&err);
  }
  sb_run_def rd = {0};
  rd.group = "fit";
  rd.dataset_spec = (char *)dspec;
  rd.dataset_key = dkey;
  rd.family = family;
  rd.algo = type;
  rd.algo_label = (char *)type->name;
  rd.algo_params = canon ? canon : "";
  rd.budget = budget;
  rd.id = "fit";
  sb_run_seeds(a.seed, dkey, 0, type->name, rd.algo_params, budget, 0, &rd.seed,
               &rd.design_seed, &rd.heldout_seed);
  rd.identity = sb_run_identity(&rd, heldout, dist);
  if (threads <= 0) threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
  if (threads < 1) threads = 1;
  omp_set_num_threads(threads);
  sb_run_options opt = {heldout, dist, threads, {a.seed, 1}};
  sb_spectrum *g = NULL;
  sb_run_result r;
  int rc = sb_run_execute_result(&rd, &opt, &r, &g, NULL);
  free(canon);
  free(dkey);
  free(rd.identity);
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
