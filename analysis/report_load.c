/* The open-loop sweeps in report.md: the load scenario (latency against offered load,
 * the capacity table) and the slow one (one load over more connections), and their
 * findings. A point where loadgen lagged or was saturated, or a connection starved, is
 * marked and left out of every ranking (point_usable), and the findings say why. */
#include "analysis.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static double med(json_t *pt, const char *metric)
{
    char path[96];
    snprintf(path, sizeof(path), "summary.%s.median", metric);
    return pt ? jpath(pt, path) : NAN;
}

static const char *label(json_t *pt)
{
    return json_string_value(json_object_get(pt, "label"));
}

static bool of_model(json_t *pt, const char *model)
{
    return strcmp(json_string_value(json_object_get(pt, "model")), model) == 0;
}

/* A point's marks: loadgen saturated, lagged, under 90% of the offered rate, starved. */
static void marks(FILE *f, json_t *pt)
{
    unsigned n = point_trials(pt);
    const char *sep = " ";
    if (point_saturated(pt))
        fprintf(f, "%ssat %u/%u", sep, point_saturated(pt), n), sep = ", ";
    if (point_lagged(pt))
        fprintf(f, "%slag %u/%u", sep, point_lagged(pt), n), sep = ", ";
    if (jpath(pt, "under_trials") > 0)
        fprintf(f, "%sunder %.0f/%u", sep, jpath(pt, "under_trials"), n), sep = ", ";
    if (point_starved(pt) > 0)
        fprintf(f, "%s%.0f starved", sep, point_starved(pt));
}

/* A model's points, a row each: offered, achieved, the corrected percentiles, service
 * p99, send lag, due unsent, CPU per request, and the marks. */
static void model_table(FILE *f, json_t *sc, const char *model, const char *x_label)
{
    static const char *const cols[] = {
        "offered_rps", "throughput_rps", "p50_us",          "p90_us",     "p99_us",
        "p999_us",     "service_p99_us", "send_lag_p99_us", "due_unsent", "cpu_us_per_request",
    };
    bool any = false;
    const char *last_note = NULL;
    size_t i;
    json_t *pt;
    json_array_foreach(json_object_get(sc, "points"), i, pt)
    {
        if (!of_model(pt, model))
            continue;
        if (!any)
            fprintf(f,
                    "\necho-%s (rows: %s; latency in µs)\n\n| %s | offered | achieved | p50 | p90 "
                    "| p99 | p99.9 | service p99 | send lag p99 | due unsent | CPU µs/req | "
                    "marks |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n",
                    model, x_label, x_label);
        any = true;
        fprintf(f, "| %s |", label(pt));
        if (!point_measured(pt)) {
            const char *note = json_string_value(json_object_get(pt, "note"));
            fprintf(f, " %s |", json_string_value(json_object_get(pt, "status")));
            for (size_t c = 1; c < sizeof(cols) / sizeof(cols[0]); c++)
                fprintf(f, " |");
            bool again = note && last_note && strcmp(note, last_note) == 0;
            fprintf(f, " %s |\n", again ? "as above" : note ? note : "");
            last_note = note;
            continue;
        }
        for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++) {
            char v[32];
            human(med(pt, cols[c]), v, sizeof(v));
            fprintf(f, " %s%s |", v,
                    json_is_true(json_object_get(
                        json_object_get(json_object_get(pt, "summary"), cols[c]), "noisy"))
                        ? " ~"
                        : "");
        }
        marks(f, pt);
        fprintf(f, " |\n");
    }
}

