/* One point of the suite: its rounds of runs, the trials interleaved across the models
 * (order.c) with the floor beside them where it runs, the planner's added rounds
 * (planner.h), and its records in bench.json. */
#include "suite.h"

#include "external.h"
#include "jsonio.h"
#include "order.h"
#include "planner.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

_Static_assert(ORDER_MAX_MODELS >= MAX_MODELS, "the order takes every slot, the floor's too");

/* A seed for a point's order: the same point gets the same order in every run (FNV-1a
 * of its scenario and label). */
static uint64_t point_seed(const char *scenario, const char *label)
{
    uint64_t h = 14695981039346656037ull;
    for (const char *c = scenario; *c; c++)
        h = (h ^ (unsigned char)*c) * 1099511628211ull;
    h = (h ^ '/') * 1099511628211ull;
    for (const char *c = label; *c; c++)
        h = (h ^ (unsigned char)*c) * 1099511628211ull;
    return h;
}

static void build_spec(const struct suite *s, const char *scenario, const struct point *p,
                       const char *model, unsigned trial, struct run_spec *spec)
{
    const struct bench_opts *o = s->o;
    static char dur[32], warm[32], seed[24];

    memset(spec, 0, sizeof(*spec));
    snprintf(spec->name, sizeof(spec->name), "%.24s-%.31s-%.31s-%u", scenario, p->label, model,
             trial);
    snprintf(spec->model, sizeof(spec->model), "%s", model);
    for (unsigned i = 0; i < p->nserver_args; i++)
        spec->server_args[i] = p->server_args[i];
    unsigned n = 0;
    for (unsigned i = 0; i < p->nloadgen_args; i++)
        spec->loadgen_args[n++] = p->loadgen_args[i];
    snprintf(dur, sizeof(dur), "%.3fs", (double)o->duration_ns / 1e9);
    snprintf(warm, sizeof(warm), "%.3fs", (double)p->warmup_ns / 1e9);
    spec->loadgen_args[n++] = "-d";
    spec->loadgen_args[n++] = dur;
    spec->loadgen_args[n++] = "-w";
    spec->loadgen_args[n++] = warm;
    /* Ten bins a second: a timeline of a one-second window still shows its shape. */
    spec->loadgen_args[n++] = "--timeline-bin";
    spec->loadgen_args[n++] = "100ms";
    if (p->rate_rps > 0) {
        /* Each round its own arrivals, the same for every model in it (a paired
         * comparison), and each point its own: with one seed for every rate, each
         * round's curve would be one pattern of arrivals scaled in time. Below 2^53,
         * loadgen's range. */
        snprintf(
            seed, sizeof(seed), "%llu",
            (unsigned long long)((point_seed(scenario, p->label) + trial * 0x9e3779b97f4a7c15ull) >>
                                 11));
        spec->loadgen_args[n++] = "--seed";
        spec->loadgen_args[n++] = seed;
    }
    spec->loadgen_args[n] = NULL;
    spec->server_cpus = o->server_cpus;
    spec->nserver_cpus = p->server_cpus ? p->server_cpus : o->nserver_cpus;
    spec->client_cpus = o->client_cpus;
    spec->nclient_cpus = o->nclient_cpus;
    spec->settle_ns = p->idle_settle_ns;
    spec->expected_ns = o->duration_ns + p->warmup_ns + p->prime_ns + p->idle_settle_ns + SETUP_NS +
                        (uint64_t)(p->idle + p->connections) * 20000;
}

/* The throughputs of the trials that measured (ok and hung), into v. */
static unsigned measured_throughputs(json_t *trials, double *v)
{
    unsigned n = 0;
    size_t i;
    json_t *t;
    json_array_foreach(trials, i, t)
    {
        const char *status = json_string_value(json_object_get(t, "status"));
        json_t *x = json_object_get(t, "throughput_rps");
        if (status && (strcmp(status, "ok") == 0 || strcmp(status, "hung") == 0) &&
            json_is_number(x) && n < MAX_TRIALS)
            v[n++] = json_number_value(x);
    }
    return n;
}

/* What the suite knows of one point while it runs it. */
struct point_run {
    const struct scenario *sc;
    const struct point *p;
    unsigned nslots; /* the models, and the floor's slot where it runs here */
    unsigned base;   /* the base trials */
    struct order ord;
    unsigned seq;
    unsigned runs; /* run here so far, and their wall time: an added round's cost */
    double wall_s;
    json_t *trials[MAX_MODELS];
};

