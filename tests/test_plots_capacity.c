/* Where each model breaks (the capacity scenario) in the analysis, one case per ctest
 * entry: test_plots_capacity CASE (ctest plots.capacity_CASE).
 *
 * They run build/bin/plots on a copy of bench_capacity.json, a synthetic run written to
 * the scenario's contract (docs/bench.md) as this 2-core machine is expected to go:
 * iterative and threadpool fail the first step (latency), select holds 1,016 and breaks
 * at 2,000 on FD_SETSIZE, epoll and prefork hold 10,016 and break at 20,000 on
 * RLIMIT_NOFILE 20,000 (prefork's a worker's, epoll having held 19,994 at once there),
 * process holds 20,016 and bench predicts pid_max at 50,000 and does not run it; and, so
 * that every branch shows, reuseport crashes at 20,000, thread is capped by the budget and
 * uring skipped for memory there. And on changed copies: a model that held 100,000, no
 * model on RLIMIT_NOFILE, a cgroup's pids.max, a bench.json from before the predicted
 * steps, the most held at once and the machine's memory, a skipped scenario, and the
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

#define FIXTURE ECHOBENCH_FIXTURES "/bench_capacity.json"
#define HEADING "\n## Where it breaks\n"

static json_t *load(const char *path)
{
    json_error_t e;
    json_t *j = json_load_file(path, 0, &e);
    CHECK(j, "%s: %s", path, e.text);
    return j;
}

static json_t *scenario_of(json_t *root)
{
    json_t *sc = json_array_get(json_object_get(root, "scenarios"), 0);
    CHECK(sc && strcmp(json_string_value(json_object_get(sc, "name")), "capacity") == 0,
          "the fixture's one scenario is capacity");
    return sc;
}

/* The scenario's verdict for model. */
static json_t *verdict_of(json_t *root, const char *model)
{
    json_t *v = json_object_get(json_object_get(scenario_of(root), "models"), model);
    CHECK(v, "the fixture has no verdict for %s", model);
    return v;
}

/* plots on json (NULL: the fixture as it is) in a folder of its own named name, which
 * it returns in dir; returns report.md (the caller frees it). */
static char *report_of(const char *name, json_t *json, char *dir, size_t len)
{
    return plots_report("capacity", json ? json_incref(json) : load(FIXTURE), name, dir, len);
}

static void teardown(void)
{
    plots_work_remove();
}

static char *section(const char *md, const char *heading)
{
    return md_section(md, heading);
}

static void has(const char *text, const char *needle, const char *what)
{
    CHECK(strstr(text, needle), "%s: no \"%s\" in: %s", what, needle, text);
}

static void lacks(const char *text, const char *needle, const char *what)
{
    CHECK(!strstr(text, needle), "%s: \"%s\" in: %s", what, needle, text);
}

/* The line of text that is exactly want (a whole table row). */
static void has_line(const char *text, const char *want, const char *what)
{
    size_t n = strlen(want);
    for (const char *at = strstr(text, want); at; at = strstr(at + 1, want))
        if ((at == text || at[-1] == '\n') && (at[n] == '\n' || at[n] == '\0'))
            return;
    CHECK(false, "%s: no line \"%s\" in: %s", what, want, text);
}

/* The report and its section "Where it breaks" of json (NULL: the fixture). */
static char *section_of(const char *name, json_t *json, char **md)
{
    char dir[PATH_MAX];
    *md = report_of(name, json, dir, sizeof(dir));
    char *s = section(*md, HEADING);
    CHECK(s, "no section \"Where it breaks\" in the report of %s", name);
    return s;
}

/* ---- the section: the target, the limits, a row per model, each model's why ---- */

