/* Tests of bench across hosts (bench/hosts.c, bench/agents.c; docs/hosts.md), one case
 * per ctest entry: test_bench_hosts CASE. Several loadgen agents on this machine need
 * nothing more; the lab's cases (scripts/lab.sh: network namespaces with an sshd each,
 * on 198.18.0.0/15) need root, and skip with the reason without it. */
#include "bench_run.h"

#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#ifndef ECHOBENCH_SOURCE_DIR
#error "ECHOBENCH_SOURCE_DIR must be defined"
#endif

static double num(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    CHECK(json_is_number(v), "no number %s", key);
    return json_number_value(v);
}

/* bin/ with the supervisor too (setup copies echo-NAME: it is named by path here). */
static void setup_hosts(void)
{
    setup((const char *[]){"epoll", NULL});
    copy_exe(ECHOBENCH_BIN_DIR "/echobench-remote", "echobench-remote");
}

/* The concurrency point at 16 connections, one trial, epoll, with extra arguments. */
static void run_point16(struct run *r, const char *const *extra)
{
    const char *args[40] = {"--models",       "epoll",    "--scenarios", "concurrency", "--points",
                            "concurrency=16", "--trials", "1",           "--duration",  "300ms",
                            "--warmup",       "100ms",    "--no-floor"};
    int n = 13;
    for (int i = 0; extra[i]; i++)
        args[n++] = extra[i];
    args[n] = NULL;
    run_bench(r, args, 0, 0);
}

static json_t *the_trial(json_t *root)
{
    json_t *pt = json_array_get(json_object_get(scenario(root, "concurrency"), "points"), 0);
    CHECK(pt && strcmp(str(pt, "status"), "ok") == 0, "the point: %s",
          pt ? str(pt, "status") : "none");
    return json_array_get(json_object_get(pt, "trials"), 0);
}

static json_t *raw_json(const char *stem)
{
    char path[PATH_MAX + 128];
    json_error_t e;
    snprintf(path, sizeof(path), "%s/results/latest/raw/%s.json", work, stem);
    json_t *j = json_load_file(path, 0, &e);
    CHECK(j, "%s: %s", path, e.text);
    return j;
}

/* The merged run's counts are the agents' summed, and the server accepted every
 * connection of every agent. */
static void check_merged(json_t *trial, unsigned agents)
{
    json_t *ag = json_object_get(trial, "agents");
    CHECK(json_is_object(ag) && num(ag, "n") == agents, "not %u agents", agents);
    CHECK(num(ag, "start_skew_us") >= 0 && num(ag, "skew_uncertainty_us") >= 0);
    const char *stem = str(trial, "raw");
    json_t *merged = raw_json(stem);
    double completed = 0, conns = 0;
    for (unsigned k = 0; k < agents; k++) {
        char name[160];
        snprintf(name, sizeof(name), "%s.agent%u", stem, k);
        json_t *a = raw_json(name);
        completed += num(json_object_get(a, "requests"), "completed");
        conns += num(json_object_get(a, "connections"), "requested");
        /* 16 split evenly: 8 each of 2. */
        CHECK(num(json_object_get(a, "connections"), "requested") == 16.0 / agents,
              "agent %u has %g connections", k,
              num(json_object_get(a, "connections"), "requested"));
        json_decref(a);
    }
    CHECK(num(json_object_get(merged, "requests"), "completed") == completed,
          "merged %g completed, the agents %g",
          num(json_object_get(merged, "requests"), "completed"), completed);
    CHECK(num(trial, "completed") == completed, "the trial's completed %g",
          num(trial, "completed"));
    json_t *server = json_object_get(trial, "server");
    CHECK(num(server, "accepted") == conns, "the server accepted %g of %g connections",
          num(server, "accepted"), conns);
    json_decref(merged);
}

/* Two agents on this machine: one point, merged, their windows together. */
static void case_hosts_local_agents(void)
{
    struct run r;
    setup_hosts();
    run_point16(&r, (const char *[]){"--client-hosts", "local*2", NULL});
    CHECK(r.status == 0, "exit %d:\n%s", r.status, r.err);
    json_t *root = latest();
    json_t *trial = the_trial(root);
    check_merged(trial, 2);
    json_t *pt = json_array_get(json_object_get(scenario(root, "concurrency"), "points"), 0);
    CHECK(json_is_number(json_object_get(pt, "skewed_trials")), "no skewed_trials");
    json_t *set = json_object_get(json_object_get(root, "settings"), "hosts");
    CHECK(json_array_size(json_object_get(set, "agents")) == 2, "settings.hosts.agents");
    json_decref(root);
    teardown();
}

/* Agents on this machine to 127.0.0.1: each its own block of source addresses, 254 / n
 * of them, the blocks apart and within 127.0.0.1..254. */
