/* Tests of the experiment runner, one case per ctest entry: test_bench CASE.
 *
 * Each runs build/bin/bench on a tiny suite (two models, very short runs) out of a
 * folder of its own (bench_run.h). The open-loop sweeps are test_bench_load.c's. */
#include "bench_run.h"
#include "bench.h"
#include "order.h"
#include "tree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef ECHOBENCH_TEST_DIR
#error "ECHOBENCH_TEST_DIR must be defined"
#endif

static void check_summary(json_t *s, const char *what)
{
    CHECK(json_is_object(s), "%s: no summary", what);
    CHECK(json_is_number(json_object_get(s, "median")), "%s: no median", what);
    json_t *ci = json_object_get(s, "ci");
    CHECK(json_is_array(ci) && json_array_size(ci) == 2, "%s: no ci", what);
    double lo = json_number_value(json_array_get(ci, 0)),
           hi = json_number_value(json_array_get(ci, 1)),
           median = json_number_value(json_object_get(s, "median"));
    CHECK(lo <= median && median <= hi, "%s: ci [%g, %g], median %g", what, lo, hi, median);
    double level = json_number_value(json_object_get(s, "ci_level"));
    CHECK(level > 0 && level < 1, "%s: ci_level %g", what, level);
    json_t *mci = json_object_get(s, "mean_ci95");
    CHECK(json_is_array(mci) && json_array_size(mci) == 2, "%s: no mean_ci95", what);
    CHECK(json_number_value(json_array_get(mci, 0)) <= json_number_value(json_array_get(mci, 1)),
          "%s: mean_ci95", what);
    CHECK(!json_object_get(s, "ci95"), "%s: ci95 is no longer written", what);
    CHECK(json_is_number(json_object_get(s, "cv")) && json_is_boolean(json_object_get(s, "noisy")),
          "%s: no cv/noisy", what);
}

/* ---- a tiny suite: every field the schema promises ---- */