static void case_section(void)
{
    char *md, *s = section_of("fixture", NULL, &md);
    /* After the claims, before the findings. */
    char *claims = strstr(md, "\n## The lecture's claims"), *findings = strstr(md, "\n## Findings");
    CHECK(claims && findings && claims < strstr(md, HEADING) && strstr(md, HEADING) < findings,
          "the section is not between the claims and the findings");
    has(s, "Target: the active clients' p99 within 100 ms (the default: bench was given no --slo)",
        "the target");
    has(s,
        "descriptors soft 20,000, hard 20,000 a process (fs.nr_open 1,048,576); pid_max "
        "32,768; threads-max 192,729; memory 23.5 GiB, 22.0 GiB available at the start; "
        "ephemeral ports 32768 to 60999; somaxconn 4,096",
        "the machine's limits");
    has(s, "Steps of idle connections: 1,000, 2,000, 5,000, 10,000, 20,000, 50,000, 100,000",
        "the steps");
    has(s, "Budget: 300 s for the scenario (at most 60 s for a step's flows to open), 281 s spent",
        "the budget");
    has_line(s,
             "| model | breaking point | breaks at | cause | memory per connection | machine "
             "memory per connection | time to open |",
             "the table's head");
    static const char *const rows[] = {
        "| echo-iterative | below the first step (1 at once at 1,000) | 1,000 | latency: the "
        "active clients not served within the target | - | - | - |",
        "| echo-process | 20,016 | 50,000 (predicted, not run) | pid_max (tasks of the machine) | "
        "96.0 KiB | 119 KiB | 13.4 s (1,494/s) |",
        "| echo-select | 1,016 (1,020 at once at 2,000) | 2,000 | FD_SETSIZE (select's "
        "descriptor bound) | 0.14 KiB | 3.36 KiB | 0.14 s (7,092/s) |",
        "| echo-epoll | 10,016 (19,994 at once at 20,000) | 20,000 | RLIMIT_NOFILE (descriptors "
        "of one process) | 2.25 KiB | 5.47 KiB | 0.85 s (11,765/s) |",
        "| echo-thread | 10,016 | not run: capped by the budget at 20,000 | - | 12.0 KiB | 31.2 "
        "KiB | 1.30 s (7,692/s) |",
        "| echo-threadpool | below the first step (4 at once at 1,000) | 1,000 | latency: the "
        "active clients not served within the target | - | - | - |",
        "| echo-prefork | 10,016 (17,816 at once at 20,000) | 20,000 | RLIMIT_NOFILE "
        "(descriptors of one process) | 2.34 KiB | 5.57 KiB | 0.88 s (11,325/s) |",
        "| echo-reuseport | 10,016 | 20,000 | crashed | 2.44 KiB | 5.66 KiB | 0.82 s (12,210/s) "
        "|",
        "| echo-uring | 10,016 | not run: skipped (memory) at 20,000 | - | 2.54 KiB | 5.76 KiB | "
        "0.88 s (11,325/s) |",
    };
    const char *prev = s;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        has_line(s, rows[i], "a model's row");
        CHECK(strstr(s, rows[i]) > prev, "the rows out of the run's order at %s", rows[i]);
        prev = strstr(s, rows[i]);
    }
    /* What the brackets, the predicted step and the machine's memory are. */
    has(s,
        "In brackets, where more, the most the server held at once at any step it ran: its "
        "failed step's connections taken in before it broke.",
        "the most held at once, explained");
    has(s, "Predicted, not run: bench foresaw", "the predicted step, explained");
    has(s,
        "Time to open, of the last step held: the idle connections' opening (loadgen's "
        "connects, then the server taking them in; bench's readings confirming it not counted), "
        "with their rate.",
        "what the time to open counts");
    has(s,
        "Machine memory per connection, of the last step held: MemAvailable's drop from before "
        "the server started to every connection up, over the connections held: both ends of "
        "loopback and the kernel included (sockets, stacks, page tables), loadgen's own too.",
        "the machine's memory, explained");
    /* Each model's why, as bench gave it; what was stopped early, said. */
    has(s,
        "- echo-prefork: a worker (child) held 19,993 descriptors, within 8 of its soft "
        "RLIMIT_NOFILE 20,000",
        "prefork's why: which process");
    has(s, "- echo-reuseport: the server died with signal 11 (SIGSEGV)", "the crash's why");
    has(s, "- echo-uring: skipped: it would need about 5.62 GiB", "the skip's why");
    has(s,
        "Capped by the scenario's budget: echo-thread. Skipped, the next step not fitting in "
        "the memory available: echo-uring. They were not asked the next step",
        "what was capped and skipped");
    free(s);
    free(md);
    teardown();
}

/* ---- how to raise the descriptor limit: only where a model broke on it ---- */

