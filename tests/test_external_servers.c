/* The shipped runtimes, bench's external models node, go and asyncio, through the
 * correctness tests of the C models, one case per ctest entry:
 *
 *     test_external_servers RUNTIME CASE
 *
 * Each case starts the runtime's server as bench does (its own process group, a free
 * port, ready once the port accepts) and drives it through real sockets. They print no
 * ready line and no stats line, so a case asserts what a client sees: exact echoes,
 * the too-long rule to the byte, a client that is idle or does not read holding up no
 * one, and a SIGTERM that leaves nothing running. A runtime that was not built (its
 * toolchain missing at configure time) is skipped, saying so. */
#include "check.h"
#include "harness.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_LINE 65536

/* The interpreters found at configure time; "" when none was. */
#ifndef ECHOBENCH_NODE
#define ECHOBENCH_NODE ""
#endif
#ifndef ECHOBENCH_PYTHON3
#define ECHOBENCH_PYTHON3 ""
#endif

struct runtime {
    const char *name;        /* as --models takes it */
    const char *file;        /* in the bin folder */
    const char *interpreter; /* the path it runs under; NULL: the file is the program */
    const char *toolchain;   /* what configure looked for */
    const char *package;     /* the Debian package make deps installs */
};

static const struct runtime runtimes[] = {
    {"node", "echo-node.js", ECHOBENCH_NODE, "Node.js (node)", "nodejs"},
    {"go", "echo-go", NULL, "Go (go)", "golang-go"},
    {"asyncio", "echo-asyncio.py", ECHOBENCH_PYTHON3, "Python 3 (python3)", "python3"},
};

static const struct runtime *rt;
static char rt_path[512];

/* The argument vector that runs the runtime with args (at most 4). */
static void rt_argv(const char **argv, const char *const *args)
{
    int n = 0;
    if (rt->interpreter)
        argv[n++] = rt->interpreter;
    argv[n++] = rt_path;
    for (int i = 0; args[i]; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
}

static void start(struct srv *s)
{
    char port[16];
    const char *argv[8], *args[] = {port, NULL};
    int p = free_port();
    snprintf(port, sizeof(port), "%d", p);
    rt_argv(argv, args);
    cmd_start(s, rt->file, argv, p, 10.0);
}

/* SIGTERM to the group, as bench stops it: the default action (killed by SIGTERM),
 * or exit 0 or 143, within 2 s, and nothing of its group left (cmd_stop). */
static void stop(struct srv *s)
{
    double took;
    int status = cmd_stop(s, SIGTERM, &took);
    CHECK((WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) ||
              (WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 143)),
          "%s ended with status 0x%x after SIGTERM", s->name, status);
    CHECK(took < 2.0, "%s took %.2f s to end after SIGTERM", s->name, took);
}

/* Sends buf (n bytes) and checks that exactly it comes back. */
static void echo_bytes(int fd, const char *buf, size_t n, const char *what)
{
    char *back = malloc(n);
    CHECK(back);
    cli_send(fd, buf, n);
    cli_recv(fd, back, n);
    CHECK(memcmp(buf, back, n) == 0, "%s: the echo differs", what);
    free(back);
}

/* ---- split_writes: lines in pieces, pieces of lines, lines together ---- */

static void case_split_writes(void)
{
    struct srv s;
    char line[4096], back[4096];
    uint64_t rs = 11;

    start(&s);
    int fd = cli_connect(s.port);
    /* Byte by byte: every byte its own segment (TCP_NODELAY). */
    for (int i = 0; i < 10; i++) {
        size_t n = 1 + rnd_below(&rs, 300);
        random_line(&rs, line, n);
        send_split(fd, &rs, line, n, 1);
        cli_recv(fd, back, n);
        CHECK(memcmp(line, back, n) == 0, "line %d sent byte by byte: the echo differs", i);
    }
    /* One line in two writes with a pause between, so the server reads them apart: cut
     * after its first byte, in its middle, and with the newline alone. */
    const size_t n = 200, cuts[] = {1, 100, 199};
    for (size_t c = 0; c < sizeof(cuts) / sizeof(cuts[0]); c++) {
        random_line(&rs, line, n);
        cli_send(fd, line, cuts[c]);
        CHECK(!cli_readable(fd, 30), "echoed %zu bytes of a line before its newline", cuts[c]);
        cli_send(fd, line + cuts[c], n - cuts[c]);
        cli_recv(fd, back, n);
        CHECK(memcmp(line, back, n) == 0, "a line cut at %zu: the echo differs", cuts[c]);
    }
    /* Complete lines are echoed at once, not held back behind the partial one after
     * them in the same write. */
    cli_send(fd, "one\ntwo\nthr", 11);
    cli_recv(fd, back, 8);
    CHECK(memcmp(back, "one\ntwo\n", 8) == 0, "got '%.8s'", back);
    cli_send(fd, "ee\n", 3);
    cli_recv(fd, back, 6);
    CHECK(memcmp(back, "three\n", 6) == 0, "got '%.6s'", back);
    /* Batches of lines in random pieces, and whole. */
    for (int b = 0; b < 40; b++) {
        size_t len = 0;
        while (len < 3000) {
            size_t k = 1 + rnd_below(&rs, 200);
            random_line(&rs, line + len, k);
            len += k;
        }
        send_split(fd, &rs, line, len, b % 2 ? 2 : 0);
        cli_recv(fd, back, len);
        CHECK(memcmp(line, back, len) == 0, "batch %d: the echo differs", b);
    }
    close(fd);
    stop(&s);
}

