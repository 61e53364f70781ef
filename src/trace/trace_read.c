/* Reading traces (docs/TRACE_FORMAT.md).  Lines come from gzlines.c (the
 * concatenated gzip members inflated with raw zlib, or plain text).  Line 1 is the
 * magic and version, line 2 the JSON header, then record lines "r MASK VALUE" and,
 * after each batch, a trailer "batch K TOTAL CRC" (records in the batch, records
 * so far, CRC-32 of the batch's record lines).  Records become part of the trace
 * only when their batch trailer checks out.  We do not use gzgets(): it returns
 * NULL both at the end and on damage (gzerror tells them apart) but it also skips
 * non-gzip bytes after a member silently, which would hide every later batch.  A
 * truncated member, a CRC failure inside gzip, a missing or wrong trailer, a
 * partial last line are all reported with the file and the record number.  In
 * recover mode (used when a live recording resumes) complete batches are kept and
 * the damaged tail is described in `info`.  A file of another kind (a zip, an
 * .npy, JSON: by its magic bytes) is named as such before any parsing. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "trace/filetype.h"
#include "trace/gzlines.h"
#include "trace/trace.h"

#define RECORD_LINE_MAX (2 * (size_t)SB_MAX_N + 4096) /* "r " + n bits + a value */
#define HEADER_LINE_MAX ((size_t)1 << 26) /* feature names for large n: 64 MiB */

/* One read in progress. */
typedef struct reader {
  const char *path;
  int recover;               /* SB_TRACE_READ_RECOVER */
  sb_trace_read_info *info;  /* what the caller learns */
  sb_gzlines *src;           /* the lines */
  size_t line;               /* number of the line in src->line */
  sb_trace *t;               /* records so far (owned until returned) */
  uint64_t *mask;            /* scratch for one record */
  size_t total;              /* record lines in confirmed batches */
  size_t batch_lines;        /* record lines in the open batch */
  size_t batch_start;        /* t->count when the open batch began */
  uint32_t crc;              /* CRC-32 of the open batch's record lines */
  char msg[600];             /* what the line source reported */
} reader;

static int next_line(reader *r) {
  r->line++;
  return sb_gzlines_read(r->src, r->msg, sizeof r->msg);
}

/* Parse a record line "r MASK VALUE" into mask and value; msg says what is wrong. */
static int parse_record(const sb_trace *t, const char *line, size_t len, uint64_t *mask,
                        double *value, char *msg, size_t msglen) {
  const size_t n = t->h.n;
  /* "r " MASK " " VALUE */
  if (len < 2 || line[0] != 'r' || line[1] != ' ') {
    snprintf(msg, msglen, "expected a record 'r MASK VALUE' or a batch trailer, got '%.40s'", line);
    return SB_EFORMAT;
  }
  const char *m = line + 2;
  const char *sp = memchr(m, ' ', len - 2);
  size_t ml = sp ? (size_t)(sp - m) : len - 2;
  if (ml != n) {
    snprintf(msg, msglen, "expected %zu mask bits, got %zu", n, ml);
    return SB_EFORMAT;
  }
  sb_error e;
  if (sb_mask_from_string(mask, n, m, ml, &e)) {
    for (size_t i = 0; i < ml; i++)
      if (m[i] != '0' && m[i] != '1') {
        snprintf(msg, msglen, "mask character %zu is '%c', expected 0 or 1", i + 1,
                 (m[i] >= 32 && m[i] < 127) ? m[i] : '?');
        return SB_EFORMAT;
      }
    snprintf(msg, msglen, "%.*s", (int)(msglen ? msglen - 1 : 0), e.msg);
    return SB_EFORMAT;
  }
  if (!sp || !sp[1]) {
    snprintf(msg, msglen, "missing value after the mask");
    return SB_EFORMAT;
  }
  char *end;
  errno = 0;
  double v = strtod(sp + 1, &end);
  if (end == sp + 1 || *end) {
    snprintf(msg, msglen, "value '%.40s' is not a number", sp + 1);
    return SB_EFORMAT;
  }
  if (!isfinite(v)) {
    snprintf(msg, msglen, "value '%.40s' is not finite (NaN and Inf are not allowed)", sp + 1);
    return SB_EFORMAT;
  }
  *value = v;
  return SB_OK;
}

/* Open the file at byte `offset` (0, or a gzip member boundary); refuse a
 * directory and a file of another kind. */
static int open_source(reader *r, const char *file, uint64_t offset, sb_error *err) {
  int fd = open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    return sb_error_set(err, SB_EIO, "%s: cannot open: %s", file, strerror(e));
  }
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    close(fd);
    return sb_error_set(err, SB_EIO, "%s: is a directory", file);
  }
  if (offset && lseek(fd, (off_t)offset, SEEK_SET) < 0) {
    int e = errno;
    close(fd);
    return sb_error_set(err, SB_EIO, "%s: cannot seek to byte %llu: %s", file,
                        (unsigned long long)offset, strerror(e));
  }
  r->src = sb_gzlines_open(fd, RECORD_LINE_MAX);
  if (!r->src) return sb_error_set(err, SB_ENOMEM, "%s: out of memory", r->path);
  r->info->compressed = !r->src->plain;
  sb_file_kind kind = sb_file_kind_of(r->src->head, r->src->head_len);
  if (kind == SB_FILE_ZIP || kind == SB_FILE_NPY || kind == SB_FILE_JSON)
    return sb_file_kind_error(err, r->path, kind, "a spexbench trace (docs/TRACE_FORMAT.md)");
  return SB_OK;
}

