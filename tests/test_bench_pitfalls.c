/* Tests of bench's pitfalls scenario (bench/pitfalls.c), one case per ctest entry:
 * test_bench_pitfalls CASE. Each pitfall runs beside its correct twin under the same
 * churn of clients and the same limit; what each leaves behind is read from /proc.
 * The cases run bench with 1,100 clients a pair: no-reap's limit leaves room for half of
 * them (550 children), no-close's for half and 32 (582 descriptors), so both fail
 * within the run. */
#include "bench_run.h"
#include "bench.h"

#include <math.h>
#include <stdlib.h>

#define CLIENTS 1100

static double num(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    CHECK(json_is_number(v), "no number %s", key);
    return json_number_value(v);
}

static json_t *pair_of(json_t *sc, const char *pitfall)
{
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(sc, "pairs"), i, p)
    {
        if (strcmp(str(p, "pitfall"), pitfall) == 0)
            return p;
    }
    CHECK(0, "no pair %s", pitfall);
}

/* What every run must hold: it ran ok, every client made and counted once, the samples
 * in order with every reading, the last one at the last client. */
static json_t *checked_run(json_t *pair, const char *which)
{
    json_t *run = json_object_get(pair, which);
    const char *pitfall = str(pair, "pitfall");
    static const char *keys[] = {"clients", "t_s", "served",  "misserved", "zombies", "processes",
                                 "threads", "fds", "rss_kib", "vm_kib",    "maps"};
    CHECK(json_is_object(run), "%s: no %s", pitfall, which);
    CHECK(strcmp(str(run, "status"), "ok") == 0, "%s %s: %s: %s", pitfall, which,
          str(run, "status"), str(run, "detail"));
    double clients = num(run, "clients");
    CHECK(clients == num(pair, "clients"), "%s %s: %g clients of %g", pitfall, which, clients,
          num(pair, "clients"));
    CHECK(num(run, "served") + num(run, "unserved") + num(run, "ended") + num(run, "wrong") +
                      num(run, "not_connected") ==
                  clients &&
              num(run, "late") <= num(run, "served") &&
              num(run, "misserved") == clients - num(run, "served"),
          "%s %s: the outcomes do not add up to the clients", pitfall, which);
    /* Every client got a connection: the source addresses go round, so this side never
     * runs out of ports. */
    CHECK(num(run, "not_connected") == 0 &&
              json_object_size(json_object_get(run, "connect_errors")) == 0,
          "%s %s: %g clients not connected", pitfall, which, num(run, "not_connected"));
    json_t *samples = json_object_get(run, "samples"), *s;
    size_t i;
    double last = 0;
    CHECK(json_array_size(samples) >= 10, "%s %s: %zu samples", pitfall, which,
          json_array_size(samples));
    json_array_foreach(samples, i, s)
    {
        for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
            CHECK(json_is_number(json_object_get(s, keys[k])), "%s %s: sample %zu lacks %s",
                  pitfall, which, i, keys[k]);
        CHECK(num(s, "clients") > last, "%s %s: samples out of order", pitfall, which);
        last = num(s, "clients");
    }
    CHECK(last == clients, "%s %s: the last sample is at %g of %g", pitfall, which, last, clients);
    CHECK(json_is_object(json_object_get(run, "baseline")) &&
              json_is_object(json_object_get(run, "final")),
          "%s %s: no baseline or final", pitfall, which);
    json_t *first = json_object_get(run, "first_failure");
    if (num(run, "served") == clients)
        CHECK(json_is_null(first), "%s %s: a first failure with every client served", pitfall,
              which);
    else
        CHECK(json_is_object(first) && num(first, "client") >= 1 && num(first, "t_s") >= 0,
              "%s %s: no first failure with %g unserved", pitfall, which,
              clients - num(run, "served"));
    return run;
}

static double at(json_t *run, const char *when, const char *key)
{
    return num(json_object_get(run, when), key);
}

/* The correct twin: every client served, nothing left behind; and it ran under the
 * pitfall's limits and user. */
