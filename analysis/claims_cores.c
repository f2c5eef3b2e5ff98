/* The cores claims (claims.h): an event loop on one core, threads in parallel. A model's
 * throughput from the fewest CPUs to the most is judged by its ratio's bounds, with
 * loadgen's ceiling and the server's CPU use (resources.server_cpu_util) beside it. */
#include "claims.h"

#include <math.h>
#include <string.h>

/* The cores scenario's fewest and most CPUs (labels), or false with why recorded. */
static bool cores_span(struct claim *c, json_t *sc, char *fewest, char *most)
{
    double lo = INFINITY, hi = -INFINITY;
    size_t i;
    json_t *pt;
    json_array_foreach(json_object_get(sc, "points"), i, pt)
    {
        double x = jpath(pt, "x");
        const char *l = json_string_value(json_object_get(pt, "label"));
        if (isnan(x) || !l)
            continue;
        if (x < lo) {
            lo = x;
            snprintf(fewest, 32, "%s", l);
        }
        if (x > hi) {
            hi = x;
            snprintf(most, 32, "%s", l);
        }
    }
    if (!(hi > lo))
        claim_unmeasured(c, "the cores scenario has fewer than two CPU counts");
    return hi > lo;
}

/* The server's CPU use at a point: the median over its trials of server_cpu_util, in
 * cores' worth (times the CPUs, x); NaN where not recorded. */
static double cores_used(json_t *pt)
{
    return point_trials_median(pt, "resources.server_cpu_util") * jpath(pt, "x");
}

/* The point had loadgen saturated in a trial, and its server_cpu_util does not show the
 * server was the limit (CLAIM_BUSY of its CPUs; one_loop: of one core). */
static bool loadgen_ceiling(json_t *pt, bool one_loop)
{
    if (point_saturated(pt) == 0)
        return false;
    double util = point_trials_median(pt, "resources.server_cpu_util");
    return !(one_loop ? util * jpath(pt, "x") >= CLAIM_BUSY : util >= CLAIM_BUSY);
}

/* How a model's throughput went from the fewest CPUs to the most: its ratio's bounds
 * [lo at the most / hi at the fewest, hi / lo] against CLAIM_FLAT and half the ideal
 * gain; 1 grew, -1 flat, 0 neither, 2 not measured (why recorded). Flat or neither where
 * loadgen was saturated in a trial at either point is not measured (the ceiling may be
 * loadgen's), unless server_cpu_util there shows the server was the limit. */
static int cores_growth(struct claim *c, json_t *sc, const char *model, const char *fewest,
                        const char *most, bool one_loop)
{
    json_t *a = claim_comparable_point(c, sc, model, fewest),
           *b = claim_comparable_point(c, sc, model, most);
    if (!a || !b)
        return 2;
    char ka[64], kb[64], wa[96], wb[96], lf[32], lm[32];
    double ma, la, ha, mb, lb, hb;
    snprintf(ka, sizeof(ka), "cores %s %s throughput_rps", fewest, model);
    snprintf(kb, sizeof(kb), "cores %s %s throughput_rps", most, model);
    bool ia = claim_figure(c, a, "throughput_rps", ka, &ma, &la, &ha, wa, sizeof(wa));
    bool ib = claim_figure(c, b, "throughput_rps", kb, &mb, &lb, &hb, wb, sizeof(wb));
    claim_label(fewest, lf, sizeof(lf));
    claim_label(most, lm, sizeof(lm));
    double used = cores_used(b);
    snprintf(kb, sizeof(kb), "cores %s %s server_cores_used", most, model);
    claim_fig(c, kb, used);
    char usew[64] = "";
    if (!isnan(used))
        snprintf(usew, sizeof(usew), ", the server using %.2f cores' worth there", used);
    claim_say(c, "echo-%s %s req/s on %s CPU%s, %s on %s (%.2fx%s)", model, wa, lf,
              strcmp(fewest, "1") ? "s" : "", wb, lm, mb / ma, usew);
    if (!ia || !ib || !(la > 0))
        return 2;
    double k = jpath(b, "x") / jpath(a, "x"), grow = 1 + (k - 1) / 2;
    int g = lb / ha > grow ? 1 : hb / la < CLAIM_FLAT ? -1 : 0;
    json_t *sat = loadgen_ceiling(a, one_loop) ? a : loadgen_ceiling(b, one_loop) ? b : NULL;
    if (g != 1 && sat) {
        /* Saturation can only hold growth back: a growth seen stands. */
        claim_unmeasured(c,
                         "echo-%s: loadgen was saturated in %u of %u trials on %s CPUs, and the "
                         "server's CPU use does not show it was the limit: the ceiling may be "
                         "loadgen's",
                         model, point_saturated(sat), point_trials(sat),
                         json_string_value(json_object_get(sat, "label")));
        return 2;
    }
    return g;
}

