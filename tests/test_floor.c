/* Integration tests of echo-floor, the machine's reference (servers/floor.c), one case
 * per ctest entry:
 *
 *     test_floor CASE
 *
 * The floor echoes bytes, not lines, prints no stats line and is not a model, so these
 * cases are its own; they assert what bench relies on: byte-exact echoes however the
 * bytes are cut, every client its own bytes, a client that does not read holding up
 * no one else, and a stop that prints {"model":"floor"}, exits 0 and leaves nothing. */
#include "check.h"
#include "harness.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* The byte at offset i of client id's stream: every client's stream differs. */
static char stream_byte(unsigned id, uint64_t i)
{
    return (char)((i * 131 + (i >> 9) + id * 7919) & 0xff);
}

static void start_floor(struct srv *s)
{
    const char *args[] = {"0", NULL};
    srv_start(s, "floor", args, NULL);
}

/* Waits (at most 10 s) for the floor to hold `want` descriptors. Returns what it holds. */
static int fds_become(pid_t pid, int want)
{
    int n = proc_fd_count(pid);
    for (double end = now_s() + 10; n != want && now_s() < end; n = proc_fd_count(pid))
        usleep(10 * 1000);
    return n;
}

/* SIGTERM: the floor exits 0 and has printed, after its ready line, exactly the one line
 * {"model":"floor"}; nothing of its process group is left. */
static void stop_floor(struct srv *s)
{
    int status = 0;
    pid_t got = 0;
    double t0 = now_s();
    CHECK(kill(s->pid, SIGTERM) == 0);
    while (now_s() - t0 < 5.0 && (got = waitpid(s->pid, &status, WNOHANG)) == 0)
        usleep(2000);
    CHECK(got == s->pid, "echo-floor did not exit within 5 s of SIGTERM");
    fprintf(stderr, "echo-floor exited %.3f s after SIGTERM\n", now_s() - t0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "echo-floor ended with status 0x%x",
          status);
    char rest[256];
    size_t n = 0;
    ssize_t r;
    while (n < sizeof(rest) - 1 && cli_readable(s->out, 5000) &&
           (r = read(s->out, rest + n, sizeof(rest) - 1 - n)) > 0)
        n += (size_t)r;
    rest[n] = '\0';
    close(s->out);
    CHECK(strcmp(rest, "{\"model\":\"floor\"}\n") == 0, "after its ready line it printed '%s'",
          rest);
    CHECK(kill(-s->pid, 0) < 0 && errno == ESRCH, "processes of its group outlived it");
}

/* Bytes come back as they arrive, without a newline, and exactly, however the sender
 * cuts them: pieces of 1, 7 and 1000 bytes with pauses between them. */
static void case_split_writes(void)
{
    static const size_t pieces[] = {1, 7, 1000};
    static const unsigned counts[] = {300, 100, 30};
    static char out[30000], in[30000];
    struct srv s;
    uint64_t at = 0;

    start_floor(&s);
    int fd = cli_connect(s.port);
    cli_send(fd, "abc", 3); /* no newline: a line server would wait for one */
    cli_recv(fd, in, 3);
    CHECK(memcmp(in, "abc", 3) == 0);
    for (size_t k = 0; k < 3; k++) {
        size_t total = pieces[k] * counts[k];
        for (size_t i = 0; i < total; i++)
            out[i] = stream_byte(0, at + i);
        for (size_t off = 0; off < total; off += pieces[k]) {
            cli_send(fd, out + off, pieces[k]);
            usleep(1000);
        }
        cli_recv(fd, in, total);
        CHECK(memcmp(in, out, total) == 0, "pieces of %zu bytes came back changed", pieces[k]);
        at += total;
    }
    close(fd);
    stop_floor(&s);
}

/* 50 clients, their sends interleaved round after round: each gets back exactly its
 * own bytes, and nothing more. */
static void case_many_clients(void)
{
    enum { CLIENTS = 50, ROUNDS = 8, MOST = 3000 };
    static char out[MOST], in[MOST];
    int fds[CLIENTS];
    uint64_t sent[CLIENTS] = {0}, rs = 13;
    size_t len[CLIENTS];
    struct srv s;

    raise_nofile();
    start_floor(&s);
    for (int i = 0; i < CLIENTS; i++)
        fds[i] = cli_connect(s.port);
    for (int r = 0; r < ROUNDS; r++) {
        for (int i = 0; i < CLIENTS; i++) {
            len[i] = 1 + rnd_below(&rs, MOST);
            for (size_t b = 0; b < len[i]; b++)
                out[b] = stream_byte((unsigned)i, sent[i] + b);
            cli_send(fds[i], out, len[i]);
        }
        for (int i = 0; i < CLIENTS; i++) {
            cli_recv(fds[i], in, len[i]);
            for (size_t b = 0; b < len[i]; b++)
                CHECK(in[b] == stream_byte((unsigned)i, sent[i] + b),
                      "client %d got another's byte at %llu", i, (unsigned long long)(sent[i] + b));
            sent[i] += len[i];
        }
    }
    for (int i = 0; i < CLIENTS; i++) {
        CHECK(!cli_readable(fds[i], 0), "client %d got more than it sent", i);
        close(fds[i]);
    }
    stop_floor(&s);
}

/* The most a TCP buffer sysctl (tcp_rmem, tcp_wmem) lets autotuning grow to, in bytes;
 * fallback when it cannot be read. */
static uint64_t tcp_buf_max(const char *path, uint64_t fallback)
{
    unsigned long long lo, def, max;
    FILE *f = fopen(path, "r");
    int n = f ? fscanf(f, "%llu %llu %llu", &lo, &def, &max) : 0;
    if (f)
        fclose(f);
    return n == 3 ? (uint64_t)max : fallback;
}

