/* Tests of echobench-remote, the supervisor bench runs on each host (bench/remote.c,
 * docs/remote.md), one case per ctest entry:
 *
 *     test_remote CASE
 *
 * Each drives build/bin/echobench-remote through two pipes, as ssh would carry its stdin
 * and stdout, and asserts the protocol's lines and what a caller relies on: the
 * program's output and sync lines relayed, its samples, its exit, and that nothing of
 * its process group outlives the supervisor, whichever way the supervision ends. */
#include "check.h"
#include "clock.h"
#include "harness.h"
#include "procfs.h"
#include "rio.h"
#include "version.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#define REMOTE      ECHOBENCH_BIN_DIR "/echobench-remote"
#define LINE_WAIT_S 20

/* One echobench-remote: its stdin (our commands) and stdout (its lines). */
struct remote {
    pid_t pid;
    int in, out;
};

/* Starts echobench-remote with args (NULL-terminated, after the program's name). */
static void remote_start(struct remote *r, const char *const *args)
{
    const char *argv[40] = {REMOTE};
    int in[2], out[2], n = 1;
    for (int i = 0; args[i]; i++) {
        CHECK(n < 39);
        argv[n++] = args[i];
    }
    argv[n] = NULL;
    CHECK(pipe2(in, O_CLOEXEC) == 0 && pipe2(out, O_CLOEXEC) == 0);
    r->pid = fork();
    CHECK(r->pid >= 0);
    if (r->pid == 0) {
        dup2(in[0], STDIN_FILENO);
        dup2(out[1], STDOUT_FILENO);
        execv(REMOTE, (char *const *)argv);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    r->in = in[1];
    r->out = out[0];
}

static void remote_send(struct remote *r, const char *command)
{
    char line[300];
    int n = snprintf(line, sizeof(line), "%s\n", command);
    CHECK(rio_writen(r->in, line, (size_t)n) == n, "cannot write '%s': %s", command,
          strerror(errno));
}

/* Its next line, without the newline (fails after 20 s of silence, or at EOF). */
static void remote_line(struct remote *r, char *buf, size_t len)
{
    int n = rio_readline_until(r->out, buf, len, clock_now_ns() + LINE_WAIT_S * NS_PER_S);
    CHECK(n >= 0, "echobench-remote said no further line within %d s", LINE_WAIT_S);
    fprintf(stderr, "< %s\n", buf);
}

/* Its next line, which must begin with prefix. */
static void remote_expect(struct remote *r, const char *prefix, char *buf, size_t len)
{
    remote_line(r, buf, len);
    CHECK(strncmp(buf, prefix, strlen(prefix)) == 0, "expected a line '%s...', got '%s'", prefix,
          buf);
}

/* The next line that is not an `out` line of the program's. */
static void remote_expect_skipping_out(struct remote *r, const char *prefix, char *buf, size_t len)
{
    do
        remote_line(r, buf, len);
    while (strncmp(buf, "out ", 4) == 0);
    CHECK(strncmp(buf, prefix, strlen(prefix)) == 0, "expected a line '%s...', got '%s'", prefix,
          buf);
}

/* `started PID`: the program's pid. */
static pid_t remote_started(struct remote *r)
{
    char line[256];
    int pid = 0;
    remote_expect(r, "started ", line, sizeof(line));
    CHECK(sscanf(line, "started %d", &pid) == 1 && pid > 0, "'%s'", line);
    return pid;
}

/* A program that is still running leads a process group of its own. */
static void check_leader(pid_t pid)
{
    CHECK(getpgid(pid) == pid, "the program %d is not the leader of its group (%d)", (int)pid,
          (int)getpgid(pid));
}

/* Waits (at most 10 s) for the supervisor to exit; returns its exit status, 128 + the
 * signal that ended it. */
static int remote_wait(struct remote *r)
{
    int status;
    pid_t got = 0;
    for (double end = now_s() + 10; now_s() < end; usleep(5000))
        if ((got = waitpid(r->pid, &status, WNOHANG)) != 0)
            break;
    CHECK(got == r->pid, "echobench-remote did not exit within 10 s");
    close(r->in);
    close(r->out);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* An `exit ...` line: its kind ("code" or "signal") and number. */
static void expect_exit(struct remote *r, const char *kind, int want)
{
    char line[256], seen[16];
    int n = -1;
    double user_s = -1, sys_s = -1;
    remote_expect_skipping_out(r, "exit ", line, sizeof(line));
    CHECK(sscanf(line, "exit %15s %d %lf %lf", seen, &n, &user_s, &sys_s) == 4, "'%s'", line);
    CHECK(strcmp(seen, kind) == 0 && n == want, "expected exit %s %d, got '%s'", kind, want, line);
    CHECK(user_s >= 0 && sys_s >= 0 && user_s < 60 && sys_s < 60, "'%s'", line);
}

/* `gone`, then the supervisor exits with want, and nothing of group pgid is left. */
static void expect_gone(struct remote *r, pid_t pgid, int want)
{
    char line[256];
    remote_expect(r, "gone", line, sizeof(line));
    CHECK(strcmp(line, "gone") == 0, "'%s'", line);
    int status = remote_wait(r);
    CHECK(status == want, "echobench-remote exited %d, not %d", status, want);
    CHECK(kill(-pgid, 0) < 0 && errno == ESRCH, "processes of group %d outlived it", (int)pgid);
}

static void expect_no_process(pid_t pid)
{
    CHECK(kill(pid, 0) < 0 && errno == ESRCH, "process %d is still there", (int)pid);
}

/* `out listening on 127.0.0.1:PORT`: the port. */
static int expect_listening(struct remote *r)
{
    char line[256];
    const char *colon;
    remote_expect(r, "out listening on 127.0.0.1:", line, sizeof(line));
    CHECK((colon = strrchr(line, ':')) && atoi(colon + 1) > 0, "'%s'", line);
    return atoi(colon + 1);
}

/* Starts build/bin/echo-MODEL 0 under a supervisor (extra: its options, NULL-ended). */
static pid_t remote_server(struct remote *r, const char *model, const char *const *extra, int *port)
{
    char path[PATH_MAX];
    const char *args[24] = {"run"};
    int n = 1;
    for (int i = 0; extra && extra[i]; i++)
        args[n++] = extra[i];
    snprintf(path, sizeof(path), "%s/echo-%s", ECHOBENCH_BIN_DIR, model);
    args[n++] = "--";
    args[n++] = path;
    args[n++] = "0";
    args[n] = NULL;
    remote_start(r, args);
    pid_t pid = remote_started(r);
    *port = expect_listening(r);
    check_leader(pid);
    return pid;
}

static json_t *sample(struct remote *r, const char *kind)
{
    char command[32], line[1024];
    json_error_t e;
    snprintf(command, sizeof(command), "sample %s", kind);
    remote_send(r, command);
    remote_expect(r, "sample {", line, sizeof(line));
    json_t *j = json_loads(line + 7, 0, &e);
    CHECK(j && json_is_object(j), "the sample is not JSON: %s: '%s'", e.text, line);
    return j;
}

static long long field(json_t *j, const char *key)
{
    json_t *v = json_object_get(j, key);
    CHECK(json_is_integer(v), "\"%s\" is not an integer", key);
    return json_integer_value(v);
}

/* Two clocks from a `WORD REALTIME_NS MONO_NS` line, after the given number of words. */
static void line_clocks(const char *line, int words, uint64_t *real_ns, uint64_t *mono_ns)
{
    const char *p = line;
    for (int i = 0; i < words; i++) {
        p = strchr(p, ' ');
        CHECK(p, "'%s' has too few words", line);
        p++;
    }
    unsigned long long r = 0, m = 0;
    CHECK(sscanf(p, "%llu %llu", &r, &m) == 2, "no clocks in '%s'", line);
    *real_ns = r;
    *mono_ns = m;
}

static uint64_t realtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* ---- the cases ---- */

/* `version`: the version and commit of this very build. */
static void case_version(void)
{
    char err[512], path[] = "/tmp/test_remote_version_XXXXXX", want[256], got[256] = "";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    const char *args[] = {"version", NULL};
    CHECK(run_tool("echobench-remote", args, NULL, path, err, sizeof(err)) == 0, "%s", err);
    ssize_t n = read(fd, got, sizeof(got) - 1);
    got[n > 0 ? n : 0] = '\0';
    close(fd);
    unlink(path);
    snprintf(want, sizeof(want), "echobench-remote %s %s\n", ECHOBENCH_VERSION, ECHOBENCH_GIT);
    CHECK(strcmp(got, want) == 0, "it said '%s', not '%s'", got, want);
}

/* `info`: one JSON line of this host's facts, each as this process reads them. */
static void case_info(void)
{
    char err[512], path[] = "/tmp/test_remote_info_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    const char *args[] = {"info", NULL};
    setenv("TMPDIR", "/tmp/echobench-remote-tmpdir", 1);
    CHECK(run_tool("echobench-remote", args, NULL, path, err, sizeof(err)) == 0, "%s", err);
    json_error_t e;
    json_t *j = json_load_file(path, 0, &e);
    unlink(path);
    CHECK(j, "info is not JSON: %s", e.text);
    struct utsname u;
    struct rlimit lim;
    CHECK(uname(&u) == 0 && getrlimit(RLIMIT_NOFILE, &lim) == 0);
    CHECK(strcmp(json_string_value(json_object_get(j, "arch")), u.machine) == 0);
    CHECK(strcmp(json_string_value(json_object_get(j, "kernel")), u.release) == 0);
    CHECK(field(j, "cpus") == sysconf(_SC_NPROCESSORS_ONLN));
    json_t *nofile = json_object_get(j, "nofile");
    CHECK(field(nofile, "soft") == (long long)lim.rlim_cur);
    CHECK(field(nofile, "hard") == (long long)lim.rlim_max);
    CHECK(strcmp(json_string_value(json_object_get(j, "tmpdir")), "/tmp/echobench-remote-tmpdir") ==
          0);
    CHECK(strcmp(json_string_value(json_object_get(j, "git")), ECHOBENCH_GIT) == 0);
    json_decref(j);
}

/* Bad usage: a message that says what is wrong on stderr, and exit 2. */
static void case_usage(void)
{
    static const char *const bad[][6] = {
        {NULL},
        {"launch", NULL},
        {"version", "extra", NULL},
        {"run", "--bogus", "--", "/bin/true", NULL},
        {"run", "--cpus", "x", "--", "/bin/true", NULL},
        {"run", "--sync", NULL},
        {"run", "--stdout", "--", "/bin/true", NULL},
    };
    static const char *const says[] = {"no command",     "unknown command", "no arguments",
                                       "unknown option", "CPU list",        "no program",
                                       "needs a value"};
    char err[1024];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int status = run_tool("echobench-remote", bad[i], NULL, NULL, err, sizeof(err));
        CHECK(status == 2, "case %zu: exit %d, not 2", i, status);
        CHECK(strstr(err, says[i]), "case %zu: stderr '%s' does not say '%s'", i, err, says[i]);
    }
    const char *help[] = {"--help", NULL};
    char path[] = "/tmp/test_remote_help_XXXXXX", text[4096];
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    CHECK(run_tool("echobench-remote", help, NULL, path, err, sizeof(err)) == 0);
    ssize_t n = read(fd, text, sizeof(text) - 1);
    text[n > 0 ? n : 0] = '\0';
    close(fd);
    unlink(path);
    CHECK(strstr(text, "sample full") && strstr(text, "started PID") && strstr(text, "gone"),
          "--help does not say the protocol: '%s'", text);
}

/* echo-epoll under the supervisor: its ready line relayed, an echo through its port,
 * samples of its tree, and on `term` its stats line, its exit and `gone`. */
static void case_epoll(void)
{
    struct remote r;
    int port;
    pid_t pid = remote_server(&r, "epoll", NULL, &port);
    int fd = cli_connect(port);
    cli_echo(fd, "through the supervisor\n");

    json_t *cheap = sample(&r, "cheap");
    CHECK(field(cheap, "processes") == 1 && field(cheap, "threads") >= 1);
    CHECK(field(cheap, "fds") >= 4, "fds %lld", field(cheap, "fds"));
    CHECK(field(cheap, "fds") == proc_fd_count(pid), "fds %lld, /proc says %d", field(cheap, "fds"),
          proc_fd_count(pid));
    CHECK(field(cheap, "cpu_ns") > 0 && field(cheap, "rss_kib") > 0);
    CHECK(json_is_null(json_object_get(cheap, "pss_anon_kib")), "a cheap sample has no Pss");
    json_t *full = sample(&r, "full");
    CHECK(field(full, "processes") == 1 && field(full, "pss_anon_kib") > 0);
    CHECK(field(full, "cpu_ns") >= field(cheap, "cpu_ns"));
    json_decref(cheap);
    json_decref(full);
    close(fd);

    char line[1024];
    json_error_t e;
    remote_send(&r, "term");
    remote_expect(&r, "out {", line, sizeof(line));
    json_t *stats = json_loads(line + 4, 0, &e);
    CHECK(stats, "the stats line is not JSON: %s", e.text);
    CHECK(strcmp(json_string_value(json_object_get(stats, "model")), "epoll") == 0);
    CHECK(field(stats, "requests") == 1, "requests %lld", field(stats, "requests"));
    json_decref(stats);
    expect_exit(&r, "code", 0);
    expect_gone(&r, pid, 0);
}

/* stdin at EOF (the caller closed, the ssh channel dropped) while echo-process holds an
 * idle client, so it has a child: the whole group is killed, and the supervisor says
 * so and exits. */
static void case_stdin_eof(void)
{
    struct remote r;
    int port;
    pid_t children[8];
    pid_t pid = remote_server(&r, "process", NULL, &port);
    int fd = cli_connect(port);
    cli_echo(fd, "idle from now on\n");
    int n = proc_children(pid, children, 8);
    CHECK(n >= 1, "echo-process has no child for its client");
    close(r.in);
    r.in = open("/dev/null", O_RDONLY); /* remote_wait closes it */
    expect_exit(&r, "signal", SIGKILL);
    expect_gone(&r, pid, 0);
    for (int i = 0; i < n; i++)
        expect_no_process(children[i]);
    CHECK(cli_drain_until_closed(fd, 5000) >= 0, "the client's connection stayed open");
    close(fd);
}

/* The same with a child that nothing but a kill of the group ends: a shell's background
 * sleep (no PR_SET_PDEATHSIG, unlike echo-process's children). */
static void case_stdin_eof_orphan(void)
{
    struct remote r;
    char line[256];
    const char *args[] = {"run", "--", "/bin/sh", "-c", "sleep 60 & echo $!; wait", NULL};
    remote_start(&r, args);
    pid_t pid = remote_started(&r);
    remote_expect(&r, "out ", line, sizeof(line));
    pid_t sleeper = atoi(line + 4);
    check_leader(pid);
    CHECK(sleeper > 0 && getpgid(sleeper) == pid, "'%s'", line);
    close(r.in);
    r.in = open("/dev/null", O_RDONLY);
    expect_exit(&r, "signal", SIGKILL);
    expect_gone(&r, pid, 0);
    expect_no_process(sleeper);
}

/* The subreaper: a program's orphan comes to the supervisor, which waits for it before
 * `gone`; `kill` ends the group, orphan included. */
static void case_kill(void)
{
    struct remote r;
    char line[256], stat_path[64], stat[512];
    const char *args[] = {"run", "--", "/bin/sh", "-c", "sleep 60 & echo $!; wait", NULL};
    remote_start(&r, args);
    pid_t pid = remote_started(&r);
    remote_expect(&r, "out ", line, sizeof(line));
    pid_t sleeper = atoi(line + 4);
    CHECK(sleeper > 0);
    remote_send(&r, "term");
    expect_exit(&r, "signal", SIGTERM);
    /* The shell is gone, its sleep is not: the supervisor adopted it and waits. */
    snprintf(stat_path, sizeof(stat_path), "/proc/%d/stat", (int)sleeper);
    CHECK(proc_read_small(stat_path, stat, sizeof(stat)) == 0, "the sleep was killed by term");
    int ppid = 0;
    CHECK(sscanf(strrchr(stat, ')') + 2, "%*c %d", &ppid) == 1);
    CHECK(ppid == r.pid, "the orphan's parent is %d, not the supervisor %d", ppid, (int)r.pid);
    CHECK(!cli_readable(r.out, 300), "it said something before the group was gone");
    remote_send(&r, "kill");
    expect_gone(&r, pid, 0);
    expect_no_process(sleeper);
}

/* `ping`: `pong REALTIME_NS MONO_NS`, both clocks of this machine read between the ping
 * and its answer. */
static void case_ping(void)
{
    struct remote r;
    int port;
    char line[256];
    pid_t pid = remote_server(&r, "epoll", NULL, &port);
    for (int i = 0; i < 3; i++) {
        uint64_t real_before = realtime_ns(), mono_before = clock_now_ns(), real_ns, mono_ns;
        remote_send(&r, "ping");
        remote_expect(&r, "pong ", line, sizeof(line));
        uint64_t real_after = realtime_ns(), mono_after = clock_now_ns();
        line_clocks(line, 1, &real_ns, &mono_ns);
        CHECK(mono_before <= mono_ns && mono_ns <= mono_after, "'%s': mono not in [%llu, %llu]",
              line, (unsigned long long)mono_before, (unsigned long long)mono_after);
        CHECK(real_before <= real_ns && real_ns <= real_after, "'%s': realtime not in [%llu, %llu]",
              line, (unsigned long long)real_before, (unsigned long long)real_after);
    }
    remote_send(&r, "no-such-command");
    remote_expect(&r, "error ", line, sizeof(line));
    CHECK(strstr(line, "no-such-command"), "'%s'", line);
    remote_send(&r, "go");
    remote_expect(&r, "error ", line, sizeof(line));
    remote_send(&r, "kill");
    expect_exit(&r, "signal", SIGKILL);
    expect_gone(&r, pid, 0);
}

/* --sync with loadgen: its sync lines (idle-up, primed, t0, t1) relayed with both
 * clocks, each `go` answered with `went` and heard by loadgen (else it would wait a
 * minute at each), loadgen exits 0 and its JSON is written. */
static void case_sync(void)
{
    struct srv s;
    struct remote r;
    char target[64], line[512], json_path[] = "/tmp/test_remote_sync_XXXXXX";
    uint64_t primed_real, primed, went_real, went, t0_real, t0, t1_real, t1, again_real, again;
    int fd = mkstemp(json_path);
    CHECK(fd >= 0);
    close(fd);
    unlink(json_path);
    srv_start_simple(&s, "epoll", NULL);
    snprintf(target, sizeof(target), "127.0.0.1:%d", s.port);
    const char *args[] = {"run",    "--sync", "--",     ECHOBENCH_BIN_DIR "/loadgen",
                          "-c",     "2",      "-d",     "200ms",
                          "--sync", "3",      "--json", json_path,
                          target,   NULL};
    remote_start(&r, args);
    pid_t pid = remote_started(&r);
    double start_s = now_s();
    remote_expect_skipping_out(&r, "sync idle-up ", line, sizeof(line));
    remote_send(&r, "go");
    remote_expect_skipping_out(&r, "went ", line, sizeof(line));
    remote_expect_skipping_out(&r, "sync primed ", line, sizeof(line));
    line_clocks(line, 2, &primed_real, &primed);
    remote_send(&r, "go");
    remote_expect_skipping_out(&r, "went ", line, sizeof(line));
    line_clocks(line, 1, &went_real, &went);
    remote_expect_skipping_out(&r, "sync t0 ", line, sizeof(line));
    /* "sync t0 NS RT MONO": loadgen's own t0 (its window's start, on the real-time
     * clock), then the supervisor's clocks; the window began before the line was read. */
    uint64_t window_real = 0, unused;
    line_clocks(line, 2, &window_real, &unused);
    line_clocks(line, 3, &t0_real, &t0);
    CHECK(window_real > went_real && window_real <= t0_real,
          "loadgen's t0 %llu is not between the answer %llu and the line's reading %llu",
          (unsigned long long)window_real, (unsigned long long)went_real,
          (unsigned long long)t0_real);
    remote_expect_skipping_out(&r, "sync t1 ", line, sizeof(line));
    line_clocks(line, 2, &t1_real, &t1);
    remote_send(&r, "go");
    remote_expect_skipping_out(&r, "went ", line, sizeof(line));
    line_clocks(line, 1, &again_real, &again);
    CHECK(primed <= went && went <= t0 && t0 + 150 * NS_PER_MS <= t1 && t1 <= again,
          "the clocks are out of order: primed %llu went %llu t0 %llu t1 %llu went %llu",
          (unsigned long long)primed, (unsigned long long)went, (unsigned long long)t0,
          (unsigned long long)t1, (unsigned long long)again);
    CHECK(primed_real <= went_real && went_real <= t0_real && t1_real <= again_real);
    CHECK(again <= clock_now_ns() && again_real <= realtime_ns());
    expect_exit(&r, "code", 0);
    expect_gone(&r, pid, 0);
    CHECK(now_s() - start_s < 30, "loadgen waited for an answer it never got");
    json_error_t e;
    json_t *run = json_load_file(json_path, 0, &e);
    CHECK(run, "loadgen's JSON %s: %s", json_path, e.text);
    CHECK(strcmp(json_string_value(json_object_get(run, "schema")), "echobench.run/1") == 0);
    json_decref(run);
    unlink(json_path);
    json_decref(srv_stop(&s));
}

/* A program that does not exist: `error`, then `exit code 127 0 0` and `gone`. */
static void case_missing(void)
{
    struct remote r;
    char line[PATH_MAX + 256];
    const char *args[] = {"run", "--", "/nonexistent/program", "x", NULL};
    remote_start(&r, args);
    remote_expect(&r, "error ", line, sizeof(line));
    CHECK(strstr(line, "/nonexistent/program") && strstr(line, "No such file"), "'%s'", line);
    remote_expect(&r, "exit code 127 0 0", line, sizeof(line));
    remote_expect(&r, "gone", line, sizeof(line));
    CHECK(remote_wait(&r) == 0);

    /* Relative: looked for beside echobench-remote, and the message says where. */
    const char *relative[] = {"run", "--", "no-such-program", NULL};
    remote_start(&r, relative);
    remote_expect(&r, "error ", line, sizeof(line));
    CHECK(strstr(line, ECHOBENCH_BIN_DIR "/no-such-program"), "'%s'", line);
    remote_expect(&r, "exit code 127 0 0", line, sizeof(line));
    remote_expect(&r, "gone", line, sizeof(line));
    CHECK(remote_wait(&r) == 0);
}

/* A relative PROGRAM is the one beside echobench-remote, whatever the working folder
 * (ssh starts in the home folder): echo-epoll, run from /. */
static void case_relative(void)
{
    struct remote r;
    char cwd[PATH_MAX], exe_link[64], exe[PATH_MAX], want[PATH_MAX];
    const char *args[] = {"run", "--", "echo-epoll", "0", NULL};
    CHECK(getcwd(cwd, sizeof(cwd)) && chdir("/") == 0);
    remote_start(&r, args);
    CHECK(chdir(cwd) == 0);
    pid_t pid = remote_started(&r);
    expect_listening(&r);
    snprintf(exe_link, sizeof(exe_link), "/proc/%d/exe", (int)pid);
    ssize_t n = readlink(exe_link, exe, sizeof(exe) - 1);
    CHECK(n > 0);
    exe[n] = '\0';
    CHECK(realpath(ECHOBENCH_BIN_DIR "/echo-epoll", want));
    CHECK(strcmp(exe, want) == 0, "it ran %s, not %s", exe, want);
    remote_send(&r, "term");
    expect_exit(&r, "code", 0);
    expect_gone(&r, pid, 0);
}

static void read_file(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY);
    CHECK(fd >= 0, "%s: %s", path, strerror(errno));
    ssize_t n = read(fd, buf, len - 1);
    buf[n > 0 ? n : 0] = '\0';
    close(fd);
}

