/* Typed key=value parameters for algorithms and dataset families.
 *
 * Each algorithm / family declares a NULL-terminated table of sb_param_def.
 * sb_params_parse() validates a "key=value,key=value" string against it:
 * unknown keys, duplicate keys and values of the wrong type are errors that
 * name the key and list the valid ones (unless the table has an SB_PARAM_EXTRA
 * entry: then other keys of a plain name pass through as text).  Getters return
 * the parsed value or the declared default. */
#ifndef SB_PARAMS_H
#define SB_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef enum sb_param_type {
  SB_PARAM_INT,    /* integer (long) */
  SB_PARAM_DOUBLE, /* real number */
  SB_PARAM_ENUM,   /* one of `choices` ("soft|hard") */
  SB_PARAM_BOOL,   /* true/false/1/0/yes/no */
  SB_PARAM_STRING, /* free text (no ',' in the compact form) */
  SB_PARAM_EXTRA   /* pass-through: any key the table does not name is accepted as free
                    * text (the def's name is only a label for help); at most one per
                    * table, no default needed.  For programs that take their own keys. */
} sb_param_type;

typedef struct sb_param_def {
  const char *name;
  sb_param_type type;
  const char *def;     /* default as text; NULL = required */
  const char *choices; /* SB_PARAM_ENUM: "a|b|c"; SB_PARAM_INT / SB_PARAM_DOUBLE: an
                          optional range "LO..HI", either side may be empty ("0.." =
                          non-negative); NULL = any value of the type */
  const char *help;    /* one line */
} sb_param_def;

typedef struct sb_params {
  const sb_param_def *defs; /* the table validated against (not owned) */
  size_t count;             /* explicitly given values */
  char **keys;
  char **values;
} sb_params;

/* Parse "k=v,k=v" (may be empty or NULL).  `what` names the owner in messages
 * ("algorithm spex").  Caller frees with sb_params_free. */
int sb_params_parse(const char *text, const sb_param_def *defs, const char *what,
                    sb_params **out, sb_error *err);
/* Validate and add one key/value (used by the config reader). */
int sb_params_set(sb_params *p, const char *key, const char *value, const char *what,
                  sb_error *err);
sb_params *sb_params_new(const sb_param_def *defs);
sb_params *sb_params_clone(const sb_params *p);
void sb_params_free(sb_params *p);
/* Check that every required parameter is present. */
int sb_params_check_required(const sb_params *p, const char *what, sb_error *err);

/* Value as given, or the default, or NULL. */
const char *sb_params_str(const sb_params *p, const char *name);
long sb_params_int(const sb_params *p, const char *name);
double sb_params_double(const sb_params *p, const char *name);
int sb_params_bool(const sb_params *p, const char *name);
/* 1 if the key was given explicitly. */
int sb_params_has(const sb_params *p, const char *name);
/* Canonical text: given keys sorted, "k=v,k=v" ("" if none).  Caller frees. */
char *sb_params_canonical(const sb_params *p);
/* Print the table as help text ("  name=default  help"). */
void sb_params_print_help(const sb_param_def *defs, void *fp /* FILE* */);

/* The def that validates `name`: the entry of that name, else the table's
 * SB_PARAM_EXTRA entry when `name` is a plain key (a letter, then letters,
 * digits, '_', '-' or '.'), else NULL. */
const sb_param_def *sb_param_def_find(const sb_param_def *defs, const char *name);
/* 1 if `key` of p was accepted by the pass-through entry (not named in the table). */
int sb_params_is_extra(const sb_params *p, const char *key);

/* Check one value against a def (type / enum); message names `what` and key. */
int sb_param_validate(const sb_param_def *d, const char *value, const char *what,
                      sb_error *err);

/* Append name to the comma-separated list in buf (len bytes, `used` of them in
 * use); returns the new length, unchanged when the name does not fit (the list
 * then stays as it was, still terminated).  For "valid: a, b, c" messages. */
size_t sb_names_append(char *buf, size_t len, size_t used, const char *name);

/* Strip leading and trailing spaces and tabs in place; returns the first kept
 * character (inside s). */
char *sb_trim(char *s);

/* Strict number parsing helpers: whole string must parse; finite. */
int sb_parse_long(const char *s, long *out);

/* Strict integer parsing with overflow checks: decimal digits only (an optional
 * leading '-' for sb_parse_i64; no '+', spaces, hex or exponent), and the value
 * must lie in [lo, hi].  A number too large for 64 bits is SB_NUM_RANGE, never
 * a wrapped or saturated value. */
typedef enum sb_num { SB_NUM_OK = 0, SB_NUM_SYNTAX = 1, SB_NUM_RANGE = 2 } sb_num;
sb_num sb_parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out);
sb_num sb_parse_i64(const char *s, int64_t lo, int64_t hi, int64_t *out);
int sb_parse_double(const char *s, double *out);
int sb_parse_bool(const char *s, int *out);

#endif
