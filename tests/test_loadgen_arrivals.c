/* The open loop's arrivals (--arrivals, --seed), one case per ctest entry:
 * test_loadgen_arrivals CASE.
 *
 * The schedule's generator is tested as a unit (loadgen/arrivals.c is linked in), and
 * then as a run makes it: a server in this program timestamps each line as it
 * arrives, so the gaps a run really produced are measured, not only the ones drawn. */
#include "arrivals.h"
#include "check.h"
#include "clock.h"
#include "harness.h"
#include "loadgen_run.h"

#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* The mean and the coefficient of variation (stdev over mean) of n gaps. */
struct gap_stats {
    double mean, cv;
};

static struct gap_stats stats_of(const double *gap, size_t n)
{
    double sum = 0, sq = 0;
    for (size_t i = 0; i < n; i++)
        sum += gap[i];
    double mean = sum / (double)n;
    for (size_t i = 0; i < n; i++)
        sq += (gap[i] - mean) * (gap[i] - mean);
    return (struct gap_stats){.mean = mean, .cv = sqrt(sq / (double)(n - 1)) / mean};
}

/* The gaps of one connection's schedule, as the pacer walks it. */
static struct gap_stats schedule_gaps(enum lg_arrivals kind, uint64_t seed, size_t n, double rate,
                                      unsigned conns)
{
    double *gap = malloc(n * sizeof(*gap)), interval = conns * 1e9 / rate;
    struct arr_cursor cur;
    CHECK(gap);
    arr_begin(&cur, kind, seed, 3, 0, 1000000000, rate, conns);
    for (size_t i = 0; i < n; i++) {
        uint64_t before = cur.at;
        arr_step(&cur, kind, interval);
        CHECK(cur.at >= before && cur.seq == i + 1);
        gap[i] = (double)(cur.at - before);
    }
    struct gap_stats s = stats_of(gap, n);
    free(gap);
    return s;
}

/* ---- the generator: exponential gaps of the right mean; uniform's are even ---- */

static void case_poisson_gaps(void)
{
    /* 200,000 exponential gaps: the sample mean and CV are within 0.5% of the truth
     * at about 2 standard errors; 2% is far outside chance. */
    struct gap_stats s = schedule_gaps(ARR_POISSON, 42, 200000, 1000, 4);
    CHECK(fabs(s.mean / 4e6 - 1) < 0.02, "mean gap %.0f ns for 4,000,000", s.mean);
    CHECK(fabs(s.cv - 1) < 0.02, "coefficient of variation %.4f, not near 1", s.cv);
}

static void case_uniform_gaps(void)
{
    struct gap_stats s = schedule_gaps(ARR_UNIFORM, 42, 200000, 1000, 4);
    CHECK(fabs(s.mean / 4e6 - 1) < 1e-6, "mean gap %.0f ns for 4,000,000", s.mean);
    CHECK(s.cv < 0.01, "coefficient of variation %.4f, not near 0", s.cv);
}

/* Per-connection schedules merged: the whole load is Poisson at rate R (exponential
 * gaps of mean 1/R), which is why loadgen does not deal one global schedule. */
static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void case_superposed_gaps(void)
{
    enum { CONNS = 64, PER = 2000 };
    double rate = 20000, interval = CONNS * 1e9 / rate;
    uint64_t *at = malloc(sizeof(*at) * CONNS * PER);
    double *gap = malloc(sizeof(*gap) * CONNS * PER);
    CHECK(at && gap);
    uint64_t horizon = UINT64_MAX; /* where every connection's schedule still runs */
    for (unsigned g = 0; g < CONNS; g++) {
        struct arr_cursor cur;
        arr_begin(&cur, ARR_POISSON, 1, g, 0, 0, rate, CONNS);
        for (unsigned k = 0; k < PER; k++, arr_step(&cur, ARR_POISSON, interval))
            at[g * PER + k] = cur.at;
        horizon = cur.at < horizon ? cur.at : horizon;
    }
    qsort(at, CONNS * PER, sizeof(*at), cmp_u64);
    size_t n = 0;
    for (size_t i = 1; i < CONNS * PER && at[i] < horizon; i++)
        gap[n++] = (double)(at[i] - at[i - 1]);
    CHECK(n > 100000, "only %zu gaps", n);
    struct gap_stats s = stats_of(gap, n);
    CHECK(fabs(s.mean / (1e9 / rate) - 1) < 0.02, "merged mean gap %.0f ns for %.0f", s.mean,
          1e9 / rate);
    CHECK(fabs(s.cv - 1) < 0.03, "merged coefficient of variation %.4f, not near 1", s.cv);
    free(at);
    free(gap);
}

