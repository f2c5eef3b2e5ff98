/* One run across hosts: the server and loadgen's agents each under an echobench-remote,
 * here or over ssh (agents.c). */
#ifndef ECHOBENCH_AGENTS_H
#define ECHOBENCH_AGENTS_H

#include "bench.h"

/* Whether the options ask for more than run_one's one local loadgen beside a local
 * server: several agents, an agent elsewhere, or the server elsewhere. */
bool run_needs_hosts(const struct bench_opts *o);

/* Does one run as run_one does, across the hosts of the options. Returns 0 (r says how
 * it went), or -1 when the run could not be attempted at all. */
int run_hosts(const struct bench_opts *o, const struct run_spec *spec, struct run_result *r);

#endif
