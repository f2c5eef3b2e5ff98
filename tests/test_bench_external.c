/* Tests of bench's external models (bench/external.c, run.c's start and stop of one),
 * one case per ctest entry: test_bench_external CASE. A command that never listens, one
 * that exits at once, one that ignores SIGTERM, socat through a short run, the service
 * scenario's placeholders, and the command lines bench refuses. */
#include "bench_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

static const char *const short_run[] = {
    "--no-floor", "--trials",    "1",           "--duration", "300ms",        "--warmup",
    "100ms",      "--scenarios", "concurrency", "--points",   "concurrency=4"};
#define NSHORT (sizeof(short_run) / sizeof(short_run[0]))

/* Runs bench with the short run's arguments and the external models given (each
 * "NAME=COMMAND"; NULL-terminated), with extra arguments after them. */
static void run_externals(struct run *r, const char *const *externals, const char *const *extra)
{
    const char *args[40];
    int n = 0;
    for (size_t i = 0; i < NSHORT; i++)
        args[n++] = short_run[i];
    for (int i = 0; externals[i]; i++) {
        args[n++] = "--external";
        args[n++] = externals[i];
    }
    for (int i = 0; extra && extra[i]; i++)
        args[n++] = extra[i];
    args[n] = NULL;
    run_bench(r, args, 0, 0);
}

/* The point of model in the scenario, and its one trial in *trial. */
static json_t *point_of(json_t *sc, const char *model, const char *label, json_t **trial)
{
    size_t i;
    json_t *pt;
    json_array_foreach(json_object_get(sc, "points"), i, pt)
    {
        if (strcmp(str(pt, "model"), model) == 0 && strcmp(str(pt, "label"), label) == 0) {
            if (trial)
                *trial = json_array_get(json_object_get(pt, "trials"), 0);
            return pt;
        }
    }
    CHECK(0, "no point %s %s", model, label);
}

/* Whether prog is on PATH. */
static bool have(const char *prog)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", prog);
    return system(cmd) == 0;
}

/* The trial's detail says text, and its port is a number after 127.0.0.1:. */
static void check_detail(json_t *t, const char *status, const char *text)
{
    CHECK(t, "no trial");
    CHECK(strcmp(str(t, "status"), status) == 0, "status %s: %s", str(t, "status"),
          str(t, "detail"));
    const char *d = str(t, "detail");
    CHECK(strstr(d, text), "the detail lacks '%s': %s", text, d);
    const char *at = strstr(d, "127.0.0.1:");
    CHECK(at && at[10] >= '1' && at[10] <= '9', "no port in: %s", d);
}

/* A command that never listens: bench waits its 10 s and no longer, and says so. */
static void case_external_never_listens(void)
{
    setup((const char *[]){NULL});
    struct run r;
    run_externals(&r, (const char *[]){"quiet=sleep 60 {port}", NULL}, NULL);
    CHECK(r.wall_s < 40, "bench took %.1f s", r.wall_s);
    json_t *t, *root = latest();
    point_of(scenario(root, "concurrency"), "quiet", "4", &t);
    check_detail(t, "failed_to_start", "external quiet did not accept on 127.0.0.1:");
    CHECK(strstr(str(t, "detail"), "within 10 s"), "%s", str(t, "detail"));
    json_decref(root);
    teardown();
}

/* A command that exits at once: its status and its stderr in the detail. */
static void case_external_exits(void)
{
    setup((const char *[]){NULL});
    struct run r;
    run_externals(&r, (const char *[]){"gone=echo no-such-thing-here >&2; exit 3 # {port}", NULL},
                  NULL);
    CHECK(r.wall_s < 20, "bench took %.1f s", r.wall_s);
    json_t *t, *root = latest();
    point_of(scenario(root, "concurrency"), "gone", "4", &t);
    check_detail(t, "failed_to_start", "external gone exited with status 3 before it accepted on");
    CHECK(strstr(str(t, "detail"), "no-such-thing-here"), "no stderr: %s", str(t, "detail"));
    json_decref(root);
    teardown();
}

/* A server that echoes but ignores SIGTERM: killed after the grace, the trial hung, and
 * nothing of its process group left. */
