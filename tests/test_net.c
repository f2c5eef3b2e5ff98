/* Unit tests of common/net: addresses, listening, connecting, limits, the reserve. */
#include "check.h"
#include "harness.h"
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

static void test_split_hostport(void)
{
    char host[64], port[8];

    CHECK(net_split_hostport("127.0.0.1:8080", host, sizeof(host), port, sizeof(port)) == 0);
    CHECK(strcmp(host, "127.0.0.1") == 0 && strcmp(port, "8080") == 0);
    CHECK(net_split_hostport("[::1]:15213", host, sizeof(host), port, sizeof(port)) == 0);
    CHECK(strcmp(host, "::1") == 0 && strcmp(port, "15213") == 0);
    CHECK(net_split_hostport("localhost:0", host, sizeof(host), port, sizeof(port)) == 0);
    CHECK(strcmp(host, "localhost") == 0 && strcmp(port, "0") == 0);
    static const char *bad[] = {"::1",
                                "noport",
                                "[::1]",
                                "[::1]80",
                                ":80",
                                "host:",
                                "a-host-name-far-too-long-for-the-buffer-we-gave-it-here:1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        errno = 0;
        CHECK(net_split_hostport(bad[i], host, sizeof(host) / 2, port, sizeof(port)) == -1 &&
                  errno == EINVAL,
              "'%s' was accepted", bad[i]);
    }
}

static void test_parse_port(void)
{
    CHECK(net_parse_port("0") == 0 && net_parse_port("65535") == 65535);
    CHECK(net_parse_port("15213") == 15213);
    static const char *bad[] = {"65536", "-1", "", "12a", " 1", "+5", "99999999999999999999"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK(net_parse_port(bad[i]) == -1, "'%s' was accepted", bad[i]);
}

/* Listens on host port 0; returns the listener and its address in *where. */
static int listen_any(const char *host, int flags, char *where, size_t len)
{
    struct net_addr a, bound;
    CHECK(net_resolve(host, "0", 1, &a) == 0);
    int fd = net_listen(&a, 16, flags);
    CHECK(fd >= 0, "listen on %s: %s", host, strerror(errno));
    CHECK(net_local_addr(fd, &bound) == 0);
    CHECK(net_format((struct sockaddr *)&bound.ss, where, len) == 0);
    return fd;
}

static void test_listen_connect_v4(void)
{
    char where[NET_ADDRSTRLEN], host[64], port[8];
    int lfd = listen_any("127.0.0.1", 0, where, sizeof(where));

    CHECK(strncmp(where, "127.0.0.1:", 10) == 0 && atoi(where + 10) > 0, "%s", where);
    CHECK(fcntl(lfd, F_GETFD) & FD_CLOEXEC, "close-on-exec");
    CHECK(net_split_hostport(where, host, sizeof(host), port, sizeof(port)) == 0);
    struct net_addr to;
    CHECK(net_resolve(host, port, 0, &to) == 0);
    int c = net_connect(&to);
    CHECK(c >= 0, "connect: %s", strerror(errno));
    int s = accept(lfd, NULL, NULL);
    CHECK(s >= 0);
    CHECK(write(c, "hi", 2) == 2);
    char buf[2];
    CHECK(read(s, buf, 2) == 2 && memcmp(buf, "hi", 2) == 0);
    close(s);
    close(c);
    close(lfd);

    /* Nobody listens there now. */
    errno = 0;
    CHECK(net_connect(&to) == -1 && errno == ECONNREFUSED, "errno %d", errno);
}

static void test_listen_v6(void)
{
    char where[NET_ADDRSTRLEN];
    struct net_addr a;
    CHECK(net_resolve("::1", "0", 1, &a) == 0);
    int fd = net_listen(&a, 16, 0);
    if (fd < 0) {
        fprintf(stderr, "no IPv6 loopback here (%s): skipped\n", strerror(errno));
        exit(TEST_SKIP);
    }
    struct net_addr bound;
    CHECK(net_local_addr(fd, &bound) == 0);
    CHECK(net_format((struct sockaddr *)&bound.ss, where, sizeof(where)) == 0);
    CHECK(strncmp(where, "[::1]:", 6) == 0 && atoi(where + 6) > 0, "%s", where);
    close(fd);
}

static void test_nonblock_and_reuseport(void)
{
    char where[NET_ADDRSTRLEN], host[64], port[8];
    int lfd = listen_any("127.0.0.1", NET_NONBLOCK | NET_REUSEPORT, where, sizeof(where));

    CHECK(accept(lfd, NULL, NULL) == -1 && errno == EAGAIN, "a non-blocking listener");
    CHECK(net_split_hostport(where, host, sizeof(host), port, sizeof(port)) == 0);
    struct net_addr same;
    CHECK(net_resolve(host, port, 1, &same) == 0);
    int second = net_listen(&same, 16, NET_REUSEPORT);
    CHECK(second >= 0, "SO_REUSEPORT shares the port: %s", strerror(errno));
    errno = 0;
    CHECK(net_listen(&same, 16, 0) == -1 && errno == EADDRINUSE, "without it, the port is taken");
    close(second);
    close(lfd);

    int fds[2];
    CHECK(pipe(fds) == 0);
    CHECK(net_set_nonblock(fds[0]) == 0 && (fcntl(fds[0], F_GETFL) & O_NONBLOCK));
    CHECK(net_set_nonblock(fds[0]) == 0, "twice is fine");
    close(fds[0]);
    close(fds[1]);
    CHECK(net_set_nonblock(-1) == -1 && errno == EBADF);
}

static void test_resolve_errors(void)
{
    struct net_addr a;
    int rc = net_resolve("not an address", "0", 1, &a);
    CHECK(rc != 0);
    CHECK(strlen(net_resolve_strerror(rc)) > 0);
    struct sockaddr sa = {.sa_family = AF_UNIX};
    char buf[NET_ADDRSTRLEN];
    CHECK(net_format(&sa, buf, sizeof(buf)) == -1 && errno == EAFNOSUPPORT);
}

static void test_raise_nofile(void)
{
    struct rlimit rl;
    rlim_t now;

    CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
    if (rl.rlim_max < 128) {
        fprintf(stderr, "hard limit too low to test: skipped\n");
        exit(TEST_SKIP);
    }
    rl.rlim_cur = 64;
    CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
    CHECK(net_raise_nofile(&now) == 0);
    CHECK(now == rl.rlim_max, "soft %lu, hard %lu", (unsigned long)now, (unsigned long)rl.rlim_max);
    CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur == rl.rlim_max);
}