/* ---- the same seed repeats the schedule exactly; another seed or connection does not ---- */

static void case_same_seed(void)
{
    struct arr_cursor a, b, other_seed, other_conn;
    double interval = 8 * 1e9 / 5000;

    arr_begin(&a, ARR_POISSON, 7, 5, 0, 123456789, 5000, 8);
    arr_begin(&b, ARR_POISSON, 7, 5, 0, 123456789, 5000, 8);
    arr_begin(&other_seed, ARR_POISSON, 8, 5, 0, 123456789, 5000, 8);
    arr_begin(&other_conn, ARR_POISSON, 7, 6, 0, 123456789, 5000, 8);
    unsigned same_seed_diff = 0, same_conn_diff = 0;
    for (int i = 0; i < 10000; i++) {
        CHECK(a.at == b.at, "request %d: %llu and %llu", i, (unsigned long long)a.at,
              (unsigned long long)b.at);
        same_seed_diff += a.at != other_seed.at;
        same_conn_diff += a.at != other_conn.at;
        arr_step(&a, ARR_POISSON, interval);
        arr_step(&b, ARR_POISSON, interval);
        arr_step(&other_seed, ARR_POISSON, interval);
        arr_step(&other_conn, ARR_POISSON, interval);
    }
    CHECK(same_seed_diff > 9990 && same_conn_diff > 9990, "%u, %u of 10000 differ", same_seed_diff,
          same_conn_diff);
    /* A copy walks ahead without moving the original (the window's end does so). */
    struct arr_cursor copy = a;
    arr_step(&copy, ARR_POISSON, interval);
    CHECK(copy.seq == a.seq + 1 && a.seq == 10000);
}

/* A run's schedule is its intended times relative to the start, and the window is a
 * fixed stretch of them: the count the schedule intended in it (open_loop.scheduled)
 * depends on the seed, -c and -R only, not on timing or on -t. */
static double scheduled_count(const char *to, const char *threads)
{
    struct run r;
    const char *args[] = {"-c", "8",     "-t",         threads,   "-R",     "1000", "-d", "500ms",
                          "-w", "100ms", "--arrivals", "poisson", "--seed", "5",    to,   NULL};
    run_loadgen(&r, args);
    measured(&r);
    double n = num(r.json, "open_loop.scheduled");
    json_decref(r.json);
    return n;
}

static void case_same_seed_run(void)
{
    struct srv s;
    char to[64];

    srv_start_simple(&s, "epoll", NULL);
    target(to, sizeof(to), &s);
    double one = scheduled_count(to, "1"), again = scheduled_count(to, "1"),
           two = scheduled_count(to, "2");
    CHECK(one == again && one == two, "scheduled %.0f, %.0f, and %.0f with -t 2", one, again, two);
    CHECK(one > 350 && one < 650, "%.0f scheduled in 500 ms at 1000/s", one);
    json_decref(srv_stop(&s));
}

/* ---- a uniform in (0, 1]: never 0, so no log(0) ---- */

static void case_unit_interval(void)
{
    /* splitmix64 outputs 0 from the state one golden-ratio step before 0: the
     * smallest unit, 2^-53, and a finite gap of 36.7 means. */
    uint64_t st = 0 - 0x9e3779b97f4a7c15ULL, copy = st;
    CHECK(arr_splitmix64(&copy) == 0);
    copy = st;
    CHECK(arr_unit(&copy) == 0x1p-53, "%a", arr_unit(&st));
    copy = st;
    uint64_t gap = arr_exp_gap_ns(&copy, 1000);
    CHECK(gap == (uint64_t)llround(53 * log(2) * 1000), "the longest gap is %llu ns",
          (unsigned long long)gap);
    uint64_t s = 1;
    for (int i = 0; i < 1000000; i++) {
        double u = arr_unit(&s);
        CHECK(u > 0 && u <= 1, "%a", u);
    }
}

/* ---- the schedule a run made, as a server saw it arrive ---- */

