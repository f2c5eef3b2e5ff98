/* echo-prefork: pre-forked worker processes, each an event loop on the shared listener.
 *
 * nginx's shape. The parent listens, then forks -n workers (default: one per CPU);
 * each runs echo-epoll's event loop (evloop.c) on the listening socket the fork
 * shared. All of them wait on it, and a new connection would wake every one though
 * only one can accept it (the thundering herd): the listener is watched with
 * EPOLLEXCLUSIVE (Linux 4.5), which wakes one. The counters are in shared memory
 * (stats.c), as for echo-process.
 *
 * The parent serves nothing. It restarts a worker that dies (a worker that dies
 * within a second of its start waits a second, so a crash loop cannot become a fork
 * storm), and on SIGTERM or SIGINT it stops them all. A worker's crash costs the
 * connections that worker held, and no others.
 *
 * The ready line waits for the workers: each says on a pipe when its loop is set up,
 * so whoever reads the line finds the whole tree. A worker at its descriptor limit
 * leaves the shared queue to a sibling with room (evloop.h: shared), and the queue is
 * shed only once every worker is full. */
#include "clock.h"
#include "evloop.h"
#include "poller.h"
#include "server.h"
#include "stats.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define STOP_GRACE_NS    (1300 * NS_PER_MS) /* SIGTERM, then SIGKILL */
#define STOP_DEADLINE_NS (1800 * NS_PER_MS) /* then return, reaped or not */
#define RESTART_PAUSE_NS NS_PER_S           /* for a worker that died young */
#define UP_WAIT_NS       (30 * NS_PER_S)    /* for the first workers to come up */

/* A worker slot. pid is changed by the main flow only with SIGCHLD blocked, and by the
 * SIGCHLD handler, which sets it to 0 and keeps the status when it reaps the worker. */
struct worker {
    volatile pid_t pid;         /* 0: not running */
    volatile int status;        /* how it ended, for the message */
    volatile sig_atomic_t died; /* reaped, not yet seen by the main flow */
    uint64_t started_ns;
};

static struct worker *workers;
static int nworkers;

/* Reaps every worker that has exited. Async-signal-safe; saves errno. */
static void on_sigchld(int sig)
{
    int saved = errno, status;
    pid_t pid;
    (void)sig;

    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (int i = 0; i < nworkers; i++) {
            if (workers[i].pid == pid) {
                workers[i].pid = 0;
                workers[i].status = status;
                workers[i].died = 1;
                break;
            }
        }
    }
    errno = saved;
}

static void mask_signals(int how, const sigset_t *set, sigset_t *old)
{
    int rc = sigprocmask(how, set, old);
    assert(rc == 0); /* valid arguments: cannot fail */
    (void)rc;
}

static int nudge_fd = -1; /* the eventfd the workers wake each other with (evloop.h) */
static int up_fd = -1;    /* the write end of the pipe a first worker says it is up on */
static int up_read = -1;  /* its read end, the parent's */

/* In the worker, once its loop is set up: one byte on the pipe says so. */
static void worker_up(void *arg)
{
    (void)arg;
    if (up_fd >= 0) {
        char one = 1;
        ssize_t rc = write(up_fd, &one, 1); /* the parent sees EOF if it is missing */
        (void)rc;
        close(up_fd);
        up_fd = -1;
    }
}

/* In the worker: the event loop on the shared listener, until the stop. Never
 * returns. */
static void worker_main(int slot, int listenfd, pid_t parent)
{
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    sigset_t none;

    /* The parent's SIGCHLD handler is not the worker's. SIGTERM keeps the stop
     * handler, but a worker's stop must not shut down the listener its siblings
     * share. */
    sigemptyset(&dfl.sa_mask);
    sigemptyset(&none);
    server_forget_listeners();
    if (sigaction(SIGCHLD, &dfl, NULL) < 0 || prctl(PR_SET_PDEATHSIG, SIGTERM) < 0)
        _exit(1);
    if (getppid() != parent) /* the parent died before PDEATHSIG was set */
        _exit(0);
    if (up_read >= 0)
        close(up_read);
    stats_use_shard((unsigned)slot);
    stats_use_worker((unsigned)slot);
    mask_signals(SIG_SETMASK, &none, NULL); /* blocked around the fork */
    struct evloop_opts opts = {
        .listen_flags = EV_EXCLUSIVE, .shared = true, .nudge_fd = nudge_fd, .up = worker_up};
    _exit(evloop_run(listenfd, &opts) == 0 ? 0 : 1);
}

