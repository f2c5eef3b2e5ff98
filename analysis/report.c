/* report.md: the machine, findings written from the data by rules, a table per
 * scenario, the plots, and how to read them. No finding the data does not support:
 * each rule states its figures and is skipped when they are missing. */
#include "analysis.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MODELS 16

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

static double med(json_t *pt, const char *metric)
{
    char path[96];
    snprintf(path, sizeof(path), "summary.%s.median", metric);
    return pt ? jpath(pt, path) : NAN;
}

/* The 95% interval of a metric; false when there is none (one trial). */
static bool interval(json_t *pt, const char *metric, double *lo, double *hi)
{
    json_t *ci = json_object_get(json_object_get(json_object_get(pt, "summary"), metric), "ci95");
    if (!json_is_array(ci))
        return false;
    *lo = json_number_value(json_array_get(ci, 0));
    *hi = json_number_value(json_array_get(ci, 1));
    return true;
}

/* How far a "highest" or "lowest" can be trusted: the models whose interval overlaps
 * the leader's, or that there is no interval to tell. Written into buf ("" when the
 * lead is clear). */
static void lead(json_t *sc, const char **models, size_t nm, const char *label, const char *metric,
                 const char *leader, char *buf, size_t len)
{
    double lo, hi, l2, h2;
    size_t at = 0;
    buf[0] = '\0';
    if (!interval(results_point(sc, leader, label), metric, &lo, &hi)) {
        snprintf(buf, len, " (from one trial: no interval to say how clear the lead is)");
        return;
    }
    for (size_t m = 0; m < nm; m++) {
        if (strcmp(models[m], leader) == 0 ||
            !interval(results_point(sc, models[m], label), metric, &l2, &h2) || h2 < lo || hi < l2)
            continue;
        at += (size_t)snprintf(buf + at, len - at, "%secho-%s",
                               at ? ", " : " (but the 95% intervals of ", models[m]);
        if (at >= len)
            break;
    }
    if (at > 0 && at < len)
        snprintf(buf + at, len - at, " overlap it: not a clear lead)");
}

static const char *status(json_t *pt)
{
    return json_string_value(json_object_get(pt, "status"));
}

/* The points' labels of a scenario, in order. */
static int labels(json_t *sc, char (*out)[32], int max)
{
    int n = 0;
    size_t i;
    json_t *pt;
    json_array_foreach(json_object_get(sc, "points"), i, pt)
    {
        const char *l = json_string_value(json_object_get(pt, "label"));
        bool seen = false;
        for (int k = 0; k < n; k++)
            seen |= strcmp(out[k], l) == 0;
        if (!seen && n < max)
            snprintf(out[n++], 32, "%s", l);
    }
    return n;
}

/* A cell: the median, its interval when there is one, and a mark when noisy; or what
 * happened instead. */
static void cell(FILE *f, json_t *pt, const char *metric)
{
    char a[32], b[32], c[32];
    if (!pt) {
        fprintf(f, " |");
        return;
    }
    const char *st = status(pt);
    json_t *s = json_object_get(json_object_get(pt, "summary"), metric);
    double m = jpath(s, "median");
    if (isnan(m)) {
        fprintf(f, " %s |", strcmp(st, "ok") == 0 ? "-" : st);
        return;
    }
    human(m, a, sizeof(a));
    json_t *ci = json_object_get(s, "ci95");
    fprintf(f, " %s", a);
    if (json_is_array(ci)) {
        double lo = json_number_value(json_array_get(ci, 0)),
               hi = json_number_value(json_array_get(ci, 1));
        human(lo < 0 ? 0 : lo, b, sizeof(b));
        human(hi, c, sizeof(c));
        fprintf(f, " [%s, %s]", b, c);
    }
    if (json_is_true(json_object_get(s, "noisy")))
        fprintf(f, " ~");
    if (strcmp(st, "ok") != 0)
        fprintf(f, " (%s)", st);
    fprintf(f, " |");
}

