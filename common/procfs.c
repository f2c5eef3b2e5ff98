/* Reading /proc: see procfs.h. */
#include "procfs.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
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
