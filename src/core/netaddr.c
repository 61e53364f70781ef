/* Socket addresses "tcp:HOST:PORT", "unix:PATH" / a path, "@NAME": parsing,
 * connect and listen (netaddr.h). */
#include "core/netaddr.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

typedef struct parsed {
  int is_unix;
  struct sockaddr_un un;
  socklen_t un_len;
  char host[512];
  char port[64];
} parsed;

static int parse(const char *addr, const char *label, parsed *a, sb_error *err) {
  memset(a, 0, sizeof *a);
  const char *path = NULL;
  if (!strncmp(addr, "unix:", 5)) path = addr + 5;
  else if (addr[0] == '@' || strchr(addr, '/')) path = addr;
  if (path) {
    size_t l = strlen(path);
    if (l == 0 || l >= sizeof a->un.sun_path)
      return sb_error_set(err, SB_EINVAL, "%s: socket path must be 1..%zu characters", label,
                          sizeof a->un.sun_path - 1);
    a->is_unix = 1;
    a->un.sun_family = AF_UNIX;
    memcpy(a->un.sun_path, path, l);
    if (path[0] == '@') a->un.sun_path[0] = '\0'; /* Linux abstract namespace */
    a->un_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + l + (path[0] == '@' ? 0 : 1));
    return SB_OK;
  }
  if (strncmp(addr, "tcp:", 4))
    return sb_error_set(err, SB_EINVAL,
                        "%s: expected tcp:HOST:PORT, unix:PATH or a socket path containing '/'",
                        label);
  snprintf(a->host, sizeof a->host, "%s", addr + 4);
  char *colon = strrchr(a->host, ':');
  if (!colon || colon == a->host || !colon[1])
    return sb_error_set(err, SB_EINVAL, "%s: expected tcp:HOST:PORT", label);
  *colon = '\0';
  snprintf(a->port, sizeof a->port, "%s", colon + 1);
  size_t hl = strlen(a->host);
  if (a->host[0] == '[' && a->host[hl - 1] == ']') { /* [::1] */
    a->host[hl - 1] = '\0';
    memmove(a->host, a->host + 1, hl - 1);
  }
  return SB_OK;
}

/* A TCP socket for a's host and port: connected (bounded by wait_s > 0), or with
 * `passive` bound and listening; the first address that works.  -1 with err set. */
static int tcp_socket(const parsed *a, int passive, double wait_s, const char *label,
                      sb_error *err) {
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = passive ? AI_PASSIVE : 0;
  int g = getaddrinfo(a->host, a->port, &hints, &res);
  if (g != 0) {
    sb_error_set(err, passive ? SB_EINVAL : SB_EORACLE, "%s: cannot resolve '%s': %s", label,
                 a->host, gai_strerror(g));
    return -1;
  }
  int fd = -1, last = 0;
  for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      last = errno;
      continue;
    }
    int one = 1, ok;
    if (passive) {
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      ok = bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 64) == 0;
    } else {
      if (wait_s > 0) { /* Linux applies SO_SNDTIMEO to connect */
        struct timeval tv = {(time_t)wait_s,
                             (suseconds_t)((wait_s - (double)(time_t)wait_s) * 1e6)};
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      }
      ok = connect(fd, ai->ai_addr, ai->ai_addrlen) == 0;
    }
    if (ok) break;
    last = errno;
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0)
    sb_error_set(err, passive ? SB_EIO : SB_EORACLE, "%s: cannot %s: %s", label,
                 passive ? "listen" : "connect", strerror(last));
  return fd;
}

int sb_netaddr_connect(const char *addr, const char *label, double wait_s, sb_error *err) {
  parsed a;
  if (parse(addr, label, &a, err)) return -1;
  if (a.is_unix) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a.un, a.un_len) != 0) {
      sb_error_set(err, SB_EORACLE, "%s: cannot connect: %s", label, strerror(errno));
      if (fd >= 0) close(fd);
      return -1;
    }
    return fd;
  }
  int fd = tcp_socket(&a, 0, wait_s, label, err);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct timeval zero = {0, 0};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &zero, sizeof zero);
  return fd;
}

int sb_netaddr_listen(const char *addr, char *bound, size_t bound_len, sb_error *err) {
  char label[600];
  snprintf(label, sizeof label, "listen address '%.500s'", addr);
  parsed a;
  if (parse(addr, label, &a, err)) return -1;
  if (a.is_unix) {
    if (a.un.sun_path[0]) { /* a file: replace a stale socket, never anything else */
      struct stat st;
      if (lstat(a.un.sun_path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
          sb_error_set(err, SB_EINVAL, "%s: %s exists and is not a socket", label, a.un.sun_path);
          return -1;
        }
        unlink(a.un.sun_path);
      }
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a.un, a.un_len) != 0 || listen(fd, 64) != 0) {
      sb_error_set(err, SB_EIO, "%s: cannot listen: %s", label, strerror(errno));
      if (fd >= 0) close(fd);
      return -1;
    }
    if (bound) snprintf(bound, bound_len, "%s", addr);
    return fd;
  }
  int fd = tcp_socket(&a, 1, 0, label, err);
  if (fd < 0) return -1;
  if (bound) {
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char h[256] = "?", p[32] = "?";
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
      getnameinfo((struct sockaddr *)&ss, sl, h, sizeof h, p, sizeof p,
                  NI_NUMERICHOST | NI_NUMERICSERV);
    snprintf(bound, bound_len, strchr(h, ':') ? "tcp:[%s]:%s" : "tcp:%s:%s", h, p);
  }
  return fd;
}

int sb_netaddr_is_unix(int fd) {
  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;
  return getsockname(fd, (struct sockaddr *)&ss, &sl) == 0 && ss.ss_family == AF_UNIX;
}