/* A table: a row per model, a column per point. */
static void table(FILE *f, json_t *sc, const char **models, size_t nm, const char *metric,
                  const char *title, const char *x_label)
{
    char l[32][32];
    int nl = labels(sc, l, 32);
    if (nl == 0)
        return;
    fprintf(f, "\n%s (rows: model; columns: %s)\n\n| model |", title, x_label);
    for (int k = 0; k < nl; k++)
        fprintf(f, " %s |", l[k]);
    fprintf(f, "\n|---|");
    for (int k = 0; k < nl; k++)
        fprintf(f, "---|");
    fprintf(f, "\n");
    for (size_t m = 0; m < nm; m++) {
        fprintf(f, "| %s |", models[m]);
        for (int k = 0; k < nl; k++)
            cell(f, results_point(sc, models[m], l[k]), metric);
        fprintf(f, "\n");
    }
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

/* ---- findings ---- */

struct findings {
    FILE *f;
    int n;
};

__attribute__((format(printf, 2, 3))) static void finding(struct findings *fd, const char *fmt, ...)
{
    va_list ap;
    fprintf(fd->f, "- ");
    va_start(ap, fmt);
    vfprintf(fd->f, fmt, ap);
    va_end(ap);
    fprintf(fd->f, "\n");
    fd->n++;
}

/* The lecture's lunch: the iterative server behind one idle client. */
static void find_lunch(struct findings *fd, json_t *sc, const char **models, size_t nm)
{
    char a[32], b[32];
    json_t *it1 = results_point(sc, "iterative", "1"), *it0 = results_point(sc, "iterative", "0");
    double r1 = med(it1, "throughput_rps"), r0 = med(it0, "throughput_rps");
    if (!isnan(r1) && !isnan(r0) && r1 < 0.01 * r0) {
        human(r1, a, sizeof(a));
        human(r0, b, sizeof(b));
        finding(fd,
                "echo-iterative served %s requests per second while 1 client was idle, against "
                "%s with none: behind one client out to lunch it serves nobody.",
                a, b);
    }
    /* The others, at the same point: those that kept their pace, and those that did
     * not. */
    char lost[512] = "";
    size_t at = 0;
    double worst = INFINITY;
    const char *worst_model = NULL;
    int kept = 0, compared = 0;
    for (size_t m = 0; m < nm; m++) {
        if (strcmp(models[m], "iterative") == 0)
            continue;
        double x1 = med(results_point(sc, models[m], "1"), "throughput_rps"),
               x0 = med(results_point(sc, models[m], "0"), "throughput_rps");
        if (isnan(x1) || isnan(x0) || x0 <= 0)
            continue;
        compared++;
        if (x1 >= 0.8 * x0) {
            kept++;
            if (x1 / x0 < worst) {
                worst = x1 / x0;
                worst_model = models[m];
            }
        } else if (at < sizeof(lost)) {
            /* Where the two points' intervals overlap, the loss may be noise: say so. */
            double lo0, hi0, lo1, hi1;
            bool unclear =
                interval(results_point(sc, models[m], "0"), "throughput_rps", &lo0, &hi0) &&
                interval(results_point(sc, models[m], "1"), "throughput_rps", &lo1, &hi1) &&
                hi1 >= lo0;
            at += (size_t)snprintf(lost + at, sizeof(lost) - at, "%secho-%s %.0f%%%s",
                                   at ? ", " : "", models[m], 100 * x1 / x0,
                                   unclear ? " (its 95% intervals overlap: not a clear loss)" : "");
        }
    }
    if (kept > 0 && kept == compared)
        finding(fd,
                "Every other model kept at least 80%% of its throughput with one idle client "
                "(the least, echo-%s, %.0f%%).",
                worst_model, worst * 100);
    else if (kept > 0)
        finding(fd,
                "%d of the %d other models kept at least 80%% of their throughput with one idle "
                "client (the least of them, echo-%s, %.0f%%).",
                kept, compared, worst_model, worst * 100);
    if (kept < compared)
        finding(fd, "With one idle client, less than 80%% of the throughput with none: %s.", lost);
}

/* Any model that idle clients stopped dead: under 1% of its throughput without them. */
static void find_stopped(struct findings *fd, json_t *sc, const char **models, size_t nm)
{
    char l[32][32], a[32];
    int nl = labels(sc, l, 32);
    for (size_t m = 0; m < nm; m++) {
        double x0 = med(results_point(sc, models[m], "0"), "throughput_rps");
        if (!(x0 > 0) || strcmp(models[m], "iterative") == 0)
            continue; /* iterative's lunch is its own finding */
        for (int k = 0; k < nl; k++) {
            json_t *pt = results_point(sc, models[m], l[k]);
            double x = med(pt, "throughput_rps"), rejected = med(pt, "rejected");
            if (strcmp(l[k], "0") == 0 || !(x < 0.01 * x0))
                continue;
            human(x, a, sizeof(a));
            if (rejected > 0)
                finding(fd,
                        "echo-%s served %s requests per second to 16 active clients with %s idle "
                        "ones connected first: it refused %.0f connections it had no room for, "
                        "the active clients' among them.",
                        models[m], a, l[k], rejected);
            else
                finding(fd,
                        "echo-%s served %s requests per second to 16 active clients with %s idle "
                        "ones connected first: the idle clients held every one of its flows.",
                        models[m], a, l[k]);
            break;
        }
    }
}

/* Memory per idle connection, at the largest idle point each model reached. */
static void find_memory(struct findings *fd, json_t *sc, const char **models, size_t nm)
{
    char l[32][32], line[1024], v[32];
    int nl = labels(sc, l, 32);
    size_t at = 0;
    int shown = 0;
    if (nl == 0)
        return;
    const char *largest = l[nl - 1];
    for (size_t m = 0; m < nm; m++) {
        double bytes = med(results_point(sc, models[m], largest), "memory_per_connection_bytes");
        if (isnan(bytes))
            continue;
        if (bytes >= 10240)
            snprintf(v, sizeof(v), "%.0f KiB", bytes / 1024);
        else
            snprintf(v, sizeof(v), "%.0f bytes", bytes);
        at += (size_t)snprintf(line + at, sizeof(line) - at, "%secho-%s %s", shown ? ", " : "",
                               models[m], v);
        shown++;
    }
    if (shown > 0)
        finding(fd, "Memory per connection with %s idle client%s: %s.", largest,
                strcmp(largest, "1") == 0 ? "" : "s", line);
    for (size_t m = 0; m < nm; m++) {
        json_t *pt = results_point(sc, models[m], largest);
        if (pt && strcmp(status(pt), "capped") == 0)
            finding(fd, "echo-%s was not run with %s idle clients: %s", models[m], largest,
                    json_string_value(json_object_get(pt, "note")));
    }
    for (int k = 0; k < nl; k++) {
        double rejected = med(results_point(sc, "select", l[k]), "rejected");
        if (rejected > 0) {
            finding(fd,
                    "echo-select refused %.0f connections with %s idle clients: descriptors "
                    "past FD_SETSIZE (1024) cannot be watched with select.",
                    rejected, l[k]);
            break;
        }
    }
}

/* The most connections: who served most, and fastest. */
static void find_concurrency(struct findings *fd, json_t *sc, const char **models, size_t nm)
{
    char l[32][32], a[32];
    int nl = labels(sc, l, 32);
    if (nl == 0)
        return;
    const char *top = l[nl - 1];
    const char *best = NULL, *fastest = NULL;
    double best_rps = -1, best_p99 = INFINITY;
    for (size_t m = 0; m < nm; m++) {
        json_t *pt = results_point(sc, models[m], top);
        double rps = med(pt, "throughput_rps"), p99 = med(pt, "p99_us"),
               starved = med(pt, "starved");
        if (!isnan(rps) && rps > best_rps && !(starved > 0)) {
            best_rps = rps;
            best = models[m];
        }
        if (!isnan(p99) && p99 < best_p99 && !(starved > 0)) {
            best_p99 = p99;
            fastest = models[m];
        }
        if (!isnan(starved) && starved > 0) {
            double total = jpath(pt, "connections");
            finding(fd,
                    "At %s connections, echo-%s left %.0f of %.0f connections starved (no "
                    "echo in the window).",
                    top, models[m], starved, total);
        }
    }
    char why[512];
    if (best) {
        human(best_rps, a, sizeof(a));
        lead(sc, models, nm, top, "throughput_rps", best, why, sizeof(why));
        finding(fd,
                "At %s connections, echo-%s had the highest median throughput (%s requests per "
                "second) of the models that served every connection%s.",
                top, best, a, why);
    }
    if (fastest) {
        human(best_p99, a, sizeof(a));
        lead(sc, models, nm, top, "p99_us", fastest, why, sizeof(why));
        finding(fd,
                "At %s connections, echo-%s had the lowest median p99 latency (%s µs) of the "
                "models that served every connection%s.",
                top, fastest, a, why);
    }
}

static void find_churn(struct findings *fd, json_t *sc)
{
    char l[32][32], a[32], b[32];
    if (labels(sc, l, 32) == 0)
        return;
    double thread = med(results_point(sc, "thread", l[0]), "throughput_rps");
    double process = med(results_point(sc, "process", l[0]), "throughput_rps");
    if (thread > 0 && process > 0) {
        human(thread, a, sizeof(a));
        human(process, b, sizeof(b));
        finding(fd,
                "With a connection per request, echo-thread made %s connections per second and "
                "echo-process %s: %.1fx.",
                a, b, thread / process);
    }
}

static void find_service(struct findings *fd, json_t *sc, const char **models, size_t nm)
{
    char line[1024];
    size_t at = 0;
    int shown = 0;
    for (size_t m = 0; m < nm; m++) {
        double r = med(results_point(sc, models[m], "sleep_1ms"), "throughput_rps");
        if (isnan(r))
            continue;
        char v[32];
        human(r, v, sizeof(v));
        at += (size_t)snprintf(line + at, sizeof(line) - at, "%secho-%s %s", shown ? ", " : "",
                               models[m], v);
        shown++;
    }
    if (shown == 0)
        return;
    finding(fd, "With 1 ms of blocking per line (64 connections), requests per second: %s.", line);
    /* The reason, where the data shows it: a flow of control that sleeps 1 ms a line
     * serves at most about 1000 lines a second, whatever the connections. */
    const char *slow[16];
    size_t ns = 0;
    for (size_t m = 0; m < nm && ns < 16; m++) {
        double r = med(results_point(sc, models[m], "sleep_1ms"), "throughput_rps");
        if (r > 0 && r < 1100)
            slow[ns++] = models[m];
    }
    if (ns == 0)
        return;
    char names[512];
    size_t n = 0;
    for (size_t i = 0; i < ns && n < sizeof(names); i++)
        n += (size_t)snprintf(names + n, sizeof(names) - n, "%secho-%s",
                              i == 0        ? ""
                              : i + 1 == ns ? " and "
                                            : ", ",
                              slow[i]);
    finding(fd,
            "%s stayed under 1,100 requests per second there: %s every client while a "
            "line sleeps, so 1 ms a line allows at most 1,000 a second.",
            names,
            ns == 1 ? "its one flow of control (an event loop, or one client at a time) blocks"
                    : "each serves from one flow of control here (an event loop, or one client at "
                      "a time), which blocks");
}

static void find_creation(struct findings *fd, json_t *sc)
{
    json_t *result = json_object_get(sc, "result");
    double fork_ns = jpath(result, "primitives.fork.ns.median");
    double thread_ns = jpath(result, "primitives.pthread.ns.median");
    double fork_c = jpath(result, "primitives.fork.cycles.median");
    double thread_c = jpath(result, "primitives.pthread.cycles.median");
    if (fork_ns > 0 && thread_ns > 0) {
        if (fork_c > 0 && thread_c > 0)
            finding(fd,
                    "fork + waitpid costs %.1fx pthread_create + join here (%.0fK against "
                    "%.0fK reference cycles; %.1f against %.1f µs); the lecture says 2x (20K "
                    "against 10K).",
                    fork_ns / thread_ns, fork_c / 1000, thread_c / 1000, fork_ns / 1000,
                    thread_ns / 1000);
        else
            finding(fd,
                    "fork + waitpid costs %.1fx pthread_create + join here (%.1f against %.1f "
                    "µs); the lecture says 2x.",
                    fork_ns / thread_ns, fork_ns / 1000, thread_ns / 1000);
    }
    json_t *rows = json_object_get(result, "fork_vs_rss");
    size_t n = json_array_size(rows);
    if (n >= 2) {
        json_t *first = json_array_get(rows, 0), *last = json_array_get(rows, n - 1);
        double f0 = jpath(first, "fork_ns_median"), f1 = jpath(last, "fork_ns_median");
        double t0 = jpath(first, "pthread_ns_median"), t1 = jpath(last, "pthread_ns_median");
        if (f0 > 0 && f1 > 0 && t0 > 0 && t1 > 0)
            finding(fd,
                    "From a parent with %.0f MiB resident, fork took %.1fx as long as from "
                    "%.0f MiB (%.0f against %.0f µs); pthread_create + join %.1fx.",
                    jpath(last, "rss_mib"), f1 / f0, jpath(first, "rss_mib"), f1 / 1000, f0 / 1000,
                    t1 / t0);
    }
}

/* Points whose trials varied by more than 10%, and loadgen saturation. */
static void find_quality(struct findings *fd, const struct results *r)
{
    int noisy = 0, points = 0, saturated = 0;
    size_t i, k;
    json_t *sc, *pt;
    json_array_foreach(json_object_get(r->root, "scenarios"), i, sc)
    {
        json_array_foreach(json_object_get(sc, "points"), k, pt)
        {
            if (!json_is_number(json_object_get(
                    json_object_get(json_object_get(pt, "summary"), "throughput_rps"), "median")))
                continue; /* not run (capped, skipped) or nothing measured */
            points++;
            noisy += json_is_true(json_object_get(
                json_object_get(json_object_get(pt, "summary"), "throughput_rps"), "noisy"));
            saturated += jpath(pt, "loadgen_saturated_trials") > 0;
        }
    }
    if (noisy > 0)
        finding(fd,
                "%d of %d points are noisy (their trials' throughput varied by more than 10%%, "
                "marked ~ in the tables): read their differences with care.",
                noisy, points);
    if (saturated > 0)
        finding(fd,
                "At %d points loadgen's busiest thread was saturated in some trial: there "
                "loadgen, not the server, may have set the pace (more client CPUs help).",
                saturated);
}

/* ---- the report ---- */

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

static void scenario_section(FILE *f, json_t *sc, const char **models, size_t nm,
                             const struct made_plot *made, size_t nmade)
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
    if (strcmp(name, "creation") == 0) {
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
    } else if (json_array_size(json_object_get(sc, "points")) > 0) {
        const char *xl = x_label ? x_label : "point";
        if (strcmp(name, "churn") == 0) {
            table(f, sc, models, nm, "throughput_rps",
                  "Connections per second, median [95% interval]", xl);
            table(f, sc, models, nm, "connect_p50_us", "Connect latency p50 (µs)", xl);
        } else {
            table(f, sc, models, nm, "throughput_rps", "Requests per second, median [95% interval]",
                  xl);
            table(f, sc, models, nm, "p99_us", "p99 latency (µs)", xl);
        }
        if (strcmp(name, "idle") == 0)
            table(f, sc, models, nm, "memory_per_connection_bytes",
                  "Server memory per connection (bytes, proportional anonymous)", xl);
        if (strcmp(name, "concurrency") == 0 || strcmp(name, "idle") == 0)
            table(f, sc, models, nm, "cpu_us_per_request", "Server CPU µs per request", xl);
    }
    plots_of(f, made, nmade, name);
}

