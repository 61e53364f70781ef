/* Shortened binary BCH codes for SPEX's delays and its singleton decoder
 * (../shared/design/ALGORITHMS.md §4: "Delays come from a shortened binary BCH code with designed
 * distance 2t+1 ... BCH decode (syndromes -> Berlekamp–Massey -> Chien search
 * over GF(2^m))").
 *
 * Construction: the generator is the product of the distinct minimal polynomials
 * of α^i, i = 1..2t (one per cyclotomic coset), computed in GF(2^m) and checked
 * to have binary coefficients.  Parities of the unit messages come from an LFSR
 * (x^{r+i} mod g).  Decoding: syndromes are XORs of precomputed columns (so the
 * Chase decoder can flip bits in O(2t)), Berlekamp–Massey gives the error
 * locator Λ, and a Chien search in the log domain over the r + n unshortened
 * positions finds its roots (degree 1 is solved directly; a Λ that does not split
 * into distinct linear factors over GF(2^m) is rejected first, without the search). */
#include "spex/bch.h"

#include <stdlib.h>
#include <string.h>

void sb_bch_free(sb_bch *c) {
  if (!c) return;
  free(c->par);
  free(c->syn);
  free(c->gen);
  sb_gf2m_free(c->gf);
  free(c);
}

/* Generator polynomial of the designed-distance-(2t+1) code over gf into g
 * (capacity cap+1 coefficients); returns its degree, or -1 on overflow / a
 * non-binary coefficient (cannot happen for a correct field). */
static long bch_generator(const sb_gf2m *gf, unsigned t, uint8_t *g, size_t cap) {
  uint32_t nc = gf->order;
  uint8_t *seen = calloc(nc, 1);
  uint32_t *mp = malloc((size_t)(gf->m + 1) * sizeof *mp); /* minimal poly, GF coeffs */
  if (!seen || !mp) {
    free(seen);
    free(mp);
    return -1;
  }
  memset(g, 0, cap + 1);
  g[0] = 1;
  long deg = 0;
  for (uint32_t i = 1; i <= 2 * t; i++) {
    uint32_t i0 = i % nc;
    if (seen[i0]) continue;
    /* Π_{j in coset(i)} (x + α^j) */
    size_t md = 0;
    mp[0] = 1;
    uint32_t j = i0;
    do {
      seen[j] = 1;
      uint32_t root = gf->exp[j];
      mp[md + 1] = 0;
      for (size_t q = md + 1; q > 0; q--) mp[q] = mp[q - 1] ^ sb_gf2m_mul(gf, mp[q], root);
      mp[0] = sb_gf2m_mul(gf, mp[0], root);
      md++;
      j = (uint32_t)(((uint64_t)j * 2) % nc);
    } while (j != i0 && md <= gf->m);
    if ((size_t)deg + md > cap) {
      deg = -1;
      break;
    }
    /* g *= mp (binary) */
    uint8_t *ng = calloc(cap + 1, 1);
    if (!ng) {
      deg = -1;
      break;
    }
    int ok = 1;
    for (size_t q = 0; q <= md; q++) {
      if (mp[q] > 1) ok = 0;
      if (!mp[q]) continue;
      for (long a = 0; a <= deg; a++) ng[a + (long)q] ^= g[a];
    }
    memcpy(g, ng, cap + 1);
    free(ng);
    if (!ok) {
      deg = -1;
      break;
    }
    deg += (long)md;
  }
  free(seen);
  free(mp);
  return deg;
}

