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
    if (point_disturbed(pt))
        fprintf(f, "%sd %u/%u", sep, point_disturbed(pt), n), sep = ", ";
    if (point_starved(pt) > 0)
        fprintf(f, "%s%.0f starved", sep, point_starved(pt));
}

/* A model's p99 as a multiple of the floor's in the same rounds ("x1.8 [1.6, 2.0]"). */
static void vs_floor_cell(FILE *f, json_t *pt)
{
    json_t *s = json_object_get(json_object_get(pt, "vs_floor"), "p99");
    double m = jpath(s, "median"), lo, hi;
    if (isnan(m)) {
        fprintf(f, " - |");
        return;
    }
    fprintf(f, " x%.*f", m < 1 ? 2 : 1, m);
    if (summary_interval(s, &lo, &hi, NULL, NULL))
        fprintf(f, " [%.*f, %.*f]", lo < 1 ? 2 : 1, lo, hi < 1 ? 2 : 1, hi);
    fprintf(f, " |");
}

/* The levels of the p99 vs floor cells' intervals where under 95% (the range of their
 * rounds), after ", "; "" at 95% or more, or without a floor. */
static void vs_floor_level(json_t *sc, char *buf, size_t len)
{
    struct level_range lr = {0};
    char words[128];
    size_t i;
    json_t *pt;
    buf[0] = '\0';
    json_array_foreach(json_object_get(sc, "points"), i, pt)
        level_range_add(&lr, json_object_get(json_object_get(pt, "vs_floor"), "p99"));
    level_range_text(&lr, words, sizeof(words));
    if (words[0])
        snprintf(buf, len, ", %s", words);
}

/* A model's points, a row each: offered, achieved, the corrected percentiles, service
 * p99, send lag, due unsent, CPU per request, (where the sweep ran the floor) p99 as a
 * multiple of the floor's, and the marks. The floor's own table is the reference. */
static void model_table(FILE *f, json_t *sc, const char *model, const char *x_label)
{
    bool floor = strcmp(model, FLOOR_MODEL) == 0, vs = !floor && scenario_has_floor(sc);
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
                    "\n%s%s (rows: %s; latency in µs)\n\n| %s | offered | achieved | p50 | "
                    "p90 | p99 | p99.9 | service p99 | send lag p99 | due unsent | CPU µs/req |%s "
                    "marks |\n|---|---|---|---|---|---|---|---|---|---|---|%s---|\n",
                    model_title(model),
                    floor ? ", this machine's floor (the reference, not a model)" : "", x_label,
                    x_label, vs ? " p99 vs floor |" : "", vs ? "---|" : "");
        any = true;
        fprintf(f, "| %s |", label(pt));
        if (!point_measured(pt)) {
            const char *note = json_string_value(json_object_get(pt, "note"));
            fprintf(f, " %s |", json_string_value(json_object_get(pt, "status")));
            for (size_t c = 1; c < sizeof(cols) / sizeof(cols[0]) + vs; c++)
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
        if (vs)
            vs_floor_cell(f, pt);
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
        fprintf(f, " (missed at a lower rate too: %s µs at %s req/s achieved)", a, b);
    }
    fprintf(f, " |");
}

