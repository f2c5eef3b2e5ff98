/* The plots of a run: which figures of bench.json go into which picture. */
#include "analysis.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MODELS 32

/* The summary figure of a point: its median and interval (NaN when none). */
static void figure(json_t *pt, const char *metric, double *y, double *lo, double *hi)
{
    json_t *s = json_object_get(json_object_get(pt, "summary"), metric);
    *y = jpath(s, "median");
    if (!summary_interval(s, lo, hi, NULL, NULL))
        *lo = *hi = NAN;
    if (!isnan(*lo) && *lo < 0)
        *lo = 0; /* an interval of a quantity that cannot go below zero */
}

/* The memory plot's metric: the slope from the previous point (rank.c). */
#define MARGINAL "memory_marginal_bytes"

/* The figure of a point for a plot, and whether it stands apart from its model's line,
 * with the label that says why: a point where a connection starved ("63 starved"), or,
 * for memory, one where the server held fewer connections than were opened. */
static bool value(json_t *sc, json_t *pt, const char *metric, double *y, double *lo, double *hi,
                  char *note, size_t len)
{
    note[0] = '\0';
    if (strcmp(metric, MARGINAL) == 0) {
        *y = point_marginal_bytes(sc, pt);
        *lo = *hi = NAN;
    } else {
        figure(pt, metric, y, lo, hi);
    }
    double starved = point_starved(pt);
    if (starved > 0) {
        snprintf(note, len, "%.0f starved", starved);
        return true;
    }
    bool memory =
        strcmp(metric, MARGINAL) == 0 || strcmp(metric, "memory_per_connection_bytes") == 0;
    if (memory && point_refused(pt)) { /* a slope's base never refused (rank.c) */
        snprintf(note, len, "held %.0f of %.0f", point_held(pt),
                 jpath(pt, "connections") + jpath(pt, "idle"));
        return true;
    }
    return false;
}

/* The series of a model's points that do not compare, made on first use. */
static struct series *marks_of(struct plot *p, struct series **marks, const char *model)
{
    if (!*marks) {
        char name[64];
        snprintf(name, sizeof(name), "%.34s: not comparable", model_key(model));
        *marks = plot_series(p, name, model_color(model), 1);
        (*marks)->points_only = true;
    }
    return *marks;
}

/* One line per model of metric against x, over a scenario's points. With categorical,
 * the points are spread evenly (x = their rank) and labelled with their labels. */
static void lines_by_model(struct plot *p, json_t *sc, const char **models, size_t nmodels,
                           const char *metric, bool categorical, bool skip_zero)
{
    json_t *points = json_object_get(sc, "points");
    char labels[32][32];
    double xs[32];
    int nlab = 0;

    if (categorical) {
        size_t i;
        json_t *pt;
        json_array_foreach(points, i, pt)
        {
            double x = jpath(pt, "x");
            bool seen = false;
            for (int k = 0; k < nlab; k++)
                seen |= xs[k] == x;
            if (!seen && nlab < 32) {
                xs[nlab] = x;
                snprintf(labels[nlab], sizeof(labels[0]), "%s",
                         json_string_value(json_object_get(pt, "label")));
                nlab++;
            }
        }
        size_t at = 0;
        at += (size_t)snprintf(p->xtics + at, sizeof(p->xtics) - at, "(");
        for (int k = 0; k < nlab && at < sizeof(p->xtics) - 40; k++)
            at += (size_t)snprintf(p->xtics + at, sizeof(p->xtics) - at, "%s'%s' %d", k ? ", " : "",
                                   labels[k], k);
        snprintf(p->xtics + at, sizeof(p->xtics) - at, ")");
        p->xmin = -0.5;
        p->xmax = nlab - 0.5;
    }
    for (size_t m = 0; m < nmodels; m++) {
        struct series *s = plot_series(p, model_key(models[m]), model_color(models[m]), 1),
                      *marks = NULL;
        size_t i;
        json_t *pt;
        json_array_foreach(points, i, pt)
        {
            if (strcmp(json_string_value(json_object_get(pt, "model")), models[m]) != 0)
                continue;
            double x = jpath(pt, "x"), y, lo, hi;
            char note[24];
            bool apart = value(sc, pt, metric, &y, &lo, &hi, note, sizeof(note));
            if (skip_zero && !(y > 0))
                continue; /* a log axis has no zero: the table says it */
            if (categorical)
                for (int k = 0; k < nlab; k++)
                    if (xs[k] == x)
                        x = k;
            if (apart)
                series_add_noted(marks_of(p, &marks, models[m]), x, y, note);
            else
                series_add(s, x, y, lo, hi);
        }
    }
}

