/* What every server model shares: the command line, the listening socket, the ready
 * line, signals and the stats line. A model is one run function over a listening
 * socket; server_main does everything around it. */
#ifndef ECHOBENCH_SERVER_H
#define ECHOBENCH_SERVER_H

#include <signal.h>
#include <stddef.h>

struct server_opts {
    const char *addr;    /* -a, the address to bind */
    int port;            /* the port argument; 0 picks a free port */
    int backlog;         /* -b */
    int workers;         /* -n; set to the model's default when not given */
    unsigned work_us;    /* --work-us: CPU burnt per line */
    unsigned sleep_us;   /* --sleep-us: blocking per line */
    size_t stack_bytes;  /* --stack-kib, for models that create threads */
    const char *pitfall; /* --pitfall: the lecture's mistake to make, or NULL (servers.md) */
};

/* A mistake the lecture warns of, which a model makes only when asked (--pitfall NAME),
 * so that its consequence can be measured beside the correct code. */
struct server_pitfall {
    const char *name; /* "no-reap" */
    const char *help; /* one line for --help: what goes wrong */
};

/* server_model flags: which options a model uses, and what its listener needs. */
#define MODEL_WORKERS   0x1 /* takes -n */
#define MODEL_STACK     0x2 /* takes --stack-kib */
#define MODEL_REUSEPORT 0x4 /* the listener gets SO_REUSEPORT */
#define MODEL_NONBLOCK  0x8 /* the listener is non-blocking */

/* The exit status of a model that cannot run on this machine at all (a kernel
 * facility missing or disabled): EX_UNAVAILABLE of sysexits.h. bench records the model
 * as unavailable, not failed. */
#define SERVER_EXIT_UNAVAILABLE 69

struct server_model {
    const char *name;    /* "thread": the executable is echo-thread */
    const char *summary; /* one sentence for --help */
    unsigned flags;
    /* With MODEL_WORKERS: what a worker is ("worker threads") and the default count,
     * per CPU this process may use. */
    const char *workers_are;
    int workers_per_cpu;
    /* The pitfalls it can be asked to make, ended by one with a NULL name; NULL: none. */
    const struct server_pitfall *pitfalls;
    /* Optional: sets up what the model needs from the kernel, before the listener and
     * the ready line. Returns 0; -1 after saying why (exit 1); or
     * SERVER_EXIT_UNAVAILABLE after saying why the machine cannot run it. */
    int (*prepare)(const struct server_opts *opts);
    /* Optional: with the listener made, before the ready line, opens what else must be
     * there before the first client comes. Returns 0, or -1 after saying why (exit 1,
     * and no ready line). */
    int (*listening)(int listenfd, const struct server_opts *opts);
    /* Serves connections on listenfd until server_stopping is set, then ends every
     * connection it holds and returns: 0, or -1 after saying on stderr what failed.
     * listenfd stays server_main's. */
    int (*run)(int listenfd, const struct server_opts *opts);
};

/* Runs a model: parses the command line, listens, prints the ready line, runs the
 * model, prints the stats line. Returns the exit status: 0, 1 on failure, 2 for a bad
 * command line. */
int server_main(const struct server_model *model, int argc, char **argv);

/* Set by SIGTERM and SIGINT. Atomic: the handler may run in one thread while others
 * read it (a lock-free atomic is safe in a handler). The handler also shuts down every
 * registered listener (accept() then fails with EINVAL, select and epoll see it
 * readable) and the watched connection, so no model can block past a stop that
 * arrives between its check of this flag and its next blocking call. */
extern _Atomic int server_stopping;

/* Registers one more listening socket for the stop signal to shut down (for models
 * with a listener per worker). Call before the workers start. Returns 0, or -1 with
 * errno ENOSPC when too many are registered. */
int server_add_listener(int fd);

/* In a forked worker that shares the listeners with its parent and siblings: the
 * stop signal then only sets server_stopping, and no longer shuts them down (which
 * would stop every process, not this one). */
void server_forget_listeners(void);

/* The CPUs this process may run on (its affinity, as taskset or bench set it), at
 * least 1: what "per CPU" defaults count. */
int server_cpu_count(void);

/* Registers the one connection a single-flow blocking model is serving (or -1 for
 * none), so that a stop wakes it from a blocking read: the read then returns EOF. */
void server_watch_fd(int fd);

/* What to do after accept() failed with err. */
enum accept_verdict {
    ACCEPT_RETRY,   /* at once: EINTR, an aborted connection, a network error */
    ACCEPT_DRAINED, /* nothing pending (EAGAIN) */
    ACCEPT_SHED,    /* out of descriptors: shed the pending connection (net_shed) */
    ACCEPT_BACKOFF, /* out of memory or buffers, or unforeseen: count it, wait a moment */
    ACCEPT_FATAL,   /* the listener itself is broken, or shut down for a stop */
};
enum accept_verdict server_accept_verdict(int err);

/* Accepts one connection on a blocking listener, the common loop of the blocking
 * models: retries what accept_verdict says to, sheds a connection through *reserve
 * when out of descriptors (counted as rejected), backs off on ENOBUFS. Counts
 * accepted. Returns the connected descriptor, or -1 when the server is stopping or
 * accept failed for good (said on stderr). */
int server_accept(int listenfd, int *reserve);

#endif
