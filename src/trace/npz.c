/* Reader and writer for NumPy .npz archives, specialised to shapiq's precomputed
 * games (values.npy float64 (2^n,), coalitions.npy bool (2^n, n), n_players.npy
 * int32 scalar, normalization_value.npy float64 scalar).
 *
 * The zip layer finds the end-of-central-directory record, walks the central
 * directory (ZIP64 extra fields understood), and extracts one member: stored, or
 * raw DEFLATE through zlib's inflateInit2(-15).  The output buffer has the size the
 * directory declares; inflating past it is reported as a zip bomb, and a declared
 * size above what DEFLATE can reach from the compressed size (1032:1) or above
 * SB_NPZ_MAX_MEMBER is refused before anything is allocated.  The CRC-32 of every
 * member is checked.  The .npy layer parses the Python-dict header (descr,
 * fortran_order, shape) strictly.  The game layer checks that coalitions hold
 * exactly 2^n distinct rows of 0/1 bytes, that n agrees with n_players, and builds
 * the dense table indexed by mask (rows may come in any order). */
#include "trace/npz.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/comb.h"
#include "core/fsutil.h"

/* ==== little-endian helpers ============================================== */

static uint32_t rd16(const unsigned char *p) { return (uint32_t)p[0] | ((uint32_t)p[1] << 8); }
static uint32_t rd32(const unsigned char *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static uint64_t rd64(const unsigned char *p) { return (uint64_t)rd32(p) | ((uint64_t)rd32(p + 4) << 32); }
static void wr16(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)v;
  p[1] = (unsigned char)(v >> 8);
}
static void wr32(unsigned char *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

/* ==== zip: reading ======================================================= */

#define ZIP_EOCD_SIG 0x06054b50u
#define ZIP_CDIR_SIG 0x02014b50u
#define ZIP_LOCAL_SIG 0x04034b50u
#define ZIP_EOCD64_SIG 0x06064b50u
#define ZIP_EOCD64_LOC_SIG 0x07064b50u
#define DEFLATE_MAX_RATIO 1032u /* DEFLATE cannot expand more than ~1032:1 */

typedef struct zip_entry {
  const unsigned char *name; /* not NUL-terminated */
  size_t name_len;
  uint32_t method, crc, flags;
  uint64_t csize, usize, local_off;
} zip_entry;

/* Read the central directory entry at p (bounded by end); returns bytes used or 0. */
static size_t zip_parse_cdir(const unsigned char *p, const unsigned char *end, zip_entry *e) {
  if ((size_t)(end - p) < 46 || rd32(p) != ZIP_CDIR_SIG) return 0;
  e->flags = rd16(p + 8);
  e->method = rd16(p + 10);
  e->crc = rd32(p + 16);
  e->csize = rd32(p + 20);
  e->usize = rd32(p + 24);
  size_t nlen = rd16(p + 28), xlen = rd16(p + 30), clen = rd16(p + 32);
  e->local_off = rd32(p + 42);
  if ((size_t)(end - p) < 46 + nlen + xlen + clen) return 0;
  e->name = p + 46;
  e->name_len = nlen;
  /* ZIP64 extended information: the 0xFFFFFFFF fields, in order usize, csize, offset. */
  const unsigned char *x = p + 46 + nlen, *xend = x + xlen;
  while (xend - x >= 4) {
    uint32_t id = rd16(x), sz = rd16(x + 2);
    if ((size_t)(xend - x - 4) < sz) break;
    if (id == 0x0001) {
      const unsigned char *q = x + 4, *qend = q + sz;
      if (e->usize == 0xFFFFFFFFu && qend - q >= 8) e->usize = rd64(q), q += 8;
      if (e->csize == 0xFFFFFFFFu && qend - q >= 8) e->csize = rd64(q), q += 8;
      if (e->local_off == 0xFFFFFFFFu && qend - q >= 8) e->local_off = rd64(q), q += 8;
    }
    x += 4 + sz;
  }
  return 46 + nlen + xlen + clen;
}

/* Locate the central directory: offset and entry count. */
static int zip_find_cdir(const unsigned char *d, size_t len, const char *where, uint64_t *off,
                         uint64_t *count, sb_error *err) {
  if (len < 22 || rd32(d) != ZIP_LOCAL_SIG)
    return sb_error_set(err, SB_EFORMAT, "%s: not a zip archive (an .npz is a zip of .npy files)",
                        where);
  size_t lo = len > 22 + 65535 ? len - 22 - 65535 : 0;
  for (size_t i = len - 22 + 1; i-- > lo;) {
    if (rd32(d + i) != ZIP_EOCD_SIG) continue;
    uint64_t cnt = rd16(d + i + 10), size = rd32(d + i + 12), o = rd32(d + i + 16);
    if ((cnt == 0xFFFF || o == 0xFFFFFFFFu) && i >= 20 && rd32(d + i - 20) == ZIP_EOCD64_LOC_SIG) {
      uint64_t e64 = rd64(d + i - 20 + 8);
      if (len < 56 || e64 > len - 56 || rd32(d + e64) != ZIP_EOCD64_SIG)
        return sb_error_set(err, SB_EFORMAT, "%s: corrupt ZIP64 end of central directory", where);
      cnt = rd64(d + e64 + 32);
      size = rd64(d + e64 + 40);
      o = rd64(d + e64 + 48);
    }
    if (o > len || size > len - o)
      return sb_error_set(err, SB_EFORMAT,
                          "%s: central directory (offset %llu, %llu bytes) lies outside the "
                          "%zu-byte file (truncated?)",
                          where, (unsigned long long)o, (unsigned long long)size, len);
    *off = o;
    *count = cnt;
    return SB_OK;
  }
  return sb_error_set(err, SB_EFORMAT,
                      "%s: no zip end-of-central-directory record (truncated file?)", where);
}

static int name_is(const zip_entry *e, const char *name) {
  return e->name_len == strlen(name) && !memcmp(e->name, name, e->name_len);
}

/* Inflate/copy entry e into a buffer of exactly e->usize bytes. */
static int zip_read_entry(const unsigned char *d, size_t len, const char *where,
                          const char *name, const zip_entry *e, unsigned char **out,
                          size_t *out_len, sb_error *err) {
  if (e->local_off > len - 30 || len < 30 || rd32(d + e->local_off) != ZIP_LOCAL_SIG)
    return sb_error_set(err, SB_EFORMAT, "%s: %s: bad local header offset %llu", where, name,
                        (unsigned long long)e->local_off);
  const unsigned char *lh = d + e->local_off;
  uint64_t start = e->local_off + 30 + rd16(lh + 26) + rd16(lh + 28);
  if (start > len || e->csize > len - start)
    return sb_error_set(err, SB_EFORMAT,
                        "%s: %s: compressed data (%llu bytes) runs past the end of the file "
                        "(truncated?)",
                        where, name, (unsigned long long)e->csize);
  if (e->flags & 1u)
    return sb_error_set(err, SB_EUNSUPPORTED, "%s: %s: encrypted members are not supported", where,
                        name);
  if (e->method != 0 && e->method != 8)
    return sb_error_set(err, SB_EUNSUPPORTED,
                        "%s: %s: compression method %u not supported (stored or DEFLATE only)",
                        where, name, (unsigned)e->method);
  if (e->usize > SB_NPZ_MAX_MEMBER)
    return sb_error_set(err, SB_EFORMAT, "%s: %s: declared size %llu bytes exceeds the limit %zu",
                        where, name, (unsigned long long)e->usize, SB_NPZ_MAX_MEMBER);
  if (e->method == 0 && e->usize != e->csize)
    return sb_error_set(err, SB_EFORMAT,
                        "%s: %s: stored member with compressed size %llu != size %llu", where,
                        name, (unsigned long long)e->csize, (unsigned long long)e->usize);
  if (e->method == 8 && e->usize > e->csize * DEFLATE_MAX_RATIO + 1024)
    return sb_error_set(err, SB_EFORMAT,
                        "%s: %s: declared size %llu bytes is impossible for %llu compressed bytes "
                        "(zip bomb or corrupt directory)",
                        where, name, (unsigned long long)e->usize, (unsigned long long)e->csize);
  size_t usize = (size_t)e->usize;
  unsigned char *buf = malloc(usize ? usize : 1);
  if (!buf) return sb_error_set(err, SB_ENOMEM, "%s: %s: out of memory (%zu bytes)", where, name, usize);
  const unsigned char *src = d + start;
  if (e->method == 0) {
    memcpy(buf, src, usize);
  } else {
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, -15) != Z_OK) {
      free(buf);
      return sb_error_set(err, SB_ENOMEM, "%s: %s: inflateInit2 failed", where, name);
    }
    size_t in_done = 0, out_done = 0;
    int zrc = Z_OK;
    unsigned char probe[64];
    for (;;) {
      size_t in_left = (size_t)e->csize - in_done;
      zs.next_in = (unsigned char *)(uintptr_t)(src + in_done);
      zs.avail_in = (uInt)(in_left > (1u << 30) ? (1u << 30) : in_left);
      size_t out_left = usize - out_done;
      /* Once the declared size is full, inflate into a probe: any output is a bomb. */
      if (out_left == 0) {
        zs.next_out = probe;
        zs.avail_out = sizeof probe;
      } else {
        zs.next_out = buf + out_done;
        zs.avail_out = (uInt)(out_left > (1u << 30) ? (1u << 30) : out_left);
      }
      uInt in0 = zs.avail_in, out0 = zs.avail_out;
      zrc = inflate(&zs, Z_NO_FLUSH);
      in_done += in0 - zs.avail_in;
      size_t produced = out0 - zs.avail_out;
      if (out_left == 0 && produced > 0) {
        inflateEnd(&zs);
        free(buf);
        return sb_error_set(err, SB_EFORMAT,
                            "%s: %s: inflates beyond its declared size of %zu bytes (zip bomb or "
                            "corrupt member)",
                            where, name, usize);
      }
      out_done += out_left ? produced : 0;
      if (zrc == Z_STREAM_END) break;
      if (zrc != Z_OK && zrc != Z_BUF_ERROR) break;
      if (zrc == Z_BUF_ERROR && in0 == zs.avail_in && out0 == zs.avail_out) break;
      if (in_done >= e->csize && zs.avail_in == 0 && produced == 0) break;
    }
    inflateEnd(&zs);
    if (zrc != Z_STREAM_END) {
      free(buf);
      return sb_error_set(err, SB_EFORMAT, "%s: %s: corrupt DEFLATE data (%s)", where, name,
                          zrc == Z_DATA_ERROR ? (zs.msg ? zs.msg : "data error")
                                              : "stream ends early (truncated?)");
    }
    if (out_done != usize) {
      free(buf);
      return sb_error_set(err, SB_EFORMAT,
                          "%s: %s: inflated to %zu bytes, directory declares %zu", where, name,
                          out_done, usize);
    }
  }
  uint32_t crc = (uint32_t)crc32(0L, Z_NULL, 0);
  for (size_t o = 0; o < usize;) {
    size_t chunk = usize - o > (1u << 30) ? (1u << 30) : usize - o;
    crc = (uint32_t)crc32(crc, buf + o, (uInt)chunk);
    o += chunk;
  }
  if (crc != e->crc) {
    free(buf);
    return sb_error_set(err, SB_EFORMAT, "%s: %s: CRC-32 mismatch (stored %08x, computed %08x)",
                        where, name, (unsigned)e->crc, (unsigned)crc);
  }
  *out = buf;
  *out_len = usize;
  return SB_OK;
}

