/* Little-endian loads and stores for the binary formats in trace/ (zip, .npy). */
#ifndef SB_LE_H
#define SB_LE_H

#include <stdint.h>

static inline uint32_t sb_rd16(const unsigned char *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8);
}
static inline uint32_t sb_rd32(const unsigned char *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t sb_rd64(const unsigned char *p) {
  return (uint64_t)sb_rd32(p) | ((uint64_t)sb_rd32(p + 4) << 32);
}
static inline void sb_wr16(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)v;
  p[1] = (unsigned char)(v >> 8);
}
static inline void sb_wr32(unsigned char *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

#endif
