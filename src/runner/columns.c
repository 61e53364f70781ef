/* Column tables (columns.h): records to and from JSON and CSV, and their
 * Markdown documentation, all driven by one `const sb_column[]` per record type.
 * Also a small RFC 4180 CSV reader, so `spexbench report` can rebuild records
 * from a runs.csv (committed result folders keep no per-run JSON). */
#include "runner/columns.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/fsutil.h"

#define FIELD(col, rec, type) ((type *)(void *)((char *)(rec) + (col)->offset))
#define CFIELD(col, rec, type) ((const type *)(const void *)((const char *)(rec) + (col)->offset))

static const char *real_format(const sb_column *col) {
  return col->arg ? (const char *)col->arg : "%.10g";
}

static const char *const *enum_names(const sb_column *col) {
  return (const char *const *)col->arg;
}

/* ==== phase lists ======================================================== */

int sb_phase_list_add(sb_phase_list *pl, const char *name, double seconds) {
  for (size_t i = 0; i < pl->n; i++)
    if (!strcmp(pl->v[i].name, name)) {
      pl->v[i].seconds += seconds;
      return SB_OK;
    }
  sb_phase *v = realloc(pl->v, (pl->n + 1) * sizeof *v);
  if (!v) return SB_ENOMEM;
  pl->v = v;
  char *copy = strdup(name);
  if (!copy) return SB_ENOMEM;
  v[pl->n].name = copy;
  v[pl->n].seconds = seconds;
  pl->n++;
  return SB_OK;
}

static int phase_list_set(sb_phase_list *pl, const char *name, double seconds) {
  for (size_t i = 0; i < pl->n; i++)
    if (!strcmp(pl->v[i].name, name)) {
      pl->v[i].seconds = seconds;
      return SB_OK;
    }
  return sb_phase_list_add(pl, name, seconds);
}

double sb_phase_list_get(const sb_phase_list *pl, const char *name) {
  for (size_t i = 0; i < pl->n; i++)
    if (!strcmp(pl->v[i].name, name)) return pl->v[i].seconds;
  return NAN;
}

void sb_phase_list_clear(sb_phase_list *pl) {
  for (size_t i = 0; i < pl->n; i++) free(pl->v[i].name);
  free(pl->v);
  pl->v = NULL;
  pl->n = 0;
}

/* ==== init, clear, is_set ================================================ */

void sb_columns_init(const sb_column *cols, void *rec) {
  for (const sb_column *c = cols; c->name; c++) {
    switch (c->kind) {
    case SB_COL_STRING: *FIELD(c, rec, char *) = NULL; break;
    case SB_COL_CSTR: *FIELD(c, rec, const char *) = NULL; break;
    case SB_COL_SIZE: *FIELD(c, rec, size_t) = SB_SIZE_UNSET; break;
    case SB_COL_REAL: *FIELD(c, rec, double) = NAN; break;
    case SB_COL_U64:
    case SB_COL_HEX64: *FIELD(c, rec, sb_opt_u64) = (sb_opt_u64){0, 0}; break;
    case SB_COL_BOOL:
    case SB_COL_ENUM: *FIELD(c, rec, int) = -1; break;
    case SB_COL_PHASE: break; /* the list is initialised by its SB_COL_PHASES column */
    case SB_COL_PHASES: *FIELD(c, rec, sb_phase_list) = (sb_phase_list){NULL, 0}; break;
    }
  }
}

void sb_columns_clear(const sb_column *cols, void *rec) {
  for (const sb_column *c = cols; c->name; c++) {
    if (c->kind == SB_COL_STRING) free(*FIELD(c, rec, char *));
    if (c->kind == SB_COL_PHASES) sb_phase_list_clear(FIELD(c, rec, sb_phase_list));
  }
  sb_columns_init(cols, rec);
}

int sb_columns_is_set(const sb_column *c, const void *rec) {
  switch (c->kind) {
  case SB_COL_STRING:
  case SB_COL_CSTR: return *CFIELD(c, rec, const char *) != NULL;
  case SB_COL_SIZE: return *CFIELD(c, rec, size_t) != SB_SIZE_UNSET;
  case SB_COL_REAL: return isfinite(*CFIELD(c, rec, double));
  case SB_COL_U64:
  case SB_COL_HEX64: return CFIELD(c, rec, sb_opt_u64)->set;
  case SB_COL_BOOL: return *CFIELD(c, rec, int) == 0 || *CFIELD(c, rec, int) == 1;
  case SB_COL_ENUM: {
    int v = *CFIELD(c, rec, int);
    if (v < 0) return 0;
    for (int i = 0; i <= v; i++)
      if (!enum_names(c)[i]) return 0;
    return 1;
  }
  case SB_COL_PHASE: return isfinite(sb_phase_list_get(CFIELD(c, rec, sb_phase_list), c->arg));
  case SB_COL_PHASES: return CFIELD(c, rec, sb_phase_list)->n > 0;
  }
  return 0;
}

