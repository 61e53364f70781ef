/* A live model as a child process speaking the spexbench line protocol
 * (docs/TRACE_FORMAT.md, "Live models"):
 *
 *   harness -> model   one mask per line as n '0'/'1' characters (feature 0 first),
 *                      then an empty line: the end of the batch
 *   model -> harness   one value per mask, one per line, in order (decimal text
 *                      strtod accepts), then an empty line; flushed
 *
 * The model runs as `/bin/sh -c CMD` in its own process group with stdin and
 * stdout connected to a socket pair (writes use MSG_NOSIGNAL, so a dead model is
 * an error, never a SIGPIPE); stderr is inherited.  Closing its stdin asks it to
 * exit.  Every failure — exit, a signal, a timeout, output that is not a number
 * (text, a NUL byte, a line of spaces), NaN/Inf, more or fewer lines than masks —
 * is SB_EORACLE with a message naming it, and the process is killed.  The answers
 * of the batch that arrived before the fault are kept (they were read in order,
 * one line each), except when the framing itself broke (more or fewer lines than
 * masks, output after the end line): then which value is whose is unknown and
 * none of that batch is kept.  The model runs under a guard process that kills
 * its whole process group when the harness dies, even by SIGKILL. */
#ifndef SB_MODEL_PROC_H
#define SB_MODEL_PROC_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct sb_model_proc sb_model_proc;

/* Start CMD for masks of n features.  start_timeout (s) is added to the deadline of
 * the first batch (model loading); timeout (s) bounds every batch.  Caller frees
 * with sb_model_proc_free. */
sb_model_proc *sb_model_proc_start(const char *cmd, size_t n, double start_timeout,
                                   double timeout, sb_error *err);
/* Send `count` masks (count*words words) and read their values into out.  On any
 * failure *answered (may be NULL) is the number of leading values that arrived
 * and are valid, the process is killed, and SB_EORACLE is returned. */
int sb_model_proc_eval(sb_model_proc *p, const uint64_t *masks, size_t count, double *out,
                       size_t *answered, sb_error *err);
/* 1 while the process is usable (started and no failure). */
int sb_model_proc_alive(const sb_model_proc *p);
/* Close the model's stdin, give it up to a second to exit, then kill its group. */
void sb_model_proc_free(sb_model_proc *p);

#endif
