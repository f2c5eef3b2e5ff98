/* The parts a claim is judged by (claims.h): the points it reads, with why where one is
 * missing, and the comparisons: intervals apart, a slope of memory against another's,
 * creation costs. */
#include "claims.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* One more reason, "; " after the others: a reason already there is said once, and one
 * that does not fit is marked "(cut)" rather than cut silently. */
static void add_text(char *buf, size_t len, const char *fmt, va_list ap)
{
    char text[1024];
    int n = vsnprintf(text, sizeof(text), fmt, ap);
    size_t at = strlen(buf), tl = strlen(text);
    for (const char *p = buf; (p = strstr(p, text)); p++)
        if ((p == buf || p[-1] == ' ') && (p[tl] == '\0' || p[tl] == ';'))
            return;
    if (n >= (int)sizeof(text) || at + 2 + tl + 1 > len) {
        static const char cut[] = " (cut)";
        if (at + sizeof(cut) <= len && !strstr(buf, cut))
            memcpy(buf + at, cut, sizeof(cut));
        return;
    }
    if (at > 0) {
        memcpy(buf + at, "; ", 3);
        at += 2;
    }
    memcpy(buf + at, text, tl + 1);
}

#define TEXT_FN(name, field, count)                                                                \
    void name(struct claim *c, const char *fmt, ...)                                               \
    {                                                                                              \
        va_list ap;                                                                                \
        va_start(ap, fmt);                                                                         \
        add_text(c->field, sizeof(c->field), fmt, ap);                                             \
        va_end(ap);                                                                                \
        count;                                                                                     \
    }

TEXT_FN(claim_say, measured, (void)0)
TEXT_FN(claim_condition, condition, c->n_condition++)
TEXT_FN(claim_not_here, why, c->n_not_here++)
TEXT_FN(claim_unmeasured, unmeasured, c->n_unmeasured++)

void claim_holds(struct claim *c)
{
    c->n_holds++;
}

bool claim_has_model(const struct claim *c, const char *model)
{
    for (size_t m = 0; m < c->nm; m++)
        if (strcmp(c->models[m], model) == 0)
            return true;
    return false;
}

void claim_fig(struct claim *c, const char *key, double v)
{
    json_object_set_new(c->figures, key, isnan(v) ? json_null() : json_real(round_figure(v)));
}

/* The scenario, named among the claim's; NULL when the run did not measure it, with why
 * as a part not measured (bench's note where it skipped the scenario). */
json_t *claim_scenario(struct claim *c, const char *name)
{
    json_t *sc = results_scenario(c->r, name);
    json_array_append_new(c->scenarios, json_string(name));
    const char *note = json_string_value(json_object_get(sc, "note"));
    if (!sc)
        claim_unmeasured(c, "the run has no %s scenario", name);
    else if (json_array_size(json_object_get(sc, "points")) == 0 &&
             !json_is_object(json_object_get(sc, "result"))) {
        const char *st = json_string_value(json_object_get(sc, "status"));
        bool ran = st && (strcmp(st, "interrupted") == 0 || strcmp(st, "failed") == 0);
        claim_unmeasured(c, "the %s scenario %s%s%s%s%s", name, ran ? "was " : "was not run",
                         ran ? st : "", note ? " (" : "", note ? note : "", note ? ")" : "");
    } else
        return sc;
    return NULL;
}

/* The point of model at label, named among the claim's points; NULL when it is not there
 * or did not measure, with why as a part not measured. */
json_t *claim_point(struct claim *c, json_t *sc, const char *model, const char *label)
{
    const char *name = json_string_value(json_object_get(sc, "name"));
    json_array_append_new(
        c->points, json_pack("{s:s,s:s,s:s}", "scenario", name, "model", model, "label", label));
    json_t *pt = results_point(sc, model, label);
    const char *st = json_string_value(json_object_get(pt, "status"));
    const char *note = json_string_value(json_object_get(pt, "note"));
    if (!claim_has_model(c, model))
        claim_unmeasured(c, "echo-%s is not in this run", model);
    else if (!pt)
        claim_unmeasured(c, "the %s scenario has no point %s for echo-%s", name, label, model);
    else if (!point_measured(pt))
        claim_unmeasured(c, "echo-%s at %s %s was %s%s%s", model, name, label,
                         st ? st : "not measured", note ? ": " : "", note ? note : "");
    else
        return pt;
    return NULL;
}

