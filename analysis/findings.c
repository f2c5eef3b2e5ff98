/* The findings of report.md: each written from the data by a rule, with its figures,
 * and left out when they are missing. A point where a connection starved, or that did
 * not measure, is never ranked (rank.c); where loadgen was saturated, the ranking says
 * so. */
#include "analysis.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MODELS 32

/* A rival is apart from the leader only on the losing side: for throughput (higher is
 * better) its interval lies wholly below the leader's, for latency wholly above. A rival
 * whose interval lies on the winning side is no clear loser: the lead is not clear. */
static bool behind(const char *metric, double lo, double hi, double rival_lo, double rival_hi)
{
    return strcmp(metric, "throughput_rps") == 0 ? rival_hi < lo : rival_lo > hi;
}

/* How far a "highest" or "lowest" can be trusted: the comparable models whose interval is
 * not apart from the leader's on the losing side, or that there is no interval to tell.
 * On the raw figures, also at a point with a floor: dividing by the floor's trial adds
 * the floor's own noise, as a model and the floor run at different seconds of a round
 * (docs/analysis.md). Written into buf ("" when the lead is clear at 95% or more). */
static void lead(json_t *sc, const char **models, size_t nm, const char *label, const char *metric,
                 const char *leader, char *buf, size_t len)
{
    double lo, hi, l2, h2;
    char level[64];
    size_t at = 0;
    buf[0] = '\0';
    json_t *s =
        json_object_get(json_object_get(results_point(sc, leader, label), "summary"), metric);
    if (!summary_interval(s, &lo, &hi, NULL, NULL)) {
        snprintf(buf, len, " (from one trial: no interval to say how clear the lead is)");
        return;
    }
    interval_level_text(s, level, sizeof(level));
    for (size_t m = 0; m < nm; m++) {
        json_t *pt = results_point(sc, models[m], label);
        /* A model the ranking left out (starved, or not measured) is not a rival. */
        if (strcmp(models[m], leader) == 0 || !point_comparable(pt))
            continue;
        if (!point_interval(pt, metric, &l2, &h2) || behind(metric, lo, hi, l2, h2))
            continue;
        at += (size_t)snprintf(buf + at, len - at, "%s%s", at ? ", " : " (but the intervals of ",
                               model_title(models[m]));
        if (at >= len)
            break;
    }
    const char *side = strcmp(metric, "throughput_rps") == 0 ? "below" : "above";
    if (at > 0 && at < len)
        snprintf(buf + at, len - at, " do not lie wholly %s it: not a clear lead%s%s)", side,
                 level[0] ? "; " : "", level);
    else if (level[0] && at < len)
        snprintf(buf + at, len - at, " (every other's interval lies wholly %s the leader's; %s)",
                 side, level);
}

static const char *status(json_t *pt)
{
    return json_string_value(json_object_get(pt, "status"));
}

/* ---- findings ---- */

struct findings {
    FILE *f;
    int n;
};

void finding_line(FILE *f, int *n, const char *fmt, ...)
{
    va_list ap;
    fprintf(f, "- ");
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fprintf(f, "\n");
    (*n)++;
}

