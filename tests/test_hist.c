/* Unit tests of common/hist: percentiles against exact sorted samples, merging,
 * bounds and overflow, the JSON form. */
#include "check.h"
#include "harness.h"
#include "hist.h"
#include "jsonio.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The exact percentile of sorted samples: the value at rank ceil(p% of n), with p in
 * millionths (990000 is p99), in integers: no rounding can move the rank. */
static uint64_t exact(const uint64_t *sorted, size_t n, uint64_t p_millionths)
{
    size_t rank = (size_t)((p_millionths * n + 999999) / 1000000);
    if (rank < 1)
        rank = 1;
    return sorted[rank - 1];
}

/* Records samples and checks every percentile against the exact one: never below it,
 * and above it by less than one bucket (a relative 1/1024). */
static void check_against_exact(uint64_t *samples, size_t n, const char *what)
{
    static const uint64_t ps[] = {0,      10000,  100000, 250000, 500000, 750000, 900000,
                                  950000, 990000, 999000, 999900, 999990, 1000000};
    struct hist h;

    CHECK(hist_init_default(&h) == 0);
    for (size_t i = 0; i < n; i++)
        hist_record(&h, samples[i]);
    qsort(samples, n, sizeof(*samples), cmp_u64);
    CHECK(h.total == n && h.min == samples[0] && h.max == samples[n - 1], "%s", what);
    for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
        double p = (double)ps[i] / 10000.0;
        uint64_t want = exact(samples, n, ps[i]), got = hist_percentile(&h, p);
        CHECK(got >= want, "%s p%g: %lu below the exact %lu", what, p, (unsigned long)got,
              (unsigned long)want);
        CHECK((double)(got - want) <= (double)want / 1024.0 + 1, "%s p%g: %lu vs exact %lu", what,
              p, (unsigned long)got, (unsigned long)want);
    }
    double mean = 0;
    for (size_t i = 0; i < n; i++)
        mean += (double)samples[i];
    mean /= (double)n;
    CHECK(fabs(hist_mean(&h) - mean) <= mean * 1e-9, "%s: the mean is exact", what);
    hist_free(&h);
}

static void test_random(void)
{
    enum { N = 200000 };
    static uint64_t s[N];
    uint64_t rs = 1;
    for (size_t i = 0; i < N; i++)
        s[i] = 1 + rnd_below(&rs, 1000000000ull);
    check_against_exact(s, N, "uniform up to 1 s");
}

static void test_skewed(void)
{
    enum { N = 200000 };
    static uint64_t s[N];
    uint64_t rs = 2;
    /* Log-normal around 20 us, with a heavy tail and a few stalls of seconds: what
     * latencies look like. */
    for (size_t i = 0; i < N; i++) {
        double u1 = ((double)rnd_below(&rs, 1u << 30) + 1) / (double)(1u << 30);
        double u2 = (double)rnd_below(&rs, 1u << 30) / (double)(1u << 30);
        double z = sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
        s[i] = (uint64_t)(20000.0 * exp(1.2 * z));
        if (rnd_below(&rs, 10000) == 0)
            s[i] = 2000000000ull + rnd_below(&rs, 3000000000ull);
    }
    check_against_exact(s, N, "log-normal with stalls");
}

static void test_small_exact(void)
{
    struct hist h;
    CHECK(hist_init_default(&h) == 0);
    for (uint64_t v = 0; v < 2048; v++) {
        CHECK(hist_lowest_equivalent(&h, v) == v && hist_highest_equivalent(&h, v) == v,
              "below 2048 ns every value is its own bucket (%lu)", (unsigned long)v);
        hist_record(&h, v);
    }
    CHECK(hist_percentile(&h, 50) == 1023, "p50 of 0..2047 is %lu",
          (unsigned long)hist_percentile(&h, 50));
    CHECK(hist_percentile(&h, 100) == 2047 && hist_percentile(&h, 0) == 0);
    hist_free(&h);
    /* The rank is exact where floating point is not: 99.9% of 1000 is 999.0000000000001
     * in doubles, and its ceiling would make p99.9 the maximum. */
    CHECK(hist_init_default(&h) == 0);
    for (uint64_t v = 1; v <= 1000; v++)
        hist_record(&h, v);
    CHECK(hist_percentile(&h, 99.9) == 999 && hist_percentile(&h, 99) == 990 &&
              hist_percentile(&h, 99.99) == 1000 && hist_percentile(&h, 0.1) == 1,
          "p99.9 of 1..1000 is %lu, p99 %lu", (unsigned long)hist_percentile(&h, 99.9),
          (unsigned long)hist_percentile(&h, 99));
    hist_free(&h);
}

