/* A server that will not stop, for the runner's tests: it echoes like the real ones,
 * but ignores SIGTERM. bench must record the hang, kill it, and go on. */
#include "fake_server.h"
#include "rio.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

static void *serve(void *arg)
{
    int fd = (int)(intptr_t)arg;
    struct rio rio;
    char line[4096];
    ssize_t n;

    rio_init(&rio, fd);
    while ((n = rio_readlineb(&rio, line, sizeof(line))) > 0)
        if (rio_writen(fd, line, (size_t)n) < 0)
            break;
    close(fd);
    return NULL;
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    int lfd = fake_server_listen();
    if (lfd < 0)
        return 1;
    for (;;) {
        pthread_t t;
        int fd = accept(lfd, NULL, NULL);
        if (fd >= 0 && pthread_create(&t, NULL, serve, (void *)(intptr_t)fd) == 0)
            pthread_detach(t);
        else if (fd >= 0)
            close(fd);
    }
}
