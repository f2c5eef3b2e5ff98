/* One run of the experiment runner: one server, one loadgen, the server's process tree
 * read from /proc while they work.
 *
 * loadgen runs with --sync: when every connection is up (and primed) it says
 * "primed" and waits; bench reads the tree in full (CPU time and proportional memory,
 * which costs up to a second with ten thousand processes) and answers. At the end of
 * the window it says "t1" and waits again, with every connection still open; bench
 * reads the CPU time again and answers. So the CPU per request covers exactly the
 * warmup and the window, and neither full reading falls inside them. Between them
 * cheaper readings (CPU, RSS, threads: for the peaks) run at least five times a window:
 * bench is not pinned, and such a reading of a tree of ten thousand threads costs
 * 17-32 ms of a CPU (up to 15% of one in a one-second window), on whichever CPU the
 * kernel gives bench; loadgen's own CPU wait (loadgen_cpu.most_waited) shows when
 * that was its CPU. At "primed" and t1 bench also reads every CPU's /proc/stat line,
 * its own CPU time and loadgen's: what else ran on the CPUs in between (disturbance).
 *
 * Every process started here is in a process group of its own and dies with bench
 * (PR_SET_PDEATHSIG); bench is a child subreaper, so a server's orphaned children come
 * to it, and a run ends only when its server's group is gone. A crash, a hang or a
 * Ctrl-C never leaves a server behind, and runs do not overlap. */
#include "bench.h"

#include "agents.h"
#include "evidence.h"
#include "external.h"
#include "hosts.h"

#include "clock.h"
#include "jsonio.h"
#include "procfs.h"
#include "rio.h"
#include "tree.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define READY_TIMEOUT_NS    (5 * NS_PER_S)
#define STOP_TIMEOUT_NS     (5 * NS_PER_S) /* plus STOP_PER_PROCESS_NS for each in the tree */
#define STOP_PER_PROCESS_NS NS_PER_MS
#define DRAIN_TIMEOUT_NS    (60 * NS_PER_S)
#define POLL_MS             20
#define SAMPLE_MIN_NS       (100 * NS_PER_MS)
#define BASE_INTERVAL_NS    (100 * NS_PER_MS)
#define BASE_TIMEOUT_NS     (2 * NS_PER_S)

const char *const run_status_names[] = {
    [RUN_OK] = "ok",
    [RUN_FAILED_TO_START] = "failed_to_start",
    [RUN_CRASHED] = "crashed",
    [RUN_HUNG] = "hung",
    [RUN_LOADGEN_FAILED] = "loadgen_failed",
    [RUN_INTERRUPTED] = "interrupted",
    [RUN_UNAVAILABLE] = "unavailable",
};

volatile sig_atomic_t bench_interrupted;

/* In a child about to exec: lim's descriptor and process limits, then its user (the
 * limits first: setting them needs the privileges the user change drops). */
static int limit_self(const struct server_limits *lim)
{
    struct rlimit files = {.rlim_cur = lim->nofile, .rlim_max = lim->nofile};
    struct rlimit procs = {.rlim_cur = lim->nproc, .rlim_max = lim->nproc};
    if ((lim->nofile && setrlimit(RLIMIT_NOFILE, &files) < 0) ||
        (lim->nproc && setrlimit(RLIMIT_NPROC, &procs) < 0))
        return -1;
    if (lim->uid && (setgroups(0, NULL) < 0 || setgid(lim->uid) < 0 || setuid(lim->uid) < 0))
        return -1;
    return 0;
}

/* In a child about to exec: closes every descriptor from 3 up but keep_fd. bench may
 * hold some without close-on-exec that it was given (a shell's, a test's): they would
 * sit in every server's table, and count against its descriptor limit. */
static void close_others(int keep_fd)
{
    unsigned top = ~0U;
    if (keep_fd >= 3 && close_range((unsigned)keep_fd + 1, top, 0) == 0) {
        top = (unsigned)keep_fd - 1;
        if (keep_fd == 3)
            return;
    }
    if (close_range(3, top, 0) == 0)
        return;
    long most = sysconf(_SC_OPEN_MAX); /* a kernel before close_range (5.9) */
    for (long fd = 3; fd < (most > 0 ? most : 1024); fd++)
        if (fd != keep_fd)
            close((int)fd);
}

/* Starts argv[0] in a process group of its own, pinned to cpus, dying with us, under
 * lim's limits and user (NULL: bench's); its stdout to out_fd (or a new pipe whose read
 * end goes to *pipe_out), stderr to err_fd; keep_fd (when not -1) stays open in it.
 * Returns the pid, or -1 with errno. */
