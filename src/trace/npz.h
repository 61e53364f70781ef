/* NumPy .npz archives (a zip of .npy arrays) as written by shapiq for its
 * precomputed games, read with zlib alone: the zip central directory, stored or
 * raw-DEFLATE members, CRC-32 checked, and the .npy header (descr, fortran_order,
 * shape).  See ../shared/datasets/README.md for the members of a shapiq game.
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

/* Largest number of players of a dense .npz game (2^26 rows: 512 MiB of values). */
#define SB_NPZ_MAX_N 26
/* Largest uncompressed member accepted (bytes). */
#define SB_NPZ_MAX_MEMBER ((size_t)1 << 31)

/* ---- zip containers ----------------------------------------------------- */

typedef struct sb_zip_member {
  const char *name;          /* member name */
  const unsigned char *data; /* uncompressed bytes */
  size_t len;                /* their number */
  int deflate;               /* 1: raw DEFLATE (method 8), 0: stored */
} sb_zip_member;

/* Build a zip archive in memory from `count` members.  Caller frees *out.
 * (Used by `trace export` and by the tests to make well- and ill-formed files.) */
int sb_zip_build(const sb_zip_member *members, size_t count, unsigned char **out,
                 size_t *out_len, sb_error *err);

/* Extract member `name` of the zip held in data[0..len).  `where` names the file in
 * messages.  SB_EFORMAT (message names file and member) if absent or malformed;
 * caller frees *out. */
int sb_zip_extract(const unsigned char *data, size_t len, const char *where, const char *name,
                   unsigned char **out, size_t *out_len, sb_error *err);

/* ---- .npy arrays -------------------------------------------------------- */

typedef struct sb_npy {
  char kind;                 /* 'f' float, 'i' signed, 'u' unsigned, 'b' bool */
  size_t itemsize;           /* bytes per element */
  int big_endian;            /* 1 if descr starts with '>' */
  int fortran_order;         /* column-major data */
  int ndim;                  /* 0 for a scalar */
  size_t shape[8];           /* ndim dimensions */
  size_t count;              /* elements (product of shape, 1 for a scalar) */
  const unsigned char *data; /* raw elements (points into the parsed buffer) */
} sb_npy;

/* Parse an .npy buffer; the data must hold exactly count*itemsize bytes.
 * `where` ("model.npz: values.npy") prefixes messages.  *out points into buf. */
int sb_npy_parse(const unsigned char *buf, size_t len, const char *where, sb_npy *out,
                 sb_error *err);
/* Element i converted to double / integer (any kind, either byte order). */
double sb_npy_get_double(const sb_npy *a, size_t i);
long long sb_npy_get_int(const sb_npy *a, size_t i);
/* Serialise a C-order little-endian array with descr ("<f8", "|b1", "<i4").
 * Caller frees *out. */
int sb_npy_build(const char *descr, const size_t *shape, int ndim, const void *data,
                 size_t data_len, unsigned char **out, size_t *out_len, sb_error *err);

/* ---- shapiq games ------------------------------------------------------- */

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