static void test_precision(void)
{
    struct hist h;
    uint64_t rs = 3;
    CHECK(hist_init_default(&h) == 0);
    for (int i = 0; i < 100000; i++) {
        uint64_t v = rnd_below(&rs, 1ull << 37);
        uint64_t lo = hist_lowest_equivalent(&h, v), hi = hist_highest_equivalent(&h, v);
        CHECK(lo <= v && v <= hi, "%lu not within its bucket", (unsigned long)v);
        CHECK((double)(hi - lo) <= (double)lo / 1024.0, "bucket of %lu is [%lu, %lu]",
              (unsigned long)v, (unsigned long)lo, (unsigned long)hi);
        CHECK(hist_lowest_equivalent(&h, hi) == lo, "the upper bound maps back");
    }
    CHECK(h.len == 28672, "constant memory: %zu buckets", h.len);
    hist_free(&h);
}

static void test_merge(void)
{
    struct hist all, parts[4], merged;
    uint64_t rs = 4;
    CHECK(hist_init_default(&all) == 0 && hist_init_default(&merged) == 0);
    for (int i = 0; i < 4; i++)
        CHECK(hist_init_default(&parts[i]) == 0);
    for (int i = 0; i < 100000; i++) {
        uint64_t v = rnd_below(&rs, 1ull << (10 + rnd_below(&rs, 28)));
        hist_record(&all, v);
        hist_record(&parts[rnd_below(&rs, 4)], v);
    }
    for (int i = 0; i < 4; i++)
        CHECK(hist_merge(&merged, &parts[i]) == 0);
    CHECK(memcmp(all.counts, merged.counts, all.len * sizeof(*all.counts)) == 0,
          "merged counts equal recording everything in one");
    CHECK(all.total == merged.total && all.min == merged.min && all.max == merged.max);
    CHECK(fabs(hist_mean(&all) - hist_mean(&merged)) < 1e-6 * hist_mean(&all));
    CHECK(fabs(hist_stdev(&all) - hist_stdev(&merged)) < 1e-6 * hist_stdev(&all));
    for (double p = 0; p <= 100; p += 0.5)
        CHECK(hist_percentile(&all, p) == hist_percentile(&merged, p));

    struct hist other;
    CHECK(hist_init(&other, 7, 37) == 0);
    CHECK(hist_merge(&merged, &other) == -1, "different layouts do not merge");
    hist_free(&other);
    hist_free(&all);
    hist_free(&merged);
    for (int i = 0; i < 4; i++)
        hist_free(&parts[i]);
}

static void test_bounds(void)
{
    struct hist h;
    CHECK(hist_init_default(&h) == 0);
    CHECK(hist_percentile(&h, 99) == 0 && hist_mean(&h) == 0 && hist_stdev(&h) == 0,
          "empty: zeros");
    hist_record(&h, 0);
    hist_record(&h, (1ull << 37) - 1);
    CHECK(h.overflow == 0);
    hist_record_n(&h, 1ull << 40, 3);
    CHECK(h.overflow == 3 && h.total == 5, "values past the top are counted as overflow");
    CHECK(h.max == (1ull << 37) - 1, "and clamped to the top");
    CHECK(hist_percentile(&h, 100) == h.max && hist_percentile(&h, 0) == 0);
    CHECK(hist_percentile(&h, -5) == 0 && hist_percentile(&h, 500) == h.max);
    hist_record_n(&h, 5, 0);
    CHECK(h.total == 5, "recording zero times records nothing");
    hist_reset(&h);
    CHECK(h.total == 0 && h.min == UINT64_MAX && hist_percentile(&h, 50) == 0);
    hist_free(&h);
    errno = 0;
    CHECK(hist_init(&h, 1, 37) == -1 && errno == EINVAL);
    CHECK(hist_init(&h, 11, 11) == -1 && errno == EINVAL);
}