/* The lecture's lunch: the iterative server behind one idle client. */
static void find_lunch(struct findings *fd, json_t *sc, const char **models, size_t nm)
{
    char a[32], b[32];
    json_t *it1 = results_point(sc, "iterative", "1"), *it0 = results_point(sc, "iterative", "0");
    double r1 = point_median(it1, "throughput_rps"), r0 = point_median(it0, "throughput_rps");
    if (!isnan(r1) && !isnan(r0) && r1 < 0.01 * r0) {
        human(r1, a, sizeof(a));
        human(r0, b, sizeof(b));
        finding_line(
            fd->f, &fd->n,
            "echo-iterative served %s requests per second while 1 client was idle, against "
            "%s with none: behind one client out to lunch it serves nobody.",
            a, b);
    }
    /* The others, at the same point: those that kept their pace, and those that did
     * not. */
    char lost[512] = "";
    size_t at = 0;
    double worst = INFINITY;
    const char *worst_model = NULL;
    int kept = 0, compared = 0;
    for (size_t m = 0; m < nm; m++) {
        if (strcmp(models[m], "iterative") == 0)
            continue;
        json_t *p1 = results_point(sc, models[m], "1"), *p0 = results_point(sc, models[m], "0");
        double x1 = point_median(p1, "throughput_rps"), x0 = point_median(p0, "throughput_rps");
        if (isnan(x1) || isnan(x0) || x0 <= 0 || !point_comparable(p1) || !point_comparable(p0))
            continue; /* a starved point is not ranked (find_starved says where) */
        compared++;
        if (x1 >= 0.8 * x0) {
            kept++;
            if (x1 / x0 < worst) {
                worst = x1 / x0;
                worst_model = models[m];
            }
        } else if (at < sizeof(lost)) {
            /* Where the two points' intervals overlap, the loss may be noise: say so. */
            double lo0, hi0, lo1, hi1;
            bool unclear =
                point_interval(results_point(sc, models[m], "0"), "throughput_rps", &lo0, &hi0) &&
                point_interval(results_point(sc, models[m], "1"), "throughput_rps", &lo1, &hi1) &&
                hi1 >= lo0;
            at += (size_t)snprintf(lost + at, sizeof(lost) - at, "%s%s %.0f%%%s", at ? ", " : "",
                                   model_title(models[m]), 100 * x1 / x0,
                                   unclear ? " (its intervals overlap: not a clear loss)" : "");
        }
    }
    if (kept > 0 && kept == compared)
        finding_line(fd->f, &fd->n,
                     "Every other model kept at least 80%% of its throughput with one idle client "
                     "(the least, %s, %.0f%%).",
                     model_title(worst_model), worst * 100);
    else if (kept > 0)
        finding_line(
            fd->f, &fd->n,
            "%d of the %d other models kept at least 80%% of their throughput with one idle "
            "client (the least of them, %s, %.0f%%).",
            kept, compared, model_title(worst_model), worst * 100);
    if (kept < compared)
        finding_line(fd->f, &fd->n,
                     "With one idle client, less than 80%% of the throughput with none: %s.", lost);
}

/* Any model that idle clients stopped dead: under 1% of its throughput without them. */
static void find_stopped(struct findings *fd, json_t *sc, const char **models, size_t nm)
{
    char l[32][32], a[32];
    int nl = scenario_labels(sc, l, 32);
    for (size_t m = 0; m < nm; m++) {
        double x0 = point_median(results_point(sc, models[m], "0"), "throughput_rps");
        if (!(x0 > 0) || strcmp(models[m], "iterative") == 0)
            continue; /* iterative's lunch is its own finding */
        for (int k = 0; k < nl; k++) {
            json_t *pt = results_point(sc, models[m], l[k]);
            double x = point_median(pt, "throughput_rps"), rejected = point_median(pt, "rejected");
            if (strcmp(l[k], "0") == 0 || !(x < 0.01 * x0))
                continue;
            human(x, a, sizeof(a));
            if (rejected > 0)
                finding_line(
                    fd->f, &fd->n,
                    "%s served %s requests per second to 16 active clients with %s idle "
                    "ones connected first: it refused %.0f connections it had no room for, "
                    "the active clients' among them.",
                    model_title(models[m]), a, l[k], rejected);
            else
                finding_line(fd->f, &fd->n,
                             "%s served %s requests per second to 16 active clients with %s idle "
                             "ones connected first: the idle clients held every one of its flows.",
                             model_title(models[m]), a, l[k]);
            break;
        }
    }
}

/* Memory per connection: the headline is the slope between the two largest idle
 * points each model measured (what one more connection costs), ranked over the models
 * that held every connection at both; the average at the largest point with its
 * divisor; the caps; echo-select's refusals. */