static void case_nofile(void)
{
    char *md, *s = section_of("fixture", NULL, &md);
    has(s, "echo-epoll, echo-prefork broke on RLIMIT_NOFILE", "who broke on it");
    has(s, "Here its hard limit is 20,000", "the hard limit");
    has(s, "Raising a hard limit needs CAP_SYS_RESOURCE (root in a container may lack it).",
        "the privilege it takes");
    has(s,
        "/etc/security/limits.conf: `* hard nofile 101024` and `* soft nofile 101024`, then a "
        "new login",
        "limits.conf");
    has(s, "`LimitNOFILE=101024`", "systemd");
    has(s, "`prlimit --pid $$ --nofile=101024:101024`, with CAP_SYS_RESOURCE", "prlimit");
    has(s, "`docker run --ulimit nofile=101024:101024`", "a container's limit");
    has(s, "fs.nr_open (here 1,048,576)", "the ceiling");
    free(s);
    free(md);

    /* No model on RLIMIT_NOFILE: no word of raising it. */
    json_t *j = load(FIXTURE);
    json_object_set_new(verdict_of(j, "epoll"), "cause", json_string("time"));
    json_object_set_new(verdict_of(j, "prefork"), "cause", json_string("listen_overflow"));
    s = section_of("no_nofile", j, &md);
    lacks(s, "limits.conf", "the how-to with no model on RLIMIT_NOFILE");
    lacks(s, "LimitNOFILE", "the how-to with no model on RLIMIT_NOFILE");
    lacks(s, "prlimit", "the how-to with no model on RLIMIT_NOFILE");
    has_line(s,
             "| echo-prefork | 10,016 (17,816 at once at 20,000) | 20,000 | the listen queue "
             "overflowed | 2.34 KiB | 5.57 KiB | 0.88 s (11,325/s) |",
             "prefork's row, its cause changed");
    free(s);
    free(md);
    json_decref(j);
    teardown();
}

/* ---- memory per connection at 100,000: those that got there, or why none did ---- */

static void case_hundred_k(void)
{
    char *md, *s = section_of("fixture", NULL, &md);
    has(s,
        "Memory per connection at 100,000 connections: no model got there here: "
        "echo-iterative broke at 1,000 (latency); echo-process broke at 50,000 (pid_max, "
        "predicted); "
        "echo-select broke at 2,000 (FD_SETSIZE); echo-epoll broke at 20,000 "
        "(RLIMIT_NOFILE); echo-thread was capped at 20,000;",
        "why none got there");
    free(s);
    free(md);

    /* epoll held the ramp's top. */
    json_t *j = load(FIXTURE);
    json_t *v = verdict_of(j, "epoll");
    json_object_set_new(v, "verdict", json_string("top"));
    json_object_set_new(v, "held", json_integer(100016));
    json_object_set_new(v, "held_step", json_string("100000"));
    json_object_set_new(v, "failed_step", json_null());
    json_object_set_new(v, "cause", json_null());
    json_object_set_new(v, "why", json_string("held every step up to 100,000"));
    json_object_set_new(v, "memory_per_connection_bytes", json_real(2150.4));
    s = section_of("top", j, &md);
    has(s, "Memory per connection at 100,000 connections: echo-epoll 2.10 KiB (100,016 held).\n",
        "the one that got there, alone");
    has_line(s,
             "| echo-epoll | 100,016 | held up to the top (100,000) | - | 2.10 KiB | 5.47 KiB | "
             "0.85 s (11,765/s) |",
             "its row");
    has(s, "- echo-epoll: held every step up to 100,000", "its why");
    free(s);
    free(md);

    /* A quick ramp: two steps, nowhere near. */
    json_decref(j);
    j = load(FIXTURE);
    json_object_set_new(scenario_of(j), "steps", json_pack("[i,i]", 1000, 2000));
    s = section_of("quick", j, &md);
    has(s, "Memory per connection at 100,000 connections: none here: the ramp's top was 2,000.",
        "a ramp that stops short of it");
    free(s);
    free(md);
    json_decref(j);
    teardown();
}

/* ---- the two plots: log-log, a line per model to its breaking point, marked ---- */

/* Every row of a TSV block of series name: x, y and the label (or ""); the count. */
static int tsv_rows(const char *tsv, const char *name, double *x, double *y, char (*note)[64],
                    int max)
{
    int n = 0;
    char *copy = strdup(tsv);
    CHECK(copy);
    for (char *save, *line = strtok_r(copy, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        size_t len = strcspn(line, "\t");
        if (line[0] == '#' || len != strlen(name) || strncmp(line, name, len) != 0)
            continue;
        CHECK(n < max && sscanf(line + len, "\t%lf\t%lf", &x[n], &y[n]) == 2, "a row: %s", line);
        const char *sixth = line;
        for (int k = 0; k < 5 && sixth; k++)
            sixth = strchr(sixth, '\t') ? strchr(sixth, '\t') + 1 : NULL;
        snprintf(note[n], sizeof(note[n]), "%s", sixth ? sixth : "");
        n++;
    }
    free(copy);
    return n;
}

static char *file_of(const char *dir, const char *name)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof(path), "%s/plots/%s", dir, name);
    char *text = slurp(path, NULL);
    CHECK(text, "no %s", path);
    return text;
}

/* The series in the key of a gnuplot script: how many clauses have a title. */
static int titled(const char *gp)
{
    int n = 0;
    for (const char *at = strstr(gp, " title '"); at; at = strstr(at + 1, " title '"))
        n++;
    return n;
}

