/* One run of the experiment runner: one server, one loadgen, the server's process tree
 * sampled while they work.
 *
 * Every process started here is in a process group of its own and dies with bench
 * (PR_SET_PDEATHSIG); a stop kills the whole group. So a crash, a hang or a Ctrl-C
 * never leaves a server behind. */
#include "bench.h"

#include "clock.h"
#include "jsonio.h"
#include "rio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define READY_TIMEOUT_NS (5 * NS_PER_S)
#define STOP_TIMEOUT_NS  (5 * NS_PER_S)
#define POLL_NS          (20 * NS_PER_MS)
#define SAMPLE_MIN_NS    (100 * NS_PER_MS)

const char *const run_status_names[] = {
    [RUN_OK] = "ok",
    [RUN_FAILED_TO_START] = "failed_to_start",
    [RUN_CRASHED] = "crashed",
    [RUN_HUNG] = "hung",
    [RUN_LOADGEN_FAILED] = "loadgen_failed",
    [RUN_INTERRUPTED] = "interrupted",
};

volatile sig_atomic_t bench_interrupted;

/* Starts argv[0] in a process group of its own, pinned to cpus, dying with us; its
 * stdout to out_fd (or a new pipe whose read end goes to *pipe_out), stderr to err_fd.
 * Returns the pid, or -1 with errno. */
static pid_t spawn(const char *const *argv, const int *cpus, unsigned ncpus, int out_fd,
                   int *pipe_out, int err_fd)
{
    int p[2] = {-1, -1};
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
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() == 1)
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
        sigaction(SIGPIPE, &dfl, NULL);
        dup2(pipe_out ? p[1] : out_fd, STDOUT_FILENO);
        dup2(err_fd, STDERR_FILENO);
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

/* One sample of the server's process tree: every process in its group. */
struct tree {
    long rss_kib, anon_kib;
    int threads, processes;
};

static int read_small(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, len - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    return 0;
}

static void sample_tree(pid_t pgid, struct tree *t)
{
    static long page_kib;
    char path[300], buf[1024];
    DIR *d = opendir("/proc");
    struct dirent *e;

    if (!page_kib)
        page_kib = sysconf(_SC_PAGESIZE) / 1024;
    memset(t, 0, sizeof(*t));
    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
        if (read_small(path, buf, sizeof(buf)) < 0)
            continue;
        char *p = strrchr(buf, ')'); /* the command may hold spaces */
        int pgrp = 0, threads = 0;
        if (!p ||
            sscanf(p + 2,
                   "%*c %*d %d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d "
                   "%*d %*d %d",
                   &pgrp, &threads) != 2 ||
            pgrp != pgid)
            continue;
        long size, resident, shared;
        snprintf(path, sizeof(path), "/proc/%s/statm", e->d_name);
        if (read_small(path, buf, sizeof(buf)) < 0 ||
            sscanf(buf, "%ld %ld %ld", &size, &resident, &shared) != 3)
            continue;
        t->rss_kib += resident * page_kib;
        /* Resident less file-backed and shared memory: what this process really adds,
         * where the RSS of forked children counts the same library pages each time. */
        t->anon_kib += (resident - shared) * page_kib;
        t->threads += threads;
        t->processes++;
    }
    closedir(d);
}

static void usage_update(struct run_usage *u, const struct tree *t)
{
    u->samples++;
    if (t->rss_kib > u->peak_rss_kib)
        u->peak_rss_kib = t->rss_kib;
    if (t->anon_kib > u->peak_anon_kib)
        u->peak_anon_kib = t->anon_kib;
    if (t->threads > u->peak_threads)
        u->peak_threads = t->threads;
    if (t->processes > u->peak_processes)
        u->peak_processes = t->processes;
}

/* Ends a server: SIGTERM, then SIGKILL to its group after STOP_TIMEOUT_NS. Collects its
 * resource use. Returns 1 if it had to be killed. Either way its group is gone after. */
static int stop_server(pid_t pid, bool already_exited, int *status, struct rusage *ru)
{
    int killed = 0;
    if (!already_exited) {
        kill(pid, SIGTERM);
        uint64_t deadline = clock_now_ns() + STOP_TIMEOUT_NS;
        pid_t got;
        while ((got = wait4(pid, status, WNOHANG, ru)) == 0 && clock_now_ns() < deadline)
            clock_sleep_ns(5 * NS_PER_MS);
        if (got != pid) {
            kill(-pid, SIGKILL);
            wait4(pid, status, 0, ru);
            killed = 1;
        }
    }
    kill(-pid, SIGKILL); /* anything of its group still there: forked children */
    return killed;
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

static void cpu_list(char *buf, size_t len, const int *cpus, unsigned n)
{
    size_t at = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < n && at + 8 < len; i++)
        at += (size_t)snprintf(buf + at, len - at, "%s%d", i ? "," : "", cpus[i]);
}

/* Starts the server and reads its ready line. Returns its pid (and the port in
 * *port, the stdout pipe in *out), or -1 with r filled in. */
static pid_t start_server(const struct bench_opts *o, const struct run_spec *spec,
                          struct run_result *r, int *out, int *port, const char *err_path)
{
    char path[PATH_MAX + 64], line[256];
    const char *argv[MAX_ARGS + 20];
    const char *port0[] = {"0", NULL};

    snprintf(path, sizeof(path), "%s/echo-%s", o->bin_dir, spec->model);
    build_argv(argv, path, spec->server_args, port0);
    int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (err < 0) {
        snprintf(r->detail, sizeof(r->detail), "cannot write %.300s: %s", err_path,
                 strerror(errno));
        return -1;
    }
    pid_t pid = spawn(argv, spec->server_cpus, spec->nserver_cpus, -1, out, err);
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
        stop_server(pid, false, &status, &ru);
        char tail[300];
        file_tail(err_path, tail, sizeof(tail));
        r->status = RUN_FAILED_TO_START;
        snprintf(r->detail, sizeof(r->detail), "echo-%s printed no ready line: %s", spec->model,
                 tail[0] ? tail : "(nothing on stderr)");
        close(*out);
        return -1;
    }
    *port = atoi(colon + 1);
    return pid;
}

