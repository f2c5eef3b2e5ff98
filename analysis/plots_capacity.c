/* The capacity scenario's plots: the server's memory and the active clients' p99 against
 * the connections, a line per model through the steps it held, its breaking point (the
 * last step held) circled and the step it failed crossed, from each step's capacity
 * object (bench/capacity.c). Each model has one entry in the key, which says where it
 * breaks; the plot itself has no words, so nine models do not crowd it. */
#include "analysis.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCENARIO "capacity"

/* The markers, explained in the key's title, and in the captions with the lines. */
#define MARKERS "○ the last step held, × the step it failed"
#define DRAWN                                                                                      \
    "A line per model through the steps it held, a circle at the last step held (its "             \
    "breaking point), a cross at the step it failed, drawn at the connections that step "          \
    "asked for (idle and 16 active)."

/* Said where a model's ramp broke at a step bench predicted and did not run. */
#define UNMEASURED " A step predicted past a limit and not run has no cross: nothing was measured."

/* One measured step of a model: where it is drawn, what bench judged it. */
struct step {
    double x, y;
    bool held; /* on the model's line; otherwise the step it failed, drawn apart */
};

static int by_x(const void *a, const void *b)
{
    const struct step *p = a, *q = b;
    return p->x < q->x ? -1 : p->x > q->x;
}

/* The model's held and failed steps that measured metric (a key of the capacity object),
 * in order of x: the connections held for a step held, the connections the step asked
 * for (idle and active) for the step it failed, since what a failing server still held
 * (echo-iterative's 1) is not where it broke. Returns how many. */
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
        if (!m || strcmp(m, model) != 0 || !verdict || n == max)
            continue;
        bool held = strcmp(verdict, "held") == 0;
        double x = jpath(c, held ? "held" : "requested"), y = jpath(c, metric);
        if ((held || strcmp(verdict, "failed") == 0) && !isnan(x) && !isnan(y))
            out[n++] = (struct step){x, y, held};
    }
    qsort(out, (size_t)n, sizeof(out[0]), by_x);
    return n;
}

/* A cause in a word or two, for the key. */
static const char *cause_brief(const char *cause)
{
    static const struct {
        const char *cause, *brief;
    } briefs[] = {
        {"fd_setsize", "FD_SETSIZE"}, {"rlimit_nofile", "RLIMIT_NOFILE"},
        {"file_max", "file-max"},     {"threads_max", "threads-max"},
        {"rlimit_nproc", "NPROC"},    {"listen_overflow", "listen queue"},
        {"ephemeral_ports", "ports"}, {"cgroup_pids", "pids.max"},
    };
    for (size_t i = 0; cause && i < sizeof(briefs) / sizeof(briefs[0]); i++)
        if (strcmp(briefs[i].cause, cause) == 0)
            return briefs[i].brief;
    return cause ? cause : "failed";
}

/* A model's key entry, where it breaks: "select: holds 1,016; FD_SETSIZE at 2,000",
 * "iterative: latency at 1,000", "process: holds 20,016; pid_max predicted at 50,000",
 * "process: holds 2,016 (the top)", "thread: holds 10,016; capped at 20,000". */
static void key_entry(json_t *sc, const char *model, char *buf, size_t len)
{
    json_t *v = json_object_get(json_object_get(sc, "models"), model);
    const char *verdict = json_string_value(json_object_get(v, "verdict"));
    const char *stop = capacity_stop_step(sc, model);
    char held[40] = "", at[32] = "";
    if (!isnan(jpath(v, "held"))) {
        human(jpath(v, "held"), at, sizeof(at));
        snprintf(held, sizeof(held), "holds %s", at);
    }
    at[0] = '\0';
    if (stop)
        human(strtod(stop, NULL), at, sizeof(at));
    const char *sep = held[0] ? "; " : "";
    if (verdict && strcmp(verdict, "broke") == 0)
        snprintf(buf, len, "%.34s: %s%s%s%s at %s", model_key(model), held, sep,
                 cause_brief(json_string_value(json_object_get(v, "cause"))),
                 capacity_predicted(sc, model) ? " predicted" : "", at);
    else if (verdict && strcmp(verdict, "top") == 0)
        snprintf(buf, len, "%.34s: %s (the top)", model_key(model), held);
    else if (verdict && stop)
        snprintf(buf, len, "%.34s: %s%s%s at %s", model_key(model), held, sep, verdict, at);
    else
        snprintf(buf, len, "%.34s: %s%s%s", model_key(model), held, sep,
                 verdict ? verdict : "no verdict");
}

