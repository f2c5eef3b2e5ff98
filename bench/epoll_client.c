/* epoll-client: the baseline for loadgen's own speed. A minimal hand-written closed-loop
 * client: one thread, epoll, non-blocking sockets, one fixed line in flight per
 * connection, latency from send to the full echo into the same histogram loadgen uses.
 * It checks only the echo's length: it does the least a load generator can do, so that
 * loadgen's cost for verifying every byte shows.
 *
 *     epoll-client [-c CONNECTIONS] [-d SECONDS] [-w SECONDS] [-s BYTES] HOST:PORT
 *
 * Prints one line: rps=... p50_us=... p99_us=... completed=... */
#include "clock.h"
#include "hist.h"
#include "net.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

struct client {
    int fd;
    size_t got;       /* bytes of the echo read so far */
    uint64_t sent_at; /* ns */
};

static int send_line(struct client *c, const char *line, size_t len)
{
    c->got = 0;
    c->sent_at = clock_now_ns();
    return write(c->fd, line, len) == (ssize_t)len ? 0 : -1; /* 64 bytes: never short */
}

static void usage(void)
{
    fprintf(stderr, "usage: epoll-client [-c N] [-d SECONDS] [-w SECONDS] [-s BYTES] HOST:PORT\n");
    exit(2);
}

int main(int argc, char **argv)
{
    int conns = 64, opt;
    double duration = 5, warmup = 1;
    size_t len = 64;
    char host[256], port[16], buf[65536];

    while ((opt = getopt(argc, argv, "c:d:w:s:")) != -1) {
        switch (opt) {
        case 'c':
            conns = atoi(optarg);
            break;
        case 'd':
            duration = atof(optarg);
            break;
        case 'w':
            warmup = atof(optarg);
            break;
        case 's':
            len = (size_t)atoi(optarg);
            break;
        default:
            usage();
        }
    }
    if (optind + 1 != argc || conns < 1 || len < 2 || len > sizeof(buf) || duration <= 0 ||
        net_split_hostport(argv[optind], host, sizeof(host), port, sizeof(port)) < 0)
        usage();
    struct net_addr addr;
    if (net_resolve(host, port, 0, &addr) != 0) {
        fprintf(stderr, "epoll-client: cannot resolve %s\n", host);
        return 1;
    }
    char *line = malloc(len);
    memset(line, 'x', len - 1);
    line[len - 1] = '\n';
    struct client *cl = calloc((size_t)conns, sizeof(*cl));
    struct hist h;
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (!line || !cl || hist_init_default(&h) < 0 || ep < 0)
        return 1;
    for (int i = 0; i < conns; i++) {
        cl[i].fd = net_connect(&addr);
        if (cl[i].fd < 0 || net_set_nonblock(cl[i].fd) < 0) {
            fprintf(stderr, "epoll-client: connect: %s\n", strerror(errno));
            return 1;
        }
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &cl[i]};
        epoll_ctl(ep, EPOLL_CTL_ADD, cl[i].fd, &ev);
    }

    uint64_t start = clock_now_ns();
    uint64_t t0 = start + (uint64_t)(warmup * 1e9), t1 = t0 + (uint64_t)(duration * 1e9);
    uint64_t completed = 0;
    for (int i = 0; i < conns; i++)
        send_line(&cl[i], line, len);
    struct epoll_event evs[256];
    for (uint64_t now = start; now < t1;) {
        int n = epoll_wait(ep, evs, 256, 10);
        now = clock_now_ns();
        for (int i = 0; i < n; i++) {
            struct client *c = evs[i].data.ptr;
            ssize_t got = read(c->fd, buf, sizeof(buf));
            now = clock_now_ns(); /* the echo is in: the same end point as loadgen's */
            if (got <= 0) {
                fprintf(stderr, "epoll-client: the server closed a connection\n");
                return 1;
            }
            c->got += (size_t)got;
            if (c->got < len)
                continue;
            if (now >= t0 && now < t1) {
                hist_record(&h, now - c->sent_at);
                completed++;
            }
            send_line(c, line, len);
        }
    }
    printf("rps=%.1f p50_us=%.2f p99_us=%.2f completed=%llu\n", (double)completed / duration,
           (double)hist_percentile(&h, 50) / 1e3, (double)hist_percentile(&h, 99) / 1e3,
           (unsigned long long)completed);
    return 0;
}