/* The clause of the plot command that draws series name: has want in it. */
static void clause_has(const char *gp, const char *name, const char *want)
{
    char *copy = strdup(gp);
    CHECK(copy);
    bool found = false;
    for (char *save, *c = strtok_r(copy, ",\n", &save); c && !found;
         c = strtok_r(NULL, ",\n", &save))
        found = strstr(c, "with ") && strstr(c, name) && strstr(c, want);
    free(copy);
    CHECK(found, "no clause for '%s' with \"%s\" in: %s", name, want, gp);
}

static void case_plots(void)
{
    char dir[PATH_MAX], note[8][64];
    double x[8], y[8];
    char *md = report_of("fixture", NULL, dir, sizeof(dir));
    char *tsv = file_of(dir, "data/capacity_memory.tsv");
    /* epoll's line, its key entry saying where it breaks: its four held steps,
     * memory_kib in MiB; none of the failed one. */
    CHECK(tsv_rows(tsv, "epoll: holds 10,016; RLIMIT_NOFILE at 20,000", x, y, note, 8) == 4,
          "epoll's line is not its 4 held steps under its key entry");
    static const double held[] = {1016, 2016, 5016, 10016}, kib[] = {2682, 4928, 11666, 22897};
    for (int k = 0; k < 4; k++)
        CHECK(x[k] == held[k] && fabs(y[k] - kib[k] / 1024) < 1e-6, "epoll at %g: %g MiB", x[k],
              y[k]);
    /* Its breaking point, circled; the step it failed at the connections that step asked
     * for (20,016), not the 16,296 it held then. */
    CHECK(tsv_rows(tsv, "epoll: the last step held", x, y, note, 8) == 1 && x[0] == 10016,
          "epoll's breaking point at %g", x[0]);
    CHECK(tsv_rows(tsv, "epoll: the step it failed", x, y, note, 8) == 1 && x[0] == 20016 &&
              fabs(y[0] - 37002.0 / 1024) < 1e-6,
          "epoll's failed step at %g, %g MiB", x[0], y[0]);
    /* process's step at 50,000 was predicted, not run: its line, no cross. */
    CHECK(tsv_rows(tsv, "process: holds 20,016; pid_max predicted at 50,000", x, y, note, 8) == 5 &&
              x[4] == 20016,
          "process's line is not its 5 held steps under its key entry");
    CHECK(tsv_rows(tsv, "process: the step it failed", x, y, note, 8) == 0,
          "a cross for process's predicted step, which was not run");
    CHECK(tsv_rows(tsv, "select: holds 1,016; FD_SETSIZE at 2,000", x, y, note, 8) == 1,
          "select's line");
    CHECK(tsv_rows(tsv, "select: the step it failed", x, y, note, 8) == 1 && x[0] == 2016,
          "select's failed step at %g", x[0]);
    /* A model that held no step: its cross alone, at the 1,016 asked (it held 1), with the
     * key entry. */
    CHECK(tsv_rows(tsv, "iterative: latency at 1,000", x, y, note, 8) == 1 && x[0] == 1016,
          "iterative's cross at %g", x[0]);
    CHECK(tsv_rows(tsv, "iterative: the last step held", x, y, note, 8) == 0,
          "a circle for iterative, which held none");
    CHECK(tsv_rows(tsv, "thread: holds 10,016; capped at 20,000", x, y, note, 8) == 4,
          "thread's line, capped");
    CHECK(tsv_rows(tsv, "uring: holds 10,016; skipped at 20,000", x, y, note, 8) == 4,
          "uring's line, skipped");
    CHECK(tsv_rows(tsv, "reuseport: holds 10,016; crashed at 20,000", x, y, note, 8) == 4,
          "reuseport's line, crashed");
    free(tsv);
    /* One key entry per model (nine), no labels in the plot, the markers said in the key's
     * title, crosses for the failed steps, MiB on the y axis for people. */
    char *gp = file_of(dir, "capacity_memory.gp");
    has(gp, "set logscale x\n", "memory's x axis log");
    has(gp, "set logscale y\n", "memory's y axis log");
    CHECK(titled(gp) == 9, "%d entries in the memory plot's key, not one per model", titled(gp));
    lacks(gp, "with labels", "words inside the memory plot");
    has(gp, "title \"\\n○ the last step held, × the step it failed\"", "the markers in the key");
    /* The blocks: iterative's cross (0), process's line and circle (1, 2), its predicted
     * step no block; select's line, circle and cross (3 to 5). */
    clause_has(gp, "index 0 ", "pt 2 ");
    clause_has(gp, "index 2 ", "pt 6 ");
    clause_has(gp, "index 3 ", "select: holds");
    clause_has(gp, "index 5 ", "pt 2 ");
    has(gp, "set ytics (\"0.1\" 0.1, \"1\" 1, \"10\" 10, \"100\" 100, \"1,000\" 1000)",
        "memory's tics in MiB");
    has(gp, "set xtics (\"1,000\" 1000, \"2,000\" 2000, \"5,000\" 5000, \"10,000\" 10000",
        "the connections' tics");
    free(gp);

    tsv = file_of(dir, "data/capacity_p99.tsv");
    CHECK(tsv_rows(tsv, "select: holds 1,016; FD_SETSIZE at 2,000", x, y, note, 8) == 1 &&
              x[0] == 1016 && y[0] == 945,
          "select's p99 line: its one held step");
    free(tsv);
    gp = file_of(dir, "capacity_p99.gp");
    has(gp, "set logscale x\n", "p99's x axis log");
    has(gp, "set logscale y\n", "p99's y axis log");
    has(gp, "100000 with lines dt 2 lw 2 lc rgb '#000000' title 'target: p99 100 ms'",
        "the target's line");
    CHECK(titled(gp) == 10, "%d entries in the p99 plot's key, not one per model and the target",
          titled(gp));
    lacks(gp, "with labels", "words inside the p99 plot");
    has(gp, "set ytics (\"1 ms\" 1000, \"10 ms\" 10000, \"100 ms\" 100000, \"1 s\" 1000000)",
        "p99's tics in ms and s");
    free(gp);
    /* Rendered, and shown in the section with their data; the memory said. */
    static const char *const plots[] = {"capacity_memory", "capacity_p99"};
    char *s = section(md, HEADING);
    CHECK(s);
    for (size_t i = 0; i < 2; i++) {
        char path[PATH_MAX + 64], want[128];
        struct stat st;
        snprintf(path, sizeof(path), "%s/plots/%s.png", dir, plots[i]);
        CHECK(stat(path, &st) == 0 && st.st_size > 8000, "no picture %s", path);
        snprintf(want, sizeof(want), "](plots/%s.png)", plots[i]);
        has(s, want, "the section shows the plot");
        snprintf(want, sizeof(want), "[data](plots/data/%s.tsv)", plots[i]);
        has(s, want, "the section links its data");
        const char *first = strstr(md, want);
        CHECK(!strstr(first + 1, want), "%s is shown twice in the report", plots[i]);
    }
    has(s,
        "*The server's memory against the connections, both axes log: the server tree's own "
        "memory (proportional anonymous, with every connection up); the kernel's socket memory "
        "is not in it.",
        "the memory plot's caption: what the memory is");
    has(s, "A step predicted past a limit and not run has no cross: nothing was measured.",
        "the caption on the predicted step");
    has(s,
        "Memory per connection, of the last step held: the server tree's own memory "
        "(proportional anonymous, with every connection up) less its baseline, over the "
        "connections it held; the kernel's socket memory is not in it.",
        "the table's memory per connection: what it is");
    free(s);
    free(md);

    /* A model that held every step: the top in its entry. */
    json_t *j = load(FIXTURE);
    json_object_set_new(verdict_of(j, "epoll"), "verdict", json_string("top"));
    json_object_set_new(verdict_of(j, "epoll"), "failed_step", json_null());
    free(report_of("top", j, dir, sizeof(dir)));
    json_decref(j);
    gp = file_of(dir, "capacity_memory.gp");
    has(gp, "title 'epoll: holds 10,016 (the top)'", "the top in epoll's entry");
    free(gp);
    teardown();
}

