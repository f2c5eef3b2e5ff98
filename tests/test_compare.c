/* Tests of compare across machines, one case per ctest entry: test_compare CASE.
 *
 * Two small runs with the floor (fixtures/compare_floor_a.json and _b.json: epoll and
 * thread beside the floor, concurrency 1 and 16, 3 trials). Machine B's floor is twice
 * as fast as A's. epoll's standing against its floor (vs_floor) is the same on both, and
 * so is thread's at 16 connections; at 1 connection thread's changed: throughput 0.50 of
 * the floor on A, 0.75 on B, and p99 3.2 times the floor's on A, 2.2 on B. Every raw
 * B/A is apart; on the floor only thread's two rows at 1 connection remain. */
#include "check.h"
#include "harness.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef ECHOBENCH_FIXTURES
#error "ECHOBENCH_FIXTURES must be defined"
#endif

static char work[256];

/* A results folder named name under the case's own folder, holding bench.json: the
 * fixture file (json NULL) or json. Its path into dir. */
static void results_dir(const char *name, const char *fixture, json_t *json, char *dir, size_t len)
{
    char cmd[1024], path[PATH_MAX + 32];
    if (!work[0]) {
        snprintf(work, sizeof(work), "/tmp/echobench-test-compare-%d", (int)getpid());
        snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -p '%s'", work, work);
        CHECK(system(cmd) == 0);
    }
    snprintf(dir, len, "%s/%s", work, name);
    CHECK(mkdir(dir, 0755) == 0 || errno == EEXIST);
    snprintf(path, sizeof(path), "%s/bench.json", dir);
    if (json) {
        CHECK(json_dump_file(json, path, JSON_REAL_PRECISION(15)) == 0);
    } else {
        snprintf(cmd, sizeof(cmd), "cp '%s/%s' '%.400s'", ECHOBENCH_FIXTURES, fixture, path);
        CHECK(system(cmd) == 0);
    }
}

static void teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", work);
    CHECK(system(cmd) == 0);
}

static json_t *load_fixture(const char *fixture)
{
    char path[PATH_MAX];
    json_error_t e;
    snprintf(path, sizeof(path), "%s/%s", ECHOBENCH_FIXTURES, fixture);
    json_t *j = json_load_file(path, 0, &e);
    CHECK(j, "%s: %s", path, e.text);
    return j;
}

/* Runs compare A B; returns its compare.md, its stdout in *out (both the caller's). */
static char *compare(const char *a, const char *b, char **out)
{
    char err[8192], out_path[PATH_MAX + 32], md_path[PATH_MAX + 32];
    snprintf(out_path, sizeof(out_path), "%s/stdout", b);
    const char *args[] = {a, b, NULL};
    int rc = run_tool("compare", args, NULL, out_path, err, sizeof(err));
    CHECK(rc == 0, "compare exited %d: %s", rc, err);
    snprintf(md_path, sizeof(md_path), "%s/compare/compare.md", b);
    *out = slurp(out_path, NULL);
    char *md = slurp(md_path, NULL);
    CHECK(*out && md, "no %s", *out ? md_path : out_path);
    return md;
}

/* The markdown row of model at point label for metric, into line; false if none. */
static bool md_row(const char *md, const char *model, const char *label, const char *metric,
                   char *line, size_t len)
{
    char head[128];
    snprintf(head, sizeof(head), "\n| concurrency | %s | %s | %s |", model, label, metric);
    const char *p = strstr(md, head);
    if (!p)
        return false;
    const char *end = strchr(p + 1, '\n');
    size_t n = end ? (size_t)(end - p - 1) : strlen(p + 1);
    snprintf(line, len, "%.*s", (int)n, p + 1);
    return true;
}

/* ---- the normalised ratio and its interval, worked by hand ---- */

