/* Where each model breaks: the capacity scenario (bench/capacity.c) ramps idle
 * connections in steps with 16 active clients beside them, and bench judges each step
 * (held or failed, with the cause its evidence names) and each model (its breaking
 * point). This file renders those verdicts, never re-judges them: the report's section
 * "Where it breaks" and its table, and the scenario's own per-step table (their figures,
 * and analysis.json's "where_it_breaks", are breaking_figures.c's). A figure bench.json
 * lacks is shown as "-", never guessed. */
#include "analysis.h"
#include "breaking.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The step whose memory per connection the report states for every model that held it. */
#define HUNDRED_K 100000

/* The causes bench names (docs/bench.md), for people: in the table, and briefly. */
static const struct {
    const char *cause, *words, *brief;
} cause_words[] = {
    {"crashed", "crashed", "crashed"},
    {"fd_setsize", "FD_SETSIZE (select's descriptor bound)", "FD_SETSIZE"},
    {"rlimit_nofile", "RLIMIT_NOFILE (descriptors of one process)", "RLIMIT_NOFILE"},
    {"file_max", "fs.file-max (descriptors of the system)", "fs.file-max"},
    {"cgroup_pids", "the cgroup's pids.max (tasks of the server's cgroup)", "pids.max"},
    {"pid_max", "pid_max (tasks of the machine)", "pid_max"},
    {"threads_max", "threads-max", "threads-max"},
    {"rlimit_nproc", "RLIMIT_NPROC (tasks of the user)", "RLIMIT_NPROC"},
    {"tasks", "tasks: fork or pthread_create failed with no limit reached", "tasks"},
    {"memory", "memory", "memory"},
    {"ephemeral_ports", "ephemeral ports (the load side)", "ephemeral ports"},
    {"loadgen", "loadgen (the load side)", "loadgen"},
    {"listen_overflow", "the listen queue overflowed", "the listen queue"},
    {"time", "time: the flows took longer to open than the step allows", "time"},
    {"latency", "latency: the active clients not served within the target", "latency"},
    {"other", "other", "other"},
};

/* A cause in words (or briefly); the name itself where it is not known, "-" for none. */
static const char *cause_text(const char *cause, bool brief)
{
    for (size_t i = 0; cause && i < sizeof(cause_words) / sizeof(cause_words[0]); i++)
        if (strcmp(cause_words[i].cause, cause) == 0)
            return brief ? cause_words[i].brief : cause_words[i].words;
    return cause ? cause : "-";
}

/* A count for people: "4", "1,016". */
static void count_of(double v, char *buf, size_t len)
{
    if (fabs(v) < 1000 && v == floor(v))
        snprintf(buf, len, "%.0f", v);
    else
        human(v, buf, len);
}

/* A step's label as a number for people: "20000" -> "20,000". */
static void step_text(const char *label, char *buf, size_t len)
{
    char *end;
    double v = label ? strtod(label, &end) : NAN;
    if (!label || end == label || *end)
        snprintf(buf, len, "%s", label ? label : "-");
    else
        human(v, buf, len);
}

/* Memory per connection in KiB: 2300 bytes -> "2.25 KiB". */
static void per_connection_text(double bytes, char *buf, size_t len)
{
    char n[32];
    if (isnan(bytes)) {
        snprintf(buf, len, "-");
        return;
    }
    human(bytes / 1024, n, sizeof(n));
    snprintf(buf, len, "%.24s KiB", n);
}

/* The time the idle connections took to open and their rate: "0.85 s (11,765/s)". */
static void open_text(json_t *o, char *buf, size_t len)
{
    double s = jpath(o, "open_s"), rate = jpath(o, "open_rate");
    char a[32], b[32];
    if (isnan(s)) {
        snprintf(buf, len, "-");
        return;
    }
    human(s, a, sizeof(a));
    if (isnan(rate)) {
        snprintf(buf, len, "%s s", a);
        return;
    }
    human(rate, b, sizeof(b));
    snprintf(buf, len, "%.24s s (%.24s/s)", a, b);
}

/* KiB for people: "23.5 GiB", "512 MiB". */
static void kib_text(double kib, char *buf, size_t len)
{
    if (isnan(kib))
        snprintf(buf, len, "?");
    else if (kib >= 1024 * 1024)
        snprintf(buf, len, "%.1f GiB", kib / (1024 * 1024));
    else
        snprintf(buf, len, "%.0f MiB", kib / 1024);
}

