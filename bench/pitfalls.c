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
#include <math.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
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
#define SETTLE_NS        (NS_PER_S)
#define GRACE_NS         (NS_PER_S) /* at the end, for the echoes that came late */
#define SPARE_UID_FROM   61000      /* no-reap as root: the first uid tried (spare_uid) */

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

/* What a client got: its own line back within the reply timeout (served), or later,
 * within the grace at the end (late); nothing (unserved: its connection still open,
 * served by no one); the server ended its connection without an echo (ended: refused,
 * shed, closed under it); bytes that are not its line (wrong); or no connection at all
 * (not_connected: connect failed, on either side: the error says which). */
enum outcome { PENDING, SERVED, LATE, UNSERVED, ENDED, WRONG, NOT_CONNECTED, NOUTCOMES };
static const char *const outcome_names[] = {"pending", "served", "late",         "unserved",
                                            "ended",   "wrong",  "not_connected"};

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
static bool census_settled(pid_t pid, struct census *c)
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
    return same >= 3;
}

static json_t *count_or_null(long v)
{
    return v >= 0 ? json_integer(v) : json_null();
}

/* The clients of one run: each one's outcome, the ones kept open for the grace, and
 * what connect said when it failed. */
struct driver {
    int port;
    uint64_t t0;
    unsigned made, total;
    unsigned char *out; /* each client's outcome (enum outcome), by its number less one */
    float *at_s;        /* when it was known, seconds from the first client */
    struct client *held;
    unsigned nheld, held_max;
    unsigned count[NOUTCOMES];
    double slowest_s; /* the slowest echo that came within the reply timeout */
    json_t *connect_errors;
};

static double since(const struct driver *d)
{
    return (double)(clock_now_ns() - d->t0) / 1e9;
}

static json_t *sample_json(const struct census *c, const struct driver *d, double t_s)
{
    unsigned served = d ? d->count[SERVED] + d->count[LATE] : 0, made = d ? d->made : 0;
    return json_pack("{s:i,s:f,s:i,s:i,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "clients", (int)made, "t_s",
                     round_to(t_s, 4), "served", (int)served, "misserved", (int)(made - served),
                     "zombies", count_or_null(c->zombies), "processes", count_or_null(c->processes),
                     "threads", count_or_null(c->threads), "fds", count_or_null(c->fds), "rss_kib",
                     count_or_null(c->rss_kib), "vm_kib", count_or_null(c->vm_kib), "maps",
                     count_or_null(c->maps));
}

/* ---- the clients ---- */

struct client {
    int fd;
    unsigned no; /* its number, from 1 */
    enum outcome out;
    char line[48], back[48];
    size_t len, got;
    uint64_t sent_ns, done_ns; /* its line sent; its outcome known */
    double due_s;              /* held: when its reply timeout passed (from the first client) */
};

/* A connection to the server from 127.0.0.N, N going round 2 to 254: each source
 * address has ports of its own, so the tens of thousands of connections of a run (and
 * their TIME_WAIT) do not run this side out of ports. Returns the descriptor, or -1 with
 * errno. */
static int connect_to(int port, unsigned no)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    struct sockaddr_in from = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    from.sin_addr.s_addr = htonl(INADDR_LOOPBACK + 1 + no % 253);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    if (fd < 0)
        return -1;
    /* The port is chosen at connect, for the pair of addresses, not at bind. */
    setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
    /* A server past its backlog would leave connect retrying its SYN: a second at most. */
    struct timeval tv = {.tv_sec = 1};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (bind(fd, (struct sockaddr *)&from, sizeof(from)) < 0 ||
        connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

/* What a readable client's connection brings: more of its echo, the end, or bytes that
 * are not its line. late: past the reply timeout, so a full echo is LATE. */
static void client_read(struct client *c, bool late)
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
            c->out = late ? LATE : SERVED;
    }
    if (c->out != PENDING)
        c->done_ns = clock_now_ns();
}

static void settle_client(struct driver *d, struct client *c, enum outcome out)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    d->out[c->no - 1] = (unsigned char)out;
    d->at_s[c->no - 1] = (float)(out == UNSERVED && c->due_s > 0 ? c->due_s : since(d));
    d->count[out]++;
}

