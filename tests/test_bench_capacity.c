/* Tests of bench's capacity scenario (bench/capacity.c), one case per ctest entry:
 * test_bench_capacity CASE. Small steps (hundreds of idle connections, short windows) so
 * that each case takes seconds: select's FD_SETSIZE at 1,024 descriptors, a descriptor
 * limit lowered to 700 for RLIMIT_NOFILE, echo-iterative behind its first idle client,
 * a server that crashes, one that never accepts, memory, the budget. */
#include "bench_run.h"

#include <math.h>
#include <stdlib.h>
#include <sys/resource.h>

static const char *const quick_run[] = {"--no-floor", "--duration", "200ms", "--warmup", "100ms"};

static double num(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    CHECK(json_is_number(v), "no number %s", key);
    return json_number_value(v);
}

/* Runs the scenario on models at steps (with extra arguments, NULL-terminated) and
 * returns its bench.json; the scenario in *sc. */
static json_t *run_capacity(const char *models, const char *steps, const char *const *extra,
                            json_t **sc)
{
    char points[128];
    const char *args[40] = {"--scenarios", "capacity", "--models", models};
    int n = 4;
    if (steps) {
        snprintf(points, sizeof(points), "capacity=%s", steps);
        args[n++] = "--points";
        args[n++] = points;
    }
    for (size_t i = 0; i < sizeof(quick_run) / sizeof(quick_run[0]); i++)
        args[n++] = quick_run[i];
    for (int i = 0; extra && extra[i]; i++)
        args[n++] = extra[i];
    args[n] = NULL;
    struct run r;
    run_bench(&r, args, 0, 0);
    CHECK(r.status == 0, "bench exited %d:\n%s", r.status, r.err);
    json_t *root = latest();
    *sc = scenario(root, "capacity");
    CHECK(strcmp(str(*sc, "status"), "done") == 0, "status %s", str(*sc, "status"));
    return root;
}

/* The record of model at step label. */
static json_t *step_of(json_t *sc, const char *model, const char *label)
{
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(sc, "points"), i, p)
    {
        if (strcmp(str(p, "model"), model) == 0 && strcmp(str(p, "label"), label) == 0)
            return json_object_get(p, "capacity");
    }
    /* Its ramp stopped before: say where and why, so that a failure names itself. */
    json_t *m = json_object_get(json_object_get(sc, "models"), model);
    const char *verdict = json_string_value(json_object_get(m, "verdict"));
    const char *at = json_string_value(json_object_get(m, "failed_step"));
    const char *why = json_string_value(json_object_get(m, "why"));
    CHECK(0, "no step %s of %s: its ramp %s at %s: %s", label, model, verdict ? verdict : "-",
          at ? at : "-", why ? why : "-");
}

static json_t *model_of(json_t *sc, const char *model)
{
    json_t *m = json_object_get(json_object_get(sc, "models"), model);
    CHECK(json_is_object(m), "no model %s in models", model);
    return m;
}

/* What a failed step must say: failed, its cause, and a why. */
static void check_failed(json_t *step, const char *cause)
{
    CHECK(strcmp(str(step, "verdict"), "failed") == 0, "verdict %s: %s", str(step, "verdict"),
          str(step, "why"));
    CHECK(strcmp(str(step, "cause"), cause) == 0, "cause %s, not %s: %s", str(step, "cause"), cause,
          str(step, "why"));
}

static void check_types(json_t *o, const char *const *keys, size_t n, bool (*is)(const json_t *),
                        const char *what)
{
    for (size_t i = 0; i < n; i++)
        CHECK(is(json_object_get(o, keys[i])), "%s: %s is not %s", str(o, "verdict"), keys[i],
              what);
}

static bool is_number(const json_t *j)
{
    return json_is_number(j);
}
static bool is_number_or_null(const json_t *j)
{
    return json_is_number(j) || json_is_null(j);
}
static bool is_object(const json_t *j)
{
    return json_is_object(j);
}
#define CHECK_TYPES(o, is, what, ...)                                                              \
    do {                                                                                           \
        static const char *const k_[] = {__VA_ARGS__};                                             \
        check_types(o, k_, sizeof(k_) / sizeof(k_[0]), is, what);                                  \
    } while (0)

