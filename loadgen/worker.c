/* A load generator worker: one thread, one libuv loop, a share of the connections.
 *
 * A connection is DOWN (no handle), CONNECTING, UP or CLOSING. An UP active
 * connection keeps up to -p requests in flight: at once in the closed loop, at their
 * intended times in the open loop (the pacer), one per connection with --churn. Echoes
 * are read into one buffer per worker and checked as they arrive against the request
 * they answer, which is rebuilt from its sequence number: the server's bytes are never
 * stored. Only what finishes inside the measured window [t0, t1) is recorded. */
#include "conn.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define TICK_MS 5
/* --prime gives up on the connections still without their echo once none has come for
 * this long: the server is not serving them (echo-iterative serves one, a thread pool
 * as many as its workers), and waiting out the request timeout would only cost time. */
#define PRIME_STALL_NS    (500 * NS_PER_MS)
#define TIMELINE_SUB_BITS 7 /* the timeline's histograms: within 1/64 */
#define MAX_BINS          600

static void close_all(struct worker *w);

int64_t worker_thread_wait_ns(void)
{
    char buf[128];
    int fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    unsigned long long run, wait;
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    return sscanf(buf, "%llu %llu", &run, &wait) == 2 ? (int64_t)wait : -1;
}

/* ---- stages ---- */

static void report_ready(struct worker *w)
{
    struct lg_coord *co = w->coord;

    w->reported = true;
    pthread_mutex_lock(&co->lock);
    atomic_fetch_add(&co->ready, 1);
    pthread_cond_broadcast(&co->ready_cond);
    pthread_mutex_unlock(&co->lock);
}

/* Whether another connect may start: fewer than CONNECT_CAP in flight, and fewer than
 * CONNECT_FRESH of the last ones started still connecting and younger than
 * CONNECT_STALL_NS. */
static bool connect_room(const struct worker *w, uint64_t now)
{
    unsigned fresh = 0;

    if (w->connecting >= CONNECT_CAP)
        return false;
    for (unsigned i = 0; i < CONNECT_FRESH; i++) {
        const struct conn *c = w->fresh[i];
        fresh += c && c->state == C_CONNECTING && now - c->connect_start < CONNECT_STALL_NS;
    }
    return fresh < CONNECT_FRESH;
}

static void start_connect(struct worker *w, struct conn *c, uint64_t now)
{
    conn_connect(c, now);
    w->fresh[w->fresh_at] = c;
    w->fresh_at = (w->fresh_at + 1) % CONNECT_FRESH;
}

static bool open_within_passed(const struct worker *w, uint64_t now)
{
    return now - w->coord->idle_start_ns >= w->cfg->open_within_ns;
}

void worker_idle_failed(struct worker *w, struct conn *c, uint64_t now)
{
    if (w->stage != STAGE_IDLE || w->reported || w->cfg->open_within_ns == 0 ||
        open_within_passed(w, now))
        return;
    c->retry_at = now + RETRY_NS;
    w->retry_ring[(w->retry_head + w->retrying) % w->nidle] = (uint32_t)(c - w->idle);
    w->retrying++;
}

/* --open-within: starts the queued retries that are due, while there is room; past the
 * deadline, drops them all (those connections have failed for good). Every retry
 * waits the same RETRY_NS, so the ring is in order of retry_at. */
static void retry_idle(struct worker *w, uint64_t now)
{
    while (w->retrying > 0) {
        struct conn *c = &w->idle[w->retry_ring[w->retry_head]];
        bool give_up = open_within_passed(w, now);
        /* Still closing after its failure: its handle is not free yet. */
        if (!give_up && (c->state != C_DOWN || now < c->retry_at || !connect_room(w, now)))
            return;
        w->retry_head = (w->retry_head + 1) % w->nidle;
        w->retrying--;
        if (!give_up) {
            start_connect(w, c, now);
            now = clock_now_ns();
        }
    }
}

