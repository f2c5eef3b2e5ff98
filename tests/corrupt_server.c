/* A deliberately broken echo server, for the load generator's tests: it echoes every
 * line, but changes one byte in every fourth line. It prints the ready line and stops
 * on SIGTERM as the real servers do, so the harness can drive it. */
#include "fake_server.h"
#include "rio.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_LINE 65536

static void *serve(void *arg)
{
    int fd = (int)(intptr_t)arg;
    struct rio rio;
    char *line = malloc(MAX_LINE);
    ssize_t n;
    unsigned count = 0;

    rio_init(&rio, fd);
    while (line && (n = rio_readlineb(&rio, line, MAX_LINE)) > 0 && line[n - 1] == '\n') {
        if (++count % 4 == 0 && n > 1)
            line[0] ^= 0x20; /* wrong, but the same length */
        if (rio_writen(fd, line, (size_t)n) < 0)
            break;
    }
    free(line);
    close(fd);
    return NULL;
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    signal(SIGPIPE, SIG_IGN);
    int lfd = fake_server_listen();
    if (lfd < 0)
        return 1;
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        pthread_t t;
        if (fd >= 0 && pthread_create(&t, NULL, serve, (void *)(intptr_t)fd) == 0)
            pthread_detach(t);
        else if (fd >= 0)
            close(fd);
    }
}
