/* echo-floor: the machine's own floor, the reference every model is read against.
 *
 * Not a model but the least an echo over loopback costs on this machine and kernel:
 * one thread, one epoll loop, bytes echoed as they arrive. bench runs it beside the
 * models, round for round, so that a model's figures read as ratios to it (vs_floor).
 * It leaves out what the models pay for: the line protocol, the counters and stats
 * line (a shared write per request), --work-us and --sleep-us, and workers (so on
 * several server CPUs a model that spreads may beat it in throughput). It keeps what
 * no server may leave out: a client that does not read holds only its own bytes, as
 * pending output, and is not read again until they are sent. */
#include "net.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#define BATCH      256
#define CHUNK      65536
#define STOP_TAG   ((void *)1) /* the signalfd's epoll tag; a connection's is its struct */
#define LISTEN_TAG NULL

struct conn {
    int fd;
    char *pending; /* what the peer has not taken yet, malloc'd; NULL when none */
    size_t len;
    struct conn *prev, *next; /* every open connection, for the stop to close */
};

static int epfd;
static char chunk[CHUNK]; /* the one read buffer: bytes stay only when a peer is slow */
static struct conn *conns;

static void conn_close(struct conn *c)
{
    close(c->fd); /* leaves the epoll set with it */
    if (c->prev)
        c->prev->next = c->next;
    else
        conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    free(c->pending);
    free(c);
}

static int watch(struct conn *c, int op, unsigned events)
{
    struct epoll_event ev = {.events = events, .data.ptr = c};
    return epoll_ctl(epfd, op, c->fd, &ev);
}

/* A connection is ready: for output while it has pending bytes (it is not read then,
 * so a client that does not read holds only its own bytes), else for input, which is
 * echoed at once; what the peer does not take now becomes its pending output. No
 * copy and no allocation while peers keep up. Returns 0, or -1 to close it (EOF too). */
static int conn_ready(struct conn *c)
{
    const char *from = c->pending;
    size_t n = c->len;
    if (!from) {
        ssize_t r = recv(c->fd, chunk, sizeof(chunk), 0);
        if (r <= 0)
            return r < 0 && (errno == EAGAIN || errno == EINTR) ? 0 : -1;
        from = chunk;
        n = (size_t)r;
    }
    ssize_t w = send(c->fd, from, n, MSG_NOSIGNAL);
    if (w < 0 && errno != EAGAIN && errno != EINTR)
        return -1;
    size_t left = n - (w > 0 ? (size_t)w : 0);
    if (left && !c->pending) {
        if (!(c->pending = malloc(left)))
            return -1;
        memcpy(c->pending, chunk + n - left, left);
        c->len = left;
        return watch(c, EPOLL_CTL_MOD, EPOLLOUT);
    }
    if (left) {
        memmove(c->pending, c->pending + n - left, left);
        c->len = left;
        return 0;
    }
    if (!c->pending)
        return 0;
    free(c->pending);
    c->pending = NULL;
    c->len = 0;
    return watch(c, EPOLL_CTL_MOD, EPOLLIN);
}

/* Accepts what is pending. Out of descriptors, the pending connection is shed through
 * the reserve (net_shed), or a level-triggered loop would spin on it. */
static void accept_all(int listenfd, int *reserve)
{
    for (;;) {
        int fd = accept4(listenfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0 && (errno == EINTR || errno == ECONNABORTED ||
                       ((errno == EMFILE || errno == ENFILE) && net_shed(listenfd, reserve) == 1)))
            continue;
        if (fd < 0)
            return; /* EAGAIN, or an error the next wakeup retries */
        struct conn *c = calloc(1, sizeof(*c));
        if (!c || (c->fd = fd, watch(c, EPOLL_CTL_ADD, EPOLLIN)) < 0) {
            close(fd); /* shed: no memory for it */
            free(c);
            continue;
        }
        c->next = conns;
        if (conns)
            conns->prev = c;
        conns = c;
    }
}

/* Opens the listener of the command line (as server.c reads it: -a ADDR, -b BACKLOG,
 * PORT). Exits 0 after --help, 2 on a bad command line, 1 when it cannot listen. */
