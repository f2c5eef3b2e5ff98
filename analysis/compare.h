/* compare's halves: the raw ratios, the table and the plots (compare.c), and B/A on
 * the floor, its marks and the summary (compare_floor.c). */
#ifndef ECHOBENCH_COMPARE_H
#define ECHOBENCH_COMPARE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* A median, its interval and the interval's coverage: lo and hi NaN without an
 * interval, level NaN where the file does not say it. */
struct estimate {
    double m, lo, hi, level;
};

/* What the rows add up to, for the summary. */
struct tally {
    bool floor;     /* both runs ran the floor: the normalised column is there */
    int apart;      /* rows whose raw intervals are apart (marked *) */
    int normalised; /* rows with B/A on the floor, and an interval, that may be marked */
    /* Of those, by mark: apart raw and on the floor on the same side; on the other
     * side; on the floor alone; the machine's change; too wide to say. */
    int remain, reverse, floor_only, machine, undecided;
    /* The least level of any interval printed (B/A on the floor in every row, marked or
     * not, and the floor's own B/A), and the two it is the product of (with their
     * rounds, or trials where it is the floor's own); NaN while there is none. */
    double level, level_a, level_b, rounds_a, rounds_b;
    bool level_of_floor; /* the least is one of the floor's own B/A */
    char remains[4096], reverses[4096], floor_onlys[4096], machines[4096], undecideds[4096];
    char floors[4096];               /* the floor's own B/A at each point: the machine's change */
    int shared, starved, unmeasured; /* points compared, starved in either, not measured */
    char skipped[4096];              /* the unmeasured, with both statuses */
};

/* The median and interval of a point's metric; false when there is no median. */
bool compare_summary_of(json_t *pt, const char *metric, struct estimate *e);

/* Appends to a list in buf, "; " between items; cut short (never overrun) when full. */
void compare_list_add(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The floor's own B/A for metric at a point (fa, fb its points in A and B): its side of 1
 * (1 above, -1 below; 0 where it holds 1, or where there is no floor or no interval). */
int compare_floor_side(json_t *fa, json_t *fb, const char *metric);

/* A row's B/A on the floor into buf (and its mark into *mark): B's vs_floor over A's for
 * the metric, with its interval; counted into t. raw is the side of the raw difference
 * where the raw intervals are apart (1: B above A, -1: below, 0: not apart); floor its
 * floor's own B/A's side of 1 at the point; markable false where the row cannot be
 * marked (starved, loadgen). "-" where a point has no vs_floor. */
void compare_normalised(struct tally *t, const char *scenario, const char *model, const char *label,
                        const char *metric, json_t *pa, json_t *pb, int raw, int floor,
                        bool markable, char *buf, size_t len, const char **mark);

/* The floor's own B/A at a point (throughput and p99, with their intervals): how much
 * the machine itself changed there. Into t->floors, and its levels into t's least. */
void compare_floor_row(struct tally *t, const char *scenario, const char *label, json_t *pa,
                       json_t *pb);

/* The summary, on f, each sentence after bullet: the rows that differ raw, those of each
 * mark on the floor, the least level of the intervals printed, and the floor's own
 * change; or why there is no normalised column (unavailable). */
void compare_summary(FILE *f, const char *bullet, const struct tally *t, const char *unavailable);

#endif
