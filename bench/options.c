/* The runner's command line, and the checks made before anything runs. */
#include "bench.h"
#include "agents.h"
#include "external.h"
#include "net.h"
#include "slo.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const all_models[] = {"iterative",  "process", "select",    "epoll", "thread",
                                         "threadpool", "prefork", "reuseport", "uring"};
static const char *const all_scenarios[] = {"concurrency", "load",    "slow",     "idle",
                                            "churn",       "service", "creation", "cores",
                                            "pitfalls",    "capacity"};
/* What --models takes: the C models and the shipped runtimes (external.h). */
static const char *const model_names[] = {"iterative", "process",    "select",  "epoll",
                                          "thread",    "threadpool", "prefork", "reuseport",
                                          "uring",     "node",       "go",      "asyncio"};
#define NMODEL_NAMES (sizeof(model_names) / sizeof(model_names[0]))
#define NALL_MODELS  (sizeof(all_models) / sizeof(all_models[0]))
/* One slot of MAX_MODELS is echo-floor's, which runs beside the models (suite.c). */
_Static_assert(sizeof(all_models) / sizeof(all_models[0]) <= MAX_MODELS - 1,
               "a model slot is kept for the floor");

#define DEFAULT_TARGET_CI  5.0 /* percent */
#define DEFAULT_MAX_TRIALS 7   /* the full suite's */
/* The full default suite's: within 20 minutes, the capacity scenario included. */
#define DEFAULT_BUDGET_NS (45ull * 1000000000)
#define MAX_BUDGET_NS     (7ull * 24 * 3600 * 1000000000)
/* The capacity scenario's wall time: within 5 minutes, quick within one. */
#define CAPACITY_BUDGET_NS       (300ull * 1000000000)
#define CAPACITY_QUICK_BUDGET_NS (60ull * 1000000000)

