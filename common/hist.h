/* A log-linear histogram of nanosecond values, in the manner of HdrHistogram:
 * constant memory, a fixed relative precision, mergeable across threads and runs.
 *
 * Values below 2^sub_bits are kept exactly; above, each power-of-two range is cut
 * into 2^(sub_bits-1) equal buckets, so every value is kept to within a relative
 * 2^-(sub_bits-1): sub_bits 11 gives 1/1024, better than 3 significant digits.
 * Values at or above 2^max_bits are clamped into the top bucket and counted as
 * overflow. */
#ifndef ECHOBENCH_HIST_H
#define ECHOBENCH_HIST_H

#include <stddef.h>
#include <stdint.h>

#define HIST_SUB_BITS 11 /* 3 significant digits */
#define HIST_MAX_BITS 37 /* 2^37 ns: about 137 s */

struct hist {
    unsigned sub_bits;
    unsigned max_bits;
    size_t len; /* buckets in counts */
    uint64_t *counts;
    uint64_t total;    /* values recorded */
    uint64_t overflow; /* of them, clamped from 2^max_bits or more */
    uint64_t min, max; /* exact; min is UINT64_MAX while empty */
    double sum;        /* of the values, for the mean */
    /* For the standard deviation: the running mean and the sum of squared deviations
     * from it (Welford; merged with Chan et al.'s parallel combination). A sum of
     * squares less the squared mean cancels catastrophically at large values: 10^6
     * values of 1 s and 1 s + 2 ns gave 2689 ns for 1 ns. */
    double run_mean;
    double m2;
};

/* Sets up an empty histogram. Returns 0, or -1 with errno (EINVAL for bits out of
 * range, ENOMEM). Free with hist_free. */
int hist_init(struct hist *h, unsigned sub_bits, unsigned max_bits);

/* The usual histogram: HIST_SUB_BITS, HIST_MAX_BITS. */
int hist_init_default(struct hist *h);

void hist_free(struct hist *h);

/* Empties h, keeping its memory. */
void hist_reset(struct hist *h);

/* Records value v (in ns) n times. */
void hist_record_n(struct hist *h, uint64_t v, uint64_t n);

static inline void hist_record(struct hist *h, uint64_t v)
{
    hist_record_n(h, v, 1);
}

/* Adds everything in src to dst. Returns 0, or -1 with errno EINVAL when their
 * layouts differ. */
int hist_merge(struct hist *dst, const struct hist *src);

/* The value at percentile p (0 to 100): the highest value equivalent to the bucket
 * where the count reaches ceil(p% of total) (p to a millionth), clamped to [min, max].
 * 0 when empty. */
uint64_t hist_percentile(const struct hist *h, double p);

double hist_mean(const struct hist *h);
double hist_stdev(const struct hist *h);

/* Walks the non-empty buckets: start with *cursor 0; each call stores a bucket's
 * highest equivalent value and count and returns 1, then 0 when done. Recording a
 * bucket's highest value puts it back in the same bucket, so a histogram written out
 * this way and read back with hist_record_n is the same histogram. */
int hist_next(const struct hist *h, size_t *cursor, uint64_t *upper, uint64_t *count);

/* The lowest and highest values that share v's bucket. */
uint64_t hist_lowest_equivalent(const struct hist *h, uint64_t v);
uint64_t hist_highest_equivalent(const struct hist *h, uint64_t v);

#endif
