/* Reading /proc: see procfs.h. */
#include "procfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

int proc_read_small(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, len - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    return 0;
}

int proc_open_fds(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

long proc_status_kib(pid_t pid, const char *field)
{
    char path[64], line[256];
    size_t len = strlen(field);
    long kib = -1;
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, field, len) == 0 && line[len] == ':' &&
            sscanf(line + len + 1, "%ld", &kib) == 1)
            break;
    fclose(f);
    return kib;
}

int proc_user_tasks(uid_t uid)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    int n = 0;
    if (!d)
        return -1;
    while ((e = readdir(d)) != NULL) {
        char path[300], line[256];
        unsigned real = 0;
        int threads = 0;
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof(path), "/proc/%s/status", e->d_name);
        FILE *f = fopen(path, "re");
        if (!f)
            continue; /* it has just exited */
        while (fgets(line, sizeof(line), f)) {
            sscanf(line, "Uid: %u", &real);
            sscanf(line, "Threads: %d", &threads);
        }
        fclose(f);
        if (real == uid)
            n += threads;
    }
    closedir(d);
    return n;
}

int proc_stat_read(const char *pid, struct proc_stat *st)
{
    char path[300], buf[1024];
    snprintf(path, sizeof(path), "/proc/%.255s/stat", pid);
    if (proc_read_small(path, buf, sizeof(buf)) < 0)
        return -1;
    /* The command name, in parentheses, may hold spaces and parentheses itself. */
    const char *p = strrchr(buf, ')');
    if (!p || sscanf(p + 2,
                     "%c %d %d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %ld %ld %*d %*d %d %*d %*u "
                     "%*u %ld",
                     &st->state, &st->ppid, &st->pgrp, &st->utime, &st->stime, &st->cutime,
                     &st->cstime, &st->threads, &st->rss_pages) != 9)
        return -1;
    return 0;
}

int proc_cpu_ticks_read(const char *path, struct proc_cpu_ticks *per_cpu, int max)
{
    char line[512];
    int top = 0;

    /* Line by line: the file goes on with the interrupt counts, thousands of numbers
     * long, after the CPU lines, which are all that is read. */
    FILE *f = fopen(path ? path : "/proc/stat", "re");
    if (!f)
        return -1;
    memset(per_cpu, 0, sizeof(*per_cpu) * (size_t)max);
    while (fgets(line, sizeof(line), f) && strncmp(line, "cpu", 3) == 0) {
        struct proc_cpu_ticks t = {0};
        char *end;
        if (line[3] < '0' || line[3] > '9')
            continue; /* the all-CPU line, "cpu  ..." */
        errno = 0;
        long cpu = strtol(line + 3, &end, 10);
        if (errno || cpu >= max)
            continue;
        if (sscanf(end, "%llu %llu %llu %llu %llu %llu %llu %llu", &t.user, &t.nice, &t.system,
                   &t.idle, &t.iowait, &t.irq, &t.softirq, &t.steal) < 4)
            continue;
        per_cpu[cpu] = t;
        if (cpu + 1 > top)
            top = (int)cpu + 1;
    }
    fclose(f);
    if (top == 0) {
        errno = ENODATA;
        return -1;
    }
    return top;
}

double proc_ticks_s(unsigned long long ticks)
{
    long hz = sysconf(_SC_CLK_TCK);
    return (double)ticks / (double)(hz > 0 ? hz : 100);
}

const char *const proc_irq_accounting_names[] = {
    [PROC_IRQ_UNKNOWN] = "unknown",
    [PROC_IRQ_TICK] = "tick",
    [PROC_IRQ_TIME] = "irq_time",
};

/* Reads the kernel config text from f: whether it sets CONFIG_IRQ_TIME_ACCOUNTING. */
static enum proc_irq_accounting irq_accounting_in(FILE *f)
{
    char line[256];
    enum proc_irq_accounting a = PROC_IRQ_UNKNOWN;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "CONFIG_IRQ_TIME_ACCOUNTING=y", 28) == 0)
            a = PROC_IRQ_TIME;
        else if (strncmp(line, "# CONFIG_IRQ_TIME_ACCOUNTING is not set", 39) == 0)
            a = PROC_IRQ_TICK;
    }
    return a;
}

enum proc_irq_accounting proc_irq_accounting(void)
{
    static int known = -1;
    if (known >= 0)
        return (enum proc_irq_accounting)known;
    enum proc_irq_accounting a = PROC_IRQ_UNKNOWN;
    struct utsname u;
    char path[128];
    FILE *f = NULL;
    if (uname(&u) == 0) {
        snprintf(path, sizeof(path), "/boot/config-%.64s", u.release);
        f = fopen(path, "re");
    }
    if (f) {
        a = irq_accounting_in(f);
        fclose(f);
    } else if (access("/proc/config.gz", R_OK) == 0 &&
               (f = popen("gzip -dc /proc/config.gz 2>/dev/null", "re"))) {
        a = irq_accounting_in(f);
        pclose(f);
    }
    known = (int)a;
    return a;
}

int proc_cpu_share(const struct proc_cpu_ticks *t0, const struct proc_cpu_ticks *t1, int ncpus,
                   const int *cpus, unsigned n, double known_s, double window_s,
                   enum proc_irq_accounting acct, struct proc_cpu_share *out)
{
    unsigned long long busy = 0, steal = 0, softirq = 0, irq = 0;
    unsigned count = n ? n : (unsigned)ncpus;

    if (!(window_s > 0) || count == 0)
        return -1;
    for (unsigned i = 0; i < count; i++) {
        int c = n ? cpus[i] : (int)i;
        if (c < 0 || c >= ncpus)
            return -1;
        const struct proc_cpu_ticks *a = &t0[c], *b = &t1[c];
        if (b->user + b->nice + b->system < a->user + a->nice + a->system || b->steal < a->steal ||
            b->softirq < a->softirq || b->irq < a->irq)
            return -1;
        busy += (b->user + b->nice + b->system) - (a->user + a->nice + a->system);
        steal += b->steal - a->steal;
        softirq += b->softirq - a->softirq;
        irq += b->irq - a->irq;
    }
    double whole = window_s * count;
    /* With tick accounting the known tasks' times hold the interrupt ticks they took,
     * so those count as busy too; otherwise (or not knowing) only what no interrupt
     * took, which can only understate others. */
    if (acct == PROC_IRQ_TICK)
        busy += softirq + irq;
    double others = proc_ticks_s(busy) - known_s;
    out->others = others > 0 ? others / whole : 0;
    out->steal = proc_ticks_s(steal) / whole;
    out->softirq = proc_ticks_s(softirq) / whole;
    out->irq = proc_ticks_s(irq) / whole;
    return 0;
}
