/* The open-loop sweeps. load: latency against offered load at a fixed number of
 * connections, the same rates for every model. slow: one load over more and more
 * connections, like clients far away. Both take their rates from each model's
 * closed-loop capacity at the load sweep's connections, measured in the same run: the
 * concurrency scenario's figure where it has that point, a probe of its own otherwise. */
#include "suite.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Shares of the largest capacity, in percent: denser near the top, where the knees
 * are. */
/* (60% went to make room for the floor and the planner's added trials within 20
 * minutes.) */
static const unsigned full_shares[] = {5, 10, 20, 50, 70, 80, 90, 100, 110};
static const unsigned quick_shares[] = {10, 50, 80, 100};
#define NFULL  (sizeof(full_shares) / sizeof(full_shares[0]))
#define NQUICK (sizeof(quick_shares) / sizeof(quick_shares[0]))

#define MAX_RATE       10000000 /* requests per second loadgen is ever asked for */
#define MAX_SHARE      500      /* percent of the capacity */
#define MIN_REQUESTS   1000     /* in a window, for a p99.9 to rest on one request at least */
#define SLOW_SHARE     0.5      /* the slow sweep's load: this share of the smallest capacity */
#define SERVER_BUSY    0.8      /* a server this busy that fell behind was the limit */
#define PRIME_PER_CONN (400 * NS_PER_US) /* what priming may take per connection, at most */

/* A number in an object; NaN where missing. */
static double num(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static void open_point(const struct bench_opts *o, struct point *p, unsigned conns)
{
    base_point(o, p, conns, 0, true);
    p->prime_ns = 2 * NS_PER_S + conns * PRIME_PER_CONN;
    /* Past a thousand connections a server that makes a flow per connection takes
     * seconds to make them all, and the last ones' connects and primes wait in its
     * listen queue meanwhile: loadgen's timeout (2 s) grows with them, as priming may. */
    if (conns > 1000) {
        point_arg(p->loadgen_args, &p->nloadgen_args, "--timeout");
        point_arg(p->loadgen_args, &p->nloadgen_args, "%.1fs", (double)p->prime_ns / 1e9);
    }
}

int load_points(const struct bench_opts *o, struct point *p)
{
    const char *over = points_override(o, "load");
    int n = 0;
    if (!over) {
        for (; n < (int)(o->quick ? NQUICK : NFULL); n++) {
            open_point(o, &p[n], o->load_connections);
            p[n].fraction = (o->quick ? quick_shares[n] : full_shares[n]) / 100.0;
            snprintf(p[n].label, sizeof(p[n].label), "%u%%",
                     o->quick ? quick_shares[n] : full_shares[n]);
        }
        return n;
    }
    for (const char *c = over; *c; n++) {
        char *end;
        errno = 0;
        long v = strtol(c, &end, 10);
        bool share = *end == '%';
        if (share)
            end++;
        if (end == c || errno || n == MAX_POINTS || (*end != ',' && *end != '\0') || v < 1 ||
            v > (share ? MAX_SHARE : MAX_RATE)) {
            fprintf(stderr,
                    "bench: --points load= takes up to %d rates, as shares of the largest "
                    "capacity (1%% to %d%%, such as 10%%,50%%,90%%) or in requests per second "
                    "(1 to %d, such as 5000,20000); not '%s'\n",
                    MAX_POINTS, MAX_SHARE, MAX_RATE, over);
            return -1;
        }
        open_point(o, &p[n], o->load_connections);
        if (share) {
            p[n].fraction = v / 100.0;
            snprintf(p[n].label, sizeof(p[n].label), "%ld%%", v);
        } else {
            p[n].rate_rps = (double)v;
            p[n].x = (double)v;
            snprintf(p[n].label, sizeof(p[n].label), "%ld", v);
        }
        c = *end ? end + 1 : end;
    }
    return n;
}

int slow_points(const struct bench_opts *o, struct point *p)
{
    static const unsigned full[] = {16, 1000, 10000}, quick[] = {16, 1000};
    unsigned v[MAX_POINTS];
    const char *over = points_override(o, "slow");
    int n = over ? number_list("slow", over, v, 1, 100000) : o->quick ? 2 : 3;
    for (int i = 0; i < n; i++) {
        unsigned c = over ? v[i] : o->quick ? quick[i] : full[i];
        open_point(o, &p[i], c);
        snprintf(p[i].label, sizeof(p[i].label), "%u", c);
        p[i].x = c;
    }
    return n;
}

/* The median of a trials' resources figure (ok and hung trials); NaN when none. */
static double median_of(json_t *trials, const char *key)
{
    double v[MAX_TRIALS];
    unsigned n = 0;
    size_t i;
    json_t *t;
    json_array_foreach(trials, i, t)
    {
        const char *status = json_string_value(json_object_get(t, "status"));
        double x = num(json_object_get(t, "resources"), key);
        if (status && (strcmp(status, "ok") == 0 || strcmp(status, "hung") == 0) && !isnan(x) &&
            n < MAX_TRIALS)
            v[n++] = x;
    }
    struct summary sum;
    summarize(v, n, &sum);
    return n ? sum.median : NAN;
}

/* The concurrency scenario's point at the load sweep's connections, if it ran one. */
static bool concurrency_has(const struct point *conc, int nconc, unsigned conns)
{
    for (int k = 0; k < nconc; k++)
        if (conc[k].connections == conns && conc[k].idle == 0)
            return true;
    return false;
}

unsigned load_probe_runs(const struct suite *s, const struct point *conc, int nconc)
{
    return concurrency_has(conc, nconc, s->o->load_connections) ? 0 : s->o->nmodels;
}

/* The most connections starved in any trial of a point that measured; NaN when none. */
static double most_starved(json_t *pt)
{
    double most = NAN;
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(pt, "trials"), i, t)
    {
        json_t *v = json_object_get(t, "starved");
        if (json_is_number(v) && (isnan(most) || json_number_value(v) > most))
            most = json_number_value(v);
    }
    return most;
}

