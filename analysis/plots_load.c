/* The open-loop sweeps' plots: latency against the load a model carried (load), or
 * against connections at one load (slow), and capacity within each latency target. */
#include "analysis.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The targets that bound metric, as dashed reference lines named in the key ("p99
 * target 1 ms"). */
static void target_lines(struct plot *p, const struct results *r, const char *metric)
{
    size_t at = 0;
    for (int i = 0; i < r->nslo && at < sizeof(p->marks); i++) {
        if (strcmp(r->slo[i].metric, metric) != 0)
            continue;
        char bound[32];
        slo_bound_text(r->slo[i].bound_us, bound, sizeof(bound));
        at += (size_t)snprintf(p->marks + at, sizeof(p->marks) - at,
                               "%s%.9g with lines dt 2 lw 2 lc rgb '#000000' title 'p%g target %s'",
                               at ? ", \\\n     " : "", r->slo[i].bound_us, r->slo[i].percentile,
                               bound);
        if (!(p->yref > 0 && p->yref <= r->slo[i].bound_us))
            p->yref = r->slo[i].bound_us;
    }
}

/* A model's series of marks drawn apart ("MODEL: why"), made on first use. */
static struct series *apart(struct plot *p, struct series **slot, const char *model,
                            const char *why)
{
    if (!*slot) {
        char name[64];
        snprintf(name, sizeof(name), "%.34s: %s", model_key(model), why);
        *slot = plot_series(p, name, model_color(model), 1);
        (*slot)->points_only = true;
    }
    return *slot;
}

/* A point whose achieved rate is not its offered one (its achieved_ratio median
 * outside [0.9, 1.1]): x, the achieved rate, would misplace it on the line. The label
 * says what was offered: "under: offered 32k", "over: offered 16k, a backlog". */
static bool off_rate(json_t *pt, char *note, size_t len)
{
    double ratio = jpath(pt, "summary.achieved_ratio.median"),
           offered = jpath(pt, "summary.offered_rps.median");
    if (isnan(offered))
        offered = jpath(pt, "x");
    if (isnan(ratio) || (ratio >= 0.9 && ratio <= 1.1))
        return false;
    char rate[16];
    if (offered >= 1000)
        snprintf(rate, sizeof(rate), "%.0fk", offered / 1000);
    else
        snprintf(rate, sizeof(rate), "%.0f", offered);
    snprintf(note, len, ratio < 0.9 ? "under: offered %s" : "over: offered %s, a backlog", rate);
    return true;
}

/* The floor's line, dashed grey, against the rate it achieved (or its connections):
 * the points it measured that point_usable accepts (where loadgen lagged or saturated,
 * or a connection starved, its latency may be loadgen's, and is left out), its latency
 * the machine's least at that rate. No capacity is taken from it: it is the reference,
 * not a model. */
static void floor_of_sweep(struct plot *p, json_t *sc, const char *metric, bool by_connections)
{
    struct series *s = NULL;
    size_t i;
    json_t *pt;
    json_array_foreach(json_object_get(sc, "points"), i, pt)
    {
        json_t *fig = json_object_get(json_object_get(pt, "summary"), metric);
        double y = jpath(fig, "median"), lo, hi;
        char why[32];
        if (!point_is_floor(pt) || !point_usable(pt, why, sizeof(why), true) || !(y > 0))
            continue;
        if (!summary_interval(fig, &lo, &hi, NULL, NULL))
            lo = hi = NAN;
        if (!s)
            s = plot_floor_series(p);
        series_add(s, by_connections ? jpath(pt, "x") : jpath(pt, "summary.throughput_rps.median"),
                   y, lo < 0 ? 0 : lo, hi);
    }
}

