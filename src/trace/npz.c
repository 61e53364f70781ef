/* shapiq's precomputed games as .npz archives (values.npy float64 (2^n,),
 * coalitions.npy bool (2^n, n), n_players.npy int32 scalar, optional
 * normalization_value.npy float64 scalar), over the zip (zip.c) and .npy (npy.c)
 * layers.  The reader checks that the file is a zip at all (a trace, a JSON game
 * or a lone .npy is named as such), that coalitions hold exactly 2^n distinct
 * rows of 0/1, that n agrees with n_players, and builds the dense table indexed
 * by mask (rows may come in any order).  The writer emits rows by size, then
 * lexicographically, as shapiq does. */
#include "trace/npz.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/comb.h"
#include "core/fsutil.h"
#include "trace/filetype.h"

void sb_npz_game_free(sb_npz_game *g) {
  if (!g) return;
  free(g->table);
  free(g);
}

/* ==== reading ============================================================ */

/* One member: its bytes (owned) and the array in them. */
typedef struct member {
  unsigned char *raw;
  sb_npy a;
} member;

/* One game being read. */
typedef struct game_reader {
  const char *where;
  sb_zip *zip;
  member coal, vals, players, norm;
  size_t n;       /* players (coalitions' width) */
  char shp[96];   /* scratch for shapes in messages */
} game_reader;

static void fmt_shape(const sb_npy *a, char *buf, size_t len) {
  size_t used = (size_t)snprintf(buf, len, "(");
  for (int i = 0; i < a->ndim && used < len; i++)
    used += (size_t)snprintf(buf + used, len - used, "%zu%s", a->shape[i],
                             a->ndim == 1 ? "," : (i + 1 < a->ndim ? ", " : ""));
  if (used < len) snprintf(buf + used, len - used, ")");
}

/* Extract and parse member `name` into m. */
static int load_member(game_reader *r, const char *name, member *m, sb_error *err) {
  size_t rl;
  int rc = sb_zip_read(r->zip, name, &m->raw, &rl, err);
  if (rc) return rc;
  char w[1200];
  snprintf(w, sizeof w, "%s: %s", r->where, name);
  rc = sb_npy_parse(m->raw, rl, w, &m->a, err);
  if (rc) {
    free(m->raw);
    m->raw = NULL;
  }
  return rc;
}

/* coalitions.npy: a 2-d 0/1 array; its width is n. */
static int read_coalitions(game_reader *r, sb_error *err) {
  int rc = load_member(r, "coalitions.npy", &r->coal, err);
  if (rc) return rc;
  const sb_npy *c = &r->coal.a;
  if (c->kind != 'b' && c->kind != 'i' && c->kind != 'u')
    return sb_error_set(err, SB_EFORMAT, "%s: coalitions.npy: expected dtype bool, got %c%zu",
                        r->where, c->kind, c->itemsize);
  if (c->ndim != 2) {
    fmt_shape(c, r->shp, sizeof r->shp);
    return sb_error_set(err, SB_EFORMAT, "%s: coalitions.npy: expected shape (2^n, n), got %s",
                        r->where, r->shp);
  }
  r->n = c->shape[1];
  return SB_OK;
}

/* n_players.npy (optional): an integer scalar in range that agrees with n. */
static int check_players(game_reader *r, sb_error *err) {
  if (!sb_zip_has(r->zip, "n_players.npy")) return SB_OK;
  int rc = load_member(r, "n_players.npy", &r->players, err);
  if (rc) return rc;
  const sb_npy *p = &r->players.a;
  if (p->count != 1 || p->kind == 'f' || p->kind == 'b') {
    fmt_shape(p, r->shp, sizeof r->shp);
    return sb_error_set(err, SB_EFORMAT,
                        "%s: n_players.npy: expected an integer scalar, got dtype %c%zu shape %s",
                        r->where, p->kind, p->itemsize, r->shp);
  }
  long long np = sb_npy_get_int(p, 0);
  if (np < 1 || np > SB_NPZ_MAX_N)
    return sb_error_set(err, SB_EFORMAT, "%s: n_players.npy: n_players = %lld, expected 1..%d",
                        r->where, np, SB_NPZ_MAX_N);
  if ((size_t)np != r->n) {
    fmt_shape(&r->coal.a, r->shp, sizeof r->shp);
    return sb_error_set(err, SB_EFORMAT,
                        "%s: coalitions.npy: expected shape (%zu, %lld) for n_players = %lld, got %s",
                        r->where, (size_t)1 << np, np, np, r->shp);
  }
  return SB_OK;
}

