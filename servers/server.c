/* What every server model shares: command line, listener, ready line, signals, stats. */
#include "server.h"

#include "clock.h"
#include "net.h"
#include "proto.h"
#include "stats.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DEFAULT_ADDR      "127.0.0.1"
#define DEFAULT_BACKLOG   4096 /* the kernel caps it at net.core.somaxconn */
#define DEFAULT_STACK_KIB 64
#define MAX_LISTENERS     STATS_MAX_WORKERS /* one per worker, as -n allows */

_Atomic int server_stopping;

/* Written by the main thread before the handler can see them: an entry is stored
 * before the count that covers it (both volatile, so in that order). */
static volatile int listeners[MAX_LISTENERS];
static volatile sig_atomic_t listener_count;
static volatile sig_atomic_t watched_fd = -1;

static void on_stop(int sig)
{
    int saved = errno;
    (void)sig;

    server_stopping = 1;
    /* shutdown() is async-signal-safe; it wakes whatever blocks on these sockets. */
    for (int i = 0; i < listener_count; i++)
        shutdown(listeners[i], SHUT_RDWR);
    int fd = watched_fd;
    if (fd >= 0)
        shutdown(fd, SHUT_RDWR);
    errno = saved;
}

int server_add_listener(int fd)
{
    if (listener_count >= MAX_LISTENERS) {
        errno = ENOSPC;
        return -1;
    }
    listeners[listener_count] = fd;
    listener_count = listener_count + 1;
    return 0;
}

void server_forget_listeners(void)
{
    listener_count = 0;
}

