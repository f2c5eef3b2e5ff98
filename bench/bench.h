/* The experiment runner: what its parts share. */
#ifndef ECHOBENCH_BENCH_H
#define ECHOBENCH_BENCH_H

#include <jansson.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "procfs.h"
#include "slo.h"

#define MAX_MODELS 32
#define MAX_TRIALS 50
#define MAX_ARGS   32
#define MAX_AGENTS 32

/* An external model (external.h): its name, its command as given (with {port}), and
 * for a shipped runtime (node, go, asyncio) which one and its version ("" unknown). */
#define EXTERNAL_NAME_MAX    23
#define EXTERNAL_COMMAND_MAX 1024
struct external_model {
    char name[32];
    char command[EXTERNAL_COMMAND_MAX];
    bool shipped;
    const char *runtime; /* "node", "go", "python"; NULL for another's */
    char version[64];
};

/* The command line, settled. */
struct bench_opts {
    bool quick;
    char models[MAX_MODELS][32];
    unsigned nmodels;
    /* The external models among them, from --external, --external-file and the shipped
     * runtimes (external.h). */
    struct external_model externals[MAX_MODELS];
    unsigned nexternals;
    char scenarios[16][32]; /* the names asked for, or all */
    unsigned nscenarios;
    char points[8][2][128];  /* --points SCENARIO=LIST overrides */
    struct slo slo[SLO_MAX]; /* the latency targets (default p99=1ms) */
    unsigned nslo;
    unsigned load_connections; /* the load sweep's connections (default 64) */
    unsigned npoints;
    unsigned trials;
    /* The adaptive trials (planner.h): past the base trials, rounds are added for the
     * models whose throughput's median interval is wider than target_ci_pct percent (0:
     * off), up to max_trials (equal to trials: off), while budget_ns allows (0: none). */
    double target_ci_pct;
    unsigned max_trials;
    uint64_t budget_ns;
    bool no_floor; /* --no-floor: echo-floor does not run beside the models */
    uint64_t duration_ns;
    uint64_t warmup_ns;
    int server_cpus[CPU_SETSIZE];
    unsigned nserver_cpus;
    int client_cpus[CPU_SETSIZE];
    unsigned nclient_cpus;
    unsigned loadgen_threads;
    char bin_dir[PATH_MAX];     /* where echo-MODEL, loadgen and creation-cost are */
    char results_dir[PATH_MAX]; /* where run folders go; results/latest points at the newest */
    char out_dir[PATH_MAX];     /* this run's folder */
    bool progress;              /* a live line on a terminal; a line per run otherwise */
    /* Hosts (hosts.h, docs/hosts.md): the server's ("" or "local": this machine), one entry
     * per loadgen agent ("local" or anything ssh takes), the folder for the binaries there,
     * the address the server listens on and the clients reach ("": 127.0.0.1), ssh's
     * config, the start skew past which a point is warned of, and this run's name. */
    char server_host[256];
    char agents[MAX_AGENTS][256];
    unsigned nagents;
    char remote_dir[PATH_MAX];
    char listen_addr[64];
    char ssh_config[PATH_MAX];
    uint64_t skew_bound_ns;
    char run_id[96];
    bool slo_given;              /* --slo was given (the capacity scenario's target is its) */
    uint64_t capacity_budget_ns; /* the capacity scenario's wall time (--capacity-budget) */
    /* Each reading of the server's tree also reads its descriptors and limits and the
     * machine's tasks and memory (struct limits_evidence): the capacity scenario's. */
    bool read_limits;
};

/* How one run ended. */
enum run_status {
    RUN_OK,
    RUN_FAILED_TO_START, /* the server printed no ready line */
    RUN_CRASHED,         /* the server died during the run */
    RUN_HUNG,            /* the server did not stop on SIGTERM and was killed */
    RUN_LOADGEN_FAILED,  /* loadgen measured nothing (its exit status says why) */
    RUN_INTERRUPTED,     /* bench was stopped */
    RUN_UNAVAILABLE,     /* the model cannot run on this machine (it exited 69) */
};
extern const char *const run_status_names[];

