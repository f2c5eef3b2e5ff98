/* Capacity within a latency target, and the knee: from a model's points of the load
 * scenario (the same offered rates for every model), the most load it carried while
 * its latency at a percentile met a bound. Only usable points count (point_usable:
 * measured, loadgen neither lagged nor saturated, no connection starved), and a figure
 * between two of them is interpolated, never one beyond the grid: there the result
 * says "below the grid" or "above the grid", and why the grid ended. */
#include "analysis.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_GRID 64

/* One usable point of a curve: its offered rate, achieved rate and latency. */
struct mark {
    double offered, achieved, latency;
};

struct curve {
    int n;
    struct mark m[MAX_GRID];
};

static int by_x(const void *a, const void *b)
{
    double x = jpath(*(json_t *const *)a, "x"), y = jpath(*(json_t *const *)b, "x");
    return x < y ? -1 : x > y;
}

/* The model's points of sc in rate order; returns how many. */
static int grid(json_t *sc, const char *model, json_t **pts)
{
    int n = 0;
    size_t i;
    json_t *pt;
    json_array_foreach(json_object_get(sc, "points"), i, pt)
    {
        if (n < MAX_GRID && strcmp(json_string_value(json_object_get(pt, "model")), model) == 0)
            pts[n++] = pt;
    }
    qsort(pts, (size_t)n, sizeof(pts[0]), by_x);
    return n;
}

static double offered(json_t *pt)
{
    double v = jpath(pt, "summary.offered_rps.median");
    if (isnan(v))
        v = jpath(pt, "offered_rps");
    return isnan(v) ? jpath(pt, "x") : v;
}

/* The trial of a point from round k (its "trial" field; its place where there is none),
 * or NULL when that round did not measure. */
static json_t *round_of(json_t *pt, int k)
{
    size_t i;
    json_t *t, *found = NULL;
    json_array_foreach(json_object_get(pt, "trials"), i, t)
    {
        double no = jpath(t, "trial");
        if ((isnan(no) && (int)i + 1 == k) || no == k)
            found = t;
    }
    const char *st = found ? json_string_value(json_object_get(found, "status")) : NULL;
    return st && strcmp(st, "ok") == 0 ? found : NULL;
}

/* The curve of the usable points: their medians (round 0), or trial k's figures. */
static void curve_of(json_t **pts, int n, const char *metric, int k, struct curve *c)
{
    char path[64];
    snprintf(path, sizeof(path), "summary.%s.median", metric);
    c->n = 0;
    for (int i = 0; i < n; i++) {
        char why[128];
        if (!point_usable(pts[i], why, sizeof(why), true))
            continue;
        json_t *t = k > 0 ? round_of(pts[i], k) : NULL;
        if (k > 0 && !t)
            continue;
        struct mark m = {offered(pts[i]), NAN, NAN};
        if (k > 0) {
            m.achieved = jpath(t, "throughput_rps");
            m.latency = jpath(t, metric);
        } else {
            m.achieved = jpath(pts[i], "summary.throughput_rps.median");
            m.latency = jpath(pts[i], path);
        }
        if (!isnan(m.achieved) && !isnan(m.latency))
            c->m[c->n++] = m;
    }
}

/* The rule on one curve: the highest point that meets the bound; the crossing to the
 * next (which misses) by straight-line interpolation on (achieved, latency). */
static void rule(const struct curve *c, double bound, struct capacity *cap)
{
    int meet = -1;
    cap->missed_rps = cap->missed_us = cap->latency_us = NAN;
    for (int i = c->n - 1; i >= 0 && meet < 0; i--)
        if (c->m[i].latency <= bound)
            meet = i;
    if (c->n == 0) {
        cap->kind = CAPACITY_NONE;
        cap->rps = NAN;
        return;
    }
    if (meet < 0) {
        cap->kind = CAPACITY_BELOW;
        cap->rps = c->m[0].achieved;
        cap->latency_us = c->m[0].latency;
        return;
    }
    for (int i = 0; i < meet && isnan(cap->missed_rps); i++)
        if (c->m[i].latency > bound) {
            cap->missed_rps = c->m[i].achieved;
            cap->missed_us = c->m[i].latency;
        }
    const struct mark *a = &c->m[meet];
    if (meet == c->n - 1) {
        cap->kind = CAPACITY_ABOVE;
        cap->rps = a->achieved;
        return;
    }
    const struct mark *b = &c->m[meet + 1];
    cap->kind = CAPACITY_MET;
    cap->rps = a->achieved +
               (bound - a->latency) * (b->achieved - a->achieved) / (b->latency - a->latency);
}

/* Why a grid ended above its highest usable point: its top rate, or the first point
 * past it that could not be used. */
static void grid_end(json_t **pts, int n, char *buf, size_t len)
{
    int last = -1;
    char why[128];
    for (int i = 0; i < n; i++)
        if (point_usable(pts[i], why, sizeof(why), false))
            last = i;
    if (last == n - 1) {
        char rate[32];
        human(offered(pts[n - 1]), rate, sizeof(rate));
        snprintf(buf, len, "the grid's top rate, %s req/s offered", rate);
        return;
    }
    point_usable(pts[last + 1], why, sizeof(why), false);
    snprintf(buf, len, "higher rates not usable: %s at %s", why,
             json_string_value(json_object_get(pts[last + 1], "label")));
}

/* Why no point of a grid was usable, grouped by reason: "at 10%, 30%: 63 starved; at
 * 50%, 70%: not run, the model saturated". */