/* Serves echoes for run_s seconds on lfd (any number of connections, by poll), and
 * writes the arrival time of each line, in ns, to out_fd. In a child process. */
static void timestamp_server(int lfd, int out_fd, double run_s)
{
    enum { MAXC = 64, MAXT = 200000 };
    struct pollfd p[MAXC + 1] = {{.fd = lfd, .events = POLLIN}};
    uint64_t *stamp = malloc(sizeof(*stamp) * MAXT), end = clock_now_ns() + (uint64_t)(run_s * 1e9);
    size_t n = 0;
    int np = 1;
    char buf[4096];

    if (!stamp)
        _exit(1);
    while (clock_now_ns() < end) {
        if (poll(p, (nfds_t)np, 10) < 0 && errno != EINTR)
            _exit(1);
        uint64_t now = clock_now_ns();
        if ((p[0].revents & POLLIN) && np <= MAXC) {
            int fd = accept(lfd, NULL, NULL);
            if (fd >= 0)
                p[np++] = (struct pollfd){.fd = fd, .events = POLLIN};
        }
        for (int i = 1; i < np; i++) {
            if (!(p[i].revents & (POLLIN | POLLHUP)))
                continue;
            ssize_t got = read(p[i].fd, buf, sizeof(buf));
            if (got <= 0) {
                p[i].events = 0;
                continue;
            }
            for (ssize_t k = 0; k < got; k++)
                if (buf[k] == '\n' && n < MAXT)
                    stamp[n++] = now;
            if (write(p[i].fd, buf, (size_t)got) != got)
                p[i].events = 0;
        }
    }
    size_t bytes = n * sizeof(*stamp);
    for (size_t at = 0; at < bytes;) {
        ssize_t put = write(out_fd, (char *)stamp + at, bytes - at);
        if (put <= 0)
            _exit(1);
        at += (size_t)put;
    }
    _exit(0);
}

/* Runs loadgen -c 8 -R 500 with these arrivals against the timestamping server and
 * returns the gaps between the lines as they arrived there (all connections). */
static struct gap_stats observed(const char *arrivals)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof(a);
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), pp[2];
    CHECK(lfd >= 0 && bind(lfd, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(lfd, 64) == 0);
    CHECK(getsockname(lfd, (struct sockaddr *)&a, &alen) == 0 && pipe2(pp, O_CLOEXEC) == 0);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        close(pp[0]);
        timestamp_server(lfd, pp[1], 5.0);
    }
    close(pp[1]);
    close(lfd);
    char to[64];
    snprintf(to, sizeof(to), "127.0.0.1:%d", ntohs(a.sin_port));
    const char *args[] = {"-c", "8",     "-R",         "500",    "-d", "2s",
                          "-w", "200ms", "--arrivals", arrivals, to,   NULL};
    struct run r;
    run_loadgen(&r, args);
    measured(&r);
    json_decref(r.json);
    /* The server's record, read to EOF: it writes once its time is up. */
    size_t cap = 200000 * sizeof(uint64_t), have = 0;
    char *raw = malloc(cap);
    CHECK(raw);
    for (ssize_t got; (got = read(pp[0], raw + have, cap - have)) > 0;)
        have += (size_t)got;
    close(pp[0]);
    int status;
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    const uint64_t *stamp = (const uint64_t *)raw;
    size_t n = have / sizeof(uint64_t);
    CHECK(n > 800, "the server saw %zu lines of about 1,100", n);
    double *gap = malloc(sizeof(*gap) * n);
    CHECK(gap);
    for (size_t i = 1; i < n; i++)
        gap[i - 1] = (double)(stamp[i] - stamp[i - 1]);
    struct gap_stats s = stats_of(gap, n - 1);
    fprintf(stderr, "%s: %zu lines at the server, mean gap %.1f us, CV %.3f\n", arrivals, n,
            s.mean / 1e3, s.cv);
    free(gap);
    free(raw);
    return s;
}

static void case_observed_poisson(void)
{
    /* About 1,100 gaps: the CV's standard error is about 0.03; loadgen's own jitter
     * (tens of us on 2 ms gaps) moves it little. */
    struct gap_stats s = observed("poisson");
    CHECK(fabs(s.mean / 2e6 - 1) < 0.1, "mean gap %.0f ns for 2,000,000", s.mean);
    CHECK(s.cv > 0.8 && s.cv < 1.2, "coefficient of variation %.3f, not near 1", s.cv);
}

