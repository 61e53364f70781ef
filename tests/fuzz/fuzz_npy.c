/* libFuzzer target: the .npy header and data parser alone (sb_npy_parse), which
 * behind a zip's CRC check the npz target rarely reaches with mutated bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trace/npz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sb_npy a;
  sb_error err = {0};
  if (sb_npy_parse(data, size, "fuzz.npy", &a, &err) != SB_OK) {
    if (!strstr(err.msg, "fuzz.npy")) abort();
    return 0;
  }
  if (a.count && a.itemsize) {
    /* the data must lie inside the buffer: read the first and last elements */
    if (a.data < data || a.data + a.count * a.itemsize > data + size) abort();
    volatile double v = sb_npy_get_double(&a, 0) + sb_npy_get_double(&a, a.count - 1);
    volatile long long k = sb_npy_get_int(&a, a.count - 1);
    (void)v, (void)k;
  }
  return 0;
}
