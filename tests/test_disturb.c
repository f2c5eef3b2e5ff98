/* What disturbed a trial, one case per ctest entry:
 *
 *     test_disturb CASE
 *
 * The reader of /proc/stat's per-CPU lines and the shares made of two readings, on
 * fixture files (fixtures/proc_stat_a.txt, then _b.txt); and bench itself, on a run
 * with a process spinning on the server's CPU, which its trials must say disturbed.
 * A quiet run is only checked for the fields and their rule: on a machine shared with
 * other work, nothing promises that nothing else ran on the server's CPU. */
#include "bench_run.h"
#include "procfs.h"

#include <math.h>
#include <sched.h>
#include <sys/prctl.h>

#ifndef ECHOBENCH_FIXTURES
#error "ECHOBENCH_FIXTURES must be defined"
#endif

static struct proc_cpu_ticks a[PROC_MAX_CPUS], b[PROC_MAX_CPUS];

static bool near(double x, double want)
{
    return fabs(x - want) < 1e-9;
}

/* The CPU lines, and only those: the all-CPU line is skipped, a CPU missing from the
 * file (offline) reads as zeros, an older kernel's four fields leave the rest 0, and a
 * "cpu" line after the others (not in a real file) is not read. */
static void case_proc_stat_parse(void)
{
    CHECK(proc_cpu_ticks_read(ECHOBENCH_FIXTURES "/proc_stat_a.txt", a, PROC_MAX_CPUS) == 4);
    CHECK(a[0].user == 600 && a[0].nice == 10 && a[0].system == 300 && a[0].idle == 4000 &&
          a[0].iowait == 10 && a[0].irq == 2 && a[0].softirq == 25 && a[0].steal == 5);
    CHECK(a[1].user == 400 && a[1].steal == 2 && a[1].softirq == 15);
    CHECK(a[2].user == 0 && a[2].idle == 0, "an absent CPU reads as zeros");
    CHECK(a[3].user == 50 && a[3].system == 25 && a[3].idle == 900 && a[3].steal == 0 &&
          a[3].softirq == 0);
    CHECK(a[7].user == 0, "a cpu line after the interrupt counts was read");
    CHECK(proc_cpu_ticks_read(ECHOBENCH_FIXTURES "/proc_stat_a.txt", a, 2) == 2,
          "CPUs past max are left out");
    CHECK(proc_cpu_ticks_read(ECHOBENCH_FIXTURES "/no_such_file", a, PROC_MAX_CPUS) < 0);
    CHECK(proc_cpu_ticks_read(NULL, a, PROC_MAX_CPUS) >= 1, "this machine's /proc/stat");
}

/* Shares over a set of CPUs, from two readings: user+nice+system less what is known,
 * floored at 0; steal, softirq and irq apart; over window_s times the CPUs. */
static void case_proc_stat_share(void)
{
    struct proc_cpu_share d;
    long hz = sysconf(_SC_CLK_TCK);
    double tick = 1.0 / (double)(hz > 0 ? hz : 100);
    const int cpu0[] = {0}, both[] = {0, 1}, past[] = {5};

    int na = proc_cpu_ticks_read(ECHOBENCH_FIXTURES "/proc_stat_a.txt", a, PROC_MAX_CPUS);
    int nb = proc_cpu_ticks_read(ECHOBENCH_FIXTURES "/proc_stat_b.txt", b, PROC_MAX_CPUS);
    CHECK(na == 4 && nb == 4);
    /* cpu0: 250 ticks busy, 10 of steal, 10 of softirq, none of irq. */
    CHECK(proc_cpu_share(a, b, 4, cpu0, 1, 0.5, 10, PROC_IRQ_TIME, &d) == 0);
    CHECK(near(d.others, (250 * tick - 0.5) / 10) && near(d.steal, 10 * tick / 10) &&
              near(d.softirq, 10 * tick / 10) && d.irq == 0,
          "others %g steal %g softirq %g irq %g", d.others, d.steal, d.softirq, d.irq);
    /* With tick accounting the known time holds the interrupt ticks it took: cpu0's
     * 10 of softirq count as busy, so only what is left over is others'. */
    CHECK(proc_cpu_share(a, b, 4, cpu0, 1, 0.5, 10, PROC_IRQ_TICK, &d) == 0);
    CHECK(near(d.others, (260 * tick - 0.5) / 10) && near(d.softirq, 10 * tick / 10),
          "tick accounting: others %g", d.others);
    CHECK(proc_cpu_share(a, b, 4, cpu0, 1, 260 * tick, 10, PROC_IRQ_TICK, &d) == 0 && d.others == 0,
          "a server that took every busy tick, softirq ones included, leaves none to others");
    /* cpu0 and cpu1: 400 ticks busy over twice the time. */
    CHECK(proc_cpu_share(a, b, 4, both, 2, 1.0, 10, PROC_IRQ_TIME, &d) == 0);
    CHECK(near(d.others, (400 * tick - 1.0) / 20) && near(d.softirq, 20 * tick / 20));
    /* More known than the CPUs were busy (it ran elsewhere too): nothing else ran. */
    CHECK(proc_cpu_share(a, b, 4, cpu0, 1, 1000 * tick, 10, PROC_IRQ_TIME, &d) == 0 &&
          d.others == 0);
    /* No set: every CPU of the readings, 440 ticks over four CPUs. */
    CHECK(proc_cpu_share(a, b, 4, NULL, 0, 0, 10, PROC_IRQ_TIME, &d) == 0 &&
          near(d.others, 440 * tick / 40));
    /* Not measurable: a counter that went back, a CPU not read, no window. */
    CHECK(proc_cpu_share(b, a, 4, cpu0, 1, 0, 10, PROC_IRQ_TIME, &d) < 0);
    CHECK(proc_cpu_share(a, b, 4, past, 1, 0, 10, PROC_IRQ_TIME, &d) < 0);
    CHECK(proc_cpu_share(a, b, 4, cpu0, 1, 0, 0, PROC_IRQ_TIME, &d) < 0);
}

