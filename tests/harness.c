/* Helpers of the integration tests. */
#include "harness.h"

#include "check.h"
#include "clock.h"
#include "procfs.h"
#include "rio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* How long a test client waits for an echo before it fails. Sanitized builds run a
 * server several times slower (TSan: a thread's creation alone costs milliseconds),
 * so they wait longer: a test still fails on a server that never answers. */
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define IO_TIMEOUT_S 40
#else
#define IO_TIMEOUT_S 10
#endif

double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

uint64_t rnd_next(uint64_t *s)
{
    /* splitmix64 */
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint64_t rnd_below(uint64_t *s, uint64_t n)
{
    return rnd_next(s) % n;
}

void random_line(uint64_t *rs, char *buf, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        char c = (char)rnd_below(rs, 256);
        buf[i] = c == '\n' ? 'n' : c;
    }
    buf[n - 1] = '\n';
}

void send_split(int fd, uint64_t *rs, const char *buf, size_t n, int how)
{
    size_t off = 0;
    while (off < n) {
        size_t piece = how == 0 ? n - off : how == 1 ? 1 : 1 + rnd_below(rs, 200);
        if (piece > n - off)
            piece = n - off;
        cli_send(fd, buf + off, piece);
        off += piece;
    }
}

void raise_nofile(void)
{
    struct rlimit rl;
    CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
    rl.rlim_cur = rl.rlim_max;
    CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
}

/* The servers this test started and has not stopped: killed, with their children, when
 * the test exits early, so a failed check never leaves a server behind (or holding the
 * output pipe ctest waits on). */
#define MAX_SERVERS 16
static pid_t running[MAX_SERVERS];

static void kill_running(void)
{
    for (int i = 0; i < MAX_SERVERS; i++) {
        if (running[i] > 0) {
            kill(-running[i], SIGKILL); /* its process group: children too */
            waitpid(running[i], NULL, 0);
            running[i] = 0;
        }
    }
}

static void track(pid_t pid, pid_t was)
{
    static int registered;
    if (!registered) {
        atexit(kill_running);
        registered = 1;
    }
    for (int i = 0; i < MAX_SERVERS; i++) {
        if (running[i] == was) {
            running[i] = pid;
            return;
        }
    }
    CHECK(0, "more than %d servers at once", MAX_SERVERS);
}

void srv_start(struct srv *s, const char *model, const char *const *args, const struct srv_env *env)
{
    char path[512], name[64];

    snprintf(name, sizeof(name), "echo-%s", model);
    snprintf(path, sizeof(path), "%s/%s", ECHOBENCH_BIN_DIR, name);
    srv_start_path(s, path, args, env);
}

void srv_start_path(struct srv *s, const char *path, const char *const *args,
                    const struct srv_env *env)
{
    static const struct srv_env plain;
    int out[2];

    memset(s, 0, sizeof(*s));
    const char *base = strrchr(path, '/');
    snprintf(s->name, sizeof(s->name), "%s", base ? base + 1 : path);
    CHECK(access(path, X_OK) == 0, "%s is not built", path);
    CHECK(pipe2(out, O_CLOEXEC) == 0);
    signal(SIGPIPE, SIG_IGN);

    const char *argv[32] = {s->name};
    int argc = 1;
    for (int i = 0; args && args[i] && argc < 31; i++)
        argv[argc++] = args[i];
    argv[argc] = NULL;

    s->pid = fork();
    CHECK(s->pid >= 0);
    if (s->pid == 0) {
        /* Its own process group, so its children can be killed with it; and killed
         * if this test dies before stopping it. */
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (!env)
            env = &plain;
        struct rlimit files = {.rlim_cur = env->nofile, .rlim_max = env->nofile};
        struct rlimit procs = {.rlim_cur = env->nproc, .rlim_max = env->nproc};
        if ((env->nofile && setrlimit(RLIMIT_NOFILE, &files) < 0) ||
            (env->nproc && setrlimit(RLIMIT_NPROC, &procs) < 0))
            _exit(126);
        if (env->uid && (setgroups(0, NULL) < 0 || setgid(env->uid) < 0 || setuid(env->uid) < 0))
            _exit(126);
        dup2(out[1], STDOUT_FILENO);
        execv(path, (char *const *)argv);
        _exit(127);
    }
    setpgid(s->pid, s->pid);
    track(s->pid, 0);
    close(out[1]);
    s->out = out[0];

    if (rio_readline_until(s->out, s->ready, sizeof(s->ready), clock_now_ns() + 10 * NS_PER_S) <=
        0) {
        /* A model this machine cannot run (io_uring disabled, say) exits 69 at once,
         * having said why: the test is skipped, not failed. */
        int status = 0;
        for (int i = 0; i < 100 && waitpid(s->pid, &status, WNOHANG) == 0; i++)
            usleep(10000);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 69) {
            fprintf(stderr,
                    "skipped: %s cannot run on this machine (exit 69; its message "
                    "is above)\n",
                    s->name);
            exit(TEST_SKIP);
        }
        CHECK(0, "%s printed no ready line", s->name);
    }
    const char *colon = strrchr(s->ready, ':');
    CHECK(strncmp(s->ready, "listening on ", 13) == 0 && colon, "ready line is '%s'", s->ready);
    s->port = atoi(colon + 1);
    CHECK(s->port > 0 && s->port < 65536, "ready line is '%s'", s->ready);
}

