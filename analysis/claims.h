/* The lecture's claims: what claims.c's rules, claims_parts.c's parts and claims_report.c's
 * output share. Private to the analysis; analysis.h has what plots calls. */
#ifndef ECHOBENCH_CLAIMS_H
#define ECHOBENCH_CLAIMS_H

#include "analysis.h"

/* The thresholds of docs/analysis.md ("The lecture's claims"). */
#define CLAIM_CREATION_MIN 1.5    /* fork over pthread at least this: process creation costs more */
#define CLAIM_CREATION_MAX 3.0    /* and at most this: about the lecture's 2x */
#define CLAIM_COARSE_RPS   1100.0 /* 1 ms of blocking a line allows 1,000 lines a second */
#define CLAIM_FD_SETSIZE   1024
#define CLAIM_FACTOR       1.5 /* from the fewest CPUs to the most: over it grew, under it flat */

/* One claim being judged. Its parts each hold, hold with a condition, do not hold here or
 * are not measured; the verdict is theirs together (claims_report.c, docs/analysis.md). */
struct claim {
    const struct results *r;
    const char **models;
    size_t nm;
    json_t *scenarios, *points, *figures; /* owned by the claim's object */
    char measured[2048];                  /* the figures in words */
    char condition[1024], why[1024], unmeasured[1024];
    int n_holds, n_condition, n_not_here, n_unmeasured;
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

/* The median of metric with its interval, in words ("3,773 [3,390, 3,905]") and into the
 * figures under key as {median, lo, hi}. False, with a part not measured, without an
 * interval (one trial). */
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
 * and both into the figures; returns claim_apart's side of fork's p10..p90 against
 * pthread's, or 2 when not measured (why recorded). */
int claim_creation(struct claim *c, double *ratio, double *fork_m, double *thread_m,
                   const char **unit);

/* The cores scenario's fewest and most CPUs, as labels; false (why recorded) without two. */
bool claim_cores_span(struct claim *c, json_t *sc, char *fewest, char *most);

/* A model's throughput from the fewest CPUs to the most: 1 grew (the interval at the most
 * wholly above CLAIM_FACTOR times the one at the fewest), -1 flat (wholly below), 0
 * neither, 2 not measured (why recorded). */
int claim_cores_growth(struct claim *c, json_t *sc, const char *model, const char *fewest,
                       const char *most);

#endif
