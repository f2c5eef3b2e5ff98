/* The lecture's claims, each with a verdict computed from bench.json alone by the rules
 * of docs/analysis.md ("The lecture's claims"): holds, holds with a condition, does not
 * hold here, or not measured. A claim is made of parts (a comparison, a threshold), each
 * judged apart; a part the run cannot decide (a point missing or not comparable, one
 * trial, intervals that overlap) is never guessed: it is not measured, with why. Only
 * comparable points are compared (rank.c), on the raw figures of the run, and "clearly
 * above" means the intervals lie apart, as the findings' leads do. */
#include "claims.h"

#include <math.h>
#include <string.h>

/* The single event loops, the lecture's and the completion-based one (claims.h); the
 * models that run an event loop at all; the models with a flow of control per connection. */
const char *const claim_single_loops[] = {"select", "epoll", "uring", NULL};
static const char *const loops[] = {"select", "epoll", "uring", "prefork", "reuseport", NULL};
static const char *const not_loops[] = {"iterative", "process", "thread", "threadpool", NULL};

/* The largest label of a scenario, or NULL. */
static const char *top_label(json_t *sc, char (*l)[32], int *nl)
{
    *nl = scenario_labels(sc, l, 32);
    return *nl > 0 ? l[*nl - 1] : NULL;
}

/* ---- the claims ---- */

/* The least and the most of a trial field over a point's trials; NaN where none has it. */
static void trials_range(json_t *pt, const char *field, double *least, double *most)
{
    size_t i;
    json_t *t;
    *least = *most = NAN;
    json_array_foreach(json_object_get(pt, "trials"), i, t)
    {
        double v = jpath(t, field);
        if (isnan(v))
            continue;
        *least = isnan(*least) ? v : fmin(*least, v);
        *most = isnan(*most) ? v : fmax(*most, v);
    }
}

