/* Unit tests of common/rio: short counts, 1-byte writes and interrupted calls, over
 * socketpairs. Each function is one property; all run in one ctest entry per file. */
#include "check.h"
#include "clock.h"
#include "harness.h"
#include "rio.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

struct feeder {
    int fd;
    const char *data;
    size_t len;
    size_t max_piece;  /* write in pieces of 1..max_piece bytes */
    unsigned pause_us; /* between pieces */
    int close_after;
};

static void *feed(void *arg)
{
    struct feeder *f = arg;
    uint64_t rs = 11;

    for (size_t off = 0; off < f->len;) {
        size_t n = 1 + rnd_below(&rs, f->max_piece);
        if (n > f->len - off)
            n = f->len - off;
        CHECK(write(f->fd, f->data + off, n) == (ssize_t)n);
        off += n;
        if (f->pause_us)
            usleep(f->pause_us);
    }
    if (f->close_after)
        close(f->fd);
    return NULL;
}

/* Starts a helper thread with every signal blocked from its first instruction, so the
 * timer's signals all go to the thread under test. */
static void spawn(pthread_t *t, void *(*fn)(void *), void *arg)
{
    sigset_t all, old;
    sigfillset(&all);
    CHECK(pthread_sigmask(SIG_BLOCK, &all, &old) == 0);
    CHECK(pthread_create(t, NULL, fn, arg) == 0);
    CHECK(pthread_sigmask(SIG_SETMASK, &old, NULL) == 0);
}

static void pair(int sv[2])
{
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
}

static void fill(char *buf, size_t n, uint64_t seed)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)rnd_below(&seed, 256);
}

/* rio_readn collects 1-byte writes into one full count, then reports EOF short. */
static void test_readn_short_counts(void)
{
    int sv[2];
    char data[3000], got[4000];
    pthread_t t;

    pair(sv);
    fill(data, sizeof(data), 1);
    struct feeder f = {
        .fd = sv[1], .data = data, .len = sizeof(data), .max_piece = 1, .close_after = 1};
    spawn(&t, feed, &f);
    CHECK(rio_readn(sv[0], got, 2000) == 2000);
    CHECK(memcmp(got, data, 2000) == 0);
    CHECK(rio_readn(sv[0], got, 2000) == 1000, "a short count at EOF");
    CHECK(memcmp(got, data + 2000, 1000) == 0);
    CHECK(rio_readn(sv[0], got, 10) == 0, "0 at EOF");
    pthread_join(t, NULL);
    close(sv[0]);
}

struct drain {
    int fd;
    char *into;
    size_t len;
};

static void *slow_reader(void *arg)
{
    struct drain *d = arg;
    uint64_t rs = 5;

    for (size_t off = 0; off < d->len;) {
        ssize_t n = read(d->fd, d->into + off, 1 + rnd_below(&rs, 7));
        CHECK(n > 0);
        off += (size_t)n;
    }
    return NULL;
}

/* rio_writen pushes everything through a small buffer drained a few bytes at a time. */
static void test_writen_short_writes(void)
{
    int sv[2];
    size_t len = 256 * 1024;
    char *data = malloc(len), *got = malloc(len);
    pthread_t t;
    int small = 4096;

    pair(sv);
    fill(data, len, 2);
    CHECK(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)) == 0);
    struct drain d = {.fd = sv[1], .into = got, .len = len};
    spawn(&t, slow_reader, &d);
    CHECK(rio_writen(sv[0], data, len) == (ssize_t)len);
    pthread_join(t, NULL);
    CHECK(memcmp(data, got, len) == 0);
    close(sv[0]);
    close(sv[1]);
    free(data);
    free(got);
}

/* rio_readlineb: whole lines, lines longer than the buffer and than maxlen, a partial
 * line at EOF, and rio_readnb on the same buffer. */