/* A step that ran: every field of its capacity object, typed (docs/bench.md). */
static void check_step_fields(json_t *step)
{
    CHECK_TYPES(step, is_number, "a number", "agents", "requested", "held", "open_s", "target_us",
                "active_starved", "active_up", "connect_s", "most_held");
    CHECK_TYPES(step, is_number_or_null, "a number or null", "open_rate", "p99_us", "memory_kib",
                "memory_per_connection_bytes", "kernel_tcp_kib");
    CHECK_TYPES(step, is_object, "an object", "evidence");
    json_t *ev = json_object_get(step, "evidence");
    CHECK_TYPES(ev, is_number, "a number", "rejected", "fds_max_one_process", "fds_total",
                "nofile_soft", "nofile_hard", "tasks_machine_peak", "pid_max", "threads_max",
                "server_tasks_peak", "mem_available_kib_before", "mem_available_kib_lowest",
                "idle_requested", "idle_established", "idle_open_at_end", "idle_attempts");
    CHECK_TYPES(ev, is_number_or_null, "a number or null", "nproc", "listen_overflows",
                "listen_drops");
    CHECK_TYPES(ev, is_object, "an object", "rejected_for", "setup_errors");
    CHECK(json_is_boolean(json_object_get(ev, "loadgen_saturated")) &&
              json_is_array(json_object_get(ev, "loadgen_warnings")) &&
              json_is_boolean(json_object_get(ev, "idle_settle_capped")),
          "no loadgen_saturated, loadgen_warnings or idle_settle_capped in the evidence");
    const char *by = str(ev, "held_counted_by");
    CHECK(strcmp(by, "server") == 0 || strcmp(by, "loadgen") == 0, "held_counted_by %s", by);
    /* The time to open is loadgen's connects and the server's taking them in, not bench's
     * confirming readings (three, 100 ms apart) after it. */
    CHECK(num(step, "open_s") >= num(step, "connect_s"), "open_s %g under connect_s %g",
          num(step, "open_s"), num(step, "connect_s"));
    const char *role = str(ev, "fds_max_role");
    CHECK(strcmp(role, "main") == 0 || strcmp(role, "child") == 0, "fds_max_role %s", role);
    CHECK(json_is_string(json_object_get(ev, "status")) &&
              json_is_string(json_object_get(ev, "detail")),
          "no status or detail in the evidence");
    CHECK(num(ev, "idle_requested") + 16 == num(step, "requested"), "requested %g for %g idle",
          num(step, "requested"), num(ev, "idle_requested"));
    /* The memory estimate's figures: the allowance, the kernel's own memory's rise. */
    CHECK(num(step, "machine_memory_allowance_kib") == 65536 &&
              json_is_number(json_object_get(step, "kernel_memory_kib")) &&
              json_is_number(json_object_get(step, "machine_memory_kib")),
          "machine_memory_allowance_kib %g, kernel_memory_kib or machine_memory_kib",
          num(step, "machine_memory_allowance_kib"));
}

/* A step's trial has every reading of the evidence (docs/bench.md), null where it was not
 * read; the machine's MemAvailable before and at the primed reading are always read. */
