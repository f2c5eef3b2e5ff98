/* The open loop's arrival schedules, one per active connection: when each request is
 * intended. Plain computation (no loop, no clock), so a unit test links it alone. */
#ifndef ECHOBENCH_LOADGEN_ARRIVALS_H
#define ECHOBENCH_LOADGEN_ARRIVALS_H

#include <stdint.h>

enum lg_arrivals { ARR_UNIFORM, ARR_POISSON };

/* Where one connection's schedule stands: request seq is intended at `at` (ns,
 * CLOCK_MONOTONIC). A cursor only moves forward; a copy of it walks ahead without
 * moving the original (the window's end counts what was due but unsent so). */
struct arr_cursor {
    uint64_t seq;
    uint64_t at;
    uint64_t base; /* uniform: the intended time of request 0 */
    uint64_t rng;  /* poisson: the splitmix64 state the next gap is drawn from */
};

/* The splitmix64 generator (Steele, Lea, Flood 2014, as in xoshiro's seeding): the
 * next 64-bit output; advances *state. */
uint64_t arr_splitmix64(uint64_t *state);

/* A uniform double in (0, 1], from the top 53 bits of the next output: never 0, so
 * its logarithm is finite. */
double arr_unit(uint64_t *state);

/* An exponentially distributed gap of mean mean_ns, by inverse transform of
 * arr_unit, rounded to integer nanoseconds. */
uint64_t arr_exp_gap_ns(uint64_t *state, double mean_ns);

/* The generator state of connection index's schedule under seed: a splitmix64 mix of
 * both, so connections draw from unrelated places in the generator's period, and the
 * same seed and index give the same stream whatever the threads. */
uint64_t arr_stream(uint64_t seed, uint32_t index);

/* Starts connection index's schedule at request seq (a primed connection has used
 * sequence numbers already) for rate requests per second over connections
 * connections, from start: uniform, request seq at start + index/rate, one every
 * connections/rate after; poisson, the first after one exponential gap of mean
 * connections/rate from start, each next after another. */
void arr_begin(struct arr_cursor *cur, enum lg_arrivals kind, uint64_t seed, uint32_t index,
               uint64_t seq, uint64_t start, double rate, unsigned connections);

/* Moves the cursor to the next request; interval_ns is connections/rate in ns, the
 * mean gap of one connection. */
void arr_step(struct arr_cursor *cur, enum lg_arrivals kind, double interval_ns);

/* "uniform" or "poisson". */
const char *arr_name(enum lg_arrivals kind);

#endif
