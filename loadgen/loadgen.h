/* The load generator: what its parts share. */
#ifndef ECHOBENCH_LOADGEN_H
#define ECHOBENCH_LOADGEN_H

#include "arrivals.h"
#include "hist.h"
#include "net.h"

#include <jansson.h>
#include <time.h>

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

enum lg_mode { MODE_CLOSED, MODE_OPEN, MODE_CHURN };

#define LG_DEFAULT_SEED 1
#define LG_MAX_SEED     ((1ULL << 53) - 1) /* exact in a double, so in any JSON reader */

/* The command line, resolved. Read-only once the workers start. */
struct lg_config {
    const char *target; /* HOST:PORT as given */
    struct net_addr addr;
    enum lg_mode mode;
    unsigned connections; /* -c: active connections, or churn slots */
    unsigned idle;        /* -i */
    unsigned threads;     /* -t */
    unsigned pipeline;    /* -p */
    double rate;          /* -R: requests per second in all; 0 unless open loop */
    unsigned line_bytes;  /* -s, the newline included */
    uint64_t duration_ns; /* -d */
    uint64_t warmup_ns;   /* -w */
    uint64_t timeout_ns;  /* --timeout */
    int cpus[CPU_SETSIZE];
    unsigned ncpus; /* --cpus: workers are pinned round-robin */
    const char *json_path;
    const char *label;
    unsigned sources;        /* 127.0.0.x source addresses to spread over */
    unsigned source_from;    /* --source-from: the first is 127.0.0.N; 1 = no bind for 1 source */
    uint64_t open_within_ns; /* --open-within: idle connects retried until then; 0 = never */
    bool progress;           /* a progress line on stderr each second */
    bool prime;              /* --prime: one echo on every connection before the run */
    bool per_connection;     /* --per-connection: each connection's figures in the JSON */
    int sync_fd;             /* --sync: the runner's socket, or -1 */
    uint64_t bin_ns;         /* --timeline-bin */
    uint64_t spin_ns;        /* --spin: the open loop busy-waits this last stretch before a send */
    enum lg_arrivals arrivals; /* --arrivals: the open loop's schedule */
    uint64_t seed;             /* --seed: poisson's generators are seeded from it */
};

/* The kinds of error, as the run JSON names them. */
enum lg_error {
    ERR_CONNECT,          /* refused, or no answer in time */
    ERR_RESET,            /* ECONNRESET, EPIPE */
    ERR_EOF,              /* the server closed the connection */
    ERR_TIMEOUT,          /* no echo within --timeout */
    ERR_MISMATCH,         /* an echo that differs from its request */
    ERR_ADDR_UNAVAILABLE, /* no local port left (EADDRNOTAVAIL) */
    ERR_FD_LIMIT,         /* EMFILE, ENFILE */
    ERR_COUNT
};

extern const char *const lg_error_names[ERR_COUNT];

/* Run stages, advanced by the main thread once every worker has finished the
 * current one. */
enum lg_stage {
    STAGE_INIT,
    STAGE_IDLE,   /* open the idle connections */
    STAGE_ACTIVE, /* open the active ones */
    STAGE_PRIME,  /* --prime: one echo on each */
    STAGE_RUN,    /* warmup, then the window: the workers end it themselves at t1 */
    STAGE_END,    /* the window is over (early, after SIGINT): account for it */
    STAGE_CLOSE,  /* close everything; the loops end */
    STAGE_ABORT,  /* nothing to measure: close everything */
};

/* Shared between the main thread and the workers. */
struct lg_coord {
    _Atomic int stage;
    atomic_uint ready;    /* workers done with the current stage */
    pthread_mutex_t lock; /* with ready_cond: the main thread waits for ready */
    pthread_cond_t ready_cond;
    uint64_t idle_start_ns; /* STAGE_IDLE began: --open-within counts from it */
    uint64_t start_ns;      /* the load starts (warmup begins): set before STAGE_RUN */
    uint64_t t0_ns;         /* measurement begins */
    _Atomic uint64_t t1_ns; /* measurement ends; SIGINT moves it earlier */
    const char *pattern;    /* 2 * 65536 random printable bytes, read-only */
};

/* What one worker measured; the main thread merges them after the workers end. */
struct lg_result {
    struct hist latency;  /* from the intended send (open loop) or the send */
    struct hist service;  /* from the actual send */
    struct hist send_lag; /* open loop: how late each paced send left, from its intended time */
    struct hist connect;  /* connect() to connected, in the window */
    struct hist setup_connect; /* the same, for the connects before it (idle ones first) */
    struct hist *per_second;   /* one coarse histogram per second of the window */
    uint64_t *second_completed;
    uint64_t *second_errors;
    unsigned seconds;
    uint64_t completed;            /* echoes verified within the window */
    uint64_t sent;                 /* requests sent within the window */
    uint64_t completed_total;      /* over the whole run, warmup included */
    uint64_t completed_from_start; /* from the start of the warmup to t1 */
    uint64_t sent_total;
    uint64_t in_flight_at_end;
    uint64_t due_unsent_at_end;          /* open loop: due by t1 but never sent */
    uint64_t scheduled;                  /* open loop: requests intended in the window */
    uint64_t censored;                   /* recorded at their age: timed out, or unanswered at t1 */
    uint64_t abandoned;                  /* lost with a failed connection */
    uint64_t errors[ERR_COUNT];          /* within the window */
    uint64_t setup_errors[ERR_COUNT];    /* before it: connecting, warmup */
    uint64_t bytes_sent, bytes_received; /* within the window */
    unsigned active_up_at_start;         /* active connections established before the run */
    unsigned idle_established;
    unsigned idle_open_at_end;
    uint64_t idle_attempts; /* connects started for idle connections, retries included */
    uint64_t cpu_ns;        /* this worker thread's CPU time in the window */
    int64_t wait_ns;        /* the time it waited for a CPU in the window (schedstat); -1 unknown */
};

