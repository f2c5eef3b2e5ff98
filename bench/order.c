/* The order of the trials at one point: see order.h. */
#include "order.h"

#include <string.h>

void order_init(struct order *o, uint64_t seed)
{
    memset(o, 0, sizeof(*o));
    o->rng = seed;
    o->last = -1;
}

unsigned order_round(struct order *o, const bool *runs, unsigned nmodels, unsigned *out)
{
    unsigned n = 0;
    o->round++;
    for (unsigned k = 0; k < nmodels; k++) {
        unsigned m = (k + o->round - 1) % nmodels;
        if (runs[m])
            out[n++] = m;
    }
    return n;
}

void order_ran(struct order *o, unsigned m)
{
    o->last = (int)m;
}
