/* compare: two results folders side by side.
 *
 *     compare [--out DIR] A B
 *
 * For every point both measured, the median throughput and p99 of A and of B, the
 * ratio B/A, and a mark where their intervals do not overlap; where both runs ran the
 * floor (echo-floor, the machine's reference), beside it the ratio of the models'
 * standing against their machine's floor (vs_floor, B's over A's), marked where it
 * differs from 1 once the machines are taken out. As a table on stdout and in
 * DIR/compare.md (default B/compare), with a summary and overlay plots (A solid, B
 * dashed). */
#include "analysis.h"
#include "compare.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_MODELS 32

/* A row of the table; also to the markdown file. fa and fb: the floor's points at the
 * same point in A and B (NULL without). */
static void row(FILE *out, FILE *md, struct tally *t, const char *scenario, const char *model,
                const char *label, const char *metric, json_t *pa, json_t *pb, json_t *fa,
                json_t *fb)
{
    struct estimate ea, eb;
    char a[32], b[32];
    if (!compare_summary_of(pa, metric, &ea) || !compare_summary_of(pb, metric, &eb))
        return;
    /* Intervals that do not overlap: a difference the trials' spread does not explain.
     * Never at a point where a connection starved: its figures are not comparable. */
    bool starved = !point_comparable(pa) || !point_comparable(pb);
    /* Nor where, in an open-loop sweep, loadgen lagged or was saturated in either run:
     * there its latency may be loadgen's own (docs/bench.md). */
    bool open = json_is_number(json_object_get(pa, "target_rps")) ||
                json_is_number(json_object_get(pa, "offered_rps")); /* before the rename */
    bool spoiled = open && (point_lagged(pa) || point_lagged(pb) || point_saturated(pa) ||
                            point_saturated(pb));
    bool apart =
        !starved && !spoiled && !isnan(ea.lo) && !isnan(eb.lo) && (ea.hi < eb.lo || eb.hi < ea.lo);
    t->apart += apart;
    human(ea.m, a, sizeof(a));
    human(eb.m, b, sizeof(b));
    char ratio[32] = "-";
    if (ea.m > 0)
        snprintf(ratio, sizeof(ratio), "%.2f", eb.m / ea.m);
    const char *mark = starved ? "starved" : spoiled ? "loadgen" : apart ? "*" : "";
    if (!t->floor) {
        fprintf(out, "%-11s %-10s %-10s %-15s %12s %12s %7s %s\n", scenario, model_key(model),
                label, metric, a, b, ratio, mark);
        fprintf(md, "| %s | %s | %s | %s | %s | %s | %s%s%s |\n", scenario, model_key(model), label,
                metric, a, b, ratio, mark[0] ? " " : "", mark);
        return;
    }
    /* The same reasons that keep a row from * keep its standing on the floor unmarked. */
    char norm[64];
    const char *nmark;
    int raw = !apart ? 0 : eb.lo > ea.hi ? 1 : -1;
    compare_normalised(t, scenario, model, label, metric, pa, pb, raw,
                       compare_floor_side(fa, fb, metric), !starved && !spoiled, norm, sizeof(norm),
                       &nmark);
    fprintf(out, "%-11s %-10s %-10s %-15s %12s %12s %7s %-7s %s%s%s\n", scenario, model_key(model),
            label, metric, a, b, ratio, mark, norm, nmark[0] ? " " : "", nmark);
    fprintf(md, "| %s | %s | %s | %s | %s | %s | %s%s%s | %s%s%s |\n", scenario, model_key(model),
            label, metric, a, b, ratio, mark[0] ? " " : "", mark, norm, nmark[0] ? " " : "", nmark);
}

