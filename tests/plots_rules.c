/* The analysis's rules for what does not compare: starved points, abandoned requests,
 * too few added connections for a slope, intervals below zero, rankings, and compare's
 * warnings, each on a fixture changed to hold the case; and on bench_floor.json, the floor
 * beside the models, intervals of the median, disturbance and the planner. */
#include "check.h"
#include "harness.h"
#include "plots_cases.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- what is not comparable says so, and is never ranked ---- */

/* The line of text (which may be NULL) holding needle, or NULL; the caller frees it. */
static char *line_with(const char *text, const char *needle)
{
    const char *at = text ? strstr(text, needle) : NULL;
    if (!at)
        return NULL;
    const char *from = at, *to = strchr(at, '\n');
    while (from > text && from[-1] != '\n')
        from--;
    size_t len = to ? (size_t)(to - from) : strlen(from);
    char *line = malloc(len + 1);
    CHECK(line);
    memcpy(line, from, len);
    line[len] = '\0';
    return line;
}

/* plots on json; returns report.md, and the folder in dir. */
static char *report_of(const char *name, json_t *json, char *dir, size_t len)
{
    char err[8192], path[PATH_MAX + 64];
    results_dir(name, json, dir, len);
    const char *args[] = {dir, NULL};
    CHECK(run("plots", args, NULL, err, sizeof(err)) == 0, "%s", err);
    snprintf(path, sizeof(path), "%s/report.md", dir);
    char *md = slurp(path, NULL);
    CHECK(md, "no %s", path);
    return md;
}

static void set_summary(json_t *pt, const char *metric, double median, double lo, double hi)
{
    json_t *s = json_object_get(json_object_get(pt, "summary"), metric);
    CHECK(s, "no summary of %s", metric);
    json_object_set_new(s, "median", json_real(median));
    json_object_set_new(s, "ci95", json_pack("[f,f]", lo, hi));
}

/* The fixture's echo-iterative starves 3 of 4 and 63 of 64 connections (one at a time). */
void case_starved_marked(void)
{
    char dir[PATH_MAX], path[PATH_MAX + 64];
    char *md = report_of("starved", NULL, dir, sizeof(dir));
    char *row = line_with(strstr(md, "p99 latency (µs)"), "| iterative |");
    CHECK(row && strstr(row, "(63 of 64 starved: not comparable)") &&
              strstr(row, "(3 of 4 starved: not comparable)"),
          "the p99 table's starved points: %s", row ? row : "no row");
    free(row);
    for (const char *sc = "concurrency"; sc; sc = strcmp(sc, "concurrency") == 0 ? "service"
                                                  : strcmp(sc, "service") == 0   ? "idle"
                                                                                 : NULL) {
        char want[128];
        snprintf(want, sizeof(want), "Starved connections (no echo in the window) in the %s", sc);
        char *f = line_with(md, want);
        CHECK(f && strstr(f, "echo-iterative at "), "no finding of the starved in %s", sc);
        /* Its p99 is mostly the starved ones' censored waits, not the served requests'. */
        CHECK(strstr(f, "mixes the few requests served with the starved connections' censored "
                        "waits") &&
                  !strstr(f, "that of the few served"),
              "what a starved point's latency is: %s", f);
        free(f);
    }
    free(md);
    /* The plot: the starved points apart from the line, as labelled marks. */
    snprintf(path, sizeof(path), "%s/plots/data/latency_vs_connections.tsv", dir);
    char *tsv = slurp(path, NULL);
    CHECK(tsv && strstr(tsv, "iterative: not comparable\t64\t") && strstr(tsv, "\t63 starved\n"),
          "latency_vs_connections.tsv: %s", tsv ? tsv : "none");
    CHECK(!strstr(tsv, "\niterative\t64\t"), "the starved point is on iterative's line");
    free(tsv);
    snprintf(path, sizeof(path), "%s/plots/latency_vs_connections.gp", dir);
    char *gp = slurp(path, NULL);
    CHECK(gp && strstr(gp, "with labels") && strstr(gp, "title 'iterative: not comparable'"),
          "the script draws no labelled marks");
    free(gp);
    teardown();
}