/* In a connect stage: starts connects while there is room (connect_room), retries
 * first; reports when all have ended. Called as connects end, and on every tick for
 * those that stalled and the retries. */
void worker_launch_connects(struct worker *w)
{
    struct conn *set = w->stage == STAGE_IDLE ? w->idle : w->active;
    unsigned n = w->stage == STAGE_IDLE ? w->nidle : w->nactive;

    if (w->stage != STAGE_IDLE && w->stage != STAGE_ACTIVE)
        return;
    uint64_t now = clock_now_ns();
    if (w->stage == STAGE_IDLE)
        retry_idle(w, now);
    while (w->next < n && connect_room(w, now)) {
        start_connect(w, &set[w->next++], now);
        now = clock_now_ns();
    }
    if (!w->reported && w->connecting == 0 && w->next == n && w->retrying == 0) {
        if (w->stage == STAGE_ACTIVE) {
            for (unsigned i = 0; i < w->nactive; i++)
                w->res.active_up_at_start += w->active[i].state == C_UP;
            /* What the main thread reads while this loop runs on: a snapshot. */
            w->snap_up = w->res.active_up_at_start;
            memcpy(w->snap_setup_errors, w->res.setup_errors, sizeof(w->snap_setup_errors));
        }
        report_ready(w);
    }
}

/* --prime: one request on every connection that is up; the stage ends when each has
 * its echo, or has failed (a timeout included, or no echo to any for PRIME_STALL_NS). A server that
 * makes a flow per connection (a process, a thread) has made them all by then, so the warmup and
 * the window measure serving, not the creation storm at the start. */
static void start_prime(struct worker *w)
{
    uint64_t now = clock_now_ns();
    for (unsigned i = 0; i < w->nactive; i++)
        if (w->active[i].state == C_UP)
            conn_send(&w->active[i], now);
    /* The stall counts from the last send: ten thousand sends take hundreds of
     * milliseconds, and the echoes of the first are waiting to be read by then. */
    w->prime_echo_ns = clock_now_ns();
    worker_check_primed(w);
}

void worker_check_primed(struct worker *w)
{
    if (w->reported)
        return;
    for (unsigned i = 0; i < w->nactive; i++) {
        const struct conn *c = &w->active[i];
        if (c->state == C_UP && c->seq_recv != c->seq_sent)
            return; /* still waiting for this one's echo */
    }
    report_ready(w);
}

static void start_run(struct worker *w)
{
    const struct lg_config *cfg = w->cfg;
    uint64_t start = w->coord->start_ns;

    w->t0 = w->coord->t0_ns;
    w->start_ns = start;
    w->running = true;
    if (cfg->mode == MODE_OPEN && w->nactive > 0) {
        pacer_begin(w, start);
        uv_poll_start(&w->pacer, UV_READABLE, pacer_on_fired);
        uv_check_start(&w->pacer_check, pacer_on_check);
        uv_prepare_start(&w->pacer_prepare, pacer_on_prepare);
    }
    uint64_t now = clock_now_ns();
    for (unsigned i = 0; i < w->nactive; i++) {
        struct conn *c = &w->active[i];
        if (c->state == C_UP && cfg->mode == MODE_CHURN)
            conn_close(c); /* it proved the server reachable; cycles start fresh */
        else if (c->state == C_UP)
            conn_fill(c, now);
        else if (c->state == C_DOWN)
            c->retry_at = now;
    }
    report_ready(w);
}

static void on_wake(uv_async_t *a)
{
    struct worker *w = a->data;
    int stage = atomic_load(&w->coord->stage);

    if (stage == w->stage)
        return;
    w->stage = stage;
    w->reported = false;
    w->next = 0;
    if (stage == STAGE_RUN) {
        start_run(w);
    } else if (stage == STAGE_PRIME) {
        start_prime(w);
    } else if (stage == STAGE_END) {
        worker_end_window(w, clock_now_ns()); /* at once, if the tick has not done it */
        report_ready(w);
    } else if (stage == STAGE_CLOSE || stage == STAGE_ABORT) {
        close_all(w); /* the loop ends once everything is closed */
    } else {
        worker_launch_connects(w);
    }
}

