/* The load generator's command line. */
#include "clock.h"
#include "loadgen.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_CONNECTIONS 16
#define DEFAULT_DURATION    "10s"
#define DEFAULT_WARMUP      "1s"
#define DEFAULT_TIMEOUT     "2s"
#define DEFAULT_LINE        64

static void usage(FILE *out)
{
    fprintf(out,
            "usage: loadgen [options] HOST:PORT\n"
            "\n"
            "Drives a line-echo server with active and idle clients, checks every byte of\n"
            "every echo, and reports throughput, latency, fairness and errors.\n"
            "\n"
            "  -c N            active connections (default %d); with --churn, concurrent\n"
            "                  connect-request-close cycles\n"
            "  -i N            idle connections, opened first, silent all run (default 0)\n"
            "  -t N            worker threads, one libuv loop each (default 1)\n"
            "  -d DURATION     measured time (default %s); units ms, s, m\n"
            "  -w DURATION     warmup before it, not recorded (default %s)\n"
            "  -s BYTES        line length, the newline included, 2..65536 (default %d)\n"
            "  -p DEPTH        requests in flight per connection (default 1)\n"
            "  -R RATE         open loop: RATE requests per second in all, sent at their\n"
            "                  intended times; latency counts from the intended time\n"
            "                  (default: none, a closed loop)\n"
            "  --arrivals uniform|poisson\n"
            "                  open loop: requests evenly spread, or exponential gaps of\n"
            "                  mean 1/RATE, one Poisson schedule per connection (default\n"
            "                  uniform)\n"
            "  --seed N        poisson's generators are seeded from N: the same seed, -c\n"
            "                  and -R repeat the schedule exactly (default 1)\n"
            "  --churn         one request per connection: connect, send, read, close\n"
            "  --prime         before the warmup, one echo on every active connection (or\n"
            "                  its timeout, or 500 ms without an echo to any), so a server\n"
            "                  that makes a flow per connection has made them all before\n"
            "                  anything is measured\n"
            "  --timeout DUR   per request and per connect (default %s)\n"
            "  --cpus LIST     pin worker threads, round-robin, to CPUs such as 0-3,6\n"
            "                  (default: not pinned)\n"
            "  --sources N     spread connections over N source addresses, 127.0.0.1..N\n"
            "                  (default: as many as the connections need ports)\n"
            "  --source-from N the source addresses start at 127.0.0.N, 1..254: N..N+S-1\n"
            "                  for S sources, within 127.0.0.254 (default 1); for agents\n"
            "                  on one machine, each its own block of source ports\n"
            "  --open-within DUR\n"
            "                  an idle connection whose connect fails before it is up\n"
            "                  (timeout, refused, reset, no port) is tried again, 50ms\n"
            "                  later, until DUR after the idle connections began opening\n"
            "                  (default: each tried once); one lost after it was up is\n"
            "                  not reopened\n"
            "  --json FILE     write the run as JSON, atomically (- for stdout)\n"
            "  --label TEXT    free text carried into the JSON\n"
            "  --per-connection\n"
            "                  each active connection's completions (and, open loop, its\n"
            "                  requests due) in the JSON, so that runs of several agents\n"
            "                  merge their fairness exactly\n"
            "  --spin DUR      open loop: busy-wait the last DUR before each send (at most\n"
            "                  1ms) instead of sleeping through it, so that a send leaves\n"
            "                  on time though the loop wakes late; costs up to DUR of CPU\n"
            "                  per request sent (-R 2000 --spin 50us: up to 10%% of a CPU)\n"
            "                  (default: off; send_lag_us in the JSON says how late)\n"
            "  --timeline-bin DUR\n"
            "                  the width of the timeline's bins (default 1s; widened to\n"
            "                  keep a run to 600 bins)\n"
            "  --no-progress   no progress line on stderr (default: one when a terminal)\n"
            "  --sync FD       for the runner: say idle-up, primed, t0 and t1 on the\n"
            "                  socket FD, and after each but t0 wait for a byte back\n"
            "  -h, --help      show this help\n"
            "\n"
            "Exit status: 0 when the run was measured (errors are data, counted in the\n"
            "JSON), 1 when nothing could be measured, 2 for a bad command line.\n",
            DEFAULT_CONNECTIONS, DEFAULT_DURATION, DEFAULT_WARMUP, DEFAULT_LINE, DEFAULT_TIMEOUT);
}