/* ---- analysis.json's where_it_breaks ---- */

static json_t *analysis_of(const char *dir)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof(path), "%s/analysis.json", dir);
    return load(path);
}

static void case_json(void)
{
    char dir[PATH_MAX];
    free(report_of("fixture", NULL, dir, sizeof(dir)));
    json_t *fixture = load(FIXTURE);
    json_t *a = analysis_of(dir), *w = json_object_get(a, "where_it_breaks");
    CHECK(json_array_size(w) == 9, "where_it_breaks has %zu rows, not 9", json_array_size(w));
    json_t *want = json_pack(
        "{s:s,s:s,s:i,s:s,s:s,s:s,s:s,s:b,s:i,s:f,s:f,s:f,s:f}", "model", "epoll", "verdict",
        "broke", "held", 10016, "held_step", "10000", "failed_step", "20000", "cause",
        "rlimit_nofile", "why",
        json_string_value(json_object_get(verdict_of(fixture, "epoll"), "why")), "predicted", 0,
        "most_held", 19994, "memory_per_connection_bytes", 2300.0,
        "machine_memory_per_connection_bytes", 5600.0, "open_s", 0.85, "open_rate", 11764.7);
    json_t *epoll = json_array_get(w, 3);
    CHECK(json_equal(epoll, want), "epoll's entry: %s", json_dumps(epoll, JSON_COMPACT));
    json_t *first = json_array_get(w, 0);
    CHECK(strcmp(json_string_value(json_object_get(first, "model")), "iterative") == 0 &&
              json_is_null(json_object_get(first, "held")) &&
              json_is_null(json_object_get(first, "held_step")) &&
              strcmp(json_string_value(json_object_get(first, "cause")), "latency") == 0,
          "iterative's entry: %s", json_dumps(first, JSON_COMPACT));
    json_t *process = json_array_get(w, 1);
    CHECK(json_is_true(json_object_get(process, "predicted")) &&
              strcmp(json_string_value(json_object_get(process, "failed_step")), "50000") == 0,
          "process's entry: %s", json_dumps(process, JSON_COMPACT));
    json_t *thread = json_array_get(w, 4);
    CHECK(strcmp(json_string_value(json_object_get(thread, "verdict")), "capped") == 0 &&
              json_is_null(json_object_get(thread, "cause")) &&
              json_is_null(json_object_get(thread, "failed_step")),
          "thread's entry: %s", json_dumps(thread, JSON_COMPACT));
    CHECK(json_array_size(json_object_get(a, "claims")) > 0, "the claims beside it");
    json_decref(want);
    json_decref(a);
    json_decref(fixture);
    teardown();
}

