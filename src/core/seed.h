/* Seed derivation.  Every randomised step gets an explicit seed derived from the
 * run definition by hashing its parts, so results do not depend on run order or
 * on --jobs, and no function reads a global RNG. */
#ifndef SB_SEED_H
#define SB_SEED_H

#include <gsl/gsl_rng.h>
#include <stddef.h>
#include <stdint.h>

/* splitmix64 finaliser: the project's one 64-bit mixer (seeds, noise, the mask
 * map's hash).  Inline: it sits in the mask map's probe loop. */
static inline uint64_t sb_mix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
/* Hash a NULL-terminated list of strings together with a master seed. */
uint64_t sb_seed_derive(uint64_t master, const char *const *parts);
/* Convenience: master + one label + one integer. */
uint64_t sb_seed_sub(uint64_t seed, const char *label, uint64_t index);
/* A Mersenne-Twister generator seeded with `seed`; caller frees with gsl_rng_free. */
gsl_rng *sb_rng_alloc(uint64_t seed);
/* Uniform in [0,1) and a standard normal, both pure functions of a 64-bit key. */
double sb_hash_uniform(uint64_t key);
double sb_hash_normal(uint64_t key);

#endif
