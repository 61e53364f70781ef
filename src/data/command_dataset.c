/* Dataset family `command`: a live model process (any language) behind the
 * line protocol of src/trace/model_proc.h, with every answer recorded.
 *
 *   command:cmd=python3 experiments/adapters/poly_adapter.py --n 8,n=8,trace=rec.sbt.gz
 *
 * Parameters: cmd (run by /bin/sh -c; no commas — wrap longer commands in a
 * script), n, trace (recording file; empty = none), batch (masks per request),
 * start_timeout and timeout (seconds), name (dataset name; default from the
 * trace file or "command").
 *
 * Recording and resume: an exclusive lock on FILE.lock is taken (waiting for
 * another run that holds it), then the trace is read (recover mode: complete
 * batches are kept; a damaged tail is moved aside to FILE.damaged-TIME and the
 * intact records rewritten atomically, so nothing is silently dropped), its n
 * must match, and it is held open for appending under an exclusive lock.  An
 * evaluation answers recorded masks from memory and sends only new distinct
 * masks to the model, `batch` at a time; each batch's answers are appended and
 * flushed (one gzip member, fsync) before anything else happens.  If the model
 * fails mid-batch the answers that did arrive are recorded too.  The process is
 * started lazily, so a rerun whose masks are all recorded never starts it, and
 * after a failure the next evaluation starts a fresh process. */
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
#include "data/table_dataset.h"
#include "trace/model_proc.h"
#include "trace/trace.h"

typedef struct command_ctx {
  char *cmd;               /* shell command */
  size_t n;
  size_t batch;            /* masks per request */
  double start_timeout;    /* s, added to the first batch */
  double timeout;          /* s per batch */
  char *trace_path;        /* recording file or NULL */
  sb_trace *rec;           /* every answer known (recorded + new) */
  sb_trace_writer *w;      /* appender (NULL if no recording) */
  sb_model_proc *proc;     /* started lazily */
  size_t asked_model;      /* masks sent to the model by this process */
  int lock_fd;             /* flock on FILE.lock while this dataset is open, or -1 */
} command_ctx;

static void command_free(void *vctx) {
  command_ctx *c = vctx;
  if (!c) return;
  sb_model_proc_free(c->proc);
  if (c->w) {
    sb_error e;
    if (sb_trace_writer_close(c->w, &e))
      fprintf(stderr, "spexbench: warning: %s\n", e.msg);
  }
  sb_trace_free(c->rec);
  if (c->lock_fd >= 0) close(c->lock_fd); /* releases the flock */
  free(c->cmd);
  free(c->trace_path);
  free(c);
}

/* Record answers [0, k) of masks into memory and the trace, flushed. */
static int record(command_ctx *c, const uint64_t *masks, const double *vals, size_t k,
                  sb_error *err) {
  const size_t w = c->rec->words;
  for (size_t i = 0; i < k; i++) {
    sb_error e2;
    int rc = sb_trace_put(c->rec, masks + i * w, vals[i], NULL, &e2);
    if (rc) return sb_error_set(err, rc, "model '%s': %s", c->cmd, e2.msg);
    if (c->w && (rc = sb_trace_writer_add(c->w, masks + i * w, vals[i], err))) return rc;
  }
  return c->w ? sb_trace_writer_flush(c->w, err) : SB_OK;
}

