/* What the two halves of "Where it breaks" share (breaking.c, the report's text, and
 * breaking_figures.c, the verdicts' figures): private to them. */
#ifndef ECHOBENCH_BREAKING_H
#define ECHOBENCH_BREAKING_H

#include "analysis.h"

#include <stdbool.h>
#include <string.h>

#define SCENARIO "capacity"

static inline const char *text_of(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static inline bool is(const char *s, const char *want)
{
    return s && strcmp(s, want) == 0;
}

/* The models of the scenario's verdicts, in the run's order (those the run lists that
 * have one, then any others bench.json names). Returns how many. */
size_t breaking_models(const struct results *r, json_t *verdicts, const char **out, size_t max);

/* A figure of model's last step held: its verdict's (v), else that step's capacity
 * object's; NAN where neither has it (an older bench.json). */
double breaking_at_held(json_t *sc, const char *model, json_t *v, const char *key);

/* Whether model's machine memory at its last step held is within bench's allowance for
 * the rest of the machine: MemAvailable fell by no more than machine_memory_allowance_kib,
 * or rose. False where either is not there (a bench.json from before the field). */
bool breaking_within_allowance(json_t *sc, const char *model, json_t *v);

/* The step at which model held most connections at once (its first, if several), or
 * NULL where no step says. */
const char *breaking_most_held_step(json_t *sc, const char *model, double most);

/* The most connections model held at once, where more than its breaking point (a failed
 * step's taken in before it broke); NAN where not more, or not known. */
double breaking_most_held_beyond(json_t *v);

#endif