int server_cpu_count(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

void server_watch_fd(int fd)
{
    watched_fd = fd;
}

enum accept_verdict server_accept_verdict(int err)
{
    switch (err) {
    case EINTR:
    case ECONNABORTED: /* the client gave up while queued */
    case EPROTO:
    /* Linux passes on the new socket's pending network errors; accept(2) says to
     * treat them as EAGAIN and retry. */
    case ENETDOWN:
    case ENOPROTOOPT:
    case EHOSTDOWN:
    case ENONET:
    case EHOSTUNREACH:
    case ENETUNREACH:
    case EPERM: /* a firewall rule */
        return ACCEPT_RETRY;
    case EAGAIN:
        return ACCEPT_DRAINED;
    case EMFILE:
    case ENFILE:
        return ACCEPT_SHED;
    case EBADF:
    case EINVAL: /* also: the listener was shut down for a stop */
    case ENOTSOCK:
    case EFAULT:
    case EOPNOTSUPP:
        return ACCEPT_FATAL;
    default: /* ENOBUFS, ENOMEM, and what we cannot foresee: wait a moment */
        return ACCEPT_BACKOFF;
    }
}

/* Waits until a connection is pending on the listener (or the stop shut it down). */
static void wait_pending(int listenfd)
{
    struct pollfd p = {.fd = listenfd, .events = POLLIN};
    while (poll(&p, 1, -1) < 0 && errno == EINTR && !server_stopping)
        ;
}

int server_accept(int listenfd, int *reserve)
{
    bool waited = false;

    for (;;) {
        /* A reserve net_shed could not take back (the table filled again meanwhile) is
         * taken back as soon as there is room, as the event loops do. */
        if (*reserve < 0)
            *reserve = net_reserve_open();
        int fd = accept4(listenfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd >= 0) {
            stats_add(STAT_ACCEPTED, 1);
            return fd;
        }
        if (server_stopping)
            return -1;
        int err = errno;
        switch (server_accept_verdict(err)) {
        case ACCEPT_RETRY:
        case ACCEPT_DRAINED:
            continue;
        case ACCEPT_SHED:
            /* Linux takes the descriptor before it waits, so a blocking accept fails at
             * once with nothing queued. Wait for a client and try again (a connection
             * may have closed meanwhile); shed it only if it still does not fit. */
            if (!waited) {
                wait_pending(listenfd);
                waited = true;
                continue;
            }
            waited = false;
            if (net_shed(listenfd, reserve) == 1) {
                stats_add(STAT_ACCEPTED, 1);
                stats_reject(stats_reject_cause(err)); /* EMFILE or ENFILE */
            } else {
                clock_sleep_ns(NS_PER_MS); /* no reserve left: do not spin */
            }
            continue;
        case ACCEPT_BACKOFF:
            stats_add(STAT_ERRORS, 1);
            clock_sleep_ns(NS_PER_MS);
            continue;
        case ACCEPT_FATAL:
            perror("accept");
            return -1;
        }
    }
}

static void synopsis(FILE *out, const struct server_model *m)
{
    fprintf(out, "usage: echo-%s [-a ADDR] [-b BACKLOG]%s [--work-us N] [--sleep-us N]%s%s PORT\n",
            m->name, (m->flags & MODEL_WORKERS) ? " [-n WORKERS]" : "",
            (m->flags & MODEL_STACK) ? " [--stack-kib N]" : "",
            m->pitfalls ? " [--pitfall NAME]" : "");
}

static void usage(FILE *out, const struct server_model *m)
{
    synopsis(out, m);
    fprintf(out,
            "\n"
            "%s\n"
            "Echoes every newline-terminated line (at most %d bytes) back to its sender.\n"
            "\n"
            "  PORT          TCP port to listen on; 0 picks a free one\n"
            "  -a ADDR       address to bind (default %s; IPv6 such as ::1 works)\n"
            "  -b BACKLOG    listen backlog (default %d; the kernel caps it at\n"
            "                net.core.somaxconn)\n",
            m->summary, PROTO_MAX_LINE, DEFAULT_ADDR, DEFAULT_BACKLOG);
    if (m->flags & MODEL_WORKERS)
        fprintf(out, "  -n WORKERS    %s (default %d per CPU it may use: %d here)\n",
                m->workers_are, m->workers_per_cpu, m->workers_per_cpu * server_cpu_count());
    fprintf(out, "  --work-us N   burn N microseconds of CPU per line before replying (default 0)\n"
                 "  --sleep-us N  block N microseconds per line before replying (default 0)\n");
    if (m->flags & MODEL_STACK)
        fprintf(out, "  --stack-kib N stack of each thread, in KiB (default %d)\n",
                DEFAULT_STACK_KIB);
    if (m->pitfalls) {
        fprintf(out,
                "  --pitfall NAME make one of the lecture's mistakes, to measure what it costs\n"
                "                (off unless named):\n");
        for (const struct server_pitfall *p = m->pitfalls; p->name; p++)
            fprintf(out, "                  %-13s %s\n", p->name, p->help);
    }
    fprintf(out, "  -h, --help    show this help\n"
                 "\n"
                 "Prints \"listening on ADDR:PORT\" when ready. SIGTERM or SIGINT stops it: it\n"
                 "ends every connection, prints one JSON line of counters and exits 0.\n");
}

/* Parses an unsigned number in [min, max]. Returns 0, or -1 after saying what is wrong. */
static int parse_num(const char *prog, const char *what, const char *text, long min, long max,
                     long *out)
{
    char *end;

    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < min || v > max) {
        fprintf(stderr, "%s: %s must be a whole number from %ld to %ld, not '%s'\n", prog, what,
                min, max, text);
        return -1;
    }
    *out = v;
    return 0;
}

enum { OPT_WORK = 256, OPT_SLEEP, OPT_STACK, OPT_PITFALL };

/* Takes --pitfall NAME when the model has it. Returns 0, or -1 after saying what it
 * has. */
