/* Seed derivation and counter-based randomness (see seed.h). */
#include "core/seed.h"

#include <math.h>
#include <string.h>

static uint64_t hash_str(uint64_t h, const char *s) {
  /* FNV-1a over the bytes, then mixed with the running hash. */
  uint64_t f = 0xcbf29ce484222325ULL;
  for (; *s; s++) f = (f ^ (unsigned char)*s) * 0x100000001b3ULL;
  return sb_mix64(h ^ f);
}

uint64_t sb_seed_derive(uint64_t master, const char *const *parts) {
  uint64_t h = sb_mix64(master);
  for (size_t i = 0; parts && parts[i]; i++) h = hash_str(h ^ (i + 1), parts[i]);
  return h;
}

uint64_t sb_seed_sub(uint64_t seed, const char *label, uint64_t index) {
  return sb_mix64(hash_str(sb_mix64(seed), label) ^ sb_mix64(index + 0x51ed27fULL));
}

gsl_rng *sb_rng_alloc(uint64_t seed) {
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  if (!r) return NULL;
  /* mt19937 uses the low 32 bits; fold the high half in. 0 is remapped by GSL. */
  gsl_rng_set(r, (unsigned long)((seed ^ (seed >> 32)) & 0xffffffffULL));
  return r;
}

double sb_hash_uniform(uint64_t key) {
  return (double)(sb_mix64(key) >> 11) * 0x1.0p-53;
}

double sb_hash_normal(uint64_t key) {
  /* Box–Muller on two counter-derived uniforms; u1 in (0,1]. */
  double u1 = 1.0 - sb_hash_uniform(key);
  double u2 = sb_hash_uniform(key ^ 0xa0761d6478bd642fULL);
  return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}
