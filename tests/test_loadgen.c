/* Tests of the load generator, one case per ctest entry: test_loadgen CASE.
 *
 * Each runs build/bin/loadgen against the project's servers (or a deliberately broken
 * one) and checks its JSON against what the server says it did. */
#include "check.h"
#include "harness.h"
#include "loadgen.h"
#include "loadgen_run.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- the server's own count agrees with what loadgen saw ---- */

static void case_counts_match(void)
{
    struct srv s;
    struct run r;
    char to[64];

    srv_start_simple(&s, "epoll", NULL);
    target(to, sizeof(to), &s);
    const char *args[] = {"-c", "8", "-p", "2", "-d", "1s", "-w", "300ms", to, NULL};
    run_loadgen(&r, args);
    measured(&r);
    json_t *st = srv_stop(&s);
    double served = (double)stat_u64(st, "requests");
    double done = num(r.json, "requests.completed_total"),
           sent = num(r.json, "requests.sent_total");
    CHECK(done > 1000, "only %.0f echoes", done);
    CHECK(served >= done && served <= sent, "server served %.0f; loadgen completed %.0f, sent %.0f",
          served, done, sent);
    CHECK(num(r.json, "requests.completed") <= done);
    CHECK(num(r.json, "requests.errors.mismatch") == 0);
    CHECK(num(r.json, "bytes.received") == 64 * num(r.json, "requests.completed"));
    double rate = num(r.json, "throughput_rps"), measured_s = num(r.json, "measured_s");
    CHECK(fabs(rate * measured_s - num(r.json, "requests.completed")) < 1.0);
    json_decref(st);
    json_decref(r.json);
}

/* ---- the JSON holds its schema ---- */

