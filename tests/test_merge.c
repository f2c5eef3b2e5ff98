/* Tests of merging loadgen agents' runs (bench/merge.c), one case per ctest entry:
 * test_merge CASE.
 *
 * Two real loadgen runs against echo-epoll on 127.0.0.1, merged, against what the
 * merged figures must be: each count the sum, the histograms those of both agents'
 * requests together, fairness over every connection, the timeline bin by bin. */
#include "check.h"
#include "fairness.h"
#include "harness.h"
#include "hist.h"
#include "jsonio.h"
#include "loadgen_run.h"
#include "merge.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

/* Two agents' runs, one after the other against one server: args0 and args1 each end
 * before the target, which is added. */
static void two_runs(json_t **runs, const char *const *args0, const char *const *args1)
{
    struct srv s;
    char to[64];
    const char *const *args[2] = {args0, args1};

    srv_start_simple(&s, "epoll", NULL);
    target(to, sizeof(to), &s);
    for (int k = 0; k < 2; k++) {
        const char *argv[32];
        int n = 0;
        for (; args[k][n]; n++)
            argv[n] = args[k][n];
        argv[n++] = to;
        argv[n] = NULL;
        struct run r;
        run_loadgen(&r, argv);
        measured(&r);
        runs[k] = r.json;
    }
    json_decref(srv_stop(&s));
}

static const char *const closed0[] = {
    "-c", "3", "-d", "1s", "-w", "200ms", "-i", "2", "--timeline-bin", "250ms", "--per-connection",
    NULL};
static const char *const closed1[] = {
    "-c", "2", "-t", "2", "-d", "1s", "-w", "200ms", "--timeline-bin", "250ms", "--per-connection",
    NULL};

static json_t *merged_of(json_t *const *runs, unsigned n)
{
    char err[512];
    json_t *m = merge_runs(runs, n, err, sizeof(err));
    CHECK(m, "merge refused: %s", err);
    return m;
}

/* Every whole number under obj in the merged run is the sum of the agents'. */
static void check_sums(json_t *m, json_t *a, json_t *b, const char *path)
{
    const char *key;
    json_t *v;
    CHECK(json_is_object(m) && json_object_size(m) > 0, "%s: not a merged object", path);
    json_object_foreach(a, key, v)
    {
        char sub[128];
        snprintf(sub, sizeof(sub), "%s.%s", path, key);
        json_t *mv = json_object_get(m, key), *bv = json_object_get(b, key);
        if (json_is_object(v)) {
            check_sums(mv, v, bv, sub);
            continue;
        }
        CHECK(json_is_integer(mv), "%s is not a count in the merge", sub);
        CHECK(json_integer_value(mv) == json_integer_value(v) + json_integer_value(bv),
              "%s: merged %lld, agents %lld + %lld", sub, (long long)json_integer_value(mv),
              (long long)json_integer_value(v), (long long)json_integer_value(bv));
    }
}

/* ---- every count is the sum of the agents' ---- */

static void case_counts_sum(void)
{
    json_t *runs[2];
    two_runs(runs, closed0, closed1);
    json_t *m = merged_of(runs, 2);
    static const char *objs[] = {"requests", "bytes", "connections"};
    for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++)
        check_sums(json_object_get(m, objs[i]), json_object_get(runs[0], objs[i]),
                   json_object_get(runs[1], objs[i]), objs[i]);
    static const char *idle[] = {"idle.requested", "idle.established", "idle.open_at_end",
                                 "idle.attempts"};
    for (size_t i = 0; i < sizeof(idle) / sizeof(idle[0]); i++)
        CHECK(num(m, idle[i]) == num(runs[0], idle[i]) + num(runs[1], idle[i]), "%s not summed",
              idle[i]);
    CHECK(num(m, "requests.completed") > 1000, "only %.0f completed", num(m, "requests.completed"));
    CHECK(num(m, "requests.errors.timeout") == 0 && num(m, "requests.setup_errors.connect") == 0);
    CHECK(num(m, "connections.requested") == 5 && num(m, "idle.requested") == 2);
    CHECK(num(m, "config.connections") == 5 && num(m, "config.idle") == 2 &&
          num(m, "config.threads") == 3);
    CHECK(fabs(num(m, "throughput_rps") - num(runs[0], "throughput_rps") -
               num(runs[1], "throughput_rps")) < 0.01);
    CHECK(num(m, "measured_s") == fmax(num(runs[0], "measured_s"), num(runs[1], "measured_s")));
    CHECK(num(m, "agents") == 2);
    CHECK(json_array_size(json_object_get(m, "agents_detail")) == 2);
    CHECK(num(json_array_get(json_object_get(m, "agents_detail"), 1), "connections") == 2);
    CHECK(json_is_boolean(json_object_get(json_object_get(m, "loadgen_cpu"), "saturated")));
    CHECK(num(m, "loadgen_cpu.user_s") >= num(runs[0], "loadgen_cpu.user_s"));
    CHECK(!json_object_get(m, "open_loop"), "no open_loop in the closed loop");
    CHECK(json_is_null(json_object_get(m, "service_latency_us")));
    /* What loadgen --per-connection wrote: one count per active connection, adding up. */
    for (int k = 0; k < 2; k++) {
        json_t *c = json_object_get(json_object_get(runs[k], "per_connection"), "completed");
        double sum = 0;
        CHECK(json_array_size(c) == (size_t)num(runs[k], "config.connections"));
        for (size_t i = 0; i < json_array_size(c); i++)
            sum += (double)json_integer_value(json_array_get(c, i));
        CHECK(sum == num(runs[k], "requests.completed"), "per_connection adds to %.0f, not %.0f",
              sum, num(runs[k], "requests.completed"));
        CHECK(json_is_null(json_object_get(json_object_get(runs[k], "per_connection"), "due")));
    }
    json_decref(m);
    json_decref(runs[0]);
    json_decref(runs[1]);
}