/* A count of the limits for people, "?" where bench could not read it. */
static void limit_text(json_t *o, const char *key, char *buf, size_t len)
{
    double v = jpath(o, key);
    if (isnan(v))
        snprintf(buf, len, "?");
    else
        count_of(v, buf, len);
}

/* ---- the section ---- */

/* The target and the machine's limits, in one paragraph. */
static void limits_line(FILE *f, json_t *sc)
{
    json_t *t = json_object_get(sc, "target"), *l = json_object_get(sc, "limits");
    char bound[32] = "?", soft[32], hard[32], nr_open[32], pid_max[32], threads[32], total[32],
         avail[32], somaxconn[32];
    double pct = jpath(t, "percentile");
    if (!isnan(jpath(t, "bound_us")))
        slo_bound_text(jpath(t, "bound_us"), bound, sizeof(bound));
    fprintf(f, "\nTarget: the active clients' p%g within %s (%s). ", isnan(pct) ? 99 : pct, bound,
            is(text_of(t, "source"), "slo") ? "the p99 target of --slo"
                                            : "the default: bench was given no --slo");
    limit_text(l, "nofile_soft", soft, sizeof(soft));
    limit_text(l, "nofile_hard", hard, sizeof(hard));
    limit_text(l, "nr_open", nr_open, sizeof(nr_open));
    limit_text(l, "pid_max", pid_max, sizeof(pid_max));
    limit_text(l, "threads_max", threads, sizeof(threads));
    limit_text(l, "somaxconn", somaxconn, sizeof(somaxconn));
    kib_text(jpath(l, "mem_total_kib"), total, sizeof(total));
    kib_text(jpath(l, "mem_available_kib"), avail, sizeof(avail));
    json_t *ports = json_object_get(l, "port_range");
    fprintf(f,
            "This machine's limits: descriptors soft %s, hard %s a process (fs.nr_open %s); "
            "pid_max %s; threads-max %s; memory %s, %s available at the start; ephemeral ports "
            "%.0f to %.0f; somaxconn %s",
            soft, hard, nr_open, pid_max, threads, total, avail,
            json_number_value(json_array_get(ports, 0)),
            json_number_value(json_array_get(ports, 1)), somaxconn);
    if (json_is_number(json_object_get(l, "nproc"))) {
        char nproc[32];
        limit_text(l, "nproc", nproc, sizeof(nproc));
        fprintf(f, "; RLIMIT_NPROC %s", nproc);
    }
    fprintf(f, "%s.", json_is_true(json_object_get(l, "root")) ? "; bench ran as root" : "");
    char steps[256] = "";
    size_t at = 0, i;
    json_t *s;
    json_array_foreach(json_object_get(sc, "steps"), i, s)
    {
        char n[32];
        human(json_number_value(s), n, sizeof(n));
        if (at < sizeof(steps))
            at += (size_t)snprintf(steps + at, sizeof(steps) - at, "%s%s", i ? ", " : "", n);
    }
    if (steps[0])
        fprintf(f, " Steps of idle connections: %s, each with 16 active clients beside them.",
                steps);
    if (!isnan(jpath(sc, "budget_s")))
        fprintf(f,
                " Budget: %.0f s for the scenario (at most %.0f s for a step's flows to open), "
                "%.0f s spent.",
                jpath(sc, "budget_s"), jpath(sc, "step_cap_s"), jpath(sc, "spent_s"));
    fprintf(f, "\n");
}

/* The breaking point cell: the connections held at the last step held, and the most
 * held at once where more: "10,016 (19,994 at once at 20,000)". */
static void point_cell(json_t *sc, const char *model, json_t *v, char *buf, size_t len)
{
    const char *verdict = text_of(v, "verdict");
    char point[48], most[32], step[32], at[40] = "";
    if (!isnan(jpath(v, "held")))
        human(jpath(v, "held"), point, sizeof(point));
    else if (is(verdict, "broke"))
        snprintf(point, sizeof(point), "below the first step");
    else if (is(verdict, "capped") || is(verdict, "skipped"))
        snprintf(point, sizeof(point), "none held (%s before the first step)", verdict);
    else
        snprintf(point, sizeof(point), "-");
    double beyond = breaking_most_held_beyond(v);
    if (isnan(beyond)) {
        snprintf(buf, len, "%s", point);
        return;
    }
    count_of(beyond, most, sizeof(most));
    const char *label = breaking_most_held_step(sc, model, beyond);
    if (label) {
        step_text(label, step, sizeof(step));
        snprintf(at, sizeof(at), " at %s", step);
    }
    snprintf(buf, len, "%s (%s at once%s)", point, most, at);
}

