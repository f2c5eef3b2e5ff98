/* Cases of test_servers (the table is in test_servers.c) on whether a server's figures
 * and signals mean what they say: the counters match what a slow reader received, the
 * ready line comes once every worker is up, a killed server leaves nothing serving, a
 * pre-forked worker at its limit leaves clients to a sibling with room, --work-us
 * burns without a race, and the rejected count comes with its causes. */
#include "check.h"
#include "harness.h"
#include "procfs.h"
#include "server_cases.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- slow_reader: the counters match what a client that reads slowly received ---- */

/* Whether every task of pid and of its children is stopped (SIGSTOP). */
static bool tree_stopped(pid_t pid)
{
    pid_t procs[65];
    int n = 1 + proc_children(pid, procs + 1, 64);
    procs[0] = pid;
    for (int i = 0; i < n && i < 65; i++) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/task", (int)procs[i]);
        DIR *d = opendir(path);
        if (!d)
            return false;
        struct dirent *e;
        bool stopped = true;
        while (stopped && (e = readdir(d)) != NULL) {
            char stat[400], buf[512];
            if (e->d_name[0] < '0' || e->d_name[0] > '9')
                continue;
            snprintf(stat, sizeof(stat), "%s/%.255s/stat", path, e->d_name);
            const char *state = NULL;
            if (proc_read_small(stat, buf, sizeof(buf)) == 0 && (state = strrchr(buf, ')')))
                stopped = state[2] == 'T' || state[2] == 't';
        }
        closedir(d);
        if (!stopped)
            return false;
    }
    return true;
}

/* The bytes the server's end of the connection from client_port has yet to get
 * acknowledged (tx_queue of /proc/net/tcp), or -1 when it is not found. */
static long server_unsent(int port, int client_port)
{
    FILE *f = fopen("/proc/net/tcp", "r");
    char line[512];
    long unsent = -1;
    CHECK(f);
    while (fgets(line, sizeof(line), f)) {
        unsigned lport, rport, state;
        unsigned long tx;
        if (sscanf(line, " %*d: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%x %x %lx", &lport, &rport, &state,
                   &tx) == 4 &&
            (int)lport == port && (int)rport == client_port && state == 0x01)
            unsent = (long)tx;
    }
    fclose(f);
    return unsent;
}

/* Reads what fd has until nothing comes for wait_ms (or EOF, or an error), counting
 * bytes and newlines. Returns false at EOF or an error. */
static bool drain_counting(int fd, int wait_ms, uint64_t *bytes, uint64_t *lines)
{
    static char buf[65536];
    while (cli_readable(fd, wait_ms)) {
        ssize_t got = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (got < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (got <= 0)
            return false;
        *bytes += (uint64_t)got;
        for (ssize_t i = 0; i < got; i++)
            *lines += buf[i] == '\n';
    }
    return true;
}

void case_slow_reader(void)
{
    struct srv s;
    enum { LINE = 100 };
    static char lines[1000 * LINE];
    uint64_t sent = 0, bytes = 0, got_lines = 0;

    for (size_t i = 0; i < sizeof(lines); i++)
        lines[i] = i % LINE == LINE - 1 ? '\n' : 'r';
    srv_start_simple(&s, model, is("prefork") || is("reuseport") ? "-n 1" : NULL);
    /* A 4 KiB receive buffer, set before the connect so the window is that small. */
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), small = 4096;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s.port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)) == 0);
    CHECK(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "connect: %s", strerror(errno));
    struct sockaddr_in me;
    socklen_t melen = sizeof(me);
    CHECK(getsockname(fd, (struct sockaddr *)&me, &melen) == 0);
    /* Lines, never reading, until the flow stalls: the server's buffers and ours are
     * full, and the server waits to write the rest of a group of lines it read. */
    for (;;) {
        ssize_t put = send(fd, lines, sizeof(lines), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (put > 0) {
            sent += (uint64_t)put;
            CHECK(sent < (64u << 20), "64 MiB sent to a client that does not read");
            continue;
        }
        CHECK(put < 0 && (errno == EAGAIN || errno == EINTR), "send: %s", strerror(errno));
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        if (poll(&p, 1, 500) == 0)
            break;
    }
    /* Frozen, so it writes no more, while the client takes everything it wrote. */
    CHECK(kill(-s.pid, SIGSTOP) == 0);
    for (double end = now_s() + 10; !tree_stopped(s.pid) && now_s() < end;)
        usleep(5 * 1000);
    CHECK(tree_stopped(s.pid), "the server did not stop");
    int port = ntohs(me.sin_port);
    for (double end = now_s() + 20; now_s() < end;) {
        drain_counting(fd, 200, &bytes, &got_lines);
        if (server_unsent(s.port, port) == 0 && !cli_readable(fd, 200))
            break;
    }
    CHECK(server_unsent(s.port, port) == 0, "the server's socket still holds %ld bytes",
          server_unsent(s.port, port));
    /* The stop, seen first thing when it runs again; then whatever else comes. */
    CHECK(kill(-s.pid, SIGTERM) == 0 && kill(-s.pid, SIGCONT) == 0);
    while (drain_counting(fd, 3000, &bytes, &got_lines))
        ;
    close(fd);
    json_t *st = srv_stop_sig(&s, 0, NULL);
    CHECK(got_lines > 100, "only %lu lines came back", (unsigned long)got_lines);
    fprintf(stderr,
            "the client received %lu complete lines (%lu bytes); requests %lu, bytes_out %lu\n",
            (unsigned long)got_lines, (unsigned long)bytes, (unsigned long)stat_u64(st, "requests"),
            (unsigned long)stat_u64(st, "bytes_out"));
    CHECK(stat_u64(st, "requests") == got_lines && stat_u64(st, "bytes_out") == got_lines * LINE,
          "requests %lu, bytes_out %lu; the client received %lu complete lines (%lu bytes)",
          (unsigned long)stat_u64(st, "requests"), (unsigned long)stat_u64(st, "bytes_out"),
          (unsigned long)got_lines, (unsigned long)bytes);
    json_decref(st);
}

