/* Dataset family `command`: a live model (any language) behind the line protocol
 * of data/model_proc.h, with every answer recorded.
 *
 *   command:cmd=python3 experiments/adapters/poly_adapter.py --n 8,n=8,trace=rec.sbt.gz
 *   command:connect=tcp:gpu-node:7000,n=14,trace=rec.sbt.gz,workers=4
 *
 * Parameters: cmd (run by /bin/sh -c; no commas — wrap longer commands in a
 * script; "{worker}" becomes the process index) or connect (a model server,
 * e.g. `spexbench serve`), n, workers (model processes or connections answering
 * batches in parallel), trace (recording file; empty = none), batch (masks per
 * request), start_timeout and timeout (seconds), name, header.
 *
 * Where the answers come from: inside `spexbench run` the runner's pool server
 * for this model (data/live.h: one set of K processes for the whole sweep,
 * shared by every run and worker); otherwise (`fit`) a pool of K processes of
 * this dataset's own; with connect= the remote server.  See docs/LIVE_MODELS.md.
 *
 * Recording and resume: the recording's lock (flock on FILE.lock) is held only
 * while reading what other writers appended and appending one batch, never
 * while a model computes or an algorithm fits, so runs on one recording overlap.
 * Opening reads the trace (recover mode: complete batches are kept; a damaged
 * tail is moved aside to FILE.damaged-TIME and the intact records rewritten
 * atomically) and creates it with its header if absent.  An evaluation first
 * picks up what others appended (sb_trace_read_more from the last offset; the
 * whole file again if it was replaced), answers known masks from memory and
 * sends only new distinct masks to the model; each settled batch is appended —
 * one gzip member, fsync'd — in dispatch order, skipping masks another writer
 * recorded meanwhile (their value is kept, so the file never holds a conflict).
 * Answers that arrived before a fault are recorded too. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/digest.h"
#include "core/fsutil.h"
#include "data/dataset.h"
#include "data/live.h"
#include "data/model_pool.h"
#include "data/table_dataset.h"
#include "trace/trace.h"

typedef struct command_ctx {
  sb_model_pool_opts po;   /* how the pool is made (strings below) */
  char *cmd, *connect;     /* model command / server address */
  char label[600];         /* names the model in messages */
  size_t n;
  char *trace_path;        /* recording file or NULL */
  int lock_fd;             /* FILE.lock, flock'd per access; -1 without a recording */
  sb_trace *rec;           /* every answer known (recorded by anyone + new) */
  uint64_t offset;         /* bytes of the recording read so far */
  size_t file_records;     /* records in those bytes */
  dev_t dev;               /* identity of the file read (a rewrite replaces it) */
  ino_t ino;
  sb_model_pool *pool;     /* created at the first miss */
  size_t asked;            /* masks this dataset asked the model / pool server */
  /* one evaluation */
  int failed;              /* a batch settled without every answer, or recording failed */
  sb_error fail_err;
} command_ctx;

static void command_free(void *vctx) {
  command_ctx *c = vctx;
  if (!c) return;
  sb_model_pool_free(c->pool);
  sb_trace_free(c->rec);
  if (c->lock_fd >= 0) close(c->lock_fd);
  free(c->cmd), free(c->connect), free(c->trace_path);
  free(c);
}

static size_t command_asked(const void *vctx) { return ((const command_ctx *)vctx)->asked; }

/* ==== the recording ===================================================== */

static int rec_lock(command_ctx *c, sb_error *err) {
  while (flock(c->lock_fd, LOCK_EX) != 0) {
    int e = errno;
    if (e == EINTR) continue;
    return sb_error_set(err, SB_EIO, "%s.lock: flock failed: %s", c->trace_path, strerror(e));
  }
  return SB_OK;
}

static void rec_unlock(command_ctx *c) { flock(c->lock_fd, LOCK_UN); }

/* Remember the file's identity and size (lock held). */
static int rec_mark(command_ctx *c, sb_error *err) {
  struct stat st;
  if (stat(c->trace_path, &st) != 0) {
    int e = errno;
    return sb_error_set(err, SB_EIO, "%s: stat failed: %s", c->trace_path, strerror(e));
  }
  c->dev = st.st_dev;
  c->ino = st.st_ino;
  c->offset = (uint64_t)st.st_size;
  return SB_OK;
}