const sb_column *sb_columns_find(const sb_column *cols, const char *name) {
  for (const sb_column *c = cols; c->name; c++)
    if (!strcmp(c->name, name) || (c->legacy && !strcmp(c->legacy, name))) return c;
  return NULL;
}

/* ==== JSON =============================================================== */

/* json_string refuses invalid UTF-8 (a message quoting a binary file name):
 * keep the text, with each invalid byte replaced by '?'. */
json_t *sb_json_text(const char *s) {
  json_t *j = json_string(s);
  if (j) return j;
  char *copy = strdup(s);
  if (!copy) return NULL;
  for (char *p = copy; *p; p++)
    if ((unsigned char)*p >= 0x80) *p = '?';
  j = json_string(copy);
  free(copy);
  return j;
}

static json_t *phases_json(const sb_phase_list *pl) {
  json_t *o = json_object();
  for (size_t i = 0; o && i < pl->n; i++)
    if (json_object_set_new(o, pl->v[i].name, json_real(pl->v[i].seconds))) {
      json_decref(o);
      o = NULL;
    }
  return o;
}

static json_t *value_json(const sb_column *c, const void *rec) {
  if (!sb_columns_is_set(c, rec)) return c->kind == SB_COL_PHASES ? json_object() : json_null();
  char buf[32];
  switch (c->kind) {
  case SB_COL_STRING:
  case SB_COL_CSTR: return sb_json_text(*CFIELD(c, rec, const char *));
  case SB_COL_SIZE: return json_integer((json_int_t)*CFIELD(c, rec, size_t));
  case SB_COL_REAL: return json_real(*CFIELD(c, rec, double));
  case SB_COL_U64: {
    uint64_t v = CFIELD(c, rec, sb_opt_u64)->value;
    if (v <= (uint64_t)INT64_MAX) return json_integer((json_int_t)v);
    snprintf(buf, sizeof buf, "%" PRIu64, v);
    return json_string(buf);
  }
  case SB_COL_HEX64:
    snprintf(buf, sizeof buf, "%016" PRIx64, CFIELD(c, rec, sb_opt_u64)->value);
    return json_string(buf);
  case SB_COL_BOOL: return json_boolean(*CFIELD(c, rec, int));
  case SB_COL_ENUM: return json_string(enum_names(c)[*CFIELD(c, rec, int)]);
  case SB_COL_PHASE: return json_real(sb_phase_list_get(CFIELD(c, rec, sb_phase_list), c->arg));
  case SB_COL_PHASES: return phases_json(CFIELD(c, rec, sb_phase_list));
  }
  return NULL;
}

json_t *sb_columns_to_json(const sb_column *cols, const void *rec, unsigned mask) {
  json_t *j = json_object();
  if (!j) return NULL;
  for (const sb_column *c = cols; c->name; c++) {
    if (!(c->flags & mask)) continue;
    if (json_object_set_new(j, c->name, value_json(c, rec))) {
      json_decref(j);
      return NULL;
    }
  }
  return j;
}

static int parse_u64(const char *s, int base, uint64_t *out) {
  if (!*s || *s == '-' || *s == '+' || *s == ' ') return 0;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, base);
  if (*end || errno) return 0;
  *out = (uint64_t)v;
  return 1;
}