static void close_handle(uv_handle_t *h)
{
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

/* t1: the measured window is over. What is unanswered is accounted for, and nothing
 * more is sent; the connections stay open until STAGE_CLOSE, so that the runner can
 * read the server as it was at the end of the window. */
void worker_end_window(struct worker *w, uint64_t now)
{
    if (!w->running)
        return;
    w->res.cpu_ns = w->measuring ? clock_thread_cpu_ns() - w->cpu_t0 : 0;
    int64_t waited = w->measuring && w->wait_t0 >= 0 ? worker_thread_wait_ns() : -1;
    w->res.wait_ns = waited >= w->wait_t0 ? waited - w->wait_t0 : -1;
    /* The window's last instant: what is unanswered then, and already older than the
     * slowest request this worker saw answered (or time out), is recorded at its age.
     * A younger one says nothing: its age is no bound on anything the data shows, and
     * recording it would put a request sent a microsecond before the end at the bottom
     * of the distribution. The count of those left is in_flight_at_end either way. */
    uint64_t t1 = atomic_load_explicit(&w->coord->t1_ns, memory_order_relaxed);
    uint64_t last = now >= t1 && t1 > w->t0 ? t1 - 1 : now;
    uint64_t slowest = w->res.latency.total ? w->res.latency.max : 0;
    for (unsigned i = 0; i < w->nactive; i++) {
        struct conn *c = &w->active[i];
        if (c->state == C_UP) {
            w->res.in_flight_at_end += c->seq_sent - c->seq_recv;
            for (uint64_t seq = c->seq_recv; seq < c->seq_sent; seq++)
                conn_record_censored(w, conn_from(w, c, seq), last, slowest);
        }
        if (w->cfg->mode != MODE_OPEN)
            continue;
        /* The due but unsent, walked on a copy of the schedule: those intended at or
         * after t1 are not the window's (window_check stops the pacer at the first
         * event after t1, which may be a little later). */
        for (struct arr_cursor at = c->unsent; at.seq < c->due.seq && at.at < t1;
             arr_step(&at, w->cfg->arrivals, w->interval_ns)) {
            w->res.due_unsent_at_end++;
            conn_record_censored(w, at.at, last, slowest);
        }
        /* Intended in the window but not yet made due when it closed (the pacer runs at
         * the loop's next round): the schedule's own count of the window is complete. */
        for (struct arr_cursor at = c->due; at.at < t1;
             arr_step(&at, w->cfg->arrivals, w->interval_ns)) {
            w->res.scheduled += at.at >= w->t0;
            w->due_early_by_conn[c - w->active] += worker_due_early(w, at.at);
        }
    }
    for (unsigned i = 0; i < w->nidle; i++)
        w->res.idle_open_at_end += w->idle[i].state == C_UP;
    w->running = false;
    close_handle((uv_handle_t *)&w->pacer);
    close_handle((uv_handle_t *)&w->pacer_check);
    close_handle((uv_handle_t *)&w->pacer_prepare);
}

/* Closes every connection and handle: the loop ends when they are closed. At
 * STAGE_CLOSE, connections with requests unanswered drain first (conn_drain), so that
 * the server sees them end without a reset; the tick stays to bound that. */
static void close_all(struct worker *w)
{
    w->running = false;
    w->drain_until = clock_now_ns() + DRAIN_NS;
    for (unsigned i = 0; i < w->nactive; i++) {
        if (w->stage == STAGE_CLOSE)
            conn_drain(&w->active[i]);
        else
            conn_close(&w->active[i]);
    }
    for (unsigned i = 0; i < w->nidle; i++)
        conn_close(&w->idle[i]); /* nothing unread: a FIN */
    close_handle((uv_handle_t *)&w->wake);
    close_handle((uv_handle_t *)&w->pacer);
    close_handle((uv_handle_t *)&w->pacer_check);
    close_handle((uv_handle_t *)&w->pacer_prepare);
    worker_finish_close(w, clock_now_ns());
}

void worker_finish_close(struct worker *w, uint64_t now)
{
    if (w->draining > 0 && now < w->drain_until)
        return;
    for (unsigned i = 0; i < w->nactive; i++)
        if (w->active[i].state == C_DRAINING)
            conn_close(&w->active[i]); /* no FIN from the server in time */
    w->draining = 0;
    close_handle((uv_handle_t *)&w->tick);
}

/* Timeouts and reconnects, every scan period. */
static void scan(struct worker *w, uint64_t now)
{
    uint64_t timeout = w->cfg->timeout_ns;

    for (unsigned i = 0; i < w->nactive; i++) {
        struct conn *c = &w->active[i];
        if (c->state == C_CONNECTING && now - c->connect_start > timeout) {
            conn_fail(c, ERR_CONNECT, now);
        } else if (c->state == C_UP && c->seq_sent != c->seq_recv &&
                   now - c->sent_at[c->seq_recv % w->cfg->pipeline] > timeout) {
            conn_fail(c, ERR_TIMEOUT, now);
        } else if (c->state == C_DOWN && w->running && now >= c->retry_at &&
                   w->connecting < CONNECT_CAP) {
            /* Reconnects, as many in flight at once as the first connects: thousands
             * at once overflow the server's listen queue, whose SYNs retry a second
             * later. */
            conn_connect(c, now);
        }
    }
    /* The stall is judged only when the loop was not itself held up since the last
     * scan: timers run before the sockets are read, so after a long callback the
     * echoes that came meanwhile are still unread. */
    bool loop_was_free = now - w->last_scan_ns < (w->next_scan - now) + PRIME_STALL_NS / 10;
    w->last_scan_ns = now;
    if (w->stage == STAGE_PRIME && !w->reported && loop_was_free &&
        now - w->prime_echo_ns > PRIME_STALL_NS) {
        /* No echo for a while: the rest are treated as timed out, as they would be
         * at the request timeout. */
        for (unsigned i = 0; i < w->nactive; i++) {
            struct conn *c = &w->active[i];
            if (c->state == C_UP && c->seq_sent != c->seq_recv)
                conn_fail(c, ERR_TIMEOUT, now);
        }
    }
    if (w->stage == STAGE_PRIME)
        worker_check_primed(w); /* a timeout above may have settled the last one */
    if (w->stage == STAGE_IDLE) {
        for (unsigned i = 0; i < w->nidle; i++) {
            struct conn *c = &w->idle[i];
            if (c->state == C_CONNECTING && now - c->connect_start > timeout) {
                w->res.setup_errors[ERR_CONNECT]++;
                conn_fail(c, ERR_CONNECT, now);
            }
        }
    }
}

static void on_tick(uv_timer_t *t)
{
    struct worker *w = t->data;
    uint64_t now = clock_now_ns();

    if (w->stage == STAGE_CLOSE || w->stage == STAGE_ABORT) {
        worker_finish_close(w, now);
        return;
    }
    if (w->running)
        worker_window_check(w, now); /* when no other event came after t1 */
    worker_launch_connects(w);       /* a connect stalled: room for the next */
    if (now >= w->next_scan) {
        uint64_t period = w->cfg->timeout_ns / 10;
        period = period < 5 * NS_PER_MS     ? 5 * NS_PER_MS
                 : period > 100 * NS_PER_MS ? 100 * NS_PER_MS
                                            : period;
        w->next_scan = now + period;
        scan(w, now);
    }
}

/* ---- the thread ---- */

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    const struct lg_config *cfg = w->cfg;

    if (cfg->ncpus > 0) {
        cpu_set_t set;
        int cpu = cfg->cpus[w->id % cfg->ncpus];
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        int err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
        if (err)
            fprintf(stderr, "loadgen: warning: cannot pin worker %u to CPU %d: %s\n", w->id, cpu,
                    strerror(err));
    }
    /* Timer wakeups within a microsecond, not the default 50. */
    prctl(PR_SET_TIMERSLACK, 1UL);
    uv_run(&w->loop, UV_RUN_DEFAULT);
    return NULL;
}

