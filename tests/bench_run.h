/* Running build/bin/bench from a test, out of a folder of its own holding copies of
 * the executables (so that a process left behind can be found by where its executable
 * lives), and reading the bench.json it wrote: what test_bench.c and
 * test_bench_load.c share. Static functions in a header, as loadgen_run.h: each
 * program is one file. */
#ifndef ECHOBENCH_BENCH_RUN_H
#define ECHOBENCH_BENCH_RUN_H

#include "check.h"
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef ECHOBENCH_TEST_DIR
#error "ECHOBENCH_TEST_DIR must be defined"
#endif

static char work[PATH_MAX]; /* the test's folder: bin/ and results/ */

static void copy_exe(const char *from, const char *to_name)
{
    char to[PATH_MAX + 64], buf[65536];
    snprintf(to, sizeof(to), "%s/bin/%s", work, to_name);
    int in = open(from, O_RDONLY | O_CLOEXEC);
    CHECK(in >= 0, "%s: %s", from, strerror(errno));
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
    CHECK(out >= 0, "%s: %s", to, strerror(errno));
    ssize_t n;
    while ((n = read(in, buf, sizeof(buf))) > 0)
        CHECK(write(out, buf, (size_t)n) == n);
    close(in);
    close(out);
}

/* Makes the test's folder with bin/ holding loadgen and the servers named (each
 * "name" or "name=path"). */
static void setup(const char *const *servers)
{
    char path[PATH_MAX + 64];
    snprintf(work, sizeof(work), "/tmp/echobench-test-bench-%d", (int)getpid());
    snprintf(path, sizeof(path), "rm -rf '%s'", work);
    CHECK(system(path) == 0);
    snprintf(path, sizeof(path), "%s/bin", work);
    CHECK(mkdir(work, 0755) == 0 && mkdir(path, 0755) == 0);
    copy_exe(ECHOBENCH_BIN_DIR "/loadgen", "loadgen");
    copy_exe(ECHOBENCH_BIN_DIR "/bench", "bench");
    for (int i = 0; servers[i]; i++) {
        char name[64], from[PATH_MAX];
        const char *eq = strchr(servers[i], '=');
        if (eq) {
            snprintf(name, sizeof(name), "echo-%.*s", (int)(eq - servers[i]), servers[i]);
            snprintf(from, sizeof(from), "%s", eq + 1);
        } else {
            snprintf(name, sizeof(name), "echo-%s", servers[i]);
            snprintf(from, sizeof(from), "%s/%s", ECHOBENCH_BIN_DIR, name);
        }
        copy_exe(from, name);
    }
}

static void teardown(void)
{
    char cmd[PATH_MAX + 32];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", work);
    CHECK(system(cmd) == 0);
}

struct run {
    int status;
    double wall_s;
    char err[65536];
};

/* Runs the copied bench with args; sends sig after sig_after_s when sig is not 0. */
static void run_bench(struct run *r, const char *const *args, int sig, double sig_after_s)
{
    char exe[PATH_MAX + 32], bin[PATH_MAX + 8], results[PATH_MAX + 16];
    const char *argv[48];
    int argc = 0, ep[2];

    snprintf(exe, sizeof(exe), "%s/bin/bench", work);
    snprintf(bin, sizeof(bin), "%s/bin", work);
    snprintf(results, sizeof(results), "%s/results", work);
    argv[argc++] = exe;
    argv[argc++] = "--bin";
    argv[argc++] = bin;
    argv[argc++] = "--results";
    argv[argc++] = results;
    argv[argc++] = "--no-progress";
    for (int i = 0; args[i]; i++)
        argv[argc++] = args[i];
    argv[argc] = NULL;
    memset(r, 0, sizeof(*r));
    CHECK(pipe2(ep, O_CLOEXEC) == 0);
    double t0 = now_s();
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        dup2(ep[1], STDERR_FILENO);
        execv(exe, (char *const *)argv);
        _exit(127);
    }
    close(ep[1]);
    bool signalled = false;
    size_t n = 0;
    for (;;) {
        struct pollfd p = {.fd = ep[0], .events = POLLIN};
        CHECK(now_s() - t0 < 110, "bench ran too long:\n%s", r->err);
        if (sig && !signalled && now_s() - t0 >= sig_after_s) {
            kill(pid, sig);
            signalled = true;
        }
        if (poll(&p, 1, 50) <= 0)
            continue;
        ssize_t got = read(ep[0], r->err + n, sizeof(r->err) - 1 - n);
        if (got <= 0)
            break;
        n += (size_t)got;
    }
    r->err[n] = '\0';
    close(ep[0]);
    int status;
    CHECK(waitpid(pid, &status, 0) == pid);
    r->wall_s = now_s() - t0;
    r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* A command line bench must refuse: args, and what its message must say. */
struct refusal {
    const char *args[8];
    const char *says;
};

/* Each of the n command lines exits 2 with its message (the cases' usage tables). */
__attribute__((unused)) static void refused(const struct refusal *bad, size_t n)
{
    struct run r;
    for (size_t i = 0; i < n; i++) {
        run_bench(&r, bad[i].args, 0, 0);
        CHECK(r.status == 2, "case %zu: exit %d: %s", i, r.status, r.err);
        CHECK(strstr(r.err, bad[i].says), "case %zu: lacks '%s': %s", i, bad[i].says, r.err);
    }
}

/* The newest run's bench.json, through results/latest. */
static json_t *latest(void)
{
    char path[PATH_MAX + 64];
    json_error_t e;
    snprintf(path, sizeof(path), "%s/results/latest/bench.json", work);
    json_t *j = json_load_file(path, 0, &e);
    CHECK(j, "%s: %s", path, e.text);
    return j;
}

static json_t *scenario(json_t *root, const char *name)
{
    size_t i;
    json_t *sc;
    json_array_foreach(json_object_get(root, "scenarios"), i, sc)
    {
        if (strcmp(json_string_value(json_object_get(sc, "name")), name) == 0)
            return sc;
    }
    CHECK(0, "no scenario %s", name);
}

static const char *str(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    CHECK(json_is_string(v), "no string %s", key);
    return json_string_value(v);
}

#endif
