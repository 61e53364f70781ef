/* Child processes that run a shell command and never outlive the harness.
 *
 * Used by the live models (data/model_proc.c) and the external algorithm
 * protocol (algos/external_proc.c): `/bin/sh -c CMD` with its stdin and stdout on
 * one socket (the caller's end is non-blocking) and its stderr either inherited or
 * on a pipe drained into a small tail buffer (so a child that floods stderr can
 * never block on it).
 *
 * The guard.  The harness's direct child is a small guard process that leads a
 * new process group and forks the shell into it.  PR_SET_PDEATHSIG reaches only
 * a direct child, and `sh -c` may fork the real program as a grandchild, so the
 * guard is what the kernel tells when the harness dies, even by SIGKILL: it gets
 * SIGTERM and kills its whole process group (the shell, the program and anything
 * the program started).  Otherwise it waits for the shell and ends the same way
 * (exit status or signal), so the harness sees the command's own status.
 *
 * Teardown kills the group while its leader is still unreaped (so the group id
 * cannot have been reused), then reaps the leader; every wait has a deadline.
 *
 * Zombies.  The guard and the shell of a harness that was killed are reparented
 * to the nearest child subreaper, else to PID 1.  The runner marks itself a
 * subreaper for the length of a sweep (sb_proc_subreaper_begin/end) so orphans of
 * killed workers are reaped by its own wait loop; orphans of a killed runner go
 * to PID 1, which in a container must reap (docker run --init). */
#ifndef SB_PROC_H
#define SB_PROC_H

#include <stddef.h>
#include <sys/types.h>

#include "core/error.h"

#define SB_PROC_TAIL 4096 /* bytes of captured stderr kept */

typedef struct sb_proc {
  pid_t pid;         /* the guard (process group leader); -1 if none */
  int fd;            /* our end of the socket: the child's stdin and stdout; -1 once closed */
  int errfd;         /* read end of the stderr pipe (capture_stderr); -1 otherwise or at EOF */
  int reaped;        /* the guard has been waited for */
  int status;        /* its wait status once reaped (mirrors the shell's) */
  char tail[SB_PROC_TAIL]; /* the last bytes written to stderr (capture_stderr) */
  size_t tail_len;
  size_t err_total;  /* bytes written to stderr in all */
} sb_proc;

typedef struct sb_proc_opts {
  char *const *env;   /* the shell's environment (NULL: this process's) */
  int capture_stderr; /* 1: stderr on a pipe, drained into tail; 0: inherited */
} sb_proc_opts;

/* Start `/bin/sh -c cmd` under a guard (above); o may be NULL (defaults).  On
 * failure *p holds no process and the message says what failed ("fork failed:
 * ..."), code SB_EIO or SB_ENOMEM. */
int sb_proc_start(sb_proc *p, const char *cmd, const sb_proc_opts *o, sb_error *err);

/* Read what stderr has now into the tail (non-blocking); closes it at EOF. */
void sb_proc_drain_stderr(sb_proc *p);
/* The last bytes of stderr (at most len-1, control characters replaced, lines
 * joined with " | ", trailing newlines dropped); "" if none.  Total bytes written
 * in *total (may be NULL). */
void sb_proc_stderr_tail(const sb_proc *p, char *buf, size_t len, size_t *total);

/* 1 if the child has ended (then it is reaped, its group killed), 0 if it is
 * still running; never blocks. */
int sb_proc_poll_exit(sb_proc *p);
/* Wait up to wait_s seconds for the child to end (draining stderr meanwhile),
 * then kill its process group and reap it; remaining stderr is read for at most
 * half a second.  Idempotent; a no-op without a process. */
void sb_proc_reap(sb_proc *p, double wait_s);
/* SIGKILL to the child's process group now (it is reaped by sb_proc_reap). */
void sb_proc_kill(sb_proc *p);
/* Close our ends of the socket and the stderr pipe. */
void sb_proc_close(sb_proc *p);

/* "exited with status 3", "exited with status 127 (command not found?)", "was
 * killed by signal 9 (Killed)". */
void sb_proc_describe(int status, char *buf, size_t len);

/* Make this process a child subreaper (PR_SET_CHILD_SUBREAPER); returns the
 * previous setting, for sb_proc_subreaper_end. */
int sb_proc_subreaper_begin(void);
/* Reap the zombies among this process's children for at most wait_s seconds
 * (orphans it adopted: every child it started itself must be reaped already),
 * then restore the previous subreaper setting. */
void sb_proc_subreaper_end(int previous, double wait_s);

#endif
