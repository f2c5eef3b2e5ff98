/* Tests of the suite's floor and its adaptive trials (bench/suite.c), one case per
 * ctest entry: test_bench_floor CASE. echo-floor, the machine's reference, runs beside
 * the models in every round of the concurrency and load scenarios, and each model point
 * is read against it (vs_floor); past the base trials the planner adds rounds for the
 * models whose throughput's median interval is still too wide, up to --max-trials and
 * within --budget. The rule itself is unit-tested in test_stats.c. */
#include "bench_run.h"
#include "bench.h"

#include <math.h>
#include <stdlib.h>

static double num(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    CHECK(json_is_number(v), "no number %s", key);
    return json_number_value(v);
}

/* The point of scenario sc for model at label, or NULL. */
static json_t *point_of(json_t *sc, const char *model, const char *label)
{
    size_t i;
    json_t *pt;
    json_array_foreach(json_object_get(sc, "points"), i, pt)
    {
        if (strcmp(str(pt, "model"), model) == 0 && strcmp(str(pt, "label"), label) == 0)
            return pt;
    }
    return NULL;
}

/* The trial numbers of a point, as a bit set (trial k: bit k). */
static unsigned trial_set(json_t *pt)
{
    unsigned set = 0;
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(pt, "trials"), i, t) set |= 1u << (unsigned)num(t, "trial");
    return set;
}

/* The trial of a point numbered k. */
static json_t *trial_of(json_t *pt, unsigned k)
{
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(pt, "trials"), i, t)
    {
        if (num(t, "trial") == k)
            return t;
    }
    CHECK(0, "no trial %u", k);
}

/* A metric summary of vs_floor: a median and its interval, over n rounds. */
static void check_ratio(json_t *vs, const char *metric, unsigned rounds)
{
    json_t *m = json_object_get(vs, metric);
    CHECK(json_is_object(m), "vs_floor.%s is not a summary", metric);
    CHECK(num(m, "median") > 0, "vs_floor.%s median %g", metric, num(m, "median"));
    CHECK(num(m, "n") == rounds, "vs_floor.%s over %g rounds, not %u", metric, num(m, "n"), rounds);
    json_t *ci = json_object_get(m, "ci");
    CHECK(json_array_size(ci) == 2 &&
              json_number_value(json_array_get(ci, 0)) <= num(m, "median") &&
              num(m, "median") <= json_number_value(json_array_get(ci, 1)),
          "vs_floor.%s: the median outside its interval", metric);
    CHECK(json_is_number(json_object_get(m, "ci_level")));
}

/* Checks the floor at every label of a scenario: a reference point, not a model, with
 * a trial in each round in which a model ran, numbered as the models' are, and run
 * within that round (seq between the round's first and last run). Each model point has
 * vs_floor over the rounds it shares with the floor. */
static void check_floor_points(json_t *sc, const char *const *labels, size_t nlabels,
                               const char *const *models, size_t nmodels, unsigned trials)
{
    for (size_t k = 0; k < nlabels; k++) {
        json_t *fl = point_of(sc, "floor", labels[k]);
        CHECK(fl, "%s at %s: no floor point", str(sc, "name"), labels[k]);
        CHECK(json_is_true(json_object_get(fl, "reference")));
        CHECK(strcmp(str(fl, "status"), "ok") == 0, "the floor at %s: %s", labels[k],
              str(fl, "status"));
        CHECK(json_is_null(json_object_get(fl, "vs_floor")) || !json_object_get(fl, "vs_floor"));
        num(fl, "disturbed_trials");
        unsigned want = 0;
        for (size_t m = 0; m < nmodels; m++) {
            json_t *pt = point_of(sc, models[m], labels[k]);
            CHECK(pt, "%s at %s: no point", models[m], labels[k]);
            CHECK(!json_object_get(pt, "reference"), "a model point is marked a reference");
            num(pt, "disturbed_trials");
            want |= trial_set(pt);
            CHECK(trial_set(pt) == trial_set(fl), "%s at %s: trials %#x, the floor's %#x",
                  models[m], labels[k], trial_set(pt), trial_set(fl));
            json_t *vs = json_object_get(pt, "vs_floor");
            CHECK(json_is_object(vs), "%s at %s: no vs_floor", models[m], labels[k]);
            CHECK(num(vs, "rounds") == trials, "%s at %s: %g rounds paired", models[m], labels[k],
                  num(vs, "rounds"));
            check_ratio(vs, "throughput", trials);
            check_ratio(vs, "p50", trials);
            check_ratio(vs, "p99", trials);
        }
        CHECK(json_array_size(json_object_get(fl, "trials")) == trials);
        /* Round r's runs are seq r*(models+1)-models .. r*(models+1): the floor's is
         * one of them. */
        for (unsigned r = 1; r <= trials; r++) {
            double seq = num(trial_of(fl, r), "seq");
            CHECK(seq > (r - 1) * (nmodels + 1) && seq <= r * (nmodels + 1),
                  "the floor's trial %u at %s ran at seq %g, outside its round", r, labels[k], seq);
        }
    }
}

