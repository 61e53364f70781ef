/* Ablation traces: (mask, value) records of a model with a self-describing header,
 * stored as gzip-compressed text (docs/TRACE_FORMAT.md).
 *
 *   SBTRACE 1
 *   header {"n": 14, "feature_names": [...], "value_meaning": "logit", ...}
 *   r 01100101011010 0.73180300000000001
 *   ...
 *   batch 64 1024 9f3a11c2        (records in this batch, records so far, CRC-32)
 *
 * Each batch is its own gzip member, flushed and fsync'd when written, so an
 * interrupted writer loses at most the batch it was writing.  Readers check every
 * batch's count and CRC and report "file: record N: what was expected".
 *
 * In memory a trace is an insertion-ordered array of records with a mask map
 * (core/maskmap.h) on the masks (O(1) lookup; sub-microsecond for n <= 64). */
#ifndef SB_TRACE_H
#define SB_TRACE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/mask.h"
#include "core/maskmap.h"

#define SB_TRACE_MAGIC "SBTRACE"
#define SB_TRACE_VERSION 1
/* Largest n for a dense (full-table) view of a trace: 2^26 doubles. */
#define SB_TRACE_MAX_DENSE_N 26

typedef struct sb_trace_header {
  size_t n;              /* features */
  char **feature_names;  /* n names, or NULL */
  char *value_meaning;   /* "logit", "log-probability of ' positive'", ... or NULL */
  char *model;           /* model identifier, or NULL */
  char *input;           /* input text or source description, or NULL */
  char *masking;         /* masking strategy ("[MASK] token", "mean patch"), or NULL */
  char *source;          /* where the records came from ("shapiq npz FILE", "command: ..."), or NULL */
  char *created;         /* ISO-8601 UTC creation time, or NULL */
  json_t *extra;         /* any other header keys (object, owned), or NULL */
} sb_trace_header;

typedef struct sb_trace {
  sb_trace_header h; /* header (owned strings) */
  size_t words;      /* sb_mask_words(n) */
  size_t count;      /* records */
  size_t cap;        /* capacity in records */
  uint64_t *masks;   /* count*words words */
  double *values;    /* count values */
  sb_maskmap index;  /* mask -> record index over masks */
} sb_trace;

/* Empty trace over n features (header strings NULL).  Caller frees with sb_trace_free. */
sb_trace *sb_trace_alloc(size_t n);
void sb_trace_free(sb_trace *t);
/* Header helpers: deep copy into dst (dst's old contents freed) / release contents. */
int sb_trace_header_copy(sb_trace_header *dst, const sb_trace_header *src);
void sb_trace_header_clear(sb_trace_header *h);
/* Parse a header JSON object (the text after "header " on line 2, or a header file
 * given to the command dataset).  `where` prefixes messages.  On success h owns its
 * strings (release with sb_trace_header_clear). */
int sb_trace_header_from_json(const char *text, const char *where, sb_trace_header *h,
                              sb_error *err);
/* Set a string field (copy; NULL clears). */
int sb_trace_set_str(char **field, const char *value);
/* The header as one line of compact ASCII JSON (what follows "header ").  Caller
 * frees; NULL on ENOMEM. */
char *sb_trace_header_encode(const sb_trace_header *h);

/* Add a record.  A mask already present with the same value is accepted (no new
 * record, *added = 0); with a different value it is SB_EFORMAT.  A non-finite
 * value is SB_EFORMAT.  `added` may be NULL. */
int sb_trace_put(sb_trace *t, const uint64_t *mask, double value, int *added, sb_error *err);
/* Index of the record of `mask`, or -1. */
long sb_trace_find(const sb_trace *t, const uint64_t *mask);
/* 1 and *value if present, else 0. */
int sb_trace_lookup(const sb_trace *t, const uint64_t *mask, double *value);
/* Drop the records from index `keep` on (an unconfirmed batch). */
void sb_trace_truncate(sb_trace *t, size_t keep);
/* 1 if the trace holds all 2^n masks (n <= SB_TRACE_MAX_DENSE_N). */
int sb_trace_is_full(const sb_trace *t);
/* Dense table of a full trace (2^n values by mask index).  Caller frees *table. */
int sb_trace_to_table(const sb_trace *t, double **table, sb_error *err);

/* ---- reading ------------------------------------------------------------ */

typedef struct sb_trace_read_info {
  size_t batches;        /* complete batches read */
  size_t records;        /* record lines in them (a repeated identical record counts) */
  size_t dropped;        /* records after the last complete batch (recover mode) */
  int truncated;         /* 1 if the file ended inside a batch or a gzip member */
  int compressed;        /* 0 if the file was plain text */
  char tail_msg[512];    /* what was wrong with the tail (recover mode) */
} sb_trace_read_info;

#define SB_TRACE_READ_STRICT 0  /* any damage is an error */
#define SB_TRACE_READ_RECOVER 1 /* keep complete batches; a damaged tail is reported in info */

/* Read a trace file.  Errors name the file and the record or line.  `info` may be
 * NULL.  Caller frees *out. */
int sb_trace_read(const char *path, int flags, sb_trace **out, sb_trace_read_info *info,
                  sb_error *err);
/* Read the batches appended to `path` from byte `offset` on (a gzip member
 * boundary after the header: the file's size when it was last read in full) into
 * the existing trace t.  `prior` is the number of records before `offset` (the
 * trailers' running count goes on from it).  Checks and `flags` as sb_trace_read;
 * messages name the file and the offset.  Used by a live recording to pick up
 * what other processes appended. */
int sb_trace_read_more(const char *path, uint64_t offset, size_t prior, int flags, sb_trace *t,
                       sb_trace_read_info *info, sb_error *err);
/* Read only the header (first two lines). */
int sb_trace_read_header(const char *path, sb_trace_header *h, sb_error *err);

/* ---- writing ------------------------------------------------------------ */

typedef struct sb_trace_writer sb_trace_writer;

/* Create a new trace at `path` written through a temporary file that is renamed
 * into place by sb_trace_writer_close (an interrupted import leaves no file). */
sb_trace_writer *sb_trace_writer_create_atomic(const char *path, const sb_trace_header *h,
                                               sb_error *err);
/* Open `path` for appending batches (creating it with header `h` if absent or empty).
 * The file is locked (flock) against a second writer.  `existing` is the number of
 * records already in the file (from sb_trace_read), used for the running count. */
sb_trace_writer *sb_trace_writer_open_append(const char *path, const sb_trace_header *h,
                                             size_t existing, sb_error *err);
/* Queue one record in the current batch. */
int sb_trace_writer_add(sb_trace_writer *w, const uint64_t *mask, double value, sb_error *err);
/* Write the current batch as one gzip member with its trailer, and fsync. */
int sb_trace_writer_flush(sb_trace_writer *w, sb_error *err);
/* Records queued but not yet flushed. */
size_t sb_trace_writer_pending(const sb_trace_writer *w);
/* Flush, close, and (atomic mode) rename into place.  Frees w. */
int sb_trace_writer_close(sb_trace_writer *w, sb_error *err);
/* Close without committing: atomic mode removes the temporary file.  Frees w. */
void sb_trace_writer_abort(sb_trace_writer *w);

/* Write a whole trace atomically, `batch` records per gzip member (0 = 4096). */
int sb_trace_write(const char *path, const sb_trace *t, size_t batch, sb_error *err);

/* Current UTC time as ISO-8601 ("2026-11-24T03:50:00Z") into buf (>= 21 bytes). */
void sb_trace_now(char *buf, size_t len);

#endif
