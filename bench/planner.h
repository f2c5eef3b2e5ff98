/* The adaptive trials' rule, pure: whether a model at a point needs another trial for
 * its throughput's median interval, and whether the budget of the added trials allows
 * another round. The suite gathers the figures and calls these; they read no clock. */
#ifndef ECHOBENCH_PLANNER_H
#define ECHOBENCH_PLANNER_H

#include <stdbool.h>

/* The level the median interval must reach before its width is judged. */
#define PLANNER_LEVEL 0.95

/* Whether a model that has the n measured throughputs thr needs another trial: n > 0,
 * n < max_trials, target_pct > 0, and its median interval is below PLANNER_LEVEL (n < 6)
 * or its half width max(median - lo, hi - median) / median is over target_pct percent.
 * Sets *half_width_pct to that half width in percent (NAN when n < 2 or the median is
 * not positive) and *level to the interval's coverage (NAN when n < 2), whatever it
 * returns; either pointer may be NULL. A model with a median of 0 (or below) does not
 * need more: no count of trials gives its width relative to 0. */
bool planner_needs_more(const double *thr, unsigned n, unsigned max_trials, double target_pct,
                        double *half_width_pct, double *level);

/* What planner_budget_allows weighs, in seconds. */
struct planner_budget {
    double budget_s; /* the wall time the added rounds may take in all, the whole suite's;
                      * 0: no budget */
    double spent_s;  /* what the added rounds took so far */
    double round_s;  /* the next round's expected cost: its runs (the floor's included)
                      * times the mean wall time of a run at this point so far */
};

/* Whether the next added round may start: spent_s + round_s <= budget_s, or no budget.
 * The points are served in the order they run: what an early point spends, a later
 * one cannot. */
bool planner_budget_allows(const struct planner_budget *b);

#endif