static void init_conns(struct worker *w, struct conn *set, unsigned n, bool idle)
{
    for (unsigned i = 0; i < n; i++) {
        struct conn *c = &set[i];
        c->w = w;
        c->idle = idle;
        c->index = w->id + i * w->cfg->threads;
        c->state = C_DOWN;
        c->retry_at = UINT64_MAX;
        if (!idle) {
            c->sent_at = &w->rings[(size_t)i * w->cfg->pipeline];
            c->intended_at = c->sent_at + (size_t)n * w->cfg->pipeline;
        }
    }
}

static unsigned share(unsigned total, unsigned id, unsigned threads)
{
    return total / threads + (id < total % threads ? 1 : 0);
}

static int result_init(struct lg_result *r, const struct lg_config *cfg, uint64_t bin_ns)
{
    uint64_t bins = (cfg->duration_ns + bin_ns - 1) / bin_ns;

    r->seconds = (unsigned)(bins ? bins : 1);
    if (hist_init_default(&r->latency) < 0 || hist_init_default(&r->service) < 0 ||
        hist_init_default(&r->send_lag) < 0 || hist_init_default(&r->connect) < 0 ||
        hist_init_default(&r->setup_connect) < 0)
        return -1;
    r->per_second = calloc(r->seconds, sizeof(*r->per_second));
    r->second_completed = calloc(r->seconds, sizeof(*r->second_completed));
    r->second_errors = calloc(r->seconds, sizeof(*r->second_errors));
    if (!r->per_second || !r->second_completed || !r->second_errors)
        return -1;
    for (unsigned i = 0; i < r->seconds; i++)
        if (hist_init(&r->per_second[i], TIMELINE_SUB_BITS, HIST_MAX_BITS) < 0)
            return -1;
    return 0;
}