/* ---- work_threads: --work-us with clients at once (a race here is TSan's to see) ---- */

struct work_job {
    int port;
    int lines;
};

static void *work_client(void *arg)
{
    struct work_job *job = arg;
    int fd = cli_connect(job->port);
    for (int i = 0; i < job->lines; i++)
        cli_echo(fd, "burning\n");
    close(fd);
    return NULL;
}

void case_work_threads(void)
{
    struct srv s;
    enum { CLIENTS = 4, LINES = 50 };
    pthread_t tids[CLIENTS];
    struct work_job job = {.lines = LINES};
    int n = is("iterative") ? 1 : CLIENTS;

    /* Workers enough that all four burn at once. */
    srv_start_simple(&s, model,
                     is("threadpool") || is("prefork") || is("reuseport") ? "-n 4 --work-us 200"
                                                                          : "--work-us 200");
    job.port = s.port;
    for (int i = 0; i < n; i++)
        CHECK(pthread_create(&tids[i], NULL, work_client, &job) == 0);
    for (int i = 0; i < n; i++)
        pthread_join(tids[i], NULL);
    /* srv_stop checks the exit status: a sanitizer's report makes it 66. */
    json_t *st = srv_stop(&s);
    CHECK(stat_u64(st, "requests") == (uint64_t)(n * LINES));
    json_decref(st);
}

/* ---- sigkill: a server killed without its stop leaves no flow serving ---- */

/* Processes of process group pgid that are not zombies. */
static int live_in_group(pid_t pgid)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    int n = 0;
    CHECK(d);
    while ((e = readdir(d)) != NULL) {
        char path[300], buf[512];
        char state;
        int group;
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof(path), "/proc/%.255s/stat", e->d_name);
        const char *after = NULL; /* the command may hold spaces: parse after its ')' */
        if (proc_read_small(path, buf, sizeof(buf)) == 0 && (after = strrchr(buf, ')')) &&
            sscanf(after + 1, " %c %*d %d", &state, &group) == 2 && group == (int)pgid)
            n += state != 'Z';
    }
    closedir(d);
    return n;
}

void case_sigkill(void)
{
    struct srv s;
    enum { CLIENTS = 4 };
    int fds[CLIENTS], n = is("iterative") ? 1 : CLIENTS;

    srv_start_simple(&s, model, NULL);
    for (int i = 0; i < n; i++) {
        fds[i] = cli_connect(s.port);
        cli_echo(fds[i], "about to lose my server\n");
    }
    CHECK(kill(s.pid, SIGKILL) == 0); /* the server alone: not its process group */
    CHECK(waitpid(s.pid, NULL, 0) == s.pid);
    close(s.out);
    /* Each client sees its connection end: nothing of the server goes on serving it. */
    for (int i = 0; i < n; i++) {
        CHECK(cli_drain_until_closed(fds[i], 3000) >= 0, "client %d still connected", i);
        close(fds[i]);
    }
    /* And no process of the server lives on, reparented (its process group): a zombie
     * waiting for init to reap it is no longer running. */
    int alive = 0;
    for (double end = now_s() + 5; now_s() < end; usleep(10 * 1000))
        if ((alive = live_in_group(s.pid)) == 0)
            break;
    CHECK(alive == 0, "%d processes of %s outlived it", alive, s.name);
}

