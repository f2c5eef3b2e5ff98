/* The lecture's pitfalls of echo-thread (--pitfall NAME), one case per ctest entry:
 * each pitfall case makes the mistake and measures what it costs; its twin CASE_correct
 * takes the correct code through the same steps, which must not show it. */
#include "check.h"
#include "harness.h"
#include "procfs.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define BURST     20   /* racy_connfd: clients connected at once */
#define SERIAL    200  /* no_detach: clients served one after another */
#define STACK_KIB 64   /* echo-thread's default --stack-kib */
#define ECHO_WAIT 1000 /* ms a served client's echo may take */

/* VmSize of pid, in KiB, from /proc/PID/status. */
static long proc_vm_kib(pid_t pid)
{
    long kib = proc_status_kib(pid, "VmSize");
    CHECK(kib > 0, "no VmSize in /proc/%d/status", (int)pid);
    return kib;
}

/* Waits up to 3 s for pid's thread count to come down to n; returns the last seen. */
static int wait_threads(pid_t pid, int n)
{
    int got = proc_thread_count(pid);
    for (double end = now_s() + 3; got > n && now_s() < end; usleep(1000))
        got = proc_thread_count(pid);
    return got;
}

/* BURST clients connect at once, each sends a line: returns how many got no echo
 * within ECHO_WAIT ms. Any echo that comes must be the client's own line. */
static int burst_unserved(const char *extra)
{
    struct srv s;
    int fds[BURST], unserved = 0;
    char line[64], back[64];

    srv_start_simple(&s, "thread", extra);
    for (int i = 0; i < BURST; i++)
        fds[i] = cli_connect(s.port);
    for (int i = 0; i < BURST; i++) {
        int n = snprintf(line, sizeof(line), "client %02d\n", i);
        cli_send(fds[i], line, (size_t)n);
    }
    /* One wait for them all: a served client's echo comes within ECHO_WAIT ms of the
     * burst, whichever client it is. */
    double end = now_s() + ECHO_WAIT / 1000.0;
    for (int i = 0; i < BURST; i++) {
        int n = snprintf(line, sizeof(line), "client %02d\n", i);
        int left_ms = (int)((end - now_s()) * 1000);
        if (!cli_readable(fds[i], left_ms > 0 ? left_ms : 0)) {
            unserved++;
            continue;
        }
        cli_recv(fds[i], back, (size_t)n);
        CHECK(memcmp(back, line, (size_t)n) == 0, "client %d got another's echo", i);
    }
    for (int i = 0; i < BURST; i++)
        close(fds[i]);
    /* The server survives its mistake: it stops on SIGTERM, exit 0, one stats line. */
    json_t *st = srv_stop(&s);
    CHECK(stat_u64(st, "accepted") == BURST, "accepted %lu, not %d",
          (unsigned long)stat_u64(st, "accepted"), BURST);
    json_decref(st);
    return unserved;
}

/* ---- racy_connfd: &connfd read late: a client of a burst is served by none ---- */

static void case_racy_connfd(void)
{
    int unserved = burst_unserved("--pitfall racy-connfd");
    CHECK(unserved >= 1, "every one of %d clients was served: the race did not show", BURST);
    printf("racy-connfd: %d of %d clients unserved\n", unserved, BURST);
}

/* The correct code, by value: every client of the same burst is served. */
static void case_racy_connfd_correct(void)
{
    int unserved = burst_unserved(NULL);
    CHECK(unserved == 0, "the correct code left %d of %d clients unserved", unserved, BURST);
}

/* SERIAL clients, one after another, each echoed and closed; returns the growth of
 * VmSize over them in KiB, after the threads have exited. */
static long serial_growth(const char *extra)
{
    struct srv s;

    srv_start_simple(&s, "thread", extra);
    /* A first client, so that what any thread maps once is in the baseline. */
    int fd = cli_connect(s.port);
    cli_echo(fd, "warm up\n");
    close(fd);
    int base_threads = wait_threads(s.pid, 1);
    CHECK(base_threads == 1, "%d threads after the first client", base_threads);
    long before = proc_vm_kib(s.pid);
    for (int i = 0; i < SERIAL; i++) {
        fd = cli_connect(s.port);
        cli_echo(fd, "one after another\n");
        close(fd);
        /* Its thread is gone before the next comes, so no two stacks are live at once. */
        CHECK(wait_threads(s.pid, 1) == 1, "client %d's thread did not exit", i);
    }
    long after = proc_vm_kib(s.pid);
    /* Exited: the kernel has no task left for them, joined or not. */
    CHECK(proc_thread_count(s.pid) == base_threads, "%d threads left, not %d",
          proc_thread_count(s.pid), base_threads);
    json_t *st = srv_stop(&s);
    CHECK(stat_u64(st, "requests") == SERIAL + 1, "requests %lu",
          (unsigned long)stat_u64(st, "requests"));
    json_decref(st);
    return after - before;
}

/* ---- no_detach: a joinable thread never joined keeps its stack mapped ---- */

static void case_no_detach(void)
{
    long grew = serial_growth("--pitfall no-detach");
    CHECK(grew >= (long)SERIAL * STACK_KIB, "VmSize grew %ld KiB over %d clients, not %d x %d",
          grew, SERIAL, SERIAL, STACK_KIB);
    printf("no-detach: VmSize +%ld KiB over %d clients (%ld per client)\n", grew, SERIAL,
           grew / SERIAL);
}

/* The correct code, detached: the stacks go back (and are reused) as threads end. */
static void case_no_detach_correct(void)
{
    long grew = serial_growth(NULL);
    CHECK(grew < 4 * STACK_KIB, "the correct code's VmSize grew %ld KiB over %d clients", grew,
          SERIAL);
    printf("correct: VmSize +%ld KiB over %d clients\n", grew, SERIAL);
}

/* ---- usage: --help lists both; an unknown name is refused, naming them ---- */

static void case_usage(void)
{
    char err[4096];
    const char *help[] = {"--help", NULL};
    const char *out = "/tmp/echobench-test-pitfall-thread-help.txt";
    CHECK(run_tool("echo-thread", help, NULL, out, err, sizeof(err)) == 0, "%s", err);
    char text[8192];
    FILE *f = fopen(out, "r");
    CHECK(f);
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    unlink(out);
    text[n] = '\0';
    CHECK(strstr(text, "--pitfall NAME") && strstr(text, "racy-connfd") &&
              strstr(text, "no-detach"),
          "--help does not list the pitfalls:\n%s", text);

    const char *bad[] = {"--pitfall", "no-join", "0", NULL};
    int rc = run_tool("echo-thread", bad, NULL, NULL, err, sizeof(err));
    CHECK(rc == 2, "exit %d", rc);
    CHECK(strstr(err, "unknown pitfall 'no-join'") && strstr(err, "racy-connfd, no-detach"), "%s",
          err);
}

TEST_CASES({"racy_connfd", case_racy_connfd}, {"racy_connfd_correct", case_racy_connfd_correct},
           {"no_detach", case_no_detach}, {"no_detach_correct", case_no_detach_correct},
           {"usage", case_usage});
TEST_MAIN()
