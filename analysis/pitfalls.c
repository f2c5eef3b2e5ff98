/* The pitfalls scenario (bench/pitfalls.c): each of the lecture's pitfalls run beside
 * its correct twin under connection churn. Its data is under "pairs", never "points"
 * (those are always empty, so the generic tables and plots pass it by): a plot per pair
 * of its resource against the clients made, and the report's tables of the pairs and
 * their runs. A run that did not go as planned says what happened; a pair, a run or a
 * reading that is missing is left out or shown as "-", never guessed. */
#include "analysis.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The pairs in bench's order, with what the pitfall's first failure is when it comes
 * as the pitfall predicts (docs/servers.md): fork or accept or pthread_create failing
 * ends the connection unserved; the race leaves a client served by no thread. */
static const struct {
    const char *pitfall, *fails, *failed, *outcome;
} pitfall_words[] = {
    {"no-reap", "fork fails", "fork failed", "ended"},
    {"no-close", "accept fails", "accept failed", "ended"},
    {"racy-connfd", "first served by none", "first served by none", "unserved"},
    {"no-detach", "pthread_create fails", "pthread_create failed", "ended"},
};
#define NPITFALLS (sizeof(pitfall_words) / sizeof(pitfall_words[0]))

/* The pitfall's colour and dash: black and dashed, apart from every model's colour. */
#define PITFALL_COLOR "#000000"

/* A resource grows with the clients where it rises at this many readings or more. */
#define GROWS_OVER 3

/* The most readings taken of a run (bench samples about 40); a plot's line is thinned
 * from them to PLOT_MAX_POINTS. */
#define MAX_READINGS 512

static const char *text_of(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static const char *or_unknown(const char *s)
{
    return s ? s : "?";
}

static bool run_ok(json_t *run)
{
    const char *st = text_of(run, "status");
    return st && strcmp(st, "ok") == 0;
}

/* A resource counted in KiB (rss_kib, vm_kib) rather than in things. */
static bool in_kib(const char *resource)
{
    size_t n = strlen(resource);
    return n > 4 && strcmp(resource + n - 4, "_kib") == 0;
}

/* A count for people: "5", "1,019"; a fraction as human writes it. */
static void count_text(double v, char *buf, size_t len)
{
    if (fabs(v) < 1000 && v == floor(v))
        snprintf(buf, len, "%.0f", v);
    else
        human(v, buf, len);
}

/* A figure of the resource for people: "1,019"; in KiB, "1,276 KiB", "66.6 MiB",
 * "2.19 GiB". */
static void amount_text(const char *resource, double v, char *buf, size_t len)
{
    double a = fabs(v);
    char n[32];
    if (isnan(v)) {
        snprintf(buf, len, "-");
    } else if (!in_kib(resource)) {
        count_text(v, buf, len);
    } else if (a < 10 * 1024) {
        count_text(v, n, sizeof(n));
        snprintf(buf, len, "%.24s KiB", n);
    } else if (a < 1024 * 1024) {
        snprintf(buf, len, "%.1f MiB", v / 1024);
    } else {
        snprintf(buf, len, "%.2f GiB", v / (1024 * 1024));
    }
}

/* The run's readings of resource, (clients, value): its baseline, then its samples;
 * the ones that failed (null) left out. Returns how many. */
static int readings(json_t *run, const char *resource, double *x, double *y, int max)
{
    int n = 0;
    double v = jpath(json_object_get(run, "baseline"), resource);
    double c = jpath(json_object_get(run, "baseline"), "clients");
    if (!isnan(v) && n < max) {
        x[n] = isnan(c) ? 0 : c;
        y[n++] = v;
    }
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(run, "samples"), i, s)
    {
        v = jpath(s, resource);
        c = jpath(s, "clients");
        if (!isnan(v) && !isnan(c) && n < max) {
            x[n] = c;
            y[n++] = v;
        }
    }
    return n;
}

/* The resource at the end: the final reading (after the tree settled), or the last
 * sample where that reading failed. */
static double end_value(json_t *run, const char *resource)
{
    double v = jpath(json_object_get(run, "final"), resource);
    json_t *samples = json_object_get(run, "samples");
    if (isnan(v) && json_array_size(samples) > 0)
        v = jpath(json_array_get(samples, json_array_size(samples) - 1), resource);
    return v;
}