static void case_schema(void)
{
    struct srv s;
    struct run r;
    char to[64];

    srv_start_simple(&s, "epoll", NULL);
    target(to, sizeof(to), &s);
    const char *args[] = {"-c", "4",     "-i",      "3",           "-d", "2s",
                          "-w", "200ms", "--label", "schema test", to,   NULL};
    run_loadgen(&r, args);
    measured(&r);
    json_t *j = r.json;
    CHECK(strcmp(json_string_value(json_object_get(j, "schema")), "echobench.run/1") == 0);
    CHECK(json_is_string(json_object_get(json_object_get(j, "tool"), "version")));
    CHECK(json_is_string(json_object_get(json_object_get(j, "tool"), "git")));
    const char *at = json_string_value(json_object_get(j, "started_at"));
    CHECK(at && strlen(at) == 20 && at[10] == 'T' && at[19] == 'Z', "started_at '%s'", at);
    json_t *cfg = json_object_get(j, "config");
    CHECK(strcmp(json_string_value(json_object_get(cfg, "mode")), "closed") == 0);
    CHECK(strcmp(json_string_value(json_object_get(cfg, "label")), "schema test") == 0);
    CHECK(json_is_null(json_object_get(cfg, "rate")));
    static const char *cfg_nums[] = {"connections",   "idle",       "threads", "pipeline",
                                     "message_bytes", "duration_s", "warmup_s"};
    for (size_t i = 0; i < sizeof(cfg_nums) / sizeof(cfg_nums[0]); i++)
        CHECK(json_is_number(json_object_get(cfg, cfg_nums[i])), "config lacks %s", cfg_nums[i]);
    CHECK(num(j, "config.connections") == 4 && num(j, "config.idle") == 3);
    static const char *errors[] = {"connect",          "reset",   "eof", "timeout", "mismatch",
                                   "addr_unavailable", "fd_limit"};
    for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
        char key[64];
        snprintf(key, sizeof(key), "requests.errors.%s", errors[i]);
        CHECK(num(j, key) == 0, "%s errors", errors[i]);
    }
    num(j, "requests.in_flight_at_end");
    num(j, "throughput_rps");
    num(j, "bytes.sent");
    check_hist(json_object_get(j, "latency_us"), "latency_us");
    /* A request unanswered at the close is not a 0.1 us "latency": an echo through a
     * server and two sockets takes microseconds on any machine. */
    CHECK(num(j, "latency_us.min") >= 1.0, "latency_us.min %g us", num(j, "latency_us.min"));
    check_hist(json_object_get(j, "connect_us"), "connect_us");
    CHECK(json_is_null(json_object_get(j, "service_latency_us")), "service latency: open only");
    /* Every other field the schema promises (docs/loadgen.md). */
    static const char *nums[] = {"config.timeout_s",
                                 "config.sources",
                                 "measured_s",
                                 "requests.sent",
                                 "requests.censored",
                                 "requests.abandoned",
                                 "requests.due_unsent_at_end",
                                 "requests.completed_total",
                                 "requests.sent_total",
                                 "bytes.received",
                                 "connections.requested",
                                 "connections.established_at_start",
                                 "idle.open_at_end",
                                 "loadgen_cpu.busiest_thread_util",
                                 "loadgen_cpu.busiest_thread",
                                 "loadgen_memory.rss_kib_start",
                                 "loadgen_memory.rss_kib_connected"};
    for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
        num(j, nums[i]);
    for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
        char key[64];
        snprintf(key, sizeof(key), "requests.setup_errors.%s", errors[i]);
        num(j, key);
    }
    CHECK(json_is_boolean(json_object_get(cfg, "prime")), "config.prime");
    CHECK(json_is_array(json_object_get(cfg, "cpus")), "config.cpus");
    CHECK(json_is_string(json_object_get(cfg, "target")), "config.target");
    CHECK(json_is_boolean(json_object_get(j, "interrupted")), "interrupted");
    CHECK(json_is_boolean(json_object_get(json_object_get(j, "loadgen_cpu"), "saturated")),
          "loadgen_cpu.saturated");
    CHECK(json_is_array(json_object_get(j, "warnings")), "warnings");
    CHECK(num(j, "idle.requested") == 3 && num(j, "idle.established") == 3);
    CHECK(num(j, "idle.open_at_end") == 3);
    CHECK(num(j, "fairness.jain") > 0.5 && num(j, "fairness.jain") <= 1.0);
    CHECK(num(j, "fairness.starved") == 0);
    num(j, "fairness.min");
    num(j, "fairness.median");
    num(j, "fairness.max");
    json_t *tl = json_object_get(j, "timeline");
    CHECK(json_is_array(tl) && json_array_size(tl) == 2, "a timeline of 2 seconds");
    double sum = 0;
    for (size_t i = 0; i < json_array_size(tl); i++) {
        json_t *e = json_array_get(tl, i);
        CHECK(num(e, "t_s") == (double)(i + 1) && num(e, "width_s") == 1.0);
        sum += num(e, "completed");
        CHECK(num(e, "rps") == num(e, "completed"));
        num(e, "p99_us");
    }
    CHECK(sum == num(j, "requests.completed"), "the timeline adds up to the completions");
    check_hist(json_object_get(j, "setup_connect_us"), "setup_connect_us");
    CHECK(num(j, "setup_connect_us.count") == 4 + 3, "every connect before the window");
    /* At most the requests in flight when the window closed are recorded at their age. */
    CHECK(num(j, "requests.censored") <= 4 && num(j, "requests.abandoned") == 0);
    CHECK(num(j, "requests.due_unsent_at_end") == 0);
    num(j, "loadgen_cpu.user_s");
    num(j, "loadgen_cpu.sys_s");
    double util = num(j, "loadgen_cpu.busiest_thread_util");
    CHECK(util >= 0 && util <= 1.5, "busiest thread %g", util);
    CHECK(json_is_array(json_object_get(j, "warnings")));
    json_decref(srv_stop(&s));
    json_decref(j);
}

/* ---- a corrupting server yields mismatches, not a crash ---- */