/* A model's knee in words, always with its baseline (the rate offered, and its p99). */
static void knee_text(json_t *sc, const char *model, char *buf, size_t len)
{
    struct knee k;
    char a[32], b[32], c[32], d[32], base[128];
    capacity_knee(sc, model, &k);
    if (k.kind == KNEE_NOT_MEASURED) {
        snprintf(buf, len, "not measured (no usable point)");
        return;
    }
    human(k.base_us, a, sizeof(a));
    human(k.base_rps, b, sizeof(b));
    human(k.p99_us, c, sizeof(c));
    human(k.rps, d, sizeof(d));
    snprintf(base, sizeof(base), "the baseline p99 %s µs at %s req/s offered", a, b);
    size_t at = 0;
    switch (k.kind) {
    case KNEE_FOUND:
        at = (size_t)snprintf(buf, len, "at %s req/s offered (p99 %s µs, over %g× %s)", d, c,
                              KNEE_FACTOR, base);
        break;
    case KNEE_UNDER:
        at = (size_t)snprintf(buf, len,
                              "at or below %s req/s offered, where it fell under 90%% of the "
                              "offered rate (%s)",
                              d, base);
        break;
    case KNEE_NONE:
        at = (size_t)snprintf(buf, len, "no knee within the grid (%s; %d usable points)", base,
                              k.usable);
        break;
    default:
        at = (size_t)snprintf(buf, len, "not determined (%s; %s)", k.why, base);
        break;
    }
    if (k.left_out[0] && at < len)
        at += (size_t)snprintf(buf + at, len - at, "; the lower rates left out: %s", k.left_out);
    if (k.inflated && at < len) {
        human(k.least_us, c, sizeof(c));
        human(k.least_rps, d, sizeof(d));
        at += (size_t)snprintf(buf + at, len - at,
                               "; baseline inflated (p99 %s at %s > %s at %s req/s offered: on a "
                               "VM, idle CPUs wake late): the %g× rule is not informative here",
                               a, b, c, d, KNEE_FACTOR);
        if (at < len && k.second_found) {
            human(k.second_rps, a, sizeof(a));
            human(k.second_us, b, sizeof(b));
            human(k.second_ref_us, c, sizeof(c));
            human(k.second_ref_rps, d, sizeof(d));
            snprintf(buf + at, len - at,
                     "; secondary reading, against the least p99 below: at %s req/s offered (p99 "
                     "%s µs, over %g× %s µs at %s)",
                     a, b, KNEE_FACTOR, c, d);
        } else if (at < len) {
            snprintf(buf + at, len - at,
                     "; secondary reading, against the least p99 below: none within the grid");
        }
    }
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
        char knee[1024];
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
            "crosses its bound, interpolated on log latency between the highest usable point "
            "that meets it and the next, which misses (met at A, missed at B beside it); where "
            "the next was overloaded (under 90%% of its offered rate, or achieving less), no "
            "interpolation: at least the meeting point's rate. \"Below the grid\": even the "
            "lowest decidable rate missed (\"unknown below R\" where lower rates were left "
            "out); \"above the grid\": the highest usable rate met, so the capacity is at least "
            "that, and the cell says why the grid ended. Per target, a point that meets the "
            "bound counts even where loadgen lagged or was saturated (the corrected latency "
            "includes loadgen's lateness); one that misses counts only where its latency less "
            "loadgen's send lag still misses and loadgen was not saturated; starved points never "
            "count. The headline is the median of the trial rounds' capacities (the same rule on "
            "trial k of every point; with an even count the lower middle, the conservative one), "
            "the range in brackets their least to most. The knee: the lowest offered rate whose "
            "p99 is over %g times the p99 at the lowest usable rate, the baseline.\n",
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
                "\nThe offered rates are shares of %s requests per second (%s's capacity at "
                "%.0f connections, from the %s), the same for every model.\n",
                a,
                json_string_value(json_object_get(cap, "model"))
                    ? model_title(json_string_value(json_object_get(cap, "model")))
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
    if (scenario_has_floor(sc))
        model_table(f, sc, FLOOR_MODEL, load ? "offered rate" : "connections");
    char vs_level[160];
    vs_floor_level(sc, vs_level, sizeof(vs_level));
    fprintf(f,
            "\nLatency counts from each request's intended send (corrected for coordinated "
            "omission); service p99 from its actual write. Marks: `sat k/N` loadgen saturated "
            "in k of N trials; `lag k/N` its send-lag p99 was over half the trial's p99, or "
            "its send-lag p50 over half the p50 (half the tail may be loadgen's lateness); "
            "`under k/N` the model achieved under 90%% of "
            "the offered rate; `N starved` connections with no echo in the window. A point with "
            "`sat`, `lag` or starved connections is left out of the rankings at a point; for "
            "capacity, docs/analysis.md's per-target rule decides. `d k/N`: k of N trials "
            "disturbed (others' CPU time and steal on the server's CPUs over 5%% and 3 clock ticks "
            "of the "
            "window). `~`: noisy (CV over 10%%).%s%s%s\n",
            scenario_has_floor(sc) ? " p99 vs floor: the model's p99 as a multiple of the "
                                     "floor's in the same round, the median of the rounds "
                                     "[their interval of the median"
                                   : "",
            vs_level,
            scenario_has_floor(sc) ? "]; the floor's own table is the reference, and no "
                                     "capacity is taken from it."
                                   : "");
    if (scenario_has_floor(sc))
        write_floor_note(f, sc);
    if (load)
        capacity_table(f, r, sc, models, nm);
}

