/* Unit tests of bench's statistics, one case per ctest entry: the median's
 * distribution-free interval (summary.c), the figures over the floor (vs_floor.c) and
 * the adaptive trials' rule and budget (planner.c), against values worked by hand. */
#include "bench.h"
#include "check.h"
#include "harness.h"
#include "planner.h"

#include <math.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the median's interval ---- */

/* The coverage of [x(k), x(n+1-k)] is 1 - 2 P(Bin(n, 1/2) <= k-1), worked out with the
 * binomial counts C(n, i) over 2^n:
 *   n=2..6, k=1: 1 - 2/2^n = 0.5, 0.75, 0.875, 0.9375, 0.96875
 *   n=6,  k=2: 1 - 2(1+6)/64 = 50/64 = 0.78125
 *   n=7,  k=1: 1 - 2/128 = 0.984375;  k=2: 1 - 2(1+7)/128 = 0.875
 *   n=9,  k=2: 1 - 2(1+9)/512 = 492/512 = 0.9609375;  k=3: 1 - 2(1+9+36)/512 = 0.8203125
 *   n=10, k=2: 1 - 2(1+10)/1024 = 1002/1024 = 0.978515625;  k=3: 1 - 2(56)/1024 = 0.890625
 *   n=20, k=6: 1 - 2(1+20+190+1140+4845+15504)/2^20 = 1 - 43400/1048576 = 0.958610534...
 *   n=20, k=7: 1 - 2(21700+38760)/1048576 = 1 - 120920/1048576 = 0.884681701...
 * All are exact in binary, so the function must give them to the last bit. */
static void case_median_level(void)
{
    static const struct {
        unsigned n, k;
        double level;
    } known[] = {
        {2, 1, 0.5},
        {3, 1, 0.75},
        {4, 1, 0.875},
        {5, 1, 0.9375},
        {6, 1, 0.96875},
        {6, 2, 0.78125},
        {7, 1, 0.984375},
        {7, 2, 0.875},
        {9, 2, 0.9609375},
        {9, 3, 0.8203125},
        {10, 2, 0.978515625},
        {10, 3, 0.890625},
        {20, 6, 1 - 43400.0 / 1048576},
        {20, 7, 1 - 120920.0 / 1048576},
        {7, 4, 0}, /* the median alone: 1 - 2 * 1/2 */
        {5, 0, 0}, /* no such k: past either end */
        {5, 4, 0},
        {0, 1, 0},
    };
    for (size_t i = 0; i < COUNT(known); i++) {
        double l = summary_median_level(known[i].n, known[i].k);
        CHECK(l == known[i].level, "n=%u k=%u: level %.17g, not %.17g", known[i].n, known[i].k, l,
              known[i].level);
    }
    CHECK(fabs(summary_median_level(20, 6) - 0.9586105) < 1e-7);
    /* Far past the exact counts: within [0, 1] and falling with k. */
    double prev = 1;
    for (unsigned k = 1; k <= 1001; k += 100) {
        double l = summary_median_level(2001, k);
        CHECK(l >= 0 && l <= prev, "n=2001 k=%u: level %g after %g", k, l, prev);
        prev = l;
    }
}

/* summarize's interval of the n values v: [lo, hi] at level. */
static void check_interval(const double *v, unsigned n, double lo, double hi, double level)
{
    struct summary s;
    summarize(v, n, &s);
    CHECK(s.n == n);
    CHECK(s.med_lo == lo && s.med_hi == hi, "n=%u: [%g, %g], not [%g, %g]", n, s.med_lo, s.med_hi,
          lo, hi);
    CHECK(s.med_level == level, "n=%u: level %.17g, not %.17g", n, s.med_level, level);
    CHECK(s.med_lo <= s.median && s.median <= s.med_hi);
}

/* Below 6 values no k reaches 95%: the interval is [min, max] at its own coverage. */
static void case_median_ci_small(void)
{
    const double one[] = {7};
    check_interval(one, 1, 7, 7, 0); /* one value: no interval (level 0) */
    const double two[] = {9, 4};
    check_interval(two, 2, 4, 9, 0.5);
    const double three[] = {30, 10, 20};
    check_interval(three, 3, 10, 30, 0.75);
    const double five[] = {5, 1, 4, 2, 3};
    check_interval(five, 5, 1, 5, 0.9375);
}