static void case_mismatch(void)
{
    struct srv s;
    struct run r;
    char to[64];
    const char *none[] = {NULL};

    srv_start_path(&s, ECHOBENCH_TEST_DIR "/corrupt_server", none, NULL);
    target(to, sizeof(to), &s);
    const char *args[] = {"-c", "4", "-d", "1s", "-w", "0", to, NULL};
    run_loadgen(&r, args);
    measured(&r);
    double bad = num(r.json, "requests.errors.mismatch"), good = num(r.json, "requests.completed");
    CHECK(bad > 0 && good > 0, "%.0f mismatches, %.0f good echoes", bad, good);
    /* Every fourth line is corrupted, and nothing else is lost. */
    CHECK(fabs(bad / (bad + good) - 0.25) < 0.02, "%.0f of %.0f mismatched", bad, bad + good);
    srv_kill(&s);
    json_decref(r.json);
}

/* ---- a server frozen for a second shows in the open loop's p99; the run ends on time ---- */

static void case_freeze(void)
{
    struct srv s;
    struct run r;
    char to[64];

    srv_start_simple(&s, "epoll", NULL);
    target(to, sizeof(to), &s);
    const char *args[] = {"-c", "4", "-R", "1000", "-d", "4s", "-w", "500ms", to, NULL};
    pid_t freezer = freeze_later(s.pid, 2000, 1000);
    run_loadgen(&r, args);
    waitpid(freezer, NULL, 0);
    measured(&r);
    CHECK(r.wall_s < 4.5 + 2.0, "the run took %.1f s for 4.5 s asked", r.wall_s);
    /* A quarter of the window was frozen: the requests due then waited up to a second,
     * from their intended times. The service latency, from the actual send, does not
     * see most of that wait. */
    double p99 = num(r.json, "latency_us.p99"), max = num(r.json, "latency_us.max");
    CHECK(p99 > 300000 && max > 800000, "p99 %.0f us, max %.0f us", p99, max);
    CHECK(num(r.json, "service_latency_us.p99") < p99);
    CHECK(num(r.json, "requests.errors.timeout") == 0);
    json_decref(srv_stop(&s));
    json_decref(r.json);
}

/* ---- a server that stops answering at the end: the open loop still accounts for
 * every request that was due ---- */

static void case_freeze_at_end(void)
{
    struct srv s;
    struct run r;
    char to[64];

    srv_start_simple(&s, "epoll", NULL);
    target(to, sizeof(to), &s);
    const char *args[] = {"-c", "4",     "-R",        "1000", "-d", "3s",
                          "-w", "300ms", "--timeout", "10s",  to,   NULL};
    pid_t freezer = freeze_later(s.pid, 1800, 0); /* 1.5 s into the window, until it ends */
    run_loadgen(&r, args);
    waitpid(freezer, NULL, 0);
    kill(s.pid, SIGCONT);
    measured(&r);
    /* About 1500 requests were due in the frozen half: unsent, or unanswered. */
    double unanswered =
        num(r.json, "requests.due_unsent_at_end") + num(r.json, "requests.in_flight_at_end");
    CHECK(unanswered > 1000, "%.0f due requests unaccounted for", unanswered);
    /* Each recorded at its age, but for the few due within the slowest answer's time
     * of the close, whose age bounds nothing. */
    double censored = num(r.json, "requests.censored");
    CHECK(censored <= unanswered && censored >= 0.9 * unanswered,
          "%.0f of %.0f unanswered recorded at their age", censored, unanswered);
    CHECK(num(r.json, "latency_us.p99") > 1e6, "p99 %.0f us over a 1.5 s freeze",
          num(r.json, "latency_us.p99"));
    CHECK(json_array_size(json_object_get(r.json, "warnings")) > 0, "a warning about the rate");
    json_decref(srv_stop(&s));
    json_decref(r.json);
}

/* ---- echo-iterative with 4 connections: on time, 3 starved ---- */

