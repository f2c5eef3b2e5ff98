/* compare's half on the floor: B's standing against its machine's floor over A's
 * (the ratio of the two runs' vs_floor), with its interval and level, the marks that say
 * whether a difference remains once the machines are taken out, and the summary. */
#include "analysis.h"
#include "compare.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The estimate in s, a metric's summary (summary.METRIC, or vs_floor.M): its median and
 * summary_interval's interval and level. Returns false when there is no median. */
static bool estimate_of(json_t *s, struct estimate *e)
{
    e->m = jpath(s, "median");
    if (!summary_interval(s, &e->lo, &e->hi, &e->level, NULL))
        e->lo = e->hi = e->level = NAN;
    return !isnan(e->m);
}

/* The median and interval of a point's metric; false when there is no median. */
bool compare_summary_of(json_t *pt, const char *metric, struct estimate *e)
{
    return estimate_of(json_object_get(json_object_get(pt, "summary"), metric), e);
}

/* b over a (both positive figures): the ratio of the medians, with the interval
 * [b.lo / a.hi, b.hi / a.lo]. Where a's interval holds a's median and b's holds b's,
 * this one holds their ratio; the two runs' trials are independent, so that happens
 * with probability at least the product of their levels. No interval where either has
 * none or a's reaches 0. NaN throughout where a's median is not above 0. */
static struct estimate ratio_of(const struct estimate *a, const struct estimate *b)
{
    struct estimate r = {NAN, NAN, NAN, NAN};
    if (!(a->m > 0))
        return r;
    r.m = b->m / a->m;
    if (a->lo > 0 && !isnan(a->hi) && !isnan(b->lo) && !isnan(b->hi)) {
        r.lo = b->lo / a->hi;
        r.hi = b->hi / a->lo;
        r.level = a->level * b->level;
    }
    return r;
}

/* A ratio for people: "1.50 [1.35, 1.67]", "1.50" without an interval, "-". */
static void ratio_text(const struct estimate *r, char *buf, size_t len)
{
    if (isnan(r->m))
        snprintf(buf, len, "-");
    else if (isnan(r->lo))
        snprintf(buf, len, "%.2f", r->m);
    else
        snprintf(buf, len, "%.2f [%.2f, %.2f]", r->m, r->lo, r->hi);
}

/* Appends to a list in buf, "; " between items; cut short (never overrun) when full. */
__attribute__((format(printf, 3, 4))) void compare_list_add(char *buf, size_t len, const char *fmt,
                                                            ...)
{
    size_t at = strlen(buf);
    if (at > 0 && at + 2 < len) {
        snprintf(buf + at, len - at, "; ");
        at += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + at, len - at, fmt, ap);
    va_end(ap);
}

/* The key of a point's metric in its vs_floor, or NULL. */
static const char *floor_key(const char *metric)
{
    if (strcmp(metric, "throughput_rps") == 0)
        return "throughput";
    if (strcmp(metric, "p99_us") == 0)
        return "p99";
    if (strcmp(metric, "p50_us") == 0)
        return "p50";
    return NULL;
}

/* Keeps r's level in t when it is the least so far (a vs_floor interval before the
 * floor's own at the same level). a and b are its two summaries. */
static void least_level(struct tally *t, const struct estimate *r, json_t *a, json_t *b,
                        bool of_floor)
{
    if (isnan(r->lo) || isnan(r->level))
        return;
    if (!isnan(t->level) &&
        !(r->level < t->level || (r->level == t->level && t->level_of_floor && !of_floor)))
        return;
    t->level = r->level;
    t->level_of_floor = of_floor;
    t->level_a = jpath(a, "ci_level");
    t->level_b = jpath(b, "ci_level");
    t->rounds_a = jpath(a, "n");
    t->rounds_b = jpath(b, "n");
}

/* The side of 1 an interval is on: 1 above, -1 below, 0 where it holds 1 (or there is
 * none). */
static int side_of_one(const struct estimate *r)
{
    return r->lo > 1 ? 1 : r->hi < 1 ? -1 : 0;
}

/* The floor's own B/A for metric at a point (fa, fb its points in A and B): its side of 1
 * (0 where it holds 1, or where there is no floor or no interval). */
int compare_floor_side(json_t *fa, json_t *fb, const char *metric)
{
    struct estimate ea, eb;
    if (!fa || !fb || !point_measured(fa) || !point_measured(fb))
        return 0;
    if (!estimate_of(json_object_get(json_object_get(fa, "summary"), metric), &ea) ||
        !estimate_of(json_object_get(json_object_get(fb, "summary"), metric), &eb))
        return 0;
    struct estimate r = ratio_of(&ea, &eb);
    return side_of_one(&r);
}

/* The row's B/A on the floor into buf (and its mark into *mark): B's vs_floor over A's
 * for the metric, with its interval; counted into t. raw is the side of the raw
 * difference where the raw intervals are apart (1: B above A, -1: below, 0: not apart);
 * floor its floor's own B/A's side of 1 at the point. "-" where a point has no
 * vs_floor. */