static void claim_lunch(struct claim *c)
{
    json_t *sc = claim_scenario(c, "idle");
    json_t *p0 = sc ? claim_point(c, sc, "iterative", "0") : NULL;
    json_t *p1 = sc ? claim_point(c, sc, "iterative", "1") : NULL;
    if (!p0 || !p1)
        return;
    char w0[96], w1[96];
    double r0, lo0, hi0, r1, lo1, hi1, least, most, st_lo, st_hi, open_lo, open_hi;
    bool i0 = claim_figure(c, p0, "throughput_rps", "idle 0 iterative throughput_rps", &r0, &lo0,
                           &hi0, w0, sizeof(w0));
    bool i1 = claim_figure(c, p1, "throughput_rps", "idle 1 iterative throughput_rps", &r1, &lo1,
                           &hi1, w1, sizeof(w1));
    /* Every active client starved in every trial: the fewest starved in a trial. */
    trials_range(p1, "starved", &least, &most);
    trials_range(p1, "setup_timeouts", &st_lo, &st_hi);
    trials_range(p1, "idle_open_at_end", &open_lo, &open_hi);
    double active = jpath(p1, "connections"), errors = point_median(p1, "errors");
    claim_fig(c, "idle 1 iterative starved (fewest in a trial)", least);
    claim_fig(c, "idle 1 iterative connections", active);
    claim_fig(c, "idle 1 iterative errors", errors);
    claim_fig(c, "idle 1 iterative setup_timeouts (fewest in a trial)", st_lo);
    claim_fig(c, "idle 1 iterative idle_open_at_end (fewest in a trial)", open_lo);
    claim_say(c,
              "echo-iterative served %s req/s with 1 idle client against %s with none; at least "
              "%.0f of its %.0f active clients starved in every trial",
              w1, w0, least, active);
    if (!isnan(st_lo))
        claim_say(c,
                  "setup_timeouts %.0f of %.0f in every trial (the priming read blocked) and the "
                  "idle client's connection open at the end (idle_open_at_end %.0f)",
                  st_lo, active, open_lo);
    if (!i0 || !i1)
        return;
    if (!(lo0 > 0)) {
        claim_unmeasured(c, "echo-iterative served nothing even with no idle client: %s", w0);
        return;
    }
    if (isnan(least)) {
        claim_unmeasured(c, "this bench.json does not say how many clients starved in each trial");
        return;
    }
    if (lo1 >= 0.01 * hi0 || least < active) {
        claim_not_here(c,
                       "with 1 idle client echo-iterative still served %s req/s, and in a trial "
                       "only %.0f of its %.0f active clients starved",
                       w1, least, active);
        return;
    }
    if (!(hi1 < 0.01 * lo0)) {
        claim_unmeasured(c, "the interval at 1 idle client, %s, reaches past 1%% of %s", w1, w0);
        return;
    }
    /* Served nobody. That the connects and writes returned: every active connection up
     * when the window began, and no setup error but the priming read's timeout (a bench.json
     * before these fields records only the window's errors). */
    double up_lo, up_hi, se_lo, se_hi;
    trials_range(p1, "established_at_start", &up_lo, &up_hi);
    trials_range(p1, "setup_errors", &se_lo, &se_hi);
    claim_holds(c);
    if (isnan(errors))
        claim_condition(c, "this bench.json records no errors, so that the connects and writes "
                           "returned is not shown");
    else if (errors > 0)
        claim_condition(c, "%.0f errors in the window: not every connect and write returned",
                        errors);
    else if (isnan(up_lo) || isnan(se_hi) || isnan(st_hi))
        claim_say(c, "0 errors in the window; whether the active clients' connects before it "
                     "returned is not recorded in this bench.json");
    else if (up_lo < active || se_hi > st_hi)
        claim_condition(c,
                        "in a trial only %.0f of the %.0f active connections were up, or setup "
                        "errors other than the priming read's timeout came (%.0f, of which %.0f "
                        "timeouts)",
                        up_lo, active, se_hi, st_hi);
    else {
        claim_fig(c, "idle 1 iterative established_at_start (fewest in a trial)", up_lo);
        claim_say(c,
                  "the connects returned: all %.0f active connections up when the window began, "
                  "in every trial; no setup error but the priming read's timeouts, and 0 errors "
                  "in the window: the writes returned",
                  active);
    }
}

static void claim_process_concurrent(struct claim *c)
{
    json_t *idle = claim_scenario(c, "idle");
    json_t *p0 = idle ? claim_point(c, idle, "process", "0") : NULL;
    json_t *p1 = idle ? claim_point(c, idle, "process", "1") : NULL;
    double r0 = point_median(p0, "throughput_rps");
    if (p0 && p1 && !(r0 > 0))
        claim_unmeasured(c, "echo-process served nothing even with no idle client");
    else if (p0 && p1) {
        double r1 = point_median(p1, "throughput_rps");
        double starved = point_starved(p1);
        unsigned n = point_trials(p0) < point_trials(p1) ? point_trials(p0) : point_trials(p1);
        claim_fig(c, "idle 0 process throughput_rps", r0);
        claim_fig(c, "idle 1 process throughput_rps", r1);
        claim_fig(c, "idle 1 process starved", starved);
        claim_say(c,
                  "with 1 idle client echo-process kept %.0f%% of its throughput (on the "
                  "medians), %.0f starved",
                  100 * r1 / r0, starved);
        if (starved > 0)
            claim_not_here(c, "with 1 idle client echo-process starved %.0f of its active clients",
                           starved);
        else if (n < 2)
            claim_unmeasured(c,
                             "echo-process's idle points have %u trial%s: the 80%% rule needs "
                             "2 or more",
                             n, n == 1 ? "" : "s");
        else if (r1 >= 0.8 * r0)
            claim_holds(c);
        else
            claim_condition(c,
                            "it served every client, but with 1 idle one at %.0f%% of its pace "
                            "(under 80%%, on the medians)",
                            100 * r1 / r0);
    }
    json_t *conc = claim_scenario(c, "concurrency");
    static const char *const labels[] = {"16", "64"};
    for (size_t i = 0; conc && i < 2; i++) {
        json_t *pt = claim_point(c, conc, "process", labels[i]);
        if (!pt)
            continue;
        double starved = point_starved(pt);
        char key[64];
        snprintf(key, sizeof(key), "concurrency %s process starved", labels[i]);
        claim_fig(c, key, starved);
        claim_say(c, "at %s connections %.0f starved", labels[i], starved);
        if (starved > 0)
            claim_not_here(c, "at %s connections echo-process starved %.0f", labels[i], starved);
        else
            claim_holds(c);
    }
}