/* --stdout and --stderr: the program's output goes to the files, none of it relayed;
 * without them its stdout is relayed line by line, an unfinished last line too, and its
 * stderr is not. */
static void case_files(void)
{
    struct remote r;
    char out_path[] = "/tmp/test_remote_out_XXXXXX", err_path[] = "/tmp/test_remote_err_XXXXXX";
    char line[256], text[256];
    int a = mkstemp(out_path), b = mkstemp(err_path);
    CHECK(a >= 0 && b >= 0);
    close(a);
    close(b);
    const char *script = "echo to-out; echo to-err >&2; printf 'no newline'";
    const char *to_files[] = {"run", "--stdout", out_path, "--stderr", err_path,
                              "--",  "/bin/sh",  "-c",     script,     NULL};
    remote_start(&r, to_files);
    pid_t pid = remote_started(&r);
    remote_expect(&r, "exit ", line, sizeof(line)); /* no `out` line before it */
    CHECK(strncmp(line, "exit code 0 ", 12) == 0, "'%s'", line);
    expect_gone(&r, pid, 0);
    read_file(out_path, text, sizeof(text));
    CHECK(strcmp(text, "to-out\nno newline") == 0, "--stdout holds '%s'", text);
    read_file(err_path, text, sizeof(text));
    CHECK(strcmp(text, "to-err\n") == 0, "--stderr holds '%s'", text);
    unlink(out_path);
    unlink(err_path);

    const char *relayed[] = {"run", "--", "/bin/sh", "-c", script, NULL};
    remote_start(&r, relayed);
    pid = remote_started(&r);
    remote_expect(&r, "out to-out", line, sizeof(line));
    CHECK(strcmp(line, "out to-out") == 0, "'%s'", line);
    remote_expect(&r, "out no newline", line, sizeof(line));
    CHECK(strcmp(line, "out no newline") == 0, "'%s'", line);
    expect_exit(&r, "code", 0);
    expect_gone(&r, pid, 0);
}

