/* Column tables: one description of a record type's fields drives its JSON, its
 * CSV columns, reading both back, and the Markdown documentation.
 *
 * A record is a plain C struct; its table is a `const sb_column[]` (terminated
 * by a {NULL} entry) giving, per field, the public name (JSON key and CSV
 * header), offsetof() the field, its kind, in which outputs it appears and a
 * one-line description.  Nothing else spells the names, so a misspelt key is a
 * compile error (offsetof) or a test failure (the doc and the round trip
 * tests), never a silently empty column.  Every field has an "unset" value
 * (NULL, SB_SIZE_UNSET, NaN, ...) written as JSON null and an empty CSV field.
 * (SQLite's and Redis' table-driven style; see ../shared/design/STYLE.md.) */
#ifndef SB_COLUMNS_H
#define SB_COLUMNS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"

#define SB_SIZE_UNSET ((size_t)-1)

typedef enum sb_col_kind {
  SB_COL_STRING, /* char * (owned by the record; NULL = unset) */
  SB_COL_CSTR,   /* const char * (borrowed; written only, never freed or read back) */
  SB_COL_SIZE,   /* size_t (SB_SIZE_UNSET = unset) */
  SB_COL_REAL,   /* double (NaN or ±inf = unset); arg: printf format (default "%.10g") */
  SB_COL_U64,    /* sb_opt_u64, written in decimal */
  SB_COL_HEX64,  /* sb_opt_u64, written as 16 hex digits (a JSON string) */
  SB_COL_BOOL,   /* int: -1 unset, 0 false, 1 true (JSON true/false, CSV true/false) */
  SB_COL_ENUM,   /* int index into arg (const char *const[], NULL-terminated); -1 unset */
  SB_COL_PHASE,  /* seconds of one phase of an sb_phase_list; arg: the phase name */
  SB_COL_PHASES, /* the whole sb_phase_list (JSON object; CSV "name=s name=s ...") */
} sb_col_kind;

/* Where a column appears (a table entry's `flags`). */
enum {
  SB_COL_IN_JSON = 1u << 0, /* stored in the record's JSON */
  SB_COL_IN_CSV = 1u << 1,  /* a CSV column */
  SB_COL_IN_FIT = 1u << 2,  /* in `spexbench fit --json` (run results only) */
  SB_COL_IN_TEXT = 1u << 3, /* in `spexbench fit`'s human-readable listing */
  SB_COL_REQUIRED = 1u << 4 /* reading JSON fails without it */
};

typedef struct sb_opt_u64 {
  uint64_t value;
  int set; /* 0 = unset */
} sb_opt_u64;

typedef struct sb_phase {
  char *name;     /* owned */
  double seconds;
} sb_phase;

/* Named timings in the order they were added (owned array). */
typedef struct sb_phase_list {
  sb_phase *v;
  size_t n;
} sb_phase_list;

typedef struct sb_column {
  const char *name;        /* JSON key and CSV header */
  size_t offset;           /* offsetof(record, field) */
  sb_col_kind kind;
  unsigned flags;          /* SB_COL_IN_* */
  const char *description; /* one line for docs/RESULTS.md */
  const void *arg;         /* kind-specific (see sb_col_kind) */
  const char *legacy;      /* older JSON key or CSV header accepted when reading, or NULL */
} sb_column;

/* Set every field of `rec` to unset (fields not in the table are untouched). */
void sb_columns_init(const sb_column *cols, void *rec);
/* Free the record's owned fields (strings, phase lists) and unset them. */
void sb_columns_clear(const sb_column *cols, void *rec);
int sb_columns_is_set(const sb_column *col, const void *rec);

/* A JSON object with every column whose flags intersect `mask` (unset = null).
 * New reference, or NULL when out of memory. */
json_t *sb_columns_to_json(const sb_column *cols, const void *rec, unsigned mask);
/* Fill `rec` (initialised) from the object `j`: columns with SB_COL_IN_JSON, by
 * name or legacy name; absent or null = unset.  A value of the wrong type or a
 * missing SB_COL_REQUIRED key is SB_EFORMAT naming `what` and the key.  If
 * `extra` is not NULL it receives a new object holding the keys no column
 * claims (kept so a round trip loses nothing). */
int sb_columns_from_json(const sb_column *cols, void *rec, const json_t *j, json_t **extra,
                         const char *what, sb_error *err);

/* CSV: header line and one row of the columns whose flags intersect `mask`.
 * Fields are quoted when they hold a comma, quote or line break (line breaks
 * become spaces).  Write errors surface through ferror(fp); the row returns
 * SB_ENOMEM (nothing sensible written) if it cannot format a field. */
void sb_columns_csv_header(FILE *fp, const sb_column *cols, unsigned mask);
int sb_columns_csv_row(FILE *fp, const sb_column *cols, const void *rec, unsigned mask);
/* The value as CSV text, unquoted ("" when unset); returns buf. */
const char *sb_columns_text(const sb_column *col, const void *rec, char *buf, size_t len);
/* Parse CSV text into the field ("" = unset); SB_EFORMAT naming `what`. */
int sb_columns_set_text(const sb_column *col, void *rec, const char *text, const char *what,
                        sb_error *err);
/* The column of `cols` named `name` (or with that legacy name), or NULL. */
const sb_column *sb_columns_find(const sb_column *cols, const char *name);

/* A Markdown table "| column | type | description |" of the columns in `mask`. */
void sb_columns_markdown(FILE *fp, const sb_column *cols, unsigned mask);

/* Phase lists: add seconds to a named phase (creating it); SB_ENOMEM. */
int sb_phase_list_add(sb_phase_list *pl, const char *name, double seconds);
/* Seconds of the named phase, or NaN. */
double sb_phase_list_get(const sb_phase_list *pl, const char *name);
void sb_phase_list_clear(sb_phase_list *pl);

/* A JSON string of `s`; invalid UTF-8 bytes become '?' (a message quoting a
 * binary file name is kept, not dropped).  NULL only if out of memory. */
json_t *sb_json_text(const char *s);

/* ==== reading CSV files ================================================= */

/* A whole CSV file as rows of fields (RFC 4180: quoted fields, "" inside quotes;
 * a quoted field may span lines).  Row 0 is the header. */
typedef struct sb_csv {
  char ***rows;  /* rows[r][f] */
  size_t *nfields;
  size_t nrows;
} sb_csv;

/* Caller frees with sb_csv_free.  Errors name the file and line. */
int sb_csv_read(const char *path, sb_csv **out, sb_error *err);
void sb_csv_free(sb_csv *csv);
/* Fill `rec` (initialised) from data row r (>= 1) by header names; unknown
 * headers are ignored, missing columns stay unset. */
int sb_columns_from_csv_row(const sb_column *cols, void *rec, const sb_csv *csv, size_t r,
                            const char *path, sb_error *err);

#endif
