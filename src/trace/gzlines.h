/* Lines from a file of concatenated gzip members (or from plain text).
 *
 * The trace reader's byte source: the members are inflated one after another
 * with raw zlib, so bytes after a member that do not start another member are an
 * error ("corrupt or truncated"), never silently ignored trailing garbage as with
 * gzread(), which would hide every later batch.  A file that does not start with
 * the gzip magic is read as plain text.  Lines are returned without their '\n'
 * (and without a '\r' before it); a NUL byte inside a line is an error. */
#ifndef SB_GZLINES_H
#define SB_GZLINES_H

#include <stddef.h>
#include <zlib.h>

#define SB_GZLINES_HEAD 512 /* bytes of the file kept for sniffing its type */

typedef struct sb_gzlines {
  /* read-only for callers */
  char *line;                /* the current line, NUL-terminated (writable scratch) */
  size_t len;                /* its length */
  int partial;               /* the last line had no '\n' (file ends mid-line) */
  int plain;                 /* not gzip: the bytes are the text */
  unsigned char head[SB_GZLINES_HEAD]; /* the file's first bytes */
  size_t head_len;
  /* private */
  int fd;
  size_t max_len;            /* longest line accepted */
  size_t cap;                /* capacity of line */
  int in_eof;                /* read() returned 0 */
  int in_member;             /* inside a gzip member */
  int started;               /* inflateInit2 done */
  z_stream zs;
  unsigned long long in_off; /* compressed bytes consumed before zs.next_in */
  unsigned char in[1 << 16];
  unsigned char out[1 << 17];
  size_t out_pos, out_len;
} sb_gzlines;

/* Start reading the open file `fd` from its current position (ownership taken:
 * sb_gzlines_free closes it; byte positions in messages are file offsets).
 * Reads the first bytes to tell gzip from plain text.  NULL on ENOMEM (fd is
 * then closed). */
sb_gzlines *sb_gzlines_open(int fd, size_t max_len);
void sb_gzlines_free(sb_gzlines *r);
/* Longest line accepted from now on (longer ones give -2). */
void sb_gzlines_set_max(sb_gzlines *r, size_t max_len);
/* Next line into r->line: 1 a line, 0 clean end of file, -1 error (msg says
 * what: a read error, truncated or corrupt gzip data, a NUL byte), -2 too long. */
int sb_gzlines_read(sb_gzlines *r, char *msg, size_t msglen);

#endif