void case_ranking_rules(void)
{
    char dir[PATH_MAX];
    json_t *j = fixture();
    /* echo-iterative, starved at 64, with an interval over echo-epoll's: excluded, so
     * never named as a rival. */
    json_t *epoll64 = find_point(j, "concurrency", "epoll", 64);
    json_t *it64 = find_point(j, "concurrency", "iterative", 64);
    set_summary(epoll64, "p99_us", 1000, 900, 1100);
    set_summary(it64, "p99_us", 1050, 950, 1150);
    set_summary(it64, "throughput_rps", 110000, 60000, 160000);
    /* echo-epoll's trials at 64 had loadgen saturated. */
    json_object_set_new(epoll64, "loadgen_saturated_trials", json_integer(2));
    /* An interval below zero. */
    set_summary(find_point(j, "concurrency", "epoll", 1), "throughput_rps", 28275, -500, 57000);
    char *md = report_of("ranking", j, dir, sizeof(dir));
    json_decref(j);
    char *p99 = line_with(md, "had the lowest median p99 latency");
    CHECK(p99 && strstr(p99, "echo-epoll") && !strstr(p99, "echo-iterative"),
          "the p99 ranking names an excluded model: %s", p99 ? p99 : "none");
    free(p99);
    char *rps = line_with(md, "had the highest median throughput");
    CHECK(rps && !strstr(rps, "echo-iterative"), "the throughput ranking: %s", rps ? rps : "none");
    free(rps);
    CHECK(strstr(md, "saturated at 64 connections for echo-epoll in 2 of 2 trials"),
          "the ranking does not say loadgen was saturated");
    char *row = line_with(strstr(md, "Requests per second"), "| epoll |");
    CHECK(row && strstr(row, "[0†, 57,000]"), "the clamped interval: %s", row ? row : "none");
    free(row);
    CHECK(strstr(md, "intervals reach below zero"), "the clamped intervals are not said");
    free(md);
    teardown();
}

/* The idle points' trials: primed memory base + growth KiB, held connections. */
static void set_memory(json_t *pt, double growth_kib, double held)
{
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(pt, "trials"), i, t)
    {
        json_t *res = json_object_get(t, "resources");
        double base = json_number_value(json_object_get(res, "base_pss_anon_kib"));
        json_object_set_new(res, "primed_pss_anon_kib", json_real(base + growth_kib));
        if (held > 0)
            json_object_set_new(res, "connections_held", json_real(held));
    }
}

void case_memory_marginal(void)
{
    char dir[PATH_MAX], path[PATH_MAX + 64];
    json_t *j = fixture();
    /* echo-epoll: 72 KiB over its baseline with 16 connections; its second point made
     * to open 100 idle ones (the slope needs 100 added: rank.c), 1,072 KiB with 116:
     * each added cost 10 KiB, the average 1,072 KiB / 116. */
    set_memory(find_point(j, "idle", "epoll", 0), 72, 16);
    set_memory(find_point(j, "idle", "epoll", 1), 1072, 116);
    json_object_set_new(find_point(j, "idle", "epoll", 1), "idle", json_integer(100));
    char *md = report_of("marginal", j, dir, sizeof(dir));
    json_decref(j);
    char *row = line_with(strstr(md, "Server memory per added connection"), "| epoll |");
    CHECK(row && strstr(row, "| - | 10,240 |"), "the slope: %s", row ? row : "none");
    free(row);
    row = line_with(strstr(md, "Server memory per connection, average"), "| epoll |");
    CHECK(row && strstr(row, "÷ 116 |") && strstr(row, "÷ 16 |"), "the average's divisor: %s",
          row ? row : "none");
    free(row);
    char *f = line_with(md, "Memory per added connection, up to 1 idle client");
    CHECK(f && strstr(f, "echo-epoll 10,240 bytes (from 0)"), "the headline: %s", f ? f : "none");
    free(f);
    free(md);
    snprintf(path, sizeof(path), "%s/plots/data/idle_memory.tsv", dir);
    char *tsv = slurp(path, NULL);
    CHECK(tsv && strstr(tsv, "\nepoll\t1\t10240\t"), "idle_memory.tsv: %s", tsv ? tsv : "none");
    free(tsv);

    /* The same, but it held 10 of the 17: never ranked on connections it refused. */
    j = fixture();
    set_memory(find_point(j, "idle", "epoll", 0), 72, 0);
    set_memory(find_point(j, "idle", "epoll", 1), 82, 10);
    md = report_of("refused", j, dir, sizeof(dir));
    json_decref(j);
    row = line_with(strstr(md, "Server memory per added connection"), "| epoll |");
    CHECK(row && strstr(row, "(held 10 of 17: not comparable)"), "the refused point: %s",
          row ? row : "none");
    free(row);
    CHECK(strstr(md, "echo-epoll held 10 of the 17 connections with 1 idle clients"),
          "the refusal is not said");
    f = line_with(md, "Memory per added connection, up to");
    CHECK(!f || !strstr(f, "echo-epoll"), "ranked on refused connections: %s", f);
    free(f);
    free(md);
    teardown();
}

/* Memory is read in whole pages: a slope over fewer than 100 added connections, or
 * from or to a point that refused some, is "-" in the table, in no finding and not
 * drawn; never 0 or a negative number of bytes. */
