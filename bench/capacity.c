/* The capacity scenario (docs/bench.md, "The capacity scenario"): for each model, idle
 * connections ramped in steps with 16 active clients in a closed loop beside them,
 * until the first step it does not hold. The steps run step-major (every model still
 * ramping runs step k before any runs k+1), one trial each: a ramp, not a statistic.
 * The load side is never the limit: as many local loadgen agents as the descriptors
 * need. A step is held, or failed with the first cause its evidence shows (evidence.h);
 * a model whose step would not fit the scenario's budget, or in available memory, is
 * stopped with the numbers that say so. */
#include "capacity.h"

#include "evidence.h"
#include "external.h"
#include "hosts.h"
#include "jsonio.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STEP_CAP_MAX_NS (60 * NS_PER_S)
#define MEMORY_MARGIN   1.5
#define FIRST_OPEN_RATE 2000.0 /* connections a second a first step is assumed to open */
#define TASKS_MARGIN    0.02   /* of a task limit, kept clear by a prediction */

/* The cap of a step: a third of the budget, at most 60 s, for its idle connections to
 * open (loadgen's --open-within) and for the server to take them in (the settle). */
static uint64_t step_cap_ns(const struct bench_opts *o)
{
    uint64_t third = o->capacity_budget_ns / 3;
    return third < STEP_CAP_MAX_NS ? third : STEP_CAP_MAX_NS;
}

int capacity_points(const struct bench_opts *o, struct point *p)
{
    static const unsigned full[] = {1000, 2000, 5000, 10000, 20000, 50000, 100000},
                          quick[] = {1000, 2000};
    unsigned v[MAX_POINTS];
    const char *over = points_override(o, "capacity");
    int n = over ? number_list("capacity", over, v, 1, 1000000) : o->quick ? 2 : 7;
    if (n < 0)
        return -1;
    if (!over)
        memcpy(v, o->quick ? quick : full, (size_t)n * sizeof(v[0]));
    /* A ramp: in increasing order, each step once. */
    for (int i = 1; i < n; i++)
        for (int k = i; k > 0 && v[k - 1] > v[k]; k--) {
            unsigned t = v[k];
            v[k] = v[k - 1];
            v[k - 1] = t;
        }
    int kept = 0;
    for (int i = 0; i < n; i++)
        if (kept == 0 || v[i] != v[kept - 1])
            v[kept++] = v[i];
    uint64_t cap = step_cap_ns(o);
    for (int i = 0; i < kept; i++) {
        base_point(o, &p[i], IDLE_ACTIVE, v[i], true);
        point_arg(p[i].loadgen_args, &p[i].nloadgen_args, "--open-within");
        point_arg(p[i].loadgen_args, &p[i].nloadgen_args, "%.3fs", (double)cap / 1e9);
        snprintf(p[i].label, sizeof(p[i].label), "%u", v[i]);
        p[i].x = v[i];
        p[i].idle_settle_ns = cap;
        p[i].trials = 1;
    }
    return kept;
}

/* ---- one model's ramp ---- */

struct ramp {
    const char *verdict; /* NULL while it ramps; then broke, top, capped, skipped, ... */
    char cause[24];      /* "" none */
    char why[1024];
    json_t *held; /* the capacity object of the last step held (a reference) */
    char held_label[32], failed_label[32];
    unsigned held_conns;
    double fixed_s, open_rate; /* its last step's wall time less the opening, and rate */
    double most_held;          /* the most the server held at once at any step */
    bool timed, predicted;
};

/* The scenario while it runs. */
struct capacity_run {
    struct suite *s;
    const struct scenario *sc;
    json_t *scj, *points;
    struct capacity_target tg;
    struct capacity_machine mc;
    struct ramp ramp[MAX_MODELS];
    uint64_t started_ns, cap_ns;
    int nsteps;
};

/* Whether every loadgen agent is on this machine (none given: one, here). */
static bool agents_local(const struct bench_opts *o)
{
    for (unsigned i = 0; i < o->nagents; i++)
        if (!host_is_local(o->agents[i]))
            return false;
    return true;
}

/* The agents a step of idle idle connections runs: local ones, as many as keep each
 * within the descriptor limit loadgen inherits (FD_MARGIN of it for its own), at most
 * one per active connection (each agent has one at least); the agents given, when any
 * is elsewhere. */
