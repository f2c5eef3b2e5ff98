/* A deliberately broken echo server, for the load generator's tests. It prints the
 * ready line as the real servers do, so the harness can drive it, and misbehaves in
 * one of three ways, named by its one argument:
 *
 *   (none)    echoes every line, but changes one byte in every fourth line: wrong,
 *             yet the same length, so the lines stay framed;
 *   newline   echoes every line, but once in its whole life (the 200th line it reads,
 *             over all connections) inserts one extra newline in the middle of a
 *             line: a framing error, after which every later line of that
 *             connection is one line off;
 *   silent    reads every line and never answers: a hung server. */
#include "fake_server.h"
#include "rio.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_LINE   65536
#define NEWLINE_AT 200 /* newline: the line, counted over all connections */

enum mode { EVERY_FOURTH, NEWLINE, SILENT };

static enum mode mode = EVERY_FOURTH;
static atomic_uint lines_read; /* over all connections */

/* Writes line (n bytes) as the mode has it. Returns 0, or -1 when the client is gone. */
static int answer(int fd, char *line, size_t n, unsigned count)
{
    if (mode == SILENT)
        return 0;
    if (mode == EVERY_FOURTH && count % 4 == 0 && n > 1)
        line[0] ^= 0x20; /* wrong, but the same length */
    if (mode == NEWLINE && atomic_fetch_add(&lines_read, 1) + 1 == NEWLINE_AT && n > 2) {
        /* One byte more: the line's first half, a newline, then the rest. */
        size_t half = n / 2;
        if (rio_writen(fd, line, half) < 0 || rio_writen(fd, "\n", 1) < 0)
            return -1;
        return rio_writen(fd, line + half, n - half) < 0 ? -1 : 0;
    }
    return rio_writen(fd, line, n) < 0 ? -1 : 0;
}

static void *serve(void *arg)
{
    int fd = (int)(intptr_t)arg;
    struct rio rio;
    char *line = malloc(MAX_LINE);
    ssize_t n;
    unsigned count = 0;

    rio_init(&rio, fd);
    while (line && (n = rio_readlineb(&rio, line, MAX_LINE)) > 0 && line[n - 1] == '\n')
        if (answer(fd, line, (size_t)n, ++count) < 0)
            break;
    free(line);
    close(fd);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "newline") == 0) {
        mode = NEWLINE;
    } else if (argc > 1 && strcmp(argv[1], "silent") == 0) {
        mode = SILENT;
    } else if (argc > 1) {
        fprintf(stderr, "corrupt_server: unknown mode '%s' (newline, silent)\n", argv[1]);
        return 2;
    }
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
