/* Error helpers and the GSL error handler (GSL's default handler calls abort()). */
#include "core/error.h"

#include <gsl/gsl_errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int sb_error_set(sb_error *err, int code, const char *fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    err->code = code;
  }
  return code;
}

int sb_error_prefix(sb_error *err, const char *fmt, ...) {
  if (!err) return SB_EINVAL;
  char prefix[512], old[sizeof err->msg];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  memcpy(old, err->msg, sizeof old);
  /* the prefix (< 512 bytes) first; the old message gets what room is left */
  int room = (int)(sizeof err->msg - strlen(prefix) - 3);
  snprintf(err->msg, sizeof err->msg, "%s: %.*s", prefix, room, old);
  return err->code;
}

void sb_error_clear(sb_error *err) {
  if (err) {
    err->code = SB_OK;
    err->msg[0] = '\0';
  }
}

const char *sb_status_name(int code) {
  switch (code) {
  case SB_OK: return "ok";
  case SB_EINVAL: return "invalid";
  case SB_ENOMEM: return "nomem";
  case SB_EIO: return "io";
  case SB_EFORMAT: return "format";
  case SB_EBUDGET: return "budget";
  case SB_ESKIP: return "skipped";
  case SB_EUNSUPPORTED: return "unsupported";
  case SB_ENUMERIC: return "numeric";
  case SB_EORACLE: return "oracle";
  case SB_EINTR: return "interrupted";
  default: return "error";
  }
}

static _Thread_local char gsl_last[512];

static void sb_gsl_handler(const char *reason, const char *file, int line, int gsl_errno) {
  snprintf(gsl_last, sizeof gsl_last, "GSL: %s (%s:%d, %s)", reason, file, line,
           gsl_strerror(gsl_errno));
}

void sb_gsl_install_handler(void) { gsl_set_error_handler(sb_gsl_handler); }

const char *sb_gsl_last_error(void) {
  static _Thread_local char copy[512];
  memcpy(copy, gsl_last, sizeof copy);
  gsl_last[0] = '\0';
  return copy;
}
