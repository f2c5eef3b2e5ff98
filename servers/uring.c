/* echo-uring: one thread, completion-based I/O through io_uring (liburing).
 *
 * The event models ask the kernel "which sockets are ready?" and then make the calls
 * themselves; here the thread hands the kernel the calls (accept, recv, send) on a
 * submission ring and reads their results from a completion ring, many per system
 * call. The accept is multishot (Linux 5.19): submitted once, it completes once per
 * connection. Each connection has one operation in flight at a time: a recv into its
 * own line buffer while it owes no echo, a send of the echo while it does. That is
 * the back-pressure the event loops have: a client that sends without reading stops
 * being read, and the server never buffers for it without bound. (Multishot recv
 * would need buffers the kernel picks from, a copy out of them, and a cap per
 * connection, so that one client that does not read cannot take them all.)
 *
 * The protocol is the linebuf of the event models (proto.c). Where io_uring is not
 * available (a kernel before 5.6, kernel.io_uring_disabled, a sandbox), it exits
 * with SERVER_EXIT_UNAVAILABLE and says why. */
#include "clock.h"
#include "net.h"
#include "proto.h"
#include "server.h"
#include "stats.h"

#include <errno.h>
#include <liburing.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define RING_ENTRIES 4096
/* Completions the ring holds: room for every idle connection's recv to complete at
 * once (at the stop), before the kernel has to keep them aside. */
#define RING_COMPLETIONS 65536
#define STOP_GRACE_NS    (1500 * NS_PER_MS)
#define LISTEN_PAUSE_NS  (10 * NS_PER_MS)

enum op { OP_NONE, OP_RECV, OP_SEND };

struct conn {
    int fd;
    enum op op; /* the one operation in flight */
    bool eof;   /* the client half-closed: send what is owed, then close */
    bool closing;
    struct linebuf lb;
};

static struct io_uring ring;
static bool multishot = true; /* multishot accept, until the kernel refuses it */
static int listener;
static int reserve = -1;
static struct conn **conns; /* by descriptor */
static size_t conns_cap;
static size_t open_count;

/* Tags for the completions that are not a connection's. */
static char accept_tag, pause_tag;

/* A submission entry; when the ring is full, what is queued is submitted first. */
static struct io_uring_sqe *sqe_get(void)
{
    struct io_uring_sqe *sqe;
    while ((sqe = io_uring_get_sqe(&ring)) == NULL)
        io_uring_submit(&ring);
    return sqe;
}

static void accept_arm(void)
{
    struct io_uring_sqe *sqe = sqe_get();
    if (multishot)
        io_uring_prep_multishot_accept(sqe, listener, NULL, NULL, SOCK_CLOEXEC);
    else
        io_uring_prep_accept(sqe, listener, NULL, NULL, SOCK_CLOEXEC);
    io_uring_sqe_set_data(sqe, &accept_tag);
}

/* Accepts again after LISTEN_PAUSE_NS: after a failure that would repeat at once. */
static void accept_pause(void)
{
    static struct __kernel_timespec pause = {.tv_nsec = (long long)LISTEN_PAUSE_NS};
    struct io_uring_sqe *sqe = sqe_get();
    io_uring_prep_timeout(sqe, &pause, 0, 0);
    io_uring_sqe_set_data(sqe, &pause_tag);
}

static void conn_close(struct conn *c)
{
    conns[c->fd] = NULL;
    close(c->fd);
    linebuf_free(&c->lb);
    free(c);
    open_count--;
    stats_conn_close();
}

static void conn_fail(struct conn *c)
{
    stats_add(STAT_ERRORS, 1);
    conn_close(c);
}

/* The next operation of c, after the last one completed: the echo it owes, or
 * else a read; or the end. */
static void conn_next(struct conn *c)
{
    const char *p;
    size_t n = linebuf_pending(&c->lb, &p);

    if (c->closing || (n == 0 && c->eof)) {
        conn_close(c);
        return;
    }
    struct io_uring_sqe *sqe = sqe_get();
    if (n > 0) {
        io_uring_prep_send(sqe, c->fd, p, n, MSG_NOSIGNAL);
        c->op = OP_SEND;
    } else {
        size_t room;
        char *space = linebuf_space(&c->lb, &room);
        if (!space) {
            /* ENOMEM; the entry already taken goes as a no-op. */
            io_uring_prep_nop(sqe);
            io_uring_sqe_set_data(sqe, NULL);
            conn_fail(c);
            return;
        }
        io_uring_prep_recv(sqe, c->fd, space, room, 0);
        c->op = OP_RECV;
    }
    io_uring_sqe_set_data(sqe, c);
}

