/* The load generator's report: the run JSON and the summary people read. */
#include "fairness.h"
#include "jsonio.h"
#include "loadgen.h"
#include "version.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *mode_name(enum lg_mode m)
{
    return m == MODE_OPEN ? "open" : m == MODE_CHURN ? "churn" : "closed";
}

/* --per-connection: the completions in the window of each active connection, in
 * connection order, and in the open loop the requests its schedule intended in the
 * window's first half (null in the closed loop): what fairness is computed from, so
 * that agents' runs merge it exactly (bench/merge.c). */
static json_t *per_connection_json(const struct lg_run *run)
{
    const struct lg_config *cfg = run->cfg;
    json_t *done = json_array(), *due = cfg->mode == MODE_OPEN ? json_array() : json_null();

    for (unsigned i = 0; i < cfg->connections; i++) {
        json_array_append_new(done, json_integer((json_int_t)run->per_conn[i]));
        if (cfg->mode == MODE_OPEN)
            json_array_append_new(due, json_integer((json_int_t)run->per_conn_due[i]));
    }
    return json_pack("{s:o,s:o}", "completed", done, "due", due);
}

static json_t *errors_json(const uint64_t *errors)
{
    json_t *o = json_object();
    for (int i = 0; i < ERR_COUNT; i++)
        json_object_set_new(o, lg_error_names[i], json_integer((json_int_t)errors[i]));
    return o;
}

static json_t *timeline_json(const struct lg_run *run)
{
    const struct lg_result *t = &run->total;
    double bin_s = (double)lg_bin_ns(run->cfg) / 1e9;
    json_t *a = json_array();

    for (unsigned i = 0; i < t->seconds; i++) {
        double start = (double)i * bin_s;
        if (start >= run->window_s - 1e-9)
            break; /* past the end, which an interrupt may have moved */
        /* The last bin may be cut short: its width says so, and its rate is per second
         * of it. A bin where nothing was recorded has no p99, not a p99 of 0. */
        double width = run->window_s - start < bin_s ? run->window_s - start : bin_s;
        const struct hist *h = &t->per_second[i];
        json_array_append_new(
            a,
            json_pack("{s:f,s:f,s:I,s:f,s:o,s:I}", "t_s", round_to(start + width, 6), "width_s",
                      round_to(width, 6), "completed", (json_int_t)t->second_completed[i], "rps",
                      round_to((double)t->second_completed[i] / width, 3), "p99_us",
                      h->total ? json_real((double)hist_percentile(h, 99) / 1000.0) : json_null(),
                      "errors", (json_int_t)t->second_errors[i]));
    }
    return a;
}

/* A figure of the send lag in microseconds, or null when nothing was recorded. */
static json_t *lag_us(const struct hist *h, double p)
{
    if (!h->total)
        return json_null();
    return json_real((double)(p >= 100 ? h->max : hist_percentile(h, p)) / 1000.0);
}

/* The open loop: its rate, its schedule, and whether loadgen kept it. */
static json_t *open_loop_json(const struct lg_run *run)
{
    const struct lg_config *cfg = run->cfg;
    const struct hist *lag = &run->total.send_lag;

    return json_pack("{s:f,s:f,s:I,s:f,s:s,s:I,s:f,s:{s:o,s:o,s:o,s:I},s:b}", "target_rps",
                     cfg->rate, "achieved_rps",
                     round_to((double)run->total.sent / run->window_s, 3), "scheduled",
                     (json_int_t)run->total.scheduled, "scheduled_rps",
                     round_to((double)run->total.scheduled / run->window_s, 3), "arrivals",
                     arr_name(cfg->arrivals), "seed", (json_int_t)cfg->seed, "mean_gap_us",
                     round_to(1e6 / cfg->rate, 3), "send_lag_us", "p50", lag_us(lag, 50), "p99",
                     lag_us(lag, 99), "max", lag_us(lag, 100), "count", (json_int_t)lag->total,
                     "schedule_kept", !run->schedule_missed);
}

/* The idle connections: how many came up and stayed, how long opening them took and
 * with how many connects (retries under --open-within included). */
