/* The pitfalls scenario: each of the lecture's pitfalls (servers.md: echo-process
 * --pitfall no-reap and no-close, echo-thread --pitfall racy-connfd and no-detach) run
 * beside its correct twin, the same clients under the same limit, while bench reads
 * what each leaves behind: zombies, descriptors, threads, memory, and the clients it
 * failed.
 *
 * The clients come in waves of WAVE at once: each connects, sends a line of its own
 * and waits for its echo, REPLY_TIMEOUT_MS at most from the wave's sends; then the
 * wave closes and the next comes. A client is served when its own line comes back,
 * byte for byte; unserved when nothing comes back in time (the connection still open:
 * served by no one); ended when the server ends the connection without an echo
 * (refused, shed, closed under it); wrong when bytes come back that are not its line.
 * Every SAMPLE_EVERY-th of the clients, and once the tree has settled at the end, bench
 * reads the server's group from /proc. Each pair is run to show a failure within the
 * scenario where a limit makes one: see limit_for. */
#include "suite.h"

#include "clock.h"
#include "jsonio.h"
#include "procfs.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define WAVE             16
#define REPLY_TIMEOUT_MS 100
#define NSAMPLES         40
#define CLIENTS          2000  /* each pair's, the full suite's */
#define CLIENTS_QUICK    500   /* with --quick and --scenarios pitfalls */
#define NPROC_ROOM       1000  /* no-reap: children the process limit has room for */
#define NOFILE_LIMIT     1024  /* no-close: the common default soft limit */
#define DETACH_MAX       40000 /* no-detach: the most clients, past the map limit's failure */
#define NOBODY_UID       65534 /* no-reap as root: RLIMIT_NPROC binds only an unprivileged user */
#define SETTLE_NS        (NS_PER_S)

struct pitfall {
    const char *name, *model;
    const char *resource, *label; /* the headline resource: a key of a sample */
};

static const struct pitfall pitfalls[] = {
    {"no-reap", "process", "zombies", "zombie children"},
    {"no-close", "process", "fds", "descriptors open in the parent"},
    {"racy-connfd", "thread", "misserved", "clients not served"},
    {"no-detach", "thread", "vm_kib", "address space (VmSize)"},
};
#define NPITFALLS (sizeof(pitfalls) / sizeof(pitfalls[0]))

/* One reading of the server's group. A figure that could not be read is -1. */
struct census {
    int zombies, processes, threads, fds, maps;
    long rss_kib, vm_kib;
};

/* What the clients got, so far. */
struct tally {
    unsigned clients, served, unserved, ended, wrong;
    unsigned first; /* the first client not served, 1-based; 0: none */
    double first_t;
    const char *first_how;
};

enum outcome { PENDING, SERVED, UNSERVED, ENDED, WRONG };
static const char *const outcome_names[] = {"pending", "served", "unserved", "ended", "wrong"};

/* The memory mappings of pid (the lines of /proc/PID/maps), or -1 when it is gone: what
 * vm.max_map_count limits, and each thread stack left mapped adds two to. */
static int maps_count(pid_t pid)
{
    char path[64], buf[65536];
    snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC), n = 0;
    if (fd < 0)
        return -1;
    ssize_t got;
    while ((got = read(fd, buf, sizeof(buf))) > 0)
        for (ssize_t i = 0; i < got; i++)
            n += buf[i] == '\n';
    close(fd);
    return got < 0 ? -1 : n;
}

static void census_read(pid_t pid, struct census *c)
{
    static long page_kib;
    if (!page_kib)
        page_kib = sysconf(_SC_PAGESIZE) / 1024;
    *c = (struct census){0};
    DIR *d = opendir("/proc");
    struct dirent *e;
    if (!d) {
        *c = (struct census){-1, -1, -1, -1, -1, -1, -1};
        return;
    }
    while ((e = readdir(d)) != NULL) {
        struct proc_stat st;
        if (e->d_name[0] < '0' || e->d_name[0] > '9' || proc_stat_read(e->d_name, &st) < 0 ||
            st.pgrp != pid)
            continue;
        c->processes++;
        if (st.state == 'Z') {
            c->zombies += st.ppid == pid; /* its own children, waiting to be reaped */
            continue;
        }
        c->threads += st.threads;
        c->rss_kib += st.rss_pages * page_kib;
    }
    closedir(d);
    c->fds = proc_open_fds(pid);
    c->vm_kib = proc_status_kib(pid, "VmSize");
    c->maps = maps_count(pid);
}