/* The breaks-at cell: the failed step, the top, or why no step was run. */
static void breaks_cell(json_t *sc, const char *model, json_t *v, char *buf, size_t len)
{
    const char *verdict = text_of(v, "verdict"), *stop = capacity_stop_step(sc, model);
    char step[32], at[48] = "";
    step_text(stop, step, sizeof(step));
    if (stop)
        snprintf(at, sizeof(at), " at %s", step);
    if (is(verdict, "broke")) {
        snprintf(buf, len, "%s%s", step,
                 capacity_predicted(sc, model) ? " (predicted, not run)" : "");
    } else if (is(verdict, "top")) {
        json_t *steps = json_object_get(sc, "steps");
        const char *held = text_of(v, "held_step");
        if (held)
            step_text(held, step, sizeof(step));
        else
            human(json_number_value(json_array_get(steps, json_array_size(steps) - 1)), step,
                  sizeof(step));
        snprintf(buf, len, "held up to the top (%s)", step);
    } else if (is(verdict, "capped")) {
        const char *why = text_of(v, "why");
        snprintf(buf, len, "not run: capped by %s%s",
                 why && strstr(why, "external model runs beside one")
                     ? "one loadgen (an external model)"
                     : "the budget",
                 at);
    } else if (is(verdict, "skipped")) {
        snprintf(buf, len, "not run: skipped (memory)%s", at);
    } else {
        snprintf(buf, len, "%s", verdict ? verdict : "-");
    }
}

/* Which of the figures bench added after its review a row of the table shows. */
struct shown {
    bool at_once, predicted, machine, allowance, connect;
};

/* What the table's columns are, under it: the sentences on the most held at once, the
 * predicted steps, the machine's memory and what the time to open counts only where a
 * row shows them. */
static void table_legend(FILE *f, struct shown sh)
{
    fprintf(f, "\nBreaking point: the connections held (idle and active) at the last step held: "
               "every idle connection open, every active one served with its p99 within the "
               "target, none rejected.");
    if (sh.at_once)
        fprintf(f, " In brackets, where more, the most the server held at once at any step it "
                   "ran: its failed step's connections taken in before it broke.");
    fprintf(f, " Breaks at: the step (idle connections) it failed.");
    if (sh.predicted)
        fprintf(f, " Predicted, not run: bench foresaw from the last step held's tasks per "
                   "connection that the step would pass the limit, and did not run it, since "
                   "exhausting it stops every fork on the machine; nothing of it was measured.");
    fprintf(f, " Memory per connection, of the last step held: the server tree's own memory "
               "(proportional anonymous, with every connection up) less its baseline, over the "
               "connections it held; the kernel's socket memory is not in it.");
    if (sh.machine)
        fprintf(f, " Machine memory per connection, of the last step held: MemAvailable's drop "
                   "from before the server started to every connection up, over the connections "
                   "held: both ends of loopback and the kernel included (sockets, stacks, page "
                   "tables), loadgen's own too.");
    if (sh.allowance)
        fprintf(f, " In parentheses: MemAvailable fell by no more than the 64 MiB bench leaves "
                   "to the rest of the machine (or rose: \"rose\"), so the fall adds nothing to "
                   "bench's estimate for a next step, which counts a fall only past the 64 MiB, "
                   "less it, where that is larger than the server's and the kernel's own; the "
                   "figure may still be the step's own.");
    fprintf(f,
            " Time to open, of the last step held: the idle connections' opening%s, with "
            "their rate.\n",
            sh.connect ? " (loadgen's connects, then the server taking them in; bench's readings "
                         "confirming it not counted)"
                       : "");
}