static void usage(FILE *out)
{
    fprintf(out,
            "usage: bench [options]\n"
            "\n"
            "Runs the experiment suite against the server models and writes a results\n"
            "folder: bench.json (schema echobench.bench/1) and raw/ with every loadgen run\n"
            "and server stats line; `make plots` turns it into plots and a report.\n"
            "\n"
            "  --quick              the reduced suite: fewer points, one trial, shorter runs\n"
            "  --models LIST        models, comma-separated (default: every one built of\n"
            "                       iterative,process,select,epoll,thread,threadpool,prefork,\n"
            "                       reuseport,uring); the shipped runtimes node,go,asyncio\n"
            "                       run when named here; the external models join the list\n"
            "  --external NAME=COMMAND\n"
            "                       an external model: a server bench runs as /bin/sh -c\n"
            "                       COMMAND with {port} replaced by a free port, ready when\n"
            "                       the port accepts; {work_us} and {sleep_us} get the\n"
            "                       service scenario's values, and one without them sits\n"
            "                       that point out (repeatable; NAME: a-z0-9_-, a letter\n"
            "                       first, up to 23), e.g. socat='socat TCP-LISTEN:{port},\n"
            "                       fork,reuseaddr EXEC:cat'; this machine only\n"
            "  --external-file FILE NAME=COMMAND lines, as --external (# starts a comment)\n"
            "  --scenarios LIST     of concurrency,load,slow,idle,churn,service,creation,\n"
            "                       cores,pitfalls,capacity (default: all; cores needs 4 or\n"
            "                       more CPUs; --quick leaves pitfalls out unless named);\n"
            "                       capacity ramps each model's idle connections in steps\n"
            "                       beside 16 active clients to where it breaks, and why\n"
            "  --points S=LIST      the points of scenario S, e.g. concurrency=1,64 (repeatable);\n"
            "                       load takes rates, as shares of the largest capacity or\n"
            "                       in requests/s (load=10%%,50%%,90%% or load=5000,20000);\n"
            "                       slow takes connection counts (slow=16,1000); pitfalls\n"
            "                       one number, the clients of each pair (pitfalls=2000);\n"
            "                       capacity the idle connections of its steps, 1 to\n"
            "                       1000000 (capacity=1000,5000,20000)\n"
            "  --load-connections N the connections of the load sweep, and of the capacity\n"
            "                       its rates are shares of (default 64)\n"
            "  --slo pP=BOUND       a latency target for the capacity-within-target figures,\n"
            "                       such as p99=1ms or p99.9=5ms (repeatable, up to 4;\n"
            "                       default p99=1ms); the capacity scenario's target is\n"
            "                       the first p99 given (else the first), p99=100ms if none\n"
            "  --trials N           trials of each point, interleaved across the models\n"
            "                       (default 3; quick 1); they always run\n"
            "  --target-ci PCT      closed-loop points: more rounds for the models whose\n"
            "                       throughput's median interval (95%%) is wider than PCT\n"
            "                       percent of the median each way (default 5; 0: none)\n"
            "  --max-trials M       at most M trials of a point, the added included (default 7;\n"
            "                       quick, or with --trials: equal to --trials, none added)\n"
            "  --budget DUR         the wall time the added trials may take in all, such as\n"
            "                       10m; the points come first in the order they run\n"
            "                       (default 45s for the full suite without --scenarios or\n"
            "                       --points, none otherwise; 0: none)\n"
            "  --capacity-budget DUR\n"
            "                       the capacity scenario's wall time, all models' ramps\n"
            "                       together (default 5m; quick 1m); each step may take a\n"
            "                       third of it, at most 60s, to open its idle connections\n"
            "                       and have the server take them in; a model whose next\n"
            "                       step would not fit is stopped as capped\n"
            "  --server-host HOST   run the servers on HOST (anything ssh takes: user@host,\n"
            "                       an ssh_config name; default: this machine)\n"
            "  --client-hosts LIST  loadgen agents: HOST or HOST*N, comma-separated; a host\n"
            "                       named N times runs N agents there (default: local, one)\n"
            "  --listen ADDR        the address the server listens on and the agents reach\n"
            "                       (default 127.0.0.1; another host needs one)\n"
            "  --remote-dir DIR     the folder for the run's binaries on the hosts (default:\n"
            "                       under each host's temporary folder; removed at the end)\n"
            "  --ssh-config FILE    ssh -F FILE (scripts/lab.sh writes one)\n"
            "  --skew-bound DUR     warn where the agents' windows start further apart\n"
            "                       (default 2ms; 0: never)\n"
            "  --no-floor           leave out echo-floor, the machine's reference, which\n"
            "                       otherwise runs beside the models in every round of the\n"
            "                       concurrency and load scenarios\n"
            "  --duration DUR       measured time of each run (default 1s; quick 300ms;\n"
            "                       DUR in ms, s, m or h)\n"
            "  --warmup DUR         warmup before it (default 300ms; quick 200ms)\n"
            "  --server-cpus LIST   the server's CPUs (default: the first half)\n"
            "  --client-cpus LIST   loadgen's CPUs (default: the other half)\n"
            "  --threads N          loadgen threads (default: one per client CPU)\n"
            "  --results DIR        where run folders go; DIR/latest points at the newest\n"
            "                       (default results)\n"
            "  --out DIR            this run's folder (default DIR/<UTC time>-<host>)\n"
            "  --bin DIR            where echo-MODEL, loadgen and creation-cost are (default:\n"
            "                       bench's own folder)\n"
            "  --no-progress        a line per run on stderr, not a live line\n"
            "  -h, --help           show this help\n"
            "\n"
            "Ctrl-C stops it; what was measured is kept. Exit status: 0 done, 1 when it\n"
            "could not run, 2 for a bad command line, 130 when interrupted.\n");
}

/* A duration in ms, s (or none), m or h, from 0 to max_ns. */
static int parse_dur(const char *what, const char *text, uint64_t *ns, uint64_t max_ns)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    double unit = strcmp(end, "ms") == 0             ? 1e6
                  : (strcmp(end, "s") == 0 || !*end) ? 1e9
                  : strcmp(end, "m") == 0            ? 60e9
                  : strcmp(end, "h") == 0            ? 3600e9
                                                     : 0;
    if (errno || end == text || unit == 0 || !(v >= 0) || v * unit > (double)max_ns) {
        fprintf(stderr,
                "bench: %s must be a duration such as 500ms, 1s or 19m, up to %.0f h, not "
                "'%s'\n",
                what, (double)max_ns / 3600e9, text);
        return -1;
    }
    *ns = (uint64_t)(v * unit);
    return 0;
}

/* Splits a comma list into items checked against the known names. */
static int name_list(const char *what, const char *text, const char *const *known, size_t nknown,
                     char (*out)[32], unsigned max, unsigned *n)
{
    char buf[512];
    snprintf(buf, sizeof(buf), "%s", text);
    *n = 0;
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        if (known == model_names && strcmp(tok, "floor") == 0) {
            fprintf(stderr, "bench: floor is not a model: echo-floor, the machine's reference, "
                            "runs beside the models by itself in the concurrency and load "
                            "scenarios (--no-floor leaves it out)\n");
            return -1;
        }
        if (*n == max) {
            fprintf(stderr, "bench: at most %u %ss\n", max, what);
            return -1;
        }
        bool ok = false;
        for (size_t i = 0; i < nknown; i++)
            ok |= strcmp(tok, known[i]) == 0;
        if (!ok) {
            fprintf(stderr, "bench: unknown %s '%s'; the %ss are:", what, tok, what);
            for (size_t i = 0; i < nknown; i++)
                fprintf(stderr, "%s%s", i ? "," : " ", known[i]);
            fprintf(stderr, "\n");
            return -1;
        }
        for (unsigned i = 0; i < *n; i++) {
            if (strcmp(out[i], tok) == 0) {
                fprintf(stderr, "bench: %s '%s' is given twice\n", what, tok);
                return -1;
            }
        }
        snprintf(out[(*n)++], 32, "%s", tok);
    }
    if (*n == 0) {
        fprintf(stderr, "bench: --%ss needs at least one name\n", what);
        return -1;
    }
    return 0;
}