void srv_start_simple(struct srv *s, const char *model, const char *extra)
{
    const char *args[8];
    int n = 0;
    char buf[256];

    if (extra) {
        snprintf(buf, sizeof(buf), "%s", extra);
        for (char *tok = strtok(buf, " "); tok && n < 6; tok = strtok(NULL, " "))
            args[n++] = tok;
    }
    args[n++] = "0";
    args[n] = NULL;
    srv_start(s, model, args, NULL);
}

json_t *srv_stop_sig(struct srv *s, int sig, double *exit_s)
{
    int status = 0;
    double t0 = now_s();
    pid_t got = 0;

    CHECK(kill(s->pid, sig) == 0);
    while (now_s() - t0 < 5.0) {
        got = waitpid(s->pid, &status, WNOHANG);
        CHECK(got >= 0);
        if (got == s->pid)
            break;
        usleep(2000);
    }
    double took = now_s() - t0;
    CHECK(got == s->pid, "%s did not exit within 5 s of signal %d", s->name, sig);
    track(0, s->pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s ended with status 0x%x", s->name,
          status);
    if (exit_s)
        *exit_s = took;

    /* Everything it printed after the ready line: exactly one line, the stats. A child
     * that outlived it would hold the pipe open: wait 5 s at most for EOF. */
    char rest[4096];
    size_t n = 0;
    ssize_t r = 1;
    double end = now_s() + 5;
    while (n < sizeof(rest) - 1 && r > 0) {
        struct pollfd p = {.fd = s->out, .events = POLLIN};
        int left_ms = (int)((end - now_s()) * 1000);
        CHECK(left_ms > 0 && poll(&p, 1, left_ms) > 0, "%s's output stays open after it exited",
              s->name);
        r = read(s->out, rest + n, sizeof(rest) - 1 - n);
        if (r > 0)
            n += (size_t)r;
    }
    rest[n] = '\0';
    close(s->out);
    char *nl = strchr(rest, '\n');
    CHECK(nl && nl[1] == '\0', "%s printed more or less than one stats line:\n%s", s->name, rest);
    json_error_t err;
    json_t *stats = json_loads(rest, 0, &err);
    CHECK(stats && json_is_object(stats), "stats line is not JSON (%s): %s", err.text, rest);
    static const char *keys[] = {"accepted",       "requests", "bytes_in", "bytes_out",
                                 "max_concurrent", "rejected", "errors"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        CHECK(json_is_integer(json_object_get(stats, keys[i])), "stats line lacks %s: %s", keys[i],
              rest);
    CHECK(json_is_string(json_object_get(stats, "model")));
    CHECK(strcmp(s->name + 5, json_string_value(json_object_get(stats, "model"))) == 0);
    return stats;
}

void srv_kill(struct srv *s)
{
    CHECK(kill(-s->pid, SIGKILL) == 0);
    CHECK(waitpid(s->pid, NULL, 0) == s->pid);
    track(0, s->pid);
    close(s->out);
}

int free_port(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t len = sizeof(sa);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(fd >= 0, "socket: %s", strerror(errno));
    CHECK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "bind: %s", strerror(errno));
    CHECK(getsockname(fd, (struct sockaddr *)&sa, &len) == 0);
    close(fd);
    return ntohs(sa.sin_port);
}

