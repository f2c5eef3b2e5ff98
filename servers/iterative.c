/* echo-iterative: one client at a time, by design.
 *
 * The server accepts a connection and serves it until the client closes, and only
 * then accepts the next. A client that connects and goes out to lunch stops everyone
 * else: the next client's connect and write succeed (the kernel queues the connection
 * and buffers its bytes) but its read blocks until the first client leaves. */
#include "net.h"
#include "proto.h"
#include "server.h"
#include "stats.h"

#include <unistd.h>

static int iterative_run(int listenfd, const struct server_opts *opts)
{
    (void)opts;
    int reserve = net_reserve_open(); /* for EMFILE: see net_shed */
    int rc = 0;

    while (!server_stopping) {
        int connfd = server_accept(listenfd, &reserve);
        if (connfd < 0) {
            rc = server_stopping ? 0 : -1; /* a failed listener was said */
            break;
        }
        stats_conn_open();
        /* Watched, so SIGTERM ends even a read from an idle client. The flag is checked
         * after the watch is set: a stop that came just before is seen here, one that
         * comes after shuts this connection down. */
        server_watch_fd(connfd);
        if (!server_stopping)
            proto_echo(connfd);
        server_watch_fd(-1); /* before close: the number may be reused at once */
        close(connfd);
        stats_conn_close();
    }
    if (reserve >= 0)
        close(reserve);
    return rc;
}

const struct server_model model_iterative = {
    .name = "iterative",
    .summary = "Iterative: serves one connection at a time, to the end, then accepts the next.",
    .run = iterative_run,
};