static void claim_control_costs(struct claim *c)
{
    char l[32][32];
    int nl;
    json_t *churn = claim_scenario(c, "churn");
    const char *cl = churn ? top_label(churn, l, &nl) : NULL;
    for (int i = 0; cl && i < 2; i++)
        claim_compare(c, churn, cl, "process", i ? "epoll" : "thread", "throughput_rps", -1,
                      "connections per second under churn");
    json_t *conc = claim_scenario(c, "concurrency");
    const char *top = conc ? top_label(conc, l, &nl) : NULL;
    for (int i = 0; top && i < 2; i++)
        claim_compare(c, conc, top, "process", i ? "epoll" : "select", "cpu_us_per_request", 1,
                      "server CPU µs per request");
}

/* Two parts: a process costs more than a thread (the ratio's lower bound over 1), and
 * about 2x (its bounds within [CLAIM_CREATION_MIN, CLAIM_CREATION_MAX]). */
static void claim_creation_2x(struct claim *c)
{
    double ratio, lo, hi, fm, tm;
    const char *unit;
    if (claim_creation(c, &ratio, &lo, &hi, &fm, &tm, &unit) == 2)
        return;
    if (lo > 1)
        claim_holds(c);
    else if (hi < 1)
        claim_not_here(c,
                       "fork + waitpid costs less than pthread_create + join here (%.2fx to "
                       "%.2fx)",
                       lo, hi);
    else
        claim_unmeasured(c,
                         "fork's p10 to p90 meets pthread's (%.2fx to %.2fx): the spreads do "
                         "not tell which costs more",
                         lo, hi);
    if (lo >= CLAIM_CREATION_MIN && hi <= CLAIM_CREATION_MAX)
        claim_holds(c);
    else if (lo > CLAIM_CREATION_MAX || hi < CLAIM_CREATION_MIN)
        claim_not_here(c,
                       "fork + waitpid costs %.1fx to %.1fx pthread_create + join here, wholly "
                       "%s [%.2f, %.0f] (about 2x, within 1.5x either way)%s",
                       lo, hi, lo > CLAIM_CREATION_MAX ? "over" : "under", CLAIM_CREATION_MIN,
                       CLAIM_CREATION_MAX,
                       lo > 1 ? ": the direction holds (a process costs more), the factor does not"
                              : "");
    else
        claim_unmeasured(c, "the ratio's bounds, %.1fx to %.1fx, reach past [%.2f, %.0f]", lo, hi,
                         CLAIM_CREATION_MIN, CLAIM_CREATION_MAX);
    if (strcmp(unit, "cycles") != 0)
        claim_condition(c, "this run has no cycle counts: the ratio is of nanoseconds");
    else if (fm < 10000 || fm > 40000 || tm < 5000 || tm > 20000)
        claim_condition(c,
                        "the absolute figures are this machine's, %.0fK and %.1fK TSC reference "
                        "cycles, not within 2x of the lecture's 20K and 10K (another machine)",
                        fm / 1000, tm / 1000);
}

static void claim_no_control_overhead(struct claim *c)
{
    static const char *const el[] = {"epoll", "select"}, *const flow[] = {"process", "thread"};
    char l[32][32];
    int nl;
    json_t *conc = claim_scenario(c, "concurrency");
    const char *top = conc ? top_label(conc, l, &nl) : NULL;
    for (int i = 0; top && i < 4; i++)
        claim_compare(c, conc, top, el[i / 2], flow[i % 2], "cpu_us_per_request", -1,
                      "server CPU µs per request");
    json_t *idle = claim_scenario(c, "idle");
    for (int i = 0; idle && i < 4; i++)
        claim_memory(c, idle, el[i / 2], flow[i % 2]);
}