/* ---- long_lines: up to 64 KiB, whole, in pieces, and 4 MiB pipelined ---- */

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

static void case_long_lines(void)
{
    struct srv s;
    /* Around the buffers' sizes (4 KiB: bufio's and Node's high-water mark, 16 KiB and
     * 64 KiB: read sizes), and the limit itself. */
    static const size_t sizes[] = {4095, 4096, 4097, 8193, 16384, 16385, 65535, MAX_LINE};
    size_t cap = 4u << 20, len = 0;
    char *buf = malloc(cap), *back = malloc(cap);
    uint64_t rs = 5;
    CHECK(buf && back);

    start(&s);
    int fd = cli_connect(s.port);
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        random_line(&rs, buf, sizes[i]);
        echo_bytes(fd, buf, sizes[i], "a line sent whole");
        random_line(&rs, buf, sizes[i]);
        cli_send(fd, buf, sizes[i] / 3);
        usleep(5 * 1000); /* read apart from the rest */
        send_split(fd, &rs, buf + sizes[i] / 3, sizes[i] - sizes[i] / 3, 2);
        cli_recv(fd, back, sizes[i]);
        CHECK(memcmp(buf, back, sizes[i]) == 0, "a line of %zu bytes in pieces: the echo differs",
              sizes[i]);
    }
    /* Three lines at the limit in one write. */
    for (int i = 0; i < 3; i++)
        random_line(&rs, buf + (size_t)i * MAX_LINE, MAX_LINE);
    echo_bytes(fd, buf, 3 * MAX_LINE, "three lines at the limit together");
    close(fd);

    /* 4 MiB of lines of every length up to the limit, written while the echoes are
     * read: the server's own buffers fill, and it must hold back, not lose or stall. */
    while (len < cap - MAX_LINE) {
        size_t n = 1 + rnd_below(&rs, rnd_below(&rs, 4) ? 2000 : MAX_LINE);
        random_line(&rs, buf + len, n);
        len += n;
    }
    struct pipe_job job = {.fd = cli_connect(s.port), .buf = buf, .len = len};
    pthread_t writer;
    CHECK(pthread_create(&writer, NULL, pipe_writer, &job) == 0);
    cli_recv(job.fd, back, len);
    pthread_join(writer, NULL);
    CHECK(memcmp(buf, back, len) == 0, "the pipelined echo of %zu bytes differs", len);
    close(job.fd);
    stop(&s);
    free(buf);
    free(back);
}

/* ---- too_long: 65536 bytes without a newline close that connection only ---- */

/* Whether fd stays open and silent for ms. */
static bool stays_open(int fd, int ms)
{
    return !cli_readable(fd, ms); /* an echo or the end would make it readable */
}

