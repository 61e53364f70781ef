/* libFuzzer target: shapiq .npz games from memory (sb_npz_game_parse): the zip
 * central directory, stored/DEFLATE members with CRC and size limits, .npy
 * headers, and the 2^n coalition table.  Every input gives a full table or an
 * error naming the file. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trace/npz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sb_npz_game *g = NULL;
  sb_error err = {0};
  int rc = sb_npz_game_parse(data, size, "fuzz.npz", &g, &err);
  if (rc == SB_OK) {
    if (!g || g->n > SB_NPZ_MAX_N || !g->table) abort();
    size_t N = (size_t)1 << g->n;
    volatile double sum = 0;
    for (size_t x = 0; x < N; x++) sum += g->table[x]; /* every entry readable */
    (void)sum;
  } else if (g || !strstr(err.msg, "fuzz.npz")) {
    abort();
  }
  sb_npz_game_free(g);
  return 0;
}
