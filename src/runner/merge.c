/* `spexbench merge DIR... --out OUT`: join the slices that `spexbench run CONFIG
 * --shard I/N` wrote (shard.c) into the folder a serial run of the whole grid
 * writes: OUT/runs/<id>.json for every run (copied byte for byte, spectra too),
 * then runs.csv, summary.csv, context.json, the figure and REPORT.md by the same
 * report code (report.c), rows in config order.
 *
 * Before anything is written: every folder's shard.json is read and the slices
 * must be of one grid (equal config text, equal grid digest: the same run ids
 * and identities, so the same data content), of one count N, each shard at most
 * once, run by one commit — the commit of this spexbench too, since the report
 * is made by this code.  Every run's stored result must carry the id and
 * identity its shard.json lists.  Missing shards and runs are named, with the
 * command that finishes them; --partial writes what is there instead. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fsutil.h"
#include "runner/provenance.h"
#include "runner/shard.h"
#include "runner/sweep.h"

/* ==== the shard folders ===================================================== */

typedef struct shard_in {
  const char *dir;
  json_t *j;            /* shard.json (owned) */
  json_int_t shard, shards, grid_runs;
  const char *experiment, *config_path, *config_text, *config_sha, *commit, *grid;
  json_t *dirty, *sizes, *settings, *runs; /* borrowed from j */
} shard_in;

static int read_shard(const char *dir, shard_in *s, sb_error *err) {
  char path[4200];
  snprintf(path, sizeof path, "%s/shard.json", dir);
  s->dir = dir;
  if (!sb_file_exists(path))
    return sb_error_set(err, SB_EINVAL, "%s: no shard.json: not a folder written by `spexbench "
                        "run CONFIG --shard I/N --out DIR`, or its shard was stopped before it "
                        "finished (run that command again: stored runs are reused)", dir);
  json_error_t je;
  if (!(s->j = json_load_file(path, 0, &je)))
    return sb_error_set(err, SB_EFORMAT, "%s:%d: %s", path, je.line, je.text);
  int format = 0;
  if (json_unpack_ex(s->j, &je, 0,
                     "{s:i, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:I, s:o, s:o, s:o}",
                     "format", &format, "shard", &s->shard, "shards", &s->shards, "experiment",
                     &s->experiment, "config_path", &s->config_path, "config_text",
                     &s->config_text, "config_sha256", &s->config_sha, "commit", &s->commit,
                     "dirty", &s->dirty, "grid_sha256", &s->grid, "grid_runs", &s->grid_runs,
                     "shard_runs", &s->sizes, "settings", &s->settings, "runs", &s->runs))
    return sb_error_set(err, SB_EFORMAT, "%s: %s (expected a spexbench shard.json)", path,
                        je.text);
  if (format != 1)
    return sb_error_set(err, SB_EFORMAT, "%s: format %d (this spexbench reads format 1)", path,
                        format);
  if (s->shards < 1 || s->shard < 1 || s->shard > s->shards || s->grid_runs < 0 ||
      !json_is_array(s->runs) || !json_is_array(s->sizes) ||
      json_array_size(s->sizes) != (size_t)s->shards || !json_is_object(s->settings))
    return sb_error_set(err, SB_EFORMAT, "%s: shard %lld of %lld, %lld runs: inconsistent", path,
                        (long long)s->shard, (long long)s->shards, (long long)s->grid_runs);
  return SB_OK;
}

static int same_commit(const char *a, const char *b) {
  return !strcmp(a, "unknown") || !strcmp(b, "unknown") || !strcmp(a, b);
}

