/* The capacity scenario's evidence of a run: see evidence.h. */
#include "evidence.h"

#include "procfs.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

long evidence_sysctl(const char *path)
{
    char buf[64];
    return proc_read_small(path, buf, sizeof(buf)) == 0 ? strtol(buf, NULL, 10) : -1;
}

long evidence_meminfo_kib(const char *field)
{
    char buf[8192];
    if (proc_read_small("/proc/meminfo", buf, sizeof(buf)) < 0)
        return -1;
    size_t len = strlen(field);
    for (const char *line = buf; line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
        if (strncmp(line, field, len) == 0 && line[len] == ':')
            return strtol(line + len + 1, NULL, 10);
    return -1;
}

/* TcpExt's counter name from /proc/net/netstat: a line of names, then one of values. */
static long tcpext(const char *name)
{
    char buf[16384];
    if (proc_read_small("/proc/net/netstat", buf, sizeof(buf)) < 0)
        return -1;
    char *names = strstr(buf, "TcpExt:");
    char *values = names ? strstr(names + 7, "TcpExt:") : NULL;
    if (!values)
        return -1;
    char *nl = strchr(names, '\n');
    if (nl)
        *nl = '\0';
    nl = strchr(values, '\n');
    if (nl)
        *nl = '\0';
    char *ns, *vs;
    strtok_r(names, " ", &ns); /* the "TcpExt:" words */
    strtok_r(values, " ", &vs);
    for (char *n = strtok_r(NULL, " ", &ns), *v = strtok_r(NULL, " ", &vs); n && v;
         n = strtok_r(NULL, " ", &ns), v = strtok_r(NULL, " ", &vs))
        if (strcmp(n, name) == 0)
            return strtol(v, NULL, 10);
    return -1;
}

/* The TCP sockets' memory from /proc/net/sockstat ("TCP: ... mem PAGES"), in KiB. */
static long tcp_mem_kib(void)
{
    char buf[1024];
    const char *mem;
    if (proc_read_small("/proc/net/sockstat", buf, sizeof(buf)) < 0 ||
        !(mem = strstr(buf, "TCP:")) || !(mem = strstr(mem, " mem ")))
        return -1;
    return strtol(mem + 5, NULL, 10) * (sysconf(_SC_PAGESIZE) / 1024);
}

/* The kernel's own memory, machine-wide: unreclaimable slab (sockets, inodes, epoll
 * items), kernel stacks and page tables. The page cache and user pages are not in it;
 * other processes' sockets and threads are. */
static long kernel_mem_kib(void)
{
    long slab = evidence_meminfo_kib("SUnreclaim"), stacks = evidence_meminfo_kib("KernelStack");
    long tables = evidence_meminfo_kib("PageTables");
    return slab < 0 || stacks < 0 || tables < 0 ? -1 : slab + stacks + tables;
}

/* The tasks on the machine: /proc/loadavg's "running/total". */
long evidence_machine_tasks(void)
{
    char buf[256];
    long total;
    if (proc_read_small("/proc/loadavg", buf, sizeof(buf)) < 0 ||
        sscanf(buf, "%*f %*f %*f %*d/%ld", &total) != 1)
        return -1;
    return total;
}

/* A soft or hard limit from /proc/PID/limits' line ("Max open files  1024  4096  files"):
 * -1 unlimited, -2 unreadable. */
static void limit_of(pid_t pid, const char *what, long *soft, long *hard)
{
    char path[64], buf[4096], s[32], h[32];
    snprintf(path, sizeof(path), "/proc/%d/limits", (int)pid);
    *soft = *hard = -2;
    const char *line;
    if (proc_read_small(path, buf, sizeof(buf)) < 0 || !(line = strstr(buf, what)) ||
        sscanf(line + strlen(what), "%31s %31s", s, h) != 2)
        return;
    *soft = strcmp(s, "unlimited") == 0 ? -1 : strtol(s, NULL, 10);
    *hard = strcmp(h, "unlimited") == 0 ? -1 : strtol(h, NULL, 10);
}

void evidence_begin(struct limits_evidence *e)
{
    memset(e, 0, sizeof(*e));
    e->taken = true;
    e->fds_max = e->fds_total = -1;
    e->nofile_soft = e->nofile_hard = e->nproc_soft = -2;
    e->tasks_machine_peak = evidence_machine_tasks();
    e->mem_available_before_kib = e->mem_available_lowest_kib =
        evidence_meminfo_kib("MemAvailable");
    e->mem_available_primed_kib = -1;
    e->cgroup_pids_max = e->cgroup_pids_peak = e->cgroup_pids_events_first = -1;
    e->cgroup_pids_events_max = e->uid_tasks_peak = -1;
    e->listen_overflows = tcpext("ListenOverflows");
    e->listen_drops = tcpext("ListenDrops");
    e->tcp_mem_before_kib = tcp_mem_kib();
    e->tcp_mem_peak_kib = -1;
    e->kernel_mem_before_kib = kernel_mem_kib();
    e->kernel_mem_primed_kib = -1;
}

/* Each process of group pgid's descriptors: the most one held (and its limits), and
 * the total. */
static void read_processes(struct limits_evidence *e, pid_t pgid)
{
    DIR *d = opendir("/proc");
    struct dirent *ent;
    int most = -1, total = 0;
    pid_t who = 0;
    if (!d)
        return;
    while ((ent = readdir(d)) != NULL) {
        struct proc_stat st;
        if (ent->d_name[0] < '0' || ent->d_name[0] > '9' || proc_stat_read(ent->d_name, &st) < 0 ||
            st.pgrp != pgid)
            continue;
        int n = proc_open_fds(atoi(ent->d_name));
        total += n > 0 ? n : 0;
        if (n > most) {
            most = n;
            who = atoi(ent->d_name);
        }
    }
    closedir(d);
    if (most < 0 || most < e->fds_max)
        return;
    e->fds_max = most;
    e->fds_total = total;
    e->fds_max_main = who == pgid;
    limit_of(who, "Max open files", &e->nofile_soft, &e->nofile_hard);
    long hard;
    limit_of(pgid, "Max processes", &e->nproc_soft, &hard);
}

void evidence_reading(struct limits_evidence *e, pid_t pgid, bool procs, bool full)
{
    long tasks = evidence_machine_tasks(), avail = evidence_meminfo_kib("MemAvailable");
    if (tasks > e->tasks_machine_peak)
        e->tasks_machine_peak = tasks;
    if (avail >= 0 && (e->mem_available_lowest_kib < 0 || avail < e->mem_available_lowest_kib))
        e->mem_available_lowest_kib = avail;
    if (pgid > 0 && procs)
        read_processes(e, pgid);
    if (full) {
        e->mem_available_primed_kib = avail;
        e->kernel_mem_primed_kib = kernel_mem_kib();
    }
    long max, cur, events;
    if (pgid > 0 && evidence_cgroup_pids(pgid, &max, &cur, &events)) {
        e->cgroup_pids_max = max;
        if (cur > e->cgroup_pids_peak)
            e->cgroup_pids_peak = cur;
        if (e->cgroup_pids_events_first < 0)
            e->cgroup_pids_events_first = events;
        if (events >= 0 && e->cgroup_pids_events_first >= 0)
            e->cgroup_pids_events_max = events - e->cgroup_pids_events_first;
    }
    /* RLIMIT_NPROC counts the uid's tasks: worth the scan only where it applies. */
    struct rlimit rl;
    if (full && geteuid() != 0 && getrlimit(RLIMIT_NPROC, &rl) == 0 &&
        rl.rlim_cur != RLIM_INFINITY) {
        long uid = evidence_uid_tasks(getuid());
        if (uid > e->uid_tasks_peak)
            e->uid_tasks_peak = uid;
    }
    long mem = full ? tcp_mem_kib() : -1;
    if (mem > e->tcp_mem_peak_kib)
        e->tcp_mem_peak_kib = mem;
}

void evidence_end(struct limits_evidence *e)
{
    long over = tcpext("ListenOverflows"), drops = tcpext("ListenDrops");
    e->listen_overflows = over >= 0 && e->listen_overflows >= 0 ? over - e->listen_overflows : -1;
    e->listen_drops = drops >= 0 && e->listen_drops >= 0 ? drops - e->listen_drops : -1;
}

pid_t evidence_local_server(void)
{
    DIR *d = opendir("/proc");
    struct dirent *ent;
    pid_t found = 0;
    if (!d)
        return 0;
    while (!found && (ent = readdir(d)) != NULL) {
        struct proc_stat st, parent;
        char ppid[24], path[300], comm[32];
        if (ent->d_name[0] < '0' || ent->d_name[0] > '9' || proc_stat_read(ent->d_name, &st) < 0)
            continue;
        snprintf(ppid, sizeof(ppid), "%d", st.ppid);
        snprintf(path, sizeof(path), "/proc/%s/comm", ent->d_name);
        if (st.ppid > 1 && proc_stat_read(ppid, &parent) == 0 && parent.ppid == getpid() &&
            proc_read_small(path, comm, sizeof(comm)) == 0 && strncmp(comm, "echo-", 5) == 0)
            found = atoi(ent->d_name);
    }
    closedir(d);
    return found;
}

/* A count, or null where it was not read (-1); a limit, or null when unlimited or
 * unread. */
static json_t *count_json(long v)
{
    return v >= 0 ? json_integer(v) : json_null();
}

json_t *evidence_json(const struct limits_evidence *e)
{
    /* Set one by one: a json_pack format and its arguments drift apart silently. */
    const struct {
        const char *key;
        long v;
    } counts[] = {
        {"fds_max_one_process", e->fds_max},
        {"fds_total", e->fds_total},
        {"nofile_soft", e->nofile_soft},
        {"nofile_hard", e->nofile_hard},
        {"nproc", e->nproc_soft},
        {"tasks_machine_peak", e->tasks_machine_peak},
        {"mem_available_kib_before", e->mem_available_before_kib},
        {"mem_available_kib_lowest", e->mem_available_lowest_kib},
        {"mem_available_kib_primed", e->mem_available_primed_kib},
        {"listen_overflows", e->listen_overflows},
        {"listen_drops", e->listen_drops},
        {"tcp_mem_kib_before", e->tcp_mem_before_kib},
        {"tcp_mem_kib_peak", e->tcp_mem_peak_kib},
        {"kernel_mem_kib_before", e->kernel_mem_before_kib},
        {"kernel_mem_kib_primed", e->kernel_mem_primed_kib},
        {"cgroup_pids_max", e->cgroup_pids_max},
        {"cgroup_pids_peak", e->cgroup_pids_peak},
        {"cgroup_pids_events_max", e->cgroup_pids_events_max},
        {"uid_tasks_peak", e->uid_tasks_peak},
    };
    json_t *o = json_object();
    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
        json_object_set_new(o, counts[i].key, count_json(counts[i].v));
    json_object_set_new(o, "fds_max_role",
                        e->fds_max < 0    ? json_null()
                        : e->fds_max_main ? json_string("main")
                                          : json_string("child"));
    return o;
}

long evidence_uid_tasks(uid_t uid)
{
    DIR *d = opendir("/proc");
    if (!d)
        return -1;
    long tasks = 0;
    struct dirent *de;
    char path[300], buf[4096];
    while ((de = readdir(d))) {
        struct stat st;
        snprintf(path, sizeof(path), "/proc/%s", de->d_name);
        if (de->d_name[0] < '0' || de->d_name[0] > '9' || stat(path, &st) != 0 || st.st_uid != uid)
            continue;
        snprintf(path, sizeof(path), "/proc/%s/status", de->d_name);
        const char *th;
        if (proc_read_small(path, buf, sizeof(buf)) >= 0 && (th = strstr(buf, "\nThreads:")))
            tasks += strtol(th + 9, NULL, 10);
    }
    closedir(d);
    return tasks;
}

bool evidence_cgroup_pids(pid_t pid, long *max, long *current, long *events)
{
    char path[PATH_MAX], buf[PATH_MAX];
    *max = *current = *events = -1;
    snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
    if (proc_read_small(path, buf, sizeof(buf)) < 0 || strncmp(buf, "0::", 3) != 0)
        return false; /* not cgroup v2 */
    buf[strcspn(buf, "\n")] = '\0';
    char dir[PATH_MAX + 32];
    snprintf(dir, sizeof(dir), "/sys/fs/cgroup%s", buf + 3);
    snprintf(path, sizeof(path), "%.*s/pids.max", (int)(sizeof(path) - 10), dir);
    char lim[64];
    if (proc_read_small(path, lim, sizeof(lim)) != 0 || strncmp(lim, "max", 3) == 0)
        return false; /* unreadable, or "max": no limit */
    *max = strtol(lim, NULL, 10);
    snprintf(path, sizeof(path), "%.*s/pids.current", (int)(sizeof(path) - 14), dir);
    *current = evidence_sysctl(path);
    snprintf(path, sizeof(path), "%.*s/pids.events", (int)(sizeof(path) - 13), dir);
    const char *at;
    if (proc_read_small(path, buf, sizeof(buf)) == 0 && (at = strstr(buf, "max ")))
        *events = strtol(at + 4, NULL, 10);
    return true;
}
