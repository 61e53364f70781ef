/* Ablation traces (docs/TRACE_FORMAT.md): the in-memory record set with a hash
 * index on masks, the streaming reader, and the batch writer.
 *
 * Reader: raw zlib inflates the concatenated gzip members (or plain text is read
 * as is) line by line.  Line 1 is the magic and version, line 2 the JSON header, then
 * record lines "r MASK VALUE" and, after each batch, a trailer "batch K TOTAL CRC"
 * (records in the batch, records so far, CRC-32 of the batch's record lines).
 * Records become part of the trace only when their batch trailer checks out.  We
 * do not use gzgets(): it returns NULL both at the end and on damage (gzerror
 * tells them apart) but it also skips non-gzip bytes after a member silently,
 * which would hide every later batch.  A truncated member, a CRC failure inside gzip, a
 * missing or wrong trailer, a partial last line are all reported with the file
 * and the record number.  In recover mode (used when a live recording resumes)
 * complete batches are kept and the damaged tail is described in `info`.
 *
 * Writer: each batch is written as its own gzip member (gzflush(Z_FINISH)) and
 * fsync'd, so what was flushed survives a crash; the append writer holds an
 * exclusive flock so two runs cannot interleave batches in one file. */
#include "trace/trace.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

/* ==== records and the hash index ======================================== */

static uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

static uint64_t hash_mask(const uint64_t *m, size_t words) {
  uint64_t h = 0x9e3779b97f4a7c15ULL;
  for (size_t w = 0; w < words; w++) h = mix64(h ^ m[w]) + w;
  return h;
}

sb_trace *sb_trace_alloc(size_t n) {
  if (n == 0 || n > SB_MAX_N) return NULL;
  sb_trace *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  t->h.n = n;
  t->words = sb_mask_words(n);
  t->nslots = 64;
  t->slots = calloc(t->nslots, sizeof *t->slots);
  if (!t->slots) {
    free(t);
    return NULL;
  }
  return t;
}

void sb_trace_header_clear(sb_trace_header *h) {
  if (!h) return;
  if (h->feature_names) {
    for (size_t i = 0; i < h->n; i++) free(h->feature_names[i]);
    free(h->feature_names);
  }
  free(h->value_meaning);
  free(h->model);
  free(h->input);
  free(h->masking);
  free(h->source);
  free(h->created);
  if (h->extra) json_decref(h->extra);
  size_t n = h->n;
  memset(h, 0, sizeof *h);
  h->n = n;
}

void sb_trace_free(sb_trace *t) {
  if (!t) return;
  sb_trace_header_clear(&t->h);
  free(t->masks);
  free(t->values);
  free(t->slots);
  free(t);
}

int sb_trace_set_str(char **field, const char *value) {
  char *c = NULL;
  if (value && !(c = strdup(value))) return SB_ENOMEM;
  free(*field);
  *field = c;
  return SB_OK;
}

int sb_trace_header_copy(sb_trace_header *dst, const sb_trace_header *src) {
  sb_trace_header tmp;
  memset(&tmp, 0, sizeof tmp);
  tmp.n = src->n;
  int bad = 0;
  if (src->feature_names) {
    tmp.feature_names = calloc(src->n, sizeof *tmp.feature_names);
    if (!tmp.feature_names) bad = 1;
    for (size_t i = 0; !bad && i < src->n; i++)
      if (src->feature_names[i] && !(tmp.feature_names[i] = strdup(src->feature_names[i]))) bad = 1;
  }
  bad = bad || sb_trace_set_str(&tmp.value_meaning, src->value_meaning) ||
        sb_trace_set_str(&tmp.model, src->model) || sb_trace_set_str(&tmp.input, src->input) ||
        sb_trace_set_str(&tmp.masking, src->masking) || sb_trace_set_str(&tmp.source, src->source) ||
        sb_trace_set_str(&tmp.created, src->created);
  if (!bad && src->extra && !(tmp.extra = json_deep_copy(src->extra))) bad = 1;
  if (bad) {
    sb_trace_header_clear(&tmp);
    return SB_ENOMEM;
  }
  sb_trace_header_clear(dst);
  *dst = tmp;
  return SB_OK;
}

