/* NumPy .npz archives (a zip of .npy arrays) as written by shapiq for its
 * precomputed games, read with zlib alone: the zip layer (zip.h: central
 * directory, stored or raw-DEFLATE members, CRC-32 checked, duplicate names
 * refused) and the .npy layer (npy.h: descr, fortran_order, shape) under the
 * game layer here.  See ../shared/datasets/README.md for the members of a
 * shapiq game.
 *
 * Every error names the file and the member ("model.npz: coalitions.npy: expected
 * shape (16384, 14), got (100, 14)").  A member that inflates beyond its declared
 * size, a declared size no DEFLATE stream could reach from its compressed size,
 * or a table that does not hold every one of the 2^n masks exactly once is an
 * error, never a crash or a silent partial table. */
#ifndef SB_NPZ_H
#define SB_NPZ_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "trace/npy.h"
#include "trace/zip.h"

/* Largest number of players of a dense .npz game (2^26 rows: 512 MiB of values). */
#define SB_NPZ_MAX_N 26

typedef struct sb_npz_game {
  unsigned n;                /* players */
  double *table;             /* 2^n values; entry x = value of the mask with bit i = player i */
  int has_normalization;     /* normalization_value.npy present */
  double normalization;      /* its value (shapiq: value of the empty coalition) */
} sb_npz_game;

/* Read a shapiq game (values.npy, coalitions.npy, n_players.npy optional when the
 * coalitions' width says n; normalization_value.npy optional).  Rows may come in
 * any order; each row's coalition is mapped to its mask index.  Caller frees with
 * sb_npz_game_free. */
int sb_npz_game_read(const char *path, sb_npz_game **out, sb_error *err);
/* Same, from a buffer; `where` names it in messages. */
int sb_npz_game_parse(const unsigned char *data, size_t len, const char *where,
                      sb_npz_game **out, sb_error *err);
void sb_npz_game_free(sb_npz_game *g);
/* Write a full table as a shapiq-style game (rows by size then lexicographic,
 * DEFLATE members), atomically. */
int sb_npz_game_write(const char *path, unsigned n, const double *table, int has_norm,
                      double norm, sb_error *err);

#endif
