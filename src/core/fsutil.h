/* File-system helpers: atomic writes (temp file in the same directory + fsync +
 * rename), recursive mkdir, whole-file reads.  A result file is either complete
 * or absent; a crash or SIGINT never leaves a truncated one behind. */
#ifndef SB_FSUTIL_H
#define SB_FSUTIL_H

#include <jansson.h>
#include <stdio.h>

#include "core/error.h"

typedef struct sb_atomic_file {
  FILE *fp;          /* write here */
  char path[4096];   /* final path */
  char tmp[4096];    /* temporary path */
  int fd;            /* the temporary file under fp */
  int write_errno;   /* errno of the first failed write(2) through fp, or 0 */
} sb_atomic_file;

/* Open a temporary file next to `path`.  SB_EIO with a message on failure.
 * `af` must stay where it is until commit or abort (fp's writes record their
 * errno in it, so a failure reported at commit names the real cause). */
int sb_atomic_open(sb_atomic_file *af, const char *path, sb_error *err);
/* Flush, fsync and rename over `path`; on any failure the temp file is removed
 * and the old `path` (if any) is untouched. */
int sb_atomic_commit(sb_atomic_file *af, sb_error *err);
/* Close and remove the temporary file (no-op if already committed). */
void sb_atomic_abort(sb_atomic_file *af);

int sb_write_file_atomic(const char *path, const void *data, size_t len, sb_error *err);
int sb_json_write_atomic(const json_t *j, const char *path, sb_error *err);
/* mkdir -p; SB_EIO naming the directory on failure. */
int sb_mkdir_p(const char *dir, sb_error *err);
/* Read a whole file; caller frees *data (NUL-terminated for convenience). */
int sb_read_file(const char *path, char **data, size_t *len, sb_error *err);
int sb_file_exists(const char *path);

#endif