static void conn_open(int fd)
{
    struct conn *c = NULL;

    if ((size_t)fd >= conns_cap) {
        size_t cap = conns_cap ? conns_cap : 1024;
        while (cap <= (size_t)fd)
            cap *= 2;
        struct conn **p = realloc(conns, cap * sizeof(*p));
        if (!p)
            goto reject;
        memset(p + conns_cap, 0, (cap - conns_cap) * sizeof(*p));
        conns = p;
        conns_cap = cap;
    }
    if (!(c = calloc(1, sizeof(*c))))
        goto reject;
    c->fd = fd;
    conns[fd] = c;
    open_count++;
    stats_conn_open();
    conn_next(c);
    return;

reject:
    close(fd);
    stats_reject(REJECT_ENOMEM); /* realloc or calloc failed */
}

static void conn_done(struct conn *c, int res)
{
    enum op op = c->op;
    c->op = OP_NONE;
    if (res < 0 && res != -EINTR && res != -EAGAIN) {
        if (c->closing || res == -ECANCELED)
            conn_close(c); /* ended for the stop */
        else
            conn_fail(c); /* ECONNRESET, EPIPE: the client is gone */
        return;
    }
    if (op == OP_SEND && res > 0) {
        linebuf_sent(&c->lb, (size_t)res);
    } else if (op == OP_RECV && res > 0) {
        if (linebuf_commit(&c->lb, (size_t)res) < 0) {
            conn_close(c); /* a line over the limit (counted) */
            return;
        }
    } else if (op == OP_RECV && res == 0) {
        c->eof = true;
        linebuf_drop_partial(&c->lb);
    }
    conn_next(c);
}

/* Sheds what waits in the accept queue when out of descriptors, so that the accept
 * does not fail on it again at once, each counted as rejected for why. Returns false
 * when it cannot (no reserve). */
static bool shed_queue(enum reject_cause why)
{
    int shed;
    while ((shed = net_shed(listener, &reserve)) == 1) {
        stats_add(STAT_ACCEPTED, 1);
        stats_reject(why);
    }
    return shed == 0;
}

static int broken; /* the errno of a listener that can accept no more, or 0 */

static void accept_done(const struct io_uring_cqe *cqe)
{
    bool more = cqe->flags & IORING_CQE_F_MORE;
    int res = cqe->res;

    if (res >= 0) {
        stats_add(STAT_ACCEPTED, 1);
        conn_open(res);
    } else if (server_stopping) {
        return; /* the listener was shut down for the stop */
    } else if (res == -EINVAL && multishot && !more) {
        multishot = false; /* a kernel before 5.19: one accept per submission */
    } else {
        /* An error ends a multishot accept (more is false): it is armed again below,
         * or after a pause where it would fail again at once. */
        switch (server_accept_verdict(-res)) {
        case ACCEPT_RETRY:
        case ACCEPT_DRAINED:
            break;
        case ACCEPT_SHED:
            if (!shed_queue(stats_reject_cause(-res))) { /* EMFILE or ENFILE */
                if (!more)
                    accept_pause();
                return;
            }
            break;
        case ACCEPT_FATAL:
        case ACCEPT_BACKOFF:
            /* EBADF, ENOTSOCK: the listener can accept no more. EINVAL: shut a moment
             * before the stop is seen, or unforeseen: a pause, as for the others. */
            if (server_accept_verdict(-res) == ACCEPT_FATAL && -res != EINVAL) {
                broken = -res;
                return;
            }
            stats_add(STAT_ERRORS, 1);
            if (!more)
                accept_pause();
            return;
        }
    }
    if (!more)
        accept_arm();
}

static void complete(const struct io_uring_cqe *cqe)
{
    void *tag = io_uring_cqe_get_data(cqe);
    if (tag == &accept_tag)
        accept_done(cqe);
    else if (tag == &pause_tag)
        accept_arm();
    else if (tag)
        conn_done(tag, cqe->res);
}

/* Handles every completion there is. Returns how many. */
static unsigned reap(void)
{
    struct io_uring_cqe *cqe;
    unsigned head, n = 0;
    io_uring_for_each_cqe(&ring, head, cqe)
    {
        complete(cqe);
        n++;
    }
    io_uring_cq_advance(&ring, n);
    return n;
}

/* Ends every connection: each is shut down, so its operation in flight completes,
 * and is closed then. What is left after the grace time is closed by force once the
 * ring is gone. */