static void capacity_cell(FILE *f, json_t *sc, const char *model, const struct slo *t)
{
    struct capacity c;
    char text[640], a[32], b[32];
    capacity_within(sc, model, t, &c);
    capacity_text(&c, t, text, sizeof(text));
    fprintf(f, " %s", text);
    if (c.rounds_below && c.kind != CAPACITY_BELOW)
        fprintf(f, " (%d of %d rounds below the grid)", c.rounds_below, c.rounds);
    if (c.rounds_above && c.kind != CAPACITY_ABOVE)
        fprintf(f, " (%d of %d rounds above the grid)", c.rounds_above, c.rounds);
    if (!isnan(c.missed_rps)) {
        human(c.missed_us, a, sizeof(a));
        human(c.missed_rps, b, sizeof(b));
        fprintf(f, " (missed at a lower rate too: %s µs at %s req/s)", a, b);
    }
    fprintf(f, " |");
}

static void knee_text(json_t *sc, const char *model, char *buf, size_t len)
{
    struct knee k;
    char a[32], b[32], c[32], d[32];
    capacity_knee(sc, model, &k);
    human(k.base_us, a, sizeof(a));
    human(k.base_rps, b, sizeof(b));
    human(k.p99_us, c, sizeof(c));
    human(k.rps, d, sizeof(d));
    if (k.usable == 0)
        snprintf(buf, len, "not measured (no usable point)");
    else if (k.found)
        snprintf(buf, len, "at %s req/s offered (p99 %s µs, over %g× the %s µs at %s)", d, c,
                 KNEE_FACTOR, a, b);
    else
        snprintf(buf, len, "no knee within the grid (p99 %s µs at %s; %d usable point%s)", a, b,
                 k.usable, k.usable == 1 ? "" : "s");
}

static void capacity_table(FILE *f, const struct results *r, json_t *sc, const char **models,
                           size_t nm)
{
    fprintf(f, "\nCapacity within the latency targets (achieved requests per second; the range "
               "of the trial rounds in brackets; rows: model)\n\n| model |");
    for (int i = 0; i < r->nslo; i++)
        fprintf(f, " within %s |", r->slo[i].text);
    fprintf(f, " knee |\n|---|");
    for (int i = 0; i <= r->nslo; i++)
        fprintf(f, "---|");
    fprintf(f, "\n");
    for (size_t m = 0; m < nm; m++) {
        char knee[256];
        bool any = false;
        size_t i;
        json_t *pt;
        json_array_foreach(json_object_get(sc, "points"), i, pt) any |= of_model(pt, models[m]);
        if (!any)
            continue;
        fprintf(f, "| %s |", models[m]);
        for (int t = 0; t < r->nslo; t++)
            capacity_cell(f, sc, models[m], &r->slo[t]);
        knee_text(sc, models[m], knee, sizeof(knee));
        fprintf(f, " %s |\n", knee);
    }
    fprintf(f,
            "\nA capacity is the achieved rate where the latency at the target's percentile "
            "crosses its bound, interpolated on a straight line between the highest usable "
            "point that meets it and the next, which misses; \"below the grid\": even the lowest "
            "usable rate missed; \"above the grid\": the highest usable rate met, so the "
            "capacity is at least that, and the cell says why the grid ended. Usable: measured, "
            "loadgen neither lagged nor saturated in any trial, no connection starved. The range "
            "is the least to the most of the same rule on each trial round's curve (trial k of "
            "every point). The knee: the lowest offered rate whose p99 is over %g times the "
            "p99 at the lowest usable rate.\n",
            KNEE_FACTOR);
}

