/* Integration tests of the server models, one case per ctest entry:
 *
 *     test_servers MODEL CASE
 *
 * Each case starts build/bin/echo-MODEL on a free port, drives it through real
 * sockets, and asserts what a user relies on: exact echoes, counters that match, no
 * zombie and no leaked descriptor or thread, a server that survives abuse and stops
 * on time. */
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
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_LINE 65536

const char *model;

bool is(const char *name)
{
    return strcmp(model, name) == 0;
}

/* ---- echo: concurrent clients, random lines, random splits ---- */

struct echo_job {
    int port;
    int index;
    int batches;
    uint64_t lines;
    uint64_t bytes;
};

#define BATCH_MAX (16 * 3000 + MAX_LINE)

static void *echo_client(void *arg)
{
    struct echo_job *job = arg;
    uint64_t rs = 0x5eed0000u + (uint64_t)job->index;
    char *batch = malloc(BATCH_MAX), *back = malloc(BATCH_MAX);
    CHECK(batch && back);
    int fd = cli_connect(job->port);

    for (int b = 0; b < job->batches; b++) {
        size_t len = 0;
        int lines = 0;
        if (b == job->batches / 2 && job->index % 3 == 0) {
            random_line(&rs, batch, MAX_LINE); /* exactly the limit: must be echoed */
            len = MAX_LINE;
            lines = 1;
        } else {
            int want = 1 + (int)rnd_below(&rs, 16);
            for (; lines < want; lines++) {
                size_t n = 1 + rnd_below(&rs, rnd_below(&rs, 2) ? 64 : 3000);
                random_line(&rs, batch + len, n);
                len += n;
            }
        }
        int how = len <= 600 && rnd_below(&rs, 3) == 0 ? 1 : (int)rnd_below(&rs, 3) * 2;
        send_split(fd, &rs, batch, len, how > 2 ? 2 : how);
        cli_recv(fd, back, len);
        CHECK(memcmp(batch, back, len) == 0, "client %d batch %d: the echo differs", job->index, b);
        job->lines += (uint64_t)lines;
        job->bytes += len;
    }
    close(fd);
    free(batch);
    free(back);
    return NULL;
}

static void case_echo(void)
{
    struct srv s;
    int n = is("iterative") ? 6 : 24;
    struct echo_job jobs[24];
    pthread_t tids[24];
    uint64_t lines = 0, bytes = 0;

    srv_start_simple(&s, model, NULL);
    for (int i = 0; i < n; i++) {
        jobs[i] = (struct echo_job){.port = s.port, .index = i, .batches = 20};
        CHECK(pthread_create(&tids[i], NULL, echo_client, &jobs[i]) == 0);
    }
    for (int i = 0; i < n; i++) {
        pthread_join(tids[i], NULL);
        lines += jobs[i].lines;
        bytes += jobs[i].bytes;
    }
    json_t *st = srv_stop(&s);
    CHECK(stat_u64(st, "requests") == lines, "requests %lu, lines sent %lu",
          (unsigned long)stat_u64(st, "requests"), (unsigned long)lines);
    CHECK(stat_u64(st, "bytes_in") == bytes && stat_u64(st, "bytes_out") == bytes,
          "bytes in %lu out %lu, sent %lu", (unsigned long)stat_u64(st, "bytes_in"),
          (unsigned long)stat_u64(st, "bytes_out"), (unsigned long)bytes);
    CHECK(stat_u64(st, "accepted") == (uint64_t)n);
    CHECK(stat_u64(st, "errors") == 0 && stat_u64(st, "rejected") == 0);
    CHECK(stat_u64(st, "max_concurrent") >= 1 && stat_u64(st, "max_concurrent") <= (uint64_t)n);
    if (is("iterative"))
        CHECK(stat_u64(st, "max_concurrent") == 1, "an iterative server serves one at a time");
    json_decref(st);
}

/* ---- pipelined: one client writing 4 MiB of lines while it reads the echoes ---- */

struct pipe_job {
    int fd;
    const char *buf;
    size_t len;
};

static void *pipe_writer(void *arg)
{
    struct pipe_job *job = arg;
    uint64_t rs = 42;
    send_split(job->fd, &rs, job->buf, job->len, 2);
    return NULL;
}

