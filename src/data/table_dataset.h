/* Dense-table datasets shared by the file-backed families (npz, full traces):
 * a table of 2^n values indexed by mask answers in one load per mask, and its
 * normalised FWHT is the exact Fourier truth. */
#ifndef SB_TABLE_DATASET_H
#define SB_TABLE_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "data/dataset.h"

typedef struct sb_table_ctx {
  double *table;      /* 2^n values (owned) */
  unsigned n;         /* features */
  uint64_t size_mask; /* 2^n - 1 */
} sb_table_ctx;

/* Dataset over `table` (ownership taken, freed on failure too): eval = lookup,
 * truth = FWHT, feature names f0..f{n-1}; n <= 26. */
int sb_dataset_from_table(const char *family, const char *name, const char *spec, unsigned n,
                          double *table, sb_dataset **out, sb_error *err);
/* "<prefix>-<file stem>-n<n>" with unsafe characters mapped to '-'. */
void sb_dataset_name_from_path(const char *prefix, const char *path, size_t n, char *buf,
                               size_t len);

#endif
