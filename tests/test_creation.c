/* Tests of the creation-cost microbenchmark, one case per ctest entry. */
#include "check.h"
#include "harness.h"

#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs build/bin/creation-cost with args; returns its exit status, stderr in err and,
 * where out_path is given, stdout in that file. */
static int run_to(const char *const *args, char *err, size_t errlen, const char *out_path)
{
    return run_tool("creation-cost", args, NULL, out_path, err, errlen);
}

static int run(const char *const *args, char *err, size_t errlen)
{
    return run_to(args, err, errlen, NULL);
}

static json_t *measure(const char *sizes)
{
    char json[128], err[4096];
    snprintf(json, sizeof(json), "/tmp/echobench-test-creation-%d.json", (int)getpid());
    const char *args[] = {"--quick", "-n", "200", "--rss-mib", sizes, "--json", json, NULL};
    int rc = run(args, err, sizeof(err));
    CHECK(rc == 0, "exit %d: %s", rc, err);
    json_error_t e;
    json_t *j = json_load_file(json, 0, &e);
    CHECK(j, "%s: %s", json, e.text);
    unlink(json);
    return j;
}

static double num(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    CHECK(json_is_number(v), "no number %s", key);
    return json_number_value(v);
}

/* A distribution: positive, and p10 <= median <= p90 <= p99. */
static void check_dist(json_t *d, const char *what)
{
    CHECK(json_is_object(d), "%s: no distribution", what);
    double p10 = num(d, "p10"), med = num(d, "median"), p90 = num(d, "p90"), p99 = num(d, "p99");
    CHECK(p10 > 0 && p10 <= med && med <= p90 && p90 <= p99, "%s: p10 %g median %g p90 %g p99 %g",
          what, p10, med, p90, p99);
    CHECK(num(d, "min") <= p10 && p99 <= num(d, "max"));
}

static void case_schema(void)
{
    static const char *prims[] = {"fork",     "vfork",   "posix_spawn",
                                  "clone_vm", "pthread", "pthread_detached"};
    json_t *j = measure("0,64");
    CHECK(strcmp(json_string_value(json_object_get(j, "schema")), "echobench.creation/1") == 0);
    CHECK(json_is_object(json_object_get(j, "env")));
    double ghz = num(j, "tsc_ghz");
    CHECK(ghz >= 0 && ghz < 10, "TSC at %g GHz", ghz);
    CHECK(json_is_boolean(json_object_get(j, "core_cycles_available")));
    json_t *p = json_object_get(j, "primitives");
    for (size_t i = 0; i < sizeof(prims) / sizeof(prims[0]); i++) {
        json_t *one = json_object_get(p, prims[i]);
        CHECK(one, "no primitive %s", prims[i]);
        CHECK(!json_object_get(one, "error"), "%s failed: %s", prims[i],
              json_string_value(json_object_get(one, "error")));
        check_dist(json_object_get(one, "ns"), prims[i]);
        if (ghz > 0)
            check_dist(json_object_get(one, "cycles"), prims[i]);
        json_t *core = json_object_get(one, "core_cycles");
        CHECK(json_is_null(core) == !json_is_true(json_object_get(j, "core_cycles_available")));
        if (!json_is_null(core))
            check_dist(core, prims[i]);
        CHECK(num(one, "iterations") == 200);
    }
    /* Without core cycles, a note says why. */
    CHECK(json_is_true(json_object_get(j, "core_cycles_available")) ||
              json_is_string(json_object_get(j, "core_cycles_note")),
          "core cycles missing, and no note says why");
    CHECK(num(j, "ratio_fork_to_pthread") > 0);
    /* Every primitive closed what it opened. */
    json_t *fds = json_object_get(j, "open_fds");
    CHECK(num(fds, "after") == num(fds, "before"), "descriptors: %g before, %g after",
          num(fds, "before"), num(fds, "after"));
    json_t *lecture = json_object_get(j, "lecture");
    CHECK(num(lecture, "process_cycles") == 20000 && num(lecture, "thread_cycles") == 10000);
    json_t *sweep = json_object_get(j, "fork_vs_rss");
    CHECK(json_array_size(sweep) == 2, "one row a size");
    for (size_t i = 0; i < 2; i++) {
        json_t *row = json_array_get(sweep, i);
        CHECK(num(row, "rss_mib") == (i ? 64 : 0));
        CHECK(num(row, "fork_ns_median") > 0 && num(row, "pthread_ns_median") > 0);
        CHECK(num(row, "vfork_ns_median") > 0 && num(row, "clone_vm_ns_median") > 0);
        CHECK(num(row, "posix_spawn_ns_median") > 0);
    }
    json_decref(j);
}

