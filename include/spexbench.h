/* spexbench: the public C API (umbrella header).
 *
 *   #include <spexbench.h>
 *   cc prog.c $(pkg-config --cflags --libs spexbench)
 *
 * spexbench/common.h     status codes, the error struct, masks, version
 * spexbench/spectrum.h   sparse Fourier / Möbius spectra: eval, top-k, conversion, JSON
 * spexbench/dataset.h    datasets from a spec or a C callback; the counting oracle
 * spexbench/run.h        algorithms by name; spexbench_fit; results
 * spexbench/indices.h    interaction indices (SII, FSII, ...); R² metrics
 *
 * docs/LIBRARY.md describes the conventions (ownership, errors, masks) with an
 * example; examples/c/explain.c is a complete program. */
#ifndef SPEXBENCH_H
#define SPEXBENCH_H

#include "spexbench/version.h"
#include "spexbench/common.h"
#include "spexbench/spectrum.h"
#include "spexbench/dataset.h"
#include "spexbench/run.h"
#include "spexbench/indices.h"

#endif