static int cpu_list(const char *what, const char *text, int *cpus, unsigned *n)
{
    cpu_set_t allowed, seen;
    int count = 0;
    const char *p = text;

    sched_getaffinity(0, sizeof(allowed), &allowed);
    CPU_ZERO(&seen);
    while (*p) {
        char *end;
        long lo = strtol(p, &end, 10), hi = lo;
        if (end == p)
            goto bad;
        if (*end == '-') {
            p = end + 1;
            hi = strtol(p, &end, 10);
            if (end == p)
                goto bad;
        }
        for (long c = lo; c <= hi; c++) {
            if (c < 0 || c >= CPU_SETSIZE || !CPU_ISSET(c, &allowed)) {
                fprintf(stderr, "bench: %s: CPU %ld is not available here\n", what, c);
                return -1;
            }
            if (!CPU_ISSET(c, &seen)) /* named twice, it is still one CPU */
                cpus[count++] = (int)c;
            CPU_SET(c, &seen);
        }
        p = *end == ',' ? end + 1 : end;
        if (*end != ',' && *end != '\0')
            goto bad;
    }
    if (count == 0)
        goto bad;
    *n = (unsigned)count;
    return 0;
bad:
    fprintf(stderr, "bench: %s must be a CPU list such as 0-3,6, not '%s'\n", what, text);
    return -1;
}

/* The first half of the CPUs this process may use to the server, the rest to loadgen;
 * one each on two; both the same one on one. */
static void default_cpus(struct bench_opts *o)
{
    cpu_set_t allowed;
    int all[CPU_SETSIZE], n = 0;
    sched_getaffinity(0, sizeof(allowed), &allowed);
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &allowed))
            all[n++] = c;
    int half = n > 1 ? n / 2 : 1;
    if (o->nserver_cpus == 0)
        for (int i = 0; i < half; i++)
            o->server_cpus[o->nserver_cpus++] = all[i];
    if (o->nclient_cpus == 0)
        for (int i = n > 1 ? half : 0; i < n; i++)
            o->client_cpus[o->nclient_cpus++] = all[i];
}