/* Reads the clients c[0..n) until each has its outcome or the deadline passes (a last
 * look then, without waiting). */
static void await(struct client *c, unsigned n, uint64_t deadline, bool late)
{
    struct pollfd *p = malloc(sizeof(*p) * (n ? n : 1));
    unsigned *who = malloc(sizeof(*who) * (n ? n : 1));
    if (!p || !who) {
        free(p);
        free(who);
        return; /* no memory: they stay pending, and are counted unserved */
    }
    for (bool last = false; !last;) {
        unsigned np = 0;
        for (unsigned i = 0; i < n; i++)
            if (c[i].out == PENDING) {
                p[np] = (struct pollfd){.fd = c[i].fd, .events = POLLIN};
                who[np++] = i;
            }
        uint64_t now = clock_now_ns();
        last = now >= deadline;
        if (np == 0)
            break;
        int ready = poll(p, np, last ? 0 : (int)((deadline - now + NS_PER_MS - 1) / NS_PER_MS));
        if (ready < 0 && errno != EINTR)
            break;
        for (unsigned k = 0; ready > 0 && k < np; k++)
            if (p[k].revents)
                client_read(&c[who[k]], late);
    }
    free(p);
    free(who);
}

static void connect_error(struct driver *d, int err)
{
    const char *name = strerrorname_np(err);
    json_t *n = json_object_get(d->connect_errors, name ? name : "unknown");
    json_object_set_new(d->connect_errors, name ? name : "unknown",
                        json_integer(n ? json_integer_value(n) + 1 : 1));
}

/* One wave of n clients: each connects and sends its line, and the wave waits for
 * their echoes, REPLY_TIMEOUT_MS at most. A client with no echo by then is kept open
 * for the grace at the end (held), while there is room. */
static void wave(struct driver *d, unsigned n)
{
    struct client c[WAVE];
    for (unsigned i = 0; i < n; i++) {
        c[i] = (struct client){.no = d->made + i + 1, .out = PENDING};
        c[i].len = (size_t)snprintf(c[i].line, sizeof(c[i].line), "pitfalls client %u\n", c[i].no);
        c[i].fd = connect_to(d->port, c[i].no);
        if (c[i].fd < 0) {
            connect_error(d, errno);
            c[i].out = NOT_CONNECTED;
            continue;
        }
        c[i].sent_ns = clock_now_ns();
        if (send(c[i].fd, c[i].line, c[i].len, MSG_NOSIGNAL) != (ssize_t)c[i].len)
            c[i].out = ENDED; /* reset at once */
    }
    await(c, n, clock_now_ns() + REPLY_TIMEOUT_MS * NS_PER_MS, false);
    for (unsigned i = 0; i < n; i++) {
        if (c[i].out == SERVED && (double)(c[i].done_ns - c[i].sent_ns) / 1e9 > d->slowest_s)
            d->slowest_s = (double)(c[i].done_ns - c[i].sent_ns) / 1e9;
        if (c[i].out == PENDING && d->nheld < d->held_max) {
            c[i].due_s = since(d);
            d->held[d->nheld++] = c[i]; /* its fd stays open */
        } else
            settle_client(d, &c[i], c[i].out == PENDING ? UNSERVED : c[i].out);
    }
    d->made += n;
}

/* The grace at the end: the held clients' echoes may still come (a server that was
 * slow, not wrong), GRACE_NS at most for all of them. */
static void grace(struct driver *d)
{
    await(d->held, d->nheld, clock_now_ns() + GRACE_NS, true);
    for (unsigned i = 0; i < d->nheld; i++)
        settle_client(d, &d->held[i], d->held[i].out == PENDING ? UNSERVED : d->held[i].out);
    d->nheld = 0;
}

