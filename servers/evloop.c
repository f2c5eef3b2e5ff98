/* The event-driven echo server over any poller backend.
 *
 * Nothing here blocks: a half-sent line stays in its connection's linebuf until the
 * rest arrives, and an echo the socket cannot take yet stays there until the poller
 * says the socket is writable. Each connection is watched for reading while it owes
 * no output, and for writing only while it does: so a client that sends without
 * reading cannot make the server buffer without bound, and no loop spins on a socket
 * that is always writable. */
#include "evloop.h"

#include "clock.h"
#include "net.h"
#include "poller.h"
#include "proto.h"
#include "server.h"
#include "stats.h"

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Accepts per listener wakeup, so a flood of connects cannot starve the clients. */
#define ACCEPT_BATCH 64
/* How long the listener rests after a failure that would repeat at once. */
#define LISTEN_PAUSE_NS (10 * NS_PER_MS)

struct conn {
    int fd;
    unsigned mask; /* what the poller watches this connection for */
    bool eof;      /* the client has half-closed: send what is owed, then close */
    struct linebuf lb;
};

struct evloop {
    struct poller *poller;
    int listenfd;
    unsigned listen_flags;
    bool shared;           /* the listener is shared with sibling processes (evloop_opts) */
    int nudge_fd;          /* with shared: wakes the siblings */
    bool at_limit;         /* with shared: at the descriptor limit, so counted full (stats.h) */
    bool full;             /* with shared: at_limit, and the listener left to the siblings */
    uint64_t paused_until; /* the listener is not watched until then (0: watched) */
    int reserve;           /* the spare descriptor for EMFILE (net_shed) */
    struct conn **conns;   /* by descriptor; NULL where there is none */
    size_t conns_cap;
    int broken; /* the errno of a listener that can accept no more, or 0 */
};

static struct conn *conn_lookup(const struct evloop *l, int fd)
{
    return (size_t)fd < l->conns_cap ? l->conns[fd] : NULL;
}

/* Wakes every sibling loop of a shared listener: one with room takes what is queued,
 * which the kernel woke this loop for. Best effort: a full counter is a nudge too. */
static void siblings_nudge(struct evloop *l)
{
    uint64_t one = 1;
    ssize_t rc = write(l->nudge_fd, &one, sizeof(one));
    (void)rc;
}

/* At the descriptor limit, with a sibling that has room: stops watching the listener
 * (and the nudges, which only a loop with room can act on) until a connection of its
 * own closes, and leaves what is queued to the siblings. */
static void siblings_take_over(struct evloop *l)
{
    poller_del(l->poller, l->listenfd, EV_READ | l->listen_flags);
    poller_del(l->poller, l->nudge_fd, EV_READ);
    l->full = true;
    siblings_nudge(l);
}

/* A descriptor is free again: counted with room, and watches the listener and the
 * nudges once more if it had left them. */
static void siblings_back(struct evloop *l)
{
    l->at_limit = false;
    stats_worker_full(false);
    if (!l->full)
        return; /* it was the one shedding for all: it watched them all along */
    l->full = false;
    if (poller_add(l->poller, l->listenfd, EV_READ | l->listen_flags) < 0 ||
        poller_add(l->poller, l->nudge_fd, EV_READ) < 0)
        l->broken = errno; /* the poller cannot watch what it watched a moment ago */
}

/* At the descriptor limit: whether a sibling has room to take what is queued. */
static bool sibling_has_room(struct evloop *l)
{
    if (!l->shared)
        return false;
    l->at_limit = true;
    return stats_worker_full(true) > 0;
}

static void conn_close(struct evloop *l, struct conn *c)
{
    poller_del(l->poller, c->fd, c->mask);
    l->conns[c->fd] = NULL;
    close(c->fd);
    linebuf_free(&c->lb);
    free(c);
    stats_conn_close();
    if (l->reserve < 0) /* lost at the descriptor limit (accept_ready): a slot is free now */
        l->reserve = net_reserve_open();
    if (l->at_limit)
        siblings_back(l);
}

/* Closes c after an error on it. */
static void conn_fail(struct evloop *l, struct conn *c)
{
    stats_add(STAT_ERRORS, 1);
    conn_close(l, c);
}

/* Sends what c owes, then watches it for what comes next. Returns 0 while c lives,
 * -1 once it is closed. */
