/* The run's own quality, in findings: points whose trials varied by more than 10% and
 * where that noise came from (bench's disturbance: what else ran on the server's CPUs),
 * intervals below zero, baselines that did not settle, and loadgen saturated. */
#include "analysis.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Where a noisy point's spread came from, where bench measured what else ran on the
 * server's CPUs (bench's disturbance): counted apart, by what its trials can tell. */
struct noise {
    int undisturbed;      /* no trial disturbed: the machine's wake-up path or the model's own */
    int explained;        /* every disturbed trial's throughput outside the others' range */
    int within;           /* a disturbed trial within the undisturbed ones' range */
    int all;              /* every trial disturbed: the cause cannot be separated */
    unsigned trials;      /* the disturbed trials of the three above */
    double others, steal; /* the most of each share over those trials */
};

static void noise_of(json_t *pt, struct noise *ns)
{
    bool measured = false;
    unsigned disturbed = 0, undisturbed = 0;
    double lo = INFINITY, hi = -INFINITY, d_thr[64];
    size_t i, nd = 0;
    json_t *t;
    json_array_foreach(json_object_get(pt, "trials"), i, t)
    {
        json_t *d = json_object_get(json_object_get(t, "disturbance"), "server_cpus");
        if (!json_is_object(d))
            continue;
        measured = true;
        double thr = jpath(t, "throughput_rps");
        if (!json_is_true(json_object_get(t, "disturbed"))) {
            undisturbed++;
            lo = fmin(lo, thr);
            hi = fmax(hi, thr);
            continue;
        }
        disturbed++;
        if (nd < 64)
            d_thr[nd++] = thr;
        ns->others = fmax(ns->others, jpath(d, "others_share"));
        ns->steal = fmax(ns->steal, jpath(d, "steal_share"));
    }
    if (!measured)
        return;
    ns->trials += disturbed;
    if (disturbed == 0) {
        ns->undisturbed++;
        return;
    }
    if (undisturbed == 0) {
        ns->all++;
        return;
    }
    bool outside = true;
    for (size_t k = 0; k < nd; k++)
        outside &= !(d_thr[k] >= lo && d_thr[k] <= hi); /* NaN counts as within */
    if (outside)
        ns->explained++;
    else
        ns->within++;
}

/* The noise finding: how many points are noisy, and where bench measured what else ran on
 * the server's CPUs, whether that explains them: only where the disturbed trials fall
 * outside the undisturbed ones' range. */
static void find_noise(FILE *f, int *n, int noisy, int points, const struct noise *ns)
{
    char why[1024] = "", steal[48] = "";
    size_t at = 0;
    int disturbed = ns->explained + ns->within + ns->all;
    if (ns->steal >= 0.005) /* a share under half a percent says nothing */
        snprintf(steal, sizeof(steal), ", steal up to %.0f%%", 100 * ns->steal);
    if (disturbed > 0)
        at += (size_t)snprintf(why + at, sizeof(why) - at,
                               " Of them, %d had trials whose server CPUs were disturbed (%u "
                               "trial%s, marked d in the tables: others' CPU time up to %.0f%% "
                               "of the window%s)",
                               disturbed, ns->trials, ns->trials == 1 ? "" : "s", 100 * ns->others,
                               steal);
    if (ns->explained > 0 && at < sizeof(why))
        at += (size_t)snprintf(why + at, sizeof(why) - at,
                               "; at %d the disturbed trials' throughput lies outside the "
                               "undisturbed ones' range: the disturbance explains %s spread",
                               ns->explained, ns->explained == 1 ? "its" : "their");
    if (ns->within > 0 && at < sizeof(why))
        at += (size_t)snprintf(why + at, sizeof(why) - at,
                               "; at %d a disturbed trial's throughput lies within the "
                               "undisturbed ones' range: the disturbance does not explain %s "
                               "spread",
                               ns->within, ns->within == 1 ? "its" : "their");
    if (ns->all > 0 && at < sizeof(why))
        at += (size_t)snprintf(why + at, sizeof(why) - at,
                               "; at %d every trial was disturbed: the cause of %s spread cannot "
                               "be separated from the disturbance",
                               ns->all, ns->all == 1 ? "its" : "their");
    if (ns->undisturbed > 0 && at < sizeof(why))
        snprintf(why + at, sizeof(why) - at,
                 "%s %d the server CPUs were not disturbed (others' CPU time and steal within "
                 "%.0f%% of the window, or 3 clock ticks where that is more): %s spread is the "
                 "machine's wake-up path or the model's own.",
                 disturbed ? "; at the other" : " At", ns->undisturbed,
                 100 * DISTURBED_SHARE_OF_WINDOW, ns->undisturbed == 1 ? "its" : "their");
    else if (disturbed > 0 && at < sizeof(why))
        snprintf(why + at, sizeof(why) - at, ".");
    finding_line(f, n,
                 "%d of %d points are noisy (their trials' throughput varied by more than 10%%, "
                 "marked ~ in the tables): read their differences with care.%s",
                 noisy, points, why);
}

