/* report.md: the machine, findings written from the data by rules, a table per
 * scenario, the plots, and how to read them. No finding the data does not support:
 * each rule states its figures and is skipped when they are missing. */
#include "analysis.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MODELS 32

/* What each model is; and for the four beyond the lecture, what it adds over the
 * classic ones. */
static const struct {
    const char *model, *what, *adds;
} model_notes[] = {
    {"iterative", "one client at a time, to the end; the next waits", NULL},
    {"process", "fork per connection; SIGCHLD reaps; clean isolation, costly creation", NULL},
    {"select", "one thread, an event loop on select(2); at most FD_SETSIZE descriptors", NULL},
    {"epoll", "one thread, an event loop on epoll(7); cost follows activity", NULL},
    {"thread", "a detached thread per connection, 64 KiB stack", NULL},
    {"threadpool", "a fixed pool of threads fed by a bounded queue of connections",
     "no thread created per client, and a bound on threads; but as many idle clients as "
     "workers stop it, as one stops echo-iterative"},
    {"prefork", "pre-forked processes, each an epoll loop on the shared listener",
     "echo-epoll's loop on every core, with the isolation of processes; EPOLLEXCLUSIVE wakes "
     "one worker per connection, and a dead worker is replaced"},
    {"reuseport", "a thread per CPU, each an epoll loop with its own SO_REUSEPORT listener",
     "echo-epoll's loop on every core with nothing shared between them: the kernel hashes "
     "connections over the threads' listeners"},
    {"uring", "one thread, completion-based I/O through io_uring",
     "the kernel makes the calls: accept, recv and send are submitted and their results "
     "reaped, many per system call, with no readiness round trip"},
};

static const char *status(json_t *pt)
{
    return json_string_value(json_object_get(pt, "status"));
}

/* The metric of the memory table's headline: the slope between steps (rank.c). */
#define MARGINAL "memory_marginal_bytes"
#define AVERAGE  "memory_per_connection_bytes"

/* What follows a cell's figure: where a connection starved, or (memory) the server
 * held fewer connections than were opened, the point is not comparable, and says so
 * with its count. */
static void cell_marks(FILE *f, json_t *pt, const char *metric)
{
    double starved = point_starved(pt);
    if (starved > 0)
        fprintf(f, " (%.0f of %.0f starved: not comparable)", starved, jpath(pt, "connections"));
    double abandoned = point_abandoned(pt);
    if (abandoned > 0 && strncmp(metric, "p", 1) == 0 && strstr(metric, "_us"))
        fprintf(f, " (%.0f abandoned: over the survivors)", abandoned);
    if (strcmp(metric, MARGINAL) != 0 && strcmp(metric, AVERAGE) != 0)
        return;
    /* A slope's base never refused (point_slope_base): only pt itself can have. */
    if (point_refused(pt))
        fprintf(f, " (held %.0f of %.0f: not comparable)", point_held(pt),
                jpath(pt, "connections") + jpath(pt, "idle"));
}

/* A cell: the median, its interval when there is one (a lower end below zero shown as
 * 0†), a mark when noisy, the divisor of an average, and the marks of a point that is
 * not comparable; or what happened instead. */
