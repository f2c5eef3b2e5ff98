/* Robust I/O, after CS:APP's rio. */
#include "rio.h"

#include "clock.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

ssize_t rio_readn(int fd, void *buf, size_t n)
{
    char *p = buf;
    size_t left = n;

    while (left > 0) {
        ssize_t got = read(fd, p, left);
        if (got < 0) {
            if (errno == EINTR)
                continue; /* a signal handler ran: the read is still wanted */
            return -1;
        }
        if (got == 0)
            break; /* EOF */
        p += got;
        left -= (size_t)got;
    }
    return (ssize_t)(n - left);
}

ssize_t rio_writen(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    size_t left = n;

    while (left > 0) {
        ssize_t put = write(fd, p, left);
        if (put < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += put;
        left -= (size_t)put;
    }
    return (ssize_t)n;
}

void rio_init(struct rio *rp, int fd)
{
    rp->fd = fd;
    rp->unread = 0;
    rp->next = rp->buf;
    rp->read_total = 0;
}

/* Refills the buffer when it is empty. Returns the bytes now unread, 0 at EOF, -1 with
 * errno on error. */
static ssize_t rio_fill(struct rio *rp)
{
    while (rp->unread == 0) {
        ssize_t got = read(rp->fd, rp->buf, sizeof(rp->buf));
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (got == 0)
            return 0;
        rp->unread = (size_t)got;
        rp->next = rp->buf;
        rp->read_total += (size_t)got;
    }
    return (ssize_t)rp->unread;
}

ssize_t rio_readlineb(struct rio *rp, void *buf, size_t maxlen)
{
    char *out = buf;
    size_t n = 0;

    while (n < maxlen) {
        ssize_t avail = rio_fill(rp);
        if (avail < 0)
            return -1;
        if (avail == 0)
            break; /* EOF: hand out what we have, possibly a partial line */
        size_t want = maxlen - n;
        if (want > rp->unread)
            want = rp->unread;
        char *nl = memchr(rp->next, '\n', want);
        size_t take = nl ? (size_t)(nl - rp->next) + 1 : want;
        memcpy(out + n, rp->next, take);
        rp->next += take;
        rp->unread -= take;
        n += take;
        if (nl)
            break;
    }
    return (ssize_t)n;
}

ssize_t rio_readnb(struct rio *rp, void *buf, size_t n)
{
    char *out = buf;
    size_t got = 0;

    while (got < n) {
        ssize_t avail = rio_fill(rp);
        if (avail < 0)
            return -1;
        if (avail == 0)
            break;
        size_t take = n - got;
        if (take > rp->unread)
            take = rp->unread;
        memcpy(out + got, rp->next, take);
        rp->next += take;
        rp->unread -= take;
        got += take;
    }
    return (ssize_t)got;
}

int rio_readline_until(int fd, char *buf, size_t len, uint64_t deadline_ns)
{
    size_t n = 0;

    while (n + 1 < len) {
        uint64_t now = clock_now_ns();
        if (now >= deadline_ns)
            return -1;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int rc = poll(&p, 1, (int)((deadline_ns - now) / NS_PER_MS) + 1);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc <= 0)
            return -1;
        ssize_t got = read(fd, buf + n, 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got != 1)
            return -1;
        if (buf[n] == '\n') {
            buf[n] = '\0';
            return (int)n;
        }
        n++;
    }
    return -1;
}
