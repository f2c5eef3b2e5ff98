/* What bench.json records of a run: a trial from loadgen's run JSON and the server's
 * figures, and a point's status and summaries over its trials. */
#include "bench.h"

#include "evidence.h"

#include "hist.h"
#include "jsonio.h"

#include <math.h>
#include <string.h>

static double jnum(json_t *root, const char *a, const char *b)
{
    json_t *v = json_object_get(root, a);
    if (b)
        v = json_object_get(v, b);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static json_t *num_or_null(double v)
{
    return isnan(v) ? json_null() : json_real(round_to(v, 3));
}

/* The latency at each percentile of the spectrum (as HdrHistogram plots it), from
 * loadgen's histogram: [[percentile, us], ...]; the plots need no raw file. */
static json_t *spectrum_json(json_t *latency)
{
    static const double ps[] = {0,    50,    75,    90,     95,     99, 99.5,
                                99.9, 99.95, 99.99, 99.995, 99.999, 100};
    struct hist h;
    json_t *a = json_array();
    if (hist_init_default(&h) < 0)
        return a;
    if (hist_add_json(&h, latency) == 0 && h.total > 0)
        for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++)
            json_array_append_new(
                a, json_pack("[f,f]", ps[i], (double)hist_percentile(&h, ps[i]) / 1000.0));
    hist_free(&h);
    return a;
}

/* loadgen's timeline, compact: [[t_s, rps, p99_us or null], ...]. */
static json_t *timeline_json(json_t *timeline)
{
    json_t *a = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(timeline, i, e)
    {
        json_t *p99 = json_object_get(e, "p99_us");
        json_array_append_new(a, json_pack("[f,f,O]", jnum(e, "t_s", NULL), jnum(e, "rps", NULL),
                                           p99 ? p99 : json_null()));
    }
    return a;
}

static json_t *share_json(const struct proc_cpu_share *d)
{
    return json_pack("{s:f,s:f,s:f,s:f}", "others_share", round_to(d->others, 4), "steal_share",
                     round_to(d->steal, 4), "softirq_share", round_to(d->softirq, 4), "irq_share",
                     round_to(d->irq, 4));
}

/* What else ran on the server's and loadgen's CPUs over the warmup and the window
 * (run.c), or null when it was not measured. */
static json_t *disturbance_json(const struct run_usage *u)
{
    if (!u->have_disturbance)
        return json_null();
    return json_pack("{s:f,s:o,s:o,s:f,s:f,s:f,s:b}", "window_s", round_to(u->dist_window_s, 4),
                     "server_cpus", share_json(&u->server_share), "loadgen_cpus",
                     share_json(&u->loadgen_share), "bench_cpu_s", round_to(u->bench_cpu_s, 4),
                     "loadgen_cpu_s", round_to(u->loadgen_cpu_s, 4), "tick_share",
                     round_to(u->dist_tick_share, 4), "shared_cpus", u->dist_shared);
}