static void case_external_ignores_sigterm(void)
{
    if (!have("python3")) {
        printf("skipped: python3 is not on PATH, and the stubborn server is a Python one\n");
        exit(TEST_SKIP);
    }
    setup((const char *[]){NULL});
    char script[PATH_MAX + 32], pidfile[PATH_MAX + 32], cmd[3 * PATH_MAX];
    snprintf(script, sizeof(script), "%s/stubborn.py", work);
    snprintf(pidfile, sizeof(pidfile), "%s/stubborn.pid", work);
    FILE *f = fopen(script, "w");
    CHECK(f);
    fprintf(f, "import signal, socketserver, sys\n"
               "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
               "class Echo(socketserver.StreamRequestHandler):\n"
               "    def handle(self):\n"
               "        for line in self.rfile:\n"
               "            self.wfile.write(line)\n"
               "socketserver.ThreadingTCPServer.allow_reuse_address = True\n"
               "socketserver.ThreadingTCPServer.daemon_threads = True\n"
               "socketserver.ThreadingTCPServer(('127.0.0.1', int(sys.argv[1])), "
               "Echo).serve_forever()\n");
    CHECK(fclose(f) == 0);
    snprintf(cmd, sizeof(cmd), "stubborn=echo $$ > %s; exec python3 %s {port}", pidfile, script);
    struct run r;
    run_externals(&r, (const char *[]){cmd, NULL}, NULL);
    json_t *t, *root = latest();
    point_of(scenario(root, "concurrency"), "stubborn", "4", &t);
    CHECK(t && strcmp(str(t, "status"), "hung") == 0, "status: %s", t ? str(t, "detail") : r.err);
    CHECK(strstr(str(t, "detail"),
                 "external stubborn did not exit within 5 s of SIGTERM and was killed"),
          "%s", str(t, "detail"));
    f = fopen(pidfile, "r");
    int pgid = 0;
    CHECK(f && fscanf(f, "%d", &pgid) == 1 && pgid > 1, "no pid in %s", pidfile);
    fclose(f);
    CHECK(kill(-pgid, 0) < 0 && errno == ESRCH, "group %d is still there", pgid);
    json_decref(root);
    teardown();
}

/* socat, the outside world's process per client, through a short run: ok, the point
 * external, no stats line, loadgen's counts as its own JSON has them. */
static void case_external_socat(void)
{
    if (!have("socat")) {
        printf("skipped: socat is not on PATH (make deps installs it)\n");
        exit(TEST_SKIP);
    }
    setup((const char *[]){"epoll", NULL});
    static const char socat[] = "socat TCP-LISTEN:{port},fork,reuseaddr EXEC:cat";
    char ext[128];
    snprintf(ext, sizeof(ext), "socat=%s", socat);
    struct run r;
    run_externals(&r, (const char *[]){ext, NULL}, NULL);
    CHECK(r.status == 0, "exit %d: %s", r.status, r.err);
    json_t *t, *root = latest();
    json_t *pt = point_of(scenario(root, "concurrency"), "socat", "4", &t);
    CHECK(strcmp(str(pt, "status"), "ok") == 0, "%s: %s", str(pt, "status"), str(t, "detail"));
    CHECK(json_is_true(json_object_get(pt, "external")), "the point is not external");
    CHECK(!json_object_get(point_of(scenario(root, "concurrency"), "epoll", "4", NULL), "external"),
          "epoll's point says external");
    CHECK(json_is_null(json_object_get(t, "server")), "a stats line from socat?");
    char raw[PATH_MAX + 200];
    snprintf(raw, sizeof(raw), "%s/results/latest/raw/%s.json", work, str(t, "raw"));
    json_error_t e;
    json_t *lg = json_load_file(raw, 0, &e);
    CHECK(lg, "%s: %s", raw, e.text);
    json_t *req = json_object_get(lg, "requests");
    double completed = json_number_value(json_object_get(t, "completed"));
    CHECK(completed > 0 && completed == json_number_value(json_object_get(req, "completed")),
          "completed %.0f, loadgen's %.0f", completed,
          json_number_value(json_object_get(req, "completed")));
    CHECK(json_number_value(json_object_get(t, "errors")) == 0 &&
              json_number_value(json_object_get(t, "timeouts")) == 0,
          "errors or timeouts");
    json_t *set = json_object_get(root, "settings"), *exts = json_object_get(set, "externals");
    CHECK(json_array_size(exts) == 1, "settings.externals: %zu", json_array_size(exts));
    json_t *x = json_array_get(exts, 0);
    CHECK(strcmp(str(x, "name"), "socat") == 0 && strcmp(str(x, "command"), socat) == 0 &&
              json_is_false(json_object_get(x, "shipped")) &&
              json_is_null(json_object_get(x, "runtime")) &&
              json_is_null(json_object_get(x, "version")),
          "settings.externals[0]");
    json_t *models = json_object_get(set, "models");
    CHECK(json_array_size(models) == 2 &&
              strcmp(json_string_value(json_array_get(models, 1)), "socat") == 0,
          "settings.models");
    CHECK(json_is_object(json_object_get(json_object_get(root, "env"), "runtimes")),
          "env.runtimes");
    json_decref(lg);
    json_decref(root);
    teardown();
}