static void check_trial_limits(json_t *lim)
{
    static const char *const keys[] = {"fds_max_one_process",
                                       "fds_max_role",
                                       "fds_total",
                                       "nofile_soft",
                                       "nofile_hard",
                                       "nproc",
                                       "tasks_machine_peak",
                                       "mem_available_kib_before",
                                       "mem_available_kib_lowest",
                                       "mem_available_kib_primed",
                                       "listen_overflows",
                                       "listen_drops",
                                       "tcp_mem_kib_before",
                                       "tcp_mem_kib_peak",
                                       "cgroup_pids_max",
                                       "cgroup_pids_peak",
                                       "cgroup_pids_events_max",
                                       "uid_tasks_peak",
                                       "kernel_mem_kib_before",
                                       "kernel_mem_kib_primed"};
    CHECK(json_object_size(lim) == sizeof(keys) / sizeof(keys[0]), "%zu readings in limits",
          json_object_size(lim));
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        CHECK(json_object_get(lim, keys[i]), "limits.%s missing", keys[i]);
    CHECK(num(lim, "mem_available_kib_before") > 0 && num(lim, "mem_available_kib_primed") > 0 &&
              num(lim, "kernel_mem_kib_before") > 0 && num(lim, "kernel_mem_kib_primed") > 0,
          "MemAvailable and the kernel's memory, before and primed");
}

/* The scenario's own fields (docs/bench.md). */
static void check_scenario_fields(json_t *sc)
{
    json_t *t = json_object_get(sc, "target"), *lim = json_object_get(sc, "limits");
    CHECK(num(t, "percentile") == 99 && num(t, "bound_us") == 100000 &&
              strcmp(str(t, "text"), "p99=100ms") == 0 && strcmp(str(t, "source"), "default") == 0,
          "the default target");
    static const char *const limits[] = {"nofile_soft",       "nofile_hard", "nr_open",
                                         "pid_max",           "threads_max", "mem_total_kib",
                                         "mem_available_kib", "somaxconn"};
    for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++)
        CHECK(num(lim, limits[i]) > 0, "limits.%s", limits[i]);
    json_t *range = json_object_get(lim, "port_range");
    CHECK(json_array_size(range) == 2 && num(sc, "budget_s") == 300 && num(sc, "step_cap_s") == 60,
          "port_range, budget_s or step_cap_s");
    CHECK(json_is_boolean(json_object_get(lim, "root")), "limits.root");
    CHECK(num(sc, "spent_s") > 0, "spent_s");
}

/* select holds 200 and breaks at 1,100 on FD_SETSIZE; epoll holds both (its top); every
 * model runs a step before any runs the next. */
static void case_capacity_select_epoll(void)
{
    setup((const char *[]){"select", "epoll", NULL});
    json_t *sc, *root = run_capacity("select,epoll", "200,1100", NULL, &sc);
    check_scenario_fields(sc);
    json_t *steps = json_object_get(sc, "steps");
    CHECK(json_array_size(steps) == 2 && json_integer_value(json_array_get(steps, 0)) == 200 &&
              json_integer_value(json_array_get(steps, 1)) == 1100,
          "steps");
    /* Step-major: both 200s, then both 1100s. */
    json_t *pts = json_object_get(sc, "points");
    CHECK(json_array_size(pts) == 4, "%zu records", json_array_size(pts));
    for (size_t i = 0; i < 4; i++) {
        json_t *p = json_array_get(pts, i);
        CHECK(strcmp(str(p, "label"), i < 2 ? "200" : "1100") == 0, "record %zu at %s", i,
              str(p, "label"));
        CHECK(json_array_size(json_object_get(p, "trials")) == 1, "one trial a step");
        check_step_fields(json_object_get(p, "capacity"));
        check_trial_limits(
            json_object_get(json_array_get(json_object_get(p, "trials"), 0), "limits"));
    }
    json_t *s200 = step_of(sc, "select", "200"), *s1100 = step_of(sc, "select", "1100");
    CHECK(strcmp(str(s200, "verdict"), "held") == 0, "select at 200: %s", str(s200, "why"));
    CHECK(num(s200, "held") == 216 && num(s200, "agents") == 1, "select held %g with %g agents",
          num(s200, "held"), num(s200, "agents"));
    check_failed(s1100, "fd_setsize");
    CHECK(num(json_object_get(json_object_get(s1100, "evidence"), "rejected_for"), "fd_setsize") >
              0,
          "no fd_setsize rejections");
    json_t *sel = model_of(sc, "select");
    CHECK(strcmp(str(sel, "verdict"), "broke") == 0 && num(sel, "held") == 216 &&
              strcmp(str(sel, "held_step"), "200") == 0 &&
              strcmp(str(sel, "failed_step"), "1100") == 0 &&
              strcmp(str(sel, "cause"), "fd_setsize") == 0,
          "select's verdict: %s", str(sel, "why"));
    CHECK(num(sel, "memory_per_connection_bytes") > 0 && num(sel, "open_s") > 0,
          "select's figures at 200");
    json_t *ep = model_of(sc, "epoll");
    CHECK(strcmp(str(ep, "verdict"), "top") == 0 && num(ep, "held") == 1116 &&
              json_is_null(json_object_get(ep, "cause")) && strstr(str(ep, "why"), "1100"),
          "epoll's verdict %s: %s", str(ep, "verdict"), str(ep, "why"));
    json_t *e1100 = step_of(sc, "epoll", "1100");
    CHECK(strcmp(str(e1100, "verdict"), "held") == 0, "epoll at 1100");
    /* epoll takes them in as they connect: no settling to count, only its connects. */
    CHECK(num(e1100, "open_s") < 0.25,
          "epoll's open_s %g at 1100: the confirming readings "
          "counted?",
          num(e1100, "open_s"));
    CHECK(json_is_false(json_object_get(ep, "predicted")) && num(ep, "most_held") >= 1116 &&
              num(sel, "most_held") >= 216,
          "predicted or most_held in models");
    json_decref(root);
    teardown();
}

