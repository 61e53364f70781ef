/* Gradient histograms over packed binary rows — the hot loop of the native
 * booster (proxyspex/gbdt.h).
 *
 * For the node rows idx[lo, hi) of a row-major packed bit matrix xb (row r at
 * xb + r·rw, bit j of the row = feature j, the proxyspex mask layout):
 *     G[j] = Σ_a g[idx[a]] · x_{idx[a], j}       C[j] = Σ_a x_{idx[a], j}
 * for every feature j < n.  Each G[j] is accumulated in double, one row at a
 * time in idx order, skipping rows whose bit is 0 — the same sequence of
 * additions in every kernel, so the scalar, AVX2 and AVX-512 kernels return
 * bit-identical histograms (a test checks it) and a fit does not depend on
 * which one the CPU runs.
 *
 * Cost ∝ node rows × n / (lanes per instruction) and the data touched is the
 * packed rows (n/8 bytes per row), so the whole training set of a ProxySPEX
 * fit at n = 1024, 8,000 queries (≈ 1 MB) stays in L2. */
#ifndef SB_PROXYSPEX_GBDT_HIST_H
#define SB_PROXYSPEX_GBDT_HIST_H

#include <stddef.h>
#include <stdint.h>

typedef void (*sb_gbdt_hist_fn)(const uint64_t *xb, size_t rw, const double *g,
                                const size_t *idx, size_t lo, size_t hi, size_t n, double *G,
                                uint32_t *C);

/* The kernel called `name` ("scalar", "avx2", "avx512") if this build has it
 * and this CPU runs it, else NULL; "auto" = the fastest available. */
sb_gbdt_hist_fn sb_gbdt_hist_kernel(const char *name);
/* The name of the kernel "auto" picks (for benchmark and run logs). */
const char *sb_gbdt_hist_auto_name(void);

#endif