/* The resource from its baseline to its end in words: "0 → 1,000: +1 a client, flat
 * from about client 1,000"; "66.6 MiB → 66.8 MiB: +256 KiB in all"; "5 → 5: flat".
 * It grows with the clients where it rises at GROWS_OVER readings or more up to its
 * peak, at least 0.01 a client (of a thing, or of a KiB): a step at the start (glibc
 * keeping a few thread stacks) is not growth. The rate is taken to the last reading
 * still below the peak, so a sample that lands past the point where it stopped does not
 * dilute it, and from the first sample on where there are two or more, so a step at the
 * first wave (the correct echo-thread's VmSize takes on glibc's malloc arenas, 64 MiB
 * each, as its first threads run at once) is not read as growth per client. A resource
 * back at its baseline at the end did not grow, whatever it did in between (the correct
 * echo-process's children are zombies for a moment until its SIGCHLD handler reaps
 * them). */
static void growth_text(json_t *run, const char *resource, char *buf, size_t len)
{
    double x[MAX_READINGS], y[MAX_READINGS];
    int n = readings(run, resource, x, y, MAX_READINGS);
    double base = jpath(json_object_get(run, "baseline"), resource);
    double end = end_value(run, resource);
    char a[32], b[32], g[32];
    amount_text(resource, base, a, sizeof(a));
    amount_text(resource, end, b, sizeof(b));
    if (isnan(base) || isnan(end) || n < 2) {
        snprintf(buf, len, "%s → %s", a, b);
        return;
    }
    if (end <= base) {
        double most = base;
        for (int k = 1; k < n; k++)
            most = y[k] > most ? y[k] : most;
        if (most > base) {
            amount_text(resource, most, g, sizeof(g));
            snprintf(buf, len, "%s → %s: none left (at most %s at a reading, gone by the end)", a,
                     b, g);
        } else {
            snprintf(buf, len, "%s → %s: flat", a, b);
        }
        return;
    }
    if (n >= 3) { /* from the first sample on */
        memmove(x, x + 1, sizeof(x[0]) * (size_t)(n - 1));
        memmove(y, y + 1, sizeof(y[0]) * (size_t)(n - 1));
        n--;
    }
    int peak = 0;
    for (int k = 1; k < n; k++)
        if (y[k] > y[peak])
            peak = k;
    int below = -1, rises = 0; /* the last reading before the peak still under it */
    for (int k = 1; k <= peak; k++) {
        rises += y[k] > y[k - 1];
        if (k < peak && y[k] < y[peak] && y[k] > y[0])
            below = k;
    }
    int to = below > 0 ? below : peak;
    double rate = x[to] > x[0] ? (y[to] - y[0]) / (x[to] - x[0]) : NAN;
    if (y[peak] > y[0] && rises >= GROWS_OVER && rate >= 0.01) {
        char per[32];
        if (in_kib(resource))
            snprintf(per, sizeof(per), "%.3g KiB", rate);
        else
            snprintf(per, sizeof(per), "%.3g", rate);
        size_t at = (size_t)snprintf(buf, len, "%s → %s: +%s a client", a, b, per);
        /* Where it stopped growing and stayed (within 1% of its growth) to the end. */
        bool flat = peak < n - 1;
        for (int k = peak + 1; k < n; k++)
            flat &= fabs(y[k] - y[peak]) <= 0.01 * (y[peak] - y[0]);
        if (flat && at < len) {
            count_text(x[peak], g, sizeof(g));
            snprintf(buf + at, len - at, ", flat from about client %s", g);
        }
        return;
    }
    amount_text(resource, fabs(end - base), g, sizeof(g));
    snprintf(buf, len, "%s → %s: %s%s in all", a, b, end > base ? "+" : "-", g);
}

static int pitfall_index(const char *pitfall)
{
    for (size_t i = 0; pitfall && i < NPITFALLS; i++)
        if (strcmp(pitfall_words[i].pitfall, pitfall) == 0)
            return (int)i;
    return -1;
}

/* What a first failure's outcome means, in words. */
static void outcome_text(json_t *sc, const char *outcome, char *buf, size_t len)
{
    double timeout = jpath(json_object_get(sc, "settings"), "reply_timeout_ms");
    if (outcome && strcmp(outcome, "ended") == 0)
        snprintf(buf, len, "the server ended the connection with no echo");
    else if (outcome && strcmp(outcome, "unserved") == 0 && !isnan(timeout))
        snprintf(buf, len, "no echo within %.0f ms", timeout);
    else if (outcome && strcmp(outcome, "unserved") == 0)
        snprintf(buf, len, "no echo in time");
    else if (outcome && strcmp(outcome, "wrong") == 0)
        snprintf(buf, len, "bytes that were not its line came back");
    else if (outcome && strcmp(outcome, "not_connected") == 0)
        snprintf(buf, len, "connect failed, on either side: see connect_errors");
    else
        snprintf(buf, len, "%s", outcome ? outcome : "not served");
}