static void case_hosts_local_sources(void)
{
    struct run r;
    setup_hosts();
    run_point16(&r, (const char *[]){"--client-hosts", "local*3", NULL});
    CHECK(r.status == 0, "exit %d:\n%s", r.status, r.err);
    json_t *root = latest();
    json_t *trial = the_trial(root);
    const char *stem = str(trial, "raw");
    double next_free = 1;
    for (unsigned k = 0; k < 3; k++) {
        char name[160];
        snprintf(name, sizeof(name), "%s.agent%u", stem, k);
        json_t *a = raw_json(name), *cfg = json_object_get(a, "config");
        double from = num(cfg, "source_from"), sources = num(cfg, "sources");
        CHECK(from == 1 + k * 84 && sources == 84, "agent %u: --source-from %g --sources %g", k,
              from, sources);
        CHECK(from >= next_free && from + sources - 1 <= 254, "agent %u's block overlaps", k);
        next_free = from + sources;
        json_decref(a);
    }
    json_decref(root);
    teardown();
}

static void case_hosts_refused(void)
{
    static const struct refusal bad[] = {
        {{"--client-hosts", "a*0", NULL}, "HOST*N"},
        {{"--client-hosts", "a*x", NULL}, "HOST*N"},
        {{"--listen", "not-an-address", NULL}, "--listen takes"},
        {{"--server-host", "lab1", NULL}, "--listen ADDR must name"},
        {{"--client-hosts", "lab2", "--listen", "127.0.0.1", NULL}, "--listen ADDR must name"},
        {{"--remote-dir", "relative/dir", NULL}, "--remote-dir takes"},
        {{"--skew-bound", "soon", NULL}, "--skew-bound"},
    };
    setup_hosts();
    refused(bad, sizeof(bad) / sizeof(bad[0]));
    teardown();
}

/* A host ssh cannot reach: exit 1 before anything is measured, saying what to do. */
static void case_hosts_unreachable(void)
{
    struct run r;
    setup_hosts();
    run_point16(
        &r, (const char *[]){"--client-hosts", "nohost.invalid", "--listen", "198.18.0.1", NULL});
    CHECK(r.status == 1, "exit %d:\n%s", r.status, r.err);
    CHECK(strstr(r.err, "cannot reach nohost.invalid") && strstr(r.err, "BatchMode"), "%s", r.err);
    CHECK(!strstr(r.err, "concurrency epoll"), "a run was measured:\n%s", r.err);
    teardown();
}

/* ---- the lab ---- */

static char lab_dir[PATH_MAX], ssh_config[PATH_MAX + 32];

static void lab(const char *what)
{
    char cmd[PATH_MAX * 2];
    snprintf(cmd, sizeof(cmd), "ECHOBENCH_LAB_DIR='%s' '%s/scripts/lab.sh' %s >/dev/null 2>&1",
             lab_dir, ECHOBENCH_SOURCE_DIR, what);
    int rc = system(cmd);
    CHECK(strcmp(what, "down") == 0 || rc == 0, "scripts/lab.sh %s failed", what);
}

static void lab_up(unsigned n)
{
    if (geteuid() != 0) {
        fprintf(stderr, "needs root, for the lab's network namespaces and sshd: skipped\n");
        exit(TEST_SKIP);
    }
    char up[32];
    snprintf(lab_dir, sizeof(lab_dir), "/tmp/echobench-test-hosts-%d", (int)getpid());
    snprintf(ssh_config, sizeof(ssh_config), "%s/ssh_config", lab_dir);
    snprintf(up, sizeof(up), "up %u --ttl 10m", n);
    lab(up);
}

/* Whether a process runs from the test's bin/ or from a run's folder on a host (the
 * lab's hosts share this machine's processes): its command line names either. */
static bool any_process_of(const char *run_id)
{
    char mine[PATH_MAX + 8], theirs[160];
    snprintf(mine, sizeof(mine), "%s/bin/", work);
    snprintf(theirs, sizeof(theirs), "echobench-%.140s-", run_id);
    DIR *d = opendir("/proc");
    struct dirent *e;
    bool found = false;
    while (d && !found && (e = readdir(d)) != NULL) {
        char path[300], cmd[4096];
        if (e->d_name[0] < '0' || e->d_name[0] > '9' || atoi(e->d_name) == getpid())
            continue;
        snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t n = fread(cmd, 1, sizeof(cmd) - 1, f);
        fclose(f);
        for (size_t i = 0; i < n; i++)
            if (cmd[i] == '\0')
                cmd[i] = ' ';
        cmd[n] = '\0';
        found = strstr(cmd, mine) || strstr(cmd, theirs);
    }
    if (d)
        closedir(d);
    return found;
}

/* Nothing of the run is left on any host, and its folders there are gone. */
static void check_nothing_left(void)
{
    char link[PATH_MAX + 32], target[PATH_MAX];
    snprintf(link, sizeof(link), "%s/results/latest", work);
    ssize_t n = readlink(link, target, sizeof(target) - 1);
    CHECK(n > 0, "no results/latest");
    target[n] = '\0';
    const char *id = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
    for (double end = now_s() + 5; any_process_of(id); usleep(100 * 1000))
        CHECK(now_s() < end, "a process of the run outlived it");
    char glob[PATH_MAX + 64];
    snprintf(glob, sizeof(glob), "ls -d /tmp/echobench-%s-* >/dev/null 2>&1", id);
    CHECK(system(glob) != 0, "the run's folders on the hosts are still there");
}

