/* Cases of test_servers (the table is in test_servers.c) that belong to one model
 * each: the thread pool's starvation behind idle clients, prefork restarting a dead
 * worker, reuseport's listeners and threads, and uring where io_uring is missing. */
#include "check.h"
#include "harness.h"
#include "procfs.h"
#include "server_cases.h"

#include <dirent.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- threadpool_starves: as many idle clients as workers stop the pool ---- */

void case_threadpool_starves(void)
{
    struct srv s;
    const char line[] = "behind two idle clients\n";
    char back[sizeof(line)];

    srv_start_simple(&s, model, "-n 2");
    int idle1 = cli_connect(s.port), idle2 = cli_connect(s.port);
    usleep(100 * 1000); /* each has a worker now, blocked reading it */
    int c = cli_connect(s.port);
    cli_send(c, line, sizeof(line) - 1);
    CHECK(!cli_readable(c, 700), "served with both workers held by idle clients");
    close(idle1); /* a worker is free: it takes the queued client */
    CHECK(cli_readable(c, 3000), "not served once a worker was free");
    cli_recv(c, back, sizeof(line) - 1);
    CHECK(memcmp(back, line, sizeof(line) - 1) == 0);
    close(c);
    close(idle2);
    json_t *st = srv_stop(&s);
    /* Held at once: two served, one queued. */
    CHECK(stat_u64(st, "max_concurrent") == 3, "max_concurrent %lu",
          (unsigned long)stat_u64(st, "max_concurrent"));
    json_decref(st);
}

/* ---- prefork_restart: a worker that dies is replaced; the rest serve on ---- */

/* Waits up to 5 s for pid's children to be n, none of them in old (NULL: any). */
static int wait_workers(pid_t pid, int n, const pid_t *old, int nold, pid_t *now)
{
    int got = 0;
    for (double end = now_s() + 5; now_s() < end; usleep(20 * 1000)) {
        got = proc_children(pid, now, 64);
        bool fresh = true;
        for (int i = 0; i < got && i < 64; i++)
            for (int k = 0; k < nold; k++)
                fresh &= now[i] != old[k];
        if (got == n && fresh)
            break;
    }
    return got;
}

void case_prefork_restart(void)
{
    struct srv s;
    pid_t first[64], second[64];
    int fds[10];

    srv_start_simple(&s, model, "-n 1");
    CHECK(wait_workers(s.pid, 1, NULL, 0, first) == 1, "not one worker");
    for (int i = 0; i < 10; i++) {
        fds[i] = cli_connect(s.port);
        cli_echo(fds[i], "held by the first worker\n");
    }
    /* The worker dies holding ten connections: they end, the server does not. (A
     * moment first: a worker counts an echo just after it writes it.) */
    usleep(200 * 1000);
    CHECK(kill(first[0], SIGKILL) == 0);
    for (int i = 0; i < 10; i++) {
        CHECK(cli_drain_until_closed(fds[i], 3000) >= 0, "connection %d outlived its worker", i);
        close(fds[i]);
    }
    CHECK(wait_workers(s.pid, 1, first, 1, second) == 1, "the dead worker was not replaced");
    for (int i = 0; i < 5; i++) {
        fds[i] = cli_connect(s.port);
        cli_echo(fds[i], "served by the new worker\n");
    }
    for (int i = 0; i < 5; i++)
        close(fds[i]);
    json_t *st = srv_stop(&s);
    /* The dead worker's ten were taken off the count: at most ten at once, not 15. */
    CHECK(stat_u64(st, "max_concurrent") == 10, "max_concurrent %lu",
          (unsigned long)stat_u64(st, "max_concurrent"));
    CHECK(stat_u64(st, "accepted") == 15 && stat_u64(st, "requests") == 15,
          "accepted %lu, requests %lu, not 15", (unsigned long)stat_u64(st, "accepted"),
          (unsigned long)stat_u64(st, "requests"));
    json_decref(st);
    /* The stop ended the workers too: none is left, reparented. */
    CHECK(kill(second[0], 0) < 0 && errno == ESRCH, "worker %d outlived the server",
          (int)second[0]);

    /* Several workers: all up, each a process, and a stop ends them all. */
    srv_start_simple(&s, model, "-n 4");
    int n = wait_workers(s.pid, 4, NULL, 0, first);
    CHECK(n == 4, "%d workers, not 4", n);
    for (int i = 0; i < 10; i++) {
        fds[i] = cli_connect(s.port);
        cli_echo(fds[i], "one of four\n");
    }
    for (int i = 0; i < 10; i++)
        close(fds[i]);
    json_decref(srv_stop(&s));
    for (int i = 0; i < 4; i++)
        CHECK(kill(first[i], 0) < 0 && errno == ESRCH, "worker %d outlived the server",
              (int)first[i]);
}

/* ---- reuseport_spread: a thread and a listener per worker, all of them served ---- */

