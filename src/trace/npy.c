/* NumPy .npy arrays (format versions 1-3): the magic, the header length, the
 * Python-dict header parsed strictly ('descr' of a float, integer or bool type in
 * either byte order, 'fortran_order', 'shape' of up to 8 dimensions), and a data
 * size that must match exactly; elements read as double or integer.  The
 * writer emits version 1 C-order little-endian arrays with the header padded to
 * 64 bytes as numpy does. */
#include "trace/npy.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace/le.h"

/* Find 'key': in the header dict and return a pointer past the colon, or NULL. */
static const char *dict_value(const char *h, const char *key) {
  char pat[32];
  snprintf(pat, sizeof pat, "'%s'", key);
  const char *p = strstr(h, pat);
  if (!p) {
    snprintf(pat, sizeof pat, "\"%s\"", key);
    p = strstr(h, pat);
  }
  if (!p) return NULL;
  p += strlen(pat);
  while (*p == ' ') p++;
  if (*p != ':') return NULL;
  p++;
  while (*p == ' ') p++;
  return p;
}

/* 'descr' ("<f8", "|b1", ...): kind, item size and byte order. */
static int parse_descr(const char *h, const char *where, sb_npy *out, sb_error *err) {
  const char *v = dict_value(h, "descr");
  char descr[16];
  size_t dl = 0;
  if (!v || (*v != '\'' && *v != '"'))
    return sb_error_set(err, SB_EFORMAT, "%s: .npy header has no 'descr' string: %.80s", where, h);
  char q = *v++;
  while (v[dl] && v[dl] != q && dl < sizeof descr - 1) dl++;
  if (v[dl] != q || dl < 3)
    return sb_error_set(err, SB_EUNSUPPORTED, "%s: unsupported descr in .npy header: %.80s", where,
                        h);
  memcpy(descr, v, dl);
  descr[dl] = '\0';
  char bo = descr[0], kind = descr[1], *endp;
  long isz = strtol(descr + 2, &endp, 10);
  if (*endp || isz <= 0 || (bo != '<' && bo != '>' && bo != '|' && bo != '=') ||
      !strchr("fiub", kind) || (kind == 'f' && isz != 4 && isz != 8) ||
      (kind != 'f' && isz != 1 && isz != 2 && isz != 4 && isz != 8) || (kind == 'b' && isz != 1))
    return sb_error_set(err, SB_EUNSUPPORTED,
                        "%s: dtype '%s' not supported (expected float, integer or bool)", where,
                        descr);
  out->kind = kind;
  out->itemsize = (size_t)isz;
  out->big_endian = bo == '>';
  return SB_OK;
}

/* 'shape' ((a, b), (a,) or ()): dimensions and element count, each <= 2^40. */
static int parse_shape(const char *h, const char *where, sb_npy *out, sb_error *err) {
  const char *v = dict_value(h, "shape");
  if (!v || *v != '(')
    return sb_error_set(err, SB_EFORMAT, "%s: .npy header has no shape tuple", where);
  v++;
  size_t count = 1;
  for (;;) {
    while (*v == ' ') v++;
    if (*v == ')') break;
    if (!isdigit((unsigned char)*v))
      return sb_error_set(err, SB_EFORMAT, "%s: malformed shape in .npy header: %.80s", where, h);
    char *endp;
    unsigned long long dim = strtoull(v, &endp, 10);
    v = endp;
    if (out->ndim >= 8 || dim > ((size_t)1 << 40) || (dim && count > ((size_t)1 << 40) / dim))
      return sb_error_set(err, SB_EFORMAT, "%s: shape too large in .npy header", where);
    out->shape[out->ndim++] = (size_t)dim;
    count *= (size_t)dim;
    while (*v == ' ') v++;
    if (*v == ',') v++;
    else if (*v != ')')
      return sb_error_set(err, SB_EFORMAT, "%s: malformed shape in .npy header: %.80s", where, h);
  }
  out->count = count;
  return SB_OK;
}

/* The header dict: descr, fortran_order, shape. */
static int parse_dict(const char *h, const char *where, sb_npy *out, sb_error *err) {
  int rc = parse_descr(h, where, out, err);
  if (rc) return rc;
  const char *v = dict_value(h, "fortran_order");
  if (!v || (strncmp(v, "False", 5) && strncmp(v, "True", 4)))
    return sb_error_set(err, SB_EFORMAT, "%s: .npy header has no fortran_order True/False", where);
  out->fortran_order = v[0] == 'T';
  return parse_shape(h, where, out, err);
}