static void case_pipelined(void)
{
    struct srv s;
    size_t cap = 4u << 20, len = 0;
    uint64_t rs = 7, lines = 0;
    char *buf = malloc(cap), *back = malloc(cap);
    CHECK(buf && back);
    while (len < cap - 2000) {
        size_t n = 1 + rnd_below(&rs, 2000);
        random_line(&rs, buf + len, n);
        len += n;
        lines++;
    }

    srv_start_simple(&s, model, NULL);
    struct pipe_job job = {.fd = cli_connect(s.port), .buf = buf, .len = len};
    pthread_t writer;
    CHECK(pthread_create(&writer, NULL, pipe_writer, &job) == 0);
    cli_recv(job.fd, back, len);
    pthread_join(writer, NULL);
    CHECK(memcmp(buf, back, len) == 0, "the pipelined echo differs");
    close(job.fd);
    json_t *st = srv_stop(&s);
    CHECK(stat_u64(st, "requests") == lines);
    CHECK(stat_u64(st, "bytes_out") == len);
    json_decref(st);
    free(buf);
    free(back);
}

/* ---- no_leaks: hundreds of connections leave no fd, thread, child or zombie ---- */

static void case_no_leaks(void)
{
    struct srv s;
    int fds[20];
    char line[64];

    srv_start_simple(&s, model, NULL);
    /* A first connection, so that whatever a runtime starts once (a sanitizer's
     * background thread) is in the baseline. */
    int first = cli_connect(s.port);
    cli_echo(first, "warming up\n");
    close(first);
    /* A pre-forked server's workers are children that stay, and hold the
     * connections: their descriptors count with the parent's. */
    int base_fds = -1, base_threads = -1, base_children = is("prefork") ? -1 : 0;
    for (double end = now_s() + 5; now_s() < end; usleep(50 * 1000)) {
        int nfds = proc_tree_fd_count(s.pid, NULL), threads = proc_thread_count(s.pid);
        int children = proc_child_count(s.pid, NULL);
        if (nfds == base_fds && threads == base_threads &&
            (is("prefork") ? children == base_children : children == 0))
            break; /* settled: the same twice over, and a process server's child gone */
        base_fds = nfds;
        base_threads = threads;
        if (is("prefork"))
            base_children = children;
    }
    for (int group = 0; group < 15; group++) {
        for (int i = 0; i < 20; i++)
            fds[i] = cli_connect(s.port);
        /* One at a time, in order, so an iterative server gets through them too. */
        for (int i = 0; i < 20; i++) {
            snprintf(line, sizeof(line), "connection %d of group %d\n", i, group);
            cli_echo(fds[i], line);
            if (i % 5 == 4)
                cli_reset(fds[i]);
            else
                close(fds[i]);
        }
    }
    int nfds = 0, threads = 0, children = 0, zombies = 0;
    for (double end = now_s() + 5; now_s() < end; usleep(20 * 1000)) {
        nfds = proc_tree_fd_count(s.pid, NULL);
        threads = proc_thread_count(s.pid);
        children = proc_child_count(s.pid, &zombies);
        if (nfds == base_fds && threads == base_threads && children == base_children)
            break;
    }
    CHECK(nfds == base_fds, "%d descriptors open, %d before: leaked", nfds, base_fds);
    CHECK(threads == base_threads, "%d threads, %d before", threads, base_threads);
    CHECK(children == base_children && zombies == 0, "%d children (%d before), %d of them zombies",
          children, base_children, zombies);
    json_t *st = srv_stop(&s);
    CHECK(stat_u64(st, "accepted") == 301 && stat_u64(st, "requests") == 301);
    json_decref(st);
}

/* ---- sigterm / sigint: stop within 2 s whatever the clients are doing ---- */

struct streamer {
    int port;
    atomic_int echoes;
    atomic_bool ended;
};

static void *stream_client(void *arg)
{
    struct streamer *st = arg;
    int fd = cli_connect(st->port);
    char line[] = "streaming along until the server stops\n", back[sizeof(line)];
    for (;;) {
        if (send(fd, line, sizeof(line) - 1, MSG_NOSIGNAL) <= 0)
            break;
        if (recv(fd, back, sizeof(line) - 1, MSG_WAITALL) <= 0)
            break;
        atomic_fetch_add(&st->echoes, 1);
    }
    close(fd);
    atomic_store(&st->ended, true);
    return NULL;
}

