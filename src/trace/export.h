/* Writing a trace's records in other tools' formats: CSV, a shapiq JSON game, a
 * shapiq .npz game (full tables).  All writes are atomic (temp file + rename). */
#ifndef SB_TRACE_EXPORT_H
#define SB_TRACE_EXPORT_H

#include "core/error.h"
#include "trace/trace.h"

/* "mask,value" then one line per record (value with 17 significant digits). */
int sb_trace_export_csv(const sb_trace *t, const char *out, sb_error *err);
/* shapiq's Game JSON ({"data_type": "game", "metadata": {...}, "data": {...}}). */
int sb_trace_export_shapiq_json(const sb_trace *t, const char *out, sb_error *err);
/* shapiq's precomputed .npz game; SB_EUNSUPPORTED unless the trace holds all 2^n masks. */
int sb_trace_export_npz(const sb_trace *t, const char *out, sb_error *err);

typedef struct sb_trace_export_format {
  const char *name;    /* "csv", "npz", "json" */
  const char *summary; /* one line for --help */
  int (*write)(const sb_trace *t, const char *out, sb_error *err);
} sb_trace_export_format;

/* The formats, NULL-terminated. */
const sb_trace_export_format *sb_trace_export_formats(void);
/* By name, or NULL. */
const sb_trace_export_format *sb_trace_export_format_find(const char *name);
/* Write t to `out` in the named format (SB_EINVAL naming the valid ones if unknown). */
int sb_trace_export(const sb_trace *t, const char *format, const char *out, sb_error *err);

#endif
