/* echobench-remote: starting the program (remote.h). The child reports a failure before
 * its exec on a close-on-exec pipe: EOF there means the exec happened, so a program that
 * does not exist is an `error` line, not a `started` one followed by exit 127. */
#include "remote.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* The descriptors a start opens before the fork; each -1 when not used. */
struct start_fds {
    int null_in, out_w, err_w, sync_child, report_w;
};

/* In the child: says why the start failed on the report pipe, and exits 127. */
__attribute__((noreturn)) static void child_fail(int report, const char *what, const char *program)
{
    char msg[PATH_MAX + 128];
    int n = snprintf(msg, sizeof(msg), "%s %.300s: %s", what, program, strerror(errno));
    if (n > 0 && write(report, msg, (size_t)n) < 0)
        _exit(127);
    _exit(127);
}

/* In the child, between fork and exec. fd 0 is /dev/null (never the caller's commands),
 * 1 and 2 its output, 3 the sync socket; everything else is closed at the exec. */
__attribute__((noreturn)) static void child_exec(const struct remote_opts *o, struct start_fds *f,
                                                 pid_t parent)
{
    int report = fcntl(f->report_w, F_DUPFD_CLOEXEC, 16);
    if (report < 0)
        _exit(127);
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(127); /* the supervisor died before the line above */
    if (o->cpus_text && sched_setaffinity(0, sizeof(o->cpus), &o->cpus) < 0)
        child_fail(report, "cannot pin to --cpus", o->program);
    struct rlimit lim;
    if (o->raise_nofile && (getrlimit(RLIMIT_NOFILE, &lim) < 0 ||
                            (lim.rlim_cur = lim.rlim_max, setrlimit(RLIMIT_NOFILE, &lim) < 0)))
        child_fail(report, "cannot raise RLIMIT_NOFILE for", o->program);
    int sync_fd = f->sync_child >= 0 ? fcntl(f->sync_child, F_DUPFD_CLOEXEC, 16) : -1;
    if (dup2(f->null_in, STDIN_FILENO) < 0 || dup2(f->out_w, STDOUT_FILENO) < 0 ||
        dup2(f->err_w, STDERR_FILENO) < 0 || (sync_fd >= 0 && dup2(sync_fd, 3) < 0))
        child_fail(report, "cannot set up the descriptors of", o->program);
    /* Descriptors the supervisor was given without close-on-exec (a shell's, sshd's)
     * would sit in the program's table: mark them all. */
    unsigned first = sync_fd >= 0 ? 4 : 3;
    if (close_range(first, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
        for (int fd = (int)first; fd < 65536; fd++)
            fcntl(fd, F_SETFD, FD_CLOEXEC);
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    sigaction(SIGPIPE, &dfl, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL); /* the supervisor's blocked signals too */
    execv(o->program, o->argv);
    child_fail(report, "cannot run", o->program);
}

static void close_start_fds(struct start_fds *f)
{
    int *all[] = {&f->null_in, &f->out_w, &f->err_w, &f->sync_child, &f->report_w};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        if (*all[i] > STDERR_FILENO) {
            close(*all[i]);
            *all[i] = -1;
        }
}

static int open_output(const char *path, char *err, size_t errlen, const char *what)
{
    int fd = open(path ? path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        snprintf(err, errlen, "cannot write %s %.300s: %s", what, path, strerror(errno));
    return fd;
}

int remote_start(const struct remote_opts *o, struct remote_child *c, char *err, size_t errlen)
{
    struct start_fds f = {-1, -1, -1, -1, -1};
    int out_pipe[2] = {-1, -1}, report[2] = {-1, -1}, pair[2] = {-1, -1};

    c->out = c->sync = -1;
    if (o->cpus_text) {
        cpu_set_t allowed, both;
        sched_getaffinity(0, sizeof(allowed), &allowed);
        CPU_AND(&both, &allowed, &o->cpus);
        if (!CPU_EQUAL(&both, &o->cpus)) {
            snprintf(err, errlen,
                     "--cpus %.100s: not every one of them is available here (%ld online)",
                     o->cpus_text, sysconf(_SC_NPROCESSORS_ONLN));
            return -1;
        }
    }
    if ((f.null_in = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0 ||
        (f.err_w = open_output(o->stderr_path, err, errlen, "--stderr")) < 0)
        goto fail;
    if (o->stdout_path) {
        if ((f.out_w = open_output(o->stdout_path, err, errlen, "--stdout")) < 0)
            goto fail;
    } else {
        if (pipe2(out_pipe, O_CLOEXEC) < 0)
            goto fail_errno;
        c->out = out_pipe[0];
        f.out_w = out_pipe[1];
    }
    if (o->sync) {
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0)
            goto fail_errno;
        c->sync = pair[0];
        f.sync_child = pair[1];
    }
    if (pipe2(report, O_CLOEXEC) < 0)
        goto fail_errno;
    f.report_w = report[1];
    pid_t parent = getpid();
    c->pid = fork();
    if (c->pid < 0) {
        close(report[0]);
        goto fail_errno;
    }
    if (c->pid == 0)
        child_exec(o, &f, parent);
    setpgid(c->pid, c->pid); /* both sides: whichever runs first */
    close_start_fds(&f);
    /* The report pipe closes at the exec: EOF means it ran, a message that it did not. */
    ssize_t n;
    do
        n = read(report[0], err, errlen - 1);
    while (n < 0 && errno == EINTR);
    close(report[0]);
    if (n <= 0)
        return 0;
    err[n] = '\0';
    waitpid(c->pid, NULL, 0);
    goto fail_quiet;
fail_errno:
    snprintf(err, errlen, "cannot start %.300s: %s", o->program, strerror(errno));
fail:
fail_quiet:
    close_start_fds(&f);
    if (c->out >= 0)
        close(c->out);
    if (c->sync >= 0)
        close(c->sync);
    c->out = c->sync = -1;
    return -1;
}