static int rehash(sb_trace *t, size_t nslots) {
  size_t *s = calloc(nslots, sizeof *s);
  if (!s) return SB_ENOMEM;
  for (size_t i = 0; i < t->count; i++) {
    size_t k = (size_t)hash_mask(t->masks + i * t->words, t->words) & (nslots - 1);
    while (s[k]) k = (k + 1) & (nslots - 1);
    s[k] = i + 1;
  }
  free(t->slots);
  t->slots = s;
  t->nslots = nslots;
  return SB_OK;
}

long sb_trace_find(const sb_trace *t, const uint64_t *mask) {
  const size_t w = t->words, msk = t->nslots - 1;
  size_t k = (size_t)hash_mask(mask, w) & msk;
  for (;;) {
    size_t s = t->slots[k];
    if (!s) return -1;
    const uint64_t *m = t->masks + (s - 1) * w;
    if (m[0] == mask[0] && (w == 1 || sb_mask_equal(m, mask, w))) return (long)(s - 1);
    k = (k + 1) & msk;
  }
}

int sb_trace_lookup(const sb_trace *t, const uint64_t *mask, double *value) {
  long i = sb_trace_find(t, mask);
  if (i < 0) return 0;
  *value = t->values[i];
  return 1;
}

int sb_trace_put(sb_trace *t, const uint64_t *mask, double value, int *added, sb_error *err) {
  if (added) *added = 0;
  if (!isfinite(value))
    return sb_error_set(err, SB_EFORMAT, "value %g is not finite", value);
  long i = sb_trace_find(t, mask);
  if (i >= 0) {
    if (t->values[i] == value) return SB_OK;
    char *s = malloc(t->h.n + 1);
    if (s) sb_mask_to_string(mask, t->h.n, s);
    int rc = sb_error_set(err, SB_EFORMAT,
                          "duplicate mask %.80s%s with conflicting values %.17g and %.17g",
                          s ? s : "?", (s && t->h.n > 80) ? "..." : "", t->values[i], value);
    free(s);
    return rc;
  }
  if (t->count == t->cap) {
    size_t cap = t->cap ? 2 * t->cap : 256;
    uint64_t *m = realloc(t->masks, cap * t->words * sizeof *m);
    if (!m) return sb_error_set(err, SB_ENOMEM, "out of memory for %zu records", cap);
    t->masks = m;
    double *v = realloc(t->values, cap * sizeof *v);
    if (!v) return sb_error_set(err, SB_ENOMEM, "out of memory for %zu records", cap);
    t->values = v;
    t->cap = cap;
  }
  if (2 * (t->count + 1) > t->nslots && rehash(t, 2 * t->nslots))
    return sb_error_set(err, SB_ENOMEM, "out of memory for the trace index");
  memcpy(t->masks + t->count * t->words, mask, t->words * sizeof *mask);
  t->values[t->count] = value;
  size_t k = (size_t)hash_mask(mask, t->words) & (t->nslots - 1);
  while (t->slots[k]) k = (k + 1) & (t->nslots - 1);
  t->slots[k] = ++t->count;
  if (added) *added = 1;
  return SB_OK;
}

/* Drop records from index `keep` on (used to roll back an unconfirmed batch). */
static void trace_truncate(sb_trace *t, size_t keep) {
  if (keep >= t->count) return;
  t->count = keep;
  memset(t->slots, 0, t->nslots * sizeof *t->slots);
  for (size_t i = 0; i < t->count; i++) {
    size_t k = (size_t)hash_mask(t->masks + i * t->words, t->words) & (t->nslots - 1);
    while (t->slots[k]) k = (k + 1) & (t->nslots - 1);
    t->slots[k] = i + 1;
  }
}

int sb_trace_is_full(const sb_trace *t) {
  return t->h.n <= SB_TRACE_MAX_DENSE_N && t->count == ((size_t)1 << t->h.n);
}

