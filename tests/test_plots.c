/* Tests of the analysis, one case per ctest entry: test_plots CASE.
 *
 * They run build/bin/plots and build/bin/compare on a copy of a small bench.json (the
 * fixture: two models, every scenario but cores, two trials) and on broken ones; the
 * open-loop sweeps on bench_load.json (plots_load.c, which also calls capacity.c's rules
 * on synthetic points); the lecture's claims on bench_claims.json (plots_claims.c). */
#include "check.h"
#include "harness.h"
#include "plots_cases.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef ECHOBENCH_FIXTURES
#error "ECHOBENCH_FIXTURES must be defined"
#endif

static char work[256];

static const char *const expected[] = {
    "throughput_vs_connections",
    "latency_vs_connections",
    "latency_p50_vs_connections",
    "latency_spectrum",
    "cpu_per_request",
    "idle_throughput",
    "idle_p99",
    "idle_timeline",
    "idle_memory",
    "idle_flows",
    "churn_rate",
    "churn_connect",
    "service",
    "creation_ns",
    "creation_cycles",
    "creation_rss",
};
#define NEXPECTED (sizeof(expected) / sizeof(expected[0]))

/* A fresh folder holding a results folder named name, whose bench.json is json (NULL:
 * the fixture). Returns its path in dir. */
void results_dir(const char *name, json_t *json, char *dir, size_t len)
{
    char cmd[1024];
    if (!work[0]) {
        snprintf(work, sizeof(work), "/tmp/echobench-test-plots-%d", (int)getpid());
        snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -p '%s'", work, work);
        CHECK(system(cmd) == 0);
    }
    snprintf(dir, len, "%s/%s", work, name);
    CHECK(mkdir(dir, 0755) == 0 || errno == EEXIST);
    char path[PATH_MAX + 32];
    snprintf(path, sizeof(path), "%s/bench.json", dir);
    if (json) {
        CHECK(json_dump_file(json, path, JSON_REAL_PRECISION(15)) == 0);
    } else {
        snprintf(cmd, sizeof(cmd), "cp '%.400s/bench.json' '%.400s'", ECHOBENCH_FIXTURES, path);
        CHECK(system(cmd) == 0);
    }
}

void teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", work);
    CHECK(system(cmd) == 0);
}

json_t *fixture(void)
{
    json_error_t e;
    json_t *j = json_load_file(ECHOBENCH_FIXTURES "/bench.json", 0, &e);
    CHECK(j, "the fixture: %s", e.text);
    return j;
}

int run(const char *tool, const char *const *args, const char *path_env, char *err, size_t errlen)
{
    return run_tool(tool, args, path_env, NULL, err, errlen);
}

/* ---- every expected plot, as a PNG and an SVG worth the name ---- */