/* bench's hard RLIMIT_NOFILE at 700: epoll's table fills at 1,100 (the main process,
 * 700), while the load side, three agents, carries the connections past 700. */
static void case_capacity_nofile(void)
{
    setup((const char *[]){"epoll", NULL});
    copy_exe(ECHOBENCH_BIN_DIR "/echobench-remote", "echobench-remote");
    struct rlimit lim = {700, 700};
    CHECK(setrlimit(RLIMIT_NOFILE, &lim) == 0, "setrlimit: %s", strerror(errno));
    /* The subject is the descriptor table, not latency: a loose target keeps a loaded
     * machine (sanitizers, parallel tests) from failing the first step on p99. */
    const char *slo[] = {"--slo", "p99=2s", NULL};
    json_t *sc, *root = run_capacity("epoll", "200,1100", slo, &sc);
    CHECK(num(json_object_get(sc, "limits"), "nofile_hard") == 700, "bench's hard limit");
    json_t *s200 = step_of(sc, "epoll", "200"), *s1100 = step_of(sc, "epoll", "1100");
    CHECK(strcmp(str(s200, "verdict"), "held") == 0 && num(s200, "agents") == 1, "epoll at 200: %s",
          str(s200, "why"));
    check_failed(s1100, "rlimit_nofile");
    /* ceil(1116 / (700 - 256)) */
    CHECK(num(s1100, "agents") == 3, "%g agents at 1100", num(s1100, "agents"));
    const char *why = str(s1100, "why");
    CHECK(strstr(why, "main process") && strstr(why, "700"), "why: %s", why);
    json_t *ev = json_object_get(s1100, "evidence");
    CHECK(num(ev, "nofile_soft") == 700 && strcmp(str(ev, "fds_max_role"), "main") == 0 &&
              num(ev, "fds_max_one_process") >= 700 - 8,
          "the main process's table: %g of %g", num(ev, "fds_max_one_process"),
          num(ev, "nofile_soft"));
    CHECK(num(ev, "idle_established") > 700, "the load side opened %g idle connections",
          num(ev, "idle_established"));
    json_t *m = model_of(sc, "epoll");
    CHECK(strcmp(str(m, "verdict"), "broke") == 0 && strcmp(str(m, "cause"), "rlimit_nofile") == 0,
          "epoll's verdict");
    json_decref(root);
    teardown();
}

/* echo-iterative serves its first idle client, forever: its first step fails on latency,
 * and it holds none. */
