/* Fairness over connections: how evenly the completions were shared. loadgen reports
 * it over its own connections; bench's merge (bench/merge.c) recomputes it over every
 * connection of every agent, so both use this one rule. */
#ifndef ECHOBENCH_FAIRNESS_H
#define ECHOBENCH_FAIRNESS_H

#include <stdint.h>

struct fairness {
    double jain;
    double median; /* of an even count, the mean of the two middle ones */
    uint64_t min, max;
    unsigned starved;
    unsigned nothing_due; /* open loop: connections with nothing due in the window's first half */
};

/* Completions per active connection (per_conn, n of them): Jain's index (1 when all
 * are equal, 1/n when one gets everything), the spread, and the connections that got
 * nothing. In the open loop (due not NULL: the requests each connection's schedule
 * intended in the window's first half) a connection is starved only when it had one
 * due. All zero when n is 0 or memory is short. */
struct fairness fairness_of(const uint64_t *per_conn, const uint64_t *due, unsigned n);

#endif