/* The first two CPUs this test may use, or skips the case. */
static void two_cpus(int *server, int *client)
{
    cpu_set_t set;
    int found = 0;
    CHECK(sched_getaffinity(0, sizeof(set), &set) == 0);
    for (int c = 0; c < CPU_SETSIZE && found < 2; c++)
        if (CPU_ISSET(c, &set))
            *(found++ ? client : server) = c;
    if (found < 2) {
        fprintf(stderr, "skipped: the case needs two CPUs\n");
        exit(TEST_SKIP);
    }
}

/* A child that spins on cpu until it is killed, or this test dies. */
static pid_t start_hog(int cpu)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent || sched_setaffinity(0, sizeof(set), &set) < 0)
            _exit(1);
        for (volatile unsigned long spin = 0;; spin++)
            ;
    }
    return pid;
}

/* bench's one concurrency point with the server on scpu and loadgen on ccpu (CPU
 * lists); returns bench.json. */
static json_t *run_point_on(const char *scpu, const char *ccpu)
{
    struct run r;
    const char *args[] = {"--scenarios",
                          "concurrency",
                          "--points",
                          "concurrency=16",
                          "--models",
                          "epoll",
                          "--trials",
                          "2",
                          "--duration",
                          "300ms",
                          "--warmup",
                          "100ms",
                          "--server-cpus",
                          scpu,
                          "--client-cpus",
                          ccpu,
                          NULL};
    run_bench(&r, args, 0, 0);
    CHECK(r.status == 0, "bench exited %d:\n%s", r.status, r.err);
    return latest();
}

/* The same on two CPUs of its own each. */
static json_t *run_point(int server, int client)
{
    char scpu[16], ccpu[16];
    snprintf(scpu, sizeof(scpu), "%d", server);
    snprintf(ccpu, sizeof(ccpu), "%d", client);
    return run_point_on(scpu, ccpu);
}

/* Calls check on every trial of the point that measured, each with its disturbance
 * checked for the fields and the rule; returns how many. */
static int each_trial(json_t *root, void (*check)(json_t *trial, json_t *d))
{
    json_t *points = json_object_get(scenario(root, "concurrency"), "points");
    size_t i, k;
    json_t *point, *t;
    int n = 0;
    json_array_foreach(points, i, point)
    {
        json_array_foreach(json_object_get(point, "trials"), k, t)
        {
            CHECK(strcmp(str(t, "status"), "ok") == 0, "a trial failed: %s", str(t, "detail"));
            json_t *d = json_object_get(t, "disturbance");
            CHECK(json_is_object(d), "a measured trial has no disturbance");
            json_t *s = json_object_get(d, "server_cpus"), *l = json_object_get(d, "loadgen_cpus");
            static const char *keys[] = {"others_share", "steal_share", "softirq_share",
                                         "irq_share"};
            for (int q = 0; q < 4; q++)
                CHECK(json_is_number(json_object_get(s, keys[q])) &&
                          json_is_number(json_object_get(l, keys[q])) &&
                          json_number_value(json_object_get(s, keys[q])) >= 0 &&
                          json_number_value(json_object_get(l, keys[q])) >= 0,
                      "no %s", keys[q]);
            CHECK(json_number_value(json_object_get(d, "window_s")) > 0.3);
            CHECK(json_number_value(json_object_get(d, "bench_cpu_s")) >= 0);
            CHECK(json_number_value(json_object_get(d, "loadgen_cpu_s")) > 0);
            double share = json_number_value(json_object_get(s, "others_share")) +
                           json_number_value(json_object_get(s, "steal_share"));
            /* Over 5%, and over 3 clock ticks: in this 0.4 s window, 7.5% at 100 Hz. */
            double tick = json_number_value(json_object_get(d, "tick_share"));
            double bar = 3 * tick > 0.05 ? 3 * tick : 0.05;
            CHECK(tick > 0 && tick < 0.1, "tick_share %g", tick);
            CHECK(json_is_false(json_object_get(d, "shared_cpus")));
            CHECK(json_is_boolean(json_object_get(t, "disturbed")) &&
                      json_is_true(json_object_get(t, "disturbed")) == (share > bar),
                  "disturbed is not others + steal > %g (%g)", bar, share);
            check(t, d);
            n++;
        }
    }
    return n;
}

