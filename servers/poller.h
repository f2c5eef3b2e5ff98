/* One readiness interface, one small backend per mechanism (select.c, epoll.c), after
 * Redis's ae. The event loop (evloop.c) is written once against this interface; each
 * executable links exactly one backend. */
#ifndef ECHOBENCH_POLLER_H
#define ECHOBENCH_POLLER_H

#define EV_READ      0x1
#define EV_WRITE     0x2
#define EV_EXCLUSIVE 0x4 /* a listener shared by processes: wake one waiter, not all */

struct poller;

struct poller_event {
    int fd;
    unsigned mask; /* EV_READ and/or EV_WRITE; errors and hangups report both */
};

/* The backend's name, for messages. */
extern const char poller_name[];

/* Creates a poller. Returns it, or NULL with errno. */
struct poller *poller_create(void);

/* Frees a poller; the descriptors it watched stay open. */
void poller_destroy(struct poller *p);

/* Starts watching fd for the events in mask. Returns 0, or -1 with errno; ERANGE when
 * the backend cannot hold a descriptor that large (select: FD_SETSIZE). */
int poller_add(struct poller *p, int fd, unsigned mask);

/* Changes what fd is watched for, from old to mask (neither 0). Returns 0 or -1. */
int poller_set(struct poller *p, int fd, unsigned old, unsigned mask);

/* Stops watching fd, which was watched for old. Call before closing fd. */
void poller_del(struct poller *p, int fd, unsigned old);

/* Waits up to timeout_ms (-1: no limit) for events and points *events at them; they
 * stay valid until the next call. Returns their count, or -1 with errno (EINTR). */
int poller_wait(struct poller *p, int timeout_ms, struct poller_event **events);

#endif