/* The exit status of a server that cannot run on this machine (servers.md). */
#define SERVER_UNAVAILABLE 69

/* One run to do: one server, one loadgen. */
struct run_spec {
    char name[128]; /* scenario-point-model-trial, for the raw files */
    char model[32];
    const char *server_args[MAX_ARGS];  /* before the port; NULL-terminated */
    const char *loadgen_args[MAX_ARGS]; /* before the target; NULL-terminated */
    const int *server_cpus;             /* pinning: the server's CPUs and loadgen's */
    unsigned nserver_cpus;
    const int *client_cpus;
    unsigned nclient_cpus;
    uint64_t expected_ns; /* how long loadgen should take; a deadline follows */
    uint64_t settle_ns;   /* at most this long for the server to take in the idle clients */
};

/* What the capacity scenario judges a step by, beside the tree's usage (evidence.c):
 * read at the run's start and end and at each reading of the server's tree. -1: not
 * read (a server elsewhere, or nothing to read). */
struct limits_evidence {
    bool taken;                    /* the server's processes were read at least once */
    int fds_max;                   /* the most descriptors one process of the tree held */
    bool fds_max_main;             /* that process is the group's leader (else a child, a worker) */
    int fds_total;                 /* over the tree, at the reading of fds_max */
    long nofile_soft, nofile_hard; /* that process's RLIMIT_NOFILE (-1 unlimited) */
    long nproc_soft;               /* the leader's RLIMIT_NPROC (-1 unlimited) */
    long tasks_machine_peak;       /* /proc/loadavg's task total, the largest seen */
    long mem_available_before_kib, mem_available_lowest_kib;
    long mem_available_primed_kib; /* at the last full reading: every connection up */
    /* The server's cgroup v2 (-1: none, or no limit): pids.max, pids.current at its
     * largest, pids.events' "max" at the first reading and its growth since. */
    long cgroup_pids_max, cgroup_pids_peak, cgroup_pids_events_first, cgroup_pids_events_max;
    long uid_tasks_peak; /* tasks of bench's (the server's) uid at full readings, when counted */
    long listen_overflows, listen_drops;       /* TcpExt, over the run (at the start: before) */
    long tcp_mem_before_kib, tcp_mem_peak_kib; /* sockstat's TCP mem: before, at full readings */
    /* The kernel's own memory (meminfo's SUnreclaim, KernelStack and PageTables): before,
     * and at the last full reading (every connection up). */
    long kernel_mem_before_kib, kernel_mem_primed_kib;
};

/* What the server's process tree used, read from /proc and from wait4. */
struct run_usage {
    double cpu_user_s, cpu_sys_s; /* the whole server lifetime, reaped children included */
    long ctx_voluntary, ctx_involuntary;
    bool have_window_cpu;
    double window_cpu_s;      /* from "primed" to t1: the warmup and the window */
    long base_rss_kib;        /* before loadgen started */
    long base_pss_anon_kib;   /* proportional anonymous memory, before loadgen started */
    bool base_settled;        /* the baseline's readings agreed (tree.c); false: timed out */
    unsigned base_readings;   /* how many readings the baseline took */
    long primed_pss_anon_kib; /* the same with every connection up and served once */
    long peak_rss_kib;        /* summed over the tree, at its peak */
    int peak_threads, peak_processes;
    unsigned samples;
    uint64_t max_sample_gap_ns; /* the longest time between two readings */
    double settle_s;            /* waited for the server to take in the idle clients */
    double settle_changed_s;    /* to the last reading that differed from the one before */
    bool settle_capped;         /* the wait hit its cap with the tree still changing */
    /* What else ran on the CPUs over the same span as window_cpu_s, from the per-CPU
     * /proc/stat at "primed" and t1 (procfs.h): others less the server tree on the
     * server's CPUs, loadgen on its CPUs, and bench's own CPU on both (bench is not
     * pinned), each set also less the other's tree where the sets overlap (shared CPUs
     * cannot be split). have_disturbance false when not measurable. */
    bool have_disturbance;
    bool dist_shared;       /* the server's and loadgen's CPUs overlap: not judged */
    double dist_tick_share; /* one clock tick as a share of the server CPUs' window */
    double dist_window_s;   /* between the two readings */
    double bench_cpu_s;     /* bench's own CPU between them */
    double loadgen_cpu_s;   /* loadgen's CPU (its process CPU clock) between them */
    struct proc_cpu_share server_share, loadgen_share;
    struct limits_evidence lim; /* o->read_limits only */
};