static void claim_coarse(struct claim *c)
{
    json_t *sc = claim_scenario(c, "service");
    char w[96], key[96];
    double m, lo, hi;
    int loops_seen = 0; /* with more than one connection, so that a stall shows */
    for (size_t i = 0; sc && claim_single_loops[i]; i++) {
        if (!claim_has_model(c, claim_single_loops[i]) &&
            strcmp(claim_single_loops[i], "uring") == 0)
            continue; /* the lecture's two are asked for; uring only where it ran */
        json_t *pt = claim_comparable_point(c, sc, claim_single_loops[i], "sleep_1ms");
        if (!pt)
            continue;
        snprintf(key, sizeof(key), "service sleep_1ms %s throughput_rps", claim_single_loops[i]);
        if (!(jpath(pt, "connections") > 1)) {
            claim_unmeasured(c, "echo-%s's sleep_1ms point has %.0f connection: nobody to stall",
                             claim_single_loops[i], jpath(pt, "connections"));
            continue;
        }
        loops_seen++;
        if (!claim_figure(c, pt, "throughput_rps", key, &m, &lo, &hi, w, sizeof(w)))
            continue;
        claim_say(c, "with 1 ms of blocking per line echo-%s served %s req/s over %.0f connections",
                  claim_single_loops[i], w, jpath(pt, "connections"));
        if (hi < CLAIM_COARSE_RPS)
            claim_holds(c);
        else if (lo > CLAIM_COARSE_RPS)
            claim_not_here(c, "echo-%s served %s req/s with 1 ms of blocking per line, over %.0f",
                           claim_single_loops[i], w, CLAIM_COARSE_RPS);
        else
            claim_unmeasured(c, "echo-%s's interval, %s, meets %.0f", claim_single_loops[i], w,
                             CLAIM_COARSE_RPS);
    }
    /* The contrast, a part: a flow per connection blocks only its own client, so one of
     * echo-thread and echo-process lies wholly over the loops' bound. */
    int above = 0;
    char seen[256] = "";
    for (size_t i = 0; sc && loops_seen && i < 2; i++) {
        const char *model = i ? "process" : "thread";
        json_t *pt = claim_has_model(c, model) ? results_point(sc, model, "sleep_1ms") : NULL;
        snprintf(key, sizeof(key), "service sleep_1ms %s throughput_rps", model);
        if (!point_comparable(pt) ||
            !claim_figure_only(c, pt, "throughput_rps", key, &m, &lo, &hi, w, sizeof(w)))
            continue;
        json_array_append_new(c->points, json_pack("{s:s,s:s,s:s}", "scenario", "service", "model",
                                                   model, "label", "sleep_1ms"));
        claim_say(c, "echo-%s %s req/s", model, w);
        above += lo > CLAIM_COARSE_RPS;
        size_t at = strlen(seen);
        snprintf(seen + at, sizeof(seen) - at, "%secho-%s %s", at ? ", " : "", model, w);
    }
    if (!loops_seen)
        return;
    if (above > 0)
        claim_holds(c);
    else
        claim_unmeasured(c,
                         "the contrast: neither echo-thread nor echo-process lies wholly over "
                         "%.0f req/s with 1 ms of blocking (%s), so the stall is not shown to be "
                         "the event loop's",
                         CLAIM_COARSE_RPS, seen[0] ? seen : "neither comparable with an interval");
}