/* ---- the scenario's own section: every step, not the generic tables ---- */

static void case_steps(void)
{
    char *md, *s;
    free(section_of("fixture", NULL, &md));
    s = section(md, "\n## Where each model breaks: connections held\n");
    CHECK(s, "no section of the scenario itself");
    has(s, "[Where it breaks](#where-it-breaks)", "the link to the verdicts");
    has_line(s, "| model | 1,000 | 2,000 | 5,000 | 10,000 | 20,000 | 50,000 |", "the steps' head");
    has_line(s,
             "| echo-select | held; p99 945 µs; 0.43 MiB | **failed** (FD_SETSIZE): held 1,020 "
             "of 2,016; p99 990 µs; 0.43 MiB | | | | |",
             "select's steps");
    has(s, "| **failed** (crashed) | |", "reuseport's crash");
    has(s, "| held; p99 6,000 µs; 1,877 MiB | **predicted** (pid_max), not run |",
        "process's predicted step");
    has(s, "| skipped | |", "uring's skip");
    lacks(s, "Requests per second, median", "the generic tables");
    lacks(s, "](plots/", "the plots, which are in Where it breaks");
    free(s);
    free(md);
    teardown();
}

/* ---- a skipped scenario says so; an older bench.json has no section ---- */

static void case_skipped(void)
{
    char dir[PATH_MAX], path[PATH_MAX + 64];
    json_t *j = load(FIXTURE), *sc = scenario_of(j);
    json_object_set_new(sc, "points", json_array());
    json_object_del(sc, "models");
    json_object_set_new(sc, "status", json_string("skipped"));
    json_object_set_new(sc, "note", json_string("skipped: not in --scenarios"));
    char *md = report_of("skipped", j, dir, sizeof(dir));
    char *s = section(md, HEADING);
    CHECK(s, "no section for the skipped scenario");
    has(s, "The capacity scenario was skipped: skipped: not in --scenarios", "its note");
    lacks(s, "| model |", "a table for a scenario that did not run");
    snprintf(path, sizeof(path), "%s/plots/data/capacity_memory.tsv", dir);
    CHECK(access(path, F_OK) != 0, "a plot of a scenario that did not run");
    free(s);
    free(md);

    /* Interrupted: what ran, said to be partial. */
    json_decref(j);
    j = load(FIXTURE);
    json_object_set_new(scenario_of(j), "status", json_string("interrupted"));
    md = report_of("interrupted", j, dir, sizeof(dir));
    s = section(md, HEADING);
    CHECK(s, "no section for the interrupted scenario");
    has(s, "did not finish** (status `interrupted`)", "the status");
    has(s, "| echo-epoll | 10,016 (19,994 at once at 20,000) |", "the verdicts it has");
    free(s);
    free(md);
    json_decref(j);
    teardown();
}