/* "1 CPU", "4 CPUs". */
static const char *cpus_words(const char *label, char *buf, size_t len)
{
    snprintf(buf, len, "%s CPU%s", label, strcmp(label, "1") ? "s" : "");
    return buf;
}

void claim_one_core(struct claim *c)
{
    char fewest[32], most[32], wf[48], wm[48];
    json_t *sc = claim_scenario(c, "cores");
    if (!sc || !cores_span(c, sc, fewest, most))
        return;
    cpus_words(fewest, wf, sizeof(wf));
    cpus_words(most, wm, sizeof(wm));
    int flat = 0;
    for (size_t i = 0; claim_single_loops[i]; i++) {
        if (!claim_has_model(c, claim_single_loops[i]) &&
            strcmp(claim_single_loops[i], "uring") == 0)
            continue;
        int g = cores_growth(c, sc, claim_single_loops[i], fewest, most, true);
        flat += g == -1;
        if (g == -1)
            claim_holds(c);
        else if (g == 1)
            claim_not_here(c, "echo-%s's throughput grew by over half the ideal gain from %s to %s",
                           claim_single_loops[i], wf, wm);
        else if (g == 0)
            claim_unmeasured(c,
                             "echo-%s's throughput from %s to %s: neither flat (the ratio's upper "
                             "bound under %.1f) nor grown by half the ideal gain",
                             claim_single_loops[i], wf, wm, CLAIM_FLAT);
    }
    /* The contrast, where a loop stayed flat: a model with more flows of control used the
     * CPUs the loops did not. */
    if (flat == 0)
        return;
    static const char *const flows[] = {"thread", "process", "prefork", "reuseport"};
    int grew = 0, measured = 0;
    for (size_t i = 0; i < 4; i++) {
        if (!claim_has_model(c, flows[i]))
            continue;
        int g = cores_growth(c, sc, flows[i], fewest, most, false);
        measured += g != 2;
        grew += g == 1;
    }
    if (grew > 0)
        claim_holds(c);
    else if (measured > 0)
        claim_condition(c,
                        "no model with more flows of control grew by half the ideal gain either: "
                        "the run does not show that the extra CPUs were of use");
}

void claim_threads_parallel(struct claim *c)
{
    char fewest[32], most[32], wf[48], wm[48];
    json_t *sc = claim_scenario(c, "cores");
    if (!sc || !cores_span(c, sc, fewest, most))
        return;
    cpus_words(fewest, wf, sizeof(wf));
    cpus_words(most, wm, sizeof(wm));
    int g = cores_growth(c, sc, "thread", fewest, most, false);
    if (g == 1)
        claim_holds(c);
    else if (g == -1)
        claim_not_here(c,
                       "echo-thread's throughput stayed flat from %s to %s (the ratio's upper "
                       "bound under %.1f)",
                       wf, wm, CLAIM_FLAT);
    else if (g == 0)
        claim_unmeasured(c,
                         "echo-thread's throughput from %s to %s: neither flat (under %.1f) nor "
                         "grown by half the ideal gain",
                         wf, wm, CLAIM_FLAT);
}