/* A client writes far more than every buffer on the way can hold and does not read. It
 * stalls, but another client is still echoed; then it reads, and every one of its bytes
 * comes back in order. What the buffers hold is the client's send buffer, the floor's
 * receive and send buffers (each as large as autotuning lets it grow: tcp_wmem's and
 * tcp_rmem's maximum) and the floor's one pending read: twice all that is past them. */
static void case_slow_reader(void)
{
    const uint64_t TOTAL = 2 * (tcp_buf_max("/proc/sys/net/ipv4/tcp_rmem", 6 << 20) +
                                2 * tcp_buf_max("/proc/sys/net/ipv4/tcp_wmem", 4 << 20)) +
                           (1 << 20);
    static char buf[65536];
    uint64_t sent = 0, got = 0;
    struct srv s;

    start_floor(&s);
    /* A 4 KiB receive buffer, set before the connect so the window is that small: the
     * floor's output to it stalls long before 8 MiB, and waits as pending output. */
    int slow = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), small = 4096;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s.port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(slow >= 0 && setsockopt(slow, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)) == 0);
    CHECK(connect(slow, (struct sockaddr *)&sa, sizeof(sa)) == 0, "connect: %s", strerror(errno));
    for (;;) {
        size_t n = TOTAL - sent < sizeof(buf) ? (size_t)(TOTAL - sent) : sizeof(buf);
        for (size_t i = 0; i < n; i++)
            buf[i] = stream_byte(1, sent + i);
        ssize_t put = n ? send(slow, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL) : 0;
        if (put > 0) {
            sent += (uint64_t)put;
            continue;
        }
        CHECK(n == 0 || errno == EAGAIN, "send: %s", strerror(errno));
        struct pollfd p = {.fd = slow, .events = POLLOUT};
        if (n == 0 || poll(&p, 1, 500) == 0)
            break; /* stalled (or all sent): the floor holds its echo */
    }
    fprintf(stderr, "the slow reader stalled after %llu bytes\n", (unsigned long long)sent);
    CHECK(sent < TOTAL, "%llu bytes went out without a stall: the case proves nothing",
          (unsigned long long)TOTAL);
    int other = cli_connect(s.port);
    for (int i = 0; i < 20; i++)
        cli_echo(other, "the other client is echoed\n");
    close(other);

    /* Now it reads what comes back and writes the rest. */
    while (got < TOTAL) {
        struct pollfd p = {.fd = slow, .events = POLLIN | (sent < TOTAL ? POLLOUT : 0)};
        CHECK(poll(&p, 1, 10000) > 0, "no echo for 10 s after %llu bytes", (unsigned long long)got);
        if (p.revents & POLLOUT) {
            size_t n = TOTAL - sent < sizeof(buf) ? (size_t)(TOTAL - sent) : sizeof(buf);
            for (size_t i = 0; i < n; i++)
                buf[i] = stream_byte(1, sent + i);
            ssize_t put = send(slow, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL);
            CHECK(put > 0 || errno == EAGAIN, "send: %s", strerror(errno));
            sent += put > 0 ? (uint64_t)put : 0;
        }
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t r = recv(slow, buf, sizeof(buf), MSG_DONTWAIT);
            CHECK(r > 0 || (r < 0 && errno == EAGAIN), "the echo ended after %llu bytes",
                  (unsigned long long)got);
            for (ssize_t i = 0; i < r; i++)
                CHECK(buf[i] == stream_byte(1, got + (uint64_t)i), "byte %llu came back changed",
                      (unsigned long long)(got + (uint64_t)i));
            got += r > 0 ? (uint64_t)r : 0;
        }
    }
    close(slow);
    stop_floor(&s);
}

/* With clients connected (one of them with output pending), SIGTERM ends it: exit 0,
 * the one line, each client sees its connection closed. Before that, a closed client
 * costs it no descriptor, and it never has a child or a second thread. */
static void case_stop(void)
{
    enum { CLIENTS = 12 };
    static char buf[1 << 20];
    int fds[CLIENTS];
    struct srv s;

    start_floor(&s);
    int base = fds_become(s.pid, proc_fd_count(s.pid));
    for (int i = 0; i < CLIENTS; i++) {
        fds[i] = cli_connect(s.port);
        cli_echo(fds[i], "up\n");
    }
    CHECK(fds_become(s.pid, base + CLIENTS) == base + CLIENTS, "%d descriptors for %d clients",
          proc_fd_count(s.pid) - base, CLIENTS);
    for (int i = 0; i < CLIENTS / 2; i++)
        close(fds[i]);
    CHECK(fds_become(s.pid, base + CLIENTS / 2) == base + CLIENTS / 2,
          "%d descriptors left for %d clients", proc_fd_count(s.pid) - base, CLIENTS / 2);
    CHECK(proc_child_count(s.pid, NULL) == 0 && proc_thread_count(s.pid) == 1);
    memset(buf, 'x', sizeof(buf));
    int slow = CLIENTS - 1; /* it writes and does not read: the floor has output pending */
    while (send(fds[slow], buf, sizeof(buf), MSG_DONTWAIT | MSG_NOSIGNAL) > 0)
        ;
    usleep(100 * 1000);

    stop_floor(&s);
    for (int i = CLIENTS / 2; i < CLIENTS; i++) {
        CHECK(cli_drain_until_closed(fds[i], 5000) >= 0, "client %d is still open", i);
        close(fds[i]);
    }
}

TEST_CASES({"split_writes", case_split_writes}, {"many_clients", case_many_clients},
           {"slow_reader", case_slow_reader}, {"stop", case_stop});

TEST_MAIN()