void result_free(struct lg_result *r)
{
    hist_free(&r->latency);
    hist_free(&r->service);
    hist_free(&r->send_lag);
    hist_free(&r->connect);
    hist_free(&r->setup_connect);
    for (unsigned i = 0; r->per_second && i < r->seconds; i++)
        hist_free(&r->per_second[i]);
    free(r->per_second);
    free(r->second_completed);
    free(r->second_errors);
}

uint64_t lg_bin_ns(const struct lg_config *cfg)
{
    uint64_t bin = cfg->bin_ns;
    /* Counted as result_init counts them, a part bin included: -d 600.5s made 601. */
    while ((cfg->duration_ns + bin - 1) / bin > MAX_BINS)
        bin += cfg->bin_ns;
    return bin;
}

struct worker *worker_create(unsigned id, const struct lg_config *cfg, struct lg_coord *coord)
{
    struct worker *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->id = id;
    w->cfg = cfg;
    w->coord = coord;
    w->t0 = UINT64_MAX; /* nothing is in the window, or after it, before the run */
    w->start_ns = UINT64_MAX;
    w->stage = STAGE_INIT;
    w->timerfd = -1;
    w->bin_ns = lg_bin_ns(cfg);
    w->nactive = share(cfg->connections, id, cfg->threads);
    w->nidle = share(cfg->idle, id, cfg->threads);
    w->active = calloc(w->nactive ? w->nactive : 1, sizeof(*w->active));
    w->idle = calloc(w->nidle ? w->nidle : 1, sizeof(*w->idle));
    w->rings = calloc((size_t)(w->nactive ? w->nactive : 1) * cfg->pipeline * 2, sizeof(*w->rings));
    w->due_heap = calloc(w->nactive ? w->nactive : 1, sizeof(*w->due_heap));
    w->completed_by_conn = calloc(w->nactive ? w->nactive : 1, sizeof(*w->completed_by_conn));
    w->due_early_by_conn = calloc(w->nactive ? w->nactive : 1, sizeof(*w->due_early_by_conn));
    w->retry_ring = calloc(w->nidle ? w->nidle : 1, sizeof(*w->retry_ring));
    if (!w->active || !w->idle || !w->rings || !w->due_heap || !w->completed_by_conn ||
        !w->due_early_by_conn || !w->retry_ring || result_init(&w->res, cfg, w->bin_ns) < 0)
        goto fail;
    init_conns(w, w->active, w->nactive, false);
    init_conns(w, w->idle, w->nidle, true);

