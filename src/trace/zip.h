/* Zip archives in memory, as NumPy writes them for .npz files: read with zlib
 * alone (the central directory, ZIP64 extra fields, stored or raw-DEFLATE
 * members, CRC-32 checked) and written (stored or DEFLATE members, no ZIP64).
 *
 * Reading is defensive: a member that inflates beyond its declared size, a
 * declared size no DEFLATE stream could reach from its compressed size or above
 * SB_NPZ_MAX_MEMBER, offsets outside the buffer, and two members of the same
 * name (readers disagree on which one counts) are errors naming the file and the
 * member, never a crash or a silent choice. */
#ifndef SB_ZIP_H
#define SB_ZIP_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Largest uncompressed member accepted (bytes). */
#define SB_NPZ_MAX_MEMBER ((size_t)1 << 31)

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

/* A parsed central directory over a buffer (the buffer is not copied: keep it
 * alive while the directory is used). */
typedef struct sb_zip sb_zip;

/* Parse the directory of the zip in data[0..len); `where` names the file in
 * messages.  Every entry must parse and every name be unique.  Caller frees
 * with sb_zip_free. */
int sb_zip_open(const unsigned char *data, size_t len, const char *where, sb_zip **out,
                sb_error *err);
void sb_zip_free(sb_zip *z);
/* 1 if the archive has a member `name`. */
int sb_zip_has(const sb_zip *z, const char *name);
/* Extract member `name` (checked: size, CRC); absent: SB_EFORMAT listing the
 * members.  Caller frees *out. */
int sb_zip_read(const sb_zip *z, const char *name, unsigned char **out, size_t *out_len,
                sb_error *err);
/* One-shot: open, read `name`, free. */
int sb_zip_extract(const unsigned char *data, size_t len, const char *where, const char *name,
                   unsigned char **out, size_t *out_len, sb_error *err);

#endif
