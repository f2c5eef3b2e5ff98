/* Clocks: CLOCK_MONOTONIC in integer nanoseconds. */
#ifndef ECHOBENCH_CLOCK_H
#define ECHOBENCH_CLOCK_H

#include <stdint.h>
#include <time.h>

#define NS_PER_US 1000ull
#define NS_PER_MS 1000000ull
#define NS_PER_S  1000000000ull

/* Nanoseconds on CLOCK_MONOTONIC. */
static inline uint64_t clock_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* CPU time the calling thread has used, in nanoseconds. */
static inline uint64_t clock_thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* The time ns nanoseconds from now on clock clk, as a timespec: a deadline for the
 * timed waits of pthreads (pthread_cond_timedwait on that clock, pthread_timedjoin_np
 * on CLOCK_REALTIME). */
static inline struct timespec clock_deadline(clockid_t clk, uint64_t ns)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    uint64_t until = (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec + ns;
    ts.tv_sec = (time_t)(until / NS_PER_S);
    ts.tv_nsec = (long)(until % NS_PER_S);
    return ts;
}

/* Sleeps ns nanoseconds, resuming after signal handlers. */
void clock_sleep_ns(uint64_t ns);

#endif
