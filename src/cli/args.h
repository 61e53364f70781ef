/* Command-line options from a table: every `spexbench` subcommand declares its
 * options once ({name, kind, destination, range, help}) and this parser does the
 * rest: `--opt VALUE` and `--opt=VALUE`, numbers checked for syntax, range and
 * overflow (a budget of 2^64 is an error, never a wrapped or saturated value),
 * required options, positional arguments, uniform messages, and the `--help` text.
 *
 * Messages (stderr, then exit status 2):
 *   spexbench fit: --budget '18446744073709551616': out of range (expected an integer in 1..18446744073709551615)
 *   spexbench fit: unknown option '--bugdet'
 *   spexbench fit: missing --dataset SPEC
 * each followed by "(see spexbench CMD --help)". */
#ifndef SB_ARGS_H
#define SB_ARGS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum sb_arg_kind {
  SB_ARG_FLAG,       /* int, set to 1 */
  SB_ARG_STRING,     /* const char * (points into argv) */
  SB_ARG_UINT64,     /* uint64_t in [min, max] */
  SB_ARG_SIZE,       /* size_t in [min, max] */
  SB_ARG_INT,        /* int in [min, max] */
  SB_ARG_CHOICE,     /* int: index of the value in `choices` ("csv|npz|json") */
  SB_ARG_DOUBLE,     /* double, a finite decimal number in [min, max] (e.g. seconds) */
  SB_ARG_POSITIONAL, /* const char *: the next argument that is not an option */
  SB_ARG_POSITIONALS, /* sb_arg_list: every remaining argument that is not an option
                         (the last positional of a table; "DIR...") */
} sb_arg_kind;

/* Where SB_ARG_POSITIONALS collects its arguments: `v` is the caller's array of
 * at least argc entries (pointers into argv), `n` counts them. */
typedef struct sb_arg_list {
  const char **v;
  size_t n;
} sb_arg_list;

enum {
  SB_ARG_REQUIRED = 1u << 0, /* an error if absent */
  SB_ARG_ZERO_OK = 1u << 1,  /* 0 is valid too, below `min` ("0 = none") */
};

typedef struct sb_arg {
  const char *name;    /* "--budget"; for a positional its metavar ("CONFIG") */
  const char *alias;   /* "-j", or NULL */
  sb_arg_kind kind;
  size_t offset;       /* offsetof(the command's option struct, destination) */
  const char *metavar; /* "N" (options that take a value) */
  uint64_t min, max;   /* numeric kinds: the valid range */
  const char *choices; /* SB_ARG_CHOICE */
  unsigned flags;      /* SB_ARG_* */
  const char *help;    /* one or more lines (continuation lines start with "\n") */
} sb_arg;

typedef struct sb_command_spec {
  const char *name;    /* "fit", "trace info" (messages: "spexbench NAME: ...") */
  const char *summary; /* paragraph after the usage line */
  const sb_arg *args;  /* terminated by an entry with name NULL */
  const char *epilog;  /* after the options, or NULL */
} sb_command_spec;

enum { SB_ARGS_OK = 0, SB_ARGS_HELP = 1, SB_ARGS_USAGE = 2 };

/* Parse argv[1..argc) into `opts` (the struct the table's offsets point into; its
 * defaults set by the caller).  `given` (may be NULL) gets bit i set for every
 * table entry i that appeared.  Returns SB_ARGS_OK; SB_ARGS_HELP after printing
 * the help to stdout (for -h / --help); SB_ARGS_USAGE after printing an error. */
int sb_args_parse(const sb_command_spec *spec, int argc, char **argv, void *opts,
                  uint64_t *given);
/* The generated help: usage line, summary, one entry per option, epilog. */
void sb_args_help(const sb_command_spec *spec, FILE *fp);
/* Print "spexbench NAME: message" and the --help pointer; returns SB_ARGS_USAGE
 * (for checks that span several options, made after sb_args_parse). */
int sb_args_error(const sb_command_spec *spec, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The process exit status for a result of sb_args_parse other than SB_ARGS_OK. */
#define SB_ARGS_EXIT(r) ((r) == SB_ARGS_HELP ? 0 : 2)

#endif