int sb_trace_to_table(const sb_trace *t, double **table, sb_error *err) {
  *table = NULL;
  if (!sb_trace_is_full(t))
    return sb_error_set(err, SB_EUNSUPPORTED,
                        "trace holds %zu records, a full table needs all 2^%zu masks (n <= %d)",
                        t->count, t->h.n, SB_TRACE_MAX_DENSE_N);
  size_t N = (size_t)1 << t->h.n;
  double *a = malloc(N * sizeof *a);
  if (!a) return sb_error_set(err, SB_ENOMEM, "out of memory for 2^%zu values", t->h.n);
  for (size_t i = 0; i < t->count; i++) a[t->masks[i]] = t->values[i];
  *table = a;
  return SB_OK;
}

void sb_trace_now(char *buf, size_t len) {
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ==== header JSON ======================================================== */

static const char *const STR_KEYS[] = {"value_meaning", "model", "input", "masking",
                                       "source", "created", NULL};

static char **header_str_field(sb_trace_header *h, size_t i) {
  char **f[] = {&h->value_meaning, &h->model, &h->input, &h->masking, &h->source, &h->created};
  return f[i];
}

static char *header_to_json(const sb_trace_header *h) {
  json_t *o = json_object();
  if (!o) return NULL;
  json_object_set_new(o, "n", json_integer((json_int_t)h->n));
  if (h->feature_names) {
    json_t *a = json_array();
    for (size_t i = 0; i < h->n; i++)
      json_array_append_new(a, json_string(h->feature_names[i] ? h->feature_names[i] : ""));
    json_object_set_new(o, "feature_names", a);
  }
  for (size_t i = 0; STR_KEYS[i]; i++) {
    const char *v = *header_str_field((sb_trace_header *)h, i);
    if (v) json_object_set_new(o, STR_KEYS[i], json_string(v));
  }
  if (h->extra && json_is_object(h->extra)) {
    const char *k;
    json_t *v;
    json_object_foreach(h->extra, k, v) {
      if (!json_object_get(o, k)) json_object_set(o, k, v);
    }
  }
  char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
  json_decref(o);
  return s;
}

int sb_trace_header_from_json(const char *text, const char *where, sb_trace_header *h,
                              sb_error *err) {
  json_error_t je;
  json_t *o = json_loads(text, JSON_REJECT_DUPLICATES, &je);
  if (!o)
    return sb_error_set(err, SB_EFORMAT, "%s: line 2: header is not valid JSON (%s at column %d)",
                        where, je.text, je.column);
  int rc = SB_OK;
  memset(h, 0, sizeof *h);
  if (!json_is_object(o)) {
    rc = sb_error_set(err, SB_EFORMAT, "%s: line 2: header must be a JSON object", where);
    goto done;
  }
  json_t *jn = json_object_get(o, "n");
  if (!json_is_integer(jn) || json_integer_value(jn) < 1 || json_integer_value(jn) > SB_MAX_N) {
    rc = sb_error_set(err, SB_EFORMAT, "%s: line 2: header needs \"n\": an integer 1..%d", where,
                      SB_MAX_N);
    goto done;
  }
  h->n = (size_t)json_integer_value(jn);
  json_t *fn = json_object_get(o, "feature_names");
  if (fn && !json_is_null(fn)) {
    if (!json_is_array(fn) || json_array_size(fn) != h->n) {
      rc = sb_error_set(err, SB_EFORMAT,
                        "%s: line 2: header \"feature_names\" must be an array of n = %zu strings",
                        where, h->n);
      goto done;
    }
    h->feature_names = calloc(h->n, sizeof *h->feature_names);
    if (!h->feature_names) {
      rc = sb_error_set(err, SB_ENOMEM, "%s: out of memory", where);
      goto done;
    }
    for (size_t i = 0; i < h->n; i++) {
      json_t *s = json_array_get(fn, i);
      if (!json_is_string(s)) {
        rc = sb_error_set(err, SB_EFORMAT, "%s: line 2: feature_names[%zu] is not a string",
                          where, i);
        goto done;
      }
      if (!(h->feature_names[i] = strdup(json_string_value(s)))) {
        rc = sb_error_set(err, SB_ENOMEM, "%s: out of memory", where);
        goto done;
      }
    }
  }
  for (size_t i = 0; STR_KEYS[i]; i++) {
    json_t *s = json_object_get(o, STR_KEYS[i]);
    if (!s || json_is_null(s)) continue;
    if (!json_is_string(s)) {
      rc = sb_error_set(err, SB_EFORMAT, "%s: line 2: header \"%s\" must be a string", where,
                        STR_KEYS[i]);
      goto done;
    }
    if (sb_trace_set_str(header_str_field(h, i), json_string_value(s))) {
      rc = sb_error_set(err, SB_ENOMEM, "%s: out of memory", where);
      goto done;
    }
  }
  const char *k;
  json_t *v;
  json_object_foreach(o, k, v) {
    int known = !strcmp(k, "n") || !strcmp(k, "feature_names");
    for (size_t i = 0; STR_KEYS[i]; i++) known |= !strcmp(k, STR_KEYS[i]);
    if (known) continue;
    if (!h->extra) h->extra = json_object();
    if (h->extra) json_object_set(h->extra, k, v);
  }
done:
  json_decref(o);
  if (rc) sb_trace_header_clear(h);
  return rc;
}

/* ==== reading ============================================================ */

/* The byte source: the file's gzip members inflated one after another with raw
 * zlib (inflateInit2 with gzip wrapping), or the plain bytes when the file does
 * not start with the gzip magic.  Unlike gzread(), bytes after a member that do
 * not start another member are an error, not silently ignored trailing garbage
 * (which would hide every later batch). */
typedef struct line_reader {
  int fd;
  int plain;                 /* not gzip: bytes are the text */
  int in_eof;                /* read() returned 0 */
  int in_member;             /* inside a gzip member */
  int started;               /* inflateInit2 done */
  z_stream zs;
  unsigned long long in_off; /* compressed bytes consumed before zs.next_in */
  unsigned char in[1 << 16];
  unsigned char out[1 << 17];
  size_t out_pos, out_len;
  char *buf;                 /* the current line */
  size_t cap, len;
  size_t max_len;
  int partial;               /* last line had no '\n' (file ends mid-line) */
} line_reader;

static int src_fill_input(line_reader *r, char *msg, size_t msglen) {
  if (r->in_eof) return 0;
  if (r->zs.avail_in > 0 && r->zs.next_in != r->in) {
    memmove(r->in, r->zs.next_in, r->zs.avail_in);
  }
  r->zs.next_in = r->in;
  for (;;) {
    ssize_t k = read(r->fd, r->in + r->zs.avail_in, sizeof r->in - r->zs.avail_in);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) {
      snprintf(msg, msglen, "read error: %s", strerror(errno));
      return -1;
    }
    if (k == 0) r->in_eof = 1;
    r->zs.avail_in += (uInt)k;
    return (int)k;
  }
}

