/* Several loadgen agents' runs as one: the run JSON the rest of bench reads, merged
 * exactly where the figures allow it (docs/loadgen.md, "Merging agents' runs"); and
 * how a run's connections and rate are split over the agents. */
#ifndef ECHOBENCH_MERGE_H
#define ECHOBENCH_MERGE_H

#include <jansson.h>
#include <stddef.h>

/* Merges n (1 or more) agents' run JSONs (schema echobench.run/1, the same options
 * but for -c, -i, -t, -R, --cpus, --seed, --sources, --label) into one of the same
 * schema, with "agents": n and each agent's own figures in "agents_detail". Counts and
 * histograms are summed exactly; fairness is recomputed over every connection of
 * every agent when each run has "per_connection" (loadgen --per-connection), else it
 * is null with a warning; the timeline's p99 per bin is the largest of the agents'.
 * The runs are not changed. Returns a new reference, or NULL with err saying which
 * agent's run is wrong and how (a different schema or configuration, a missing
 * field), or that memory ran out. */
json_t *merge_runs(json_t *const *runs, unsigned n, char *err, size_t errlen);

/* Agent k's (0 to n - 1) share of total connections: total / n, plus one when
 * k < total % n (the first agents take the remainder), into *share; and when share_rps
 * is not NULL, its share of total_rps requests per second, total_rps / n each. With
 * total < n the last agents get 0 connections, which loadgen refuses (-c is 1 or
 * more): the caller starts fewer agents. */
void split_even(unsigned total, unsigned n, unsigned k, unsigned *share, double total_rps,
                double *share_rps);

#endif
