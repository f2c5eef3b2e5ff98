/* The lecture's claims, rule by rule, on bench_claims.json (plots_claims.h): creation's
 * direction and factor, the cores' flat, grown and undecided band with loadgen's ceiling,
 * the parts the first rules lacked (the lunch's starvation, select's bounds, the coarse
 * contrast, process-concurrent's trials), and the words (levels, reasons once, statuses). */
#include "analysis.h"
#include "check.h"
#include "harness.h"
#include "plots_cases.h"
#include "plots_claims.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The creation result's cycles of a primitive. */
void claims_set_cycles(json_t *root, const char *prim, double m, double p10, double p90)
{
    json_t *prims =
        json_object_get(json_object_get(claims_scenario(root, "creation"), "result"), "primitives");
    json_t *cyc = json_object_get(json_object_get(prims, prim), "cycles");
    json_object_set_new(cyc, "median", json_real(m));
    json_object_set_new(cyc, "p10", json_real(p10));
    json_object_set_new(cyc, "p90", json_real(p90));
}

/* ---- creation: the direction and the factor, by the ratio's bounds ---- */

void case_claims_creation(void)
{
    static const struct {
        double fork[3], thread[3];
        const char *want, *says;
    } cases[] = {
        /* 46x: wholly over 3, the direction holds. */
        {{460000, 450000, 470000}, {10000, 9800, 10200}, CLAIM_NOT_HERE, "the direction holds"},
        /* 2.5x with spreads 2.1x to 3.2x: over 3 at the top, so not decided. */
        {{25000, 23500, 28000}, {10000, 8800, 11000}, CLAIM_CONDITION, "reach past [1.33, 3]"},
        /* fork the cheaper. */
        {{8000, 7800, 8200}, {10000, 9800, 10200}, CLAIM_NOT_HERE, "costs less"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *j = claims_fixture();
        claims_set_cycles(j, "fork", cases[i].fork[0], cases[i].fork[1], cases[i].fork[2]);
        claims_set_cycles(j, "pthread", cases[i].thread[0], cases[i].thread[1], cases[i].thread[2]);
        json_t *claims = claims_judged("creation", j);
        claims_expect(claims, "creation-2x", cases[i].want, cases[i].says);
        json_decref(claims);
        json_decref(j);
    }
    teardown();
}

/* A point's loadgen saturated in every trial, and the server's CPU use (NaN: left). */
static void set_saturated(json_t *root, const char *sc, const char *model, const char *label,
                          double util)
{
    json_t *pt = claims_point(root, sc, model, label);
    json_object_set_new(pt, "loadgen_saturated_trials",
                        json_integer((json_int_t)json_array_size(json_object_get(pt, "trials"))));
    claims_set_trials(root, sc, model, label, "loadgen_saturated", NULL, 1);
    if (!isnan(util))
        claims_set_trials(root, sc, model, label, "server_cpu_util", "resources", util);
}

/* ---- cores: flat, grew, the band between, and loadgen's ceiling ---- */

void case_claims_cores(void)
{
    /* echo-epoll at 1.40x from 1 to 4 CPUs, 2% either way: neither flat nor half the ideal
     * gain (2.5x). */
    json_t *j = claims_fixture(), *claims;
    claims_set_summary(j, "cores", "epoll", "4", "throughput_rps", 161623, 158391, 164855);
    claims = claims_judged("grew_1_4", j);
    claims_expect(claims, "event-loop-one-core", CLAIM_CONDITION,
                  "echo-epoll's throughput from 1 CPU "
                  "to 4 CPUs: neither flat");
    json_decref(claims);
    json_decref(j);

    /* echo-thread at 2x from 1 to 4: not half the ideal gain, so not measured. */
    j = claims_fixture();
    claims_set_summary(j, "cores", "thread", "4", "throughput_rps", 143326, 141000, 145600);
    claims = claims_judged("thread_2x", j);
    claims_expect(claims, "threads-parallel", CLAIM_NOT_MEASURED,
                  "nor grown by half the ideal gain");
    json_decref(claims);
    json_decref(j);

    /* From 1 CPU to 2 only: echo-thread at 1.6x grew (over 1.5), echo-process at 1.3x is
     * in the band. */
    j = claims_fixture();
    json_t *pts = json_object_get(claims_scenario(j, "cores"), "points");
    for (size_t i = json_array_size(pts); i-- > 0;)
        if (strcmp(json_string_value(json_object_get(json_array_get(pts, i), "label")), "4") == 0)
            json_array_remove(pts, i);
    claims_set_summary(j, "cores", "thread", "2", "throughput_rps", 114660, 112000, 117000);
    claims = claims_judged("span_1_2", j);
    claims_expect(claims, "threads-parallel", CLAIM_HOLDS, NULL);
    json_decref(claims);
    claims_set_summary(j, "cores", "thread", "2", "throughput_rps", 93162, 91300, 95000);
    claims = claims_judged("span_1_2_band", j);
    claims_expect(claims, "threads-parallel", CLAIM_NOT_MEASURED,
                  "from 1 CPU to 2 CPUs: neither flat");
    json_decref(claims);
    json_decref(j);

    /* echo-thread flat at 4 CPUs with loadgen saturated: the ceiling may be loadgen's. */
    j = claims_fixture();
    claims_set_summary(j, "cores", "thread", "4", "throughput_rps", 72000, 70000, 74000);
    set_saturated(j, "cores", "thread", "4", 0.3);
    claims = claims_judged("thread_saturated", j);
    claims_expect(claims, "threads-parallel", CLAIM_NOT_MEASURED, "the ceiling may be loadgen's");
    json_decref(claims);
    /* Unless the server's CPUs were busy: then it was the limit, and flat is flat. */
    set_saturated(j, "cores", "thread", "4", 0.9);
    claims = claims_judged("thread_busy", j);
    claims_expect(claims, "threads-parallel", CLAIM_NOT_HERE, "stayed flat");
    json_decref(claims);
    json_decref(j);

    /* Every model flat with loadgen saturated: nothing about the cores is shown. */
    j = claims_fixture();
    static const char *const all[] = {"epoll",   "select",  "uring",    "thread",
                                      "process", "prefork", "reuseport"};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        json_t *s1 = json_object_get(
            json_object_get(claims_point(j, "cores", all[i], "1"), "summary"), "throughput_rps");
        double m = json_number_value(json_object_get(s1, "median"));
        claims_set_summary(j, "cores", all[i], "4", "throughput_rps", m, 0.98 * m, 1.02 * m);
        set_saturated(j, "cores", all[i], "4", 0.1);
    }
    claims = claims_judged("all_saturated", j);
    claims_expect(claims, "event-loop-one-core", CLAIM_NOT_MEASURED,
                  "the ceiling may be loadgen's");
    json_decref(claims);
    /* An event loop busy on its one core (0.24 of 4 CPUs) was its own limit: flat holds. */
    set_saturated(j, "cores", "epoll", "4", 0.24);
    claims = claims_judged("epoll_one_core", j);
    claims_expect(claims, "event-loop-one-core", CLAIM_CONDITION, "the ceiling may be loadgen's");
    json_t *f = json_object_get(claims_claim(claims, "event-loop-one-core"), "figures");
    CHECK(fabs(json_number_value(json_object_get(f, "cores 4 epoll server_cores_used")) - 0.96) <
              1e-9,
          "epoll's cores used");
    json_decref(claims);
    json_decref(j);
    teardown();
}

