/* echo-threadpool: a fixed pool of threads fed by a bounded queue of connections.
 *
 * CS:APP's pre-threaded server: the main thread accepts and inserts each connected
 * descriptor into a bounded buffer (sbuf); -n worker threads (default: four per CPU)
 * remove them and serve each to its end with the blocking echo loop. No thread is
 * created per connection, so a new client costs no creation and the threads are
 * bounded; but a worker serves one connection at a time, so as many idle clients as
 * there are workers stop everyone else: the iterative server, n lanes wide. That is a
 * finding for the benchmarks, not a bug to hide.
 *
 * The buffer is a mutex and two condition variables (room, items). When it is full
 * the main thread stops accepting, and further clients wait in the kernel's accept
 * queue. */
#include "clock.h"
#include "connset.h"
#include "net.h"
#include "proto.h"
#include "server.h"
#include "stats.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define STOP_GRACE_NS (1500 * NS_PER_MS)
#define JOIN_GRACE_NS (300 * NS_PER_MS)
/* How often a thread waiting on the buffer looks at server_stopping: a signal
 * handler cannot signal a condition variable. */
#define STOP_POLL_NS (50 * NS_PER_MS)
#define MIN_SLOTS    16

/* The bounded buffer of connected descriptors. */
struct sbuf {
    int *fds;
    size_t slots, head, count;
    bool closing; /* no more inserts: workers leave once it is empty */
    int up;       /* workers that have started */
    pthread_mutex_t lock;
    pthread_cond_t room;  /* signalled when a slot frees */
    pthread_cond_t items; /* signalled when a descriptor arrives, or at closing */
};

static struct sbuf sb = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
};

static int sbuf_init(size_t slots)
{
    pthread_condattr_t attr;
    sb.fds = calloc(slots, sizeof(*sb.fds));
    if (!sb.fds)
        return -1;
    sb.slots = slots;
    /* The monotonic clock for the timed waits: a change of the wall clock must not
     * stretch them. */
    if (pthread_condattr_init(&attr) != 0 ||
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) != 0 ||
        pthread_cond_init(&sb.room, &attr) != 0 || pthread_cond_init(&sb.items, NULL) != 0)
        return -1;
    pthread_condattr_destroy(&attr);
    return 0;
}

/* Waits until the buffer has room, or the server is stopping. Returns true when
 * there is room. Only the main thread inserts, so the room stays until it does. */
static bool sbuf_wait_room(void)
{
    pthread_mutex_lock(&sb.lock);
    while (sb.count == sb.slots && !server_stopping) {
        struct timespec until = clock_deadline(CLOCK_MONOTONIC, STOP_POLL_NS);
        pthread_cond_timedwait(&sb.room, &sb.lock, &until);
    }
    bool room = sb.count < sb.slots;
    pthread_mutex_unlock(&sb.lock);
    return room;
}

static void sbuf_insert(int fd)
{
    pthread_mutex_lock(&sb.lock);
    sb.fds[(sb.head + sb.count) % sb.slots] = fd;
    sb.count++;
    pthread_cond_signal(&sb.items);
    pthread_mutex_unlock(&sb.lock);
}

/* Removes the oldest descriptor, waiting for one. Returns it, or -1 once the buffer
 * is closing and empty. */
static int sbuf_remove(void)
{
    int fd = -1;
    pthread_mutex_lock(&sb.lock);
    while (sb.count == 0 && !sb.closing)
        pthread_cond_wait(&sb.items, &sb.lock);
    if (sb.count > 0) {
        fd = sb.fds[sb.head];
        sb.head = (sb.head + 1) % sb.slots;
        sb.count--;
        pthread_cond_signal(&sb.room);
    }
    pthread_mutex_unlock(&sb.lock);
    return fd;
}

/* Closes the buffer for the stop: the workers leave once it is empty, and the
 * connections still in it, accepted but never served, are closed. */
static void sbuf_close(void)
{
    pthread_mutex_lock(&sb.lock);
    sb.closing = true;
    while (sb.count > 0) {
        close(sb.fds[sb.head]);
        stats_conn_close();
        sb.head = (sb.head + 1) % sb.slots;
        sb.count--;
    }
    pthread_cond_broadcast(&sb.items);
    pthread_mutex_unlock(&sb.lock);
}