static void case_schema(void)
{
    const char *servers[] = {"epoll", "thread", NULL};
    struct run r;
    setup(servers);
    const char *args[] = {"--models",   "epoll,thread",
                          "--points",   "concurrency=1,4",
                          "--points",   "idle=0,2",
                          "--points",   "load=20%,60%",
                          "--points",   "slow=16,50",
                          "--points",   "capacity=100",
                          "--trials",   "2",
                          "--duration", "200ms",
                          "--warmup",   "0",
                          NULL};
    run_bench(&r, args, 0, 0);
    CHECK(r.status == 0, "exit %d:\n%s", r.status, r.err);
    json_t *j = latest();
    CHECK(strcmp(str(j, "schema"), "echobench.bench/1") == 0);
    CHECK(strlen(str(j, "started_at")) == 20 && strlen(str(j, "ended_at")) == 20);
    CHECK(json_is_false(json_object_get(j, "interrupted")));
    json_t *env = json_object_get(j, "env");
    static const char *env_keys[] = {
        "host",   "cpu_model", "memory", "kernel",      "arch",        "kernel_version",
        "sysctl", "nofile",    "build",  "server_cpus", "client_cpus", "cpu_vulnerabilities"};
    for (size_t i = 0; i < sizeof(env_keys) / sizeof(env_keys[0]); i++)
        CHECK(json_object_get(env, env_keys[i]), "env lacks %s", env_keys[i]);
    CHECK(json_integer_value(json_object_get(env, "cpus")) > 0);
    json_t *build = json_object_get(env, "build");
    static const char *build_keys[] = {"git", "compiler", "flags", "libuv", "jansson"};
    for (size_t i = 0; i < sizeof(build_keys) / sizeof(build_keys[0]); i++)
        CHECK(json_is_string(json_object_get(build, build_keys[i])), "build lacks %s",
              build_keys[i]);
    CHECK(json_is_boolean(json_object_get(env, "git_dirty")));
    /* Null where the machine does not say (no cpufreq in a VM), but there. */
    CHECK(json_object_get(env, "cpu_governor"), "env lacks cpu_governor");
    json_t *set = json_object_get(j, "settings");
    CHECK(json_integer_value(json_object_get(set, "trials")) == 2);
    CHECK(json_is_boolean(json_object_get(set, "quick")) &&
              json_is_number(json_object_get(set, "duration_s")) &&
              json_is_number(json_object_get(set, "warmup_s")) &&
              json_is_number(json_object_get(set, "loadgen_threads")) &&
              json_array_size(json_object_get(set, "models")) == 2 &&
              json_is_array(json_object_get(set, "scenarios")) &&
              json_array_size(json_object_get(set, "slo")) == 1 &&
              json_integer_value(json_object_get(set, "load_connections")) == 64,
          "settings lack a field");
    json_t *slo = json_array_get(json_object_get(set, "slo"), 0);
    CHECK(strcmp(str(slo, "text"), "p99=1ms") == 0 &&
              json_number_value(json_object_get(slo, "bound_us")) == 1000 &&
              json_number_value(json_object_get(slo, "percentile")) == 99,
          "the default target is p99 within 1 ms");

    /* Every scenario is there: the measured ones with their points, creation and cores
     * with what they did. */
    static const char *measured[] = {"concurrency", "load", "slow", "idle", "churn", "service"};
    for (size_t k = 0; k < sizeof(measured) / sizeof(measured[0]); k++) {
        json_t *sc = scenario(j, measured[k]);
        bool open = strcmp(measured[k], "load") == 0 || strcmp(measured[k], "slow") == 0;
        CHECK(strcmp(str(sc, "status"), "done") == 0, "%s: %s", measured[k], str(sc, "status"));
        str(sc, "title");
        json_t *points = json_object_get(sc, "points");
        CHECK(json_array_size(points) >= 2, "%s: %zu points", measured[k], json_array_size(points));
        size_t i;
        json_t *pt;
        json_array_foreach(points, i, pt)
        {
            CHECK(strcmp(str(pt, "status"), "ok") == 0, "%s %s %s: %s", measured[k],
                  str(pt, "model"), str(pt, "label"), str(pt, "status"));
            CHECK(json_is_number(json_object_get(pt, "x")) &&
                      json_is_number(json_object_get(pt, "connections")) &&
                      json_is_number(json_object_get(pt, "idle")) &&
                      json_is_array(json_object_get(pt, "server_args")) &&
                      json_is_number(json_object_get(pt, "loadgen_saturated_trials")),
                  "a point lacks a field");
            str(pt, "label");
            json_t *trials = json_object_get(pt, "trials");
            CHECK(json_array_size(trials) == 2, "two trials");
            json_t *t = json_array_get(trials, 0);
            CHECK(json_number_value(json_object_get(t, "throughput_rps")) > 0);
            static const char *tkeys[] = {"trial",
                                          "wall_s",
                                          "throughput_rps",
                                          "p50_us",
                                          "p90_us",
                                          "p99_us",
                                          "p999_us",
                                          "max_us",
                                          "completed",
                                          "errors",
                                          "timeouts",
                                          "starved",
                                          "jain",
                                          "idle_open_at_end",
                                          "setup_timeouts",
                                          "censored",
                                          "abandoned",
                                          "setup_errors",
                                          "established_at_start"};
            for (size_t q = 0; q < sizeof(tkeys) / sizeof(tkeys[0]); q++)
                CHECK(json_is_number(json_object_get(t, tkeys[q])), "a trial lacks %s", tkeys[q]);
            /* The closed loop has no pacer, so no lag, but the fields are there; the open
             * loop's figures are numbers in the sweeps and null elsewhere. */
            static const char *okeys[] = {"send_lag_p50_us", "send_lag_p99_us", "target_rps",
                                          "offered_rps",     "achieved_ratio",  "service_p99_us",
                                          "due_unsent"};
            for (size_t q = 0; q < sizeof(okeys) / sizeof(okeys[0]); q++)
                CHECK(open ? json_is_number(json_object_get(t, okeys[q]))
                           : json_is_null(json_object_get(t, okeys[q])),
                      "%s: %s is %s", measured[k], okeys[q], open ? "not a number" : "not null");
            if (open)
                CHECK(json_is_number(json_object_get(pt, "target_rps")) &&
                          json_is_number(json_object_get(pt, "lagged_trials")) &&
                          json_is_number(json_object_get(pt, "under_trials")),
                      "an open-loop point lacks a field");
            CHECK(strcmp(str(t, "status"), "ok") == 0);
            str(t, "detail");
            CHECK(json_is_boolean(json_object_get(t, "loadgen_saturated")));
            json_t *spectrum = json_object_get(t, "spectrum"), *timeline;
            CHECK(json_array_size(spectrum) == 13, "the spectrum has %zu percentiles",
                  json_array_size(spectrum));
            for (size_t q = 1; q < json_array_size(spectrum); q++)
                CHECK(json_number_value(json_array_get(json_array_get(spectrum, q), 1)) >=
                          json_number_value(json_array_get(json_array_get(spectrum, q - 1), 1)),
                      "the spectrum falls");
            timeline = json_object_get(t, "timeline");
            CHECK(json_array_size(timeline) >= 1 &&
                      json_array_size(json_array_get(timeline, 0)) == 3,
                  "the timeline: [t_s, rps, p99_us] bins");
            json_t *res = json_object_get(t, "resources");
            static const char *rkeys[] = {
                "cpu_user_s",    "cpu_sys_s",       "window_cpu_s", "cpu_us_per_request",
                "base_rss_kib",  "peak_rss_kib",    "peak_threads", "peak_processes",
                "ctx_voluntary", "ctx_involuntary", "samples",      "max_sample_gap_ms"};
            for (size_t q = 0; q < sizeof(rkeys) / sizeof(rkeys[0]); q++)
                CHECK(json_is_number(json_object_get(res, rkeys[q])), "resources lack %s",
                      rkeys[q]);
            /* Memory per connection: numbers, or null where it cannot be told (Pss not
             * readable); there either way. */
            static const char *mkeys[] = {"base_pss_anon_kib", "primed_pss_anon_kib",
                                          "memory_per_connection_bytes", "idle_settle_s"};
            for (size_t q = 0; q < sizeof(mkeys) / sizeof(mkeys[0]); q++)
                CHECK(json_object_get(res, mkeys[q]), "resources lack %s", mkeys[q]);
            CHECK(json_integer_value(json_object_get(json_object_get(t, "server"), "requests")) >
                  0);
            char raw[PATH_MAX + 200];
            snprintf(raw, sizeof(raw), "%s/results/latest/raw/%s.json", work, str(t, "raw"));
            CHECK(access(raw, R_OK) == 0, "no raw loadgen JSON %s", raw);
            snprintf(raw, sizeof(raw), "%s/results/latest/raw/%s.server.json", work, str(t, "raw"));
            CHECK(access(raw, R_OK) == 0, "no raw stats line %s", raw);
            json_t *sum = json_object_get(pt, "summary");
            check_summary(json_object_get(sum, "throughput_rps"), "throughput");
            check_summary(json_object_get(sum, "p99_us"), "p99");
            static const char *skeys[] = {"p50_us",
                                          "p999_us",
                                          "connect_p50_us",
                                          "errors",
                                          "starved",
                                          "jain",
                                          "cpu_us_per_request",
                                          "memory_per_connection_bytes",
                                          "peak_rss_kib",
                                          "window_cpu_s",
                                          "peak_threads",
                                          "peak_processes",
                                          "ctx_involuntary",
                                          "rejected"};
            for (size_t q = 0; q < sizeof(skeys) / sizeof(skeys[0]); q++) {
                json_t *v = json_object_get(sum, skeys[q]);
                CHECK(json_is_null(v) || json_is_number(json_object_get(v, "median")),
                      "summary.%s is neither a summary nor null", skeys[q]);
            }
        }
    }
    CHECK(json_integer_value(json_object_get(
              json_object_get(json_object_get(scenario(j, "idle"), "points"), 0), "idle")) == 0);
    json_t *cr = scenario(j, "creation");
    CHECK(strcmp(str(cr, "status"), "skipped") == 0 || strcmp(str(cr, "status"), "done") == 0);
    json_t *co = scenario(j, "cores");
    CHECK(strcmp(str(co, "status"), sysconf(_SC_NPROCESSORS_ONLN) < 4 ? "skipped" : "done") == 0);
    json_decref(j);
    teardown();
}