static void case_observed_uniform(void)
{
    struct gap_stats s = observed("uniform");
    CHECK(fabs(s.mean / 2e6 - 1) < 0.1, "mean gap %.0f ns for 2,000,000", s.mean);
    CHECK(s.cv < 0.5, "coefficient of variation %.3f: these arrivals are not even", s.cv);
}

/* ---- a server frozen for 300 ms under Poisson load shows it in the tail ---- */

static void case_poisson_freeze(void)
{
    struct srv s;
    struct run r;
    char to[64];

    srv_start_simple(&s, "epoll", NULL);
    target(to, sizeof(to), &s);
    const char *args[] = {"-c", "4",     "-R",         "1000",    "-d", "3s",
                          "-w", "500ms", "--arrivals", "poisson", to,   NULL};
    /* Inside the window (it opens about 0.5 s after the start), frozen 320 ms: requests
     * come due every millisecond or so, so one is due within the first 20 ms of the
     * freeze and waits at least 300 ms from its intended time. */
    pid_t freezer = freeze_later(s.pid, 1500, 320);
    run_loadgen(&r, args);
    waitpid(freezer, NULL, 0);
    measured(&r);
    double p99 = num(r.json, "latency_us.p99"), max = num(r.json, "latency_us.max");
    CHECK(max >= 300000 && p99 > 100000, "p99 %.0f us, max %.0f us over a 320 ms freeze", p99, max);
    CHECK(num(r.json, "service_latency_us.p99") < p99);
    CHECK(num(r.json, "requests.errors.timeout") == 0);
    json_decref(srv_stop(&s));
    json_decref(r.json);
}

/* ---- the JSON says which arrivals, which seed, and how late the sends were ---- */