void case_memory_min_added(void)
{
    char dir[PATH_MAX], path[PATH_MAX + 64];
    /* 16 held, then 17 with the same growth (0 bytes), or one page less (-4,096). */
    static const double second_kib[] = {72, 68};
    for (int k = 0; k < 2; k++) {
        json_t *j = fixture();
        set_memory(find_point(j, "idle", "epoll", 0), 72, 16);
        set_memory(find_point(j, "idle", "epoll", 1), second_kib[k], 17);
        char *md = report_of(k ? "one_page_less" : "one_added", j, dir, sizeof(dir));
        json_decref(j);
        char *row = line_with(strstr(md, "Server memory per added connection"), "| epoll |");
        CHECK(row && strstr(row, "| epoll | - | - |"), "one added connection: %s",
              row ? row : "none");
        free(row);
        CHECK(strstr(md, "`-`: no slope"), "the table does not say what - is");
        char *f = line_with(md, "Memory per added connection, up to");
        CHECK(!f || !strstr(f, "echo-epoll"), "a slope over one connection ranked: %s", f);
        free(f);
        free(md);
        snprintf(path, sizeof(path), "%s/plots/data/idle_memory.tsv", dir);
        char *tsv = slurp(path, NULL);
        CHECK(!tsv || !strstr(tsv, "\nepoll\t1\t"), "drawn: %s", tsv);
        free(tsv);
    }
    /* From a point that refused: its first point held 10 of 16, the second all 116. */
    json_t *j = fixture();
    set_memory(find_point(j, "idle", "epoll", 0), 72, 10);
    set_memory(find_point(j, "idle", "epoll", 1), 1072, 116);
    json_object_set_new(find_point(j, "idle", "epoll", 1), "idle", json_integer(100));
    char *md = report_of("from_refused", j, dir, sizeof(dir));
    json_decref(j);
    char *row = line_with(strstr(md, "Server memory per added connection"), "| epoll |");
    CHECK(row && strstr(row, "| epoll | - (held 10 of 16: not comparable) | - |"),
          "a slope from a point that refused: %s", row ? row : "none");
    free(row);
    free(md);
    teardown();
}

/* A 95% interval that reaches zero on a log axis: gnuplot drops an error bar whose
 * lower end is <= 0 there, so the bar's lower end is the axis' bottom (> 0), and the
 * script's y range starts at or below it. */
void case_log_error_bar(void)
{
    char dir[PATH_MAX], path[PATH_MAX + 64];
    json_t *j = fixture();
    set_summary(find_point(j, "concurrency", "epoll", 1), "p99_us", 500, -300, 7470);
    free(report_of("log_bar", j, dir, sizeof(dir)));
    json_decref(j);
    snprintf(path, sizeof(path), "%s/plots/data/latency_vs_connections.tsv", dir);
    char *tsv = slurp(path, NULL);
    char *row = tsv ? line_with(tsv, "epoll\t1\t500\t") : NULL;
    double y = 0, lo = -1, hi = 0;
    CHECK(row && sscanf(row, "epoll\t1\t%lf\t%lf\t%lf", &y, &lo, &hi) == 3,
          "no epoll row at 1 in %s", tsv ? tsv : "none");
    CHECK(lo > 0 && lo < y && hi == 7470, "the bar at 1: %s", row);
    free(row);
    free(tsv);
    snprintf(path, sizeof(path), "%s/plots/latency_vs_connections.gp", dir);
    char *gp = slurp(path, NULL);
    char *range = gp ? strstr(gp, "set yrange [") : NULL;
    double bottom = 0;
    CHECK(range && sscanf(range, "set yrange [%lf:", &bottom) == 1 && bottom > 0 && bottom <= lo,
          "the log axis' bottom (%g) is not at or below the bar's end (%g)", bottom, lo);
    free(gp);
    /* A linear axis still draws an interval from 0 (the fixture's throughput at 1). */
    snprintf(path, sizeof(path), "%s/plots/throughput_vs_connections.gp", dir);
    gp = slurp(path, NULL);
    CHECK(gp && strstr(gp, "set yrange [0:*]"), "the linear axis: %s", gp ? gp : "none");
    free(gp);
    teardown();
}

/* Requests abandoned with a failing connection are in no percentile: a point that lost
 * some says so beside its latency, and a finding says where. */
void case_abandoned_marked(void)
{
    char dir[PATH_MAX];
    json_t *j = fixture();
    json_t *trials = json_object_get(find_point(j, "concurrency", "epoll", 4), "trials");
    json_object_set_new(json_array_get(trials, 0), "abandoned", json_integer(7));
    json_object_set_new(json_array_get(trials, 1), "abandoned", json_integer(3));
    trials = json_object_get(find_point(j, "concurrency", "epoll", 64), "trials");
    json_object_set_new(json_array_get(trials, 0), "abandoned", json_integer(0));
    char *md = report_of("abandoned", j, dir, sizeof(dir));
    json_decref(j);
    char *row = line_with(strstr(md, "p99 latency (µs)"), "| epoll |");
    CHECK(row && strstr(row, "(7 abandoned: over the survivors)"), "the p99 row: %s",
          row ? row : "none");
    CHECK(!strstr(strstr(row, "abandoned") + 1, "abandoned"), "more than the one point marked: %s",
          row);
    free(row);
    row = line_with(strstr(md, "Requests per second"), "| epoll |");
    CHECK(row && !strstr(row, "abandoned"), "a throughput cell marked: %s", row ? row : "none");
    free(row);
    char *f = line_with(md, "Requests abandoned");
    CHECK(f && strstr(f, "concurrency scenario: echo-epoll at 4 (7).") && !strstr(f, "64 ("),
          "the finding: %s", f ? f : "none");
    free(f);
    free(md);
    teardown();
}

