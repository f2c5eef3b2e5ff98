/* The open loop's pacer, on its worker's loop: each request sent at its intended
 * time, to the microsecond, with --spin's busy-wait. Split from conn.c, whose
 * conn_fill it drives. */
#include "conn.h"

#include <errno.h>
#include <poll.h>
#include <sys/timerfd.h>

/* Requests are sent at their intended times, to the microsecond. After every round of
 * I/O (a check handle) the pacer sends what has come due; before the loop blocks (a
 * prepare handle) it arms a timerfd for the next intended time, with an absolute
 * CLOCK_MONOTONIC deadline and 1 ns of timer slack, so the loop wakes when it is due
 * even with no I/O. Under load the loop is awake anyway and the timer is re-armed
 * once per round, not once per request: the pacer costs no extra system call per
 * request. */

static void pacer_arm(struct worker *w, uint64_t at)
{
    if (at == w->armed_at)
        return;
    struct itimerspec when = {
        .it_value = {.tv_sec = (time_t)(at / NS_PER_S), .tv_nsec = (long)(at % NS_PER_S)}};
    if (at == 0)
        when.it_value.tv_nsec = 1; /* zero would disarm it */
    /* Re-arming also clears an expiry that was not read, so the fd stops being
     * readable. */
    timerfd_settime(w->timerfd, TFD_TIMER_ABSTIME, &when, NULL);
    w->armed_at = at;
}

/* Stops the timer and clears an expiry not read, so the timerfd is not readable; the
 * next pacer_arm arms it again whatever the deadline. Returns 0, or -1 with errno. */
static int pacer_disarm(struct worker *w)
{
    struct itimerspec off = {0};

    w->armed_at = UINT64_MAX;
    return timerfd_settime(w->timerfd, TFD_TIMER_ABSTIME, &off, NULL);
}

/* The heap's slot i moved down to its place: a binary min-heap on the intended time
 * of each connection's next request. With poisson arrivals the connections' times
 * interleave in no fixed order; log(n) per request where a scan would cost n. */
static void heap_sift_down(struct due_slot *h, unsigned n, unsigned i)
{
    struct due_slot moving = h[i];
    for (;;) {
        unsigned child = 2 * i + 1;
        if (child >= n)
            break;
        if (child + 1 < n && h[child + 1].at < h[child].at)
            child++;
        if (h[child].at >= moving.at)
            break;
        h[i] = h[child];
        i = child;
    }
    h[i] = moving;
}

void pacer_begin(struct worker *w, uint64_t start)
{
    const struct lg_config *cfg = w->cfg;

    w->interval_ns = (double)cfg->connections * 1e9 / cfg->rate;
    for (unsigned i = 0; i < w->nactive; i++) {
        /* The schedule starts at the next sequence number (a primed connection has used
         * one). */
        struct conn *c = &w->active[i];
        arr_begin(&c->due, cfg->arrivals, cfg->seed, c->index, c->seq_sent, start, cfg->rate,
                  cfg->connections);
        c->unsent = c->due;
        w->due_heap[i] = (struct due_slot){.at = c->due.at, .conn = i};
    }
    for (unsigned i = w->nactive / 2; i-- > 0;)
        heap_sift_down(w->due_heap, w->nactive, i);
}

/* The intended time of the next request due on this worker. */
static uint64_t pacer_next(const struct worker *w)
{
    return w->due_heap[0].at;
}

/* Makes every request whose intended time has come due, in time order. A request
 * that goes out the moment it comes due (none before it waits on its connection, and
 * its connection has room) measures the pacer itself: how late the send left against
 * its intended time, loadgen's own lateness (waking, the loop's round), not the
 * server's. A held one waits for the server, and is the latency's business. */
static void pace(struct worker *w, uint64_t now)
{
    while (w->running && pacer_next(w) <= now) {
        struct conn *c = &w->active[w->due_heap[0].conn];
        uint64_t seq = c->due.seq, due = c->due.at;
        if (due >= w->t0 && due < atomic_load_explicit(&w->coord->t1_ns, memory_order_relaxed))
            w->res.scheduled++;
        w->due_early_by_conn[c - w->active] += worker_due_early(w, due);
        arr_step(&c->due, w->cfg->arrivals, w->interval_ns);
        w->due_heap[0].at = c->due.at;
        heap_sift_down(w->due_heap, w->nactive, 0);
        bool first_in_line = c->seq_sent == seq;
        conn_fill(c, now);
        if (first_in_line && c->seq_sent > seq) {
            uint64_t sent = c->sent_at[seq % w->cfg->pipeline];
            if (worker_in_window(w, sent))
                hist_record(&w->res.send_lag, sent > due ? sent - due : 0);
        }
    }
}

/* Whether any of the loop's descriptors has an event waiting: the epoll descriptor
 * is readable then. poll(), not epoll_wait(): it looks without taking anything. */
static bool loop_has_events(struct worker *w)
{
    struct pollfd p = {.fd = uv_backend_fd(&w->loop), .events = POLLIN};
    int n;

    do
        n = poll(&p, 1, 0);
    while (n < 0 && errno == EINTR);
    return n > 0; /* an error: spin on, as without the check */
}

/* --spin: when the next send is due within the spin, waits for it on the CPU, not in
 * the kernel: a wakeup from sleep can be tens of microseconds late. The spin stops as
 * soon as the loop has an event (an echo, mostly): no echo is read while it spins,
 * and one that waited for its end was timestamped late by up to the spin (service
 * p50 from 49 us to 537 us with --spin 1ms). The timer, which has fired, is disarmed
 * first, or its own readiness would stop every spin. Returns the time. */
static uint64_t pacer_spin(struct worker *w, uint64_t now)
{
    uint64_t next = pacer_next(w);
    if (w->cfg->spin_ns == 0 || next <= now || next - now > w->cfg->spin_ns)
        return now;
    if (pacer_disarm(w) < 0)
        return now; /* the timer would stop the spin at once: no spin */
    while (now < next && !loop_has_events(w))
        now = clock_now_ns();
    return now;
}

void pacer_on_check(uv_check_t *h)
{
    struct worker *w = h->data;
    worker_window_check(w, clock_now_ns());
    if (w->running)
        pace(w, pacer_spin(w, clock_now_ns()));
}

void pacer_on_prepare(uv_prepare_t *h)
{
    struct worker *w = h->data;
    worker_window_check(w, clock_now_ns());
    if (!w->running)
        return;
    pace(w, clock_now_ns()); /* in case the clock passed a deadline since the check */
    /* With --spin the timer wakes the loop the spin early, and the check handle waits
     * out the rest on the CPU. */
    uint64_t next = pacer_next(w);
    pacer_arm(w, next > w->cfg->spin_ns ? next - w->cfg->spin_ns : next);
}

void pacer_on_fired(uv_poll_t *p, int status, int events)
{
    /* Nothing to do here: the wakeup was the point, and the check handle, which runs
     * after this round of I/O, sends what is due; the prepare handle re-arms. */
    (void)p;
    (void)status;
    (void)events;
}
