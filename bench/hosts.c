/* Hosts: see hosts.h. ssh runs in batch mode (no prompt ever: a key or nothing), with
 * one master connection per host kept for the run (ControlMaster, ControlPersist), so
 * that a run opens one connection per host and every later command rides on it. */
#include "hosts.h"

#include "clock.h"
#include "version.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#define SSH_TIMEOUT_NS (60 * NS_PER_S) /* a preflight command or a copy, at most */
#define MAX_HOSTS      (MAX_AGENTS + 1)

/* The remote hosts of the run, each once (the server's first, then the agents'), the
 * run's folder on each, and ssh's control sockets. */
static struct {
    const char *name[MAX_HOSTS];
    char dir[MAX_HOSTS][PATH_MAX];
    bool reached[MAX_HOSTS]; /* a command ran there: it may hold a folder and a master */
    unsigned n;
    char control[PATH_MAX];
} hosts;

bool host_is_local(const char *host)
{
    return !host || !host[0] || strcmp(host, LOCAL_HOST) == 0;
}

static void hosts_list(const struct bench_opts *o)
{
    const char *all[MAX_HOSTS];
    unsigned na = 0;
    hosts.n = 0;
    if (!host_is_local(o->server_host))
        all[na++] = o->server_host;
    for (unsigned i = 0; i < o->nagents && na < MAX_HOSTS; i++)
        all[na++] = o->agents[i];
    for (unsigned i = 0; i < na; i++) {
        bool seen = host_is_local(all[i]);
        for (unsigned k = 0; k < hosts.n && !seen; k++)
            seen = strcmp(hosts.name[k], all[i]) == 0;
        if (!seen)
            hosts.name[hosts.n++] = all[i];
    }
}

const char *host_dir(const struct bench_opts *o, const char *host)
{
    if (host_is_local(host))
        return o->bin_dir;
    for (unsigned i = 0; i < hosts.n; i++)
        if (strcmp(hosts.name[i], host) == 0)
            return hosts.dir[i];
    return NULL;
}

/* ssh's command line for host, then the remote command (one word, which ssh hands to
 * the remote shell). */
static int ssh_argv(const struct bench_opts *o, const char *host, const char *command,
                    const char **argv, char (*buf)[PATH_MAX + 32])
{
    int n = 0;
    argv[n++] = "ssh";
    if (o->ssh_config[0]) {
        argv[n++] = "-F";
        argv[n++] = o->ssh_config;
    }
    static const char *const fixed[] = {
        "-o", "BatchMode=yes",     "-o", "ControlMaster=auto",    "-o", "ControlPersist=300",
        "-o", "ConnectTimeout=10", "-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=3",
        "-o", "LogLevel=ERROR",    "-T"};
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        argv[n++] = fixed[i];
    snprintf(buf[0], sizeof(buf[0]), "ControlPath=%s/%%C", hosts.control);
    argv[n++] = "-o";
    argv[n++] = buf[0];
    argv[n++] = host;
    argv[n++] = "--";
    argv[n++] = command;
    argv[n] = NULL;
    return n;
}

/* Runs argv with input (or nothing) on its stdin, its stdout into out (NUL-terminated)
 * and its stderr into err, within SSH_TIMEOUT_NS. Returns its exit status (255: ssh
 * could not connect), or -1 when it could not be run or timed out (err says). */
