/* A load generator worker: one thread, one libuv loop, a share of the connections.
 *
 * A connection is DOWN (no handle), CONNECTING, UP or CLOSING. An UP active
 * connection keeps up to -p requests in flight: at once in the closed loop, at their
 * intended times in the open loop (the pacer), one per connection with --churn. Echoes
 * are read into one buffer per worker and checked as they arrive against the request
 * they answer, which is rebuilt from its sequence number: the server's bytes are never
 * stored. Only what finishes inside the measured window [t0, t1) is recorded. */
#include "clock.h"
#include "loadgen.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <uv.h>

#define RXBUF_SIZE  65536
#define TXBUF_SIZE  4096
#define CONNECT_CAP 512 /* connects in flight at once, per worker */
#define TICK_MS     5
#define RETRY_NS    (50 * NS_PER_MS) /* before reconnecting after a failure */
/* --prime gives up on the connections still without their echo once none has come for
 * this long: the server is not serving them (echo-iterative serves one, a thread pool
 * as many as its workers), and waiting out the request timeout would only cost time. */
#define PRIME_STALL_NS    (500 * NS_PER_MS)
#define TIMELINE_SUB_BITS 7 /* per-second histograms: 2 digits */
#define MAX_BINS          600

enum conn_state { C_DOWN, C_CONNECTING, C_UP, C_CLOSING };

struct conn {
    uv_tcp_t tcp; /* first: a handle pointer converts to its conn */
    struct worker *w;
    uint32_t index;    /* among the active (or the idle) connections */
    uint8_t state;     /* enum conn_state */
    bool idle;         /* opened first, silent all run */
    bool failed;       /* closing after an error: wait before reconnecting */
    bool rx_bad;       /* the echo being read already differs */
    bool reopen;       /* closing after a framing error: connect again at once */
    uint32_t rx_pos;   /* bytes of that echo read so far */
    uint64_t seq_sent; /* the next request's sequence number */
    uint64_t seq_recv; /* the oldest unanswered one's; seq_sent when none */
    uint64_t *sent_at; /* when request seq was sent, at [seq % depth] */
    uint64_t connect_start;
    uint64_t retry_at; /* when DOWN: when to connect again */
    uint64_t due;      /* open loop: requests whose intended time has come */
    uint64_t base;     /* open loop: the intended time of request 0 */
};

struct worker {
    unsigned id;
    const struct lg_config *cfg;
    struct lg_coord *coord;
    uint64_t *completed_by_conn; /* completions in the window, by our active connection */
    pthread_t thread;
    uv_loop_t loop;
    uv_async_t wake;
    uv_timer_t tick;
    uv_poll_t pacer; /* open loop: a timerfd, for microsecond pacing */
    uv_check_t pacer_check;
    uv_prepare_t pacer_prepare;
    int timerfd;
    uint64_t armed_at; /* the timerfd's deadline */
    bool loop_ready;   /* the loop and its handles exist */
    struct conn *active, *idle;
    unsigned nactive, nidle;
    uint64_t *rings; /* nactive * depth send times */
    int stage;       /* the stage acted on */
    bool reported;   /* ready for that stage */
    unsigned next;   /* the next connection to start in a connect stage */
    unsigned connecting;
    bool running;   /* between STAGE_RUN and t1: requests go out */
    bool measuring; /* t0 has passed */
    uint64_t start_ns, t0, next_scan, cpu_t0;
    uint64_t prime_echo_ns; /* --prime: the last echo, or the start of priming */
    uint64_t bin_ns;        /* the timeline's bin width */
    double interval_ns;     /* open loop: between one connection's requests */
    unsigned rr;            /* open loop: the connection due next */
    struct lg_result res;
    atomic_uint_fast64_t live_completed, live_errors; /* for the progress line */
    uint64_t live_errors_n;
    unsigned snap_up; /* at STAGE_ACTIVE's report, for the main thread */
    uint64_t snap_setup_errors[ERR_COUNT];
    char rxbuf[RXBUF_SIZE];
    char txbuf[TXBUF_SIZE]; /* a short request, gathered; written before conn_send returns */
};