/* Refill r->out; returns bytes produced (>0), 0 at a clean end, -1 on error. */
static int src_refill(line_reader *r, char *msg, size_t msglen) {
  r->out_pos = r->out_len = 0;
  if (r->plain) {
    for (;;) {
      ssize_t k = read(r->fd, r->out, sizeof r->out);
      if (k < 0 && errno == EINTR) continue;
      if (k < 0) {
        snprintf(msg, msglen, "read error: %s", strerror(errno));
        return -1;
      }
      r->out_len = (size_t)k;
      return (int)k;
    }
  }
  for (;;) {
    if (!r->in_member) {
      /* At a member boundary: another member, or the end. */
      while (r->zs.avail_in < 2 && !r->in_eof)
        if (src_fill_input(r, msg, msglen) < 0) return -1;
      if (r->zs.avail_in == 0) return 0;
      unsigned long long at = r->in_off + (unsigned long long)(r->zs.next_in - r->in);
      if (r->zs.avail_in < 2 || r->zs.next_in[0] != 0x1f || r->zs.next_in[1] != 0x8b) {
        snprintf(msg, msglen, "byte %llu: data after a gzip member is not another gzip member "
                 "(corrupt or truncated)", at);
        return -1;
      }
      if (!r->started) {
        if (inflateInit2(&r->zs, 15 + 16) != Z_OK) {
          snprintf(msg, msglen, "inflateInit2 failed");
          return -1;
        }
        r->started = 1;
      } else if (inflateReset(&r->zs) != Z_OK) {
        snprintf(msg, msglen, "inflateReset failed");
        return -1;
      }
      r->in_member = 1;
    }
    if (r->zs.avail_in == 0) {
      if (r->in_eof) {
        snprintf(msg, msglen, "unexpected end of file inside a gzip member (truncated)");
        return -1;
      }
      r->in_off += (unsigned long long)(r->zs.next_in - r->in);
      if (src_fill_input(r, msg, msglen) < 0) return -1;
      continue;
    }
    r->zs.next_out = r->out;
    r->zs.avail_out = sizeof r->out;
    unsigned char *before = r->zs.next_in;
    int zrc = inflate(&r->zs, Z_NO_FLUSH);
    (void)before;
    r->out_len = sizeof r->out - r->zs.avail_out;
    if (zrc == Z_STREAM_END) {
      r->in_member = 0;
    } else if (zrc == Z_BUF_ERROR || zrc == Z_OK) {
      /* needs more input (handled above) or produced output */
    } else {
      snprintf(msg, msglen, "corrupt gzip data (zlib: %s)",
               r->zs.msg ? r->zs.msg : (zrc == Z_MEM_ERROR ? "out of memory" : "error"));
      return -1;
    }
    if (r->out_len > 0) return (int)r->out_len;
    if (zrc == Z_STREAM_END) continue;
    if (r->zs.avail_in == 0) continue;
    /* avail_in > 0 and nothing produced: zlib wants more input to make progress */
    if (r->in_eof) {
      snprintf(msg, msglen, "unexpected end of file inside a gzip member (truncated)");
      return -1;
    }
    r->in_off += (unsigned long long)(r->zs.next_in - r->in);
    if (src_fill_input(r, msg, msglen) < 0) return -1;
  }
}

