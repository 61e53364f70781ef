/* Content digests: SHA-256 (FIPS 180-4) of byte strings and of whole files.
 *
 * A run's identity covers the content of every data file it reads, so a result
 * stored for one file is never reused for another file at the same path, and a
 * copied or renamed file is recognised as the same data.  File digests are cached
 * for the life of the process by (device, inode, size, mtime): a config naming the
 * same file twice, or a config loaded twice, reads it once.  The cache is not
 * thread-safe (the config loader and the runner's parent are single-threaded). */
#ifndef SB_DIGEST_H
#define SB_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define SB_SHA256_HEX 65 /* 64 hex digits + NUL */

typedef struct sb_sha256 {
  uint32_t h[8];          /* chaining state */
  uint64_t bytes;         /* message length so far */
  unsigned char buf[64];  /* partial block */
  size_t fill;            /* bytes in buf */
} sb_sha256;

void sb_sha256_init(sb_sha256 *s);
void sb_sha256_update(sb_sha256 *s, const void *data, size_t len);
/* Finish and write the digest as 64 lowercase hex digits + NUL. */
void sb_sha256_final_hex(sb_sha256 *s, char hex[SB_SHA256_HEX]);
/* One-shot digest of a byte string. */
void sb_sha256_hex(const void *data, size_t len, char hex[SB_SHA256_HEX]);

/* Digest of a regular file's content.  Anything else (FIFO, device, directory,
 * socket) is refused without being read: the file is opened non-blocking and
 * checked with fstat before the first read.  SB_EIO with a message naming the
 * file (and the real errno) on failure. */
int sb_file_sha256(const char *path, char hex[SB_SHA256_HEX], sb_error *err);

/* What a file-system object is, for messages: "a directory", "a FIFO", ... */
const char *sb_file_kind(unsigned mode);

#endif
