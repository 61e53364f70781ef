/* Private glue of the public API (include/spexbench/): the handle structs, the
 * status mapping and helpers shared by the src/api/ wrappers.  Not installed.
 *
 * Handles are thin: a spexbench_spectrum IS an sb_spectrum (pointer cast; the
 * public struct is never defined), a dataset and an oracle are small structs
 * around the internal object, a result is the typed outcome of one run. */
#ifndef SB_API_H
#define SB_API_H

#include <jansson.h>
#include <spexbench.h>

#include "core/error.h"
#include "core/spectrum.h"
#include "data/dataset.h"
#include "oracle/oracle.h"

struct spexbench_dataset {
  sb_dataset *impl;
  char *spec; /* as opened (the seed derivation of spexbench_fit uses it, as the CLI does) */
};

struct spexbench_oracle {
  sb_oracle *impl;
  spexbench_dataset *dataset; /* borrowed */
};

static inline sb_spectrum *api_spec(spexbench_spectrum *s) { return (sb_spectrum *)s; }
static inline const sb_spectrum *api_cspec(const spexbench_spectrum *s) {
  return (const sb_spectrum *)s;
}
static inline spexbench_spectrum *api_handle(sb_spectrum *s) { return (spexbench_spectrum *)s; }

/* First use of the library: GSL's abort() handler replaced (once per process). */
void api_init(void);
/* Copy an internal error into the caller's struct (may be NULL); returns rc. */
int api_fail(spexbench_error *out, int rc, const sb_error *in);
/* Record an error directly (printf-style); returns code. */
int api_error(spexbench_error *out, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Clear *out (may be NULL) and return SPEXBENCH_OK. */
int api_ok(spexbench_error *out);
/* SPEXBENCH_EINVAL "FUNC: masks have bits set at positions >= n (mask J)" when
 * a caller's packed mask breaks the layout's invariant, else SPEXBENCH_OK. */
int api_check_masks(const uint64_t *masks, size_t count, size_t n, const char *func,
                    spexbench_error *err);

/* Compact JSON text of j (NULL j or ENOMEM: NULL); malloc'd, so the caller's
 * spexbench_free releases it whatever allocator jansson was given. */
char *api_json_text(const json_t *j);

#endif
