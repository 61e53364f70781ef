/* Dataset family `npz` ("npz:PATH"): a shapiq precomputed game (a complete table of
 * a real model's output on all 2^n masks, see ../shared/datasets/README.md) as a
 * black box.  Evaluation is a lookup in the dense table indexed by mask (bit i =
 * feature i), and the ground truth is exact: the normalised fast Walsh–Hadamard
 * transform of the table (../shared/design/ALGORITHMS.md §2), so R² over all 2^n masks is known by
 * Parseval.  Feature names are f0..f{n-1} (shapiq's files carry none).  The dataset
 * name is "npz-<file stem>-n<n>" with characters outside [A-Za-z0-9._-] mapped to
 * '-', so it can name result files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/transform.h"
#include "data/dataset.h"
#include "data/table_dataset.h"
#include "trace/npz.h"

/* ---- shared by the dense-table families (npz, full traces) ------------- */

static void table_ctx_free(void *vctx) {
  sb_table_ctx *c = vctx;
  if (!c) return;
  free(c->table);
  free(c);
}

/* One word per mask (n <= 26): a plain indexed load. */
static int table_eval(void *vctx, const uint64_t *masks, size_t count, double *out,
                      sb_error *err) {
  (void)err;
  const sb_table_ctx *c = vctx;
  const double *t = c->table;
  const uint64_t lim = c->size_mask;
  for (size_t j = 0; j < count; j++) out[j] = t[masks[j] & lim];
  return SB_OK;
}

void sb_dataset_name_from_path(const char *prefix, const char *path, size_t n, char *buf,
                               size_t len) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  size_t bl = strlen(base);
  static const char *const exts[] = {".sbt.gz", ".gz", ".npz", ".sbt", ".json", NULL};
  for (size_t i = 0; exts[i]; i++) {
    size_t el = strlen(exts[i]);
    if (bl > el && !strcmp(base + bl - el, exts[i])) {
      bl -= el;
      break;
    }
  }
  int w = snprintf(buf, len, "%s-%.*s-n%zu", prefix, (int)(bl > 160 ? 160 : bl), base, n);
  (void)w;
  for (size_t i = strlen(prefix) + 1; buf[i]; i++) {
    char ch = buf[i];
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
          ch == '.' || ch == '_' || ch == '-'))
      buf[i] = '-';
  }
}

int sb_dataset_from_table(const char *family, const char *name, const char *spec, unsigned n,
                          double *table, sb_dataset **out, sb_error *err) {
  *out = NULL;
  size_t N = (size_t)1 << n;
  sb_dataset *d = sb_dataset_new(family, name, spec, n);
  sb_table_ctx *c = calloc(1, sizeof *c);
  double *tmp = malloc(N * sizeof *tmp);
  char **names = calloc(n, sizeof *names);
  if (!d || !c || !tmp || !names) {
    sb_dataset_free(d);
    free(c);
    free(tmp);
    free(names);
    free(table);
    return sb_error_set(err, SB_ENOMEM, "%s: out of memory", spec);
  }
  c->table = table;
  c->n = n;
  c->size_mask = N - 1;
  d->ctx = c;
  d->ctx_free = table_ctx_free;
  d->eval = table_eval;
  d->feature_names = names;
  for (unsigned i = 0; i < n; i++) {
    char nm[24];
    snprintf(nm, sizeof nm, "f%u", i);
    names[i] = strdup(nm);
    if (!names[i]) {
      free(tmp);
      sb_dataset_free(d);
      return sb_error_set(err, SB_ENOMEM, "%s: out of memory", spec);
    }
  }
  memcpy(tmp, table, N * sizeof *tmp);
  int rc = sb_fwht(tmp, n, 1, 0);
  if (rc == SB_OK) {
    d->truth = sb_spectrum_from_dense(tmp, n, SB_BASIS_FOURIER, 0.0, err);
    if (!d->truth) rc = err ? err->code : SB_ENOMEM;
  } else {
    sb_error_set(err, rc, "%s: FWHT failed for n = %u", spec, n);
  }
  free(tmp);
  if (rc) {
    sb_dataset_free(d);
    return rc;
  }
  *out = d;
  return SB_OK;
}

/* ---- the npz family ----------------------------------------------------- */

static int npz_open(const sb_params *params, const char *path, sb_dataset **out, sb_error *err) {
  (void)params;
  sb_npz_game *g = NULL;
  int rc = sb_npz_game_read(path, &g, err);
  if (rc) return rc;
  char name[256], spec[4200];
  sb_dataset_name_from_path("npz", path, g->n, name, sizeof name);
  snprintf(spec, sizeof spec, "npz:%s", path);
  double *table = g->table;
  unsigned n = g->n;
  g->table = NULL;
  sb_npz_game_free(g);
  rc = sb_dataset_from_table("npz", name, spec, n, table, out, err);
  if (rc == SB_OK) {
    (*out)->value_meaning = strdup("model output (shapiq precomputed game)");
  }
  return rc;
}

const sb_dataset_family sb_family_npz = {
    "npz",
    "shapiq precomputed game (.npz, all 2^n masks): table lookup, exact truth by FWHT",
    NULL,
    1,
    npz_open,
    NULL, /* files are checked by the config loader's probe */
    NULL,
};