static pid_t spawn(const char *const *argv, const int *cpus, unsigned ncpus,
                   const struct server_limits *lim, int out_fd, int *pipe_out, int err_fd,
                   int keep_fd)
{
    int p[2] = {-1, -1};
    pid_t parent = getpid();
    if (pipe_out && pipe2(p, O_CLOEXEC) < 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        int saved = errno;
        if (pipe_out) {
            close(p[0]);
            close(p[1]);
        }
        errno = saved;
        return -1;
    }
    if (pid == 0) {
        setpgid(0, 0);
        if (lim && limit_self(lim) < 0) {
            fprintf(stderr, "bench: cannot set %s's limits or user: %s\n", argv[0],
                    strerror(errno));
            _exit(127);
        }
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* after setuid, which clears it */
        if (getppid() != parent)
            _exit(127); /* bench died before the line above */
        if (ncpus > 0) {
            cpu_set_t set;
            CPU_ZERO(&set);
            for (unsigned i = 0; i < ncpus; i++)
                CPU_SET(cpus[i], &set);
            sched_setaffinity(0, sizeof(set), &set);
        }
        struct sigaction dfl = {.sa_handler = SIG_DFL};
        sigaction(SIGINT, &dfl, NULL);
        sigaction(SIGTERM, &dfl, NULL);
        sigaction(SIGHUP, &dfl, NULL);
        sigaction(SIGPIPE, &dfl, NULL);
        dup2(pipe_out ? p[1] : out_fd, STDOUT_FILENO);
        dup2(err_fd, STDERR_FILENO);
        if (keep_fd >= 0)
            fcntl(keep_fd, F_SETFD, 0); /* not close-on-exec: loadgen's --sync */
        close_others(keep_fd);
        execv(argv[0], (char *const *)argv);
        fprintf(stderr, "bench: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    setpgid(pid, pid); /* both sides: whichever runs first */
    if (pipe_out) {
        close(p[1]);
        *pipe_out = p[0];
    }
    return pid;
}

/* The last bytes of a file, for a message. */
static void file_tail(const char *path, char *buf, size_t len)
{
    buf[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    off_t size = lseek(fd, 0, SEEK_END);
    off_t from = size > (off_t)len - 1 ? size - (off_t)len + 1 : 0;
    ssize_t n = pread(fd, buf, len - 1, from);
    buf[n > 0 ? n : 0] = '\0';
    close(fd);
    for (char *p = buf; *p; p++)
        if (*p == '\n' && p[1] != '\0')
            *p = ' ';
    size_t l = strlen(buf);
    if (l > 0 && buf[l - 1] == '\n')
        buf[l - 1] = '\0';
}

/* ---- reading the server's process tree (tree.c) ---- */

/* The capacity scenario's evidence of the run in progress (o->read_limits, evidence.h):
 * read at each reading of the server's tree, here or through its supervisor, so in
 * both of run_one's paths. Under a supervisor the server's group is found at the first
 * reading. Bench does one run at a time. */
static struct {
    bool on, find;
    pid_t pgid;
    struct limits_evidence lim;
} limits_run;

/* Past this many processes a cheap reading leaves the descriptors out: a process
 * server's tens of thousands would double its cost. Full readings always count them. */
#define EVIDENCE_PROCS_CHEAP 256

void usage_peak(struct run_usage *u, const struct tree *t, uint64_t gap_ns)
{
    if (limits_run.on) {
        if (limits_run.find && !limits_run.pgid)
            limits_run.pgid = evidence_local_server();
        evidence_reading(&limits_run.lim, limits_run.pgid,
                         t->pss_anon_kib > 0 || t->processes <= EVIDENCE_PROCS_CHEAP,
                         t->pss_anon_kib > 0);
    }
    u->samples++;
    if (t->rss_kib > u->peak_rss_kib)
        u->peak_rss_kib = t->rss_kib;
    if (t->threads > u->peak_threads)
        u->peak_threads = t->threads;
    if (t->processes > u->peak_processes)
        u->peak_processes = t->processes;
    if (gap_ns > u->max_sample_gap_ns)
        u->max_sample_gap_ns = gap_ns;
}

/* ---- stopping ---- */

/* The external model running now, if any (bench runs one server at a time): its stop
 * is SIGTERM to its whole group, and dying of that SIGTERM is a normal stop. */
static struct {
    pid_t pid;
    char name[32];
} external_now;

static const char *external_running(pid_t pid)
{
    return pid > 0 && external_now.pid == pid ? external_now.name : NULL;
}

/* How an external model's stop went well: exit 0, or the SIGTERM's own end (killed by
 * it, or 128 + 15 from a shell or a runtime that says so). A C model exits 0. */
static bool stopped_well(const char *external, int status)
{
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return true;
    return external && ((WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) ||
                        (WIFEXITED(status) && WEXITSTATUS(status) == 128 + SIGTERM));
}

/* Waits for pid within the deadline (0: none), retrying EINTR. Returns 1 when reaped,
 * 0 on timeout. */
static int wait_for(pid_t pid, int *status, struct rusage *ru, uint64_t deadline)
{
    for (;;) {
        pid_t got = wait4(pid, status, deadline ? WNOHANG : 0, ru);
        if (got == pid)
            return 1;
        if (got < 0 && errno != EINTR)
            return 1; /* not ours any more: nothing to wait for */
        if (deadline && clock_now_ns() >= deadline)
            return 0;
        if (deadline)
            clock_sleep_ns(5 * NS_PER_MS);
    }
}

/* Ends a server: SIGTERM, then SIGKILL to its group after the stop timeout, which grows
 * with the processes it had to end. Collects its resource use. Returns 1 if it had to be
 * killed. */
static int stop_server(pid_t pid, bool already_exited, int processes, int *status,
                       struct rusage *ru)
{
    if (already_exited)
        return 0;
    kill(external_running(pid) ? -pid : pid, SIGTERM);
    uint64_t timeout = STOP_TIMEOUT_NS + (uint64_t)processes * STOP_PER_PROCESS_NS;
    if (wait_for(pid, status, ru, clock_now_ns() + timeout))
        return 0;
    kill(-pid, SIGKILL);
    wait_for(pid, status, ru, 0);
    return 1;
}

/* Waits until nothing of group pgid is left, reaping what comes to us as the subreaper
 * (a process server's children, once it has exited). Kills what is left after a while.
 * Returns the processes that had to be killed. */
static int drain_group_in(pid_t pgid, uint64_t timeout_ns)
{
    uint64_t deadline = clock_now_ns() + timeout_ns;
    int killed = 0;
    for (;;) {
        while (waitpid(-1, NULL, WNOHANG) > 0)
            ;
        if (kill(-pgid, 0) < 0 && errno == ESRCH)
            return killed;
        if (clock_now_ns() >= deadline && !killed) {
            kill(-pgid, SIGKILL);
            killed = 1;
        }
        clock_sleep_ns(10 * NS_PER_MS);
    }
}

static int drain_group(pid_t pgid)
{
    return drain_group_in(pgid, DRAIN_TIMEOUT_NS);
}

static void describe_exit(char *buf, size_t len, const char *who, int status)
{
    if (WIFSIGNALED(status))
        snprintf(buf, len, "%.40s was killed by signal %d (%.40s)", who, WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(buf, len, "%.40s exited with status %d", who, WEXITSTATUS(status));
}

/* Builds argv: path, the given arguments, the extra ones, NULL. */
static void build_argv(const char **argv, const char *path, const char *const *args,
                       const char *const *extra)
{
    int n = 0;
    argv[n++] = path;
    for (int i = 0; args && args[i] && n < MAX_ARGS + 16; i++)
        argv[n++] = args[i];
    for (int i = 0; extra && extra[i] && n < MAX_ARGS + 16; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
}

void cpus_text(char *buf, size_t len, const int *cpus, unsigned n)
{
    size_t at = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < n && at + 8 < len; i++)
        at += (size_t)snprintf(buf + at, len - at, "%s%d", i ? "," : "", cpus[i]);
}

/* Starts an external model on a free port, its stdout and stderr to err_path, and waits
 * until the port accepts (external.h). Returns its pid (the port in *port; *out -1: it
 * has no stats line to read), or -1 with r filled in, nothing of its group left. */
static pid_t start_external(const struct external_model *e, const char *const *args,
                            const int *cpus, unsigned ncpus, const struct server_limits *lim,
                            struct run_result *r, int *out, int *port, const char *err_path)
{
    char cmd[EXTERNAL_COMMAND_MAX + 64], tail[300], how[128];
    *out = -1;
    int p = external_free_port();
    if (p < 0) {
        snprintf(r->detail, sizeof(r->detail), "no free port for external %s: %s", e->name,
                 strerror(errno));
        return -1;
    }
    if (external_command(e, p, args, cmd, sizeof(cmd)) < 0) {
        r->status = RUN_FAILED_TO_START;
        snprintf(r->detail, sizeof(r->detail), "external %s's command is too long", e->name);
        return -1;
    }
    int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (err < 0) {
        snprintf(r->detail, sizeof(r->detail), "cannot write %.300s: %s", err_path,
                 strerror(errno));
        return -1;
    }
    const char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    pid_t pid = spawn(argv, cpus, ncpus, lim, err, NULL, err, -1);
    close(err);
    if (pid < 0) {
        snprintf(r->detail, sizeof(r->detail), "cannot start external %s: %s", e->name,
                 strerror(errno));
        return -1;
    }
    int status = 0;
    int rc = external_wait_ready(pid, p, (uint64_t)EXTERNAL_READY_S * NS_PER_S, &status);
    if (rc == 0) {
        external_now.pid = pid;
        snprintf(external_now.name, sizeof(external_now.name), "%s", e->name);
        *port = p;
        return pid;
    }
    /* What it started may be left in its group, the leader gone or not. */
    kill(-pid, SIGKILL);
    if (rc < 0) {
        struct rusage ru;
        wait_for(pid, &status, &ru, 0);
    }
    drain_group(pid);
    file_tail(err_path, tail, sizeof(tail));
    if (!tail[0])
        snprintf(tail, sizeof(tail), "(nothing on stderr)");
    r->status = RUN_FAILED_TO_START;
    if (rc > 0) {
        if (WIFSIGNALED(status))
            snprintf(how, sizeof(how), "was killed by signal %d (%.40s)", WTERMSIG(status),
                     strsignal(WTERMSIG(status)));
        else
            snprintf(how, sizeof(how), "exited with status %d", WEXITSTATUS(status));
        snprintf(r->detail, sizeof(r->detail),
                 "external %.23s %.80s before it accepted on 127.0.0.1:%d: %.300s", e->name, how, p,
                 tail);
    } else {
        snprintf(r->detail, sizeof(r->detail),
                 "external %s did not accept on 127.0.0.1:%d within %d s: %.300s", e->name, p,
                 EXTERNAL_READY_S, tail);
    }
    return -1;
}

/* Starts echo-MODEL with args and port 0 and reads its ready line (an external model:
 * start_external). Returns its pid (the port in *port, the stdout pipe in *out), or -1
 * with r filled in. */
static pid_t start_server(const struct bench_opts *o, const char *model, const char *const *args,
                          const int *cpus, unsigned ncpus, const struct server_limits *lim,
                          struct run_result *r, int *out, int *port, const char *err_path)
{
    char path[PATH_MAX + 64], line[256];
    const char *argv[MAX_ARGS + 20];
    const char *port0[] = {"0", NULL};

    const struct external_model *e = external_of(o, model);
    if (e)
        return start_external(e, args, cpus, ncpus, lim, r, out, port, err_path);
    snprintf(path, sizeof(path), "%s/echo-%s", o->bin_dir, model);
    build_argv(argv, path, args, port0);
    int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (err < 0) {
        snprintf(r->detail, sizeof(r->detail), "cannot write %.300s: %s", err_path,
                 strerror(errno));
        return -1;
    }
    pid_t pid = spawn(argv, cpus, ncpus, lim, -1, out, err, -1);
    close(err);
    if (pid < 0) {
        snprintf(r->detail, sizeof(r->detail), "cannot start %.300s: %s", path, strerror(errno));
        return -1;
    }
    const char *colon;
    if (rio_readline_until(*out, line, sizeof(line), clock_now_ns() + READY_TIMEOUT_NS) < 0 ||
        strncmp(line, "listening on ", 13) != 0 || !(colon = strrchr(line, ':'))) {
        int status = 0;
        struct rusage ru;
        stop_server(pid, false, 1, &status, &ru);
        drain_group(pid);
        char tail[300];
        file_tail(err_path, tail, sizeof(tail));
        /* Exit 69 (EX_UNAVAILABLE): the machine cannot run this model at all, which is
         * not a failure of it (servers.md). */
        bool unavailable = WIFEXITED(status) && WEXITSTATUS(status) == SERVER_UNAVAILABLE;
        r->status = unavailable ? RUN_UNAVAILABLE : RUN_FAILED_TO_START;
        snprintf(r->detail, sizeof(r->detail), "echo-%s %s: %s", model,
                 unavailable ? "cannot run on this machine" : "printed no ready line",
                 tail[0] ? tail : "(nothing on stderr)");
        close(*out);
        return -1;
    }
    *port = atoi(colon + 1);
    return pid;
}

static pid_t start_loadgen(const struct bench_opts *o, const struct run_spec *spec, int port,
                           const char *json_path, const char *log_path, int sync_fd)
{
    char path[PATH_MAX + 64], target[64], cpus[256], threads[16], sync[16];
    const char *argv[MAX_ARGS + 24];

    snprintf(path, sizeof(path), "%s/loadgen", o->bin_dir);
    snprintf(target, sizeof(target), "127.0.0.1:%d", port);
    cpus_text(cpus, sizeof(cpus), spec->client_cpus, spec->nclient_cpus);
    snprintf(threads, sizeof(threads), "%u", o->loadgen_threads);
    snprintf(sync, sizeof(sync), "%d", sync_fd);
    const char *extra[16] = {"-t",      threads,    "--json", json_path, "--no-progress",
                             "--label", spec->name, "--sync", sync};
    int n = 9;
    if (spec->nclient_cpus > 0) {
        extra[n++] = "--cpus";
        extra[n++] = cpus;
    }
    extra[n++] = target;
    extra[n] = NULL;
    build_argv(argv, path, spec->loadgen_args, extra);
    int log = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (log < 0)
        return -1;
    /* Pinned as a whole, not only its workers (--cpus): its main thread must not run on
     * the server's CPUs either. */
    pid_t pid = spawn(argv, spec->client_cpus, spec->nclient_cpus, NULL, log, NULL, log, sync_fd);
    close(log);
    return pid;
}

/* Reads what is left of the server's stdout: its stats line. */
static json_t *read_stats(int fd)
{
    char line[1024];
    if (rio_readline_until(fd, line, sizeof(line), clock_now_ns() + NS_PER_S) < 0)
        return NULL;
    return json_loads(line, 0, NULL);
}

/* ---- what else ran on the CPUs (procfs.h) ---- */

/* One end of the window: every CPU's ticks, bench's own CPU and loadgen's. */
struct cpu_reading {
    bool ok;
    int ncpus;
    uint64_t at_ns;
    double bench_s, loadgen_s;
};

/* The per-CPU ticks of the two ends; bench runs one run at a time. */
static struct proc_cpu_ticks ticks_primed[PROC_MAX_CPUS], ticks_t1[PROC_MAX_CPUS];

/* Reads the CPUs, bench's CPU time and loadgen's (all its threads, on the scheduler's
 * clock: /proc/PID/stat's ticks would make a 0.3 s window's figure good to 3%) together,
 * as near one instant as they can be. */
static void read_cpus(pid_t lg, struct proc_cpu_ticks *ticks, struct cpu_reading *c)
{
    struct timespec self, lg_ts;
    clockid_t lg_clock;

    c->ncpus = proc_cpu_ticks_read(NULL, ticks, PROC_MAX_CPUS);
    c->at_ns = clock_now_ns();
    c->ok = c->ncpus > 0 && clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &self) == 0 &&
            clock_getcpuclockid(lg, &lg_clock) == 0 && clock_gettime(lg_clock, &lg_ts) == 0;
    if (!c->ok)
        return;
    c->bench_s = (double)self.tv_sec + (double)self.tv_nsec / 1e9;
    c->loadgen_s = (double)lg_ts.tv_sec + (double)lg_ts.tv_nsec / 1e9;
}

/* Whether two CPU sets share a CPU; an empty set is every CPU. */
static bool cpus_overlap(const int *a, unsigned na, const int *b, unsigned nb)
{
    if (na == 0 || nb == 0)
        return true;
    for (unsigned i = 0; i < na; i++)
        for (unsigned j = 0; j < nb; j++)
            if (a[i] == b[j])
                return true;
    return false;
}

/* The disturbance of the window from its two ends: on the server's CPUs, what ran
 * besides the server tree (server_s) and bench; on loadgen's, besides loadgen and
 * bench; where the sets share CPUs, each less both trees, as the shared CPUs' time
 * cannot be split between them (and the trial is not judged: record.c). Bench is not
 * pinned, so its CPU is taken off both sets: others is a lower bound. */
static void disturbance(const struct run_spec *spec, const struct cpu_reading *a,
                        const struct cpu_reading *b, double server_s, struct run_usage *u)
{
    if (!a->ok || !b->ok || isnan(server_s) || b->at_ns <= a->at_ns)
        return;
    int ncpus = a->ncpus < b->ncpus ? a->ncpus : b->ncpus;
    double w = (double)(b->at_ns - a->at_ns) / 1e9;
    double bench_s = b->bench_s - a->bench_s, lg_s = b->loadgen_s - a->loadgen_s;
    bool shared =
        cpus_overlap(spec->server_cpus, spec->nserver_cpus, spec->client_cpus, spec->nclient_cpus);
    double on_server = server_s + bench_s + (shared ? lg_s : 0);
    double on_loadgen = lg_s + bench_s + (shared ? server_s : 0);
    if (proc_cpu_share(ticks_primed, ticks_t1, ncpus, spec->server_cpus, spec->nserver_cpus,
                       on_server, w, proc_irq_accounting(), &u->server_share) < 0 ||
        proc_cpu_share(ticks_primed, ticks_t1, ncpus, spec->client_cpus, spec->nclient_cpus,
                       on_loadgen, w, proc_irq_accounting(), &u->loadgen_share) < 0)
        return;
    u->have_disturbance = true;
    u->dist_shared = shared;
    u->dist_tick_share =
        proc_ticks_s(1) / (w * (spec->nserver_cpus ? (double)spec->nserver_cpus : (double)ncpus));
    u->dist_window_s = w;
    u->bench_cpu_s = bench_s;
    u->loadgen_cpu_s = lg_s;
}

/* What the run loop keeps between its steps. */
struct watch {
    pid_t server, lg;
    int sync; /* bench's end of loadgen's --sync socket */
    bool server_gone;
    int server_status;
    struct rusage ru;
    uint64_t duration_ns, next_sample, last_sample;
    struct tree primed, t1;
    bool have_primed, have_t1;
    struct cpu_reading cpus_primed, cpus_t1; /* the ends of the window, for disturbance */
    uint64_t settle_ns; /* how long the server may take to take in the idle clients */
};

static void cheap_sample(struct watch *w, struct run_result *r)
{
    struct tree t;
    uint64_t now = clock_now_ns();
    tree_sample(w->server, false, &t);
    uint64_t cost = clock_now_ns() - now;
    usage_peak(&r->usage, &t, w->last_sample ? now - w->last_sample : 0);
    w->last_sample = now;
    /* Often enough to see the peak (at least five times a window, which wins), else
     * rarely enough that a reading costs a twentieth of the time between them. */
    uint64_t period = 20 * cost > SAMPLE_MIN_NS ? 20 * cost : SAMPLE_MIN_NS;
    uint64_t cap = w->duration_ns / 5 > SAMPLE_MIN_NS ? w->duration_ns / 5 : SAMPLE_MIN_NS;
    w->next_sample = now + (period < cap ? period : cap);
}

/* loadgen has its idle connections up. A server may take a while to take them in (a
 * process server forks a child for each, a thread server starts a thread): wait, at
 * most settle_ns, until its tree stops growing, in processes, threads and the
 * leader's descriptors, for three readings in a row, 100 ms apart. */
static void settle(struct watch *w, struct run_result *r)
{
    struct tree t;
    int last_procs = -1, last_threads = -1, last_fds = -1, same = 0;
    uint64_t from = clock_now_ns(), deadline = from + w->settle_ns;
    r->usage.settle_changed_s = 0;
    while (same < 3 && clock_now_ns() < deadline && !bench_interrupted) {
        clock_sleep_ns(100 * NS_PER_MS);
        tree_sample(w->server, false, &t);
        usage_peak(&r->usage, &t, 0);
        int fds = proc_open_fds(w->server);
        same = t.processes == last_procs && t.threads == last_threads && fds == last_fds ? same + 1
                                                                                         : 0;
        /* The server was still taking them in up to this reading; the first has nothing
         * before it to differ from. */
        if (same == 0 && last_procs >= 0)
            r->usage.settle_changed_s = (double)(clock_now_ns() - from) / 1e9;
        last_procs = t.processes;
        last_threads = t.threads;
        last_fds = fds;
    }
    r->usage.settle_s = (double)(clock_now_ns() - from) / 1e9;
    r->usage.settle_capped = same < 3 && !bench_interrupted;
}

/* Handles what loadgen says on the sync socket; answers after the samples. */
static void on_sync(struct watch *w, struct run_result *r)
{
    char buf[64];
    ssize_t n = read(w->sync, buf, sizeof(buf) - 1);
    if (n <= 0) {
        close(w->sync);
        w->sync = -1;
        return;
    }
    buf[n] = '\0';
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        uint64_t now = clock_now_ns();
        if (strcmp(line, "idle-up") == 0 && !w->server_gone && w->settle_ns) {
            settle(w, r);
        } else if (strcmp(line, "primed") == 0 && !w->server_gone) {
            tree_sample(w->server, true, &w->primed);
            /* After the full reading, which is dear: it stays out of the window. */
            read_cpus(w->lg, ticks_primed, &w->cpus_primed);
            w->have_primed = true;
            usage_peak(&r->usage, &w->primed, w->last_sample ? now - w->last_sample : 0);
        } else if (strcmp(line, "t1") == 0 && !w->server_gone) {
            read_cpus(w->lg, ticks_t1, &w->cpus_t1);
            tree_sample(w->server, false, &w->t1);
            w->have_t1 = true;
            usage_peak(&r->usage, &w->t1, w->last_sample ? now - w->last_sample : 0);
        } else if (strncmp(line, "t0", 2) == 0 && (!line[2] || line[2] == ' ') &&
                   !w->server_gone) { /* "t0 NS": the window's start on loadgen's clock */
            cheap_sample(w, r);
        }
        if (strcmp(line, "idle-up") == 0 || strcmp(line, "primed") == 0 ||
            strcmp(line, "t1") == 0) {
            w->last_sample = clock_now_ns();
            if (write(w->sync, "g", 1) != 1) /* loadgen goes on */
                break;
        }
    }
}

/* Waits for loadgen, watching the server and answering loadgen's sync. Returns
 * loadgen's wait status. */
static int watch_run(struct watch *w, struct run_result *r, uint64_t deadline)
{
    int lg_status = 0;
    while (waitpid(w->lg, &lg_status, WNOHANG) == 0) {
        uint64_t now = clock_now_ns();
        if (bench_interrupted || now > deadline) {
            kill(-w->lg, SIGKILL);
            waitpid(w->lg, &lg_status, 0);
            r->status = bench_interrupted ? RUN_INTERRUPTED : RUN_LOADGEN_FAILED;
            snprintf(r->detail, sizeof(r->detail), "%s",
                     bench_interrupted ? "bench was interrupted"
                                       : "loadgen ran past its deadline and was killed");
            break;
        }
        if (!w->server_gone && now >= w->next_sample)
            cheap_sample(w, r);
        if (!w->server_gone && wait4(w->server, &w->server_status, WNOHANG, &w->ru) == w->server) {
            w->server_gone = true; /* it died under load: loadgen's run still ends on time */
            r->status = RUN_CRASHED;
            describe_exit(r->detail, sizeof(r->detail), "the server", w->server_status);
        }
        struct pollfd p = {.fd = w->sync, .events = POLLIN};
        if (w->sync >= 0 && poll(&p, 1, POLL_MS) > 0)
            on_sync(w, r);
        else if (w->sync < 0)
            clock_sleep_ns((uint64_t)POLL_MS * NS_PER_MS);
    }
    return lg_status;
}

/* Reads loadgen's run JSON, or says why there is none. */
static void collect_loadgen(struct run_result *r, int lg_status, const char *raw,
                            const char *lg_log)
{
    if (r->status == RUN_INTERRUPTED || r->status == RUN_LOADGEN_FAILED)
        return;
    if (WIFEXITED(lg_status) && WEXITSTATUS(lg_status) == 0) {
        char why[256];
        r->loadgen = json_read_file(raw, why, sizeof(why));
        if (!r->loadgen && r->status == RUN_OK) {
            r->status = RUN_LOADGEN_FAILED;
            snprintf(r->detail, sizeof(r->detail), "loadgen's JSON: %s", why);
        }
    } else if (r->status == RUN_OK) {
        char tail[300];
        file_tail(lg_log, tail, sizeof(tail));
        r->status = RUN_LOADGEN_FAILED;
        describe_exit(r->detail, sizeof(r->detail), "loadgen", lg_status);
        size_t l = strlen(r->detail);
        snprintf(r->detail + l, sizeof(r->detail) - l, ": %s", tail);
    }
}

/* Ends the server of a run: stops it (stop_server), waits out its group, and says in r,
 * if the run was ok so far, when it hung or exited badly. gone: it has exited already. */
static void end_server(pid_t pid, bool gone, int processes, int *status, struct rusage *ru,
                       struct run_result *r)
{
    const char *ext = external_running(pid);
    char who[64];
    if (ext)
        snprintf(who, sizeof(who), "external %s", ext);
    else
        snprintf(who, sizeof(who), "the server");
    if (stop_server(pid, gone, processes, status, ru) && r->status == RUN_OK) {
        r->status = RUN_HUNG;
        snprintf(r->detail, sizeof(r->detail),
                 "%s did not exit within %.0f s of SIGTERM and was killed", who,
                 (double)(STOP_TIMEOUT_NS + (uint64_t)processes * STOP_PER_PROCESS_NS) / 1e9);
    } else if (!gone && r->status == RUN_OK && !stopped_well(ext, *status)) {
        r->status = RUN_CRASHED;
        describe_exit(r->detail, sizeof(r->detail), ext ? who : "the server, stopping,", *status);
    }
    /* An external model's whole group had the SIGTERM: what is left of it gets the
     * same grace as its leader, not the minute a C model's reaped children get. */
    if (drain_group_in(pid, ext ? STOP_TIMEOUT_NS : DRAIN_TIMEOUT_NS) && r->status == RUN_OK) {
        r->status = RUN_HUNG;
        snprintf(r->detail, sizeof(r->detail), "processes of the server's group outlived it");
    }
    if (ext)
        external_now.pid = 0;
}

pid_t server_start(const struct bench_opts *o, const char *model, const char *const *args,
                   const struct server_limits *lim, const char *err_path, int *out, int *port,
                   struct run_result *r)
{
    memset(r, 0, sizeof(*r));
    return start_server(o, model, args, o->server_cpus, o->nserver_cpus, lim, r, out, port,
                        err_path);
}

json_t *server_stop(pid_t pid, int out, int processes, struct run_result *r)
{
    int status = 0;
    struct rusage ru;
    bool gone = wait4(pid, &status, WNOHANG, &ru) == pid;
    if (gone && r->status == RUN_OK) {
        r->status = RUN_CRASHED; /* it died before its stop */
        describe_exit(r->detail, sizeof(r->detail), "the server", status);
    }
    end_server(pid, gone, processes, &status, &ru, r);
    json_t *stats = WIFEXITED(status) && out >= 0 ? read_stats(out) : NULL;
    if (out >= 0)
        close(out);
    return stats;
}

/* One local loadgen beside a local server. */
static int run_here(const struct bench_opts *o, const struct run_spec *spec, struct run_result *r)
{
    char raw[PATH_MAX + 200], err_path[PATH_MAX + 200], lg_log[PATH_MAX + 200];
    int out = -1, port = 0, sv[2];
    struct watch w = {.sync = -1, .duration_ns = o->duration_ns, .settle_ns = spec->settle_ns};
    uint64_t t0 = clock_now_ns();

    memset(r, 0, sizeof(*r));
    snprintf(raw, sizeof(raw), "%s/raw/%s.json", o->out_dir, spec->name);
    snprintf(err_path, sizeof(err_path), "%s/raw/%s.server.log", o->out_dir, spec->name);
    snprintf(lg_log, sizeof(lg_log), "%s/raw/%s.loadgen.log", o->out_dir, spec->name);

    w.server = start_server(o, spec->model, spec->server_args, spec->server_cpus,
                            spec->nserver_cpus, NULL, r, &out, &port, err_path);
    if (w.server < 0)
        return r->status == RUN_FAILED_TO_START || r->status == RUN_UNAVAILABLE ? 0 : -1;
    limits_run.pgid = w.server;
    struct tree base;
    unsigned readings;
    /* A server may say it is ready before its workers are up (prefork forks them):
     * the baseline waits for the tree to settle, two readings alike. */
    r->usage.base_settled =
        tree_baseline(w.server, BASE_INTERVAL_NS, 2, BASE_TIMEOUT_NS, &base, &readings);
    r->usage.base_readings = readings;
    r->usage.base_rss_kib = base.rss_kib;
    r->usage.base_pss_anon_kib = base.pss_anon_kib;
    usage_peak(&r->usage, &base, 0);

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 ||
        (w.lg = start_loadgen(o, spec, port, raw, lg_log, sv[1])) < 0) {
        snprintf(r->detail, sizeof(r->detail), "cannot start loadgen: %s", strerror(errno));
        r->status = RUN_LOADGEN_FAILED;
        end_server(w.server, false, 1, &w.server_status, &w.ru, r);
        if (out >= 0)
            close(out);
        return 0;
    }
    close(sv[1]);
    w.sync = sv[0];
    w.last_sample = clock_now_ns();
    int lg_status = watch_run(&w, r, t0 + spec->expected_ns + 60 * NS_PER_S);
    if (w.sync >= 0)
        close(w.sync);

    end_server(w.server, w.server_gone, r->usage.peak_processes, &w.server_status, &w.ru, r);
    r->usage.cpu_user_s = (double)w.ru.ru_utime.tv_sec + (double)w.ru.ru_utime.tv_usec / 1e6;
    r->usage.cpu_sys_s = (double)w.ru.ru_stime.tv_sec + (double)w.ru.ru_stime.tv_usec / 1e6;
    r->usage.ctx_voluntary = w.ru.ru_nvcsw;
    r->usage.ctx_involuntary = w.ru.ru_nivcsw;
    if (w.have_primed) {
        r->usage.primed_pss_anon_kib = w.primed.pss_anon_kib;
        r->usage.have_window_cpu = w.have_t1;
        r->usage.window_cpu_s = w.have_t1 && w.t1.cpu_ns >= w.primed.cpu_ns
                                    ? (double)(w.t1.cpu_ns - w.primed.cpu_ns) / 1e9
                                    : NAN;
        if (w.have_t1)
            disturbance(spec, &w.cpus_primed, &w.cpus_t1, r->usage.window_cpu_s, &r->usage);
    }
    if (WIFEXITED(w.server_status) && out >= 0)
        r->server_stats = read_stats(out);
    if (out >= 0)
        close(out);

    collect_loadgen(r, lg_status, raw, lg_log);
    keep_server_stats(o, spec, r);
    r->wall_s = (double)(clock_now_ns() - t0) / 1e9;
    return 0;
}

int run_one(const struct bench_opts *o, const struct run_spec *spec, struct run_result *r)
{
    bool hosts = run_needs_hosts(o);
    /* A server elsewhere: this machine's figures are not its. */
    limits_run.on = o->read_limits && host_is_local(o->server_host);
    limits_run.find = hosts;
    limits_run.pgid = 0;
    if (limits_run.on)
        evidence_begin(&limits_run.lim);
    int rc = hosts ? run_hosts(o, spec, r) : run_here(o, spec, r);
    if (limits_run.on) {
        evidence_end(&limits_run.lim);
        r->usage.lim = limits_run.lim;
        limits_run.on = false;
    }
    return rc;
}

void keep_server_stats(const struct bench_opts *o, const struct run_spec *spec,
                       const struct run_result *r)
{
    if (r->server_stats) {
        char path[PATH_MAX + 200];
        snprintf(path, sizeof(path), "%s/raw/%s.server.json", o->out_dir, spec->name);
        json_write_atomic(r->server_stats, path);
    }
}

void run_result_free(struct run_result *r)
{
    json_decref(r->loadgen);
    json_decref(r->server_stats);
    r->loadgen = r->server_stats = NULL;
}
