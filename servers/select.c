/* echo-select: one thread, one event loop, readiness from select(2).
 *
 * The state machine is evloop.c, shared with echo-epoll; this file is the mechanism:
 * two fd_sets rebuilt by copy before every call and scanned from 0 to the highest
 * descriptor after it, so each wakeup costs time in proportion to the highest
 * descriptor, however few are ready. An fd_set has room for FD_SETSIZE descriptors
 * only; a connection numbered at or above it is refused (poller_add fails with
 * ERANGE), never written past the end of the set. */
#include "evloop.h"
#include "poller.h"
#include "server.h"
#include "stats.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/select.h>

const char poller_name[] = "select";

struct poller {
    fd_set readers; /* the interest sets, copied before each select() */
    fd_set writers;
    int maxfd; /* the highest descriptor in either set, -1 when both are empty */
    struct poller_event fired[FD_SETSIZE];
};

struct poller *poller_create(void)
{
    struct poller *p = malloc(sizeof(*p));
    if (!p)
        return NULL;
    FD_ZERO(&p->readers);
    FD_ZERO(&p->writers);
    p->maxfd = -1;
    return p;
}

void poller_destroy(struct poller *p)
{
    free(p);
}

int poller_set(struct poller *p, int fd, unsigned old, unsigned mask)
{
    (void)old;
    if (fd < 0 || fd >= FD_SETSIZE) {
        errno = ERANGE;
        return -1;
    }
    if (mask & EV_READ)
        FD_SET(fd, &p->readers);
    else
        FD_CLR(fd, &p->readers);
    if (mask & EV_WRITE)
        FD_SET(fd, &p->writers);
    else
        FD_CLR(fd, &p->writers);
    if (fd > p->maxfd)
        p->maxfd = fd;
    return 0;
}

int poller_add(struct poller *p, int fd, unsigned mask)
{
    return poller_set(p, fd, 0, mask);
}

void poller_del(struct poller *p, int fd, unsigned old)
{
    (void)old;
    if (fd < 0 || fd >= FD_SETSIZE)
        return;
    FD_CLR(fd, &p->readers);
    FD_CLR(fd, &p->writers);
    while (p->maxfd >= 0 && !FD_ISSET(p->maxfd, &p->readers) && !FD_ISSET(p->maxfd, &p->writers))
        p->maxfd--;
}

int poller_wait(struct poller *p, int timeout_ms, struct poller_event **events)
{
    /* select() overwrites its sets with the result: it gets copies. */
    fd_set r = p->readers, w = p->writers;
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};

    int n = select(p->maxfd + 1, &r, &w, NULL, timeout_ms < 0 ? NULL : &tv);
    if (n <= 0)
        return n;
    int count = 0;
    for (int fd = 0; fd <= p->maxfd && count < n; fd++) {
        unsigned mask = (FD_ISSET(fd, &r) ? EV_READ : 0) | (FD_ISSET(fd, &w) ? EV_WRITE : 0);
        if (mask) {
            p->fired[count].fd = fd;
            p->fired[count].mask = mask;
            count++;
        }
    }
    *events = p->fired;
    return count;
}

static int select_run(int listenfd, const struct server_opts *opts)
{
    (void)opts;
    return evloop_run(listenfd, &(struct evloop_opts){.listen_flags = 0});
}

const struct server_model model_select = {
    .name = "select",
    .summary = "Event loop on select(2): one thread serves every client; at most FD_SETSIZE "
               "descriptors.",
    .flags = MODEL_NONBLOCK,
    .run = select_run,
};