/* Processes whose executable lives in the test's folder. */
static int leftovers(void)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    int n = 0;
    size_t len = strlen(work);
    CHECK(d);
    while ((e = readdir(d)) != NULL) {
        char link[300], target[PATH_MAX];
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        snprintf(link, sizeof(link), "/proc/%s/exe", e->d_name);
        ssize_t got = readlink(link, target, sizeof(target) - 1);
        if (got > 0) {
            target[got] = '\0';
            if (strncmp(target, work, len) == 0) {
                fprintf(stderr, "left behind: pid %s, %s\n", e->d_name, target);
                n++;
            }
        }
    }
    closedir(d);
    return n;
}

/* ---- a server that dies mid-run is recorded, and the suite goes on ---- */

static void case_crash(void)
{
    const char *servers[] = {"epoll", "select=" ECHOBENCH_TEST_DIR "/crash_server", NULL};
    struct run r;
    setup(servers);
    const char *args[] = {"--models",    "epoll,select",
                          "--scenarios", "concurrency,churn",
                          "--points",    "concurrency=4",
                          "--trials",    "1",
                          "--duration",  "1s",
                          "--warmup",    "0",
                          NULL};
    run_bench(&r, args, 0, 0);
    CHECK(r.status == 0, "exit %d:\n%s", r.status, r.err);
    json_t *j = latest();
    json_t *points = json_object_get(scenario(j, "concurrency"), "points");
    bool crashed = false, epoll_ok = false;
    size_t i;
    json_t *pt;
    json_array_foreach(points, i, pt)
    {
        json_t *t = json_array_get(json_object_get(pt, "trials"), 0);
        if (strcmp(str(pt, "model"), "select") == 0) {
            crashed = strcmp(str(t, "status"), "crashed") == 0;
            CHECK(strstr(str(t, "detail"), "signal"), "detail: %s", str(t, "detail"));
        } else {
            epoll_ok = strcmp(str(t, "status"), "ok") == 0;
        }
    }
    CHECK(crashed, "the crash was not recorded");
    CHECK(epoll_ok, "the other model was not measured");
    CHECK(strcmp(str(scenario(j, "churn"), "status"), "done") == 0, "the suite went on");
    CHECK(leftovers() == 0, "the crashed server left processes");
    json_decref(j);
    teardown();
}

