/* The start every fake server of the tests shares: listen on 127.0.0.1, a free port,
 * and print the ready line the real servers print, so the harness and bench can drive
 * them alike. */
#ifndef ECHOBENCH_FAKE_SERVER_H
#define ECHOBENCH_FAKE_SERVER_H

#include "net.h"

#include <stdio.h>
#include <sys/socket.h>

/* Returns the listening descriptor after printing the ready line, or -1. */
static inline int fake_server_listen(void)
{
    struct net_addr addr, bound;
    char where[NET_ADDRSTRLEN];

    if (net_resolve("127.0.0.1", "0", 1, &addr) != 0)
        return -1;
    int lfd = net_listen(&addr, 128, 0);
    if (lfd < 0 || net_local_addr(lfd, &bound) < 0 ||
        net_format((struct sockaddr *)&bound.ss, where, sizeof(where)) < 0)
        return -1;
    printf("listening on %s\n", where);
    fflush(stdout);
    return lfd;
}

#endif
