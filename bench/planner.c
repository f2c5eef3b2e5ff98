/* The adaptive trials' rule: when a model at a point has had enough trials.
 *
 * A point's headline is the median of its trials, and its interval the order
 * statistics' [x(k), x(n+1-k)] (summary.c). The true median lies outside [min, max]
 * only when every trial falls on the same side of it, which n trials do with
 * probability 2 * 2^-n whatever their distribution: [min, max] covers the median with
 * 1 - 2^(1-n), 0.5 for 2 trials, 0.75 for 3, 0.875 for 4, 0.9375 for 5 and 0.96875 for
 * 6. No narrower interval of order statistics covers more, so below 6 trials no
 * interval reaches 95%, however alike the trials are: 6 is the least number of trials
 * that can meet the target, and a model goes on to 6 before its width is judged. From
 * 6 on, the interval's half width relative to the median must be within the target, or
 * another trial runs, up to max_trials.
 *
 * The budget spreads the time the base trials leave over the points: a point may spend
 * on added rounds the share of that slack its base runs are of those still to come, and
 * no added round may start that would, with the base runs still to come, pass the
 * budget. The base runs always run. */
#include "planner.h"
#include "bench.h"

#include <math.h>

bool planner_needs_more(const double *thr, unsigned n, unsigned max_trials, double target_pct,
                        double *half_width_pct, double *level)
{
    double h = NAN, l = NAN;
    struct summary s = {0};
    if (n > 0)
        summarize(thr, n, &s);
    bool positive = n > 0 && isfinite(s.median) && s.median > 0;
    if (n >= 2) {
        l = s.med_level;
        if (positive)
            h = 100 * fmax(s.median - s.med_lo, s.med_hi - s.median) / s.median;
    }
    if (half_width_pct)
        *half_width_pct = h;
    if (level)
        *level = l;
    /* n == 0: every trial failed, or none ran; a median of 0: nothing came back, and
     * more trials give no width relative to it. Neither needs more. */
    if (!positive || n >= max_trials || target_pct <= 0)
        return false;
    return n < 2 || l < PLANNER_LEVEL || h > target_pct;
}

double planner_slack_s(double budget_s, double elapsed_s, unsigned base_runs_left,
                       double mean_run_s)
{
    if (budget_s <= 0)
        return 0;
    return budget_s - elapsed_s - base_runs_left * mean_run_s;
}

bool planner_budget_allows(const struct planner_budget *b, unsigned runs)
{
    if (b->budget_s <= 0)
        return true;
    if (b->elapsed_s + (runs + b->base_runs_left) * b->mean_run_s > b->budget_s)
        return false;
    unsigned to_come = b->point_base_runs + b->base_runs_left;
    double share = to_come ? b->slack_at_point_start_s * b->point_base_runs / to_come : 0;
    return b->used_at_point_s < share;
}
