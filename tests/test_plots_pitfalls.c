/* The pitfalls scenario in the analysis, one case per ctest entry: test_plots_pitfalls
 * CASE (ctest plots.pitfalls_CASE).
 *
 * They run build/bin/plots on a copy of bench_pitfalls.json, a synthetic run of the
 * scenario that follows bench.json's contract for it (docs/bench.md): no-reap's zombies
 * 0 -> 1,000 and then flat, fork failing at client 1,001 after 0.84 s; no-close's
 * descriptors 5 -> 1,019, accept failing at client 1,015; racy-connfd's 1,750 of 2,000
 * clients not served, the first at client 2; no-detach's VmSize +68 KiB a client until
 * pthread_create fails at client 32,741; each correct twin flat, every client served.
 * And on changed copies: a run that failed, a skipped scenario, a partial one, and the
 * older fixture without the scenario. */
#include "check.h"
#include "harness.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef ECHOBENCH_FIXTURES
#error "ECHOBENCH_FIXTURES must be defined"
#endif

#define FIXTURE ECHOBENCH_FIXTURES "/bench_pitfalls.json"

static json_t *load(const char *path)
{
    json_error_t e;
    json_t *j = json_load_file(path, 0, &e);
    CHECK(j, "%s: %s", path, e.text);
    return j;
}

/* The fixture's pitfalls scenario, and its pair for pitfall. */
static json_t *scenario_of(json_t *root)
{
    json_t *sc = json_array_get(json_object_get(root, "scenarios"), 0);
    CHECK(sc && strcmp(json_string_value(json_object_get(sc, "name")), "pitfalls") == 0,
          "the fixture's one scenario is pitfalls");
    return sc;
}

static json_t *pair_of(json_t *root, const char *pitfall)
{
    size_t i;
    json_t *pair;
    json_array_foreach(json_object_get(scenario_of(root), "pairs"), i, pair)
    {
        if (strcmp(json_string_value(json_object_get(pair, "pitfall")), pitfall) == 0)
            return pair;
    }
    CHECK(false, "the fixture has no pair %s", pitfall);
    return NULL;
}

/* plots on json (NULL: the fixture as it is) in a folder of its own named name, which
 * it returns in dir; returns report.md (the caller frees it). */
static char *report_of(const char *name, json_t *json, char *dir, size_t len)
{
    return plots_report("pitfalls", json ? json_incref(json) : load(FIXTURE), name, dir, len);
}

static void teardown(void)
{
    plots_work_remove();
}

static char *section(const char *md, const char *heading)
{
    return md_section(md, heading);
}

#define HEADING "## The lecture's pitfalls, beside the correct code"

/* The one line of text that starts with start; fails where there is none or several. */
static char *row(const char *text, const char *start)
{
    char *found = NULL;
    int n = 0;
    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        if (strncmp(l, start, strlen(start)) != 0)
            continue;
        n++;
        size_t len = strcspn(l, "\n");
        free(found);
        found = malloc(len + 1);
        CHECK(found);
        memcpy(found, l, len);
        found[len] = '\0';
    }
    CHECK(n == 1, "%d rows start with %s", n, start);
    return found;
}

static void has(const char *text, const char *needle, const char *what)
{
    CHECK(strstr(text, needle), "%s: no \"%s\" in: %s", what, needle, text);
}

/* ---- the section: a row per pair, with its figures ---- */