/* Read the whole recording (recovering: a damaged tail is moved aside and the
 * intact records rewritten); answers known only in memory are kept.  Lock held. */
static int rec_reload(command_ctx *c, sb_error *err) {
  sb_trace *t = NULL;
  sb_trace_read_info info;
  int rc = sb_trace_read(c->trace_path, SB_TRACE_READ_RECOVER, &t, &info, err);
  if (rc) return sb_error_prefix(err, "cannot resume the recording");
  if (t->h.n != c->n) {
    sb_error_set(err, SB_EINVAL, "%s: the recording has n = %zu, the dataset spec says n = %zu",
                 c->trace_path, t->h.n, c->n);
    sb_trace_free(t);
    return SB_EINVAL;
  }
  if (info.truncated) {
    char aside[4200], stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    snprintf(aside, sizeof aside, "%s.damaged-%s", c->trace_path, stamp);
    if (rename(c->trace_path, aside) != 0) {
      int e = errno;
      rc = sb_error_set(err, SB_EIO, "%s: damaged (%s) and cannot be moved aside: %s",
                        c->trace_path, info.tail_msg, strerror(e));
    }
    if (!rc) rc = sb_trace_write(c->trace_path, t, 0, err);
    if (rc) {
      sb_trace_free(t);
      return rc;
    }
    fprintf(stderr,
            "spexbench: warning: %s: %s; kept %zu records from complete batches, the original "
            "is now %s\n",
            c->trace_path, info.tail_msg, t->count, aside);
    info.records = t->count;
  }
  for (size_t i = 0; c->rec && i < c->rec->count; i++) { /* in-memory answers stay known */
    const uint64_t *m = c->rec->masks + i * c->rec->words;
    if (sb_trace_find(t, m) < 0) sb_trace_put(t, m, c->rec->values[i], NULL, NULL);
  }
  sb_trace_free(c->rec);
  c->rec = t;
  c->file_records = info.records;
  return rec_mark(c, err);
}

/* Pick up what other writers appended since we last looked.  Lock held. */
static int rec_sync(command_ctx *c, sb_error *err) {
  struct stat st;
  if (stat(c->trace_path, &st) != 0 || st.st_size == 0) {
    /* gone (or emptied) behind our back: start a new file with our header */
    sb_trace_writer *w = sb_trace_writer_open_append(c->trace_path, &c->rec->h, 0, err);
    if (!w) return err ? err->code : SB_EIO;
    int rc = sb_trace_writer_close(w, err);
    c->file_records = 0;
    return rc ? rc : rec_mark(c, err);
  }
  if (st.st_dev != c->dev || st.st_ino != c->ino || (uint64_t)st.st_size < c->offset)
    return rec_reload(c, err);
  if ((uint64_t)st.st_size == c->offset) return SB_OK;
  sb_trace_read_info info;
  int rc = sb_trace_read_more(c->trace_path, c->offset, c->file_records, SB_TRACE_READ_RECOVER,
                              c->rec, &info, err);
  if (rc) return sb_error_prefix(err, "reading what other runs recorded");
  if (info.truncated) return rec_reload(c, err); /* a writer died mid-batch: repair */
  c->file_records += info.records;
  c->offset = (uint64_t)st.st_size;
  return SB_OK;
}

/* Record answers (ok[j] set) of masks[0..count) in memory and, with a recording,
 * as one appended batch — masks someone else recorded meanwhile are skipped. */