static int conn_flush(struct evloop *l, struct conn *c)
{
    const char *p;
    size_t n;

    while ((n = linebuf_pending(&c->lb, &p)) > 0) {
        ssize_t put = write(c->fd, p, n);
        if (put < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;       /* the socket buffer is full: wait until it is writable */
            conn_fail(l, c); /* EPIPE, ECONNRESET: the client is gone */
            return -1;
        }
        linebuf_sent(&c->lb, (size_t)put);
    }
    if (n == 0 && c->eof) {
        conn_close(l, c); /* everything owed is sent */
        return -1;
    }
    unsigned want = n > 0 ? EV_WRITE : EV_READ;
    if (want != c->mask) {
        if (poller_set(l->poller, c->fd, c->mask, want) < 0) {
            conn_fail(l, c);
            return -1;
        }
        c->mask = want;
    }
    return 0;
}

static void conn_readable(struct evloop *l, struct conn *c)
{
    size_t room;
    char *p = linebuf_space(&c->lb, &room);

    if (!p) {
        conn_fail(l, c); /* ENOMEM */
        return;
    }
    /* Read only while nothing is pending (conn_flush sees to it), so there is room:
     * see LINEBUF_MAX. */
    assert(room > 0);
    /* One read per wakeup: with level-triggered readiness, more data means another
     * wakeup, and the other connections get their turn in between. */
    ssize_t got = read(c->fd, p, room);
    if (got > 0) {
        if (linebuf_commit(&c->lb, (size_t)got) < 0) {
            conn_close(l, c); /* a line over the limit (counted) */
            return;
        }
        conn_flush(l, c); /* at once: the echo usually fits the socket buffer */
    } else if (got == 0) {
        c->eof = true;
        linebuf_drop_partial(&c->lb);
        conn_flush(l, c);
    } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        conn_fail(l, c);
    }
}

/* Makes the connection table hold fd. Returns 0 or -1 (ENOMEM). */
static int conns_reserve(struct evloop *l, int fd)
{
    if ((size_t)fd < l->conns_cap)
        return 0;
    size_t cap = l->conns_cap ? l->conns_cap : 1024;
    while (cap <= (size_t)fd)
        cap *= 2;
    struct conn **p = realloc(l->conns, cap * sizeof(*p));
    if (!p)
        return -1;
    memset(p + l->conns_cap, 0, (cap - l->conns_cap) * sizeof(*p));
    l->conns = p;
    l->conns_cap = cap;
    return 0;
}

static void conn_open(struct evloop *l, int fd)
{
    struct conn *c = NULL;

    if (conns_reserve(l, fd) < 0 || !(c = calloc(1, sizeof(*c))))
        goto reject;
    /* select cannot watch a descriptor at or above FD_SETSIZE: refused here, cleanly,
     * instead of writing past the end of an fd_set. */
    if (poller_add(l->poller, fd, EV_READ) < 0)
        goto reject;
    c->fd = fd;
    c->mask = EV_READ;
    l->conns[fd] = c;
    stats_conn_open();
    return;

reject:
    /* Counted first, while errno still says why. ERANGE: a descriptor too large for
     * the poller (select's FD_SETSIZE, see poller_add). */
    stats_reject(errno == ERANGE ? REJECT_FD_SETSIZE : stats_reject_cause(errno));
    free(c);
    close(fd);
}

/* Stops watching the listener for a moment: after a failure that would otherwise
 * make a level-triggered loop spin on it. */
static void listener_pause(struct evloop *l)
{
    poller_del(l->poller, l->listenfd, EV_READ | l->listen_flags);
    l->paused_until = clock_now_ns() + LISTEN_PAUSE_NS;
}