static void verdicts_table(FILE *f, json_t *sc, json_t *verdicts, const char **models, size_t nm)
{
    struct shown sh = {false, false, false, false, false};
    for (size_t m = 0; m < nm; m++) {
        json_t *v = json_object_get(verdicts, models[m]);
        sh.at_once |= !isnan(breaking_most_held_beyond(v));
        sh.predicted |= capacity_predicted(sc, models[m]);
        sh.machine |=
            !isnan(breaking_at_held(sc, models[m], v, "machine_memory_per_connection_bytes"));
        sh.allowance |= breaking_within_allowance(sc, models[m], v);
        sh.connect |= !isnan(breaking_at_held(sc, models[m], v, "connect_s"));
    }
    fprintf(f,
            "\n| model | breaking point | breaks at | cause | memory per connection |%s time "
            "to open |\n|---|---|---|---|---|%s---|\n",
            sh.machine ? " machine memory per connection |" : "", sh.machine ? "---|" : "");
    for (size_t m = 0; m < nm; m++) {
        json_t *v = json_object_get(verdicts, models[m]);
        char held[96], breaks[96], mem[32], open[64], machine_mem[32], host[48] = "";
        point_cell(sc, models[m], v, held, sizeof(held));
        breaks_cell(sc, models[m], v, breaks, sizeof(breaks));
        per_connection_text(jpath(v, "memory_per_connection_bytes"), mem, sizeof(mem));
        if (sh.machine) {
            per_connection_text(
                breaking_at_held(sc, models[m], v, "machine_memory_per_connection_bytes"),
                machine_mem, sizeof(machine_mem));
            bool within = breaking_within_allowance(sc, models[m], v);
            if (within && breaking_at_held(sc, models[m], v, "machine_memory_kib") < 0)
                snprintf(machine_mem, sizeof(machine_mem), "rose");
            snprintf(host, sizeof(host), within ? " (%s) |" : " %s |", machine_mem);
        }
        open_text(v, open, sizeof(open));
        fprintf(f, "| %s | %s | %s | %s | %s |%s %s |\n", model_title(models[m]), held, breaks,
                cause_text(text_of(v, "cause"), false), mem, host, open);
    }
    table_legend(f, sh);
    fprintf(f, "\nWhy, from bench's evidence:\n\n");
    for (size_t m = 0; m < nm; m++) {
        const char *why = text_of(json_object_get(verdicts, models[m]), "why");
        fprintf(f, "- %s: %s\n", model_title(models[m]),
                why && why[0] ? why : "bench gave no reason");
    }
}

/* Models whose verdict is want, named: "echo-epoll, echo-prefork". Returns how many. */
static int models_with(json_t *verdicts, const char **models, size_t nm, const char *key,
                       const char *want, char *buf, size_t len)
{
    size_t at = 0;
    int n = 0;
    buf[0] = '\0';
    for (size_t m = 0; m < nm; m++) {
        if (!is(text_of(json_object_get(verdicts, models[m]), key), want))
            continue;
        n++;
        if (at < len)
            at += (size_t)snprintf(buf + at, len - at, "%s%s", at ? ", " : "",
                                   model_title(models[m]));
    }
    return n;
}

/* How to raise the descriptor limit, where a model broke on it. */
static void nofile_howto(FILE *f, json_t *sc, json_t *verdicts, const char **models, size_t nm)
{
    char names[256];
    if (models_with(verdicts, models, nm, "cause", "rlimit_nofile", names, sizeof(names)) == 0)
        return;
    json_t *l = json_object_get(sc, "limits"), *steps = json_object_get(sc, "steps");
    char hard[32], nr_open[32];
    limit_text(l, "nofile_hard", hard, sizeof(hard));
    limit_text(l, "nr_open", nr_open, sizeof(nr_open));
    /* Enough for the ramp's top with room for the process's own descriptors. */
    double top = json_number_value(json_array_get(steps, json_array_size(steps) - 1));
    long long want = (long long)(top > 0 ? top : HUNDRED_K) + 1024;
    fprintf(f,
            "\n%s broke on RLIMIT_NOFILE: one process's descriptor table. Here its hard limit is "
            "%s (bench raises its soft limit to the hard one, and the servers inherit it), so "
            "no setting of bench's can pass it. Raising a hard limit needs CAP_SYS_RESOURCE "
            "(root in a container may lack it). To raise it to N (%lld would carry the ramp's "
            "top):\n\n"
            "- for logins, in /etc/security/limits.conf: `* hard nofile %lld` and `* soft nofile "
            "%lld`, then a new login;\n"
            "- for a systemd service (or `systemd-run --scope`): `LimitNOFILE=%lld`;\n"
            "- for a running shell: `prlimit --pid $$ --nofile=%lld:%lld`, with "
            "CAP_SYS_RESOURCE;\n"
            "- in a container: its runtime's limit, e.g. `docker run --ulimit "
            "nofile=%lld:%lld`;\n"
            "- no limit can pass fs.nr_open (here %s): `sysctl fs.nr_open=N` raises that "
            "ceiling.\n",
            names, hard, want, want, want, want, want, want, want, want, nr_open);
}

