/* Reading /proc: small files whole, and a process's line of /proc/PID/stat. */
#ifndef ECHOBENCH_PROCFS_H
#define ECHOBENCH_PROCFS_H

#include <stddef.h>

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

/* Reads /proc/PID/stat, PID a number or "self". Returns 0, or -1 when the process is
 * gone or the line cannot be parsed. */
int proc_stat_read(const char *pid, struct proc_stat *st);

#endif
