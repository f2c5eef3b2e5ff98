/* echobench-remote: the supervisor bench runs on a host, here or over
 * `ssh HOST DIR/echobench-remote ...`, to start one program there and watch it through
 * one channel (its stdin and stdout). The protocol is in docs/remote.md.
 *
 * One process, one thread, one poll loop over four descriptors: the caller's commands
 * (stdin), the program's stdout, the --sync socket and a signalfd for SIGCHLD, SIGTERM,
 * SIGINT and SIGHUP. Every line out is written whole with one write, since stdout may
 * be an ssh channel read by a program that parses lines.
 *
 * It never leaves a process behind. The program runs in a process group of its own and
 * dies with the supervisor (PR_SET_PDEATHSIG); the supervisor is a child subreaper, so
 * the program's orphans come to it and are reaped; it says "gone" and exits only once
 * kill(-pgid, 0) finds nothing of the group. When the caller goes (stdin at EOF, or
 * stdout closed: the ssh channel dropped) or a signal asks it to stop, it kills the whole
 * group first. */
#include "clock.h"
#include "procfs.h"
#include "rio.h"
#include "remote.h"
#include "tree.h"
#include "version.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#define DRAIN_TIMEOUT_NS (60 * NS_PER_S) /* the group's time to go after its leader */
#define GONE_POLL_MS     10
#define LINE_MAX_OUT     65536 /* a longer line of the program's is relayed in pieces */
#define COMMAND_MAX      256

static const char usage_text[] =
    "usage: echobench-remote version\n"
    "       echobench-remote info\n"
    "       echobench-remote run [--sync] [--cpus LIST] [--stdout FILE] [--stderr FILE]\n"
    "                            [--raise-nofile] -- PROGRAM ARGS...\n"
    "\n"
    "Starts PROGRAM (relative: beside echobench-remote) in a process group of its own and\n"
    "supervises it through stdin and stdout, one line each:\n"
    "  out:  started PID | out TEXT | sync WORD REALTIME_NS MONO_NS | went RT MONO |\n"
    "        pong RT MONO | sample {JSON} | exit code N USER_S SYS_S |\n"
    "        exit signal N USER_S SYS_S | gone | error TEXT\n"
    "  in:   go | ping | sample full | sample cheap | term | kill  (EOF: kill, wait, exit)\n"
    "--sync gives PROGRAM a socket as fd 3 (pass it `--sync 3`); --cpus pins it (0,2-3);\n"
    "--stdout/--stderr send its output to files (else stdout is relayed as `out`, stderr\n"
    "goes to /dev/null); --raise-nofile raises its descriptor limit to the hard one.\n"
    "The full protocol: docs/remote.md.\n";

static void usage_fail(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "echobench-remote: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(echobench-remote --help says how to call it)\n");
    exit(2);
}

/* ---- lines out ---- */

static bool caller_gone; /* a line to it could not be written: the channel is gone */

/* Writes one line (a newline added) to stdout in one write, so that a reader never sees
 * half of it. Once the caller is gone, writes nothing. */
