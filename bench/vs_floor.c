/* A model's figures over the floor's, round by round.
 *
 * The floor (echo-floor: one thread, epoll, bytes echoed as they arrive) runs in every
 * round of a point beside the models, minutes apart at most. The median of the rounds'
 * ratios, with its distribution-free interval, says where a model stands against the
 * machine's own cost of echoing, which is what two machines can be compared on. It does
 * not make one run's models more comparable with each other: a model and the floor run
 * at different seconds of a round, so the ratio carries the floor's noise as well as
 * the model's (docs/analysis.md). Rounds pair by the trials' "trial" number. */
#include "bench.h"

#include <math.h>
#include <string.h>

/* A trial measured when loadgen's window was sound: ok, or hung (the server would not
 * stop, but what loadgen counted stands), as record_point_summary counts it. */
static bool measured(json_t *t)
{
    const char *status = json_string_value(json_object_get(t, "status"));
    return status && (strcmp(status, "ok") == 0 || strcmp(status, "hung") == 0);
}

/* The floor's trial of round k, or NULL. */
static json_t *floor_trial(json_t *floor_trials, json_int_t k)
{
    size_t i;
    json_t *t;
    json_array_foreach(floor_trials, i, t)
    {
        json_t *round = json_object_get(t, "trial");
        if (json_is_integer(round) && json_integer_value(round) == k)
            return t;
    }
    return NULL;
}

static double positive(json_t *t, const char *key)
{
    json_t *v = json_object_get(t, key);
    double x = json_is_number(v) ? json_number_value(v) : NAN;
    return isfinite(x) && x > 0 ? x : NAN;
}

json_t *vs_floor_json(json_t *model_trials, json_t *floor_trials)
{
    static const struct {
        const char *key, *as;
    } figures[] = {{"throughput_rps", "throughput"}, {"p50_us", "p50"}, {"p99_us", "p99"}};
    enum { NFIG = sizeof(figures) / sizeof(figures[0]) };
    double ratio[NFIG][MAX_TRIALS];
    unsigned n[NFIG] = {0}, rounds = 0;
    size_t i;
    json_t *t;
    json_array_foreach(model_trials, i, t)
    {
        json_t *round = json_object_get(t, "trial");
        if (!json_is_integer(round) || !measured(t))
            continue;
        json_t *f = floor_trial(floor_trials, json_integer_value(round));
        if (!f || !measured(f) || rounds == MAX_TRIALS)
            continue;
        rounds++;
        for (unsigned m = 0; m < NFIG; m++) {
            double r = positive(t, figures[m].key) / positive(f, figures[m].key);
            if (!isnan(r))
                ratio[m][n[m]++] = r;
        }
    }
    if (rounds == 0)
        return json_null();
    json_t *o = json_pack("{s:i}", "rounds", (int)rounds);
    for (unsigned m = 0; m < NFIG; m++) {
        struct summary s;
        summarize(ratio[m], n[m], &s);
        json_object_set_new(o, figures[m].as, summary_json(&s));
    }
    return o;
}