/* A line per model through the steps it held of metric over scale, its last step held
 * circled, the step it failed crossed; the key entry on the line, or on the cross of a
 * model that held none. Returns whether a model drawn broke at a predicted step (which
 * has no cross). */
static bool capacity_lines(struct plot *p, json_t *sc, const char **models, size_t nm,
                           const char *metric, double scale)
{
    bool predicted = false;
    for (size_t m = 0; m < nm; m++) {
        struct step st[PLOT_MAX_POINTS];
        int n = steps_of(sc, models[m], metric, st, PLOT_MAX_POINTS);
        if (n == 0)
            continue;
        predicted |= capacity_predicted(sc, models[m]);
        const char *color = model_color(models[m]);
        char entry[64], name[64];
        key_entry(sc, models[m], entry, sizeof(entry));
        struct series *line = plot_series(p, entry, color, 1);
        snprintf(name, sizeof(name), "%.34s: the last step held", model_key(models[m]));
        struct series *circle = plot_series(p, name, color, 1);
        snprintf(name, sizeof(name), "%.34s: the step it failed", model_key(models[m]));
        struct series *cross = plot_series(p, name, color, 1);
        circle->points_only = cross->points_only = true;
        circle->untitled = true;
        cross->point_type = 2;
        int last = -1;
        for (int k = 0; k < n; k++) {
            series_add(st[k].held ? line : cross, st[k].x, st[k].y / scale, NAN, NAN);
            if (st[k].held)
                last = k;
        }
        if (last >= 0)
            series_add(circle, st[last].x, st[last].y / scale, NAN, NAN);
        if (line->n == 0) /* no line to carry the entry: the cross does */
            snprintf(cross->name, sizeof(cross->name), "%s", entry);
        else
            cross->untitled = true;
    }
    return predicted;
}

/* Labels for people on a log axis, in the plot's unit. */
typedef void (*tic_label)(double v, char *buf, size_t len);

static void plain_label(double v, char *buf, size_t len)
{
    if (v >= 1000)
        human(v, buf, len); /* 1,000, not gnuplot's 1k */
    else
        snprintf(buf, len, "%g", v); /* 0.1, not gnuplot's 100m */
}

static void latency_label(double us, char *buf, size_t len)
{
    if (us >= 1e6)
        snprintf(buf, len, "%g s", us / 1e6);
    else if (us >= 1000)
        snprintf(buf, len, "%g ms", us / 1000);
    else
        snprintf(buf, len, "%g µs", us);
}

/* The y values' extent, and the target's line (yref) with them. */
static void y_extent(const struct plot *p, double *lo, double *hi)
{
    *lo = p->yref > 0 ? p->yref : INFINITY;
    *hi = p->yref > 0 ? p->yref : -INFINITY;
    for (int i = 0; i < p->ns; i++)
        for (int k = 0; k < p->s[i].n; k++) {
            *lo = fmin(*lo, p->s[i].y[k]);
            *hi = fmax(*hi, p->s[i].y[k]);
        }
}

/* gnuplot's tics for a log axis from lo to hi, as label writes them: ("1,000" 1000,
 * "2,000" 2000, ...), the decades, with their 2 and 5 where the axis spans under three
 * decades (the steps are 1,000, 2,000, 5,000 ...), so that it has two tics or more. */
static void log_tics(double lo, double hi, tic_label label, char *buf, size_t len)
{
    static const double mantissas[] = {1, 2, 5};
    size_t nm = log10(hi / lo) < 3 ? 3 : 1, at = (size_t)snprintf(buf, len, "(");
    for (double d = pow(10, floor(log10(lo))); d <= hi && at < len; d *= 10)
        for (size_t i = 0; i < nm && at < len; i++) {
            double v = d * mantissas[i];
            char text[32];
            label(v, text, sizeof(text));
            if (v >= lo && v <= hi)
                at += (size_t)snprintf(buf + at, len - at, "%s\"%s\" %.9g", at > 1 ? ", " : "",
                                       text, v);
        }
    if (at < len)
        snprintf(buf + at, len - at, ")");
}