void write_load_section(FILE *f, const struct results *r, json_t *sc, const char **models,
                        size_t nm)
{
    const char *name = json_string_value(json_object_get(sc, "name"));
    bool load = strcmp(name, "load") == 0;
    char a[32], b[32];
    size_t i;
    json_t *w;
    json_array_foreach(json_object_get(sc, "warnings"), i, w)
        fprintf(f, "\n**Warning:** %s\n", json_string_value(w));
    json_t *cap = json_object_get(sc, "capacity");
    human(jpath(cap, "rps"), a, sizeof(a));
    if (load && json_is_object(cap))
        fprintf(f,
                "\nThe offered rates are shares of %s requests per second (echo-%s's capacity at "
                "%.0f connections, from the %s), the same for every model.\n",
                a,
                json_string_value(json_object_get(cap, "model"))
                    ? json_string_value(json_object_get(cap, "model"))
                    : "?",
                jpath(cap, "connections"),
                json_string_value(json_object_get(cap, "source")) &&
                        strcmp(json_string_value(json_object_get(cap, "source")), "concurrency") ==
                            0
                    ? "concurrency scenario"
                    : "capacity probe");
    if (!load) {
        human(jpath(sc, "rate_rps"), b, sizeof(b));
        const char *basis = json_string_value(json_object_get(sc, "rate_basis"));
        fprintf(f, "\nOffered load: %s requests per second%s%s%s.\n", b, basis ? " (" : "",
                basis ? basis : "", basis ? ")" : "");
    }
    for (size_t m = 0; m < nm; m++)
        model_table(f, sc, models[m], load ? "offered rate" : "connections");
    fprintf(f, "\nLatency counts from each request's intended send (corrected for coordinated "
               "omission); service p99 from its actual write. Marks: `sat k/N` loadgen saturated "
               "in k of N trials; `lag k/N` its send lag p99 was over half the trial's p99 (half "
               "the tail may be loadgen's lateness); `under k/N` the model achieved under 90%% of "
               "the offered rate; `N starved` connections with no echo in the window. A point with "
               "`sat`, `lag` or starved connections is left out of every ranking. `~`: noisy (CV "
               "over 10%%).\n");
    if (load)
        capacity_table(f, r, sc, models, nm);
}

/* ---- findings ---- */

__attribute__((format(printf, 3, 4))) static void finding(FILE *f, int *n, const char *fmt, ...)
{
    va_list ap;
    fprintf(f, "- ");
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fprintf(f, "\n");
    (*n)++;
}

/* A capacity in a sentence's words: "61,234 [58,100, 63,900]". */
static void capacity_words(const struct capacity *c, char *buf, size_t len)
{
    char a[32], range[96];
    human(c->rps, a, sizeof(a));
    capacity_interval_text(c, range, sizeof(range));
    snprintf(buf, len, "%s%s%s%s", c->kind == CAPACITY_ABOVE ? "at least " : "", a,
             range[0] ? " " : "", range);
}

/* Within one target: who carried the most, whether the next is distinguishable, best
 * against worst, and those below the grid, not measured, or met it only higher up. */