static void cell(FILE *f, json_t *sc, json_t *pt, const char *metric)
{
    char a[32], b[32], c[32];
    if (!pt) {
        fprintf(f, " |");
        return;
    }
    const char *st = status(pt);
    json_t *s = json_object_get(json_object_get(pt, "summary"), metric);
    double m = strcmp(metric, MARGINAL) == 0 ? point_marginal_bytes(sc, pt) : jpath(s, "median");
    if (isnan(m)) {
        fprintf(f, " %s", strcmp(st, "ok") == 0 ? "-" : st);
        if (point_measured(pt))
            cell_marks(f, pt, metric);
        fprintf(f, " |");
        return;
    }
    human(m, a, sizeof(a));
    double lo, hi, half;
    fprintf(f, " %s", a);
    if (summary_interval(s, &lo, &hi, NULL, NULL)) {
        human(lo < 0 ? 0 : lo, b, sizeof(b));
        human(hi, c, sizeof(c));
        fprintf(f, " [%s%s, %s]", b, lo < 0 ? "†" : "", c);
    }
    if (json_is_true(json_object_get(s, "noisy")))
        fprintf(f, " ~");
    if (point_disturbed(pt) > 0)
        fprintf(f, " d%u/%u", point_disturbed(pt), point_trials(pt));
    if (strcmp(metric, "throughput_rps") == 0 && point_imprecise(pt, &half)) {
        double level = jpath(json_object_get(pt, "precision"), "level");
        if (isnan(half))
            fprintf(f, " ±?");
        else if (level < 0.95) /* narrow enough, but too few trials to reach 95% */
            fprintf(f, " ±%.0f%% at %.4g%%", half, 100 * level);
        else
            fprintf(f, " ±%.0f%%", half);
    }
    if (strcmp(metric, AVERAGE) == 0 && point_held(pt) > 0) {
        double held = point_held(pt);
        if (held >= 1000)
            human(held, b, sizeof(b));
        else
            snprintf(b, sizeof(b), "%.0f", held);
        fprintf(f, " ÷ %s", b);
    }
    if (strcmp(st, "ok") != 0)
        fprintf(f, " (%s)", st);
    cell_marks(f, pt, metric);
    fprintf(f, " |");
}

/* What the intervals of a table's cells are, in words: "95% interval of the mean" (an
 * older bench.json), "interval of the median, at least 95%", or where a cell's level is
 * under 95%, their levels: "interval of the median; the range of 3 trials, 75%", "...;
 * the range of 3 to 5 trials, 75% to 93.75%" where the cells differ. The cells'
 * summaries are each point's obj.metric ("summary", or "vs_floor"). "" when no cell has
 * one. */
static void interval_words(json_t *sc, const char *obj, const char *metric, char *buf, size_t len)
{
    struct level_range lr = {0};
    json_t *pt;
    size_t i;
    json_array_foreach(json_object_get(sc, "points"), i, pt)
        level_range_add(&lr, json_object_get(json_object_get(pt, obj), metric));
    level_range_words(&lr, buf, len);
}

/* A table's title, with what its intervals are, and its head: a column per label. */
static void table_head(FILE *f, const char *title, const char *words, const char *x_label,
                       char (*l)[32], int nl)
{
    fprintf(f, "\n%s%s%s%s (rows: model; columns: %s)\n\n| model |", title, words[0] ? " [" : "",
            words, words[0] ? "]" : "", x_label);
    for (int k = 0; k < nl; k++)
        fprintf(f, " %s |", l[k]);
    fprintf(f, "\n|---|");
    for (int k = 0; k < nl; k++)
        fprintf(f, "---|");
    fprintf(f, "\n");
}

/* A table: a row per model, a column per point, and, where the scenario ran it, the
 * floor's row, marked as the reference it is. */
static void table(FILE *f, json_t *sc, const char **models, size_t nm, const char *metric,
                  const char *title, const char *x_label)
{
    char l[32][32], words[192];
    int nl = scenario_labels(sc, l, 32);
    if (nl == 0)
        return;
    interval_words(sc, "summary", metric, words, sizeof(words));
    table_head(f, title, words, x_label, l, nl);
    for (size_t m = 0; m < nm; m++) {
        fprintf(f, "| %s |", model_key(models[m]));
        for (int k = 0; k < nl; k++)
            cell(f, sc, results_point(sc, models[m], l[k]), metric);
        fprintf(f, "\n");
    }
    if (!scenario_has_floor(sc))
        return;
    fprintf(f, "| *floor (reference)* |");
    for (int k = 0; k < nl; k++)
        cell(f, sc, scenario_floor(sc, l[k]), metric);
    fprintf(f, "\n");
}

/* A model's figure against the floor's in the same rounds: throughput as a share ("62%
 * [58, 65]"), latency as a multiple ("x1.8 [1.6, 2.0]"), from its vs_floor. */