const char *const lg_error_names[ERR_COUNT] = {
    [ERR_CONNECT] = "connect",   [ERR_RESET] = "reset",
    [ERR_EOF] = "eof",           [ERR_TIMEOUT] = "timeout",
    [ERR_MISMATCH] = "mismatch", [ERR_ADDR_UNAVAILABLE] = "addr_unavailable",
    [ERR_FD_LIMIT] = "fd_limit",
};

static void conn_connect(struct conn *c, uint64_t now);
static void conn_fill(struct conn *c, uint64_t now);
static void launch_connects(struct worker *w);
static void check_primed(struct worker *w);
static void close_all(struct worker *w);
static void end_window(struct worker *w, uint64_t now);

/* Every callback that could send, read or count looks first whether t1 has passed: the
 * window's end is accounted for at the first event after it, so what it counts
 * (in flight, due but unsent) is the state at t1, not at the next tick up to TICK_MS
 * later, with requests sent and answered after t1 in it. */
static void window_check(struct worker *w, uint64_t now)
{
    if (w->running && now >= atomic_load_explicit(&w->coord->t1_ns, memory_order_relaxed))
        end_window(w, now);
}

static bool in_window(const struct worker *w, uint64_t now)
{
    return w->running && now >= w->t0 &&
           now < atomic_load_explicit(&w->coord->t1_ns, memory_order_relaxed);
}

static enum lg_error classify(int err, bool connecting)
{
    switch (err) {
    case UV_EADDRNOTAVAIL:
        return ERR_ADDR_UNAVAILABLE;
    case UV_EMFILE:
    case UV_ENFILE:
        return ERR_FD_LIMIT;
    case UV_EOF:
        return ERR_EOF;
    case UV_ECONNREFUSED:
    case UV_ETIMEDOUT:
    case UV_ENETUNREACH:
    case UV_EHOSTUNREACH:
        return connecting ? ERR_CONNECT : ERR_RESET;
    default:
        return connecting ? ERR_CONNECT : ERR_RESET;
    }
}

/* Errors in the window count; those before it (connecting, warmup) are setup errors;
 * those after it are the stop's own doing and are not counted. */
static void count_error(struct worker *w, enum lg_error kind, uint64_t now)
{
    if (in_window(w, now)) {
        w->res.errors[kind]++;
        unsigned bin = (unsigned)((now - w->t0) / w->bin_ns);
        if (bin < w->res.seconds)
            w->res.second_errors[bin]++;
        w->live_errors_n++;
        atomic_store_explicit(&w->live_errors, w->live_errors_n, memory_order_relaxed);
    } else if (now < w->t0) {
        w->res.setup_errors[kind]++;
    }
}

static uint64_t intended(const struct worker *w, const struct conn *c, uint64_t seq);

/* A request that will never complete, seen at time now: by a timeout, or still
 * unanswered (or, in the open loop, still unsent) when the window closes. Its latency
 * is at least its age, and that lower bound is recorded when the age exceeds
 * older_than: leaving it out would make a server that stops answering look fast. */
static void record_censored(struct worker *w, struct conn *c, uint64_t seq, uint64_t now,
                            uint64_t older_than)
{
    uint64_t from = w->cfg->mode == MODE_OPEN    ? intended(w, c, seq)
                    : w->cfg->mode == MODE_CHURN ? c->connect_start
                                                 : c->sent_at[seq % w->cfg->pipeline];
    if (!in_window(w, now) || from >= now || now - from <= older_than)
        return;
    hist_record(&w->res.latency, now - from);
    w->res.censored++;
    unsigned bin = (unsigned)((now - w->t0) / w->bin_ns);
    if (bin < w->res.seconds)
        hist_record(&w->res.per_second[bin], now - from);
}

