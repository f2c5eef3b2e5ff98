/* One run across hosts (docs/hosts.md): the server under an echobench-remote on its host,
 * and loadgen's agents, each under one on its host, all through line channels (hosts.h;
 * directly on this machine, through ssh elsewhere). The same contract as run.c's run_one
 * for one local loadgen: the server's ready line, its tree read while the agents work
 * (through its supervisor's samples), SIGTERM then its stats line. The agents' --sync
 * words are a barrier: only when every agent has said "idle-up", "primed" or "t1" does
 * bench do its readings and answer them all, so every agent is connected and primed and
 * starts its window together. The start skew is measured through each channel's round
 * trip (a ping just before the answers), and from the agents' own clocks at t0. Each
 * agent's run JSON is kept under raw/ and the point's figures are their merge
 * (merge.h). */
#include "agents.h"

#include "clock.h"
#include "hosts.h"
#include "jsonio.h"
#include "merge.h"
#include "tree.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <unistd.h>

#define READY_NS  (10 * NS_PER_S) /* over ssh: the connection is up already (the master) */
#define STOP_NS   (10 * NS_PER_S)
#define SAMPLE_NS (5 * NS_PER_S)

enum word { W_IDLE_UP, W_PRIMED, W_T0, W_T1, NWORDS };
static const char *const words[] = {"idle-up", "primed", "t0", "t1"};

struct agent {
    struct chan ch;
    const char *host;
    char json[PATH_MAX + 200];  /* its run JSON where it is written (there) */
    char local[PATH_MAX + 200]; /* and here */
    bool said[NWORDS], gone, failed;
    int exit_code;
    double t0_realtime_s;   /* its clock at t0 */
    uint64_t go_ns, rtt_ns; /* the last answer sent; the ping's round trip before it */
    double offset_s;        /* its clock less bench's, from the ping (NTP's way) */
    bool have_offset;
    char why[256];
};

bool run_needs_hosts(const struct bench_opts *o)
{
    return o->nagents > 1 || (o->nagents == 1 && !host_is_local(o->agents[0])) ||
           !host_is_local(o->server_host);
}

/* Reads lines of a channel until one starts with prefix (copied into line), or the
 * channel ends or the deadline passes. Lines on the way go to other (may be NULL). */
static int chan_expect(struct chan *c, const char *prefix, char *line, size_t len,
                       uint64_t deadline, void (*other)(void *, const char *), void *arg)
{
    for (;;) {
        int r = chan_line(c, line, len, deadline);
        if (r <= 0)
            return r;
        if (strncmp(line, prefix, strlen(prefix)) == 0)
            return 1;
        if (other)
            other(arg, line);
    }
}

/* ---- the server, under its supervisor ---- */

struct server {
    struct chan ch;
    json_t *stats;
    bool exited;
    int code, signal;
    double user_s, sys_s;
    char log[PATH_MAX + 200];
};

static void server_other(void *arg, const char *line)
{
    struct server *s = arg;
    if (strncmp(line, "out {", 5) == 0 && !s->stats)
        s->stats = json_loads(line + 4, 0, NULL);
    else if (strncmp(line, "exit code ", 10) == 0) {
        s->exited = true;
        sscanf(line + 10, "%d %lf %lf", &s->code, &s->user_s, &s->sys_s);
    } else if (strncmp(line, "exit signal ", 12) == 0) {
        s->exited = true;
        sscanf(line + 12, "%d %lf %lf", &s->signal, &s->user_s, &s->sys_s);
    }
}