/* The first client not served, in the order they came (late ones were served). */
static json_t *first_failure(const struct driver *d)
{
    for (unsigned i = 0; i < d->made; i++)
        if (d->out[i] != SERVED && d->out[i] != LATE)
            return json_pack("{s:i,s:f,s:s}", "client", (int)i + 1, "t_s", round_to(d->at_s[i], 4),
                             "outcome", outcome_names[d->out[i]]);
    return json_null();
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

/* "1 task", "3 tasks". */
static const char *plural(int n, const char *one, const char *more)
{
    return n == 1 ? one : more;
}

/* A uid with no user of its own and no task running: one that only this pair's servers
 * use, so that RLIMIT_NPROC's count is theirs alone (nobody may run other things, such
 * as the tests of echo-process's pitfalls). 0 when none is free. */
static uid_t spare_uid(const struct bench_opts *o, const char *model)
{
    for (uid_t uid = SPARE_UID_FROM; uid < SPARE_UID_FROM + 64; uid++)
        if (!getpwuid(uid) && proc_user_tasks(uid) == 0 && can_run_as(o, uid, model))
            return uid;
    return 0;
}

/* The limits both runs of a pair get, so that the pitfall's failure shows within the
 * scenario, and the clients they make. Every pair gets its RLIMIT_NOFILE, so that
 * nothing of bench's own limit reaches the servers. Records "limit" (or null),
 * "limit_note", and in *room the children or descriptors the limit leaves (0: none). */
static void limit_for(const struct bench_opts *o, const struct pitfall *pf, unsigned base,
                      struct server_limits *lim, unsigned *clients, unsigned *room, json_t *pair)
{
    char text[320] = "", note[512] = "";
    const char *name = NULL;
    unsigned long value = 0;
    *lim = (struct server_limits){.nofile = NOFILE_LIMIT};
    *clients = base;
    *room = 0;
    if (strcmp(pf->name, "no-reap") == 0) {
        /* The zombies fill RLIMIT_NPROC, which counts every task of the real user and
         * binds only an unprivileged one: as root the pair runs as a uid of its own. */
        unsigned want = base / 2 < NPROC_ROOM ? base / 2 : NPROC_ROOM;
        uid_t uid = geteuid() == 0 ? spare_uid(o, pf->model) : getuid();
        int tasks = uid || geteuid() != 0 ? proc_user_tasks(uid) : -1;
        if (geteuid() == 0 && !uid) {
            snprintf(note, sizeof(note),
                     "none: root is exempt from RLIMIT_NPROC, and no spare uid (%d to %d) can "
                     "run %.200s/echo-%s here, so the zombies are counted but fork does not fail",
                     SPARE_UID_FROM, SPARE_UID_FROM + 63, o->bin_dir, pf->model);
        } else if (tasks < 0) {
            snprintf(note, sizeof(note),
                     "none: the tasks of uid %d cannot be counted (/proc), so no limit is set "
                     "and the zombies are counted only",
                     (int)uid);
        } else {
            struct rlimit rl;
            value = (unsigned long)tasks + 1 + want;
            if (geteuid() != 0 && getrlimit(RLIMIT_NPROC, &rl) == 0 &&
                rl.rlim_max != RLIM_INFINITY && value > rl.rlim_max)
                value = rl.rlim_max;
            lim->nproc = value;
            lim->uid = geteuid() == 0 ? uid : 0;
            *room = (unsigned)(value - (unsigned long)tasks - 1);
            name = "RLIMIT_NPROC";
            snprintf(text, sizeof(text),
                     "RLIMIT_NPROC %lu for uid %d (%s), which had %d %s running: room for the "
                     "server and %u children",
                     value, (int)uid,
                     geteuid() == 0 ? "no user of its own: these servers' alone"
                                    : "this user: its other tasks count too",
                     tasks, plural(tasks, "task", "tasks"), *room);
        }
    } else if (strcmp(pf->name, "no-close") == 0) {
        /* Half the clients, and 32 for the server's own, at most the common default. */
        value = base / 2 + 32 < NOFILE_LIMIT ? base / 2 + 32 : NOFILE_LIMIT;
        lim->nofile = value;
        *room = (unsigned)value;
        name = "RLIMIT_NOFILE";
        snprintf(text, sizeof(text), "RLIMIT_NOFILE %lu, soft and hard%s", value,
                 value == NOFILE_LIMIT ? " (the common default)" : " (half the clients and 32)");
    } else if (strcmp(pf->name, "racy-connfd") == 0) {
        /* Each connection no thread serves stays open in the server: room for all. */
        lim->nofile = base + 64;
        snprintf(note, sizeof(note),
                 "none binds: RLIMIT_NOFILE %u, room for every client; echo-thread widens its "
                 "race window to 2 ms (RACY_DELAY_NS) under this pitfall so that it shows at "
                 "this scale",
                 base + 64);
    } else {
        /* Each leaked stack is two maps (the stack and its guard): at vm.max_map_count
         * mprotect of a new stack fails (ENOMEM) and so does pthread_create (EAGAIN).
         * The full suite makes clients past it, up to DETACH_MAX. */
        long maps = max_map_count();
        if (maps > 0 && !o->quick && !points_override(o, "pitfalls"))
            *clients = (unsigned)(maps / 2 + 2000 < DETACH_MAX ? maps / 2 + 2000 : DETACH_MAX);
        if (maps > 0)
            snprintf(note, sizeof(note),
                     "none set: vm.max_map_count %ld binds, each leaked stack taking 2 maps (the "
                     "stack and its guard page), so pthread_create fails near %ld clients%s",
                     maps, maps / 2,
                     maps / 2 >= (long)*clients ? ", past the clients this run makes" : "");
        else
            snprintf(note, sizeof(note),
                     "none set: vm.max_map_count cannot be read here, so where the leak binds is "
                     "not known");
    }
    json_object_set_new(pair, "clients", json_integer(*clients));
    json_object_set_new(
        pair, "limit",
        name ? json_pack("{s:s,s:I,s:s}", "name", name, "value", (json_int_t)value, "text", text)
             : json_null());
    if (note[0])
        json_object_set_new(pair, "limit_note", json_string(note));
}

/* The limits and user a server runs under, from /proc: what a pair's two runs must
 * share. */
static json_t *limits_of(pid_t pid)
{
    char path[64], line[256];
    long nofile = -1, nproc = -1, uid = -1;
    snprintf(path, sizeof(path), "/proc/%d/limits", (int)pid);
    FILE *f = fopen(path, "re");
    while (f && fgets(line, sizeof(line), f)) {
        char soft[32];
        if (sscanf(line, "Max open files %31s", soft) == 1)
            nofile = strcmp(soft, "unlimited") == 0 ? -2 : atol(soft);
        else if (sscanf(line, "Max processes %31s", soft) == 1)
            nproc = strcmp(soft, "unlimited") == 0 ? -2 : atol(soft);
    }
    if (f)
        fclose(f);
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    f = fopen(path, "re");
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "Uid: %ld", &uid) == 1)
            break;
    if (f)
        fclose(f);
    return json_pack("{s:o,s:o,s:o}", "uid", count_or_null(uid), "nofile",
                     nofile == -2 ? json_string("unlimited") : count_or_null(nofile), "nproc",
                     nproc == -2 ? json_string("unlimited") : count_or_null(nproc));
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
    struct census base = {0}, fin = {0}, c;
    struct rlimit files;
    int out = -1, port = 0;
    bool settled = false, gone = false;
    double fin_t = 0;

    /* Room to keep the clients not served in time open for the grace: bench's own
     * descriptors, less a margin. */
    struct driver d = {.total = clients, .connect_errors = json_object()};
    d.out = calloc(clients, 1);
    d.at_s = calloc(clients, sizeof(*d.at_s));
    d.held_max = getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur > 512 + WAVE
                     ? (unsigned)(files.rlim_cur - 512 < clients ? files.rlim_cur - 512 : clients)
                     : 0;
    d.held = calloc(d.held_max ? d.held_max : 1, sizeof(*d.held));
    snprintf(err_path, sizeof(err_path), "%s/raw/pitfalls-%s-%s.server.log", o->out_dir, pf->name,
             pitfall ? "pitfall" : "correct");
    json_t *run = json_pack("{s:o}", "server_args",
                            pitfall ? json_pack("[s,s]", "--pitfall", pf->name) : json_array());
    json_t *samples = json_array();
    pid_t pid = -1;
    json_t *stats = NULL;
    if (!d.out || !d.at_s || !d.held) {
        memset(&r, 0, sizeof(r));
        r.status = RUN_FAILED_TO_START;
        snprintf(r.detail, sizeof(r.detail), "no memory for %u clients' outcomes", clients);
    } else {
        pid = server_start(o, pf->model, pitfall ? with : plain, lim, err_path, &out, &port, &r);
    }
    if (pid >= 0) {
        census_settled(pid, &base);
        json_object_set_new(run, "limits", limits_of(pid));
        unsigned every = (clients / NSAMPLES + WAVE - 1) / WAVE * WAVE;
        if (every < WAVE)
            every = WAVE;
        d.port = port;
        d.t0 = clock_now_ns();
        while (d.made < clients && !bench_interrupted) {
            wave(&d, clients - d.made < WAVE ? clients - d.made : WAVE);
            if (d.made % every == 0 || d.made == clients) {
                census_read(pid, &c);
                json_array_append_new(samples, sample_json(&c, &d, since(&d)));
            }
            if ((gone = server_exited(pid)))
                break; /* it died: server_stop says how */
        }
        grace(&d);
        json_object_set_new(run, "wall_s", json_real(round_to(since(&d), 3)));
        if (!gone) {
            settled = census_settled(pid, &fin);
            fin_t = since(&d);
        }
        if (d.made < clients && bench_interrupted) {
            r.status = RUN_INTERRUPTED;
            snprintf(r.detail, sizeof(r.detail), "bench was interrupted");
        }
        stats = server_stop(pid, out, fin.processes > 0 ? fin.processes : 1, &r);
    }
    unsigned served = d.count[SERVED] + d.count[LATE];
    json_object_set_new(run, "status", json_string(run_status_names[r.status]));
    json_object_set_new(run, "detail", json_string(r.detail));
    json_object_set_new(run, "clients", json_integer(d.made));
    json_object_set_new(run, "served", json_integer(served));
    json_object_set_new(run, "late", json_integer(d.count[LATE]));
    json_object_set_new(run, "unserved", json_integer(d.count[UNSERVED]));
    json_object_set_new(run, "ended", json_integer(d.count[ENDED]));
    json_object_set_new(run, "wrong", json_integer(d.count[WRONG]));
    json_object_set_new(run, "not_connected", json_integer(d.count[NOT_CONNECTED]));
    json_object_set_new(run, "connect_errors", d.connect_errors);
    json_object_set_new(run, "misserved", json_integer(d.made - served));
    json_object_set_new(run, "slowest_echo_ms",
                        d.count[SERVED] ? json_real(round_to(d.slowest_s * 1e3, 3)) : json_null());
    json_object_set_new(run, "first_failure", d.out ? first_failure(&d) : json_null());
    if (!json_object_get(run, "wall_s"))
        json_object_set_new(run, "wall_s", json_real(0));
    if (!json_object_get(run, "limits"))
        json_object_set_new(run, "limits", json_null());
    json_object_set_new(run, "baseline", pid >= 0 ? sample_json(&base, NULL, 0) : json_null());
    json_t *final = pid >= 0 && !gone ? sample_json(&fin, &d, fin_t) : json_null();
    if (json_is_object(final))
        json_object_set_new(final, "settled", json_boolean(settled));
    json_object_set_new(run, "final", final);
    json_object_set_new(run, "samples", samples);
    json_object_set_new(run, "server_stats", stats ? stats : json_null());
    s->runs_done++;

    char first[128] = "every client served";
    json_t *ff = json_object_get(run, "first_failure");
    if (pid < 0)
        snprintf(first, sizeof(first), "no client made");
    else if (json_is_object(ff))
        snprintf(first, sizeof(first), "first failure at client %lld (%s, %.2f s)",
                 (long long)json_integer_value(json_object_get(ff, "client")),
                 json_string_value(json_object_get(ff, "outcome")),
                 json_number_value(json_object_get(ff, "t_s")));
    if (o->progress)
        fprintf(stderr, "\r\033[K");
    fprintf(stderr, "bench: pitfalls    %-10s %-12s %-7s: %s%s%s, %u of %u served%s, %s\n",
            pf->model, pf->name, pitfall ? "pitfall" : "correct", run_status_names[r.status],
            r.detail[0] ? ": " : "", r.detail, served, d.made, d.count[LATE] ? " (some late)" : "",
            first);
    for (unsigned i = 0; i < d.nheld; i++)
        close(d.held[i].fd);
    free(d.held);
    free(d.out);
    free(d.at_s);
    return run;
}