static int parse_pitfall(const struct server_model *m, const char *prog, const char *name,
                         struct server_opts *opts)
{
    if (!m->pitfalls) {
        fprintf(stderr,
                "%s: this model has no --pitfall; echo-process and echo-thread have them "
                "(their --help lists them)\n",
                prog);
        return -1;
    }
    for (const struct server_pitfall *p = m->pitfalls; p->name; p++)
        if (strcmp(p->name, name) == 0) {
            opts->pitfall = p->name;
            return 0;
        }
    fprintf(stderr, "%s: unknown pitfall '%s'; this model has", prog, name);
    for (const struct server_pitfall *p = m->pitfalls; p->name; p++)
        fprintf(stderr, "%s %s", p == m->pitfalls ? "" : ",", p->name);
    fprintf(stderr, "\n");
    return -1;
}

/* Fills opts from argv. Returns 0, 1 when --help was shown, or -1 after a message. */
static int parse_args(const struct server_model *m, const char *prog, int argc, char **argv,
                      struct server_opts *opts)
{
    static const struct option longopts[] = {
        {"work-us", required_argument, NULL, OPT_WORK},
        {"sleep-us", required_argument, NULL, OPT_SLEEP},
        {"stack-kib", required_argument, NULL, OPT_STACK},
        {"pitfall", required_argument, NULL, OPT_PITFALL},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    long v;
    int c;

    opterr = 0; /* we say what is wrong ourselves */
    while ((c = getopt_long(argc, argv, ":a:b:n:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'a':
            opts->addr = optarg;
            break;
        case 'b':
            if (parse_num(prog, "the backlog (-b)", optarg, 1, 65535, &v) < 0)
                return -1;
            opts->backlog = (int)v;
            break;
        case 'n':
            if (parse_num(prog, "the worker count (-n)", optarg, 1, STATS_MAX_WORKERS, &v) < 0)
                return -1;
            opts->workers = (int)v;
            if (!(m->flags & MODEL_WORKERS))
                fprintf(stderr, "%s: note: -n is ignored: this model has no worker pool\n", prog);
            break;
        case OPT_WORK:
        case OPT_SLEEP:
            if (parse_num(prog, c == OPT_WORK ? "--work-us" : "--sleep-us", optarg, 0, 10000000,
                          &v) < 0)
                return -1;
            *(c == OPT_WORK ? &opts->work_us : &opts->sleep_us) = (unsigned)v;
            break;
        case OPT_STACK:
            if (parse_num(prog, "--stack-kib", optarg, 16, 1048576, &v) < 0)
                return -1;
            opts->stack_bytes = (size_t)v * 1024;
            if (!(m->flags & MODEL_STACK))
                fprintf(stderr,
                        "%s: note: --stack-kib is ignored: this model creates no "
                        "thread per connection\n",
                        prog);
            break;
        case OPT_PITFALL:
            if (parse_pitfall(m, prog, optarg, opts) < 0)
                return -1;
            break;
        case 'h':
            usage(stdout, m);
            return 1;
        case ':':
            fprintf(stderr, "%s: option %s needs a value\n", prog, argv[optind - 1]);
            return -1;
        default:
            fprintf(stderr, "%s: unknown option '%s'\n", prog, argv[optind - 1]);
            return -1;
        }
    }
    if (optind == argc) {
        fprintf(stderr, "%s: missing PORT (0 picks a free one)\n", prog);
        return -1;
    }
    if (optind + 1 < argc) {
        fprintf(stderr, "%s: unexpected argument '%s' after PORT\n", prog, argv[optind + 1]);
        return -1;
    }
    opts->port = net_parse_port(argv[optind]);
    if (opts->port < 0) {
        fprintf(stderr, "%s: PORT must be a number from 0 to 65535, not '%s'\n", prog,
                argv[optind]);
        return -1;
    }
    return 0;
}

static int install_handlers(void)
{
    struct sigaction sa;

    /* A client that vanishes mid-write must cost one connection, never the server:
     * writes then fail with EPIPE instead. */
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_IGN;
    if (sigaction(SIGPIPE, &sa, NULL) < 0)
        return -1;

    /* No SA_RESTART: a blocking call fails with EINTR, and every loop here retries
     * EINTR explicitly after looking at server_stopping. (With SA_RESTART the socket
     * shutdowns alone would do, but a sanitizer that defers handlers until the call
     * returns would then wait for ever in a restarted accept.) */
    sa.sa_handler = on_stop;
    sa.sa_flags = 0;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGTERM);
    sigaddset(&sa.sa_mask, SIGINT);
    if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0)
        return -1;
    return 0;
}