static void stop_all(void)
{
    for (size_t fd = 0; fd < conns_cap; fd++) {
        if (conns[fd]) {
            conns[fd]->closing = true;
            shutdown((int)fd, SHUT_RDWR);
        }
    }
    uint64_t deadline = clock_now_ns() + STOP_GRACE_NS;
    while (open_count > 0 && clock_now_ns() < deadline) {
        struct __kernel_timespec ts = {.tv_nsec = (long long)(10 * NS_PER_MS)};
        struct io_uring_cqe *cqe;
        io_uring_submit_and_wait_timeout(&ring, &cqe, 1, &ts, NULL);
        reap();
    }
}

/* Sets up the ring before the listener and the ready line: where io_uring is not
 * available, the model is, not failed. */
static int uring_prepare(const struct server_opts *opts)
{
    struct io_uring_params p;
    (void)opts;

    /* One thread submits; the kernel runs completion work when we wait, not by
     * interrupting us (Linux 6.1). Older kernels refuse the flags: fewer, then none. */
    static const unsigned tries[] = {
        IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
        IORING_SETUP_COOP_TASKRUN,
        0,
    };
    int rc = -EINVAL;
    for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]) && rc == -EINVAL; i++) {
        memset(&p, 0, sizeof(p));
        p.flags = tries[i] | IORING_SETUP_CQSIZE;
        p.cq_entries = RING_COMPLETIONS;
        rc = io_uring_queue_init_params(RING_ENTRIES, &ring, &p);
    }
    if (rc == -ENOSYS || rc == -EPERM || rc == -EACCES) {
        fprintf(stderr,
                "echo-uring: io_uring is not available here: %s (a kernel without it, "
                "kernel.io_uring_disabled set, or a sandbox that forbids it); the other "
                "models do not need it\n",
                strerror(-rc));
        return SERVER_EXIT_UNAVAILABLE;
    }
    if (rc == -EINVAL || rc == -ENOMEM) {
        /* EINVAL to every try: a kernel before 5.5 (no CQSIZE, nor accept); ENOMEM: one
         * before 5.12, which charges the rings to RLIMIT_MEMLOCK. */
        fprintf(stderr,
                "echo-uring: io_uring is not usable here: %s (%s); the other models do not "
                "need it\n",
                strerror(-rc),
                rc == -EINVAL ? "this kernel's io_uring is too old: echo-uring needs Linux 5.6"
                              : "raise the locked-memory limit, ulimit -l, or use Linux 5.12 "
                                "or later");
        return SERVER_EXIT_UNAVAILABLE;
    }
    if (rc < 0) {
        fprintf(stderr, "echo-uring: cannot set up io_uring: %s\n", strerror(-rc));
        return -1;
    }
    struct io_uring_probe *probe = io_uring_get_probe_ring(&ring);
    bool ops = probe && io_uring_opcode_supported(probe, IORING_OP_ACCEPT) &&
               io_uring_opcode_supported(probe, IORING_OP_RECV) &&
               io_uring_opcode_supported(probe, IORING_OP_SEND) &&
               io_uring_opcode_supported(probe, IORING_OP_TIMEOUT);
    if (probe)
        io_uring_free_probe(probe);
    if (!ops) {
        fprintf(stderr, "echo-uring: this kernel's io_uring has no accept, recv or send "
                        "(Linux 5.6 has them); the other models do not need it\n");
        io_uring_queue_exit(&ring);
        return SERVER_EXIT_UNAVAILABLE;
    }
    return 0;
}

static int uring_run(int listenfd, const struct server_opts *opts)
{
    int rc = 0;
    (void)opts;

    listener = listenfd;
    reserve = net_reserve_open();
    accept_arm();
    while (!server_stopping) {
        int ret = io_uring_submit_and_wait(&ring, 1);
        if (ret < 0 && ret != -EINTR && ret != -EAGAIN && ret != -EBUSY) {
            fprintf(stderr, "echo-uring: io_uring_enter: %s\n", strerror(-ret));
            rc = -1;
            break;
        }
        reap();
        if (broken) {
            fprintf(stderr, "echo-uring: accept on the listener failed: %s\n", strerror(broken));
            rc = -1;
            break;
        }
    }
    stop_all();
    io_uring_queue_exit(&ring); /* cancels what is still in flight, and waits for it */
    for (size_t fd = 0; fd < conns_cap; fd++)
        if (conns[fd])
            conn_close(conns[fd]);
    free(conns);
    if (reserve >= 0)
        close(reserve);
    return rc;
}

const struct server_model model_uring = {
    .name = "uring",
    .summary = "io_uring: one thread submits accept, recv and send and reaps their "
               "completions.",
    .prepare = uring_prepare,
    .run = uring_run,
};