static void vs_cell(FILE *f, json_t *pt, const char *which)
{
    json_t *s = json_object_get(json_object_get(pt, "vs_floor"), which);
    double m = jpath(s, "median"), lo, hi;
    bool share = strcmp(which, "throughput") == 0;
    if (!pt || isnan(m)) {
        fprintf(f, " %s |", pt && point_measured(pt) ? "-" : pt ? status(pt) : "");
        return;
    }
    if (share)
        fprintf(f, " %.0f%%", 100 * m);
    else
        fprintf(f, " x%.*f", m < 1 ? 2 : 1, m);
    if (summary_interval(s, &lo, &hi, NULL, NULL)) {
        if (share)
            fprintf(f, " [%.0f, %.0f]", 100 * lo, 100 * hi);
        else
            fprintf(f, " [%.*f, %.*f]", lo < 1 ? 2 : 1, lo, hi < 1 ? 2 : 1, hi);
    }
    if (point_starved(pt) > 0)
        fprintf(f, " (starved: not comparable)");
    fprintf(f, " |");
}

/* The models against the floor: a table of which ("throughput", "p99") per point. */
static void vs_table(FILE *f, json_t *sc, const char **models, size_t nm, const char *which,
                     const char *title, const char *x_label)
{
    char l[32][32], words[192];
    int nl = scenario_labels(sc, l, 32);
    bool any = false;
    for (size_t m = 0; m < nm; m++)
        for (int k = 0; k < nl; k++)
            any |= json_is_object(json_object_get(results_point(sc, models[m], l[k]), "vs_floor"));
    if (!any)
        return;
    interval_words(sc, "vs_floor", which, words, sizeof(words));
    table_head(f, title, words, x_label, l, nl);
    for (size_t m = 0; m < nm; m++) {
        fprintf(f, "| %s |", model_key(models[m]));
        for (int k = 0; k < nl; k++)
            vs_cell(f, results_point(sc, models[m], l[k]), which);
        fprintf(f, "\n");
    }
}

void write_floor_note(FILE *f, json_t *sc)
{
    char l[32][32], line[1024], a[32], b[32];
    int nl = scenario_labels(sc, l, 32);
    size_t at = 0;
    for (int k = 0; k < nl && at < sizeof(line); k++) {
        json_t *pt = scenario_floor(sc, l[k]);
        if (!point_measured(pt))
            continue;
        human(jpath(pt, "summary.throughput_rps.median"), a, sizeof(a));
        human(jpath(pt, "summary.p99_us.median"), b, sizeof(b));
        at += (size_t)snprintf(line + at, sizeof(line) - at, "%sat %s, %s req/s with p99 %s µs",
                               at ? "; " : "", l[k], a, b);
    }
    if (at == 0 || at >= sizeof(line))
        return;
    fprintf(f,
            "\nThe floor, the reference, is echo-floor: one thread on epoll echoing bytes as "
            "they come, no line parsing and no counters, run in every round beside the models. "
            "It is this machine's loopback and wake-up cost: a reference, not a bound (a model "
            "that makes fewer system calls a request, such as a blocking thread at one "
            "connection, can pass it), and not a model: it is never ranked. Each model's figure "
            "against it is the median of the rounds' ratios (model over floor in the same "
            "round): it reads a model against this machine's floor, and compares machines "
            "(compare). Within this run the models are ranked on their raw figures, not on "
            "these ratios: a model and the floor run at different seconds of a round, so their "
            "drift is not shared, and dividing by the floor's trial adds the floor's own noise "
            "(docs/analysis.md gives the measurement). Its own figures: %s.\n",
            line);
}

static void plots_of(FILE *f, const struct made_plot *made, size_t n, const char *scenario)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(made[i].scenario, scenario) != 0)
            continue;
        fprintf(f,
                "\n![%s](plots/%s.png)\n\n*%s* ([SVG](plots/%s.svg), [data](plots/data/%s.tsv))\n",
                made[i].caption, made[i].name, made[i].caption, made[i].name, made[i].name);
    }
}

/* ---- the report ---- */

/* The planner of adaptive trials, from the root's "planner": how many model points met
 * the target, the trials it added, and where the budget ran out. Nothing in a
 * bench.json before it. */
