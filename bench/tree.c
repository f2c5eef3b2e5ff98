/* Reading a server's process tree: see tree.h. */
#include "tree.h"

#include "clock.h"
#include "procfs.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The CPU time of one process in nanoseconds: from schedstat (nanoseconds, but for one
 * thread) when it has one thread, from stat (clock ticks, all threads) otherwise. */
static uint64_t process_cpu_ns(const char *pid, int threads, unsigned long utime,
                               unsigned long stime)
{
    static long hz;
    char path[300], buf[256];
    unsigned long long run_ns;

    if (!hz)
        hz = sysconf(_SC_CLK_TCK);
    snprintf(path, sizeof(path), "/proc/%s/schedstat", pid);
    if (threads == 1 && proc_read_small(path, buf, sizeof(buf)) == 0 &&
        sscanf(buf, "%llu", &run_ns) == 1)
        return run_ns;
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

void tree_sample(pid_t pgid, bool full, struct tree *t)
{
    static long page_kib, hz;
    DIR *d = opendir("/proc");
    struct dirent *e;

    if (!page_kib) {
        page_kib = sysconf(_SC_PAGESIZE) / 1024;
        hz = sysconf(_SC_CLK_TCK);
    }
    memset(t, 0, sizeof(*t));
    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        struct proc_stat st;
        if (proc_stat_read(e->d_name, &st) < 0 || st.pgrp != pgid)
            continue;
        t->cpu_ns += process_cpu_ns(e->d_name, st.threads, st.utime, st.stime);
        if (atoi(e->d_name) == pgid) /* the leader: its reaped children count too */
            t->cpu_ns += (uint64_t)(st.cutime + st.cstime) * (NS_PER_S / (uint64_t)hz);
        t->rss_kib += st.rss_pages * page_kib;
        if (full)
            t->pss_anon_kib += pss_anon_kib(e->d_name);
        t->threads += st.threads;
        t->processes++;
    }
    closedir(d);
}

bool tree_baseline(pid_t pgid, uint64_t interval_ns, unsigned need, uint64_t timeout_ns,
                   struct tree *t, unsigned *readings)
{
    (void)interval_ns;
    (void)need;
    (void)timeout_ns;
    tree_sample(pgid, true, t);
    *readings = 1;
    return true;
}