static int value_from_json(const sb_column *c, void *rec, const json_t *v, const char *what,
                           sb_error *err) {
  const char *key = c->name;
#define BAD(expected)                                                                      \
  return sb_error_set(err, SB_EFORMAT, "%s: key '%s': expected %s", what, key, expected)
  switch (c->kind) {
  case SB_COL_STRING: {
    if (!json_is_string(v)) BAD("a string");
    char *s = strdup(json_string_value(v));
    if (!s) return sb_error_set(err, SB_ENOMEM, "out of memory");
    free(*FIELD(c, rec, char *));
    *FIELD(c, rec, char *) = s;
    return SB_OK;
  }
  case SB_COL_CSTR: return SB_OK; /* borrowed fields are never read back */
  case SB_COL_SIZE:
    if (!json_is_integer(v) || json_integer_value(v) < 0) BAD("an integer >= 0");
    *FIELD(c, rec, size_t) = (size_t)json_integer_value(v);
    return SB_OK;
  case SB_COL_REAL:
    if (!json_is_number(v)) BAD("a number");
    *FIELD(c, rec, double) = json_number_value(v);
    return SB_OK;
  case SB_COL_U64:
  case SB_COL_HEX64: {
    uint64_t x;
    if (c->kind == SB_COL_U64 && json_is_integer(v) && json_integer_value(v) >= 0)
      x = (uint64_t)json_integer_value(v);
    else if (!json_is_string(v) ||
             !parse_u64(json_string_value(v), c->kind == SB_COL_HEX64 ? 16 : 10, &x))
      BAD(c->kind == SB_COL_HEX64 ? "a hexadecimal string" : "an integer >= 0");
    *FIELD(c, rec, sb_opt_u64) = (sb_opt_u64){x, 1};
    return SB_OK;
  }
  case SB_COL_BOOL:
    if (!json_is_boolean(v)) BAD("true or false");
    *FIELD(c, rec, int) = json_is_true(v);
    return SB_OK;
  case SB_COL_ENUM:
    if (json_is_string(v))
      for (int i = 0; enum_names(c)[i]; i++)
        if (!strcmp(enum_names(c)[i], json_string_value(v))) {
          *FIELD(c, rec, int) = i;
          return SB_OK;
        }
    BAD("one of the documented names");
  case SB_COL_PHASE:
    if (!json_is_number(v)) BAD("a number");
    if (phase_list_set(FIELD(c, rec, sb_phase_list), c->arg, json_number_value(v)))
      return sb_error_set(err, SB_ENOMEM, "out of memory");
    return SB_OK;
  case SB_COL_PHASES: {
    if (!json_is_object(v)) BAD("an object of seconds");
    const char *name;
    const json_t *s;
    json_object_foreach((json_t *)v, name, s) {
      if (!json_is_number(s)) BAD("an object of seconds");
      if (phase_list_set(FIELD(c, rec, sb_phase_list), name, json_number_value(s)))
        return sb_error_set(err, SB_ENOMEM, "out of memory");
    }
    return SB_OK;
  }
  }
#undef BAD
  return SB_OK;
}

static int claimed(const sb_column *cols, const char *key) {
  for (const sb_column *c = cols; c->name; c++)
    if ((c->flags & SB_COL_IN_JSON) &&
        (!strcmp(c->name, key) || (c->legacy && !strcmp(c->legacy, key))))
      return 1;
  return 0;
}

int sb_columns_from_json(const sb_column *cols, void *rec, const json_t *j, json_t **extra,
                         const char *what, sb_error *err) {
  if (extra) *extra = NULL;
  if (!json_is_object(j)) return sb_error_set(err, SB_EFORMAT, "%s: expected a JSON object", what);
  for (const sb_column *c = cols; c->name; c++) {
    if (!(c->flags & SB_COL_IN_JSON)) continue;
    const json_t *v = json_object_get(j, c->name);
    if (!v && c->legacy) v = json_object_get(j, c->legacy);
    if (!v || json_is_null(v)) {
      if (c->flags & SB_COL_REQUIRED)
        return sb_error_set(err, SB_EFORMAT, "%s: missing key '%s'", what, c->name);
      continue;
    }
    int rc = value_from_json(c, rec, v, what, err);
    if (rc) return rc;
  }
  if (!extra) return SB_OK;
  json_t *x = json_object();
  if (!x) return sb_error_set(err, SB_ENOMEM, "out of memory");
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)j, key, v) {
    if (!claimed(cols, key) && json_object_set(x, key, v)) {
      json_decref(x);
      return sb_error_set(err, SB_ENOMEM, "out of memory");
    }
  }
  *extra = x;
  return SB_OK;
}

/* ==== CSV writing ======================================================== */

static void csv_str(FILE *fp, const char *s) {
  if (!s) return;
  if (!strpbrk(s, ",\"\n\r")) {
    fputs(s, fp);
    return;
  }
  fputc('"', fp);
  for (; *s; s++) {
    if (*s == '"') fputc('"', fp);
    fputc(*s == '\n' || *s == '\r' ? ' ' : *s, fp);
  }
  fputc('"', fp);
}