__attribute__((format(printf, 1, 2))) static void say(const char *fmt, ...)
{
    char line[LINE_MAX_OUT + 64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
    va_end(ap);
    if (n < 0 || caller_gone)
        return;
    if ((size_t)n > sizeof(line) - 2)
        n = (int)sizeof(line) - 2;
    line[n++] = '\n';
    if (rio_writen(STDOUT_FILENO, line, (size_t)n) < 0)
        caller_gone = true;
}

static void clocks_now(uint64_t *real_ns, uint64_t *mono_ns)
{
    struct timespec r;
    clock_gettime(CLOCK_REALTIME, &r);
    *mono_ns = clock_now_ns();
    *real_ns = (uint64_t)r.tv_sec * NS_PER_S + (uint64_t)r.tv_nsec;
}

/* ---- version and info ---- */

static int cmd_info(void)
{
    struct utsname u;
    struct rlimit nofile;
    const char *tmp = getenv("TMPDIR");
    if (uname(&u) < 0 || getrlimit(RLIMIT_NOFILE, &nofile) < 0) {
        fprintf(stderr, "echobench-remote: cannot read uname or RLIMIT_NOFILE: %s\n",
                strerror(errno));
        return 1;
    }
    json_t *o = json_pack("{s:s, s:s, s:I, s:{s:I, s:I}, s:s, s:s}", "arch", u.machine, "kernel",
                          u.release, "cpus", (json_int_t)sysconf(_SC_NPROCESSORS_ONLN), "nofile",
                          "soft", (json_int_t)nofile.rlim_cur, "hard", (json_int_t)nofile.rlim_max,
                          "tmpdir", tmp && *tmp ? tmp : "/tmp", "git", ECHOBENCH_GIT);
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (text)
        printf("%s\n", text);
    free(text);
    json_decref(o);
    return text && fflush(stdout) == 0 ? 0 : 1;
}

/* ---- run: the options ---- */

/* Parses a CPU list such as 0,2-3 into set. Returns 0, or -1 when it is not one. */
static int parse_cpus(const char *text, cpu_set_t *set)
{
    const char *p = text;
    CPU_ZERO(set);
    while (*p) {
        char *end;
        long lo = strtol(p, &end, 10), hi = lo;
        if (end == p || lo < 0)
            return -1;
        if (*end == '-') {
            p = end + 1;
            hi = strtol(p, &end, 10);
            if (end == p || hi < lo)
                return -1;
        }
        if (hi >= CPU_SETSIZE)
            return -1;
        for (long c = lo; c <= hi; c++)
            CPU_SET((int)c, set);
        if (*end != ',' && *end != '\0')
            return -1;
        p = *end == ',' ? end + 1 : end;
    }
    return CPU_COUNT(set) > 0 ? 0 : -1;
}

/* PROGRAM as given when absolute, else beside this executable (the remote's own folder,
 * whatever the caller's working directory: ssh starts in the home folder). */
static void resolve_program(const char *given, char *out, size_t len)
{
    char self[PATH_MAX];
    ssize_t n;
    int wrote;
    if (given[0] == '/' || (n = readlink("/proc/self/exe", self, sizeof(self) - 1)) < 0) {
        wrote = snprintf(out, len, "%s", given);
    } else {
        self[n] = '\0';
        *strrchr(self, '/') = '\0';
        wrote = snprintf(out, len, "%s/%s", self, given);
    }
    if (wrote < 0 || (size_t)wrote >= len)
        usage_fail("run: the program's path is too long: %.100s...", given);
}

static void parse_run(int argc, char **argv, struct remote_opts *o)
{
    int i = 2;
    memset(o, 0, sizeof(*o));
    for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
        const char *a = argv[i];
        bool has_value = i + 1 < argc && strcmp(argv[i + 1], "--") != 0;
        if (strcmp(a, "--sync") == 0) {
            o->sync = true;
        } else if (strcmp(a, "--raise-nofile") == 0) {
            o->raise_nofile = true;
        } else if (strcmp(a, "--cpus") == 0 || strcmp(a, "--stdout") == 0 ||
                   strcmp(a, "--stderr") == 0) {
            if (!has_value)
                usage_fail("run: %s needs a value", a);
            const char *v = argv[++i];
            if (a[2] == 'c') {
                if (parse_cpus(v, &o->cpus) < 0)
                    usage_fail("run: --cpus must be a CPU list such as 0,2-3, not '%s'", v);
                o->cpus_text = v;
            } else if (a[5] == 'o') {
                o->stdout_path = v;
            } else {
                o->stderr_path = v;
            }
        } else {
            usage_fail("run: unknown option '%s' (the program and its arguments go after --)", a);
        }
    }
    if (i + 1 >= argc)
        usage_fail("run: no program: run [OPTIONS] -- PROGRAM ARGS...");
    o->argv = argv + i + 1;
    resolve_program(o->argv[0], o->program, sizeof(o->program));
}

/* ---- run: the loop ---- */

struct sup {
    struct remote_child c;
    const struct remote_opts *o;
    int sigfd;
    bool reading_commands; /* stdin still open */
    int stop_signal;       /* a signal that asked the supervisor to stop, or 0 */
    uint64_t drain_deadline;
    bool drain_killed;
    char command[COMMAND_MAX];
    size_t command_len;
    bool command_too_long;
    char out_line[LINE_MAX_OUT];
    size_t out_len;
    char sync_line[256];
    size_t sync_len;
};

static void kill_group(struct sup *s)
{
    kill(-s->c.pid, SIGKILL);
}

/* Relays what one read of the program's stdout brought, line by line: a line too long
 * for the buffer goes in pieces, the unfinished last one at EOF as it is. Returns false
 * when there was nothing to read now. */
static bool relay_out(struct sup *s)
{
    ssize_t n = read(s->c.out, s->out_line + s->out_len, sizeof(s->out_line) - s->out_len);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return false;
    if (n <= 0) {
        if (s->out_len)
            say("out %.*s", (int)s->out_len, s->out_line);
        close(s->c.out);
        s->c.out = -1;
        s->out_len = 0;
        return false;
    }
    s->out_len += (size_t)n;
    char *at = s->out_line, *nl;
    while ((nl = memchr(at, '\n', s->out_len - (size_t)(at - s->out_line))) != NULL) {
        say("out %.*s", (int)(nl - at), at);
        at = nl + 1;
    }
    s->out_len -= (size_t)(at - s->out_line);
    memmove(s->out_line, at, s->out_len);
    if (s->out_len == sizeof(s->out_line)) {
        say("out %.*s", (int)s->out_len, s->out_line);
        s->out_len = 0;
    }
    return true;
}