/* fork copies the parent's page tables: from a parent with 512 MiB resident it costs
 * more than from an empty one. */
static void case_fork_grows(void)
{
    json_t *j = measure("0,512");
    json_t *sweep = json_object_get(j, "fork_vs_rss");
    if (json_array_size(sweep) < 2) {
        fprintf(stderr, "skipped: %s\n",
                json_string_value(json_object_get(json_object_get(j, "settings"), "rss_cap_note")));
        json_decref(j);
        exit(TEST_SKIP);
    }
    double small = num(json_array_get(sweep, 0), "fork_ns_median");
    double big = num(json_array_get(sweep, 1), "fork_ns_median");
    CHECK(big > small * 1.2, "fork from 512 MiB %.0f ns, from nothing %.0f ns", big, small);
    json_decref(j);
}

static void case_usage(void)
{
    static const struct {
        const char *args[4];
        const char *says;
    } bad[] = {
        {{"-n", "0", NULL}, "-n must be"},
        {{"--rss-mib", "abc", NULL}, "--rss-mib size"},
        {{"--rss-mib", "0,,64", NULL}, "empty size"},
        {{"--rss-mib", "", NULL}, "empty size"},
        {{"--cpu", "9999", NULL}, "--cpu must be"},
        {{"--cpu", "0", "--no-pin", NULL}, "contradict"},
        {{"--bogus", NULL}, "unknown option"},
        {{"extra", NULL}, "unexpected argument"},
    };
    char err[4096];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = run(bad[i].args, err, sizeof(err));
        CHECK(rc == 2, "case %zu: exit %d: %s", i, rc, err);
        CHECK(strstr(err, bad[i].says), "case %zu: lacks '%s': %s", i, bad[i].says, err);
    }
}

/* What a reader sees: every primitive with its medians, and the lecture's claim beside
 * this machine's figures. */
static void case_table(void)
{
    char out[128], err[4096], text[16384];
    snprintf(out, sizeof(out), "/tmp/echobench-test-creation-%d.txt", (int)getpid());
    const char *args[] = {"-n", "100", "--warmup", "5", "--rss-mib", "0", NULL};
    int rc = run_to(args, err, sizeof(err), out);
    CHECK(rc == 0, "exit %d: %s", rc, err);
    FILE *f = fopen(out, "r");
    CHECK(f);
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    text[n] = '\0';
    fclose(f);
    unlink(out);
    static const char *says[] = {"fork + waitpid",
                                 "vfork",
                                 "posix_spawn",
                                 "clone(CLONE_VM",
                                 "pthread_create + pthread_join",
                                 "detached",
                                 "median ns",
                                 "The lecture: a process costs about 20K cycles",
                                 "Here: fork + waitpid",
                                 "against the parent's resident memory"};
    for (size_t i = 0; i < sizeof(says) / sizeof(says[0]); i++)
        CHECK(strstr(text, says[i]), "the table lacks '%s':\n%s", says[i], text);
    CHECK(!strstr(text, "failed"), "a primitive failed:\n%s", text);
}

TEST_CASES({"schema", case_schema}, {"fork_grows", case_fork_grows}, {"table", case_table},
           {"usage", case_usage});
TEST_MAIN()