/* The service scenario: a command with {work_us} gets the point's 50, one without is
 * left out with the note. */
static void case_external_service(void)
{
    if (!have("socat")) {
        printf("skipped: socat is not on PATH (make deps installs it)\n");
        exit(TEST_SKIP);
    }
    setup((const char *[]){NULL});
    char with[PATH_MAX + 128], file[PATH_MAX + 32];
    snprintf(file, sizeof(file), "%s/work_us", work);
    snprintf(with, sizeof(with),
             "working=echo {work_us} > %s; exec socat TCP-LISTEN:{port},fork,reuseaddr EXEC:cat",
             file);
    const char *args[] = {"--no-floor",
                          "--trials",
                          "1",
                          "--duration",
                          "300ms",
                          "--warmup",
                          "100ms",
                          "--scenarios",
                          "service",
                          "--external",
                          with,
                          "--external",
                          "plain=socat TCP-LISTEN:{port},fork,reuseaddr EXEC:cat",
                          NULL};
    struct run r;
    run_bench(&r, args, 0, 0);
    json_t *t, *root = latest(), *sc = scenario(root, "service");
    json_t *pt = point_of(sc, "working", "work_50us", &t);
    CHECK(json_array_size(json_object_get(pt, "trials")) == 1, "working did not run: %s",
          str(pt, "status"));
    FILE *f = fopen(file, "r");
    int v = -1;
    CHECK(f && fscanf(f, "%d", &v) == 1 && v == 50, "{work_us} became %d", v);
    fclose(f);
    pt = point_of(sc, "plain", "work_50us", NULL);
    CHECK(strcmp(str(pt, "status"), "skipped") == 0 &&
              strcmp(str(pt, "note"), "skipped: external plain's command has no {work_us}: it "
                                      "cannot be given 50 us of work a line") == 0,
          "plain: %s", str(pt, "status"));
    pt = point_of(sc, "working", "sleep_1ms", NULL);
    CHECK(strcmp(str(pt, "status"), "skipped") == 0 && strstr(str(pt, "note"), "{sleep_us}"),
          "working at sleep_1ms: %s", str(pt, "status"));
    json_decref(root);
    teardown();
}

/* What bench refuses, each with a message that says what was wrong. */
static void case_external_refused(void)
{
    setup((const char *[]){"epoll", NULL});
    char file[PATH_MAX + 32], where[PATH_MAX + 48];
    snprintf(file, sizeof(file), "%s/externals", work);
    FILE *f = fopen(file, "w");
    CHECK(f);
    fprintf(f, "# a comment\n\nfine=socat TCP-LISTEN:{port},fork EXEC:cat\nbroken line\n");
    CHECK(fclose(f) == 0);
    snprintf(where, sizeof(where), "%s:4", file);
    const struct refusal bad[] = {
        {{"--external", "noport=socat STDIO EXEC:cat", NULL}, "has no {port}"},
        {{"--external", "Bad=cat {port}", NULL}, "is not NAME=COMMAND"},
        {{"--external", "9lives=cat {port}", NULL}, "is not NAME=COMMAND"},
        {{"--external", "nocommand", NULL}, "is not NAME=COMMAND"},
        {{"--external", "twice=cat {port}", "--external", "twice=cat {port}", NULL},
         "the external model twice is given twice"},
        {{"--external", "epoll=cat {port}", NULL}, "epoll is a model bench has already"},
        {{"--external", "node=node x.js {port}", NULL}, "node is a model bench has already"},
        {{"--external", "floor=cat {port}", NULL}, "floor is a model bench has already"},
        {{"--external-file", "/nonexistent/externals", NULL},
         "--external-file /nonexistent/externals: No such file"},
        {{"--external-file", file, NULL}, where},
    };
    refused(bad, sizeof(bad) / sizeof(bad[0]));
    teardown();
}

