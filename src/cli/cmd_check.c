/* `spexbench check [--update] RESULTS_DIR`: rerun an experiment's quick variant
 * into a temporary folder and compare it with the committed reference in
 * RESULTS_DIR/check/ (runner/check.h states the rules), or with --update
 * rewrite that reference.  Exit 0 within tolerance, 1 out of tolerance or on
 * error, 2 on a usage error. */
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "core/fsutil.h"
#include "runner/check.h"
#include "runner/provenance.h"
#include "runner/report.h"
#include "runner/runner.h"

typedef struct check_args {
  const char *dir, *config, *tolerance;
  int update, all, keep, jobs;
} check_args;

static const sb_arg CHECK_ARGS[] = {
    {"RESULTS_DIR", NULL, SB_ARG_POSITIONAL, offsetof(check_args, dir), NULL, 0, 0, NULL,
     SB_ARG_REQUIRED, "an experiment's results folder (results/<name>); its reference\n"
     "is RESULTS_DIR/check/ (runs.csv, summary.csv, context.json)"},
    {"--update", NULL, SB_ARG_FLAG, offsetof(check_args, update), NULL, 0, 0, NULL, 0,
     "rerun the quick variant and make it the new reference (refused\n"
     "into a committed folder while the source tree has uncommitted changes)"},
    {"--config", NULL, SB_ARG_STRING, offsetof(check_args, config), "FILE", 0, 0, NULL, 0,
     "the quick variant's config (default: the one the reference records,\n"
     "else experiments/<name>/quick.ini beside results/)"},
    {"--jobs", "-j", SB_ARG_INT, offsetof(check_args, jobs), "N", 1, 256, NULL, 0,
     "runs at a time (default: the config's `jobs`, else the cores);\n"
     "every run uses 1 thread, as the reference did"},
    {"--tolerance", NULL, SB_ARG_STRING, offsetof(check_args, tolerance), "K", 0, 0, NULL, 0,
     "factor k of the statistical rules (default 0.5; see below)"},
    {"--all", NULL, SB_ARG_FLAG, offsetof(check_args, all), NULL, 0, 0, NULL, 0,
     "print every comparison, not only those that moved"},
    {"--keep", NULL, SB_ARG_FLAG, offsetof(check_args, keep), NULL, 0, 0, NULL, 0,
     "keep the temporary results folder (its path is printed)"},
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

static const sb_command_spec CHECK_SPEC = {
    "check",
    "Rerun the quick variant of an experiment into a temporary folder and compare it\n"
    "with the committed reference, cell (group x algorithm x budget) by cell, runs\n"
    "paired by id (same seeds).  Cells whose runs are all on noiseless synthetic\n"
    "data are compared exactly (every run: status, queries, R², support, removal to\n"
    "1e-9); the others statistically: the median paired difference of each metric\n"
    "within max(0.001, k * IQR / sqrt(m)) of the reference (IQR of the reference\n"
    "values, m runs), the exact-recovery fraction within max(1/m, k * sqrt(p(1-p)/m)).\n"
    "Status counts and run identities must be equal.  Timings are not compared.\n"
    "Prints what moved; exit 0 within tolerance, 1 otherwise.\n",
    CHECK_ARGS,
    "SPEXBENCH_TEST_BREAK_ALGORITHMS=spex-no-chase (or spex-delay-row) breaks SPEX on\n"
    "purpose (a test switch): check must then fail.\n"
    "docs/RESULTS.md, \"Checking results\".\n",
};

/* The repository root of RESULTS_DIR = ROOT/results/NAME, and NAME. */
static void root_and_name(const char *dir, char *root, size_t rlen, char *name, size_t nlen) {
  char buf[PATH_MAX];
  if (!realpath(dir, buf)) snprintf(buf, sizeof buf, "%s", dir);
  char *slash = strrchr(buf, '/');
  snprintf(name, nlen, "%.200s", slash ? slash + 1 : buf);
  snprintf(root, rlen, "%.4000s/../..", buf);
  char r2[PATH_MAX];
  if (realpath(root, r2)) snprintf(root, rlen, "%s", r2);
}

/* The quick config: --config, the reference's record, or the convention. */
#define CFG_LEN (2 * PATH_MAX)

static int find_config(const check_args *a, const json_t *refctx, char *out, size_t len,
                       sb_error *err) {
  if (a->config) {
    if (!sb_file_exists(a->config))
      return sb_error_set(err, SB_EINVAL, "--config %s: no such file", a->config);
    snprintf(out, len, "%s", a->config);
    return SB_OK;
  }
  char root[PATH_MAX], name[256], tried[CFG_LEN + 64] = "";
  root_and_name(a->dir, root, sizeof root, name, sizeof name);
  const char *rec = json_string_value(json_object_get(refctx, "check_config"));
  if (rec && *rec) {
    snprintf(out, len, "%.4000s/%.4000s", root, rec);
    if (sb_file_exists(out)) return SB_OK;
    snprintf(tried, sizeof tried, "%.8100s (the reference's check_config), ", out);
  }
  snprintf(out, len, "%.4000s/experiments/%.200s/quick.ini", root, name);
  if (sb_file_exists(out)) return SB_OK;
  return sb_error_set(err, SB_EINVAL, "%s: no quick config found (looked for %s%s); give "
                      "--config FILE", a->dir, tried, out);
}

/* `path` relative to the repository root of RESULTS_DIR, when it is inside it. */
static void relative_to_root(const char *dir, const char *path, char *out, size_t len) {
  char root[PATH_MAX], name[256], real[PATH_MAX];
  root_and_name(dir, root, sizeof root, name, sizeof name);
  size_t rl = strlen(root);
  if (realpath(path, real) && !strncmp(real, root, rl) && real[rl] == '/')
    snprintf(out, len, "%s", real + rl + 1);
  else
    snprintf(out, len, "%.4000s", path);
}

/* Copy run/FILE to DIR/check/FILE atomically. */
static int copy_file(const char *from_dir, const char *to_dir, const char *file, sb_error *err) {
  char src[PATH_MAX + 64], dst[PATH_MAX + 64], *data = NULL;
  size_t len = 0;
  snprintf(src, sizeof src, "%s/%s", from_dir, file);
  snprintf(dst, sizeof dst, "%s/%s", to_dir, file);
  int rc = sb_read_file(src, &data, &len, err);
  if (!rc) rc = sb_write_file_atomic(dst, data, len, err);
  free(data);
  return rc;
}

/* The new reference: runs.csv, summary.csv and context.json (+ check_config). */
static int write_reference(const check_args *a, const char *run_dir, const char *config,
                           sb_error *err) {
  char refdir[PATH_MAX], path[PATH_MAX + 64], rel[PATH_MAX];
  snprintf(refdir, sizeof refdir, "%s/check", a->dir);
  int rc = sb_mkdir_p(refdir, err);
  if (!rc) rc = sb_provenance_check_output(sb_provenance_get(), refdir, err);
  if (!rc) rc = copy_file(run_dir, refdir, "runs.csv", err);
  if (!rc) rc = copy_file(run_dir, refdir, "summary.csv", err);
  if (rc) return rc;
  snprintf(path, sizeof path, "%s/context.json", run_dir);
  json_error_t je;
  json_t *ctx = json_load_file(path, 0, &je);
  if (!ctx) return sb_error_set(err, SB_EFORMAT, "%s:%d: %s", path, je.line, je.text);
  relative_to_root(a->dir, config, rel, sizeof rel);
  json_object_set_new(ctx, "check_config", json_string(rel));
  snprintf(path, sizeof path, "%s/context.json", refdir);
  rc = sb_json_write_atomic(ctx, path, err);
  json_decref(ctx);
  if (!rc) fprintf(stderr, "spexbench check: wrote the reference %s/ (runs.csv, summary.csv, "
                   "context.json)\n", refdir);
  return rc;
}

static int compare(const check_args *a, const char *run_dir, const sb_check_opts *o,
                   sb_error *err) {
  char rp[PATH_MAX + 64], np[PATH_MAX + 64];
  snprintf(rp, sizeof rp, "%s/check/runs.csv", a->dir);
  snprintf(np, sizeof np, "%s/runs.csv", run_dir);
  sb_run_result *ref = NULL, *now = NULL;
  size_t nr = 0, nn = 0;
  int rc = sb_report_read_runs(rp, &ref, &nr, err);
  if (!rc) rc = sb_report_read_runs(np, &now, &nn, err);
  sb_run_result **rv = calloc(nr + 1, sizeof *rv), **nv = calloc(nn + 1, sizeof *nv);
  if (!rc && (!rv || !nv)) rc = sb_error_set(err, SB_ENOMEM, "out of memory");
  for (size_t i = 0; !rc && i < nr; i++) rv[i] = &ref[i];
  for (size_t i = 0; !rc && i < nn; i++) nv[i] = &now[i];
  sb_check_result *res = NULL;
  if (!rc) rc = sb_check_compare(rv, nr, nv, nn, o, &res, err);
  int failed = 0;
  if (!rc) {
    printf("spexbench check %s: %zu reference runs, %zu now\n", a->dir, nr, nn);
    sb_check_print(stdout, res, a->all);
    failed = res->failed > 0 || nn != nr;
    if (nn != nr) printf("the rerun has %zu runs, the reference %zu: update the reference if the "
                         "quick config changed on purpose (spexbench check --update)\n", nn, nr);
  }
  sb_check_result_free(res);
  for (size_t i = 0; i < nr; i++) sb_run_result_clear(&ref[i]);
  for (size_t i = 0; i < nn; i++) sb_run_result_clear(&now[i]);
  free(ref), free(now), free(rv), free(nv);
  return rc ? rc : failed ? -1 : SB_OK;
}

int cmd_check(int argc, char **argv) {
  check_args a = {0};
  int r = sb_args_parse(&CHECK_SPEC, argc, argv, &a, NULL);
  if (r) return SB_ARGS_EXIT(r);
  sb_check_opts o;
  sb_check_opts_default(&o);
  if (a.tolerance) {
    char *end;
    o.k = strtod(a.tolerance, &end);
    if (end == a.tolerance || *end || !(o.k > 0) || !(o.k <= 100))
      return sb_args_error(&CHECK_SPEC, "--tolerance '%s': expected a number in (0, 100]",
                           a.tolerance);
  }
  sb_error err = {0};
  char path[PATH_MAX + 64], config[CFG_LEN];
  snprintf(path, sizeof path, "%s/check/context.json", a.dir);
  json_t *refctx = sb_file_exists(path) ? json_load_file(path, 0, NULL) : NULL;
  snprintf(path, sizeof path, "%s/check/runs.csv", a.dir);
  if (!a.update && !sb_file_exists(path)) {
    json_decref(refctx);
    sb_error_set(&err, SB_EINVAL, "%s: no reference (%s not found); make one with `spexbench "
                 "check --update %s`", a.dir, path, a.dir);
    return sb_cli_fail(&err);
  }
  int rc = find_config(&a, refctx, config, sizeof config, &err);
  json_decref(refctx);
  if (rc) return sb_cli_fail(&err);
  const char *tmpdir = getenv("TMPDIR");
  char tmp[PATH_MAX], run_dir[PATH_MAX + 16];
  snprintf(tmp, sizeof tmp, "%s/spexbench-check.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
  if (!mkdtemp(tmp)) {
    sb_error_set(&err, SB_EIO, "%s: cannot create a temporary folder", tmp);
    return sb_cli_fail(&err);
  }
  snprintf(run_dir, sizeof run_dir, "%s/run", tmp);
  sb_config *c = NULL;
  rc = sb_config_load(config, &c, &err);
  if (!rc) {
    fprintf(stderr, "spexbench check: rerunning %s (%zu runs) into %s\n", config, c->n_runs,
            run_dir);
    sb_runner_opts ro = {run_dir, a.jobs, 0, 1, 1};
    rc = sb_runner_run(c, &ro, &err);
  }
  sb_config_free(c);
  int failed = 0;
  if (!rc && a.update) rc = write_reference(&a, run_dir, config, &err);
  else if (!rc) {
    int cr = compare(&a, run_dir, &o, &err);
    if (cr < 0) failed = 1;
    else rc = cr;
  }
  sb_error e2;
  if (a.keep) fprintf(stderr, "spexbench check: kept %s\n", run_dir);
  else if (sb_remove_tree(tmp, &e2)) fprintf(stderr, "spexbench: warning: %s\n", e2.msg);
  if (rc) return sb_cli_fail(&err);
  return failed ? 1 : 0;
}