static void claim_fd_setsize(struct claim *c)
{
    json_t *sc = claim_scenario(c, "idle");
    if (sc && !claim_has_model(c, "select"))
        claim_unmeasured(c, "echo-select is not in this run");
    if (!sc || !claim_has_model(c, "select"))
        return;
    char l[32][32], label[32] = "";
    int nl = scenario_labels(sc, l, 32);
    double opened = NAN;
    for (int k = nl - 1; k >= 0 && !label[0]; k--) {
        json_t *pt = results_point(sc, "select", l[k]);
        double want = jpath(pt, "connections") + jpath(pt, "idle");
        if (want > CLAIM_FD_SETSIZE) {
            snprintf(label, sizeof(label), "%s", l[k]);
            opened = want;
        }
    }
    if (!label[0]) {
        claim_unmeasured(c,
                         "no idle point of echo-select opens more than FD_SETSIZE (%d) connections",
                         CLAIM_FD_SETSIZE);
        return;
    }
    json_t *pt = claim_point(c, sc, "select", label);
    if (!pt)
        return;
    double held = point_held(pt), rejected = point_median(pt, "rejected");
    double nofile = jpath(c->r->root, "env.nofile.soft");
    claim_fig(c, "idle select opened", opened);
    claim_fig(c, "idle select held", held);
    claim_fig(c, "idle select rejected", rejected);
    claim_fig(c, "env nofile soft", nofile);
    char a[32], b[32], d[32], lw[32];
    human(held, a, sizeof(a));
    human(opened, b, sizeof(b));
    human(rejected, d, sizeof(d));
    claim_say(c,
              "with %s idle clients echo-select held %s of the %s connections opened; the "
              "server's rejected count was %s (accepts it closed at once, loadgen's reconnects "
              "among them)",
              claim_label(label, lw, sizeof(lw)), a, b, d);
    if (isnan(held)) {
        claim_unmeasured(c, "this bench.json records neither the connections held nor the server's "
                            "max_concurrent");
        return;
    }
    if (held > CLAIM_FD_SETSIZE) {
        claim_not_here(c, "echo-select held %s connections, more than FD_SETSIZE (%d)", a,
                       CLAIM_FD_SETSIZE);
        return;
    }
    if (held < CLAIM_FD_SETSIZE - CLAIM_FD_SLACK) {
        claim_unmeasured(c,
                         "echo-select held %s, far under FD_SETSIZE (%d): something else stopped "
                         "it first",
                         a, CLAIM_FD_SETSIZE);
        return;
    }
    if (!(rejected > 0)) {
        claim_unmeasured(c, "echo-select held %s but rejected nothing: the limit is not shown", a);
        return;
    }
    claim_holds(c);
    if (nofile <= opened)
        claim_condition(c,
                        "the descriptor limit (nofile soft %.0f) was at or below the %s "
                        "connections opened: it, not FD_SETSIZE, may have stopped echo-select",
                        nofile, b);
}

/* The largest label of sc at which both models are comparable, or NULL. */
static const char *both_label(json_t *sc, const char *a, const char *b, char (*l)[32])
{
    int nl = scenario_labels(sc, l, 32);
    for (int k = nl - 1; k >= 0; k--)
        if (point_comparable(results_point(sc, a, l[k])) &&
            point_comparable(results_point(sc, b, l[k])) &&
            !point_refused(results_point(sc, a, l[k])) &&
            !point_refused(results_point(sc, b, l[k])))
            return l[k];
    return NULL;
}

static void claim_threads_cheaper(struct claim *c)
{
    char l[32][32];
    json_t *sc = claim_scenario(c, "idle");
    const char *label = sc ? both_label(sc, "thread", "process", l) : NULL;
    if (sc && (!claim_has_model(c, "thread") || !claim_has_model(c, "process")))
        claim_unmeasured(c, "echo-%s is not in this run",
                         claim_has_model(c, "thread") ? "process" : "thread");
    else if (sc && !label)
        claim_unmeasured(c, "no idle point where echo-thread and echo-process are both comparable");
    if (label) {
        claim_compare(c, sc, label, "thread", "process", "memory_per_connection_bytes", -1,
                      "memory per connection (average) with idle clients");
        claim_memory(c, sc, "thread", "process");
    }
    double ratio, lo, hi, fm, tm;
    const char *unit;
    int side = claim_creation(c, &ratio, &lo, &hi, &fm, &tm, &unit);
    if (side == 1)
        claim_holds(c);
    else if (side == -1)
        claim_not_here(c, "pthread_create + join cost more than fork + waitpid");
    else if (side == 0)
        claim_unmeasured(c, "fork's p10 to p90 meets pthread's: a test of the spreads, which "
                            "decides nothing here");
}

