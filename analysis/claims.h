/* The lecture's claims: what claims.c's rules, claims_parts.c's parts and claims_report.c's
 * output share. Private to the analysis; analysis.h has what plots calls. */
#ifndef ECHOBENCH_CLAIMS_H
#define ECHOBENCH_CLAIMS_H

#include "analysis.h"

/* The thresholds of docs/analysis.md ("The lecture's claims"). */
/* "About 2x": fork over pthread within a factor of 1.5 of 2 either way, [1.33, 3]. */
#define CLAIM_CREATION_MIN (2.0 / 1.5)
#define CLAIM_CREATION_MAX 3.0
#define CLAIM_COARSE_RPS   1100.0 /* 1 ms of blocking a line allows 1,000 lines a second */
#define CLAIM_FD_SETSIZE   1024
#define CLAIM_FD_SLACK     16 /* held within this under FD_SETSIZE: the server's own fds */
/* From the fewest CPUs to the most (k times as many): flat while the throughput ratio's
 * upper bound is under CLAIM_FLAT; grew where its lower bound is over half the ideal
 * gain, 1 + (k - 1) / 2; between, not measured. */
#define CLAIM_FLAT 1.2
/* resources.server_cpu_util (a share of the server's CPUs) at which the server was the
 * limit: bench's busy rule; for a single event loop, one core's worth of it. */
#define CLAIM_BUSY     0.8
#define CLAIM_ONE_CORE 1.2 /* an event loop using at most this many cores' worth */

/* One claim being judged. Its parts each hold, hold with a condition, do not hold here or
 * are not measured; the verdict is theirs together (claims_report.c, docs/analysis.md). */
struct claim {
    const struct results *r;
    const char **models;
    size_t nm;
    json_t *scenarios, *points, *figures;              /* owned by the claim's object */
    char measured[4096];                               /* the figures in words */
    char condition[4096], why[4096], unmeasured[4096]; /* a reason said once; "(cut)" if full */
    int n_holds, n_condition, n_not_here, n_unmeasured;
    struct level_range *levels; /* every figure's interval level, for the section's line */
};

struct claim_rule {
    const char *id, *claim;
    const char *plot;     /* the plot that shows it, where made; NULL: the section */
    const char *scenario; /* the report section that shows it */
    void (*judge)(struct claim *c);
};

/* The claims, in the report's order; their count in *n. */
const struct claim_rule *claim_rules(size_t *n);

/* A figure rounded to 3 decimals, for the JSON people read. */
double round_figure(double v);

/* ---- the parts (claims_parts.c) ---- */

/* The figures in words ("; " between), and a part that holds, holds with a condition,
 * does not hold here or is not measured, with its words. */
void claim_say(struct claim *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void claim_holds(struct claim *c);
void claim_condition(struct claim *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void claim_not_here(struct claim *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void claim_unmeasured(struct claim *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

bool claim_has_model(const struct claim *c, const char *model);

/* A number into the claim's figures under key (null where NaN). */
void claim_fig(struct claim *c, const char *key, double v);

/* The scenario, named among the claim's; NULL, with why as a part not measured (bench's
 * note where it skipped it), when the run did not measure it. */
json_t *claim_scenario(struct claim *c, const char *name);

/* The point of model at label, named among the claim's points; NULL, with why as a part
 * not measured, where it is not there or did not measure. claim_comparable_point: and no
 * connection starved in any trial. */
json_t *claim_point(struct claim *c, json_t *sc, const char *model, const char *label);
json_t *claim_comparable_point(struct claim *c, json_t *sc, const char *model, const char *label);

/* The median of metric with its interval, in words ("3,773 [3,390, 3,905]"; an older
 * bench.json's "[..., ...: a 95% t-interval of the mean]") and into the figures under key
 * as {median, lo, hi, level, of}. False, with a part not measured, without an interval
 * (one trial). claim_figure_only: the same without the part. */
bool claim_figure_only(struct claim *c, json_t *pt, const char *metric, const char *key, double *m,
                       double *lo, double *hi, char *words, size_t len);
bool claim_figure(struct claim *c, json_t *pt, const char *metric, const char *key, double *m,
                  double *lo, double *hi, char *words, size_t len);

/* Whether interval a lies wholly above b (1), wholly below (-1), or they meet (0). */
int claim_apart(double alo, double ahi, double blo, double bhi);

/* A part: a's metric at the point against b's, which it should lie wholly above (want 1)
 * or below (want -1): holds, does not hold (wholly on the other side), or not measured. */
void claim_compare(struct claim *c, json_t *sc, const char *label, const char *a, const char *b,
                   const char *metric, int want, const char *what);

/* A part: a's memory per added connection against b's at the largest idle point both have
 * one, comparable: holds at half of b's or less, does not hold at b's or more. */
void claim_memory(struct claim *c, json_t *sc, const char *a, const char *b);

/* fork + waitpid against pthread_create + join (cycles, else ns): the ratio of the medians
 * and its bounds from the spreads, [fork p10 / pthread p90, fork p90 / pthread p10], into
 * the figures and *ratio, *lo, *hi; returns claim_apart's side of fork's p10..p90 against
 * pthread's (0 where they meet), or 2 when not measured (why recorded). */
int claim_creation(struct claim *c, double *ratio, double *lo, double *hi, double *fork_m,
                   double *thread_m, const char **unit);

/* The cores claims (claims_cores.c): event-loop-one-core and threads-parallel. */
void claim_one_core(struct claim *c);
void claim_threads_parallel(struct claim *c);

/* The single event loops (select, epoll, uring), NULL-ended. */
extern const char *const claim_single_loops[];

/* A count in words with its thousands comma ("10,000"); a label that is no number as it
 * is. */
const char *claim_label(const char *label, char *buf, size_t len);

#endif
