/* Reading a server's process tree from /proc: its CPU time, memory, threads and
 * processes, summed over every process of its process group. */
#ifndef ECHOBENCH_TREE_H
#define ECHOBENCH_TREE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* One reading of every process in the server's group. */
struct tree {
    uint64_t cpu_ns;   /* CPU time of the live processes and of the leader's reaped children */
    long rss_kib;      /* resident, summed */
    long pss_anon_kib; /* proportional anonymous memory, summed (a full reading only) */
    int threads, processes;
};

/* Reads every process of group pgid; full: its proportional memory too, which is dear.
 * A group that is gone reads as zeros. */
void tree_sample(pid_t pgid, bool full, struct tree *t);

/* The baseline of a server that has just said it is ready: full readings every
 * interval_ns until `need` readings in a row agree on the processes and Pss_Anon (a
 * server may still be forking its workers), at most timeout_ns. The last reading goes
 * into t. Returns true when it settled, false when the time ran out first. */
bool tree_baseline(pid_t pgid, uint64_t interval_ns, unsigned need, uint64_t timeout_ns,
                   struct tree *t, unsigned *readings);

#endif
