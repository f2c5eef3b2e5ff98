/* echo-thread: a thread per connection.
 *
 * The main thread accepts; each connection gets a detached thread that serves it and
 * exits. Threads are cheap to create and share everything, so everything they share
 * must be safe: the counters are atomic (stats.c) and the set of open connections is
 * under a lock (connset.c). */
#include "clock.h"
#include "connset.h"
#include "net.h"
#include "proto.h"
#include "server.h"
#include "stats.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define STOP_GRACE_NS (1500 * NS_PER_MS)

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

static int thread_run(int listenfd, const struct server_opts *opts)
{
    pthread_attr_t attr;
    int reserve = net_reserve_open();
    int rc = 0;

    /* Detached: nobody joins, the thread's resources go back when it returns. A small
     * stack, so thousands of idle clients fit in memory. */
    int err = pthread_attr_init(&attr);
    if (err != 0) {
        fprintf(stderr, "echo-thread: pthread_attr_init: %s\n", strerror(err));
        return -1;
    }
    err = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
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
        if (connset_add(connfd) < 0 ||
            (err = pthread_create(&tid, &attr, serve, (void *)(intptr_t)connfd)) != 0) {
            /* EAGAIN: out of threads or memory. This client only pays. */
            connset_remove(connfd);
            close(connfd);
            stats_add(STAT_REJECTED, 1);
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
    .run = thread_run,
};