/* The first failure of a run: for the table "fork failed at client 1,001, after 0.84 s"
 * (the pitfall's own failure, where its outcome is the one the pitfall predicts), or
 * "first not served at client 3, after 0.01 s (no echo within 100 ms)"; "none within
 * 2,000 clients" where every client was served. For a plot (brief) "fork fails: client
 * 1,001, 0.84 s". False where the run has none (or did not run). */
static bool failure_text(json_t *sc, json_t *pair, json_t *run, bool pitfall_run, bool brief,
                         char *buf, size_t len)
{
    json_t *ff = json_object_get(run, "first_failure");
    char c[32], why[96];
    if (!json_is_object(ff)) {
        count_text(jpath(run, "clients"), c, sizeof(c));
        snprintf(buf, len, "none within %s clients", c);
        return false;
    }
    count_text(jpath(ff, "client"), c, sizeof(c));
    double t = jpath(ff, "t_s");
    const char *outcome = text_of(ff, "outcome");
    int k = pitfall_run ? pitfall_index(text_of(pair, "pitfall")) : -1;
    bool predicted = k >= 0 && outcome && strcmp(outcome, pitfall_words[k].outcome) == 0;
    if (brief) {
        snprintf(buf, len, "%s: client %s, %.3g s",
                 predicted ? pitfall_words[k].fails : "first not served", c, t);
        return true;
    }
    if (predicted) {
        snprintf(buf, len, "%s at client %s, after %.3g s", pitfall_words[k].failed, c, t);
        return true;
    }
    outcome_text(sc, outcome, why, sizeof(why));
    snprintf(buf, len, "first not served at client %s, after %.3g s (%s)", c, t, why);
    return true;
}

/* The limit a pair ran under, in words: limit.text, then limit_note; "none stated";
 * and bench's warning where the pitfall did not serve what the limit left room for. */
static void limit_text(json_t *pair, char *buf, size_t len)
{
    const char *text = text_of(json_object_get(pair, "limit"), "text");
    const char *note = text_of(pair, "limit_note");
    const char *warning = text_of(pair, "limit_warning");
    int at;
    if (text && note)
        at = snprintf(buf, len, "%s; %s", text, note);
    else if (text || note)
        at = snprintf(buf, len, "%s", text ? text : note);
    else
        at = snprintf(buf, len, "none stated");
    if (warning && at >= 0 && (size_t)at < len)
        snprintf(buf + at, len - (size_t)at, " (**warning:** %s)", warning);
}

/* A run that did not run ok, in words: "crashed: the server died at client 40";
 * "not run" where the pair has no such run. */
static void not_ok_text(json_t *run, char *buf, size_t len)
{
    const char *st = text_of(run, "status"), *detail = text_of(run, "detail");
    if (!json_is_object(run))
        snprintf(buf, len, "not run");
    else if (detail && detail[0])
        snprintf(buf, len, "%s: %s", or_unknown(st), detail);
    else
        snprintf(buf, len, "%s", or_unknown(st));
}

/* ---- the plots ---- */

/* A pair's plot's name: "pitfall_" and the pitfall, what is not a letter or digit as _
 * (pitfall_no_reap). */
static void plot_name(const char *pitfall, char *buf, size_t len)
{
    size_t at = (size_t)snprintf(buf, len, "pitfall_");
    for (const char *c = pitfall; c && *c && at + 1 < len; c++)
        buf[at++] = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ? *c : '_';
    buf[at] = '\0';
}

/* A line of a run's readings of resource over scale, thinned evenly to PLOT_MAX_POINTS
 * where there are more (the first and the last kept, and the two on either side of its
 * first failure, where the line turns). */