static void stop_case(int sig, int idle)
{
    struct srv s;
    int fds[64];
    struct streamer streamers[2];
    pthread_t tids[2];
    int nstream = is("iterative") ? 0 : 2;

    /* A pool as large as the clients: here the stop is under test, not the pool's
     * starvation behind idle clients (threadpool_starves). */
    srv_start_simple(&s, model, is("threadpool") ? "-n 64" : NULL);
    for (int i = 0; i < idle; i++)
        fds[i] = cli_connect(s.port);
    int half = cli_connect(s.port);
    cli_send(half, "half a li", 9);
    for (int i = 0; i < nstream; i++) {
        streamers[i] = (struct streamer){.port = s.port};
        CHECK(pthread_create(&tids[i], NULL, stream_client, &streamers[i]) == 0);
    }
    /* Stop only once the streamers are in full flow (a slow server under a
     * sanitizer forks for a while first). */
    int flowing = 0;
    for (double end = now_s() + 20; flowing < nstream && now_s() < end; usleep(10 * 1000)) {
        flowing = 0;
        for (int i = 0; i < nstream; i++)
            flowing += atomic_load(&streamers[i].echoes) > 0;
    }
    CHECK(flowing == nstream, "the streaming clients were not served within 20 s");
    /* And one that writes without reading: the server's sends to it block or fail. */
    int hog = cli_connect(s.port);
    static char lines[256 * 1024];
    memset(lines, 'h', sizeof(lines));
    for (size_t i = 99; i < sizeof(lines); i += 100)
        lines[i] = '\n';
    struct timeval short_wait = {.tv_sec = 0, .tv_usec = 200000};
    CHECK(setsockopt(hog, SOL_SOCKET, SO_SNDTIMEO, &short_wait, sizeof(short_wait)) == 0);
    for (int i = 0; i < 40 && send(hog, lines, sizeof(lines), MSG_NOSIGNAL) > 0; i++)
        ; /* until its buffers are full */
    usleep(100 * 1000);

    double took;
    json_t *st = srv_stop_sig(&s, sig, &took);
    CHECK(took < 2.0, "took %.2f s to exit after signal %d", took, sig);
    /* A write the stop failed (the hog's, EPIPE once its connection is shut down) is
     * the stop, not an error, in every model alike. */
    CHECK(stat_u64(st, "errors") == 0, "errors %lu after the stop",
          (unsigned long)stat_u64(st, "errors"));
    for (int i = 0; i < nstream; i++)
        pthread_join(tids[i], NULL); /* they end when their connections do */
    if (nstream)
        CHECK(stat_u64(st, "requests") > 0, "the streaming clients were served");
    /* Nothing of the server may survive it: a forked child would keep these open. */
    CHECK(cli_drain_until_closed(half, 2000) >= 0, "a client was left connected");
    CHECK(cli_drain_until_closed(hog, 2000) >= 0, "the client that does not read was kept");
    close(hog);
    for (int i = 0; i < idle; i++) {
        CHECK(cli_drain_until_closed(fds[i], 2000) >= 0, "idle client %d was left connected", i);
        close(fds[i]);
    }
    close(half);
    json_decref(st);
}

static void case_sigterm(void)
{
    stop_case(SIGTERM, 40);
}

static void case_sigint(void)
{
    stop_case(SIGINT, 5);
}

/* A stop while lines wait for their per-line sleep: it must not wait for all of them.
 * 20000 pipelined lines of 1 ms each would take 20 s. */
static void case_sigterm_busy(void)
{
    struct srv s;
    static char lines[20000];

    memset(lines, '\n', sizeof(lines));
    srv_start_simple(&s, model, "--sleep-us 1000");
    int fd = cli_connect(s.port);
    cli_send(fd, lines, sizeof(lines));
    usleep(300 * 1000); /* the server is at work on them */
    double took;
    json_decref(srv_stop_sig(&s, SIGTERM, &took));
    CHECK(took < 2.0, "took %.2f s to exit with lines waiting for their work", took);
    close(fd);
}

/* ---- lunch: the lecture's demonstration ---- */

