/* What plots_claims.c and plots_claims_rules.c share: the fixture, the claims judged on
 * it, and the edits that drive a claim's rule to each verdict. */
#ifndef ECHOBENCH_PLOTS_CLAIMS_H
#define ECHOBENCH_PLOTS_CLAIMS_H

#include <jansson.h>

/* bench_claims.json, loaded; the caller frees it. */
json_t *claims_fixture(void);

/* The claims judged on json (through a results folder named name, as plots reads it); the
 * caller frees them. */
json_t *claims_judged(const char *name, json_t *json);

/* The claim of that id among claims (a failed check where there is none). */
json_t *claims_claim(json_t *claims, const char *id);

/* The claim's verdict is want, and its condition or why says says (NULL: any). */
void claims_expect(json_t *claims, const char *id, const char *want, const char *says);

/* The scenario of that name, or NULL; a model's point (a failed check where none). */
json_t *claims_scenario(json_t *root, const char *name);
json_t *claims_point(json_t *root, const char *sc, const char *model, const char *label);

/* A summary's median and interval; a field of every trial of a point (sub: "resources",
 * or NULL for the trial itself). */
void claims_set_summary(json_t *root, const char *sc, const char *model, const char *label,
                        const char *metric, double median, double lo, double hi);
void claims_set_trials(json_t *root, const char *sc, const char *model, const char *label,
                       const char *field, const char *sub, double v);

/* The creation result's cycles of a primitive ("fork", "pthread"): median, p10, p90. */
void claims_set_cycles(json_t *root, const char *prim, double m, double p10, double p90);

#endif