static void find_memory(struct findings *fd, json_t *sc, const char **models, size_t nm)
{
    char l[32][32], line[1024], avg[1024], v[32], held[32];
    int nl = scenario_labels(sc, l, 32);
    size_t at = 0, at_avg = 0;
    int shown = 0;
    if (nl == 0)
        return;
    const char *largest = l[nl - 1];
    for (size_t m = 0; m < nm; m++) {
        json_t *pt = results_point(sc, models[m], largest), *prev = point_slope_base(sc, pt);
        double bytes = point_marginal_bytes(sc, pt);
        if (!prev || isnan(bytes) || point_starved(pt) > 0 || point_starved(prev) > 0)
            continue;
        human(bytes, v, sizeof(v));
        at += (size_t)snprintf(line + at, sizeof(line) - at, "%s%s %s bytes (from %s)",
                               shown ? ", " : "", model_title(models[m]), v,
                               json_string_value(json_object_get(prev, "label")));
        double mean = point_median(pt, "memory_per_connection_bytes");
        human(point_held(pt), held, sizeof(held));
        human(mean, v, sizeof(v));
        at_avg += (size_t)snprintf(avg + at_avg, sizeof(avg) - at_avg, "%s%s %s ÷ %s",
                                   shown ? ", " : "", model_title(models[m]), v, held);
        shown++;
        if (at >= sizeof(line) || at_avg >= sizeof(avg))
            break;
    }
    if (shown > 0) {
        finding_line(fd->f, &fd->n,
                     "Memory per added connection, up to %s idle client%s (the growth of the "
                     "server's proportional anonymous memory from the point before, over the "
                     "connections it added): %s.",
                     largest, strcmp(largest, "1") == 0 ? "" : "s", line);
        finding_line(fd->f, &fd->n,
                     "The average at %s idle clients, the whole growth over the baseline ÷ the "
                     "connections held, fixed costs included: %s bytes.",
                     largest, avg);
    }
    for (size_t m = 0; m < nm; m++) {
        json_t *pt = results_point(sc, models[m], largest);
        if (pt && strcmp(status(pt), "capped") == 0)
            finding_line(fd->f, &fd->n, "%s was not run with %s idle clients: %s",
                         model_title(models[m]), largest,
                         json_string_value(json_object_get(pt, "note")));
        else if (point_measured(pt) && point_refused(pt))
            finding_line(fd->f, &fd->n,
                         "%s held %.0f of the %.0f connections with %s idle clients: its memory "
                         "is not ranked there, as it paid for fewer.",
                         model_title(models[m]), point_held(pt),
                         jpath(pt, "connections") + jpath(pt, "idle"), largest);
    }
    for (int k = 0; k < nl; k++) {
        double rejected = point_median(results_point(sc, "select", l[k]), "rejected");
        if (rejected > 0) {
            finding_line(fd->f, &fd->n,
                         "echo-select refused %.0f connections with %s idle clients: descriptors "
                         "past FD_SETSIZE (1024) cannot be watched with select.",
                         rejected, l[k]);
            break;
        }
    }
}

/* The models ranked at a point whose trials had loadgen saturated, in words (""
 * when none): there loadgen, not the server, may have set the pace. */
static void saturated_note(json_t *sc, const char **models, size_t nm, const char *label, char *buf,
                           size_t len)
{
    size_t at = 0;
    buf[0] = '\0';
    for (size_t m = 0; m < nm && at < len; m++) {
        json_t *pt = results_point(sc, models[m], label);
        unsigned sat = point_saturated(pt);
        if (!point_comparable(pt) || sat == 0)
            continue;
        at += (size_t)snprintf(buf + at, len - at, "%s%s in %u of %u", at ? ", " : "",
                               model_title(models[m]), sat, point_trials(pt));
    }
    if (at > 0 && at < len)
        snprintf(buf + at, len - at, " trials");
}

/* The most connections: who served most, and fastest, of the comparable points. */
static void find_concurrency(struct findings *fd, json_t *sc, const char **models, size_t nm)
{
    char l[32][32], a[32];
    int nl = scenario_labels(sc, l, 32);
    if (nl == 0)
        return;
    const char *top = l[nl - 1];
    const char *best = NULL, *fastest = NULL;
    double best_rps = -1, best_p99 = INFINITY;
    for (size_t m = 0; m < nm; m++) {
        json_t *pt = results_point(sc, models[m], top);
        if (!point_comparable(pt))
            continue;
        double rps = point_median(pt, "throughput_rps"), p99 = point_median(pt, "p99_us");
        if (!isnan(rps) && rps > best_rps) {
            best_rps = rps;
            best = models[m];
        }
        if (!isnan(p99) && p99 < best_p99) {
            best_p99 = p99;
            fastest = models[m];
        }
    }
    char why[512], sat[512];
    saturated_note(sc, models, nm, top, sat, sizeof(sat));
    if (best) {
        human(best_rps, a, sizeof(a));
        lead(sc, models, nm, top, "throughput_rps", best, why, sizeof(why));
        finding_line(fd->f, &fd->n,
                     "At %s connections, %s had the highest median throughput (%s requests per "
                     "second) of the models that served every connection%s.",
                     top, model_title(best), a, why);
    }
    if (fastest) {
        human(best_p99, a, sizeof(a));
        lead(sc, models, nm, top, "p99_us", fastest, why, sizeof(why));
        finding_line(fd->f, &fd->n,
                     "At %s connections, %s had the lowest median p99 latency (%s µs) of the "
                     "models that served every connection%s.",
                     top, model_title(fastest), a, why);
    }
    if ((best || fastest) && sat[0])
        finding_line(fd->f, &fd->n,
                     "Loadgen (a thread, a pinned CPU or the whole process) was saturated at %s "
                     "connections for %s: there loadgen, "
                     "not the server, may have set the pace, and the ranking above may not be the "
                     "servers'.",
                     top, sat);
}

/* Every point of a scenario where a connection starved, per model: those points are
 * marked and never ranked, and the findings say where they are. */
