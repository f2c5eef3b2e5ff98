/* A load generator worker's connections and its loop, as worker.c (the thread, the
 * stages, the window's accounting), conn.c (a connection's life: connecting, sending,
 * checking echoes, ending) and pacer.c (the open loop's pacer) share them. Private to
 * those three: everything here runs on the worker's own thread, but for what struct
 * worker says. */
#ifndef ECHOBENCH_LOADGEN_CONN_H
#define ECHOBENCH_LOADGEN_CONN_H

#include "clock.h"
#include "loadgen.h"

#include <uv.h>

#define RXBUF_SIZE  65536
#define TXBUF_SIZE  4096
#define CONNECT_CAP 512 /* connects in flight at once, per worker */
/* Of them, at most CONNECT_FRESH started less than CONNECT_STALL_NS ago: each is timed
 * while loadgen is not busy with hundreds of others (500 at once made the p50 of a
 * 115 us connect 25 ms), and those stuck (a full backlog retransmits its SYN after a
 * second) do not hold up the rest. */
#define CONNECT_FRESH    4
#define CONNECT_STALL_NS (5 * NS_PER_MS)
#define RETRY_NS         (50 * NS_PER_MS)  /* before reconnecting after a failure */
#define DRAIN_NS         (100 * NS_PER_MS) /* the longest a run's end waits for FINs */

/* DRAINING: the run is over, our FIN is sent, the server's last echoes are read and
 * dropped until its FIN (conn_drain). */
enum conn_state { C_DOWN, C_CONNECTING, C_UP, C_DRAINING, C_CLOSING };

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
    /* Open loop: due.seq requests have come due, the next at due.at; unsent is the
     * same schedule at seq_sent (its intended time is the next send's). */
    struct arr_cursor due, unsent;
    uint64_t *intended_at; /* open loop: request seq's intended time, at [seq % depth] */
};

/* The pacer's min-heap of connections by the intended time of their next request. */
struct due_slot {
    uint64_t at;
    uint32_t conn; /* index in the worker's active */
};

struct worker {
    unsigned id;
    const struct lg_config *cfg;
    struct lg_coord *coord;
    uint64_t *completed_by_conn; /* completions in the window, by our active connection */
    uint64_t *due_early_by_conn; /* open loop: requests intended in the window's first half */
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
    uint64_t *rings; /* nactive * depth send times, then as many intended times */
    int stage;       /* the stage acted on */
    bool reported;   /* ready for that stage */
    unsigned next;   /* the next connection to start in a connect stage */
    unsigned connecting;
    struct conn *fresh[CONNECT_FRESH]; /* the connects started last, in a ring */
    unsigned fresh_at;                 /* where the next goes in it */
    unsigned draining;                 /* connections DRAINING */
    uint64_t drain_until;              /* when the ones still DRAINING are closed */
    bool running;                      /* between STAGE_RUN and t1: requests go out */
    bool measuring;                    /* t0 has passed */
    uint64_t start_ns, t0, next_scan, cpu_t0;
    int64_t wait_t0;           /* the thread's run-queue wait at t0 (schedstat), or -1 */
    uint64_t prime_echo_ns;    /* --prime: the last echo, or the end of priming's sends */
    uint64_t last_scan_ns;     /* the scan before this one: was the loop held up between? */
    uint64_t bin_ns;           /* the timeline's bin width */
    double interval_ns;        /* open loop: between one connection's requests */
    struct due_slot *due_heap; /* open loop: nactive slots, the soonest first */
    struct lg_result res;
    atomic_uint_fast64_t live_completed, live_errors; /* for the progress line */
    uint64_t live_errors_n;
    unsigned snap_up; /* at STAGE_ACTIVE's report, for the main thread */
    uint64_t snap_setup_errors[ERR_COUNT];
    /* --open-within: the idle connections whose connect failed, by index, oldest
     * first, to be tried again at their retry_at; a ring of nidle, each in it once. */
    uint32_t *retry_ring;
    unsigned retry_head, retrying;
    char rxbuf[RXBUF_SIZE];
    char txbuf[TXBUF_SIZE]; /* a short request, gathered; written before conn_send returns */
};

/* ---- conn.c ---- */