/* --cpus pins the program (Cpus_allowed_list); a CPU this host does not have is an
 * `error` and no start. */
static void case_cpus(void)
{
    cpu_set_t allowed;
    CHECK(sched_getaffinity(0, sizeof(allowed), &allowed) == 0);
    int cpu = -1;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &allowed))
            cpu = c; /* the last one: not CPU 0, where an unpinned start would show */
    if (CPU_COUNT(&allowed) < 2) {
        fprintf(stderr, "skipped: one CPU only, where a pin cannot be told apart\n");
        exit(TEST_SKIP);
    }
    struct remote r;
    char list[16], path[64], status[4096], line[256];
    int port;
    snprintf(list, sizeof(list), "%d", cpu);
    const char *pin[] = {"--cpus", list, NULL};
    pid_t pid = remote_server(&r, "epoll", pin, &port);
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    CHECK(proc_read_small(path, status, sizeof(status)) == 0);
    const char *p = strstr(status, "Cpus_allowed_list:");
    CHECK(p);
    p += strlen("Cpus_allowed_list:");
    while (*p == ' ' || *p == '\t')
        p++;
    CHECK(strncmp(p, list, strlen(list)) == 0 && p[strlen(list)] == '\n',
          "Cpus_allowed_list is '%.20s', not %s", p, list);
    remote_send(&r, "kill");
    expect_exit(&r, "signal", SIGKILL);
    expect_gone(&r, pid, 0);

    const char *absent[] = {"run", "--cpus", "1000", "--", "/bin/true", NULL};
    remote_start(&r, absent);
    remote_expect(&r, "error --cpus", line, sizeof(line));
    remote_expect(&r, "exit code 127 0 0", line, sizeof(line));
    remote_expect(&r, "gone", line, sizeof(line));
    CHECK(remote_wait(&r) == 0);
}

