/* The capacity scenario (docs/bench.md, "The capacity scenario"): for each model, idle
 * connections ramped in steps with 16 active clients in a closed loop beside them,
 * until the first step it does not hold. The steps run step-major (every model still
 * ramping runs step k before any runs k+1), one trial each: a ramp, not a statistic.
 * The load side is never the limit: as many local loadgen agents as the descriptors
 * need. A step is held, or failed with the first cause its evidence shows (evidence.h);
 * a model whose step would not fit the scenario's budget, or in available memory, is
 * stopped with the numbers that say so. */
#include "suite.h"

#include "evidence.h"
#include "hosts.h"
#include "jsonio.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STEP_CAP_MAX_NS   (60 * NS_PER_S)
#define DEFAULT_TARGET_US 100000.0 /* p99 within 100 ms, when no --slo is given */
#define MEMORY_MARGIN     1.5
#define NOFILE_NEAR       8    /* within this many of its soft limit a table is full */
#define TASKS_NEAR        0.02 /* within this share of a task limit, it was reached */
#define MEMORY_LOW        0.05 /* MemAvailable under this share of before: memory ran out */

/* The cap of a step: a third of the budget, at most 60 s, for its idle connections to
 * open (loadgen's --open-within) and for the server to take them in (the settle). */
static uint64_t step_cap_ns(const struct bench_opts *o)
{
    uint64_t third = o->capacity_budget_ns / 3;
    return third < STEP_CAP_MAX_NS ? third : STEP_CAP_MAX_NS;
}

int capacity_points(const struct bench_opts *o, struct point *p)
{
    static const unsigned full[] = {1000, 2000, 5000, 10000, 20000, 50000, 100000},
                          quick[] = {1000, 2000};
    unsigned v[MAX_POINTS];
    const char *over = points_override(o, "capacity");
    int n = over ? number_list("capacity", over, v, 1, 1000000) : o->quick ? 2 : 7;
    if (n < 0)
        return -1;
    if (!over)
        memcpy(v, o->quick ? quick : full, (size_t)n * sizeof(v[0]));
    /* A ramp: in increasing order, each step once. */
    for (int i = 1; i < n; i++)
        for (int k = i; k > 0 && v[k - 1] > v[k]; k--) {
            unsigned t = v[k];
            v[k] = v[k - 1];
            v[k - 1] = t;
        }
    int kept = 0;
    for (int i = 0; i < n; i++)
        if (kept == 0 || v[i] != v[kept - 1])
            v[kept++] = v[i];
    uint64_t cap = step_cap_ns(o);
    for (int i = 0; i < kept; i++) {
        base_point(o, &p[i], IDLE_ACTIVE, v[i], true);
        point_arg(p[i].loadgen_args, &p[i].nloadgen_args, "--open-within");
        point_arg(p[i].loadgen_args, &p[i].nloadgen_args, "%.3fs", (double)cap / 1e9);
        snprintf(p[i].label, sizeof(p[i].label), "%u", v[i]);
        p[i].x = v[i];
        p[i].idle_settle_ns = cap;
        p[i].trials = 1;
    }
    return kept;
}

/* ---- the machine and the target ---- */

/* The latency target: --slo's first p99 (else its first), or p99 within 100 ms. */
struct target {
    double percentile, bound_us;
    const char *metric; /* the trial's figure it bounds */
    char text[40];
    bool from_slo;
};

static void target_of(const struct bench_opts *o, struct target *t)
{
    *t = (struct target){99, DEFAULT_TARGET_US, "p99_us", "p99=100ms", false};
    if (!o->slo_given)
        return;
    const struct slo *pick = &o->slo[0];
    for (unsigned i = 0; i < o->nslo; i++)
        if (o->slo[i].percentile == 99) {
            pick = &o->slo[i];
            break;
        }
    *t = (struct target){pick->percentile, pick->bound_us, pick->metric, "", true};
    snprintf(t->text, sizeof(t->text), "%s", pick->text);
}

/* The limits every step runs against, as the scenario's "limits". */
struct machine {
    long nofile_soft, nofile_hard, pid_max, threads_max, nproc;
    bool root;
};