static void case_too_long(void)
{
    struct srv s;
    size_t big = 100 * 1024;
    char *buf = malloc(big + 8), *back = malloc(MAX_LINE);
    uint64_t rs = 9;
    CHECK(buf && back);

    start(&s);
    int other = cli_connect(s.port); /* a bystander, open the whole time */
    cli_echo(other, "before\n");

    /* Exactly at the limit, the newline included: echoed. */
    int fd = cli_connect(s.port);
    random_line(&rs, buf, MAX_LINE);
    echo_bytes(fd, buf, MAX_LINE, "a line at the limit");
    /* One byte short of the limit and no newline yet: the connection is kept... */
    memset(buf, 'w', MAX_LINE - 1);
    cli_send(fd, buf, MAX_LINE - 1);
    CHECK(stays_open(fd, 500), "65535 bytes without a newline: the server did not wait");
    /* ...and the newline makes it a line at the limit. */
    cli_send(fd, "\n", 1);
    buf[MAX_LINE - 1] = '\n';
    cli_recv(fd, back, MAX_LINE);
    CHECK(memcmp(buf, back, MAX_LINE) == 0, "the line completed at the limit: the echo differs");
    close(fd);

    /* The limit reached without a newline: closed, without waiting for more. */
    fd = cli_connect(s.port);
    memset(buf, 'x', MAX_LINE);
    cli_send(fd, buf, MAX_LINE);
    CHECK(cli_drain_until_closed(fd, 3000) == 0,
          "65536 bytes without a newline: the connection was kept or echoed");
    close(fd);

    /* One byte over: 65536 bytes and then the newline. */
    fd = cli_connect(s.port);
    memset(buf, 'z', MAX_LINE);
    buf[MAX_LINE] = '\n';
    cli_send(fd, buf, MAX_LINE + 1);
    CHECK(cli_drain_until_closed(fd, 3000) == 0, "a line of 65537 bytes was not refused");
    close(fd);

    /* The same in two writes, the newline in the second: the line is judged whole. */
    fd = cli_connect(s.port);
    cli_send(fd, buf, 40000);
    usleep(20 * 1000); /* read apart */
    cli_send(fd, buf + 40000, MAX_LINE + 1 - 40000);
    CHECK(cli_drain_until_closed(fd, 3000) == 0,
          "a line of 65537 bytes in two writes was not refused");
    close(fd);

    /* A good line, then one too long, in one write: at most the good one is echoed. */
    fd = cli_connect(s.port);
    memcpy(buf, "ok\n", 3);
    memset(buf + 3, 'q', 70000);
    buf[70003] = '\n';
    cli_send(fd, buf, 70004);
    long got = cli_drain_until_closed(fd, 3000);
    CHECK(got == 0 || got == 3, "a line too long after a good one: %ld bytes came back", got);
    close(fd);

    /* 100 KiB without a newline; the server may close mid-send, which is the point. */
    memset(buf, 'y', big);
    fd = cli_connect(s.port);
    for (size_t off = 0; off < big;) {
        ssize_t put = send(fd, buf + off, big - off, MSG_NOSIGNAL);
        if (put <= 0)
            break;
        off += (size_t)put;
    }
    CHECK(cli_drain_until_closed(fd, 3000) == 0, "the server kept the connection or echoed");
    close(fd);

    cli_echo(other, "after\n");
    close(other);
    fd = cli_connect(s.port);
    cli_echo(fd, "a new client\n");
    close(fd);
    stop(&s);
    free(buf);
    free(back);
}

/* ---- many_clients: concurrent clients with random lines and splits, and 300 at once ---- */

struct echo_job {
    int port;
    int index;
};

#define BATCH_MAX (16 * 3000 + MAX_LINE)

static void *echo_client(void *arg)
{
    struct echo_job *job = arg;
    uint64_t rs = 0x5eed0000u + (uint64_t)job->index;
    char *batch = malloc(BATCH_MAX), *back = malloc(BATCH_MAX);
    CHECK(batch && back);
    int fd = cli_connect(job->port);

    for (int b = 0; b < 20; b++) {
        size_t len = 0;
        if (b == 10 && job->index % 3 == 0) {
            random_line(&rs, batch, MAX_LINE); /* exactly the limit: must be echoed */
            len = MAX_LINE;
        } else {
            int want = 1 + (int)rnd_below(&rs, 16);
            for (int lines = 0; lines < want; lines++) {
                size_t n = 1 + rnd_below(&rs, rnd_below(&rs, 2) ? 64 : 3000);
                random_line(&rs, batch + len, n);
                len += n;
            }
        }
        send_split(fd, &rs, batch, len, (int)rnd_below(&rs, 2) * 2);
        cli_recv(fd, back, len);
        CHECK(memcmp(batch, back, len) == 0, "client %d batch %d: the echo differs", job->index, b);
    }
    close(fd);
    free(batch);
    free(back);
    return NULL;
}