/* Opens connection c (DOWN) at time now; on failure it stays DOWN, to retry later. */
void conn_connect(struct conn *c, uint64_t now);

/* Sends request seq_sent now. Returns false when it did not go out: the connection
 * failed, or t1 has passed. */
bool conn_send(struct conn *c, uint64_t now);

/* Sends what this connection may send now (the pipeline, the pacer, churn's one). */
void conn_fill(struct conn *c, uint64_t now);

/* Closes c, unless it is DOWN or closing already. */
void conn_close(struct conn *c);

/* Ends c at the end of the run: one with requests unanswered is shut down for writing
 * and DRAINING (closed at the server's FIN, or by worker_finish_close), the others are
 * closed. */
void conn_drain(struct conn *c);

/* Counts an error of this kind, abandons what c carried, and closes it. */
void conn_fail(struct conn *c, enum lg_error kind, uint64_t now);

/* Where the latency of request seq of c, sent already, counts from: its intended time
 * in the open loop, the connect with --churn, its send otherwise. */
uint64_t conn_from(const struct worker *w, const struct conn *c, uint64_t seq);

/* Records a request that will never complete, counted from `from` (conn_from, or an
 * unsent one's intended time), at its age at now when that age exceeds older_than (a
 * lower bound that bounds something). */
void conn_record_censored(struct worker *w, uint64_t from, uint64_t now, uint64_t older_than);

/* ---- pacer.c ---- */

/* The open loop's pacer: the timerfd's poll, check and prepare callbacks. */
void pacer_on_fired(uv_poll_t *p, int status, int events);
void pacer_on_check(uv_check_t *h);
void pacer_on_prepare(uv_prepare_t *h);

/* At the run's start: begins every active connection's schedule at its next sequence
 * number and fills the heap. */
void pacer_begin(struct worker *w, uint64_t start);

/* ---- worker.c ---- */

/* In a connect stage: starts connects up to the cap; reports when all have ended. */
void worker_launch_connects(struct worker *w);

/* An idle connection's connect failed before it was up: with --open-within, in the
 * idle stage and before its deadline, it is queued to be tried again after RETRY_NS;
 * otherwise it has failed for good. */
void worker_idle_failed(struct worker *w, struct conn *c, uint64_t now);

/* --prime: reports the stage done once no connection that is up awaits its echo. */
void worker_check_primed(struct worker *w);

/* STAGE_CLOSE or STAGE_ABORT: once nothing is DRAINING, or at drain_until, closes what
 * still is and the tick, the last handle: the loop ends. */
void worker_finish_close(struct worker *w, uint64_t now);

/* How long the calling thread has waited on a run queue for a CPU, in nanoseconds
 * (the second field of /proc/thread-self/schedstat), or -1 where the kernel does not
 * say. */
int64_t worker_thread_wait_ns(void);

/* t1: accounts for what is unanswered, stops sending; the connections stay open. */
void worker_end_window(struct worker *w, uint64_t now);

/* Every callback that could send, read or count looks first whether t1 has passed: the
 * window's end is accounted for at the first event after it, so what it counts
 * (in flight, due but unsent) is the state at t1, not at the next tick up to TICK_MS
 * later, with requests sent and answered after t1 in it. */
static inline void worker_window_check(struct worker *w, uint64_t now)
{
    /* The thread's CPU time counts from the first event at or after t0: a loop busy
     * across the window may not reach its tick until the end. */
    if (w->running && !w->measuring && now >= w->t0) {
        w->measuring = true;
        w->cpu_t0 = clock_thread_cpu_ns();
        w->wait_t0 = worker_thread_wait_ns();
    }
    if (w->running && now >= atomic_load_explicit(&w->coord->t1_ns, memory_order_relaxed))
        worker_end_window(w, now);
}

/* An intended time in the first half of the window: a connection that had one and got
 * no echo in the window is starved (its request had half a window to be answered; one
 * due just before t1 says nothing). */
static inline bool worker_due_early(const struct worker *w, uint64_t at)
{
    return at >= w->t0 && at - w->t0 < w->cfg->duration_ns / 2;
}

static inline bool worker_in_window(const struct worker *w, uint64_t now)
{
    return w->running && now >= w->t0 &&
           now < atomic_load_explicit(&w->coord->t1_ns, memory_order_relaxed);
}

#endif
