/* Zip archives in memory (see zip.h).  Reading: find the end-of-central-directory
 * record (ZIP64 locator understood), parse every central directory entry up
 * front (so a corrupt or duplicated entry is an error whichever member is
 * wanted), then extract a member: stored, or raw DEFLATE through zlib's
 * inflateInit2(-15) into a buffer of exactly the declared size — inflating past
 * it is reported as a zip bomb, and a declared size above what DEFLATE can reach
 * from the compressed size (1032:1) or above SB_NPZ_MAX_MEMBER is refused before
 * anything is allocated — and check its CRC-32.  Writing: local headers, the
 * central directory and its end record, dated 1980-01-01 as numpy does. */
#include "trace/zip.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "trace/le.h"

#define ZIP_EOCD_SIG 0x06054b50u
#define ZIP_CDIR_SIG 0x02014b50u
#define ZIP_LOCAL_SIG 0x04034b50u
#define ZIP_EOCD64_SIG 0x06064b50u
#define ZIP_EOCD64_LOC_SIG 0x07064b50u
#define ZIP_CDIR_MIN 46         /* bytes of a central directory entry without its names */
#define DEFLATE_MAX_RATIO 1032u /* DEFLATE cannot expand more than ~1032:1 */
#define ZLIB_CHUNK ((size_t)1 << 30) /* zlib counts in uInt */

/* ==== the central directory ============================================== */

typedef struct zip_entry {
  const unsigned char *name; /* not NUL-terminated */
  size_t name_len;
  uint32_t method, crc, flags;
  uint64_t csize, usize, local_off;
} zip_entry;

struct sb_zip {
  const unsigned char *d; /* the archive (not owned) */
  size_t len;
  char *where;            /* the file, for messages (owned) */
  zip_entry *e;           /* the entries in directory order */
  size_t count;
};

/* Read the central directory entry at p (bounded by end); returns bytes used or 0. */
static size_t zip_parse_cdir(const unsigned char *p, const unsigned char *end, zip_entry *e) {
  if ((size_t)(end - p) < 46 || sb_rd32(p) != ZIP_CDIR_SIG) return 0;
  e->flags = sb_rd16(p + 8);
  e->method = sb_rd16(p + 10);
  e->crc = sb_rd32(p + 16);
  e->csize = sb_rd32(p + 20);
  e->usize = sb_rd32(p + 24);
  size_t nlen = sb_rd16(p + 28), xlen = sb_rd16(p + 30), clen = sb_rd16(p + 32);
  e->local_off = sb_rd32(p + 42);
  if ((size_t)(end - p) < 46 + nlen + xlen + clen) return 0;
  e->name = p + 46;
  e->name_len = nlen;
  /* ZIP64 extended information: the 0xFFFFFFFF fields, in order usize, csize, offset. */
  const unsigned char *x = p + 46 + nlen, *xend = x + xlen;
  while (xend - x >= 4) {
    uint32_t id = sb_rd16(x), sz = sb_rd16(x + 2);
    if ((size_t)(xend - x - 4) < sz) break;
    if (id == 0x0001) {
      const unsigned char *q = x + 4, *qend = q + sz;
      if (e->usize == 0xFFFFFFFFu && qend - q >= 8) e->usize = sb_rd64(q), q += 8;
      if (e->csize == 0xFFFFFFFFu && qend - q >= 8) e->csize = sb_rd64(q), q += 8;
      if (e->local_off == 0xFFFFFFFFu && qend - q >= 8) e->local_off = sb_rd64(q), q += 8;
    }
    x += 4 + sz;
  }
  return 46 + nlen + xlen + clen;
}