/* The reserve descriptor sheds one pending connection, and is taken again. */
static void test_shed(void)
{
    char where[NET_ADDRSTRLEN], host[64], port[8];
    int lfd = listen_any("127.0.0.1", NET_NONBLOCK, where, sizeof(where));
    CHECK(net_split_hostport(where, host, sizeof(host), port, sizeof(port)) == 0);
    struct net_addr to;
    CHECK(net_resolve(host, port, 0, &to) == 0);

    int reserve = net_reserve_open();
    CHECK(reserve >= 0);
    int c = net_connect(&to);
    CHECK(c >= 0);
    CHECK(net_shed(lfd, &reserve) == 1, "one shed");
    CHECK(reserve >= 0, "the reserve is back");
    char b;
    CHECK(read(c, &b, 1) == 0, "the client sees its connection closed");
    CHECK(net_shed(lfd, &reserve) == 0, "none pending");
    close(c);
    close(reserve);
    reserve = -1;
    CHECK(net_shed(lfd, &reserve) == -1 && errno == EMFILE, "no reserve to free");
    close(lfd);

    /* A blocking listener with nothing pending: no wait, and the reserve kept (it
     * would otherwise be given up until the next client came, and shed that one). */
    lfd = listen_any("127.0.0.1", 0, where, sizeof(where));
    reserve = net_reserve_open();
    int held = reserve;
    alarm(5); /* a blocked accept ends the test, not ctest's timeout */
    CHECK(net_shed(lfd, &reserve) == 0 && reserve == held, "a blocking listener, none pending");
    alarm(0);
    close(reserve);
    close(lfd);
}

TEST_CASES({"split_hostport", test_split_hostport}, {"parse_port", test_parse_port},
           {"listen_connect_v4", test_listen_connect_v4}, {"listen_v6", test_listen_v6},
           {"nonblock_and_reuseport", test_nonblock_and_reuseport},
           {"resolve_errors", test_resolve_errors}, {"raise_nofile", test_raise_nofile},
           {"shed", test_shed});
TEST_MAIN()