/* n=6 and 7: k=1 (k=2 gives 0.78125 and 0.875), so still [min, max], now at >= 95%. */
static void case_median_ci_6_7(void)
{
    const double six[] = {6, 2, 5, 1, 4, 3};
    check_interval(six, 6, 1, 6, 0.96875);
    const double seven[] = {70, 10, 60, 20, 50, 30, 40};
    check_interval(seven, 7, 10, 70, 0.984375);
}

/* n=9: k=2, [x(2), x(8)]; n=10: k=2, [x(2), x(9)]; n=20: k=6, [x(6), x(15)]. */
static void case_median_ci_9_10_20(void)
{
    const double nine[] = {9, 1, 8, 2, 7, 3, 6, 4, 5};
    check_interval(nine, 9, 2, 8, 0.9609375);
    const double ten[] = {10, 1, 9, 2, 8, 3, 7, 4, 6, 5};
    check_interval(ten, 10, 2, 9, 0.978515625);
    double twenty[20];
    for (unsigned i = 0; i < 20; i++)
        twenty[i] = (double)((i * 7) % 20 + 1); /* 1..20, shuffled */
    check_interval(twenty, 20, 6, 15, 1 - 43400.0 / 1048576);
}

/* Ties: the order statistics are values, repeated or not. */
static void case_median_ci_ties(void)
{
    const double seven[] = {5, 5, 5, 1, 9, 5, 5};
    check_interval(seven, 7, 1, 9, 0.984375);
    /* Sorted 1 2 2 2 2 2 2 2 3 9: x(2) = 2, x(9) = 3. */
    const double ten[] = {3, 1, 2, 2, 2, 2, 2, 2, 9, 2};
    check_interval(ten, 10, 2, 3, 0.978515625);
    const double same[] = {4, 4, 4, 4, 4, 4};
    check_interval(same, 6, 4, 4, 0.96875);
}

static double num(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    CHECK(json_is_number(v), "no number %s", key);
    return json_number_value(v);
}

static double at(json_t *a, size_t i)
{
    CHECK(json_is_array(a) && json_array_size(a) == 2, "not a pair");
    return json_number_value(json_array_get(a, i));
}

/* The schema bench.json writes: ci and ci_level, mean_ci95, no ci95; nulls for one. */
static void case_summary_json(void)
{
    const double six[] = {106, 100, 105, 101, 104, 102};
    struct summary s;
    summarize(six, 6, &s);
    json_t *j = summary_json(&s);
    CHECK(num(j, "median") == 103);
    CHECK(at(json_object_get(j, "ci"), 0) == 100 && at(json_object_get(j, "ci"), 1) == 106);
    CHECK(num(j, "ci_level") == 0.96875);
    CHECK(fabs(num(j, "mean") - 103) < 1e-9);
    /* Deviations -3 -2 -1 1 2 3: sd = sqrt(28 / 5) = 2.3664, t(5) = 2.571: 103 -/+
     * 2.571 * 2.3664 / sqrt(6) = 103 -/+ 2.484. */
    json_t *mci = json_object_get(j, "mean_ci95");
    CHECK(fabs(at(mci, 0) - 100.516) < 0.002 && fabs(at(mci, 1) - 105.484) < 0.002,
          "mean_ci95 [%g, %g]", at(mci, 0), at(mci, 1));
    CHECK(json_integer_value(json_object_get(j, "n")) == 6);
    CHECK(json_is_false(json_object_get(j, "noisy")) && json_is_number(json_object_get(j, "cv")));
    CHECK(!json_object_get(j, "ci95"), "ci95 is no longer written");
    json_decref(j);

    summarize(six, 1, &s);
    j = summary_json(&s);
    CHECK(num(j, "median") == 106 && num(j, "mean") == 106);
    static const char *nulls[] = {"ci", "ci_level", "mean_ci95", "cv", "noisy"};
    for (size_t i = 0; i < COUNT(nulls); i++)
        CHECK(json_is_null(json_object_get(j, nulls[i])), "one value: %s not null", nulls[i]);
    CHECK(!json_object_get(j, "ci95"));
    json_decref(j);

    summarize(six, 0, &s);
    j = summary_json(&s);
    CHECK(json_is_null(j));
    json_decref(j);
}

/* ---- vs_floor ---- */

