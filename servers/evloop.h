/* The event-driven echo server, written once over the poller interface: one thread,
 * non-blocking sockets, and per connection the state a blocking server keeps on its
 * stack (a linebuf: the partial line, the output not yet sent). */
#ifndef ECHOBENCH_EVLOOP_H
#define ECHOBENCH_EVLOOP_H

#include <stdbool.h>

struct evloop_opts {
    unsigned listen_flags; /* how the listener is watched, such as EV_EXCLUSIVE */
    /* The listener is shared with sibling loops in other processes (prefork): a loop at
     * its descriptor limit leaves the connections to a sibling with room, and wakes
     * the siblings through nudge_fd (an eventfd they all watch) so that one of them
     * takes what is queued. Only when every one is full are connections shed. */
    bool shared;
    int nudge_fd;
    /* Called once the loop is set up (its poller, its reserve), before its first wait;
     * NULL for none. A model whose ready line waits for its loops hears from here. */
    void (*up)(void *arg);
    void *up_arg;
};

/* Serves the non-blocking listener listenfd as opts says, until server_stopping is
 * set, then closes every connection. Several loops may run at once, one per thread or
 * process. Returns 0, or -1 after saying on stderr what failed. */
int evloop_run(int listenfd, const struct evloop_opts *opts);

#endif
