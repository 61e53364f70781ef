/* Writing traces (docs/TRACE_FORMAT.md): each batch is written as its own gzip
 * member (gzflush(Z_FINISH)) with its "batch K TOTAL CRC" trailer and fsync'd, so
 * what was flushed survives a crash; the append writer holds an exclusive flock
 * so two runs cannot interleave batches in one file; the atomic writer goes
 * through a temporary file renamed into place on close.  Error messages carry
 * the errno of the call that failed (zlib's own record of it for the gzip
 * stream), never a later, unrelated one. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "trace/trace.h"

struct sb_trace_writer {
  int fd;             /* the file (or temporary file) */
  gzFile gz;          /* gzip stream over fd, one member per batch */
  int atomic;         /* rename tmp -> path on close */
  char path[4096];    /* final path */
  char tmp[4120];     /* temporary path (atomic mode) */
  size_t n, words;
  size_t total;       /* records written so far (flushed) */
  size_t pending;     /* records in the open batch */
  uint32_t crc;       /* CRC-32 of the open batch's record lines */
  char *batch;        /* the open batch's text */
  size_t blen, bcap;
  char *line;         /* scratch line */
};

/* Why the gzip stream failed.  Not strerror(errno): once a write has failed,
 * zlib fails every later call without another write, so errno then holds
 * whatever the last unrelated call left (a disk-full recording used to report
 * "No such process").  zlib formats the real reason when the write fails —
 * "<fd:5>: No space left on device" — and keeps it; we drop the "<fd:N>: ". */
static const char *gz_reason(gzFile gz) {
  int errnum;
  const char *m = gzerror(gz, &errnum);
  const char *p = m && m[0] == '<' ? strstr(m, ">: ") : NULL;
  if (p) return p + 3;
  return m && *m ? m : "unknown gzip stream error";
}

static int writer_write_member(sb_trace_writer *w, const char *data, size_t len, sb_error *err) {
  size_t off = 0;
  while (off < len) {
    size_t chunk = len - off > (1u << 30) ? (1u << 30) : len - off;
    int k = gzwrite(w->gz, data + off, (unsigned)chunk);
    if (k <= 0)
      return sb_error_set(err, SB_EIO, "%s: write failed: %s", w->atomic ? w->tmp : w->path,
                          gz_reason(w->gz));
    off += (size_t)k;
  }
  if (gzflush(w->gz, Z_FINISH) != Z_OK)
    return sb_error_set(err, SB_EIO, "%s: write failed: %s", w->atomic ? w->tmp : w->path,
                        gz_reason(w->gz));
  if (fsync(w->fd) != 0 && errno != EINVAL)
    return sb_error_set(err, SB_EIO, "%s: fsync failed: %s", w->path, strerror(errno));
  return SB_OK;
}

static sb_trace_writer *writer_new(size_t n) {
  sb_trace_writer *w = calloc(1, sizeof *w);
  if (!w) return NULL;
  w->fd = -1;
  w->n = n;
  w->words = sb_mask_words(n);
  w->line = malloc(n + 64);
  w->crc = (uint32_t)crc32(0L, Z_NULL, 0);
  if (!w->line) {
    free(w);
    return NULL;
  }
  return w;
}

static void writer_release(sb_trace_writer *w) {
  if (!w) return;
  if (w->gz) gzclose(w->gz);
  else if (w->fd >= 0) close(w->fd);
  free(w->batch);
  free(w->line);
  free(w);
}

static int writer_header(sb_trace_writer *w, const sb_trace_header *h, sb_error *err) {
  char *js = sb_trace_header_encode(h);
  if (!js) return sb_error_set(err, SB_ENOMEM, "%s: cannot encode the header", w->path);
  size_t len = strlen(js) + 64;
  char *text = malloc(len);
  if (!text) {
    free(js);
    return sb_error_set(err, SB_ENOMEM, "out of memory");
  }
  int k = snprintf(text, len, "%s %d\nheader %s\n", SB_TRACE_MAGIC, SB_TRACE_VERSION, js);
  free(js);
  int rc = writer_write_member(w, text, (size_t)k, err);
  free(text);
  return rc;
}

sb_trace_writer *sb_trace_writer_create_atomic(const char *path, const sb_trace_header *h,
                                               sb_error *err) {
  sb_trace_writer *w = writer_new(h->n);
  if (!w) {
    sb_error_set(err, SB_ENOMEM, "out of memory");
    return NULL;
  }
  w->atomic = 1;
  snprintf(w->path, sizeof w->path, "%s", path);
  snprintf(w->tmp, sizeof w->tmp, "%s.tmp.XXXXXX", path);
  w->fd = mkstemp(w->tmp);
  if (w->fd < 0) {
    sb_error_set(err, SB_EIO, "%s: cannot create: %s", path, strerror(errno));
    writer_release(w);
    return NULL;
  }
  fchmod(w->fd, 0644);
  w->gz = gzdopen(w->fd, "wb6");
  if (!w->gz || writer_header(w, h, err)) {
    if (!w->gz) sb_error_set(err, SB_ENOMEM, "%s: cannot start gzip stream", path);
    unlink(w->tmp);
    writer_release(w);
    return NULL;
  }
  return w;
}