/* A shipped runtime named but not built in --bin: refused, with what to do. */
static void case_external_not_built(void)
{
    setup((const char *[]){"epoll", NULL});
    struct run r;
    run_bench(&r, (const char *[]){"--models", "epoll,node", NULL}, 0, 0);
    CHECK(r.status != 0, "bench ran without echo-node.js");
    CHECK(strstr(r.err, "bench: node is not built: Node.js was not found when echobench was "
                        "configured (make deps installs nodejs, then make)"),
          "%s", r.err);
    run_bench(&r, (const char *[]){"--models", "go", NULL}, 0, 0);
    CHECK(r.status != 0 && strstr(r.err, "go is not built: Go was not found"), "%s", r.err);
    teardown();
}

/* An external model with a server on another host: refused before anything runs. */
static void case_external_hosts(void)
{
    setup((const char *[]){"epoll", NULL});
    struct run r;
    run_bench(&r,
              (const char *[]){"--server-host", "elsewhere.invalid", "--listen", "198.18.0.11",
                               "--external", "socat=socat TCP-LISTEN:{port},fork EXEC:cat", NULL},
              0, 0);
    CHECK(r.status != 0, "bench ran an external model on another host");
    CHECK(strstr(r.err, "external models (socat) run on this machine only"), "%s", r.err);
    teardown();
}

/* The capacity scenario without a stats line: held counted by loadgen, no rejected
 * count taken for a refusal. */
static void case_external_capacity(void)
{
    /* A copy of echo-epoll stands for echo-go: its stats line goes to the log, not to
     * bench, as every external model's does; it takes connections in as fast as they
     * come (socat's fork per client missed active clients on a loaded machine). */
    setup((const char *[]){"go=" ECHOBENCH_BIN_DIR "/echo-epoll", NULL});
    const char *args[] = {
        "--no-floor", "--duration", "200ms",        "--warmup",          "100ms", "--scenarios",
        "capacity",   "--points",   "capacity=100", "--capacity-budget", "30s",   "--models",
        "go",         NULL};
    struct run r;
    run_bench(&r, args, 0, 0);
    json_t *root = latest(), *sc = scenario(root, "capacity");
    json_t *pt = point_of(sc, "go", "100", NULL), *cap = json_object_get(pt, "capacity");
    CHECK(json_is_true(json_object_get(pt, "external")), "the step is not external");
    CHECK(strcmp(str(cap, "verdict"), "held") == 0, "%s: %s", str(cap, "verdict"), str(cap, "why"));
    CHECK(strcmp(str(json_object_get(cap, "evidence"), "held_counted_by"), "loadgen") == 0,
          "held counted by the server?");
    json_decref(root);
    teardown();
}

/* A server without a stats line that takes in 30 connections and then no more (its
 * backlog holds the rest): loadgen sees them all up, but what waits in the accept queue
 * is not the server's. The step is not held, and most_held is bounded by its tree's
 * descriptors, not loadgen's 116. */
