/* A server that dies under load, for the runner's tests: it prints the ready line as
 * the real servers do, echoes for a moment, then aborts (SIGABRT) while clients are
 * connected. bench must record the crash and go on. */
#include "fake_server.h"
#include "rio.h"

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    int lfd = fake_server_listen();
    if (lfd < 0)
        return 1;
    /* Serve the first client for 300 ms (poll until then), then die. */
    int fd = accept(lfd, NULL, NULL);
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    char buf[4096];
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 > 300)
            abort();
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 10) > 0) {
            ssize_t n = read(fd, buf, sizeof(buf));
            if (n > 0)
                rio_writen(fd, buf, (size_t)n);
        }
    }
}