static void phases_text(FILE *fp, const sb_phase_list *pl) {
  for (size_t i = 0; i < pl->n; i++) {
    fprintf(fp, "%s%s=%.10g", i ? " " : "", pl->v[i].name, pl->v[i].seconds);
  }
}

const char *sb_columns_text(const sb_column *c, const void *rec, char *buf, size_t len) {
  if (len) buf[0] = '\0';
  if (!len || !sb_columns_is_set(c, rec)) return buf;
  switch (c->kind) {
  case SB_COL_STRING:
  case SB_COL_CSTR: snprintf(buf, len, "%s", *CFIELD(c, rec, const char *)); break;
  case SB_COL_SIZE: snprintf(buf, len, "%zu", *CFIELD(c, rec, size_t)); break;
  case SB_COL_REAL: snprintf(buf, len, real_format(c), *CFIELD(c, rec, double)); break;
  case SB_COL_U64: snprintf(buf, len, "%" PRIu64, CFIELD(c, rec, sb_opt_u64)->value); break;
  case SB_COL_HEX64: snprintf(buf, len, "%016" PRIx64, CFIELD(c, rec, sb_opt_u64)->value); break;
  case SB_COL_BOOL: snprintf(buf, len, "%s", *CFIELD(c, rec, int) ? "true" : "false"); break;
  case SB_COL_ENUM: snprintf(buf, len, "%s", enum_names(c)[*CFIELD(c, rec, int)]); break;
  case SB_COL_PHASE:
    snprintf(buf, len, "%.10g", sb_phase_list_get(CFIELD(c, rec, sb_phase_list), c->arg));
    break;
  case SB_COL_PHASES: {
    const sb_phase_list *pl = CFIELD(c, rec, sb_phase_list);
    size_t used = 0;
    for (size_t i = 0; i < pl->n && used < len; i++)
      used += (size_t)snprintf(buf + used, len - used, "%s%s=%.10g", i ? " " : "",
                               pl->v[i].name, pl->v[i].seconds);
    break;
  }
  }
  return buf;
}

void sb_columns_csv_header(FILE *fp, const sb_column *cols, unsigned mask) {
  int first = 1;
  for (const sb_column *c = cols; c->name; c++) {
    if (!(c->flags & mask)) continue;
    fprintf(fp, "%s%s", first ? "" : ",", c->name);
    first = 0;
  }
  fputc('\n', fp);
}

int sb_columns_csv_row(FILE *fp, const sb_column *cols, const void *rec, unsigned mask) {
  int first = 1;
  char buf[256];
  for (const sb_column *c = cols; c->name; c++) {
    if (!(c->flags & mask)) continue;
    if (!first) fputc(',', fp);
    first = 0;
    if (!sb_columns_is_set(c, rec)) continue;
    if (c->kind == SB_COL_STRING || c->kind == SB_COL_CSTR)
      csv_str(fp, *CFIELD(c, rec, const char *)); /* any length */
    else if (c->kind == SB_COL_PHASES) {
      char *text = NULL;
      size_t tlen = 0;
      FILE *mem = open_memstream(&text, &tlen);
      if (!mem) return SB_ENOMEM; /* never a silently empty field */
      phases_text(mem, CFIELD(c, rec, sb_phase_list));
      int bad = fclose(mem) != 0;
      if (!bad) csv_str(fp, text);
      free(text);
      if (bad) return SB_ENOMEM;
    } else
      csv_str(fp, sb_columns_text(c, rec, buf, sizeof buf));
  }
  fputc('\n', fp);
  return SB_OK;
}

/* ==== CSV reading ======================================================== */

static int phases_from_text(sb_phase_list *pl, const char *text, const char *what, sb_error *err) {
  const char *p = text;
  while (*p) {
    while (*p == ' ') p++;
    if (!*p) break;
    const char *eq = strchr(p, '=');
    if (!eq || eq == p) return sb_error_set(err, SB_EFORMAT, "%s: expected name=seconds", what);
    char name[128];
    snprintf(name, sizeof name, "%.*s", (int)(eq - p < 127 ? eq - p : 127), p);
    char *end;
    double s = strtod(eq + 1, &end);
    if (end == eq + 1 || (*end && *end != ' '))
      return sb_error_set(err, SB_EFORMAT, "%s: '%s': expected a number of seconds", what, name);
    if (phase_list_set(pl, name, s)) return sb_error_set(err, SB_ENOMEM, "out of memory");
    p = end;
  }
  return SB_OK;
}