/* A trial as record_trial writes it, with the figures vs_floor reads. */
static json_t *trial(int k, const char *status, double thr, double p50, double p99)
{
    return json_pack("{s:i,s:s,s:f,s:f,s:f}", "trial", k, "status", status, "throughput_rps", thr,
                     "p50_us", p50, "p99_us", p99);
}

static json_t *fig(json_t *vs, const char *what)
{
    json_t *s = json_object_get(vs, what);
    CHECK(json_is_object(s), "vs_floor.%s is no summary", what);
    return s;
}

/* Rounds pair by "trial", not by place in the arrays. */
static void case_vs_floor_pairs(void)
{
    json_t *model = json_array(), *floor = json_array();
    /* Ratios by round: thr 0.5, 0.6, 0.4; p50 2, 3, 4; p99 1.5, 2.5, 2 (median 0.5, 3, 2). */
    json_array_append_new(model, trial(1, "ok", 500, 20, 150));
    json_array_append_new(model, trial(2, "ok", 600, 30, 250));
    json_array_append_new(model, trial(3, "ok", 400, 40, 200));
    json_array_append_new(floor, trial(3, "ok", 1000, 10, 100));
    json_array_append_new(floor, trial(1, "ok", 1000, 10, 100));
    json_array_append_new(floor, trial(2, "ok", 1000, 10, 100));
    json_t *vs = vs_floor_json(model, floor);
    CHECK(json_is_object(vs));
    CHECK(json_integer_value(json_object_get(vs, "rounds")) == 3);
    json_t *thr = fig(vs, "throughput"), *p50 = fig(vs, "p50"), *p99 = fig(vs, "p99");
    CHECK(num(thr, "median") == 0.5, "throughput ratio %g", num(thr, "median"));
    CHECK(num(p50, "median") == 3 && num(p99, "median") == 2);
    CHECK(at(json_object_get(thr, "ci"), 0) == 0.4 && at(json_object_get(thr, "ci"), 1) == 0.6);
    CHECK(num(thr, "ci_level") == 0.75 && json_integer_value(json_object_get(thr, "n")) == 3);
    CHECK(!json_object_get(thr, "ci95") && json_is_array(json_object_get(thr, "mean_ci95")));
    json_decref(vs);
    json_decref(model);
    json_decref(floor);
}

/* A round whose floor trial failed, or whose model trial failed, is left out; a hung
 * trial measured and counts; a figure that is 0 or missing leaves that figure out of
 * its round alone. */
static void case_vs_floor_failed(void)
{
    json_t *model = json_array(), *floor = json_array();
    json_array_append_new(model, trial(1, "ok", 500, 20, 200));
    json_array_append_new(model, trial(2, "ok", 5000, 1, 1)); /* its floor failed */
    json_array_append_new(model, trial(3, "hung", 700, 30, 300));
    json_array_append_new(model, trial(4, "failed", 1, 1, 1));
    json_t *t5 = trial(5, "ok", 900, 0, 400); /* p50 of 0: no ratio */
    json_object_del(t5, "p99_us");            /* no p99 at all */
    json_array_append_new(model, t5);
    json_array_append_new(floor, trial(1, "ok", 1000, 10, 100));
    json_array_append_new(floor, trial(2, "failed", 1000, 10, 100));
    json_array_append_new(floor, trial(3, "ok", 1000, 10, 100));
    json_array_append_new(floor, trial(4, "ok", 1000, 10, 100));
    json_array_append_new(floor, trial(5, "ok", 1000, 10, 100));
    json_t *vs = vs_floor_json(model, floor);
    CHECK(json_integer_value(json_object_get(vs, "rounds")) == 3, "rounds %lld",
          (long long)json_integer_value(json_object_get(vs, "rounds")));
    json_t *thr = fig(vs, "throughput"), *p50 = fig(vs, "p50"), *p99 = fig(vs, "p99");
    /* throughput: rounds 1, 3, 5: 0.5, 0.7, 0.9; p50 and p99: rounds 1 and 3. */
    CHECK(json_integer_value(json_object_get(thr, "n")) == 3 && num(thr, "median") == 0.7);
    CHECK(json_integer_value(json_object_get(p50, "n")) == 2 && num(p50, "median") == 2.5);
    CHECK(json_integer_value(json_object_get(p99, "n")) == 2 && num(p99, "median") == 2.5);
    CHECK(at(json_object_get(p99, "ci"), 0) == 2 && at(json_object_get(p99, "ci"), 1) == 3);
    json_decref(vs);
    json_decref(model);
    json_decref(floor);
}