/* The requests a failing connection takes with it: counted as abandoned. When it failed
 * for a timeout, the one that timed out is recorded at its age (at least --timeout);
 * the younger ones are recorded only when older than the slowest request this worker
 * has recorded, as at the window's close (end_window): their ages bound nothing the
 * data shows, and a hung server's open loop with -p 8 showed them as a p50 of half the
 * timeout for requests that were never answered. */
static void abandon(struct conn *c, bool censor, uint64_t now)
{
    struct worker *w = c->w;
    for (uint64_t seq = c->seq_recv; seq < c->seq_sent; seq++) {
        if (in_window(w, now))
            w->res.abandoned++;
        if (!censor)
            continue;
        bool timed_out = seq == c->seq_recv;
        uint64_t slowest = w->res.latency.total ? w->res.latency.max : 0;
        record_censored(w, c, seq, now, timed_out ? 0 : slowest);
    }
    c->seq_recv = c->seq_sent;
}

/* ---- closing ---- */

static void on_closed(uv_handle_t *h)
{
    struct conn *c = (struct conn *)h;
    struct worker *w = c->w;
    uint64_t now = clock_now_ns();

    c->state = C_DOWN;
    if (!w->running || c->idle)
        return; /* idle connections are not reopened: open_at_end shows what was lost */
    if (c->reopen) {
        c->reopen = false;
        conn_connect(c, now); /* the server is up, only this stream is off by a line */
        return;
    }
    if (c->failed || w->cfg->mode != MODE_CHURN)
        c->retry_at = now + (c->failed ? RETRY_NS : 0);
    else
        conn_connect(c, now); /* churn: the next cycle at once */
}

static void conn_close(struct conn *c)
{
    if (c->state == C_DOWN || c->state == C_CLOSING)
        return;
    /* A pending connect completes with UV_ECANCELED, which knows not to count it. */
    c->state = C_CLOSING;
    uv_close((uv_handle_t *)&c->tcp, on_closed);
}

static void conn_fail(struct conn *c, enum lg_error kind, uint64_t now)
{
    if (c->state == C_CLOSING || c->state == C_DOWN)
        return;
    if (!c->idle) {
        count_error(c->w, kind, now);
        abandon(c, kind == ERR_TIMEOUT, now);
    }
    c->failed = true;
    conn_close(c);
}

/* ---- connecting ---- */

static int bind_source(struct conn *c)
{
    const struct lg_config *cfg = c->w->cfg;
    struct sockaddr_in src = {.sin_family = AF_INET};
    uv_os_fd_t fd;
    int one = 1;

    /* Spread over 127.0.0.1..N: each source address has its own ephemeral ports. With
     * IP_BIND_ADDRESS_NO_PORT the port is picked at connect(), per destination,
     * instead of being reserved for good at bind(). */
    unsigned slot = (c->idle ? cfg->connections : 0) + c->index;
    src.sin_addr.s_addr = htonl(0x7f000001u + slot % cfg->sources);
    int err = uv_fileno((uv_handle_t *)&c->tcp, &fd);
    if (err)
        return err;
    if (setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one)) < 0)
        return uv_translate_sys_error(errno);
    return uv_tcp_bind(&c->tcp, (const struct sockaddr *)&src, 0);
}

static void on_connected(uv_connect_t *req, int status);

static void conn_connect(struct conn *c, uint64_t now)
{
    struct worker *w = c->w;
    const struct lg_config *cfg = w->cfg;

    c->failed = false;
    int err = uv_tcp_init_ex(&w->loop, &c->tcp, cfg->addr.ss.ss_family);
    if (err) {
        if (c->idle)
            w->res.setup_errors[classify(err, true)]++;
        else
            count_error(w, classify(err, true), now);
        c->retry_at = now + RETRY_NS;
        return; /* still DOWN: no handle to close */
    }
    c->state = C_CONNECTING;
    c->connect_start = now;
    uv_connect_t *req = malloc(sizeof(*req));
    if (!req)
        err = UV_ENOMEM;
    else if (cfg->sources > 1)
        err = bind_source(c);
    if (!err) {
        uv_tcp_nodelay(&c->tcp, 1);
        /* Each connect is timed from its own start, taken just before its connect():
         * a batch of up to CONNECT_CAP shares one `now`, and timing them all from it
         * made the last one's time the batch's whole span. */
        c->connect_start = clock_now_ns();
        err = uv_tcp_connect(req, &c->tcp, (const struct sockaddr *)&cfg->addr.ss, on_connected);
    }
    if (err) {
        free(req);
        conn_fail(c, classify(err, true), now);
        if (c->idle)
            c->w->res.setup_errors[classify(err, true)]++;
        return;
    }
    w->connecting++;
}