/* ---- workers_ready: every worker is up when the ready line is ---- */

void case_workers_ready(void)
{
    struct srv s;
    enum { N = 16 };

    srv_start_simple(&s, model, "-n 16");
    /* At once, before anything else: the ready line must mean ready. A sanitizer's own
     * thread may come on top of the server's threads. */
    if (is("prefork")) {
        int children = proc_child_count(s.pid, NULL);
        CHECK(children == N, "%d workers at the ready line, not %d", children, N);
    } else {
        int threads = proc_thread_count(s.pid), want = is("threadpool") ? N + 1 : N;
        CHECK(threads >= want, "%d threads at the ready line, not %d", threads, want);
    }
    int fd = cli_connect(s.port);
    cli_echo(fd, "ready\n");
    close(fd);
    json_decref(srv_stop(&s));
}

/* ---- prefork_emfile: a worker at its limit leaves clients to a sibling with room ---- */

void case_prefork_emfile(void)
{
    struct srv s;
    enum { CLIENTS = 100 };
    int fds[CLIENTS];
    const char *args[] = {"-n", "2", "0", NULL};

    raise_nofile();
    /* 64 descriptors each: about 58 connections a worker, 116 the two together. */
    srv_start(&s, model, args, &(struct srv_env){.nofile = 64});
    /* One at a time, so the kernel wakes the same idle worker for each, until it is
     * full: then the other must take them. */
    for (int i = 0; i < CLIENTS; i++) {
        fds[i] = cli_connect(s.port);
        char line[64];
        snprintf(line, sizeof(line), "client %d\n", i);
        cli_echo(fds[i], line);
    }
    int max_one = 0, total = proc_tree_fd_count(s.pid, &max_one);
    for (int i = 0; i < CLIENTS; i++)
        close(fds[i]);
    json_t *st = srv_stop(&s);
    CHECK(stat_u64(st, "rejected") == 0, "%lu clients rejected with a worker that had room",
          (unsigned long)stat_u64(st, "rejected"));
    CHECK(stat_u64(st, "max_concurrent") == CLIENTS,
          "max_concurrent %lu (descriptors %d, %d in "
          "one process)",
          (unsigned long)stat_u64(st, "max_concurrent"), total, max_one);
    json_decref(st);
}

/* ---- rejected_for: the stats line says why each rejected connection was ---- */

/* The causes of the stats line's rejected_for, in its order. */
static const char *const reject_causes[] = {"emfile", "enfile", "fd_setsize",
                                            "eagain", "enomem", "other"};

uint64_t rejected_for(json_t *stats, const char *cause)
{
    json_t *v = json_object_get(json_object_get(stats, "rejected_for"), cause);
    CHECK(json_is_integer(v), "no rejected_for.%s in the stats line", cause);
    return (uint64_t)json_integer_value(v);
}

void check_rejected_for(json_t *stats)
{
    json_t *why = json_object_get(stats, "rejected_for");
    CHECK(json_is_object(why), "the stats line has no rejected_for object");
    size_t n = sizeof(reject_causes) / sizeof(reject_causes[0]);
    CHECK(json_object_size(why) == n, "rejected_for has %zu keys, not %zu", json_object_size(why),
          n);
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += rejected_for(stats, reject_causes[i]);
    CHECK(sum == stat_u64(stats, "rejected"), "rejected_for sums to %lu, rejected is %lu",
          (unsigned long)sum, (unsigned long)stat_u64(stats, "rejected"));
}

void case_rejected_for(void)
{
    struct srv s;

    srv_start_simple(&s, model, NULL);
    cli_echo_eventually(s.port, "nothing rejected\n", 5.0);
    json_t *st = srv_stop(&s);
    check_rejected_for(st);
    CHECK(stat_u64(st, "rejected") == 0, "rejected %lu of one client",
          (unsigned long)stat_u64(st, "rejected"));
    json_decref(st);
}