static void test_json(void)
{
    struct hist h, back;
    uint64_t rs = 5;
    CHECK(hist_init_default(&h) == 0 && hist_init_default(&back) == 0);
    for (int i = 0; i < 50000; i++)
        hist_record(&h, 100 + rnd_below(&rs, 50000000));
    json_t *j = hist_to_json(&h);
    CHECK(j);
    static const char *keys[] = {"min", "mean", "stdev", "max",  "p50",
                                 "p90", "p99",  "p999",  "p9999"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        CHECK(json_is_number(json_object_get(j, keys[i])), "no %s", keys[i]);
    CHECK(json_number_value(json_object_get(j, "p99")) == (double)hist_percentile(&h, 99) / 1000.0);
    /* Through text and back, as a run merged from files would be. */
    char *text = json_dumps(j, JSON_REAL_PRECISION(17));
    json_t *again = json_loads(text, 0, NULL);
    CHECK(again && hist_add_json(&back, again) == 0);
    CHECK(memcmp(h.counts, back.counts, h.len * sizeof(*h.counts)) == 0,
          "the JSON form holds the histogram exactly");
    /* Through the file writer loadgen uses, with values from 10 s to 137 s, where a
     * bucket is finer than the microsecond's tenth digit. */
    struct hist big, big_back;
    CHECK(hist_init_default(&big) == 0 && hist_init_default(&big_back) == 0);
    for (int i = 0; i < 5000; i++)
        hist_record(&big, 10000000000ull + rnd_below(&rs, 127000000000ull));
    json_t *bj = hist_to_json(&big);
    char path[64];
    snprintf(path, sizeof(path), "/tmp/echobench-test-hist-%d.json", (int)getpid());
    CHECK(json_write_atomic(bj, path) == 0);
    json_t *bread = json_load_file(path, 0, NULL);
    unlink(path);
    CHECK(bread && hist_add_json(&big_back, bread) == 0);
    CHECK(memcmp(big.counts, big_back.counts, big.len * sizeof(*big.counts)) == 0,
          "long latencies survive the file");
    json_decref(bj);
    json_decref(bread);
    hist_free(&big);
    hist_free(&big_back);

    json_t *bad = json_pack("{s:[[s,i]]}", "histogram", "x", 1);
    CHECK(hist_add_json(&back, bad) == -1 && errno == EINVAL);
    json_decref(bad);
    json_decref(again);
    json_decref(j);
    free(text);
    hist_free(&h);
    hist_free(&back);
}

/* The standard deviation of large, nearly equal values: a sum of squares less the
 * squared mean keeps no digit of it (10^6 values of 1 s and 1 s + 2 ns gave 2689 ns
 * for 1 ns). Recorded one by one, n at a time, and merged from parts, it must hold. */
static void test_stdev_large(void)
{
    struct hist one, bulk, parts[4], merged;
    const uint64_t base = 1000000000ull; /* 1 s */
    CHECK(hist_init_default(&one) == 0 && hist_init_default(&bulk) == 0 &&
          hist_init_default(&merged) == 0);
    for (int i = 0; i < 4; i++)
        CHECK(hist_init_default(&parts[i]) == 0);
    for (int i = 0; i < 1000000; i++) {
        uint64_t v = base + (i % 2 ? 2 : 0);
        hist_record(&one, v);
        hist_record(&parts[i % 3], v); /* unequal parts, unequal halves in each */
    }
    hist_record_n(&bulk, base, 500000);
    hist_record_n(&bulk, base + 2, 500000);
    for (int i = 0; i < 4; i++)
        CHECK(hist_merge(&merged, &parts[i]) == 0);
    CHECK(fabs(hist_stdev(&one) - 1.0) < 1e-3, "one by one: stdev %.6f ns, not 1",
          hist_stdev(&one));
    CHECK(fabs(hist_stdev(&bulk) - 1.0) < 1e-3, "n at a time: stdev %.6f ns, not 1",
          hist_stdev(&bulk));
    CHECK(fabs(hist_stdev(&merged) - 1.0) < 1e-3, "merged: stdev %.6f ns, not 1",
          hist_stdev(&merged));
    CHECK(fabs(hist_mean(&merged) - (double)(base + 1)) < 1e-3, "mean %.3f", hist_mean(&merged));

    /* Chan's combination of two parts whose means differ: 3 values at 100 s and one at
     * 100 s + 4 ns have mean 100 s + 1 ns and variance (3 * 1 + 9) / 4 = 3. */
    struct hist a, b;
    CHECK(hist_init_default(&a) == 0 && hist_init_default(&b) == 0);
    hist_record_n(&a, 100 * base, 3);
    hist_record(&b, 100 * base + 4);
    CHECK(hist_merge(&a, &b) == 0);
    CHECK(fabs(hist_stdev(&a) - sqrt(3.0)) < 1e-6, "merged stdev %.9f, not sqrt(3)",
          hist_stdev(&a));
    hist_reset(&a);
    CHECK(hist_stdev(&a) == 0 && hist_mean(&a) == 0, "reset empties the moments");
    hist_record_n(&a, 7, 2);
    CHECK(hist_stdev(&a) == 0 && hist_mean(&a) == 7, "after a reset, equal values: stdev 0");
    hist_free(&a);
    hist_free(&b);
    hist_free(&one);
    hist_free(&bulk);
    hist_free(&merged);
    for (int i = 0; i < 4; i++)
        hist_free(&parts[i]);
}

/* A histogram read back from its JSON merges as the one written: its exact mean,
 * stdev, min and max, not those of its buckets (10^6 values of 1 s and 1 s + 2 ns
 * read back with a mean of 1,000,341,503 ns and a stdev of 0). */
static void test_json_moments(void)
{
    struct hist h, back;
    const uint64_t base = 1000000000ull; /* 1 s */
    char path[64];

    CHECK(hist_init_default(&h) == 0 && hist_init_default(&back) == 0);
    hist_record_n(&h, base, 500000);
    hist_record_n(&h, base + 2, 500000);
    json_t *j = hist_to_json(&h);
    snprintf(path, sizeof(path), "/tmp/echobench-test-hist-m-%d.json", (int)getpid());
    CHECK(j && json_write_atomic(j, path) == 0);
    json_t *read = json_load_file(path, 0, NULL);
    unlink(path);
    CHECK(read && hist_add_json(&back, read) == 0);
    CHECK(fabs(hist_mean(&back) - (double)(base + 1)) < 1e-3, "mean %.3f ns read back",
          hist_mean(&back));
    CHECK(fabs(hist_stdev(&back) - 1.0) < 1e-3, "stdev %.6f ns read back", hist_stdev(&back));
    CHECK(back.min == base && back.max == base + 2, "min %llu, max %llu",
          (unsigned long long)back.min, (unsigned long long)back.max);
    /* Read twice, as two agents' runs merged: the same moments. */
    CHECK(hist_add_json(&back, read) == 0 && back.total == 2 * h.total);
    CHECK(fabs(hist_mean(&back) - (double)(base + 1)) < 1e-3 &&
              fabs(hist_stdev(&back) - 1.0) < 1e-3,
          "merged twice: mean %.3f, stdev %.6f", hist_mean(&back), hist_stdev(&back));
    /* An older file, without the exact moments: the buckets' (every value at its
     * bucket's upper bound), and the same buckets. */
    json_object_del(read, "mean_ns");
    hist_reset(&back);
    CHECK(hist_add_json(&back, read) == 0 && back.total == h.total);
    CHECK(memcmp(h.counts, back.counts, h.len * sizeof(*h.counts)) == 0);
    CHECK(back.min == hist_highest_equivalent(&h, base), "old file: min at its bucket's top");
    json_decref(read);
    json_decref(j);
    hist_free(&h);
    hist_free(&back);
}

TEST_CASES({"random", test_random}, {"skewed", test_skewed}, {"small_exact", test_small_exact},
           {"precision", test_precision}, {"merge", test_merge}, {"bounds", test_bounds},
           {"json", test_json}, {"stdev_large", test_stdev_large},
           {"json_moments", test_json_moments});
TEST_MAIN()