static void case_section(void)
{
    char dir[PATH_MAX];
    char *md = report_of("fixture", NULL, dir, sizeof(dir));
    char *s = section(md, HEADING);
    CHECK(s, "no pitfalls section in the report");
    has(s, "waves of 16", "the scenario's settings");
    /* The pairs' table: one row each, in bench's order. */
    char *no_reap = row(s, "| `no-reap`"), *no_close = row(s, "| `no-close`");
    char *racy = row(s, "| `racy-connfd`"), *no_detach = row(s, "| `no-detach`");
    CHECK(strstr(s, no_reap) < strstr(s, no_close) && strstr(s, no_close) < strstr(s, racy) &&
              strstr(s, racy) < strstr(s, no_detach),
          "the pairs out of bench's order");
    has(no_reap, "| echo-process | zombie children |", "no-reap's model and resource");
    has(no_reap, "RLIMIT_NPROC 1017 for user nobody: room for 1000 children", "its limit");
    has(no_reap, "| 1,000 of 2,000 |", "served by the pitfall");
    has(no_reap, "0 → 1,000: +1 a client, flat from about client 1,000", "its zombies");
    has(no_reap, "fork failed at client 1,001, after 0.84 s", "its first failure");
    has(no_reap, "| 2,000 of 2,000 | 0 → 0: flat | none within 2,000 clients |",
        "the correct code");
    has(no_close, "5 → 1,019: +1 a client", "no-close's descriptors");
    has(no_close, "accept failed at client 1,015, after 0.852 s", "its first failure");
    has(no_close, "RLIMIT_NOFILE 1024", "its limit");
    has(racy, "| 250 of 2,000 |", "racy-connfd's served");
    has(racy, "0 → 1,750: +0.876 a client", "its clients not served");
    has(racy, "first served by none at client 2, after 0.0004 s", "its first failure");
    has(racy, "RACY_DELAY_NS", "its limit note");
    has(no_detach, "66.6 MiB → 2.19 GiB: +68 KiB a client", "no-detach's address space");
    has(no_detach, "pthread_create failed at client 32,741, after 2.9 s", "its first failure");
    has(no_detach, "vm.max_map_count 65530: each leaked stack takes 2 maps", "its limit note");
    /* The correct twin's few cached stacks are a step, not growth with the clients. */
    has(no_detach, "66.6 MiB → 66.8 MiB: +256 KiB in all | none within 34,000 clients |",
        "the correct code's address space");
    /* The runs' table: at the end, each resource; misserved split as the contract has it. */
    char *racy_run = row(s, "| echo-thread --pitfall racy-connfd |");
    has(racy_run, "| ok | 2,000 | 250 | 1,750 (1,700 / 40 / 10 / 0) |", "racy-connfd's run");
    char *reap_run = row(s, "| echo-process --pitfall no-reap |");
    has(reap_run, "| 1,000 (0 / 1,000 / 0 / 0) | 2.5 ms | 1,000 | 1,001 | 1 | 5 |",
        "no-reap's zombies");
    /* Said plainly: the widened race and the pitfalls' absence everywhere else. */
    has(s, "waits 2 ms (`RACY_DELAY_NS`", "the widened race window");
    has(s, "bench passes `--pitfall` nowhere else", "the pitfalls off elsewhere");
    CHECK(!strstr(s, "Not in this run"), "every pair is in the fixture");
    free(racy_run);
    free(reap_run);
    free(no_reap);
    free(no_close);
    free(racy);
    free(no_detach);
    free(s);
    free(md);
    teardown();
}

/* ---- a plot per pair: both runs' readings in its data, the first failure marked ---- */