/* Whether 127.0.0.1:port takes a connection now; the probe is closed at once. */
static bool port_accepts(int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(fd >= 0, "socket: %s", strerror(errno));
    int rc;
    do
        rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
    while (rc < 0 && errno == EINTR);
    close(fd);
    return rc == 0;
}

void cmd_start(struct srv *s, const char *name, const char *const *argv, int port, double timeout_s)
{
    memset(s, 0, sizeof(*s));
    snprintf(s->name, sizeof(s->name), "%s", name);
    s->out = -1;
    s->port = port;
    CHECK(access(argv[0], X_OK) == 0, "%s cannot be run: %s", argv[0], strerror(errno));
    signal(SIGPIPE, SIG_IGN);
    fflush(stderr);

    s->pid = fork();
    CHECK(s->pid >= 0);
    if (s->pid == 0) {
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(STDERR_FILENO, STDOUT_FILENO);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    setpgid(s->pid, s->pid);
    track(s->pid, 0);

    for (double end = now_s() + timeout_s;; usleep(20 * 1000)) {
        int status;
        pid_t got = waitpid(s->pid, &status, WNOHANG);
        CHECK(got >= 0, "waitpid: %s", strerror(errno));
        if (got == s->pid) {
            track(0, s->pid);
            CHECK(0, "%s exited (status 0x%x) before it accepted on 127.0.0.1:%d", name, status,
                  port);
        }
        if (port_accepts(port))
            return;
        CHECK(now_s() < end, "%s did not accept on 127.0.0.1:%d within %.0f s", name, port,
              timeout_s);
    }
}

int cmd_stop(struct srv *s, int sig, double *exit_s)
{
    int status = 0;
    bool reaped = false;
    double t0 = now_s(), took = 0;

    CHECK(kill(-s->pid, sig) == 0, "kill: %s", strerror(errno));
    for (; now_s() - t0 < 5.0; usleep(2000)) {
        if (!reaped) {
            pid_t got = waitpid(s->pid, &status, WNOHANG);
            CHECK(got >= 0, "waitpid: %s", strerror(errno));
            reaped = got == s->pid;
        }
        /* The leader's group id stays with whatever it started: none may be left. */
        if (reaped && kill(-s->pid, 0) < 0 && errno == ESRCH)
            break;
    }
    took = now_s() - t0;
    if (!reaped || kill(-s->pid, 0) == 0) {
        kill(-s->pid, SIGKILL);
        CHECK(0, "%s %s within 5 s of signal %d", s->name,
              reaped ? "left processes of its group running" : "did not exit", sig);
    }
    track(0, s->pid);
    if (exit_s)
        *exit_s = took;
    return status;
}

json_t *srv_stop(struct srv *s)
{
    return srv_stop_sig(s, SIGTERM, NULL);
}

uint64_t stat_u64(json_t *stats, const char *key)
{
    json_t *v = json_object_get(stats, key);
    CHECK(json_is_integer(v), "no counter %s", key);
    return (uint64_t)json_integer_value(v);
}

static void set_timeouts(int fd)
{
    struct timeval tv = {.tv_sec = IO_TIMEOUT_S};
    CHECK(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
    CHECK(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == 0);
    int one = 1;
    CHECK(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0);
}

int cli_connect(int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(fd >= 0, "socket: %s", strerror(errno));
    set_timeouts(fd);
    CHECK(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "connect to port %d: %s", port,
          strerror(errno));
    return fd;
}

int cli_connect6(int port)
{
    struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
    sa.sin6_addr = in6addr_loopback;
    int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(fd >= 0, "socket: %s", strerror(errno));
    set_timeouts(fd);
    CHECK(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "connect to [::1]:%d: %s", port,
          strerror(errno));
    return fd;
}

void cli_send(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t put = send(fd, p, n, MSG_NOSIGNAL);
        if (put < 0 && errno == EINTR)
            continue;
        CHECK(put > 0, "send: %s", strerror(errno));
        p += put;
        n -= (size_t)put;
    }
}

void cli_recv(int fd, void *buf, size_t n)
{
    char *p = buf;
    while (n > 0) {
        ssize_t got = recv(fd, p, n, 0);
        if (got < 0 && errno == EINTR)
            continue;
        CHECK(got != 0, "EOF with %zu bytes still expected", n);
        CHECK(got > 0, "recv with %zu bytes still expected: %s", n, strerror(errno));
        p += got;
        n -= (size_t)got;
    }
}

int cli_readable(int fd, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int n;
    do
        n = poll(&p, 1, timeout_ms);
    while (n < 0 && errno == EINTR);
    CHECK(n >= 0);
    return n > 0;
}

void cli_echo(int fd, const char *line)
{
    size_t n = strlen(line);
    char back[4096];
    CHECK(n < sizeof(back));
    cli_send(fd, line, n);
    cli_recv(fd, back, n);
    CHECK(memcmp(back, line, n) == 0, "echo differs from '%.*s'", (int)n - 1, line);
}

void cli_echo_eventually(int port, const char *line, double timeout_s)
{
    size_t n = strlen(line);
    char back[4096];
    double end = now_s() + timeout_s;

    CHECK(n < sizeof(back));
    for (;;) {
        int fd = cli_connect(port);
        ssize_t got = 0;
        if (send(fd, line, n, MSG_NOSIGNAL) == (ssize_t)n)
            got = recv(fd, back, n, MSG_WAITALL);
        close(fd);
        if (got == (ssize_t)n) {
            CHECK(memcmp(back, line, n) == 0, "echo differs from '%.*s'", (int)n - 1, line);
            return;
        }
        CHECK(now_s() < end, "no echo within %.1f s: the server does not serve", timeout_s);
        usleep(50 * 1000);
    }
}

void cli_reset(int fd)
{
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    CHECK(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0);
    close(fd);
}

long cli_drain_until_closed(int fd, int timeout_ms)
{
    char buf[65536];
    long total = 0;
    double end = now_s() + timeout_ms / 1000.0;

    while (now_s() < end) {
        if (!cli_readable(fd, 50))
            continue;
        ssize_t got = recv(fd, buf, sizeof(buf), 0);
        if (got <= 0)
            return total; /* EOF or reset: closed */
        total += got;
    }
    return -1;
}

int proc_fd_count(pid_t pid)
{
    int n = proc_open_fds(pid);
    CHECK(n >= 0, "/proc/%d/fd: %s", (int)pid, strerror(errno));
    return n;
}

int proc_thread_count(pid_t pid)
{
    char path[64], line[256];
    int n = -1;
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    CHECK(f, "%s: %s", path, strerror(errno));
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "Threads: %d", &n) == 1)
            break;
    fclose(f);
    return n;
}

