/* The lecture's claims out: each judged (claims.c's rules on claims_parts.c's parts), its
 * parts' verdicts made one, and written as analysis.json and as report.md's first
 * section, each with a link to the plot or the section of the report that shows it. */
#include "claims.h"
#include "jsonio.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MODELS 32

void heading_anchor(const char *heading, char *buf, size_t len)
{
    size_t at = 0;
    if (len == 0)
        return;
    buf[at++] = '#';
    for (const unsigned char *p = (const unsigned char *)heading; *p && at + 1 < len; p++) {
        if (*p == ' ')
            buf[at++] = '-';
        else if (isalnum(*p) || *p == '-' || *p == '_' || *p >= 0x80)
            buf[at++] = (char)tolower(*p); /* what GitHub keeps; the rest it drops */
    }
    buf[at] = '\0';
}

/* The link to what shows a claim: its plot where made and rendered, else the section of
 * its scenario in report.md, else NULL (the run has neither). */
static json_t *link_of(const struct claim_rule *rule, const struct results *r,
                       const struct made_plot *made, size_t nmade)
{
    char buf[300];
    for (size_t i = 0; rule->plot && i < nmade; i++)
        if (strcmp(made[i].name, rule->plot) == 0 && made[i].rendered) {
            snprintf(buf, sizeof(buf), "plots/%s.svg", rule->plot);
            return json_string(buf);
        }
    json_t *sc = results_scenario(r, rule->scenario);
    if (!sc)
        return json_null();
    const char *title = json_string_value(json_object_get(sc, "title"));
    heading_anchor(title ? title : rule->scenario, buf, sizeof(buf));
    return json_string(buf);
}

/* The parts made one verdict (docs/analysis.md): any part that does not hold decides
 * it; with none that holds, not measured; parts not measured or with a condition beside
 * parts that hold make it hold with a condition. */
static void verdict(struct claim *c, json_t *obj)
{
    char words[2 * sizeof(c->condition) + 32];
    if (c->n_not_here > 0) {
        json_object_set_new(obj, "verdict", json_string(CLAIM_NOT_HERE));
        json_object_set_new(obj, "why", json_string(c->why));
    } else if (c->n_holds + c->n_condition == 0) {
        json_object_set_new(obj, "verdict", json_string(CLAIM_NOT_MEASURED));
        json_object_set_new(obj, "why",
                            json_string(c->unmeasured[0] ? c->unmeasured
                                                         : "nothing in the run "
                                                           "measures it"));
    } else if (c->n_condition > 0 || c->n_unmeasured > 0) {
        snprintf(words, sizeof(words), "%s%s%s%s", c->condition,
                 c->condition[0] && c->unmeasured[0] ? "; " : "",
                 c->unmeasured[0] ? "not measured: " : "", c->unmeasured);
        json_object_set_new(obj, "verdict", json_string(CLAIM_CONDITION));
        json_object_set_new(obj, "condition", json_string(words));
    } else {
        json_object_set_new(obj, "verdict", json_string(CLAIM_HOLDS));
    }
}

/* A scenario or a point read twice is named once: the first of equal items stays. */
static void once(json_t *list)
{
    for (size_t k = json_array_size(list); k-- > 1;)
        for (size_t j = 0; j < k; j++)
            if (json_equal(json_array_get(list, k), json_array_get(list, j))) {
                json_array_remove(list, k);
                break;
            }
}

/* The claims judged; every figure's interval level gathered into levels (may be NULL). */
static json_t *judge_all(const struct results *r, const struct made_plot *made, size_t nmade,
                         struct level_range *levels)
{
    const char *models[MAX_MODELS];
    size_t nrules, nm = results_models(r, models, MAX_MODELS);
    const struct claim_rule *rules = claim_rules(&nrules);
    json_t *claims = json_array();
    struct claim *c = malloc(sizeof(*c));
    if (!claims || !c)
        goto fail;
    for (size_t i = 0; i < nrules; i++) {
        memset(c, 0, sizeof(*c));
        c->r = r;
        c->models = models;
        c->nm = nm;
        c->levels = levels;
        c->scenarios = json_array();
        c->points = json_array();
        c->figures = json_object();
        json_t *obj =
            json_pack("{s:s,s:s,s:o,s:o,s:o}", "id", rules[i].id, "claim", rules[i].claim,
                      "scenarios", c->scenarios, "points", c->points, "figures", c->figures);
        if (!obj || json_array_append_new(claims, obj) < 0)
            goto fail;
        rules[i].judge(c);
        once(c->scenarios);
        once(c->points);
        json_object_set_new(obj, "measured", json_string(c->measured));
        verdict(c, obj);
        json_object_set_new(obj, "link", link_of(&rules[i], r, made, nmade));
    }
    free(c);
    return claims;
fail:
    free(c);
    json_decref(claims);
    return NULL;
}