/* Relays the lines the program wrote on the sync socket, each with both clocks read
 * once, when the read returned. */
static bool relay_sync(struct sup *s)
{
    ssize_t n = read(s->c.sync, s->sync_line + s->sync_len, sizeof(s->sync_line) - s->sync_len);
    uint64_t real_ns, mono_ns;
    clocks_now(&real_ns, &mono_ns);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return false;
    if (n <= 0) {
        close(s->c.sync);
        s->c.sync = -1;
        return false;
    }
    s->sync_len += (size_t)n;
    char *at = s->sync_line, *nl;
    while ((nl = memchr(at, '\n', s->sync_len - (size_t)(at - s->sync_line))) != NULL) {
        say("sync %.*s %llu %llu", (int)(nl - at), at, (unsigned long long)real_ns,
            (unsigned long long)mono_ns);
        at = nl + 1;
    }
    s->sync_len -= (size_t)(at - s->sync_line);
    memmove(s->sync_line, at, s->sync_len);
    if (s->sync_len == sizeof(s->sync_line))
        s->sync_len = 0; /* no word is this long: not a line of the protocol */
    return true;
}

static double tv_s(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* Reaps what has exited: the program, and its orphans, which come to the subreaper.
 * When the program has gone, what it wrote before is relayed first, then its exit. */
static void reap(struct sup *s)
{
    int status;
    struct rusage ru;
    pid_t got;
    while ((got = wait4(-1, &status, WNOHANG, &ru)) > 0) {
        if (got != s->c.pid)
            continue;
        s->c.exited = true;
        s->c.status = status;
        s->c.ru = ru;
        while (s->c.out >= 0 && relay_out(s))
            ;
        while (s->c.sync >= 0 && relay_sync(s))
            ;
        bool sig = WIFSIGNALED(status);
        say("exit %s %d %.6f %.6f", sig ? "signal" : "code",
            sig ? WTERMSIG(status) : WEXITSTATUS(status), tv_s(ru.ru_utime), tv_s(ru.ru_stime));
        s->drain_deadline = clock_now_ns() + DRAIN_TIMEOUT_NS;
    }
}

static void sample(struct sup *s, bool full)
{
    struct tree t;
    char pss[32] = "null", fds[32] = "null";
    tree_sample(s->c.pid, full, &t);
    int open_fds = s->c.exited ? -1 : proc_open_fds(s->c.pid);
    if (full)
        snprintf(pss, sizeof(pss), "%ld", t.pss_anon_kib);
    if (open_fds >= 0)
        snprintf(fds, sizeof(fds), "%d", open_fds);
    say("sample {\"cpu_ns\":%llu,\"rss_kib\":%ld,\"pss_anon_kib\":%s,\"threads\":%d,"
        "\"processes\":%d,\"fds\":%s}",
        (unsigned long long)t.cpu_ns, t.rss_kib, pss, t.threads, t.processes, fds);
}

static void command(struct sup *s, char *line)
{
    uint64_t real_ns, mono_ns;
    size_t len = strlen(line);
    if (len && line[len - 1] == '\r')
        line[--len] = '\0';
    if (len == 0)
        return;
    if (strcmp(line, "go") == 0) {
        if (s->c.sync < 0) {
            say("error go: there is no sync socket (%s)",
                s->o->sync ? "the program closed it" : "run without --sync");
            return;
        }
        ssize_t n;
        do
            n = write(s->c.sync, "g", 1);
        while (n < 0 && errno == EINTR);
        clocks_now(&real_ns, &mono_ns);
        if (n == 1)
            say("went %llu %llu", (unsigned long long)real_ns, (unsigned long long)mono_ns);
        else
            say("error go: cannot write on the sync socket: %s", strerror(errno));
    } else if (strcmp(line, "ping") == 0) {
        clocks_now(&real_ns, &mono_ns);
        say("pong %llu %llu", (unsigned long long)real_ns, (unsigned long long)mono_ns);
    } else if (strcmp(line, "sample full") == 0 || strcmp(line, "sample cheap") == 0) {
        sample(s, line[7] == 'f');
    } else if (strcmp(line, "term") == 0) {
        if (s->c.exited)
            say("error term: the program has exited already");
        else if (kill(s->c.pid, SIGTERM) < 0)
            say("error term: %s", strerror(errno));
    } else if (strcmp(line, "kill") == 0) {
        if (kill(-s->c.pid, SIGKILL) < 0)
            say("error kill: %s", strerror(errno));
    } else {
        say("error unknown command '%.100s': the commands are go, ping, sample full, "
            "sample cheap, term and kill",
            line);
    }
}

/* Reads the caller's commands; at EOF (the caller closed, or the channel dropped) the
 * program's group is killed. */
static void read_commands(struct sup *s)
{
    char buf[1024];
    ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        s->reading_commands = false;
        kill_group(s);
        return;
    }
    for (ssize_t i = 0; i < n; i++) {
        if (buf[i] != '\n') {
            if (s->command_len < sizeof(s->command) - 1)
                s->command[s->command_len++] = buf[i];
            else
                s->command_too_long = true;
            continue;
        }
        s->command[s->command_len] = '\0';
        if (s->command_too_long)
            say("error a command of more than %d bytes: ignored", COMMAND_MAX - 1);
        else
            command(s, s->command);
        s->command_len = 0;
        s->command_too_long = false;
    }
}