/* The folder the running executable is in. */
static void own_dir(char *buf, size_t len, const char *argv0)
{
    ssize_t n = readlink("/proc/self/exe", buf, len - 1);
    if (n <= 0) {
        snprintf(buf, len, "%s", argv0);
    } else {
        buf[n] = '\0';
    }
    char *slash = strrchr(buf, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(buf, len, ".");
}

static int mkdir_p(const char *path)
{
    char buf[PATH_MAX + 16];
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) < 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(buf, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

/* Makes the run's folder and raw/, and proves it writable: at once, not after the first
 * scenario. */
static int make_out_dir(struct bench_opts *o)
{
    char raw[PATH_MAX + 8], probe[PATH_MAX + 32];
    if (o->out_dir[0] == '\0') {
        char host[64] = "host", stamp[32];
        time_t now = time(NULL);
        struct tm tm;
        gethostname(host, sizeof(host) - 1);
        for (char *p = host; *p; p++)
            if (*p == '/' || *p == ' ')
                *p = '_';
        gmtime_r(&now, &tm);
        strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
        if (snprintf(o->out_dir, sizeof(o->out_dir), "%.3900s/%s-%s", o->results_dir, stamp,
                     host) >= (int)sizeof(o->out_dir)) {
            fprintf(stderr, "bench: the results folder's path is too long\n");
            return -1;
        }
    }
    mkdir_p(o->results_dir); /* for results/latest, even when --out is elsewhere */
    snprintf(raw, sizeof(raw), "%s/raw", o->out_dir);
    snprintf(probe, sizeof(probe), "%s/.probe", o->out_dir);
    FILE *f = NULL;
    if (mkdir_p(raw) < 0 || !(f = fopen(probe, "w"))) {
        fprintf(stderr,
                "bench: cannot write the results folder %s: %s; choose another with --results "
                "or --out\n",
                o->out_dir, strerror(errno));
        return -1;
    }
    fclose(f);
    unlink(probe);
    return 0;
}

/* The models asked for (C models and shipped runtimes), or every C model built; then
 * every --external (asked for by being given). */
static int check_models(struct bench_opts *o, bool asked)
{
    char path[PATH_MAX + 64], why[PATH_MAX + 256];
    snprintf(path, sizeof(path), "%s/loadgen", o->bin_dir);
    if (access(path, X_OK) != 0) {
        fprintf(stderr, "bench: %s is not there: build first (make), or give --bin\n", path);
        return -1;
    }
    unsigned given = o->nexternals; /* --external's, before the shipped join them */
    /* The default list is the C models': the shipped runtimes run when named (three
     * more models would take the full suite past its 20 minutes on 2 cores), and only
     * here (below). */
    bool hosts = run_needs_hosts(o);
    if (!asked)
        for (size_t i = 0; i < NALL_MODELS; i++)
            snprintf(o->models[o->nmodels++], 32, "%s", all_models[i]);
    unsigned kept = 0;
    for (unsigned i = 0; i < o->nmodels; i++) {
        bool ok;
        if (external_is_shipped(o->models[i])) {
            int rc = external_add_shipped(o, o->models[i], why, sizeof(why));
            if (rc < 0) {
                fprintf(stderr, "bench: at most %d models in all\n", MAX_MODELS - 1);
                return -1;
            }
            ok = rc == 1;
        } else {
            snprintf(path, sizeof(path), "%s/echo-%s", o->bin_dir, o->models[i]);
            ok = access(path, X_OK) == 0;
            snprintf(why, sizeof(why), "%s is not built", path);
        }
        if (ok) {
            if (kept != i)
                memcpy(o->models[kept], o->models[i], 32);
            kept++;
        } else if (asked) {
            fprintf(stderr, "bench: %s\n", why);
            return -1;
        } else if (!external_is_shipped(o->models[i])) {
            fprintf(stderr, "bench: note: %s here, so it is left out\n", why);
        } else {
            fprintf(stderr, "bench: note: %s; it is left out\n", why);
        }
    }
    o->nmodels = kept;
    for (unsigned i = 0; i < given; i++) {
        if (o->nmodels == MAX_MODELS - 1) {
            fprintf(stderr, "bench: at most %d models in all, the external ones included\n",
                    MAX_MODELS - 1);
            return -1;
        }
        snprintf(o->models[o->nmodels++], 32, "%s", o->externals[i].name);
    }
    if (o->nmodels == 0) {
        fprintf(stderr, "bench: no echo-MODEL executable in %s: build first (make)\n", o->bin_dir);
        return -1;
    }
    /* An external model is a command run here: the supervisor on another host, and the
     * agents' runs, start only the C models they were sent. */
    if (o->nexternals > 0 && hosts) {
        fprintf(stderr,
                "bench: external models (%s%s) run on this machine only, beside one local "
                "loadgen: leave out --server-host and --client-hosts, or the external models "
                "(--external, --external-file, --models node,go,asyncio)\n",
                o->externals[0].name, o->nexternals > 1 ? ", ..." : "");
        return -1;
    }
    return 0;
}

static int read_sysctl(const char *path, int *a, int *b)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    int n = b ? fscanf(f, "%d %d", a, b) : fscanf(f, "%d", a);
    fclose(f);
    return n;
}

/* Descriptors for the largest point: the runner raises its own limit, which the server
 * and loadgen inherit; if even the hard limit is short, it says what to change. Then
 * the sysctls the suite leans on. */
static int check_limits(const struct bench_opts *o)
{
    rlim_t limit = 0;
    if (net_raise_nofile(&limit) < 0 || limit < 10100 + 1024 + 256) {
        fprintf(stderr,
                "bench: warning: the descriptor limit is %lu; the idle scenario's 10000 idle "
                "connections need about 11400: raise the hard limit (ulimit -Hn, or "
                "LimitNOFILE) or pass --points idle=0,1,100\n",
                (unsigned long)limit);
    }
    int somaxconn = 0;
    if (read_sysctl("/proc/sys/net/core/somaxconn", &somaxconn, NULL) != 1)
        somaxconn = 0;
    if (somaxconn > 0 && somaxconn < 1024)
        fprintf(stderr,
                "bench: warning: net.core.somaxconn is %d: bursts of connects past it wait "
                "for SYN retries; sysctl -w net.core.somaxconn=4096\n",
                somaxconn);
    /* Churn closes a connection per request from the client side, which keeps its port
     * in TIME_WAIT for a minute; at thousands a second only tcp_tw_reuse (on loopback by
     * default) lets the port range keep up. */
    bool churn = o->nscenarios == 0; /* none named: all */
    for (unsigned i = 0; i < o->nscenarios; i++)
        churn |= strcmp(o->scenarios[i], "churn") == 0;
    int reuse = -1, lo = 0, hi = 0;
    if (read_sysctl("/proc/sys/net/ipv4/tcp_tw_reuse", &reuse, NULL) != 1)
        reuse = -1;
    if (read_sysctl("/proc/sys/net/ipv4/ip_local_port_range", &lo, &hi) != 2)
        lo = hi = 0;
    if (churn && reuse == 0)
        fprintf(stderr,
                "bench: warning: net.ipv4.tcp_tw_reuse is 0: each of churn's connections "
                "holds its port in TIME_WAIT for 60 s, and the %d ports of "
                "net.ipv4.ip_local_port_range run out within seconds (loadgen counts them as "
                "addr_unavailable errors); sysctl -w net.ipv4.tcp_tw_reuse=2 (Linux's "
                "default: loopback only)\n",
                hi >= lo ? hi - lo + 1 : 0);
    return 0;
}

enum {
    OPT_QUICK = 256,
    OPT_MODELS,
    OPT_SCENARIOS,
    OPT_POINTS,
    OPT_TRIALS,
    OPT_DURATION,
    OPT_WARMUP,
    OPT_SERVER_CPUS,
    OPT_CLIENT_CPUS,
    OPT_THREADS,
    OPT_RESULTS,
    OPT_OUT,
    OPT_BIN,
    OPT_NO_PROGRESS,
    OPT_SLO,
    OPT_LOAD_CONNECTIONS,
    OPT_TARGET_CI,
    OPT_MAX_TRIALS,
    OPT_BUDGET,
    OPT_NO_FLOOR,
    OPT_SERVER_HOST,
    OPT_CLIENT_HOSTS,
    OPT_REMOTE_DIR,
    OPT_LISTEN,
    OPT_SSH_CONFIG,
    OPT_SKEW_BOUND,
    OPT_CAPACITY_BUDGET,
    OPT_EXTERNAL,
    OPT_EXTERNAL_FILE,
};

/* --client-hosts: HOST, HOST*N, comma-separated; a host named N times, or HOST*N, runs N
 * loadgen agents there ("local": this machine). */
static int client_hosts(const char *text, struct bench_opts *o)
{
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s", text);
    o->nagents = 0;
    for (char *save, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *star = strrchr(tok, '*');
        long n = 1;
        if (star) {
            char *end;
            *star = '\0';
            n = strtol(star + 1, &end, 10);
            if (end == star + 1 || *end || n < 1 || n > MAX_AGENTS) {
                fprintf(stderr,
                        "bench: --client-hosts takes HOST or HOST*N (N from 1 to %d), "
                        "comma-separated, such as lab2*2,lab3; not '%s'\n",
                        MAX_AGENTS, text);
                return -1;
            }
        }
        if (!tok[0] || strlen(tok) >= sizeof(o->agents[0]) || strchr(tok, '\'') ||
            o->nagents + (unsigned)n > MAX_AGENTS) {
            fprintf(stderr,
                    "bench: --client-hosts: '%s' is not a host name ssh takes, or the agents "
                    "pass %d in all\n",
                    tok, MAX_AGENTS);
            return -1;
        }
        for (long k = 0; k < n; k++)
            snprintf(o->agents[o->nagents++], sizeof(o->agents[0]), "%s", tok);
    }
    if (o->nagents == 0) {
        fprintf(stderr, "bench: --client-hosts needs at least one host\n");
        return -1;
    }
    return 0;
}

/* --listen: an IP address (v4 or v6) the server listens on. */
static int listen_addr(const char *text, struct bench_opts *o)
{
    unsigned char addr[16];
    if (strlen(text) >= sizeof(o->listen_addr) ||
        (inet_pton(AF_INET, text, addr) != 1 && inet_pton(AF_INET6, text, addr) != 1)) {
        fprintf(stderr,
                "bench: --listen takes the IP address the server listens on and the clients "
                "reach it at, such as 198.18.0.11 or ::1; not '%s'\n",
                text);
        return -1;
    }
    snprintf(o->listen_addr, sizeof(o->listen_addr), "%s", text);
    return 0;
}

static bool loopback(const char *addr)
{
    return !addr[0] || strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0;
}

/* The hosts make sense together: a server elsewhere listens where the agents reach it;
 * agents elsewhere do not reach this machine's loopback. */
static int check_hosts(struct bench_opts *o, bool skew_set)
{
    bool remote_agent = false;
    for (unsigned i = 0; i < o->nagents; i++)
        remote_agent |= strcmp(o->agents[i], "local") != 0;
    bool remote_server = o->server_host[0] && strcmp(o->server_host, "local") != 0;
    if ((remote_server || remote_agent) && loopback(o->listen_addr)) {
        fprintf(stderr,
                "bench: with the server or the agents on other hosts, --listen ADDR must name "
                "an address the agents reach the server at (not loopback, which is each "
                "host's own): such as --listen 198.18.0.11 in the lab\n");
        return -1;
    }
    if (o->nagents == 0)
        snprintf(o->agents[o->nagents++], sizeof(o->agents[0]), "local");
    if (!skew_set)
        o->skew_bound_ns = 2000000; /* 2 ms */
    else if (o->skew_bound_ns == 0)
        o->skew_bound_ns = UINT64_MAX; /* 0: never warned of */
    return 0;
}

int bench_parse_args(int argc, char **argv, struct bench_opts *o)
{
    static const struct option longopts[] = {
        {"quick", no_argument, NULL, OPT_QUICK},
        {"models", required_argument, NULL, OPT_MODELS},
        {"scenarios", required_argument, NULL, OPT_SCENARIOS},
        {"points", required_argument, NULL, OPT_POINTS},
        {"trials", required_argument, NULL, OPT_TRIALS},
        {"duration", required_argument, NULL, OPT_DURATION},
        {"warmup", required_argument, NULL, OPT_WARMUP},
        {"server-cpus", required_argument, NULL, OPT_SERVER_CPUS},
        {"client-cpus", required_argument, NULL, OPT_CLIENT_CPUS},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"results", required_argument, NULL, OPT_RESULTS},
        {"out", required_argument, NULL, OPT_OUT},
        {"bin", required_argument, NULL, OPT_BIN},
        {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
        {"slo", required_argument, NULL, OPT_SLO},
        {"load-connections", required_argument, NULL, OPT_LOAD_CONNECTIONS},
        {"target-ci", required_argument, NULL, OPT_TARGET_CI},
        {"max-trials", required_argument, NULL, OPT_MAX_TRIALS},
        {"budget", required_argument, NULL, OPT_BUDGET},
        {"no-floor", no_argument, NULL, OPT_NO_FLOOR},
        {"server-host", required_argument, NULL, OPT_SERVER_HOST},
        {"client-hosts", required_argument, NULL, OPT_CLIENT_HOSTS},
        {"remote-dir", required_argument, NULL, OPT_REMOTE_DIR},
        {"listen", required_argument, NULL, OPT_LISTEN},
        {"ssh-config", required_argument, NULL, OPT_SSH_CONFIG},
        {"skew-bound", required_argument, NULL, OPT_SKEW_BOUND},
        {"capacity-budget", required_argument, NULL, OPT_CAPACITY_BUDGET},
        {"external", required_argument, NULL, OPT_EXTERNAL},
        {"external-file", required_argument, NULL, OPT_EXTERNAL_FILE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool models_asked = false, no_progress = false;
    bool trials_set = false, duration_set = false, warmup_set = false;
    bool target_set = false, max_trials_set = false, budget_set = false, skew_set = false;
    int c;

    memset(o, 0, sizeof(*o));
    snprintf(o->results_dir, sizeof(o->results_dir), "results");
    own_dir(o->bin_dir, sizeof(o->bin_dir), argv[0]);
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        char *end;
        long v;
        switch (c) {
        case OPT_QUICK:
            o->quick = true;
            break;
        case OPT_MODELS:
            if (name_list("model", optarg, model_names, NMODEL_NAMES, o->models, MAX_MODELS - 1,
                          &o->nmodels) < 0)
                return -1;
            models_asked = true;
            break;
        case OPT_SCENARIOS:
            if (name_list("scenario", optarg, all_scenarios,
                          sizeof(all_scenarios) / sizeof(all_scenarios[0]), o->scenarios,
                          sizeof(o->scenarios) / sizeof(o->scenarios[0]), &o->nscenarios) < 0)
                return -1;
            break;
        case OPT_POINTS: {
            const char *eq = strchr(optarg, '=');
            bool known = false;
            for (size_t i = 0; eq && i < sizeof(all_scenarios) / sizeof(all_scenarios[0]); i++)
                known |= strncmp(optarg, all_scenarios[i], (size_t)(eq - optarg)) == 0 &&
                         strlen(all_scenarios[i]) == (size_t)(eq - optarg);
            if (!eq || !known || !eq[1] || o->npoints == 8) {
                fprintf(stderr,
                        "bench: --points takes SCENARIO=LIST, such as concurrency=1,64; "
                        "not '%s'\n",
                        optarg);
                return -1;
            }
            snprintf(o->points[o->npoints][0], 128, "%.*s", (int)(eq - optarg), optarg);
            snprintf(o->points[o->npoints][1], 128, "%s", eq + 1);
            o->npoints++;
            break;
        }
        case OPT_TRIALS:
        case OPT_MAX_TRIALS:
        case OPT_THREADS: {
            const char *name = c == OPT_TRIALS       ? "--trials"
                               : c == OPT_MAX_TRIALS ? "--max-trials"
                                                     : "--threads";
            errno = 0;
            v = strtol(optarg, &end, 10);
            if (errno || *end || end == optarg || v < 1 ||
                v > (c == OPT_THREADS ? 256 : MAX_TRIALS)) {
                fprintf(stderr, "bench: %s must be a whole number from 1 to %d, not '%s'\n", name,
                        c == OPT_THREADS ? 256 : MAX_TRIALS, optarg);
                return -1;
            }
            if (c == OPT_TRIALS) {
                o->trials = (unsigned)v;
                trials_set = true;
            } else if (c == OPT_MAX_TRIALS) {
                o->max_trials = (unsigned)v;
                max_trials_set = true;
            } else {
                o->loadgen_threads = (unsigned)v;
            }
            break;
        }
        case OPT_TARGET_CI:
            errno = 0;
            o->target_ci_pct = strtod(optarg, &end);
            if (errno || *end || end == optarg || !(o->target_ci_pct >= 0) ||
                o->target_ci_pct > 100) {
                fprintf(stderr,
                        "bench: --target-ci must be a percentage from 0 (off) to 100, such as 5, "
                        "not '%s'\n",
                        optarg);
                return -1;
            }
            target_set = true;
            break;
        case OPT_BUDGET:
            if (parse_dur("--budget", optarg, &o->budget_ns, MAX_BUDGET_NS) < 0)
                return -1;
            budget_set = true;
            break;
        case OPT_CAPACITY_BUDGET:
            if (parse_dur("--capacity-budget", optarg, &o->capacity_budget_ns, MAX_BUDGET_NS) < 0)
                return -1;
            if (o->capacity_budget_ns < 1000000000ull) {
                fprintf(stderr,
                        "bench: --capacity-budget must be 1s or more, such as 5m, not "
                        "'%s'\n",
                        optarg);
                return -1;
            }
            break;
        case OPT_NO_FLOOR:
            o->no_floor = true;
            break;
        case OPT_SERVER_HOST:
            if (!optarg[0] || strlen(optarg) >= sizeof(o->server_host) || strchr(optarg, '\'')) {
                fprintf(stderr, "bench: --server-host takes a host ssh reaches (user@host, an "
                                "ssh_config name), or local\n");
                return -1;
            }
            snprintf(o->server_host, sizeof(o->server_host), "%s", optarg);
            break;
        case OPT_CLIENT_HOSTS:
            if (client_hosts(optarg, o) < 0)
                return -1;
            break;
        case OPT_REMOTE_DIR:
            if (optarg[0] != '/' || strlen(optarg) >= sizeof(o->remote_dir) / 2 ||
                strchr(optarg, '\'')) {
                fprintf(stderr,
                        "bench: --remote-dir takes an absolute folder on the hosts, "
                        "such as /tmp/echobench; not '%s'\n",
                        optarg);
                return -1;
            }
            snprintf(o->remote_dir, sizeof(o->remote_dir), "%s", optarg);
            break;
        case OPT_LISTEN:
            if (listen_addr(optarg, o) < 0)
                return -1;
            break;
        case OPT_SSH_CONFIG:
            if (access(optarg, R_OK) != 0) {
                fprintf(stderr, "bench: --ssh-config %s: %s\n", optarg, strerror(errno));
                return -1;
            }
            snprintf(o->ssh_config, sizeof(o->ssh_config), "%s", optarg);
            break;
        case OPT_SKEW_BOUND:
            if (parse_dur("--skew-bound", optarg, &o->skew_bound_ns, 60000000000ull) < 0)
                return -1;
            skew_set = true;
            break;
        case OPT_DURATION:
            if (parse_dur("--duration", optarg, &o->duration_ns, 3600000000000ull) < 0)
                return -1;
            if (o->duration_ns < 10000000) {
                fprintf(stderr, "bench: --duration must be at least 10ms\n");
                return -1;
            }
            duration_set = true;
            break;
        case OPT_WARMUP:
            if (parse_dur("--warmup", optarg, &o->warmup_ns, 3600000000000ull) < 0)
                return -1;
            warmup_set = true;
            break;
        case OPT_SERVER_CPUS:
            if (cpu_list("--server-cpus", optarg, o->server_cpus, &o->nserver_cpus) < 0)
                return -1;
            break;
        case OPT_CLIENT_CPUS:
            if (cpu_list("--client-cpus", optarg, o->client_cpus, &o->nclient_cpus) < 0)
                return -1;
            break;
        case OPT_RESULTS:
            snprintf(o->results_dir, sizeof(o->results_dir), "%s", optarg);
            break;
        case OPT_OUT:
            snprintf(o->out_dir, sizeof(o->out_dir), "%s", optarg);
            break;
        case OPT_BIN:
            snprintf(o->bin_dir, sizeof(o->bin_dir), "%s", optarg);
            break;
        case OPT_NO_PROGRESS:
            no_progress = true;
            break;
        case OPT_SLO: {
            char err[256];
            if (o->nslo == SLO_MAX) {
                fprintf(stderr, "bench: --slo is given at most %d times\n", SLO_MAX);
                return -1;
            }
            if (slo_parse(optarg, &o->slo[o->nslo], err, sizeof(err)) < 0) {
                fprintf(stderr, "bench: --slo: %s\n", err);
                return -1;
            }
            o->nslo++;
            break;
        }
        case OPT_LOAD_CONNECTIONS:
            errno = 0;
            v = strtol(optarg, &end, 10);
            if (errno || *end || end == optarg || v < 1 || v > 100000) {
                fprintf(stderr,
                        "bench: --load-connections must be a whole number from 1 to 100000, not "
                        "'%s'\n",
                        optarg);
                return -1;
            }
            o->load_connections = (unsigned)v;
            break;
        case OPT_EXTERNAL:
            if (external_add(o, optarg, "--external", all_models, NALL_MODELS) < 0)
                return -1;
            break;
        case OPT_EXTERNAL_FILE:
            if (external_add_file(o, optarg, all_models, NALL_MODELS) < 0)
                return -1;
            break;
        case 'h':
            usage(stdout);
            return 1;
        case ':':
            fprintf(stderr, "bench: option %s needs a value\n", argv[optind - 1]);
            return -1;
        default:
            fprintf(stderr, "bench: unknown option '%s'\n", argv[optind - 1]);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "bench: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    if (!trials_set)
        o->trials = o->quick ? 1 : 3;
    if (!target_set)
        o->target_ci_pct = DEFAULT_TARGET_CI;
    /* Trials asked for by number are what runs unless --max-trials says more may. */
    if (!max_trials_set)
        o->max_trials = o->quick || trials_set || o->trials > DEFAULT_MAX_TRIALS
                            ? o->trials
                            : DEFAULT_MAX_TRIALS;
    if (o->max_trials < o->trials) {
        fprintf(stderr,
                "bench: --max-trials %u is below --trials %u: the base trials always run, and "
                "--max-trials counts them\n",
                o->max_trials, o->trials);
        return -1;
    }
    if (!budget_set)
        o->budget_ns = !o->quick && o->nscenarios == 0 && o->npoints == 0 ? DEFAULT_BUDGET_NS : 0;
    o->slo_given = o->nslo > 0;
    if (o->capacity_budget_ns == 0)
        o->capacity_budget_ns = o->quick ? CAPACITY_QUICK_BUDGET_NS : CAPACITY_BUDGET_NS;
    if (o->nslo == 0) {
        char err[256];
        slo_parse(SLO_DEFAULT, &o->slo[0], err, sizeof(err));
        o->nslo = 1;
    }
    if (o->load_connections == 0)
        o->load_connections = 64;
    if (!duration_set)
        o->duration_ns = o->quick ? 300000000ull : 1000000000ull;
    if (!warmup_set)
        o->warmup_ns = o->quick ? 200000000ull : 300000000ull;
    default_cpus(o);
    for (unsigned i = 0; i < o->nserver_cpus; i++)
        for (unsigned k = 0; k < o->nclient_cpus; k++)
            if (o->server_cpus[i] == o->client_cpus[k] &&
                (o->nserver_cpus > 1 || o->nclient_cpus > 1 || sysconf(_SC_NPROCESSORS_ONLN) > 1)) {
                fprintf(stderr,
                        "bench: warning: CPU %d is both the server's and loadgen's: they "
                        "will compete for it\n",
                        o->server_cpus[i]);
                i = o->nserver_cpus;
                break;
            }
    if (o->loadgen_threads == 0)
        o->loadgen_threads = o->nclient_cpus ? o->nclient_cpus : 1;
    o->progress = !no_progress && isatty(STDERR_FILENO);
    if (check_hosts(o, skew_set) < 0)
        return -1;
    if (check_models(o, models_asked) < 0 || make_out_dir(o) < 0 || check_limits(o) < 0)
        return 3;
    const char *base = strrchr(o->out_dir, '/');
    snprintf(o->run_id, sizeof(o->run_id), "%.90s", base ? base + 1 : o->out_dir);
    return 0;
}
