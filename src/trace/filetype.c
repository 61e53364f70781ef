/* File kinds by magic bytes (see filetype.h): gzip 1f 8b (and then "SBTRACE" in
 * the inflated text for a trace), zip "PK\3\4" / "PK\5\6" (an empty archive),
 * NumPy "\x93NUMPY", JSON's first non-blank character (after an optional UTF-8
 * byte-order mark).  One table gives each kind its name and how to use it. */
#include "trace/filetype.h"

#include <stdint.h>
#include <string.h>
#include <zlib.h>

#include "trace/trace.h"

static const struct {
  sb_file_kind kind;
  const char *name; /* "this is ..." */
  const char *use;  /* how such a file is read instead */
} KINDS[] = {
    {SB_FILE_UNKNOWN, "a file of unknown type", NULL},
    {SB_FILE_EMPTY, "an empty file", NULL},
    {SB_FILE_TRACE, "a spexbench trace", "replay a trace with the trace family (trace:PATH)"},
    {SB_FILE_GZIP, "gzip-compressed data that is not a spexbench trace", NULL},
    {SB_FILE_ZIP, "a zip archive (a shapiq .npz game?)",
     "read a game with the npz family (npz:PATH) or convert it with `spexbench trace import`"},
    {SB_FILE_NPY, "a single NumPy .npy array", "an .npz game is a zip of several .npy arrays"},
    {SB_FILE_JSON, "a JSON file (a shapiq JSON game?)",
     "convert a shapiq JSON game to a trace with `spexbench trace import`"},
};

const char *sb_file_kind_name(sb_file_kind kind) {
  for (size_t i = 0; i < sizeof KINDS / sizeof KINDS[0]; i++)
    if (KINDS[i].kind == kind) return KINDS[i].name;
  return KINDS[0].name;
}

int sb_file_kind_error(sb_error *err, const char *path, sb_file_kind found,
                       const char *expected) {
  const char *use = NULL;
  for (size_t i = 0; i < sizeof KINDS / sizeof KINDS[0]; i++)
    if (KINDS[i].kind == found) use = KINDS[i].use;
  return sb_error_set(err, SB_EFORMAT, "%s: this is %s, expected %s%s%s", path,
                      sb_file_kind_name(found), expected, use ? "; " : "", use ? use : "");
}

/* 1 if the text starts with the trace magic. */
static int starts_trace(const unsigned char *p, size_t len) {
  size_t m = strlen(SB_TRACE_MAGIC);
  return len >= m && !memcmp(p, SB_TRACE_MAGIC, m);
}

/* Inflate the start of the first gzip member: does its text start with the magic? */
static int gzip_is_trace(const unsigned char *head, size_t len) {
  unsigned char text[16];
  z_stream zs;
  memset(&zs, 0, sizeof zs);
  if (inflateInit2(&zs, 15 + 16) != Z_OK) return 0;
  zs.next_in = (unsigned char *)(uintptr_t)head;
  zs.avail_in = (uInt)len;
  zs.next_out = text;
  zs.avail_out = sizeof text;
  int zrc = Z_OK;
  while (zrc == Z_OK && zs.avail_out > 0 && zs.avail_in > 0) zrc = inflate(&zs, Z_NO_FLUSH);
  size_t got = sizeof text - zs.avail_out;
  inflateEnd(&zs);
  return starts_trace(text, got);
}

sb_file_kind sb_file_kind_of(const unsigned char *head, size_t len) {
  if (len == 0) return SB_FILE_EMPTY;
  if (len >= 2 && head[0] == 0x1f && head[1] == 0x8b)
    return gzip_is_trace(head, len) ? SB_FILE_TRACE : SB_FILE_GZIP;
  if (starts_trace(head, len)) return SB_FILE_TRACE;
  if (len >= 4 && !memcmp(head, "PK", 2) &&
      ((head[2] == 3 && head[3] == 4) || (head[2] == 5 && head[3] == 6)))
    return SB_FILE_ZIP;
  if (len >= 6 && !memcmp(head, "\x93NUMPY", 6)) return SB_FILE_NPY;
  size_t i = len >= 3 && !memcmp(head, "\xef\xbb\xbf", 3) ? 3 : 0;
  while (i < len && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n'))
    i++;
  if (i < len && (head[i] == '{' || head[i] == '[')) return SB_FILE_JSON;
  return SB_FILE_UNKNOWN;
}