static void case_floor_ratio(void)
{
    char a[PATH_MAX], b[PATH_MAX], line[512], *out;
    results_dir("a", "compare_floor_a.json", NULL, a, sizeof(a));
    results_dir("b", "compare_floor_b.json", NULL, b, sizeof(b));
    char *md = compare(a, b, &out);
    CHECK(strstr(md, "| B/A | B/A on the floor |"), "no normalised column:\n%s", md);
    /* thread at 1 connection, throughput: vs_floor 0.50 [0.48, 0.52] on A, 0.75 [0.70,
     * 0.80] on B. N = 0.75 / 0.50 = 1.50, interval [0.70 / 0.52, 0.80 / 0.48] = [1.346,
     * 1.667]. Raw: 15,000 against 5,000, 3.00. */
    CHECK(md_row(md, "thread", "1", "throughput_rps", line, sizeof(line)), "%s", md);
    CHECK(strstr(line, "| 5,000 | 15,000 | 3.00 * | 1.50 [1.35, 1.67] remains |"), "%s", line);
    /* Its p99: 3.2 [3.0, 3.4] times the floor's on A, 2.2 [2.0, 2.4] on B. N = 0.6875,
     * interval [2.0 / 3.4, 2.4 / 3.0] = [0.588, 0.800]. */
    CHECK(md_row(md, "thread", "1", "p99_us", line, sizeof(line)), "%s", md);
    CHECK(strstr(line, "| 0.69 [0.59, 0.80] remains |"), "%s", line);
    /* epoll at 1, throughput: 0.80 [0.78, 0.82] on both: [0.78 / 0.82, 0.82 / 0.78]. */
    CHECK(md_row(md, "epoll", "1", "throughput_rps", line, sizeof(line)), "%s", md);
    CHECK(strstr(line, "| 2.00 * | 1.00 [0.95, 1.05] the machine |"), "%s", line);
    /* Two 3-round intervals of the median, each the range at 0.75: 0.5625 together,
     * said plainly. */
    CHECK(strstr(md, "with probability at least 0.56, the least of them (A's vs_floor interval "
                     "at 0.75 over 3 rounds times B's at 0.75 over 3") &&
              strstr(md, "That is low"),
          "%s", md);
    /* The floor's own B/A: 20,000 [19,600, 20,400] against 10,000 [9,800, 10,200]; p99 25
     * [24, 26] against 50 [48, 52]. */
    CHECK(strstr(md, "concurrency 1: throughput_rps 2.00 [1.92, 2.08], p99_us 0.50 [0.46, 0.54]"),
          "%s", md);
    CHECK(strstr(out, "at least 0.56") && strstr(out, "1.50 [1.35, 1.67] remains") &&
              strstr(out, "the machine's change itself"),
          "stdout:\n%s", out);
    free(md);
    free(out);

    /* Six rounds each (intervals at 0.96875), the floor's own too: 0.94 together, and not
     * called low. */
    json_t *j[2] = {load_fixture("compare_floor_a.json"), load_fixture("compare_floor_b.json")};
    for (int r = 0; r < 2; r++) {
        size_t i;
        json_t *pt;
        json_array_foreach(
            json_object_get(json_array_get(json_object_get(j[r], "scenarios"), 0), "points"), i, pt)
        {
            const char *key;
            json_t *m;
            json_object_foreach(json_object_get(pt, "vs_floor"), key, m)
            {
                if (json_is_object(m)) {
                    json_object_set_new(m, "ci_level", json_real(0.96875));
                    json_object_set_new(m, "n", json_integer(6));
                }
            }
            json_object_foreach(json_object_get(pt, "summary"), key, m)
            {
                json_object_set_new(m, "ci_level", json_real(0.96875));
                json_object_set_new(m, "n", json_integer(6));
            }
        }
    }
    results_dir("a6", NULL, j[0], a, sizeof(a));
    results_dir("b6", NULL, j[1], b, sizeof(b));
    json_decref(j[0]);
    json_decref(j[1]);
    md = compare(a, b, &out);
    CHECK(strstr(md, "at least 0.94, the least of them (A's vs_floor interval at 0.969 over 6 "
                     "rounds") &&
              !strstr(md, "That is low"),
          "%s", md);
    free(md);
    free(out);
    teardown();
}

/* ---- what remains once the machines are taken out, and what was the machine ---- */

static void case_floor_remains(void)
{
    char a[PATH_MAX], b[PATH_MAX], line[512], *out;
    results_dir("a", "compare_floor_a.json", NULL, a, sizeof(a));
    results_dir("b", "compare_floor_b.json", NULL, b, sizeof(b));
    char *md = compare(a, b, &out);
    static const char *labels[] = {"1", "16"}, *metrics[] = {"throughput_rps", "p99_us"};
    for (int l = 0; l < 2; l++) {
        for (int m = 0; m < 2; m++) {
            /* Every raw ratio is apart: B's machine is twice as fast. */
            CHECK(md_row(md, "epoll", labels[l], metrics[m], line, sizeof(line)), "%s", md);
            CHECK(strstr(line, " * | ") && strstr(line, " the machine |"), "%s", line);
            CHECK(md_row(md, "thread", labels[l], metrics[m], line, sizeof(line)), "%s", md);
            CHECK(strstr(line, " * | ") && strstr(line, l == 0 ? " remains |" : " the machine |"),
                  "%s", line);
        }
    }
    CHECK(!strstr(md, "| concurrency | floor |"), "the floor is not a model's row:\n%s", md);
    const char *remain = "2 rows remain (apart raw, and on the floor the same way): concurrency "
                         "thread 1 throughput_rps 1.50 [1.35, 1.67]; concurrency thread 1 p99_us "
                         "0.69 [0.59, 0.80].";
    CHECK(strstr(md, "- 8 rows differ raw") && strstr(md, "of 8 rows with an interval") &&
              strstr(md, remain) && strstr(md, "- 6 rows were the machine") &&
              strstr(md, "- 0 rows reverse") && strstr(md, "- 0 rows are undecided"),
          "%s", md);
    CHECK(strstr(out, "8 rows differ raw") && strstr(out, remain), "stdout:\n%s", out);
    free(md);
    free(out);
    teardown();
}