/* Two models' marks at one point (both starved at 64 connections): their labels are
 * drawn at different offsets, so they do not print over each other. */
void case_marks_apart(void)
{
    char dir[PATH_MAX], path[PATH_MAX + 64];
    json_t *j = fixture();
    size_t i;
    json_t *t;
    json_t *epoll = find_point(j, "concurrency", "epoll", 64);
    json_array_foreach(json_object_get(epoll, "trials"), i, t)
        json_object_set_new(t, "starved", json_integer(5));
    /* A third model starved at the same point: iterative, epoll and select there. */
    json_t *select = json_deep_copy(epoll);
    json_object_set_new(select, "model", json_string("select"));
    json_t *sc;
    json_array_foreach(
        json_object_get(j, "scenarios"), i,
        sc) if (strcmp(json_string_value(json_object_get(sc, "name")), "concurrency") == 0)
        json_array_append(json_object_get(sc, "points"), select);
    json_decref(select);
    json_array_append_new(json_object_get(json_object_get(j, "settings"), "models"),
                          json_string("select"));
    free(report_of("marks_apart", j, dir, sizeof(dir)));
    json_decref(j);
    snprintf(path, sizeof(path), "%s/plots/latency_vs_connections.gp", dir);
    char *gp = slurp(path, NULL);
    /* Three series of labels, each on a line of its own: a line apart from every other
     * (with two lines, above and below, the first and third printed over each other). */
    double y[3];
    const char *at = gp;
    for (int k = 0; k < 3; k++) {
        at = at ? strstr(at, "with labels offset ") : NULL;
        CHECK(at && sscanf(at, "with labels offset 0,%lf", &y[k]) == 1,
              "three series of labels: %s", gp ? gp : "none");
        at++;
        for (int m = 0; m < k; m++)
            CHECK(fabs(y[k] - y[m]) >= 1.0, "labels of series %d and %d at %g and %g", m, k, y[m],
                  y[k]);
    }
    free(gp);
    teardown();
}

void case_compare_warnings(void)
{
    char a[PATH_MAX], b[PATH_MAX], err[8192], out[PATH_MAX + 64], path[PATH_MAX + 64];
    results_dir("a", NULL, a, sizeof(a));
    json_t *j = fixture();
    json_object_set_new(json_object_get(j, "settings"), "trials", json_integer(5));
    json_object_set_new(json_object_get(j, "settings"), "duration_s", json_real(0.2));
    json_object_set_new(json_object_get(j, "env"), "server_cpus", json_pack("[i]", 1));
    json_t *capped = find_point(j, "concurrency", "epoll", 4);
    json_object_set_new(capped, "status", json_string("capped"));
    results_dir("b", j, b, sizeof(b));
    json_decref(j);
    const char *args[] = {a, b, NULL};
    snprintf(out, sizeof(out), "%s/compare.out", b);
    int rc = run_tool("compare", args, NULL, out, err, sizeof(err));
    CHECK(rc == 0, "exit %d: %s", rc, err);
    char *stdout_text = slurp(out, NULL);
    CHECK(stdout_text && strstr(stdout_text, "settings differ") &&
              strstr(stdout_text, "not comparable, not measured in both"),
          "compare's output: %s", stdout_text ? stdout_text : "none");
    free(stdout_text);
    /* A real as people write it: 0.3, not 0.29999999999999999. */
    CHECK(strstr(err, "duration_s 0.3 against 0.2;"), "the durations: %s", err);
    CHECK(strstr(err, "settings differ") && strstr(err, "trials 2 against 5") &&
              strstr(err, "server_cpus"),
          "no warning that the settings differ: %s", err);
    snprintf(path, sizeof(path), "%s/compare/compare.md", b);
    char *md = slurp(path, NULL);
    CHECK(md && strstr(md, "settings differ"), "compare.md says nothing of the settings");
    CHECK(!strstr(md, "| concurrency | epoll | 4 |"), "a capped point compared");
    CHECK(strstr(md, "concurrency epoll 4 (A ok, B capped)"), "the capped point is not listed");
    char *row = line_with(md, "| concurrency | iterative | 64 | p99_us |");
    CHECK(row && strstr(row, "starved") && !strstr(row, "*"), "a starved point: %s",
          row ? row : "none");
    free(row);
    free(md);
    teardown();
}

/* ---- the floor, intervals of the median, disturbance, the planner ---- */

/* bench_floor.json: echo-epoll, echo-thread and echo-uring with the floor beside them,
 * concurrency at 1 and 64 connections and load at 10%, 50%, 90%, three trials each
 * (intervals of the median: the range of 3, 75%), vs_floor on every model point, the
 * floor faster than every model; echo-thread at 64 noisy with its second trial
 * disturbed (others' CPU 12%, steal 3%), echo-uring at 1 noisy undisturbed; the planner
 * met no point (3 trials reach 75% only), its budget spent at the first point. */