/* The floor beside the models' lines: one dashed grey line, "this machine's floor", of
 * metric against x (a log axis skips what is not above 0). Nothing without a floor. */
static void floor_line(struct plot *p, json_t *sc, const char *metric, bool skip_zero)
{
    struct series *s = NULL;
    size_t i;
    json_t *pt;
    json_array_foreach(json_object_get(sc, "points"), i, pt)
    {
        double y, lo, hi;
        if (!point_is_floor(pt) || !point_measured(pt))
            continue;
        figure(pt, metric, &y, &lo, &hi);
        if (skip_zero && !(y > 0))
            continue;
        if (!s)
            s = plot_floor_series(p);
        series_add(s, jpath(pt, "x"), y, lo, hi);
    }
}

/* The levels of the intervals lines_by_model and floor_line draw for metric (the points
 * that measured, where no connection starved), in words (level_range_words; "none: one
 * trial" where there is none). */
static void drawn_levels(json_t *sc, const char *metric, char *buf, size_t len)
{
    struct level_range lr = {0};
    size_t i;
    json_t *pt;
    json_array_foreach(json_object_get(sc, "points"), i, pt)
    {
        if (point_measured(pt) && !(point_starved(pt) > 0))
            level_range_add(&lr, json_object_get(json_object_get(pt, "summary"), metric));
    }
    level_range_words(&lr, buf, len);
    if (!buf[0])
        snprintf(buf, len, "none: one trial");
}

/* Beside a plot's lines: metric's lines, dashed, named "MODEL suffix"; with several,
 * only those of the models that ever exceed 1 (idle_flows' processes: for the others
 * the line would sit at 1 for ever); with marks, the marks of the points that are not
 * comparable too. */
static void dashed_lines(struct plot *p, json_t *sc, const char **models, size_t nmodels,
                         const char *metric, const char *suffix, bool several_only, bool marks)
{
    struct plot *other = malloc(sizeof(*other));
    if (!other)
        return;
    memset(other, 0, sizeof(*other));
    lines_by_model(other, sc, models, nmodels, metric, true, true);
    for (int i = 0; i < other->ns && p->ns < PLOT_MAX_SERIES; i++) {
        const struct series *from = &other->s[i];
        if (from->points_only && !marks)
            continue; /* the solid lines mark those points already */
        bool several = false;
        for (int k = 0; k < from->n; k++)
            several |= from->y[k] > 1;
        if (several_only && !several)
            continue;
        char name[64];
        if (from->points_only) /* "MODEL: not comparable" -> "MODEL average: not comparable" */
            snprintf(name, sizeof(name), "%.*s %s: not comparable", (int)strcspn(from->name, ":"),
                     from->name, suffix);
        else
            snprintf(name, sizeof(name), "%.30s %s", from->name, suffix);
        struct series *to = plot_series(p, name, from->color, 2);
        to->points_only = from->points_only;
        for (int k = 0; k < from->n; k++) {
            series_add(to, from->x[k], from->y[k], from->lo[k], from->hi[k]);
            snprintf(to->note[k], sizeof(to->note[k]), "%s", from->note[k]);
        }
    }
    free(other);
}

/* The words a point label stands for on an axis. */
static const char *pretty(const char *label)
{
    if (strcmp(label, "work_50us") == 0)
        return "50 µs of CPU per line";
    if (strcmp(label, "sleep_1ms") == 0)
        return "1 ms of blocking per line";
    return label;
}