static void case_lunch(void)
{
    struct srv s;
    const char line[] = "is anybody there?\n";
    char back[sizeof(line)];

    srv_start_simple(&s, model, NULL);
    int lunch = cli_connect(s.port); /* connects, then goes out to lunch */
    usleep(100 * 1000);
    int c2 = cli_connect(s.port);         /* the kernel completes the connect... */
    cli_send(c2, line, sizeof(line) - 1); /* ...and buffers the write */
    if (is("iterative")) {
        CHECK(!cli_readable(c2, 700), "client 2 was served while client 1 held the server");
        close(lunch); /* back from lunch: the server moves on */
        CHECK(cli_readable(c2, 3000), "client 2 not served after client 1 left");
    } else {
        CHECK(cli_readable(c2, 3000), "client 2 waited behind an idle client");
    }
    cli_recv(c2, back, sizeof(line) - 1);
    CHECK(memcmp(back, line, sizeof(line) - 1) == 0);
    close(c2);
    if (!is("iterative"))
        close(lunch);
    json_decref(srv_stop(&s));
}

/* ---- reset: clients that vanish mid-line or mid-echo ---- */

static void case_reset(void)
{
    struct srv s;
    char big[8192];
    uint64_t rs = 3;

    srv_start_simple(&s, model, NULL);
    for (int round = 0; round < 10; round++) {
        int fd = cli_connect(s.port);
        cli_send(fd, "a line cut short by a res", 25);
        cli_reset(fd);
        /* Lines sent, then a reset before the echoes are read: the server's writes
         * fail with EPIPE or ECONNRESET. */
        fd = cli_connect(s.port);
        for (int i = 0; i < 20; i++) {
            random_line(&rs, big, sizeof(big));
            cli_send(fd, big, sizeof(big));
        }
        cli_reset(fd);
    }
    int fd = cli_connect(s.port);
    cli_echo(fd, "still here?\n");
    close(fd);
    json_decref(srv_stop(&s));
}

/* ---- half_close: a client that half-closes still gets every echo ---- */

static void case_half_close(void)
{
    struct srv s;
    const char sent[] = "one\ntwo\nthree\na partial line", want[] = "one\ntwo\nthree\n";
    char got[64];
    size_t n = 0;

    srv_start_simple(&s, model, NULL);
    int fd = cli_connect(s.port);
    cli_send(fd, sent, sizeof(sent) - 1);
    CHECK(shutdown(fd, SHUT_WR) == 0);
    for (;;) {
        ssize_t r = recv(fd, got + n, sizeof(got) - n, 0);
        CHECK(r >= 0, "recv: %s", strerror(errno));
        if (r == 0)
            break; /* the server closed after the last echo */
        n += (size_t)r;
        CHECK(n < sizeof(got));
    }
    CHECK(n == sizeof(want) - 1 && memcmp(got, want, n) == 0, "got '%.*s'", (int)n, got);
    close(fd);
    json_t *st = srv_stop(&s);
    CHECK(stat_u64(st, "requests") == 3);
    json_decref(st);
}

/* ---- too_long: a line over 64 KiB closes that connection only ---- */

static void case_too_long(void)
{
    struct srv s;
    char *buf = malloc(100 * 1024), *back = malloc(MAX_LINE);
    uint64_t rs = 9;
    int other = -1;

    srv_start_simple(&s, model, NULL);
    int fd = cli_connect(s.port);
    random_line(&rs, buf, MAX_LINE); /* exactly at the limit: fine */
    cli_send(fd, buf, MAX_LINE);
    cli_recv(fd, back, MAX_LINE);
    CHECK(memcmp(buf, back, MAX_LINE) == 0);
    close(fd);

    if (!is("iterative")) {
        other = cli_connect(s.port); /* a bystander, open the whole time */
        cli_echo(other, "before\n");
    }
    /* One byte over: 65536 bytes and then the newline. */
    memset(buf, 'z', MAX_LINE);
    buf[MAX_LINE] = '\n';
    fd = cli_connect(s.port);
    cli_send(fd, buf, MAX_LINE + 1);
    CHECK(cli_drain_until_closed(fd, 3000) == 0, "a line of 65537 bytes was not refused");
    close(fd);

    memset(buf, 'y', 100 * 1024);
    fd = cli_connect(s.port);
    /* The server may close mid-send; that is the point, so errors are fine here. */
    for (size_t off = 0; off < 100 * 1024;) {
        ssize_t put = send(fd, buf + off, 100 * 1024 - off, MSG_NOSIGNAL);
        if (put <= 0)
            break;
        off += (size_t)put;
    }
    CHECK(cli_drain_until_closed(fd, 3000) == 0, "the server kept the connection or echoed");
    close(fd);
    if (other >= 0) {
        cli_echo(other, "after\n");
        close(other);
    }
    fd = cli_connect(s.port);
    cli_echo(fd, "a new client\n");
    close(fd);
    json_t *st = srv_stop(&s);
    CHECK(json_integer_value(json_object_get(st, "too_long")) == 2, "too_long is not 2");
    CHECK(stat_u64(st, "errors") >= 1);
    json_decref(st);
    free(buf);
    free(back);
}