/* One round of a point: the slots marked in now, in the order's next round, as trial
 * number trial (the round's number: pairing is by it). */
static void run_round(struct suite *s, struct point_run *pr, const bool *now, unsigned trial)
{
    unsigned round[MAX_MODELS];
    unsigned nround = order_round(&pr->ord, now, pr->nslots, round);
    const char *scenario = pr->sc->name;
    for (unsigned k = 0; k < nround && !bench_interrupted; k++) {
        unsigned m = round[k];
        if (s->unavailable[m])
            continue;
        order_ran(&pr->ord, m);
        s->last_model = (int)m;
        pr->seq++;
        struct run_spec spec;
        struct run_result r;
        build_spec(s, scenario, pr->p, slot_name(s, m), trial, &spec);
        run_progress(s, scenario, slot_name(s, m), pr->p, trial, pr->base, NULL);
        if (run_one(s->o, &spec, &r) < 0)
            r.status = RUN_LOADGEN_FAILED; /* bench's own failure: the model is not blamed */
        s->runs_done++;
        s->added_runs += trial > pr->base;
        pr->runs++;
        pr->wall_s += r.wall_s;
        if (r.status == RUN_FAILED_TO_START || r.status == RUN_UNAVAILABLE) {
            s->unavailable[m] = true;
            snprintf(s->unavailable_why[m], sizeof(s->unavailable_why[m]), "%s", r.detail);
        }
        if (r.status == RUN_UNAVAILABLE) {
            /* Not a trial that failed: the point, and every later one, says why. */
            run_progress(s, scenario, slot_name(s, m), pr->p, trial, pr->base, &r);
            run_result_free(&r);
            continue;
        }
        json_t *tj = record_trial(&spec, &r, trial);
        json_object_set_new(tj, "seq", json_integer(pr->seq));
        json_array_append_new(pr->trials[m], tj);
        run_progress(s, scenario, slot_name(s, m), pr->p, trial, pr->base, &r);
        run_result_free(&r);
    }
}

/* The slots of a round: those of runs still available, and the floor when a model
 * runs in it. */
static unsigned round_slots(const struct suite *s, const struct point_run *pr, const bool *runs,
                            bool *now)
{
    unsigned n = 0;
    for (unsigned m = 0; m < pr->nslots; m++) {
        now[m] = runs[m] && !s->unavailable[m] && m != s->floor_slot;
        n += now[m];
    }
    if (pr->nslots > s->floor_slot)
        now[s->floor_slot] = n > 0 && runs[s->floor_slot] && !s->unavailable[s->floor_slot];
    return n;
}

/* The planner's rounds at a closed-loop point (planner.h): past the base rounds,
 * another round of the models whose throughput's median interval is still too wide,
 * the floor with them, while they have fewer than --max-trials and the budget of the
 * added trials allows. Marks in by_budget the models the budget stopped. */
static void add_rounds(struct suite *s, struct point_run *pr, const bool *runs, bool *by_budget)
{
    const struct bench_opts *o = s->o;
    struct planner_budget b = {.budget_s = (double)o->budget_ns / 1e9};
    for (unsigned trial = pr->base + 1; trial <= o->max_trials && !bench_interrupted; trial++) {
        bool now[MAX_MODELS];
        unsigned r = 0;
        round_slots(s, pr, runs, now);
        for (unsigned m = 0; m < o->nmodels; m++) {
            double v[MAX_TRIALS];
            if (now[m] && json_array_size(pr->trials[m]) < o->max_trials) {
                unsigned n = measured_throughputs(pr->trials[m], v);
                now[m] = planner_needs_more(v, n, o->max_trials, o->target_ci_pct, NULL, NULL);
            } else {
                now[m] = false;
            }
            r += now[m];
        }
        if (r == 0)
            return;
        if (pr->nslots > s->floor_slot && now[s->floor_slot])
            r++;
        b.spent_s = s->added_s;
        b.round_s = pr->runs ? r * pr->wall_s / pr->runs : 0;
        if (!planner_budget_allows(&b)) {
            for (unsigned m = 0; m < o->nmodels; m++)
                by_budget[m] = now[m];
            if (!s->budget_spent_at[0])
                snprintf(s->budget_spent_at, sizeof(s->budget_spent_at), "%s/%s", pr->sc->name,
                         pr->p->label);
            return;
        }
        uint64_t t0 = clock_now_ns();
        run_round(s, pr, now, trial);
        s->added_s += (double)(clock_now_ns() - t0) / 1e9;
    }
}

