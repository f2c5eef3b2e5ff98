/* The capacity scenario's two halves: the ramp (capacity.c) and the verdict of a step
 * from its evidence (capacity_verdict.c). */
#ifndef ECHOBENCH_CAPACITY_H
#define ECHOBENCH_CAPACITY_H

#include "suite.h"

/* The latency target: --slo's first p99 (else its first), or p99 within 100 ms. */
struct capacity_target {
    double percentile, bound_us;
    const char *metric; /* the trial's figure it bounds */
    char text[40];
    bool from_slo;
};

/* The limits every step runs against. -1: unlimited or unread. */
struct capacity_machine {
    long nofile_soft, nofile_hard, pid_max, threads_max, nproc;
    bool root;
};

void capacity_target_of(const struct bench_opts *o, struct capacity_target *t);

/* Reads this machine's limits into mc. Returns them as the scenario's "limits", a new
 * reference. */
json_t *capacity_machine_read(struct capacity_machine *mc);

/* The capacity object of a step that ran: from its trial record, loadgen's run JSON (lg,
 * or NULL) and the evidence, held or failed with its cause and why; cap_s the step's cap.
 * Returns a new reference, or NULL when out of memory. */
json_t *capacity_judge(json_t *trial, json_t *lg, const struct capacity_target *tg,
                       const struct capacity_machine *mc, unsigned agents, double cap_s);

/* The capacity object of a step that did not run (skipped, capped): the verdict, why and
 * what it knows; the rest null. Returns a new reference. */
json_t *capacity_unrun(unsigned idle, unsigned agents, const struct capacity_target *tg,
                       const char *verdict, const char *why);

/* What a connection of a held step (its capacity object) costs, in KiB: the larger of
 * the server's and kernel's (the tree's memory per connection, with the rise of the
 * kernel's own memory, kernel_memory_kib, and its TCP buffers, kernel_tcp_kib, less an
 * allowance of 64 MiB for the rest of the machine, over the connections held) and the
 * machine's (MemAvailable's fall, machine_memory_kib, less the same allowance,
 * machine_memory_allowance_kib, over the connections held; none within it). Both are the
 * whole machine's readings: what other processes took meanwhile is in them, and over a
 * small step a large step would multiply it. basis gets the figures and which counted.
 * NAN when the tree's figure or the connections held are unknown. */
double capacity_memory_each_kib(json_t *held, char *basis, size_t len);

/* obj's number at key, or NAN when it is none. */
double capacity_num(json_t *obj, const char *key);

#endif