static json_t *limits_json(struct machine *mc)
{
    struct rlimit rl;
    mc->nofile_soft = mc->nofile_hard = -1;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        mc->nofile_soft = rl.rlim_cur == RLIM_INFINITY ? -1 : (long)rl.rlim_cur;
        mc->nofile_hard = rl.rlim_max == RLIM_INFINITY ? -1 : (long)rl.rlim_max;
    }
    mc->nproc =
        getrlimit(RLIMIT_NPROC, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY ? (long)rl.rlim_cur : -1;
    mc->pid_max = evidence_sysctl("/proc/sys/kernel/pid_max");
    mc->threads_max = evidence_sysctl("/proc/sys/kernel/threads-max");
    mc->root = geteuid() == 0;
    char buf[64];
    int lo = 0, hi = 0;
    if (proc_read_small("/proc/sys/net/ipv4/ip_local_port_range", buf, sizeof(buf)) < 0 ||
        sscanf(buf, "%d %d", &lo, &hi) != 2)
        lo = hi = -1;
    return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:[i,i],s:I,s:b,s:o}", "nofile_soft",
                     (json_int_t)mc->nofile_soft, "nofile_hard", (json_int_t)mc->nofile_hard,
                     "nr_open", (json_int_t)evidence_sysctl("/proc/sys/fs/nr_open"), "pid_max",
                     (json_int_t)mc->pid_max, "threads_max", (json_int_t)mc->threads_max,
                     "mem_total_kib", (json_int_t)evidence_meminfo_kib("MemTotal"),
                     "mem_available_kib", (json_int_t)evidence_meminfo_kib("MemAvailable"),
                     "port_range", lo, hi, "somaxconn",
                     (json_int_t)evidence_sysctl("/proc/sys/net/core/somaxconn"), "root", mc->root,
                     "nproc", mc->nproc >= 0 ? json_integer(mc->nproc) : json_null());
}

/* ---- one model's ramp ---- */

struct ramp {
    const char *verdict; /* NULL while it ramps; then broke, top, capped, skipped, ... */
    const char *cause;
    char why[1024];
    json_t *held; /* the capacity object of the last step held (a reference) */
    char held_label[32], failed_label[32];
    unsigned held_conns;
    double fixed_s, open_rate; /* its last step's wall time less the opening, and rate */
    bool timed;
};

/* What one step of one model showed, from its trial, loadgen's run JSON and the
 * evidence; NAN where unknown. */
struct facts {
    const char *status, *detail;
    double idle, established, open_at_end, attempts, idle_open_s, settle_s, open_s, rate;
    double active_up, starved, p99, judged, requested;
    double rejected, fd_setsize, emfile, enfile, eagain, enomem;
    double fds_max, fds_total, nofile_soft, nofile_hard, nproc, tasks_peak, mem_before, mem_lowest,
        overflows, drops, tcp_before, tcp_peak;
    const char *fds_role;
    double addr_unavailable, fd_limit, threads, processes, wall_s, held, memory_kib, per_conn;
    json_t *rejected_for, *setup_errors;
};