static void case_many_clients(void)
{
    struct srv s;
    enum { CLIENTS = 24, AT_ONCE = 300 };
    struct echo_job jobs[CLIENTS];
    pthread_t tids[CLIENTS];
    static int fds[AT_ONCE];
    char line[64];

    raise_nofile();
    start(&s);
    for (int i = 0; i < CLIENTS; i++) {
        jobs[i] = (struct echo_job){.port = s.port, .index = i};
        CHECK(pthread_create(&tids[i], NULL, echo_client, &jobs[i]) == 0);
    }
    for (int i = 0; i < CLIENTS; i++)
        pthread_join(tids[i], NULL);
    /* Connected one after another, held open together, then each served in turn. */
    for (int i = 0; i < AT_ONCE; i++)
        fds[i] = cli_connect(s.port);
    for (int i = 0; i < AT_ONCE; i++) {
        snprintf(line, sizeof(line), "client %d of %d\n", i, AT_ONCE);
        cli_echo(fds[i], line);
    }
    for (int i = 0; i < AT_ONCE; i++)
        close(fds[i]);
    stop(&s);
}

/* ---- idle_clients: one out to lunch, half a line, 500 idle: the others are served ---- */

static void case_idle_clients(void)
{
    struct srv s;
    enum { IDLE = 500 };
    static int fds[IDLE];
    char line[64];

    raise_nofile();
    start(&s);
    int lunch = cli_connect(s.port); /* connects, then goes out to lunch */
    int half = cli_connect(s.port);
    cli_send(half, "half a li", 9); /* and one that stops mid-line */
    usleep(100 * 1000);
    int fd = cli_connect(s.port);
    cli_send(fd, "is anybody there?\n", 18);
    CHECK(cli_readable(fd, 3000), "a client waited behind an idle one");
    char back[18];
    cli_recv(fd, back, sizeof(back));
    CHECK(memcmp(back, "is anybody there?\n", 18) == 0);

    for (int i = 0; i < IDLE; i++)
        fds[i] = cli_connect(s.port);
    for (int i = 0; i < 20; i++) {
        snprintf(line, sizeof(line), "active line %d\n", i);
        cli_echo(fd, line);
    }
    /* They were held all along, and each is served now. */
    for (int i = 0; i < IDLE; i++)
        cli_echo(fds[i], "back from lunch\n");
    cli_send(half, "ne\n", 3);
    cli_recv(half, back, 12);
    CHECK(memcmp(back, "half a line\n", 12) == 0, "the line finished after a pause: '%.12s'", back);
    cli_echo(lunch, "back at last\n");
    for (int i = 0; i < IDLE; i++)
        close(fds[i]);
    close(fd);
    close(half);
    close(lunch);
    stop(&s);
}

/* ---- half_close: a client that half-closes still gets every echo ---- */

static void case_half_close(void)
{
    struct srv s;
    const char sent[] = "one\ntwo\nthree\na partial line", want[] = "one\ntwo\nthree\n";
    char got[64];
    size_t n = 0;

    start(&s);
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
    stop(&s);
}

/* ---- reset: clients that vanish mid-line or mid-echo cost their connection only ---- */

static void case_reset(void)
{
    struct srv s;
    char big[8192];
    uint64_t rs = 3;

    start(&s);
    int bystander = cli_connect(s.port);
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
        cli_echo(bystander, "still served\n");
    }
    close(bystander);
    int fd = cli_connect(s.port);
    cli_echo(fd, "still here?\n");
    close(fd);
    stop(&s);
}

/* ---- backpressure: a client that sends and never reads is held back ---- */

/* The largest socket buffer autotuning may give (the third field of a tcp_rmem or
 * tcp_wmem sysctl), in bytes; 8 MiB when it cannot be read. */
static size_t sysctl_max(const char *path)
{
    char *text = slurp(path, NULL);
    unsigned long lo, def, max;
    size_t v = 8u << 20;
    if (text && sscanf(text, "%lu %lu %lu", &lo, &def, &max) == 3)
        v = max;
    free(text);
    return v;
}

