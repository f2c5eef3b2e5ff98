/* The open connections of a thread-based server. */
#include "connset.h"

#include "clock.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* All of this under lock. open_fds[fd] is true while fd is a connection in the set. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t emptied;  /* signalled when count drops to 0 */
static clockid_t emptied_clock; /* the clock its waits use: CLOCK_MONOTONIC if it can */
static pthread_once_t emptied_once = PTHREAD_ONCE_INIT;
static bool *open_fds;
static size_t cap;
static unsigned count;

static void emptied_init(void)
{
    pthread_condattr_t attr;

    emptied_clock = CLOCK_REALTIME;
    if (pthread_condattr_init(&attr) == 0) {
        if (pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0)
            emptied_clock = CLOCK_MONOTONIC;
        pthread_cond_init(&emptied, &attr);
        pthread_condattr_destroy(&attr);
    } else {
        pthread_cond_init(&emptied, NULL);
    }
}

int connset_add(int fd)
{
    int rc = 0;

    pthread_once(&emptied_once, emptied_init);
    pthread_mutex_lock(&lock);
    if ((size_t)fd >= cap) {
        size_t ncap = cap ? cap : 256;
        while (ncap <= (size_t)fd)
            ncap *= 2;
        bool *p = realloc(open_fds, ncap * sizeof(*p));
        if (!p) {
            errno = ENOMEM;
            rc = -1;
            goto out;
        }
        memset(p + cap, 0, (ncap - cap) * sizeof(*p));
        open_fds = p;
        cap = ncap;
    }
    open_fds[fd] = true;
    count++;
out:
    pthread_mutex_unlock(&lock);
    return rc;
}

void connset_remove(int fd)
{
    pthread_mutex_lock(&lock);
    if ((size_t)fd < cap && open_fds[fd]) {
        open_fds[fd] = false;
        if (--count == 0)
            pthread_cond_broadcast(&emptied);
    }
    pthread_mutex_unlock(&lock);
}

unsigned connset_stop(uint64_t timeout_ns)
{
    pthread_once(&emptied_once, emptied_init);
    struct timespec deadline = clock_deadline(emptied_clock, timeout_ns);
    pthread_mutex_lock(&lock);
    /* Under the lock no fd in the set can be closed, so none can have been reused. */
    for (size_t fd = 0; fd < cap; fd++)
        if (open_fds[fd])
            shutdown((int)fd, SHUT_RDWR);
    while (count > 0 && pthread_cond_timedwait(&emptied, &lock, &deadline) != ETIMEDOUT)
        ;
    unsigned left = count;
    free(open_fds);
    open_fds = NULL;
    cap = 0;
    pthread_mutex_unlock(&lock);
    return left;
}