int write_quality_findings(FILE *f, const struct results *r)
{
    int n = 0;
    int noisy = 0, points = 0, saturated = 0, clamped = 0, unsettled = 0, skewed = 0;
    struct noise ns = {0};
    size_t i, k;
    json_t *sc, *pt;
    json_array_foreach(json_object_get(r->root, "scenarios"), i, sc)
    {
        json_array_foreach(json_object_get(sc, "points"), k, pt)
        {
            if (point_is_floor(pt) ||
                !json_is_number(json_object_get(
                    json_object_get(json_object_get(pt, "summary"), "throughput_rps"), "median")))
                continue; /* the floor; or not run (capped, skipped) or nothing measured */
            points++;
            bool is_noisy = json_is_true(json_object_get(
                json_object_get(json_object_get(pt, "summary"), "throughput_rps"), "noisy"));
            noisy += is_noisy;
            if (is_noisy)
                noise_of(pt, &ns);
            saturated += jpath(pt, "loadgen_saturated_trials") > 0;
            unsettled += jpath(pt, "base_unsettled_trials") > 0;
            skewed += jpath(pt, "skewed_trials") > 0;
            /* The intervals of the figures the tables show. */
            static const char *shown[] = {"throughput_rps", "p99_us", "connect_p50_us",
                                          "cpu_us_per_request", "memory_per_connection_bytes"};
            for (size_t q = 0; q < sizeof(shown) / sizeof(shown[0]); q++) {
                double lo, hi;
                clamped +=
                    summary_interval(json_object_get(json_object_get(pt, "summary"), shown[q]), &lo,
                                     &hi, NULL, NULL) &&
                    lo < 0;
            }
        }
    }
    if (noisy > 0)
        find_noise(f, &n, noisy, points, &ns);
    if (clamped > 0)
        finding_line(f, &n,
                     "%d intervals reach below zero (a mean less t·sd/√n of few, spread "
                     "trials): they are shown from 0, marked 0† in the tables, and drawn from 0 "
                     "on a linear axis; on a log axis, which has no 0, the bar runs to the axis' "
                     "bottom.",
                     clamped);
    if (unsettled > 0)
        finding_line(f, &n,
                     "At %d points the server's tree did not settle within 2 s before loadgen "
                     "started (its processes or memory still changing) in some trial: their memory "
                     "per connection is measured from a baseline that was still moving.",
                     unsettled);
    if (skewed > 0) {
        json_t *bound = json_object_get(
            json_object_get(json_object_get(r->root, "settings"), "hosts"), "skew_bound_us");
        finding_line(f, &n,
                     "At %d points loadgen's agents started their windows further apart than "
                     "the bound (%.0f µs, --skew-bound) in some trial (each trial's "
                     "agents.start_skew_us): their merged figures add windows that overlap "
                     "less than the rest (docs/hosts.md).",
                     skewed, json_is_number(bound) ? json_number_value(bound) : 2000.0);
    }
    if (saturated > 0)
        finding_line(
            f, &n,
            "At %d points loadgen was saturated (a thread, a pinned CPU or the whole process) "
            "in some trial: there "
            "loadgen, not the server, may have set the pace (more client CPUs help).",
            saturated);
    return n;
}
