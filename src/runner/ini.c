/* INI reader for experiment configs (see ini.h): one pass over the text, line by
 * line, every section and entry stored with its line number so later stages can
 * report FILE:LINE. */
#include "runner/ini.h"

#include <stdlib.h>
#include <string.h>

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

/* Trim [*b, *e) in place (pointers move). */
static void trim(const char **b, const char **e) {
  while (*b < *e && is_space(**b)) (*b)++;
  while (*e > *b && is_space((*e)[-1])) (*e)--;
}

/* The end of a value: the first `;` preceded by whitespace starts a comment. */
static const char *comment_start(const char *b, const char *e) {
  for (const char *p = b; p < e; p++)
    if (*p == ';' && p > b && is_space(p[-1])) return p;
  return e;
}

/* [b, e) with whitespace runs collapsed to one space, as a new string. */
static char *collapse(const char *b, const char *e) {
  char *out = malloc((size_t)(e - b) + 1);
  if (!out) return NULL;
  size_t k = 0;
  for (const char *p = b; p < e; p++) {
    if (is_space(*p)) {
      if (k && out[k - 1] != ' ') out[k++] = ' ';
    } else {
      out[k++] = *p;
    }
  }
  while (k && out[k - 1] == ' ') k--;
  out[k] = '\0';
  return out;
}

const sb_ini_section *sb_ini_section_find(const sb_ini *ini, const char *name) {
  for (size_t i = 0; i < ini->n; i++)
    if (!strcmp(ini->s[i].name, name)) return &ini->s[i];
  return NULL;
}

const sb_ini_entry *sb_ini_get(const sb_ini_section *s, const char *key) {
  for (size_t i = 0; i < s->n; i++)
    if (!strcmp(s->e[i].key, key)) return &s->e[i];
  return NULL;
}

void sb_ini_clear(sb_ini *ini) {
  for (size_t i = 0; i < ini->n; i++) {
    for (size_t j = 0; j < ini->s[i].n; j++) {
      free(ini->s[i].e[j].key);
      free(ini->s[i].e[j].value);
    }
    free(ini->s[i].e);
    free(ini->s[i].name);
  }
  free(ini->s);
  ini->s = NULL;
  ini->n = 0;
}

static int add_section(sb_ini *ini, const char *path, int line, const char *b, const char *e,
                       sb_error *err) {
  char *name = collapse(b, e);
  if (!name) return sb_error_set(err, SB_ENOMEM, "out of memory");
  const sb_ini_section *prev = sb_ini_section_find(ini, name);
  if (prev) {
    int rc = sb_error_set(err, SB_EINVAL, "%s:%d: section [%s] repeats the one at line %d", path,
                          line, name, prev->line);
    free(name);
    return rc;
  }
  sb_ini_section *ns = realloc(ini->s, (ini->n + 1) * sizeof *ns);
  if (!ns) {
    free(name);
    return sb_error_set(err, SB_ENOMEM, "out of memory");
  }
  ini->s = ns;
  ini->s[ini->n] = (sb_ini_section){name, line, NULL, 0};
  ini->n++;
  return SB_OK;
}

static int add_entry(sb_ini *ini, const char *path, int line, const char *kb, const char *ke,
                     const char *vb, const char *ve, sb_error *err) {
  if (kb == ke) return sb_error_set(err, SB_EINVAL, "%s:%d: a value without a key", path, line);
  char *key = strndup(kb, (size_t)(ke - kb));
  if (!key) return sb_error_set(err, SB_ENOMEM, "out of memory");
  if (!ini->n) {
    int rc = sb_error_set(err, SB_EINVAL, "%s:%d: '%s' appears before any [section]", path, line,
                          key);
    free(key);
    return rc;
  }
  sb_ini_section *s = &ini->s[ini->n - 1];
  const sb_ini_entry *prev = sb_ini_get(s, key);
  if (prev) {
    int rc = sb_error_set(err, SB_EINVAL, "%s:%d: key '%s' repeats the one at line %d", path, line,
                          key, prev->line);
    free(key);
    return rc;
  }
  char *value = strndup(vb, (size_t)(ve - vb));
  sb_ini_entry *ne = value ? realloc(s->e, (s->n + 1) * sizeof *ne) : NULL;
  if (!ne) {
    free(key);
    free(value);
    return sb_error_set(err, SB_ENOMEM, "out of memory");
  }
  s->e = ne;
  s->e[s->n++] = (sb_ini_entry){key, value, line};
  return SB_OK;
}

/* One line [b, e) (no newline). */
static int parse_line(sb_ini *ini, const char *path, int line, const char *b, const char *e,
                      sb_error *err) {
  trim(&b, &e);
  if (b == e || *b == ';' || *b == '#') return SB_OK;
  if (*b == '[') {
    const char *close = memchr(b, ']', (size_t)(e - b));
    if (!close)
      return sb_error_set(err, SB_EINVAL, "%s:%d: section header without ']'", path, line);
    return add_section(ini, path, line, b + 1, close, err);
  }
  const char *sep = b;
  while (sep < e && *sep != '=' && *sep != ':') sep++;
  if (sep == e)
    return sb_error_set(err, SB_EINVAL, "%s:%d: syntax error (expected [section] or key = value)",
                        path, line);
  const char *ke = sep, *vb = sep + 1, *ve = comment_start(sep + 1, e);
  trim(&b, &ke);
  trim(&vb, &ve);
  return add_entry(ini, path, line, b, ke, vb, ve, err);
}

int sb_ini_parse(const char *path, const char *text, size_t len, sb_ini *out, sb_error *err) {
  out->s = NULL;
  out->n = 0;
  if (memchr(text, '\0', len))
    return sb_error_set(err, SB_EFORMAT, "%s: contains a NUL byte: not a text config", path);
  const char *p = text, *end = text + len;
  if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) p += 3; /* UTF-8 byte-order mark */
  int line = 0, rc = SB_OK;
  while (p < end && rc == SB_OK) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *le = nl ? nl : end;
    rc = parse_line(out, path, ++line, p, le, err);
    p = nl ? nl + 1 : end;
  }
  if (rc) sb_ini_clear(out);
  return rc;
}