/* Takes the capacities from the points of a scenario's JSON at conns connections (the
 * concurrency scenario's, or the probe's) for the models still without one. */
static void take_capacities(struct suite *s, json_t *points, const char *source, json_t *models)
{
    const struct bench_opts *o = s->o;
    size_t i;
    json_t *pt;
    json_array_foreach(points, i, pt)
    {
        const char *status = json_string_value(json_object_get(pt, "status"));
        if (json_integer_value(json_object_get(pt, "connections")) != o->load_connections ||
            json_integer_value(json_object_get(pt, "idle")) != 0 || !status ||
            (strcmp(status, "ok") != 0 && strcmp(status, "partial") != 0))
            continue;
        json_t *med = json_object_get(
            json_object_get(json_object_get(pt, "summary"), "throughput_rps"), "median");
        const char *model = json_string_value(json_object_get(pt, "model"));
        for (unsigned m = 0; m < o->nmodels && json_is_number(med); m++) {
            if (strcmp(o->models[m], model) != 0 || !isnan(s->cap.rps[m]))
                continue;
            s->cap.rps[m] = json_number_value(med);
            s->cap.starved[m] = most_starved(pt);
            json_object_set_new(
                models, model,
                json_pack("{s:f,s:o,s:s,s:O,s:i}", "rps", s->cap.rps[m], "starved",
                          isnan(s->cap.starved[m]) ? json_null() : json_real(s->cap.starved[m]),
                          "source", source, "loadgen_saturated_trials",
                          json_object_get(pt, "loadgen_saturated_trials"), "trials",
                          (int)json_array_size(json_object_get(pt, "trials"))));
        }
    }
}

/* Named "probe", not "capacity": its raw files must not clash with the capacity
 * scenario's. */
static const struct scenario probe_scenario = {
    "probe", "Capacity probe", "connections",
    "Closed loop at the load sweep's connections: the capacities its rates are shares of.", NULL};

/* Looks the capacities up in this run's concurrency scenario, and probes the models it
 * has none for: one closed-loop trial each at the load sweep's connections. */