static void hogged(json_t *t, json_t *d)
{
    double others =
        json_number_value(json_object_get(json_object_get(d, "server_cpus"), "others_share"));
    fprintf(stderr, "trial %lld: the server's CPUs' others_share %.3f\n",
            (long long)json_integer_value(json_object_get(t, "trial")), others);
    CHECK(json_is_true(json_object_get(t, "disturbed")) && others > 0.2,
          "a spinning process on the server's CPU left others_share at %.3f", others);
}

/* A process spinning on the server's CPU for the whole run: every trial says so. */
static void case_hog_disturbs(void)
{
    int server, client;
    two_cpus(&server, &client);
    const char *servers[] = {"epoll", "floor", NULL};
    setup(servers);
    pid_t hog = start_hog(server);
    json_t *root = run_point(server, client);
    kill(hog, SIGKILL);
    waitpid(hog, NULL, 0);
    CHECK(each_trial(root, hogged) >= 2);
    json_decref(root);
    teardown();
}

static void quiet(json_t *t, json_t *d)
{
    fprintf(stderr, "trial %lld: the server's CPUs' others_share %.3f\n",
            (long long)json_integer_value(json_object_get(t, "trial")),
            json_number_value(json_object_get(json_object_get(d, "server_cpus"), "others_share")));
}

/* A run with nothing of its own beside it: the fields and the rule (what else ran on a
 * shared machine is not this test's to promise). */
static void case_quiet_fields(void)
{
    int server, client;
    two_cpus(&server, &client);
    const char *servers[] = {"epoll", "floor", NULL};
    setup(servers);
    json_t *root = run_point(server, client);
    CHECK(each_trial(root, quiet) >= 2);
    const char *acct = str(json_object_get(root, "env"), "irq_accounting");
    CHECK(strcmp(acct, "tick") == 0 || strcmp(acct, "irq_time") == 0 ||
              strcmp(acct, "unknown") == 0,
          "env.irq_accounting is '%s'", acct);
    json_decref(root);
    teardown();
}

/* The server's CPU shared with loadgen's: loadgen's time there cannot be told from
 * another process's, so the figures are said but no trial is judged. */
static void case_shared_cpus(void)
{
    int server, client;
    two_cpus(&server, &client);
    const char *servers[] = {"epoll", "floor", NULL};
    setup(servers);
    char scpu[16], ccpu[32];
    snprintf(scpu, sizeof(scpu), "%d", server);
    snprintf(ccpu, sizeof(ccpu), "%d,%d", server, client);
    json_t *root = run_point_on(scpu, ccpu);
    json_t *points = json_object_get(scenario(root, "concurrency"), "points");
    size_t i, k;
    json_t *point, *t;
    int n = 0;
    json_array_foreach(points, i, point) json_array_foreach(json_object_get(point, "trials"), k, t)
    {
        json_t *d = json_object_get(t, "disturbance");
        CHECK(json_is_object(d) && json_is_true(json_object_get(d, "shared_cpus")));
        CHECK(json_is_null(json_object_get(t, "disturbed")), "a shared CPU was judged");
        n++;
    }
    CHECK(n >= 4, "%d trials", n);
    json_decref(root);
    teardown();
}

TEST_CASES({"proc_stat_parse", case_proc_stat_parse}, {"proc_stat_share", case_proc_stat_share},
           {"hog_disturbs", case_hog_disturbs}, {"quiet_fields", case_quiet_fields},
           {"shared_cpus", case_shared_cpus});

TEST_MAIN()