/* The floor beside two models in the concurrency scenario and the load sweep: a trial
 * in each round, paired by trial number; vs_floor on each model point; neither the
 * settings' models nor the capacity the load sweep's rates are shares of count it. */
static void case_floor_rounds(void)
{
    const char *servers[] = {"epoll", "select", "floor", NULL};
    struct run r;
    setup(servers);
    const char *args[] = {"--models",   "epoll,select",   "--scenarios", "concurrency,load,idle",
                          "--points",   "concurrency=64", "--points",    "load=20%,50%",
                          "--points",   "idle=0",         "--trials",    "2",
                          "--duration", "200ms",          "--warmup",    "0",
                          NULL};
    run_bench(&r, args, 0, 0);
    CHECK(r.status == 0, "exit %d:\n%s", r.status, r.err);
    /* Per round: two models and the floor; six runs at each of three points, and two
     * models at idle's one. */
    CHECK(strstr(r.err, "done: 22 runs"), "%s", r.err);
    json_t *j = latest();
    json_t *set = json_object_get(j, "settings");
    CHECK(json_is_true(json_object_get(set, "floor")));
    CHECK(!json_object_get(set, "floor_note"));
    json_t *models = json_object_get(set, "models");
    size_t i;
    json_t *v;
    CHECK(json_array_size(models) == 2);
    json_array_foreach(models, i, v) CHECK(strcmp(json_string_value(v), "floor") != 0);

    const char *two[] = {"epoll", "select"};
    const char *conc[] = {"64"}, *load[] = {"20%", "50%"};
    json_t *cs = scenario(j, "concurrency"), *ls = scenario(j, "load");
    CHECK(json_array_size(json_object_get(cs, "points")) == 3);
    check_floor_points(cs, conc, 1, two, 2, 2);
    CHECK(json_array_size(json_object_get(ls, "points")) == 6);
    check_floor_points(ls, load, 2, two, 2, 2);
    /* C is a model's: the floor's capacity is not among them. */
    json_t *cap = json_object_get(ls, "capacity");
    CHECK(!json_object_get(json_object_get(cap, "models"), "floor"));
    CHECK(strcmp(str(cap, "model"), "floor") != 0);
    /* The load point's x is a share of the models' largest capacity. */
    double top = num(cap, "rps");
    CHECK(num(point_of(ls, "floor", "50%"), "x") == round(0.5 * top));
    /* The planner: the base trials only (--trials without --max-trials), so nothing
     * could be added and no point is judged; the floor never is. */
    json_t *pl = json_object_get(j, "planner");
    CHECK(num(pl, "added_runs") == 0 && num(pl, "base_runs") == 22);
    CHECK(num(pl, "points_judged") == 0, "%g points judged", num(pl, "points_judged"));
    for (size_t m = 0; m < 2; m++) {
        json_t *prec = json_object_get(point_of(ls, two[m], "20%"), "precision");
        CHECK(strcmp(str(prec, "stopped"), "not_adaptive") == 0 &&
              strcmp(str(prec, "metric"), "throughput_rps") == 0);
        prec = json_object_get(point_of(cs, two[m], "64"), "precision");
        CHECK(strcmp(str(prec, "stopped"), "not_adaptive") == 0, "%s", str(prec, "stopped"));
        /* Two trials: the interval [min, max] covers the median at 0.5. */
        CHECK(num(prec, "level") == 0.5 && json_is_false(json_object_get(prec, "met")));
        CHECK(!point_of(scenario(j, "idle"), "floor", "0"), "the floor ran at idle");
        CHECK(
            json_is_null(json_object_get(point_of(scenario(j, "idle"), two[m], "0"), "vs_floor")));
    }
    json_decref(j);
    teardown();
}

