/* The order of the trials at one point: which model runs next. */
#ifndef ECHOBENCH_ORDER_H
#define ECHOBENCH_ORDER_H

#include <stdbool.h>
#include <stdint.h>

#define ORDER_MAX_MODELS 32 /* bench.h's MAX_MODELS */

/* What the order remembers between rounds. */
struct order {
    uint64_t rng;                    /* the seeded generator's state */
    int last;                        /* the model run last, or -1 */
    unsigned round;                  /* rounds drawn so far */
    unsigned prev[ORDER_MAX_MODELS]; /* the previous round's order */
    unsigned nprev;
};

/* Starts the order of a point; the same seed gives the same order. last is the model
 * that ran last before the point (the previous point's, in this scenario or the one
 * before: the whole run is one sequence), or -1 at the run's first point. */
void order_init(struct order *o, uint64_t seed, int last);

/* The next round: the models m (of nmodels) with runs[m], in the order to run them,
 * into out. Returns how many. */
unsigned order_round(struct order *o, const bool *runs, unsigned nmodels, unsigned *out);

/* Says that model m has just run (or tried to), so the next round does not start
 * with it. */
void order_ran(struct order *o, unsigned m);

#endif