/* n in range and one coalition row per mask; values.npy a float column of 2^n. */
static int check_shapes_and_read_values(game_reader *r, sb_error *err) {
  const size_t n = r->n;
  if (n < 1 || n > SB_NPZ_MAX_N)
    return sb_error_set(err, SB_EFORMAT, "%s: coalitions.npy: %zu columns, expected 1..%d players",
                        r->where, n, SB_NPZ_MAX_N);
  const size_t N = (size_t)1 << n;
  if (r->coal.a.shape[0] != N) {
    fmt_shape(&r->coal.a, r->shp, sizeof r->shp);
    return sb_error_set(err, SB_EFORMAT,
                        "%s: coalitions.npy: expected shape (%zu, %zu) (all 2^%zu coalitions), got %s",
                        r->where, N, n, n, r->shp);
  }
  int rc = load_member(r, "values.npy", &r->vals, err);
  if (rc) return rc;
  const sb_npy *v = &r->vals.a;
  if (v->kind != 'f')
    return sb_error_set(err, SB_EFORMAT, "%s: values.npy: expected dtype float64, got %c%zu",
                        r->where, v->kind, v->itemsize);
  if (!(v->ndim == 1 && v->shape[0] == N) &&
      !(v->ndim == 2 && v->shape[0] == N && v->shape[1] == 1)) {
    fmt_shape(v, r->shp, sizeof r->shp);
    return sb_error_set(err, SB_EFORMAT, "%s: values.npy: expected shape (%zu,), got %s", r->where,
                        N, r->shp);
  }
  return SB_OK;
}

/* Mask index of coalition row `row` (bit i = player i); SB_EFORMAT if not 0/1. */
static int row_mask(const game_reader *r, size_t row, uint64_t *idx, sb_error *err) {
  const sb_npy *c = &r->coal.a;
  const size_t n = r->n, N = (size_t)1 << n;
  *idx = 0;
  for (size_t i = 0; i < n; i++) {
    size_t el = c->fortran_order ? i * N + row : row * n + i;
    uint64_t b = c->itemsize == 1 ? c->data[el] : (uint64_t)sb_npy_get_int(c, el);
    if (b > 1)
      return sb_error_set(err, SB_EFORMAT,
                          "%s: coalitions.npy: row %zu column %zu: expected 0 or 1, got %llu",
                          r->where, row, i, (unsigned long long)b);
    *idx |= b << i;
  }
  return SB_OK;
}

/* The dense table: every row's value at its mask; N distinct rows of N masks
 * cover every mask. */
static int build_table(const game_reader *r, sb_npz_game *g, sb_error *err) {
  const size_t N = (size_t)1 << r->n;
  uint64_t *seen = calloc((N + 63) / 64, sizeof *seen);
  g->table = malloc(N * sizeof *g->table);
  if (!seen || !g->table) {
    free(seen);
    return sb_error_set(err, SB_ENOMEM, "%s: out of memory for a table of 2^%zu values",
                        r->where, r->n);
  }
  g->n = (unsigned)r->n;
  int rc = SB_OK;
  for (size_t row = 0; row < N && !rc; row++) {
    uint64_t idx;
    if ((rc = row_mask(r, row, &idx, err))) break;
    if (seen[idx >> 6] & ((uint64_t)1 << (idx & 63))) {
      rc = sb_error_set(err, SB_EFORMAT,
                        "%s: coalitions.npy: row %zu repeats an earlier coalition (mask index %llu)",
                        r->where, row, (unsigned long long)idx);
      break;
    }
    seen[idx >> 6] |= (uint64_t)1 << (idx & 63);
    double v = sb_npy_get_double(&r->vals.a, row);
    if (!isfinite(v))
      rc = sb_error_set(err, SB_EFORMAT, "%s: values.npy: row %zu: value is %g (must be finite)",
                        r->where, row, v);
    g->table[idx] = v;
  }
  free(seen);
  return rc;
}

/* normalization_value.npy (optional): a scalar. */
static int read_normalization(game_reader *r, sb_npz_game *g, sb_error *err) {
  if (!sb_zip_has(r->zip, "normalization_value.npy")) return SB_OK;
  int rc = load_member(r, "normalization_value.npy", &r->norm, err);
  if (rc) return rc;
  if (r->norm.a.count != 1) {
    fmt_shape(&r->norm.a, r->shp, sizeof r->shp);
    return sb_error_set(err, SB_EFORMAT, "%s: normalization_value.npy: expected a scalar, got %s",
                        r->where, r->shp);
  }
  g->has_normalization = 1;
  g->normalization = sb_npy_get_double(&r->norm.a, 0);
  return SB_OK;
}