/* Why a point is not ranked, in a word: its status where it did not measure ("skipped"),
 * "starved" where a connection starved. */
static const char *left_why(json_t *pt)
{
    const char *st = json_string_value(json_object_get(pt, "status"));
    if (!pt)
        return "not run";
    return point_measured(pt) ? "starved" : st ? st : "not measured";
}

/* A part: at the point, the comparable event loop with the highest median throughput
 * against every comparable other model: its interval wholly above each of theirs. A rival
 * with loadgen saturated in a trial is not compared (loadgen may have set its pace); the
 * leader's own saturation is a condition. */
static void loops_lead(struct claim *c, json_t *sc, const char *label, const char *with,
                       const char *unit)
{
    char what[96];
    const char *best = NULL;
    const char *scn = json_string_value(json_object_get(sc, "name"));
    double best_rps = -1, m, lo, hi, blo, bhi;
    char w[96], bw[96], key[96], lw[32], others[512] = "", left[256] = "", sat[256] = "";
    claim_label(label, lw, sizeof(lw));
    snprintf(what, sizeof(what), "throughput %s %s %s", with, lw, unit);
    for (size_t i = 0; loops[i]; i++) {
        json_t *pt = results_point(sc, loops[i], label);
        if (claim_has_model(c, loops[i]) && point_comparable(pt) &&
            point_median(pt, "throughput_rps") > best_rps) {
            best_rps = point_median(pt, "throughput_rps");
            best = loops[i];
        }
    }
    if (!best) {
        claim_unmeasured(c, "%s: no event loop comparable", what);
        return;
    }
    snprintf(key, sizeof(key), "%s %s %s throughput_rps", scn, label, best);
    json_t *bpt = claim_comparable_point(c, sc, best, label);
    if (!claim_figure(c, bpt, "throughput_rps", key, &m, &blo, &bhi, bw, sizeof(bw)))
        return;
    int rivals = 0, behind = 0, ahead = 0;
    for (size_t i = 0; not_loops[i]; i++) {
        json_t *pt = results_point(sc, not_loops[i], label);
        size_t at;
        if (!claim_has_model(c, not_loops[i]))
            continue;
        if (!point_comparable(pt)) {
            at = strlen(left); /* a model that starved or did not run is not ranked */
            snprintf(left + at, sizeof(left) - at, "%secho-%s %s", at ? ", " : "", not_loops[i],
                     left_why(pt));
            continue;
        }
        snprintf(key, sizeof(key), "%s %s %s throughput_rps", scn, label, not_loops[i]);
        claim_point(c, sc, not_loops[i], label);
        if (!claim_figure(c, pt, "throughput_rps", key, &m, &lo, &hi, w, sizeof(w)))
            continue;
        if (point_saturated(pt) > 0) {
            at = strlen(sat);
            snprintf(sat + at, sizeof(sat) - at, "%secho-%s %s in %u of %u", at ? ", " : "",
                     not_loops[i], w, point_saturated(pt), point_trials(pt));
            claim_unmeasured(c,
                             "%s: echo-%s had loadgen saturated in %u of %u trials, so "
                             "not compared",
                             what, not_loops[i], point_saturated(pt), point_trials(pt));
            continue;
        }
        rivals++;
        int side = claim_apart(blo, bhi, lo, hi);
        behind += side == 1;
        ahead += side == -1;
        at = strlen(others);
        snprintf(others + at, sizeof(others) - at, "%secho-%s %s", at ? ", " : "", not_loops[i], w);
    }
    claim_say(c, "%s: echo-%s %s req/s against %s%s%s%s%s%s%s", what, best, bw,
              rivals ? others : "no comparable unsaturated model without an event loop",
              sat[0] ? " (loadgen saturated, not compared: " : "", sat, sat[0] ? ")" : "",
              left[0] ? " (not ranked: " : "", left, left[0] ? ")" : "");
    if (point_saturated(bpt) > 0)
        claim_condition(c,
                        "%s: loadgen was saturated in %u of %u trials of echo-%s, so "
                        "loadgen may have set its pace",
                        what, point_saturated(bpt), point_trials(bpt), best);
    if (rivals == 0)
        claim_unmeasured(c,
                         "%s: no comparable unsaturated model without an event loop to "
                         "set against",
                         what);
    else if (ahead > 0)
        claim_not_here(c, "%s: a model without an event loop lies wholly above echo-%s", what,
                       best);
    else if (behind == rivals)
        claim_holds(c);
    else
        claim_unmeasured(c, "%s: echo-%s's interval meets another model's", what, best);
}