/* Overlay: metric against x for both runs, A solid, B dashed. */
static void overlay(const struct results *ra, const struct results *rb, const char *scenario,
                    const char *metric, const char *name, const char *title, const char *xlabel,
                    const char *ylabel, bool logx, const char *dir)
{
    json_t *sa = results_scenario(ra, scenario), *sb = results_scenario(rb, scenario);
    if (!sa || !sb)
        return;
    struct plot *p = malloc(sizeof(*p));
    if (!p)
        return;
    /* The models of either run, A's first: a model only one run has is drawn too. At
     * most as many as two series each can hold. */
    const char *models[MAX_MODELS], *in_b[MAX_MODELS];
    size_t nm = results_models(ra, models, MAX_MODELS);
    size_t nb = results_models(rb, in_b, MAX_MODELS);
    for (size_t k = 0; k < nb && nm < MAX_MODELS; k++) {
        bool seen = false;
        for (size_t m = 0; m < nm; m++)
            seen |= strcmp(models[m], in_b[k]) == 0;
        if (!seen)
            models[nm++] = in_b[k];
    }
    /* Both machines in the title when they differ. */
    char machine[256];
    if (strcmp(ra->machine, rb->machine) != 0)
        snprintf(machine, sizeof(machine), "A: %.120s; B: %.120s", ra->machine, rb->machine);
    else
        snprintf(machine, sizeof(machine), "%s", rb->machine);
    plot_init(p, machine, name, title, xlabel, ylabel);
    p->logx = logx;
    for (int run = 0; run < 2; run++) {
        json_t *sc = run ? sb : sa;
        for (size_t m = 0; m < nm; m++) {
            char sname[64];
            snprintf(sname, sizeof(sname), "%.40s (%s)", model_key(models[m]), run ? "B" : "A");
            struct series *s = plot_series(p, sname, model_color(models[m]), run ? 2 : 1);
            size_t i;
            json_t *pt;
            json_array_foreach(json_object_get(sc, "points"), i, pt)
            {
                struct estimate e;
                /* A point where a connection starved is not drawn: not comparable. */
                if (strcmp(json_string_value(json_object_get(pt, "model")), models[m]) == 0 &&
                    point_comparable(pt) && compare_summary_of(pt, metric, &e))
                    series_add(s, jpath(pt, "x"), e.m, NAN, NAN);
            }
        }
    }
    if (plot_write(p, dir) == 0)
        plot_render(dir, name);
    free(p);
}

/* Appends "what A against B" to buf when the two JSON values differ. */
static void differ(char *buf, size_t len, const char *what, json_t *a, json_t *b)
{
    if (json_equal(a, b) || (!a && !b))
        return;
    /* Reals to 6 digits, as %g: 0.3 s of warmup, not 0.29999999999999999. */
    size_t flags = JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(6);
    char *sa = a ? json_dumps(a, flags) : NULL;
    char *sb = b ? json_dumps(b, flags) : NULL;
    size_t at = strlen(buf);
    snprintf(buf + at, len - at, "%s%s %s against %s", at ? "; " : "", what, sa ? sa : "(none)",
             sb ? sb : "(none)");
    free(sa);
    free(sb);
}

/* The settings that make two runs' figures differ by themselves: written into buf ("" when
 * they agree). */
static void settings_differ(const struct results *ra, const struct results *rb, char *buf,
                            size_t len)
{
    static const char *settings[] = {"trials", "duration_s",      "warmup_s",
                                     "quick",  "loadgen_threads", "models"};
    static const char *env[] = {"server_cpus", "client_cpus"};
    json_t *sa = json_object_get(ra->root, "settings"), *sb = json_object_get(rb->root, "settings");
    json_t *ea = json_object_get(ra->root, "env"), *eb = json_object_get(rb->root, "env");
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
        differ(buf, len, settings[i], json_object_get(sa, settings[i]),
               json_object_get(sb, settings[i]));
    for (size_t i = 0; i < sizeof(env) / sizeof(env[0]); i++)
        differ(buf, len, env[i], json_object_get(ea, env[i]), json_object_get(eb, env[i]));
}

/* Why a point both runs have cannot be compared, into buf; false when it can. */
static bool not_comparable(json_t *pa, json_t *pb, char *buf, size_t len)
{
    if (point_measured(pa) && point_measured(pb))
        return false;
    snprintf(buf, len, "A %s, B %s", json_string_value(json_object_get(pa, "status")),
             json_string_value(json_object_get(pb, "status")));
    return true;
}

/* Whether run r (called which) ran the floor beside its models, so its points carry
 * vs_floor; otherwise false with why appended to buf. */
static bool floor_ran(const struct results *r, const char *which, char *buf, size_t len)
{
    json_t *settings = json_object_get(r->root, "settings");
    json_t *floor = json_object_get(settings, "floor");
    if (json_is_true(floor))
        return true;
    const char *note = json_string_value(json_object_get(settings, "floor_note"));
    if (!floor)
        compare_list_add(buf, len, "%s is from before the floor (its settings have no \"floor\")",
                         which);
    else
        compare_list_add(buf, len, "%s ran without the floor (%s)", which,
                         note ? note : "settings.floor is false");
    return false;
}

