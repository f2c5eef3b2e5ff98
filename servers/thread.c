/* echo-thread: a thread per connection.
 *
 * The main thread accepts; each connection gets a detached thread that serves it and
 * exits. Threads are cheap to create and share everything, so everything they share
 * must be safe: the counters are atomic (stats.c) and the set of open connections is
 * under a lock (connset.c).
 *
 * --pitfall racy-connfd and no-detach make the two mistakes the comments below avoid,
 * so that what they cost can be measured (docs/servers.md). */
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
#include <string.h>
#include <unistd.h>

#define STOP_GRACE_NS (1500 * NS_PER_MS)

/* racy-connfd: how long a new thread waits before it reads *arg. The race is there
 * without it, but its window (from pthread_create to the read) is a few microseconds,
 * and a classroom would seldom see it; 2 ms lets every accept in that time overwrite
 * the variable first, so a burst of clients shows it every time. */
#define RACY_DELAY_NS (2 * NS_PER_MS)

/* racy-connfd: the one variable whose address every new thread gets, as the lecture's
 * main() has its connfd. Static, so it outlives any thread that reads it late. */
static int racy_connfd;

static void *serve(void *arg)
{
    /* The descriptor arrives by value. Passing &connfd would race: the main thread
     * overwrites connfd at its next accept, maybe before this thread reads it. */
    int connfd = (int)(intptr_t)arg;

    stats_conn_open();
    stats_use_shard((unsigned)connfd);
    proto_echo(connfd);
    connset_remove(connfd); /* before close: once closed, the number may be reused */
    close(connfd);
    stats_conn_close();
    return NULL;
}

/* racy-connfd: the pitfall's thread reads the descriptor through the pointer, late.
 * By then the main thread may have stored the next connection's there: two threads
 * then serve that one (each closes it: the second close fails, or closes a newer
 * connection that reused the number), and the connection this thread was made for is
 * served by none: it stays open, unread, until the stop shuts it down. */
static void *serve_racy(void *arg)
{
    clock_sleep_ns(RACY_DELAY_NS);
    int connfd = *(int *)arg;
    return serve((void *)(intptr_t)connfd);
}

static int thread_run(int listenfd, const struct server_opts *opts)
{
    pthread_attr_t attr;
    int reserve = net_reserve_open();
    int rc = 0;
    /* The pitfalls: threads left joinable and never joined, so each one's stack stays
     * mapped after it returns; or the descriptor passed by its address. */
    bool no_detach = opts->pitfall && strcmp(opts->pitfall, "no-detach") == 0;
    bool racy = opts->pitfall && strcmp(opts->pitfall, "racy-connfd") == 0;

    /* Detached: nobody joins, the thread's resources go back when it returns. A small
     * stack, so thousands of idle clients fit in memory. */
    int err = pthread_attr_init(&attr);
    if (err != 0) {
        fprintf(stderr, "echo-thread: pthread_attr_init: %s\n", strerror(err));
        return -1;
    }
    err = pthread_attr_setdetachstate(&attr, no_detach ? PTHREAD_CREATE_JOINABLE
                                                       : PTHREAD_CREATE_DETACHED);
    if (err == 0)
        err = pthread_attr_setstacksize(&attr, opts->stack_bytes);
    if (err != 0) {
        fprintf(stderr, "echo-thread: a stack of %zu KiB is refused: %s\n",
                opts->stack_bytes / 1024, strerror(err));
        rc = -1;
        goto out;
    }

    while (!server_stopping) {
        int connfd = server_accept(listenfd, &reserve);
        if (connfd < 0) {
            rc = server_stopping ? 0 : -1;
            break;
        }
        pthread_t tid;
        void *(*start)(void *) = serve;
        void *arg = (void *)(intptr_t)connfd;
        if (racy) {
            racy_connfd = connfd;
            start = serve_racy;
            arg = &racy_connfd;
        }
        if (connset_add(connfd) < 0)
            err = errno; /* ENOMEM */
        else
            err = pthread_create(&tid, &attr, start, arg);
        if (err != 0) {
            /* EAGAIN: out of threads (RLIMIT_NPROC, threads-max, pid_max) or the
             * kernel's memory for them. This client only pays. */
            connset_remove(connfd);
            close(connfd);
            stats_reject(stats_reject_cause(err));
        }
    }
    connset_stop(STOP_GRACE_NS);
out:
    pthread_attr_destroy(&attr);
    if (reserve >= 0)
        close(reserve);
    return rc;
}

const struct server_model model_thread = {
    .name = "thread",
    .summary = "Thread per connection: a detached thread with a small stack serves each client.",
    .flags = MODEL_STACK,
    .pitfalls =
        (const struct server_pitfall[]){
            {"racy-connfd",
             "threads read &connfd 2 ms late: several serve one client, others none"},
            {"no-detach", "threads never detached nor joined: a stack stays mapped per client"},
            {NULL, NULL},
        },
    .run = thread_run,
};