/* Where a limit left room for so many children or descriptors, the pitfall should serve
 * about that many clients before its first failure: no-reap the room, no-close the
 * room less the descriptors it started with. When it served fewer or more (by more than
 * a wave), something else took some of the room (another task of the same user, one
 * running in another PID namespace), or the limit is not what binds: "limit_warning"
 * says so. */
static void room_check(const struct pitfall *pf, unsigned room, json_t *run, json_t *pair)
{
    json_t *base = json_object_get(run, "baseline");
    double served = json_number_value(json_object_get(run, "served"));
    double clients = json_number_value(json_object_get(run, "clients"));
    double expect = room;
    if (!room || !json_is_object(base) ||
        strcmp(json_string_value(json_object_get(run, "status")), "ok") != 0)
        return;
    if (strcmp(pf->name, "no-close") == 0)
        expect -= json_number_value(json_object_get(base, "fds"));
    if (expect >= clients || fabs(served - expect) <= WAVE)
        return;
    char text[256];
    snprintf(text, sizeof(text),
             "the limit left room for %.0f clients, and the pitfall served %.0f before its first "
             "failure: something else took some of the room, or another limit bound first",
             expect, served);
    json_object_set_new(pair, "limit_warning", json_string(text));
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

/* The clients run in bench itself: on loadgen's CPUs for the scenario, as loadgen
 * would, off the server's; back as they were after. */
static bool pin_to_clients(const struct bench_opts *o, cpu_set_t *was)
{
    cpu_set_t set;
    if (!o->nclient_cpus || sched_getaffinity(0, sizeof(*was), was) < 0)
        return false;
    CPU_ZERO(&set);
    for (unsigned i = 0; i < o->nclient_cpus; i++)
        CPU_SET(o->client_cpus[i], &set);
    return sched_setaffinity(0, sizeof(set), &set) == 0;
}

static int pitfall_pairs(struct suite *s, json_t *scj, unsigned base);

int run_pitfalls(struct suite *s, json_t *scj)
{
    unsigned base;
    cpu_set_t was;
    if (pitfalls_clients(s->o, &base) < 0)
        return -1; /* checked before the suite began */
    bool pinned = pin_to_clients(s->o, &was);
    int rc = pitfall_pairs(s, scj, base);
    if (pinned)
        sched_setaffinity(0, sizeof(was), &was);
    return rc;
}

/* The pairs, each pitfall run then its twin, bench.json rewritten after each run. */
static int pitfall_pairs(struct suite *s, json_t *scj, unsigned base)
{
    const struct bench_opts *o = s->o;
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
        unsigned clients, room;
        json_t *pair = json_pack("{s:s,s:s,s:s,s:s}", "pitfall", pf->name, "model", pf->model,
                                 "resource", pf->resource, "resource_label", pf->label);
        limit_for(o, pf, base, &lim, &clients, &room, pair);
        json_array_append_new(pairs, pair);
        if (o->progress)
            fprintf(stderr, "\r\033[Kpitfalls    %-10s %-12s pitfall, %u clients ...", pf->model,
                    pf->name, clients);
        json_t *run = pitfall_run(s, pf, true, clients, &lim);
        json_object_set_new(pair, "pitfall_run", run);
        room_check(pf, room, run, pair);
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
    size_t k;
    json_t *pair;
    bool any_ok = false;
    json_array_foreach(pairs, k, pair)
    {
        static const char *const runs[] = {"pitfall_run", "correct_run"};
        for (size_t w = 0; w < 2; w++) {
            json_t *st = json_object_get(json_object_get(pair, runs[w]), "status");
            any_ok |= json_is_string(st) && strcmp(json_string_value(st), "ok") == 0;
        }
    }
    if (!any_ok && !bench_interrupted) {
        json_object_set_new(scj, "status", json_string("failed"));
        json_object_set_new(scj, "note",
                            json_string("no run of the scenario ran ok: each run's status and "
                                        "detail say why"));
        return write_bench(s);
    }
    json_object_set_new(scj, "status", json_string(bench_interrupted ? "interrupted" : "done"));
    return write_bench(s);
}
