/* Latency targets: "p99=1ms" and its kin. */
#include "slo.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    double percentile;
    const char *metric;
} percentiles[] = {
    {"50", 50, "p50_us"},      {"90", 90, "p90_us"},     {"99", 99, "p99_us"},
    {"99.9", 99.9, "p999_us"}, {"999", 99.9, "p999_us"},
};

int slo_parse(const char *text, struct slo *s, char *err, size_t errlen)
{
    static const char example[] = "such as p99=1ms or p99.9=5ms (p50, p90, p99 or p99.9; us, ms "
                                  "or s)";
    const char *eq = strchr(text, '=');
    memset(s, 0, sizeof(*s));
    if (text[0] != 'p' || !eq) {
        snprintf(err, errlen, "a latency target is pPERCENTILE=BOUND, %s; not '%s'", example, text);
        return -1;
    }
    size_t plen = (size_t)(eq - text - 1);
    for (size_t i = 0; i < sizeof(percentiles) / sizeof(percentiles[0]); i++)
        if (strlen(percentiles[i].name) == plen &&
            strncmp(text + 1, percentiles[i].name, plen) == 0) {
            s->percentile = percentiles[i].percentile;
            s->metric = percentiles[i].metric;
        }
    if (!s->metric) {
        snprintf(err, errlen,
                 "the percentile of '%s' must be p50, p90, p99 or p99.9, such as p99=1ms or "
                 "p99.9=5ms",
                 text);
        return -1;
    }
    char *end;
    errno = 0;
    double v = strtod(eq + 1, &end);
    double scale = strcmp(end, "us") == 0   ? 1
                   : strcmp(end, "ms") == 0 ? 1e3
                   : strcmp(end, "s") == 0  ? 1e6
                                            : 0;
    if (end == eq + 1 || errno || !isfinite(v) || scale == 0 || v <= 0 || v * scale > 60e6) {
        snprintf(err, errlen, "the bound of '%s' must be a time above 0 and at most 60s, %s", text,
                 example);
        return -1;
    }
    s->bound_us = v * scale;
    snprintf(s->text, sizeof(s->text), "%.*s", (int)sizeof(s->text) - 1, text);
    return 0;
}