static bool census_same(const struct census *a, const struct census *b)
{
    return a->zombies == b->zombies && a->processes == b->processes && a->threads == b->threads &&
           a->fds == b->fds;
}

/* Readings 100 ms apart until three in a row agree on the processes, zombies, threads
 * and descriptors (children exit, threads end, descriptors close a little after their
 * clients go), at most SETTLE_NS. */
static void census_settled(pid_t pid, struct census *c)
{
    struct census next;
    unsigned same = 1;
    uint64_t deadline = clock_now_ns() + SETTLE_NS;
    census_read(pid, c);
    while (same < 3 && clock_now_ns() < deadline) {
        clock_sleep_ns(100 * NS_PER_MS);
        census_read(pid, &next);
        same = census_same(c, &next) ? same + 1 : 1;
        *c = next;
    }
}

static json_t *count_or_null(long v)
{
    return v >= 0 ? json_integer(v) : json_null();
}

static json_t *sample_json(const struct census *c, const struct tally *t, double t_s)
{
    return json_pack("{s:i,s:f,s:i,s:i,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "clients", (int)t->clients,
                     "t_s", round_to(t_s, 4), "served", (int)t->served, "misserved",
                     (int)(t->clients - t->served), "zombies", count_or_null(c->zombies),
                     "processes", count_or_null(c->processes), "threads", count_or_null(c->threads),
                     "fds", count_or_null(c->fds), "rss_kib", count_or_null(c->rss_kib), "vm_kib",
                     count_or_null(c->vm_kib), "maps", count_or_null(c->maps));
}

/* ---- the clients ---- */

struct client {
    int fd;
    enum outcome out;
    char line[48], back[48];
    size_t len, got;
    double at_s; /* when its outcome was known, seconds from the first client */
};