/* The axes' tics for people (gnuplot's own SI format writes 0.1 MiB as 100m) over the
 * data and a little more (as gnuplot.c's x range); the key under the plot in two
 * columns, so that nine models' entries leave the plot its width, titled with what the
 * markers are. */
static void capacity_axes(struct plot *p, tic_label ylabel)
{
    double xlo = INFINITY, xhi = -INFINITY, ylo, yhi;
    int entries = p->marks[0] ? 1 : 0; /* the target's line */
    for (int i = 0; i < p->ns; i++) {
        entries += p->s[i].n > 0 && !p->s[i].untitled;
        for (int k = 0; k < p->s[i].n; k++) {
            xlo = fmin(xlo, p->s[i].x[k]);
            xhi = fmax(xhi, p->s[i].x[k]);
        }
    }
    y_extent(p, &ylo, &yhi);
    if (!(xlo > 0 && ylo > 0))
        return; /* no data: no plot */
    log_tics(xlo / 1.5, xhi * 1.5, plain_label, p->xtics, sizeof(p->xtics));
    char ytics[256];
    log_tics(ylo / 1.5, yhi * 1.5, ylabel, ytics, sizeof(ytics));
    /* The title's blank first line keeps it off the x axis' label. */
    snprintf(p->extra, sizeof(p->extra),
             "set ytics %s\nset yrange [%.9g:%.9g]\nset key below vertical maxrows %d width -4 "
             "nobox title \"\\n" MARKERS "\"",
             ytics, ylo / 1.5, yhi * 1.5, (entries + 1) / 2);
}

int make_capacity_plots(struct plot *p, const struct results *r, const char *dir,
                        const char **models, size_t nm, struct made_plot *made, size_t max, int *n,
                        bool *gnuplot_missing)
{
    json_t *sc = results_scenario(r, SCENARIO);
    if (!sc)
        return 0;
    int rc = 0;
    char caption[1024];
    plot_init(p, r->machine, "capacity_memory", "The server's memory against connections",
              "connections (idle and 16 active)", "the server tree's memory (MiB)");
    p->logx = p->logy = true;
    bool predicted = capacity_lines(p, sc, models, nm, "memory_kib", 1024);
    capacity_axes(p, plain_label);
    snprintf(caption, sizeof(caption),
             "The server's memory against the connections, both axes log: the server tree's own "
             "memory (proportional anonymous, with every connection up); the kernel's socket "
             "memory is not in it. " DRAWN "%s Each model's entry in the key says where it "
             "breaks: the connections it held, then the cause and the step it failed (capped: "
             "the scenario's time budget stopped its ramp; skipped: the next step would not fit "
             "in memory).",
             predicted ? UNMEASURED : "");
    if (plot_emit(p, dir, SCENARIO, caption, made, max, n, gnuplot_missing) < 0)
        rc = -1;

    plot_init(p, r->machine, "capacity_p99", "p99 of 16 active clients against connections",
              "connections (idle and 16 active)", "p99 latency of the active clients");
    p->logx = p->logy = true;
    predicted = capacity_lines(p, sc, models, nm, "p99_us", 1);
    json_t *target = json_object_get(sc, "target");
    double bound = jpath(target, "bound_us");
    char words[32] = "";
    if (bound > 0) {
        slo_bound_text(bound, words, sizeof(words));
        snprintf(p->marks, sizeof(p->marks),
                 "%.9g with lines dt 2 lw 2 lc rgb '#000000' title 'target: p%g %s'", bound,
                 isnan(jpath(target, "percentile")) ? 99 : jpath(target, "percentile"), words);
        p->yref = bound;
    }
    capacity_axes(p, latency_label);
    snprintf(caption, sizeof(caption),
             "The active clients' p99 against the connections, both axes log%s%s. " DRAWN
             "%s The key says where each model breaks, as in the memory plot.",
             words[0] ? "; dashed, the target, " : "", words, predicted ? UNMEASURED : "");
    if (plot_emit(p, dir, SCENARIO, caption, made, max, n, gnuplot_missing) < 0)
        rc = -1;
    return rc;
}