/* Every row of a TSV block of series name: its x and y, into x and y; returns the count. */
static int tsv_series(const char *tsv, const char *name, double *x, double *y, int max)
{
    int n = 0;
    char *copy = strdup(tsv);
    CHECK(copy);
    for (char *save, *line = strtok_r(copy, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#')
            continue;
        size_t len = strcspn(line, "\t");
        if (len != strlen(name) || strncmp(line, name, len) != 0)
            continue;
        CHECK(n < max && sscanf(line + len, "\t%lf\t%lf", &x[n], &y[n]) == 2, "a row: %s", line);
        n++;
    }
    free(copy);
    return n;
}

/* A figure of the JSON and the TSV's (written with 9 digits) agree. */
static bool same_figure(double json, double tsv)
{
    return fabs(json - tsv) <= 1e-8 * fabs(json) + 1e-9;
}

/* The series of run holds only its readings (clients, resource; KiB drawn in MiB), its
 * baseline and its last sample among them. */
static void check_series(const char *tsv, const char *name, json_t *pair, const char *which)
{
    json_t *run = json_object_get(pair, which);
    const char *resource = json_string_value(json_object_get(pair, "resource"));
    double scale = strstr(resource, "_kib") ? 1024 : 1, x[64], y[64];
    int n = tsv_series(tsv, name, x, y, 64);
    json_t *samples = json_object_get(run, "samples");
    CHECK(n >= 10 && n <= 32, "%s: %d points of %zu samples", name, n, json_array_size(samples));
    bool base = false, last = false;
    for (int k = 0; k < n; k++) {
        bool found = false;
        json_t *s = json_object_get(run, "baseline");
        if (json_number_value(json_object_get(s, "clients")) == x[k]) {
            found = same_figure(json_number_value(json_object_get(s, resource)) / scale, y[k]);
            base |= found;
        }
        size_t i;
        json_array_foreach(samples, i, s)
        {
            if (json_number_value(json_object_get(s, "clients")) != x[k])
                continue;
            bool same = same_figure(json_number_value(json_object_get(s, resource)) / scale, y[k]);
            found |= same;
            last |= same && i + 1 == json_array_size(samples);
        }
        CHECK(found, "%s at %g: %g is no reading of the fixture's", name, x[k], y[k]);
    }
    CHECK(base && last, "%s: the baseline %s, the last sample %s", name, base ? "in" : "missing",
          last ? "in" : "missing");
    /* Thinned to fit a plot, it keeps the readings on either side of the first failure,
     * where the line turns. */
    double fail =
        json_number_value(json_object_get(json_object_get(run, "first_failure"), "client"));
    size_t i;
    json_t *s;
    json_array_foreach(samples, i, s)
    {
        double c = json_number_value(json_object_get(s, "clients"));
        double before =
            i ? json_number_value(json_object_get(json_array_get(samples, i - 1), "clients")) : 0;
        if (!(fail > before && fail <= c))
            continue;
        bool both[2] = {false, false};
        for (int k = 0; k < n; k++) {
            both[0] |= x[k] == before;
            both[1] |= x[k] == c;
        }
        CHECK(both[0] && both[1],
              "%s: the readings at %g and %g, either side of its first "
              "failure at %g, are not both drawn",
              name, before, c, fail);
    }
}

static void case_plots(void)
{
    char dir[PATH_MAX], path[PATH_MAX + 96];
    char *md = report_of("fixture", NULL, dir, sizeof(dir));
    json_t *j = load(FIXTURE);
    static const struct {
        const char *pitfall, *plot, *correct, *fails;
    } plots[] = {
        {"no-reap", "pitfall_no_reap", "echo-process (correct)",
         "fork fails: client 1,001, 0.84 s"},
        {"no-close", "pitfall_no_close", "echo-process (correct)",
         "accept fails: client 1,015, 0.852 s"},
        {"racy-connfd", "pitfall_racy_connfd", "echo-thread (correct)",
         "first served by none: client 2, 0.0004 s"},
        {"no-detach", "pitfall_no_detach", "echo-thread (correct)",
         "pthread_create fails: client 32,741, 2.9 s"},
    };
    for (size_t i = 0; i < sizeof(plots) / sizeof(plots[0]); i++) {
        json_t *pair = pair_of(j, plots[i].pitfall);
        snprintf(path, sizeof(path), "%s/plots/data/%s.tsv", dir, plots[i].plot);
        char *tsv = slurp(path, NULL);
        CHECK(tsv, "no %s", path);
        char name[64];
        snprintf(name, sizeof(name), "--pitfall %s", plots[i].pitfall);
        check_series(tsv, name, pair, "pitfall_run");
        check_series(tsv, plots[i].correct, pair, "correct_run");
        free(tsv);
        /* The script draws both, and marks where the pitfall first failed, in words. */
        snprintf(path, sizeof(path), "%s/plots/%s.gp", dir, plots[i].plot);
        char *gp = slurp(path, NULL);
        CHECK(gp, "no %s", path);
        char want[160];
        snprintf(want, sizeof(want), "title '%s'", name);
        has(gp, want, plots[i].plot);
        /* The correct code in its model's colour; the pitfall apart, black and dashed. */
        snprintf(want, sizeof(want), "dt 1 pt 7 ps 0.8 lc rgb '%s' title '%s'",
                 strstr(plots[i].correct, "process") ? "#d62728" : "#2ca02c", plots[i].correct);
        has(gp, want, plots[i].plot);
        snprintf(want, sizeof(want), "dt 2 pt 7 ps 0.8 lc rgb '#000000' title '%s'", name);
        has(gp, want, plots[i].plot);
        snprintf(
            want, sizeof(want), "set arrow from %.0f, graph 0",
            json_number_value(json_object_get(
                json_object_get(json_object_get(pair, "pitfall_run"), "first_failure"), "client")));
        has(gp, want, plots[i].plot);
        snprintf(want, sizeof(want), "set label '%s'", plots[i].fails);
        has(gp, want, plots[i].plot);
        free(gp);
        /* Rendered, and embedded in the report with its caption and links. */
        snprintf(path, sizeof(path), "%s/plots/%s.png", dir, plots[i].plot);
        struct stat st;
        CHECK(stat(path, &st) == 0 && st.st_size > 8000, "no picture %s", path);
        snprintf(want, sizeof(want), "](plots/%s.png)", plots[i].plot);
        has(md, want, "the report shows the plot");
        snprintf(want, sizeof(want), "[data](plots/data/%s.tsv)", plots[i].plot);
        has(md, want, "the report links the plot's data");
    }
    char *s = section(md, HEADING);
    CHECK(s);
    has(s, "fork fails: client 1,001, 0.84 s). The limit it ran under: RLIMIT_NPROC 1017",
        "no-reap's caption: the failure and the limit");
    free(s);
    json_decref(j);
    free(md);
    teardown();
}

/* ---- a run that did not run ok says its status and detail ---- */

static void case_run_failed(void)
{
    char dir[PATH_MAX], path[PATH_MAX + 64];
    json_t *j = load(FIXTURE);
    /* no-close's correct twin never listened; no-reap's pitfall run died at client 640. */
    json_t *run = json_object_get(pair_of(j, "no-close"), "correct_run");
    json_object_set_new(run, "status", json_string("failed_to_start"));
    json_object_set_new(run, "detail", json_string("echo-process did not listen within 5 s"));
    json_object_set_new(run, "clients", json_integer(0));
    json_object_set_new(run, "served", json_integer(0));
    json_object_set_new(run, "first_failure", json_null());
    json_object_set_new(run, "samples", json_array());
    json_t *nulls =
        json_pack("{s:i,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n}", "clients", 0, "t_s", "served",
                  "misserved", "zombies", "processes", "threads", "fds", "rss_kib", "vm_kib");
    json_object_set(run, "baseline", nulls);
    json_object_set_new(run, "final", nulls);
    run = json_object_get(pair_of(j, "no-reap"), "pitfall_run");
    json_object_set_new(run, "status", json_string("crashed"));
    json_object_set_new(run, "detail", json_string("the server died (signal 9) at client 640"));
    char *md = report_of("failed", j, dir, sizeof(dir));
    char *s = section(md, HEADING);
    CHECK(s, "no pitfalls section");
    char *no_close = row(s, "| `no-close`");
    has(no_close, "| failed_to_start: echo-process did not listen within 5 s | - | - |",
        "the correct run that never started");
    has(no_close, "accept failed at client 1,015", "the pitfall run beside it still says its own");
    char *no_reap = row(s, "| `no-reap`");
    has(no_reap, "crashed: the server died (signal 9) at client 640; served 1,000 of 2,000",
        "the run that crashed, with what it served");
    char *line = row(s, "| echo-process (correct; beside no-close) |");
    has(line, "| failed_to_start: echo-process did not listen within 5 s |", "its run's row");
    /* Its plot keeps the pitfall's line alone. */
    snprintf(path, sizeof(path), "%s/plots/data/pitfall_no_close.tsv", dir);
    char *tsv = slurp(path, NULL);
    CHECK(tsv && strstr(tsv, "--pitfall no-close\t") && !strstr(tsv, "(correct)"),
          "the plot of a pair whose correct run failed: %s", tsv ? tsv : "none");
    free(tsv);
    free(line);
    free(no_reap);
    free(no_close);
    free(s);
    free(md);
    json_decref(j);
    teardown();
}

/* ---- growth: a step at the first wave, and what is gone by the end ---- */

/* Adds d to key in every sample of run (not the baseline): a step at the first wave. */
static void step_samples(json_t *run, const char *key, double d)
{
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(run, "samples"), i, s)
        json_object_set_new(s, key, json_real(json_number_value(json_object_get(s, key)) + d));
    json_t *fin = json_object_get(run, "final");
    json_object_set_new(fin, key, json_real(json_number_value(json_object_get(fin, key)) + d));
}