static int rec_append(command_ctx *c, const uint64_t *masks, const double *vals,
                      const unsigned char *ok, size_t count, sb_error *err) {
  const size_t w = c->rec->words;
  if (!c->trace_path) {
    for (size_t j = 0; j < count; j++) {
      if (!ok[j] || sb_trace_find(c->rec, masks + j * w) >= 0) continue;
      int rc = sb_trace_put(c->rec, masks + j * w, vals[j], NULL, err);
      if (rc) return rc;
    }
    return SB_OK;
  }
  int rc = rec_lock(c, err);
  if (rc) return rc;
  rc = rec_sync(c, err);
  sb_trace_writer *wr = NULL;
  if (!rc) {
    wr = sb_trace_writer_open_append(c->trace_path, &c->rec->h, c->file_records, err);
    if (!wr) rc = err ? err->code : SB_EIO;
  }
  size_t added = 0;
  for (size_t j = 0; j < count && !rc; j++) {
    const uint64_t *m = masks + j * w;
    if (!ok[j] || sb_trace_find(c->rec, m) >= 0) continue;
    rc = sb_trace_writer_add(wr, m, vals[j], err);
    if (!rc) rc = sb_trace_put(c->rec, m, vals[j], NULL, err);
    added++;
  }
  if (wr) {
    int crc = sb_trace_writer_close(wr, rc ? NULL : err);
    if (!rc) rc = crc;
  }
  if (!rc) {
    c->file_records += added;
    rc = rec_mark(c, err);
  }
  rec_unlock(c);
  return rc;
}

/* Open (or create, with header h) the recording; lock held only meanwhile. */
static int rec_open(command_ctx *c, const sb_trace_header *h, sb_error *err) {
  char lp[4200];
  snprintf(lp, sizeof lp, "%s.lock", c->trace_path);
  c->lock_fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (c->lock_fd < 0) {
    int e = errno;
    return sb_error_set(err, SB_EIO, "%s: cannot create the lock file: %s", lp, strerror(e));
  }
  int rc = rec_lock(c, err);
  if (rc) return rc;
  struct stat st;
  if (stat(c->trace_path, &st) == 0 && st.st_size > 0) {
    rc = rec_reload(c, err);
  } else {
    c->rec = sb_trace_alloc(c->n);
    if (!c->rec) rc = sb_error_set(err, SB_ENOMEM, "out of memory");
    if (!rc) rc = sb_trace_header_copy(&c->rec->h, h);
    if (!rc) rc = rec_sync(c, err); /* creates the file with the header */
  }
  rec_unlock(c);
  return rc;
}

/* ==== evaluation ========================================================= */

/* A settled batch: record what arrived; on a failure ask nothing more. */
static int on_batch(void *vctx, const sb_model_batch *b, sb_error *err) {
  (void)err;
  command_ctx *c = vctx;
  c->asked += b->answered;
  sb_error e2 = {0};
  int rc = b->answered ? rec_append(c, b->masks, b->values, b->ok, b->count, &e2) : SB_OK;
  if (!c->failed && (b->status || rc)) {
    c->failed = 1;
    if (b->status && rc)
      sb_error_set(&c->fail_err, SB_EORACLE, "%s; also failed to record: %s", b->message, e2.msg);
    else if (b->status)
      sb_error_set(&c->fail_err, SB_EORACLE, "%s", b->message);
    else
      c->fail_err = e2;
  }
  if (c->failed) sb_model_pool_cancel(c->pool);
  return SB_OK; /* let the batches in flight settle and be recorded */
}

/* The key of a local model (cmd last); returns where cmd starts in key, or 0 if
 * it does not fit. */
static size_t model_key(const sb_model_pool_opts *o, char *key, size_t keylen) {
  int k = snprintf(key, keylen, "n=%zu;workers=%zu;batch=%zu;start_timeout=%.17g;timeout=%.17g;cmd=",
                   o->n, o->endpoints, o->batch, o->start_timeout, o->timeout);
  if (k <= 0 || (size_t)k + strlen(o->cmd) >= keylen) return 0;
  snprintf(key + k, keylen - (size_t)k, "%s", o->cmd);
  return (size_t)k;
}

