/* Error reporting: status codes returned up the stack, with a message naming the
 * file, line or record and what was expected.  Reported in one place (the CLI). */
#ifndef SB_ERROR_H
#define SB_ERROR_H

#include <stddef.h>

typedef enum sb_status {
  SB_OK = 0,
  SB_EINVAL,       /* bad argument or parameter value */
  SB_ENOMEM,       /* allocation failed */
  SB_EIO,          /* read/write failure */
  SB_EFORMAT,      /* malformed input file */
  SB_EBUDGET,      /* a query would exceed the budget */
  SB_ESKIP,        /* run not applicable (e.g. order too high for n); reported as skipped */
  SB_EUNSUPPORTED, /* the dataset cannot answer a mask (replay trace lacks it) */
  SB_ENUMERIC,     /* singular system, non-finite value, failed convergence */
  SB_EORACLE,      /* the model process failed (died, hung, garbage) */
  SB_EINTR         /* interrupted by a signal */
} sb_status;

typedef struct sb_error {
  int code;        /* sb_status */
  char msg[1024];  /* human-readable, names file:line/record where relevant */
} sb_error;

/* Record an error (printf-style) and return `code`.  `err` may be NULL. */
int sb_error_set(sb_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prefix an existing message ("context: old message"); returns err->code. */
int sb_error_prefix(sb_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_error_clear(sb_error *err);
/* Short stable name of a status ("ok", "invalid", "budget", ...). */
const char *sb_status_name(int code);

/* Replace GSL's abort() handler: GSL errors are recorded (thread-local) and
 * returned as status codes so one singular system is one failed run. */
void sb_gsl_install_handler(void);
/* Last GSL error message seen by this thread ("" if none); clears it. */
const char *sb_gsl_last_error(void);

#endif