/* One reading of the server's tree, by its supervisor. */
static bool server_sample(struct server *s, bool full, struct tree *t)
{
    char line[2048];
    memset(t, 0, sizeof(*t));
    if (chan_send(&s->ch, full ? "sample full" : "sample cheap") < 0 ||
        chan_expect(&s->ch, "sample ", line, sizeof(line), clock_now_ns() + SAMPLE_NS, server_other,
                    s) != 1)
        return false;
    json_t *j = json_loads(line + 7, 0, NULL);
    if (!j)
        return false;
    t->cpu_ns = (uint64_t)json_number_value(json_object_get(j, "cpu_ns"));
    t->rss_kib = (long)json_number_value(json_object_get(j, "rss_kib"));
    t->pss_anon_kib = (long)json_number_value(json_object_get(j, "pss_anon_kib"));
    t->threads = (int)json_number_value(json_object_get(j, "threads"));
    t->processes = (int)json_number_value(json_object_get(j, "processes"));
    json_decref(j);
    return true;
}

static int server_begin(const struct bench_opts *o, const struct run_spec *spec, struct server *s,
                        int *port, struct run_result *r)
{
    const char *args[MAX_ARGS + 24];
    char cpus[256], exe[64], line[1024];
    int n = 0;
    args[n++] = "run";
    args[n++] = "--raise-nofile";
    if (host_is_local(o->server_host) && spec->nserver_cpus) {
        cpus_text(cpus, sizeof(cpus), spec->server_cpus, spec->nserver_cpus);
        args[n++] = "--cpus";
        args[n++] = cpus;
    }
    /* Its stderr: into raw/ here; there, beside the binaries, fetched after the run. */
    if (host_is_local(o->server_host))
        snprintf(s->log, sizeof(s->log), "%s/raw/%s.server.log", o->out_dir, spec->name);
    else
        snprintf(s->log, sizeof(s->log), "%s/%s.server.log", host_dir(o, o->server_host),
                 spec->name);
    args[n++] = "--stderr";
    args[n++] = s->log;
    args[n++] = "--";
    snprintf(exe, sizeof(exe), "echo-%s", spec->model);
    args[n++] = exe;
    for (int i = 0; spec->server_args[i] && n < MAX_ARGS + 16; i++)
        args[n++] = spec->server_args[i];
    args[n++] = "-a";
    args[n++] = o->listen_addr[0] ? o->listen_addr : "127.0.0.1";
    args[n++] = "0";
    args[n] = NULL;
    if (chan_start(o, o->server_host, args, &s->ch) < 0) {
        snprintf(r->detail, sizeof(r->detail), "cannot start the server's supervisor: %s",
                 strerror(errno));
        return -1;
    }
    int got = chan_expect(&s->ch, "out listening on ", line, sizeof(line),
                          clock_now_ns() + READY_NS, server_other, s);
    const char *colon = got == 1 ? strrchr(line, ':') : NULL;
    if (!colon) {
        r->status =
            s->exited && s->code == SERVER_UNAVAILABLE ? RUN_UNAVAILABLE : RUN_FAILED_TO_START;
        snprintf(r->detail, sizeof(r->detail), "echo-%s on %s printed no ready line%s", spec->model,
                 s->ch.host, s->exited ? " (it exited)" : "");
        chan_close(&s->ch, STOP_NS);
        return -1;
    }
    *port = atoi(colon + 1);
    return 0;
}

/* SIGTERM through the supervisor, then its stats line and its exit; the channel closed
 * (the supervisor kills what is left and exits). */
