/* A log-linear histogram of nanosecond values. */
#include "hist.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Bucket b holds the values whose highest set bit is b + sub_bits - 1 (b >= 1), in
 * 2^(sub_bits-1) slots of width 2^b; bucket 0 holds 0 .. 2^sub_bits - 1 exactly. In
 * counts, a value's slot is b * half + (v >> b), where half = 2^(sub_bits-1): the
 * lower half of each bucket b >= 1 would repeat bucket b-1's upper half, so buckets
 * overlap by half and none is wasted. */
static unsigned bucket_of(const struct hist *h, uint64_t v)
{
    unsigned top = 63u - (unsigned)__builtin_clzll(v | 1u); /* highest set bit */
    return top < h->sub_bits ? 0 : top - h->sub_bits + 1;
}

static size_t index_of(const struct hist *h, uint64_t v)
{
    unsigned b = bucket_of(h, v);
    return ((size_t)b << (h->sub_bits - 1)) + (size_t)(v >> b);
}

/* The lowest value of slot i. */
static uint64_t value_at(const struct hist *h, size_t i)
{
    size_t half = (size_t)1 << (h->sub_bits - 1);
    if (i < 2 * half)
        return i;
    unsigned b = (unsigned)(i / half) - 1;
    uint64_t sub = (uint64_t)(i - (size_t)b * half);
    return sub << b;
}

int hist_init(struct hist *h, unsigned sub_bits, unsigned max_bits)
{
    memset(h, 0, sizeof(*h));
    if (sub_bits < 2 || sub_bits > 20 || max_bits <= sub_bits || max_bits > 62) {
        errno = EINVAL;
        return -1;
    }
    h->sub_bits = sub_bits;
    h->max_bits = max_bits;
    h->len = index_of(h, (1ull << max_bits) - 1) + 1;
    h->counts = calloc(h->len, sizeof(*h->counts));
    if (!h->counts)
        return -1;
    h->min = UINT64_MAX;
    return 0;
}

int hist_init_default(struct hist *h)
{
    return hist_init(h, HIST_SUB_BITS, HIST_MAX_BITS);
}

void hist_free(struct hist *h)
{
    free(h->counts);
    h->counts = NULL;
}

void hist_reset(struct hist *h)
{
    memset(h->counts, 0, h->len * sizeof(*h->counts));
    h->total = h->overflow = 0;
    h->min = UINT64_MAX;
    h->max = 0;
    h->sum = h->run_mean = h->m2 = 0;
}

void hist_record_n(struct hist *h, uint64_t v, uint64_t n)
{
    if (n == 0)
        return;
    if (v >= (1ull << h->max_bits)) {
        h->overflow += n;
        v = (1ull << h->max_bits) - 1;
    }
    h->counts[index_of(h, v)] += n;
    h->total += n;
    /* Welford's update, n values at once: stable whatever the values' size. */
    double delta = (double)v - h->run_mean;
    h->run_mean += delta * (double)n / (double)h->total;
    h->m2 += delta * ((double)v - h->run_mean) * (double)n;
    if (v < h->min)
        h->min = v;
    if (v > h->max)
        h->max = v;
    h->sum += (double)v * (double)n;
}

/* Chan et al.'s combination of two partial means and sums of squared deviations:
 * exact in exact arithmetic, so merging threads (or agents) loses nothing. */
static void merge_moments(struct hist *dst, const struct hist *src, uint64_t before)
{
    if (src->total == 0)
        return;
    if (before == 0) {
        dst->run_mean = src->run_mean;
        dst->m2 = src->m2;
        return;
    }
    double na = (double)before, nb = (double)src->total, n = na + nb;
    double delta = src->run_mean - dst->run_mean;
    dst->run_mean += delta * nb / n;
    dst->m2 += src->m2 + delta * delta * na * nb / n;
}

int hist_merge(struct hist *dst, const struct hist *src)
{
    if (dst->sub_bits != src->sub_bits || dst->max_bits != src->max_bits) {
        errno = EINVAL;
        return -1;
    }
    for (size_t i = 0; i < src->len; i++)
        dst->counts[i] += src->counts[i];
    uint64_t before = dst->total;
    dst->total += src->total;
    merge_moments(dst, src, before);
    dst->overflow += src->overflow;
    if (src->min < dst->min)
        dst->min = src->min;
    if (src->max > dst->max)
        dst->max = src->max;
    dst->sum += src->sum;
    return 0;
}

uint64_t hist_lowest_equivalent(const struct hist *h, uint64_t v)
{
    return value_at(h, index_of(h, v));
}

uint64_t hist_highest_equivalent(const struct hist *h, uint64_t v)
{
    return hist_lowest_equivalent(h, v) + (1ull << bucket_of(h, v)) - 1;
}

uint64_t hist_percentile(const struct hist *h, double p)
{
    if (h->total == 0)
        return 0;
    if (p < 0)
        p = 0;
    if (p > 100)
        p = 100;
    /* rank = ceil(p% of total), in integers with p to a millionth: in doubles 99.9% of
     * 1000 is 999.0000000000001, whose ceiling is one rank too far. */
    uint64_t q = (uint64_t)llround(p * 10000.0), whole = h->total / 1000000,
             part = h->total % 1000000;
    uint64_t rank = whole * q + (part * q + 999999) / 1000000;
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < h->len; i++) {
        seen += h->counts[i];
        if (seen >= rank) {
            uint64_t v = hist_highest_equivalent(h, value_at(h, i));
            return v < h->min ? h->min : v > h->max ? h->max : v;
        }
    }
    return h->max;
}

double hist_mean(const struct hist *h)
{
    return h->total ? h->sum / (double)h->total : 0.0;
}

double hist_stdev(const struct hist *h)
{
    if (h->total < 2)
        return 0.0;
    double var = h->m2 / (double)h->total;
    return var > 0 ? sqrt(var) : 0.0;
}

int hist_next(const struct hist *h, size_t *cursor, uint64_t *upper, uint64_t *count)
{
    for (size_t i = *cursor; i < h->len; i++) {
        if (h->counts[i]) {
            *upper = hist_highest_equivalent(h, value_at(h, i));
            *count = h->counts[i];
            *cursor = i + 1;
            return 1;
        }
    }
    *cursor = h->len;
    return 0;
}
