/* The adaptive trials' rule, pure: whether a model at a point needs another trial for
 * its throughput's median interval, and whether the suite's time budget allows another
 * round. The suite gathers the figures and calls these; they read no clock. */
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

/* What planner_budget_allows weighs, in seconds and runs. */
struct planner_budget {
    double budget_s;               /* the suite's wall time past which no run is added; 0: none */
    double elapsed_s;              /* the suite's wall time so far */
    double mean_run_s;             /* the mean wall time of a run so far */
    unsigned base_runs_left;       /* base runs still to come at later points */
    unsigned point_base_runs;      /* this point's base runs */
    double slack_at_point_start_s; /* planner_slack_s at the point's start */
    double used_at_point_s;        /* wall time of this point's added rounds so far */
};

/* The slack of a budget: budget_s - elapsed_s - base_runs_left * mean_run_s, where
 * base_runs_left counts every base run still to come (at the point's start: its own
 * included). Negative when the base runs alone are expected to pass the budget; 0 when
 * there is no budget (budget_s 0). */
double planner_slack_s(double budget_s, double elapsed_s, unsigned base_runs_left,
                       double mean_run_s);

/* Whether an added round of runs runs (runs, the floor's included) may start:
 * elapsed_s + (runs + base_runs_left) * mean_run_s <= budget_s, and the point has used
 * less than its share of the slack, slack_at_point_start_s * point_base_runs /
 * (point_base_runs + base_runs_left). Always true when budget_s is 0. */
bool planner_budget_allows(const struct planner_budget *b, unsigned runs);

#endif