/* Bars: one per model, at a group per point label (x = group + offset). */
static void bars_by_model(struct plot *p, json_t *sc, const char **models, size_t nmodels,
                          const char *metric)
{
    json_t *points = json_object_get(sc, "points");
    char groups[8][32];
    int ng = 0;
    size_t i;
    json_t *pt;

    json_array_foreach(points, i, pt)
    {
        const char *label = json_string_value(json_object_get(pt, "label"));
        bool seen = false;
        for (int g = 0; g < ng; g++)
            seen |= strcmp(groups[g], label) == 0;
        if (!seen && ng < 8)
            snprintf(groups[ng++], sizeof(groups[0]), "%s", label);
    }
    double width = 0.8 / (double)(nmodels ? nmodels : 1);
    for (size_t m = 0; m < nmodels; m++) {
        struct series *s = plot_series(p, model_key(models[m]), model_color(models[m]), 1),
                      *marks = NULL;
        json_array_foreach(points, i, pt)
        {
            if (strcmp(json_string_value(json_object_get(pt, "model")), models[m]) != 0)
                continue;
            const char *label = json_string_value(json_object_get(pt, "label"));
            for (int g = 0; g < ng; g++) {
                if (strcmp(groups[g], label) != 0)
                    continue;
                double y, lo, hi, x = g - 0.4 + width * ((double)m + 0.5);
                char note[24];
                if (value(sc, pt, metric, &y, &lo, &hi, note, sizeof(note)))
                    series_add_noted(marks_of(p, &marks, models[m]), x, y, note);
                else
                    series_add(s, x, y, lo, hi);
            }
        }
    }
    size_t at = (size_t)snprintf(p->xtics, sizeof(p->xtics), "(");
    for (int g = 0; g < ng && at < sizeof(p->xtics) - 40; g++)
        at += (size_t)snprintf(p->xtics + at, sizeof(p->xtics) - at, "%s'%s' %d", g ? ", " : "",
                               pretty(groups[g]), g);
    snprintf(p->xtics + at, sizeof(p->xtics) - at, ")");
    p->xmin = -0.6;
    p->xmax = ng - 0.4;
    p->style = STYLE_BARS;
    snprintf(p->extra, sizeof(p->extra), "set boxwidth %g absolute", width * 0.9);
}

/* The trial of a point whose throughput is the median of its trials: the one whose
 * curves (spectrum, timeline) stand for the point. */
static json_t *median_trial(json_t *pt)
{
    json_t *trials = json_object_get(pt, "trials");
    double target = jpath(pt, "summary.throughput_rps.median");
    json_t *best = NULL;
    double best_d = INFINITY;
    size_t i;
    json_t *t;
    json_array_foreach(trials, i, t)
    {
        double v = jpath(t, "throughput_rps");
        if (isnan(v))
            continue;
        double d = fabs(v - target);
        if (d < best_d) {
            best_d = d;
            best = t;
        }
    }
    return best;
}

/* The point of scenario sc for model at x (or the nearest x). */
static json_t *point_at(json_t *sc, const char *model, double x)
{
    json_t *best = NULL;
    double best_d = INFINITY;
    size_t i;
    json_t *pt;
    json_array_foreach(json_object_get(sc, "points"), i, pt)
    {
        if (strcmp(json_string_value(json_object_get(pt, "model")), model) != 0)
            continue;
        double d = fabs(log(jpath(pt, "x") + 1) - log(x + 1));
        if (d < best_d) {
            best_d = d;
            best = pt;
        }
    }
    return best;
}

/* A curve of one trial (spectrum, timeline) at a point where a connection starved says
 * so in its name: it is not comparable with the others. */
static void starved_name(struct series *s, json_t *pt)
{
    double starved = point_starved(pt);
    if (starved > 0) {
        char name[64];
        snprintf(name, sizeof(name), "%.40s (%.0f starved)", s->name, starved);
        snprintf(s->name, sizeof(s->name), "%s", name);
    }
}