/* --raise-nofile: the program's soft descriptor limit is the hard one; without it, it
 * is the supervisor's. */
static void case_raise_nofile(void)
{
    struct rlimit lim;
    CHECK(getrlimit(RLIMIT_NOFILE, &lim) == 0);
    if (lim.rlim_max < 512 || lim.rlim_max == RLIM_INFINITY) {
        fprintf(stderr, "skipped: the hard limit %llu leaves nothing to raise\n",
                (unsigned long long)lim.rlim_max);
        exit(TEST_SKIP);
    }
    lim.rlim_cur = 256;
    CHECK(setrlimit(RLIMIT_NOFILE, &lim) == 0);
    for (int raise = 0; raise < 2; raise++) {
        struct remote r;
        char line[256], want[64];
        const char *plain[] = {"run", "--", "/bin/sh", "-c", "ulimit -n", NULL};
        const char *raised[] = {"run", "--raise-nofile", "--", "/bin/sh", "-c", "ulimit -n", NULL};
        remote_start(&r, raise ? raised : plain);
        pid_t pid = remote_started(&r);
        remote_expect(&r, "out ", line, sizeof(line));
        snprintf(want, sizeof(want), "out %llu", raise ? (unsigned long long)lim.rlim_max : 256ull);
        CHECK(strcmp(line, want) == 0, "'%s', not '%s'", line, want);
        expect_exit(&r, "code", 0);
        expect_gone(&r, pid, 0);
    }
}