static void case_capacity_iterative(void)
{
    setup((const char *[]){"iterative", NULL});
    json_t *sc, *root = run_capacity("iterative", "100,200", NULL, &sc);
    check_failed(step_of(sc, "iterative", "100"), "latency");
    json_t *m = model_of(sc, "iterative");
    CHECK(strcmp(str(m, "verdict"), "broke") == 0 && json_is_null(json_object_get(m, "held")) &&
              json_is_null(json_object_get(m, "held_step")) &&
              strcmp(str(m, "failed_step"), "100") == 0,
          "iterative's verdict: %s", str(m, "why"));
    CHECK(json_array_size(json_object_get(sc, "points")) == 1, "its ramp went on past 100");
    json_decref(root);
    teardown();
}

/* A server that dies at its first step is recorded as crashed; the other model ramps on. */
static void case_capacity_crash(void)
{
    setup((const char *[]){"epoll", "select=" ECHOBENCH_TEST_DIR "/crash_server", NULL});
    const char *slo[] = {"--slo", "p99=2s", NULL}; /* the subject is the crash, not p99 */
    json_t *sc, *root = run_capacity("epoll,select", "100,200", slo, &sc);
    json_t *step = step_of(sc, "select", "100");
    check_failed(step, "crashed");
    CHECK(strstr(str(step, "why"), "signal 6"), "why: %s", str(step, "why"));
    CHECK(strcmp(str(model_of(sc, "select"), "verdict"), "broke") == 0, "the crashed model");
    CHECK(strcmp(str(model_of(sc, "epoll"), "verdict"), "top") == 0 &&
              strcmp(str(step_of(sc, "epoll", "200"), "verdict"), "held") == 0,
          "epoll's ramp did not go on");
    json_decref(root);
    teardown();
}

/* A server that never accepts: its accept queue of 16 full, the kernel drops the rest of
 * the connects, and loadgen cannot open its active connections: the listen queue's
 * overflow, the server's limit, not loadgen's failure. */
static void case_capacity_listen(void)
{
    setup((const char *[]){"select=" ECHOBENCH_TEST_DIR "/never_accept_server", NULL});
    const char *extra[] = {"--capacity-budget", "3s", NULL};
    json_t *sc, *root = run_capacity("select", "100", extra, &sc);
    json_t *step = step_of(sc, "select", "100");
    check_failed(step, "listen_overflow");
    CHECK(strstr(str(step, "why"), "listen queue overflowed"), "why: %s", str(step, "why"));
    CHECK(num(json_object_get(step, "evidence"), "listen_overflows") > 0, "no overflows counted");
    json_decref(root);
    teardown();
}

/* MemAvailable in KiB, or -1. */
static long mem_available_kib(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    long kib = -1;
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "MemAvailable: %ld kB", &kib) == 1)
            break;
    if (f)
        fclose(f);
    return kib;
}

/* A step past available memory is skipped, with the numbers, not run: echo-process's
 * tens of KiB a connection at 100 make a million connections (with the margin of 1.5)
 * tens of GiB. The budget keeps a machine with that much memory from running it. */
static void case_capacity_memory(void)
{
    if (mem_available_kib() > 40L * 1024 * 1024) {
        fprintf(stderr, "skipped: over 40 GiB available, a million echo-process connections "
                        "may fit\n");
        exit(TEST_SKIP);
    }
    setup((const char *[]){"process", NULL});
    const char *extra[] = {"--capacity-budget", "6s", NULL};
    json_t *sc, *root = run_capacity("process", "100,1000000", extra, &sc);
    CHECK(strcmp(str(step_of(sc, "process", "100"), "verdict"), "held") == 0, "process at 100");
    json_t *step = step_of(sc, "process", "1000000");
    CHECK(strcmp(str(step, "verdict"), "skipped") == 0 && strstr(str(step, "why"), "available"),
          "at 1000000: %s: %s", str(step, "verdict"), str(step, "why"));
    json_t *m = model_of(sc, "process");
    CHECK(strcmp(str(m, "verdict"), "skipped") == 0 && strcmp(str(m, "held_step"), "100") == 0,
          "process's verdict %s", str(m, "verdict"));
    json_decref(root);
    teardown();
}