static json_t *idle_json(const struct lg_run *run)
{
    const struct lg_config *cfg = run->cfg;
    const struct lg_result *t = &run->total;

    json_t *idle = json_pack("{s:i,s:i,s:i}", "requested", (int)cfg->idle, "established",
                             (int)t->idle_established, "open_at_end", (int)t->idle_open_at_end);
    json_object_set_new(idle, "open_s",
                        cfg->idle ? json_real(round_to(run->idle_open_s, 6)) : json_null());
    json_object_set_new(idle, "attempts", json_integer((json_int_t)t->idle_attempts));
    json_object_set_new(idle, "open_within_s",
                        cfg->open_within_ns ? json_real((double)cfg->open_within_ns / 1e9)
                                            : json_null());
    return idle;
}

json_t *report_json(const struct lg_run *run)
{
    const struct lg_config *cfg = run->cfg;
    const struct lg_result *t = &run->total;
    struct fairness f = fairness_of(
        run->per_conn, cfg->mode == MODE_OPEN ? run->per_conn_due : NULL, cfg->connections);
    char started[32];
    uint64_t conns = (uint64_t)cfg->connections + cfg->idle;

    iso8601_utc(run->started_at, started, sizeof(started));
    json_t *warnings = json_array();
    for (unsigned i = 0; i < run->nwarnings; i++)
        json_array_append_new(warnings, json_string(run->warnings[i]));

    json_t *config = json_pack(
        "{s:s,s:s,s:i,s:i,s:i,s:i,s:o,s:i,s:f,s:f,s:f,s:i,s:s}", "target", cfg->target, "mode",
        mode_name(cfg->mode), "connections", (int)cfg->connections, "idle", (int)cfg->idle,
        "threads", (int)cfg->threads, "pipeline", (int)cfg->pipeline, "rate",
        cfg->mode == MODE_OPEN ? json_real(cfg->rate) : json_null(), "message_bytes",
        (int)cfg->line_bytes, "duration_s", (double)cfg->duration_ns / 1e9, "warmup_s",
        (double)cfg->warmup_ns / 1e9, "timeout_s", (double)cfg->timeout_ns / 1e9, "sources",
        (int)cfg->sources, "label", cfg->label);
    json_object_set_new(config, "source_from", json_integer(cfg->source_from));
    json_object_set_new(config, "prime", json_boolean(cfg->prime));
    json_object_set_new(config, "spin_us", json_real((double)cfg->spin_ns / 1000.0));
    json_object_set_new(config, "arrivals",
                        cfg->mode == MODE_OPEN ? json_string(arr_name(cfg->arrivals))
                                               : json_null());
    json_object_set_new(config, "seed", json_integer((json_int_t)cfg->seed));
    json_t *cpus = json_array();
    for (unsigned i = 0; i < cfg->ncpus; i++)
        json_array_append_new(cpus, json_integer(cfg->cpus[i]));
    json_object_set_new(config, "cpus", cpus);

    json_t *root = json_pack("{s:s,s:{s:s,s:s,s:s},s:s,s:o,s:f,s:b}", "schema", "echobench.run/1",
                             "tool", "name", "loadgen", "version", ECHOBENCH_VERSION, "git",
                             ECHOBENCH_GIT, "started_at", started, "config", config, "measured_s",
                             round_to(run->window_s, 6), "interrupted", run->interrupted);
    json_object_set_new(
        root, "requests",
        json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:o}", "completed",
                  (json_int_t)t->completed, "sent", (json_int_t)t->sent, "in_flight_at_end",
                  (json_int_t)t->in_flight_at_end, "due_unsent_at_end",
                  (json_int_t)t->due_unsent_at_end, "censored", (json_int_t)t->censored,
                  "abandoned", (json_int_t)t->abandoned, "completed_total",
                  (json_int_t)t->completed_total, "completed_from_start",
                  (json_int_t)t->completed_from_start, "sent_total", (json_int_t)t->sent_total,
                  "errors", errors_json(t->errors), "setup_errors", errors_json(t->setup_errors)));
    json_object_set_new(root, "throughput_rps",
                        json_real(round_to((double)t->completed / run->window_s, 3)));
    if (cfg->mode == MODE_OPEN)
        json_object_set_new(root, "open_loop", open_loop_json(run));
    json_object_set_new(root, "bytes",
                        json_pack("{s:I,s:I}", "sent", (json_int_t)t->bytes_sent, "received",
                                  (json_int_t)t->bytes_received));
    json_object_set_new(root, "latency_us", hist_to_json(&t->latency));
    json_object_set_new(root, "service_latency_us",
                        cfg->mode == MODE_OPEN ? hist_to_json(&t->service) : json_null());
    json_object_set_new(root, "send_lag_us",
                        cfg->mode == MODE_OPEN ? hist_to_json(&t->send_lag) : json_null());
    json_object_set_new(root, "connect_us", hist_to_json(&t->connect));
    json_object_set_new(root, "setup_connect_us", hist_to_json(&t->setup_connect));
    json_object_set_new(root, "connections",
                        json_pack("{s:i,s:i}", "requested", (int)cfg->connections,
                                  "established_at_start", (int)t->active_up_at_start));
    json_object_set_new(root, "idle", idle_json(run));
    json_object_set_new(
        root, "fairness",
        json_pack("{s:f,s:I,s:f,s:I,s:i,s:o}", "jain", round_to(f.jain, 6), "min",
                  (json_int_t)f.min, "median", f.median, "max", (json_int_t)f.max, "starved",
                  (int)f.starved, "nothing_due",
                  cfg->mode == MODE_OPEN ? json_integer(f.nothing_due) : json_null()));
    if (cfg->per_connection)
        json_object_set_new(root, "per_connection", per_connection_json(run));
    json_object_set_new(root, "timeline", timeline_json(run));
    json_t *cpu =
        json_pack("{s:f,s:f,s:f,s:i,s:b}", "user_s", round_to(run->user_s, 4), "sys_s",
                  round_to(run->sys_s, 4), "busiest_thread_util", round_to(run->busiest_util, 4),
                  "busiest_thread", (int)run->busiest_thread, "saturated", run->saturated);
    json_object_set_new(cpu, "most_waited",
                        run->most_waited >= 0 ? json_real(round_to(run->most_waited, 4))
                                              : json_null());
    json_object_set_new(cpu, "most_waited_thread", json_integer(run->most_waited_thread));
    /* With --cpus, the busiest CPU: its pinned workers' CPU time together. */
    bool pinned = run->busiest_cpu >= 0;
    json_object_set_new(cpu, "busiest_cpu", pinned ? json_integer(run->busiest_cpu) : json_null());
    json_object_set_new(cpu, "busiest_cpu_util",
                        pinned ? json_real(round_to(run->busiest_cpu_util, 4)) : json_null());
    json_object_set_new(cpu, "process_util", json_real(round_to(run->process_util, 4)));
    json_object_set_new(cpu, "cpus_usable", json_integer(run->cpus_usable));
    json_object_set_new(root, "loadgen_cpu", cpu);
    long grown = run->rss_kib_connected - run->rss_kib_start;
    json_object_set_new(
        root, "loadgen_memory",
        json_pack("{s:i,s:i,s:f}", "rss_kib_start", (int)run->rss_kib_start, "rss_kib_connected",
                  (int)run->rss_kib_connected, "bytes_per_connection",
                  conns ? round_to((double)grown * 1024.0 / (double)conns, 1) : 0.0));
    json_object_set_new(root, "warnings", warnings);
    return root;
}