static int capacity_ensure(struct suite *s)
{
    const struct bench_opts *o = s->o;
    if (s->cap.known)
        return 0;
    s->cap.known = true;
    for (unsigned m = 0; m < MAX_MODELS; m++)
        s->cap.rps[m] = s->cap.starved[m] = NAN;
    json_t *models = json_object(), *probe = json_array();
    s->cap.json = json_pack("{s:i,s:o,s:o}", "connections", (int)o->load_connections, "models",
                            models, "probe_points", probe);
    size_t i;
    json_t *sc;
    json_array_foreach(s->scenarios, i, sc)
    {
        if (strcmp(json_string_value(json_object_get(sc, "name")), "concurrency") == 0)
            take_capacities(s, json_object_get(sc, "points"), "concurrency", models);
    }
    static bool only[MAX_MODELS];
    bool any = false;
    for (unsigned m = 0; m < o->nmodels; m++)
        any |= only[m] = isnan(s->cap.rps[m]) && !s->unavailable[m];
    if (any && !bench_interrupted) {
        struct point p;
        base_point(o, &p, o->load_connections, 0, true);
        snprintf(p.label, sizeof(p.label), "%u", o->load_connections);
        p.x = o->load_connections;
        p.trials = 1;
        p.only = only;
        if (run_point(s, &probe_scenario, &p, probe) < 0)
            return -1;
        take_capacities(s, probe, "probe", models);
    }
    int top = -1;
    for (unsigned m = 0; m < o->nmodels; m++)
        if (!isnan(s->cap.rps[m]) && (top < 0 || s->cap.rps[m] > s->cap.rps[top]))
            top = (int)m;
    json_object_set_new(s->cap.json, "rps", top >= 0 ? json_real(s->cap.rps[top]) : json_null());
    json_object_set_new(s->cap.json, "model", top >= 0 ? json_string(o->models[top]) : json_null());
    return 0;
}

static int by_rate(const void *a, const void *b)
{
    double x = ((const struct point *)a)->rate_rps, y = ((const struct point *)b)->rate_rps;
    return (x > y) - (x < y);
}