/* Line 1: magic and version. */
static int read_magic(reader *r, sb_error *err) {
  int lr = next_line(r);
  if (lr == 0)
    return sb_error_set(err, SB_EFORMAT, "%s: empty file (expected '%s %d' on line 1)", r->path,
                        SB_TRACE_MAGIC, SB_TRACE_VERSION);
  if (lr < 0)
    return sb_error_set(err, SB_EFORMAT, "%s: line 1: %s", r->path,
                        lr == -2 ? "line too long (not a trace?)" : r->msg);
  const char *b = r->src->line, *v = b + strlen(SB_TRACE_MAGIC) + 1;
  if (strncmp(b, SB_TRACE_MAGIC " ", strlen(SB_TRACE_MAGIC) + 1) != 0)
    return sb_error_set(err, SB_EFORMAT, "%s: line 1: expected '%s %d' (not a spexbench trace)",
                        r->path, SB_TRACE_MAGIC, SB_TRACE_VERSION);
  char *end;
  long ver = strtol(v, &end, 10);
  if (*end || end == v)
    return sb_error_set(err, SB_EFORMAT, "%s: line 1: bad version in '%.40s'", r->path, b);
  if (ver != SB_TRACE_VERSION)
    return sb_error_set(err, SB_EUNSUPPORTED,
                        "%s: line 1: trace format version %ld not supported (this build reads %d)",
                        r->path, ver, SB_TRACE_VERSION);
  return SB_OK;
}

/* Line 2: the header; allocates the trace. */
static int read_header_line(reader *r, sb_error *err) {
  sb_gzlines_set_max(r->src, HEADER_LINE_MAX);
  int lr = next_line(r);
  sb_gzlines_set_max(r->src, RECORD_LINE_MAX);
  const sb_gzlines *s = r->src;
  if (lr <= 0 || s->partial || strncmp(s->line, "header ", 7) != 0)
    return sb_error_set(err, SB_EFORMAT, "%s: line 2: expected 'header {JSON}'%s%s", r->path,
                        lr < 0 ? ": " : (lr == 0 || s->partial ? " (file truncated)" : ""),
                        lr == -1 ? r->msg : "");
  sb_trace_header h;
  int rc = sb_trace_header_from_json(s->line + 7, r->path, &h, err);
  if (rc) return rc;
  r->t = sb_trace_alloc(h.n);
  r->mask = r->t ? calloc(r->t->words, sizeof *r->mask) : NULL;
  if (!r->mask) {
    sb_trace_header_clear(&h);
    return sb_error_set(err, SB_ENOMEM, "%s: out of memory", r->path);
  }
  r->t->h = h;
  return SB_OK;
}

/* A "batch K TOTAL CRC" line: check it against the open batch and confirm it. */
static int read_trailer(reader *r, sb_error *err) {
  unsigned long long k, tot;
  unsigned long c;
  char tail;
  const char *b = r->src->line;
  if (sscanf(b + 6, "%llu %llu %lx%c", &k, &tot, &c, &tail) != 3)
    return sb_error_set(err, SB_EFORMAT,
                        "%s: line %zu: malformed batch trailer '%.60s' (expected 'batch K TOTAL "
                        "CRC32')",
                        r->path, r->line, b);
  if (k != r->batch_lines || tot != r->total + r->batch_lines || c != r->crc)
    return sb_error_set(err, SB_EFORMAT,
                        "%s: line %zu: batch trailer says %llu records (%llu in all, CRC %08lx), "
                        "found %zu (%zu in all, CRC %08lx): records lost or altered",
                        r->path, r->line, k, tot, c, r->batch_lines, r->total + r->batch_lines,
                        (unsigned long)r->crc);
  r->total += r->batch_lines;
  r->batch_lines = 0;
  r->batch_start = r->t->count;
  r->crc = (uint32_t)crc32(0L, Z_NULL, 0);
  r->info->batches++;
  return SB_OK;
}

/* A record line of the open batch. */
static int read_record(reader *r, size_t recno, sb_error *err) {
  sb_gzlines *s = r->src;
  double v;
  if (parse_record(r->t, s->line, s->len, r->mask, &v, r->msg, sizeof r->msg))
    return sb_error_set(err, SB_EFORMAT, "%s: record %zu (line %zu): %s", r->path, recno,
                        r->line, r->msg);
  sb_error e2;
  if (sb_trace_put(r->t, r->mask, v, NULL, &e2))
    return sb_error_set(err, e2.code, "%s: record %zu (line %zu): %s", r->path, recno, r->line,
                        e2.msg);
  s->line[s->len] = '\n';
  r->crc = (uint32_t)crc32(r->crc, (const unsigned char *)s->line, (uInt)(s->len + 1));
  r->batch_lines++;
  return SB_OK;
}