/* The figures of one trial, from loadgen's JSON, the stats line and the sampled usage. */
json_t *record_trial(const struct run_spec *spec, const struct run_result *r, unsigned trial)
{
    json_t *t = json_pack("{s:i,s:s,s:s,s:s,s:f}", "trial", (int)trial, "status",
                          run_status_names[r->status], "detail", r->detail, "raw", spec->name,
                          "wall_s", round_to(r->wall_s, 3));
    /* Across hosts: the agents and how far apart their windows started. */
    json_object_set_new(
        t, "agents",
        r->agents
            ? json_pack("{s:i,s:b,s:f,s:f,s:o}", "n", (int)r->agents, "skew_over_bound",
                        r->skew_over, "start_skew_us", round_to(r->start_skew_us, 1),
                        "skew_uncertainty_us", round_to(r->skew_uncertainty_us, 1), "t0_spread_us",
                        isnan(r->t0_spread_us) ? json_null()
                                               : json_real(round_to(r->t0_spread_us, 1)))
            : json_null());
    json_t *lg = r->loadgen;
    if (lg) {
        double errors = 0;
        const char *key;
        json_t *v;
        json_object_foreach(json_object_get(json_object_get(lg, "requests"), "errors"), key, v)
            errors += json_number_value(v);
        json_object_set_new(t, "throughput_rps", num_or_null(jnum(lg, "throughput_rps", NULL)));
        json_object_set_new(t, "p50_us", num_or_null(jnum(lg, "latency_us", "p50")));
        json_object_set_new(t, "p90_us", num_or_null(jnum(lg, "latency_us", "p90")));
        json_object_set_new(t, "p99_us", num_or_null(jnum(lg, "latency_us", "p99")));
        json_object_set_new(t, "p999_us", num_or_null(jnum(lg, "latency_us", "p999")));
        json_object_set_new(t, "max_us", num_or_null(jnum(lg, "latency_us", "max")));
        json_object_set_new(t, "connect_p50_us", num_or_null(jnum(lg, "connect_us", "p50")));
        json_object_set_new(t, "completed", num_or_null(jnum(lg, "requests", "completed")));
        json_object_set_new(t, "errors", json_real(errors));
        json_object_set_new(
            t, "timeouts", num_or_null(jnum(json_object_get(lg, "requests"), "errors", "timeout")));
        json_object_set_new(t, "starved", num_or_null(jnum(lg, "fairness", "starved")));
        json_object_set_new(t, "jain", num_or_null(jnum(lg, "fairness", "jain")));
        json_object_set_new(t, "idle_open_at_end", num_or_null(jnum(lg, "idle", "open_at_end")));
        json_object_set_new(
            t, "setup_timeouts",
            num_or_null(jnum(json_object_get(lg, "requests"), "setup_errors", "timeout")));
        /* The active connections up when the window began, and every setup error (the
         * priming read's timeouts among them): that connects and writes returned. */
        json_object_set_new(t, "established_at_start",
                            num_or_null(jnum(lg, "connections", "established_at_start")));
        double setup_errors = 0;
        json_object_foreach(json_object_get(json_object_get(lg, "requests"), "setup_errors"), key,
                            v) setup_errors += json_number_value(v);
        json_object_set_new(t, "setup_errors", json_real(setup_errors));
        json_object_set_new(t, "censored", num_or_null(jnum(lg, "requests", "censored")));
        /* Requests lost with a failing connection: the percentiles are over the others. */
        json_object_set_new(t, "abandoned", num_or_null(jnum(lg, "requests", "abandoned")));
        /* The pacer's lateness, open loop only (loadgen writes null in the closed loop). */
        json_object_set_new(t, "send_lag_p50_us", num_or_null(jnum(lg, "send_lag_us", "p50")));
        json_object_set_new(t, "send_lag_p99_us", num_or_null(jnum(lg, "send_lag_us", "p99")));
        /* The open loop's figures (null in the closed loop): the rate asked, the rate
         * the schedule intended in the window, the latency from the actual send, how
         * many were due but unsent at the end, and bench's lag rule (load.c). */
        double offered = jnum(lg, "open_loop", "scheduled_rps");
        double achieved = jnum(lg, "throughput_rps", NULL);
        json_object_set_new(t, "target_rps", num_or_null(jnum(lg, "open_loop", "target_rps")));
        json_object_set_new(t, "offered_rps", num_or_null(offered));
        json_object_set_new(t, "achieved_ratio",
                            num_or_null(offered > 0 ? achieved / offered : NAN));
        json_object_set_new(t, "service_p50_us",
                            num_or_null(jnum(lg, "service_latency_us", "p50")));
        json_object_set_new(t, "service_p99_us",
                            num_or_null(jnum(lg, "service_latency_us", "p99")));
        json_object_set_new(t, "service_p999_us",
                            num_or_null(jnum(lg, "service_latency_us", "p999")));
        json_object_set_new(t, "send_lag_max_us", num_or_null(jnum(lg, "send_lag_us", "max")));
        json_object_set_new(t, "due_unsent",
                            num_or_null(isnan(offered) ? NAN
                                                       : jnum(json_object_get(lg, "requests"),
                                                              "due_unsent_at_end", NULL)));
        json_t *kept = json_object_get(json_object_get(lg, "open_loop"), "schedule_kept");
        json_object_set_new(t, "schedule_kept",
                            json_is_boolean(kept) ? json_incref(kept) : json_null());
        double lag50 = jnum(lg, "send_lag_us", "p50"), p50 = jnum(lg, "latency_us", "p50");
        double lag99 = jnum(lg, "send_lag_us", "p99"), p99 = jnum(lg, "latency_us", "p99");
        json_object_set_new(
            t, "lagged",
            isnan(lag99) || isnan(p99) || isnan(lag50) || isnan(p50)
                ? json_null()
                : json_boolean(lag99 > LAGGED_SHARE * p99 || lag50 > LAGGED_SHARE * p50));
        json_object_set_new(t, "spectrum", spectrum_json(json_object_get(lg, "latency_us")));
        json_object_set_new(t, "timeline", timeline_json(json_object_get(lg, "timeline")));
        json_object_set_new(t, "loadgen_saturated",
                            json_boolean(json_is_true(
                                json_object_get(json_object_get(lg, "loadgen_cpu"), "saturated"))));
    }
    /* CPU per request over the warmup and the window, which loadgen held still for:
     * the CPU time the tree used from "primed" to t1, over the echoes loadgen completed
     * in between. Memory per connection: the tree's proportional anonymous memory with
     * every connection up and served once, less before any, over the connections that
     * were up. */
    const struct run_usage *u = &r->usage;
    double served = lg ? jnum(json_object_get(lg, "requests"), "completed_from_start", NULL) : NAN;
    /* The connections the server held at once (select refuses those past FD_SETSIZE);
     * what loadgen had up where the stats line is missing. */
    double held = r->server_stats ? jnum(r->server_stats, "max_concurrent", NULL) : NAN;
    double up =
        held > 0 ? held
        : lg     ? jnum(lg, "idle", "established") + jnum(lg, "connections", "established_at_start")
                 : NAN;
    json_t *cpu_per_req = u->have_window_cpu && !isnan(u->window_cpu_s) && served > 0
                              ? json_real(round_to(u->window_cpu_s * 1e6 / served, 3))
                              : json_null();
    json_t *mem_per_conn =
        u->primed_pss_anon_kib > 0 && up > 0
            ? json_real(round_to(
                  (double)(u->primed_pss_anon_kib - u->base_pss_anon_kib) * 1024.0 / up, 1))
            : json_null();
    json_object_set_new(t, "server", r->server_stats ? json_incref(r->server_stats) : json_null());
    json_object_set_new(
        t, "resources",
        json_pack("{s:f,s:f,s:o,s:o,s:i,s:i,s:i,s:i,s:o,s:i,s:i,s:I,s:I,s:i,s:f}", "cpu_user_s",
                  round_to(u->cpu_user_s, 4), "cpu_sys_s", round_to(u->cpu_sys_s, 4),
                  "window_cpu_s", num_or_null(u->have_window_cpu ? u->window_cpu_s : NAN),
                  "cpu_us_per_request", cpu_per_req, "base_rss_kib", (int)u->base_rss_kib,
                  "peak_rss_kib", (int)u->peak_rss_kib, "base_pss_anon_kib",
                  (int)u->base_pss_anon_kib, "primed_pss_anon_kib", (int)u->primed_pss_anon_kib,
                  "memory_per_connection_bytes", mem_per_conn, "peak_threads", u->peak_threads,
                  "peak_processes", u->peak_processes, "ctx_voluntary",
                  (json_int_t)u->ctx_voluntary, "ctx_involuntary", (json_int_t)u->ctx_involuntary,
                  "samples", (int)u->samples, "max_sample_gap_ms",
                  round_to((double)u->max_sample_gap_ns / 1e6, 1)));
    json_t *res = json_object_get(t, "resources");
    json_object_set_new(res, "idle_settle_s", json_real(round_to(u->settle_s, 3)));
    json_object_set_new(res, "idle_settle_changed_s", json_real(round_to(u->settle_changed_s, 3)));
    json_object_set_new(res, "idle_settle_capped", json_boolean(u->settle_capped));
    json_object_set_new(res, "base_settled", json_boolean(u->base_settled));
    json_object_set_new(res, "base_readings", json_integer(u->base_readings));
    /* The share of its CPUs the server used over the warmup and the window: whether a
     * model that fell behind the offered rate was busy doing so (load.c). */
    double span = lg ? jnum(lg, "measured_s", NULL) + jnum(lg, "config", "warmup_s") : NAN;
    json_object_set_new(res, "server_cpu_util",
                        num_or_null(u->have_window_cpu && span > 0 && spec->nserver_cpus
                                        ? u->window_cpu_s / (span * spec->nserver_cpus)
                                        : NAN));
    /* Across hosts the supervisor's readings have no context switches and bench keeps
     * no gaps between them; a server elsewhere has CPUs bench does not know: not
     * measured, so null, not 0. */
    if (r->agents) {
        json_object_set_new(res, "ctx_voluntary", json_null());
        json_object_set_new(res, "ctx_involuntary", json_null());
        json_object_set_new(res, "max_sample_gap_ms", json_null());
        if (r->server_elsewhere)
            json_object_set_new(res, "server_cpu_util", json_null());
    }
    /* The divisor of memory_per_connection_bytes, said beside it. */
    json_object_set_new(res, "connections_held", num_or_null(up));
    /* Disturbed: what else ran on the server's CPUs (others, a lower bound, and steal)
     * took more than DISTURBED_SHARE of them, and more than a few ticks' worth, which is
     * what the counters can tell apart. softirq and irq are loopback's own work too, so
     * they are said but not counted. Where the server shares CPUs with loadgen, loadgen's
     * time there cannot be split from the rest: not judged. */
    double bar = fmax(DISTURBED_SHARE, DISTURBED_TICKS * u->dist_tick_share);
    /* The capacity scenario's evidence (evidence.h): what the server held against its
     * limits, and what the machine had left. */
    if (u->lim.taken)
        json_object_set_new(t, "limits", evidence_json(&u->lim));
    json_object_set_new(t, "disturbance", disturbance_json(u));
    json_object_set_new(t, "disturbed",
                        u->have_disturbance && !u->dist_shared
                            ? json_boolean(u->server_share.others + u->server_share.steal > bar)
                            : json_null());
    return t;
}