/* A trial is disturbed when what else ran on the server's CPUs over its window, others
 * plus steal, took more than this share of them, and more than DISTURBED_TICKS clock
 * ticks (/proc/stat counts in ticks: in a short window one tick is several percent), where
 * the server's CPUs are its own (docs/bench.md). */
#define DISTURBED_TICKS 3
#define DISTURBED_SHARE 0.05

struct run_result {
    enum run_status status;
    char detail[512];     /* what went wrong, in words */
    json_t *loadgen;      /* its run JSON, or NULL */
    json_t *server_stats; /* the server's stats line, or NULL */
    struct run_usage usage;
    double wall_s;
    /* Across hosts (agents.c): the agents, the spread of their windows' starts as the
     * channels' round trips estimate it and its uncertainty, and the spread of their own
     * clocks at t0 (NaN unknown); agents 0 for run_one's one local loadgen. */
    unsigned agents;
    double start_skew_us, skew_uncertainty_us, t0_spread_us;
    bool skew_over;        /* past --skew-bound: warned, with the point */
    bool server_elsewhere; /* on another host: its CPUs are not the server CPUs here */
};

/* A trial of the open loop is lagged when loadgen's send lag p99 is over this share of
 * the p99 latency it measured, or its p50 over this share of the p50: that much of the
 * tail, or of the typical request, may be loadgen's own lateness. */
#define LAGGED_SHARE 0.5

/* Set by SIGINT or SIGTERM: the run in progress stops, and the suite with it. */
extern volatile sig_atomic_t bench_interrupted;

/* Does one run: starts the server pinned to its CPUs in a process group of its own,
 * samples its process tree while loadgen runs, stops it with SIGTERM (SIGKILL to the
 * group if it hangs), keeps its stats line and loadgen's JSON under raw/. Never leaves
 * a process behind. Returns 0 (the result says how it went), or -1 when the run could
 * not be attempted at all (the detail says why). */
int run_one(const struct bench_opts *o, const struct run_spec *spec, struct run_result *r);

/* A server for a scenario that drives it itself (pitfalls.c): its limits and user. */
struct server_limits {
    rlim_t nofile; /* RLIMIT_NOFILE, soft and hard; 0: bench's */
    rlim_t nproc;  /* RLIMIT_NPROC, soft and hard; 0: bench's */
    uid_t uid;     /* run as this user and group (bench is root); 0: as bench */
};

/* Starts echo-MODEL with args (NULL-terminated) and port 0 as run_one does (its own
 * group, pinned to the server's CPUs, dying with bench, stderr to err_path) under lim
 * (NULL: bench's), and reads its ready line. Returns its pid (its port in *port, its
 * stdout in *out), or -1 with r's status and detail saying why (r zeroed first). */
pid_t server_start(const struct bench_opts *o, const char *model, const char *const *args,
                   const struct server_limits *lim, const char *err_path, int *out, int *port,
                   struct run_result *r);

/* Stops a server server_start started (SIGTERM; SIGKILL to its group past the timeout,
 * which grows with its processes), waits until nothing of its group is left, and says
 * in r, if it was ok so far, when it had died, hung or exited badly. Closes out.
 * Returns its stats line, or NULL. */
