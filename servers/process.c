/* echo-process: a process per connection.
 *
 * The parent accepts and forks; the child serves its one client and exits. The parent
 * closes its copy of the connected descriptor and the child its copy of the listener
 * (both important!). SIGCHLD reaps every child that has exited. The counters live in
 * shared memory (stats.c): a child's memory is its own, so sharing needs IPC.
 *
 * --pitfall no-reap and no-close leave out the reaping and the parent's close, as the
 * lecture warns (docs/servers.md says what each costs). */
#include "clock.h"
#include "net.h"
#include "proto.h"
#include "server.h"
#include "stats.h"

#include <assert.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define STOP_GRACE_NS    (1300 * NS_PER_MS) /* SIGTERM, then SIGKILL */
#define STOP_DEADLINE_NS (1800 * NS_PER_MS) /* then return, reaped or not */

/* The live children, for the stop. The main flow changes the table only with SIGCHLD
 * blocked; the handler removes what it reaps. So the two never interleave, as in
 * CS:APP's shell with its job list. */
static pid_t *children;
static size_t child_count;
static size_t child_cap;

static void children_remove(pid_t pid)
{
    for (size_t i = 0; i < child_count; i++) {
        if (children[i] == pid) {
            children[i] = children[--child_count];
            return;
        }
    }
}

/* Reaps every child that has exited: one SIGCHLD may stand for several, since pending
 * signals are not queued. Saves errno; calls only async-signal-safe functions. */
static void on_sigchld(int sig)
{
    int saved = errno;
    pid_t pid;
    (void)sig;

    while ((pid = waitpid(-1, NULL, WNOHANG)) > 0) {
        children_remove(pid);
        stats_conn_close();
    }
    errno = saved;
}

/* Makes room for one more child, with SIGCHLD blocked. Returns 0 or -1 (ENOMEM). */
static int children_reserve(void)
{
    if (child_count < child_cap)
        return 0;
    size_t cap = child_cap ? 2 * child_cap : 64;
    pid_t *p = realloc(children, cap * sizeof(*p));
    if (!p)
        return -1;
    children = p;
    child_cap = cap;
    return 0;
}

/* sigprocmask with valid arguments cannot fail; were it to, the table and the handler
 * could interleave, so that is checked as an invariant. */
static void mask_signals(int how, const sigset_t *set, sigset_t *old)
{
    int rc = sigprocmask(how, set, old);
    assert(rc == 0);
    (void)rc;
}

/* In the child: serve the one client, then exit. Never returns. */
static void child_serve(int listenfd, int reserve, int connfd, pid_t parent)
{
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    sigset_t none;

    /* The parent's SIGCHLD handler is not the child's. SIGTERM keeps the stop handler,
     * watching this one connection instead of the listener: it shuts the connection
     * down, so a blocked read ends, and an echo already written is still counted
     * (SIGTERM's default action could end the child between the two). The stop
     * signals stay blocked, as around the fork, until the watch is set. */
    sigemptyset(&dfl.sa_mask);
    sigemptyset(&none);
    if (sigaction(SIGCHLD, &dfl, NULL) < 0 || prctl(PR_SET_PDEATHSIG, SIGTERM) < 0)
        _exit(1); /* cannot serve safely; the client sees its connection close */
    /* A child dies with its parent, as prefork's workers do: a parent killed without
     * its stop (SIGKILL) sends it SIGTERM, the stop, so an echo already written is
     * still counted. A parent that died before PDEATHSIG was set sends nothing: the
     * child stops itself, through the same handler once the signals are let in. */
    if (getppid() != parent)
        raise(SIGTERM);
    server_forget_listeners();
    close(listenfd); /* the listener is the parent's (important!) */
    if (reserve >= 0)
        close(reserve);
    server_watch_fd(connfd);
    mask_signals(SIG_SETMASK, &none, NULL);

    stats_use_shard((unsigned)getpid());
    proto_echo(connfd);
    close(connfd);
    _exit(0); /* not exit(): stdio buffers and atexit work belong to the parent */
}

/* Ends every child: SIGTERM, then SIGKILL for any still there after the grace time,
 * reaping them as they go. Called with SIGCHLD blocked. Returns by STOP_DEADLINE_NS,
 * whatever happens: thousands of children can take the kernel seconds to tear down
 * (their page tables), longer than the stop may take. The few left then are already
 * killed; they are no longer reaped here (SIGCHLD is ignored, so the kernel reaps them)
 * and, once this process exits, belong to init or to a subreaper such as bench. */