static void run_line(struct series *s, json_t *run, const char *resource, double scale)
{
    double x[MAX_READINGS], y[MAX_READINGS];
    bool keep[MAX_READINGS] = {false};
    int n = readings(run, resource, x, y, MAX_READINGS), m = n;
    if (n > PLOT_MAX_POINTS) {
        double fail = jpath(json_object_get(run, "first_failure"), "client");
        m = PLOT_MAX_POINTS;
        for (int k = 1; k < n; k++)
            if (x[k - 1] < fail && fail <= x[k]) {
                keep[k - 1] = keep[k] = true;
                m -= 2;
            }
    }
    for (int i = 0; i < m; i++)
        keep[m == 1 ? 0 : (int)lround((double)i * (n - 1) / (m - 1))] = true;
    for (int k = 0; k < n; k++)
        if (keep[k])
            series_add(s, x[k], y[k] / scale, NAN, NAN);
}

/* A run's first failure as a dotted vertical line with its words at the top ("fork
 * fails: client 1,001, 0.84 s"), to the right of the line, or to its left where the line
 * is in the right third of the plot (xmax: the most clients of its readings); at height
 * (in graph units), appended to p->extra. The words are data, not markup: noenhanced
 * (pthread_create's underscore). */
static void failure_line(struct plot *p, json_t *sc, json_t *pair, json_t *run, bool pitfall_run,
                         double xmax, double height, const char *color)
{
    char words[96];
    if (!failure_text(sc, pair, run, pitfall_run, true, words, sizeof(words)))
        return;
    double c = jpath(json_object_get(run, "first_failure"), "client");
    if (isnan(c))
        return;
    bool left = xmax > 0 && c > 0.66 * xmax;
    size_t at = strlen(p->extra);
    int wrote =
        snprintf(p->extra + at, sizeof(p->extra) - at,
                 "%sset arrow from %.9g, graph 0 to %.9g, graph 1 nohead dt 3 lw 1 lc rgb '%s'\n"
                 "set label '%s' at %.9g, graph %.2f %s offset %s,0 tc rgb '%s' font ',9' "
                 "noenhanced",
                 at ? "\n" : "", c, c, color, words, c, height, left ? "right" : "left",
                 left ? "-0.6" : "0.6", color);
    if (wrote < 0 || (size_t)wrote >= sizeof(p->extra) - at)
        p->extra[at] = '\0'; /* no room: a cut setting would break the script; left out */
}

/* "1,000 of 2,000 not served", or the run's status where it did not run ok. */
static void served_words(json_t *run, char *buf, size_t len)
{
    char a[32], b[32];
    if (!run_ok(run)) {
        not_ok_text(run, buf, len);
        return;
    }
    count_text(jpath(run, "misserved"), a, sizeof(a));
    count_text(jpath(run, "clients"), b, sizeof(b));
    snprintf(buf, len, "%s of %s not served", a, b);
}

/* One pair's plot: pitfall_NAME, its resource against clients, both runs. */
static int pair_plot(struct plot *p, const struct results *r, json_t *sc, json_t *pair,
                     const char *dir, struct made_plot *made, size_t max, int *n,
                     bool *gnuplot_missing)
{
    const char *pitfall = text_of(pair, "pitfall"), *model = text_of(pair, "model");
    const char *resource = text_of(pair, "resource"), *label = text_of(pair, "resource_label");
    if (!pitfall || !model || !resource)
        return 0;
    json_t *bad = json_object_get(pair, "pitfall_run"),
           *good = json_object_get(pair, "correct_run");
    char name[64], title[128], ylabel[96], bad_name[48], good_name[48];
    plot_name(pitfall, name, sizeof(name));
    snprintf(title, sizeof(title), "echo-%s --pitfall %s beside the correct code", model, pitfall);
    snprintf(ylabel, sizeof(ylabel), "%s%s", label ? label : resource,
             in_kib(resource) ? " (MiB)" : "");
    plot_init(p, r->machine, name, title, "clients made (in waves, one line each)", ylabel);
    snprintf(bad_name, sizeof(bad_name), "--pitfall %.32s", pitfall);
    snprintf(good_name, sizeof(good_name), "echo-%.20s (correct)", model);
    double xmax = 0, scale = in_kib(resource) ? 1024 : 1; /* KiB drawn in MiB */
    struct series *lines[] = {plot_series(p, bad_name, PITFALL_COLOR, 2),
                              plot_series(p, good_name, model_color(model), 1)};
    run_line(lines[0], bad, resource, scale);
    run_line(lines[1], good, resource, scale);
    for (size_t k = 0; k < 2; k++)
        for (int i = 0; i < lines[k]->n; i++)
            xmax = lines[k]->x[i] > xmax ? lines[k]->x[i] : xmax;
    /* Plain figures on the y axis (the SI format rounds 1,500 to 2k), and room at the top
     * for the words of the first failures. */
    snprintf(p->extra, sizeof(p->extra), "set format y '%%g'\nset offsets 0, 0, graph 0.12, 0");
    failure_line(p, sc, pair, bad, true, xmax, 0.96, PITFALL_COLOR);
    failure_line(p, sc, pair, good, false, xmax, 0.91, model_color(model));

    char caption[1024], limit[512], bad_words[256], good_words[256], fails[128];
    limit_text(pair, limit, sizeof(limit));
    served_words(bad, bad_words, sizeof(bad_words));
    served_words(good, good_words, sizeof(good_words));
    if (!failure_text(sc, pair, bad, true, true, fails, sizeof(fails)))
        snprintf(fails, sizeof(fails), "none");
    double wave = jpath(json_object_get(sc, "settings"), "wave");
    char waves[48] = "";
    if (!isnan(wave))
        snprintf(waves, sizeof(waves), ", in waves of %.0f", wave);
    snprintf(caption, sizeof(caption),
             "echo-%.20s with --pitfall %.32s (black, dashed; %.160s) and its correct code "
             "(solid; %.160s): %.64s against the clients made%s, the pitfall's first failure "
             "marked (%.100s). The limit it ran under: %.240s.",
             model, pitfall, bad_words, good_words, label ? label : resource, waves, fails, limit);
    return plot_emit(p, dir, "pitfalls", caption, made, max, n, gnuplot_missing);
}