/* ---- a server that will not start: failed, its later trials not run, not interrupted ---- */

static void case_no_start(void)
{
    const char *servers[] = {"epoll", "select=/bin/false", NULL};
    struct run r;
    setup(servers);
    const char *args[] = {"--models",   "epoll,select",  "--scenarios", "concurrency",
                          "--points",   "concurrency=4", "--trials",    "2",
                          "--duration", "300ms",         "--warmup",    "0",
                          NULL};
    run_bench(&r, args, 0, 0);
    CHECK(r.status == 0, "exit %d:\n%s", r.status, r.err);
    json_t *j = latest();
    CHECK(json_is_false(json_object_get(j, "interrupted")), "bench.json says interrupted");
    size_t i;
    json_t *pt;
    json_array_foreach(json_object_get(scenario(j, "concurrency"), "points"), i, pt)
    {
        json_t *trials = json_object_get(pt, "trials");
        if (strcmp(str(pt, "model"), "select") == 0) {
            CHECK(strcmp(str(pt, "status"), "failed") == 0, "select's point: %s",
                  str(pt, "status"));
            CHECK(json_array_size(trials) == 1, "%zu trials of a server that cannot start",
                  json_array_size(trials));
            CHECK(strcmp(str(json_array_get(trials, 0), "status"), "failed_to_start") == 0,
                  "trial: %s", str(json_array_get(trials, 0), "status"));
            CHECK(json_is_string(json_object_get(pt, "note")), "no note says why");
        } else {
            CHECK(strcmp(str(pt, "status"), "ok") == 0 && json_array_size(trials) == 2,
                  "epoll's point: %s", str(pt, "status"));
        }
    }
    json_decref(j);
    teardown();
}

