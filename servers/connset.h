/* The open connections of a thread-based server, so that the main thread can end them
 * all when the server stops: a thread blocked in read() on an idle client would
 * otherwise never notice. */
#ifndef ECHOBENCH_CONNSET_H
#define ECHOBENCH_CONNSET_H

#include <stdint.h>

/* Adds fd. Returns 0, or -1 with errno ENOMEM. */
int connset_add(int fd);

/* Removes fd. Call before closing it: once closed, its number may be reused. */
void connset_remove(int fd);

/* Shuts down every connection in the set (the threads blocked on them see EOF), then
 * waits up to timeout_ns for their threads to remove them. Returns the count still
 * open. */
unsigned connset_stop(uint64_t timeout_ns);

#endif
