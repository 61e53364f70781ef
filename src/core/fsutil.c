/* Atomic file writes and small file-system helpers (see fsutil.h).
 *
 * The atomic file's stream is a stdio cookie stream over the temporary file's
 * descriptor whose write function keeps the errno of the first failed write(2):
 * stdio reports a failed buffered write only as ferror(), and by the time the
 * caller commits, errno belongs to some later call — a message built from it
 * names the wrong fault. */
#include "core/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static ssize_t af_write(void *cookie, const char *buf, size_t size) {
  sb_atomic_file *af = cookie;
  size_t done = 0;
  while (done < size) {
    ssize_t k = write(af->fd, buf + done, size - done);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) {
      if (!af->write_errno) af->write_errno = k < 0 ? errno : EIO;
      return done ? (ssize_t)done : -1;
    }
    done += (size_t)k;
  }
  return (ssize_t)done;
}

static int af_close(void *cookie) {
  sb_atomic_file *af = cookie;
  int rc = close(af->fd);
  af->fd = -1;
  return rc;
}

int sb_atomic_open(sb_atomic_file *af, const char *path, sb_error *err) {
  memset(af, 0, sizeof *af);
  af->fd = -1;
  if (strlen(path) + 16 >= sizeof af->path)
    return sb_error_set(err, SB_EIO, "%s: path too long", path);
  /* rename() would replace whatever is there: never a device, FIFO or directory
   * (`--coefficients /dev/full` as root replaced the device node with a file). */
  struct stat st;
  if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
    return sb_error_set(err, SB_EIO, "%s: exists and is not a regular file (not replacing it)",
                        path);
  snprintf(af->path, sizeof af->path, "%s", path);
  snprintf(af->tmp, sizeof af->tmp, "%s.tmp.XXXXXX", path);
  int fd = mkstemp(af->tmp);
  if (fd < 0) {
    int e = errno;
    af->tmp[0] = '\0';
    return sb_error_set(err, SB_EIO, "%s: cannot create a temporary file: %s", path,
                        strerror(e));
  }
  fchmod(fd, 0644);
  af->fd = fd;
  cookie_io_functions_t io = {NULL, af_write, NULL, af_close};
  af->fp = fopencookie(af, "w", io);
  if (!af->fp) {
    int e = errno;
    close(fd);
    af->fd = -1;
    unlink(af->tmp);
    af->tmp[0] = '\0';
    return sb_error_set(err, SB_EIO, "%s: cannot open a stream: %s", path, strerror(e));
  }
  return SB_OK;
}

int sb_atomic_commit(sb_atomic_file *af, sb_error *err) {
  if (!af->fp) return sb_error_set(err, SB_EIO, "%s: not open", af->path);
  int bad = ferror(af->fp), e = 0;
  if (fflush(af->fp) != 0) {
    bad = 1;
    e = errno;
  }
  if (af->write_errno) e = af->write_errno; /* the first failed write is the cause */
  if (!bad && fsync(af->fd) != 0) {
    bad = 1;
    e = errno;
  }
  if (fclose(af->fp) != 0 && !bad) {
    bad = 1;
    e = errno;
  }
  af->fp = NULL;
  if (bad) {
    unlink(af->tmp);
    af->tmp[0] = '\0';
    return sb_error_set(err, SB_EIO, "%s: write failed: %s", af->path,
                        e ? strerror(e) : "stream error");
  }
  if (rename(af->tmp, af->path) != 0) {
    e = errno;
    unlink(af->tmp);
    af->tmp[0] = '\0';
    return sb_error_set(err, SB_EIO, "%s: rename failed: %s", af->path, strerror(e));
  }
  af->tmp[0] = '\0';
  return SB_OK;
}

void sb_atomic_abort(sb_atomic_file *af) {
  if (af->fp) fclose(af->fp);
  af->fp = NULL;
  if (af->tmp[0]) unlink(af->tmp);
  af->tmp[0] = '\0';
}

int sb_write_file_atomic(const char *path, const void *data, size_t len, sb_error *err) {
  sb_atomic_file af;
  int rc = sb_atomic_open(&af, path, err);
  if (rc) return rc;
  if (len && fwrite(data, 1, len, af.fp) != len) {
    int e = af.write_errno;
    sb_atomic_abort(&af);
    return sb_error_set(err, SB_EIO, "%s: write failed: %s", path, e ? strerror(e) : "stream error");
  }
  return sb_atomic_commit(&af, err);
}

int sb_json_write_atomic(const json_t *j, const char *path, sb_error *err) {
  char *text = json_dumps(j, JSON_INDENT(1) | JSON_REAL_PRECISION(17));
  if (!text) return sb_error_set(err, SB_ENOMEM, "%s: cannot serialise JSON", path);
  size_t len = strlen(text);
  text[len] = '\0';
  int rc;
  sb_atomic_file af;
  rc = sb_atomic_open(&af, path, err);
  if (rc == SB_OK) {
    if (fwrite(text, 1, len, af.fp) != len || fputc('\n', af.fp) == EOF) {
      int e = af.write_errno;
      sb_atomic_abort(&af);
      rc = sb_error_set(err, SB_EIO, "%s: write failed: %s", path,
                        e ? strerror(e) : "stream error");
    } else {
      rc = sb_atomic_commit(&af, err);
    }
  }
  free(text);
  return rc;
}

int sb_mkdir_p(const char *dir, sb_error *err) {
  char buf[4096];
  if (strlen(dir) >= sizeof buf) return sb_error_set(err, SB_EIO, "%s: path too long", dir);
  snprintf(buf, sizeof buf, "%s", dir);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    if (mkdir(buf, 0755) != 0 && errno != EEXIST)
      return sb_error_set(err, SB_EIO, "%s: cannot create directory: %s", buf, strerror(errno));
    *p = '/';
  }
  if (mkdir(buf, 0755) != 0 && errno != EEXIST)
    return sb_error_set(err, SB_EIO, "%s: cannot create directory: %s", buf, strerror(errno));
  struct stat st;
  if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode))
    return sb_error_set(err, SB_EIO, "%s: not a directory", buf);
  return SB_OK;
}

int sb_read_file(const char *path, char **data, size_t *len, sb_error *err) {
  *data = NULL;
  if (len) *len = 0;
  FILE *fp = fopen(path, "rb");
  if (!fp) return sb_error_set(err, SB_EIO, "%s: cannot open: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
    fclose(fp);
    return sb_error_set(err, SB_EIO, "%s: cannot read: is a directory", path);
  }
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap + 1);
  if (!buf) {
    fclose(fp);
    return sb_error_set(err, SB_ENOMEM, "%s: out of memory", path);
  }
  size_t got;
  while ((got = fread(buf + n, 1, cap - n, fp)) > 0) {
    n += got;
    if (n == cap) {
      char *nb = realloc(buf, cap * 2 + 1);
      if (!nb) {
        free(buf);
        fclose(fp);
        return sb_error_set(err, SB_ENOMEM, "%s: out of memory", path);
      }
      buf = nb;
      cap *= 2;
    }
  }
  int bad = ferror(fp), e = errno;
  fclose(fp);
  if (bad) {
    free(buf);
    return sb_error_set(err, SB_EIO, "%s: read error: %s", path, strerror(e));
  }
  buf[n] = '\0';
  *data = buf;
  if (len) *len = n;
  return SB_OK;
}

int sb_file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}