/* Records and trailers to the end of the file, or (recover mode) to a damaged tail. */
static int read_body(reader *r, sb_error *err) {
  for (;;) {
    int lr = next_line(r);
    size_t recno = r->total + r->batch_lines + 1; /* number of the record this would be */
    if (lr == 0) return SB_OK;
    if (lr == -2)
      return sb_error_set(err, SB_EFORMAT, "%s: record %zu (line %zu): line too long", r->path,
                          recno, r->line);
    if (lr < 0 || r->src->partial) {
      const char *what = lr < 0 ? r->msg : "file ends in the middle of a line";
      if (!r->recover)
        return sb_error_set(err, SB_EFORMAT,
                            "%s: record %zu (line %zu): %s (truncated or corrupt gzip data)",
                            r->path, recno, r->line, what);
      r->info->truncated = 1;
      snprintf(r->info->tail_msg, sizeof r->info->tail_msg, "record %zu: %.480s", recno, what);
      return SB_OK;
    }
    int rc = strncmp(r->src->line, "batch ", 6) ? read_record(r, recno, err)
                                                 : read_trailer(r, err);
    if (rc) return rc;
  }
}

/* Records after the last trailer: an error, or (recover mode) dropped. */
static int finish_tail(reader *r, sb_error *err) {
  if (r->batch_lines > 0) {
    if (!r->recover)
      return sb_error_set(err, SB_EFORMAT,
                          "%s: record %zu: file ends inside a batch (%zu records without a "
                          "'batch' trailer): truncated",
                          r->path, r->total + r->batch_lines, r->batch_lines);
    r->info->truncated = 1;
    if (!r->info->tail_msg[0])
      snprintf(r->info->tail_msg, sizeof r->info->tail_msg,
               "record %zu: file ends inside a batch (no 'batch' trailer)",
               r->total + r->batch_lines);
  }
  if (r->recover && r->t->count > r->batch_start) {
    r->info->dropped = r->batch_lines;
    sb_trace_truncate(r->t, r->batch_start);
  }
  return SB_OK;
}

/* A read of `path` (as messages name it) reporting to `info` (or to `dummy`). */
static void reader_init(reader *r, const char *path, int flags, sb_trace_read_info *info,
                        sb_trace_read_info *dummy) {
  memset(r, 0, sizeof *r);
  r->path = path;
  r->recover = flags & SB_TRACE_READ_RECOVER;
  r->info = info ? info : dummy;
  memset(r->info, 0, sizeof *r->info);
  r->crc = (uint32_t)crc32(0L, Z_NULL, 0);
}

int sb_trace_read(const char *path, int flags, sb_trace **out, sb_trace_read_info *info,
                  sb_error *err) {
  *out = NULL;
  sb_trace_read_info dummy;
  reader r;
  reader_init(&r, path, flags, info, &dummy);
  int rc = open_source(&r, path, 0, err);
  if (!rc) rc = read_magic(&r, err);
  if (!rc) rc = read_header_line(&r, err);
  if (!rc) rc = read_body(&r, err);
  if (!rc) rc = finish_tail(&r, err);
  r.info->records = r.total;
  sb_gzlines_free(r.src);
  free(r.mask);
  if (rc) {
    sb_trace_free(r.t);
    return rc;
  }
  *out = r.t;
  return SB_OK;
}

int sb_trace_read_more(const char *path, uint64_t offset, size_t prior, int flags, sb_trace *t,
                       sb_trace_read_info *info, sb_error *err) {
  sb_trace_read_info dummy;
  char where[4200];
  snprintf(where, sizeof where, "%s (appended after byte %llu)", path, (unsigned long long)offset);
  reader r;
  reader_init(&r, where, flags, info, &dummy);
  r.t = t; /* the caller's: records of complete batches are added to it */
  r.total = prior;
  r.batch_start = t->count; /* lines are counted from the offset */
  r.mask = calloc(t->words, sizeof *r.mask);
  int rc = r.mask ? open_source(&r, path, offset, err)
                  : sb_error_set(err, SB_ENOMEM, "%s: out of memory", path);
  if (!rc) rc = read_body(&r, err);
  if (!rc) rc = finish_tail(&r, err);
  r.info->records = r.total - prior;
  if (rc && t->count > r.batch_start) sb_trace_truncate(t, r.batch_start); /* unconfirmed */
  sb_gzlines_free(r.src);
  free(r.mask);
  return rc;
}

int sb_trace_read_header(const char *path, sb_trace_header *h, sb_error *err) {
  sb_trace *t = NULL;
  /* Reading the whole trace is simple and bounded by the file; headers are rarely
   * needed without records. */
  int rc = sb_trace_read(path, SB_TRACE_READ_RECOVER, &t, NULL, err);
  if (rc) return rc;
  memset(h, 0, sizeof *h);
  *h = t->h;
  memset(&t->h, 0, sizeof t->h);
  sb_trace_free(t);
  return SB_OK;
}