int sb_columns_set_text(const sb_column *c, void *rec, const char *text, const char *what,
                        sb_error *err) {
  if (!*text) return SB_OK; /* empty = unset (the record starts unset) */
#define BAD(expected)                                                                      \
  return sb_error_set(err, SB_EFORMAT, "%s: column %s = '%s': expected %s", what, c->name, \
                      text, expected)
  switch (c->kind) {
  case SB_COL_STRING: {
    char *s = strdup(text);
    if (!s) return sb_error_set(err, SB_ENOMEM, "out of memory");
    free(*FIELD(c, rec, char *));
    *FIELD(c, rec, char *) = s;
    return SB_OK;
  }
  case SB_COL_CSTR: return SB_OK;
  case SB_COL_SIZE: {
    uint64_t v;
    if (!parse_u64(text, 10, &v) || v >= (uint64_t)SB_SIZE_UNSET) BAD("an integer >= 0");
    *FIELD(c, rec, size_t) = (size_t)v;
    return SB_OK;
  }
  case SB_COL_REAL:
  case SB_COL_PHASE: {
    char *end;
    double v = strtod(text, &end);
    if (*end || end == text) BAD("a number");
    if (c->kind == SB_COL_REAL) *FIELD(c, rec, double) = v;
    else if (phase_list_set(FIELD(c, rec, sb_phase_list), c->arg, v))
      return sb_error_set(err, SB_ENOMEM, "out of memory");
    return SB_OK;
  }
  case SB_COL_U64:
  case SB_COL_HEX64: {
    uint64_t v;
    if (!parse_u64(text, c->kind == SB_COL_HEX64 ? 16 : 10, &v))
      BAD(c->kind == SB_COL_HEX64 ? "hexadecimal digits" : "an integer >= 0");
    *FIELD(c, rec, sb_opt_u64) = (sb_opt_u64){v, 1};
    return SB_OK;
  }
  case SB_COL_BOOL:
    if (!strcmp(text, "true") || !strcmp(text, "1")) *FIELD(c, rec, int) = 1;
    else if (!strcmp(text, "false") || !strcmp(text, "0")) *FIELD(c, rec, int) = 0;
    else BAD("true or false");
    return SB_OK;
  case SB_COL_ENUM:
    for (int i = 0; enum_names(c)[i]; i++)
      if (!strcmp(enum_names(c)[i], text)) {
        *FIELD(c, rec, int) = i;
        return SB_OK;
      }
    BAD("one of the documented names");
  case SB_COL_PHASES: return phases_from_text(FIELD(c, rec, sb_phase_list), text, what, err);
  }
#undef BAD
  return SB_OK;
}

void sb_csv_free(sb_csv *csv) {
  if (!csv) return;
  for (size_t r = 0; r < csv->nrows; r++) {
    for (size_t f = 0; f < csv->nfields[r]; f++) free(csv->rows[r][f]);
    free(csv->rows[r]);
  }
  free(csv->rows);
  free(csv->nfields);
  free(csv);
}

/* Growable buffers for the parser. */
typedef struct strbuf {
  char *s;
  size_t n, cap;
} strbuf;

static int sb_putc(strbuf *b, char ch) {
  if (b->n + 2 > b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 64;
    char *s = realloc(b->s, cap);
    if (!s) return 0;
    b->s = s;
    b->cap = cap;
  }
  b->s[b->n++] = ch;
  b->s[b->n] = '\0';
  return 1;
}

static int push_field(sb_csv *csv, strbuf *b) {
  size_t r = csv->nrows - 1;
  char **row = realloc(csv->rows[r], (csv->nfields[r] + 1) * sizeof *row);
  if (!row) return 0;
  csv->rows[r] = row;
  row[csv->nfields[r]] = b->s ? b->s : strdup("");
  if (!row[csv->nfields[r]]) return 0;
  csv->nfields[r]++;
  *b = (strbuf){NULL, 0, 0};
  return 1;
}

static int push_row(sb_csv *csv) {
  char ***rows = realloc(csv->rows, (csv->nrows + 1) * sizeof *rows);
  if (!rows) return 0;
  csv->rows = rows;
  size_t *nf = realloc(csv->nfields, (csv->nrows + 1) * sizeof *nf);
  if (!nf) return 0;
  csv->nfields = nf;
  rows[csv->nrows] = NULL;
  nf[csv->nrows] = 0;
  csv->nrows++;
  return 1;
}