/* The load sweep's early stop is the models' alone: iterative (listed first) falls
 * under 90% twice and stops, the floor runs on beside epoll, and the capacity probe
 * runs the models only. */
static void case_floor_early_stop(void)
{
    const char *servers[] = {"epoll", "iterative", "floor", NULL};
    struct run r;
    setup(servers);
    const char *args[] = {"--models",   "iterative,epoll", "--scenarios", "load",
                          "--points",   "load=5%,10%,20%", "--trials",    "1",
                          "--duration", "200ms",           "--warmup",    "50ms",
                          NULL};
    run_bench(&r, args, 0, 0);
    CHECK(r.status == 0, "exit %d:\n%s", r.status, r.err);
    /* Two probe runs, three at 5% and 10%, epoll's and the floor's at 20%. */
    CHECK(strstr(r.err, "done: 10 runs"), "%s", r.err);
    json_t *j = latest();
    json_t *ls = scenario(j, "load");
    CHECK(json_array_size(json_object_get(json_object_get(ls, "capacity"), "probe_points")) == 2);
    CHECK(strcmp(str(point_of(ls, "iterative", "20%"), "status"), "saturated") == 0);
    CHECK(strcmp(str(point_of(ls, "epoll", "20%"), "status"), "ok") == 0);
    json_t *fl = point_of(ls, "floor", "20%");
    CHECK(strcmp(str(fl, "status"), "ok") == 0 && trial_set(fl) == 0x2);
    CHECK(json_is_null(json_object_get(point_of(ls, "iterative", "20%"), "vs_floor")));
    CHECK(num(json_object_get(point_of(ls, "epoll", "20%"), "vs_floor"), "rounds") == 1);
    json_decref(j);
    teardown();
}

/* Without echo-floor built the suite runs without it and says why; --no-floor turns it
 * off where it is built. */
static void case_floor_absent(void)
{
    const char *servers[] = {"epoll", NULL};
    struct run r;
    setup(servers);
    const char *args[] = {"--models",      "epoll",    "--scenarios", "concurrency", "--points",
                          "concurrency=4", "--trials", "1",           "--duration",  "100ms",
                          "--warmup",      "0",        NULL};
    run_bench(&r, args, 0, 0);
    CHECK(r.status == 0, "exit %d:\n%s", r.status, r.err);
    CHECK(strstr(r.err, "done: 1 runs"), "%s", r.err);
    json_t *j = latest();
    json_t *set = json_object_get(j, "settings");
    CHECK(json_is_false(json_object_get(set, "floor")));
    CHECK(strstr(str(set, "floor_note"), "echo-floor is not built"), "%s", str(set, "floor_note"));
    json_t *cs = scenario(j, "concurrency");
    CHECK(json_array_size(json_object_get(cs, "points")) == 1);
    CHECK(json_is_null(json_object_get(point_of(cs, "epoll", "4"), "vs_floor")));
    json_decref(j);
    teardown();

    const char *with[] = {"epoll", "floor", NULL};
    setup(with);
    const char *off[] = {"--models",      "epoll",    "--scenarios", "concurrency", "--points",
                         "concurrency=4", "--trials", "1",           "--duration",  "100ms",
                         "--warmup",      "0",        "--no-floor",  NULL};
    run_bench(&r, off, 0, 0);
    CHECK(r.status == 0, "exit %d:\n%s", r.status, r.err);
    CHECK(strstr(r.err, "done: 1 runs"), "%s", r.err);
    j = latest();
    set = json_object_get(j, "settings");
    CHECK(json_is_false(json_object_get(set, "floor")));
    CHECK(strstr(str(set, "floor_note"), "--no-floor"), "%s", str(set, "floor_note"));
    CHECK(!point_of(scenario(j, "concurrency"), "floor", "4"));
    json_decref(j);
    teardown();
}

/* Nothing meets a 0.001% target: the planner adds a round, of both models and the
 * floor, up to --max-trials 3; trial 3 comes after both base rounds, and says so. */