/* Starts the worker of slot, with SIGCHLD and the stop signals blocked. Returns 0, or
 * -1 with errno when fork failed. */
static int start_worker(int slot, int listenfd)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0)
        worker_main(slot, listenfd, parent);
    workers[slot].pid = pid;
    workers[slot].died = 0;
    workers[slot].started_ns = clock_now_ns();
    return 0;
}

/* Says how a worker that was not asked to stop ended, and takes the connections it
 * held off the open count. */
static void worker_lost(int slot)
{
    int st = workers[slot].status;
    int64_t held = stats_worker_lost((unsigned)slot);
    char how[64];
    if (WIFSIGNALED(st))
        snprintf(how, sizeof(how), "was killed by signal %d (%s)", WTERMSIG(st),
                 strsignal(WTERMSIG(st)));
    else
        snprintf(how, sizeof(how), "exited with status %d", WEXITSTATUS(st));
    fprintf(stderr, "echo-prefork: worker %d %s, with %lld connections; starting another\n", slot,
            how, (long long)held);
}

/* Restarts the workers that died and are due. Returns how long until the next one
 * is due, in ms (-1: none waits). Called with the signals blocked. */
static int restart_workers(int listenfd)
{
    uint64_t now = clock_now_ns(), next = 0;
    for (int i = 0; i < nworkers; i++) {
        if (workers[i].died) {
            workers[i].died = 0;
            worker_lost(i);
        }
        if (workers[i].pid != 0)
            continue;
        uint64_t due = workers[i].started_ns + RESTART_PAUSE_NS;
        if (now < due || start_worker(i, listenfd) < 0) {
            if (now >= due) { /* fork failed: try again after the pause */
                fprintf(stderr, "echo-prefork: cannot start worker %d: %s\n", i, strerror(errno));
                workers[i].started_ns = now;
                due = now + RESTART_PAUSE_NS;
            }
            if (!next || due < next)
                next = due;
        }
    }
    return next ? (int)((next - now + NS_PER_MS - 1) / NS_PER_MS) : -1;
}

/* Ends every worker: SIGTERM, SIGKILL after the grace time; returns by the deadline
 * whatever happens. Called with the signals blocked; waiting_mask lets SIGCHLD in. */
static void stop_workers(const sigset_t *waiting_mask)
{
    uint64_t start = clock_now_ns();
    bool killed = false;

    for (int i = 0; i < nworkers; i++)
        if (workers[i].pid)
            (void)kill(workers[i].pid, SIGTERM);
    for (;;) {
        int left = 0;
        for (int i = 0; i < nworkers; i++)
            left += workers[i].pid != 0;
        uint64_t now = clock_now_ns();
        if (left == 0 || now >= start + STOP_DEADLINE_NS) {
            if (left)
                fprintf(stderr, "echo-prefork: %d workers still exiting at the stop deadline\n",
                        left);
            return;
        }
        if (!killed && now >= start + STOP_GRACE_NS) {
            for (int i = 0; i < nworkers; i++)
                if (workers[i].pid)
                    (void)kill(workers[i].pid, SIGKILL);
            killed = true;
        }
        struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)(10 * NS_PER_MS)};
        (void)ppoll(NULL, 0, &ts, waiting_mask);
    }
}

static sigset_t prev_mask;    /* the mask before prefork_listening blocked the signals */
static sigset_t waiting_mask; /* the same, less SIGCHLD and the stop signals */

/* Waits (at most UP_WAIT_NS) for a byte from each of n workers on fd. Returns 0, or -1
 * when one died first or the time ran out. */