static void check_correct(json_t *pair)
{
    json_t *run = checked_run(pair, "correct_run");
    const char *pitfall = str(pair, "pitfall");
    json_t *mine = json_object_get(run, "limits");
    json_t *its = json_object_get(json_object_get(pair, "pitfall_run"), "limits");
    CHECK(json_is_object(mine) && json_equal(mine, its), "%s: the twins ran under other limits",
          pitfall);
    CHECK(num(run, "served") == CLIENTS, "%s correct: %g of %d served", pitfall, num(run, "served"),
          CLIENTS);
    CHECK(at(run, "final", "zombies") == 0, "%s correct: %g zombies", pitfall,
          at(run, "final", "zombies"));
    CHECK(at(run, "final", "fds") == at(run, "baseline", "fds"),
          "%s correct: %g descriptors after, %g before", pitfall, at(run, "final", "fds"),
          at(run, "baseline", "fds"));
    CHECK(at(run, "final", "processes") == 1, "%s correct: %g processes left", pitfall,
          at(run, "final", "processes"));
}

static json_t *run_scenario(const char *models)
{
    const char *args[] = {"--scenarios", "pitfalls",      "--models", models,
                          "--points",    "pitfalls=1100", NULL};
    struct run r;
    run_bench(&r, args, 0, 0);
    CHECK(r.status == 0, "bench exited %d:\n%s", r.status, r.err);
    json_t *root = latest();
    json_t *sc = scenario(root, "pitfalls");
    CHECK(strcmp(str(sc, "status"), "done") == 0, "status %s", str(sc, "status"));
    CHECK(json_array_size(json_object_get(sc, "points")) == 0, "the scenario has points");
    CHECK(num(json_object_get(sc, "settings"), "wave") > 0, "no settings");
    return root;
}

/* no-reap: a zombie per client served, until the process limit stops every fork;
 * no-close: a descriptor per client served, until RLIMIT_NOFILE stops every accept. */
static void case_pitfalls_process(void)
{
    setup((const char *[]){"process", NULL});
    /* A descriptor bench inherits (as from a shell) must not reach the servers. */
    int stray = open("/dev/null", O_RDONLY);
    CHECK(stray >= 0);
    json_t *root = run_scenario("process");
    close(stray);
    json_t *sc = scenario(root, "pitfalls");
    CHECK(json_array_size(json_object_get(sc, "pairs")) == 2, "not the two pairs of process");

    json_t *reap = pair_of(sc, "no-reap");
    CHECK(strcmp(str(reap, "resource"), "zombies") == 0, "no-reap's resource");
    json_t *run = checked_run(reap, "pitfall_run");
    double served = num(run, "served");
    CHECK(at(run, "final", "zombies") == served, "%g zombies after %g clients served",
          at(run, "final", "zombies"), served);
    if (json_is_object(json_object_get(reap, "limit"))) {
        json_t *first = json_object_get(run, "first_failure");
        CHECK(json_is_object(first) && strcmp(str(first, "outcome"), "ended") == 0 &&
                  num(first, "client") == served + 1,
              "no client refused once fork failed, or not right after the last served");
        CHECK(num(run, "ended") == CLIENTS - served, "%g refused", num(run, "ended"));
        if (geteuid() == 0) {
            /* A uid of its own: the room (550 children) is exactly what it serves. */
            double uid = num(json_object_get(run, "limits"), "uid");
            CHECK(uid >= 61000, "the pair ran as uid %g", uid);
            CHECK(served == CLIENTS / 2, "%g served with room for %d children", served,
                  CLIENTS / 2);
            CHECK(!json_object_get(reap, "limit_warning"), "%s", str(reap, "limit_warning"));
        } else {
            /* The user's other tasks count too: about the room. */
            CHECK(served >= CLIENTS / 4 && served <= CLIENTS / 2 + 16,
                  "%g served under the process limit", served);
        }
        CHECK(num(json_object_get(run, "server_stats"), "rejected") == num(run, "ended"),
              "the server rejected %g, the clients saw %g ended",
              num(json_object_get(run, "server_stats"), "rejected"), num(run, "ended"));
    } else {
        fprintf(stderr, "no process limit here (%s): the zombies are counted only\n",
                str(reap, "limit_note"));
        CHECK(served == CLIENTS, "%g served without a limit", served);
    }
    check_correct(reap);

    json_t *close_ = pair_of(sc, "no-close");
    double files = CLIENTS / 2 + 32; /* half the clients and 32 */
    CHECK(num(json_object_get(close_, "limit"), "value") == files, "no-close's limit");
    run = checked_run(close_, "pitfall_run");
    served = num(run, "served");
    double base = at(run, "baseline", "fds");
    /* stdin, stdout, stderr, the listener and the reserve: nothing of bench's. */
    CHECK(base == 5, "echo-process started with %g descriptors", base);
    /* The descriptors it started with and one per client served fill the table; every
     * client after that is shed. */
    CHECK(served == files - base, "%g served with %g descriptors at the start", served, base);
    CHECK(at(run, "final", "fds") == files, "%g descriptors after %g served from %g",
          at(run, "final", "fds"), served, base);
    CHECK(num(json_object_get(run, "first_failure"), "client") == served + 1 &&
              num(run, "ended") == CLIENTS - served,
          "the first shed is client %g, %g ended",
          num(json_object_get(run, "first_failure"), "client"), num(run, "ended"));
    check_correct(close_);
    json_decref(root);
    teardown();
}