/* ---- a model the machine cannot run: unavailable, not failed ---- */

static void case_unavailable(void)
{
    const char *servers[] = {"epoll", "uring=" ECHOBENCH_TEST_DIR "/unavailable_server", NULL};
    struct run r;
    setup(servers);
    const char *args[] = {"--models",   "epoll,uring",     "--scenarios", "concurrency",
                          "--points",   "concurrency=1,4", "--trials",    "2",
                          "--duration", "200ms",           "--warmup",    "0",
                          NULL};
    run_bench(&r, args, 0, 0);
    CHECK(r.status == 0, "exit %d:\n%s", r.status, r.err);
    json_t *j = latest();
    json_t *points = json_object_get(scenario(j, "concurrency"), "points");
    int unavailable = 0, ok = 0;
    size_t i;
    json_t *pt;
    json_array_foreach(points, i, pt)
    {
        if (strcmp(str(pt, "model"), "uring") == 0) {
            CHECK(strcmp(str(pt, "status"), "unavailable") == 0, "uring point: %s",
                  str(pt, "status"));
            CHECK(strstr(str(pt, "note"), "not available here"), "note: %s", str(pt, "note"));
            CHECK(json_array_size(json_object_get(pt, "trials")) == 0, "a trial was recorded");
            unavailable++;
        } else {
            ok += strcmp(str(pt, "status"), "ok") == 0;
        }
    }
    CHECK(unavailable == 2 && ok == 2, "%d points unavailable, %d ok", unavailable, ok);
    CHECK(leftovers() == 0, "processes left behind");
    json_decref(j);
    teardown();
}

/* ---- Ctrl-C: every process it started ends, and what was measured is kept ---- */

static void case_interrupt(void)
{
    const char *servers[] = {"process", NULL};
    struct run r;
    setup(servers);
    /* Into the first run, while echo-process holds a hundred children. */
    const char *args[] = {"--models", "process", "--scenarios", "idle", "--points", "idle=100",
                          "--trials", "2",       "--duration",  "5s",   NULL};
    run_bench(&r, args, SIGINT, 3.0);
    CHECK(r.status == 130, "exit %d:\n%s", r.status, r.err);
    CHECK(r.wall_s < 3.0 + 6, "took %.1f s to stop", r.wall_s);
    int left = 0;
    for (double end = now_s() + 3; (left = leftovers()) > 0 && now_s() < end;)
        usleep(50 * 1000);
    CHECK(left == 0, "%d processes left behind", left);
    json_t *j = latest();
    CHECK(json_is_true(json_object_get(j, "interrupted")));
    json_t *points = json_object_get(scenario(j, "idle"), "points");
    CHECK(json_array_size(points) == 1, "the point was kept");
    CHECK(strcmp(str(json_array_get(points, 0), "status"), "interrupted") == 0);
    json_decref(j);
    teardown();
}

/* ---- a server that ignores SIGTERM is killed, recorded as hung, and the suite goes on ---- */

static void case_hang(void)
{
    const char *servers[] = {"epoll", "select=" ECHOBENCH_TEST_DIR "/hang_server", NULL};
    struct run r;
    setup(servers);
    const char *args[] = {"--models",   "epoll,select",  "--scenarios", "concurrency",
                          "--points",   "concurrency=2", "--trials",    "1",
                          "--duration", "300ms",         "--warmup",    "0",
                          NULL};
    run_bench(&r, args, 0, 0);
    CHECK(r.status == 0, "exit %d:\n%s", r.status, r.err);
    CHECK(leftovers() == 0, "the hung server outlived bench");
    json_t *j = latest();
    json_t *points = json_object_get(scenario(j, "concurrency"), "points");
    size_t i;
    json_t *pt;
    bool hung = false;
    json_array_foreach(points, i, pt)
    {
        json_t *t = json_array_get(json_object_get(pt, "trials"), 0);
        if (strcmp(str(pt, "model"), "select") == 0) {
            hung = strcmp(str(t, "status"), "hung") == 0;
            CHECK(strstr(str(t, "detail"), "SIGTERM"), "detail: %s", str(t, "detail"));
            CHECK(strcmp(str(pt, "status"), "partial") == 0, "the point says so");
        } else {
            CHECK(strcmp(str(t, "status"), "ok") == 0);
        }
    }
    CHECK(hung, "the hang was not recorded");
    json_decref(j);
    teardown();
}