int lg_parse_duration(const char *text, uint64_t *ns)
{
    char *end;

    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || !(v >= 0) || isinf(v))
        return -1;
    double unit;
    if (strcmp(end, "ms") == 0)
        unit = 1e6;
    else if (strcmp(end, "s") == 0 || *end == '\0')
        unit = 1e9;
    else if (strcmp(end, "m") == 0)
        unit = 60e9;
    else if (strcmp(end, "us") == 0)
        unit = 1e3;
    else
        return -1;
    if (v * unit > 86400e9)
        return -1; /* a day at most */
    *ns = (uint64_t)llround(v * unit);
    return 0;
}

int lg_parse_cpus(const char *text, int *cpus, int max)
{
    int n = 0;
    const char *p = text;

    while (*p) {
        char *end;
        long lo = strtol(p, &end, 10), hi;
        if (end == p || lo < 0 || lo >= CPU_SETSIZE)
            return -1;
        hi = lo;
        if (*end == '-') {
            p = end + 1;
            hi = strtol(p, &end, 10);
            if (end == p || hi < lo || hi >= CPU_SETSIZE)
                return -1;
        }
        for (long c = lo; c <= hi; c++) {
            if (n == max)
                return -1;
            cpus[n++] = (int)c;
        }
        if (*end == ',')
            end++;
        else if (*end != '\0')
            return -1;
        p = end;
    }
    return n > 0 ? n : -1;
}

/* Parses a whole number in [min, max]. Returns 0, or -1 after a message. */
static int parse_count(const char *what, const char *text, long min, long max, unsigned *out)
{
    char *end;

    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < min || v > max) {
        fprintf(stderr, "loadgen: %s must be a whole number from %ld to %ld, not '%s'\n", what, min,
                max, text);
        return -1;
    }
    *out = (unsigned)v;
    return 0;
}

static int parse_dur(const char *what, const char *text, uint64_t *ns)
{
    if (lg_parse_duration(text, ns) < 0) {
        fprintf(stderr,
                "loadgen: %s must be a duration such as 10s, 500ms or 2m (at most a day), "
                "not '%s'\n",
                what, text);
        return -1;
    }
    return 0;
}

/* --arrivals: uniform or poisson. Returns 0, or -1 after a message. */
static int parse_arrivals(const char *text, enum lg_arrivals *out)
{
    if (strcmp(text, "uniform") == 0) {
        *out = ARR_UNIFORM;
    } else if (strcmp(text, "poisson") == 0) {
        *out = ARR_POISSON;
    } else {
        fprintf(stderr, "loadgen: --arrivals must be uniform or poisson, not '%s'\n", text);
        return -1;
    }
    return 0;
}

/* --seed: a whole number no larger than 2^53 - 1, so that the JSON carries it exactly
 * to any reader (a double holds it). Returns 0, or -1 after a message. */
static int parse_seed(const char *text, uint64_t *out)
{
    char *end;

    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || end == text || *end || text[0] == '-' || text[0] == '+' || v > LG_MAX_SEED) {
        fprintf(stderr, "loadgen: --seed must be a whole number from 0 to %llu, not '%s'\n",
                (unsigned long long)LG_MAX_SEED, text);
        return -1;
    }
    *out = v;
    return 0;
}

/* The JSON file must be writable before minutes are spent measuring. */
static int check_writable(const char *path)
{
    if (strcmp(path, "-") == 0)
        return 0;
    char *copy = strdup(path);
    if (!copy)
        return -1;
    const char *dir = dirname(copy);
    int rc = access(dir, W_OK | X_OK);
    if (rc < 0)
        fprintf(stderr, "loadgen: cannot write --json %s: folder %s: %s\n", path, dir,
                strerror(errno));
    free(copy);
    return rc;
}

/* Checks that every --cpus CPU is one this process may run on. */
static int check_cpus(const struct lg_config *cfg)
{
    cpu_set_t allowed;

    if (sched_getaffinity(0, sizeof(allowed), &allowed) < 0)
        return 0; /* cannot tell: pinning will say */
    for (unsigned i = 0; i < cfg->ncpus; i++) {
        if (!CPU_ISSET(cfg->cpus[i], &allowed)) {
            fprintf(stderr, "loadgen: CPU %d in --cpus is not available here (%d online)\n",
                    cfg->cpus[i], (int)sysconf(_SC_NPROCESSORS_ONLN));
            return -1;
        }
    }
    return 0;
}

static int resolve_target(struct lg_config *cfg)
{
    char host[256], port[16];

    if (net_split_hostport(cfg->target, host, sizeof(host), port, sizeof(port)) < 0 ||
        net_parse_port(port) <= 0) {
        fprintf(stderr,
                "loadgen: the target must be HOST:PORT, such as 127.0.0.1:15213 or "
                "[::1]:15213, not '%s'\n",
                cfg->target);
        return -1;
    }
    int rc = net_resolve(host, port, 0, &cfg->addr);
    if (rc != 0) {
        fprintf(stderr, "loadgen: cannot resolve '%s': %s\n", host, net_resolve_strerror(rc));
        return -1;
    }
    return 0;
}