static void case_planner_adds(void)
{
    const char *servers[] = {"epoll", "select", "floor", NULL};
    struct run r;
    setup(servers);
    const char *args[] = {"--models",
                          "epoll,select",
                          "--scenarios",
                          "concurrency",
                          "--points",
                          "concurrency=4",
                          "--trials",
                          "2",
                          "--max-trials",
                          "3",
                          "--target-ci",
                          "0.001",
                          "--duration",
                          "200ms",
                          "--warmup",
                          "0",
                          NULL};
    run_bench(&r, args, 0, 0);
    CHECK(r.status == 0, "exit %d:\n%s", r.status, r.err);
    CHECK(strstr(r.err, "done: 9 runs"), "%s", r.err);
    CHECK(strstr(r.err, "trial 3/2+: ok"), "the added trial is not shown as added:\n%s", r.err);
    json_t *j = latest();
    json_t *set = json_object_get(j, "settings");
    CHECK(num(set, "trials") == 2 && num(set, "max_trials") == 3 &&
          num(set, "target_ci_pct") == 0.001 && json_is_null(json_object_get(set, "budget_s")));
    json_t *pl = json_object_get(j, "planner");
    CHECK(num(pl, "base_runs") == 6 && num(pl, "added_runs") == 3, "base %g, added %g",
          num(pl, "base_runs"), num(pl, "added_runs"));
    CHECK(num(pl, "points_judged") == 2 && num(pl, "points_met") == 0);
    CHECK(num(pl, "max_trials") == 3 && json_is_null(json_object_get(pl, "budget_s")) &&
          json_is_null(json_object_get(pl, "budget_spent_at")));
    json_t *cs = scenario(j, "concurrency");
    const char *slots[] = {"epoll", "select", "floor"};
    for (size_t m = 0; m < 3; m++) {
        json_t *pt = point_of(cs, slots[m], "4");
        CHECK(trial_set(pt) == 0xe, "%s: trials %#x, not 1, 2, 3", slots[m], trial_set(pt));
        CHECK(num(trial_of(pt, 3), "seq") > 6, "%s: trial 3 ran within the base rounds", slots[m]);
        if (m == 2)
            continue;
        json_t *prec = json_object_get(pt, "precision");
        CHECK(strcmp(str(prec, "stopped"), "max_trials") == 0, "%s", str(prec, "stopped"));
        CHECK(json_is_false(json_object_get(prec, "met")) && num(prec, "level") == 0.75 &&
              num(prec, "half_width_pct") > 0.001);
        CHECK(num(json_object_get(pt, "vs_floor"), "rounds") == 3);
        CHECK(num(json_object_get(json_object_get(pt, "summary"), "throughput_rps"), "n") == 3);
    }
    json_decref(j);
    teardown();
}

/* A model that served nothing (echo-iterative behind an idle client: 0 requests a
 * second) has no width relative to its median: it says so, is not judged, and gets no
 * added round; the other model does. */
static void case_planner_zero(void)
{
    const char *servers[] = {"iterative", "epoll", NULL};
    struct run r;
    setup(servers);
    const char *args[] = {"--models",
                          "iterative,epoll",
                          "--scenarios",
                          "idle",
                          "--points",
                          "idle=1",
                          "--trials",
                          "2",
                          "--max-trials",
                          "3",
                          "--target-ci",
                          "0.001",
                          "--duration",
                          "200ms",
                          "--warmup",
                          "0",
                          NULL};
    run_bench(&r, args, 0, 0);
    CHECK(r.status == 0, "exit %d:\n%s", r.status, r.err);
    json_t *j = latest();
    json_t *sc = scenario(j, "idle");
    json_t *it = point_of(sc, "iterative", "1"), *ep = point_of(sc, "epoll", "1");
    CHECK(num(json_object_get(json_object_get(it, "summary"), "throughput_rps"), "median") == 0);
    CHECK(strcmp(str(json_object_get(it, "precision"), "stopped"), "zero") == 0, "%s",
          str(json_object_get(it, "precision"), "stopped"));
    CHECK(json_array_size(json_object_get(it, "trials")) == 2, "a round added to a zero");
    CHECK(json_array_size(json_object_get(ep, "trials")) == 3);
    json_t *pl = json_object_get(j, "planner");
    CHECK(num(pl, "points_judged") == 1 && num(pl, "added_runs") == 1);
    json_decref(j);
    teardown();
}

/* --max-trials equal to --trials: nothing is added, whatever the target, and no point
 * is judged (the quick suite's case). */