/* Whether a capped model was capped by the one loadgen an external model runs beside
 * (bench's why says so), not by the budget. */
static bool capped_one_loadgen(json_t *verdicts, const char **models, size_t nm)
{
    for (size_t m = 0; m < nm; m++) {
        json_t *v = json_object_get(verdicts, models[m]);
        const char *why = text_of(v, "why");
        if (is(text_of(v, "verdict"), "capped") && why &&
            strstr(why, "external model runs beside one"))
            return true;
    }
    return false;
}

/* What the budget or memory stopped before its ramp broke. */
static void stopped_early(FILE *f, json_t *verdicts, const char **models, size_t nm)
{
    char capped[256], skipped[256];
    int nc = models_with(verdicts, models, nm, "verdict", "capped", capped, sizeof(capped));
    int ns = models_with(verdicts, models, nm, "verdict", "skipped", skipped, sizeof(skipped));
    if (nc == 0 && ns == 0)
        return;
    fprintf(f, "\n");
    if (nc > 0)
        fprintf(f, "Capped by the scenario's budget%s: %s. ",
                capped_one_loadgen(verdicts, models, nm)
                    ? ", or for an external model by the one local loadgen it runs beside (its "
                      "why says which)"
                    : "",
                capped);
    if (ns > 0)
        fprintf(f, "Skipped, the next step not fitting in the memory available: %s. ", skipped);
    fprintf(f,
            "%s not asked the next step, so %s breaking point is a lower bound: the last "
            "step %s held.\n",
            nc + ns == 1 ? "It was" : "They were", nc + ns == 1 ? "its" : "each one's",
            nc + ns == 1 ? "it" : "each");
}

/* A step's label at or past HUNDRED_K idle connections. */
static bool past_hundred_k(const char *label)
{
    return label && strtod(label, NULL) >= HUNDRED_K;
}

/* The line "Memory per connection at 100,000 connections": the models that got there,
 * or why none did. */
static void hundred_k_line(FILE *f, json_t *sc, json_t *verdicts, const char **models, size_t nm)
{
    char h[32];
    human(HUNDRED_K, h, sizeof(h));
    fprintf(f, "\nMemory per connection at %s connections: ", h);
    int got = 0;
    for (size_t m = 0; m < nm; m++) {
        json_t *v = json_object_get(verdicts, models[m]);
        if (!past_hundred_k(text_of(v, "held_step")))
            continue;
        char mem[32], held[32];
        per_connection_text(jpath(v, "memory_per_connection_bytes"), mem, sizeof(mem));
        human(jpath(v, "held"), held, sizeof(held));
        fprintf(f, "%s%s %s (%s held)", got++ ? ", " : "", model_title(models[m]), mem, held);
    }
    if (got > 0) {
        fprintf(f, ".\n");
        return;
    }
    json_t *steps = json_object_get(sc, "steps");
    double top = json_number_value(json_array_get(steps, json_array_size(steps) - 1));
    if (top < HUNDRED_K) {
        char t[32];
        human(top, t, sizeof(t));
        fprintf(f, "none here: the ramp's top was %s.\n", t);
        return;
    }
    fprintf(f, "no model got there here:");
    for (size_t m = 0; m < nm; m++) {
        json_t *v = json_object_get(verdicts, models[m]);
        const char *verdict = text_of(v, "verdict");
        char step[32];
        const char *stop = capacity_stop_step(sc, models[m]);
        step_text(stop, step, sizeof(step));
        fprintf(f, "%s %s ", m ? ";" : "", model_title(models[m]));
        if (is(verdict, "broke"))
            fprintf(f, "broke at %s (%s%s)", step, cause_text(text_of(v, "cause"), true),
                    capacity_predicted(sc, models[m]) ? ", predicted" : "");
        else if (is(verdict, "capped") || is(verdict, "skipped"))
            fprintf(f, "was %s%s%s", verdict, stop ? " at " : "", stop ? step : "");
        else
            fprintf(f, "%s", verdict ? verdict : "has no verdict");
    }
    fprintf(f, ".\n");
}

static void section_plots(FILE *f, const struct made_plot *made, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(made[i].scenario, SCENARIO) == 0)
            fprintf(f,
                    "\n![%s](plots/%s.png)\n\n*%s* ([SVG](plots/%s.svg), [data](plots/data/"
                    "%s.tsv))\n",
                    made[i].caption, made[i].name, made[i].caption, made[i].name, made[i].name);
}