sb_bch *sb_bch_alloc(size_t n, unsigned t, sb_error *err) {
  if (t < 1 || t > SB_BCH_MAX_T || n < 1) {
    sb_error_set(err, SB_EINVAL, "BCH: t = %u, n = %zu: expected 1 <= t <= %d, n >= 1", t, n,
                 SB_BCH_MAX_T);
    return NULL;
  }
  unsigned m = 2;
  while (((size_t)1 << m) < 2 * (size_t)t + 2) m++;
  sb_bch *c = calloc(1, sizeof *c);
  if (!c) goto nomem;
  c->t = t;
  c->n = n;
  for (;; m++) {
    if (m > SB_GF2M_MAX_M) {
      sb_error_set(err, SB_EINVAL, "BCH: no code with t = %u has %zu information bits (m <= %d)",
                   t, n, SB_GF2M_MAX_M);
      sb_bch_free(c);
      return NULL;
    }
    sb_gf2m_free(c->gf);
    free(c->gen);
    c->gf = sb_gf2m_alloc(m, err);
    if (!c->gf) {
      sb_bch_free(c);
      return NULL;
    }
    size_t cap = (size_t)2 * t * m + 1;
    c->gen = malloc(cap + 1);
    if (!c->gen) goto nomem;
    long deg = bch_generator(c->gf, t, c->gen, cap);
    if (deg < 0) {
      sb_error_set(err, SB_EINVAL, "BCH: generator construction failed for m = %u, t = %u", m,
                   t);
      sb_bch_free(c);
      return NULL;
    }
    c->m = m;
    c->nc = c->gf->order;
    c->r = (size_t)deg;
    if (c->r < c->nc && c->nc - c->r >= n) break;
  }
  c->kc = c->nc - c->r;
  c->pw = (c->r + 63) / 64;
  c->par = calloc(n * c->pw, sizeof *c->par);
  c->syn = malloc(c->r * 2 * t * sizeof *c->syn);
  uint64_t *s = calloc(c->pw, sizeof *s), *glow = calloc(c->pw, sizeof *glow);
  if (!c->par || !c->syn || !s || !glow) {
    free(s);
    free(glow);
    goto nomem;
  }
  for (size_t q = 0; q < c->r; q++)
    if (c->gen[q]) glow[q >> 6] |= (uint64_t)1 << (q & 63);
  memcpy(s, glow, c->pw * sizeof *s); /* x^r mod g */
  for (size_t i = 0; i < n; i++) {
    memcpy(c->par + i * c->pw, s, c->pw * sizeof *s);
    /* s = s * x mod g */
    int top = (int)((s[(c->r - 1) >> 6] >> ((c->r - 1) & 63)) & 1);
    for (size_t w = c->pw; w-- > 0;) s[w] = (s[w] << 1) | (w ? s[w - 1] >> 63 : 0);
    if (c->r & 63) s[c->pw - 1] &= ((uint64_t)1 << (c->r & 63)) - 1;
    if (top)
      for (size_t w = 0; w < c->pw; w++) s[w] ^= glow[w];
  }
  free(s);
  free(glow);
  for (size_t q = 0; q < c->r; q++)
    for (unsigned j = 1; j <= 2 * t; j++)
      c->syn[q * 2 * t + j - 1] = sb_gf2m_alpha_pow(c->gf, (long long)j * (long long)q);
  return c;
nomem:
  sb_bch_free(c);
  sb_error_set(err, SB_ENOMEM, "BCH: out of memory (n = %zu, t = %u)", n, t);
  return NULL;
}

void sb_bch_encode(const sb_bch *c, const size_t *idx, size_t len, uint64_t *parity) {
  memset(parity, 0, c->pw * sizeof *parity);
  for (size_t a = 0; a < len; a++) {
    const uint64_t *row = c->par + idx[a] * c->pw;
    for (size_t w = 0; w < c->pw; w++) parity[w] ^= row[w];
  }
}

void sb_bch_syndromes(const sb_bch *c, const uint64_t *parity, uint32_t *S) {
  memset(S, 0, 2 * c->t * sizeof *S);
  for (size_t w = 0; w < c->pw; w++) {
    uint64_t bits = parity[w];
    while (bits) {
      size_t q = w * 64 + (size_t)__builtin_ctzll(bits);
      bits &= bits - 1;
      sb_bch_syndromes_flip(c, S, q);
    }
  }
}

/* 1 if Λ (degree L >= 2, coefficients C[0..L]) divides x^{2^m} − x, i.e. splits
 * into L distinct linear factors over GF(2^m): x^{2^m} mod Λ by m squarings, about
 * m·L² multiplications.  A Λ that does not split has fewer than L roots, so the
 * Chien search (r + n positions) would fail anyway; most failed decodes (Chase
 * patterns, multitons) are rejected here without it. */
static int locator_splits(const sb_gf2m *gf, const uint32_t *C, unsigned L) {
  uint32_t M[SB_BCH_MAX_T + 1], r[SB_BCH_MAX_T], sq[2 * SB_BCH_MAX_T];
  const uint32_t inv = sb_gf2m_inv(gf, C[L]);
  for (unsigned k = 0; k <= L; k++) M[k] = sb_gf2m_mul(gf, C[k], inv); /* monic */
  memset(r, 0, sizeof r);
  r[1] = 1; /* x */
  for (unsigned it = 0; it < gf->m; it++) {
    memset(sq, 0, sizeof sq);
    for (unsigned i = 0; i < L; i++) sq[2 * i] = sb_gf2m_mul(gf, r[i], r[i]);
    for (unsigned d = 2 * L - 2; d >= L; d--) {
      const uint32_t coef = sq[d];
      if (!coef) continue;
      for (unsigned k = 0; k < L; k++) sq[d - L + k] ^= sb_gf2m_mul(gf, coef, M[k]);
      sq[d] = 0;
    }
    memcpy(r, sq, L * sizeof *r);
  }
  for (unsigned k = 0; k < L; k++)
    if (r[k] != (k == 1)) return 0;
  return 1;
}