void load_lines(struct plot *p, const struct results *r, json_t *sc, const char **models, size_t nm,
                const char *metric, bool by_connections)
{
    char path[64];
    snprintf(path, sizeof(path), "summary.%s", metric);
    for (size_t m = 0; m < nm; m++) {
        struct series *s = plot_series(p, model_key(models[m]), model_color(models[m]), 1),
                      *marks = NULL, *off = NULL;
        size_t i;
        json_t *pt;
        json_array_foreach(json_object_get(sc, "points"), i, pt)
        {
            if (strcmp(json_string_value(json_object_get(pt, "model")), models[m]) != 0 ||
                !point_measured(pt))
                continue;
            json_t *fig = json_object_get(json_object_get(pt, "summary"), metric);
            double x = by_connections ? jpath(pt, "x") : jpath(pt, "summary.throughput_rps.median");
            double y = jpath(fig, "median"), lo, hi;
            if (!summary_interval(fig, &lo, &hi, NULL, NULL))
                lo = hi = NAN;
            char why[32];
            if (!(y > 0))
                continue; /* a log axis has no zero: the table says it */
            if (!isnan(lo) && lo < 0)
                lo = 0;
            if (point_usable(pt, why, sizeof(why), true)) {
                if (by_connections || !off_rate(pt, why, sizeof(why))) {
                    series_add(s, x, y, lo, hi);
                    continue;
                }
                series_add_noted(apart(p, &off, models[m], "off its rate"), x, y, why);
                continue;
            }
            series_add_noted(apart(p, &marks, models[m], "not usable"), x, y, why);
        }
    }
    floor_of_sweep(p, sc, metric, by_connections);
    p->logy = true;
    p->logx = by_connections;
    target_lines(p, r, metric);
}

void capacity_bars(struct plot *p, const struct results *r, json_t *sc, const char **models,
                   size_t nm)
{
    double width = 0.8 / (double)(nm ? nm : 1);
    size_t at = (size_t)snprintf(p->xtics, sizeof(p->xtics), "(");
    for (int g = 0; g < r->nslo && at < sizeof(p->xtics) - 40; g++)
        at += (size_t)snprintf(p->xtics + at, sizeof(p->xtics) - at, "%s'within %s' %d",
                               g ? ", " : "", r->slo[g].text, g);
    snprintf(p->xtics + at, sizeof(p->xtics) - at, ")");
    /* The y axis up to the largest bar or the capacity the rates are shares of: words
     * without a bar sit a little above 0, inside the plot, their labels clear of the
     * axis. */
    double top = jpath(sc, "capacity.rps");
    struct capacity c[PLOT_MAX_SERIES][SLO_MAX];
    for (size_t m = 0; m < nm && m < PLOT_MAX_SERIES / 2; m++)
        for (int g = 0; g < r->nslo; g++) {
            capacity_within(sc, models[m], &r->slo[g], &c[m][g]);
            double h = isnan(c[m][g].hi) ? c[m][g].rps : fmax(c[m][g].hi, c[m][g].rps);
            if (c[m][g].kind != CAPACITY_BELOW && h > 0 && !(h <= top))
                top = h;
        }
    if (!(top > 0))
        top = 1;
    for (size_t m = 0; m < nm && m < PLOT_MAX_SERIES / 2; m++) {
        struct series *s = plot_series(p, model_key(models[m]), model_color(models[m]), 1),
                      *words = NULL;
        for (int g = 0; g < r->nslo; g++) {
            const struct capacity *cap = &c[m][g];
            double x = g - 0.4 + width * ((double)m + 0.5);
            if (cap->kind == CAPACITY_MET || cap->kind == CAPACITY_ABOVE)
                series_add(s, x, cap->rps, cap->lo_below ? 0 : cap->lo, cap->hi);
            if (cap->kind == CAPACITY_MET)
                continue;
            /* The words where a bar would mislead: at its top (a lower bound), or near
             * the axis where there is no bar. */
            if (!words) {
                char name[64];
                snprintf(name, sizeof(name), "%.34s: in words", model_key(models[m]));
                words = plot_series(p, name, model_color(models[m]), 1);
                words->points_only = true;
            }
            series_add_noted(words, x, cap->kind == CAPACITY_ABOVE ? cap->rps : 0.06 * top,
                             cap->kind == CAPACITY_ABOVE   ? "above the grid"
                             : cap->kind == CAPACITY_BELOW ? "below the grid"
                                                           : "not measured");
        }
        /* A whisker whose top round is a lower bound is open above: said at its top. */
        for (int g = 0; g < r->nslo; g++) {
            const struct capacity *cap = &c[m][g];
            double x = g - 0.4 + width * ((double)m + 0.5);
            bool bound = cap->kind == CAPACITY_MET && cap->at_least;
            if (cap->kind != CAPACITY_MET || !(cap->hi_open || bound))
                continue;
            if (!words) {
                char name[64];
                snprintf(name, sizeof(name), "%.34s: in words", model_key(models[m]));
                words = plot_series(p, name, model_color(models[m]), 1);
                words->points_only = true;
            }
            series_add_noted(words, x, cap->hi_open && cap->rounds >= 2 ? cap->hi : cap->rps,
                             "at least");
        }
    }
    p->style = STYLE_BARS;
    p->xmin = -0.6;
    p->xmax = r->nslo - 0.4;
    snprintf(p->extra, sizeof(p->extra), "set boxwidth %g absolute\nset yrange [0:%.9g]",
             width * 0.9, top * 1.12);
}