/* ---- many_idle: hundreds of idle clients cost the active one nothing ---- */

static void case_many_idle(void)
{
    struct srv s;
    enum { IDLE = 500 };
    static int fds[IDLE];
    char line[64];

    raise_nofile();
    /* A pool that could hold them all: its starvation is threadpool_starves. */
    srv_start_simple(&s, model, is("threadpool") ? "-n 520" : NULL);
    for (int i = 0; i < IDLE; i++)
        fds[i] = cli_connect(s.port);
    /* Served while they all sit there (cli_echo fails after 10 s without an echo, 40 s
     * under a sanitizer). */
    int fd = cli_connect(s.port);
    for (int i = 0; i < 20; i++) {
        snprintf(line, sizeof(line), "active line %d\n", i);
        cli_echo(fd, line);
    }
    /* They were held all along, and each is served now: so every flow (thread, child)
     * has started before any connection closes. */
    for (int i = 0; i < IDLE; i++)
        cli_echo(fds[i], "back from lunch\n");
    close(fd);
    for (int i = 0; i < IDLE; i++)
        close(fds[i]);
    json_t *st = srv_stop(&s);
    CHECK(stat_u64(st, "max_concurrent") == IDLE + 1, "max_concurrent %lu",
          (unsigned long)stat_u64(st, "max_concurrent"));
    CHECK(stat_u64(st, "rejected") == 0);
    json_decref(st);
}

/* ---- fd_exhaustion: flooded under a low descriptor limit, then serves again ---- */

static void case_fd_exhaustion(void)
{
    struct srv s;
    enum { FLOOD = 150 };
    int fds[FLOOD];
    /* The thread pool gets more workers than descriptors, so that it, too, meets the
     * limit rather than its queue's bound. */
    const char *args[] = {"0", NULL}, *pool_args[] = {"-n", "80", "0", NULL};
    /* Two pre-forked workers hold about 116 together: the flood fills both, and only
     * then is it shed (prefork_emfile: not while one has room). */
    const char *prefork_args[] = {"-n", "2", "0", NULL};

    raise_nofile();
    srv_start(&s, model,
              is("threadpool") ? pool_args
              : is("prefork")  ? prefork_args
                               : args,
              &(struct srv_env){.nofile = 64});
    usleep(100 * 1000);
    /* Counted over the server's tree: a pre-forked server's workers hold the
     * connections, each under the same limit. */
    int base_fds = proc_tree_fd_count(s.pid, NULL);
    /* The iterative server holds one connection and the process server's parent none,
     * so only the others reach the limit. */
    bool reaches_limit = !is("iterative") && !is("process");
    for (int i = 0; i < FLOOD; i++)
        fds[i] = cli_connect(s.port);
    /* Hold the flood until the server is at its limit (a slow server, under a
     * sanitizer, takes a while), and a moment more for it to shed the rest. */
    int nfds = 0;
    for (double end = now_s() + 10; reaches_limit && now_s() < end; usleep(10 * 1000)) {
        proc_tree_fd_count(s.pid, &nfds);
        if (nfds >= 62)
            break;
    }
    CHECK(!reaches_limit || nfds >= 62, "the server holds %d descriptors, not its limit", nfds);
    usleep(300 * 1000);
    for (int i = 0; i < FLOOD; i++)
        close(fds[i]);
    /* Once it has let go of the flood, the next client is served, at the first try. Let
     * go means the accept queues are empty too: a loop that lost its reserve pauses its
     * listener, and on waking takes its queue of closed flood clients in one burst that
     * can meet the limit again, shedding what is queued behind them (reuseport: each
     * thread's own listener). */
    int base_children = is("prefork") ? proc_child_count(s.pid, NULL) : 0;
    unsigned queued = 0;
    for (double end = now_s() + 10; now_s() < end; usleep(20 * 1000)) {
        queued = 0;
        listeners_on(s.pid, s.port, &queued);
        if ((nfds = proc_tree_fd_count(s.pid, NULL)) == base_fds &&
            proc_child_count(s.pid, NULL) == base_children && queued == 0)
            break;
    }
    CHECK(queued == 0, "%u flood connections still queued", queued);
    CHECK(nfds == base_fds, "%d descriptors open, %d before", nfds, base_fds);
    int fd = cli_connect(s.port);
    cli_echo(fd, "served after the flood?\n");
    close(fd);
    json_t *st = srv_stop(&s);
    check_rejected_for(st);
    /* Shed for the process's descriptor limit, and said so. The process server's
     * parent closes its copy of each connection, so it never meets its limit. */
    if (reaches_limit)
        CHECK(stat_u64(st, "rejected") > 0 &&
                  rejected_for(st, "emfile") == stat_u64(st, "rejected"),
              "rejected %lu, for emfile %lu", (unsigned long)stat_u64(st, "rejected"),
              (unsigned long)rejected_for(st, "emfile"));
    else
        CHECK(rejected_for(st, "emfile") == 0, "rejected %lu for emfile, never at its limit",
              (unsigned long)rejected_for(st, "emfile"));
    json_decref(st);
}

