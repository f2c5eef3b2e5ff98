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
 * The budget is the time the added rounds may take, measured, not foretold: a round
 * starts only when what the added rounds took so far and this one's expected cost (its
 * runs at the mean wall time of this point's runs) fit within it. So the suite's wall
 * time is its base runs' and at most the budget, plus the error of one round's
 * estimate. Points are served in the order they run (concurrency first): spreading the
 * budget thin would give every point a trial or two more and none the six that 95%
 * needs. The base runs always run. */
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

bool planner_budget_allows(const struct planner_budget *b)
{
    return b->budget_s <= 0 || b->spent_s + b->round_s <= b->budget_s;
}
