/* The lecture's pitfalls of echo-process, one case per ctest entry:
 *
 *     test_pitfall_process CASE
 *
 * Each pitfall case runs echo-process --pitfall NAME and asserts its consequence as
 * /proc and the clients see it; its twin (the same name with _correct) runs the correct
 * code through the same steps and asserts that it does not show it. */
#include "check.h"
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_LINE 65536
#define CLIENTS  50

static void start(struct srv *s, const char *pitfall, rlim_t nofile)
{
    const char *with[] = {"--pitfall", pitfall, "0", NULL}, *plain[] = {"0", NULL};
    srv_start(s, "process", pitfall ? with : plain, &(struct srv_env){.nofile = nofile});
}

/* Serves n clients one after another, each closed after its echo. */
static void serve_in_turn(int port, int n)
{
    char line[64];
    for (int i = 0; i < n; i++) {
        int fd = cli_connect(port);
        snprintf(line, sizeof(line), "client %d of %d\n", i, n);
        cli_echo(fd, line);
        close(fd);
    }
}

/* Waits up to 5 s for pid to have want children, every one of them a zombie (a child
 * counts at once, and turns zombie only when its client has gone and it has exited);
 * returns how many it has, and its zombies in *zombies. */
static int wait_children(pid_t pid, int want, int *zombies)
{
    int n = 0;
    for (double end = now_s() + 5; now_s() < end; usleep(20 * 1000))
        if ((n = proc_child_count(pid, zombies)) == want && *zombies == want)
            break;
    return n;
}

/* Stops the server and checks that no process of its group is left (its children,
 * zombies or not, went with it). */
static void stop_all(struct srv *s)
{
    pid_t group = s->pid;
    json_decref(srv_stop(s));
    bool gone = false;
    for (double end = now_s() + 3; !gone && now_s() < end; usleep(20 * 1000))
        gone = kill(-group, 0) < 0 && errno == ESRCH;
    CHECK(gone, "a process of the server's group outlived its stop");
}

/* ---- no_reap: a zombie per client served ---- */

static void reap_case(const char *pitfall)
{
    struct srv s;
    int zombies = 0;

    start(&s, pitfall, 0);
    serve_in_turn(s.port, CLIENTS);
    int want = pitfall ? CLIENTS : 0;
    int children = wait_children(s.pid, want, &zombies);
    CHECK(children == want && zombies == want, "%d children, %d of them zombies, after %d clients",
          children, zombies, CLIENTS);
    stop_all(&s);
}

static void case_no_reap(void)
{
    reap_case("no-reap");
}

static void case_no_reap_correct(void)
{
    reap_case(NULL);
}

/* ---- no_reap_limit: the zombies fill the process limit; then fork fails ---- */

static int try_echo(int port, int i);

#define ROOM_CHILDREN 10
#define ROOM_CLIENTS  30

static void nproc_case(const char *pitfall)
{
    struct srv s;
    const char *with[] = {"--pitfall", pitfall, "0", NULL}, *plain[] = {"0", NULL};
    const uid_t nobody = 65534;
    int served = 0, first_shed = -1;

    /* RLIMIT_NPROC binds only an unprivileged user: root runs the server as nobody
     * with room for the server and ten children; anyone else cannot, and skips. */
    if (geteuid() != 0) {
        fprintf(stderr, "needs root, to run the server as nobody under RLIMIT_NPROC: skipped\n");
        exit(TEST_SKIP);
    }
    if (!can_run_as(nobody, "process") || proc_tasks_of(nobody) > 50) {
        fprintf(stderr, "nobody cannot run %s here: skipped\n", ECHOBENCH_BIN_DIR);
        exit(TEST_SKIP);
    }
    struct srv_env env = {.nproc = (rlim_t)(proc_tasks_of(nobody) + 1 + ROOM_CHILDREN),
                          .uid = nobody};
    srv_start(&s, "process", pitfall ? with : plain, &env);
    for (int i = 0; i < ROOM_CLIENTS; i++) {
        if (try_echo(s.port, i))
            served++;
        else if (first_shed < 0)
            first_shed = i;
        if (!pitfall) /* its child reaped before the next client: room for each */
            CHECK(wait_children(s.pid, 0, &(int){0}) == 0, "client %d's child was not reaped", i);
    }
    json_t *st = srv_stop(&s);
    uint64_t rejected = stat_u64(st, "rejected");
    json_decref(st);
    if (pitfall) {
        /* Ten children (fewer, were another task of nobody's to start meanwhile), each
         * a zombie once its client left, hold the limit: every later fork fails
         * (EAGAIN), and its client is closed unserved. */
        CHECK(served >= ROOM_CHILDREN / 2 && served <= ROOM_CHILDREN && first_shed == served,
              "%d served, the first refused is %d, with room for %d children", served, first_shed,
              ROOM_CHILDREN);
        CHECK(rejected == (uint64_t)(ROOM_CLIENTS - served), "rejected %lu, %d refused",
              (unsigned long)rejected, ROOM_CLIENTS - served);
    } else {
        CHECK(served == ROOM_CLIENTS && rejected == 0, "%d of %d served, %lu rejected", served,
              ROOM_CLIENTS, (unsigned long)rejected);
    }
}

static void case_no_reap_limit(void)
{
    nproc_case("no-reap");
}

static void case_no_reap_limit_correct(void)
{
    nproc_case(NULL);
}

