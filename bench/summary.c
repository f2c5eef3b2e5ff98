/* Summaries of repeated trials.
 *
 * A point has a few trials (3 to 7) of figures that are skewed (a trial is slowed by the
 * machine far more often than sped up), so the headline is the median and its interval
 * is the distribution-free one of order statistics: [x(k), x(n+1-k)] holds the true
 * median with a probability that depends on n and k alone, whatever the distribution.
 * Student's t interval of the mean assumes normal figures, which a few skewed trials
 * are not; it stays as mean_ci95, for where a mean is meant. */
#include "bench.h"
#include "jsonio.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NOISY_CV 0.10

/* Student's t for a two-sided 95% interval, by degrees of freedom 1..30 (exact to the
 * digits shown). */
static const double t95[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                             2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                             2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};

/* Past the table, the Cornish-Fisher expansion of t in the normal quantile z (Abramowitz
 * and Stegun 26.7.5), to 1/df^4: within 0.0001 of the exact quantile from df 31 on
 * (t(40) = 2.0211, t(100) = 1.9840), where 1.96 would be 2-4% too narrow. */
double summary_t975(unsigned df)
{
    if (df == 0)
        return 0;
    if (df <= 30)
        return t95[df - 1];
    const double z = 1.959963984540054, n = df;
    double z2 = z * z, z3 = z2 * z, z5 = z3 * z2, z7 = z5 * z2, z9 = z7 * z2;
    return z + (z3 + z) / (4 * n) + (5 * z5 + 16 * z3 + 3 * z) / (96 * n * n) +
           (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * n * n * n) +
           (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / (92160 * n * n * n * n);
}

/* P(Bin(n, 1/2) <= k-1) is the count of the n-bit words with fewer than k ones over
 * 2^n. The counts C(n, i) are whole numbers a double holds exactly while they stay below
 * 2^53 (n up to 56; MAX_TRIALS is 50), and the sum and its scaling by 2^-n are exact
 * too: the level is exact, not an approximation. Past n = 1000 the terms are taken in
 * logarithms (2^n would overflow), within rounding. */
double summary_median_level(unsigned n, unsigned k)
{
    if (n == 0 || k == 0 || 2 * k > n + 1)
        return 0;
    double below = 0; /* P(Bin(n, 1/2) <= k-1) */
    if (n <= 1000) {
        double c = 1; /* C(n, i) */
        for (unsigned i = 0; i < k; i++) {
            below += c;
            c = c * (n - i) / (i + 1);
        }
        below = ldexp(below, -(int)n);
    } else {
        for (unsigned i = 0; i < k; i++)
            below += exp(lgamma(n + 1.0) - lgamma(i + 1.0) - lgamma(n - i + 1.0) - n * log(2.0));
    }
    return 1 - 2 * below;
}

/* The k of [x(k), x(n+1-k)]: the largest whose coverage reaches 0.95, or 1 when none
 * does (n < 6: the range, at its own lesser coverage). The coverage falls as k grows. */
static unsigned median_k(unsigned n)
{
    unsigned k = 1;
    while (summary_median_level(n, k + 1) >= 0.95)
        k++;
    return k;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

void summarize(const double *v, unsigned n, struct summary *s)
{
    memset(s, 0, sizeof(*s));
    s->n = n;
    if (n == 0)
        return;
    double *sorted = malloc(n * sizeof(*sorted));
    if (!sorted)
        return;
    memcpy(sorted, v, n * sizeof(*sorted));
    qsort(sorted, n, sizeof(*sorted), cmp_double);
    s->median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    for (unsigned i = 0; i < n; i++)
        s->mean += v[i];
    s->mean /= n;
    for (unsigned i = 0; i < n; i++)
        s->sd += (v[i] - s->mean) * (v[i] - s->mean);
    s->sd = n > 1 ? sqrt(s->sd / (n - 1)) : 0;
    s->cv = s->mean != 0 ? s->sd / fabs(s->mean) : 0;
    double t = summary_t975(n - 1);
    double half = t * s->sd / sqrt((double)n);
    s->ci_lo = s->mean - half;
    s->ci_hi = s->mean + half;
    s->noisy = n > 1 && s->cv > NOISY_CV;
    unsigned k = median_k(n);
    s->med_lo = sorted[k - 1];
    s->med_hi = sorted[n - k];
    s->med_level = n > 1 ? summary_median_level(n, k) : 0;
    free(sorted);
}

json_t *summary_json(const struct summary *s)
{
    if (s->n == 0)
        return json_null();
    if (s->n == 1) /* one trial: a value, with nothing to say how far to trust it */
        return json_pack("{s:f,s:n,s:n,s:f,s:n,s:n,s:i,s:n}", "median", round_to(s->median, 3),
                         "ci", "ci_level", "mean", round_to(s->mean, 3), "mean_ci95", "cv", "n", 1,
                         "noisy");
    return json_pack("{s:f,s:[f,f],s:f,s:f,s:[f,f],s:f,s:i,s:b}", "median", round_to(s->median, 3),
                     "ci", round_to(s->med_lo, 3), round_to(s->med_hi, 3), "ci_level",
                     round_to(s->med_level, 6), "mean", round_to(s->mean, 3), "mean_ci95",
                     round_to(s->ci_lo, 3), round_to(s->ci_hi, 3), "cv", round_to(s->cv, 4), "n",
                     (int)s->n, "noisy", s->noisy);
}