/* ---- an unwritable results folder fails at once ---- */

static void case_unwritable(void)
{
    const char *servers[] = {"epoll", NULL};
    struct run r;
    setup(servers);
    /* A path through a file: not a folder anyone can make, root included. */
    char file[PATH_MAX + 16], out[PATH_MAX + 32];
    snprintf(file, sizeof(file), "%s/a-file", work);
    int fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    CHECK(fd >= 0);
    close(fd);
    snprintf(out, sizeof(out), "%s/results", file);
    const char *args[] = {"--out", out, NULL};
    run_bench(&r, args, 0, 0);
    CHECK(r.status == 1, "exit %d: %s", r.status, r.err);
    CHECK(strstr(r.err, "cannot write the results folder") && strstr(r.err, "--results"),
          "said: %s", r.err);
    CHECK(r.wall_s < 2, "at once, not after %.1f s", r.wall_s);
    teardown();
}

/* ---- bad command lines ---- */

static void case_usage(void)
{
    static const struct refusal bad[] = {
        {{"--models", "bogus", NULL}, "unknown model 'bogus'"},
        {{"--scenarios", "lunch", NULL}, "unknown scenario 'lunch'"},
        {{"--trials", "0", NULL}, "--trials must be"},
        {{"--duration", "5x", NULL}, "--duration must be"},
        {{"--points", "nope=1", NULL}, "--points takes"},
        {{"--points", "concurrency=abc", NULL}, "--points concurrency="},
        {{"--server-cpus", "9999", NULL}, "not available"},
        {{"--frobnicate", NULL}, "unknown option"},
        {{"extra", NULL}, "unexpected argument"},
        {{"--models", "epoll,epoll", NULL}, "given twice"},
        {{"--trials", "51", NULL}, "--trials must be"},
    };
    const char *servers[] = {"epoll", NULL};
    setup(servers);
    refused(bad, sizeof(bad) / sizeof(bad[0]));
    teardown();
}

/* ---- the runner's parts, on their own ---- */

/* Burns about ms of CPU in the calling thread. */
static void burn_ms(unsigned ms)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
    do
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    while ((double)(t.tv_sec - t0.tv_sec) * 1e3 + (double)(t.tv_nsec - t0.tv_nsec) / 1e6 < ms);
}

static void *burner(void *arg)
{
    burn_ms(*(unsigned *)arg);
    return NULL;
}

/* A process in a group of its own that does its work, writes the CPU time it counts
 * for itself (ns: its own, with children only) to the pipe, and waits to be killed.
 * Returns its pid and the figure. */
static pid_t cpu_child(void (*task)(void), uint64_t *self_ns)
{
    int p[2];
    CHECK(pipe(p) == 0);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        setpgid(0, 0);
        task();
        struct timespec ts;
        struct rusage ru;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        getrusage(RUSAGE_CHILDREN, &ru);
        uint64_t ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec +
                      (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000u +
                      (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000u;
        if (write(p[1], &ns, sizeof(ns)) != sizeof(ns))
            _exit(1);
        pause();
        _exit(0);
    }
    setpgid(pid, pid);
    close(p[1]);
    CHECK(read(p[0], self_ns, sizeof(*self_ns)) == sizeof(*self_ns));
    close(p[0]);
    return pid;
}

static void end_child(pid_t pid)
{
    kill(pid, SIGKILL);
    CHECK(waitpid(pid, NULL, 0) == pid);
}

/* Threads that come and go, as echo-thread's under churn: ten, each burning 30 ms and
 * exiting, leave a process of one live thread. */
static void threads_come_and_go(void)
{
    unsigned ms = 30;
    for (int i = 0; i < 10; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, burner, &ms) != 0 || pthread_join(t, NULL) != 0)
            _exit(1);
    }
}