static void case_external_capacity_stops(void)
{
    if (!have("python3")) {
        printf("skipped: python3 is not on PATH, and the stopping server is a Python one\n");
        exit(TEST_SKIP);
    }
    setup((const char *[]){NULL});
    char script[PATH_MAX + 32], cmd[2 * PATH_MAX];
    snprintf(script, sizeof(script), "%s/stopper.py", work);
    FILE *f = fopen(script, "w");
    CHECK(f);
    fprintf(f, "import selectors, socket, sys\n"
               "s = socket.socket()\n"
               "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
               "s.bind(('127.0.0.1', int(sys.argv[1])))\n"
               "s.listen(4096)\n"
               "sel = selectors.DefaultSelector()\n"
               "sel.register(s, selectors.EVENT_READ)\n"
               "n = 0\n"
               "while True:\n"
               "    for k, _ in sel.select():\n"
               "        if k.fileobj is s:\n"
               "            c, _ = s.accept()\n"
               "            n += 1\n"
               "            sel.register(c, selectors.EVENT_READ)\n"
               "            if n >= 30:\n"
               "                sel.unregister(s)\n"
               "        else:\n"
               "            d = k.fileobj.recv(65536)\n"
               "            if not d:\n"
               "                sel.unregister(k.fileobj)\n"
               "                k.fileobj.close()\n"
               "            else:\n"
               "                k.fileobj.sendall(d)\n");
    CHECK(fclose(f) == 0);
    snprintf(cmd, sizeof(cmd), "stopper=python3 %s {port}", script);
    const char *args[] = {
        "--no-floor", "--duration", "200ms",        "--warmup",          "100ms", "--scenarios",
        "capacity",   "--points",   "capacity=100", "--capacity-budget", "20s",   "--external",
        cmd,          NULL};
    struct run r;
    run_bench(&r, args, 0, 0);
    CHECK(r.status == 0, "exit %d: %s", r.status, r.err);
    json_t *root = latest(), *sc = scenario(root, "capacity");
    json_t *cap = json_object_get(point_of(sc, "stopper", "100", NULL), "capacity");
    CHECK(strcmp(str(cap, "verdict"), "failed") == 0, "%s: %s", str(cap, "verdict"),
          str(cap, "why"));
    json_t *ev = json_object_get(cap, "evidence");
    double fds = json_number_value(json_object_get(ev, "fds_total"));
    double most = json_number_value(json_object_get(cap, "most_held"));
    CHECK(fds > 0 && fds < 100 && most <= fds, "most_held %g with %g descriptors in the tree", most,
          fds);
    json_decref(root);
    teardown();
}

/* Past one loadgen's descriptors the capacity scenario needs more local agents, which
 * run through the supervisor and start C models only: an external model's step there is
 * capped, said so, and its ramp ends held at the step before. A copy of echo-epoll
 * stands for echo-go; the test's RLIMIT_NOFILE of 700, which bench inherits, makes 1100
 * need three agents. */
static void case_external_capacity_agents(void)
{
    setup((const char *[]){"go=" ECHOBENCH_BIN_DIR "/echo-epoll", NULL});
    struct rlimit lim = {700, 700};
    CHECK(setrlimit(RLIMIT_NOFILE, &lim) == 0, "setrlimit: %s", strerror(errno));
    const char *args[] = {"--no-floor",        "--duration", "200ms",       "--warmup", "100ms",
                          "--models",          "go",         "--scenarios", "capacity", "--points",
                          "capacity=200,1100", "--slo",      "p99=2s",      NULL};
    struct run r;
    run_bench(&r, args, 0, 0);
    CHECK(r.status == 0, "exit %d: %s", r.status, r.err);
    json_t *root = latest(), *sc = scenario(root, "capacity");
    json_t *s200 = json_object_get(point_of(sc, "go", "200", NULL), "capacity");
    CHECK(strcmp(str(s200, "verdict"), "held") == 0, "go at 200: %s", str(s200, "why"));
    json_t *pt = point_of(sc, "go", "1100", NULL);
    CHECK(json_is_true(json_object_get(pt, "external")), "the capped step is not external");
    json_t *s1100 = json_object_get(pt, "capacity");
    CHECK(strcmp(str(s1100, "verdict"), "capped") == 0 &&
              strstr(str(s1100, "why"), "an external model runs beside one"),
          "go at 1100: %s: %s", str(s1100, "verdict"), str(s1100, "why"));
    json_t *m = json_object_get(json_object_get(sc, "models"), "go");
    CHECK(strcmp(str(m, "verdict"), "capped") == 0 && strcmp(str(m, "held_step"), "200") == 0,
          "go's verdict %s", str(m, "verdict"));
    json_decref(root);
    teardown();
}

/* More models than the 16 bench once took: 24 external ones (from a file) beside epoll,
 * each run. */