static void stop_children(const sigset_t *waiting_mask)
{
    uint64_t start = clock_now_ns();
    bool killed = false;

    for (size_t i = 0; i < child_count; i++)
        (void)kill(children[i], SIGTERM); /* ESRCH: exited, not reaped yet */
    while (child_count > 0) {
        uint64_t now = clock_now_ns();
        if (!killed && now >= start + STOP_GRACE_NS) {
            for (size_t i = 0; i < child_count; i++)
                (void)kill(children[i], SIGKILL);
            killed = true;
        }
        if (now >= start + STOP_DEADLINE_NS)
            break;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)(10 * NS_PER_MS)};
        /* SIGCHLD is let in only inside ppoll, atomically: no reap is missed. It
         * returns on the signal (EINTR) or the timeout; both mean look again. */
        (void)ppoll(NULL, 0, &ts, waiting_mask);
    }
    if (child_count > 0) {
        struct sigaction ign = {.sa_handler = SIG_IGN};
        sigemptyset(&ign.sa_mask);
        sigaction(SIGCHLD, &ign, NULL); /* the handler's table is about to be freed */
        fprintf(stderr, "echo-process: %zu children still exiting at the stop deadline\n",
                child_count);
    }
}

static int process_run(int listenfd, const struct server_opts *opts)
{
    struct sigaction sa = {.sa_handler = on_sigchld, .sa_flags = SA_NOCLDSTOP};
    sigset_t block, prev;
    int reserve = net_reserve_open();
    int rc = 0;
    /* The pitfalls: SIGCHLD left at its default, so each child stays a zombie; the
     * parent's copy of each connection kept open. */
    bool no_reap = opts->pitfall && strcmp(opts->pitfall, "no-reap") == 0;
    bool no_close = opts->pitfall && strcmp(opts->pitfall, "no-close") == 0;

    sigemptyset(&sa.sa_mask);
    if (!no_reap && sigaction(SIGCHLD, &sa, NULL) < 0) {
        perror("echo-process: sigaction");
        return -1;
    }
    /* Around fork: SIGCHLD, so a child cannot be reaped before it is in the table; the
     * stop signals, so the child cannot run the handler before it watches its own
     * connection instead of the parent's listener. */
    sigemptyset(&block);
    sigaddset(&block, SIGCHLD);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);

    while (!server_stopping) {
        int connfd = server_accept(listenfd, &reserve);
        if (connfd < 0) {
            rc = server_stopping ? 0 : -1;
            break;
        }
        mask_signals(SIG_BLOCK, &block, &prev);
        pid_t parent = getpid();
        pid_t pid = children_reserve() == 0 ? fork() : -1;
        if (pid == 0)
            child_serve(listenfd, reserve, connfd, parent);
        if (pid < 0) {
            /* EAGAIN (RLIMIT_NPROC, pid_max, threads-max), ENOMEM: this client only */
            stats_reject(stats_reject_cause(errno));
        } else {
            children[child_count++] = pid;
            stats_conn_open();
        }
        mask_signals(SIG_SETMASK, &prev, NULL);
        if (!no_close)
            close(connfd); /* the child has its own copy (important!) */
    }

    mask_signals(SIG_BLOCK, &block, &prev);
    if (no_reap) {
        /* The stop reaps what serving never did: the zombies at once, the rest as they
         * exit. SIGCHLD stays blocked until stop_children lets it in. */
        if (sigaction(SIGCHLD, &sa, NULL) == 0)
            on_sigchld(SIGCHLD);
    }
    sigset_t waiting = prev;
    sigdelset(&waiting, SIGCHLD);
    stop_children(&waiting);
    mask_signals(SIG_SETMASK, &prev, NULL);
    free(children);
    if (reserve >= 0)
        close(reserve);
    return rc;
}

const struct server_model model_process = {
    .name = "process",
    .summary = "Process per connection: forks a child to serve each client; reaps on SIGCHLD.",
    .pitfalls =
        (const struct server_pitfall[]){
            {"no-reap", "never reaps a child: a zombie per client served, until fork fails at "
                        "the process limit"},
            {"no-close", "keeps its copy of each connection: a descriptor per client served, a "
                         "connection its child ends stays open, the descriptor limit sheds "
                         "every client after"},
            {NULL, NULL},
        },
    .run = process_run,
};