static void on_signals(struct sup *s)
{
    struct signalfd_siginfo si;
    while (read(s->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        if (si.ssi_signo == SIGCHLD) {
            reap(s);
        } else {
            s->stop_signal = (int)si.ssi_signo;
            kill_group(s);
        }
    }
}

static bool group_gone(const struct sup *s)
{
    return s->c.exited && kill(-s->c.pid, 0) < 0 && errno == ESRCH;
}

/* Supervises the program until nothing of its group is left. Returns the exit status. */
static int supervise(struct sup *s)
{
    for (;;) {
        if (caller_gone && s->reading_commands) {
            s->reading_commands = false; /* no one to answer: as at EOF */
            kill_group(s);
        }
        if (group_gone(s))
            break;
        if (s->c.exited && !s->drain_killed && clock_now_ns() >= s->drain_deadline) {
            kill_group(s); /* its leader went a minute ago, what is left will not */
            s->drain_killed = true;
        }
        struct pollfd p[4] = {
            {.fd = s->reading_commands ? STDIN_FILENO : -1, .events = POLLIN},
            {.fd = s->c.out, .events = POLLIN},
            {.fd = s->c.sync, .events = POLLIN},
            {.fd = s->sigfd, .events = POLLIN},
        };
        int ready = poll(p, 4, s->c.exited ? GONE_POLL_MS : -1);
        if (ready < 0 && errno != EINTR) {
            fprintf(stderr, "echobench-remote: poll: %s\n", strerror(errno));
            kill_group(s);
            clock_sleep_ns(GONE_POLL_MS * NS_PER_MS);
        }
        if (ready <= 0)
            continue;
        if (p[3].revents)
            on_signals(s);
        if (p[1].revents && s->c.out >= 0)
            relay_out(s);
        if (p[2].revents && s->c.sync >= 0)
            relay_sync(s);
        if (p[0].revents && s->reading_commands)
            read_commands(s);
    }
    while (s->c.out >= 0 && relay_out(s))
        ;
    say("gone");
    return s->stop_signal ? 128 + s->stop_signal : 0;
}

static int cmd_run(int argc, char **argv)
{
    static struct remote_opts o;
    static struct sup s;
    sigset_t mask;
    char err[PATH_MAX + 256];

    parse_run(argc, argv, &o);
    /* Started with one of 0, 1 and 2 closed, the supervisor would open its pipes there,
     * and the child's dup2s onto them would cross. */
    for (int fd = 0; fd <= STDERR_FILENO; fd++)
        if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", fd ? O_WRONLY : O_RDONLY) != fd)
            return 1;
    signal(SIGPIPE, SIG_IGN); /* a closed channel is a failed write, not a death */
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
        (s.sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0 ||
        prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
        fprintf(stderr, "echobench-remote: cannot set up its signals: %s\n", strerror(errno));
        return 1;
    }
    s.o = &o;
    s.reading_commands = true;
    if (remote_start(&o, &s.c, err, sizeof(err)) < 0) {
        say("error %s", err);
        say("exit code 127 0 0");
        say("gone");
        return 0;
    }
    if (s.c.out >= 0)
        fcntl(s.c.out, F_SETFL, O_NONBLOCK);
    if (s.c.sync >= 0)
        fcntl(s.c.sync, F_SETFL, O_NONBLOCK);
    say("started %d", (int)s.c.pid);
    return supervise(&s);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        usage_fail("no command: version, info or run");
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (strcmp(cmd, "run") == 0)
        return cmd_run(argc, argv);
    if (strcmp(cmd, "version") != 0 && strcmp(cmd, "info") != 0)
        usage_fail("unknown command '%s': version, info or run", cmd);
    if (argc > 2)
        usage_fail("%s takes no arguments", cmd);
    if (cmd[0] == 'i')
        return cmd_info();
    printf("echobench-remote %s %s\n", ECHOBENCH_VERSION, ECHOBENCH_GIT);
    return fflush(stdout) == 0 ? 0 : 1;
}