/* SIGTERM to the supervisor: the program's group is killed, a child of it that only a
 * kill of the group ends included, and the supervisor exits 128 + SIGTERM. */
static void case_sigterm(void)
{
    struct remote r;
    int port;
    pid_t children[8];
    pid_t pid = remote_server(&r, "process", NULL, &port);
    int fd = cli_connect(port);
    cli_echo(fd, "idle from now on\n");
    int n = proc_children(pid, children, 8);
    CHECK(n >= 1, "echo-process has no child for its client");
    CHECK(kill(r.pid, SIGTERM) == 0);
    expect_exit(&r, "signal", SIGKILL);
    expect_gone(&r, pid, 128 + SIGTERM);
    for (int i = 0; i < n; i++)
        expect_no_process(children[i]);
    close(fd);

    char line[256];
    const char *args[] = {"run", "--", "/bin/sh", "-c", "sleep 60 & echo $!; wait", NULL};
    remote_start(&r, args);
    pid = remote_started(&r);
    remote_expect(&r, "out ", line, sizeof(line));
    pid_t sleeper = atoi(line + 4);
    CHECK(sleeper > 0);
    CHECK(kill(r.pid, SIGTERM) == 0);
    expect_exit(&r, "signal", SIGKILL);
    expect_gone(&r, pid, 128 + SIGTERM);
    expect_no_process(sleeper);
}