/* The percentile spectrum at about 64 connections, as HdrHistogram plots it: x is
 * 1/(1-p), so 90%, 99%, 99.9% ... are evenly spaced. */
static void spectrum(struct plot *p, json_t *sc, const char **models, size_t nmodels, double *at_x)
{
    *at_x = NAN;
    for (size_t m = 0; m < nmodels; m++) {
        json_t *pt = point_at(sc, models[m], 64);
        json_t *t = pt ? median_trial(pt) : NULL;
        if (!t)
            continue;
        *at_x = jpath(pt, "x");
        struct series *s = plot_series(p, model_key(models[m]), model_color(models[m]), 1);
        starved_name(s, pt);
        size_t i;
        json_t *e;
        json_array_foreach(json_object_get(t, "spectrum"), i, e)
        {
            double q = json_number_value(json_array_get(e, 0));
            double us = json_number_value(json_array_get(e, 1));
            if (q >= 100 || !(us > 0))
                continue; /* 100% is at infinity on this axis */
            series_add(s, 1.0 / (1.0 - q / 100.0), us, NAN, NAN);
        }
    }
    p->logx = p->logy = true;
    /* Tic labels are formats to gnuplot: a percent sign is written twice. */
    snprintf(p->xtics, sizeof(p->xtics), "%s",
             "('0%%' 1, '90%%' 10, '99%%' 100, '99.9%%' 1000, '99.99%%' 10000, '99.999%%' "
             "100000)");
    p->xmin = 1;
    p->xmax = 100000;
}

/* The per-bin timeline of each model at one idle point: who served while a client was
 * out to lunch. */
static void timeline(struct plot *p, json_t *sc, const char **models, size_t nmodels, double x)
{
    for (size_t m = 0; m < nmodels; m++) {
        json_t *pt = point_at(sc, models[m], x);
        json_t *t = pt && jpath(pt, "x") == x ? median_trial(pt) : NULL;
        if (!t)
            continue;
        struct series *s = plot_series(p, model_key(models[m]), model_color(models[m]), 1);
        starved_name(s, pt);
        size_t i;
        json_t *e;
        json_array_foreach(json_object_get(t, "timeline"), i, e)
            series_add(s, json_number_value(json_array_get(e, 0)),
                       json_number_value(json_array_get(e, 1)), NAN, NAN);
    }
}

/* Creation cost: bars per primitive, in ns or cycles, with the lecture's marks. */
static void creation_bars(struct plot *p, json_t *result, const char *unit)
{
    static const char *prims[] = {"fork",     "vfork",   "posix_spawn",
                                  "clone_vm", "pthread", "pthread_detached"};
    static const char *colors[] = {"#d62728", "#ff9896", "#8c564b",
                                   "#1f77b4", "#2ca02c", "#98df8a"};
    size_t at = (size_t)snprintf(p->xtics, sizeof(p->xtics), "(");
    for (size_t i = 0; i < sizeof(prims) / sizeof(prims[0]); i++) {
        json_t *d =
            json_object_get(json_object_get(json_object_get(result, "primitives"), prims[i]), unit);
        struct series *s = plot_series(p, prims[i], colors[i], 1);
        series_add(s, (double)i, jpath(d, "median"), jpath(d, "p10"), jpath(d, "p90"));
        at += (size_t)snprintf(p->xtics + at, sizeof(p->xtics) - at, "%s'%s' %zu", i ? ", " : "",
                               prims[i], i);
    }
    snprintf(p->xtics + at, sizeof(p->xtics) - at, ") rotate by -20");
    p->style = STYLE_BARS;
    p->logy = true;
    p->xmin = -0.6;
    p->xmax = 5.6;
    p->series_untitled = true; /* the x axis names the primitives */
    snprintf(p->extra, sizeof(p->extra), "set boxwidth 0.7 absolute");
    if (strcmp(unit, "cycles") == 0) {
        /* The lecture's figures as dashed lines, named in the key. */
        snprintf(p->extra, sizeof(p->extra), "set boxwidth 0.7 absolute\nset yrange [2000:*]");
        snprintf(p->marks, sizeof(p->marks),
                 "20000 with lines dt 2 lw 2 lc rgb '#d62728' title 'the lecture: a process, "
                 "20K', \\\n     10000 with lines dt 2 lw 2 lc rgb '#2ca02c' title 'the "
                 "lecture: a thread, 10K'");
    }
}