json_t *server_stop(pid_t pid, int out, int processes, struct run_result *r);

/* run.c, for agents.c too: a reading of the server's tree into the usage's peaks (gap_ns:
 * the time since the reading before, 0 unknown); a CPU list as "0,2,3". */
struct tree;
void usage_peak(struct run_usage *u, const struct tree *t, uint64_t gap_ns);
void cpus_text(char *buf, size_t len, const int *cpus, unsigned n);

/* The server's stats line, when there is one, as raw/NAME.server.json. */
void keep_server_stats(const struct bench_opts *o, const struct run_spec *spec,
                       const struct run_result *r);

/* Frees what a result holds. */
void run_result_free(struct run_result *r);

/* record.c: what bench.json keeps of a run. record_trial returns a new trial object:
 * loadgen's figures from r's run JSON, the server's stats line and the tree's readings;
 * the caller owns it. record_point_status says a point's status from its trials (ok,
 * partial, failed, interrupted, not_run), wanted of them asked for, stopped when bench
 * was interrupted. record_point_summary returns a new object of each metric's summary
 * over the trials that measured (ok and hung). */
json_t *record_trial(const struct run_spec *spec, const struct run_result *r, unsigned trial);
const char *record_point_status(json_t *trials, unsigned wanted, bool stopped);
json_t *record_point_summary(json_t *trials);

/* The machine and the build, for the "env" of bench.json and of creation-cost's JSON.
 * Returns a new reference. */
json_t *env_collect(void);

/* A CPU list as a JSON array. Returns a new reference. */
json_t *cpus_json(const int *cpus, unsigned n);

/* A robust summary of a few trials: the median with a distribution-free interval
 * [med_lo, med_hi] (order statistics [x(k), x(n+1-k)], k the largest whose exact
 * binomial coverage med_level reaches 0.95; [min, max] and its lesser coverage when no
 * k does, n < 6; med_level 0 when n < 2); the mean with a 95% confidence interval
 * [ci_lo, ci_hi] (Student's t, written as mean_ci95); the coefficient of variation;
 * noisy when it exceeds 10%. */
struct summary {
    unsigned n;
    double median, mean, sd, cv, ci_lo, ci_hi;
    double med_lo, med_hi, med_level;
    bool noisy;
};
void summarize(const double *v, unsigned n, struct summary *s);

/* The exact coverage of [x(k), x(n+1-k)] for the median of n values from any continuous
 * distribution: 1 - 2 P(Bin(n, 1/2) <= k-1). 0 when k is 0 or past the middle
 * (2k > n+1), or n is 0. */
double summary_median_level(unsigned n, unsigned k);

/* Student's t for a two-sided 95% interval (its 0.975 quantile) with df degrees of
 * freedom; 0 for none. */
double summary_t975(unsigned df);

/* A summary as bench.json writes it: {median, ci, ci_level, mean, mean_ci95, cv, n,
 * noisy} (ci, ci_level, mean_ci95, cv and noisy null for one value); null for none.
 * Returns a new reference. */
json_t *summary_json(const struct summary *s);

/* vs_floor.c: a model point's figures over the floor's, paired by round ("trial"):
 * {rounds, throughput, p50, p99}, each the summary (as summary_json) of the per-round
 * ratios model / floor of throughput_rps, p50_us and p99_us, over the rounds where both
 * trials measured (ok or hung) and the figure is a positive number. json_null() when no
 * round pairs. Reads the trial arrays, keeps no reference; returns a new reference. */
json_t *vs_floor_json(json_t *model_trials, json_t *floor_trials);

/* The runner's options. Returns 0, 1 after --help, or -1 after a message. */
int bench_parse_args(int argc, char **argv, struct bench_opts *o);

/* Runs the suite the options ask for, writing bench.json under o->out_dir after each
 * point. Returns 0, 130 when interrupted, or 1 when nothing could be run. */
int suite_run(struct bench_opts *o);

#endif