/* The server in one namespace, two agents in two others, over ssh. */
static void case_hosts_lab(void)
{
    struct run r;
    lab_up(3);
    setup_hosts();
    run_point16(&r, (const char *[]){"--server-host", "lab1", "--client-hosts", "lab2,lab3",
                                     "--listen", "198.18.0.11", "--ssh-config", ssh_config, NULL});
    lab("down");
    CHECK(r.status == 0, "exit %d:\n%s", r.status, r.err);
    json_t *root = latest();
    json_t *trial = the_trial(root);
    check_merged(trial, 2);
    /* Their windows started together, within the bound (2 ms). */
    json_t *ag = json_object_get(trial, "agents");
    CHECK(json_is_false(json_object_get(ag, "skew_over_bound")), "the start skew %g us",
          num(ag, "start_skew_us"));
    json_decref(root);
    check_nothing_left();
    teardown();
}

/* What a killer thread kills (pkill -f's pattern, bracketed so that it does not match
 * the shell that runs it), after how long. */
struct victim {
    const char *pattern;
    unsigned after_ms;
};

static void *killer(void *arg)
{
    const struct victim *v = arg;
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "pkill -9 -f -- '%s' 2>/dev/null", v->pattern);
    usleep(v->after_ms * 1000);
    for (double end = now_s() + 20; now_s() < end; usleep(50 * 1000))
        if (system(cmd) == 0)
            break;
    return NULL;
}

/* The lab's run of 3 s with v killed during it; returns its one trial's point (the
 * caller frees *root), after checking that nothing of the run is left. */
static json_t *killed_mid_run(const struct victim *v, json_t **root)
{
    struct run r;
    pthread_t k;
    lab_up(3);
    setup_hosts();
    CHECK(pthread_create(&k, NULL, killer, (void *)v) == 0);
    run_point16(&r, (const char *[]){"--duration", "3s", "--server-host", "lab1", "--client-hosts",
                                     "lab2,lab3", "--listen", "198.18.0.11", "--ssh-config",
                                     ssh_config, NULL});
    pthread_join(k, NULL);
    lab("down");
    CHECK(r.status == 0, "exit %d:\n%s", r.status, r.err);
    *root = latest();
    check_nothing_left();
    return json_array_get(json_object_get(scenario(*root, "concurrency"), "points"), 0);
}

/* An agent killed mid-run: its point failed with the reason, nothing left anywhere. */
static void case_hosts_agent_dies(void)
{
    json_t *root;
    static const struct victim v = {"--label concurrency-16-epoll-1-agen[t]1", 0};
    json_t *pt = killed_mid_run(&v, &root);
    json_t *trial = json_array_get(json_object_get(pt, "trials"), 0);
    CHECK(strcmp(str(pt, "status"), "failed") == 0, "the point is %s", str(pt, "status"));
    CHECK(strcmp(str(trial, "status"), "loadgen_failed") == 0 &&
              strstr(str(trial, "detail"), "agent 1"),
          "%s: %s", str(trial, "status"), str(trial, "detail"));
    json_decref(root);
    teardown();
}

/* The server killed mid-run: crashed, with its signal (not its agents' errors). */
static void case_hosts_server_killed(void)
{
    json_t *root;
    static const struct victim v = {"^[^ ]*echo-[e]poll -a 198[.]18[.]0[.]11", 1500};
    json_t *pt = killed_mid_run(&v, &root);
    json_t *trial = json_array_get(json_object_get(pt, "trials"), 0);
    CHECK(strcmp(str(trial, "status"), "crashed") == 0 && strstr(str(trial, "detail"), "signal 9"),
          "%s: %s", str(trial, "status"), str(trial, "detail"));
    json_decref(root);
    teardown();
}

/* A preflight that fails on one host leaves nothing on the others: no folder, no master
 * connection. */
static void case_hosts_preflight_cleans(void)
{
    struct run r;
    lab_up(2);
    setup_hosts();
    run_point16(&r, (const char *[]){"--server-host", "nohost.invalid", "--client-hosts", "lab2",
                                     "--listen", "198.18.0.11", "--ssh-config", ssh_config, NULL});
    int masters = system("pgrep -f '[e]chobench-ssh-' >/dev/null");
    int folders = system("ls -d /tmp/echobench-*-[0-9] >/dev/null 2>&1");
    lab("down");
    CHECK(r.status == 1 && strstr(r.err, "cannot reach nohost.invalid"), "exit %d:\n%s", r.status,
          r.err);
    CHECK(masters != 0, "a master connection outlived the preflight");
    CHECK(folders != 0, "a run's folder is left on a host");
    teardown();
}

TEST_CASES({"hosts_local_agents", case_hosts_local_agents},
           {"hosts_local_sources", case_hosts_local_sources}, {"hosts_refused", case_hosts_refused},
           {"hosts_unreachable", case_hosts_unreachable}, {"hosts_lab", case_hosts_lab},
           {"hosts_agent_dies", case_hosts_agent_dies},
           {"hosts_server_killed", case_hosts_server_killed},
           {"hosts_preflight_cleans", case_hosts_preflight_cleans});

TEST_MAIN()