/* ---- findings ---- */

/* A capacity in a sentence's words: "61,234 [58,100, 63,900]", "at least 97,526". */
static void capacity_words(const struct capacity *c, char *buf, size_t len)
{
    char a[32], range[96];
    human(c->rps, a, sizeof(a));
    capacity_interval_text(c, range, sizeof(range));
    snprintf(buf, len, "%s%s%s%s", c->kind == CAPACITY_ABOVE || c->at_least ? "at least " : "", a,
             range[0] ? " " : "", range);
}

/* Whether the leader is told apart from the next: one trial cannot; otherwise the
 * paired rounds (round k gives every model the same arrivals) and the ranges. */
static void next_words(const struct capacity *lead, const struct capacity *second, const char *name,
                       char *buf, size_t len)
{
    char words[192];
    int paired, ahead = capacity_ahead(lead, second, &paired);
    capacity_words(second, words, sizeof(words));
    if (lead->rounds < 2 || second->rounds < 2)
        snprintf(buf, len, "; next, %s (%s): one trial: cannot be told apart", model_title(name),
                 words);
    else if (capacity_distinct(lead, second))
        snprintf(buf, len, "; ahead of the next, %s (%s), in %d of %d rounds, the ranges apart",
                 model_title(name), words, ahead, paired);
    else
        snprintf(buf, len, "; ahead in %d of %d rounds: not distinguishable from %s (%s)", ahead,
                 paired, model_title(name), words);
}

/* Within one target: who carried the most, whether the next is distinguishable, best
 * against worst, and those below the grid, not measured, or met it only higher up. */
