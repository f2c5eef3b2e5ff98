/* The line protocol, shared by every model. */
#include "proto.h"

#include "clock.h"
#include "rio.h"
#include "server.h"
#include "stats.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Set once by proto_init before any thread or child exists; read-only after. */
static unsigned work_us;
static unsigned sleep_us;
static uint64_t spins_per_us;

/* Keeps the compiler from dropping the burn loop. One per thread: a shared one would
 * be a data race between the threads that burn at once (and a cache line they
 * bounce). */
static _Thread_local volatile uint64_t burn_sink;

static uint64_t burn(uint64_t spins)
{
    uint64_t x = 0x9e3779b97f4a7c15ull;
    while (spins--) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    return x;
}

/* Counts burn iterations per microsecond of this thread's CPU time. The best of a few
 * rounds is kept: interference only ever makes a round look slower. */
static uint64_t calibrate(void)
{
    uint64_t best = 0;

    for (int round = 0; round < 3; round++) {
        uint64_t spins = 1u << 16;
        uint64_t used;
        for (;;) {
            uint64_t t0 = clock_thread_cpu_ns();
            burn_sink = burn(spins);
            used = clock_thread_cpu_ns() - t0;
            if (used >= 2 * NS_PER_MS)
                break;
            spins *= 2;
        }
        uint64_t rate = spins * NS_PER_US / used;
        if (rate > best)
            best = rate;
    }
    return best ? best : 1;
}

void proto_init(unsigned work, unsigned sleep)
{
    work_us = work;
    sleep_us = sleep;
    if (work_us > 0)
        spins_per_us = calibrate();
}

/* Burn slices: the CPU clock is read between them, so the work is exact whatever the
 * calibration missed (frequency changes), at one clock read per slice. */
#define BURN_SLICE_US 10
/* Sleep slices: a stop is noticed within one, however long --sleep-us is. */
#define SLEEP_SLICE_NS (10 * NS_PER_MS)

void proto_line_work(void)
{
    if (work_us > 0) {
        uint64_t start = clock_thread_cpu_ns();
        uint64_t target = (uint64_t)work_us * NS_PER_US;
        uint64_t used = 0;
        do {
            uint64_t left_us = (target - used + NS_PER_US - 1) / NS_PER_US;
            burn_sink = burn(spins_per_us * (left_us < BURN_SLICE_US ? left_us : BURN_SLICE_US));
            used = clock_thread_cpu_ns() - start;
        } while (used < target && !server_stopping);
    }
    if (sleep_us > 0) {
        uint64_t end = clock_now_ns() + (uint64_t)sleep_us * NS_PER_US;
        for (uint64_t now = clock_now_ns(); now < end && !server_stopping; now = clock_now_ns()) {
            uint64_t slice = end - now < SLEEP_SLICE_NS ? end - now : SLEEP_SLICE_NS;
            struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)slice};
            nanosleep(&ts, NULL); /* EINTR: the loop looks at the flag and the clock */
        }
    }
}

/* One allocation per connection, on the heap: a small thread stack need not hold it. */
struct echo_buf {
    struct rio rio;
    char line[PROTO_MAX_LINE];
};

int proto_echo(int fd)
{
    struct echo_buf *b = malloc(sizeof(*b));
    if (!b) {
        stats_add(STAT_ERRORS, 1);
        return -1;
    }
    rio_init(&b->rio, fd);

    int rc = 0;
    ssize_t n = 0;
    size_t counted = 0; /* of the bytes rio has read from fd */
    while (!server_stopping && (n = rio_readlineb(&b->rio, b->line, PROTO_MAX_LINE)) > 0) {
        stats_add(STAT_BYTES_IN, b->rio.read_total - counted);
        counted = b->rio.read_total;
        if (b->line[n - 1] != '\n') {
            if (n == PROTO_MAX_LINE) {
                /* No newline within the limit: this client breaks the protocol. */
                stats_add(STAT_TOO_LONG, 1);
                stats_add(STAT_ERRORS, 1);
                errno = EMSGSIZE;
                rc = -1;
            }
            /* Otherwise EOF cut a line short: it is dropped. */
            break;
        }
        proto_line_work();
        if (rio_writen(fd, b->line, (size_t)n) < 0) {
            n = -1; /* EPIPE or ECONNRESET: the client is gone */
            break;
        }
        stats_add(STAT_REQUESTS, 1);
        stats_add(STAT_BYTES_OUT, (uint64_t)n);
    }
    if (n < 0) {
        /* A read or write the stop failed (it shut this connection down: EPIPE) ended
         * the connection as the stop does in the event loops, not in an error. */
        if (!server_stopping)
            stats_add(STAT_ERRORS, 1);
        rc = -1;
    }
    stats_add(STAT_BYTES_IN, b->rio.read_total - counted);
    free(b);
    return rc;
}

