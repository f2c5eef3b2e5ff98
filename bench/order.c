/* The order of the trials at one point, carried on from the point before: see order.h. */
#include "order.h"

#include <string.h>

void order_init(struct order *o, uint64_t seed, int last)
{
    memset(o, 0, sizeof(*o));
    o->rng = seed ? seed : 0x9e3779b97f4a7c15ull; /* xorshift never leaves 0 */
    o->last = last;
}

/* xorshift64*: small, seeded, the same everywhere. */
static uint64_t next_random(struct order *o)
{
    o->rng ^= o->rng >> 12;
    o->rng ^= o->rng << 25;
    o->rng ^= o->rng >> 27;
    return o->rng * 2685821657736338717ull;
}

/* A seeded shuffle of the models that run, with two rules: the round does not start
 * with the model that ran last (no model twice in a row, across the boundary of two
 * rounds, whichever models are skipped), and, with three or more models, it is not the
 * order of the round before. With two models the rules leave one order (A B A B ...);
 * with one, none applies. */
unsigned order_round(struct order *o, const bool *runs, unsigned nmodels, unsigned *out)
{
    unsigned n = 0;
    for (unsigned m = 0; m < nmodels && m < ORDER_MAX_MODELS; m++)
        if (runs[m])
            out[n++] = m;
    for (unsigned i = n; i > 1; i--) { /* Fisher-Yates */
        unsigned j = (unsigned)(next_random(o) % i), x = out[i - 1];
        out[i - 1] = out[j];
        out[j] = x;
    }
    if (n > 1 && (int)out[0] == o->last) {
        unsigned j = 1 + (unsigned)(next_random(o) % (n - 1)), x = out[0];
        out[0] = out[j];
        out[j] = x;
    }
    /* The same order as before: swapping the second and third keeps the first. */
    if (n > 2 && n == o->nprev && memcmp(out, o->prev, n * sizeof(out[0])) == 0) {
        unsigned x = out[1];
        out[1] = out[2];
        out[2] = x;
    }
    memcpy(o->prev, out, n * sizeof(out[0]));
    o->nprev = n;
    o->round++;
    return n;
}

void order_ran(struct order *o, unsigned m)
{
    o->last = (int)m;
}