/* ---- receiving ---- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct worker *w = ((struct conn *)h)->w;
    (void)suggested;
    /* One buffer for every connection: read_cb checks the bytes before it returns. */
    buf->base = w->rxbuf;
    buf->len = sizeof(w->rxbuf);
}

static uint64_t intended(const struct worker *w, const struct conn *c, uint64_t seq)
{
    return c->base + (uint64_t)((double)seq * w->interval_ns);
}

static void record_completion(struct worker *w, struct conn *c, uint64_t seq, uint64_t now)
{
    uint64_t sent = c->sent_at[seq % w->cfg->pipeline];
    uint64_t from = w->cfg->mode == MODE_OPEN    ? intended(w, c, seq)
                    : w->cfg->mode == MODE_CHURN ? c->connect_start
                                                 : sent;

    w->res.completed_total++;
    if (now >= w->start_ns && now < atomic_load_explicit(&w->coord->t1_ns, memory_order_relaxed))
        w->res.completed_from_start++;
    /* A store, not an atomic add: only this thread writes it. */
    atomic_store_explicit(&w->live_completed, w->res.completed_total, memory_order_relaxed);
    if (!in_window(w, now))
        return;
    /* A request sent before its intended time cannot be; the clocks are one. */
    hist_record(&w->res.latency, now - (from < now ? from : now));
    if (w->cfg->mode == MODE_OPEN)
        hist_record(&w->res.service, now - sent);
    w->res.completed++;
    w->completed_by_conn[c - w->active]++; /* this worker's own array: no false sharing */
    unsigned bin = (unsigned)((now - w->t0) / w->bin_ns);
    if (bin < w->res.seconds) {
        w->res.second_completed[bin]++;
        hist_record(&w->res.per_second[bin], now - (from < now ? from : now));
    }
}

/* A line that ended early or late, or that nobody asked for: one newline too many or
 * too few, after which every later echo on this stream would be one line off and a
 * mismatch. The stream is given up (its other unanswered requests abandoned, not
 * errors) and the connection opened again at once: one mismatch in all. */
static void conn_reframe(struct conn *c, uint64_t now)
{
    abandon(c, false, now);
    c->reopen = true;
    conn_close(c);
}

/* The echo being read has reached its newline (or its bytes ran past it). A wrong
 * echo of the right length is a mismatch, and the next starts after its newline. */
static void echo_done(struct conn *c, uint64_t now)
{
    struct worker *w = c->w;
    bool framed = c->rx_pos == w->cfg->line_bytes;
    bool ok = !c->rx_bad && framed;

    c->rx_pos = 0;
    c->rx_bad = false;
    if (c->seq_recv == c->seq_sent || !framed) {
        count_error(w, ERR_MISMATCH, now);
        if (c->seq_recv != c->seq_sent)
            c->seq_recv++; /* the request this line began to answer */
        conn_reframe(c, now);
        if (w->stage == STAGE_PRIME)
            check_primed(w); /* it is closing: not waited for */
        return;
    }
    uint64_t seq = c->seq_recv++;
    if (!ok) {
        count_error(w, ERR_MISMATCH, now);
    } else {
        record_completion(w, c, seq, now);
    }
    if (w->cfg->mode == MODE_CHURN) {
        conn_close(c); /* the next cycle starts when it is closed */
        return;
    }
    if (w->stage == STAGE_PRIME) {
        w->prime_echo_ns = now;
        check_primed(w);
    }
    conn_fill(c, now);
}