/* A model point's "precision": how wide its throughput's median interval came out,
 * and why no more trials were run. Counts the point in the planner's figures. */
static json_t *precision_json(struct suite *s, json_t *trials, bool adaptive, bool by_budget)
{
    double v[MAX_TRIALS], half = NAN, level = NAN;
    unsigned n = measured_throughputs(trials, v);
    /* One past n: the interval's figures, whether or not more could run. */
    planner_needs_more(v, n, n + 1, s->o->target_ci_pct, &half, &level);
    bool met = s->o->target_ci_pct > 0 && isfinite(level) && level >= PLANNER_LEVEL &&
               isfinite(half) && half <= s->o->target_ci_pct;
    /* A median of 0 (echo-iterative behind an idle client): no width relative to it,
     * and no number of trials gives one. */
    struct summary sum;
    summarize(v, n, &sum);
    bool zero = n > 0 && !(sum.median > 0);
    const char *stopped = n == 0      ? "failed"
                          : !adaptive ? "not_adaptive"
                          : zero      ? "zero"
                          : met       ? "met"
                          : by_budget ? "budget"
                                      : "max_trials";
    if (adaptive && n > 0 && !zero) {
        s->points_judged++;
        s->points_met += met;
    }
    return json_pack("{s:s,s:o,s:o,s:b,s:s}", "metric", "throughput_rps", "half_width_pct",
                     isfinite(half) ? json_real(round_to(half, 3)) : json_null(), "level",
                     isfinite(level) ? json_real(round_to(level, 6)) : json_null(), "met", met,
                     "stopped", stopped);
}

/* The JSON of one slot's point (a model's, or the floor's): its trials, status and
 * summary. Takes the trials. */
static json_t *slot_point(struct suite *s, const struct point_run *pr, unsigned m, bool runs,
                          const char *why)
{
    const struct point *p = pr->p;
    json_t *trials = pr->trials[m];
    json_t *pt = json_pack("{s:s,s:s,s:f,s:i,s:i}", "model", slot_name(s, m), "label", p->label,
                           "x", p->x, "connections", (int)p->connections, "idle", (int)p->idle);
    if (m == s->floor_slot)
        json_object_set_new(pt, "reference", json_true());
    else if (external_of(s->o, slot_name(s, m)))
        json_object_set_new(pt, "external", json_true());
    if (p->rate_rps > 0) {
        json_object_set_new(pt, "target_rps", json_real(p->rate_rps));
        json_object_set_new(pt, "fraction", p->fraction > 0 ? json_real(p->fraction) : json_null());
    }
    json_t *sargs = json_array();
    for (unsigned i = 0; i < p->nserver_args; i++)
        json_array_append_new(sargs, json_string(p->server_args[i]));
    json_object_set_new(pt, "server_args", sargs);
    if (!runs) {
        /* The word before the colon: capped, skipped or saturated. */
        json_object_set_new(pt, "status", json_stringn(why, strcspn(why, ":")));
        json_object_set_new(pt, "note", json_string(why));
    } else if (s->unavailable[m] && json_array_size(trials) == 0) {
        json_object_set_new(pt, "status", json_string("unavailable"));
        json_object_set_new(pt, "note", json_string(s->unavailable_why[m]));
    } else if (m == s->floor_slot && json_array_size(trials) == 0 && !bench_interrupted) {
        json_object_set_new(pt, "status", json_string("skipped"));
        json_object_set_new(pt, "note",
                            json_string("skipped: the floor runs in the rounds in which a model "
                                        "runs, and no model ran here"));
    } else {
        json_object_set_new(pt, "status",
                            json_string(record_point_status(trials, pr->base, bench_interrupted)));
        if (s->unavailable[m] && json_array_size(trials) < pr->base)
            json_object_set_new(pt, "note", json_string(s->unavailable_why[m]));
    }
    /* Where loadgen, not the server, may have set the pace, the point says so. */
    unsigned saturated = 0, disturbed = 0, unsettled = 0, skewed = 0;
    size_t i;
    json_t *t;
    json_array_foreach(trials, i, t)
    {
        saturated += json_is_true(json_object_get(t, "loadgen_saturated"));
        skewed += json_is_true(json_object_get(json_object_get(t, "agents"), "skew_over_bound"));
        disturbed += json_is_true(json_object_get(t, "disturbed"));
        unsettled +=
            json_is_false(json_object_get(json_object_get(t, "resources"), "base_settled"));
    }
    json_object_set_new(pt, "loadgen_saturated_trials", json_integer(saturated));
    if (p->rate_rps > 0) { /* the open loop: bench's lag rule, and the early stop's */
        unsigned lagged = 0, under = 0;
        json_array_foreach(trials, i, t)
        {
            lagged += json_is_true(json_object_get(t, "lagged"));
            json_t *ratio = json_object_get(t, "achieved_ratio");
            under += json_is_number(ratio) && json_number_value(ratio) < LOAD_UNDER;
        }
        json_object_set_new(pt, "lagged_trials", json_integer(lagged));
        json_object_set_new(pt, "under_trials", json_integer(under));
    }
    json_object_set_new(pt, "base_unsettled_trials", json_integer(unsettled));
    json_object_set_new(pt, "disturbed_trials", json_integer(disturbed));
    /* Across hosts: trials whose agents started further apart than --skew-bound. */
    if (s->o->nagents > 1)
        json_object_set_new(pt, "skewed_trials", json_integer(skewed));
    json_object_set_new(pt, "summary", record_point_summary(trials));
    json_object_set_new(pt, "trials", trials);
    return pt;
}