static void server_end(struct server *s, struct run_result *r)
{
    char line[2048];
    uint64_t deadline = clock_now_ns() + STOP_NS;
    /* got: 1 a line, 0 the time ran out, -1 the channel is gone. */
    /* What the supervisor said already is read first, whether or not the command goes:
     * a server killed before the stop has its "exit signal" line there. */
    chan_send(&s->ch, "term");
    int got;
    while (!s->exited && (got = chan_line(&s->ch, line, sizeof(line), deadline)) == 1)
        server_other(s, line);
    if (s->exited)
        got = 1;
    if (!s->exited && got < 0 && r->status == RUN_OK) {
        r->status = RUN_CRASHED;
        snprintf(r->detail, sizeof(r->detail),
                 "the channel to the server on %s dropped before it stopped (the host, its "
                 "ssh, or its supervisor went away)",
                 s->ch.host);
    } else if (!s->exited && r->status == RUN_OK) {
        r->status = RUN_HUNG;
        snprintf(r->detail, sizeof(r->detail),
                 "the server on %s did not exit within %llu s of SIGTERM and was killed",
                 s->ch.host, (unsigned long long)(STOP_NS / NS_PER_S));
        chan_send(&s->ch, "kill");
    } else if (r->status == RUN_OK && (s->signal || s->code != 0)) {
        r->status = RUN_CRASHED;
        snprintf(r->detail, sizeof(r->detail), "the server on %s, stopping, %s %d", s->ch.host,
                 s->signal ? "was killed by signal" : "exited with status",
                 s->signal ? s->signal : s->code);
    }
    /* Until "gone": nothing of its group is left there. */
    chan_expect(&s->ch, "gone", line, sizeof(line), clock_now_ns() + STOP_NS, server_other, s);
    chan_close(&s->ch, STOP_NS);
    r->usage.cpu_user_s = s->user_s;
    r->usage.cpu_sys_s = s->sys_s;
    r->server_stats = s->stats;
    s->stats = NULL;
}

/* ---- the agents ---- */

/* spec's loadgen arguments for agent k of n: connections, idle ones and the rate split
 * evenly (split_even: the first agents take the remainder), its own seed. */
static int agent_args(const struct run_spec *spec, unsigned k, unsigned n, const char **args,
                      char (*buf)[32])
{
    int a = 0, b = 0;
    for (int i = 0; spec->loadgen_args[i]; i++) {
        const char *arg = spec->loadgen_args[i], *next = spec->loadgen_args[i + 1];
        args[a++] = arg;
        if (!next)
            continue;
        if (strcmp(arg, "-c") == 0 || strcmp(arg, "-i") == 0) {
            unsigned share;
            split_even((unsigned)atol(next), n, k, &share, 0, NULL);
            snprintf(buf[b], sizeof(buf[b]), "%u", share);
            args[a++] = buf[b++];
            i++;
        } else if (strcmp(arg, "-R") == 0) {
            double rps;
            split_even(0, n, k, &(unsigned){0}, atof(next), &rps);
            snprintf(buf[b], sizeof(buf[b]), "%.3f", rps);
            args[a++] = buf[b++];
            i++;
        } else if (strcmp(arg, "--seed") == 0) {
            snprintf(buf[b], sizeof(buf[b]), "%lu", strtoul(next, NULL, 10) + k);
            args[a++] = buf[b++];
            i++;
        }
    }
    args[a] = NULL;
    return a;
}

/* Two or more agents to an IPv4 loopback target are all on this machine: agent k of n
 * gets its own block of B = 254 / n source addresses, 127.0.0.(1 + k * B) onward, so
 * that their connections to the one port never share a source's ephemeral ports
 * (100,000 connections from 127.0.0.1 alone would need more than its ~28,000). Writes
 * the arguments (their text in from and sources, 16 bytes each) at args; returns how
 * many (0: none needed). */
static int source_block(const char *addr, unsigned k, unsigned n, const char **args, char *from,
                        char *sources)
{
    struct in_addr in;
    if (n < 2 || inet_pton(AF_INET, addr, &in) != 1 || ntohl(in.s_addr) >> 24 != 127)
        return 0;
    unsigned block = 254 / n;
    snprintf(from, 16, "%u", 1 + k * block);
    snprintf(sources, 16, "%u", block);
    args[0] = "--source-from";
    args[1] = from;
    args[2] = "--sources";
    args[3] = sources;
    return 4;
}

