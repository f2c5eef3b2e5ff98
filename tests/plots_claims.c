/* The lecture's claims (analysis/claims*.c) on bench_claims.json: results/sample without
 * its open-loop sweeps, with a synthetic cores scenario (the server given 1, 2 and 4
 * CPUs: epoll, select and uring flat, the others scaling). Each claim's rule is driven to
 * each verdict by changing the fixture's figures; analysis.json's schema, the report's
 * first section and its links, the cores table and plot, and an older bench.json. */
#include "analysis.h"
#include "check.h"
#include "harness.h"
#include "plots_cases.h"
#include "plots_claims.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const claim_ids[] = {
    "iterative-lunch",
    "process-concurrent",
    "process-control-costs",
    "creation-2x",
    "event-loop-no-control-overhead",
    "event-loop-coarse",
    "event-loop-one-core",
    "threads-parallel",
    "select-fd-setsize",
    "threads-cheaper-than-processes",
    "event-loops-high-performance",
};
#define NCLAIMS (sizeof(claim_ids) / sizeof(claim_ids[0]))

json_t *claims_fixture(void)
{
    json_error_t e;
    json_t *j = json_load_file(ECHOBENCH_FIXTURES "/bench_claims.json", 0, &e);
    CHECK(j, "bench_claims.json: %s", e.text);
    return j;
}

/* The claims judged on json (through a results folder, as plots reads it); the caller
 * frees them. */
json_t *claims_judged(const char *name, json_t *json)
{
    char dir[PATH_MAX], err[1024];
    struct results r;
    results_dir(name, json, dir, sizeof(dir));
    CHECK(results_load(&r, dir, err, sizeof(err)) == 0, "%s", err);
    json_t *claims = claims_judge(&r, NULL, 0);
    CHECK(json_array_size(claims) == NCLAIMS, "%zu claims", json_array_size(claims));
    results_free(&r);
    return claims;
}

json_t *claims_claim(json_t *claims, const char *id)
{
    size_t i;
    json_t *c;
    json_array_foreach(claims, i, c) if (strcmp(json_string_value(json_object_get(c, "id")), id) ==
                                         0) return c;
    CHECK(false, "no claim %s", id);
    return NULL;
}

/* The claim's verdict is want, and its condition or why holds says (NULL: any). */
void claims_expect(json_t *claims, const char *id, const char *want, const char *says)
{
    json_t *c = claims_claim(claims, id);
    const char *v = json_string_value(json_object_get(c, "verdict"));
    const char *cond = json_string_value(json_object_get(c, "condition"));
    const char *why = json_string_value(json_object_get(c, "why"));
    const char *words = cond ? cond : why ? why : "";
    CHECK(v && strcmp(v, want) == 0, "%s: '%s', not '%s' (%s; measured: %s)", id, v, want, words,
          json_string_value(json_object_get(c, "measured")));
    CHECK(!says || strstr(words, says), "%s: '%s' does not say '%s'", id, words, says);
}

json_t *claims_scenario(json_t *root, const char *name)
{
    size_t i;
    json_t *sc;
    json_array_foreach(json_object_get(root, "scenarios"), i,
                       sc) if (strcmp(json_string_value(json_object_get(sc, "name")), name) ==
                               0) return sc;
    return NULL;
}

json_t *claims_point(json_t *root, const char *sc, const char *model, const char *label)
{
    size_t i;
    json_t *pt;
    json_array_foreach(
        json_object_get(claims_scenario(root, sc), "points"), i,
        pt) if (strcmp(json_string_value(json_object_get(pt, "model")), model) == 0 &&
                strcmp(json_string_value(json_object_get(pt, "label")), label) == 0) return pt;
    CHECK(false, "the fixture has no %s point %s for %s", sc, label, model);
    return NULL;
}

/* A summary's median and interval (the trials' figures left as they are). */
void claims_set_summary(json_t *root, const char *sc, const char *model, const char *label,
                        const char *metric, double median, double lo, double hi)
{
    json_t *s =
        json_object_get(json_object_get(claims_point(root, sc, model, label), "summary"), metric);
    CHECK(s, "%s %s %s has no %s", sc, model, label, metric);
    json_object_set_new(s, "median", json_real(median));
    json_object_set_new(s, "ci", json_pack("[f,f]", lo, hi));
}

