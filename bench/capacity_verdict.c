/* The verdict of one step of the capacity scenario (docs/bench.md, "The capacity
 * scenario"): held, or failed with the first cause whose evidence is there, in the
 * documented order, and the step's capacity object; and the machine's limits and the
 * latency target every step is judged against. */
#include "capacity.h"

#include "evidence.h"
#include "jsonio.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#define DEFAULT_TARGET_US 100000.0 /* p99 within 100 ms, when no --slo is given */
#define NOFILE_NEAR       8        /* within this many of its soft limit a table is full */
#define TASKS_NEAR        0.02     /* within this share of a task limit, it was reached */
#define MEMORY_LOW        0.05     /* MemAvailable under this share of before: memory ran out */
/* KiB of the machine-wide readings' rise (the kernel's memory, MemAvailable's fall) left
 * to the rest of the machine. */
#define MACHINE_ALLOWANCE (64.0 * 1024)

void capacity_target_of(const struct bench_opts *o, struct capacity_target *t)
{
    *t = (struct capacity_target){99, DEFAULT_TARGET_US, "p99_us", "p99=100ms", false};
    if (!o->slo_given)
        return;
    const struct slo *pick = &o->slo[0];
    for (unsigned i = 0; i < o->nslo; i++)
        if (o->slo[i].percentile == 99) {
            pick = &o->slo[i];
            break;
        }
    *t = (struct capacity_target){pick->percentile, pick->bound_us, pick->metric, "", true};
    snprintf(t->text, sizeof(t->text), "%s", pick->text);
}

json_t *capacity_machine_read(struct capacity_machine *mc)
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

/* What one step of one model showed, from its trial, loadgen's run JSON and the
 * evidence; NAN where unknown. */
struct facts {
    const char *status, *detail;
    double idle, established, open_at_end, attempts, connect_s, settle_s, open_s, rate;
    double server_max; /* the stats line's max_concurrent; NAN without one */
    bool settle_capped, saturated;
    json_t *warnings;
    double active_up, starved, p99, judged;
    double rejected, fd_setsize, emfile, enfile, eagain, enomem;
    double mem_primed; /* MemAvailable at the reading with every connection up */
    double cg_max, cg_peak, cg_events, uid_tasks;
    double fds_max, fds_total, nofile_soft, nofile_hard, nproc, tasks_peak, mem_before, mem_lowest,
        overflows, drops, tcp_before, tcp_peak, kernel_before, kernel_primed;
    const char *fds_role;
    double addr_unavailable, fd_limit, threads, processes, held, memory_kib, per_conn;
    json_t *rejected_for, *setup_errors;
};