static void reading(FILE *f, const char **models, size_t nm)
{
    fprintf(f, "\n## How to read this\n\n"
               "- Each figure is the median over the trials; the interval in brackets (and the "
               "bars on the plots) is the 95%% confidence interval of the mean; `~` marks a "
               "point whose trials varied by more than 10%%. With one trial there is no "
               "interval.\n"
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
               "- Statuses: `capped` and `skipped` points were not run (the note says why); "
               "`partial` ones had a trial that crashed, hung or failed.\n"
               "\n## The models\n\n| model | how it serves | beyond the lecture, it adds |\n"
               "|---|---|---|\n");
    for (size_t m = 0; m < nm; m++)
        for (size_t k = 0; k < sizeof(model_notes) / sizeof(model_notes[0]); k++)
            if (strcmp(model_notes[k].model, models[m]) == 0)
                fprintf(f, "| echo-%s | %s | %s |\n", models[m], model_notes[k].what,
                        model_notes[k].adds ? model_notes[k].adds : "(the lecture's own)");
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
    fprintf(f, "\n## Findings\n\n");
    struct findings fd = {.f = f};
    json_t *sc;
    if ((sc = results_scenario(r, "idle")))
        find_lunch(&fd, sc, models, nm);
    if ((sc = results_scenario(r, "concurrency")))
        find_concurrency(&fd, sc, models, nm);
    if ((sc = results_scenario(r, "idle"))) {
        find_stopped(&fd, sc, models, nm);
        find_memory(&fd, sc, models, nm);
    }
    if ((sc = results_scenario(r, "churn")))
        find_churn(&fd, sc);
    if ((sc = results_scenario(r, "service")))
        find_service(&fd, sc, models, nm);
    if ((sc = results_scenario(r, "creation")))
        find_creation(&fd, sc);
    find_quality(&fd, r);
    if (fd.n == 0)
        fprintf(f, "This run measured too little for findings.\n");

    size_t i;
    json_array_foreach(json_object_get(r->root, "scenarios"), i, sc)
        scenario_section(f, sc, models, nm, made, nmade);
    reading(f, models, nm);
    return out_close(&out);
}