/* Runs every model at one point, the trials interleaved (the floor beside them in the
 * concurrency and load scenarios), then the planner's rounds, and records it. */
int run_point(struct suite *s, const struct scenario *sc, const struct point *p, json_t *points)
{
    const struct bench_opts *o = s->o;
    struct point_run pr = {.sc = sc, .p = p, .nslots = o->nmodels};
    char why[MAX_MODELS][512];
    bool runs[MAX_MODELS];

    if (floor_here(s, sc->name))
        pr.nslots++;
    for (unsigned m = 0; m < pr.nslots; m++) {
        runs[m] = model_runs(s, sc->name, m, p, why[m], sizeof(why[m]));
        pr.trials[m] = json_array();
    }
    /* The whole run is one sequence of runs: the point's first round must not start
     * with the model that ended the point before, in this scenario or the last. */
    order_init(&pr.ord, point_seed(sc->name, p->label), s->last_model);
    pr.base = p->trials ? p->trials : o->trials;
    bool now[MAX_MODELS];
    for (unsigned trial = 1; trial <= pr.base && !bench_interrupted; trial++) {
        /* A round of the models that run here, in an order of its own (order.c). */
        round_slots(s, &pr, runs, now);
        run_round(s, &pr, now, trial);
    }
    /* The open loop's throughput is the offered rate: nothing for the planner. */
    bool adaptive =
        p->rate_rps <= 0 && p->trials == 0 && o->target_ci_pct > 0 && o->max_trials > pr.base;
    bool by_budget[MAX_MODELS] = {false};
    if (adaptive)
        add_rounds(s, &pr, runs, by_budget);
    bool paired = pr.nslots > s->floor_slot && json_array_size(pr.trials[s->floor_slot]) > 0;
    for (unsigned m = 0; m < o->nmodels; m++) {
        if (p->only && !p->only[m]) {
            json_decref(pr.trials[m]);
            continue;
        }
        /* Only a point that ran has a precision (not one capped, skipped or saturated). */
        json_t *prec =
            runs[m] ? precision_json(s, pr.trials[m], adaptive, by_budget[m]) : json_null();
        json_t *vs = paired ? vs_floor_json(pr.trials[m], pr.trials[s->floor_slot]) : json_null();
        json_t *pt = slot_point(s, &pr, m, runs[m], why[m]);
        json_object_set_new(pt, "precision", prec);
        json_object_set_new(pt, "vs_floor", vs ? vs : json_null());
        json_array_append_new(points, pt);
    }
    if (pr.nslots > s->floor_slot)
        json_array_append_new(
            points, slot_point(s, &pr, s->floor_slot, runs[s->floor_slot], why[s->floor_slot]));
    return write_bench(s);
}
