/* Reading /proc: small files whole, a process's line of /proc/PID/stat, and the per-CPU
 * lines of /proc/stat. */
#ifndef ECHOBENCH_PROCFS_H
#define ECHOBENCH_PROCFS_H

#include <stddef.h>
#include <sys/types.h>

/* The fields of /proc/PID/stat that echobench reads (proc(5)). */
struct proc_stat {
    char state; /* R, S, D, Z, ... */
    int ppid, pgrp, threads;
    unsigned long utime, stime; /* clock ticks */
    long cutime, cstime;        /* clock ticks of its reaped children */
    long rss_pages;
};

/* Reads a small file (under len - 1 bytes) into buf, NUL-terminated. Returns 0, or -1
 * when it cannot be opened or is empty. */
int proc_read_small(const char *path, char *buf, size_t len);

/* The open descriptors of process pid (the entries of /proc/PID/fd), or -1 when it is
 * gone or unreadable. */
int proc_open_fds(pid_t pid);

/* A "NAME: N kB" line of /proc/PID/status (field "VmSize", "VmRSS"), in KiB; -1 when the
 * process is gone or has no such line. */
long proc_status_kib(pid_t pid, const char *field);

/* The tasks (threads) whose real user is uid, the count RLIMIT_NPROC holds against its
 * limit; -1 when /proc cannot be read. */
int proc_user_tasks(uid_t uid);

/* Reads /proc/PID/stat, PID a number or "self". Returns 0, or -1 when the process is
 * gone or the line cannot be parsed. */
int proc_stat_read(const char *pid, struct proc_stat *st);

/* The most CPUs proc_cpu_ticks_read keeps (as cpu_set_t holds). */
#define PROC_MAX_CPUS 1024

/* One CPU's line of /proc/stat (proc(5)): time spent in each state since boot, in
 * clock ticks (USER_HZ, sysconf(_SC_CLK_TCK)). user includes guest time. Fields an
 * older kernel does not write read as 0. */
struct proc_cpu_ticks {
    unsigned long long user, nice, system, idle, iowait, irq, softirq, steal;
};

/* Reads the per-CPU lines "cpuN ..." of the /proc/stat-formatted file at path (NULL:
 * /proc/stat) into per_cpu[N], for N below max; CPUs absent from the file (offline)
 * read as zeros. Returns the highest N seen plus one, or -1 with errno when the file
 * cannot be read or holds no per-CPU line. */
int proc_cpu_ticks_read(const char *path, struct proc_cpu_ticks *per_cpu, int max);

/* How this kernel splits interrupt time between /proc/stat and the tasks' times. With
 * CONFIG_IRQ_TIME_ACCOUNTING the time spent in irq and softirq is measured and kept out
 * of the interrupted task's utime and stime; without it (tick accounting) a tick that
 * lands in softirq is charged to the running task but counted as softirq, not system,
 * in /proc/stat, so the loopback work a server does in its own syscalls is in its CPU
 * time and in the CPUs' softirq. */
enum proc_irq_accounting {
    PROC_IRQ_UNKNOWN, /* no kernel config to read */
    PROC_IRQ_TICK,    /* interrupt ticks are in the tasks' times too */
    PROC_IRQ_TIME,    /* interrupt time is in no task's time */
};

/* The running kernel's (from /boot/config-RELEASE or /proc/config.gz), read once. */
enum proc_irq_accounting proc_irq_accounting(void);
extern const char *const proc_irq_accounting_names[];

/* What else ran on a set of CPUs between two readings of /proc/stat: each a share of
 * window_s times the CPUs of the set. others: user, nice and system time (with tick
 * accounting, irq and softirq too, since the known tasks' times hold the interrupt
 * ticks they took), less known_s (the CPU time of what the caller knows ran there),
 * floored at 0; steal: time the hypervisor gave to another guest; softirq and irq:
 * interrupt work. */
struct proc_cpu_share {
    double others, steal, softirq, irq;
};

/* Fills *out for the CPUs cpus[0..n) (n 0: every CPU of the readings) from the readings
 * t0 and t1 (proc_cpu_ticks_read's, ncpus entries each, taken window_s apart). Returns
 * 0, or -1 when window_s is not positive, a CPU is past ncpus or a counter went back. */
int proc_cpu_share(const struct proc_cpu_ticks *t0, const struct proc_cpu_ticks *t1, int ncpus,
                   const int *cpus, unsigned n, double known_s, double window_s,
                   enum proc_irq_accounting acct, struct proc_cpu_share *out);

/* Clock ticks in seconds (sysconf(_SC_CLK_TCK), 100 where it says nothing). */
double proc_ticks_s(unsigned long long ticks);

#endif
