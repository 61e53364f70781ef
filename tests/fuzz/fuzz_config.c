/* libFuzzer target: the INI experiment-config parser and grid expansion
 * (sb_config_load).  The input is written to a temporary file because the
 * parser reads a path (relative `path =` globs resolve next to it).  Any input
 * must give either a config or an error with a message; never a crash, a leak
 * or undefined behaviour. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runner/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* The config lives alone in a private directory and inputs naming other
   * directories are skipped, so `path =` globs (whose matches the loader stats and
   * hashes, never opening a dataset or forking) can only see the config itself,
   * never /dev, /proc or a whole file system to hash. */
  static char dir[64], path[96];
  if (!dir[0]) {
    snprintf(dir, sizeof dir, "/tmp/sbfuzz-config-%ld", (long)getpid());
    mkdir(dir, 0700);
    snprintf(path, sizeof path, "%s/c.ini", dir);
  }
  if (memchr(data, '/', size)) return 0;
  FILE *fp = fopen(path, "wb");
  if (!fp) abort();
  if (size && fwrite(data, 1, size, fp) != size) abort();
  fclose(fp);
  sb_error err = {0};
  sb_config *c = NULL;
  int rc = sb_config_load(path, &c, &err);
  if (rc == SB_OK) {
    if (!c) abort();
    for (size_t i = 0; i < c->n_runs; i++)
      if (!c->runs[i].id || !c->runs[i].dataset_spec) abort();
  } else {
    if (c || !err.msg[0]) abort(); /* an error must come with a message */
  }
  sb_config_free(c);
  return 0;
}