/* Where the answers come from: the sweep's pool server, else our own pool. */
static int ensure_pool(command_ctx *c, sb_error *err) {
  if (c->pool) return SB_OK;
  sb_model_pool_opts o = c->po;
  char key[4200];
  size_t conns = 0;
  const char *addr = NULL;
  if (c->cmd && model_key(&o, key, sizeof key) > 0) addr = sb_live_pool_lookup(key, &conns);
  if (addr) { /* the server enforces the model's timeouts and retries */
    o.cmd = NULL;
    o.connect = addr;
    o.endpoints = conns;
    o.start_timeout = 0;
    o.timeout = 0;
    o.depth = 1;
  }
  c->pool = sb_model_pool_new(&o, err);
  return c->pool ? SB_OK : (err ? err->code : SB_ENOMEM);
}

static int command_eval(void *vctx, const uint64_t *masks, size_t count, double *out,
                        sb_error *err) {
  command_ctx *c = vctx;
  const size_t w = c->rec->words;
  int rc = SB_OK;
  if (c->trace_path) { /* what other runs recorded since we last looked */
    rc = rec_lock(c, err);
    if (rc) return rc;
    rc = rec_sync(c, err);
    rec_unlock(c);
    if (rc) return rc;
  }
  /* Distinct masks not yet known, in first-seen order. */
  sb_trace *todo = sb_trace_alloc(c->n);
  if (!todo) return sb_error_set(err, SB_ENOMEM, "out of memory");
  for (size_t j = 0; j < count && !rc; j++) {
    const uint64_t *m = masks + j * w;
    if (sb_trace_find(c->rec, m) < 0) rc = sb_trace_put(todo, m, 0.0, NULL, err);
  }
  if (!rc && todo->count) {
    c->failed = 0;
    sb_error_clear(&c->fail_err);
    rc = ensure_pool(c, err);
    if (!rc) rc = sb_model_pool_submit(c->pool, todo->masks, todo->count, err);
    if (!rc) rc = sb_model_pool_drain(c->pool, on_batch, c, err);
    if (!rc && c->failed) {
      if (err) *err = c->fail_err;
      rc = c->fail_err.code ? c->fail_err.code : SB_EORACLE;
    }
  }
  sb_trace_free(todo);
  if (rc) return rc;
  for (size_t j = 0; j < count; j++) {
    if (!sb_trace_lookup(c->rec, masks + j * w, &out[j]))
      return sb_error_set(err, SB_EORACLE, "%s: internal error: answer missing", c->label);
  }
  return SB_OK;
}

/* ==== opening ============================================================ */

/* Header fields for a new recording from a JSON file (n must match). */
static int load_header_file(const char *path, size_t n, sb_trace_header *h, sb_error *err) {
  char *text = NULL;
  size_t len = 0;
  int rc = sb_read_file(path, &text, &len, err);
  if (rc) return rc;
  char where[4200];
  snprintf(where, sizeof where, "%s (header file)", path);
  sb_trace_header tmp;
  rc = sb_trace_header_from_json(text, where, &tmp, err);
  free(text);
  if (rc) return rc;
  if (tmp.n != n) {
    sb_trace_header_clear(&tmp);
    return sb_error_set(err, SB_EINVAL, "%s: header has n = %zu, the dataset spec says n = %zu",
                        path, tmp.n, n);
  }
  sb_trace_header_clear(h);
  *h = tmp;
  return SB_OK;
}

static const sb_param_def command_params[] = {
    {"cmd", SB_PARAM_STRING, "", NULL,
     "model command, run by /bin/sh -c (no commas; {worker} = process index)"},
    {"connect", SB_PARAM_STRING, "", NULL,
     "model server instead of cmd: tcp:HOST:PORT, unix:PATH or a socket path"},
    {"n", SB_PARAM_INT, NULL, NULL, "number of features (mask length)"},
    {"workers", SB_PARAM_INT, "1", NULL,
     "model processes (or server connections) answering batches in parallel"},
    {"trace", SB_PARAM_STRING, "", NULL, "trace file recording every answer (empty = none)"},
    {"batch", SB_PARAM_INT, "64", NULL, "masks per request to the model"},
    {"start_timeout", SB_PARAM_DOUBLE, "60", NULL, "extra seconds for the first batch (loading)"},
    {"timeout", SB_PARAM_DOUBLE, "30", NULL, "seconds allowed per batch"},
    {"name", SB_PARAM_STRING, "", NULL, "dataset name (default: from the trace file)"},
    {"header", SB_PARAM_STRING, "", NULL,
     "JSON file of header fields for a new recording (feature_names, value_meaning, model, ...)"},
    {NULL, 0, NULL, NULL, NULL},
};