void compare_normalised(struct tally *t, const char *scenario, const char *model, const char *label,
                        const char *metric, json_t *pa, json_t *pb, int raw, int floor,
                        bool markable, char *buf, size_t len, const char **mark)
{
    struct estimate fa, fb;
    const char *key = floor_key(metric);
    *mark = "";
    json_t *sa = key ? json_object_get(json_object_get(pa, "vs_floor"), key) : NULL;
    json_t *sb = key ? json_object_get(json_object_get(pb, "vs_floor"), key) : NULL;
    if (!key || !estimate_of(sa, &fa) || !estimate_of(sb, &fb)) {
        snprintf(buf, len, "-");
        return;
    }
    struct estimate n = ratio_of(&fa, &fb);
    ratio_text(&n, buf, len);
    least_level(t, &n, sa, sb, false); /* printed, so in the least level, marked or not */
    if (isnan(n.lo) || !markable)
        return;
    t->normalised++;
    int side = side_of_one(&n);
    char *list;
    size_t list_len = sizeof(t->remains);
    if (raw != 0 && side == raw) {
        *mark = "remains";
        t->remain++;
        list = t->remains;
    } else if (raw != 0 && side != 0) {
        *mark = "reverses";
        t->reverse++;
        list = t->reverses;
    } else if (side != 0) {
        *mark = "only on the floor";
        t->floor_only++;
        list = t->floor_onlys;
    } else if (raw != 0 && floor == raw) {
        *mark = "the machine";
        t->machine++;
        list = t->machines;
    } else if (raw != 0) {
        *mark = "undecided";
        t->undecided++;
        list = t->undecideds;
    } else {
        return;
    }
    compare_list_add(list, list_len, "%s %s %s %s %s", scenario, model, label, metric, buf);
}

/* The floor's own B/A at a point (throughput and p99, with their intervals): how much
 * the machine itself changed there. Into t->floors, and its levels into t's least. */
void compare_floor_row(struct tally *t, const char *scenario, const char *label, json_t *pa,
                       json_t *pb)
{
    static const char *metrics[] = {"throughput_rps", "p99_us"};
    char item[256];
    int at = snprintf(item, sizeof(item), "%s %s:", scenario, label);
    for (size_t i = 0; i < sizeof(metrics) / sizeof(metrics[0]); i++) {
        struct estimate ea, eb;
        if (!compare_summary_of(pa, metrics[i], &ea) || !compare_summary_of(pb, metrics[i], &eb))
            continue;
        struct estimate r = ratio_of(&ea, &eb);
        least_level(t, &r, json_object_get(json_object_get(pa, "summary"), metrics[i]),
                    json_object_get(json_object_get(pb, "summary"), metrics[i]), true);
        char text[64];
        ratio_text(&r, text, sizeof(text));
        at += snprintf(item + at, sizeof(item) - (size_t)at, "%s %s %s", i ? "," : "", metrics[i],
                       text);
        if (at >= (int)sizeof(item))
            break;
    }
    compare_list_add(t->floors, sizeof(t->floors), "%s", item);
}

/* One sentence of the summary: how many rows had a mark (one, many: its verb for one row
 * and for several), and which. */
static void summary_mark(FILE *f, const char *bullet, int n, const char *one, const char *many,
                         const char *meaning, const char *list)
{
    fprintf(f, "%s%d row%s %s (%s)%s%s.\n", bullet, n, n == 1 ? "" : "s", n == 1 ? one : many,
            meaning, n ? ": " : "", list);
}

/* The summary, on f, each sentence after bullet: the rows that differ raw, those of each
 * mark on the floor, the least level of the intervals printed, and the floor's own
 * change; or why there is no normalised column. */
void compare_summary(FILE *f, const char *bullet, const struct tally *t, const char *unavailable)
{
    fprintf(f, "%s%d row%s raw (intervals apart, *).\n", bullet, t->apart,
            t->apart == 1 ? " differs" : "s differ");
    if (!t->floor) {
        fprintf(f, "%sB/A on the floor is unavailable: %s.\n", bullet, unavailable);
        return;
    }
    fprintf(f, "%sOn the floor (the machines taken out), of %d rows with an interval:\n", bullet,
            t->normalised);
    summary_mark(f, bullet, t->remain, "remains", "remain",
                 "apart raw, and on the floor the same way", t->remains);
    summary_mark(f, bullet, t->reverse, "reverses", "reverse",
                 "apart raw, and on the floor the other way", t->reverses);
    summary_mark(f, bullet, t->floor_only, "differs only on the floor", "differ only on the floor",
                 "not apart raw; on the floor the interval excludes 1", t->floor_onlys);
    summary_mark(f, bullet, t->machine, "was the machine", "were the machine",
                 "apart raw, on the floor the interval holds 1, and the floor's own B/A moved "
                 "the same way",
                 t->machines);
    summary_mark(f, bullet, t->undecided, "is undecided", "are undecided",
                 "apart raw; on the floor the interval holds 1 but the floor's own B/A does not "
                 "say the machine moved that way: too wide to tell",
                 t->undecideds);
    if (t->normalised > 0 && isnan(t->level))
        fprintf(f,
                "%sThe level of the intervals on the floor is unknown (a vs_floor without "
                "ci_level).\n",
                bullet);
    else if (!isnan(t->level)) {
        const char *of = t->level_of_floor ? "the floor's own interval" : "vs_floor interval";
        const char *over = t->level_of_floor ? "trials" : "rounds";
        fprintf(f,
                "%sEach interval printed (on the floor, and the floor's own B/A) holds its "
                "ratio with probability at least %.2f, the least of them (A's %s at %.3g "
                "over %.0f %s times B's at %.3g over %.0f: the runs' trials are independent).",
                bullet, t->level, of, t->level_a, t->rounds_a, over, t->level_b, t->rounds_b);
        if (t->level < 0.9)
            fprintf(f, " That is low: under 6 rounds a run's interval is the range of its "
                       "rounds (0.75 for 3), so a row that remains may be chance; rerun both "
                       "with --trials 6 or more (0.94 for two 6-trial runs) before taking it as "
                       "found.");
        fprintf(f, "\n");
    }
    if (t->floors[0])
        fprintf(f,
                "%sThe floor's own B/A, the machine's change itself (intervals formed the same "
                "way): %s.\n",
                bullet, t->floors);
}
