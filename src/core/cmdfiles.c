/* Content key of the files a command line runs (cmdfiles.h). */
#include "core/cmdfiles.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/digest.h"

static int is_regular(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The next word of *p into buf (quotes removed); 0 at the end of the line. */
static int next_word(const char **p, char *buf, size_t len) {
  const char *s = *p;
  while (*s == ' ' || *s == '\t' || *s == '\n') s++;
  if (!*s) return 0;
  size_t k = 0;
  char quote = 0;
  for (; *s && (quote || (*s != ' ' && *s != '\t' && *s != '\n')); s++) {
    if (!quote && (*s == '\'' || *s == '"')) quote = *s;
    else if (quote && *s == quote) quote = 0;
    else if (k + 1 < len) buf[k++] = *s;
  }
  buf[k] = '\0';
  *p = s;
  return 1;
}

/* A first word without '/' the way the shell finds it: the first regular file of
 * that name in a $PATH directory. */
static int search_path(const char *word, char *out, size_t len) {
  const char *path = getenv("PATH");
  if (!path) return 0;
  for (const char *d = path; *d;) {
    const char *end = strchr(d, ':');
    size_t dl = end ? (size_t)(end - d) : strlen(d);
    int w = snprintf(out, len, "%.*s/%s", (int)dl, dl ? d : ".", word);
    if (w > 0 && (size_t)w < len && is_regular(out)) return 1;
    if (!end) break;
    d = end + 1;
  }
  return 0;
}

int sb_cmd_files_key(const char *cmd, char **out, sb_error *err) {
  *out = NULL;
  char word[4096], file[4096 + 256];
  char *key = NULL;
  size_t len = 0, cap = 0;
  const char *p = cmd;
  for (int first = 1; next_word(&p, word, sizeof word); first = 0) {
    const char *f = NULL;
    if (strchr(word, '/') || !first) {
      if (is_regular(word)) f = word;
    } else if (search_path(word, file, sizeof file)) {
      f = file;
    }
    if (!f) continue;
    char hex[SB_SHA256_HEX];
    int rc = sb_file_sha256(f, hex, err);
    if (rc) {
      free(key);
      return rc;
    }
    size_t need = len + strlen(word) + 19;
    if (need > cap) {
      size_t ncap = need * 2;
      char *nk = realloc(key, ncap);
      if (!nk) {
        free(key);
        return sb_error_set(err, SB_ENOMEM, "out of memory");
      }
      key = nk, cap = ncap;
    }
    len += (size_t)sprintf(key + len, "%s%s=%.16s", len ? " " : "", word, hex);
  }
  *out = key;
  return SB_OK;
}
