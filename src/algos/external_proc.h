/* The child process of an `external` algorithm (algos/external.c): a program run
 * as `/bin/sh -c CMD` with its stdin and stdout on one socket (line-oriented
 * messages both ways) and its stderr on a pipe that is drained all the time into
 * a small tail buffer, so a program that floods stderr can never block.
 *
 * The program runs under core/proc.h's guard, in its own process group that is
 * killed when the process that started it dies (even by SIGKILL), so it cannot
 * outlive its run; it also sees end of input when the harness goes away.  Every
 * wait has a deadline. */
#ifndef SB_EXTERNAL_PROC_H
#define SB_EXTERNAL_PROC_H

#include <stddef.h>

#include "core/error.h"

typedef struct sb_xproc sb_xproc;

/* Start CMD.  Lines the program sends may be at most max_line bytes.  Caller
 * frees with sb_xproc_free.  NULL with err set (SB_EORACLE / SB_ENOMEM). */
sb_xproc *sb_xproc_start(const char *cmd, size_t max_line, sb_error *err);

/* Queue `len` bytes for the program's stdin (copied; sent by sb_xproc_next_line). */
int sb_xproc_queue(sb_xproc *p, const char *data, size_t len, sb_error *err);

/* Send everything queued, then wait for one complete line from the program's
 * stdout, draining stderr meanwhile.  *line (NUL-terminated, without the '\n';
 * a trailing '\r' is dropped) stays valid until the next call.  At most `timeout`
 * seconds without the line.  SB_EORACLE with a message naming the fault
 * ("no message within 2 s (timeout)", "closed its output: process exited with
 * status 1", "sent a line longer than N bytes"); the program is then killed. */
int sb_xproc_next_line(sb_xproc *p, double timeout, char **line, size_t *len, sb_error *err);

/* Send everything queued (at most `timeout` seconds; a program that has exited
 * is not an error here).  Same faults as sb_xproc_next_line. */
int sb_xproc_flush(sb_xproc *p, double timeout, sb_error *err);

/* Close the program's stdin, give it `grace` seconds to exit, then kill its process
 * group and reap it.  Idempotent.  Remaining stderr is drained into the tail. */
void sb_xproc_finish(sb_xproc *p, double grace);

/* How the process ended ("exited with status 1", "was killed by signal 9"), or
 * "is running"; valid until sb_xproc_free. */
const char *sb_xproc_status(const sb_xproc *p);
/* Exit status if it exited normally, else -1. */
int sb_xproc_exit_code(const sb_xproc *p);

/* The last lines of the program's stderr (at most len-1 bytes, control
 * characters replaced, lines joined with " | "); "" if it wrote none.  Total
 * bytes written to stderr in *total (may be NULL). */
void sb_xproc_stderr_tail(const sb_xproc *p, char *buf, size_t len, size_t *total);

/* Finish (kill) and free.  NULL is a no-op. */
void sb_xproc_free(sb_xproc *p);

#endif