static void creation_rss(struct plot *p, json_t *result)
{
    static const char *prims[] = {"fork", "vfork", "posix_spawn", "clone_vm", "pthread"};
    static const char *colors[] = {"#d62728", "#ff9896", "#8c564b", "#1f77b4", "#2ca02c"};
    json_t *rows = json_object_get(result, "fork_vs_rss");
    size_t at = (size_t)snprintf(p->xtics, sizeof(p->xtics), "(");
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) at +=
        (size_t)snprintf(p->xtics + at, sizeof(p->xtics) - at, "%s'%.0f' %zu", i ? ", " : "",
                         jpath(row, "rss_mib"), i);
    snprintf(p->xtics + at, sizeof(p->xtics) - at, ")");
    for (size_t k = 0; k < sizeof(prims) / sizeof(prims[0]); k++) {
        char key[64];
        struct series *s = plot_series(p, prims[k], colors[k], 1);
        snprintf(key, sizeof(key), "%s_ns_median", prims[k]);
        json_array_foreach(rows, i, row)
            series_add(s, (double)i, jpath(row, key) / 1000.0, NAN, NAN);
    }
    p->logy = true;
    p->xmin = -0.3;
    p->xmax = (double)json_array_size(rows) - 0.7;
}

int plot_emit(struct plot *p, const char *dir, const char *scenario, const char *caption,
              struct made_plot *made, size_t max, int *n, bool *gnuplot_missing)
{
    int rc = plot_write(p, dir);
    if (rc == 1)
        return 0; /* no data for it in this run */
    if (rc < 0) {
        fprintf(stderr, "plots: cannot write %s/%s.gp: %s\n", dir, p->name, strerror(errno));
        return -1;
    }
    if ((size_t)*n == max)
        return 0;
    struct made_plot *mp = &made[(*n)++];
    snprintf(mp->name, sizeof(mp->name), "%s", p->name);
    snprintf(mp->scenario, sizeof(mp->scenario), "%s", scenario);
    snprintf(mp->caption, sizeof(mp->caption), "%s", caption);
    if (!*gnuplot_missing) {
        if (plot_render(dir, p->name) == 0)
            mp->rendered = true;
        else if (errno == ENOENT)
            *gnuplot_missing = true;
    }
    return 0;
}

