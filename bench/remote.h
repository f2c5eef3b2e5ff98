/* echobench-remote's two halves: starting the program (remote_start.c) and supervising
 * it (remote.c). The protocol is in docs/remote.md. */
#ifndef ECHOBENCH_REMOTE_H
#define ECHOBENCH_REMOTE_H

#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>

/* What `run` was asked to start, and how. */
struct remote_opts {
    bool sync, raise_nofile;
    cpu_set_t cpus;
    const char *cpus_text; /* NULL: not pinned */
    const char *stdout_path, *stderr_path;
    char *const *argv; /* PROGRAM ARGS..., NULL-terminated */
    char program[PATH_MAX];
};

/* What the supervisor holds of the running program. */
struct remote_child {
    pid_t pid; /* its leader and process group */
    int out;   /* the read end of its stdout, -1 when a file or at EOF */
    int sync;  /* our end of the --sync socket, -1 without or at EOF */
    bool exited;
    int status;
    struct rusage ru;
};

/* Starts o's program: in a process group of its own, dying with the caller, pinned to
 * o->cpus, its descriptors as docs/remote.md says. Returns 0 with c filled in (c->out
 * and c->sync the caller's to close), or -1 with err saying why; nothing of it runs
 * then (a child that failed before its exec has been reaped). */
int remote_start(const struct remote_opts *o, struct remote_child *c, char *err, size_t errlen);

#endif