static void warn(const struct suite *s, json_t *scj, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A warning in the scenario's JSON, and on stderr. */
static void warn(const struct suite *s, json_t *scj, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    json_array_append_new(json_object_get(scj, "warnings"), json_string(buf));
    fprintf(stderr, "%sbench: warning: %s\n", s->o->progress ? "\r\033[K" : "", buf);
}

/* Gives every point its rate: loadgen's -R, Poisson arrivals (the seed is the trial's,
 * build_spec). */
static void set_rate(struct point *p, double rate)
{
    p->rate_rps = rate;
    point_arg(p->loadgen_args, &p->nloadgen_args, "-R");
    point_arg(p->loadgen_args, &p->nloadgen_args, "%.0f", rate);
    point_arg(p->loadgen_args, &p->nloadgen_args, "--arrivals");
    point_arg(p->loadgen_args, &p->nloadgen_args, "poisson");
}

static int skip_scenario(struct suite *s, json_t *scj, const char *why)
{
    json_object_set_new(scj, "status", json_string("skipped"));
    json_object_set_new(scj, "note", json_string(why));
    return write_bench(s) < 0 ? -1 : 0;
}

int load_begin(struct suite *s, const char *scenario, struct point *p, int n, json_t *scj)
{
    const struct bench_opts *o = s->o;
    bool load = strcmp(scenario, "load") == 0;
    json_object_set_new(scj, "warnings", json_array());
    bool need = !load;
    for (int k = 0; k < n; k++)
        need |= p[k].fraction > 0;
    if (need && capacity_ensure(s) < 0)
        return -1;
    if (s->cap.json)
        json_object_set(scj, "capacity", s->cap.json);
    json_object_set_new(scj, "connections", json_integer(o->load_connections));
    if (bench_interrupted)
        return 0;
    char why[512];
    if (load) {
        double top = num(s->cap.json, "rps");
        if (need && isnan(top)) {
            snprintf(why, sizeof(why),
                     "skipped: no model's closed-loop capacity was measured at %u connections, "
                     "and the rates are shares of the largest",
                     o->load_connections);
            return skip_scenario(s, scj, why);
        }
        /* C from a run where loadgen was saturated is loadgen's ceiling as much as the
         * server's: the grid is shares of that, and says so. */
        const char *cm = json_string_value(json_object_get(s->cap.json, "model"));
        json_t *top_model = cm ? json_object_get(json_object_get(s->cap.json, "models"), cm) : NULL;
        double sat = num(top_model, "loadgen_saturated_trials");
        if (need && sat > 0)
            warn(s, scj,
                 "C, %.0f requests/s (%s at %u connections, closed loop), was measured with "
                 "loadgen saturated in %.0f of %.0f trials: it is loadgen's ceiling as much as "
                 "the server's, so the shares are of that, and the top rates may be past what "
                 "loadgen can generate in the open loop",
                 top, cm, o->load_connections, sat, num(top_model, "trials"));
        for (int k = 0; k < n; k++)
            if (p[k].fraction > 0) {
                double rate = fmax(1, round(p[k].fraction * top));
                set_rate(&p[k], rate);
                p[k].x = rate;
            } else {
                double rate = p[k].rate_rps;
                p[k].rate_rps = 0;
                set_rate(&p[k], rate);
            }
        qsort(p, (size_t)n, sizeof(*p), by_rate);
        for (int k = 1; k < n; k++)
            if (p[k].rate_rps == p[k - 1].rate_rps) {
                warn(s, scj, "%s and %s are both %.0f requests/s: %s is run once", p[k - 1].label,
                     p[k].label, p[k].rate_rps, p[k - 1].label);
                memmove(&p[k], &p[k + 1], (size_t)(n - k - 1) * sizeof(*p));
                n--;
                k--;
            }
        double window = (double)o->duration_ns / 1e9;
        for (int k = 0; k < n; k++)
            if (p[k].rate_rps * window < MIN_REQUESTS)
                warn(s, scj,
                     "at %s (%.0f requests/s) a %.3g s window holds about %.0f requests, so its "
                     "p99.9 rests on the slowest %.1f of them; a longer --duration or a higher "
                     "rate measures it",
                     p[k].label, p[k].rate_rps, window, p[k].rate_rps * window,
                     p[k].rate_rps * window / 1000);
        return n;
    }
    /* slow: half the smallest capacity among the models that served every connection. */
    int low = -1;
    for (unsigned m = 0; m < o->nmodels; m++) {
        if (isnan(s->cap.rps[m]))
            continue;
        if (s->cap.starved[m] > 0) {
            snprintf(s->slow_skip_why[m], sizeof(s->slow_skip_why[m]),
                     "skipped: at %u connections in a closed loop it left %.0f of them without an "
                     "echo; a sweep that spreads one load over more connections measures "
                     "nothing of it",
                     o->load_connections, s->cap.starved[m]);
            continue;
        }
        if (low < 0 || s->cap.rps[m] < s->cap.rps[low])
            low = (int)m;
    }
    if (low < 0) {
        snprintf(why, sizeof(why),
                 "skipped: no model served every one of %u connections in a closed loop, and "
                 "the load is half the smallest capacity among those that did",
                 o->load_connections);
        return skip_scenario(s, scj, why);
    }
    double rate = fmax(1, round(SLOW_SHARE * s->cap.rps[low]));
    char cap[32];
    snprintf(cap, sizeof(cap), "%.0f", s->cap.rps[low]);
    snprintf(why, sizeof(why),
             "half of %s requests/s, the smallest closed-loop capacity at %u connections among "
             "the models that served every connection (%s)",
             cap, o->load_connections, o->models[low]);
    json_object_set_new(scj, "rate_rps", json_real(rate));
    json_object_set_new(scj, "rate_basis", json_string(why));
    for (int k = 0; k < n; k++)
        set_rate(&p[k], rate);
    return n;
}

void load_after_point(struct suite *s, const struct point *p, json_t *scj)
{
    const struct bench_opts *o = s->o;
    json_t *points = json_object_get(scj, "points");
    unsigned ran = 0, saturated = 0;
    /* This point's records are the last, one a model and the floor's: the floor is the
     * machine's reference, and counts toward neither stop. */
    for (size_t i = json_array_size(points); i-- > 0;) {
        json_t *pt = json_array_get(points, i);
        const char *model = json_string_value(json_object_get(pt, "model"));
        if (strcmp(json_string_value(json_object_get(pt, "label")), p->label) != 0)
            break;
        if (json_is_true(json_object_get(pt, "reference")))
            continue;
        const char *status = json_string_value(json_object_get(pt, "status"));
        ran += json_array_size(json_object_get(pt, "trials")) > 0;
        saturated += json_array_size(json_object_get(pt, "trials")) > 0 &&
                     json_integer_value(json_object_get(pt, "loadgen_saturated_trials")) ==
                         (json_int_t)json_array_size(json_object_get(pt, "trials"));
        double ratio =
            num(json_object_get(json_object_get(pt, "summary"), "achieved_ratio"), "median");
        /* Under the offered rate is the server's doing when it was busy, or left
         * connections without an echo; otherwise (its CPUs mostly idle) loadgen or the
         * machine may have held the load back, and the rate does not count. */
        double busy = median_of(json_object_get(pt, "trials"), "server_cpu_util");
        double starved = most_starved(pt);
        char why[96];
        if (starved > 0)
            snprintf(why, sizeof(why), "%.0f connections starved", starved);
        else if (busy >= SERVER_BUSY)
            snprintf(why, sizeof(why), "its CPUs %.0f%% busy", 100 * busy);
        else
            why[0] = '\0';
        bool under = !isnan(ratio) && ratio < LOAD_UNDER;
        if (under)
            json_object_set_new(
                pt, "under_why",
                json_string(why[0] ? why
                                   : "unclear: its CPUs were mostly idle and nothing starved, so "
                                     "loadgen or the machine may have held the load back; not "
                                     "counted toward the early stop"));
        for (unsigned m = 0; m < o->nmodels; m++) {
            if (strcmp(o->models[m], model) != 0 || s->saturated_why[m][0])
                continue;
            /* A point that measured nothing neither counts nor breaks a run of misses,
             * nor does a miss whose cause is unclear. */
            if ((strcmp(status, "ok") != 0 && strcmp(status, "partial") != 0) || (under && !why[0]))
                continue;
            if (!under) {
                s->under_in_a_row[m] = 0;
            } else if (++s->under_in_a_row[m] >= 2) {
                char prev[32], prev_why[96];
                snprintf(prev, sizeof(prev), "%s", s->last_label[m]);
                snprintf(prev_why, sizeof(prev_why), "%s", s->last_why[m]);
                snprintf(s->saturated_why[m], sizeof(s->saturated_why[m]),
                         "saturated: it achieved %.0f%% of the offered rate at %s (%s) and %.0f%% "
                         "at %s (%s), under %.0f%% twice in a row; higher rates are not run",
                         100 * s->last_ratio[m], prev, prev_why, 100 * ratio, p->label, why,
                         100 * LOAD_UNDER);
            }
            s->last_ratio[m] = ratio;
            snprintf(s->last_label[m], sizeof(s->last_label[m]), "%s", p->label);
            snprintf(s->last_why[m], sizeof(s->last_why[m]), "%s", why);
        }
    }
    if (ran > 0 && saturated == ran) {
        warn(s, scj,
             "at %s (%.0f requests/s) loadgen was saturated in every trial of every model: the "
             "grid goes past what loadgen can generate here, and these points rank nothing (more "
             "client CPUs, --threads, or a lower rate)",
             p->label, p->rate_rps);
        /* The second such rate ends the sweep for every model: higher rates are further
         * past what loadgen can generate, and would measure only it. */
        if (s->past_loadgen_at[0]) {
            snprintf(s->past_loadgen_why, sizeof(s->past_loadgen_why),
                     "skipped: past what loadgen can generate here; at %s and %s it was "
                     "saturated in every trial of every model",
                     s->past_loadgen_at, p->label);
            warn(s, scj, "the rates above %s are not run: %s", p->label,
                 s->past_loadgen_why + strlen("skipped: "));
        } else {
            snprintf(s->past_loadgen_at, sizeof(s->past_loadgen_at), "%s", p->label);
        }
    }
}

bool load_model_runs(const struct suite *s, const char *scenario, unsigned m, char *why, size_t len)
{
    const char *w = "";
    if (strcmp(scenario, "slow") == 0)
        w = s->slow_skip_why[m];
    else if (strcmp(scenario, "load") == 0)
        w = s->past_loadgen_why[0] ? s->past_loadgen_why : s->saturated_why[m];
    if (!w[0])
        return true;
    snprintf(why, len, "%s", w);
    return false;
}