static void planner(FILE *f, const struct results *r)
{
    json_t *pl = json_object_get(r->root, "planner");
    if (!json_is_object(pl))
        return;
    double pct = jpath(pl, "target_ci_pct"), budget = jpath(pl, "budget_s");
    const char *spent = json_string_value(json_object_get(pl, "budget_spent_at"));
    double trials = jpath(json_object_get(r->root, "settings"), "trials");
    if (!(pct > 0) || !(jpath(pl, "max_trials") > trials)) {
        fprintf(f, "\nAdaptive trials were off (%s): every point ran its %.0f base trial%s.\n",
                pct > 0 ? "--max-trials equal to --trials" : "--target-ci 0", trials,
                trials == 1 ? "" : "s");
        return;
    }
    char b[96] = "no budget";
    double added_s = jpath(pl, "added_s");
    if (budget > 0 && !isnan(added_s))
        snprintf(b, sizeof(b), "a budget of %.0f s for the added trials, %.0f s spent", budget,
                 added_s);
    else if (budget > 0)
        snprintf(b, sizeof(b), "a budget of %.0f s", budget);
    fprintf(f,
            "\nAdaptive trials (closed-loop points; target: each model's throughput median "
            "within ±%g%% at 95%%, at most %.0f trials, %s): %.0f of %.0f model points met "
            "it; %.0f runs added (the floor's included) to the %.0f base runs",
            pct, jpath(pl, "max_trials"), b, jpath(pl, "points_met"), jpath(pl, "points_judged"),
            jpath(pl, "added_runs"), jpath(pl, "base_runs"));
    /* Under 6 trials the interval of the median is the range, at 1 - 2^(1-n) < 95%. */
    if (jpath(pl, "max_trials") < 6)
        fprintf(f,
                "; no point can meet 95%% with fewer than 6 trials, so with --max-trials %.0f "
                "none could meet the target",
                jpath(pl, "max_trials"));
    if (spent)
        fprintf(f, "; the budget ran out at %s, so no trial was added from there on", spent);
    else if (budget > 0)
        fprintf(f, "; the budget did not run out");
    fprintf(f, ". `±h%%` in a table marks a point that did not meet it (h: the half width of "
               "its interval, in %% of the median; `at L%%` where too few trials reach 95%%).\n");
}

static void header(FILE *f, const struct results *r)
{
    json_t *root = r->root, *env = json_object_get(root, "env"),
           *set = json_object_get(root, "settings"), *build = json_object_get(env, "build"),
           *sysctl = json_object_get(env, "sysctl");
#define S(o, k)                                                                                    \
    (json_string_value(json_object_get(o, k)) ? json_string_value(json_object_get(o, k)) : "?")
    fprintf(f, "# echobench results: %s\n\n", r->machine);
    fprintf(
        f, "From %s to %s%s. Git %s%s. %lld trial%s of %.1f s each, after %.1f s of warmup%s.\n",
        S(root, "started_at"), S(root, "ended_at"),
        json_is_true(json_object_get(root, "interrupted")) ? " (interrupted)" : "", S(build, "git"),
        json_is_true(json_object_get(env, "git_dirty")) ? " (uncommitted changes)" : "",
        (long long)json_integer_value(json_object_get(set, "trials")),
        json_integer_value(json_object_get(set, "trials")) == 1 ? "" : "s",
        jpath(set, "duration_s"), jpath(set, "warmup_s"),
        json_is_true(json_object_get(set, "quick")) ? "; the quick suite" : "");
    planner(f, r);
    fprintf(f, "\n## The machine\n\n| | |\n|---|---|\n");
    char mem[64];
    long long kib = atoll(S(env, "memory"));
    if (kib > 0)
        snprintf(mem, sizeof(mem), "%.1f GiB", (double)kib / (1024.0 * 1024.0));
    else
        snprintf(mem, sizeof(mem), "%s", S(env, "memory"));
    fprintf(f, "| Host | %s |\n| CPU | %s, %lld online |\n| Memory | %s |\n| Kernel | %s |\n",
            S(env, "host"), S(env, "cpu_model"),
            (long long)json_integer_value(json_object_get(env, "cpus")), mem, S(env, "kernel"));
    fprintf(f, "| Server CPUs, loadgen CPUs | ");
    json_t *c;
    size_t i;
    json_array_foreach(json_object_get(env, "server_cpus"), i, c)
        fprintf(f, "%s%lld", i ? "," : "", (long long)json_integer_value(c));
    fprintf(f, "; ");
    json_array_foreach(json_object_get(env, "client_cpus"), i, c)
        fprintf(f, "%s%lld", i ? "," : "", (long long)json_integer_value(c));
    fprintf(f, " |\n| Build | %s, %s; libuv %s, jansson %s |\n", S(build, "compiler"),
            S(build, "flags"), S(build, "libuv"), S(build, "jansson"));
    fprintf(f, "| sysctl | somaxconn %s; ports %s; tcp_tw_reuse %s; pid_max %s |\n",
            S(sysctl, "net.core.somaxconn"), S(sysctl, "net.ipv4.ip_local_port_range"),
            S(sysctl, "net.ipv4.tcp_tw_reuse"), S(sysctl, "kernel.pid_max"));
    fprintf(f, "| Descriptors | soft %lld, hard %lld |\n",
            (long long)json_integer_value(json_object_get(json_object_get(env, "nofile"), "soft")),
            (long long)json_integer_value(json_object_get(json_object_get(env, "nofile"), "hard")));
    const char *gov = json_string_value(json_object_get(env, "cpu_governor"));
    if (gov)
        fprintf(f, "| CPU governor | %s |\n", gov);
#undef S
}