/* ---- the merged histograms are those of both agents' requests together ---- */

static void case_histograms_exact(void)
{
    static const char *keys[] = {"latency_us", "connect_us", "setup_connect_us"};
    static const char *figures[] = {"count", "min",   "p50", "p90",  "p99",
                                    "p999",  "p9999", "max", "mean", "stdev"};
    json_t *runs[2];
    two_runs(runs, closed0, closed1);
    json_t *m = merged_of(runs, 2);
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        struct hist h;
        CHECK(hist_init_default(&h) == 0);
        CHECK(hist_add_json(&h, json_object_get(runs[0], keys[i])) == 0);
        CHECK(hist_add_json(&h, json_object_get(runs[1], keys[i])) == 0);
        json_t *want = hist_to_json(&h), *got = json_object_get(m, keys[i]);
        check_hist(got, keys[i]);
        CHECK(json_equal(got, want), "%s: the merge differs from both agents' together", keys[i]);
        for (size_t f = 0; h.total > 0 && f < sizeof(figures) / sizeof(figures[0]); f++)
            CHECK(num(got, figures[f]) == num(want, figures[f]), "%s.%s: merged %g, both %g",
                  keys[i], figures[f], num(got, figures[f]), num(want, figures[f]));
        CHECK(json_equal(json_object_get(got, "histogram"), json_object_get(want, "histogram")),
              "%s: buckets differ", keys[i]);
        json_decref(want);
        hist_free(&h);
    }
    CHECK(num(m, "latency_us.count") ==
          num(runs[0], "latency_us.count") + num(runs[1], "latency_us.count"));
    json_decref(m);
    json_decref(runs[0]);
    json_decref(runs[1]);
}

/* Jain's index, directly: (sum x)^2 / (n sum x^2). */
static double jain_of(const double *x, size_t n)
{
    double sum = 0, sumsq = 0;
    for (size_t i = 0; i < n; i++) {
        sum += x[i];
        sumsq += x[i] * x[i];
    }
    return sumsq > 0 ? sum * sum / ((double)n * sumsq) : 0;
}

/* ---- fairness over every connection of every agent ---- */