int make_plots(const struct results *r, const char *dir, struct made_plot *made, size_t max,
               bool *gnuplot_missing)
{
    const char *models[MAX_MODELS];
    size_t nm = results_models(r, models, MAX_MODELS);
    struct plot *p = malloc(sizeof(*p));
    int n = 0, rc = 0;
    json_t *sc;

    *gnuplot_missing = false;
    if (!p)
        return -1;
#define EMIT(scenario, caption)                                                                    \
    do {                                                                                           \
        if (plot_emit(p, dir, scenario, caption, made, max, &n, gnuplot_missing) < 0)              \
            rc = -1;                                                                               \
    } while (0)

    if ((sc = results_scenario(r, "concurrency"))) {
        bool floor = scenario_has_floor(sc);
        plot_init(p, r->machine, "throughput_vs_connections", "Throughput against connections",
                  "connections (closed loop, 64-byte lines)", "requests per second");
        p->logx = true;
        lines_by_model(p, sc, models, nm, "throughput_rps", false, false);
        floor_line(p, sc, "throughput_rps", false);
        char caption[512], words[192];
        drawn_levels(sc, "throughput_rps", words, sizeof(words));
        snprintf(caption, sizeof(caption),
                 "Throughput against connections: the median of the trials, with its interval "
                 "(%s)%s",
                 words,
                 floor ? "; dashed grey, this machine's floor (echo-floor, the reference, not a "
                         "model)."
                       : ".");
        EMIT("concurrency", caption);

        /* p99 and p50 apart: nine models twice over in one plot is a tangle. */
        plot_init(p, r->machine, "latency_vs_connections", "p99 latency against connections",
                  "connections (closed loop, 64-byte lines)", "p99 latency (µs)");
        p->logx = p->logy = true;
        lines_by_model(p, sc, models, nm, "p99_us", false, true);
        floor_line(p, sc, "p99_us", true);
        drawn_levels(sc, "p99_us", words, sizeof(words));
        snprintf(caption, sizeof(caption),
                 "p99 latency against connections (a request unanswered at the end of the window "
                 "counts at its age), with its interval (%s)%s",
                 words, floor ? "; dashed grey, this machine's floor." : ".");
        EMIT("concurrency", caption);

        plot_init(p, r->machine, "latency_p50_vs_connections", "Median latency against connections",
                  "connections (closed loop, 64-byte lines)", "p50 latency (µs)");
        p->logx = p->logy = true;
        lines_by_model(p, sc, models, nm, "p50_us", false, true);
        floor_line(p, sc, "p50_us", true);
        drawn_levels(sc, "p50_us", words, sizeof(words));
        snprintf(caption, sizeof(caption),
                 "Median (p50) latency against connections, with its interval (%s)%s", words,
                 floor ? "; dashed grey, this machine's floor." : ".");
        EMIT("concurrency", caption);

        double at;
        plot_init(p, r->machine, "latency_spectrum", "Latency by percentile at 64 connections",
                  "percentile", "latency (µs)");
        spectrum(p, sc, models, nm, &at);
        if (!isnan(at) && at != 64) {
            char t[128];
            snprintf(t, sizeof(t), "Latency by percentile at %.0f connections", at);
            plot_init(p, r->machine, "latency_spectrum", t, "percentile", "latency (µs)");
            spectrum(p, sc, models, nm, &at);
        }
        EMIT("concurrency", "The latency distribution of the median trial, by percentile: "
                            "the tail to the right.");

        plot_init(p, r->machine, "cpu_per_request", "Server CPU time per request",
                  "connections (closed loop, 64-byte lines)", "CPU µs per request");
        p->logx = true;
        lines_by_model(p, sc, models, nm, "cpu_us_per_request", false, false);
        EMIT("concurrency", "The server's CPU time (all its processes and threads) over the "
                            "warmup and the window, per request completed.");
    }

    if (make_load_plots(p, r, dir, models, nm, made, max, &n, gnuplot_missing) < 0)
        rc = -1;

    if ((sc = results_scenario(r, "idle"))) {
        plot_init(p, r->machine, "idle_throughput",
                  "Throughput of 16 active clients beside idle ones", "idle clients",
                  "requests per second");
        lines_by_model(p, sc, models, nm, "throughput_rps", true, false);
        EMIT("idle", "The lunch scenario: what 16 active clients get with idle clients "
                     "connected first.");

        plot_init(p, r->machine, "idle_p99", "p99 latency of 16 active clients beside idle ones",
                  "idle clients", "p99 latency (µs)");
        p->logy = true;
        lines_by_model(p, sc, models, nm, "p99_us", true, true);
        EMIT("idle", "p99 latency of the active clients against idle clients (a request that "
                     "timed out counts at its age).");

        plot_init(p, r->machine, "idle_timeline", "One idle client: throughput over the window",
                  "time in the window (s)", "requests per second");
        timeline(p, sc, models, nm, 1);
        snprintf(p->extra, sizeof(p->extra), "set xrange [0:*]");
        EMIT("idle", "Per 100 ms of the window, with one idle client connected first: the "
                     "lecture expects echo-iterative at zero and the others to carry on.");

        plot_init(p, r->machine, "idle_memory", "Server memory per added connection",
                  "idle clients", "bytes per connection: added (solid), average (dashed)");
        p->logy = true;
        lines_by_model(p, sc, models, nm, MARGINAL, true, true);
        dashed_lines(p, sc, models, nm, "memory_per_connection_bytes", "average", false, true);
        EMIT("idle", "What each connection added costs the server's processes and threads: "
                     "the growth of its proportional anonymous memory from the previous point, "
                     "over the connections it added (solid; a server that held fewer than were "
                     "opened is marked, not drawn on its line); dashed, the average: the growth "
                     "over the baseline over every connection held, fixed costs included.");

        plot_init(p, r->machine, "idle_flows", "Server threads and processes against idle clients",
                  "idle clients", "threads (solid), processes (dashed), at the peak");
        p->logy = true;
        lines_by_model(p, sc, models, nm, "peak_threads", true, true);
        dashed_lines(p, sc, models, nm, "peak_processes", "processes", true, false);
        EMIT("idle", "Threads in the server's tree at its peak, summed over its processes "
                     "(solid), and, for the models that run more than one process, the "
                     "processes (dashed).");
    }

    if ((sc = results_scenario(r, "churn"))) {
        plot_init(p, r->machine, "churn_rate", "Creating a flow: a connection per request",
                  "concurrent connect-request-close cycles", "connections per second");
        bars_by_model(p, sc, models, nm, "throughput_rps");
        p->logy = true; /* a fork per connection is tens of times slower */
        EMIT("churn", "Connections per second, each for one request: what creating a flow "
                      "costs each model, as the client sees it.");

        plot_init(p, r->machine, "churn_connect", "Connect latency under churn",
                  "concurrent connect-request-close cycles", "connect p50 (µs)");
        bars_by_model(p, sc, models, nm, "connect_p50_us");
        EMIT("churn", "The median time from connect() to connected under churn.");
    }

    if ((sc = results_scenario(r, "service"))) {
        plot_init(p, r->machine, "service", "Work per request: 50 µs of CPU, or 1 ms of blocking",
                  "the server's work per line (64 connections, closed loop)",
                  "requests per second");
        bars_by_model(p, sc, models, nm, "throughput_rps");
        p->logy = true;
        EMIT("service", "Throughput with 50 µs of CPU per line, and with 1 ms of blocking per "
                        "line: where a single flow of control would stall on blocking work "
                        "and threads would not.");
    }

    if ((sc = results_scenario(r, "creation")) && json_is_object(json_object_get(sc, "result"))) {
        json_t *result = json_object_get(sc, "result");
        plot_init(p, r->machine, "creation_ns", "Create and reap a flow", "primitive",
                  "nanoseconds (median, p10 to p90)");
        creation_bars(p, result, "ns");
        EMIT("creation", "Creating and reaping a flow with each primitive, in nanoseconds.");

        plot_init(p, r->machine, "creation_cycles", "Create and reap a flow, in cycles",
                  "primitive", "TSC reference cycles (median, p10 to p90)");
        creation_bars(p, result, "cycles");
        EMIT("creation", "The same in TSC reference cycles, beside the lecture's figures.");

        plot_init(p, r->machine, "creation_rss", "Creation cost against the parent's memory",
                  "parent's resident memory (MiB)", "median µs");
        creation_rss(p, result);
        EMIT("creation", "fork copies the parent's page tables, so its cost should grow with "
                         "the parent's memory, and the others' should not.");
    }

    if ((sc = results_scenario(r, "cores"))) {
        plot_init(p, r->machine, "cores", "Throughput against the server's CPUs", "server CPUs",
                  "requests per second");
        p->logx = true;
        lines_by_model(p, sc, models, nm, "throughput_rps", false, false);
        EMIT("cores", "Which models use more cores: 256 connections, the server given 1, 2, "
                      "4 ... CPUs.");
    }
    if (make_pitfall_plots(p, r, dir, made, max, &n, gnuplot_missing) < 0)
        rc = -1;
    if (make_capacity_plots(p, r, dir, models, nm, made, max, &n, gnuplot_missing) < 0)
        rc = -1;
#undef EMIT
    free(p);
    return rc < 0 ? -1 : n;
}