static void case_absent(void)
{
    char dir[PATH_MAX];
    json_t *j = load(ECHOBENCH_FIXTURES "/bench.json");
    char *md = report_of("old", j, dir, sizeof(dir));
    lacks(md, "## Where it breaks", "a bench.json without the scenario");
    lacks(md, "capacity_memory", "a bench.json without the scenario");
    char cmd[PATH_MAX + 64];
    snprintf(cmd, sizeof(cmd), "test -z \"$(find '%s/plots' -name 'capacity_*')\"", dir);
    CHECK(system(cmd) == 0, "capacity plots from a bench.json without the scenario");
    json_t *a = analysis_of(dir);
    CHECK(json_is_null(json_object_get(a, "where_it_breaks")),
          "where_it_breaks of a run without the scenario is not null");
    json_decref(a);
    json_decref(j);
    free(md);
    teardown();
}

/* ---- a cause bench names since its review: a cgroup's pids.max ---- */

static void case_cgroup_pids(void)
{
    char dir[PATH_MAX];
    json_t *j = load(FIXTURE);
    json_object_set_new(verdict_of(j, "process"), "cause", json_string("cgroup_pids"));
    char *md = report_of("cgroup_pids", j, dir, sizeof(dir)), *s = section(md, HEADING);
    CHECK(s, "no section \"Where it breaks\"");
    has_line(s,
             "| echo-process | 20,016 | 50,000 (predicted, not run) | the cgroup's pids.max "
             "(tasks of the server's cgroup) | 96.0 KiB | 119 KiB | 13.4 s (1,494/s) |",
             "process's row on the cgroup's pids.max");
    has(s, "echo-process broke at 50,000 (pids.max, predicted)", "the cause, briefly");
    char *gp = file_of(dir, "capacity_memory.gp");
    has(gp, "title 'process: holds 20,016; pids.max predicted at 50,000'", "process's entry");
    free(gp);
    free(s);
    free(md);
    json_decref(j);
    teardown();
}

/* ---- a bench.json from before the review: no predicted steps, no most held at once, no
 * machine memory; the table as it was ---- */

static void strip_reviewed(json_t *o)
{
    static const char *const keys[] = {"predicted", "most_held", "machine_memory_kib",
                                       "machine_memory_per_connection_bytes", "connect_s"};
    for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
        json_object_del(o, keys[k]);
}

static void case_older(void)
{
    json_t *j = load(FIXTURE), *sc = scenario_of(j), *v, *pt;
    const char *key;
    size_t i;
    json_object_foreach(json_object_get(sc, "models"), key, v) strip_reviewed(v);
    json_array_foreach(json_object_get(sc, "points"), i, pt)
        strip_reviewed(json_object_get(pt, "capacity"));
    /* Before the review, process ran its step at 50,000 and failed it on pid_max. */
    json_t *c = json_object_get(json_array_get(json_object_get(sc, "points"), 6), "capacity");
    CHECK(strcmp(json_string_value(json_object_get(c, "verdict")), "predicted") == 0,
          "the fixture's seventh point is not process's predicted step");
    json_object_set_new(c, "verdict", json_string("failed"));
    /* A model at the top has no step it stopped at to say whether it was predicted. */
    json_object_set_new(verdict_of(j, "reuseport"), "verdict", json_string("top"));
    json_object_set_new(verdict_of(j, "reuseport"), "failed_step", json_null());
    json_object_set_new(verdict_of(j, "reuseport"), "cause", json_null());
    char *md, *s = section_of("older", j, &md);
    has_line(s,
             "| model | breaking point | breaks at | cause | memory per connection | time to "
             "open |",
             "the table's head as it was");
    has_line(s,
             "| echo-epoll | 10,016 | 20,000 | RLIMIT_NOFILE (descriptors of one process) | 2.25 "
             "KiB | 0.85 s (11,765/s) |",
             "epoll's row as it was");
    has_line(
        s,
        "| echo-process | 20,016 | 50,000 | pid_max (tasks of the machine) | 96.0 KiB | 13.4 s "
        "(1,494/s) |",
        "process's row as it was");
    has_line(s,
             "| echo-reuseport | 10,016 | held up to the top (10,000) | - | 2.44 KiB | 0.82 s "
             "(12,210/s) |",
             "a model at the top");
    lacks(s, "at once", "the most held at once, which bench did not say");
    lacks(s, "Machine memory", "the machine's memory, which bench did not say");
    lacks(s, "Predicted, not run", "a predicted step, which there is not");
    has(s, "Time to open, of the last step held: the idle connections' opening, with their rate.",
        "the time to open as it was");
    free(s);
    free(md);
    json_decref(j);
    teardown();
}