static int run_capture(const char **argv, int in_fd, char *out, size_t olen, char *err, size_t elen,
                       int out_fd)
{
    int po[2], pe[2];
    if (pipe2(po, O_CLOEXEC) < 0)
        return -1;
    if (pipe2(pe, O_CLOEXEC) < 0) {
        close(po[0]);
        close(po[1]);
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int null = open("/dev/null", O_RDONLY);
        dup2(in_fd >= 0 ? in_fd : null, STDIN_FILENO);
        dup2(out_fd >= 0 ? out_fd : po[1], STDOUT_FILENO);
        dup2(pe[1], STDERR_FILENO);
        execvp(argv[0], (char *const *)argv);
        fprintf(stderr, "cannot run %s: %s", argv[0], strerror(errno));
        _exit(127);
    }
    setpgid(pid, pid);
    close(po[1]);
    close(pe[1]);
    size_t no = 0, ne = 0;
    uint64_t deadline = clock_now_ns() + SSH_TIMEOUT_NS;
    bool open_o = true, open_e = true, late = false;
    while ((open_o || open_e) && !late) {
        struct pollfd p[2] = {{.fd = open_o ? po[0] : -1, .events = POLLIN},
                              {.fd = open_e ? pe[0] : -1, .events = POLLIN}};
        uint64_t now = clock_now_ns();
        late = now >= deadline;
        if (poll(p, 2, late ? 0 : (int)((deadline - now) / NS_PER_MS) + 1) < 0 && errno != EINTR)
            break;
        for (int k = 0; k < 2; k++) {
            if (!p[k].revents)
                continue;
            char *b = k ? err : out;
            size_t *at = k ? &ne : &no, len = k ? elen : olen;
            char sink[4096];
            ssize_t r = *at + 1 < len ? read(p[k].fd, b + *at, len - 1 - *at)
                                      : read(p[k].fd, sink, sizeof(sink));
            if (r <= 0) {
                if (k)
                    open_e = false;
                else
                    open_o = false;
            } else if (*at + 1 < len) {
                *at += (size_t)r;
            }
        }
    }
    out[no] = '\0';
    err[ne] = '\0';
    close(po[0]);
    close(pe[0]);
    int status;
    if (late)
        kill(-pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (late) {
        snprintf(err, elen, "no answer within %llu s",
                 (unsigned long long)(SSH_TIMEOUT_NS / NS_PER_S));
        return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The last line of text, without its newline, for a message. */
static const char *last_line(char *text)
{
    size_t l = strlen(text);
    while (l && (text[l - 1] == '\n' || text[l - 1] == '\r'))
        text[--l] = '\0';
    char *nl = strrchr(text, '\n');
    return nl ? nl + 1 : text[0] ? text : "(nothing on stderr)";
}

/* One command on host; out and err as run_capture's. */
static int on_host(const struct bench_opts *o, const char *host, const char *command, int in_fd,
                   char *out, size_t olen, char *err, size_t elen)
{
    const char *argv[40];
    char buf[1][PATH_MAX + 32];
    ssh_argv(o, host, command, argv, buf);
    return run_capture(argv, in_fd, out, olen, err, elen, -1);
}

/* Why ssh could not run a command, with what to do. */
static void ssh_failed(const char *host, int rc, char *err)
{
    const char *why = last_line(err);
    if (strstr(why, "ermission denied"))
        fprintf(stderr,
                "bench: %s refused the key (%s): bench runs ssh in batch mode, so a key must "
                "log in without a prompt: add your public key to ~/.ssh/authorized_keys there "
                "(ssh-copy-id %s), or name the key in your ssh_config\n",
                host, why, host);
    else if (rc == 255 || rc < 0)
        fprintf(stderr,
                "bench: cannot reach %s: %s; check that `ssh -o BatchMode=yes %s true` works "
                "(the name, its address, the port, an ssh_config entry: --ssh-config FILE)\n",
                host, why, host);
    else
        fprintf(stderr, "bench: on %s a command failed (exit %d): %s\n", host, rc, why);
}

/* The binaries a run needs on a host: the supervisor, loadgen and the servers. */
static int bin_list(const struct bench_opts *o, const char **names, char (*buf)[48])
{
    int n = 0;
    names[n++] = "echobench-remote";
    names[n++] = "loadgen";
    for (unsigned i = 0; i < o->nmodels; i++) {
        snprintf(buf[i], sizeof(buf[i]), "echo-%s", o->models[i]);
        names[n++] = buf[i];
    }
    names[n++] = "echo-floor";
    names[n] = NULL;
    return n;
}

/* Copies the binaries into dir on host, through a tar stream on the master connection. */
static int copy_to(const struct bench_opts *o, const char *host, const char *dir)
{
    const char *names[MAX_MODELS + 4];
    char mbuf[MAX_MODELS][48], cmd[PATH_MAX * 2 + 64], out[256], err[1024];
    int n = bin_list(o, names, mbuf);
    const char *tar[MAX_MODELS + 10];
    int k = 0;
    tar[k++] = "tar";
    tar[k++] = "-C";
    tar[k++] = o->bin_dir;
    tar[k++] = "-cf";
    tar[k++] = "-";
    for (int i = 0; i < n; i++) {
        char path[PATH_MAX + 64];
        snprintf(path, sizeof(path), "%s/%s", o->bin_dir, names[i]);
        if (access(path, X_OK) == 0)
            tar[k++] = names[i];
    }
    tar[k] = NULL;
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    pid_t t = fork();
    if (t == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(p[1], STDOUT_FILENO);
        execvp("tar", (char *const *)tar);
        _exit(127);
    }
    close(p[1]);
    snprintf(cmd, sizeof(cmd), "mkdir -p '%s' && tar -C '%s' -xf -", dir, dir);
    int rc = on_host(o, host, cmd, p[0], out, sizeof(out), err, sizeof(err));
    close(p[0]);
    int status = 0;
    if (t > 0)
        waitpid(t, &status, 0);
    if (rc != 0 || t < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench: cannot copy the binaries to %s:%s: %s\n", host, dir,
                rc ? last_line(err) : "tar failed here");
        return -1;
    }
    return 0;
}

int hosts_preflight(struct bench_opts *o)
{
    struct utsname me;
    char out[4096], err[4096], cmd[PATH_MAX * 2 + 256], want[160];
    int bad = 0;

    hosts_list(o);
    if (hosts.n == 0)
        return 0;
    uname(&me);
    snprintf(want, sizeof(want), "echobench-remote %s %s", ECHOBENCH_VERSION, ECHOBENCH_GIT);
    /* Short: a control socket's path, %C (40 hex digits) included, must fit a unix
     * socket's 108 bytes. */
    snprintf(hosts.control, sizeof(hosts.control), "/tmp/echobench-ssh-%d", (int)getpid());
    if (mkdir(hosts.control, 0700) < 0 && errno != EEXIST) {
        fprintf(stderr, "bench: cannot make %s: %s\n", hosts.control, strerror(errno));
        return -1;
    }
    for (unsigned i = 0; i < hosts.n; i++) {
        const char *h = hosts.name[i];
        /* Reachable, its architecture, its temporary folder. */
        int rc = on_host(o, h, "uname -m; echo \"${TMPDIR:-/tmp}\"; command -v tar", -1, out,
                         sizeof(out), err, sizeof(err));
        char arch[64] = "", tmp[PATH_MAX] = "";
        hosts.reached[i] = rc == 0;
        if (rc != 0 || sscanf(out, "%63s %4095s", arch, tmp) != 2) {
            ssh_failed(h, rc, err);
            bad++;
            continue;
        }
        if (strcmp(arch, me.machine) != 0) {
            fprintf(stderr,
                    "bench: %s is %s and this build is %s: the binaries cannot be copied "
                    "there; build echobench on a %s machine, or use hosts of this one's kind\n",
                    h, arch, me.machine, arch);
            bad++;
            continue;
        }
        if (!strstr(out, "/tar")) {
            fprintf(stderr, "bench: %s has no tar, which the copy needs: apt-get install tar\n", h);
            bad++;
            continue;
        }
        if (o->remote_dir[0])
            snprintf(hosts.dir[i], sizeof(hosts.dir[i]), "%.3000s/%.90s-%u", o->remote_dir,
                     o->run_id, i);
        else
            snprintf(hosts.dir[i], sizeof(hosts.dir[i]), "%.3000s/echobench-%.90s-%u", tmp,
                     o->run_id, i);
        /* The same build there, by its git hash; else copied. */
        snprintf(cmd, sizeof(cmd), "'%s/echobench-remote' version 2>/dev/null", hosts.dir[i]);
        rc = on_host(o, h, cmd, -1, out, sizeof(out), err, sizeof(err));
        if (rc != 0 || strncmp(out, want, strlen(want)) != 0) {
            if (copy_to(o, h, hosts.dir[i]) < 0) {
                bad++;
                continue;
            }
            rc = on_host(o, h, cmd, -1, out, sizeof(out), err, sizeof(err));
            if (rc != 0 || strncmp(out, want, strlen(want)) != 0) {
                fprintf(stderr,
                        "bench: the binaries copied to %s do not run there (%s): it may lack "
                        "libuv or jansson (apt-get install libuv1 libjansson4)\n",
                        h, rc ? last_line(err) : last_line(out));
                bad++;
                continue;
            }
        }
        /* loadgen and the servers load there too. */
        snprintf(cmd, sizeof(cmd), "'%s/loadgen' --help >/dev/null", hosts.dir[i]);
        if (on_host(o, h, cmd, -1, out, sizeof(out), err, sizeof(err)) != 0) {
            fprintf(stderr,
                    "bench: loadgen does not run on %s (%s): install libuv1 and libjansson4 "
                    "there\n",
                    h, last_line(err));
            bad++;
        }
    }
    return bad ? -1 : 0;
}

int host_fetch(const struct bench_opts *o, const char *host, const char *remote_path,
               const char *local_path)
{
    char tmp[PATH_MAX + 16], cmd[PATH_MAX + 16], out[64], err[1024];
    snprintf(tmp, sizeof(tmp), "%s.part", local_path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        fprintf(stderr, "bench: cannot write %s: %s\n", tmp, strerror(errno));
        return -1;
    }
    snprintf(cmd, sizeof(cmd), "cat '%s'", remote_path);
    const char *argv[40];
    char buf[1][PATH_MAX + 32];
    ssh_argv(o, host, cmd, argv, buf);
    int rc = run_capture(argv, -1, out, sizeof(out), err, sizeof(err), fd);
    close(fd);
    if (rc != 0 || rename(tmp, local_path) < 0) {
        unlink(tmp);
        fprintf(stderr, "bench: cannot fetch %s:%s: %s\n", host, remote_path, last_line(err));
        return -1;
    }
    return 0;
}

void hosts_cleanup(const struct bench_opts *o)
{
    char out[256], err[1024], cmd[PATH_MAX + 32];
    for (unsigned i = 0; i < hosts.n; i++) {
        if (!hosts.reached[i])
            continue; /* nothing made there, and no master to close */
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", hosts.dir[i]);
        if (hosts.dir[i][0] &&
            (!o->remote_dir[0] || strncmp(hosts.dir[i], o->remote_dir, strlen(o->remote_dir)) == 0))
            on_host(o, hosts.name[i], cmd, -1, out, sizeof(out), err, sizeof(err));
        const char *argv[40];
        char buf[1][PATH_MAX + 32];
        int n = ssh_argv(o, hosts.name[i], "true", argv, buf);
        argv[n - 3] = "-O"; /* "ssh ... -O exit HOST": the master connection ends */
        argv[n - 2] = "exit";
        argv[n - 1] = hosts.name[i];
        run_capture(argv, -1, out, sizeof(out), err, sizeof(err), -1);
    }
    if (hosts.n)
        rmdir(hosts.control);
}

/* ---- channels ---- */

int chan_start(const struct bench_opts *o, const char *host, const char *const *args,
               struct chan *c)
{
    int in[2], out[2];
    char remote[PATH_MAX * 3], buf[1][PATH_MAX + 32], exe[PATH_MAX + 32];
    const char *argv[MAX_ARGS + 64];
    int n = 0;

    memset(c, 0, sizeof(*c));
    snprintf(c->host, sizeof(c->host), "%s", host_is_local(host) ? LOCAL_HOST : host);
    if (host_is_local(host)) {
        snprintf(exe, sizeof(exe), "%s/echobench-remote", o->bin_dir);
        argv[n++] = exe;
        for (int i = 0; args[i] && n < MAX_ARGS + 60; i++)
            argv[n++] = args[i];
        argv[n] = NULL;
    } else {
        /* One word for the remote shell: each argument quoted. */
        const char *dir = host_dir(o, host);
        size_t at =
            (size_t)snprintf(remote, sizeof(remote), "exec '%s/echobench-remote'", dir ? dir : ".");
        for (int i = 0; args[i] && at < sizeof(remote); i++)
            at += (size_t)snprintf(remote + at, sizeof(remote) - at, " '%s'", args[i]);
        ssh_argv(o, host, remote, argv, buf);
    }
    if (pipe2(in, O_CLOEXEC) < 0)
        return -1;
    if (pipe2(out, O_CLOEXEC) < 0) {
        close(in[0]);
        close(in[1]);
        return -1;
    }
    pid_t parent = getpid();
    c->pid = fork();
    if (c->pid < 0)
        return -1;
    if (c->pid == 0) {
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        dup2(in[0], STDIN_FILENO);
        dup2(out[1], STDOUT_FILENO);
        execvp(argv[0], (char *const *)argv);
        fprintf(stderr, "bench: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    setpgid(c->pid, c->pid);
    close(in[0]);
    close(out[1]);
    c->in = in[1];
    c->out = out[0];
    return 0;
}

int chan_send(struct chan *c, const char *line)
{
    char buf[512];
    int n = snprintf(buf, sizeof(buf), "%s\n", line);
    if (c->in < 0 || n <= 0 || (size_t)n >= sizeof(buf))
        return -1;
    struct sigaction ign = {.sa_handler = SIG_IGN}, was;
    sigaction(SIGPIPE, &ign, &was); /* a channel gone is an error, not a signal */
    ssize_t w = write(c->in, buf, (size_t)n);
    sigaction(SIGPIPE, &was, NULL);
    return w == n ? 0 : -1;
}

int chan_line(struct chan *c, char *line, size_t len, uint64_t deadline)
{
    for (;;) {
        char *nl = memchr(c->buf, '\n', c->len);
        if (nl) {
            size_t l = (size_t)(nl - c->buf);
            snprintf(line, len, "%.*s", (int)l, c->buf);
            memmove(c->buf, nl + 1, c->len - l - 1);
            c->len -= l + 1;
            return 1;
        }
        if (c->len == sizeof(c->buf)) /* a line too long: dropped */
            c->len = 0;
        if (c->out < 0)
            return -1;
        uint64_t now = clock_now_ns();
        struct pollfd p = {.fd = c->out, .events = POLLIN};
        /* Past the deadline, a last look at what has come, without waiting. */
        int r = poll(&p, 1, now >= deadline ? 0 : (int)((deadline - now) / NS_PER_MS) + 1);
        if (r < 0 && errno != EINTR)
            return -1;
        if (r == 0 && now >= deadline)
            return 0;
        if (r <= 0)
            continue;
        ssize_t got = read(c->out, c->buf + c->len, sizeof(c->buf) - c->len);
        if (got <= 0) {
            close(c->out);
            c->out = -1;
            continue; /* what is left in buf, then -1 */
        }
        c->len += (size_t)got;
    }
}

void chan_close(struct chan *c, uint64_t grace_ns)
{
    if (c->in >= 0)
        close(c->in);
    c->in = -1;
    if (c->pid > 0) {
        uint64_t deadline = clock_now_ns() + grace_ns;
        int status;
        while (waitpid(c->pid, &status, WNOHANG) == 0) {
            if (clock_now_ns() >= deadline) {
                kill(-c->pid, SIGKILL);
                waitpid(c->pid, &status, 0);
                break;
            }
            clock_sleep_ns(10 * NS_PER_MS);
        }
        c->pid = 0;
    }
    if (c->out >= 0)
        close(c->out);
    c->out = -1;
}
