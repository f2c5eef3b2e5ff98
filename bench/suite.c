/* The default suite: its scenarios, their points, the trials interleaved across the
 * models, and bench.json, rewritten (atomically) after every point. */
#include "suite.h"

#include "external.h"
#include "hosts.h"
#include "jsonio.h"
#include "version.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void point_arg(char (*args)[24], unsigned *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args[*n], 24, fmt, ap);
    va_end(ap);
    (*n)++;
}

/* The --points list for scenario name, or NULL. */
const char *points_override(const struct bench_opts *o, const char *name)
{
    for (unsigned i = 0; i < o->npoints; i++)
        if (strcmp(o->points[i][0], name) == 0)
            return o->points[i][1];
    return NULL;
}

/* Parses "1,4,16" into v (at most MAX_POINTS, each from min to max). Returns the count or
 * -1 after a message. */
int number_list(const char *scenario, const char *text, unsigned *v, unsigned min, unsigned max)
{
    int n = 0;
    const char *p = text;
    while (*p) {
        char *end;
        errno = 0;
        long x = strtol(p, &end, 10);
        if (end == p || errno || x < (long)min || x > (long)max || n == MAX_POINTS ||
            (*end != ',' && *end != '\0')) {
            fprintf(stderr,
                    "bench: --points %s= takes up to %d numbers from %u to %u, such as 1,16,256; "
                    "not '%s'\n",
                    scenario, MAX_POINTS, min, max, text);
            return -1;
        }
        v[n++] = (unsigned)x;
        p = *end ? end + 1 : end;
    }
    return n;
}

/* A point of conns active and idle idle connections. prime: every active connection
 * gets one echo before the warmup, so that a server that makes a flow per connection
 * (fork, pthread_create) has made them all, idle ones included (they were accepted
 * first), before anything is measured: the window then measures serving, and the
 * cost of making flows is the churn scenario's. */
void base_point(const struct bench_opts *o, struct point *p, unsigned conns, unsigned idle,
                bool prime)
{
    memset(p, 0, sizeof(*p));
    p->connections = conns;
    p->idle = idle;
    p->warmup_ns = o->warmup_ns;
    point_arg(p->loadgen_args, &p->nloadgen_args, "-c");
    point_arg(p->loadgen_args, &p->nloadgen_args, "%u", conns);
    if (idle) {
        point_arg(p->loadgen_args, &p->nloadgen_args, "-i");
        point_arg(p->loadgen_args, &p->nloadgen_args, "%u", idle);
    }
    if (prime) {
        point_arg(p->loadgen_args, &p->nloadgen_args, "--prime");
        p->prime_ns = 2 * NS_PER_S; /* loadgen's default timeout */
    }
}

static int concurrency_points(const struct bench_opts *o, struct point *p)
{
    /* Both keep 64: the load sweep's rates are shares of the capacity there. (The full
     * suite's 4 and 1024 and the quick one's 256 went to make room for the open-loop
     * sweeps within 20 and 2 minutes: at 1024 loadgen was saturated for eight models of
     * nine here, and the slow sweep measures 1,000 and 10,000 connections in the open
     * loop.) */
    static const unsigned full[] = {1, 16, 64, 256}, quick[] = {1, 64};
    unsigned v[MAX_POINTS];
    const char *over = points_override(o, "concurrency");
    int n = over ? number_list("concurrency", over, v, 1, 100000) : o->quick ? 2 : 4;
    for (int i = 0; i < n; i++) {
        unsigned c = over ? v[i] : o->quick ? quick[i] : full[i];
        base_point(o, &p[i], c, 0, true);
        snprintf(p[i].label, sizeof(p[i].label), "%u", c);
        p[i].x = c;
    }
    return n;
}

static int idle_points(const struct bench_opts *o, struct point *p)
{
    /* (100 went to make room for the open-loop sweeps within 20 minutes, and the quick
     * suite's 1000 for the capacity scenario within 2: its first step is the same 16
     * active clients beside 1000 idle ones.) */
    static const unsigned full[] = {0, 1, 1000, 10000}, quick[] = {0, 1};
    unsigned v[MAX_POINTS];
    const char *over = points_override(o, "idle");
    int n = over ? number_list("idle", over, v, 0, 100000) : o->quick ? 2 : 4;
    for (int i = 0; i < n; i++) {
        unsigned idle = over ? v[i] : o->quick ? quick[i] : full[i];
        base_point(o, &p[i], IDLE_ACTIVE, idle, true);
        snprintf(p[i].label, sizeof(p[i].label), "%u", idle);
        p[i].x = idle;
        /* Before the active clients connect, bench waits until the server has taken
         * in the idle ones (run.c, on loadgen's "idle-up"). */
        p[i].idle_settle_ns = idle ? 60 * NS_PER_S : 0;
    }
    return n;
}