/* No paired round: null, whether the floor has no trials, none of the same rounds, or
 * none that measured. */
static void case_vs_floor_null(void)
{
    json_t *model = json_array(), *floor = json_array();
    json_array_append_new(model, trial(1, "ok", 500, 20, 200));
    json_array_append_new(model, trial(2, "ok", 500, 20, 200));
    json_t *vs = vs_floor_json(model, floor);
    CHECK(json_is_null(vs), "no floor trials: not null");
    json_decref(vs);
    json_array_append_new(floor, trial(3, "ok", 1000, 10, 100));
    json_array_append_new(floor, trial(2, "interrupted", 1000, 10, 100));
    vs = vs_floor_json(model, floor);
    CHECK(json_is_null(vs), "no round paired: not null");
    json_decref(vs);
    vs = vs_floor_json(model, NULL);
    CHECK(json_is_null(vs), "no floor: not null");
    json_decref(vs);
    json_decref(model);
    json_decref(floor);
}

/* Six rounds: the interval of the ratios is their [min, max] at 0.96875; ten rounds:
 * [x(2), x(9)] at 0.978515625. */
static void case_vs_floor_interval(void)
{
    json_t *model = json_array(), *floor = json_array();
    static const double thr[] = {820, 790, 850, 800, 780, 810, 840, 770, 830, 860};
    for (int k = 1; k <= 10; k++) {
        json_array_append_new(model, trial(k, "ok", thr[k - 1], 20, 200));
        json_array_append_new(floor, trial(k, "ok", 1000, 10, 100));
        if (k == 6) {
            json_t *vs = vs_floor_json(model, floor);
            json_t *s = fig(vs, "throughput");
            CHECK(at(json_object_get(s, "ci"), 0) == 0.78 &&
                  at(json_object_get(s, "ci"), 1) == 0.85);
            CHECK(num(s, "ci_level") == 0.96875 && num(s, "median") == 0.805);
            json_decref(vs);
        }
    }
    json_t *vs = vs_floor_json(model, floor);
    json_t *s = fig(vs, "throughput");
    /* Sorted 0.77 0.78 0.79 0.80 0.81 0.82 0.83 0.84 0.85 0.86: x(2) 0.78, x(9) 0.85. */
    CHECK(at(json_object_get(s, "ci"), 0) == 0.78 && at(json_object_get(s, "ci"), 1) == 0.85,
          "ci [%g, %g]", at(json_object_get(s, "ci"), 0), at(json_object_get(s, "ci"), 1));
    CHECK(num(s, "ci_level") == 0.978516 && num(s, "median") == 0.815);
    CHECK(num(fig(vs, "p50"), "median") == 2 && num(fig(vs, "p99"), "median") == 2);
    json_decref(vs);
    json_decref(model);
    json_decref(floor);
}

/* ---- the planner ---- */

/* A quiet series (within +/-1%) needs more until 6 trials, whatever its width, and stops
 * at 6: [min, max] then covers the median at 0.96875, half width under 1%. */
static void case_planner_quiet(void)
{
    static const double thr[] = {10000, 10080, 9930, 10050, 9970, 10010, 9990};
    double h, l;
    for (unsigned n = 1; n < 6; n++)
        CHECK(planner_needs_more(thr, n, 7, 5, &h, &l), "n=%u does not need more", n);
    CHECK(!planner_needs_more(thr, 6, 7, 5, &h, &l), "6 quiet trials need more");
    CHECK(l == 0.96875, "level %g", l);
    /* Sorted 9930 9970 10000 10010 10050 10080: median 10005, max(75, 75)/10005. */
    CHECK(fabs(h - 100 * 75.0 / 10005) < 1e-9, "half width %g%%", h);
}