/* The table's header, on stdout and in md. */
static void table_head(FILE *md, const struct tally *t)
{
    fprintf(md, "Ratio B/A of the medians; * where their intervals of the median do not overlap "
                "(each run's `ci` at its `ci_level`; a run before them: the 95%% t-interval of the "
                "mean); `starved` where a connection starved in either run (not comparable, never "
                "marked *); `loadgen` where, in an open-loop sweep, loadgen lagged or was "
                "saturated in either run (its latency may be loadgen's own; never marked *).");
    if (!t->floor) {
        fprintf(md, "\n\n| scenario | model | point | metric | A | B | B/A |\n"
                    "|---|---|---|---|---|---|---|\n");
        printf("\n%-11s %-10s %-10s %-15s %12s %12s %7s\n", "scenario", "model", "point", "metric",
               "A", "B", "B/A");
        return;
    }
    fprintf(md, " *B/A on the floor*: each model's standing against its own machine's floor "
                "(vs_floor), B's over A's, with its interval. Where the raw intervals are "
                "apart: `remains` where it excludes 1 on the raw difference's side (the "
                "difference remains once the machines are taken out), `reverses` where it "
                "excludes 1 on the other side, `the machine` where it holds 1 and the floor's "
                "own B/A at the point excludes 1 on the raw difference's side (the model's "
                "standing did not change: the machine did), `undecided` where it holds 1 and "
                "the floor's own does not say so (too wide to tell). Where they are not: `only "
                "on the floor` where it excludes 1.\n\n"
                "| scenario | model | point | metric | A | B | B/A | B/A on the floor |\n"
                "|---|---|---|---|---|---|---|---|\n");
    printf("\n%-11s %-10s %-10s %-15s %12s %12s %7s %-7s %s\n", "scenario", "model", "point",
           "metric", "A", "B", "B/A", "", "B/A on the floor");
}

/* Every point both runs have, a row per metric (the floor's points into t->floors). */
static void compare_points(FILE *md, struct tally *t, const struct results *ra,
                           const struct results *rb)
{
    size_t i, k;
    json_t *sb, *pb;
    json_array_foreach(json_object_get(rb->root, "scenarios"), i, sb)
    {
        const char *name = json_string_value(json_object_get(sb, "name"));
        json_t *sa = results_scenario(ra, name);
        if (!sa)
            continue;
        json_array_foreach(json_object_get(sb, "points"), k, pb)
        {
            const char *model = json_string_value(json_object_get(pb, "model"));
            const char *label = json_string_value(json_object_get(pb, "label"));
            json_t *pa = results_point(sa, model, label);
            if (!pa)
                continue;
            char why[128];
            if (not_comparable(pa, pb, why, sizeof(why))) {
                compare_list_add(t->skipped, sizeof(t->skipped), "%s %s %s (%s)", name, model,
                                 label, why);
                t->unmeasured++;
                continue;
            }
            if (point_is_floor(pb)) { /* the reference, not a model: in the summary */
                compare_floor_row(t, name, label, pa, pb);
                continue;
            }
            if (point_comparable(pa) && point_comparable(pb))
                t->shared++;
            else
                t->starved++;
            json_t *fa = scenario_floor(sa, label), *fb = scenario_floor(sb, label);
            row(stdout, md, t, name, model, label, "throughput_rps", pa, pb, fa, fb);
            row(stdout, md, t, name, model, label, "p99_us", pa, pb, fa, fb);
        }
    }
}

/* Creation cost: the median of each primitive both runs measured (no interval: one run
 * of thousands of iterations, so no mark). */
static void compare_creation(FILE *md, struct tally *t, const struct results *ra,
                             const struct results *rb)
{
    json_t *ca = json_object_get(results_scenario(ra, "creation"), "result"),
           *cb = json_object_get(results_scenario(rb, "creation"), "result");
    const char *prim;
    json_t *pjb;
    json_object_foreach(json_object_get(cb, "primitives"), prim, pjb)
    {
        double mb = jpath(pjb, "ns.median"),
               ma = jpath(json_object_get(json_object_get(ca, "primitives"), prim), "ns.median");
        if (isnan(ma) || isnan(mb))
            continue;
        char a[32], b[32], ratio[32] = "-";
        human(ma, a, sizeof(a));
        human(mb, b, sizeof(b));
        if (ma > 0)
            snprintf(ratio, sizeof(ratio), "%.2f", mb / ma);
        fprintf(stdout, "%-11s %-10s %-10s %-15s %12s %12s %7s\n", "creation", prim, "-",
                "ns_median", a, b, ratio);
        fprintf(md, "| creation | %s | - | ns_median | %s | %s | %s |%s\n", prim, a, b, ratio,
                t->floor ? " - |" : "");
        t->shared++;
    }
}