static void test_readlineb(void)
{
    int sv[2];
    pthread_t t;
    static char data[60000];
    char line[30000];
    size_t len = 0;

    /* "a\n", a line of 20000 bytes (more than RIO_BUFSIZE), "\n", "0123456789", a
     * 100-byte line for maxlen 64, then "partial" with no newline. */
    memcpy(data, "a\n", 2);
    len = 2;
    memset(data + len, 'L', 19999);
    data[len + 19999] = '\n';
    len += 20000;
    data[len++] = '\n';
    memcpy(data + len, "0123456789", 10);
    len += 10;
    memset(data + len, 'm', 99);
    data[len + 99] = '\n';
    len += 100;
    memcpy(data + len, "partial", 7);
    len += 7;

    pair(sv);
    struct feeder f = {.fd = sv[1], .data = data, .len = len, .max_piece = 3, .close_after = 1};
    spawn(&t, feed, &f);
    struct rio rio;
    rio_init(&rio, sv[0]);
    CHECK(rio_readlineb(&rio, line, sizeof(line)) == 2 && memcmp(line, "a\n", 2) == 0);
    CHECK(rio_readlineb(&rio, line, sizeof(line)) == 20000);
    CHECK(line[19999] == '\n' && line[0] == 'L' && line[19998] == 'L');
    CHECK(rio_readlineb(&rio, line, sizeof(line)) == 1 && line[0] == '\n', "an empty line");
    CHECK(rio_readnb(&rio, line, 10) == 10 && memcmp(line, "0123456789", 10) == 0);
    CHECK(rio_readlineb(&rio, line, 64) == 64, "maxlen bytes, no newline");
    CHECK(line[63] == 'm');
    CHECK(rio_readlineb(&rio, line, sizeof(line)) == 36 && line[35] == '\n', "the rest");
    CHECK(rio_readlineb(&rio, line, sizeof(line)) == 7 && memcmp(line, "partial", 7) == 0,
          "a partial line at EOF comes without its newline");
    CHECK(rio_readlineb(&rio, line, sizeof(line)) == 0, "then 0 at EOF");
    pthread_join(t, NULL);
    close(sv[0]);
}

static atomic_int alarms;
/* Set while the main thread is inside a rio call: the signals that land then are the
 * ones that interrupt its blocked read() or write(). */
static atomic_int in_rio;
static atomic_int alarms_in_rio;

static void on_alarm(int sig)
{
    (void)sig;
    atomic_fetch_add(&alarms, 1);
    if (atomic_load(&in_rio))
        atomic_fetch_add(&alarms_in_rio, 1);
}

/* A timer interrupts the reader and writer every 500 us while they block; without SA_RESTART
 * the calls fail with EINTR, and rio must carry on with no byte lost. */