double capacity_num(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

double capacity_memory_each_kib(json_t *held, char *basis, size_t len)
{
    double per = capacity_num(held, "memory_per_connection_bytes");
    double conns = capacity_num(held, "held"), tcp = capacity_num(held, "kernel_tcp_kib");
    double kernel = capacity_num(held, "kernel_memory_kib");
    double fall = capacity_num(held, "machine_memory_kib");
    if (isnan(per) || !(conns > 0))
        return NAN;
    /* Both the kernel's and MemAvailable are the whole machine's: the rest of the
     * machine's threads, sockets and pages are in them too, and get the allowance. */
    double tcp_per = tcp > 0 ? tcp / conns : 0, kernel_per = kernel > 0 ? kernel / conns : 0;
    double kernel_excess = (kernel > 0 ? kernel : 0) + (tcp > 0 ? tcp : 0) - MACHINE_ALLOWANCE;
    double excess = isnan(fall) ? NAN : fall - MACHINE_ALLOWANCE;
    double excess_per = excess > 0 ? excess / conns : 0;
    double each_kib = per / 1024 + (kernel_excess > 0 ? kernel_excess / conns : 0);
    bool machine = excess_per > each_kib;
    int n = snprintf(basis, len,
                     "%.0f B each in the server, and %.2f KiB in the kernel's own memory and %.2f "
                     "KiB in its TCP buffers, less the %.0f MiB left to the rest of the machine",
                     per, kernel_per, tcp_per, MACHINE_ALLOWANCE / 1024);
    if (n > 0 && (size_t)n < len && !isnan(fall)) {
        if (fall > MACHINE_ALLOWANCE)
            snprintf(basis + n, len - (size_t)n,
                     ", or %.2f KiB each of the machine's MemAvailable (its fall of %.1f MiB less "
                     "the %.0f MiB left to the rest of the machine); the larger, the %s, counts",
                     excess_per, fall / 1024, MACHINE_ALLOWANCE / 1024,
                     machine ? "machine's" : "server's and kernel's");
        else
            snprintf(basis + n, len - (size_t)n,
                     " (the machine's MemAvailable %s %.1f MiB, within the %.0f MiB left to the "
                     "rest of the machine)",
                     fall < 0 ? "rose" : "fell", fabs(fall) / 1024, MACHINE_ALLOWANCE / 1024);
    }
    return machine ? excess_per : each_kib;
}

static json_t *num_json(double v, int digits)
{
    return isnan(v)     ? json_null()
           : digits < 0 ? json_integer((json_int_t)v)
                        : json_real(round_to(v, digits));
}

static void facts_of(json_t *trial, json_t *lg, const struct capacity_target *tg, struct facts *f)
{
    json_t *idle = json_object_get(lg, "idle"), *server = json_object_get(trial, "server");
    json_t *lim = json_object_get(trial, "limits"), *res = json_object_get(trial, "resources");
    json_t *rf = json_object_get(server, "rejected_for");
    f->status = json_string_value(json_object_get(trial, "status"));
    f->detail = json_string_value(json_object_get(trial, "detail"));
    f->idle = capacity_num(idle, "requested");
    f->established = capacity_num(idle, "established");
    f->open_at_end = capacity_num(idle, "open_at_end");
    f->attempts = capacity_num(idle, "attempts");
    f->connect_s = capacity_num(idle, "open_s");
    /* To the server's last change, not bench's confirming readings after it. */
    f->settle_s = capacity_num(res, "idle_settle_changed_s");
    f->settle_capped = json_is_true(json_object_get(res, "idle_settle_capped"));
    f->open_s = (isnan(f->connect_s) ? 0 : f->connect_s) + (isnan(f->settle_s) ? 0 : f->settle_s);
    f->saturated = json_is_true(json_object_get(trial, "loadgen_saturated"));
    f->warnings = json_object_get(lg, "warnings");
    f->rate = f->established > 0 && f->open_s > 0 ? f->established / f->open_s : NAN;
    f->active_up = capacity_num(json_object_get(lg, "connections"), "established_at_start");
    f->starved = capacity_num(json_object_get(lg, "fairness"), "starved");
    f->p99 = capacity_num(trial, "p99_us");
    f->judged = capacity_num(trial, tg->metric);
    f->rejected = capacity_num(server, "rejected");
    f->rejected_for = json_is_object(rf) ? rf : NULL;
    f->fd_setsize = capacity_num(rf, "fd_setsize");
    f->emfile = capacity_num(rf, "emfile");
    f->enfile = capacity_num(rf, "enfile");
    f->eagain = capacity_num(rf, "eagain");
    f->enomem = capacity_num(rf, "enomem");
    f->fds_max = capacity_num(lim, "fds_max_one_process");
    f->fds_total = capacity_num(lim, "fds_total");
    f->fds_role = json_string_value(json_object_get(lim, "fds_max_role"));
    f->nofile_soft = capacity_num(lim, "nofile_soft");
    f->nofile_hard = capacity_num(lim, "nofile_hard");
    f->nproc = capacity_num(lim, "nproc");
    f->tasks_peak = capacity_num(lim, "tasks_machine_peak");
    f->mem_before = capacity_num(lim, "mem_available_kib_before");
    f->mem_lowest = capacity_num(lim, "mem_available_kib_lowest");
    f->mem_primed = capacity_num(lim, "mem_available_kib_primed");
    f->cg_max = capacity_num(lim, "cgroup_pids_max");
    f->cg_peak = capacity_num(lim, "cgroup_pids_peak");
    f->cg_events = capacity_num(lim, "cgroup_pids_events_max");
    f->uid_tasks = capacity_num(lim, "uid_tasks_peak");
    f->overflows = capacity_num(lim, "listen_overflows");
    f->drops = capacity_num(lim, "listen_drops");
    f->tcp_before = capacity_num(lim, "tcp_mem_kib_before");
    f->tcp_peak = capacity_num(lim, "tcp_mem_kib_peak");
    f->kernel_before = capacity_num(lim, "kernel_mem_kib_before");
    f->kernel_primed = capacity_num(lim, "kernel_mem_kib_primed");
    f->setup_errors = json_object_get(json_object_get(lg, "requests"), "setup_errors");
    f->addr_unavailable = capacity_num(f->setup_errors, "addr_unavailable");
    f->fd_limit = capacity_num(f->setup_errors, "fd_limit");
    f->threads = capacity_num(res, "peak_threads");
    f->processes = capacity_num(res, "peak_processes");
    f->memory_kib = capacity_num(res, "primed_pss_anon_kib");
    f->per_conn = capacity_num(res, "memory_per_connection_bytes");
    if (!(f->memory_kib > 0))
        f->memory_kib = NAN; /* no reading with every connection up */
    double held = capacity_num(server, "max_concurrent");
    f->server_max = held;
    double seen =
        (isnan(f->established) ? 0 : f->established) + (isnan(f->active_up) ? 0 : f->active_up);
    /* Without a stats line (an external model) loadgen's count is bounded by the
     * descriptors the server's tree held: what waits in its accept queue is loadgen's,
     * not the server's. */
    if (isnan(held) && f->fds_total > 0 && f->fds_total < seen)
        seen = f->fds_total;
    f->held = held > 0 ? held : seen;
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

/* Whether the server itself counted every connection at once (its stats line; where
 * there is none, loadgen's view stands). */
static bool server_took_all(const struct facts *f)
{
    if (isnan(f->server_max)) /* no stats line: its tree's descriptors bound it */
        return !(f->fds_total > 0) || f->fds_total >= f->idle + IDLE_ACTIVE;
    return f->server_max >= f->idle + IDLE_ACTIVE;
}

/* The server's rejected count is its stats line's: a server without one (an external
 * model) rejected none that it could say. */
static bool held(const struct facts *f, const struct capacity_target *tg, double cap_s)
{
    return f->status && strcmp(f->status, "ok") == 0 && f->established == f->idle &&
           f->open_at_end == f->idle && f->active_up == IDLE_ACTIVE && f->starved == 0 &&
           f->judged <= tg->bound_us && !some(f->rejected) && !(f->open_s > cap_s) &&
           server_took_all(f);
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

static const char *cause_nofile(const struct facts *f, const struct capacity_machine *mc, char *why,
                                size_t len)
{
    char who[160] = "", shed[96] = "", raise[320];
    if (!isnan(f->fds_max))
        snprintf(who, sizeof(who),
                 "the %s process held %.0f descriptors against its soft "
                 "RLIMIT_NOFILE of %.0f (hard %.0f)",
                 f->fds_role && strcmp(f->fds_role, "main") == 0 ? "main" : "child (worker)",
                 f->fds_max, f->nofile_soft, f->nofile_hard);
    if (some(f->emfile))
        snprintf(shed, sizeof(shed), "the server shed %.0f connections with EMFILE", f->emfile);
    long hard = f->nofile_hard > 0 ? (long)f->nofile_hard : mc->nofile_hard;
    snprintf(raise, sizeof(raise),
             "the hard limit is %ld: raise it with limits.conf (* hard nofile N), systemd's "
             "LimitNOFILE=N, or prlimit --nofile=N:N with privileges; fs.nr_open is the ceiling",
             hard);
    snprintf(why, len, "%s%s%s; %s", who, who[0] && shed[0] ? ", and " : "", shed, raise);
    return "rlimit_nofile";
}

static const char *cause_tasks(const struct facts *f, const struct capacity_machine *mc, char *why,
                               size_t len)
{
    if (some(f->cg_events) || near_limit(f->cg_peak, f->cg_max)) {
        snprintf(why, len,
                 "fork or pthread_create failed with EAGAIN %.0f times: the server's cgroup "
                 "held %.0f tasks at most of its pids.max %.0f, and refused %.0f forks on it",
                 f->eagain, f->cg_peak, f->cg_max, some(f->cg_events) ? f->cg_events : 0);
        return "cgroup_pids";
    }
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
    /* RLIMIT_NPROC counts every task of the uid, bench's and loadgen's too. */
    double uid = f->uid_tasks > f->threads ? f->uid_tasks : f->threads;
    if (!mc->root && near_limit(uid, f->nproc)) {
        snprintf(why, len,
                 "fork or pthread_create failed with EAGAIN %.0f times: the uid's tasks peaked "
                 "at %.0f (the server's %.0f) of its RLIMIT_NPROC %.0f",
                 f->eagain, uid, f->threads, f->nproc);
        return "rlimit_nproc";
    }
    snprintf(why, len,
             "fork or pthread_create failed with EAGAIN %.0f times with no limit seen at its "
             "limit: the machine's tasks peaked at %.0f (pid_max %ld, threads-max %ld), the "
             "server's at %.0f (RLIMIT_NPROC %.0f, counted only when not root), its cgroup's "
             "at %.0f (pids.max %.0f)",
             f->eagain, f->tasks_peak, mc->pid_max, mc->threads_max, f->threads, f->nproc,
             f->cg_peak, f->cg_max);
    return "tasks";
}

static const char *cause_latency(const struct facts *f, const struct capacity_target *tg, char *why,
                                 size_t len)
{
    char measured[64];
    if (isnan(f->judged))
        snprintf(measured, sizeof(measured), "none measured");
    else
        snprintf(measured, sizeof(measured), "%.1f ms", f->judged / 1e3);
    snprintf(why, len,
             "the active clients were not served within %s: p%g %s, %.0f of %d starved, %.0f "
             "of %d up, beside %.0f idle connections (the server's processes %.0f, threads "
             "%.0f)",
             tg->text, tg->percentile, measured, isnan(f->starved) ? 0 : f->starved, IDLE_ACTIVE,
             isnan(f->active_up) ? 0 : f->active_up, IDLE_ACTIVE,
             isnan(f->open_at_end) ? 0 : f->open_at_end, f->processes, f->threads);
    return "latency";
}

/* A step not opened within its cap: not every idle connection up, or up too late. The
 * listen queue's overflows are evidence, not the cause (system-wide counters). */
static const char *cause_time(const struct facts *f, double cap_s, char *why, size_t len)
{
    double est = isnan(f->established) ? 0 : f->established;
    char rate[48] = "", over[96] = "";
    if (f->open_s > 0 && est > 0)
        snprintf(rate, sizeof(rate), " (%.0f/s)", est / f->open_s);
    if (some(f->overflows))
        snprintf(over, sizeof(over), "; the listen queues overflowed %.0f times (%.0f dropped)",
                 f->overflows, isnan(f->drops) ? 0 : f->drops);
    if (est >= f->idle)
        snprintf(why, len, "opened in %.1f s%s, past the step's cap of %.1f s%s", f->open_s, rate,
                 cap_s, over);
    else
        snprintf(why, len, "opened %.0f of %.0f in %.1f s%s, past the step's cap of %.1f s%s", est,
                 f->idle, f->open_s, rate, cap_s, over);
    return "time";
}

/* The failed step's cause and why, the first whose evidence is there. */
static const char *cause_of(const struct facts *f, const struct capacity_machine *mc,
                            const struct capacity_target *tg, double cap_s, char *why, size_t len)
{
    const char *st = f->status ? f->status : "";
    if (strcmp(st, "crashed") == 0 || strcmp(st, "hung") == 0)
        return cause_crash(f, why, len);
    if (some(f->fd_setsize)) {
        snprintf(why, len,
                 "the server refused %.0f connections at descriptors past FD_SETSIZE (%d): "
                 "select(2) cannot watch them",
                 f->fd_setsize, FD_SETSIZE);
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
    /* loadgen failing to open its connections while the listen queues overflowed: the
     * server was not taking them in, which is its limit, not the load side's. */
    if (strcmp(st, "loadgen_failed") == 0 && !some(f->fd_limit) && some(f->overflows)) {
        snprintf(why, len,
                 "loadgen could not open its connections (%s), and the listen queue overflowed "
                 "%.0f times during the step (%.0f dropped): the server was not taking them in",
                 f->detail ? f->detail : "?", f->overflows, isnan(f->drops) ? 0 : f->drops);
        return "listen_overflow";
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
    if (!(f->established >= f->idle) || f->open_s > cap_s)
        return cause_time(f, cap_s, why, len);
    if (!(f->judged <= tg->bound_us) || !(f->starved == 0) || !(f->active_up == IDLE_ACTIVE)) {
        if (!f->saturated)
            return cause_latency(f, tg, why, len);
        char lat[900];
        cause_latency(f, tg, lat, sizeof(lat));
        snprintf(why, len, "the load side may have set the pace: loadgen was saturated; %s", lat);
        return "loadgen";
    }
    if (!server_took_all(f)) {
        /* Its own count, or without one what its tree's descriptors allow (f->held). */
        double took = isnan(f->server_max) ? f->held : f->server_max;
        /* loadgen saw every one up, but the server had stopped taking them in before the
         * cap (its tree no longer grew): what it lacks were never in its accept queue.
         * A handshake whose last ACK arrives at a full queue is dropped on the server's
         * side (tcp_abort_on_overflow 0) and looks established to a client that stays
         * silent. */
        if (!f->settle_capped && some(f->overflows)) {
            snprintf(why, len,
                     "loadgen saw all %.0f up, but the server took in %.0f at once and had "
                     "stopped taking more before the cap: the listen queue overflowed %.0f "
                     "times during the step (%.0f dropped), and a handshake dropped at a full "
                     "queue looks established to a silent client",
                     f->idle + IDLE_ACTIVE, took, f->overflows, isnan(f->drops) ? 0 : f->drops);
            return "listen_overflow";
        }
        snprintf(why, len, "the server took in %.0f of %.0f at once %s", took,
                 f->idle + IDLE_ACTIVE,
                 f->settle_capped ? "within the cap; it was still taking them in when the cap "
                                    "ran out"
                                  : "and had stopped taking more before the cap");
        return f->settle_capped ? "time" : "other";
    }
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
static json_t *step_json(const struct facts *f, const struct capacity_target *tg,
                         const struct capacity_machine *mc, unsigned agents, const char *verdict,
                         const char *cause, const char *why)
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
    json_object_set_new(ev, "server_max_concurrent", num_json(f->server_max, -1));
    json_object_set_new(ev, "held_counted_by",
                        json_string(isnan(f->server_max) ? "loadgen" : "server"));
    json_object_set_new(ev, "idle_settle_s", num_json(f->settle_s, 3));
    json_object_set_new(ev, "idle_settle_capped", json_boolean(f->settle_capped));
    json_object_set_new(ev, "loadgen_saturated", json_boolean(f->saturated));
    json_object_set_new(ev, "loadgen_warnings",
                        f->warnings ? json_incref(f->warnings) : json_array());
    json_t *c =
        json_pack("{s:s,s:s?,s:s,s:i,s:o,s:o,s:o,s:o,s:o,s:f,s:o,s:o,s:o,s:o,s:o,s:o}", "verdict",
                  verdict, "cause", cause, "why", why, "agents", (int)agents, "requested",
                  num_json(f->idle + IDLE_ACTIVE, -1), "held", num_json(f->held, -1), "open_s",
                  num_json(f->open_s, 3), "open_rate", num_json(f->rate, 1), "p99_us",
                  num_json(f->p99, 1), "target_us", tg->bound_us, "active_starved",
                  num_json(f->starved, -1), "active_up", num_json(f->active_up, -1), "memory_kib",
                  num_json(f->memory_kib, -1), "memory_per_connection_bytes",
                  num_json(f->per_conn, 1), "kernel_tcp_kib", num_json(kernel, -1), "evidence", ev);
    if (c) {
        json_object_set_new(c, "connect_s", num_json(f->connect_s, 3));
        json_object_set_new(c, "most_held", num_json(f->held, -1));
        /* Both ends of loopback and the kernel (sockets, stacks, page tables), loadgen's
         * own included: what the machine gave, beside the tree's own memory_kib. */
        double machine =
            f->mem_before >= 0 && f->mem_primed >= 0 ? f->mem_before - f->mem_primed : NAN;
        json_object_set_new(c, "machine_memory_kib", num_json(machine, -1));
        json_object_set_new(c, "machine_memory_per_connection_bytes",
                            num_json(f->held > 0 ? machine * 1024 / f->held : NAN, 1));
        json_object_set_new(c, "machine_memory_allowance_kib",
                            json_integer((json_int_t)MACHINE_ALLOWANCE));
        /* The kernel's own memory's rise (sockets' slab, stacks, page tables): both ends
         * of loopback, system-wide (other processes' sockets and threads too), but not the
         * page cache or anyone's user pages. */
        double kernel_mem = f->kernel_before >= 0 && f->kernel_primed >= 0
                                ? f->kernel_primed - f->kernel_before
                                : NAN;
        json_object_set_new(c, "kernel_memory_kib", num_json(kernel_mem, -1));
    }
    return c;
}

json_t *capacity_unrun(unsigned idle, unsigned agents, const struct capacity_target *tg,
                       const char *verdict, const char *why)
{
    static const char *const unknown[] = {"held",
                                          "open_s",
                                          "open_rate",
                                          "p99_us",
                                          "active_starved",
                                          "active_up",
                                          "memory_kib",
                                          "memory_per_connection_bytes",
                                          "kernel_tcp_kib",
                                          "evidence",
                                          "connect_s",
                                          "most_held",
                                          "machine_memory_kib",
                                          "machine_memory_per_connection_bytes",
                                          "machine_memory_allowance_kib",
                                          "kernel_memory_kib"};
    json_t *c =
        json_pack("{s:s,s:n,s:s,s:i,s:i,s:f}", "verdict", verdict, "cause", "why", why, "agents",
                  (int)agents, "requested", (int)(idle + IDLE_ACTIVE), "target_us", tg->bound_us);
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
        json_object_set_new(c, unknown[i], json_null());
    return c;
}

json_t *capacity_judge(json_t *trial, json_t *lg, const struct capacity_target *tg,
                       const struct capacity_machine *mc, unsigned agents, double cap_s)
{
    struct facts f;
    char why[1024];
    facts_of(trial, lg, tg, &f);
    if (!held(&f, tg, cap_s)) {
        const char *cause = cause_of(&f, mc, tg, cap_s, why, sizeof(why));
        return step_json(&f, tg, mc, agents, "failed", cause, why);
    }
    char rate[48] = "";
    if (f.rate > 0)
        snprintf(rate, sizeof(rate), " (%.0f/s)", f.rate);
    snprintf(why, sizeof(why),
             "held %.0f idle and %d active connections: p%g %.1f ms within %s; opened and taken "
             "in in %.1f s%s",
             f.idle, IDLE_ACTIVE, tg->percentile, f.judged / 1e3, tg->text, f.open_s, rate);
    return step_json(&f, tg, mc, agents, "held", NULL, why);
}