static void accept_ready(struct evloop *l)
{
    /* The reserve is lost when another loop of the process (echo-reuseport) took the
     * descriptor it freed before it could take it back: take it back now. */
    if (l->reserve < 0)
        l->reserve = net_reserve_open();
    for (int i = 0; i < ACCEPT_BATCH; i++) {
        int fd = accept4(l->listenfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            stats_add(STAT_ACCEPTED, 1);
            conn_open(l, fd);
            continue;
        }
        int err = errno;
        switch (server_accept_verdict(err)) {
        case ACCEPT_RETRY:
            continue;
        case ACCEPT_DRAINED:
            return;
        case ACCEPT_FATAL:
            /* EINVAL: shut down for the stop, which the loop sees. In a prefork worker
             * the stop arrives a moment after its parent shut the shared listener: until
             * then, rest rather than spin on a listener that stays readable. Anything
             * else (EBADF, ENOTSOCK): the listener is broken, and the loop ends. */
            if (err != EINVAL)
                l->broken = err;
            else if (!server_stopping)
                listener_pause(l);
            return;
        case ACCEPT_SHED:
            /* Left in the queue, the connection would keep the listener readable and
             * the loop would spin without end: leave it to a sibling with room, or,
             * when there is none, shed what is queued. */
            while (!sibling_has_room(l)) { /* asked before each: one may free a slot */
                int shed = net_shed(l->listenfd, &l->reserve);
                if (shed == 0)
                    return; /* the queue is empty */
                if (shed < 0) {
                    listener_pause(l); /* no reserve to free */
                    return;
                }
                stats_add(STAT_ACCEPTED, 1);
                stats_reject(stats_reject_cause(err)); /* EMFILE or ENFILE */
            }
            siblings_take_over(l);
            return;
        case ACCEPT_BACKOFF:
            stats_add(STAT_ERRORS, 1);
            listener_pause(l);
            return;
        }
    }
}

/* How long the next wait may last: until a paused listener is due back. */
static int wait_timeout_ms(struct evloop *l)
{
    if (!l->paused_until)
        return -1;
    uint64_t now = clock_now_ns();
    if (now >= l->paused_until) {
        l->paused_until = 0;
        if (poller_add(l->poller, l->listenfd, EV_READ | l->listen_flags) == 0)
            return -1;
        l->paused_until = now + LISTEN_PAUSE_NS;
        now = clock_now_ns();
    }
    return (int)((l->paused_until - now + NS_PER_MS - 1) / NS_PER_MS);
}

static void dispatch(struct evloop *l, const struct poller_event *ev)
{
    if (ev->fd == l->listenfd) {
        accept_ready(l);
        return;
    }
    if (l->shared && ev->fd == l->nudge_fd) {
        /* A full sibling left its queue to us. The first to read resets the count;
         * every loop woken looks at the queue, which costs an EAGAIN at worst. */
        uint64_t count;
        ssize_t rc = read(l->nudge_fd, &count, sizeof(count));
        (void)rc;
        if (!l->full && !l->paused_until)
            accept_ready(l);
        return;
    }
    /* An event earlier in this batch may have closed this connection, and an accept may
     * even have given its number to a new one. Then this event is stale: on a
     * non-blocking socket it costs one EAGAIN, nothing worse. */
    struct conn *c = conn_lookup(l, ev->fd);
    if (c && (ev->mask & EV_READ) && (c->mask & EV_READ)) {
        conn_readable(l, c);
        c = conn_lookup(l, ev->fd);
    }
    if (c && (ev->mask & EV_WRITE) && (c->mask & EV_WRITE))
        conn_flush(l, c);
}

int evloop_run(int listenfd, const struct evloop_opts *opts)
{
    struct evloop l = {.listenfd = listenfd,
                       .listen_flags = opts->listen_flags,
                       .shared = opts->shared,
                       .nudge_fd = opts->nudge_fd,
                       .reserve = net_reserve_open()};
    int rc = 0;

    l.poller = poller_create();
    if (!l.poller || poller_add(l.poller, listenfd, EV_READ | l.listen_flags) < 0 ||
        (l.shared && poller_add(l.poller, l.nudge_fd, EV_READ) < 0)) {
        fprintf(stderr, "echo server: cannot watch the listener with %s: %s\n", poller_name,
                strerror(errno));
        rc = -1;
        goto out;
    }
    if (opts->up)
        opts->up(opts->up_arg);
    while (!server_stopping) {
        struct poller_event *events;
        int n = poller_wait(l.poller, wait_timeout_ms(&l), &events);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "echo server: %s wait failed: %s\n", poller_name, strerror(errno));
            rc = -1;
            break;
        }
        for (int i = 0; i < n; i++)
            dispatch(&l, &events[i]);
        if (l.broken) {
            fprintf(stderr, "echo server: accept on the listener failed: %s\n", strerror(l.broken));
            rc = -1;
            break;
        }
    }

    for (size_t fd = 0; fd < l.conns_cap; fd++)
        if (l.conns[fd])
            conn_close(&l, l.conns[fd]);
out:
    free(l.conns);
    if (l.poller)
        poller_destroy(l.poller);
    if (l.reserve >= 0)
        close(l.reserve);
    return rc;
}