static json_t *floor_fixture(void)
{
    json_error_t e;
    json_t *j = json_load_file(ECHOBENCH_FIXTURES "/bench_floor.json", 0, &e);
    CHECK(j, "bench_floor.json: %s", e.text);
    return j;
}

/* plots on bench_floor.json as it is; returns report.md, and the folder in dir. */
static char *floor_report(char *dir, size_t len)
{
    json_t *j = floor_fixture();
    char *md = report_of("floor", j, dir, len);
    json_decref(j);
    return md;
}

/* The findings section of a report (up to the next section); the caller frees it. */
static char *findings_of(const char *md)
{
    const char *from = strstr(md, "## Findings"), *to = from ? strstr(from + 3, "\n## ") : NULL;
    CHECK(from && to, "no findings section");
    char *s = strndup(from, (size_t)(to - from));
    CHECK(s);
    return s;
}

void case_floor_not_ranked(void)
{
    char dir[PATH_MAX];
    /* Without settings.models the models are those the points name: the floor, faster
     * than every model, is still not one of them. */
    for (int without_models = 0; without_models < 2; without_models++) {
        json_t *j = floor_fixture();
        if (without_models)
            json_object_del(json_object_get(j, "settings"), "models");
        char *md = report_of(without_models ? "floor_nomodels" : "floor", j, dir, sizeof(dir));
        json_decref(j);
        char *fi = findings_of(md);
        char *rps = line_with(fi, "had the highest median throughput");
        CHECK(rps && strstr(rps, "At 64 connections, echo-epoll had"), "the ranking: %s",
              rps ? rps : "none");
        CHECK(!strstr(fi, "echo-floor"), "a finding names the floor:\n%s", fi);
        CHECK(strstr(fi, "2 of 15 points are noisy"),
              "the floor's 5 points are counted as points:\n%s", fi);
        CHECK(!strstr(md, "| floor |") && !strstr(md, "\necho-floor (rows"),
              "the floor has a model's row");
        CHECK(strstr(md, "\necho-floor, this machine's floor (the reference, not a model)"),
              "the load sweep has no floor table");
        char *cap = line_with(strstr(md, "Capacity within the latency targets"), "| floor");
        CHECK(!cap, "the floor has a capacity: %s", cap);
        free(rps);
        free(fi);
        free(md);
    }
    teardown();
}

void case_floor_series(void)
{
    char dir[PATH_MAX], path[PATH_MAX + 64];
    char *md = floor_report(dir, sizeof(dir));
    free(md);
    static const char *const plots[] = {"throughput_vs_connections", "latency_vs_connections",
                                        "latency_p50_vs_connections", "load_p99"};
    for (size_t i = 0; i < sizeof(plots) / sizeof(plots[0]); i++) {
        snprintf(path, sizeof(path), "%s/plots/data/%s.tsv", dir, plots[i]);
        char *tsv = slurp(path, NULL);
        CHECK(tsv, "no %s", path);
        CHECK(strstr(tsv, "\nthis machine's floor\t"), "%s has no floor series:\n%s", plots[i],
              tsv);
        free(tsv);
        snprintf(path, sizeof(path), "%s/plots/%s.gp", dir, plots[i]);
        char *gp = slurp(path, NULL);
        char *clause = line_with(gp, "title 'this machine''s floor'");
        CHECK(clause && strstr(clause, "dt 2") && strstr(clause, "lc rgb '#999999'"),
              "%s: the floor is not the dashed grey line: %s", plots[i], clause ? clause : "none");
        free(clause);
        free(gp);
    }
    snprintf(path, sizeof(path), "%s/plots/data/throughput_vs_connections.tsv", dir);
    char *tsv = slurp(path, NULL);
    CHECK(strstr(tsv, "this machine's floor\t64\t200000\t196000\t204000"),
          "the floor's figure at 64 is not its median and interval:\n%s", tsv);
    free(tsv);
    teardown();
}