/* As point_of, and comparable: no connection starved in any trial. */
json_t *claim_comparable_point(struct claim *c, json_t *sc, const char *model, const char *label)
{
    json_t *pt = claim_point(c, sc, model, label);
    if (pt && !point_comparable(pt)) {
        claim_unmeasured(c, "echo-%s at %s %s starved %.0f of %.0f connections: not comparable",
                         model, json_string_value(json_object_get(sc, "name")), label,
                         point_starved(pt), jpath(pt, "connections"));
        return NULL;
    }
    return pt;
}

/* A figure with its interval, in words ("3,773 [3,390, 3,905]") and into figures under
 * key ({median, lo, hi, level, of}); false without an interval. */
bool claim_figure_only(struct claim *c, json_t *pt, const char *metric, const char *key, double *m,
                       double *lo, double *hi, char *words, size_t len)
{
    char a[32], b[32], d[32];
    double level = NAN;
    bool of_mean = false;
    json_t *s = json_object_get(json_object_get(pt, "summary"), metric);
    *m = point_median(pt, metric);
    bool ok = summary_interval(s, lo, hi, &level, &of_mean) && !isnan(*m);
    human(*m, a, sizeof(a));
    human(*lo, b, sizeof(b));
    human(*hi, d, sizeof(d));
    if (ok)
        snprintf(words, len, "%s [%s, %s%s]", a, b, d,
                 of_mean ? ": a 95% t-interval of the mean" : "");
    else
        snprintf(words, len, "%s", a);
    if (ok && c->levels)
        level_range_add(c->levels, s);
    json_object_set_new(
        c->figures, key,
        json_pack("{s:o,s:o,s:o,s:o,s:s}", "median",
                  isnan(*m) ? json_null() : json_real(round_figure(*m)), "lo",
                  ok ? json_real(round_figure(*lo)) : json_null(), "hi",
                  ok ? json_real(round_figure(*hi)) : json_null(), "level",
                  ok && !isnan(level) ? json_real(round_figure(level)) : json_null(), "of",
                  of_mean ? "mean" : "median"));
    return ok;
}

bool claim_figure(struct claim *c, json_t *pt, const char *metric, const char *key, double *m,
                  double *lo, double *hi, char *words, size_t len)
{
    bool ok = claim_figure_only(c, pt, metric, key, m, lo, hi, words, len);
    if (!ok)
        claim_unmeasured(c, "%s has no interval (one trial, or not recorded)", key);
    return ok;
}

const char *claim_label(const char *label, char *buf, size_t len)
{
    char *end;
    double v = strtod(label, &end);
    if (end == label || *end)
        snprintf(buf, len, "%s", label);
    else if (v == floor(v) && fabs(v) < 1000)
        snprintf(buf, len, "%.0f", v);
    else
        human(v, buf, len);
    return buf;
}

/* Whether interval a lies wholly above b (1), wholly below (-1), or they meet (0). */
int claim_apart(double alo, double ahi, double blo, double bhi)
{
    return alo > bhi ? 1 : ahi < blo ? -1 : 0;
}

/* A part: model a's metric at the point against model b's, which should lie wholly above
 * it (want 1) or below (want -1). */