int listeners_on(pid_t pid, int port, unsigned *queued)
{
    static const char *const tables[] = {"tcp", "tcp6"};
    int n = 0;
    for (size_t t = 0; t < 2; t++) {
        char path[64], line[512];
        snprintf(path, sizeof(path), "/proc/%d/net/%s", (int)pid, tables[t]);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        while (fgets(line, sizeof(line), f)) {
            unsigned lport, state, rx;
            /* A listener's rx_queue is its accept queue's length. */
            if (sscanf(line, " %*d: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x %*x:%x", &lport, &state,
                       &rx) == 3 &&
                (int)lport == port && state == 0x0A) { /* TCP_LISTEN */
                n++;
                if (queued)
                    *queued += rx;
            }
        }
        fclose(f);
    }
    return n;
}

/* How many times each of pid's threads has been scheduled (the third figure of
 * /proc/PID/task/TID/schedstat), by thread id into tids/runs; returns the count. */
static int thread_runs(pid_t pid, long *tids, unsigned long long *runs, int max)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    CHECK(d, "%s", path);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < max) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        char stat[300], buf[128];
        snprintf(stat, sizeof(stat), "/proc/%d/task/%.255s/schedstat", (int)pid, e->d_name);
        if (proc_read_small(stat, buf, sizeof(buf)) == 0 &&
            sscanf(buf, "%*s %*s %llu", &runs[n]) == 1)
            tids[n++] = atol(e->d_name);
    }
    closedir(d);
    return n;
}

/* Threads of pid blocked in an epoll wait (from /proc/PID/task/TID/syscall: its
 * number first; epoll_wait, epoll_pwait and epoll_pwait2 on x86-64 and arm64). */
static int threads_in_epoll(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    CHECK(d, "%s", path);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char sys[400], buf[256];
        long nr;
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        snprintf(sys, sizeof(sys), "%s/%.255s/syscall", path, e->d_name);
        if (proc_read_small(sys, buf, sizeof(buf)) == 0 && sscanf(buf, "%ld", &nr) == 1)
            n += nr == SYS_epoll_pwait || nr == SYS_epoll_pwait2
#ifdef SYS_epoll_wait
                 || nr == SYS_epoll_wait
#endif
                ;
    }
    closedir(d);
    return n;
}

void case_reuseport_spread(void)
{
    struct srv s;
    enum { CONNS = 64 };
    int fds[CONNS];

    srv_start_simple(&s, model, "-n 1");
    CHECK(listeners_on(s.pid, s.port, NULL) == 1, "%d listeners with -n 1",
          listeners_on(s.pid, s.port, NULL));
    json_decref(srv_stop(&s));

    /* The server's own threads: those waiting in epoll. A sanitizer's thread (TSan
     * starts one with the first pthread_create) sleeps elsewhere, and is not one. */
    srv_start_simple(&s, model, "-n 4");
    int loops = 0;
    for (double end = now_s() + 5; now_s() < end; usleep(10 * 1000))
        if ((loops = threads_in_epoll(s.pid)) == 4)
            break;
    CHECK(loops == 4, "%d threads wait in epoll with -n 4 (%d threads in all)", loops,
          proc_thread_count(s.pid));
    CHECK(listeners_on(s.pid, s.port, NULL) == 4, "%d listeners on the port, not 4",
          listeners_on(s.pid, s.port, NULL));
    /* Whichever listener the kernel hashes each to, every one is served; and more than
     * one thread did the serving (a thread with no client sleeps in epoll_wait, never
     * scheduled; all 64 hashed to one of 4 listeners is a chance of 4^-63). */
    long tids[64], tids_after[64];
    unsigned long long runs[64], runs_after[64];
    int nt = thread_runs(s.pid, tids, runs, 64);
    for (int i = 0; i < CONNS; i++)
        fds[i] = cli_connect(s.port);
    for (int i = 0; i < CONNS; i++)
        cli_echo(fds[i], "wherever the hash put me\n");
    int nt_after = thread_runs(s.pid, tids_after, runs_after, 64), busy = 0;
    for (int i = 0; i < nt_after; i++)
        for (int k = 0; k < nt; k++)
            busy += tids_after[i] == tids[k] && runs_after[i] >= runs[k] + 4;
    CHECK(busy >= 2, "%d of the threads served the 64 clients", busy);
    for (int i = 0; i < CONNS; i++)
        close(fds[i]);
    json_t *st = srv_stop(&s);
    CHECK(stat_u64(st, "accepted") == CONNS && stat_u64(st, "max_concurrent") == CONNS);
    json_decref(st);
}

/* ---- uring_unavailable: without io_uring, a clear message and exit 69 ---- */

/* In the child: io_uring_setup fails with ENOSYS, as on a kernel without io_uring. */
static void deny_io_uring(void)
{
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {.len = sizeof(filter) / sizeof(filter[0]), .filter = filter};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
        _exit(126);
}

void case_uring_unavailable(void)
{
    char err[2048], out[4096];
    const char *args[] = {"0", NULL};
    int rc = run_capture_with(args, err, sizeof(err), out, sizeof(out), deny_io_uring);
    CHECK(rc != 126, "cannot install the seccomp filter here");
    CHECK(rc == 69, "exit %d, not 69 (unavailable): %s", rc, err);
    CHECK(strstr(err, "io_uring is not available"), "stderr: %s", err);
    CHECK(!strstr(out, "listening on"), "printed a ready line: %s", out);
}
