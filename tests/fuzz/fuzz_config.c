/* libFuzzer target: the INI experiment-config parser and grid expansion
 * (sb_config_load).  The input is written to a temporary file because the
 * parser reads a path (relative `path =` globs resolve next to it).  Any input
 * must give either a config or an error with a message; never a crash, a leak
 * or undefined behaviour. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char path[64];
  if (!path[0]) {
    snprintf(path, sizeof path, "/tmp/sbfuzz-config-%ld.ini", (long)getpid());
  }
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