static unsigned agents_for(const struct suite *s, unsigned idle)
{
    if (!agents_local(s->o))
        return s->o->nagents;
    if (s->nofile == RLIM_INFINITY || s->nofile <= 2 * FD_MARGIN)
        return 1;
    rlim_t per = s->nofile - FD_MARGIN;
    rlim_t k = (idle + IDLE_ACTIVE + per - 1) / per;
    return k < 1 ? 1 : k > IDLE_ACTIVE ? IDLE_ACTIVE : (unsigned)k;
}

/* The options a step runs under: its agents, and the evidence read at every reading. */
static void step_opts(const struct suite *s, unsigned agents, struct bench_opts *so)
{
    *so = *s->o;
    so->read_limits = true;
    if (!agents_local(s->o))
        return;
    so->nagents = agents;
    for (unsigned k = 0; k < agents; k++)
        snprintf(so->agents[k], sizeof(so->agents[k]), "%s", LOCAL_HOST);
}

/* A model's step, estimated from its step before: that one's wall time less its
 * opening, and the idle connections over its opening rate (the cap, twice: loadgen's
 * and the settle's, at most). A first step: its warmup and window, and a second to
 * start and stop. */
static double estimate_s(const struct capacity_run *c, const struct ramp *r, unsigned idle)
{
    const struct bench_opts *o = c->s->o;
    double most = 2 * (double)c->cap_ns / 1e9;
    double fixed = r->timed ? r->fixed_s : (double)(o->warmup_ns + o->duration_ns) / 1e9 + 1;
    double rate = r->timed && r->open_rate > 0 ? r->open_rate : FIRST_OPEN_RATE;
    double open = r->timed && !(r->open_rate > 0) ? most : idle / rate;
    return fixed + (open < most ? open : most);
}

/* Whether the step fits in available memory, from the model's last step held: what a
 * connection cost there (capacity_memory_each_kib) times the connections, with a
 * margin. */
static bool memory_fits(const struct ramp *r, unsigned idle, char *why, size_t len)
{
    char basis[320];
    if (!r->held)
        return true;
    double each_kib = capacity_memory_each_kib(r->held, basis, sizeof(basis));
    if (isnan(each_kib))
        return true;
    double need_kib = each_kib * (idle + IDLE_ACTIVE) * MEMORY_MARGIN;
    long avail = evidence_meminfo_kib("MemAvailable");
    if (avail < 0 || need_kib <= (double)avail)
        return true;
    snprintf(why, len,
             "skipped: %u connections at %s, as at %s, with a margin of %.1f, need %.0f MiB, "
             "and %.0f MiB is available",
             idle + IDLE_ACTIVE, basis, r->held_label, MEMORY_MARGIN, need_kib / 1024,
             (double)avail / 1024);
    return false;
}

/* The task limits a step's server counts against, from the limits the scenario read and
 * bench's own cgroup (the server's is bench's). */
struct task_limit {
    const char *cause, *name;
    long limit, now;
};

static int task_limits(const struct capacity_machine *mc, struct task_limit *tl)
{
    int n = 0;
    long max, cur, events, machine = evidence_machine_tasks();
    if (evidence_cgroup_pids(getpid(), &max, &cur, &events) && cur >= 0)
        tl[n++] = (struct task_limit){"cgroup_pids", "the cgroup's pids.max", max, cur};
    if (mc->pid_max > 0 && machine >= 0)
        tl[n++] = (struct task_limit){"pid_max", "kernel.pid_max", mc->pid_max, machine};
    if (mc->threads_max > 0 && machine >= 0)
        tl[n++] =
            (struct task_limit){"threads_max", "kernel.threads-max", mc->threads_max, machine};
    long uid = mc->root || mc->nproc < 0 ? -1 : evidence_uid_tasks(getuid());
    if (uid >= 0)
        tl[n++] = (struct task_limit){"rlimit_nproc", "RLIMIT_NPROC", mc->nproc, uid};
    return n;
}

/* Whether the step would exhaust a task limit, predicted from the model's last step
 * held: its server's tasks per connection times the step's connections, on top of the
 * tasks counted against the limit now and a margin. Not run, not measured: exhausting
 * pid_max stops every fork on the machine, bench's and the shell's too. */
