/* Which points may be compared, and memory per connection: the rules the report, the
 * plots and compare share. A point is comparable when it measured (ok or partial, with
 * a median) and no connection starved in any of its trials: a starved connection adds
 * one censored sample, so a server that starves most of its clients shows the latency
 * of the few it serves, and would rank fastest. */
#include "analysis.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The median over the point's measured trials (ok or hung) of f(trial, arg), NaN
 * where no trial has it. */
static double trials_median_of(json_t *pt, double (*f)(json_t *, const void *), const void *arg)
{
    double v[64];
    size_t n = 0, i;
    json_t *t;
    json_array_foreach(json_object_get(pt, "trials"), i, t)
    {
        const char *st = json_string_value(json_object_get(t, "status"));
        if (!st || (strcmp(st, "ok") != 0 && strcmp(st, "hung") != 0))
            continue;
        double x = f(t, arg);
        if (!isnan(x) && n < 64)
            v[n++] = x;
    }
    if (n == 0)
        return NAN;
    qsort(v, n, sizeof(v[0]), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double call(json_t *t, const void *f)
{
    return (*(double (*const *)(json_t *))f)(t);
}

static double trials_median(json_t *pt, double (*f)(json_t *))
{
    return trials_median_of(pt, call, &f);
}

static double at_path(json_t *t, const void *path)
{
    return jpath(t, path);
}

double point_trials_median(json_t *pt, const char *path)
{
    return trials_median_of(pt, at_path, path);
}

double point_median(json_t *pt, const char *metric)
{
    char path[96];
    snprintf(path, sizeof(path), "summary.%s.median", metric);
    return pt ? jpath(pt, path) : NAN;
}

bool point_interval(json_t *pt, const char *metric, double *lo, double *hi)
{
    return summary_interval(json_object_get(json_object_get(pt, "summary"), metric), lo, hi, NULL,
                            NULL);
}

bool point_measured(json_t *pt)
{
    const char *st = pt ? json_string_value(json_object_get(pt, "status")) : NULL;
    return st && (strcmp(st, "ok") == 0 || strcmp(st, "partial") == 0) &&
           !isnan(jpath(pt, "summary.throughput_rps.median"));
}

/* The most of a trial field over a point's trials; NaN where no trial has it. */
static double trials_most(json_t *pt, const char *field)
{
    double most = NAN;
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(pt, "trials"), i, t)
    {
        double v = jpath(t, field);
        if (!isnan(v) && !(v <= most))
            most = v;
    }
    return most;
}

double point_starved(json_t *pt)
{
    double most = trials_most(pt, "starved");
    if (isnan(most)) /* a bench.json without trials: the summary is all there is */
        most = jpath(pt, "summary.starved.median");
    return most;
}

double point_abandoned(json_t *pt)
{
    return trials_most(pt, "abandoned");
}

bool point_comparable(json_t *pt)
{
    return point_measured(pt) && !(point_starved(pt) > 0);
}

unsigned point_saturated(json_t *pt)
{
    double n = jpath(pt, "loadgen_saturated_trials");
    return n > 0 ? (unsigned)n : 0;
}

unsigned point_trials(json_t *pt)
{
    return (unsigned)json_array_size(json_object_get(pt, "trials"));
}

unsigned point_lagged(json_t *pt)
{
    double n = jpath(pt, "lagged_trials");
    return n > 0 ? (unsigned)n : 0;
}

/* An open-loop point is ranked only where the server set its latency: where loadgen
 * sent late (lagged) or ran out of CPU (saturated), part of the tail is loadgen's. */
bool point_usable(json_t *pt, char *why, size_t len, bool brief)
{
    const char *st = pt ? json_string_value(json_object_get(pt, "status")) : NULL;
    double starved = point_starved(pt);
    if (!point_measured(pt)) {
        if (st && strcmp(st, "saturated") == 0)
            snprintf(why, len, "%s", brief ? "saturated" : "not run, the model saturated");
        else
            snprintf(why, len, "%s", st ? st : "not run");
    } else if (point_lagged(pt) > 0 || point_saturated(pt) > 0) {
        bool lagged = point_lagged(pt) > 0;
        if (brief)
            snprintf(why, len, "%s", lagged ? "lagged" : "loadgen saturated");
        else
            snprintf(why, len, "loadgen %s in %u of %u trials", lagged ? "lagged" : "saturated",
                     lagged ? point_lagged(pt) : point_saturated(pt), point_trials(pt));
    } else if (starved > 0) {
        snprintf(why, len, "%.0f starved", starved);
    } else {
        why[0] = '\0';
        return true;
    }
    return false;
}

static double growth_kib(json_t *t)
{
    double primed = jpath(t, "resources.primed_pss_anon_kib"),
           base = jpath(t, "resources.base_pss_anon_kib");
    return primed > 0 ? primed - base : NAN;
}

/* The divisor bench used: connections_held where bench wrote it, else the server's
 * max_concurrent (an older bench.json). */
static double held(json_t *t)
{
    double h = jpath(t, "resources.connections_held");
    return isnan(h) ? jpath(t, "server.max_concurrent") : h;
}

double point_held(json_t *pt)
{
    return trials_median(pt, held);
}

bool point_refused(json_t *pt)
{
    double h = point_held(pt), want = jpath(pt, "connections") + jpath(pt, "idle");
    return jpath(pt, "summary.rejected.median") > 0 || (h > 0 && want > 0 && h < want);
}

json_t *point_slope_base(json_t *sc, json_t *pt)
{
    const char *model = pt ? json_string_value(json_object_get(pt, "model")) : NULL;
    if (!model || !point_measured(pt) || point_refused(pt))
        return NULL;
    double x = jpath(pt, "x"), h = point_held(pt), best_x = -INFINITY;
    json_t *base = NULL, *q;
    size_t i;
    json_array_foreach(json_object_get(sc, "points"), i, q)
    {
        double qx = jpath(q, "x");
        if (strcmp(json_string_value(json_object_get(q, "model")), model) == 0 && qx < x &&
            qx > best_x && point_measured(q) && !point_refused(q) &&
            h - point_held(q) >= SLOPE_MIN_ADDED) {
            best_x = qx;
            base = q;
        }
    }
    return base;
}

double point_marginal_bytes(json_t *sc, json_t *pt)
{
    json_t *base = point_slope_base(sc, pt);
    if (!base)
        return NAN;
    double g1 = trials_median(pt, growth_kib), g0 = trials_median(base, growth_kib);
    if (isnan(g1) || isnan(g0))
        return NAN;
    return (g1 - g0) * 1024.0 / (point_held(pt) - point_held(base));
}

/* The points' labels of a scenario, in order. */
int scenario_labels(json_t *sc, char (*out)[32], int max)
{
    int n = 0;
    size_t i;
    json_t *pt;
    json_array_foreach(json_object_get(sc, "points"), i, pt)
    {
        const char *l = json_string_value(json_object_get(pt, "label"));
        bool seen = false;
        for (int k = 0; k < n; k++)
            seen |= strcmp(out[k], l) == 0;
        if (!seen && n < max)
            snprintf(out[n++], 32, "%s", l);
    }
    return n;
}

/* ---- the floor, intervals, disturbance and precision ---- */

bool point_is_floor(json_t *pt)
{
    const char *model = json_string_value(json_object_get(pt, "model"));
    return json_is_true(json_object_get(pt, "reference")) ||
           (model && strcmp(model, FLOOR_MODEL) == 0);
}

json_t *scenario_floor(json_t *sc, const char *label)
{
    size_t i;
    json_t *pt;
    json_array_foreach(json_object_get(sc, "points"), i, pt)
    {
        const char *l = json_string_value(json_object_get(pt, "label"));
        if (point_is_floor(pt) && l && strcmp(l, label) == 0)
            return pt;
    }
    return NULL;
}

bool scenario_has_floor(json_t *sc)
{
    size_t i;
    json_t *pt;
    json_array_foreach(json_object_get(sc, "points"), i, pt)
    {
        if (point_is_floor(pt))
            return true;
    }
    return false;
}

bool summary_interval(json_t *s, double *lo, double *hi, double *level, bool *of_mean)
{
    json_t *ci = json_object_get(s, "ci");
    bool mean = false;
    double l = jpath(s, "ci_level");
    if (!json_is_array(ci)) {
        /* An older bench.json: the t-interval of the mean at 95%. */
        ci = json_object_get(s, "ci95");
        mean = true;
        l = 0.95;
    }
    if (!json_is_array(ci) || !json_is_number(json_array_get(ci, 0)) ||
        !json_is_number(json_array_get(ci, 1)))
        return false;
    *lo = json_number_value(json_array_get(ci, 0));
    *hi = json_number_value(json_array_get(ci, 1));
    if (level)
        *level = l;
    if (of_mean)
        *of_mean = mean;
    return true;
}

void interval_level_text(json_t *s, char *buf, size_t len)
{
    double lo, hi, level;
    buf[0] = '\0';
    if (!summary_interval(s, &lo, &hi, &level, NULL) || !(level < 0.95))
        return;
    /* Under 95% only where too few trials reach it: the interval is their range. */
    snprintf(buf, len, "the range of %.0f trials, %.4g%%", jpath(s, "n"), 100 * level);
}

void level_range_add(struct level_range *lr, json_t *s)
{
    double lo, hi, level;
    bool of_mean;
    if (!summary_interval(s, &lo, &hi, &level, &of_mean))
        return;
    lr->n++;
    lr->of_mean |= of_mean;
    if (!(level < 0.95))
        return;
    double n = jpath(s, "n");
    if (lr->under++ == 0) {
        lr->lo = lr->hi = level;
        lr->n_lo = lr->n_hi = n;
        return;
    }
    lr->lo = fmin(lr->lo, level);
    lr->hi = fmax(lr->hi, level);
    lr->n_lo = fmin(lr->n_lo, n);
    lr->n_hi = fmax(lr->n_hi, n);
}

void level_range_text(const struct level_range *lr, char *buf, size_t len)
{
    buf[0] = '\0';
    if (lr->under == 0)
        return;
    const char *others = lr->under < lr->n && !lr->of_mean ? "; the others at least 95%" : "";
    if (lr->lo == lr->hi && lr->n_lo == lr->n_hi)
        snprintf(buf, len, "the range of %.0f trials, %.4g%%%s", lr->n_lo, 100 * lr->lo, others);
    else
        snprintf(buf, len, "the range of %.0f to %.0f trials, %.4g%% to %.4g%%%s", lr->n_lo,
                 lr->n_hi, 100 * lr->lo, 100 * lr->hi, others);
}

void level_range_words(const struct level_range *lr, char *buf, size_t len)
{
    char under[128];
    buf[0] = '\0';
    if (lr->n == 0)
        return;
    level_range_text(lr, under, sizeof(under));
    if (lr->of_mean)
        snprintf(buf, len, "95%% interval of the mean");
    else if (under[0])
        snprintf(buf, len, "interval of the median; %s", under);
    else
        snprintf(buf, len, "interval of the median, at least 95%%");
}

unsigned point_disturbed(json_t *pt)
{
    double n = jpath(pt, "disturbed_trials");
    if (!isnan(n))
        return n > 0 ? (unsigned)n : 0;
    unsigned count = 0;
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(pt, "trials"), i, t) count +=
        json_is_true(json_object_get(t, "disturbed"));
    return count;
}

bool point_imprecise(json_t *pt, double *half_width)
{
    json_t *pr = json_object_get(pt, "precision");
    const char *stopped = json_string_value(json_object_get(pr, "stopped"));
    *half_width = jpath(pr, "half_width_pct");
    if (!json_is_object(pr) || !json_is_false(json_object_get(pr, "met")))
        return false;
    return !stopped || (strcmp(stopped, "not_adaptive") != 0 && strcmp(stopped, "failed") != 0 &&
                        strcmp(stopped, "zero") != 0);
}
