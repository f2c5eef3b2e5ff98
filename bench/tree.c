/* Reading a server's process tree: see tree.h. */
#include "tree.h"

#include "clock.h"
#include "procfs.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The CPU time of one process in nanoseconds, every thread it ever ran included: its
 * process CPU clock (the scheduler's own count, as CLOCK_PROCESS_CPUTIME_ID gives the
 * process itself), or, when the clock cannot be read, utime + stime from its stat line
 * (clock ticks; exited threads included too). Not /proc/PID/schedstat, which counts
 * one thread: a process of one live thread whose others came and went (echo-thread
 * under churn) lost their time. */
static uint64_t process_cpu_ns(pid_t pid, unsigned long utime, unsigned long stime, long hz)
{
    clockid_t clock;
    struct timespec ts;
    if (clock_getcpuclockid(pid, &clock) == 0 && clock_gettime(clock, &ts) == 0)
        return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
    return (uint64_t)(utime + stime) * (NS_PER_S / (uint64_t)hz);
}

static long pss_anon_kib(const char *pid)
{
    char path[300], buf[2048];
    snprintf(path, sizeof(path), "/proc/%s/smaps_rollup", pid);
    if (proc_read_small(path, buf, sizeof(buf)) < 0)
        return 0;
    const char *p = strstr(buf, "Pss_Anon:");
    return p ? atol(p + 9) : 0;
}

/* The leader's reaped children's CPU time (cutime + cstime, clock ticks), or -1 when
 * it is gone. */
static long reaped_ticks(pid_t pgid)
{
    char pid[24];
    struct proc_stat st;
    snprintf(pid, sizeof(pid), "%d", (int)pgid);
    return proc_stat_read(pid, &st) == 0 ? st.cutime + st.cstime : -1;
}

/* One sweep of /proc for the group's processes. */
static void sweep(pid_t pgid, bool full, struct tree *t, long page_kib, long hz)
{
    DIR *d = opendir("/proc");
    struct dirent *e;

    memset(t, 0, sizeof(*t));
    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        struct proc_stat st;
        if (proc_stat_read(e->d_name, &st) < 0 || st.pgrp != pgid)
            continue;
        t->cpu_ns += process_cpu_ns(atoi(e->d_name), st.utime, st.stime, hz);
        t->rss_kib += st.rss_pages * page_kib;
        if (full)
            t->pss_anon_kib += pss_anon_kib(e->d_name);
        t->threads += st.threads;
        t->processes++;
    }
    closedir(d);
}

/* A child's CPU counts while it lives (its own clock, in the sweep), and once the
 * leader has reaped it, through the leader's cutime + cstime: never both, never
 * neither. A child reaped during the sweep could be in both (read alive, then reaped
 * before the leader's count is read) or in neither, so the leader's count is read
 * before and after the sweep, and the sweep is done again (three times at most) when
 * it moved. Children the leader does not reap (SIGCHLD ignored, or orphans that come
 * to bench) are counted while they live only. */
void tree_sample(pid_t pgid, bool full, struct tree *t)
{
    static long page_kib, hz;

    if (!page_kib) {
        page_kib = sysconf(_SC_PAGESIZE) / 1024;
        hz = sysconf(_SC_CLK_TCK);
    }
    long before = reaped_ticks(pgid), after = before;
    for (int tries = 0; tries < 3; tries++) {
        sweep(pgid, full, t, page_kib, hz);
        after = reaped_ticks(pgid);
        if (after == before)
            break;
        before = after;
    }
    if (after > 0)
        t->cpu_ns += (uint64_t)after * (NS_PER_S / (uint64_t)hz);
}

bool tree_baseline(pid_t pgid, uint64_t interval_ns, unsigned need, uint64_t timeout_ns,
                   struct tree *t, unsigned *readings)
{
    uint64_t deadline = clock_now_ns() + timeout_ns;
    unsigned same = 1;
    tree_sample(pgid, true, t);
    *readings = 1;
    while (same < need) {
        if (clock_now_ns() + interval_ns > deadline)
            return false;
        clock_sleep_ns(interval_ns);
        struct tree next;
        tree_sample(pgid, true, &next);
        (*readings)++;
        same =
            next.processes == t->processes && next.pss_anon_kib == t->pss_anon_kib ? same + 1 : 1;
        *t = next;
    }
    return true;
}