void write_breaking_section(FILE *f, const struct results *r, const struct made_plot *made,
                            size_t nmade)
{
    json_t *sc = results_scenario(r, SCENARIO);
    if (!sc)
        return;
    fprintf(f, "\n## Where it breaks\n");
    const char *st = text_of(sc, "status"), *note = text_of(sc, "note");
    if (is(st, "skipped")) {
        fprintf(f, "\nThe capacity scenario was skipped%s%s: no model was ramped.\n",
                note ? ": " : "", note ? note : "");
        return;
    }
    if (st && !is(st, "done"))
        fprintf(f,
                "\n**The scenario did not finish** (status `%s`): below are the verdicts of the "
                "steps that ran.\n",
                st);
    json_t *verdicts = json_object_get(sc, "models");
    const char *models[32];
    size_t nm = breaking_models(r, verdicts, models, 32);
    limits_line(f, sc);
    if (nm == 0) {
        fprintf(f, "\nNo model has a verdict: bench.json's capacity scenario has none.\n");
        return;
    }
    verdicts_table(f, sc, verdicts, models, nm);
    nofile_howto(f, sc, verdicts, models, nm);
    stopped_early(f, verdicts, models, nm);
    hundred_k_line(f, sc, verdicts, models, nm);
    section_plots(f, made, nmade);
}

/* ---- the scenario's own section: every step of every model ---- */

/* A step's cell: "held: p99 735 µs, 22.4 MiB"; "**failed** (FD_SETSIZE): held 1,020 of
 * 2,016"; "**predicted** (pid_max), not run"; "skipped"; "capped". */
static void step_cell(FILE *f, json_t *pt)
{
    if (!pt) {
        fprintf(f, " |");
        return;
    }
    json_t *c = json_object_get(pt, "capacity");
    const char *verdict = text_of(c, "verdict");
    if (!verdict) {
        fprintf(f, " %s |", text_of(pt, "status") ? text_of(pt, "status") : "-");
        return;
    }
    char a[32], b[32];
    if (is(verdict, "failed")) {
        fprintf(f, " **failed** (%s)", cause_text(text_of(c, "cause"), true));
        if (!isnan(jpath(c, "held"))) {
            count_of(jpath(c, "held"), a, sizeof(a));
            count_of(jpath(c, "requested"), b, sizeof(b));
            fprintf(f, ": held %s of %s", a, b);
        }
    } else if (is(verdict, "predicted")) {
        fprintf(f, " **predicted** (%s), not run", cause_text(text_of(c, "cause"), true));
    } else {
        fprintf(f, " %s", verdict);
    }
    if (!isnan(jpath(c, "p99_us"))) {
        human(jpath(c, "p99_us"), a, sizeof(a));
        fprintf(f, "; p99 %s µs", a);
    }
    if (!isnan(jpath(c, "memory_kib"))) {
        human(jpath(c, "memory_kib") / 1024, a, sizeof(a));
        fprintf(f, "; %s MiB", a);
    }
    fprintf(f, " |");
}

void write_capacity_steps(FILE *f, json_t *sc, const char **models, size_t nm)
{
    char l[32][32];
    int nl = scenario_labels(sc, l, 32);
    fprintf(f, "\nThe breaking points, their causes and the plots are in [Where it "
               "breaks](#where-it-breaks).");
    if (nl == 0) {
        fprintf(f, " No step ran.\n");
        return;
    }
    fprintf(f, " Each step, one trial (a ramp, not a statistic), as bench judged it: the "
               "active clients' p99, and the server tree's own memory (proportional anonymous, "
               "with every connection up; the kernel's socket memory is not in it); an empty cell "
               "is a step not asked, the ramp having stopped.\n\n"
               "| model |");
    for (int k = 0; k < nl; k++) {
        char s[32];
        step_text(l[k], s, sizeof(s));
        fprintf(f, " %s |", s);
    }
    fprintf(f, "\n|---|");
    for (int k = 0; k < nl; k++)
        fprintf(f, "---|");
    fprintf(f, "\n");
    for (size_t m = 0; m < nm; m++) {
        bool any = false;
        for (int k = 0; k < nl; k++)
            any |= results_point(sc, models[m], l[k]) != NULL;
        if (!any)
            continue;
        fprintf(f, "| %s |", model_title(models[m]));
        for (int k = 0; k < nl; k++)
            step_cell(f, results_point(sc, models[m], l[k]));
        fprintf(f, "\n");
    }
}