/* ---- fd_setsize (select): descriptors past FD_SETSIZE are refused cleanly ---- */

static void case_fd_setsize(void)
{
    struct srv s;
    enum { MANY = 1100 };
    static int fds[MANY];
    const char *args[] = {"0", NULL};

    raise_nofile();
    srv_start(&s, model, args, &(struct srv_env){.nofile = 4096});
    for (int i = 0; i < MANY; i++)
        fds[i] = cli_connect(s.port);
    cli_echo(fds[0], "the first\n");
    cli_echo(fds[900], "one below the limit\n");
    for (int i = MANY - 20; i < MANY; i++)
        CHECK(cli_drain_until_closed(fds[i], 3000) == 0, "connection %d was kept", i);
    for (int i = 0; i < MANY; i++)
        close(fds[i]);
    int fd = cli_connect(s.port);
    cli_echo(fd, "served afterwards\n");
    close(fd);
    json_t *st = srv_stop(&s);
    check_rejected_for(st);
    /* Refused for FD_SETSIZE, well under the descriptor limit. */
    CHECK(rejected_for(st, "fd_setsize") >= 20 && rejected_for(st, "emfile") == 0,
          "rejected for fd_setsize %lu, for emfile %lu",
          (unsigned long)rejected_for(st, "fd_setsize"), (unsigned long)rejected_for(st, "emfile"));
    json_decref(st);
}

/* ---- spawn_failure: fork or pthread_create fails; that client only pays ---- */

static void case_spawn_failure(void)
{
    struct srv s;
    enum { HELD = 12 };
    int fds[HELD];
    const char *args[] = {"0", NULL};
    const uid_t nobody = 65534;

    /* RLIMIT_NPROC binds only an unprivileged user: root runs the server as nobody
     * with room for a few more tasks; anyone else cannot, and skips. */
    if (geteuid() != 0) {
        fprintf(stderr, "needs root, to run the server as nobody under RLIMIT_NPROC: skipped\n");
        exit(TEST_SKIP);
    }
    if (!can_run_as(nobody, model) || proc_tasks_of(nobody) > 50) {
        fprintf(stderr, "nobody cannot run %s here: skipped\n", ECHOBENCH_BIN_DIR);
        exit(TEST_SKIP);
    }
    raise_nofile();
    struct srv_env env = {.nproc = (rlim_t)proc_tasks_of(nobody) + 4, .uid = nobody};
    srv_start(&s, model, args, &env);
    for (int i = 0; i < HELD; i++)
        fds[i] = cli_connect(s.port);
    /* The first few are served; the rest are closed at once. */
    cli_echo(fds[0], "served\n");
    CHECK(cli_drain_until_closed(fds[HELD - 1], 5000) == 0, "the last one was not refused");
    for (int i = 0; i < HELD; i++)
        close(fds[i]);
    cli_echo_eventually(s.port, "and served again\n", 5.0);
    json_t *st = srv_stop(&s);
    check_rejected_for(st);
    /* fork and pthread_create fail with EAGAIN at RLIMIT_NPROC. */
    CHECK(stat_u64(st, "rejected") > 0 && rejected_for(st, "eagain") == stat_u64(st, "rejected"),
          "rejected %lu, for eagain %lu", (unsigned long)stat_u64(st, "rejected"),
          (unsigned long)rejected_for(st, "eagain"));
    CHECK(stat_u64(st, "errors") == 0);
    json_decref(st);
}

