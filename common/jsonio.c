/* JSON helpers shared by the tools that write results. */
#include "jsonio.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int dump_to_fd(const char *buffer, size_t size, void *data)
{
    int fd = *(int *)data;
    while (size > 0) {
        ssize_t n = write(fd, buffer, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        buffer += n;
        size -= (size_t)n;
    }
    return 0;
}

int json_write_atomic(const json_t *root, const char *path)
{
    /* 15 significant digits: a histogram bucket's upper bound in microseconds, up to
     * 137 s, keeps its nanoseconds, so it reads back into the same bucket. */
    const size_t flags = JSON_INDENT(1) | JSON_REAL_PRECISION(15);

    if (strcmp(path, "-") == 0) {
        int out = STDOUT_FILENO;
        if (json_dump_callback(root, dump_to_fd, &out, flags) < 0 || dump_to_fd("\n", 1, &out) < 0)
            return -1;
        return 0;
    }
    size_t len = strlen(path) + 32;
    char *tmp = malloc(len);
    if (!tmp)
        return -1;
    snprintf(tmp, len, "%s.tmp.%d", path, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        goto fail;
    if (json_dump_callback(root, dump_to_fd, &fd, flags) < 0 || dump_to_fd("\n", 1, &fd) < 0 ||
        fsync(fd) < 0)
        goto fail_unlink;
    if (close(fd) < 0) {
        fd = -1;
        goto fail_unlink;
    }
    fd = -1;
    if (rename(tmp, path) < 0)
        goto fail_unlink;
    free(tmp);
    return 0;

fail_unlink:;
    int saved = errno;
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    errno = saved;
fail:
    saved = errno;
    free(tmp);
    errno = saved;
    return -1;
}

json_t *json_read_file(const char *path, char *err, size_t errlen)
{
    json_error_t e;
    json_t *root = json_load_file(path, 0, &e);
    if (!root) {
        if (e.line > 0)
            snprintf(err, errlen, "%s:%d:%d: %s", path, e.line, e.column, e.text);
        else
            snprintf(err, errlen, "%s: %s", path, e.text);
    }
    return root;
}

double round_to(double v, int d)
{
    double f = pow(10, d);
    return round(v * f) / f;
}

static double us(uint64_t ns)
{
    return (double)ns / 1000.0;
}

json_t *hist_to_json(const struct hist *h)
{
    json_t *pairs = json_array();
    size_t cursor = 0;
    uint64_t upper, count;

    if (!pairs)
        return NULL;
    if (h->total == 0) /* nothing recorded: no percentile, rather than a percentile of 0 */
        return json_pack("{s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:i,s:i,s:o}", "min", "mean",
                         "stdev", "max", "p50", "p90", "p99", "p999", "p9999", "count", 0,
                         "overflow", 0, "histogram", pairs);
    while (hist_next(h, &cursor, &upper, &count))
        json_array_append_new(pairs, json_pack("[f,I]", us(upper), (json_int_t)count));
    json_t *obj = json_pack("{s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:I,s:I,s:o}", "min",
                            h->total ? us(h->min) : 0.0, "mean", round_to(hist_mean(h) / 1000.0, 3),
                            "stdev", round_to(hist_stdev(h) / 1000.0, 3), "max", us(h->max), "p50",
                            us(hist_percentile(h, 50)), "p90", us(hist_percentile(h, 90)), "p99",
                            us(hist_percentile(h, 99)), "p999", us(hist_percentile(h, 99.9)),
                            "p9999", us(hist_percentile(h, 99.99)), "count", (json_int_t)h->total,
                            "overflow", (json_int_t)h->overflow, "histogram", pairs);
    /* The exact moments, in nanoseconds, so that a histogram read back (hist_add_json)
     * merges as the one written: from the buckets alone, 10^6 values of 1 s and 1 s +
     * 2 ns read back with a mean 341 us high and a stdev of 0. The mean, not the sum:
     * 15 digits of a sum of 10^6 seconds would not keep the nanosecond. */
    if (obj &&
        json_object_update_new(obj, json_pack("{s:I,s:I,s:f,s:f}", "min_ns", (json_int_t)h->min,
                                              "max_ns", (json_int_t)h->max, "mean_ns", hist_mean(h),
                                              "m2_ns2", h->m2)) < 0) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

/* The exact moments hist_to_json writes, into part (read from the buckets of obj):
 * files written before them keep the buckets' moments, each value at its bucket's
 * upper bound. */
static void exact_moments(struct hist *part, const json_t *obj)
{
    const json_t *min = json_object_get(obj, "min_ns"), *max = json_object_get(obj, "max_ns"),
                 *mean = json_object_get(obj, "mean_ns"), *m2 = json_object_get(obj, "m2_ns2"),
                 *count = json_object_get(obj, "count"),
                 *overflow = json_object_get(obj, "overflow");

    if (json_is_integer(overflow) && json_integer_value(overflow) >= 0 &&
        (uint64_t)json_integer_value(overflow) <= part->total)
        part->overflow = (uint64_t)json_integer_value(overflow);
    if (!json_is_integer(min) || !json_is_integer(max) || !json_is_number(mean) ||
        !json_is_number(m2) || !json_is_integer(count) ||
        (uint64_t)json_integer_value(count) != part->total || part->total == 0)
        return; /* an older file, or one whose parts disagree: the buckets' moments */
    part->min = (uint64_t)json_integer_value(min);
    part->max = (uint64_t)json_integer_value(max);
    part->run_mean = json_number_value(mean);
    part->sum = part->run_mean * (double)part->total;
    part->m2 = json_number_value(m2);
}

int hist_add_json(struct hist *h, const json_t *obj)
{
    const json_t *pairs = json_object_get(obj, "histogram");
    size_t i;
    const json_t *pair;
    struct hist part;

    if (!json_is_array(pairs)) {
        errno = EINVAL;
        return -1;
    }
    /* Read apart and merged in: the exact moments are the file's, not h's. */
    if (hist_init(&part, h->sub_bits, h->max_bits) < 0)
        return -1;
    json_array_foreach(pairs, i, pair)
    {
        const json_t *upper = json_array_get(pair, 0), *count = json_array_get(pair, 1);
        if (!json_is_number(upper) || !json_is_integer(count) || json_number_value(upper) < 0 ||
            json_integer_value(count) < 0) {
            errno = EINVAL;
            goto fail;
        }
        hist_record_n(&part, (uint64_t)llround(json_number_value(upper) * 1000.0),
                      (uint64_t)json_integer_value(count));
    }
    exact_moments(&part, obj);
    if (hist_merge(h, &part) < 0)
        goto fail;
    hist_free(&part);
    return 0;

fail:
    hist_free(&part);
    return -1;
}

void iso8601_utc(time_t t, char *buf, size_t len)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