/* A noisy series (+/-20%) goes on to max_trials and stops there. */
static void case_planner_noisy(void)
{
    static const double thr[] = {10000, 12000, 8000, 11500, 8500, 9000, 11000, 10500};
    double h, l;
    CHECK(planner_needs_more(thr, 6, 8, 5, &h, &l));
    /* Sorted 8000 8500 9000 10000 11500 12000: median 9500, max(1500, 2500)/9500. */
    CHECK(fabs(h - 100 * 2500.0 / 9500) < 1e-9 && l == 0.96875, "h %g, l %g", h, l);
    CHECK(planner_needs_more(thr, 7, 8, 5, &h, &l));
    CHECK(!planner_needs_more(thr, 8, 8, 5, &h, &l), "max_trials reached, still more");
    CHECK(h > 5, "the noisy series' half width %g%%", h);
}

/* Below 6 more is always needed while max_trials allows, even of identical trials; at
 * max_trials, none; a target of 0 turns the rule off (the figures still said). */
static void case_planner_below_six(void)
{
    static const double same[] = {5000, 5000, 5000, 5000, 5000};
    double h, l;
    for (unsigned n = 1; n <= 5; n++) {
        CHECK(planner_needs_more(same, n, 7, 5, &h, &l), "n=%u", n);
        CHECK(!planner_needs_more(same, n, n, 5, &h, &l), "n=%u at max_trials %u", n, n);
    }
    CHECK(planner_needs_more(same, 5, 7, 5, &h, &l) && h == 0 && l == 0.9375);
    CHECK(planner_needs_more(same, 1, 7, 5, &h, &l) && isnan(h) && isnan(l),
          "one trial: h %g, l %g", h, l);
    CHECK(!planner_needs_more(same, 3, 7, 0, &h, &l) && h == 0 && l == 0.75, "target 0");
    CHECK(planner_needs_more(same, 3, 7, 5, NULL, NULL), "NULL outputs");
}

/* Every trial failed (none measured), or a median of 0: no more, width null. */
static void case_planner_zero(void)
{
    static const double zeros[] = {0, 0, 0, 0};
    static const double mostly[] = {0, 0, 0, 400, 500};
    double h = 1, l = 1;
    CHECK(!planner_needs_more(NULL, 0, 7, 5, &h, &l) && isnan(h) && isnan(l), "no trials");
    CHECK(!planner_needs_more(zeros, 4, 7, 5, &h, &l) && isnan(h) && l == 0.875, "zeros");
    CHECK(!planner_needs_more(mostly, 5, 7, 5, &h, &l) && isnan(h), "median 0");
    CHECK(!planner_needs_more(zeros, 1, 7, 5, &h, &l) && isnan(h) && isnan(l), "one zero");
}

/* The budget of the added trials: 90 s, 80 spent; a round of 4 runs at 2.5 s each (the
 * point's mean run so far) costs 10 s: 80 + 10 = 90 is within, 80 + 10.5 is not. */
static void case_planner_budget(void)
{
    struct planner_budget b = {.budget_s = 90, .spent_s = 80, .round_s = 4 * 2.5};
    CHECK(planner_budget_allows(&b), "80 + 10 = 90 <= 90");
    b.round_s = 10.5;
    CHECK(!planner_budget_allows(&b), "80 + 10.5 > 90: the budget denies");
    b.spent_s = 0;
    b.round_s = 91;
    CHECK(!planner_budget_allows(&b), "one round past the whole budget never starts");
    b.spent_s = 95; /* an estimate that fell short: spent past the budget */
    b.round_s = 0.1;
    CHECK(!planner_budget_allows(&b), "nothing once spent");
    b.budget_s = 0; /* none: always */
    b.spent_s = 1e9;
    b.round_s = 1e9;
    CHECK(planner_budget_allows(&b), "no budget denies nothing");
}

TEST_CASES({"median_level", case_median_level}, {"median_ci_small", case_median_ci_small},
           {"median_ci_6_7", case_median_ci_6_7}, {"median_ci_9_10_20", case_median_ci_9_10_20},
           {"median_ci_ties", case_median_ci_ties}, {"summary_json", case_summary_json},
           {"vs_floor_pairs", case_vs_floor_pairs}, {"vs_floor_failed", case_vs_floor_failed},
           {"vs_floor_null", case_vs_floor_null}, {"vs_floor_interval", case_vs_floor_interval},
           {"planner_quiet", case_planner_quiet}, {"planner_noisy", case_planner_noisy},
           {"planner_below_six", case_planner_below_six}, {"planner_zero", case_planner_zero},
           {"planner_budget", case_planner_budget});
TEST_MAIN()
