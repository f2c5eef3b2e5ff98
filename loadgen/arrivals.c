/* The open loop's arrival schedules. Each active connection has its own: uniform, its
 * requests evenly spread (connection g's request k at start + g/R + k*c/R); poisson,
 * exponential gaps of mean c/R drawn from its own generator. Per connection, not one
 * global schedule dealt round-robin: the superposition of c independent Poisson
 * processes of rate R/c is a Poisson process of rate R, so the whole load is exactly
 * Poisson and no worker waits on another for its next time; a global Poisson schedule
 * dealt round-robin would give each connection Erlang-c gaps, not exponential ones. */
#include "arrivals.h"

#include <math.h>

uint64_t arr_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

double arr_unit(uint64_t *state)
{
    /* (x + 1) / 2^53 for x in [0, 2^53): 2^-53 at the least, 1 at the most. */
    return (double)((arr_splitmix64(state) >> 11) + 1) * 0x1p-53;
}

uint64_t arr_exp_gap_ns(uint64_t *state, double mean_ns)
{
    return (uint64_t)llround(-log(arr_unit(state)) * mean_ns);
}

uint64_t arr_stream(uint64_t seed, uint32_t index)
{
    /* Two rounds: the seed's output, offset by the index, mixed again. Seeds and
     * indices that differ by one land far apart, not one step along the same
     * sequence. */
    uint64_t s = seed;
    uint64_t t = arr_splitmix64(&s) + index;
    return arr_splitmix64(&t);
}

void arr_begin(struct arr_cursor *cur, enum lg_arrivals kind, uint64_t seed, uint32_t index,
               uint64_t seq, uint64_t start, double rate, unsigned connections)
{
    double interval_ns = (double)connections * 1e9 / rate;

    cur->seq = seq;
    cur->rng = arr_stream(seed, index);
    if (kind == ARR_POISSON) {
        /* Memoryless: the first gap from the start is as any other. */
        cur->base = start;
        cur->at = start + arr_exp_gap_ns(&cur->rng, interval_ns);
    } else {
        uint64_t first = start + (uint64_t)((double)index * 1e9 / rate);
        cur->base = first - (uint64_t)((double)seq * interval_ns);
        cur->at = first;
    }
}

void arr_step(struct arr_cursor *cur, enum lg_arrivals kind, double interval_ns)
{
    cur->seq++;
    if (kind == ARR_POISSON)
        cur->at += arr_exp_gap_ns(&cur->rng, interval_ns);
    else /* from request 0, not from the last: no rounding error adds up */
        cur->at = cur->base + (uint64_t)((double)cur->seq * interval_ns);
}

const char *arr_name(enum lg_arrivals kind)
{
    return kind == ARR_POISSON ? "poisson" : "uniform";
}