static void find_target(FILE *f, int *n, json_t *sc, const char **models, size_t nm,
                        const struct slo *t)
{
    struct capacity c[32];
    size_t order[32], ranked = 0;
    char below[1024] = "", none[1536] = "", missed[1024] = "", undet[1024] = "";
    char words[192], words2[192];
    size_t at_b = 0, at_n = 0, at_m = 0, at_u = 0;
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
            char a[32], b[32], r[32] = "";
            human(c[m].latency_us, a, sizeof(a));
            human(c[m].rps, b, sizeof(b));
            if (!isnan(c[m].unknown_below))
                human(c[m].unknown_below, r, sizeof(r));
            at_b += (size_t)snprintf(below + at_b, sizeof(below) - at_b,
                                     "%s%s (%s µs at %s req/s achieved%s%s%s)", at_b ? ", " : "",
                                     model_title(models[m]), a, b, r[0] ? "; unknown below " : "",
                                     r, r[0] ? " req/s offered, the rates under it left out" : "");
            if (c[m].contra_round && at_u < sizeof(undet)) {
                human(c[m].contra_rps, a, sizeof(a));
                at_u +=
                    (size_t)snprintf(undet + at_u, sizeof(undet) - at_u,
                                     "%s%s (undetermined: round %d met up to %s)", at_u ? ", " : "",
                                     model_title(models[m]), c[m].contra_round, a);
            }
        } else if (at_n < sizeof(none)) {
            at_n += (size_t)snprintf(none + at_n, sizeof(none) - at_n, "%s%s (%s)",
                                     at_n ? "; " : "", model_title(models[m]), c[m].why);
        }
        if (!isnan(c[m].missed_rps) && at_m < sizeof(missed)) {
            char a[32], b[32];
            human(c[m].missed_us, a, sizeof(a));
            human(c[m].missed_rps, b, sizeof(b));
            at_m += (size_t)snprintf(missed + at_m, sizeof(missed) - at_m,
                                     "%s%s (p%g %s µs at %s req/s achieved)", at_m ? ", " : "",
                                     model_title(models[m]), t->percentile, a, b);
        }
    }
    if (ranked > 0) {
        const struct capacity *lead = &c[order[0]];
        capacity_words(lead, words, sizeof(words));
        char next[512] = "";
        if (ranked > 1)
            next_words(lead, &c[order[1]], models[order[1]], next, sizeof(next));
        finding_line(f, n, "Within %s, %s carried the most load: %s requests per second%s%s.",
                     t->text, model_title(models[order[0]]), words,
                     lead->rounds >= 2 ? " (the range of its rounds in brackets)" : "", next);
    }
    if (ranked > 1 || (ranked == 1 && at_b > 0)) {
        const struct capacity *best = &c[order[0]], *worst = &c[order[ranked - 1]];
        char ratio[96] = "", against[256] = "", apart[1100] = "";
        capacity_words(best, words, sizeof(words));
        if (ranked > 1) {
            bool bound = worst->kind == CAPACITY_ABOVE || worst->at_least;
            capacity_words(worst, words2, sizeof(words2));
            if (capacity_distinct(best, worst) && worst->rps > 0)
                snprintf(ratio, sizeof(ratio), ": %s%.1fx",
                         best->kind == CAPACITY_ABOVE || best->at_least ? "at least " : "",
                         best->rps / worst->rps);
            else
                snprintf(ratio, sizeof(ratio), " (not distinguishable: no ratio)");
            snprintf(against, sizeof(against), " against the least figure, %s %s%s%s",
                     model_title(models[order[ranked - 1]]), words2,
                     bound ? " (a lower bound)" : "", ratio);
        }
        if (at_b > 0)
            snprintf(apart, sizeof(apart), "%sbelow the grid: %s", ranked > 1 ? "; " : " ", below);
        finding_line(f, n, "Best against worst within %s: %s %s%s%s.", t->text,
                     model_title(models[order[0]]), words, against, apart);
    }
    if (at_m > 0)
        finding_line(
            f, n,
            "Missed %s at a lower rate and met it higher up (a curve that is not monotonic: "
            "at a low rate a sleeping CPU's wake-up can cost milliseconds): %s; their "
            "capacity is the highest crossing.",
            t->text, missed);
    if (at_b > 0)
        finding_line(
            f, n,
            "Below the grid within %s (it missed even at the lowest decidable rate, so its "
            "capacity is under that rate, not a figure): %s.",
            t->text, below);
    if (at_u > 0)
        finding_line(f, n,
                     "Below the grid within %s by the median round, but a round disagrees: %s.",
                     t->text, undet);
    if (at_n > 0)
        finding_line(f, n, "Not measured within %s (no usable point: never guessed): %s.", t->text,
                     none);
}