/* Checks n bytes of echo against the requests they answer. An echo ends at its
 * newline; one that differs is a mismatch, and the next echo starts after the newline,
 * so a server that corrupts one line costs one line. One that ends early or late is a
 * framing error: one mismatch, and the connection is opened again (conn_reframe). */
static void conn_consume(struct conn *c, const char *data, size_t n, uint64_t now)
{
    struct worker *w = c->w;
    struct lg_request r;
    uint64_t made = UINT64_MAX;

    while (n > 0 && c->state == C_UP) {
        const char *nl = memchr(data, '\n', n);
        size_t take = nl ? (size_t)(nl - data) + 1 : n;
        if (!c->rx_bad) {
            if (c->seq_recv == c->seq_sent) {
                c->rx_bad = true; /* nothing is outstanding */
            } else {
                if (made != c->seq_recv) {
                    request_make(&r, w->coord->pattern, w->cfg->line_bytes, c->index, c->seq_recv);
                    made = c->seq_recv;
                }
                if (!request_matches(&r, c->rx_pos, data, take))
                    c->rx_bad = true;
            }
        }
        /* Saturates past the line length: such an echo is wrong whatever follows. */
        c->rx_pos = c->rx_pos + take > w->cfg->line_bytes ? w->cfg->line_bytes + 1
                                                          : c->rx_pos + (uint32_t)take;
        data += take;
        n -= take;
        if (nl)
            echo_done(c, now);
    }
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    struct conn *c = (struct conn *)s;
    uint64_t now = clock_now_ns();

    window_check(c->w, now);
    if (nread > 0) {
        if (in_window(c->w, now))
            c->w->res.bytes_received += (uint64_t)nread;
        if (!c->idle)
            conn_consume(c, buf->base, (size_t)nread, now);
    } else if (nread < 0) {
        conn_fail(c, nread == UV_EOF ? ERR_EOF : classify((int)nread, false), now);
    }
}

static void on_connected(uv_connect_t *req, int status)
{
    struct conn *c = (struct conn *)req->handle;
    struct worker *w = c->w;
    uint64_t now = clock_now_ns();

    window_check(w, now);
    free(req);
    w->connecting--;
    if (status == UV_ECANCELED) {
        /* Closed by us: a timeout (counted then) or the end of the run. */
    } else if (status < 0) {
        if (c->idle)
            w->res.setup_errors[classify(status, true)]++;
        conn_fail(c, classify(status, true), now);
    } else if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) < 0) {
        conn_fail(c, ERR_RESET, now);
    } else {
        c->state = C_UP;
        if (in_window(w, now))
            hist_record(&w->res.connect, now - c->connect_start);
        else if (now < w->t0)
            hist_record(&w->res.setup_connect, now - c->connect_start);
        if (c->idle) {
            w->res.idle_established++;
        } else {
            c->seq_recv = c->seq_sent; /* anything unanswered went with the old connection */
            c->rx_pos = 0;
            c->rx_bad = false;
            conn_fill(c, now);
        }
    }
    launch_connects(w);
}

/* ---- sending ---- */

struct heap_write {
    uv_write_t req;
    char data[];
};

static void on_written(uv_write_t *req, int status)
{
    struct conn *c = (struct conn *)req->handle;
    free(req);
    if (status < 0 && status != UV_ECANCELED)
        conn_fail(c, classify(status, false), clock_now_ns());
}

/* Sends request seq_sent. Most writes complete at once (uv_try_write); the rest of one
 * that does not is copied and queued, and later writes queue behind it. */