/* Locate the central directory: offset and entry count. */
static int zip_find_cdir(const unsigned char *d, size_t len, const char *where, uint64_t *off,
                         uint64_t *count, sb_error *err) {
  if (len < 22 || sb_rd32(d) != ZIP_LOCAL_SIG)
    return sb_error_set(err, SB_EFORMAT, "%s: not a zip archive (an .npz is a zip of .npy files)",
                        where);
  size_t lo = len > 22 + 65535 ? len - 22 - 65535 : 0;
  for (size_t i = len - 22 + 1; i-- > lo;) {
    if (sb_rd32(d + i) != ZIP_EOCD_SIG) continue;
    uint64_t cnt = sb_rd16(d + i + 10), size = sb_rd32(d + i + 12), o = sb_rd32(d + i + 16);
    if ((cnt == 0xFFFF || o == 0xFFFFFFFFu) && i >= 20 && sb_rd32(d + i - 20) == ZIP_EOCD64_LOC_SIG) {
      uint64_t e64 = sb_rd64(d + i - 20 + 8);
      if (len < 56 || e64 > len - 56 || sb_rd32(d + e64) != ZIP_EOCD64_SIG)
        return sb_error_set(err, SB_EFORMAT, "%s: corrupt ZIP64 end of central directory", where);
      cnt = sb_rd64(d + e64 + 32);
      size = sb_rd64(d + e64 + 40);
      o = sb_rd64(d + e64 + 48);
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

static int cmp_entry_name(const void *a, const void *b) {
  const zip_entry *x = *(const zip_entry *const *)a, *y = *(const zip_entry *const *)b;
  size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
  int c = memcmp(x->name, y->name, n);
  return c ? c : (x->name_len > y->name_len) - (x->name_len < y->name_len);
}

/* Two entries with the same name: an error naming it (sorted, O(k log k)). */
static int check_unique_names(const sb_zip *z, sb_error *err) {
  if (z->count < 2) return SB_OK;
  const zip_entry **by_name = malloc(z->count * sizeof *by_name);
  if (!by_name) return sb_error_set(err, SB_ENOMEM, "%s: out of memory", z->where);
  for (size_t i = 0; i < z->count; i++) by_name[i] = &z->e[i];
  qsort(by_name, z->count, sizeof *by_name, cmp_entry_name);
  int rc = SB_OK;
  for (size_t i = 1; i < z->count && !rc; i++) {
    if (cmp_entry_name(&by_name[i - 1], &by_name[i])) continue;
    char name[80];
    size_t l = by_name[i]->name_len < sizeof name - 1 ? by_name[i]->name_len : sizeof name - 1;
    for (size_t k = 0; k < l; k++)
      name[k] = isprint(by_name[i]->name[k]) ? (char)by_name[i]->name[k] : '?';
    name[l] = '\0';
    rc = sb_error_set(err, SB_EFORMAT,
                      "%s: member %s appears twice in the zip directory (readers disagree on "
                      "which copy counts; refusing the archive)",
                      z->where, name);
  }
  free(by_name);
  return rc;
}

void sb_zip_free(sb_zip *z) {
  if (!z) return;
  free(z->e);
  free(z->where);
  free(z);
}

int sb_zip_open(const unsigned char *data, size_t len, const char *where, sb_zip **out,
                sb_error *err) {
  *out = NULL;
  uint64_t off = 0, count = 0;
  int rc = zip_find_cdir(data, len, where, &off, &count, err);
  if (rc) return rc;
  sb_zip *z = calloc(1, sizeof *z);
  /* every entry takes ZIP_CDIR_MIN bytes: a larger count is caught as corrupt below */
  uint64_t room = (len - off) / ZIP_CDIR_MIN + 1, cap = count < room ? count : room;
  if (z) z->e = malloc((cap ? cap : 1) * sizeof *z->e);
  if (z) z->where = strdup(where);
  if (!z || !z->e || !z->where) {
    sb_zip_free(z);
    return sb_error_set(err, SB_ENOMEM, "%s: out of memory", where);
  }
  z->d = data;
  z->len = len;
  const unsigned char *p = data + off, *end = data + len;
  for (uint64_t i = 0; i < count; i++) {
    size_t adv = i < cap ? zip_parse_cdir(p, end, &z->e[i]) : 0;
    if (!adv) {
      sb_zip_free(z);
      return sb_error_set(err, SB_EFORMAT, "%s: central directory entry %llu is corrupt", where,
                          (unsigned long long)i);
    }
    p += adv;
    z->count++;
  }
  if ((rc = check_unique_names(z, err))) {
    sb_zip_free(z);
    return rc;
  }
  *out = z;
  return SB_OK;
}

static const zip_entry *find_entry(const sb_zip *z, const char *name) {
  for (size_t i = 0; i < z->count; i++)
    if (name_is(&z->e[i], name)) return &z->e[i];
  return NULL;
}

int sb_zip_has(const sb_zip *z, const char *name) { return find_entry(z, name) != NULL; }

/* "missing member X (members: a, b, c)" */
static int missing_member(const sb_zip *z, const char *name, sb_error *err) {
  char names[512] = "";
  size_t used = 0;
  for (size_t i = 0; i < z->count; i++) {
    const zip_entry *e = &z->e[i];
    int w = snprintf(names + used, sizeof names - used, "%s%.*s", i ? ", " : "",
                     (int)(e->name_len > 64 ? 64 : e->name_len), (const char *)e->name);
    if (w > 0 && (size_t)w < sizeof names - used) used += (size_t)w;
  }
  for (size_t i = 0; i < used; i++)
    if (!isprint((unsigned char)names[i])) names[i] = '?';
  return sb_error_set(err, SB_EFORMAT, "%s: missing member %s (members: %s)", z->where, name,
                      used ? names : "none");
}

/* ==== extracting a member ================================================ */

/* Validate entry e against the buffer and our limits; *start = its data offset. */
static int check_entry(const sb_zip *z, const char *name, const zip_entry *e, uint64_t *start,
                       sb_error *err) {
  const char *where = z->where;
  const size_t len = z->len;
  if (e->local_off > len - 30 || len < 30 || sb_rd32(z->d + e->local_off) != ZIP_LOCAL_SIG)
    return sb_error_set(err, SB_EFORMAT, "%s: %s: bad local header offset %llu", where, name,
                        (unsigned long long)e->local_off);
  const unsigned char *lh = z->d + e->local_off;
  *start = e->local_off + 30 + sb_rd16(lh + 26) + sb_rd16(lh + 28);
  if (*start > len || e->csize > len - *start)
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
  return SB_OK;
}

/* Raw DEFLATE src[0..csize) into buf[0..usize): exactly usize bytes, no more. */
static int inflate_member(const unsigned char *src, size_t csize, unsigned char *buf,
                          size_t usize, const char *where, const char *name, sb_error *err) {
  z_stream zs;
  memset(&zs, 0, sizeof zs);
  if (inflateInit2(&zs, -15) != Z_OK)
    return sb_error_set(err, SB_ENOMEM, "%s: %s: inflateInit2 failed", where, name);
  size_t in_done = 0, out_done = 0;
  int zrc = Z_OK;
  unsigned char probe[64];
  for (;;) {
    size_t in_left = csize - in_done, out_left = usize - out_done;
    zs.next_in = (unsigned char *)(uintptr_t)(src + in_done);
    zs.avail_in = (uInt)(in_left > ZLIB_CHUNK ? ZLIB_CHUNK : in_left);
    /* Once the declared size is full, inflate into a probe: any output is a bomb. */
    zs.next_out = out_left ? buf + out_done : probe;
    zs.avail_out = out_left ? (uInt)(out_left > ZLIB_CHUNK ? ZLIB_CHUNK : out_left)
                            : (uInt)sizeof probe;
    uInt in0 = zs.avail_in, out0 = zs.avail_out;
    zrc = inflate(&zs, Z_NO_FLUSH);
    in_done += in0 - zs.avail_in;
    size_t produced = out0 - zs.avail_out;
    if (out_left == 0 && produced > 0) {
      inflateEnd(&zs);
      return sb_error_set(err, SB_EFORMAT,
                          "%s: %s: inflates beyond its declared size of %zu bytes (zip bomb or "
                          "corrupt member)",
                          where, name, usize);
    }
    out_done += out_left ? produced : 0;
    if (zrc == Z_STREAM_END) break;
    if (zrc != Z_OK && zrc != Z_BUF_ERROR) break;
    if (zrc == Z_BUF_ERROR && in0 == zs.avail_in && out0 == zs.avail_out) break;
    if (in_done >= csize && zs.avail_in == 0 && produced == 0) break;
  }
  const char *zmsg = zs.msg;
  inflateEnd(&zs);
  if (zrc != Z_STREAM_END)
    return sb_error_set(err, SB_EFORMAT, "%s: %s: corrupt DEFLATE data (%s)", where, name,
                        zrc == Z_DATA_ERROR ? (zmsg ? zmsg : "data error")
                                            : "stream ends early (truncated?)");
  if (out_done != usize)
    return sb_error_set(err, SB_EFORMAT, "%s: %s: inflated to %zu bytes, directory declares %zu",
                        where, name, out_done, usize);
  return SB_OK;
}

static uint32_t crc32_all(const unsigned char *buf, size_t len) {
  uint32_t crc = (uint32_t)crc32(0L, Z_NULL, 0);
  for (size_t o = 0; o < len;) {
    size_t chunk = len - o > ZLIB_CHUNK ? ZLIB_CHUNK : len - o;
    crc = (uint32_t)crc32(crc, buf + o, (uInt)chunk);
    o += chunk;
  }
  return crc;
}

int sb_zip_read(const sb_zip *z, const char *name, unsigned char **out, size_t *out_len,
                sb_error *err) {
  *out = NULL;
  *out_len = 0;
  const zip_entry *e = find_entry(z, name);
  if (!e) return missing_member(z, name, err);
  uint64_t start = 0;
  int rc = check_entry(z, name, e, &start, err);
  if (rc) return rc;
  size_t usize = (size_t)e->usize;
  unsigned char *buf = malloc(usize ? usize : 1);
  if (!buf)
    return sb_error_set(err, SB_ENOMEM, "%s: %s: out of memory (%zu bytes)", z->where, name,
                        usize);
  if (e->method == 0) memcpy(buf, z->d + start, usize);
  else rc = inflate_member(z->d + start, (size_t)e->csize, buf, usize, z->where, name, err);
  uint32_t crc = rc ? 0 : crc32_all(buf, usize);
  if (!rc && crc != e->crc)
    rc = sb_error_set(err, SB_EFORMAT, "%s: %s: CRC-32 mismatch (stored %08x, computed %08x)",
                      z->where, name, (unsigned)e->crc, (unsigned)crc);
  if (rc) {
    free(buf);
    return rc;
  }
  *out = buf;
  *out_len = usize;
  return SB_OK;
}

int sb_zip_extract(const unsigned char *data, size_t len, const char *where, const char *name,
                   unsigned char **out, size_t *out_len, sb_error *err) {
  *out = NULL;
  *out_len = 0;
  sb_zip *z = NULL;
  int rc = sb_zip_open(data, len, where, &z, err);
  if (!rc) rc = sb_zip_read(z, name, out, out_len, err);
  sb_zip_free(z);
  return rc;
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

/* One member as it goes into the archive. */
typedef struct packed {
  const unsigned char *data; /* the stored bytes: compressed or the original */
  unsigned char *comp;       /* owned compressed copy (DEFLATE members) */
  size_t clen;               /* stored size */
  uint32_t crc;              /* CRC-32 of the uncompressed bytes */
  size_t off;                /* offset of its local header */
} packed;

/* CRC and (for DEFLATE members) compress; returns the bytes the member needs. */
static int pack_member(const sb_zip_member *m, packed *pk, size_t *bytes, sb_error *err) {
  if (m->len > 0xFFFFFFF0u)
    return sb_error_set(err, SB_EINVAL, "zip: member %s too large (ZIP64 writing not supported)",
                        m->name);
  pk->crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), m->data, (uInt)m->len);
  pk->data = m->data;
  pk->clen = m->len;
  if (m->deflate) {
    if (deflate_raw(m->data, m->len, &pk->comp, &pk->clen) != SB_OK)
      return sb_error_set(err, SB_ENOMEM, "zip: deflate of %s failed", m->name);
    pk->data = pk->comp;
  }
  *bytes = 2 * strlen(m->name) + 30 + ZIP_CDIR_MIN + pk->clen;
  return SB_OK;
}

/* Local header + data of member m at p; returns the end. */
static unsigned char *put_local(unsigned char *p, const sb_zip_member *m, const packed *pk) {
  size_t nl = strlen(m->name);
  memset(p, 0, 30);
  sb_wr32(p, ZIP_LOCAL_SIG);
  sb_wr16(p + 4, 20);
  sb_wr16(p + 8, m->deflate ? 8 : 0);
  sb_wr16(p + 12, 0x21); /* 1980-01-01, as numpy writes */
  sb_wr32(p + 14, pk->crc);
  sb_wr32(p + 18, (uint32_t)pk->clen);
  sb_wr32(p + 22, (uint32_t)m->len);
  sb_wr16(p + 26, (uint32_t)nl);
  memcpy(p + 30, m->name, nl);
  p += 30 + nl;
  memcpy(p, pk->data, pk->clen);
  return p + pk->clen;
}

/* Central directory entry of member m at p; returns the end. */
static unsigned char *put_cdir(unsigned char *p, const sb_zip_member *m, const packed *pk) {
  size_t nl = strlen(m->name);
  memset(p, 0, ZIP_CDIR_MIN);
  sb_wr32(p, ZIP_CDIR_SIG);
  sb_wr16(p + 4, 20);
  sb_wr16(p + 6, 20);
  sb_wr16(p + 10, m->deflate ? 8 : 0);
  sb_wr16(p + 14, 0x21);
  sb_wr32(p + 16, pk->crc);
  sb_wr32(p + 20, (uint32_t)pk->clen);
  sb_wr32(p + 24, (uint32_t)m->len);
  sb_wr16(p + 28, (uint32_t)nl);
  sb_wr32(p + 42, (uint32_t)pk->off);
  memcpy(p + ZIP_CDIR_MIN, m->name, nl);
  return p + ZIP_CDIR_MIN + nl;
}

/* End of central directory record at p; returns the end. */
static unsigned char *put_eocd(unsigned char *p, size_t count, size_t cdir, size_t cdir_size) {
  memset(p, 0, 22);
  sb_wr32(p, ZIP_EOCD_SIG);
  sb_wr16(p + 8, (uint32_t)count);
  sb_wr16(p + 10, (uint32_t)count);
  sb_wr32(p + 12, (uint32_t)cdir_size);
  sb_wr32(p + 16, (uint32_t)cdir);
  return p + 22;
}

int sb_zip_build(const sb_zip_member *members, size_t count, unsigned char **out,
                 size_t *out_len, sb_error *err) {
  *out = NULL;
  *out_len = 0;
  packed *pk = calloc(count ? count : 1, sizeof *pk);
  if (!pk) return sb_error_set(err, SB_ENOMEM, "zip: out of memory");
  size_t total = 22, bytes = 0;
  int rc = SB_OK;
  for (size_t i = 0; i < count && !rc; i++) {
    rc = pack_member(&members[i], &pk[i], &bytes, err);
    total += bytes;
  }
  unsigned char *buf = rc ? NULL : malloc(total), *p = buf;
  if (!rc && !buf) rc = sb_error_set(err, SB_ENOMEM, "zip: out of memory");
  if (!rc) {
    for (size_t i = 0; i < count; i++) {
      pk[i].off = (size_t)(p - buf);
      p = put_local(p, &members[i], &pk[i]);
    }
    unsigned char *cdir = p;
    for (size_t i = 0; i < count; i++) p = put_cdir(p, &members[i], &pk[i]);
    p = put_eocd(p, count, (size_t)(cdir - buf), (size_t)(p - cdir));
    *out = buf;
    *out_len = (size_t)(p - buf);
  }
  for (size_t i = 0; i < count; i++) free(pk[i].comp);
  free(pk);
  return rc;
}