static int open_listener(int argc, char **argv)
{
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const char *addr = "127.0.0.1";
    long backlog = 4096;
    struct net_addr a;
    char *end = "";
    int c;

    while (*end == 0 && (c = getopt_long(argc, argv, "a:b:h", longopts, NULL)) != -1 && c != '?') {
        if (c == 'h') {
            printf("usage: echo-floor [-a ADDR] [-b BACKLOG] PORT\n\n"
                   "The machine's reference, not a model: the least an echo costs here (one\n"
                   "thread, epoll, bytes echoed as they arrive, no line protocol, no counters).\n"
                   "bench runs it beside the models by itself, never as one of --models.\n\n"
                   "  PORT          TCP port to listen on; 0 picks a free one\n"
                   "  -a ADDR       address to bind (default 127.0.0.1; IPv6 such as ::1 works)\n"
                   "  -b BACKLOG    listen backlog (default 4096)\n"
                   "  -h, --help    show this help\n\n"
                   "Prints \"listening on ADDR:PORT\" when ready. SIGTERM or SIGINT stops it: it\n"
                   "closes every connection, prints {\"model\":\"floor\"} and exits 0.\n");
            exit(0);
        }
        if (c == 'a')
            addr = optarg;
        else if ((backlog = strtol(optarg, &end, 10)) < 1)
            end = "!";
    }
    if (c != -1 || optind + 1 != argc || net_parse_port(argv[optind]) < 0 ||
        net_resolve(addr, argv[optind], 1, &a) != 0) {
        fprintf(stderr, "usage: echo-floor [-a ADDR] [-b BACKLOG] PORT (0 to 65535)\n");
        exit(2);
    }
    int fd = net_listen(&a, (int)backlog, NET_NONBLOCK);
    if (fd < 0) {
        fprintf(stderr, "echo-floor: cannot listen on %s: %s\n", addr, strerror(errno));
        exit(1);
    }
    return fd;
}

int main(int argc, char **argv)
{
    struct epoll_event ev[BATCH];
    char where[NET_ADDRSTRLEN];
    struct net_addr bound;
    sigset_t stop;

    int listenfd = open_listener(argc, argv);
    net_raise_nofile(NULL);
    /* The stop arrives as a descriptor in the loop: no handler, no race with the wait. */
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    int sigfd = sigprocmask(SIG_BLOCK, &stop, NULL) == 0 ? signalfd(-1, &stop, SFD_CLOEXEC) : -1;
    int reserve = net_reserve_open();
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = LISTEN_TAG};
    struct epoll_event sev = {.events = EPOLLIN, .data.ptr = STOP_TAG};
    if (sigfd < 0 || (epfd = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
        epoll_ctl(epfd, EPOLL_CTL_ADD, listenfd, &lev) < 0 ||
        epoll_ctl(epfd, EPOLL_CTL_ADD, sigfd, &sev) < 0 || net_local_addr(listenfd, &bound) < 0 ||
        net_format((struct sockaddr *)&bound.ss, where, sizeof(where)) < 0) {
        fprintf(stderr, "echo-floor: cannot start: %s\n", strerror(errno));
        return 1;
    }
    printf("listening on %s\n", where);
    fflush(stdout);

    for (bool stopping = false; !stopping;) {
        int n = epoll_wait(epfd, ev, BATCH, -1);
        if (n < 0 && errno != EINTR) {
            perror("echo-floor: epoll_wait");
            return 1;
        }
        for (int i = 0; i < n; i++) {
            if (ev[i].data.ptr == STOP_TAG)
                stopping = true;
            else if (ev[i].data.ptr == LISTEN_TAG)
                accept_all(listenfd, &reserve);
            else if (conn_ready(ev[i].data.ptr) < 0)
                conn_close(ev[i].data.ptr);
        }
    }
    /* Every connection closed (each peer gets its FIN, or a reset where input is
     * unread) and what it held freed, before the one line. */
    while (conns)
        conn_close(conns);
    printf("{\"model\":\"floor\"}\n");
    return fflush(stdout) == 0 ? 0 : 1;
}