/* ---- no_close: a descriptor per client served, in the parent ---- */

static void fds_case(const char *pitfall)
{
    struct srv s;
    int zombies = 0;

    start(&s, pitfall, 0);
    serve_in_turn(s.port, 1); /* whatever a first client opens once is in the baseline */
    CHECK(wait_children(s.pid, 0, &zombies) == 0, "the first client's child is still there");
    int base = proc_fd_count(s.pid);
    serve_in_turn(s.port, CLIENTS);
    CHECK(wait_children(s.pid, 0, &zombies) == 0, "children still there after the clients");
    int want = base + (pitfall ? CLIENTS : 0), nfds = 0;
    for (double end = now_s() + 5; now_s() < end; usleep(20 * 1000))
        if ((nfds = proc_fd_count(s.pid)) == want)
            break; /* settled: the parent closes its copy just after the fork */
    CHECK(nfds == want, "%d descriptors after %d clients, %d before", nfds, CLIENTS, base);
    stop_all(&s);
}

static void case_no_close_fds(void)
{
    fds_case("no-close");
}

static void case_no_close_fds_correct(void)
{
    fds_case(NULL);
}

/* ---- no_close_eof: a connection the child ends is not ended for the client ---- */

static void eof_case(const char *pitfall)
{
    struct srv s;
    int zombies = 0;
    char *buf = malloc(MAX_LINE + 1);
    CHECK(buf);

    start(&s, pitfall, 0);
    /* One byte over the limit, no newline: the child closes and exits. */
    memset(buf, 'z', MAX_LINE + 1);
    int fd = cli_connect(s.port);
    cli_send(fd, buf, MAX_LINE + 1);
    if (pitfall) {
        CHECK(wait_children(s.pid, 0, &zombies) == 0, "the child did not end");
        CHECK(cli_drain_until_closed(fd, 1000) < 0, "the client saw its connection end");
        /* Held by the parent alone: its exit ends it. */
        stop_all(&s);
        CHECK(cli_drain_until_closed(fd, 3000) == 0, "still open after the server's stop");
    } else {
        CHECK(cli_drain_until_closed(fd, 3000) == 0, "a too-long line did not end the connection");
        stop_all(&s);
    }
    close(fd);
    free(buf);
}

static void case_no_close_eof(void)
{
    eof_case("no-close");
}

static void case_no_close_eof_correct(void)
{
    eof_case(NULL);
}

/* ---- no_close_limit: at RLIMIT_NOFILE every later client is shed ---- */

/* One client: 1 if its line came back, 0 if the server ended the connection without
 * an echo (shed: closed at once, or reset). */
static int try_echo(int port, int i)
{
    char line[64], back[64];
    int n = snprintf(line, sizeof(line), "client %d\n", i);
    int fd = cli_connect(port);
    (void)send(fd, line, (size_t)n, MSG_NOSIGNAL); /* a shed client may be reset here */
    size_t got = 0;
    while (got < (size_t)n) {
        CHECK(cli_readable(fd, 5000), "client %d: neither served nor shed within 5 s", i);
        ssize_t r = recv(fd, back + got, (size_t)n - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (got == 0)
        return 0;
    CHECK(got == (size_t)n && memcmp(back, line, (size_t)n) == 0, "client %d: a wrong echo", i);
    return 1;
}

#define LIMIT_FILES   64
#define LIMIT_CLIENTS 100

static void limit_case(const char *pitfall)
{
    struct srv s;
    int served = 0, first_shed = -1;

    raise_nofile();
    start(&s, pitfall, LIMIT_FILES);
    for (int i = 0; i < LIMIT_CLIENTS; i++) {
        if (try_echo(s.port, i))
            served++;
        else if (first_shed < 0)
            first_shed = i;
    }
    json_t *st = srv_stop(&s);
    uint64_t rejected = stat_u64(st, "rejected");
    json_decref(st);
    if (pitfall) {
        /* The descriptors it started with, and one per client served, fill the table:
         * every client after that is accepted and closed at once (shed), none served. */
        CHECK(first_shed > 40 && first_shed < LIMIT_FILES, "the first client shed is %d",
              first_shed);
        CHECK(served == first_shed, "%d served, after the first shed at %d", served, first_shed);
        CHECK(rejected == (uint64_t)(LIMIT_CLIENTS - served), "rejected %lu, %d shed",
              (unsigned long)rejected, LIMIT_CLIENTS - served);
    } else {
        CHECK(served == LIMIT_CLIENTS && rejected == 0, "%d of %d served, %lu rejected", served,
              LIMIT_CLIENTS, (unsigned long)rejected);
    }
}

static void case_no_close_limit(void)
{
    limit_case("no-close");
}

static void case_no_close_limit_correct(void)
{
    limit_case(NULL);
}

TEST_CASES({"no_reap", case_no_reap}, {"no_reap_correct", case_no_reap_correct},
           {"no_reap_limit", case_no_reap_limit},
           {"no_reap_limit_correct", case_no_reap_limit_correct},
           {"no_close_fds", case_no_close_fds}, {"no_close_fds_correct", case_no_close_fds_correct},
           {"no_close_eof", case_no_close_eof}, {"no_close_eof_correct", case_no_close_eof_correct},
           {"no_close_limit", case_no_close_limit},
           {"no_close_limit_correct", case_no_close_limit_correct});

TEST_MAIN()