/* A field of every trial of a point (path: "starved", "resources.connections_held"). */
void claims_set_trials(json_t *root, const char *sc, const char *model, const char *label,
                       const char *field, const char *sub, double v)
{
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(claims_point(root, sc, model, label), "trials"), i, t)
    {
        json_t *o = sub ? json_object_get(t, sub) : t;
        CHECK(json_is_object(o));
        json_object_set_new(o, field, json_real(v));
    }
}

static void drop_scenarios(json_t *root, const char *const *names)
{
    json_t *scs = json_object_get(root, "scenarios");
    for (; *names; names++)
        for (size_t i = json_array_size(scs); i-- > 0;)
            if (strcmp(json_string_value(json_object_get(json_array_get(scs, i), "name")),
                       *names) == 0)
                json_array_remove(scs, i);
}

/* The cores scenario as bench leaves it on fewer than 4 CPUs. */
static const char *cores_note = "skipped: bench may use 2 CPUs here; the cores scenario needs 4 or "
                                "more, so that the server and loadgen each have a half";

static void skip_cores(json_t *root)
{
    json_t *sc = claims_scenario(root, "cores");
    json_array_clear(json_object_get(sc, "points"));
    json_object_set_new(sc, "status", json_string("skipped"));
    json_object_set_new(sc, "note", json_string(cores_note));
}

/* ---- every claim holds on the fixture, or holds with its stated condition ---- */

void case_claims_fixture(void)
{
    json_t *j = claims_fixture();
    json_t *claims = claims_judged("fixture", j);
    for (size_t i = 0; i < NCLAIMS - 2; i++)
        claims_expect(claims, claim_ids[i],
                      strcmp(claim_ids[i], "creation-2x") == 0 ? CLAIM_NOT_HERE : CLAIM_HOLDS,
                      NULL);
    /* fork is 7.4x pthread here, 5.9x to 9.0x from the spreads, in TSC cycles of a VM: the
     * direction holds, the 2x does not. */
    claims_expect(claims, "creation-2x", CLAIM_NOT_HERE, "5.9x to 9.0x");
    claims_expect(claims, "creation-2x", CLAIM_NOT_HERE, "the direction holds");
    json_t *f = json_object_get(claims_claim(claims, "creation-2x"), "figures");
    json_t *rf = json_object_get(f, "creation fork/pthread");
    double ratio = json_number_value(json_object_get(rf, "median"));
    double rlo = json_number_value(json_object_get(rf, "lo"));
    CHECK(ratio > 7 && ratio < 8 && rlo > 5.9 && rlo < 6, "fork/pthread %g from %g", ratio, rlo);
    /* Every figure is a number, null or {median, lo, hi, level, of}: no strings. */
    size_t ci;
    json_t *cl;
    json_array_foreach(claims, ci, cl)
    {
        const char *key;
        json_t *v;
        json_object_foreach(json_object_get(cl, "figures"), key, v)
            CHECK(json_is_number(v) || json_is_null(v) ||
                      (json_is_object(v) && json_object_get(v, "level")),
                  "figure %s is neither a number nor {median, lo, hi, level}", key);
    }
    /* The leader at 256 connections and at 10,000 idle clients had loadgen saturated. */
    claims_expect(
        claims, "event-loops-high-performance", CLAIM_CONDITION,
        "throughput at 256 connections: loadgen was saturated in 3 of 3 trials of echo-uring");
    claims_expect(claims, "event-loops-high-performance", CLAIM_CONDITION,
                  "with 10,000 idle clients: echo-thread had loadgen saturated in 3 of 3 trials");
    claims_expect(claims, "event-loops-high-performance", CLAIM_CONDITION, NULL);
    /* The cores claims read the cores scenario. */
    json_t *sc = json_object_get(claims_claim(claims, "event-loop-one-core"), "scenarios");
    CHECK(json_array_size(sc) == 1 &&
          strcmp(json_string_value(json_array_get(sc, 0)), "cores") == 0);
    f = json_object_get(claims_claim(claims, "threads-parallel"), "figures");
    CHECK(json_number_value(json_object_get(json_object_get(f, "cores 4 thread throughput_rps"),
                                            "median")) == 257987,
          "the thread's figure on 4 CPUs");
    json_decref(claims);

    /* The lecture's own machine: 20K against 10K cycles holds without a condition. */
    static const struct {
        const char *prim;
        double m, p10, p90;
    } lecture[] = {{"fork", 20000, 19000, 22000}, {"pthread", 10000, 9500, 11000}};
    json_t *prims =
        json_object_get(json_object_get(claims_scenario(j, "creation"), "result"), "primitives");
    for (size_t i = 0; i < 2; i++) {
        json_t *cyc = json_object_get(json_object_get(prims, lecture[i].prim), "cycles");
        json_object_set_new(cyc, "median", json_real(lecture[i].m));
        json_object_set_new(cyc, "p10", json_real(lecture[i].p10));
        json_object_set_new(cyc, "p90", json_real(lecture[i].p90));
    }
    claims = claims_judged("lecture", j);
    claims_expect(claims, "creation-2x", CLAIM_HOLDS, NULL);
    json_decref(claims);
    json_decref(j);
    teardown();
}