static void case_iterative_starved(void)
{
    struct srv s;
    struct run r;
    char to[64];

    srv_start_simple(&s, "iterative", NULL);
    target(to, sizeof(to), &s);
    const char *args[] = {"-c", "4", "-d", "3s", "-w", "0", "--timeout", "1s", to, NULL};
    run_loadgen(&r, args);
    measured(&r);
    CHECK(r.wall_s < 3 + 2.0, "the run took %.1f s for 3 s asked", r.wall_s);
    CHECK(num(r.json, "fairness.starved") == 3, "%g starved", num(r.json, "fairness.starved"));
    CHECK(num(r.json, "requests.errors.timeout") >= 3, "%g timeouts",
          num(r.json, "requests.errors.timeout"));
    CHECK(num(r.json, "requests.completed") > 100);
    CHECK(num(r.json, "fairness.jain") < 0.3, "Jain's index %g", num(r.json, "fairness.jain"));
    /* The starved requests gave up after a second: their latency is at least that, and
     * the tail says so, rather than showing the one client served. */
    CHECK(num(r.json, "requests.censored") >= 3);
    CHECK(num(r.json, "latency_us.max") >= 1e6 * 0.99, "max %g us", num(r.json, "latency_us.max"));
    json_decref(srv_stop(&s));
    json_decref(r.json);
}

/* ---- idle clients stay open ---- */

static void case_idle(void)
{
    struct srv s;
    struct run r;
    char to[64];

    srv_start_simple(&s, "epoll", NULL);
    target(to, sizeof(to), &s);
    const char *args[] = {"-c", "2", "-i", "300", "-t", "2", "-d", "500ms", "-w", "0", to, NULL};
    run_loadgen(&r, args);
    measured(&r);
    CHECK(num(r.json, "idle.established") == 300 && num(r.json, "idle.open_at_end") == 300);
    CHECK(num(r.json, "requests.completed") > 0);
    json_t *st = srv_stop(&s);
    CHECK(stat_u64(st, "max_concurrent") == 302, "the server held %lu",
          (unsigned long)stat_u64(st, "max_concurrent"));
    json_decref(st);
    json_decref(r.json);
}

/* ---- churn: a connection per request, counted ---- */

static void case_churn(void)
{
    struct srv s;
    struct run r;
    char to[64];

    srv_start_simple(&s, "thread", NULL);
    target(to, sizeof(to), &s);
    const char *args[] = {"--churn", "-c", "4", "-d", "1s", "-w", "200ms", to, NULL};
    run_loadgen(&r, args);
    measured(&r);
    json_t *st = srv_stop(&s);
    double done = num(r.json, "requests.completed_total");
    double accepted = (double)stat_u64(st, "accepted");
    CHECK(done > 100, "%.0f cycles", done);
    /* Each cycle was its own connection (plus the 4 opened to check the server). */
    CHECK(accepted >= done && accepted <= done + 4 + 4 + num(r.json, "requests.in_flight_at_end"),
          "server accepted %.0f, loadgen completed %.0f", accepted, done);
    CHECK(num(r.json, "connect_us.count") >= num(r.json, "requests.completed") * 0.9);
    CHECK(num(r.json, "connect_us.p50") <= num(r.json, "latency_us.p50"));
    CHECK(strcmp(json_string_value(json_object_get(json_object_get(r.json, "config"), "mode")),
                 "churn") == 0);
    json_decref(st);
    json_decref(r.json);
}

/* ---- --prime: every connection served once before anything is measured ---- */

static void case_prime(void)
{
    struct srv s;
    struct run r;
    char to[64];

    srv_start_simple(&s, "process", NULL);
    target(to, sizeof(to), &s);
    const char *args[] = {"-c", "64", "--prime", "-d", "500ms", "-w", "0", to, NULL};
    run_loadgen(&r, args);
    measured(&r);
    CHECK(json_is_true(json_object_get(json_object_get(r.json, "config"), "prime")));
    /* Every child was forked before the window: each connection completed in it. */
    CHECK(num(r.json, "fairness.starved") == 0 && num(r.json, "fairness.min") > 0);
    double before = num(r.json, "requests.completed_total") - num(r.json, "requests.completed");
    CHECK(before >= 64, "%.0f echoes before the window: one per connection at least", before);
    json_t *st = srv_stop(&s);
    CHECK(stat_u64(st, "max_concurrent") == 64);
    json_decref(st);
    json_decref(r.json);
}

/* --prime against a server that serves one connection: it gives up on the rest once no
 * echo has come for 500 ms, counted as timeouts, not after the 10 s request timeout. */