static void find_target(FILE *f, int *n, json_t *sc, const char **models, size_t nm,
                        const struct slo *t)
{
    struct capacity c[32];
    size_t order[32], ranked = 0;
    char below[1024] = "", none[1536] = "", missed[1024] = "", words[192], words2[192];
    size_t at_b = 0, at_n = 0, at_m = 0;
    for (size_t m = 0; m < nm && m < 32; m++) {
        bool any = false;
        size_t i;
        json_t *pt;
        json_array_foreach(json_object_get(sc, "points"), i, pt) any |= of_model(pt, models[m]);
        if (!any) {
            c[m].kind = CAPACITY_NONE;
            continue;
        }
        capacity_within(sc, models[m], t, &c[m]);
        if (c[m].kind == CAPACITY_MET || c[m].kind == CAPACITY_ABOVE) {
            size_t k = ranked++;
            while (k > 0 && c[order[k - 1]].rps < c[m].rps) {
                order[k] = order[k - 1];
                k--;
            }
            order[k] = m;
        } else if (c[m].kind == CAPACITY_BELOW && at_b < sizeof(below)) {
            char a[32], b[32];
            human(c[m].latency_us, a, sizeof(a));
            human(c[m].rps, b, sizeof(b));
            at_b += (size_t)snprintf(below + at_b, sizeof(below) - at_b,
                                     "%secho-%s (%s µs at %s req/s)", at_b ? ", " : "", models[m],
                                     a, b);
        } else if (at_n < sizeof(none)) {
            at_n += (size_t)snprintf(none + at_n, sizeof(none) - at_n, "%secho-%s (%s)",
                                     at_n ? "; " : "", models[m], c[m].why);
        }
        if (!isnan(c[m].missed_rps) && at_m < sizeof(missed)) {
            char a[32], b[32];
            human(c[m].missed_us, a, sizeof(a));
            human(c[m].missed_rps, b, sizeof(b));
            at_m += (size_t)snprintf(missed + at_m, sizeof(missed) - at_m,
                                     "%secho-%s (p%g %s µs at %s req/s)", at_m ? ", " : "",
                                     models[m], t->percentile, a, b);
        }
    }
    if (ranked > 0) {
        const struct capacity *lead = &c[order[0]];
        capacity_words(lead, words, sizeof(words));
        char next[512] = "";
        if (ranked > 1) {
            const struct capacity *second = &c[order[1]];
            capacity_words(second, words2, sizeof(words2));
            snprintf(next, sizeof(next),
                     capacity_overlap(lead, second)
                         ? "; its range overlaps echo-%s's (%s): the two are not distinguishable"
                         : "; clear of the next, echo-%s (%s)",
                     models[order[1]], words2);
        }
        finding(f, n,
                "Within %s, echo-%s carried the most load: %s requests per second (the range of "
                "its rounds in brackets)%s.",
                t->text, models[order[0]], words, next);
    }
    if (ranked > 1) {
        const struct capacity *best = &c[order[0]], *worst = &c[order[ranked - 1]];
        capacity_words(best, words, sizeof(words));
        capacity_words(worst, words2, sizeof(words2));
        char ratio[64] = "";
        if (worst->kind == CAPACITY_MET && worst->rps > 0)
            snprintf(ratio, sizeof(ratio), ": %s%.1fx",
                     best->kind == CAPACITY_ABOVE ? "at least " : "", best->rps / worst->rps);
        finding(f, n, "Best against worst within %s: echo-%s %s against echo-%s %s%s.", t->text,
                models[order[0]], words, models[order[ranked - 1]], words2, ratio);
    }
    if (at_m > 0)
        finding(f, n,
                "Missed %s at a lower rate and met it higher up (a curve that is not monotonic: "
                "at a low rate a sleeping CPU's wake-up can cost milliseconds): %s; their "
                "capacity is the highest crossing.",
                t->text, missed);
    if (at_b > 0)
        finding(f, n,
                "Below the grid within %s (it missed even at the lowest usable rate, so its "
                "capacity is under the grid, not a figure): %s.",
                t->text, below);
    if (at_n > 0)
        finding(f, n, "Not measured within %s (no usable point: never guessed): %s.", t->text,
                none);
}

static void find_knees(FILE *f, int *n, json_t *sc, const char **models, size_t nm)
{
    char found[1024] = "", flat[512] = "";
    size_t at_f = 0, at_l = 0;
    for (size_t m = 0; m < nm; m++) {
        struct knee k;
        capacity_knee(sc, models[m], &k);
        if (k.usable == 0)
            continue;
        char a[32], b[32], c[32];
        human(k.rps, a, sizeof(a));
        human(k.p99_us, b, sizeof(b));
        human(k.base_us, c, sizeof(c));
        if (k.found && at_f < sizeof(found))
            at_f += (size_t)snprintf(found + at_f, sizeof(found) - at_f,
                                     "%secho-%s at %s req/s offered (p99 %s µs against %s)",
                                     at_f ? ", " : "", models[m], a, b, c);
        else if (!k.found && at_l < sizeof(flat))
            at_l += (size_t)snprintf(flat + at_l, sizeof(flat) - at_l, "%secho-%s",
                                     at_l ? ", " : "", models[m]);
    }
    if (at_f == 0 && at_l == 0)
        return;
    finding(f, n,
            "Knees (the lowest offered rate where p99 passes %g times its value at the lowest "
            "usable rate): %s%s%s.",
            KNEE_FACTOR, found,
            at_l == 0  ? ""
            : at_f > 0 ? "; no knee within the grid for "
                       : "no knee within the grid for ",
            flat);
}

