/* Fairness over connections (fairness.h): loadgen's rule, shared with bench's merge. */
#include "fairness.h"

#include <stdlib.h>
#include <string.h>

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* In the open loop a connection is starved only when its schedule intended a request
 * in the window's first half: at a few requests per connection (the slow sweep's 10,000
 * connections) a Poisson schedule leaves some with none, which is the schedule, not
 * the server; and one due just before the window's end may be answered just after. */
struct fairness fairness_of(const uint64_t *per_conn, const uint64_t *due, unsigned n)
{
    struct fairness f = {0};
    for (unsigned i = 0; due && i < n; i++) {
        f.starved += per_conn[i] == 0 && due[i] > 0;
        f.nothing_due += due[i] == 0;
    }
    uint64_t *sorted = malloc(n * sizeof(*sorted));
    double sum = 0, sumsq = 0;

    if (!sorted || n == 0) {
        free(sorted);
        return f;
    }
    memcpy(sorted, per_conn, n * sizeof(*sorted));
    qsort(sorted, n, sizeof(*sorted), cmp_u64);
    for (unsigned i = 0; i < n; i++) {
        sum += (double)sorted[i];
        sumsq += (double)sorted[i] * (double)sorted[i];
        f.starved += !due && sorted[i] == 0;
    }
    f.jain = sumsq > 0 ? sum * sum / ((double)n * sumsq) : 0;
    f.min = sorted[0];
    f.median =
        n % 2 ? (double)sorted[n / 2] : ((double)sorted[n / 2 - 1] + (double)sorted[n / 2]) / 2.0;
    f.max = sorted[n - 1];
    free(sorted);
    return f;
}