int sb_npy_parse(const unsigned char *buf, size_t len, const char *where, sb_npy *out,
                 sb_error *err) {
  memset(out, 0, sizeof *out);
  if (len < 10 || memcmp(buf, "\x93NUMPY", 6) != 0)
    return sb_error_set(err, SB_EFORMAT, "%s: not an .npy array (missing \\x93NUMPY magic)", where);
  unsigned major = buf[6];
  size_t hlen, hstart;
  if (major == 1) {
    hlen = sb_rd16(buf + 8);
    hstart = 10;
  } else if (major == 2 || major == 3) {
    if (len < 12) return sb_error_set(err, SB_EFORMAT, "%s: truncated .npy header", where);
    hlen = sb_rd32(buf + 8);
    hstart = 12;
  } else {
    return sb_error_set(err, SB_EUNSUPPORTED, "%s: .npy format version %u not supported", where,
                        major);
  }
  if (hlen > len - hstart || hlen > 65536)
    return sb_error_set(err, SB_EFORMAT, "%s: .npy header length %zu exceeds the member (%zu bytes)",
                        where, hlen, len);
  char *h = malloc(hlen + 1);
  if (!h) return sb_error_set(err, SB_ENOMEM, "%s: out of memory", where);
  memcpy(h, buf + hstart, hlen);
  h[hlen] = '\0';
  if (strlen(h) != hlen && strlen(h) + 1 < hlen) {
    free(h);
    return sb_error_set(err, SB_EFORMAT, "%s: NUL byte inside the .npy header", where);
  }
  int rc = parse_dict(h, where, out, err);
  free(h);
  if (rc) return rc;
  size_t want = out->count * out->itemsize, have = len - hstart - hlen;
  if (have != want)
    return sb_error_set(err, SB_EFORMAT, "%s: data holds %zu bytes, shape and dtype need %zu",
                        where, have, want);
  out->data = buf + hstart + hlen;
  return SB_OK;
}

static uint64_t npy_raw(const sb_npy *a, size_t i) {
  const unsigned char *p = a->data + i * a->itemsize;
  uint64_t v = 0;
  for (size_t b = 0; b < a->itemsize; b++) {
    size_t src = a->big_endian ? a->itemsize - 1 - b : b;
    v |= (uint64_t)p[src] << (8 * b);
  }
  return v;
}

double sb_npy_get_double(const sb_npy *a, size_t i) {
  uint64_t r = npy_raw(a, i);
  switch (a->kind) {
  case 'f':
    if (a->itemsize == 8) {
      double d;
      memcpy(&d, &r, 8);
      return d;
    } else {
      uint32_t r32 = (uint32_t)r;
      float f;
      memcpy(&f, &r32, 4);
      return f;
    }
  case 'b':
  case 'u': return (double)r;
  default: return (double)sb_npy_get_int(a, i);
  }
}

long long sb_npy_get_int(const sb_npy *a, size_t i) {
  uint64_t r = npy_raw(a, i);
  if (a->kind == 'f') {
    double d = sb_npy_get_double(a, i);
    return (isfinite(d) && fabs(d) < 9e18) ? (long long)d : LLONG_MIN;
  }
  if (a->kind == 'i' && a->itemsize < 8) {
    uint64_t sign = (uint64_t)1 << (8 * a->itemsize - 1);
    if (r & sign) r |= ~((sign << 1) - 1);
  }
  if (a->kind == 'u' && r > (uint64_t)LLONG_MAX) return LLONG_MAX;
  return (long long)r;
}

int sb_npy_build(const char *descr, const size_t *shape, int ndim, const void *data,
                 size_t data_len, unsigned char **out, size_t *out_len, sb_error *err) {
  char h[256], dims[160] = "";
  size_t used = 0;
  for (int i = 0; i < ndim; i++)
    used += (size_t)snprintf(dims + used, sizeof dims - used, "%zu,%s", shape[i],
                             (i + 1 < ndim) ? " " : "");
  if (ndim > 1 && used > 0) dims[used - 1] = '\0'; /* "(a, b)" but "(a,)" for 1-d */
  int hl = snprintf(h, sizeof h, "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }",
                    descr, dims);
  size_t total_h = 10 + (size_t)hl + 1;
  size_t pad = (64 - total_h % 64) % 64;
  size_t hlen = (size_t)hl + pad + 1;
  unsigned char *buf = malloc(10 + hlen + data_len);
  if (!buf) return sb_error_set(err, SB_ENOMEM, "npy: out of memory");
  memcpy(buf, "\x93NUMPY\x01\x00", 8);
  sb_wr16(buf + 8, (uint32_t)hlen);
  memcpy(buf + 10, h, (size_t)hl);
  memset(buf + 10 + hl, ' ', pad);
  buf[10 + hlen - 1] = '\n';
  if (data_len) memcpy(buf + 10 + hlen, data, data_len);
  *out = buf;
  *out_len = 10 + hlen + data_len;
  return SB_OK;
}