static void scenario_section(FILE *f, const struct results *r, json_t *sc, const char **models,
                             size_t nm, const struct made_plot *made, size_t nmade)
{
    const char *name = json_string_value(json_object_get(sc, "name"));
    const char *title = json_string_value(json_object_get(sc, "title"));
    const char *x_label = json_string_value(json_object_get(sc, "x_label"));
    fprintf(f, "\n## %s\n\n%s\n", title ? title : name,
            json_string_value(json_object_get(sc, "description"))
                ? json_string_value(json_object_get(sc, "description"))
                : "");
    const char *note = json_string_value(json_object_get(sc, "note"));
    if (note)
        fprintf(f, "\n%s\n", note);
    if (strcmp(name, "load") == 0 || strcmp(name, "slow") == 0) {
        write_load_section(f, r, sc, models, nm);
    } else if (strcmp(name, "creation") == 0) {
        json_t *result = json_object_get(sc, "result");
        static const char *prims[] = {"fork",     "vfork",   "posix_spawn",
                                      "clone_vm", "pthread", "pthread_detached"};
        if (json_is_object(result)) {
            fprintf(f, "\n| primitive | median ns | p10 | p90 | p99 | median cycles |\n"
                       "|---|---|---|---|---|---|\n");
            for (size_t i = 0; i < sizeof(prims) / sizeof(prims[0]); i++) {
                json_t *pr = json_object_get(json_object_get(result, "primitives"), prims[i]);
                char a[32], b[32], c[32], d[32], e[32];
                human(jpath(pr, "ns.median"), a, sizeof(a));
                human(jpath(pr, "ns.p10"), b, sizeof(b));
                human(jpath(pr, "ns.p90"), c, sizeof(c));
                human(jpath(pr, "ns.p99"), d, sizeof(d));
                human(jpath(pr, "cycles.median"), e, sizeof(e));
                fprintf(f, "| %s | %s | %s | %s | %s | %s |\n",
                        json_string_value(json_object_get(pr, "what"))
                            ? json_string_value(json_object_get(pr, "what"))
                            : prims[i],
                        a, b, c, d, e);
            }
            const char *cn = json_string_value(json_object_get(result, "core_cycles_note"));
            if (cn)
                fprintf(f, "\n%s\n", cn);
        }
    } else if (strcmp(name, "pitfalls") == 0) {
        write_pitfalls_section(f, r, sc, made, nmade);
    } else if (strcmp(name, "capacity") == 0) {
        write_capacity_steps(f, sc, models, nm);
        return; /* its plots are in "Where it breaks" */
    } else if (json_array_size(json_object_get(sc, "points")) > 0) {
        const char *xl = x_label ? x_label : "point";
        if (strcmp(name, "churn") == 0) {
            table(f, sc, models, nm, "throughput_rps", "Connections per second, median", xl);
            table(f, sc, models, nm, "connect_p50_us", "Connect latency p50 (µs)", xl);
        } else {
            table(f, sc, models, nm, "throughput_rps", "Requests per second, median", xl);
            table(f, sc, models, nm, "p99_us", "p99 latency (µs)", xl);
        }
        if (strcmp(name, "concurrency") == 0 && scenario_has_floor(sc)) {
            vs_table(f, sc, models, nm, "throughput",
                     "Throughput as a share of the floor's, the median of the rounds' ratios", xl);
            vs_table(f, sc, models, nm, "p99",
                     "p99 latency as a multiple of the floor's, the median of the rounds' ratios",
                     xl);
            write_floor_note(f, sc);
        }
        if (strcmp(name, "idle") == 0) {
            table(f, sc, models, nm, MARGINAL,
                  "Server memory per added connection (bytes, proportional anonymous: the "
                  "growth from the previous point over the connections it added)",
                  xl);
            fprintf(f,
                    "\n`-`: no slope: the first point, a point that held fewer connections than "
                    "it opened, or one with no point before it that held all its own and at "
                    "least %d fewer (Pss_Anon moves in 4 KiB pages: over fewer connections one "
                    "page is more than %.0f bytes each).\n",
                    SLOPE_MIN_ADDED, 4096.0 / SLOPE_MIN_ADDED);
            table(f, sc, models, nm, AVERAGE,
                  "Server memory per connection, average (bytes: the growth over the baseline "
                  "÷ the connections held, fixed costs included)",
                  xl);
        }
        if (strcmp(name, "concurrency") == 0 || strcmp(name, "idle") == 0)
            table(f, sc, models, nm, "cpu_us_per_request", "Server CPU µs per request", xl);
    }
    plots_of(f, made, nmade, name);
}