/* Reads state and parent of a process from /proc/PID/stat. Returns 0, -1 if gone. */
static int proc_stat(const char *pid, char *state, int *ppid, double *cpu_s)
{
    struct proc_stat st;
    if (proc_stat_read(pid, &st) < 0)
        return -1;
    *state = st.state;
    *ppid = st.ppid;
    if (cpu_s)
        *cpu_s = (double)(st.utime + st.stime + (unsigned long)(st.cutime + st.cstime)) /
                 (double)sysconf(_SC_CLK_TCK);
    return 0;
}

/* The children of pid: how many, the first max of them into out, and how many are
 * zombies into *zombies (when not NULL). */
static int scan_children(pid_t pid, pid_t *out, int max, int *zombies)
{
    DIR *d = opendir("/proc");
    CHECK(d);
    int n = 0, z = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char state;
        int ppid;
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        if (proc_stat(e->d_name, &state, &ppid, NULL) == 0 && ppid == pid) {
            if (n < max)
                out[n] = (pid_t)atoi(e->d_name);
            n++;
            z += state == 'Z';
        }
    }
    closedir(d);
    if (zombies)
        *zombies = z;
    return n;
}

int proc_child_count(pid_t pid, int *zombies)
{
    return scan_children(pid, NULL, 0, zombies);
}

int proc_children(pid_t pid, pid_t *out, int max)
{
    return scan_children(pid, out, max, NULL);
}

int proc_tasks_of(uid_t uid)
{
    int n = proc_user_tasks(uid);
    CHECK(n >= 0, "/proc: %s", strerror(errno));
    return n;
}