static void case_prime_stall(void)
{
    struct srv s;
    struct run r;
    char to[64];

    srv_start_simple(&s, "iterative", NULL);
    target(to, sizeof(to), &s);
    const char *args[] = {"-c",    "4",  "--prime", "--timeout", "10s", "-d",
                          "300ms", "-w", "0",       to,          NULL};
    run_loadgen(&r, args);
    CHECK(r.wall_s < 3, "the run took %.1f s: priming waited for the request timeout", r.wall_s);
    CHECK(num(r.json, "requests.setup_errors.timeout") == 3,
          "%.0f setup timeouts: the three unserved connections",
          num(r.json, "requests.setup_errors.timeout"));
    json_decref(srv_stop(&s));
    json_decref(r.json);
}

/* ---- the open loop keeps its rate ---- */

static void case_open_rate(void)
{
    struct srv s;
    struct run r;
    char to[64];

    srv_start_simple(&s, "epoll", NULL);
    target(to, sizeof(to), &s);
    const char *args[] = {"-c", "8", "-R", "2000", "-d", "2s", "-w", "300ms", to, NULL};
    run_loadgen(&r, args);
    measured(&r);
    double achieved = num(r.json, "open_loop.achieved_rps");
    CHECK(fabs(achieved - 2000) < 2000 * 0.02, "asked 2000/s, sent %.1f/s", achieved);
    CHECK(fabs(num(r.json, "throughput_rps") - 2000) < 2000 * 0.05);
    CHECK(num(r.json, "fairness.jain") > 0.99, "evenly over the connections");
    json_decref(srv_stop(&s));
    json_decref(r.json);
}

/* ---- more threads, pipelining, long lines, several source addresses ---- */

static void case_threads_sources(void)
{
    struct srv s;
    struct run r;
    char to[64];

    srv_start_simple(&s, "epoll", NULL);
    target(to, sizeof(to), &s);
    const char *args[] = {"-c", "6",  "-t", "3", "-p",        "4", "-s", "20000",
                          "-d", "1s", "-w", "0", "--sources", "3", to,   NULL};
    run_loadgen(&r, args);
    measured(&r);
    CHECK(num(r.json, "requests.completed") > 100);
    CHECK(num(r.json, "requests.errors.mismatch") == 0);
    CHECK(num(r.json, "config.sources") == 3);
    CHECK(num(r.json, "fairness.starved") == 0);
    json_t *st = srv_stop(&s);
    CHECK(stat_u64(st, "accepted") == 6);
    json_decref(st);
    json_decref(r.json);
}

/* ---- SIGINT ends the window early and still writes the run ---- */

static void case_interrupt_warmup(void)
{
    struct srv s;
    struct run r;
    char to[64];

    srv_start_simple(&s, "epoll", NULL);
    target(to, sizeof(to), &s);
    const char *args[] = {"-c", "2", "-d", "5s", "-w", "5s", to, NULL};
    run_loadgen_full(&r, args, 0, SIGINT, 1.0);
    CHECK(r.status == 1 && strstr(r.err, "nothing measured"), "exit %d: %s", r.status, r.err);
    CHECK(!r.json, "no run to write");
    CHECK(r.wall_s < 3, "took %.1f s after SIGINT", r.wall_s);
    json_decref(srv_stop(&s));
}

/* Ctrl-C while loadgen waits before the window (here: for a runner that never answers
 * its --sync) ends it at once, saying nothing was measured. */
static void case_interrupt_setup(void)
{
    struct srv s;
    struct run r;
    char to[64], fd[16];
    int sv[2];

    srv_start_simple(&s, "epoll", NULL);
    target(to, sizeof(to), &s);
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0); /* inherited: no CLOEXEC */
    snprintf(fd, sizeof(fd), "%d", sv[1]);
    const char *args[] = {"-c", "2", "-i", "2", "-d", "5s", "--sync", fd, to, NULL};
    run_loadgen_full(&r, args, 0, SIGINT, 1.0);
    close(sv[0]);
    close(sv[1]);
    CHECK(r.status == 1 && strstr(r.err, "nothing measured"), "exit %d: %s", r.status, r.err);
    CHECK(r.wall_s < 4, "took %.1f s after SIGINT", r.wall_s);
    json_decref(srv_stop(&s));
}