/* ---- work: --sleep-us and --work-us cost what they say ---- */

/* The CPU time of the server: a pre-forked server's in its workers too, which stay. */
static double server_cpu_s(pid_t pid)
{
    double cpu = proc_cpu_s(pid);
    pid_t kids[64];
    int n = is("prefork") ? proc_children(pid, kids, 64) : 0;
    for (int i = 0; i < n && i < 64; i++)
        cpu += proc_cpu_s(kids[i]);
    return cpu;
}

static void case_work(void)
{
    struct srv s;
    char line[64];

    srv_start_simple(&s, model, "--sleep-us 20000");
    int fd = cli_connect(s.port);
    double t0 = now_s();
    for (int i = 0; i < 5; i++) {
        snprintf(line, sizeof(line), "sleepy %d\n", i);
        cli_echo(fd, line);
    }
    double took = now_s() - t0;
    CHECK(took >= 0.1, "5 lines with 20 ms of sleep each took %.3f s", took);
    close(fd);
    json_decref(srv_stop(&s));

    srv_start_simple(&s, model, "--work-us 20000");
    usleep(50 * 1000); /* a pre-forked server's workers are up */
    double cpu0 = server_cpu_s(s.pid);
    fd = cli_connect(s.port);
    t0 = now_s();
    for (int i = 0; i < 10; i++) {
        snprintf(line, sizeof(line), "busy %d\n", i);
        cli_echo(fd, line);
    }
    took = now_s() - t0;
    close(fd);
    /* A process server's child counts once reaped. */
    for (double end = now_s() + 5; proc_child_count(s.pid, NULL) > 0 && now_s() < end;)
        usleep(10 * 1000);
    double cpu = server_cpu_s(s.pid) - cpu0;
    CHECK(took >= 0.19, "10 lines with 20 ms of work each took %.3f s", took);
    CHECK(cpu >= 0.17, "10 lines with 20 ms of work each used %.3f s of CPU", cpu);
    json_decref(srv_stop(&s));
}

/* ---- ipv6 ---- */