/* ---- the machine's memory within bench's allowance: in parentheses, said so, and in
 * analysis.json ---- */

static void case_machine_allowance(void)
{
    json_t *j = load(FIXTURE), *sc = scenario_of(j), *v, *pt;
    const char *key;
    size_t i;
    /* As bench writes it: the verdicts without the machine's figures, each step with its
     * 64 MiB allowance. select's fall at 1,000, 3.3 MiB, is within it; epoll's at 10,000
     * is made 300 MiB, past it; prefork's at 10,000 a rise. */
    json_object_foreach(json_object_get(sc, "models"), key, v)
    {
        json_object_del(v, "machine_memory_kib");
        json_object_del(v, "machine_memory_per_connection_bytes");
    }
    json_array_foreach(json_object_get(sc, "points"), i, pt)
    {
        json_t *c = json_object_get(pt, "capacity");
        const char *model = json_string_value(json_object_get(pt, "model"));
        bool ten_k = strcmp(json_string_value(json_object_get(pt, "label")), "10000") == 0;
        json_object_set_new(c, "machine_memory_allowance_kib", json_integer(65536));
        if (ten_k && strcmp(model, "epoll") == 0) {
            json_object_set_new(c, "machine_memory_kib", json_integer(307200));
            json_object_set_new(c, "machine_memory_per_connection_bytes", json_real(31407.3));
        }
        if (ten_k && strcmp(model, "prefork") == 0) {
            json_object_set_new(c, "machine_memory_kib", json_integer(-2048));
            json_object_set_new(c, "machine_memory_per_connection_bytes", json_real(-209.4));
        }
    }
    char dir[PATH_MAX];
    char *md = report_of("allowance", j, dir, sizeof(dir)), *s = section(md, HEADING);
    CHECK(s, "no section \"Where it breaks\"");
    has_line(s,
             "| echo-select | 1,016 (1,020 at once at 2,000) | 2,000 | FD_SETSIZE (select's "
             "descriptor bound) | 0.14 KiB | (3.36 KiB) | 0.14 s (7,092/s) |",
             "select's row, its machine figure within the allowance");
    has_line(
        s,
        "| echo-epoll | 10,016 (19,994 at once at 20,000) | 20,000 | RLIMIT_NOFILE (descriptors "
        "of one process) | 2.25 KiB | 30.7 KiB | 0.85 s (11,765/s) |",
        "epoll's row, past the allowance");
    has_line(s,
             "| echo-prefork | 10,016 (17,816 at once at 20,000) | 20,000 | RLIMIT_NOFILE "
             "(descriptors of one process) | 2.34 KiB | (rose) | 0.88 s (11,325/s) |",
             "prefork's row, MemAvailable rose");
    has(s,
        "In parentheses: MemAvailable fell by no more than the 64 MiB bench leaves to the rest of "
        "the machine (or rose: \"rose\"), so the fall adds nothing to bench's estimate for a next "
        "step, which counts a fall only past the 64 MiB, less it, where that is larger than the "
        "server's and the kernel's own; the figure may still be the step's own.",
        "the parentheses, explained");
    json_t *a = analysis_of(dir), *w = json_object_get(a, "where_it_breaks");
    CHECK(
        json_is_true(json_object_get(json_array_get(w, 2), "machine_memory_within_allowance")) &&
            json_is_false(json_object_get(json_array_get(w, 3), "machine_memory_within_allowance")),
        "select within, epoll past: %s", json_dumps(w, JSON_COMPACT));
    CHECK(!json_object_get(json_array_get(w, 0), "machine_memory_within_allowance"),
          "iterative, with no step held, has no such field");
    free(s);
    free(md);
    json_decref(a);
    json_decref(j);
    teardown();
}

/* Without bench's allowance (the fixture as an older bench wrote it): no parentheses. */
static void case_machine_no_allowance(void)
{
    char *md, *s = section_of("fixture", NULL, &md);
    lacks(s, "In parentheses", "the allowance, which bench did not say");
    lacks(s, "| (", "a figure in parentheses");
    free(s);
    free(md);
    teardown();
}

TEST_CASES({"capacity_section", case_section}, {"capacity_nofile", case_nofile},
           {"capacity_hundred_k", case_hundred_k}, {"capacity_plots", case_plots},
           {"capacity_json", case_json}, {"capacity_steps", case_steps},
           {"capacity_skipped", case_skipped}, {"capacity_absent", case_absent},
           {"capacity_cgroup_pids", case_cgroup_pids}, {"capacity_older", case_older},
           {"capacity_machine_allowance", case_machine_allowance},
           {"capacity_machine_no_allowance", case_machine_no_allowance});
TEST_MAIN()
