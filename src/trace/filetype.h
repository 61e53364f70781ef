/* What kind of file is this?  The readers of traces and .npz games look at a
 * file's first bytes (its magic) before parsing, so a file of the wrong type
 * says what it is and what was expected ("game.npz: this is a zip archive (a
 * shapiq .npz game?), expected a spexbench trace ...") instead of failing deep
 * inside the wrong parser ("NUL byte (corrupt file)"). */
#ifndef SB_FILETYPE_H
#define SB_FILETYPE_H

#include <stddef.h>

#include "core/error.h"

typedef enum sb_file_kind {
  SB_FILE_UNKNOWN = 0, /* none of the below */
  SB_FILE_EMPTY,       /* no bytes */
  SB_FILE_TRACE,       /* "SBTRACE" text, plain or as the start of a gzip member */
  SB_FILE_GZIP,        /* gzip whose text does not start with "SBTRACE" */
  SB_FILE_ZIP,         /* a zip archive (an .npz is one) */
  SB_FILE_NPY,         /* a single NumPy array ("\x93NUMPY") */
  SB_FILE_JSON         /* text starting with '{' or '[' (a shapiq JSON game?) */
} sb_file_kind;

/* Classify the first `len` bytes of a file (a few hundred are plenty; a gzip
 * member is inflated just far enough to see its first bytes). */
sb_file_kind sb_file_kind_of(const unsigned char *head, size_t len);
/* "a spexbench trace", "a zip archive (a shapiq .npz game?)", ... */
const char *sb_file_kind_name(sb_file_kind kind);
/* The wrong-type error: "PATH: this is <kind>, expected <expected>; <how such a
 * file is read>".  Returns SB_EFORMAT. */
int sb_file_kind_error(sb_error *err, const char *path, sb_file_kind found,
                       const char *expected);

#endif