static int agent_begin(const struct bench_opts *o, const struct run_spec *spec, unsigned k,
                       unsigned n, int port, struct agent *ag)
{
    const char *args[MAX_ARGS + 48], *lg[MAX_ARGS + 8];
    char buf[8][32], cpus[256], threads[16], target[96], label[160], log[PATH_MAX + 200];
    char from[16], sources[16];
    int a = 0;
    ag->host = o->agents[k];
    bool here = host_is_local(ag->host);
    const char *dir = host_dir(o, ag->host);
    snprintf(ag->local, sizeof(ag->local), "%s/raw/%s.agent%u.json", o->out_dir, spec->name, k);
    if (here)
        snprintf(ag->json, sizeof(ag->json), "%s", ag->local);
    else
        snprintf(ag->json, sizeof(ag->json), "%s/%s.agent%u.json", dir, spec->name, k);
    snprintf(log, sizeof(log), "%s/%s.agent%u.loadgen.log", here ? o->out_dir : dir, spec->name, k);
    if (here)
        snprintf(log, sizeof(log), "%s/raw/%s.agent%u.loadgen.log", o->out_dir, spec->name, k);
    args[a++] = "run";
    args[a++] = "--sync";
    args[a++] = "--raise-nofile";
    args[a++] = "--stdout";
    args[a++] = "/dev/null";
    args[a++] = "--stderr";
    args[a++] = log;
    if (here && spec->nclient_cpus) {
        cpus_text(cpus, sizeof(cpus), spec->client_cpus, spec->nclient_cpus);
        args[a++] = "--cpus";
        args[a++] = cpus;
    }
    args[a++] = "--";
    args[a++] = "loadgen";
    agent_args(spec, k, n, lg, buf);
    for (int i = 0; lg[i]; i++)
        args[a++] = lg[i];
    snprintf(threads, sizeof(threads), "%u", o->loadgen_threads);
    snprintf(label, sizeof(label), "%s-agent%u", spec->name, k);
    const char *addr = o->listen_addr[0] ? o->listen_addr : "127.0.0.1";
    snprintf(target, sizeof(target), strchr(addr, ':') ? "[%s]:%d" : "%s:%d", addr, port);
    a += source_block(addr, k, n, args + a, from, sources);
    const char *tail[] = {"-t",  threads,  "--json", ag->json,           "--no-progress", "--label",
                          label, "--sync", "3",      "--per-connection", target,          NULL};
    for (int i = 0; tail[i]; i++)
        args[a++] = tail[i];
    args[a] = NULL;
    if (chan_start(o, ag->host, args, &ag->ch) < 0) {
        snprintf(ag->why, sizeof(ag->why), "cannot start agent %u on %s: %s", k, ag->host,
                 strerror(errno));
        ag->failed = true;
        return -1;
    }
    return 0;
}

/* What an agent's line says. */
static void agent_line(struct agent *ag, const char *line)
{
    char word[32];
    double rt = 0, mono = 0;
    if (sscanf(line, "sync %31s %lf %lf", word, &rt, &mono) >= 1) {
        for (int w = 0; w < NWORDS; w++)
            if (strcmp(word, words[w]) == 0)
                ag->said[w] = true;
        /* "sync t0 NS RT MONO": NS is loadgen's own t0, the window's start as its
         * workers count it, on its real-time clock (RT would be when the supervisor read
         * the line, later by the time loadgen's main thread and it took to wake). */
        if (strcmp(word, "t0") == 0)
            ag->t0_realtime_s = rt / 1e9;
    } else if (strncmp(line, "exit code ", 10) == 0) {
        ag->exit_code = atoi(line + 10);
        ag->failed |= ag->exit_code != 0;
        if (ag->exit_code)
            snprintf(ag->why, sizeof(ag->why), "loadgen on %s exited with status %d", ag->host,
                     ag->exit_code);
    } else if (strncmp(line, "exit signal ", 12) == 0) {
        ag->failed = true;
        snprintf(ag->why, sizeof(ag->why), "loadgen on %s was killed by signal %d", ag->host,
                 atoi(line + 12));
    } else if (strcmp(line, "gone") == 0) {
        ag->gone = true;
    } else if (strncmp(line, "error ", 6) == 0) {
        ag->failed = true;
        snprintf(ag->why, sizeof(ag->why), "agent on %.40s: %.200s", ag->host, line + 6);
    }
}