static void case_interrupt(void)
{
    struct srv s;
    struct run r;
    char to[64];

    srv_start_simple(&s, "epoll", NULL);
    target(to, sizeof(to), &s);
    const char *args[] = {"-c", "2", "-d", "30s", "-w", "0", to, NULL};
    run_loadgen_full(&r, args, 0, SIGINT, 1.0);
    measured(&r);
    CHECK(r.wall_s < 5, "took %.1f s after SIGINT", r.wall_s);
    CHECK(json_is_true(json_object_get(r.json, "interrupted")));
    double m = num(r.json, "measured_s");
    CHECK(m > 0.5 && m < 3, "measured %.2f s", m);
    CHECK(num(r.json, "requests.completed") > 0);
    json_decref(srv_stop(&s));
    json_decref(r.json);
}

/* ---- nothing to measure: exit 1 with a reason ---- */

static void case_refused(void)
{
    struct run r;
    char to[64];

    /* A port nobody listens on: bind one, never listen, keep it. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    CHECK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    CHECK(getsockname(fd, (struct sockaddr *)&sa, &len) == 0);
    snprintf(to, sizeof(to), "127.0.0.1:%d", ntohs(sa.sin_port));
    const char *args[] = {"-c", "2", "-d", "1s", to, NULL};
    run_loadgen(&r, args);
    CHECK(r.status == 1, "exit %d", r.status);
    CHECK(strstr(r.err, "could not open") && strstr(r.err, "server listening"), "said: %s", r.err);
    CHECK(!r.json, "no JSON for a run that measured nothing");
    close(fd);
}

/* ---- not enough descriptors: said before starting ---- */

static void case_fd_limit(void)
{
    struct run r;
    const char *args[] = {"-c", "10", "-i", "500", "127.0.0.1:9", NULL};
    run_loadgen_full(&r, args, 200, 0, 0);
    CHECK(r.status == 1, "exit %d: %s", r.status, r.err);
    CHECK(strstr(r.err, "descriptors") && strstr(r.err, "200"), "said: %s", r.err);
    CHECK(r.wall_s < 2, "it said so at once");
}

/* ---- bad command lines: exit 2 and say what is wrong ---- */

static void case_usage(void)
{
    static const struct {
        const char *args[6];
        const char *says;
    } bad[] = {
        {{NULL}, "missing the target"},
        {{"localhost", NULL}, "HOST:PORT"},
        {{"-c", "0", "127.0.0.1:1", NULL}, "-c (connections)"},
        {{"-s", "1", "127.0.0.1:1", NULL}, "-s (line bytes)"},
        {{"-s", "70000", "127.0.0.1:1", NULL}, "2 to 65536"},
        {{"-d", "5x", "127.0.0.1:1", NULL}, "duration"},
        {{"-R", "-3", "127.0.0.1:1", NULL}, "-R"},
        {{"--churn", "-R", "10", "127.0.0.1:1", NULL}, "do not combine"},
        {{"--churn", "-p", "2", "127.0.0.1:1", NULL}, "-p must be 1"},
        {{"--churn", "--prime", "127.0.0.1:1", NULL}, "--prime does not apply"},
        {{"--cpus", "x", "127.0.0.1:1", NULL}, "--cpus"},
        {{"--cpus", "1000", "127.0.0.1:1", NULL}, "not available"},
        {{"--bogus", "127.0.0.1:1", NULL}, "unknown option"},
        {{"-c", "127.0.0.1:1", NULL}, "-c (connections)"},
        {{"127.0.0.1:1", "127.0.0.1:2", NULL}, "one target"},
    };
    struct run r;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        run_loadgen(&r, bad[i].args);
        CHECK(r.status == 2, "case %zu: exit %d: %s", i, r.status, r.err);
        CHECK(strstr(r.err, bad[i].says), "case %zu: stderr lacks '%s': %s", i, bad[i].says, r.err);
        CHECK(!r.json);
    }
    const char *nowhere[] = {"--json", "/nonexistent/dir/run.json", "127.0.0.1:1", NULL};
    run_loadgen(&r, nowhere);
    CHECK(r.status == 2 && strstr(r.err, "cannot write"), "an unwritable --json: %s", r.err);
    const char *help[] = {"--help", NULL};
    run_loadgen(&r, help);
    CHECK(r.status == 0 && strstr(r.out, "usage: loadgen") && strstr(r.out, "(default 16)"),
          "--help: %s", r.out);
}