static const char *tasks_predicted(const struct capacity_run *c, const struct ramp *r,
                                   unsigned idle, char *why, size_t len)
{
    if (!r->held)
        return NULL;
    double tasks = capacity_num(json_object_get(r->held, "evidence"), "server_tasks_peak");
    double conns = capacity_num(r->held, "held");
    if (!(tasks > 0 && conns > 0))
        return NULL;
    double per = tasks / conns, need = per * (idle + IDLE_ACTIVE);
    struct task_limit tl[4];
    int n = task_limits(&c->mc, tl);
    for (int i = 0; i < n; i++) {
        double margin = TASKS_MARGIN * (double)tl[i].limit;
        if (need + (double)tl[i].now + margin <= (double)tl[i].limit)
            continue;
        snprintf(why, len,
                 "predicted: %u connections at %.3f server tasks each (as at %s, %.0f tasks for "
                 "%.0f) need %.0f tasks, and with the %ld counted now and a margin of %.0f that "
                 "passes %s of %ld; not run: exhausting it stops every fork on the machine",
                 idle + IDLE_ACTIVE, per, r->held_label, tasks, conns, need, tl[i].now, margin,
                 tl[i].name, tl[i].limit);
        return tl[i].cause;
    }
    return NULL;
}

static int model_index(const struct suite *s, const char *name)
{
    for (unsigned m = 0; m < s->o->nmodels; m++)
        if (name && strcmp(s->o->models[m], name) == 0)
            return (int)m;
    return -1;
}

/* A record for a model's step that did not run, and the model's ramp stopped there. */
static void record_unrun(struct capacity_run *c, unsigned m, const struct point *p, unsigned agents,
                         const char *verdict, const char *why)
{
    struct ramp *r = &c->ramp[m];
    json_t *pt = json_pack("{s:s,s:s,s:f,s:i,s:i,s:s,s:s,s:[],s:o}", "model", c->s->o->models[m],
                           "label", p->label, "x", p->x, "connections", (int)p->connections, "idle",
                           (int)p->idle, "status", verdict, "note", why, "trials", "capacity",
                           capacity_unrun(p->idle, agents, &c->tg, verdict, why));
    if (external_of(c->s->o, c->s->o->models[m]))
        json_object_set_new(pt, "external", json_true());
    json_array_append_new(c->points, pt);
    r->verdict = verdict;
    r->cause[0] = '\0';
    snprintf(r->why, sizeof(r->why), "%s", why);
}

/* loadgen's run JSON of a trial (raw/NAME.json), or NULL. */
static json_t *loadgen_of(const struct suite *s, json_t *trial)
{
    char path[PATH_MAX + 200], why[256];
    const char *raw = json_string_value(json_object_get(trial, "raw"));
    if (!raw)
        return NULL;
    snprintf(path, sizeof(path), "%s/raw/%s.json", s->o->out_dir, raw);
    return access(path, R_OK) == 0 ? json_read_file(path, why, sizeof(why)) : NULL;
}

/* Judges a model's record of a step that ran: its capacity object, and the model's ramp
 * held or stopped. */
static void judge(struct capacity_run *c, json_t *pt, unsigned agents)
{
    int m = model_index(c->s, json_string_value(json_object_get(pt, "model")));
    if (m < 0)
        return;
    struct ramp *r = &c->ramp[m];
    json_t *trial = json_array_get(json_object_get(pt, "trials"), 0);
    const char *label = json_string_value(json_object_get(pt, "label"));
    const char *status = json_string_value(json_object_get(trial, "status"));
    char why[1024];
    if (!trial || strcmp(status, "interrupted") == 0) {
        /* Not a step that failed: the model could not run here, or bench stopped. */
        const char *note = json_string_value(json_object_get(pt, "note"));
        bool stopped = bench_interrupted && (!trial || strcmp(status, "interrupted") == 0);
        snprintf(why, sizeof(why), "%s",
                 stopped ? "bench was interrupted during this step"
                 : note  ? note
                         : "not run");
        json_object_set_new(
            pt, "capacity",
            capacity_unrun((unsigned)capacity_num(pt, "idle"), agents, &c->tg, "skipped", why));
        if (!stopped) {
            r->verdict = "unavailable";
            snprintf(r->why, sizeof(r->why), "%s", why);
        }
        return;
    }
    json_t *lg = loadgen_of(c->s, trial);
    json_t *cap = capacity_judge(trial, lg, &c->tg, &c->mc, agents, (double)c->cap_ns / 1e9);
    json_decref(lg);
    if (!cap)
        cap = capacity_unrun((unsigned)capacity_num(pt, "idle"), agents, &c->tg, "failed",
                             "out of memory judging the step");
    json_object_set_new(pt, "capacity", cap);
    double most = capacity_num(cap, "most_held");
    if (most > r->most_held)
        r->most_held = most;
    if (strcmp(json_string_value(json_object_get(cap, "verdict")), "held") == 0) {
        json_decref(r->held);
        r->held = json_incref(cap);
        snprintf(r->held_label, sizeof(r->held_label), "%s", label);
        r->held_conns = (unsigned)capacity_num(cap, "requested");
        double wall = capacity_num(trial, "wall_s"), open = capacity_num(cap, "open_s");
        r->timed = wall > 0 && open >= 0;
        r->fixed_s = wall - open;
        r->open_rate = capacity_num(cap, "open_rate");
        return;
    }
    /* A model that cannot start is not broken by a step. */
    const char *cause = json_string_value(json_object_get(cap, "cause"));
    r->verdict = strcmp(status, "failed_to_start") == 0 ? "unavailable" : "broke";
    snprintf(r->cause, sizeof(r->cause), "%s", r->verdict[0] == 'b' && cause ? cause : "");
    snprintf(r->failed_label, sizeof(r->failed_label), "%s", label);
    snprintf(r->why, sizeof(r->why), "%s", json_string_value(json_object_get(cap, "why")));
}