static void agent_other(void *arg, const char *line)
{
    agent_line(arg, line);
}

/* Reads what every agent has to say, for up to wait_ns. */
static void agents_read(struct agent *ag, unsigned n, uint64_t wait_ns)
{
    struct pollfd p[MAX_AGENTS];
    for (unsigned k = 0; k < n; k++)
        p[k] = (struct pollfd){.fd = ag[k].gone ? -1 : ag[k].ch.out, .events = POLLIN};
    if (poll(p, n, (int)(wait_ns / NS_PER_MS)) <= 0)
        return;
    for (unsigned k = 0; k < n; k++) {
        if (!p[k].revents)
            continue;
        char line[1024];
        int r;
        while ((r = chan_line(&ag[k].ch, line, sizeof(line), clock_now_ns())) == 1)
            agent_line(&ag[k], line);
        if (r < 0 && !ag[k].gone) {
            ag[k].gone = true;
            if (!ag[k].said[W_T1] && !ag[k].failed) {
                ag[k].failed = true;
                snprintf(ag[k].why, sizeof(ag[k].why), "the channel to the agent on %s dropped",
                         ag[k].host);
            }
        }
    }
}

/* Whether every agent still running has said word (and none failed). */
static bool all_said(const struct agent *ag, unsigned n, enum word w)
{
    for (unsigned k = 0; k < n; k++)
        if (ag[k].failed || !ag[k].said[w])
            return false;
    return true;
}

/* The barrier's answer: a ping first (its round trip), then "go" to each, the time of
 * each sent kept. The answers go out back to back, so the spread of their arrivals is
 * the spread of the sends plus half each round trip. */
static void answer_all(struct agent *ag, unsigned n, bool ping)
{
    char line[256];
    for (unsigned k = 0; ping && k < n; k++) {
        struct timespec a, b;
        double theirs;
        uint64_t t = clock_now_ns();
        clock_gettime(CLOCK_REALTIME, &a);
        if (chan_send(&ag[k].ch, "ping") == 0 &&
            chan_expect(&ag[k].ch, "pong ", line, sizeof(line), t + SAMPLE_NS, agent_other,
                        &ag[k]) == 1 &&
            sscanf(line + 5, "%lf", &theirs) == 1) {
            ag[k].rtt_ns = clock_now_ns() - t;
            clock_gettime(CLOCK_REALTIME, &b);
            /* Its clock read halfway through the round trip, as far as bench can tell. */
            double mid = ((double)a.tv_sec + (double)b.tv_sec) / 2 +
                         ((double)a.tv_nsec + (double)b.tv_nsec) / 2e9;
            ag[k].offset_s = theirs / 1e9 - mid;
            ag[k].have_offset = true;
        }
    }
    for (unsigned k = 0; k < n; k++) {
        ag[k].go_ns = clock_now_ns();
        chan_send(&ag[k].ch, "go");
    }
}

/* The start skew: each agent's t0 by its own clock, put on bench's by the offset the
 * ping measured (its clock against the middle of the round trip), max less min; good to
 * half the longest round trip. Before every agent has said t0: the spread of the
 * answers' estimated arrivals (sent + half the round trip). t0_spread_us is the agents'
 * clocks as they are (one host, or clocks kept in step). */