int make_pitfall_plots(struct plot *p, const struct results *r, const char *dir,
                       struct made_plot *made, size_t max, int *n, bool *gnuplot_missing)
{
    json_t *sc = results_scenario(r, "pitfalls");
    int rc = 0;
    size_t i;
    json_t *pair;
    json_array_foreach(json_object_get(sc, "pairs"), i, pair)
    {
        if (json_is_object(pair) &&
            pair_plot(p, r, sc, pair, dir, made, max, n, gnuplot_missing) < 0)
            rc = -1;
    }
    return rc;
}

/* ---- the section of the report ---- */

/* The pair's plot, if one was made: its name in plot (pitfall_no_reap). */
static const struct made_plot *plot_of(json_t *pair, const struct made_plot *made, size_t nmade)
{
    const char *pitfall = text_of(pair, "pitfall");
    char want[64];
    plot_name(pitfall, want, sizeof(want));
    for (size_t i = 0; pitfall && i < nmade; i++)
        if (strcmp(made[i].scenario, "pitfalls") == 0 && strcmp(made[i].name, want) == 0)
            return &made[i];
    return NULL;
}

/* A run's three cells of the pairs' table: served, the resource, the first failure. */
static void run_cells(FILE *f, json_t *sc, json_t *pair, json_t *run, bool pitfall_run)
{
    char a[32], b[32], c[32], text[256];
    const char *resource = or_unknown(text_of(pair, "resource"));
    if (!run_ok(run)) {
        not_ok_text(run, text, sizeof(text));
        fprintf(f, " %s", text);
    }
    if (jpath(run, "clients") > 0 && !isnan(jpath(run, "served"))) {
        count_text(jpath(run, "served"), a, sizeof(a));
        count_text(jpath(run, "clients"), b, sizeof(b));
        fprintf(f, "%s%s of %s", run_ok(run) ? " " : "; served ", a, b);
        /* Fewer clients than the pair was to make: cut short, or the server died. */
        if (jpath(run, "clients") < jpath(pair, "clients")) {
            count_text(jpath(pair, "clients"), c, sizeof(c));
            fprintf(f, " (of %s planned)", c);
        }
    }
    fprintf(f, " |");
    if (isnan(jpath(json_object_get(run, "baseline"), resource)))
        fprintf(f, " - |");
    else {
        growth_text(run, resource, text, sizeof(text));
        fprintf(f, " %s |", text);
    }
    if (run_ok(run) || json_is_object(json_object_get(run, "first_failure"))) {
        failure_text(sc, pair, run, pitfall_run, false, text, sizeof(text));
        fprintf(f, " %s |", text);
    } else
        fprintf(f, " - |");
}