static void case_fairness_exact(void)
{
    json_t *runs[2];
    two_runs(runs, closed0, closed1);
    json_t *m = merged_of(runs, 2);
    double x[16];
    size_t n = 0;
    for (int k = 0; k < 2; k++) {
        json_t *c = json_object_get(json_object_get(runs[k], "per_connection"), "completed");
        for (size_t i = 0; i < json_array_size(c); i++)
            x[n++] = (double)json_integer_value(json_array_get(c, i));
    }
    CHECK(n == 5);
    CHECK(fabs(num(m, "fairness.jain") - round_to(jain_of(x, n), 6)) < 1e-9, "jain %g, directly %g",
          num(m, "fairness.jain"), jain_of(x, n));
    CHECK(json_array_size(json_object_get(json_object_get(m, "per_connection"), "completed")) == 5);

    /* Agents unfair together in a way neither agent's Jain nor their mean says: one
     * agent's connections got 10 each (Jain 1), the other's 0 and 30 (Jain 0.5). */
    json_t *pc0 = json_pack("{s:[I,I,I],s:n}", "completed", 10, 10, 10, "due");
    json_t *pc1 = json_pack("{s:[I,I],s:n}", "completed", 0, 30, "due");
    json_object_set_new(runs[0], "per_connection", pc0);
    json_object_set_new(runs[1], "per_connection", pc1);
    json_decref(m);
    m = merged_of(runs, 2);
    double y[] = {10, 10, 10, 0, 30};
    CHECK(fabs(num(m, "fairness.jain") - round_to(jain_of(y, 5), 6)) < 1e-9, "jain %g, want %g",
          num(m, "fairness.jain"), jain_of(y, 5));
    CHECK(num(m, "fairness.min") == 0 && num(m, "fairness.max") == 30);
    CHECK(num(m, "fairness.median") == 10 && num(m, "fairness.starved") == 1);
    CHECK(json_is_null(json_object_get(json_object_get(m, "fairness"), "nothing_due")));
    json_decref(m);
    /* Counts that are not one per connection are not fairness: null, not a guess. */
    json_object_set_new(runs[1], "per_connection",
                        json_pack("{s:[I],s:n}", "completed", 30, "due"));
    m = merged_of(runs, 2);
    CHECK(json_is_null(json_object_get(m, "fairness")), "fairness from 4 counts of 5 connections");
    json_decref(m);
    json_decref(runs[0]);
    json_decref(runs[1]);
}

/* ---- the timelines aligned by bin ---- */

static void case_timeline_aligned(void)
{
    json_t *runs[2];
    two_runs(runs, closed0, closed1);
    /* One agent's window a bin shorter (as an interrupt leaves it): its last bin is
     * nothing of it, and the merge still has the longer agent's. */
    json_t *tl1 = json_object_get(runs[1], "timeline");
    json_t *tl0 = json_object_get(runs[0], "timeline");
    CHECK(json_array_size(tl0) == 4 && json_array_size(tl1) == 4, "bins %zu and %zu",
          json_array_size(tl0), json_array_size(tl1));
    json_array_remove(tl1, 3);
    json_t *m = merged_of(runs, 2);
    json_t *tl = json_object_get(m, "timeline");
    CHECK(json_array_size(tl) == 4, "%zu bins merged", json_array_size(tl));
    for (size_t i = 0; i < 4; i++) {
        json_t *e = json_array_get(tl, i), *a = json_array_get(tl0, i), *b = json_array_get(tl1, i);
        double completed = num(a, "completed") + (b ? num(b, "completed") : 0);
        double rps = num(a, "rps") + (b ? num(b, "rps") : 0);
        double p99 = fmax(num(a, "p99_us"), b ? num(b, "p99_us") : 0);
        CHECK(num(e, "completed") == completed, "bin %zu: %g completed, want %g", i,
              num(e, "completed"), completed);
        CHECK(fabs(num(e, "rps") - rps) < 0.01, "bin %zu: %g rps, want %g", i, num(e, "rps"), rps);
        CHECK(num(e, "p99_us") == p99, "bin %zu: p99 %g, want the larger %g", i, num(e, "p99_us"),
              p99);
        CHECK(num(e, "t_s") == num(a, "t_s") && num(e, "width_s") == num(a, "width_s"));
        CHECK(num(e, "errors") == num(a, "errors") + (b ? num(b, "errors") : 0));
    }
    json_decref(m);
    json_decref(runs[0]);
    json_decref(runs[1]);
}

/* ---- the open loop: rates summed, the schedule kept by all, due per connection ---- */