static int churn_points(const struct bench_opts *o, struct point *p)
{
    unsigned v[MAX_POINTS] = {8};
    const char *over = points_override(o, "churn");
    int n = over ? number_list("churn", over, v, 1, 10000) : 1;
    for (int i = 0; i < n; i++) {
        base_point(o, &p[i], v[i], 0, false);
        point_arg(p[i].loadgen_args, &p[i].nloadgen_args, "--churn");
        snprintf(p[i].label, sizeof(p[i].label), "%u", v[i]);
        p[i].x = v[i];
    }
    return n;
}

#define SERVICE_CONNS 64

static int service_points(const struct bench_opts *o, struct point *p)
{
    const char *over = points_override(o, "service");
    if (over) {
        fprintf(stderr, "bench: the service scenario has fixed points (50 us of work, 1 ms of "
                        "blocking); --points does not apply to it\n");
        return -1;
    }
    base_point(o, &p[0], SERVICE_CONNS, 0, true);
    snprintf(p[0].label, sizeof(p[0].label), "work_50us");
    p[0].x = 0;
    point_arg(p[0].server_args, &p[0].nserver_args, "--work-us");
    point_arg(p[0].server_args, &p[0].nserver_args, "50");
    base_point(o, &p[1], SERVICE_CONNS, 0, true);
    snprintf(p[1].label, sizeof(p[1].label), "sleep_1ms");
    p[1].x = 1;
    point_arg(p[1].server_args, &p[1].nserver_args, "--sleep-us");
    point_arg(p[1].server_args, &p[1].nserver_args, "1000");
    return 2;
}

#define CORES_CONNS 256

static int cores_points(const struct bench_opts *o, struct point *p)
{
    unsigned v[MAX_POINTS];
    const char *over = points_override(o, "cores");
    int n = 0;
    if (over) {
        n = number_list("cores", over, v, 1, o->nserver_cpus);
    } else {
        for (unsigned k = 1; k <= o->nserver_cpus && n < MAX_POINTS; k *= 2)
            v[n++] = k;
    }
    for (int i = 0; i < n; i++) {
        base_point(o, &p[i], CORES_CONNS, 0, true);
        p[i].server_cpus = v[i];
        snprintf(p[i].label, sizeof(p[i].label), "%u", v[i]);
        p[i].x = v[i];
    }
    return n;
}

static const struct scenario scenarios[] = {
    {"concurrency", "Throughput and latency against connections", "connections",
     "Closed loop, 64-byte lines, one request in flight per connection.", concurrency_points},
    {"load", "Latency against offered load", "offered load (requests/s)",
     "Open loop, Poisson arrivals, 64-byte lines, at a fixed number of connections; the same "
     "rates for every model, shares of the largest closed-loop capacity there.",
     load_points},
    {"slow", "Many slow clients: one load over more connections", "connections",
     "Open loop, Poisson arrivals: a fixed rate, half the smallest capacity among the models "
     "that served every connection, spread over more and more connections.",
     slow_points},
    {"idle", "The lunch scenario: active clients beside idle ones", "idle connections",
     "16 active clients in a closed loop, with idle clients connected first and silent all "
     "run.",
     idle_points},
    {"churn", "Creating a flow: one request per connection", "concurrent cycles",
     "Each request on a new connection: connect, send a line, read the echo, close.", churn_points},
    {"service", "Work per request: CPU and blocking", "service",
     "64 connections, closed loop; the server burns 50 us of CPU per line, or blocks 1 ms per "
     "line.",
     service_points},
    {"creation", "Creation cost: process against thread", NULL,
     "The creation-cost microbenchmark: create and reap a process or a thread.", NULL},
    {"cores", "Cores: which models use more CPUs", "server CPUs",
     "256 connections, closed loop; the server given 1, 2, 4 ... of its CPUs.", cores_points},
    {"pitfalls", "The lecture's pitfalls, beside the correct code", "clients",
     "Each pitfall of echo-process and echo-thread beside its correct twin, under connection "
     "churn: clients in waves of 16 at once, each a connect, one line, its echo awaited (100 ms "
     "at most), a close.",
     NULL},
    {"capacity", "Where each model breaks: connections held", "connections held",
     "Idle connections ramped in steps, 16 active clients in a closed loop beside them; each "
     "model's ramp stops at its first step not held (an idle connection not opened or lost, an "
     "active client unserved or past the latency target, a connection rejected), and the cause "
     "is named from the evidence.",
     capacity_points},
};
#define NSCENARIOS (sizeof(scenarios) / sizeof(scenarios[0]))