int sb_csv_read(const char *path, sb_csv **out, sb_error *err) {
  *out = NULL;
  char *data = NULL;
  size_t len = 0;
  int rc = sb_read_file(path, &data, &len, err);
  if (rc) return rc;
  sb_csv *csv = calloc(1, sizeof *csv);
  strbuf b = {NULL, 0, 0};
  size_t line = 1, qline = 0;
  int ok = csv != NULL, quoted = 0, at_start = 1;
  for (size_t i = 0; ok && i < len; i++) {
    char ch = data[i];
    if (ch == '\0') {
      rc = sb_error_set(err, SB_EFORMAT, "%s:%zu: NUL byte (not a CSV file)", path, line);
      break;
    }
    if (at_start) { /* first character of a row */
      ok = push_row(csv);
      at_start = 0;
      if (!ok) break;
    }
    if (quoted) {
      if (ch == '"' && i + 1 < len && data[i + 1] == '"') ok = sb_putc(&b, data[i++]);
      else if (ch == '"') quoted = 0;
      else {
        line += ch == '\n';
        ok = sb_putc(&b, ch);
      }
    } else if (ch == '"' && b.n == 0) {
      quoted = 1;
      qline = line;
    } else if (ch == ',') {
      ok = push_field(csv, &b);
    } else if (ch == '\n' || ch == '\r') {
      ok = push_field(csv, &b);
      if (ch == '\r' && i + 1 < len && data[i + 1] == '\n') i++;
      line++;
      at_start = 1;
    } else {
      ok = sb_putc(&b, ch);
    }
  }
  if (rc == SB_OK && ok && quoted)
    rc = sb_error_set(err, SB_EFORMAT, "%s:%zu: quoted field never closed", path, qline);
  if (rc == SB_OK && ok && !at_start) ok = push_field(csv, &b); /* no final newline */
  if (rc == SB_OK && !ok) rc = sb_error_set(err, SB_ENOMEM, "%s: out of memory", path);
  if (rc == SB_OK && csv->nrows == 0)
    rc = sb_error_set(err, SB_EFORMAT, "%s: empty file (expected a header line)", path);
  free(b.s);
  free(data);
  if (rc) {
    sb_csv_free(csv);
    return rc;
  }
  *out = csv;
  return SB_OK;
}

int sb_columns_from_csv_row(const sb_column *cols, void *rec, const sb_csv *csv, size_t r,
                            const char *path, sb_error *err) {
  if (csv->nfields[r] != csv->nfields[0])
    return sb_error_set(err, SB_EFORMAT, "%s: row %zu: %zu fields, the header has %zu", path, r,
                        csv->nfields[r], csv->nfields[0]);
  char what[4200];
  snprintf(what, sizeof what, "%s: row %zu", path, r);
  for (size_t f = 0; f < csv->nfields[0]; f++) {
    const sb_column *c = sb_columns_find(cols, csv->rows[0][f]);
    if (!c || !(c->flags & SB_COL_IN_CSV)) continue;
    int rc = sb_columns_set_text(c, rec, csv->rows[r][f], what, err);
    if (rc) return rc;
  }
  return SB_OK;
}

/* ==== documentation ====================================================== */

static void kind_doc(FILE *fp, const sb_column *c) {
  switch (c->kind) {
  case SB_COL_STRING:
  case SB_COL_CSTR: fputs("text", fp); break;
  case SB_COL_SIZE: fputs("integer", fp); break;
  case SB_COL_REAL: fputs("number", fp); break;
  case SB_COL_U64: fputs("integer", fp); break;
  case SB_COL_HEX64: fputs("16 hex digits", fp); break;
  case SB_COL_BOOL: fputs("true/false", fp); break;
  case SB_COL_ENUM:
    for (int i = 0; enum_names(c)[i]; i++) fprintf(fp, "%s`%s`", i ? ", " : "", enum_names(c)[i]);
    break;
  case SB_COL_PHASE: fputs("seconds", fp); break;
  case SB_COL_PHASES: fputs("`name=seconds …`", fp); break;
  }
}

void sb_columns_markdown(FILE *fp, const sb_column *cols, unsigned mask) {
  fprintf(fp, "| column | type | description |\n|---|---|---|\n");
  for (const sb_column *c = cols; c->name; c++) {
    if (!(c->flags & mask)) continue;
    fprintf(fp, "| `%s` | ", c->name);
    kind_doc(fp, c);
    fprintf(fp, " | %s |\n", c->description);
  }
}
