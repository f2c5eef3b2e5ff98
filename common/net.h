/* Sockets: addresses, listening and connecting, descriptor limits. */
#ifndef ECHOBENCH_NET_H
#define ECHOBENCH_NET_H

#include <stddef.h>
#include <sys/resource.h>
#include <sys/socket.h>

/* A resolved socket address, IPv4 or IPv6. */
struct net_addr {
    struct sockaddr_storage ss;
    socklen_t len;
};

/* Longest text net_format writes: "[" v6 "]:" port and the NUL. */
#define NET_ADDRSTRLEN 64

/* net_listen flags. */
#define NET_REUSEPORT 0x1 /* SO_REUSEPORT: several sockets share the port */
#define NET_NONBLOCK  0x2 /* the listening socket is non-blocking */

/* Splits "HOST:PORT", "[V6ADDR]:PORT" into its parts. Returns 0, or -1 with errno
 * EINVAL when spec has no port or a part does not fit its buffer. */
int net_split_hostport(const char *spec, char *host, size_t hostlen, char *port, size_t portlen);

/* Parses a TCP port number, 0 to 65535. Returns it, or -1 when text is not one. */
int net_parse_port(const char *text);

/* Resolves host and port (numbers or names) into *out, the first address found;
 * passive for an address to bind. Returns 0, or a getaddrinfo EAI_ code to pass to
 * net_resolve_strerror. */
int net_resolve(const char *host, const char *port, int passive, struct net_addr *out);

/* The text of a net_resolve error code. */
const char *net_resolve_strerror(int code);

/* Opens a TCP socket listening on addr with SO_REUSEADDR and TCP_NODELAY (accepted
 * sockets inherit it), close-on-exec, flags as above. Returns the descriptor, which
 * the caller owns, or -1 with errno. */
int net_listen(const struct net_addr *addr, int backlog, int flags);

/* Connects a blocking, close-on-exec TCP socket to addr, retrying EINTR. Returns the
 * descriptor, which the caller owns, or -1 with errno. */
int net_connect(const struct net_addr *addr);

/* Makes fd non-blocking. Returns 0 or -1 with errno. */
int net_set_nonblock(int fd);

/* Writes sa as "ADDR:PORT" (IPv4) or "[ADDR]:PORT" (IPv6) into buf. Returns 0, or -1
 * with errno (EAFNOSUPPORT for another family). */
int net_format(const struct sockaddr *sa, char *buf, size_t len);

/* The local address of a bound socket. Returns 0 or -1 with errno. */
int net_local_addr(int fd, struct net_addr *out);

/* Raises the soft RLIMIT_NOFILE to the hard limit. Returns 0 and stores the limit now
 * in force in *now (when not NULL), or -1 with errno. */
int net_raise_nofile(rlim_t *now);

/* Opens a spare descriptor (/dev/null) kept in reserve for net_shed. Returns it, or -1
 * with errno. */
int net_reserve_open(void);

/* The answer to EMFILE on accept, after libuv's uv__emfile_trick: frees the reserve
 * descriptor, accepts one pending connection on listenfd and closes it at once, then
 * opens the reserve again. Without it a level-triggered loop would spin on a
 * connection it can never accept. It never blocks, whether listenfd does or not.
 * Returns 1 when a connection was shed, 0 when none was pending, -1 with errno when no
 * reserve could be freed. *reserve is updated; it may become -1. */
int net_shed(int listenfd, int *reserve);

#endif
