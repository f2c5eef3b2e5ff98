/* A load generator connection's life, on its worker's loop: connecting, sending,
 * checking each echo as it arrives, failing and reconnecting, and ending at the run's
 * end. The open loop's pacer is pacer.c; see worker.c for the states and the thread. */
#include "conn.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const lg_error_names[ERR_COUNT] = {
    [ERR_CONNECT] = "connect",   [ERR_RESET] = "reset",
    [ERR_EOF] = "eof",           [ERR_TIMEOUT] = "timeout",
    [ERR_MISMATCH] = "mismatch", [ERR_ADDR_UNAVAILABLE] = "addr_unavailable",
    [ERR_FD_LIMIT] = "fd_limit",
};

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
    if (worker_in_window(w, now)) {
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

/* A request that will never complete, seen at time now: by a timeout, or still
 * unanswered (or, in the open loop, still unsent) when the window closes. Its latency
 * is at least its age, and that lower bound is recorded when the age exceeds
 * older_than: leaving it out would make a server that stops answering look fast. */
void conn_record_censored(struct worker *w, uint64_t from, uint64_t now, uint64_t older_than)
{
    if (!worker_in_window(w, now) || from >= now || now - from <= older_than)
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
        if (worker_in_window(w, now))
            w->res.abandoned++;
        if (!censor)
            continue;
        bool timed_out = seq == c->seq_recv;
        uint64_t slowest = w->res.latency.total ? w->res.latency.max : 0;
        conn_record_censored(w, conn_from(w, c, seq), now, timed_out ? 0 : slowest);
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
    /* Idle connections are not reopened here: one that failed to connect may be tried
     * again in the idle stage (--open-within, worker_idle_failed); one lost after it
     * was up is lost, and open_at_end shows it. */
    if (!w->running || c->idle)
        return;
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

void conn_close(struct conn *c)
{
    if (c->state == C_DOWN || c->state == C_CLOSING)
        return;
    /* A pending connect completes with UV_ECANCELED, which knows not to count it. */
    c->state = C_CLOSING;
    uv_close((uv_handle_t *)&c->tcp, on_closed);
}

void conn_fail(struct conn *c, enum lg_error kind, uint64_t now)
{
    if (c->state == C_CLOSING || c->state == C_DOWN)
        return;
    if (!c->idle) {
        count_error(c->w, kind, now);
        abandon(c, kind == ERR_TIMEOUT, now);
    } else if (c->state == C_CONNECTING) {
        worker_idle_failed(c->w, c, now);
    }
    c->failed = true;
    conn_close(c);
}

/* ---- the end of the run ----
 *
 * A socket closed with bytes unread, or that receives bytes once closed, sends a reset:
 * closing at once with requests in flight (a server busy with --work-us, or -p > 1),
 * the server saw resets and counted errors after a normal run (1 to 20 a run). So a
 * connection with requests unanswered sends its FIN, reads and drops what the server
 * still sends, and closes at the server's FIN, within DRAIN_NS. Nothing is measured by
 * then: the window ended at t1, and the runner has read the server. */

static void drained(struct conn *c)
{
    struct worker *w = c->w;

    w->draining--;
    conn_close(c);
    if (w->draining == 0)
        worker_finish_close(w, clock_now_ns());
}

static void on_shut(uv_shutdown_t *req, int status)
{
    struct conn *c = (struct conn *)req->handle;

    free(req);
    if (status < 0 && c->state == C_DRAINING)
        drained(c); /* no FIN went out: nothing to wait for */
}

void conn_drain(struct conn *c)
{
    if (c->state != C_UP || c->seq_sent == c->seq_recv) {
        conn_close(c);
        return;
    }
    uv_shutdown_t *req = malloc(sizeof(*req));
    if (!req || uv_shutdown(req, (uv_stream_t *)&c->tcp, on_shut) < 0) {
        free(req);
        conn_close(c);
        return;
    }
    c->state = C_DRAINING;
    c->w->draining++;
}

/* ---- connecting ---- */

static int bind_source(struct conn *c)
{
    const struct lg_config *cfg = c->w->cfg;
    struct sockaddr_in src = {.sin_family = AF_INET};
    uv_os_fd_t fd;
    int one = 1;

    /* Spread over 127.0.0.F..F+S-1 (--source-from, --sources): each source address has
     * its own ephemeral ports. With IP_BIND_ADDRESS_NO_PORT the port is picked at
     * connect(), per destination, instead of being reserved for good at bind(). */
    unsigned slot = (c->idle ? cfg->connections : 0) + c->index;
    src.sin_addr.s_addr = htonl(0x7f000000u + cfg->source_from + slot % cfg->sources);
    int err = uv_fileno((uv_handle_t *)&c->tcp, &fd);
    if (err)
        return err;
    if (setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one)) < 0)
        return uv_translate_sys_error(errno);
    return uv_tcp_bind(&c->tcp, (const struct sockaddr *)&src, 0);
}