static void find_starved(struct findings *fd, json_t *sc, const char *scenario, const char **models,
                         size_t nm)
{
    char l[32][32], line[1536];
    int nl = scenario_labels(sc, l, 32);
    const char *x_label = json_string_value(json_object_get(sc, "x_label"));
    size_t at = 0;
    for (size_t m = 0; m < nm && at < sizeof(line); m++) {
        bool named = false;
        for (int k = 0; k < nl && at < sizeof(line); k++) {
            json_t *pt = results_point(sc, models[m], l[k]);
            double starved = point_starved(pt);
            if (!point_measured(pt) || !(starved > 0))
                continue;
            at += (size_t)snprintf(line + at, sizeof(line) - at, "%s%s%s %s (%.0f of %.0f)",
                                   named ? ","
                                   : at  ? "; "
                                         : "",
                                   named ? "" : model_title(models[m]), named ? "" : " at", l[k],
                                   starved, jpath(pt, "connections"));
            named = true;
        }
    }
    if (at > 0 && at < sizeof(line))
        finding_line(
            fd->f, &fd->n,
            "Starved connections (no echo in the window) in the %s scenario, by point (%s; "
            "starved of the active connections): %s. "
            "Each such point adds one censored sample per starved connection (its wait "
            "when the window closed), so its latency mixes the few requests served with "
            "the starved connections' censored waits: it is marked in the tables and plots "
            "and ranked nowhere.",
            scenario, x_label ? x_label : "point", line);
}

/* Every point of a scenario where requests were abandoned (lost with a connection that
 * failed or timed out): its percentiles are over the requests that survived. */
static void find_abandoned(struct findings *fd, json_t *sc, const char *scenario,
                           const char **models, size_t nm)
{
    char l[32][32], line[1536];
    int nl = scenario_labels(sc, l, 32);
    size_t at = 0;
    for (size_t m = 0; m < nm && at < sizeof(line); m++) {
        bool named = false;
        for (int k = 0; k < nl && at < sizeof(line); k++) {
            json_t *pt = results_point(sc, models[m], l[k]);
            double abandoned = point_abandoned(pt);
            if (!point_measured(pt) || !(abandoned > 0))
                continue;
            at += (size_t)snprintf(line + at, sizeof(line) - at, "%s%s%s %s (%.0f)",
                                   named ? ","
                                   : at  ? "; "
                                         : "",
                                   named ? "" : model_title(models[m]), named ? "" : " at", l[k],
                                   abandoned);
            named = true;
        }
    }
    if (at > 0 && at < sizeof(line))
        finding_line(
            fd->f, &fd->n,
            "Requests abandoned (lost with a connection that failed or timed out; the most "
            "in a trial) in the %s scenario: %s. Their latency is in no percentile: those "
            "points' latency is over the requests that survived, marked \"abandoned\" in "
            "the latency tables.",
            scenario, line);
}

static void find_churn(struct findings *fd, json_t *sc)
{
    char l[32][32], a[32], b[32];
    if (scenario_labels(sc, l, 32) == 0)
        return;
    double thread = point_median(results_point(sc, "thread", l[0]), "throughput_rps");
    double process = point_median(results_point(sc, "process", l[0]), "throughput_rps");
    if (thread > 0 && process > 0) {
        human(thread, a, sizeof(a));
        human(process, b, sizeof(b));
        finding_line(
            fd->f, &fd->n,
            "With a connection per request, echo-thread made %s connections per second and "
            "echo-process %s: %.1fx.",
            a, b, thread / process);
    }
}

static void find_service(struct findings *fd, json_t *sc, const char **models, size_t nm)
{
    char line[1024];
    size_t at = 0;
    int shown = 0;
    for (size_t m = 0; m < nm; m++) {
        double r = point_median(results_point(sc, models[m], "sleep_1ms"), "throughput_rps");
        if (isnan(r))
            continue;
        char v[32], mark[48] = "";
        human(r, v, sizeof(v));
        double starved = point_starved(results_point(sc, models[m], "sleep_1ms"));
        if (starved > 0)
            snprintf(mark, sizeof(mark), " (%.0f starved: not comparable)", starved);
        at += (size_t)snprintf(line + at, sizeof(line) - at, "%s%s %s%s", shown ? ", " : "",
                               model_title(models[m]), v, mark);
        shown++;
    }
    if (shown == 0)
        return;
    finding_line(fd->f, &fd->n,
                 "With 1 ms of blocking per line (64 connections), requests per second: %s.", line);
    /* The reason, where the data shows it: a flow of control that sleeps 1 ms a line
     * serves at most about 1000 lines a second, whatever the connections. */
    const char *slow[MAX_MODELS];
    size_t ns = 0;
    for (size_t m = 0; m < nm && ns < 16; m++) {
        double r = point_median(results_point(sc, models[m], "sleep_1ms"), "throughput_rps");
        if (r > 0 && r < 1100)
            slow[ns++] = models[m];
    }
    if (ns == 0)
        return;
    char names[512];
    size_t n = 0;
    for (size_t i = 0; i < ns && n < sizeof(names); i++)
        n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s",
                              i == 0        ? ""
                              : i + 1 == ns ? " and "
                                            : ", ",
                              model_title(slow[i]));
    finding_line(fd->f, &fd->n,
                 "%s stayed under 1,100 requests per second there: %s every client while a "
                 "line sleeps, so 1 ms a line allows at most 1,000 a second.",
                 names,
                 ns == 1
                     ? "its one flow of control (an event loop, or one client at a time) blocks"
                     : "each serves from one flow of control here (an event loop, or one client at "
                       "a time), which blocks");
}