static void test_interrupted(void)
{
    struct sigaction sa = {.sa_handler = on_alarm}; /* no SA_RESTART */
    struct itimerval every = {.it_interval = {0, 500}, .it_value = {0, 500}};
    struct itimerval off = {{0, 0}, {0, 0}};
    int sv[2];
    pthread_t t;
    static char data[20000], got[20000];
    char line[100];

    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
    CHECK(setitimer(ITIMER_REAL, &every, NULL) == 0);

    /* Reads: the feeder pauses between pieces, so the reader sits in read(). */
    pair(sv);
    fill(data, sizeof(data), 3);
    struct feeder f = {.fd = sv[1], .data = data, .len = 4000, .max_piece = 200, .pause_us = 1000};
    spawn(&t, feed, &f);
    atomic_store(&in_rio, 1);
    ssize_t n = rio_readn(sv[0], got, 4000);
    atomic_store(&in_rio, 0);
    CHECK(n == 4000);
    CHECK(memcmp(got, data, 4000) == 0);
    pthread_join(t, NULL);
    CHECK(atomic_load(&alarms_in_rio) > 3, "only %d signals came while rio_readn blocked",
          atomic_load(&alarms_in_rio));

    /* Buffered lines, same conditions. */
    memcpy(data, "first\nsecond line\nthird\n", 24);
    f = (struct feeder){.fd = sv[1], .data = data, .len = 24, .max_piece = 2, .pause_us = 2000};
    spawn(&t, feed, &f);
    struct rio rio;
    rio_init(&rio, sv[0]);
    CHECK(rio_readlineb(&rio, line, sizeof(line)) == 6 && memcmp(line, "first\n", 6) == 0);
    CHECK(rio_readlineb(&rio, line, sizeof(line)) == 12);
    CHECK(rio_readlineb(&rio, line, sizeof(line)) == 6);
    pthread_join(t, NULL);

    /* Writes: a slow reader keeps the writer blocked on a full buffer. */
    int small = 4096;
    CHECK(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)) == 0);
    struct drain d = {.fd = sv[1], .into = got, .len = sizeof(data)};
    fill(data, sizeof(data), 4);
    spawn(&t, slow_reader, &d);
    CHECK(rio_writen(sv[0], data, sizeof(data)) == (ssize_t)sizeof(data));
    pthread_join(t, NULL);
    CHECK(memcmp(got, data, sizeof(data)) == 0);

    CHECK(setitimer(ITIMER_REAL, &off, NULL) == 0);
    CHECK(atomic_load(&alarms) > 10, "only %d signals arrived", atomic_load(&alarms));
    close(sv[0]);
    close(sv[1]);
}

/* Errors come back as -1 with errno, not as a count. */
static void test_errors(void)
{
    char buf[8];
    struct rio rio;
    int sv[2];

    errno = 0;
    CHECK(rio_readn(-1, buf, sizeof(buf)) == -1 && errno == EBADF);
    CHECK(rio_writen(-1, buf, sizeof(buf)) == -1 && errno == EBADF);
    rio_init(&rio, -1);
    CHECK(rio_readlineb(&rio, buf, sizeof(buf)) == -1 && errno == EBADF);
    pair(sv);
    close(sv[1]);
    signal(SIGPIPE, SIG_IGN);
    CHECK(rio_writen(sv[0], "x", 1) == -1 && errno == EPIPE);
    close(sv[0]);
}

/* rio_readline_until: a line at a time from a pipe, nothing after it consumed; a
 * deadline for a line that never ends; EOF. */
static void test_readline_until(void)
{
    int p[2];
    char line[16];

    CHECK(pipe(p) == 0);
    CHECK(write(p[1], "hello\nworld", 11) == 11);
    CHECK(rio_readline_until(p[0], line, sizeof(line), clock_now_ns() + NS_PER_S) == 5);
    CHECK(strcmp(line, "hello") == 0);
    uint64_t t0 = clock_now_ns();
    CHECK(rio_readline_until(p[0], line, sizeof(line), t0 + 50 * NS_PER_MS) == -1,
          "no newline: the deadline");
    CHECK(clock_now_ns() - t0 < NS_PER_S, "it kept the deadline");
    CHECK(write(p[1], "too long\n", 9) == 9);
    CHECK(rio_readline_until(p[0], line, 4, clock_now_ns() + NS_PER_S) == -1,
          "a line longer than the buffer");
    CHECK(rio_readline_until(p[0], line, sizeof(line), clock_now_ns() + NS_PER_S) == 5 &&
              strcmp(line, " long") == 0,
          "the rest of it stays");
    close(p[1]);
    CHECK(rio_readline_until(p[0], line, sizeof(line), clock_now_ns() + NS_PER_S) == -1, "EOF");
    close(p[0]);
}

TEST_CASES({"readn_short_counts", test_readn_short_counts},
           {"writen_short_writes", test_writen_short_writes}, {"readlineb", test_readlineb},
           {"interrupted", test_interrupted}, {"errors", test_errors},
           {"readline_until", test_readline_until});
TEST_MAIN()