static void pairs_table(FILE *f, json_t *sc, json_t *pairs, const struct made_plot *made,
                        size_t nmade)
{
    fprintf(f, "\n| pitfall | model | resource | limit | --pitfall: served | --pitfall: resource "
               "| --pitfall: first failure | correct: served | correct: resource | correct: first "
               "failure |\n|---|---|---|---|---|---|---|---|---|---|\n");
    size_t i;
    json_t *pair;
    json_array_foreach(pairs, i, pair)
    {
        if (!text_of(pair, "pitfall"))
            continue; /* not a pair */
        const char *pitfall = text_of(pair, "pitfall");
        const struct made_plot *mp = plot_of(pair, made, nmade);
        char limit[512];
        limit_text(pair, limit, sizeof(limit));
        fprintf(f, "| `%s`", pitfall);
        if (mp)
            fprintf(f, " ([plot](plots/%s.png))", mp->name);
        fprintf(f, " | echo-%s | %s | %s |", or_unknown(text_of(pair, "model")),
                text_of(pair, "resource_label") ? text_of(pair, "resource_label")
                                                : or_unknown(text_of(pair, "resource")),
                limit);
        run_cells(f, sc, pair, json_object_get(pair, "pitfall_run"), true);
        run_cells(f, sc, pair, json_object_get(pair, "correct_run"), false);
        fprintf(f, "\n");
    }
}

/* A reading of a run's final sample ("-" where it failed or the run has none). */
static void final_cell(FILE *f, json_t *run, const char *key)
{
    char v[32];
    amount_text(key, jpath(json_object_get(run, "final"), key), v, sizeof(v));
    fprintf(f, " %s |", v);
}

static void run_row(FILE *f, json_t *pair, json_t *run, bool pitfall_run)
{
    const char *model = or_unknown(text_of(pair, "model"));
    const char *pitfall = or_unknown(text_of(pair, "pitfall"));
    if (pitfall_run)
        fprintf(f, "| echo-%s --pitfall %s |", model, pitfall);
    else
        fprintf(f, "| echo-%s (correct; beside %s) |", model, pitfall);
    char text[256], a[32], b[32], c[32], d[32], e[32];
    if (run_ok(run))
        fprintf(f, " ok |");
    else {
        not_ok_text(run, text, sizeof(text));
        fprintf(f, " %s |", text);
    }
    if (!json_is_object(run)) {
        fprintf(f, " | | | | | | | | | | | |\n");
        return;
    }
    count_text(jpath(run, "clients"), a, sizeof(a));
    count_text(jpath(run, "served"), b, sizeof(b));
    count_text(jpath(run, "misserved"), c, sizeof(c));
    fprintf(f, " %s | %s", a, b);
    double late = jpath(run, "late");
    if (late > 0) {
        count_text(late, d, sizeof(d));
        fprintf(f, " (%s late)", d);
    }
    fprintf(f, " | %s", c);
    count_text(jpath(run, "unserved"), a, sizeof(a));
    count_text(jpath(run, "ended"), d, sizeof(d));
    count_text(jpath(run, "wrong"), e, sizeof(e));
    fprintf(f, " (%s / %s / %s", a, d, e);
    double nc = jpath(run, "not_connected"); /* NaN in a bench.json before it */
    if (!isnan(nc)) {
        count_text(nc, a, sizeof(a));
        fprintf(f, " / %s", a);
    }
    fprintf(f, ") |");
    double slowest = jpath(run, "slowest_echo_ms");
    if (isnan(slowest))
        fprintf(f, " - |");
    else
        fprintf(f, " %.3g ms |", slowest);
    static const char *const keys[] = {"zombies", "processes", "threads", "fds",
                                       "maps",    "rss_kib",   "vm_kib"};
    for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
        final_cell(f, run, keys[k]);
    double wall = jpath(run, "wall_s");
    if (isnan(wall))
        fprintf(f, " - |\n");
    else
        fprintf(f, " %.3g s |\n", wall);
}

