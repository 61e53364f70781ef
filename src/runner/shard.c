/* Shards: the I-th of N balanced slices of a run grid (stratified interleaving,
 * shard.h says why), the sweep of one slice into its own folder, and the
 * shard.json that lets `spexbench merge` (merge.c) check and join the slices.
 * A slice is run by the ordinary sweep (sweep.c) on a view of the config that
 * holds only its runs, so reuse, workers, signals and reports behave exactly as
 * in a serial run. */
#include "runner/shard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fsutil.h"
#include "core/params.h"
#include "runner/provenance.h"

/* ==== I/N ================================================================= */

int sb_shard_parse(const char *text, const char *what, size_t *index, size_t *count,
                   sb_error *err) {
  const char *slash = strchr(text, '/');
  char a[32] = "", b[32] = "";
  uint64_t i = 0, n = 0;
  int ok = slash && (size_t)(slash - text) < sizeof a && strlen(slash + 1) < sizeof b;
  if (ok) {
    memcpy(a, text, (size_t)(slash - text));
    snprintf(b, sizeof b, "%s", slash + 1);
    ok = sb_parse_u64(a, 1, SB_SHARD_MAX, &i) == SB_NUM_OK &&
         sb_parse_u64(b, 1, SB_SHARD_MAX, &n) == SB_NUM_OK;
  }
  if (!ok)
    return sb_error_set(err, SB_EINVAL, "%s '%s': expected I/N, two integers with 1 <= I <= N "
                        "<= %d (e.g. %s 2/3: the second of three slices)", what, text,
                        SB_SHARD_MAX, what);
  if (i > n)
    return sb_error_set(err, SB_EINVAL, "%s '%s': shard %llu of %llu does not exist (I runs "
                        "from 1 to N)", what, text, (unsigned long long)i, (unsigned long long)n);
  *index = (size_t)i;
  *count = (size_t)n;
  return SB_OK;
}

/* ==== the partition ======================================================== */

typedef struct stratum_key {
  size_t variant, budget, repetition, run;
} stratum_key;

static int cmp_key(const void *pa, const void *pb) {
  const stratum_key *a = pa, *b = pb;
  if (a->variant != b->variant) return a->variant < b->variant ? -1 : 1;
  if (a->budget != b->budget) return a->budget < b->budget ? -1 : 1;
  if (a->repetition != b->repetition) return a->repetition < b->repetition ? -1 : 1;
  return a->run < b->run ? -1 : a->run > b->run;
}

int sb_shard_assign(const sb_config *c, size_t count, size_t **out, sb_error *err) {
  size_t n = c->n_runs;
  *out = calloc(n ? n : 1, sizeof **out);
  stratum_key *k = calloc(n ? n : 1, sizeof *k);
  const char **labels = calloc(n ? n : 1, sizeof *labels);
  if (!*out || !k || !labels) {
    free(*out), free(k), free(labels);
    *out = NULL;
    return sb_error_set(err, SB_ENOMEM, "out of memory");
  }
  /* an algorithm variant is its label (section + varying parameters), numbered
   * in order of first appearance; datasets vary fastest in the dealing order */
  size_t n_labels = 0;
  for (size_t i = 0; i < n; i++) {
    size_t v = 0;
    while (v < n_labels && strcmp(labels[v], c->runs[i].algo_label)) v++;
    if (v == n_labels) labels[n_labels++] = c->runs[i].algo_label;
    k[i] = (stratum_key){v, c->runs[i].budget, c->runs[i].repetition, i};
  }
  qsort(k, n, sizeof *k, cmp_key);
  for (size_t j = 0; j < n; j++) (*out)[k[j].run] = j % count + 1;
  free(k);
  free(labels);
  return SB_OK;
}

void sb_shard_grid_digest(const sb_config *c, char hex[SB_SHA256_HEX]) {
  sb_sha256 s;
  sb_sha256_init(&s);
  for (size_t i = 0; i < c->n_runs; i++) {
    const char *id = c->runs[i].id, *identity = c->runs[i].identity ? c->runs[i].identity : "";
    sb_sha256_update(&s, id, strlen(id) + 1); /* with the NUL: "ab"+"c" != "a"+"bc" */
    sb_sha256_update(&s, identity, strlen(identity) + 1);
  }
  sb_sha256_final_hex(&s, hex);
}

/* ==== shard.json =========================================================== */