/* The supervisor killed outright (SIGKILL: nothing it can do): its program dies with it
 * (PR_SET_PDEATHSIG) and does not run on unwatched. */
static void case_supervisor_killed(void)
{
    struct remote r;
    int port;
    pid_t pid = remote_server(&r, "epoll", NULL, &port);
    CHECK(kill(r.pid, SIGKILL) == 0);
    CHECK(remote_wait(&r) == 128 + SIGKILL);
    char id[24];
    struct proc_stat st;
    bool gone = false;
    snprintf(id, sizeof(id), "%d", (int)pid);
    /* Dead is gone or a zombie: its new parent (init, or a subreaper above us) reaps it
     * in its own time. */
    for (double end = now_s() + 5; !gone && now_s() < end; usleep(5000))
        gone = proc_stat_read(id, &st) < 0 || st.state == 'Z';
    CHECK(gone, "echo-epoll %d outlived its supervisor by 5 s", (int)pid);
}

TEST_CASES({"version", case_version}, {"info", case_info}, {"usage", case_usage},
           {"epoll", case_epoll}, {"stdin_eof", case_stdin_eof},
           {"stdin_eof_orphan", case_stdin_eof_orphan}, {"kill", case_kill}, {"ping", case_ping},
           {"sync", case_sync}, {"missing", case_missing}, {"relative", case_relative},
           {"files", case_files}, {"cpus", case_cpus}, {"raise_nofile", case_raise_nofile},
           {"sigterm", case_sigterm}, {"supervisor_killed", case_supervisor_killed}, );

TEST_MAIN()