static void case_growth(void)
{
    char dir[PATH_MAX];
    json_t *j = load(FIXTURE);
    /* Both no-detach runs take on 1 GiB of malloc arenas in the first wave: the pitfall's
     * growth per client is its stacks' still, the twin's a step, not growth. */
    json_t *pair = pair_of(j, "no-detach");
    step_samples(json_object_get(pair, "pitfall_run"), "vm_kib", 1048576);
    step_samples(json_object_get(pair, "correct_run"), "vm_kib", 1048576);
    /* no-reap's correct twin has 12 zombies at one reading mid-run, none at the end. */
    json_t *run = json_object_get(pair_of(j, "no-reap"), "correct_run");
    json_t *mid = json_array_get(json_object_get(run, "samples"), 3);
    CHECK(mid, "the fixture's twin has samples");
    json_object_set_new(mid, "zombies", json_integer(12));
    /* A twin slow for a moment: 3 echoes late, served; and a room another task took. */
    json_object_set_new(run, "late", json_integer(3));
    json_object_set_new(pair_of(j, "no-reap"), "limit_warning",
                        json_string("the limit left room for 1000 clients, and the pitfall "
                                    "served 700 before its first failure"));
    char *md = report_of("growth", j, dir, sizeof(dir));
    char *s = section(md, HEADING);
    CHECK(s, "no pitfalls section");
    char *detach = row(s, "| `no-detach`");
    has(detach, "+68 KiB a client", "the pitfall's stacks, past the arenas' step");
    has(detach, "GiB in all", "the twin's step, not growth per client");
    char *reap = row(s, "| `no-reap`");
    has(reap, "0 → 0: none left (at most 12 at a reading, gone by the end)",
        "the twin's zombies of a moment");
    has(reap, "(**warning:** the limit left room for 1000 clients", "bench's warning on the room");
    char *line = row(s, "| echo-process (correct; beside no-reap) |");
    has(line, "| 2,000 (3 late) |", "the late echoes among the served");
    free(line);
    free(reap);
    free(detach);
    free(s);
    free(md);
    json_decref(j);
    teardown();
}