/* ---- an older pair, and a run without the floor: the column is unavailable, why ---- */

static void case_floor_unavailable(void)
{
    char a[PATH_MAX], b[PATH_MAX], line[512], *out;
    results_dir("old_a", "bench.json", NULL, a, sizeof(a));
    results_dir("old_b", "bench.json", NULL, b, sizeof(b));
    char *md = compare(a, b, &out);
    const char *why = "B/A on the floor is unavailable: A is from before the floor (its settings "
                      "have no \"floor\"); B is from before the floor";
    CHECK(strstr(md, why) && strstr(out, why), "md:\n%s\nstdout:\n%s", md, out);
    CHECK(!strstr(md, "B/A on the floor |"), "no normalised column:\n%s", md);
    /* Its rows are still compared, on its ci95. */
    CHECK(md_row(md, "epoll", "1", "throughput_rps", line, sizeof(line)) &&
              strstr(line, "| 1.00 |"),
          "%s", md);
    free(md);
    free(out);

    json_t *j = load_fixture("compare_floor_b.json");
    json_t *settings = json_object_get(j, "settings");
    json_object_set_new(settings, "floor", json_false());
    json_object_set_new(settings, "floor_note", json_string("--no-floor"));
    results_dir("a", "compare_floor_a.json", NULL, a, sizeof(a));
    results_dir("no_floor", NULL, j, b, sizeof(b));
    json_decref(j);
    md = compare(a, b, &out);
    CHECK(strstr(md, "B/A on the floor is unavailable: B ran without the floor (--no-floor)."),
          "%s", md);
    CHECK(md_row(md, "thread", "1", "throughput_rps", line, sizeof(line)) &&
              strstr(line, "| 3.00 * |") && !strstr(line, "remains"),
          "%s", line);
    free(md);
    free(out);
    teardown();
}

/* ---- each mark on the floor, and the least level of what is printed ---- */

/* The point of the fixture's concurrency scenario for model at label. */
static json_t *point_of(json_t *j, const char *model, const char *label)
{
    size_t i;
    json_t *pt;
    json_array_foreach(
        json_object_get(json_array_get(json_object_get(j, "scenarios"), 0), "points"), i, pt)
    {
        if (strcmp(json_string_value(json_object_get(pt, "model")), model) == 0 &&
            strcmp(json_string_value(json_object_get(pt, "label")), label) == 0)
            return pt;
    }
    CHECK(false, "no point %s %s", model, label);
    return NULL;
}

/* Sets a summary's median and interval (and, where level > 0, its level and n). */
static void set_estimate(json_t *s, double m, double lo, double hi, double level, int n)
{
    CHECK(json_is_object(s));
    json_object_set_new(s, "median", json_real(m));
    json_object_set_new(s, "ci", json_pack("[f, f]", lo, hi));
    if (level > 0) {
        json_object_set_new(s, "ci_level", json_real(level));
        json_object_set_new(s, "n", json_integer(n));
    }
}

static double jpath_number(json_t *s, const char *key)
{
    return json_number_value(json_object_get(s, key));
}

static json_t *metric_of(json_t *pt, const char *where, const char *metric)
{
    return json_object_get(json_object_get(pt, where), metric);
}

