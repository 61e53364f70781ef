/* Public API: version, status names, errors and the checks every wrapper
 * shares (include/spexbench/common.h).  The public status codes are the
 * internal ones (core/error.h); the asserts below keep them equal. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"

/* (int) casts: the two enums are different types with the same values. */
#define SAME(pub, internal) ((int)(pub) == (int)(internal))
_Static_assert(SAME(SPEXBENCH_OK, SB_OK) && SAME(SPEXBENCH_EINVAL, SB_EINVAL) &&
                   SAME(SPEXBENCH_ENOMEM, SB_ENOMEM) && SAME(SPEXBENCH_EIO, SB_EIO) &&
                   SAME(SPEXBENCH_EFORMAT, SB_EFORMAT) && SAME(SPEXBENCH_EBUDGET, SB_EBUDGET) &&
                   SAME(SPEXBENCH_ESKIP, SB_ESKIP) &&
                   SAME(SPEXBENCH_EUNSUPPORTED, SB_EUNSUPPORTED) &&
                   SAME(SPEXBENCH_ENUMERIC, SB_ENUMERIC) && SAME(SPEXBENCH_EORACLE, SB_EORACLE) &&
                   SAME(SPEXBENCH_EINTR, SB_EINTR),
               "public status codes must equal core/error.h's");
_Static_assert(SPEXBENCH_ERROR_MESSAGE_SIZE == sizeof(((sb_error *)0)->msg),
               "public and internal error messages have the same size");
_Static_assert(SAME(SPEXBENCH_FOURIER, SB_BASIS_FOURIER) && SAME(SPEXBENCH_MOBIUS, SB_BASIS_MOBIUS),
               "public bases must equal core/spectrum.h's");

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

void api_init(void) { pthread_once(&init_once, sb_gsl_install_handler); }

int api_fail(spexbench_error *out, int rc, const sb_error *in) {
  if (out) {
    out->code = rc;
    if (rc == SB_OK) out->message[0] = '\0';
    else if (in && in->msg[0]) snprintf(out->message, sizeof out->message, "%s", in->msg);
    else snprintf(out->message, sizeof out->message, "%s", sb_status_name(rc));
  }
  return rc;
}

int api_error(spexbench_error *out, int code, const char *fmt, ...) {
  if (out) {
    out->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->message, sizeof out->message, fmt, ap);
    va_end(ap);
  }
  return code;
}

int api_ok(spexbench_error *out) { return api_fail(out, SB_OK, NULL); }

int api_check_masks(const uint64_t *masks, size_t count, size_t n, const char *func,
                    spexbench_error *err) {
  if (count && !masks) return api_error(err, SB_EINVAL, "%s: masks is NULL", func);
  size_t words = sb_mask_words(n);
  if (n % 64 == 0) return SB_OK;
  uint64_t pad = ~(((uint64_t)1 << (n % 64)) - 1);
  for (size_t j = 0; j < count; j++)
    if (masks[j * words + words - 1] & pad)
      return api_error(err, SB_EINVAL,
                       "%s: mask %zu has bits set at positions >= n = %zu (packed masks keep "
                       "the bits past n zero)",
                       func, j, n);
  return SB_OK;
}

char *api_json_text(const json_t *j) {
  if (!j) return NULL;
  char *t = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(17));
  if (!t) return NULL;
  char *copy = strdup(t);
  json_free_t jfree;
  json_get_alloc_funcs(NULL, &jfree);
  jfree(t);
  return copy;
}

const char *spexbench_status_name(int code) { return sb_status_name(code); }

const char *spexbench_version(void) { return SPEXBENCH_VERSION_STRING; }

unsigned spexbench_version_number(void) { return SPEXBENCH_VERSION_HEX; }

void spexbench_free(void *p) { free(p); }