/* The refusals between two slices (a is the first folder given). */
static int check_pair(const shard_in *a, const shard_in *b, sb_error *err) {
  if (strcmp(a->experiment, b->experiment) || strcmp(a->config_sha, b->config_sha))
    return sb_error_set(err, SB_EINVAL, "%s and %s are shards of different configs (experiment "
                        "'%s' from %s, experiment '%s' from %s; the config texts differ): merge "
                        "the slices of one config", a->dir, b->dir, a->experiment,
                        a->config_path, b->experiment, b->config_path);
  if (strcmp(a->grid, b->grid) || a->grid_runs != b->grid_runs)
    return sb_error_set(err, SB_EINVAL, "%s and %s ran the same config text over different runs "
                        "(%lld and %lld runs; the grids' digests differ: the data files' content "
                        "or the folder the config was read from differ): merge slices of one "
                        "grid", a->dir, b->dir, (long long)a->grid_runs, (long long)b->grid_runs);
  if (a->shards != b->shards)
    return sb_error_set(err, SB_EINVAL, "%s is shard %lld/%lld and %s is shard %lld/%lld: "
                        "slices of different counts overlap; use one N for every shard", a->dir,
                        (long long)a->shard, (long long)a->shards, b->dir, (long long)b->shard,
                        (long long)b->shards);
  if (a->shard == b->shard)
    return sb_error_set(err, SB_EINVAL, "%s and %s are both shard %lld/%lld: give each slice "
                        "once", a->dir, b->dir, (long long)a->shard, (long long)a->shards);
  if (!same_commit(a->commit, b->commit) || !json_equal(a->dirty, b->dirty))
    return sb_error_set(err, SB_EINVAL, "%s was run by commit %.12s%s and %s by commit %.12s%s: "
                        "rerun the shards with one build", a->dir, a->commit,
                        json_is_true(a->dirty) ? " (dirty)" : "", b->dir, b->commit,
                        json_is_true(b->dirty) ? " (dirty)" : "");
  return SB_OK;
}

/* The report is made by this build: it must be the build that ran the shards. */
static int check_this_build(const shard_in *a, int quiet, sb_error *err) {
  const sb_provenance *pv = sb_provenance_get();
  const char *mine = pv->commit[0] ? pv->commit : "unknown";
  if (!same_commit(mine, a->commit))
    return sb_error_set(err, SB_EINVAL, "the shards were run by commit %.12s and this spexbench "
                        "is commit %.12s: merge with the build that ran them (the report is "
                        "made by the merging code)", a->commit, mine);
  if (!quiet && (!strcmp(mine, "unknown") || !strcmp(a->commit, "unknown")))
    fprintf(stderr, "spexbench: merge: the commit of the shards or of this build is unknown: "
            "cannot check that they are the same code\n");
  return SB_OK;
}

/* ==== the runs ============================================================== */

typedef struct merge_run {
  const shard_in *from; /* NULL = missing */
  const char *id;
  json_t *result;       /* the stored JSON (owned) */
  char why[300];        /* why it is missing */
} merge_run;

/* Every run a slice lists, with its stored result when that is the same run. */
static int collect_runs(const shard_in *s, merge_run *runs, size_t n_runs, int save_spectra,
                        sb_error *err) {
  sb_config mc = {0};
  mc.save_spectra = save_spectra;
  size_t k;
  json_t *e;
  json_array_foreach(s->runs, k, e) {
    json_int_t index = -1;
    const char *id = NULL, *identity = NULL;
    if (json_unpack(e, "{s:I, s:s, s:s}", "index", &index, "id", &id, "identity", &identity) ||
        index < 0 || (size_t)index >= n_runs)
      return sb_error_set(err, SB_EFORMAT, "%s/shard.json: runs[%zu]: expected {index < %zu, "
                          "id, identity}", s->dir, k, n_runs);
    merge_run *r = &runs[index];
    if (r->id)
      return sb_error_set(err, SB_EINVAL, "%s/shard.json: run %lld (%s) is also listed by "
                          "%s/shard.json", s->dir, (long long)index, id, r->from->dir);
    sb_run_def rd = {0};
    rd.id = (char *)id;
    rd.identity = (char *)identity;
    r->from = s;
    r->id = id;
    r->result = sb_sweep_load(&mc, s->dir, &rd, r->why, sizeof r->why);
    if (!r->result && !r->why[0]) snprintf(r->why, sizeof r->why, "no result stored");
  }
  return SB_OK;
}

