/* Tests of how loadgen opens its connections, one case per ctest entry:
 * test_loadgen_open CASE. --open-within retries the idle connects a full listen queue
 * dropped; --source-from picks the block of source addresses they come from.
 *
 * The server is the test's own: a listener that takes one connection every few
 * milliseconds (so its accept queue overflows, as a thread or process server's does
 * while it makes a flow per client) and says where each came from. */
#include "check.h"
#include "harness.h"
#include "loadgen_run.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>

/* A listener in a child process: accepts one connection every accept_us (keeping it
 * open, never answering) and writes each peer's IPv4 address to a pipe. */
struct listener {
    pid_t pid;
    int port;
    int peers; /* the pipe's read end */
};

static void listener_start(struct listener *l, int backlog, unsigned accept_us)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), pipefd[2];
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);

    CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(fd, backlog) == 0);
    CHECK(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
    CHECK(pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) == 0);
    l->port = ntohs(a.sin_port);
    l->peers = pipefd[0];
    l->pid = fork();
    CHECK(l->pid >= 0);
    if (l->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* a failed check ends the test: and this */
        for (;;) {
            struct sockaddr_in peer;
            socklen_t plen = sizeof(peer);
            if (accept(fd, (struct sockaddr *)&peer, &plen) >= 0 &&
                write(pipefd[1], &peer.sin_addr.s_addr, 4) != 4)
                _exit(1);
            if (accept_us)
                usleep(accept_us);
        }
    }
    close(fd);
    close(pipefd[1]);
}

/* Stops the listener; stores the peers' addresses it took (host order, at most max)
 * in out and returns how many. */
static int listener_stop(struct listener *l, uint32_t *out, int max)
{
    int n = 0;
    uint32_t addr;

    kill(l->pid, SIGKILL);
    waitpid(l->pid, NULL, 0);
    while (n < max && read(l->peers, &addr, 4) == 4)
        out[n++] = ntohl(addr);
    close(l->peers);
    return n;
}

/* ---- --open-within: every idle connection comes up past a full accept queue ---- */

/* 300 idle connections and one active one, connects timed out at 200 ms, with
 * --open-within open_within unless it is NULL. */
static void run_idle(struct run *r, int port, const char *open_within)
{
    char to[64];
    const char *args[16] = {"-c", "1", "-i", "300", "--timeout", "200ms", "-d", "100ms", "-w", "0"};
    int n = 10;

    snprintf(to, sizeof(to), "127.0.0.1:%d", port);
    if (open_within) {
        args[n++] = "--open-within";
        args[n++] = open_within;
    }
    args[n++] = to;
    args[n] = NULL;
    run_loadgen(r, args);
    measured(r);
}

static void case_open_within(void)
{
    struct listener l;
    struct run r;
    static uint32_t peers[4096];

    raise_nofile();
    /* Once: without the option some connects are dropped for good (their SYN met a
     * full queue, and the retransmit a second later is past --timeout). */
    listener_start(&l, 1, 3000);
    run_idle(&r, l.port, NULL);
    listener_stop(&l, peers, 4096);
    double up = num(r.json, "idle.established");
    CHECK(up < 300, "all 300 came up without --open-within: the queue did not overflow");
    CHECK(num(r.json, "idle.attempts") == 300, "one attempt each without the option, not %g",
          num(r.json, "idle.attempts"));
    CHECK(json_is_null(json_object_get(json_object_get(r.json, "idle"), "open_within_s")));
    CHECK(num(r.json, "idle.open_s") > 0);
    CHECK(strstr(r.out, "could not be opened"), "no warning:\n%s", r.out);
    json_decref(r.json);

    /* With it the dropped ones are tried again until each is up. */
    listener_start(&l, 1, 3000);
    run_idle(&r, l.port, "20s");
    listener_stop(&l, peers, 4096);
    double attempts = num(r.json, "idle.attempts"), open_s = num(r.json, "idle.open_s");
    CHECK(num(r.json, "idle.established") == 300, "only %g of 300 up with --open-within",
          num(r.json, "idle.established"));
    CHECK(attempts > 300, "%g attempts: no retry, though the queue overflowed", attempts);
    CHECK(open_s > 0.3 && open_s < 20, "open_s %g (300 at one per 3 ms take 0.9 s)", open_s);
    CHECK(num(r.json, "idle.open_within_s") == 20);
    CHECK(num(r.json, "idle.open_at_end") == 300);
    CHECK(strstr(r.out, "attempts"), "the text report lacks the attempts:\n%s", r.out);
    json_decref(r.json);
}

