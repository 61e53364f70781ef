/* The INI layer of experiment configs: sections of key = value entries, each
 * with its line number.
 *
 * The syntax is inih's (which this replaces: Debian builds inih with a 200-byte
 * line buffer and no way to tell a long line from a short one, so a long
 * `path =` list lost its tail silently): `[section]` headers; `key = value` (or
 * `key: value`); whole-line comments starting with `;` or `#`; inline comments
 * starting with `;` after whitespace; blank lines.  Lines have no length limit,
 * and leading whitespace is ignored (no continuation lines).
 *
 * Errors are "FILE:LINE: message": a key before any section, a repeated section
 * (`[algorithm  x]` and `[algorithm x]` are the same section: inner whitespace is
 * collapsed) or key, an empty key, a header without `]`, a line that is neither,
 * a NUL byte.  A UTF-8 byte-order mark at the start of the file is skipped
 * (editors on Windows write one). */
#ifndef SB_INI_H
#define SB_INI_H

#include <stddef.h>

#include "core/error.h"

typedef struct sb_ini_entry {
  char *key, *value; /* trimmed; inline `;` comments removed */
  int line;
} sb_ini_entry;

typedef struct sb_ini_section {
  char *name;      /* header text, inner whitespace collapsed: "dataset synth" */
  int line;
  sb_ini_entry *e; /* in file order */
  size_t n;
} sb_ini_section;

typedef struct sb_ini {
  sb_ini_section *s; /* in file order */
  size_t n;
} sb_ini;

/* Parse `len` bytes of `text` (named `path` in messages).  On error *out is
 * empty.  Free with sb_ini_clear. */
int sb_ini_parse(const char *path, const char *text, size_t len, sb_ini *out, sb_error *err);
void sb_ini_clear(sb_ini *ini);

const sb_ini_section *sb_ini_section_find(const sb_ini *ini, const char *name);
const sb_ini_entry *sb_ini_get(const sb_ini_section *s, const char *key);

#endif