int make_load_plots(struct plot *p, const struct results *r, const char *dir, const char **models,
                    size_t nm, struct made_plot *made, size_t max, int *n, bool *gnuplot_missing)
{
    int rc = 0;
    json_t *sc;
#define EMIT_LOAD(scenario, caption)                                                               \
    do {                                                                                           \
        if (plot_emit(p, dir, scenario, caption, made, max, n, gnuplot_missing) < 0)               \
            rc = -1;                                                                               \
    } while (0)

    if ((sc = results_scenario(r, "load"))) {
        static const char *const which[][3] = {{"load_p99", "p99", "p99_us"},
                                               {"load_p50", "p50", "p50_us"},
                                               {"load_p999", "p99.9", "p999_us"}};
        char title[3][160], ylabel[3][64], targets[128];
        size_t at = 0;
        for (int i = 0; i < r->nslo && at < sizeof(targets); i++)
            at += (size_t)snprintf(targets + at, sizeof(targets) - at, "%s%s", i ? ", " : "",
                                   r->slo[i].text);
        for (int k = 0; k < 3; k++) {
            snprintf(title[k], sizeof(title[k]),
                     "%s latency against the load carried (%.0f connections, open loop)",
                     which[k][1], jpath(sc, "connections"));
            snprintf(ylabel[k], sizeof(ylabel[k]), "%s latency (µs, from the intended send)",
                     which[k][1]);
            plot_init(p, r->machine, which[k][0], title[k], "achieved throughput (requests/s)",
                      ylabel[k]);
            load_lines(p, r, sc, models, nm, which[k][2], false);
            char caption[768];
            snprintf(caption, sizeof(caption), "%s%s",
                     k == 0   ? "p99 latency (coordinated-omission corrected) against the "
                                "throughput each model achieved at each offered rate (x is the "
                                "achieved rate); the target dashed; points where loadgen lagged or "
                                "saturated, or a connection starved, apart with the reason, and "
                                "points that achieved under 90% or over 110% of the offered rate "
                                "apart, labelled with it"
                     : k == 1 ? "The median (p50) the same way"
                              : "p99.9 the same way",
                     scenario_has_floor(sc) ? "; dashed grey, this machine's floor (echo-floor, "
                                              "the reference, not a model), its points where "
                                              "loadgen lagged or saturated, or a connection "
                                              "starved, left out."
                                            : ".");
            EMIT_LOAD("load", caption);
        }
        char cap_title[192];
        snprintf(cap_title, sizeof(cap_title), "Capacity within %s", targets);
        plot_init(p, r->machine, "load_capacity", cap_title, "latency target",
                  "requests per second (range of the rounds)");
        capacity_bars(p, r, sc, models, nm);
        EMIT_LOAD("load", "The most load each model carried within each target: interpolated "
                          "on log latency between two usable points, the bar the median round, "
                          "its whisker the rounds' range (\"at least\" at a top that is a lower "
                          "bound); models below or above the grid, or not measured, marked in "
                          "words.");
    }

    if ((sc = results_scenario(r, "slow"))) {
        char title[160], rate[32];
        human(jpath(sc, "rate_rps"), rate, sizeof(rate));
        snprintf(title, sizeof(title), "p99 latency against connections at %s requests/s", rate);
        plot_init(p, r->machine, "slow_p99", title,
                  "connections (one offered load spread over them)",
                  "p99 latency (µs, from the intended send)");
        load_lines(p, r, sc, models, nm, "p99_us", true);
        EMIT_LOAD("slow", "Many slow clients: one offered load over more and more connections; "
                          "a thread per connection pays per connection, an event loop should not.");
    }
#undef EMIT_LOAD
    return rc;
}