static void conn_send(struct conn *c, uint64_t now)
{
    struct worker *w = c->w;
    struct lg_request r;
    uv_buf_t bufs[3];
    unsigned nbufs = 0;

    request_make(&r, w->coord->pattern, w->cfg->line_bytes, c->index, c->seq_sent);
    if (w->cfg->line_bytes <= sizeof(w->txbuf)) {
        /* A short line goes out as one buffer: write() costs less than writev(). */
        size_t at = 0;
        for (int i = 0; i < 3; i++) {
            memcpy(w->txbuf + at, r.part[i], r.len[i]);
            at += r.len[i];
        }
        bufs[nbufs++] = uv_buf_init(w->txbuf, (unsigned)at);
    } else {
        for (int i = 0; i < 3; i++)
            if (r.len[i] > 0)
                bufs[nbufs++] = uv_buf_init((char *)r.part[i], (unsigned)r.len[i]);
    }
    /* The send time is taken just before the write: what came before it (checking the
     * last echo, building this request) is the client's time, not the server's. */
    now = clock_now_ns();
    if (w->running) {
        /* A backlog of due requests takes time to send: t1 may pass in the middle of it,
         * and what is left is due but unsent at t1, not sent after it. */
        window_check(w, now);
        if (!w->running)
            return;
    }
    int put = uv_try_write((uv_stream_t *)&c->tcp, bufs, nbufs);
    if (put == UV_EAGAIN)
        put = 0;
    if (put < 0) {
        conn_fail(c, classify(put, false), now);
        return;
    }
    size_t left = w->cfg->line_bytes - (size_t)put;
    if (left > 0) {
        struct heap_write *hw = malloc(sizeof(*hw) + left);
        if (!hw) {
            conn_fail(c, ERR_RESET, now);
            return;
        }
        size_t skip = (size_t)put, at = 0;
        for (unsigned i = 0; i < nbufs; i++) {
            size_t len = bufs[i].len;
            if (skip >= len) {
                skip -= len;
                continue;
            }
            memcpy(hw->data + at, bufs[i].base + skip, len - skip);
            at += len - skip;
            skip = 0;
        }
        uv_buf_t rest = uv_buf_init(hw->data, (unsigned)left);
        int err = uv_write(&hw->req, (uv_stream_t *)&c->tcp, &rest, 1, on_written);
        if (err) {
            free(hw);
            conn_fail(c, classify(err, false), now);
            return;
        }
    }
    c->sent_at[c->seq_sent % w->cfg->pipeline] = now;
    c->seq_sent++;
    w->res.sent_total++;
    if (in_window(w, now)) {
        w->res.sent++;
        w->res.bytes_sent += w->cfg->line_bytes;
    }
}

/* Sends what this connection may send now. */
static void conn_fill(struct conn *c, uint64_t now)
{
    struct worker *w = c->w;
    const struct lg_config *cfg = w->cfg;

    while (c->state == C_UP && w->running && c->seq_sent - c->seq_recv < cfg->pipeline) {
        if (cfg->mode == MODE_OPEN && c->seq_sent >= c->due)
            break; /* the next one's time has not come */
        if (cfg->mode == MODE_CHURN && c->seq_sent != c->seq_recv)
            break; /* one request per connection */
        conn_send(c, now);
        if (cfg->mode == MODE_CHURN)
            break;
    }
}

/* ---- the open loop's pacer ----
 *
 * Requests are sent at their intended times, to the microsecond. After every round of
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

/* The intended time of the next request due on this worker: the connections'
 * schedules interleave round-robin, so it is the next connection's. */
static uint64_t pacer_next(const struct worker *w)
{
    const struct conn *c = &w->active[w->rr];
    return intended(w, c, c->due);
}

/* Makes every request whose intended time has come due, in time order. A request
 * that goes out the moment it comes due (none before it waits on its connection, and
 * its connection has room) measures the pacer itself: how late the send left against
 * its intended time, loadgen's own lateness (waking, the loop's round), not the
 * server's. A held one waits for the server, and is the latency's business. */
