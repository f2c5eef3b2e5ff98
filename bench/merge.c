/* Several loadgen agents' runs as one run JSON (merge.h). What is exact, what is an
 * upper bound and what is null is written down in docs/loadgen.md, "Merging agents'
 * runs": keep the two together. */
#include "merge.h"

#include "fairness.h"
#include "hist.h"
#include "jsonio.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RUN_SCHEMA "echobench.run/1"

/* The histograms of a run; the open loop's two are null in the closed loop. */
static const char *const hist_keys[] = {"latency_us", "service_latency_us", "send_lag_us",
                                        "connect_us", "setup_connect_us"};

/* The options every agent must share for their runs to be one run. */
static const char *const same_config[] = {"mode",       "pipeline", "message_bytes",
                                          "duration_s", "warmup_s", "timeout_s",
                                          "prime",      "spin_us",  "arrivals"};

/* The objects whose whole numbers are summed, key by key (errors by kind inside);
 * idle has times beside its counts (merge_idle). */
static const char *const summed[] = {"requests", "bytes", "connections"};

/* The idle counts summed (requested, established, open_at_end, attempts). */
static const char *const idle_counts[] = {"requested", "established", "open_at_end", "attempts"};

/* The top-level keys merged below; any other one is set null, with a note. */
static const char *const known[] = {
    "schema",        "tool",           "started_at",       "config",
    "measured_s",    "interrupted",    "requests",         "throughput_rps",
    "open_loop",     "bytes",          "latency_us",       "service_latency_us",
    "send_lag_us",   "connect_us",     "setup_connect_us", "connections",
    "idle",          "fairness",       "per_connection",   "timeline",
    "loadgen_cpu",   "loadgen_memory", "warnings",         "agents",
    "agents_detail", "merge_notes"};

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