static double num(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static json_t *num_json(double v, int digits)
{
    return isnan(v)     ? json_null()
           : digits < 0 ? json_integer((json_int_t)v)
                        : json_real(round_to(v, digits));
}

static void facts_of(json_t *trial, json_t *lg, const struct target *tg, struct facts *f)
{
    json_t *idle = json_object_get(lg, "idle"), *server = json_object_get(trial, "server");
    json_t *lim = json_object_get(trial, "limits"), *res = json_object_get(trial, "resources");
    json_t *rf = json_object_get(server, "rejected_for");
    f->status = json_string_value(json_object_get(trial, "status"));
    f->detail = json_string_value(json_object_get(trial, "detail"));
    f->idle = num(idle, "requested");
    f->established = num(idle, "established");
    f->open_at_end = num(idle, "open_at_end");
    f->attempts = num(idle, "attempts");
    f->idle_open_s = num(idle, "open_s");
    f->settle_s = num(res, "idle_settle_s");
    f->open_s =
        (isnan(f->idle_open_s) ? 0 : f->idle_open_s) + (isnan(f->settle_s) ? 0 : f->settle_s);
    f->rate = f->established > 0 && f->open_s > 0 ? f->established / f->open_s : NAN;
    f->active_up = num(json_object_get(lg, "connections"), "established_at_start");
    f->starved = num(json_object_get(lg, "fairness"), "starved");
    f->p99 = num(trial, "p99_us");
    f->judged = num(trial, tg->metric);
    f->rejected = num(server, "rejected");
    f->rejected_for = json_is_object(rf) ? rf : NULL;
    f->fd_setsize = num(rf, "fd_setsize");
    f->emfile = num(rf, "emfile");
    f->enfile = num(rf, "enfile");
    f->eagain = num(rf, "eagain");
    f->enomem = num(rf, "enomem");
    f->fds_max = num(lim, "fds_max_one_process");
    f->fds_total = num(lim, "fds_total");
    f->fds_role = json_string_value(json_object_get(lim, "fds_max_role"));
    f->nofile_soft = num(lim, "nofile_soft");
    f->nofile_hard = num(lim, "nofile_hard");
    f->nproc = num(lim, "nproc");
    f->tasks_peak = num(lim, "tasks_machine_peak");
    f->mem_before = num(lim, "mem_available_kib_before");
    f->mem_lowest = num(lim, "mem_available_kib_lowest");
    f->overflows = num(lim, "listen_overflows");
    f->drops = num(lim, "listen_drops");
    f->tcp_before = num(lim, "tcp_mem_kib_before");
    f->tcp_peak = num(lim, "tcp_mem_kib_peak");
    f->setup_errors = json_object_get(json_object_get(lg, "requests"), "setup_errors");
    f->addr_unavailable = num(f->setup_errors, "addr_unavailable");
    f->fd_limit = num(f->setup_errors, "fd_limit");
    f->threads = num(res, "peak_threads");
    f->processes = num(res, "peak_processes");
    f->wall_s = num(trial, "wall_s");
    f->memory_kib = num(res, "primed_pss_anon_kib");
    f->per_conn = num(res, "memory_per_connection_bytes");
    if (!(f->memory_kib > 0))
        f->memory_kib = NAN; /* no reading with every connection up */
    double held = num(server, "max_concurrent");
    f->held = held > 0 ? held
                       : (isnan(f->established) ? 0 : f->established) +
                             (isnan(f->active_up) ? 0 : f->active_up);
}

/* Whether x is a count above 0 (NAN, unknown, is not). */
static bool some(double x)
{
    return x > 0;
}

static bool near_limit(double have, double limit)
{
    return limit > 0 && have >= limit * (1 - TASKS_NEAR);
}

/* ---- the verdict and the cause, in docs/bench.md's order ---- */

static bool held(const struct facts *f, const struct target *tg)
{
    return f->status && strcmp(f->status, "ok") == 0 && f->established == f->idle &&
           f->open_at_end == f->idle && f->active_up == IDLE_ACTIVE && f->starved == 0 &&
           f->judged <= tg->bound_us && f->rejected == 0;
}

/* Where the server died: crashed, or memory when the kernel's OOM killer is the likely
 * hand (SIGKILL while MemAvailable fell under 5% of before). */
static const char *cause_crash(const struct facts *f, char *why, size_t len)
{
    bool killed = strstr(f->detail ? f->detail : "", "signal 9 ") != NULL;
    if (killed && f->mem_before > 0 && f->mem_lowest < MEMORY_LOW * f->mem_before) {
        snprintf(why, len,
                 "the server was killed by SIGKILL while MemAvailable fell to %.0f KiB of %.0f "
                 "before the step (under 5%%): out of memory (%s)",
                 f->mem_lowest, f->mem_before, f->detail);
        return "memory";
    }
    snprintf(why, len, "the server died at this step: %s", f->detail ? f->detail : "?");
    return "crashed";
}

static const char *cause_nofile(const struct facts *f, const struct machine *mc, char *why,
                                size_t len)
{
    bool near = f->nofile_soft > 0 && f->fds_max >= f->nofile_soft - NOFILE_NEAR;
    char who[96] = "", raise[512];
    if (!isnan(f->fds_max))
        snprintf(who, sizeof(who), "the %s process held %.0f descriptors",
                 f->fds_role && strcmp(f->fds_role, "main") == 0 ? "main" : "child (worker)",
                 f->fds_max);
    long hard = f->nofile_hard > 0 ? (long)f->nofile_hard : mc->nofile_hard;
    snprintf(raise, sizeof(raise),
             "the hard limit is %ld: raise it with limits.conf (* hard nofile N), systemd's "
             "LimitNOFILE=N, or prlimit --nofile=N:N with privileges; fs.nr_open is the ceiling",
             hard);
    if (near)
        snprintf(why, len, "%s against its soft RLIMIT_NOFILE of %.0f (hard %.0f)%s%.0f%s; %s", who,
                 f->nofile_soft, f->nofile_hard, some(f->emfile) ? " and shed " : "",
                 some(f->emfile) ? f->emfile : 0, some(f->emfile) ? " connections with EMFILE" : "",
                 raise);
    else
        snprintf(why, len,
                 "the server shed %.0f connections with EMFILE (its RLIMIT_NOFILE)%s%s%s; %s",
                 f->emfile, who[0] ? ": " : "", who,
                 who[0] ? (f->nofile_soft > 0 ? " at its reading" : "") : "", raise);
    return "rlimit_nofile";
}

static const char *cause_tasks(const struct facts *f, const struct machine *mc, char *why,
                               size_t len)
{
    if (near_limit(f->tasks_peak, (double)mc->pid_max)) {
        snprintf(why, len,
                 "fork or pthread_create failed with EAGAIN %.0f times: the machine's tasks "
                 "peaked at %.0f of kernel.pid_max %ld",
                 f->eagain, f->tasks_peak, mc->pid_max);
        return "pid_max";
    }
    if (near_limit(f->tasks_peak, (double)mc->threads_max)) {
        snprintf(why, len,
                 "fork or pthread_create failed with EAGAIN %.0f times: the machine's tasks "
                 "peaked at %.0f of kernel.threads-max %ld",
                 f->eagain, f->tasks_peak, mc->threads_max);
        return "threads_max";
    }
    if (!mc->root && near_limit(f->threads, f->nproc)) {
        snprintf(why, len,
                 "fork or pthread_create failed with EAGAIN %.0f times: the server's tasks "
                 "peaked at %.0f of its RLIMIT_NPROC %.0f",
                 f->eagain, f->threads, f->nproc);
        return "rlimit_nproc";
    }
    snprintf(why, len,
             "fork or pthread_create failed with EAGAIN %.0f times with no limit reached (the "
             "machine's tasks peaked at %.0f, pid_max %ld, threads-max %ld): the kernel's "
             "memory for tasks, most likely",
             f->eagain, f->tasks_peak, mc->pid_max, mc->threads_max);
    return "tasks";
}

static const char *cause_latency(const struct facts *f, const struct target *tg, char *why,
                                 size_t len)
{
    char measured[64];
    if (isnan(f->judged))
        snprintf(measured, sizeof(measured), "none measured");
    else
        snprintf(measured, sizeof(measured), "%.1f ms", f->judged / 1e3);
    snprintf(why, len,
             "the active clients were not served within %s: p%g %s, %.0f of %d starved, %.0f "
             "of %d up, beside %.0f idle connections held by %.0f processes and %.0f threads",
             tg->text, tg->percentile, measured, isnan(f->starved) ? 0 : f->starved, IDLE_ACTIVE,
             isnan(f->active_up) ? 0 : f->active_up, IDLE_ACTIVE,
             isnan(f->open_at_end) ? 0 : f->open_at_end, f->processes, f->threads);
    return "latency";
}

/* The failed step's cause and why, the first whose evidence is there. */
static const char *cause_of(const struct facts *f, const struct machine *mc,
                            const struct target *tg, double cap_s, char *why, size_t len)
{
    const char *st = f->status ? f->status : "";
    if (strcmp(st, "crashed") == 0 || strcmp(st, "hung") == 0)
        return cause_crash(f, why, len);
    if (some(f->fd_setsize)) {
        snprintf(why, len,
                 "the server refused %.0f connections at descriptors past FD_SETSIZE (%d): "
                 "select(2) cannot watch them",
                 f->fd_setsize, 1024);
        return "fd_setsize";
    }
    if (some(f->emfile) || (f->nofile_soft > 0 && f->fds_max >= f->nofile_soft - NOFILE_NEAR))
        return cause_nofile(f, mc, why, len);
    if (some(f->enfile)) {
        snprintf(why, len,
                 "the server refused %.0f connections with ENFILE: the system's table is full "
                 "(fs.file-max)",
                 f->enfile);
        return "file_max";
    }
    if (some(f->eagain))
        return cause_tasks(f, mc, why, len);
    if (some(f->enomem) || (f->mem_before > 0 && f->mem_lowest < MEMORY_LOW * f->mem_before)) {
        snprintf(why, len,
                 "%.0f connections refused with ENOMEM; MemAvailable fell to %.0f KiB of %.0f "
                 "before the step",
                 some(f->enomem) ? f->enomem : 0, f->mem_lowest, f->mem_before);
        return "memory";
    }
    if (some(f->addr_unavailable)) {
        snprintf(why, len,
                 "loadgen could not open %.0f connections for want of a local address and port "
                 "(EADDRNOTAVAIL): the load side, not the server; more source addresses or "
                 "agents would carry them",
                 f->addr_unavailable);
        return "ephemeral_ports";
    }
    if (strcmp(st, "loadgen_failed") == 0 || some(f->fd_limit)) {
        if (some(f->fd_limit))
            snprintf(why, len,
                     "loadgen ran out of descriptors %.0f times: the load side, not the server",
                     f->fd_limit);
        else
            snprintf(why, len, "the load side failed: %s", f->detail ? f->detail : "?");
        return "loadgen";
    }
    if (strcmp(st, "ok") != 0) {
        snprintf(why, len, "the step did not run through (%s): %s", st, f->detail ? f->detail : "");
        return "other";
    }
    if (!(f->established >= f->idle)) {
        double open = isnan(f->idle_open_s) ? f->open_s : f->idle_open_s;
        char rate[48] = "";
        if (open > 0 && f->established > 0)
            snprintf(rate, sizeof(rate), " (%.0f/s)", f->established / open);
        if (some(f->overflows)) {
            snprintf(why, len,
                     "opened %.0f of %.0f in %.1f s%s, past the step's cap of %.0f s, and the "
                     "listen queue overflowed %.0f times (%.0f dropped)",
                     f->established, f->idle, open, rate, cap_s, f->overflows,
                     isnan(f->drops) ? 0 : f->drops);
            return "listen_overflow";
        }
        snprintf(why, len, "opened %.0f of %.0f in %.1f s%s, past the step's cap of %.0f s",
                 isnan(f->established) ? 0 : f->established, f->idle, open, rate, cap_s);
        return "time";
    }
    if (!(f->judged <= tg->bound_us) || !(f->starved == 0) || !(f->active_up == IDLE_ACTIVE))
        return cause_latency(f, tg, why, len);
    if (some(f->rejected))
        snprintf(why, len, "the server rejected %.0f connections%s", f->rejected,
                 f->rejected_for ? " for no reason its stats line names" : "");
    else
        snprintf(why, len,
                 "the server closed %.0f of the %.0f idle connections it had taken, rejecting "
                 "none",
                 f->established - f->open_at_end, f->established);
    return "other";
}

/* The capacity object of a step that ran. */
static json_t *step_json(const struct facts *f, const struct target *tg, const struct machine *mc,
                         unsigned agents, const char *verdict, const char *cause, const char *why)
{
    double kernel = f->tcp_peak >= 0 && f->tcp_before >= 0 ? f->tcp_peak - f->tcp_before : NAN;
    json_t *ev = json_pack(
        "{s:o,s:o,s:o,s:s?,s:o,s:o,s:o,s:o,s:I,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:O,"
        "s:s?,s:s?}",
        "rejected", num_json(f->rejected, -1), "rejected_for",
        f->rejected_for ? json_incref(f->rejected_for) : json_null(), "fds_max_one_process",
        num_json(f->fds_max, -1), "fds_max_role", f->fds_role, "fds_total",
        num_json(f->fds_total, -1), "nofile_soft", num_json(f->nofile_soft, -1), "nofile_hard",
        num_json(f->nofile_hard, -1), "tasks_machine_peak", num_json(f->tasks_peak, -1), "pid_max",
        (json_int_t)mc->pid_max, "threads_max", (json_int_t)mc->threads_max, "nproc",
        num_json(f->nproc, -1), "server_tasks_peak", num_json(f->threads, -1),
        "mem_available_kib_before", num_json(f->mem_before, -1), "mem_available_kib_lowest",
        num_json(f->mem_lowest, -1), "listen_overflows", num_json(f->overflows, -1), "listen_drops",
        num_json(f->drops, -1), "idle_requested", num_json(f->idle, -1), "idle_established",
        num_json(f->established, -1), "idle_open_at_end", num_json(f->open_at_end, -1),
        "idle_attempts", num_json(f->attempts, -1), "setup_errors",
        f->setup_errors ? f->setup_errors : json_null(), "status", f->status, "detail", f->detail);
    if (!ev)
        return NULL;
    return json_pack("{s:s,s:s?,s:s,s:i,s:o,s:o,s:o,s:o,s:o,s:f,s:o,s:o,s:o,s:o,s:o,s:o}",
                     "verdict", verdict, "cause", cause, "why", why, "agents", (int)agents,
                     "requested", num_json(f->idle + IDLE_ACTIVE, -1), "held",
                     num_json(f->held, -1), "open_s", num_json(f->open_s, 3), "open_rate",
                     num_json(f->rate, 1), "p99_us", num_json(f->p99, 1), "target_us", tg->bound_us,
                     "active_starved", num_json(f->starved, -1), "active_up",
                     num_json(f->active_up, -1), "memory_kib", num_json(f->memory_kib, -1),
                     "memory_per_connection_bytes", num_json(f->per_conn, 1), "kernel_tcp_kib",
                     num_json(kernel, -1), "evidence", ev);
}

/* The capacity object of a step that did not run (skipped, capped): what it knows. */
static json_t *unrun_json(unsigned idle, unsigned agents, const struct target *tg,
                          const char *verdict, const char *why)
{
    static const char *const unknown[] = {
        "held",           "open_s",    "open_rate",  "p99_us",
        "active_starved", "active_up", "memory_kib", "memory_per_connection_bytes",
        "kernel_tcp_kib", "evidence"};
    json_t *c =
        json_pack("{s:s,s:n,s:s,s:i,s:i,s:f}", "verdict", verdict, "cause", "why", why, "agents",
                  (int)agents, "requested", (int)(idle + IDLE_ACTIVE), "target_us", tg->bound_us);
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
        json_object_set_new(c, unknown[i], json_null());
    return c;
}

/* ---- the ramp ---- */

struct capacity_run {
    struct suite *s;
    const struct scenario *sc;
    json_t *scj, *points;
    struct target tg;
    struct machine mc;
    struct ramp ramp[MAX_MODELS];
    uint64_t started_ns, cap_ns;
    int nsteps;
};

/* Whether every loadgen agent is on this machine (none given: one, here). */
static bool agents_local(const struct bench_opts *o)
{
    for (unsigned i = 0; i < o->nagents; i++)
        if (!host_is_local(o->agents[i]))
            return false;
    return true;
}

/* The agents a step of idle idle connections runs: local ones, as many as keep each
 * within the descriptor limit loadgen inherits (FD_MARGIN of it for its own), at most
 * one per active connection (each agent has one at least); the agents given, when any
 * is elsewhere. */
static unsigned agents_for(const struct suite *s, unsigned idle)
{
    if (!agents_local(s->o))
        return s->o->nagents;
    if (s->nofile == RLIM_INFINITY || s->nofile <= 2 * FD_MARGIN)
        return 1;
    rlim_t per = s->nofile - FD_MARGIN;
    rlim_t k = (idle + IDLE_ACTIVE + per - 1) / per;
    return k < 1 ? 1 : k > IDLE_ACTIVE ? IDLE_ACTIVE : (unsigned)k;
}

/* The options a step runs under: its agents, and the evidence read at every reading. */
static void step_opts(const struct suite *s, unsigned agents, struct bench_opts *so)
{
    *so = *s->o;
    so->read_limits = true;
    if (!agents_local(s->o))
        return;
    so->nagents = agents;
    for (unsigned k = 0; k < agents; k++)
        snprintf(so->agents[k], sizeof(so->agents[k]), "%s", LOCAL_HOST);
}

/* A model's step, estimated from its step before: that one's wall time less its
 * opening, and the idle connections over its opening rate (the cap, twice: loadgen's
 * and the settle's, at most). A first step: its warmup and window, and a second to
 * start and stop. */
static double estimate_s(const struct capacity_run *c, const struct ramp *r, unsigned idle)
{
    const struct bench_opts *o = c->s->o;
    double most = 2 * (double)c->cap_ns / 1e9;
    if (!r->timed)
        return (double)(o->warmup_ns + o->duration_ns) / 1e9 + 1;
    double open = r->open_rate > 0 ? idle / r->open_rate : most;
    return r->fixed_s + (open < most ? open : most);
}

/* Whether the step fits in available memory, from the model's last step held: its
 * memory per connection and the kernel's, times the connections, with a margin. */
static bool memory_fits(const struct ramp *r, unsigned idle, char *why, size_t len)
{
    if (!r->held)
        return true;
    double per = num(r->held, "memory_per_connection_bytes");
    double kernel = num(r->held, "kernel_tcp_kib"), conns = num(r->held, "held");
    if (isnan(per))
        return true;
    double kernel_per = kernel > 0 && conns > 0 ? kernel / conns : 0;
    double need_kib = (per / 1024 + kernel_per) * (idle + IDLE_ACTIVE) * MEMORY_MARGIN;
    long avail = evidence_meminfo_kib("MemAvailable");
    if (avail < 0 || need_kib <= (double)avail)
        return true;
    snprintf(why, len,
             "skipped: %u connections at %.0f B each in the server and %.2f KiB in the kernel "
             "(as at %s), with a margin of %.1f, need %.0f MiB, and %.0f MiB is available",
             idle + IDLE_ACTIVE, per, kernel_per, r->held_label, MEMORY_MARGIN, need_kib / 1024,
             (double)avail / 1024);
    return false;
}

static int model_index(const struct suite *s, const char *name)
{
    for (unsigned m = 0; m < s->o->nmodels; m++)
        if (name && strcmp(s->o->models[m], name) == 0)
            return (int)m;
    return -1;
}

/* A record for a model's step that did not run, and the model's ramp stopped there. */
static void record_unrun(struct capacity_run *c, unsigned m, const struct point *p, unsigned agents,
                         const char *verdict, const char *why)
{
    struct ramp *r = &c->ramp[m];
    json_t *pt = json_pack("{s:s,s:s,s:f,s:i,s:i,s:s,s:s,s:[],s:o}", "model", c->s->o->models[m],
                           "label", p->label, "x", p->x, "connections", (int)p->connections, "idle",
                           (int)p->idle, "status", verdict, "note", why, "trials", "capacity",
                           unrun_json(p->idle, agents, &c->tg, verdict, why));
    json_array_append_new(c->points, pt);
    r->verdict = verdict;
    r->cause = NULL;
    snprintf(r->why, sizeof(r->why), "%s", why);
}

/* loadgen's run JSON of a trial (raw/NAME.json), or NULL. */
static json_t *loadgen_of(const struct suite *s, json_t *trial)
{
    char path[PATH_MAX + 200], why[256];
    const char *raw = json_string_value(json_object_get(trial, "raw"));
    if (!raw)
        return NULL;
    snprintf(path, sizeof(path), "%s/raw/%s.json", s->o->out_dir, raw);
    return access(path, R_OK) == 0 ? json_read_file(path, why, sizeof(why)) : NULL;
}

/* Judges a model's record of a step that ran: its capacity object, and the model's ramp
 * held or stopped. */
static void judge(struct capacity_run *c, json_t *pt, unsigned agents)
{
    int m = model_index(c->s, json_string_value(json_object_get(pt, "model")));
    if (m < 0)
        return;
    struct ramp *r = &c->ramp[m];
    json_t *trial = json_array_get(json_object_get(pt, "trials"), 0);
    const char *label = json_string_value(json_object_get(pt, "label"));
    const char *status = json_string_value(json_object_get(trial, "status"));
    char why[1024];
    if (!trial || strcmp(status, "interrupted") == 0) {
        /* Not a step that failed: the model could not run here, or bench stopped. */
        const char *note = json_string_value(json_object_get(pt, "note"));
        bool stopped = bench_interrupted && (!trial || strcmp(status, "interrupted") == 0);
        snprintf(why, sizeof(why), "%s",
                 stopped ? "bench was interrupted during this step"
                 : note  ? note
                         : "not run");
        json_object_set_new(pt, "capacity",
                            unrun_json((unsigned)num(pt, "idle"), agents, &c->tg, "skipped", why));
        if (!stopped) {
            r->verdict = "unavailable";
            snprintf(r->why, sizeof(r->why), "%s", why);
        }
        return;
    }
    json_t *lg = loadgen_of(c->s, trial);
    struct facts f;
    facts_of(trial, lg, &c->tg, &f);
    const char *cause = NULL;
    bool ok = held(&f, &c->tg);
    if (ok) {
        char rate[48] = "";
        if (f.rate > 0)
            snprintf(rate, sizeof(rate), " (%.0f/s)", f.rate);
        snprintf(why, sizeof(why),
                 "held %.0f idle and %d active connections: p%g %.1f ms within %s; opened and "
                 "taken in in %.1f s%s",
                 f.idle, IDLE_ACTIVE, c->tg.percentile, f.judged / 1e3, c->tg.text, f.open_s, rate);
    } else {
        cause = cause_of(&f, &c->mc, &c->tg, (double)c->cap_ns / 1e9, why, sizeof(why));
    }
    json_t *cap = step_json(&f, &c->tg, &c->mc, agents, ok ? "held" : "failed", cause, why);
    json_object_set_new(pt, "capacity", cap ? cap : json_null());
    json_decref(lg);
    if (ok && cap) {
        json_decref(r->held);
        r->held = json_incref(cap);
        snprintf(r->held_label, sizeof(r->held_label), "%s", label);
        r->held_conns = (unsigned)f.idle + IDLE_ACTIVE;
        r->timed = f.wall_s > 0;
        r->fixed_s = f.wall_s - f.open_s;
        r->open_rate = f.rate;
        return;
    }
    /* A model that cannot start is not broken by a step. */
    r->verdict = strcmp(status, "failed_to_start") == 0 ? "unavailable" : "broke";
    r->cause = r->verdict[0] == 'b' ? cause : NULL;
    snprintf(r->failed_label, sizeof(r->failed_label), "%s", label);
    snprintf(r->why, sizeof(r->why), "%s", why);
}

/* The scenario's "models": each one's verdict, where it broke and why. */
static json_t *models_json(const struct capacity_run *c, bool done)
{
    json_t *models = json_object();
    for (unsigned m = 0; m < c->s->o->nmodels; m++) {
        const struct ramp *r = &c->ramp[m];
        const char *verdict = r->verdict                   ? r->verdict
                              : done && !bench_interrupted ? "top"
                                                           : "not_run";
        char why[1100];
        if (r->verdict)
            snprintf(why, sizeof(why), "%s", r->why);
        else if (strcmp(verdict, "top") == 0)
            snprintf(why, sizeof(why), "held every step up to %s", r->held_label);
        else
            snprintf(why, sizeof(why), "%s",
                     bench_interrupted ? "bench was interrupted before its ramp ended"
                                       : "still ramping");
        json_t *h = r->held;
        json_object_set_new(
            models, c->s->o->models[m],
            json_pack(
                "{s:s,s:o,s:o,s:o,s:s?,s:s,s:o,s:o,s:o,s:o}", "verdict", verdict, "held",
                h ? json_integer(r->held_conns) : json_null(), "held_step",
                h ? json_string(r->held_label) : json_null(), "failed_step",
                r->failed_label[0] ? json_string(r->failed_label) : json_null(), "cause", r->cause,
                "why", why, "memory_per_connection_bytes",
                h ? json_deep_copy(json_object_get(h, "memory_per_connection_bytes")) : json_null(),
                "memory_kib", h ? json_deep_copy(json_object_get(h, "memory_kib")) : json_null(),
                "open_s", h ? json_deep_copy(json_object_get(h, "open_s")) : json_null(),
                "open_rate", h ? json_deep_copy(json_object_get(h, "open_rate")) : json_null()));
    }
    return models;
}

static int write_state(struct capacity_run *c, bool done)
{
    json_object_set_new(c->scj, "spent_s",
                        json_real(round_to((double)(clock_now_ns() - c->started_ns) / 1e9, 1)));
    json_object_set_new(c->scj, "models", models_json(c, done));
    return write_bench(c->s);
}

/* Which models run step k: those still ramping whose step fits in memory and in what
 * is left of the budget (each in the table's order takes its estimate of it); the
 * others get a record saying why they stopped. Returns how many run. */
static unsigned step_models(struct capacity_run *c, int k, const struct point *p, unsigned agents,
                            bool *only)
{
    struct suite *s = c->s;
    double spent = (double)(clock_now_ns() - c->started_ns) / 1e9;
    double left = (double)s->o->capacity_budget_ns / 1e9 - spent;
    unsigned n = 0;
    for (unsigned m = 0; m < s->o->nmodels; m++) {
        struct ramp *r = &c->ramp[m];
        char why[512];
        only[m] = false;
        if (r->verdict)
            continue;
        if (s->unavailable[m]) {
            r->verdict = "unavailable";
            snprintf(r->why, sizeof(r->why), "%s", s->unavailable_why[m]);
            continue;
        }
        double est = estimate_s(c, r, p->idle);
        if (!memory_fits(r, p->idle, why, sizeof(why))) {
            record_unrun(c, m, p, agents, "skipped", why);
        } else if (est > left) {
            snprintf(why, sizeof(why),
                     "capped: the scenario's budget of %.0f s, %.0f s spent, leaves %.0f s for "
                     "this step, and this model's is estimated at %.0f s (from its step %s)",
                     (double)s->o->capacity_budget_ns / 1e9, spent, left > 0 ? left : 0, est,
                     r->timed ? r->held_label : "before: none, its warmup and window");
            record_unrun(c, m, p, agents, "capped", why);
        } else {
            left -= est;
            only[m] = true;
            n++;
            continue;
        }
        s->runs_total -= (unsigned)(c->nsteps - k); /* this and its later steps */
    }
    return n;
}

int run_capacity(struct suite *s, const struct scenario *sc, json_t *scj, const struct point *steps,
                 int n)
{
    static struct capacity_run c;
    static struct bench_opts so;
    struct bench_opts *o = s->o;
    memset(&c, 0, sizeof(c));
    c = (struct capacity_run){.s = s,
                              .sc = sc,
                              .scj = scj,
                              .nsteps = n,
                              .points = json_object_get(scj, "points"),
                              .started_ns = clock_now_ns(),
                              .cap_ns = step_cap_ns(o)};
    target_of(o, &c.tg);
    json_t *list = json_array();
    for (int k = 0; k < n; k++)
        json_array_append_new(list, json_integer(steps[k].idle));
    json_object_set_new(scj, "target",
                        json_pack("{s:f,s:f,s:s,s:s}", "percentile", c.tg.percentile, "bound_us",
                                  c.tg.bound_us, "text", c.tg.text, "source",
                                  c.tg.from_slo ? "slo" : "default"));
    json_object_set_new(scj, "limits", limits_json(&c.mc));
    json_object_set_new(scj, "budget_s", json_real((double)o->capacity_budget_ns / 1e9));
    json_object_set_new(scj, "step_cap_s", json_real((double)c.cap_ns / 1e9));
    json_object_set_new(scj, "steps", list);
    int rc = 0;
    for (int k = 0; k < n && !bench_interrupted && rc == 0; k++) {
        bool only[MAX_MODELS];
        unsigned agents = agents_for(s, steps[k].idle);
        if (step_models(&c, k, &steps[k], agents, only) == 0)
            break;
        struct point p = steps[k];
        p.only = only;
        size_t before = json_array_size(c.points);
        step_opts(s, agents, &so);
        s->o = &so;
        rc = run_point(s, sc, &p, c.points);
        s->o = o;
        for (size_t i = before; i < json_array_size(c.points); i++) {
            json_t *pt = json_array_get(c.points, i);
            if (!json_object_get(pt, "capacity")) {
                judge(&c, pt, agents);
                int m = model_index(s, json_string_value(json_object_get(pt, "model")));
                if (m >= 0 && c.ramp[m].verdict)
                    s->runs_total -= (unsigned)(n - k - 1);
            }
        }
        if (rc == 0)
            rc = write_state(&c, false);
    }
    json_object_set_new(scj, "status", json_string(bench_interrupted ? "interrupted" : "done"));
    if (rc == 0)
        rc = write_state(&c, true);
    for (unsigned m = 0; m < o->nmodels; m++)
        json_decref(c.ramp[m].held);
    return rc;
}