static const char *str(json_t *root, const char *obj, const char *key)
{
    json_t *v = json_object_get(json_object_get(root, obj), key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static void case_arrivals_json(void)
{
    struct srv s;
    struct run r;
    char to[64];

    srv_start_simple(&s, "epoll", NULL);
    target(to, sizeof(to), &s);
    const char *poisson[] = {"-c", "4",          "-R",      "500",    "-d", "500ms", "-w",
                             "0",  "--arrivals", "poisson", "--seed", "77", to,      NULL};
    run_loadgen(&r, poisson);
    measured(&r);
    const char *a = str(r.json, "config", "arrivals"), *b = str(r.json, "open_loop", "arrivals");
    CHECK(a && b && strcmp(a, "poisson") == 0 && strcmp(b, "poisson") == 0, "%s, %s", a, b);
    CHECK(num(r.json, "config.seed") == 77 && num(r.json, "open_loop.seed") == 77);
    CHECK(num(r.json, "open_loop.mean_gap_us") == 2000);
    double p50 = num(r.json, "open_loop.send_lag_us.p50"),
           p99 = num(r.json, "open_loop.send_lag_us.p99"),
           max = num(r.json, "open_loop.send_lag_us.max");
    CHECK(p50 <= p99 && p99 <= max && max == num(r.json, "send_lag_us.max"), "%g %g %g", p50, p99,
          max);
    CHECK(p99 == num(r.json, "send_lag_us.p99"));
    CHECK(num(r.json, "open_loop.send_lag_us.count") == num(r.json, "send_lag_us.count"));
    CHECK(json_is_boolean(json_object_get(json_object_get(r.json, "open_loop"), "schedule_kept")));
    json_decref(r.json);

    const char *uniform[] = {"-c", "4", "-R", "500", "-d", "300ms", "-w", "0", to, NULL};
    run_loadgen(&r, uniform);
    measured(&r);
    a = str(r.json, "config", "arrivals");
    CHECK(a && strcmp(a, "uniform") == 0, "the default arrivals: %s", a);
    /* Evenly spread, the schedule holds R times the window, to a request or so. */
    CHECK(fabs(num(r.json, "open_loop.scheduled") - 500 * num(r.json, "measured_s")) <= 2,
          "%.0f scheduled in %.3f s at 500/s", num(r.json, "open_loop.scheduled"),
          num(r.json, "measured_s"));
    CHECK(num(r.json, "config.seed") == 1, "the default seed");
    json_decref(r.json);

    const char *closed[] = {"-c", "2", "-d", "300ms", "-w", "0", to, NULL};
    run_loadgen(&r, closed);
    measured(&r);
    CHECK(json_is_null(json_object_get(json_object_get(r.json, "config"), "arrivals")));
    CHECK(!json_object_get(r.json, "open_loop"));
    json_decref(r.json);
    json_decref(srv_stop(&s));
}

/* ---- starved, in the open loop: only a connection with a request due ---- */

/* 1000 connections at 500 requests/s over 1 s: each has a Poisson count of mean 0.25
 * due in the window's first half, so about e^-0.25 of them (779) have none there. None
 * of them is starved: epoll answers every request made. */
static void case_starved_needs_due(void)
{
    struct srv s;
    struct run r;
    char to[64];

    srv_start_simple(&s, "epoll", NULL);
    target(to, sizeof(to), &s);
    const char *args[] = {"-c", "1000",       "-R",      "500",       "-d", "1s", "-w",
                          "0",  "--arrivals", "poisson", "--timeout", "5s", to,   NULL};
    run_loadgen(&r, args);
    measured(&r);
    CHECK(num(r.json, "fairness.starved") == 0, "%g starved", num(r.json, "fairness.starved"));
    double none = num(r.json, "fairness.nothing_due");
    CHECK(none > 700 && none < 860, "%g of 1000 had nothing due; about 779 expected", none);
    CHECK(num(r.json, "fairness.min") == 0);
    json_decref(r.json);
    /* The closed loop has no schedule: the field is null there. */
    const char *closed[] = {"-c", "2", "-d", "200ms", "-w", "0", to, NULL};
    run_loadgen(&r, closed);
    measured(&r);
    CHECK(json_is_null(json_object_get(json_object_get(r.json, "fairness"), "nothing_due")));
    json_decref(r.json);
    json_decref(srv_stop(&s));
}

/* A fair server slow to answer: echo-thread blocking 50 ms on every line, a thread per
 * connection. Requests due in the window's last 50 ms are answered after it: their
 * connections, with nothing else due, are not starved (before the rule counted only the
 * first half, 14 of 1000 were). */
static void case_starved_window_end(void)
{
    struct srv s;
    struct run r;
    char to[64];

    srv_start_simple(&s, "thread", "--sleep-us 50000");
    target(to, sizeof(to), &s);
    const char *args[] = {"-c",      "1000",      "-R",    "1000",    "-d",
                          "1s",      "-w",        "200ms", "--prime", "--arrivals",
                          "poisson", "--timeout", "5s",    to,        NULL};
    run_loadgen(&r, args);
    measured(&r);
    CHECK(num(r.json, "fairness.starved") == 0, "%g starved", num(r.json, "fairness.starved"));
    json_decref(r.json);
    json_decref(srv_stop(&s));
}

/* echo-iterative serves its first connection only: the other three have requests due
 * all window and get no echo, and are starved. */
static void case_starved_with_due(void)
{
    struct srv s;
    struct run r;
    char to[64];

    srv_start_simple(&s, "iterative", NULL);
    target(to, sizeof(to), &s);
    const char *args[] = {"-c", "4",          "-R",      "400",       "-d", "500ms", "-w",
                          "0",  "--arrivals", "poisson", "--timeout", "5s", to,      NULL};
    run_loadgen(&r, args);
    measured(&r);
    CHECK(num(r.json, "fairness.starved") == 3, "%g starved", num(r.json, "fairness.starved"));
    CHECK(num(r.json, "fairness.nothing_due") == 0);
    json_decref(r.json);
    json_decref(srv_stop(&s));
}

/* ---- the warnings: loadgen says when it could not keep the schedule ---- */

static bool warned(json_t *root, const char *what)
{
    size_t i;
    json_t *w;
    json_array_foreach(json_object_get(root, "warnings"), i, w)
    {
        if (strstr(json_string_value(w), what))
            return true;
    }
    return false;
}

/* The rule, from the run's own figures: a lag warning exactly when the send lag's
 * p99 is over a tenth of the mean gap, a rate warning exactly when under 99% was
 * sent, and schedule_kept false when either. */
static void check_rule(json_t *root)
{
    bool lagged = json_is_number(json_object_get(
                      json_object_get(json_object_get(root, "open_loop"), "send_lag_us"), "p99")) &&
                  num(root, "open_loop.send_lag_us.p99") > 0.1 * num(root, "open_loop.mean_gap_us");
    bool slow = num(root, "requests.sent") < 0.99 * num(root, "open_loop.scheduled");
    CHECK(warned(root, "send lag's p99") == lagged, "lag warning %d for lagged %d",
          warned(root, "send lag's p99"), lagged);
    CHECK(warned(root, "the open loop sent") == slow);
    json_t *kept = json_object_get(json_object_get(root, "open_loop"), "schedule_kept");
    CHECK(json_is_boolean(kept) && json_is_true(kept) == !(lagged || slow));
}

static void case_schedule_warnings(void)
{
    struct srv s;
    struct run r;
    char to[64];

    srv_start_simple(&s, "epoll", NULL);
    target(to, sizeof(to), &s);
    /* A million a second on one thread: loadgen cannot, whatever the machine; with
     * -p 1024 every request has room the moment it is due, so the lag is measured. */
    const char *fast[] = {"-c",    "4",  "-p", "1024",       "-R",      "1000000", "-d",
                          "300ms", "-w", "0",  "--arrivals", "poisson", to,        NULL};
    run_loadgen(&r, fast);
    measured(&r);
    CHECK(warned(r.json, "send lag's p99") && warned(r.json, "the open loop sent"),
          "no warning at 1e6 req/s: %s", r.err);
    CHECK(strstr(r.out, "send lag's p99"), "the summary says it too");
    check_rule(r.json);
    json_decref(r.json);
    const char *slow[] = {"-c", "2", "-R",         "200",     "-d", "500ms",
                          "-w", "0", "--arrivals", "poisson", to,   NULL};
    run_loadgen(&r, slow);
    measured(&r);
    check_rule(r.json);
    json_decref(r.json);
    json_decref(srv_stop(&s));
}

/* ---- bad command lines: exit 2 and a one-line reason ---- */

static void usage_fails(const char *const *args, const char *says)
{
    struct run r;
    run_loadgen(&r, args);
    CHECK(r.status == 2, "exit %d: %s", r.status, r.err);
    CHECK(strstr(r.err, says), "stderr lacks '%s': %s", says, r.err);
    /* The reason on its first line, then loadgen's pointer to --help, as every usage
     * error. */
    const char *nl = strchr(r.err, '\n');
    CHECK(nl && strstr(r.err, says) < nl &&
              strcmp(nl + 1, "Try 'loadgen --help' for more information.\n") == 0,
          "not one line and the --help line: %s", r.err);
    CHECK(!r.json);
}

static void case_usage_arrivals(void)
{
    const char *args[] = {"-R", "100", "--arrivals", "bursty", "127.0.0.1:1", NULL};
    usage_fails(args, "--arrivals must be uniform or poisson, not 'bursty'");
}

static void case_usage_arrivals_needs_rate(void)
{
    const char *args[] = {"--arrivals", "poisson", "127.0.0.1:1", NULL};
    usage_fails(args, "--arrivals shapes the open loop's schedule: it needs -R");
}

static void case_usage_seed(void)
{
    static const char *const bad[] = {
        "x", "12x", "-1", "", "9007199254740992", "99999999999999999999"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *args[] = {"-R", "100", "--seed", bad[i], "127.0.0.1:1", NULL};
        usage_fails(args, "--seed must be a whole number from 0 to 9007199254740991");
    }
}

TEST_CASES({"poisson_gaps", case_poisson_gaps}, {"uniform_gaps", case_uniform_gaps},
           {"superposed_gaps", case_superposed_gaps}, {"same_seed", case_same_seed},
           {"same_seed_run", case_same_seed_run}, {"unit_interval", case_unit_interval},
           {"observed_poisson", case_observed_poisson}, {"observed_uniform", case_observed_uniform},
           {"poisson_freeze", case_poisson_freeze}, {"arrivals_json", case_arrivals_json},
           {"schedule_warnings", case_schedule_warnings}, {"usage_arrivals", case_usage_arrivals},
           {"usage_arrivals_needs_rate", case_usage_arrivals_needs_rate},
           {"usage_seed", case_usage_seed}, {"starved_needs_due", case_starved_needs_due},
           {"starved_with_due", case_starved_with_due},
           {"starved_window_end", case_starved_window_end});
TEST_MAIN()