static void on_connected(uv_connect_t *req, int status);

void conn_connect(struct conn *c, uint64_t now)
{
    struct worker *w = c->w;
    const struct lg_config *cfg = w->cfg;

    c->failed = false;
    w->res.idle_attempts += c->idle;
    int err = uv_tcp_init_ex(&w->loop, &c->tcp, cfg->addr.ss.ss_family);
    if (err) {
        c->retry_at = now + RETRY_NS;
        if (c->idle) {
            w->res.setup_errors[classify(err, true)]++;
            worker_idle_failed(w, c, now);
        } else {
            count_error(w, classify(err, true), now);
        }
        return; /* still DOWN: no handle to close */
    }
    c->state = C_CONNECTING;
    c->connect_start = now;
    uv_connect_t *req = malloc(sizeof(*req));
    if (!req)
        err = UV_ENOMEM;
    else if (cfg->sources > 1 || cfg->source_from > 1)
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

uint64_t conn_from(const struct worker *w, const struct conn *c, uint64_t seq)
{
    return w->cfg->mode == MODE_OPEN    ? c->intended_at[seq % w->cfg->pipeline]
           : w->cfg->mode == MODE_CHURN ? c->connect_start
                                        : c->sent_at[seq % w->cfg->pipeline];
}

static void record_completion(struct worker *w, struct conn *c, uint64_t seq, uint64_t now)
{
    uint64_t sent = c->sent_at[seq % w->cfg->pipeline];
    uint64_t from = conn_from(w, c, seq);

    w->res.completed_total++;
    if (now >= w->start_ns && now < atomic_load_explicit(&w->coord->t1_ns, memory_order_relaxed))
        w->res.completed_from_start++;
    /* A store, not an atomic add: only this thread writes it. */
    atomic_store_explicit(&w->live_completed, w->res.completed_total, memory_order_relaxed);
    if (!worker_in_window(w, now))
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
            worker_check_primed(w); /* it is closing: not waited for */
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
        worker_check_primed(w);
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

    if (c->state == C_DRAINING) {
        if (nread < 0)
            drained(c); /* the server's FIN (or a reset): done */
        return;         /* echoes after the run: dropped, not counted */
    }
    worker_window_check(c->w, now);
    if (nread > 0) {
        if (worker_in_window(c->w, now))
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

    worker_window_check(w, now);
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
        if (worker_in_window(w, now))
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
    worker_launch_connects(w);
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
bool conn_send(struct conn *c, uint64_t now)
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
    /* A backlog of due requests takes time to send: t1 may pass in the middle of it,
     * and what is left is due but unsent at t1, not sent after it. The window is
     * accounted for at the next event (worker_window_check), not here: echoes read
     * before t1 may still wait in this round's buffer. */
    if (w->running && now >= atomic_load_explicit(&w->coord->t1_ns, memory_order_relaxed))
        return false;
    int put = uv_try_write((uv_stream_t *)&c->tcp, bufs, nbufs);
    if (put == UV_EAGAIN)
        put = 0;
    if (put < 0) {
        conn_fail(c, classify(put, false), now);
        return false;
    }
    size_t left = w->cfg->line_bytes - (size_t)put;
    if (left > 0) {
        struct heap_write *hw = malloc(sizeof(*hw) + left);
        if (!hw) {
            conn_fail(c, ERR_RESET, now);
            return false;
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
            return false;
        }
    }
    c->sent_at[c->seq_sent % w->cfg->pipeline] = now;
    if (w->cfg->mode == MODE_OPEN) {
        c->intended_at[c->seq_sent % w->cfg->pipeline] = c->unsent.at;
        arr_step(&c->unsent, w->cfg->arrivals, w->interval_ns);
    }
    c->seq_sent++;
    w->res.sent_total++;
    if (worker_in_window(w, now)) {
        w->res.sent++;
        w->res.bytes_sent += w->cfg->line_bytes;
    }
    return true;
}

/* Sends what this connection may send now. */
void conn_fill(struct conn *c, uint64_t now)
{
    struct worker *w = c->w;
    const struct lg_config *cfg = w->cfg;

    while (c->state == C_UP && w->running && c->seq_sent - c->seq_recv < cfg->pipeline) {
        if (cfg->mode == MODE_OPEN && c->seq_sent >= c->due.seq)
            break; /* the next one's time has not come */
        if (cfg->mode == MODE_CHURN && c->seq_sent != c->seq_recv)
            break; /* one request per connection */
        if (!conn_send(c, now))
            break; /* past t1, or the connection failed */
        if (cfg->mode == MODE_CHURN)
            break;
    }
}
