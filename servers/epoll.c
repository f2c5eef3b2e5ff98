/* echo-epoll: one thread, one event loop, readiness from epoll(7).
 *
 * The state machine is evloop.c, shared with echo-select; this file is the mechanism.
 * The interest list lives in the kernel, changed by one epoll_ctl per change, and a
 * wakeup returns only the ready descriptors: its cost follows the activity, not the
 * number of connections or the highest descriptor. Level-triggered, like select, so
 * the shared state machine needs no change; EPOLLOUT is asked for only while output
 * is pending (evloop.c), otherwise every wakeup would report every idle socket. */
#include "evloop.h"
#include "poller.h"
#include "server.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#define EPOLL_BATCH 256

const char poller_name[] = "epoll";

struct poller {
    int epfd;
    struct epoll_event ready[EPOLL_BATCH];
    struct poller_event fired[EPOLL_BATCH];
};

struct poller *poller_create(void)
{
    struct poller *p = malloc(sizeof(*p));
    if (!p)
        return NULL;
    p->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (p->epfd < 0) {
        int saved = errno;
        free(p);
        errno = saved;
        return NULL;
    }
    return p;
}

void poller_destroy(struct poller *p)
{
    close(p->epfd);
    free(p);
}

static int poller_ctl(struct poller *p, int op, int fd, unsigned mask)
{
    struct epoll_event ev = {.data.fd = fd};

    ev.events = ((mask & EV_READ) ? EPOLLIN : 0u) | ((mask & EV_WRITE) ? EPOLLOUT : 0u) |
                ((mask & EV_EXCLUSIVE) ? EPOLLEXCLUSIVE : 0u);
    return epoll_ctl(p->epfd, op, fd, &ev);
}

int poller_add(struct poller *p, int fd, unsigned mask)
{
    return poller_ctl(p, EPOLL_CTL_ADD, fd, mask);
}

int poller_set(struct poller *p, int fd, unsigned old, unsigned mask)
{
    (void)old;
    return poller_ctl(p, EPOLL_CTL_MOD, fd, mask);
}

void poller_del(struct poller *p, int fd, unsigned old)
{
    (void)old;
    /* Closing the last descriptor of a socket removes it anyway; this keeps the
     * interest list exact even where a descriptor was duplicated. */
    epoll_ctl(p->epfd, EPOLL_CTL_DEL, fd, NULL);
}

int poller_wait(struct poller *p, int timeout_ms, struct poller_event **events)
{
    int n = epoll_wait(p->epfd, p->ready, EPOLL_BATCH, timeout_ms);
    for (int i = 0; i < n; i++) {
        uint32_t e = p->ready[i].events;
        unsigned mask = 0;
        if (e & (EPOLLIN | EPOLLERR | EPOLLHUP))
            mask |= EV_READ;
        if (e & (EPOLLOUT | EPOLLERR | EPOLLHUP))
            mask |= EV_WRITE;
        p->fired[i].fd = p->ready[i].data.fd;
        p->fired[i].mask = mask;
    }
    *events = p->fired;
    return n;
}

static int epoll_run(int listenfd, const struct server_opts *opts)
{
    (void)opts;
    return evloop_run(listenfd, &(struct evloop_opts){.listen_flags = 0});
}

const struct server_model model_epoll = {
    .name = "epoll",
    .summary = "Event loop on epoll(7): one thread serves every client; cost follows activity.",
    .flags = MODEL_NONBLOCK,
    .run = epoll_run,
};