/* The number of times needle occurs in s. */
static int occurrences(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = s; p && (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* ---- the parts each claim was missing: the lunch's starvation, select's bounds, the
 * coarse contrast, process-concurrent's trials ---- */

void case_claims_parts(void)
{
    /* echo-iterative serving 300 req/s with 1 idle client, 15 of 16 starved: a client
     * was served, so its read did not block. */
    json_t *j = claims_fixture(), *claims;
    claims_set_summary(j, "idle", "iterative", "1", "throughput_rps", 300, 290, 310);
    claims_set_trials(j, "idle", "iterative", "1", "starved", NULL, 15);
    claims = claims_judged("lunch_partial", j);
    claims_expect(claims, "iterative-lunch", CLAIM_NOT_HERE,
                  "only 15 of its 16 active clients starved");
    json_decref(claims);
    json_decref(j);

    /* The lunch's connect evidence is quoted: setup_timeouts and the idle client open. */
    j = claims_fixture();
    claims = claims_judged("lunch", j);
    json_t *c = claims_claim(claims, "iterative-lunch");
    const char *m = json_string_value(json_object_get(c, "measured"));
    CHECK(strstr(m, "setup_timeouts 16 of 16 in every trial") && strstr(m, "idle_open_at_end 1") &&
              strstr(m, "0 errors in the window") && strstr(m, "not recorded"),
          "the lunch's words: %s", m);
    CHECK(json_number_value(json_object_get(json_object_get(c, "figures"),
                                            "idle 1 iterative setup_timeouts (fewest in a "
                                            "trial)")) == 16);
    json_decref(claims);
    json_decref(j);

    /* A bench.json that records the connects: all 16 up when the window began, no setup
     * error but the 16 priming reads' timeouts: the connects and writes returned. */
    j = claims_fixture();
    claims_set_trials(j, "idle", "iterative", "1", "established_at_start", NULL, 16);
    claims_set_trials(j, "idle", "iterative", "1", "setup_errors", NULL, 16);
    claims = claims_judged("lunch_connects", j);
    claims_expect(claims, "iterative-lunch", CLAIM_HOLDS, NULL);
    m = json_string_value(json_object_get(claims_claim(claims, "iterative-lunch"), "measured"));
    CHECK(strstr(m, "the connects returned: all 16 active connections up"), "the words: %s", m);
    json_decref(claims);
    json_decref(j);
    /* Only 10 up: not every connect returned. */
    j = claims_fixture();
    claims_set_trials(j, "idle", "iterative", "1", "established_at_start", NULL, 10);
    claims_set_trials(j, "idle", "iterative", "1", "setup_errors", NULL, 16);
    claims = claims_judged("lunch_10_up", j);
    claims_expect(claims, "iterative-lunch", CLAIM_CONDITION, "only 10 of the 16 active");
    json_decref(claims);
    json_decref(j);

    /* echo-select holding 5: far under FD_SETSIZE, something else stopped it. */
    j = claims_fixture();
    claims_set_trials(j, "idle", "select", "10000", "connections_held", "resources", 5);
    claims = claims_judged("select_5", j);
    claims_expect(claims, "select-fd-setsize", CLAIM_NOT_MEASURED, "far under FD_SETSIZE");
    json_decref(claims);
    json_decref(j);
    /* Holding 1,017 but rejecting nothing: the limit is not shown. */
    j = claims_fixture();
    claims_set_summary(j, "idle", "select", "10000", "rejected", 0, 0, 0);
    claims = claims_judged("select_no_rejects", j);
    claims_expect(claims, "select-fd-setsize", CLAIM_NOT_MEASURED, "rejected nothing");
    json_decref(claims);
    json_decref(j);
    /* The descriptor limit at 1,024: it could have stopped select as well. */
    j = claims_fixture();
    json_object_set_new(json_object_get(json_object_get(j, "env"), "nofile"), "soft",
                        json_integer(1024));
    claims = claims_judged("select_nofile", j);
    claims_expect(claims, "select-fd-setsize", CLAIM_CONDITION, "nofile soft 1024");
    CHECK(strstr(
        json_string_value(json_object_get(claims_claim(claims, "select-fd-setsize"), "measured")),
        "the server's rejected count was"));
    json_decref(claims);
    json_decref(j);

    /* The coarse contrast: echo-thread and echo-process stalled too, so the stall is not
     * shown to be the event loops'. */
    j = claims_fixture();
    claims_set_summary(j, "service", "thread", "sleep_1ms", "throughput_rps", 900, 880, 920);
    claims_set_summary(j, "service", "process", "sleep_1ms", "throughput_rps", 900, 880, 920);
    claims = claims_judged("coarse_contrast", j);
    claims_expect(claims, "event-loop-coarse", CLAIM_CONDITION,
                  "the contrast: neither echo-thread");
    json_decref(claims);
    /* One contrast model wholly above is enough, the other with one trial says nothing. */
    claims_set_summary(j, "service", "process", "sleep_1ms", "throughput_rps", 33723, 33554, 35539);
    json_object_set_new(
        json_object_get(
            json_object_get(claims_point(j, "service", "thread", "sleep_1ms"), "summary"),
            "throughput_rps"),
        "ci", json_null());
    claims = claims_judged("coarse_one_trial", j);
    claims_expect(claims, "event-loop-coarse", CLAIM_HOLDS, NULL);
    json_decref(claims);
    json_decref(j);
    /* With 1 connection there is nobody for a blocked loop to stall. */
    j = claims_fixture();
    static const char *const coarse_models[] = {"select", "epoll", "uring", "thread", "process"};
    for (size_t i = 0; i < 5; i++)
        json_object_set_new(claims_point(j, "service", coarse_models[i], "sleep_1ms"),
                            "connections", json_integer(1));
    claims = claims_judged("coarse_one_conn", j);
    claims_expect(claims, "event-loop-coarse", CLAIM_NOT_MEASURED, "nobody to stall");
    json_decref(claims);
    json_decref(j);

    /* process-concurrent on one trial: the 80% rule is on the medians, so needs two. */
    j = claims_fixture();
    json_t *trials = json_object_get(claims_point(j, "idle", "process", "1"), "trials");
    while (json_array_size(trials) > 1)
        json_array_remove(trials, 1);
    claims = claims_judged("process_one_trial", j);
    claims_expect(claims, "process-concurrent", CLAIM_CONDITION, "the 80% rule needs 2 or more");
    json_decref(claims);
    json_decref(j);
    teardown();
}

/* ---- the words: the interval's level, reasons once, skipped named, statuses ---- */

void case_claims_wording(void)
{
    char dir[PATH_MAX], err[8192], path[PATH_MAX + 300];
    json_t *j = claims_fixture(), *claims;
    /* Without echo-process, its absence is said once per claim. */
    json_t *models = json_object_get(json_object_get(j, "settings"), "models");
    for (size_t k = json_array_size(models); k-- > 0;)
        if (strcmp(json_string_value(json_array_get(models, k)), "process") == 0)
            json_array_remove(models, k);
    claims = claims_judged("no_process", j);
    json_t *c = claims_claim(claims, "event-loop-no-control-overhead");
    const char *words = json_string_value(json_object_get(c, "condition"));
    CHECK(words && occurrences(words, "echo-process is not in this run") == 1, "%s",
          words ? words : "no condition");
    claims_expect(claims, "threads-cheaper-than-processes", CLAIM_CONDITION,
                  "echo-process is not in this run");
    /* The skipped are named as skipped, the starved as starved. */
    const char *m = json_string_value(
        json_object_get(claims_claim(claims, "event-loops-high-performance"), "measured"));
    CHECK(strstr(m, "echo-iterative skipped") && strstr(m, "echo-threadpool skipped") &&
              !strstr(m, "10000"),
          "%s", m);
    json_decref(claims);
    json_decref(j);

    /* An interrupted scenario says so. */
    j = claims_fixture();
    json_t *sc = claims_scenario(j, "cores");
    json_array_clear(json_object_get(sc, "points"));
    json_object_set_new(sc, "status", json_string("interrupted"));
    claims = claims_judged("interrupted", j);
    claims_expect(claims, "threads-parallel", CLAIM_NOT_MEASURED,
                  "the cores scenario was interrupted");
    json_decref(claims);
    json_decref(j);

    /* The level of every interval: in each figure, and in a line of the section. */
    j = claims_fixture();
    claims = claims_judged("levels", j);
    json_t *f =
        json_object_get(json_object_get(claims_claim(claims, "threads-parallel"), "figures"),
                        "cores 4 thread throughput_rps");
    CHECK(json_number_value(json_object_get(f, "level")) == 0.75 &&
          strcmp(json_string_value(json_object_get(f, "of")), "median") == 0);
    json_decref(claims);
    results_dir("levels_report", j, dir, sizeof(dir));
    json_decref(j);
    const char *args[] = {dir, NULL};
    CHECK(run("plots", args, NULL, err, sizeof(err)) == 0, "%s", err);
    snprintf(path, sizeof(path), "%s/report.md", dir);
    char *md = slurp(path, NULL);
    CHECK(md && strstr(md, "Each bracket is the interval of the median; the range of 3 trials, "
                           "75%. Two ranges of 3 trials lie apart in a given direction by "
                           "chance with p = 1/20."),
          "no level line in the claims");
    free(md);
    teardown();
}
