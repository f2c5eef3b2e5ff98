/* Capacity within a latency target, and the knee: from a model's points of the load
 * scenario (the same offered rates for every model), the most load it carried while
 * its latency at a percentile met a bound. Whether a point counts is decided per
 * target: one that meets the bound counts even where loadgen lagged (the corrected
 * latency includes loadgen's lateness, so the pass is conservative); one that misses
 * counts only where the miss is the server's (beyond loadgen's send lag, loadgen not
 * saturated). A figure between two usable points is interpolated on log latency, never
 * toward an overloaded point and never beyond the grid: there the result says "at
 * least", "below the grid" or "above the grid", and why. */
#include "analysis.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_GRID 64

/* A point's verdict for a target: met, missed (the server's miss), or left out. */
enum verdict { PASS, MISS, OUT };

/* A point of a curve: its offered and achieved rates, achieved/offered, latency, and
 * its verdict, with why where it is left out. */
struct mark {
    double offered, achieved, ratio, latency;
    enum verdict verdict;
    const char *label;
    char why[192];
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
    /* What the schedule intended (the trials' median); else the rate asked (target_rps,
     * offered_rps before the rename), which is x. */
    double v = jpath(pt, "summary.offered_rps.median");
    if (isnan(v))
        v = jpath(pt, "target_rps");
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

/* Point pt's mark for target t on round k's curve (0: the medians). Returns false when
 * the round has no figure there (the point is not on that curve at all). */
static bool judge(json_t *pt, int k, const struct slo *t, struct mark *m)
{
    char path[64];
    json_t *tr = k > 0 ? round_of(pt, k) : NULL;
    m->label = json_string_value(json_object_get(pt, "label"));
    m->offered = offered(pt);
    m->achieved = m->latency = m->ratio = NAN;
    m->why[0] = '\0';
    m->verdict = OUT;
    if (!point_measured(pt)) {
        point_usable(pt, m->why, sizeof(m->why), false);
        return true;
    }
    if (point_starved(pt) > 0) {
        snprintf(m->why, sizeof(m->why), "%.0f starved", point_starved(pt));
        return true;
    }
    if (k > 0 && !tr)
        return false;
    snprintf(path, sizeof(path), "summary.%s.median", t->metric);
    m->achieved = tr ? jpath(tr, "throughput_rps") : jpath(pt, "summary.throughput_rps.median");
    m->latency = tr ? jpath(tr, t->metric) : jpath(pt, path);
    m->ratio = tr ? jpath(tr, "achieved_ratio") : jpath(pt, "summary.achieved_ratio.median");
    if (isnan(m->ratio) && m->offered > 0)
        m->ratio = m->achieved / m->offered;
    if (isnan(m->achieved) || isnan(m->latency))
        return false;
    if (m->latency <= t->bound_us) {
        m->verdict = PASS;
        return true;
    }
    bool saturated =
        tr ? json_is_true(json_object_get(tr, "loadgen_saturated")) : point_saturated(pt) > 0;
    bool lagged = tr ? json_is_true(json_object_get(tr, "lagged")) : point_lagged(pt) > 0;
    const char *field = strcmp(t->metric, "p50_us") == 0 ? "send_lag_p50_us" : "send_lag_p99_us";
    double lag = tr ? jpath(tr, field) : point_trials_median(pt, field);
    /* The reason in the point's words, the same on every round's curve. */
    char lagged_in[48];
    snprintf(lagged_in, sizeof(lagged_in), "in %u of %u trials",
             saturated ? point_saturated(pt) : point_lagged(pt), point_trials(pt));
    if (saturated) {
        snprintf(m->why, sizeof(m->why), "undecidable: loadgen saturated %s", lagged_in);
    } else if (isnan(lag) && lagged) { /* unknown lag, unflagged: the server's miss */
        snprintf(m->why, sizeof(m->why), "undecidable: loadgen lagged %s, its send lag unknown",
                 lagged_in);
    } else if (!isnan(lag) && m->latency - lag <= t->bound_us) {
        char l[32];
        human(lag, l, sizeof(l));
        snprintf(m->why, sizeof(m->why),
                 "undecidable: loadgen's send lag, %s µs, could account for the miss%s%s%s", l,
                 lagged ? " (loadgen lagged " : "", lagged ? lagged_in : "", lagged ? ")" : "");
    } else {
        m->verdict = MISS;
    }
    return true;
}

static void curve_of(json_t **pts, int n, const struct slo *t, int k, struct curve *c)
{
    c->n = 0;
    for (int i = 0; i < n; i++)
        if (judge(pts[i], k, t, &c->m[c->n]))
            c->n++;
}

/* Overloaded: achieved under 90% of the offered rate. */
static bool under(const struct mark *m)
{
    return m->ratio < 0.9;
}

/* Why a grid ended above its highest usable point (at index last): its top rate, or
 * the first point past it that was left out. */
static void grid_end(const struct curve *c, int last, char *buf, size_t len)
{
    if (last == c->n - 1) {
        char rate[32];
        human(c->m[last].offered, rate, sizeof(rate));
        snprintf(buf, len, "the grid's top rate, %s req/s offered", rate);
        return;
    }
    snprintf(buf, len, "higher rates not usable: %s at %s", c->m[last + 1].why,
             c->m[last + 1].label);
}

/* Why no point of a curve was usable, grouped by reason: "at 10%, 30%: 63 starved; at
 * 50%, 70%: not run, the model saturated". */
static void unusable(const struct curve *c, char *buf, size_t len)
{
    size_t at = (size_t)snprintf(buf, len, c->n ? "no usable point:" : "no point");
    for (int i = 0; i < c->n && at < len; i++) {
        const char *why = c->m[i].why[0] ? c->m[i].why : "no figure";
        at += (size_t)snprintf(
            buf + at, len - at, "%s %s",
            i && strcmp(c->m[i - 1].why[0] ? c->m[i - 1].why : "no figure", why) == 0 ? ","
            : i ? "; at"
                : " at",
            c->m[i].label);
        bool same =
            i + 1 < c->n && strcmp(c->m[i + 1].why[0] ? c->m[i + 1].why : "no figure", why) == 0;
        if (!same && at < len)
            at += (size_t)snprintf(buf + at, len - at, ": %s", why);
    }
}

/* The rule on one curve: the highest usable point that meets the bound; the crossing
 * to the next usable one (which misses) on log latency, where both achieved within 90%
 * of their offered rate and the next achieved more; otherwise the meeting point's rate,
 * a lower bound. */
static void rule(const struct curve *c, const struct slo *t, struct capacity *cap)
{
    int meet = -1, first = -1, last = -1;
    double bound = t->bound_us;
    cap->missed_rps = cap->missed_us = cap->latency_us = NAN;
    cap->met_rps = cap->met_us = cap->miss_rps = cap->miss_offered = cap->miss_us = NAN;
    cap->unknown_below = NAN;
    cap->at_least = false;
    for (int i = 0; i < c->n; i++) {
        if (c->m[i].verdict == OUT)
            continue;
        if (first < 0)
            first = i;
        last = i;
        if (c->m[i].verdict == PASS)
            meet = i;
    }
    if (first < 0) {
        cap->kind = CAPACITY_NONE;
        cap->rps = NAN;
        unusable(c, cap->why, sizeof(cap->why));
        return;
    }
    if (meet < 0) {
        cap->kind = CAPACITY_BELOW;
        cap->rps = c->m[first].achieved;
        cap->latency_us = c->m[first].latency;
        if (first > 0)
            cap->unknown_below = c->m[first].offered;
        return;
    }
    for (int i = first; i < meet && isnan(cap->missed_rps); i++)
        if (c->m[i].verdict == MISS) {
            cap->missed_rps = c->m[i].achieved;
            cap->missed_us = c->m[i].latency;
        }
    const struct mark *a = &c->m[meet];
    cap->met_rps = a->achieved;
    cap->met_us = a->latency;
    if (meet == last) {
        cap->kind = CAPACITY_ABOVE;
        cap->rps = a->achieved;
        grid_end(c, last, cap->why, sizeof(cap->why));
        return;
    }
    const struct mark *b = &c->m[meet + 1];
    for (int i = meet + 1; b->verdict == OUT; i++)
        b = &c->m[i];
    cap->kind = CAPACITY_MET;
    cap->miss_rps = b->achieved;
    cap->miss_offered = b->offered;
    cap->miss_us = b->latency;
    if (under(a) || under(b) || !(b->achieved > a->achieved) || !(a->latency > 0)) {
        cap->at_least = true;
        cap->rps = a->achieved;
        return;
    }
    cap->rps = a->achieved +
               log(bound / a->latency) / log(b->latency / a->latency) * (b->achieved - a->achieved);
}

/* The order of the rounds' capacities: below the grid first, then by figure (a lower
 * bound counts as its figure). */
static double order_key(enum capacity_kind kind, double rps)
{
    return kind == CAPACITY_BELOW ? -1.0 / (1.0 + rps) : rps;
}

static int by_key(const void *a, const void *b)
{
    const struct capacity *x = a, *y = b;
    double kx = order_key(x->kind, x->rps), ky = order_key(y->kind, y->rps);
    if (kx != ky)
        return kx < ky ? -1 : 1;
    return (x->kind == CAPACITY_ABOVE) - (y->kind == CAPACITY_ABOVE);
}

/* The points left out for t on the medians' curve: "at 10%: undecidable: ...". */
static void left_out(const struct curve *c, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = '\0';
    for (int i = 0; i < c->n && at < len; i++)
        if (c->m[i].verdict == OUT)
            at += (size_t)snprintf(buf + at, len - at, "%sat %s: %s", at ? "; " : "", c->m[i].label,
                                   c->m[i].why);
}

static int rounds_of(json_t **pts, int n)
{
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
    return rounds < CAPACITY_MAX_ROUNDS ? rounds : CAPACITY_MAX_ROUNDS;
}

void capacity_within(json_t *sc, const char *model, const struct slo *t, struct capacity *c)
{
    json_t *pts[MAX_GRID];
    int n = grid(sc, model, pts);
    struct curve curve;
    struct capacity one[CAPACITY_MAX_ROUNDS];
    int nr = 0, rounds = rounds_of(pts, n);

    memset(c, 0, sizeof(*c));
    curve_of(pts, n, t, 0, &curve);
    rule(&curve, t, c); /* the medians' curve: where no round has a figure */
    left_out(&curve, c->left_out, sizeof(c->left_out));
    c->lo = c->hi = NAN;
    for (int k = 1; k <= rounds; k++) {
        curve_of(pts, n, t, k, &curve);
        rule(&curve, t, &one[nr]);
        one[nr].rounds = k; /* its number, until sorted */
        if (one[nr].kind != CAPACITY_NONE)
            nr++;
    }
    if (nr == 0)
        return;
    for (int i = 0; i < nr; i++) {
        struct capacity_round *r = &c->round[i];
        r->no = one[i].rounds;
        r->kind = one[i].kind;
        r->rps = one[i].rps;
        r->open = one[i].kind == CAPACITY_ABOVE || one[i].at_least;
        c->rounds_below += one[i].kind == CAPACITY_BELOW;
        c->rounds_above += one[i].kind == CAPACITY_ABOVE;
    }
    qsort(one, (size_t)nr, sizeof(one[0]), by_key);
    /* The headline: the median round, the lower middle of an even count. */
    char kept[sizeof(c->left_out)];
    struct capacity_round kept_rounds[CAPACITY_MAX_ROUNDS];
    memcpy(kept, c->left_out, sizeof(kept));
    memcpy(kept_rounds, c->round, sizeof(kept_rounds));
    int below = c->rounds_below, above = c->rounds_above;
    struct capacity medians = *c;
    *c = one[(nr - 1) / 2];
    if (c->kind == CAPACITY_BELOW && medians.kind == CAPACITY_BELOW) {
        /* Where it missed: the medians' figures, not one round's. */
        c->rps = medians.rps;
        c->latency_us = medians.latency_us;
        c->unknown_below = medians.unknown_below;
    }
    memcpy(c->left_out, kept, sizeof(kept));
    memcpy(c->round, kept_rounds, sizeof(kept_rounds));
    c->rounds = nr;
    c->rounds_below = below;
    c->rounds_above = above;
    c->lo_below = one[0].kind == CAPACITY_BELOW;
    c->lo = c->lo_below ? NAN : one[0].rps;
    c->hi = one[nr - 1].kind == CAPACITY_BELOW ? NAN : one[nr - 1].rps;
    c->hi_open = one[nr - 1].kind == CAPACITY_ABOVE || one[nr - 1].at_least;
    c->contra_round = 0;
    c->contra_rps = NAN;
    if (c->kind == CAPACITY_BELOW && one[nr - 1].kind != CAPACITY_BELOW) {
        c->contra_round = one[nr - 1].rounds;
        c->contra_rps = one[nr - 1].rps;
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
    char a[32], b[32], m[32], range[96], sp[2] = " ";
    human(c->rps, a, sizeof(a));
    capacity_interval_text(c, range, sizeof(range));
    if (!range[0])
        sp[0] = '\0';
    switch (c->kind) {
    case CAPACITY_MET:
        human(c->met_rps, m, sizeof(m));
        if (c->at_least) {
            human(c->miss_offered, b, sizeof(b));
            snprintf(buf, len,
                     "at least %s (met at %s req/s; the next rate, %s offered, overloaded it)%s%s",
                     a, m, b, sp, range);
        } else {
            human(c->miss_rps, b, sizeof(b));
            snprintf(buf, len, "%s (met at %s, missed at %s req/s)%s%s", a, m, b, sp, range);
        }
        break;
    case CAPACITY_BELOW: {
        char lat[32], contra[96] = "";
        human(c->latency_us, lat, sizeof(lat));
        if (c->contra_round) {
            human(c->contra_rps, m, sizeof(m));
            snprintf(contra, sizeof(contra), "; undetermined: round %d met up to %s",
                     c->contra_round, m);
        }
        if (isnan(c->unknown_below)) {
            snprintf(buf, len,
                     "below the grid%s%s (p%g %s µs at %s req/s achieved, the lowest usable "
                     "rate%s)",
                     sp, range, t->percentile, lat, a, contra);
        } else {
            human(c->unknown_below, b, sizeof(b));
            snprintf(buf, len,
                     "unknown below %s req/s offered%s%s (the lowest decidable rate missed: p%g %s "
                     "µs at %s req/s achieved; the rates under it left out%s)",
                     b, sp, range, t->percentile, lat, a, contra);
        }
        break;
    }
    case CAPACITY_ABOVE:
        snprintf(buf, len, "at least %s%s%s (above the grid: %s)", a, sp, range, c->why);
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
    snprintf(buf, len, "[%s, %s%s]", c->lo_below ? "below the grid" : a,
             c->hi_open ? "at least " : "", b);
}

/* The span a capacity may lie in: its rounds' range, or its figure alone. Below the
 * grid reaches down to 0; a lower bound, up for ever. */
static void span(const struct capacity *c, double *lo, double *hi)
{
    bool rounds = c->rounds >= 2;
    if (rounds) {
        *lo = c->lo_below ? 0 : c->lo;
        *hi = c->rounds_below == c->rounds ? c->rps : c->hi_open ? INFINITY : c->hi;
        return;
    }
    *lo = c->kind == CAPACITY_BELOW ? 0 : c->rps;
    *hi = c->kind == CAPACITY_ABOVE || c->at_least ? INFINITY : c->rps;
}

bool capacity_overlap(const struct capacity *a, const struct capacity *b)
{
    double al, ah, bl, bh;
    span(a, &al, &ah);
    span(b, &bl, &bh);
    return !(ah < bl || bh < al);
}

int capacity_ahead(const struct capacity *a, const struct capacity *b, int *paired)
{
    int ahead = 0;
    *paired = 0;
    for (int i = 0; i < a->rounds && i < CAPACITY_MAX_ROUNDS; i++)
        for (int j = 0; j < b->rounds && j < CAPACITY_MAX_ROUNDS; j++) {
            const struct capacity_round *x = &a->round[i], *y = &b->round[j];
            if (x->no != y->no)
                continue;
            (*paired)++;
            ahead += order_key(x->kind, x->rps) > order_key(y->kind, y->rps);
        }
    return ahead;
}

bool capacity_distinct(const struct capacity *a, const struct capacity *b)
{
    int paired, ahead = capacity_ahead(a, b, &paired);
    return paired >= 3 && ahead == paired && !capacity_overlap(a, b);
}

/* ---- the knee ---- */

/* The knee's rule past the baseline (index base of pts, usable[] and p99[] per point):
 * the first usable point over KNEE_FACTOR times the baseline, or one achieved under 90%
 * of its offered rate; else none within the grid, or not determined, with why. */
static void knee_past(json_t **pts, int n, int base, const bool *usable, const double *p99,
                      struct knee *k)
{
    int above = 0, blocker = -1;
    for (int i = base + 1; i < n && k->kind == KNEE_UNDETERMINED; i++) {
        if (!usable[i]) {
            if (blocker < 0)
                blocker = i;
            continue;
        }
        above++;
        double ratio = jpath(pts[i], "summary.achieved_ratio.median");
        if (isnan(ratio))
            ratio = jpath(pts[i], "summary.throughput_rps.median") / offered(pts[i]);
        if (p99[i] > KNEE_FACTOR * k->base_us || ratio < 0.9) {
            k->kind = p99[i] > KNEE_FACTOR * k->base_us ? KNEE_FOUND : KNEE_UNDER;
            k->rps = offered(pts[i]);
            k->p99_us = p99[i];
        }
    }
    if (k->kind != KNEE_UNDETERMINED)
        return;
    if (blocker >= 0) {
        char why[128];
        point_usable(pts[blocker], why, sizeof(why), false);
        snprintf(k->why, sizeof(k->why), "%s not usable: %s",
                 json_string_value(json_object_get(pts[blocker], "label")), why);
    } else if (above < 2) {
        snprintf(k->why, sizeof(k->why), "%d usable point%s above the baseline", above,
                 above == 1 ? "" : "s");
    } else {
        k->kind = KNEE_NONE;
    }
}

void capacity_knee(json_t *sc, const char *model, struct knee *k)
{
    json_t *pts[MAX_GRID];
    int n = grid(sc, model, pts), base = -1;
    bool usable[MAX_GRID];
    double p99[MAX_GRID];

    memset(k, 0, sizeof(*k));
    k->base_rps = k->base_us = k->rps = k->p99_us = NAN;
    k->least_rps = k->least_us = k->second_rps = k->second_us = NAN;
    k->second_ref_rps = k->second_ref_us = NAN;
    k->kind = KNEE_NOT_MEASURED;
    size_t at = 0;
    for (int i = 0; i < n; i++) {
        char why[128];
        p99[i] = jpath(pts[i], "summary.p99_us.median");
        usable[i] = point_usable(pts[i], why, sizeof(why), false) && !isnan(p99[i]);
        k->usable += usable[i];
        if (usable[i] && base < 0)
            base = i;
        else if (base < 0 && at < sizeof(k->left_out))
            at += (size_t)snprintf(
                k->left_out + at, sizeof(k->left_out) - at, "%s%s: %s", at ? "; " : "",
                json_string_value(json_object_get(pts[i], "label")), why[0] ? why : "no p99");
    }
    if (base < 0)
        return;
    k->base_rps = offered(pts[base]);
    k->base_us = p99[base];
    k->kind = KNEE_UNDETERMINED;
    knee_past(pts, n, base, usable, p99, k);
    k->found = k->kind == KNEE_FOUND;
    /* An inflated baseline (a VM's idle CPU waking late): a higher usable point with a
     * lower p99. The secondary reading: against the least p99 of the points below. */
    double least = p99[base], least_rps = k->base_rps;
    for (int i = base + 1; i < n; i++) {
        if (!usable[i])
            continue;
        if (p99[i] < k->base_us && !(p99[i] >= k->least_us)) {
            k->inflated = true;
            k->least_us = p99[i];
            k->least_rps = offered(pts[i]);
        }
        if (!k->second_found && p99[i] > KNEE_FACTOR * least) {
            k->second_found = true;
            k->second_rps = offered(pts[i]);
            k->second_us = p99[i];
            k->second_ref_rps = least_rps;
            k->second_ref_us = least;
        }
        if (p99[i] < least) {
            least = p99[i];
            least_rps = offered(pts[i]);
        }
    }
}