static void case_planner_max_equal(void)
{
    const char *servers[] = {"epoll", "floor", NULL};
    struct run r;
    setup(servers);
    const char *args[] = {
        "--models",   "epoll", "--scenarios",  "concurrency", "--points",    "concurrency=4",
        "--trials",   "2",     "--max-trials", "2",           "--target-ci", "0.001",
        "--duration", "100ms", "--warmup",     "0",           NULL};
    run_bench(&r, args, 0, 0);
    CHECK(r.status == 0, "exit %d:\n%s", r.status, r.err);
    CHECK(strstr(r.err, "done: 4 runs"), "%s", r.err);
    json_t *j = latest();
    json_t *pl = json_object_get(j, "planner");
    CHECK(num(pl, "added_runs") == 0 && num(pl, "base_runs") == 4);
    json_t *pt = point_of(scenario(j, "concurrency"), "epoll", "4");
    CHECK(trial_set(pt) == 0x6);
    CHECK(strcmp(str(json_object_get(pt, "precision"), "stopped"), "not_adaptive") == 0);
    CHECK(num(pl, "points_judged") == 0, "nothing can be added, so nothing is judged");
    json_decref(j);
    teardown();
}

/* A budget smaller than one added round (two runs of at least 300 ms each, against
 * 500 ms): no round is added, the point says the budget stopped it, and the planner
 * where. */
static void case_planner_budget(void)
{
    const char *servers[] = {"epoll", "floor", NULL};
    struct run r;
    setup(servers);
    const char *args[] = {
        "--models", "epoll", "--scenarios",  "concurrency", "--points",    "concurrency=4",
        "--trials", "2",     "--max-trials", "3",           "--target-ci", "0.001",
        "--budget", "500ms", "--duration",   "300ms",       "--warmup",    "0",
        NULL};
    run_bench(&r, args, 0, 0);
    CHECK(r.status == 0, "exit %d:\n%s", r.status, r.err);
    CHECK(strstr(r.err, "done: 4 runs"), "%s", r.err);
    json_t *j = latest();
    CHECK(num(json_object_get(j, "settings"), "budget_s") == 0.5);
    json_t *pl = json_object_get(j, "planner");
    CHECK(num(pl, "added_runs") == 0 && num(pl, "budget_s") == 0.5 && num(pl, "added_s") == 0);
    CHECK(strcmp(str(pl, "budget_spent_at"), "concurrency/4") == 0);
    json_t *pt = point_of(scenario(j, "concurrency"), "epoll", "4");
    CHECK(trial_set(pt) == 0x6);
    CHECK(strcmp(str(json_object_get(pt, "precision"), "stopped"), "budget") == 0);
    json_decref(j);
    teardown();
}

/* The options refused, each with a message that says why. */
static void case_floor_usage(void)
{
    static const struct refusal bad[] = {
        {{"--models", "floor", NULL}, "runs beside the models by itself"},
        {{"--models", "epoll,floor", NULL}, "floor is not a model"},
        {{"--trials", "3", "--max-trials", "2", NULL}, "--max-trials 2 is below --trials 3"},
        {{"--max-trials", "2", NULL}, "--max-trials 2 is below --trials 3"},
        {{"--max-trials", "51", NULL}, "--max-trials must be a whole number from 1 to 50"},
        {{"--max-trials", "x", NULL}, "--max-trials must be"},
        {{"--budget", "5x", NULL}, "--budget must be a duration"},
        {{"--budget", "-1s", NULL}, "--budget must be a duration"},
        {{"--target-ci", "-1", NULL}, "--target-ci must be a percentage"},
        {{"--target-ci", "five", NULL}, "--target-ci must be a percentage"},
    };
    const char *servers[] = {"epoll", "floor", NULL};
    setup(servers);
    refused(bad, sizeof(bad) / sizeof(bad[0]));
    teardown();
}

TEST_CASES({"floor_rounds", case_floor_rounds}, {"floor_early_stop", case_floor_early_stop},
           {"floor_absent", case_floor_absent}, {"floor_usage", case_floor_usage},
           {"planner_adds", case_planner_adds}, {"planner_zero", case_planner_zero},
           {"planner_max_equal", case_planner_max_equal}, {"planner_budget", case_planner_budget});
TEST_MAIN()