bool scenario_wanted(const struct bench_opts *o, const char *name)
{
    if (o->nscenarios == 0)
        return true;
    for (unsigned i = 0; i < o->nscenarios; i++)
        if (strcmp(o->scenarios[i], name) == 0)
            return true;
    return false;
}

/* ---- caps ---- */

/* The median of a few fork + waitpid, in nanoseconds; 0 if fork fails. */
static double fork_cost_ns(void)
{
    double v[21];
    unsigned n = 0;
    for (unsigned i = 0; i < 21; i++) {
        uint64_t t0 = clock_now_ns();
        pid_t pid = fork();
        if (pid == 0)
            _exit(0);
        if (pid < 0)
            break;
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        v[n++] = (double)(clock_now_ns() - t0);
    }
    struct summary s;
    summarize(v, n, &s);
    return n ? s.median : 0;
}

/* How many idle connections the process model can hold here: one process each, within
 * pid_max, RLIMIT_NPROC (which root escapes), memory at about 1 MiB a process, and the
 * time a point may spend forking them. */
static void process_cap(struct suite *s)
{
    long pid_max = 32768, procs = 0, avail_kib = 0;
    FILE *f = fopen("/proc/sys/kernel/pid_max", "r");
    if (f) {
        if (fscanf(f, "%ld", &pid_max) != 1)
            pid_max = 32768;
        fclose(f);
    }
    f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%*f %*f %*f %*d/%ld", &procs) != 1)
            procs = 0;
        fclose(f);
    }
    f = fopen("/proc/meminfo", "r");
    if (f) {
        char line[256];
        while (fgets(line, sizeof(line), f))
            if (sscanf(line, "MemAvailable: %ld kB", &avail_kib) == 1)
                break;
        fclose(f);
    }
    long cap = (pid_max - procs) * 8 / 10;
    snprintf(s->process_cap_reason, sizeof(s->process_cap_reason),
             "kernel.pid_max %ld with %ld tasks running", pid_max, procs);
    struct rlimit rl;
    if (geteuid() != 0 && getrlimit(RLIMIT_NPROC, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        (long)rl.rlim_cur - procs < cap) {
        cap = (long)rl.rlim_cur - procs;
        snprintf(s->process_cap_reason, sizeof(s->process_cap_reason), "RLIMIT_NPROC %ld",
                 (long)rl.rlim_cur);
    }
    if (avail_kib > 0 && avail_kib / 1024 < cap) {
        cap = avail_kib / 1024;
        snprintf(s->process_cap_reason, sizeof(s->process_cap_reason),
                 "%ld MiB of memory available, about 1 MiB per process", avail_kib / 1024);
    }
    /* And time: a point may spend PROCESS_SETUP_NS forking its children. Where fork is
     * slow (a paravirtualised VM: milliseconds), ten thousand would take minutes. */
    double fork_ns = fork_cost_ns();
    double per_child = 2 * fork_ns; /* accepting, forking, the child starting: about two forks */
    if (fork_ns > 0 && (double)PROCESS_SETUP_NS / per_child < (double)cap) {
        cap = (long)((double)PROCESS_SETUP_NS / per_child);
        snprintf(s->process_cap_reason, sizeof(s->process_cap_reason),
                 "fork + waitpid takes %.2f ms here, and a child about two forks' worth (the "
                 "accept, the fork, its start), so %ld children take the %.0f s a point may "
                 "spend creating them",
                 fork_ns / 1e6, cap, (double)PROCESS_SETUP_NS / 1e9);
    }
    s->process_cap = cap > 0 ? (unsigned)cap : 0;
}

const char *slot_name(const struct suite *s, unsigned m)
{
    return m < s->o->nmodels ? s->o->models[m] : "floor";
}

/* Whether echo-floor runs beside the models in this scenario: the closed loop's
 * concurrency and the open loop's load, where a model's figure is read against what
 * the machine itself gives. */
bool floor_here(const struct suite *s, const char *scenario)
{
    return s->floor && (strcmp(scenario, "concurrency") == 0 || strcmp(scenario, "load") == 0);
}