int sb_bch_decode_syndromes(const sb_bch *c, const uint32_t *S, size_t *msg, size_t *msg_len,
                            size_t *parity_errors) {
  const sb_gf2m *gf = c->gf;
  const unsigned t2 = 2 * c->t;
  *msg_len = 0;
  if (parity_errors) *parity_errors = 0;
  int any = 0;
  for (unsigned j = 0; j < t2; j++) any |= S[j] != 0;
  if (!any) return SB_OK; /* the zero codeword: k = ∅ */

  /* Berlekamp–Massey: Λ(x) = C, degree L. */
  uint32_t C[2 * SB_BCH_MAX_T + 2] = {0}, B[2 * SB_BCH_MAX_T + 2] = {0},
           T[2 * SB_BCH_MAX_T + 2];
  C[0] = B[0] = 1;
  unsigned L = 0, shift = 1;
  uint32_t bprev = 1;
  for (unsigned nn = 0; nn < t2; nn++) {
    uint32_t d = S[nn];
    for (unsigned i = 1; i <= L; i++) d ^= sb_gf2m_mul(gf, C[i], S[nn - i]);
    if (!d) {
      shift++;
      continue;
    }
    uint32_t coef = sb_gf2m_mul(gf, d, sb_gf2m_inv(gf, bprev));
    if (2 * L <= nn) {
      memcpy(T, C, sizeof T);
      for (unsigned i = 0; i + shift <= t2; i++) C[i + shift] ^= sb_gf2m_mul(gf, coef, B[i]);
      L = nn + 1 - L;
      memcpy(B, T, sizeof B);
      bprev = d;
      shift = 1;
    } else {
      for (unsigned i = 0; i + shift <= t2; i++) C[i + shift] ^= sb_gf2m_mul(gf, coef, B[i]);
      shift++;
    }
  }
  if (L > c->t || C[L] == 0) return -1;
  for (unsigned i = L + 1; i <= t2; i++)
    if (C[i]) return -1;

  /* Roots of Λ: Λ(α^{-pos}) = 0 <=> error at position pos (0 <= pos < r + n). */
  const size_t npos = c->r + c->n;
  size_t pos_found[SB_BCH_MAX_T];
  size_t nfound = 0;
  if (L == 1) {
    size_t pos = gf->log[C[1]];
    if (pos >= npos) return -1;
    pos_found[nfound++] = pos;
  } else {
    if (!locator_splits(gf, C, L)) return -1;
    const uint32_t ord = gf->order;
    uint32_t e[SB_BCH_MAX_T + 1];
    unsigned nz[SB_BCH_MAX_T + 1], nnz = 0;
    for (unsigned i = 1; i <= L; i++)
      if (C[i]) {
        nz[nnz] = i;
        e[nnz++] = gf->log[C[i]];
      }
    for (size_t pos = 0; pos < npos; pos++) {
      uint32_t v = 1;
      for (unsigned a = 0; a < nnz; a++) {
        v ^= gf->exp[e[a]];
        e[a] = e[a] >= nz[a] ? e[a] - nz[a] : e[a] + ord - nz[a];
      }
      if (!v) {
        pos_found[nfound++] = pos;
        if (nfound == L) break;
      }
    }
    if (nfound != L) return -1;
  }
  size_t perr = 0;
  for (size_t a = 0; a < nfound; a++) {
    if (pos_found[a] < c->r) perr++;
    else msg[(*msg_len)++] = pos_found[a] - c->r;
  }
  if (parity_errors) *parity_errors = perr;
  return SB_OK;
}

int sb_bch_decode(const sb_bch *c, const uint64_t *parity, size_t *msg, size_t *msg_len,
                  size_t *parity_errors) {
  uint32_t S[2 * SB_BCH_MAX_T];
  sb_bch_syndromes(c, parity, S);
  return sb_bch_decode_syndromes(c, S, msg, msg_len, parity_errors);
}