int sb_zip_extract(const unsigned char *data, size_t len, const char *where, const char *name,
                   unsigned char **out, size_t *out_len, sb_error *err) {
  *out = NULL;
  *out_len = 0;
  uint64_t off, count;
  int rc = zip_find_cdir(data, len, where, &off, &count, err);
  if (rc) return rc;
  const unsigned char *p = data + off, *end = data + len;
  char names[512] = "";
  size_t used = 0;
  for (uint64_t i = 0; i < count; i++) {
    zip_entry e;
    size_t adv = zip_parse_cdir(p, end, &e);
    if (!adv)
      return sb_error_set(err, SB_EFORMAT, "%s: central directory entry %llu is corrupt", where,
                          (unsigned long long)i);
    if (name_is(&e, name)) return zip_read_entry(data, len, where, name, &e, out, out_len, err);
    int w = snprintf(names + used, sizeof names - used, "%s%.*s", i ? ", " : "",
                     (int)(e.name_len > 64 ? 64 : e.name_len), (const char *)e.name);
    if (w > 0 && (size_t)w < sizeof names - used) used += (size_t)w;
    p += adv;
  }
  for (size_t i = 0; i < used; i++)
    if (!isprint((unsigned char)names[i])) names[i] = '?';
  return sb_error_set(err, SB_EFORMAT, "%s: missing member %s (members: %s)", where, name,
                      used ? names : "none");
}