/* Largest `workers`: processes are real (each may hold a GPU). */
#define COMMAND_MAX_WORKERS 256

static int command_check(const sb_params *p, sb_error *err) {
  long n = sb_params_int(p, "n"), batch = sb_params_int(p, "batch");
  long workers = sb_params_int(p, "workers");
  double st = sb_params_double(p, "start_timeout"), to = sb_params_double(p, "timeout");
  const char *cmd = sb_params_str(p, "cmd"), *conn = sb_params_str(p, "connect");
  if (n < 1 || n > SB_MAX_N)
    return sb_error_set(err, SB_EINVAL, "dataset command: n = %ld: expected 1..%d", n, SB_MAX_N);
  if (batch < 1) return sb_error_set(err, SB_EINVAL, "dataset command: batch = %ld: expected >= 1", batch);
  if (workers < 1 || workers > COMMAND_MAX_WORKERS)
    return sb_error_set(err, SB_EINVAL, "dataset command: workers = %ld: expected 1..%d", workers,
                        COMMAND_MAX_WORKERS);
  if (!(st >= 0) || !(to > 0))
    return sb_error_set(err, SB_EINVAL,
                        "dataset command: start_timeout must be >= 0 and timeout > 0 seconds");
  int has_cmd = cmd && *cmd, has_conn = conn && *conn;
  if (!has_cmd && !has_conn)
    return sb_error_set(err, SB_EINVAL,
                        "dataset command: cmd is empty (give cmd=COMMAND or connect=ADDRESS)");
  if (has_cmd && has_conn)
    return sb_error_set(err, SB_EINVAL, "dataset command: give either cmd or connect, not both");
  /* The recording is appended to and the header read: each must be a regular file
   * if it exists (trace=/dev/null would record nothing; a FIFO would block). */
  const char *files[] = {"trace", "header"};
  for (int i = 0; i < 2; i++) {
    const char *f = sb_params_str(p, files[i]);
    struct stat fs;
    if (f && *f && stat(f, &fs) == 0 && !S_ISREG(fs.st_mode))
      return sb_error_set(err, SB_EINVAL, "dataset command: %s = %s: is %s, not a regular file%s",
                          files[i], f, sb_file_kind((unsigned)fs.st_mode),
                          i == 0 ? " (every answer is recorded there)" : "");
  }
  return SB_OK;
}

/* Pool options from validated parameters (strings point into p). */
static void pool_opts(const sb_params *p, sb_model_pool_opts *o) {
  memset(o, 0, sizeof *o);
  const char *cmd = sb_params_str(p, "cmd"), *conn = sb_params_str(p, "connect");
  o->cmd = *cmd ? cmd : NULL;
  o->connect = *cmd ? NULL : conn;
  o->n = (size_t)sb_params_int(p, "n");
  o->endpoints = (size_t)sb_params_int(p, "workers");
  o->batch = (size_t)sb_params_int(p, "batch");
  o->start_timeout = sb_params_double(p, "start_timeout");
  o->timeout = sb_params_double(p, "timeout");
  o->ordered = 1;
  o->depth = o->cmd ? 2 : 1; /* a server gets more connections instead */
}

extern const sb_dataset_family sb_family_command; /* below */

int sb_command_model_key(const char *spec, char *key, size_t keylen, sb_live_server_opts *o) {
  const char *colon = strchr(spec, ':');
  if (!colon || sb_dataset_spec_family(spec) != &sb_family_command) return 0;
  sb_params *p = NULL;
  sb_error e;
  if (sb_params_parse(colon + 1, command_params, "dataset command", &p, &e)) return 0;
  size_t at = 0;
  if (command_check(p, &e) == SB_OK && *sb_params_str(p, "cmd")) {
    sb_model_pool_opts po;
    pool_opts(p, &po);
    at = model_key(&po, key, keylen);
    if (at) {
      memset(o, 0, sizeof *o);
      o->cmd = key + at;
      o->n = po.n;
      o->workers = po.endpoints;
      o->batch = po.batch;
      o->start_timeout = po.start_timeout;
      o->timeout = po.timeout;
    }
  }
  sb_params_free(p);
  return at > 0;
}

