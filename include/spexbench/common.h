/* spexbench public API: conventions shared by every header.
 *
 * Errors.  A function that can fail returns an int status (SPEXBENCH_OK = 0 or
 * one of the codes below) and takes a `spexbench_error *err` as its last
 * argument.  On failure it fills `err` (when not NULL) with the same code and a
 * message that names the fault: the file and line or record, the parameter and
 * what was expected.  The struct is the caller's (usually on the stack), so
 * errors are thread-safe and there is no hidden "last error" state.
 * Constructors return their object through an `**out` argument, set to NULL on
 * failure.
 *
 * Ownership.  Every object a function hands out is either *owned by the caller*
 * (free it with the named spexbench_*_free function; every _free accepts NULL)
 * or *borrowed* (valid as long as the object it came from).  Each prototype
 * says which.  Strings the library allocates are freed with spexbench_free.
 *
 * Masks.  A mask x ∈ {0,1}^n (x_i = 1 keeps feature i) is packed into
 * spexbench_mask_words(n) 64-bit words: feature i is bit i%64 of word i/64, and
 * bits at positions >= n are zero.  A batch of `count` masks is one contiguous
 * array of count * words words, mask j starting at word j * words.  A set
 * S ⊆ {0..n-1} (a spectrum term, an interaction) uses the same layout or, where
 * a prototype says so, a list of feature indices.
 *
 * Threads.  Handles are not thread-safe: use one from one thread at a time.
 * Different handles may be used from different threads.  The library uses
 * OpenMP inside some calls and installs a GSL error handler that returns
 * status codes instead of aborting (gsl_set_error_handler) on first use. */
#ifndef SPEXBENCH_COMMON_H
#define SPEXBENCH_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "spexbench/version.h"

/* SPEXBENCH_API marks the exported functions.  The library is compiled with
 * -fvisibility=hidden and SPEXBENCH_BUILDING, so only these are visible in
 * libspexbench.so; for programs using the library it expands to nothing. */
#if defined(SPEXBENCH_BUILDING) && defined(__GNUC__)
#define SPEXBENCH_API __attribute__((visibility("default")))
#else
#define SPEXBENCH_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef enum spexbench_status {
  SPEXBENCH_OK = 0,
  SPEXBENCH_EINVAL = 1,       /* bad argument or parameter value */
  SPEXBENCH_ENOMEM = 2,       /* allocation failed */
  SPEXBENCH_EIO = 3,          /* read/write failure */
  SPEXBENCH_EFORMAT = 4,      /* malformed input (file or JSON text) */
  SPEXBENCH_EBUDGET = 5,      /* a batch of queries would exceed the budget */
  SPEXBENCH_ESKIP = 6,        /* the algorithm does not apply here (the message says why) */
  SPEXBENCH_EUNSUPPORTED = 7, /* the dataset cannot answer (a replayed trace lacks a mask;
                                 no true spectrum is known) */
  SPEXBENCH_ENUMERIC = 8,     /* singular system, non-finite value, failed convergence */
  SPEXBENCH_EORACLE = 9,      /* the model failed (callback error, model process died) */
  SPEXBENCH_EINTR = 10        /* interrupted by a signal */
} spexbench_status;

#define SPEXBENCH_ERROR_MESSAGE_SIZE 1024

typedef struct spexbench_error {
  int code;                                   /* spexbench_status */
  char message[SPEXBENCH_ERROR_MESSAGE_SIZE]; /* "" when code is SPEXBENCH_OK */
} spexbench_error;

/* Short stable name of a status: "ok", "invalid", "nomem", "io", "format",
 * "budget", "skipped", "unsupported", "numeric", "oracle", "interrupted".
 * Static string. */
SPEXBENCH_API const char *spexbench_status_name(int code);

/* The library's version, e.g. "0.1.0" (static string), and as 0xMMmmpp.  The
 * macros in spexbench/version.h give the version a program was compiled with. */
SPEXBENCH_API const char *spexbench_version(void);
SPEXBENCH_API unsigned spexbench_version_number(void);

/* Free memory the library returned as "caller frees with spexbench_free"
 * (strings).  NULL is a no-op. */
SPEXBENCH_API void spexbench_free(void *p);

/* ---- masks (header-only helpers) ------------------------------------- */

static inline size_t spexbench_mask_words(size_t n) { return (n + 63) / 64; }
static inline int spexbench_mask_get(const uint64_t *mask, size_t i) {
  return (int)((mask[i >> 6] >> (i & 63)) & 1u);
}
static inline void spexbench_mask_set(uint64_t *mask, size_t i) {
  mask[i >> 6] |= (uint64_t)1 << (i & 63);
}

#ifdef __cplusplus
}
#endif

#endif