/* Whether this model (or the floor, at floor_slot) runs at this point; if not, why (in
 * why). */
bool model_runs(const struct suite *s, const char *scenario, unsigned m, const struct point *p,
                char *why, size_t len)
{
    const char *model = slot_name(s, m);
    if (p->only && !p->only[m]) {
        snprintf(why, len, "skipped: not asked");
        return false;
    }
    if (!load_model_runs(s, scenario, m, why, len))
        return false;
    /* An external model takes the service scenario's work or blocking only where its
     * command has the placeholder for it (external.h). */
    const struct external_model *e = m < s->o->nmodels ? external_of(s->o, model) : NULL;
    if (e && !external_takes(e, p->server_args, p->nserver_args, why, len))
        return false;
    /* In the capacity scenario the server's own limits are the subject: its rules, not
     * these caps, decide (capacity.c). */
    if (strcmp(scenario, "capacity") == 0)
        return true;
    rlim_t need = (rlim_t)p->idle + p->connections + FD_MARGIN;
    if (s->nofile != RLIM_INFINITY && need > s->nofile) {
        snprintf(why, len,
                 "capped: %u connections need about %lu descriptors and the limit is %lu; "
                 "raise the hard limit (ulimit -Hn, LimitNOFILE)",
                 p->idle + p->connections, (unsigned long)need, (unsigned long)s->nofile);
        return false;
    }
    if ((strcmp(scenario, "idle") == 0 || strcmp(scenario, "slow") == 0) &&
        strcmp(model, "process") == 0 && p->idle + p->connections > s->process_cap) {
        snprintf(why, len, "capped: %u processes, past the %u this machine can give a point (%s)",
                 p->idle + p->connections, s->process_cap, s->process_cap_reason);
        return false;
    }
    if (strcmp(scenario, "idle") == 0 && strcmp(model, "iterative") == 0 && p->idle > 100) {
        snprintf(why, len,
                 "skipped: behind one idle client echo-iterative already serves "
                 "nobody; more idle clients add only minutes");
        return false;
    }
    if (strcmp(scenario, "idle") == 0 && strcmp(model, "threadpool") == 0 && p->idle > 1000) {
        snprintf(why, len,
                 "skipped: behind as many idle clients as it has workers echo-threadpool "
                 "serves nobody, and past its queue and the listen backlog the active "
                 "clients cannot even connect");
        return false;
    }
    return true;
}

/* ---- progress ---- */

static void fmt_time(char *buf, size_t len, double s)
{
    snprintf(buf, len, "%d:%02d", (int)s / 60, (int)s % 60);
}

/* The live line, or a line per run. The run count and the ETA are of the base runs
 * (what --trials asks for); a trial the planner added reads "trial 4/3+", and the runs
 * added so far are counted apart. */
void run_progress(struct suite *s, const char *scenario, const char *model, const struct point *p,
                  unsigned trial, unsigned base, const struct run_result *r)
{
    char el[16], eta[16], tr[32], runs[48];
    unsigned done = s->runs_done - s->added_runs;
    double elapsed = (double)(clock_now_ns() - s->started_ns) / 1e9;
    double mean = s->runs_done ? elapsed / s->runs_done : 0;
    fmt_time(el, sizeof(el), elapsed);
    fmt_time(eta, sizeof(eta), s->runs_total > done ? mean * (s->runs_total - done) : 0);
    snprintf(tr, sizeof(tr), "%u/%u%s", trial, base, trial > base ? "+" : "");
    if (s->added_runs)
        snprintf(runs, sizeof(runs), "%u/%u +%u added", done, s->runs_total, s->added_runs);
    else
        snprintf(runs, sizeof(runs), "%u/%u", done, s->runs_total);
    if (s->o->progress) {
        if (r && r->status != RUN_OK) /* worth a line of its own above the live one */
            fprintf(stderr, "\r\033[K%s %s %s trial %u: %s: %s\n", scenario, model, p->label, trial,
                    run_status_names[r->status], r->detail);
        fprintf(stderr, "\r\033[K%-11s %-10s %-10s trial %-5s  run %s  elapsed %s  ETA %s",
                scenario, model, p ? p->label : "", tr, runs, el, eta);
        fflush(stderr);
    } else if (r) {
        fprintf(stderr, "bench: %-11s %-10s %-10s trial %s: %s%s%s  (run %s, %s, ETA %s)\n",
                scenario, model, p->label, tr, run_status_names[r->status],
                r->detail[0] ? ": " : "", r->detail, runs, el, eta);
    }
}