static void skew_of(const struct agent *ag, unsigned n, struct run_result *r)
{
    double lo = INFINITY, hi = -INFINITY, rtt = 0, t0lo = INFINITY, t0hi = -INFINITY;
    double clo = INFINITY, chi = -INFINITY;
    unsigned corrected = 0;
    for (unsigned k = 0; k < n; k++) {
        double at = (double)ag[k].go_ns + (double)ag[k].rtt_ns / 2;
        lo = fmin(lo, at);
        hi = fmax(hi, at);
        rtt = fmax(rtt, (double)ag[k].rtt_ns);
        if (ag[k].t0_realtime_s > 0) {
            t0lo = fmin(t0lo, ag[k].t0_realtime_s);
            t0hi = fmax(t0hi, ag[k].t0_realtime_s);
            if (ag[k].have_offset) {
                double mine = ag[k].t0_realtime_s - ag[k].offset_s;
                clo = fmin(clo, mine);
                chi = fmax(chi, mine);
                corrected++;
            }
        }
    }
    r->agents = n;
    r->start_skew_us = corrected == n && n ? (chi - clo) * 1e6 : n ? (hi - lo) / 1e3 : 0;
    r->skew_uncertainty_us = rtt / 2e3;
    r->t0_spread_us = t0hi >= t0lo ? (t0hi - t0lo) * 1e6 : NAN;
}