#define LINEBUF_INITIAL 4096
/* Callers read only while no output is pending, so at a read the buffer holds at most
 * a partial line, shorter than the limit (commit refuses one that reaches it): the
 * limit itself is room enough. */
#define LINEBUF_MAX PROTO_MAX_LINE
/* A buffer grown past this is freed once empty, so one long line does not pin memory. */
#define LINEBUF_KEEP (4 * LINEBUF_INITIAL)

char *linebuf_space(struct linebuf *lb, size_t *room)
{
    if (lb->out == lb->len) {
        /* Everything sent and nothing partial: start at the front again. */
        lb->out = lb->done = lb->len = 0;
        if (lb->cap > LINEBUF_KEEP) {
            free(lb->data);
            lb->data = NULL;
            lb->cap = 0;
        }
    } else if (lb->len == lb->cap && lb->out > 0) {
        /* Full, with sent bytes at the front: slide the rest down. */
        memmove(lb->data, lb->data + lb->out, lb->len - lb->out);
        lb->len -= lb->out;
        lb->done -= lb->out;
        lb->out = 0;
    }
    if (lb->len == lb->cap && lb->cap < LINEBUF_MAX) {
        size_t cap = lb->cap ? 2 * lb->cap : LINEBUF_INITIAL;
        if (cap > LINEBUF_MAX)
            cap = LINEBUF_MAX;
        char *data = realloc(lb->data, cap);
        if (!data) {
            *room = 0;
            errno = ENOMEM;
            return NULL;
        }
        lb->data = data;
        lb->cap = cap;
    }
    *room = lb->cap - lb->len;
    return lb->data + lb->len;
}

int linebuf_commit(struct linebuf *lb, size_t n)
{
    size_t from = lb->len; /* [done, from) was searched before and has no newline */
    char *nl;

    lb->len += n;
    stats_add(STAT_BYTES_IN, n);
    while (!server_stopping && (nl = memchr(lb->data + from, '\n', lb->len - from)) != NULL) {
        size_t end = (size_t)(nl - lb->data) + 1;
        proto_line_work();
        lb->done = from = end;
    }
    /* Stopping, the scan above may have left lines unsearched: no verdict on them. */
    if (!server_stopping && lb->len - lb->done >= PROTO_MAX_LINE) {
        stats_add(STAT_TOO_LONG, 1);
        stats_add(STAT_ERRORS, 1);
        return -1;
    }
    return 0;
}

size_t linebuf_pending(const struct linebuf *lb, const char **p)
{
    *p = lb->data + lb->out;
    return lb->done - lb->out;
}

void linebuf_sent(struct linebuf *lb, size_t n)
{
    const char *p = lb->data + lb->out, *end = p + n, *nl;
    uint64_t lines = 0;
    size_t bytes = 0;

    /* [out, done) holds complete lines only, so each newline ends one. */
    while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        lines++;
        bytes += lb->line_sent + (size_t)(nl + 1 - p);
        lb->line_sent = 0;
        p = nl + 1;
    }
    lb->line_sent += (size_t)(end - p);
    lb->out += n;
    if (lines) {
        stats_add(STAT_REQUESTS, lines);
        stats_add(STAT_BYTES_OUT, bytes);
    }
}

void linebuf_drop_partial(struct linebuf *lb)
{
    lb->len = lb->done;
}

void linebuf_free(struct linebuf *lb)
{
    free(lb->data);
    memset(lb, 0, sizeof(*lb));
}