/* ---- without its scenario, each claim is not measured, and says why ---- */

void case_claims_not_measured(void)
{
    static const struct {
        const char *id;
        const char *drop[3];
        const char *says;
    } cases[] = {
        {"iterative-lunch", {"idle"}, "no idle scenario"},
        {"process-concurrent", {"idle", "concurrency"}, "no concurrency scenario"},
        {"process-control-costs", {"churn", "concurrency"}, "no churn scenario"},
        {"creation-2x", {"creation"}, "no creation scenario"},
        {"event-loop-no-control-overhead", {"concurrency", "idle"}, "no idle scenario"},
        {"event-loop-coarse", {"service"}, "no service scenario"},
        {"event-loop-one-core", {"cores"}, "no cores scenario"},
        {"threads-parallel", {"cores"}, "no cores scenario"},
        {"select-fd-setsize", {"idle"}, "no idle scenario"},
        {"threads-cheaper-than-processes", {"idle", "creation"}, "no creation scenario"},
        {"event-loops-high-performance", {"concurrency", "idle"}, "no concurrency scenario"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *j = claims_fixture();
        drop_scenarios(j, cases[i].drop);
        json_t *claims = claims_judged("dropped", j);
        claims_expect(claims, cases[i].id, CLAIM_NOT_MEASURED, cases[i].says);
        json_decref(claims);
        json_decref(j);
    }

    /* The cores scenario skipped on 2 CPUs: bench's note is the why. */
    json_t *j = claims_fixture();
    skip_cores(j);
    json_t *claims = claims_judged("skipped", j);
    claims_expect(claims, "event-loop-one-core", CLAIM_NOT_MEASURED, cores_note);
    claims_expect(claims, "threads-parallel", CLAIM_NOT_MEASURED, cores_note);
    json_decref(claims);
    json_decref(j);

    /* A point that failed: its status and note. */
    j = claims_fixture();
    json_t *pt = claims_point(j, "idle", "iterative", "1");
    json_object_set_new(pt, "status", json_string("failed"));
    json_object_set_new(pt, "note", json_string("the server did not start"));
    claims = claims_judged("failed", j);
    claims_expect(claims, "iterative-lunch", CLAIM_NOT_MEASURED,
                  "was failed: the server did not start");
    json_decref(claims);
    json_decref(j);

    /* A model not in the run. */
    j = claims_fixture();
    json_t *models = json_object_get(json_object_get(j, "settings"), "models");
    for (size_t k = json_array_size(models); k-- > 0;)
        if (strcmp(json_string_value(json_array_get(models, k)), "thread") == 0)
            json_array_remove(models, k);
    claims = claims_judged("no_thread", j);
    claims_expect(claims, "threads-parallel", CLAIM_NOT_MEASURED, "echo-thread is not in this run");
    json_decref(claims);
    json_decref(j);
    teardown();
}

/* ---- figures that go the other way: does not hold here, with why ---- */

void case_claims_not_here(void)
{
    json_t *j = claims_fixture(), *claims;

    /* echo-iterative serving with an idle client. */
    claims_set_summary(j, "idle", "iterative", "1", "throughput_rps", 40000, 39000, 41000);
    claims_set_trials(j, "idle", "iterative", "1", "starved", NULL, 0);
    /* echo-process starving behind one. */
    claims_set_trials(j, "idle", "process", "1", "starved", NULL, 3);
    /* echo-process creating connections faster than echo-thread. */
    claims_set_summary(j, "churn", "process", "8", "throughput_rps", 30000, 29000, 31000);
    /* fork barely dearer than pthread, 1.04x to 1.29x from the spreads. */
    claims_set_cycles(j, "pthread", 295000, 290000, 300000);
    /* echo-epoll paying more CPU per request than echo-process. */
    claims_set_summary(j, "concurrency", "epoll", "256", "cpu_us_per_request", 30, 29, 31);
    /* echo-epoll unstalled by blocking. */
    claims_set_summary(j, "service", "epoll", "sleep_1ms", "throughput_rps", 5000, 4900, 5100);
    /* echo-epoll growing with CPUs; echo-thread flat. */
    claims_set_summary(j, "cores", "epoll", "4", "throughput_rps", 350000, 340000, 360000);
    claims_set_summary(j, "cores", "thread", "4", "throughput_rps", 72000, 70000, 74000);
    /* echo-select holding every connection past FD_SETSIZE. */
    claims_set_trials(j, "idle", "select", "10000", "connections_held", "resources", 10016);
    claims_set_summary(j, "idle", "select", "10000", "rejected", 0, 0, 0);
    /* echo-thread dearer per connection than echo-process. */
    claims_set_summary(j, "idle", "thread", "1000", "memory_per_connection_bytes", 60000, 59000,
                       61000);
    /* echo-thread the fastest at the most connections, loadgen not saturated. */
    claims_set_summary(j, "concurrency", "thread", "256", "throughput_rps", 400000, 390000, 410000);
    json_object_set_new(claims_point(j, "concurrency", "thread", "256"), "loadgen_saturated_trials",
                        json_integer(0));
    claims = claims_judged("not_here", j);
    claims_expect(claims, "iterative-lunch", CLAIM_NOT_HERE, "still served 40,000");
    claims_expect(claims, "process-concurrent", CLAIM_NOT_HERE, "starved 3");
    claims_expect(claims, "process-control-costs", CLAIM_NOT_HERE, "wholly above echo-thread");
    claims_expect(claims, "creation-2x", CLAIM_NOT_HERE, "wholly under [1.33, 3]");
    claims_expect(claims, "event-loop-no-control-overhead", CLAIM_NOT_HERE, "echo-epoll 30.0");
    claims_expect(claims, "event-loop-coarse", CLAIM_NOT_HERE, "echo-epoll served 5,000");
    claims_expect(claims, "event-loop-one-core", CLAIM_NOT_HERE, "echo-epoll's throughput grew");
    claims_expect(claims, "threads-parallel", CLAIM_NOT_HERE, "stayed flat from 1 CPU to 4 CPUs");
    claims_expect(claims, "select-fd-setsize", CLAIM_NOT_HERE, "more than FD_SETSIZE");
    claims_expect(claims, "threads-cheaper-than-processes", CLAIM_NOT_HERE,
                  "wholly above echo-process");
    claims_expect(claims, "event-loops-high-performance", CLAIM_NOT_HERE,
                  "a model without an event loop lies wholly above");
    json_decref(claims);
    json_decref(j);
    teardown();
}

/* ---- what the run cannot decide is not guessed; conditions are stated ---- */

void case_claims_undecided(void)
{
    json_t *j = claims_fixture(), *claims;
    /* echo-thread at 1.5x, its interval across the line: neither grew nor flat. */
    claims_set_summary(j, "cores", "thread", "4", "throughput_rps", 107500, 100000, 115000);
    /* echo-epoll's interval across 1,100 lines a second, the others under it. */
    claims_set_summary(j, "service", "epoll", "sleep_1ms", "throughput_rps", 1100, 1000, 1200);
    /* An older bench.json: no errors recorded for the lunch. */
    json_object_del(json_object_get(claims_point(j, "idle", "iterative", "1"), "summary"),
                    "errors");
    claims = claims_judged("undecided", j);
    claims_expect(claims, "threads-parallel", CLAIM_NOT_MEASURED, "neither flat");
    claims_expect(claims, "event-loop-coarse", CLAIM_CONDITION, "echo-epoll's interval, 1,100");
    claims_expect(claims, "iterative-lunch", CLAIM_CONDITION, "records no errors");
    json_decref(claims);
    json_decref(j);

    /* One trial: no interval, so nothing clearly above anything. */
    j = claims_fixture();
    json_object_set_new(
        json_object_get(json_object_get(claims_point(j, "cores", "thread", "1"), "summary"),
                        "throughput_rps"),
        "ci", json_null());
    /* The models with more flows of control flat too: the run does not show the cores. */
    static const char *const flows[] = {"thread", "prefork", "reuseport", "process"};
    for (size_t i = 1; i < 4; i++) {
        double m = json_number_value(json_object_get(
            json_object_get(json_object_get(claims_point(j, "cores", flows[i], "1"), "summary"),
                            "throughput_rps"),
            "median"));
        claims_set_summary(j, "cores", flows[i], "4", "throughput_rps", m, 0.97 * m, 1.03 * m);
    }
    claims = claims_judged("one_trial", j);
    claims_expect(claims, "threads-parallel", CLAIM_NOT_MEASURED, "has no interval");
    claims_expect(claims, "event-loop-one-core", CLAIM_CONDITION,
                  "no model with more flows of control");
    json_decref(claims);
    json_decref(j);

    /* Starved connections in echo-select's 1,000 point: no slope of it is compared (at
     * 10,000 it held 1,017; from 1, too few added), so the memory half is not measured and
     * the CPU half holds: a condition. */
    j = claims_fixture();
    claims_set_trials(j, "idle", "select", "1000", "starved", NULL, 2);
    claims = claims_judged("select_starved", j);
    claims_expect(claims, "event-loop-no-control-overhead", CLAIM_CONDITION,
                  "no idle point where echo-select and echo-process both have a memory slope");
    json_decref(claims);
    json_decref(j);
    teardown();
}

/* ---- an older bench.json: claims not measured where fields are missing, no crash ---- */

void case_claims_old_bench(void)
{
    json_t *j = fixture(); /* bench.json: ci95, two models, no cores, no held counts */
    json_t *claims = claims_judged("old", j);
    claims_expect(claims, "process-concurrent", CLAIM_NOT_MEASURED,
                  "echo-process is not in this run");
    claims_expect(claims, "event-loop-one-core", CLAIM_NOT_MEASURED, "no cores scenario");
    claims_expect(claims, "iterative-lunch", CLAIM_HOLDS, NULL);
    /* Its ci95 is a t-interval of the mean, and said so. */
    json_t *lunch = claims_claim(claims, "iterative-lunch");
    CHECK(strstr(json_string_value(json_object_get(lunch, "measured")),
                 "a 95% t-interval of the mean]"),
          "%s", json_string_value(json_object_get(lunch, "measured")));
    json_t *f0 =
        json_object_get(json_object_get(lunch, "figures"), "idle 0 iterative throughput_rps");
    CHECK(strcmp(json_string_value(json_object_get(f0, "of")), "mean") == 0 &&
          json_number_value(json_object_get(f0, "level")) == 0.95);
    json_decref(claims);
    json_decref(j);

    /* Stripped of the trials and of the creation result's cycles: still judged. */
    j = claims_fixture();
    size_t i, k;
    json_t *sc, *pt;
    json_array_foreach(json_object_get(j, "scenarios"), i, sc)
        json_array_foreach(json_object_get(sc, "points"), k, pt) json_object_del(pt, "trials");
    json_t *prims =
        json_object_get(json_object_get(claims_scenario(j, "creation"), "result"), "primitives");
    json_object_del(json_object_get(prims, "fork"), "cycles");
    json_object_del(json_object_get(prims, "pthread"), "cycles");
    /* pthread at about half of fork in ns, so that only the unit is the condition. */
    json_t *ns = json_object_get(json_object_get(prims, "pthread"), "ns");
    json_object_set_new(ns, "median", json_real(80000));
    json_object_set_new(ns, "p10", json_real(78000));
    json_object_set_new(ns, "p90", json_real(82000));
    claims = claims_judged("stripped", j);
    claims_expect(claims, "select-fd-setsize", CLAIM_NOT_MEASURED, "records neither");
    claims_expect(claims, "creation-2x", CLAIM_CONDITION, "the ratio is of nanoseconds");
    json_decref(claims);
    json_decref(j);
    teardown();
}

/* ---- analysis.json: its schema, every claim whole ---- */

void case_claims_json(void)
{
    char dir[PATH_MAX], err[8192], path[PATH_MAX + 300];
    json_t *j = claims_fixture();
    results_dir("json", j, dir, sizeof(dir));
    json_decref(j);
    const char *args[] = {dir, NULL};
    CHECK(run("plots", args, NULL, err, sizeof(err)) == 0, "%s", err);
    snprintf(path, sizeof(path), "%s/analysis.json", dir);
    json_error_t e;
    json_t *doc = json_load_file(path, 0, &e);
    CHECK(doc, "%s: %s", path, e.text);
    CHECK(strcmp(json_string_value(json_object_get(doc, "schema")), "echobench.analysis/1") == 0);
    json_t *claims = json_object_get(doc, "claims"), *c;
    CHECK(json_array_size(claims) == NCLAIMS);
    size_t i;
    json_array_foreach(claims, i, c)
    {
        const char *id = json_string_value(json_object_get(c, "id"));
        CHECK(id && strcmp(id, claim_ids[i]) == 0, "claim %zu is %s", i, id ? id : "unnamed");
        for (const char *p = id; *p; p++)
            CHECK(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-',
                  "%s is not kebab-case", id);
        const char *v = json_string_value(json_object_get(c, "verdict"));
        CHECK(json_string_value(json_object_get(c, "claim")), "%s has no claim", id);
        CHECK(v && (strcmp(v, CLAIM_HOLDS) == 0 || strcmp(v, CLAIM_CONDITION) == 0 ||
                    strcmp(v, CLAIM_NOT_HERE) == 0 || strcmp(v, CLAIM_NOT_MEASURED) == 0),
              "%s: verdict %s", id, v ? v : "none");
        json_t *figures = json_object_get(c, "figures");
        CHECK(json_is_object(figures) && json_object_size(figures) > 0, "%s: no figures", id);
        CHECK(json_is_array(json_object_get(c, "scenarios")) &&
                  json_is_array(json_object_get(c, "points")),
              "%s: scenarios and points", id);
        json_t *link = json_object_get(c, "link");
        CHECK(json_is_string(link) || json_is_null(link), "%s: no link", id);
        bool cond = json_is_string(json_object_get(c, "condition"));
        bool why = json_is_string(json_object_get(c, "why"));
        CHECK(cond == (strcmp(v, CLAIM_CONDITION) == 0), "%s: a condition where it holds with one",
              id);
        CHECK(why == (strcmp(v, CLAIM_NOT_HERE) == 0 || strcmp(v, CLAIM_NOT_MEASURED) == 0),
              "%s: a why where it does not hold or is not measured", id);
        const char *l = json_string_value(link);
        if (l && l[0] != '#') {
            snprintf(path, sizeof(path), "%s/%s", dir, l);
            CHECK(access(path, R_OK) == 0, "%s links %s, which is not there", id, l);
        }
    }
    json_decref(doc);
    teardown();
}

/* ---- report.md: the claims first, their links lead somewhere; the cores table ---- */

/* GitHub's anchor of a heading, written apart from the analysis' own. */
static void slug(const char *heading, char *out, size_t len)
{
    size_t at = 0;
    for (; *heading && *heading != '\n' && at + 1 < len; heading++) {
        unsigned char ch = (unsigned char)*heading;
        if (ch == ' ')
            out[at++] = '-';
        else if (isalnum(ch) || ch == '-' || ch == '_' || ch >= 0x80)
            out[at++] = (char)tolower(ch);
    }
    out[at] = '\0';
}

bool report_has_anchor(const char *md, const char *anchor)
{
    char s[256];
    for (const char *p = md; p; p = strchr(p, '\n')) {
        p += *p == '\n';
        if (*p != '#')
            continue;
        const char *h = p + strspn(p, "#");
        h += *h == ' ';
        slug(h, s, sizeof(s));
        if (strcmp(s, anchor) == 0)
            return true;
    }
    return false;
}

void case_claims_report(void)
{
    char dir[PATH_MAX], err[8192], path[PATH_MAX + 300];
    json_t *j = claims_fixture();
    results_dir("report", j, dir, sizeof(dir));
    json_decref(j);
    const char *args[] = {dir, NULL};
    CHECK(run("plots", args, NULL, err, sizeof(err)) == 0, "%s", err);
    snprintf(path, sizeof(path), "%s/report.md", dir);
    char *md = slurp(path, NULL);
    CHECK(md, "no report.md");
    /* The first section after the machine's table is the claims'. */
    char *machine = strstr(md, "\n## The machine\n");
    CHECK(machine, "no machine table");
    char *next = strstr(machine + 1, "\n## ");
    CHECK(next && strncmp(next, "\n## The lecture's claims\n", 25) == 0,
          "the section after the machine is %.40s", next ? next : "none");
    char *findings = strstr(md, "\n## Findings\n");
    CHECK(findings && findings > next, "the claims come before the findings");
    /* A row per claim, in order, each with its verdict; every link resolves. */
    char *row = next;
    for (size_t i = 0; i < NCLAIMS; i++) {
        char want[96];
        snprintf(want, sizeof(want), "\n| **%s**:", claim_ids[i]);
        row = strstr(row, want);
        CHECK(row && row < findings, "no row for %s before the findings", claim_ids[i]);
        char *end = strchr(row + 1, '\n');
        CHECK(end);
        char *link = NULL;
        for (char *p = row; (p = strstr(p, "](")) && p < end; p += 2)
            link = p + 2;
        CHECK(link, "the row of %s links nothing", claim_ids[i]);
        char target[256];
        CHECK(sscanf(link, "%255[^)]", target) == 1);
        if (target[0] == '#') {
            CHECK(report_has_anchor(md, target + 1), "%s links %s, no heading of report.md",
                  claim_ids[i], target);
        } else {
            snprintf(path, sizeof(path), "%s/%s", dir, target);
            CHECK(access(path, R_OK) == 0, "%s links %s, which is not there", claim_ids[i], target);
        }
        CHECK(strstr(row, "| **holds") < end || strstr(row, "| **does not hold") < end ||
                  strstr(row, "| **not measured") < end,
              "the row of %s has no verdict", claim_ids[i]);
    }
    /* The cores scenario: its table (a column per CPU count) and its plot. */
    char *cores = strstr(md, "\n## Cores: which models use more CPUs\n");
    CHECK(cores, "no cores section");
    CHECK(strstr(cores, "| model | 1 | 2 | 4 |") && strstr(cores, "| thread | 71,663"),
          "no cores table");
    CHECK(strstr(cores, "](plots/cores.png)") && strstr(cores, "](plots/cores.svg)"),
          "the cores plot is not shown");
    snprintf(path, sizeof(path), "%s/plots/cores.svg", dir);
    CHECK(access(path, R_OK) == 0, "no plots/cores.svg");
    snprintf(path, sizeof(path), "%s/plots/data/cores.tsv", dir);
    char *tsv = slurp(path, NULL);
    CHECK(tsv && strstr(tsv, "thread\t4\t257987"), "the cores data: %s", tsv ? tsv : "none");
    free(tsv);
    free(md);
    teardown();
}