/* A budget too small for the second step: both models stopped there as capped, with the
 * budget in the why, and no run for it. The first step's estimates (warmup, window and a
 * second, and 1,000 at 2,000 a second: 1.8 s each) fit in 4 s; the second's, its fixed
 * part and twice the 1.33 s cap to open 50,000 at the rate 1,000 opened at (3.4 s), do not
 * fit in what is left (1.9 s). The steps are 1,000 and 50,000, not 100 and 200,000: the
 * memory estimate multiplies what the machine gave a step by the next step's connections
 * over its own, and what other tests take of the machine meanwhile (here it would take
 * a fall of MemAvailable past 380 MiB in the first step) must not skip the step first. */
static void case_capacity_budget(void)
{
    setup((const char *[]){"epoll", "select", NULL});
    const char *extra[] = {"--capacity-budget", "4s", NULL};
    json_t *sc, *root = run_capacity("epoll,select", "1000,50000", extra, &sc);
    CHECK(num(sc, "budget_s") == 4 && fabs(num(sc, "step_cap_s") - 4.0 / 3) < 1e-6,
          "budget_s or step_cap_s");
    for (int i = 0; i < 2; i++) {
        const char *model = i ? "select" : "epoll";
        CHECK(strcmp(str(step_of(sc, model, "1000"), "verdict"), "held") == 0, "%s at 1000", model);
        json_t *step = step_of(sc, model, "50000");
        CHECK(strcmp(str(step, "verdict"), "capped") == 0 && strstr(str(step, "why"), "budget"),
              "%s at 50000: %s", model, str(step, "why"));
        json_t *m = model_of(sc, model);
        CHECK(strcmp(str(m, "verdict"), "capped") == 0 && strcmp(str(m, "held_step"), "1000") == 0,
              "%s: %s", model, str(m, "verdict"));
    }
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(sc, "points"), i, p)
    {
        if (strcmp(str(p, "label"), "50000") == 0)
            CHECK(json_array_size(json_object_get(p, "trials")) == 0, "a capped step ran");
    }
    json_decref(root);
    teardown();
}

/* --quick: the steps 1,000 and 2,000, the minute's budget and its 20 s cap. */
static void case_capacity_quick(void)
{
    setup((const char *[]){"epoll", NULL});
    const char *extra[] = {"--quick", NULL};
    json_t *sc, *root = run_capacity("epoll", NULL, extra, &sc);
    json_t *steps = json_object_get(sc, "steps");
    CHECK(json_array_size(steps) == 2 && json_integer_value(json_array_get(steps, 0)) == 1000 &&
              json_integer_value(json_array_get(steps, 1)) == 2000,
          "quick's steps");
    CHECK(num(sc, "budget_s") == 60 && num(sc, "step_cap_s") == 20, "quick's budget and cap");
    CHECK(strcmp(str(step_of(sc, "epoll", "2000"), "verdict"), "held") == 0, "epoll at 2000");
    json_decref(root);
    teardown();
}

/* With --slo, its first p99 is the target (a p99.9 given before it is not): at 1 us no
 * step is held, on latency. */
static void case_capacity_slo(void)
{
    setup((const char *[]){"epoll", NULL});
    const char *extra[] = {"--slo", "p99.9=10ms", "--slo", "p99=1us", NULL};
    json_t *sc, *root = run_capacity("epoll", "100", extra, &sc);
    json_t *t = json_object_get(sc, "target");
    CHECK(strcmp(str(t, "text"), "p99=1us") == 0 && strcmp(str(t, "source"), "slo") == 0 &&
              num(t, "bound_us") == 1,
          "the target %s from %s", str(t, "text"), str(t, "source"));
    json_t *step = step_of(sc, "epoll", "100");
    /* Past the target only on latency: latency, or loadgen when it was saturated (it may
     * have set the pace). */
    bool sat =
        json_is_true(json_object_get(json_object_get(step, "evidence"), "loadgen_saturated"));
    check_failed(step, sat ? "loadgen" : "latency");
    CHECK(!sat || strstr(str(step, "why"), "the load side may have set the pace"), "why: %s",
          str(step, "why"));
    CHECK(num(step, "target_us") == 1 && strstr(str(step, "why"), "p99=1us"), "why: %s",
          str(step, "why"));
    json_decref(root);
    teardown();
}