static int command_eval(void *vctx, const uint64_t *masks, size_t count, double *out,
                        sb_error *err) {
  command_ctx *c = vctx;
  const size_t w = c->rec->words;
  /* Distinct masks not yet known, in first-seen order. */
  sb_trace *todo = sb_trace_alloc(c->n);
  if (!todo) return sb_error_set(err, SB_ENOMEM, "out of memory");
  int rc = SB_OK;
  for (size_t j = 0; j < count && !rc; j++) {
    const uint64_t *m = masks + j * w;
    if (sb_trace_find(c->rec, m) < 0) rc = sb_trace_put(todo, m, 0.0, NULL, err);
  }
  double *vals = todo->count ? malloc(c->batch * sizeof *vals) : NULL;
  if (!rc && todo->count && !vals) rc = sb_error_set(err, SB_ENOMEM, "out of memory");
  for (size_t s = 0; s < todo->count && !rc; s += c->batch) {
    size_t k = todo->count - s < c->batch ? todo->count - s : c->batch;
    if (!sb_model_proc_alive(c->proc)) {
      sb_model_proc_free(c->proc);
      c->proc = sb_model_proc_start(c->cmd, c->n, c->start_timeout, c->timeout, err);
      if (!c->proc) {
        rc = err ? err->code : SB_EORACLE;
        break;
      }
    }
    size_t answered = 0;
    const uint64_t *bm = todo->masks + s * w;
    rc = sb_model_proc_eval(c->proc, bm, k, vals, &answered, err);
    c->asked_model += answered;
    sb_error e2 = {0};
    int rrc = record(c, bm, vals, answered, &e2);
    if (rrc) {
      if (rc && err) {
        size_t l = strlen(err->msg);
        snprintf(err->msg + l, sizeof err->msg - l, "; also failed to record: %s", e2.msg);
      } else {
        if (err) *err = e2;
        rc = rrc;
      }
    }
  }
  free(vals);
  sb_trace_free(todo);
  if (rc) return rc;
  for (size_t j = 0; j < count; j++) {
    if (!sb_trace_lookup(c->rec, masks + j * w, &out[j]))
      return sb_error_set(err, SB_EORACLE, "model '%s': internal error: answer missing", c->cmd);
  }
  return SB_OK;
}

/* Serialise users of one recording: an exclusive flock on FILE.lock, waited for
 * (the runner's workers may open the same live dataset at once; the second waits
 * and then sees the first one's answers instead of asking the model again). */
static int lock_recording(command_ctx *c, sb_error *err) {
  char lp[4200];
  snprintf(lp, sizeof lp, "%s.lock", c->trace_path);
  c->lock_fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (c->lock_fd < 0) {
    int e = errno;
    return sb_error_set(err, SB_EIO, "%s: cannot create the lock file: %s", lp, strerror(e));
  }
  if (flock(c->lock_fd, LOCK_EX | LOCK_NB) == 0) return SB_OK;
  int e = errno;
  if (e != EWOULDBLOCK) return sb_error_set(err, SB_EIO, "%s: flock failed: %s", lp, strerror(e));
  fprintf(stderr, "spexbench: waiting for %s (another run is using this recording)\n",
          c->trace_path);
  while (flock(c->lock_fd, LOCK_EX) != 0) {
    e = errno;
    if (e == EINTR) return sb_error_set(err, SB_EINTR, "%s: interrupted while waiting", lp);
    return sb_error_set(err, SB_EIO, "%s: flock failed: %s", lp, strerror(e));
  }
  return SB_OK;
}

/* Read (recovering) an existing recording; move a damaged original aside. */
static int load_recording(command_ctx *c, sb_error *err) {
  struct stat st;
  if (stat(c->trace_path, &st) != 0 || st.st_size == 0) {
    c->rec = sb_trace_alloc(c->n);
    return c->rec ? SB_OK : sb_error_set(err, SB_ENOMEM, "out of memory");
  }
  sb_trace_read_info info;
  int rc = sb_trace_read(c->trace_path, SB_TRACE_READ_RECOVER, &c->rec, &info, err);
  if (rc) return sb_error_prefix(err, "cannot resume the recording");
  if (c->rec->h.n != c->n)
    return sb_error_set(err, SB_EINVAL,
                        "%s: the recording has n = %zu, the dataset spec says n = %zu",
                        c->trace_path, c->rec->h.n, c->n);
  if (info.truncated) {
    char aside[4200], stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    snprintf(aside, sizeof aside, "%s.damaged-%s", c->trace_path, stamp);
    if (rename(c->trace_path, aside) != 0) {
      int e = errno;
      return sb_error_set(err, SB_EIO, "%s: damaged (%s) and cannot be moved aside: %s",
                          c->trace_path, info.tail_msg, strerror(e));
    }
    rc = sb_trace_write(c->trace_path, c->rec, 0, err);
    if (rc) return rc;
    fprintf(stderr,
            "spexbench: warning: %s: %s; kept %zu records from complete batches, the original "
            "is now %s\n",
            c->trace_path, info.tail_msg, c->rec->count, aside);
  }
  return SB_OK;
}

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
    {"cmd", SB_PARAM_STRING, NULL, NULL, "model command, run by /bin/sh -c (no commas)"},
    {"n", SB_PARAM_INT, NULL, NULL, "number of features (mask length)"},
    {"trace", SB_PARAM_STRING, "", NULL, "trace file recording every answer (empty = none)"},
    {"batch", SB_PARAM_INT, "64", NULL, "masks per request to the model"},
    {"start_timeout", SB_PARAM_DOUBLE, "60", NULL, "extra seconds for the first batch (loading)"},
    {"timeout", SB_PARAM_DOUBLE, "30", NULL, "seconds allowed per batch"},
    {"name", SB_PARAM_STRING, "", NULL, "dataset name (default: from the trace file)"},
    {"header", SB_PARAM_STRING, "", NULL,
     "JSON file of header fields for a new recording (feature_names, value_meaning, model, ...)"},
    {NULL, 0, NULL, NULL, NULL},
};