static void pace(struct worker *w, uint64_t now)
{
    while (w->running && pacer_next(w) <= now) {
        struct conn *c = &w->active[w->rr];
        uint64_t seq = c->due++;
        bool first_in_line = c->seq_sent == seq;
        conn_fill(c, now);
        if (first_in_line && c->seq_sent > seq) {
            uint64_t sent = c->sent_at[seq % w->cfg->pipeline], due = intended(w, c, seq);
            if (in_window(w, sent))
                hist_record(&w->res.send_lag, sent > due ? sent - due : 0);
        }
        w->rr = (w->rr + 1) % w->nactive;
    }
}

/* --spin: when the next send is due within the spin, waits for it on the CPU, not in
 * the kernel: a wakeup from sleep can be tens of microseconds late. Returns the time. */
static uint64_t pacer_spin(struct worker *w, uint64_t now)
{
    uint64_t next = pacer_next(w);
    if (w->cfg->spin_ns == 0 || next <= now || next - now > w->cfg->spin_ns)
        return now;
    while (now < next)
        now = clock_now_ns();
    return now;
}

static void on_pacer_check(uv_check_t *h)
{
    struct worker *w = h->data;
    window_check(w, clock_now_ns());
    if (w->running)
        pace(w, pacer_spin(w, clock_now_ns()));
}

static void on_pacer_prepare(uv_prepare_t *h)
{
    struct worker *w = h->data;
    window_check(w, clock_now_ns());
    if (!w->running)
        return;
    pace(w, clock_now_ns()); /* in case the clock passed a deadline since the check */
    /* With --spin the timer wakes the loop the spin early, and the check handle waits
     * out the rest on the CPU. */
    uint64_t next = pacer_next(w);
    pacer_arm(w, next > w->cfg->spin_ns ? next - w->cfg->spin_ns : next);
}

static void on_pacer_fired(uv_poll_t *p, int status, int events)
{
    /* Nothing to do here: the wakeup was the point, and the check handle, which runs
     * after this round of I/O, sends what is due; the prepare handle re-arms. */
    (void)p;
    (void)status;
    (void)events;
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

/* In a connect stage: starts connects up to the cap; reports when all have ended. */
static void launch_connects(struct worker *w)
{
    struct conn *set = w->stage == STAGE_IDLE ? w->idle : w->active;
    unsigned n = w->stage == STAGE_IDLE ? w->nidle : w->nactive;

    if (w->stage != STAGE_IDLE && w->stage != STAGE_ACTIVE)
        return;
    uint64_t now = clock_now_ns();
    while (w->connecting < CONNECT_CAP && w->next < n)
        conn_connect(&set[w->next++], now);
    if (!w->reported && w->connecting == 0 && w->next == n) {
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
    w->prime_echo_ns = now;
    for (unsigned i = 0; i < w->nactive; i++)
        if (w->active[i].state == C_UP)
            conn_send(&w->active[i], now);
    check_primed(w);
}

static void check_primed(struct worker *w)
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
        /* Connection g's requests are intended at start + g/R + k*c/R: evenly spread
         * over time and over the connections. */
        w->interval_ns = (double)cfg->connections * 1e9 / cfg->rate;
        for (unsigned i = 0; i < w->nactive; i++) {
            /* The schedule starts at the next sequence number (a primed connection has
             * used one). */
            struct conn *c = &w->active[i];
            uint64_t first = start + (uint64_t)((double)c->index * 1e9 / cfg->rate);
            c->due = c->seq_sent;
            c->base = first - (uint64_t)((double)c->seq_sent * w->interval_ns);
        }
        uv_poll_start(&w->pacer, UV_READABLE, on_pacer_fired);
        uv_check_start(&w->pacer_check, on_pacer_check);
        uv_prepare_start(&w->pacer_prepare, on_pacer_prepare);
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
        end_window(w, clock_now_ns()); /* at once, if the tick has not done it */
        report_ready(w);
    } else if (stage == STAGE_CLOSE || stage == STAGE_ABORT) {
        close_all(w); /* the loop ends once everything is closed */
    } else {
        launch_connects(w);
    }
}