static void *worker(void *arg)
{
    stats_use_shard((unsigned)(uintptr_t)arg);
    pthread_mutex_lock(&sb.lock);
    sb.up++;
    pthread_cond_broadcast(&sb.room); /* threadpool_listening waits on it for this */
    pthread_mutex_unlock(&sb.lock);
    for (;;) {
        int connfd = sbuf_remove();
        if (connfd < 0)
            return NULL;
        /* In the set before serving, so the stop can end it; and served only if the
         * stop has not begun, or connset_stop may have passed it by already. */
        if (connset_add(connfd) < 0) {
            stats_reject(REJECT_ENOMEM);
        } else {
            if (!server_stopping)
                proto_echo(connfd);
            connset_remove(connfd); /* before close: once closed, the number may be reused */
        }
        close(connfd);
        stats_conn_close();
    }
}

static pthread_t *tids;
static int started;
static pthread_attr_t attr;
static int reserve = -1;

/* Ends the workers started so far, by one deadline for the whole stop: the joins have
 * what the connections leave of it, and hundreds of workers waking at once can take
 * longer than a fixed slice. */
static void stop_workers(void)
{
    struct timespec until = clock_deadline(CLOCK_REALTIME, STOP_GRACE_NS + JOIN_GRACE_NS);
    sbuf_close();
    connset_stop(STOP_GRACE_NS);
    /* A worker still busy past it (finishing a line's work) is detached and goes with
     * the process; the buffer stays allocated for it. */
    for (int i = 0; i < started; i++)
        if (pthread_timedjoin_np(tids[i], NULL, &until) != 0)
            pthread_detach(tids[i]);
    pthread_attr_destroy(&attr);
    free(tids);
    if (reserve >= 0)
        close(reserve);
}

/* Before the ready line: starts the workers and waits until each runs, so a client
 * (or bench, measuring memory) that reads the ready line finds the whole pool. */
static int threadpool_listening(int listenfd, const struct server_opts *opts)
{
    int n = opts->workers;
    size_t slots = (size_t)n < MIN_SLOTS ? MIN_SLOTS : (size_t)n;

    (void)listenfd;
    reserve = net_reserve_open();
    tids = calloc((size_t)n, sizeof(*tids));
    if (!tids || sbuf_init(slots) < 0 || pthread_attr_init(&attr) != 0) {
        fprintf(stderr, "echo-threadpool: out of memory for %d workers\n", n);
        free(tids);
        return -1;
    }
    int err = pthread_attr_setstacksize(&attr, opts->stack_bytes);
    if (err != 0) {
        fprintf(stderr, "echo-threadpool: a stack of %zu KiB is refused: %s\n",
                opts->stack_bytes / 1024, strerror(err));
        stop_workers();
        return -1;
    }
    for (; started < n; started++) {
        err = pthread_create(&tids[started], &attr, worker, (void *)(uintptr_t)started);
        if (err != 0) {
            fprintf(stderr, "echo-threadpool: cannot start worker %d of %d: %s\n", started + 1, n,
                    strerror(err));
            stop_workers();
            return -1;
        }
    }
    pthread_mutex_lock(&sb.lock);
    while (sb.up < started)
        pthread_cond_wait(&sb.room, &sb.lock);
    pthread_mutex_unlock(&sb.lock);
    return 0;
}

static int threadpool_run(int listenfd, const struct server_opts *opts)
{
    int rc = 0;

    (void)opts;
    /* Accept only when there is room: a connection the pool cannot take waits in the
     * kernel's queue, not in the server's. */
    while (sbuf_wait_room()) {
        int connfd = server_accept(listenfd, &reserve);
        if (connfd < 0) {
            rc = server_stopping ? 0 : -1;
            break;
        }
        stats_conn_open(); /* held from here, queued or served */
        sbuf_insert(connfd);
    }
    stop_workers();
    return rc;
}

const struct server_model model_threadpool = {
    .name = "threadpool",
    .summary = "Thread pool: -n workers take connections from a bounded queue the main thread "
               "fills.",
    .flags = MODEL_WORKERS | MODEL_STACK,
    .workers_are = "worker threads",
    .workers_per_cpu = 4,
    .listening = threadpool_listening,
    .run = threadpool_run,
};
