/* Sweeps split for batch schedulers, without MPI: `spexbench run CONFIG --shard
 * I/N --out DIR` runs the I-th of N disjoint slices of the run grid into DIR (an
 * ordinary results folder of that slice plus DIR/shard.json), and `spexbench
 * merge DIR... --out OUT` joins the slices into the runs.csv, summary.csv,
 * context.json, figure and REPORT.md a serial run of the whole grid writes.
 *
 * Slices are balanced by stratified interleaving: the runs are taken in the
 * order (algorithm variant, budget, repetition, dataset) and dealt to shards
 * 1, 2, ..., N, 1, 2, ... with one counter across strata, so every shard gets
 * the same number of runs (±1) of every algorithm variant at every budget and
 * the expensive cells are spread evenly.  The slice is a pure function of the
 * config and N: every shard computes the same partition, whatever machine runs it.
 *
 * shard.json (format 1) records what merge needs to check and join the slices:
 * the shard and the count, the grid's size and digest (SHA-256 of every run's id
 * and identity, in config order: equal digests mean the same runs on the same
 * data), the config text and its digest, the commit and dirty state of the code,
 * the experiment settings the report shows, the size of every slice and this
 * slice's runs (grid index, id, identity). */
#ifndef SB_SHARD_H
#define SB_SHARD_H

#include <jansson.h>
#include <stddef.h>

#include "core/digest.h"
#include "runner/runner.h"

#define SB_SHARD_MAX 100000 /* largest N in --shard I/N */

/* "I/N" with 1 <= I <= N <= SB_SHARD_MAX.  `what` names the option. */
int sb_shard_parse(const char *text, const char *what, size_t *index, size_t *count,
                   sb_error *err);

/* The shard (1..count) of every run of c, by stratified interleaving.  *out is
 * an array of c->n_runs entries; caller frees. */
int sb_shard_assign(const sb_config *c, size_t count, size_t **out, sb_error *err);

/* SHA-256 of every run's id and identity in config order: two processes that
 * expanded the same config over the same data have equal digests. */
void sb_shard_grid_digest(const sb_config *c, char hex[SB_SHA256_HEX]);

/* Run slice `index` of `count` of c into o->outdir (required): an ordinary
 * sweep of the slice (reuse, workers, signals, its own runs.csv / summary.csv /
 * REPORT.md, whose description says which slice it holds), then DIR/shard.json
 * (also after a stop signal, so merge can name the runs that are missing).
 * Returns what sb_runner_run returns. */
int sb_shard_run(const sb_config *c, const sb_runner_opts *o, size_t index, size_t count,
                 sb_error *err);

/* `spexbench merge`: the shard folders dirs[0..n_dirs) into outdir. */
typedef struct sb_merge_opts {
  const char *const *dirs;
  size_t n_dirs;
  const char *outdir;
  int partial; /* write what is there when runs or shards are missing */
  int quiet;   /* no summary table */
} sb_merge_opts;

/* Check that the folders are slices of one grid run by one commit (refusing
 * otherwise, naming the folders and what differs), that no slice or run is
 * missing (else an error naming them, unless `partial`), then write outdir:
 * every run's stored JSON (and spectrum) under outdir/runs/, and the reports of
 * the whole grid, as a serial run would.  Nothing is written when it refuses. */
int sb_merge(const sb_merge_opts *o, sb_error *err);

#endif