__attribute__((format(printf, 3, 4))) static int say(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* v, or null where it is missing: json_pack fails on a NULL "O". */
static json_t *or_null(json_t *v)
{
    return v ? v : json_null();
}

static double num(const json_t *obj, const char *key)
{
    return json_number_value(json_object_get(obj, key));
}

static bool is_open(const json_t *run)
{
    const char *mode = json_string_value(json_object_get(json_object_get(run, "config"), "mode"));
    return mode && strcmp(mode, "open") == 0;
}

/* That run k has the fields the merge reads, of their types, and the options of run
 * 0. Returns 0, or -1 with err. */
static int check_run(json_t *const *runs, unsigned k, char *err, size_t errlen)
{
    static const char *objects[] = {"config",     "requests",   "bytes",           "connections",
                                    "idle",       "fairness",   "loadgen_cpu",     "loadgen_memory",
                                    "latency_us", "connect_us", "setup_connect_us"};
    static const char *numbers[] = {"measured_s", "throughput_rps"};
    const json_t *run = runs[k];
    const char *schema = json_string_value(json_object_get(run, "schema"));

    if (!json_is_object(run))
        return say(err, errlen, "agent %u's run is not a JSON object", k);
    if (!schema || strcmp(schema, RUN_SCHEMA) != 0)
        return say(err, errlen,
                   "agent %u's run has schema '%s', not " RUN_SCHEMA
                   ": run the same loadgen on every agent",
                   k, schema ? schema : "(none)");
    for (size_t i = 0; i < NELEMS(objects); i++)
        if (!json_is_object(json_object_get(run, objects[i])))
            return say(err, errlen, "agent %u's run lacks the object %s: not a whole loadgen run",
                       k, objects[i]);
    for (size_t i = 0; i < NELEMS(numbers); i++)
        if (!json_is_number(json_object_get(run, numbers[i])))
            return say(err, errlen, "agent %u's run lacks the number %s: not a whole loadgen run",
                       k, numbers[i]);
    if (!json_is_array(json_object_get(run, "timeline")) ||
        !json_is_array(json_object_get(run, "warnings")))
        return say(err, errlen, "agent %u's run lacks its timeline or warnings array", k);
    const json_t *cfg = json_object_get(run, "config"), *cfg0 = json_object_get(runs[0], "config");
    for (size_t i = 0; i < NELEMS(same_config); i++) {
        const json_t *a = json_object_get(cfg, same_config[i]);
        if (!a || !json_equal((json_t *)a, json_object_get(cfg0, same_config[i])))
            return say(err, errlen,
                       "agent %u's config.%s differs from agent 0's (or is missing): agents "
                       "must run the same options but for -c, -i, -t, -R, --cpus, --seed, "
                       "--sources and --source-from",
                       k, same_config[i]);
    }
    const json_t *idle = json_object_get(run, "idle"), *idle0 = json_object_get(runs[0], "idle");
    for (size_t i = 0; i < NELEMS(idle_counts); i++)
        if (!json_is_integer(json_object_get(idle, idle_counts[i])))
            return say(err, errlen, "agent %u's run lacks the count idle.%s: an older loadgen?", k,
                       idle_counts[i]);
    if (!json_equal(json_object_get(idle, "open_within_s") ?: json_null(),
                    json_object_get(idle0, "open_within_s") ?: json_null()))
        return say(err, errlen,
                   "agent %u's idle.open_within_s differs from agent 0's: agents must run the "
                   "same --open-within",
                   k);
    bool open = is_open(run);
    for (int i = 1; i <= 2; i++)
        if (open ? !json_is_object(json_object_get(run, hist_keys[i]))
                 : !json_is_null(json_object_get(run, hist_keys[i])))
            return say(err, errlen, "agent %u's %s should be %s in the %s loop", k, hist_keys[i],
                       open ? "an object" : "null", open ? "open" : "closed");
    if (open != json_is_object(json_object_get(run, "open_loop")))
        return say(err, errlen, "agent %u's run %s open_loop, in the %s loop", k,
                   open ? "lacks" : "has", open ? "open" : "closed");
    return 0;
}

/* The whole numbers of objs (one object per agent), summed key by key, the objects in
 * them (errors by kind) likewise. Returns a new object, or NULL with err. */
static json_t *sum_object(json_t **objs, unsigned n, const char *path, char *err, size_t errlen)
{
    json_t *out = json_object(), *v;
    json_t **parts = calloc(n, sizeof(*parts));
    const char *key;

    if (!out || !parts) {
        say(err, errlen, "out of memory merging the agents' runs");
        goto fail;
    }
    json_object_foreach(objs[0], key, v)
    {
        for (unsigned k = 0; k < n; k++) {
            parts[k] = json_object_get(objs[k], key);
            if (!parts[k] || json_typeof(parts[k]) != json_typeof(v)) {
                say(err, errlen, "agent %u's %s.%s is missing or not as agent 0's", k, path, key);
                goto fail;
            }
        }
        json_t *sum;
        if (json_is_integer(v)) {
            json_int_t total = 0;
            for (unsigned k = 0; k < n; k++)
                total += json_integer_value(parts[k]);
            sum = json_integer(total);
        } else if (json_is_object(v)) {
            char sub[128];
            snprintf(sub, sizeof(sub), "%s.%s", path, key);
            if (!(sum = sum_object(parts, n, sub, err, errlen)))
                goto fail;
        } else {
            say(err, errlen, "%s.%s is not a count: the merge does not know it", path, key);
            goto fail;
        }
        json_object_set_new(out, key, sum);
    }
    free(parts);
    return out;

fail:
    free(parts);
    json_decref(out);
    return NULL;
}

/* sum_object over the object key of each run. */
static json_t *sum_column(json_t *const *runs, unsigned n, const char *key, char *err,
                          size_t errlen)
{
    json_t **parts = calloc(n, sizeof(*parts));
    if (!parts) {
        say(err, errlen, "out of memory merging the agents' runs");
        return NULL;
    }
    for (unsigned k = 0; k < n; k++)
        parts[k] = json_object_get(runs[k], key);
    json_t *sum = sum_object(parts, n, key, err, errlen);
    free(parts);
    return sum;
}

/* The idle connections: the counts summed; open_s the longest of the agents' (they
 * open together: the last one up is the whole's), null when none opened any;
 * open_within_s theirs (check_run: all alike). */
static json_t *merge_idle(json_t *const *runs, unsigned n)
{
    json_t *out = json_object(), *longest = json_null();

    for (size_t i = 0; i < NELEMS(idle_counts); i++) {
        json_int_t total = 0;
        for (unsigned k = 0; k < n; k++)
            total += json_integer_value(
                json_object_get(json_object_get(runs[k], "idle"), idle_counts[i]));
        json_object_set_new(out, idle_counts[i], json_integer(total));
    }
    for (unsigned k = 0; k < n; k++) {
        json_t *open_s = json_object_get(json_object_get(runs[k], "idle"), "open_s");
        if (json_is_number(open_s) &&
            (json_is_null(longest) || json_number_value(open_s) > json_number_value(longest)))
            longest = open_s;
    }
    json_object_set(out, "open_s", longest);
    json_t *within = json_object_get(json_object_get(runs[0], "idle"), "open_within_s");
    json_object_set(out, "open_within_s", within ?: json_null());
    return out;
}

/* A histogram (hist_to_json's shape) of every agent's, bucket by bucket: exact.
 * Null when all are null (the open loop's, in the closed loop). */
static json_t *merge_hist(json_t *const *runs, unsigned n, const char *key, char *err,
                          size_t errlen)
{
    struct hist h;
    json_t *out = NULL;

    if (json_is_null(json_object_get(runs[0], key)))
        return json_null(); /* check_run: then every agent's is */
    if (hist_init_default(&h) < 0)
        return NULL;
    for (unsigned k = 0; k < n; k++)
        if (hist_add_json(&h, json_object_get(runs[k], key)) < 0) {
            say(err, errlen, "agent %u's %s: %s", k, key,
                errno == ENOMEM ? "out of memory" : "no histogram pairs, or malformed ones");
            goto done;
        }
    out = hist_to_json(&h);
done:
    hist_free(&h);
    return out;
}

/* Fairness over every connection of every agent, by loadgen's own rule (fairness.h),
 * and the per-connection arrays concatenated into *per_conn (for a merge of merges).
 * Null, with *per_conn NULL, when a run lacks them. */
static json_t *merge_fairness(json_t *const *runs, unsigned n, json_t **per_conn)
{
    bool open = is_open(runs[0]);
    json_t *done = json_array(), *due = open ? json_array() : json_null();
    struct fairness f;
    uint64_t *counts = NULL, *dues = NULL;
    size_t total = 0;

    *per_conn = NULL;
    for (unsigned k = 0; k < n; k++) {
        json_t *pc = json_object_get(runs[k], "per_connection");
        json_t *c = json_object_get(pc, "completed"), *d = json_object_get(pc, "due");
        size_t conns = (size_t)num(json_object_get(runs[k], "config"), "connections");
        if (!json_is_array(c) || json_array_size(c) != conns ||
            (open && (!json_is_array(d) || json_array_size(d) != conns)))
            goto none; /* not asked for, or not one count per connection */
        json_array_extend(done, c);
        if (open)
            json_array_extend(due, d);
    }
    total = json_array_size(done);
    counts = calloc(total + 1, sizeof(*counts));
    dues = calloc(total + 1, sizeof(*dues));
    if (!counts || !dues)
        goto none;
    for (size_t i = 0; i < total; i++) {
        counts[i] = (uint64_t)json_integer_value(json_array_get(done, i));
        if (open)
            dues[i] = (uint64_t)json_integer_value(json_array_get(due, i));
    }
    f = fairness_of(counts, open ? dues : NULL, (unsigned)total);
    free(counts);
    free(dues);
    *per_conn = json_pack("{s:o,s:o}", "completed", done, "due", due);
    return json_pack("{s:f,s:I,s:f,s:I,s:i,s:o}", "jain", round_to(f.jain, 6), "min",
                     (json_int_t)f.min, "median", f.median, "max", (json_int_t)f.max, "starved",
                     (int)f.starved, "nothing_due",
                     open ? json_integer(f.nothing_due) : json_null());

none:
    free(counts);
    free(dues);
    json_decref(done);
    json_decref(due);
    return json_null();
}

/* The timelines, bin by bin index: counts and rates summed, the bin's end and width
 * the largest of the agents', and its p99 the largest of theirs (an upper bound of the
 * p99 of all their requests in the bin: the bins' histograms are not in the JSON). */
static json_t *merge_timeline(json_t *const *runs, unsigned n)
{
    json_t *out = json_array();
    size_t bins = 0;

    for (unsigned k = 0; k < n; k++) {
        size_t len = json_array_size(json_object_get(runs[k], "timeline"));
        bins = len > bins ? len : bins;
    }
    for (size_t i = 0; i < bins; i++) {
        double t_s = 0, width_s = 0, rps = 0, p99 = -1;
        json_int_t completed = 0, errors = 0;
        for (unsigned k = 0; k < n; k++) {
            json_t *e = json_array_get(json_object_get(runs[k], "timeline"), i);
            if (!e)
                continue; /* a shorter window: nothing of this agent in the bin */
            t_s = fmax(t_s, num(e, "t_s"));
            width_s = fmax(width_s, num(e, "width_s"));
            rps += num(e, "rps");
            completed += json_integer_value(json_object_get(e, "completed"));
            errors += json_integer_value(json_object_get(e, "errors"));
            if (json_is_number(json_object_get(e, "p99_us")))
                p99 = fmax(p99, num(e, "p99_us"));
        }
        json_array_append_new(out,
                              json_pack("{s:f,s:f,s:I,s:f,s:o,s:I}", "t_s", t_s, "width_s", width_s,
                                        "completed", completed, "rps", round_to(rps, 3), "p99_us",
                                        p99 >= 0 ? json_real(p99) : json_null(), "errors", errors));
    }
    return out;
}

/* The open loop's figures: rates and counts summed, the send lag from the merged
 * histogram, the schedule kept when every agent kept its own. */
static json_t *merge_open_loop(json_t *const *runs, unsigned n, const json_t *send_lag)
{
    double target = 0, achieved = 0, scheduled_rps = 0;
    json_int_t scheduled = 0;
    bool kept = true;

    for (unsigned k = 0; k < n; k++) {
        json_t *o = json_object_get(runs[k], "open_loop");
        target += num(o, "target_rps");
        achieved += num(o, "achieved_rps");
        scheduled_rps += num(o, "scheduled_rps");
        scheduled += json_integer_value(json_object_get(o, "scheduled"));
        kept &= json_is_true(json_object_get(o, "schedule_kept"));
    }
    json_t *o0 = json_object_get(runs[0], "open_loop");
    return json_pack("{s:f,s:f,s:I,s:f,s:O,s:O,s:f,s:{s:O,s:O,s:O,s:O},s:b}", "target_rps", target,
                     "achieved_rps", round_to(achieved, 3), "scheduled", scheduled, "scheduled_rps",
                     round_to(scheduled_rps, 3), "arrivals", json_object_get(o0, "arrivals"),
                     "seed", json_object_get(o0, "seed"), "mean_gap_us",
                     round_to(target > 0 ? 1e6 / target : 0, 3), "send_lag_us", "p50",
                     json_object_get(send_lag, "p50"), "p99", json_object_get(send_lag, "p99"),
                     "max", json_object_get(send_lag, "max"), "count",
                     json_object_get(send_lag, "count"), "schedule_kept", kept);
}

/* A figure of every agent: the largest, or null when any agent's is null (unknown
 * for one is unknown for all, as loadgen's most_waited is over its threads). */
static json_t *max_or_null(json_t *const *runs, unsigned n, const char *obj, const char *key)
{
    double most = -INFINITY;
    for (unsigned k = 0; k < n; k++) {
        json_t *v = json_object_get(json_object_get(runs[k], obj), key);
        if (!json_is_number(v))
            return json_null();
        most = fmax(most, json_number_value(v));
    }
    return json_real(most);
}

/* loadgen's own cost: CPU seconds and CPUs summed, the busiest thread's share the
 * largest (with the agent it ran in), saturated when any agent was. */
static json_t *merge_cpu(json_t *const *runs, unsigned n)
{
    double user = 0, sys = 0, process = 0, busiest = -1;
    json_int_t usable = 0;
    unsigned agent = 0;
    bool saturated = false;

    for (unsigned k = 0; k < n; k++) {
        json_t *c = json_object_get(runs[k], "loadgen_cpu");
        user += num(c, "user_s");
        sys += num(c, "sys_s");
        process += num(c, "process_util");
        usable += json_integer_value(json_object_get(c, "cpus_usable"));
        saturated |= json_is_true(json_object_get(c, "saturated"));
        if (num(c, "busiest_thread_util") > busiest) {
            busiest = num(c, "busiest_thread_util");
            agent = k;
        }
    }
    json_t *c = json_object_get(runs[agent], "loadgen_cpu");
    json_t *cpu = json_pack("{s:f,s:f,s:f,s:O,s:i,s:b}", "user_s", round_to(user, 4), "sys_s",
                            round_to(sys, 4), "busiest_thread_util", busiest, "busiest_thread",
                            or_null(json_object_get(c, "busiest_thread")), "busiest_thread_agent",
                            (int)agent, "saturated", saturated);
    json_object_set_new(cpu, "most_waited", max_or_null(runs, n, "loadgen_cpu", "most_waited"));
    json_object_set_new(cpu, "most_waited_thread", json_null()); /* agents_detail says */
    json_object_set_new(cpu, "busiest_cpu", json_null());        /* CPUs of different hosts */
    json_object_set_new(cpu, "busiest_cpu_util",
                        max_or_null(runs, n, "loadgen_cpu", "busiest_cpu_util"));
    json_object_set_new(cpu, "process_util", json_real(round_to(process, 4)));
    json_object_set_new(cpu, "cpus_usable", json_integer(usable));
    return cpu;
}

/* loadgen's memory, summed over the agents, per connection by loadgen's rule. */
static json_t *merge_memory(json_t *const *runs, unsigned n, double conns)
{
    double start = 0, connected = 0;
    for (unsigned k = 0; k < n; k++) {
        json_t *m = json_object_get(runs[k], "loadgen_memory");
        start += num(m, "rss_kib_start");
        connected += num(m, "rss_kib_connected");
    }
    return json_pack("{s:I,s:I,s:f}", "rss_kib_start", (json_int_t)start, "rss_kib_connected",
                     (json_int_t)connected, "bytes_per_connection",
                     conns > 0 ? round_to((connected - start) * 1024.0 / conns, 1) : 0.0);
}

/* Each agent's own: what it was given, and loadgen's figures of itself. */
static json_t *agent_detail(const json_t *run, unsigned k)
{
    static const char *cfg_keys[] = {"target", "connections", "idle",    "threads",     "rate",
                                     "cpus",   "seed",        "sources", "source_from", "label"};
    static const char *keys[] = {"started_at",  "measured_s",     "interrupted", "throughput_rps",
                                 "loadgen_cpu", "loadgen_memory", "warnings"};
    json_t *d = json_pack("{s:i}", "agent", (int)k), *cfg = json_object_get(run, "config");

    for (size_t i = 0; i < NELEMS(cfg_keys); i++)
        json_object_set(d, cfg_keys[i], json_object_get(cfg, cfg_keys[i]) ?: json_null());
    for (size_t i = 0; i < NELEMS(keys); i++)
        json_object_set(d, keys[i], json_object_get(run, keys[i]) ?: json_null());
    json_t *kept = json_object_get(json_object_get(run, "open_loop"), "schedule_kept");
    json_object_set(d, "schedule_kept", kept ?: json_null());
    return d;
}

static json_t *merge_config(json_t *const *runs, unsigned n)
{
    json_t *cfg = json_deep_copy(json_object_get(runs[0], "config"));
    json_int_t conns = 0, idle = 0, threads = 0;
    double rate = 0;

    for (unsigned k = 0; k < n; k++) {
        json_t *c = json_object_get(runs[k], "config");
        conns += json_integer_value(json_object_get(c, "connections"));
        idle += json_integer_value(json_object_get(c, "idle"));
        threads += json_integer_value(json_object_get(c, "threads"));
        rate += num(c, "rate");
    }
    json_object_set_new(cfg, "connections", json_integer(conns));
    json_object_set_new(cfg, "idle", json_integer(idle));
    json_object_set_new(cfg, "threads", json_integer(threads));
    json_object_set_new(cfg, "rate", is_open(runs[0]) ? json_real(rate) : json_null());
    return cfg;
}

/* Everything but the counts and histograms, which need err. */
static void merge_rest(json_t *out, json_t *const *runs, unsigned n, json_t *notes)
{
    const char *started = json_string_value(json_object_get(runs[0], "started_at"));
    double measured = 0, throughput = 0;
    bool interrupted = false;
    json_t *warnings = json_array(), *detail = json_array(), *v;
    size_t i;

    for (unsigned k = 0; k < n; k++) {
        const char *at = json_string_value(json_object_get(runs[k], "started_at"));
        if (at && started && strcmp(at, started) < 0)
            started = at; /* ISO 8601 in UTC: the earliest sorts first */
        measured = fmax(measured, num(runs[k], "measured_s"));
        throughput += num(runs[k], "throughput_rps");
        interrupted |= json_is_true(json_object_get(runs[k], "interrupted"));
        json_array_foreach(json_object_get(runs[k], "warnings"), i, v)
        {
            char line[512];
            snprintf(line, sizeof(line), "agent %u: %s", k, json_string_value(v));
            json_array_append_new(warnings, json_string(line));
        }
        json_array_append_new(detail, agent_detail(runs[k], k));
        if (!json_equal(json_object_get(runs[k], "tool"), json_object_get(runs[0], "tool"))) {
            char line[160];
            snprintf(line, sizeof(line),
                     "agent %u ran another loadgen build than agent 0 (tool differs): its "
                     "figures may not be alike",
                     k);
            json_array_append_new(warnings, json_string(line));
        }
    }
    json_object_set(out, "tool", json_object_get(runs[0], "tool"));
    json_object_set_new(out, "started_at", started ? json_string(started) : json_null());
    json_object_set_new(out, "config", merge_config(runs, n));
    json_object_set_new(out, "measured_s", json_real(measured));
    json_object_set_new(out, "interrupted", json_boolean(interrupted));
    json_object_set_new(out, "throughput_rps", json_real(round_to(throughput, 3)));
    json_object_set_new(out, "timeline", merge_timeline(runs, n));
    json_object_set_new(out, "loadgen_cpu", merge_cpu(runs, n));
    json_t *cfg = json_object_get(out, "config");
    json_object_set_new(out, "loadgen_memory",
                        merge_memory(runs, n, num(cfg, "connections") + num(cfg, "idle")));
    json_object_set_new(out, "warnings", warnings);
    json_object_set_new(out, "agents_detail", detail);
    json_array_append_new(notes, json_string("measured_s is the longest of the agents' windows; "
                                             "throughput_rps is the sum of theirs, each over "
                                             "its own window"));
}

json_t *merge_runs(json_t *const *runs, unsigned n, char *err, size_t errlen)
{
    json_t *out = NULL, *notes = json_array(), *v;
    const char *key;

    if (errlen > 0)
        err[0] = '\0';
    if (n == 0) {
        say(err, errlen, "no agents' runs to merge");
        goto fail;
    }
    for (unsigned k = 0; k < n; k++)
        if (check_run(runs, k, err, errlen) < 0)
            goto fail;
    if (n == 1) { /* nothing to merge: the run as loadgen wrote it */
        json_decref(notes);
        out = json_deep_copy(runs[0]);
        json_object_set_new(out, "agents", json_integer(1));
        json_object_set_new(out, "agents_detail", json_pack("[o]", agent_detail(runs[0], 0)));
        return out;
    }
    out = json_pack("{s:s}", "schema", RUN_SCHEMA);
    for (size_t i = 0; i < NELEMS(summed); i++) {
        json_t *sum = sum_column(runs, n, summed[i], err, errlen);
        if (!sum)
            goto fail;
        json_object_set_new(out, summed[i], sum);
    }
    json_object_set_new(out, "idle", merge_idle(runs, n));
    for (size_t i = 0; i < NELEMS(hist_keys); i++) {
        json_t *h = merge_hist(runs, n, hist_keys[i], err, errlen);
        if (!h)
            goto fail;
        json_object_set_new(out, hist_keys[i], h);
    }
    if (is_open(runs[0]))
        json_object_set_new(out, "open_loop",
                            merge_open_loop(runs, n, json_object_get(out, "send_lag_us")));
    json_t *per_conn;
    json_object_set_new(out, "fairness", merge_fairness(runs, n, &per_conn));
    merge_rest(out, runs, n, notes);
    if (per_conn) {
        json_object_set_new(out, "per_connection", per_conn);
    } else {
        const char *why = "fairness is null: an agent's run lacks per_connection (run every "
                          "agent's loadgen with --per-connection)";
        json_array_append_new(json_object_get(out, "warnings"), json_string(why));
        json_array_append_new(notes, json_string(why));
    }
    json_object_foreach(runs[0], key, v)
    {
        bool merged = false;
        for (size_t i = 0; i < NELEMS(known); i++)
            merged |= strcmp(key, known[i]) == 0;
        if (!merged) {
            char line[256];
            snprintf(line, sizeof(line), "%s is null: this bench does not know how to merge it",
                     key);
            json_object_set_new(out, key, json_null());
            json_array_append_new(notes, json_string(line));
        }
    }
    json_object_set_new(out, "agents", json_integer(n));
    json_object_set_new(out, "merge_notes", notes);
    return out;

fail:
    if (!out && n > 0 && !*err)
        say(err, errlen, "out of memory merging the agents' runs");
    json_decref(out);
    json_decref(notes);
    return NULL;
}

void split_even(unsigned total, unsigned n, unsigned k, unsigned *share, double total_rps,
                double *share_rps)
{
    *share = total / n + (k < total % n);
    if (share_rps)
        *share_rps = total_rps / n;
}