void case_vs_floor_table(void)
{
    char dir[PATH_MAX];
    char *md = floor_report(dir, sizeof(dir));
    static const char *const want[] = {
        "| *floor (reference)* | 40,000 [39,600, 40,400] | 200,000 [196,000, 204,000] |",
        "| epoll | 65% [62, 65] | 62% [62, 62] |",
        "| thread | 60% [59, 60] | 45% [34, 45] |",
        "| epoll | x1.8 [1.8, 1.9] | x1.8 [1.8, 1.8] |",
        "Its own figures: at 1, 40,000 req/s with p99 40.0 µs; at 64, 200,000 req/s",
        "one thread on epoll echoing bytes as they come",
        "Requests per second, median [interval of the median; the range of 3 trials, 75%]",
        "| p99 vs floor |",
        "| 9.50 | x2.5 [2.5, 2.5] |",
        "it reads a model against this machine's floor, and compares machines (compare). "
        "Within this run the models are ranked on their raw figures, not on these ratios",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        CHECK(strstr(md, want[i]), "report.md lacks \"%s\"", want[i]);
    CHECK(!strstr(md, "cancels") && !strstr(md, "as a share of the floor's in the same round"),
          "report.md still says the floor's ratio cancels a drift");
    free(md);
    teardown();
}

/* Within a run the ranking is on the raw figures, also at a point with a floor: at 64
 * connections echo-uring's raw throughput interval [116,000, 121,000] meets echo-epoll's
 * [120,540, 126,480], though their shares of the floor ([59, 59] and [62, 62]) are
 * apart. */
void case_lead_raw(void)
{
    char dir[PATH_MAX];
    char *md = floor_report(dir, sizeof(dir));
    char *fi = findings_of(md);
    char *rps = line_with(fi, "had the highest median throughput");
    CHECK(rps && strstr(rps, "echo-epoll had") &&
              strstr(rps, "(but the intervals of echo-uring do not lie wholly below it: not a "
                          "clear lead; the range of 3 trials, 75%)") &&
              !strstr(rps, "floor"),
          "the throughput lead: %s", rps ? rps : "none");
    /* Its p99, 930 [920, 950] µs: echo-uring's [990, 1,010] lies wholly above. */
    char *p99 = line_with(fi, "had the lowest median p99");
    CHECK(p99 && strstr(p99, "echo-epoll had") &&
              strstr(p99, "(every other's interval lies wholly above the leader's; the range "
                          "of 3 trials, 75%)") &&
              !strstr(p99, "floor"),
          "the p99 lead: %s", p99 ? p99 : "none");
    free(rps);
    free(p99);
    free(fi);
    free(md);
    teardown();
}

/* A rival is apart from the leader only on the losing side: an interval wholly on the
 * winning side (here an older bench.json's t-interval of the mean, which need not hold
 * the median) does not make the lead clear. */
void case_lead_direction(void)
{
    char dir[PATH_MAX];
    json_t *j = floor_fixture();
    json_t *pt = find_point(j, "concurrency", "uring", 64);
    json_t *sum = json_object_get(pt, "summary");
    json_t *rps = json_object_get(sum, "throughput_rps"), *p99 = json_object_get(sum, "p99_us");
    json_object_del(rps, "ci");
    json_object_del(rps, "ci_level");
    json_object_set_new(rps, "ci95", json_pack("[f, f]", 127000.0, 135000.0));
    json_object_del(p99, "ci");
    json_object_del(p99, "ci_level");
    json_object_set_new(p99, "ci95", json_pack("[f, f]", 800.0, 900.0));
    char *md = report_of("direction", j, dir, sizeof(dir));
    json_decref(j);
    char *fi = findings_of(md);
    char *line = line_with(fi, "had the highest median throughput");
    CHECK(line && strstr(line, "echo-epoll had") &&
              strstr(line, "but the intervals of echo-uring do not lie wholly below it"),
          "a rival above the leader made the lead clear: %s", line ? line : "none");
    free(line);
    line = line_with(fi, "had the lowest median p99");
    CHECK(line && strstr(line, "echo-epoll had") &&
              strstr(line, "but the intervals of echo-uring do not lie wholly above it"),
          "a rival below the leader made the lead clear: %s", line ? line : "none");
    free(line);
    free(fi);
    free(md);
    teardown();
}

void case_old_intervals(void)
{
    char dir[PATH_MAX];
    char *md = report_of("old", NULL, dir, sizeof(dir));
    /* The fixture's "ci95" (a t-interval of the mean), said to be one. */
    char *row = line_with(strstr(md, "Requests per second, median [95% interval of the mean]"),
                          "| epoll |");
    CHECK(row && strstr(row, "28,275 [26,051, 30,499]"), "the old interval: %s",
          row ? row : "none");
    CHECK(!strstr(md, "floor (reference)") && !strstr(md, "Adaptive trials") &&
              !strstr(md, "this machine's floor") && !strstr(md, "disturbed ("),
          "a run without the floor, the planner or disturbance speaks of them");
    free(row);
    free(md);
    teardown();
}

void case_noise_disturbance(void)
{
    char dir[PATH_MAX];
    char *md = floor_report(dir, sizeof(dir));
    char *noise = line_with(md, "points are noisy");
    CHECK(noise &&
              strstr(noise, "Of them, 1 had trials whose server CPUs were disturbed (1 trial") &&
              strstr(noise, "others' CPU time up to 12% of the window, steal up to 3%") &&
              strstr(noise, "at the other 1 the server CPUs were not disturbed"),
          "the noise finding: %s", noise ? noise : "none");
    free(noise);
    char *row = line_with(strstr(md, "Requests per second, median"), "| thread |");
    CHECK(row && strstr(row, "88,000 [70,000, 90,000] ~ d1/3"), "no disturbed mark: %s",
          row ? row : "none");
    free(row);
    free(md);
    /* No trial disturbed: the spread is not the other tenants'. */
    json_t *j = floor_fixture();
    json_t *pt = find_point(j, "concurrency", "thread", 64);
    json_object_set_new(json_array_get(json_object_get(pt, "trials"), 1), "disturbed",
                        json_false());
    json_object_set_new(pt, "disturbed_trials", json_integer(0));
    md = report_of("undisturbed", j, dir, sizeof(dir));
    json_decref(j);
    noise = line_with(md, "points are noisy");
    CHECK(noise && strstr(noise, "At 2 the server CPUs were not disturbed") &&
              strstr(noise, "the machine's wake-up path or the model's own") &&
              !strstr(noise, "Of them"),
          "the noise finding, undisturbed: %s", noise ? noise : "none");
    free(noise);
    free(md);
    teardown();
}

/* Across hosts: a point whose agents started further apart than the bound is said, with
 * the bound; none is said where no point was. */
void case_skew_finding(void)
{
    char dir[PATH_MAX];
    char *md = floor_report(dir, sizeof(dir));
    CHECK(!strstr(md, "started their windows further apart"), "a skew finding with no skew");
    free(md);
    json_t *j = floor_fixture();
    json_t *pt = find_point(j, "concurrency", "thread", 64);
    json_object_set_new(pt, "skewed_trials", json_integer(1));
    json_object_set_new(json_object_get(j, "settings"), "hosts",
                        json_pack("{s:s,s:[s,s],s:s,s:f}", "server", "lab1", "agents", "lab2",
                                  "lab3", "listen", "198.18.0.11", "skew_bound_us", 500.0));
    md = report_of("skewed", j, dir, sizeof(dir));
    json_decref(j);
    char *line = line_with(md, "started their windows further apart");
    CHECK(line && strstr(line, "At 1 points") && strstr(line, "(500 µs, --skew-bound)"),
          "the skew finding: %s", line ? line : "none");
    free(line);
    free(md);
    teardown();
}

/* The noise finding attributes a spread to the disturbance only where the disturbed
 * trials fall outside the undisturbed ones' range, and says when it cannot tell. */
void case_noise_cause(void)
{
    char dir[PATH_MAX];
    /* echo-thread at 64: 90,000 and 88,000 undisturbed, 70,000 disturbed: outside. */
    char *md = floor_report(dir, sizeof(dir));
    char *noise = line_with(md, "points are noisy");
    CHECK(noise &&
              strstr(noise, "at 1 the disturbed trials' throughput lies outside the undisturbed "
                            "ones' range: the disturbance explains its spread") &&
              !strstr(noise, "does not explain") && !strstr(noise, "cannot be separated"),
          "outside the range: %s", noise ? noise : "none");
    free(noise);
    free(md);
    /* The disturbed trial at 89,000, between the others: not the disturbance's. */
    json_t *j = floor_fixture();
    json_t *trials = json_object_get(find_point(j, "concurrency", "thread", 64), "trials");
    json_object_set_new(json_array_get(trials, 1), "throughput_rps", json_real(89000));
    md = report_of("within", j, dir, sizeof(dir));
    json_decref(j);
    noise = line_with(md, "points are noisy");
    CHECK(noise &&
              strstr(noise, "at 1 a disturbed trial's throughput lies within the undisturbed "
                            "ones' range: the disturbance does not explain its spread") &&
              !strstr(noise, "explains"),
          "within the range: %s", noise ? noise : "none");
    free(noise);
    free(md);
    /* Every trial disturbed: nothing to tell the disturbance from. */
    j = floor_fixture();
    json_t *pt = find_point(j, "concurrency", "thread", 64);
    trials = json_object_get(pt, "trials");
    for (size_t i = 0; i < json_array_size(trials); i++)
        json_object_set_new(json_array_get(trials, i), "disturbed", json_true());
    json_object_set_new(pt, "disturbed_trials", json_integer(3));
    md = report_of("all_disturbed", j, dir, sizeof(dir));
    json_decref(j);
    noise = line_with(md, "points are noisy");
    CHECK(noise && strstr(noise, "(3 trials,") &&
              strstr(noise, "at 1 every trial was disturbed: the cause of its spread cannot be "
                            "separated from the disturbance") &&
              !strstr(noise, "explain"),
          "every trial disturbed: %s", noise ? noise : "none");
    free(noise);
    free(md);
    teardown();
}

/* Levels said where under 95%: a table's title gives the range where its cells differ,
 * the throughput plot's caption the levels of what it draws, and the load tables' p99 vs
 * floor legend its own. echo-thread at 64 gets 5 trials' range (93.75%) beside the
 * others' 3 (75%). */
void case_levels_said(void)
{
    char dir[PATH_MAX];
    json_t *j = floor_fixture();
    json_t *s = json_object_get(
        json_object_get(find_point(j, "concurrency", "thread", 64), "summary"), "throughput_rps");
    json_object_set_new(s, "ci_level", json_real(0.9375));
    json_object_set_new(s, "n", json_integer(5));
    char *md = report_of("levels", j, dir, sizeof(dir));
    json_decref(j);
    const char *range = "the range of 3 to 5 trials, 75% to 93.75%";
    char *title = line_with(md, "Requests per second, median [");
    CHECK(title && strstr(title, "[interval of the median; the range of 3 to 5 trials, 75% to "
                                 "93.75%]"),
          "the table's title: %s", title ? title : "none");
    free(title);
    char *cap = line_with(md, "*Throughput against connections");
    CHECK(cap && strstr(cap, "with its interval (interval of the median; ") && strstr(cap, range),
          "the caption: %s", cap ? cap : "none");
    free(cap);
    cap = line_with(md, "*p99 latency against connections");
    CHECK(cap && strstr(cap, "with its interval (interval of the median; the range of 3 trials, "
                             "75%)"),
          "the p99 caption: %s", cap ? cap : "none");
    free(cap);
    char *legend = line_with(md, "p99 vs floor: ");
    CHECK(legend && strstr(legend, "[their interval of the median, the range of 3 trials, 75%]"),
          "the load legend: %s", legend ? legend : "none");
    free(legend);
    free(md);
    teardown();
}

/* The floor's line in the load plots passes only through its usable points: at 90%
 * loadgen lagged in 2 of the floor's 3 trials, so that point is left out, and the
 * caption says so. Every caption whole: none cut at a fixed size. */
void case_load_floor_usable(void)
{
    char dir[PATH_MAX], path[PATH_MAX + 64];
    json_t *j = floor_fixture();
    json_object_set_new(find_point(j, "load", "floor", 108000), "lagged_trials", json_integer(2));
    char *md = report_of("floor_lagged", j, dir, sizeof(dir));
    json_decref(j);
    snprintf(path, sizeof(path), "%s/plots/data/load_p99.tsv", dir);
    char *tsv = slurp(path, NULL);
    CHECK(tsv && strstr(tsv, "this machine's floor\t59700\t120") &&
              !strstr(tsv, "this machine's floor\t107460"),
          "the floor's lagged point is on its line:\n%s", tsv ? tsv : "none");
    free(tsv);
    char *cap = line_with(md, "*p99 latency (coordinated-omission corrected)");
    CHECK(cap && strstr(cap, "apart, labelled with it; dashed grey, this machine's floor "
                             "(echo-floor, the reference, not a model), its points where "
                             "loadgen lagged or saturated, or a connection starved, left out.*"),
          "the load caption, cut or without the floor: %s", cap ? cap : "none");
    free(cap);
    free(md);
    teardown();
}

/* Captions are never cut: the memory plot's, past 400 characters, whole. */
void case_captions_whole(void)
{
    char dir[PATH_MAX];
    char *md = report_of("captions", NULL, dir, sizeof(dir));
    char *cap = line_with(md, "*What each connection added costs");
    CHECK(cap && strstr(cap, "over every connection held, fixed costs included.*"),
          "the memory caption is cut: %s", cap ? cap : "none");
    free(cap);
    free(md);
    teardown();
}

void case_planner_line(void)
{
    char dir[PATH_MAX];
    char *md = floor_report(dir, sizeof(dir));
    char *line = line_with(md, "Adaptive trials");
    CHECK(line && strstr(line, "within ±5% at 95%") &&
              strstr(line, "0 of 6 model points met it; 0 runs added (the floor's included) "
                           "to the 24 base runs") &&
              !strstr(line, "fewer than 6 trials") &&
              strstr(line, "the budget ran out at concurrency/1"),
          "the planner: %s", line ? line : "none");
    free(line);
    char *row = line_with(strstr(md, "Requests per second, median"), "| thread |");
    CHECK(row && strstr(row, "±20% at 75%"), "the precision mark: %s", row ? row : "none");
    free(row);
    free(md);
    /* A run before the planner says nothing of it, and does not fail. */
    json_t *j = floor_fixture();
    json_object_del(j, "planner");
    md = report_of("no_planner", j, dir, sizeof(dir));
    json_decref(j);
    CHECK(!strstr(md, "Adaptive trials"), "a planner line without a planner");
    free(md);
    teardown();
}

/* With at most 5 trials no interval of the median reaches 95% (5 trials: 93.75%): the
 * planner line says no point can meet the target. */
void case_planner_max_trials(void)
{
    char dir[PATH_MAX];
    json_t *j = floor_fixture();
    json_object_set_new(json_object_get(j, "planner"), "max_trials", json_integer(5));
    json_object_set_new(json_object_get(j, "planner"), "added_runs", json_integer(8));
    char *md = report_of("max5", j, dir, sizeof(dir));
    json_decref(j);
    char *line = line_with(md, "Adaptive trials");
    CHECK(line && strstr(line, "at most 5 trials") &&
              strstr(line, "8 runs added (the floor's included) to the 24 base runs") &&
              strstr(line, "no point can meet 95% with fewer than 6 trials"),
          "the planner at 5 trials: %s", line ? line : "none");
    free(line);
    free(md);
    teardown();
}