static void case_external_many(void)
{
    if (!have("socat")) {
        printf("skipped: socat is not on PATH (make deps installs it)\n");
        exit(TEST_SKIP);
    }
    setup((const char *[]){"epoll", NULL});
    char file[PATH_MAX + 32];
    snprintf(file, sizeof(file), "%s/externals", work);
    FILE *f = fopen(file, "w");
    CHECK(f);
    for (int i = 0; i < 24; i++)
        fprintf(f, "s%d=socat TCP-LISTEN:{port},fork,reuseaddr EXEC:cat\n", i + 1);
    CHECK(fclose(f) == 0);
    struct run r;
    run_externals(&r, (const char *[]){NULL},
                  (const char *[]){"--duration", "100ms", "--external-file", file, NULL});
    CHECK(r.status == 0, "exit %d: %s", r.status, r.err);
    json_t *root = latest(), *sc = scenario(root, "concurrency");
    CHECK(json_array_size(json_object_get(sc, "points")) == 25, "%zu points",
          json_array_size(json_object_get(sc, "points")));
    for (int i = 0; i < 24; i++) {
        char model[8];
        snprintf(model, sizeof(model), "s%d", i + 1);
        json_t *pt = point_of(sc, model, "4", NULL);
        CHECK(strcmp(str(pt, "status"), "ok") == 0 &&
                  json_array_size(json_object_get(pt, "trials")) == 1,
              "%s: %s", model, str(pt, "status"));
    }
    json_decref(root);
    teardown();
}

/* The default list is the C models': a built runtime runs only when named. A copy
 * of echo-epoll stands for echo-go (it listens on the port it is given). */
static void case_external_default(void)
{
    setup((const char *[]){"epoll", "go=" ECHOBENCH_BIN_DIR "/echo-epoll", NULL});
    const char *args[] = {"--no-floor",    "--trials", "1",           "--duration",  "200ms",
                          "--warmup",      "100ms",    "--scenarios", "concurrency", "--points",
                          "concurrency=4", NULL};
    struct run r;
    run_bench(&r, args, 0, 0);
    CHECK(r.status == 0, "exit %d: %s", r.status, r.err);
    json_t *root = latest();
    json_t *models = json_object_get(json_object_get(root, "settings"), "models");
    CHECK(json_array_size(models) == 1 &&
              strcmp(json_string_value(json_array_get(models, 0)), "epoll") == 0,
          "default models: %zu", json_array_size(models));
    json_decref(root);
    teardown();
}

/* Across hosts (local agents here) the default list runs; naming a runtime is
 * refused. A copy of echo-epoll stands for echo-go. */
static void case_external_hosts_default(void)
{
    setup((const char *[]){"epoll", "go=" ECHOBENCH_BIN_DIR "/echo-epoll", NULL});
    copy_exe(ECHOBENCH_BIN_DIR "/echobench-remote", "echobench-remote");
    const char *args[] = {
        "--no-floor",    "--trials",       "1",           "--duration",  "200ms",
        "--warmup",      "100ms",          "--scenarios", "concurrency", "--points",
        "concurrency=4", "--client-hosts", "local*2",     NULL};
    struct run r;
    run_bench(&r, args, 0, 0);
    CHECK(r.status == 0, "exit %d: %s", r.status, r.err);
    json_t *root = latest();
    json_t *models = json_object_get(json_object_get(root, "settings"), "models");
    CHECK(json_array_size(models) == 1 &&
              strcmp(json_string_value(json_array_get(models, 0)), "epoll") == 0,
          "models: %zu", json_array_size(models));
    json_decref(root);
    run_bench(&r, (const char *[]){"--models", "epoll,go", "--client-hosts", "local*2", NULL}, 0,
              0);
    CHECK(r.status != 0 && strstr(r.err, "external models (go) run on this machine only"), "%s",
          r.err);
    teardown();
}

TEST_CASES({"external_never_listens", case_external_never_listens},
           {"external_exits", case_external_exits},
           {"external_ignores_sigterm", case_external_ignores_sigterm},
           {"external_socat", case_external_socat}, {"external_service", case_external_service},
           {"external_refused", case_external_refused},
           {"external_not_built", case_external_not_built}, {"external_hosts", case_external_hosts},
           {"external_many", case_external_many}, {"external_capacity", case_external_capacity},
           {"external_hosts_default", case_external_hosts_default},
           {"external_default", case_external_default},
           {"external_capacity_stops", case_external_capacity_stops},
           {"external_capacity_agents", case_external_capacity_agents});

TEST_MAIN()