static void claim_high_performance(struct claim *c)
{
    char l[32][32];
    int nl;
    json_t *cpus = json_object_get(json_object_get(c->r->root, "env"), "server_cpus");
    if (json_is_array(cpus))
        claim_say(c, "here the server had %zu CPU%s", json_array_size(cpus),
                  json_array_size(cpus) == 1 ? "" : "s");
    json_t *conc = claim_scenario(c, "concurrency");
    const char *top = conc ? top_label(conc, l, &nl) : NULL;
    if (top)
        loops_lead(c, conc, top, "at", "connections");
    json_t *idle = claim_scenario(c, "idle");
    const char *most = idle ? top_label(idle, l, &nl) : NULL;
    if (most)
        loops_lead(c, idle, most, "with", "idle clients");
    if (idle) {
        claim_memory(c, idle, "epoll", "thread");
        claim_memory(c, idle, "epoll", "process");
    }
}

/* ---- the list ---- */

static const struct claim_rule rules[] = {
    {"iterative-lunch",
     "The iterative server: while one client is out to lunch, a second client's connect and "
     "write return and its read blocks.",
     "idle_throughput", "idle", claim_lunch},
    {"process-concurrent",
     "A process per client serves clients concurrently: an idle client does not stop the "
     "others.",
     "idle_throughput", "idle", claim_process_concurrent},
    {"process-control-costs",
     "Process control costs extra: creating a process per connection, and the CPU per request "
     "of switching between processes.",
     "churn_rate", "churn", claim_control_costs},
    {"creation-2x",
     "Creating and reaping a process takes about 20K cycles, a thread about 10K: 2x.",
     "creation_cycles", "creation", claim_creation_2x},
    {"event-loop-no-control-overhead",
     "An event loop has no process or thread control overhead: less CPU per request and less "
     "memory per connection.",
     "cpu_per_request", "concurrency", claim_no_control_overhead},
    {"event-loop-coarse",
     "An event loop is coarse-grained: blocking work in a handler stalls every client.", "service",
     "service", claim_coarse},
    {"event-loop-one-core",
     "An event loop cannot use more than one core, where threads and processes can.", "cores",
     "cores", claim_one_core},
    {"threads-parallel", "Threads run in parallel on several cores.", "cores", "cores",
     claim_threads_parallel},
    {"select-fd-setsize", "select is limited to FD_SETSIZE (1024) descriptors.", NULL, "idle",
     claim_fd_setsize},
    {"threads-cheaper-than-processes",
     "Threads share one address space and cost less per connection than processes: memory "
     "and creation.",
     "idle_memory", "idle", claim_threads_cheaper},
    {"event-loops-high-performance",
     "Event loops are the design of choice for high-performance servers: the most throughput "
     "with many connections and idle clients, the least memory per connection.",
     "throughput_vs_connections", "concurrency", claim_high_performance},
};

const struct claim_rule *claim_rules(size_t *n)
{
    *n = sizeof(rules) / sizeof(rules[0]);
    return rules;
}

double round_figure(double v)
{
    return round(v * 1000) / 1000;
}