static pid_t start_loadgen(const struct bench_opts *o, const struct run_spec *spec, int port,
                           const char *json_path, const char *log_path)
{
    char path[PATH_MAX + 64], target[64], cpus[256], threads[16];
    const char *argv[MAX_ARGS + 20];

    snprintf(path, sizeof(path), "%s/loadgen", o->bin_dir);
    snprintf(target, sizeof(target), "127.0.0.1:%d", port);
    cpu_list(cpus, sizeof(cpus), spec->client_cpus, spec->nclient_cpus);
    snprintf(threads, sizeof(threads), "%u", o->loadgen_threads);
    const char *extra[12] = {"-t",      threads,   "--json", json_path, "--no-progress",
                             "--label", spec->name};
    int n = 7;
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
    pid_t pid = spawn(argv, NULL, 0, log, NULL, log);
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

int run_one(const struct bench_opts *o, const struct run_spec *spec, struct run_result *r)
{
    char raw[PATH_MAX + 200], err_path[PATH_MAX + 200], lg_log[PATH_MAX + 200];
    int out = -1, port = 0, status = 0;
    struct rusage ru;
    uint64_t t0 = clock_now_ns();

    memset(r, 0, sizeof(*r));
    snprintf(raw, sizeof(raw), "%s/raw/%s.json", o->out_dir, spec->name);
    snprintf(err_path, sizeof(err_path), "%s/raw/%s.server.log", o->out_dir, spec->name);
    snprintf(lg_log, sizeof(lg_log), "%s/raw/%s.loadgen.log", o->out_dir, spec->name);

    pid_t server = start_server(o, spec, r, &out, &port, err_path);
    if (server < 0)
        return r->status == RUN_FAILED_TO_START ? 0 : -1;
    struct tree t;
    sample_tree(server, &t);
    r->usage.base_rss_kib = t.rss_kib;
    r->usage.base_anon_kib = t.anon_kib;
    usage_update(&r->usage, &t);

    pid_t lg = start_loadgen(o, spec, port, raw, lg_log);
    if (lg < 0) {
        snprintf(r->detail, sizeof(r->detail), "cannot start loadgen: %s", strerror(errno));
        stop_server(server, false, &status, &ru);
        close(out);
        return -1;
    }

    /* Wait for loadgen, sampling the tree; an adaptive period keeps the sampling under
     * a few percent of a CPU even with ten thousand processes to read. */
    uint64_t deadline = t0 + spec->expected_ns + 60 * NS_PER_S, next_sample = 0,
             period = SAMPLE_MIN_NS;
    bool server_gone = false;
    int lg_status = 0;
    pid_t got = 0;
    while ((got = waitpid(lg, &lg_status, WNOHANG)) == 0) {
        uint64_t now = clock_now_ns();
        if (bench_interrupted || now > deadline) {
            kill(-lg, SIGKILL);
            waitpid(lg, &lg_status, 0);
            r->status = RUN_INTERRUPTED;
            snprintf(r->detail, sizeof(r->detail), "%s",
                     bench_interrupted ? "bench was interrupted"
                                       : "loadgen ran past its deadline and was killed");
            if (!bench_interrupted)
                r->status = RUN_LOADGEN_FAILED;
            break;
        }
        if (!server_gone && now >= next_sample) {
            sample_tree(server, &t);
            usage_update(&r->usage, &t);
            uint64_t cost = clock_now_ns() - now;
            period = 20 * cost > SAMPLE_MIN_NS ? 20 * cost : SAMPLE_MIN_NS;
            next_sample = now + period;
        }
        if (!server_gone && wait4(server, &status, WNOHANG, &ru) == server) {
            server_gone = true; /* it died under load: loadgen's run still ends on time */
            r->status = RUN_CRASHED;
            describe_exit(r->detail, sizeof(r->detail), "the server", status);
        }
        clock_sleep_ns(POLL_NS);
    }
    (void)got;

    if (stop_server(server, server_gone, &status, &ru) && r->status == RUN_OK) {
        r->status = RUN_HUNG;
        snprintf(r->detail, sizeof(r->detail),
                 "the server did not exit within %d s of SIGTERM and was killed",
                 (int)(STOP_TIMEOUT_NS / NS_PER_S));
    } else if (!server_gone && r->status == RUN_OK &&
               (!WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
        r->status = RUN_CRASHED;
        describe_exit(r->detail, sizeof(r->detail), "the server, stopping,", status);
    }
    r->usage.cpu_user_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
    r->usage.cpu_sys_s = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    r->usage.ctx_voluntary = ru.ru_nvcsw;
    r->usage.ctx_involuntary = ru.ru_nivcsw;
    if (!server_gone || WIFEXITED(status))
        r->server_stats = read_stats(out);
    close(out);

    if (r->status == RUN_OK || r->status == RUN_CRASHED || r->status == RUN_HUNG) {
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
    if (r->server_stats) {
        char path[PATH_MAX + 200];
        snprintf(path, sizeof(path), "%s/raw/%s.server.json", o->out_dir, spec->name);
        json_write_atomic(r->server_stats, path);
    }
    r->wall_s = (double)(clock_now_ns() - t0) / 1e9;
    return 0;
}

void run_result_free(struct run_result *r)
{
    json_decref(r->loadgen);
    json_decref(r->server_stats);
    r->loadgen = r->server_stats = NULL;
}
