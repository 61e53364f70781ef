/* Shortened binary BCH codes as used by SPEX for its delay matrix
 * (../shared/design/ALGORITHMS.md §4).
 *
 * A code with designed distance 2t+1 over GF(2^m) has length n_c = 2^m - 1 and
 * dimension k_c = n_c - deg g, g = lcm of the minimal polynomials of α..α^{2t}.
 * It is shortened to n information bits.  Systematic layout: parity bit q
 * (0 <= q < r = n_c - k_c) is the coefficient of x^q, message bit i the
 * coefficient of x^{r+i}.  For the unit message e_i the parity is
 * x^{r+i} mod g(x); the delay matrix of SPEX is D[0] = 0, D[p][i] = parity
 * bit p-1 of e_i, so P = r + 1 rows.
 *
 * A message k seen only through its parity (the message part read as zeros)
 * is a codeword with |k| errors in the message positions: decoding the parity
 * word returns k whenever |k| + (flipped parity bits) <= t. */
#ifndef SB_BCH_H
#define SB_BCH_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "spex/gf2m.h"

#define SB_BCH_MAX_T 15

typedef struct sb_bch {
  unsigned t;       /* error-correcting capability (designed distance 2t+1) */
  unsigned m;       /* field degree */
  size_t n;         /* information bits after shortening (= features) */
  size_t nc, kc;    /* length and dimension of the unshortened code */
  size_t r;         /* parity bits n_c - k_c (SPEX's P = r + 1) */
  size_t pw;        /* 64-bit words per parity vector: (r + 63) / 64 */
  uint64_t *par;    /* n*pw words: parity vector of e_i at par + i*pw (bit q = parity q) */
  uint32_t *syn;    /* r*2t: α^{j q} at syn[q*2t + j-1], j = 1..2t */
  uint8_t *gen;     /* generator polynomial, r+1 coefficients (gen[r] = 1) */
  sb_gf2m *gf;      /* the field */
} sb_bch;

/* The smallest code (m from ceil(log2(2t+2)) up) with k_c >= n, shortened to n.
 * 1 <= t <= SB_BCH_MAX_T, 1 <= n.  Caller frees with sb_bch_free. */
sb_bch *sb_bch_alloc(size_t n, unsigned t, sb_error *err);
void sb_bch_free(sb_bch *c);

/* Parity word (pw words, written) of the message with ones at idx[0..len). */
void sb_bch_encode(const sb_bch *c, const size_t *idx, size_t len, uint64_t *parity);

/* Syndromes S_1..S_2t (S[j-1]) of the word whose message part is zero and whose
 * parity part is `parity` (r bits). */
void sb_bch_syndromes(const sb_bch *c, const uint64_t *parity, uint32_t *S);
/* Flip parity bit q in a syndrome vector (S ^= column q). */
static inline void sb_bch_syndromes_flip(const sb_bch *c, uint32_t *S, size_t q) {
  const uint32_t *col = c->syn + q * 2 * c->t;
  for (unsigned j = 0; j < 2 * c->t; j++) S[j] ^= col[j];
}

/* Decode from syndromes: Berlekamp–Massey, then Chien search over the r + n
 * valid positions.  On success writes the message positions in error (sorted,
 * = the decoded message k) to msg (room for t), their count to *msg_len and the
 * number of corrected parity bits to *parity_errors (may be NULL), and returns
 * SB_OK.  Returns -1 (no error message: a decoding failure is an ordinary
 * outcome) when the locator has degree > t, or fewer roots than its degree in
 * the valid positions (e.g. a root in a shortened position). */
int sb_bch_decode_syndromes(const sb_bch *c, const uint32_t *S, size_t *msg, size_t *msg_len,
                            size_t *parity_errors);
/* Syndromes + decode. */
int sb_bch_decode(const sb_bch *c, const uint64_t *parity, size_t *msg, size_t *msg_len,
                  size_t *parity_errors);

#endif