static void case_backpressure(void)
{
    struct srv s;
    enum { PIECE = 256 * 1024 };
    static char lines[PIECE];

    /* What the kernel can hold on the way, both directions: the hog's send buffer and
     * the server's receive buffer, the server's send buffer and the hog's receive
     * buffer. A server that stops reading while its echoes cannot go lets through
     * about that; one that reads on without bound takes all it is sent. */
    size_t rmem = sysctl_max("/proc/sys/net/ipv4/tcp_rmem");
    size_t wmem = sysctl_max("/proc/sys/net/ipv4/tcp_wmem");
    size_t in_kernel = 2 * (rmem + wmem), allowed = in_kernel + (8u << 20);
    size_t offered = allowed + (32u << 20);

    memset(lines, 'h', sizeof(lines));
    for (size_t i = 99; i < sizeof(lines); i += 100)
        lines[i] = '\n';
    start(&s);
    int hog = cli_connect(s.port);
    struct timeval short_wait = {.tv_sec = 1, .tv_usec = 0};
    CHECK(setsockopt(hog, SOL_SOCKET, SO_SNDTIMEO, &short_wait, sizeof(short_wait)) == 0);
    size_t sent = 0;
    while (sent < offered) {
        ssize_t put = send(hog, lines, sizeof(lines), MSG_NOSIGNAL);
        if (put < 0 && errno == EINTR)
            continue;
        if (put <= 0)
            break; /* a second without room: held back */
        sent += (size_t)put;
    }
    CHECK(sent < allowed,
          "a client that does not read sent %zu MiB: the server read on without bound (the "
          "kernel holds about %zu MiB)",
          sent >> 20, in_kernel >> 20);
    /* Held back, it holds up no one else. */
    int fd = cli_connect(s.port);
    cli_echo(fd, "served beside the hog\n");
    close(fd);
    cli_reset(hog);
    fd = cli_connect(s.port);
    cli_echo(fd, "served after the hog\n");
    close(fd);
    stop(&s);
}

/* ---- sigterm: ends within 2 s whatever the clients do, nothing left ---- */

struct streamer {
    int port;
    atomic_int echoes;
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
    return NULL;
}

static void case_sigterm(void)
{
    struct srv s;
    enum { IDLE = 40, STREAMS = 2 };
    int fds[IDLE];
    struct streamer streamers[STREAMS];
    pthread_t tids[STREAMS];
    static char lines[256 * 1024];

    start(&s);
    for (int i = 0; i < IDLE; i++)
        fds[i] = cli_connect(s.port);
    int half = cli_connect(s.port);
    cli_send(half, "half a li", 9);
    for (int i = 0; i < STREAMS; i++) {
        streamers[i] = (struct streamer){.port = s.port};
        CHECK(pthread_create(&tids[i], NULL, stream_client, &streamers[i]) == 0);
    }
    int flowing = 0;
    for (double end = now_s() + 10; flowing < STREAMS && now_s() < end; usleep(10 * 1000)) {
        flowing = 0;
        for (int i = 0; i < STREAMS; i++)
            flowing += atomic_load(&streamers[i].echoes) > 0;
    }
    CHECK(flowing == STREAMS, "the streaming clients were not served within 10 s");
    /* And one that writes without reading. */
    int hog = cli_connect(s.port);
    memset(lines, 'h', sizeof(lines));
    for (size_t i = 99; i < sizeof(lines); i += 100)
        lines[i] = '\n';
    struct timeval short_wait = {.tv_sec = 0, .tv_usec = 200000};
    CHECK(setsockopt(hog, SOL_SOCKET, SO_SNDTIMEO, &short_wait, sizeof(short_wait)) == 0);
    for (int i = 0; i < 40 && send(hog, lines, sizeof(lines), MSG_NOSIGNAL) > 0; i++)
        ;
    stop(&s); /* within 2 s, and nothing of its group left */
    for (int i = 0; i < STREAMS; i++)
        pthread_join(tids[i], NULL); /* they end when their connections do */
    CHECK(cli_drain_until_closed(half, 2000) >= 0, "a client was left connected");
    CHECK(cli_drain_until_closed(hog, 2000) >= 0, "the client that does not read was kept");
    for (int i = 0; i < IDLE; i++) {
        CHECK(cli_drain_until_closed(fds[i], 2000) >= 0, "idle client %d was left connected", i);
        close(fds[i]);
    }
    close(hog);
    close(half);
}

/* ---- usage: bad command lines get a message and exit 2 ---- */

/* Runs the runtime with args; returns its exit status, its stderr and stdout in err
 * and out (NUL-terminated, both far below a pipe's capacity). */