/* Past the deadline no more retries: against a listener that takes one connection
 * and then nobody, the idle stage gives up at the deadline (and, the active
 * connection refused too, loadgen ends with nothing measured) instead of retrying on. */
static void case_open_within_deadline(void)
{
    struct listener l;
    struct run r;
    char to[64];
    uint32_t peers[64];

    listener_start(&l, 1, 60 * 1000 * 1000);
    snprintf(to, sizeof(to), "127.0.0.1:%d", l.port);
    const char *args[] = {"-c", "1",     "-i", "50", "--timeout",     "200ms",
                          "-d", "100ms", "-w", "0",  "--open-within", "1s",
                          to,   NULL};
    run_loadgen(&r, args);
    listener_stop(&l, peers, 64);
    CHECK(r.status == 1, "loadgen exited %d, not 1 (nothing measured):\n%s", r.status, r.err);
    CHECK(r.wall_s >= 1 && r.wall_s < 3, "%.2f s: the idle stage should end soon after 1 s",
          r.wall_s);
    CHECK(strstr(r.err, "could not open any of 1"), "%s", r.err);
}

/* ---- --source-from: the connections come from 127.0.0.N onward ---- */

static void case_source_from(void)
{
    struct listener l;
    struct run r;
    char to[64];
    uint32_t peers[64];
    bool seen[3] = {false};

    listener_start(&l, 64, 0);
    snprintf(to, sizeof(to), "127.0.0.1:%d", l.port);
    const char *args[] = {"-c", "3",         "-i", "6", "-d", "100ms", "-w", "0", "--source-from",
                          "10", "--sources", "3",  to,  NULL};
    run_loadgen(&r, args);
    usleep(100 * 1000); /* the listener takes the last ones */
    int n = listener_stop(&l, peers, 64);
    measured(&r);
    CHECK(n >= 9, "the listener took %d connections, not 9", n);
    for (int i = 0; i < n; i++) {
        uint32_t host = peers[i] - 0x7f000000u;
        CHECK(peers[i] >> 8 == 0x7f0000u && host >= 10 && host <= 12,
              "a connection from %u.%u.%u.%u, outside 127.0.0.10..12", peers[i] >> 24,
              (peers[i] >> 16) & 255, (peers[i] >> 8) & 255, peers[i] & 255);
        seen[host - 10] = true;
    }
    CHECK(seen[0] && seen[1] && seen[2], "not every source address was used");
    CHECK(num(r.json, "config.source_from") == 10 && num(r.json, "config.sources") == 3);
    json_decref(r.json);

    /* One source only, at .20: bound even so. */
    listener_start(&l, 64, 0);
    const char *one[] = {"-c", "2", "-d", "100ms", "-w", "0", "--source-from", "20", to, NULL};
    snprintf(to, sizeof(to), "127.0.0.1:%d", l.port);
    run_loadgen(&r, one);
    usleep(100 * 1000);
    n = listener_stop(&l, peers, 64);
    measured(&r);
    CHECK(n >= 2);
    for (int i = 0; i < n; i++)
        CHECK(peers[i] == 0x7f000014u, "a connection from 127.0.0.%u, not .20", peers[i] & 255);
    json_decref(r.json);
}

static void refused(const char *const *args, const char *says)
{
    struct run r;
    run_loadgen(&r, args);
    CHECK(r.status != 0 && !r.json, "loadgen ran (exit %d) with a bad --source-from", r.status);
    CHECK(strstr(r.err, says), "the message does not say '%s':\n%s", says, r.err);
}

static void case_source_from_refused(void)
{
    const char *zero[] = {"--source-from", "0", "127.0.0.1:9", NULL};
    refused(zero, "--source-from must be a whole number from 1 to 254");
    const char *high[] = {"--source-from", "255", "127.0.0.1:9", NULL};
    refused(high, "--source-from must be a whole number from 1 to 254");
    const char *past[] = {"--source-from", "253", "--sources", "3", "127.0.0.1:9", NULL};
    refused(past, "would run to 127.0.0.255, past 127.0.0.254");
    const char *v6[] = {"--source-from", "2", "[::1]:9", NULL};
    refused(v6, "need an IPv4 loopback target");
    const char *dur[] = {"--open-within", "soon", "127.0.0.1:9", NULL};
    refused(dur, "--open-within must be a duration");
}

TEST_CASES({"open_within", case_open_within}, {"open_within_deadline", case_open_within_deadline},
           {"source_from", case_source_from}, {"source_from_refused", case_source_from_refused});
TEST_MAIN()