sb_trace_writer *sb_trace_writer_open_append(const char *path, const sb_trace_header *h,
                                             size_t existing, sb_error *err) {
  sb_trace_writer *w = writer_new(h->n);
  if (!w) {
    sb_error_set(err, SB_ENOMEM, "out of memory");
    return NULL;
  }
  snprintf(w->path, sizeof w->path, "%s", path);
  w->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (w->fd < 0) {
    sb_error_set(err, SB_EIO, "%s: cannot open for appending: %s", path, strerror(errno));
    writer_release(w);
    return NULL;
  }
  if (flock(w->fd, LOCK_EX | LOCK_NB) != 0) {
    sb_error_set(err, SB_EIO, "%s: trace is being written by another process (flock: %s)", path,
                 strerror(errno));
    writer_release(w);
    return NULL;
  }
  struct stat st;
  if (fstat(w->fd, &st) != 0) {
    sb_error_set(err, SB_EIO, "%s: stat failed: %s", path, strerror(errno));
    writer_release(w);
    return NULL;
  }
  w->total = existing;
  w->gz = gzdopen(w->fd, "ab6");
  if (!w->gz) {
    sb_error_set(err, SB_ENOMEM, "%s: cannot start gzip stream", path);
    writer_release(w);
    return NULL;
  }
  if (st.st_size == 0) {
    w->total = 0;
    if (writer_header(w, h, err)) {
      writer_release(w);
      return NULL;
    }
  }
  return w;
}

int sb_trace_writer_add(sb_trace_writer *w, const uint64_t *mask, double value, sb_error *err) {
  if (!isfinite(value))
    return sb_error_set(err, SB_EFORMAT, "%s: refusing to record non-finite value %g", w->path,
                        value);
  w->line[0] = 'r';
  w->line[1] = ' ';
  sb_mask_to_string(mask, w->n, w->line + 2);
  size_t l = w->n + 2;
  int k = snprintf(w->line + l, 40, " %.17g\n", value);
  l += (size_t)k;
  if (w->blen + l + 1 > w->bcap) {
    size_t nc = w->bcap ? 2 * w->bcap : 65536;
    while (nc < w->blen + l + 1) nc *= 2;
    char *b = realloc(w->batch, nc);
    if (!b) return sb_error_set(err, SB_ENOMEM, "out of memory");
    w->batch = b;
    w->bcap = nc;
  }
  memcpy(w->batch + w->blen, w->line, l);
  w->blen += l;
  w->crc = (uint32_t)crc32(w->crc, (const unsigned char *)w->line, (uInt)l);
  w->pending++;
  return SB_OK;
}

size_t sb_trace_writer_pending(const sb_trace_writer *w) { return w->pending; }

int sb_trace_writer_flush(sb_trace_writer *w, sb_error *err) {
  if (w->pending == 0) return SB_OK;
  char trailer[96];
  int k = snprintf(trailer, sizeof trailer, "batch %zu %zu %08lx\n", w->pending,
                   w->total + w->pending, (unsigned long)w->crc);
  if (w->blen + (size_t)k + 1 > w->bcap) {
    char *b = realloc(w->batch, w->blen + (size_t)k + 1);
    if (!b) return sb_error_set(err, SB_ENOMEM, "out of memory");
    w->batch = b;
    w->bcap = w->blen + (size_t)k + 1;
  }
  memcpy(w->batch + w->blen, trailer, (size_t)k);
  int rc = writer_write_member(w, w->batch, w->blen + (size_t)k, err);
  if (rc) return rc;
  w->total += w->pending;
  w->pending = 0;
  w->blen = 0;
  w->crc = (uint32_t)crc32(0L, Z_NULL, 0);
  return SB_OK;
}

int sb_trace_writer_close(sb_trace_writer *w, sb_error *err) {
  if (!w) return SB_OK;
  int rc = sb_trace_writer_flush(w, err);
  if (w->gz) {
    int zrc = gzclose(w->gz); /* after the Z_FINISH flush only close(2) can fail */
    int e = errno;
    w->gz = NULL;
    w->fd = -1;
    if (!rc && zrc == Z_ERRNO)
      rc = sb_error_set(err, SB_EIO, "%s: close failed: %s", w->path, strerror(e));
    else if (!rc && zrc != Z_OK)
      rc = sb_error_set(err, SB_EIO, "%s: close failed (zlib status %d)", w->path, zrc);
  }
  if (w->atomic) {
    if (!rc && rename(w->tmp, w->path) != 0)
      rc = sb_error_set(err, SB_EIO, "%s: rename from %s failed: %s", w->path, w->tmp,
                        strerror(errno));
    if (rc) unlink(w->tmp);
  }
  writer_release(w);
  return rc;
}

void sb_trace_writer_abort(sb_trace_writer *w) {
  if (!w) return;
  if (w->gz) {
    gzclose(w->gz);
    w->gz = NULL;
    w->fd = -1;
  }
  if (w->atomic) unlink(w->tmp);
  writer_release(w);
}

int sb_trace_write(const char *path, const sb_trace *t, size_t batch, sb_error *err) {
  if (batch == 0) batch = 4096;
  sb_trace_writer *w = sb_trace_writer_create_atomic(path, &t->h, err);
  if (!w) return err ? err->code : SB_EIO;
  for (size_t i = 0; i < t->count; i++) {
    int rc = sb_trace_writer_add(w, t->masks + i * t->words, t->values[i], err);
    if (!rc && w->pending >= batch) rc = sb_trace_writer_flush(w, err);
    if (rc) {
      sb_trace_writer_abort(w);
      return rc;
    }
  }
  return sb_trace_writer_close(w, err);
}
