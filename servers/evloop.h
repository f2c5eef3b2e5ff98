/* The event-driven echo server, written once over the poller interface: one thread,
 * non-blocking sockets, and per connection the state a blocking server keeps on its
 * stack (a linebuf: the partial line, the output not yet sent). */
#ifndef ECHOBENCH_EVLOOP_H
#define ECHOBENCH_EVLOOP_H

/* Serves the non-blocking listener listenfd (watched with listen_flags, such as
 * EV_EXCLUSIVE) until server_stopping is set, then closes every connection. Several
 * loops may run at once, one per thread or process. Returns 0, or -1 after saying on
 * stderr what failed. */
int evloop_run(int listenfd, unsigned listen_flags);

#endif