int run_hosts(const struct bench_opts *o, const struct run_spec *spec, struct run_result *r)
{
    struct server s = {0};
    struct agent ag[MAX_AGENTS];
    /* No more agents than connections: each needs one (loadgen's -c is 1 or more). */
    unsigned n = o->nagents, conns = 0;
    for (int i = 0; spec->loadgen_args[i] && spec->loadgen_args[i + 1]; i++)
        if (strcmp(spec->loadgen_args[i], "-c") == 0)
            conns = (unsigned)atol(spec->loadgen_args[i + 1]);
    if (conns && conns < n)
        n = conns;
    int port = 0;
    uint64_t t0 = clock_now_ns();
    struct tree base, primed = {0}, t1 = {0}, t;

    memset(r, 0, sizeof(*r));
    memset(ag, 0, sizeof(ag));
    r->server_elsewhere = !host_is_local(o->server_host);
    if (server_begin(o, spec, &s, &port, r) < 0)
        return r->status == RUN_OK ? -1 : 0;
    /* The baseline: two full readings alike (a server may still be forking), 2 s at most. */
    bool ok = server_sample(&s, true, &base);
    r->usage.base_readings = ok;
    for (int i = 0; ok && i < 20; i++) {
        clock_sleep_ns(100 * NS_PER_MS);
        if (!server_sample(&s, true, &t))
            break;
        r->usage.base_readings++;
        bool same = t.processes == base.processes && t.pss_anon_kib == base.pss_anon_kib;
        base = t;
        if (same) {
            r->usage.base_settled = true;
            break;
        }
    }
    r->usage.base_rss_kib = base.rss_kib;
    r->usage.base_pss_anon_kib = base.pss_anon_kib;
    usage_peak(&r->usage, &base, 0);

    for (unsigned k = 0; k < n; k++)
        agent_begin(o, spec, k, n, port, &ag[k]);
    bool answered[NWORDS] = {false};
    uint64_t deadline = t0 + spec->expected_ns + 60 * NS_PER_S, next_sample = 0;
    for (;;) {
        bool all_gone = true, any_failed = false;
        for (unsigned k = 0; k < n; k++) {
            all_gone &= ag[k].gone;
            any_failed |= ag[k].failed;
        }
        if (all_gone || any_failed || bench_interrupted || clock_now_ns() > deadline)
            break;
        agents_read(ag, n, 20 * NS_PER_MS);
        /* The server dying under load is the run's story, before its agents' errors. */
        char sl[2048];
        int got = 1;
        while (!s.exited && (got = chan_line(&s.ch, sl, sizeof(sl), clock_now_ns())) == 1)
            server_other(&s, sl);
        if (!s.exited && got < 0 && r->status == RUN_OK) {
            r->status = RUN_CRASHED;
            snprintf(r->detail, sizeof(r->detail),
                     "the channel to the server on %s dropped during the run (the host, its "
                     "ssh, or its supervisor went away)",
                     s.ch.host);
        }
        if (s.exited && r->status == RUN_OK) {
            r->status = RUN_CRASHED;
            snprintf(r->detail, sizeof(r->detail), "the server on %s %s %d during the run",
                     s.ch.host, s.signal ? "was killed by signal" : "exited with status",
                     s.signal ? s.signal : s.code);
        }
        if (!answered[W_IDLE_UP] && all_said(ag, n, W_IDLE_UP)) {
            answered[W_IDLE_UP] = true;
            /* Until the server has taken in the idle clients: its tree still for three
             * readings 100 ms apart, at most settle_ns. */
            uint64_t from = clock_now_ns(), until = from + spec->settle_ns;
            int same = 0, lp = -1, lt = -1;
            bool read = true;
            r->usage.settle_changed_s = 0;
            while (same < 3 && clock_now_ns() < until && (read = server_sample(&s, false, &t))) {
                usage_peak(&r->usage, &t, 0);
                same = t.processes == lp && t.threads == lt ? same + 1 : 0;
                if (same == 0 && lp >= 0) /* still taking them in; the first has no before */
                    r->usage.settle_changed_s = (double)(clock_now_ns() - from) / 1e9;
                lp = t.processes;
                lt = t.threads;
                clock_sleep_ns(100 * NS_PER_MS);
            }
            r->usage.settle_s = (double)(clock_now_ns() - from) / 1e9;
            r->usage.settle_capped = same < 3 && read;
            answer_all(ag, n, false);
        }
        if (!answered[W_PRIMED] && all_said(ag, n, W_PRIMED)) {
            answered[W_PRIMED] = true;
            if (server_sample(&s, true, &primed))
                usage_peak(&r->usage, &primed, 0);
            answer_all(ag, n, true);
            skew_of(ag, n, r);
        }
        if (answered[W_PRIMED] && !answered[W_T1] && clock_now_ns() >= next_sample &&
            server_sample(&s, false, &t)) {
            usage_peak(&r->usage, &t, 0);
            next_sample = clock_now_ns() + o->duration_ns / 5;
        }
        if (!answered[W_T1] && all_said(ag, n, W_T1)) {
            answered[W_T1] = true;
            if (server_sample(&s, false, &t1))
                usage_peak(&r->usage, &t1, 0);
            answer_all(ag, n, false);
        }
    }
    /* An agent that failed may have failed because the server died: its supervisor's
     * word on it is given half a second to come, and comes first. */
    bool agent_failed = false;
    for (unsigned k = 0; k < n; k++)
        agent_failed |= ag[k].failed;
    char sl[2048];
    for (uint64_t until = clock_now_ns() + 500 * NS_PER_MS;
         agent_failed && !s.exited && chan_line(&s.ch, sl, sizeof(sl), until) == 1;)
        server_other(&s, sl);
    if (s.exited && r->status == RUN_OK) {
        r->status = RUN_CRASHED;
        snprintf(r->detail, sizeof(r->detail), "the server on %s %s %d during the run", s.ch.host,
                 s.signal ? "was killed by signal" : "exited with status",
                 s.signal ? s.signal : s.code);
    }
    skew_of(ag, n, r); /* with the agents' t0 clocks now */
    r->skew_over = r->start_skew_us * 1e3 > (double)o->skew_bound_ns;
    if (r->skew_over)
        fprintf(stderr,
                "\nbench: warning: %s: the agents' windows started %.0f us apart (+- %.0f), past "
                "--skew-bound %.0f us\n",
                spec->name, r->start_skew_us, r->skew_uncertainty_us,
                (double)o->skew_bound_ns / 1e3);
    for (unsigned k = 0; k < n; k++)
        if (ag[k].failed && r->status == RUN_OK) {
            r->status = RUN_LOADGEN_FAILED;
            snprintf(r->detail, sizeof(r->detail), "agent %u: %s", k, ag[k].why);
        }
    if (r->status == RUN_OK && bench_interrupted) {
        r->status = RUN_INTERRUPTED;
        snprintf(r->detail, sizeof(r->detail), "bench was interrupted");
    } else if (r->status == RUN_OK && clock_now_ns() > deadline) {
        r->status = RUN_LOADGEN_FAILED;
        size_t at = (size_t)snprintf(r->detail, sizeof(r->detail),
                                     "the agents ran past their deadline; still running:");
        for (unsigned k = 0; k < n && at < sizeof(r->detail); k++)
            if (!ag[k].gone)
                at += (size_t)snprintf(r->detail + at, sizeof(r->detail) - at, " agent %u on %s", k,
                                       ag[k].host);
    }
    for (unsigned k = 0; k < n; k++)
        chan_close(&ag[k].ch, STOP_NS); /* an agent still running is killed with its group */
    if (answered[W_PRIMED] && answered[W_T1]) {
        r->usage.have_window_cpu = true;
        r->usage.primed_pss_anon_kib = primed.pss_anon_kib;
        r->usage.window_cpu_s =
            t1.cpu_ns >= primed.cpu_ns ? (double)(t1.cpu_ns - primed.cpu_ns) / 1e9 : NAN;
    }
    server_end(&s, r);
    /* The logs of what ran elsewhere, beside the rest under raw/ (before the folders go). */
    char here[PATH_MAX + 200];
    if (!host_is_local(o->server_host)) {
        snprintf(here, sizeof(here), "%s/raw/%s.server.log", o->out_dir, spec->name);
        host_fetch(o, o->server_host, s.log, here);
    }
    for (unsigned k = 0; k < n; k++)
        if (!host_is_local(ag[k].host)) {
            char there[PATH_MAX + 200];
            snprintf(there, sizeof(there), "%s/%s.agent%u.loadgen.log", host_dir(o, ag[k].host),
                     spec->name, k);
            snprintf(here, sizeof(here), "%s/raw/%s.agent%u.loadgen.log", o->out_dir, spec->name,
                     k);
            host_fetch(o, ag[k].host, there, here);
        }

    /* Every agent's run JSON under raw/, and their merge as the point's. */
    json_t *runs[MAX_AGENTS];
    unsigned got = 0;
    for (unsigned k = 0; k < n && r->status == RUN_OK; k++) {
        char why[256];
        if (!host_is_local(ag[k].host) && host_fetch(o, ag[k].host, ag[k].json, ag[k].local) < 0) {
            r->status = RUN_LOADGEN_FAILED;
            snprintf(r->detail, sizeof(r->detail), "agent %u: cannot fetch %s from %s", k,
                     ag[k].json, ag[k].host);
            break;
        }
        runs[got] = json_read_file(ag[k].local, why, sizeof(why));
        if (!runs[got]) {
            r->status = RUN_LOADGEN_FAILED;
            snprintf(r->detail, sizeof(r->detail), "agent %u: %s", k, why);
            break;
        }
        got++;
    }
    if (r->status == RUN_OK) {
        char err[256], path[PATH_MAX + 200];
        r->loadgen = merge_runs(runs, got, err, sizeof(err));
        if (!r->loadgen) {
            r->status = RUN_LOADGEN_FAILED;
            snprintf(r->detail, sizeof(r->detail), "the agents' runs do not merge: %s", err);
        } else {
            snprintf(path, sizeof(path), "%s/raw/%s.json", o->out_dir, spec->name);
            json_write_atomic(r->loadgen, path);
        }
    }
    for (unsigned k = 0; k < got; k++)
        json_decref(runs[k]);
    keep_server_stats(o, spec, r);
    r->wall_s = (double)(clock_now_ns() - t0) / 1e9;
    return 0;
}