/* An external model's row of the models table: the command bench ran (settings.externals,
 * {port} as given) and its runtime's version (the entry's, or env.runtimes'). */
static void external_row(FILE *f, const struct results *r, const char *model)
{
    static const struct {
        const char *runtime, *words;
    } runtimes[] = {{"node", "Node.js"}, {"go", "Go"}, {"python", "Python"}};
    json_t *entry = NULL, *x;
    size_t i;
    json_array_foreach(json_object_get(json_object_get(r->root, "settings"), "externals"), i, x)
    {
        const char *name = json_string_value(json_object_get(x, "name"));
        if (name && strcmp(name, model) == 0)
            entry = x;
    }
    const char *command = json_string_value(json_object_get(entry, "command"));
    const char *runtime = json_string_value(json_object_get(entry, "runtime"));
    const char *version = json_string_value(json_object_get(entry, "version"));
    if (!version && runtime)
        version = json_string_value(
            json_object_get(json_object_get(json_object_get(r->root, "env"), "runtimes"), runtime));
    const char *words = runtime;
    for (size_t k = 0; runtime && k < sizeof(runtimes) / sizeof(runtimes[0]); k++)
        if (strcmp(runtimes[k].runtime, runtime) == 0)
            words = runtimes[k].words;
    fprintf(f, "| %s | an external model: `", model_title(model));
    for (const char *c = command ? command : "(bench did not say)"; *c; c++) {
        if (*c == '|') /* a pipe would end the cell */
            fputc('\\', f);
        fputc(*c == '\n' ? ' ' : *c, f);
    }
    fprintf(f,
            "`%s%s%s%s%s | its own code, measured from outside: no stats line, so no "
            "server-side counts |\n",
            json_is_true(json_object_get(entry, "shipped")) ? ", shipped with echobench" : "",
            words || version ? "; " : "", words ? words : "", words && version ? " " : "",
            version ? version : "");
}