static void find_knees(FILE *f, int *n, json_t *sc, const char **models, size_t nm)
{
    char line[4096];
    size_t at = 0;
    for (size_t m = 0; m < nm && at < sizeof(line); m++) {
        struct knee k;
        char words[1024];
        capacity_knee(sc, models[m], &k);
        if (k.usable == 0)
            continue;
        knee_text(sc, models[m], words, sizeof(words));
        at += (size_t)snprintf(line + at, sizeof(line) - at, "%s%s %s", at ? "; " : "",
                               model_title(models[m]), words);
    }
    if (at == 0 || at >= sizeof(line))
        return;
    finding_line(f, n,
                 "Knees (the lowest offered rate where p99 passes %g times its value at the lowest "
                 "usable rate, the baseline): %s.",
                 KNEE_FACTOR, line);
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
            at += (size_t)snprintf(line + at, sizeof(line) - at, "%s%s at %s (%s)", at ? ", " : "",
                                   model_title(models[m]), label(pt), why);
        }
    }
    if (at == 0 || at >= sizeof(line))
        return;
    finding_line(f, n,
                 "Left out of the rankings at a point in the %s scenario (capacity decides per "
                 "target: a point that met counts, a miss loadgen's lag could explain does not): "
                 "%s.%s%s",
                 scenario, line,
                 lagged ? " Lagged: loadgen's send-lag p99 was over half the trial's p99, or its "
                          "send-lag p50 over half the p50, so half its tail may be loadgen's own "
                          "lateness, not the server's."
                        : "",
                 saturated
                     ? " Saturated: loadgen (a thread, a pinned CPU or the whole process) ran "
                       "out of CPU, so it, not the server, may have set the pace."
                     : "");
}

/* The slow sweep: p99 from the fewest usable connections to the most, per model, with
 * the points between left out (and why), and the models left out (one usable point). */
static void find_slow(FILE *f, int *n, json_t *sc, const char **models, size_t nm)
{
    char line[2048], apart[1024], rate[32];
    size_t at = 0, at_a = 0;
    human(jpath(sc, "rate_rps"), rate, sizeof(rate));
    for (size_t m = 0; m < nm && at < sizeof(line) && at_a < sizeof(apart); m++) {
        json_t *first = NULL, *last = NULL;
        char out[512] = "";
        size_t at_o = 0;
        int usable = 0, measured = 0;
        size_t i;
        json_t *pt;
        json_array_foreach(json_object_get(sc, "points"), i, pt)
        {
            char why[64];
            if (!of_model(pt, models[m]))
                continue;
            measured += point_measured(pt);
            if (!point_usable(pt, why, sizeof(why), true) || isnan(med(pt, "p99_us"))) {
                if (point_measured(pt) && at_o < sizeof(out))
                    at_o += (size_t)snprintf(out + at_o, sizeof(out) - at_o, "%s%s %s",
                                             at_o ? ", " : "", label(pt), why);
                continue;
            }
            usable++;
            if (!first || jpath(pt, "x") < jpath(first, "x"))
                first = pt;
            if (!last || jpath(pt, "x") > jpath(last, "x"))
                last = pt;
        }
        if (usable < 2) {
            if (measured > 0)
                at_a += (size_t)snprintf(apart + at_a, sizeof(apart) - at_a, "%s%s (%s%s%s)",
                                         at_a ? "; " : "", model_title(models[m]),
                                         usable ? "one usable point only" : "no usable point",
                                         at_o ? "; left out: " : "", out);
            continue;
        }
        char a[32], b[32];
        human(med(first, "p99_us"), a, sizeof(a));
        human(med(last, "p99_us"), b, sizeof(b));
        at += (size_t)snprintf(
            line + at, sizeof(line) - at, "%s%s %s µs at %s to %s µs at %s (%.1fx%s%s)",
            at ? ", " : "", model_title(models[m]), a, label(first), b, label(last),
            med(last, "p99_us") / med(first, "p99_us"), at_o ? "; left out: " : "", out);
    }
    if (at > 0 && at < sizeof(line))
        finding_line(f, n,
                     "One load (%s requests per second) over more connections, p99 from the fewest "
                     "usable connections to the most: %s%s%s.",
                     rate, line, at_a ? "; not compared: " : "", at_a ? apart : "");
    else if (at_a > 0 && at_a < sizeof(apart))
        finding_line(f, n,
                     "One load (%s requests per second) over more connections: not compared: %s.",
                     rate, apart);
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
            finding_line(f, &n, "The %s scenario warned: %s", sweeps[s], json_string_value(w));
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