static int wait_workers_up(int fd, int n)
{
    uint64_t deadline = clock_now_ns() + UP_WAIT_NS;
    char buf[256];

    while (n > 0) {
        uint64_t now = clock_now_ns();
        if (now >= deadline)
            return -1;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int rc = poll(&p, 1, (int)((deadline - now) / NS_PER_MS) + 1);
        if (rc < 0 && errno != EINTR)
            return -1;
        if (rc <= 0)
            continue;
        ssize_t got = read(fd, buf, sizeof(buf) < (size_t)n ? sizeof(buf) : (size_t)n);
        if (got == 0)
            return -1; /* every write end closed: a worker died before it was up */
        if (got > 0)
            n -= (int)got;
    }
    return 0;
}

/* Before the ready line: forks the workers and waits until each has its loop set up,
 * so that a client (or bench, measuring memory) that reads the ready line finds the
 * whole tree in place. */
static int prefork_listening(int listenfd, const struct server_opts *opts)
{
    struct sigaction sa = {.sa_handler = on_sigchld, .sa_flags = SA_NOCLDSTOP};
    sigset_t block;
    int up[2] = {-1, -1}, started = 0;

    nworkers = opts->workers;
    workers = calloc((size_t)nworkers, sizeof(*workers));
    if (!workers) {
        fprintf(stderr, "echo-prefork: out of memory for %d workers\n", nworkers);
        return -1;
    }
    sigemptyset(&sa.sa_mask);
    nudge_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (nudge_fd < 0 || pipe2(up, O_CLOEXEC) < 0 || sigaction(SIGCHLD, &sa, NULL) < 0) {
        perror("echo-prefork: cannot set up");
        goto fail;
    }
    stats_set_workers(nworkers);
    /* The main flow runs with these blocked, and lets them in only inside ppoll:
     * no death or stop is missed between a check and the wait. */
    sigemptyset(&block);
    sigaddset(&block, SIGCHLD);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    mask_signals(SIG_BLOCK, &block, &prev_mask);
    waiting_mask = prev_mask;
    sigdelset(&waiting_mask, SIGCHLD);
    sigdelset(&waiting_mask, SIGTERM);
    sigdelset(&waiting_mask, SIGINT);

    up_fd = up[1]; /* inherited by the first workers only */
    up_read = up[0];
    for (; started < nworkers; started++) {
        if (start_worker(started, listenfd) < 0) {
            fprintf(stderr, "echo-prefork: cannot start worker %d of %d: %s\n", started + 1,
                    nworkers, strerror(errno));
            break;
        }
    }
    close(up[1]);
    up[1] = up_fd = -1;
    if (started == nworkers && wait_workers_up(up[0], nworkers) == 0) {
        close(up[0]);
        up_read = -1;
        return 0;
    }
    if (started == nworkers)
        fprintf(stderr, "echo-prefork: a worker did not come up\n");
    stop_workers(&waiting_mask);
    mask_signals(SIG_SETMASK, &prev_mask, NULL);
fail:
    for (int i = 0; i < 2; i++)
        if (up[i] >= 0)
            close(up[i]);
    up_read = -1;
    if (nudge_fd >= 0)
        close(nudge_fd);
    free(workers);
    workers = NULL;
    return -1;
}

static int prefork_run(int listenfd, const struct server_opts *opts)
{
    (void)opts;
    while (!server_stopping) {
        int wait_ms = restart_workers(listenfd);
        struct timespec ts = {.tv_sec = wait_ms / 1000,
                              .tv_nsec = (long)(wait_ms % 1000) * 1000000};
        (void)ppoll(NULL, 0, wait_ms < 0 ? NULL : &ts, &waiting_mask);
    }
    stop_workers(&waiting_mask);
    mask_signals(SIG_SETMASK, &prev_mask, NULL);
    close(nudge_fd);
    return 0;
}

const struct server_model model_prefork = {
    .name = "prefork",
    .summary = "Pre-forked workers: -n processes, each an epoll loop on the shared listener "
               "(EPOLLEXCLUSIVE).",
    .flags = MODEL_WORKERS | MODEL_NONBLOCK,
    .workers_are = "worker processes",
    .workers_per_cpu = 1,
    .listening = prefork_listening,
    .run = prefork_run,
};
