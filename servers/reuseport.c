/* echo-reuseport: a thread per CPU, each with its own event loop and its own listener.
 *
 * SO_REUSEPORT (Linux 3.9) lets several sockets bind one address and port, and the
 * kernel hashes each new connection to one of them. So -n threads (default: one per
 * CPU) each listen, accept and serve on their own, with nothing shared but the
 * counters: no accept lock, no herd, no queue between threads, every connection's
 * life on one core. The price: a connection stays on the thread the hash chose, busy
 * or not, and the kernel does not look at how busy it is. Each thread runs
 * echo-epoll's event loop (evloop.c). */
#include "evloop.h"
#include "net.h"
#include "server.h"
#include "stats.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct loop {
    int listenfd;
    unsigned index;
    int rc;
    bool up; /* counted in up_count */
};

static struct loop *loops; /* one per thread; the first on server_main's listener */
static pthread_t *tids;    /* the threads of loops[1..started) */
static int started = 1;

/* How many loops are set up, under up_lock: the ready line waits for all of them. */
static pthread_mutex_t up_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t up_cond = PTHREAD_COND_INITIALIZER;
static int up_count;

static void loop_up(void *arg)
{
    struct loop *l = arg;
    pthread_mutex_lock(&up_lock);
    l->up = true;
    up_count++;
    pthread_cond_signal(&up_cond);
    pthread_mutex_unlock(&up_lock);
}

static void *loop_thread(void *arg)
{
    struct loop *l = arg;
    stats_use_shard(l->index);
    /* loops[0] is the main thread's, which comes up after the ready line. */
    struct evloop_opts opts = {.up = l->index ? loop_up : NULL, .up_arg = l};
    l->rc = evloop_run(l->listenfd, &opts);
    /* A loop that failed stops the server, rather than leave its share of the
     * connections, which the kernel keeps hashing to its listener, unserved. */
    if (l->rc < 0 && !server_stopping)
        kill(getpid(), SIGTERM);
    if (l->index && !l->up) /* it failed before it was up: the ready line waits no more */
        loop_up(l);
    return NULL;
}

static void close_listeners(int n)
{
    for (int i = 1; loops && i < n; i++)
        if (loops[i].listenfd >= 0)
            close(loops[i].listenfd);
    free(loops);
    loops = NULL;
}

/* Ends the threads started so far (the stop, which they see) and frees what
 * reuseport_listening made. */
static void end_threads(int n)
{
    for (int i = 1; i < started; i++)
        pthread_join(tids[i], NULL);
    close_listeners(n);
    free(tids);
    tids = NULL;
}

/* Opens the listeners after the first, on the port it got. */
static int open_listeners(int listenfd, const struct server_opts *opts)
{
    int n = opts->workers;
    struct net_addr bound;

    loops[0] = (struct loop){.listenfd = listenfd, .index = 0};
    for (int i = 1; i < n; i++)
        loops[i] = (struct loop){.listenfd = -1, .index = (unsigned)i};
    if (net_local_addr(listenfd, &bound) < 0) {
        fprintf(stderr, "echo-reuseport: cannot read the listener's address: %s\n",
                strerror(errno));
        return -1;
    }
    for (int i = 1; i < n; i++) {
        loops[i].listenfd = net_listen(&bound, opts->backlog, NET_REUSEPORT | NET_NONBLOCK);
        if (loops[i].listenfd < 0 || server_add_listener(loops[i].listenfd) < 0) {
            fprintf(stderr, "echo-reuseport: cannot open listener %d of %d: %s\n", i + 1, n,
                    strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* The first listener is server_main's; the others bind the port it got. All are made,
 * and their threads up, before the ready line, so a client that reads it finds every
 * one open; they are registered, so the stop shuts them all down. */
static int reuseport_listening(int listenfd, const struct server_opts *opts)
{
    int n = opts->workers;

    loops = calloc((size_t)n, sizeof(*loops));
    tids = calloc((size_t)n, sizeof(*tids));
    if (!loops || !tids) {
        fprintf(stderr, "echo-reuseport: out of memory for %d threads\n", n);
        goto fail;
    }
    if (open_listeners(listenfd, opts) < 0)
        goto fail;
    for (; started < n; started++) {
        int err = pthread_create(&tids[started], NULL, loop_thread, &loops[started]);
        if (err != 0) {
            fprintf(stderr, "echo-reuseport: cannot start thread %d of %d: %s\n", started + 1, n,
                    strerror(err));
            kill(getpid(), SIGTERM); /* the started ones stop too */
            end_threads(n);
            return -1;
        }
    }
    pthread_mutex_lock(&up_lock);
    while (up_count < n - 1)
        pthread_cond_wait(&up_cond, &up_lock);
    pthread_mutex_unlock(&up_lock);
    return 0;

fail:
    close_listeners(n);
    free(tids);
    tids = NULL;
    return -1;
}

static int reuseport_run(int listenfd, const struct server_opts *opts)
{
    int n = opts->workers, rc = 0;

    (void)listenfd;         /* loops[0]'s, since reuseport_listening */
    loop_thread(&loops[0]); /* the main thread serves the first listener */
    for (int i = 1; i < started; i++) {
        pthread_join(tids[i], NULL);
        if (loops[i].rc < 0)
            rc = -1;
    }
    started = 1;
    if (loops[0].rc < 0)
        rc = -1;
    end_threads(n);
    return rc;
}

const struct server_model model_reuseport = {
    .name = "reuseport",
    .summary = "A thread per CPU, each an epoll loop with its own SO_REUSEPORT listener.",
    .flags = MODEL_WORKERS | MODEL_REUSEPORT | MODEL_NONBLOCK,
    .workers_are = "threads, each with its own listener and event loop",
    .workers_per_cpu = 1,
    .listening = reuseport_listening,
    .run = reuseport_run,
};