static void runs_table(FILE *f, json_t *pairs)
{
    fprintf(f, "\nEach run, at the end (after the last client, once the server settled):\n\n"
               "| run | status | clients | served | misserved (unserved / ended / wrong / not "
               "connected) | slowest echo | zombies | processes | threads | fds | maps | RSS | "
               "VmSize | wall |\n"
               "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    size_t i;
    json_t *pair;
    json_array_foreach(pairs, i, pair)
    {
        if (!text_of(pair, "pitfall"))
            continue;
        run_row(f, pair, json_object_get(pair, "pitfall_run"), true);
        run_row(f, pair, json_object_get(pair, "correct_run"), false);
    }
}

/* The pitfalls bench runs that this run lacks, named: "no-close, no-detach". */
static bool missing_pairs(json_t *pairs, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < NPITFALLS && at < len; k++) {
        bool seen = false;
        size_t i;
        json_t *pair;
        json_array_foreach(pairs, i, pair)
        {
            const char *p = text_of(pair, "pitfall");
            seen |= p && strcmp(p, pitfall_words[k].pitfall) == 0;
        }
        if (!seen)
            at += (size_t)snprintf(buf + at, len - at, "%s%s", at ? ", " : "",
                                   pitfall_words[k].pitfall);
    }
    return buf[0] != '\0';
}

void write_pitfalls_section(FILE *f, const struct results *r, json_t *sc,
                            const struct made_plot *made, size_t nmade)
{
    (void)r;
    const char *st = text_of(sc, "status");
    json_t *pairs = json_object_get(sc, "pairs");
    if (st && strcmp(st, "skipped") == 0) {
        fprintf(f, "\nThe scenario was skipped%s: no pair ran.\n",
                text_of(sc, "note") ? " (the note above says why)" : "");
        return;
    }
    if (st && strcmp(st, "done") != 0)
        fprintf(f,
                "\n**The scenario did not finish** (status `%s`): below are the pairs that ran, "
                "and a run cut short says so.\n",
                st);
    if (json_array_size(pairs) == 0) {
        fprintf(f, "\nNo pair ran: bench.json has no pairs for this scenario.\n");
        return;
    }
    double wave = jpath(json_object_get(sc, "settings"), "wave");
    double timeout = jpath(json_object_get(sc, "settings"), "reply_timeout_ms");
    if (!isnan(wave) && !isnan(timeout))
        fprintf(f,
                "\nClients came in waves of %.0f at once; a client with no echo within %.0f ms, "
                "its connection still open, counts as unserved.\n",
                wave, timeout);
    pairs_table(f, sc, pairs, made, nmade);
    fprintf(f, "\nA resource goes from its baseline (before the first client) to the end (after "
               "the last client, once the server settled): `+N a client` where it grows with "
               "the clients (from the first sample, after the first wave, to its peak; at least "
               "0.01 a client), `flat from about client N` where it stopped there and stayed; "
               "`in all` where it moved less; `none left` where it was back at its baseline at "
               "the end, with the most a reading saw on the way. The first "
               "failure is the first client not served (1-based) and the time since the first "
               "client; `fork failed`, `accept failed` and `pthread_create failed` mean the "
               "server ended that connection unserved, as the pitfall predicts it will once the "
               "limit binds (docs/servers.md).\n");
    runs_table(f, pairs);
    fprintf(f, "\nServed: its own line came back within the reply timeout or, counted `late`, "
               "within the second of grace at the end (a server slow, not wrong). Misserved: "
               "unserved (no echo, the connection still open: served by none), ended (the "
               "server ended the connection with no echo: refused, shed or closed under it), "
               "wrong (bytes that were not the client's line came back) and not connected "
               "(connect failed, on either side; bench.json's connect_errors has the errno). "
               "Slowest echo: the slowest served within the timeout. "
               "Zombies are children of the server in state Z; processes and threads those of "
               "its group (threads: live ones); fds, maps (its memory mappings, which "
               "vm.max_map_count limits) and VmSize the leader's own; RSS the group's.\n");
    char missing[128];
    if (missing_pairs(pairs, missing, sizeof(missing)))
        fprintf(f,
                "\nNot in this run: %s (its model was not among the run's models, was not built, "
                "or the scenario stopped first).\n",
                missing);
    fprintf(f, "\nThe pitfalls are made in this scenario alone: every other scenario runs each "
               "server's correct code (bench passes `--pitfall` nowhere else).");
    size_t i;
    json_t *pair;
    bool racy = false;
    json_array_foreach(pairs, i, pair)
    {
        const char *p = text_of(pair, "pitfall");
        racy |= p && strcmp(p, "racy-connfd") == 0;
    }
    if (racy)
        fprintf(f, " The race of `--pitfall racy-connfd` is widened on purpose: the new thread "
                   "waits 2 ms (`RACY_DELAY_NS` in servers/thread.c) before it reads the "
                   "descriptor through the shared variable, so that the race shows at this "
                   "scale; without the wait the window is a few microseconds and the bug seldom "
                   "shows.");
    fprintf(f, "\n");
}
