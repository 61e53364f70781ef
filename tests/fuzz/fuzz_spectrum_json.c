/* libFuzzer target: the JSON spectrum reader (json_loadb + sb_spectrum_from_json),
 * as used for saved surrogates and ground-truth spectra.  Every input must give
 * a spectrum or an error with a message; an accepted spectrum must round-trip
 * through sb_spectrum_to_json. */
#include <stdint.h>
#include <stdlib.h>

#include "core/spectrum.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  json_error_t je;
  json_t *j = json_loadb((const char *)data, size, 0, &je);
  if (!j) return 0;
  sb_error err = {0};
  sb_spectrum *s = sb_spectrum_from_json(j, "fuzz.json", &err);
  json_decref(j);
  if (!s) {
    if (!err.msg[0]) abort();
    return 0;
  }
  json_t *back = sb_spectrum_to_json(s);
  if (!back) abort();
  sb_spectrum *s2 = sb_spectrum_from_json(back, "roundtrip", &err);
  if (!s2 || sb_spectrum_size(s2) != sb_spectrum_size(s)) abort();
  json_decref(back);
  sb_spectrum_free(s2);
  sb_spectrum_free(s);
  return 0;
}
