/* Stream-socket addresses as users write them, for model servers and clients:
 *
 *   tcp:HOST:PORT      IPv4/IPv6 host name or address ([::1] for a literal v6)
 *   unix:PATH          a Unix socket file; a bare path containing '/' also works
 *   @NAME              a Linux abstract Unix socket (no file; private use)
 *
 * Sockets are close-on-exec; TCP connections have TCP_NODELAY (small request
 * and answer lines must not wait for Nagle's algorithm). */
#ifndef SB_NETADDR_H
#define SB_NETADDR_H

#include <stddef.h>

#include "core/error.h"

/* Connect; wait_s > 0 bounds a TCP connect.  Returns the descriptor, or -1 with
 * err set (the message starts with `label`). */
int sb_netaddr_connect(const char *addr, const char *label, double wait_s, sb_error *err);
/* Bind and listen (backlog 64).  A Unix socket file left by an earlier server is
 * replaced; any other existing file is an error.  `bound` (may be NULL) receives
 * the address bound, with the port chosen when PORT is 0.  Returns the
 * descriptor or -1 with err set. */
int sb_netaddr_listen(const char *addr, char *bound, size_t bound_len, sb_error *err);
/* 1 if the descriptor is a Unix-domain socket. */
int sb_netaddr_is_unix(int fd);

#endif