/* A step past kernel.pid_max for echo-process (a task a connection) is predicted, not
 * run: exhausting pid_max would stop every fork on the machine. From its step of 100
 * held, a step of pid_max connections cannot fit. */
static void case_capacity_pid_max(void)
{
    FILE *f = fopen("/proc/sys/kernel/pid_max", "r");
    long pid_max = -1;
    if (f) {
        if (fscanf(f, "%ld", &pid_max) != 1)
            pid_max = -1;
        fclose(f);
    }
    /* Past that, the memory estimate (tens of KiB a connection) may skip the step first. */
    if (pid_max <= 0 || pid_max > 100000 || mem_available_kib() < pid_max * 40L * 3 / 2) {
        fprintf(stderr,
                "skipped: pid_max %ld: over 100,000, or %ld KiB available is too little "
                "to pass the memory estimate\n",
                pid_max, mem_available_kib());
        exit(TEST_SKIP);
    }
    char steps[64];
    snprintf(steps, sizeof(steps), "100,%ld", pid_max);
    setup((const char *[]){"process", NULL});
    json_t *sc, *root = run_capacity("process", steps, NULL, &sc);
    CHECK(strcmp(str(step_of(sc, "process", "100"), "verdict"), "held") == 0, "process at 100");
    json_t *step = step_of(sc, "process", steps + 4);
    CHECK(strcmp(str(step, "verdict"), "predicted") == 0 &&
              strcmp(str(step, "cause"), "pid_max") == 0 &&
              strstr(str(step, "why"), "stops every fork on the machine"),
          "at %s: %s: %s", steps + 4, str(step, "verdict"), str(step, "why"));
    json_t *m = model_of(sc, "process");
    CHECK(strcmp(str(m, "verdict"), "broke") == 0 && strcmp(str(m, "cause"), "pid_max") == 0 &&
              json_is_true(json_object_get(m, "predicted")) &&
              strcmp(str(m, "failed_step"), steps + 4) == 0 &&
              strcmp(str(m, "held_step"), "100") == 0,
          "process's verdict %s: %s", str(m, "verdict"), str(m, "why"));
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(sc, "points"), i, p)
    {
        if (strcmp(str(p, "label"), steps + 4) == 0)
            CHECK(json_array_size(json_object_get(p, "trials")) == 0, "a predicted step ran");
    }
    json_decref(root);
    teardown();
}

static void case_capacity_points_refused(void)
{
    static const struct refusal bad[] = {
        {{"--scenarios", "capacity", "--points", "capacity=bad", NULL}, "capacity= takes"},
        {{"--scenarios", "capacity", "--points", "capacity=0,1000", NULL}, "capacity= takes"},
        {{"--scenarios", "capacity", "--points", "capacity=2000000", NULL}, "capacity= takes"},
        {{"--scenarios", "capacity", "--capacity-budget", "soon", NULL}, "--capacity-budget"},
    };
    setup((const char *[]){"epoll", NULL});
    refused(bad, sizeof(bad) / sizeof(bad[0]));
    teardown();
}

TEST_CASES({"capacity_select_epoll", case_capacity_select_epoll},
           {"capacity_nofile", case_capacity_nofile},
           {"capacity_iterative", case_capacity_iterative}, {"capacity_crash", case_capacity_crash},
           {"capacity_listen", case_capacity_listen}, {"capacity_memory", case_capacity_memory},
           {"capacity_budget", case_capacity_budget}, {"capacity_slo", case_capacity_slo},
           {"capacity_quick", case_capacity_quick}, {"capacity_pid_max", case_capacity_pid_max},
           {"capacity_points_refused", case_capacity_points_refused});

TEST_MAIN()