static int command_open(const sb_params *p, const char *path, sb_dataset **out, sb_error *err) {
  (void)path;
  *out = NULL;
  int rc0 = command_check(p, err);
  if (rc0) return rc0;
  long n = sb_params_int(p, "n");
  const char *cmd = sb_params_str(p, "cmd"), *conn = sb_params_str(p, "connect");
  const char *tp = sb_params_str(p, "trace"), *nm = sb_params_str(p, "name");
  command_ctx *c = calloc(1, sizeof *c);
  if (!c) return sb_error_set(err, SB_ENOMEM, "out of memory");
  c->n = (size_t)n;
  c->lock_fd = -1;
  if (*cmd) c->cmd = strdup(cmd);
  else c->connect = strdup(conn);
  snprintf(c->label, sizeof c->label, *cmd ? "model '%.500s'" : "model server '%.500s'",
           *cmd ? cmd : conn);
  pool_opts(p, &c->po);
  c->po.cmd = c->cmd;
  c->po.connect = c->connect;
  int rc = c->cmd || c->connect ? SB_OK : sb_error_set(err, SB_ENOMEM, "out of memory");
  if (!rc && tp && *tp) {
    sb_trace_header h;
    memset(&h, 0, sizeof h);
    h.n = c->n;
    const char *hp = sb_params_str(p, "header");
    if (hp && *hp) rc = load_header_file(hp, c->n, &h, err);
    char src[600], now[32];
    snprintf(src, sizeof src, "command: %s", *cmd ? cmd : conn);
    sb_trace_now(now, sizeof now);
    if (!rc && !h.source) rc = sb_trace_set_str(&h.source, src);
    if (!rc && !h.created) rc = sb_trace_set_str(&h.created, now);
    c->trace_path = strdup(tp);
    if (!rc) rc = c->trace_path ? rec_open(c, &h, err) : sb_error_set(err, SB_ENOMEM, "out of memory");
    sb_trace_header_clear(&h);
  } else if (!rc) {
    c->rec = sb_trace_alloc(c->n);
    if (!c->rec) rc = sb_error_set(err, SB_ENOMEM, "out of memory");
  }
  if (rc) {
    command_free(c);
    return rc;
  }
  char name[256], *canon = sb_params_canonical(p), spec[4200];
  if (nm && *nm) snprintf(name, sizeof name, "command-%s-n%ld", nm, n);
  else if (c->trace_path) sb_dataset_name_from_path("command", c->trace_path, c->n, name, sizeof name);
  else snprintf(name, sizeof name, "command-n%ld", n);
  snprintf(spec, sizeof spec, "command:%s", canon ? canon : "");
  free(canon);
  sb_dataset *d = sb_dataset_new("command", name, spec, c->n);
  if (!d) {
    command_free(c);
    return sb_error_set(err, SB_ENOMEM, "out of memory");
  }
  d->ctx = c;
  d->ctx_free = command_free;
  d->eval = command_eval;
  d->live_asked = command_asked;
  if (c->rec->h.value_meaning) d->value_meaning = strdup(c->rec->h.value_meaning);
  if (c->rec->h.feature_names) {
    d->feature_names = calloc(c->n, sizeof *d->feature_names);
    for (size_t i = 0; d->feature_names && i < c->n; i++)
      d->feature_names[i] = strdup(c->rec->h.feature_names[i] ? c->rec->h.feature_names[i] : "");
  }
  *out = d;
  return SB_OK;
}

/* How many processes answer does not change the answers: not part of the identity. */
static const char *const command_identity_skip[] = {"workers", NULL};

const sb_dataset_family sb_family_command = {
    "command",
    "live model (local processes or a model server) over the line protocol; every answer "
    "recorded to a resumable trace",
    command_params,
    SB_FAMILY_LIVE,
    command_open,
    command_check,
    command_identity_skip,
};