    w->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (w->timerfd < 0 || uv_loop_init(&w->loop) != 0)
        goto fail;
    w->loop_ready = true;
    uv_async_init(&w->loop, &w->wake, on_wake);
    w->wake.data = w;
    uv_timer_init(&w->loop, &w->tick);
    w->tick.data = w;
    uv_timer_start(&w->tick, on_tick, TICK_MS, TICK_MS);
    uv_poll_init(&w->loop, &w->pacer, w->timerfd);
    w->pacer.data = w;
    uv_check_init(&w->loop, &w->pacer_check);
    w->pacer_check.data = w;
    uv_prepare_init(&w->loop, &w->pacer_prepare);
    w->pacer_prepare.data = w;
    return w;

fail:
    worker_destroy(w);
    errno = ENOMEM;
    return NULL;
}

int worker_start(struct worker *w)
{
    return pthread_create(&w->thread, NULL, worker_main, w);
}

void worker_wake(struct worker *w)
{
    uv_async_send(&w->wake);
}

const struct lg_result *worker_join(struct worker *w)
{
    pthread_join(w->thread, NULL);
    return &w->res;
}

unsigned worker_active_up(struct worker *w, uint64_t *setup_errors)
{
    /* The snapshot was taken before the worker reported, under the coordination lock
     * the main thread has since taken: no race, though the loop runs on. */
    for (int i = 0; i < ERR_COUNT; i++)
        setup_errors[i] += w->snap_setup_errors[i];
    return w->snap_up;
}

void worker_conn_completed(const struct worker *w, uint64_t *per_conn, uint64_t *per_conn_due)
{
    for (unsigned i = 0; i < w->nactive; i++) {
        per_conn[w->active[i].index] = w->completed_by_conn[i];
        per_conn_due[w->active[i].index] = w->due_early_by_conn[i];
    }
}

void worker_progress(struct worker *w, uint64_t *completed, uint64_t *errors)
{
    *completed = atomic_load_explicit(&w->live_completed, memory_order_relaxed);
    *errors = atomic_load_explicit(&w->live_errors, memory_order_relaxed);
}

void worker_destroy(struct worker *w)
{
    if (!w)
        return;
    if (w->loop_ready) {
        /* Closed by close_all, unless the loop never ran. */
        close_handle((uv_handle_t *)&w->tick);
        close_handle((uv_handle_t *)&w->wake);
        close_handle((uv_handle_t *)&w->pacer);
        close_handle((uv_handle_t *)&w->pacer_check);
        close_handle((uv_handle_t *)&w->pacer_prepare);
        uv_run(&w->loop, UV_RUN_DEFAULT);
        uv_loop_close(&w->loop);
    }
    if (w->timerfd >= 0)
        close(w->timerfd);
    result_free(&w->res);
    free(w->active);
    free(w->idle);
    free(w->rings);
    free(w->due_heap);
    free(w->completed_by_conn);
    free(w->due_early_by_conn);
    free(w->retry_ring);
    free(w);
}
