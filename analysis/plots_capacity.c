/* The capacity scenario's plots: the server's memory and the active clients' p99 against
 * the connections held, a line per model through the steps it held and its breaking
 * point marked, from each step's capacity object (bench/capacity.c). */
#include "analysis.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCENARIO "capacity"

/* One measured step of a model: where it is drawn, what bench judged it. */
struct step {
    double held, y;
    bool ok; /* held: on the model's line; otherwise a mark apart */
};

static int by_held(const void *a, const void *b)
{
    const struct step *x = a, *y = b;
    return x->held < y->held ? -1 : x->held > y->held;
}

/* The model's steps that measured metric (a key of the capacity object) and the
 * connections held, in order of connections; returns how many. */
static int steps_of(json_t *sc, const char *model, const char *metric, struct step *out, int max)
{
    int n = 0;
    size_t i;
    json_t *pt;
    json_array_foreach(json_object_get(sc, "points"), i, pt)
    {
        json_t *c = json_object_get(pt, "capacity");
        const char *m = json_string_value(json_object_get(pt, "model"));
        const char *verdict = json_string_value(json_object_get(c, "verdict"));
        double held = jpath(c, "held"), y = jpath(c, metric);
        if (!m || strcmp(m, model) != 0 || !verdict || isnan(held) || isnan(y) || n == max)
            continue;
        out[n++] = (struct step){held, y, strcmp(verdict, "held") == 0};
    }
    qsort(out, (size_t)n, sizeof(out[0]), by_held);
    return n;
}

/* A cause in a few words, for a label on a plot. */
static const char *cause_brief(const char *cause)
{
    static const struct {
        const char *cause, *brief;
    } briefs[] = {
        {"fd_setsize", "FD_SETSIZE"}, {"rlimit_nofile", "RLIMIT_NOFILE"},
        {"file_max", "file-max"},     {"threads_max", "threads-max"},
        {"rlimit_nproc", "NPROC"},    {"listen_overflow", "listen queue"},
        {"ephemeral_ports", "ports"},
    };
    for (size_t i = 0; cause && i < sizeof(briefs) / sizeof(briefs[0]); i++)
        if (strcmp(briefs[i].cause, cause) == 0)
            return briefs[i].brief;
    return cause ? cause : "failed";
}

/* The words at a model's breaking point: "breaks at 2,000: FD_SETSIZE", "the top",
 * "capped at 20,000". */
static void breaking_words(json_t *sc, const char *model, char *buf, size_t len)
{
    json_t *v = json_object_get(json_object_get(sc, "models"), model);
    const char *verdict = json_string_value(json_object_get(v, "verdict"));
    const char *step = capacity_stop_step(sc, model);
    char at[32] = "";
    if (step)
        human(strtod(step, NULL), at, sizeof(at));
    if (verdict && strcmp(verdict, "broke") == 0)
        snprintf(buf, len, "breaks at %s: %s", at,
                 cause_brief(json_string_value(json_object_get(v, "cause"))));
    else if (verdict && strcmp(verdict, "top") == 0)
        snprintf(buf, len, "the top");
    else
        snprintf(buf, len, "%s%s%s", verdict ? verdict : "-", step ? " at " : "", at);
}

/* A line per model through the steps it held of metric over scale, and apart, as open
 * marks, its breaking point (the last step held) with its words, and the step it failed
 * where that measured; where it held none, the failed step carries the words. */
static void capacity_lines(struct plot *p, json_t *sc, const char **models, size_t nm,
                           const char *metric, double scale)
{
    for (size_t m = 0; m < nm; m++) {
        struct step st[PLOT_MAX_POINTS];
        int n = steps_of(sc, models[m], metric, st, PLOT_MAX_POINTS);
        if (n == 0)
            continue;
        struct series *line = plot_series(p, models[m], model_color(models[m]), 1);
        char name[48], words[64];
        snprintf(name, sizeof(name), "%.16s: where it breaks", models[m]);
        struct series *marks = plot_series(p, name, model_color(models[m]), 1);
        marks->points_only = true;
        int last = -1;
        for (int k = 0; k < n; k++)
            if (st[k].ok) {
                series_add(line, st[k].held, st[k].y / scale, NAN, NAN);
                last = k;
            }
        breaking_words(sc, models[m], words, sizeof(words));
        if (last >= 0)
            series_add_noted(marks, st[last].held, st[last].y / scale, words);
        /* One label a model: a blank one (a space, which the TSV keeps) beside a failed
         * step whose breaking point already says it. */
        for (int k = 0; k < n; k++)
            if (!st[k].ok)
                series_add_noted(marks, st[k].held, st[k].y / scale, last >= 0 ? " " : words);
    }
}

int make_capacity_plots(struct plot *p, const struct results *r, const char *dir,
                        const char **models, size_t nm, struct made_plot *made, size_t max, int *n,
                        bool *gnuplot_missing)
{
    json_t *sc = results_scenario(r, SCENARIO);
    if (!sc)
        return 0;
    int rc = 0;
    plot_init(p, r->machine, "capacity_memory", "The server's memory against connections held",
              "connections held (idle and 16 active)",
              "the server's memory (MiB, proportional anonymous)");
    p->logx = p->logy = true;
    capacity_lines(p, sc, models, nm, "memory_kib", 1024);
    if (plot_emit(p, dir, SCENARIO,
                  "The server's memory (its whole tree's proportional anonymous memory, primed) "
                  "against the connections it held, both axes log: a line per model through the "
                  "steps it held, its breaking point circled with its cause, and the step it "
                  "failed apart where it measured.",
                  made, max, n, gnuplot_missing) < 0)
        rc = -1;

    plot_init(p, r->machine, "capacity_p99", "p99 of 16 active clients against connections held",
              "connections held (idle and 16 active)", "p99 latency of the active clients (µs)");
    p->logx = p->logy = true;
    capacity_lines(p, sc, models, nm, "p99_us", 1);
    json_t *target = json_object_get(sc, "target");
    double bound = jpath(target, "bound_us");
    char words[32] = "", caption[512];
    if (bound > 0) {
        slo_bound_text(bound, words, sizeof(words));
        snprintf(p->marks, sizeof(p->marks),
                 "%.9g with lines dt 2 lw 2 lc rgb '#000000' title 'target: p%g %s'", bound,
                 isnan(jpath(target, "percentile")) ? 99 : jpath(target, "percentile"), words);
        p->yref = bound;
    }
    snprintf(caption, sizeof(caption),
             "The active clients' p99 against the connections held, both axes log: a line per "
             "model through the steps it held, its breaking point circled, the step it failed "
             "apart%s%s.",
             words[0] ? "; dashed, the target, " : "", words);
    if (plot_emit(p, dir, SCENARIO, caption, made, max, n, gnuplot_missing) < 0)
        rc = -1;
    return rc;
}