/* ---- a skipped scenario says its note, and plots nothing ---- */

static void case_skipped(void)
{
    char dir[PATH_MAX], path[PATH_MAX + 64];
    json_t *j = load(FIXTURE);
    json_t *sc = scenario_of(j);
    json_object_del(sc, "pairs");
    json_object_set_new(sc, "status", json_string("skipped"));
    json_object_set_new(
        sc, "note", json_string("skipped: neither echo-process nor echo-thread is in --models"));
    char *md = report_of("skipped", j, dir, sizeof(dir));
    char *s = section(md, HEADING);
    CHECK(s, "no section for the skipped scenario");
    has(s, "skipped: neither echo-process nor echo-thread is in --models", "its note");
    has(s, "The scenario was skipped", "that it was skipped");
    CHECK(!strstr(s, "| pitfall |"), "a table for a scenario that did not run");
    snprintf(path, sizeof(path), "%s/plots/data/pitfall_no_reap.tsv", dir);
    CHECK(access(path, F_OK) != 0, "a plot of a scenario that did not run");
    free(s);
    free(md);
    json_decref(j);
    teardown();
}

/* ---- a partial scenario: the pairs it has, what it lacks named; no crash ---- */

static void case_partial(void)
{
    char dir[PATH_MAX], path[PATH_MAX + 64];
    json_t *j = load(FIXTURE);
    json_t *sc = scenario_of(j), *pairs = json_object_get(sc, "pairs");
    /* Interrupted during racy-connfd: no-detach never ran, racy-connfd's correct run is
     * missing, and a pair with nothing in it. */
    json_array_remove(pairs, 3);
    json_object_del(json_array_get(pairs, 2), "correct_run");
    json_array_append_new(pairs, json_object());
    json_array_append_new(pairs, json_string("not a pair"));
    json_object_set_new(sc, "status", json_string("interrupted"));
    json_object_set_new(j, "interrupted", json_true());
    char *md = report_of("interrupted", j, dir, sizeof(dir));
    char *s = section(md, HEADING);
    CHECK(s, "no section for the interrupted scenario");
    has(s, "did not finish** (status `interrupted`)", "the status");
    has(s, "Not in this run: no-detach", "the pair that never ran");
    char *racy = row(s, "| `racy-connfd`");
    has(racy, "| not run | - | - |", "the run that is missing");
    free(racy);
    char *reap = row(s, "| `no-reap`");
    has(reap, "fork failed at client 1,001", "a whole pair, as before");
    free(reap);
    snprintf(path, sizeof(path), "%s/plots/data/pitfall_no_detach.tsv", dir);
    CHECK(access(path, F_OK) != 0, "a plot of a pair that never ran");
    snprintf(path, sizeof(path), "%s/plots/data/pitfall_racy_connfd.tsv", dir);
    CHECK(access(path, F_OK) == 0, "the plot of a pair with one run");
    free(s);
    free(md);

    /* Running, with no "pairs" yet. */
    json_object_del(sc, "pairs");
    json_object_set_new(sc, "status", json_string("running"));
    md = report_of("running", j, dir, sizeof(dir));
    s = section(md, HEADING);
    CHECK(s, "no section for the running scenario");
    has(s, "(status `running`)", "the status");
    has(s, "No pair ran", "that nothing ran");
    free(s);
    free(md);
    json_decref(j);
    teardown();
}

/* ---- an older bench.json, without the scenario: no section, no plot, no crash ---- */

static void case_absent(void)
{
    char dir[PATH_MAX];
    json_t *j = load(ECHOBENCH_FIXTURES "/bench.json");
    char *md = report_of("old", j, dir, sizeof(dir));
    CHECK(!strstr(md, HEADING) && !strstr(md, "plots/pitfall_") && !strstr(md, "| `no-reap`"),
          "a bench.json without the scenario has a pitfalls section");
    char cmd[PATH_MAX + 64];
    snprintf(cmd, sizeof(cmd), "test -z \"$(find '%s/plots' -name 'pitfall_*')\"", dir);
    CHECK(system(cmd) == 0, "pitfall plots from a bench.json without the scenario");
    free(md);
    json_decref(j);
    teardown();
}

TEST_CASES({"pitfalls_section", case_section}, {"pitfalls_plots", case_plots},
           {"pitfalls_run_failed", case_run_failed}, {"pitfalls_growth", case_growth},
           {"pitfalls_skipped", case_skipped}, {"pitfalls_partial", case_partial},
           {"pitfalls_absent", case_absent});
TEST_MAIN()
