/* The suite's insides, shared by suite.c (the scenarios and the run loop) and load.c
 * (the open-loop sweeps, whose rates come from capacities measured in the same run). */
#ifndef ECHOBENCH_SUITE_H
#define ECHOBENCH_SUITE_H

#include "bench.h"
#include "clock.h"

#include <math.h>
#include <sys/resource.h>

#define MAX_POINTS       16
#define SETUP_NS         (3 * NS_PER_S) /* per run, beyond warmup and duration: start, connect, stop */
#define FD_MARGIN        256            /* descriptors beyond one a connection: listeners, logs */
#define PROCESS_SETUP_NS (10 * NS_PER_S) /* what a point may spend forking its children */
#define LOAD_UNDER       0.9 /* under this share of the offered rate achieved, a rate is missed */
#define IDLE_ACTIVE      16  /* the active clients beside the idle ones (idle, capacity) */

/* One point of a scenario: what the server and loadgen get. */
struct point {
    char label[32];
    double x;
    unsigned connections, idle; /* for memory per connection and the caps */
    char server_args[4][24];
    unsigned nserver_args;
    char loadgen_args[16][24];
    unsigned nloadgen_args;
    uint64_t warmup_ns;
    uint64_t prime_ns;       /* how long priming may take, at most */
    uint64_t idle_settle_ns; /* how long the server may take to take in the idle clients */
    unsigned server_cpus;    /* cores scenario: the first this many of the server CPUs; 0: all */
    /* The open loop (load.c): the rate in requests per second (0: a closed loop), and
     * for the load sweep the share of the capacity it is (0: given in requests/s). */
    double rate_rps, fraction;
    unsigned trials;  /* 0: the suite's --trials */
    const bool *only; /* when set, only the models marked run and are recorded */
};

struct scenario {
    const char *name;
    const char *title;
    const char *x_label;
    const char *description;
    /* Fills the points (defaults, or those of --points); returns their count, or -1
     * after a message when --points is bad. Returns 0 for a scenario with none. */
    int (*points)(const struct bench_opts *o, struct point *p);
};

/* The closed-loop capacity of each model at the load sweep's connections: the grid of
 * rates is shares of the largest, and the slow sweep's load half the smallest among
 * the models that served every connection (load.c). */
struct capacity {
    bool known;
    double rps[MAX_MODELS];     /* the median throughput; NaN when not measured */
    double starved[MAX_MODELS]; /* the most connections starved in a trial; NaN: unknown */
    json_t *json;               /* what the scenarios record of it */
};

/* The state of one run of the suite. */
struct suite {
    struct bench_opts *o;
    json_t *root;
    json_t *scenarios;
    unsigned runs_total, runs_done;
    uint64_t started_ns;
    unsigned process_cap; /* idle connections the process model can hold here */
    rlim_t nofile;        /* the descriptor limit servers and loadgen inherit */
    char process_cap_reason[256];
    bool unavailable[MAX_MODELS]; /* failed to start once: skipped from then on */
    char unavailable_why[MAX_MODELS][512];
    int last_model; /* the model run last, across points and scenarios, or -1 */
    struct capacity cap;
    /* The load sweep's early stop: the rates in a row at which a model achieved under
     * 90% of the offered rate, and once two, why its higher rates are not run. */
    unsigned under_in_a_row[MAX_MODELS];
    char saturated_why[MAX_MODELS][512];
    double last_ratio[MAX_MODELS]; /* achieved over offered at the rate before */
    char last_label[MAX_MODELS][32];
    char last_why[MAX_MODELS][96];       /* why it fell under there: busy, or starved */
    char slow_skip_why[MAX_MODELS][256]; /* the slow sweep leaves this model out: why */
    /* The load sweep's first rate past loadgen (every trial of every model saturated
     * it), and once a second, why the rest of the grid is not run. */
    char past_loadgen_at[32];
    char past_loadgen_why[256];
    /* echo-floor, the machine's reference: in the concurrency and load scenarios it runs
     * beside the models, in the slot after theirs (floor_slot), in every round in which
     * one of them runs. Never a model: no capacity, early stop or ranking counts it. */
    bool floor;
    char floor_note[PATH_MAX + 128]; /* why not, when floor is false */
    unsigned floor_slot;             /* o->nmodels */
    /* The adaptive trials (planner.h): runs_total counts base runs only; the rounds the
     * planner adds are counted apart. */
    unsigned added_runs;
    double added_s; /* the wall time the added rounds took: what the budget weighs */
    unsigned points_judged, points_met;
    char budget_spent_at[96]; /* "scenario/label" where the budget first stopped a round */
};

