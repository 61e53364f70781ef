/* libFuzzer target: the trace reader (strict and recover modes) on arbitrary
 * bytes, fed through a memfd so the real file path is exercised (gzip members,
 * line framing, header JSON, records, batch trailers).  Errors must name the
 * file; never a crash or leak.  Seeds in corpus/trace/. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create (CMake defines it for the library build) */
#endif
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "trace/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  int fd = memfd_create("fuzz.sbt", 0);
  if (fd < 0) return 0;
  if (size && write(fd, data, size) != (ssize_t)size) {
    close(fd);
    return 0;
  }
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  for (int mode = 0; mode < 2; mode++) {
    sb_trace *t = NULL;
    sb_error e;
    sb_trace_read_info info;
    int rc = sb_trace_read(path, mode ? SB_TRACE_READ_RECOVER : SB_TRACE_READ_STRICT, &t, &info, &e);
    if (rc == SB_OK) {
      for (size_t i = 0; i < t->count; i++)
        if (sb_trace_find(t, t->masks + i * t->words) != (long)i) __builtin_trap();
      sb_trace_free(t);
    } else if (!strstr(e.msg, path)) {
      __builtin_trap();
    }
  }
  close(fd);
  return 0;
}