static void case_ipv6(void)
{
    struct srv s;
    struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    int probe = socket(AF_INET6, SOCK_STREAM, 0);
    if (probe < 0 || bind(probe, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        fprintf(stderr, "no IPv6 loopback here: skipped\n");
        exit(TEST_SKIP);
    }
    close(probe);

    srv_start_simple(&s, model, "-a ::1");
    CHECK(strncmp(s.ready, "listening on [::1]:", 19) == 0, "ready line '%s'", s.ready);
    int fd = cli_connect6(s.port);
    cli_echo(fd, "over IPv6\n");
    close(fd);
    json_decref(srv_stop(&s));
}

/* ---- usage: bad command lines get a message and exit 2 ---- */

/* Reads fd to EOF into buf (NUL-terminated, cut at len - 1 bytes). */
static void read_all(int fd, char *buf, size_t len)
{
    size_t got = 0;
    ssize_t n;
    while (got + 1 < len &&
           ((n = read(fd, buf + got, len - 1 - got)) > 0 || (n < 0 && errno == EINTR)))
        got += n > 0 ? (size_t)n : 0;
    buf[got] = '\0';
}

int run_capture_with(const char *const *args, char *err, size_t errlen, char *out, size_t outlen,
                     void (*before_exec)(void))
{
    char path[512], name[64];
    int ep[2], op[2];
    snprintf(name, sizeof(name), "echo-%s", model);
    snprintf(path, sizeof(path), "%s/%s", ECHOBENCH_BIN_DIR, name);
    CHECK(pipe(ep) == 0 && pipe(op) == 0);
    const char *argv[16] = {name};
    int argc = 1;
    for (int i = 0; args[i]; i++)
        argv[argc++] = args[i];
    argv[argc] = NULL;
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        dup2(ep[1], 2);
        dup2(op[1], 1);
        if (before_exec)
            before_exec();
        execv(path, (char *const *)argv);
        _exit(127);
    }
    close(ep[1]);
    close(op[1]);
    int status;
    /* Until EOF: unbuffered stderr comes in a write per message. Both stay far below
     * a pipe's capacity, so reading one to its end cannot block the other. */
    read_all(ep[0], err, errlen);
    read_all(op[0], out, outlen);
    waitpid(pid, &status, 0);
    close(ep[0]);
    close(op[0]);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Runs echo-MODEL with args; returns the exit status and stores stderr and stdout. */
static int run_capture(const char *const *args, char *err, size_t errlen, char *out, size_t outlen)
{
    return run_capture_with(args, err, errlen, out, outlen, NULL);
}

static void case_usage(void)
{
    static const struct {
        const char *args[4];
        const char *says;
    } bad[] = {
        {{NULL}, "missing PORT"},
        {{"abc", NULL}, "PORT must be"},
        {{"70000", NULL}, "PORT must be"},
        {{"-x", "0", NULL}, "unknown option"},
        {{"--bogus", "0", NULL}, "unknown option"},
        {{"0", "--work-us", NULL}, "needs a value"},
        {{"--sleep-us", "-5", "0", NULL}, "--sleep-us must be"},
        {{"-b", "0", "0", NULL}, "backlog"},
        {{"0", "1", NULL}, "unexpected argument"},
        {{"-a", "not an address", "0", NULL}, "cannot use address"},
    };
    char err[2048], out[4096];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = run_capture(bad[i].args, err, sizeof(err), out, sizeof(out));
        if (rc == 69 && is("uring") && strstr(err, "io_uring is not available"))
            continue; /* the address is looked up after the ring is set up */
        CHECK(rc == 2, "case %zu: exit %d, stderr: %s", i, rc, err);
        CHECK(strstr(err, bad[i].says), "case %zu: stderr lacks '%s': %s", i, bad[i].says, err);
        /* A command line it cannot parse shows the synopsis; an address it cannot find
         * is said as such. */
        CHECK(strcmp(bad[i].says, "cannot use address") == 0 || strstr(err, "usage: echo-"),
              "case %zu: no usage line: %s", i, err);
        CHECK(out[0] == '\0', "case %zu: printed on stdout: %s", i, out);
    }
    const char *help[] = {"--help", NULL};
    int rc = run_capture(help, err, sizeof(err), out, sizeof(out));
    CHECK(rc == 0 && strstr(out, "usage: echo-") && strstr(out, "--work-us"), "--help: %s", out);
    /* The models with workers take -n, and say their default. */
    bool workers = is("threadpool") || is("prefork") || is("reuseport");
    CHECK(!workers || (strstr(out, "-n WORKERS") && strstr(out, "per CPU")), "--help: %s", out);
    if (workers) {
        const char *zero[] = {"-n", "0", "0", NULL};
        rc = run_capture(zero, err, sizeof(err), out, sizeof(out));
        CHECK(rc == 2 && strstr(err, "worker count"), "-n 0: exit %d: %s", rc, err);
    }
}

TEST_CASES({"echo", case_echo}, {"pipelined", case_pipelined}, {"no_leaks", case_no_leaks},
           {"sigterm", case_sigterm}, {"sigint", case_sigint}, {"sigterm_busy", case_sigterm_busy},
           {"lunch", case_lunch}, {"reset", case_reset}, {"half_close", case_half_close},
           {"too_long", case_too_long}, {"many_idle", case_many_idle},
           {"fd_exhaustion", case_fd_exhaustion}, {"fd_setsize", case_fd_setsize},
           {"spawn_failure", case_spawn_failure}, {"work", case_work}, {"ipv6", case_ipv6},
           {"usage", case_usage}, {"threadpool_starves", case_threadpool_starves},
           {"prefork_restart", case_prefork_restart}, {"reuseport_spread", case_reuseport_spread},
           {"uring_unavailable", case_uring_unavailable}, {"slow_reader", case_slow_reader},
           {"work_threads", case_work_threads}, {"sigkill", case_sigkill},
           {"workers_ready", case_workers_ready}, {"prefork_emfile", case_prefork_emfile},
           {"rejected_for", case_rejected_for});

/* test_servers MODEL CASE */
int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: test_servers MODEL CASE\n");
        return 2;
    }
    model = argv[1];
    return test_main(test_cases, sizeof(test_cases) / sizeof(test_cases[0]), argc - 1, argv + 1);
}
