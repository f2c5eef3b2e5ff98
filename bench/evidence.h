/* The capacity scenario's evidence of a run (struct limits_evidence, bench.h): what the
 * server's processes held against their limits and what the machine had left, read from
 * /proc by bench beside the tree's readings. */
#ifndef ECHOBENCH_EVIDENCE_H
#define ECHOBENCH_EVIDENCE_H

#include "bench.h"

/* The machine's side before the server starts: MemAvailable, the listen queues'
 * counters, the TCP sockets' memory; the server's fields unread (-1). */
void evidence_begin(struct limits_evidence *e);

/* One reading beside one of the tree's: the machine's tasks and MemAvailable, and when
 * procs (the tree is small, or the reading is a full one anyway) each process of group
 * pgid's descriptors (0: no server to read); full: the TCP sockets' memory too. */
void evidence_reading(struct limits_evidence *e, pid_t pgid, bool procs, bool full);

/* The listen queues' counters over the run. */
void evidence_end(struct limits_evidence *e);

/* The server of a run across hosts on this machine: the echo- process whose parent (its
 * supervisor) is a child of bench. 0 when there is none (yet). */
pid_t evidence_local_server(void);

/* The trial's "limits" object. Returns a new reference. */
json_t *evidence_json(const struct limits_evidence *e);

/* A number from /proc: the first of a one-line file such as /proc/sys/kernel/pid_max
 * (-1 when unreadable), and a field of /proc/meminfo in KiB (-1 when absent). */
long evidence_sysctl(const char *path);
long evidence_meminfo_kib(const char *field);

/* The tasks on the machine now, and those of processes owned by uid (what RLIMIT_NPROC
 * counts); -1 when unreadable. */
long evidence_machine_tasks(void);
long evidence_uid_tasks(uid_t uid);

/* The pids.max, pids.current and pids.events' "max" (times a fork failed on pids.max) of
 * pid's cgroup v2. Returns false (all -1) when it has none or no limit. */
bool evidence_cgroup_pids(pid_t pid, long *max, long *current, long *events);

#endif
