/* SHA-256 (FIPS 180-4, section 6.2) and cached file digests (see digest.h).
 * A plain portable implementation: data files are hashed once per process, at
 * a few hundred MB/s, which is far below the cost of opening them. */
#include "core/digest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2};

static uint32_t ror(uint32_t x, unsigned r) { return (x >> r) | (x << (32 - r)); }

static void block(uint32_t h[8], const unsigned char *p) {
  uint32_t w[64];
  for (int i = 0; i < 16; i++)
    w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 |
           (uint32_t)p[4 * i + 3];
  for (int i = 16; i < 64; i++) {
    uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
  for (int i = 0; i < 64; i++) {
    uint32_t t1 = k + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
    uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    k = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
  }
  h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += k;
}

void sb_sha256_init(sb_sha256 *s) {
  static const uint32_t H0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  memcpy(s->h, H0, sizeof H0);
  s->bytes = 0;
  s->fill = 0;
}

void sb_sha256_update(sb_sha256 *s, const void *data, size_t len) {
  const unsigned char *p = data;
  s->bytes += len;
  if (s->fill) {
    size_t take = 64 - s->fill < len ? 64 - s->fill : len;
    memcpy(s->buf + s->fill, p, take);
    s->fill += take, p += take, len -= take;
    if (s->fill < 64) return;
    block(s->h, s->buf);
    s->fill = 0;
  }
  for (; len >= 64; p += 64, len -= 64) block(s->h, p);
  memcpy(s->buf, p, len);
  s->fill = len;
}

void sb_sha256_final_hex(sb_sha256 *s, char hex[SB_SHA256_HEX]) {
  uint64_t bits = s->bytes * 8;
  unsigned char pad[72] = {0x80};
  size_t padlen = (s->fill < 56 ? 56 : 120) - s->fill;
  for (int i = 0; i < 8; i++) pad[padlen + (size_t)i] = (unsigned char)(bits >> (56 - 8 * i));
  sb_sha256_update(s, pad, padlen + 8);
  static const char digits[] = "0123456789abcdef";
  for (int i = 0; i < 32; i++) {
    unsigned char byte = (unsigned char)(s->h[i / 4] >> (24 - 8 * (i % 4)));
    hex[2 * i] = digits[byte >> 4];
    hex[2 * i + 1] = digits[byte & 15];
  }
  hex[64] = '\0';
}

void sb_sha256_hex(const void *data, size_t len, char hex[SB_SHA256_HEX]) {
  sb_sha256 s;
  sb_sha256_init(&s);
  sb_sha256_update(&s, data, len);
  sb_sha256_final_hex(&s, hex);
}

const char *sb_file_kind(unsigned mode) {
  switch (mode & S_IFMT) {
  case S_IFREG: return "a regular file";
  case S_IFDIR: return "a directory";
  case S_IFIFO: return "a FIFO (named pipe)";
  case S_IFCHR: return "a character device";
  case S_IFBLK: return "a block device";
  case S_IFSOCK: return "a socket";
  case S_IFLNK: return "a symbolic link";
  default: return "not a regular file";
  }
}

/* ==== cached file digests ================================================ */

typedef struct cached_digest {
  dev_t dev;
  ino_t ino;
  off_t size;
  struct timespec mtime;
  char hex[SB_SHA256_HEX];
} cached_digest;

static cached_digest *cache;
static size_t cache_n, cache_cap;

static const cached_digest *cache_find(const struct stat *st) {
  for (size_t i = 0; i < cache_n; i++) {
    const cached_digest *c = &cache[i];
    if (c->dev == st->st_dev && c->ino == st->st_ino && c->size == st->st_size &&
        c->mtime.tv_sec == st->st_mtim.tv_sec && c->mtime.tv_nsec == st->st_mtim.tv_nsec)
      return c;
  }
  return NULL;
}

static void cache_add(const struct stat *st, const char *hex) {
  if (cache_n == cache_cap) {
    size_t cap = cache_cap ? 2 * cache_cap : 16;
    cached_digest *nc = realloc(cache, cap * sizeof *nc);
    if (!nc) return; /* a cache miss later is only slower */
    cache = nc;
    cache_cap = cap;
  }
  cached_digest *c = &cache[cache_n++];
  c->dev = st->st_dev;
  c->ino = st->st_ino;
  c->size = st->st_size;
  c->mtime = st->st_mtim;
  memcpy(c->hex, hex, SB_SHA256_HEX);
}

int sb_file_sha256(const char *path, char hex[SB_SHA256_HEX], sb_error *err) {
  /* O_NONBLOCK: opening a FIFO without a writer must not hang. */
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    return sb_error_set(err, SB_EIO, "%s: cannot open: %s", path, strerror(e));
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    return sb_error_set(err, SB_EIO, "%s: cannot stat: %s", path, strerror(e));
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return sb_error_set(err, SB_EIO, "%s: is %s, not a regular file", path,
                        sb_file_kind((unsigned)st.st_mode));
  }
  const cached_digest *c = cache_find(&st);
  if (c) {
    memcpy(hex, c->hex, SB_SHA256_HEX);
    close(fd);
    return SB_OK;
  }
  sb_sha256 s;
  sb_sha256_init(&s);
  unsigned char *buf = malloc(1 << 16);
  if (!buf) {
    close(fd);
    return sb_error_set(err, SB_ENOMEM, "%s: out of memory", path);
  }
  int rc = SB_OK;
  for (;;) {
    ssize_t k = read(fd, buf, 1 << 16);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) {
      int e = errno;
      rc = sb_error_set(err, SB_EIO, "%s: read error: %s", path, strerror(e));
      break;
    }
    if (k == 0) break;
    sb_sha256_update(&s, buf, (size_t)k);
  }
  free(buf);
  close(fd);
  if (rc) return rc;
  sb_sha256_final_hex(&s, hex);
  cache_add(&st, hex);
  return SB_OK;
}
