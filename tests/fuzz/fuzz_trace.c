/* libFuzzer target: the trace reader (sb_trace_read, strict and recover modes)
 * on a temporary file: gzip members or plain text, header JSON, records, batch
 * trailers.  Every input gives a trace or an error naming the file; in recover
 * mode whatever is kept must be a consistent trace (each record findable). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trace/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char path[64];
  if (!path[0]) snprintf(path, sizeof path, "/tmp/sbfuzz-trace-%ld.sbt.gz", (long)getpid());
  FILE *fp = fopen(path, "wb");
  if (!fp) abort();
  if (size && fwrite(data, 1, size, fp) != size) abort();
  fclose(fp);
  for (int mode = 0; mode < 2; mode++) {
    sb_trace *t = NULL;
    sb_trace_read_info info;
    sb_error err = {0};
    int rc = sb_trace_read(path, mode ? SB_TRACE_READ_RECOVER : SB_TRACE_READ_STRICT, &t, &info,
                           &err);
    if (rc == SB_OK) {
      if (!t || t->h.n == 0) abort();
      for (size_t i = 0; i < t->count; i++)
        if (sb_trace_find(t, t->masks + i * t->words) != (long)i) abort();
    } else if (t || !strstr(err.msg, path)) {
      abort(); /* an error must name the file */
    }
    sb_trace_free(t);
  }
  return 0;
}