static int command_check(const sb_params *p, sb_error *err) {
  long n = sb_params_int(p, "n"), batch = sb_params_int(p, "batch");
  double st = sb_params_double(p, "start_timeout"), to = sb_params_double(p, "timeout");
  const char *cmd = sb_params_str(p, "cmd");
  if (n < 1 || n > SB_MAX_N)
    return sb_error_set(err, SB_EINVAL, "dataset command: n = %ld: expected 1..%d", n, SB_MAX_N);
  if (batch < 1) return sb_error_set(err, SB_EINVAL, "dataset command: batch = %ld: expected >= 1", batch);
  if (!(st >= 0) || !(to > 0))
    return sb_error_set(err, SB_EINVAL,
                        "dataset command: start_timeout must be >= 0 and timeout > 0 seconds");
  if (!cmd || !*cmd) return sb_error_set(err, SB_EINVAL, "dataset command: cmd is empty");
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

static int command_open(const sb_params *p, const char *path, sb_dataset **out, sb_error *err) {
  (void)path;
  *out = NULL;
  long n = sb_params_int(p, "n"), batch = sb_params_int(p, "batch");
  double st = sb_params_double(p, "start_timeout"), to = sb_params_double(p, "timeout");
  const char *cmd = sb_params_str(p, "cmd"), *tp = sb_params_str(p, "trace");
  const char *nm = sb_params_str(p, "name");
  int rc0 = command_check(p, err);
  if (rc0) return rc0;
  command_ctx *c = calloc(1, sizeof *c);
  if (!c) return sb_error_set(err, SB_ENOMEM, "out of memory");
  c->n = (size_t)n;
  c->batch = (size_t)batch;
  c->start_timeout = st;
  c->timeout = to;
  c->lock_fd = -1;
  c->cmd = strdup(cmd);
  int rc = c->cmd ? SB_OK : sb_error_set(err, SB_ENOMEM, "out of memory");
  if (!rc && tp && *tp) {
    c->trace_path = strdup(tp);
    rc = c->trace_path ? lock_recording(c, err) : sb_error_set(err, SB_ENOMEM, "out of memory");
    if (!rc) rc = load_recording(c, err);
    if (!rc) {
      sb_trace_header h;
      memset(&h, 0, sizeof h);
      h.n = c->n;
      const char *hp = sb_params_str(p, "header");
      if (hp && *hp) rc = load_header_file(hp, c->n, &h, err);
      char src[600], now[32];
      snprintf(src, sizeof src, "command: %s", cmd);
      sb_trace_now(now, sizeof now);
      if (!rc && !h.source) rc = sb_trace_set_str(&h.source, src);
      if (!rc && !h.created) rc = sb_trace_set_str(&h.created, now);
      /* a new recording takes these fields; an existing one keeps its own header */
      if (!rc && c->rec->count == 0 && !c->rec->h.value_meaning && !c->rec->h.feature_names)
        rc = sb_trace_header_copy(&c->rec->h, &h);
      if (!rc) {
        c->w = sb_trace_writer_open_append(c->trace_path, &h, c->rec->count, err);
        if (!c->w) rc = err ? err->code : SB_EIO;
      }
      sb_trace_header_clear(&h);
    }
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
  if (c->rec->h.value_meaning) d->value_meaning = strdup(c->rec->h.value_meaning);
  if (c->rec->h.feature_names) {
    d->feature_names = calloc(c->n, sizeof *d->feature_names);
    for (size_t i = 0; d->feature_names && i < c->n; i++)
      d->feature_names[i] = strdup(c->rec->h.feature_names[i] ? c->rec->h.feature_names[i] : "");
  }
  *out = d;
  return SB_OK;
}

const sb_dataset_family sb_family_command = {
    "command",
    "live model process over the line protocol; every answer recorded to a resumable trace",
    command_params,
    SB_FAMILY_LIVE,
    command_open,
    command_check,
};