static void case_open_loop(void)
{
    static const char *const open0[] = {
        "-c", "3", "-R", "600", "-d", "1s", "-w", "200ms", "--per-connection", NULL};
    static const char *const open1[] = {
        "-c", "2", "-R", "400", "-d", "1s", "-w", "200ms", "--per-connection", NULL};
    json_t *runs[2];
    two_runs(runs, open0, open1);
    json_t *m = merged_of(runs, 2);
    CHECK(num(m, "open_loop.target_rps") == 1000 && num(m, "config.rate") == 1000);
    CHECK(num(m, "open_loop.scheduled") ==
          num(runs[0], "open_loop.scheduled") + num(runs[1], "open_loop.scheduled"));
    CHECK(fabs(num(m, "open_loop.scheduled_rps") - num(runs[0], "open_loop.scheduled_rps") -
               num(runs[1], "open_loop.scheduled_rps")) < 0.01);
    bool kept =
        json_is_true(json_object_get(json_object_get(runs[0], "open_loop"), "schedule_kept")) &&
        json_is_true(json_object_get(json_object_get(runs[1], "open_loop"), "schedule_kept"));
    CHECK(json_is_true(json_object_get(json_object_get(m, "open_loop"), "schedule_kept")) == kept);
    CHECK(num(m, "service_latency_us.count") ==
          num(runs[0], "service_latency_us.count") + num(runs[1], "service_latency_us.count"));
    CHECK(num(m, "send_lag_us.count") == num(m, "open_loop.send_lag_us.count"));
    CHECK(num(m, "open_loop.send_lag_us.p99") == num(m, "send_lag_us.p99"));
    /* The due arrays concatenated, nothing_due over all of them. */
    double nothing_due = 0;
    for (int k = 0; k < 2; k++) {
        json_t *d = json_object_get(json_object_get(runs[k], "per_connection"), "due");
        CHECK(json_array_size(d) == (size_t)num(runs[k], "config.connections"));
        for (size_t i = 0; i < json_array_size(d); i++)
            nothing_due += json_integer_value(json_array_get(d, i)) == 0;
    }
    CHECK(num(m, "fairness.nothing_due") == nothing_due);
    CHECK(json_array_size(json_object_get(json_object_get(m, "per_connection"), "due")) == 5);
    /* A saturated agent makes the merge saturated. */
    json_object_set_new(json_object_get(runs[1], "loadgen_cpu"), "saturated", json_true());
    json_decref(m);
    m = merged_of(runs, 2);
    CHECK(json_is_true(json_object_get(json_object_get(m, "loadgen_cpu"), "saturated")));
    json_decref(m);
    json_decref(runs[0]);
    json_decref(runs[1]);
}

static bool has_text(json_t *array, const char *text)
{
    size_t i;
    json_t *v;
    json_array_foreach(array, i, v) if (strstr(json_string_value(v), text)) return true;
    return false;
}

/* ---- a run without per_connection: fairness null, and a note that says why ---- */

static void case_no_per_connection(void)
{
    static const char *const plain[] = {"-c",    "2", "-d", "1s", "-w", "200ms", "--timeline-bin",
                                        "250ms", NULL};
    json_t *runs[2];
    two_runs(runs, closed0, plain);
    CHECK(!json_object_get(runs[1], "per_connection"), "per_connection only when asked");
    json_t *m = merged_of(runs, 2);
    CHECK(json_is_null(json_object_get(m, "fairness")), "fairness merged without the counts");
    CHECK(!json_object_get(m, "per_connection"));
    CHECK(has_text(json_object_get(m, "warnings"), "--per-connection"),
          "no warning says how to get fairness");
    CHECK(has_text(json_object_get(m, "merge_notes"), "fairness is null"));
    /* The rest merges as ever. */
    CHECK(num(m, "requests.completed") ==
          num(runs[0], "requests.completed") + num(runs[1], "requests.completed"));
    json_decref(m);
    json_decref(runs[0]);
    json_decref(runs[1]);
}

/* ---- mismatched or incomplete runs are refused, saying what is wrong ---- */

static void refused(json_t **runs, const char *words)
{
    char err[512] = "";
    json_t *m = merge_runs(runs, 2, err, sizeof(err));
    CHECK(!m, "merged what should be refused (%s)", words);
    CHECK(strstr(err, words), "the message '%s' does not say '%s'", err, words);
}

static void case_mismatch_refused(void)
{
    json_t *runs[2];
    two_runs(runs, closed0, closed1);
    json_t *orig = json_deep_copy(runs[1]);

    json_object_set_new(runs[1], "schema", json_string("echobench.run/0"));
    refused(runs, "schema");
    json_decref(runs[1]);
    runs[1] = json_deep_copy(orig);
    json_object_del(runs[1], "requests");
    refused(runs, "requests");
    json_decref(runs[1]);
    runs[1] = json_deep_copy(orig);
    json_object_set_new(json_object_get(runs[1], "config"), "pipeline", json_integer(4));
    refused(runs, "pipeline");
    json_decref(runs[1]);
    runs[1] = json_deep_copy(orig);
    json_object_del(json_object_get(runs[1], "requests"), "censored");
    refused(runs, "requests.censored");
    json_decref(runs[1]);
    runs[1] = json_deep_copy(orig);
    json_object_del(json_object_get(runs[1], "latency_us"), "histogram");
    refused(runs, "latency_us");
    json_decref(runs[1]);
    runs[1] = orig;
    json_t *m = merged_of(runs, 2); /* the original merges */
    json_decref(m);
    json_decref(runs[0]);
    json_decref(runs[1]);
}