enum {
    OPT_CHURN = 256,
    OPT_TIMEOUT,
    OPT_CPUS,
    OPT_JSON,
    OPT_LABEL,
    OPT_SOURCES,
    OPT_SOURCE_FROM,
    OPT_OPEN_WITHIN,
    OPT_NO_PROGRESS,
    OPT_PRIME,
    OPT_SYNC,
    OPT_BIN,
    OPT_SPIN,
    OPT_ARRIVALS,
    OPT_SEED,
    OPT_PER_CONNECTION
};

int lg_parse_args(int argc, char **argv, struct lg_config *cfg)
{
    static const struct option longopts[] = {
        {"churn", no_argument, NULL, OPT_CHURN},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"cpus", required_argument, NULL, OPT_CPUS},
        {"json", required_argument, NULL, OPT_JSON},
        {"label", required_argument, NULL, OPT_LABEL},
        {"sources", required_argument, NULL, OPT_SOURCES},
        {"source-from", required_argument, NULL, OPT_SOURCE_FROM},
        {"open-within", required_argument, NULL, OPT_OPEN_WITHIN},
        {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
        {"prime", no_argument, NULL, OPT_PRIME},
        {"sync", required_argument, NULL, OPT_SYNC},
        {"timeline-bin", required_argument, NULL, OPT_BIN},
        {"spin", required_argument, NULL, OPT_SPIN},
        {"arrivals", required_argument, NULL, OPT_ARRIVALS},
        {"seed", required_argument, NULL, OPT_SEED},
        {"per-connection", no_argument, NULL, OPT_PER_CONNECTION},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool churn = false, no_progress = false, arrivals = false;
    int c;

    memset(cfg, 0, sizeof(*cfg));
    cfg->connections = DEFAULT_CONNECTIONS;
    cfg->threads = 1;
    cfg->pipeline = 1;
    cfg->line_bytes = DEFAULT_LINE;
    lg_parse_duration(DEFAULT_DURATION, &cfg->duration_ns);
    lg_parse_duration(DEFAULT_WARMUP, &cfg->warmup_ns);
    lg_parse_duration(DEFAULT_TIMEOUT, &cfg->timeout_ns);
    cfg->label = "";
    cfg->sync_fd = -1;
    cfg->bin_ns = NS_PER_S;
    cfg->seed = LG_DEFAULT_SEED;
    cfg->source_from = 1;

    opterr = 0;
    while ((c = getopt_long(argc, argv, ":c:i:t:d:w:s:p:R:h", longopts, NULL)) != -1) {
        int rc = 0;
        switch (c) {
        case 'c':
            rc = parse_count("-c (connections)", optarg, 1, 1000000, &cfg->connections);
            break;
        case 'i':
            rc = parse_count("-i (idle connections)", optarg, 0, 1000000, &cfg->idle);
            break;
        case 't':
            rc = parse_count("-t (threads)", optarg, 1, LG_MAX_THREADS, &cfg->threads);
            break;
        case 's':
            rc = parse_count("-s (line bytes)", optarg, 2, 65536, &cfg->line_bytes);
            break;
        case 'p':
            rc = parse_count("-p (pipeline depth)", optarg, 1, 1024, &cfg->pipeline);
            break;
        case OPT_SOURCES:
            rc = parse_count("--sources", optarg, 1, 254, &cfg->sources);
            break;
        case OPT_SOURCE_FROM:
            rc = parse_count("--source-from", optarg, 1, 254, &cfg->source_from);
            break;
        case OPT_OPEN_WITHIN:
            rc = parse_dur("--open-within", optarg, &cfg->open_within_ns);
            if (rc == 0 && cfg->open_within_ns < 1000000) {
                fprintf(stderr, "loadgen: --open-within must be at least 1ms, not '%s'\n", optarg);
                rc = -1;
            }
            break;
        case 'd':
            rc = parse_dur("-d (duration)", optarg, &cfg->duration_ns);
            if (rc == 0 && cfg->duration_ns < 1000000) {
                fprintf(stderr, "loadgen: -d must be at least 1ms, not '%s'\n", optarg);
                rc = -1;
            }
            break;
        case 'w':
            rc = parse_dur("-w (warmup)", optarg, &cfg->warmup_ns);
            break;
        case OPT_TIMEOUT:
            rc = parse_dur("--timeout", optarg, &cfg->timeout_ns);
            if (rc == 0 && cfg->timeout_ns < 1000000) {
                fprintf(stderr, "loadgen: --timeout must be at least 1ms, not '%s'\n", optarg);
                rc = -1;
            }
            break;
        case 'R': {
            char *end;
            errno = 0;
            cfg->rate = strtod(optarg, &end);
            if (errno || end == optarg || *end || !(cfg->rate > 0) || cfg->rate > 1e8) {
                fprintf(stderr,
                        "loadgen: -R (requests per second) must be a number above 0 and at "
                        "most 1e8, not '%s'\n",
                        optarg);
                rc = -1;
            }
            break;
        }
        case OPT_CHURN:
            churn = true;
            break;
        case OPT_CPUS: {
            int n = lg_parse_cpus(optarg, cfg->cpus, CPU_SETSIZE);
            if (n < 0) {
                fprintf(stderr, "loadgen: --cpus must be a CPU list such as 0-3,6, not '%s'\n",
                        optarg);
                rc = -1;
            } else {
                cfg->ncpus = (unsigned)n;
            }
            break;
        }
        case OPT_JSON:
            cfg->json_path = optarg;
            break;
        case OPT_LABEL:
            cfg->label = optarg;
            break;
        case OPT_NO_PROGRESS:
            no_progress = true;
            break;
        case OPT_PRIME:
            cfg->prime = true;
            break;
        case OPT_PER_CONNECTION:
            cfg->per_connection = true;
            break;
        case OPT_BIN:
            rc = parse_dur("--timeline-bin", optarg, &cfg->bin_ns);
            if (rc == 0 && cfg->bin_ns < 10000000) {
                fprintf(stderr, "loadgen: --timeline-bin must be at least 10ms, not '%s'\n",
                        optarg);
                rc = -1;
            }
            break;
        case OPT_SPIN:
            rc = parse_dur("--spin", optarg, &cfg->spin_ns);
            if (rc == 0 && cfg->spin_ns > 1000000) {
                fprintf(stderr, "loadgen: --spin must be at most 1ms, not '%s'\n", optarg);
                rc = -1;
            }
            break;
        case OPT_ARRIVALS:
            arrivals = true;
            rc = parse_arrivals(optarg, &cfg->arrivals);
            break;
        case OPT_SEED:
            rc = parse_seed(optarg, &cfg->seed);
            break;
        case OPT_SYNC: {
            unsigned fd;
            rc = parse_count("--sync", optarg, 3, 65535, &fd);
            if (rc == 0 && fcntl((int)fd, F_GETFD) < 0) {
                fprintf(stderr, "loadgen: --sync %u is not an open descriptor\n", fd);
                rc = -1;
            }
            cfg->sync_fd = (int)fd;
            break;
        }
        case 'h':
            usage(stdout);
            return 1;
        case ':':
            fprintf(stderr, "loadgen: option %s needs a value\n", argv[optind - 1]);
            return -1;
        default:
            fprintf(stderr, "loadgen: unknown option '%s'\n", argv[optind - 1]);
            return -1;
        }
        if (rc < 0)
            return -1;
    }
    if (optind == argc) {
        fprintf(stderr, "loadgen: missing the target HOST:PORT\n");
        return -1;
    }
    if (optind + 1 < argc) {
        fprintf(stderr, "loadgen: one target only; unexpected '%s'\n", argv[optind + 1]);
        return -1;
    }
    cfg->target = argv[optind];

    if (churn && cfg->rate > 0) {
        fprintf(stderr, "loadgen: --churn and -R do not combine: churn is a closed loop of "
                        "connections\n");
        return -1;
    }
    if (churn && cfg->prime) {
        fprintf(stderr, "loadgen: --prime does not apply to --churn, where every request is "
                        "a new connection\n");
        return -1;
    }
    if (churn && cfg->pipeline > 1) {
        fprintf(stderr, "loadgen: --churn sends one request per connection: -p must be 1\n");
        return -1;
    }
    cfg->mode = churn ? MODE_CHURN : cfg->rate > 0 ? MODE_OPEN : MODE_CLOSED;
    if (cfg->spin_ns && cfg->mode != MODE_OPEN) {
        fprintf(stderr, "loadgen: --spin paces the open loop: it needs -R\n");
        return -1;
    }
    if (arrivals && cfg->mode != MODE_OPEN) {
        fprintf(stderr, "loadgen: --arrivals shapes the open loop's schedule: it needs -R\n");
        return -1;
    }
    cfg->progress = !no_progress && isatty(STDERR_FILENO);
    if (resolve_target(cfg) < 0 || check_cpus(cfg) < 0 ||
        (cfg->json_path && check_writable(cfg->json_path) < 0))
        return -1;
    return 0;
}
