/* A server that never accepts, for the capacity scenario's tests: it listens with a
 * backlog of 16 and prints the ready line, then only waits; past its full accept queue
 * the kernel drops the connects (ListenOverflows), and loadgen retries them until the
 * step's cap. SIGTERM ends it cleanly (exit 0), so bench sees no crash. */
#include "net.h"

#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static void on_term(int sig)
{
    (void)sig;
    _exit(0);
}

int main(void)
{
    struct net_addr addr, bound;
    char where[NET_ADDRSTRLEN];
    struct sigaction sa = {.sa_handler = on_term};
    sigaction(SIGTERM, &sa, NULL);
    if (net_resolve("127.0.0.1", "0", 1, &addr) != 0)
        return 1;
    int lfd = net_listen(&addr, 16, 0);
    if (lfd < 0 || net_local_addr(lfd, &bound) < 0 ||
        net_format((struct sockaddr *)&bound.ss, where, sizeof(where)) < 0)
        return 1;
    printf("listening on %s\n", where);
    fflush(stdout);
    for (;;)
        pause();
}