void claim_compare(struct claim *c, json_t *sc, const char *label, const char *a, const char *b,
                   const char *metric, int want, const char *what)
{
    char ka[96], kb[96], wa[96], wb[96], lw[32];
    double ma, la, ha, mb, lb, hb;
    claim_label(label, lw, sizeof(lw));
    json_t *pa = claim_comparable_point(c, sc, a, label),
           *pb = claim_comparable_point(c, sc, b, label);
    if (!pa || !pb)
        return;
    snprintf(ka, sizeof(ka), "%s %s %s %s", json_string_value(json_object_get(sc, "name")), label,
             a, metric);
    snprintf(kb, sizeof(kb), "%s %s %s %s", json_string_value(json_object_get(sc, "name")), label,
             b, metric);
    bool ia = claim_figure(c, pa, metric, ka, &ma, &la, &ha, wa, sizeof(wa));
    bool ib = claim_figure(c, pb, metric, kb, &mb, &lb, &hb, wb, sizeof(wb));
    claim_say(c, "%s at %s: echo-%s %s against echo-%s %s", what, lw, a, wa, b, wb);
    if (!ia || !ib)
        return;
    int side = claim_apart(la, ha, lb, hb);
    if (side == want)
        claim_holds(c);
    else if (side == -want)
        claim_not_here(c, "%s at %s: echo-%s %s lies wholly %s echo-%s %s", what, lw, a, wa,
                       want > 0 ? "below" : "above", b, wb);
    else
        claim_unmeasured(c, "%s at %s: the intervals of echo-%s and echo-%s overlap", what, lw, a,
                         b);
}

/* The creation cost of a primitive: its median and p10, p90, in cycles where the run has
 * them, else in ns (*unit says which). False when the run does not have it. */
static bool creation_of(json_t *result, const char *prim, double *m, double *p10, double *p90,
                        const char **unit)
{
    char path[96];
    *unit = "cycles";
    snprintf(path, sizeof(path), "primitives.%s.cycles.median", prim);
    if (!(jpath(result, path) > 0))
        *unit = "ns";
    snprintf(path, sizeof(path), "primitives.%s.%s.median", prim, *unit);
    *m = jpath(result, path);
    snprintf(path, sizeof(path), "primitives.%s.%s.p10", prim, *unit);
    *p10 = jpath(result, path);
    snprintf(path, sizeof(path), "primitives.%s.%s.p90", prim, *unit);
    *p90 = jpath(result, path);
    return *m > 0 && !isnan(*p10) && !isnan(*p90);
}

/* fork + waitpid against pthread_create + join: the ratio of the medians, and its bounds
 * from the spreads (fork's p10 over pthread's p90, fork's p90 over pthread's p10).
 * Returns claim_apart()'s side of fork's spread against pthread's (0 where they meet), or
 * 2 when not measured (why recorded). */
int claim_creation(struct claim *c, double *ratio, double *lo, double *hi, double *fork_m,
                   double *thread_m, const char **unit)
{
    *ratio = *lo = *hi = NAN;
    json_t *sc = claim_scenario(c, "creation");
    json_t *result = json_object_get(sc, "result");
    if (!sc)
        return 2;
    double f10, f90, t10, t90;
    const char *tunit;
    if (!creation_of(result, "fork", fork_m, &f10, &f90, unit) ||
        !creation_of(result, "pthread", thread_m, &t10, &t90, &tunit) || strcmp(*unit, tunit) ||
        !(t10 > 0)) {
        claim_unmeasured(c, "the creation scenario has no figures for fork and pthread");
        return 2;
    }
    *ratio = *fork_m / *thread_m;
    *lo = f10 / t90;
    *hi = f90 / t10;
    char key[64];
    snprintf(key, sizeof(key), "creation fork median %s", *unit);
    claim_fig(c, key, *fork_m);
    snprintf(key, sizeof(key), "creation pthread median %s", *unit);
    claim_fig(c, key, *thread_m);
    json_object_set_new(c->figures, "creation fork/pthread",
                        json_pack("{s:f,s:f,s:f,s:o,s:s}", "median", round_figure(*ratio), "lo",
                                  round_figure(*lo), "hi", round_figure(*hi), "level", json_null(),
                                  "of", "p10 to p90"));
    claim_say(c,
              "fork + waitpid of a small parent %.0fK %s (p10 to p90: %.0fK to %.0fK), "
              "pthread_create + join %.1fK (%.1fK to %.1fK): %.1fx, %.1fx to %.1fx from the "
              "spreads",
              *fork_m / 1000, *unit, f10 / 1000, f90 / 1000, *thread_m / 1000, t10 / 1000,
              t90 / 1000, *ratio, *lo, *hi);
    return claim_apart(f10, f90, t10, t90);
}