static int connect_to(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    /* A server past its backlog would leave connect retrying its SYN: a second at most. */
    struct timeval tv = {.tv_sec = 1};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* What a readable client's connection brings: more of its echo, the end, or bytes that
 * are not its line. */
static void client_read(struct client *c, double now_s)
{
    ssize_t r = recv(c->fd, c->back + c->got, c->len - c->got, MSG_DONTWAIT);
    if (r < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (r <= 0) {
        c->out = ENDED;
    } else if (memcmp(c->back + c->got, c->line + c->got, (size_t)r) != 0) {
        c->out = WRONG;
    } else {
        c->got += (size_t)r;
        if (c->got == c->len)
            c->out = SERVED;
    }
    if (c->out != PENDING)
        c->at_s = now_s;
}

/* One wave of n clients, numbered from first + 1; tallied in their order. */
static void wave(int port, unsigned first, unsigned n, uint64_t t0, struct tally *t)
{
    struct client c[WAVE];
    unsigned pending = 0;
    for (unsigned i = 0; i < n; i++) {
        c[i] = (struct client){.out = PENDING};
        c[i].len =
            (size_t)snprintf(c[i].line, sizeof(c[i].line), "pitfalls client %u\n", first + i + 1);
        c[i].fd = connect_to(port);
        if (c[i].fd < 0 || send(c[i].fd, c[i].line, c[i].len, MSG_NOSIGNAL) != (ssize_t)c[i].len) {
            c[i].out = ENDED; /* refused, or reset at once */
            c[i].at_s = (double)(clock_now_ns() - t0) / 1e9;
            continue;
        }
        pending++;
    }
    uint64_t deadline = clock_now_ns() + REPLY_TIMEOUT_MS * NS_PER_MS;
    while (pending) {
        struct pollfd p[WAVE];
        unsigned who[WAVE], np = 0;
        uint64_t now = clock_now_ns();
        if (now >= deadline)
            break;
        for (unsigned i = 0; i < n; i++)
            if (c[i].out == PENDING) {
                p[np] = (struct pollfd){.fd = c[i].fd, .events = POLLIN};
                who[np++] = i;
            }
        int ready = poll(p, np, (int)((deadline - now + NS_PER_MS - 1) / NS_PER_MS));
        if (ready < 0 && errno != EINTR)
            break;
        double now_s = (double)(clock_now_ns() - t0) / 1e9;
        for (unsigned k = 0; ready > 0 && k < np; k++)
            if (p[k].revents) {
                client_read(&c[who[k]], now_s);
                pending -= c[who[k]].out != PENDING;
            }
    }
    double end_s = (double)(clock_now_ns() - t0) / 1e9;
    for (unsigned i = 0; i < n; i++) {
        if (c[i].out == PENDING) {
            c[i].out = UNSERVED;
            c[i].at_s = end_s;
        }
        if (c[i].fd >= 0)
            close(c[i].fd);
        t->clients++;
        t->served += c[i].out == SERVED;
        t->unserved += c[i].out == UNSERVED;
        t->ended += c[i].out == ENDED;
        t->wrong += c[i].out == WRONG;
        if (c[i].out != SERVED && !t->first) {
            t->first = first + i + 1;
            t->first_t = c[i].at_s;
            t->first_how = outcome_names[c[i].out];
        }
    }
}

/* ---- a pair ---- */

/* Whether uid may run echo-MODEL here (the binary and the folders above it). */
static bool can_run_as(const struct bench_opts *o, uid_t uid, const char *model)
{
    char path[PATH_MAX + 64];
    int status;
    snprintf(path, sizeof(path), "%s/echo-%s", o->bin_dir, model);
    pid_t pid = fork();
    if (pid < 0)
        return false;
    if (pid == 0)
        _exit(setgid(uid) == 0 && setuid(uid) == 0 && access(path, X_OK) == 0 ? 0 : 1);
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return false;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static long max_map_count(void)
{
    char buf[32];
    return proc_read_small("/proc/sys/vm/max_map_count", buf, sizeof(buf)) == 0 ? atol(buf) : -1;
}

/* The limit both runs of a pair get, so that the pitfall's failure shows within the
 * scenario, and the clients they make. Records "limit" (or null) and "limit_note". */
static void limit_for(const struct bench_opts *o, const struct pitfall *pf, unsigned base,
                      struct server_limits *lim, unsigned *clients, json_t *pair)
{
    char text[320] = "", note[512] = "";
    const char *name = NULL;
    unsigned long value = 0;
    *lim = (struct server_limits){0};
    *clients = base;
    if (strcmp(pf->name, "no-reap") == 0) {
        /* The zombies fill RLIMIT_NPROC, which counts every task of the real user and
         * binds only an unprivileged one: as root the pair runs as nobody. */
        uid_t uid = geteuid() == 0 ? NOBODY_UID : getuid();
        int tasks = proc_user_tasks(uid);
        if (geteuid() == 0 && !can_run_as(o, uid, pf->model)) {
            snprintf(note, sizeof(note),
                     "none: root is exempt from RLIMIT_NPROC, and user nobody (uid %d) cannot "
                     "run %.200s/echo-%s here, so the zombies are counted but fork does not fail",
                     NOBODY_UID, o->bin_dir, pf->model);
        } else if (tasks >= 0) {
            struct rlimit rl;
            value = (unsigned long)tasks + 1 + NPROC_ROOM;
            if (geteuid() != 0 && getrlimit(RLIMIT_NPROC, &rl) == 0 &&
                rl.rlim_max != RLIM_INFINITY && value > rl.rlim_max)
                value = rl.rlim_max;
            lim->nproc = value;
            lim->uid = geteuid() == 0 ? uid : 0;
            name = "RLIMIT_NPROC";
            snprintf(text, sizeof(text),
                     "RLIMIT_NPROC %lu for %s (uid %d), which had %d tasks: room for the "
                     "server and about %d children",
                     value, geteuid() == 0 ? "user nobody" : "this user", (int)uid, tasks,
                     (int)value - tasks - 1);
        }
    } else if (strcmp(pf->name, "no-close") == 0) {
        lim->nofile = NOFILE_LIMIT;
        name = "RLIMIT_NOFILE";
        value = NOFILE_LIMIT;
        snprintf(text, sizeof(text), "RLIMIT_NOFILE %d, soft and hard (the common default)",
                 NOFILE_LIMIT);
    } else if (strcmp(pf->name, "racy-connfd") == 0) {
        snprintf(note, sizeof(note),
                 "none: the race needs no limit; echo-thread widens its window to 2 ms "
                 "(RACY_DELAY_NS) under this pitfall so that it shows at this scale");
    } else {
        /* Each leaked stack is two maps (the stack and its guard): at vm.max_map_count
         * pthread_create fails. The full suite makes clients past it, up to DETACH_MAX. */
        long maps = max_map_count();
        if (maps > 0 && !o->quick && !points_override(o, "pitfalls"))
            *clients = (unsigned)(maps / 2 + 2000 < DETACH_MAX ? maps / 2 + 2000 : DETACH_MAX);
        if (maps > 0)
            snprintf(note, sizeof(note),
                     "vm.max_map_count %ld: each leaked stack takes 2 maps (the stack and its "
                     "guard page), so pthread_create fails near %ld clients%s",
                     maps, maps / 2,
                     maps / 2 >= (long)*clients ? ", past the clients this run makes" : "");
        else
            snprintf(note, sizeof(note), "vm.max_map_count cannot be read here");
    }
    json_object_set_new(pair, "clients", json_integer(*clients));
    json_object_set_new(
        pair, "limit",
        name ? json_pack("{s:s,s:i,s:s}", "name", name, "value", (json_int_t)value, "text", text)
             : json_null());
    if (note[0])
        json_object_set_new(pair, "limit_note", json_string(note));
}

/* Whether the server has exited (it stays a zombie for server_stop to reap). */
static bool server_exited(pid_t pid)
{
    siginfo_t si = {0};
    return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid;
}

/* One run of a pair: the pitfall (pitfall true) or the correct code. */
static json_t *pitfall_run(struct suite *s, const struct pitfall *pf, bool pitfall,
                           unsigned clients, const struct server_limits *lim)
{
    const struct bench_opts *o = s->o;
    const char *with[] = {"--pitfall", pf->name, NULL}, *plain[] = {NULL};
    char err_path[PATH_MAX + 96];
    struct run_result r;
    struct tally t = {0};
    struct census base = {0}, fin = {0}, c;
    int out = -1, port = 0;

    snprintf(err_path, sizeof(err_path), "%s/raw/pitfalls-%s-%s.server.log", o->out_dir, pf->name,
             pitfall ? "pitfall" : "correct");
    json_t *run = json_pack("{s:o}", "server_args",
                            pitfall ? json_pack("[s,s]", "--pitfall", pf->name) : json_array());
    json_t *samples = json_array();
    uint64_t t0 = clock_now_ns();
    pid_t pid = server_start(o, pf->model, pitfall ? with : plain, lim, err_path, &out, &port, &r);
    json_t *stats = NULL;
    if (pid >= 0) {
        census_settled(pid, &base);
        unsigned every = (clients / NSAMPLES + WAVE - 1) / WAVE * WAVE;
        if (every < WAVE)
            every = WAVE;
        t0 = clock_now_ns();
        for (unsigned k = 0; k < clients && !bench_interrupted; k += WAVE) {
            unsigned n = clients - k < WAVE ? clients - k : WAVE;
            wave(port, k, n, t0, &t);
            if (t.clients % every == 0 || t.clients == clients) {
                census_read(pid, &c);
                json_array_append_new(samples,
                                      sample_json(&c, &t, (double)(clock_now_ns() - t0) / 1e9));
            }
            if (server_exited(pid))
                break; /* it died: server_stop says how */
        }
        double wall = (double)(clock_now_ns() - t0) / 1e9;
        json_object_set_new(run, "wall_s", json_real(round_to(wall, 3)));
        census_settled(pid, &fin);
        if (bench_interrupted) {
            r.status = RUN_INTERRUPTED;
            snprintf(r.detail, sizeof(r.detail), "bench was interrupted");
        }
        stats = server_stop(pid, out, fin.processes > 0 ? fin.processes : 1, &r);
    }
    json_object_set_new(run, "status", json_string(run_status_names[r.status]));
    json_object_set_new(run, "detail", json_string(r.detail));
    json_object_set_new(run, "clients", json_integer(t.clients));
    json_object_set_new(run, "served", json_integer(t.served));
    json_object_set_new(run, "unserved", json_integer(t.unserved));
    json_object_set_new(run, "ended", json_integer(t.ended));
    json_object_set_new(run, "wrong", json_integer(t.wrong));
    json_object_set_new(run, "misserved", json_integer(t.clients - t.served));
    json_object_set_new(run, "first_failure",
                        t.first ? json_pack("{s:i,s:f,s:s}", "client", (int)t.first, "t_s",
                                            round_to(t.first_t, 4), "outcome", t.first_how)
                                : json_null());
    if (!json_object_get(run, "wall_s"))
        json_object_set_new(run, "wall_s", json_real(0));
    struct tally none = {0};
    json_object_set_new(run, "baseline", pid >= 0 ? sample_json(&base, &none, 0) : json_null());
    json_object_set_new(run, "final",
                        pid >= 0 ? sample_json(&fin, &t, (double)(clock_now_ns() - t0) / 1e9)
                                 : json_null());
    json_object_set_new(run, "samples", samples);
    json_object_set_new(run, "server_stats", stats ? stats : json_null());
    s->runs_done++;

    char first[96] = "every client served";
    if (t.first)
        snprintf(first, sizeof(first), "first failure at client %u (%s, %.2f s)", t.first,
                 t.first_how, t.first_t);
    if (o->progress)
        fprintf(stderr, "\r\033[K");
    fprintf(stderr, "bench: pitfalls    %-10s %-12s %-7s: %s%s%s, %u of %u served, %s\n", pf->model,
            pf->name, pitfall ? "pitfall" : "correct", run_status_names[r.status],
            r.detail[0] ? ": " : "", r.detail, t.served, t.clients, first);
    return run;
}

static bool model_asked(const struct bench_opts *o, const char *model)
{
    for (unsigned i = 0; i < o->nmodels; i++)
        if (strcmp(o->models[i], model) == 0)
            return true;
    return false;
}

int pitfalls_clients(const struct bench_opts *o, unsigned *clients)
{
    const char *over = points_override(o, "pitfalls");
    unsigned v[MAX_POINTS];
    *clients = o->quick ? CLIENTS_QUICK : CLIENTS;
    if (!over)
        return 0;
    int n = number_list("pitfalls", over, v, WAVE, DETACH_MAX);
    if (n != 1) {
        if (n > 1)
            fprintf(stderr, "bench: --points pitfalls= takes one number, the clients of each "
                            "pair (such as pitfalls=2000); not a list\n");
        return -1;
    }
    *clients = v[0];
    return 0;
}

int run_pitfalls(struct suite *s, json_t *scj)
{
    const struct bench_opts *o = s->o;
    unsigned base;
    if (pitfalls_clients(o, &base) < 0)
        return -1; /* checked before the suite began */
    json_object_set_new(scj, "settings",
                        json_pack("{s:i,s:i}", "wave", WAVE, "reply_timeout_ms", REPLY_TIMEOUT_MS));
    json_t *pairs = json_array();
    json_object_set_new(scj, "pairs", pairs);
    for (size_t i = 0; i < NPITFALLS && !bench_interrupted; i++) {
        const struct pitfall *pf = &pitfalls[i];
        char path[PATH_MAX + 64];
        snprintf(path, sizeof(path), "%s/echo-%s", o->bin_dir, pf->model);
        if (!model_asked(o, pf->model) || access(path, X_OK) != 0)
            continue;
        struct server_limits lim;
        unsigned clients;
        json_t *pair = json_pack("{s:s,s:s,s:s,s:s}", "pitfall", pf->name, "model", pf->model,
                                 "resource", pf->resource, "resource_label", pf->label);
        limit_for(o, pf, base, &lim, &clients, pair);
        json_array_append_new(pairs, pair);
        if (o->progress)
            fprintf(stderr, "\r\033[Kpitfalls    %-10s %-12s pitfall, %u clients ...", pf->model,
                    pf->name, clients);
        json_object_set_new(pair, "pitfall_run", pitfall_run(s, pf, true, clients, &lim));
        if (write_bench(s) < 0)
            return -1;
        if (bench_interrupted)
            break;
        if (o->progress)
            fprintf(stderr, "\r\033[Kpitfalls    %-10s %-12s correct, %u clients ...", pf->model,
                    pf->name, clients);
        json_object_set_new(pair, "correct_run", pitfall_run(s, pf, false, clients, &lim));
        if (write_bench(s) < 0)
            return -1;
    }
    if (json_array_size(pairs) == 0 && !bench_interrupted) {
        json_object_set_new(scj, "status", json_string("skipped"));
        json_object_set_new(scj, "note",
                            json_string("the pitfalls are echo-process's and echo-thread's, and "
                                        "neither is in --models or built here"));
        return write_bench(s);
    }
    json_object_set_new(scj, "status", json_string(bench_interrupted ? "interrupted" : "done"));
    return write_bench(s);
}