struct worker;

/* Creates worker id (of cfg->threads), owning connections id, id + threads, ... of
 * the active and the idle ones. Returns it, or NULL with errno. */
struct worker *worker_create(unsigned id, const struct lg_config *cfg, struct lg_coord *coord);

/* Starts its thread. Returns 0 or an error number. */
int worker_start(struct worker *w);

/* Wakes the worker to look at coord->stage. Thread-safe. */
void worker_wake(struct worker *w);

/* Waits for the worker's thread to end (after t1) and returns its result, which stays
 * the worker's until worker_destroy. Once per worker. */
const struct lg_result *worker_join(struct worker *w);

/* After STAGE_ACTIVE is reported: the active connections that are up, with the
 * errors met opening them added into setup_errors. */
unsigned worker_active_up(struct worker *w, uint64_t *setup_errors);

/* After worker_join: stores the completions in the window of each of the worker's
 * active connections at per_conn[its index], and (open loop) the requests its
 * schedule intended in the window's first half at per_conn_due[its index]. */
void worker_conn_completed(const struct worker *w, uint64_t *per_conn, uint64_t *per_conn_due);

/* Completions and errors so far, for the progress line. Thread-safe. */
void worker_progress(struct worker *w, uint64_t *completed, uint64_t *errors);

void worker_destroy(struct worker *w);

/* Frees what a result holds (its histograms and timeline). */
void result_free(struct lg_result *r);

/* The request with sequence number seq on connection index: a header that makes it
 * unique (the sequence number, lowest hex digit first, then the connection index),
 * then bytes of the shared pattern from an offset that depends on both, then the
 * newline; line_bytes in all. Each of the three parts is stored as a pointer and a
 * length in parts (header bytes in hdr, which holds 16). */
struct lg_request {
    char hdr[16];
    const char *part[3];
    size_t len[3];
};
void request_make(struct lg_request *r, const char *pattern, unsigned line_bytes, uint32_t index,
                  uint64_t seq);

/* Whether data (n bytes) equals bytes [from, from + n) of request r. */
bool request_matches(const struct lg_request *r, size_t from, const char *data, size_t n);

/* The width of the timeline's bins: --timeline-bin (a second by default), or as many
 * of it as keep a long run to at most 600 bins. */
uint64_t lg_bin_ns(const struct lg_config *cfg);

/* Parses the command line into cfg. Returns 0, 1 after --help, or -1 after saying what
 * is wrong. */
int lg_parse_args(int argc, char **argv, struct lg_config *cfg);

/* Parses "10s", "500ms", "2m", "1.5s" into nanoseconds. Returns 0, or -1. */
int lg_parse_duration(const char *text, uint64_t *ns);

/* Parses a CPU list such as "0-3,6". Returns the count, or -1. */
int lg_parse_cpus(const char *text, int *cpus, int max);

/* A whole run, merged from the workers: what the report is made of. */
#define LG_MAX_WARNINGS 6
#define LG_MAX_THREADS  256 /* -t */
struct lg_run {
    const struct lg_config *cfg;
    time_t started_at;
    double window_s;        /* the measured window, as it was (SIGINT shortens it) */
    bool interrupted;       /* ended early by SIGINT */
    struct lg_result total; /* the workers' results, merged */
    uint64_t *per_conn;     /* completions in the window, by active connection */
    uint64_t *per_conn_due; /* open loop: requests intended in the window's first half */
    double busiest_util;    /* the busiest worker's CPU time over the window */
    double most_waited;     /* the most a worker waited for a CPU, over the window; <0 unknown */
    unsigned most_waited_thread;
    unsigned busiest_thread;
    /* Saturation is judged per thread, per CPU and per process: two threads pinned to
     * one CPU are 50% each when that CPU is full. */
    int busiest_cpu;         /* --cpus: the CPU whose pinned workers were busiest; or -1 */
    double busiest_cpu_util; /* their CPU time together over the window */
    double process_util;     /* the process's CPU seconds per second of the window */
    unsigned cpus_usable;    /* the CPUs the workers may run on */
    bool saturated;          /* any of the three at 90% of what it may use */
    bool schedule_missed;    /* open loop: sent under 99% of the rate, or lagged */
    double user_s, sys_s;    /* the process's CPU time in the window */
    long rss_kib_start;      /* before connecting */
    long rss_kib_connected;  /* after every connection was opened */
    double idle_open_s;      /* STAGE_IDLE's start to its end (every idle one up or given up) */
    char warnings[LG_MAX_WARNINGS][256];
    unsigned nwarnings;
};

/* The run as JSON, schema echobench.run/1. Returns a new reference, or NULL. */
json_t *report_json(const struct lg_run *run);

/* The run for people, in the spirit of wrk. */
void report_print(FILE *out, const struct lg_run *run);

#endif