/* Append to a message buffer, truncating. */
static void say(char *buf, size_t len, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void say(char *buf, size_t len, size_t *used, const char *fmt, ...) {
  if (*used >= len) return;
  va_list ap;
  va_start(ap, fmt);
  int k = vsnprintf(buf + *used, len - *used, fmt, ap);
  va_end(ap);
  if (k > 0) *used += (size_t)k;
}

/* "N of M runs are missing: ..." naming missing shards and runs (up to 6). */
static int missing_error(const shard_in *in, size_t n_in, const merge_run *runs, size_t n_runs,
                         sb_error *err) {
  char msg[900];
  size_t used = 0, missing = 0, shown = 0;
  for (size_t i = 0; i < n_runs; i++) missing += !runs[i].result;
  say(msg, sizeof msg, &used, "%zu of the %zu runs are missing:", missing, n_runs);
  for (json_int_t s = 1; s <= in[0].shards; s++) {
    int given = 0;
    for (size_t d = 0; d < n_in; d++) given |= in[d].shard == s;
    json_int_t size = json_integer_value(json_array_get(in[0].sizes, (size_t)(s - 1)));
    if (!given && size > 0 && shown++ < 6)
      say(msg, sizeof msg, &used, " shard %lld/%lld (%lld runs) is not among the folders;",
          (long long)s, (long long)in[0].shards, (long long)size);
  }
  for (size_t i = 0; i < n_runs; i++)
    if (runs[i].from && !runs[i].result && shown++ < 6)
      say(msg, sizeof msg, &used, " %s (shard %lld, in %s): %s;", runs[i].id,
          (long long)runs[i].from->shard, runs[i].from->dir, runs[i].why);
  if (shown > 6) say(msg, sizeof msg, &used, " ...;");
  return sb_error_set(err, SB_EINVAL, "%s finish them with `spexbench run CONFIG --shard I/N "
                      "--out DIR` (stored runs are reused) and merge again, or merge with "
                      "--partial", msg);
}

/* ==== writing =============================================================== */

static int copy_file(const char *from_dir, const char *to_dir, const char *id, const char *ext,
                     int optional, sb_error *err) {
  char src[4400], dst[4400];
  snprintf(src, sizeof src, "%s/runs/%s%s", from_dir, id, ext);
  snprintf(dst, sizeof dst, "%s/runs/%s%s", to_dir, id, ext);
  if (optional && !sb_file_exists(src)) return SB_OK;
  char *data = NULL;
  size_t len = 0;
  int rc = sb_read_file(src, &data, &len, err);
  if (!rc) rc = sb_write_file_atomic(dst, data, len, err);
  free(data);
  return rc;
}

/* The run definitions the report needs (config order), borrowed from the records. */
static int defs_from_records(sb_run_result *rec, size_t n, sb_run_def *defs, sb_error *err) {
  for (size_t i = 0; i < n; i++) {
    sb_run_result *r = &rec[i];
    sb_error e2;
    const sb_algo_type *t = sb_algo_find(r->algorithm ? r->algorithm : "", &e2);
    if (!t)
      return sb_error_set(err, SB_EINVAL, "run %s: %s (was it run by another spexbench?)", r->id,
                          e2.msg);
    defs[i] = (sb_run_def){.group = r->group, .dataset_spec = r->dataset_spec,
                           .family = r->family, .instance = r->instance, .algo = t,
                           .algo_label = r->label, .algo_params = r->params,
                           .budget = r->budget, .repetition = r->repetition,
                           .seed = r->seed.value, .design_seed = r->design_seed.value,
                           .heldout_seed = r->heldout_seed.value, .id = r->id,
                           .identity = r->identity};
  }
  return SB_OK;
}

/* The experiment as the shards recorded it (a config without its file). */
static int config_of(const shard_in *s, sb_config *mc, sb_error *err) {
  const char *desc = NULL, *dist = NULL, *metric = NULL;
  json_int_t seed = 0, reps = 0, heldout = 0;
  int spectra = 0;
  json_error_t je;
  json_t *d = json_object_get(s->settings, "description"); /* a string or null */
  if (d && !json_is_null(d) && !(desc = json_string_value(d)))
    return sb_error_set(err, SB_EFORMAT, "%s/shard.json: settings: description: expected a "
                        "string or null", s->dir);
  if (json_unpack_ex(s->settings, &je, 0, "{s:I, s:I, s:I, s:s, s:s, s:b}", "master_seed", &seed, "repetitions", &reps, "heldout", &heldout,
                     "heldout_distribution", &dist, "plot_metric", &metric, "save_spectra",
                     &spectra))
    return sb_error_set(err, SB_EFORMAT, "%s/shard.json: settings: %s", s->dir, je.text);
  if (!sb_heldout_dist_parse(dist, &mc->heldout_dist))
    return sb_error_set(err, SB_EFORMAT, "%s/shard.json: settings: heldout_distribution '%s': "
                        "expected uniform or sizes", s->dir, dist);
  mc->path = (char *)s->config_path;
  mc->text = (char *)s->config_text;
  mc->name = (char *)s->experiment;
  mc->description = (char *)desc;
  mc->seed = (uint64_t)seed;
  mc->repetitions = (size_t)reps;
  mc->heldout = (size_t)heldout;
  mc->plot_exact = !strcmp(metric, "exact");
  mc->save_spectra = spectra;
  return SB_OK;
}

/* The records of the runs present, in config order, and the definitions and
 * config the report needs (what it borrows from runs[] and the records). */
typedef struct merged {
  sb_config mc;
  sb_run_result *rec;
  json_t **results; /* borrowed from runs[] */
  sb_run_def *defs;
  size_t n;
} merged;

static void merged_clear(merged *m) {
  for (size_t i = 0; m->rec && i < m->n; i++) sb_run_result_clear(&m->rec[i]);
  free(m->rec), free(m->results), free(m->defs);
}

static int merged_build(const shard_in *first, merge_run *runs, size_t n_runs, merged *m,
                        sb_error *err) {
  int rc = config_of(first, &m->mc, err);
  if (rc) return rc;
  size_t n = 0;
  for (size_t i = 0; i < n_runs; i++) n += runs[i].result != NULL;
  m->rec = calloc(n ? n : 1, sizeof *m->rec);
  m->results = calloc(n ? n : 1, sizeof *m->results);
  m->defs = calloc(n ? n : 1, sizeof *m->defs);
  if (!m->rec || !m->results || !m->defs) return sb_error_set(err, SB_ENOMEM, "out of memory");
  for (size_t i = 0; rc == SB_OK && i < n_runs; i++) {
    if (!runs[i].result) continue;
    char what[4400];
    snprintf(what, sizeof what, "%s/runs/%s.json", runs[i].from->dir, runs[i].id);
    sb_run_result_init(&m->rec[m->n]);
    m->results[m->n] = runs[i].result;
    rc = sb_run_result_from_json(&m->rec[m->n++], runs[i].result, what, err);
  }
  if (!rc) rc = defs_from_records(m->rec, m->n, m->defs, err);
  m->mc.runs = m->defs;
  m->mc.n_runs = m->n;
  return rc;
}

/* Copy the stored results into OUT, then write the reports of the runs present. */
static int write_merged(const merge_run *runs, size_t n_runs, const merged *m, const char *out,
                        int quiet, sb_error *err) {
  int rc = SB_OK;
  for (size_t i = 0; rc == SB_OK && i < n_runs; i++) {
    if (!runs[i].result) continue;
    rc = copy_file(runs[i].from->dir, out, runs[i].id, ".json", 0, err);
    if (!rc) rc = copy_file(runs[i].from->dir, out, runs[i].id, ".spectrum.json", 1, err);
  }
  if (!rc) rc = sb_report_write(&m->mc, out, m->results, NULL, !quiet, err);
  return rc;
}

/* OUT must not be one of the shard folders (their files would be overwritten). */
static int check_out(const sb_merge_opts *o, sb_error *err) {
  char out[PATH_MAX], d[PATH_MAX];
  if (!realpath(o->outdir, out)) return SB_OK; /* does not exist yet */
  for (size_t i = 0; i < o->n_dirs; i++)
    if (realpath(o->dirs[i], d) && !strcmp(d, out))
      return sb_error_set(err, SB_EINVAL, "--out %s is the shard folder %s: merge into a new "
                          "folder", o->outdir, o->dirs[i]);
  return SB_OK;
}

int sb_merge(const sb_merge_opts *o, sb_error *err) {
  if (!o->n_dirs) return sb_error_set(err, SB_EINVAL, "no shard folders to merge");
  shard_in *in = calloc(o->n_dirs, sizeof *in);
  if (!in) return sb_error_set(err, SB_ENOMEM, "out of memory");
  int rc = check_out(o, err);
  for (size_t d = 0; rc == SB_OK && d < o->n_dirs; d++) rc = read_shard(o->dirs[d], &in[d], err);
  for (size_t d = 1; rc == SB_OK && d < o->n_dirs; d++) rc = check_pair(&in[0], &in[d], err);
  if (rc == SB_OK) rc = check_this_build(&in[0], o->quiet, err);
  size_t n_runs = rc == SB_OK ? (size_t)in[0].grid_runs : 0;
  merge_run *runs = rc == SB_OK ? calloc(n_runs ? n_runs : 1, sizeof *runs) : NULL;
  if (rc == SB_OK && !runs) rc = sb_error_set(err, SB_ENOMEM, "out of memory");
  int spectra = 0;
  if (rc == SB_OK) spectra = json_is_true(json_object_get(in[0].settings, "save_spectra"));
  for (size_t d = 0; rc == SB_OK && d < o->n_dirs; d++)
    rc = collect_runs(&in[d], runs, n_runs, spectra, err);
  size_t missing = 0;
  for (size_t i = 0; rc == SB_OK && i < n_runs; i++) missing += !runs[i].result;
  if (rc == SB_OK && missing && !o->partial) rc = missing_error(in, o->n_dirs, runs, n_runs, err);
  else if (rc == SB_OK && missing) {
    sb_error e2;
    missing_error(in, o->n_dirs, runs, n_runs, &e2);
    fprintf(stderr, "spexbench: merge --partial: %s\n", e2.msg);
  }
  merged m = {0};
  if (rc == SB_OK) rc = merged_build(&in[0], runs, n_runs, &m, err);
  int lock_fd = -1;
  char out[4096];
  sb_runner_opts ro = {0};
  ro.outdir = o->outdir;
  if (rc == SB_OK) rc = sb_sweep_open(NULL, &ro, out, sizeof out, &lock_fd, err);
  if (rc == SB_OK) {
    if (!o->quiet)
      fprintf(stderr, "spexbench: merging %zu shard folder%s of '%s': %zu of %zu runs into %s\n",
              o->n_dirs, o->n_dirs == 1 ? "" : "s", in[0].experiment, n_runs - missing, n_runs,
              out);
    rc = write_merged(runs, n_runs, &m, out, o->quiet, err);
  }
  if (lock_fd >= 0) close(lock_fd);
  merged_clear(&m);
  for (size_t i = 0; runs && i < n_runs; i++) json_decref(runs[i].result);
  free(runs);
  for (size_t d = 0; d < o->n_dirs; d++) json_decref(in[d].j);
  free(in);
  return rc;
}