/* ==== zip: writing ======================================================= */

static int deflate_raw(const unsigned char *in, size_t len, unsigned char **out, size_t *out_len) {
  z_stream zs;
  memset(&zs, 0, sizeof zs);
  if (deflateInit2(&zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) return SB_ENOMEM;
  uLong bound = deflateBound(&zs, (uLong)len);
  unsigned char *buf = malloc(bound + 16);
  if (!buf) {
    deflateEnd(&zs);
    return SB_ENOMEM;
  }
  zs.next_in = (unsigned char *)(uintptr_t)in;
  zs.avail_in = (uInt)len;
  zs.next_out = buf;
  zs.avail_out = (uInt)(bound + 16);
  int zrc = deflate(&zs, Z_FINISH);
  size_t n = zs.total_out;
  deflateEnd(&zs);
  if (zrc != Z_STREAM_END) {
    free(buf);
    return SB_EIO;
  }
  *out = buf;
  *out_len = n;
  return SB_OK;
}

int sb_zip_build(const sb_zip_member *members, size_t count, unsigned char **out,
                 size_t *out_len, sb_error *err) {
  *out = NULL;
  *out_len = 0;
  unsigned char **comp = calloc(count ? count : 1, sizeof *comp);
  size_t *clen = calloc(count ? count : 1, sizeof *clen);
  uint32_t *crcs = calloc(count ? count : 1, sizeof *crcs);
  size_t *offs = calloc(count ? count : 1, sizeof *offs);
  int rc = SB_OK;
  if (!comp || !clen || !crcs || !offs) {
    rc = sb_error_set(err, SB_ENOMEM, "zip: out of memory");
    goto done;
  }
  size_t total = 22;
  for (size_t i = 0; i < count; i++) {
    if (members[i].len > 0xFFFFFFF0u) {
      rc = sb_error_set(err, SB_EINVAL, "zip: member %s too large (ZIP64 writing not supported)",
                        members[i].name);
      goto done;
    }
    crcs[i] = (uint32_t)crc32(crc32(0L, Z_NULL, 0), members[i].data, (uInt)members[i].len);
    if (members[i].deflate) {
      if (deflate_raw(members[i].data, members[i].len, &comp[i], &clen[i]) != SB_OK) {
        rc = sb_error_set(err, SB_ENOMEM, "zip: deflate of %s failed", members[i].name);
        goto done;
      }
    } else {
      clen[i] = members[i].len;
    }
    total += 2 * strlen(members[i].name) + 30 + 46 + clen[i];
  }
  unsigned char *buf = malloc(total), *p = buf;
  if (!buf) {
    rc = sb_error_set(err, SB_ENOMEM, "zip: out of memory");
    goto done;
  }
  for (size_t i = 0; i < count; i++) {
    size_t nl = strlen(members[i].name);
    offs[i] = (size_t)(p - buf);
    memset(p, 0, 30);
    wr32(p, ZIP_LOCAL_SIG);
    wr16(p + 4, 20);
    wr16(p + 8, members[i].deflate ? 8 : 0);
    wr16(p + 12, 0x21); /* 1980-01-01, as numpy writes */
    wr32(p + 14, crcs[i]);
    wr32(p + 18, (uint32_t)clen[i]);
    wr32(p + 22, (uint32_t)members[i].len);
    wr16(p + 26, (uint32_t)nl);
    memcpy(p + 30, members[i].name, nl);
    p += 30 + nl;
    memcpy(p, members[i].deflate ? comp[i] : members[i].data, clen[i]);
    p += clen[i];
  }
  size_t cdir = (size_t)(p - buf);
  for (size_t i = 0; i < count; i++) {
    size_t nl = strlen(members[i].name);
    memset(p, 0, 46);
    wr32(p, ZIP_CDIR_SIG);
    wr16(p + 4, 20);
    wr16(p + 6, 20);
    wr16(p + 10, members[i].deflate ? 8 : 0);
    wr16(p + 14, 0x21);
    wr32(p + 16, crcs[i]);
    wr32(p + 20, (uint32_t)clen[i]);
    wr32(p + 24, (uint32_t)members[i].len);
    wr16(p + 28, (uint32_t)nl);
    wr32(p + 42, (uint32_t)offs[i]);
    memcpy(p + 46, members[i].name, nl);
    p += 46 + nl;
  }
  size_t cdir_size = (size_t)(p - buf) - cdir;
  memset(p, 0, 22);
  wr32(p, ZIP_EOCD_SIG);
  wr16(p + 8, (uint32_t)count);
  wr16(p + 10, (uint32_t)count);
  wr32(p + 12, (uint32_t)cdir_size);
  wr32(p + 16, (uint32_t)cdir);
  p += 22;
  *out = buf;
  *out_len = (size_t)(p - buf);
done:
  if (comp)
    for (size_t i = 0; i < count; i++) free(comp[i]);
  free(comp);
  free(clen);
  free(crcs);
  free(offs);
  return rc;
}

/* ==== .npy =============================================================== */

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

int sb_npy_parse(const unsigned char *buf, size_t len, const char *where, sb_npy *out,
                 sb_error *err) {
  memset(out, 0, sizeof *out);
  if (len < 10 || memcmp(buf, "\x93NUMPY", 6) != 0)
    return sb_error_set(err, SB_EFORMAT, "%s: not an .npy array (missing \\x93NUMPY magic)", where);
  unsigned major = buf[6];
  size_t hlen, hstart;
  if (major == 1) {
    hlen = rd16(buf + 8);
    hstart = 10;
  } else if (major == 2 || major == 3) {
    if (len < 12) return sb_error_set(err, SB_EFORMAT, "%s: truncated .npy header", where);
    hlen = rd32(buf + 8);
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
  int rc = SB_OK;
  if (strlen(h) != hlen && strlen(h) + 1 < hlen) {
    rc = sb_error_set(err, SB_EFORMAT, "%s: NUL byte inside the .npy header", where);
    goto done;
  }
  const char *v = dict_value(h, "descr");
  char descr[16];
  size_t dl = 0;
  if (!v || (*v != '\'' && *v != '"')) {
    rc = sb_error_set(err, SB_EFORMAT, "%s: .npy header has no 'descr' string: %.80s", where, h);
    goto done;
  }
  char q = *v++;
  while (v[dl] && v[dl] != q && dl < sizeof descr - 1) dl++;
  if (v[dl] != q || dl < 3) {
    rc = sb_error_set(err, SB_EUNSUPPORTED, "%s: unsupported descr in .npy header: %.80s", where, h);
    goto done;
  }
  memcpy(descr, v, dl);
  descr[dl] = '\0';
  char bo = descr[0], kind = descr[1];
  long isz = 0;
  {
    char *endp;
    isz = strtol(descr + 2, &endp, 10);
    if (*endp || isz <= 0 ||
        (bo != '<' && bo != '>' && bo != '|' && bo != '=') || !strchr("fiub", kind) ||
        (kind == 'f' && isz != 4 && isz != 8) || (kind != 'f' && isz != 1 && isz != 2 &&
                                                  isz != 4 && isz != 8) ||
        (kind == 'b' && isz != 1)) {
      rc = sb_error_set(err, SB_EUNSUPPORTED,
                        "%s: dtype '%s' not supported (expected float, integer or bool)", where,
                        descr);
      goto done;
    }
  }
  out->kind = kind;
  out->itemsize = (size_t)isz;
  out->big_endian = bo == '>';
  v = dict_value(h, "fortran_order");
  if (!v || (strncmp(v, "False", 5) && strncmp(v, "True", 4))) {
    rc = sb_error_set(err, SB_EFORMAT, "%s: .npy header has no fortran_order True/False", where);
    goto done;
  }
  out->fortran_order = v[0] == 'T';
  v = dict_value(h, "shape");
  if (!v || *v != '(') {
    rc = sb_error_set(err, SB_EFORMAT, "%s: .npy header has no shape tuple", where);
    goto done;
  }
  v++;
  size_t count = 1;
  for (;;) {
    while (*v == ' ') v++;
    if (*v == ')') break;
    if (!isdigit((unsigned char)*v)) {
      rc = sb_error_set(err, SB_EFORMAT, "%s: malformed shape in .npy header: %.80s", where, h);
      goto done;
    }
    char *endp;
    unsigned long long dim = strtoull(v, &endp, 10);
    v = endp;
    if (out->ndim >= 8 || dim > ((size_t)1 << 40)) {
      rc = sb_error_set(err, SB_EFORMAT, "%s: shape too large in .npy header", where);
      goto done;
    }
    out->shape[out->ndim++] = (size_t)dim;
    if (dim && count > ((size_t)1 << 40) / dim) {
      rc = sb_error_set(err, SB_EFORMAT, "%s: shape too large in .npy header", where);
      goto done;
    }
    count *= (size_t)dim;
    while (*v == ' ') v++;
    if (*v == ',') v++;
    else if (*v != ')') {
      rc = sb_error_set(err, SB_EFORMAT, "%s: malformed shape in .npy header: %.80s", where, h);
      goto done;
    }
  }
  out->count = count;
  size_t want = count * out->itemsize, have = len - hstart - hlen;
  if (have != want) {
    rc = sb_error_set(err, SB_EFORMAT, "%s: data holds %zu bytes, shape and dtype need %zu", where,
                      have, want);
    goto done;
  }
  out->data = buf + hstart + hlen;
done:
  free(h);
  return rc;
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
  wr16(buf + 8, (uint32_t)hlen);
  memcpy(buf + 10, h, (size_t)hl);
  memset(buf + 10 + hl, ' ', pad);
  buf[10 + hlen - 1] = '\n';
  if (data_len) memcpy(buf + 10 + hlen, data, data_len);
  *out = buf;
  *out_len = 10 + hlen + data_len;
  return SB_OK;
}

/* ==== shapiq games ======================================================= */

void sb_npz_game_free(sb_npz_game *g) {
  if (!g) return;
  free(g->table);
  free(g);
}

static void fmt_shape(const sb_npy *a, char *buf, size_t len) {
  size_t used = (size_t)snprintf(buf, len, "(");
  for (int i = 0; i < a->ndim && used < len; i++)
    used += (size_t)snprintf(buf + used, len - used, "%zu%s", a->shape[i],
                             a->ndim == 1 ? "," : (i + 1 < a->ndim ? ", " : ""));
  if (used < len) snprintf(buf + used, len - used, ")");
}

/* Extract and parse one member; *raw must be freed by the caller. */
static int load_member(const unsigned char *data, size_t len, const char *where,
                       const char *member, unsigned char **raw, sb_npy *arr, sb_error *err) {
  size_t rl;
  int rc = sb_zip_extract(data, len, where, member, raw, &rl, err);
  if (rc) return rc;
  char w[1200];
  snprintf(w, sizeof w, "%s: %s", where, member);
  rc = sb_npy_parse(*raw, rl, w, arr, err);
  if (rc) {
    free(*raw);
    *raw = NULL;
  }
  return rc;
}

static int has_member(const unsigned char *data, size_t len, const char *name) {
  uint64_t off, count;
  sb_error e;
  if (zip_find_cdir(data, len, "", &off, &count, &e)) return 0;
  const unsigned char *p = data + off, *end = data + len;
  for (uint64_t i = 0; i < count; i++) {
    zip_entry ze;
    size_t adv = zip_parse_cdir(p, end, &ze);
    if (!adv) return 0;
    if (name_is(&ze, name)) return 1;
    p += adv;
  }
  return 0;
}

int sb_npz_game_parse(const unsigned char *data, size_t len, const char *where,
                      sb_npz_game **out, sb_error *err) {
  *out = NULL;
  unsigned char *rv = NULL, *rc_ = NULL, *rn = NULL, *rz = NULL;
  sb_npy vals, coal, np_, nz;
  sb_npz_game *g = NULL;
  uint64_t *seen = NULL;
  char shp[96];
  int rc = load_member(data, len, where, "coalitions.npy", &rc_, &coal, err);
  if (rc) goto fail;
  if (coal.kind != 'b' && coal.kind != 'i' && coal.kind != 'u') {
    rc = sb_error_set(err, SB_EFORMAT, "%s: coalitions.npy: expected dtype bool, got %c%zu", where,
                      coal.kind, coal.itemsize);
    goto fail;
  }
  if (coal.ndim != 2) {
    fmt_shape(&coal, shp, sizeof shp);
    rc = sb_error_set(err, SB_EFORMAT, "%s: coalitions.npy: expected shape (2^n, n), got %s", where,
                      shp);
    goto fail;
  }
  size_t n = coal.shape[1];
  if (has_member(data, len, "n_players.npy")) {
    rc = load_member(data, len, where, "n_players.npy", &rn, &np_, err);
    if (rc) goto fail;
    if (np_.count != 1 || np_.kind == 'f' || np_.kind == 'b') {
      fmt_shape(&np_, shp, sizeof shp);
      rc = sb_error_set(err, SB_EFORMAT,
                        "%s: n_players.npy: expected an integer scalar, got dtype %c%zu shape %s",
                        where, np_.kind, np_.itemsize, shp);
      goto fail;
    }
    long long np = sb_npy_get_int(&np_, 0);
    if (np < 1 || np > SB_NPZ_MAX_N) {
      rc = sb_error_set(err, SB_EFORMAT, "%s: n_players.npy: n_players = %lld, expected 1..%d",
                        where, np, SB_NPZ_MAX_N);
      goto fail;
    }
    if ((size_t)np != n) {
      fmt_shape(&coal, shp, sizeof shp);
      rc = sb_error_set(err, SB_EFORMAT,
                        "%s: coalitions.npy: expected shape (%zu, %lld) for n_players = %lld, got %s",
                        where, (size_t)1 << np, np, np, shp);
      goto fail;
    }
  }
  if (n < 1 || n > SB_NPZ_MAX_N) {
    rc = sb_error_set(err, SB_EFORMAT, "%s: coalitions.npy: %zu columns, expected 1..%d players",
                      where, n, SB_NPZ_MAX_N);
    goto fail;
  }
  size_t N = (size_t)1 << n;
  if (coal.shape[0] != N) {
    fmt_shape(&coal, shp, sizeof shp);
    rc = sb_error_set(err, SB_EFORMAT,
                      "%s: coalitions.npy: expected shape (%zu, %zu) (all 2^%zu coalitions), got %s",
                      where, N, n, n, shp);
    goto fail;
  }
  rc = load_member(data, len, where, "values.npy", &rv, &vals, err);
  if (rc) goto fail;
  if (vals.kind != 'f') {
    rc = sb_error_set(err, SB_EFORMAT, "%s: values.npy: expected dtype float64, got %c%zu", where,
                      vals.kind, vals.itemsize);
    goto fail;
  }
  if (!(vals.ndim == 1 && vals.shape[0] == N) && !(vals.ndim == 2 && vals.shape[0] == N && vals.shape[1] == 1)) {
    fmt_shape(&vals, shp, sizeof shp);
    rc = sb_error_set(err, SB_EFORMAT, "%s: values.npy: expected shape (%zu,), got %s", where, N,
                      shp);
    goto fail;
  }
  g = calloc(1, sizeof *g);
  seen = calloc((N + 63) / 64, sizeof *seen);
  if (g) g->table = malloc(N * sizeof *g->table);
  if (!g || !seen || !g->table) {
    rc = sb_error_set(err, SB_ENOMEM, "%s: out of memory for a table of 2^%zu values", where, n);
    goto fail;
  }
  g->n = (unsigned)n;
  const size_t isz = coal.itemsize;
  for (size_t r = 0; r < N; r++) {
    uint64_t idx = 0;
    for (size_t i = 0; i < n; i++) {
      size_t el = coal.fortran_order ? i * N + r : r * n + i;
      uint64_t b;
      if (isz == 1) b = coal.data[el];
      else b = (uint64_t)sb_npy_get_int(&coal, el);
      if (b > 1) {
        rc = sb_error_set(err, SB_EFORMAT,
                          "%s: coalitions.npy: row %zu column %zu: expected 0 or 1, got %llu", where,
                          r, i, (unsigned long long)b);
        goto fail;
      }
      idx |= b << i;
    }
    if (seen[idx >> 6] & ((uint64_t)1 << (idx & 63))) {
      rc = sb_error_set(err, SB_EFORMAT,
                        "%s: coalitions.npy: row %zu repeats an earlier coalition (mask index %llu)",
                        where, r, (unsigned long long)idx);
      goto fail;
    }
    seen[idx >> 6] |= (uint64_t)1 << (idx & 63);
    double v = sb_npy_get_double(&vals, r);
    if (!isfinite(v)) {
      rc = sb_error_set(err, SB_EFORMAT, "%s: values.npy: row %zu: value is %g (must be finite)",
                        where, r, v);
      goto fail;
    }
    g->table[idx] = v;
  }
  /* N distinct rows out of N masks: every mask is covered. */
  if (has_member(data, len, "normalization_value.npy")) {
    rc = load_member(data, len, where, "normalization_value.npy", &rz, &nz, err);
    if (rc) goto fail;
    if (nz.count != 1) {
      fmt_shape(&nz, shp, sizeof shp);
      rc = sb_error_set(err, SB_EFORMAT, "%s: normalization_value.npy: expected a scalar, got %s",
                        where, shp);
      goto fail;
    }
    g->has_normalization = 1;
    g->normalization = sb_npy_get_double(&nz, 0);
  }
  free(rv);
  free(rc_);
  free(rn);
  free(rz);
  free(seen);
  *out = g;
  return SB_OK;
fail:
  free(rv);
  free(rc_);
  free(rn);
  free(rz);
  free(seen);
  sb_npz_game_free(g);
  return rc;
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