/* ---- IPv6 ---- */

static void case_ipv6(void)
{
    struct srv s;
    struct run r;
    char to[64];
    struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    int probe = socket(AF_INET6, SOCK_STREAM, 0);

    if (probe < 0 || bind(probe, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        fprintf(stderr, "no IPv6 loopback here: skipped\n");
        exit(TEST_SKIP);
    }
    close(probe);
    srv_start_simple(&s, "epoll", "-a ::1");
    snprintf(to, sizeof(to), "[::1]:%d", s.port);
    const char *args[] = {"-c", "2", "-d", "500ms", "-w", "0", to, NULL};
    run_loadgen(&r, args);
    measured(&r);
    CHECK(num(r.json, "requests.completed") > 0);
    json_decref(srv_stop(&s));
    json_decref(r.json);
}

/* ---- what a request carries, and the check of its echo ---- */

static void case_request_format(void)
{
    static char pattern[2 * 65536];
    static const unsigned sizes[] = {2, 3, 17, 18, 64, 1000, 65536};
    uint64_t rs = 1;

    for (size_t i = 0; i < sizeof(pattern); i++)
        pattern[i] = (char)('!' + rnd_below(&rs, 94));
    static char line[65536], prev[65536];
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        unsigned size = sizes[k];
        for (uint64_t seq = 0; seq < 40; seq++) {
            struct lg_request r;
            request_make(&r, pattern, size, 7, seq);
            CHECK(r.len[0] + r.len[1] + r.len[2] == size, "size %u", size);
            size_t at = 0;
            for (int p = 0; p < 3; p++) {
                memcpy(line + at, r.part[p], r.len[p]);
                at += r.len[p];
            }
            CHECK(line[size - 1] == '\n' && !memchr(line, '\n', size - 1), "one newline, last");
            if (seq > 0)
                CHECK(memcmp(line, prev, size) != 0, "request %lu of size %u repeats the last",
                      (unsigned long)seq, size);
            memcpy(prev, line, size);
            CHECK(request_matches(&r, 0, line, size), "the exact echo matches");
            for (size_t cut = 1; cut < size; cut += size / 3 + 1)
                CHECK(request_matches(&r, 0, line, cut) &&
                          request_matches(&r, cut, line + cut, size - cut),
                      "in pieces too");
            line[size / 2] ^= 1;
            CHECK(!request_matches(&r, 0, line, size), "one flipped bit does not");
            line[size / 2] ^= 1;
            CHECK(!request_matches(&r, size - 1, "\nX", 2), "a byte past the end does not");
        }
    }
    struct lg_request a, b;
    request_make(&a, pattern, 64, 1, 5);
    request_make(&b, pattern, 64, 2, 5);
    CHECK(memcmp(a.hdr, b.hdr, 16) != 0, "connections differ in what they send");
}

TEST_CASES({"counts_match", case_counts_match}, {"request_format", case_request_format},
           {"schema", case_schema}, {"mismatch", case_mismatch}, {"freeze", case_freeze},
           {"freeze_at_end", case_freeze_at_end}, {"iterative_starved", case_iterative_starved},
           {"interrupt_warmup", case_interrupt_warmup}, {"idle", case_idle}, {"churn", case_churn},
           {"prime", case_prime}, {"prime_stall", case_prime_stall}, {"open_rate", case_open_rate},
           {"threads_sources", case_threads_sources}, {"interrupt", case_interrupt},
           {"interrupt_setup", case_interrupt_setup}, {"refused", case_refused},
           {"fd_limit", case_fd_limit}, {"usage", case_usage}, {"ipv6", case_ipv6});
TEST_MAIN()