/* The largest idle point at which both models have a memory slope (point_marginal_bytes)
 * and are comparable; NULL (why recorded) when there is none. */
static const char *memory_label(struct claim *c, json_t *sc, const char *a, const char *b)
{
    char l[32][32];
    static char found[32];
    int nl = scenario_labels(sc, l, 32);
    for (int k = nl - 1; k >= 0; k--) {
        json_t *pa = results_point(sc, a, l[k]), *pb = results_point(sc, b, l[k]);
        if (point_comparable(pa) && point_comparable(pb) && !point_refused(pa) &&
            !point_refused(pb) && !isnan(point_marginal_bytes(sc, pa)) &&
            !isnan(point_marginal_bytes(sc, pb))) {
            snprintf(found, sizeof(found), "%s", l[k]);
            return found;
        }
    }
    claim_unmeasured(c,
                     "no idle point where echo-%s and echo-%s both have a memory slope and are "
                     "comparable",
                     a, b);
    return NULL;
}

/* A part: a's memory per added connection against b's at the largest idle point both
 * have: holds at half of b's or less (a slope has no interval: the factor stands for
 * one), does not hold at b's or more, not measured between. */
void claim_memory(struct claim *c, json_t *sc, const char *a, const char *b)
{
    if (!claim_has_model(c, a) || !claim_has_model(c, b)) {
        claim_unmeasured(c, "echo-%s is not in this run", claim_has_model(c, a) ? b : a);
        return;
    }
    const char *label = memory_label(c, sc, a, b);
    if (!label)
        return;
    double ma = point_marginal_bytes(sc, claim_point(c, sc, a, label));
    double mb = point_marginal_bytes(sc, claim_point(c, sc, b, label));
    char ka[96], wa[32], wb[32];
    snprintf(ka, sizeof(ka), "idle %s %s memory_marginal_bytes", label, a);
    claim_fig(c, ka, ma);
    snprintf(ka, sizeof(ka), "idle %s %s memory_marginal_bytes", label, b);
    claim_fig(c, ka, mb);
    human(ma, wa, sizeof(wa));
    human(mb, wb, sizeof(wb));
    char from_a[32], from_b[32], lw[32];
    json_t *ba = point_slope_base(sc, results_point(sc, a, label)),
           *bb = point_slope_base(sc, results_point(sc, b, label));
    claim_label(ba ? json_string_value(json_object_get(ba, "label")) : "?", from_a, sizeof(from_a));
    claim_label(bb ? json_string_value(json_object_get(bb, "label")) : "?", from_b, sizeof(from_b));
    claim_label(label, lw, sizeof(lw));
    if (strcmp(from_a, from_b) == 0)
        claim_say(c,
                  "memory (Pss_Anon) per added connection from %s to %s idle: echo-%s %s bytes "
                  "against echo-%s %s",
                  from_a, lw, a, wa, b, wb);
    else
        claim_say(c,
                  "memory (Pss_Anon) per added connection to %s idle: echo-%s %s bytes (from "
                  "%s) against echo-%s %s (from %s)",
                  lw, a, wa, from_a, b, wb, from_b);
    if (ma <= 0.5 * mb)
        claim_holds(c);
    else if (ma >= mb)
        claim_not_here(
            c, "echo-%s's memory per added connection, %s bytes, is not below echo-%s's, %s", a, wa,
            b, wb);
    else
        claim_unmeasured(
            c, "echo-%s's memory per added connection, %s bytes, is within 2x of echo-%s's, %s", a,
            wa, b, wb);
}
