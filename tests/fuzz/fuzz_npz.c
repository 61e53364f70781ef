/* libFuzzer target: the shapiq .npz reader (zip directory, inflate with the
 * zip-bomb guard, CRC, .npy headers, row mapping) on arbitrary bytes.  Any input
 * must give SB_OK or an error status with a message, never a crash, a leak or a
 * read out of bounds.  Build with -DSB_FUZZ=ON (clang); seeds in corpus/npz/
 * (tiny synthetic zips, named *.zipseed: the recorded games stay in ../shared). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "trace/npz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sb_npz_game *g = NULL;
  sb_error e;
  int rc = sb_npz_game_parse(data, size, "fuzz.npz", &g, &e);
  if (rc == SB_OK) {
    volatile double s = 0;
    for (size_t x = 0; x < ((size_t)1 << g->n); x++) s += g->table[x];
    (void)s;
    sb_npz_game_free(g);
  } else if (!strstr(e.msg, "fuzz.npz")) {
    __builtin_trap(); /* every error names the file */
  }
  return 0;
}