/* Children that come and go, as echo-process's: ten, each burning 30 ms, reaped. */
static void children_come_and_go(void)
{
    for (int i = 0; i < 10; i++) {
        pid_t c = fork();
        if (c == 0) {
            burn_ms(30);
            _exit(0);
        }
        if (c < 0 || waitpid(c, NULL, 0) != c)
            _exit(1);
    }
}

static void check_tree_cpu(void (*task)(void), const char *what)
{
    uint64_t self_ns;
    pid_t pid = cpu_child(task, &self_ns);
    struct tree t;
    tree_sample(pid, false, &t);
    end_child(pid);
    CHECK(self_ns > 250000000u, "%s: the child counted only %.3f s", what, (double)self_ns / 1e9);
    /* Reaped children are counted in clock ticks: a tick or two of slack. */
    double ratio = (double)t.cpu_ns / (double)self_ns;
    CHECK(ratio > 0.9 && ratio < 1.1,
          "%s: the tree reads %.3f s of CPU, the process counts %.3f s for itself", what,
          (double)t.cpu_ns / 1e9, (double)self_ns / 1e9);
}

static void case_cpu_exited_threads(void)
{
    check_tree_cpu(threads_come_and_go, "threads that exited");
}

static void case_cpu_reaped_children(void)
{
    check_tree_cpu(children_come_and_go, "children that were reaped");
}

/* A server that says it is ready before its worker is: the worker is forked at once
 * and grows its memory for 300 ms, 1 MiB every 30 ms. */
static void case_baseline_settles(void)
{
    int p[2];
    CHECK(pipe(p) == 0);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        setpgid(0, 0);
        pid_t w = fork();
        if (w == 0) {
            static char mem[10 << 20];
            for (int i = 0; i < 10; i++) {
                memset(mem + ((size_t)i << 20), 1, 1 << 20);
                usleep(30000);
            }
            pause();
            _exit(0);
        }
        if (write(p[1], "r", 1) != 1) /* "ready" */
            _exit(1);
        pause();
        _exit(0);
    }
    setpgid(pid, pid);
    close(p[1]);
    char c;
    CHECK(read(p[0], &c, 1) == 1);
    close(p[0]);
    struct tree t;
    unsigned readings = 0;
    bool settled = tree_baseline(pid, 100 * 1000000ull, 2, 5 * 1000000000ull, &t, &readings);
    kill(-pid, SIGKILL);
    CHECK(waitpid(pid, NULL, 0) == pid);
    CHECK(settled, "the tree did not settle in 5 s (%u readings)", readings);
    CHECK(t.processes == 2, "the baseline has %d processes, not the server and its worker",
          t.processes);
    CHECK(t.pss_anon_kib >= 10 * 1024,
          "the baseline has %ld KiB of Pss_Anon: the worker's 10 MiB "
          "is not all in it",
          t.pss_anon_kib);
}

/* Draws rounds of the order at npoints points (a seed each, the last model carried
 * from one to the next, as the suite does) and checks that no model runs twice in a
 * row, within a point or across two; returns how many rounds differ from the one
 * before at their point. */
