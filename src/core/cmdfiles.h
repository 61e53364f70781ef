/* The files a shell command line runs, as a content key.
 *
 * A result computed by a program (an `external` algorithm, a live model) depends
 * on that program's files, not only on the command text: an edited script must not
 * leave its old results looking current.  sb_cmd_files_key splits the command at
 * blanks (single and double quotes group words; no other shell syntax is
 * interpreted), and takes every word that names an existing regular file: the
 * first word also through $PATH (the interpreter or binary), any word relative to
 * the current directory or absolute (the script and files it is given).  Option
 * words that embed a path (`--model=x.bin`) are not recognised. */
#ifndef SB_CMDFILES_H
#define SB_CMDFILES_H

#include "core/error.h"

/* *out (caller frees): "WORD=SHA256[0:16] ..." in command order, or NULL when no
 * word names a file.  SB_EIO naming the file when one cannot be read;
 * SB_ENOMEM. */
int sb_cmd_files_key(const char *cmd, char **out, sb_error *err);

#endif
