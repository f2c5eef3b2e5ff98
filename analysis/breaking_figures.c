/* The figures of the capacity scenario's verdicts, as bench wrote them (breaking.c
 * renders them): the models in the run's order, the figures of a model's last step held,
 * the most it held at once, and analysis.json's "where_it_breaks". Never re-judged: a
 * figure bench.json lacks is NAN or null. */
#include "analysis.h"
#include "breaking.h"

#include <math.h>
#include <string.h>

size_t breaking_models(const struct results *r, json_t *verdicts, const char **out, size_t max)
{
    const char *models[32];
    size_t nm = results_models(r, models, 32), n = 0;
    for (size_t m = 0; m < nm && n < max; m++)
        if (json_object_get(verdicts, models[m]))
            out[n++] = models[m];
    const char *key;
    json_t *v;
    json_object_foreach(verdicts, key, v)
    {
        bool seen = false;
        for (size_t k = 0; k < n; k++)
            seen |= strcmp(out[k], key) == 0;
        if (!seen && n < max)
            out[n++] = key;
    }
    return n;
}

const char *capacity_stop_step(json_t *sc, const char *model)
{
    json_t *v = json_object_get(json_object_get(sc, "models"), model);
    const char *failed = text_of(v, "failed_step"), *verdict = text_of(v, "verdict");
    if (failed || !(is(verdict, "capped") || is(verdict, "skipped")))
        return failed;
    size_t i;
    json_t *pt;
    json_array_foreach(json_object_get(sc, "points"), i, pt)
    {
        if (is(text_of(pt, "model"), model) &&
            is(text_of(json_object_get(pt, "capacity"), "verdict"), verdict))
            return text_of(pt, "label");
    }
    return NULL;
}

bool capacity_predicted(json_t *sc, const char *model)
{
    json_t *v = json_object_get(json_object_get(sc, "models"), model);
    json_t *flag = json_object_get(v, "predicted");
    if (json_is_boolean(flag))
        return json_is_true(flag);
    const char *stop = capacity_stop_step(sc, model);
    if (!stop) /* the top: no step it stopped at */
        return false;
    json_t *c = json_object_get(results_point(sc, model, stop), "capacity");
    return is(text_of(c, "verdict"), "predicted");
}

double breaking_at_held(json_t *sc, const char *model, json_t *v, const char *key)
{
    double x = jpath(v, key);
    const char *step = text_of(v, "held_step");
    if (isnan(x) && step)
        x = jpath(json_object_get(results_point(sc, model, step), "capacity"), key);
    return x;
}

bool breaking_within_allowance(json_t *sc, const char *model, json_t *v)
{
    double fall = breaking_at_held(sc, model, v, "machine_memory_kib");
    double allowance = breaking_at_held(sc, model, v, "machine_memory_allowance_kib");
    return !isnan(fall) && !isnan(allowance) && fall <= allowance;
}

const char *breaking_most_held_step(json_t *sc, const char *model, double most)
{
    size_t i;
    json_t *pt;
    json_array_foreach(json_object_get(sc, "points"), i, pt)
    {
        if (is(text_of(pt, "model"), model) &&
            jpath(json_object_get(pt, "capacity"), "most_held") == most)
            return text_of(pt, "label");
    }
    return NULL;
}

double breaking_most_held_beyond(json_t *v)
{
    double held = jpath(v, "held"), most = jpath(v, "most_held");
    return most > (isnan(held) ? 0 : held) ? most : NAN;
}

/* ---- analysis.json ---- */

/* o's value at key, or null: a new reference. */
static json_t *copy_of(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return v ? json_deep_copy(v) : json_null();
}

json_t *breaking_json(const struct results *r)
{
    json_t *sc = results_scenario(r, SCENARIO);
    if (!sc)
        return json_null();
    json_t *verdicts = json_object_get(sc, "models"), *out = json_array();
    const char *models[32];
    size_t nm = breaking_models(r, verdicts, models, 32);
    static const char *const keys[] = {"verdict",
                                       "held",
                                       "held_step",
                                       "failed_step",
                                       "cause",
                                       "why",
                                       "predicted",
                                       "most_held",
                                       "memory_per_connection_bytes",
                                       "machine_memory_per_connection_bytes",
                                       "open_s",
                                       "open_rate"};
    for (size_t m = 0; out && m < nm; m++) {
        json_t *v = json_object_get(verdicts, models[m]), *row = json_object();
        if (!row || json_object_set_new(row, "model", json_string(models[m])) < 0) {
            json_decref(row);
            json_decref(out);
            return NULL;
        }
        if (model_external(models[m]))
            json_object_set_new(row, "external", json_true());
        for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
            json_object_set_new(row, keys[k], copy_of(v, keys[k]));
        /* As the table: the last step held's, where the verdict does not carry it. */
        double machine = breaking_at_held(sc, models[m], v, "machine_memory_per_connection_bytes");
        if (!isnan(machine))
            json_object_set_new(row, "machine_memory_per_connection_bytes", json_real(machine));
        if (!isnan(breaking_at_held(sc, models[m], v, "machine_memory_allowance_kib")) &&
            !isnan(breaking_at_held(sc, models[m], v, "machine_memory_kib")))
            json_object_set_new(row, "machine_memory_within_allowance",
                                json_boolean(breaking_within_allowance(sc, models[m], v)));
        json_array_append_new(out, row);
    }
    return out;
}
