/* loadgen: drives a line-echo server and reports what it saw.
 *
 * The main thread parses the command line, checks the resources the run needs, and
 * walks the workers through the stages: idle connections first, then the active
 * ones, then the run (warmup, then the measured window). Each worker ends its own
 * loop at t1; the main thread merges their results and writes the report. */
#include "clock.h"
#include "jsonio.h"
#include "loadgen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define PATTERN_BYTES (2 * 65536)
#define PORT_MARGIN   1000 /* ephemeral ports left for everything else */

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
    signal(SIGINT, SIG_DFL); /* a second Ctrl-C ends it at once */
}

static long rss_kib(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static unsigned read_port_range(void)
{
    unsigned lo = 32768, hi = 60999;
    FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
    if (f) {
        if (fscanf(f, "%u %u", &lo, &hi) != 2 || hi < lo)
            lo = 32768, hi = 60999;
        fclose(f);
    }
    return hi - lo + 1;
}

__attribute__((format(printf, 2, 3))) static void warn(struct lg_run *run, const char *fmt, ...)
{
    va_list ap;
    if (run->nwarnings == LG_MAX_WARNINGS)
        return;
    va_start(ap, fmt);
    vsnprintf(run->warnings[run->nwarnings++], sizeof(run->warnings[0]), fmt, ap);
    va_end(ap);
}

/* Descriptors and source ports for the connections asked for: raises what can be
 * raised, spreads over loopback source addresses where one has too few ports, and
 * says before starting what does not fit. Returns 0, or -1 after saying why. */
static int check_resources(struct lg_config *cfg)
{
    rlim_t limit = 0;
    uint64_t conns = (uint64_t)cfg->connections + cfg->idle;
    uint64_t need = conns + 64 + 8ull * cfg->threads;

    if (net_raise_nofile(&limit) < 0)
        fprintf(stderr, "loadgen: warning: cannot raise the descriptor limit: %s\n",
                strerror(errno));
    if (limit != RLIM_INFINITY && need > limit) {
        fprintf(stderr,
                "loadgen: %u active and %u idle connections need about %llu descriptors, but "
                "the limit is %llu even raised to the hard limit; raise it (ulimit -Hn, "
                "LimitNOFILE) or ask for fewer connections\n",
                cfg->connections, cfg->idle, (unsigned long long)need, (unsigned long long)limit);
        return -1;
    }

    unsigned ports = read_port_range();
    unsigned per_source = ports > 2 * PORT_MARGIN ? ports - PORT_MARGIN : ports / 2;
    const struct sockaddr_in *in = (const struct sockaddr_in *)&cfg->addr.ss;
    bool loopback4 = cfg->addr.ss.ss_family == AF_INET && (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    uint64_t wanted = (conns + per_source - 1) / per_source;
    unsigned room = 255 - cfg->source_from; /* addresses from 127.0.0.N to .254 */
    if (cfg->sources == 0)
        cfg->sources = loopback4 && wanted > 1 ? (unsigned)(wanted < room ? wanted : room) : 1;
    if ((cfg->sources > 1 || cfg->source_from > 1) && !loopback4) {
        fprintf(stderr, "loadgen: --sources and --source-from pick source addresses in "
                        "127.0.0.x, so they need an IPv4 loopback target\n");
        return -1;
    }
    if (cfg->sources > room) {
        fprintf(stderr,
                "loadgen: --source-from %u with %u sources would run to 127.0.0.%u, past "
                "127.0.0.254; ask for fewer sources or start lower\n",
                cfg->source_from, cfg->sources, cfg->source_from + cfg->sources - 1);
        return -1;
    }
    if (conns > (uint64_t)per_source * cfg->sources) {
        fprintf(stderr,
                "loadgen: %llu connections need more than the %u ephemeral ports of %u source "
                "address%s (%s); %s\n",
                (unsigned long long)conns, per_source * cfg->sources, cfg->sources,
                cfg->sources == 1 ? "" : "es", "net.ipv4.ip_local_port_range",
                loopback4 ? "use --sources" : "use an IPv4 loopback target, to spread them");
        return -1;
    }
    return 0;
}

static char *make_pattern(void)
{
    char *p = malloc(PATTERN_BYTES);
    uint64_t x = 0x2545f4914f6cdd1dull;
    if (!p)
        return NULL;
    for (size_t i = 0; i < PATTERN_BYTES; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        p[i] = (char)('!' + x % 94); /* printable, never a newline */
    }
    return p;
}

/* Moves every worker to stage and waits until all have done it (STAGE_CLOSE and
 * STAGE_ABORT end the workers: nothing to wait for but their threads). */
/* Moves the workers to stage and waits until every one has done it. Returns false
 * when SIGINT came first (the workers go on until told to abort). */
static bool advance(struct lg_coord *co, struct worker **w, unsigned n, int stage)
{
    pthread_mutex_lock(&co->lock);
    atomic_store(&co->ready, 0);
    atomic_store(&co->stage, stage);
    pthread_mutex_unlock(&co->lock);
    for (unsigned i = 0; i < n; i++)
        worker_wake(w[i]);
    if (stage == STAGE_CLOSE || stage == STAGE_ABORT)
        return true;
    pthread_mutex_lock(&co->lock);
    while (atomic_load(&co->ready) < n && (!interrupted || stage == STAGE_END)) {
        /* A tenth of a second at a time, to see Ctrl-C while connecting or priming. */
        struct timespec until = clock_deadline(CLOCK_REALTIME, 100 * NS_PER_MS);
        pthread_cond_timedwait(&co->ready_cond, &co->lock, &until);
    }
    pthread_mutex_unlock(&co->lock);
    return atomic_load(&co->ready) >= n;
}

/* --sync: tells the runner where the run is, and, when asked to, waits (a minute at
 * most) for its one-byte answer: it samples the server while loadgen holds still. */
static void sync_say(const struct lg_config *cfg, const char *what, bool wait)
{
    char line[32], answer;
    if (cfg->sync_fd < 0)
        return;
    int n = snprintf(line, sizeof(line), "%s\n", what);
    if (write(cfg->sync_fd, line, (size_t)n) != n || !wait)
        return;
    struct pollfd p = {.fd = cfg->sync_fd, .events = POLLIN};
    while (poll(&p, 1, 60000) < 0 && errno == EINTR && !interrupted)
        ;
    if (p.revents && read(cfg->sync_fd, &answer, 1) < 0)
        fprintf(stderr, "loadgen: --sync: %s\n", strerror(errno));
}

/* Sleeps until t, or until SIGINT. Returns false when interrupted. */
static bool sleep_until(uint64_t t)
{
    for (uint64_t now = clock_now_ns(); now < t && !interrupted; now = clock_now_ns()) {
        uint64_t step = t - now;
        struct timespec ts = {.tv_sec = (time_t)(step / NS_PER_S),
                              .tv_nsec = (long)(step % NS_PER_S)};
        nanosleep(&ts, NULL); /* EINTR: the loop looks at the flag */
    }
    return !interrupted;
}

static uint64_t completed_so_far(struct worker **w, unsigned n, uint64_t *errors)
{
    uint64_t done = 0;
    *errors = 0;
    for (unsigned i = 0; i < n; i++) {
        uint64_t c, e;
        worker_progress(w[i], &c, &e);
        done += c;
        *errors += e;
    }
    return done;
}

/* Waits out the run: to t0 (sampling CPU time there), then to t1, a second at a time
 * for the progress line. SIGINT in the window ends it early; before it, it returns
 * false: nothing was measured. */
static bool wait_run(struct lg_coord *co, struct worker **w, unsigned n,
                     const struct lg_config *cfg, struct rusage *at_t0, struct lg_run *run)
{
    uint64_t errors;

    if (!sleep_until(co->t0_ns))
        return false;
    getrusage(RUSAGE_SELF, at_t0);
    /* The window's start as the workers count it (co->t0_ns), on the real-time clock,
     * whenever this line is read: how far apart several agents' windows began. */
    struct timespec real;
    clock_gettime(CLOCK_REALTIME, &real);
    uint64_t real_ns = (uint64_t)real.tv_sec * NS_PER_S + (uint64_t)real.tv_nsec;
    char t0_line[48];
    snprintf(t0_line, sizeof(t0_line), "t0 %llu",
             (unsigned long long)(real_ns - (clock_now_ns() - co->t0_ns)));
    sync_say(cfg, t0_line, false);
    uint64_t last = completed_so_far(w, n, &errors); /* the warmup's are not this second's */
    uint64_t t1 = atomic_load(&co->t1_ns);
    for (uint64_t next = co->t0_ns + NS_PER_S;; next += NS_PER_S) {
        if (!sleep_until(next < t1 ? next : t1)) {
            uint64_t now = clock_now_ns();
            atomic_store(&co->t1_ns, now > co->t0_ns ? now : co->t0_ns + 1);
            run->interrupted = true;
            break;
        }
        if (next >= t1)
            break;
        if (cfg->progress) {
            uint64_t done = completed_so_far(w, n, &errors);
            fprintf(stderr, "\r  %6.1f / %.1f s  %10.0f req/s  %llu errors   ",
                    (double)(next - co->t0_ns) / 1e9, (double)cfg->duration_ns / 1e9,
                    (double)(done - last), (unsigned long long)errors);
            last = done;
        }
    }
    if (cfg->progress)
        fprintf(stderr, "\r%60s\r", "");
    return true;
}

static void merge(struct lg_result *into, const struct lg_result *r)
{
    hist_merge(&into->latency, &r->latency);
    hist_merge(&into->service, &r->service);
    hist_merge(&into->send_lag, &r->send_lag);
    hist_merge(&into->connect, &r->connect);
    hist_merge(&into->setup_connect, &r->setup_connect);
    for (unsigned i = 0; i < into->seconds && i < r->seconds; i++) {
        hist_merge(&into->per_second[i], &r->per_second[i]);
        into->second_completed[i] += r->second_completed[i];
        into->second_errors[i] += r->second_errors[i];
    }
    into->completed += r->completed;
    into->sent += r->sent;
    into->completed_total += r->completed_total;
    into->completed_from_start += r->completed_from_start;
    into->sent_total += r->sent_total;
    into->in_flight_at_end += r->in_flight_at_end;
    into->due_unsent_at_end += r->due_unsent_at_end;
    into->scheduled += r->scheduled;
    into->censored += r->censored;
    into->abandoned += r->abandoned;
    for (int i = 0; i < ERR_COUNT; i++) {
        into->errors[i] += r->errors[i];
        into->setup_errors[i] += r->setup_errors[i];
    }
    into->bytes_sent += r->bytes_sent;
    into->bytes_received += r->bytes_received;
    into->active_up_at_start += r->active_up_at_start;
    into->idle_established += r->idle_established;
    into->idle_open_at_end += r->idle_open_at_end;
    into->idle_attempts += r->idle_attempts;
}

/* Ends every worker at once, with nothing measured, and frees them. */
static void abort_workers(struct lg_coord *co, struct worker **w, unsigned n)
{
    advance(co, w, n, STAGE_ABORT);
    for (unsigned i = 0; i < n; i++) {
        worker_join(w[i]);
        worker_destroy(w[i]);
    }
}

/* Ctrl-C before the measured window: nothing was measured, and loadgen says so. */
static int stop_before_window(struct lg_coord *co, struct worker **w, unsigned n,
                              uint64_t *per_conn, char *pattern)
{
    fprintf(stderr, "loadgen: interrupted before the measured window: nothing measured\n");
    abort_workers(co, w, n);
    free(w);
    free(per_conn);
    free(pattern);
    return 1;
}

/* Says why no active connection could be opened, from the errors the workers saw. */
static void explain_no_connection(const struct lg_config *cfg, const uint64_t *errors)
{
    int worst = ERR_CONNECT;
    for (int i = 0; i < ERR_COUNT; i++)
        if (errors[i] > errors[worst])
            worst = i;
    const char *why = worst == ERR_FD_LIMIT ? "out of descriptors (raise ulimit -n)"
                      : worst == ERR_ADDR_UNAVAILABLE
                          ? "no local port left (widen net.ipv4.ip_local_port_range)"
                          : "refused or unanswered: is a server listening there?";
    fprintf(stderr, "loadgen: could not open any of %u connections to %s: %s\n", cfg->connections,
            cfg->target, why);
}

/* Merges the workers' results after they end; finds the busiest thread, and with
 * --cpus the busiest CPU (the threads pinned to it together). */
static int collect(struct worker **w, const struct lg_config *cfg, struct lg_run *run)
{
    if (hist_init_default(&run->total.latency) < 0 || hist_init_default(&run->total.service) < 0 ||
        hist_init_default(&run->total.send_lag) < 0 || hist_init_default(&run->total.connect) < 0 ||
        hist_init_default(&run->total.setup_connect) < 0)
        return -1;
    const struct lg_result *results[LG_MAX_THREADS];
    for (unsigned i = 0; i < cfg->threads; i++)
        results[i] = worker_join(w[i]);
    const struct lg_result *first = results[0];
    run->total.seconds = first->seconds;
    run->total.per_second = calloc(first->seconds, sizeof(*run->total.per_second));
    run->total.second_completed = calloc(first->seconds, sizeof(uint64_t));
    run->total.second_errors = calloc(first->seconds, sizeof(uint64_t));
    if (!run->total.per_second || !run->total.second_completed || !run->total.second_errors)
        return -1;
    for (unsigned i = 0; i < first->seconds; i++)
        if (hist_init(&run->total.per_second[i], first->per_second[i].sub_bits,
                      first->per_second[i].max_bits) < 0)
            return -1;
    static double per_cpu[CPU_SETSIZE]; /* main's own, once */
    run->busiest_cpu = -1;
    for (unsigned i = 0; i < cfg->threads; i++) {
        const struct lg_result *r = results[i];
        merge(&run->total, r);
        worker_conn_completed(w[i], run->per_conn, run->per_conn_due);
        double util = run->window_s > 0 ? (double)r->cpu_ns / 1e9 / run->window_s : 0;
        double waited =
            r->wait_ns >= 0 && run->window_s > 0 ? (double)r->wait_ns / 1e9 / run->window_s : -1;
        if (i == 0 || (run->most_waited >= 0 && (waited < 0 || waited > run->most_waited))) {
            run->most_waited = waited; /* unknown for any thread: unknown */
            run->most_waited_thread = i;
        }
        if (util > run->busiest_util) {
            run->busiest_util = util;
            run->busiest_thread = i;
        }
        if (cfg->ncpus == 0)
            continue;
        int cpu = cfg->cpus[i % cfg->ncpus];
        per_cpu[cpu] += util;
        if (run->busiest_cpu < 0 || per_cpu[cpu] > run->busiest_cpu_util) {
            run->busiest_cpu = cpu;
            run->busiest_cpu_util = per_cpu[cpu];
        }
    }
    return 0;
}

/* The CPUs the workers may run on: the distinct ones of --cpus they are pinned to, or
 * the process's affinity. */
static unsigned cpus_usable(const struct lg_config *cfg)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (cfg->ncpus == 0) {
        if (sched_getaffinity(0, sizeof(set), &set) < 0)
            return 1;
    } else {
        for (unsigned i = 0; i < cfg->threads; i++)
            CPU_SET(cfg->cpus[i % cfg->ncpus], &set);
    }
    int n = CPU_COUNT(&set);
    return n > 0 ? (unsigned)n : 1;
}

/* Whether loadgen, not the server, may have set the pace: a worker thread busy 90% of
 * the window, or a CPU whose pinned workers together were (with -t 2 --cpus 0 each
 * thread shows 50% of a full CPU), or the whole process at 90% of the CPUs it may use
 * (more threads than CPUs, unpinned). Called after collect and the CPU times. */
static void judge_saturation(struct lg_run *run)
{
    const struct lg_config *cfg = run->cfg;

    run->cpus_usable = cpus_usable(cfg);
    run->process_util = run->window_s > 0 ? (run->user_s + run->sys_s) / run->window_s : 0;
    if (run->busiest_util >= 0.9)
        warn(run,
             "worker thread %u was busy %.0f%% of the window: the load generator, not the "
             "server, may have set the pace; add threads (-t) or CPUs (--cpus)",
             run->busiest_thread, run->busiest_util * 100);
    else if (run->busiest_cpu >= 0 && run->busiest_cpu_util >= 0.9)
        warn(run,
             "CPU %d was busy %.0f%% of the window with the worker threads pinned to it: the "
             "load generator, not the server, may have set the pace; give them more CPUs "
             "(--cpus)",
             run->busiest_cpu, run->busiest_cpu_util * 100);
    else if (run->process_util >= 0.9 * run->cpus_usable)
        warn(run,
             "loadgen used %.2f CPU-seconds per second of the %u CPU%s it may run on: the "
             "load generator, not the server, may have set the pace; give it more CPUs",
             run->process_util, run->cpus_usable, run->cpus_usable == 1 ? "" : "s");
    /* Held off its CPU: a worker that waited for one a tenth of the window (others
     * ran there: the server's softirqs, bench, another program) was late by that much,
     * however idle its own CPU time looks. Only where each worker has a CPU of its own:
     * workers sharing one wait for each other, which the per-CPU rule above judges. */
    bool own_cpus = run->cpus_usable >= cfg->threads;
    if (!own_cpus)
        run->most_waited = -1;
    if (run->most_waited >= 0.1)
        warn(run,
             "worker thread %u waited %.0f%% of the window for a CPU while others ran on it: "
             "the load generator, not the server, may have set the pace; give it a CPU of its "
             "own (--cpus)",
             run->most_waited_thread, run->most_waited * 100);
    run->saturated = run->busiest_util >= 0.9 ||
                     (run->busiest_cpu >= 0 && run->busiest_cpu_util >= 0.9) ||
                     run->process_util >= 0.9 * run->cpus_usable || run->most_waited >= 0.1;
}

/* Whether the open loop kept its schedule: it sent 99% or more of the requests the
 * schedule intended in the window, and the send lag's p99 was within a tenth of the
 * mean gap between requests (1/R). Either miss says loadgen, or a server that held
 * requests back, changed the arrivals. The schedule's own count, not R times the
 * window: a Poisson count over T seconds has a standard deviation of sqrt(R*T), 1%
 * at 2,000/s for 5 s, so "under 99% of R" would warn by chance one run in six. */
static void judge_schedule(struct lg_run *run)
{
    const struct lg_config *cfg = run->cfg;
    if (cfg->mode != MODE_OPEN)
        return;
    double sent_rate = run->window_s > 0 ? (double)run->total.sent / run->window_s : 0;
    double scheduled_rate = run->window_s > 0 ? (double)run->total.scheduled / run->window_s : 0;
    if (run->total.sent < 0.99 * (double)run->total.scheduled) {
        warn(run,
             "the open loop sent %.1f req/s of the %.1f its schedule asked in the window "
             "(-R %.1f): %llu requests were due but unsent at the end; the server (or "
             "loadgen) could not keep up",
             sent_rate, scheduled_rate, cfg->rate,
             (unsigned long long)run->total.due_unsent_at_end);
        run->schedule_missed = true;
    }
    const struct hist *lag = &run->total.send_lag;
    double gap_us = 1e6 / cfg->rate, p99_us = (double)hist_percentile(lag, 99) / 1e3;
    if (lag->total && p99_us > 0.1 * gap_us) {
        warn(run,
             "the send lag's p99 was %.1f us, over a tenth of the %.1f us mean gap between "
             "requests: loadgen did not keep the schedule (try --spin, or more threads)",
             p99_us, gap_us);
        run->schedule_missed = true;
    }
}

static double tv_s(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
    struct lg_config cfg;
    struct lg_coord co = {.lock = PTHREAD_MUTEX_INITIALIZER,
                          .ready_cond = PTHREAD_COND_INITIALIZER};
    struct lg_run run = {.cfg = &cfg};
    struct rusage at_t0, at_t1;

    int rc = lg_parse_args(argc, argv, &cfg);
    if (rc != 0) {
        if (rc < 0)
            fprintf(stderr, "Try 'loadgen --help' for more information.\n");
        return rc < 0 ? 2 : 0;
    }
    signal(SIGPIPE, SIG_IGN); /* a server that vanishes mid-write is an error, not a death */
    if (check_resources(&cfg) < 0)
        return 1;
    /* Ctrl-C: before the window, nothing is measured and loadgen says so; in it, the
     * window ends there and is reported. */
    struct sigaction sa = {.sa_handler = on_sigint};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);

    char *pattern = make_pattern();
    /* Completions, then the requests due, of each active connection: one block. */
    uint64_t *per_conn = calloc(2 * (size_t)cfg.connections + 1, sizeof(*per_conn));
    struct worker **w = calloc(cfg.threads, sizeof(*w));
    if (!pattern || !per_conn || !w) {
        fprintf(stderr, "loadgen: out of memory\n");
        return 1;
    }
    co.pattern = pattern;
    co.t0_ns = UINT64_MAX;
    atomic_store(&co.t1_ns, UINT64_MAX);
    run.per_conn = per_conn;
    run.per_conn_due = per_conn + cfg.connections;
    run.started_at = time(NULL);
    run.rss_kib_start = rss_kib();
    for (unsigned i = 0; i < cfg.threads; i++) {
        w[i] = worker_create(i, &cfg, &co);
        int err = w[i] ? worker_start(w[i]) : errno;
        if (err) {
            fprintf(stderr, "loadgen: cannot start worker %u: %s\n", i, strerror(err));
            return 1;
        }
    }

    /* Idle connections first: the clients that went out to lunch are there before
     * anyone else. */
    co.idle_start_ns = clock_now_ns();
    bool going = advance(&co, w, cfg.threads, STAGE_IDLE);
    run.idle_open_s = (double)(clock_now_ns() - co.idle_start_ns) / 1e9;
    /* The runner may wait here until the server has taken in every idle client (a
     * process server forks one child each) before the active ones come. */
    if (going)
        sync_say(&cfg, "idle-up", true);
    going = going && !interrupted && advance(&co, w, cfg.threads, STAGE_ACTIVE);
    if (!going)
        return stop_before_window(&co, w, cfg.threads, per_conn, pattern);
    run.rss_kib_connected = rss_kib();
    uint64_t setup[ERR_COUNT] = {0};
    unsigned up = 0;
    for (unsigned i = 0; i < cfg.threads; i++)
        up += worker_active_up(w[i], setup);
    if (up == 0) {
        explain_no_connection(&cfg, setup);
        abort_workers(&co, w, cfg.threads);
        free(w);
        free(per_conn);
        free(pattern);
        return 1;
    }

    if (cfg.prime && !advance(&co, w, cfg.threads, STAGE_PRIME))
        return stop_before_window(&co, w, cfg.threads, per_conn, pattern);
    sync_say(&cfg, "primed", true);
    co.start_ns = clock_now_ns() + NS_PER_MS;
    co.t0_ns = co.start_ns + cfg.warmup_ns;
    atomic_store(&co.t1_ns, co.t0_ns + cfg.duration_ns);
    if (interrupted || !advance(&co, w, cfg.threads, STAGE_RUN) ||
        !wait_run(&co, w, cfg.threads, &cfg, &at_t0, &run))
        return stop_before_window(&co, w, cfg.threads, per_conn, pattern);
    getrusage(RUSAGE_SELF, &at_t1);
    /* Every worker accounts for the window, then the runner may look at the server
     * while every connection is still open, then they close. */
    advance(&co, w, cfg.threads, STAGE_END);
    sync_say(&cfg, "t1", true);
    advance(&co, w, cfg.threads, STAGE_CLOSE);
    run.window_s = (double)(atomic_load(&co.t1_ns) - co.t0_ns) / 1e9;
    run.user_s = tv_s(at_t1.ru_utime) - tv_s(at_t0.ru_utime);
    run.sys_s = tv_s(at_t1.ru_stime) - tv_s(at_t0.ru_stime);
    if (collect(w, &cfg, &run) < 0) {
        fprintf(stderr, "loadgen: out of memory merging the results\n");
        return 1;
    }

    judge_saturation(&run);
    judge_schedule(&run);
    if (run.total.idle_established < cfg.idle && cfg.open_within_ns)
        warn(&run, "%u of %u idle connections could not be opened within --open-within %.3g s",
             cfg.idle - run.total.idle_established, cfg.idle, (double)cfg.open_within_ns / 1e9);
    else if (run.total.idle_established < cfg.idle)
        warn(&run, "%u of %u idle connections could not be opened (--open-within retries them)",
             cfg.idle - run.total.idle_established, cfg.idle);

    json_t *root = report_json(&run);
    int status = 0;
    if (cfg.json_path && (!root || json_write_atomic(root, cfg.json_path) < 0)) {
        fprintf(stderr, "loadgen: cannot write %s: %s\n", cfg.json_path, strerror(errno));
        status = 1;
    }
    bool json_on_stdout = cfg.json_path && strcmp(cfg.json_path, "-") == 0;
    report_print(json_on_stdout ? stderr : stdout, &run);
    json_decref(root);
    result_free(&run.total);
    for (unsigned i = 0; i < cfg.threads; i++)
        worker_destroy(w[i]);
    free(w);
    free(per_conn);
    free(pattern);
    return status;
}