bool can_run_as(uid_t uid, const char *model)
{
    char path[512];
    int status;

    snprintf(path, sizeof(path), "%s/echo-%s", ECHOBENCH_BIN_DIR, model);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0)
        _exit(setgid(uid) == 0 && setuid(uid) == 0 && access(path, X_OK) == 0 ? 0 : 1);
    CHECK(waitpid(pid, &status, 0) == pid);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int proc_tree_fd_count(pid_t pid, int *max_one)
{
    pid_t kids[256];
    int total = proc_fd_count(pid), most = total;
    int n = proc_children(pid, kids, 256);
    for (int i = 0; i < n && i < 256; i++) {
        int one = proc_open_fds(kids[i]);
        if (one < 0)
            continue; /* it has just exited */
        total += one;
        if (one > most)
            most = one;
    }
    if (max_one)
        *max_one = most;
    return total;
}

double proc_cpu_s(pid_t pid)
{
    char id[32], state;
    int ppid;
    double cpu = 0;
    snprintf(id, sizeof(id), "%d", (int)pid);
    CHECK(proc_stat(id, &state, &ppid, &cpu) == 0);
    return cpu;
}

char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    CHECK(buf && fread(buf, 1, (size_t)n, f) == (size_t)n);
    buf[n] = '\0';
    fclose(f);
    if (len)
        *len = (size_t)n;
    return buf;
}

int run_tool(const char *tool, const char *const *args, const char *path_env, const char *out_path,
             char *err, size_t errlen)
{
    char exe[PATH_MAX];
    const char *argv[32] = {tool};
    int argc = 1, ep[2];
    snprintf(exe, sizeof(exe), "%s/%s", ECHOBENCH_BIN_DIR, tool);
    for (int i = 0; args[i]; i++) {
        CHECK(argc < 31, "too many arguments for %s", tool);
        argv[argc++] = args[i];
    }
    argv[argc] = NULL;
    CHECK(pipe2(ep, O_CLOEXEC) == 0);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        dup2(ep[1], STDERR_FILENO);
        int out = open(out_path ? out_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (out >= 0)
            dup2(out, STDOUT_FILENO);
        if (path_env)
            setenv("PATH", path_env, 1);
        execv(exe, (char *const *)argv);
        _exit(127);
    }
    close(ep[1]);
    size_t n = 0;
    ssize_t got;
    while (n < errlen - 1 && (got = read(ep[0], err + n, errlen - 1 - n)) != 0)
        if (got > 0)
            n += (size_t)got;
        else if (errno != EINTR)
            break;
    err[n] = '\0';
    close(ep[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        CHECK(errno == EINTR, "waitpid: %s", strerror(errno));
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static char plots_work[256];

char *plots_report(const char *tag, json_t *j, const char *name, char *dir, size_t len)
{
    char cmd[1024], path[PATH_MAX + 32], err[8192];
    if (!plots_work[0]) {
        snprintf(plots_work, sizeof(plots_work), "/tmp/echobench-test-plots-%s-%d", tag,
                 (int)getpid());
        snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -p '%s'", plots_work, plots_work);
        CHECK(system(cmd) == 0);
    }
    snprintf(dir, len, "%s/%s", plots_work, name);
    CHECK(mkdir(dir, 0755) == 0 || errno == EEXIST);
    snprintf(path, sizeof(path), "%s/bench.json", dir);
    CHECK(json_dump_file(j, path, JSON_REAL_PRECISION(15)) == 0);
    json_decref(j);
    const char *args[] = {dir, NULL};
    int rc = run_tool("plots", args, NULL, NULL, err, sizeof(err));
    CHECK(rc == 0, "plots exited %d on %s: %s", rc, name, err);
    snprintf(path, sizeof(path), "%s/report.md", dir);
    char *md = slurp(path, NULL);
    CHECK(md, "no %s", path);
    return md;
}

void plots_work_remove(void)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", plots_work);
    CHECK(system(cmd) == 0);
}

char *md_section(const char *md, const char *heading)
{
    const char *from = strstr(md, heading);
    if (!from)
        return NULL;
    const char *to = strstr(from + 1, "\n## ");
    size_t len = to ? (size_t)(to - from) : strlen(from);
    char *s = malloc(len + 1);
    CHECK(s);
    memcpy(s, from, len);
    s[len] = '\0';
    return s;
}