static void unusable(json_t **pts, int n, char *buf, size_t len)
{
    size_t at = (size_t)snprintf(buf, len, n ? "no usable point:" : "no point");
    char why[128], next[128];
    bool open = false; /* a group of labels begun, its reason not yet written */
    for (int i = 0; i < n && at < len; i++) {
        if (point_usable(pts[i], why, sizeof(why), false))
            snprintf(why, sizeof(why), "no figure");
        at += (size_t)snprintf(buf + at, len - at, "%s %s",
                               open ? ","
                               : i  ? "; at"
                                    : " at",
                               json_string_value(json_object_get(pts[i], "label")));
        open = true;
        if (i + 1 < n && !point_usable(pts[i + 1], next, sizeof(next), false) &&
            strcmp(next, why) == 0)
            continue;
        if (at < len)
            at += (size_t)snprintf(buf + at, len - at, ": %s", why);
        open = false;
    }
}

void capacity_within(json_t *sc, const char *model, const struct slo *t, struct capacity *c)
{
    json_t *pts[MAX_GRID];
    int n = grid(sc, model, pts);
    struct curve curve;

    memset(c, 0, sizeof(*c));
    c->lo = c->hi = NAN;
    curve_of(pts, n, t->metric, 0, &curve);
    rule(&curve, t->bound_us, c);
    if (c->kind == CAPACITY_NONE) {
        unusable(pts, n, c->why, sizeof(c->why));
        return;
    }
    if (c->kind == CAPACITY_ABOVE)
        grid_end(pts, n, c->why, sizeof(c->why));

    /* The rounds: trial k of every usable point. */
    int rounds = 0;
    for (int i = 0; i < n; i++) {
        size_t k;
        json_t *tr;
        json_array_foreach(json_object_get(pts[i], "trials"), k, tr)
        {
            double no = jpath(tr, "trial");
            int r = isnan(no) ? (int)k + 1 : (int)no;
            if (r > rounds)
                rounds = r;
        }
    }
    for (int k = 1; k <= rounds; k++) {
        struct capacity one;
        curve_of(pts, n, t->metric, k, &curve);
        rule(&curve, t->bound_us, &one);
        if (one.kind == CAPACITY_NONE)
            continue;
        c->rounds++;
        c->rounds_below += one.kind == CAPACITY_BELOW;
        c->rounds_above += one.kind == CAPACITY_ABOVE;
        if (one.kind == CAPACITY_BELOW)
            continue;
        if (!(one.rps >= c->lo))
            c->lo = one.rps;
        if (!(one.rps <= c->hi))
            c->hi = one.rps;
    }
}

void slo_bound_text(double bound_us, char *buf, size_t len)
{
    if (bound_us >= 1e6)
        snprintf(buf, len, "%g s", bound_us / 1e6);
    else if (bound_us >= 1e3)
        snprintf(buf, len, "%g ms", bound_us / 1e3);
    else
        snprintf(buf, len, "%g µs", bound_us);
}

void capacity_text(const struct capacity *c, const struct slo *t, char *buf, size_t len)
{
    char a[32], b[32], range[96];
    human(c->rps, a, sizeof(a));
    capacity_interval_text(c, range, sizeof(range));
    switch (c->kind) {
    case CAPACITY_MET:
        snprintf(buf, len, "%s%s%s", a, range[0] ? " " : "", range);
        break;
    case CAPACITY_BELOW:
        human(c->latency_us, b, sizeof(b));
        snprintf(buf, len, "below the grid%s%s (p%g %s µs at %s req/s, the lowest usable rate)",
                 range[0] ? " " : "", range, t->percentile, b, a);
        break;
    case CAPACITY_ABOVE:
        snprintf(buf, len, "at least %s%s%s (above the grid: %s)", a, range[0] ? " " : "", range,
                 c->why);
        break;
    case CAPACITY_NONE:
        snprintf(buf, len, "not measured: %s", c->why);
        break;
    }
}

void capacity_interval_text(const struct capacity *c, char *buf, size_t len)
{
    char a[32], b[32];
    buf[0] = '\0';
    if (c->rounds < 2)
        return;
    if (c->rounds_below == c->rounds)
        return; /* nothing but "below the grid" to say */
    human(c->lo, a, sizeof(a));
    human(c->hi, b, sizeof(b));
    snprintf(buf, len, "[%s, %s%s]", c->rounds_below ? "below the grid" : a,
             c->rounds_above ? "at least " : "", b);
}

/* The span a capacity may lie in: its interval, or its figure alone. Below the grid
 * reaches down to 0; above the grid, up for ever. */
static void span(const struct capacity *c, double *lo, double *hi)
{
    bool rounds = c->rounds >= 2 && !isnan(c->lo);
    *lo = c->kind == CAPACITY_BELOW || c->rounds_below ? 0 : rounds ? c->lo : c->rps;
    *hi = c->kind == CAPACITY_BELOW ? c->rps : rounds ? c->hi : c->rps;
    if (c->kind == CAPACITY_ABOVE || c->rounds_above)
        *hi = INFINITY;
}

bool capacity_overlap(const struct capacity *a, const struct capacity *b)
{
    double al, ah, bl, bh;
    span(a, &al, &ah);
    span(b, &bl, &bh);
    return !(ah < bl || bh < al);
}

void capacity_knee(json_t *sc, const char *model, struct knee *k)
{
    json_t *pts[MAX_GRID];
    int n = grid(sc, model, pts);
    struct curve c;

    memset(k, 0, sizeof(*k));
    k->base_rps = k->base_us = k->rps = k->p99_us = NAN;
    curve_of(pts, n, "p99_us", 0, &c);
    k->usable = c.n;
    if (c.n == 0)
        return;
    k->base_rps = c.m[0].offered;
    k->base_us = c.m[0].latency;
    for (int i = 1; i < c.n && !k->found; i++)
        if (c.m[i].latency > KNEE_FACTOR * k->base_us) {
            k->found = true;
            k->rps = c.m[i].offered;
            k->p99_us = c.m[i].latency;
        }
}