/* suite.c */
void point_arg(char (*args)[24], unsigned *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
const char *points_override(const struct bench_opts *o, const char *name);
/* Parses "1,4,16" into v (at most MAX_POINTS, each from min to max). Returns the count
 * or -1 after a message. */
int number_list(const char *scenario, const char *text, unsigned *v, unsigned min, unsigned max);
void base_point(const struct bench_opts *o, struct point *p, unsigned conns, unsigned idle,
                bool prime);
/* A slot's name: the model's, or "floor" for floor_slot. */
const char *slot_name(const struct suite *s, unsigned m);
/* Whether echo-floor runs beside the models in this scenario. */
bool floor_here(const struct suite *s, const char *scenario);
/* Whether this model (or the floor, at floor_slot) runs at this point; if not, why. */
bool model_runs(const struct suite *s, const char *scenario, unsigned m, const struct point *p,
                char *why, size_t len);
/* The live line, or with r a line for the run just done; base is the point's base
 * trials (a trial past them was added by the planner). */
void run_progress(struct suite *s, const char *scenario, const char *model, const struct point *p,
                  unsigned trial, unsigned base, const struct run_result *r);

/* point.c: runs every model at one point, the trials interleaved, the floor beside
 * them in the concurrency and load scenarios, then the planner's rounds; appends a
 * record per model (and the floor's) to points and rewrites bench.json. Returns
 * write_bench's result. */
int run_point(struct suite *s, const struct scenario *sc, const struct point *p, json_t *points);
int write_bench(struct suite *s);
bool scenario_wanted(const struct bench_opts *o, const char *name);

/* pitfalls.c: the clients each pair makes (the default, or --points pitfalls=N; -1
 * after a message when that is bad), and the scenario itself, recorded in scj. Returns
 * write_bench's result. */
int pitfalls_clients(const struct bench_opts *o, unsigned *clients);
int run_pitfalls(struct suite *s, json_t *scj);

/* capacity.c: the steps (the default, or --points capacity=LIST; -1 after a message
 * when that is bad), and the scenario itself, step-major, recorded in scj (docs/bench.md,
 * "The capacity scenario"). run_capacity returns write_bench's result. */
int capacity_points(const struct bench_opts *o, struct point *p);
int run_capacity(struct suite *s, const struct scenario *sc, json_t *scj, const struct point *steps,
                 int n);

/* load.c: the points of the two sweeps (their rates are set by load_begin), the runs
 * the capacity probe will add, and what a sweep does before and after its points. */
int load_points(const struct bench_opts *o, struct point *p);
int slow_points(const struct bench_opts *o, struct point *p);
unsigned load_probe_runs(const struct suite *s, const struct point *concurrency, int nconc);
/* Looks up or probes the capacities, sets the rates of the points, records the
 * capacity (and for slow the load and why) in the scenario's JSON scj. Returns the
 * points to run (0 when the scenario cannot run: scj says why), or -1 on a failure to
 * write. */
int load_begin(struct suite *s, const char *scenario, struct point *p, int n, json_t *scj);
/* After a load point: updates the early stop from the point's records (the last of
 * scj's points), and warns in scj when loadgen could not generate the rate. */
void load_after_point(struct suite *s, const struct point *p, json_t *scj);
/* Whether model m runs in a sweep from here on; if not, why ("saturated: ...",
 * "skipped: ..."). */
bool load_model_runs(const struct suite *s, const char *scenario, unsigned m, char *why,
                     size_t len);

#endif
