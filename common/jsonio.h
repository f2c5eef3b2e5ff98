/* JSON helpers shared by the tools that write results: atomic files, histograms,
 * times. */
#ifndef ECHOBENCH_JSONIO_H
#define ECHOBENCH_JSONIO_H

#include "hist.h"

#include <jansson.h>
#include <stddef.h>
#include <time.h>

/* Writes root to path atomically: a temporary file in the same folder, flushed to disk,
 * then renamed over path, so a reader sees the old file or the new one, never half of
 * one. "-" writes to stdout. Returns 0, or -1 with errno. */
int json_write_atomic(const json_t *root, const char *path);

/* Reads a JSON file. Returns a new reference, or NULL after writing what is wrong
 * (file, line, column, reason) into err. */
json_t *json_read_file(const char *path, char *err, size_t errlen);

/* A histogram's summary in microseconds: min, mean, stdev, max, p50, p90, p99, p999,
 * p9999 (all null when it is empty), count, overflow, "histogram": [[upper_us,
 * count], ...] over the non-empty buckets, and when not empty the exact moments in ns:
 * min_ns, max_ns, mean_ns, m2_ns2 (the sum of squared deviations from the mean).
 * Returns a new reference, or NULL when out of memory. */
json_t *hist_to_json(const struct hist *h);

/* Adds the "histogram" pairs of obj (as hist_to_json writes them) into h, with the
 * exact min, max, mean and m2 when obj has them (older files: those of the buckets,
 * each value at its bucket's upper bound). Returns 0, or -1 with errno EINVAL when the
 * pairs are missing or malformed, ENOMEM. */
int hist_add_json(struct hist *h, const json_t *obj);

/* Formats t as ISO 8601 in UTC: 2026-11-26T12:00:00Z. buf holds at least 21 bytes. */
void iso8601_utc(time_t t, char *buf, size_t len);

/* Rounds a double to d decimals, for JSON that people read. */
double round_to(double v, int d);

#endif