/* The numbers at key (in the trial, or in its "resources"/"server") of the trials that
 * measured: ok, or hung (the server would not stop, but loadgen's window was sound and
 * what is missing is missing); at most max. */
static unsigned collect(json_t *trials, const char *obj, const char *key, double *v, unsigned max)
{
    unsigned n = 0;
    size_t i;
    json_t *t;
    json_array_foreach(trials, i, t)
    {
        const char *status = json_string_value(json_object_get(t, "status"));
        if (strcmp(status, "ok") != 0 && strcmp(status, "hung") != 0)
            continue;
        double x = jnum(obj ? json_object_get(t, obj) : t, key, NULL);
        if (!isnan(x) && n < max)
            v[n++] = x;
    }
    return n;
}

/* A point's status from its trials: ok (every trial measured), partial, failed (none
 * did), interrupted (bench stopped before every trial ran), not_run (none ran). A model
 * that failed to start runs no more trials: that is its failure, not an interruption. */
const char *record_point_status(json_t *trials, unsigned wanted, bool stopped)
{
    double v[MAX_TRIALS];
    size_t ran = json_array_size(trials);
    unsigned measured = collect(trials, NULL, "throughput_rps", v, MAX_TRIALS);
    size_t i;
    json_t *t;
    bool interrupted = stopped && ran < wanted;
    json_array_foreach(trials, i, t) interrupted |=
        strcmp(json_string_value(json_object_get(t, "status")), "interrupted") == 0;
    unsigned ok = 0;
    json_array_foreach(trials, i, t) ok +=
        strcmp(json_string_value(json_object_get(t, "status")), "ok") == 0;
    if (ran == 0)
        return "not_run";
    if (interrupted)
        return "interrupted";
    return measured == 0 ? "failed" : ok < ran ? "partial" : "ok";
}