static void reading(FILE *f, const struct results *r, const char **models, size_t nm)
{
    bool floor = false;
    json_t *sc;
    size_t i;
    json_array_foreach(json_object_get(r->root, "scenarios"), i, sc) floor |=
        scenario_has_floor(sc);
    fprintf(f,
            "\n## How to read this\n\n"
            "- Each figure is the median over the trials; the interval in brackets (and the "
            "bars on the plots) is a distribution-free interval of the median: the order "
            "statistics that cover it with at least 95%% (6 trials or more); with fewer, "
            "the range of the trials, whose level the table's title gives (3 trials: 75%%). "
            "A bench.json before it gave the 95%% interval of the mean (t), and the titles "
            "say so. `~` marks a point whose trials varied by more than 10%%. With one "
            "trial there is no interval.\n"
            "- `dk/N`: k of the point's N trials were disturbed: others' CPU time and steal "
            "on the server's CPUs took over 5%% of the window and over 3 clock ticks (bench.md).\n"
            "%s"
            "- Latency counts from the send (closed loop) to the full echo, checked byte for "
            "byte. A request that timed out, or was unanswered when the window closed, counts "
            "at its age: a lower bound, so a server that stops answering does not look "
            "fast.\n"
            "- The percentile plot spreads the tail: 90%%, 99%%, 99.9%% ... are evenly spaced, "
            "as HdrHistogram plots them.\n"
            "- Before each window every connection has had one echo, so processes and threads "
            "are already made; the churn scenario measures making them.\n"
            "- CPU per request is the server's CPU time (every process and thread) over the "
            "warmup and the window, per request completed. Memory per connection is "
            "proportional anonymous memory: pages forked children share count once.\n"
            "- Memory per added connection (the headline) is the slope between two idle "
            "points: the growth of the server's memory over its baseline from one point to "
            "the next, over the connections it added. The average divides the whole growth "
            "by the connections held (the figure after ÷), so fixed costs, such as the 16 "
            "active clients' buffers, weigh on it at small points.\n"
            "- Not comparable: a point where a connection starved (no echo in the window) "
            "adds one censored sample for it (its wait when the window closed), so its "
            "latency mixes the few requests served with those censored waits; a "
            "server that held fewer connections than were opened (echo-select past "
            "FD_SETSIZE) pays for fewer. Such points say so beside their figures, are drawn "
            "as open marks with a label apart from their model's line, and are never ranked "
            "in the findings.\n"
            "- `(N abandoned: over the survivors)` beside a latency: N requests (the most in "
            "a trial) were lost with a connection that failed or timed out; they are in no "
            "percentile, which is over the requests that survived.\n"
            "- `0†`: the interval's lower end fell below zero (a mean less t·sd/√n over few, "
            "spread trials of a quantity that cannot be negative); it is shown from 0 and "
            "drawn from 0 on a linear axis; on a log axis, which has no 0, its bar runs to "
            "the bottom of the axis.\n"
            "- Statuses: `capped` and `skipped` points were not run (the note says why); "
            "`partial` ones had a trial that crashed, hung or failed.\n"
            "\n## The models\n\n| model | how it serves | beyond the lecture, it adds |\n"
            "|---|---|---|\n",
            floor ? "- The floor (`floor (reference)` rows, the dashed grey line): echo-floor, one "
                    "thread on epoll echoing bytes as they come, this machine's loopback and "
                    "wake-up cost; the reference, never a model, never ranked.\n"
                  : "");
    for (size_t m = 0; m < nm; m++) {
        if (model_external(models[m]))
            external_row(f, r, models[m]);
        for (size_t k = 0; k < sizeof(model_notes) / sizeof(model_notes[0]); k++)
            if (strcmp(model_notes[k].model, models[m]) == 0)
                fprintf(f, "| %s | %s | %s |\n", model_title(models[m]), model_notes[k].what,
                        model_notes[k].adds ? model_notes[k].adds : "(the lecture's own)");
    }
}

int write_report(const struct results *r, const struct made_plot *made, size_t nmade,
                 const char *path)
{
    const char *models[MAX_MODELS];
    size_t nm = results_models(r, models, MAX_MODELS);
    struct out_file out;
    FILE *f = out_open(&out, path);
    if (!f)
        return -1;

    header(f, r);
    write_claims(f, r, made, nmade);
    write_breaking_section(f, r, made, nmade);
    fprintf(f, "\n## Findings\n\n");
    write_findings(f, r, models, nm);
    json_t *sc;
    size_t i;
    json_array_foreach(json_object_get(r->root, "scenarios"), i, sc)
        scenario_section(f, r, sc, models, nm, made, nmade);
    reading(f, r, models, nm);
    return out_close(&out);
}
