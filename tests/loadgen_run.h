/* Running build/bin/loadgen from a test and reading what it wrote: what the load
 * generator's test programs share (test_loadgen.c, test_loadgen_figures.c,
 * test_loadgen_arrivals.c). Static
 * functions in a header, as fake_server.h: each program is one file. */
#ifndef ECHOBENCH_LOADGEN_RUN_H
#define ECHOBENCH_LOADGEN_RUN_H

#include "check.h"
#include "harness.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef ECHOBENCH_TEST_DIR
#error "ECHOBENCH_TEST_DIR must be defined"
#endif

/* What a loadgen run left. */
struct run {
    int status;
    double wall_s;
    json_t *json; /* the run JSON, when it wrote one */
    char err[16384];
    char out[16384];
};

/* Forks a process that stops pid (SIGSTOP) after_ms from now and, unless for_ms is 0
 * (then the caller continues it), lets it go on for_ms later; returns its pid, for the
 * caller to wait for. The server is frozen as a whole, on a schedule of the test's. */
__attribute__((unused)) static pid_t freeze_later(pid_t pid, unsigned after_ms, unsigned for_ms)
{
    pid_t freezer = fork();
    CHECK(freezer >= 0);
    if (freezer == 0) {
        usleep(after_ms * 1000);
        kill(pid, SIGSTOP);
        if (for_ms > 0) {
            usleep(for_ms * 1000);
            kill(pid, SIGCONT);
        }
        _exit(0);
    }
    return freezer;
}

/* Reads both pipes to EOF (they are small) with a deadline. */
__attribute__((unused)) static void drain(int ofd, int efd, struct run *r, double deadline)
{
    size_t on = 0, en = 0;
    int open_fds = 2;
    struct pollfd p[2] = {{.fd = ofd, .events = POLLIN}, {.fd = efd, .events = POLLIN}};

    while (open_fds > 0) {
        int left = (int)((deadline - now_s()) * 1000);
        CHECK(left > 0, "loadgen did not finish in time; stderr so far:\n%.*s", (int)en, r->err);
        if (poll(p, 2, left) <= 0)
            continue;
        for (int i = 0; i < 2; i++) {
            if (!(p[i].revents & (POLLIN | POLLHUP)))
                continue;
            char *buf = i == 0 ? r->out : r->err;
            size_t *n = i == 0 ? &on : &en;
            ssize_t got = read(p[i].fd, buf + *n, sizeof(r->out) - 1 - *n);
            if (got <= 0) {
                p[i].fd = -1;
                open_fds--;
            } else {
                *n += (size_t)got;
            }
        }
    }
    r->out[on] = '\0';
    r->err[en] = '\0';
}

/* Runs loadgen with args (NULL-terminated) plus --json FILE --no-progress; when
 * nofile is not 0, under that RLIMIT_NOFILE. sig, when not 0, is sent after
 * sig_after_s seconds. */
__attribute__((unused)) static void run_loadgen_full(struct run *r, const char *const *args,
                                                     rlim_t nofile, int sig, double sig_after_s)
{
    char path[512], json[256];
    const char *argv[48] = {"loadgen"};
    int argc = 1, op[2], ep[2];

    memset(r, 0, sizeof(*r));
    snprintf(path, sizeof(path), "%s/loadgen", ECHOBENCH_BIN_DIR);
    snprintf(json, sizeof(json), "/tmp/echobench-test-loadgen-%d.json", (int)getpid());
    unlink(json);
    bool own_json = false;
    for (int i = 0; args[i]; i++) {
        own_json |= strcmp(args[i], "--json") == 0;
        argv[argc++] = args[i];
    }
    if (!own_json) {
        argv[argc++] = "--json";
        argv[argc++] = json;
    }
    argv[argc++] = "--no-progress";
    argv[argc] = NULL;
    CHECK(pipe2(op, O_CLOEXEC) == 0 && pipe2(ep, O_CLOEXEC) == 0);

    double t0 = now_s();
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        struct rlimit rl = {.rlim_cur = nofile, .rlim_max = nofile};
        if (nofile && setrlimit(RLIMIT_NOFILE, &rl) < 0)
            _exit(126);
        dup2(op[1], STDOUT_FILENO);
        dup2(ep[1], STDERR_FILENO);
        execv(path, (char *const *)argv);
        _exit(127);
    }
    close(op[1]);
    close(ep[1]);
    if (sig) {
        usleep((useconds_t)(sig_after_s * 1e6));
        kill(pid, sig);
    }
    drain(op[0], ep[0], r, t0 + 120);
    int status;
    CHECK(waitpid(pid, &status, 0) == pid);
    r->wall_s = now_s() - t0;
    r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    close(op[0]);
    close(ep[0]);
    if (access(json, R_OK) == 0) {
        json_error_t e;
        r->json = json_load_file(json, 0, &e);
        CHECK(r->json, "the run JSON does not parse: %s", e.text);
        unlink(json);
    }
}

__attribute__((unused)) static void run_loadgen(struct run *r, const char *const *args)
{
    run_loadgen_full(r, args, 0, 0, 0);
}

/* A number at a path of keys ("requests.errors.timeout"). */
__attribute__((unused)) static double num(json_t *root, const char *path)
{
    char buf[128];
    snprintf(buf, sizeof(buf), "%s", path);
    json_t *v = root;
    for (char *key = strtok(buf, "."); key; key = strtok(NULL, "."))
        v = json_object_get(v, key);
    CHECK(json_is_number(v), "no number at %s", path);
    return json_number_value(v);
}

__attribute__((unused)) static void target(char *buf, size_t len, const struct srv *s)
{
    snprintf(buf, len, "127.0.0.1:%d", s->port);
}

/* A measured run: exit 0, JSON written. */
__attribute__((unused)) static void measured(struct run *r)
{
    CHECK(r->status == 0, "loadgen exited %d:\n%s", r->status, r->err);
    CHECK(r->json, "no JSON written");
}

__attribute__((unused)) static void check_hist(json_t *h, const char *name)
{
    static const char *keys[] = {"min", "mean", "stdev", "max",  "p50",
                                 "p90", "p99",  "p999",  "p9999"};
    CHECK(json_is_object(h), "%s is not an object", name);
    bool empty = json_integer_value(json_object_get(h, "count")) == 0;
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        CHECK(empty ? json_is_null(json_object_get(h, keys[i]))
                    : json_is_number(json_object_get(h, keys[i])),
              "%s: %s is not a %s", name, keys[i], empty ? "null (nothing recorded)" : "number");
    if (empty)
        return;
    json_t *pairs = json_object_get(h, "histogram");
    CHECK(json_is_array(pairs), "%s lacks its histogram", name);
    double last = -1, total = 0;
    size_t i;
    json_t *pair;
    json_array_foreach(pairs, i, pair)
    {
        double upper = json_number_value(json_array_get(pair, 0));
        CHECK(upper > last, "%s: buckets out of order", name);
        last = upper;
        total += (double)json_integer_value(json_array_get(pair, 1));
    }
    CHECK(total == json_number_value(json_object_get(h, "count")), "%s: counts do not add up",
          name);
    double p50 = json_number_value(json_object_get(h, "p50"));
    double p99 = json_number_value(json_object_get(h, "p99"));
    double max = json_number_value(json_object_get(h, "max"));
    CHECK(p50 <= p99 && p99 <= max, "%s: p50 %g, p99 %g, max %g", name, p50, p99, max);
}

#endif