/* Summaries over the trials of one model at one point. */
json_t *record_point_summary(json_t *trials)
{
    static const struct {
        const char *obj, *key, *as;
    } metrics[] = {
        {NULL, "throughput_rps", "throughput_rps"},
        {NULL, "p50_us", "p50_us"},
        {NULL, "p90_us", "p90_us"},
        {NULL, "p99_us", "p99_us"},
        {NULL, "p999_us", "p999_us"},
        {NULL, "offered_rps", "offered_rps"},
        {NULL, "achieved_ratio", "achieved_ratio"},
        {NULL, "service_p50_us", "service_p50_us"},
        {NULL, "service_p99_us", "service_p99_us"},
        {NULL, "service_p999_us", "service_p999_us"},
        {NULL, "send_lag_p99_us", "send_lag_p99_us"},
        {NULL, "due_unsent", "due_unsent"},
        {NULL, "connect_p50_us", "connect_p50_us"},
        {NULL, "errors", "errors"},
        {NULL, "starved", "starved"},
        {NULL, "jain", "jain"},
        {"resources", "cpu_us_per_request", "cpu_us_per_request"},
        {"resources", "memory_per_connection_bytes", "memory_per_connection_bytes"},
        {"resources", "peak_rss_kib", "peak_rss_kib"},
        {"resources", "window_cpu_s", "window_cpu_s"},
        {"resources", "peak_threads", "peak_threads"},
        {"resources", "peak_processes", "peak_processes"},
        {"resources", "ctx_involuntary", "ctx_involuntary"},
        {"server", "rejected", "rejected"},
    };
    json_t *s = json_object();
    double v[MAX_TRIALS];
    for (size_t m = 0; m < sizeof(metrics) / sizeof(metrics[0]); m++) {
        struct summary sum;
        summarize(v, collect(trials, metrics[m].obj, metrics[m].key, v, MAX_TRIALS), &sum);
        json_object_set_new(s, metrics[m].as, summary_json(&sum));
    }
    return s;
}