json_t *claims_judge(const struct results *r, const struct made_plot *made, size_t nmade)
{
    return judge_all(r, made, nmade, NULL);
}

/* The run's models as the report names them: [{model, name, external}], external only
 * where true. NULL when out of memory. */
static json_t *models_json(const struct results *r)
{
    const char *models[MAX_MODELS];
    size_t nm = results_models(r, models, MAX_MODELS);
    json_t *out = json_array();
    for (size_t m = 0; out && m < nm; m++) {
        json_t *row = json_pack("{s:s,s:s}", "model", models[m], "name", model_title(models[m]));
        if (row && model_external(models[m]))
            json_object_set_new(row, "external", json_true());
        if (!row || json_array_append_new(out, row) < 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

int write_analysis_json(const struct results *r, const struct made_plot *made, size_t nmade,
                        const char *path)
{
    json_t *claims = claims_judge(r, made, nmade), *breaks = breaking_json(r);
    json_t *models = models_json(r);
    const char *started = json_string_value(json_object_get(r->root, "started_at"));
    json_t *doc =
        claims && breaks && models
            ? json_pack("{s:s,s:s,s:s,s:s?,s:O,s:O,s:O}", "schema", ANALYSIS_SCHEMA, "bench",
                        "bench.json", "machine", r->machine, "started_at", started, "models",
                        models, "claims", claims, "where_it_breaks", breaks)
            : NULL;
    json_decref(claims);
    json_decref(breaks);
    json_decref(models);
    if (!doc) {
        errno = ENOMEM;
        return -1;
    }
    int rc = json_write_atomic(doc, path);
    json_decref(doc);
    return rc;
}

/* A table cell: the text with its pipes escaped, so a cell stays one. */
static void cell(FILE *f, const char *s)
{
    fputc(' ', f);
    for (; s && *s; s++) {
        if (*s == '|')
            fputc('\\', f);
        fputc(*s == '\n' ? ' ' : *s, f);
    }
    fputs(" |", f);
}

void write_claims(FILE *f, const struct results *r, const struct made_plot *made, size_t nmade)
{
    struct level_range lr = {0};
    json_t *claims = judge_all(r, made, nmade, &lr), *c;
    size_t i, nrules;
    const struct claim_rule *rules = claim_rules(&nrules);
    char level[256], chance[160] = "";
    level_range_words(&lr, level, sizeof(level));
    if (lr.under > 0 && !lr.of_mean && lr.n_lo == 3 && lr.n_hi == 3)
        snprintf(chance, sizeof(chance),
                 " Two ranges of 3 trials lie apart in a given direction by chance with p = "
                 "1/20.");
    fprintf(f, "\n## The lecture's claims\n\n"
               "Each claim of the lecture with the verdict this run's bench.json gives it, by the "
               "rules of docs/analysis.md (\"The lecture's claims\"): `holds`, `holds with a "
               "condition`, `does not hold here`, or `not measured`, never guessed where the run "
               "cannot decide. `analysis.json` has the same with every figure.\n\n");
    if (level[0])
        fprintf(f, "Each bracket is the %s.%s\n\n", level, chance);
    fprintf(f, "| claim | verdict | measured | shown in |\n|---|---|---|---|\n");
    json_array_foreach(claims, i, c)
    {
        char buf[10000];
        const char *v = json_string_value(json_object_get(c, "verdict"));
        const char *more = json_string_value(json_object_get(c, "condition"));
        if (!more)
            more = json_string_value(json_object_get(c, "why"));
        fprintf(f, "| **%s**:", json_string_value(json_object_get(c, "id")));
        cell(f, json_string_value(json_object_get(c, "claim")));
        snprintf(buf, sizeof(buf), "**%s**%s%s", v, more ? ": " : "", more ? more : "");
        cell(f, buf);
        const char *measured = json_string_value(json_object_get(c, "measured"));
        cell(f, measured && measured[0] ? measured : "-");
        const char *link = json_string_value(json_object_get(c, "link"));
        json_t *sc = i < nrules ? results_scenario(r, rules[i].scenario) : NULL;
        const char *title = json_string_value(json_object_get(sc, "title"));
        if (link && link[0] == '#')
            snprintf(buf, sizeof(buf), "[%s](%s)", title ? title : rules[i].scenario, link);
        else if (link)
            snprintf(buf, sizeof(buf), "[%s](%s)", strrchr(link, '/') + 1, link);
        else
            snprintf(buf, sizeof(buf), "not in this run");
        cell(f, buf);
        fputc('\n', f);
    }
    if (!claims)
        fprintf(f, "(out of memory: the claims could not be judged)\n");
    json_decref(claims);
}