/* The scenario's "models": each one's verdict, where it broke and why. */
static json_t *models_json(const struct capacity_run *c, bool done)
{
    json_t *models = json_object();
    for (unsigned m = 0; m < c->s->o->nmodels; m++) {
        const struct ramp *r = &c->ramp[m];
        const char *verdict = r->verdict                   ? r->verdict
                              : done && !bench_interrupted ? "top"
                                                           : "not_run";
        char why[1100];
        if (r->verdict)
            snprintf(why, sizeof(why), "%s", r->why);
        else if (strcmp(verdict, "top") == 0)
            snprintf(why, sizeof(why), "held every step up to %s", r->held_label);
        else
            snprintf(why, sizeof(why), "%s",
                     bench_interrupted ? "bench was interrupted before its ramp ended"
                                       : "still ramping");
        json_t *h = r->held;
        json_t *mj = json_pack(
            "{s:s,s:o,s:o,s:o,s:s?,s:s,s:o,s:o,s:o,s:o}", "verdict", verdict, "held",
            h ? json_integer(r->held_conns) : json_null(), "held_step",
            h ? json_string(r->held_label) : json_null(), "failed_step",
            r->failed_label[0] ? json_string(r->failed_label) : json_null(), "cause",
            r->cause[0] ? r->cause : NULL, "why", why, "memory_per_connection_bytes",
            h ? json_deep_copy(json_object_get(h, "memory_per_connection_bytes")) : json_null(),
            "memory_kib", h ? json_deep_copy(json_object_get(h, "memory_kib")) : json_null(),
            "open_s", h ? json_deep_copy(json_object_get(h, "open_s")) : json_null(), "open_rate",
            h ? json_deep_copy(json_object_get(h, "open_rate")) : json_null());
        json_object_set_new(mj, "predicted", json_boolean(r->predicted));
        json_object_set_new(mj, "most_held",
                            r->most_held > 0 ? json_integer((json_int_t)r->most_held)
                                             : json_null());
        json_object_set_new(models, c->s->o->models[m], mj);
    }
    return models;
}

static int write_state(struct capacity_run *c, bool done)
{
    json_object_set_new(c->scj, "spent_s",
                        json_real(round_to((double)(clock_now_ns() - c->started_ns) / 1e9, 1)));
    json_object_set_new(c->scj, "models", models_json(c, done));
    return write_bench(c->s);
}

/* Which models run step k: those still ramping whose step fits in memory and in what
 * is left of the budget (each in the table's order takes its estimate of it); the
 * others get a record saying why they stopped. Returns how many run. */