/* ---- the idle connections: counts summed, the longest open_s, one open_within_s ---- */

static void case_idle_merged(void)
{
    static const char *const idle0[] = {
        "-c", "1", "-i", "40", "-d", "200ms", "-w", "0", "--open-within", "5s", "--per-connection",
        NULL};
    static const char *const idle1[] = {
        "-c", "1", "-i", "9", "-d", "200ms", "-w", "0", "--open-within", "5s", "--per-connection",
        NULL};
    json_t *runs[2];
    two_runs(runs, idle0, idle1);
    /* The agents on one machine got their own blocks of source addresses. */
    json_object_set_new(json_object_get(runs[1], "config"), "source_from", json_integer(128));
    json_object_set_new(json_object_get(runs[1], "config"), "sources", json_integer(127));
    json_object_set_new(json_object_get(runs[1], "idle"), "open_s", json_real(7.5));
    json_object_set_new(json_object_get(runs[1], "idle"), "attempts", json_integer(12));
    json_t *m = merged_of(runs, 2);
    CHECK(num(m, "idle.requested") == 49 && num(m, "idle.established") == 49 &&
          num(m, "idle.open_at_end") == 49);
    CHECK(num(m, "idle.attempts") == num(runs[0], "idle.attempts") + 12, "attempts %g",
          num(m, "idle.attempts"));
    CHECK(num(runs[0], "idle.open_s") < 7.5 && num(m, "idle.open_s") == 7.5,
          "open_s %g is not the longest", num(m, "idle.open_s"));
    CHECK(num(m, "idle.open_within_s") == 5);
    json_t *d1 = json_array_get(json_object_get(m, "agents_detail"), 1);
    CHECK(num(d1, "source_from") == 128 && num(d1, "sources") == 127);
    json_decref(m);

    /* An agent without idle connections has no open_s: the other's is the whole's. */
    json_object_set_new(json_object_get(runs[1], "idle"), "open_s", json_null());
    m = merged_of(runs, 2);
    CHECK(num(m, "idle.open_s") == num(runs[0], "idle.open_s"));
    json_decref(m);
    json_object_set_new(json_object_get(runs[0], "idle"), "open_s", json_null());
    m = merged_of(runs, 2);
    CHECK(json_is_null(json_object_get(json_object_get(m, "idle"), "open_s")));
    json_decref(m);

    json_object_set_new(json_object_get(runs[1], "idle"), "open_within_s", json_null());
    refused(runs, "idle.open_within_s");
    json_object_del(json_object_get(runs[1], "idle"), "attempts");
    refused(runs, "idle.attempts");
    json_decref(runs[0]);
    json_decref(runs[1]);
}

/* ---- one agent: its run as it was, "agents": 1 ---- */

static void case_single(void)
{
    json_t *runs[2];
    two_runs(runs, closed0, closed1);
    json_t *m = merged_of(runs, 1);
    CHECK(num(m, "agents") == 1);
    json_object_del(m, "agents");
    json_object_del(m, "agents_detail");
    CHECK(json_equal(m, runs[0]), "one agent's merge differs from its run");
    json_decref(m);
    json_decref(runs[0]);
    json_decref(runs[1]);
}

/* ---- the split: the first agents take the remainder; rates evenly ---- */

static void case_split_even(void)
{
    unsigned want[] = {4, 3, 3}, total = 0;
    for (unsigned k = 0; k < 3; k++) {
        unsigned c;
        double r;
        split_even(10, 3, k, &c, 1000, &r);
        CHECK(c == want[k], "agent %u got %u of 10, want %u", k, c, want[k]);
        CHECK(r == 1000.0 / 3, "agent %u's rate %g", k, r);
        total += c;
    }
    CHECK(total == 10);
    unsigned c;
    split_even(2, 3, 2, &c, 0, NULL);
    CHECK(c == 0, "2 over 3: the last gets %u", c);
    split_even(9, 3, 0, &c, 0, NULL);
    CHECK(c == 3);
}

TEST_CASES({"counts_sum", case_counts_sum}, {"histograms_exact", case_histograms_exact},
           {"fairness_exact", case_fairness_exact}, {"timeline_aligned", case_timeline_aligned},
           {"open_loop", case_open_loop}, {"no_per_connection", case_no_per_connection},
           {"mismatch_refused", case_mismatch_refused}, {"single", case_single},
           {"split_even", case_split_even}, {"idle_merged", case_idle_merged});

TEST_MAIN()