static void case_floor_marks(void)
{
    char a[PATH_MAX], b[PATH_MAX], line[512], *out;
    json_t *j = load_fixture("compare_floor_b.json");
    /* thread at 16: the same throughput as on A (16,800), but half its standing on the
     * floor: not apart raw, only on the floor. */
    set_estimate(metric_of(point_of(j, "thread", "16"), "summary", "throughput_rps"), 16800, 16320,
                 17248, 0, 0);
    set_estimate(metric_of(point_of(j, "thread", "16"), "vs_floor", "throughput"), 0.21, 0.20, 0.22,
                 0, 0);
    /* epoll at 1: twice A's throughput raw, but half its standing on the floor (0.40
     * against 0.80): the difference reverses once the machines are taken out. */
    set_estimate(metric_of(point_of(j, "epoll", "1"), "vs_floor", "throughput"), 0.40, 0.39, 0.41,
                 0, 0);
    /* The floor's own p99 at 1 too spread on B to say it moved: epoll's p99 there, apart
     * raw and unchanged on the floor, is undecided, not the machine. */
    set_estimate(metric_of(point_of(j, "floor", "1"), "summary", "p99_us"), 25, 10, 100, 0, 0);
    results_dir("a", "compare_floor_a.json", NULL, a, sizeof(a));
    results_dir("b", NULL, j, b, sizeof(b));
    json_decref(j);
    char *md = compare(a, b, &out);
    CHECK(md_row(md, "thread", "16", "throughput_rps", line, sizeof(line)), "%s", md);
    CHECK(strstr(line, "| 1.00 | 0.50 [0.45, 0.55] only on the floor |"), "%s", line);
    CHECK(md_row(md, "epoll", "1", "throughput_rps", line, sizeof(line)), "%s", md);
    CHECK(strstr(line, "| 2.00 * | 0.50 [0.48, 0.53] reverses |"), "%s", line);
    CHECK(md_row(md, "epoll", "1", "p99_us", line, sizeof(line)), "%s", md);
    CHECK(strstr(line, " * | 1.00 [0.90, 1.11] undecided |"), "%s", line);
    CHECK(md_row(md, "thread", "1", "throughput_rps", line, sizeof(line)) &&
              strstr(line, " remains |"),
          "%s", line);
    CHECK(md_row(md, "epoll", "16", "p99_us", line, sizeof(line)) && strstr(line, " the machine |"),
          "%s", line);
    /* Counted apart in the summary. */
    static const char *const want[] = {
        "- 7 rows differ raw",
        "of 8 rows with an interval",
        "- 2 rows remain (apart raw, and on the floor the same way): concurrency thread 1",
        "- 1 row reverses (apart raw, and on the floor the other way): concurrency epoll 1 "
        "throughput_rps 0.50 [0.48, 0.53].",
        "- 1 row differs only on the floor (not apart raw; on the floor the interval excludes 1): "
        "concurrency thread 16 throughput_rps 0.50 [0.45, 0.55].",
        "- 3 rows were the machine",
        "- 1 row is undecided (apart raw; on the floor the interval holds 1 but the floor's own "
        "B/A "
        "does not say the machine moved that way: too wide to tell): concurrency epoll 1 p99_us",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        CHECK(strstr(md, want[i]), "compare.md lacks \"%s\":\n%s", want[i], md);
    CHECK(strstr(out, "1 row reverses") && strstr(out, "1 row is undecided"), "stdout:\n%s", out);
    free(md);
    free(out);
    teardown();
}

static void case_least_level(void)
{
    char a[PATH_MAX], b[PATH_MAX], *out;
    /* thread at 1 starved on B: its row is not marked, but its interval on the floor is
     * printed, at 0.75 x 0.40 = 0.30, the least. */
    json_t *j = load_fixture("compare_floor_b.json");
    json_t *pt = point_of(j, "thread", "1");
    json_object_set_new(json_array_get(json_object_get(pt, "trials"), 0), "starved",
                        json_integer(5));
    set_estimate(metric_of(pt, "vs_floor", "throughput"), 0.75, 0.70, 0.80, 0.4, 2);
    results_dir("a", "compare_floor_a.json", NULL, a, sizeof(a));
    results_dir("starved", NULL, j, b, sizeof(b));
    json_decref(j);
    char *md = compare(a, b, &out);
    CHECK(strstr(md, "at least 0.30, the least of them (A's vs_floor interval at 0.75 over 3 "
                     "rounds times B's at 0.4 over 2"),
          "%s", md);
    free(md);
    free(out);
    /* The floor's own B/A at 16 from two trials each (the range, 0.50): 0.25. */
    json_t *k[2] = {load_fixture("compare_floor_a.json"), load_fixture("compare_floor_b.json")};
    for (int r = 0; r < 2; r++) {
        json_t *s = metric_of(point_of(k[r], "floor", "16"), "summary", "throughput_rps");
        set_estimate(s, jpath_number(s, "median"), jpath_number(s, "median") * 0.98,
                     jpath_number(s, "median") * 1.02, 0.5, 2);
    }
    results_dir("a2", NULL, k[0], a, sizeof(a));
    results_dir("b2", NULL, k[1], b, sizeof(b));
    json_decref(k[0]);
    json_decref(k[1]);
    md = compare(a, b, &out);
    CHECK(strstr(md, "at least 0.25, the least of them (A's the floor's own interval at 0.5 over "
                     "2 trials times B's at 0.5 over 2"),
          "%s", md);
    CHECK(strstr(out, "at least 0.25"), "stdout:\n%s", out);
    free(md);
    free(out);
    teardown();
}

TEST_CASES({"floor_ratio", case_floor_ratio}, {"floor_remains", case_floor_remains},
           {"floor_unavailable", case_floor_unavailable}, {"floor_marks", case_floor_marks},
           {"least_level", case_least_level});
TEST_MAIN()