/* The points left out of every ranking because of loadgen, with the reason. */
static void find_left_out(FILE *f, int *n, json_t *sc, const char *scenario, const char **models,
                          size_t nm)
{
    char line[1536];
    size_t at = 0;
    bool lagged = false, saturated = false;
    for (size_t m = 0; m < nm && at < sizeof(line); m++) {
        size_t i;
        json_t *pt;
        json_array_foreach(json_object_get(sc, "points"), i, pt)
        {
            char why[128];
            if (!of_model(pt, models[m]) || !point_measured(pt) ||
                (!point_lagged(pt) && !point_saturated(pt)) || at >= sizeof(line))
                continue;
            point_usable(pt, why, sizeof(why), false);
            lagged |= point_lagged(pt) > 0;
            saturated |= point_lagged(pt) == 0;
            at += (size_t)snprintf(line + at, sizeof(line) - at, "%secho-%s at %s (%s)",
                                   at ? ", " : "", models[m], label(pt), why);
        }
    }
    if (at == 0 || at >= sizeof(line))
        return;
    finding(f, n, "Left out of every ranking in the %s scenario: %s.%s%s", scenario, line,
            lagged ? " Lagged: loadgen's send lag p99 was over half the trial's p99, so half its "
                     "tail may be loadgen's own lateness, not the server's."
                   : "",
            saturated ? " Saturated: loadgen (a thread, a pinned CPU or the whole process) ran "
                        "out of CPU, so it, not the server, may have set the pace."
                      : "");
}

static void find_slow(FILE *f, int *n, json_t *sc, const char **models, size_t nm)
{
    char line[1536], rate[32];
    size_t at = 0;
    human(jpath(sc, "rate_rps"), rate, sizeof(rate));
    for (size_t m = 0; m < nm && at < sizeof(line); m++) {
        json_t *first = NULL, *last = NULL;
        size_t i;
        json_t *pt;
        json_array_foreach(json_object_get(sc, "points"), i, pt)
        {
            char why[64];
            if (!of_model(pt, models[m]) || !point_usable(pt, why, sizeof(why), true) ||
                isnan(med(pt, "p99_us")))
                continue;
            if (!first || jpath(pt, "x") < jpath(first, "x"))
                first = pt;
            if (!last || jpath(pt, "x") > jpath(last, "x"))
                last = pt;
        }
        if (!first || first == last)
            continue;
        char a[32], b[32];
        human(med(first, "p99_us"), a, sizeof(a));
        human(med(last, "p99_us"), b, sizeof(b));
        at += (size_t)snprintf(line + at, sizeof(line) - at,
                               "%secho-%s %s µs at %s to %s µs at %s (%.1fx)", at ? ", " : "",
                               models[m], a, label(first), b, label(last),
                               med(last, "p99_us") / med(first, "p99_us"));
    }
    if (at > 0 && at < sizeof(line))
        finding(f, n,
                "One load (%s requests per second) over more connections, p99 from the fewest "
                "usable connections to the most: %s.",
                rate, line);
}

int write_load_findings(FILE *f, const struct results *r, const char **models, size_t nm)
{
    int n = 0;
    json_t *sc, *w;
    size_t i;
    static const char *const sweeps[] = {"load", "slow"};
    for (size_t s = 0; s < 2; s++) {
        if (!(sc = results_scenario(r, sweeps[s])))
            continue;
        json_array_foreach(json_object_get(sc, "warnings"), i, w)
            finding(f, &n, "The %s scenario warned: %s", sweeps[s], json_string_value(w));
        if (s == 0) {
            for (int t = 0; t < r->nslo; t++)
                find_target(f, &n, sc, models, nm, &r->slo[t]);
            find_knees(f, &n, sc, models, nm);
        } else {
            find_slow(f, &n, sc, models, nm);
        }
        find_left_out(f, &n, sc, sweeps[s], models, nm);
    }
    return n;
}