/* ---- writing ---- */

/* The root's "planner": the adaptive trials' settings, and what they added so far.
 * points_judged and points_met count model points (the floor's are not judged). */
static json_t *planner_json(const struct suite *s)
{
    const struct bench_opts *o = s->o;
    return json_pack("{s:f,s:i,s:o,s:f,s:i,s:i,s:i,s:i,s:o}", "target_ci_pct", o->target_ci_pct,
                     "max_trials", (int)o->max_trials, "budget_s",
                     o->budget_ns ? json_real((double)o->budget_ns / 1e9) : json_null(), "added_s",
                     round_to(s->added_s, 1), "base_runs", (int)(s->runs_done - s->added_runs),
                     "added_runs", (int)s->added_runs, "points_judged", (int)s->points_judged,
                     "points_met", (int)s->points_met, "budget_spent_at",
                     s->budget_spent_at[0] ? json_string(s->budget_spent_at) : json_null());
}

int write_bench(struct suite *s)
{
    char path[PATH_MAX + 32], ended[32];
    iso8601_utc(time(NULL), ended, sizeof(ended));
    json_object_set_new(s->root, "ended_at", json_string(ended));
    json_object_set_new(s->root, "planner", planner_json(s));
    snprintf(path, sizeof(path), "%s/bench.json", s->o->out_dir);
    if (json_write_atomic(s->root, path) < 0) {
        fprintf(stderr, "\nbench: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* creation-cost runs for well under a minute on any machine this runs on; past this it
 * is stuck, and is stopped. */
#define CREATION_TIMEOUT_NS (10 * 60 * NS_PER_S)

static void creation_failed(json_t *sc, const char *status, const char *why, const char *log)
{
    char note[768], tail[512] = "";
    int fd = open(log, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        off_t size = lseek(fd, 0, SEEK_END);
        off_t from = size > (off_t)sizeof(tail) - 1 ? size - (off_t)sizeof(tail) + 1 : 0;
        ssize_t got = pread(fd, tail, sizeof(tail) - 1, from);
        tail[got > 0 ? got : 0] = '\0';
        close(fd);
        for (char *nl = tail + strlen(tail); nl > tail && nl[-1] == '\n'; nl--)
            nl[-1] = '\0';
    }
    snprintf(note, sizeof(note), "%s (raw/creation.log)%s%s", why, tail[0] ? ": " : "",
             tail[0] ? strrchr(tail, '\n') ? strrchr(tail, '\n') + 1 : tail : "");
    json_object_set_new(sc, "status", json_string(status));
    json_object_set_new(sc, "note", json_string(note));
}

static int run_creation(struct suite *s, json_t *sc)
{
    const struct bench_opts *o = s->o;
    char path[PATH_MAX + 64], json[PATH_MAX + 64], log[PATH_MAX + 64];

    snprintf(path, sizeof(path), "%s/creation-cost", o->bin_dir);
    if (access(path, X_OK) != 0) {
        json_object_set_new(sc, "status", json_string("skipped"));
        json_object_set_new(sc, "note", json_string("creation-cost is not built here"));
        return write_bench(s);
    }
    snprintf(json, sizeof(json), "%s/raw/creation.json", o->out_dir);
    snprintf(log, sizeof(log), "%s/raw/creation.log", o->out_dir);
    unlink(json); /* a result left from before must not pass for this one */
    if (s->o->progress)
        fprintf(stderr, "\r\033[Kcreation    creation-cost ...");
    pid_t pid = fork();
    if (pid < 0) {
        char why[128];
        snprintf(why, sizeof(why), "cannot start creation-cost: %s", strerror(errno));
        creation_failed(sc, "failed", why, log);
        return write_bench(s);
    }
    if (pid == 0) {
        setpgid(0, 0); /* its own group, so a stuck run is ended whole */
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
        }
        char cpu[16];
        snprintf(cpu, sizeof(cpu), "%d", o->nserver_cpus ? o->server_cpus[0] : 0);
        execl(path, path, "--json", json, "--cpu", cpu, o->quick ? "--quick" : NULL, (char *)NULL);
        fprintf(stderr, "cannot run %s: %s\n", path, strerror(errno));
        _exit(127);
    }
    setpgid(pid, pid);
    uint64_t deadline = clock_now_ns() + CREATION_TIMEOUT_NS;
    bool killed = false, timed_out = false;
    int status = 0;
    for (;;) {
        pid_t got = waitpid(pid, &status, WNOHANG);
        if (got == pid || (got < 0 && errno != EINTR))
            break;
        if (!killed && (bench_interrupted || clock_now_ns() >= deadline)) {
            timed_out = !bench_interrupted;
            kill(-pid, SIGKILL);
            killed = true;
        }
        clock_sleep_ns(20 * NS_PER_MS);
    }
    while (waitpid(-1, NULL, WNOHANG) > 0) /* anything of its group that came to us */
        ;
    char why[256];
    if (bench_interrupted) {
        creation_failed(sc, "interrupted", "bench was interrupted during creation-cost", log);
    } else if (timed_out) {
        snprintf(why, sizeof(why), "creation-cost ran past %llu s and was killed",
                 (unsigned long long)(CREATION_TIMEOUT_NS / NS_PER_S));
        creation_failed(sc, "failed", why, log);
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        if (WIFSIGNALED(status))
            snprintf(why, sizeof(why), "creation-cost was killed by signal %d (%s)",
                     WTERMSIG(status), strsignal(WTERMSIG(status)));
        else
            snprintf(why, sizeof(why), "creation-cost exited with status %d", WEXITSTATUS(status));
        creation_failed(sc, "failed", why, log);
        /* What it did measure is kept: a primitive that fails is said in the result. */
        json_t *partial = json_read_file(json, why, sizeof(why));
        if (partial)
            json_object_set_new(sc, "result", partial);
    } else {
        json_t *result = json_read_file(json, why, sizeof(why));
        if (result) {
            json_object_set_new(sc, "status", json_string("done"));
            json_object_set_new(sc, "result", result);
        } else {
            char msg[320];
            snprintf(msg, sizeof(msg), "creation-cost's result cannot be read: %s", why);
            creation_failed(sc, "failed", msg, log);
        }
    }
    return write_bench(s);
}

static json_t *settings_json(const struct suite *s)
{
    const struct bench_opts *o = s->o;
    json_t *models = json_array(), *sc = json_array();
    for (unsigned i = 0; i < o->nmodels; i++)
        json_array_append_new(models, json_string(o->models[i]));
    for (size_t i = 0; i < NSCENARIOS; i++)
        if (scenario_wanted(o, scenarios[i].name))
            json_array_append_new(sc, json_string(scenarios[i].name));
    json_t *slo = json_array();
    for (unsigned i = 0; i < o->nslo; i++)
        json_array_append_new(slo, json_pack("{s:s,s:f,s:f,s:s}", "text", o->slo[i].text,
                                             "percentile", o->slo[i].percentile, "bound_us",
                                             o->slo[i].bound_us, "metric", o->slo[i].metric));
    json_t *set = json_pack(
        "{s:b,s:i,s:f,s:f,s:i,s:o,s:o,s:o,s:i,s:b,s:f,s:i,s:o}", "quick", o->quick, "trials",
        (int)o->trials, "duration_s", (double)o->duration_ns / 1e9, "warmup_s",
        (double)o->warmup_ns / 1e9, "loadgen_threads", (int)o->loadgen_threads, "models", models,
        "scenarios", sc, "slo", slo, "load_connections", (int)o->load_connections, "floor",
        s->floor, "target_ci_pct", o->target_ci_pct, "max_trials", (int)o->max_trials, "budget_s",
        o->budget_ns ? json_real((double)o->budget_ns / 1e9) : json_null());
    if (!s->floor)
        json_object_set_new(set, "floor_note", json_string(s->floor_note));
    json_object_set_new(set, "externals", external_settings_json(o));
    json_t *agents = json_array();
    for (unsigned i = 0; i < o->nagents; i++)
        json_array_append_new(agents, json_string(o->agents[i]));
    json_object_set_new(
        set, "hosts",
        json_pack("{s:s,s:o,s:s,s:o}", "server", o->server_host[0] ? o->server_host : "local",
                  "agents", agents, "listen", o->listen_addr[0] ? o->listen_addr : "127.0.0.1",
                  "skew_bound_us",
                  o->skew_bound_ns == UINT64_MAX ? json_null() /* --skew-bound 0: none */
                                                 : json_real((double)o->skew_bound_ns / 1e3)));
    return set;
}

/* Whether echo-floor runs in this suite; if not, why (in floor_note). */
static void floor_decide(struct suite *s)
{
    const struct bench_opts *o = s->o;
    char path[PATH_MAX + 16];
    snprintf(path, sizeof(path), "%s/echo-floor", o->bin_dir);
    s->floor_slot = o->nmodels;
    if (o->no_floor)
        snprintf(s->floor_note, sizeof(s->floor_note), "--no-floor");
    else if (!scenario_wanted(o, "concurrency") && !scenario_wanted(o, "load"))
        snprintf(s->floor_note, sizeof(s->floor_note),
                 "the floor runs in the concurrency and load scenarios, and neither runs");
    else if (access(path, X_OK) != 0)
        snprintf(s->floor_note, sizeof(s->floor_note),
                 "%s is not built here, so the suite runs without the machine's reference", path);
    else
        s->floor = true;
    if (!s->floor && strcmp(s->floor_note, "--no-floor") != 0 &&
        (scenario_wanted(o, "concurrency") || scenario_wanted(o, "load")))
        fprintf(stderr, "bench: note: %s\n", s->floor_note);
}

/* The CPUs this process may run on. */
static int usable_cpus(void)
{
    cpu_set_t set;
    return sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : 1;
}

/* Points each scenario to run; counts the runs for the ETA. */
static int plan(struct suite *s, struct point (*pts)[MAX_POINTS], int *npts)
{
    const struct bench_opts *o = s->o;
    bool probe = false;
    unsigned clients;
    if (scenario_wanted(o, "pitfalls") && pitfalls_clients(o, &clients) < 0)
        return -1;
    for (size_t i = 0; i < NSCENARIOS; i++) {
        npts[i] = 0;
        if (!scenario_wanted(o, scenarios[i].name) || !scenarios[i].points)
            continue;
        if (strcmp(scenarios[i].name, "cores") == 0 && usable_cpus() < 4 &&
            !points_override(o, "cores"))
            continue;
        npts[i] = scenarios[i].points(o, pts[i]);
        if (npts[i] < 0)
            return -1;
        if (strcmp(scenarios[i].name, "load") == 0 || strcmp(scenarios[i].name, "slow") == 0)
            probe = true;
        for (int k = 0; k < npts[i]; k++) {
            unsigned ran = 0;
            char why[256];
            for (unsigned m = 0; m < o->nmodels; m++)
                ran += model_runs(s, scenarios[i].name, m, &pts[i][k], why, sizeof(why));
            /* The floor, beside the models where any runs. */
            if (ran && floor_here(s, scenarios[i].name) &&
                model_runs(s, scenarios[i].name, s->floor_slot, &pts[i][k], why, sizeof(why)))
                ran++;
            s->runs_total += ran * (pts[i][k].trials ? pts[i][k].trials : o->trials);
        }
    }
    /* The scenarios come in table order, concurrency first. */
    if (probe)
        s->runs_total += load_probe_runs(s, pts[0], npts[0]);
    return 0;
}

/* Points results/latest at this run: a new link renamed over the old one. */
static void link_latest(const struct bench_opts *o)
{
    char link[PATH_MAX + 32], tmp[PATH_MAX + 64], target[PATH_MAX];
    size_t rlen = strlen(o->results_dir);
    const char *base = o->out_dir;
    if (strncmp(o->out_dir, o->results_dir, rlen) == 0 && o->out_dir[rlen] == '/' &&
        !strchr(o->out_dir + rlen + 1, '/')) {
        base = o->out_dir + rlen + 1; /* the usual case: a folder beside the link */
    } else if (o->out_dir[0] != '/' && realpath(o->out_dir, target)) {
        base = target; /* elsewhere: the link must not depend on where it lives */
    }
    snprintf(link, sizeof(link), "%s/latest", o->results_dir);
    snprintf(tmp, sizeof(tmp), "%s/.latest.%d", o->results_dir, (int)getpid());
    unlink(tmp);
    if (symlink(base, tmp) == 0 && rename(tmp, link) == 0)
        return;
    unlink(tmp);
    fprintf(stderr, "bench: warning: cannot point %s at %s: %s\n", link, base, strerror(errno));
}

static int suite_body(struct bench_opts *o)
{
    struct suite s = {.o = o, .started_ns = clock_now_ns(), .last_model = -1};
    static struct point pts[NSCENARIOS][MAX_POINTS];
    int npts[NSCENARIOS];
    char started[32];

    process_cap(&s);
    floor_decide(&s);
    struct rlimit rl;
    s.nofile = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? rl.rlim_cur : RLIM_INFINITY;
    if (plan(&s, pts, npts) < 0)
        return 2;
    iso8601_utc(time(NULL), started, sizeof(started));
    s.scenarios = json_array();
    json_t *env = env_collect();
    json_object_set_new(env, "server_cpus", cpus_json(o->server_cpus, o->nserver_cpus));
    json_object_set_new(env, "client_cpus", cpus_json(o->client_cpus, o->nclient_cpus));
    json_object_set_new(env, "runtimes", external_runtimes_json(o));
    s.root = json_pack("{s:s,s:{s:s,s:s,s:s},s:s,s:n,s:b,s:o,s:o,s:o}", "schema",
                       "echobench.bench/1", "tool", "name", "bench", "version", ECHOBENCH_VERSION,
                       "git", ECHOBENCH_GIT, "started_at", started, "ended_at", "interrupted",
                       false, "env", env, "settings", settings_json(&s), "scenarios", s.scenarios);
    if (!s.root || write_bench(&s) < 0)
        return 1;
    link_latest(o);

    for (size_t i = 0; i < NSCENARIOS && !bench_interrupted; i++) {
        const struct scenario *sc = &scenarios[i];
        if (!scenario_wanted(o, sc->name))
            continue;
        json_t *scj = json_pack("{s:s,s:s,s:s?,s:s,s:s,s:[]}", "name", sc->name, "title", sc->title,
                                "x_label", sc->x_label, "description", sc->description, "status",
                                "running", "points");
        json_array_append_new(s.scenarios, scj);
        if (strcmp(sc->name, "creation") == 0) {
            run_creation(&s, scj);
            continue;
        }
        if (strcmp(sc->name, "pitfalls") == 0) {
            if (o->quick && o->nscenarios == 0) {
                json_object_set_new(scj, "status", json_string("skipped"));
                json_object_set_new(scj, "note",
                                    json_string("the quick suite leaves the pitfalls out; "
                                                "--scenarios pitfalls runs them"));
                write_bench(&s);
            } else if (run_pitfalls(&s, scj) < 0) {
                return 1;
            }
            continue;
        }
        if (strcmp(sc->name, "capacity") == 0) {
            if (run_capacity(&s, sc, scj, pts[i], npts[i]) < 0)
                return 1;
            continue;
        }
        if (strcmp(sc->name, "cores") == 0 && npts[i] == 0) {
            char note[160];
            snprintf(note, sizeof(note),
                     "skipped: bench may use %d CPUs here; the cores scenario needs 4 or more, "
                     "so that the server and loadgen each have a half",
                     usable_cpus());
            json_object_set_new(scj, "status", json_string("skipped"));
            json_object_set_new(scj, "note", json_string(note));
            write_bench(&s);
            continue;
        }
        json_t *points = json_object_get(scj, "points");
        bool sweep = strcmp(sc->name, "load") == 0 || strcmp(sc->name, "slow") == 0;
        int n = sweep ? load_begin(&s, sc->name, pts[i], npts[i], scj) : npts[i];
        if (n < 0)
            return 1;
        for (int k = 0; k < n && !bench_interrupted; k++) {
            if (run_point(&s, sc, &pts[i][k], points) < 0)
                return 1;
            if (strcmp(sc->name, "load") == 0)
                load_after_point(&s, &pts[i][k], scj);
        }
        json_object_set_new(scj, "status", json_string(bench_interrupted ? "interrupted" : "done"));
        if (write_bench(&s) < 0)
            return 1;
    }
    if (o->progress)
        fprintf(stderr, "\r\033[K");
    json_object_set_new(s.root, "interrupted", json_boolean(bench_interrupted));
    int rc = write_bench(&s) < 0 ? 1 : bench_interrupted ? 130 : 0;
    char el[16];
    fmt_time(el, sizeof(el), (double)(clock_now_ns() - s.started_ns) / 1e9);
    fprintf(stderr,
            "bench: %s %u runs in %s; results in %s (plots and report: make plots "
            "RESULTS=%s)\n",
            bench_interrupted ? "interrupted after" : "done:", s.runs_done, el, o->out_dir,
            o->out_dir);
    json_decref(s.root);
    json_decref(s.cap.json);
    return rc;
}

int suite_run(struct bench_opts *o)
{
    /* Every host checked (and given this build) before anything is measured; its
     * folders and master connections gone at the end, whatever ends the suite. */
    int rc = hosts_preflight(o) < 0 ? 1 : suite_body(o);
    hosts_cleanup(o);
    return rc;
}