static int run_capture(const char *const *args, char *err, size_t errlen, char *out, size_t outlen)
{
    const char *argv[8];
    int ep[2], op[2], status;
    rt_argv(argv, args);
    CHECK(pipe(ep) == 0 && pipe(op) == 0);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        dup2(ep[1], STDERR_FILENO);
        dup2(op[1], STDOUT_FILENO);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(ep[1]);
    close(op[1]);
    const int fds[2] = {ep[0], op[0]};
    char *bufs[2] = {err, out};
    const size_t lens[2] = {errlen, outlen};
    for (int k = 0; k < 2; k++) {
        size_t got = 0;
        ssize_t n;
        while (got + 1 < lens[k] && ((n = read(fds[k], bufs[k] + got, lens[k] - 1 - got)) > 0 ||
                                     (n < 0 && errno == EINTR)))
            got += n > 0 ? (size_t)n : 0;
        bufs[k][got] = '\0';
        close(fds[k]);
    }
    CHECK(waitpid(pid, &status, 0) == pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void case_usage(void)
{
    static const struct {
        const char *args[3];
        const char *says;
    } bad[] = {
        {{NULL}, "missing PORT"},          {{"abc", NULL}, "PORT must be"},
        {{"70000", NULL}, "PORT must be"}, {{"0", NULL}, "PORT must be"},
        {{"-5", NULL}, "PORT must be"},    {{"1234", "5", NULL}, "unexpected argument"},
    };
    char err[2048], out[2048];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = run_capture(bad[i].args, err, sizeof(err), out, sizeof(out));
        CHECK(rc == 2, "case %zu: exit %d, stderr: %s", i, rc, err);
        CHECK(strstr(err, bad[i].says) && strstr(err, "usage: "),
              "case %zu: stderr lacks '%s' or the usage line: %s", i, bad[i].says, err);
        CHECK(out[0] == '\0', "case %zu: printed on stdout: %s", i, out);
    }
    /* A port that is taken: exit 1, saying so. */
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t len = sizeof(sa);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int taken = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(taken >= 0 && bind(taken, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
          listen(taken, 1) == 0 && getsockname(taken, (struct sockaddr *)&sa, &len) == 0);
    char port[16];
    snprintf(port, sizeof(port), "%d", ntohs(sa.sin_port));
    const char *in_use[] = {port, NULL};
    int rc = run_capture(in_use, err, sizeof(err), out, sizeof(out));
    CHECK(rc == 1 && strstr(err, "cannot listen on 127.0.0.1 port"), "a port in use: exit %d: %s",
          rc, err);
    close(taken);
    /* --version: the runtime's version, one line (bench records it). */
    const char *version[] = {"--version", NULL};
    rc = run_capture(version, err, sizeof(err), out, sizeof(out));
    CHECK(rc == 0 && out[0] && strchr(out, '\n') == out + strlen(out) - 1 &&
              strpbrk(out, "0123456789"),
          "--version: exit %d, stdout '%s', stderr %s", rc, out, err);
    const char *help[] = {"--help", NULL};
    rc = run_capture(help, err, sizeof(err), out, sizeof(out));
    CHECK(rc == 0 && strstr(out, "usage: ") && strstr(out, "PORT"), "--help: exit %d: %s", rc, out);
}

TEST_CASES({"split_writes", case_split_writes}, {"long_lines", case_long_lines},
           {"too_long", case_too_long}, {"many_clients", case_many_clients},
           {"idle_clients", case_idle_clients}, {"half_close", case_half_close},
           {"reset", case_reset}, {"backpressure", case_backpressure}, {"sigterm", case_sigterm},
           {"usage", case_usage});

/* test_external_servers RUNTIME CASE */
int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: test_external_servers node|go|asyncio CASE\n");
        return 2;
    }
    for (size_t i = 0; i < sizeof(runtimes) / sizeof(runtimes[0]); i++)
        if (strcmp(runtimes[i].name, argv[1]) == 0)
            rt = &runtimes[i];
    if (!rt) {
        fprintf(stderr, "test_external_servers: no runtime '%s' (node, go, asyncio)\n", argv[1]);
        return 2;
    }
    snprintf(rt_path, sizeof(rt_path), "%s/%s", ECHOBENCH_BIN_DIR, rt->file);
    if ((rt->interpreter && !rt->interpreter[0]) || access(rt_path, F_OK) != 0) {
        fprintf(stderr,
                "skipped: %s is not built: %s was not found when echobench was configured "
                "(make deps installs %s, then make)\n",
                rt->file, rt->toolchain, rt->package);
        return TEST_SKIP;
    }
    return test_main(test_cases, sizeof(test_cases) / sizeof(test_cases[0]), argc - 1, argv + 1);
}