static json_t *settings_json(const sb_config *c) {
  return json_pack("{s:s?, s:I, s:I, s:I, s:s, s:s, s:b}", "description", c->description,
                   "master_seed", (json_int_t)c->seed, "repetitions", (json_int_t)c->repetitions,
                   "heldout", (json_int_t)c->heldout, "heldout_distribution",
                   sb_heldout_dist_name(c->heldout_dist), "plot_metric",
                   c->plot_exact ? "exact" : "heldout", "save_spectra", c->save_spectra);
}

static int write_shard_json(const sb_config *c, const char *outdir, const size_t *of,
                            size_t index, size_t count, sb_error *err) {
  char grid[SB_SHA256_HEX], cfg[SB_SHA256_HEX], path[4200];
  sb_shard_grid_digest(c, grid);
  sb_sha256_hex(c->text ? c->text : "", c->text ? strlen(c->text) : 0, cfg);
  const sb_provenance *pv = sb_provenance_get();
  json_t *sizes = json_array(), *runs = json_array();
  size_t *per = calloc(count, sizeof *per);
  int bad = !sizes || !runs || !per;
  for (size_t i = 0; !bad && i < c->n_runs; i++) {
    per[of[i] - 1]++;
    if (of[i] != index) continue;
    bad = json_array_append_new(runs, json_pack("{s:I, s:s, s:s}", "index", (json_int_t)i, "id",
                                                c->runs[i].id, "identity",
                                                c->runs[i].identity ? c->runs[i].identity : ""));
  }
  for (size_t s = 0; !bad && s < count; s++)
    bad = json_array_append_new(sizes, json_integer((json_int_t)per[s]));
  free(per);
  json_t *j = bad ? NULL
                  : json_pack("{s:i, s:I, s:I, s:s, s:s?, s:s, s:s, s:s, s:o, s:s, s:I, s:o, s:o, "
                              "s:o}",
                              "format", 1, "shard", (json_int_t)index, "shards", (json_int_t)count,
                              "experiment", c->name, "config_path", c->path, "config_text",
                              c->text ? c->text : "", "config_sha256", cfg, "commit",
                              pv->commit[0] ? pv->commit : "unknown", "dirty",
                              pv->dirty < 0 ? json_null() : json_boolean(pv->dirty), "grid_sha256",
                              grid, "grid_runs", (json_int_t)c->n_runs, "shard_runs", sizes,
                              "settings", settings_json(c), "runs", runs);
  if (!j) {
    if (bad) json_decref(sizes), json_decref(runs);
    return sb_error_set(err, SB_ENOMEM, "out of memory writing shard.json");
  }
  snprintf(path, sizeof path, "%s/shard.json", outdir);
  int rc = sb_json_write_atomic(j, path, err);
  json_decref(j);
  return rc;
}

/* ==== one slice ============================================================ */

int sb_shard_run(const sb_config *c, const sb_runner_opts *o, size_t index, size_t count,
                 sb_error *err) {
  if (!o->outdir)
    return sb_error_set(err, SB_EINVAL, "--shard %zu/%zu needs --out DIR: every shard writes "
                        "its own folder, joined later by `spexbench merge`", index, count);
  size_t *of = NULL;
  int rc = sb_shard_assign(c, count, &of, err);
  if (rc) return rc;
  sb_config sub = *c; /* a view: the run definitions are borrowed, never freed here */
  sub.runs = malloc((c->n_runs ? c->n_runs : 1) * sizeof *sub.runs);
  sub.n_runs = 0;
  char *desc = NULL;
  if (sub.runs)
    for (size_t i = 0; i < c->n_runs; i++)
      if (of[i] == index) sub.runs[sub.n_runs++] = c->runs[i];
  if (!sub.runs || asprintf(&desc, "shard %zu of %zu (%zu of the %zu runs; `spexbench merge` "
                            "joins the shards)%s%s", index, count, sub.n_runs, c->n_runs,
                            c->description ? ": " : "", c->description ? c->description : "") < 0) {
    free(sub.runs), free(of);
    return sb_error_set(err, SB_ENOMEM, "out of memory");
  }
  sub.description = desc;
  if (!o->quiet)
    fprintf(stderr, "spexbench: shard %zu/%zu: %zu of the %zu runs of '%s'\n", index, count,
            sub.n_runs, c->n_runs, c->name);
  rc = sb_runner_run(&sub, o, err);
  if (rc == SB_OK || rc == SB_EINTR) {
    sb_error e2 = {0};
    int rc2 = write_shard_json(c, o->outdir, of, index, count, &e2);
    if (rc2 && rc == SB_OK) rc = sb_error_set(err, rc2, "%s", e2.msg);
    else if (rc2) fprintf(stderr, "spexbench: %s\n", e2.msg);
  }
  free(desc);
  free(sub.runs);
  free(of);
  return rc;
}