/* 1: a line in r->buf (without '\n'), 0: clean end, -1: error (msg set),
 * -2: line too long. */
static int read_line(line_reader *r, char *msg, size_t msglen) {
  r->len = 0;
  r->partial = 0;
  for (;;) {
    if (r->out_pos == r->out_len) {
      int k = src_refill(r, msg, msglen);
      if (k < 0) return -1;
      if (k == 0) {
        if (r->len > 0) {
          r->partial = 1;
          r->buf[r->len] = '\0';
          return 1;
        }
        return 0;
      }
    }
    const unsigned char *start = r->out + r->out_pos;
    size_t avail = r->out_len - r->out_pos;
    const unsigned char *nl = memchr(start, '\n', avail);
    size_t take = nl ? (size_t)(nl - start) : avail;
    if (r->len + take + 2 > r->cap) {
      if (r->len + take + 2 > r->max_len) return -2;
      size_t nc = r->cap ? 2 * r->cap : 4096;
      while (nc < r->len + take + 2) nc *= 2;
      char *b = realloc(r->buf, nc);
      if (!b) {
        snprintf(msg, msglen, "out of memory");
        return -1;
      }
      r->buf = b;
      r->cap = nc;
    }
    memcpy(r->buf + r->len, start, take);
    r->len += take;
    r->out_pos += take + (nl ? 1 : 0);
    if (nl) {
      r->buf[r->len] = '\0';
      if (memchr(r->buf, '\0', r->len)) {
        snprintf(msg, msglen, "NUL byte in the data (corrupt file)");
        return -1;
      }
      if (r->len > 0 && r->buf[r->len - 1] == '\r') r->buf[--r->len] = '\0';
      return 1;
    }
  }
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

static int parse_record(sb_trace *t, char *line, size_t len, uint64_t *mask, double *value,
                        char *msg, size_t msglen) {
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
    snprintf(msg, msglen, "%s", e.msg);
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

/* The record lines and batch trailers after the header: records of complete
 * batches go into t; `prior` records precede (the trailers' running count goes
 * on from it); `line` is the number of the last line read; `mask` is scratch. */
static int read_batches(line_reader *rp, sb_trace *t, const char *path, int recover,
                        size_t prior, size_t line, uint64_t *mask, sb_trace_read_info *info,
                        sb_error *err) {
  char msg[600];
  int rc = SB_OK, lr;
  size_t total_lines = prior; /* record lines in confirmed batches */
  size_t batch_lines = 0;   /* record lines in the open batch */
  size_t batch_start = t->count; /* t->count when the open batch began */
  uint32_t crc = (uint32_t)crc32(0L, Z_NULL, 0);
  for (;;) {
    lr = read_line(rp, msg, sizeof msg);
    line++;
    size_t recno = total_lines + batch_lines + 1; /* number of the record this would be */
    if (lr == 0) break;
    if (lr == -2) {
      rc = sb_error_set(err, SB_EFORMAT, "%s: record %zu (line %zu): line too long", path, recno,
                        line);
      return rc;
    }
    if (lr < 0 || rp->partial) {
      const char *what = lr < 0 ? msg : "file ends in the middle of a line";
      if (recover) {
        info->truncated = 1;
        snprintf(info->tail_msg, sizeof info->tail_msg,
                 "record %zu: %s", recno, what);
        break;
      }
      rc = sb_error_set(err, SB_EFORMAT,
                        "%s: record %zu (line %zu): %s (truncated or corrupt gzip data)", path,
                        recno, line, what);
      return rc;
    }
    if (!strncmp(rp->buf, "batch ", 6)) {
      unsigned long long k, tot;
      unsigned long c;
      char tail;
      if (sscanf(rp->buf + 6, "%llu %llu %lx%c", &k, &tot, &c, &tail) != 3) {
        rc = sb_error_set(err, SB_EFORMAT,
                          "%s: line %zu: malformed batch trailer '%.60s' (expected 'batch K TOTAL "
                          "CRC32')",
                          path, line, rp->buf);
        return rc;
      }
      if (k != batch_lines || tot != total_lines + batch_lines || c != crc) {
        rc = sb_error_set(err, SB_EFORMAT,
                          "%s: line %zu: batch trailer says %llu records (%llu in all, CRC %08lx), "
                          "found %zu (%zu in all, CRC %08lx): records lost or altered",
                          path, line, k, tot, c, batch_lines, total_lines + batch_lines,
                          (unsigned long)crc);
        return rc;
      }
      total_lines += batch_lines;
      batch_lines = 0;
      batch_start = t->count;
      crc = (uint32_t)crc32(0L, Z_NULL, 0);
      info->batches++;
      continue;
    }
    double v;
    if (parse_record(t, rp->buf, rp->len, mask, &v, msg, sizeof msg)) {
      rc = sb_error_set(err, SB_EFORMAT, "%s: record %zu (line %zu): %s", path, recno, line, msg);
      return rc;
    }
    sb_error e2;
    if (sb_trace_put(t, mask, v, NULL, &e2)) {
      rc = sb_error_set(err, e2.code, "%s: record %zu (line %zu): %s", path, recno, line, e2.msg);
      return rc;
    }
    rp->buf[rp->len] = '\n';
    crc = (uint32_t)crc32(crc, (const unsigned char *)rp->buf, (uInt)(rp->len + 1));
    batch_lines++;
  }
  if (batch_lines > 0) {
    if (!recover) {
      rc = sb_error_set(err, SB_EFORMAT,
                        "%s: record %zu: file ends inside a batch (%zu records without a 'batch' "
                        "trailer): truncated",
                        path, total_lines + batch_lines, batch_lines);
      return rc;
    }
    info->truncated = 1;
    if (!info->tail_msg[0])
      snprintf(info->tail_msg, sizeof info->tail_msg,
               "record %zu: file ends inside a batch (no 'batch' trailer)",
               total_lines + batch_lines);
  }
  if (recover && t->count > batch_start) {
    info->dropped = batch_lines;
    trace_truncate(t, batch_start);
  }
  info->records = total_lines - prior;
  return SB_OK;
}

/* Open `path` for line reading from byte `offset` (0, or a gzip member boundary). */
static int reader_open(const char *path, uint64_t offset, line_reader **out, sb_error *err) {
  *out = NULL;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return sb_error_set(err, SB_EIO, "%s: cannot open: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    close(fd);
    return sb_error_set(err, SB_EIO, "%s: is a directory", path);
  }
  if (offset && lseek(fd, (off_t)offset, SEEK_SET) < 0) {
    close(fd);
    return sb_error_set(err, SB_EIO, "%s: cannot seek to byte %llu: %s", path,
                        (unsigned long long)offset, strerror(errno));
  }
  line_reader *rp = calloc(1, sizeof *rp);
  if (!rp) {
    close(fd);
    return sb_error_set(err, SB_ENOMEM, "%s: out of memory", path);
  }
  rp->fd = fd;
  rp->in_off = offset;
  {
    char m0[200];
    while (rp->zs.avail_in < 2 && !rp->in_eof)
      if (src_fill_input(rp, m0, sizeof m0) < 0) break;
    rp->plain = !(rp->zs.avail_in >= 2 && rp->in[0] == 0x1f && rp->in[1] == 0x8b);
    if (rp->plain && rp->zs.avail_in > 0) { /* hand the bytes already read to the text path */
      memcpy(rp->out, rp->in, rp->zs.avail_in);
      rp->out_len = rp->zs.avail_in;
      rp->zs.avail_in = 0;
    }
  }
  rp->max_len = 2 * (size_t)SB_MAX_N + 4096; /* a record line: "r " + n bits + a value */
  *out = rp;
  return SB_OK;
}

static void reader_close(line_reader *rp) {
  if (!rp) return;
  if (rp->started) inflateEnd(&rp->zs);
  close(rp->fd);
  free(rp->buf);
  free(rp);
}

int sb_trace_read(const char *path, int flags, sb_trace **out, sb_trace_read_info *info,
                  sb_error *err) {
  *out = NULL;
  sb_trace_read_info dummy;
  if (!info) info = &dummy;
  memset(info, 0, sizeof *info);
  const int recover = flags & SB_TRACE_READ_RECOVER;
  line_reader *rp = NULL;
  int rc = reader_open(path, 0, &rp, err);
  if (rc) return rc;
  char msg[600];
  sb_trace *t = NULL;
  uint64_t *mask = NULL;
  int lr;
  size_t line = 0;

  /* line 1: magic and version */
  lr = read_line(rp, msg, sizeof msg);
  line++;
  info->compressed = !rp->plain;
  if (lr == 0) {
    rc = sb_error_set(err, SB_EFORMAT, "%s: empty file (expected '%s %d' on line 1)", path,
                      SB_TRACE_MAGIC, SB_TRACE_VERSION);
    goto done;
  }
  if (lr < 0) {
    rc = sb_error_set(err, SB_EFORMAT, "%s: line 1: %s", path,
                      lr == -2 ? "line too long (not a trace?)" : msg);
    goto done;
  }
  if (strncmp(rp->buf, SB_TRACE_MAGIC " ", strlen(SB_TRACE_MAGIC) + 1) != 0) {
    rc = sb_error_set(err, SB_EFORMAT, "%s: line 1: expected '%s %d' (not a spexbench trace)",
                      path, SB_TRACE_MAGIC, SB_TRACE_VERSION);
    goto done;
  }
  {
    char *end;
    long ver = strtol(rp->buf + strlen(SB_TRACE_MAGIC) + 1, &end, 10);
    if (*end || end == rp->buf + strlen(SB_TRACE_MAGIC) + 1) {
      rc = sb_error_set(err, SB_EFORMAT, "%s: line 1: bad version in '%.40s'", path, rp->buf);
      goto done;
    }
    if (ver != SB_TRACE_VERSION) {
      rc = sb_error_set(err, SB_EUNSUPPORTED,
                        "%s: line 1: trace format version %ld not supported (this build reads %d)",
                        path, ver, SB_TRACE_VERSION);
      goto done;
    }
  }
  /* line 2: header (feature names for large n make it long: allow 64 MiB) */
  rp->max_len = (size_t)1 << 26;
  lr = read_line(rp, msg, sizeof msg);
  line++;
  if (lr <= 0 || rp->partial || strncmp(rp->buf, "header ", 7) != 0) {
    rc = sb_error_set(err, SB_EFORMAT, "%s: line 2: expected 'header {JSON}'%s%s", path,
                      lr < 0 ? ": " : (lr == 0 || rp->partial ? " (file truncated)" : ""),
                      lr == -1 ? msg : "");
    goto done;
  }
  {
    sb_trace_header h;
    rc = sb_trace_header_from_json(rp->buf + 7, path, &h, err);
    if (rc) goto done;
    t = sb_trace_alloc(h.n);
    if (!t) {
      sb_trace_header_clear(&h);
      rc = sb_error_set(err, SB_ENOMEM, "%s: out of memory", path);
      goto done;
    }
    t->h = h;
  }
  rp->max_len = 2 * (size_t)SB_MAX_N + 4096;
  mask = calloc(t->words, sizeof *mask);
  if (!mask) {
    rc = sb_error_set(err, SB_ENOMEM, "%s: out of memory", path);
    goto done;
  }
  rc = read_batches(rp, t, path, recover, 0, line, mask, info, err);
done:
  reader_close(rp);
  free(mask);
  if (rc) {
    sb_trace_free(t);
    return rc;
  }
  *out = t;
  return SB_OK;
}

int sb_trace_read_more(const char *path, uint64_t offset, size_t prior, int flags, sb_trace *t,
                       sb_trace_read_info *info, sb_error *err) {
  sb_trace_read_info dummy;
  if (!info) info = &dummy;
  memset(info, 0, sizeof *info);
  char where[4200];
  snprintf(where, sizeof where, "%s (appended after byte %llu)", path, (unsigned long long)offset);
  line_reader *rp = NULL;
  int rc = reader_open(path, offset, &rp, err);
  if (rc) return rc;
  info->compressed = !rp->plain;
  uint64_t *mask = calloc(t->words, sizeof *mask);
  rc = mask ? read_batches(rp, t, where, flags & SB_TRACE_READ_RECOVER, prior, 0, mask, info, err)
            : sb_error_set(err, SB_ENOMEM, "%s: out of memory", path);
  free(mask);
  reader_close(rp);
  return rc;
}

/* ==== writing ============================================================ */

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

static int writer_write_member(sb_trace_writer *w, const char *data, size_t len, sb_error *err) {
  size_t off = 0;
  while (off < len) {
    size_t chunk = len - off > (1u << 30) ? (1u << 30) : len - off;
    int k = gzwrite(w->gz, data + off, (unsigned)chunk);
    if (k <= 0) {
      int errnum;
      const char *m = gzerror(w->gz, &errnum);
      return sb_error_set(err, SB_EIO, "%s: write failed: %s", w->atomic ? w->tmp : w->path,
                          errnum == Z_ERRNO ? strerror(errno) : m);
    }
    off += (size_t)k;
  }
  if (gzflush(w->gz, Z_FINISH) != Z_OK) {
    int errnum;
    const char *m = gzerror(w->gz, &errnum);
    return sb_error_set(err, SB_EIO, "%s: write failed: %s", w->atomic ? w->tmp : w->path,
                        errnum == Z_ERRNO ? strerror(errno) : m);
  }
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
  char *js = header_to_json(h);
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
    int zrc = gzclose(w->gz);
    w->gz = NULL;
    w->fd = -1;
    if (!rc && zrc != Z_OK)
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