static void check_png(const char *path)
{
    size_t len;
    unsigned char *b = (unsigned char *)slurp(path, &len);
    CHECK(b, "%s is missing", path);
    static const unsigned char sig[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    CHECK(len > 8 + 25 && memcmp(b, sig, 8) == 0 && memcmp(b + 12, "IHDR", 4) == 0,
          "%s is not a PNG", path);
    unsigned w = (unsigned)b[16] << 24 | (unsigned)b[17] << 16 | (unsigned)b[18] << 8 | b[19];
    unsigned h = (unsigned)b[20] << 24 | (unsigned)b[21] << 16 | (unsigned)b[22] << 8 | b[23];
    CHECK(w == 960 && h == 600, "%s is %ux%u", path, w, h);
    CHECK(len > 8000, "%s is only %zu bytes: an empty picture?", path, len);
    free(b);
}

static void check_svg(const char *path)
{
    size_t len;
    char *s = slurp(path, &len);
    CHECK(s, "%s is missing", path);
    CHECK(strstr(s, "<svg") && strstr(s, "</svg>"), "%s is not an SVG", path);
    CHECK(strstr(s, "<path") || strstr(s, "<polyline"), "%s draws nothing", path);
    CHECK(len > 4000, "%s is only %zu bytes", path, len);
    free(s);
}

static void case_plots(void)
{
    char dir[PATH_MAX], err[8192], path[PATH_MAX + 64];
    results_dir("run", NULL, dir, sizeof(dir));
    const char *args[] = {dir, NULL};
    int rc = run("plots", args, NULL, err, sizeof(err));
    CHECK(rc == 0, "plots exited %d: %s", rc, err);
    for (size_t i = 0; i < NEXPECTED; i++) {
        snprintf(path, sizeof(path), "%s/plots/%s.png", dir, expected[i]);
        check_png(path);
        snprintf(path, sizeof(path), "%s/plots/%s.svg", dir, expected[i]);
        check_svg(path);
        snprintf(path, sizeof(path), "%s/plots/%s.gp", dir, expected[i]);
        CHECK(access(path, R_OK) == 0, "no script %s", path);
    }
    /* Everything was written whole: no temporary file is left behind. */
    char cmd[PATH_MAX + 128];
    snprintf(cmd, sizeof(cmd), "test -z \"$(find '%s' -name '*.tmp' -o -name '*.part.*')\"", dir);
    CHECK(system(cmd) == 0, "temporary files left in %s", dir);
    /* A script runs by hand, from its folder, as its comment says. */
    snprintf(cmd, sizeof(cmd),
             "cd '%s/plots' && rm -f service.png && gnuplot service.gp && test -s service.png",
             dir);
    CHECK(system(cmd) == 0, "gnuplot service.gp by hand made no service.png");
    teardown();
}

/* ---- the TSV says what the JSON says ---- */

json_t *find_point(json_t *root, const char *scenario, const char *model, double x)
{
    size_t i, k;
    json_t *sc, *pt;
    json_array_foreach(json_object_get(root, "scenarios"), i, sc)
    {
        if (strcmp(json_string_value(json_object_get(sc, "name")), scenario) != 0)
            continue;
        json_array_foreach(json_object_get(sc, "points"), k, pt)
        {
            if (strcmp(json_string_value(json_object_get(pt, "model")), model) == 0 &&
                json_number_value(json_object_get(pt, "x")) == x)
                return pt;
        }
    }
    return NULL;
}

static void case_tsv(void)
{
    char dir[PATH_MAX], err[8192], path[PATH_MAX + 64];
    results_dir("run", NULL, dir, sizeof(dir));
    const char *args[] = {dir, NULL};
    CHECK(run("plots", args, NULL, err, sizeof(err)) == 0, "%s", err);
    json_t *j = fixture();
    snprintf(path, sizeof(path), "%s/plots/data/throughput_vs_connections.tsv", dir);
    char *tsv = slurp(path, NULL);
    CHECK(tsv, "no %s", path);
    int rows = 0;
    for (char *save, *line = strtok_r(tsv, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#')
            continue;
        char model[64], note[32] = "";
        double x, y, lo, hi;
        char los[32], his[32];
        int got = sscanf(line, "%63[^\t]\t%lf\t%lf\t%31[^\t]\t%31[^\t]\t%31[^\n]", model, &x, &y,
                         los, his, note);
        CHECK(got >= 5, "a row that is not series, x, y, lo, hi: %s", line);
        lo = strcmp(los, "NaN") == 0 ? NAN : atof(los);
        hi = strcmp(his, "NaN") == 0 ? NAN : atof(his);
        /* A point where a connection starved is drawn apart, labelled with the count. */
        char *apart = strstr(model, ": not comparable");
        if (apart)
            *apart = '\0';
        json_t *pt = find_point(j, "concurrency", model, x);
        CHECK(pt, "no point %s at %g in the JSON", model, x);
        double starved = json_number_value(
            json_object_get(json_object_get(json_object_get(pt, "summary"), "starved"), "median"));
        if (starved > 0) {
            char want[32];
            snprintf(want, sizeof(want), "%.0f starved", starved);
            CHECK(apart && strcmp(note, want) == 0, "%s at %g: %.0f starved, drawn as %s (%s)",
                  model, x, starved, apart ? "apart" : "on its line", note);
            lo = hi = NAN; /* a mark, without its interval */
            rows++;
            continue;
        }
        CHECK(!apart && got == 5, "%s at %g: none starved, yet drawn apart", model, x);
        json_t *s = json_object_get(json_object_get(pt, "summary"), "throughput_rps");
        double median = json_number_value(json_object_get(s, "median"));
        CHECK(fabs(y - median) <= 1e-6 * fabs(median), "%s at %g: TSV %g, JSON %g", model, x, y,
              median);
        json_t *ci = json_object_get(s, "ci95");
        if (json_is_array(ci)) {
            double jlo = json_number_value(json_array_get(ci, 0));
            double jhi = json_number_value(json_array_get(ci, 1));
            CHECK(fabs(lo - (jlo < 0 ? 0 : jlo)) < 1e-6 * (fabs(jlo) + 1) &&
                      fabs(hi - jhi) < 1e-6 * (fabs(jhi) + 1),
                  "%s at %g: interval TSV [%g, %g], JSON [%g, %g]", model, x, lo, hi, jlo, jhi);
        } else {
            CHECK(isnan(lo) && isnan(hi));
        }
        rows++;
    }
    CHECK(rows == 6, "%d rows: two models at three points", rows);
    free(tsv);

    /* The creation bars: each primitive's median and p10..p90, in ns, as the JSON. */
    json_t *prims = json_object_get(
        json_object_get(json_array_get(json_object_get(j, "scenarios"), 4), "result"),
        "primitives");
    CHECK(json_is_object(prims), "the fixture's fifth scenario is creation, with a result");
    snprintf(path, sizeof(path), "%s/plots/data/creation_ns.tsv", dir);
    tsv = slurp(path, NULL);
    CHECK(tsv, "no %s", path);
    rows = 0;
    for (char *save, *line = strtok_r(tsv, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#')
            continue;
        char prim[64];
        double x, y, lo, hi;
        CHECK(sscanf(line, "%63[^\t]\t%lf\t%lf\t%lf\t%lf", prim, &x, &y, &lo, &hi) == 5,
              "a row that is not series, x, y, lo, hi: %s", line);
        json_t *ns = json_object_get(json_object_get(prims, prim), "ns");
        CHECK(ns, "no primitive %s in the JSON", prim);
        CHECK(y == json_number_value(json_object_get(ns, "median")) &&
                  lo == json_number_value(json_object_get(ns, "p10")) &&
                  hi == json_number_value(json_object_get(ns, "p90")),
              "%s: TSV %g [%g, %g] is not the JSON's", prim, y, lo, hi);
        rows++;
    }
    CHECK(rows == 6, "%d rows: six primitives", rows);
    free(tsv);
    json_decref(j);
    teardown();
}

/* ---- report.md links every plot, and every link leads somewhere ---- */

static void case_report(void)
{
    char dir[PATH_MAX], err[8192], path[PATH_MAX + 64];
    results_dir("run", NULL, dir, sizeof(dir));
    const char *args[] = {dir, NULL};
    CHECK(run("plots", args, NULL, err, sizeof(err)) == 0, "%s", err);
    snprintf(path, sizeof(path), "%s/report.md", dir);
    char *md = slurp(path, NULL);
    CHECK(md, "no report.md");
    for (size_t i = 0; i < NEXPECTED; i++) {
        char link[128];
        snprintf(link, sizeof(link), "](plots/%s.png)", expected[i]);
        CHECK(strstr(md, link), "report.md does not show %s", expected[i]);
        snprintf(link, sizeof(link), "](plots/%s.svg)", expected[i]);
        CHECK(strstr(md, link), "report.md does not link %s.svg", expected[i]);
    }
    /* Every link's target exists. */
    for (char *p = md; (p = strstr(p, "](")) != NULL; p += 2) {
        char target[256], file[PATH_MAX + 300];
        if (sscanf(p + 2, "%255[^)]", target) != 1)
            continue;
        if (target[0] == '#') { /* a section: a heading of report.md */
            CHECK(report_has_anchor(md, target + 1), "report.md links %s, no heading", target);
            continue;
        }
        snprintf(file, sizeof(file), "%s/%s", dir, target);
        (void)path;
        CHECK(access(file, R_OK) == 0, "report.md links %s, which is not there", target);
    }
    CHECK(strstr(md, "## Findings") && strstr(md, "## The machine") &&
              strstr(md, "## How to read this"),
          "a section is missing");
    CHECK(strstr(md, "echo-iterative served 0 requests per second while 1 client was idle"),
          "the lunch finding, which the fixture supports");
    CHECK(strstr(md, "the lecture says 2x"), "the creation finding");
    free(md);
    teardown();
}

/* ---- a series with no data shifts nothing: each clause reads its own block ---- */

/* The first column of each block of a TSV (gnuplot's index: blocks of rows between
 * runs of blank lines), into names; returns the count. */
static int tsv_blocks(const char *path, char names[][64], int max)
{
    char *tsv = slurp(path, NULL);
    CHECK(tsv, "no %s", path);
    int n = 0;
    bool in_block = false;
    for (char *line = tsv; *line;) {
        char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (len == 0) {
            in_block = false;
        } else if (line[0] != '#' && !in_block) {
            in_block = true;
            CHECK(n < max, "too many blocks in %s", path);
            size_t name = strcspn(line, "\t");
            snprintf(names[n++], 64, "%.*s", (int)(name < 63 ? name : 63), line);
        }
        line += len + (end ? 1 : 0);
    }
    free(tsv);
    return n;
}

/* Every plot of the folder: each "index N" names a block the TSV has, and a titled
 * clause reads the block of the series its title names. */
static void check_indices(const char *dir)
{
    char path[PATH_MAX + 64], names[64][64];
    for (size_t i = 0; i < NEXPECTED; i++) {
        snprintf(path, sizeof(path), "%s/plots/data/%s.tsv", dir, expected[i]);
        if (access(path, R_OK) != 0)
            continue;
        int blocks = tsv_blocks(path, names, 64);
        snprintf(path, sizeof(path), "%s/plots/%s.gp", dir, expected[i]);
        char *gp = slurp(path, NULL);
        CHECK(gp, "no %s", path);
        for (char *c = gp; (c = strstr(c, "' index ")) != NULL; c++) {
            int index = atoi(c + 8);
            CHECK(index >= 0 && index < blocks, "%s: index %d, and the TSV has %d blocks",
                  expected[i], index, blocks);
            /* The clause ends at the next clause or the end of its line. */
            char *next = strstr(c + 1, "' index "), *eol = strchr(c, '\n');
            if (!next || (eol && eol < next))
                next = eol;
            char *title = strstr(c, "title '");
            if (title && (!next || title < next) && title[-1] != 'o') {
                char want[80];
                snprintf(want, sizeof(want), "title '%s'", names[index]);
                CHECK(strncmp(title, want, strlen(want)) == 0, "%s: index %d holds %s, not %.30s",
                      expected[i], index, names[index], title);
            }
        }
        free(gp);
    }
}

static void case_series_index(void)
{
    char dir[PATH_MAX], err[8192];
    json_t *j = fixture();
    /* A model that ran nowhere, first in the list, and a primitive that failed. */
    json_array_insert_new(json_object_get(json_object_get(j, "settings"), "models"), 0,
                          json_string("process"));
    size_t i;
    json_t *sc;
    json_array_foreach(json_object_get(j, "scenarios"), i, sc)
    {
        if (strcmp(json_string_value(json_object_get(sc, "name")), "creation") == 0)
            json_object_del(json_object_get(json_object_get(sc, "result"), "primitives"), "vfork");
    }
    results_dir("gaps", j, dir, sizeof(dir));
    json_decref(j);
    const char *args[] = {dir, NULL};
    CHECK(run("plots", args, NULL, err, sizeof(err)) == 0, "%s", err);
    check_indices(dir);
    teardown();
}

/* ---- findings follow the data: a model the idle clients stop dead, and why ---- */

static char *report_with_idle_epoll(const char *name, double rps, double rejected)
{
    char dir[PATH_MAX], err[8192], path[PATH_MAX + 64];
    json_t *j = fixture();
    json_t *summary = json_object_get(find_point(j, "idle", "epoll", 1), "summary");
    CHECK(summary, "the fixture has no idle point for epoll at 1");
    json_object_set_new(json_object_get(summary, "throughput_rps"), "median", json_real(rps));
    json_object_set_new(json_object_get(summary, "rejected"), "median", json_real(rejected));
    results_dir(name, j, dir, sizeof(dir));
    json_decref(j);
    const char *args[] = {dir, NULL};
    CHECK(run("plots", args, NULL, err, sizeof(err)) == 0, "%s", err);
    snprintf(path, sizeof(path), "%s/report.md", dir);
    char *md = slurp(path, NULL);
    CHECK(md, "no report.md in %s", dir);
    return md;
}

static void case_findings(void)
{
    const char *stopped =
        "echo-epoll served 0 requests per second to 16 active clients with 1 idle";
    char *md = report_with_idle_epoll("kept", 113541.667, 0);
    CHECK(!strstr(md, stopped), "a model that kept its pace reported as stopped");
    free(md);

    md = report_with_idle_epoll("held", 0, 0);
    CHECK(strstr(md, stopped) && strstr(md, "the idle clients held every one of its flows"),
          "the finding of a model the idle clients stopped");
    free(md);

    md = report_with_idle_epoll("refused", 0, 5);
    CHECK(strstr(md, stopped) && strstr(md, "it refused 5 connections it had no room for"),
          "the finding of a model that refused the active clients");
    CHECK(!strstr(md, "held every one"), "refused connections told as held flows");
    free(md);
    teardown();
}

/* ---- bad input: a message naming the file and what is wrong, never a crash ---- */

static void expect_error(const char *name, json_t *json, const char *raw, const char *says)
{
    char dir[PATH_MAX], err[8192], path[PATH_MAX + 64];
    results_dir(name, json, dir, sizeof(dir));
    if (raw) {
        snprintf(path, sizeof(path), "%s/bench.json", dir);
        FILE *f = fopen(path, "w");
        CHECK(f);
        fputs(raw, f);
        fclose(f);
    }
    const char *args[] = {dir, NULL};
    int rc = run("plots", args, NULL, err, sizeof(err));
    CHECK(rc == 1, "%s: exit %d (a signal is over 128): %s", name, rc, err);
    CHECK(strstr(err, "bench.json") && strstr(err, says), "%s: stderr lacks '%s': %s", name, says,
          err);
}

static void case_bad_input(void)
{
    /* Cut short in the middle. */
    char *whole = slurp(ECHOBENCH_FIXTURES "/bench.json", NULL);
    CHECK(whole);
    whole[strlen(whole) / 2] = '\0';
    expect_error("truncated", NULL, whole, "cut short");
    free(whole);

    json_t *foreign = json_pack("{s:s,s:[]}", "schema", "echobench.run/1", "scenarios");
    expect_error("foreign", foreign, NULL, "not a bench.json");
    json_decref(foreign);
    expect_error("not_json_object", NULL, "[1, 2, 3]\n", "not a bench.json");

    json_t *j = fixture();
    json_object_del(
        json_array_get(
            json_object_get(json_array_get(json_object_get(j, "scenarios"), 1), "points"), 0),
        "model");
    expect_error("missing_model", j, NULL, "scenarios[1].points[0] has no \"model\"");
    json_decref(j);

    j = fixture();
    json_object_del(j, "scenarios");
    expect_error("no_scenarios", j, NULL, "\"scenarios\"");
    json_decref(j);

    char err[4096];
    const char *nowhere[] = {"/nonexistent/results", NULL};
    CHECK(run("plots", nowhere, NULL, err, sizeof(err)) == 1 &&
              strstr(err, "/nonexistent/results/bench.json"),
          "a folder that is not there: %s", err);
    const char *bad[] = {"-x", NULL};
    CHECK(run("plots", bad, NULL, err, sizeof(err)) == 2);
    teardown();
}

/* ---- a partial suite still plots what it has; an empty one writes its report ---- */

static void case_partial(void)
{
    char dir[PATH_MAX], err[8192], path[PATH_MAX + 64];
    json_t *j = fixture();
    json_t *scenarios = json_object_get(j, "scenarios");
    /* Only the idle scenario, as if bench had been stopped during it. */
    for (size_t i = json_array_size(scenarios); i-- > 0;)
        if (strcmp(json_string_value(json_object_get(json_array_get(scenarios, i), "name")),
                   "idle") != 0)
            json_array_remove(scenarios, i);
    json_object_set_new(j, "interrupted", json_true());
    results_dir("partial", j, dir, sizeof(dir));
    const char *args[] = {dir, NULL};
    int rc = run("plots", args, NULL, err, sizeof(err));
    CHECK(rc == 0, "exit %d: %s", rc, err);
    snprintf(path, sizeof(path), "%s/plots/idle_throughput.png", dir);
    check_png(path);
    snprintf(path, sizeof(path), "%s/plots/throughput_vs_connections.png", dir);
    CHECK(access(path, F_OK) != 0, "a plot of a scenario that did not run");
    snprintf(path, sizeof(path), "%s/report.md", dir);
    char *md = slurp(path, NULL);
    CHECK(md && strstr(md, "(interrupted)"), "the report says the run was interrupted");
    free(md);
    json_decref(j);

    j = fixture();
    json_array_clear(json_object_get(j, "scenarios"));
    results_dir("empty", j, dir, sizeof(dir));
    const char *args2[] = {dir, NULL};
    rc = run("plots", args2, NULL, err, sizeof(err));
    CHECK(rc == 0, "an empty suite: exit %d: %s", rc, err);
    snprintf(path, sizeof(path), "%s/report.md", dir);
    md = slurp(path, NULL);
    CHECK(md && strstr(md, "measured too little"), "the report of an empty suite");
    free(md);
    json_decref(j);
    teardown();
}

/* ---- without gnuplot: says which package, still writes the data and the report ---- */

static void case_no_gnuplot(void)
{
    char dir[PATH_MAX], err[8192], path[PATH_MAX + 64];
    results_dir("run", NULL, dir, sizeof(dir));
    const char *args[] = {dir, NULL};
    int rc = run("plots", args, "/nonexistent", err, sizeof(err));
    CHECK(rc == 1, "exit %d: %s", rc, err);
    CHECK(strstr(err, "gnuplot-nox"), "which package provides gnuplot: %s", err);
    snprintf(path, sizeof(path), "%s/plots/data/idle_throughput.tsv", dir);
    CHECK(access(path, R_OK) == 0, "the data was not written");
    snprintf(path, sizeof(path), "%s/report.md", dir);
    CHECK(access(path, R_OK) == 0, "the report was not written");
    teardown();
}

/* ---- compare: a run against itself is the same everywhere ---- */

static void case_compare(void)
{
    char a[PATH_MAX], b[PATH_MAX], err[8192], path[PATH_MAX + 64];
    results_dir("a", NULL, a, sizeof(a));
    results_dir("b", NULL, b, sizeof(b));
    const char *args[] = {a, b, NULL};
    int rc = run("compare", args, NULL, err, sizeof(err));
    CHECK(rc == 0, "exit %d: %s", rc, err);
    snprintf(path, sizeof(path), "%s/compare/compare.md", b);
    char *md = slurp(path, NULL);
    CHECK(md, "no %s", path);
    int rows = 0;
    for (char *p = md; (p = strstr(p, "\n| ")) != NULL; p++) {
        if (strncmp(p, "\n| scenario", 11) == 0)
            continue;
        rows++;
        char line[256];
        sscanf(p + 1, "%255[^\n]", line);
        CHECK(strstr(line, "| 1.00 |") || strstr(line, "| - |") ||
                  strstr(line, "| 1.00 starved |") || strstr(line, "| - starved |"),
              "a run against itself: %s", line);
        CHECK(!strstr(line, "*"), "no difference can be significant: %s", line);
    }
    CHECK(rows >= 16, "%d rows compared", rows);
    CHECK(strstr(md, "| creation | fork | - | ns_median |") &&
              strstr(md, "| creation | pthread | - | ns_median |"),
          "creation cost is not compared");
    snprintf(path, sizeof(path), "%s/compare/compare_throughput.png", b);
    check_png(path);
    free(md);

    /* A model only A measured is still drawn, under its own name. */
    json_t *only = fixture();
    json_t *models = json_object_get(json_object_get(only, "settings"), "models");
    json_array_clear(models);
    json_array_append_new(models, json_string("epoll"));
    json_t *points =
        json_object_get(json_array_get(json_object_get(only, "scenarios"), 0), "points");
    for (size_t i = json_array_size(points); i-- > 0;)
        if (strcmp(json_string_value(json_object_get(json_array_get(points, i), "model")),
                   "iterative") == 0)
            json_array_remove(points, i);
    char c[PATH_MAX];
    results_dir("epoll_only", only, c, sizeof(c));
    json_decref(only);
    const char *args_c[] = {a, c, NULL};
    CHECK(run("compare", args_c, NULL, err, sizeof(err)) == 0, "%s", err);
    snprintf(path, sizeof(path), "%s/compare/compare_throughput.gp", c);
    char *gp = slurp(path, NULL);
    CHECK(gp && strstr(gp, "title 'iterative (A)'") && strstr(gp, "title 'epoll (B)'") &&
              !strstr(gp, "title 'iterative (B)'"),
          "the overlay: %s", gp ? gp : "none");
    free(gp);

    /* B twice as fast at one point, its interval with it: ratio 2.00, marked. */
    json_t *j = fixture();
    json_t *pt = json_array_get(
        json_object_get(json_array_get(json_object_get(j, "scenarios"), 0), "points"), 0);
    json_t *s = json_object_get(json_object_get(pt, "summary"), "throughput_rps");
    json_t *ci = json_object_get(s, "ci95");
    CHECK(json_is_array(ci), "the fixture's first point has an interval");
    double m = json_number_value(json_object_get(s, "median"));
    double hi = json_number_value(json_array_get(ci, 1));
    CHECK(hi < 2 * m, "the interval is narrower than the median");
    json_object_set_new(s, "median", json_real(2 * m));
    json_array_set_new(ci, 0, json_real(2 * m - (hi - m) / 2));
    json_array_set_new(ci, 1, json_real(2 * m + (hi - m) / 2));
    char faster[PATH_MAX];
    results_dir("faster", j, faster, sizeof(faster));
    json_decref(j);
    const char *args2[] = {a, faster, NULL};
    CHECK(run("compare", args2, NULL, err, sizeof(err)) == 0, "%s", err);
    snprintf(path, sizeof(path), "%s/compare/compare.md", faster);
    md = slurp(path, NULL);
    CHECK(md && strstr(md, "| throughput_rps |") && strstr(md, "| 2.00 * |"),
          "the doubled point is not marked:\n%s", md ? md : "");
    int marked = 0;
    for (char *p = md; (p = strstr(p, " * |")) != NULL; p++)
        marked++;
    CHECK(marked == 1, "%d points marked; only one differs", marked);
    free(md);

    const char *one[] = {a, NULL};
    CHECK(run("compare", one, NULL, err, sizeof(err)) == 2, "one folder only");
    char foreign[PATH_MAX];
    json_t *f = json_pack("{s:s}", "schema", "other");
    results_dir("foreign", f, foreign, sizeof(foreign));
    json_decref(f);
    const char *bad[] = {a, foreign, NULL};
    CHECK(run("compare", bad, NULL, err, sizeof(err)) == 1 && strstr(err, "not a bench.json"), "%s",
          err);
    teardown();
}

TEST_CASES({"plots", case_plots}, {"tsv", case_tsv}, {"report", case_report},
           {"series_index", case_series_index}, {"findings", case_findings},
           {"bad_input", case_bad_input}, {"partial", case_partial},
           {"no_gnuplot", case_no_gnuplot}, {"compare", case_compare},
           {"starved_marked", case_starved_marked}, {"ranking_rules", case_ranking_rules},
           {"memory_marginal", case_memory_marginal}, {"memory_min_added", case_memory_min_added},
           {"log_error_bar", case_log_error_bar}, {"abandoned_marked", case_abandoned_marked},
           {"marks_apart", case_marks_apart}, {"compare_warnings", case_compare_warnings},
           {"floor_not_ranked", case_floor_not_ranked}, {"floor_series", case_floor_series},
           {"vs_floor_table", case_vs_floor_table}, {"old_intervals", case_old_intervals},
           {"noise_disturbance", case_noise_disturbance}, {"skew_finding", case_skew_finding},
           {"planner_line", case_planner_line}, {"planner_max_trials", case_planner_max_trials},
           {"lead_raw", case_lead_raw}, {"levels_said", case_levels_said},
           {"load_floor_usable", case_load_floor_usable}, {"captions_whole", case_captions_whole},
           {"noise_cause", case_noise_cause}, {"lead_direction", case_lead_direction},
           {"capacity_met", case_capacity_met}, {"capacity_between", case_capacity_between},
           {"capacity_below", case_capacity_below}, {"capacity_above", case_capacity_above},
           {"capacity_lagged", case_capacity_lagged},
           {"capacity_nonmonotonic", case_capacity_nonmonotonic},
           {"capacity_none", case_capacity_none}, {"capacity_distinct", case_capacity_distinct},
           {"knee", case_knee}, {"load_render", case_load_render},
           {"load_findings", case_load_findings}, {"load_slo", case_load_slo},
           {"compare_loadgen", case_compare_loadgen}, {"claims_fixture", case_claims_fixture},
           {"claims_not_measured", case_claims_not_measured},
           {"claims_not_here", case_claims_not_here}, {"claims_undecided", case_claims_undecided},
           {"claims_old_bench", case_claims_old_bench}, {"claims_json", case_claims_json},
           {"claims_report", case_claims_report}, {"claims_creation", case_claims_creation},
           {"claims_cores", case_claims_cores}, {"claims_parts", case_claims_parts},
           {"claims_wording", case_claims_wording});
TEST_MAIN()