static void close_handle(uv_handle_t *h)
{
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

/* t1: the measured window is over. Whatever the server does, the loop ends now. */
/* t1: the measured window is over. What is unanswered is accounted for, and nothing
 * more is sent; the connections stay open until STAGE_CLOSE, so that the runner can
 * read the server as it was at the end of the window. */
static void end_window(struct worker *w, uint64_t now)
{
    if (!w->running)
        return;
    w->res.cpu_ns = w->measuring ? clock_thread_cpu_ns() - w->cpu_t0 : 0;
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
        if (c->state == C_UP)
            w->res.in_flight_at_end += c->seq_sent - c->seq_recv;
        uint64_t upto = w->cfg->mode == MODE_OPEN && c->due > c->seq_sent ? c->due : c->seq_sent;
        while (upto > c->seq_sent && intended(w, c, upto - 1) >= t1)
            upto--; /* due at or after t1: not the window's (window_check stops the pacer
                     * at the first event after t1, which may be a little later) */
        if (w->cfg->mode == MODE_OPEN)
            w->res.due_unsent_at_end += upto - c->seq_sent;
        for (uint64_t seq = c->seq_recv; seq < upto; seq++)
            if (c->state == C_UP || seq >= c->seq_sent)
                record_censored(w, c, seq, last, slowest);
    }
    for (unsigned i = 0; i < w->nidle; i++)
        w->res.idle_open_at_end += w->idle[i].state == C_UP;
    w->running = false;
    close_handle((uv_handle_t *)&w->pacer);
    close_handle((uv_handle_t *)&w->pacer_check);
    close_handle((uv_handle_t *)&w->pacer_prepare);
}

/* Closes every connection and handle: the loop ends when they are closed. */
static void close_all(struct worker *w)
{
    w->running = false;
    for (unsigned i = 0; i < w->nactive; i++)
        conn_close(&w->active[i]);
    for (unsigned i = 0; i < w->nidle; i++)
        conn_close(&w->idle[i]);
    close_handle((uv_handle_t *)&w->tick);
    close_handle((uv_handle_t *)&w->wake);
    close_handle((uv_handle_t *)&w->pacer);
    close_handle((uv_handle_t *)&w->pacer_check);
    close_handle((uv_handle_t *)&w->pacer_prepare);
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
        } else if (c->state == C_DOWN && w->running && now >= c->retry_at) {
            conn_connect(c, now);
        }
    }
    if (w->stage == STAGE_PRIME && !w->reported && now - w->prime_echo_ns > PRIME_STALL_NS) {
        /* No echo for a while: the rest are treated as timed out, as they would be
         * at the request timeout. */
        for (unsigned i = 0; i < w->nactive; i++) {
            struct conn *c = &w->active[i];
            if (c->state == C_UP && c->seq_sent != c->seq_recv)
                conn_fail(c, ERR_TIMEOUT, now);
        }
    }
    if (w->stage == STAGE_PRIME)
        check_primed(w); /* a timeout above may have settled the last one */
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

    if (w->running) {
        if (!w->measuring && now >= w->t0) {
            w->measuring = true;
            w->cpu_t0 = clock_thread_cpu_ns();
        }
        window_check(w, now); /* when no other event came after t1 */
    }
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
        if (!idle)
            c->sent_at = &w->rings[(size_t)i * w->cfg->pipeline];
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
    w->rings = calloc((size_t)(w->nactive ? w->nactive : 1) * cfg->pipeline, sizeof(*w->rings));
    w->completed_by_conn = calloc(w->nactive ? w->nactive : 1, sizeof(*w->completed_by_conn));
    if (!w->active || !w->idle || !w->rings || !w->completed_by_conn ||
        result_init(&w->res, cfg, w->bin_ns) < 0)
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

void worker_conn_completed(const struct worker *w, uint64_t *per_conn)
{
    for (unsigned i = 0; i < w->nactive; i++)
        per_conn[w->active[i].index] = w->completed_by_conn[i];
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
    free(w->completed_by_conn);
    free(w);
}