/* racy-connfd: clients served by no thread; no-detach: a stack mapped per client. */
static void case_pitfalls_thread(void)
{
    setup((const char *[]){"thread", NULL});
    json_t *root = run_scenario("thread");
    json_t *sc = scenario(root, "pitfalls");
    CHECK(json_array_size(json_object_get(sc, "pairs")) == 2, "not the two pairs of thread");

    json_t *racy = pair_of(sc, "racy-connfd");
    json_t *run = checked_run(racy, "pitfall_run");
    /* Of each wave of 16 connected at once within the 2 ms window, one is served. */
    CHECK(num(run, "misserved") >= CLIENTS / 2, "the racy server served %g of %d",
          num(run, "served"), CLIENTS);
    /* A connection its thread never read stays open in the server. */
    CHECK(at(run, "final", "fds") >= at(run, "baseline", "fds") + num(run, "unserved") / 2,
          "%g unserved and %g descriptors left from %g", num(run, "unserved"),
          at(run, "final", "fds"), at(run, "baseline", "fds"));
    check_correct(racy);

    json_t *detach = pair_of(sc, "no-detach");
    run = checked_run(detach, "pitfall_run");
    json_t *ok = checked_run(detach, "correct_run");
    json_t *s0 = json_array_get(json_object_get(run, "samples"), 0);
    json_t *c0 = json_array_get(json_object_get(ok, "samples"), 0);
    double span = CLIENTS - num(s0, "clients");
    /* Two maps (the stack and its guard) and its stack's size a client, over the span
     * from the first sample; the correct code's stacks are reused. */
    double maps = at(run, "final", "maps") - num(s0, "maps");
    double vm = at(run, "final", "vm_kib") - num(s0, "vm_kib");
    CHECK(maps >= 2 * span - 16, "%g maps over %g clients", maps, span);
    CHECK(vm >= 64 * span, "VmSize +%g KiB over %g clients", vm, span);
    double ok_maps = at(ok, "final", "maps") - num(c0, "maps");
    CHECK(ok_maps < span / 10, "the correct code's maps grew %g over %g clients", ok_maps, span);
    CHECK(at(run, "final", "threads") == 1, "%g threads left", at(run, "final", "threads"));
    check_correct(detach);
    json_decref(root);
    teardown();
}

/* Neither model asked: the scenario says why it did not run. */
static void case_pitfalls_not_asked(void)
{
    setup((const char *[]){"epoll", NULL});
    const char *args[] = {"--scenarios", "pitfalls", "--models", "epoll", NULL};
    struct run r;
    run_bench(&r, args, 0, 0);
    CHECK(r.status == 0, "bench exited %d:\n%s", r.status, r.err);
    json_t *root = latest();
    json_t *sc = scenario(root, "pitfalls");
    CHECK(strcmp(str(sc, "status"), "skipped") == 0 && strstr(str(sc, "note"), "--models"),
          "status %s", str(sc, "status"));
    json_decref(root);
    teardown();
}

static void case_pitfalls_points_refused(void)
{
    static const struct refusal bad[] = {
        {{"--scenarios", "pitfalls", "--points", "pitfalls=1000,2000", NULL}, "takes one number"},
        {{"--scenarios", "pitfalls", "--points", "pitfalls=3", NULL}, "pitfalls= takes"},
        {{"--scenarios", "pitfalls", "--points", "pitfalls=many", NULL}, "pitfalls= takes"},
    };
    setup((const char *[]){"process", NULL});
    refused(bad, sizeof(bad) / sizeof(bad[0]));
    teardown();
}

TEST_CASES({"pitfalls_process", case_pitfalls_process}, {"pitfalls_thread", case_pitfalls_thread},
           {"pitfalls_not_asked", case_pitfalls_not_asked},
           {"pitfalls_points_refused", case_pitfalls_points_refused});

TEST_MAIN()
