/* Latency targets: a percentile and its bound, written "p99=1ms". bench records them
 * in bench.json's settings; the analysis reads them there (or from its own --slo). */
#ifndef ECHOBENCH_SLO_H
#define ECHOBENCH_SLO_H

#include <stddef.h>

#define SLO_MAX 4

struct slo {
    double percentile; /* 50, 90, 99 or 99.9 */
    double bound_us;
    const char *metric; /* the figure it bounds in bench.json: "p50_us" ... "p999_us" */
    char text[40];      /* as written back: "p99=1ms" */
};

/* The default target when none is given: p99 within 1 ms. */
#define SLO_DEFAULT "p99=1ms"

/* Parses "pPCT=BOUND": PCT one of 50, 90, 99, 99.9 (or 999), BOUND a number with us, ms
 * or s, above 0 and at most 60 s. Returns 0, or -1 with a one-line reason in err (which
 * shows an example). */
int slo_parse(const char *text, struct slo *s, char *err, size_t errlen);

#endif