/* A duration in microseconds, in the unit that reads best. */
static const char *fmt_us(double us, char *buf, size_t len)
{
    if (us < 1000)
        snprintf(buf, len, "%.1fus", us);
    else if (us < 1e6)
        snprintf(buf, len, "%.2fms", us / 1e3);
    else
        snprintf(buf, len, "%.2fs", us / 1e6);
    return buf;
}

static void print_hist(FILE *out, const char *name, const struct hist *h)
{
    char a[6][24];
    if (h->total == 0) {
        fprintf(out, "  %-10s none recorded\n", name);
        return;
    }
    fprintf(out, "  %-10s p50 %s  p90 %s  p99 %s  p99.9 %s  max %s  (min %s)\n", name,
            fmt_us((double)hist_percentile(h, 50) / 1e3, a[0], 24),
            fmt_us((double)hist_percentile(h, 90) / 1e3, a[1], 24),
            fmt_us((double)hist_percentile(h, 99) / 1e3, a[2], 24),
            fmt_us((double)hist_percentile(h, 99.9) / 1e3, a[3], 24),
            fmt_us((double)h->max / 1e3, a[4], 24), fmt_us((double)h->min / 1e3, a[5], 24));
}

void report_print(FILE *out, const struct lg_run *run)
{
    const struct lg_config *cfg = run->cfg;
    const struct lg_result *t = &run->total;
    struct fairness f = fairness_of(
        run->per_conn, cfg->mode == MODE_OPEN ? run->per_conn_due : NULL, cfg->connections);

    fprintf(out, "loadgen %s: %s loop against %s%s\n", ECHOBENCH_VERSION,
            cfg->mode == MODE_CHURN ? "churn" : mode_name(cfg->mode), cfg->target,
            run->interrupted ? " (interrupted)" : "");
    fprintf(out,
            "  %u connection%s, %u idle, %u thread%s, %u-byte lines, depth %u; %.2f s measured "
            "after %.2f s warmup\n",
            cfg->connections, cfg->connections == 1 ? "" : "s", cfg->idle, cfg->threads,
            cfg->threads == 1 ? "" : "s", cfg->line_bytes, cfg->pipeline, run->window_s,
            (double)cfg->warmup_ns / 1e9);
    fprintf(out, "  %-10s %.1f %s/s  (%llu completed, %llu in flight at end)\n", "throughput",
            (double)t->completed / run->window_s,
            cfg->mode == MODE_CHURN ? "connections" : "requests", (unsigned long long)t->completed,
            (unsigned long long)t->in_flight_at_end);
    if (cfg->mode == MODE_OPEN)
        fprintf(out, "  %-10s target %.1f req/s (%s arrivals, seed %llu), sent %.1f req/s\n",
                "rate", cfg->rate, arr_name(cfg->arrivals), (unsigned long long)cfg->seed,
                (double)t->sent / run->window_s);
    print_hist(out, "latency", &t->latency);
    if (t->censored)
        fprintf(out,
                "  %-10s %llu of them timed out or were unanswered when the window closed: "
                "recorded at their age, a lower bound\n",
                "", (unsigned long long)t->censored);
    if (cfg->mode == MODE_OPEN) {
        print_hist(out, "service", &t->service);
        print_hist(out, "send lag", &t->send_lag);
    }
    if (cfg->mode == MODE_CHURN)
        print_hist(out, "connect", &t->connect);

    uint64_t nerr = 0;
    for (int i = 0; i < ERR_COUNT; i++)
        nerr += t->errors[i];
    fprintf(out, "  %-10s", "errors");
    if (nerr == 0)
        fprintf(out, " none");
    for (int i = 0; i < ERR_COUNT; i++)
        if (t->errors[i])
            fprintf(out, " %s %llu", lg_error_names[i], (unsigned long long)t->errors[i]);
    fprintf(out, "\n");
    fprintf(out, "  %-10s Jain %.3f; per connection min %llu, median %.1f, max %llu; %u starved",
            "fairness", f.jain, (unsigned long long)f.min, f.median, (unsigned long long)f.max,
            f.starved);
    if (cfg->mode == MODE_OPEN && f.nothing_due)
        fprintf(out, " (of those with a request due; %u had none)", f.nothing_due);
    fprintf(out, "\n");
    if (cfg->idle) {
        fprintf(out,
                "  %-10s %u of %u established, %u open at end; opened in %.2f s, %llu attempts\n",
                "idle", t->idle_established, cfg->idle, t->idle_open_at_end, run->idle_open_s,
                (unsigned long long)t->idle_attempts);
        print_hist(out, "connect", &t->setup_connect);
    }
    fprintf(out, "  %-10s CPU %.2f s user, %.2f s sys (%.2f of %u CPU%s); busiest thread %.0f%%",
            "loadgen", run->user_s, run->sys_s, run->process_util, run->cpus_usable,
            run->cpus_usable == 1 ? "" : "s", run->busiest_util * 100);
    if (run->busiest_cpu >= 0)
        fprintf(out, ", busiest CPU %d %.0f%%", run->busiest_cpu, run->busiest_cpu_util * 100);
    fprintf(out, "\n");
    for (unsigned i = 0; i < run->nwarnings; i++)
        fprintf(out, "  warning: %s\n", run->warnings[i]);
}
