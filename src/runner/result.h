/* The result of one run as a typed record, and its one column table.
 *
 * `sb_run_columns` names every field once: it drives the per-run JSON file
 * (OUT/runs/ID.json), the runs.csv columns, `spexbench fit --json` and its
 * text listing, reading stored JSON and runs.csv back, and the column reference
 * in docs/RESULTS.md (`spexbench report --columns`; a unit test keeps the doc
 * and the table equal).  Add a field = one struct member + one table line. */
#ifndef SB_RESULT_H
#define SB_RESULT_H

#include <jansson.h>

#include "algos/algo.h"
#include "runner/columns.h"
#include "runner/config.h"

typedef enum sb_run_status {
  SB_RUN_OK = 0,
  SB_RUN_FAILED,
  SB_RUN_SKIPPED,     /* the algorithm does not apply (check() said why) */
  SB_RUN_UNSUPPORTED, /* the dataset cannot answer a mask the algorithm asked for */
} sb_run_status;

/* "ok", "failed", "skipped", "unsupported" (NULL-terminated, by sb_run_status). */
extern const char *const sb_run_status_names[];
/* The status a run's return code maps to (SB_ESKIP -> skipped, ...). */
sb_run_status sb_run_status_of(int code);

typedef struct sb_run_result {
  /* the run definition (config.h's sb_run_def) */
  char *experiment;         /* experiment name (CSV only; set by the report) */
  char *id;                 /* result file name: OUT/runs/<id>.json */
  char *group;              /* dataset section label (+ varying grid values) */
  char *dataset_spec;       /* spec that reopens the dataset */
  char *family;             /* dataset family */
  size_t instance;          /* dataset instance within the group */
  char *algorithm;          /* algorithm type name */
  char *label;              /* algorithm section label (+ varying parameters) */
  char *params;             /* canonical "k=v,..." */
  size_t budget;            /* distinct queries allowed */
  size_t repetition;
  sb_opt_u64 seed;          /* run seed */
  sb_opt_u64 design_seed;   /* run seed without the budget */
  sb_opt_u64 heldout_seed;  /* seed of the held-out masks (per dataset instance) */
  sb_opt_u64 master_seed;   /* the config's (or fit's --seed) master seed */
  /* the dataset as opened */
  char *dataset;            /* canonical dataset name */
  char *dataset_file;       /* the file a file-backed family reads (npz, trace) */
  size_t n;                 /* features */
  /* outcome */
  int status;               /* sb_run_status */
  char *message;            /* why, when not ok */
  size_t queries_used, queries_asked;
  double wall_s, cpu_s;     /* the algorithm (check .. fit), not the metrics */
  sb_phase_list phases;     /* every named phase, in the order the algorithm added them */
  char *info;               /* the algorithm's "key=value ..." notes */
  size_t terms;             /* surrogate spectrum size */
  char *basis;              /* fourier | moebius */
  size_t heldout_count;     /* held-out masks (never counted as queries) */
  char *heldout_dist;       /* uniform | sizes */
  double r2_heldout, r2_exact, precision, recall, rel_error;
  double noise_sd;          /* std of the dataset's noise per answer (0 = noiseless) */
  int support_exact;        /* -1 unknown; 1: the surrogate's support is the true one */
  sb_real_list removal;     /* true normalised change at r = 1..R (metrics.h: sb_removal) */
  sb_real_list removal_predicted; /* the surrogate's predicted change, same scale */
  char *removal_search;     /* per r: "exact" or "greedy", space-separated */
  double removal_scale;     /* |f(all) - f(∅)|: the normaliser */
  /* live models (SB_FAMILY_LIVE; unset for every other family) */
  size_t live_asked;         /* masks sent to the model or its server (not in the recording) */
  size_t live_asked_heldout; /* of those, for the held-out masks */
  /* provenance of the code that produced it (provenance.h) */
  char *version, *commit;
  int dirty;                /* -1 unknown */
  char *identity;           /* run identity (set by the runner; "" or NULL if none) */
  json_t *extra;            /* JSON keys outside the table, kept on a round trip (owned) */
} sb_run_result;

extern const sb_column sb_run_columns[];

/* The documented phases that get a runs.csv column of their own (<name>_s);
 * every phase, known or not, is also in the `phases` column. */
extern const char *const sb_run_known_phases[];

void sb_run_result_init(sb_run_result *r);
/* Free everything the record owns; it is then unset (init state). */
void sb_run_result_clear(sb_run_result *r);
/* Replace *field with a copy of value (NULL unsets); SB_ENOMEM. */
int sb_run_result_set(char **field, const char *value);
/* Fill the definition fields from a run definition; SB_ENOMEM. */
int sb_run_result_set_def(sb_run_result *r, const sb_run_def *rd);
/* Fill version / commit / dirty from the cached provenance of this build. */
int sb_run_result_set_provenance(sb_run_result *r);

/* JSON of the columns in `mask` (SB_COL_IN_JSON for the stored file, with the
 * extra keys; SB_COL_IN_FIT for `fit --json`).  New reference or NULL (ENOMEM). */
json_t *sb_run_result_to_json(const sb_run_result *r, unsigned mask);
/* Read a stored result (`what` names it in errors: the file path).  `r` must
 * be initialised; on error it holds what was read (clear it either way). */
int sb_run_result_from_json(sb_run_result *r, const json_t *j, const char *what, sb_error *err);

/* The stored JSON of a run that produced no result of its own (a crashed
 * worker): its definition, status failed and `message`.  NULL if out of memory. */
json_t *sb_run_result_failed_json(const sb_run_def *rd, const char *message);

#endif
