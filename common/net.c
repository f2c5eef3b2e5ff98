/* Sockets: addresses, listening and connecting, descriptor limits. */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int copy_part(char *dst, size_t dstlen, const char *src, size_t n)
{
    if (n == 0 || n >= dstlen) {
        errno = EINVAL;
        return -1;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
    return 0;
}

int net_split_hostport(const char *spec, char *host, size_t hostlen, char *port, size_t portlen)
{
    const char *colon;

    if (spec[0] == '[') {
        const char *close = strchr(spec, ']');
        if (!close || close[1] != ':') {
            errno = EINVAL;
            return -1;
        }
        if (copy_part(host, hostlen, spec + 1, (size_t)(close - spec - 1)) < 0)
            return -1;
        colon = close + 1;
    } else {
        colon = strrchr(spec, ':');
        /* A bare IPv6 address has several colons and no port. */
        if (!colon || memchr(spec, ':', (size_t)(colon - spec))) {
            errno = EINVAL;
            return -1;
        }
        if (copy_part(host, hostlen, spec, (size_t)(colon - spec)) < 0)
            return -1;
    }
    return copy_part(port, portlen, colon + 1, strlen(colon + 1));
}

int net_parse_port(const char *text)
{
    char *end;

    if (text[0] < '0' || text[0] > '9')
        return -1;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || *end || v < 0 || v > 65535)
        return -1;
    return (int)v;
}

int net_resolve(const char *host, const char *port, int passive, struct net_addr *out)
{
    struct addrinfo hints, *res;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0)
        return rc;
    memcpy(&out->ss, res->ai_addr, res->ai_addrlen);
    out->len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

const char *net_resolve_strerror(int code)
{
    return code == EAI_SYSTEM ? strerror(errno) : gai_strerror(code);
}

static int set_int(int fd, int level, int name, int value)
{
    return setsockopt(fd, level, name, &value, sizeof(value));
}

int net_listen(const struct net_addr *addr, int backlog, int flags)
{
    int type = SOCK_STREAM | SOCK_CLOEXEC | ((flags & NET_NONBLOCK) ? SOCK_NONBLOCK : 0);
    int fd = socket(addr->ss.ss_family, type, 0);
    if (fd < 0)
        return -1;
    if (set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1) < 0)
        goto fail;
    if ((flags & NET_REUSEPORT) && set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1) < 0)
        goto fail;
    /* Every reply is one write; without this, Nagle's algorithm can hold a reply back
     * until the client acknowledges the previous one, and the benchmark would measure
     * the delayed-ACK timer instead of the server. */
    if (set_int(fd, IPPROTO_TCP, TCP_NODELAY, 1) < 0)
        goto fail;
    if (bind(fd, (const struct sockaddr *)&addr->ss, addr->len) < 0)
        goto fail;
    if (listen(fd, backlog) < 0)
        goto fail;
    return fd;

fail:;
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
}

/* Waits for a connect that a signal interrupted to finish. Returns 0 or -1 with errno. */
static int wait_connected(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    int n;

    do
        n = poll(&p, 1, -1);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -1;
    int err = 0;
    socklen_t len = sizeof(err);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        return -1;
    if (err != 0) {
        errno = err;
        return -1;
    }
    return 0;
}

int net_connect(const struct net_addr *addr)
{
    int fd = socket(addr->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    (void)set_int(fd, IPPROTO_TCP, TCP_NODELAY, 1); /* best effort: latency, not function */
    if (connect(fd, (const struct sockaddr *)&addr->ss, addr->len) == 0)
        return fd;
    /* An interrupted connect goes on in the background; it must not be restarted. */
    if (errno == EINTR && wait_connected(fd) == 0)
        return fd;
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
}

int net_set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0)
        return -1;
    if (fl & O_NONBLOCK)
        return 0;
    return fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int net_format(const struct sockaddr *sa, char *buf, size_t len)
{
    char host[INET6_ADDRSTRLEN];
    int n;

    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        if (!inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host)))
            return -1;
        n = snprintf(buf, len, "%s:%u", host, (unsigned)ntohs(in->sin_port));
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        if (!inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host)))
            return -1;
        n = snprintf(buf, len, "[%s]:%u", host, (unsigned)ntohs(in6->sin6_port));
    } else {
        errno = EAFNOSUPPORT;
        return -1;
    }
    if (n < 0 || (size_t)n >= len) {
        errno = ENOSPC;
        return -1;
    }
    return 0;
}

int net_local_addr(int fd, struct net_addr *out)
{
    out->len = sizeof(out->ss);
    return getsockname(fd, (struct sockaddr *)&out->ss, &out->len);
}

int net_raise_nofile(rlim_t *now)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return -1;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
            return -1;
    }
    if (now)
        *now = rl.rlim_cur;
    return 0;
}

int net_reserve_open(void)
{
    int fd;

    do
        fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    return fd;
}

int net_shed(int listenfd, int *reserve)
{
    if (*reserve < 0) {
        errno = EMFILE;
        return -1;
    }
    /* Look first: on a blocking listener an accept with nothing pending would wait,
     * without its reserve, for the next client, and shed that one. */
    struct pollfd p = {.fd = listenfd, .events = POLLIN};
    if (poll(&p, 1, 0) != 1 || !(p.revents & POLLIN))
        return 0;
    close(*reserve);
    *reserve = -1;

    int shed = 0;
    int fd;
    do
        fd = accept4(listenfd, NULL, NULL, SOCK_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd >= 0) {
        close(fd);
        shed = 1;
    }
    *reserve = net_reserve_open();
    return shed;
}