/* Opens the listener of opts. Returns it, or -1 after a message; *status is the exit
 * status to use then. */
static int open_listener(const struct server_model *m, const char *prog,
                         const struct server_opts *opts, int *status)
{
    struct net_addr addr;
    char port[8];

    snprintf(port, sizeof(port), "%d", opts->port);
    int rc = net_resolve(opts->addr, port, 1, &addr);
    if (rc != 0) {
        fprintf(stderr, "%s: cannot use address '%s': %s\n", prog, opts->addr,
                net_resolve_strerror(rc));
        *status = 2;
        return -1;
    }
    int flags = ((m->flags & MODEL_REUSEPORT) ? NET_REUSEPORT : 0) |
                ((m->flags & MODEL_NONBLOCK) ? NET_NONBLOCK : 0);
    int fd = net_listen(&addr, opts->backlog, flags);
    if (fd < 0) {
        fprintf(stderr, "%s: cannot listen on %s port %s: %s%s\n", prog, opts->addr, port,
                strerror(errno), errno == EADDRINUSE ? " (choose another PORT, or 0)" : "");
        *status = 1;
        return -1;
    }
    return fd;
}

int server_main(const struct server_model *m, int argc, char **argv)
{
    char prog[64];
    struct server_opts opts = {
        .addr = DEFAULT_ADDR,
        .backlog = DEFAULT_BACKLOG,
        .stack_bytes = DEFAULT_STACK_KIB * 1024,
    };
    int status = 1;

    snprintf(prog, sizeof(prog), "echo-%s", m->name);
    int rc = parse_args(m, prog, argc, argv, &opts);
    if (rc != 0) {
        if (rc < 0) {
            synopsis(stderr, m);
            fprintf(stderr, "Try '%s --help' for more information.\n", prog);
        }
        return rc < 0 ? 2 : 0;
    }

    rlim_t nofile;
    if (net_raise_nofile(&nofile) < 0)
        fprintf(stderr, "%s: warning: cannot raise the descriptor limit: %s\n", prog,
                strerror(errno));
    if (stats_init() < 0) {
        fprintf(stderr, "%s: cannot map the counters: %s\n", prog, strerror(errno));
        return 1;
    }
    proto_init(opts.work_us, opts.sleep_us);
    if ((m->flags & MODEL_WORKERS) && opts.workers == 0)
        opts.workers = m->workers_per_cpu * server_cpu_count();
    if (m->prepare && (rc = m->prepare(&opts)) != 0)
        return rc == SERVER_EXIT_UNAVAILABLE ? rc : 1;

    int listenfd = open_listener(m, prog, &opts, &status);
    if (listenfd < 0)
        return status;
    struct net_addr bound;
    char where[NET_ADDRSTRLEN];
    if (server_add_listener(listenfd) < 0 || install_handlers() < 0 ||
        net_local_addr(listenfd, &bound) < 0 ||
        net_format((struct sockaddr *)&bound.ss, where, sizeof(where)) < 0) {
        fprintf(stderr, "%s: cannot start: %s\n", prog, strerror(errno));
        close(listenfd);
        return 1;
    }

    if (m->listening && m->listening(listenfd, &opts) < 0) {
        close(listenfd);
        return 1;
    }

    /* Flushed before any child exists, so no forked child can print it again. */
    printf("listening on %s\n", where);
    fflush(stdout);

    rc = m->run(listenfd, &opts);

    close(listenfd);
    stats_print(stdout, m->name);
    fflush(stdout);
    return rc == 0 ? 0 : 1;
}