static unsigned check_order(const bool *runs, unsigned nmodels, unsigned npoints, unsigned rounds)
{
    struct order o;
    unsigned out[ORDER_MAX_MODELS], prev[ORDER_MAX_MODELS], nprev = 0, changed = 0;
    int last = -1;
    for (unsigned pt = 0; pt < npoints; pt++) {
        order_init(&o, 12345 + 7919 * pt, last);
        for (unsigned r = 0; r < rounds; r++) {
            unsigned n = order_round(&o, runs, nmodels, out);
            unsigned want = 0;
            for (unsigned m = 0; m < nmodels; m++)
                want += runs[m];
            CHECK(n == want, "round %u has %u models, not %u", r, n, want);
            for (unsigned k = 0; k < n; k++) {
                CHECK(runs[out[k]], "round %u runs model %u, which does not run here", r, out[k]);
                CHECK((int)out[k] != last, "point %u round %u: model %u runs twice in a row", pt, r,
                      out[k]);
                last = (int)out[k];
                order_ran(&o, out[k]);
            }
            changed += r > 0 && (n != nprev || memcmp(out, prev, n * sizeof(out[0])) != 0);
            memcpy(prev, out, n * sizeof(out[0]));
            nprev = n;
        }
    }
    return changed;
}

static void case_trial_order(void)
{
    bool two[2] = {true, true};
    check_order(two, 2, 8, 10);
    /* Skipped models: the rotation must not repeat whole rounds. */
    bool skipped[5] = {true, false, true, false, true};
    unsigned changed = check_order(skipped, 5, 1, 10);
    CHECK(changed == 9, "with models skipped, %u of 9 rounds differ from the one before", changed);
    bool four[4] = {true, true, true, true};
    changed = check_order(four, 4, 1, 10);
    CHECK(changed == 9, "%u of 9 rounds differ from the one before", changed);
    check_order(four, 4, 8, 3);
}

/* The suite itself: the runs, in the order of bench's lines (one per run with
 * --no-progress), never have one model twice in a row, within a point, across the
 * points of a scenario, or across two scenarios. */
static void case_order_across_points(void)
{
    const char *servers[] = {"epoll", "thread", NULL};
    struct run r;
    setup(servers);
    const char *args[] = {"--models",    "epoll,thread",
                          "--scenarios", "churn,concurrency",
                          "--points",    "churn=2,4,8,16",
                          "--points",    "concurrency=1,2",
                          "--trials",    "2",
                          "--duration",  "100ms",
                          "--warmup",    "0",
                          NULL};
    run_bench(&r, args, 0, 0);
    CHECK(r.status == 0, "exit %d:\n%s", r.status, r.err);
    char prev[32] = "", model[32], scen[32], label[32];
    unsigned runs = 0;
    for (const char *line = r.err; line && *line; line = strchr(line, '\n'), line += !!line) {
        int end = 0; /* set only where the line is a run's: "... LABEL trial 1/2: ok" */
        if (sscanf(line, "bench: %31s %31s %31s trial %*u/%*u:%n", scen, model, label, &end) != 3 ||
            end == 0)
            continue;
        CHECK(strcmp(model, prev) != 0, "%s runs twice in a row (run %u, %s %s):\n%s", model,
              runs + 1, scen, label, r.err);
        snprintf(prev, sizeof(prev), "%s", model);
        runs++;
    }
    CHECK(runs == 24, "%u runs, not 24:\n%s", runs, r.err);
    teardown();
}

static void case_student_t(void)
{
    static const struct {
        unsigned df;
        double t;
    } known[] = {{1, 12.706}, {2, 4.303},  {10, 2.228},  {30, 2.042},  {31, 2.040},
                 {40, 2.021}, {60, 2.000}, {100, 1.984}, {120, 1.980}, {1000, 1.962}};
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        double t = summary_t975(known[i].df);
        CHECK(fabs(t - known[i].t) < 0.0015, "t(0.975, %u) is %.4f, not %.3f", known[i].df, t,
              known[i].t);
    }
}

TEST_CASES({"schema", case_schema}, {"crash", case_crash}, {"interrupt", case_interrupt},
           {"hang", case_hang}, {"unwritable", case_unwritable}, {"no_start", case_no_start},
           {"unavailable", case_unavailable}, {"usage", case_usage},
           {"cpu_exited_threads", case_cpu_exited_threads},
           {"cpu_reaped_children", case_cpu_reaped_children},
           {"baseline_settles", case_baseline_settles}, {"trial_order", case_trial_order},
           {"order_across_points", case_order_across_points}, {"student_t", case_student_t});
TEST_MAIN()