/* A file that is not a zip at all but another known kind: say which. */
static int check_kind(const unsigned char *data, size_t len, const char *where, sb_error *err) {
  sb_file_kind kind = sb_file_kind_of(data, len < 4096 ? len : 4096);
  if (kind == SB_FILE_TRACE || kind == SB_FILE_GZIP || kind == SB_FILE_NPY ||
      kind == SB_FILE_JSON)
    return sb_file_kind_error(err, where, kind, "an .npz game (a zip of .npy arrays)");
  return SB_OK;
}

int sb_npz_game_parse(const unsigned char *data, size_t len, const char *where,
                      sb_npz_game **out, sb_error *err) {
  *out = NULL;
  game_reader r;
  memset(&r, 0, sizeof r);
  r.where = where;
  sb_npz_game *g = calloc(1, sizeof *g);
  int rc = g ? check_kind(data, len, where, err)
             : sb_error_set(err, SB_ENOMEM, "%s: out of memory", where);
  if (!rc) rc = sb_zip_open(data, len, where, &r.zip, err);
  if (!rc) rc = read_coalitions(&r, err);
  if (!rc) rc = check_players(&r, err);
  if (!rc) rc = check_shapes_and_read_values(&r, err);
  if (!rc) rc = build_table(&r, g, err);
  if (!rc) rc = read_normalization(&r, g, err);
  sb_zip_free(r.zip);
  free(r.coal.raw);
  free(r.vals.raw);
  free(r.players.raw);
  free(r.norm.raw);
  if (rc) {
    sb_npz_game_free(g);
    return rc;
  }
  *out = g;
  return SB_OK;
}

int sb_npz_game_read(const char *path, sb_npz_game **out, sb_error *err) {
  *out = NULL;
  char *data = NULL;
  size_t len = 0;
  int rc = sb_read_file(path, &data, &len, err);
  if (rc) return rc;
  rc = sb_npz_game_parse((const unsigned char *)data, len, path, out, err);
  free(data);
  return rc;
}

/* ==== writing ============================================================ */

int sb_npz_game_write(const char *path, unsigned n, const double *table, int has_norm,
                      double norm, sb_error *err) {
  if (n < 1 || n > SB_NPZ_MAX_N)
    return sb_error_set(err, SB_EINVAL, "%s: n = %u: expected 1..%d for an .npz game", path, n,
                        SB_NPZ_MAX_N);
  size_t N = (size_t)1 << n;
  double *vals = malloc(N * sizeof *vals);
  unsigned char *coal = malloc(N * n);
  size_t comb[64];
  unsigned char *parts[4] = {NULL, NULL, NULL, NULL}, *zip = NULL;
  size_t plen[4] = {0, 0, 0, 0}, ziplen = 0;
  int rc = SB_OK;
  if (!vals || !coal) {
    rc = sb_error_set(err, SB_ENOMEM, "%s: out of memory", path);
    goto done;
  }
  size_t r = 0;
  for (size_t k = 0; k <= n; k++) {
    sb_comb_first(comb, k);
    do {
      uint64_t idx = 0;
      unsigned char *row = coal + r * n;
      memset(row, 0, n);
      for (size_t j = 0; j < k; j++) {
        idx |= (uint64_t)1 << comb[j];
        row[comb[j]] = 1;
      }
      vals[r++] = table[idx];
    } while (sb_comb_next(comb, k, n));
  }
  size_t sh_v[1] = {N}, sh_c[2] = {N, n};
  int32_t np32 = (int32_t)n;
  if ((rc = sb_npy_build("<f8", sh_v, 1, vals, N * sizeof *vals, &parts[0], &plen[0], err)) ||
      (rc = sb_npy_build("|b1", sh_c, 2, coal, N * n, &parts[1], &plen[1], err)) ||
      (rc = sb_npy_build("<i4", NULL, 0, &np32, 4, &parts[2], &plen[2], err)) ||
      (rc = sb_npy_build("<f8", NULL, 0, &norm, 8, &parts[3], &plen[3], err)))
    goto done;
  sb_zip_member m[4] = {
      {"values.npy", parts[0], plen[0], 1},
      {"coalitions.npy", parts[1], plen[1], 1},
      {"n_players.npy", parts[2], plen[2], 1},
      {"normalization_value.npy", parts[3], plen[3], 1},
  };
  rc = sb_zip_build(m, has_norm ? 4 : 3, &zip, &ziplen, err);
  if (rc) goto done;
  rc = sb_write_file_atomic(path, zip, ziplen, err);
done:
  free(vals);
  free(coal);
  for (int i = 0; i < 4; i++) free(parts[i]);
  free(zip);
  return rc;
}
