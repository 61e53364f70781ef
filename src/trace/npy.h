/* NumPy .npy arrays: parse a buffer holding one array (header and data), read
 * its elements, and serialise an array (see npy.c). */
#ifndef SB_NPY_H
#define SB_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

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

#endif