static void find_creation(struct findings *fd, json_t *sc)
{
    json_t *result = json_object_get(sc, "result");
    double fork_ns = jpath(result, "primitives.fork.ns.median");
    double thread_ns = jpath(result, "primitives.pthread.ns.median");
    double fork_c = jpath(result, "primitives.fork.cycles.median");
    double thread_c = jpath(result, "primitives.pthread.cycles.median");
    if (fork_ns > 0 && thread_ns > 0) {
        if (fork_c > 0 && thread_c > 0)
            finding_line(fd->f, &fd->n,
                         "fork + waitpid costs %.1fx pthread_create + join here (%.0fK against "
                         "%.0fK reference cycles; %.1f against %.1f µs); the lecture says 2x (20K "
                         "against 10K).",
                         fork_ns / thread_ns, fork_c / 1000, thread_c / 1000, fork_ns / 1000,
                         thread_ns / 1000);
        else
            finding_line(fd->f, &fd->n,
                         "fork + waitpid costs %.1fx pthread_create + join here (%.1f against %.1f "
                         "µs); the lecture says 2x.",
                         fork_ns / thread_ns, fork_ns / 1000, thread_ns / 1000);
    }
    json_t *rows = json_object_get(result, "fork_vs_rss");
    size_t n = json_array_size(rows);
    if (n >= 2) {
        json_t *first = json_array_get(rows, 0), *last = json_array_get(rows, n - 1);
        double f0 = jpath(first, "fork_ns_median"), f1 = jpath(last, "fork_ns_median");
        double t0 = jpath(first, "pthread_ns_median"), t1 = jpath(last, "pthread_ns_median");
        if (f0 > 0 && f1 > 0 && t0 > 0 && t1 > 0)
            finding_line(fd->f, &fd->n,
                         "From a parent with %.0f MiB resident, fork took %.1fx as long as from "
                         "%.0f MiB (%.0f against %.0f µs); pthread_create + join %.1fx.",
                         jpath(last, "rss_mib"), f1 / f0, jpath(first, "rss_mib"), f1 / 1000,
                         f0 / 1000, t1 / t0);
    }
}

void write_findings(FILE *f, const struct results *r, const char **models, size_t nm)
{
    struct findings fd = {.f = f};
    json_t *sc;
    if ((sc = results_scenario(r, "idle")))
        find_lunch(&fd, sc, models, nm);
    if ((sc = results_scenario(r, "concurrency")))
        find_concurrency(&fd, sc, models, nm);
    if ((sc = results_scenario(r, "idle"))) {
        find_stopped(&fd, sc, models, nm);
        find_memory(&fd, sc, models, nm);
    }
    fd.n += write_load_findings(f, r, models, nm);
    if ((sc = results_scenario(r, "churn")))
        find_churn(&fd, sc);
    if ((sc = results_scenario(r, "service")))
        find_service(&fd, sc, models, nm);
    if ((sc = results_scenario(r, "creation")))
        find_creation(&fd, sc);
    static const char *starving[] = {"concurrency", "load",  "slow", "idle",
                                     "service",     "churn", "cores"};
    for (size_t i = 0; i < sizeof(starving) / sizeof(starving[0]); i++)
        if ((sc = results_scenario(r, starving[i])))
            find_starved(&fd, sc, starving[i], models, nm);
    for (size_t i = 0; i < sizeof(starving) / sizeof(starving[0]); i++)
        if ((sc = results_scenario(r, starving[i])))
            find_abandoned(&fd, sc, starving[i], models, nm);
    fd.n += write_quality_findings(f, r);
    if (fd.n == 0)
        fprintf(f, "This run measured too little for findings.\n");
}
