/* Lines from concatenated gzip members or plain text (see gzlines.h).  The
 * inflater is restarted (inflateReset) at every member boundary; what lies
 * between members must be the next member's magic.  Offsets in messages count
 * compressed bytes from the start of the file. */
#include "trace/gzlines.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int src_fill_input(sb_gzlines *r, char *msg, size_t msglen) {
  if (r->in_eof) return 0;
  if (r->zs.avail_in > 0 && r->zs.next_in != r->in) {
    memmove(r->in, r->zs.next_in, r->zs.avail_in);
  }
  r->zs.next_in = r->in;
  for (;;) {
    ssize_t k = read(r->fd, r->in + r->zs.avail_in, sizeof r->in - r->zs.avail_in);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) {
      snprintf(msg, msglen, "read error: %s", strerror(errno));
      return -1;
    }
    if (k == 0) r->in_eof = 1;
    r->zs.avail_in += (uInt)k;
    return (int)k;
  }
}

/* Plain text: the next bytes as they are. */
static int plain_refill(sb_gzlines *r, char *msg, size_t msglen) {
  for (;;) {
    ssize_t k = read(r->fd, r->out, sizeof r->out);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) {
      snprintf(msg, msglen, "read error: %s", strerror(errno));
      return -1;
    }
    r->out_len = (size_t)k;
    return (int)k;
  }
}

/* At a member boundary: 1 another member starts (inflater ready), 0 clean end. */
static int start_member(sb_gzlines *r, char *msg, size_t msglen) {
  while (r->zs.avail_in < 2 && !r->in_eof)
    if (src_fill_input(r, msg, msglen) < 0) return -1;
  if (r->zs.avail_in == 0) return 0;
  unsigned long long at = r->in_off + (unsigned long long)(r->zs.next_in - r->in);
  if (r->zs.avail_in < 2 || r->zs.next_in[0] != 0x1f || r->zs.next_in[1] != 0x8b) {
    snprintf(msg, msglen, "byte %llu: data after a gzip member is not another gzip member "
             "(corrupt or truncated)", at);
    return -1;
  }
  int zrc = r->started ? inflateReset(&r->zs) : inflateInit2(&r->zs, 15 + 16);
  if (zrc != Z_OK) {
    snprintf(msg, msglen, "%s failed", r->started ? "inflateReset" : "inflateInit2");
    return -1;
  }
  r->started = 1;
  r->in_member = 1;
  return 1;
}

/* More compressed input inside a member; the end of the file here is truncation. */
static int more_input(sb_gzlines *r, char *msg, size_t msglen) {
  if (r->in_eof) {
    snprintf(msg, msglen, "unexpected end of file inside a gzip member (truncated)");
    return -1;
  }
  r->in_off += (unsigned long long)(r->zs.next_in - r->in);
  return src_fill_input(r, msg, msglen) < 0 ? -1 : 0;
}

/* Refill r->out; returns bytes produced (>0), 0 at a clean end, -1 on error. */
static int src_refill(sb_gzlines *r, char *msg, size_t msglen) {
  r->out_pos = r->out_len = 0;
  if (r->plain) return plain_refill(r, msg, msglen);
  for (;;) {
    if (!r->in_member) {
      int k = start_member(r, msg, msglen);
      if (k <= 0) return k;
    }
    if (r->zs.avail_in == 0) {
      if (more_input(r, msg, msglen)) return -1;
      continue;
    }
    r->zs.next_out = r->out;
    r->zs.avail_out = sizeof r->out;
    int zrc = inflate(&r->zs, Z_NO_FLUSH);
    r->out_len = sizeof r->out - r->zs.avail_out;
    if (zrc == Z_STREAM_END) {
      r->in_member = 0;
    } else if (zrc != Z_BUF_ERROR && zrc != Z_OK) { /* those two: more input or output made */
      snprintf(msg, msglen, "corrupt gzip data (zlib: %s)",
               r->zs.msg ? r->zs.msg : (zrc == Z_MEM_ERROR ? "out of memory" : "error"));
      return -1;
    }
    if (r->out_len > 0) return (int)r->out_len;
    if (zrc == Z_STREAM_END || r->zs.avail_in == 0) continue;
    /* avail_in > 0 and nothing produced: zlib wants more input to make progress */
    if (more_input(r, msg, msglen)) return -1;
  }
}

int sb_gzlines_read(sb_gzlines *r, char *msg, size_t msglen) {
  r->len = 0;
  r->partial = 0;
  for (;;) {
    if (r->out_pos == r->out_len) {
      int k = src_refill(r, msg, msglen);
      if (k < 0) return -1;
      if (k == 0) {
        if (r->len > 0) {
          r->partial = 1;
          r->line[r->len] = '\0';
          return 1;
        }
        return 0;
      }
    }
    const unsigned char *start = r->out + r->out_pos;
    size_t avail = r->out_len - r->out_pos;
    const unsigned char *nl = memchr(start, '\n', avail);
    size_t take = nl ? (size_t)(nl - start) : avail;
    if (r->len + take + 2 > r->cap) {
      if (r->len + take + 2 > r->max_len) return -2;
      size_t nc = r->cap ? 2 * r->cap : 4096;
      while (nc < r->len + take + 2) nc *= 2;
      char *b = realloc(r->line, nc);
      if (!b) {
        snprintf(msg, msglen, "out of memory");
        return -1;
      }
      r->line = b;
      r->cap = nc;
    }
    memcpy(r->line + r->len, start, take);
    r->len += take;
    r->out_pos += take + (nl ? 1 : 0);
    if (nl) {
      r->line[r->len] = '\0';
      if (memchr(r->line, '\0', r->len)) {
        snprintf(msg, msglen, "NUL byte in the data (corrupt file)");
        return -1;
      }
      if (r->len > 0 && r->line[r->len - 1] == '\r') r->line[--r->len] = '\0';
      return 1;
    }
  }
}

sb_gzlines *sb_gzlines_open(int fd, size_t max_len) {
  sb_gzlines *r = calloc(1, sizeof *r);
  if (!r) {
    close(fd);
    return NULL;
  }
  r->fd = fd;
  r->max_len = max_len;
  off_t at = lseek(fd, 0, SEEK_CUR); /* byte positions in messages are the file's */
  r->in_off = at > 0 ? (unsigned long long)at : 0;
  char msg[200]; /* a read error here shows again on the first sb_gzlines_read */
  while (r->zs.avail_in < SB_GZLINES_HEAD && !r->in_eof)
    if (src_fill_input(r, msg, sizeof msg) < 0) break;
  r->head_len = r->zs.avail_in < SB_GZLINES_HEAD ? r->zs.avail_in : SB_GZLINES_HEAD;
  memcpy(r->head, r->in, r->head_len);
  r->plain = !(r->zs.avail_in >= 2 && r->in[0] == 0x1f && r->in[1] == 0x8b);
  if (r->plain && r->zs.avail_in > 0) { /* hand the bytes already read to the text path */
    memcpy(r->out, r->in, r->zs.avail_in);
    r->out_len = r->zs.avail_in;
    r->zs.avail_in = 0;
  }
  return r;
}

void sb_gzlines_free(sb_gzlines *r) {
  if (!r) return;
  if (r->started) inflateEnd(&r->zs);
  close(r->fd);
  free(r->line);
  free(r);
}

void sb_gzlines_set_max(sb_gzlines *r, size_t max_len) { r->max_len = max_len; }