static unsigned step_models(struct capacity_run *c, int k, const struct point *p, unsigned agents,
                            bool *only)
{
    struct suite *s = c->s;
    double spent = (double)(clock_now_ns() - c->started_ns) / 1e9;
    double left = (double)s->o->capacity_budget_ns / 1e9 - spent;
    unsigned n = 0;
    for (unsigned m = 0; m < s->o->nmodels; m++) {
        struct ramp *r = &c->ramp[m];
        char why[512];
        const char *cause;
        only[m] = false;
        if (r->verdict)
            continue;
        double est = estimate_s(c, r, p->idle);
        if (s->unavailable[m]) { /* it failed to start in a scenario before */
            r->verdict = "unavailable";
            snprintf(r->why, sizeof(r->why), "%s", s->unavailable_why[m]);
        } else if (agents > 1 && external_of(s->o, s->o->models[m])) {
            /* More agents go through the supervisor (agents.c), which starts the C models
             * only: an external model runs beside one local loadgen. */
            snprintf(why, sizeof(why),
                     "capped: %u connections need %u local loadgen agents here (RLIMIT_NOFILE "
                     "%lu each), and an external model runs beside one",
                     p->idle + IDLE_ACTIVE, agents, (unsigned long)s->nofile);
            record_unrun(c, m, p, agents, "capped", why);
        } else if (!memory_fits(r, p->idle, why, sizeof(why))) {
            record_unrun(c, m, p, agents, "skipped", why);
        } else if ((cause = tasks_predicted(c, r, p->idle, why, sizeof(why)))) {
            record_unrun(c, m, p, agents, "predicted", why);
            json_t *cap = json_object_get(json_array_get(c->points, json_array_size(c->points) - 1),
                                          "capacity");
            json_object_set_new(cap, "cause", json_string(cause));
            r->verdict = "broke";
            r->predicted = true;
            snprintf(r->cause, sizeof(r->cause), "%s", cause);
            snprintf(r->failed_label, sizeof(r->failed_label), "%s", p->label);
        } else if (est > left) {
            snprintf(why, sizeof(why),
                     "capped: the scenario's budget of %.1f s, %.1f s spent, leaves %.1f s for "
                     "this step, and this model's is estimated at %.1f s (from its step %s)",
                     (double)s->o->capacity_budget_ns / 1e9, spent, left > 0 ? left : 0, est,
                     r->timed ? r->held_label
                              : "before: none, its warmup and window and 2,000 opened a second");
            record_unrun(c, m, p, agents, "capped", why);
        } else {
            left -= est;
            only[m] = true;
            n++;
            continue;
        }
        s->runs_total -= (unsigned)(c->nsteps - k); /* this and its later steps */
    }
    return n;
}

int run_capacity(struct suite *s, const struct scenario *sc, json_t *scj, const struct point *steps,
                 int n)
{
    static struct capacity_run c;
    static struct bench_opts so;
    struct bench_opts *o = s->o;
    c = (struct capacity_run){.s = s,
                              .sc = sc,
                              .scj = scj,
                              .nsteps = n,
                              .points = json_object_get(scj, "points"),
                              .started_ns = clock_now_ns(),
                              .cap_ns = step_cap_ns(o)};
    capacity_target_of(o, &c.tg);
    json_t *list = json_array();
    for (int k = 0; k < n; k++)
        json_array_append_new(list, json_integer(steps[k].idle));
    json_object_set_new(scj, "target",
                        json_pack("{s:f,s:f,s:s,s:s}", "percentile", c.tg.percentile, "bound_us",
                                  c.tg.bound_us, "text", c.tg.text, "source",
                                  c.tg.from_slo ? "slo" : "default"));
    json_object_set_new(scj, "limits", capacity_machine_read(&c.mc));
    json_object_set_new(scj, "budget_s", json_real((double)o->capacity_budget_ns / 1e9));
    json_object_set_new(scj, "step_cap_s", json_real((double)c.cap_ns / 1e9));
    json_object_set_new(scj, "steps", list);
    int rc = 0;
    for (int k = 0; k < n && !bench_interrupted && rc == 0; k++) {
        bool only[MAX_MODELS];
        unsigned agents = agents_for(s, steps[k].idle);
        if (step_models(&c, k, &steps[k], agents, only) == 0)
            break;
        struct point p = steps[k];
        p.only = only;
        size_t before = json_array_size(c.points);
        step_opts(s, agents, &so);
        s->o = &so;
        rc = run_point(s, sc, &p, c.points);
        s->o = o;
        for (size_t i = before; i < json_array_size(c.points); i++) {
            json_t *pt = json_array_get(c.points, i);
            if (!json_object_get(pt, "capacity")) {
                judge(&c, pt, agents);
                int m = model_index(s, json_string_value(json_object_get(pt, "model")));
                if (m >= 0 && c.ramp[m].verdict)
                    s->runs_total -= (unsigned)(n - k - 1);
            }
        }
        if (rc == 0)
            rc = write_state(&c, false);
    }
    json_object_set_new(scj, "status", json_string(bench_interrupted ? "interrupted" : "done"));
    if (rc == 0)
        rc = write_state(&c, true);
    for (unsigned m = 0; m < o->nmodels; m++)
        json_decref(c.ramp[m].held);
    return rc;
}