int main(int argc, char **argv)
{
    struct results ra, rb;
    char err[1024], out_dir[PATH_MAX + 16], md_path[PATH_MAX + 32];
    const char *out = NULL;
    int argi = 1;

    if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        printf("usage: compare [--out DIR] A B\n\n"
               "Two results folders side by side: for every point both measured, the medians\n"
               "of A and B, the ratio B/A, and * where their intervals of the median do not\n"
               "overlap. Where both runs ran the floor (echo-floor, the machine's reference),\n"
               "also B/A on the floor: the models' vs_floor, B's over A's, with an interval\n"
               "[B.lo/A.hi, B.hi/A.lo] at the product of the two levels. Where the raw\n"
               "intervals are apart: 'remains' where it excludes 1 on the raw side (a\n"
               "difference the machines do not explain), 'reverses' where on the other side,\n"
               "'the machine' where it holds 1 and the floor's own B/A excludes 1 on the raw\n"
               "side, 'undecided' where it holds 1 otherwise. Where they are not: 'only on\n"
               "the floor' where it excludes 1. A summary ends the table, with the floor's\n"
               "own B/A at each point and the least level of every interval printed. Writes\n"
               "DIR/compare.md and overlay plots (default DIR: B/compare).\n");
        return 0;
    }
    if (argc > 2 && strcmp(argv[1], "--out") == 0) {
        out = argv[2];
        argi = 3;
    }
    if (argc - argi != 2) {
        fprintf(stderr, "compare: needs two results folders: compare [--out DIR] A B\n");
        return 2;
    }
    if (results_load(&ra, argv[argi], err, sizeof(err)) < 0) {
        fprintf(stderr, "compare: %s\n", err);
        return 1;
    }
    if (results_load(&rb, argv[argi + 1], err, sizeof(err)) < 0) {
        fprintf(stderr, "compare: %s\n", err);
        results_free(&ra);
        return 1;
    }
    snprintf(out_dir, sizeof(out_dir), "%s", out ? out : rb.dir);
    if (!out)
        strncat(out_dir, "/compare", sizeof(out_dir) - strlen(out_dir) - 1);
    if (mkdir(out_dir, 0755) < 0 && errno != EEXIST) {
        fprintf(stderr, "compare: cannot make %s: %s\n", out_dir, strerror(errno));
        return 1;
    }
    snprintf(md_path, sizeof(md_path), "%s/compare.md", out_dir);
    struct out_file md_file;
    FILE *md = out_open(&md_file, md_path);
    if (!md) {
        fprintf(stderr, "compare: cannot write %s: %s\n", md_path, strerror(errno));
        return 1;
    }
    fprintf(md, "# echobench: B against A\n\n- A: %s (%s)\n- B: %s (%s)\n\n", ra.dir, ra.machine,
            rb.dir, rb.machine);
    char diff_md[1024];
    settings_differ(&ra, &rb, diff_md, sizeof(diff_md));
    if (diff_md[0])
        fprintf(md,
                "**Warning: the runs' settings differ**: %s. Their figures differ by that "
                "alone.\n\n",
                diff_md);
    printf("A: %s (%s)\nB: %s (%s)\n", ra.dir, ra.machine, rb.dir, rb.machine);
    char diff[1024];
    settings_differ(&ra, &rb, diff, sizeof(diff));
    if (diff[0]) {
        fprintf(stderr, "compare: warning: the runs' settings differ: %s\n", diff);
        printf("\nwarning: the runs' settings differ: %s\n", diff);
    }
    static struct tally t; /* its lists are large for the stack */
    char unavailable[512] = "";
    t.level = NAN;
    t.floor = floor_ran(&ra, "A", unavailable, sizeof(unavailable));
    t.floor &= floor_ran(&rb, "B", unavailable, sizeof(unavailable));
    table_head(md, &t);
    compare_points(md, &t, &ra, &rb);
    compare_creation(md, &t, &ra, &rb);
    if (t.unmeasured > 0) {
        printf("\nnot comparable, not measured in both: %s\n", t.skipped);
        fprintf(md, "\nNot comparable, not measured in both runs: %s.\n", t.skipped);
    }
    printf("\nsummary:\n");
    compare_summary(stdout, "  ", &t, unavailable);
    fprintf(md, "\n## Summary\n\n");
    compare_summary(md, "- ", &t, unavailable);
    if (out_close(&md_file) < 0) {
        fprintf(stderr, "compare: cannot write %s: %s\n", md_path, strerror(errno));
        results_free(&ra);
        results_free(&rb);
        return 1;
    }
    overlay(&ra, &rb, "concurrency", "throughput_rps", "compare_throughput",
            "Throughput against connections: A solid, B dashed", "connections",
            "requests per second", true, out_dir);
    overlay(&ra, &rb, "concurrency", "p99_us", "compare_p99",
            "p99 latency against connections: A solid, B dashed", "connections", "p99 (µs)", true,
            out_dir);
    if (t.shared == 0)
        fprintf(stderr, "compare: the two runs have no point in common\n");
    printf("\n%d points in common and comparable (%d more where a connection starved, %d not "
           "measured in both); written to %s\n",
           t.shared, t.starved, t.unmeasured, md_path);
    results_free(&ra);
    results_free(&rb);
    return 0;
}
